"""XGBoost models in XGBoost's own formats (save_model: JSON, UBJSON) are artifacts like any
other: found by content, loaded by XGBoost's parser in the sandboxed probe, their trees checked
after the load, and their input compared with the sample. They were a hint before (MLG304),
so a project serving `model.json` could never have its model checked."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import artifact_json
from mlgate.artifacts.discovery import find_artifacts
from mlgate.cli import main

xgb = pytest.importorskip("xgboost")


def _fit():
    import numpy as np
    import pandas as pd

    rng = np.random.RandomState(0)
    X = pd.DataFrame({"age": rng.rand(80), "income": rng.rand(80)})
    return xgb.XGBClassifier(n_estimators=2, max_depth=2, n_jobs=1).fit(
        X, (X["age"] > 0.5).astype(int))


@pytest.mark.parametrize("name", ["model.json", "model.ubj", "weights.bin"])
def test_a_native_model_is_found_loaded_and_checked(git_project, capsys, name):
    model = _fit()
    target = git_project / name
    if name.endswith(".bin"):  # UBJSON under any name
        model.get_booster().save_model(str(git_project / "tmp.ubj"))
        (git_project / "tmp.ubj").rename(target)
    else:
        model.save_model(str(target))
    (git_project / "config.json").write_text('{"learner": "not a model"}')
    subprocess.run(["git", "add", "-A"], check=True)
    assert find_artifacts(".") == [name]
    assert artifact_json(capsys, name) == (0, [])
    (git_project / "sample_request.json").write_text(json.dumps({"age": 0.3, "salary": 1}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", name, "--sample", "sample_request.json"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG401", "MLG402"], found
    (git_project / "sample_request.json").write_text(json.dumps({"age": 0.3, "income": 1}))
    code = main(["audit", "--format", "json", "--python", sys.executable, "--no-cache"])
    report = json.loads(capsys.readouterr().out)
    assert {p["name"]: p["status"] for p in report["pillars"]} == {
        "paths": "pass", "lock": "not-checked", "artifact": "pass", "schema": "pass",
        "latency": "pass"}, report


def test_a_classifier_saved_natively_is_checked_as_the_wrapper_that_saved_it(git_project,
                                                                           capsys):
    """New-user round 35 (F3): `XGBClassifier().save_model("model.json")`, served as
    `XGBClassifier().load_model(...).predict_proba(...)`, was loaded as a bare Booster:
    with `method = "predict_proba"` the model "had no method predict_proba()" and the audit
    was NOT READY. The file records the wrapper; a Booster's own save stays a Booster."""
    model = _fit()
    model.save_model(str(git_project / "model.json"))
    model.get_booster().save_model(str(git_project / "booster.json"))
    (git_project / "sample_request.json").write_text(json.dumps({"age": 0.3, "income": 1}))
    args = ["schema", "--format", "json", "--python", sys.executable, "--no-cache"]
    for name, code in (("model.json", 0), ("booster.json", 1)):
        (git_project / "pyproject.toml").write_text(
            f'[tool.mlgate.models.m]\nartifact = "{name}"\nsample = "sample_request.json"\n'
            'method = "predict_proba"\n')
        subprocess.run(["git", "add", "-A"], check=True)
        assert main(args) == code
        found = json.loads(capsys.readouterr().out)
        assert code == 0 or "predict_proba" in found[0]["message"], found


def test_a_native_model_with_a_tree_outside_itself_is_refused(git_project, capsys):
    raw = json.loads(bytes(_fit().get_booster().save_raw("json")))
    raw["learner"]["gradient_booster"]["model"]["trees"][0]["left_children"][0] = 10**6
    (git_project / "model.json").write_text(json.dumps(raw, separators=(",", ":")))
    code, found = artifact_json(capsys, "model.json")
    assert code == 1 and found[0]["code"] == "MLG309", found
    assert "a child index outside the tree" in found[0]["message"]


@pytest.mark.parametrize("text", [
    '{"learner":{}, "version": [3, 0], "extra": 1}',
    '{"learner":{"a": 1}, "version": "3.0.0"}',
    '{"learner":{"a": [1, 2',
], ids=["extra-key", "version-text", "cut-short"])
def test_json_that_only_starts_like_xgboost_is_malformed(git_project, capsys, text):
    (git_project / "model.json").write_text(text)
    code, found = artifact_json(capsys, "model.json")
    assert code == 1 and [f["code"] for f in found] == ["MLG305"], found


def test_a_pickle_from_another_xgboost_names_both_versions(git_project, capsys):
    # XGBoost reads a pickled Booster only with the version that wrote it; the version is
    # in the raw model (UBJSON since 2.0): another major.minor is MLG306, as scikit-learn's.
    import pickle

    import numpy as np

    from mlgate.artifacts.ecosystem import xgboost_version
    from mlgate.artifacts.stream_model import Const

    model = xgb.XGBClassifier(n_estimators=2).fit(np.random.rand(20, 3), np.arange(20) % 2)
    ours = ".".join(xgb.__version__.split(".")[:3]).split("+")[0]
    raw = bytes(model.get_booster().__getstate__()["handle"])
    assert xgboost_version(Const(raw)) == ours
    assert xgboost_version(Const(b'{"learner":{},"version":[1,7,6]}')) == "1.7.6"
    assert xgboost_version(Const(b"binf\x00\x00\x00old binary format")) is None
    data = pickle.dumps(model, protocol=5)
    (git_project / "ok.pkl").write_bytes(data)
    assert artifact_json(capsys, "--only-artifacts", "ok.pkl") == (0, [])
    major, minor, patch = (int(p) for p in ours.split("."))
    written = b"#L" + (3).to_bytes(8, "big") + bytes([105, major, 105, minor, 105, patch])
    older = b"#L" + (3).to_bytes(8, "big") + bytes([105, 1, 105, 7, 105, 6])
    assert written in data
    (git_project / "old.pkl").write_bytes(data.replace(written, older))
    code, found = artifact_json(capsys, "--only-artifacts", "old.pkl")
    parity = [f for f in found if f["code"] == "MLG306"]
    assert code == 1 and parity[0]["message"] == (
        f"pickled with xgboost 1.7.6; the project's environment has {xgb.__version__}")


def test_a_dictvectorizer_and_a_native_booster_saved_as_a_tuple_predict(git_project, capsys):
    """`pickle.dump((dv, booster), f)`, as tutorials save the two (served as
    `booster.predict(xgb.DMatrix(dv.transform([request])))`): the booster is called as a
    service calls it, not with a bare array it refuses (a false MLG407 blocked the commit)."""
    import pickle

    import numpy as np
    from sklearn.feature_extraction import DictVectorizer

    rng = np.random.RandomState(0)
    records = [{"city": "ab"[i % 2], "income": float(v)} for i, v in enumerate(rng.rand(60))]
    dv = DictVectorizer(sparse=True).fit(records)
    X = dv.transform(records)
    booster = xgb.train({"max_depth": 2}, xgb.DMatrix(
        X, label=[r["income"] > 0.5 for r in records],
        feature_names=list(dv.get_feature_names_out())), num_boost_round=2)
    (git_project / "model.bin").write_bytes(pickle.dumps((dv, booster)))
    (git_project / "sample_request.json").write_text(json.dumps({"city": "a", "income": 0.3}))
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "model.bin", "--sample", "sample_request.json"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])
    # the chain is really exercised: a key the vectorizer never saw is named
    (git_project / "sample_request.json").write_text(json.dumps({"town": "a", "income": 0.3}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "model.bin", "--sample", "sample_request.json"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG401", "MLG402"], found
