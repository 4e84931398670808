"""Review round 17 and the false alarms left from round 16: ordinary scikit-learn parts that
mlgate refused, and the states their compiled code trusts.

SplineTransformer keeps one scipy `BSpline` per feature, and (scipy 1.15+) the array
namespace's `asarray` inside it, as a value: both were refused (MLG301), so an ordinary
pipeline needed an allow-list entry. They pass in exactly the form scipy writes; a spline
whose knots, coefficients and degree disagree (its compiled evaluation reads out of bounds)
is refused in the probe, as its constructor would refuse it.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer

from helpers import artifact_json, g, u

X = np.random.RandomState(0).rand(60, 3)


def _spline_pipeline():
    return make_pipeline(SplineTransformer(n_knots=4), Ridge()).fit(X, X.sum(axis=1))


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_a_spline_pipeline_passes(git_project, capsys, protocol):
    (git_project / "model.pkl").write_bytes(pickle.dumps(_spline_pipeline(), protocol))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert (code, found) == (0, []), found


def test_a_spline_whose_parts_disagree_is_refused(git_project, capsys):
    model = _spline_pipeline()
    spline = model[0].bsplines_[0]
    key = "_c" if "_c" in vars(spline) else "c"
    vars(spline)[key] = vars(spline)[key][:2].copy()  # fewer coefficients than its knots need
    (git_project / "model.pkl").write_bytes(pickle.dumps(model, 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and "BSpline" in found[0]["message"], found
    assert "inconsistent" in found[0]["message"], found


_SPLINE = g("scipy.interpolate._bsplines", "BSpline")
_ASARRAY = g("scipy._lib.array_api_compat.numpy._aliases", "asarray")


def _spline_stream(state: bytes) -> bytes:
    return b"\x80\x02" + _SPLINE + b")\x81" + state + b"b."


@pytest.mark.parametrize(("stream", "words"), [
    (_spline_stream(b"}(" + u("_state") + b"K\x01u"), "attributes scipy does not write"),
    (_spline_stream(b"}(" + u("k") + u("3") + b"u"), "k is not an integer"),
    (_spline_stream(b"}(" + u("_asarray") + g("numpy", "ndarray") + b"u"),
     "_asarray is not scipy's"),
    (_spline_stream(b"]"), "other than its attribute dict"),
    (b"\x80\x02" + _ASARRAY + u("x") + b"\x85R.", "never calls it"),
    (b"\x80\x02" + _SPLINE + u("x") + b"\x85R.", "made by REDUCE"),
])
def test_other_forms_of_a_spline_are_refused(git_project, capsys, stream, words):
    (git_project / "model.pkl").write_bytes(stream)
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and words in " ".join(f["message"] for f in found), found


SPINS = """
import numpy as np
from sklearn.base import BaseEstimator


class Spins(BaseEstimator):
    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.array(["a", "b", "c"], dtype=object)
        return self

    def predict(self, X):
        while True:
            pass
"""


@pytest.mark.e2e  # waits out a 20 s load-timeout (room for a loaded machine to load)
def test_the_one_row_smoke_predict_keeps_to_the_load_timeout_and_says_so(git_project, capsys,
                                                                         monkeypatch):
    import json
    import sys

    import joblib

    from mlgate.cli import main

    (git_project / "spins.py").write_text(SPINS)
    monkeypatch.syspath_prepend(str(git_project))
    import spins

    joblib.dump(spins.Spins().fit(X), git_project / "model.joblib")
    (git_project / "sample.json").write_text(json.dumps({"a": 0.1, "b": 0.2, "c": 0.3}))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["spins"]\nload-timeout = 20\n')
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "model.joblib", "--sample", "sample.json"])
    found = json.loads(capsys.readouterr().out)
    # (the schema check cannot exercise a model that fails the artifact check: it says why)
    assert code == 1 and [f["code"] for f in found] == ["MLG400"], found
    assert ("calling predict() on a few rows (zeros, ordinary values, then values off the"
            " ordinary paths) with its Spins,"
            " right after loading it, did not finish within the 20 s load-timeout") in (
        found[0]["message"])
    del sys.modules["spins"]


def test_k_means_models_pass_and_narrow_centres_are_refused(git_project, capsys):
    from sklearn.cluster import BisectingKMeans, KMeans, MiniBatchKMeans

    wide = np.random.RandomState(0).randn(60, 30)
    kmeans = KMeans(3, n_init=1, random_state=0).fit(wide)
    # BisectingKMeans keeps its k-means step function as an attribute (a value, not a call)
    models = [kmeans, MiniBatchKMeans(3, n_init=1, random_state=0).fit(wide),
              BisectingKMeans(3, random_state=0).fit(wide),
              BisectingKMeans(3, algorithm="elkan", random_state=0).fit(wide)]
    (git_project / "models.pkl").write_bytes(pickle.dumps(models, 5))
    code, found = artifact_json(capsys, "--only-artifacts", "models.pkl")
    assert (code, found) == (0, []), found
    # centres narrower than the input predict() lets through: read out of bounds
    kmeans.cluster_centers_ = np.ascontiguousarray(kmeans.cluster_centers_[:, :1])
    (git_project / "model.pkl").write_bytes(pickle.dumps(kmeans, 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and "cluster centres 1 wide for 30 features" in found[0]["message"]


def test_a_kept_function_is_never_called(git_project, capsys):
    stream = b"\x80\x02" + g("sklearn.cluster._kmeans", "_kmeans_single_lloyd") + b")R."
    (git_project / "model.pkl").write_bytes(stream)
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and "never calls it" in found[0]["message"], found


def _every_fitted_estimator() -> dict:
    """Each estimator scikit-learn lists, as its own tests build it, fitted on tiny data
    (those that cannot fit on four numeric columns are left out)."""
    import warnings

    from sklearn.utils import all_estimators

    try:
        from sklearn.utils._test_common.instance_generator import _construct_instances
    except ImportError:  # (another scikit-learn: its defaults)
        _construct_instances = None
    data = np.abs(np.random.RandomState(0).rand(40, 4))
    np.random.seed(0)  # estimators left with random_state=None draw from it: the same fits
    fitted = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, cls in all_estimators():
            try:
                est = next(iter(_construct_instances(cls))) if _construct_instances else cls()
            except Exception:
                try:
                    est = cls()
                except Exception:
                    continue
            for target in (np.arange(40) % 2, data[:, 0], None):
                try:
                    fitted[name] = est.fit(data) if target is None else est.fit(data, target)
                    break
                except Exception:
                    continue
    return fitted


def test_every_estimator_scikit_learn_lists_passes(git_project, capsys):
    # FeatureAgglomeration (pooling_func=np.mean), BisectingKMeans and KernelDensity (whose
    # tree_ is a KDTree) were refused; one file holds them all, so a refusal names every
    # class refused at once.
    fitted = _every_fitted_estimator()
    assert len(fitted) > 150, sorted(fitted)
    (git_project / "every.pkl").write_bytes(pickle.dumps(fitted, 5))
    code, found = artifact_json(capsys, "--only-artifacts", "every.pkl")
    assert (code, found) == (0, []), [f["message"] for f in found]


def test_every_imbalanced_learn_estimator_passes(git_project, capsys):
    # FunctionSampler and SMOTEN's ValueDifferenceMetric were not on the vetted list.
    import warnings

    import joblib

    try:
        from imblearn.utils import testing

        listed = testing.all_estimators()
    except ImportError:  # (an older imbalanced-learn, as Python 3.9 gets, imports a helper
        # the scikit-learn beside it no longer has)
        pytest.skip("imbalanced-learn's estimator list does not import here")
    data = np.abs(np.random.RandomState(0).rand(60, 4))
    target = (np.arange(60) % 3 == 0).astype(int)
    fitted = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, cls in listed:
            if name == "Pipeline":  # (no default steps)
                continue
            est = cls(categorical_features=[0]) if name == "SMOTENC" else cls()
            if "random_state" in est.get_params():
                est.set_params(random_state=0)
            try:
                if hasattr(est, "fit_resample"):
                    est.fit_resample(data, target)
                else:
                    est.fit(data, target)
            except ValueError:  # (a boosting "worse than random" on this data)
                continue
            fitted[name] = est
    assert {"FunctionSampler", "SMOTEN", "BalancedRandomForestClassifier"} <= set(fitted)
    assert len(fitted) >= 20, sorted(fitted)
    joblib.dump(fitted, git_project / "every.joblib", compress=3)
    code, found = artifact_json(capsys, "--only-artifacts", "every.joblib")
    assert (code, found) == (0, []), [f["message"] for f in found]


# -- review round 17: integers a model stores that compiled code indexes with, unchecked --

def _ordinary_index_keepers() -> list:
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
    from sklearn.feature_extraction import DictVectorizer, FeatureHasher
    from sklearn.feature_extraction.text import (
        CountVectorizer,
        HashingVectorizer,
        TfidfVectorizer,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier, RadiusNeighborsClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    docs = ["good movie", "bad movie", "great film", "awful film"] * 5
    y3 = np.arange(len(X)) % 3
    binarizer = MultiLabelBinarizer().fit([{"a", "b"}, {"c"}])
    binarizer.transform([{"a"}])  # builds the class index it keeps
    vectorizer = DictVectorizer().fit([{"a": 1, "c": "x"}, {"b": 2, "c": "y"}])
    vectorizer.restrict([True, False, True, True])
    return [
        make_pipeline(CountVectorizer(max_features=3), LogisticRegression()).fit(docs, y3[:20]),
        TfidfVectorizer(min_df=2).fit(docs), CountVectorizer(vocabulary=["film", "bad"]).fit(docs),
        vectorizer, binarizer, HashingVectorizer(n_features=64), FeatureHasher(n_features=8),
        KNeighborsClassifier(algorithm="brute", metric="manhattan").fit(X, y3),
        KNeighborsClassifier().fit(X, np.c_[y3, y3 % 2]),  # two outputs
        RadiusNeighborsClassifier(radius=2.0).fit(X, y3),
        GradientBoostingClassifier(n_estimators=2).fit(X, y3),
        GradientBoostingClassifier(n_estimators=2, init="zero").fit(X, y3),
        GradientBoostingClassifier(n_estimators=2, init=LogisticRegression()).fit(X, y3),
        GradientBoostingClassifier(n_estimators=2).fit(X, y3 % 2),
        GradientBoostingRegressor(n_estimators=2).fit(X, X[:, 0]),
    ]


def test_ordinary_models_keep_their_indices_inside_what_they_index(git_project, capsys):
    (git_project / "models.pkl").write_bytes(pickle.dumps(_ordinary_index_keepers(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "models.pkl")
    assert (code, found) == (0, []), found


def _vocabulary_beyond_its_size():
    model = _ordinary_index_keepers()[0]
    model[0].vocabulary_["film"] = 10**8  # a segfault in the sparse product with coef_
    return model


def _dict_vocabulary_beyond_its_names():
    model = _ordinary_index_keepers()[3]
    model.vocabulary_["a"] = 10**8
    return model


def _class_index_beyond_the_classes():
    model = _ordinary_index_keepers()[4]
    model._cached_dict["a"] = 10**8
    return model


def _hasher_of_no_width():
    model = _ordinary_index_keepers()[5]
    model.n_features = 0
    return model


def _neighbour_labels_beyond_the_classes():
    model = _ordinary_index_keepers()[7]
    labels = model._y.copy()
    labels[:3] = 10**9  # compiled class counting: class_scores[i][label] += w
    model._y = labels
    return model


def _boosting_init_narrower_than_its_trees():
    from sklearn.dummy import DummyClassifier

    model = _ordinary_index_keepers()[10]
    model.init_ = DummyClassifier().fit(X, np.zeros(len(X)))  # one class: 1 column, trees 3
    return model


@pytest.mark.parametrize(("build", "words"), [
    (_vocabulary_beyond_its_size, "CountVectorizer: vocabulary_ maps to columns other than"),
    (_dict_vocabulary_beyond_its_names, "DictVectorizer: vocabulary_ maps to columns"),
    (_class_index_beyond_the_classes, "MultiLabelBinarizer: its class index maps to columns"),
    (_hasher_of_no_width, "n_features"),  # (fit refuses it too: round 28 says so first)
    (_neighbour_labels_beyond_the_classes, "labels (_y) outside its classes_"),
    (_boosting_init_narrower_than_its_trees, "raw predictions are 1 wide, for trees 3 wide"),
])
def test_a_stored_index_outside_what_it_indexes_is_refused(git_project, capsys, build, words):
    (git_project / "model.pkl").write_bytes(pickle.dumps(build(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and words in found[0]["message"], found


# -- review round 18: more of that family, and widths compiled code trusts --

def _ordinary_round18() -> list:
    import scipy.sparse
    from sklearn.cluster import BisectingKMeans
    from sklearn.ensemble import BaggingClassifier, IsolationForest
    from sklearn.preprocessing import OneHotEncoder
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    y3 = np.arange(len(X)) % 3
    cats = np.array([["a", "x"], ["b", "y"], ["a", "z"], ["c", "x"]] * 10, dtype=object)
    return [
        SVC(probability=True, random_state=0).fit(X, y3),
        SVC().fit(scipy.sparse.csr_matrix(X), y3),
        BisectingKMeans(3, random_state=0).fit(X),
        OneHotEncoder(drop="first").fit(cats),
        OneHotEncoder(min_frequency=5, handle_unknown="infrequent_if_exist").fit(cats),
        IsolationForest(n_estimators=3, max_features=2, random_state=0).fit(X),
        BaggingClassifier(DecisionTreeClassifier(), n_estimators=2, max_features=2,
                          random_state=0).fit(X, y3),
        DecisionTreeClassifier(max_depth=2).fit(X, y3),
    ]


def test_ordinary_models_of_round_18_pass(git_project, capsys):
    (git_project / "models.pkl").write_bytes(pickle.dumps(_ordinary_round18(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "models.pkl")
    assert (code, found) == (0, []), found


def _svc_with_short_probabilities():
    model = _ordinary_round18()[0]
    model._probA = model._probA[:1].copy()  # libsvm copies one per pair of classes
    return model


def _sparse_svc_with_coefficients_not_stored():
    import scipy.sparse

    model = _ordinary_round18()[1]
    dense = model._dual_coef_.toarray()
    dense[:, 1:] = 0
    model._dual_coef_ = scipy.sparse.csr_matrix(dense)  # zeros dropped: fewer values
    return model


def _bisecting_centres_wider_than_the_input():
    model = _ordinary_round18()[2]
    nodes = [model._bisecting_tree]
    while nodes:
        node = nodes.pop()
        if node is not None:
            node.center = np.zeros(4096)
            nodes.extend((node.left, node.right))
    return model


def _encoder_with_more_output_columns():
    model = _ordinary_round18()[3]
    model._n_features_outs = [10**6, 2]
    return model


def _tree_without_its_width():
    model = _ordinary_round18()[7]
    del model.n_features_in_  # predict() then checks no input's width
    return model


def _isolation_forest_of_wider_trees():
    from sklearn.tree import DecisionTreeRegressor

    model = _ordinary_round18()[5]
    wide = np.random.RandomState(0).rand(20, 9)
    for part in model.estimators_:
        tree = DecisionTreeRegressor(max_depth=2).fit(wide, wide[:, 8])
        del part.n_features_in_
        part.tree_ = tree.tree_
    return model


@pytest.mark.parametrize(("build", "words"), [
    (_svc_with_short_probabilities, "_probA of another length than its pairs of classes"),
    (_sparse_svc_with_coefficients_not_stored, "sparse dual coefficients with some not"),
    (_bisecting_centres_wider_than_the_input, "a cluster tree centre of another width"),
    (_encoder_with_more_output_columns, "output columns other than its categories make"),
    (_tree_without_its_width, "a tree with no n_features_in_"),
    (_isolation_forest_of_wider_trees, "a tree of another width than the ensemble"),
])
def test_round_18_states_compiled_code_trusts_are_refused(git_project, capsys, build, words):
    (git_project / "model.pkl").write_bytes(pickle.dumps(build(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and words in found[0]["message"], found


SLOW_IMPORT = """
import os
import time

from sklearn.base import BaseEstimator

if os.path.exists(os.path.join(os.path.dirname(__file__), "SLOW")):
    time.sleep(120)


class Quick(BaseEstimator):
    pass
"""


@pytest.mark.e2e  # waits out a 5 s load-timeout
def test_the_load_timeout_holds_while_a_project_module_imports(git_project, capsys,
                                                               monkeypatch):
    # The deadline was an Exception, and the import that it interrupted sat in a
    # suppress(Exception): the load went on for the whole import (35 s for a 5 s limit).
    import subprocess
    import sys

    import joblib

    (git_project / "slowimport.py").write_text(SLOW_IMPORT)
    subprocess.run(["git", "add", "slowimport.py"], cwd=git_project, check=True)
    monkeypatch.syspath_prepend(str(git_project))
    import slowimport

    joblib.dump(slowimport.Quick(), git_project / "model.joblib")
    (git_project / "SLOW").write_text("")
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["slowimport"]\nload-timeout = 5\n')
    # (before, the load went on past the interrupted import and passed: exit 0)
    code, found = artifact_json(capsys, "--only-artifacts", "model.joblib")
    assert code == 1 and "did not finish within 5 s" in found[0]["message"], found
    del sys.modules["slowimport"]


# -- review round 19: LightGBM's output counts; no check ends the others --

def _lightgbm_model(edit=None, objective=None):
    lgb = pytest.importorskip("lightgbm")
    y3 = np.arange(len(X)) % 3
    model = lgb.LGBMClassifier(n_estimators=2, num_leaves=4, verbose=-1,
                               **({"objective": objective} if objective else {})).fit(X, y3)
    if edit is not None:
        model._Booster = lgb.Booster(model_str=edit(model.booster_.model_to_string()))
    return model


def test_multiclass_lightgbm_models_pass(git_project, capsys):
    lgb = pytest.importorskip("lightgbm")
    models = [_lightgbm_model(), _lightgbm_model(objective="multiclassova"),
              lgb.LGBMRegressor(n_estimators=2, verbose=-1).fit(X, X[:, 0])]
    (git_project / "models.pkl").write_bytes(pickle.dumps(models, 5))
    code, found = artifact_json(capsys, "--only-artifacts", "models.pkl")
    assert (code, found) == (0, []), found


def _narrow_tree_behind_a_borrowed_attribute():
    from sklearn.tree import DecisionTreeClassifier

    model = DecisionTreeClassifier(max_depth=2).fit(X, np.arange(len(X)) % 2)
    wide = np.random.RandomState(1).rand(20, 50)
    model.tree_ = DecisionTreeClassifier(max_depth=2).fit(wide, np.arange(20) % 2).tree_
    model._predictors = []  # HistGradientBoosting's: its check returned before the others
    return model


def _neighbours_fitted_on_more_rows_than_labels():
    from sklearn.neighbors import KNeighborsClassifier

    model = KNeighborsClassifier(algorithm="brute", metric="manhattan").fit(
        X, np.arange(len(X)) % 3)
    model._fit_X = np.vstack([model._fit_X, np.ones((500, X.shape[1]))])
    model.n_samples_fit_ = len(model._y)  # (only the rows themselves say otherwise)
    return model


@pytest.mark.parametrize(("build", "words"), [
    (lambda: _lightgbm_model(lambda text: text.replace(
        "num_tree_per_iteration=3", "num_tree_per_iteration=4", 1)), "outputs of other counts"),
    (lambda: _lightgbm_model(lambda text: text.replace(
        "multiclass num_class:3", "multiclass num_class:4", 1)), "outputs of other counts"),
    (_narrow_tree_behind_a_borrowed_attribute, "a tree as wide as 50 features"),
    # (since round 23, the rows' own count against n_samples_fit_ refuses it first)
    (_neighbours_fitted_on_more_rows_than_labels, "560 fitted rows, where n_samples_fit_ says"),
])
def test_round_19_states_compiled_code_trusts_are_refused(git_project, capsys, build, words):
    (git_project / "model.pkl").write_bytes(pickle.dumps(build(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and words in found[0]["message"], found
