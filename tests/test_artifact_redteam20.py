"""Review round 20: more stored indices that compiled code trusts, and one false alarm.

- A category encoder's infrequent-category mappings and dropped categories become the column
  indices of a sparse matrix that nothing checks: a mapping past the output columns made
  `toarray()` write out of bounds (a segfault), directly or through the encoder nested in
  RandomTreesEmbedding. The rule: each mapping must be the one the encoder derives from its
  infrequent categories, and each drop one of the groups.
- XGBoost 3 keeps the categories it was trained on (`cats`: text offsets, segments, a sort
  order) and re-codes a categorical frame with them at predict time, unchecked (an abort).
- False alarm: an ordinary `multi_strategy="multi_output_tree"` XGBoost model was refused,
  because a vector leaf keeps the index of its weights where a split keeps its right child.
"""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from helpers import artifact_json

X = np.random.RandomState(0).rand(60, 3)
CODES = np.array([[0]] * 20 + [[1]] * 20 + [[2]] * 20 + [[3]] * 2 + [[4]] * 2, dtype=float)


def _infrequent_encoder(**params):
    from sklearn.preprocessing import OneHotEncoder

    return OneHotEncoder(min_frequency=5, handle_unknown="infrequent_if_exist",
                         **params).fit(CODES)


def test_ordinary_category_encoders_pass(git_project, capsys):
    from sklearn.ensemble import RandomTreesEmbedding
    from sklearn.preprocessing import KBinsDiscretizer, OrdinalEncoder

    with_missing = np.array([["a"], ["b"], [np.nan], ["c"]] * 6 + [["d"]], dtype=object)
    models = [
        _infrequent_encoder(), _infrequent_encoder(drop="first"),
        _infrequent_encoder(drop=[2.0]), _infrequent_encoder(sparse_output=False),
        OrdinalEncoder(min_frequency=5).fit(CODES),
        OrdinalEncoder(min_frequency=3, handle_unknown="use_encoded_value",
                       unknown_value=-1).fit(with_missing),
        RandomTreesEmbedding(n_estimators=2, max_depth=2, random_state=0).fit(X),
        KBinsDiscretizer(n_bins=3, encode="onehot").fit(X),
    ]
    (git_project / "models.pkl").write_bytes(pickle.dumps(models, 5))
    code, found = artifact_json(capsys, "--only-artifacts", "models.pkl")
    assert (code, found) == (0, []), found


def _mapping_past_the_columns():
    model = _infrequent_encoder()
    model._default_to_infrequent_mappings[0][-1] = 50_000_000
    return model


def _drop_past_the_groups():
    model = _infrequent_encoder(drop="first")
    model._drop_idx_after_grouping = np.array([7], dtype=object)
    return model


def _mappings_without_infrequent_categories():
    from sklearn.ensemble import RandomTreesEmbedding

    model = RandomTreesEmbedding(n_estimators=2, max_depth=2, random_state=0).fit(X)
    encoder = model.one_hot_encoder_
    encoder._infrequent_enabled = True
    encoder._infrequent_indices = [None] * len(encoder.categories_)
    encoder._default_to_infrequent_mappings = [
        np.full(len(c), 50_000_000) for c in encoder.categories_]
    return model


@pytest.mark.parametrize(("build", "words"), [
    (_mapping_past_the_columns, "an infrequent-category mapping other than"),
    (_drop_past_the_groups, "a dropped category outside its categories"),
    (_mappings_without_infrequent_categories, "infrequent categories or mapping of another"),
])
def test_encoder_groups_outside_the_columns_are_refused(git_project, capsys, build, words):
    (git_project / "model.pkl").write_bytes(pickle.dumps(build(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and words in found[0]["message"], found


# ------------------------------------------------------------------------ XGBoost

def _categorical_xgboost(edit=None):
    xgb = pytest.importorskip("xgboost")
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({
        "amount": rng.rand(200),
        "city": pd.Categorical(rng.choice(list("pqrstu"), 200)),
        "grade": pd.Categorical(rng.choice([3, 1, 7, 100], 200)),
        "name": pd.Categorical(rng.choice(["zeta", "alpha", "mü", ""], 200)),
    })
    y = frame["city"].isin(list("pqr")).astype(int)
    model = xgb.XGBClassifier(n_estimators=2, max_depth=3, n_jobs=1,
                              enable_categorical=True).fit(frame, y)
    if edit is not None:
        def edit_categories(trees):
            cats = trees.get("cats")
            if not cats or not cats.get("enc"):
                pytest.skip("this XGBoost keeps no categories in the model")
            edit(cats)
        _edit_booster(model, edit_categories)
    return model


def _edit_booster(model, edit):
    """The model with its booster changed by `edit` (on XGBoost's JSON of its trees), as
    XGBoost itself loads such a booster, without a word."""
    import xgboost as xgb

    raw = json.loads(bytes(model.get_booster().save_raw("json")))
    edit(raw["learner"]["gradient_booster"]["model"])
    booster = xgb.Booster()
    booster.load_model(bytearray(json.dumps(raw).encode()))
    model._Booster = booster


def test_an_xgboost_model_with_categories_of_every_kind_passes(git_project, capsys):
    (git_project / "model.pkl").write_bytes(pickle.dumps(_categorical_xgboost(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert (code, found) == (0, []), found


def _order_past(cats):
    cats["sorted_idx"][5] = 100_000_000


def _text_past(cats):
    cats["enc"][1]["offsets"][-1] = 100_000


def _segment_past(cats):
    cats["feature_segments"][2] = 100_000


@pytest.mark.parametrize(("edit", "words"), [
    (_order_past, "a category order that is not one of its categories"),
    (_text_past, "stored category text outside its bytes"),
    (_segment_past, "a category segment of another size"),
])
def test_xgboost_categories_outside_their_tables_are_refused(git_project, capsys, edit, words):
    (git_project / "model.pkl").write_bytes(pickle.dumps(_categorical_xgboost(edit), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and words in found[0]["message"], found


def _multi_output_xgboost(edit=None):
    xgb = pytest.importorskip("xgboost")
    targets = np.c_[X.sum(1), X[:, 0] - X[:, 1], X[:, 2]]
    try:
        model = xgb.XGBRegressor(n_estimators=2, max_depth=2, n_jobs=1, tree_method="hist",
                                 multi_strategy="multi_output_tree").fit(X, targets)
    except Exception as exc:  # an XGBoost before vector leaves
        pytest.skip(f"no multi-output trees here: {exc}")
    if edit is not None:
        _edit_booster(model, lambda trees: edit(trees["trees"][0]))
    return model


def test_an_xgboost_multi_output_tree_model_passes(git_project, capsys):
    (git_project / "model.pkl").write_bytes(pickle.dumps(_multi_output_xgboost(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert (code, found) == (0, []), found


def _leaves_sharing_weights(tree):
    # (a leaf past the weights: XGBoost loads it, and then aborts when predicting or even
    # pickling it, so in the probe it is a crash, contained; two leaves sharing one set of
    # weights is what pickles, and no writer writes it)
    if "leaf_weights" not in tree:
        pytest.skip("XGBoost 2 keeps weights for every node, not indexed by leaf")
    first, second = [n for n, child in enumerate(tree["left_children"]) if child == -1][:2]
    tree["right_children"][first] = tree["right_children"][second]


def test_vector_leaves_other_than_one_per_weight_set_are_refused(git_project, capsys):
    (git_project / "model.pkl").write_bytes(
        pickle.dumps(_multi_output_xgboost(_leaves_sharing_weights), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and "one set per leaf" in found[0]["message"], found


# ------------------------------------------------ review round 21: COO coordinates

def _knn_on_sparse_rows(row=None):
    import scipy.sparse as sp
    from sklearn.neighbors import KNeighborsClassifier

    model = KNeighborsClassifier(n_neighbors=3, algorithm="brute").fit(
        sp.csr_matrix(X), np.arange(len(X)) % 2)
    fitted = sp.coo_matrix(model._fit_X)
    if row is not None:  # a coordinate past the matrix: coo -> csr writes past its rows
        rows = fitted.row.copy()
        rows[-1] = row
        fitted.row = rows  # (the constructor would refuse it; unpickling does not)
    model._fit_X = fitted
    return model


def test_ordinary_coordinate_matrices_pass(git_project, capsys):
    import scipy.sparse as sp

    bundle = {"model": _knn_on_sparse_rows(), "matrix": sp.coo_matrix(np.eye(3)),
              "empty": sp.coo_matrix((2, 5))}
    if hasattr(sp, "coo_array"):
        bundle["array"] = sp.coo_array(np.eye(4))
    (git_project / "bundle.pkl").write_bytes(pickle.dumps(bundle, 5))
    code, found = artifact_json(capsys, "--only-artifacts", "bundle.pkl")
    assert (code, found) == (0, []), found


@pytest.mark.parametrize("row", [len(X) + 2, len(X) + 8, -1])
def test_coordinates_outside_the_matrix_are_refused(git_project, capsys, row):
    """A neighbour classifier's rows kept as COO with a coordinate past them: predict()
    converts them to CSR in compiled code that trusts them (an abort, a segfault, or a
    silent heap write, depending on how far past). Refused, wherever in the model."""
    (git_project / "model.pkl").write_bytes(pickle.dumps(_knn_on_sparse_rows(row), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and "COO coordinates of axis 0 outside its shape" in found[0]["message"], (
        found)


def _width_deleted(make):
    def build():
        model = make()
        del model.n_features_in_
        return model
    return build


def _narrow_kmeans():
    from sklearn.cluster import KMeans

    model = KMeans(3, n_init=1, random_state=0).fit(X)
    model.cluster_centers_ = model.cluster_centers_[:, :1].copy()
    return model


def _logistic():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression().fit(X, np.arange(len(X)) % 2)


@pytest.mark.parametrize("build", [_width_deleted(_narrow_kmeans), _width_deleted(_logistic)])
def test_a_fitted_estimator_without_its_recorded_width_is_refused(git_project, capsys, build):
    """Deleting n_features_in_ took a model past the width checks (k-means centres one
    column wide predicted on any input, silently) and past the smoke predict."""
    (git_project / "model.pkl").write_bytes(pickle.dumps(build(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and "a fitted estimator without n_features_in_" in found[0]["message"], (
        found)


def test_estimators_that_record_no_width_pass(git_project, capsys):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import LabelEncoder

    texts = ["a cat", "a dog", "the cat sat", "dogs run"]
    models = [
        make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, [0, 1, 0, 1]),
        make_pipeline(DictVectorizer(), LogisticRegression()).fit(
            [{"a": 1}, {"b": 2}, {"a": 3}, {"b": 1}], [0, 1, 0, 1]),
        LabelEncoder().fit(["x", "y"]),
        LogisticRegression(),  # not fitted: nothing to predict with
    ]
    (git_project / "models.pkl").write_bytes(pickle.dumps(models, 5))
    code, found = artifact_json(capsys, "--only-artifacts", "models.pkl")
    assert (code, found) == (0, []), found


# ------------------------- review round 22: distance parameters, loops a stored count keeps

def _mahalanobis_neighbours(inverse=None):
    from sklearn.neighbors import KNeighborsClassifier, LocalOutlierFactor

    inverse = np.linalg.inv(np.cov(X.T)) if inverse is None else inverse
    return [KNeighborsClassifier(3, algorithm="brute", metric="mahalanobis",
                                 metric_params={"VI": inverse}).fit(X, np.arange(len(X)) % 2),
            LocalOutlierFactor(5, novelty=True, algorithm="brute", metric="seuclidean",
                               metric_params={"V": X.var(axis=0)}).fit(X)]


def test_neighbours_with_distance_parameters_of_their_width_pass(git_project, capsys):
    (git_project / "models.pkl").write_bytes(pickle.dumps(_mahalanobis_neighbours(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "models.pkl")
    assert (code, found) == (0, []), found


def test_distance_parameters_narrower_than_the_input_are_refused(git_project, capsys):
    """scipy's Mahalanobis distance reads VI as width x width without checking: a 1 x 1 VI
    read past its buffer on every query (garbage distances, or a segfault when wide)."""
    model = _mahalanobis_neighbours()[0]
    model.metric_params = model.effective_metric_params_ = {"VI": np.eye(1)}
    (git_project / "model.pkl").write_bytes(pickle.dumps(model, 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and "metric_params['VI'] of shape (1, 1), for an input 3 columns" in (
        found[0]["message"]), found


def test_ordinary_transformers_are_exercised_and_pass(git_project, capsys):
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    models = [make_pipeline(NMF(2, max_iter=500, random_state=0), LogisticRegression()).fit(
        X, np.arange(len(X)) % 2), LatentDirichletAllocation(2, random_state=0).fit(X)]
    (git_project / "models.pkl").write_bytes(pickle.dumps(models, 5))
    code, found = artifact_json(capsys, "--only-artifacts", "models.pkl")
    assert (code, found) == (0, []), found


def test_a_loop_a_stored_count_keeps_going_is_stopped_in_the_probe(git_project, capsys):
    """NMF with max_iter=10**12 and tol=0 in a pipeline: a row of zeros ends its loop at
    once (nothing to improve), an ordinary row never does. It passed, then hung predict();
    then the probe's deadline stopped it; now (round 31) the stored count is refused before
    any call, as past what a transform-time loop may run."""
    from sklearn.decomposition import NMF
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(NMF(2, random_state=0), LogisticRegression()).fit(
        X, np.arange(len(X)) % 2)
    model[0].max_iter, model[0].tol = 10**12, 0.0
    (git_project / "model.pkl").write_bytes(pickle.dumps(model, 5))
    # (refused before any call: a generous timeout costs nothing, and a loaded machine's
    # slow imports do not turn the refusal into a timeout)
    (git_project / "pyproject.toml").write_text("[tool.mlgate.artifact]\nload-timeout = 120\n")
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and found[0]["code"] == "MLG309", found
    assert "NMF: max_iter=1000000000000 runs each request's solver" in found[0]["message"]


# ------------------- review round 23: the rows neighbour models keep, kernel density weights

def _neighbours_of_every_kind():
    from sklearn.neighbors import (
        KernelDensity,
        KNeighborsRegressor,
        KNeighborsTransformer,
        LocalOutlierFactor,
        NearestNeighbors,
        RadiusNeighborsRegressor,
    )
    from sklearn.semi_supervised import LabelSpreading

    target = X[:, 0]
    return [KNeighborsRegressor(3, algorithm="brute").fit(X, target),
            KNeighborsTransformer(n_neighbors=3, metric="manhattan").fit(X),
            LocalOutlierFactor(5, novelty=True).fit(X),
            RadiusNeighborsRegressor(radius=2.0).fit(X, target),
            NearestNeighbors(n_neighbors=2, metric="precomputed").fit(
                np.abs(X[:, :1] - X[:, :1].T)),
            LabelSpreading(kernel="knn", n_neighbors=3).fit(X, np.where(
                np.arange(len(X)) % 3 == 0, np.arange(len(X)) % 2, -1)),
            KernelDensity().fit(X, sample_weight=np.ones(len(X)))]


def test_neighbour_models_of_every_kind_pass(git_project, capsys):
    (git_project / "models.pkl").write_bytes(pickle.dumps(_neighbours_of_every_kind(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "models.pkl")
    assert (code, found) == (0, []), found


def _narrow_rows(index):
    def build():
        model = _neighbours_of_every_kind()[index]
        fitted = model.nn_fit if hasattr(model, "nn_fit") else model
        fitted._fit_X = fitted._fit_X[:, :1].copy()  # searches read each row 3 wide
        return model
    return build


def _fewer_rows():
    model = _neighbours_of_every_kind()[0]
    model._fit_X = model._fit_X[:2].copy()
    return model


def _density_with_one_weight():
    from sklearn.neighbors import KDTree

    model = _neighbours_of_every_kind()[-1]
    state = list(model.tree_.__getstate__())
    state[12] = np.ones(1)  # a weight is read for every sample, by its index
    tree = KDTree.__new__(KDTree)
    tree.__setstate__(tuple(state))
    model.tree_ = tree
    return model


@pytest.mark.parametrize(("build", "words"), [
    (_narrow_rows(0), "fitted rows 1 wide, for an input 3 columns wide"),
    (_narrow_rows(1), "fitted rows 1 wide, for an input 3 columns wide"),
    (_narrow_rows(2), "fitted rows 1 wide, for an input 3 columns wide"),
    (_narrow_rows(5), "fitted rows 1 wide, for an input 3 columns wide"),
    (_fewer_rows, "2 fitted rows, where n_samples_fit_ says 60"),
    (_density_with_one_weight, "sample weights of another count than its data"),
])
def test_neighbour_state_compiled_searches_trust_is_refused(git_project, capsys, build, words):
    """A neighbour model's rows narrower than its input: the compiled search reads each
    row as wide as the query (out of bounds: garbage distances, a heap write through a
    -1 index, a segfault when wide). Kernel density with one weight for many samples."""
    (git_project / "model.pkl").write_bytes(pickle.dumps(build(), 5))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and words in found[0]["message"], found


def test_ordinary_models_the_round_23_rules_refused_pass(git_project, capsys):
    """False alarms the new rules raised on ordinary models: isotonic calibration (its
    IsotonicRegression takes one column and records no width), a chain of trees (each link
    also reads the labels before it: wider by one per link), and a Mahalanobis distance
    given its covariance V, which it inverts itself."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.multioutput import ClassifierChain, RegressorChain
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    labels = np.c_[np.arange(len(X)) % 2, (X[:, 0] > 0.5).astype(int)]
    models = [
        CalibratedClassifierCV(RandomForestClassifier(5, random_state=0), method="isotonic",
                               cv=3).fit(X, labels[:, 0]),
        ClassifierChain(DecisionTreeClassifier(max_depth=3)).fit(X, labels),
        RegressorChain(DecisionTreeRegressor(max_depth=3)).fit(X, labels.astype(float)),
        KNeighborsClassifier(3, algorithm="ball_tree", metric="mahalanobis",
                             metric_params={"V": np.cov(X.T)}).fit(X, labels[:, 0]),
    ]
    (git_project / "models.pkl").write_bytes(pickle.dumps(models, 5))
    code, found = artifact_json(capsys, "--only-artifacts", "models.pkl")
    assert (code, found) == (0, []), found
