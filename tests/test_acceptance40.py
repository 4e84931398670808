"""Round 40's acceptance audit of issues #11 and #14: a model linked to a device was said
not to exist by schema and latency (the artifact check refuses it, MLG304), and a sample two
models share, refused, was reported twice in the same words."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

from mlgate.cli import main


def test_a_model_linked_to_a_device_is_said_to_be_no_file_and_each_cause_once(git_project,
                                                                             capsys):
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 0, 1, 0]})
    joblib.dump(LogisticRegression().fit(frame, [0, 1, 0, 1]), git_project / "model.joblib")
    os.symlink("/dev/zero", git_project / "zero.joblib")
    os.symlink("/dev/zero", git_project / "sample_request.json")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["schema", "--format", "json", "--no-cache", "--python", sys.executable])
    found = json.loads(capsys.readouterr().out)
    assert code == 1
    said = [(f["path"], f["code"], f["message"]) for f in found]
    assert len(said) == len(set(said)) == 2, said
    [zero] = [f["message"] for f in found if f["path"] == "zero.joblib"]
    assert "no regular file" in zero and "does not exist" not in zero
