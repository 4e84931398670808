"""The model files the project's serving code loads, and whether mlgate checked them.

READY must mean that the model the service loads was checked (red team 44 F4, new-user
trial 44 F2): an API loading `models/model_v2.joblib`, which git ignores, beside a tracked
older `models/model.joblib` was READY on the old file; one loading `model.onnx` beside a
tracked pickle was READY with the ONNX model never named.

Serving code is read, never imported: the files that import a serving framework (FastAPI,
Flask, Streamlit, ...), are named as serving code (`app.py`, `serve.py`, `predict.py`, ...)
or are what a Dockerfile's CMD/ENTRYPOINT or a Procfile runs, and the project's modules
they import. Tests, notebooks (and their exports) and training scripts are not serving code.
In it, the calls that load a model (`joblib.load`, `pickle.load(open(...))`, `torch.load`,
`InferenceSession`, a library's `load_model`, `Booster(model_file=...)`), with their path
evaluated by `mlgate.artifacts.served_paths` (config modules, settings fields, `.env`,
parameters, ...). A path that evaluation cannot tell is not guessed; an absolute one is
mapped through a Dockerfile's COPY when the image puts the repository there.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
import sys

from mlgate.artifacts.served_paths import GLOB_CHARS, Module, Project, opened, qualified
from mlgate.codes import ARTIFACT_SERVED_UNCHECKED as SERVED_UNCHECKED
from mlgate.finding import Finding
from mlgate.lazy_re import LazyPattern

MAX_FILES = 1000  # serving files read; a larger tree's served models are declared
MAX_BYTES = 4 * 1024 * 1024  # a source file larger than this is no serving code we read

# Top-level modules whose import makes a file serving code.
SERVING_IMPORTS = (
    "fastapi", "flask", "streamlit", "gradio", "bentoml", "litserve", "starlette",
    "django", "sanic", "aiohttp", "tornado", "falcon", "quart", "litestar", "mlserver",
    "kserve", "seldon_core", "functions_framework", "uvicorn", "dash", "chainlit",
    "bottle", "cherrypy", "pyramid", "robyn", "flask_restful", "flask_restx", "ray.serve",
    "azure.functions", "http.server", "socketserver", "wsgiref", "grpc",
)
_SERVING_IMPORT_RE = LazyPattern(
    rb"^[ \t]*(?:import|from)[ \t]+(?:" + b"|".join(
        re.escape(m).encode() for m in SERVING_IMPORTS) + rb")\b", re.MULTILINE)
# File stems that name serving code whatever it imports (a batch scorer, a handler).
SERVING_STEMS = frozenset({
    "app", "api", "server", "serve", "service", "serving", "inference", "infer", "predict",
    "predictor", "prediction", "handler", "score", "scoring", "wsgi", "asgi",
    "streamlit_app", "model_loader", "endpoint", "endpoints", "deploy", "gunicorn.conf",
    "gunicorn_conf",
})
SERVING_WORDS = frozenset({"predict", "prediction", "predictions", "predictor", "inference",
                           "infer", "serve", "server", "serving", "service", "score",
                           "scoring", "scorer", "api", "app", "handler", "endpoint"})
# Loaders, by qualified name: where the path is (positional index, keyword names).
LOADERS: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "joblib.load": (0, ("filename",)),
    "pickle.load": (0, ("file",)),
    "pickle.loads": (0, ("data",)),
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
    "pandas.read_pickle": (0, ("filepath_or_buffer",)),  # red team 45: a model read so
}
# `load_model(path)` of these libraries (Keras, XGBoost's and CatBoost's estimators, MLflow
# with a local folder), or called on an object (`model.load_model("m.json")`): a hub or
# registry name (`whisper.load_model("base")`, `bentoml...load_model("clf:latest")`) is
# no file of the repository (red team 45 F6).
LOAD_MODEL_LIBRARIES = frozenset({"keras", "tensorflow", "tf", "xgboost", "catboost",
                                  "lightgbm", "mlflow", "torch"})
LOAD_MODEL: tuple[int | None, tuple[str, ...]] = (0, ("filepath", "fname", "model_uri",
                                                      "path"))
# Loaders that take an open file (or its bytes) as well as a path.
FILE_TAKERS = frozenset({"pickle.load", "pickle.loads", "_pickle.load", "cPickle.load",
                         "cloudpickle.load", "dill.load", "joblib.load", "torch.load"})
PICKLERS = FILE_TAKERS | {"pandas.read_pickle"}
# Folders of data, not models: a batch scorer reads its input there (red team 45 F7).
DATA_FOLDERS = frozenset({"data", "dataset", "datasets", "input", "inputs", "raw",
                          "processed", "interim", "features"})
_TOKENS = (b"load", b"InferenceSession", b"Booster", b"read_pickle")
_LOADER_CALL_RE = LazyPattern(
    rb"(?:\bload|\bloads|load_model|InferenceSession|Booster|read_pickle)\s*\(")


def calls_a_loader(data: bytes) -> bool:
    """Whether source text may call a loader (the hook's cheap test of a staged file)."""
    return bool(_LOADER_CALL_RE.search(data))


_TEST_FOLDERS = frozenset({"test", "tests", "testing"})
_NOTEBOOK_FOLDERS = frozenset({"notebook", "notebooks", "nb", "nbs"})
# Django's migrations; an environment's packages committed without their pyvenv.cfg
_NOT_CODE = frozenset({"migrations", "site-packages", "dist-packages", "node_modules"})


class Load:
    """One load of a spelled path: where (file, line, col), and the value found:
    ("rel", path from the working folder), ("abs", an absolute path, from `__file__` or a
    Dockerfile's COPY), or ("tail", the part after a folder chosen at run time)."""

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


def _serving_name(path: str) -> bool:
    """`app.py`, `serve.py`, `gunicorn.conf.py`, and a name with such a word in it
    (`main_predict.py`, `batch_scoring.py`, `model_server.py`)."""
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    return stem in SERVING_STEMS or bool(SERVING_WORDS & set(re.split(r"[_\-.]", stem)))


def _not_serving(path: str, data: bytes | None = None) -> bool:
    """Tests, notebooks and their exports, training scripts: never serving code, whatever
    they import (red team 45 F7: a `train.py` importing flask, `notebooks/predict.py`)."""
    posix = path.replace("\\", "/")
    parts = posix.lower().split("/")
    stem = os.path.splitext(parts[-1])[0]
    return (is_test_file(posix) or any(p in _NOTEBOOK_FOLDERS or p in _NOT_CODE
                                       for p in parts[:-1])
            or stem.startswith("train") or stem in ("fit", "tune", "tuning")
            or (data is not None and b"jupytext" in data[:400]))


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


def _module_file(level: int, name: str, importer: str, listed: set[str]) -> str | None:
    """The listed file an import names, looked for from the importer's folder up to the
    working folder (an app run from `backend/` imports `app.ml` from there), and in src/."""
    parts = name.split(".") if name else []
    importer = importer.replace("\\", "/")
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


def _entry_points(files: list[str], listed: set[str]) -> set[str]:
    """The Python files a Dockerfile's CMD/ENTRYPOINT or a Procfile runs (`python
    run_server.py`, `uvicorn app.main:app`, `streamlit run ui.py`, `-m pkg.serve`): serving
    code whatever they are called (red team 45 F3)."""
    from mlgate.locks.dockerfile import _commands, entry_words

    found: set[str] = set()
    for path in files:
        name = os.path.basename(path)
        lowered = name.lower()
        if not (lowered == "procfile" or lowered.startswith("dockerfile")
                or lowered.endswith(".dockerfile")):
            continue
        data = _read(path)
        if data is None:
            continue
        text = data.decode("utf-8", "replace")
        folder = posixpath.dirname(path.replace("\\", "/"))
        if lowered == "procfile":
            commands = [c for line in text.splitlines() if ":" in line
                        for c in _commands(line.split(":", 1)[1])]
        else:
            commands = entry_words(text)
        for words in commands:
            for index, word in enumerate(words):
                candidates = []
                if word.endswith(".py"):
                    candidates.append(word)
                elif index and words[index - 1] == "-m":
                    candidates.append(word.replace(".", "/") + ".py")
                elif ":" in word and re.fullmatch(r"[\w.]+:[\w.()]+", word):
                    candidates.append(word.split(":", 1)[0].replace(".", "/") + ".py")
                for candidate in candidates:
                    for base in (folder, ""):
                        joined = posixpath.normpath(posixpath.join(base, candidate.lstrip(
                            "./") if candidate.startswith("./") else candidate))
                        if joined in listed:
                            found.add(joined)
    return found


def _env(files: list[str]) -> dict[str, str]:
    """KEY=value from the tracked `.env` files (not the examples) and the deployed
    Dockerfiles' `ENV` lines: what a settings object or `os.environ[...]` reads."""
    env: dict[str, str] = {}
    for path in files:
        name = os.path.basename(path).lower()
        if name == ".env" or (name.startswith(".env.") and not name.endswith(
                (".example", ".sample", ".template", ".dist"))) or name.endswith(".env"):
            data = _read(path)
            if data is None:
                continue
            for line in data.decode("utf-8", "replace").splitlines():
                line = line.strip()
                if line.startswith("export "):
                    line = line[7:]
                key, sep, value = line.partition("=")
                if sep and key.strip().isidentifier():
                    env.setdefault(key.strip(), value.split(" #")[0].strip().strip("'\""))
        elif name.startswith("dockerfile") or name.endswith(".dockerfile"):
            data = _read(path)
            if data is None:
                continue
            for match in re.finditer(r"^[ \t]*ENV[ \t]+(.+)$", data.decode("utf-8", "replace"),
                                     re.IGNORECASE | re.MULTILINE):
                words = match.group(1).split()
                if len(words) >= 2 and "=" not in words[0]:
                    env.setdefault(words[0], " ".join(words[1:]).strip("'\""))
                    continue
                for word in words:
                    key, sep, value = word.partition("=")
                    if sep and key.isidentifier():
                        env.setdefault(key, value.strip("'\""))
    return env


def serving_loads(files: list[str], listed: set[str]) -> list[Load]:
    """The loads of spelled paths in the serving code among `files` (paths as the user sees
    them, relative to the working folder)."""
    posix = {f.replace("\\", "/") for f in listed}
    python = [f for f in files if f.endswith(".py")]
    entries = _entry_points(files, posix)
    modules: dict[str, Module] = {}

    def module_of(path: str, data: bytes | None = None) -> Module | None:
        if path not in modules:
            if len(modules) >= MAX_FILES:
                return None
            data = _read(path) if data is None else data
            tree = _tree(data, path) if data is not None else None
            if tree is None:
                return None
            modules[path] = Module(path, tree)
        return modules[path]

    queue = []

    def named(path: str) -> bool:  # what is named as serving code is read first
        return _serving_name(path) or path.replace("\\", "/") in entries

    python.sort(key=lambda path: not named(path))
    for path in python:
        data = _read(path)
        if data is None or _not_serving(path, data):
            continue
        serving = named(path) or bool(_SERVING_IMPORT_RE.search(data))
        if serving and module_of(path, data) is not None:
            queue.append(path)
    if len(modules) >= MAX_FILES:
        print(f"mlgate artifact: more than {MAX_FILES} serving files: the model loads of the"
              " others were not read; declare the served model in [tool.mlgate.models]",
              file=sys.stderr)
    seen = set(queue)
    while queue:
        path = queue.pop()
        for level, name in _imported_modules(modules[path].tree):
            found = _module_file(level, name, path.replace("\\", "/"), posix)
            if found is not None and found not in seen and not _not_serving(found):
                seen.add(found)
                if module_of(found) is not None:
                    queue.append(found)
    _LAYOUTS.clear()  # (the Dockerfiles as they are now)
    rest = [p for p in python if p not in modules and not is_test_file(p)]

    def callers(callee: str) -> list[Module]:
        """The other Python files that call `callee` (their calls only are read)."""
        wanted = callee.encode() + b"("
        found: list[Module] = []
        for path in rest:
            if len(found) >= 50:
                break
            data = _read(path)
            if data is not None and wanted in data:
                tree = _tree(data, path)
                if tree is not None:
                    found.append(Module(path, tree))
        return found

    listed_files = {os.path.normpath(f) for f in files}
    from mlgate.environment import find_repo_root

    top = os.path.realpath(find_repo_root(os.getcwd())).rstrip(os.sep) + os.sep

    def read(value: tuple) -> bytes | None:
        """A config document's bytes, when it is a file the repository lists (never a
        file outside it, nor one the commit leaves out)."""
        kind, text = value
        if kind not in ("rel", "abs") or not text:
            return None
        path = os.path.normpath(text if kind == "rel" else os.path.relpath(text))
        if path not in listed_files or not os.path.realpath(path).startswith(top):
            return None  # (a folder on the way may be a link out of the repository)
        return _read(path)

    project = Project(list(modules.values()), _env(files),
                      lambda level, name, importer: _module_file(level, name, importer, posix),
                      callers, read)
    loads: list[Load] = []
    for module in modules.values():
        data = _read(module.path)
        if data is None or not any(t in data for t in _TOKENS):
            continue
        loads += _loads_in(project, module)
    if project.exhausted:  # said, not a silent pass: some loads' paths were not followed
        print("mlgate artifact: the serving code's model paths were not all followed (their"
              " names took more work to evaluate than mlgate spends): a load they lead to is"
              " not compared with the checked models; declare the served model in"
              " [tool.mlgate.models.NAME] artifact = \"...\"", file=sys.stderr)
    return loads


def loads_in(path: str, tree: ast.Module) -> list[Load]:
    """The spelled paths one file loads a model from, read on its own."""
    module = Module(path, tree)
    return _loads_in(Project([module], {}, lambda *_: None), module)


def _path_argument(call: ast.Call, name: str, method: str, module: Module):
    """The argument of a loader call that holds the path, or None when it is no loader."""
    where = LOADERS.get(name)
    if where is None and (method == "load_model" or name.endswith(".load_model")
                          or name == "load_model"):
        root = name.split(".")[0]
        head = call.func.value if isinstance(call.func, ast.Attribute) else None
        on_object = head is not None and not (
            isinstance(head, ast.Name) and head.id in module.aliases) and not isinstance(
            head, ast.Attribute)
        if root in LOAD_MODEL_LIBRARIES or on_object:
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


def _loads_in(project: Project, module: Module) -> list[Load]:
    found = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        name = qualified(node.func, module.aliases) or ""
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        argument = _path_argument(node, name, method, module)
        if argument is None:
            continue
        function = module.function_of(node)
        if name in FILE_TAKERS:
            argument = opened(argument, module, function, node.lineno) or argument
        for value in sorted(project.value(module, argument, function), key=repr):
            if value is None:
                continue
            kind, text = value
            if kind == "const-abs" or not text.strip("/.") or (
                    kind == "rel" and text.startswith("/")):
                continue
            if not _path_like(text) or (name in PICKLERS and _data_path(text)):
                continue
            found.append(Load(module.path, node.lineno, node.col_offset + 1, kind, text))
        for value in project.value(module, argument, function):
            # an absolute path of the image, which a Dockerfile's COPY maps onto the context
            if value is not None and value[0] == "const-abs" and value[1].startswith("/"):
                mapped = _in_image(value[1], module.path)
                if mapped is not None and _path_like(mapped) and not (
                        name in PICKLERS and _data_path(mapped)):
                    found.append(Load(module.path, node.lineno, node.col_offset + 1, "abs",
                                      mapped))
    return found


_LAYOUTS: dict[str, list] = {}


def _in_image(path: str, source: str) -> str | None:
    """The repository's file a deployed Dockerfile copies to `path` in the image
    (`WORKDIR /app` + `COPY . .` make `/app/models/m.joblib` the context's
    `models/m.joblib`; new-user trial 45 F5), as an absolute path; None when none does."""
    from mlgate.checks.lock import _dockerfiles
    from mlgate.locks.dockerfile import image_layout

    key = os.getcwd()
    if key not in _LAYOUTS:
        layouts = [(os.path.dirname(os.path.abspath(name)), image_layout(text))
                   for name, text in _dockerfiles(".")]
        _LAYOUTS.clear()
        _LAYOUTS[key] = layouts
    for folder, layout in _LAYOUTS[key]:
        origin = layout.source_of(path)
        if origin is not None:
            return os.path.normpath(os.path.join(folder, origin))
    return None


def _path_like(text: str) -> bool:
    """A file path, not a hub or registry name: it has a folder or an extension, and no
    `name:tag` colon."""
    tail = text.rstrip("/").rsplit("/", 1)[-1]
    return ":" not in text and ("/" in text.strip("/") or "." in tail.lstrip("."))


def _data_path(text: str) -> bool:
    parts = text.lower().replace("\\", "/").split("/")
    name = parts[-1]
    return any(p in DATA_FOLDERS for p in parts[:-1]) or name.startswith(("x_", "y_"))


class Resolution:
    """Where a load's file is: `state` is "listed" (git lists it: `path`), "outside" (git
    tracks it above the working folder), "ignored" (on disk, not listed), "absent"
    (tracked, not in the work tree) or "missing"."""

    __slots__ = ("path", "state")

    def __init__(self, state: str, path: str) -> None:
        self.state, self.path = state, path


def resolve(load: Load, listed: set[str], deleted: set[str], top: str | None,
            checked: frozenset[str] | set[str] = frozenset()) -> Resolution | None:
    """Which file `load` reads, as the repository has it (or as `checked`, real paths of
    the files checked, has it: a declared model git ignores); None when it reads outside
    the repository (a mounted volume), which is no file of the project's."""
    import fnmatch

    if checked:
        listed = listed | {os.path.relpath(c).replace(os.sep, "/") for c in checked}
    glob = bool(GLOB_CHARS & set(load.text))
    if load.kind == "tail":
        tail = posixpath.normpath(load.text)
        if glob:
            exact = sorted(f for f in listed if fnmatch.fnmatch(f, tail) or fnmatch.fnmatch(
                f, "*/" + tail))
            return Resolution("listed", exact[0]) if exact else Resolution("missing", tail)
        matches = sorted(f for f in listed if f == tail or f.endswith("/" + tail)
                         or f.startswith(tail + "/") or ("/" + tail + "/") in f)
        exact = [f for f in matches if f == tail or f.endswith("/" + tail)]
        if exact:
            return Resolution("listed", exact[0])
        if matches:
            return Resolution("listed", tail)  # a folder of files (a SavedModel)
        return Resolution("missing", tail)
    if load.kind == "abs":
        candidates = [os.path.relpath(load.text).replace(os.sep, "/")]
    else:
        candidates = []
        folder = posixpath.dirname(load.file.replace("\\", "/"))
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
        if glob:
            # "the latest model" may be any file the pattern matches on disk: one that is
            # not checked (git ignores it) is the one said
            unchecked = sorted(f for f in _disk_glob(candidate)
                               if f not in listed and os.path.isfile(f))
            if unchecked:
                return Resolution("ignored", unchecked[-1])
            matched = sorted(f for f in listed if fnmatch.fnmatch(f, candidate))
            if matched:
                return Resolution("listed", matched[0])
            continue
        if candidate in listed:
            return Resolution("listed", candidate)
        prefix = candidate.rstrip("/") + "/"
        if any(f.startswith(prefix) for f in listed):
            return Resolution("listed", candidate)  # a model folder
    for candidate in outside:
        from mlgate.files import git_tracks

        if os.path.realpath(candidate) in checked:
            return Resolution("listed", candidate)
        if not glob and os.path.lexists(candidate) and git_tracks(candidate):
            return Resolution("outside", candidate)
    every = inside + outside
    if not every:
        return None
    for candidate in every:
        if candidate in deleted:
            return Resolution("absent", candidate)
    for candidate in every:
        if (glob and _disk_glob(candidate)) or (not glob and os.path.lexists(candidate)):
            return Resolution("ignored", candidate)
    return Resolution("missing", every[0])


def _disk_glob(pattern: str) -> list[str]:
    import glob

    try:
        return [p.replace(os.sep, "/") for p in glob.glob(pattern)[:1000]]
    except (OSError, ValueError):
        return []


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
    said: set[str] = set()  # one finding per file not checked, at its first load
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
        elif where.state == "outside":
            why = (f"{path}, which lies outside this project's folder (mlgate checks the"
                   " models under it)")
            fix = f'declare it: [tool.mlgate.models.NAME] artifact = "{path}"'
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
            namesake = sorted(os.path.relpath(c).replace(os.sep, "/") for c in covered
                              if os.path.basename(c) == posixpath.basename(path))
            if namesake and load.kind != "tail":
                fix = (f"a file of that name is at {namesake[0]}, which mlgate checked: is the"
                       " path right, or the folder the service runs from?; otherwise, " + fix)
        if path in said:
            continue
        said.add(path)
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
