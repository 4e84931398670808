"""The libraries models are pickled with: the module a pickle names -> the distributions
that install it. One table for every check that asks (the artifact check's MLG311, the
audit's "Measured with")."""

from __future__ import annotations

# module -> distributions that provide it (XGBoost also ships as `xgboost-cpu`)
LIBRARIES: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn",),
    "numpy": ("numpy",),
    "scipy": ("scipy",),
    "pandas": ("pandas",),
    "joblib": ("joblib",),
    "xgboost": ("xgboost", "xgboost-cpu"),
    "lightgbm": ("lightgbm",),
    "catboost": ("catboost",),
    "imblearn": ("imbalanced-learn",),
    "category_encoders": ("category-encoders",),
    "feature_engine": ("feature-engine", "feature_engine"),
    "pyarrow": ("pyarrow",),
    "statsmodels": ("statsmodels",),
}


# Other import names whose distribution is named otherwise.
_OTHER_NAMES = {
    "skimage": "scikit-image", "cv2": "opencv-python", "PIL": "pillow", "yaml": "pyyaml",
    "dateutil": "python-dateutil", "sentence_transformers": "sentence-transformers",
    "bs4": "beautifulsoup4",
}


def distribution_of(module: str) -> str:
    """The distribution a top-level module is known by (its normalised name when unknown)."""
    if module in LIBRARIES:
        return LIBRARIES[module][0]
    return _OTHER_NAMES.get(module) or module.lower().replace("_", "-").replace(".", "-")
