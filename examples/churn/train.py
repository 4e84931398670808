"""Train the churn classifier on a deterministic synthetic dataset and save the pipeline."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from churn.features import (
    BINARY_FEATURES,
    CATEGORICAL_FEATURES,
    FEATURE_COLUMNS,
    NUMERIC_FEATURES,
    TARGET,
    TenureBucketizer,
)
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = Path(__file__).resolve().parent
MODEL_PATH = ROOT / "model" / "churn_pipeline.joblib"
SEED = 42


def make_dataset(n_rows: int = 2000, seed: int = SEED) -> pd.DataFrame:
    """Synthetic telecom customers; churn is likelier for short, month-to-month, pricey plans."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(0, 73, size=n_rows)
    has_internet = (rng.random(n_rows) < 0.78).astype(int)
    monthly = np.clip(20 + 50 * has_internet + rng.normal(15, 10, n_rows), 18, 120).round(2)
    total = (monthly * tenure * rng.uniform(0.95, 1.05, n_rows)).round(2)
    contract = rng.choice(["month-to-month", "one-year", "two-year"], n_rows, p=[0.55, 0.25, 0.2])
    payment = rng.choice(
        ["electronic_check", "mailed_check", "bank_transfer", "credit_card"], n_rows
    )
    logit = (
        0.3
        - 0.05 * tenure
        + 0.03 * (monthly - 65)
        + 1.2 * (contract == "month-to-month")
        - 1.0 * (contract == "two-year")
        + 0.6 * (payment == "electronic_check")
    )
    churned = (rng.random(n_rows) < 1 / (1 + np.exp(-logit))).astype(int)
    df = pd.DataFrame(
        {
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "total_charges": total,
            "contract": contract,
            "payment_method": payment,
            "has_internet": has_internet,
        }
    )
    df[TARGET] = churned
    return df[[*FEATURE_COLUMNS, TARGET]]


def build_pipeline() -> Pipeline:
    preprocess = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC_FEATURES),
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL_FEATURES),
            ("bin", "passthrough", BINARY_FEATURES),
        ]
    )
    return Pipeline(
        [
            ("features", TenureBucketizer()),
            ("preprocess", preprocess),
            ("model", LogisticRegression(max_iter=1000)),
        ]
    )


def main() -> None:
    df = make_dataset()
    X_train, X_test, y_train, y_test = train_test_split(
        df[FEATURE_COLUMNS], df[TARGET], test_size=0.25, random_state=SEED, stratify=df[TARGET]
    )
    pipeline = build_pipeline().fit(X_train, y_train)
    accuracy = accuracy_score(y_test, pipeline.predict(X_test))
    auc = roc_auc_score(y_test, pipeline.predict_proba(X_test)[:, 1])
    print(f"rows={len(df)} churn_rate={df[TARGET].mean():.3f}")
    print(f"test accuracy={accuracy:.3f} roc_auc={auc:.3f}")

    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, MODEL_PATH)
    print(f"saved {MODEL_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
