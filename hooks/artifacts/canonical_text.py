"""Text opcode arguments only as the picklers that write model files spell them.

Protocols 0 and 1 write numbers, memo keys and strings as text lines, and the readers do not
agree on odd spellings: the C unpickler reads `INT` and `LONG` with base 0 (" 010" is octal
8) where pickletools reads decimal 10; float parsers differ on blanks and underscores. No
writer produces those forms, so none is accepted: each argument must be exactly what
CPython's pickler (Python 3, or Python 2's pickle/cPickle for old files) writes for the
value the line means. A form no writer produces cannot make the scan and the load disagree.
"""

from __future__ import annotations

import re

# CPython writes `I%d`, and `I00`/`I01` for False/True under protocols 0-1.
_INT = re.compile(rb"-?(?:0|[1-9][0-9]*)\Z")
_BOOLS = (b"00", b"01")
# `L%dL` (Python 3 writes the trailing L for compatibility; Python 2 always did).
_LONG = re.compile(rb"-?(?:0|[1-9][0-9]*)L?\Z")
_MEMO = re.compile(rb"(?:0|[1-9][0-9]*)\Z")


def canonical(name: str, raw: bytes, arg) -> bool:
    """Is `raw` (the line after the opcode, without its newline) how a writer spells `arg`?
    For opcodes without a text argument, always true."""
    if name == "INT":
        return raw in _BOOLS or bool(_INT.match(raw))
    if name == "LONG":
        return bool(_LONG.match(raw))
    if name in ("GET", "PUT"):
        return bool(_MEMO.match(raw))
    if name == "FLOAT":
        return _canonical_float(raw)
    if name == "UNICODE":
        return isinstance(arg, str) and raw in _unicode_spellings(arg)
    if name == "STRING":
        return _canonical_string(raw)
    return True


def _canonical_float(raw: bytes) -> bool:
    try:
        text = raw.decode("ascii")
        value = float(text)
    except (UnicodeDecodeError, ValueError):
        return False
    # repr: Python 3 and 2.7; %.17g: older Python 2 (and cPickle before 2.7).
    return text in (repr(value), f"{value:.17g}")


def _unicode_spellings(text: str) -> tuple[bytes, ...]:
    """Protocol 0's UNICODE line: raw-unicode-escape, with the characters that would end or
    break the line escaped (Python 3.8+ escapes more of them than 3.7 and Python 2 did)."""
    older = text.replace("\\", "\\u005c").replace("\n", "\\u000a")
    newer = older.replace("\0", "\\u0000").replace("\r", "\\u000d").replace("\x1a", "\\u001a")
    try:
        return (newer.encode("raw-unicode-escape"), older.encode("raw-unicode-escape"))
    except UnicodeEncodeError:  # a lone surrogate: not something a writer produces
        return ()


def _canonical_string(raw: bytes) -> bool:
    """Protocol 0's STRING line is Python 2's repr of a byte string (Python 3 never writes
    STRING): quoted with ' unless the text holds ' and no ", escapes for \\, the quote,
    tab, newline, carriage return, and \\xNN for every other byte outside printable ASCII."""
    if len(raw) < 2 or raw[:1] != raw[-1:] or raw[:1] not in (b"'", b'"'):
        return False
    import codecs

    try:
        value = codecs.escape_decode(raw[1:-1])[0]
    except ValueError:
        return False
    return raw == _py2_repr(value)


def _py2_repr(value: bytes) -> bytes:
    quote = b'"' if b"'" in value and b'"' not in value else b"'"
    out = bytearray(quote)
    for byte in value:
        char = bytes((byte,))
        if char in (quote, b"\\"):
            out += b"\\" + char
        elif char == b"\t":
            out += b"\\t"
        elif char == b"\n":
            out += b"\\n"
        elif char == b"\r":
            out += b"\\r"
        elif byte < 0x20 or byte >= 0x7F:
            out += b"\\x%02x" % byte
        else:
            out += char
    out += quote
    return bytes(out)
