"""Answers worth keeping between commits, under `.git/mlgate-cache/` (never the work tree).

Three things are cached, each validated before it is trusted:

- a file's SHA-256, indexed by its (size, mtime, inode) as git's index does, so an unchanged
  100 MB artifact is not read again;
- the project environment's facts (versions, scikit-learn's classes, sys.path), stamped with
  the modification times of the interpreter and of every sys.path folder: installing,
  upgrading or removing a package changes its site-packages folder, so the stamp changes;
- an artifact's verdict, keyed by the artifact's hash, the environment's stamp, the
  configuration and mlgate's version, and invalidated when a project module the load
  imported, or a repository file it opened while loading and predicting, has changed since.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:32]


def code_stamp() -> str:
    """Changes with mlgate's own code, not only its version: a verdict cached by a scanner
    that was later fixed must not outlive the fix (pre-commit installs each `rev` of mlgate
    anew; a development checkout changes in place). Stats, not contents: no file is read."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stats = []
    for top, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                stats.append([os.path.relpath(os.path.join(top, name), package),
                              file_stat(os.path.join(top, name))])
    return _digest([package, stats])[:16]


def file_stat(path: str) -> list | None:
    try:
        target = os.readlink(path)  # a link: where it points counts too, dangling or not
    except (OSError, ValueError):
        target = None
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None if target is None else [None, target]
    # ctime too: a rewrite in place that restores size and mtime (cp -p) still changes it.
    stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    return stamp if target is None else [*stamp, target]


class Cache:
    """A folder of small JSON files; every failure to read or write is a cache miss."""

    def __init__(self, folder: str | None) -> None:
        self.folder = folder
        self.memory: dict[str, str] | None = None

    @classmethod
    def this_run(cls) -> Cache:
        """`--no-cache` for a command that asks one probe question twice: what this run
        wrote, kept in memory only, so nothing from an earlier run is read (new-user trial
        45 F9: `mlgate audit --no-cache` loaded each model twice, once for the artifact
        pillar and again for schema and latency)."""
        cache = cls(None)
        cache.memory = {}
        return cache

    # `--no-cache`: no copy is read or written in this run, not even the configuration's
    # (reliability round 37: a planted config copy still silenced findings under it)
    disabled = False

    @classmethod
    def for_repo(cls, repo_root: str) -> Cache:
        if cls.disabled:
            return cls(None)
        git = os.path.join(repo_root, ".git")
        if os.path.isfile(git):  # a worktree or submodule: `.git` names the real folder
            try:
                with open(git, encoding="utf-8") as handle:
                    line = handle.read().strip()
                if line.startswith("gitdir:"):
                    git = os.path.join(repo_root, line[len("gitdir:"):].strip())
            except OSError:
                return cls(None)
        return cls(os.path.join(git, "mlgate-cache") if os.path.isdir(git) else None)

    def read(self, name: str) -> dict | None:
        if self.memory is not None and name in self.memory:
            value = json.loads(self.memory[name])  # a copy: a caller's change stays its own
            return value if isinstance(value, dict) else None
        if not self.folder:
            return None
        try:
            with open(os.path.join(self.folder, name), "rb") as handle:
                raw = handle.read()
            # Its first line is the SHA-256 of the rest, as written: any other content (a
            # file edited by hand or by another tool, valid JSON of another structure) is a
            # miss, recomputed, never a value that breaks whoever trusts it
            seal, _, text = raw.partition(b"\n")
            if seal != hashlib.sha256(text).hexdigest().encode():
                return None
            value = json.loads(text)
        except (OSError, ValueError, RecursionError):  # RecursionError: nested too deep
            return None
        return value if isinstance(value, dict) else None

    def write(self, name: str, value: dict) -> None:
        if self.memory is not None:
            with contextlib.suppress(ValueError, TypeError, RecursionError):
                self.memory[name] = json.dumps(value)
        if not self.folder:
            return
        # Written beside, then renamed: readers never see half a file, and concurrent runs
        # each replace a whole file (the last one wins; a lost entry is recomputed next time).
        temporary = os.path.join(self.folder, f".{name}.{os.getpid()}")
        try:
            os.makedirs(self.folder, exist_ok=True)
            text = json.dumps(value).encode()
            with open(temporary, "wb") as handle:
                handle.write(hashlib.sha256(text).hexdigest().encode() + b"\n" + text)
            os.replace(temporary, os.path.join(self.folder, name))
        except (OSError, ValueError, TypeError, RecursionError):  # a full disk, bad data
            with contextlib.suppress(OSError):
                os.unlink(temporary)  # no half-written file left behind

    def sha256(self, path: str) -> str:
        """The file's SHA-256, from the stat-indexed record when the file is unchanged."""
        return self.sha256_and_data(path)[0]

    def known_sha256(self, path: str) -> str | None:
        """The SHA-256 the stat index holds for an unchanged file; None when it must be read."""
        real = os.path.realpath(path)
        stat = file_stat(real)
        record = self.read(f"hash-{_digest(real)}.json")
        if record and stat and record.get("stat") == stat and record.get("sha256"):
            return record["sha256"]
        return None

    def sha256_and_data(self, path: str) -> tuple[str, bytes | None]:
        """The file's SHA-256 and, when it had to be read for it, its bytes (the scan uses
        them: one read, and the verdict is about exactly the bytes that were hashed)."""
        real = os.path.realpath(path)
        name = f"hash-{_digest(real)}.json"
        stat = file_stat(real)
        record = self.read(name)
        if record and stat and record.get("stat") == stat and record.get("sha256"):
            return record["sha256"], None
        from mlgate.artifacts.reading import read_bytes

        data = read_bytes(real)
        value = hashlib.sha256(data).hexdigest()
        if stat and stat == file_stat(real):  # not rewritten while being read
            self.write(name, {"stat": stat, "sha256": value})
        return value, data


_METADATA = (".dist-info", ".egg-info", ".egg-link", ".pth")


def environment_stamp(python: str, sys_path: list[str]) -> str:
    """Changes whenever a package is installed, upgraded or removed in that environment:
    each sys.path folder's modification time, and the names of its metadata folders (which
    carry the versions), so a change within one clock tick is not missed either."""
    entries: list = [[python, file_stat(python)]]
    for entry in sys_path:
        if not entry:
            continue
        try:
            names = sorted(n for n in os.listdir(entry) if n.endswith(_METADATA))
        except OSError:
            names = None
        entries.append([entry, file_stat(entry), names])
    return _digest(entries)


def deps_unchanged(deps: list) -> bool:
    return all(file_stat(path) == stat for path, stat in deps)


def key(*parts) -> str:
    return _digest(list(parts))
