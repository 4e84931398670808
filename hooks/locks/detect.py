"""Which lock format a file is, by name and, failing that, by content."""

from __future__ import annotations

import os
import re

from mlgate.locks.model import LockProblem, ParsedLock

_LOCK_NAMES = [
    (re.compile(r"^uv\.lock$", re.I), "uv"),
    (re.compile(r"^pylock(\.[^/]+)?\.toml$", re.I), "pylock"),
    (re.compile(r"^poetry\.lock$", re.I), "poetry"),
    (re.compile(r"^Pipfile\.lock$", re.I), "pipfile"),
    (re.compile(r"^pyproject\.toml$", re.I), "pyproject"),
    (re.compile(r"^constraints.*\.txt$", re.I), "constraints"),
    (re.compile(r".*requirements.*\.(txt|in)$", re.I), "requirements"),
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


def _sniff(text: str) -> str:
    head = text.lstrip()[:2000]
    if head.startswith("{") and '"_meta"' in head:
        return "pipfile"
    if "lock-version" in head and "[[packages]]" in text:
        return "pylock"
    if "[[package]]" in text and "requires-python" in head and "version = 1" in head:
        return "uv"
    if "[[package]]" in text:
        return "poetry"
    return "requirements"


def discover_locks(root: str) -> list[str]:
    """Lock-like files at the top of a project (and requirements/*.txt)."""
    found = []
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    for name in names:
        path = os.path.join(root, name)
        if os.path.isfile(path) and lock_format(name) and not name.endswith(".in"):
            found.append(path)
    sub = os.path.join(root, "requirements")
    if os.path.isdir(sub):
        found.extend(os.path.join(sub, n) for n in sorted(os.listdir(sub)) if n.endswith(".txt"))
    return found


def parse_lock(path: str) -> list[ParsedLock]:
    """Every lock a file stands for (a requirements file brings its includes)."""
    kind = lock_format(path)
    if kind in ("requirements", "constraints"):
        from mlgate.locks.requirements import read_requirements

        return read_requirements(path, kind)
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8-sig", "replace")
    except OSError as exc:
        lock = ParsedLock(path, kind or "unknown")
        lock.problems.append(LockProblem(path, 1, f"cannot read: {exc.strerror}"))
        return [lock]
    kind = kind or _sniff(text)
    if kind == "requirements":
        from mlgate.locks.requirements import parse

        return [parse(text, path)]
    if kind == "pyproject":
        from mlgate.locks.requirements import parse_pyproject

        return [parse_pyproject(text, path)]
    import importlib

    module = importlib.import_module(
        {"uv": "mlgate.locks.uv_lock", "pylock": "mlgate.locks.pylock",
         "poetry": "mlgate.locks.poetry_lock", "pipfile": "mlgate.locks.pipfile_lock"}[kind]
    )
    return [module.parse(text, path)]
