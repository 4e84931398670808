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


def _beside(git_project, scaler_columns: list[str]) -> None:
    from sklearn.preprocessing import StandardScaler

    frame = pd.DataFrame(np.random.RandomState(0).normal(size=(40, 4)),
                         columns=["a", "b", "c", "target"])
    joblib.dump(StandardScaler().fit(frame[scaler_columns]), git_project / "scaler.joblib")
    model = LogisticRegression().fit(frame[["a", "b", "c"]].to_numpy(), frame.target > 0)
    joblib.dump(model, git_project / "model.joblib")  # no column names: fitted on an array
    (git_project / "sample_request.json").write_text(json.dumps({"a": 0.1, "b": 0.2,
                                                                 "c": 0.3}))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)


def test_a_preprocessor_whose_output_cannot_feed_the_model_is_not_its_preprocessor(
        git_project, capsys):
    """F5: a scaler of 4 columns (the target among them) beside a model of 3: the model was
    said "fitted on what a preprocessor beside it makes", and its input was not checked."""
    _beside(git_project, ["a", "b", "c", "target"])
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and not [f for f in found if "beside it" in f["message"]], found


def test_a_preprocessor_that_can_feed_the_model_still_is_one(git_project, capsys):
    _beside(git_project, ["a", "b", "c"])
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [f["code"] for f in found if "beside it" in f["message"]] == [
        "MLG400"], found


def test_a_tuple_whose_parts_cannot_follow_each_other_is_not_chained(git_project, capsys):
    """Round 38, F1: (DictVectorizer, MinMaxScaler, model): the service scales three fields
    first, then vectorizes; chained in order, the scaler got the vectorizer's columns, and a
    working service was NOT READY (MLG407). What one part makes is not what the next takes:
    not a chain, so the request is not checked (a warning), not failed."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.preprocessing import MinMaxScaler

    records = [{"kind": k, "size": float(i), "mpg": 20.0 + i, "year": 2000.0 + i}
               for i, k in enumerate("abcdefgh" * 3)]
    vectorizer = DictVectorizer(sparse=False).fit(records)
    scaler = MinMaxScaler().fit([[r["size"], r["mpg"], r["year"]] for r in records])
    model = LogisticRegression().fit(vectorizer.transform(records), np.arange(24) % 2)
    joblib.dump((vectorizer, scaler, model), git_project / "model.bin")
    (git_project / "sample_request.json").write_text(json.dumps(records[0]))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and all(f["severity"] == "warning" for f in found) and found, found


def test_what_only_an_ignored_package_brings_in_is_ignored_too(git_project, capsys):
    """F7: `ignore-packages = ["pre-commit"]` turned one MLG204 (pre-commit, "and 8 more it
    brings in") into one warning per package only pre-commit needs."""
    import importlib.metadata as metadata

    from mlgate.locks.model import canonical_name

    pins = {canonical_name(d.metadata["Name"]): f"{d.metadata['Name']}=={d.version}"
            for d in metadata.distributions() if d.metadata["Name"]}
    if "pre-commit" not in pins:
        import pytest

        pytest.skip("pre-commit is not installed here")

    def undeclared(lines: list[str], table: str = "") -> list[dict]:
        (git_project / "requirements.txt").write_text("\n".join(lines) + "\n")
        (git_project / "pyproject.toml").write_text(table)
        subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
        main(["lock", "--format", "json", "--python", sys.executable, "--no-cache"])
        return [f for f in json.loads(capsys.readouterr().out) if f["code"] == "MLG204"]

    found = undeclared([pins["pytest"]])  # what pre-commit alone brings in, as said
    brings = next(f["brings"] for f in found if f["package"] == "pre-commit")
    assert brings, found
    kept = [pin for name, pin in pins.items() if name != "pre-commit" and name not in brings]
    found = undeclared(kept, '[tool.mlgate.lock]\nignore-packages = ["pre-commit"]\n')
    assert not [f["package"] for f in found if f["package"] in brings], found


def test_setuptools_is_taken_for_granted_only_before_python_3_12():
    """F2: on Python 3.12 a setuptools installed by hand (an old xgboost imports
    pkg_resources) was never expected in the lock, and the audit said READY for a lock
    whose deployment cannot load the model: venv and the images no longer ship it."""
    from mlgate.checks.lock import _Installed, always_present

    def present(version: str) -> set[str]:
        return always_present(_Installed({"markers": {"python_version": version}}))

    assert "setuptools" in present("3.11") and "pip" in present("3.11")
    assert "setuptools" not in present("3.12") and "pkg-resources" not in present("3.13")
    assert "pip" in present("3.12") and "setuptools" in present("")


def test_the_mlflow_models_own_requirements_are_named_in_the_hint(git_project, capsys):
    """F3: the Dockerfile installed model_dir/requirements.txt (MLflow's), which lock
    discovery sets aside; MLG311 told the user to add to the lock what that file pins,
    and not that `files` brings it back."""
    from importlib import metadata

    folder = git_project / "model_dir"
    folder.mkdir()
    (folder / "MLmodel").write_text("flavors:\n  sklearn: {}\n")
    joblib.dump({"model": LogisticRegression().fit([[0.0], [1.0]], [0, 1]),
                 "reference": pd.DataFrame({"x": [1.0]})}, folder / "model.pkl")
    (folder / "requirements.txt").write_text(f"pandas=={metadata.version('pandas')}\n")
    (git_project / "requirements.txt").write_text(
        f"scikit-learn=={metadata.version('scikit-learn')}\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
          "model_dir/model.pkl"])
    unlocked = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "MLG311"
                and f["package"] == "pandas"]
    assert unlocked and "model_dir/requirements.txt pins it" in unlocked[0]["hint"], unlocked
    assert "[tool.mlgate.lock] files" in unlocked[0]["hint"]


def test_an_estimator_saved_before_it_was_fitted_is_refused_by_the_artifact_check(
        git_project, capsys):
    """F6: an unfitted Pipeline committed as model.pkl passed the artifact check; with a
    sample, the schema line said "the sample predicted" beside MLG407's NotFittedError, and
    MLG408 said the same error again for an empty request. A fitted one, and a stateless
    FunctionTransformer, pass."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    X = np.random.RandomState(0).rand(30, 2)
    joblib.dump(make_pipeline(StandardScaler(), LogisticRegression()), git_project / "m.pkl")
    joblib.dump(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, X[:, 0] > .5),
                git_project / "fitted.pkl")
    joblib.dump(FunctionTransformer(np.log1p), git_project / "log.pkl")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [("m.pkl", "MLG312")], found
    assert found[0]["message"].startswith(
        "it holds a sklearn.pipeline.Pipeline that was never fitted: This LogisticRegression"
        " instance is not fitted yet"), found
    # the schema check, given a sample, says the artifact does not pass, once
    (git_project / "sample.json").write_text("[[0.1, 0.2]]")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
          "--artifact", "m.pkl", "--sample", "sample.json"])
    found = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in found] == ["MLG400"] and "MLG312" in found[0]["message"], found


def test_what_does_not_predict_or_is_the_projects_own_is_not_judged_unfitted(git_project,
                                                                            capsys):
    """Red team round 39 (F3, F5): check_is_fitted looks for attributes ending in "_": a
    fitted HashingVectorizer (stateless, its tags silent before scikit-learn 1.7) and a
    Pipeline whose final step is the project's own wrapper keeping its model in
    `self.model` were refused as never fitted. Only a final step that predicts, of
    scikit-learn or its ecosystem, is judged."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.pipeline import make_pipeline

    (git_project / "wrap.py").write_text(
        "from sklearn.base import BaseEstimator\n\n\n"
        "class Wrapped(BaseEstimator):\n"
        "    def fit(self, X, y):\n"
        "        from sklearn.linear_model import LogisticRegression\n"
        "        self.model = LogisticRegression().fit(X, y)\n"
        "        return self\n\n"
        "    def predict(self, X):\n"
        "        return self.model.predict(X)\n")
    sys.path.insert(0, str(git_project))
    try:
        from wrap import Wrapped

        X = np.random.RandomState(0).rand(20, 2)
        joblib.dump(make_pipeline(HashingVectorizer(n_features=16)).fit(["a b", "b c"]),
                    git_project / "hashing.pkl")
        joblib.dump(make_pipeline(Wrapped()).fit(X, X[:, 0] > .5), git_project / "own.pkl")
    finally:
        sys.path.remove(str(git_project))
        sys.modules.pop("wrap", None)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert [f for f in found if f["code"] == "MLG312"] == [], found
