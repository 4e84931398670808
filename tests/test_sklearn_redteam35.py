"""Round 35 of red-teaming crafted scikit-learn models: fitted counts that size what
predict allocates.

`n_trees_per_iteration_ = 10**7` on a HistGradientBoosting classifier (the baseline folded
into the first trees' leaves) and `n_classes_ = 10**7` on a Bagging classifier answered as
before and were READY; served, 50 rows took 8 GB. A fitted count must be the size of what it
counts.
"""

from __future__ import annotations

import subprocess

import joblib
import numpy as np
import pandas as pd
import pytest

from helpers import artifact_json

RNG = np.random.RandomState(0)
X = pd.DataFrame({"a": RNG.normal(size=200), "b": RNG.normal(size=200)})
THREE = np.where(X["a"] > 0.5, "hi", np.where(X["a"] < -0.5, "lo", "mid"))


def _check(git_project, capsys, model):
    joblib.dump(model, git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    return artifact_json(capsys, "model.joblib")


def _bagging():
    from sklearn.ensemble import BaggingClassifier
    from sklearn.tree import DecisionTreeClassifier

    return BaggingClassifier(DecisionTreeClassifier(max_depth=3), n_estimators=3,
                             random_state=0).fit(X, THREE)


def _hgb(target):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=3).fit(X, target)


@pytest.mark.parametrize("make", [
    lambda: _bagging(),
    lambda: _hgb((X["a"] > 0).astype(int)),
    lambda: _hgb(THREE),
], ids=["bagging", "hgb-binary", "hgb-three-classes"])
def test_ordinary_counts_pass(git_project, capsys, make):
    assert _check(git_project, capsys, make()) == (0, [])


def test_a_raised_class_count_is_refused(git_project, capsys):
    model = _bagging()
    model.n_classes_ = 40
    code, found = _check(git_project, capsys, model)
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "n_classes_" in found[0]["message"], found


def test_a_raised_tree_count_is_refused(git_project, capsys):
    model = _hgb((X["a"] > 0).astype(int))
    model.n_trees_per_iteration_ = 40
    code, found = _check(git_project, capsys, model)
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "n_trees_per_iteration_" in found[0]["message"], found


def _refused(git_project, capsys, model, words: str):
    code, found = _check(git_project, capsys, model)
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert words in found[0]["message"], found


def test_a_function_transformer_calls_functions_not_objects(git_project, capsys):
    """F5: `FunctionTransformer(func=RBF())` (a kernel object is callable: an n x n matrix
    per request) was READY; so was a fitted callback as a TransformedTargetRegressor's
    inverse_func, which rewrote the model on every request."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.dummy import DummyRegressor
    from sklearn.gaussian_process.kernels import RBF
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    ordinary = make_pipeline(FunctionTransformer(np.log1p), DummyRegressor()).fit(
        X.abs(), X["a"])
    assert _check(git_project, capsys, ordinary) == (0, [])
    kernel = make_pipeline(FunctionTransformer(RBF()), DummyRegressor()).fit(X, X["a"])
    _refused(git_project, capsys, kernel, "func")
    target = TransformedTargetRegressor(DummyRegressor(), func=np.log1p,
                                        inverse_func=np.expm1).fit(X, X["a"].abs())
    target.inverse_func = RBF()
    _refused(git_project, capsys, target, "inverse_func")


def test_widths_that_size_each_row_are_bounded(git_project, capsys):
    """F3, F4, F2: a PolynomialCountSketch 2,000,000 wide (100 MB a row), a
    PolynomialFeatures of a hashed text (T**3 / 6 entries for T words), an
    AdditiveChi2Sampler of 10**9 steps."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.kernel_approximation import AdditiveChi2Sampler, PolynomialCountSketch
    from sklearn.preprocessing import PolynomialFeatures

    sketch = PolynomialCountSketch(n_components=1 << 18).fit(X)
    _refused(git_project, capsys, sketch, "n_components")
    words = HashingVectorizer(n_features=2 ** 20).transform(["a b c", "d e"])
    _refused(git_project, capsys, PolynomialFeatures(degree=3, interaction_only=True).fit(words),
             "n_output_features_")
    _refused(git_project, capsys, AdditiveChi2Sampler(sample_steps=10 ** 9, sample_interval=0.5)
             .fit(X.abs()), "sample_steps")
    assert _check(git_project, capsys, PolynomialFeatures(degree=2).fit(X)) == (0, [])


def test_a_cluster_tree_node_has_one_parent(git_project, capsys):
    """F9: a BisectingKMeans whose tree shares one child in both slots, 18 levels deep
    (3 KB): a one-row predict walked 2**18 nodes, 31 s, and the audit ran 381 s."""
    from sklearn.cluster import BisectingKMeans

    model = BisectingKMeans(n_clusters=3, random_state=0).fit(X)
    assert _check(git_project, capsys, model) == (0, [])
    root = model._bisecting_tree
    root.right = root.left
    _refused(git_project, capsys, model, "cluster tree")


def test_a_support_vector_machine_with_a_callable_kernel_passes(git_project, capsys):
    """F6: a callable kernel keeps no support vectors, as 'precomputed' does: an honest
    SVC(kernel=RBF()) was refused as inconsistent."""
    from sklearn.gaussian_process.kernels import RBF
    from sklearn.svm import SVC

    model = SVC(kernel=RBF()).fit(X, (X["a"] > 0).astype(int))
    assert _check(git_project, capsys, model) == (0, [])


def test_a_chain_order_is_a_permutation(git_project, capsys):
    """F8: ClassifierChain with order_ = [1, 1] left a column of np.empty_like unwritten."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multioutput import ClassifierChain

    Y = np.column_stack([(X["a"] > 0), (X["b"] > 0)]).astype(int)
    model = ClassifierChain(LogisticRegression(), order=[1, 0]).fit(X, Y)
    assert _check(git_project, capsys, model) == (0, [])
    model.order_ = np.array([1, 1])
    _refused(git_project, capsys, model, "order_")


def test_class_labels_are_what_an_answer_can_carry(git_project, capsys):
    """F1: a 5,000-digit int in classes_ was READY; every answer of that class failed to
    serialise (ValueError: exceeds the limit of 4300 digits): an HTTP 500 per request."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(X, (X["a"] > 0).astype(int))
    model.classes_ = np.array([0, 10 ** 5000], dtype=object)
    _refused(git_project, capsys, model, "classes_")


@pytest.mark.parametrize("module", ["sklearn.neighbors._dist_metrics",
                                    "sklearn.neighbors.dist_metrics",
                                    "sklearn.neighbors.kd_tree"])
def test_old_neighbour_modules_are_scikit_learns(module):
    """New-user round 35 (r2b F1): a KNeighborsClassifier pickled by scikit-learn 0.23 names
    `sklearn.neighbors._dist_metrics.EuclideanDistance`, rebuilt by that module's `newObj`:
    the load refused the class (MLG301), then the function, which no snippet could offer.
    0.21 to 0.24 kept the metrics (and 0.21 the trees) there: the load accepts their
    classes where the project's scikit-learn defines them, and the scan their `newObj`.
    (Checked end to end with scikit-learn 0.23.2 on Python 3.8: READY.)"""
    import types

    from mlgate.artifacts.allowlist import BASE
    from mlgate.probe_script.sklearn_pairs import _estimator_module

    assert _estimator_module(types.ModuleType(module), module)
    assert (module, "newObj") in BASE
