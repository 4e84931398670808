"""SageMaker training entry point.

SageMaker copies the `train` channel to /opt/ml/input/data/train and uploads
whatever we write to /opt/ml/model. To debug on a laptop, point SM_CHANNEL_TRAIN
at a local folder such as /home/you/data/churn.
"""
import argparse
import json
import os

import joblib
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier

PREFIX = "/opt/ml"
HYPERPARAMS_PATH = os.path.join(PREFIX, "input/config/hyperparameters.json")
PROCESSING_INPUT = "/opt/ml/processing/input"


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--n-estimators", type=int, default=200)
    p.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    p.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    p.add_argument("--output-data-dir", default=os.environ.get("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data"))
    p.add_argument("--checkpoint-dir", default="/opt/ml/checkpoints")
    return p.parse_args()


def main():
    args = parse_args()
    df = pd.read_csv(os.path.join(args.train, "train.csv"))
    y = df.pop("churn")
    model = GradientBoostingClassifier(n_estimators=args.n_estimators).fit(df, y)
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
    with open(os.path.join(args.output_data_dir, "metrics.json"), "w") as fh:
        json.dump({"train_accuracy": model.score(df, y)}, fh)


def model_fn(model_dir):
    """Load the model (called by the SageMaker scikit-learn serving container)."""
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def input_fn(body, content_type="text/csv"):
    if content_type == "application/json":
        return pd.DataFrame(json.loads(body))
    return pd.read_csv(pd.io.common.StringIO(body), header=None)


if __name__ == "__main__":
    main()
