# Deliberately leaky: a demo for mlgate. This is how train.py looked on Ana's laptop; every
# absolute path below is machine-specific on purpose and `mlgate paths` should flag it.
"""Local training script with hardcoded paths (do not copy)."""

import os

import joblib
import mlflow
import pandas as pd
from sklearn.linear_model import LogisticRegression

DATA_DIR = "/home/ana/data/churn"
MODELS_DIR = os.path.join("/Users", "ana", "models")
REPORT_PATH = "reports/metrics.json"  # relative: fine

mlflow.set_tracking_uri("file:///Users/ana/mlruns")


def main() -> None:
    df = pd.read_csv(os.path.join(DATA_DIR, "train.csv"))
    X = df[["tenure_months", "monthly_charges", "total_charges", "has_internet"]]
    model = LogisticRegression(max_iter=1000).fit(X, df["churned"])
    with mlflow.start_run():
        mlflow.log_metric("train_accuracy", model.score(X, df["churned"]))
    joblib.dump(model, os.path.join(MODELS_DIR, "churn.joblib"))
    joblib.dump(model, "/mnt/models/churn.joblib")


if __name__ == "__main__":
    main()
