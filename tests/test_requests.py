"""A sample request is read as the API reads it (a new-user trial on public FastAPI
projects): its keys are checked against the contract whatever the model's columns, keys the
contract does not know are dropped as pydantic drops them, a body of records in one field
is its rows, and a project without pandas is not failed for mlgate's own need of it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from envs import make_venv, python_of, site_packages
from sklearn.linear_model import LogisticRegression

from mlgate.cli import main

X = np.array([[20.0, 1.0], [30.0, 2.0], [40.0, 3.0], [50.0, 4.0]])
FRAME = pd.DataFrame(X, columns=["age", "income"])

API = """\
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Request(BaseModel):
        features: list[float]


    @app.post("/predict")
    def predict(request: Request) -> dict:
        return {}
    """


def project(root: Path, sample: dict, fitted_on=X, api: str = API) -> None:
    joblib.dump(LogisticRegression().fit(fitted_on, [0, 0, 1, 1]), root / "model.joblib")
    (root / "api.py").write_text(textwrap.dedent(api))
    (root / "sample_request.json").write_text(json.dumps(sample))
    (root / "pyproject.toml").write_text(textwrap.dedent("""\
        [tool.mlgate.models.model]
        artifact = "model.joblib"
        sample = "sample_request.json"
        contract = "api.py:Request"
        """))
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)


def schema(capsys, python: str = sys.executable) -> tuple[int, list[dict]]:
    code = main(["schema", "--format", "json", "--python", python, "--no-cache"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out)


def test_a_sample_whose_keys_the_contract_refuses_is_an_error_without_column_names(
        git_project, capsys):
    project(git_project, {"feats": [30.0, 2.0]})  # the model has no column names
    code, findings = schema(capsys)
    assert code == 1 and [f["code"] for f in findings] == ["MLG410"], findings
    assert "lacks 'features'" in findings[0]["message"]
    assert findings[0]["hint"] == "renamed? the sample has 'feats'"


def test_a_key_the_contract_does_not_know_is_dropped_as_pydantic_drops_it(git_project,
                                                                          capsys):
    project(git_project, {"features": [30.0, 2.0], "trace_id": 7})
    code, findings = schema(capsys)
    assert (code, findings) == (0, [])


def test_a_key_a_forbidding_contract_does_not_know_is_refused(git_project, capsys):
    project(git_project, {"features": [30.0, 2.0], "trace_id": 7}, api=API.replace(
        "features: list[float]", "model_config = {'extra': 'forbid'}\n        features:"
        " list[float]"))
    code, findings = schema(capsys)
    refused = [f for f in findings if f["code"] == "MLG410"]
    assert code == 1 and len(refused) == 1, findings
    assert "'trace_id', which the contract Request forbids" in refused[0]["message"]


def test_every_request_of_a_multi_row_sample_is_held_to_the_contract(git_project, capsys):
    # Only the first request was: a key the contract forbids in the second one passed.
    project(git_project, [{"features": [30.0, 2.0]}, {"features": [1.0, 2.0], "trace_id": 7}],
            api=API.replace("features: list[float]", "model_config = {'extra': 'forbid'}\n"
                            "        features: list[float]"))
    code, findings = schema(capsys)
    refused = [f for f in findings if f["code"] == "MLG410"]
    assert code == 1 and len(refused) == 1, findings
    assert refused[0]["message"].startswith("row 2: the sample has 'trace_id'")


def test_a_sample_of_bare_rows_is_not_a_request_a_pydantic_model_takes(git_project, capsys):
    """Reliability round 32: a sample `[[30.0, 2.0]]` skipped the contract's request check
    (schema PASS), though the API answers 422 to a JSON list; bare rows of uneven widths were
    called "not an object" rather than named by their widths."""
    project(git_project, [[30.0, 2.0]])
    code, findings = schema(capsys)
    assert code == 1 and [f["code"] for f in findings] == ["MLG410"], findings
    assert "a list of bare rows, and the contract Request takes a JSON object" in findings[0][
        "message"]
    project(git_project, [[30.0, 2.0], [1.0]])
    code, findings = schema(capsys)
    unreadable = [f for f in findings if f["code"] == "MLG400"]
    assert code == 1 and len(unreadable) == 1, findings  # (and MLG411: nothing to compare)
    assert "row 2 has 1 values, row 1 has 2" in unreadable[0]["message"], findings


def test_each_row_of_a_csv_sample_is_a_request_held_to_the_contract(git_project, capsys):
    """New-user trial round 32: a CSV sample lacking a field the API requires passed (READY)
    while the same row as JSON was MLG410: only JSON bodies were held to the contract."""
    project(git_project, {"features": [30.0, 2.0]})
    (git_project / "sample_request.json").unlink()
    (git_project / "sample.csv").write_text("features_a,features_b\n30.0,2.0\n")
    (git_project / "pyproject.toml").write_text((git_project / "pyproject.toml").read_text()
                                                .replace("sample_request.json", "sample.csv"))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, findings = schema(capsys)
    refused = [f for f in findings if f["code"] == "MLG410"]
    assert code == 1 and refused, findings
    assert "lacks 'features'" in refused[0]["message"], findings


def test_a_body_of_records_in_one_field_is_its_rows(git_project, capsys):
    api = API.replace("class Request(BaseModel):\n        features: list[float]",
                      "class Row(BaseModel):\n        age: float\n        income: float\n\n\n"
                      "    class Request(BaseModel):\n        data: list[Row]")
    project(git_project, {"data": [{"age": 30.0, "income": 2.0}]}, fitted_on=FRAME, api=api)
    code, findings = schema(capsys)
    assert (code, findings) == (0, []), findings


def test_each_row_of_a_batch_body_is_held_to_the_row_model(git_project, capsys):
    """New-user trial round 39 (F1): `{"samples": [{...}]}` for `samples: List[Sample]`,
    one row lacking a required field: only the body's key was compared, exit 0, READY, and
    the API answers 422. A model fitted on an array (no column names) says nothing of the
    rows, so the contract alone must. Many refusals are cut at 50, and say so (F2)."""
    api = API.replace("class Request(BaseModel):\n        features: list[float]",
                      "class Row(BaseModel):\n        age: float\n        income: float\n\n\n"
                      "    class Request(BaseModel):\n        samples: list[Row]")
    project(git_project, {"samples": [{"age": 30.0, "income": 2.0},
                                      {"age": 30.0, "incme": 2.0}]}, api=api)
    code, findings = schema(capsys)
    assert code == 1 and [(f["code"], f["message"]) for f in findings if f["code"] == "MLG410"
                          ] == [
        ("MLG410", "'samples' row 2: the sample lacks 'income', which the contract Row"
                   " requires: the API would refuse the request (422)")], findings
    assert [f["hint"] for f in findings if f["code"] == "MLG410"] == [
        "renamed? the sample has 'incme'"]
    project(git_project, {"samples": [{"a": 1.0}] * 60}, api=api)
    code, findings = schema(capsys)
    findings = [f for f in findings if f["code"] == "MLG410"]
    assert code == 1 and len(findings) == 50, findings
    assert findings[-1]["message"].endswith(
        "(and at least 50 more of the kind, not shown)"), findings


@pytest.fixture
def no_pandas(tmp_path_factory) -> str:
    """An environment with scikit-learn and its dependencies, and no pandas."""
    venv = make_venv(tmp_path_factory.mktemp("nopandas") / "venv")
    shelf = tmp_path_factory.mktemp("shelf")
    source = Path(np.__file__).parent.parent
    needed = {"sklearn", "scikit_learn"} | {  # scikit-learn's own requirements, not pandas
        re.split(r"[^A-Za-z0-9_.-]", r, maxsplit=1)[0].lower().replace("-", "_")
        for r in metadata.requires("scikit-learn") or [] if "extra ==" not in r}
    assert "pandas" not in needed
    for name in source.iterdir():
        if name.name.split("-")[0].split(".")[0].lower() in needed:
            (shelf / name.name).symlink_to(name)
    (site_packages(venv) / "shelf.pth").write_text(f"{shelf}\n")
    python = python_of(venv)
    assert subprocess.run([python, "-c", "import pandas"], capture_output=True).returncode
    return python


def test_without_pandas_a_model_without_column_names_is_still_exercised(git_project, capsys,
                                                                        no_pandas):
    project(git_project, {"features": [30.0, 2.0]})
    code, findings = schema(capsys, no_pandas)
    assert (code, findings) == (0, []), findings
    (git_project / "sample_request.json").write_text(json.dumps({"features": [30.0]}))
    code, findings = schema(capsys, no_pandas)
    assert code == 1 and [f["code"] for f in findings] == ["MLG404"], findings


def test_without_pandas_a_model_with_column_names_is_not_checked_not_failed(git_project,
                                                                           capsys, no_pandas):
    project(git_project, {"features": [30.0, 2.0]}, fitted_on=FRAME)
    code, findings = schema(capsys, no_pandas)
    assert code == 0 and [(f["code"], f["severity"]) for f in findings] == [
        ("MLG400", "warning")], findings
    code = main(["audit", "--format", "json", "--python", no_pandas, "--no-cache", "--skip",
                 "lock", "--skip", "paths"])
    report = json.loads(capsys.readouterr().out)
    schema_pillar = next(p for p in report["pillars"] if p["name"] == "schema")
    assert schema_pillar["status"] == "not-checked", report
    assert "no pandas" in schema_pillar["detail"]
    assert code == 1 and report["verdict"] == "incomplete"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_sample_saved_as_utf16_or_utf32_is_read(tmp_path, encoding):
    """Reliability round 33: a sample PowerShell wrote (`> sample.json`, UTF-16) was
    "binary, not text"."""
    from mlgate.contracts.samples import read_sample

    path = tmp_path / "sample.json"
    path.write_bytes(json.dumps({"age": 30, "city": "Lisboa"}).encode(encoding))
    sample = read_sample(str(path))
    assert list(sample.columns) == ["age", "city"]


def test_a_body_of_one_record_in_one_field_is_its_row(git_project, capsys):
    """New-user trial 41 (F2): `{"features": {"age": ..., ...}}` for `features: Dict[str,
    Any]` (the service builds `pd.DataFrame([body.features])`) was read as one column named
    'features': the hook failed a service that answers 200, and declaring the contract gave
    an MLG401 and an MLG405 per column. The record in the one field is the row."""
    api = API.replace("features: list[float]", "features: dict")
    project(git_project, {"features": {"age": 30.0, "income": 2.0}}, fitted_on=FRAME, api=api)
    assert schema(capsys) == (0, [])
    project(git_project, {"features": {"age": 30.0}}, fitted_on=FRAME, api=api)
    code, findings = schema(capsys)
    assert code == 1 and [(f["code"], f["message"]) for f in findings] == [
        ("MLG401", "the model needs column 'income'; the sample does not have it")], findings
    # (a column the service may compute from the request: "re-train" alone was wrong advice,
    # new-user trial 41 F5)
    assert "if the service computes it from the request" in findings[0]["hint"]
    code = main(["latency", "--format", "json", "--python", sys.executable, "--no-cache"])
    out = capsys.readouterr().out
    assert code == 1, out  # (not timed: the row does not predict)
    # a body of one list field takes the row by position, whatever the model's names
    project(git_project, {"features": [30.0, 2.0]}, fitted_on=FRAME)
    assert schema(capsys) == (0, [])
