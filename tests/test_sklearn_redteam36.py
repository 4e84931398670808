"""Round 36 of red-teaming crafted scikit-learn models: what a request costs in memory.

- Stored widths that no array backs (a SplineTransformer's `n_features_out_`, a
  DummyRegressor's `n_outputs_`, a random projection's declared rows): a 1 KB model took
  160 MB a row and was READY, since latency measures time only. A few requests at once (64
  copies of the sample's row) must now fit in `memory-mb` beyond the loaded model (MLG503),
  measured as address space under a lowered limit: the rule is the cost, whatever attribute
  sizes it.
- A kernel as a neighbours model's `weights` (an n x n matrix per request), and `classes_`
  as a `range` of 20 million (each row's predict_proba that wide).
"""

from __future__ import annotations

import json
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd

from helpers import artifact_json
from mlgate.cli import main

RNG = np.random.RandomState(0)
X = pd.DataFrame({"a": RNG.normal(size=50), "b": RNG.normal(size=50)})
Y = X["a"] * 2 + X["b"]


def _latency(git_project, capsys, model, config: str = "") -> tuple[int, list[dict]]:
    joblib.dump(model, git_project / "model.joblib")
    (git_project / "sample.json").write_text(json.dumps({"a": 0.3, "b": -0.2}))
    (git_project / "pyproject.toml").write_text(config)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["latency", "--format", "json", "--no-cache", "--python", sys.executable,
                 "--artifact", "model.joblib", "--sample", "sample.json", "--max-seconds", "1"])
    return code, json.loads(capsys.readouterr().out)


def _spline(width=None):
    from sklearn.dummy import DummyRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer, SplineTransformer

    model = make_pipeline(SplineTransformer(n_knots=4, degree=2), Normalizer(),
                          DummyRegressor()).fit(X, Y)
    if width:
        model.steps[0][1].n_features_out_ = width
        model.steps[1][1].n_features_in_ = width
    return model


def test_a_request_that_takes_more_memory_than_the_budget_is_an_error(git_project, capsys):
    code, found = _latency(git_project, capsys, _spline())
    assert (code, found) == (0, []), found
    # 20 million columns a row: 160 MB each, answered in time
    code, found = _latency(git_project, capsys, _spline(20_000_000))
    assert code == 1 and [f["code"] for f in found] == ["MLG503"], found
    assert ("64 copies of the sample's row ran out of memory under a limit of 2048 MB"
            in found[0]["message"]), found
    # the budget is the project's to set; 0: not checked
    code, found = _latency(git_project, capsys, _spline(20_000_000),
                           "[tool.mlgate.latency]\nmemory-mb = 0\n")
    assert code == 0 and found == [], found


def test_a_kernel_as_neighbours_weights_and_a_range_of_classes_are_refused(git_project,
                                                                          capsys):
    from sklearn.gaussian_process.kernels import RBF
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsRegressor

    joblib.dump(KNeighborsRegressor(n_neighbors=1, weights="distance").fit(X, Y),
                git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "model.joblib") == (0, [])
    joblib.dump(KNeighborsRegressor(n_neighbors=1, weights=RBF()).fit(X, Y),
                git_project / "model.joblib")
    code, found = artifact_json(capsys, "model.joblib")
    assert code == 1 and "weights is a RBF object, not a function" in found[0]["message"]
    model = LogisticRegression().fit(X, (X["a"] > 0).astype(int))
    model.classes_ = range(2)
    joblib.dump(model, git_project / "model.joblib")
    code, found = artifact_json(capsys, "model.joblib")
    assert code == 1 and "classes_ is a range" in found[0]["message"], found


LABELLED = '''
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class Threshold(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = sorted(set(y))  # a list of the labels, as hand-written models keep
        return self

    def predict(self, X):
        return np.array([self.classes_[0]] * len(X))
'''


def test_a_projects_own_classifier_may_keep_its_classes_in_a_list(git_project, capsys,
                                                                   monkeypatch):
    # Review of round 36: the classes_-must-be-an-array rule ran on every class; it holds
    # scikit-learn's own (whose compiled code indexes them), not a project's.
    (git_project / "labelled.py").write_text(LABELLED)
    subprocess.run(["git", "add", "labelled.py"], cwd=git_project, check=True)
    monkeypatch.syspath_prepend(str(git_project))
    import labelled

    model = labelled.Threshold().fit(X, ["no", "yes"] * 25)
    joblib.dump(model, git_project / "model.joblib")
    del sys.modules["labelled"]
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "model.joblib") == (0, [])
