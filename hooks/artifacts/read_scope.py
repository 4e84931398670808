"""What of the repository a sandboxed load may read: decided here, in mlgate's process, where
git can list the files, and enforced by Landlock in the probe (`mlgate.sandbox`).

mlgate runs in CI on pull requests from strangers, and whatever a load can read it can print
(a finding quotes the error a load raised). So the rule is by file, not by folder: a load
reads the files git tracks (staged ones included) and the Python files not yet added that git
does not ignore, nothing else of the checkout. Not `.git` at any depth (a second checkout or
a nested repository keeps its own token in its `.git/config`), not an ignored or untracked
file beside tracked ones (`.env`, `gha-creds-*.json`, `local_settings.py`), and never through
a symlink: Landlock checks the path a link resolves to, so a link grants nothing, and its
target is readable only when it is itself a file the load may read.

Landlock grants by hierarchy, one rule per path. A folder whose every entry, at any depth, is
a readable file (no symlink, no untracked name, no `.git`) is granted whole; elsewhere each
file is granted on its own. Folders can always be listed (Python's importer lists a folder
before it imports from it), so untracked names are visible, not their content.
"""

from __future__ import annotations

import os

# Rules a load may install for the repository. Beyond it (a checkout with tens of thousands
# of files outside clean folders), reading is confined coarsely (the top-level entries whole)
# and the sandbox reports `landlock-read` missing, with this reason, so `require` refuses.
RULE_CAP = 20_000


def sandbox_reads(repo_root: str) -> dict:
    """{"repo", "trees", "tracked", "pth", "coarse"}: absolute folders readable whole, files
    readable one by one, the tracked .pth files and editable finders (a committed `.venv/`:
    what they name is not made readable), and why reading is only coarsely confined (None
    when it is not). Outside a repository (a source archive, a checkout git refuses), the
    files of visible folders are taken as the project's, never a hidden one."""
    from mlgate.files import tracked_in, untracked_code_in

    listed = tracked_in(repo_root)
    if listed is None:
        names = _visible_files(repo_root)
        pth: list[str] = []
    else:
        names = set(listed) | set(untracked_code_in(repo_root))
        pth = [os.path.realpath(os.path.join(repo_root, name)) for name in listed
               if name.endswith(".pth") or (name.rsplit("/", 1)[-1].startswith("__editable__")
                                            and name.endswith("_finder.py"))]
    trees, files = _plan(repo_root, names)
    coarse = None
    if len(trees) + len(files) > RULE_CAP:
        coarse = (f"{len(trees) + len(files)} readable paths of the repository outside"
                  f" folders git tracks whole (more than {RULE_CAP}): its top-level folders"
                  " are readable whole, untracked files in them too")
        tops = sorted({name.split("/", 1)[0] for name in names} - {".git"})
        trees = [os.path.join(repo_root, t) for t in tops
                 if os.path.isdir(os.path.join(repo_root, t))]
        files = [os.path.join(repo_root, t) for t in tops
                 if os.path.isfile(os.path.join(repo_root, t))]
    return {"repo": repo_root, "trees": trees, "tracked": files, "pth": pth, "coarse": coarse}


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
