"""Which scikit-learn pairs an artifact may name: the static scan defers them here, the load
verifies them in the project's environment."""

SKLEARN_EXTRA_MODULES = (
    "sklearn.tree._tree", "sklearn._loss.loss", "sklearn._loss._loss", "sklearn._loss.link",
    "sklearn.neighbors._kd_tree", "sklearn.neighbors._ball_tree",
    "sklearn.metrics._dist_metrics", "sklearn.utils._bunch",
    # where 0.21 to 0.24 kept the neighbour trees' metrics (and 0.21 the trees): an old
    # KNeighborsClassifier names them (new-user round 35)
    "sklearn.neighbors._dist_metrics", "sklearn.neighbors.dist_metrics",
    "sklearn.neighbors.kd_tree", "sklearn.neighbors.ball_tree",
    "sklearn.ensemble._hist_gradient_boosting.binning",
    "sklearn.ensemble._hist_gradient_boosting.predictor",
    "sklearn.calibration", "sklearn.preprocessing._function_transformer",
    # a fitted search keeps its scorer and its splitter
    "sklearn.metrics._scorer", "sklearn.model_selection._split",
    "sklearn.utils._metadata_requests",  # 1.6.1 pickles a scorer with its requests
    # SGD's loss objects, MLP's optimizers, Gaussian processes' kernels; older releases'
    # gradient-boosting losses and GLM links/distributions (old joblib files hold them)
    "sklearn.linear_model._sgd_fast", "sklearn.neural_network._stochastic_optimizers",
    "sklearn.gaussian_process.kernels", "sklearn.ensemble._gb_losses",
    "sklearn.linear_model._glm.link", "sklearn._loss.glm_distribution",
    # HistGradientBoosting's loss objects up to 1.0 (false-alarm round 37)
    "sklearn.ensemble._hist_gradient_boosting.loss",
)
# Never trusted, not even for classes: test helpers, vendored, experimental and build code.
# (all_estimators skips the first six; the last three hold estimators made for tests.)
SKLEARN_DENY_PARTS = frozenset({
    "tests", "externals", "setup", "conftest", "experimental", "estimator_checks",
    "_testing", "_mocking", "_build_utils",
})
PYX_UNPICKLE = "__pyx_unpickle_"
# Classes older scikit-learn releases defined outside the modules estimators live in, named
# so by their pickles: `Bunch` (an ensemble's `named_estimators_`) was defined in
# sklearn.utils up to 1.0 and in sklearn.datasets.base before 0.20; newer releases keep
# sklearn.utils.Bunch as a re-export of sklearn.utils._bunch.Bunch. Pair -> the modules that
# may define the class found there.
SKLEARN_MOVED_CLASSES = {
    ("sklearn.utils", "Bunch"): ("sklearn.utils", "sklearn.utils._bunch"),
    ("sklearn.datasets.base", "Bunch"): ("sklearn.datasets.base", "sklearn.utils",
                                         "sklearn.utils._bunch"),
}


MODULE_ALIASES = {"_loss": "sklearn._loss._loss"}


def sklearn_shaped(module, name):
    """Is (module, name) a pair only the project's scikit-learn can vouch for?

    The static scan lets such a pair through as *pending* and the load verifies it in the
    project's environment before anything is unpickled (`verify_sklearn_pair`): listing every
    class up front would mean importing every estimator module, seconds per environment.
    """
    if module != "_loss" and module != "sklearn" and not module.startswith("sklearn."):
        return False
    for part in module.split("."):
        if not (part.isascii() and part.isidentifier()) or part.startswith("__") \
                or part in SKLEARN_DENY_PARTS:
            return False
    target = name[len(PYX_UNPICKLE):] if name.startswith(PYX_UNPICKLE) else name
    return target.isascii() and target.isidentifier() and not target.startswith("__")


def sklearn_classes():
    """[module, qualname] of the classes scikit-learn defines where its estimators live.

    The reference listing, for tests and the benchmark: it imports every estimator module
    (seconds). The check verifies only the pairs an artifact names (`verify_sklearn_pair`).
    """
    import importlib
    import inspect

    from sklearn.utils.discovery import all_estimators

    modules = {cls.__module__ for _, cls in all_estimators()} | set(SKLEARN_EXTRA_MODULES)
    found = set()
    for name in sorted(modules):
        if any(part in SKLEARN_DENY_PARTS for part in name.split(".")):
            continue
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr, value in vars(module).items():
            if attr.startswith("__pyx_unpickle_") and inspect.isclass(
                    vars(module).get(attr[len("__pyx_unpickle_"):])):
                # Cython's reconstructor of that class (scikit-learn < 1.6): it checks the
                # layout's checksum, makes the instance with Class.__new__, sets its state.
                owner = vars(module)[attr[len("__pyx_unpickle_"):]].__module__
                if owner == name or name.endswith("." + owner):
                    found.add((owner, attr))
                continue
            if not inspect.isclass(value):
                continue
            qualname = value.__qualname__ if "." not in value.__qualname__ else attr
            if value.__module__ == name:
                found.add((name, qualname))
            elif name.endswith("." + value.__module__):
                # Cython types of older scikit-learn (1.6) name their module without its
                # package ('_loss'), and pickles reference them that way: the module puts
                # itself in sys.modules['_loss'] when sklearn._loss._loss is imported. Any
                # loader must resolve such a pair through that import, never by looking
                # '_loss' up on sys.path, where a file in the repository could answer.
                found.add((value.__module__, qualname))
    for module, name in SKLEARN_MOVED_CLASSES:  # older releases' names of a class
        try:
            value = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if inspect.isclass(value) and value.__module__ in SKLEARN_MOVED_CLASSES[(module, name)]:
            found.add((module, name))
    return sorted(found)


def _estimator_module(module, name):
    """Is `module` one where scikit-learn's estimators live (all_estimators' rule: it defines
    a public, concrete BaseEstimator subclass), or one of its pickled internals?"""
    if name in SKLEARN_EXTRA_MODULES:
        return True
    import inspect

    from sklearn.base import BaseEstimator

    return any(
        isinstance(value, type) and value.__module__ == name and not attr.startswith("_")
        and value is not BaseEstimator and issubclass(value, BaseEstimator)
        and not inspect.isabstract(value)
        for attr, value in list(vars(module).items()))


# The univariate score functions of feature selection: SelectKBest, SelectPercentile and the
# like keep one as `score_func` (f_classif by default), so every such selector pickles it.
FEATURE_SCORES = ("f_classif", "f_regression", "r_regression", "chi2", "mutual_info_classif",
                  "mutual_info_regression")
# The names of scikit-learn's metrics (`fbeta_score`, `mean_pinball_loss`, `matthews_corrcoef`):
# functions of labels and predictions, which a scorer keeps and calls only when it scores.
METRIC_SUFFIXES = ("_score", "_error", "_loss", "_deviance", "_corrcoef")


def _scorer_function(value, module, name):
    """Is `value` the score function behind one of scikit-learn's named scorers (or the old
    `_passthrough_scorer`, or a feature selector's univariate score), defined where the
    pickle says? Such a function is only ever a value in a model: a fitted search's scorer
    calls it when it scores, a selector when it is fitted, never on load."""
    if getattr(value, "__module__", None) != module or getattr(value, "__qualname__", None) \
            != name:
        return False
    from sklearn import feature_selection, metrics
    from sklearn.metrics import _scorer

    if value is getattr(_scorer, "_passthrough_scorer", None) or any(
            value is getattr(feature_selection, score, None) for score in FEATURE_SCORES):
        return True
    # any metric scikit-learn exports by a score's name: make_scorer(fbeta_score, beta=2)
    # keeps fbeta_score, which no named scorer is behind (false-alarm round 37)
    if any(value is getattr(metrics, public, None) for public in getattr(metrics, "__all__", ())
           if public.endswith(METRIC_SUFFIXES)):
        return True
    # (get_scorer_names is scikit-learn 1.1's; before, the registry itself: a pickled
    # scorer with 1.0.2 crashed the probe and was blamed on the model, round 37)
    names = getattr(metrics, "get_scorer_names", None)
    for scorer_name in (names() if callable(names) else sorted(getattr(
            _scorer, "SCORERS", None) or getattr(_scorer, "_SCORERS", None) or ())):
        try:
            if getattr(metrics.get_scorer(scorer_name), "_score_func", None) is value:
                return True
        except Exception:  # a scorer that needs an optional dependency
            continue
    return False
