"""Round 40's false-alarm hunt on committed artifacts: Python 2's cPickle numbers its memo
from 1 and Python 2 writes a bytearray as (latin-1 text, 'latin-1') (every such file was
refused); XGBoost 1.0-1.2 classifiers keep an `xgboost.compat.XGBoostLabelEncoder` and write
trees with no split types; an XGBoost 0.90 Booster's unreadable model was blamed on a
scikit-learn release."""

from __future__ import annotations

import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from helpers import artifact_json, g, u

PYTHON2 = Path(__file__).parent / "artifact_fixtures" / "python2"


def test_what_python_2_wrote_passes(git_project, capsys):
    """cPickle's and pickle's files, protocols 0-2: sets, dicts, text, a bytearray (the
    fixtures were written by Python 2.7.18: make_python2.py)."""
    names = sorted(p.name for p in PYTHON2.glob("*.pkl") if not p.name.startswith("xgboost"))
    assert len(names) == 18
    for name in names:
        shutil.copy(PYTHON2 / name, git_project / name)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, *names) == (0, [])


@pytest.mark.parametrize("stream, passes", [
    (b"\x80\x02]q\x01(K\x01h\x01e.", True),  # cPickle: from 1
    (b"\x80\x02]q\x00(K\x01h\x00e.", True),  # pickle: from 0
    (b"\x80\x02]q\x02(K\x01h\x02e.", False),  # from 2: no pickler
    (b"\x80\x02]q\x01]q\x03e.", False),  # a gap after 1
    (b"\x80\x03]q\x01(K\x01h\x01e.", False),  # protocol 3 is Python 3's: from 0
    (b"\x80\x04]q\x01]\x94e.", False),  # MEMOIZE after keys from 1 overwrites the last
])
def test_the_memo_may_start_at_1_only_as_python_2_wrote_it(git_project, capsys, stream,
                                                             passes):
    (git_project / "m.pkl").write_bytes(stream)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load", "m.pkl")
    assert (code, [f["code"] for f in found]) == ((0, []) if passes else (1, ["MLG302"]))


@pytest.mark.parametrize("codec, passes", [
    ("latin-1", True), ("latin1", False), ("utf-7", False), ("rot13", False)])
def test_a_bytearray_of_text_takes_only_python_2s_codec(git_project, capsys, codec, passes):
    stream = (b"\x80\x02" + g("__builtin__", "bytearray") + b"(" + u("\x00\x01bin\xff")
              + u(codec) + b"tR.")
    (git_project / "b.pkl").write_bytes(stream)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "b.pkl")
    assert (code, [f["code"] for f in found]) == ((0, []) if passes else (1, ["MLG302"]))


def test_xgboost_1_0s_label_encoder_is_vetted():
    from mlgate.probe_script.ecosystem import PACKAGES, ecosystem_shaped

    assert ecosystem_shaped("xgboost.compat", "XGBoostLabelEncoder") == (
        "xgboost", "XGBoostLabelEncoder")
    assert PACKAGES["xgboost"][1]["XGBoostLabelEncoder"] == (
        "xgboost.compat:XGBoostLabelEncoder",)
    assert ecosystem_shaped("xgboost.compat", "os") is None


def _tree_of_xgboost_1_0(left=(1, -1, -1)):
    """A tree as XGBoost 1.0-1.2 write it in JSON: no split_type, no categories."""
    return {"tree_param": {"num_nodes": "3", "num_feature": "2", "size_leaf_vector": "0"},
            "left_children": list(left), "right_children": [2, -1, -1],
            "split_indices": [1, 0, 0], "split_conditions": [0.5, 0.1, 0.2],
            "default_left": [1, 0, 0], "parents": [2147483647, 0, 0]}


def test_trees_of_xgboost_1_0_are_checked_without_split_types():
    from mlgate.probe_script.ecosystem import _xgboost_tree_problem

    assert _xgboost_tree_problem(_tree_of_xgboost_1_0(), 2, 1) is None
    assert _xgboost_tree_problem(_tree_of_xgboost_1_0(left=(7, -1, -1)), 2, 1) is not None
    assert _xgboost_tree_problem(_tree_of_xgboost_1_0(), 1, 1) == (
        "a split on a feature past the model's input")


def test_a_booster_of_xgboost_0_90_is_said_to_be_unchecked_not_inconsistent(monkeypatch):
    from mlgate.probe_script.ecosystem import xgboost_problem

    monkeypatch.setitem(sys.modules, "xgboost", types.SimpleNamespace(__version__="0.90"))
    assert xgboost_problem(object()) == (
        "Booster: XGBoost 0.90 cannot write the model as JSON, so mlgate cannot check its"
        " trees; load it with XGBoost 1.0 or later and save it again")


def test_a_boosters_problem_is_not_blamed_on_the_scikit_learn_release():
    from mlgate.artifacts.gate import _blame_the_version
    from mlgate.finding import Finding

    facts = {"versions": {"sklearn": {"0.22"}}}
    versions = {"scikit-learn": "0.22.2.post1"}
    for owner, blamed in (("xgboost.core", False), ("sklearn.tree._classes", True),
                          (None, True)):
        found = Finding("m.pkl", 1, 1, "MLG309", "loading failed: the model is inconsistent")
        result = {"kind": "corrupt", **({"owner": owner} if owner else {})}
        _blame_the_version(found, result, facts, versions)
        assert ("pickled with scikit-learn 0.22" in found.message) is blamed, owner


def test_an_older_boosters_estimator_is_not_said_never_fitted(git_project, capsys):
    """False-alarm rounds 40 F8 and 40b: a LightGBM 2 model (no `fitted_`, which LightGBM 3
    asks for) and an XGBoost 0.90 one (its model in `_Booster`, no attribute ending in "_")
    were MLG312 "never fitted". A Booster is a fit; one without it is still judged."""
    import joblib
    import lightgbm
    import numpy as np
    import xgboost

    features = np.random.RandomState(0).rand(60, 3)
    labels = (features[:, 0] > 0.5).astype(int)
    old = lightgbm.LGBMClassifier(n_estimators=3, verbose=-1).fit(features, labels)
    vars(old).pop("fitted_", None)  # as LightGBM 2 pickled it
    joblib.dump(old, git_project / "lgbm2.joblib")
    joblib.dump(xgboost.XGBClassifier(n_estimators=2), git_project / "unfitted.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "lgbm2.joblib", "unfitted.joblib")
    assert code == 1 and [(f["path"], f["code"]) for f in found if f["code"] == "MLG312"] == [
        ("unfitted.joblib", "MLG312")], found


def test_an_unchecked_booster_is_a_warning_not_a_load_failure(monkeypatch):
    """False-alarm round 40b B: the XGBoost 0.90 Booster that loads and predicts was MLG309
    "loading failed": only mlgate's tree check could not run."""
    from mlgate.probe_script.verify import Unchecked, structure_problem

    monkeypatch.setitem(sys.modules, "xgboost", types.SimpleNamespace(__version__="0.90"))
    booster = type("Booster", (), {"__module__": "xgboost.core"})()
    problem = structure_problem(booster)
    assert isinstance(problem, Unchecked) and "cannot check its trees" in problem


def test_a_booster_python_2_pickled_passes_the_scan(git_project, capsys):
    """False-alarm round 40b A: an XGBoost 0.82 model pickled by Python 2 (its Booster's
    handle `bytearray(u'<latin-1 text>', 'latin-1')`) was MLG302 "a handle that is not the
    raw model bytes XGBoost writes". The scan passes it (XGBoost 3 cannot load a model that
    old: not loaded here)."""
    names = sorted(p.name for p in PYTHON2.glob("xgboost082-*.pkl"))
    assert len(names) == 2
    for name in names:
        shutil.copy(PYTHON2 / name, git_project / name)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    _, found = artifact_json(capsys, "--no-load", *names)
    assert not [f for f in found if f["code"] in ("MLG301", "MLG302", "MLG305")], found


def test_numpy_matrices_pass_as_arrays_and_are_never_called(git_project, capsys):
    """False-alarm round 40b E: scipy.sparse's sum(axis=0) and mean(axis=0) make
    numpy.matrix objects, which bundles keep beside a TF-IDF model; every one was MLG301,
    its hint saying not to allow it. A matrix is an ndarray subclass pickled as one; a call
    of the class itself (`matrix("1 2; 3 4")` parses its text) is still refused."""
    import pickle

    import joblib
    import scipy.sparse

    counts = scipy.sparse.random(20, 5, density=0.3, format="csr", random_state=0)
    stats = {"col_means": counts.mean(axis=0), "sums": counts.sum(axis=0)}
    names = ["stats.joblib"]
    joblib.dump(stats, git_project / names[0])
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        names.append(f"stats-{protocol}.pkl")
        (git_project / names[-1]).write_bytes(pickle.dumps(stats, protocol))
    (git_project / "called.pkl").write_bytes(
        b"\x80\x02" + g("numpy", "matrix") + b"(" + u("1 2; 3 4") + b"tR.")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, *names, "called.pkl")
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [
        ("called.pkl", "MLG302")], found


def test_an_estimator_of_an_older_release_without_its_width_is_not_inconsistent(git_project,
                                                                                capsys):
    """New-user trial round 40b (F4): a LinearRegression pickled by scikit-learn 0.22.1,
    which recorded no `n_features_in_`, loaded and predicted, yet was MLG309 "loading failed:
    the model is inconsistent": the release it was pickled with is read from the state,
    from which scikit-learn's own loading takes `_sklearn_version` away. MLG306 says it."""
    import joblib
    import numpy as np
    import sklearn
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(np.arange(8.0).reshape(4, 2), [0.0, 1.0, 2.0, 3.0])
    del model.n_features_in_  # as 0.22 wrote it
    joblib.dump(model, git_project / "old.joblib")
    raw = (git_project / "old.joblib").read_bytes()
    assert raw.count(sklearn.__version__.encode()) == 1
    older = b"0." + sklearn.__version__.encode()[2:]  # (as long: the pickle's text length)
    (git_project / "old.joblib").write_bytes(raw.replace(sklearn.__version__.encode(), older))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "old.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG306"], found
