"""What of the repository a sandboxed load may read: decided here, in mlgate's process, where
git can list the files, and enforced by Landlock in the probe (`mlgate.sandbox`).

mlgate runs in CI on pull requests from strangers, and whatever a load can read it can print
(a finding quotes the error a load raised). So the rule is by file, not by folder: a load
reads the files git tracks (staged ones included), the Python files not yet added that git
does not ignore, the version file setuptools-scm generates (ignored, by its own advice),
protoc's Python output and extension modules built in place, the files of checked-out
submodules, nothing else of the checkout. Not `.git` at any depth (a
second checkout or a nested repository keeps its own token in its `.git/config`), not an
ignored or untracked file beside tracked ones (`.env`, `gha-creds-*.json`,
`local_settings.py`), and never through a symlink: Landlock checks the path a link resolves
to, so a link grants nothing, and its target is readable only when it is itself a file the
load may read.

Landlock grants by hierarchy, one rule per path. A folder whose every entry, at any depth, is
a readable file (no symlink, no untracked name, no `.git`) is granted whole; elsewhere each
file is granted on its own. Folders can always be listed (Python's importer lists a folder
before it imports from it), so untracked names are visible, not their content.
"""

from __future__ import annotations

import os

# Rules a load may install for the repository. Beyond it (a checkout with tens of thousands
# of files outside clean folders), only the clean folders and the project's code stay
# readable, never a folder whole that is not clean.
RULE_CAP = 20_000


def sandbox_reads(repo_root: str, untracked: bool = True) -> dict:
    """{"repo", "trees", "tracked", "pth", "narrowed"}: absolute folders readable whole,
    files readable one by one, the tracked .pth files and editable finders (a committed
    `.venv/`: what they name is not made readable), and which files are left out for the
    cap (None when none is). `untracked`: Python files not yet added that git does not
    ignore are readable too (a module written before `git add`, on a developer's machine);
    not with `--trusted-config`, where the commit's own .gitignore would decide it (sandbox
    review round 33: a pull request that unignored local_settings.py had a CI step's
    credentials file read and printed). Outside a repository (a source archive, a checkout
    git refuses), the files of visible folders are taken as the project's, never a hidden
    one."""
    from mlgate.files import changed_in, tracked_in, untracked_code_in

    listed = tracked_in(repo_root, submodules=True)
    if listed is None:
        names = _visible_files(repo_root)
        pth: list[str] = []
    else:
        names = set(listed) | set(untracked_code_in(repo_root) if untracked else ()) | set(
            _generated_files(repo_root))
        if not untracked:
            # With a trusted configuration (CI on a pull request), the work tree is the
            # commit's: a tracked file whose content changed since is what a CI step wrote
            # there (`echo "$ENV_FILE" > .env` over a placeholder the pull request
            # force-added: sandbox review round 35), not the commit's. Not readable.
            # When git cannot say which (it answered for the list), none is readable.
            changed = changed_in(repo_root)
            names = set() if changed is None else names - changed
        pth = [os.path.realpath(os.path.join(repo_root, name)) for name in listed
               if name.endswith(".pth") or (name.rsplit("/", 1)[-1].startswith("__editable__")
                                            and name.endswith("_finder.py"))]
    trees, files = _plan(repo_root, names)
    narrowed = None
    if len(trees) + len(files) > RULE_CAP:
        # Never a folder whole that holds what the load must not read (a nested `.git`, an
        # ignored `.env`: sandbox review round 31): the rules go to the clean folders and the
        # project's code, and the other files beyond the cap are not readable.
        trees = trees[:RULE_CAP]
        code = [f for f in files if f.endswith(CODE_SUFFIXES)]
        kept = code[:RULE_CAP - len(trees)]
        narrowed = (f"{len(files) - len(kept)} of the repository's {len(files)} files outside"
                    f" folders git tracks whole are not readable by the load (more than"
                    f" {RULE_CAP} rules): its code is")
        files = kept
    return {"repo": repo_root, "trees": trees, "tracked": files, "pth": pth,
            "narrowed": narrowed}


# What a load of the project's code reads of it beyond the clean folders, when not every
# file can have its rule.
CODE_SUFFIXES = (".py", ".pth", ".so", ".pyd")


def named_file(path: str, repo_root: str) -> str | None:
    """The real path of a file a model block names for the load to read (a Parquet sample,
    the API module imported for its contract) when the load may read it, else None (the load
    is then denied it, and the finding says which file). Such a file is not scanned, and
    its name can come from the commit under review, so it joins the read grant only as
    itself: reached through no symlink (a committed `api.py -> .git/config`, or
    `sample.parquet -> gha-creds.json` beside a folder link, granted what it points at:
    sandbox review round 31), inside the repository, outside every `.git`, a regular file
    git does not ignore (`.env`)."""
    import subprocess

    from mlgate.artifacts.reading import in_git_folder
    from mlgate.files import GIT

    root = os.path.realpath(repo_root)
    real = os.path.realpath(path)
    lexical = os.path.normpath(os.path.abspath(path))
    base = next((r for r in (repo_root, root)
                 if lexical.startswith(r.rstrip(os.sep) + os.sep)), None)
    if base is None or in_git_folder(real, root) or not _regular(real):
        return None
    rel = os.path.relpath(lexical, base)
    walked = root
    for part in rel.split(os.sep):
        walked = os.path.join(walked, part)
        if os.path.islink(walked):
            return None
    if walked != real:  # `folder/..` through a link resolves elsewhere than it reads
        return None
    try:
        ignored = subprocess.run([*GIT, "-C", root, "check-ignore", "-q", "--", rel],
                                 capture_output=True, timeout=60, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return None
    return None if ignored else real


# What setuptools-scm (and hatch-vcs, through it) writes atop the version file it generates,
# which it asks to be ignored: the project's package imports it, so the load must read it.
GENERATED_VERSION = (b"# file generated by setuptools-scm", b"# file generated by setuptools_scm")
# What protoc's Python output (messages, gRPC stubs) starts with: generated at build time
# and often ignored, imported by the service's code (sandbox review round 31).
GENERATED_PROTOBUF = (b"# -*- coding: utf-8 -*-\n# Generated by the protocol buffer compiler.",
                      b"# Generated by the protocol buffer compiler.",
                      b"# Generated by the gRPC Python protocol compiler plugin.")
# What a compiled extension module starts with: ELF, Mach-O (64-bit, either order), PE.
EXTENSION_MAGIC = (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"MZ")
# Ignored files the project's package imports, by name and by what they start with:
# setuptools-scm's version file, and extension modules built in place (`build_ext
# --inplace`, an editable install of a package with Cython code). Code, never a secret, and
# only when the file really is what its name says.
_GENERATED = (("*version.py", GENERATED_VERSION), ("*.so", EXTENSION_MAGIC),
              ("*.pyd", EXTENSION_MAGIC), ("*_pb2.py", GENERATED_PROTOBUF),
              ("*_pb2_grpc.py", GENERATED_PROTOBUF))


def _generated_files(root: str) -> list[str]:
    """The ignored files of `_GENERATED` under `root` (one git call; each file read as a
    regular file, never a link or a FIFO)."""
    import fnmatch

    from mlgate.artifacts.reading import Unreadable, read_head
    from mlgate.files import untracked_code_in

    found = []
    names = untracked_code_in(root, ignored=True, patterns=tuple(p for p, _ in _GENERATED))
    for name in names:
        base = name.rsplit("/", 1)[-1]
        heads = next((h for p, h in _GENERATED if fnmatch.fnmatchcase(base, p)), None)
        if heads is None:
            continue
        try:
            head = read_head(os.path.join(root, name), max(map(len, heads)))
        except (OSError, Unreadable):
            continue
        if head.startswith(heads):
            found.append(name)
    return found


def _plan(root: str, names: set[str]) -> tuple[list[str], list[str]]:
    """(folders readable whole, files readable one by one) for the readable `names`."""
    children: dict[str, set[str]] = {}
    for name in names:
        parts = name.split("/")
        if ".git" in parts or "" in parts or ".." in parts:
            continue
        for depth in range(len(parts)):
            children.setdefault("/".join(parts[:depth]), set()).add(parts[depth])
    clean: dict[str, bool] = {}
    # deepest first: a folder is clean when its subfolders are
    for folder in sorted(children, key=lambda f: f.count("/") if f else -1, reverse=True):
        clean[folder] = bool(folder) and _clean(root, folder, children[folder], clean)
    trees = sorted(os.path.join(root, folder) for folder, ok in clean.items()
                   if ok and not clean.get(_parent(folder), False))
    files = []
    for folder, ok in clean.items():
        if ok:
            continue
        for name in children[folder]:
            rel = f"{folder}/{name}" if folder else name
            if rel not in children and _regular(os.path.join(root, rel)):
                files.append(os.path.join(root, rel))
    return trees, sorted(files)


def _parent(folder: str) -> str:
    return folder.rsplit("/", 1)[0] if "/" in folder else ""


def _clean(root: str, folder: str, readable: set[str], clean: dict[str, bool]) -> bool:
    """Whether every entry of `folder` is readable: a regular file named in `readable`, or a
    clean folder; no symlink, no other name."""
    try:
        with os.scandir(os.path.join(root, folder)) as entries:
            for entry in entries:
                if entry.name not in readable or entry.is_symlink():
                    return False
                if entry.is_dir(follow_symlinks=False):
                    if not clean.get(f"{folder}/{entry.name}", False):
                        return False
                elif not entry.is_file(follow_symlinks=False):
                    return False
    except OSError:
        return False
    return True


def _regular(path: str) -> bool:
    import stat

    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _visible_files(root: str) -> set[str]:
    """Without git: the files beneath `root` none of whose path's names is hidden (`.env`,
    `.ssh/`, `.git/`), and at the top only Python files (a credentials file a CI step left
    beside the project is not hidden), at most RULE_CAP + 1 of them."""
    found: set[str] = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in files:
            if rel != ".":
                if not name.startswith("."):
                    found.add(f"{rel}/{name}")
            elif name.endswith(".py") and not name.startswith("."):
                found.add(name)
        if len(found) > RULE_CAP:
            break
    return found
