"""Feature engineering for the churn example (importable so pickled pipelines can be loaded)."""

from churn.features import (
    CATEGORICAL_FEATURES,
    FEATURE_COLUMNS,
    NUMERIC_FEATURES,
    TARGET,
    TenureBucketizer,
)

__all__ = [
    "CATEGORICAL_FEATURES",
    "FEATURE_COLUMNS",
    "NUMERIC_FEATURES",
    "TARGET",
    "TenureBucketizer",
]
