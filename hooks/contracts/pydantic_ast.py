"""A pydantic request model's fields, read from source without importing it.

Importing the API module would need the project's environment (and run its import-time
code); the fields, their aliases and the model's config are usually plain literals in the
class body, so `ast` reads them. Whatever only runtime can tell (an alias_generator, a
config built by a function, a base class that cannot be found) makes the contract inexact,
with a note saying so, rather than guessed.
"""

from __future__ import annotations

import ast
import os

from mlgate.contracts.base import (
    NO_DEFAULT,
    Contract,
    ContractError,
    ContractField,
    read_bytes,
)

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from typing import Any

# Modules whose classes end a model's inheritance chain: pydantic's own bases.
PYDANTIC_MODULES = ("pydantic", "pydantic_settings", "sqlmodel")
# Bases that add no fields: typing's and abc's helpers, `object`.
NEUTRAL_MODULES = ("typing", "typing_extensions", "abc", "collections")
NEUTRAL_NAMES = {"object", "Generic", "ABC", "Protocol"}
BOOL_KEYS = ("populate_by_name", "validate_by_name", "validate_by_alias",
             "serialize_by_alias")
V1_KEYS = {"allow_population_by_field_name": "populate_by_name"}
EXTRA_VALUES = ("forbid", "ignore", "allow")
COMPUTED = object()  # a config value that is not a literal
MAX_DEPTH = 40  # bases followed, re-exports followed

KINDS = {
    "int": ("int", "StrictInt", "PositiveInt", "NegativeInt", "NonNegativeInt",
            "NonPositiveInt", "conint"),
    "float": ("float", "StrictFloat", "PositiveFloat", "NegativeFloat", "NonNegativeFloat",
              "NonPositiveFloat", "FiniteFloat", "confloat"),
    "str": ("str", "StrictStr", "constr", "EmailStr"),
    "bool": ("bool", "StrictBool"),
    "list": ("list", "List", "tuple", "Tuple", "set", "Set", "frozenset", "FrozenSet",
             "Sequence", "MutableSequence", "conlist", "conset"),
}
KIND_OF = {name: kind for kind, names in KINDS.items() for name in names}
_TRY_NODES = tuple(getattr(ast, n) for n in ("Try", "TryStar") if hasattr(ast, n))


def _tail(node: ast.AST) -> str:
    """The last name of `a.b.C` / `C`; '' for anything else."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _dotted(node: ast.AST) -> list[str] | None:
    """['a', 'b', 'C'] for `a.b.C`; None when the expression is not a dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _unstring(node: ast.AST) -> ast.AST:
    """A string annotation (a forward reference) as the expression it holds."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return ast.parse(node.value.strip(), mode="eval").body
        except (SyntaxError, ValueError):
            return node
    return node


def _args(node: ast.Subscript) -> list[ast.AST]:
    inner = node.slice
    if isinstance(inner, ast.Index):  # pragma: no cover - Python 3.8's AST only
        inner = inner.value  # type: ignore[attr-defined]
    return list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]


def _is_none(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and node.value is None) or _tail(node) == "NoneType"


def _literal(node: ast.AST) -> tuple[bool, Any]:
    """(True, value) for a constant, a negative number or an Enum-free literal; else False."""
    if isinstance(node, ast.Constant):
        return True, node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, (int, float))):
        return True, -node.operand.value
    return False, None


def kind_of(node: ast.AST) -> tuple[str, tuple[Any, ...] | None]:
    """The coarse kind of an annotation and, for a Literal, its values."""
    node = _unstring(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union(_union_parts(node))
    if isinstance(node, ast.Subscript):
        head, args = _tail(node.value), _args(node)
        if head == "Annotated" and args:
            return kind_of(args[0])
        if head == "Optional" and args:
            return _union([args[0], ast.Constant(None)])
        if head == "Union":
            return _union(args)
        if head == "Literal":
            values: list = []
            for arg in args:  # string arguments are values here, not forward references
                if isinstance(arg, ast.Subscript) and _tail(arg.value) == "Literal":
                    inner = kind_of(arg)[1]  # Literal[Literal["a"], "b"] flattens
                    if inner is None:
                        return "unknown", None
                    values.extend(inner)
                    continue
                ok, value = _literal(arg)
                if not ok:
                    return "unknown", None
                values.append(value)
            return "literal", tuple(values)
        return ("list", None) if KIND_OF.get(head) == "list" else ("unknown", None)
    if isinstance(node, ast.Call):
        node = node.func
    return KIND_OF.get(_tail(node), "unknown"), None


def _union_parts(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_parts(node.left) + _union_parts(node.right)
    return [node]


def _union(parts: list[ast.AST]) -> tuple[str, tuple[Any, ...] | None]:
    parts = [_unstring(p) for p in parts]
    rest = [p for p in parts if not _is_none(p)]
    kind, values = kind_of(rest[0]) if len(rest) == 1 else ("unknown", None)
    if len(rest) < len(parts) and not kind.startswith("optional["):
        kind = f"optional[{kind}]"
    return kind, values


def _join(module: str, *names: str) -> str:
    """`pkg` + `mod` → `pkg.mod`; `.` + `mod` → `.mod` (relative names keep their dots)."""
    if not names:
        return module
    return module + ".".join(names) if module.endswith(".") else ".".join([module, *names])


def _split_annotated(node: ast.AST) -> tuple[ast.AST, list[ast.AST]]:
    """`Annotated[T, m1, m2]` → (T, [m1, m2]); anything else → (node, [])."""
    node = _unstring(node)
    if isinstance(node, ast.Subscript) and _tail(node.value) == "Annotated":
        args = _args(node)
        if args:
            inner, metadata = _split_annotated(args[0])
            return inner, metadata + args[1:]
    return node, []


BOUND_KEYS = ("gt", "ge", "lt", "le", "min_length", "max_length")


def _bounds(call: ast.Call) -> dict[str, float]:
    """The constant bounds a `Field(...)` call declares (`ge=0`, `le=120.5`, `ge=-1`,
    `max_length=50`); a computed one (`le=MAX`) is not known here and not checked."""
    found: dict[str, float] = {}
    for keyword in call.keywords:
        if keyword.arg not in BOUND_KEYS:
            continue
        node, sign = keyword.value, 1
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            sign = -1 if isinstance(node.op, ast.USub) else 1
            node = node.operand
        value = node.value if isinstance(node, ast.Constant) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and (
                not keyword.arg.endswith("_length") or isinstance(value, int)):
            found[keyword.arg] = sign * value
    return found


def _is_classvar(node: ast.AST) -> bool:
    node = _unstring(node)
    if isinstance(node, ast.Subscript):
        node = node.value
    return _tail(node) in ("ClassVar", "InitVar")


def _unparse(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, AttributeError):  # pragma: no cover - nodes ast.parse never makes
        return "?"


class _Module:
    """One parsed file: its classes, the names its imports bind, its simple assignments."""

    __slots__ = ("assigns", "classes", "imports", "path", "stars")

    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.classes: dict[str, ast.ClassDef] = {}
        # bound name → (level, module, attribute or None for `import a.b`)
        self.imports: dict[str, tuple[int, str, str | None]] = {}
        self.assigns: dict[str, ast.expr] = {}
        self.stars: list[str] = []  # modules of `from x import *`, relative ones with dots
        self._collect(tree.body)

    def _collect(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.ClassDef):
                self.classes[stmt.name] = stmt
            elif isinstance(stmt, ast.ImportFrom):
                for alias in stmt.names:
                    if alias.name == "*":
                        self.stars.append("." * (stmt.level or 0) + (stmt.module or ""))
                    else:
                        self.imports[alias.asname or alias.name] = (
                            stmt.level or 0, stmt.module or "", alias.name)
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        self.imports[alias.asname] = (0, alias.name, None)
                    else:  # `import a.b` binds `a`
                        first = alias.name.split(".")[0]
                        self.imports[first] = (0, first, None)
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self.assigns[target.id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                if isinstance(stmt.target, ast.Name):
                    self.assigns[stmt.target.id] = stmt.value
            elif isinstance(stmt, ast.If):
                self._collect(stmt.body)
                self._collect(stmt.orelse)
            elif isinstance(stmt, _TRY_NODES):
                self._collect(stmt.body)
                for handler in stmt.handlers:
                    self._collect(handler.body)
                self._collect(stmt.orelse)
                self._collect(stmt.finalbody)

    def find_class(self, qualname: str) -> ast.ClassDef | None:
        """A top-level class, or a nested one by `Outer.Inner`."""
        parts = qualname.split(".")
        node = self.classes.get(parts[0])
        for part in parts[1:]:
            if node is None:
                return None
            node = next((s for s in reversed(node.body)
                         if isinstance(s, ast.ClassDef) and s.name == part), None)
        return node

    def origin(self, name: str) -> tuple[str, str | None] | None:
        """(module, attribute) an imported name comes from, the module with a relative
        import's leading dots; attribute None for `import a.b`. None: no import binds it."""
        bound = self.imports.get(name)
        if bound is None:
            return None
        level, module, attr = bound
        return "." * level + module, attr


class _Reader:
    """State for one read: parsed files, the inheritance being followed, what was noted."""

    def __init__(self, path: str, roots: list[str]) -> None:
        # The entry file's folder last: `python api.py` and `uvicorn api:app` import from it.
        self.roots = [*roots, os.path.dirname(os.path.abspath(path))]
        self.modules: dict[str, _Module | None] = {}
        self.notes: list[str] = []
        self.exact = True
        self.unresolved = False
        self.reached_pydantic = False
        self.visiting: set[tuple[str, int]] = set()
        # names the model computes from its fields (@property, @computed_field,
        # @cached_property): columns the API derives, not fields a request sends
        self.derived: list[str] = []
        self.computed: list[str] = []  # (of those, the @computed_field ones)
        self.excluded: set[str] = set()  # fields `Field(exclude=True)`: in no dump
        self.computed_aliases: dict[str, str] = {}  # @computed_field(alias=...)
        self.custom_dump = False  # a model_dump/dict/__iter__ of its own, a model_serializer

    def note(self, text: str, exact: bool = False) -> None:
        if text not in self.notes:
            self.notes.append(text)
        if not exact:
            self.exact = False

    # --- files and modules ----------------------------------------------------------------

    def parse(self, path: str) -> _Module:
        real = os.path.realpath(path)
        cached = self.modules.get(real)
        if cached is not None:
            return cached
        data = read_bytes(path, "file")
        import warnings

        try:
            with warnings.catch_warnings():  # the project's own invalid escapes are not ours
                warnings.simplefilter("ignore")
                tree = ast.parse(data, filename=path)
        except SyntaxError as exc:
            raise ContractError(f"syntax error: {exc.msg}", path, exc.lineno,
                                exc.offset) from None
        except (ValueError, MemoryError) as exc:  # NUL bytes (Python < 3.12), huge input
            raise ContractError(f"cannot parse: {exc}", path) from None
        module = _Module(path, tree)
        self.modules[real] = module
        return module

    def module_file(self, importer: _Module, name: str) -> str | None:
        """The file of module `name` (leading dots: relative to `importer`), or None."""
        level = len(name) - len(name.lstrip("."))
        parts = [p for p in name[level:].split(".") if p]
        if level:
            base = os.path.dirname(os.path.abspath(importer.path))
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases = [base]
        else:
            bases = self.roots
        for base in bases:
            stem = os.path.join(base, *parts)
            for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                if parts and os.path.isfile(candidate):
                    return candidate
            if not parts and os.path.isfile(os.path.join(base, "__init__.py")):
                return os.path.join(base, "__init__.py")
        return None

    def load(self, importer: _Module, name: str) -> _Module | None:
        path = self.module_file(importer, name)
        if path is None:
            return None
        try:
            return self.parse(path)
        except ContractError as exc:
            self.note(f"{exc}: its classes are unknown")
            return None

    def class_in(self, module: _Module, name: str,
                 seen: set[tuple[str, str]] | None = None) -> tuple[_Module, ast.ClassDef] | None:
        """Class `name` of `module`, following re-exports (`from .models import Base`) and
        star imports; `seen` stops import cycles."""
        node = module.classes.get(name)
        if node is not None:
            return module, node
        seen = set() if seen is None else seen
        key = (os.path.realpath(module.path), name)
        if key in seen or len(seen) > MAX_DEPTH:
            return None
        seen.add(key)
        origin = module.origin(name)
        if origin is None:
            return self.star_class(module, name, seen)
        source, attr = origin
        target = self.load(module, source)
        if target is None:
            return None
        return self.class_in(target, attr or name, seen)

    def star_class(self, module: _Module, name: str,
                   seen: set[tuple[str, str]] | None = None) -> tuple[_Module, ast.ClassDef] | None:
        """Class `name` from one of the module's `from x import *`."""
        seen = set() if seen is None else seen
        for star in module.stars:
            if star.lstrip(".").split(".")[0] in PYDANTIC_MODULES + NEUTRAL_MODULES:
                continue
            target = self.load(module, star)
            found = self.class_in(target, name, seen) if target is not None else None
            if found:
                return found
        return None

    # --- bases ----------------------------------------------------------------------------

    def resolve_base(self, module: _Module, base: ast.expr) -> tuple[str, Any]:
        """('pydantic' | 'neutral', None), ('class', (module, node)) or ('missing', name)."""
        if isinstance(base, ast.Subscript):  # Generic[T], Base[int]
            base = base.value
        parts = _dotted(base)
        if parts is None:
            return "missing", _unparse(base)
        text = ".".join(parts)
        if len(parts) == 1 and parts[0] in module.classes:
            return "class", (module, module.classes[parts[0]])
        origin = module.origin(parts[0])
        if origin is None:
            if len(parts) == 1 and parts[0] in ("BaseModel", "RootModel") and any(
                    star.split(".")[0] == "pydantic" for star in module.stars):
                return "pydantic", None  # `from pydantic import *`
            found = self.star_class(module, parts[0]) if len(parts) == 1 else None
            if found:
                return "class", found
            neutral = len(parts) == 1 and parts[0] in NEUTRAL_NAMES
            return ("neutral", None) if neutral else ("missing", text)
        source, attr = origin
        if not source.startswith("."):
            top = source.split(".")[0]
            if top in PYDANTIC_MODULES:
                return "pydantic", None
            if top in NEUTRAL_MODULES:
                return "neutral", None
        if attr is not None and len(parts) == 1:  # `from pkg.mod import Base`
            module_name, class_name = source, attr
        elif attr is not None:  # `from pkg import mod` + `mod.Base`
            module_name, class_name = _join(source, attr, *parts[1:-1]), parts[-1]
        elif len(parts) > 1:  # `import pkg.mod` + `pkg.mod.Base`, `import pkg.mod as m`
            module_name, class_name = _join(source, *parts[1:-1]), parts[-1]
        else:
            return "missing", text
        target = self.load(module, module_name)
        found = self.class_in(target, class_name) if target is not None else None
        return ("class", found) if found else ("missing", text)

    # --- models ---------------------------------------------------------------------------

    def model(self, module: _Module, cls: ast.ClassDef,
              depth: int = 0) -> tuple[dict[str, ContractField], dict[str, Any]]:
        """The fields (in pydantic's order) and the merged config of a class and its bases."""
        key = (os.path.realpath(module.path), cls.lineno)
        if key in self.visiting or depth > MAX_DEPTH:
            self.note(f"inheritance of {cls.name} loops or is too deep: fields may be missing")
            return {}, {}
        self.visiting.add(key)
        fields: dict[str, ContractField] = {}
        config: dict[str, Any] = {}
        # Python's MRO puts the first base first, so the last base is merged first.
        for base in reversed(cls.bases):
            kind, found = self.resolve_base(module, base)
            if kind == "pydantic":
                self.reached_pydantic = True
            elif kind == "class":
                base_fields, base_config = self.model(*found, depth=depth + 1)  # type: ignore[misc]
                fields.update(base_fields)
                config.update(base_config)
            elif kind == "missing":
                self.unresolved = True
                self.note(f"base {found} of {cls.name} not found: its fields are unknown")
        config.update(self.config_keywords(module, cls.keywords, cls.name))
        for stmt in cls.body:
            if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
                config.update(self.config_class(stmt, cls.name))
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None \
                    and any(isinstance(t, ast.Name) and t.id == "model_config"
                            for t in (stmt.targets if isinstance(stmt, ast.Assign)
                                      else [stmt.target])):
                config.update(self.config_value(module, stmt.value, cls.name))
            elif _sets_annotations(stmt):
                # `__annotations__ = fields` (read from a file at import): the fields exist
                # only at run time (new-user trial 45 F2: 58 MLG405 errors for a contract
                # that has all 58 columns)
                self.note(f"{cls.name} sets its fields at run time (__annotations__): they"
                          " are unknown without importing it (contract-import = true)")
            elif isinstance(stmt, ast.AnnAssign):
                field = self.field(module, stmt, cls.name)
                if field is not None:
                    fields[field.name] = field  # an override keeps the base's position
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.validators(stmt, cls.name)
                if stmt.name in CUSTOM_DUMPS or any(
                        _tail(d.func if isinstance(d, ast.Call) else d) == "model_serializer"
                        for d in stmt.decorator_list):
                    self.custom_dump = True  # (its dump is the class's own: red team 48 F6)
                kinds = {_tail(d.func if isinstance(d, ast.Call) else d)
                         for d in stmt.decorator_list}
                if kinds & set(DERIVING) and stmt.name not in self.derived:
                    self.derived.append(stmt.name)
                if "computed_field" in kinds and stmt.name not in self.computed:
                    self.computed.append(stmt.name)
                    for decorator in stmt.decorator_list:  # @computed_field(alias="Ratio")
                        words = {k.arg: k.value for k in getattr(decorator, "keywords", ())}
                        alias = words.get("alias")
                        if isinstance(alias, ast.Constant) and isinstance(alias.value, str):
                            self.computed_aliases[stmt.name] = alias.value
        self.visiting.discard(key)
        return fields, config

    def validators(self, func: ast.FunctionDef | ast.AsyncFunctionDef, owner: str) -> None:
        for decorator in func.decorator_list:
            if not isinstance(decorator, ast.Call):
                continue
            name = _tail(decorator.func)
            words = {k.arg: k.value for k in decorator.keywords}
            mode = words.get("mode")
            pre = words.get("pre")
            if (name == "model_validator" and isinstance(mode, ast.Constant)
                    and mode.value in ("before", "wrap")) or (
                    name == "root_validator" and isinstance(pre, ast.Constant) and pre.value):
                self.note(f"{owner}.{func.name} may rewrite the request before validation:"
                          " the names are checked as declared", exact=True)

    # --- fields ---------------------------------------------------------------------------

    def field(self, module: _Module, stmt: ast.AnnAssign, owner: str) -> ContractField | None:
        if not isinstance(stmt.target, ast.Name):
            return None
        name = stmt.target.id
        if name.startswith("_") or name == "model_config" or _is_classvar(stmt.annotation):
            return None
        type_node, metadata = _split_annotated(stmt.annotation)
        kind, values = kind_of(type_node)
        state = None  # 'required' | 'default' once something says so
        alias = dumped = None
        default = NO_DEFAULT
        calls = [m for m in metadata if self.is_field_call(module, m)]
        if stmt.value is not None:
            if self.is_field_call(module, stmt.value):
                calls.append(stmt.value)
            elif isinstance(stmt.value, ast.Constant) and stmt.value.value is Ellipsis:
                state = "required"
            else:
                state = "default"
                default = _constant(stmt.value)
        bounds: dict[str, float] = {}
        for call in calls:
            call_state, call_alias, call_dumped = self.field_call(
                call, f"{owner}.{name}")  # type: ignore[arg-type]
            state = call_state or state
            alias = call_alias or alias
            dumped = call_dumped or dumped
            if any(k.arg == "exclude" and isinstance(k.value, ast.Constant)
                   and k.value.value is True for k in call.keywords):  # type: ignore[attr-defined]
                self.excluded.add(name)
            bounds.update(_bounds(call))  # type: ignore[arg-type]
            if call_state == "default":
                default = _field_default(call)  # type: ignore[arg-type]
        found = ContractField(name, _unparse(type_node), kind, required=state != "default",
                              alias=alias, literal_values=values, line=stmt.lineno,
                              path=module.path, bounds=bounds)
        found.dumped = dumped
        if state == "default":
            found.default = default
        return found

    def is_field_call(self, module: _Module, node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return False
        if isinstance(node.func, ast.Name):
            origin = module.origin(node.func.id)
            return node.func.id == "Field" if origin is None else origin[1] == "Field"
        return _tail(node.func) == "Field"

    def field_call(self, call: ast.Call, where: str
                   ) -> tuple[str | None, str | None, str | None]:
        """(required/default state, alias, key in a by-alias dump) that one `Field(...)`
        sets."""
        state = None
        if call.args:
            first = call.args[0]
            is_ellipsis = isinstance(first, ast.Constant) and first.value is Ellipsis
            state = "required" if is_ellipsis else "default"
        words = {k.arg: k.value for k in call.keywords if k.arg}
        if any(k.arg is None for k in call.keywords):
            self.note(f"{where}: Field(**...) is computed: its alias and default are unknown")
        if "default" in words:
            default = words["default"]
            is_ellipsis = isinstance(default, ast.Constant) and default.value is Ellipsis
            state = "required" if is_ellipsis else "default"
        if "default_factory" in words:
            state = "default"
        alias = None
        spelled: dict[str, str] = {}
        for key in ("alias", "validation_alias", "serialization_alias"):
            if key not in words:
                continue
            value = words[key]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                spelled[key] = value.value
                if key != "serialization_alias":
                    alias = value.value  # validation_alias wins when both are set
            elif isinstance(value, ast.Constant) and value.value is None:
                continue
            else:
                self.note(f"{where}: {key}={_unparse(value)} is not a plain string:"
                          " the accepted names are computed at runtime: use import mode"
                          " (contract-import = true)")
        return state, alias, spelled.get("serialization_alias", spelled.get("alias"))

    # --- config ---------------------------------------------------------------------------

    def config_value(self, module: _Module, node: ast.expr, owner: str,
                     depth: int = 0) -> dict[str, Any]:
        """`ConfigDict(...)`, `dict(...)`, a dict literal, or a module-level name for one."""
        if isinstance(node, ast.Name) and node.id in module.assigns and depth < 5:
            return self.config_value(module, module.assigns[node.id], owner, depth + 1)
        if isinstance(node, ast.Call) and _tail(node.func) in ("ConfigDict", "dict") \
                and not node.args:
            return self.config_keywords(module, node.keywords, owner)
        if isinstance(node, ast.Dict) and all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
            items = {k.value: v for k, v in zip(node.keys, node.values)}  # type: ignore
            return self.config_items(items, owner)
        self.note(f"{owner}.model_config = {_unparse(node)} is computed: its settings"
                  " (aliases, extra) are unknown: use import mode (contract-import = true)")
        return {"extra": COMPUTED, "populate_by_name": COMPUTED}

    def config_keywords(self, module: _Module, keywords: list[ast.keyword],
                        owner: str) -> dict[str, Any]:
        if any(k.arg is None for k in keywords):
            self.note(f"{owner}: config passed as **mapping is computed: use import mode"
                      " (contract-import = true)")
        return self.config_items({k.arg: k.value for k in keywords
                                  if k.arg and k.arg != "metaclass"}, owner)

    def config_class(self, cls: ast.ClassDef, owner: str) -> dict[str, Any]:
        """pydantic v1's (and v2's deprecated) `class Config:`."""
        items: dict[str, ast.expr] = {}
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        items[target.id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) \
                    and stmt.value is not None:
                items[stmt.target.id] = stmt.value
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and stmt.name == "alias_generator":
                items["alias_generator"] = ast.Name("alias_generator")
        if "fields" in items:
            self.note(f"{owner}.Config.fields may set aliases: use import mode")
        return self.config_items(items, owner)

    def config_items(self, items: dict[str, ast.expr], owner: str) -> dict[str, Any]:
        config: dict[str, Any] = {}
        for key, value in items.items():
            key = V1_KEYS.get(key, key)
            if key == "alias_generator":  # judged on the merged config: None switches it off
                generated = not (isinstance(value, ast.Constant) and value.value is None)
                config[key] = owner if generated else None
            elif key == "extra":
                text = value.value if isinstance(value, ast.Constant) else (
                    value.attr if isinstance(value, ast.Attribute) else None)
                if text in EXTRA_VALUES:
                    config[key] = text
                else:
                    config[key] = COMPUTED
                    self.note(f"{owner}: extra={_unparse(value)} is not a constant:"
                              " what happens to unknown keys is unknown", exact=True)
            elif key in BOOL_KEYS:
                if isinstance(value, ast.Constant) and isinstance(value.value, bool):
                    config[key] = value.value
                else:
                    config[key] = COMPUTED
                    self.note(f"{owner}: {key}={_unparse(value)} is not a constant: whether"
                              " fields are accepted by name is unknown: use import mode")
        return config

    # --- candidates, for "class not found" --------------------------------------------------

    def models_in(self, module: _Module) -> list[str]:
        """The classes of a file that derive (as far as the file shows) from pydantic."""
        found: dict[str, bool] = {}

        def is_model(cls: ast.ClassDef, seen: frozenset[str]) -> bool:
            if cls.name in found:
                return found[cls.name]
            for base in cls.bases:
                if isinstance(base, ast.Subscript):
                    base = base.value
                parts = _dotted(base) or [""]
                if parts[-1] in ("BaseModel", "BaseSettings", "SQLModel", "RootModel"):
                    return True
                origin = module.origin(parts[0])
                if origin and origin[0].split(".")[0] in PYDANTIC_MODULES:
                    return True
                if (len(parts) == 1 and parts[0] in module.classes and parts[0] not in seen
                        and is_model(module.classes[parts[0]], seen | {cls.name})):
                    return True
            return False

        for cls in module.classes.values():
            found[cls.name] = is_model(cls, frozenset())
        return [name for name, ok in sorted(found.items(),
                                            key=lambda kv: module.classes[kv[0]].lineno) if ok]


def list_models(path: str) -> list[str]:
    """The pydantic models a file defines (as far as it shows), for "which class?" hints."""
    reader = _Reader(path, [])
    try:
        return reader.models_in(reader.parse(path))
    except RecursionError:
        raise ContractError("the source is nested too deeply to read", path) from None


def _sets_annotations(stmt: ast.stmt) -> bool:
    """`__annotations__ = ...`, `__annotations__.update(...)`, `__annotations__[k] = ...`."""
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and node.id == "__annotations__":
            return True
    return False


def read_pydantic(path: str, class_name: str, roots: list[str]) -> Contract:
    """Read `class_name`'s request fields from `path` without importing anything.

    Bases are followed into files under `roots` (and the file's own folder); pydantic's
    BaseModel ends the chain. Raises ContractError, and nothing else, for a missing file,
    a syntax error, or a class that is not there.
    """
    reader = _Reader(path, roots)
    try:
        module = reader.parse(path)
        cls = module.find_class(class_name)
        if cls is None:
            models = reader.models_in(module)
            if models:
                hint = f"; pydantic models in this file: {', '.join(models)}"
            elif module.classes:
                hint = (f"; it has no pydantic model (classes: {', '.join(module.classes)})")
            else:
                hint = "; it defines no class"
            raise ContractError(f"class {class_name!r} not found{hint}", path)
        fields, config = reader.model(module, cls)
    except RecursionError:
        raise ContractError("the source is nested too deeply to read", path) from None
    if not reader.reached_pydantic and not reader.unresolved:
        raise ContractError(f"{class_name} is not a pydantic model: its bases never reach"
                            " pydantic.BaseModel", path, cls.lineno)
    if config.get("alias_generator"):
        reader.note(f"{config['alias_generator']} sets alias_generator: aliases computed at"
                    " runtime: use import mode (contract-import = true)")
    extra = config.get("extra")
    if extra is COMPUTED:
        extra = None
    elif extra is None and not reader.unresolved:
        extra = "ignore"  # pydantic's default
    by_name = config.get("validate_by_name", config.get("populate_by_name"))
    by_alias = config.get("validate_by_alias")
    contract = Contract("pydantic", path, class_name, list(fields.values()),
                        exact=reader.exact, notes=reader.notes, extra=extra,
                        by_name=None if by_name is COMPUTED else by_name,
                        by_alias=None if by_alias is COMPUTED else by_alias)
    contract.derived = [n for n in reader.derived if n not in fields]
    contract.computed = [n for n in reader.computed if n not in fields]
    contract.excluded = [n for n in fields if n in reader.excluded]
    contract.computed_aliases = {n: a for n, a in reader.computed_aliases.items()
                                 if n in contract.computed}
    # (pydantic 2.11's serialize_by_alias: a plain model_dump() writes the aliases)
    contract.dump_by_alias = config.get("serialize_by_alias") is True
    contract.custom_dump = reader.custom_dump
    return contract


LIST_HEADS = ("list", "List", "Sequence", "conlist")
DERIVING = ("property", "computed_field", "cached_property")
# Methods whose override makes the dict of a body the class's own (keys added or renamed).
CUSTOM_DUMPS = ("model_dump", "dict", "__iter__", "model_dump_json")


def read_row_model(contract: Contract, roots: list[str]) -> Contract | None:
    """For a body whose one field is a list of pydantic models (`data: list[Row]`, a batch
    of rows), the rows' model; None otherwise or when it cannot be read."""
    if len(contract.fields) != 1:
        return None
    field = contract.fields[0]
    try:
        node = ast.parse(field.type_text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None
    item = None
    if isinstance(node, ast.Subscript) and _tail(node.value) in LIST_HEADS:
        inner = node.slice
        if isinstance(inner, ast.Tuple) and inner.elts:
            inner = inner.elts[0]
        item = inner
    elif isinstance(node, ast.Call) and _tail(node.func) == "conlist" and node.args:
        item = node.args[0]
    named = _unstring(item) if item is not None else None
    if not isinstance(named, (ast.Name, ast.Attribute)):
        return None
    where = field.path or contract.path
    reader = _Reader(where, roots)
    try:
        kind, found = reader.resolve_base(reader.parse(where), named)
        if kind != "class":
            return None
        module, cls = found
        rows = read_pydantic(module.path, cls.name, roots)
    except (ContractError, RecursionError):
        return None
    return rows if rows.fields else None


def _constant(node: ast.AST):
    """A default written as a plain constant (a number, a text, True, None); NO_DEFAULT for
    anything computed."""
    if isinstance(node, ast.Constant) and isinstance(
            node.value, (int, float, str, bool, type(None))):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(
            node.operand, ast.Constant):
        number = node.operand.value
        if isinstance(number, (int, float)) and not isinstance(number, bool):
            return -number
    return NO_DEFAULT


def _field_default(call: ast.Call):
    """The constant default of `Field(0.2)` or `Field(default=0.2)`."""
    words = {k.arg: k.value for k in call.keywords if k.arg}
    if "default" in words:
        return _constant(words["default"])
    return _constant(call.args[0]) if call.args else NO_DEFAULT
