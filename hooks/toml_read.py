"""The one way mlgate reads TOML: tomllib (tomli before Python 3.11), every failure one error.

A document nested 3,000 deep raised RecursionError through two of four readers (a sub-project's
pyproject.toml found as a lock, a poetry.toml read to find the environment): a traceback and
an empty `--format json` (reliability round 36). Every reader goes through `loads`, which
turns whatever the parser raises into `TomlError` with the position it knows.
"""

from __future__ import annotations

import re
import sys

from mlgate.lazy_re import LazyPattern

_POSITION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
MAX_KEY_PARTS = 64
_LONG_KEY_RE = LazyPattern(rf"(?:[\w\"'-]+[ \t]*\.[ \t]*){{{MAX_KEY_PARTS}}}")
_END_RE = re.compile(r"\s*\(at end of document\)\s*$")


class TomlError(ValueError):
    """Not TOML that can be read: `message` (no position in it), `line`, `col` (1-based)."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(f"{message} (line {line}, column {col})")
        self.message, self.line, self.col = message, line, col


def loads(text: str) -> dict:
    """The document as a dict (no `typing` import here: every hook reads its config)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised by the Python 3.9 CI run
        import tomli as tomllib

    if text.count(".") > MAX_KEY_PARTS and _LONG_KEY_RE.search(text):
        # tomllib builds a dotted key's tables in time and memory quadratic in its parts: one
        # key of 250,000 parts in a 1 MiB file took more memory than the machine had (red
        # team 46); no real document has a key of that many parts
        raise TomlError(f"a dotted key of more than {MAX_KEY_PARTS} parts")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlError(*_position(exc, text)) from None
    except RecursionError:
        raise TomlError("nested too deeply to read") from None
    except Exception as exc:  # a reader bug must not become a crash of the hook
        raise TomlError(str(exc)[:200]) from None


def _position(exc: Exception, text: str) -> tuple[str, int, int]:
    """(message, line, column) of a TOMLDecodeError, whichever tomllib/tomli raised it."""
    message = str(exc)
    line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    found = _POSITION_RE.search(message)
    if found:
        message = message[: found.start()]
        if not isinstance(line, int):
            line, col = int(found.group(1)), int(found.group(2))
    elif _END_RE.search(message):
        message = _END_RE.sub("", message) + " at the end of the file"
        if not isinstance(line, int):
            line = text.count("\n") + 1 - (1 if text.endswith("\n") else 0)
            col = 1
    message = getattr(exc, "msg", None) or message
    return message, max(1, line or 1), max(1, col or 1)
