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
    """

    __slots__ = ("editable", "hashes", "line", "marker", "name", "path", "source_commit",
                 "source_url", "specifier", "version")

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
    ) -> None:
        self.name, self.path, self.line = name, path, line
        self.version, self.specifier, self.marker = version, specifier, marker
        self.source_url, self.source_commit = source_url, source_commit
        self.editable, self.hashes = editable, hashes

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


_SEPARATORS = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """PEP 503 normalisation, the regex the PEP itself gives.

    packaging.utils.canonicalize_name is the same (a test holds them equal), but importing it
    loads packaging.tags and logging: a fifth of a lock check's start-up.
    """
    return _SEPARATORS.sub("-", name).lower()

