"""What a global that is not on the allow-list is: a known danger, or a class to ask about.

A global pickle exploits are built on (running a program, evaluating code, reading or
writing files, importing by name, opening connections, loading another pickle) stops the
scan at once: the artifact is hostile or broken, and `allow` is the wrong answer. Any other
global is most likely a class mlgate does not vet (a pandas or XGBoost class outside the
vetted list, the project's own class): the scan names every one of them in one run, with a
hint that fits where the class comes from, and the CLI prints one `[tool.mlgate.artifact]`
allow list with all of them.

The dangerous names are the union of what picklescan, modelscan and fickling flag, by
module (any name in it) or by exact name.
"""

from __future__ import annotations

import sys

# Modules whose every name is a danger in a pickle (and their submodules).
DANGEROUS_MODULES = frozenset({
    "os", "posix", "nt", "posixpath", "ntpath", "subprocess", "_posixsubprocess", "pty",
    "commands", "popen2", "sys", "socket", "_socket", "ssl", "shutil", "runpy", "code",
    "codeop", "importlib", "imp", "zipimport", "pkgutil", "pickle", "_pickle", "cPickle",
    "pickletools", "marshal", "shelve", "dill", "cloudpickle", "webbrowser", "ctypes",
    "_ctypes", "cffi", "multiprocessing", "concurrent", "asyncio", "threading", "_thread",
    "signal", "pdb", "bdb", "timeit", "trace", "cProfile", "profile", "doctest", "idlelib",
    "lib2to3", "distutils", "setuptools", "pip", "ensurepip", "venv", "site", "sysconfig",
    "http", "httplib", "urllib", "urllib2", "urllib3", "requests", "aiohttp", "httpx",
    "ftplib", "smtplib", "telnetlib", "poplib", "imaplib", "xmlrpc", "socketserver",
    "operator", "functools", "types", "inspect", "gc", "weakref", "tempfile", "glob",
    "fileinput", "io", "_io", "torch", "tensorflow", "keras", "jax",
    "numpy.testing", "numpy.lib.npyio", "numpy.f2py", "numpy.distutils", "joblib",
    "sklearn.utils._testing", "pandas.io", "yaml", "jinja2", "mako", "IPython",
    # import by name, evaluate text, download or read files, load native code, open sockets
    "pydoc", "pandas.core.computation", "sklearn.datasets", "logging.handlers",
    "logging.config", "zipfile", "tarfile", "gzip", "bz2", "lzma", "sqlite3", "dbm",
    "mmap", "mailbox", "netrc", "xml", "scipy.io", "h5py", "tables", "pyarrow.fs",
    "pyarrow.parquet", "pyarrow.dataset", "pyarrow.csv", "pyarrow.json", "pyarrow.feather",
    "pyarrow.orc", "pyarrow.ipc", "pyarrow.flight", "pyarrow.cffi", "pyarrow.jvm",
    "xgboost.tracker", "xgboost.collective", "xgboost.dask", "xgboost.spark",
    "xgboost.federated", "xgboost.libpath", "lightgbm.dask", "lightgbm.libpath",
    # functions pickled by value: they rebuild code objects when loaded (`CODE_CARRIERS`)
    "numba.core.serialize", "numba.core.registry", "srsly.cloudpickle",
})
# Modules that pickle functions by value (a jitted numba function in a SHAP explainer, a
# cloudpickled lambda): what they name rebuilds code when loaded, which no allow-list can
# make safe. Refused with a hint of their own (`CODE_HINT`), not "never load this".
CODE_CARRIERS = ("numba", "cloudpickle", "dill", "srsly.cloudpickle",
                 "joblib.externals.cloudpickle")
# Exact names elsewhere that run code or read files.
DANGEROUS_NAMES = frozenset(
    {(module, name) for module in ("builtins", "__builtin__") for name in (
        "eval", "exec", "execfile", "compile", "open", "file", "input", "raw_input",
        "getattr", "setattr", "delattr", "hasattr", "__import__", "globals", "locals", "vars",
        "breakpoint", "apply", "reload", "help", "exit", "quit", "memoryview", "type",
        "super", "classmethod", "staticmethod", "property")}
    | {("numpy", "load"), ("numpy", "loads"), ("numpy", "fromfile"), ("numpy", "memmap"),
       ("numpy", "loadtxt"), ("numpy", "genfromtxt"), ("numpy", "save"), ("numpy", "savez"),
       ("numpy", "frompyfunc"), ("numpy", "vectorize"), ("numpy", "piecewise"),
       ("numpy", "apply_along_axis"), ("numpy", "apply_over_axes"),
       ("copyreg", "add_extension"), ("copy_reg", "add_extension"),
       ("_codecs", "decode"), ("codecs", "open"), ("codecs", "decode"),
       ("pandas", "read_pickle"), ("pandas", "read_csv"), ("pandas", "eval"),
       ("logging", "FileHandler"), ("xgboost.core", "_load_lib"), ("lightgbm.basic", "_LIB"),
       ("lightgbm.basic", "_load_lib")}
    # classes that read the file (or URI) a pickle names
    | {(module, name) for module in ("xgboost", "xgboost.core") for name in (
        "DMatrix", "QuantileDMatrix", "ExtMemQuantileDMatrix", "DataIter")}
    | {(module, name) for module in ("lightgbm", "lightgbm.basic") for name in (
        "Dataset", "Sequence")}
    | {(module, name) for module in ("catboost", "catboost.core") for name in ("Pool",)}
    | {("pyarrow.lib", name) for name in (
        "OSFile", "MemoryMappedFile", "memory_map", "create_memory_map", "input_stream",
        "output_stream", "PythonFile")})
# Libraries whose classes a model's pickle often names: "a <library> class" hints.
LIBRARIES = {
    "pandas": "pandas", "numpy": "numpy", "scipy": "SciPy", "sklearn": "scikit-learn",
    "xgboost": "XGBoost", "lightgbm": "LightGBM", "catboost": "CatBoost",
    "imblearn": "imbalanced-learn", "category_encoders": "category_encoders",
    "statsmodels": "statsmodels", "transformers": "transformers",
    "sentence_transformers": "sentence-transformers", "pyarrow": "pyarrow",
    "polars": "polars", "matplotlib": "matplotlib", "PIL": "Pillow", "spacy": "spaCy",
    "gensim": "gensim", "nltk": "NLTK", "prophet": "Prophet", "pmdarima": "pmdarima",
    "shap": "SHAP", "optuna": "Optuna", "mlflow": "MLflow", "onnx": "ONNX",
    "onnxruntime": "ONNX Runtime", "skops": "skops", "dateutil": "python-dateutil",
    "pytz": "pytz", "feature_engine": "feature-engine", "umap": "umap-learn",
    "hdbscan": "hdbscan", "sktime": "sktime", "darts": "darts", "tslearn": "tslearn",
}
_STDLIB_FALLBACK = frozenset({
    "abc", "array", "collections", "copyreg", "copy_reg", "datetime", "decimal", "enum",
    "fractions", "ipaddress", "json", "math", "numbers", "pathlib", "random", "re", "string",
    "struct", "typing", "uuid", "zoneinfo", "calendar", "time", "statistics", "dataclasses",
    "_codecs", "codecs", "builtins", "__builtin__", "heapq", "bisect", "itertools",
    "types", "http", "argparse",
})


DANGER_HINT = ("never load this artifact: it names what no model needs and pickle exploits"
               " use; re-create it with joblib.dump or pickle.dump from ordinary objects")


# Deep-learning frameworks pickle a model as their own saved format inside the pickle (Keras 3:
# getattr(Functional, '_unpickle_model')(io.BytesIO(<.keras zip>))), which runs the framework's
# loader, and layers can hold code: not something mlgate vets, nor an exploit.
FRAMEWORKS = {"keras": "model.save(\"model.keras\")", "tensorflow": "model.save(\"model.keras\")",
              "torch": "torch.save(model.state_dict(), \"model.pt\")",
              "jax": "the framework's own checkpoint format"}


def framework_hint(module: str) -> str | None:
    """The hint for a deep-learning framework's pickled model, or None."""
    way = FRAMEWORKS.get(module.split(".")[0])
    if way is None:
        return None
    return (f"a {module.split('.')[0]} model pickled whole: loading it runs the framework's"
            f" own loader, which mlgate does not vet; save it in the framework's format"
            f" ({way}) and list that file in [tool.mlgate] exclude, or keep it out of the"
            " artifacts mlgate checks")


CODE_HINT = ("the artifact carries code (functions pickled by value, as numba, cloudpickle or"
             " dill write them): loading it runs that code, so mlgate cannot vouch for it and"
             " `allow` cannot make it safe. Ship data, not code: rebuild the object when the"
             " service starts (a SHAP explainer: shap.TreeExplainer(model)) or pickle only its"
             " parameters; to ship this file unchecked, list it in [tool.mlgate] exclude."
             " A model of plain objects dill wrote loads the same from joblib.dump or"
             " pickle.dump")


# scipy.stats distributions (a RandomizedSearchCV keeps them in `param_distributions`): their
# `__setstate__` exec()s the argument-parser source text the pickle itself stores
# (`_parse_arg_template`), so loading one runs code from the file, whatever it says.
DISTRIBUTION_HINT = ("a scipy.stats distribution (a RandomizedSearchCV keeps them in"
                     " param_distributions): scipy rebuilds one by running source text stored"
                     " in the artifact, so loading it runs code from the file and `allow`"
                     " cannot make it safe. Save the fitted model instead of the whole search"
                     " (joblib.dump(search.best_estimator_, ...)); to ship this file unchecked,"
                     " list it in [tool.mlgate] exclude")


def scipy_distribution(module: str, name: str) -> bool:
    """A scipy.stats distribution class (`randint_gen`, `rv_continuous_frozen`, ...), whose
    unpickling exec()s text the pickle carries (`DISTRIBUTION_HINT`)."""
    return module.startswith("scipy.stats.") and (name.endswith("_gen")
                                                 or name.startswith("rv_"))


def carries_code(module: str) -> bool:
    """A module whose names in a pickle rebuild functions from code (`CODE_CARRIERS`)."""
    return any(module == m or module.startswith(m + ".") for m in CODE_CARRIERS)


# Value classes of a dangerous module that do none of that: a training config kept as a
# SimpleNamespace, an HTTP status in a service's bundle (false-alarm round 38: "never load
# this artifact", even when allowed). Not vetted either: a class to allow, as any other.
HARMLESS_NAMES = frozenset({("types", "SimpleNamespace"), ("http", "HTTPStatus")})


def dangerous(module: str, name: str) -> bool:
    """A global pickle exploits use: it runs programs or code, touches files, imports."""
    if (module, name) in DANGEROUS_NAMES:
        return True
    if (module, name) in HARMLESS_NAMES:
        return False
    parts = module.split(".")
    return any(".".join(parts[:i]) in DANGEROUS_MODULES for i in range(1, len(parts) + 1))


def _stdlib(top: str) -> bool:
    names = getattr(sys, "stdlib_module_names", None) or _STDLIB_FALLBACK
    return top in names or top in _STDLIB_FALLBACK


def hint(module: str, name: str) -> str:
    """What to do about a class the allow-list does not have, by where it comes from."""
    top = module.split(".")[0]
    library = LIBRARIES.get(top)
    if top == "pandas":
        return ("a pandas class: mlgate verifies the pandas objects models keep in the"
                " project's environment, and this is not one of them; allow it (snippet"
                " below) if you trust this artifact")
    if library:
        article = "an" if library[0].lower() in "aeiou" else "a"
        return (f"{article} {library} class mlgate does not vet: allow it (snippet below) if you"
                " trust this artifact")
    if _stdlib(top):
        return ("a standard-library name mlgate does not vet: allow it (snippet below) if"
                " you trust this artifact")
    # the project's own class, or one of a library mlgate does not know (sklearn_pandas'
    # DataFrameMapper was told "if this class is yours": new-user trial round 35, F4)
    return ("if this class is yours or comes from a library you trust, allow it (snippet"
            " below) or list its module in trust-modules; never load an artifact you do not"
            " trust")


def offered(module: str, name: str) -> bool:
    """May the snippet (and a hint) suggest allowing this pair? Only what is spelled as a
    public class (every part of its name CapWords, `RegressionResultsWrapper`,
    `Outer.Inner`) and is no known danger: never a function (`pydoc.locate`,
    `sklearn.datasets.fetch_openml`), a private name (`xgboost.core._load_lib`), a module
    or a builtin. What a pickle calls by a function's name is how exploits work; a user who
    has vetted one may still write it into `allow` by hand."""
    if dangerous(module, name) or module.split(".")[0] in ("builtins", "__builtin__"):
        return False
    if (module, name) in LOWER_CASE_CLASSES:
        return True
    return all(part[:1].isupper() and part.isidentifier() and part.isascii()
               for part in name.split("."))


# Classes of well-known libraries spelled in lower case, which the snippet may offer: a
# pd.DateOffset(months=1) holds a relativedelta, and a snippet without it could not be
# pasted to any effect (false-alarm round 46 F2).
LOWER_CASE_CLASSES = frozenset({("dateutil.relativedelta", "relativedelta")})


NOT_OFFERED_HINT = ("not named like a public class (a function, a private or a builtin name,"
                    " or a lower-case class): mlgate does not suggest allowing it, since a"
                    " pickle calling a function by name is how exploits work; if you have"
                    " vetted it, add it to allow by hand; never load an artifact you do not"
                    " trust")


def opaque_hint(state: str) -> str:
    """For a class the file gives `state` (bytes from a __getstate__ of its own, say): a
    state mlgate accepts only for the classes it knows the writer of, so that allowing the
    class would turn this finding into MLG302 (false-alarm trial 42: polars' IPC bytes)."""
    return (f"allowing it would not help: the file gives it {state}, a form mlgate checks"
            " only for the classes it knows (an allowed class must hold a dict of its"
            " attributes); keep this object out of the artifact and save it apart in its own"
            " format (a polars frame with write_parquet, say), or as plain data")


def allow_snippet(pairs, configured=()) -> str:
    """One `[tool.mlgate.artifact]` table to paste: the allow entries the project has, and
    every refused pair that is offered at all (`offered`)."""
    entries = sorted(set(configured) | {f"{m}:{n}" for m, n in pairs if offered(m, n)})
    body = "".join(f'    "{e}",\n' for e in entries)
    return f"[tool.mlgate.artifact]\nallow = [\n{body}]"
