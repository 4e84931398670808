"""Round 37's new-user trial on public projects: what its findings asked of the hints."""

from __future__ import annotations

import json
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from mlgate.cli import main


def test_a_declared_model_is_never_offered_as_another_ones_preprocessor(git_project, capsys):
    """F8: two declared models in one folder (the service serves either); the sample's
    fields are named otherwise than the models' columns, and the hint proposed the other
    model, a DecisionTree, as the first one's preprocessor."""
    frame = pd.DataFrame({"bill_length_mm": np.linspace(30, 60, 40),
                          "body_mass_g": np.linspace(3000, 6000, 40)})
    labels = np.arange(40) % 2
    folder = git_project / "app" / "model"
    folder.mkdir(parents=True)
    joblib.dump(LogisticRegression().fit(frame, labels), folder / "lr.joblib")
    joblib.dump(DecisionTreeClassifier().fit(frame, labels), folder / "dt.joblib")
    (git_project / "sample.json").write_text(json.dumps({"bill_length": 40.0,
                                                         "body_mass": 4000.0}))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.lr]\nartifact = "app/model/lr.joblib"\nsample = "sample.json"\n'
        '[tool.mlgate.models.dt]\nartifact = "app/model/dt.joblib"\nsample = "sample.json"\n')
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and found, found
    hints = " ".join(f.get("hint") or "" for f in found)
    assert "preprocessors = [" not in hints and "saved beside the model" not in hints, hints
