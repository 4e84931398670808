"""Inference for the churn classifier: request schema, model loading and prediction.

Serve with `uvicorn api:app` when FastAPI is installed; the module imports with just pydantic.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import joblib
import pandas as pd
from churn.features import FEATURE_COLUMNS
from pydantic import BaseModel, ConfigDict, Field
from sklearn.pipeline import Pipeline

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "model" / "churn_pipeline.joblib"


class PredictRequest(BaseModel):
    """One customer. Field names are the training columns; clients may send `paymentMethod`."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)

    tenure_months: int = Field(..., ge=0, le=120)
    monthly_charges: float = Field(..., gt=0, le=500)
    total_charges: float = Field(..., ge=0)
    contract: Literal["month-to-month", "one-year", "two-year"]
    payment_method: str = Field(..., alias="paymentMethod")
    has_internet: int = Field(..., ge=0, le=1)


class PredictResponse(BaseModel):
    churn_probability: float
    churn: bool


def model_path() -> Path:
    return Path(os.environ.get("CHURN_MODEL_PATH", DEFAULT_MODEL_PATH))


@lru_cache(maxsize=4)
def _load(path: Path) -> Pipeline:
    return joblib.load(path)


def load_model() -> Pipeline:
    """Load (once per path) the pipeline from `$CHURN_MODEL_PATH` or `model/` next to this file."""
    return _load(model_path())


def predict(request: PredictRequest) -> PredictResponse:
    row = pd.DataFrame([request.model_dump()], columns=FEATURE_COLUMNS)
    probability = float(load_model().predict_proba(row)[0, 1])
    return PredictResponse(churn_probability=round(probability, 4), churn=probability >= 0.5)


app: Any = None
try:
    from fastapi import FastAPI
except ImportError:  # FastAPI is optional: predict() works without it.
    pass
else:
    app = FastAPI(title="churn-example")
    app.post("/predict", response_model=PredictResponse)(predict)
