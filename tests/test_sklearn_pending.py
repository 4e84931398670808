"""scikit-learn pairs are verified one by one in the project's environment, not listed up front.

The static scan lets a scikit-learn-shaped pair through as pending; the probe verifies each
one before anything is unpickled. These tests pin that the verification accepts exactly the
classes the full listing (`sklearn_classes`, built from all_estimators) accepts, and that a
pending pair that fails it never gets to run.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
import sklearn.datasets
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer
from sklearn.linear_model import LogisticRegression

from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
from mlgate.artifacts.pickle_scan import scan_pickle
from mlgate.cli import main
from mlgate.probe_script import common, load, sklearn_pairs

EXPERIMENTAL = {"sklearn.impute._iterative", "sklearn.model_selection._search_successive_halving"}


def _verdict(module: str, name: str) -> str:
    resolver = load._Resolver(set(), set(), [])
    try:
        resolver.verify_sklearn_pair(module, name)
    except common.LoadFailure as exc:
        return exc.kind
    return "ok"


def test_verification_accepts_exactly_the_full_listing():
    listed = {tuple(p) for p in sklearn_pairs.sklearn_classes()}
    assert len(listed) > 300
    refused = [(m, n) for m, n in sorted(listed) if _verdict(m, n) != "ok"]
    assert refused == []
    # Every other class (and Cython reconstructor) of every scikit-learn module the listing
    # imported is refused: functions never get this far, see below. The one difference:
    # estimators that sklearn.experimental enables (all_estimators lists them only once
    # enabled) are accepted, enabled or not.
    extra = []
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith("sklearn."):
            continue
        for attr, value in list(vars(module).items()):
            if not (isinstance(value, type) or attr.startswith("__pyx_unpickle_")):
                continue
            if (module_name, attr) not in listed and _verdict(module_name, attr) == "ok":
                extra.append((module_name, attr))
    assert {m for m, _ in extra} <= EXPERIMENTAL


@pytest.mark.parametrize(("module", "name", "kind"), [
    ("sklearn.datasets._base", "get_data_home", "refused"),  # a function: it makes folders
    ("sklearn.base", "clone", "refused"),
    ("sklearn.linear_model._logistic", "BaseEstimator", "refused"),  # imported, not defined
    ("sklearn.linear_model._logistic", "Integral", "refused"),  # numbers.Integral
    ("sklearn.utils._param_validation", "Interval", "refused"),  # holds no estimator
    ("sklearn.utils._mocking", "CheckingClassifier", "refused"),  # made for tests
    ("sklearn.utils.estimator_checks", "check_estimator", "refused"),
    ("sklearn.linear_model._logistic", "NoSuchClass", "class"),
    ("sklearn.linear_model._logistic", "__init__", "refused"),
    ("sklearn.linear_model.LogisticRegression", "fit", "class"),  # not a module: missing
    ("sklearn.linear_model._logistic", "LogisticRegression", "ok"),
    ("sklearn.impute._iterative", "IterativeImputer", "ok"),  # experimental, enabled or not
])
def test_verification_of_single_pairs(module, name, kind):
    try:
        got = _verdict(module, name)
    except ModuleNotFoundError:
        got = "class"
    assert got == kind


def test_the_scan_records_pending_pairs_and_refuses_other_shapes():
    allow = AllowList(BASE | NUMPY_TYPES | NUMPY_UFUNCS, defer=True)
    X = np.random.RandomState(0).rand(20, 2)
    model = LogisticRegression().fit(X, (X[:, 0] > 0.5).astype(int))
    assert scan_pickle(pickle.dumps(model, protocol=4), allow).refusals == []
    assert allow.pending == {("sklearn.linear_model._logistic", "LogisticRegression")}
    for module, name in [("sklearn.utils._testing", "TempMemmap"),
                         ("sklearn.externals.array_api_compat", "x"),
                         ("sklearn.linear_model._logistic", "LogisticRegression.fit"),
                         ("sklearn.__check_build", "x"), ("sklearnx", "Foo"),
                         ("sklearn.linear_model._logistic", "__class__")]:
        strict = AllowList(BASE, defer=True)
        assert not strict(module, name)
        assert strict.pending == set()


class Gadget:
    """Unpickling it would call scikit-learn's get_data_home, which creates the folder."""

    def __init__(self, folder):
        self.folder = folder

    def __reduce__(self):
        return sklearn.datasets.get_data_home, (str(self.folder),)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    yield tmp_path
    assert not (tmp_path / "PWNED").exists()


def run(capsys, *args):
    code = main(["artifact", "--format", "json", "--python", sys.executable, *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else []


@pytest.mark.parametrize("extra", [[], ["--no-load"]])
def test_a_pending_function_is_refused_before_anything_is_unpickled(project, capsys, extra):
    marker = project / "PWNED"
    with open("gadget.pkl", "wb") as handle:
        pickle.dump(Gadget(marker), handle, protocol=2)
    joblib.dump([np.arange(4), Gadget(marker)], "gadget.joblib", compress=3)
    np.save("gadget.npy", np.array([Gadget(marker)], dtype=object), allow_pickle=True)
    code, found = run(capsys, *extra, "gadget.pkl", "gadget.joblib", "gadget.npy")
    assert code == 1
    assert sorted(f["path"] for f in found) == ["gadget.joblib", "gadget.npy", "gadget.pkl"]
    for finding in found:
        assert finding["code"] == "MLG301"
        assert "sklearn.datasets._base.get_data_home is not on the allow-list" \
            in finding["message"]
    assert not marker.exists()


def test_missing_class_and_module_of_the_installed_scikit_learn(project, capsys):
    real = pickle.dumps(LogisticRegression(), protocol=2)
    old = b"csklearn.linear_model._logistic\nLogisticRegression\n"
    assert old in real
    gone = real.replace(old, b"csklearn.linear_model._logistic\nLogisticRegressionV0\n")
    moved = real.replace(old, b"csklearn.linear_model._gone\nLogisticRegression\n")
    (project / "gone.pkl").write_bytes(gone)
    (project / "moved.pkl").write_bytes(moved)
    code, found = run(capsys, "gone.pkl", "moved.pkl")
    got = {f["path"]: (f["code"], f["message"]) for f in found}
    assert code == 1
    assert got["gone.pkl"][0] == "MLG308"
    assert "LogisticRegressionV0 no longer exists" in got["gone.pkl"][1]
    assert got["moved.pkl"][0] == "MLG307"
    assert "sklearn.linear_model._gone" in got["moved.pkl"][1]


def test_an_experimental_estimator_loads(project, capsys):
    X = np.random.RandomState(0).rand(30, 3)
    X[::4, 1] = np.nan
    joblib.dump(IterativeImputer(max_iter=3).fit(X), "imputer.joblib")
    code = main(["artifact", "-v", "--python", sys.executable, "imputer.joblib"])
    assert code == 0
    assert "loads as sklearn.impute._iterative.IterativeImputer" in capsys.readouterr().err


def _search(scoring):
    from sklearn.model_selection import GridSearchCV

    X = np.random.RandomState(0).rand(60, 3)
    return GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3, scoring=scoring,
                        refit="f1" if isinstance(scoring, list) else True
                        ).fit(X, (X[:, 0] > 0.5).astype(int))


def test_fitted_searches_load_with_their_scorers(project, capsys):
    """A fitted search keeps its scorer (a class of sklearn.metrics._scorer), the score
    functions behind named scorers (values, never called on load), its splitter and numpy
    masked arrays in cv_results_."""
    for name, scoring in (("default", None), ("accuracy", "accuracy"),
                          ("multi", ["accuracy", "f1"]), ("auc", "roc_auc")):
        joblib.dump(_search(scoring), f"search-{name}.joblib")
    files = sorted(str(p.name) for p in project.glob("search-*.joblib"))
    assert run(capsys, *files) == (0, [])


@pytest.mark.parametrize(("stream", "why"), [
    # accuracy_score([], []): a scorer's function, but called by the stream
    (b"\x80\x02csklearn.metrics._classification\naccuracy_score\n]]\x86R.",
     "functions are not"),
    (b"\x80\x02(]]isklearn.metrics._classification\naccuracy_score\n.", "functions are not"),
    (b"\x80\x02(csklearn.metrics._classification\naccuracy_score\n]]o.", "functions are not"),
    (b"\x80\x02csklearn.metrics._classification\naccuracy_score\n]]\x86\x81.",
     "functions are not"),  # NEWOBJ
    # a function that backs no named scorer, even as a mere value
    (b"\x80\x02csklearn.metrics._classification\nconfusion_matrix\n\x85.",
     "functions are not"),
    (b"\x80\x02csklearn.datasets._base\nget_data_home\n\x85.", "functions are not"),
    # a feature selector's score function: a value, never called by the stream
    (b"\x80\x02csklearn.feature_selection._univariate_selection\nf_classif\n]]\x86R.",
     "functions are not"),
])
def test_functions_the_stream_calls_or_that_back_no_scorer_are_refused(project, capsys,
                                                                        stream, why):
    (project / "odd.pkl").write_bytes(stream)
    code, found = run(capsys, "odd.pkl")
    assert code == 1
    assert [f["code"] for f in found] == ["MLG301"]
    assert why in found[0]["message"]


def test_a_score_function_as_a_value_loads(project, capsys):
    (project / "value.pkl").write_bytes(
        b"\x80\x02csklearn.metrics._classification\naccuracy_score\n\x85.")
    assert run(capsys, "value.pkl") == (0, [])


def test_feature_selectors_load_with_their_score_functions(project, capsys):
    """SelectKBest keeps `score_func` (f_classif unless told otherwise) as a value."""
    from sklearn.feature_selection import (
        SelectKBest,
        SelectPercentile,
        chi2,
        mutual_info_classif,
    )
    from sklearn.pipeline import make_pipeline

    X = np.random.RandomState(0).rand(60, 4)
    y = (X[:, 0] > 0.5).astype(int)
    for name, selector in (("default", SelectKBest(k=2)), ("chi2", SelectKBest(chi2, k=2)),
                           ("mi", SelectPercentile(mutual_info_classif))):
        joblib.dump(make_pipeline(selector, LogisticRegression()).fit(X, y), f"{name}.joblib")
    assert run(capsys, "default.joblib", "chi2.joblib", "mi.joblib") == (0, [])


def test_a_pair_the_probe_refuses_gets_the_scans_wording_and_snippet(project, capsys):
    """A scikit-learn class from a module where no estimator lives is refused by the probe,
    a function too: the class is offered in the allow snippet (and loads once allowed), the
    function never is."""
    (project / "tags.pkl").write_bytes(b"\x80\x02csklearn.utils._tags\nTags\n\x85.")
    (project / "fn.pkl").write_bytes(
        b"\x80\x02csklearn.metrics._classification\nconfusion_matrix\n\x85.")
    assert main(["artifact", "--python", sys.executable, "--no-cache", "tags.pkl",
                 "fn.pkl"]) == 1
    out = capsys.readouterr().out
    assert "fn.pkl:1:1: MLG301" in out and "not named like a public class" in out
    assert "a scikit-learn class mlgate does not vet" in out
    snippet = out[out.index("[tool.mlgate.artifact]"):]
    assert '"sklearn.utils._tags:Tags"' in snippet and "confusion_matrix" not in snippet
    (project / "pyproject.toml").write_text(snippet)
    assert run(capsys, "--no-cache", "tags.pkl") == (0, [])
