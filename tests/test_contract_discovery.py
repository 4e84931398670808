"""The API's request model found by convention: the pydantic body of a FastAPI route is the
contract of the model it serves, without configuration; a difference is a warning until the
contract is declared (the API may derive a column from its fields)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import joblib
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from mlgate.cli import main
from mlgate.contracts.discovery import choose, find_request_models

FRAME = pd.DataFrame({"age": [20.0, 30.0, 40.0, 50.0], "income": [1.0, 2.0, 3.0, 4.0]})


def write(root: Path, name: str, text: str) -> str:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return name


SCHEMAS = """\
    from pydantic import BaseModel


    class Features(BaseModel):
        age: float
        income: float


    class Batch(BaseModel):
        rows: list[Features]
    """

ROUTES = """\
    from typing import Annotated, List

    from fastapi import APIRouter, Body, FastAPI, Request, UploadFile
    from pydantic import BaseModel

    from .schemas import Batch, Features

    app = FastAPI()
    router = APIRouter()


    class Health(BaseModel):
        detail: str


    @app.get("/health")
    def health(check: Health) -> dict:  # a GET takes no body
        return {}


    @router.post("/upload")
    async def upload(file: UploadFile, request: Request, name: str) -> dict:
        return {}


    @app.post("/predict")
    async def predict(features: Annotated[Features, Body()]) -> dict:
        return {}


    @app.put("/batch")
    def batch(rows: List["Batch"]) -> dict:
        return {}
    """


def test_route_bodies_are_found_through_imports_and_wrappers(git_project):
    files = [write(git_project, "app/__init__.py", ""),
             write(git_project, "app/schemas.py", SCHEMAS),
             write(git_project, "app/routes.py", ROUTES),
             write(git_project, "train.py", "from pydantic import BaseModel\n"
                   "class Config(BaseModel):\n    epochs: int\n")]
    found = find_request_models(files, ["model.joblib"], [str(git_project)])
    assert sorted((m.spec, m.route_path) for m in found) == [
        ("app/schemas.py:Batch", "/batch"), ("app/schemas.py:Features", "/predict")]
    predict = next(m for m in found if m.route_path == "/predict")
    assert predict.route == "the body of POST /predict (app/routes.py:27)"
    assert predict.mentions == frozenset()


def test_a_routes_module_that_imports_its_app_is_read(git_project):
    # New-user trial round 37: `from ms import app` and `@app.post(...)` in a file that
    # never names fastapi: its contract was missed, and the schema pillar NOT CHECKED
    found = candidates(git_project, {
        "ms/__init__.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "ms/functions.py": "from pydantic import BaseModel\n\n\nclass Input(BaseModel):\n"
                           "    age: float\n",
        "ms/api.py": "from ms import app\nfrom ms.functions import Input\n\n\n"
                     "@app.post('/predict')\ndef predict(payload: Input):\n    return {}\n"},
        ["model.joblib"])
    assert [(m.spec, m.route_path) for m in found] == [("ms/functions.py:Input", "/predict")]


def test_unparsable_and_foreign_files_are_skipped(git_project):
    files = [write(git_project, "broken.py", "from fastapi import FastAPI\n@app.post(\n"),
             write(git_project, "flask_app.py", "from flask import Flask\napp = Flask(__name__)\n"
                   "@app.post('/predict')\ndef predict(request: dict):\n    return {}\n"),
             write(git_project, "notes.txt", "fastapi .post(")]
    assert find_request_models(files, [], [str(git_project)]) == []


def candidates(git_project, files: dict[str, str], artifacts: list[str]):
    names = [write(git_project, name, text) for name, text in files.items()]
    return find_request_models(names, artifacts, [str(git_project)])


def api(name: str, route: str, loads: str = "") -> str:
    return f"""\
        from fastapi import FastAPI
        from pydantic import BaseModel

        MODEL = {loads!r}
        app = FastAPI()


        class {name}(BaseModel):
            age: float


        @app.post({route!r})
        def serve(request: {name}) -> dict:
            return {{}}
        """


def test_the_route_file_that_loads_an_artifact_serves_it(git_project):
    found = candidates(git_project, {"churn_api.py": api("Churn", "/v1", "models/churn.joblib"),
                                     "fraud_api.py": api("Fraud", "/v1", "models/fraud.joblib")},
                       ["models/churn.joblib", "models/fraud.joblib", "models/scaler.joblib"])
    everything = ["models/churn.joblib", "models/fraud.joblib", "models/scaler.joblib"]
    assert choose(found, "models/churn.joblib", everything)[0].spec == "churn_api.py:Churn"
    assert choose(found, "models/fraud.joblib", everything)[0].spec == "fraud_api.py:Fraud"
    # a scaler no route names gets no contract, and no list to choose from
    assert choose(found, "models/scaler.joblib", everything) == (None, [])


def test_a_prediction_route_wins_and_a_tie_is_left_to_the_user(git_project):
    found = candidates(git_project, {"a.py": api("Feedback", "/feedback"),
                                     "b.py": api("Scoring", "/v1/score")}, ["m.joblib"])
    assert choose(found, "m.joblib", ["m.joblib"])[0].spec == "b.py:Scoring"
    tie = candidates(git_project, {"c.py": api("Left", "/left"),
                                   "d.py": api("Right", "/right")}, ["m.joblib"])
    chosen, several = choose(tie, "m.joblib", ["m.joblib"])
    assert chosen is None and sorted(c.spec for c in several) == ["c.py:Left", "d.py:Right"]
    # two copies of one app (`app/main.py`, `fastapi/main.py`) take the same request: no tie
    copies = candidates(git_project, {"app/main.py": api("Left", "/left"),
                                      "fastapi/main.py": api("Left", "/left")}, ["m.joblib"])
    assert len(copies) == 2
    assert choose(copies, "m.joblib", ["m.joblib"])[0].spec == "app/main.py:Left"


# --- through the CLI, nothing declared ---------------------------------------------------

APP = """\
    from pathlib import Path

    import joblib
    from fastapi import FastAPI
    from pydantic import BaseModel, Field

    MODEL = joblib.load(Path(__file__).parent.parent / "models" / "model.joblib")
    app = FastAPI()


    class Request(BaseModel):
        age: float = Field(ge=0)
        income: float


    @app.post("/predict")
    def predict(request: Request) -> dict:
        return {"label": int(MODEL.predict([[request.age, request.income]])[0])}
    """


def project(root: Path, app: str = APP, sample: bool = True) -> None:
    write(root, "app/main.py", app)
    (root / "models").mkdir()
    joblib.dump(LogisticRegression().fit(FRAME, [0, 0, 1, 1]), root / "models" / "model.joblib")
    joblib.dump(StandardScaler().fit(FRAME), root / "models" / "scaler.joblib")
    if sample:
        write(root, "models/sample_request.json", json.dumps({"age": 33.0, "income": 2.5}))
    subprocess.run(["git", "add", "-A"], check=True, cwd=root)


def audit(capsys) -> tuple[int, dict]:
    code = main(["audit", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--skip", "lock", "--skip", "latency"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out)


def pillar(report: dict, name: str) -> dict:
    return next(p for p in report["pillars"] if p["name"] == name)


def test_a_matching_route_body_is_compared_without_configuration(git_project, capsys):
    project(git_project, sample=False)
    code, report = audit(capsys)
    schema = pillar(report, "schema")
    assert schema["status"] == "pass", report
    assert "contract Request (found as the body of POST /predict (app/main.py:17))" in (
        schema["detail"])
    assert code == 0 and report["verdict"] == "ready"


def test_an_editors_history_copy_of_the_api_is_not_the_contract(git_project, capsys):
    """VS Code's `.history/` keeps timestamped copies of api.py: one of those was taken for
    the served contract (new-user trial), and its stale fields were reported."""
    project(git_project, sample=False)
    old = APP.replace("income: float", "salary: float")
    write(git_project, ".history/app/main_20260131190407.py", old)
    write(git_project, ".history/app/main_20260131190408.py", old)
    write(git_project, ".ipynb_checkpoints/sample_request-checkpoint.json", '{"x": 1}')
    code, report = audit(capsys)
    schema = pillar(report, "schema")
    assert "(found as the body of POST /predict (app/main.py:17))" in schema["detail"], report
    assert code == 0 and report["verdict"] == "ready", report


@pytest.mark.parametrize("sample", [True, False])
def test_a_renamed_field_in_a_found_contract_is_a_warning_that_says_how_to_bind_it(
        git_project, capsys, sample):
    project(git_project, APP.replace("income: float", "salary: float"), sample=sample)
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    findings = json.loads(capsys.readouterr().out)
    missing = next(f for f in findings if f["code"] == "MLG405")
    assert missing["severity"] == "warning" and missing["path"] == "app/main.py"
    assert ('declare it to make this an error: [tool.mlgate.models.model] artifact ='
            ' "models/model.joblib", contract = "app/main.py:Request"') in missing["hint"]
    assert code == 0
    # declared as the hint says, the same difference blocks
    write(git_project, "pyproject.toml", """\
        [tool.mlgate.models.model]
        artifact = "models/model.joblib"
        contract = "app/main.py:Request"
        """)
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    findings = json.loads(capsys.readouterr().out)
    assert [f["severity"] for f in findings if f["code"] == "MLG405"] == ["error"]
    assert code == 1


def test_a_route_body_unrelated_to_the_columns_is_set_aside_not_checked(git_project, capsys):
    project(git_project, APP.replace("age: float = Field(ge=0)\n        income: float",
                                     "text: str"), sample=False)
    code, report = audit(capsys)
    schema = pillar(report, "schema")
    assert schema["status"] == "not-checked", report
    assert "shares no field with the model's columns" in schema["detail"]
    assert code == 1 and report["verdict"] == "incomplete"
    code = main(["schema", "--python", sys.executable, "--no-cache"])
    out = capsys.readouterr().out
    assert "MLG411" in out and "shares no field" in out and "MLG405" not in out


def test_a_route_of_another_project_in_the_repository_is_not_the_models_contract(git_project):
    """A repository of several projects (each with its pyproject.toml, each with its own
    `models/model.pkl`): a route serves its own project's model, never a sibling's, even
    when the sibling's file names a model of the same name."""
    for part in ("one", "two", "three"):
        write(git_project, f"{part}/pyproject.toml", "[project]\nname = 'x'\n")
    models = ["one/app/models/model.pkl", "two/app/models/model.pkl", "app_of_three"]
    found = candidates(git_project, {"two/app/main.py": api("Two", "/predict"),
                                     "three/app/main.py": api("Three", "/predict", "model.pkl")},
                       models[:2])
    # `three` names a model.pkl, a name both others have, and is as near to each
    assert {c.spec: sorted(c.mentions) for c in found}["three/app/main.py:Three"] == sorted(
        models[:2])
    assert choose(found, models[0], models[:2], str(git_project)) == (None, [])
    assert choose(found, models[1], models[:2], str(git_project))[0].spec == "two/app/main.py:Two"
    # a route in a sub-folder with its own project file still serves the root's model
    write(git_project, "pyproject.toml", "[project]\nname = 'root'\n")
    api_found = candidates(git_project, {"api/main.py": api("Api", "/predict")}, ["m.pkl"])
    write(git_project, "api/requirements.txt", "fastapi\n")
    write(git_project, "api/setup.cfg", "[metadata]\nname = api\n")
    assert choose(api_found, "m.pkl", ["m.pkl"], str(git_project))[0].spec == "api/main.py:Api"


def test_a_route_body_with_the_columns_renamed_says_so(git_project, capsys):
    project(git_project, APP.replace("age: float = Field(ge=0)\n        income: float",
                                     "AGE: float\n        income_: float"), sample=False)
    code = main(["schema", "--python", sys.executable, "--no-cache"])
    out = capsys.readouterr().out
    assert code == 0 and "MLG411" in out and "shares no field" in out, out
    assert "its fields are the columns renamed (AGE -> 'age', income_ -> 'income')" in out
    # ...and what checks it (new-user trial 44 F5: the line said the mapping, not what to add)
    assert "a sample request in the model's own column names" in out, out


def test_a_route_naming_a_common_file_name_serves_the_nearest_artifact(git_project):
    """`model.pkl` in twenty experiment folders and in the API's own folder: the route that
    loads 'model.pkl' serves the one beside it, not all twenty."""
    models = [f"models/run{i}/model.pkl" for i in range(3)] + ["api/model_dir/model.pkl"]
    found = candidates(git_project, {"api/app.py": api("Req", "/predict", "model.pkl")}, models)
    assert found[0].mentions == frozenset({"api/model_dir/model.pkl"})
    assert choose(found, "api/model_dir/model.pkl", models, str(git_project))[0].spec == (
        "api/app.py:Req")
    assert choose(found, "models/run0/model.pkl", models, str(git_project)) == (None, [])


def test_a_sample_in_the_apis_own_names_beside_a_renamed_body_is_not_checked(git_project,
                                                                             capsys):
    """New-user trial round 40b (F2): the API's own request, used as the sample, beside a
    body whose fields are the columns renamed (which the service maps in code), was six
    MLG401 and a FAIL, while the pillar's detail said the API maps those fields. Such a
    sample is the API's request, no more the model's input than the body: not checked."""
    project(git_project, APP.replace("age: float = Field(ge=0)\n        income: float",
                                     "AGE: float\n        income_: float"), sample=False)
    write(git_project, "models/sample_request.json", json.dumps({"AGE": 33.0, "income_": 2.5}))
    subprocess.run(["git", "add", "-A"], check=True, cwd=git_project)
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and "MLG401" not in {f["code"] for f in found}, found
    assert any(f["code"] == "MLG411" and "the sample is the API's request" in f["message"]
               for f in found), found
    code, report = audit(capsys)
    assert pillar(report, "schema")["status"] == "not-checked", report
    # the check-latency hook says what the audit says: not timed, never a failure
    # (new-user trial 41, F2: MLG502 "the sample does not predict", exit 1)
    code = main(["latency", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [
        ("MLG502", "warning")], found
    assert "the sample is the API's request in its own names" in found[0]["message"]
