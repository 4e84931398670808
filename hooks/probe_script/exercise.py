"""The loaded model exercised for the schema and latency checks: expected input, the sample
predicted, an empty request, single-row timings."""

import os
import sys

from .common import error_text

MAX_SAMPLE_ROWS = 1000


def _label_encoder(obj) -> bool:
    """scikit-learn's encoders of targets: saved beside a model to decode its answers, not
    applied to the request (a LabelEncoder was listed among the preprocessors)."""
    cls = type(obj)
    return cls.__module__.startswith("sklearn.preprocessing") and cls.__name__ in (
        "LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer")


def _names(values):
    return [str(v) for v in list(values)]


def _resolve_columns(columns, names):
    """A ColumnTransformer's column selection as input names, or None when unknowable."""
    if isinstance(columns, str):
        return [columns]
    if isinstance(columns, slice) and names is not None:
        return names[columns]
    try:
        items = list(columns)
    except TypeError:
        return None
    if all(isinstance(c, str) for c in items):
        return items
    if names is not None and all(type(c).__name__.startswith(("int", "bool")) for c in items):
        if items and type(items[0]).__name__.startswith("bool"):
            return [n for n, keep in zip(names, items) if keep]
        return [names[int(c)] for c in items]
    return None


def _width_out(obj):
    """The number of columns a fitted transformer makes (`get_feature_names_out`), or None
    when it cannot say (a transformer without it, or one that needs its input to know)."""
    names = getattr(obj, "get_feature_names_out", None)
    if not callable(names):
        return None
    try:
        return len(names())
    except Exception:
        return None


def expected_input(obj):
    """What the model expects: feature names (if fitted on a DataFrame), width, and, for a
    pipeline whose first step is a ColumnTransformer, which columns it actually reads."""
    names = getattr(obj, "feature_names_in_", None)
    names = _names(names) if names is not None else None
    width = getattr(obj, "n_features_in_", None)
    if names is None and _made_by(obj, "catboost"):
        names, width = _catboost_input(obj, width)
    if names is None and _made_by(obj, "xgboost"):
        names, width = _xgboost_input(obj, width)
    if names is None and _made_by(obj, "lightgbm"):
        names, width = _lightgbm_input(obj, width)
    info = {"feature_names_in": names,
            "n_features_in": int(width) if width is not None else None,
            "used_columns": None, "model_type": type(obj).__name__}
    steps = getattr(obj, "steps", None)
    first = steps[0][1] if steps else obj
    transformers = getattr(first, "transformers_", None)
    if transformers is not None:
        used, known = [], True
        for _, transformer, columns in transformers:
            if isinstance(transformer, str) and transformer == "drop":
                continue
            resolved = _resolve_columns(columns, names)
            if resolved is None:
                known = False
                break
            used.extend(c for c in resolved if c not in used)
        if known:
            info["used_columns"] = used
    return info


def _made_by(obj, package: str) -> bool:
    return (type(obj).__module__ or "").split(".")[0] == package


def _catboost_input(model, width):
    """CatBoost's scikit-learn wrappers keep their columns in `feature_names_`, and say
    `n_features_in_ == 0` once unpickled (new-user round 33: every pickled CatBoost model
    was "fitted on 0 unnamed columns"). Fitted on an array, its names are '0', '1', ..."""
    try:
        names = _names(getattr(model, "feature_names_", None) or [])
    except Exception:
        return None, width
    if not names:
        return None, width
    unnamed = names == [str(i) for i in range(len(names))]
    return (None if unnamed else names), len(names)


def _xgboost_input(model, width):
    """XGBoost's scikit-learn wrappers before 1.6 keep no feature_names_in_; their Booster
    keeps the columns a DataFrame gave it, and predict() refuses others (new-user round 42
    F3: an XGBoost 0.90 model "records no column names", and a renamed column showed only
    XGBoost's own mismatch error). Fitted on an array: none, or 'f0', 'f1', ..."""
    try:
        names = _names(model.get_booster().feature_names or [])
    except Exception:
        return None, width
    if not names or names == [f"f{i}" for i in range(len(names))]:
        return None, width
    return names, width if width is not None else len(names)


def _lightgbm_input(model, width):
    """LightGBM's Booster keeps the columns it was fitted on; a wrapper pickled by an older
    LightGBM lacks what `feature_names_in_` reads in a newer one, and was "fitted on 11
    unnamed columns", so a sample with SO2/NO2/CO swapped passed (new-user trial 43, F1).
    Fitted on an array: 'Column_0', 'Column_1', ..."""
    try:
        booster = model.booster_ if hasattr(type(model), "booster_") else model
        names = _names(booster.feature_name() or [])
    except Exception:
        return None, width
    if not names or names == [f"Column_{i}" for i in range(len(names))]:
        return None, width
    return names, width if width is not None else len(names)


def as_lightgbm_reads(names, columns):
    """LightGBM stores a column named 'City_New Delhi' as 'City_New_Delhi' (each space an
    underscore) and is served with the name it was fitted on: a model name that a sample
    column becomes this way is that column (new-user round 33: a false MLG401)."""
    given = set(columns)
    spelled: dict = {}
    for column in columns:
        spelled.setdefault(str(column).replace(" ", "_"), []).append(column)
    return [name if name in given or len(spelled.get(name, ())) != 1 else spelled[name][0]
            for name in names]


class _Records(list):
    """The sample as a service that passes request dicts receives it (a DictVectorizer
    pipeline: `input = "records"`), sliced the way the checks slice a DataFrame."""

    def __init__(self, rows, columns):
        super().__init__(rows)
        self.columns = columns

    @property
    def iloc(self):
        records = self

        class Slicer:
            def __getitem__(self, key):
                if isinstance(key, slice):
                    return type(records)(list.__getitem__(records, key), records.columns)
                return type(records)([records[i] for i in key], records.columns)

        return Slicer()


def _frame(spec):
    """The sample as the model will see it: a DataFrame in the sample's column order, or
    the list of request dicts with `input = "records"`."""
    if spec.get("input") == "records" and not spec.get("parquet"):
        columns = list(spec["columns"])
        rows = spec["csv_rows"] if spec.get("csv_rows") is not None else spec["rows"]
        return _Records([dict(row) if isinstance(row, dict) else dict(zip(columns, row))
                         for row in rows], columns)
    import pandas as pd

    if spec.get("parquet"):
        frame = pd.read_parquet(spec["parquet"])
    elif spec.get("csv_rows") is not None:
        frame = pd.DataFrame(spec["csv_rows"], columns=spec["columns"])
    else:
        frame = pd.DataFrame(spec["rows"], columns=spec["columns"])
        if spec.get("csv"):
            # read_csv makes a missing cell NaN, never None: a column of text with missing
            # cells, and one with no value at all (float64), as the service's read_csv has them
            frame = frame.where(frame.notna(), float("nan")).infer_objects()
    return frame


def _missing_sklearn(function, exc):
    """Why a LightGBM or XGBoost scikit-learn wrapper cannot predict, when scikit-learn is
    not installed: they load without it (stand-in base classes), then fail with an error
    that names neither ("'super' object has no attribute 'get_params'"). Only for that
    kind of error: a renamed column failed with its own ValueError, and the hint to add
    scikit-learn fixed nothing (new-user round 42 F3)."""
    import importlib.util

    if not isinstance(exc, (AttributeError, ImportError, NameError, TypeError)):
        return None
    model = getattr(function, "__self__", None)
    module = type(model).__module__ if model is not None else ""
    if module.split(".")[0] not in ("lightgbm", "xgboost") or not module.endswith(".sklearn"):
        return None
    try:
        if importlib.util.find_spec("sklearn") is not None:
            return None
    except (ImportError, ValueError):
        pass
    return (f"{module.split('.')[0]}'s scikit-learn API ({type(model).__name__}) needs"
            " scikit-learn, which is not installed in the project's environment")


def _with_deadline(seconds, function, *args, _base=Exception):
    """Call with an alarm so a hang becomes an exception (Unix main thread only). `_base`:
    BaseException for code that may catch every Exception it meets (a module's import)."""
    import signal

    class Hang(_base):
        pass

    def alarm(signum, frame):
        raise Hang(f"no answer within {seconds:g} s")

    if not hasattr(signal, "setitimer"):
        return function(*args)
    previous = signal.signal(signal.SIGALRM, alarm)
    # and again each second: code that catches the first (a `suppress(Exception)` around
    # the call it interrupted) is interrupted once more
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        return function(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _attempt(seconds, function, *args):
    try:
        value = _with_deadline(seconds, function, *args)
    except Exception as exc:
        failed = {"ok": False, "type": type(exc).__name__, "message": error_text(exc),
                  "hang": type(exc).__name__ == "Hang"}
        cause = _missing_sklearn(function, exc)
        if cause:
            failed["cause"] = cause
        return failed
    try:
        shape = list(getattr(value, "shape", ()) or ())
        if not shape and isinstance(value, (list, tuple)):
            shape = [len(value)]
    except Exception:
        shape = []
    return {"ok": True, "shape": shape}


def _percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def measure_latency(function, row, spec):
    """Single-row timings: warm up, then repeat in rounds of 20 until p95 is stable (at least
    200 calls, two rounds within 5%) or the bounds are reached. Milliseconds. The bounds are
    checked after every call, warm-up included, so a slow model (seconds per call) ends in
    about `max_seconds` with a few timings that show it is over budget, not in a hang."""
    import time

    budget = spec.get("max_seconds", 10.0)
    started_all = time.perf_counter()
    deadline = started_all + budget
    for _ in range(spec.get("warmup", 5)):
        function(row)
        if time.perf_counter() >= started_all + budget / 4:
            break
    timings, previous = [], None
    max_runs = spec.get("max_runs", 2000)
    stable = False

    def more() -> bool:
        return len(timings) < max_runs and (time.perf_counter() < deadline or len(timings) < 3)

    while more():
        for _ in range(20):
            started = time.perf_counter()
            function(row)
            timings.append((time.perf_counter() - started) * 1000.0)
            if not more():
                break
        ordered = sorted(timings)
        p95 = _percentile(ordered, 0.95)
        if previous is not None and len(timings) >= 200 and abs(p95 - previous) <= 0.05 * p95:
            stable = True
            break
        previous = p95
    ordered = sorted(timings)
    return {"runs": len(timings), "stable": stable,
            "p50_ms": _percentile(ordered, 0.50), "p95_ms": _percentile(ordered, 0.95),
            "p99_ms": _percentile(ordered, 0.99), "max_ms": ordered[-1]}


def import_contract(spec):
    """Opt-in (`contract-import = true`): import the API module in the project's
    environment and read the pydantic model's fields as pydantic sees them (computed
    aliases included). This runs the project's own code, which is why it is opt-in.
    pydantic 2's `model_fields` and pydantic 1's `__fields__` (also 2's `pydantic.v1`) are
    read: new-user trial 45 F3, a pydantic 1.10 contract was "no attribute model_fields"."""
    for root in reversed(spec.get("roots", [])):
        if root not in sys.path:
            sys.path.insert(0, root)
    # imported from the folder the service runs in, as uvicorn would: a route module that
    # loads "app/models/model.joblib" when imported failed from the probe's own folder
    # (new-user trial 46 F4)
    here = os.getcwd()
    if spec.get("cwd"):
        os.chdir(spec["cwd"])
    try:
        cls = getattr(_contract_module(spec["file"]), spec["class"])
    finally:
        os.chdir(here)
    fields = getattr(cls, "model_fields", None)
    if isinstance(fields, dict):
        return _pydantic2(cls, fields)
    fields = getattr(cls, "__fields__", None)
    if isinstance(fields, dict):
        return _pydantic1(cls, fields)
    raise TypeError(f"{spec['class']} is no pydantic model (no model_fields, no __fields__)")


def _contract_module(file):
    """The module, imported by its dotted name when its folder is a package, so that its
    relative imports work (new-user trial 45 F3: `from .enums import ...` in
    housing_backend/schemas.py); by its file otherwise, or when that name is another
    file's (an installed package of the same name)."""
    import importlib
    import importlib.util

    folder, parts = os.path.dirname(file), [os.path.splitext(os.path.basename(file))[0]]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    if len(parts) > 1 and all(part.isidentifier() for part in parts):
        if folder not in sys.path:
            sys.path.insert(0, folder)
        name = ".".join(parts)
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise  # the module's own import failed, not the finding of it
        else:
            found = getattr(module, "__file__", None)
            if found and os.path.realpath(found) == os.path.realpath(file):
                return module
    module_spec = importlib.util.spec_from_file_location("_mlgate_contract", file)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["_mlgate_contract"] = module
    module_spec.loader.exec_module(module)
    return module


def _pydantic2(cls, model_fields):
    fields = []
    for name, info in model_fields.items():
        alias = info.alias if isinstance(info.alias, str) else None
        if alias is None and isinstance(getattr(info, "validation_alias", None), str):
            alias = info.validation_alias
        annotation = getattr(info, "annotation", None)
        fields.append({"name": name, "alias": alias if alias != name else None,
                       "type_text": getattr(annotation, "__name__", repr(annotation)),
                       "required": bool(info.is_required())})
    config = getattr(cls, "model_config", {}) or {}
    by_name = config.get("validate_by_name", config.get("populate_by_name"))
    by_alias = config.get("validate_by_alias")
    return {"fields": fields, "extra": config.get("extra"),
            # which keys pydantic accepts: the alias, the field's name, or both
            "by_name": by_name if isinstance(by_name, bool) else None,
            "by_alias": by_alias if isinstance(by_alias, bool) else None}


def _pydantic1(cls, model_fields):
    """pydantic 1: a ModelField has `alias` (the name when none is given) and `required`
    (True, False, or Undefined for Optional without a default: not required); `Config`
    says `extra` (an Extra, a str enum) and `allow_population_by_field_name`."""
    fields = []
    for name, info in model_fields.items():
        alias = getattr(info, "alias", None)
        annotation = getattr(info, "outer_type_", None)
        fields.append({"name": name,
                       "alias": alias if isinstance(alias, str) and alias != name else None,
                       "type_text": getattr(annotation, "__name__", repr(annotation)),
                       "required": getattr(info, "required", False) is True})
    config = getattr(cls, "__config__", None)
    extra = getattr(config, "extra", None)
    extra = getattr(extra, "value", extra)
    by_name = getattr(config, "allow_population_by_field_name", None)
    return {"fields": fields, "extra": extra if isinstance(extra, str) else None,
            "by_name": by_name if isinstance(by_name, bool) else None, "by_alias": None}


def _takes_records(first):
    """A DictVectorizer takes the request's dicts, not a table."""
    return hasattr(first, "vocabulary_") and hasattr(first, "feature_names_")


def _record_keys(vectorizer):
    """The keys a DictVectorizer was fitted on: its output names up to the separator
    (`city=Lisbon` is the key `city`)."""
    separator = getattr(vectorizer, "separator", "=")
    keys = [str(name).split(separator, 1)[0] for name in vectorizer.feature_names_]
    return list(dict.fromkeys(keys))


MAX_RECORD_KEYS = 5000


def _record_kinds(vectorizer):
    """How a DictVectorizer reads each key: as text (`flag=No`: the values it knows) or as a
    number (`flag`). A value of the other kind maps to no feature and is dropped without a
    word (new-user trial round 34: an API sending 0/1 for a key fitted on "No"/"Yes"
    predicted as if the field were missing, and READY)."""
    separator = getattr(vectorizer, "separator", "=")
    kinds = {}
    for name in list(getattr(vectorizer, "feature_names_", ()))[:MAX_RECORD_KEYS * 4]:
        key, has_value, value = str(name).partition(separator)
        kind = kinds.setdefault(key, {"text": [], "number": False})
        if has_value:
            if len(kind["text"]) < 5:
                kind["text"].append(value[:40])
        else:
            kind["number"] = True
        if len(kinds) > MAX_RECORD_KEYS:
            return None
    return kinds


class _RecordsPipeline:
    """A Pipeline whose first step is a DictVectorizer (`make_pipeline(DictVectorizer(),
    model)`, served as `pipeline.predict([request])`): its input is the keys the vectorizer
    was fitted on, which a Pipeline does not expose as feature_names_in_."""

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.steps = pipeline.steps
        self.feature_names_in_ = _record_keys(pipeline.steps[0][1])

    def __getattr__(self, name):
        return getattr(self.pipeline, name)

    @classmethod
    def of(cls, obj):
        steps = getattr(obj, "steps", None)
        try:
            first = steps[0][1] if steps else None
        except (TypeError, IndexError, KeyError):
            return None
        if first is None or not _takes_records(first) or hasattr(obj, "feature_names_in_"):
            return None
        return cls(obj)


class _Chain:
    """A tuple or list saved as (preprocessors..., model), as tutorials write it
    (`joblib.dump((dv, model), "model.bin")`), used the way their serving code uses it: each
    part's transform() in order, then the model's method. It looks like a Pipeline to
    expected_input (its first part's input, its parts as steps)."""

    MAX_PARTS = 8

    def __init__(self, parts, method):
        self.parts, self.method = list(parts), method
        # a native XGBoost Booster at the end takes what the serving code wraps in a
        # DMatrix: called as in `_XGBoostBooster`
        self.parts[-1] = _native_xgboost(self.parts[-1])
        self.steps = [(type(p).__name__, p) for p in self.parts]
        first = self.parts[0]
        for attribute in ("feature_names_in_", "n_features_in_"):
            if hasattr(first, attribute):
                setattr(self, attribute, getattr(first, attribute))
        self.takes_records = _takes_records(first)
        if self.takes_records and not hasattr(self, "feature_names_in_"):
            self.feature_names_in_ = _record_keys(first)

    @classmethod
    def of(cls, obj, method, declared=False):
        if not isinstance(obj, (tuple, list)) or not 2 <= len(obj) <= cls.MAX_PARTS:
            return None
        models = [p for p in obj if callable(getattr(p, method, None))]
        if not declared and len(models) == 1 and models[0] is not obj[-1]:
            # `(model, dv)`, the order ML Zoomcamp services unpack (`model, dv =
            # pickle.load(f)`): the one part with the method is the model whatever its
            # place, the others applied before it in their order (new-user trial 44 F3)
            obj = [p for p in obj if p is not models[0]] + models
        *preprocessors, model = obj
        if not callable(getattr(model, method, None)) or not all(
                callable(getattr(p, "transform", None)) for p in preprocessors):
            return None
        for part, following in zip(obj, obj[1:]) if not declared else ():
            # what one part makes cannot be what the next takes: the serving code applies
            # the parts its own way, not in order (new-user trial round 38: a scaler of 3
            # fields after a DictVectorizer of 51 columns, a working service NOT READY)
            made, taken = _width_out(part), getattr(following, "n_features_in_", None)
            if made is not None and type(taken) is int and made != taken:
                return None
        return cls(obj, method)

    def __call__(self, rows):
        self.broken = None
        for index, part in enumerate(self.parts[:-1]):
            try:
                rows = part.transform(rows)
            except Exception as exc:
                # A part before the model refused what it was given in pickle order: the
                # serving code may apply the parts its own way (a scaler of three of the
                # request's fields, encoders of one each, then a DictVectorizer: new-user
                # trial round 40b F1, two working services were FAIL). Said by
                # exercise_model as not checked.
                self.broken = (f"part {index + 1} ({type(part).__name__}) refused"
                               f" {'the request' if index == 0 else 'what came before it'}:"
                               f" {type(exc).__name__}: {str(exc)[:200]}")
                raise
        return getattr(self.parts[-1], self.method)(rows)


class _XGBoostBooster:
    """A Booster loaded from XGBoost's own format, called as a service calls it: predict()
    on the request's table (Booster.predict itself takes only a DMatrix)."""

    def __init__(self, booster):
        self.booster = booster
        if booster.feature_names:
            self.feature_names_in_ = list(booster.feature_names)
        # (XGBoost < 1.0 has neither num_features nor inplace_predict: four real 0.90
        # Boosters were "loading failed", false-alarm round 41 F2)
        count = getattr(booster, "num_features", None)
        if callable(count):
            self.n_features_in_ = count()
        elif booster.feature_names:
            self.n_features_in_ = len(booster.feature_names)

    def predict(self, rows):
        if hasattr(self.booster, "inplace_predict"):
            return self.booster.inplace_predict(rows)
        import xgboost

        return self.booster.predict(xgboost.DMatrix(rows))


def _takes_text(first):
    """A scikit-learn text vectorizer (CountVectorizer, TfidfVectorizer, HashingVectorizer)
    that reads its documents as given: served as `model.predict([request.text])`, one
    document per request. A table given to it reads as its column names (one document,
    "text"), so a sample of any number of rows "predicted" one answer about that word."""
    try:
        return getattr(first, "input", None) == "content" and any(
            cls.__name__ == "_VectorizerMixin" and (cls.__module__ or "").startswith(
                "sklearn.feature_extraction") for cls in type(first).__mro__)
    except Exception:  # an attribute that raises: not one of scikit-learn's vectorizers
        return False


def _text_column(frame):
    """The request field that holds the text: the only field, else the only one whose
    values are all strings; None when that cannot be told."""
    columns = list(frame.columns)
    if len(columns) == 1:
        return columns[0]
    strings = [c for c in columns if all(isinstance(v, str) for v in _values(frame, c))]
    return strings[0] if len(strings) == 1 else None


def _values(frame, column):
    if hasattr(frame, "loc"):
        return list(frame[column])
    index = list(frame.columns).index(column)
    return [row.get(column) if isinstance(row, dict) else row[index] for row in frame]


class _TextInput:
    """The method of a model whose first step takes text, called as its service calls it:
    with the text field's values, one document per request row."""

    def __init__(self, method, column):
        self.method, self.column = method, column

    def __call__(self, frame):
        return self.method(_values(frame, self.column))


# Where a meta-estimator keeps what reads the request first: one estimator, or several that
# all read the same request (a FeatureUnion's parts, an ensemble's members).
_INNER_ONE = ("best_estimator_", "estimator_")
_INNER_MANY = ("transformer_list", "estimators_", "calibrated_classifiers_")


def _text_reader(obj, depth: int = 0):
    """The text vectorizer the request reaches first, through a chain, Pipelines nested at
    any depth, a search's refitted estimator, a FeatureUnion or an ensemble whose members
    all read text; None when the request is not read as text (review round 32: a
    vectorizer inside GridSearchCV or a FeatureUnion was fed the sample's column names)."""
    if depth > 8:
        return None
    try:
        if _takes_text(obj):
            return obj
        if isinstance(obj, _Chain):
            return _text_reader(obj.parts[0], depth + 1)
        steps = getattr(obj, "steps", None)
        if isinstance(steps, list) and steps:
            return _text_reader(steps[0][1], depth + 1)
        for name in _INNER_ONE:
            inner = getattr(obj, name, None)
            if inner is not None:
                return _text_reader(inner, depth + 1)
        for name in _INNER_MANY:
            parts = getattr(obj, name, None)
            if not isinstance(parts, list) or not parts or len(parts) > 1000:
                continue
            parts = [p[1] if isinstance(p, tuple) else p for p in parts]
            parts = [getattr(p, "estimator", None) or getattr(p, "base_estimator", None)
                     if name == "calibrated_classifiers_" else p for p in parts
                     if not (isinstance(p, str) or p is None)]  # 'drop', 'passthrough'
            found = [_text_reader(p, depth + 1) for p in parts]
            return found[0] if parts and all(f is not None for f in found) else None
    except Exception:  # an attribute that raises: not read as text here
        return None
    return None


def _native_xgboost(obj):
    """An XGBoost Booster, as a service calls it; anything else as it is."""
    if type(obj).__name__ == "Booster" and (type(obj).__module__ or "").startswith("xgboost"):
        return _XGBoostBooster(obj)
    return obj


def _bundle_model(obj, method, request=frozenset()):
    """The model of a dict bundle (`{"model": pipeline, "trained_at": date, "features": [...],
    "reference": frame}`, served as `pack["model"].predict(...)`): its one value with the
    method, when no other value transforms (else the serving code chains them its own way,
    which mlgate cannot know). (key, model), or None."""
    if not isinstance(obj, dict) or not obj:
        return None
    models = [(k, v) for k, v in obj.items() if callable(getattr(v, method, None))]
    # a preprocessor fits and transforms (a DataFrame only transforms: it is data; a label
    # encoder decodes the answers, it never sees the request)
    model = models[0][1] if len(models) == 1 else None
    transforms = [k for k, v in obj.items() if callable(getattr(v, "transform", None))
                  and callable(getattr(v, "fit", None))
                  and not _decodes_answers(v, model, request)]
    if len(models) != 1 or set(transforms) - {models[0][0]}:
        return None
    return models[0]


_TARGET_ENCODERS = ("LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer")


def _decodes_answers(part, model=None, request=frozenset()):
    """scikit-learn's encoders of the target (their transform takes `y`): saved beside a
    model to decode its answers (`le.inverse_transform(model.predict(X))`), never applied
    to the request (new-user trial round 34: `(label_encoder, pipeline)` was run as a
    preprocessor chain, LabelEncoder.transform(request) failed, NOT READY). Beside a known
    `model` in a dict, a LabelEncoder decodes its answers only if it has as many classes as
    the model answers with: two encoders of 304 and 466 categories beside a 2-class model
    encode request columns, which the service does its own way (new-user trial round 36);
    nor one whose classes are values of the sample `request` (a gender encoder of F/M beside
    a 2-class model: red team of round 36)."""
    try:
        if not any(cls.__name__ in _TARGET_ENCODERS and (cls.__module__ or "").startswith(
                "sklearn.preprocessing") for cls in type(part).__mro__):
            return False
        if model is None or type(part).__name__ != "LabelEncoder":
            return True
        answers = getattr(model, "classes_", None)
        if answers is None and hasattr(model, "steps"):  # a Pipeline: its last step's
            answers = getattr(model.steps[-1][1], "classes_", None)
        classes = list(getattr(part, "classes_", ()))
        if request and any(str(c) in request for c in classes[:10_000]):
            return False  # it encodes what a request field holds
        return answers is not None and len(classes) == len(answers)
    except Exception:
        return False


def _without_decoders(obj):
    """A tuple or list bundle without its target encoders: the one part left, or the
    rest as a chain; (bundle, names of the encoders set aside)."""
    if not isinstance(obj, (tuple, list)) or len(obj) > _Chain.MAX_PARTS:
        return obj, []
    # (no count check here: a LabelEncoder is never a step of a chain fed a table, its
    # transform takes one column of labels; one of another fit is reported as failing to
    # decode the answers)
    decoders = [p for p in obj if _decodes_answers(p)]
    kept = [p for p in obj if not _decodes_answers(p)]
    if not decoders or not kept:
        return obj, []
    return (kept[0] if len(kept) == 1 else type(obj)(kept)), decoders


def _request_texts(spec):
    """The text values of the sample's rows, whatever its format (a Parquet sample's too:
    red team round 37, a gender encoder beside a 2-class model was taken for the answers'
    decoder again with a .parquet sample)."""
    rows = (spec.get("rows") or [])[:MAX_SAMPLE_ROWS]
    if spec.get("parquet"):
        try:
            rows = _frame(spec).head(MAX_SAMPLE_ROWS).to_dict("records")
        except Exception:
            rows = []
    return frozenset(str(v) for row in rows if isinstance(row, (list, tuple, dict))
                     for v in (row.values() if isinstance(row, dict) else row)
                     if isinstance(v, str))


def exercise_model(obj, spec):
    """Expected input, the sample predicted, an empty request, latency: what was asked."""
    request = _request_texts(spec)
    obj, decoders = _without_decoders(obj)
    if isinstance(obj, dict):
        model = next((v for v in list(obj.values())[:64]
                      if callable(getattr(v, "predict", None))), None)
        decoders = [v for v in list(obj.values())[:64] if _decodes_answers(v, model, request)]
    bundled = _bundle_model(obj, spec.get("method") or "predict", request)
    ordered_by = None  # a bundle's own list of the columns, which its service orders by
    if bundled is not None:
        ordered_by = [v for k, v in obj.items() if k != bundled[0]]
        key, obj = bundled
    obj = _native_xgboost(obj)
    chain = _Chain.of(obj, spec.get("method") or "predict", spec.get("declared_chain", False))
    if chain is not None:
        obj = chain
        if chain.takes_records and not spec.get("input"):
            spec = dict(spec, input="records")
    records = _RecordsPipeline.of(obj) if chain is None else None
    if records is not None:
        obj = records
        if not spec.get("input"):
            spec = dict(spec, input="records")
    out = {"input": expected_input(obj)}
    fitted = getattr(obj, "steps", None)
    fitted = fitted[0][1] if isinstance(fitted, list) and fitted else obj
    if out["input"]["feature_names_in"] and spec.get("columns") and _made_by(fitted, "lightgbm"):
        out["input"]["feature_names_in"] = as_lightgbm_reads(out["input"]["feature_names_in"],
                                                             spec["columns"])
    vectorizer = (chain.parts[0] if chain is not None and chain.takes_records else
                  records.pipeline.steps[0][1] if records is not None else None)
    if vectorizer is not None:
        out["input"]["record_kinds"] = _record_kinds(vectorizer)
    if records is not None:
        out["input"]["model_type"] = type(records.pipeline).__name__
    if chain is not None:
        out["input"]["model_type"] = " -> ".join(name for name, _ in chain.steps)
    if bundled is not None:
        out["input"]["model_type"] = f"{type(obj).__name__}, as [{key!r}] of a dict"
    if decoders:
        out["input"]["model_type"] = (f"{out['input'].get('model_type') or type(obj).__name__}"
                                      f", its answers decoded by a {type(decoders[0]).__name__}"
                                      " beside it")
    if spec.get("contract_import"):
        try:
            # under the calls' deadline: a module that waits at import ran the whole probe
            # past its limit, and the model was blamed (reliability round 36)
            out["contract"] = _with_deadline(spec.get("call_timeout", 30.0), import_contract,
                                             spec["contract_import"], _base=BaseException)
        except BaseException as exc:
            first = next((line for line in str(exc).splitlines() if line.strip()), "")
            out["contract_error"] = f"{type(exc).__name__}: {first[:300]}"
    method = chain if chain is not None else getattr(obj, spec.get("method") or "predict", None)
    holds_model = isinstance(obj, (dict, tuple, list)) and any(
        callable(getattr(v, spec.get("method") or "predict", None))
        for v in (list(obj.values()) if isinstance(obj, dict) else list(obj))[:64])
    if not callable(method) and spec.get("preprocessor_ok") and not holds_model:
        # found by convention beside other artifacts: a scaler, or data the model's code
        # reads (a list of feature names, a dict of statistics), not a model without predict;
        # a bundle that holds a model is the model, not exercised (below), never "data"
        # (a preprocessor is fitted: a DataFrame has `transform` too, and a pickled
        # cv_results table beside a text model made its audit INCOMPLETE: round 37)
        out["role"] = ("labels" if _label_encoder(obj) else "preprocessor"
                       if callable(getattr(obj, "transform", None)) and callable(
                           getattr(obj, "fit", None)) else "data")
        out["input"]["model_type"] = type(obj).__name__
        if out["role"] == "preprocessor":  # how many columns it makes, when it says
            out["input"]["n_features_out"] = _width_out(obj)
        return out
    if not callable(method) and spec.get("declared_chain") and isinstance(obj, tuple):
        # the declared preprocessors and the model (not a tuple the file holds): say which
        # part cannot be applied (new-user trial 41 F6: "the artifact is a tuple")
        name = spec.get("method") or "predict"
        lacking = [f"{type(p).__name__} (declared preprocessor {i + 1}) has no transform()"
                   for i, p in enumerate(obj[:-1]) if not callable(getattr(p, "transform", None))]
        if not callable(getattr(obj[-1], name, None)):
            lacking.append(f"the model ({type(obj[-1]).__name__}) has no {name}()")
        out["error"] = ("the service's chain cannot be applied as declared: "
                        + "; ".join(lacking or ["its parts do not chain"]) + ": mlgate calls each"
                        " preprocessor's transform() in order, then the model's method; a"
                        " preprocessor of the project's own kind (another method name) cannot"
                        " be exercised so: save the preprocessing and the model as one"
                        " scikit-learn Pipeline to have the request checked")
        out["not_checked"] = True
        return out
    if not callable(method) and isinstance(obj, (dict, tuple, list)):
        parts = (", ".join(f"{k!r}: {type(v).__name__}" for k, v in list(obj.items())[:6])
                 if isinstance(obj, dict) else
                 ", ".join(type(v).__name__ for v in list(obj)[:6]))
        out["error"] = (f"the artifact is a {type(obj).__name__} ({parts}), not a model with"
                        f" {spec.get('method') or 'predict'}(): mlgate exercises one object that"
                        " takes the request (a model, or a dict's one model beside data, not"
                        " beside preprocessors the serving code applies its own way); save the"
                        " preprocessing and the model as one scikit-learn Pipeline to have the"
                        " request checked")
        out["not_checked"] = True  # a shape mlgate cannot exercise: not checked, not wrong
        return out
    if not callable(method):
        out["error"] = f"the model has no method {spec.get('method') or 'predict'}()"
        others = [name for name in ("predict", "transform", "predict_proba", "decision_function")
                  if name != (spec.get("method") or "predict")
                  and callable(getattr(obj, name, None))]
        if others:  # a lone PCA or vectorizer (false-alarm round 42 F5): which it has
            out["hint"] = (f"it has {others[0]}(): declare method = \"{others[0]}\" in the"
                           " model's [tool.mlgate.models.NAME] if that is what the service"
                           " calls, or point artifact at the model that predicts")
        return out
    if spec.get("columns") is None and not spec.get("parquet"):
        if spec.get("handed_columns") and out["input"]["feature_names_in"]:
            # no sample: zeros tell a layout the model refuses by its names alone
            tried = _handed_frame(method, None, out["input"], spec["handed_columns"],
                                  spec.get("call_timeout", 30.0))
            if tried is not None and not tried["ok"]:
                out["handed"] = tried
        return out
    kept = spec.get("contract_keys")
    if kept and not out["input"]["feature_names_in"] and len(kept) == out["input"].get(
            "n_features_in") and spec.get("csv_rows") is None:
        # A model of no column names behind a pydantic contract that ignores some of the
        # sample's keys: it gets the validated model's values, in the contract's order
        filled = spec.get("contract_defaults") or {}
        spec = dict(spec, columns=list(kept), rows=[
            {key: row.get(key, filled.get(key)) for key in kept} if isinstance(row, dict)
            else row for row in spec["rows"]])
    if spec.get("unnamed"):
        # Rows of bare values are in the model's column order, as the serving code that
        # takes them (`np.array(request.data)`) assumes: named after the model's columns
        # when it has names and the width agrees.
        names = out["input"]["feature_names_in"]
        width = len(spec["columns"])
        if names and len(names) != width:
            out["unnamed_width"] = width
            return out
        if names:
            spec = dict(spec, columns=list(names), rows=[dict(zip(names, row.values()))
                                                          for row in spec["rows"]])
        else:
            spec = dict(spec, rows=[dict(zip(range(width), row.values()))
                                    for row in spec["rows"]], columns=list(range(width)))
    try:
        frame = _frame(spec)
    except ModuleNotFoundError as exc:
        if exc.name != "pandas":
            raise
        frame = None
        if not out["input"]["feature_names_in"] and not spec.get("parquet"):
            # A model fitted without column names takes rows of values (`model.predict(
            # [[...]])`, as a service without pandas calls it): no DataFrame needed.
            columns = list(spec["columns"])
            rows = spec["csv_rows"] if spec.get("csv_rows") is not None else spec["rows"]
            frame = _Records([[row.get(c) for c in columns] if isinstance(row, dict)
                              else list(row) for row in rows], columns)
    except Exception as exc:
        out["error"] = f"the sample cannot be made into a DataFrame: {type(exc).__name__}: {exc}"
        return out
    if frame is None:
        out["needs"] = "pandas"  # mlgate's need, not a fault of the project: not checked
        out["error"] = ("the sample is sent to the model as a pandas DataFrame, and the"
                        " project's environment has no pandas: install it there to check"
                        " the schema and latency, and declare it as a development"
                        " dependency (a requirements-dev.txt, or a dev group of"
                        " pyproject.toml: the lock check counts it as declared)")
        return out
    out["sample_columns"] = _names(frame.columns)
    reader = _text_reader(obj)
    if reader is not None:
        column = _text_column(frame)
        if column is None:
            out["error"] = (f"the model takes a text (it reads the request with a"
                            f" {type(reader).__name__}), and the sample has"
                            f" {len(list(frame.columns))} fields, none of them the only text:"
                            " mlgate cannot know which one the service sends it; give the"
                            " model a sample of the text field alone")
            out["not_checked"] = True
            return out
        method = _TextInput(method, column)
        out["input"]["text_field"] = str(column)
    deadline = spec.get("call_timeout", 30.0)
    handed = spec.get("handed_columns")
    if handed and reader is None and hasattr(frame, "loc") and out["input"][
            "feature_names_in"] and spec.get("predict", True):
        tried = _handed_frame(method, frame, out["input"], handed, deadline)
        if tried is not None and tried["ok"]:
            frame = tried.pop("frame")  # what the route gives the model: predicted, timed
        elif tried is not None:
            out["handed"] = tried
    if spec.get("predict", True):
        # Every row of the sample (up to a bound), not only the first: a later row that the
        # model cannot take is as much a broken request as the first.
        rows = frame.iloc[:MAX_SAMPLE_ROWS]
        out["predict"] = _attempt(deadline, method, rows)
        out["predict"]["rows"] = len(rows)
        selected = _selected_by_the_service(out, spec, frame, method, deadline, reader)
        if selected is not None:
            frame, rows = selected, selected.iloc[:MAX_SAMPLE_ROWS]
        broken = getattr(chain, "broken", None) if not out["predict"]["ok"] else None
        if broken and not spec.get("declared_chain"):
            out["error"] = (f"the bundle's parts ({' -> '.join(n for n, _ in chain.steps)})"
                            f" do not take the sample in the order they were saved: {broken};"
                            " the serving code applies them its own way, which mlgate cannot"
                            " know: save the preprocessing and the model as one scikit-learn"
                            " Pipeline to have the request checked")
            out["not_checked"] = True
            del out["predict"]
            return out
        if out["predict"].get("hang"):
            return out  # it will hang again: no reordered, empty or timed calls
        if out["predict"]["ok"] and decoders and getattr(method, "__name__", "") == "predict":
            # the service decodes each answer (`le.inverse_transform(model.predict(X))`): a
            # label encoder of another fit raises on it (review of round 34: READY)
            decoded = _attempt(deadline, lambda r: [d.inverse_transform(method(r))
                                                    for d in decoders[:1]], rows)
            if not decoded["ok"] and not decoded.get("hang"):
                out["decoded"] = decoded
        names = out["input"]["feature_names_in"]
        if not out["predict"]["ok"] and names and set(names) <= set(frame.columns) and (
                hasattr(frame, "loc")):
            # Would the right order have worked? Tells an order check from other failures.
            out["predict_reordered"] = _attempt(deadline, method,
                                                frame.loc[:, names].iloc[:MAX_SAMPLE_ROWS])
        elif out["predict"]["ok"] and reader is None and names and len(names) > 1 and (
                hasattr(frame, "loc")) and set(names) <= set(frame.columns) and not any(
                _lists_columns(v, names) for v in ordered_by or ()):
            # (a bundle that carries its columns, `{"model": m, "features": [...]}`, is
            # served as `frame[pack["features"]]`: ordered by it, whatever a request's order)
            out["by_position"] = _by_position(obj, method, frame, list(names), deadline)
    if spec.get("empty", True):
        out["empty"] = _attempt(deadline, method, frame.iloc[:0])
    latency = spec.get("latency")
    if latency and out.get("predict", {}).get("ok"):
        import time

        row = frame.iloc[:1]
        try:
            out["latency"] = _with_deadline(latency.get("max_seconds", 10.0) * 3 + deadline,
                                            measure_latency, method, row, latency)
            if latency.get("remeasure_over_ms") is not None and (
                    out["latency"]["p95_ms"] > latency["remeasure_over_ms"]):
                time.sleep(0.2)  # a noisy neighbour, perhaps: measure once more
                again = measure_latency(method, row, latency)
                out["latency_first"] = out["latency"]
                out["latency"] = again
        except Exception as exc:
            out["latency_error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
            return out
        parallel = _parallel_settings(obj)
        if parallel:
            out["parallel"] = parallel
        batch = latency.get("batch")
        if batch:  # timed on its own, under the same kind of deadline: a failure is said
            try:
                rows = frame.iloc[[0] * int(batch)]
                out["latency"]["batch"] = _with_deadline(deadline, _timed_batch, method, rows)
            except Exception as exc:
                out["batch_error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        if latency.get("memory_mb"):
            out["memory"] = _request_memory(method, frame.iloc[[0] * MEMORY_ROWS], deadline,
                                            latency["memory_mb"])
    return out


MEMORY_ROWS = 64  # a few requests at once, as a service answers them
_OUT_OF_MEMORY = ("bad_alloc", "Unable to allocate", "out of memory", "Cannot allocate")


def _request_memory(method, rows, deadline, megabytes):
    """Whether `rows` predict within `megabytes` of address space more than the loaded
    model uses: {"rows", "mb", "ok"} (and "error" for another failure). Time is measured
    elsewhere; this is the memory a request takes, which nothing bounded: a width or count
    the model stores that sizes every row (160 MB a row from a 1 KB file, red team round
    36) passed every check. Only the soft limit is lowered, and restored after."""
    result = {"rows": len(rows), "mb": megabytes, "ok": True}
    try:
        import resource

        from .load import _address_space
    except ImportError:
        return result
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = _address_space() + int(megabytes) * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        return result  # not on this platform
    try:
        _with_deadline(deadline, method, rows)
    except MemoryError:
        result["ok"] = False
    except Exception as exc:
        text = f"{type(exc).__name__}: {str(exc)[:300]}"
        if any(mark in text for mark in _OUT_OF_MEMORY):
            result["ok"] = False
        else:
            result["error"] = text
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    return result


def _lists_columns(value, names) -> bool:
    """Whether `value` is a list of exactly the model's column names (in any order)."""
    try:
        if isinstance(value, (str, bytes, dict)) or len(value) != len(names):
            return False
        return sorted(map(str, value)) == sorted(names)
    except Exception:
        return False


def _answers(obj, method, rows, deadline):
    """The model's answers to `rows`, a list per row (probabilities when the model has
    them: a label hides most changes), or None when the call fails."""
    import numpy as np

    function = method
    if getattr(method, "__name__", "") == "predict":
        for name in ("predict_proba", "decision_function"):
            try:
                candidate = getattr(obj, name, None)
            except Exception:
                candidate = None
            if callable(candidate):
                function = candidate
                break
    try:
        value = _with_deadline(deadline, function, rows)
        array = np.asarray(value)
        rows = array.reshape(len(array), -1) if array.ndim > 1 else array.reshape(-1, 1)
        return [[v if rows.dtype.kind in "biuf" else repr(v) for v in row.tolist()[:100]]
                for row in rows[:MAX_SAMPLE_ROWS]]
    except Exception as exc:
        if function is method or type(exc).__name__ == "Hang":
            return HUNG if type(exc).__name__ == "Hang" else None
        return _answers(None, method, rows, deadline)  # the method itself, then


HUNG = "hung"  # a call ran out of its deadline: no more calls (each costs a deadline)


def _selected_by_the_service(out, spec, frame, method, deadline, reader):
    """A request whose fields the contract declares and the model does not take (an id):
    a model that checks its columns' names refuses it whole, so a service that works selects
    the model's columns first (new-user trial 48 F2: a route answering 200 had its sample
    "fail", and no sample could pass). When the model's own columns, selected, predict:
    that frame, the fields left out in `out["selected"]`; None otherwise (a route known to
    hand the body over as it came is given no `request_fields`)."""
    names = out["input"]["feature_names_in"]
    fields = spec.get("request_fields")
    if out["predict"]["ok"] or out["predict"].get("hang") or not names or not fields or (
            reader is not None or not hasattr(frame, "loc")):
        return None
    sent = _names(frame.columns)
    extras = [c for c in sent if c not in set(names)]
    if not extras or not set(extras) <= set(fields) or not set(names) <= set(sent):
        return None
    try:
        selected = frame.loc[:, list(names)]
    except Exception:
        return None
    attempt = _attempt(deadline, method, selected.iloc[:MAX_SAMPLE_ROWS])
    if not attempt["ok"]:
        return None
    attempt["rows"] = out["predict"]["rows"]
    out["predict"], out["selected"] = attempt, extras
    return selected


def _handed_frame(method, frame, expected, handed, deadline):
    """The frame a route that hands its body over as it came builds: the body's keys in
    their order (`pd.DataFrame([request.model_dump()])`), the sample's values (zeros with
    no sample; 0 for a key the sample lacks: a field the model should ignore), a key the
    contract does not declare dropped (the API drops it). Tried on the model: ok, with the
    frame under "frame", what the route gives the model (red team 48 F3, F5: a sample in
    another key order than the contract's, or with a key the API drops, "failed"). A model
    that checks its columns' names refuses another order or an extra column while the same
    values in the training order predict: the failed attempt, with the columns; every
    request fails (red team 47 F10). None when it tells nothing: a column the model needs
    is not among the keys (MLG405 says so), the training order fails too, a hang."""
    import pandas as pd

    names = list(expected["feature_names_in"])
    needed = expected.get("used_columns") or names
    if not set(needed) <= set(handed):
        return None
    if frame is None:
        rows, sent = pd.DataFrame({name: [0.0] for name in names}), names
    else:
        rows, sent = frame.iloc[:MAX_SAMPLE_ROWS], _names(frame.columns)
    if list(handed) == sent:
        return None
    by_name = dict(zip(sent, range(len(sent))))

    def layout(source):
        return pd.DataFrame({key: (source.iloc[:, by_name[key]].tolist() if key in by_name
                                   else [0.0] * len(source)) for key in handed},
                            columns=list(handed))

    built = layout(rows)
    answer = _attempt(deadline, method, built)
    if answer.get("hang"):
        return None
    if answer["ok"]:
        answer["frame"] = built if frame is None else layout(frame)
        return answer
    if not set(names) <= set(handed) or not _attempt(deadline, method, built.loc[:, names])[
            "ok"]:
        return None
    answer["columns"] = list(handed)
    return answer


def _by_position(obj, method, frame, names, deadline):
    """Does the model read its columns by position, without checking their names? The same
    rows in the training order and in another order (the sample's own, else reversed): a
    model that selects columns by name answers the same; one that checks names refuses the
    other order; one that reads positions (LightGBM's scikit-learn API) answers something
    else, silently (new-user trial round 33: a contract listing income before age predicted
    0.026 instead of 0.978, and the schema passed)."""
    sent = [c for c in _names(frame.columns) if c in set(names)]
    order = sent if sent != names else names[::-1]
    rows = frame.iloc[:MAX_SAMPLE_ROWS]
    trained = _answers(obj, method, rows.loc[:, names], deadline)
    if trained is None or trained == HUNG:
        return {"order": order, "known": False}
    other = _answers(obj, method, rows.loc[:, order], deadline)
    if other == HUNG:
        return {"order": order, "known": False}
    if other is None:
        return {"order": order, "known": True, "checks_names": True}
    changed = _changed(trained, other)
    found = {"order": order, "known": True,
             "changed": bool(changed) or len(trained) != len(other)}
    if changed:
        i = changed[0]
        found["example"] = [_short(trained[i]), _short(other[i])]
    elif _alike(rows, order, names):
        # The other order put equal values where they were (two flags both 0): this told
        # nothing (red team round 34, F9: READY, and a request whose flags differed got
        # 0.977 for 0.025). Swap two columns whose values differ instead.
        swap = _swap_test(obj, method, rows, names, trained, deadline)
        if swap is not None:
            found.update(swap, changed=True)
    return found


def _changed(trained, other):
    """The rows whose answers differ (NaN is NaN)."""
    return [i for i, (a, b) in enumerate(zip(trained, other))
            if len(a) != len(b) or any(x != y and not (x != x and y != y) for x, y in zip(a, b))]


def _alike(rows, order, names):
    """Whether every row holds the same values in `order` as in `names`, position by
    position: then a model reading by position sees the very same rows."""
    try:
        return all(list(a) == list(b) for a, b in zip(
            rows.loc[:, order].itertuples(index=False), rows.loc[:, names].itertuples(index=False)))
    except Exception:
        return False


def _swap_test(obj, method, rows, names, trained, deadline, tries=3):
    """Two columns of one kind (numbers, or text) whose values differ in some row, swapped
    by name: a model that reads by position answers otherwise. {"swapped": [a, b],
    "example": [answer, answer]}, or None when no such pair tells (names checked, or the
    answers alike)."""
    import pandas as pd

    kinds = {c: "number" if pd.api.types.is_numeric_dtype(rows[c]) else str(rows[c].dtype)
             for c in names}
    for i, a in enumerate(names[:50]):
        for j in range(i + 1, min(len(names), 50)):
            b = names[j]
            if kinds[a] != kinds[b] or rows[a].equals(rows[b]):
                continue
            order = list(names)
            order[i], order[j] = b, a
            other = _answers(obj, method, rows.loc[:, order], deadline)
            if other is None or other == HUNG:
                return None
            changed = _changed(trained, other)
            if changed:
                return {"swapped": [a, b], "example": [_short(trained[changed[0]]),
                                                        _short(other[changed[0]])]}
            tries -= 1
            if tries <= 0:
                return None
    return None


def _short(row):
    """One row's answer, short: `0.978` or `[0.0224, 0.978]`."""
    shown = [f"{v:.3g}" if isinstance(v, float) else str(v)[:20] for v in row[:4]]
    text = ", ".join(shown) + (", ..." if len(row) > 4 else "")
    return text if len(row) == 1 else f"[{text}]"


def _parallel_settings(obj):
    """{part: n_jobs} for each part of the model that predicts with workers: the probe's
    sandbox starts no process, so joblib runs such a model one job after the other, and the
    time measured is not the served one (red team round 33: Bagging with n_jobs=64 timed
    18 ms here; served, its first prediction took 97 s and left 43 processes). Every part
    reached, fitted members too, and n_jobs of any integer type (np.int64 hid it)."""
    import operator

    found, seen, stack = {}, set(), [obj]
    while stack and len(seen) < 5000:
        value = stack.pop()
        if id(value) in seen or isinstance(value, (str, bytes, int, float, type)):
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            stack.extend(list(value.values())[:1000])
            continue
        if isinstance(value, (list, tuple)):
            stack.extend(value[:1000])
            continue
        attributes = getattr(value, "__dict__", None) or {}
        if type(value).__module__ == __name__:  # mlgate's own wrappers: a chain's parts
            stack.extend(list(attributes.values())[:1000])
            continue
        if not hasattr(value, "get_params"):
            continue
        stack.extend(list(attributes.values())[:1000])
        jobs = attributes.get("n_jobs")
        if jobs is None or isinstance(jobs, bool):
            continue
        try:
            jobs = operator.index(jobs)
        except TypeError:
            continue
        if jobs in (0, 1) or (type(value).__module__ or "").split(".")[0] in _OWN_THREADS:
            continue  # (OpenMP threads of its own, which the sandbox runs as served)
        if not _predicts_in_processes(type(value)):
            continue
        found.setdefault(f"{type(value).__name__}.n_jobs", jobs)
    return dict(list(found.items())[:10])


_OWN_THREADS = frozenset({"xgboost", "lightgbm", "catboost"})
# The scikit-learn classes whose predict or transform hands n_jobs to joblib's default
# backend (processes). The others use it in fit only (linear models, searches, voting and
# stacking ensembles, one-vs-rest) or predict in threads, which the sandbox runs as served
# (forests, isolation forests, neighbours: `prefer="threads"`, `require="sharedmem"`):
# timed as served, no warning (new-user trial 46 F12: every RandomForest(n_jobs=-1) was
# "timed without its workers").
_PROCESS_PARALLEL = frozenset({"BaseBagging", "ColumnTransformer", "FeatureUnion",
                               "_MultiOutputEstimator", "MultiOutputEstimator"})


def _predicts_in_processes(cls) -> bool:
    """Whether a model of this class may start worker processes when it predicts: a
    scikit-learn estimator (or a subclass of one, imbalanced-learn's) only if it is one of
    `_PROCESS_PARALLEL` or derives from one; any other class (a project's own, on
    scikit-learn's base classes alone), unknown: yes."""
    mro = [k for k in getattr(cls, "__mro__", ()) if (k.__module__ or "").startswith(
        "sklearn.") and k.__module__ != "sklearn.base"
        and not k.__module__.startswith("sklearn.utils")]
    if any(k.__name__ == "IsolationForest" for k in mro):
        return False  # (a bagging ensemble that scores in threads, or one after the other)
    return not mro or any(k.__name__ in _PROCESS_PARALLEL for k in mro)


def _timed_batch(method, rows) -> dict:
    import time

    started = time.perf_counter()
    method(rows)
    return {"rows": len(rows), "ms": (time.perf_counter() - started) * 1000.0}
