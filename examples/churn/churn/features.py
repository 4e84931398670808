"""Training columns and the custom transformer used by the churn pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

# The raw input columns, in order: the model's `feature_names_in_` and the API request fields.
NUMERIC_FEATURES: list[str] = ["tenure_months", "monthly_charges", "total_charges"]
BINARY_FEATURES: list[str] = ["has_internet"]
RAW_CATEGORICAL_FEATURES: list[str] = ["contract", "payment_method"]
FEATURE_COLUMNS: list[str] = NUMERIC_FEATURES + RAW_CATEGORICAL_FEATURES + BINARY_FEATURES
TARGET = "churned"

# Derived by TenureBucketizer, then one-hot encoded with the raw categoricals.
TENURE_BUCKET = "tenure_bucket"
CATEGORICAL_FEATURES: list[str] = [*RAW_CATEGORICAL_FEATURES, TENURE_BUCKET]


class TenureBucketizer(BaseEstimator, TransformerMixin):
    """Add a categorical `tenure_bucket` column (e.g. "0-12", "12-24") from `tenure_months`."""

    def __init__(self, edges: tuple[int, ...] = (12, 24, 48)) -> None:
        self.edges = edges

    def fit(self, X: pd.DataFrame, y: object = None) -> TenureBucketizer:
        if "tenure_months" not in X.columns:
            raise ValueError("TenureBucketizer needs a 'tenure_months' column")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = set(self.feature_names_in_) - set(X.columns)
        if missing:
            raise ValueError(f"missing columns: {sorted(missing)}")
        bins = [-np.inf, *self.edges, np.inf]
        labels = [f"{lo}-{hi}" for lo, hi in zip((0, *self.edges), self.edges)]
        labels.append(f"{self.edges[-1]}+")
        out = X.loc[:, list(self.feature_names_in_)].copy()
        buckets = pd.cut(out["tenure_months"], bins=bins, labels=labels, right=False)
        out[TENURE_BUCKET] = buckets.astype(str)
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([*self.feature_names_in_, TENURE_BUCKET], dtype=object)
