"""FastAPI inference service for the churn model."""
import json
import os

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI
from pydantic import BaseModel

MODEL_PATH = os.environ.get("MODEL_PATH", "/home/ubuntu/models/churn/best.onnx")
LABELS_PATH = os.environ.get("LABELS_PATH", "/opt/ml/model/labels.json")

app = FastAPI(title="churn", docs_url="/docs")
session = ort.InferenceSession(MODEL_PATH, providers=["CPUExecutionProvider"])

with open("/mnt/efs/churn/thresholds.json") as fh:
    THRESHOLDS = json.load(fh)


class Features(BaseModel):
    values: list[float]


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/data/schema")
def schema():
    return {"n_features": session.get_inputs()[0].shape[1]}


@app.post("/predict")
def predict(features: Features):
    x = np.asarray([features.values], dtype=np.float32)
    score = float(session.run(None, {"input": x})[0][0])
    return {"score": score, "churn": score > THRESHOLDS["default"]}
