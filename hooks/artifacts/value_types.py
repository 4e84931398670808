"""Value types common in model bundles, in exactly the forms CPython pickles them.

A bundle saved beside a model holds dates, amounts, ids and paths. CPython 3.9 to 3.13 (and
the C and Python implementations alike) write each as one call, at every protocol; the
scan accepts only those calls, with exactly the arguments the pickler writes:

- `datetime.date(bytes4)`, `datetime.datetime(bytes10[, tzinfo])`, `datetime.time(bytes6
  [, tzinfo])`: the packed fields (protocols 0-2: `_codecs.encode(text, 'latin1')`; a
  Python 2 pickle's str), the tzinfo an object the stream made (`datetime.timezone` or a
  tzinfo class the allow-list has); `datetime.timedelta(int, int, int)`;
  `datetime.timezone(timedelta[, name])` (`timezone.utc` is `timezone(timedelta(0))`);
- `decimal.Decimal(str)`; `fractions.Fraction(str)` (3.9-3.11) or `(int, int)` (3.12+);
- `uuid.UUID`: NEWOBJ with no argument (protocols 0-1: copyreg's reconstructor), then the
  state `{'int': int}` or `{'int': int, 'is_safe': 0 or -1}` (`SafeUUID` is stored as its
  value, never as the enum);
- `collections.Counter(dict)`; `collections.deque()` or `deque((), maxlen)`, then APPEND(S)
  of its items; `collections.defaultdict()` or `defaultdict(factory)` with a factory among
  the builtin containers and numbers (`defaultdict(os.system)` is refused), then its items;
  `collections.OrderedDict` as `dict` (see pickle_scan.DICT_MAKERS);
- `pathlib` paths: `PurePosixPath`, `PureWindowsPath`, `PosixPath`, `WindowsPath`, named in
  `pathlib` (3.9-3.12) or `pathlib._local` (3.13), with string parts. Making a concrete path
  touches no file: it is a string with methods, so both kinds pass;
- `zoneinfo.ZoneInfo` (the time zones of pandas 3's timestamps and of datetimes): CPython
  pickles one as `builtins.getattr(zoneinfo.ZoneInfo, '_unpickle')(key, from_cache)` at
  every protocol. `getattr` is the primitive most pickle exploits are built on, so the scan
  accepts it only in that one call, `(zoneinfo.ZoneInfo, '_unpickle')` exactly, consumed at
  once by a call with a time-zone key (`Europe/Paris`: letters, digits, `_+-`, no `.`
  component, so it cannot leave the time-zone folders) and a 0/1 flag; every other use of
  `getattr` is refused as before (`pickle_scan`), and the probe's unpickler hands out a
  `getattr` that only ever returns `ZoneInfo._unpickle`.
- `range(start, stop, step)` (a search's `param_grid` keeps one; `__builtin__.xrange` at
  protocols 0-2), and the constants `Ellipsis` and `NotImplemented`, never called.
- `functools.partial(sklearn.utils.validation.check_array)` with the state `(check_array,
  (), {keyword: plain value}, None)`: what scikit-learn's histogram gradient boosting keeps
  for a DataFrame with category columns (a FunctionTransformer of it, since 1.4). That one
  function, its keywords by name, values that are constants or numpy scalar types: a
  partial of anything else, or called, or given another state, is refused; `check_array`
  is never called by the stream either. A partial of one of scikit-learn's score functions
  (`partial(mutual_info_classif, random_state=0)`, a selector's score function) passes in
  the same shape, with keyword names that are plain identifiers; the probe verifies the
  function is a score function before anything is unpickled.
- `scipy.interpolate._bsplines.BSpline` (scikit-learn's SplineTransformer keeps one per
  feature): NEWOBJ with no argument (protocols 0-1: copyreg's reconstructor), then an
  attribute dict with only the keys scipy writes (`t`, `c`, `k`, `extrapolate`, `axis`; since
  scipy 1.15 `_t`, `_c` and `_asarray`), `k` and `axis` integers, `extrapolate` a bool or
  'periodic', `_asarray` the array namespace's `asarray` (named, never called). The probe
  checks knots, coefficients and degree as BSpline's constructor does, since its compiled
  evaluation trusts them (`probe_script.verify`). scipy 1.18 made BSpline a front: its state
  is exactly (its backend `_BSpline`, an array), the backend made the same way and given the
  same attribute dict (with `_delegate_to = None`); the probe checks the backend's arrays.
- `logging.getLogger()` or `logging.getLogger(name)`: how CPython 3.7+ pickles a logger (a
  transformer that keeps `self.logger = logging.getLogger(__name__)`), the name a dotted
  logger name. Getting a logger by name makes or finds one in the logging registry, and
  nothing else; a logger given a state is refused (CPython writes none).
- scikit-learn's k-means step functions, which BisectingKMeans keeps as `_kmeans_single`,
  and numpy's reductions (`mean`, `median`, ...), which a parameter holds
  (FeatureAgglomeration's `pooling_func`): named, never called.

None of them is written with a BUILD state but UUID, and no items but deque's (APPEND) and
the dict subclasses' (SETITEMS): anything else is refused.
"""

from __future__ import annotations

import re

from mlgate.artifacts.object_states import byte_length, bytes_value, made_class
from mlgate.artifacts.stream_model import Const, GlobalRef, Instance, Mapping, Seq, TextBlob, const

DATETIME = "datetime"
DATE, DATETIME_CLASS, TIME = (DATETIME, "date"), (DATETIME, "datetime"), (DATETIME, "time")
TIMEDELTA, TIMEZONE = (DATETIME, "timedelta"), (DATETIME, "timezone")
DECIMAL, FRACTION, UUID = ("decimal", "Decimal"), ("fractions", "Fraction"), ("uuid", "UUID")
COUNTER, DEQUE = ("collections", "Counter"), ("collections", "deque")
DEFAULTDICT, ORDEREDDICT = ("collections", "defaultdict"), ("collections", "OrderedDict")
# range(start, stop, step) (a search's param_grid keeps one), as protocols 0-2 name it too;
# the constants `...` and NotImplemented, named but never called
RANGES = frozenset({("builtins", "range"), ("__builtin__", "xrange")})
SINGLETONS = frozenset({("builtins", "Ellipsis"), ("builtins", "NotImplemented")})
ZONEINFO = ("zoneinfo", "ZoneInfo")
# What `getattr(ZoneInfo, '_unpickle')` makes: never named by a stream, so never allowed as
# a global (a STACK_GLOBAL of 'ZoneInfo._unpickle' is refused as unknown).
ZONEINFO_UNPICKLE = ("zoneinfo", "ZoneInfo._unpickle")
GETATTR = frozenset({("builtins", "getattr"), ("__builtin__", "getattr")})
PATHS = frozenset((module, name) for module in ("pathlib", "pathlib._local") for name in (
    "PurePosixPath", "PureWindowsPath", "PosixPath", "WindowsPath"))
PARTIAL, CHECK_ARRAY = ("functools", "partial"), ("sklearn.utils.validation", "check_array")
# pandas 1.3 pickles a DataFrame's block as partial(new_block, ndim=n)(values, placement):
# the one partial a stream may call, taken as pandas >= 1.4's _unpickle_block(values,
# placement, ndim) and checked as that (`block_call`).
NEW_BLOCK = ("pandas.core.internals.blocks", "new_block")
UNPICKLE_BLOCK = ("pandas._libs.internals", "_unpickle_block")
# check_array's keyword parameters (scikit-learn 0.24 to 1.9)
CHECK_ARRAY_KEYWORDS = frozenset({
    "accept_sparse", "accept_large_sparse", "dtype", "order", "copy", "force_writeable",
    "force_all_finite", "ensure_all_finite", "ensure_non_negative", "ensure_2d", "allow_nd",
    "ensure_min_samples", "ensure_min_features", "input_name"})
# Where the score functions a partial may hold live (`_partial_function`).
SCORE_MODULES = ("sklearn.metrics.", "sklearn.feature_selection.")
_PUBLIC_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
# (module, qualname) pairs the allow-list gains: each checked here, call and state.
BSPLINE = ("scipy.interpolate._bsplines", "BSpline")
# scipy 1.18's BSpline is a front: its state is (the numpy backend, an empty array of the
# caller's namespace); the backend holds what BSpline held (false-alarm round 41 F3)
BSPLINE_BACKEND = ("scipy.interpolate._bsplines", "_BSpline")
# what scipy 1.15+ keeps in a BSpline's `_asarray` (`array_namespace(c, t).asarray`)
ASARRAYS = frozenset({("scipy._lib.array_api_compat.numpy._aliases", "asarray")})
_BSPLINE_KEYS = frozenset({"t", "c", "k", "extrapolate", "axis", "_t", "_c", "_asarray"})
_BSPLINE_BACKEND_KEYS = frozenset({"t", "c", "k", "extrapolate", "axis", "_delegate_to"})
# functions scikit-learn keeps as attributes (BisectingKMeans' `_kmeans_single`), as values
# and numpy reductions a parameter holds (FeatureAgglomeration's pooling_func=np.mean)
KEPT_FUNCTIONS = frozenset(("sklearn.cluster._kmeans", name) for name in (
    "_kmeans_single_lloyd", "_kmeans_single_elkan")) | frozenset(
    ("numpy", name) for name in ("mean", "median", "average", "sum", "max", "min", "amax",
                                 "amin", "nanmean", "nanmedian", "nansum", "nanmax", "nanmin",
                                 # a FunctionTransformer's func (false-alarm round 37,
                                 # round 46: np.asarray to make a frame an array)
                                 "clip", "nan_to_num", "round", "around", "asarray",
                                 "asanyarray", "array")) | frozenset({
    # pd.to_numeric / to_datetime as a FunctionTransformer's func (false-alarm round 46):
    # pandas 2.2+ names them `pandas.<name>`, older ones by their defining module
    ("pandas", "to_numeric"), ("pandas.core.tools.numeric", "to_numeric"),
    ("pandas", "to_datetime"), ("pandas.core.tools.datetimes", "to_datetime")})
LOGGER = ("logging", "getLogger")
# dateutil's fixed zones, as a `datetime.now(tz=tzutc())` or a pandas Timestamp with a
# dateutil zone pickles them (false-alarm round 38): tzutc() and tzoffset(name, offset).
# (A tzfile, a whole zone database entry, is not among them.)
TZUTC, TZOFFSET = ("dateutil.tz.tz", "tzutc"), ("dateutil.tz.tz", "tzoffset")
# dateutil's relativedelta, as a pd.DateOffset(months=1) holds it (false-alarm round 46 F2):
# made by NEWOBJ, given its attribute dict of numbers; a weekday (`weekday=MO`) is an object
# of its own, not among them.
RELATIVEDELTA = ("dateutil.relativedelta", "relativedelta")
WEEKDAY = ("dateutil._common", "weekday")  # relativedelta(weekday=MO(+1)): slots weekday, n
_RELATIVE_KEYS = frozenset({"years", "months", "days", "leapdays", "hours", "minutes",
                            "seconds", "microseconds", "_has_time"})
_ABSOLUTE_KEYS = frozenset({"year", "month", "day", "hour", "minute", "second",
                            "microsecond", "weekday"})
# A compiled regular expression a project's transformer keeps, as CPython pickles it:
# re._compile(pattern, flags) (false-alarm round 37: refused, no allow suggested).
RE_COMPILE = ("re", "_compile")
_MAX_PATTERN = 10_000
# The flags CPython's compiled patterns carry: I L M S U X A (re.DEBUG printed the pattern's
# parse at every load of the file, in the user's process: red team round 42 F5)
_PATTERN_FLAGS = 2 | 4 | 8 | 16 | 32 | 64 | 256
PAIRS = frozenset({DATE, DATETIME_CLASS, TIME, TIMEDELTA, TIMEZONE, DECIMAL, FRACTION, UUID,
                   COUNTER, DEQUE, ZONEINFO, PARTIAL, CHECK_ARRAY, BSPLINE, BSPLINE_BACKEND,
                   LOGGER,
                   RE_COMPILE, TZUTC, TZOFFSET, RELATIVEDELTA, WEEKDAY}) | PATHS \
    | RANGES \
    | SINGLETONS | ASARRAYS | KEPT_FUNCTIONS
# made by NEWOBJ with no argument, then given a state
_STATEFUL = (UUID, BSPLINE, BSPLINE_BACKEND, TZUTC, TZOFFSET, RELATIVEDELTA, WEEKDAY)

# The default factories a defaultdict may hold: builtin containers, numbers and text, and
# the collections above (calling one makes an empty value).
_BUILTINS = ("list", "dict", "set", "frozenset", "tuple", "int", "float", "complex", "str",
             "bytes", "bool")
# Protocols 0-2 name int and str as Python 2 did (pickle's fix_imports maps them back).
PY2_NAMES = {("__builtin__", "long"): ("builtins", "int"),
             ("__builtin__", "unicode"): ("builtins", "str"),
             ("__builtin__", "xrange"): ("builtins", "range")}
FACTORIES = frozenset({(module, name) for module in ("builtins", "__builtin__")
                       for name in _BUILTINS}
                      | {COUNTER, DEQUE, DEFAULTDICT, ORDEREDDICT} | set(PY2_NAMES))
# Packed field sizes of datetime's pickled forms.
_PACKED = {DATE: 4, DATETIME_CLASS: 10, TIME: 6}
# What str() writes: Decimal's scientific spelling, and a Fraction's 'n' or 'n/d'.
_DECIMAL_TEXT = re.compile(
    r"-?(?:[0-9]+(?:\.[0-9]+)?(?:E[+-][0-9]+)?|Infinity|s?NaN[0-9]*)\Z")
_FRACTION_TEXT = re.compile(r"-?[0-9]+(?:/[1-9][0-9]*)?\Z")
# A time-zone key as the tz database spells it ('America/Argentina/Buenos_Aires', 'Etc/GMT+5'):
# no '.' in it, so no component can be '..' and no path can leave the time-zone folders.
_ZONE_KEY = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*\Z")
# A logger's name as modules give them (`__name__`: 'src.features.engineer', '__main__')
_LOGGER_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\Z")
_UUID_SAFETY = (0, -1)  # SafeUUID.safe, SafeUUID.unsafe (unknown is not stored)
RECONSTRUCTORS = frozenset({("copyreg", "_reconstructor"), ("copy_reg", "_reconstructor")})
OBJECT = frozenset({("builtins", "object"), ("__builtin__", "object")})


def _pair(value) -> tuple[str, str] | None:
    return (value.module, value.name) if isinstance(value, GlobalRef) else None


def _made_by(value, pair: tuple[str, str]) -> bool:
    return isinstance(value, Instance) and _pair(value.cls) == pair


def _int(value) -> bool:
    return isinstance(value, Const) and type(value.value) is int


_WORD = 2 ** 63
# Python's own limit on the digits int() converts (since 3.11; quadratic before): what a
# Fraction's parts may hold, as text or as numbers (a Fraction reduces them by their gcd,
# quadratic in their size too: two 1 MB ints, a minute of CPU for 2 MB of file)
_MAX_DIGITS = 4300
_MAX_BITS = 14_300  # about 4300 decimal digits


def _text(value) -> bool:
    return isinstance(value, Const) and type(value.value) is str


# numpy < 1.20 pickles a ufunc as numpy.core._ufunc_reconstruct(module, name), which imports
# the module it is given and returns any attribute of it: a getter, accepted (as getattr is)
# only as the target of a call with a vetted ufunc's (module, name), where it stands for that
# ufunc named directly; the probe hands out a reconstructor that makes nothing but ufuncs.
UFUNC_RECONSTRUCT = frozenset({("numpy.core", "_ufunc_reconstruct")})


def ufunc_getter(args: Seq) -> tuple[str, str] | None:
    """The vetted ufunc `_ufunc_reconstruct(module, name)` makes; None for other arguments."""
    from mlgate.artifacts.allowlist import NUMPY_UFUNCS

    items = args.items
    if len(items) == 2 and _text(items[0]) and _text(items[1]) and (
            items[0].value, items[1].value) in NUMPY_UFUNCS:
        return items[0].value, items[1].value
    return None


def zoneinfo_getter(args: Seq) -> bool:
    """`getattr(zoneinfo.ZoneInfo, '_unpickle')`: the one use of getattr accepted."""
    items = args.items
    return (len(items) == 2 and _pair(items[0]) == ZONEINFO and isinstance(items[1], Const)
            and type(items[1].value) is str and items[1].value == "_unpickle")


# scikit-learn's HistGradientBoosting fitted with early stopping on a scorer keeps a bound
# method of itself in its state (its `_patch_raw_predict` restores `self._raw_predict` as
# an instance attribute): pickled as getattr(<the estimator>, '_raw_predict').
HGB_CLASSES = frozenset({"HistGradientBoostingClassifier", "HistGradientBoostingRegressor"})


def bound_method_getter(args: Seq) -> bool:
    """`getattr(<a HistGradientBoosting estimator>, '_raw_predict')`, as scikit-learn's
    pickles hold it (false-alarm round 37: refused as an exploit)."""
    items = args.items
    target = items[0] if items else None
    return (len(items) == 2 and isinstance(target, Instance) and isinstance(
        target.cls, GlobalRef) and target.cls.module.startswith(
        "sklearn.ensemble._hist_gradient_boosting.") and target.cls.name in HGB_CLASSES
        and _text(items[1]) and items[1].value == "_raw_predict")


# `TfidfVectorizer(tokenizer=str.split)`: CPython pickles a method of str as
# getattr(str, 'split') (false-alarm trial 43, F2: refused as an exploit, "never load this
# artifact"). Only str's and bytes' text methods, which compute from their arguments alone
# (not `format`, which reads attributes of what it is given); the probe's getattr hands
# out these and nothing else.
TEXT_TYPES = frozenset({("builtins", "str"), ("__builtin__", "unicode"), ("builtins", "bytes"),
                        ("__builtin__", "bytes")})
TEXT_METHODS = frozenset({"split", "rsplit", "splitlines", "lower", "upper", "strip",
                          "lstrip", "rstrip", "casefold", "title", "capitalize", "swapcase"})


def text_method_getter(args: Seq) -> bool:
    """`getattr(str, 'split')` (or another of TEXT_METHODS, of str or bytes)."""
    items = args.items
    return (len(items) == 2 and _pair(items[0]) in TEXT_TYPES and _text(items[1])
            and items[1].value in TEXT_METHODS)


# The builtins a pickle may call, by module spelling, and the arguments CPython's own
# pickling gives them (REDUCE): nothing else, so no call sizes an allocation from a number
# (`bytearray(40 * 2**30)` is 36 bytes of pickle) or expands a range into a container.
_BUILTIN_FORMS = {
    "bytearray": "(), (bytes,) or (text, 'latin-1')", "bytes": "()", "set": "() or (list,)",
    "frozenset": "() or (list,)", "complex": "(number, number)",
    "slice": "(start, stop, step) of ints or None", "list": "()", "tuple": "()",
    "int": "() or (int or short text,)", "float": "() or (number or short text,)",
    "str": "() or (str,)", "bool": "() or (bool or int,)",
}


def _builtin_problem(name: str, items: list) -> str | None:
    if name == "bytearray":
        # (Python 2 writes bytearray(u'<its bytes as latin-1 text>', 'latin-1'), an XGBoost
        # Booster's handle among them: false-alarm round 40 F4; that codec, no other)
        ok = not items or (len(items) == 1 and byte_length(items[0]) is not None) or (
            len(items) == 2 and isinstance(items[0], Const) and isinstance(
                items[0].value, (str, TextBlob)) and _text(items[1])
            and items[1].value == "latin-1")
    elif name in ("set", "frozenset"):
        ok = not items or (len(items) == 1 and isinstance(items[0], Seq)
                           and items[0].kind == "list")
    elif name == "complex":
        ok = len(items) == 2 and all(isinstance(v, Const) and type(v.value) in (int, float)
                                     for v in items)
    elif name == "slice":
        ok = len(items) == 3 and all(isinstance(v, Const) and (
            v.value is None or type(v.value) is int) for v in items)
    elif name in ("int", "float", "str", "bool"):
        # One value, of the type itself (or the text of a number): `str(bytes, 'punycode')`
        # decoded in quadratic time, a codec name chose the code that ran (static review
        # round 35), and int() of long text is quadratic before Python 3.11.
        value = items[0].value if len(items) == 1 and isinstance(items[0], Const) else None
        ok = not items or type(value) is {"int": int, "float": float, "str": str,
                                          "bool": bool}[name] or (
            name in ("int", "float") and type(value) is str and len(value) <= 100) or (
            name in ("float", "bool") and type(value) is int)
    else:  # bytes, list, tuple: CPython writes them with opcodes (empty bytes: bytes())
        ok = not items
    if ok:
        return None
    return (f"builtins.{name} called with other arguments than CPython writes"
            f" ({_BUILTIN_FORMS[name]}): a number or a range there sizes what it makes")


def builtin_form(target) -> bool:
    """One of the builtins whose call forms `_builtin_problem` holds to CPython's."""
    pair = _pair(target)
    return pair is not None and pair[0] in ("builtins", "__builtin__") and (
        pair[1] in _BUILTIN_FORMS)


def call_problem(target: GlobalRef, args: Seq, what: str) -> str | None:
    """Why a call of one of these types is refused (not the arguments CPython writes)."""
    pair = _pair(target)
    if pair is not None and pair[0] in ("builtins", "__builtin__") and (
            pair[1] in _BUILTIN_FORMS):  # OBJ, INST and NEWOBJ call the class too
        return _builtin_problem(pair[1], args.items)
    if pair == ZONEINFO_UNPICKLE:
        items = args.items
        if not (what == "REDUCE" and len(items) == 2 and _text(items[0])
                and len(items[0].value) <= 255 and _ZONE_KEY.match(items[0].value)
                and isinstance(items[1], Const) and type(items[1].value) in (int, bool)
                and items[1].value in (0, 1)):
            return ("zoneinfo.ZoneInfo._unpickle called with other than (time-zone key,"
                    " 0 or 1): CPython writes (key, from_cache)")
        return None
    if pair == ZONEINFO:
        return "zoneinfo.ZoneInfo called directly: CPython pickles it through ZoneInfo._unpickle"
    if pair == CHECK_ARRAY:
        return ("sklearn.utils.validation.check_array called: scikit-learn keeps it in a"
                " partial, never calls it in a pickle")
    if pair in ASARRAYS:
        return f"{pair[0]}.{pair[1]} called: scipy keeps it in a BSpline, never calls it"
    if pair in KEPT_FUNCTIONS:
        return f"{pair[0]}.{pair[1]} called: a model keeps it, never calls it in a pickle"
    if pair == RE_COMPILE:
        items = args.items
        pattern = items[0].value if len(items) == 2 and isinstance(items[0], Const) else None
        if not (what == "REDUCE" and isinstance(pattern, (str, bytes))
                and type(pattern) in (str, bytes)
                and len(pattern) <= _MAX_PATTERN and _int(items[1])
                and items[1].value >= 0 and not items[1].value & ~_PATTERN_FLAGS):
            return ("re._compile called with other than (a pattern of at most"
                    f" {_MAX_PATTERN} characters, flags I L M S U X A): CPython writes"
                    " (pattern, flags)")
        return None
    if pair == PARTIAL:
        if what == "REDUCE" and len(args.items) == 1 and _partial_function(
                _pair(args.items[0])):
            return None
        return ("functools.partial of other than scikit-learn's check_array or a score"
                " function: a partial calls what it holds with arguments of the artifact's"
                " choosing")
    if pair in SINGLETONS:
        return f"{pair[0]}.{pair[1]} called: it is a constant, pickled by name"
    if pair == TZUTC:  # (dateutil 2-3: NEWOBJ; 4: REDUCE)
        return None if what in ("REDUCE", "NEWOBJ") and not args.items else (
            "dateutil's tzutc made with arguments: dateutil pickles it with none")
    if pair == TZOFFSET:
        items = args.items
        if what == "NEWOBJ" and not items:  # dateutil 2-3: its state follows
            return None
        if what == "REDUCE" and len(items) == 2 and (
                (isinstance(items[0], Const) and items[0].value is None) or (
                    _text(items[0]) and len(items[0].value) <= 64)) and (
                (isinstance(items[1], Instance) and made_class(items[1]) == TIMEDELTA) or (
                    _int(items[1]) and -86400 < items[1].value < 86400)):
            return None
        return ("dateutil's tzoffset made with other than (a short name or None, an offset"
                " under a day): dateutil pickles it so")
    if pair in RANGES:
        # Bounds a search's grid would hold: computing a range's length divides its bounds,
        # in time quadratic in their size (static review round 36: 200 KB ints)
        if what == "REDUCE" and len(args.items) == 3 and all(
                _int(v) and -_WORD <= v.value < _WORD for v in args.items):
            return None
        return "range made from other than (start, stop, step) of 64-bit integers"
    if pair == DEFAULTDICT:
        return _defaultdict_problem(args.items)
    if pair in RECONSTRUCTORS and args.items and _pair(args.items[0]) in PAIRS:
        # protocols 0-1 make a UUID so: copyreg._reconstructor(uuid.UUID, object, None)
        if _pair(args.items[0]) in _STATEFUL and len(args.items) == 3 and _pair(
                args.items[1]) in OBJECT and const(args.items[2]) is None and isinstance(
                args.items[2], Const):
            return None
        module, name = _pair(args.items[0]) or ("?", "?")  # in PAIRS: never None
        return f"{module}.{name} made by copyreg's reconstructor: CPython calls it"
    if pair not in PAIRS:
        return None
    name = f"{pair[0]}.{pair[1]}"
    items = args.items
    # CPython writes each with REDUCE, a UUID with NEWOBJ (or the reconstructor above)
    if what != ("NEWOBJ" if pair in _STATEFUL else "REDUCE"):
        return f"{name} made by {what}: CPython writes it otherwise"
    if pair in _PACKED:
        size = _PACKED[pair]
        tz_ok = len(items) == 1 or (len(items) == 2 and pair != DATE and isinstance(
            items[1], Instance))
        if not (tz_ok and byte_length(items[0]) == size):
            return f"{name} made from other than its {size} packed bytes (and a tzinfo)"
        if not _packed_fields_ok(pair, bytes_value(items[0])):
            # CPython checks only the month (a time's hour) of these bytes: a date of year 0
            # makes ctime() index its day names at -1 (a read out of bounds)
            return f"{name} whose packed fields are out of range: no pickler writes that"
    elif pair == TIMEDELTA:
        # as a timedelta keeps them: normalized, days within its range
        if not (len(items) == 3 and all(_int(v) for v in items)
                and -999_999_999 <= items[0].value <= 999_999_999
                and 0 <= items[1].value < 86_400 and 0 <= items[2].value < 1_000_000):
            return f"{name} made from other than (days, seconds, microseconds) as it keeps them"
    elif pair == TIMEZONE:
        if not (1 <= len(items) <= 2 and _made_by(items[0], TIMEDELTA)
                and (len(items) == 1 or _text(items[1]))):
            return f"{name} made from other than (timedelta[, name])"
    elif pair == DECIMAL:
        if not (len(items) == 1 and _text(items[0]) and _DECIMAL_TEXT.match(items[0].value)):
            return f"{name} made from other than its text (as str() of a Decimal spells it)"
    elif pair == FRACTION:
        # str() of a Fraction is 'n' or 'n/d': never the '1e9000' Fraction() also parses
        # (it computes 10 ** 9000, as long as the exponent asks)
        if not ((len(items) == 1 and _text(items[0]) and _FRACTION_TEXT.match(items[0].value)
                 and all(len(part) <= _MAX_DIGITS + 1 for part in items[0].value.split("/")))
                or (len(items) == 2 and all(_int(v) and v.value.bit_length() <= _MAX_BITS
                                            for v in items) and items[1].value > 0)):
            return (f"{name} made from other than its text or (numerator, denominator), of"
                    f" at most {_MAX_DIGITS} digits each")
    elif pair in _STATEFUL:
        if items:
            return f"{name} made with arguments: its pickle sets its state instead"
    elif pair == COUNTER:
        if not (len(items) == 1 and isinstance(items[0], Mapping)):
            return f"{name} made from other than one dict"
    elif pair == DEQUE:
        if not (not items or (len(items) == 2 and isinstance(items[0], Seq)
                              and items[0].kind == "tuple" and not items[0].items
                              and _int(items[1]) and 0 <= items[1].value < _WORD)):
            return f"{name} made from other than () or ((), maxlen)"
    elif pair in PATHS and not all(_text(v) for v in items):
        return f"{name} made from other than strings"
    elif pair == LOGGER and not (not items or (
            len(items) == 1 and _text(items[0]) and len(items[0].value) <= 255
            and _LOGGER_NAME.match(items[0].value))):
        return f"{name} called with other than () or (a logger's name)"
    return None


def _packed_fields_ok(pair: tuple[str, str], raw: bytes | None) -> bool:
    """The fields of a date's, datetime's or time's packed bytes are each in range, as
    CPython writes them (a datetime's month byte and a time's hour byte carry the fold)."""
    if raw is None:
        return False
    if pair == TIME:
        clock = (raw[0] & 0x7F, *raw[1:3], int.from_bytes(raw[3:6], "big"))
    else:
        year, month, day = raw[0] << 8 | raw[1], raw[2] & (0x7F if pair != DATE else 0xFF), raw[3]
        if not (1 <= year <= 9999 and 1 <= month <= 12):
            return False
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        if not 1 <= day <= (29 if month == 2 and leap else _DAYS_IN_MONTH[month]):
            return False
        if pair == DATE:
            return True
        clock = (*raw[4:7], int.from_bytes(raw[7:10], "big"))
    hour, minute, second, micro = clock
    return hour < 24 and minute < 60 and second < 60 and micro < 1_000_000


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _defaultdict_problem(items: list) -> str | None:
    if not items:
        return None
    if len(items) == 1 and _pair(items[0]) in FACTORIES:
        return None
    return ("collections.defaultdict made with another default factory than a builtin"
            " container or number (or with more than its factory)")


def build_problem(target: Instance, state) -> str | None:
    """Why BUILD on one of these objects is refused: only a UUID has a state, exactly
    {'int': int[, 'is_safe': 0 or -1]}. None when the object is not one of these types."""
    made = made_class(target)
    if made not in PAIRS and made not in (DEFAULTDICT, ORDEREDDICT, ZONEINFO_UNPICKLE):
        return None
    if made == PARTIAL:
        return _partial_state_problem(state)
    if made == BSPLINE and isinstance(state, Seq):
        return _bspline_front_problem(state)
    if made in (BSPLINE, BSPLINE_BACKEND):
        return _bspline_state_problem(state, made == BSPLINE_BACKEND)
    if made == TZOFFSET:
        return _tzoffset_state_problem(state)
    if made == RELATIVEDELTA:
        return _relativedelta_state_problem(state)
    if made == WEEKDAY:
        return _weekday_state_problem(state)
    if made != UUID:  # (a subclass with attributes has a state; these classes have none)
        return f"{made[0]}.{made[1]} given a state: CPython writes none"
    if not isinstance(state, Mapping):
        return "uuid.UUID given a state other than {'int': ..., 'is_safe': ...}"
    keys = [const(k) for k, _ in state.pairs]
    values = {const(k): v for k, v in state.pairs}
    if len(set(keys)) != len(keys) or keys[:1] != ["int"] or not set(keys) <= {"int", "is_safe"}:
        return "uuid.UUID given a state other than {'int': ..., 'is_safe': ...}"
    number = values["int"]
    if not (_int(number) and 0 <= number.value < 1 << 128):
        return "uuid.UUID whose int is not a 128-bit number"
    if "is_safe" in values and not (_int(values["is_safe"])
                                    and values["is_safe"].value in _UUID_SAFETY):
        return "uuid.UUID whose is_safe is not a SafeUUID value"
    return None


def _tzoffset_state_problem(state) -> str | None:
    """dateutil 2-3's tzoffset state: {'_name': a short name or None, '_offset': timedelta}."""
    if not isinstance(state, Mapping):
        return "dateutil's tzoffset given a state other than its attribute dict"
    values = {const(k): v for k, v in state.pairs}
    if len(values) != len(state.pairs) or set(values) != {"_name", "_offset"}:
        return "dateutil's tzoffset given attributes other than _name and _offset"
    name, offset = values["_name"], values["_offset"]
    if not ((isinstance(name, Const) and name.value is None) or (
            _text(name) and len(name.value) <= 64)):
        return "dateutil's tzoffset whose name is not a short text"
    if not (isinstance(offset, Instance) and made_class(offset) == TIMEDELTA):
        return "dateutil's tzoffset whose offset is not a timedelta"
    return None


def _relativedelta_state_problem(state) -> str | None:
    """dateutil's relativedelta: its attribute dict, every relative part a number, every
    absolute one an int or None, the weekday None or dateutil's weekday."""
    if not isinstance(state, Mapping):
        return "dateutil's relativedelta given a state other than its attribute dict"
    values = {const(k): v for k, v in state.pairs}
    if len(values) != len(state.pairs) or not set(values) <= _RELATIVE_KEYS | _ABSOLUTE_KEYS \
            or not {"years", "months", "days"} <= set(values):
        return "dateutil's relativedelta given attributes other than its own"
    for key, value in values.items():
        if key == "weekday" and isinstance(value, Instance) and made_class(value) == WEEKDAY:
            continue  # (checked as it is built: _weekday_state_problem)
        if not isinstance(value, Const) or type(value.value) not in (
                (int, float) if key in _RELATIVE_KEYS else (int, type(None))):
            return f"dateutil's relativedelta whose {key} is not a number"
        if type(value.value) is int and not -_WORD <= value.value < _WORD:
            return f"dateutil's relativedelta whose {key} is out of range"
    return None


def _weekday_state_problem(state) -> str | None:
    """dateutil's weekday: its slots, (None, {'weekday': 0 to 6, 'n': an int or None})."""
    slots = state.items[1] if isinstance(state, Seq) and state.kind == "tuple" and len(
        state.items) == 2 and isinstance(state.items[0], Const) and (
        state.items[0].value is None) else None
    if not isinstance(slots, Mapping):
        return "dateutil's weekday given a state other than its slots"
    values = {const(k): v for k, v in slots.pairs}
    if len(values) != len(slots.pairs) or set(values) != {"weekday", "n"}:
        return "dateutil's weekday given attributes other than weekday and n"
    day, n = values["weekday"], values["n"]
    if not (_int(day) and 0 <= day.value <= 6 and isinstance(n, Const) and (
            n.value is None or (_int(n) and -_WORD <= n.value < _WORD))):
        return "dateutil's weekday whose day is not 0 to 6, or whose n is not an int or None"
    return None


def _bspline_state_problem(state, backend: bool = False) -> str | None:
    """Only the attributes scipy's BSpline writes, each of its kind (the arrays are checked
    against each other in the probe): knots and coefficients under one name each (`t` or
    `_t`, `c` or `_c`: a state with both had the probe check one pair while the spline
    evaluated the other, red team 41b F1), and scipy 1.18's backend exactly its own."""
    if not isinstance(state, Mapping):
        return "scipy BSpline given a state other than its attribute dict"
    names = [const(k) for k, _ in state.pairs]
    allowed = _BSPLINE_BACKEND_KEYS if backend else _BSPLINE_KEYS
    if len(set(names)) != len(names) or not all(
            isinstance(n, str) and n in allowed for n in names):
        return "scipy BSpline given attributes scipy does not write"
    if {"t", "_t"} <= set(names) or {"c", "_c"} <= set(names):
        return "scipy BSpline given its knots or coefficients twice: scipy writes one of each"
    for name, value in zip(names, (v for _, v in state.pairs)):
        if name in ("k", "axis") and not _int(value):
            return f"scipy BSpline whose {name} is not an integer"
        if name == "extrapolate" and not (isinstance(value, Const) and (
                type(value.value) is bool or value.value == "periodic")):
            return "scipy BSpline whose extrapolate is not a bool or 'periodic'"
        if name == "_delegate_to" and not (isinstance(value, Const) and value.value is None):
            return "scipy BSpline whose _delegate_to is not None"  # (1.18's backend: None)
        if name == "_asarray" and _pair(value) not in ASARRAYS:
            return "scipy BSpline whose _asarray is not scipy's array namespace asarray"
    return None


def _bspline_front_problem(state: Seq) -> str | None:
    """scipy 1.18's BSpline state, exactly: (a `_BSpline` made here, an array)."""
    from mlgate.artifacts.ecosystem import kind

    items = state.items
    if state.kind != "tuple" or len(items) != 2 or not (
            isinstance(items[0], Instance) and made_class(items[0]) == BSPLINE_BACKEND
            and kind(items[1]) == ("numpy", "ndarray")):
        return ("scipy BSpline given a state other than its attribute dict, or scipy 1.18's"
                " (its backend, an array)")
    return None


def _partial_function(pair) -> bool:
    """What a partial may hold: check_array, or a public function of scikit-learn's metrics
    or feature selection (`partial(mutual_info_classif, random_state=0)` as a selector's
    score function: false-alarm round 37). The probe verifies such a pair, which the stream
    never calls, is one of scikit-learn's score functions (`sklearn_pairs._scorer_function`)
    before anything is unpickled."""
    return pair in (CHECK_ARRAY, NEW_BLOCK) or (
        pair is not None and pair[0].startswith(SCORE_MODULES)
        and _PUBLIC_NAME.match(pair[1]) is not None)


def block_call(target, args: Seq) -> tuple[GlobalRef, Seq] | None:
    """A call of pandas 1.3's partial(new_block, ndim=1 or 2) with (values, placement), as
    the call of _unpickle_block it stands for; None for any other call target."""
    if not (isinstance(target, Instance) and made_class(target) == PARTIAL
            and _pair(target.args.items[0] if isinstance(target.args, Seq)
                      and target.args.items else None) == NEW_BLOCK):
        return None
    state = target.state
    if not (isinstance(state, Seq) and len(state.items) == 4
            and _pair(state.items[0]) == NEW_BLOCK and isinstance(state.items[2], Mapping)):
        return None
    keywords = {const(k): v for k, v in state.items[2].pairs}
    ndim = keywords.get("ndim")
    if list(keywords) != ["ndim"] or not isinstance(ndim, Const) or not (
            _int(ndim) and ndim.value in (1, 2)) or len(args.items) != 2:
        return None
    return GlobalRef(*UNPICKLE_BLOCK), Seq("tuple", [*args.items, ndim])


def _partial_state_problem(state) -> str | None:
    """(function, (), {keyword: value} or None, None), as partial.__reduce__ writes it."""
    shape = "functools.partial given another state than (function, (), keywords, None)"
    if not (isinstance(state, Seq) and state.kind == "tuple" and len(state.items) == 4):
        return shape
    func, args, keywords, attributes = state.items
    if not _partial_function(_pair(func)) or not (isinstance(args, Seq) and args.kind == "tuple"
                                                  and not args.items):
        return shape
    if not (isinstance(attributes, Const) and attributes.value is None):
        return shape
    if isinstance(keywords, Const) and keywords.value is None:
        return None
    if not isinstance(keywords, Mapping):
        return shape
    names = [const(k) for k, _ in keywords.pairs]
    known = CHECK_ARRAY_KEYWORDS if _pair(func) == CHECK_ARRAY else (
        frozenset({"ndim"}) if _pair(func) == NEW_BLOCK else None)
    if len(set(names)) != len(names) or not all(
            isinstance(n, str) and (n in known if known is not None
                                    else _PUBLIC_NAME.match(n) is not None) for n in names):
        return "functools.partial with keywords its function does not take"
    if not all(_plain_keyword(v) for _, v in keywords.pairs):
        return ("functools.partial with a keyword value other than a constant or numpy scalar"
                " types")
    return None


def _plain_keyword(value) -> bool:
    from mlgate.artifacts.allowlist import NUMPY_TYPES

    if isinstance(value, Const):
        return type(value.value) in (bool, int, float, str, type(None))
    if isinstance(value, GlobalRef):
        return (value.module, value.name) in NUMPY_TYPES or (
            value.module in ("builtins", "__builtin__") and value.name in ("float", "int",
                                                                            "bool", "object"))
    if isinstance(value, Seq) and value.kind in ("list", "tuple"):
        return len(value.items) <= 16 and all(
            not isinstance(v, Seq) and _plain_keyword(v) for v in value.items)
    return False


def own_state(target: Instance, state=None) -> bool:
    """Whether build_problem checks this object's whole state (a partial's is a tuple, not
    the attribute dict the generic check knows; so is scipy 1.18's BSpline's)."""
    return made_class(target) == PARTIAL or (
        made_class(target) == BSPLINE and isinstance(state, Seq))


def appends_allowed(target: Instance) -> bool:
    """APPEND(S) on a deque: its pickle adds the items so, and deque's own extend() runs."""
    return _pair(target.cls) == DEQUE and target.state is None


def setitems_problem(target: Instance) -> str | None:
    """Items only for the dict subclasses that are written with them: a Counter carries its
    items in its call, the other types have none."""
    made = made_class(target)
    if made in PAIRS or made == ZONEINFO_UNPICKLE:
        return f"{made[0]}.{made[1]} given items: CPython writes none"
    return None
