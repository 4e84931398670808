"""Review round 28: stored values that size or index what scikit-learn builds at predict time.

- A OneHotEncoder whose numeric categories are stored out of order (or with NaN first): its
  transform() finds a value's code by binary search, a known value got a code one past the
  feature's columns, and the sparse matrix built from it wrote past the heap (toarray(), a
  following PolynomialFeatures, tocsc()). The rule: numeric categories in the order
  np.unique writes them, as fit does.
- A neighbour transformer or NearestNeighbors whose search tree holds more rows than the
  model was fitted on: the neighbour graph n_samples_fit_ wide got indices of the tree's
  rows, and toarray() wrote 1.6 MB past its buffer. The rule: the tree's rows are the
  fitted rows, for every neighbour estimator (it was checked for classifiers only).
- A FeatureAgglomeration with labels_ = [0, 50_000_000] (715 bytes) made 381 MiB per
  request row: the output is as wide as the largest label. The rule: one label per input
  column, each below n_clusters_. And a smoke run that runs out of memory on a few rows is
  a finding, not an ordinary refusal.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from helpers import artifact_json, pickled_with_state

X = np.random.RandomState(0).rand(30, 3)


def _encoder(categories=None):
    from sklearn.preprocessing import OneHotEncoder

    data = np.array([[1.0, 0.0], [2.0, 42.0], [3.0, 0.0], [np.nan, 42.0]])
    encoder = OneHotEncoder(handle_unknown="ignore").fit(data)
    if categories is not None:
        encoder.categories_ = categories
    return encoder


def _neighbours_with_a_larger_tree(cls_name):
    from sklearn import neighbors

    model = getattr(neighbors, cls_name)(algorithm="kd_tree").fit(X[:10])
    model._tree = neighbors.KDTree(np.random.RandomState(1).rand(500, 3))
    return model


def _agglomeration(labels=None):
    from sklearn.cluster import FeatureAgglomeration

    model = FeatureAgglomeration(n_clusters=2).fit(X)
    if labels is not None:
        model.labels_ = np.array(labels)
    return model


@pytest.mark.parametrize(("make", "says"), [
    (lambda: _encoder([np.array([3.0, 1.0, 2.0, np.nan]), np.array([0.0, 42.0])]),
     "OneHotEncoder: feature 0: categories_ not in increasing order"),
    (lambda: _encoder([np.array([1.0, 2.0, 3.0, np.nan]), np.array([42.0, 0.0])]),
     "OneHotEncoder: feature 1: categories_ not in increasing order"),
    (lambda: _encoder([np.array([np.nan, 1.0, 2.0, 3.0]), np.array([0.0, 42.0])]),
     "NaN last"),
    (lambda: _encoder([np.array([1.0, 2.0, 2.0, 3.0]), np.array([0.0, 42.0])]),
     "each once"),
    (lambda: _neighbours_with_a_larger_tree("KNeighborsTransformer"),
     "KNeighborsTransformer: a search tree of (500, 3)"),
    (lambda: _neighbours_with_a_larger_tree("NearestNeighbors"),
     "NearestNeighbors: a search tree of (500, 3)"),
    (lambda: _agglomeration([0, 50_000_000, 1]), "labels_ outside 0..n_clusters_-1"),
    (lambda: _agglomeration([0, 1]), "labels_ not one per input column"),
])
def test_stored_values_that_size_or_index_the_output_are_refused(git_project, capsys, make,
                                                                 says):
    (git_project / "model.pkl").write_bytes(pickle.dumps(make()))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert says in found[0]["message"], found


def test_the_same_models_as_fit_writes_them_pass(git_project, capsys):
    from sklearn.neighbors import KNeighborsTransformer, NearestNeighbors
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    text = np.array([["b"], ["a"], ["c"]], dtype=object)
    dates = np.array(["2024-01-02", "2023-05-06", "NaT"], dtype="datetime64[D]").reshape(-1, 1)
    models = [_encoder(), _agglomeration(),
              # categories given in an order of the user's: kept as given, and looked up by
              # a table, not by binary search
              OneHotEncoder(categories=[["c", "a", "b"]]).fit(text),
              OrdinalEncoder().fit(dates),
              KNeighborsTransformer(algorithm="kd_tree").fit(X),
              NearestNeighbors(algorithm="ball_tree").fit(X)]
    (git_project / "models.pkl").write_bytes(pickle.dumps(models))
    assert artifact_json(capsys, "--only-artifacts", "models.pkl") == (0, [])


GREEDY = """
import numpy as np
from sklearn.base import BaseEstimator


class Greedy(BaseEstimator):
    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        self.width_ = 10 ** 12  # stored: what predict allocates per row
        return self

    def predict(self, X):
        return np.zeros((len(X), self.width_))
"""


def _project_class(project, module, source, name):
    """A class of a tracked module of the project, imported here to pickle an instance
    (the caller drops the module from sys.modules once it is pickled)."""
    import importlib

    (project / f"{module}.py").write_text(source)
    subprocess.run(["git", "add", f"{module}.py"], cwd=project, check=True)
    sys.path.insert(0, str(project))
    try:
        return getattr(importlib.import_module(module), name)
    finally:
        sys.path.remove(str(project))


def test_a_model_that_runs_out_of_memory_on_a_few_rows_is_a_finding(git_project, capsys):
    greedy = _project_class(git_project, "greedy", GREEDY, "Greedy")
    (git_project / "model.pkl").write_bytes(pickle.dumps(greedy().fit(X)))
    sys.modules.pop("greedy", None)
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "ran out of the load's memory limit" in found[0]["message"], found


# --- Round 28b: settings and states the library reads later, and readers that raise -----
def _lightgbm_with_extra_threads():
    lightgbm = pytest.importorskip("lightgbm")
    model = lightgbm.LGBMClassifier(n_estimators=2, num_leaves=4, n_jobs=1, verbose=-1).fit(
        X, (X[:, 0] > 0.5).astype(int))
    return model.set_params(num_threads=500)  # kept in _other_params: predict prefers it


def _forest_with_numpy_jobs():
    from sklearn.ensemble import RandomForestRegressor

    model = RandomForestRegressor(n_estimators=2, max_depth=2).fit(X, X[:, 0])
    model.n_jobs = np.int64(3000)
    return model


def _kmeans_with_numpy_threads():
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=2, n_init=1).fit(X)
    model._n_threads = np.int64(100_000)
    return model


def _regression_answering_minus_x():
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(X, (X[:, 0] > 0.5).astype(int))
    model.predict = np.negative  # an allowed ufunc, standing in for the method
    return model


@pytest.mark.parametrize(("make", "says"), [
    (_lightgbm_with_extra_threads, "_other_params['num_threads']=500 would start 500"),
    (_forest_with_numpy_jobs, "n_jobs=3000 would start 3000 workers"),
    (_kmeans_with_numpy_threads, "_n_threads=100000: its predictions"),
    (_regression_answering_minus_x, "an attribute 'predict' stored on the object stands in"),
])
def test_what_a_library_reads_at_predict_time_is_checked_wherever_it_is_kept(
        git_project, capsys, make, says):
    import joblib

    joblib.dump(make(), git_project / "model.joblib")
    code, found = artifact_json(capsys, "--only-artifacts", "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert says in found[0]["message"], found


def test_ordinary_parallel_settings_pass(git_project, capsys):
    import joblib
    from sklearn.cluster import KMeans
    from sklearn.ensemble import RandomForestRegressor

    models = [RandomForestRegressor(n_estimators=2, n_jobs=-1).fit(X, X[:, 0]),
              RandomForestRegressor(n_estimators=2, n_jobs=np.int64(4)).fit(X, X[:, 0]),
              KMeans(n_clusters=2, n_init=1).fit(X)]
    lightgbm = pytest.importorskip("lightgbm")
    models.append(lightgbm.LGBMRegressor(n_estimators=2, num_leaves=4, n_jobs=2, verbose=-1,
                                         num_threads=4).fit(X, X[:, 0]))
    joblib.dump(models, git_project / "models.joblib")
    assert artifact_json(capsys, "--only-artifacts", "models.joblib") == (0, [])


def test_a_zip_that_its_reader_refuses_in_an_unexpected_way_is_a_finding(git_project, capsys):
    """zipfile raises NotImplementedError for a directory that claims zip version 10.0: it
    was a traceback that stopped every other file's verdict, and the audit's."""
    import struct

    np.savez(git_project / "model.npz", a=np.arange(5))
    data = bytearray((git_project / "model.npz").read_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 6:at + 8] = struct.pack("<H", 100)
    (git_project / "model.npz").write_bytes(bytes(data))
    code, found = artifact_json(capsys, "--only-artifacts", "model.npz")
    assert code == 1 and [f["code"] for f in found] == ["MLG305"], found
    assert "NotImplementedError" in found[0]["message"], found


# --- Round 28d: hyperparameters fit would refuse, settings that scale the work, wide models
def _polynomial_with_an_int_flag():
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    model = make_pipeline(PolynomialFeatures(degree=2, interaction_only=True), Ridge()).fit(
        X, X[:, 0])
    model.steps[0][1].interaction_only = 2  # sized as 1, filled as 2: a heap overflow
    return model


def _tfidf_with_endless_ngrams():
    from sklearn.feature_extraction.text import TfidfVectorizer

    model = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).fit(["a b", "b c", "c a"])
    model.ngram_range = (1, 10**6)  # fit accepts any two ints; a request exhausts memory
    return model


@pytest.mark.parametrize(("make", "says"), [
    (_polynomial_with_an_int_flag,
     "PolynomialFeatures: a stored parameter its fit refuses: The 'interaction_only'"),
    (_tfidf_with_endless_ngrams, "ngram_range (1, 1000000) outside 1 <= min <= max <= 64"),
])
def test_settings_fit_would_refuse_or_that_scale_the_work_are_refused(git_project, capsys,
                                                                       make, says):
    import joblib

    joblib.dump(make(), git_project / "model.joblib")
    code, found = artifact_json(capsys, "--only-artifacts", "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert says in found[0]["message"], found


def _hashed_text_model():
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["good film", "bad film", "good plot", "bad plot"] * 3
    model = make_pipeline(HashingVectorizer(n_features=2**18, alternate_sign=False),
                          LatentDirichletAllocation(n_components=2, max_iter=2,
                                                    random_state=0),
                          LogisticRegression()).fit(texts, [1, 0, 1, 0] * 3)
    return model


ENDLESS_WIDE = """
from sklearn.base import BaseEstimator, TransformerMixin


class EndlessWide(BaseEstimator, TransformerMixin):
    def fit(self, X, y=None):
        self.n_features_in_ = 2**18
        return self

    def transform(self, X):
        while True:
            pass
"""


def test_a_model_too_wide_for_dense_rows_is_run_on_sparse_ones(git_project, capsys):
    """Round 28d: models wider than 100,000 columns were never run (a hashed-text LDA whose
    predict never returns passed in 1.7 s); they are run on sparse rows now."""
    import joblib

    (git_project / "pyproject.toml").write_text("[tool.mlgate.artifact]\nload-timeout = 8\n")
    # (the LDA whose loop never ended is now refused before any run: its stored count is
    # past what a transform-time loop may run, round 31; a project's transformer then)
    endless = _project_class(git_project, "endless_wide", ENDLESS_WIDE, "EndlessWide")
    joblib.dump(endless().fit(None), git_project / "model.joblib")
    sys.modules.pop("endless_wide", None)
    code, found = artifact_json(capsys, "--only-artifacts", "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "did not finish" in found[0]["message"], found
    # (a model that passes gets all the time a loaded machine may need)
    (git_project / "pyproject.toml").write_text("[tool.mlgate.artifact]\nload-timeout = 120\n")
    joblib.dump(_hashed_text_model(), git_project / "model.joblib")
    assert artifact_json(capsys, "--only-artifacts", "model.joblib") == (0, [])


# --- Round 29: transformers of text and records were never run --------------------------
GREEDY_TEXT = """
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer


class GreedyText(TfidfVectorizer):
    def transform(self, raw_documents):
        return np.zeros((len(raw_documents), self.width_))
"""


def test_a_text_transformer_is_run_on_a_few_texts(git_project, capsys):
    """Transformers of text and records (vectorizers, DictVectorizer, FeatureHasher) record no
    input width, so no smoke row ever reached their transform(): one that allocates a stored
    size per document passed. They get a few texts (records) made of their vocabulary now."""
    model = _project_class(git_project, "greedy_text", GREEDY_TEXT, "GreedyText")().fit(
        ["good film", "bad plot"])
    model.width_ = 10 ** 12
    (git_project / "model.pkl").write_bytes(pickle.dumps(model))
    sys.modules.pop("greedy_text", None)
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "calling transform() on" in found[0]["message"], found


def test_ordinary_text_and_record_transformers_pass(git_project, capsys):
    import joblib
    from sklearn.feature_extraction import DictVectorizer, FeatureHasher
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["good film", "bad film", "good plot", "bad plot"]
    records = [{"city": "Paris", "rooms": 3.0}, {"city": "Lyon", "rooms": 1.0}]
    models = {
        "text": make_pipeline(TfidfVectorizer(ngram_range=(1, 2)),
                              LogisticRegression()).fit(texts, [1, 0, 1, 0]),
        "chars": CountVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(texts),
        "dicts": DictVectorizer().fit(records),
        "hashed": [FeatureHasher(8, input_type=kind) for kind in ("dict", "pair", "string")],
    }
    joblib.dump(models, git_project / "models.joblib")
    assert artifact_json(capsys, "--only-artifacts", "models.joblib") == (0, [])


def test_record_rows_follow_the_input_a_transformer_takes():
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.feature_extraction.text import CountVectorizer

    from mlgate.probe_script import load

    fitted = CountVectorizer().fit(["good film"])
    ordinary, _ = load._record_rows(fitted)
    assert set(ordinary[1][0].split()) == {"good", "film"}
    # the vocabulary's words: columns a request reaches
    assert fitted.transform(ordinary[1]).nnz == 6
    assert load._record_rows(CountVectorizer(input="filename")) is None  # never opens files
    pairs = FeatureHasher(4, input_type="pair")
    for rows in load._record_rows(pairs)[0] + load._record_rows(pairs)[1]:
        pairs.transform(rows)
    assert load._record_kind(CountVectorizer) is None  # a class is no model


def _polynomial_claiming(version):
    """A fitted PolynomialFeatures with a parameter its fit refuses, whose state records
    `version` as its `_sklearn_version` (None: no version at all, as no writer since 2016)."""
    from sklearn.preprocessing import PolynomialFeatures

    model = PolynomialFeatures(degree=2, interaction_only=True).fit(X)
    state = model.__getstate__()
    state.pop("_sklearn_version")
    if version is not None:
        state["_sklearn_version"] = version
    state["interaction_only"] = 2

    return pickled_with_state(model, state)


@pytest.mark.parametrize(("version", "says"), [
    (None, "records no scikit-learn version, which scikit-learn reads as pickled with"
           " pre-0.18"),
    (5, "was pickled with scikit-learn 5, a version the file does not record"),
])
def test_an_estimator_that_hides_its_version_is_a_version_finding(git_project, capsys,
                                                                  version, says):
    """A model of another scikit-learn is not held to its fit's parameter checks (an old
    model's parameters may be refused today), and MLG306 reports the version. A state with
    no `_sklearn_version`, or one the scan does not read as a version, got neither: the
    parameter check was skipped and nothing was reported (exit 0)."""
    (git_project / "model.pkl").write_bytes(_polynomial_claiming(version))
    code, found = artifact_json(capsys, "--only-artifacts", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG306"], found
    assert says in found[0]["message"], found
