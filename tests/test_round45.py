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
