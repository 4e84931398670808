"""Round 47: what new-user trial 46 and false-alarm round 46 left open."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import joblib
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from test_round45 import audit, pillar

from mlgate.cli import main
from mlgate.contracts.discovery import handed_unchanged

# ------------- F1: a found contract lacking a column, on a route that derives nothing
APP = (
    "import joblib\n"
    "import pandas as pd\n"
    "from fastapi import FastAPI\n"
    "from pydantic import BaseModel\n"
    "app = FastAPI()\n"
    "model = joblib.load('model.joblib')\n"
    "class Applicant(BaseModel):\n"
    "    age: float\n"
    "    income: float\n"
    "@app.post('/predict')\n"
    "def predict(applicant: Applicant):\n"
    "{body}"
    "    return {{'label': int(model.predict(frame)[0])}}\n")

HANDED = {
    "a frame of its dump": "    frame = pd.DataFrame([applicant.model_dump()])\n",
    "through a dict name": "    data = applicant.dict()\n    frame = pd.DataFrame([data])\n",
    "one row by index": "    frame = pd.DataFrame(dict(applicant), index=[0])\n",
    "its __dict__": "    frame = pd.DataFrame([vars(applicant)])\n",
}
DERIVES = {
    "a column added to the frame": "    frame = pd.DataFrame([applicant.model_dump()])\n"
                                   "    frame['ratio'] = frame['income'] / frame['age']\n",
    "a key added to the dict": "    data = applicant.dict()\n"
                               "    data['ratio'] = data['income'] / data['age']\n"
                               "    frame = pd.DataFrame([data])\n",
    "a helper builds the frame": "    frame = features(applicant)\n",
    "aliases, not field names": "    frame = pd.DataFrame([applicant.model_dump(by_alias=True)])\n",
    "the body changed first": "    applicant.age = applicant.age / 2\n"
                              "    frame = pd.DataFrame([applicant.model_dump()])\n",
}


def _service(root, body: str) -> None:
    frame = pd.DataFrame({"age": [20.0, 30, 40, 50], "income": [1.0, 2, 3, 4],
                          "ratio": [0.1, 0.2, 0.3, 0.4]})
    joblib.dump(LogisticRegression().fit(frame, [0, 1, 0, 1]), root / "model.joblib")
    (root / "app.py").write_text(APP.format(body=body))
    (root / "sample_request.json").write_text('{"age": 30, "income": 2, "ratio": 0.2}\n')
    (root / "pyproject.toml").write_text('[tool.mlgate]\nrequire = ["artifact", "schema"]\n')
    subprocess.run(["git", "add", "-A"], check=True)


@pytest.mark.parametrize("body", HANDED.values(), ids=list(HANDED))
def test_a_found_contract_handed_to_the_model_as_it_came_fails(git_project, capsys, body):
    """New-user trial 46 F1: the route's body lacked a column the model needs, the sample
    (in the model's columns) predicted, and the audit said READY with an MLG405 warning,
    "the API may derive the column". The route derived nothing: every request failed."""
    _service(git_project, body)
    code, report = audit(capsys)
    schema = pillar(report, "schema")
    assert code == 1 and schema["status"] == "fail", report
    missing = [f for f in report["findings"] if f["code"] == "MLG405"]
    assert [f["severity"] for f in missing] == ["error"], report["findings"]
    predicts = 12 + body.count("\n")  # (the line that calls model.predict)
    assert f"is handed to the model as it came (app.py:{predicts})" in missing[0]["hint"], missing


@pytest.mark.parametrize("body", DERIVES.values(), ids=list(DERIVES))
def test_a_route_that_may_compute_the_column_keeps_it_a_warning(git_project, capsys, body):
    _service(git_project, body)
    main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    missing = [f for f in found if f["code"] == "MLG405"]
    assert [f["severity"] for f in missing] == ["warning"], found
    assert 'computes it from the request, add derived = ["ratio"]' in missing[0]["hint"], missing


def test_a_column_the_service_derives_is_declared_so(git_project, capsys):
    """F5: a column the route computes had no way to be said but an ignore of MLG405."""
    _service(git_project, DERIVES["a column added to the frame"])
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.model]\nartifact = "model.joblib"\ncontract = "app.py:Applicant"\n'
        'sample = "sample_request.json"\nderived = ["ratio"]\n')
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.model]\nartifact = "model.joblib"\ncontract = "app.py:Applicant"\n'
        'sample = "sample_request.json"\n')
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG405"], found


def _route(body: str) -> ast.FunctionDef:
    tree = ast.parse("def predict(request):\n" + body)
    return tree.body[0]  # type: ignore[return-value]


@pytest.mark.parametrize("body, line", [
    ("    return model.predict(pd.DataFrame([request.model_dump()]))\n", 2),
    ("    d = request.dict()\n    X = d\n    return m.predict_proba(pd.DataFrame([X]))\n", 4),
    ("    frame = pd.DataFrame([request.dict()])\n    log(frame)\n"
     "    return m.predict(frame)\n", 0),
    ("    frame = pd.DataFrame([request.dict()], columns=COLS)\n    return m.predict(frame)\n",
     0),
    ("    frame = pd.DataFrame([request.dict()])\n    return m.predict(frame[COLS])\n", 0),
    ("    request = other\n    return m.predict(pd.DataFrame([request.dict()]))\n", 0),
    ("    frame = pd.DataFrame([request.dict()])\n    frame = frame.fillna(0)\n"
     "    return m.predict(frame)\n", 0),
    ("    return m.predict(pd.DataFrame([request.dict()]), check=False)\n", 0),
])
def test_what_counts_as_handing_the_body_over_unchanged(body, line):
    assert handed_unchanged(_route(body), "request") == line
