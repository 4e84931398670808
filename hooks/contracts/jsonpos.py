"""Where a value sits in JSON text: `json` parses without positions, and findings want lines.

Only called on text `json.loads` already accepted, to find a few offsets; a walk that skips
values with the C decoder costs one more pass over the text.
"""

from __future__ import annotations

import json
from json.decoder import scanstring  # type: ignore[attr-defined]  # public, not in typeshed

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from collections.abc import Iterator

_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder()


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _members(text: str, pos: int) -> Iterator[tuple[str | int, int, int]]:
    """(key or index, offset of the key or element, offset of the value) of the object or
    array starting at `pos`."""
    opening = text[pos]
    closing = "}" if opening == "{" else "]"
    pos = _skip_ws(text, pos + 1)
    index = 0
    while pos < len(text) and text[pos] != closing:
        start = pos
        if opening == "{":
            key, pos = scanstring(text, pos + 1)
            pos = _skip_ws(text, _skip_ws(text, pos) + 1)  # past the ':'
            yield key, start, pos
        else:
            yield index, start, pos
            index += 1
        _value, pos = _DECODER.raw_decode(text, pos)
        pos = _skip_ws(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)


def locate(text: str, path: list[str | int], key: bool = False) -> int | None:
    """The offset of the value at `path` (keys and indexes from the top), or of its key when
    `key` is true; None when the path is not there. Duplicate keys: the last, as json keeps."""
    pos = _skip_ws(text, 0)
    found = pos
    try:
        for step in path:
            if pos >= len(text) or text[pos] not in "{[":
                return None
            match = None
            for name, start, value in _members(text, pos):
                if name == step:
                    match = (start, value)
                    if isinstance(step, int):
                        break
            if match is None:
                return None
            found, pos = match
    except (ValueError, IndexError, RecursionError):
        return None
    return found if key and path else pos


def key_offsets(text: str, path: list[str | int]) -> dict[str, int]:
    """Each key of the object at `path` and the offset of that key (last duplicate wins)."""
    pos = locate(text, path)
    if pos is None or pos >= len(text) or text[pos] != "{":
        return {}
    try:
        return {str(name): start for name, start, _value in _members(text, pos)}
    except (ValueError, IndexError, RecursionError):
        return {}
