"""`mlgate audit DIR` checks the models under DIR, as its lock pillar reads DIR's lock: a
model saved in the folder above (a training leftover the service does not ship) is not the
service's (a new-user trial: it kept `mlgate audit app` INCOMPLETE for good)."""

from __future__ import annotations

import glob
import json
import os
import pickle
import shutil
import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from mlgate.cli import main


def test_audit_of_a_folder_checks_the_models_in_it(git_project, capsys):
    model = LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    (git_project / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '0'\n")
    (git_project / "app").mkdir()
    joblib.dump(model, git_project / "app" / "model.joblib")
    (git_project / "app" / "sample_request.json").write_text(json.dumps({"data": [[1.5]]}))
    joblib.dump(model, git_project / "leftover.pkl")  # no sample: would be NOT CHECKED
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["audit", "app", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--skip", "lock"])
    report = json.loads(capsys.readouterr().out)
    pillars = {p["name"]: (p["status"], p["detail"]) for p in report["pillars"]}
    assert "leftover" not in json.dumps(report), pillars
    assert pillars["schema"][0] == "pass" and pillars["artifact"][0] == "pass", pillars
    assert code == 0
    # the whole project still has both
    code = main(["audit", ".", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--skip", "lock"])
    report = json.loads(capsys.readouterr().out)
    assert "leftover.pkl" in json.dumps(report) and code == 1


def test_artifact_and_lock_take_a_folder(git_project, capsys):
    """A folder named is the files found in it, as `paths`, `schema` and `audit` take one
    (it was a finding 'not a regular file' on the folder)."""
    (git_project / "svc").mkdir()
    (git_project / "svc" / "model.pkl").write_bytes(pickle.dumps({"threshold": 0.5}))
    (git_project / "svc" / "requirements.txt").write_text("joblib\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["artifact", "svc", "--format", "json", "--python", sys.executable,
                 "--no-cache"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])
    code = main(["lock", "svc", "--format", "json", "--python", sys.executable])
    findings = json.loads(capsys.readouterr().out)
    unpinned = [f for f in findings if f["code"] == "MLG205"]
    assert code == 1 and len(unpinned) == 1, findings
    assert {f["path"] for f in findings} == {"svc/requirements.txt"}


def _runs(python: str) -> bool:
    return subprocess.run([python, "-c", "pass"], capture_output=True).returncode == 0


OLD_PYTHONS = [p for p in (*glob.glob(os.path.expanduser("~/.pyenv/versions/3.[67].*/bin/python")),
                           shutil.which("python3.7"), shutil.which("python3.6"))
               if p and _runs(p)]


@pytest.mark.skipif(not OLD_PYTHONS, reason="no Python older than 3.8 on this machine")
def test_a_project_python_too_old_for_the_probe_is_named_as_such(git_project, capsys):
    (git_project / "model.pkl").write_bytes(pickle.dumps({"threshold": 0.5}))
    code = main(["artifact", "model.pkl", "--python", OLD_PYTHONS[0], "--no-cache"])
    err = capsys.readouterr().err
    assert code == 3 and "mlgate's probe needs Python 3.8 or later" in err, err
