"""The API's request model, found by convention: the pydantic body of a FastAPI route.

A FastAPI app says what a request holds in the signature of its route: `@app.post("/predict")
def predict(request: Request)`, with `Request` a pydantic model. That model is the contract
the artifact must accept, and the user has already written it, so the schema check compares
it without configuration. What is found is a guess, not a declaration: the API may derive a
column from its fields, so a difference is a warning until the contract is declared.

Read statically, as every contract is (`mlgate.contracts.pydantic_ast`): route files are
picked by a substring test, parsed with `ast`, never imported.
"""

from __future__ import annotations

import ast
import os
import re

from mlgate.contracts.base import ContractError, read_bytes
from mlgate.contracts.pydantic_ast import _tail

# The route decorators whose function takes a request body: `@app.post(...)`,
# `@router.put(...)`, `@app.api_route(..., methods=["POST"])`.
BODY_METHODS = ("post", "put", "patch", "api_route")
# Route paths that name the prediction endpoint, preferred when an app has several bodies.
PREDICTION_WORDS = ("predict", "infer", "score", "classif", "forecast", "estimate")
MAX_FILES = 2000  # route files looked at; a larger tree's API is declared, not searched
# Wrappers around the body's type: `Annotated[Request, Body()]`, `list[Request]` (a batch).
WRAPPERS = ("Annotated", "List", "list", "Sequence", "Optional")


class RequestModel:
    """A pydantic model some route takes as its body: `spec` is 'file.py:Class' (the file
    that defines it), `route` says where it was found, `mentions` the artifact names the
    route's file names (its own model, when it loads one by name)."""

    __slots__ = ("file", "handed", "handed_as", "handed_to", "mentions", "route",
                 "route_path", "shape", "spec")

    def __init__(self, spec: str, route: str, route_path: str, mentions: frozenset[str],
                 shape: tuple = (), file: str = "", handed: str = "",
                 handed_to: frozenset[str] = frozenset(), handed_as: str = ""):
        self.spec, self.route, self.route_path, self.mentions = (
            spec, route, route_path, mentions)
        # where the route hands the body to a model exactly as it came ('app.py:18'), or '',
        # and the artifacts (real paths) the name it calls holds, loaded in the route's file
        self.handed, self.handed_to = handed, handed_to
        self.handed_as = handed_as  # how: 'fields', 'dump', 'names', 'aliases' (`_fields_of`)
        self.file = file  # the route's file: which project of the repository serves it
        # what a request must look like (class name, route, fields): two copies of one app
        # (`app/main.py` and `fastapi/main.py`) take the same request
        self.shape = shape

    def __repr__(self) -> str:
        return f"RequestModel({self.spec!r}, {self.route!r})"


_ROUTE_DECORATOR = re.compile(rb"^[ \t]*@[\w.]+\.(?:post|put|patch|api_route)\(", re.MULTILINE)


def _route(decorator: ast.expr) -> str | None:
    """'POST /predict' for a body route's decorator; None for anything else."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr in BODY_METHODS):
        return None
    path = ""
    if decorator.args and isinstance(decorator.args[0], ast.Constant) and isinstance(
            decorator.args[0].value, str):
        path = decorator.args[0].value
    method = decorator.func.attr.upper()
    if method == "API_ROUTE":
        method = "ROUTE"
    return f"{method} {path}".strip()


def _body_type(annotation: ast.expr | None) -> ast.expr | None:
    """The class a parameter's annotation names, through `Annotated[...]`, `list[...]`."""
    for _ in range(4):
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value.strip(), mode="eval").body
            except (SyntaxError, ValueError):
                return None
        if isinstance(annotation, ast.Subscript):
            head = annotation.value
            name = head.attr if isinstance(head, ast.Attribute) else getattr(head, "id", "")
            if name not in WRAPPERS:
                return None
            inner: ast.expr = annotation.slice
            if isinstance(inner, ast.Tuple):
                if not inner.elts:
                    return None
                inner = inner.elts[0]
            annotation = inner
            continue
        if isinstance(annotation, (ast.Name, ast.Attribute)):
            return annotation
        return None
    return None


def find_request_models(files: list[str], artifacts: list[str],
                        roots: list[str]) -> list[RequestModel]:
    """The pydantic bodies of the FastAPI routes in `files` (paths as the user sees them),
    each once; `roots` are where imported classes are looked for."""
    from mlgate.contracts.pydantic_ast import _Module, _Reader, read_pydantic

    names: dict[str, list[str]] = {}  # (several projects may each have a `model.pkl`)
    for artifact in artifacts:
        names.setdefault(os.path.basename(artifact), []).append(artifact)
    found: dict[str, RequestModel] = {}
    looked = 0
    listed = {f.replace(os.sep, "/") for f in files}
    for path in files:
        if not path.endswith(".py") or looked >= MAX_FILES:
            continue
        try:
            data = read_bytes(path, "file")
        except ContractError:
            continue
        if not any(b"." + m.encode() + b"(" in data for m in BODY_METHODS) or (
                b"fastapi" not in data and not _ROUTE_DECORATOR.search(data)):
            # (a routes module that imports its app, `from ms import app`, never names
            # fastapi: its contract was missed, new-user trial round 37)
            continue
        looked += 1
        reader = _Reader(path, roots)
        try:
            tree = module_tree(data, path)
            module = _Module(path, tree)
            functions = [node for node in ast.walk(tree) if isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef))]
        except (ContractError, RecursionError):
            continue
        reader.modules[os.path.realpath(path)] = module
        mentions = _loaded(path, tree, artifacts, listed) or frozenset(
            a for name, same in names.items()  # (names not UTF-8 too)
            if name.encode("utf-8", "surrogateescape") in data
            for a in _nearest(same, path))
        for function in functions:
            routes = [r for r in map(_route, function.decorator_list) if r]
            if not routes:
                continue
            arguments = function.args.posonlyargs + function.args.args + function.args.kwonlyargs
            for argument in arguments:
                body = _body_type(argument.annotation)
                if body is None:
                    continue
                try:
                    kind, where = reader.resolve_base(module, body)
                except RecursionError:
                    continue
                if kind != "class":
                    continue
                defined, node = where
                spec = f"{shown(defined.path)}:{node.name}"
                if spec in found:
                    continue
                try:
                    contract = read_pydantic(defined.path, node.name, roots)
                except (ContractError, RecursionError):
                    continue  # not a pydantic model (a dataclass, starlette's Request)
                if not contract.fields:
                    continue
                route = routes[0]
                shape = (node.name, route, tuple(
                    (f.name, f.alias, f.kind, f.required) for f in contract.fields))
                line, receiver, how = handed_unchanged(function, argument.arg)
                # (a body that keeps unknown keys, `extra = "allow"`, may carry a column a
                # validator adds: red team 47 F4)
                held = _held_by(path, tree, receiver, function, artifacts, listed) if (
                    line and contract.extra != "allow") else frozenset()
                found[spec] = RequestModel(
                    spec, f"the body of {route} ({path}:{function.lineno})",
                    route.partition(" ")[2], mentions, shape, path,
                    f"{path}:{line}" if held else "", held, how if held else "")
    return list(found.values())


# The calls that hand a model its input, and what turns a pydantic body into the dict of its
# fields by name (`jsonable_encoder` and `by_alias=True` give the aliases: not these).
PREDICTS = ("predict", "predict_proba", "predict_log_proba", "decision_function")
DUMPS = ("dict", "model_dump")


def handed_unchanged(function: ast.FunctionDef | ast.AsyncFunctionDef,
                     body: str) -> tuple[int, str, str]:
    """Where a route hands its body to a model exactly as it came, the name of that model,
    and how its columns are the body's ('fields', 'dump', 'names', 'aliases': see
    `_fields_of`):
    (line, name, how), or (0, '', ''). A frame of the body's fields
    (`pd.DataFrame([request.model_dump()])`, through names nothing else touches) is what
    `NAME.predict(...)` receives. Then a column the model needs and the body lacks fails
    every request: a found contract's difference is an error, not the warning kept for a
    route that may derive the column (new-user trial 46 F1), once the caller has seen that
    NAME holds the artifact (`handed_to`). Anything else (a column added, a helper called,
    the frame passed anywhere else, an inner function rebinding the body's name) proves
    nothing."""
    try:
        return _handed(function, body)
    except RecursionError:  # (a generated chain of thousands of names: red team 47 F6)
        return 0, "", ""


def _handed(function: ast.FunctionDef | ast.AsyncFunctionDef, body: str
            ) -> tuple[int, str, str]:
    uses: dict[str, list[ast.Name]] = {}
    bound: dict[str, ast.expr] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name):
            uses.setdefault(node.id, []).append(node)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            bound.setdefault(node.targets[0].id, node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and (
                node.value is not None):
            bound.setdefault(node.target.id, node.value)  # (`df: pd.DataFrame = ...`)
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(
                node.ctx, (ast.Store, ast.Del)) and isinstance(node.value, ast.Name) and (
                node.value.id == body):
            return 0, "", ""  # the body itself changed (`request.ratio = ...`)
        elif isinstance(node, ast.arg) and node.arg == body and not any(
                a is node for a in function.args.posonlyargs + function.args.args
                + function.args.kwonlyargs):
            return 0, "", ""  # an inner function's or lambda's own `request` (red team 47 F5)
    if any(isinstance(n.ctx, ast.Store) for n in uses.get(body, ())):
        return 0, "", ""
    predicts = [node for node in ast.walk(function) if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute) and node.func.attr in PREDICTS
                and len(node.args) == 1 and not node.keywords]
    # (a frame read by predict and predict_proba alike is still read once: red team 47 F7)
    readers = {id(call.args[0]) for call in predicts if isinstance(call.args[0], ast.Name)}
    # a name the route binds itself (`model = Wrapper(model)`, a parameter `model =
    # Depends(...)`) is not the module's (red team 48 F10)
    own = {a.arg for a in function.args.posonlyargs + function.args.args
           + function.args.kwonlyargs}
    for call in predicts:
        receiver = call.func.value  # type: ignore[attr-defined]
        if isinstance(receiver, ast.Name) and receiver.id not in own and not any(
                isinstance(n.ctx, ast.Store) for n in uses.get(receiver.id, ())):
            how = _frame_of(call.args[0], body, uses, bound, set(), readers)
            if how:
                return call.lineno, receiver.id, how
    return 0, "", ""


MAX_NAMES = 8  # names a frame may pass through: a real route uses one or two


def _only_here(name: str, uses: dict[str, list[ast.Name]], seen: set[str],
               readers: set[int] = frozenset()) -> bool:  # type: ignore[assignment]
    """A name stored once and read once where the caller looked (or, a frame, read only as
    what predict calls are given): nothing else sees it."""
    if name in seen or len(seen) >= MAX_NAMES:
        return False
    seen.add(name)
    found = uses.get(name, ())
    stores = [n for n in found if isinstance(n.ctx, ast.Store)]
    loads = [n for n in found if isinstance(n.ctx, ast.Load)]
    if len(stores) != 1 or len(stores) + len(loads) != len(found) or not loads:
        return False
    return len(loads) == 1 or all(id(n) in readers for n in loads)


def _frame_of(node: ast.expr, body: str, uses: dict, bound: dict, seen: set[str],
              readers: set[int]) -> str:
    """`pd.DataFrame([<fields of body>])`, `pd.DataFrame(<fields>, index=[0])`,
    `pd.DataFrame.from_records([...])`, or a name bound to one once: how its columns are
    the body's (see `_fields_of`), '' when they are not."""
    if isinstance(node, ast.Name):
        if _only_here(node.id, uses, seen, readers) and node.id in bound:
            return _frame_of(bound[node.id], body, uses, bound, seen, readers)
        return ""
    if not isinstance(node, ast.Call) or len(node.args) != 1:
        return ""
    func = node.func
    name = _tail(func)
    if name in ("from_records", "from_dict") and isinstance(func, ast.Attribute):
        name = "DataFrame" if _tail(func.value) == "DataFrame" else ""
    if name != "DataFrame":
        return ""
    keywords = {k.arg: k.value for k in node.keywords}
    row = node.args[0]
    if isinstance(row, ast.List) and len(row.elts) == 1 and not keywords:
        return _fields_of(row.elts[0], body, uses, bound, seen)
    index = keywords.pop("index", None)
    if not keywords and isinstance(index, ast.List) and len(index.elts) == 1:
        return _fields_of(row, body, uses, bound, seen)
    return ""


def _fields_of(node: ast.expr, body: str, uses: dict, bound: dict, seen: set[str]) -> str:
    """How the dict is the body's: 'fields' (its fields by name: `dict(body)`,
    `vars(body)`, `body.__dict__`), 'dump' (and its computed fields: `body.model_dump()`,
    `body.dict()`, by name unless the model's config says `serialize_by_alias`; `mode=`
    changes values, not keys), 'names' (the same, `by_alias=False` said), 'aliases' (by
    alias: `by_alias=True`, `jsonable_encoder(body)`), through a name bound to one once;
    '' when it is not."""
    if isinstance(node, ast.Name):
        if node.id != body and _only_here(node.id, uses, seen) and node.id in bound:
            return _fields_of(bound[node.id], body, uses, bound, seen)
        return ""
    if isinstance(node, ast.Attribute):
        return "fields" if node.attr == "__dict__" and _is(node.value, body) else ""
    if not isinstance(node, ast.Call):
        return ""
    words = {k.arg: k.value for k in node.keywords}
    aliased = words.pop("by_alias", None)
    if aliased is not None and not (isinstance(aliased, ast.Constant)
                                    and isinstance(aliased.value, bool)):
        return ""  # (computed: which keys is unknown)
    tail = _tail(node.func)
    if tail == "jsonable_encoder":  # (FastAPI's: by alias unless told otherwise)
        if words or len(node.args) != 1 or not _is(node.args[0], body):
            return ""
        return "names" if aliased is not None and aliased.value is False else "aliases"
    if any(k != "mode" for k in words):
        return ""  # (`exclude=`, `exclude_none=`: other keys)
    if isinstance(node.func, ast.Attribute):
        if node.func.attr in DUMPS and not node.args and _is(node.func.value, body):
            # (unsaid, the model's config decides: `serialize_by_alias`)
            return "dump" if aliased is None else "aliases" if aliased.value else "names"
        return ""
    if (tail in ("dict", "vars") and len(node.args) == 1 and not node.keywords
            and _is(node.args[0], body)):
        return "fields"
    return ""


def _is(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _held_by(path: str, tree: ast.Module, name: str, route: ast.AST, artifacts: list[str],
             listed: set[str]) -> frozenset[str]:
    """The artifacts (real paths) the module-level name a route calls holds: every value
    the file gives it (outside the route; `None` aside) is a load of a path it spells out
    that is one of them. Empty when any is something else: a project class wrapping the
    model (its own predict may compute a column), a path from the environment, another
    model (red team 47 F1-F3)."""
    from mlgate.artifacts.served import loads_in, resolve

    inside = {id(node) for node in ast.walk(route)}
    assigned = [node for node in ast.walk(tree) if id(node) not in inside and (
        (isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets))
        or (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
            and node.target.id == name and node.value is not None))]
    if not assigned:
        return frozenset()
    loads = loads_in(path, tree)
    known = {os.path.realpath(a) for a in artifacts}
    held: set[str] = set()
    for node in assigned:
        value = node.value
        if isinstance(value, ast.Constant) and value.value is None:
            continue  # (`model = None`, loaded at start-up)
        last = getattr(node, "end_lineno", None) or node.lineno
        here = [load for load in loads if node.lineno <= load.line <= last]
        if not here:
            return frozenset()
        for load in here:
            where = resolve(load, listed, set(), None)
            real = os.path.realpath(where.path) if where is not None else ""
            if real not in known:
                return frozenset()
            held.add(real)
    return frozenset(held)


def _loaded(path: str, tree: ast.Module, artifacts: list[str], listed: set[str]
            ) -> frozenset[str]:
    """What a route's file loads by a path it spells out: the artifacts among them, and the
    other paths as spelled (a git-ignored `model_v2.joblib`), so that its route is no
    contract for a tracked `model.joblib` it does not serve (red team 44 F4); a basename
    the file merely mentions no longer decides (new-user trial 44 F2)."""
    from mlgate.artifacts.served import loads_in, resolve

    loads = loads_in(path, tree)
    if not loads:
        return frozenset()
    known = {os.path.realpath(a): a for a in artifacts}
    found = set()
    for load in loads:
        where = resolve(load, listed, set(), None)
        if where is None:
            continue
        real = os.path.realpath(where.path)
        inside = [a for r, a in known.items() if r == real or r.startswith(real + os.sep)]
        found.update(inside or [f"(loads) {where.path}"])
    return frozenset(found)


def _nearest(artifacts: list[str], route_file: str) -> list[str]:
    """Of the artifacts that share the file name a route names (`model.pkl` in twenty
    experiment folders), the ones nearest the route's file: the one it serves."""
    if len(artifacts) < 2:
        return artifacts
    folder = os.path.dirname(os.path.abspath(route_file))

    def shared(artifact: str) -> int:
        return len(os.path.commonpath([folder, os.path.dirname(os.path.abspath(artifact))]))

    best = max(map(shared, artifacts))
    return [a for a in artifacts if shared(a) == best]


def shown(path: str) -> str:
    """A path relative to the cwd, as the user sees paths, unless it lies outside."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def module_tree(data: bytes, path: str) -> ast.Module:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(data, filename=path)
    except (SyntaxError, ValueError, MemoryError) as exc:
        raise ContractError(f"cannot parse: {exc}", path) from None


def choose(candidates: list[RequestModel], artifact: str, all_artifacts: list[str],
           repo_root: str = os.curdir) -> tuple[RequestModel | None, list[RequestModel]]:
    """The request model that is `artifact`'s contract, and the candidates when several
    remain (then none is chosen: the user declares which). Only routes of the artifact's
    own project count (a repository of several projects, each with its pyproject.toml, does
    not serve one project's model from another's API). A route file that names the
    artifact wins; one that names another artifact is that artifact's; a route whose path
    says it predicts wins over the others."""
    from mlgate.artifacts.project import project_folder

    home = project_folder(artifact, repo_root)

    def related(candidate: RequestModel) -> bool:
        if not candidate.file:
            return True
        other = project_folder(candidate.file, repo_root)
        return os.path.commonpath([home, other]) in (home, other)

    candidates = [c for c in candidates if related(c)]
    named = [c for c in candidates if artifact in c.mentions]
    if not named:
        # (a route whose file loads another file by its path serves that one)
        named = [c for c in candidates if not c.mentions]
    if len(named) > 1:
        predicting = [c for c in named if any(w in c.route_path.lower()
                                              for w in PREDICTION_WORDS)]
        named = predicting or named
    if len(named) > 1 and len({c.shape for c in named}) == 1 and named[0].shape:
        named = named[:1]  # copies of one app: the same request, whichever serves
    if len(named) == 1:
        return named[0], []
    return None, named
