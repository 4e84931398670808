"""What a path expression in the project's serving code names, read with `ast`.

A model path reaches a loader through the names real services use (red team 45 F1, new-user
trial 45 F1): a constant of the project's `config.py` (`from app.config import MODEL_PATH`,
`config.MODEL_PATH`), a settings object's field (`class Settings(BaseSettings): model_path =
"models/m.joblib"`, read as `settings.model_path`, overridden by a tracked `.env` or the
Dockerfile's `ENV`), a dataclass default, `self.model_path` set in `__init__`, a parameter's
default or the arguments its callers pass, `A if cond else B`, `path or DEFAULT`, a dict of
paths, `.format`/`%`, `os.sep`, `with_suffix`, a `glob` of a folder.

A value is a set of candidates, each ("rel", path from the working folder), ("abs", path
from `__file__`), ("tail", the part after a folder chosen at run time), ("const-abs", an
absolute literal or a URI) or None (not known). Every evaluation is memoised per node and
context, and the whole scan has a work budget: crafted sources cost linear time (red team
45 F5: a self-referencing join of 30 arguments took 847 s).
"""

from __future__ import annotations

import ast
import os
import posixpath

MAX_VALUES = 8  # candidates kept per expression
BUDGET = 200_000  # evaluation steps for the whole scan
MAX_DEPTH = 40  # nested evaluations (a chain of names through modules)
GLOB_CHARS = frozenset("*?[")

Value = tuple  # (kind, text)


class Module:
    """One parsed source file and the tables its names are looked up in."""

    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path, self.tree = path, tree
        self.real = os.path.realpath(path)
        self.aliases = _aliases(tree)
        self.owner: dict[int, ast.AST] = {}  # id(node) -> innermost function holding it
        self.assigns: dict[int, dict[str, list[tuple[int, ast.expr]]]] = {}  # per scope
        self.opens: dict[int, dict[str, list[tuple[int, ast.expr]]]] = {}
        _owners(tree, self.owner)

    def function_of(self, node: ast.AST) -> ast.AST | None:
        return self.owner.get(id(node))

    def table(self, scope: ast.AST | None) -> dict[str, list[tuple[int, ast.expr]]]:
        key = id(scope)
        if key not in self.assigns:
            if scope is None:
                self.assigns[key] = _assignments(self.tree.body, deep=False)
            else:
                self.assigns[key] = _assignments([scope], deep=True)
        return self.assigns[key]

    def open_table(self, scope: ast.AST | None) -> dict[str, list[tuple[int, ast.expr]]]:
        key = id(scope)
        if key not in self.opens:
            self.opens[key] = _opens(scope if scope is not None else self.tree)
        return self.opens[key]


class Project:
    """The serving modules, their attributes and calls, and the environment a tracked
    `.env` or a Dockerfile's `ENV` sets: what a name may stand for anywhere in them."""

    def __init__(self, modules: list[Module], env: dict[str, str], module_file,
                 others=None, read=None) -> None:
        self.modules = modules
        # (kind, path) -> the bytes of that file, when the repository lists it: the config
        # documents a path may be read from (None: no file is read)
        self.read = read
        self._documents_read: dict[tuple, object] = {}
        self.env = env
        self.module_file = module_file  # (level, dotted name, importer) -> listed path
        # callee name -> the other Python files' modules that call it (a batch script's
        # `ModelPredictor("models/model.pkl")`): read when a parameter asks
        self.others = others or _no_others
        self._asked: set[str] = set()
        self.by_path = {m.path: m for m in modules}
        self.attrs: dict[str, list[tuple[Module, ast.AST | None, ast.expr]]] = {}
        self.calls: dict[str, list[tuple[Module, ast.Call]]] = {}
        self.steps = 0
        self.exhausted = False
        self._memo: dict[tuple[int, int, int], frozenset] = {}
        # a call whose returned value is being evaluated: its function's parameters are
        # that call's arguments only (red team 46: `def artifact(name): return
        # os.path.join(DIR, name)` made every caller's name the model's)
        self._only: dict[str, tuple[Module, ast.Call]] = {}
        self._context = 0  # part of the memo's key: a value under one call is its own
        self._contexts = 0
        # argparse options' defaults by destination, read through `args.NAME`
        self.arguments: dict[str, list[tuple[Module, ast.AST | None, ast.expr]]] = {}
        self._busy: set[tuple[int, int, int]] = set()
        for module in modules:
            self._index(module)

    def _index(self, module: Module, calls_only: bool = False) -> None:
        for node in ast.walk(module.tree):
            if calls_only and not isinstance(node, ast.Call):
                continue
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:  # class attributes, dataclass and settings fields
                    for name, value in _targets(stmt):
                        self.attrs.setdefault(name, []).append((module, None, value))
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                value = node.value
                if value is None:
                    continue
                for target in targets:  # self.model_path = ...
                    if isinstance(target, ast.Attribute) and isinstance(
                            target.value, ast.Name) and target.value.id in ("self", "cls"):
                        self.attrs.setdefault(target.attr, []).append(
                            (module, module.function_of(node), value))
            elif isinstance(node, ast.Call):
                callee = node.func.attr if isinstance(node.func, ast.Attribute) else (
                    node.func.id if isinstance(node.func, ast.Name) else None)
                if callee:
                    self.calls.setdefault(callee, []).append((module, node))
                if callee == "add_argument":
                    # `parser.add_argument("--model", default=...)`: `args.model` is the
                    # default when the command line leaves it out (red team 45)
                    dest, default = _argument_default(node)
                    if dest is not None and default is not None:
                        self.arguments.setdefault(dest, []).append(
                            (module, module.function_of(node), default))

    # --- evaluation -----------------------------------------------------------------------

    def value(self, module: Module, node: ast.expr | None, scope: ast.AST | None,
              depth: int = 0) -> frozenset:
        """The candidates `node` (in `module`, inside function `scope`) may be."""
        if node is None:
            return _UNKNOWN
        key = (id(node), id(scope), self._context)
        if key in self._memo:
            return self._memo[key]
        self.steps += 1
        if self.steps > BUDGET or depth > MAX_DEPTH or key in self._busy:
            self.exhausted = self.exhausted or self.steps > BUDGET
            return _UNKNOWN
        self._busy.add(key)
        try:
            found = self._value(module, node, scope, depth + 1)
        finally:
            self._busy.discard(key)
        found = _capped(found)
        self._memo[key] = found
        return found

    def _value(self, module: Module, node: ast.expr, scope, depth: int) -> frozenset:
        value = self.value
        if isinstance(node, ast.Constant):
            return frozenset([_literal(node.value)])
        if isinstance(node, ast.Name):
            return self._name(module, node, scope, depth)
        if isinstance(node, ast.JoinedStr):
            results = frozenset([("rel", "")])
            for index, part in enumerate(node.values):
                if isinstance(part, ast.FormattedValue):
                    if part.conversion not in (-1, 115) or part.format_spec is not None:
                        return _UNKNOWN
                    right = value(module, part.value, scope, depth)
                else:
                    right = frozenset([_fragment(part, index == 0)])
                results = _combine(_concat, results, right)
            return results
        if isinstance(node, ast.BinOp):
            left = value(module, node.left, scope, depth)
            if isinstance(node.op, ast.Div):
                return _combine(lambda a, b: _join([a, b]), left,
                                value(module, node.right, scope, depth))
            if isinstance(node.op, ast.Add):
                fragment = _fragment(node.right, False)
                right = frozenset([fragment]) if fragment is not None else value(
                    module, node.right, scope, depth)
                return _combine(_concat, left, right)
            if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and \
                    isinstance(node.left.value, str):
                parts = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
                return self._formatted(module, node.left.value, parts, {}, scope, depth,
                                       percent=True)
            return _UNKNOWN
        if isinstance(node, ast.IfExp):
            return value(module, node.body, scope, depth) | value(module, node.orelse, scope,
                                                                  depth)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            found: frozenset = frozenset()
            for operand in node.values:
                found |= value(module, operand, scope, depth)
            return found
        if isinstance(node, ast.NamedExpr):
            return value(module, node.value, scope, depth)
        if isinstance(node, ast.Attribute):
            return self._attribute(module, node, scope, depth)
        if isinstance(node, ast.Subscript):
            return self._subscript(module, node, scope, depth)
        if isinstance(node, ast.Call):
            return self._call(module, node, scope, depth)
        return _UNKNOWN

    def _name(self, module: Module, node: ast.Name, scope, depth: int) -> frozenset:
        name = node.id
        if name == "__file__":
            return frozenset([("abs", module.real)])
        if scope is not None:
            bindings = [(at, v) for at, v in module.table(scope).get(name, ())
                        if at <= node.lineno]
            while bindings and _contains(bindings[-1][1], node):
                bindings.pop()  # `path = path or DEFAULT`: the name before that line
            if bindings:
                return self.value(module, bindings[-1][1], scope, depth)
            parameter = _parameter(scope, name)
            if parameter is not None:
                return self._parameter(module, scope, parameter, depth)
        if name in module.aliases and "." in module.aliases[name]:
            imported = self._imported(module, name, depth)
            if imported is not None:
                return imported
        line = node.lineno if scope is None else 1 << 30  # (a function runs after them all)
        bound = _last(module.table(None).get(name, ()), line)
        if bound is not None:
            return self.value(module, bound, None, depth)
        return _UNKNOWN

    def _imported(self, module: Module, name: str, depth: int) -> frozenset | None:
        """`from app.config import MODEL_PATH`: the value the project module gives it."""
        level, dotted = _level(module.aliases[name])
        source, _, attr = dotted.rpartition(".")
        other = self._module(level, source, module)
        if other is None:
            return None
        bound = _last(other.table(None).get(attr, ()), 1 << 30)
        return self.value(other, bound, None, depth) if bound is not None else None

    def _module(self, level: int, dotted: str, importer: Module) -> Module | None:
        path = self.module_file(level, dotted, importer.path)
        return self.by_path.get(path) if path else None

    def _parameter(self, module: Module, function, parameter: tuple, depth: int) -> frozenset:
        """A parameter: its default, and what the function's callers pass (by position,
        past `self`, or by keyword), each where it is written."""
        index, default, method, name = parameter
        found: frozenset = frozenset()
        calls = 0
        omitted = False  # some caller leaves the default in place
        callee = function.name
        if callee == "__init__":
            owner = _class_of(module, function)
            callee = owner.name if owner is not None else callee
        if callee not in self._asked:
            self._asked.add(callee)
            for other in self.others(callee):
                if other.path not in self.by_path:
                    self.by_path[other.path] = other
                    self._index(other, calls_only=True)
        only = self._only.get(function.name)
        for caller, call in [only] if only is not None else self.calls.get(callee, ()):
            if not self._calls_into(caller, call, module):
                continue  # `joblib.load(x)` is no call of the project's own `load`
            where = caller.function_of(call)
            argument = next((k.value for k in call.keywords if k.arg == name), None)
            if argument is None and index is not None:
                position = index - (1 if method else 0)
                if 0 <= position < len(call.args) and not any(
                        isinstance(a, ast.Starred) for a in call.args[:position + 1]):
                    argument = call.args[position]
            calls += 1
            if argument is not None:
                found |= self.value(caller, argument, where, depth)
            else:
                omitted = True
        # the default, when a caller uses it or no caller is known (a stale default that
        # every caller overrides is no path the service loads: a real project's
        # `ModelPredictor('models/model.pkl')` beside `model_path='models/old.pkl'`)
        if default is not None and (omitted or not calls):
            found |= self.value(module, default, module.function_of(function), depth)
        return found or _UNKNOWN

    def _calls_into(self, caller: Module, call: ast.Call, module: Module) -> bool:
        """Whether `call` may reach a function of `module`: not through a name another
        package's import binds (`joblib.load`, `from pickle import load`)."""
        head = call.func
        while isinstance(head, ast.Attribute):
            head = head.value
        if not isinstance(head, ast.Name) or head.id not in caller.aliases:
            return True  # a local object's method, or the module's own function
        level, dotted = _level(caller.aliases[head.id])
        target = self.module_file(level, dotted, caller.path)
        if target is None and dotted.rpartition(".")[0]:
            target = self.module_file(level, dotted.rpartition(".")[0], caller.path)
        return target == module.path

    def _attribute(self, module: Module, node: ast.Attribute, scope, depth: int) -> frozenset:
        attr = node.attr
        if attr == "parent":
            return _mapped(_dirname, self.value(module, node.value, scope, depth))
        if attr == "sep" and _qualified(node.value, module.aliases) in ("os", "os.path"):
            return frozenset([("rel", "/")])
        base = node.value
        if isinstance(base, ast.Name) and base.id in module.aliases:
            # `config.MODEL_PATH`, the module imported as a whole
            level, dotted = _level(module.aliases[base.id])
            other = self._module(level, dotted, module)
            if other is not None:
                bound = _last(other.table(None).get(attr, ()), 1 << 30)
                return self.value(other, bound, None, depth) if bound is not None else (
                    _UNKNOWN)
        if attr in self.arguments and self._parsed_arguments(module, base, scope):
            parsed: frozenset = frozenset()
            for owner, function, expr in self.arguments[attr][:MAX_VALUES * 2]:
                parsed |= self.value(owner, expr, function, depth)
            return parsed or _UNKNOWN
        candidates = self.attrs.get(attr, ())
        if isinstance(base, ast.Name) and base.id in ("self", "cls") and scope is not None:
            # `self.model_path` in a method: its own class's, when it sets one
            owner_class = _class_of(module, scope)
            own = [c for c in candidates if owner_class is not None and (
                c[1] in owner_class.body or any(c[2] is s.value for s in owner_class.body
                                                if isinstance(s, (ast.Assign, ast.AnnAssign))))]
            candidates = own or candidates
        found: frozenset = frozenset()
        for owner, function, expr in candidates[:MAX_VALUES * 2]:
            found |= self.value(owner, expr, function, depth)
        # a settings field reads the variable of its name (pydantic-settings, case-blind)
        for key in (attr.upper(), attr):
            if key in self.env:
                found |= frozenset([_literal(self.env[key])])
                break
        return found or _UNKNOWN

    def _subscript(self, module: Module, node: ast.Subscript, scope, depth: int) -> frozenset:
        index = node.slice
        if isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
            if isinstance(index, ast.Constant) and isinstance(index.value, int) and (
                    0 <= index.value < 16):
                found = _mapped(_dirname, self.value(module, node.value.value, scope, depth))
                for _ in range(index.value):
                    found = _mapped(_dirname, found)
                return found
            return _UNKNOWN
        if _qualified(node.value, module.aliases) == "os.environ":
            return self._environ(index, None, module, scope, depth)
        key = index.value if isinstance(index, ast.Constant) else None
        if isinstance(key, str):  # PATHS["model"], a dict literal the name is bound to
            bound = self._bound(module, node.value, scope)
            if isinstance(bound, ast.Dict):
                for k, v in zip(bound.keys, bound.values):
                    if isinstance(k, ast.Constant) and k.value == key:
                        return self.value(module, v, scope, depth)
            # CFG["model"]["path"] of a JSON, YAML or TOML file the code reads
            return frozenset(_literal(v) for v in self._documents(module, node, scope, depth)
                             if isinstance(v, str)) or _UNKNOWN
        # `sorted(glob(...))[-1]`: one of the files the pattern matches
        return frozenset(v for v in self.value(module, node.value, scope, depth)
                         if v is not None and GLOB_CHARS & set(v[1])) or _UNKNOWN

    def _bound(self, module: Module, node: ast.expr, scope) -> ast.expr | None:
        if not isinstance(node, ast.Name):
            return None
        table = module.table(scope) if scope is not None else module.table(None)
        bound = _last(table.get(node.id, ()), node.lineno)
        if bound is None and scope is not None:
            bound = _last(module.table(None).get(node.id, ()), 1 << 30)
        return bound

    def _environ(self, key_node, default, module: Module, scope, depth: int) -> frozenset:
        key = key_node.value if isinstance(key_node, ast.Constant) else None
        if isinstance(key, str) and key in self.env:
            return frozenset([_literal(self.env[key])])
        return self.value(module, default, scope, depth) if default is not None else _UNKNOWN

    def _formatted(self, module: Module, text: str, args: list, keywords: dict, scope,
                   depth: int, percent: bool = False) -> frozenset:
        """"models/model_{}.joblib".format(V), "models/%s.joblib" % V: one candidate per
        argument's first known value."""
        import re

        values = []
        for argument in args:
            known = sorted(v for v in self.value(module, argument, scope, depth)
                           if v is not None and v[0] == "rel")
            if not known:
                return _UNKNOWN
            values.append(known[0][1])
        named = {}
        for name, argument in keywords.items():
            known = sorted(v for v in self.value(module, argument, scope, depth)
                           if v is not None and v[0] == "rel")
            if not known:
                return _UNKNOWN
            named[name] = known[0][1]
        try:
            if percent:
                result = text % tuple(values)
            else:
                if re.search(r"\{[^{}]*[!:][^{}]*\}", text):
                    return _UNKNOWN
                result = text.format(*values, **named)
        except (IndexError, KeyError, TypeError, ValueError):
            return _UNKNOWN
        return frozenset([_literal(result)])

    def _call(self, module: Module, node: ast.Call, scope, depth: int) -> frozenset:
        name = _qualified(node.func, module.aliases) or ""
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        args = self._unstarred(module, node.args, scope)
        if args is None:
            return _UNKNOWN
        value = self.value

        def each(nodes) -> list[frozenset]:
            return [value(module, a, scope, depth) for a in nodes]

        if name.endswith("path.join"):
            return _combine_all(_join, each(args))
        if name in ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "Path",
                    "PurePath", "PosixPath"):
            return _combine_all(_join, each(args)) if args else frozenset([("rel", ".")])
        if name.endswith("path.dirname") and len(args) == 1:
            return _mapped(_dirname, value(module, args[0], scope, depth))
        if (name.endswith(("path.abspath", "path.realpath", "path.normpath",
                           "path.expanduser")) or name in (
                "str", "os.fspath", "sorted", "list", "max", "min", "reversed")) and args:
            return value(module, args[0], scope, depth)
        if name in ("os.getcwd", "pathlib.Path.cwd", "Path.cwd"):
            return frozenset([("rel", ".")])
        if name in ("glob.glob", "glob.iglob"):
            return value(module, args[0], scope, depth) if args else _UNKNOWN
        if name in ("os.getenv", "os.environ.get", "getenv", "os.environ.setdefault") or (
                method == "get" and isinstance(node.func, ast.Attribute)
                and _qualified(node.func.value, module.aliases) == "os.environ"):
            default = args[1] if len(args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "default"), None)
            return self._environ(args[0] if args else None, default, module, scope, depth)
        if name.rsplit(".", 1)[-1] in ("Field", "field"):  # pydantic / dataclass defaults
            default = args[0] if args else next(
                (k.value for k in node.keywords if k.arg == "default"), None)
            return value(module, default, scope, depth) if default is not None else _UNKNOWN
        if isinstance(node.func, ast.Attribute):
            base = node.func.value
            if method in ("resolve", "absolute", "expanduser") and not args:
                return value(module, base, scope, depth)
            if method == "joinpath":
                return _combine_all(_join, [value(module, base, scope, depth), *each(args)])
            if method in ("glob", "rglob") and args:
                return _combine_all(_join, [value(module, base, scope, depth), *each(args)])
            if method == "with_suffix" and len(args) == 1 and isinstance(
                    args[0], ast.Constant) and isinstance(args[0].value, str):
                return _mapped(lambda v: _with_suffix(v, args[0].value),
                               value(module, base, scope, depth))
            if method == "format" and isinstance(base, ast.Constant) and isinstance(
                    base.value, str):
                return self._formatted(module, base.value, list(args),
                                       {k.arg: k.value for k in node.keywords if k.arg},
                                       scope, depth)
            if method == "get" and args and isinstance(args[0], ast.Constant) and isinstance(
                    args[0].value, str):  # CFG.get("model_path", default) of a document
                found = frozenset(_literal(v) for v in self._documents(module, node, scope,
                                                                          depth)
                                  if isinstance(v, str))
                if found:  # (the document has the key: its default is not used)
                    return found
        returned = self._returned(module, node, scope, depth)
        if returned is not None:
            return returned
        # a settings reader of a variable: `config("MODEL_PATH", default=...)` (starlette,
        # python-decouple): the tracked .env's value, else the default
        if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str) and (
                args[0].value.isupper()):
            default = args[1] if len(args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "default"), None)
            return self._environ(args[0], default, module, scope, depth)
        return _UNKNOWN


    def _documents(self, module: Module, node: ast.expr | None, scope, depth: int) -> list:
        """What `node` may be in a config document the code parses: `json.load(open(P))`,
        `yaml.safe_load(f)` of `with open(P) as f`, `tomllib.loads(Path(P).read_text())`,
        a name bound to one, and its `[key]` / `.get(key)` (red team 45: a JSON config's
        key named the model, and MLG313 stayed silent)."""
        self.steps += 1
        if node is None or self.read is None or self.steps > BUDGET or depth > MAX_DEPTH:
            return []
        if isinstance(node, ast.Name):
            bound, where = self._bound_where(module, node, scope)
            return self._documents(module, bound, where, depth + 1)
        key = None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key, inner = node.slice.value, node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                node.func.attr == "get" and node.args and isinstance(node.args[0], ast.Constant)):
            key, inner = node.args[0].value, node.func.value
        if isinstance(key, str):
            return [part[key] for part in self._documents(module, inner, scope, depth + 1)
                    if isinstance(part, dict) and key in part]
        if not isinstance(node, ast.Call) or not node.args:
            return []
        kind = DOCUMENT_READERS.get(_qualified(node.func, module.aliases) or "")
        path = opened(node.args[0], module, scope, node.lineno) if kind else None
        found = []
        for value in self.value(module, path, scope, depth) if path is not None else ():
            if value is not None and (value, kind) not in self._documents_read:
                self._documents_read[(value, kind)] = _parsed(self.read(value), kind)
            document = self._documents_read.get((value, kind))
            if document is not None:
                found.append(document)
        return found

    def _returned(self, module: Module, call: ast.Call, scope, depth: int
                  ) -> frozenset | None:
        """What a project function returns, when `call` calls one: `joblib.load(
        model_path())`, `joblib.load(latest())` of a `sorted(Path(d).glob("*.pkl"))[-1]`
        (new-user trial 46 F2: the newest model of a folder, found by a helper, was a
        git-ignored one, and the audit READY). None when `call` calls no such function."""
        found = self._callee(module, call.func, scope)
        if found is None:
            return None
        owner, function = found
        values: frozenset = frozenset()
        saved = self._only.get(function.name), self._context
        self._only[function.name] = (module, call)
        self._contexts += 1
        self._context = self._contexts
        try:
            for node in _returns(function):
                values |= self.value(owner, node.value, function, depth)
        finally:
            if saved[0] is None:
                del self._only[function.name]
            else:
                self._only[function.name] = saved[0]
            self._context = saved[1]
        return values or _UNKNOWN

    def _callee(self, module: Module, func: ast.expr, scope):
        """(module, function definition) a call's name reaches in the project: a function
        of this module (or of the function around the call), one imported from a project
        module, `helpers.f` of a project module imported whole, `self.f` of the class."""
        if isinstance(func, ast.Name):
            for where in ([scope] if scope is not None else []) + [module.tree]:
                for stmt in getattr(where, "body", []):
                    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                            stmt.name == func.id):
                        return module, stmt
            if func.id in module.aliases and "." in module.aliases[func.id]:
                level, dotted = _level(module.aliases[func.id])
                source, _, attr = dotted.rpartition(".")
                other = self._module(level, source, module)
                if other is not None:
                    return self._callee(other, ast.Name(id=attr), None)
            return None
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
            return None
        base = func.value.id
        if base in ("self", "cls") and scope is not None:
            owner = _class_of(module, scope)
            for stmt in owner.body if owner is not None else []:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                        stmt.name == func.attr):
                    return module, stmt
            return None
        if base in module.aliases:
            level, dotted = _level(module.aliases[base])
            other = self._module(level, dotted, module)
            if other is not None:
                return self._callee(other, ast.Name(id=func.attr), None)
        return None

    def _parsed_arguments(self, module: Module, base: ast.expr, scope) -> bool:
        """Whether `base` is what argparse parsed: a name bound to `parser.parse_args()`
        (or `parse_known_args()[0]`), or one named as argparse's results are (`args`,
        `opts`, `options`) that no assignment here binds (a parameter): never a settings
        object whose field shares an option's name (red team 46)."""
        if not isinstance(base, ast.Name):
            return False
        bound, _ = self._bound_where(module, base, scope)
        if isinstance(bound, ast.Subscript):
            bound = bound.value
        if isinstance(bound, ast.Call) and isinstance(bound.func, ast.Attribute):
            return bound.func.attr in ("parse_args", "parse_known_args")
        return bound is None and base.id in ("args", "opts", "options", "arguments")

    def _bound_where(self, module: Module, node: ast.Name, scope):
        """The expression a name is bound to, and the scope it is evaluated in."""
        if scope is not None:
            bound = _last(module.table(scope).get(node.id, ()), node.lineno)
            if bound is not None:
                return bound, scope
        return _last(module.table(None).get(node.id, ()), 1 << 30), None

    def _unstarred(self, module: Module, args: list, scope) -> list | None:
        """The arguments with `*PARTS` spelled out, when PARTS is a list or tuple literal
        (`os.path.join(*PARTS)`, red team 45); None when a starred one is not."""
        out: list = []
        for arg in args:
            if not isinstance(arg, ast.Starred):
                out.append(arg)
                continue
            bound = arg.value if isinstance(arg.value, (ast.List, ast.Tuple)) else self._bound(
                module, arg.value, scope)
            if not isinstance(bound, (ast.List, ast.Tuple)) or any(
                    isinstance(e, ast.Starred) for e in bound.elts):
                return None
            out.extend(bound.elts)
        return out


_UNKNOWN: frozenset = frozenset([None])


def opened(argument: ast.expr, module: Module, function, line: int):
    """The path of the file a loader reads, when it is given an open file or its bytes:
    `pickle.load(open(P, "rb"))`, a name bound by `with open(P, "rb") as f`,
    `pickle.loads(Path(P).read_bytes())`, `open(P, "rb").read()`."""
    call = argument
    if isinstance(argument, ast.Name):
        bound = [(at, value) for at, value in module.open_table(function).get(argument.id, ())
                 if at <= line]
        if not bound:
            return None
        call = bound[-1][1]
    if not isinstance(call, ast.Call):
        return None
    if isinstance(call.func, ast.Attribute) and call.func.attr in (
            "read_bytes", "read_text", "read") and not call.args:
        inner = call.func.value
        if call.func.attr != "read":
            return inner  # `Path(P).read_bytes()`: the path is the Path's
        return opened(inner, module, function, line)  # `open(P, "rb").read()`, `f.read()`
    name = _qualified(call.func, module.aliases) or ""
    if name in ("open", "io.open", "builtins.open", "gzip.open", "bz2.open", "lzma.open") and (
            call.args):
        return call.args[0]
    if isinstance(call.func, ast.Attribute) and call.func.attr == "open":
        return call.func.value  # `Path(P).open("rb")`
    return None


# Parsers of the config documents a served path may be read from.
DOCUMENT_READERS = {"json.load": "json", "json.loads": "json", "yaml.safe_load": "yaml",
                    "yaml.load": "yaml", "yaml.full_load": "yaml", "tomllib.load": "toml",
                    "tomllib.loads": "toml", "tomli.load": "toml", "tomli.loads": "toml",
                    "toml.load": "toml", "toml.loads": "toml"}
MAX_DOCUMENT = 1 << 20


def _parsed(data: bytes | None, kind: str | None) -> object:
    if data is None or len(data) > MAX_DOCUMENT:
        return None
    text = data.decode("utf-8", "replace")
    try:
        if kind == "json":
            import json

            return json.loads(text)
        if kind == "toml":
            from mlgate.toml_read import loads

            return loads(text)
    except (ValueError, RecursionError):
        return None
    return _yaml_mapping(text) if kind == "yaml" else None


def _yaml_mapping(text: str) -> dict:
    """The block mappings of plain or quoted scalars in a YAML document, by indentation: how
    a config.yaml names a model file (no YAML parser is at hand without the project's
    environment). Lists, anchors, flow collections and multi-line scalars are left out."""
    root: dict = {}
    stack: list[tuple[int, dict]] = [(-1, root)]
    block = None  # the indentation of a `key: |` or `key: >` whose text lines follow
    for raw in text.splitlines()[:10_000]:
        line = raw.split(" #", 1)[0].rstrip()
        body = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if block is not None:
            if not body or indent > block:
                continue  # a line of the block's text, never a key (red team 46)
            block = None
        if not body or body.startswith(("#", "-", "---", "...", "%")):
            continue
        key, sep, rest = body.partition(":")
        if not sep or (rest and not rest.startswith(" ")):
            continue
        if rest.strip()[:1] in ("|", ">"):
            block = indent
        while stack[-1][0] >= indent:
            stack.pop()
        parent, key, rest = stack[-1][1], key.strip().strip("'\""), rest.strip()
        if not rest:
            child: dict = {}
            parent[key] = child
            stack.append((indent, child))
        elif rest[0] not in "[{&*|>!":
            if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "'\"":
                rest = rest[1:-1]
            parent[key] = rest
    return root


def _argument_default(call: ast.Call) -> tuple[str | None, ast.expr | None]:
    """argparse's destination and default of an `add_argument` call: `dest=`, else the
    first long option (`--model-path` is `model_path`), else a positional name."""
    default = next((k.value for k in call.keywords if k.arg == "default"), None)
    dest = next((k.value.value for k in call.keywords if k.arg == "dest" and isinstance(
        k.value, ast.Constant) and isinstance(k.value.value, str)), None)
    names = [a.value for a in call.args if isinstance(a, ast.Constant)
             and isinstance(a.value, str)]
    if dest is None:
        dest = next((n[2:] for n in names if n.startswith("--")), None) or next(
            (n.lstrip("-") for n in names), None)
    dest = dest.replace("-", "_") if dest else None
    return (dest if dest and dest.isidentifier() else None), default


def _no_others(callee: str) -> list[Module]:
    return []


def _contains(tree: ast.AST, node: ast.AST) -> bool:
    return any(inner is node for inner in ast.walk(tree))


def _level(dotted: str) -> tuple[int, str]:
    """(relative import level, the rest): ".config.X" -> (1, "config.X")."""
    stripped = dotted.lstrip(".")
    return len(dotted) - len(stripped), stripped


def _capped(values: frozenset) -> frozenset:
    if len(values) <= MAX_VALUES:
        return values
    known = sorted((v for v in values if v is not None), key=repr)[:MAX_VALUES - 1]
    return frozenset([*known, None])


def _combine(function, left: frozenset, right: frozenset) -> frozenset:
    return _capped(frozenset(function(a, b) for a in left for b in right))


def _combine_all(function, values: list[frozenset]) -> frozenset:
    results: frozenset = frozenset([()])
    for options in values:
        results = frozenset((*r, o) for r in results for o in options)
        if len(results) > MAX_VALUES * MAX_VALUES:
            results = frozenset(sorted(results, key=repr)[:MAX_VALUES])
    return _capped(frozenset(function(list(r)) for r in results))


def _mapped(function, values: frozenset) -> frozenset:
    return frozenset(function(v) for v in values)


def _parameter(function, name: str) -> tuple | None:
    """(index among the positional parameters or None, its default, whether it is a
    method's, its keyword or None) when `name` is a parameter of `function`."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    method = bool(positional) and positional[0].arg in ("self", "cls")
    defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    for index, argument in enumerate(positional):
        if argument.arg == name:  # (by position, counting `self`: callers skip it)
            return (index, defaults[index], method,
                    name if index >= len(arguments.posonlyargs) else None)
    for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if argument.arg == name:
            return (None, default, method, name)
    return None


def _returns(function: ast.AST) -> list[ast.Return]:
    """The `return VALUE` statements of a function, not of the functions inside it."""
    found: list[ast.Return] = []
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(node)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                   ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return found


def _class_of(module: Module, function) -> ast.ClassDef | None:
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ClassDef) and function in node.body:
            return node
    return None


def _targets(stmt: ast.stmt):
    """(name, value) a class body statement binds."""
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and (
            stmt.value is not None):
        yield stmt.target.id, stmt.value
    elif isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                yield target.id, stmt.value


def _last(bound, line: int):
    values = [(at, value) for at, value in bound if at <= line]
    return values[-1][1] if values else None


def _assignments(nodes: list, deep: bool) -> dict[str, list[tuple[int, ast.expr]]]:
    table: dict[str, list[tuple[int, ast.expr]]] = {}

    def add(target: ast.expr, value: ast.expr, line: int) -> None:
        if isinstance(target, ast.Name):
            table.setdefault(target.id, []).append((line, value))
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(
                value, (ast.Tuple, ast.List)) and len(target.elts) == len(value.elts):
            for inner, part in zip(target.elts, value.elts):  # MODEL, SCALER = "..", ".."
                add(inner, part, line)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add(target, node.value, node.lineno)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            add(node.target, node.value, node.lineno)
        elif isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(
                node.iter, (ast.List, ast.Tuple)) and node.iter.elts:
            # `for path in [A, B]:` may end on any of them: `A or B` stands for each
            either = ast.copy_location(ast.BoolOp(op=ast.Or(), values=list(
                node.iter.elts)), node.iter)
            add(node.target, either, node.lineno)

    for node in nodes:
        if deep:
            for inner in ast.walk(node):
                visit(inner)
        else:
            visit(node)
            if isinstance(node, (ast.If, ast.Try, ast.With, ast.For)):  # module-level blocks
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


def _owners(tree: ast.Module, owner: dict[int, ast.AST]) -> None:
    """id(node) -> the innermost function holding it, for every node of `tree`."""
    stack: list[tuple[ast.AST, ast.AST | None]] = [(tree, None)]
    while stack:
        node, function = stack.pop()
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                ast.Lambda)) else function
            if function is not None:
                owner[id(child)] = function
            stack.append((child, inner))


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> qualified name, from the module's imports (`import joblib as jl`,
    `from pickle import load`, `from .config import MODEL_PATH` -> ".config.MODEL_PATH")."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names.setdefault(top, top)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    joined = f"{base}.{alias.name}" if node.module else f"{base}{alias.name}"
                    names[alias.asname or alias.name] = joined
    names.setdefault("tf", "tensorflow")  # (as everyone imports it, resolved or not)
    return names


def _qualified(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """`jl.load` -> "joblib.load" through the module's imports; None for no dotted name."""
    from mlgate.contracts.pydantic_ast import _dotted

    parts = _dotted(node)
    if parts is None:
        return None
    return ".".join([aliases.get(parts[0], parts[0]), *parts[1:]])


def qualified(node: ast.expr, aliases: dict[str, str]) -> str | None:
    return _qualified(node, aliases)


def _fragment(node: ast.expr, first: bool):
    """A string constant that continues a path being concatenated: text, not a path."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return None
    if first:
        return _literal(node.value) if node.value else ("rel", "")
    return ("rel", node.value.replace("\\", "/"))


def _literal(value: object):
    if not isinstance(value, str) or not value or "\0" in value or len(value) > 4096:
        return None
    text = value.replace("\\", "/")
    if "://" in text or ":/" in text[:12] or text.startswith(("~", "/")) or (
            len(text) > 1 and text[1] == ":"):
        return ("const-abs", text)  # absolute, a URI, a home: not the repository's
    return ("rel", text)


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
        return ("const-abs", left[1] + right[1]) if right[0] == "rel" else None
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
        if kind in ("abs", "const-abs", "tail"):
            result = value
            continue
        if result is None:
            result = ("tail", text) if text.strip("/") else None
            continue
        result = (result[0], posixpath.join(result[1], text) if result[1] else text)
    return result


def _dirname(value):
    if value is None:
        return None
    kind, text = value
    if kind == "abs":
        return ("abs", os.path.dirname(text))
    if kind in ("rel", "const-abs"):
        return (kind, posixpath.dirname(text.rstrip("/")))
    if kind == "tail" and "/" in text.rstrip("/"):
        return ("tail", posixpath.dirname(text.rstrip("/")))
    return None


def _with_suffix(value, suffix: str):
    if value is None:
        return None
    kind, text = value
    head, tail = posixpath.split(text)
    stem = tail.rsplit(".", 1)[0] if "." in tail.lstrip(".") else tail
    return (kind, posixpath.join(head, stem + suffix) if head else stem + suffix)
