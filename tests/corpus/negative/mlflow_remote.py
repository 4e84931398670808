import os

import mlflow

TRACKING_URI = os.environ.get("MLFLOW_TRACKING_URI", "http://mlflow.acme.internal:5000")
mlflow.set_tracking_uri(TRACKING_URI)
mlflow.set_registry_uri("databricks-uc")
LOCAL_STORE = "sqlite:///mlflow.db"
SCRATCH_STORE = "file:///tmp/mlruns"

mlflow.set_experiment("churn-baseline")
with mlflow.start_run(run_name="gbm") as run:
    mlflow.log_metric("auc", 0.87)
    mlflow.log_artifact("outputs/model.pkl", artifact_path="model")

model_uri = f"runs:/{run.info.run_id}/model"
prod_uri = "models:/churn-classifier/Production"
alias_uri = "models:/ml.churn.classifier@champion"
