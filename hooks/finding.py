"""The finding model every check returns and every reporter formats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning")


@dataclass
class Finding:
    """One problem at one place. `extra` carries check-specific fields (cell, package, ...)."""

    path: str
    line: int
    col: int
    code: str
    message: str
    severity: str = "error"
    hint: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }
        if self.hint:
            data["hint"] = self.hint
        data.update(self.extra)
        return data


class UsageError(Exception):
    """A mistake in how mlgate was called or configured: reported in one line, exit 2."""
