"""The project's own code, as far as loading an artifact is concerned.

An artifact may hold instances of the project's classes (`churn.features.TenureBucketizer`).
Loading it needs the folder that holds `churn/` importable, and the static scan needs those
classes allowed. Both are explicit:

- import roots: `[tool.mlgate.artifact] pythonpath` (relative to the pyproject.toml), then the
  artifact's own project folder (the nearest folder above it with a pyproject.toml, setup.py
  or setup.cfg) and its `src/`, then the repository root. The loader appends them *after*
  site-packages, so a committed `sklearn/` folder never shadows the installed one;
- trusted modules: `[tool.mlgate.artifact] trust-modules = ["churn.features"]` allows the
  classes that module *defines* (read with `ast`, never imported), not the names it imports.
"""

from __future__ import annotations

import os

from mlgate.finding import UsageError

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
RENAMED_HINT = ("restore the project's code the artifact names, or re-train and dump the model"
                " with the current code")


def project_folder(artifact: str, repo_root: str) -> str:
    """The nearest folder above the artifact that looks like a Python project's root."""
    folder = os.path.dirname(os.path.realpath(artifact))
    repo_root = os.path.realpath(repo_root)
    while folder.startswith(repo_root) and folder != repo_root:
        if any(os.path.isfile(os.path.join(folder, name)) for name in PROJECT_FILES):
            return folder
        folder = os.path.dirname(folder)
    return repo_root


def import_roots(artifact: str, configured: list[str], config_root: str,
                 repo_root: str) -> list[str]:
    roots = [os.path.realpath(os.path.join(config_root, p)) for p in configured]
    project = project_folder(artifact, repo_root)
    top = os.path.realpath(repo_root)
    # then the folder that holds the package the artifact is saved in
    # (`pkg/trained_models/model.pkl`, with `pkg/__init__.py`: the folder above `pkg`), and
    # the project's folder as mlgate was given it: where `python -m` would import from, in
    # a project with no pyproject.toml or setup.py to mark it
    for candidate in (project, os.path.join(project, "src"), top,
                      _package_holder(artifact), os.path.realpath(config_root)):
        if (candidate and os.path.isdir(candidate) and candidate not in roots
                and (candidate == top or candidate.startswith(top.rstrip(os.sep) + os.sep))):
            roots.append(candidate)
    return roots


def _package_holder(artifact: str) -> str | None:
    """The folder above the outermost package (a folder with __init__.py) that holds the
    artifact, or None when its folder is no package."""
    folder = os.path.dirname(os.path.realpath(artifact))
    holder = None
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        holder, folder = parent, parent
    return holder


def module_file(module: str, roots: list[str]) -> str | None:
    parts = module.split(".")
    for root in roots:
        base = os.path.join(root, *parts)
        for candidate in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(candidate):
                return candidate
    return None


def defined_classes(path: str) -> list[str]:
    """Qualified names of the classes a module defines (nested ones too), from its source."""
    return defined_names(path)[0]


def defined_names(path: str) -> tuple[list[str], list[str]]:
    """(qualified names of the classes a module defines, nested ones too; the functions it
    defines at its top level), from its source."""
    import ast  # only when the project's code is consulted
    with open(path, "rb") as handle:
        tree = ast.parse(handle.read(), filename=path)
    classes: list[str] = []
    functions: list[str] = []

    def visit(body: list, prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                classes.append(prefix + node.name)
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, ast.FunctionDef) and not prefix:
                functions.append(node.name)
            elif isinstance(node, (ast.If, ast.Try)):  # `if TYPE_CHECKING:`, try/except imports
                for block in (node.body, node.orelse, getattr(node, "finalbody", []),
                              *(h.body for h in getattr(node, "handlers", []))):
                    visit(block, prefix)

    visit(tree.body, "")
    return classes, functions


MAX_SOURCES = 20000  # tracked source files looked through for a function's uses
MAX_SOURCE_BYTES = 4 * 1024 * 1024  # a larger file is not read for them


def _used_as_value(name: str, files: list[str]) -> bool:
    """Whether any of `files` uses `name` as a value: a name or attribute read that is not
    the function of a call (a notebook's code cells are read as one module each)."""
    import ast
    import json
    import warnings

    wanted = name.encode()
    for path in files:
        try:
            if os.path.islink(path) or os.path.getsize(path) > MAX_SOURCE_BYTES:
                continue
            with open(path, "rb") as handle:
                data = handle.read(MAX_SOURCE_BYTES + 1)
        except OSError:
            continue
        if wanted not in data:
            continue
        sources: list[bytes | str] = [data]
        if path.endswith(".ipynb"):
            try:
                cells = json.loads(data).get("cells") or []
                sources = ["".join(c.get("source") or "") if isinstance(
                    c.get("source"), list) else str(c.get("source") or "")
                    for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
            except (ValueError, AttributeError, TypeError, RecursionError):
                continue
        for source in sources:
            if isinstance(source, str):  # IPython's magics and shell lines are no Python
                source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                    for line in source.splitlines())
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(source)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                continue
            called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
            for node in ast.walk(tree):
                if id(node) in called:
                    continue
                if (isinstance(node, ast.Name) and node.id == name and isinstance(
                        node.ctx, ast.Load)) or (isinstance(node, ast.Attribute)
                                                 and node.attr == name
                                                 and isinstance(node.ctx, ast.Load)):
                    return True
    return False


def trusted_pairs(modules: list[str], roots: list[str]) -> set[tuple[str, str]]:
    """(module, class) for every class the trusted modules define; exit 2 if one is missing."""
    pairs: set[tuple[str, str]] = set()
    for module in modules:
        path = module_file(module, roots)
        if path is None:
            raise UsageError(
                f"[tool.mlgate.artifact] trust-modules: {module} is not under any import root"
                f" ({', '.join(roots)}); add its folder to [tool.mlgate.artifact] pythonpath")
        try:
            names = defined_classes(path)
        except (OSError, SyntaxError, ValueError) as exc:
            raise UsageError(f"[tool.mlgate.artifact] trust-modules: cannot read {path}:"
                             f" {exc}") from None
        pairs.update((module, name) for name in names)
    return pairs


def in_repository(module: str, listed: list[str]) -> str | None:
    """The repository folder to make importable for a top-level `module`, if the repository
    holds it (`examples/churn` for `examples/churn/churn/__init__.py`); '.' for the root."""
    top = module.split(".")[0]
    for path in listed:
        parts = path.replace(os.sep, "/").split("/")
        if parts[-1] == f"{top}.py":
            return "/".join(parts[:-1]) or "."
        if parts[-1] == "__init__.py" and len(parts) >= 2 and parts[-2] == top:
            return "/".join(parts[:-2]) or "."
    return None


class ProjectClasses:
    """The project's own estimators, found without configuration: `(module, class)` names a
    class that a git-tracked module under the import roots defines at its top level (read
    with `ast`, never imported here). The scan lets such a pair through as pending, in the
    plain form only (NEWOBJ with no arguments, then an attribute dict:
    `ecosystem.call_problem`), and the probe verifies the class before anything is
    unpickled (`probe_script.ecosystem.verify_project_class`). Called with the tracked file's
    path as the answer, or None.

    Also a function such a module defines at its top level (`FunctionTransformer(clean)`
    keeps one as `func`): only ever as a value, never called by the stream nor handed to a
    call (`functions`, checked at the end of the scan), and verified in the probe as a plain
    function of that file."""

    def __init__(self, roots: list[str], repo_root: str) -> None:
        self.roots = roots
        self.repo_root = os.path.realpath(repo_root)
        self.consulted = False  # a verdict that asked depends on what git tracks
        self._names: dict[str, tuple[list[str], list[str]]] = {}
        self.functions: set[tuple[str, str]] = set()
        # functions of the project its code never uses as a value: refused, and said why
        self.unused: set[tuple[str, str]] = set()
        self._values: dict[str, bool] = {}
        self._source_files: list[str] | None = None

    def __call__(self, module: str, name: str) -> str | None:
        self.consulted = True
        parts = module.split(".")
        if not name.isidentifier() or name.startswith("__") or not all(
                p.isidentifier() and not p.startswith("__") for p in parts):
            return None
        path = module_file(module, self.roots)
        if path is None:
            return None
        real = os.path.realpath(path)
        # Project code is a regular file git tracks, reached without a symlink: a tracked
        # link (`churn/features.py -> ...`, or a linked folder) can be repointed, and what
        # was read here would not be what the probe imports.
        if (real != os.path.normpath(os.path.abspath(path))
                or not real.startswith(self.repo_root + os.sep) or not self._tracked(real)):
            return None
        if real not in self._names:
            try:
                self._names[real] = defined_names(real)
            except (OSError, SyntaxError, ValueError):
                self._names[real] = ([], [])
        classes, functions = self._names[real]
        if name in functions and name not in classes:
            if not self._kept_as_value(name):
                self.unused.add((module, name))
                return None
            self.functions.add((module, name))
            return real
        return real if name in classes else None

    def _kept_as_value(self, name: str) -> bool:
        """Whether the project's tracked code (.py, .ipynb) uses the function `name` as a
        value somewhere (`FunctionTransformer(clean)`, `func=clean`, `{"prep": clean}`,
        `features.clean`), not only calls it: what a model may keep is what the code that
        built it handed over. A vendored helper that is only ever called
        (`versioneer.git_pieces_from_vcs`, red team 44 F2) is no value a model keeps."""
        if name not in self._values:
            self._values[name] = _used_as_value(name, self._sources())
        return self._values[name]

    def _sources(self) -> list[str]:
        if self._source_files is None:
            from mlgate.files import _ls_files

            listed = _ls_files(".", "--cached", cwd=self.repo_root) or set()
            self._source_files = sorted(
                os.path.join(self.repo_root, n) for n in listed
                if n.endswith((".py", ".ipynb")))[:MAX_SOURCES]
        return self._source_files

    def defining(self, name: str) -> tuple[str, str] | None:
        """(file, dotted module) of a tracked module under the import roots that defines
        `name` at its top level: where a class pickled from `__main__` already lives (new-user
        trial 44 F4: a Streamlit app imported its transformers from
        src/custom_transformers.py, and the pickle of a notebook that defined them again
        named `__main__`)."""
        self.consulted = True
        if not name.isidentifier():
            return None
        needles = (f"class {name}".encode(), f"def {name}".encode())
        for path in self._sources():
            if not path.endswith(".py") or os.path.islink(path):
                continue
            try:
                with open(path, "rb") as handle:
                    data = handle.read(MAX_SOURCE_BYTES)
                if not any(n in data for n in needles):
                    continue
                classes, functions = defined_names(path)
            except (OSError, SyntaxError, ValueError):
                continue
            if name not in classes and name not in functions:
                continue
            for root in self.roots:  # (in import order: the project's folder first)
                relative = os.path.relpath(path, root)
                parts = relative[:-3].split(os.sep)
                if parts[-1] == "__init__":
                    parts.pop()
                if parts and not relative.startswith(os.pardir) and all(
                        p.isidentifier() for p in parts):
                    return os.path.relpath(path, self.repo_root), ".".join(parts)
        return None

    def missing(self, module: str, name: str) -> tuple[str, str] | None:
        """(rule code, why; the hint is RENAMED_HINT) when `module.name` reads as the
        project's code that is no longer there: its top-level package is the project's,
        tracked, but the module or the class in it is not (deleted or renamed since the
        artifact was dumped). It cannot load with this code; allowing the name won't help."""
        from mlgate.codes import ARTIFACT_CLASS_MISSING, ARTIFACT_IMPORT_FAILS

        parts = module.split(".")
        if len(parts) < 2 or not all(p.isidentifier() for p in parts):
            return None
        package = module_file(parts[0], self.roots)
        if package is None or os.path.basename(package) != "__init__.py" or not self._tracked(
                os.path.realpath(package)):
            return None
        path = module_file(module, self.roots)
        if path is None or not self._tracked(os.path.realpath(path)):
            return (ARTIFACT_IMPORT_FAILS, f"the project's package {parts[0]} has no module"
                    f" {module} (deleted or renamed since the artifact was dumped?)")
        try:
            classes, functions = defined_names(os.path.realpath(path))
        except (OSError, SyntaxError, ValueError):
            return None
        if name not in classes and name not in functions:
            return (ARTIFACT_CLASS_MISSING, f"the project's module {module} defines no {name}"
                    " (renamed or removed since the artifact was dumped?)")
        return None

    def _tracked(self, path: str) -> bool:
        import subprocess

        from mlgate.files import GIT

        try:
            proc = subprocess.run([*GIT, "ls-files", "-z", "--cached", "--", path],
                                  cwd=self.repo_root, capture_output=True, check=False,
                                  timeout=60)
        except (OSError, subprocess.SubprocessError):
            return False
        return proc.returncode == 0 and bool(proc.stdout.strip(b"\0"))
