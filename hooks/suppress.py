"""Inline and file-level suppressions: `# mlgate: ignore[MLG101]`, `# mlgate: ignore-file`."""

from __future__ import annotations

import re

from mlgate.lazy_re import LazyPattern

# After a comment marker of any of the formats we scan (#, //, ;, --).
_DIRECTIVE_RE = LazyPattern(
    r"(?:#|//|;|--)[^\n]*?\bmlgate:\s*ignore(?P<file>-file)?(?:\[(?P<codes>[^\]\n]*)\])?"
)

ALL = frozenset({"*"})


def _codes(match: re.Match[str]) -> frozenset[str]:
    codes = match.group("codes")
    if codes is None:
        return ALL
    return frozenset(c.strip() for c in codes.split(",") if c.strip())


class Suppressions:
    """Which codes are silenced for the whole file and on which lines."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.file_codes: frozenset[str] = frozenset()
        if "mlgate:" in text:
            for match in _DIRECTIVE_RE.finditer(text):
                if match.group("file"):
                    self.file_codes |= _codes(match)

    def silenced(self, line: int, code: str) -> bool:
        if "*" in self.file_codes or code in self.file_codes:
            return True
        if not 1 <= line <= len(self.lines) or "mlgate:" not in self.lines[line - 1]:
            return False
        for match in _DIRECTIVE_RE.finditer(self.lines[line - 1]):
            if not match.group("file"):
                codes = _codes(match)
                if "*" in codes or code in codes:
                    return True
        return False
