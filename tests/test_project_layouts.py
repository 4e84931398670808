"""Realistic project layouts, each with the audit verdict and pillar states it must get (issue
#11's proof): the whole CLI on a real git repository, this interpreter as the project's.

A verdict is only trusted if it holds in both directions: the ordinary layouts (a FastAPI app
with a saved scaler, a bundle of dates and frames, an XGBoost pipeline, the project's own
transformer, a uv lock) are READY with no configuration beyond naming the contract, and
each layout that lacks something, or carries a fault, says which pillar and why.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import textwrap
import zoneinfo
from importlib import metadata
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlgate.cli import main

FRAME = pd.DataFrame({"age": np.linspace(18, 80, 40), "income": np.linspace(1e4, 9e4, 40)})
TARGET = (FRAME["age"] > 40).astype(int)
ROW = {"age": 33.0, "income": 42000.0}


def frozen() -> str:
    """`pip freeze` of this interpreter's environment, as a team commits it."""
    names = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            names[name.lower()] = f"{name}=={dist.version}"
    return "".join(f"{line}\n" for _, line in sorted(names.items()))


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def fastapi_app(root: Path) -> None:
    """The lesson's deployment: an API module with a pydantic request, the model and the
    scaler saved separately under models/, a sample request, a frozen requirements file."""
    write(root, "app/main.py", """\
        from pathlib import Path

        import joblib
        from fastapi import FastAPI
        from pydantic import BaseModel, Field

        HERE = Path(__file__).resolve().parent.parent
        MODEL = joblib.load(HERE / "models" / "model.joblib")
        app = FastAPI()


        class Request(BaseModel):
            age: float = Field(ge=0)
            income: float


        @app.post("/predict")
        def predict(request: Request) -> dict:
            return {"label": int(MODEL.predict([[request.age, request.income]])[0])}
        """)
    (root / "models").mkdir()
    joblib.dump(LogisticRegression().fit(FRAME, TARGET), root / "models" / "model.joblib")
    joblib.dump(StandardScaler().fit(FRAME), root / "models" / "scaler.joblib")
    write(root, "models/sample_request.json", json.dumps(ROW))
    write(root, "requirements.txt", frozen())
    write(root, "pyproject.toml", """\
        [tool.mlgate.models.churn]
        artifact = "models/model.joblib"
        sample = "models/sample_request.json"
        contract = "app/main.py:Request"
        """)


def fastapi_undeclared(root: Path) -> None:
    """The same app with nothing declared: the route's body is the contract, the sample is
    found beside the model, the scaler is recognised as a preprocessor."""
    fastapi_app(root)
    (root / "pyproject.toml").unlink()


def bundle_of_values(root: Path) -> None:
    """A dict saved beside the model: dates, a zone, a datetime64 column, a frame."""
    fastapi_app(root)
    joblib.dump({
        "trained": datetime.datetime(2024, 5, 1, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        "cutoff": datetime.date(2024, 4, 30),
        "reference": FRAME.assign(seen=pd.date_range("2024-01-01", periods=40, freq="h"),
                                  zone=pd.date_range("2024", periods=40, tz="Europe/Paris")),
        "columns": list(FRAME.columns),
    }, root / "models" / "metadata.joblib")


def xgboost_pipeline(root: Path) -> None:
    xgboost = pytest.importorskip("xgboost")
    joblib.dump(make_pipeline(StandardScaler(), xgboost.XGBClassifier(
        n_estimators=3, max_depth=2)).fit(FRAME, TARGET), root / "model.joblib")
    write(root, "sample.json", json.dumps(ROW))
    write(root, "requirements.txt", frozen())


def own_transformer(root: Path) -> None:
    """The lesson's custom transformer, in the project's own package (src layout)."""
    write(root, "src/churn/__init__.py", "")
    write(root, "src/churn/features.py", """\
        from sklearn.base import BaseEstimator, TransformerMixin


        class Ratio(BaseEstimator, TransformerMixin):
            def fit(self, X, y=None):
                self.n_features_in_ = X.shape[1]
                return self

            def transform(self, X):
                X = X.copy()
                X["ratio"] = X["income"] / X["age"]
                return X
        """)
    subprocess.run([sys.executable, "-c", textwrap.dedent("""\
        import sys, joblib, numpy as np, pandas as pd
        sys.path.insert(0, "src")
        from churn.features import Ratio
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        X = pd.DataFrame({"age": np.linspace(18, 80, 40), "income": np.linspace(1e4, 9e4, 40)})
        joblib.dump(make_pipeline(Ratio(), LogisticRegression()).fit(X, X.age > 40),
                    "model.joblib")
        """)], cwd=root, check=True)
    write(root, "sample.json", json.dumps(ROW))
    write(root, "requirements.txt", frozen())


def uv_project(root: Path) -> None:
    """A uv lock that pins what the model needs (and not the test tools: a warning)."""
    joblib.dump(LogisticRegression().fit(FRAME, TARGET), root / "model.joblib")
    write(root, "sample.json", json.dumps(ROW))
    deps = ["scikit-learn", "numpy", "scipy", "joblib", "threadpoolctl"]
    write(root, "pyproject.toml", f"""\
        [project]
        name = "churn"
        version = "0.1.0"
        requires-python = ">=3.9"
        dependencies = {json.dumps(deps)}
        """)
    packages = "".join(
        f'\n[[package]]\nname = "{name}"\nversion = "{metadata.version(name)}"\n'
        f'source = {{ registry = "https://pypi.org/simple" }}\n' for name in deps)
    write(root, "uv.lock", 'version = 1\nrequires-python = ">=3.9"\n' + packages
          + '\n[[package]]\nname = "churn"\nversion = "0.1.0"\nsource = { virtual = "." }\n')


def no_lock(root: Path) -> None:
    joblib.dump(LogisticRegression().fit(FRAME, TARGET), root / "model.joblib")
    write(root, "sample.json", json.dumps(ROW))


def lfs_pointer(root: Path) -> None:
    write(root, "model.joblib", "version https://git-lfs.github.com/spec/v1\n"
          "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
          "size 12345\n")
    write(root, "sample.json", json.dumps(ROW))
    write(root, "requirements.txt", frozen())


def stale_windows_lock(root: Path) -> None:
    """PowerShell's `pip freeze > requirements.txt` (UTF-16), one pin behind (a pin the
    model does not depend on: numpy behind would fail the artifact too, MLG306)."""
    no_lock(root)
    pins = frozen().replace(f"PyYAML=={metadata.version('PyYAML')}", "PyYAML==5.4.1")
    assert pins != frozen()
    (root / "requirements.txt").write_bytes(pins.replace("\n", "\r\n").encode("utf-16"))


def colab_notebook(root: Path) -> None:
    """A training notebook that reads from a mounted Drive: it runs on one machine only."""
    fastapi_app(root)
    cell = {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [],
            "source": ["import pandas as pd\n",
                       "df = pd.read_csv('/content/drive/MyDrive/churn.csv')\n"]}
    write(root, "train.ipynb", json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                           "nbformat_minor": 5}))


def renamed_column(root: Path) -> None:
    """The API renamed a field the model was trained on."""
    fastapi_app(root)
    main_py = root / "app" / "main.py"
    main_py.write_text(main_py.read_text().replace("    income: float", "    salary: float"))


ALL_PASS = {"paths": "pass", "lock": "pass", "artifact": "pass", "schema": "pass",
            "latency": "pass"}
LAYOUTS = {
    "fastapi app, model and scaler": (fastapi_app, "ready", ALL_PASS),
    "fastapi app, nothing declared": (fastapi_undeclared, "ready", ALL_PASS),
    "bundle of dates, zones, frames": (bundle_of_values, "ready", ALL_PASS),
    "xgboost pipeline": (xgboost_pipeline, "ready", ALL_PASS),
    "the project's own transformer": (own_transformer, "ready", ALL_PASS),
    "uv lock without the test tools": (uv_project, "ready", {**ALL_PASS, "lock": "warn"}),
    "no lock": (no_lock, "incomplete", {**ALL_PASS, "lock": "not-checked"}),
    "git lfs pointer": (lfs_pointer, "incomplete", {
        **ALL_PASS, "artifact": "not-checked", "schema": "not-checked",
        "latency": "not-checked"}),
    "stale utf-16 lock": (stale_windows_lock, "not-ready", {**ALL_PASS, "lock": "fail"}),
    "colab path in a notebook": (colab_notebook, "not-ready", {**ALL_PASS, "paths": "fail"}),
    "api renamed a column": (renamed_column, "not-ready", {**ALL_PASS, "schema": "fail"}),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_layout_gets_its_verdict(git_project, capsys, layout):
    build, verdict, pillars = LAYOUTS[layout]
    build(git_project)
    subprocess.run(["git", "add", "-A"], check=True, cwd=git_project)
    code = main(["audit", "--format", "json", "--python", sys.executable, "--no-cache"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    report = json.loads(captured.out)
    found = [(f["path"], f["code"], f["message"][:80]) for f in report["findings"]
             if f["severity"] == "error"]
    assert {p["name"]: p["status"] for p in report["pillars"]} == pillars, (report["pillars"],
                                                                            found)
    assert (report["verdict"], code) == (verdict, 0 if verdict == "ready" else 1), found
    for pillar in report["pillars"]:
        if pillar["status"] == "not-checked":
            assert pillar["detail"], pillar  # says why, and what to add
