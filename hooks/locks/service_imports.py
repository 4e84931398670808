"""What the service imports: the third-party modules reached from the project's serving code.

A lock can pass every version check and still miss a package the API imports
(`import xgboost` in app/main.py, installed on the author's laptop, in no requirements file):
the service, installed from the lock, then dies at start with ModuleNotFoundError. The
service is what deploys, so only its code counts, not a training script's plotting imports:
the serving modules are the tracked files that import a web framework (FastAPI, Flask,
Streamlit, ...), followed through the project's own modules they import. Read with `ast`,
never imported; an import guarded by `try: ... except ImportError`, `if TYPE_CHECKING:`, `if
importlib.util.find_spec(...)` or `with contextlib.suppress(ImportError):` is optional and left
out.
"""

from __future__ import annotations

import ast
import os

# Importing one of these makes a module serving code.
FRAMEWORKS = frozenset({"fastapi", "flask", "streamlit", "gradio", "bentoml", "litserve",
                        "starlette", "sanic", "falcon", "aiohttp", "django", "tornado",
                        "quart", "uvicorn", "gunicorn", "mlserver"})
MAX_FILES = 5000  # tracked Python files indexed; a larger tree is not searched
MAX_BYTES = 1 << 20  # a larger source file is not read
# Folders whose code does not deploy with the service.
NOT_SERVED = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "notebooks",
                        "benchmarks", "bench", "scripts"})


class Import:
    """`at_start`: not inside a function, so run as soon as its module is imported (a
    serving module's import fails the service at start, not at its first request)."""

    __slots__ = ("at_start", "col", "line", "module", "path")

    def __init__(self, module: str, path: str, line: int, col: int,
                 at_start: bool = True) -> None:
        self.module, self.path, self.line, self.col = module, path, line, col
        self.at_start = at_start


CONDITIONAL = tuple(getattr(ast, name) for name in ("If", "Try", "TryStar", "Match", "While",
                                                     "For") if hasattr(ast, name))


class FromImport:
    """`from module import names` of a third-party module in the serving code."""

    __slots__ = ("at_start", "col", "line", "module", "names", "path")

    def __init__(self, module: str, names: list[str], path: str, line: int, col: int,
                 at_start: bool) -> None:
        self.module, self.names, self.path = module, names, path
        self.line, self.col, self.at_start = line, col, at_start


class Broken:
    """A serving module (or one it imports) that Python cannot parse: the service dies at
    start with this SyntaxError, whatever the locks hold."""

    __slots__ = ("col", "line", "message", "path")

    def __init__(self, path: str, line: int, col: int, message: str) -> None:
        self.path, self.line, self.col, self.message = path, line, col, message


def service_imports(root: str, tracked: list[str], broken: list[Broken] | None = None,
                    feature: tuple[int, int] | None = None,
                    from_imports: list[FromImport] | None = None) -> list[Import]:
    """The first import of each third-party top-level module the serving code reaches
    (paths relative to `root`), in the order met. `broken` gets the serving modules that
    do not parse (new-user round 35: an app.py with an IndentationError was skipped, its
    imports unchecked, and the audit said READY). `feature`: the project's Python, when
    older than this one: its grammar (a `match` passed on a 3.8 project, red team round 36).
    `from_imports` gets every `from third_party import name` of the serving code.
    """
    python = [n for n in tracked if n.endswith(".py")][:MAX_FILES]
    index = _module_index(python)
    local = {name.split(".")[0] for name in index}
    trees: dict[str, ast.Module | None] = {}
    errors: dict[str, SyntaxError] = {}

    def tree(rel: str) -> ast.Module | None:
        if rel not in trees:
            trees[rel] = _parse(os.path.join(root, rel), errors, rel, feature)
        return trees[rel]

    todo = [rel for rel in python if _served(rel) and (
        _imports_framework(tree(rel)) or (rel in errors and _names_framework(root, rel)))]
    seen, found, reported = set(todo), [], set()
    collected: set[int] = set()
    while todo:
        rel = todo.pop(0)
        module = tree(rel)
        if module is None:
            error = errors.get(rel)
            if error is not None and broken is not None:
                broken.append(Broken(rel, error.lineno or 1, error.offset or 1,
                                     f"{type(error).__name__}: {error.msg}"))
            continue
        # (a name imported under an `if` or a `try` may be one version's only: the shim
        # `if SK_MAJOR < 1: from sklearn.utils import safe_indexing`, red team round 39 F2)
        conditional = {id(n) for f in ast.walk(module) if isinstance(f, CONDITIONAL)
                       for n in ast.walk(f)} if from_imports is not None else set()
        deferred = {id(n) for f in ast.walk(module)
                    if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                    for n in ast.walk(f)}
        for name, node in _imports(module, _package_of(rel)):
            target = _resolve(name, index)
            if target is not None:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
                continue
            top = name.split(".")[0]
            if from_imports is not None and top and top not in local and isinstance(
                    node, ast.ImportFrom) and not node.level and node.module and (
                    id(node) not in collected) and id(node) not in conditional:
                collected.add(id(node))
                from_imports.append(FromImport(
                    node.module, [a.name for a in node.names if a.name != "*"], rel,
                    node.lineno, node.col_offset + 1, id(node) not in deferred))
            if top and top not in local and top not in reported:
                reported.add(top)
                found.append(Import(top, rel, node.lineno, node.col_offset + 1,
                                     id(node) not in deferred))
    return found


def _served(rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    return not (set(parts[:-1]) & NOT_SERVED or name.startswith("test_")
                or name.endswith("_test.py") or name in ("conftest.py", "setup.py",
                                                         "noxfile.py"))


def _parse(path: str, errors: dict | None = None, rel: str = "",
           feature: tuple[int, int] | None = None) -> ast.Module | None:
    import sys

    from mlgate.artifacts.reading import Unreadable, read_bytes, repository_of, resolve

    older = feature if feature and feature < sys.version_info[:2] else None
    try:  # a regular file of the repository only: never a FIFO, a device, or a link out
        source = read_bytes(resolve(path, repository_of(path)), MAX_BYTES)
        if older:
            return ast.parse(source, path, feature_version=older)
        return ast.parse(source, path)
    except SyntaxError as exc:  # (IndentationError and TabError too)
        if errors is not None:
            errors[rel] = exc
        return None
    except (OSError, Unreadable, ValueError, RecursionError, MemoryError):
        return None


def _names_framework(root: str, rel: str) -> bool:
    """Whether a module that does not parse imports a web framework, by its lines."""
    import re

    from mlgate.artifacts.reading import Unreadable, read_bytes, repository_of, resolve

    path = os.path.join(root, rel)
    try:
        text = read_bytes(resolve(path, repository_of(path)), MAX_BYTES).decode(
            "utf-8", "replace")
    except (OSError, Unreadable, ValueError):
        return False
    pattern = r"^\s*(?:from|import)\s+(" + "|".join(sorted(FRAMEWORKS)) + r")\b"
    return re.search(pattern, text, re.MULTILINE) is not None


def _module_index(python: list[str]) -> dict[str, str]:
    """Every dotted name a tracked file may be imported by (`app/main.py`: `app.main` and
    `main`, as sys.path may start at either folder), to the file."""
    index: dict[str, str] = {}
    for rel in python:
        parts = rel[:-3].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        for start in range(len(parts)):
            index.setdefault(".".join(parts[start:]), rel)
    return index


def _package_of(rel: str) -> list[str]:
    parts = rel[:-3].split("/")
    return parts[:-1]


def _resolve(name: str, index: dict[str, str]) -> str | None:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        found = index.get(".".join(parts[:end]))
        if found is not None:
            return found
    return None


def _imports_framework(module: ast.Module | None) -> bool:
    if module is None:
        return False
    return any(name.split(".")[0] in FRAMEWORKS for name, _ in _imports(module, []))


def _imports(module: ast.Module, package: list[str]):
    """(dotted name, node) of each import that is not optional; a relative one resolved
    against `package` (the file's folders)."""
    optional: set[int] = set()
    for node in ast.walk(module):
        test = ast.dump(node.test) if isinstance(node, ast.If) else ""
        guarded = (isinstance(node, ast.Try) and any(
            _catches_import_error(h) for h in node.handlers)) or (
            "TYPE_CHECKING" in test or "find_spec" in test or "find_loader" in test) or (
            isinstance(node, ast.With) and any(_suppresses_import_error(item.context_expr)
                                               for item in node.items))
        if guarded:
            body = node.body if isinstance(node, (ast.Try, ast.If, ast.With)) else []
            optional.update(id(n) for stmt in body for n in ast.walk(stmt))
    for node in ast.walk(module):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                if node.level - 1 > len(package):
                    continue
                prefix = ".".join(base)
                name = f"{prefix}.{node.module}" if node.module else prefix
                for alias in node.names:  # `from . import x` may name a module
                    yield (f"{name}.{alias.name}" if name else alias.name), node
                continue
            if node.module:  # `from app import settings` may name the module app.settings
                for alias in node.names:
                    yield f"{node.module}.{alias.name}", node


def _suppresses_import_error(node: ast.AST) -> bool:
    """`contextlib.suppress(ImportError)` (new-user round 33: an optional import so guarded
    was an MLG211 error)."""
    return isinstance(node, ast.Call) and _tail_name(node.func) == "suppress" and any(
        _tail_name(arg) in ("ImportError", "ModuleNotFoundError", "Exception",
                            "BaseException") for arg in node.args)


def _tail_name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else (
        node.attr if isinstance(node, ast.Attribute) else "")


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = [handler.type] if not isinstance(handler.type, ast.Tuple) else handler.type.elts
    return any(isinstance(n, (ast.Name, ast.Attribute)) and (
        getattr(n, "id", None) or getattr(n, "attr", "")) in (
        "ImportError", "ModuleNotFoundError", "Exception", "BaseException") for n in names)
