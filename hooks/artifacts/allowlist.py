"""The exact (module, qualname) pairs an ordinary model artifact may reference.

Never a prefix, never "everything under numpy/sklearn": both contain helpers that run code
or read other files (numpy.load, numpy.testing, sklearn.utils._testing, joblib.load...). The
list is the union of:

- BASE: builtins and reconstruction helpers of the standard library, numpy, scipy.sparse and
  joblib that rebuild data and call nothing else;
- NUMPY_UFUNCS and NUMPY_TYPES: the ufuncs a FunctionTransformer may hold, and the scalar
  types estimators take as parameters;
- the classes scikit-learn defines in the modules its estimators live in. Listing them all
  would import every estimator module of the project's scikit-learn (seconds), so the scan
  lets a scikit-learn-shaped pair through as *pending* (`deferred`) and the probe verifies
  each one in the project's environment before anything is unpickled: a class of that
  module, in a module where estimators live; functions and test helpers are refused.
"""

from __future__ import annotations

from mlgate.artifacts.value_types import PAIRS as VALUE_TYPES
from mlgate.artifacts.value_types import PY2_NAMES

BASE = frozenset({
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "slice"),
    ("builtins", "complex"), ("builtins", "bytearray"), ("builtins", "list"),
    ("builtins", "dict"), ("builtins", "tuple"), ("builtins", "float"), ("builtins", "int"),
    ("builtins", "bool"), ("builtins", "str"), ("builtins", "bytes"), ("builtins", "object"),
    ("copyreg", "_reconstructor"), ("_codecs", "encode"),
    ("collections", "OrderedDict"), ("collections", "defaultdict"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    # numpy's matrix, an ndarray subclass pickled as one (scipy.sparse's sum(axis=0) and
    # mean(axis=0) make them: false-alarm round 40b E); never called, as ndarray
    ("numpy", "matrix"), ("numpy.matrixlib.defmatrix", "matrix"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("numpy.ma.core", "_mareconstruct"), ("numpy.ma.core", "MaskedArray"),
    ("numpy.ma", "MaskedArray"),  # numpy 2 names it so (search CV results hold some)
    ("numpy.random._pickle", "__randomstate_ctor"),
    ("numpy.random._pickle", "__bit_generator_ctor"),
    ("numpy.random._pickle", "__generator_ctor"),
    ("numpy.random.mtrand", "RandomState"), ("numpy.random._generator", "Generator"),
    ("numpy.random._mt19937", "MT19937"), ("numpy.random._pcg64", "PCG64"),
    ("numpy.random._pcg64", "PCG64DXSM"), ("numpy.random._philox", "Philox"),
    ("numpy.random._sfc64", "SFC64"), ("numpy.random.bit_generator", "SeedSequence"),
    ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
    ("scipy.sparse._csr", "csr_matrix"), ("scipy.sparse._csc", "csc_matrix"),
    ("scipy.sparse._coo", "coo_matrix"), ("scipy.sparse._csr", "csr_array"),
    ("scipy.sparse._csc", "csc_array"), ("scipy.sparse._coo", "coo_array"),
    ("scipy.sparse.csr", "csr_matrix"), ("scipy.sparse.csc", "csc_matrix"),
    # scipy before 1.8 (false-alarm round 46 F5: user-item interaction matrices); checked
    # in the probe like the others (verify._sparse_problem)
    ("scipy.sparse.coo", "coo_matrix"),
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    # scikit-learn's compiled neighbour trees rebuild through `newObj(cls)`: cls.__new__(cls)
    ("sklearn.neighbors._kd_tree", "newObj"), ("sklearn.neighbors._ball_tree", "newObj"),
    ("sklearn.metrics._dist_metrics", "newObj"),
    # (scikit-learn 0.21 to 0.24 kept them in these modules)
    ("sklearn.neighbors._dist_metrics", "newObj"), ("sklearn.neighbors.dist_metrics", "newObj"),
    ("sklearn.neighbors.kd_tree", "newObj"), ("sklearn.neighbors.ball_tree", "newObj"),
})
# Value types of model bundles (dates, amounts, ids, paths; `value_types`): CPython writes
# each as one call, whose exact arguments, state and items the scan checks there.
BASE = BASE | VALUE_TYPES | set(PY2_NAMES)  # (int and str as protocols 0-2 name them)
# Protocol 0-2 pickles name builtins and copyreg by their Python 2 names.
BASE = BASE | {("__builtin__", n) for m, n in BASE if m == "builtins"} | {
    ("copy_reg", "_reconstructor")}

# numpy scalar types appear as parameters (`OneHotEncoder(dtype=np.float64)`).
NUMPY_TYPES = frozenset(("numpy", name) for name in (
    "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "longdouble", "complex64", "complex128", "object_",
    "str_", "bytes_", "intp", "uintp", "datetime64", "timedelta64",
    "bool", "clongdouble", "void",  # (numpy 2 pickles np.bool_ as numpy.bool)
    # the abstract kinds, as scikit-learn's own recipes pass them
    # (`make_column_selector(dtype_include=np.number)`: false-alarm round 37)
    "generic", "number", "integer", "signedinteger", "unsignedinteger", "inexact",
    "floating", "complexfloating", "flexible", "character",
))

# numpy 2.1+ pickles a ufunc as numpy.<name>; 1.x and 2.0 as the extension module's name.
_UFUNC_MODULES = ("numpy", "numpy._core._multiarray_umath", "numpy.core._multiarray_umath")
NUMPY_UFUNCS = frozenset((module, name) for module in _UFUNC_MODULES for name in (
    "absolute", "abs", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cbrt",
    "ceil", "cos", "cosh", "deg2rad", "degrees", "exp", "exp2", "expm1", "fabs", "floor",
    "log", "log10", "log1p", "log2", "negative", "positive", "rad2deg", "radians",
    "reciprocal", "rint", "sign", "sin", "sinh", "sqrt", "square", "tan", "tanh", "trunc",
))

def sklearn_classes() -> set[tuple[str, str]]:
    """The classes of the scikit-learn importable here, all listed (tests, benchmark)."""
    from mlgate.probe_script.sklearn_pairs import sklearn_classes as listed

    return {tuple(pair) for pair in listed()}


class AllowList:
    """Exact pairs; with `defer`, also scikit-learn-shaped and ecosystem-shaped pairs, which
    it records in `pending` for the probe to verify (`mlgate.probe_script.sklearn_pairs.
    sklearn_shaped`, `mlgate.probe_script.ecosystem.ecosystem_shaped`), and the project's own
    estimators, in `project_pending`."""

    def __init__(self, pairs: set[tuple[str, str]] | frozenset, defer: bool = False,
                 project_classes=None, flag: frozenset = frozenset()) -> None:
        self.pairs = frozenset(pairs)
        # `flag`: pairs the user allowed that pickle exploits call; the ones the artifact
        # needs are recorded in `flagged` (the gate reports them, whatever the load says).
        self.flag = flag
        self.flagged: set[tuple[str, str]] = set()
        self.defer = defer
        self.pending: set[tuple[str, str]] = set()
        # The project's own estimators (`project.ProjectClasses`): (module, class) -> the
        # tracked file defining it, verified in the probe after everything else.
        self.project_classes = project_classes
        self.project_pending: dict[tuple[str, str], str] = {}

    def __call__(self, module: str, name: str) -> bool:
        if (module, name) in self.pairs:
            if (module, name) in self.flag:
                self.flagged.add((module, name))
            return True
        if self.defer:
            from mlgate.probe_script.ecosystem import ecosystem_shaped
            from mlgate.probe_script.sklearn_pairs import sklearn_shaped

            # pandas, XGBoost, LightGBM...: a fixed list of modules and names, verified
            # like scikit-learn's (`mlgate.probe_script.ecosystem`)
            if sklearn_shaped(module, name) or ecosystem_shaped(module, name):
                self.pending.add((module, name))
                return True
            if self.project_classes is not None:
                path = self.project_classes(module, name)
                if path:
                    self.project_pending[(module, name)] = path
                    return True
        return False
