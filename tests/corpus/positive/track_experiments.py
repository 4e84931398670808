import os

import mlflow
from sklearn.linear_model import LogisticRegression

mlflow.set_tracking_uri("file:///home/ana/projects/churn/mlruns")
ARTIFACT_ROOT = "file:///Users/ana/mlflow-artifacts"
SCRATCH_URI = "file:///tmp/mlruns-scratch"
REMOTE_URI = os.environ.get("MLFLOW_TRACKING_URI", "http://mlflow.acme.internal:5000")
REGISTRY_URI = "sqlite:///mlflow.db"

if mlflow.get_experiment_by_name("churn") is None:
    mlflow.create_experiment("churn", artifact_location=ARTIFACT_ROOT)
mlflow.set_experiment("churn")

with mlflow.start_run() as run:
    clf = LogisticRegression(max_iter=500)
    mlflow.log_param("max_iter", 500)
    mlflow.log_artifact("reports/confusion.png")
    mlflow.sklearn.log_model(clf, "model")
    model_uri = f"runs:/{run.info.run_id}/model"

mlflow.register_model(model_uri, "churn-classifier")
pinned = mlflow.pyfunc.load_model("file:///mnt/models/churn/1")
prod = mlflow.pyfunc.load_model("models:/churn-classifier/Production")
