"""The input columns of an MLflow model's signature, from its `MLmodel` file.

MLmodel is YAML, and PyYAML is not in the hook's environment; the one value needed is
`signature: inputs:`, a JSON string that MLflow writes (through `yaml.safe_dump`) as a
quoted scalar, folded over several lines once it passes 80 characters:

    signature:
      inputs: '[{"type": "double", "name": "mean radius", "required": true}, {"type":
        "double", "name": "mean concave points", "required": true}]'

So this reads just that: the top-level `signature:` block, its `inputs:` key, and the
scalar in any of YAML's styles, with YAML's folding and escapes.
"""

from __future__ import annotations

import json
import os

from mlgate.contracts.base import Contract, ContractError, ContractField, decode, read_bytes
from mlgate.lazy_re import LazyPattern

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from typing import Any

MLFLOW_KINDS = {"boolean": "bool", "integer": "int", "long": "int", "float": "float",
                "double": "float", "string": "str", "array": "list"}
ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
           "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
           "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}
BREAK_RE = LazyPattern("([\n\x85\u2028\u2029])")
ESCAPE_RE = LazyPattern(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", 0)
NO_SIGNATURE = ("the model has no signature: log it with signature=infer_signature(X, y)"
                " or input_example=X[:1]")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _meaningful(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _fold(raw: str) -> str:
    """YAML flow folding, as PyYAML does it: a line break between text is a space, each
    empty line a newline, the whitespace around breaks is not content; U+2028/U+2029 are
    breaks kept as themselves, NEL (U+0085) one folded like a newline."""
    pieces = BREAK_RE.split(raw)
    if len(pieces) == 1:
        return raw
    texts, separators = pieces[0::2], pieces[1::2]
    out = texts[0].rstrip(" \t")
    first = None
    more: list[str] = []
    for index, (separator, text) in enumerate(zip(separators, texts[1:])):
        kind = "\n" if separator in "\n\x85" else separator
        if first is None:
            first = kind
        else:
            more.append(kind)
        last = index == len(separators) - 1
        piece = text.lstrip(" \t") if last else text.strip(" \t")
        if not piece and not last:
            continue
        if first != "\n":
            out += first
        elif not more:
            out += " "
        out += "".join(more) + piece
        first, more = None, []
    return out


def _unescape(text: str, path: str, line: int) -> str:
    def one(match) -> str:
        code = match.group(1)
        if code[0] in "xuU" and len(code) > 1:
            return chr(int(code[1:], 16)) if int(code[1:], 16) <= 0x10FFFF else "\ufffd"
        if code in ESCAPES:
            return ESCAPES[code]
        raise ContractError(f"invalid escape \\{code} in the signature's inputs", path, line)

    return ESCAPE_RE.sub(one, text)


def _quoted(text: str, start: int, path: str, line: int) -> tuple[str, int]:
    """The scalar whose opening quote is at `start`, and the offset past its closing one."""
    quote = text[start]
    pos = start + 1
    chunks = []
    while True:
        end = text.find(quote, pos) if quote == "'" else _closing_double(text, pos)
        if end < 0:
            raise ContractError("the signature's inputs string is not closed", path, line)
        chunks.append(text[pos:end])
        if quote == "'" and text.startswith("''", end):
            chunks.append("'")  # '' is a quote inside a single-quoted scalar
            pos = end + 2
            continue
        break
    raw = "".join(chunks)
    if quote == "'":
        return _fold(raw), end + 1
    # Double quotes: a backslash ending a line joins it to the next without a space.
    lines = raw.split("\n")
    joined = [lines[0]]
    for piece in lines[1:]:
        previous = joined[-1]
        backslashes = len(previous) - len(previous.rstrip("\\"))
        if backslashes % 2:
            joined[-1] = previous[:-1] + piece.lstrip(" \t")
        else:
            joined.append(piece)
    return _unescape(_fold("\n".join(joined)), path, line), end + 1


def _closing_double(text: str, pos: int) -> int:
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        if char == '"':
            return pos
        pos += 1
    return -1


def _inputs_value(text: str, path: str) -> tuple[str, int, int, int]:
    """The `signature: inputs:` scalar's value, its line, and its start and end offsets."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    signature = None
    for number, line in enumerate(lines):
        if line.startswith("signature:"):
            signature = number  # PyYAML keeps the last of duplicate keys
    if signature is None:
        raise ContractError(NO_SIGNATURE, path)
    inline = lines[signature][len("signature:"):].split(" #")[0].strip()
    if inline in ("null", "~", "{}"):
        raise ContractError(NO_SIGNATURE, path, signature + 1)
    if inline:
        raise ContractError("signature is written inline (flow style): write it as a block"
                            " mapping, as MLflow does", path, signature + 1)
    block_indent = None
    for number in range(signature + 1, len(lines)):
        line = lines[number]
        if not _meaningful(line):
            continue
        indent = _indent(line)
        if indent == 0:
            break
        if block_indent is None:
            block_indent = indent
        if indent != block_indent or not line.lstrip().startswith("inputs:"):
            continue
        col = indent + len("inputs:")
        rest = line[col:]
        if rest and rest[0] not in " \t":
            continue  # a key such as `inputs_x:`
        value = col + len(rest) - len(rest.lstrip(" \t"))
        if not _meaningful(line[value:]):
            # the value may start on the next line, more indented than the key
            following = next((n for n in range(number + 1, len(lines))
                              if _meaningful(lines[n])), None)
            if following is None or _indent(lines[following]) <= indent:
                raise ContractError("the signature has no inputs (inputs: null)", path,
                                    number + 1)
            number = following
            value = _indent(lines[number])
        start = offsets[number] + value
        scalar, end = _scalar(text, lines, offsets, number, start, indent, path)
        return scalar, number + 1, start, end
    raise ContractError("the signature has no inputs", path, signature + 1)


def _scalar(text: str, lines: list[str], offsets: list[int], number: int, start: int,
            key_indent: int, path: str) -> tuple[str, int]:
    """A YAML scalar starting at `start` (on line `number`), quoted, block or plain, and
    the offset where it ends."""
    char = text[start]
    if char in "'\"":
        return _quoted(text, start, path, number + 1)
    following = []
    for line in lines[number + 1:]:
        if line.strip() and _indent(line) <= key_indent:
            break
        following.append(line)
    while following and not following[-1].strip():
        following.pop()
    end = offsets[number + 1 + len(following)]
    if char in "|>":  # a block scalar: the more-indented lines below
        depth = min((_indent(line) for line in following if line.strip()), default=0)
        joiner = "\n" if char == "|" else " "
        return joiner.join(line[depth:] for line in following), end
    first = text[start:offsets[number + 1] - 1].split(" #")[0].strip()
    if first in ("null", "~"):
        raise ContractError("the signature has no inputs (inputs: null)", path, number + 1)
    return _fold("\n".join([first, *(line.split(" #")[0] for line in following)])), end


def read_mlmodel_signature(path: str) -> Contract:
    """The column-based input signature of an MLflow model (`path` is the MLmodel file or
    the model's folder). Tensor signatures name no columns: a ContractError, like every
    other failure."""
    if os.path.isdir(path):
        path = os.path.join(path, "MLmodel")
    text = decode(read_bytes(path, "MLmodel"), path, "MLmodel")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    value, line, start, end = _inputs_value(text, path)
    try:
        specs = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ContractError(f"the signature's inputs are not JSON: {exc.msg}", path,
                            line) from None
    except (ValueError, RecursionError) as exc:
        raise ContractError(f"the signature's inputs are not JSON: {exc}", path,
                            line) from None
    if not isinstance(specs, list) or not specs:
        raise ContractError("the signature's inputs are not a list of columns", path, line)
    if any(isinstance(spec, dict) and spec.get("type") == "tensor" for spec in specs):
        raise ContractError("tensor signature: no column names", path, line)
    fields = []
    for index, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise ContractError(f"input {index + 1} of the signature is not an object",
                                path, line)
        name = spec.get("name")
        if not isinstance(name, str):
            raise ContractError("the signature's columns have no names: the model takes"
                                " them by position", path, line)
        fields.append(ContractField(
            name, _type_text(spec), MLFLOW_KINDS.get(str(spec.get("type")), "unknown"),
            required=spec.get("required", True) is not False,
            line=_name_line(text[:end], start, name, line), path=path))
    # MLflow drops input columns the signature does not name (with a warning).
    return Contract("mlflow", path, "signature", fields, extra="ignore")


def _type_text(spec: dict[str, Any]) -> str:
    kind = spec.get("type")
    items = spec.get("items")
    if kind == "array" and isinstance(items, dict):
        return f"array<{_type_text(items)}>"
    return kind if isinstance(kind, str) else "?"


def _name_line(text: str, start: int, name: str, line: int) -> int:
    """The line of `"name": "<name>"` within the inputs scalar, best effort."""
    encoded = json.dumps(name)
    for needle in (f'"name": {encoded}', encoded):
        for form in (needle, needle.replace("'", "''")):
            found = text.find(form, start)
            if found >= 0:
                return text.count("\n", 0, found) + 1
    return line
