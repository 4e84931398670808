"""Checks before anything is unpickled: dtype states rebuilt by numpy and compared, and the
object states only compiled code, real slots or dicts may receive."""

import sys

from .common import LoadFailure


def _decode_state(value, built):
    """A dtype state part as the static scan encoded it, with dtypes already rebuilt."""
    if "ref" in value:
        return built[value["ref"]]
    if "c" in value:
        return value["c"]
    if "b" in value:
        return value["b"].encode("latin1")
    if "t" in value:
        return tuple(_decode_state(v, built) for v in value["t"])
    return {_decode_state(k, built): _decode_state(v, built) for k, v in value["d"]}


def _dtype_from_state(np, code, state, built):
    """The dtype numpy's public constructor makes from what the state describes."""
    order, subarray, names, fields, elsize, flags = (state[1], state[2], state[3], state[4],
                                                     state[5], state[7])
    extra = state[8] if len(state) == 9 else None
    metadata = extra
    kind = code.lstrip("<>=|")[:1]
    if kind in ("M", "m"):
        metadata, (unit, num, _den, _events) = extra
        unit = unit.decode("ascii")
        desc = order + kind + "8" + ("" if unit == "generic" else
                                     f"[{'' if num == 1 else num}{unit}]")
    elif names is not None:
        spec = {"names": list(names), "formats": [fields[n][0] for n in names],
                "offsets": [fields[n][1] for n in names], "itemsize": elsize}
        titles = [fields[n][2] if len(fields[n]) == 3 else None for n in names]
        if any(t is not None for t in titles):
            spec["titles"] = titles
        desc = spec
        return np.dtype(desc, align=bool(flags & 0x80), metadata=metadata) if metadata \
            else np.dtype(desc, align=bool(flags & 0x80))
    elif subarray is not None:
        desc = (subarray[0], subarray[1])
    elif kind in ("U", "S", "V"):
        desc = order + kind + str(elsize // (4 if kind == "U" else 1))
    else:
        desc = (order if order in "<>" else "") + code
    return np.dtype(desc, metadata=metadata) if metadata else np.dtype(desc)


def _same_state(value, encoded, built, signature):
    if "ref" in encoded:
        # (not hasattr(value, "descr"): numpy computes descr in time exponential in the
        # nesting of a dtype that holds another twice at every level)
        mine = signature(value)
        return mine is not None and mine == signature(built[encoded["ref"]])
    if "t" in encoded:
        return isinstance(value, tuple) and len(value) == len(encoded["t"]) and all(
            _same_state(v, e, built, signature) for v, e in zip(value, encoded["t"]))
    if "d" in encoded:
        if value is None and not encoded["d"]:
            return True  # numpy < 2.1 writes a datetime unit's empty metadata as {}, not None
        pairs = {_decode_state(k, built): e for k, e in encoded["d"]}
        return isinstance(value, dict) and len(value) == len(encoded["d"]) == len(pairs) and all(
            k in value and _same_state(value[k], e, built, signature) for k, e in pairs.items())
    expected = _decode_state(encoded, built)
    return type(value) is type(expected) and value == expected


def verify_absent_modules(names, roots):
    """Modules pickle.load of the file would try to import where its reading stops (the
    scan counts on ModuleNotFoundError there, see plain_view): none may be found, among
    the environment's modules or in the project's folders. Finders only: nothing is
    imported."""
    if not names:
        return
    import importlib.machinery
    import importlib.util

    for name in names:
        if ":" in name:  # module:attribute, the module one the load imports anyway
            module, _, attribute = name.partition(":")
            try:
                value = importlib.import_module(module)
                for part in attribute.split("."):  # as pickle's find_class walks a qualname
                    value = getattr(value, part)
                found = True
            except Exception:  # pickle.load fails there as well, having called nothing
                found = False
            if found:
                raise LoadFailure("refused", f"pickle.load (not joblib) of this file would"
                                  f" take {module}.{attribute}, which exists here: save it"
                                  " again, or load it with joblib only")
            continue
        try:
            found = name in sys.modules or importlib.util.find_spec(name) is not None or (
                importlib.machinery.PathFinder.find_spec(name, list(roots)) is not None)
        except (ImportError, ValueError):
            found = True
        if found:
            raise LoadFailure("refused", f"pickle.load (not joblib) of this file would import"
                              f" the module {name!r}, which exists here: save it again, or"
                              " load it with joblib only")


def verify_dtypes(entries):
    """Each numpy dtype state of the artifact, rebuilt with numpy's public constructor from
    what it describes: its `__reduce__()` must give back exactly the recorded state (flags,
    item size, alignment, field offsets, subarrays, metadata, datetime units). numpy accepts
    states it never writes, among them ones that read raw bytes as object pointers; those
    are refused before anything is unpickled."""
    if not entries:
        return
    import numpy as np

    # A dtype's signature is a small number, the same for structurally equal dtypes: each
    # level's key names its parts' numbers, never their text, so a dtype that holds another
    # twice at every level (shared through the memo) costs one key per level, not 2**depth.
    signatures, numbers = {}, {}

    def signature(dtype):
        if not isinstance(dtype, np.dtype):
            return None
        known = signatures.get(id(dtype))
        if known is None:
            reduced = dtype.__reduce__()
            key = (repr(reduced[1]), tuple(
                (signature(part) if isinstance(part, np.dtype) else repr(part))
                for part in _flatten_state(reduced[2], np)))
            known = numbers.setdefault(key, len(numbers))
            signatures[id(dtype)] = known
            keep.append(dtype)
        return known

    keep, built = [], []
    for entry in entries:
        code, align, copy = entry["args"]
        refused = f"a numpy dtype state ({code}) that numpy would not write for that dtype"
        if align is not False or copy is not True or not isinstance(code, str):
            raise LoadFailure("refused", refused)
        try:
            if entry["state"] is None:
                dtype = np.dtype(code)
            else:
                state = _decode_state(entry["state"], built)
                dtype = _dtype_from_state(np, code, state, built)
        except Exception:  # numpy refused the description: no writer wrote it
            raise LoadFailure("refused", refused) from None
        reduced = dtype.__reduce__()
        if list(reduced[1]) != [code, False, True] or not (
                entry["state"] is None or _same_state(reduced[2], entry["state"], built,
                                                      signature)):
            raise LoadFailure("refused", refused)
        built.append(dtype)


def _flatten_state(value, np):
    """The leaves of a dtype state, dtypes kept whole (for a signature)."""
    if isinstance(value, tuple):
        for item in value:
            yield from _flatten_state(item, np)
    elif isinstance(value, dict):
        for key in sorted(value, key=repr):
            yield key
            yield from _flatten_state(value[key], np)
    else:
        yield value


def verify_state_classes(resolver, compiled, subclasses, slots=(), dict_classes=()):
    """Classes the scan let take a tuple state: only compiled code may read it (a Python
    __setstate__ such as scikit-learn's would pour it into __dict__). Classes handed to a
    Cython reconstructor must be subclasses of the class it rebuilds."""
    import inspect
    import types

    for module, name in compiled:
        cls = resolver.find_class(module, name)
        setstate = inspect.getattr_static(cls, "__setstate__", None) if isinstance(
            cls, type) else None
        if setstate is None or isinstance(setstate, (types.FunctionType, classmethod,
                                                     staticmethod)):
            raise LoadFailure("refused", f"{module}.{name} was given a state only compiled"
                              " code may read, and its __setstate__ is Python code",
                              module=module, name=name)
    for module, name, keys in slots:
        # setattr() of a slot item runs whatever the class defines under that name (a
        # property setter): only real __slots__ members, which writers produce, may be set.
        cls = resolver.find_class(module, name)
        for key in keys:
            if not isinstance(inspect.getattr_static(cls, key, None),
                              types.MemberDescriptorType):
                raise LoadFailure("refused", f"{module}.{name} was given {key!r} as a slot,"
                                  " which it does not have: setting it would run its code",
                                  module=module, name=name)
    for module, name in dict_classes:
        cls = resolver.find_class(module, name)
        if not (isinstance(cls, type) and issubclass(cls, dict)):
            raise LoadFailure("refused", f"{module}.{name} was given dict items, and it is not"
                              " a dict: setting them would run its __setitem__",
                              module=module, name=name)
    for module, name, base_module, base in subclasses:
        cls = resolver.find_class(module, name)
        parent = getattr(resolver.module(base_module, base), base, None)
        if not (isinstance(cls, type) and isinstance(parent, type) and issubclass(cls, parent)):
            raise LoadFailure("refused", f"{module}.{name} handed to {base_module}'s"
                              f" reconstructor of {base}, which it is not",
                              module=module, name=name)


# The longest n-grams a text vectorizer may make: a character 20-gram is already rare.
MAX_NGRAM = 64


# Whether stored hyperparameters are held to what fit accepts: not for a model pickled by
# another scikit-learn (load.py sets it per load).
PARAMETERS = {"validate": True}


def _parameters_problem(value):
    """A stored hyperparameter fit would refuse (scikit-learn's own `_validate_params`,
    since 1.2): compiled code trusts what fit checked. PolynomialFeatures with
    interaction_only=2 (an int, not a bool) sized its sparse output as if 1 and filled it
    as if 2: a heap overflow on every large sparse batch."""
    if not PARAMETERS["validate"] or not isinstance(
            getattr(type(value), "_parameter_constraints", None), dict):
        return None
    validate = getattr(value, "_validate_params", None)
    if not callable(validate):
        return None
    try:
        _validated(value, validate)
    except Exception as exc:  # InvalidParameterError, or a parameter that breaks the check
        if type(exc).__name__ != "InvalidParameterError":
            return None
        return f"a stored parameter its fit refuses: {str(exc).splitlines()[0][:300]}"
    return None


_PARAMETER_NAMES: dict = {}  # by class: scikit-learn reads them from __init__'s signature


def _validated(value, validate) -> None:
    """`value._validate_params()`, without asking inspect for the class's parameter names
    once per estimator where both methods are scikit-learn's own (a forest's 300 trees)."""
    from sklearn.base import BaseEstimator

    cls = type(value)
    if cls._validate_params is not BaseEstimator._validate_params or (
            cls.get_params is not BaseEstimator.get_params):
        validate()
        return
    from sklearn.utils._param_validation import validate_parameter_constraints

    names = _PARAMETER_NAMES.get(cls)
    if names is None:
        names = _PARAMETER_NAMES[cls] = tuple(cls._get_param_names())
    validate_parameter_constraints(cls._parameter_constraints,
                                   {name: getattr(value, name) for name in names},
                                   caller_name=cls.__name__)


# The libraries whose callable objects (not functions) a FunctionTransformer-like setting
# may not hold (see `_called_objects_problem`)
_LIBRARIES = ("sklearn.", "lightgbm.", "xgboost.", "catboost.", "imblearn.",
              "category_encoders.", "feature_engine.", "scipy.", "numpy.", "pandas.")


# Methods a model is called by, or fitted by, that no class stores as an attribute: one the
# object's class lacks is what the caller gets if the file stores it (`predict_proba` stored
# on a LinearSVC, which has none, red team 44 F6)
_CALLED_NAMES = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function",
                           "transform", "inverse_transform", "score_samples", "score", "fit",
                           "fit_transform", "fit_predict", "partial_fit", "predict_joint_log_proba",
                           "get_feature_names_out", "staged_predict", "staged_predict_proba",
                           "staged_decision_function", "set_output", "get_params", "set_params"})


def _shadowed_method_problem(value, cls):
    """An instance attribute named like a method of the object's class (any class: scikit-
    learn's, an ecosystem library's, the project's own), or like a method models are called
    by when the class is an estimator (or a wrapper that delegates by `__getattr__`) without
    it, is what `model.predict` returns: `__dict__['predict'] = numpy.negative` made a
    LogisticRegression answer -X while the verdict vouched for a LogisticRegression (red
    team 44 F1/F3: the check covered only some libraries' classes). No writer stores one.
    A property (a data descriptor) wins over the instance's attribute, so an old layout that
    stored what is now a property is harmless and passes. A caching descriptor
    (functools.cached_property, a `lazyproperty`) keeps its value there by design: data
    passes, a callable only if it is what the class's getter gives (red team 44b F1: a
    cached link function replaced by numpy.negative). An estimator's own parameter
    (`transform=np.log1p`) is a parameter, judged as one."""
    attributes = getattr(value, "__dict__", None)
    if not isinstance(attributes, dict):
        return None
    mro = getattr(cls, "__mro__", ())
    estimator = any(klass is not object and ("fit" in vars(klass) or "get_params" in vars(
        klass) or "__getattr__" in vars(klass)) for klass in mro)
    parameters = _PARAMETER_NAMES.get(cls, ())
    if estimator and cls not in _PARAMETER_NAMES and hasattr(cls, "_get_param_names"):
        try:  # (by class, once: a forest's 300 trees read one signature)
            parameters = _PARAMETER_NAMES[cls] = tuple(cls._get_param_names())
        except Exception:
            parameters = ()
    for name in attributes:
        if not isinstance(name, str):
            continue
        for klass in mro:
            if name in vars(klass):
                found = vars(klass)[name]
                kind = type(found)
                # a function, an available_if or a staticmethod: bound when looked up. A
                # class kept as a default (MaskedArray's _baseclass = ndarray) is a value
                # the instance may override, as its own pickling does.
                stored = attributes[name]
                if getattr(stored, "__self__", None) is value and getattr(
                        stored, "__func__", None) is found:
                    break  # the class's own method bound to this very object: the same
                    # call (HistGradientBoosting leaves `self._raw_predict` so)
                if not hasattr(kind, "__get__") or (
                        hasattr(kind, "__set__") or hasattr(kind, "__delete__")):
                    break  # a value, or a data descriptor that wins over the attribute
                if not _method_like(found):
                    problem = _cached_problem(value, name, found, stored)
                    if problem:
                        return problem
                    break
                return (f"an attribute {name!r} stored on the object stands in for its"
                        f" class's method: calls of {name}() would run what the file"
                        " stored")
        else:
            # (a value that cannot be called is no stand-in: scikit-learn's MetadataRequest
            # keeps one request object per method name, `fit`, `predict`, ...)
            if estimator and name in _CALLED_NAMES and name not in parameters and callable(
                    attributes[name]):
                return (f"an attribute {name!r} stored on the object, whose class has no"
                        f" such method: calls of {name}() would run what the file stored")
    return None


def _method_like(found) -> bool:
    """A descriptor that makes a method: a function, a static or class method, a method of
    a compiled class, a partialmethod, scikit-learn's available_if. (Any other non-data
    descriptor caches a value: cached_property, lazyproperty, reify.)"""
    import functools
    import types

    if isinstance(found, (types.FunctionType, staticmethod, classmethod,
                          types.BuiltinFunctionType, types.MethodDescriptorType,
                          types.WrapperDescriptorType, types.ClassMethodDescriptorType,
                          functools.partialmethod)):
        return True
    if isinstance(found, getattr(functools, "singledispatchmethod", ())):
        return True
    name = type(found).__name__
    return "AvailableIf" in name or name in ("_IffHasAttrDescriptor", "method", "function")


def _cached_problem(value, name, found, stored):
    """A value a caching descriptor keeps in the instance's __dict__: data is the class's
    to compute; a callable must be what its getter gives on this object."""
    if not callable(stored) or isinstance(stored, type):
        return None
    getter = None
    for attribute in ("func", "fget", "__wrapped__", "wrapped", "function", "method"):
        candidate = getattr(found, attribute, None)
        if callable(candidate):
            getter = candidate
            break
    said = (f"an attribute {name!r} stored on the object in place of what its class computes"
            f" and caches: calls of {name}() would run what the file stored")
    if getter is None:
        return said
    try:
        fresh = getter(value)
    except Exception as exc:
        return f"{said} (the class's getter fails on it: {type(exc).__name__})"
    same = fresh is stored or (
        getattr(fresh, "__func__", None) is not None
        and getattr(fresh, "__func__", None) is getattr(stored, "__func__", None)
        and getattr(fresh, "__self__", None) is getattr(stored, "__self__", None))
    return None if same else said


def structure_problem(value):
    """Why a compiled structure of the loaded model breaks an invariant its code relies on
    without checking it, or None. scikit-learn's Tree.__setstate__ checks the node array's
    dtype and shape, not that child indices stay inside the tree; the neighbour trees and
    histogram-gradient-boosting predictors trust their indices too; scipy's compressed
    sparse matrices are not validated on unpickling. Real writers never produce these."""
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    if module == "re" and cls.__name__ == "Pattern":
        return _compiled_pattern_problem(value)
    try:  # any class: a project's estimator or a library's wrapper starts workers the same way
        problem = _parallelism_problem(value)
    except Exception as exc:  # an attribute dict that fails its own lookups
        problem = f"{type(exc).__name__}: {str(exc)[:200]}"
    if problem:
        said = f"{cls.__name__}: {problem}"
        return Unbounded(said) if isinstance(problem, Unbounded) else said
    problem = _shadowed_method_problem(value, cls)
    if problem:
        return f"{cls.__name__}: {problem}"
    if module == "pandas" or module.startswith(("pandas.", "pyarrow.")):
        from .ecosystem import structure_problem as ecosystem_problem

        try:
            return ecosystem_problem(value)
        except Exception as exc:  # a broken object fails its own checks in its own way
            return f"{cls.__name__}: {type(exc).__name__}: {str(exc)[:200]}"
    if module.startswith("lightgbm.") and cls.__name__ == "Booster":
        from .ecosystem import lightgbm_problem

        try:
            return lightgbm_problem(value)
        except Exception as exc:  # a model it cannot write back as text
            return f"Booster: {type(exc).__name__}: {str(exc)[:200]}"
    if module.startswith("xgboost.") and cls.__name__ == "Booster":
        from .ecosystem import xgboost_problem

        try:
            problem = xgboost_problem(value)
        except Exception as exc:  # a model it cannot write back, or of another layout
            return f"Booster: {type(exc).__name__}: {str(exc)[:200]}"
        if problem and problem.startswith("Booster: XGBoost 0."):
            return Unchecked(problem)
        return problem
    if any(getattr(c, "__module__", "") == "scipy.interpolate._bsplines"
           and c.__name__ in ("BSpline", "_BSpline") for c in getattr(cls, "__mro__", (cls,))):
        try:
            return _bspline_problem(value)
        except Exception as exc:  # what BSpline's own constructor refuses
            return f"BSpline: {type(exc).__name__}: {str(exc)[:200]}"
    if module.startswith("numpy.random"):
        try:
            problem = _random_state_problem(value)
        except Exception as exc:  # a state its own reader refuses
            problem = f"{type(exc).__name__}: {str(exc)[:200]}"
        return f"{cls.__name__}: {problem}" if problem else None
    # By what the class is, not where it is defined: a project's subclass of a scikit-learn
    # estimator (`class MyHGB(HistGradientBoostingRegressor)`) runs the same compiled code.
    if not any((getattr(c, "__module__", "") or "").startswith(("sklearn.", "scipy.sparse"))
               for c in getattr(cls, "__mro__", (cls,))):
        return None
    try:
        if module.endswith("dist_metrics"):  # (sklearn.neighbors' before 1.0)
            problem = _distance_metric_problem(value)
            return f"{cls.__name__}: {problem}" if problem else None
        problem = _parameters_problem(value) or _ufunc_arguments_problem(value)
        if problem:
            return f"{cls.__name__}: {problem}"
        if module == "sklearn.tree._tree" and cls.__name__ == "Tree":
            return _tree_problem(value)
        # No check ends the others: an attribute the state adds (`_predictors = []` on a
        # decision tree) must not take a model past the checks that fit what it is.
        if module.startswith("sklearn.neighbors") and hasattr(value, "get_arrays"):
            problem = _binary_tree_problem(value)
            if problem:
                return problem
        if "_fit_X" in getattr(value, "__dict__", {}):
            problem = _fitted_rows_problem(value)
            if problem:
                return problem
        if hasattr(value, "_predictors") and hasattr(value, "_bin_mapper"):
            # histogram gradient boosting (0.22's recorded n_features_ only), not a
            # project's ensemble that keeps a list of that name (red team 44b F4)
            problem = _predictors_problem(value)
            if problem:
                return problem
        if hasattr(value, "tree_") or hasattr(value, "estimators_"):
            problem = _tree_width_problem(value)
            if problem:
                return problem
        if hasattr(value, "cluster_centers_") and any(
                (getattr(c, "__module__", "") or "").startswith("sklearn.cluster")
                for c in cls.__mro__):
            problem = _centres_problem(value)
            if problem:
                return problem
        problem = _cached_rows_problem(value) or _counts_problem(value)
        if problem:
            return problem
        problem = _stored_index_problem(value, {
            c.__name__ for c in cls.__mro__
            if (getattr(c, "__module__", "") or "").startswith("sklearn.")})
        if problem:
            return problem
        if hasattr(value, "_n_support") and hasattr(value, "dual_coef_"):
            problem = _libsvm_problem(value)
            if problem:
                return problem
        problem = _unrecorded_width_problem(value, cls) or _metric_params_problem(value)
        if problem:
            return problem
        if module.startswith("scipy.sparse") and hasattr(value, "format"):
            problem = _sparse_problem(value)
            if problem:
                return f"{cls.__name__}: {problem}"
    except (AttributeError, TypeError, ValueError, IndexError, KeyError) as exc:
        return f"{cls.__name__}: {type(exc).__name__}: {str(exc)[:200]}"
    return None


# Fitted scikit-learn estimators that record no input width: they take text, dicts, label
# sets or images, not a table of columns (every other one does, since scikit-learn 1.0).
NO_RECORDED_WIDTH = frozenset({
    "FeatureHasher", "HashingVectorizer", "CountVectorizer", "TfidfVectorizer",
    "DictVectorizer", "MultiLabelBinarizer", "LabelBinarizer", "LabelEncoder",
    "PatchExtractor", "IsotonicRegression",  # (one-dimensional input: its own check)
    # they read only the number of rows: scikit-learn 1.3 and 1.4 record no width for them
    # (a GradientBoosting's `init_` among them)
    "DummyClassifier", "DummyRegressor",
})


# How many workers a stored setting may start on every prediction. A model saved with
# n_jobs=20000 started 20,000 threads per predict (a forest), or one process per job (a
# bagging ensemble: memory exhausted); a k-means' stored _n_threads of a million started a
# thread per 256 rows. -1 (as many as the server has) is what a model should carry.
MAX_JOBS = 64
MAX_THREADS = 1024


# Where the ecosystem's estimators keep settings their predict passes to the library, and
# the names a worker or thread count goes by there (LightGBM's `num_threads` in
# `_other_params` wins over n_jobs; CatBoost's `thread_count`; XGBoost's `nthread`).
_PARAMETER_DICTS = ("_other_params", "kwargs", "_init_params", "params")
_JOB_NAMES = ("n_jobs", "num_threads", "num_thread", "nthread", "nthreads", "n_threads",
              "thread_count", "num_workers", "max_process", "max_workers", "n_workers")


def _integer(value):
    """An integer setting of any integer type (a numpy int64 passes isinstance(int) not),
    or None for anything else (None, -1 as a string, a float)."""
    import operator

    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def _parallelism_problem(value):
    if type(value) is dict:
        # any dict a library may spread as keyword arguments (a GP kernel's
        # pairwise_kernels_kwargs, a metric's params): a worker count in it starts workers
        settings = [(f"[{name!r}]", value.get(name)) for name in _JOB_NAMES if name in value]
        for name, setting in settings:
            jobs = _integer(setting)
            if jobs is not None and jobs > MAX_JOBS:
                return Unbounded(
                    f"a dict of settings with {name}={jobs}: passed as keyword arguments it"
                    f" starts {jobs} workers on every prediction (more than {MAX_JOBS})")
        return None
    attributes = getattr(value, "__dict__", None) or {}
    # (any of the names, stored directly: category_encoders' HashingEncoder forks
    # `max_process` workers on each transform, and unpickling skips the cap its __init__
    # applies: 100,000 passed, red team 44 F5)
    settings = [("n_jobs", attributes.get("n_jobs"))]
    for holder in _PARAMETER_DICTS:
        params = attributes.get(holder)
        if isinstance(params, dict):
            settings += [(f"{holder}[{name!r}]", params.get(name)) for name in _JOB_NAMES]
    settings += [(name, attributes.get(name)) for name in _JOB_NAMES[1:] if name in attributes]
    for name, setting in settings:
        jobs = _integer(setting)
        if jobs is not None and jobs > MAX_JOBS:
            # a serving cost, not a damaged file (red team round 34: "inconsistent" for a
            # forest saved on a 96-core machine with n_jobs=96)
            return Unbounded(f"{name}={jobs} would start {jobs} workers in the serving process"
                             f" on every prediction (more than {MAX_JOBS}); save it with"
                             " n_jobs=None, or -1 for as many as the server has")
    threads = attributes.get("_n_threads")
    count = _integer(threads)
    if threads is not None and (count is None or not 1 <= count <= MAX_THREADS):
        shown = count if count is not None else repr(threads)[:40]
        return Unbounded(f"_n_threads={shown}: its predictions would start that many"
                         f" threads (a fitted model stores between 1 and {MAX_THREADS})")
    return None


def _wraps_estimators(value) -> bool:
    """A meta-estimator by its own parameters (estimator, estimators, steps, ...): only such
    a one copies its width from its parts. (A red team of round 33: any estimator with a
    stray `x_ = LogisticRegression()` attribute passed with its width deleted.)"""
    try:
        params = type(value)._get_param_names()
    except Exception:
        return False
    return any(name in params for name in ("estimator", "base_estimator", "estimators",
                                           "steps", "transformer_list", "transformers"))


def _fitted_parts(attributes: dict) -> list:
    """The fitted estimators an estimator holds (as attributes ending in '_', in lists of
    them, or inside the private wrappers CalibratedClassifierCV keeps): at most 100."""
    from sklearn.base import BaseEstimator

    parts: list = []
    for key, held in attributes.items():
        if not key.endswith("_") or key.startswith("_"):
            continue
        for item in held[:100] if isinstance(held, list) else [held]:
            inner = getattr(item, "estimator", None) if type(item).__name__.startswith(
                "_") else None
            for part in (item, inner):
                if isinstance(part, BaseEstimator) and not type(part).__name__.startswith("_"):
                    parts.append(part)
    return parts[:100]


def _unrecorded_width_problem(value, cls):
    """A fitted scikit-learn estimator checks the width of what it is given against its
    `n_features_in_`, and the checks here compare its stored arrays with that width: one
    that lacks it (deleted from the state) is taken as it comes, and the smoke predict
    passes it by. Since scikit-learn 1.0 every estimator of a table of columns records it;
    one pickled by an older release is reported by the version check instead."""
    from sklearn.base import BaseEstimator

    if not isinstance(value, BaseEstimator) or hasattr(value, "n_features_in_"):
        return None
    concrete = [c for c in cls.__mro__ if (getattr(c, "__module__", "") or "").startswith(
        "sklearn.") and not c.__module__.startswith(("sklearn.base", "sklearn.utils."))]
    if not concrete or cls.__name__.startswith("_") or any(
            c.__name__ in NO_RECORDED_WIDTH for c in concrete):
        return None  # (a private class is a part of a public estimator, which records it)
    # (a meta-estimator that reads it from a part, or passes attributes through, is judged
    # by its parts)
    if "n_features_in_" in dir(cls) or any("__getattr__" in vars(c) for c in cls.__mro__[:-1]):
        return None
    attributes = getattr(value, "__dict__", {})
    if not any(k.endswith("_") and not k.startswith("_") for k in attributes):
        return None  # not fitted: nothing it would predict with
    if callable(attributes.get("kernel")) or callable(attributes.get("metric")):
        # a callable kernel or metric takes what it likes (a list of strings): scikit-learn
        # does not check the input, nor record its width (red team round 35: an honest
        # SVC(kernel=RBF()) was refused)
        return None
    parts = attributes.get("estimators_")
    if isinstance(parts, list) and parts and all(
            type(p).__name__.startswith("_") and (type(p).__module__ or "").startswith(
                "sklearn.") for p in parts):
        # a one-vs-rest a public estimator builds around private parts without fitting it
        # (GaussianProcessClassifier's, for three classes or more): that estimator records
        # the width and checks it before it asks its parts
        return None
    import sklearn

    if PARAMETERS.get("validate") is False:
        # pickled by another release (scikit-learn said so while loading, and MLG306 is the
        # finding): `_sklearn_version` is gone from the loaded state, so it cannot be read
        # below (new-user trial round 40b F4: a 0.22.1 LinearRegression was MLG309)
        return None
    # written by, or loaded in, a release before 1.0, whose estimators did not all record
    # it (0.24's OneHotEncoder: false-alarm round 37)
    for version in (str(attributes.get("_sklearn_version", "")), sklearn.__version__):
        major = version.split(".", 1)[0]
        if major.isdigit() and int(major) < 1:
            return None
    if _wraps_estimators(value) and any(not hasattr(part, "n_features_in_")
                                        for part in _fitted_parts(attributes)):
        # a meta-estimator copies the width from its parts (CalibratedClassifierCV around
        # a text Pipeline: the vectorizer records none, so neither does it)
        return None
    return (f"{cls.__name__}: a fitted estimator without n_features_in_, which its"
            " scikit-learn records at fit: nothing checks the width of its input")


# Distance parameters by the shape they have for an input `w` columns wide: scipy's compiled
# distances read them as that shape without checking (a one-by-one Mahalanobis VI is read
# as w by w: out of bounds).
_METRIC_PARAMETER_SHAPES = {"VI": (2,), "V": (1, 2), "w": (1,)}  # (Mahalanobis takes V too)


# The keywords of a numpy ufunc call that decide where and whether it writes its output
# (`where=False` leaves the output uninitialised: process memory came back as features).
UFUNC_CONTROL = frozenset({"out", "where", "casting", "order", "dtype", "subok", "signature",
                           "extobj", "axes", "axis", "keepdims", "initial"})


def _ufunc_arguments_problem(value):
    """Keyword arguments a model hands to a stored numpy ufunc (FunctionTransformer's
    kw_args and inv_kw_args) are values, never the ufunc's own output controls."""
    import numpy as np

    attributes = getattr(value, "__dict__", {})
    for function, arguments in (("func", "kw_args"), ("inverse_func", "inv_kw_args")):
        kwargs = attributes.get(arguments)
        if isinstance(attributes.get(function), np.ufunc) and isinstance(kwargs, dict):
            controls = sorted(k for k in kwargs if k in UFUNC_CONTROL)
            if controls:
                return (f"{arguments} gives the ufunc {attributes[function].__name__} its"
                        f" {controls[0]!r} argument: it decides where the output is written"
                        " (where=False returns uninitialised memory)")
    return None


def _distance_metric_problem(metric, width=None):
    """A scikit-learn DistanceMetric's stored matrix as its constructor makes it: a
    Mahalanobis matrix square (its distance reads it size x size, size = rows), and both
    the input's width when the model that uses it is known."""
    import numpy as np

    if "Mahalanobis" in type(metric).__name__:
        matrix = metric.__getstate__()[2]
        if np.ndim(matrix) != 2 or matrix.shape[0] != matrix.shape[1]:
            return f"a Mahalanobis matrix of shape {np.shape(matrix)}, not square"
        if width is not None and matrix.shape[0] != width:
            return (f"a Mahalanobis matrix {matrix.shape[0]} wide, for an input {width}"
                    " columns wide")
    if width is not None:
        metric._validate_data(np.zeros((1, width)))
    return None


def _metric_params_problem(value):
    """A neighbour model's stored distance parameters must fit the width of its input."""
    import numpy as np

    attributes = getattr(value, "__dict__", {})
    width = attributes.get("n_features_in_")
    if not isinstance(width, (int, np.integer)):
        return None
    # (a DistanceMetric object as the metric itself: brute force reads its matrix over the
    # query's width, checking only its first dimension)
    for where in ("metric", "effective_metric_"):
        metric = attributes.get(where)
        if hasattr(metric, "_validate_data") and hasattr(metric, "__getstate__"):
            problem = _distance_metric_problem(metric, int(width))
            if problem:
                return f"{type(value).__name__}: {where}: {problem}"
    for where in ("metric_params", "effective_metric_params_"):
        params = attributes.get(where)
        if not isinstance(params, dict):
            continue
        for key, dimensions in _METRIC_PARAMETER_SHAPES.items():
            if key not in params or params[key] is None:
                continue
            shape = np.shape(params[key])
            if shape not in [(int(width),) * d for d in dimensions]:
                return (f"{type(value).__name__}: {where}[{key!r}] of shape {shape}, for an"
                        f" input {int(width)} columns wide")
    return None


def _sparse_problem(matrix):
    """scipy's compiled conversions (coo -> csr, products, toarray) trust a sparse matrix's
    indices, and unpickling checks none of them: compressed formats must pass scipy's own
    full check, coordinates (COO) must lie inside the shape, one per stored value. Any other
    format is not one the allow-list lets in, so it is refused here too."""
    import numpy as np

    kind = getattr(matrix, "format", None)
    if kind in ("csr", "csc") and hasattr(matrix, "check_format"):
        matrix.check_format(full_check=True)
        return None
    if kind != "coo":
        return f"a sparse matrix of format {kind!r}, which mlgate does not check"
    shape, data = matrix.shape, matrix.data
    coords = getattr(matrix, "coords", None)
    if coords is None:  # (scipy before 1.13: row and col)
        coords = (matrix.row, matrix.col)
    if type(data) is not np.ndarray or data.ndim != 1:
        return "COO values not a one-dimensional array"
    if not isinstance(coords, tuple) or len(coords) != len(shape) or not all(
            isinstance(n, (int, np.integer)) and n >= 0 for n in shape):
        return "COO coordinates not one array per axis of its shape"
    for axis, (index, size) in enumerate(zip(coords, shape)):
        if type(index) is not np.ndarray or index.ndim != 1 or index.dtype.kind not in "iu" \
                or len(index) != len(data):
            return f"COO coordinates of axis {axis} not one integer per stored value"
        if index.size and (int(index.min()) < 0 or int(index.max()) >= int(size)):
            return f"COO coordinates of axis {axis} outside its shape"
    return None


def _bspline_problem(spline):
    """A B-spline's evaluation (compiled) trusts that knots, coefficients and degree agree:
    BSpline's constructor checks that, unpickling does not. The stored arrays must be what
    the constructor leaves (contiguous float64 knots, contiguous float64 or complex128
    coefficients), and the constructor must accept them again."""
    import numpy as np

    attributes = vars(spline)
    if attributes.get("_delegate_to") is not None:
        # scipy 1.18: a front whose backend (`_BSpline`) holds the arrays; the walk reaches
        # the backend and checks it here too. A backend delegates to nothing: one that did
        # was passed unchecked while its own arrays were evaluated (red team round 42b F2)
        if type(spline).__name__ != "BSpline":
            return "BSpline: a backend (_BSpline) that delegates to another"
        backend = attributes["_delegate_to"]
        if not (type(backend).__name__ == "_BSpline"
                and type(backend).__module__ == "scipy.interpolate._bsplines"):
            return "BSpline: its backend is not scipy's _BSpline"
        return None
    if ("_t" in attributes and "t" in attributes) or ("_c" in attributes and "c" in attributes):
        return "BSpline: knots or coefficients stored twice: scipy stores one of each"
    t = attributes.get("_t", attributes.get("t"))
    c = attributes.get("_c", attributes.get("c"))
    k, axis = attributes.get("k"), attributes.get("axis", 0)
    if type(t) is not np.ndarray or type(c) is not np.ndarray or type(k) is not int \
            or type(axis) is not int:
        return "BSpline: knots, coefficients, degree or axis of another type"
    if t.dtype != np.float64 or c.dtype not in (np.float64, np.complex128) or not (
            t.flags.c_contiguous and c.flags.c_contiguous):
        return "BSpline: knots or coefficients not as its constructor stores them"
    if not 0 <= axis < max(c.ndim, 1):
        return "BSpline: axis outside its coefficients"
    type(spline)(t, c, k, extrapolate=attributes.get("extrapolate", True), axis=0)
    return None


def _random_state_problem(value):
    """numpy's bit generators take any position in their buffers from a pickle and draw from
    there: MT19937 makes a new key only at pos == 624 exactly (pos 625 reads past its key,
    one word per draw: a model that draws at predict time, DummyClassifier("uniform"),
    reads the heap and crashes on a large batch); Philox reads its buffer at buffer_pos."""
    bit = getattr(value, "_bit_generator", None) or getattr(value, "bit_generator", None) \
        or value
    state = getattr(bit, "state", None)
    if not isinstance(state, dict):
        return None
    inner = state.get("state")
    if state.get("bit_generator") == "MT19937" and (
            len(inner["key"]) != 624 or not 0 <= int(inner["pos"]) <= 624):
        return "MT19937: a position outside its key (numpy writes 0..624)"
    if state.get("bit_generator") == "Philox" and not 0 <= int(state["buffer_pos"]) <= 4:
        return "Philox: a buffer position outside its buffer (numpy writes 0..4)"
    return None


def _sized_output_problem(model, bases, attributes):
    """Counts a fitted transformer stores and sizes its output with (np.empty), then fills
    only as far as its real parts reach: the rest of the output is whatever the heap held
    (process memory returned as features). Each must be what fit derives from the others."""
    if "PolynomialFeatures" in bases and "_n_out_full" in attributes:
        count = getattr(type(model), "_num_combinations", None)
        if count is not None:
            width = int(attributes["n_features_in_"])
            common = {"n_features": width, "max_degree": attributes["_max_degree"],
                      "interaction_only": attributes["interaction_only"],
                      "include_bias": attributes["include_bias"]}
            if int(attributes["_n_out_full"]) != int(count(min_degree=0, **common)) or int(
                    attributes["n_output_features_"]) != int(count(
                        min_degree=attributes["_min_degree"], **common)):
                return "output columns other than its degrees and features make"
    if "TargetEncoder" in bases and "encodings_" in attributes:
        width = int(attributes["n_features_in_"])
        classes = attributes.get("classes_")
        per = len(classes) if attributes.get("target_type_") == "multiclass" else 1
        if len(attributes["encodings_"]) != width * per or len(
                attributes.get("categories_") or ()) != width:
            return "encodings other than one per feature (and class)"
        mean = attributes.get("target_mean_")
        import numpy as np

        if per > 1 and np.shape(mean) != (per,):
            return "a target mean per class other than its classes"
    return None


def _columns_problem(name, mapping, size):
    """A vocabulary-like mapping {key: column} whose columns build a sparse matrix of `size`
    columns (scipy does not check the indices it is given): exactly 0..size-1, once each."""
    import numpy as np

    if not isinstance(mapping, dict):
        return f"{name} is not a dict"
    columns = list(mapping.values())
    if not all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in columns):
        return f"{name} maps to other than column numbers"
    if len(columns) != size or sorted(int(c) for c in columns) != list(range(size)):
        return f"{name} maps to columns other than 0..{size - 1}, once each"
    return None


class Unbounded(str):
    """A problem of cost, not of consistency: a stored setting that makes some request
    take time or memory without bound (the finding says so, not "inconsistent")."""


class Unchecked(str):
    """Not a problem of the model: a part mlgate cannot check in this environment (an
    XGBoost 0.90 Booster writes no JSON model). Said as a warning; the model loaded."""


def _compiled_pattern_problem(value):
    r"""A compiled regular expression the file holds (`re._compile`): a project's
    transformer runs it on each request as a vectorizer runs its token_pattern, so the same
    bound holds (red team round 42 F2: a project's cleaner given `(?:\w|\w\w)` thirty times
    took 50 s on 63 characters), and only the flags CPython's patterns carry (re.DEBUG
    printed the pattern's parse at every load: F5)."""
    import re

    if value.flags & ~(re.I | re.L | re.M | re.S | re.U | re.X | re.A):
        return f"a compiled pattern with flags {value.flags:#x} no pattern carries"
    pattern, flags = value.pattern, value.flags
    if isinstance(pattern, bytes):  # judged over the code points its bytes name
        pattern, flags = pattern.decode("latin-1"), flags & ~(re.L | re.U)
    problem = _pattern_problem(pattern, flags, MAX_COMPILED_PATTERN, lenient=True)
    return Unbounded(f"a compiled pattern {pattern[:80]!r} {problem}") if problem else None


MAX_COMPILED_PATTERN = 10_000  # as the static scan admits (value_types._MAX_PATTERN)


def _pattern_problem(pattern, flags=0, limit=1000, lenient=False):
    r"""Why a vectorizer's stored token_pattern could take time growing faster than the
    square of a request's length, or None. The pattern runs on every request's text, and
    backtracking multiplies where a text can be split between repetitions in more than one
    way: two repetitions of overlapping characters with nothing but what they both match
    between them (`\w*\w*y`: cubic), or a repeated group whose next turn can start where
    the last one goes on (`(\d+)+$`: exponential; red team rounds 31 and 32). What such a
    pattern reads is still allowed when each split is forced: `\w+|\$[\d.]+|\S+`,
    `\b\w+(?:-\w+)*\b`, the default `(?u)\b\w\w+\b`. No back-references."""
    if not isinstance(pattern, str) or len(pattern) > limit:
        return f"is not a pattern of at most {limit} characters"
    key = (pattern, flags, limit, lenient)
    if key not in _PATTERN_VERDICTS:  # once per probe: twenty vectorizers of one pattern
        _PATTERN_VERDICTS[key] = _judged_pattern(pattern, flags, lenient)  # cost one (F4)
    return _PATTERN_VERDICTS[key]


_PATTERN_VERDICTS: dict = {}
_CLASS_CUTS: dict = {}  # a class's intervals over every code point, once per probe


def _judged_pattern(pattern, flags, lenient=False):
    try:
        import re._compiler as compiler  # Python 3.11+
        import re._parser as parser
    except ImportError:
        import sre_compile as compiler
        import sre_parse as parser
    try:
        parsed = parser.parse(pattern, flags)
    except Exception as exc:  # re.error: fit would have refused it
        return f"does not compile: {str(exc)[:100]}"
    try:
        return _PatternCheck(parser, compiler, parsed, lenient).problem()
    except ValueError as exc:  # too many classes, or nested too deeply, to check
        return str(exc)
    except RecursionError:
        return "is nested too deeply to check its matching time"


# How many ways a pattern may match one same text, as the product of its ambiguous choices
# (an optional item, or alternatives, that can take what something before it takes). Each
# doubles the work of every failed match: 40 optional digits took 9.4 s on 8 digits, 30
# pairs of like alternatives 592 s on 40 (red team rounds 41 and 42); 16 costs a 10 kB
# request of digits at most about 0.1 s, and no token pattern seen in real projects has more
# than a few.
MAX_AMBIGUOUS_WAYS = 16
# A repetition of at most this many turns (`[a-z0-9]{1,6}` after a run of the same) is so
# many ways to split, a constant: counted among the ways (lenient checks only)
MAX_SHORT_REPEAT = 16

# How many of a pattern's character classes are matched against every code point (about
# 25 ms each); a token_pattern has a few. More is refused: its time is not checked.
MAX_SCANNED_CLASSES = 64
_EVERY_CHARACTER: list = []  # one string of every code point, made once


def _every_character() -> str:
    if not _EVERY_CHARACTER:
        _EVERY_CHARACTER.append("".join(map(chr, range(0x110000))))
    return _EVERY_CHARACTER[0]


class _PatternCheck:
    """The walk of `_pattern_problem`: `open` is the set of characters that a repetition
    before the current place could still take, and (as `soft`: negative numbers) the ones an
    optional item before it could take or leave to what follows. Sets of characters are
    exact: the code points are cut into intervals on which every class of the pattern (with
    the flags in force where it stands) answers alike, and each interval is one element (a
    sample of fixed characters, then of the characters a pattern names, missed classes of
    letters from other scripts: red team round 33 and its review)."""

    SINGLE = ("LITERAL", "NOT_LITERAL", "IN", "ANY")

    def __init__(self, parser, compiler, parsed, lenient=False):
        self.parser, self.compiler, self.parsed = parser, compiler, parsed
        # A compiled pattern a project's own code keeps and runs its own way (a cleaner's
        # URL or e-mail pattern): what grows as a power of a request's length, and a
        # back-reference, pass; only what grows exponentially is refused (red team round
        # 42b F4: eleven ordinary cleaners' patterns refused)
        self.lenient = lenient
        self.overlapped = False  # (lenient) a repetition overlapping the one before it, seen
        self.max_ways = MAX_AMBIGUOUS_WAYS * (16 if lenient else 1)
        self.cache = {}
        self.turns = 0  # how many repetitions of more than one turn the scan is inside
        self.ways = 1  # the product of the ambiguous choices seen (MAX_AMBIGUOUS_WAYS)
        singles: dict = {}
        self.collect(list(parsed), parsed.state.flags, singles, 0)
        cuts = {0, 0x110000}
        ignorecase = parser.SRE_FLAG_IGNORECASE
        scanned = [key for key, (op, argument, flags) in singles.items()
                   if not (str(op) in ("LITERAL", "NOT_LITERAL") and not flags & ignorecase)]
        if len(scanned) > MAX_SCANNED_CLASSES:
            raise ValueError(f"has more than {MAX_SCANNED_CLASSES} character classes: too"
                             " many to check its matching time")
        for key, (op, argument, flags) in singles.items():
            if key not in scanned:
                cuts.update((argument, argument + 1))
                continue
            if key not in _CLASS_CUTS:
                runs = self.compile([(parser.MAX_REPEAT, (1, parser.MAXREPEAT, self.sub(
                    [(op, argument)], flags)))], flags)
                _CLASS_CUTS[key] = [bound for match in runs.finditer(_every_character())
                                    for bound in match.span()]
            cuts.update(_CLASS_CUTS[key])
        bounds = sorted(cuts)
        self.sample = [chr(low) for low in bounds[:-1]]  # one character per interval

    def sub(self, items, flags):
        state = type(self.parsed.state)()
        state.flags = flags
        return self.parser.SubPattern(state, items)

    @staticmethod
    def soft(chars):
        """`chars` as an optional item leaves them open: taken by it or by what follows."""
        return frozenset(-1 - i for i in chars)

    def overlaps(self, chars, open_) -> bool:
        return bool(chars & open_ or self.soft(chars) & open_)

    def choice(self, ways: int) -> None:
        r"""A place where a text can be matched in `ways` ways: inside a repetition each turn
        multiplies them again (`(?:x\d?\d?)+$`: exponential in a request's length);
        elsewhere they multiply up to MAX_AMBIGUOUS_WAYS."""
        if ways <= 1:
            return
        if self.turns:
            raise ValueError("repeats a group that can match one same text in more than one"
                             " way: each turn multiplies the ways, and matching time grows"
                             " exponentially with a request's text")
        self.ways *= ways
        if self.ways > self.max_ways:
            raise ValueError(f"can match one same text in more than {self.max_ways}"
                             " ways (optional items or alternatives that take what the ones"
                             " before them take): every failed match tries them all, and"
                             " matching time grows exponentially with the pattern")

    def compile(self, items, flags):
        return self.compiler.compile(self.sub(items, flags), flags)

    def collect(self, items, flags, found: dict, depth: int) -> None:
        """Every single-character item of the pattern, with the flags where it stands."""
        if depth > 200:
            raise ValueError("is nested too deeply to check its matching time")
        for op, argument in items:
            kind = str(op)
            if kind in self.SINGLE:
                if kind == "LITERAL" and flags & self.parser.SRE_FLAG_IGNORECASE and (
                        argument < 128 and chr(argument).isalpha()):
                    argument = ord(chr(argument).lower())  # `K` and `k` match alike
                found.setdefault((repr((op, argument)), flags), (op, argument, flags))
            for inner, inner_flags in self.parts(kind, argument, flags):
                self.collect(inner, inner_flags, found, depth + 1)

    def parts(self, kind, argument, flags):
        """The sub-patterns an item holds, each with the flags in force inside it."""
        if kind == "SUBPATTERN":
            add, remove = argument[1] or 0, argument[2] or 0
            if add & getattr(self.parser, "TYPE_FLAGS", 0):  # (?a:...) replaces (?u), as
                flags &= ~self.parser.TYPE_FLAGS  # the compiler does
            return [(list(argument[-1]), (flags | add) & ~remove)]
        if kind == "BRANCH":
            return [(list(b), flags) for b in argument[1]]
        if kind in ("ASSERT", "ASSERT_NOT"):
            return [(list(argument[1]), flags)]
        if kind == "ATOMIC_GROUP":
            return [(list(argument), flags)]
        if kind.endswith("_REPEAT"):
            return [(list(argument[2]), flags)]
        if kind == "GROUPREF_EXISTS":
            return [(list(b), flags) for b in argument[1:] if b is not None]
        return []

    def runs(self, items, flags) -> bool:
        """Whether `items` holds a repetition of more than one turn (a run it scans)."""
        for op, argument in items:
            kind = str(op)
            if kind.endswith("_REPEAT") and argument[1] > 1:
                return True
            if any(self.runs(inner, inner_flags)
                   for inner, inner_flags in self.parts(kind, argument, flags)):
                return True
        return False

    def problem(self):
        try:
            self.scan(list(self.parsed), frozenset(), self.parsed.state.flags)
        except ValueError as exc:
            return str(exc)
        return None

    def chars(self, item, flags):
        key = (repr(item), flags)
        if key not in self.cache:
            compiled = self.compile([item], flags)
            self.cache[key] = frozenset(i for i, c in enumerate(self.sample)
                                        if compiled.fullmatch(c))
        return self.cache[key]

    def first(self, items, flags):
        """(the characters a match of `items` can start with, whether it can be empty)."""
        found = frozenset()
        for op, argument in items:
            kind = str(op)
            if kind in self.SINGLE:
                return found | self.chars((op, argument), flags), False
            if kind == "GROUPREF":  # (lenient only) the group's text: any character
                return found | frozenset(range(len(self.sample))), False
            if kind == "SUBPATTERN":
                [(inner, inner_flags)] = self.parts(kind, argument, flags)
                start, empty = self.first(inner, inner_flags)
            elif kind == "ATOMIC_GROUP":
                start, empty = self.first(list(argument), flags)
            elif kind == "BRANCH":
                parts = [self.first(list(b), flags) for b in argument[1]]
                start = frozenset().union(*(p[0] for p in parts))
                empty = any(p[1] for p in parts)
            elif kind.endswith("_REPEAT"):
                start, empty = self.first(list(argument[2]), flags)
                empty = empty or argument[0] == 0
            else:  # AT, ASSERT, ASSERT_NOT: no character
                start, empty = frozenset(), True
            found |= start
            if not empty:
                return found, False
        return found, True

    def scan(self, items, open_, flags):
        for op, argument in items:
            kind = str(op)
            if kind in ("GROUPREF", "GROUPREF_EXISTS") and not (self.lenient
                                                                and kind == "GROUPREF"):
                raise ValueError("refers back to a group: its matching time has no bound")
            if kind == "GROUPREF":  # (lenient) the group's text again: as one item, what was
                continue  # open stays open
            if kind in self.SINGLE:
                open_ = open_ if self.overlaps(self.chars((op, argument), flags),
                                               open_) else frozenset()
            elif kind == "SUBPATTERN":
                [(inner, inner_flags)] = self.parts(kind, argument, flags)
                open_ = self.scan(inner, open_, inner_flags)
            elif kind == "BRANCH":
                open_ = self.branch(argument[1], open_, flags)
            elif kind in ("ASSERT", "ASSERT_NOT"):
                body = list(argument[1])
                if not self.lenient and self.runs(body, flags) and (
                        self.turns or self.first(body, flags)[0] & open_):
                    # each turn of the repetition around it, or each place a repetition
                    # before it gives back, scans the run again: `(?:(?=\w*y)\w)+z` and
                    # `\w+(?=\w*y)` are cubic (red team round 41 F2: 3,001 characters, 23 s)
                    raise ValueError("looks ahead over a run of characters where a repetition"
                                     " goes back and forth: each turn scans the run again,"
                                     " and matching time grows as a power of a request's"
                                     " length")
                self.scan(body, frozenset(), flags)
            elif kind == "ATOMIC_GROUP":  # no backtracking into it, but past it: what was
                # open before stays so when the group may take nothing or the same
                # characters (`\d*(?>)\d*y` forgot the first run: red team round 42b F1)
                self.scan(list(argument), frozenset(), flags)
                start, empty = self.first(list(argument), flags)
                open_ = open_ if empty or self.overlaps(start, open_) else frozenset()
            elif kind.endswith("_REPEAT"):
                open_ = self.repeat(kind, argument, open_, flags)
        return open_

    def branch(self, alternatives, open_, flags):
        r"""Alternatives: as many ways as begin with one same character (`(?:\d|\d)`); one
        that matches nothing makes the others optional."""
        alternatives = [list(b) for b in alternatives]
        firsts = [self.first(b, flags) for b in alternatives]
        empties = sum(1 for _, empty in firsts if empty)
        starts = frozenset().union(*(start for start, _ in firsts))
        alike = max((1 + sum(1 for j, other in enumerate(alternatives) if j != i
                             and firsts[i][0] & firsts[j][0]
                             and not self.distinct(this, other, flags))
                     for i, this in enumerate(alternatives)), default=0)
        self.choice(max(alike, empties))
        # what is open before it may take what an alternative begins with: `a(?:|b)(?:c|bc)`
        # splits each b two ways (red team round 42b F1, 28 pairs: 22.7 s)
        self.choice(2 if self.overlaps(starts, open_) else 1)
        after = frozenset().union(*(self.scan(b, open_, flags) for b in alternatives))
        return after | (self.soft(starts) if empties else frozenset())

    def distinct(self, one, other, flags) -> bool:
        """Whether two alternatives can never match one same text: at some place before
        either ends, both still one character per item, they take no character alike
        (`can't|could`: a list of words is no choice)."""
        for a, b in zip(one, other):
            if str(a[0]) not in self.SINGLE or str(b[0]) not in self.SINGLE:
                return False
            if not self.chars(a, flags) & self.chars(b, flags):
                return True
        return False

    def repeat(self, kind, argument, open_, flags):
        low, high, body = argument[0], argument[1], list(argument[2])
        start, empty = self.first(body, flags)
        if high <= 1:  # optional: skipped, or once; two ways where what is open takes it
            if low == 1 or high == 0:  # `(?:ab){1}`, `a{0}`: no choice
                return open_ | self.scan(body, open_, flags)
            self.choice(2 if empty or self.overlaps(start, open_) else 1)
            return open_ | self.soft(start) | self.scan(body, open_, flags)
        if low == high and all(str(op) in self.SINGLE for op, _ in body):
            return self.scan(body, open_, flags)  # `\d{3}`: three single items, no run
        if empty:
            raise ValueError("repeats what can match nothing: its matching time can grow"
                             " exponentially with a request's text")
        self.choice(2 if self.soft(start) & open_ else 1)  # `\d?\d+`: the digit is either's
        if start & open_ and self.lenient and high <= MAX_SHORT_REPEAT:
            self.choice(high - low + 1)  # (lenient) a short run: that many ways, no power
        elif start & open_ and self.lenient and not self.overlapped:
            # (lenient) one such split is square in a request's length, as `\w*\d\w*`: a
            # second one is a higher power (`\d*(?>)\d*(?>)\d*y`: 6.5 s on 400 digits)
            self.overlapped = True
        elif start & open_:
            raise ValueError("repeats characters the repetition before it also takes, with"
                             " nothing between them that only one takes: a text can be split"
                             " between them in many ways, and matching time grows as a power"
                             " of a request's length")
        self.turns += 1
        try:
            after = self.scan(body, frozenset(), flags)  # what one turn may still take at its end
        finally:
            self.turns -= 1
        # and what an optional part at its end may take: `(?:q|qq)+$` is parsed as
        # `(?:q(?:|q))+`, whose turns split a run of q's in as many ways as (?:q|qq) does
        # (review of round 34: 41 characters, 18 s)
        after = after | self.optional_tail(body, flags)
        if start & after or self.overlapping_branches(body, flags):
            raise ValueError("repeats a group whose next turn can begin where the last one"
                             " goes on, or whose alternatives begin alike: its matching time"
                             " can grow exponentially with a request's text (repeat one"
                             " character or class, as in the default `(?u)\\b\\w\\w+\\b`)")
        if kind == "POSSESSIVE_REPEAT":
            return frozenset()
        taken = start | after  # the next turn, or the last one going on
        return (open_ | taken) if low == 0 else taken

    def optional_tail(self, items, flags):
        """The characters the parts that may match nothing at the end of `items` can take."""
        found = frozenset()
        for item in reversed(items):
            start, empty = self.first([item], flags)
            if not empty:
                break
            found |= start
        return found

    def overlapping_branches(self, items, flags):
        """Whether alternatives in a repeated body can match alike: begin with the same
        character, or both match nothing (`(a|a)*`, which the parser makes `(a(?:|))*`)."""
        for op, argument in items:
            kind = str(op)
            if kind == "SUBPATTERN":
                [(inner, inner_flags)] = self.parts(kind, argument, flags)
                if self.overlapping_branches(inner, inner_flags):
                    return True
            if kind != "BRANCH":
                continue
            firsts = [self.first(list(b), flags) for b in argument[1]]
            if any((a[0] & b[0]) or (a[1] and b[1])
                   for i, a in enumerate(firsts) for b in firsts[i + 1:]):
                return True
            if any(self.overlapping_branches(list(b), flags) for b in argument[1]):
                return True
        return False


# The loops a transform or predict runs as many times as a stored setting says (fit accepts
# any positive integer): LDA's per-document updates, NMF's solver for W, the sparse coding of
# the dictionary learners. A setting past this ran a request for hours (LDA with
# max_doc_update_iter=10**12 and mean_change_tol=5e-324: red team round 31); the defaults
# are 100 to 1000.
MAX_TRANSFORM_ITERATIONS = 100_000
_TRANSFORM_LOOPS = {
    "LatentDirichletAllocation": ("max_doc_update_iter",),
    "NMF": ("max_iter",),
    "MiniBatchNMF": ("max_iter", "_transform_max_iter"),
    "DictionaryLearning": ("transform_max_iter",),
    "MiniBatchDictionaryLearning": ("transform_max_iter",),
    "SparseCoder": ("transform_max_iter",),
    # each step adds a block of columns to every row (10**9: red team round 35)
    "AdditiveChi2Sampler": ("sample_steps",),
}


# IterativeImputer's transform replays its fitted imputation sequence, one fitted estimator
# per round and column: n_iter_ rounds (the default max_iter is 10).
MAX_IMPUTATION_ROUNDS = 1000


def _solver_problem(name, bases, attributes):
    """A transform-time loop bound past MAX_TRANSFORM_ITERATIONS, or None."""
    if "IterativeImputer" in bases and "imputation_sequence_" in attributes:
        rounds = _integer(attributes.get("n_iter_"))
        width = _integer(attributes.get("n_features_in_"))
        steps = attributes["imputation_sequence_"]
        if rounds is None or width is None or not 0 <= rounds <= MAX_IMPUTATION_ROUNDS or (
                not isinstance(steps, list) or len(steps) > rounds * width):
            # one step repeated 50,000 times made each request with a null take 36 s
            # (red team round 32)
            return (f"{name}: {len(steps) if isinstance(steps, list) else '?'} imputation"
                    f" steps for n_iter_={attributes.get('n_iter_')!r} rounds of"
                    f" {attributes.get('n_features_in_')!r} columns (a fitted imputer replays"
                    f" at most n_iter_ x columns, n_iter_ <= {MAX_IMPUTATION_ROUNDS})")
    for base, settings in _TRANSFORM_LOOPS.items():
        if base not in bases:
            continue
        for setting in settings:
            if setting not in attributes or attributes[setting] is None:
                continue
            count = _integer(attributes[setting])
            if count is None or not 1 <= count <= MAX_TRANSFORM_ITERATIONS:
                return (f"{name}: {setting}={str(attributes[setting])[:40]} runs each"
                        f" request's solver up to that many times (a model stores between 1"
                        f" and {MAX_TRANSFORM_ITERATIONS}; the default is 100 to 1000)")
    return _row_width_problem(name, bases, attributes) or _called_objects_problem(
        name, bases, attributes)


# Output widths that size what each request row allocates, set by a parameter, not by an
# array the file holds (red team round 35: a PolynomialCountSketch 2,000,000 wide took 100
# MB a row; a PolynomialFeatures of a hashed text 1.9e17 wide, T**3/6 entries for T words).
MAX_SKETCH_WIDTH = 1 << 17
MAX_POLYNOMIAL_WIDTH = 1 << 24
_WIDTHS = {"PolynomialCountSketch": ("n_components", MAX_SKETCH_WIDTH),
           "PolynomialFeatures": ("n_output_features_", MAX_POLYNOMIAL_WIDTH)}


def _row_width_problem(name, bases, attributes):
    for base, (setting, limit) in _WIDTHS.items():
        if base in bases and setting in attributes:
            width = _integer(attributes[setting])
            if width is None or not 0 <= width <= limit:
                return (f"{name}: {setting}={str(attributes[setting])[:40]}: each request row"
                        f" is that wide (at most {limit} here)")
    return None


# Parameters a model calls on every request, which must be functions: an object of a
# library class that happens to be callable is not one (red team round 35: a kernel as
# FunctionTransformer's func made an n x n matrix per request; a fitted callback as an
# inverse_func rewrote the model on each request).
_CALLED = {"FunctionTransformer": ("func", "inverse_func"),
           "TransformedTargetRegressor": ("func", "inverse_func"),
           # neighbours weigh and measure with them: a kernel as `weights` made an n x n
           # matrix per request, answers unchanged (red team round 36)
           "KNeighborsMixin": ("weights", "metric"), "RadiusNeighborsMixin": ("weights", "metric"),
           "KNNImputer": ("weights", "metric")}


def _called_objects_problem(name, bases, attributes):
    import functools
    import types

    import numpy as np

    plain = (types.FunctionType, types.BuiltinFunctionType, np.ufunc)
    for base, settings in _CALLED.items():
        if base not in bases:
            continue
        for setting in settings:
            value = attributes.get(setting)
            inner = value.func if isinstance(value, functools.partial) else value
            if value is None or not callable(inner) or isinstance(inner, (*plain, type)) or not (
                    type(inner).__module__ or "").startswith(_LIBRARIES) or (
                    type(inner).__name__ == "_ArrayFunctionDispatcher"):  # numpy functions
                continue  # (a project's own callable object is its code, as its functions)
            return (f"{name}: {setting} is a {type(inner).__name__} object, not a function:"
                    " it is called on every request")
    return None


# How many times the repr, get_params and clone of a model may visit its estimators (and
# kernels), counting one reached through two slots twice: a kernel `Sum(k, k)` nested 60
# deep is 2**60 visits of a file of a few KB (red team round 31). A forest of 1,000 trees
# in ten stacked ensembles is 10,000.
MAX_EXPANDED_ESTIMATORS = 100_000
# How much larger than what it holds a model may be, walked: a tree of shared slots is
# 2**depth times larger; an ordinary model (a vocabulary of a million words) is not larger.
EXPANSION_RATIO = 4
# Levels of containers and estimators: a pickler writes about 1,000 (more with a raised
# recursion limit: round 14's test writes 3,000); hashing a tuple 500,000 deep overflows
# the C stack.
MAX_NESTING = 10_000


def expansion_problem(root):
    """Why walking the loaded model as a tree (as repr, get_params(deep=True), clone and a
    serialiser of its answers do) would not finish, or None. Every estimator, container and
    item a container holds counts, once per path that reaches it; sizes are memoised per
    object, so this runs in the number of distinct objects. A large model is as large
    walked as it is held: what is refused is a tree many times larger than what it holds
    (one object reached through two slots, level upon level)."""
    sizes = {}  # id -> expanded size; -1 while in progress (a cycle counts nothing again)
    stack = [(root, False, 0)]
    keep = []
    held = 0  # what the distinct objects hold, once each
    while stack:
        value, done, depth = stack.pop()
        key = id(value)
        if not done and key in sizes:
            continue
        if depth > MAX_NESTING:
            # a 500,000-deep tuple is no writer's, and hashing it (a dict key, a set, a
            # cache) overflows the C stack (static layer round 34)
            return (f"nests containers or estimators more than {MAX_NESTING} levels deep,"
                    " deeper than a pickler writes")
        children, leaves = _expansion_children(value)
        if not done:
            sizes[key] = -1
            keep.append(value)
            held += 1 + leaves
            stack.append((value, True, depth))
            stack.extend((child, False, depth + 1) for child in children
                         if id(child) not in sizes)
            continue
        total = 1 + leaves + sum(max(sizes.get(id(child), 0), 0) for child in children)
        sizes[key] = total
        if total > MAX_EXPANDED_ESTIMATORS and total > EXPANSION_RATIO * held:
            return Unbounded(
                f"walked as repr, get_params, clone or a serialiser of its answers walk it (one"
                f" object reached through two slots counts twice), it numbers more than"
                f" {MAX_EXPANDED_ESTIMATORS:,} estimators, containers and items (a long text"
                f" or array weighing more, 64 bytes to one), from"
                f" {held:,} distinct ones: an estimator, kernel, list or dict is shared"
                " between slots of its parent, level upon level; save the model as fit"
                " leaves it")
    return None


def _expansion_children(value):
    """The estimators and containers `value` holds (its attributes, a container's items and
    keys, an object array's elements: a chain hidden in a deque or an object array inside a
    class_weight dict was missed, red team round 32; one of plain lists or dicts, round 33),
    and how many other items it holds (a container's; an estimator's are its parameters)."""
    if isinstance(value, dict):
        items = list(value.values()) + list(value)
    elif _is_container(value):
        items = list(value.ravel()) if hasattr(value, "ravel") else list(value)
    elif hasattr(value, "get_params") and not isinstance(value, type):
        items = list((getattr(value, "__dict__", None) or {}).values())
    else:
        return [], 0
    children = [item for item in items if isinstance(item, dict) or _is_container(item)
                or (hasattr(item, "get_params") and not isinstance(item, type))]
    # each other item weighs what printing it writes, in 64-byte units (a 1 MiB string
    # under a 16-level chain made every answer 64 GiB: review of round 33's rule)
    leaves = sum(_leaf_weight(item) for item in items if not (
        isinstance(item, dict) or _is_container(item)
        or (hasattr(item, "get_params") and not isinstance(item, type))))
    return children, leaves


def _leaf_weight(item) -> int:
    """What printing or copying the item writes, in 64-byte units: a text's or array's
    length, any other value's own size in memory, and what a path or a decimal prints (a
    60,000-digit Decimal or a long path weighed 1, and a 14-level chain over one made repr
    take minutes and gigabytes: red team round 34)."""
    import sys

    if isinstance(item, (str, bytes, bytearray)):
        return 1 + len(item) // 64
    size = getattr(item, "nbytes", None)  # an array of numbers
    if isinstance(size, int):
        return 1 + size // 64
    try:
        size = sys.getsizeof(item, 0)
        dtype = getattr(item, "dtype", item if type(item).__module__.startswith("numpy")
                        else None)
        if getattr(dtype, "fields", None):  # a structured dtype prints every field (review
            size = max(size, _dtype_text(dtype, {}, 0))  # of round 34: 1 MB from weight 2)
        if type(item).__module__ in ("pathlib", "decimal", "_pydecimal"):
            size = max(size, len(str(item)))  # (a path's parts lie in other objects)
        elif type(item).__module__ == "fractions":
            size = max(size, (item.numerator.bit_length() + item.denominator.bit_length()) // 3)
    except Exception:
        size = 0
    return 1 + size // 64


MAX_DTYPE_TEXT = 1 << 40


def _dtype_text(dtype, memo, depth):
    """About how many characters a structured dtype prints, counted over its fields with
    each sub-dtype once (str() of one that doubles at every level never finishes)."""
    sub = getattr(dtype, "subdtype", None)
    if sub:
        dtype = sub[0]
    fields = getattr(dtype, "fields", None)
    if not fields:
        return 8
    if depth > 64:
        return MAX_DTYPE_TEXT
    if id(dtype) not in memo:
        total = 0
        for name, entry in fields.items():
            total += len(str(name)) + 8 + _dtype_text(entry[0], memo, depth + 1)
        memo[id(dtype)] = min(total, MAX_DTYPE_TEXT)
    return memo[id(dtype)]


def _is_container(value):
    """A list, tuple, set, deque, or a numpy array of objects."""
    import collections

    if isinstance(value, (list, tuple, set, frozenset, collections.deque)):
        return True
    # an array of objects (not a structured one, whose items are fresh np.void each time)
    return type(value).__module__ == "numpy" and type(value).__name__ == "ndarray" and (
        getattr(getattr(value, "dtype", None), "kind", "") == "O")


def _stored_index_problem(model, bases):
    """Integers a fitted model stores and compiled code uses as indices, unchecked, on paths
    a row of zeros does not take (a word of the vocabulary, a neighbour's label): each must
    lie inside what it indexes. `bases`: the model's scikit-learn classes, by name."""
    import numpy as np

    name = type(model).__name__
    attributes = getattr(model, "__dict__", {})
    if bases & {"CountVectorizer", "DictVectorizer"} and "vocabulary_" in attributes:
        vocabulary = attributes["vocabulary_"]
        size = len(vocabulary) if isinstance(vocabulary, dict) else -1
        if "DictVectorizer" in bases:
            size = len(attributes.get("feature_names_") or ())
        problem = _columns_problem("vocabulary_", vocabulary, size)
        if problem:
            return f"{name}: {problem}"
    if "MultiLabelBinarizer" in bases and attributes.get("_cached_dict") is not None:
        problem = _columns_problem("its class index", attributes["_cached_dict"],
                                   len(attributes.get("classes_", ())))
        if problem:
            return f"{name}: {problem}"
    if "_VectorizerMixin" in bases:
        grams = attributes.get("ngram_range")
        low, high = (_integer(grams[0]), _integer(grams[1])) if isinstance(
            grams, tuple) and len(grams) == 2 else (None, None)
        if low is None or high is None or not 1 <= low <= high <= MAX_NGRAM:
            # each request's n-grams number about its length times the range: (1, 10**6)
            # made a 3,000-character review exhaust 3 GB (fit accepts any pair of ints)
            return (f"{name}: ngram_range {grams!r} outside 1 <= min <= max <="
                    f" {MAX_NGRAM}")
        source = attributes.get("input", "content")
        if source != "content":
            # 'filename' or 'file': each request's text is opened as a path (`/etc/passwd`
            # fed the prediction, `/dev/zero` exhausted memory: red team round 32). A served
            # model is given the text itself.
            return f"{name}: input={str(source)[:40]!r} opens each request's text as a file"
        pattern = attributes.get("token_pattern")
        problem = _pattern_problem(pattern) if pattern is not None else None
        if problem:
            return Unbounded(f"{name}: token_pattern {str(pattern)[:80]!r} {problem}")
    problem = _solver_problem(name, bases, attributes)
    if problem:
        return Unbounded(problem)
    problem = _fitted_method_problem(attributes)
    if problem:
        return f"{name}: {problem}"
    if bases & {"FeatureHasher", "HashingVectorizer"}:
        width = attributes.get("n_features")
        if not (isinstance(width, (int, np.integer)) and 1 <= width <= np.iinfo(np.int32).max):
            return f"{name}: n_features outside 1..2**31-1"
    if "_y" in attributes and "classes_" in attributes and bases & {
            "KNeighborsClassifier", "RadiusNeighborsClassifier"}:
        problem = _labels_problem(attributes["_y"], attributes["classes_"],
                                  attributes.get("n_samples_fit_"), attributes.get("_fit_X"),
                                  attributes.get("_tree"))
        if problem:
            return f"{name}: {problem}"
    if "_BaseEncoder" in bases and "categories_" in attributes:
        problem = _encoder_groups_problem(attributes)
        if problem:
            return f"{name}: {problem}"
    if "AgglomerationTransform" in bases and "labels_" in attributes:
        problem = _agglomeration_problem(attributes)
        if problem:
            return f"{name}: {problem}"
    problem = _sized_output_problem(model, bases, attributes)
    if problem:
        return f"{name}: {problem}"
    if "OneHotEncoder" in bases and "_n_features_outs" in attributes:
        # the output columns each feature takes: the encoder's own arithmetic from its
        # categories, drops and infrequent groups, or a sparse matrix with columns beyond it
        derived = model._compute_n_features_outs()
        if [int(n) for n in attributes["_n_features_outs"]] != [int(n) for n in derived]:
            return f"{name}: output columns other than its categories make"
    if "DummyClassifier" in bases and "classes_" in attributes:
        problem = _dummy_problem(attributes)
        if problem:
            return f"{name}: {problem}"
    if "BaseGradientBoosting" in bases and "estimators_" in attributes:
        problem = _boosting_init_problem(model, "GradientBoostingClassifier" in bases)
        if problem:
            return f"{name}: {problem}"
    return None


# The methods a fitted model may name for its parts to answer with at predict time.
ANSWERING_METHODS = frozenset({"predict", "predict_proba", "predict_log_proba",
                               "decision_function", "transform", "score_samples"})


def _fitted_method_problem(attributes):
    """A fitted attribute naming methods its model calls by name on a request
    (StackingClassifier's `stack_method_`, ClassifierChain's `chain_method_`): fit resolves
    them to answering methods only. `fit_transform` there refitted a shared scaler on every
    request, so each answer was computed from the previous caller's rows, and READY (red
    team round 34)."""
    for key, value in attributes.items():
        if not (isinstance(key, str) and key.endswith("_") and "method" in key):
            continue
        names = [value] if isinstance(value, str) else value
        if type(names).__module__ == "numpy" and hasattr(names, "tolist"):
            names = names.tolist()  # (an array of names: review of round 34's rule)
            names = [names] if isinstance(names, str) else names
        if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
            continue  # not a method name: judged where it is used, if anywhere
        wrong = [n for n in names if n not in ANSWERING_METHODS]
        if wrong:
            return (f"{key} names {wrong[0][:40]!r}, not a method that answers a request"
                    f" ({', '.join(sorted(ANSWERING_METHODS))})")
    return None


def _encoder_groups_problem(attributes):
    """A category encoder's infrequent groups and dropped categories index the columns of
    its output: one-hot encoding builds a sparse matrix from them that nothing checks. Each
    feature's mapping must be the one the encoder derives from its infrequent categories
    (frequent ones in order, then one shared group), and each drop must be one of the groups."""
    import numpy as np

    categories = attributes["categories_"]
    if not isinstance(categories, list) or not all(
            type(c) is np.ndarray and c.ndim == 1 for c in categories):
        return "categories_ not a list of one-dimensional arrays"
    for i, known in enumerate(categories):
        if known.dtype.kind in "iufMm" and not _sorted_unique(np, known):
            # transform() finds a value's code by binary search (np.searchsorted): in any
            # other order a known value gets a code past the feature's columns, and the
            # one-hot matrix built from it writes past its end (scikit-learn's fit sorts
            # them, and refuses unsorted numeric categories it is given)
            return f"feature {i}: categories_ not in increasing order, each once, NaN last"
    groups = [len(c) for c in categories]
    infrequent = attributes.get("_infrequent_indices")
    mappings = attributes.get("_default_to_infrequent_mappings")
    if infrequent is not None or mappings is not None:
        if not (isinstance(infrequent, list) and isinstance(mappings, list)
                and len(infrequent) == len(mappings) == len(categories)):
            return "infrequent categories or their mappings not one per feature"
        for i, (rare, mapping) in enumerate(zip(infrequent, mappings)):
            if rare is None and mapping is None:
                continue
            if type(rare) is not np.ndarray or type(mapping) is not np.ndarray \
                    or rare.ndim != 1 or mapping.ndim != 1 or rare.dtype.kind not in "iu" \
                    or mapping.dtype != np.int64:
                return f"feature {i}: infrequent categories or mapping of another type"
            size = len(mapping)  # the categories, less the missing-value one if it has one
            if size not in (len(categories[i]), len(categories[i]) - 1) or not rare.size \
                    or not np.array_equal(rare, np.unique(rare)) \
                    or int(rare[0]) < 0 or int(rare[-1]) >= size:
                return f"feature {i}: infrequent categories outside its categories"
            derived = np.empty(size, dtype=np.int64)
            frequent = np.setdiff1d(np.arange(size), rare)
            derived[rare] = len(frequent)
            derived[frequent] = np.arange(len(frequent))
            if not np.array_equal(mapping, derived):
                return (f"feature {i}: an infrequent-category mapping other than its"
                        " infrequent categories make")
            groups[i] = len(frequent) + 1 + (len(categories[i]) - size)
    drops = attributes.get("_drop_idx_after_grouping")
    if drops is not None:
        if type(drops) is not np.ndarray or drops.ndim != 1 or len(drops) != len(categories):
            return "dropped categories not one per feature"
        for i, drop in enumerate(drops):
            if drop is None:
                continue
            if not isinstance(drop, (int, np.integer)) or isinstance(drop, bool) \
                    or not 0 <= int(drop) < groups[i]:
                return f"feature {i}: a dropped category outside its categories"
    public = attributes.get("drop_idx_")  # the same, counted in categories_
    if public is not None:
        if type(public) is not np.ndarray or public.ndim != 1 or len(public) != len(categories):
            return "dropped categories not one per feature"
        for i, drop in enumerate(public):
            if drop is not None and (not isinstance(drop, (int, np.integer)) or isinstance(
                    drop, bool) or not 0 <= int(drop) < len(categories[i])):
                return f"feature {i}: a dropped category outside its categories"
    return None


def _sorted_unique(np, values):
    """Strictly increasing, with at most one NaN (NaT), last: what np.unique writes."""
    missing = np.isnat(values) if values.dtype.kind in "Mm" else np.isnan(values) \
        if values.dtype.kind == "f" else np.zeros(len(values), dtype=bool)
    count = int(missing.sum())
    if count > 1 or (count == 1 and not missing[-1]):
        return False
    present = values[~missing]
    return bool(np.all(present[1:] > present[:-1]))


def _agglomeration_problem(attributes):
    """FeatureAgglomeration.transform() pools each row by `np.bincount(labels_, row)`: as
    many output columns as the largest stored label, whatever the request (a 715-byte file
    with labels_ = [0, 50_000_000] made 381 MiB per row). One label per input column, each
    below n_clusters_, which is no more than the columns."""
    import numpy as np

    labels, width = attributes["labels_"], attributes.get("n_features_in_")
    clusters = attributes.get("n_clusters_", width)
    if type(labels) is not np.ndarray or labels.ndim != 1 or labels.dtype.kind not in "iu":
        return "labels_ not a one-dimensional integer array"
    if not isinstance(width, (int, np.integer)) or len(labels) != int(width):
        return "labels_ not one per input column"
    if not isinstance(clusters, (int, np.integer)) or not 1 <= int(clusters) <= int(width):
        return "n_clusters_ outside 1..its input columns"
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= int(clusters)):
        return "labels_ outside 0..n_clusters_-1"
    return None


def _labels_problem(labels, classes, samples, fitted=None, tree=None):
    """A neighbour classifier's encoded labels index its class counts (compiled), and its
    neighbours' indices (rows of what it was fitted on) index its labels: one label per
    row, everywhere it keeps the rows."""
    import numpy as np

    if type(labels) is not np.ndarray or labels.dtype.kind not in "iu" or labels.ndim not in (
            1, 2):
        return "labels (_y) not an integer array"
    columns = [labels] if labels.ndim == 1 else list(labels.T)
    per_output = [classes] if labels.ndim == 1 else list(classes)
    if len(per_output) != len(columns):
        return "labels (_y) for another number of outputs than classes_"
    for column, known in zip(columns, per_output):
        if column.size and (int(column.min()) < 0 or int(column.max()) >= len(known)):
            return "labels (_y) outside its classes_"
    rows = [samples, getattr(fitted, "shape", (None,))[0]]
    if tree is not None and hasattr(tree, "get_arrays"):
        rows.append(tree.get_arrays()[0].shape[0])
    if any(r is not None and int(r) != labels.shape[0] for r in rows):
        return "labels (_y) for another number of samples than it was fitted on"
    return None


def _dummy_problem(attributes):
    """A DummyClassifier's classes, their count and their priors, as fit makes them: one
    each per output. predict_proba is as wide as n_classes_ or class_prior_ (by strategy),
    which a gradient boosting's init width was taken from classes_ for (red team 43c F2:
    a one-entry prior under three classes corrupted the heap in predict)."""
    import numpy as np

    outputs = attributes.get("n_outputs_", 1)
    classes, counts, priors = (attributes.get(k) for k in ("classes_", "n_classes_",
                                                          "class_prior_"))
    if outputs == 1:
        classes, counts, priors = [classes], [counts], [priors]
    if not all(isinstance(v, (list, tuple)) and len(v) == outputs
               for v in (classes, counts, priors)):
        return "classes, class counts or priors for another number of outputs"
    for known, count, prior in zip(classes, counts, priors):
        if np.ndim(known) != 1 or np.ndim(prior) != 1 or not isinstance(
                count, (int, np.integer)) or not (len(known) == int(count) == len(prior)):
            return "class priors or a class count other than its classes"
    return None


def _boosting_init_problem(model, classifier):
    """predict() writes out[i, k] for every column k of estimators_ into the init
    estimator's raw predictions, as wide as: n_trees_per_iteration_ for init "zero", else 1
    (a regression, a binary classification), or the init classifier's classes (multiclass)."""
    import numpy as np

    parts = np.asarray(model.estimators_, dtype=object)
    needed = parts.shape[1] if parts.ndim == 2 else None
    init = getattr(model, "init_", None)
    if needed is None or init is None:
        return None  # (the shape check says what is wrong with it)
    # What predict() reads, as the class's own _raw_predict_init reads it: from 1.4,
    # n_trees_per_iteration_ ("zero") and the loss's is_multiclass; before, a loss of its
    # own kind (`_loss`, or `loss_` earlier), whose K is the zeros' width and whose class
    # decides the init's width (false-alarm trial 43: every multiclass model of 1.1-1.3,
    # and every init="zero" one, was "inconsistent"; red team 43b: an attribute of the
    # other layout added to a model must not be what is read)
    code = getattr(getattr(type(model), "_raw_predict_init", None), "__code__", None)
    names = set(getattr(code, "co_names", ()))
    if "K" in names and "n_trees_per_iteration_" not in names:
        loss = getattr(model, "loss_" if "loss_" in names else "_loss", None)
        multiclass = getattr(type(loss), "is_multi_class", False) is True
        zero = _int(loss, "K")
    else:
        multiclass = bool(getattr(getattr(model, "_loss", None), "is_multiclass", False))
        zero = _int(model, "n_trees_per_iteration_")
    if isinstance(init, str):
        width = zero if init == "zero" else 0
    elif classifier and multiclass:
        classes = getattr(init, "classes_", None)
        width = len(classes) if classes is not None else 0
    else:
        width = 1
    if width < needed:
        return (f"an init estimator whose raw predictions are {width} wide, for trees"
                f" {needed} wide")
    return None


def _int(obj, name: str) -> int:
    try:
        return int(getattr(obj, name, 0) or 0)
    except (TypeError, ValueError):
        return 0


def _centres_problem(model):
    """k-means' compiled assignment reads each centre across the input's width (the width
    `n_features_in_` lets through): centres narrower than that are read out of bounds."""
    import numpy as np

    centres, width = model.cluster_centers_, getattr(model, "n_features_in_", None)
    if type(centres) is not np.ndarray or centres.ndim != 2:
        return f"{type(model).__name__}: cluster_centers_ is not a 2-d array"
    if width is not None and centres.shape[1] != width:
        return (f"{type(model).__name__}: cluster centres {centres.shape[1]} wide for"
                f" {width} features")
    # BisectingKMeans predicts down its tree of clusters, with each node's centre
    nodes, seen, met = [getattr(model, "_bisecting_tree", None)], 0, set()
    while nodes:
        node = nodes.pop()
        if node is None:
            continue
        seen += 1
        if id(node) in met:
            # predict descends into both children: a node under two parents doubles the
            # walk at each level (red team round 35: 18 levels, 31 s a row)
            return f"{type(model).__name__}: a cluster tree node under two parents"
        met.add(id(node))
        if seen > 2 * len(centres) + 1:
            return f"{type(model).__name__}: a cluster tree larger than its clusters"
        centre = getattr(node, "center", None)
        if centre is not None and (type(centre) is not np.ndarray or centre.shape != (
                centres.shape[1],)):
            return f"{type(model).__name__}: a cluster tree centre of another width"
        nodes.extend((getattr(node, "left", None), getattr(node, "right", None)))
    mean = getattr(model, "_X_mean", None)
    if mean is not None and np.shape(mean) != (centres.shape[1],):
        return f"{type(model).__name__}: a data mean of another width"
    return None


def _width(estimator):
    width = getattr(estimator, "n_features_in_", None)
    if width is None:
        width = getattr(estimator, "n_features_", None)  # scikit-learn before 1.0
    return None if width is None else int(width)


def _tree_width_problem(model):
    """A tree reads X[i, feature] for the feature its nodes name, trusting that the input is
    as wide as its Tree says: the Tree's width is the estimator's, and a forest's or a
    gradient boosting's trees are as wide as it is; a gradient boosting holds one tree per
    output column it writes (predict writes out[i, k] for every k of estimators_)."""
    import numpy as np

    name = type(model).__name__
    width = _width(model)
    tree = getattr(model, "tree_", None)
    if not _is_tree(tree):  # (a KernelDensity's tree_ is a KDTree: checked as one)
        tree = None
    if tree is not None and width is None:
        # without it, predict() checks no input's width (and apply(check_input=False) never)
        return f"{name}: a tree with no n_features_in_ to hold its input to"
    if tree is not None and int(tree.n_features) != width:
        return f"{name}: a tree as wide as {int(tree.n_features)} features, the estimator {width}"
    estimators = getattr(model, "estimators_", None)
    module = type(model).__module__ or ""
    boosting = hasattr(model, "init_") or "_gb" in module
    forest = "_forest" in module or "_iforest" in module
    if estimators is None or isinstance(estimators, (str, bytes)):
        return None
    if isinstance(estimators, np.ndarray):  # (a gradient boosting's, 2-d)
        parts = estimators.astype(object)
    else:  # a list: one part per item, even a part that is a sequence (a Pipeline)
        try:
            items = list(estimators)
        except TypeError:
            return None
        parts = np.empty(len(items), dtype=object)
        for index, item in enumerate(items):
            parts[index] = item
    if not (boosting or forest) and not any(
            _is_tree(getattr(p, "tree_", None)) for p in parts.ravel()):
        return None
    if boosting:
        per_iteration = getattr(model, "n_trees_per_iteration_", None)
        if per_iteration is None:  # before scikit-learn 1.4: one per class beyond two
            classes = getattr(model, "classes_", None)
            per_iteration = 1 if classes is None or len(classes) <= 2 else len(classes)
        if parts.ndim != 2 or parts.shape[1] != int(per_iteration):
            return f"{name}: estimators_ of another shape than its outputs"
    # A bagging's (an isolation forest's) trees each read the columns it drew for them.
    drawn = getattr(model, "estimators_features_", None)
    chain = any(c.__name__ == "_BaseChain" for c in type(model).__mro__)
    if drawn is not None and len(drawn) != parts.size:
        return f"{name}: drawn columns for another number of trees"
    own = width  # the ensemble's, or (scikit-learn before 0.24 recorded none for
    # AdaBoost, Voting, OneVsRest, ...: false-alarm trial 44 F1) its first tree's, when every
    # tree then holds its own input to its width (predict checks it there)
    for index, part in enumerate(parts.ravel()):
        tree = getattr(part, "tree_", None)
        if not _is_tree(tree):
            if boosting or forest:
                return f"{name}: a part that is not a tree"
            continue
        if own is None and not (boosting or forest) and drawn is None:
            own = int(tree.n_features) - (index if chain else 0)
            if _width(part) != int(tree.n_features):
                return f"{name}: a tree of another width than the ensemble"
        expected = own if drawn is None else len(drawn[index])
        if chain and own is not None:  # (each link also reads the labels before it)
            expected = own + index
        if own is None or int(tree.n_features) != expected or (
                _width(part) not in ((None, expected) if width is not None else (expected,))):
            return f"{name}: a tree of another width than the ensemble"
        if boosting and tuple(tree.value.shape[1:]) != (1, 1):
            # predict_stages reads one value per node, by the node's number
            return f"{name}: a tree with other than one value per node"
    return None


# Per-row quantities a model caches beside the rows they describe, handed to compiled
# reductions that read one per row unchecked: (cache, the rows).
_ROW_CACHES = (("_subcluster_norms", "subcluster_centers_"),)  # Birch's squared norms


def _cached_rows_problem(model):
    import numpy as np

    attributes = getattr(model, "__dict__", {})
    for cache, rows in _ROW_CACHES:
        if cache in attributes or rows in attributes:
            kept, described = attributes.get(cache), attributes.get(rows)
            if kept is None or described is None or np.shape(kept) != (len(described),):
                return (f"{type(model).__name__}: {cache} of another length than its"
                        f" {rows}")
    return None


def _counts_problem(model):
    """A fitted count must be the size of what it counts: predict allocates by the count
    (red team round 35: `n_trees_per_iteration_ = 10**7` on a HistGradientBoosting
    classifier, `n_classes_ = 10**7` on a Bagging one, answered as before, READY, and took
    8 GB for 50 rows when served)."""
    import numpy as np

    attributes = getattr(model, "__dict__", {})
    name = type(model).__name__
    if "classes_" in attributes and "n_classes_" in attributes:
        classes, count = attributes["classes_"], attributes["n_classes_"]
        several = isinstance(classes, list) and classes and all(
            isinstance(c, np.ndarray) for c in classes)
        expected = [len(c) for c in classes] if several else [len(classes)]
        got = [int(c) for c in np.ravel(np.asarray(count, dtype=object))]
        if got != expected:
            return (f"{name}: n_classes_ {got[:3]} is not the number of its classes_"
                    f" {expected[:3]}")
    order, members = attributes.get("order_"), attributes.get("estimators_")
    if order is not None and isinstance(members, list) and any(
            c.__name__ == "_BaseChain" for c in type(model).__mro__) and sorted(
            int(i) for i in np.ravel(order)) != list(range(len(members))):
        return f"{name}: order_ is not a permutation of its outputs"
    classes = attributes.get("classes_")
    if classes is not None and (type(model).__module__ or "").startswith("sklearn.") and not (
            isinstance(classes, np.ndarray)) and not (
            isinstance(classes, list) and all(isinstance(c, np.ndarray) for c in classes)):
        # (scikit-learn's own classes: a project's classifier may keep a list of its labels,
        # `sorted(set(y))`, review of round 36; what it costs per request, MLG503 measures)
        # scikit-learn keeps an array (a list of arrays, one per output): `range(2 * 10**7)`
        # passed the count check, and each row's predict_proba answered 20 million numbers
        # (red team round 36)
        return f"{name}: classes_ is a {type(classes).__name__}, not an array of the classes"
    if isinstance(classes, np.ndarray) and classes.dtype == object and any(
            type(c) is int and not -(1 << 63) <= c < (1 << 63) for c in classes.ravel()[:100_000]):
        return f"{name}: a class in classes_ that is not a 64-bit number (no answer carries it)"
    if "n_trees_per_iteration_" in attributes and "_predictors" in attributes:
        trees = int(attributes["n_trees_per_iteration_"])
        if any(len(p) != trees for p in attributes["_predictors"]) or (
                "_baseline_prediction" in attributes
                and np.size(attributes["_baseline_prediction"]) != trees):
            return (f"{name}: n_trees_per_iteration_ {trees} is not the number of trees of"
                    " each iteration, or of its baseline")
        if "classes_" in attributes and trees != (
                1 if len(attributes["classes_"]) <= 2 else len(attributes["classes_"])):
            return f"{name}: n_trees_per_iteration_ {trees} does not fit its classes_"
    return None


def _is_tree(value) -> bool:
    cls = type(value)
    return cls.__name__ == "Tree" and cls.__module__ == "sklearn.tree._tree"


# The libsvm kind each scikit-learn class fits (its `_impl`).
_LIBSVM_KINDS = {"SVC": "c_svc", "NuSVC": "nu_svc", "OneClassSVM": "one_class",
                 "SVR": "epsilon_svr", "NuSVR": "nu_svr"}


def _libsvm_problem(model):
    """libsvm sizes its reads of the dual coefficients and intercepts by the support counts:
    each must have the length its classes (or its regression) give it."""
    import numpy as np

    name = type(model).__name__
    counts = np.asarray(model._n_support)
    vectors = model.support_vectors_
    n_sv = len(model.support_)  # (a precomputed kernel keeps no vectors, only indices)
    kernel = getattr(model, "kernel", None)
    # (a callable kernel, like a precomputed one, keeps no vectors: red team round 35)
    precomputed = kernel == "precomputed" or callable(kernel)
    if not precomputed and vectors.shape[0] != n_sv:
        return f"{type(model).__name__}: support indices of another length than its vectors"
    classes = getattr(model, "classes_", None)
    n_class = 2 if classes is None else max(len(classes), 2)
    if classes is not None and len(counts) != len(classes):
        return f"{name}: support counts for another number of classes"
    if classes is None and len(counts) != 2:
        return f"{name}: support counts of another length than a regression's"
    if classes is not None and int(counts.sum()) != n_sv:
        return f"{name}: support counts that do not add up to its support vectors"
    if counts.size and bool(np.any((counts < 0) | (counts > n_sv))):
        # libsvm walks each class's count over the coefficients: a negative one beside a
        # larger one still adds up, and reads past them
        return f"{name}: a support count below zero or above its support vectors"
    own = next((_LIBSVM_KINDS[c.__name__] for c in type(model).__mro__
                if c.__name__ in _LIBSVM_KINDS
                and (getattr(c, "__module__", "") or "").startswith("sklearn.svm")), None)
    if own is not None and getattr(model, "_impl", None) != own:
        # the kind libsvm runs comes from this string, not from the class
        return f"{name}: a libsvm kind ({getattr(model, '_impl', None)!r}) other than {own!r}"
    pairs = n_class * (n_class - 1) // 2
    if tuple(model._dual_coef_.shape) != (n_class - 1, n_sv) or tuple(
            model._intercept_.shape) != (pairs,):
        return f"{name}: dual coefficients or intercepts of another shape than its classes"
    stored = getattr(model._dual_coef_, "data", None)
    if hasattr(model._dual_coef_, "nnz") and (stored is None or stored.size != (n_class - 1)
                                              * n_sv):
        # a sparse fit keeps every coefficient (zeros too): libsvm copies that many values
        return f"{name}: sparse dual coefficients with some not stored"
    for attribute in ("_probA", "_probB"):  # libsvm copies one per pair of classes
        value = getattr(model, attribute, None)
        if value is not None and np.asarray(value).size not in (0, pairs):
            return f"{name}: {attribute} of another length than its pairs of classes"
    indices = np.asarray(model.support_)
    rows = getattr(model, "shape_fit_", (None,))[0]
    if precomputed and n_sv and (rows is None or bool(np.any((indices < 0) | (
            indices >= int(rows))))):
        # with a precomputed kernel, libsvm reads each kernel row at these indices
        return f"{name}: support indices outside the kernel it was fitted on"
    width = _width(model)
    if not precomputed and width is not None and n_sv and vectors.shape[1] != width:
        return f"{name}: support vectors of another width than its input"
    return None


def _children_problem(np, left, right, leaf, count):
    index = np.arange(count)
    inner = ~leaf
    # Writers number a node's children after it (a depth-first build): never itself, never
    # an earlier node (a cycle would make predict loop), never past the end.
    for child in (left[inner], right[inner]):
        if child.size and bool(np.any((child <= index[inner]) | (child >= count))):
            return "a node's child index is outside the tree or not after the node"
    return None


def _tree_problem(tree):
    import numpy as np

    state = tree.__getstate__()
    nodes, count = state["nodes"], int(state["node_count"])
    if count != len(nodes):
        return "Tree: node_count disagrees with its nodes"
    # Its values hold n_outputs x max_n_classes numbers per node, each count at least one
    # (a tree of zero classes holds an empty buffer that predict reads past)
    classes = np.asarray(tree.n_classes)
    outputs = int(tree.n_outputs)
    if outputs < 1 or classes.shape != (outputs,) or bool(np.any(classes < 1)) or (
            int(tree.max_n_classes) != int(classes.max())) or tuple(
            np.shape(state["values"])) != (count, outputs, int(tree.max_n_classes)):
        return "Tree: values of another shape than its outputs and classes"
    left, right = nodes["left_child"], nodes["right_child"]
    leaf = left == -1
    if bool(np.any(leaf != (right == -1))):
        return "Tree: a node with one child"
    problem = _children_problem(np, left, right, leaf, count)
    if problem:
        return "Tree: " + problem
    feature = nodes["feature"][~leaf]
    if feature.size and bool(np.any((feature < 0) | (feature >= tree.n_features))):
        return "Tree: a split on a feature the tree does not have"
    # Every node but the root is the child of exactly one node (a shared child makes paths
    # longer than the depth says), and the stored depth is no less than the real one:
    # decision_path() sizes its output by max_depth and writes one entry per node on a path.
    children = np.concatenate([left[~leaf], right[~leaf]])
    parents = np.bincount(children, minlength=count) if children.size else np.zeros(count)
    if count and (parents[0] != 0 or bool(np.any(parents[1:] != 1))):
        return "Tree: a node that is not the child of exactly one node"
    depth = _real_depth(np, tree, left, right, leaf, count)
    if count and int(tree.max_depth) < depth:
        return f"Tree: max_depth {int(tree.max_depth)} below the tree's real depth {depth}"
    return None


def _real_depth(np, tree, left, right, leaf, count):
    """The tree's depth in edges, once its children are known to be in range, after their
    node, and each node's child once: scikit-learn's own compiled count where it has one
    (1.3 and later; a level-by-level walk costs a forest of 300 deep trees a tenth of a
    second), else that walk."""
    if not count:
        return 0
    depths = getattr(tree, "compute_node_depths", None)
    if callable(depths):
        return int(np.max(depths())) - 1
    depth, level = 0, np.array([0])
    while level.size:
        inner = level[~leaf[level]]
        level = np.concatenate([left[inner], right[inner]])
        depth += 1 if level.size else 0
    return depth


def _binary_tree_problem(tree):
    import numpy as np

    data, idx_array, node_data, node_bounds = tree.get_arrays()
    n_samples = len(data)
    if len(idx_array) != n_samples or (
            n_samples and bool(np.any((idx_array < 0) | (idx_array >= n_samples)))):
        return f"{type(tree).__name__}: a sample index outside its data"
    start, end = node_data["idx_start"], node_data["idx_end"]
    if bool(np.any((start < 0) | (end > n_samples) | (start > end))):
        return f"{type(tree).__name__}: a node's samples outside its data"
    # (a KD tree keeps lower and upper bounds per node, a ball tree one centre)
    sides = 2 if any(c.__name__.startswith("KDTree") for c in type(tree).__mro__) else 1
    if node_bounds.ndim != 3 or node_bounds.shape[0] != sides or (
            node_bounds.shape[1] != len(node_data)) or node_bounds.shape[2] != data.shape[1]:
        return f"{type(tree).__name__}: node bounds of another shape than its nodes"
    state = tree.__getstate__()
    n_levels, n_nodes = int(state[5]), int(state[6])
    # (n_levels first: 2 ** 2**33 is a 3.5 GB integer the alarm cannot interrupt, red
    # team round 33; a tree of len(node_data) nodes has at most that many levels)
    if n_nodes != len(node_data) or not 0 <= n_levels <= 64 or n_nodes != 2 ** n_levels - 1:
        return f"{type(tree).__name__}: a node count that disagrees with its levels"
    # A query descends from node i to 2i+1 and 2i+2 unless i is a leaf: every node of the
    # last level must be one (else the search reads past the nodes).
    inner = np.flatnonzero(node_data["is_leaf"] == 0)
    if inner.size and int(inner.max()) * 2 + 2 >= n_nodes:
        return f"{type(tree).__name__}: a node with children past the tree's last level"
    # (kernel density reads a weight for every sample it holds, by the sample's index)
    weights = state[12] if len(state) > 12 else None
    if weights is not None and (type(weights) is not np.ndarray or weights.shape != (
            n_samples,)):
        return f"{type(tree).__name__}: sample weights of another count than its data"
    # The distance metric reads its weights and matrix over the data's width without
    # checking them at query time: its own validation, and a square Mahalanobis matrix.
    metric = next((part for part in state if hasattr(part, "_validate_data")), None)
    if metric is None:  # a scikit-learn before the method: its metric is typed, not checked
        return None
    metric._validate_data(data)
    if "Mahalanobis" in type(metric).__name__:
        matrix = metric.__getstate__()[2]
        if matrix.shape != (data.shape[1], data.shape[1]):
            return f"{type(tree).__name__}: a Mahalanobis matrix of another size than its data"
    return _rebuilt_tree_problem(tree, state)


def _rebuilt_tree_problem(tree, state):
    """A search tree is what building one over its rows makes, exactly (the build is
    deterministic): every sample index one of its rows, once; every node's bounds those of
    its samples. Only range and shape were checked before, and a tree whose indices all
    named one sample answered every query with that sample's label (red team round 42 F3)."""
    import numpy as np

    data, idx_array, node_data, node_bounds = tree.get_arrays()
    weights = state[12] if len(state) > 12 else None
    try:
        again = type(tree)(np.array(data), leaf_size=int(state[4]), metric=state[11],
                           **({} if weights is None else {"sample_weight": weights}))
        rebuilt = again.get_arrays()
    except Exception as exc:  # a state no build makes (leaf_size=0, another metric)
        return (f"{type(tree).__name__}: a tree no build over its rows makes"
                f" ({type(exc).__name__}: {str(exc)[:100]})")
    if not all(np.array_equal(a, b) for a, b in zip(
            (idx_array, node_data, node_bounds), rebuilt[1:])):
        return (f"{type(tree).__name__}: sample indices or node bounds other than building"
                " the tree over its rows makes")
    return None


def _fitted_rows_problem(model):
    """A neighbour model keeps the rows it was fitted on, and its compiled searches read
    each as wide as the query (checked against n_features_in_ only): the rows must be as
    wide as that, and as many as n_samples_fit_ says."""
    import numpy as np

    attributes = model.__dict__
    rows, width = attributes["_fit_X"], attributes.get("n_features_in_")
    count = attributes.get("n_samples_fit_")
    shape = getattr(rows, "shape", None)
    if rows is None:
        return None
    if shape is None or len(shape) != 2:
        return f"{type(model).__name__}: fitted rows (_fit_X) that are not a table"
    if isinstance(width, (int, np.integer)) and shape[1] != int(width):
        return (f"{type(model).__name__}: fitted rows {shape[1]} wide, for an input"
                f" {int(width)} columns wide")
    if isinstance(count, (int, np.integer)) and shape[0] != int(count):
        return (f"{type(model).__name__}: {shape[0]} fitted rows, where n_samples_fit_"
                f" says {int(count)}")
    tree = attributes.get("_tree")
    if tree is not None and hasattr(tree, "get_arrays"):
        # the tree's search returns indices of its own rows: the neighbour graph built from
        # them is n_samples_fit_ wide, and a tree of more rows writes past its end
        data = tree.get_arrays()[0]
        if getattr(data, "shape", None) != shape:
            return (f"{type(model).__name__}: a search tree of {getattr(data, 'shape', '?')}"
                    f" rows and columns, for fitted rows of {shape}")
        # predict answers from the tree's rows, the labels from _y by index: a tree over
        # other rows gave the file's answer to every query while _fit_X and _y looked
        # honest (red team round 42 F3)
        if not np.array_equal(data, rows):
            return (f"{type(model).__name__}: a search tree over other rows than its fitted"
                    " rows (_fit_X)")
    return None


def _predictors_problem(model):
    import numpy as np

    width = _width(model)
    if width is None:  # refused as a model "without n_features_in_" (`_width_problem`)
        return None
    mapper = getattr(model, "_bin_mapper", None)
    categorical = getattr(mapper, "is_categorical_", None)
    for per_iteration in model._predictors:
        for predictor in per_iteration:
            nodes = predictor.nodes
            leaf = nodes["is_leaf"].astype(bool)
            problem = _children_problem(np, nodes["left"], nodes["right"], leaf, len(nodes))
            if problem:
                return "TreePredictor: " + problem
            feature = nodes["feature_idx"][~leaf]
            if feature.size and bool(np.any((feature < 0) | (feature >= width))):
                return "TreePredictor: a split on a feature the model does not have"
            # A categorical split reads its bitset row (8 words) and the feature's known
            # categories: a row inside the bitsets, on a feature the model treats as one.
            if "is_categorical" not in (nodes.dtype.names or ()):
                continue  # (before scikit-learn 0.24: no categorical splits, and no field)
            split = nodes["is_categorical"].astype(bool) & ~leaf
            if not split.any():
                continue
            rows = nodes["bitset_idx"][split]
            for bitsets in (predictor.raw_left_cat_bitsets, predictor.binned_left_cat_bitsets):
                if bitsets.ndim != 2 or bitsets.shape[1] != 8 or bool(
                        np.any((rows < 0) | (rows >= len(bitsets)))):
                    return "TreePredictor: a categorical split outside its bitsets"
            if categorical is None or not bool(np.all(
                    np.asarray(categorical)[nodes["feature_idx"][split]])):
                return "TreePredictor: a categorical split on a feature that is not one"
    return None
