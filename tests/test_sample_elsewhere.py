"""A model found by convention with no sample beside it, and a sample-named file elsewhere
in the project (tests/sample_request.json): it is named with the exact line to declare it,
never used unasked (a test's fixture may be another model's request)."""

from __future__ import annotations

import json
import subprocess
import sys

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

from mlgate.cli import main


def _project(root) -> None:
    (root / "models").mkdir()
    (root / "tests").mkdir()
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.0, 1.0, 0.0, 1.0]})
    joblib.dump(LogisticRegression().fit(frame, [0, 1, 0, 1]), root / "models" / "model.joblib")
    (root / "tests" / "sample_request.json").write_text('{"a": 1.0, "b": 0.0}')
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)


def _run(capsys, check: str) -> tuple[int, list[dict]]:
    code = main([check, "--format", "json", "--python", sys.executable, "--no-cache"])
    return code, json.loads(capsys.readouterr().out)


def test_a_sample_under_tests_is_named_not_used(git_project, capsys):
    _project(git_project)
    declare = ('[tool.mlgate.models.model] artifact = "models/model.joblib" with sample ='
               ' "tests/sample_request.json"')
    for check, code in (("schema", "MLG411"), ("latency", "MLG502")):
        status, found = _run(capsys, check)
        assert status == 0 and [f["code"] for f in found] == [code], found
        assert "tests/sample_request.json is a sample elsewhere" in found[0]["hint"]
        assert declare in found[0]["hint"], found[0]["hint"]
    main(["audit", "--python", sys.executable, "--no-cache"])
    out = capsys.readouterr().out
    assert "tests/sample_request.json is a sample elsewhere in the project" in out, out
    # declared as the hint says, it is checked
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.model]\nartifact = "models/model.joblib"\n'
        'sample = "tests/sample_request.json"\n')
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert _run(capsys, "schema") == (0, [])
