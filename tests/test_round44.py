"""Session 44: review findings carried over (red team 43c) and those of the day's rounds.

Each test fails on the code before its fix."""

from __future__ import annotations

import json
import sys

import pytest

from mlgate.cli import main


def paths_findings(capsys, name: str) -> tuple[int, list[tuple[int, int, str]]]:
    code = main(["paths", "--format", "json", name])
    found = json.loads(capsys.readouterr().out)
    return code, [(f["line"], f["col"], f["code"]) for f in found]


# ------------------------------------ more spellings of "/home/<user>/..." (red team 43c F6)
def test_a_home_folder_template_is_found_however_it_is_formatted(git_project, capsys):
    (git_project / "train.py").write_text(
        'import pandas as pd\n'
        'TEMPLATE = "/home/{}/data/train.csv"\n'               # formatted later
        'a = pd.read_csv(TEMPLATE.format(user))\n'
        'b = pd.read_csv(str.format("/home/{}/x.csv", user))\n'
        'c = "/home/{0:>{1}}/data/train.csv".format(user, w)\n'  # a nested format spec
        'def load(user):\n'
        '    p = "/home/"\n'                                    # extended below
        '    p += user\n'
        '    return pd.read_csv(p + "/data/train.csv")\n')
    code, found = paths_findings(capsys, "train.py")
    assert code == 1 and found == [
        (2, 13, "MLG101"), (4, 29, "MLG101"), (5, 6, "MLG101"), (7, 10, "MLG101")], found


def test_a_name_extended_elsewhere_does_not_make_a_folder_followed(git_project, capsys):
    """Red team 44b F6: `prefix += k` in another function made `prefix = "/home/"`, used in
    startswith only, a home folder something follows; the same scope, later, counts; and
    `g = g + user` and "".join(["/home/", user]) are spellings of the same (F7)."""
    (git_project / "util.py").write_text(
        'def is_user_path(p):\n'
        '    prefix = "/home/"\n'
        '    return p.startswith(prefix)\n'
        '\n\n'
        'def join_keys(keys):\n'
        '    prefix = ""\n'
        '    for k in keys:\n'
        '        prefix += k\n'
        '    return prefix\n'
        '\n\n'
        'def data(user):\n'
        '    g = "/home/"\n'
        '    if user:\n'
        '        g = g + user + "/x.csv"\n'
        '    return g, "".join(["/home/", user, "/y.csv"])\n')
    code, found = paths_findings(capsys, "util.py")
    assert code == 1 and found == [(14, 10, "MLG101"), (17, 25, "MLG101")], found


def test_ordinary_templates_and_appends_stay_silent(git_project, capsys):
    (git_project / "app.py").write_text(
        'ROUTE = "/users/{user_id}"\n'
        'ITEM = "/api/v1/items/{item_id}/predict"\n'
        'KEY = "/models/{run}/model.joblib"\n'
        'S3 = "/{bucket}/{key}"\n'
        'BODY = \'{"path": "x"}\'\n'
        'msg = "saved"\n'
        'msg += " to disk"\n'
        'url = "https://example.com/api/"\n'
        'url += user\n')
    assert paths_findings(capsys, "app.py") == (0, [])


# -------------------- one state shared through the memo is walked once (red team 43b F11)
def _shared_state_pickle(items: int, builds: int) -> bytes:
    """`builds` objects of a class mlgate does not vet, each given the one memoized state
    {'k': [1] * items}, as BUILD after NEWOBJ: what a stream of shared states looks like."""
    out = bytearray(b"\x80\x04\x8c\x0bpolars_fakeq\x00\x8c\x09DataFrameq\x01\x93q\x02")
    out += b"}q\x03(\x8c\x01kq\x04]q\x05(" + b"K\x01" * items + b"eu"
    out += b"]("
    out += b"h\x02)\x81h\x03b" * builds  # GET cls, (), NEWOBJ, GET state, BUILD
    return bytes(out + b"e.")


def test_a_state_shared_by_many_objects_is_walked_once(monkeypatch):
    from mlgate.artifacts import pickle_scan

    walks = {"parts": 0, "keys": 0}
    parts, keys = pickle_scan._consumed_parts, pickle_scan._state_carries_keys

    def counted_parts(value):
        walks["parts"] += isinstance(value, pickle_scan.Mapping)  # (not NEWOBJ's `()`)
        return parts(value)

    def counted_keys(*args, **kwargs):
        walks["keys"] += 1
        return keys(*args, **kwargs)

    monkeypatch.setattr(pickle_scan, "_consumed_parts", counted_parts)
    monkeypatch.setattr(pickle_scan, "_state_carries_keys", counted_keys)
    verdict = pickle_scan.scan_pickle(_shared_state_pickle(1000, 300), lambda m, n: False)
    assert not verdict.safe
    assert [r.pair for r in verdict.refusals if r.pair] == [("polars_fake", "DataFrame")]
    # each object's state is still paid for (the budget), but looked through once: 300
    # BUILDs walked 200,000-item states 300 times each (12 s for a 540 KB file)
    assert walks["keys"] == 1, walks
    assert walks["parts"] <= 2, walks


def test_a_shared_state_still_runs_out_of_budget():
    from mlgate.artifacts import pickle_scan

    verdict = pickle_scan.scan_pickle(_shared_state_pickle(200_000, 20_000),
                                      lambda m, n: False)
    assert any("work budget ran out" in r.message for r in verdict.refusals), verdict.refusals


# ------------------------------------ hints that name the mistake (new-user trial 43 F9)
def test_a_rename_hint_says_what_differs():
    from mlgate.checks.schema import _renamed_hint

    assert _renamed_hint("Fat ", "Fat", ["Fat"]).endswith("differs from 'Fat ' only by spaces"
                                                          " at its ends")
    assert _renamed_hint("Income", "income", ["income"]).endswith("only in case")
    many = _renamed_hint("deck", "deck_t", ["deck_f", "deck_t", "side_s"])
    assert many.startswith("the sample has 'deck_f', 'deck_t': one-hot columns of 'deck'"), many
    assert many.endswith("send 'deck' with its value ('f')"), many
    assert _renamed_hint("age", "age_years", ["age_years"]) == (
        "renamed? the sample has 'age_years'")  # one such name alone: a rename
    one = _renamed_hint("deck", "deck_f", ["deck_f", "side_s"], one_hot=True)
    assert one.startswith("the sample has 'deck_f': one-hot columns of 'deck'"), one
    assert _renamed_hint("tenure_months", "tenure", ["tenure"]) == (
        "renamed? the sample has 'tenure'")


def test_a_key_a_dict_vectorizer_drops_is_said_to_be_dropped(git_project, capsys):
    """A DictVectorizer first step ignores a key it was not fitted on, silently: "a model
    fitted on exactly its columns refuses the request" was the wrong warning there."""
    import sys

    import joblib
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    rows = [{"contract": "monthly", "tenure": 3}, {"contract": "yearly", "tenure": 30}] * 5
    pipeline = make_pipeline(DictVectorizer(), LogisticRegression()).fit(rows, [0, 1] * 5)
    joblib.dump(pipeline, git_project / "model.bin")
    (git_project / "sample.json").write_text(json.dumps(
        {"contract": "monthly", "tenure": 5, "discount": 0.1}))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.churn]\nartifact = "model.bin"\nsample = "sample.json"\n')
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["code"], f["column"]) for f in found] == [
        ("MLG402", "discount")], found
    assert found[0]["hint"].startswith("the model's DictVectorizer ignores a key"), found


# ------------- keys a pydantic contract ignores, for a model of no names (new-user 43 F2)
IRIS_API = '''from pydantic import BaseModel


class IrisInput(BaseModel):
    sepal_length: float
    sepal_width: float
    petal_length: float
    petal_width: float
'''


def test_a_key_the_contract_ignores_does_not_widen_an_unnamed_models_row(git_project, capsys):
    """The API validates the request into a 4-field model (pydantic ignores `species`) and
    predicts on its values: the model of 4 unnamed columns gets 4, in the fields' order.
    mlgate sent all 5 keys ("fitted on 4 unnamed columns; the sample has 5")."""
    import sys

    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] * 5)
    joblib.dump(LogisticRegression().fit(x, [0, 1] * 5), git_project / "model.joblib")
    (git_project / "main.py").write_text(IRIS_API)
    sample = {"species": 1, "petal_width": 0.2, "sepal_length": 5.1, "sepal_width": 3.5,
              "petal_length": 1.4}
    (git_project / "sample.json").write_text(json.dumps(sample))
    table = ('[tool.mlgate.models.iris]\nartifact = "model.joblib"\nsample = "sample.json"\n'
             'contract = "main.py:IrisInput"\n')
    (git_project / "pyproject.toml").write_text(table)
    args = ["schema", "--format", "json", "--python", sys.executable, "--no-cache"]
    assert (main(args), json.loads(capsys.readouterr().out)) == (0, [])
    # a contract that keeps every key (extra="allow") hands the API's code all five
    (git_project / "main.py").write_text(IRIS_API.replace(
        "BaseModel):\n", "BaseModel):\n    model_config = {'extra': 'allow'}\n"))
    code = main(args)
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG404"], found


# ------------------------------------------------- red team 44: what a model does when called
PACKAGE = '''import functools

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class ThresholdModel(BaseEstimator, ClassifierMixin):
    def __init__(self, threshold=0.5):
        self.threshold = threshold

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return (np.asarray(X, dtype=float)[:, 0] > self.threshold).astype(int)


class lazyproperty:  # the Python Cookbook's caching descriptor (8.10)
    def __init__(self, func):
        self.func = func

    def __get__(self, instance, cls):
        if instance is None:
            return self
        value = self.func(instance)
        setattr(instance, self.func.__name__, value)
        return value


class LinkModel(ThresholdModel):
    """Caches a link function and a summary, and takes a `transform` parameter."""

    def __init__(self, threshold=0.5, link="identity", transform=None):
        self.threshold, self.link, self.transform = threshold, link, transform

    @functools.cached_property
    def _inverse_link(self):
        return np.exp if self.link == "exp" else np.positive

    @lazyproperty
    def summary(self):
        return float(self.threshold)

    def predict(self, X):
        return (self._inverse_link(np.asarray(X, dtype=float)[:, 0]) > self.threshold).astype(int)


class Ensemble(ThresholdModel):
    def fit(self, X, y):
        super().fit(X, y)
        self._predictors = [ThresholdModel().fit(X, y)]
        return self


def forking(X, command="true"):
    import os

    try:
        pid = os.fork()
    except OSError:
        return X
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return X


def tool(X, command="true"):
    import subprocess

    try:
        subprocess.run([command], check=False)
    except OSError:
        pass
    return X
'''


def _dump_with_package(root, make) -> None:
    """`make(module)`'s object dumped as the project would: its package importable."""
    import subprocess
    import sys

    import joblib

    (root / "shop").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "model.py").write_text(PACKAGE)
    # the code that built the model, tracked: what it hands to FunctionTransformer is a
    # value a model may keep (session 45: a function only ever called is not admitted)
    (root / "train.py").write_text(
        "from sklearn.preprocessing import FunctionTransformer\n"
        "from shop.model import forking, tool\n"
        "STEPS = [FunctionTransformer(tool), FunctionTransformer(forking)]\n")
    subprocess.run(["git", "add", "shop", "train.py"], cwd=root, check=True)
    sys.path.insert(0, str(root))
    try:
        import shop.model

        joblib.dump(make(shop.model), root / "model.joblib")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] == "shop"]:
            del sys.modules[name]


def _artifact(capsys) -> tuple[int, list[dict]]:
    import sys

    code = main(["artifact", "--format", "json", "--no-cache", "--python", sys.executable,
                 "model.joblib"])
    return code, json.loads(capsys.readouterr().out)


def test_an_attribute_standing_in_for_a_project_estimators_method_is_refused(
        git_project, capsys):
    import numpy as np

    def make(module):
        model = module.ThresholdModel().fit(np.array([[0.1], [0.9]]), [0, 1])
        model.__dict__["predict"] = np.negative  # what `model.predict` then returns
        return model

    _dump_with_package(git_project, make)
    code, found = _artifact(capsys)
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "ThresholdModel: an attribute 'predict' stored on the object stands in for its" \
           " class's method" in found[0]["message"], found


def test_a_method_the_class_lacks_stored_on_an_estimator_is_refused(git_project, capsys):
    import joblib
    import numpy as np
    from sklearn.svm import LinearSVC

    model = LinearSVC().fit(np.array([[0.1, 1.0], [0.9, 0.0]] * 5), [0, 1] * 5)
    model.__dict__["predict_proba"] = np.absolute  # LinearSVC has none
    joblib.dump(model, git_project / "model.joblib")
    code, found = _artifact(capsys)
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "an attribute 'predict_proba' stored on the object, whose class has no such" \
           " method" in found[0]["message"], found


def test_a_stored_worker_count_of_any_name_is_bounded(git_project, capsys):
    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(np.array([[0.1], [0.9]] * 5), [0, 1] * 5)
    model.max_process = 100_000  # category_encoders' HashingEncoder forks this many
    joblib.dump(model, git_project / "model.joblib")
    code, found = _artifact(capsys)
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "max_process=100000 would start 100000 workers" in found[0]["message"], found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the probe's sandbox")
def test_a_model_that_runs_a_program_when_called_is_reported(git_project, capsys):
    """A project function kept as FunctionTransformer.func, with arguments the file chose,
    ran `git` at predict; the sandbox refused it, the function caught the error, and the
    file passed (red team 44 F2). What the exercise tried is a finding."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    def make(module):
        return make_pipeline(FunctionTransformer(module.tool, kw_args={"command": "true"}),
                             LogisticRegression()).fit(np.array([[0.1], [0.9]] * 5), [0, 1] * 5)

    _dump_with_package(git_project, make)
    code, found = _artifact(capsys)
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "when mlgate called it on a few rows it tried to run a program" in found[0][
        "message"], found


# --------------------------- layouts of scikit-learn 0.22/0.23 (false-alarm trial 44 F1, F2)
def test_an_ensemble_that_recorded_no_width_takes_its_trees_width():
    """Before 0.24 AdaBoost, Voting, OneVsRest, ... recorded no n_features_in_: every such
    ensemble of trees was "a tree of another width than the ensemble"."""
    import numpy as np
    from sklearn.ensemble import AdaBoostClassifier
    from sklearn.tree import DecisionTreeClassifier

    from mlgate.probe_script.verify import _tree_width_problem

    rng = np.random.RandomState(0)
    x, y = rng.rand(40, 3), rng.randint(0, 2, 40)  # (noise: no early stop)
    model = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=3).fit(x, y)
    assert len(model.estimators_) == 3
    del model.n_features_in_
    assert _tree_width_problem(model) is None
    model.estimators_[1] = DecisionTreeClassifier().fit(x[:, :2], y)
    assert _tree_width_problem(model) == (
        "AdaBoostClassifier: a tree of another width than the ensemble")


def test_histogram_boosting_before_categorical_splits_is_verified():
    """0.23's predictor nodes have no is_categorical field ("no field of name
    is_categorical" refused every model); 0.22's model recorded n_features_ only, and its
    predictors went unverified."""
    import numpy as np
    from numpy.lib import recfunctions
    from sklearn.ensemble import HistGradientBoostingClassifier

    from mlgate.probe_script.verify import _predictors_problem

    x = np.random.RandomState(0).rand(60, 3)
    model = HistGradientBoostingClassifier(max_iter=3).fit(x, (x[:, 0] > 0.5).astype(int))
    for per_iteration in model._predictors:
        for predictor in per_iteration:
            predictor.nodes = recfunctions.drop_fields(predictor.nodes, "is_categorical",
                                                       usemask=False)
    assert _predictors_problem(model) is None
    model.n_features_ = model.n_features_in_
    del model.n_features_in_
    assert _predictors_problem(model) is None  # 0.22's record of its width
    predictor = model._predictors[0][0]
    predictor.nodes["feature_idx"][~predictor.nodes["is_leaf"].astype(bool)] = 7
    assert _predictors_problem(model) == (
        "TreePredictor: a split on a feature the model does not have")
    del model.n_features_  # (refused elsewhere, as a model "without n_features_in_")
    assert _predictors_problem(model) is None


# ------------------------------------------------------- red team 44b: the checks of 44, checked
def test_what_a_caching_descriptor_keeps_passes_unless_it_is_a_callable_it_did_not_compute(
        git_project, capsys):
    import numpy as np

    x = np.array([[0.1], [0.9]] * 3)

    def honest(module):
        model = module.LinkModel(link="exp", transform=np.log1p).fit(x, [0, 1] * 3)
        model.predict(x)  # caches the link function
        assert model.summary == 0.5  # and a value, through a descriptor of another name
        return model

    _dump_with_package(git_project, honest)
    assert _artifact(capsys) == (0, [])

    def replaced(module):
        model = honest(module)
        model.__dict__["_inverse_link"] = np.negative
        return model

    for name in ("shop", "model.joblib"):
        __import__("shutil").rmtree(git_project / name, ignore_errors=True)
    _dump_with_package(git_project, replaced)
    code, found = _artifact(capsys)
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "'_inverse_link' stored on the object in place of what its class computes" in found[
        0]["message"], found


def test_a_project_ensemble_keeping_predictors_is_no_histogram_boosting(git_project, capsys):
    import numpy as np

    _dump_with_package(git_project, lambda m: m.Ensemble().fit(np.array([[0.1], [0.9]]), [0, 1]))
    assert _artifact(capsys) == (0, [])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the probe's sandbox")
def test_a_model_that_forks_and_carries_on_past_the_refusal_is_reported(git_project, capsys):
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    def make(module):
        return make_pipeline(FunctionTransformer(module.forking, kw_args={"command": "x"}),
                             LogisticRegression()).fit(np.array([[0.1], [0.9]] * 5), [0, 1] * 5)

    _dump_with_package(git_project, make)
    code, found = _artifact(capsys)
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "tried to start a process when mlgate called it, then carried on" in found[0][
        "message"], found


def test_a_field_the_sample_omits_takes_the_contracts_default(git_project, capsys):
    """Red team 44b F5: `petal_width: float = 0.2` omitted from the sample, beside a key the
    contract ignores: the unnamed model got the sample's keys (a text, MLG407), or 3
    values (MLG404), while the API fills in 0.2 and predicts."""
    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] * 5)
    joblib.dump(LogisticRegression().fit(x, [0, 1] * 5), git_project / "model.joblib")
    (git_project / "main.py").write_text(IRIS_API.replace(
        "petal_width: float", "petal_width: float = Field(0.2, ge=0)").replace(
        "import BaseModel", "import BaseModel, Field"))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.iris]\nartifact = "model.joblib"\nsample = "sample.json"\n'
        'contract = "main.py:IrisInput"\n')
    args = ["schema", "--format", "json", "--python", sys.executable, "--no-cache"]
    for sample in ({"request_id": "r-17", "sepal_length": 5.1, "sepal_width": 3.5,
                    "petal_length": 1.4},
                   {"petal_length": 1.4, "sepal_length": 5.1, "sepal_width": 3.5}):
        (git_project / "sample.json").write_text(json.dumps(sample))
        assert (main(args), json.loads(capsys.readouterr().out)) == (0, []), sample


class _OldTimestamp:
    """What pandas before 1.3 writes for a Timestamp: the class called with (value, freq,
    tz)."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __reduce__(self):
        import pandas as pd

        return pd.Timestamp, (self.value, None, None)


def test_a_timestamp_as_pandas_before_1_3_pickled_it_passes(git_project, capsys):
    """False-alarm trial 44 F5: pandas 0.25-1.2 bundles with a date were all refused."""
    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(np.array([[0.1], [0.9]] * 5), [0, 1] * 5)
    joblib.dump({"model": model, "trained_at": _OldTimestamp(1593475200000000000)},
                git_project / "model.joblib")
    assert _artifact(capsys) == (0, [])
