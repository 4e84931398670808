"""Which names an installed third-party module defines, read with `ast`, never imported.

New-user round 38 (F8): a Streamlit app did `from prediction import get_prediction`; the
author's module was `predict.py`, and the lock pinned the unrelated PyPI package
`prediction`, which has no `get_prediction`. Every lock check passed (the module *is*
installed) and the audit said READY for a service that dies at start with ImportError.

Only a plain, static module can be judged: its source is a `.py` file in the environment's
site folder (no compiled twin, which Python would load first), and nothing in it defines
names at run time (`__getattr__`, `globals()`, `exec`, star imports, `sys.modules`). For
anything else the answer is None: mlgate cannot say, and says nothing.
"""

from __future__ import annotations

import ast
import os

MAX_BYTES = 1 << 20  # a larger module is not read
# Spellings by which a module may define names that its text does not show.
DYNAMIC = (b"__getattr__", b"globals(", b"vars(", b"locals(", b"exec(", b"eval(",
           b"sys.modules", b"setattr(", b"__dict__", b"import *", b"__path__",
           b"lazy_loader", b"__builtins__")
COMPILED = (".so", ".pyd")


class ModuleNames:
    """The names a module defines at its top level, and for a package, its submodules."""

    __slots__ = ("defined", "folder", "path", "unparsable")

    def __init__(self, path: str, defined: set[str], folder: str | None,
                 unparsable: str | None = None) -> None:
        self.path, self.defined, self.folder = path, defined, folder
        # the SyntaxError of a module that is not Python 3 (jose 1.0.0 is Python 2): the
        # import fails whatever name it asks for (new-user trial 46 F1)
        self.unparsable = unparsable

    def has(self, name: str) -> bool:
        if name in self.defined:
            return True
        if self.folder is None:
            return False
        try:  # `from package import submodule` imports it
            entries = os.listdir(self.folder)
        except OSError:
            return True  # cannot list it: cannot say it is missing
        return name in entries or any(
            entry.startswith(name + ".") and entry.endswith((".py", ".pyc", *COMPILED))
            for entry in entries)


def module_names(site: str, dotted: str) -> ModuleNames | None:
    """The names `dotted` defines as installed in `site`; None when it cannot be judged."""
    from mlgate.artifacts.reading import Unreadable, read_bytes, resolve

    parts = dotted.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    base = os.path.join(site, *parts)
    folder: str | None = None
    if os.path.isdir(base):
        folder, path = base, os.path.join(base, "__init__.py")
        stem = os.path.join(base, "__init__")
    else:
        path, stem = base + ".py", base
    if _compiled_twin(stem) or not os.path.isfile(path):
        return None  # compiled, a namespace package, or not installed here
    try:  # a regular file of the environment only, bounded
        source = read_bytes(resolve(path, site), MAX_BYTES)
    except (OSError, Unreadable, ValueError):
        return None
    try:
        tree = ast.parse(source, path)
    except SyntaxError as exc:
        return ModuleNames(path, set(), folder, f"{exc.msg} (line {exc.lineno})")
    except (ValueError, RecursionError, MemoryError):
        return None
    if any(spelling in source for spelling in DYNAMIC):
        return None
    if _hands_itself_over(tree):
        return None
    return ModuleNames(path, _defined(tree), folder)


def _hands_itself_over(tree: ast.Module) -> bool:
    """A call given the module's own `__name__` may build its namespace elsewhere
    (`apipkg.initpkg(__name__, ...)` in `py`, `lazy_loader.attach(__name__, ...)`: red team
    round 39 F1); a logger named after it does not."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(
                isinstance(a, ast.Name) and a.id == "__name__"
                for a in [*node.args, *(k.value for k in node.keywords)]):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in ("getLogger", "get_logger", "getChild"):
                return True
    return False


def _compiled_twin(stem: str) -> bool:
    """An extension module (`name.cpython-311-x86_64-linux-gnu.so`) beside the source: Python
    loads it first, so the `.py` file says nothing of what is defined."""
    folder, name = os.path.split(stem)
    try:
        entries = os.listdir(folder)
    except OSError:
        return True
    return any(entry.startswith(name + ".") and entry.endswith(COMPILED) for entry in entries)


def _defined(tree: ast.Module) -> set[str]:
    """Every name bound at the module's top level, in any branch (an over-estimate is safe:
    a name defined only on some Python is taken as defined), plus `global` names a
    function binds."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            names.update(node.names)
    _bind_block(tree.body, names)
    return names


def _bind_block(body: list[ast.stmt], names: set[str]) -> None:
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)  # (its body's names are its own)
            continue
        for node in ast.walk(stmt):  # targets anywhere in this statement
            names.update(_bound(node))


def _bound(node: ast.AST) -> list[str]:
    """The names one node binds in the scope it is in."""
    if isinstance(node, ast.Name):
        return [node.id] if isinstance(node.ctx, ast.Store) else []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Import):
        return [a.asname or a.name.split(".")[0] for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [a.asname or a.name for a in node.names]
    # an except clause's name, a match pattern's capture (`case {"a": x, **rest}`)
    name = getattr(node, "name", None) if isinstance(node, ast.ExceptHandler) or type(
        node).__name__ in ("MatchAs", "MatchStar") else getattr(node, "rest", None) if type(
        node).__name__ == "MatchMapping" else None
    return [name] if isinstance(name, str) else []
