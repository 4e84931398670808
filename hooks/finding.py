"""The finding model every check returns and every reporter formats."""

from __future__ import annotations

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from typing import Any

SEVERITIES = ("error", "warning")


# A finding quotes what it found; a 5,000-digit version or a megabyte line is shown cut to
# this many characters, whatever the output format.
MAX_SHOWN = 600


def clip(text: str, most: int = MAX_SHOWN) -> str:
    """`text` as reports show it: at most `most` characters and a count of the rest."""
    if len(text) <= most:
        return text
    return f"{text[:most]}... ({len(text) - most} more characters)"


# Plain classes rather than dataclasses in the hook's import path: `dataclasses` pulls in
# `inspect`, a measurable share of a one-file run's start-up.
class Finding:
    """One problem at one place. `extra` carries check-specific fields (cell, package, ...)."""

    __slots__ = ("code", "col", "extra", "hint", "line", "message", "path", "severity")

    def __init__(
        self,
        path: str,
        line: int,
        col: int,
        code: str,
        message: str,
        severity: str = "error",
        hint: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.path, self.line, self.col, self.code = path, line, col, code
        self.message, self.severity, self.hint = message, severity, hint
        self.extra = extra if extra is not None else {}

    def __repr__(self) -> str:
        return f"Finding({self.path}:{self.line}:{self.col} {self.code} {self.message!r})"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "severity": self.severity,
            "message": clip(self.message),
        }
        if self.hint:
            data["hint"] = clip(self.hint)
        data.update({k: clip(v) if isinstance(v, str) else v for k, v in self.extra.items()})
        return data


class UsageError(Exception):
    """A mistake in how mlgate was called or configured: reported in one line, exit 2."""


def no_folder_named(files, command: str, takes: str) -> None:
    """A folder given to a check that judges the project it runs in (its FILE arguments are
    what pre-commit passes): the check would judge another project than the one named
    (new-user trial round 40 F3: `mlgate schema ../cw` checked the current folder's model and
    passed). Said, exit 2, with what to run instead."""
    import os

    for named in files or ():
        if os.path.isdir(named):
            raise UsageError(
                f"{named} is a folder: mlgate {command} judges the project it runs in ({takes});"
                f" run it from that project's folder, or `mlgate audit {named}`")


class EnvironmentFailure(Exception):
    """The project's own interpreter failed to answer (it crashed, timed out, or printed no
    answer): neither a finding about the project's files nor a usage mistake. Exit 3."""
