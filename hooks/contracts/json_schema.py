"""A request contract from a JSON Schema file: hand-written, a pydantic
`model_json_schema()` export, or one schema of an OpenAPI document.

The property names are the schema's: a pydantic export lists aliases (its default is
by_alias=True), so a schema can disagree with the model's Python names and still be right.
"""

from __future__ import annotations

import json
import os

from mlgate.contracts.base import (
    Contract,
    ContractError,
    ContractField,
    decode,
    line_of,
    read_bytes,
)
from mlgate.contracts.jsonpos import key_offsets, locate

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from typing import Any

TYPE_KINDS = {"integer": "int", "number": "float", "string": "str", "boolean": "bool",
              "array": "list"}
# Where named schemas live: JSON Schema 2019+, draft 7 and pydantic v1, OpenAPI 3.
DEFINITIONS = (("$defs",), ("definitions",), ("components", "schemas"))
MAX_REFS = 32


class _Unresolved(Exception):
    """A `$ref` that points outside the file or at nothing."""


def _pointer(ref: Any) -> list[str]:
    if not isinstance(ref, str) or not ref.startswith("#"):
        raise _Unresolved(f"$ref {ref!r} points outside this file")
    parts = ref[1:].split("/")[1:] if ref != "#" else []
    return [p.replace("~1", "/").replace("~0", "~") for p in parts]


def _walk(root: Any, steps: list[str]) -> Any:
    node = root
    for step in steps:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            raise _Unresolved(f"$ref #/{'/'.join(steps)} points at nothing")
    return node


def _deref(node: Any, root: Any, steps: list[str | int]) -> tuple[Any, list[str | int]]:
    """Follow `$ref` (and a lone `allOf: [{$ref}]`, pydantic v1's wrapping) to the schema
    meant; `steps` track where it is, for line numbers."""
    for _ in range(MAX_REFS):
        if not isinstance(node, dict):
            return node, steps
        if "$ref" in node:
            pointer = _pointer(node["$ref"])
            node, steps = _walk(root, pointer), list(pointer)
        elif (isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1
              and "properties" not in node and "type" not in node):
            node, steps = node["allOf"][0], [*steps, "allOf", 0]
        else:
            return node, steps
    raise _Unresolved("$ref chain is too long (a loop?)")


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(
        [k for k in schema if k not in ("title", "description")]) == 1


def _property(schema: Any, root: Any, depth: int = 0) -> tuple[str, tuple[Any, ...] | None, str]:
    """(kind, literal values, type text) of one property's schema."""
    try:
        schema, steps = _deref(schema, root, [])
    except _Unresolved:
        return "unknown", None, str(schema.get("$ref") if isinstance(schema, dict) else "?")
    if not isinstance(schema, dict) or depth > MAX_REFS:
        return "unknown", None, "?"
    name = str(steps[-1]) if steps else ""
    if "const" in schema:
        return "literal", (schema["const"],), f"const {json.dumps(schema['const'])}"
    if isinstance(schema.get("enum"), list):
        enum = tuple(schema["enum"])
        text = f"{name} " if name else ""
        return "literal", enum, f"{text}enum {json.dumps(list(enum))}"
    for key in ("anyOf", "oneOf"):
        parts = schema.get(key)
        if isinstance(parts, list) and parts:
            rest = [p for p in parts if not _is_null(p)]
            described = [_property(p, root, depth + 1) for p in parts]
            text = " | ".join(d[2] for d in described)
            kind, values = ("unknown", None)
            if len(rest) == 1:
                kind, values, _text = _property(rest[0], root, depth + 1)
            if len(rest) < len(parts) and not kind.startswith("optional["):
                kind = f"optional[{kind}]"
            return kind, values, text
    kind_type = schema.get("type")
    if isinstance(kind_type, list) and all(isinstance(t, str) for t in kind_type):
        rest = [t for t in kind_type if t != "null"]
        kind = TYPE_KINDS.get(rest[0], "unknown") if len(rest) == 1 else "unknown"
        if len(rest) < len(kind_type):
            kind = f"optional[{kind}]"
        return kind, None, " | ".join(kind_type)
    if isinstance(kind_type, str):
        if kind_type == "array" and isinstance(schema.get("items"), dict):
            item = _property(schema["items"], root, depth + 1)[2]
            return "list", None, f"array[{item}]"
        return TYPE_KINDS.get(kind_type, "unknown"), None, name or kind_type
    return "unknown", None, name or "any"


def _named(data: dict[str, Any], name: str, path: str) -> list[str | int]:
    for place in DEFINITIONS:
        try:
            found = _walk(data, list(place))
        except _Unresolved:
            continue
        if isinstance(found, dict) and name in found:
            return [*place, name]
    names = sorted({n for place in DEFINITIONS
                    for n in (_safe_walk(data, list(place)) or {})})
    known = f"; schemas here: {', '.join(names)}" if names else ""
    raise ContractError(f"no schema named {name!r}{known}", path)


def _safe_walk(data: Any, steps: list[str]) -> Any:
    try:
        found = _walk(data, steps)
    except _Unresolved:
        return None
    return found if isinstance(found, dict) else None


def read_json_schema(path: str, name: str | None = None) -> Contract:
    """The top-level object schema's properties (or those of schema `name` under `$defs`,
    `definitions` or OpenAPI's `components/schemas`). Raises ContractError only."""
    text = decode(read_bytes(path, "JSON Schema"), path, "JSON Schema")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractError(f"invalid JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    except (ValueError, RecursionError) as exc:
        raise ContractError(f"invalid JSON: {exc}", path) from None
    if not isinstance(data, dict):
        raise ContractError("a JSON Schema is an object", path, 1)
    try:
        return _read(path, text, data, name)
    except RecursionError:
        raise ContractError("the schema is nested too deeply to read", path) from None


def _read(path: str, text: str, data: dict[str, Any], name: str | None) -> Contract:
    steps: list[str | int] = _named(data, name, path) if name else []
    if not name and "openapi" in data and "properties" not in data:
        schemas = sorted(_safe_walk(data, ["components", "schemas"]) or {})
        raise ContractError("an OpenAPI document: name the request schema, as in"
                            f" 'openapi.json:{schemas[0] if schemas else 'Name'}'", path)
    try:
        schema, steps = _deref(_walk(data, [str(s) for s in steps]), data, steps)
    except _Unresolved as exc:
        raise ContractError(str(exc), path, line_of(text, locate(text, steps))) from None
    line = line_of(text, locate(text, steps))
    if not isinstance(schema, dict):
        raise ContractError("the schema is not an object", path, line)
    kind = schema.get("type")
    if kind not in (None, "object") and not (isinstance(kind, list) and "object" in kind):
        raise ContractError(f"the schema's type is {kind!r}: a request is an object with"
                            " properties", path, line)
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        raise ContractError("the schema has no 'properties': its keys are unknown", path, line)
    required = schema.get("required", [])
    if not isinstance(required, list):
        raise ContractError("'required' must be a list of property names", path,
                            line_of(text, locate(text, [*steps, "required"])))
    offsets = key_offsets(text, [*steps, "properties"])
    fields = []
    for key, prop in properties.items():
        prop_kind, values, type_text = _property(prop, data)
        fields.append(ContractField(key, type_text, prop_kind, required=key in required,
                                    literal_values=values, line=line_of(text, offsets.get(key)),
                                    path=path))
    closed = schema.get("additionalProperties") is False or \
        schema.get("unevaluatedProperties") is False
    title = name or schema.get("title")
    return Contract("jsonschema", path, title if isinstance(title, str) else
                    os.path.basename(path), fields, extra="forbid" if closed else "allow")
