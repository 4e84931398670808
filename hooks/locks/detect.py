"""Which lock format a file is, by name and, failing that, by content."""

from __future__ import annotations

import os
import re

from mlgate.locks.model import LockProblem, ParsedLock, decode_lock, drop_garbled

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from mlgate.config import Config

# Formats that pin an environment (pyproject.toml declares ranges; constraints only limit).
REAL_LOCKS = frozenset(("requirements", "uv", "pylock", "poetry", "pipfile"))

_LOCK_NAMES = [
    (re.compile(r"^uv\.lock$", re.I), "uv"),
    (re.compile(r"^pylock(\.[^/]+)?\.toml$", re.I), "pylock"),
    (re.compile(r"^poetry\.lock$", re.I), "poetry"),
    (re.compile(r"^Pipfile\.lock$", re.I), "pipfile"),
    (re.compile(r"^pyproject\.toml$", re.I), "pyproject"),
    (re.compile(r"^constraints.*\.txt$", re.I), "constraints"),
    # (`requirement.txt` too, which a Dockerfile installs as well: new-user trial 40b F7)
    (re.compile(r".*requirements?.*\.(txt|in)$", re.I), "requirements"),
]


def lock_format(path: str) -> str | None:
    name = os.path.basename(path)
    if os.path.basename(os.path.dirname(path)).lower() == "requirements" and name.endswith(
        (".txt", ".in")
    ):
        return "requirements"
    for pattern, kind in _LOCK_NAMES:
        if pattern.match(name):
            return kind
    return None


_CONDA_KEYS = re.compile(r"^(?:name|channels|dependencies|prefix):", re.M)


def _sniff(text: str) -> str:
    head = text.lstrip()[:2000]
    if len(set(_CONDA_KEYS.findall(head))) >= 2 or head.startswith("dependencies:"):
        return "conda"  # `conda env export`'s YAML, named in `files` (new-user trial 43 F5)
    if head.startswith("{") and '"_meta"' in head:
        return "pipfile"
    if "lock-version" in head and "[[packages]]" in text:
        return "pylock"
    if "[[package]]" in text and "requires-python" in head and "version = 1" in head:
        return "uv"
    if "[[package]]" in text:
        return "poetry"
    return "requirements"


def discover_locks(root: str, config: Config | None = None) -> list[str]:
    """The lock files of the project at `root`, the root's own first.

    Those git lists at or below `root` (tracked, or untracked and not ignored; a walk outside
    a repository): a `backend/requirements.txt` or `api/uv.lock` is as much a lock as one at
    the top. Never inside a virtualenv or conda environment (`mlgate.files` leaves those out)
    or node_modules, nor what `config`'s `exclude` names. When none of them pins (only a
    pyproject.toml, or nothing), the nearest folder above `root` that holds a lock, up to the
    repository root, adds its own: a workspace member is locked by its workspace's lock.
    """
    from mlgate.files import _git_files, _walk

    listed = _git_files(root)
    # git names files from the real working directory; a walk, from `root` as given.
    top = os.path.realpath(root) if listed is not None else os.path.abspath(root)
    found: list[tuple[int, str]] = []
    for name in listed if listed is not None else _walk(root):
        if not name.lower().endswith((".txt", ".lock", ".toml")):  # most files: no regex
            continue
        rel = os.path.relpath(os.path.join(os.getcwd(), name), top)
        parts = rel.split(os.sep)
        if (parts[0] == os.pardir or "node_modules" in parts or rel.endswith(".in")
                or not lock_format(rel)):
            continue
        path = os.path.normpath(os.path.join(root, rel))
        if os.path.isfile(path) and not _excluded(path, config) and not _logged_model(path):
            found.append((len(parts), path))
    paths = [path for _, path in sorted(found)]
    # what a deployed Dockerfile installs with `-r`, whatever its name (`deploy/pins.txt`)
    images = [p for p in _image_requirements(root, listed, top, config) if p not in paths]
    paths += images

    def pins(path: str) -> bool:
        return lock_format(path) in REAL_LOCKS or path in images

    if not any(pins(p) for p in paths):
        paths.extend(p for p in _nearest_above(top, config) if p not in paths)
    if not any(pins(p) for p in paths):
        # A pyproject.toml that declares no dependency (one that holds only [tool.mlgate], or
        # Poetry's table with no poetry.lock) pins nothing and compares nothing: alone, it is
        # no lock, and the lock pillar is not checked rather than passed.
        paths = [p for p in paths if lock_format(p) != "pyproject" or _declares(p)]
    return paths


def _image_requirements(root: str, listed: list[str] | None, top: str,
                        config: Config | None) -> list[str]:
    """The requirements files the deployed Dockerfiles under `root` install with `-r`
    (through the COPY that put them there), that git lists and no lock name matched: each
    is a lock of what the image runs (red team 44 F7: `COPY deploy/pins.txt /tmp/pins.txt`
    then `pip install -r /tmp/pins.txt` was never compared). Looked for from the
    Dockerfile's folder (its usual build context), then from `root`."""
    if listed is None:
        return []
    from mlgate.checks.lock import _dockerfiles
    from mlgate.locks.dockerfile import installed_requirements

    names = {os.path.normpath(os.path.relpath(os.path.join(os.getcwd(), n), top)): n
             for n in listed}
    found = []
    for name, text in _dockerfiles(root):
        if "-r" not in text and "--requirement" not in text:
            continue
        folder = os.path.relpath(os.path.dirname(os.path.join(os.getcwd(), name)), top)
        for source in installed_requirements(text):
            for base in (folder, "."):
                rel = os.path.normpath(os.path.join(base, source))
                if rel in names and not rel.startswith(os.pardir):
                    path = os.path.normpath(os.path.join(root, rel))
                    if lock_format(path) is None and not _excluded(path, config) and (
                            path not in found) and not _logged_model(path):
                        found.append(path)
                    break
    return found


def _logged_model(path: str) -> bool:
    """A file of an MLflow model folder (beside its `MLmodel`): the requirements.txt that
    MLflow writes there records the training run's environment, it is not the project's
    lock (20 logged models gave 20 copies of the same MLG201)."""
    return os.path.isfile(os.path.join(os.path.dirname(path), "MLmodel"))


def declares_nothing(path: str) -> bool:
    """A pyproject.toml that pins and declares nothing (only [tool.mlgate], say)."""
    return lock_format(path) == "pyproject" and not _declares(path)


def _declares(path: str) -> bool:
    """Does this pyproject.toml declare a [project] dependency (or fail to read)?"""
    return any(lock.packages or lock.problems for lock in parse_lock(path))


def _excluded(path: str, config: Config | None) -> bool:
    if config is None or not config.exclude:
        return False
    from mlgate.files import relative_to

    return config.is_excluded(relative_to(path, config.root))


def _top_level(folder: str, config: Config | None) -> list[str]:
    """Lock-like files at the top of `folder`, and its requirements/*.txt."""
    found = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isfile(path) and lock_format(name) and not name.endswith(".in"):
            found.append(path)
    sub = os.path.join(folder, "requirements")
    if os.path.isdir(sub):
        found.extend(os.path.join(sub, n) for n in sorted(os.listdir(sub)) if n.endswith(".txt"))
    return [p for p in found if not _excluded(p, config)]


def _nearest_above(top: str, config: Config | None) -> list[str]:
    """The locks of the nearest folder above `top` holding one, within its git repository."""
    folders, folder = [], top
    while not os.path.exists(os.path.join(folder, ".git")):
        parent = os.path.dirname(folder)
        if parent == folder:
            return []  # not in a repository: what lies above is nobody's project
        folders.append(parent)
        folder = parent
    for folder in folders:
        here = _top_level(folder, config)
        if any(lock_format(p) in REAL_LOCKS for p in here):
            return here
    return []


def parse_lock(path: str) -> list[ParsedLock]:
    """Every lock a file stands for (a requirements file brings its includes)."""
    kind = lock_format(path)
    if kind in ("requirements", "constraints"):
        from mlgate.locks.requirements import read_requirements

        return read_requirements(path, kind)
    from mlgate.artifacts.reading import Unreadable, read_bytes, repository_of, resolve
    from mlgate.locks.requirements import MAX_LOCK_BYTES

    try:  # a regular file, a symlink only within the repository, a bounded read
        real = resolve(path, repository_of(path))
        text, undecodable = decode_lock(read_bytes(real, MAX_LOCK_BYTES), path)
    except (OSError, Unreadable) as exc:
        why = exc.strerror if isinstance(exc, OSError) else str(exc).removeprefix(
            "cannot read: ")
        lock = ParsedLock(path, kind or "unknown")
        lock.problems.append(LockProblem(path, 1, f"cannot read: {why}"))
        return [lock]
    if undecodable is not None and not text:  # not text at all: nothing else to say
        return [ParsedLock(path, kind or "unknown", problems=[undecodable])]
    kind = kind or _sniff(text)
    if kind == "conda":  # one problem, not one "invalid requirement" per line
        return [ParsedLock(path, "conda", problems=[LockProblem(
            path, 1, "a conda environment file: mlgate reads pip's locks (requirements.txt,"
            " uv.lock, poetry.lock, pylock.toml, Pipfile.lock), not conda's; in that"
            " environment, write the pins pip sees (`pip freeze > requirements.txt`) and"
            " commit them beside it")])]
    if kind == "requirements":  # whatever its name: its -r/-c includes too, each confined
        from mlgate.locks.requirements import read_requirements

        return read_requirements(path, kind)
    if kind == "pyproject":
        from mlgate.locks.requirements import parse_pyproject

        lock = parse_pyproject(text, path)
    else:
        import importlib

        module = importlib.import_module(
            {"uv": "mlgate.locks.uv_lock", "pylock": "mlgate.locks.pylock",
             "poetry": "mlgate.locks.poetry_lock", "pipfile": "mlgate.locks.pipfile_lock"}[kind]
        )
        lock = module.parse(text, path)
        if kind == "poetry" and lock.requires:
            from mlgate.locks.manifest import poetry_dev_only

            lock.dev_only = poetry_dev_only(lock)
    if undecodable is not None:
        drop_garbled(lock, text)
        lock.problems.insert(0, undecodable)
    return [lock]
