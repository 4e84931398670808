"""Review rounds 24 and 25: stored counts that compiled code sizes its reads and writes by, and a
smoke run that reaches every answering method of every model.

- A decision tree's `max_depth` sizes decision_path()'s output (one entry per node on a
  path, written unchecked): an understated depth overflowed the heap. The rule: the stored
  depth is at least the real one, and every node but the root has exactly one parent.
- An SVC's support counts added up with a negative one beside a larger one: libsvm walked
  past its coefficients (NaN answers, or a crash). The rule: every count in range, and the
  libsvm kind (`_impl`) the class's own.
- A KD tree's last-level node marked as inner: a query near it descended past the nodes.
  The rule: a node's children are inside the tree, or it is a leaf.
- Round 25: a tree of zero classes (an empty value buffer that a gradient boosting's
  predict read past: heap bytes as predictions), a KD tree with only lower bounds, Birch's
  cached norms shorter than its centres. The rule: every stored array has the shape the
  counts beside it give, in every dimension.
- Round 26: a pandas sparse block index whose negative block beside a large one kept its
  point count right (to_numpy overflowed the heap), and a LightGBM linear leaf whose
  features had no coefficients, which vanish from the text LightGBM writes back (the check
  now reads the text the booster was loaded from, too).
- The smoke run after the load stopped at 64 models: a corrupt one rode behind enough sound
  ones. Now every model and transformer met is run, within the load's deadline.

A serving app calls predict_proba(), decision_function() or score_samples() as often as
predict(), and each reads its own part of the fitted state (a calibrator's, the classes', a
density's). A smoke run that only called predict() left a model whose predict() is sound
and whose predict_proba() reads out of bounds to crash the user's app, not the probe.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from helpers import artifact_json

X = np.random.RandomState(0).rand(30, 3)

ONE_BAD_METHOD = """
import ctypes

from sklearn.base import BaseEstimator


class OneBadMethod(BaseEstimator):
    def __init__(self, bad="predict_proba"):
        self.bad = bad

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def _answer(self, name, X):
        if name == self.bad:
            ctypes.string_at(0)  # a read at address 0: corrupt compiled state, contained
        return X[:, 0]

    def predict(self, X):
        return self._answer("predict", X)

    def predict_proba(self, X):
        return self._answer("predict_proba", X)

    def decision_function(self, X):
        return self._answer("decision_function", X)

    def score_samples(self, X):
        return self._answer("score_samples", X)

    def transform(self, X):
        return self._answer("transform", X)
"""


@pytest.fixture
def one_bad_method(git_project):
    (git_project / "one_bad.py").write_text(ONE_BAD_METHOD)
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["one_bad"]\n')
    subprocess.run(["git", "add", "one_bad.py"], cwd=git_project, check=True)
    sys.path.insert(0, str(git_project))
    try:
        from one_bad import OneBadMethod

        yield OneBadMethod
    finally:
        sys.path.remove(str(git_project))
        sys.modules.pop("one_bad", None)


@pytest.mark.parametrize("bad", ["predict_proba", "decision_function", "score_samples",
                                 "transform"])
def test_a_model_that_crashes_in_any_answering_method_crashes_the_probe(
        git_project, capsys, one_bad_method, bad):
    (git_project / "model.pkl").write_bytes(pickle.dumps(one_bad_method(bad=bad).fit(X)))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "predicting a few rows" in found[0]["message"], found


def test_the_same_model_with_sound_methods_passes(git_project, capsys, one_bad_method):
    (git_project / "model.pkl").write_bytes(pickle.dumps(one_bad_method(bad="none").fit(X)))
    assert artifact_json(capsys, "--only-artifacts", "model.pkl") == (0, [])


def test_a_corrupt_model_behind_many_sound_ones_is_still_run(git_project, capsys,
                                                             one_bad_method):
    from sklearn.linear_model import LinearRegression

    sound = [LinearRegression().fit(X, X[:, 0]) for _ in range(80)]
    for position in (0, 80):
        held = [*sound[:position], one_bad_method(bad="predict").fit(X), *sound[position:]]
        (git_project / "models.pkl").write_bytes(pickle.dumps(held))
        code, found = artifact_json(capsys, "--only-artifacts", "models.pkl")
        assert code == 1 and "predicting a few rows" in found[0]["message"], (position, found)


def _tree_with(**changes):
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.RandomState(0)
    clf = DecisionTreeClassifier(random_state=0).fit(rng.rand(300, 3), rng.randint(0, 2, 300))
    state = clf.tree_.__getstate__()
    nodes = state["nodes"].copy()
    for field, (index, value) in changes.items():
        if field == "max_depth":
            state["max_depth"] = value
        else:
            nodes[field][index] = value
    state["nodes"] = nodes
    clf.tree_.__setstate__(state)
    return clf


def _shared_child():
    clf = _tree_with()
    nodes = clf.tree_.__getstate__()["nodes"]
    inner = np.flatnonzero(nodes["left_child"] != -1)
    # a later inner node's left child becomes the right child of the node before it too
    first, second = inner[1], inner[2]
    return _tree_with(right_child=(first, int(nodes["left_child"][second])))


def _svc(**changes):
    from sklearn.svm import SVC

    model = SVC().fit(X, (X[:, 0] > 0.5).astype(int))
    n_sv = len(model.support_)
    if changes.get("counts"):
        model._n_support = np.array([n_sv + 4000, -4000], dtype=np.int32)
    if changes.get("kind"):
        model._impl = "nu_svc"
    return model


def _kd_tree_with_inner_last_level():
    from sklearn.neighbors import KNeighborsRegressor

    rng = np.random.RandomState(0)
    data = np.vstack([rng.rand(100, 2), 1000 + rng.rand(100, 2)])
    model = KNeighborsRegressor(algorithm="kd_tree", leaf_size=5).fit(data, data.sum(1))
    state = list(model._tree.__getstate__())
    nodes = state[2].copy()
    nodes["is_leaf"][len(nodes) - 1] = 0
    state[2] = nodes
    model._tree.__setstate__(tuple(state))
    return model


@pytest.mark.parametrize("make, says", [
    (lambda: _tree_with(max_depth=(None, 0)), "Tree: max_depth 0 below the tree's real depth"),
    (lambda: _tree_with(max_depth=(None, _tree_with().tree_.max_depth - 1)),
     "below the tree's real depth"),  # one short is as much a write past decision_path's end
    (_shared_child, "Tree: a node that is not the child of exactly one node"),
    (lambda: _svc(counts=True), "SVC: a support count below zero or above"),
    (lambda: _svc(kind=True), "SVC: a libsvm kind ('nu_svc') other than 'c_svc'"),
    (_kd_tree_with_inner_last_level, "KDTree: a node with children past the tree's last"),
])
def test_stored_counts_compiled_code_trusts_are_refused(git_project, capsys, make, says):
    (git_project / "model.pkl").write_bytes(pickle.dumps(make()))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert says in found[0]["message"], found


def test_the_same_models_untouched_pass(git_project, capsys):
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.neighbors import BallTree, KernelDensity, KNeighborsClassifier
    from sklearn.svm import SVR, NuSVC, OneClassSVM
    from sklearn.tree import DecisionTreeRegressor

    y = (X[:, 0] > 0.5).astype(int)
    models = [_tree_with(), _svc(), NuSVC().fit(X, y), SVR().fit(X, X[:, 0]),
              OneClassSVM().fit(X), DecisionTreeRegressor(ccp_alpha=0.01).fit(X, X[:, 0]),
              RandomForestRegressor(n_estimators=5, max_depth=3).fit(X, X[:, 0]),
              KNeighborsClassifier(algorithm="kd_tree", leaf_size=2).fit(X, y),
              KernelDensity(algorithm="ball_tree").fit(X), BallTree(X, leaf_size=1)]
    (git_project / "models.pkl").write_bytes(pickle.dumps(models))
    assert artifact_json(capsys, "--only-artifacts", "models.pkl") == (0, [])


def test_ordinary_models_of_the_round_24_sweep_pass(git_project, capsys):
    """False alarms of a sweep of 1,030 ordinary artifacts: a multiclass Gaussian process
    classifier (its one-vs-rest is built around private parts, never fitted itself), and
    dummy estimators as scikit-learn 1.3 and 1.4 write them, alone or as a gradient
    boosting's `init_` (no `n_features_in_`: they read only the number of rows)."""
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.gaussian_process import GaussianProcessClassifier

    three = np.arange(30) % 3
    boosting = GradientBoostingRegressor(n_estimators=5).fit(X, X[:, 0])
    del boosting.init_.n_features_in_  # as scikit-learn 1.3 and 1.4 leave it
    dummy = DummyClassifier().fit(X, three)
    del dummy.n_features_in_
    models = [GaussianProcessClassifier().fit(X, three), boosting, dummy]
    (git_project / "models.pkl").write_bytes(pickle.dumps(models))
    assert artifact_json(capsys, "--only-artifacts", "models.pkl") == (0, [])


def test_a_gradient_boosting_with_categories_from_dtype_passes_as_skops(git_project, capsys):
    """HistGradientBoosting keeps `partial(check_array, ...)` for categorical columns; the
    pickle scanner accepted it and the skops one refused every PartialNode."""
    pd = pytest.importorskip("pandas")
    sio = pytest.importorskip("skops.io")
    from sklearn.ensemble import HistGradientBoostingClassifier

    frame = pd.DataFrame({"x": X[:, 0], "c": pd.Categorical(["a", "b", "c"] * 10)})
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=3)
    sio.dump(model.fit(frame, np.arange(30) % 2), git_project / "model.skops")
    assert artifact_json(capsys, "--only-artifacts", "model.skops") == (0, [])


@pytest.mark.parametrize("change", ["positional", "other function", "namespace", "keyword"])
def test_a_skops_partial_other_than_scikit_learns_is_refused(git_project, capsys, change):
    import json
    import zipfile

    pd = pytest.importorskip("pandas")
    sio = pytest.importorskip("skops.io")
    from sklearn.ensemble import HistGradientBoostingClassifier

    frame = pd.DataFrame({"x": X[:, 0], "c": pd.Categorical(["a", "b", "c"] * 10)})
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=3)
    sio.dump(model.fit(frame, np.arange(30) % 2), git_project / "sound.skops")
    with zipfile.ZipFile(git_project / "sound.skops") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("__loader__") == "PartialNode":
                content = node["content"]
                if change == "positional":
                    content["args"]["content"] = [{"__class__": "str", "__module__": "builtins",
                                                   "__loader__": "JsonNode", "content": "1",
                                                   "is_json": True, "__id__": 1}]
                elif change == "other function":
                    content["func"].update(__module__="numpy", __class__="mean")
                elif change == "namespace":
                    content["namespace"] = {"__class__": "dict", "__module__": "builtins",
                                            "__loader__": "DictNode", "content": {},
                                            "__id__": 2}
                else:
                    content["kwds"]["content"]["func"] = content["kwds"]["content"][
                        "ensure_all_finite"]
            stack.extend(node.values())
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(git_project / "model.skops", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    code, found = artifact_json(capsys, "--only-artifacts", "model.skops")
    assert code == 1 and "a skops PartialNode" in found[0]["message"], found


def test_an_old_scikit_learns_version_warning_is_not_said_twice():
    """scikit-learn before 1.3 warns of another version as a UserWarning, which MLG306
    reports already (new-user trial: an MLG310 beside each MLG306); other warnings about
    the artifact still are MLG310."""
    from mlgate.artifacts.gate import _load_findings

    said = ("UserWarning: Trying to unpickle estimator LogisticRegression from version 0.24.2"
            " when using version 1.2.1. This might lead to breaking code or invalid results.")
    other = "UserWarning: this serialized model was generated by an older version of XGBoost"
    result = {"ok": True, "warnings": [{"category": "UserWarning", "message": said},
                                       {"category": "UserWarning", "message": other}]}
    found = _load_findings("model.pkl", result, sys.executable, {}, None)
    assert [(f.code, f.message) for f in found] == [("MLG310", f"loading it warned: {other}")]


def test_a_model_without_a_sample_is_told_where_the_sample_goes(git_project, capsys):
    import json

    import joblib
    from sklearn.linear_model import LinearRegression

    from mlgate.cli import main

    joblib.dump(LinearRegression().fit(X, X[:, 0]), git_project / "model.joblib")
    args = ["latency", "--format", "json", "--python", sys.executable, "--no-cache"]
    hints = []
    for config in ("", '[tool.mlgate.models.churn]\nartifact = "model.joblib"\n'):
        (git_project / "pyproject.toml").write_text(config)
        assert main(args) == 0
        hints += [f["hint"] for f in json.loads(capsys.readouterr().out)]
    assert hints == [
        'add sample = "..." (one row of production traffic, a .json or .csv file) under'
        " [tool.mlgate.models.model] in pyproject.toml, or name the file"
        " sample_request.json beside the model",
        'add sample = "..." (one row of production traffic, a .json or .csv file) to'
        " [tool.mlgate.models.churn]"], hints


# Round 25: out-of-bounds reads that a sound smoke run does not show.

def _zero_class_tree(model):
    from sklearn.tree._tree import Tree

    for part in np.asarray(getattr(model, "estimators_", [model]), dtype=object).ravel():
        state = part.tree_.__getstate__()
        tree = Tree(part.tree_.n_features, np.array([0], dtype=np.intp), 1)
        tree.__setstate__({"max_depth": state["max_depth"], "node_count": state["node_count"],
                           "nodes": state["nodes"],
                           "values": np.zeros((state["node_count"], 1, 0))})
        part.tree_ = tree
    return model


def _kd_tree_with_lower_bounds_only():
    from sklearn.neighbors import KNeighborsRegressor

    model = KNeighborsRegressor(algorithm="kd_tree", leaf_size=5).fit(X, X[:, 0])
    state = list(model._tree.__getstate__())
    state[3] = np.ascontiguousarray(state[3][:1])
    model._tree.__setstate__(tuple(state))
    return model


def _birch_with_short_norms():
    from sklearn.cluster import Birch

    model = Birch(n_clusters=None, threshold=0.05).fit(X)
    model._subcluster_norms = model._subcluster_norms[:1]
    return model


@pytest.mark.parametrize("make, says", [
    (lambda: _zero_class_tree(__import__("sklearn.tree", fromlist=["x"])
                              .DecisionTreeRegressor().fit(X, X[:, 0])),
     "Tree: values of another shape than its outputs and classes"),
    (lambda: _zero_class_tree(__import__("sklearn.ensemble", fromlist=["x"])
                              .GradientBoostingRegressor(n_estimators=2).fit(X, X[:, 0])),
     "GradientBoostingRegressor: a tree with other than one value per node"),
    (_kd_tree_with_lower_bounds_only, "KDTree: node bounds of another shape than its nodes"),
    (_birch_with_short_norms, "Birch: _subcluster_norms of another length than its"),
])
def test_round_25_reads_past_stored_arrays_are_refused(git_project, capsys, make, says):
    (git_project / "model.pkl").write_bytes(pickle.dumps(make()))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert says in found[0]["message"], found


def test_round_25_models_untouched_pass(git_project, capsys):
    from sklearn.cluster import Birch
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.tree import DecisionTreeClassifier

    three = np.arange(30) % 3
    multi = np.c_[X[:, 0], X[:, 1]]
    models = [Birch(n_clusters=None, threshold=0.05).fit(X), Birch(n_clusters=3).fit(X),
              GradientBoostingClassifier(n_estimators=3).fit(X, three),
              GradientBoostingClassifier(n_estimators=3).fit(X, three % 2),
              DecisionTreeClassifier().fit(X, np.c_[three, three % 2]),
              __import__("sklearn.tree", fromlist=["x"]).DecisionTreeRegressor().fit(X, multi),
              KNeighborsRegressor(algorithm="kd_tree", leaf_size=2).fit(X, X[:, 0]),
              HistGradientBoostingRegressor(max_iter=3).fit(X, X[:, 0])]
    (git_project / "models.pkl").write_bytes(pickle.dumps(models))
    assert artifact_json(capsys, "--only-artifacts", "models.pkl") == (0, [])


# Round 26: what compiled code reads past, hidden from the checks' view of the object.

def _sparse_series_with_a_negative_block():
    pd = pytest.importorskip("pandas")
    from pandas._libs.sparse import BlockIndex

    big = 100_000
    array = pd.arrays.SparseArray(np.array([1.0, 2.0, 3.0] + [0.0] * 7), kind="block",
                                  fill_value=0.0)
    array._sparse_index = BlockIndex(2 * big, np.array([0, big], np.int32),
                                     np.array([big, 3 - big], np.int32))  # 3 points in all
    array._sparse_values = np.array([1.0, 2.0, 3.0])
    return {"defaults": pd.Series(array, name="x")}


def test_a_sparse_block_index_that_adds_up_but_overlaps_is_refused(git_project, capsys):
    (git_project / "model.pkl").write_bytes(pickle.dumps(_sparse_series_with_a_negative_block()))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and "SparseArray: blocks of its index out of order" in found[0]["message"]


def test_ordinary_sparse_arrays_pass(git_project, capsys):
    pd = pytest.importorskip("pandas")
    values = np.array([0.0, 1.0, 0.0, 0.0, 2.0, 3.0, 0.0, 0.0, 0.0, 4.0])
    bundle = {kind: pd.Series(pd.arrays.SparseArray(values, kind=kind, fill_value=0.0))
              for kind in ("block", "integer")}
    bundle["empty"] = pd.arrays.SparseArray(np.zeros(5), fill_value=0.0)
    bundle["nan"] = pd.arrays.SparseArray([np.nan, 1.0, np.nan])
    (git_project / "bundle.pkl").write_bytes(pickle.dumps(bundle))
    assert artifact_json(capsys, "--only-artifacts", "bundle.pkl") == (0, [])


def _linear_lightgbm(lgb, text_change=None):
    rng = np.random.default_rng(0)
    data = rng.uniform(0, 10, (400, 2))
    target = np.where(data[:, 0] > 5, 3 * data[:, 1], -data[:, 1])
    model = lgb.LGBMRegressor(linear_tree=True, n_estimators=2, num_leaves=2,
                              min_child_samples=5, verbose=-1).fit(data, target)
    if text_change is None:
        return pickle.dumps(model)
    text = text_change(model.booster_.model_to_string())
    model._Booster = lgb.Booster(model_str=text)
    written = lgb.Booster.model_to_string
    lgb.Booster.model_to_string = lambda self, *a, **k: text  # pickled as it was read
    try:
        return pickle.dumps(model)
    finally:
        lgb.Booster.model_to_string = written


def test_a_lightgbm_model_is_checked_in_the_text_it_was_loaded_from(git_project, capsys):
    """A linear leaf's features without coefficients vanish from the text LightGBM writes
    back, which was all the check read: predict read feature 100,000,000 of a row."""
    lgb = pytest.importorskip("lightgbm")

    def hidden_feature(text):
        lines = [line for line in text.split("\n") if not line.startswith(
            ("tree_sizes=", "leaf_coeff="))]
        return "\n".join(lines).replace("num_features=0 0", "num_features=0 1", 1).replace(
            "leaf_features=  ", "leaf_features= 100000000 ", 1)

    (git_project / "sound.pkl").write_bytes(_linear_lightgbm(lgb))
    (git_project / "model.pkl").write_bytes(_linear_lightgbm(lgb, hidden_feature))
    assert artifact_json(capsys, "--only-artifacts", "sound.pkl") == (0, [])
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and ("linear leaves whose features, coefficients and constants do not"
                          " match") in found[0]["message"], found


def test_a_pytorch_archive_is_named_as_one(git_project, capsys):
    """A torch.save file named scaler.joblib was "a zip archive, not an .npz ... (.keras,
    ...)" (new-user trial): it is named, and the hint says what loading it runs."""
    import zipfile

    with zipfile.ZipFile(git_project / "scaler.joblib", "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"w": 1}, protocol=2))
        archive.writestr("archive/version", "3\n")
    code, found = artifact_json(capsys, "scaler.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG304"], found
    assert found[0]["message"].startswith("a PyTorch (torch.save) archive"), found
    assert "weights_only=True" in found[0]["hint"]


def test_the_smoke_run_skips_only_what_a_library_method_already_ran(monkeypatch):
    """A forest's predict() is the argmax of its predict_proba() over every tree: once it
    returned, predict_proba() would run the same compiled code again (0.1 s on a 300-tree
    forest, the cold check's margin). A subclass that defines its own predict_proba, or a
    predict that did not return, leaves nothing skipped."""
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

    from mlgate.probe_script import load

    class Own(RandomForestClassifier):
        def predict_proba(self, X):
            return super().predict_proba(X)

    X, y = np.random.RandomState(0).rand(20, 3), [0, 1] * 10
    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
    own = Own(n_estimators=2, random_state=0).fit(X, y)
    boosted = GradientBoostingClassifier(n_estimators=2).fit(X, y)
    calls: list[tuple[str, str]] = []
    answers = {"predict": True}

    def smoke_method(model, method, width, seconds):
        calls.append((type(model).__name__, method.__name__))
        return answers.get(method.__name__, True)

    monkeypatch.setattr(load, "_smoke_method", smoke_method)
    monkeypatch.setattr(load, "_SMOKED", [forest, own, boosted])
    load._smoke(None)
    assert calls == [("RandomForestClassifier", "predict"), ("Own", "predict"),
                     ("Own", "predict_proba"), ("GradientBoostingClassifier", "predict"),
                     ("GradientBoostingClassifier", "predict_proba")], calls
    calls.clear()
    answers["predict"] = False  # a predict that raised ran nothing to vouch for
    monkeypatch.setattr(load, "_SMOKED", [forest, boosted])
    load._smoke(None)
    assert calls == [("RandomForestClassifier", "predict"),
                     ("RandomForestClassifier", "predict_proba"),
                     ("GradientBoostingClassifier", "predict"),
                     ("GradientBoostingClassifier", "predict_proba"),
                     ("GradientBoostingClassifier", "decision_function")], calls


EDGES = """
import os

import numpy as np
from sklearn.base import BaseEstimator


class Edgy(BaseEstimator):
    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        if {CONDITION}:
            os.abort()  # what compiled code that trusts a stored index does off its path
        return np.zeros(len(X))
"""


@pytest.mark.parametrize("condition", ["np.isnan(X).any()", "(np.abs(X) > 1e6).any()"])
def test_the_smoke_run_leaves_the_ordinary_paths(git_project, capsys, monkeypatch, condition):
    """Zeros and values in [0, 1) take few of a model's paths: a crash on missing values or
    on values far out of range (a split's NaN branch, an out-of-range bin) would pass and
    crash the user's service on its first odd request. Each is run in the sandbox; a model
    that refuses them (an exception) is no finding, as the sound version shows."""
    import joblib

    (git_project / "edgy.py").write_text(EDGES.replace("{CONDITION}", condition))
    monkeypatch.syspath_prepend(str(git_project))
    import edgy

    joblib.dump(edgy.Edgy().fit(np.zeros((2, 3))), git_project / "model.joblib")
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["edgy"]\n')
    subprocess.run(["git", "add", "-A"], check=True)
    code, found = artifact_json(capsys, "--only-artifacts", "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    # refusing the odd rows is what a sound model may do: no finding
    (git_project / "edgy.py").write_text(EDGES.replace("{CONDITION}", condition).replace(
        "os.abort()", "raise ValueError('no')"))
    code, found = artifact_json(capsys, "--only-artifacts", "model.joblib")
    assert (code, found) == (0, []), found
    del sys.modules["edgy"]


def test_a_stored_parallelism_that_would_flood_the_server_is_refused(git_project, capsys):
    """Round 27: how many workers a prediction starts is read from the pickle. A forest
    saved with n_jobs=20000 started 20,000 threads per predict, a bagging ensemble one
    process per job (memory exhausted), a k-means' _n_threads of a million a thread per 256
    rows; the smoke rows are too few to show it. Ordinary settings pass."""
    import joblib
    from sklearn.cluster import KMeans
    from sklearn.ensemble import BaggingClassifier, RandomForestClassifier

    X, y = np.random.RandomState(0).rand(40, 3), [0, 1] * 20
    cases = {
        "forest": (RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y),
                   "n_jobs", 20000, "n_jobs=20000 would start 20000 workers"),
        "bagging": (BaggingClassifier(n_estimators=3, random_state=0).fit(X, y),
                    "n_jobs", 256, "n_jobs=256 would start 256 workers"),
        "kmeans": (KMeans(2, n_init=1, random_state=0).fit(X), "_n_threads", 10**6,
                   "_n_threads=1000000"),
    }
    for name, (model, attribute, value, _) in cases.items():
        joblib.dump(model, git_project / f"{name}_ok.joblib")
        if attribute == "n_jobs":  # what a model may carry: all the server's CPUs, or a few
            model.n_jobs = -1
            joblib.dump(model, git_project / f"{name}_all.joblib")
            model.n_jobs = 8
            joblib.dump(model, git_project / f"{name}_eight.joblib")
        setattr(model, attribute, value)
        joblib.dump(model, git_project / f"{name}_bad.joblib")
    subprocess.run(["git", "add", "-A"], check=True)
    for name, (_, _, _, words) in cases.items():
        code, found = artifact_json(capsys, "--only-artifacts", f"{name}_bad.joblib")
        assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
        assert words in found[0]["message"], found
        # a serving cost, not a damaged file (red team round 34: "inconsistent")
        assert "inconsistent" not in found[0]["message"], found
    ordinary = sorted(p.name for p in git_project.glob("*.joblib") if "_bad" not in p.name)
    code, found = artifact_json(capsys, "--only-artifacts", *ordinary)
    assert (code, found) == (0, []), found


def _zip_bytes() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", '{"__class__": "system", "__module__": "os"}')
    return buffer.getvalue()


def _pickle_around(archive: bytes) -> bytes:
    """A valid pickle of the archive's bytes whose last bytes (MEMOIZE, STOP) are the zip's
    comment: zipfile finds the archive from the end, the unpickler reads a bytes value from
    the start."""
    import pickle

    stream = pickle.dumps(archive, protocol=4)
    tail = len(stream) - stream.rindex(archive) - len(archive)
    end = stream.rindex(b"PK\x05\x06")
    patched = bytearray(stream)
    patched[end + 20:end + 22] = tail.to_bytes(2, "little")  # comment = the pickle's tail
    return bytes(patched)


@pytest.mark.parametrize("make", ["pickle", "lfs"])
def test_a_file_that_is_also_a_zip_to_zipfile_is_refused(git_project, capsys, make):
    """Round 27b: a .skops file that starts as a pickle (or a Git LFS pointer's first line)
    was scanned as that, while skops.io.load, which finds a zip from its end, read the zip
    behind it and ran os.system. One file, two formats: refused."""
    import io
    import pickle
    import zipfile

    archive = _zip_bytes()
    if make == "pickle":
        data = _pickle_around(archive)
        assert pickle.loads(data) is not None  # (a real pickle)
    else:
        data = (b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"ab" * 32
                + b"\nsize 12\n" + archive)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["schema.json"]  # (a real zip)
    (git_project / "model.skops").write_bytes(data)
    subprocess.run(["git", "add", "-A"], check=True)
    code, found = artifact_json(capsys, "--only-artifacts", "model.skops")
    assert code == 1 and [(f["code"], f["severity"]) for f in found] == [
        ("MLG305", "error")], found
    assert "a zip archive's directory at its end" in found[0]["message"]
    # a pointer and nothing more is still a pointer (a warning: `git lfs pull` first)
    # (and array bytes that merely hold the end record's signature are no archive)
    (git_project / "model.skops").write_bytes(data[:data.index(b"PK")] if make == "lfs"
                                              else pickle.dumps(b"PK\x05\x06", protocol=4))
    code, found = artifact_json(capsys, "--only-artifacts", "model.skops")
    assert code == 0 and all(f["severity"] == "warning" for f in found), found


def test_a_skops_schema_that_expands_past_the_cap_is_never_read_whole():
    """Round 27b: schema.json was read and parsed before the size cap applied, so a 934-byte
    archive (bzip2 of 1 GiB of blanks) took 2 GB and 18 s of mlgate's own process. It is
    refused from its declared size, and a member is never read past what it declares."""
    import io
    import tracemalloc
    import zipfile

    from mlgate.artifacts.allowlist import AllowList
    from mlgate.artifacts.formats import static

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("schema.json", " " * (32 << 20) + "{}")
    data = buffer.getvalue()
    assert len(data) < 4096
    tracemalloc.start()
    try:
        found, _ = static("model.skops", data, AllowList(set()), False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [f.code for f in found][:1] == ["MLG305"], found
    assert "expands beyond the size cap" in found[0].message
    assert peak < 8 << 20, peak  # (it read all 32 MiB, then parsed it)


def test_the_compiled_depth_count_agrees_with_a_walk_by_levels():
    """The probe asks scikit-learn's compiled `compute_node_depths` (1.3 and later) for a
    verified tree's depth, and walks level by level where it is absent: both give the depth."""
    from sklearn.ensemble import RandomForestRegressor

    from mlgate.probe_script.verify import _real_depth

    rng = np.random.RandomState(1)
    forest = RandomForestRegressor(n_estimators=8, random_state=0).fit(rng.rand(400, 4),
                                                                      rng.rand(400))

    class NoCount:  # a scikit-learn before 1.3
        pass

    for estimator in forest.estimators_:
        tree = estimator.tree_
        nodes = tree.__getstate__()["nodes"]
        left, right = nodes["left_child"], nodes["right_child"]
        args = (left, right, left == -1, tree.node_count)
        assert _real_depth(np, tree, *args) == _real_depth(np, NoCount(), *args) == (
            tree.max_depth)


def test_the_smoke_rows_go_in_one_call_unless_the_model_refuses_one(monkeypatch):
    """Every smoke row (zeros, ordinary, far out of range, NaN) first goes in one call: a
    forest pays its per-call cost over all its trees once, not four times. A model that
    refuses one of the rows (NaN) is then run set by set, so the others still run; one whose
    ordinary rows raise runs no edge rows (nothing returned to vouch for)."""
    from mlgate.probe_script import load

    seen: list[int] = []

    class Model:
        refuse_nan = True
        refuse_all = False

        def predict(self, rows):
            seen.append(len(rows))
            if self.refuse_all or (self.refuse_nan and np.isnan(rows).any()):
                raise ValueError("no")

    rows = load._table_rows(3)
    model = Model()
    model.refuse_nan = False
    assert load._smoke_method(model, model.predict, rows, 5) is True
    assert seen == [9]  # 1 zeros + 3 ordinary + 4 edges + 1 NaN, together
    seen.clear()
    model.refuse_nan = True
    assert load._smoke_method(model, model.predict, rows, 5) is True
    assert seen == [9, 1, 3, 4, 1]  # refused together: set by set, the NaN one refused
    seen.clear()
    model.refuse_all = True
    assert load._smoke_method(model, model.predict, rows, 5) is False
    assert seen == [9, 1, 3]
