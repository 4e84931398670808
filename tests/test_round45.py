"""Session 45: READY means the model the service loads was checked (red team 44 F4,
new-user trial 44 F2).

Each test fails on the code before its fix."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import joblib
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from mlgate.cli import main

FRAME = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
API = (
    "import joblib\n"
    "from fastapi import FastAPI\n"
    "from pydantic import BaseModel\n"
    "app = FastAPI()\n"
    "model = joblib.load({path})\n"
    "class Request(BaseModel):\n"
    "    x: float\n"
    "@app.post('/predict')\n"
    "def predict(r: Request):\n"
    "    return {{'y': model.predict([[r.x]]).tolist()}}\n")


def audit(capsys, *args: str) -> tuple[int, dict]:
    code = main(["audit", "--format", "json", "--python", sys.executable, "--no-cache", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out)


def pillar(report: dict, name: str) -> dict:
    return next(p for p in report["pillars"] if p["name"] == name)


def _project(root, api_path: str = '"models/model_v2.joblib"') -> None:
    """A tracked old model, a git-ignored newer one the API loads, a sample and a lock."""
    (root / "models").mkdir()
    model = LogisticRegression().fit(FRAME, [0, 1, 0, 1])
    joblib.dump(model, root / "models" / "model.joblib")
    joblib.dump(model, root / "models" / "model_v2.joblib")
    (root / ".gitignore").write_text("models/model_v2.joblib\n")
    (root / "api.py").write_text(API.format(path=api_path))
    (root / "sample_request.json").write_text('{"x": 0.9}\n')
    (root / "pyproject.toml").write_text('[tool.mlgate]\nrequire = ["artifact", "schema"]\n')
    subprocess.run(["git", "add", "-A"], check=True)


def test_an_app_loading_a_git_ignored_model_is_not_ready_on_an_old_tracked_one(
        git_project, capsys):
    _project(git_project)
    code, report = audit(capsys)
    assert code == 1 and report["verdict"] == "incomplete", report["pillars"]
    assert pillar(report, "artifact")["status"] == "not-checked"
    assert pillar(report, "artifact")["detail"].startswith(
        "api.py:5 loads models/model_v2.joblib, which git ignores")
    served = [f for f in report["findings"] if f["code"] == "MLG313"]
    assert [(f["path"], f["line"], f["col"], f["severity"]) for f in served] == [
        ("api.py", 5, 9, "warning")]
    assert 'artifact = "models/model_v2.joblib"' in served[0]["hint"]
    # the route serves model_v2: its body is no contract of the old model.joblib
    assert "contract Request" not in pillar(report, "schema")["detail"]


def test_declaring_the_served_model_or_an_inline_ignore_settles_it(git_project, capsys):
    _project(git_project)
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate]\nrequire = ["artifact", "schema"]\n'
        '[tool.mlgate.models.churn]\nartifact = "models/model_v2.joblib"\n'
        'sample = "sample_request.json"\n')
    code, report = audit(capsys)
    assert (code, report["verdict"]) == (0, "ready"), report["pillars"]
    assert not [f for f in report["findings"] if f["code"] == "MLG313"]
    # the same load, said to be none of the service's: ignored on its line
    (git_project / "pyproject.toml").write_text('[tool.mlgate]\nrequire = ["artifact"]\n')
    source = (git_project / "api.py").read_text().replace(
        'joblib.load("models/model_v2.joblib")',
        'joblib.load("models/model_v2.joblib")  # mlgate: ignore[MLG313]')
    (git_project / "api.py").write_text(source)
    code, report = audit(capsys)
    assert (code, pillar(report, "artifact")["status"]) == (0, "pass"), report["pillars"]


def test_a_served_model_the_repository_tracks_passes_however_its_path_is_built(
        git_project, capsys):
    """The ordinary case stays READY: the path spelled with __file__, os.path.join,
    an environment default, or a `with open(...) as f` reads the tracked, checked model."""
    _project(git_project, 'os.getenv("MODEL", os.path.join(HERE, "models", "model.joblib"))')
    source = (git_project / "api.py").read_text()
    (git_project / "api.py").write_text(
        "import os\nHERE = os.path.dirname(os.path.abspath(__file__))\n" + source)
    (git_project / "serve.py").write_text(
        "import pickle\nfrom pathlib import Path\n"
        "BASE = Path(__file__).resolve().parent\n"
        "def load():\n"
        "    with open(BASE / 'models' / 'model.joblib', 'rb') as f:\n"
        "        return pickle.load(f)\n")
    subprocess.run(["git", "add", "-A"], check=True)
    _, report = audit(capsys)
    assert pillar(report, "artifact")["status"] == "pass", report["pillars"]
    assert not [f for f in report["findings"] if f["code"] == "MLG313"]


def test_an_onnx_model_the_app_serves_beside_a_pickle_is_not_checked(git_project, capsys):
    """Red team 44 F6b: `InferenceSession("models/model.onnx")` beside a tracked pickle
    was READY with the ONNX model never named."""
    _project(git_project)
    (git_project / "models" / "model.onnx").write_bytes(b"\x08\x07onnx-ish")
    source = (git_project / "api.py").read_text().replace(
        'model = joblib.load("models/model_v2.joblib")',
        'import onnxruntime as ort\nmodel = ort.InferenceSession("models/model.onnx")')
    (git_project / "api.py").write_text(source)
    (git_project / ".gitignore").write_text("")
    subprocess.run(["git", "add", "-A"], check=True)
    code, report = audit(capsys)
    served = [f for f in report["findings"] if f["code"] == "MLG313"]
    assert code == 1 and [(f["line"], f["loads"]) for f in served] == [
        (6, "models/model.onnx")], report["findings"]
    assert "(ONNX), a format mlgate does not check" in served[0]["message"]
    assert pillar(report, "artifact")["status"] == "not-checked"


def test_a_loader_module_the_route_imports_is_serving_code(git_project, capsys):
    """New-user trial 44 F2: backend/app/ml/model_loader.py loads
    `BASE_DIR / "src" / ... / "churn_pipeline.pkl"` (BASE_DIR from `parents[3]`), which git
    ignores; the route imports it as `app.ml.model_loader` (run from backend/)."""
    loader = git_project / "backend" / "app" / "ml"
    loader.mkdir(parents=True)
    (loader / "helpers.py").write_text(
        "import pickle\nfrom pathlib import Path\n"
        "BASE_DIR = Path(__file__).resolve().parents[3]\n"
        "MODEL = BASE_DIR / 'src' / 'shop' / 'models' / 'churn_pipeline.pkl'\n"
        "def load():\n"
        "    with open(MODEL, 'rb') as f:\n"
        "        return pickle.load(f)\n")
    routes = git_project / "backend" / "app" / "api"
    routes.mkdir()
    (routes / "routes.py").write_text(
        "from fastapi import APIRouter\nfrom app.ml.helpers import load\n"
        "router = APIRouter()\n")
    (git_project / "train.py").write_text(  # a training script reads what it likes
        "import joblib\ncache = joblib.load('data/cache.pkl')\n")
    (git_project / "tests").mkdir()
    (git_project / "tests" / "test_api.py").write_text(
        "from fastapi.testclient import TestClient\nimport joblib\n"
        "m = joblib.load('tests/fixtures/tiny.pkl')\n")
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["artifact", "--format", "json"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["path"], f["line"], f["code"], f["loads"])
                          for f in found] == [
        ("backend/app/ml/helpers.py", 7, "MLG313", "src/shop/models/churn_pipeline.pkl")]


def test_the_hook_warns_on_a_committed_app_that_loads_an_ignored_model(git_project, capsys):
    _project(git_project)
    code = main(["artifact", "--only-artifacts", "--format", "json", "--python",
                 sys.executable, "--no-cache", "api.py", "README.md"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["path"], f["code"]) for f in found] == [("api.py", "MLG313")]


def test_a_nested_projects_route_is_no_contract_of_the_root(git_project, capsys):
    """New-user trial 44 F2: the root audit said backend/ was "not audited here" and used
    backend's route as the root model's contract."""
    (git_project / "models").mkdir()
    joblib.dump(LogisticRegression().fit(FRAME, [0, 1, 0, 1]),
                git_project / "models" / "model.joblib")
    (git_project / "pyproject.toml").write_text('[tool.mlgate]\n')
    backend = git_project / "backend"
    backend.mkdir()
    (backend / "pyproject.toml").write_text('[project]\nname = "b"\n[tool.mlgate]\n')
    (backend / "api.py").write_text(API.format(path='"model.joblib"').replace(
        "x: float", "x: float\n    y: float"))
    subprocess.run(["git", "add", "-A"], check=True)
    _, report = audit(capsys)
    assert "contract Request" not in pillar(report, "schema")["detail"], report["pillars"]
    assert report["nested_projects"] == ["backend"]


def test_the_spellings_of_a_served_path():
    from mlgate.artifacts.served import loads_in

    source = (
        "import os, pickle, joblib as jl\n"
        "from pathlib import Path\n"
        "from tensorflow.keras.models import load_model\n"
        "import xgboost as xgb\n"
        "DIR = os.environ['MODEL_DIR']\n"
        "a = jl.load(f'{DIR}/model.pkl')\n"                           # a run-time folder
        "b = pickle.load(open(Path('models', 'b.pkl'), 'rb'))\n"
        "c = load_model('models/c.h5')\n"
        "d = xgb.Booster(model_file='models/d.json')\n"
        "e = jl.load('models/' + 'e.pkl')\n"
        "def f(path):\n"
        "    return jl.load(path)\n"                                   # a parameter: no guess
        "g = jl.load(f'models/{name}.pkl')\n"                         # a run-time name
        "h = jl.load('/srv/models/h.pkl')\n"                           # absolute: not ours
        "i = jl.load('s3://bucket/i.pkl')\n")
    found = [(load.line, load.kind, load.text)
             for load in loads_in("app.py", ast.parse(source))]
    assert sorted(found) == [(6, "tail", "model.pkl"), (7, "rel", "models/b.pkl"),
                             (8, "rel", "models/c.h5"), (9, "rel", "models/d.json"),
                             (10, "rel", "models/e.pkl")]


# ------------------------ what a Dockerfile installs with -r is a lock (red team 44 F7)
def test_the_requirements_a_dockerfile_installs_are_found_through_its_copies():
    from mlgate.locks.dockerfile import installed_requirements

    assert installed_requirements(
        "FROM python:3.11-slim\nWORKDIR /app\n"
        "COPY deploy/pins.txt /tmp/pins.txt\n"
        "RUN pip install --no-cache-dir -r /tmp/pins.txt\n"
        "COPY . .\n"
        "RUN pip install -r deps/base.txt && python -m pip install --requirement=extra.txt\n"
        "COPY [\"conf/reqs.txt\", \"/r/\"]\n"
        "RUN uv pip install --system -r /r/reqs.txt\n") == [
        "deploy/pins.txt", "deps/base.txt", "extra.txt", "conf/reqs.txt"]
    # from another stage, through a variable, or a pyproject.toml: not the context's file
    assert installed_requirements(
        "FROM python AS build\nCOPY a.txt /a.txt\nFROM python\n"
        "COPY --from=build /a.txt /a.txt\nRUN pip install -r /a.txt\n"
        "RUN pip install -r $REQS -r pyproject.toml\n") == []


def test_a_lock_a_dockerfile_installs_under_any_name_is_compared(git_project, capsys,
                                                                  monkeypatch):
    """Red team 44 F7: requirements.txt matched the environment, the image installed
    deploy/pins.txt (older pins) and the lock pillar passed."""
    from envs import install, make_venv

    for var in ("MLGATE_PYTHON", "UV_PROJECT_ENVIRONMENT", "CONDA_PREFIX", "VIRTUAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    venv = make_venv(git_project / ".venv")
    (git_project / ".gitignore").write_text(".venv/\n")
    install(venv, "attrs", "24.1.0")
    (git_project / "requirements.txt").write_text("attrs==24.1.0\n")
    (git_project / "deploy").mkdir()
    (git_project / "deploy" / "pins.txt").write_text("attrs==23.2.0\n")
    ours = f"{sys.version_info[0]}.{sys.version_info[1]}"
    (git_project / "Dockerfile").write_text(
        f"FROM python:{ours}-slim\nWORKDIR /app\nCOPY deploy/pins.txt /tmp/pins.txt\n"
        "RUN pip install --no-cache-dir -r /tmp/pins.txt\nCOPY . .\n")
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["lock", "--format", "json", "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [(f["path"], f["line"], f["code"]) for f in found] == [
        ("deploy/pins.txt", 1, "MLG202")], found
    # a development image's file is no lock of what is deployed
    (git_project / "Dockerfile").rename(git_project / "Dockerfile.dev")
    subprocess.run(["git", "add", "-A"], check=True)
    assert main(["lock", "--format", "json", "--no-cache"]) == 0
    capsys.readouterr()


# --------------- a project function is admitted only as what its code keeps as a value
VENDORED = (
    "def run_git(root, verbose=False):\n"
    "    import subprocess\n"
    "    return subprocess.run(['git', '-C', root, 'status'], capture_output=True)\n"
    "\n\n"
    "def describe(root):\n"
    "    return run_git(root)\n")


def _function_model(root, module: str, name: str) -> None:
    import importlib

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    sys.path.insert(0, str(root))
    try:
        function = getattr(importlib.import_module(module), name)
        model = make_pipeline(FunctionTransformer(function, kw_args={"root": "."}),
                              LogisticRegression())
        (root / "models").mkdir(exist_ok=True)
        joblib.dump(model, root / "models" / "model.joblib")
    finally:
        sys.path.remove(str(root))
        sys.modules.pop(module, None)


def test_a_project_function_its_code_only_calls_is_refused(git_project, capsys):
    """Red team 44 F2: FunctionTransformer(versioneer.git_pieces_from_vcs, kw_args=...), a
    vendored helper the project only ever calls, was admitted as the project's function."""
    (git_project / "vendored.py").write_text(VENDORED)
    subprocess.run(["git", "add", "vendored.py"], check=True)
    _function_model(git_project, "vendored", "run_git")
    code = main(["artifact", "--format", "json", "--no-load", "--python", sys.executable,
                 "models/model.joblib"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG301"], found
    assert "never used as a value by the project's code" in found[0]["message"]
    assert 'allow = ["vendored:run_git"]' in found[0]["hint"]
    # the training script that hands it over, tracked: the project's own value
    (git_project / "train.py").write_text(
        "from sklearn.preprocessing import FunctionTransformer\nimport vendored\n"
        "step = FunctionTransformer(vendored.run_git)\n")
    subprocess.run(["git", "add", "train.py"], check=True)
    code = main(["artifact", "--format", "json", "--no-load", "--python", sys.executable,
                 "models/model.joblib"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])


def test_a_notebook_that_hands_over_the_function_counts(git_project, capsys):
    (git_project / "vendored.py").write_text(VENDORED)
    (git_project / "train.ipynb").write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import vendored\n"]},
        {"cell_type": "markdown", "source": ["FunctionTransformer(run_git)"]},
        {"cell_type": "code", "source": "steps = {'prep': vendored.run_git}\n"}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    subprocess.run(["git", "add", "vendored.py", "train.ipynb"], check=True)
    _function_model(git_project, "vendored", "run_git")
    code = main(["artifact", "--format", "json", "--no-load", "--python", sys.executable,
                 "models/model.joblib"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])


# ------------- the names a served path reaches its loader through (red team 45 F1-F3, F6, F7;
# new-user trial 45 F1, F5)
SERVED_LAYOUTS = {
    "config module": {
        "app/core/config.py": "from pathlib import Path\n"
                              "ROOT = Path(__file__).resolve().parents[2]\n"
                              "MODEL_PATH = ROOT / 'models' / 'model_v2.joblib'\n",
        "app/main.py": "import joblib\nfrom fastapi import FastAPI\n"
                       "from app.core.config import MODEL_PATH\n"
                       "model = joblib.load(MODEL_PATH)\n"},
    "settings field and .env": {
        ".env": "MODEL_PATH=models/model_v2.joblib\n",
        "app/config.py": "from pydantic_settings import BaseSettings\n"
                         "class Settings(BaseSettings):\n"
                         "    model_path: str = 'models/model.joblib'\n"
                         "settings = Settings()\n",
        "app/main.py": "import joblib\nfrom fastapi import FastAPI\n"
                       "from app.config import settings\n"
                       "model = joblib.load(settings.model_path)\n"},
    "wrapper class and its caller": {
        "service.py": "import joblib\n"
                      "class Model:\n"
                      "    def __init__(self, path='models/model.joblib'):\n"
                      "        self.path = path\n"
                      "    def load(self):\n"
                      "        return joblib.load(self.path)\n",
        "batch_predict.py": "from service import Model\n"
                            "m = Model('models/model_v2.joblib').load()\n"},
    "dict, format and the latest of a glob": {
        "app.py": "import glob, joblib\nimport streamlit as st\n"
                  "PATHS = {'model': 'models/model_{}.joblib'.format('v2')}\n"
                  "a = joblib.load(PATHS['model'])\n"
                  "b = joblib.load(sorted(glob.glob('models/*.joblib'))[-1])\n"},
    "the image's absolute path, and a script the Dockerfile runs": {
        "Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n"
                      'CMD ["python", "run_model.py"]\n',
        "run_model.py": "import joblib\nmodel = joblib.load('/app/models/model_v2.joblib')\n"},
}


def served_loads(root, files: dict[str, str]) -> set[str]:
    """What MLG313 says the serving code among `files` loads, beside a tracked
    models/model.joblib and a git-ignored models/model_v2.joblib."""
    (root / "models").mkdir()
    model = LogisticRegression().fit(FRAME, [0, 1, 0, 1])
    joblib.dump(model, root / "models" / "model.joblib")
    joblib.dump(model, root / "models" / "model_v2.joblib")
    (root / ".gitignore").write_text("models/model_v2.joblib\n")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    subprocess.run(["git", "add", "-A"], check=True)
    from mlgate.artifacts.served import served_findings

    return {f.extra["loads"] for f in served_findings(["models/model.joblib"])}


@pytest.mark.parametrize("layout", sorted(SERVED_LAYOUTS))
def test_a_served_path_is_followed_through_the_projects_names(git_project, capsys, layout):
    found = served_loads(git_project, SERVED_LAYOUTS[layout])
    assert found == {"models/model_v2.joblib"}, found


NOT_SERVED = {
    "hub and registry names": "import whisper, bentoml\nfrom fastapi import FastAPI\n"
                              "a = whisper.load_model('base')\n"
                              "b = bentoml.sklearn.load_model('iris_clf:latest')\n",
    "a batch job's input data": "import pickle\n"
                                "X = pickle.load(open('data/processed/X_test.pkl', 'rb'))\n",
    "a default every caller overrides": "import joblib\nfrom flask import Flask\n"
                                        "def load(path='models/old.joblib'):\n"
                                        "    return joblib.load(path)\n"
                                        "model = load('models/model.joblib')\n",
}


@pytest.mark.parametrize("case", sorted(NOT_SERVED))
def test_what_is_no_served_model_file_is_not_reported(git_project, case):
    (git_project / "models").mkdir()
    joblib.dump(LogisticRegression().fit(FRAME, [0, 1, 0, 1]),
                git_project / "models" / "model.joblib")
    (git_project / "predict.py").write_text(NOT_SERVED[case])
    (git_project / "notebooks").mkdir()
    (git_project / "notebooks" / "predict.py").write_text(  # an export, not serving code
        "import joblib\nm = joblib.load('models/experiment_17.pkl')\n")
    (git_project / "train.py").write_text(  # a training script, whatever it imports
        "import joblib\nfrom flask import Flask\nm = joblib.load('checkpoints/last.pkl')\n")
    subprocess.run(["git", "add", "-A"], check=True)
    from mlgate.artifacts.served import served_findings

    assert served_findings(["models/model.joblib"]) == []


def test_a_self_referencing_path_costs_linear_time():
    """Red team 45 F5: `p = os.path.join(p, p, ... 30 times)` took 847 s; every node is
    evaluated once per context now (counted in steps, not timed)."""
    from mlgate.artifacts.served_paths import Module, Project

    source = ("import os\np = 'm'\np = os.path.join(" + ", ".join(["p"] * 30) + ")\n"
              "q = f'" + "{p}" * 20 + "'\n")
    module = Module("app.py", ast.parse(source))
    project = Project([module], {}, lambda *_: None)
    assigned = module.tree.body[-1].value
    project.value(module, assigned, None)
    assert project.steps < 200 and not project.exhausted, project.steps


def test_scikit_learn_16s_loss_names_are_a_version_matter_not_an_allow(git_project, capsys):
    """New-user trial 45 F6: `_loss.CyHalfBinomialLoss` (how scikit-learn 1.6 pickled its
    Cython losses) was MLG301 with a snippet to allow it; it is a class this scikit-learn
    has elsewhere, and only 1.6 loads the file."""
    import sklearn._loss._loss as losses

    if losses.CyHalfBinomialLoss.__module__ == "_loss":
        pytest.skip("this scikit-learn still names them _loss")
    (git_project / "model.pkl").write_bytes(
        b"\x80\x04\x8c\x05_loss\x8c\x12CyHalfBinomialLoss\x93.")
    code = main(["artifact", "--format", "json", "--no-cache", "--python", sys.executable,
                 "model.pkl"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG308"], found
    assert "scikit-learn 1.6's name of sklearn._loss._loss.CyHalfBinomialLoss" in found[0][
        "message"], found
    assert "allow" not in found[0]


def test_a_contract_whose_fields_are_set_at_run_time_is_not_58_errors(git_project, capsys):
    """New-user trial 45 F2: `__annotations__ = fields` (read from cols.json) gave one
    MLG405 error per model column, 58 of them; the contract has them all at run time."""
    columns = [f"c{i}" for i in range(6)]
    frame = pd.DataFrame({c: [0.0, 1.0, 2.0, 3.0] for c in columns})
    joblib.dump(LogisticRegression().fit(frame, [0, 1, 0, 1]), git_project / "model.joblib")
    (git_project / "payload.py").write_text(
        "import json\nfrom pydantic import BaseModel\n"
        "fields = {c: float for c in json.load(open('cols.json'))}\n"
        "class Payload(BaseModel):\n"
        "    __annotations__ = fields\n")
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.m]\nartifact = "model.joblib"\ncontract = "payload.py:Payload"\n')
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["schema", "--format", "json", "--no-cache", "--python", sys.executable])
    found = json.loads(capsys.readouterr().out)
    assert code == 0, found
    assert sorted((f["code"], f["severity"]) for f in found) == [
        ("MLG405", "warning"), ("MLG409", "warning")], found
    assert "sets its fields at run time" in next(f for f in found if f["code"] == "MLG409")[
        "message"]
    assert "the model needs 6 columns" in next(f for f in found if f["code"] == "MLG405")[
        "message"]
