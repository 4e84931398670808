"""Round 37's hunt for false alarms on honest artifacts (each was refused, or made an
honest project INCOMPLETE, with no configuration):

- numpy's abstract kinds as parameters (`make_column_selector(dtype_include=np.number)`,
  scikit-learn's own recipe), and `np.bool_`, which numpy 2 pickles as `numpy.bool`;
- HistGradientBoosting fitted with early stopping on a scorer keeps a bound method of
  itself in its state (`getattr(<the estimator>, '_raw_predict')`): called an exploit;
- a pickled DataFrame beside a model was taken for its preprocessor (it has `transform`);
- a pandas index of a nullable dtype (Int64, boolean): its dtype caches `index_class`;
- a pickled scorer with scikit-learn before 1.1 crashed the probe (`get_scorer_names`).
"""

from __future__ import annotations

import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest

from helpers import artifact_json
from mlgate.cli import main


def _commit(git_project, name: str, value) -> str:
    joblib.dump(value, git_project / name)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    return name


FRAME = pd.DataFrame({"c": list("abab") * 10, "n": list(range(40)),
                      "f": np.linspace(0, 1, 40)})


@pytest.mark.parametrize("kind", ["number", "integer", "floating", "bool_"])
def test_numpy_kinds_as_parameters_pass(git_project, capsys, kind):
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.preprocessing import OneHotEncoder

    if kind == "bool_":
        model = OneHotEncoder(dtype=np.bool_, sparse_output=False).fit(FRAME[["c"]])
    else:
        model = ColumnTransformer([("n", "passthrough", make_column_selector(
            dtype_include=getattr(np, kind)))]).fit(FRAME)
    name = _commit(git_project, "model.joblib", model)
    assert artifact_json(capsys, name) == (0, [])


@pytest.mark.parametrize("scoring", ["roc_auc", "f1"])
def test_hist_gradient_boosting_early_stopping_on_a_scorer_passes(git_project, capsys,
                                                                   scoring):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = FRAME[["n", "f"]], (FRAME.n % 2 == 0).astype(int)
    model = HistGradientBoostingClassifier(early_stopping=True, scoring=scoring, max_iter=5,
                                           n_iter_no_change=2).fit(X, y)
    assert "_raw_predict" in vars(model)  # what scikit-learn leaves in the state
    name = _commit(git_project, "model.joblib", model)
    assert artifact_json(capsys, name) == (0, [])


def test_getattr_of_another_method_or_object_is_still_refused(git_project, capsys):
    # the one form accepted is getattr(<a HistGradientBoosting>, '_raw_predict')
    from helpers import g, u

    hgb = (g("sklearn.ensemble._hist_gradient_boosting.gradient_boosting",
             "HistGradientBoostingClassifier") + b")\x81")
    for target, attribute in ((hgb, "predict"), (hgb, "__reduce__"),
                              (g("sklearn.linear_model", "LogisticRegression") + b")\x81",
                               "_raw_predict")):
        data = (b"\x80\x04" + g("builtins", "getattr") + b"(" + target + u(attribute)
                + b"tR.")
        (git_project / "m.pkl").write_bytes(data)
        subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
        code, found = artifact_json(capsys, "--no-load", "m.pkl")
        assert code == 1 and found[0]["code"] in ("MLG301", "MLG302"), (attribute, found)


def test_a_dataframe_beside_a_model_is_data_not_its_preprocessor(git_project, capsys,
                                                                 monkeypatch):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["good film", "bad film", "great plot", "awful plot"] * 5
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(
        texts, [1, 0, 1, 0] * 5)
    (git_project / "model").mkdir()
    (git_project / "reports").mkdir()
    _commit(git_project, "model/sentiment.joblib", model)
    pd.DataFrame({"C": [1.0, 2.0], "score": [0.8, 0.9]}).to_pickle(
        git_project / "reports" / "cv_results.pkl")
    (git_project / "model" / "sample.json").write_text('{"text": "a good film"}')
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate]\nrequire = ["artifact", "schema"]\n')
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["audit", "--format", "json", "--no-cache", "--python", sys.executable])
    out = capsys.readouterr().out
    assert code == 0, out
    assert '"status": "pass"' in out and "preprocessor" not in out.split('"schema"')[1][:400]


@pytest.mark.parametrize("values, dtype", [([1, None, 3], "Int64"),
                                           ([True, False, None], "boolean"),
                                           ([1.5, None, 2.5], "Float64")])
def test_a_frame_indexed_by_a_nullable_dtype_passes(git_project, capsys, values, dtype):
    index = pd.Index(pd.array(values, dtype=dtype), name="customer_id")
    frame = pd.DataFrame({"v": [1, 2, 3]}, index=index)
    frame.to_pickle(git_project / "lookup.pkl")
    multi = pd.DataFrame({"v": [1, 2, 3]}, index=pd.MultiIndex.from_arrays([list("abc"), index]))
    name = _commit(git_project, "multi.joblib", multi)
    assert artifact_json(capsys, "lookup.pkl", name) == (0, [])


def test_scorer_functions_are_told_without_get_scorer_names(monkeypatch):
    # scikit-learn < 1.1 has no get_scorer_names: the probe crashed, the model was blamed
    import sklearn.feature_selection  # noqa: F401 - (imported before, as it is in use)
    from sklearn import metrics
    from sklearn.metrics import f1_score

    from mlgate.probe_script import sklearn_pairs

    monkeypatch.delattr(metrics, "get_scorer_names")
    assert sklearn_pairs._scorer_function(f1_score, f1_score.__module__, "f1_score")


FEATURES = '''\
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class Ratio(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float) * 2


def tokenize(text):
    return text.split()
'''


def _layered_environment(tmp_path_factory) -> tuple[str, str]:
    """A new environment that reaches this interpreter's packages (scikit-learn...)
    through a .pth file, as a layered environment does: (its python, its site-packages)."""
    import sysconfig
    import venv

    env = tmp_path_factory.mktemp("layered")
    venv.EnvBuilder(with_pip=False).create(env)
    python = str(env / "bin" / "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path("
                           "'purelib'))"], capture_output=True, text=True,
                          check=True).stdout.strip()
    with open(site + "/_shared.pth", "w") as handle:
        handle.write(sysconfig.get_path("purelib") + "\n")
    return python, site


def test_a_project_installed_with_pip_install_dot_passes(git_project, capsys, tmp_path_factory):
    # False-alarm round 37: a src-layout project installed non-editable (as a Dockerfile
    # does) had its own class and functions refused: imported from site-packages, not from
    # the tracked file, though the installed copy is the same text. A stale copy is not.
    import shutil
    import sysconfig

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    package = git_project / "src" / "fapkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "features.py").write_text(FEATURES)
    (git_project / "pyproject.toml").write_text('[project]\nname = "fapkg"\nversion = "0"\n')
    (git_project / "train.py").write_text(  # what built the model: it hands tokenize over
        "from sklearn.feature_extraction.text import TfidfVectorizer\n"
        "from fapkg.features import tokenize\n"
        "vectorizer = TfidfVectorizer(tokenizer=tokenize, token_pattern=None)\n")
    python, site = _layered_environment(tmp_path_factory)
    shutil.copytree(package, site + "/fapkg")  # what `pip install .` leaves there
    assert sysconfig.get_path("purelib") != site
    sys.path.insert(0, str(git_project / "src"))
    try:
        from fapkg.features import Ratio, tokenize

        X = np.arange(8.0).reshape(4, 2)
        joblib.dump(make_pipeline(Ratio(), LogisticRegression()).fit(X, [0, 1, 0, 1]),
                    git_project / "ratio.joblib")
        joblib.dump(make_pipeline(TfidfVectorizer(tokenizer=tokenize, token_pattern=None),
                                  LogisticRegression()).fit(["a b", "c d"] * 2, [0, 1] * 2),
                    git_project / "text.joblib")
    finally:
        sys.path.remove(str(git_project / "src"))
        for name in [m for m in sys.modules if m.split(".")[0] == "fapkg"]:
            del sys.modules[name]
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    args = ["artifact", "--format", "json", "--no-cache", "--python", python]
    assert main([*args, "ratio.joblib", "text.joblib"]) == 0, capsys.readouterr().out
    capsys.readouterr()
    with open(site + "/fapkg/features.py", "a") as handle:
        handle.write("# edited after the install\n")  # a stale install: another text
    assert main([*args, "ratio.joblib"]) == 1
    assert "its text differs: reinstall the project" in capsys.readouterr().out


WORKERS = """
    import multiprocessing

    import numpy as np
    from sklearn.base import BaseEstimator, TransformerMixin


    class Hashed(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            # workers, as category_encoders 2.6's HashingEncoder starts them
            worker = multiprocessing.get_context("fork").Process(target=len, args=((),))
            worker.start()
            worker.join()
            return np.asarray(X, dtype=float)
    """


def test_a_model_that_starts_workers_when_it_predicts_is_not_checked_not_failed(
        git_project, capsys):
    # False-alarm round 37: mlgate's sandbox refuses the process, and the model was failed
    # (MLG407, NOT READY) though it predicts where the service runs
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from test_artifact_load import pickle_with_project_class

    X = np.arange(8.0).reshape(4, 2)
    pickle_with_project_class(git_project, "proj.workers", WORKERS, lambda m: make_pipeline(
        m.Hashed(), LogisticRegression()).fit(X, [0, 1, 0, 1]))
    (git_project / "sample_request.json").write_text("[[0.1, 0.2]]")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["schema", "--format", "json", "--no-cache", "--python", sys.executable,
                 "--artifact", "model.joblib", "--sample", "sample_request.json"])
    found = __import__("json").loads(capsys.readouterr().out)
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [
        ("MLG400", "warning")], found
    assert "which mlgate's sandbox does not allow: its prediction was not checked" in found[
        0]["message"]
    code = main(["audit", "--format", "json", "--no-cache", "--python", sys.executable])
    report = __import__("json").loads(capsys.readouterr().out)
    pillars = {p["name"]: p["status"] for p in report["pillars"]}
    assert report["verdict"] != "ready" and pillars["schema"] == "not-checked", report
    assert "mlgate's sandbox does not allow" in str(report["pillars"]), report


def test_packages_a_pth_file_adds_are_installed_for_the_lock_check(git_project, capsys,
                                                                   tmp_path_factory):
    # New-user trial round 37: a layered environment (a .pth naming another environment's
    # site-packages) had numpy "not installed" (MLG201) while the artifact check loaded it:
    # the version probe's sandbox could not read the folder the .pth names
    python, _ = _layered_environment(tmp_path_factory)
    (git_project / "requirements.txt").write_text(f"numpy=={np.__version__}\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["lock", "--format", "json", "--no-cache", "--python", python,
                 "requirements.txt"])
    found = __import__("json").loads(capsys.readouterr().out)
    assert not [f for f in found if f["code"] in ("MLG201", "MLG202")], found
    assert code == 0, found


def test_numpy_functions_and_a_compiled_pattern_kept_by_a_model_pass(git_project, capsys):
    import re

    from sklearn.preprocessing import FunctionTransformer

    for n, func in enumerate((np.clip, np.nan_to_num, np.round)):
        kwargs = {"kw_args": {"a_min": 0, "a_max": 1}} if func is np.clip else {}
        _commit(git_project, f"f{n}.joblib", FunctionTransformer(func, **kwargs).fit(
            np.zeros((2, 2))))
    _commit(git_project, "pattern.joblib", {"tokens": re.compile(r"\w+", re.I), "n": 2})
    assert artifact_json(capsys, "f0.joblib", "f1.joblib", "f2.joblib",
                         "pattern.joblib") == (0, [])
    # a pattern past what a model keeps, or made otherwise than CPython writes it
    from helpers import g, u

    for args in (u("a" * 10_001) + b"K\x00", u("x") + u("flags"), u("x")):
        (git_project / "p.pkl").write_bytes(b"\x80\x04" + g("re", "_compile") + b"(" + args
                                            + b"tR.")
        subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
        code, found = artifact_json(capsys, "--no-load", "p.pkl")
        assert code == 1 and "re._compile called with other than" in found[0]["message"], found


def test_a_lightgbm_text_model_is_in_another_format_not_a_broken_pickle(git_project, capsys):
    # False-alarm round 37: a declared LightGBM `model.txt` failed the artifact pillar as
    # "not a model artifact", with a hint to pickle it (the less safe format)
    (git_project / "model.txt").write_bytes(b"tree\nversion=v4\nnum_class=1\n" + b"x=1\n" * 20)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "model.txt")
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [
        ("MLG304", "warning")], found
    assert found[0]["message"].startswith("a LightGBM model in LightGBM's own format")
    (git_project / "notes.txt").write_text("tree\nnot a model\n" * 5)  # text: still refused
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "notes.txt")
    assert code == 1 and found[0]["severity"] == "error", found


def test_a_dill_helper_is_named_for_what_it_does(git_project, capsys):
    # False-alarm round 37: dill's `_create_array` (how dill writes every numpy array)
    # was said to "rebuild a function from the code the artifact carries": it calls what it
    # is given, which is why it stays refused, and the hint says how to save the model
    from helpers import g

    data = b"\x80\x04" + g("dill._dill", "_create_array") + b")R."
    (git_project / "model.pkl").write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load", "model.pkl")
    assert code == 1 and found[0]["code"] == "MLG301", found
    assert "rebuilds functions from the code an artifact carries or calls what it names" in (
        found[0]["message"]) and "joblib.dump or pickle.dump" in found[0]["hint"], found
