"""Review round 14 (2026-12-04): compiled structures the probe's walk must reach and check.

The walk that checks each compiled structure (trees, predictors, neighbour trees, pandas
blocks) used to re-pickle the loaded object and give up silently on the first error: a list
nested 3000 deep ahead of a broken tree ended it with a RecursionError, and the tree reached
predict(). The walk is a loop now, and goes on past what it cannot reduce. Two structures
were not checked in full: a histogram-gradient-boosting split on a negative feature index,
and a neighbour tree's Mahalanobis matrix of another size than its data. Each file here is
one a loader would crash on at predict time; each test fails on the previous code.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.neighbors import BallTree
from sklearn.tree import DecisionTreeClassifier

from helpers import artifact_json

X = np.random.RandomState(0).rand(60, 3)
Y = (X[:, 0] > 0.5).astype(int)


def _deep(depth: int) -> list:
    nested: list = []
    for _ in range(depth):
        nested = [nested]
    return nested


def _dump(path, value) -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        path.write_bytes(pickle.dumps(value, protocol=5))
    finally:
        sys.setrecursionlimit(limit)


def _broken_tree() -> DecisionTreeClassifier:
    clf = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, Y)
    state = clf.tree_.__getstate__()
    state["nodes"]["left_child"][0] = 10**8
    clf.tree_.__setstate__(state)
    return clf


def _checked(git_project, capsys, name: str, value) -> tuple[int, list[dict]]:
    _dump(git_project / name, value)
    return artifact_json(capsys, "--only-artifacts", name)


@pytest.mark.parametrize("depth", [0, 3000])
def test_a_broken_tree_behind_deep_nesting_is_still_checked(git_project, capsys, depth):
    code, found = _checked(git_project, capsys, "model.pkl", [_deep(depth), _broken_tree()])
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "child index is outside the tree" in found[0]["message"]


def test_deep_nesting_beside_a_sound_model_passes(git_project, capsys):
    clf = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, Y)
    assert _checked(git_project, capsys, "model.pkl", [_deep(3000), clf]) == (0, [])


def test_a_boosting_split_on_a_negative_feature_is_refused(git_project, capsys):
    model = HistGradientBoostingClassifier(max_iter=2).fit(X, Y)
    code, found = _checked(git_project, capsys, "sound.pkl", model)
    assert (code, found) == (0, [])
    model._predictors[0][0].nodes["feature_idx"][0] = -10**7
    code, found = _checked(git_project, capsys, "model.pkl", model)
    assert code == 1 and "a split on a feature the model does not have" in found[0]["message"]


def test_a_neighbour_tree_metric_of_another_size_is_refused(git_project, capsys):
    tree = BallTree(X, metric="mahalanobis", V=np.cov(X.T))
    assert _checked(git_project, capsys, "sound.pkl", tree) == (0, [])
    state = list(tree.__getstate__())
    make, args, metric_state = state[11].__reduce__()
    metric = make(*args)
    metric.__setstate__((metric_state[0], metric_state[1], np.eye(1)))
    state[11] = metric
    broken = BallTree.__new__(BallTree)
    broken.__setstate__(tuple(state))
    code, found = _checked(git_project, capsys, "model.pkl", broken)
    assert code == 1 and "BallTree" in found[0]["message"], found


# --- false alarms of the round: what scikit-learn itself writes --------------------------

def _category_frame_model():
    import pandas as pd

    frame = pd.DataFrame({"x": np.arange(60.0),
                          "c": pd.Categorical(np.array(["a", "b"])[np.arange(60) % 2])})
    return HistGradientBoostingClassifier(max_iter=2).fit(frame, np.arange(60) % 3 == 0)


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_boosting_on_a_category_column_passes(git_project, capsys, protocol):
    # scikit-learn keeps functools.partial(check_array, dtype=[float64], ...) for it
    import functools

    model = _category_frame_model()
    held = [step[1].func for step in model._preprocessor.transformers_ if hasattr(
        step[1], "func")]
    assert held and all(isinstance(f, functools.partial) for f in held)  # the case at hand
    (git_project / "model.pkl").write_bytes(pickle.dumps(model, protocol=protocol))
    assert artifact_json(capsys, "--only-artifacts", "model.pkl") == (0, [])


def _partial_case(name: str) -> bytes:
    import functools

    from sklearn.utils.validation import check_array

    if name == "of another callable":
        return pickle.dumps(functools.partial(list), protocol=2)
    if name == "with arguments":
        return pickle.dumps(functools.partial(check_array, "x"), protocol=2)
    if name == "with an estimator":
        return pickle.dumps(functools.partial(check_array, estimator=[1, 2]), protocol=2)
    if name == "with attributes":
        held = functools.partial(check_array, dtype="float64")
        held.note = "x"
        return pickle.dumps(held, protocol=2)
    if name == "check_array called":
        return (b"csklearn.utils.validation\ncheck_array\n(]tR.")
    raise AssertionError(name)


@pytest.mark.parametrize("case", ["of another callable", "with arguments", "with an estimator",
                                  "with attributes", "check_array called"])
def test_a_partial_otherwise_than_scikit_learn_writes_it_is_refused(git_project, capsys, case):
    (git_project / "model.pkl").write_bytes(_partial_case(case))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and found[0]["code"] in ("MLG301", "MLG302"), found


def test_an_npz_object_member_is_kept_within_the_cap_of_any_pickle(monkeypatch, tmp_path):
    # An object array's pickle is kept to be scanned: held to the pickle cap, not to the
    # archive's (which counts raw arrays that are never kept; 4.4 MB made 8 GB before).
    import io
    import zipfile

    from mlgate.artifacts import container
    from mlgate.artifacts.numpy_files import scan_npz

    buffer = io.BytesIO()
    np.savez(buffer, a=np.array([{"k": "v" * 200_000}], dtype=object))
    allowed = lambda module, name: True  # noqa: E731 - the cap, not the allow-list, is tested
    assert scan_npz(buffer.getvalue(), allowed).refusals == []
    monkeypatch.setattr(container, "MAX_DECOMPRESSED", 100_000)
    refusals = scan_npz(buffer.getvalue(), allowed).refusals
    assert len(refusals) == 1 and refusals[0].message.startswith(
        "a.npy: an object array's pickle larger than")
    assert zipfile.is_zipfile(io.BytesIO(buffer.getvalue()))


# --- review round 15: invariants of compiled code the walk now checks --------------------

def _tree_wider_than_its_estimator():
    from sklearn.tree import DecisionTreeRegressor
    from sklearn.tree._tree import Tree

    model = DecisionTreeRegressor(max_depth=2, random_state=0).fit(X[:, :2], X[:, 0])
    state = model.tree_.__getstate__()
    nodes = state["nodes"].copy()
    wide = 1 << 40
    nodes["feature"][nodes["left_child"] != -1] = wide - 1  # read X[i, 2**40 - 1]
    state["nodes"] = nodes
    tree = Tree(wide, np.array([1], dtype=np.intp), 1)
    tree.__setstate__(state)
    model.tree_ = tree
    return model


def _boosting_wider_than_its_outputs():
    from sklearn.ensemble import GradientBoostingRegressor

    model = GradientBoostingRegressor(n_estimators=2, max_depth=2, init="zero").fit(
        X[:, :2], X[:, 0])
    trees = np.empty((2, 64), dtype=object)  # predict writes out[i, k] for k < 64, out is 1 wide
    for i in range(2):
        for k in range(64):
            trees[i, k] = model.estimators_[i, 0]
    model.estimators_ = trees
    return model


def _svm_with_more_support_counts_than_classes():
    from sklearn.svm import SVC

    model = SVC().fit(X[:, :2], Y)
    counts = np.zeros(2000, dtype=model._n_support.dtype)
    counts[0] = model._n_support.sum()  # the sum scikit-learn checks still holds
    model._n_support = counts
    return model


@pytest.mark.parametrize("build, words", [
    (_tree_wider_than_its_estimator, "a tree as wide as"),
    (_boosting_wider_than_its_outputs, "estimators_ of another shape than its outputs"),
    (_svm_with_more_support_counts_than_classes, "support counts for another number"),
])
def test_compiled_code_gets_the_shapes_it_trusts(git_project, capsys, build, words):
    code, found = _checked(git_project, capsys, "model.pkl", build())
    assert code == 1 and words in found[0]["message"], found


def test_a_precomputed_kernel_svm_reads_only_inside_its_kernel(git_project, capsys):
    from sklearn.svm import SVC

    model = SVC(kernel="precomputed").fit(X @ X.T, Y)
    support = model.support_.copy()
    support[0] = 200_000_000  # libsvm reads the kernel row at this index
    model.support_ = support
    code, found = _checked(git_project, capsys, "model.pkl", model)
    assert code == 1 and "support indices outside the kernel" in found[0]["message"], found


def test_a_project_subclass_of_an_estimator_is_checked_as_the_estimator(git_project, capsys):
    (git_project / "mymodels.py").write_text(
        "from sklearn.ensemble import HistGradientBoostingRegressor\n\n\n"
        "class MyHGB(HistGradientBoostingRegressor):\n    pass\n")
    subprocess.run(["git", "add", "mymodels.py"], cwd=git_project, check=True)
    sys.path.insert(0, str(git_project))
    try:
        from mymodels import MyHGB

        model = MyHGB(max_iter=2).fit(X, X[:, 0])
        code, found = _checked(git_project, capsys, "sound.pkl", model)
        assert (code, found) == (0, []), found
        for predictors in model._predictors:
            nodes = predictors[0].nodes
            nodes["feature_idx"][nodes["is_leaf"] == 0] = 2_000_000_000
        code, found = _checked(git_project, capsys, "model.pkl", model)
    finally:
        sys.path.remove(str(git_project))
        sys.modules.pop("mymodels", None)
    assert code == 1 and "a split on a feature the model does not have" in found[0]["message"]


def test_ordinary_ensembles_and_svms_pass(git_project, capsys):
    import scipy.sparse
    from sklearn import ensemble, svm

    y3 = np.arange(len(X)) % 3
    models = [
        ensemble.RandomForestClassifier(n_estimators=2).fit(X, y3),
        ensemble.GradientBoostingClassifier(n_estimators=2).fit(X, y3),
        ensemble.GradientBoostingRegressor(n_estimators=3, n_iter_no_change=1).fit(X, X[:, 0]),
        ensemble.BaggingClassifier(n_estimators=2, max_features=2).fit(X, Y),
        svm.SVC().fit(X, y3), svm.SVR().fit(X, X[:, 0]), svm.OneClassSVM().fit(X),
        svm.SVC().fit(scipy.sparse.csr_matrix(X), Y),
        svm.SVC(kernel="precomputed").fit(X @ X.T, y3),
        # a structured array with an object field beside the model (each item is a fresh
        # np.void: the walk goes by fields, and ends)
        {"model": svm.SVR().fit(X, X[:, 0]),
         "meta": np.array([("x", 1.0)], dtype=[("name", object), ("w", "f8")])},
    ]
    code, found = _checked(git_project, capsys, "models.pkl", models)
    assert (code, found) == (0, []), found


def test_a_model_that_crashes_on_one_row_crashes_the_probe_not_the_user(git_project, capsys):
    # What no structure check knows is still contained: after the load, the probe predicts
    # one row of zeros, and a model whose predict() reads out of bounds dies there. (Here a
    # project estimator stands for such corrupt compiled state; an exception is no finding.)
    (git_project / "crashy.py").write_text(
        "import ctypes\n\nimport numpy as np\nfrom sklearn.base import BaseEstimator\n\n\n"
        "class Crashy(BaseEstimator):\n"
        "    def __init__(self, crash=True):\n        self.crash = crash\n\n"
        "    def fit(self, X, y=None):\n        self.n_features_in_ = X.shape[1]\n"
        "        return self\n\n"
        "    def predict(self, X):\n"
        "        if self.crash:\n            ctypes.string_at(0)  # a read at address 0\n"
        "        raise ValueError('wants strings')\n")
    subprocess.run(["git", "add", "crashy.py"], cwd=git_project, check=True)
    sys.path.insert(0, str(git_project))
    try:
        from crashy import Crashy

        calm = _checked(git_project, capsys, "calm.pkl", Crashy(crash=False).fit(X))
        floating = Crashy().fit(X)
        floating.n_features_in_ = float(X.shape[1])  # predict does not mind; nor does this
        held = [Crashy().fit(X), {"models": {"m": Crashy().fit(X)}},
                [None] * 16 + [Crashy().fit(X)], floating]  # at any depth (round 16)
        results = [_checked(git_project, capsys, f"model{i}.pkl", value)
                   for i, value in enumerate(held)]
    finally:
        sys.path.remove(str(git_project))
        sys.modules.pop("crashy", None)
    assert calm == (0, [])
    for code, found in results:
        assert code == 1 and "predicting a few rows" in found[0]["message"], found
