"""What every lock format is read into: locked packages, and problems with the file itself."""

from __future__ import annotations

import re

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from collections.abc import Callable


class LockedPackage:
    """One package a lock (or requirements file) asks for.

    name: PEP 503-normalised. version: the exact version locked (`==1.2` without a wildcard,
    `===x`, or a lock file's `version`), else None. specifier: the requirement's specifier as
    written ('' for none). marker: the environment marker as written, or None.
    source_url: for VCS/URL/path installs, the URL as locked ('git+https://...', 'file:///...').
    source_commit: the locked VCS commit, when the lock records one.
    extras: the extras asked for (`uvicorn[standard]` -> ('standard',)), normalised: what they
    bring in is declared too (MLG204).
    """

    __slots__ = ("editable", "extras", "hashes", "line", "marker", "name", "path",
                 "source_commit", "source_url", "specifier", "version")

    def __init__(
        self,
        name: str,
        path: str,
        line: int,
        version: str | None = None,
        specifier: str = "",
        marker: str | None = None,
        source_url: str | None = None,
        source_commit: str | None = None,
        editable: bool = False,
        hashes: tuple[str, ...] = (),
        extras: tuple[str, ...] = (),
    ) -> None:
        self.name, self.path, self.line = name, path, line
        self.version, self.specifier, self.marker = version, specifier, marker
        self.source_url, self.source_commit = source_url, source_commit
        self.editable, self.hashes, self.extras = editable, hashes, extras

    def __repr__(self) -> str:
        pin = self.version or self.specifier or self.source_url or ""
        return f"LockedPackage({self.name} {pin} @ {self.path}:{self.line})"


class LockProblem:
    """Something wrong with the lock file itself (malformed TOML, a garbage line, ...)."""

    __slots__ = ("col", "line", "message", "path")

    def __init__(self, path: str, line: int, message: str, col: int = 1) -> None:
        self.path, self.line, self.col, self.message = path, line, col, message

    def __repr__(self) -> str:
        return f"LockProblem({self.path}:{self.line}:{self.col} {self.message})"


class ParsedLock:
    """A lock file read: its format, packages and problems.

    `select(environment)` returns the packages that apply to a target environment (a PEP 508
    marker environment dict). By default that filters on each package's marker; formats whose
    applicability lives on dependency edges (uv.lock) pass their own `selector`.

    `declared`: (name, extras) a file declares without pinning or installing them itself
    (pyproject.toml's dependency groups, Poetry's groups): they count as declared for MLG204
    only. `project_names`: the distribution(s) the file defines (pyproject.toml's name).
    """

    def __init__(
        self,
        path: str,
        format: str,
        packages: list[LockedPackage] | None = None,
        problems: list[LockProblem] | None = None,
        selector: Callable[[dict[str, str]], list[LockedPackage]] | None = None,
    ) -> None:
        self.path, self.format = path, format
        self.packages = packages if packages is not None else []
        self.problems = problems if problems is not None else []
        self._selector = selector
        self.declared: list[tuple[str, tuple[str, ...]]] = []
        self.project_names: set[str] = set()
        # requirements files only: the -r/-c files they name, as (format, path, line), and
        # whether they say --require-hashes
        self.includes: list[tuple[str, str, int]] = []
        self.require_hashes = False
        # Packages only development locks (Pipfile.lock's `develop` section; poetry.lock's
        # non-main groups): what a deployment (`pipenv sync`, `poetry install --only main`)
        # leaves out
        self.dev_only: set[str] = set()
        # poetry.lock only: each package's dependencies by name (`[package.dependencies]`),
        # to tell what only a development group needs when the lock records no groups
        self.requires: dict[str, set[str]] = {}
        # uv.lock only: what uv recorded of pyproject.toml when it locked (see
        # uv_lock._recorded), to tell a lock `uv lock --check` finds stale
        self.recorded: dict[str, object] | None = None
        # uv.lock only: judge the lock as installed from a workspace member's folder
        # (relative to the lock's), when the project judged is that member
        self.for_folder: Callable[[str], None] | None = None

    @property
    def unreadable(self) -> bool:
        """Problems and nothing read: what the file declares is unknown (so is 'undeclared')."""
        return bool(self.problems) and not self.packages and not self.declared

    def select(self, environment: dict[str, str]) -> list[LockedPackage]:
        if self._selector is not None:
            return self._selector(environment)
        return [p for p in self.packages if marker_applies(p.marker, environment)]


def marker_applies(marker: str | None, environment: dict[str, str]) -> bool:
    """Evaluate a PEP 508 marker against the *target* environment; no marker applies."""
    if not marker:
        return True
    from packaging.markers import Marker

    try:
        return Marker(marker).evaluate(dict(environment, extra=""))
    except Exception:  # invalid, or naming what the target cannot answer (PEP 751's
        return True  # dependency_groups): better to check the package than to skip it


_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16 LE",
                   "utf-16-be": "UTF-16 BE", "utf-32": "UTF-32", "utf-8-sig": "UTF-8"}


def decode_lock(data: bytes, path: str) -> tuple[str, LockProblem | None]:
    """The text of a lock file, and one problem when it is not text in the encoding it shows.

    pip reads a requirements file by its byte-order mark (PowerShell's `pip freeze > file`
    writes UTF-16 with one), else as UTF-8; so does this, so lines and columns stay those of
    the file. Undecodable bytes become U+FFFD, reported once here (the caller drops the
    per-line problems they would cause); a file with NUL bytes that is not UTF-16/32 is not
    text, and gives no text at all.
    """
    from mlgate.files import BINARY_SNIFF, text_encoding

    encoding = text_encoding(data)
    if encoding is None and b"\0" in data[:BINARY_SNIFF]:
        return "", LockProblem(path, 1, "cannot read: not a text file (it holds NUL bytes);"
                                        " a lock must be UTF-8 text")
    if encoding is None:
        encoding, unknown = _declared_encoding(data)
        if unknown:
            return "", LockProblem(path, 1, f"cannot read: the coding line names {unknown!r},"
                                            " which is no text encoding; save the file as"
                                            " UTF-8 and drop that line")
    encoding = encoding or "utf-8"
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as exc:
        prefix = data[:exc.start].decode(encoding, "replace")
        line = prefix.count("\n") + 1
        col = len(prefix) - prefix.rfind("\n")
        name = _ENCODING_NAMES.get(encoding, encoding)
        bad = data[exc.start:exc.end]
        what = ("byte " if len(bad) == 1 else "bytes ") + " ".join(f"0x{b:02x}" for b in bad)
        return data.decode(encoding, "replace"), LockProblem(
            path, line, f"cannot decode: not {name} text ({what} at line {line}, column"
                        f" {col}); save the file as UTF-8", col)


_CODING = re.compile(rb"coding[:=]\s*([-\w.]+)")


def _declared_encoding(data: bytes) -> tuple[str | None, str | None]:
    """The encoding a comment on one of the first two lines declares (`# -*- coding: latin-1
    -*-`, PEP 263), which pip honours in a requirements file (reliability round 36: such a
    file was MLG200): (codec name, None), (None, the unknown name), or (None, None)."""
    import codecs

    for line in data.split(b"\n", 2)[:2]:
        found = _CODING.search(line) if line[:1] == b"#" else None
        if found:
            name = found.group(1).decode("ascii")
            try:
                info = codecs.lookup(name)
            except LookupError:
                return None, name
            if not getattr(info, "_is_text_encoding", True):  # a transform such as rot13
                return None, name
            return info.name, None
    return None, None


def drop_garbled(lock: ParsedLock, text: str) -> None:
    """Problems on lines holding U+FFFD come from bytes `decode_lock` already reported."""
    garbled = {n for n, line in enumerate(text.splitlines(), 1) if "\ufffd" in line}
    if garbled:
        lock.problems = [p for p in lock.problems
                         if p.path != lock.path or p.line not in garbled]


_SEPARATORS = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """PEP 503 normalisation, the regex the PEP itself gives.

    packaging.utils.canonicalize_name is the same (a test holds them equal), but importing it
    loads packaging.tags and logging: a fifth of a lock check's start-up.
    """
    return _SEPARATORS.sub("-", name).lower()

