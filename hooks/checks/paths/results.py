"""Findings of files already classified, kept by content under `.git/mlgate-cache/`.

A file that passes the raw-text gate is looked up by a digest of its bytes, its kind and
whether it is a DVC config; the whole table is one JSON file named by mlgate's code stamp
and the options that change findings, so a fix to the classifier or a new `allow` prefix
starts a new table. Reading it never trusts it: an unreadable, damaged or wrongly shaped
file is a miss, never a traceback (`artifacts.cache.Cache` reads and writes it, writes are
atomic). A re-run over unchanged files reads them and hashes them, nothing more.
"""

from __future__ import annotations

import hashlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgate.artifacts.cache import Cache
    from mlgate.finding import Finding

VERSION = 1
# The table keeps the entries of this many files at most, the oldest dropped first, in
# 16 ** SHARD_CHARS files.
MAX_ENTRIES = 65_536
SHARD_CHARS = 2
_FIELDS = 7  # line, col, code, message, severity, hint, extra


def content_key(data: bytes, kind: str, dvc: bool) -> str:
    return hashlib.blake2b(b"%s\0%d\0" % (kind.encode(), dvc) + data, digest_size=16).hexdigest()


# The extra fields a finding of this check carries; anything else in a cached row is damage
# (and would overwrite `path` or `line` in JSON output).
_EXTRA_KEYS = frozenset({"check", "kind", "text", "cell", "cell_line", "output", "rule"})


def _valid(rows: object) -> bool:
    """A cached entry as written: a list of [int, int, str, str, str, str, dict] rows."""
    if not isinstance(rows, list):
        return False
    for row in rows:
        if not (isinstance(row, list) and len(row) == _FIELDS):
            return False
        line, col, code, message, severity, hint, extra = row
        if not (type(line) is int and type(col) is int and line >= 1 and col >= 1
                and isinstance(code, str) and code.startswith("MLG")
                and isinstance(message, str) and severity in ("error", "warning")
                and isinstance(hint, str) and isinstance(extra, dict)
                and all(k in _EXTRA_KEYS and type(v) in (str, int) for k, v in extra.items())):
            return False
    return True


class Results:
    """The tables of one run's options: `get` and `put` by content key, `save` at the end.

    The table is split in SHARDS files by the key's first characters, so a one-file run (a
    pre-commit hook on a staged file) reads one small file, not the whole repository's."""

    def __init__(self, repo_root: str, options: list) -> None:
        self.repo_root, self.options = repo_root, options
        self.cache: Cache | None = None
        self.prefix = ""
        self._shards: dict[str, dict[str, list]] = {}
        self._dirty: set[str] = set()
        self.new: dict[str, list] = {}

    def _open(self) -> bool:
        """Locate the cache (and import json and its helpers) on first use only."""
        if self.cache is None:
            from mlgate.artifacts.cache import Cache, code_stamp, key

            self.cache = Cache.for_repo(self.repo_root)
            if self.cache.folder:
                self.prefix = f"paths-{key(VERSION, code_stamp(), self.options)}"
        return bool(self.prefix)

    def _read(self, name: str) -> dict[str, list]:
        """A shard's entries as stored; {} when there is none or it does not validate."""
        if not self._open() or self.cache is None:
            return {}
        try:
            table = self.cache.read(f"{self.prefix}-{name}.json")
        except (RecursionError, MemoryError):  # valid JSON nested past json's depth
            return {}
        entries = table.get("entries") if table and table.get("version") == VERSION else None
        return entries if isinstance(entries, dict) else {}

    def _shard(self, digest: str) -> dict[str, list]:
        name = digest[:SHARD_CHARS]
        shard = self._shards.get(name)
        if shard is None:
            shard = self._shards[name] = self._read(name)
        return shard

    def get(self, digest: str, path: str) -> list[Finding] | None:
        rows = self._shard(digest).get(digest)
        if rows is None or not _valid(rows):
            return None
        from mlgate.finding import Finding

        return [Finding(path, line, col, code, message, severity, hint, dict(extra))
                for line, col, code, message, severity, hint, extra in rows]

    def put(self, digest: str, findings: list[Finding]) -> None:
        rows = [[f.line, f.col, f.code, f.message, f.severity, f.hint, f.extra]
                for f in findings]
        self.merge({digest: rows})
        self.new[digest] = rows

    def merge(self, entries: dict[str, list]) -> None:
        """Add entries (this process's, or a worker's)."""
        for digest, rows in entries.items():
            self._shard(digest)[digest] = rows
            self._dirty.add(digest[:SHARD_CHARS])

    def take_new(self) -> dict[str, list]:
        """The entries added since the last call (a worker hands them to the parent)."""
        new, self.new = self.new, {}
        return new

    def save(self) -> None:
        """Write the shards that changed (each atomically: written beside, then renamed)."""
        if not self._dirty or not self._open() or self.cache is None:
            return
        for name in sorted(self._dirty):
            # What another run saved since this one read the shard is kept (its files may be
            # others than this run's): read again, this run's entries on top.
            entries = {**self._read(name), **self._shards[name]}
            if len(entries) > MAX_ENTRIES // 16 ** SHARD_CHARS:  # insertion order: oldest first
                entries = dict(list(entries.items())[-(MAX_ENTRIES // 16 ** SHARD_CHARS):])
            self.cache.write(f"{self.prefix}-{name}.json", {"version": VERSION,
                                                           "entries": entries})
        self._dirty.clear()
        self.new = {}
