"""Which files a check looks at, what kind each one is, and reading them without surprises."""

from __future__ import annotations

import os
import posixpath

# Folders never worth walking when the target is not a git repository.
SKIP_DIRS = {
    ".git", ".hg", ".svn", ".venv", "venv", "env", "node_modules", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox", "site-packages",
    "build", "dist", ".ipynb_checkpoints",
}

_EXTENSION_KINDS = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".ipynb": "notebook",
    ".json": "json", ".jsonc": "text", ".geojson": "json",
    ".toml": "toml",
    ".yaml": "yaml", ".yml": "yaml",
    ".ini": "ini", ".cfg": "ini", ".conf": "ini",
    ".env": "env",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell", ".ksh": "shell",
    ".slurm": "shell", ".sbatch": "shell", ".pbs": "shell",
    ".dockerfile": "dockerfile",
    ".sql": "text",  # Spark/Databricks SQL: `LOCATION '/mnt/...'`, `OPTIONS (path "...")`
}

# Exact file names (lower-cased) whose kind their extension does not tell.
_NAME_KINDS = {
    "pipfile": "toml", "uv.lock": "toml", "poetry.lock": "toml", "pipfile.lock": "json",
    "makefile": "shell", "gnumakefile": "shell", "procfile": "shell", ".envrc": "shell",
    "mlmodel": "yaml", ".env": "env",
}

BINARY_SNIFF = 8192


def file_kind(path: str) -> str | None:
    """The kind of a file by its name, or None when mlgate does not scan that kind by default."""
    parent, name = posixpath.split(path.replace("\\", "/"))
    suffix = posixpath.splitext(name)[1].lower()
    if posixpath.basename(parent).lower() == "requirements" and suffix in (".txt", ".in"):
        return "requirements"
    lower = name.lower()
    if lower in _NAME_KINDS:
        return _NAME_KINDS[lower]
    if lower in ("config", "config.local") and posixpath.basename(parent) == ".dvc":
        return "ini"  # DVC's remotes: `url = /mnt/store` is a folder
    # Dockerfile, Dockerfile.gpu, Containerfile-dev (string tests: no regex on this hot path)
    for stem in ("dockerfile", "containerfile"):
        if lower == stem or (lower.startswith(stem) and lower[len(stem)] in ".-"):
            return "dockerfile"
    if suffix in (".txt", ".in") and ("requirement" in lower or "constraints" in lower):
        return "requirements"
    if lower.startswith(".env."):
        return "env"
    return _EXTENSION_KINDS.get(suffix)


# How mlgate runs git, everywhere: no program the repository's own configuration names. A
# `core.fsmonitor` command in .git/config runs on `ls-files`, with mlgate's environment (a
# CI token); a probe without Landlock's write jail could have put it there. And never a
# bare repository git finds by itself: a checkout without .git whose files are a bare
# repository's (HEAD, config, objects/, refs/, an index) made the commit say what git
# tracks (sandbox round 34, S7).
GIT = ("git", "-c", "core.fsmonitor=false", "-c", "safe.bareRepository=explicit")


def settle_git_environment(environ=os.environ) -> None:
    """Make the variables git gives its hooks mean the same from every folder mlgate asks
    git about. In a linked worktree a hook gets GIT_DIR and no GIT_WORK_TREE, and git then
    takes the current folder for the top of the work tree: from a project in a subfolder
    every file looked untracked, and a committed `-r .env` printed the ignored secrets
    (reliability round 35, R6). A relative GIT_INDEX_FILE (`.git/index`, the main
    worktree's) is relative to the top of the work tree, not to a subfolder a hook's
    command moved into. So GIT_DIR without GIT_WORK_TREE is dropped where git finds the
    same repository by itself, and the index file is made absolute."""
    if environ.get("GIT_DIR") and not environ.get("GIT_WORK_TREE") and git_root() is not None:
        del environ["GIT_DIR"]
    index = environ.get("GIT_INDEX_FILE")
    top = git_root() if index else None
    if index and top is not None:
        index = os.path.join(top, index)  # (an absolute one stays as it is)
        home = _git_dir_of(top)
        if home is not None and not _inside(os.path.realpath(index), home):
            # Another repository's index: a hook of the outer repository that moved into a
            # submodule (red team round 36: git could answer nothing there, and every -r
            # include and sample was refused). The repository mlgate asks about uses its own.
            del environ["GIT_INDEX_FILE"]
        else:
            environ["GIT_INDEX_FILE"] = index


def _git_dir_of(top: str) -> str | None:
    """The git folder of the work tree at `top`: `.git` itself, or the folder a `.git` file
    names (a submodule, a linked worktree); None when that cannot be read."""
    dot = os.path.join(top, ".git")
    if os.path.isdir(dot):
        return os.path.realpath(dot)
    try:
        with open(dot, encoding="utf-8", errors="replace") as handle:
            line = handle.read(4096).strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    return os.path.realpath(os.path.join(top, line[len("gitdir:"):].strip()))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def git_root(start: str = ".") -> str | None:
    """The nearest folder holding `.git`, from `start` upwards; None outside a repository.
    (Here, not in `mlgate.environment`, so the lightweight hooks can ask without its imports.)"""
    folder = os.path.realpath(start)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _ls_files(folder: str, *options: str, cwd: str | None = None) -> set[str] | None:
    import subprocess  # only folders need git; pre-commit passes files

    try:
        proc = subprocess.run(
            [*GIT, *(("-C", cwd) if cwd else ()), "ls-files", "-z", *options, "--", folder],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return set(proc.stdout.decode("utf-8", "surrogateescape").split("\0")) - {""}


def git_tracks(path: str) -> bool | None:
    """Whether git tracks the file (its index: committed or staged); None when git cannot
    answer (see `unanswered`)."""
    folder, name = os.path.split(os.path.abspath(path))
    listed = _ls_files(name, cwd=folder)  # asked where it is, whatever the current folder
    if listed is None:
        return None
    return bool(listed)


def only_intended(path: str) -> bool:
    """Whether git's index holds `path` only as intended to add (`git add -N`): listed as
    tracked, but a commit leaves it out (red team round 42b F5)."""
    import subprocess

    folder, name = os.path.split(os.path.abspath(path))
    try:
        proc = subprocess.run([*GIT, "-C", folder, "status", "--porcelain=v1", "-z",
                               "--untracked-files=no", "--", name],
                              capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0 and proc.stdout.startswith(b" A ")


def tracks_any_in(folder: str) -> bool:
    """Whether git tracks any file under `folder` (a folder of nothing committed or staged
    is no commit yet)."""
    return bool(_ls_files(".", cwd=os.path.abspath(folder)))


def unanswered(tracked: bool | None, path: str) -> bool:
    """Whether `tracked`, git_tracks' answer for `path`, is no answer from inside a
    repository: a checkout owned by another user ("dubious ownership"), no git installed.
    A file the commit names is then not read (reliability round 35, R2: a CI container
    running as root read and printed an ignored `.env` that `-r .env` named). Outside any
    repository (no `.git` above it) there is no commit to distrust."""
    return tracked is None and git_root(os.path.dirname(os.path.abspath(path))) is not None


UNANSWERED = ("git cannot say whether it is committed (`git status` there says why: a"
              " checkout owned by another user needs `git config --global --add"
              " safe.directory <folder>`), and mlgate reads a file the commit names only"
              " when it is")


def git_ignores(path: str) -> bool:
    """Whether git ignores the file (where secrets live: `.env`, a key a CI step wrote
    into an ignored folder) and does not track it; False when git cannot answer."""
    import subprocess

    folder = os.path.dirname(os.path.abspath(path))
    try:
        proc = subprocess.run([*GIT, "-C", folder, "check-ignore", "-q", "--",
                               os.path.basename(path)], capture_output=True, check=False,
                              timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def tracked_in(root: str, submodules: bool = False) -> list[str] | None:
    """The files git tracks in the repository at `root` (staged ones included), relative to
    it; None when git cannot say (not a repository, one owned by another user, no git).
    `submodules`: with the files of its checked-out submodules (the project's code can live
    in one), where git can list them."""
    import subprocess

    options = ("--recurse-submodules",) if submodules else ()
    try:
        proc = subprocess.run([*GIT, "-C", root, "ls-files", "-z", "-t", "--cached",
                               *options], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return tracked_in(root) if submodules else None
    # "S ": skip-worktree (`_git_files`): not the project's content in this work tree
    return [n[2:] for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0")
            if len(n) > 2 and n[0] != "S"]


_LOCATION_VARIABLES = frozenset({"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE",
                                 "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR", "GIT_PREFIX"})


def changed_in(root: str, depth: int = 0) -> set[str] | None:
    """The tracked files of the repository at `root` whose work-tree content is not what
    the index holds (changed or deleted since the checkout), relative to it, those of its
    checked-out submodules too (`ls-files --modified` does not recurse: a CI step's secrets
    written over a submodule's placeholder `.env` were read, red team round 36); None when
    git cannot say, so that the caller fails closed."""
    import subprocess

    # Inside a submodule, git's own location variables (a hook's GIT_INDEX_FILE, GIT_DIR)
    # name the outer repository: the submodule was compared with the outer index, and its
    # rewritten .env was not held back (red team of round 36). Git drops them for
    # submodules itself.
    env = None if depth == 0 else {k: v for k, v in os.environ.items()
                                   if k not in _LOCATION_VARIABLES}

    def git(*args: str) -> list[str] | None:
        try:
            proc = subprocess.run([*GIT, "-C", root, "ls-files", "-z", *args],
                                  capture_output=True, timeout=60, check=False, env=env)
        except (OSError, subprocess.SubprocessError):
            return None
        if proc.returncode != 0:
            return None
        return [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]

    modified, staged = git("--modified"), git("--stage")
    if modified is None or staged is None or depth > 20:
        return None
    changed = set(modified)
    for entry in staged:  # "<mode> <object> <stage>\t<path>": a gitlink is a submodule
        mode, _, rest = entry.partition(" ")
        path = rest.partition("\t")[2]
        folder = os.path.join(root, path)
        if mode == "160000" and path and os.path.exists(os.path.join(folder, ".git")):
            inner = changed_in(folder, depth + 1)
            if inner is None:
                return None
            changed |= {f"{path}/{name}" for name in inner}
    return changed


def untracked_code_in(root: str, ignored: bool = False,
                      patterns: tuple[str, ...] = ("*.py",)) -> list[str]:
    """The Python files of the repository at `root` that git does not track yet and does not
    ignore (a module the user has still to add), relative to it; [] when git cannot say.
    `ignored`: those git ignores instead (not inside an ignored folder), matching `patterns`."""
    import subprocess

    options = ["--ignored", "--directory"] if ignored else []
    try:
        proc = subprocess.run([*GIT, "-C", root, "ls-files", "-z", "--others", *options,
                               "--exclude-standard", "--", *patterns],
                              capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    if proc.returncode != 0:
        return []
    return [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0")
            if n and not n.endswith("/")]


def _git_files(folder: str) -> list[str] | None:
    """Tracked plus untracked-but-not-ignored files under `folder`, relative to the cwd."""
    listed = _ls_files(folder, "-t", "--cached", "--deleted", "--others", "--exclude-standard")
    if listed is None:
        return None
    # One git call, each name tagged: "? " not tracked, "R " deleted from the work tree
    # (`--cached` still lists it: not ours to scan), "S " skip-worktree (outside a sparse
    # checkout's set, where it is absent, or a local file git is told to ignore changes of:
    # reliability round 32, sandbox round 31), any other tag tracked.
    tracked: set[str] = set()
    others: set[str] = set()
    deleted: set[str] = set()
    for entry in listed:
        if len(entry) > 2 and entry[1] == " ":
            {"?": others, "R": deleted, "S": deleted}.get(entry[0], tracked).add(entry[2:])
    # (a pyvenv.cfg or conda-meta/ a commit carries marks no environment: review round 30)
    return without_environments(sorted((tracked | others) - deleted), tracked)


def submodule_files(folder: str) -> list[str]:
    """The files git tracks in the checked-out submodules under `folder`, relative to the
    cwd: a models repository pulled in as a submodule ships its models as the project's
    own do (red team 43 F3: never named by the audit). [] when git cannot say."""
    listed = _ls_files(folder, "--cached", "--recurse-submodules")
    if not listed:
        return []
    own = _ls_files(folder, "--cached") or set()
    # (every one tracked: a `pyvenv.cfg` a submodule commits marks no environment, as in
    # the repository itself: red team 43b F4 hid a submodule's models behind one)
    return sorted(n for n in listed - own if os.path.isfile(n) and not os.path.islink(n))


def absent_submodules(folder: str) -> list[str]:
    """The submodules under `folder` that are not checked out (a CI checkout's default):
    what they hold is in no listing, and is named rather than passed in silence."""
    staged = _ls_files(folder, "--stage") or set()
    gitlinks = [entry.partition("\t")[2] for entry in staged if entry.startswith("160000 ")]
    return sorted(path for path in gitlinks if path and not os.path.exists(
        os.path.join(path, ".git")))


def deleted_files(folder: str) -> list[str]:
    """Files git tracks under `folder` that the work tree lacks (deleted, or a partial
    checkout): named where their absence would otherwise read as "nothing there"."""
    return without_environments(sorted(_ls_files(folder, "--deleted") or ()))


def project_files(folder: str) -> list[str]:
    """The files of `folder` as git lists them; outside a repository (a source archive, a
    copy), as a walk finds them, named relative to the cwd as git names them."""
    listed = _git_files(folder)
    if listed is not None:
        return listed
    shown = []
    for path in _walk(folder):
        relative = os.path.relpath(path)
        shown.append(path if relative.startswith("..") else relative)
    return shown


def without_environments(names: list[str], tracked: set[str] | frozenset = frozenset()
                         ) -> list[str]:
    """`names` without the files of a virtualenv (a folder holding `pyvenv.cfg`) or a conda
    environment (`conda-meta/`) inside the project: site-packages is not the project's code,
    models or locks, even when nobody git-ignored it. A marker git tracks (`tracked`) marks
    nothing: a commit could add an empty `pyvenv.cfg` beside a model to hide it from every
    check, and no tool commits the environment it creates."""
    roots = set()
    for name in names:
        if name in tracked:
            continue
        posix = name.replace("\\", "/")
        if posix == "pyvenv.cfg" or posix.endswith("/pyvenv.cfg"):
            roots.add(posix[:-len("pyvenv.cfg")])
        elif "conda-meta/" in posix and (posix.startswith("conda-meta/")
                                          or "/conda-meta/" in posix):
            roots.add(posix[:posix.rfind("conda-meta/")])
    if not roots:
        return names
    if "" in roots:  # the folder itself is an environment: nothing in it is the project's
        return []
    prefixes = tuple(roots)
    return [n for n in names if not n.replace("\\", "/").startswith(prefixes)]


def _walk(folder: str, unreadable: list[tuple[str, str]] | None = None) -> list[str]:
    """The files under `folder` (no git); folders it cannot list go into `unreadable` as
    (path, reason), so that a check can say so rather than pass them by."""
    found: list[str] = []

    def failed(error: OSError) -> None:
        if unreadable is not None and error.filename is not None:
            unreadable.append((os.path.normpath(error.filename),
                               error.strerror or type(error).__name__))

    for top, dirs, names in os.walk(folder, onerror=failed):
        if "pyvenv.cfg" in names or "conda-meta" in dirs:
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        found.extend(os.path.join(top, n) for n in names)
    return sorted(os.path.normpath(p) for p in found)


class Target:
    """A file to check: `path` as shown to the user, `kind` as detected."""

    __slots__ = ("explicit", "kind", "path")

    def __init__(self, path: str, kind: str, explicit: bool) -> None:
        self.path, self.kind, self.explicit = path, kind, explicit


def discover(args: list[str], unreadable: list[tuple[str, str]] | None = None,
             ) -> tuple[list[Target], list[str]]:
    """Expand command-line arguments: folders by git (or a walk), files as given.

    Returns the targets and the arguments that do not exist; folders a walk cannot list go
    into `unreadable` as (path, reason).
    """
    targets: list[Target] = []
    missing: list[str] = []
    seen: set[str] = set()
    for arg in args or ["."]:
        if os.path.isdir(arg) and not os.path.islink(arg):
            listed = _git_files(arg)
            for name in listed if listed is not None else _walk(arg, unreadable):
                # A committed symlink of any name can point at someone's disk (MLG108).
                kind = file_kind(name) or ("symlink" if os.path.islink(name) else None)
                if kind and name not in seen:
                    seen.add(name)
                    targets.append(Target(name, kind, explicit=False))
        elif os.path.lexists(arg):
            if arg not in seen:
                seen.add(arg)
                targets.append(Target(arg, file_kind(arg) or "text", explicit=True))
        else:
            missing.append(arg)
    return targets, missing


def relative_to(path: str, root: str) -> str:
    """`path` relative to `root` in POSIX form, for matching configuration globs."""
    try:
        rel = os.path.relpath(os.path.abspath(path), root)
    except ValueError:  # another drive on Windows
        rel = path
    return rel.replace(os.sep, "/")


def decode_text(data: bytes) -> str:
    """By its byte-order mark (UTF-16/32); else UTF-8 (BOM stripped) when it is; Latin-1
    otherwise, which never fails."""
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\0" in data[:BINARY_SNIFF]
    encoding = text_encoding(data) if utf16 else None
    if encoding not in (None, "utf-8-sig"):
        return data.decode(encoding, "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def looks_binary(data: bytes, named_text: bool = False) -> bool:
    """NUL bytes in the first 8 KB (git's rule), unless they are UTF-16/32 text (Windows tools
    write it, BOM or not). A file whose name says it is text (`named_text`: a .py, a YAML) is
    binary only when NULs are more than one in a hundred of those bytes: a stray NUL byte
    must not hide a source file from the checks."""
    head = data[:BINARY_SNIFF]
    nuls = head.count(b"\0")
    if not nuls or (named_text and nuls <= max(1, len(head) // 100)):
        return False
    return text_encoding(data) in (None, "utf-8-sig")


# Byte-order marks, UTF-32's first: its little-endian mark begins with UTF-16's.
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def text_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark announces (PowerShell 5's `pip freeze > file` writes
    UTF-16 LE with one); UTF-16 without one when the start is ASCII with every other byte NUL;
    else None (read it as UTF-8)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    head = data[:BINARY_SNIFF]
    head = head[:len(head) - len(head) % 2]
    if len(head) >= 4:
        even, odd = head[0::2], head[1::2]
        if 0 not in even and odd.count(0) * 10 >= len(odd) * 9:
            return "utf-16-le"
        if 0 not in odd and even.count(0) * 10 >= len(even) * 9:
            return "utf-16-be"
    return None
