"""The vetted pairs of the libraries models ship with besides scikit-learn: pandas (and the
pyarrow and pytz pieces its objects pickle through), XGBoost, LightGBM, CatBoost,
imbalanced-learn and category_encoders. Also the project's own estimators.

A pair is *ecosystem-shaped* when its module is one of a fixed list of that library's modules
and its name one of a fixed list of names: the static scan lets it through as pending, and the
probe verifies it in the project's environment before anything is unpickled. The reference is
the object itself: each name has its canonical places (`pandas:DataFrame`,
`pandas.arrays:IntegerArray`, ...), and the pair must resolve to that very object there
(pandas moves classes between modules across versions; what the pickle names is accepted
only when it is the vetted object under another name). Functions that read files or
evaluate text (`pandas.read_pickle`, `pandas.eval`, `DataFrame.query`, `pandas.io.*`,
`pandas.core.computation.*`) are on no list. Which arguments and states each pair may be
given is the static scan's part (`mlgate.artifacts.ecosystem`); the invariants pandas trusts
without checking are verified after the load (`structure_problem`).

Standard library only at import: this runs in the project's interpreter.
"""

from .common import LoadFailure, _under

# -- pandas -------------------------------------------------------------------------------

PANDAS_MODULES = frozenset({
    "pandas", "pandas.arrays", "pandas.core.frame", "pandas.core.series",
    "pandas.core.internals.managers", "pandas.core.internals.blocks",
    "pandas.core.indexes.base", "pandas.core.indexes.range", "pandas.core.indexes.datetimes",
    "pandas.core.indexes.timedeltas", "pandas.core.indexes.period",
    "pandas.core.indexes.category", "pandas.core.indexes.multi",
    "pandas.core.indexes.interval", "pandas.core.indexes.numeric",
    "pandas.core.arrays.categorical", "pandas.core.arrays.datetimes",
    "pandas.core.arrays.timedeltas", "pandas.core.arrays.period",
    "pandas.core.arrays.interval", "pandas.core.arrays.integer",
    "pandas.core.arrays.floating", "pandas.core.arrays.boolean", "pandas.core.arrays.string_",
    "pandas.core.arrays.string_arrow", "pandas.core.arrays.sparse.array",
    "pandas.core.arrays.sparse.dtype", "pandas.core.arrays.sparse", "pandas.core.arrays.numpy_",
    "pandas.core.dtypes.dtypes", "pandas._libs.internals", "pandas._libs.arrays",
    "pandas._libs.interval", "pandas._libs.sparse", "pandas._libs.missing",
    "pandas._libs.tslibs.timestamps", "pandas._libs.tslibs.timedeltas",
    "pandas._libs.tslibs.nattype", "pandas._libs.tslibs.offsets", "pandas._libs.tslibs.period",
    "pandas.tseries.offsets", "pandas.core.arrays.arrow.array", "pandas.core.arrays.arrow",
})


def _public(module, *names):
    return {name: (f"{module}:{name}",) for name in names}


INDEX_CLASSES = ("Index", "RangeIndex", "DatetimeIndex", "TimedeltaIndex", "PeriodIndex",
                 "CategoricalIndex", "MultiIndex", "IntervalIndex")
OLD_INDEX_CLASSES = ("Int64Index", "UInt64Index", "Float64Index", "NumericIndex")  # 1.x
MASKED_DTYPES = ("Int8Dtype", "Int16Dtype", "Int32Dtype", "Int64Dtype", "UInt8Dtype",
                 "UInt16Dtype", "UInt32Dtype", "UInt64Dtype", "Float32Dtype", "Float64Dtype",
                 "BooleanDtype")
PANDAS_DTYPES = ("CategoricalDtype", "DatetimeTZDtype", "PeriodDtype", "IntervalDtype",
                 "SparseDtype", "StringDtype", *MASKED_DTYPES)
MASKED_ARRAYS = ("IntegerArray", "FloatingArray", "BooleanArray")
# Arrays built by Cython's reconstructor of pandas' NDArrayBacked from (dtype, ndarray[, attrs]).
BACKED_ARRAYS = ("Categorical", "DatetimeArray", "TimedeltaArray", "PeriodArray", "StringArray")
# Date offsets whose pickle is the class called with constants (n, normalize[, anchor]).
OFFSETS = ("Day", "Hour", "Minute", "Second", "Milli", "Micro", "Nano", "BusinessDay",
           "MonthEnd", "MonthBegin", "BusinessMonthEnd", "BusinessMonthBegin",
           "SemiMonthEnd", "SemiMonthBegin", "Week", "WeekOfMonth", "LastWeekOfMonth",
           "QuarterEnd", "QuarterBegin", "BQuarterEnd", "BQuarterBegin", "YearEnd",
           "YearBegin", "BYearEnd", "BYearBegin", "Easter")
# Offsets called with arguments of their own kinds, and DateOffset (a state of numbers and a
# relativedelta): checked by the scan one by one (false-alarm round 46 F2)
OFFSETS_WITH_ARGUMENTS = ("DateOffset", "CustomBusinessDay", "CustomBusinessMonthEnd",
                          "CustomBusinessMonthBegin", "BusinessHour", "CustomBusinessHour",
                          "FY5253", "FY5253Quarter")

PANDAS = {
    "DataFrame": ("pandas:DataFrame",), "Series": ("pandas:Series",),
    **_public("pandas", *INDEX_CLASSES, "Categorical", "Period", "Interval", "Timedelta",
              "Timestamp", *PANDAS_DTYPES),
    **{name: (f"pandas.core.indexes.numeric:{name}",) for name in OLD_INDEX_CLASSES},
    **_public("pandas.arrays", "DatetimeArray", "TimedeltaArray", "PeriodArray",
              "IntervalArray", "SparseArray", "StringArray", "ArrowStringArray",
              *MASKED_ARRAYS),
    "ArrowStringArrayNumpySemantics": (
        "pandas.core.arrays.string_arrow:ArrowStringArrayNumpySemantics",),
    # pyarrow-backed columns (`dtype_backend="pyarrow"`, `int64[pyarrow]`)
    "ArrowExtensionArray": ("pandas.arrays:ArrowExtensionArray",),
    "ArrowDtype": ("pandas:ArrowDtype",),
    "BlockManager": ("pandas.core.internals.managers:BlockManager",),
    "SingleBlockManager": ("pandas.core.internals.managers:SingleBlockManager",),
    "NA": ("pandas._libs.missing:NA",),
    "IntIndex": ("pandas._libs.sparse:IntIndex",),
    "BlockIndex": ("pandas._libs.sparse:BlockIndex",),
    **_public("pandas.tseries.offsets", *OFFSETS, *OFFSETS_WITH_ARGUMENTS),
    # the reconstructors pandas' own __reduce__ methods name
    "_new_Index": ("pandas.core.indexes.base:_new_Index",),
    "_new_DatetimeIndex": ("pandas.core.indexes.datetimes:_new_DatetimeIndex",),
    "_new_TimedeltaIndex": ("pandas.core.indexes.timedeltas:_new_TimedeltaIndex",),
    "_new_IntervalIndex": ("pandas.core.indexes.interval:_new_IntervalIndex",),
    "_unpickle_block": ("pandas._libs.internals:_unpickle_block",),
    # pandas 1.3 pickles a block as partial(new_block, ndim=n)(values, placement)
    "new_block": ("pandas.core.internals.blocks:new_block",),
    "_unpickle_timestamp": ("pandas._libs.tslibs.timestamps:_unpickle_timestamp",),
    "_timedelta_unpickle": ("pandas._libs.tslibs.timedeltas:_timedelta_unpickle",),
    "_nat_unpickle": ("pandas._libs.tslibs.nattype:_nat_unpickle",),
    "__nat_unpickle": ("pandas._libs.tslibs.nattype:__nat_unpickle",),  # pandas < 3
    "__pyx_unpickle_NDArrayBacked": ("pandas._libs.arrays:__pyx_unpickle_NDArrayBacked",),
    "__pyx_unpickle_IntervalMixin": ("pandas._libs.interval:__pyx_unpickle_IntervalMixin",),
    # pandas 1.1-1.2's PeriodArray (false-alarm round 46)
    "__pyx_unpickle_PeriodMixin": ("pandas._libs.tslibs.period:__pyx_unpickle_PeriodMixin",),
}

# pandas' string arrays keep a pyarrow array when pyarrow is installed (pandas 3's default
# `str` dtype), as do its pyarrow-backed columns; tz-aware timestamps of pandas < 3 hold pytz
# zones.
PYARROW = _public("pyarrow.lib", "_restore_array", "type_for_alias", "py_buffer", "timestamp")
# (FixedOffset: pandas 1.x parses "2021-01-01T08:00:00+02:00" into a pytz fixed offset;
# false-alarm round 46 F1)
PYTZ = _public("pytz", "_p", "_UTC", "FixedOffset")

# -- the scikit-learn ecosystem -------------------------------------------------------------

XGBOOST = {**_public("xgboost", "XGBModel", "XGBClassifier", "XGBRegressor", "XGBRanker",
                     "XGBRFClassifier", "XGBRFRegressor", "Booster"),
           # XGBClassifier of XGBoost 1.0-1.2 keeps its labels in one (`_le`), a
           # LabelEncoder given `classes_` (false-alarm round 40 F2)
           "XGBoostLabelEncoder": ("xgboost.compat:XGBoostLabelEncoder",)}
LIGHTGBM = {**_public("lightgbm", "LGBMModel", "LGBMClassifier", "LGBMRegressor", "LGBMRanker",
                      "Booster")}
CATBOOST = {**_public("catboost", "CatBoost", "CatBoostClassifier", "CatBoostRegressor",
                      "CatBoostRanker")}
IMBLEARN = {
    **_public("imblearn.over_sampling", "ADASYN", "RandomOverSampler", "SMOTE", "SMOTEN",
              "SMOTENC", "KMeansSMOTE", "BorderlineSMOTE", "SVMSMOTE"),
    **_public("imblearn.under_sampling", "ClusterCentroids", "CondensedNearestNeighbour",
              "AllKNN", "EditedNearestNeighbours", "RepeatedEditedNearestNeighbours",
              "InstanceHardnessThreshold", "NearMiss", "NeighbourhoodCleaningRule",
              "OneSidedSelection", "RandomUnderSampler", "TomekLinks"),
    **_public("imblearn.combine", "SMOTEENN", "SMOTETomek"),
    **_public("imblearn.ensemble", "BalancedBaggingClassifier", "EasyEnsembleClassifier",
              "BalancedRandomForestClassifier", "RUSBoostClassifier"),
    **_public("imblearn.pipeline", "Pipeline"),
    # (its `func` is a global of the artifact's: allowed, or not, on its own)
    **_public("imblearn", "FunctionSampler"),
    **_public("imblearn.metrics.pairwise", "ValueDifferenceMetric"),  # SMOTEN's distance
}
IMBLEARN_MODULES = frozenset({
    "imblearn.pipeline", "imblearn.over_sampling", "imblearn.over_sampling._adasyn",
    "imblearn.over_sampling._random_over_sampler", "imblearn.over_sampling._smote",
    "imblearn.over_sampling._smote.base", "imblearn.over_sampling._smote.cluster",
    "imblearn.over_sampling._smote.filter", "imblearn.under_sampling",
    "imblearn.under_sampling._prototype_generation",
    "imblearn.under_sampling._prototype_generation._cluster_centroids",
    "imblearn.under_sampling._prototype_selection",
    *(f"imblearn.under_sampling._prototype_selection._{name}" for name in (
        "condensed_nearest_neighbour", "edited_nearest_neighbours",
        "instance_hardness_threshold", "nearmiss", "neighbourhood_cleaning_rule",
        "one_sided_selection", "random_under_sampler", "tomek_links")),
    "imblearn.combine", "imblearn.combine._smote_enn", "imblearn.combine._smote_tomek",
    "imblearn.ensemble", "imblearn.ensemble._bagging", "imblearn.ensemble._easy_ensemble",
    "imblearn.ensemble._forest", "imblearn.ensemble._weight_boosting", "imblearn.base",
    "imblearn.metrics.pairwise",
})
CATEGORY_ENCODERS = _public(
    "category_encoders", "BackwardDifferenceEncoder", "BaseNEncoder", "BinaryEncoder",
    "CatBoostEncoder", "CountEncoder", "GLMMEncoder", "GrayEncoder", "HashingEncoder",
    "HelmertEncoder", "JamesSteinEncoder", "LeaveOneOutEncoder", "MEstimateEncoder",
    "OneHotEncoder", "OrdinalEncoder", "PolynomialEncoder", "QuantileEncoder",
    "RankHotEncoder", "SumEncoder", "SummaryEncoder", "TargetEncoder", "WOEEncoder")
CATEGORY_ENCODERS_MODULES = frozenset({"category_encoders"} | {
    f"category_encoders.{name}" for name in (
        "backward_difference", "basen", "binary", "cat_boost", "count", "glmm", "gray",
        "hashing", "helmert", "james_stein", "leave_one_out", "m_estimate", "one_hot",
        "ordinal", "polynomial", "quantile_encoder", "rankhot", "sum_coding",
        "target_encoder", "woe")})

# feature-engine (1.9's module layout): its transformers are scikit-learn estimators with
# attribute-dict states (false-alarm round 38: 20 of 20 pipelines refused).
FEATURE_ENGINE = {
    **_public("feature_engine.creation",
              "CyclicalFeatures", "DecisionTreeFeatures", "GeoDistanceFeatures", "MathFeatures",
              "RelativeFeatures"),
    **_public("feature_engine.datetime",
              "DatetimeFeatures", "DatetimeOrdinal", "DatetimeSubtraction"),
    **_public("feature_engine.discretisation",
              "ArbitraryDiscretiser", "DecisionTreeDiscretiser", "EqualFrequencyDiscretiser",
              "EqualWidthDiscretiser", "GeometricWidthDiscretiser"),
    **_public("feature_engine.encoding",
              "CountFrequencyEncoder", "DecisionTreeEncoder", "MeanEncoder", "OneHotEncoder",
              "OrdinalEncoder", "RareLabelEncoder", "StringSimilarityEncoder", "WoEEncoder"),
    **_public("feature_engine.imputation",
              "AddMissingIndicator", "ArbitraryNumberImputer", "CategoricalImputer",
              "DropMissingData", "EndTailImputer", "MeanMedianImputer", "RandomSampleImputer"),
    **_public("feature_engine.outliers",
              "ArbitraryOutlierCapper", "OutlierTrimmer", "Winsorizer"),
    **_public("feature_engine.pipeline",
              "Pipeline"),
    **_public("feature_engine.preprocessing",
              "MatchCategories", "MatchVariables"),
    **_public("feature_engine.scaling",
              "MeanNormalizationScaler"),
    **_public("feature_engine.selection",
              "DropConstantFeatures", "DropCorrelatedFeatures", "DropDuplicateFeatures",
              "DropFeatures", "DropHighPSIFeatures", "MRMR", "ProbeFeatureSelection",
              "RecursiveFeatureAddition", "RecursiveFeatureElimination", "SelectByInformationValue",
              "SelectByShuffling", "SelectBySingleFeaturePerformance",
              "SelectByTargetMeanPerformance", "SmartCorrelatedSelection"),
    **_public("feature_engine.text",
              "TextFeatures"),
    **_public("feature_engine.timeseries.forecasting",
              "ExpandingWindowFeatures", "LagFeatures", "WindowFeatures"),
    **_public("feature_engine.transformation",
              "ArcSinhTransformer", "ArcsinTransformer", "BoxCoxTransformer", "LogCpTransformer",
              "LogTransformer", "PowerTransformer", "ReciprocalTransformer",
              "YeoJohnsonTransformer"),
    **_public("feature_engine.wrappers",
              "SklearnTransformerWrapper"),
}
FEATURE_ENGINE_MODULES = frozenset({
    "feature_engine.creation", "feature_engine.creation.cyclical_features",
    "feature_engine.creation.decision_tree_features", "feature_engine.creation.geo_features",
    "feature_engine.creation.math_features", "feature_engine.creation.relative_features",
    "feature_engine.datetime", "feature_engine.datetime.datetime",
    "feature_engine.datetime.datetime_ordinal", "feature_engine.datetime.datetime_subtraction",
    "feature_engine.discretisation", "feature_engine.discretisation.arbitrary",
    "feature_engine.discretisation.decision_tree",
    "feature_engine.discretisation.equal_frequency",
    "feature_engine.discretisation.equal_width",
    "feature_engine.discretisation.geometric_width", "feature_engine.encoding",
    "feature_engine.encoding.count_frequency", "feature_engine.encoding.decision_tree",
    "feature_engine.encoding.mean_encoding", "feature_engine.encoding.one_hot",
    "feature_engine.encoding.ordinal", "feature_engine.encoding.rare_label",
    "feature_engine.encoding.similarity_encoder", "feature_engine.encoding.woe",
    "feature_engine.imputation", "feature_engine.imputation.arbitrary_number",
    "feature_engine.imputation.categorical", "feature_engine.imputation.drop_missing_data",
    "feature_engine.imputation.end_tail", "feature_engine.imputation.mean_median",
    "feature_engine.imputation.missing_indicator", "feature_engine.imputation.random_sample",
    "feature_engine.outliers", "feature_engine.outliers.artbitrary",
    "feature_engine.outliers.trimmer", "feature_engine.outliers.winsorizer",
    "feature_engine.pipeline", "feature_engine.pipeline.pipeline",
    "feature_engine.preprocessing", "feature_engine.preprocessing.match_categories",
    "feature_engine.preprocessing.match_columns", "feature_engine.scaling",
    "feature_engine.scaling.mean_normalization", "feature_engine.selection",
    "feature_engine.selection.drop_constant_features",
    "feature_engine.selection.drop_correlated_features",
    "feature_engine.selection.drop_duplicate_features",
    "feature_engine.selection.drop_features", "feature_engine.selection.drop_psi_features",
    "feature_engine.selection.information_value", "feature_engine.selection.mrmr",
    "feature_engine.selection.probe_feature_selection",
    "feature_engine.selection.recursive_feature_addition",
    "feature_engine.selection.recursive_feature_elimination",
    "feature_engine.selection.shuffle_features",
    "feature_engine.selection.single_feature_performance",
    "feature_engine.selection.smart_correlation_selection",
    "feature_engine.selection.target_mean_selection", "feature_engine.text",
    "feature_engine.text.text_features", "feature_engine.timeseries.forecasting",
    "feature_engine.timeseries.forecasting.expanding_window_features",
    "feature_engine.timeseries.forecasting.lag_features",
    "feature_engine.timeseries.forecasting.window_features", "feature_engine.transformation",
    "feature_engine.transformation.arcsin", "feature_engine.transformation.arcsinh",
    "feature_engine.transformation.boxcox", "feature_engine.transformation.log",
    "feature_engine.transformation.power", "feature_engine.transformation.reciprocal",
    "feature_engine.transformation.yeojohnson", "feature_engine.wrappers",
    "feature_engine.wrappers.wrappers"
})

# top-level package: (the modules a pickle may name, {name: canonical places})
PACKAGES = {
    "pandas": (PANDAS_MODULES, PANDAS),
    "pyarrow": (frozenset({"pyarrow.lib"}), PYARROW),
    "pytz": (frozenset({"pytz"}), PYTZ),
    "xgboost": (frozenset({"xgboost", "xgboost.sklearn", "xgboost.core", "xgboost.compat"}),
                XGBOOST),
    "lightgbm": (frozenset({"lightgbm", "lightgbm.sklearn", "lightgbm.basic"}), LIGHTGBM),
    "catboost": (frozenset({"catboost", "catboost.core"}), CATBOOST),
    "imblearn": (IMBLEARN_MODULES, IMBLEARN),
    "category_encoders": (CATEGORY_ENCODERS_MODULES, CATEGORY_ENCODERS),
    "feature_engine": (FEATURE_ENGINE_MODULES, FEATURE_ENGINE),
}
# The estimators of these packages are scikit-learn estimators: a fitted one is made with
# NEWOBJ and given its attribute dict, like scikit-learn's own.
ESTIMATOR_PACKAGES = frozenset({"xgboost", "lightgbm", "catboost", "imblearn",
                                "category_encoders", "feature_engine"})


def ecosystem_shaped(module, name):
    """(package, name) when (module, name) is on one of the fixed lists, else None."""
    top = module.split(".")[0]
    entry = PACKAGES.get(top)
    if entry is None or module not in entry[0] or name not in entry[1]:
        return None
    return top, name


def verify_ecosystem_pair(resolver, module, name):
    """Before anything is unpickled: the pair must resolve, in the project's environment, to
    the very object the list vets under that name."""
    import importlib

    shaped = ecosystem_shaped(module, name)
    refused = f"{module}.{name} is not on the allow-list of what model artifacts need"
    if shaped is None:
        raise LoadFailure("refused", refused, module=module, name=name)
    top, _ = shaped
    loaded = resolver.module(module, name)
    value = getattr(loaded, name, None)
    if value is None:
        raise LoadFailure("class", f"{module} has no {name}", module=module, name=name)
    for place in PACKAGES[top][1][name]:
        home, attr = place.split(":")
        try:
            resolver.module(home, attr)
            reference = getattr(importlib.import_module(home), attr)
        except (ImportError, AttributeError):
            continue
        if value is reference:
            return
    raise LoadFailure("refused", refused + f" (it is not {top}'s own {name})", module=module,
                      name=name)


# -- the project's own estimators -------------------------------------------------------------

# What the unpickling of an object (or its use as a dict key, or its end) would run of the
# class's own code: a project class that defines one of these is only loaded when configured.
FORBIDDEN_METHODS = ("__reduce__", "__reduce_ex__", "__setstate__", "__new__",
                     "__getattribute__", "__getattr__", "__del__", "__hash__", "__eq__",
                     "__setitem__")


def _same_file(installed, tracked, limit=8 << 20):
    """Whether the module imported (a copy that `pip install .` put in site-packages) has
    exactly the tracked file's text: the same code (false-alarm round 37: a src-layout
    project installed as a Dockerfile installs it had its own classes refused)."""
    try:
        with open(installed, "rb") as one, open(tracked, "rb") as other:
            first, second = one.read(limit + 1), other.read(limit + 1)
    except OSError:
        return False
    return len(first) <= limit and first == second


def verify_project_class(resolver, module, name, path, roots, slots=()):
    """A class of a git-tracked module of the project that the scan saw made only by the
    plain reconstructor with a dict state (or a function defined at the module's top, kept
    as a value): importing the module runs the project's committed code (trusted, see the
    README's threat model); then the class must be defined there,
    subclass scikit-learn's BaseEstimator and, in its own code and that of its project
    bases, define none of FORBIDDEN_METHODS, with no metaclass but type/ABCMeta, and no
    bases from elsewhere than the project, scikit-learn and `abc`."""
    import abc
    import os
    import sys

    def refuse(why):
        raise LoadFailure("refused", f"{module}.{name}, a class of the project, is not loaded"
                          f" without configuration: {why}", module=module, name=name)

    cls = resolver.find_class(module, name)
    loaded = sys.modules.get(module)
    where = getattr(loaded, "__file__", None)
    if where is None or (os.path.realpath(where) != os.path.realpath(path) and not _same_file(
            where, path)):
        refuse(f"{module} was imported from {where}, not from the tracked {path}" + (
            " (and its text differs: reinstall the project)" if where else ""))
    if type(cls).__name__ == "function" and type(cls).__module__ == "builtins":
        # a plain function of that file, kept as a value (FunctionTransformer's func): the
        # scan saw it neither called nor handed to a call
        code = getattr(cls, "__code__", None)
        if not (cls.__module__ == module and cls.__qualname__ == name and code is not None
                and os.path.realpath(code.co_filename) == os.path.realpath(where)):
            refuse(f"it is not a plain function defined in {module}")
        return
    if not (isinstance(cls, type) and cls.__module__ == module and cls.__qualname__ == name):
        refuse(f"it is neither a class nor a plain function defined in {module}")
    from sklearn.base import BaseEstimator

    if not issubclass(cls, BaseEstimator):
        refuse("it does not subclass scikit-learn's BaseEstimator")
    for klass in cls.__mro__:
        if type(klass) not in (type, abc.ABCMeta):
            refuse(f"{klass.__qualname__} has the metaclass {type(klass).__qualname__}")
        owner = klass.__module__ or ""
        if klass is object or owner == "abc":
            continue
        if owner == "sklearn" or owner.startswith("sklearn."):
            # scikit-learn's own hooks run only where loading one of its vetted classes
            # would run them: BaseEstimator's, or a class of a module where estimators live
            # (not ScoringMonitor's __setstate__, which connects to the address its state
            # names and opens a listener)
            hooks = [m for m in FORBIDDEN_METHODS if m in vars(klass)]
            if hooks and klass is not BaseEstimator and not _vetted_sklearn_class(
                    klass, owner):
                refuse(f"its base {owner}.{klass.__qualname__} defines {', '.join(hooks)},"
                       " and is no class of a module where scikit-learn's estimators live")
            continue
        source = getattr(sys.modules.get(owner), "__file__", None)
        # (a virtualenv inside the repository is the environment's, not the project's code;
        # the class's own module was compared with its tracked file above)
        if owner != module and (source is None or not _under(source, roots) or _under(
                source, getattr(resolver, "environment_paths", ()))):
            refuse(f"its base {owner}.{klass.__qualname__} is neither the project's nor"
                   " scikit-learn's")
        defined = [m for m in FORBIDDEN_METHODS if m in vars(klass)]
        if defined:
            refuse(f"{owner}.{klass.__qualname__} defines {', '.join(defined)}")
    if any(m == module and n == name for m, n, _ in slots):
        refuse("the artifact gives it a (dict, slots) state, not its attribute dict")


def _vetted_sklearn_class(klass, owner):
    """Would the load accept `klass` itself as a pending scikit-learn pair?"""
    import sys

    from .sklearn_pairs import _estimator_module, sklearn_shaped

    module = sys.modules.get(owner)
    return (module is not None and sklearn_shaped(owner, klass.__qualname__)
            and vars(module).get(klass.__qualname__) is klass
            and _estimator_module(module, owner))


# -- after the load: what pandas and pyarrow trust without checking ---------------------------

# numpy's NPY_DATETIMEUNIT codes, which pandas caches as an array's resolution
_NPY_UNITS = {"Y": 0, "M": 1, "W": 2, "D": 4, "h": 5, "m": 6, "s": 7, "ms": 8, "us": 9,
              "ns": 10, "ps": 11, "fs": 12, "as": 13}


def structure_problem(value):
    """Why a pandas or pyarrow object breaks an invariant their compiled code trusts, or None.
    A BlockManager's block placements index its items without bounds checks (an index past
    them writes out of bounds), categorical and MultiIndex codes index their categories and
    levels through `take` without checks, pyarrow arrays made from pickled buffers are not
    validated. Writers never produce these."""
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    name = cls.__name__
    import numpy as np

    if module.startswith("pyarrow"):
        if name.endswith("Array") and hasattr(value, "validate"):
            value.validate(full=True)  # raises ArrowInvalid, a ValueError
        return None
    if name in ("BlockManager", "SingleBlockManager"):
        return _manager_problem(np, value)
    if name == "MultiIndex":
        levels, codes = value.levels, value.codes
        lengths = {len(c) for c in codes}
        if len(lengths) > 1:
            return "MultiIndex: codes of different lengths"
        for level, code in zip(levels, codes):
            if _codes_out_of(np, np.asarray(code), len(level)):
                return "MultiIndex: a code outside its level"
        return None
    if name == "Categorical":
        # (pandas 1.0 holds them as `_codes`: false-alarm round 46 F4, an AttributeError
        # here was "the model is inconsistent" for every categorical column)
        codes = getattr(value, "_ndarray", None)
        if codes is None:
            codes = getattr(value, "__dict__", {}).get("_codes")
        if not isinstance(codes, np.ndarray):
            return "Categorical: its codes are not an array"
        if codes.dtype.kind != "i" or codes.ndim != 1 or _codes_out_of(
                np, codes, len(value.dtype.categories)):
            return "Categorical: a code outside its categories"
        return None
    if name in ("DatetimeArray", "TimedeltaArray", "PeriodArray", "StringArray"):
        data = getattr(value, "_ndarray", None)
        if data is None:  # (pandas 1.0: `_data` only)
            data = getattr(value, "__dict__", {}).get("_data")
        if not isinstance(data, np.ndarray):
            return f"{name}: its data is not an array"
        kind = {"DatetimeArray": "M", "TimedeltaArray": "m", "PeriodArray": "i",
                "StringArray": "O"}[name]
        held = getattr(value, "__dict__", {}).get("_data")
        if kind in "Mm" and data.dtype == np.dtype("int64") and isinstance(
                held, np.ndarray) and (held.dtype.kind == kind and held.shape == data.shape
                                       and held.dtype.itemsize == 8):
            data = held  # pandas 1.1: `_ndarray` is the int64 view of `_data` (false-alarm
            # round 39 F1: every DatetimeIndex was "not of the kind its dtype says"); only
            # that view, of 8-byte values (red team round 40 F3: an int8 one passed too)
        if data.dtype.kind != kind or (name == "PeriodArray" and data.dtype.itemsize != 8):
            return f"{name}: its data is not of the kind its dtype says"
        if kind in "Mm" and isinstance(value.dtype, np.dtype) and value.dtype != data.dtype:
            return f"{name}: its data is not of the dtype it says"
        # the resolution pandas caches (`_reso` in 1.5, `_creso` in 2+) is trusted over the
        # dtype: a forged one made dates of year 50,000,000 and errors from C code (red
        # team round 39 F7)
        # (and `unit` in pandas 3: red team round 39 F3, one day read as a million)
        cached = getattr(value, "__dict__", {}).get("_cache")
        if kind in "Mm" and isinstance(cached, dict) and {"_reso", "_creso", "unit"} & set(
                cached):
            unit = np.datetime_data(data.dtype)[0]
            wanted = {"_reso": _NPY_UNITS.get(unit), "_creso": _NPY_UNITS.get(unit),
                      "unit": unit}
            if any(key in cached and (type(cached[key]) is not type(want)
                                      or cached[key] != want) for key, want in wanted.items()):
                return f"{name}: the resolution it caches is not its data's ({unit})"
        # pandas 1.x: the data, and its view cached apart
        if isinstance(held, np.ndarray) and held is not data and (
                held.shape != data.shape or held.dtype.itemsize != data.dtype.itemsize):
            return f"{name}: its data and the view pandas caches of it disagree"
        return None
    if name in ("IntegerArray", "FloatingArray", "BooleanArray"):
        data, mask = value._data, value._mask
        # the dtype's numpy dtype as pandas makes it, not as its pickled cache says (red
        # team round 39 F4: an "Int64" column of int8 data, its cache saying int8)
        try:
            made = _numpy_dtype(np, type(value.dtype)())
            said = _numpy_dtype(np, value.dtype)
        except Exception:
            return f"{name}: its dtype cannot be made again"
        if mask.dtype != np.bool_ or data.shape != mask.shape or (
                data.dtype != said) or said != made:
            return f"{name}: its mask or data disagree with its dtype"
        return None
    if name == "SparseArray":
        index = value.sp_index
        if len(value.sp_values) != index.npoints or index.length != len(value):
            return "SparseArray: its values disagree with its index"
        return _sparse_index_problem(np, index)
    if name == "IntervalArray":
        if len(value._left) != len(value._right):
            return "IntervalArray: left and right of different lengths"
        return None
    if name.startswith("Arrow") and hasattr(value, "_pa_array"):
        value._pa_array.validate(full=True)
        expected = getattr(value.dtype, "pyarrow_dtype", None)
        if expected is not None and value._pa_array.type != expected:
            return f"{name}: its values are not of the Arrow type its dtype says"
        cached = getattr(value.dtype, "__dict__", {}).get("_cache") or {}
        if cached and expected is not None:  # what pandas computes, not what the file says
            fresh = type(value.dtype)(expected)
            if any(getattr(fresh, key, None) != held for key, held in cached.items()):
                return f"{name}: its dtype caches other properties than its Arrow type has"
    return None


# The model text each LightGBM Booster was loaded from, by the booster's id: recorded as
# the load hands it to LightGBM (`record_lightgbm_texts`), because the text LightGBM writes
# back is made from what it kept and can hide what it read (a linear leaf's features with
# no coefficients vanish from it, and were read past at predict time).
LIGHTGBM_TEXTS: dict = {}


def record_lightgbm_texts():
    """Before a load that may build LightGBM boosters: keep each one's model text."""
    try:
        from lightgbm.basic import Booster
    except Exception:  # not installed: no booster can be built
        return
    setstate = Booster.__setstate__
    if getattr(setstate, "_mlgate_records", False):
        return

    def recording(self, state):
        text = state.get("_handle", state.get("handle")) if isinstance(state, dict) else None
        result = setstate(self, state)
        if isinstance(text, str):
            LIGHTGBM_TEXTS[id(self)] = (self, text)  # (kept alive: the id stays its own)
        return result

    recording._mlgate_records = True
    Booster.__setstate__ = recording


def _sparse_index_problem(np, index):
    """pandas' compiled code turns a block index into positions (to_numpy, .values) sized by
    its point count and writes one per position of every block, unchecked: blocks must be
    non-empty, in order, apart, inside the array, and hold exactly its points (a negative
    block length beside a large one kept the count right and overflowed the heap)."""
    length, points = int(index.length), int(index.npoints)
    if hasattr(index, "blocs"):
        starts = np.asarray(index.blocs, dtype=np.int64)
        lengths = np.asarray(index.blengths, dtype=np.int64)
        ends = starts + lengths
        if starts.shape != lengths.shape or starts.ndim != 1 or bool(np.any(lengths < 1)) or (
                bool(np.any(starts < 0)) or bool(np.any(ends > length))
                or bool(np.any(starts[1:] < ends[:-1])) or int(lengths.sum()) != points):
            return "SparseArray: blocks of its index out of order, overlapping or outside it"
        return None
    positions = np.asarray(getattr(index, "indices", ()), dtype=np.int64)
    if positions.ndim != 1 or positions.size != points or (positions.size and (
            int(positions[0]) < 0 or int(positions[-1]) >= length
            or bool(np.any(positions[1:] <= positions[:-1])))):
        return "SparseArray: positions of its index out of order or outside it"
    return None


def lightgbm_problem(booster):
    """LightGBM reads its model text's trees without checking their indices (a child past
    the tree, a split on a feature past the input, a categorical split past its bitsets),
    and predict() walks them unchecked: every tree must be a tree, its indices inside it.
    Both the text it was loaded from and the text it writes back are checked."""
    recorded = LIGHTGBM_TEXTS.get(id(booster))
    if recorded is not None and recorded[0] is booster:
        problem = _lightgbm_text_problem(recorded[1])
        if problem:
            return problem
    return _lightgbm_text_problem(booster.model_to_string(num_iteration=-1))


def _lightgbm_text_problem(text):
    head, _, body = text.partition("\nTree=")
    header = dict(line.split("=", 1) for line in head.splitlines() if "=" in line)
    features = int(header.get("max_feature_idx", "-1")) + 1
    # predict() sizes each row's output by num_class and fills num_tree_per_iteration values
    # into it, then the objective's own num_class through its transform (softmax): all one.
    outputs = int(header.get("num_class", "1"))
    per_iteration = int(header.get("num_tree_per_iteration", "1"))
    objective = header.get("objective", "").split()
    classes = [int(word.split(":", 1)[1]) for word in objective[1:]
               if word.startswith("num_class:")]
    if outputs < 1 or per_iteration != outputs or any(c != outputs for c in classes):
        return ("Booster: outputs of other counts (num_class, num_tree_per_iteration, its"
                " objective's num_class)")
    for chunk in body.split("\nTree=") if body else ():
        chunk = chunk.split("\nend of trees", 1)[0]
        tree = dict(line.split("=", 1) for line in chunk.splitlines()[1:] if "=" in line)
        problem = _lightgbm_tree_problem(tree, features)
        if problem:
            return f"Booster: tree {chunk.splitlines()[0]}: {problem}"
    return None


def _booster_json(booster):
    """The Booster as XGBoost writes its JSON model. Before 1.6 save_raw() takes no format
    (new-user trial 2 of round 33: every model of those releases was MLG309): save_model()
    writes JSON for a .json name (1.0+), here in the probe's own folder."""
    try:
        return bytes(booster.save_raw("json"))
    except TypeError:
        import os
        import tempfile

        path = os.path.join(tempfile.gettempdir(), "mlgate-booster.json")
        booster.save_model(path)
        try:
            with open(path, "rb") as handle:
                return handle.read()
        finally:
            os.remove(path)


def xgboost_problem(booster):
    """XGBoost loads a model's trees without checking their indices (a child outside the
    tree, a split on a feature past the input, categories past their table), and predict()
    walks them unchecked (a segfault, or reads out of bounds): every tree must be a tree,
    its indices inside it. Read from the model as XGBoost writes it back (its JSON)."""
    import json

    import xgboost

    version = str(getattr(xgboost, "__version__", ""))
    if version[:2] == "0.":  # writes no JSON model, nor reads one (false-alarm round 40 F3)
        return (f"Booster: XGBoost {version} cannot write the model as JSON, so mlgate cannot"
                " check its trees; load it with XGBoost 1.0 or later and save it again")
    learner = json.loads(_booster_json(booster))["learner"]
    params = learner["learner_model_param"]
    features = int(params["num_feature"])
    groups = max(1, int(params.get("num_class", "0")), int(params.get("num_target", "1")))
    model = learner["gradient_booster"]
    kind = model["name"]
    if kind == "gblinear":
        if len(model["model"]["weights"]) != (features + 1) * groups:
            return "Booster: linear weights that do not match its input"
        return None
    if kind == "dart":
        model = model["gbtree"]
    elif kind != "gbtree":
        return f"Booster: a {kind!r} booster mlgate cannot check"
    trees, info = model["model"]["trees"], model["model"]["tree_info"]
    if len(info) != len(trees) or any(not 0 <= int(g) < groups for g in info):
        return "Booster: trees assigned to outputs the model does not have"
    for number, tree in enumerate(trees):
        problem = _xgboost_tree_problem(tree, features, groups)
        if problem:
            return f"Booster: tree {number}: {problem}"
    problem = _xgboost_categories_problem(model["model"].get("cats"), features)
    if problem:
        return f"Booster: {problem}"
    return None


def _xgboost_categories_problem(cats, features):
    """XGBoost 3 keeps the categories it was trained on and re-codes a categorical frame with
    them at predict time, through offsets, segments and a sort order it does not check:
    each must stay inside what it indexes, as XGBoost writes them."""
    if cats is None or not cats.get("enc"):
        return None
    encodings, segments, order = cats["enc"], cats["feature_segments"], cats["sorted_idx"]
    if len(encodings) != features or len(segments) != features + 1 or segments[0] != 0:
        return "stored categories not one set per input feature"
    for number, encoding in enumerate(encodings):
        values = encoding["values"]
        if "offsets" in encoding:  # text categories: their bytes, and where each starts
            offsets = encoding["offsets"] or [0]
            count = len(offsets) - 1
            if offsets[0] != 0 or offsets[-1] != len(values) or any(
                    a > b for a, b in zip(offsets, offsets[1:])) or any(
                    not -128 <= v <= 255 for v in values):
                return f"feature {number}: stored category text outside its bytes"
        else:
            count = len(values)
        start, end = segments[number], segments[number + 1]
        if end - start != count:
            return f"feature {number}: a category segment of another size than its categories"
        if sorted(order[start:end]) != list(range(count)):
            return f"feature {number}: a category order that is not one of its categories"
    if len(order) != segments[-1]:
        return "a category order of another length than the categories"
    return None


def _xgboost_tree_problem(tree, features, groups):
    nodes = int(tree["tree_param"]["num_nodes"])
    deleted = int(tree["tree_param"].get("num_deleted", "0"))
    width = int(tree["tree_param"].get("size_leaf_vector", "1") or "1")
    left, right, split = tree["left_children"], tree["right_children"], tree["split_indices"]
    # (XGBoost 1.0-1.2 write no split types: their splits are all numerical, false-alarm
    # round 40 F2)
    kinds = tree.get("split_type", [0] * max(nodes, 0))
    if nodes < 1 or not 0 <= deleted < nodes:
        return "a tree of no nodes"
    if len(kinds) != nodes or any(len(tree[key]) != nodes for key in (
            "left_children", "right_children", "split_indices", "split_conditions",
            "default_left", "parents")):
        return "node arrays of other lengths than its nodes"
    if width > 1:  # a multi-output tree: XGBoost 3 keeps a leaf's weights' index where a
        # split keeps its right child, XGBoost 2 a set of weights for every node
        leaves = [right[n] for n in range(nodes) if left[n] == -1]
        if "leaf_weights" in tree:
            weights, sets = tree["leaf_weights"], len(leaves)
            indexed = sorted(leaves) == list(range(len(leaves)))
        else:
            weights, sets, indexed = tree["base_weights"], nodes, set(leaves) == {-1}
        if width != groups or not indexed or len(weights) != sets * width:
            return "leaf weights other than one set per leaf and output"
    elif width < 0:
        return "leaves of a negative width"
    children = []
    for node in range(nodes):
        if left[node] == -1 and width > 1 and "leaf_weights" in tree:
            continue
        if (left[node] == -1) != (right[node] == -1):
            return "a node with one child"
        if left[node] != -1:
            children += (left[node], right[node])
            if not 0 <= split[node] < features:
                return "a split on a feature past the model's input"
    # the root is no one's child; every other live node the child of exactly one node
    if (len(set(children)) != len(children) or len(children) != nodes - 1 - deleted
            or any(not 0 < c < nodes for c in children)):
        return "a child index outside the tree, or a node reached twice"
    categorical = [n for n in range(nodes) if kinds[n] == 1]
    segments, sizes = tree.get("categories_segments", []), tree.get("categories_sizes", [])
    table = tree.get("categories", [])
    if (sorted(tree.get("categories_nodes", [])) != categorical
            or len(segments) != len(categorical) or len(sizes) != len(categorical)
            or any(not (min(s, z) >= 0 and s + z <= len(table))
                   for s, z in zip(segments, sizes))
            or any(c < 0 for c in table) or any(k not in (0, 1) for k in kinds)):
        return "categorical splits outside their table"
    return None


def _lightgbm_tree_problem(tree, features):
    def ints(key, count):
        values = [int(v) for v in tree.get(key, "").split()]
        if len(values) != count:
            raise ValueError(f"{key} has {len(values)} values, not {count}")
        return values

    leaves, categorical = int(tree["num_leaves"]), int(tree.get("num_cat", "0"))
    if leaves < 1 or categorical < 0:
        return "a tree of no leaves"
    nodes = leaves - 1
    children = ints("left_child", nodes) + ints("right_child", nodes)
    # every node but the root and every leaf is the child of exactly one node: a tree
    # (a tree of one leaf has no nodes, and no children)
    if sorted(children) != ([*range(-leaves, 0), *range(1, nodes)] if nodes else []):
        return "a child index outside the tree, or a node reached twice"
    if any(not 0 <= f < features for f in ints("split_feature", nodes)):
        return "a split on a feature past the model's input"
    kinds = ints("decision_type", nodes) if nodes else []
    thresholds = [float(v) for v in tree.get("threshold", "").split()]
    if len(thresholds) != nodes:
        return "thresholds that do not match the nodes"
    if categorical or any(k & 1 for k in kinds):
        bounds = ints("cat_boundaries", categorical + 1)
        words = len(tree.get("cat_threshold", "").split())
        if bounds[0] != 0 or bounds[-1] != words or any(
                a > b for a, b in zip(bounds, bounds[1:])):
            return "categorical bitsets outside their table"
        if any(k & 1 and not (t == int(t) and 0 <= int(t) < categorical)
               for k, t in zip(kinds, thresholds)):
            return "a categorical split past its bitsets"
    if tree.get("is_linear", "0") != "0":
        # per leaf: a count of features, then that many features and coefficients
        counts = ints("num_features", leaves)
        if any(c < 0 for c in counts):
            return "a linear leaf of a negative number of features"
        leaf_features = ints("leaf_features", sum(counts))
        if len(tree.get("leaf_coeff", "").split()) != sum(counts) or len(
                tree.get("leaf_const", "").split()) != leaves:
            return "linear leaves whose features, coefficients and constants do not match"
        if any(not 0 <= f < features for f in leaf_features):
            return "a linear leaf on a feature past the model's input"
    return None


def _codes_out_of(np, codes, count):
    return bool(codes.size) and bool(np.any((codes < -1) | (codes >= count)))


def _manager_problem(np, manager):
    """Every item placed exactly once, inside the items, by blocks of the right shape;
    checked without touching the placement tables pandas builds from them."""
    axes = manager.axes
    if manager.ndim != len(axes) or manager.ndim not in (1, 2):
        return f"{type(manager).__name__}: {manager.ndim} dimensions but {len(axes)} axes"
    items = len(axes[0])
    width = len(axes[-1])
    seen = np.zeros(items, dtype=bool)
    for block in manager.blocks:
        indexer = block.mgr_locs.indexer
        if isinstance(indexer, slice):
            start, stop, step = indexer.start, indexer.stop, indexer.step
            step = 1 if step is None else step
            if stop is None and type(step) is int and step < 0:
                stop = -1  # how pandas spells a placement that runs down to item 0
            if not (type(start) is int and type(stop) is int and type(step) is int and step):
                return "BlockManager: a block placement that is not a slice of integers"
            places = range(start, stop, step)
            if len(places) > items or (len(places) and (
                    min(places[0], places[-1]) < 0 or max(places[0], places[-1]) >= items)):
                return "BlockManager: a block placed outside its items"
            locs = np.arange(start, stop, step)
        else:
            locs = np.asarray(indexer)
            if locs.dtype.kind != "i" or locs.ndim != 1:
                return "BlockManager: a block placement that is not integers"
            if locs.size and bool(np.any((locs < 0) | (locs >= items))):
                return "BlockManager: a block placed outside its items"
        if bool(np.any(seen[locs])):
            return "BlockManager: an item placed twice"
        seen[locs] = True
        shape = block.shape
        if manager.ndim == 2 and (len(shape) != 2 or shape[0] != len(locs) or shape[1] != width):
            return "BlockManager: a block of another shape than its placement and axes"
        if manager.ndim == 1 and (len(shape) != 1 or shape[0] != items or len(locs) != items):
            return "SingleBlockManager: a block of another length than its index"
    if not bool(seen.all()):
        return "BlockManager: an item no block holds"
    return None


def _numpy_dtype(np, dtype):
    """A masked dtype's numpy dtype (pandas 1.0's BooleanDtype has no `numpy_dtype`: its
    values are numpy booleans, `type`)."""
    if hasattr(dtype, "numpy_dtype"):
        return dtype.numpy_dtype
    if type(dtype).__name__ == "BooleanDtype" and dtype.type is np.bool_:
        return np.dtype(np.bool_)
    raise TypeError("no numpy dtype")
