"""The model files the project's serving code loads by a path it spells out.

READY must mean that the model the service loads was checked (red team 44 F4, new-user
trial 44 F2): an API loading `models/model_v2.joblib`, which git ignores, beside a tracked
older `models/model.joblib` was READY on the old file; one loading `model.onnx` beside a
tracked pickle was READY with the ONNX model never named.

Serving code is read, never imported: the files that import a serving framework (FastAPI,
Flask, Streamlit, ...) or are named as serving code (`app.py`, `serve.py`, `predict.py`,
...), and the project's modules they import. Tests, notebooks and training scripts are not
serving code. In it, the calls that load a model (`joblib.load`, `pickle.load(open(...))`,
`torch.load`, `InferenceSession`, `load_model`, `Booster(model_file=...)`) whose path is
spelled with literals, names assigned from them, `__file__` (`Path(__file__).parent /
"m.pkl"`) and environment defaults (`os.getenv("MODEL", "m.pkl")`). A path built from
anything else is not guessed; one under a folder chosen at run time
(`os.path.join(MODEL_DIR, "m.pkl")`) keeps its trailing part, matched as such.
"""

from __future__ import annotations

import ast
import os
import posixpath

from mlgate.codes import ARTIFACT_SERVED_UNCHECKED as SERVED_UNCHECKED
from mlgate.finding import Finding

MAX_FILES = 400  # serving files parsed; a larger tree's served models are declared
MAX_BYTES = 1024 * 1024  # a source file larger than this is no serving code we read
MAX_DEPTH = 12  # names followed through assignments

# Top-level modules whose import makes a file serving code.
SERVING_IMPORTS = frozenset({
    "fastapi", "flask", "streamlit", "gradio", "bentoml", "litserve", "starlette",
    "django", "sanic", "aiohttp", "tornado", "falcon", "quart", "litestar", "mlserver",
    "kserve", "seldon_core", "functions_framework", "uvicorn", "dash", "chainlit",
    "bottle", "cherrypy", "pyramid", "robyn", "flask_restful", "flask_restx",
})
# File stems that name serving code whatever it imports (a batch scorer, a handler).
SERVING_STEMS = frozenset({
    "app", "api", "server", "serve", "service", "serving", "inference", "infer", "predict",
    "predictor", "prediction", "handler", "score", "scoring", "wsgi", "asgi",
    "streamlit_app", "model_loader", "endpoint", "endpoints", "deploy",
})
# Loaders, by qualified name: where the path is (positional index, keyword names).
LOADERS: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "joblib.load": (0, ("filename",)),
    "pickle.load": (0, ("file",)),
    "_pickle.load": (0, ("file",)),
    "cPickle.load": (0, ("file",)),
    "cloudpickle.load": (0, ("file",)),
    "dill.load": (0, ("file",)),
    "torch.load": (0, ("f",)),
    "torch.jit.load": (0, ("f",)),
    "skops.io.load": (0, ("file",)),
    "onnxruntime.InferenceSession": (0, ("path_or_bytes",)),
    "onnx.load": (0, ("f",)),
    "onnx.load_model": (0, ("f",)),
    "tensorflow.saved_model.load": (0, ("export_dir",)),
    "xgboost.Booster": (None, ("model_file",)),
    "lightgbm.Booster": (None, ("model_file",)),
}
# Any `<something>.load_model(path)`: Keras, XGBoost's and CatBoost's estimators, MLflow.
LOAD_MODEL: tuple[int | None, tuple[str, ...]] = (0, ("filepath", "fname", "model_uri", "path"))
# Loaders that take an open file as well as a path.
FILE_TAKERS = frozenset({"pickle.load", "_pickle.load", "cPickle.load", "cloudpickle.load",
                         "dill.load", "joblib.load", "torch.load"})
_TOKENS = (b"load", b"InferenceSession", b"Booster")
_TEST_FOLDERS = frozenset({"test", "tests", "testing"})


class Load:
    """One load of a spelled path: where (file, line, col), what the code spells, and the
    value found: ("rel", path from the working folder), ("abs", path from `__file__`), or
    ("tail", the part after a folder chosen at run time)."""

    __slots__ = ("col", "file", "kind", "line", "text")

    def __init__(self, file: str, line: int, col: int, kind: str, text: str) -> None:
        self.file, self.line, self.col, self.kind, self.text = file, line, col, kind, text

    def __repr__(self) -> str:
        return f"Load({self.file}:{self.line}, {self.kind}, {self.text!r})"


def is_test_file(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (any(p in _TEST_FOLDERS for p in parts[:-1]) or name.startswith("test_")
            or name.endswith("_test.py") or name == "conftest.py")


def _read(path: str) -> bytes | None:
    try:
        if os.path.islink(path) or not os.path.isfile(path) or (
                os.path.getsize(path) > MAX_BYTES):
            return None
        with open(path, "rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError:
        return None


def _tree(data: bytes, path: str) -> ast.Module | None:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(data, filename=path)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> qualified name, from the module's imports (`import joblib as jl`,
    `from pickle import load`)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names.setdefault(top, top)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    names.setdefault("tf", "tensorflow")  # (as everyone imports it, resolved or not)
    return names


def _imported_modules(tree: ast.Module) -> list[tuple[int, str]]:
    """(level, dotted name) of every import: `from .ml import loader` -> (1, "ml.loader")
    and (1, "ml"); `import app.ml` -> (0, "app.ml")."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            found.append((node.level, base))
            found += [(node.level, f"{base}.{alias.name}" if base else alias.name)
                      for alias in node.names if alias.name != "*"]
    return [(level, name) for level, name in found if name or level]


def _serving(path: str, tree: ast.Module) -> bool:
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    if stem in SERVING_STEMS:
        return True
    for level, name in _imported_modules(tree):
        if level:
            continue
        top = name.split(".")[0]
        if top in SERVING_IMPORTS or name.startswith("ray.serve") or name.startswith(
                "azure.functions"):
            return True
    return False


def _module_file(level: int, name: str, importer: str, listed: set[str]) -> str | None:
    """The listed file an import names, looked for from the importer's folder up to the
    working folder (an app run from `backend/` imports `app.ml` from there), and in src/."""
    parts = name.split(".") if name else []
    if level:
        base = posixpath.dirname(importer)
        for _ in range(level - 1):
            base = posixpath.dirname(base)
        bases = [base]
    else:
        bases = []
        folder = posixpath.dirname(importer)
        while True:
            bases.append(folder)
            if not folder:
                break
            folder = posixpath.dirname(folder)
        bases.append("src")
    for base in bases:
        stem = posixpath.join(base, *parts) if parts else base
        for candidate in (stem + ".py", posixpath.join(stem, "__init__.py")):
            candidate = posixpath.normpath(candidate)
            if candidate in listed:
                return candidate
    return None


class _Scope:
    """The assignments a name may be followed through: the module's, and the function's
    that holds the call."""

    def __init__(self, module: ast.Module, function: ast.AST | None) -> None:
        self.module = _assignments(module.body, deep=False)
        self.function = _assignments([function], deep=True) if function is not None else {}
        self.opens = _opens(function if function is not None else module)

    def lookup(self, name: str, line: int) -> ast.expr | None:
        for table in (self.function, self.module):
            values = [(at, value) for at, value in table.get(name, ()) if at <= line]
            if values:
                return values[-1][1]
            if table.get(name):  # assigned only later (a function reads a module constant)
                return table[name][-1][1]
        return None


def _assignments(nodes: list, deep: bool) -> dict[str, list[tuple[int, ast.expr]]]:
    table: dict[str, list[tuple[int, ast.expr]]] = {}

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            table.setdefault(node.targets[0].id, []).append((node.lineno, node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and (
                node.value is not None):
            table.setdefault(node.target.id, []).append((node.lineno, node.value))

    for node in nodes:
        if deep:
            for inner in ast.walk(node):
                visit(inner)
        else:
            visit(node)
            if isinstance(node, (ast.If, ast.Try, ast.With)):  # module-level guards
                for inner in ast.walk(node):
                    if inner is not node:
                        visit(inner)
    return table


def _opens(scope: ast.AST) -> dict[str, list[tuple[int, ast.expr]]]:
    """Names bound to an open file: `with open(P, "rb") as f`, `f = open(P)`."""
    found: dict[str, list[tuple[int, ast.expr]]] = {}
    for node in ast.walk(scope):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name) and isinstance(
                        item.context_expr, ast.Call):
                    found.setdefault(item.optional_vars.id, []).append(
                        (node.lineno, item.context_expr))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name) and isinstance(node.value, ast.Call):
            found.setdefault(node.targets[0].id, []).append((node.lineno, node.value))
    return found


def _qualified(node: ast.expr, aliases: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


class _Evaluator:
    """What a path expression is, as far as literals, `__file__` and names assigned from
    them tell: a (kind, text) pair (see `Load`) or None."""

    def __init__(self, path: str, aliases: dict[str, str], scope: _Scope) -> None:
        self.source = os.path.realpath(path)
        self.aliases, self.scope = aliases, scope

    def value(self, node: ast.expr, line: int, depth: int = 0):
        if depth > MAX_DEPTH:
            return None
        down = depth + 1
        if isinstance(node, ast.Constant):
            return self._literal(node.value)
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return ("abs", self.source)
            bound = self.scope.lookup(node.id, line)
            return self.value(bound, line, down) if bound is not None else None
        if isinstance(node, ast.JoinedStr):
            value = ("rel", "")
            for index, part in enumerate(node.values):
                if isinstance(part, ast.FormattedValue):
                    if part.conversion not in (-1, 115) or part.format_spec is not None:
                        return None
                    value = _concat(value, self.value(part.value, line, down))
                else:  # (only a leading "/..." makes the whole absolute)
                    value = _concat(value, self._fragment(part, index == 0))
            return value
        if isinstance(node, ast.BinOp):
            left = self.value(node.left, line, down)
            if isinstance(node.op, ast.Div):
                return _join([left, self.value(node.right, line, down)])
            if isinstance(node.op, ast.Add):
                right = self._fragment(node.right, False)
                return _concat(left, right if right is not None else self.value(
                    node.right, line, down))
            return None
        if isinstance(node, ast.Attribute):
            if node.attr == "parent":
                return _dirname(self.value(node.value, line, down))
            return None
        if isinstance(node, ast.Subscript):
            # `Path(__file__).parents[2]`
            if isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
                which = node.slice
                if isinstance(which, ast.Constant) and isinstance(which.value, int) and (
                        0 <= which.value < 16):
                    value = _dirname(self.value(node.value.value, line, down))
                    for _ in range(which.value):
                        value = _dirname(value)
                    return value
            return None
        if isinstance(node, ast.Call):
            return self._call(node, line, down)
        return None

    def _fragment(self, node: ast.expr, first: bool):
        """A string constant that continues a path being concatenated: text, not a path."""
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            return None
        if first:
            return self._literal(node.value) if node.value else ("rel", "")
        return ("rel", node.value.replace("\\", "/"))

    def _literal(self, value: object):
        if not isinstance(value, str) or not value or "\0" in value or len(value) > 4096:
            return None
        text = value.replace("\\", "/")
        if "://" in text or ":/" in text[:12] or text.startswith(("~", "/")) or (
                len(text) > 1 and text[1] == ":"):
            return ("const-abs", text)  # absolute, a URI, a home: not the repository's
        return ("rel", text)

    def _call(self, node: ast.Call, line: int, depth: int):
        name = _qualified(node.func, self.aliases) or ""
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        args = node.args
        if any(isinstance(a, ast.Starred) for a in args):
            return None
        if name.endswith("path.join"):
            return _join([self.value(a, line, depth) for a in args])
        if name in ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "Path",
                    "PurePath", "PosixPath"):
            if not args:
                return ("rel", "")
            return _join([self.value(a, line, depth) for a in args])
        if name.endswith("path.dirname") and len(args) == 1:
            return _dirname(self.value(args[0], line, depth))
        if (name.endswith(("path.abspath", "path.realpath", "path.normpath"))
                or name in ("str", "os.fspath")) and len(args) == 1:
            return self.value(args[0], line, depth)
        if name in ("os.getcwd", "pathlib.Path.cwd", "Path.cwd"):
            return ("rel", ".")  # (`f"{os.getcwd()}/model/m.pkl"` is relative to it)
        if name in ("os.getenv", "os.environ.get", "getenv", "os.environ.setdefault"):
            default = args[1] if len(args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "default"), None)
            return self.value(default, line, depth) if default is not None else None
        if isinstance(node.func, ast.Attribute):
            base = node.func.value
            if method in ("resolve", "absolute") and not args:
                return self.value(base, line, depth)
            if method == "joinpath":
                return _join([self.value(base, line, depth)]
                             + [self.value(a, line, depth) for a in args])
        return None


def _concat(left, right):
    if right is None or right[0] == "const-abs":
        return None if left is None or right is None else (
            right if left == ("rel", "") else None)
    if left is None:
        # a folder chosen at run time, then a spelled tail: `f"{MODEL_DIR}/model.pkl"`
        if right[0] == "rel" and right[1].startswith("/") and right[1].strip("/"):
            return ("tail", right[1].lstrip("/"))
        return None
    if left[0] == "const-abs":
        return None
    if right[0] != "rel":
        return right if left == ("rel", "") else None
    return (left[0], left[1] + right[1])


def _join(values: list):
    result: tuple[str, str] | None = ("rel", "")
    for value in values:
        if value is None:
            result = None
            continue
        kind, text = value
        if kind in ("abs", "const-abs"):
            result = value
            continue
        if kind == "tail":
            result = value
            continue
        if result is None:
            result = ("tail", text) if text.strip("/") else None
            continue
        if result[0] == "const-abs":
            continue
        result = (result[0], posixpath.join(result[1], text) if result[1] else text)
    return result


def _dirname(value):
    if value is None:
        return None
    kind, text = value
    if kind == "abs":
        return ("abs", os.path.dirname(text))
    if kind == "rel":
        return ("rel", posixpath.dirname(text.rstrip("/")))
    if kind == "tail" and "/" in text.rstrip("/"):
        return ("tail", posixpath.dirname(text.rstrip("/")))
    return None


def _path_argument(call: ast.Call, name: str, method: str):
    """The argument of a loader call that holds the path, or None when it is no loader."""
    where = LOADERS.get(name)
    if where is None and (method == "load_model" or name == "load_model"
                          or name.endswith(".load_model")):
        where = LOAD_MODEL
    if where is None:
        return None
    index, keywords = where
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return keyword.value
    if index is not None and len(call.args) > index:
        return call.args[index]
    return None


def _enclosing_functions(tree: ast.Module) -> dict[int, ast.AST]:
    """id(call) -> the innermost function holding it."""
    owner: dict[int, ast.AST] = {}

    def visit(node: ast.AST, function: ast.AST | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, child)
            else:
                if isinstance(child, ast.Call) and function is not None:
                    owner[id(child)] = function
                visit(child, function)

    visit(tree, None)
    return owner


def loads_in(path: str, tree: ast.Module) -> list[Load]:
    """The spelled paths `tree` (the file `path`) loads a model from."""
    aliases = _aliases(tree)
    owners = _enclosing_functions(tree)
    scopes: dict[int, _Scope] = {}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _qualified(node.func, aliases) or ""
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        argument = _path_argument(node, name, method)
        if argument is None:
            continue
        function = owners.get(id(node))
        scope = scopes.get(id(function))
        if scope is None:
            scope = scopes[id(function)] = _Scope(tree, function)
        if name in FILE_TAKERS:
            argument = _opened(argument, scope, aliases, node.lineno) or argument
        value = _Evaluator(path, aliases, scope).value(argument, node.lineno)
        if value is None or value[0] == "const-abs" or not value[1].strip("/.") or (
                value[0] == "rel" and value[1].startswith("/")):
            continue
        found.append(Load(path, node.lineno, node.col_offset + 1, value[0], value[1]))
    return found


def _opened(argument: ast.expr, scope: _Scope, aliases: dict[str, str], line: int):
    """The path of the file a loader reads, when it is given an open file:
    `pickle.load(open(P, "rb"))`, or a name bound by `with open(P, "rb") as f`."""
    call = argument
    if isinstance(argument, ast.Name):
        bound = [(at, value) for at, value in scope.opens.get(argument.id, ()) if at <= line]
        if not bound:
            return None
        call = bound[-1][1]
    if not isinstance(call, ast.Call):
        return None
    name = _qualified(call.func, aliases) or ""
    if name in ("open", "io.open", "builtins.open", "gzip.open", "bz2.open", "lzma.open") and (
            call.args):
        return call.args[0]
    if isinstance(call.func, ast.Attribute) and call.func.attr == "open":
        return call.func.value  # `Path(P).open("rb")`
    return None


def serving_loads(files: list[str], listed: set[str]) -> list[Load]:
    """The loads of spelled paths in the serving code among `files` (paths as the user sees
    them, relative to the working folder)."""
    python = [f for f in files if f.endswith(".py") and not is_test_file(f)]
    trees: dict[str, ast.Module | None] = {}

    def tree_of(path: str) -> ast.Module | None:
        if path not in trees:
            data = _read(path) if len(trees) < MAX_FILES else None
            trees[path] = _tree(data, path) if data is not None else None
        return trees[path]

    queue = []
    for path in python:
        stem = os.path.splitext(os.path.basename(path))[0].lower()
        data = None
        if stem not in SERVING_STEMS:
            data = _read(path)
            if data is None or not any(t.encode() in data for t in SERVING_IMPORTS):
                continue
        tree = tree_of(path)
        if tree is not None and _serving(path, tree):
            queue.append(path)
    seen = set(queue)
    posix = {f.replace("\\", "/") for f in listed}
    while queue and len(seen) < MAX_FILES:
        path = queue.pop()
        tree = tree_of(path)
        if tree is None:
            continue
        for level, name in _imported_modules(tree):
            found = _module_file(level, name, path.replace("\\", "/"), posix)
            if found is not None and found not in seen and not is_test_file(found):
                seen.add(found)
                queue.append(found)
    loads = []
    for path in sorted(seen):
        data = _read(path)
        if data is None or not any(t in data for t in _TOKENS):
            continue
        tree = tree_of(path)
        if tree is not None:
            loads += loads_in(path, tree)
    return loads


class Resolution:
    """Where a load's file is: `state` is "listed" (git lists it: `path`), "ignored" (on
    disk, not listed), "absent" (tracked, not in the work tree) or "missing"."""

    __slots__ = ("path", "state")

    def __init__(self, state: str, path: str) -> None:
        self.state, self.path = state, path


def resolve(load: Load, listed: set[str], deleted: set[str], top: str | None,
            checked: frozenset[str] | set[str] = frozenset()) -> Resolution | None:
    """Which file `load` reads, as the repository has it (or as `checked`, real paths of
    the files checked, has it: a declared model git ignores); None when it reads outside
    the repository (a mounted volume), which is no file of the project's."""
    if checked:
        listed = listed | {os.path.relpath(c).replace(os.sep, "/") for c in checked}
    source_folder = posixpath.dirname(load.file.replace("\\", "/"))
    if load.kind == "tail":
        tail = posixpath.normpath(load.text)
        matches = sorted(f for f in listed if f == tail or f.endswith("/" + tail)
                         or f.startswith(tail + "/") or ("/" + tail + "/") in f)
        exact = [f for f in matches if f == tail or f.endswith("/" + tail)]
        if exact:
            return Resolution("listed", exact[0])
        if matches:
            return Resolution("listed", tail)  # a folder of files (a SavedModel)
        return Resolution("missing", tail)
    if load.kind == "abs":
        relative = os.path.relpath(load.text).replace(os.sep, "/")
        candidates = [relative]
    else:
        candidates = []
        folder = source_folder
        while True:
            candidates.append(posixpath.normpath(posixpath.join(folder, load.text)))
            if not folder:
                break
            folder = posixpath.dirname(folder)
        candidates.reverse()  # the working folder first: where an app is run from
    inside = [c for c in dict.fromkeys(candidates) if not c.startswith("../") and c != ".."]
    # above the working folder (an audit of backend/ whose loader reads the root's src/):
    # still the repository's, and asked of git one by one
    outside = [c for c in dict.fromkeys(candidates)
               if c not in inside and _in_repository(c, top)]
    for candidate in inside:
        if candidate in listed:
            return Resolution("listed", candidate)
        prefix = candidate.rstrip("/") + "/"
        if any(f.startswith(prefix) for f in listed):
            return Resolution("listed", candidate)  # a model folder
    for candidate in outside:
        from mlgate.files import git_tracks

        if os.path.realpath(candidate) in checked or (
                os.path.lexists(candidate) and git_tracks(candidate)):
            return Resolution("listed", candidate)
    every = inside + outside
    if not every:
        return None
    for candidate in every:
        if candidate in deleted:
            return Resolution("absent", candidate)
    for candidate in every:
        if os.path.lexists(candidate):
            return Resolution("ignored", candidate)
    return Resolution("missing", every[0])


def _in_repository(path: str, top: str | None) -> bool:
    return top is not None and os.path.realpath(path).startswith(
        os.path.realpath(top).rstrip(os.sep) + os.sep)


def served_findings(checked: list[str], excluded=None, files: list[str] | None = None,
                    only: set[str] | None = None) -> list[Finding]:
    """A warning (MLG313) at each load, in the project's serving code, of a file that is not
    among the `checked` artifacts: git ignores it, it is absent, or it is a format or folder
    mlgate does not check. `excluded(path)` says whether the configuration leaves a path
    out; `only`, the files whose loads are reported (a commit's)."""
    from mlgate.artifacts.discovery import NOT_CHECKED_FORMATS, OTHER_FORMATS
    from mlgate.files import deleted_files, git_root, project_files

    listing = project_files(".") if files is None else files
    listed = {f.replace(os.sep, "/") for f in listing}
    code = [f for f in listing if not excluded(f)] if excluded is not None else listing
    loads = sorted(serving_loads([f for f in code if not _hidden(f)], listed),
                   key=lambda load: (load.file, load.line, load.col))
    if only is not None:
        wanted = {os.path.realpath(p) for p in only}
        loads = [load for load in loads if os.path.realpath(load.file) in wanted]
    if not loads:
        return []
    deleted = {f.replace(os.sep, "/") for f in deleted_files(".")}
    top = git_root(".")
    covered = {os.path.realpath(p) for p in checked}
    findings = []
    for load in loads:
        where = resolve(load, listed, deleted, top, covered)
        if where is None:
            continue
        path = where.path
        declare = ("commit the model it loads, or declare it where it is fetched before mlgate"
                   ' runs: [tool.mlgate.models.NAME] artifact = "{}"')
        if where.state == "listed":
            real = os.path.realpath(path)
            if real in covered or any(c.startswith(real.rstrip(os.sep) + os.sep)
                                      for c in covered):
                continue
            suffix = os.path.splitext(path)[1].lower()
            if excluded is not None and excluded(path):
                why = f"{path}, which [tool.mlgate] exclude leaves out"
                fix = "take it out of exclude: an excluded model is not checked"
            else:
                kind = OTHER_FORMATS.get(suffix) or (
                    "a folder" if os.path.isdir(path) else "a file mlgate does not read as a"
                    " model")
                why = f"{path} ({kind}), a format mlgate does not check"
                fix = (f"{NOT_CHECKED_FORMATS}: ship the pickled estimator, or leave the"
                       " artifact pillar out of [tool.mlgate] require")
        else:
            why = {"ignored": f"{path}, which git ignores (on this disk, not in the"
                              " repository)",
                   "absent": f"{path}, which git tracks but the work tree lacks",
                   "missing": f"{path}, which is not in the repository"}[where.state]
            if load.kind == "tail":
                why = (f"{path} from a folder chosen at run time, and the repository has no"
                       " file of that name")
            fix = declare.format(path if load.kind != "tail" else f"<folder>/{path}")
            if where.state == "absent":
                fix = f"check it out (`git checkout -- {path}`, `git lfs pull`), or " + fix
        findings.append(Finding(
            load.file, load.line, load.col, SERVED_UNCHECKED,
            f"this serving code loads {why}: the model it serves was not checked",
            severity="warning",
            hint=(f"{fix}; if the service needs no such model, `# mlgate:"
                  f" ignore[{SERVED_UNCHECKED}]` on the line"),
            extra={"check": "artifact", "loads": path, "state": where.state, "why": why}))
    return findings


def served_note(findings: list[Finding]) -> str:
    """The artifact pillar's NOT CHECKED reason: the first load of a model not checked."""
    first = findings[0]
    more = f"; and {len(findings) - 1} more load(s)" if len(findings) > 1 else ""
    return (f"{first.path}:{first.line} loads {first.extra.get('why', first.extra['loads'])}:"
            f" the model the service loads was not checked{more} ({SERVED_UNCHECKED} below)")


def _hidden(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")[:-1]
    return any(part.startswith(".") and part not in (".", "..") for part in parts)
