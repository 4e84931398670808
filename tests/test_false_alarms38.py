"""The rest of round 37's hunt for false alarms on honest artifacts:

- a metric kept by a scorer that no named scorer is behind (`make_scorer(fbeta_score,
  beta=2)`), and a partial of a score function as a selector's `score_func`
  (`partial(mutual_info_classif, random_state=0)`): both refused, with no `allow` offered;
- a `pd.Interval` kept in a bundle;
- a RandomizedSearchCV saved whole with its scipy.stats distributions was called an exploit
  (`numpy.vectorize`). Refusing it is right, since scipy exec()s source text the pickle
  stores when it rebuilds a distribution, but the finding must say so and what to save.
"""

from __future__ import annotations

import functools
import pickle
import re
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest

from helpers import artifact_json

X = pd.DataFrame(np.abs(np.random.RandomState(0).normal(size=(60, 4))), columns=list("abcd"))
Y = (X.a > X.b).astype(int)


def _commit(git_project, name: str, value) -> str:
    joblib.dump(value, git_project / name)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    return name


def test_a_scorer_of_any_metric_passes(git_project, capsys):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import fbeta_score, make_scorer
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(LogisticRegression(), {"C": [1, 2]}, cv=3,
                          scoring=make_scorer(fbeta_score, beta=2)).fit(X, Y)
    name = _commit(git_project, "search.joblib", search)
    assert artifact_json(capsys, name) == (0, [])


def test_a_partial_of_a_score_function_passes(git_project, capsys):
    from sklearn.feature_selection import SelectKBest, mutual_info_classif
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(SelectKBest(functools.partial(mutual_info_classif, random_state=0),
                                      k=2), LogisticRegression()).fit(X, Y)
    name = _commit(git_project, "model.joblib", model)
    assert artifact_json(capsys, name) == (0, [])


def _partial_of(module: str, name: str, keywords: bytes = b"}") -> bytes:
    """partial(module.name) with the state (func, (), keywords, None), as CPython writes it
    at protocol 2 (GLOBAL, then BUILD with a 4-tuple)."""
    func = f"c{module}\n{name}\n".encode()
    return (b"\x80\x02cfunctools\npartial\n" + func + b"\x85R(" + func + b")" + keywords
            + b"Ntb.")


def test_the_crafted_partial_is_the_form_that_passes(git_project, capsys):
    # (so that the refusals below are about what the partial holds, not its form)
    data = _partial_of("sklearn.feature_selection._mutual_info", "mutual_info_classif",
                       b"}X\x0c\x00\x00\x00random_stateK\x00s")
    assert pickle.loads(data).keywords == {"random_state": 0}
    (git_project / "model.pkl").write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "model.pkl") == (0, [])


@pytest.mark.parametrize("module, name, why", [
    # not a score function: the probe refuses it before anything is unpickled
    ("sklearn.utils.validation", "column_or_1d", "functools.partial"),
    ("sklearn.datasets", "fetch_openml", "never load"),
    ("os", "system", "never load"),
])
def test_a_partial_of_anything_else_is_refused(git_project, capsys, module, name, why):
    data = _partial_of(module, name)
    (git_project / "model.pkl").write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, findings = artifact_json(capsys, "model.pkl")
    assert code == 1 and findings
    assert any(why in f["message"] + f.get("hint", "") for f in findings), findings


@pytest.mark.parametrize("keyword, why", [
    (b"X\t\x00\x00\x00__class__", "dunder"),
    (b"X\x0c\x00\x00\x00random state", "keywords its function does not take"),
])
def test_a_partial_with_a_keyword_no_function_takes_is_refused(git_project, capsys, keyword,
                                                                 why):
    module, name = "sklearn.feature_selection._mutual_info", "mutual_info_classif"
    data = _partial_of(module, name, b"}" + keyword + b"K\x01s")
    (git_project / "model.pkl").write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, findings = artifact_json(capsys, "model.pkl")
    assert code == 1
    assert any(why in f["message"] for f in findings), findings


def test_an_interval_in_a_bundle_passes(git_project, capsys):
    bundle = {"bins": [pd.Interval(0, 10, closed="left"),
                       pd.Interval(np.float64(0.5), np.float64(2.5), closed="both"),
                       pd.Interval(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"))]}
    name = _commit(git_project, "bundle.joblib", bundle)
    assert artifact_json(capsys, name) == (0, [])


def test_an_interval_made_otherwise_is_refused(git_project, capsys):
    # pd.Interval("a", "b"): ends that are text, which pandas' own pickle never holds
    data = (b"\x80\x02cpandas\nInterval\nX\x01\x00\x00\x00aX\x01\x00\x00\x00b"
            b"X\x04\x00\x00\x00left\x87R.")
    (git_project / "model.pkl").write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, findings = artifact_json(capsys, "model.pkl")
    assert code == 1 and any("pandas pickles it otherwise" in f["message"] for f in findings)


@pytest.mark.parametrize("distribution", ["randint", "loguniform"])
def test_a_search_with_scipy_distributions_is_refused_for_what_it_is(git_project, capsys,
                                                                     distribution):
    from scipy import stats
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import RandomizedSearchCV

    space = {"C": stats.loguniform(1e-2, 1e2)} if distribution == "loguniform" else {
        "max_iter": stats.randint(50, 100)}
    search = RandomizedSearchCV(LogisticRegression(), space, n_iter=2, cv=3,
                                random_state=0).fit(X, Y)
    name = _commit(git_project, "search.joblib", search)
    code, findings = artifact_json(capsys, name)
    assert code == 1 and len(findings) == 1
    assert "scipy.stats distribution runs source text" in findings[0]["message"]
    assert "best_estimator_" in findings[0]["hint"] and "exploit" not in findings[0]["hint"]
    assert "allow" not in findings[0]


# -- older releases' forms (round 37's environments: scikit-learn 0.24 and 1.0, numpy 1.19,
# pandas 1.2 and 1.3); the files they write are in artifact_fixtures/old_pandas

NEW_BLOCK = b"cpandas.core.internals.blocks\nnew_block\n"
NDIM_2 = b"}X\x04\x00\x00\x00ndimK\x02s"


def _scan(data: bytes):
    from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
    from mlgate.artifacts.pickle_scan import scan_pickle

    return scan_pickle(data, AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES, defer=True))


def _block_partial(keywords: bytes) -> bytes:
    """partial(new_block, **keywords), as pandas 1.3's Block.__reduce__ makes it."""
    return (b"\x80\x02cfunctools\npartial\n" + NEW_BLOCK + b"\x85R(" + NEW_BLOCK + b")"
            + keywords + b"Ntb")


@pytest.mark.parametrize("data, words", [
    # called with what no block is made of: checked as the _unpickle_block it stands for
    (_block_partial(NDIM_2) + b"NN\x86R.", "pandas pickles it otherwise"),
    (_block_partial(b"}X\x04\x00\x00\x00ndimK\x03s") + b"NN\x86R.", "computed value"),
    (_block_partial(NDIM_2 + b"X\x05\x00\x00\x00klassNs") + b"NN\x86R.",
     "keywords its function does not take"),
    (b"\x80\x02" + NEW_BLOCK + b"NNK\x02\x87R.", "pandas pickles it otherwise"),
])
def test_pandas_1_3_block_partial_only_as_pandas_writes_it(data, words):
    verdict = _scan(data)
    assert not verdict.safe
    assert any(words in r.message for r in verdict.refusals), verdict.refusals


UFUNC_RECONSTRUCT = b"cnumpy.core\n_ufunc_reconstruct\n"


def _text(value: str) -> bytes:
    return b"X" + len(value).to_bytes(4, "little") + value.encode()


def test_a_ufunc_numpy_before_1_20_pickled_passes(git_project, capsys):
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = make_pipeline(FunctionTransformer(np.log1p), LinearRegression()).fit(X, X.a)
    data = pickle.dumps(model, protocol=2)
    # how this numpy spells it (numpy.log1p, or its extension module's name), and 1.19's below
    spelled = re.search(rb"c[\w.]+\nlog1p\n", data).group(0)
    assert data.count(spelled) == 1
    old = UFUNC_RECONSTRUCT + _text("numpy.core._multiarray_umath") + _text("log1p") + b"\x86R"
    (git_project / "model.pkl").write_bytes(data.replace(spelled, old))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, findings = artifact_json(capsys, "model.pkl")
    assert code == 0 and {f["code"] for f in findings} <= {"MLG306"}, findings


@pytest.mark.parametrize("tail", [
    _text("os") + _text("system") + b"\x86R.",
    _text("numpy") + _text("load") + b"\x86R.",  # numpy's, but no ufunc
    _text("numpy.core._multiarray_umath") + _text("log1p") + _text("x") + b"\x87R.",
    b".",  # named, never called: it could be called later with anything
])
def test_the_ufunc_reconstructor_makes_only_vetted_ufuncs(tail):
    verdict = _scan(b"\x80\x02" + UFUNC_RECONSTRUCT + tail)
    assert not verdict.safe
    assert "_ufunc_reconstruct" in verdict.refusals[0].message, verdict.refusals


def test_the_probe_hands_out_a_reconstructor_of_ufuncs_only():
    from mlgate.probe_script.common import LoadFailure
    from mlgate.probe_script.load import _ufunc_reconstruct

    assert _ufunc_reconstruct("numpy.core._multiarray_umath", "log1p") is np.log1p
    for module, name in (("os", "system"), ("numpy", "load"), ("numpy", "__class__")):
        with pytest.raises(LoadFailure):
            _ufunc_reconstruct(module, name)


def test_a_datetime_array_whose_cached_view_disagrees_is_refused():
    from mlgate.probe_script.ecosystem import structure_problem

    class DatetimeArray:  # what the check reads of pandas 1.2's
        def __init__(self, data, view):
            self._data, self._view, self.dtype = data, view, view.dtype

        @property
        def _ndarray(self):
            return self._view

    data = np.arange(4).astype("M8[ns]")
    assert structure_problem(DatetimeArray(data, data.view("M8[ns]"))) is None
    assert "disagree" in structure_problem(DatetimeArray(data[:2], data))


def test_an_estimator_of_scikit_learn_before_1_0_needs_no_recorded_width(monkeypatch):
    import sklearn
    from sklearn.preprocessing import OneHotEncoder

    from mlgate.probe_script.verify import _unrecorded_width_problem

    encoder = OneHotEncoder().fit([["a"], ["b"]])
    del encoder.n_features_in_  # as 0.24 left it
    assert "without n_features_in_" in _unrecorded_width_problem(encoder, OneHotEncoder)
    monkeypatch.setattr(sklearn, "__version__", "0.24.2")  # the project's release
    assert _unrecorded_width_problem(encoder, OneHotEncoder) is None


# -- round 38's hunt on the wider ecosystem

def test_the_probes_noted_stat_works_as_pathlibs_class_attribute(tmp_path):
    """Python < 3.11's pathlib keeps `stat = os.stat` on its accessor class: a function
    there became a method, and every Path.is_file() after the probe's patch raised
    TypeError (a LightGBM Booster, whose import calls it, was MLG309 on Python 3.9)."""
    import os

    from mlgate.probe_script.load import _noting

    seen: list = []
    noted = _noting(os.stat, seen.append)

    class Accessor:  # what pathlib < 3.11 does with os.stat
        stat = noted

    assert Accessor().stat(str(tmp_path)).st_mode and seen == [str(tmp_path)]


def test_a_pyarrow_column_whose_dtype_pandas_cached_passes(git_project, capsys):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "day": pd.date_range("2024-01-01", periods=3)})
    frame = frame.convert_dtypes(dtype_backend="pyarrow")
    frame.describe()  # fills each ArrowDtype's cached numpy dtype, kind and item size
    assert any(getattr(t, "__dict__", {}).get("_cache") for t in frame.dtypes)
    name = _commit(git_project, "reference.joblib", {"X_ref": frame})
    assert artifact_json(capsys, name) == (0, [])


def test_a_simple_namespace_is_a_class_to_allow_not_an_exploit(git_project, capsys):
    import http
    import types

    name = _commit(git_project, "bundle.joblib", {
        "cfg": types.SimpleNamespace(alpha=1.0, features=["a"]), "ok": http.HTTPStatus.OK})
    code, findings = artifact_json(capsys, name)
    assert code == 1 and {f.get("allow") for f in findings} == {"types:SimpleNamespace",
                                                                "http:HTTPStatus"}, findings
    assert not any("exploit" in f["message"] or "never load this" in (f.get("hint") or "")
                   for f in findings), findings
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["types:SimpleNamespace", "http:HTTPStatus"]\n')
    assert artifact_json(capsys, name) == (0, [])


def test_a_project_enum_is_one_finding_that_allow_lifts(git_project, capsys):
    package = git_project / "churn"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "config.py").write_text(
        "import enum\nfrom sklearn.base import BaseEstimator\n\n\n"
        "class Stage(str, enum.Enum):\n    PROD = 'prod'\n\n\n"
        "class Clipper(BaseEstimator):\n    def __init__(self, stage=Stage.PROD):\n"
        "        self.stage = stage\n\n    def fit(self, X, y=None):\n        return self\n")
    (git_project / "pyproject.toml").write_text('[project]\nname = "churn"\nversion = "1"\n')
    code = subprocess.run(
        [sys.executable, "-c", "import joblib, sys; sys.path.insert(0, '.');"
         " from churn.config import Clipper; joblib.dump(Clipper().fit([[0]]), 'model.joblib')"],
        cwd=git_project).returncode
    assert code == 0
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, findings = artifact_json(capsys, "model.joblib")
    assert code == 1 and [(f["code"], f.get("allow")) for f in findings] == [
        ("MLG301", "churn.config:Stage")], findings
    with (git_project / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.mlgate.artifact]\nallow = ["churn.config:Stage"]\n')
    assert artifact_json(capsys, "model.joblib") == (0, [])


FE = b"cfeature_engine.imputation.mean_median\nMeanMedianImputer\n"


@pytest.mark.parametrize("data, safe", [
    # NEWOBJ, then its attribute dict: how a fitted feature-engine transformer pickles
    (b"\x80\x02" + FE + b")\x81}X\r\x00\x00\x00imputer_dict_}sb.", True),
    # called with arguments: its __init__ would run on what the file says
    (b"\x80\x02" + FE + b"K\x01\x85R.", False),
    # a name on no list of feature-engine's
    (b"\x80\x02cfeature_engine.imputation.mean_median\nload_data\n)\x81.", False),
])
def test_feature_engine_transformers_are_vetted_as_scikit_learn_estimators(data, safe):
    verdict = _scan(data)
    assert verdict.safe is safe, verdict.refusals


def test_a_timedelta_as_pandas_1_4_pickles_it_passes(git_project, capsys):
    """pandas 1.4 pickles a Timedelta as the class called with its nanoseconds."""
    data = (b"\x80\x02}X\x06\x00\x00\x00windowcpandas._libs.tslibs.timedeltas\nTimedelta\n"
            b"\x8a\x07\x00\x00)\xf9\x0f&\x02\x85Rs.")
    assert pickle.loads(data) == {"window": pd.Timedelta("7D")}
    (git_project / "bundle.pkl").write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "bundle.pkl") == (0, [])
    (git_project / "bundle.pkl").write_bytes(data.replace(b"\x85R", b"\x8a\x01\x01\x86R"))
    code, findings = artifact_json(capsys, "bundle.pkl")  # with more than its nanoseconds
    assert code == 1 and "pandas pickles it otherwise" in findings[0]["message"], findings


def test_dateutils_fixed_zones_pass(git_project, capsys):
    import datetime

    tz = pytest.importorskip("dateutil.tz")
    bundle = {"trained_at": datetime.datetime(2024, 3, 1, 9, tzinfo=tz.tzutc()),
              "local": datetime.datetime(2024, 3, 1, 9, tzinfo=tz.tzoffset("CET", 3600)),
              "unnamed": tz.tzoffset(None, datetime.timedelta(hours=-5))}
    name = _commit(git_project, "bundle.joblib", bundle)
    assert artifact_json(capsys, name) == (0, [])


@pytest.mark.parametrize("arguments", [b"K\x01\x85", b"NJ\x00\x00\x00\x10\x86"])
def test_dateutils_zones_made_otherwise_are_refused(arguments):
    # tzutc(1); tzoffset(None, 2**28 seconds): not what dateutil writes
    name = b"tzutc" if arguments.startswith(b"K") else b"tzoffset"
    verdict = _scan(b"\x80\x02cdateutil.tz.tz\n" + name + b"\n" + arguments + b"R.")
    assert not verdict.safe and "dateutil" in verdict.refusals[0].message, verdict.refusals


def test_dateutils_older_tzoffset_state_only_as_dateutil_writes_it():
    # dateutil 2-3: NEWOBJ, then {'_name': ..., '_offset': timedelta}; here an extra key
    head = b"\x80\x02cdateutil.tz.tz\ntzoffset\n)\x81}("
    delta = b"cdatetime\ntimedelta\nK\x00M\x10\x0eK\x00\x87R"
    good = head + b"X\x05\x00\x00\x00_nameX\x03\x00\x00\x00CETX\x07\x00\x00\x00_offset" + delta
    assert _scan(good + b"ub.").safe
    verdict = _scan(good + b"X\x04\x00\x00\x00evilK\x01ub.")
    assert not verdict.safe and "other than _name and _offset" in verdict.refusals[0].message
