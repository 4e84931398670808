"""Round 48: what red team 47 and the false-alarm and new-user rounds of 46 left open."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from test_round47 import APP as _APP47

from helpers import artifact_json, g, u
from mlgate.cli import main
from mlgate.contracts.discovery import handed_unchanged
from mlgate.contracts.pydantic_ast import read_pydantic

APP = (
    "import joblib\n"
    "import pandas as pd\n"
    "from fastapi import FastAPI\n"
    "from fastapi.encoders import jsonable_encoder\n"
    "from pydantic import BaseModel, Field, computed_field\n"
    "app = FastAPI()\n"
    "model = joblib.load('model.joblib')\n"
    "class Applicant(BaseModel):\n"
    "{fields}"
    "@app.post('/predict')\n"
    "def predict(applicant: Applicant):\n"
    "    frame = pd.DataFrame([{dump}])\n"
    "    return {{'label': int(model.predict(frame)[0])}}\n")

PROPERTY = ("    @property\n"
            "    def ratio(self) -> float:\n"
            "        return self.income / self.age\n")
COMPUTED = "    @computed_field\n" + PROPERTY


def _service(root, fields: str, dump: str, columns=("age", "income", "ratio"), model=None,
             sample: str | None = None) -> None:
    frame = pd.DataFrame({c: [20.0 + i * 10 + j for i in range(4)]
                          for j, c in enumerate(columns)})
    joblib.dump((model or LogisticRegression()).fit(frame, [0, 1, 0, 1]),
                root / "model.joblib")
    (root / "app.py").write_text(APP.format(fields=fields, dump=dump))
    if sample is not None:
        (root / "sample_request.json").write_text(sample)
    (root / "pyproject.toml").write_text('[tool.mlgate]\nrequire = ["artifact", "schema"]\n')
    subprocess.run(["git", "add", "-A"], check=True)


def _schema(capsys) -> tuple[int, list[dict]]:
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    return code, json.loads(capsys.readouterr().out)


FIELDS = "    age: float\n    income: float\n"


# ------------- F9: a derived column is in the frame only when the dict holds it
@pytest.mark.parametrize("extra, dump, kind", [
    (PROPERTY, "applicant.model_dump()", "@property"),
    (COMPUTED, "dict(applicant)", "@computed_field"),
    (COMPUTED, "vars(applicant)", "@computed_field"),
    ("    @computed_field\n    @cached_property\n    def other(self) -> float:\n"
     "        return 1.0\n" + PROPERTY, "applicant.dict()", "@property"),
])
def test_a_derived_column_the_handed_dict_lacks_fails(git_project, capsys, extra, dump, kind):
    """Red team 47 F9: `ratio` was a @property of the body, which no dump holds, and was
    excused as derived though the route handed the dump over: READY, every request 500."""
    _service(git_project, FIELDS + extra, dump)
    code, found = _schema(capsys)
    missing = [f for f in found if f["code"] == "MLG405"]
    assert code == 1 and [f["severity"] for f in missing] == ["error"], found
    assert f"Applicant.ratio is a {kind}" in missing[0]["hint"], missing
    assert "needs column 'ratio'" in missing[0]["message"], missing


@pytest.mark.parametrize("dump", ["applicant.model_dump()", "applicant.dict()",
                                  "applicant.model_dump(mode='json')"])
def test_a_computed_field_the_dump_holds_passes(git_project, capsys, dump):
    _service(git_project, FIELDS + COMPUTED, dump)
    assert _schema(capsys) == (0, [])


def test_a_property_a_route_may_compute_stays_excused(git_project, capsys):
    """Not handed over (a helper builds the frame): the property may well be added."""
    _service(git_project, FIELDS + PROPERTY, "features(applicant)")
    assert _schema(capsys) == (0, [])


# ------------- F8: a dump by alias is compared by the keys it has
ALIASED = "    age: float\n    income: float = Field(alias='Income')\n"


@pytest.mark.parametrize("dump", ["applicant.model_dump(by_alias=True)",
                                  "jsonable_encoder(applicant)"])
def test_a_dump_by_alias_matches_a_model_trained_on_the_aliases(git_project, capsys, dump):
    _service(git_project, ALIASED, dump, columns=("age", "Income"))
    assert _schema(capsys) == (0, [])


@pytest.mark.parametrize("dump, columns, needed, hint", [
    ("applicant.model_dump()", ("age", "Income"), "Income",
     "field 'income' reaches the model under its name, not its alias 'Income':"
     " dump the body with by_alias=True"),
    ("applicant.model_dump(by_alias=True)", ("age", "income"), "income",
     "field 'income' reaches the model under its alias 'Income'"),
    ("jsonable_encoder(applicant)", ("age", "income"), "income",
     "field 'income' reaches the model under its alias 'Income'"),
])
def test_a_dump_under_other_keys_than_the_model_needs_fails(git_project, capsys, dump,
                                                           columns, needed, hint):
    _service(git_project, ALIASED, dump, columns=columns)
    code, found = _schema(capsys)
    missing = [f for f in found if f["code"] == "MLG405"]
    assert code == 1 and [f["severity"] for f in missing] == ["error"], found
    assert f"needs column {needed!r}" in missing[0]["message"], missing
    assert hint in missing[0]["hint"], missing


def test_the_key_a_dump_by_alias_writes(tmp_path):
    """`validation_alias` renames what the API reads, not what its dump writes;
    `serialization_alias` the other way round."""
    (tmp_path / "m.py").write_text(
        "from pydantic import BaseModel, Field\n"
        "class M(BaseModel):\n"
        "    a: int = Field(alias='A')\n"
        "    b: int = Field(validation_alias='B')\n"
        "    c: int = Field(serialization_alias='C')\n"
        "    d: int = Field(alias='D', serialization_alias='DD')\n"
        "    e: int\n")
    contract = read_pydantic(str(tmp_path / "m.py"), "M", [str(tmp_path)])
    assert [(f.alias, f.dumped) for f in contract.fields] == [
        ("A", "A"), ("B", None), (None, "C"), ("D", "DD"), (None, None)]


# ------------- F10: the handed frame, tried as the route builds it
@pytest.mark.parametrize("fields, model, code", [
    ("    income: float\n    age: float\n", LogisticRegression(), "MLG403"),
    ("    income: float\n    age: float\n",
     make_pipeline(StandardScaler(), LogisticRegression()), "MLG403"),
    (FIELDS + "    name: str = 'x'\n", LogisticRegression(), "MLG406"),
])
def test_a_handed_frame_the_model_refuses_fails(git_project, capsys, fields, model, code):
    """Red team 47 F10: another field order, or a field more, handed to a model that checks
    its columns' names: the sample (in the training order) predicted, MLG406 said the field
    'will be ignored', and every request failed."""
    _service(git_project, fields, "applicant.model_dump()", columns=("age", "income"),
             model=model, sample='{"age": 30, "income": 2}\n')
    status, found = _schema(capsys)
    assert status == 1 and [(f["code"], f["severity"]) for f in found] == [(code, "error")], found
    assert "and the model refuses it (ValueError" in found[0]["hint"], found
    assert "so every request fails" in found[0]["hint"], found


@pytest.mark.parametrize("fields, severities", [
    ("    income: float\n    age: float\n", []),
    (FIELDS + "    name: str = 'x'\n", [("MLG406", "warning")]),
])
def test_a_model_that_selects_its_columns_by_name_takes_the_handed_frame(git_project, capsys,
                                                                         fields, severities):
    """A ColumnTransformer first picks its columns by name: any order, extra fields ignored."""
    model = make_pipeline(make_column_transformer((StandardScaler(), ["age", "income"])),
                          LogisticRegression())
    _service(git_project, fields, "applicant.model_dump()", columns=("age", "income"),
             model=model, sample='{"age": 30, "income": 2}\n')
    status, found = _schema(capsys)
    assert (status, [(f["code"], f["severity"]) for f in found]) == (0, severities), found


def test_without_a_sample_zeros_tell_a_layout_the_model_refuses(git_project, capsys):
    """Red team 48 F1: no sample, and the handed frame was never tried: READY for a route
    that failed every request. Zeros in the training order predict, in the route's layout
    they are refused: the layout is refused, whatever the values."""
    _service(git_project, FIELDS + "    name: str = 'x'\n", "applicant.model_dump()",
             columns=("age", "income"))
    status, found = _schema(capsys)
    assert (status, [(f["code"], f["severity"]) for f in found]) == (
        1, [("MLG406", "error")]), found
    _service(git_project, FIELDS, "applicant.model_dump()", columns=("age", "income"))
    assert _schema(capsys) == (0, [])


@pytest.mark.parametrize("sample", [
    '{"income": 2, "age": 30}\n',  # another key order than the contract's (F3)
    '{"age": 30, "income": 2, "note": "vip"}\n',  # a key the API drops (F5)
], ids=["keys in another order", "a key the contract does not declare"])
def test_a_handed_route_is_predicted_with_the_frame_it_builds(git_project, capsys, sample):
    """Red team 48 F3, F5: the route builds its frame from the body (the contract's order,
    its fields only), whatever the order or extra keys of the request: the sample "failed"
    (MLG403 or MLG407, and MLG502), though the route answered it."""
    from test_round45 import audit, pillar

    _service(git_project, FIELDS, "applicant.model_dump()", columns=("age", "income"),
             sample=sample)
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate]\nrequire = ["artifact", "schema", "latency"]\n')
    subprocess.run(["git", "add", "-A"], check=True)
    code, report = audit(capsys)
    assert code == 0 and pillar(report, "latency")["status"] == "pass", report
    assert not [f for f in report["findings"] if f["severity"] == "error"], report


def _route(body: str) -> ast.FunctionDef:
    return ast.parse("def predict(request):\n" + body).body[0]  # type: ignore[return-value]


@pytest.mark.parametrize("dump, how", [
    ("request.model_dump()", "dump"),
    ("request.dict()", "dump"),
    ("request.model_dump(mode='json', by_alias=False)", "names"),
    ("request.model_dump(by_alias=True)", "aliases"),
    ("jsonable_encoder(request)", "aliases"),
    ("jsonable_encoder(request, by_alias=False)", "names"),
    ("dict(request)", "fields"),
    ("vars(request)", "fields"),
    ("request.__dict__", "fields"),
    ("request.model_dump(by_alias=FLAG)", ""),
    ("request.model_dump(exclude={'id'})", ""),
    ("jsonable_encoder(request, exclude_none=True)", ""),
    ("jsonable_encoder(other)", ""),
])
def test_how_the_handed_frame_holds_the_body(dump, how):
    found = handed_unchanged(_route(f"    return m.predict(pd.DataFrame([{dump}]))\n"),
                             "request")
    assert found == ((2, "m", how) if how else (0, "", "")), found


# ------------- false-alarm round 46: the functions a FunctionTransformer ordinarily holds
@pytest.mark.parametrize("func", [np.asarray, np.asanyarray, np.array, pd.to_numeric,
                                  pd.to_datetime], ids=lambda f: f.__name__)
def test_a_function_transformer_of_numpy_or_pandas_passes(git_project, capsys, func):
    frame = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 3, 4, 5]})
    pipeline = make_pipeline(FunctionTransformer(np.asarray), LogisticRegression())
    pipeline.fit(frame, [0, 1, 0, 1])
    pipeline.steps[0][1].func = func  # (kept, as a fitted pipeline keeps it)
    joblib.dump(pipeline, git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], check=True)
    assert artifact_json(capsys, "--python", sys.executable, "--no-cache") == (0, [])


@pytest.mark.parametrize("module, name", [("numpy", "asarray"), ("pandas", "to_numeric"),
                                          ("pandas.core.tools.numeric", "to_numeric")])
def test_such_a_function_called_by_the_file_is_refused(git_project, capsys, module, name):
    """Kept by a model, never called while it loads: a call is no form a writer writes."""
    (git_project / "f.pkl").write_bytes(b"\x80\x04" + g(module, name) + b"(" + u("1")
                                        + b"tR.")
    subprocess.run(["git", "add", "-A"], check=True)
    code, found = artifact_json(capsys, "--no-load", "f.pkl")
    assert code == 1 and f"{module}.{name} called: a model keeps it" in found[0]["message"], (
        found)


# ------------- new-user trial 46 F13: a link of an HTML output is a URL, not a path
def _notebook(root, html: list[str], stream: list[str]) -> None:
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": ["x = 1"],
            "outputs": [{"output_type": "display_data", "metadata": {},
                         "data": {"text/html": html,
                                  "text/plain": ["<IPython.core.display.HTML object>"]}},
                        {"output_type": "stream", "name": "stdout", "text": stream}]}
    (root / "nb.ipynb").write_text(json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 0}, indent=1))
    subprocess.run(["git", "add", "-A"], check=True)


def test_the_links_of_an_html_output_are_urls_of_the_notebook_server(git_project, capsys):
    _notebook(git_project, [
        ' <script src="/nbextensions/google.colab/files.js"></script>\n',
        "<a href='/files/data/train/x.csv'>x</a> <img SRC = \"/static/images/a/logo.png\">\n",
    ], ["done\n"])
    code = main(["paths", "--format", "json", "nb.ipynb"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])


def test_a_path_an_html_output_shows_is_still_one(git_project, capsys):
    """Shown as text, as a file: address, in a stream; and in a link when it is no route
    of a notebook server (IPython's Video("/home/...") writes the file's path in `src`:
    red team 48 F8)."""
    _notebook(git_project, [
        "<pre>/Users/ana/data/train.csv</pre> <img src=\"file:///Users/ana/plots/a.png\">\n",
        '<video src="/home/alice/clips/a/clip.mp4" controls></video>\n',
    ], ['src="/home/ana/project/data/x.csv"\n'])
    main(["paths", "--format", "json", "nb.ipynb"])
    found = json.loads(capsys.readouterr().out)
    assert [(f["code"], f["text"]) for f in found] == [
        ("MLG150", "/Users/ana/data/train.csv"), ("MLG150", "file:///Users/ana/plots/a.png"),
        ("MLG150", "/home/alice/clips/a/clip.mp4"),
        ("MLG150", "/home/ana/project/data/x.csv")], found


# ------------- new-user trial 46 F12: workers that predict in threads are timed as served
def _latency(git_project, capsys, model) -> tuple[int, list[dict]]:
    frame = pd.DataFrame({"age": [20.0, 30, 40, 50, 60, 70], "income": [1.0, 2, 3, 4, 5, 6]})
    joblib.dump(model.fit(frame, [0, 1, 0, 1, 0, 1]), git_project / "model.joblib")
    (git_project / "s.json").write_text('{"age": 30, "income": 2}\n')
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["latency", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "model.joblib", "--sample", "s.json", "--budget-ms", "60000"])
    return code, json.loads(capsys.readouterr().out)


def _threads_models():
    from sklearn.ensemble import RandomForestClassifier, StackingClassifier
    from sklearn.neighbors import KNeighborsClassifier

    return {
        "a forest": RandomForestClassifier(n_estimators=3, n_jobs=-1),
        "neighbours": KNeighborsClassifier(n_neighbors=2, n_jobs=4),
        "fit-only settings": StackingClassifier(
            [("lr", LogisticRegression(n_jobs=4))], final_estimator=LogisticRegression(),
            cv=2, n_jobs=4),
    }


@pytest.mark.parametrize("name", list(_threads_models()))
def test_a_model_whose_workers_are_threads_or_fit_only_is_timed_as_served(git_project,
                                                                          capsys, name):
    """Every RandomForest(n_jobs=-1) got "timed without its parallel workers": a forest
    and the neighbours predict in threads, which the sandbox runs; a stacking ensemble's or
    a linear model's n_jobs is used in fit only."""
    assert _latency(git_project, capsys, _threads_models()[name]) == (0, [])


def test_workers_in_processes_or_unknown_keep_the_warning(git_project, capsys):
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.ensemble import BaggingClassifier, StackingClassifier

    stacked = StackingClassifier([("bag", BaggingClassifier(n_estimators=2, n_jobs=3))],
                                 final_estimator=LogisticRegression(), cv=2)
    code, found = _latency(git_project, capsys, stacked)
    assert (code, [(f["code"], f.get("parallel")) for f in found]) == (
        0, [("MLG502", {"BaggingClassifier.n_jobs": 3})]), found

    class Mine(ClassifierMixin, BaseEstimator):  # a project's own: what it does is unknown
        def __init__(self, n_jobs=2):
            self.n_jobs = n_jobs

        def fit(self, X, y):
            self.classes_ = np.array([0, 1])
            self.n_features_in_ = 2
            return self

        def predict(self, X):
            return np.zeros(len(X), dtype=int)

    from mlgate.probe_script.exercise import _parallel_settings

    assert _parallel_settings(Mine()) == {"Mine.n_jobs": 2}


# ------------- new-user trial 46 F14: "add a sample" for a sample that is named
def test_a_named_sample_that_cannot_be_read_is_not_called_missing(git_project, capsys):
    from test_round45 import audit, pillar

    frame = pd.DataFrame({"age": [1.0, 2, 3, 4], "income": [1.0, 2, 3, 5]})
    joblib.dump(LogisticRegression().fit(frame, [0, 1, 0, 1]), git_project / "model.joblib")
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.m]\nartifact = "model.joblib"\nsample = "sample.json"\n')
    (git_project / "sample.json").write_text('{"age": 1, "income": 2}\n')
    subprocess.run(["git", "add", "model.joblib", "pyproject.toml"], check=True)
    code, report = audit(capsys)
    latency = pillar(report, "latency")
    assert code == 1 and [f["code"] for f in report["findings"]] == ["MLG400"], report
    assert latency["detail"] == ("not timed: m (its sample sample.json could not be read:"
                                 " see the MLG400)"), latency
    assert "needs a sample request" not in latency["detail"]


# ------------- false-alarm round 46: what pandas 1.0-1.2 wrote for ticks and extension arrays
def test_old_pandas_ticks_and_extension_arrays_pass_the_scan(git_project, capsys):
    """pandas 1.0 pickled its offsets (Python classes then) as NEWOBJ and their attribute
    dict, a PeriodDtype as NEWOBJ and {'freq'}, an IntervalArray with `_closed` and its
    ends as indexes; pandas 1.1-1.2 a PeriodArray through `__pyx_unpickle_PeriodMixin`.
    An index with a daily freq, a period or interval column were refused (MLG301/MLG302).
    (Loaded by pandas 1.0.5 and 1.2.5 when they were made: `make_old_extension_arrays.py`;
    the pandas here has none of their index classes, MLG307.)"""
    from test_ordinary_artifacts import _old_pandas

    names = _old_pandas(git_project, "pandas1_*-extension-arrays.joblib")
    assert len(names) == 2
    found = artifact_json(capsys, "--no-load", *names)[1]
    assert {f["code"] for f in found} <= {"MLG306", "MLG307"}, found


def _crafted_old_pandas() -> dict:
    from test_round47 import _newobj

    day, week = pd.offsets.Day, pd.offsets.Week
    good = {"n": 2, "normalize": False, "_cache": {}}
    return {
        "a Day called with an argument": _newobj(day, (1,), good),
        "a Day given a dunder key": _newobj(day, (), {**good, "__dict__": {}}),
        "a Day given a text for n": _newobj(day, (), {**good, "n": "2"}),
        "a Day given another class's anchor": _newobj(day, (), {**good, "weekday": 1}),
        "a Week on day 9": _newobj(week, (), {**good, "weekday": 9}),
        "a Day caching something else": _newobj(day, (), {**good, "_cache": {"x": 1}}),
        "a Day caching a list in its params": _newobj(day, (), {**good, "_cache": {
            "_params": ("Day", ("n", [1]))}}),
    }


@pytest.mark.parametrize("name", list(_crafted_old_pandas()))
def test_old_pandas_forms_in_other_shapes_are_refused(git_project, capsys, name):
    from test_round47 import _crafted

    _crafted(git_project / "x.pkl", _crafted_old_pandas()[name])
    subprocess.run(["git", "add", "-A"], check=True)
    code, found = artifact_json(capsys, "--no-load", "x.pkl")
    assert code == 1 and "MLG302" in {f["code"] for f in found}, found


@pytest.mark.parametrize("body", [
    # a PeriodMixin reconstructor making an IntervalArray
    g("pandas._libs.tslibs.period", "__pyx_unpickle_PeriodMixin") + b"("
    + g("pandas.core.arrays.interval", "IntervalArray") + b"K\x00Nt\x85R",
    # an old IntervalArray closed on no side
    g("pandas._libs.interval", "__pyx_unpickle_IntervalMixin") + b"("
    + g("pandas.core.arrays.interval", "IntervalArray") + b"K\x00NtR}(" + u("_left")
    + b"]" + u("_right") + b"]" + u("_closed") + u("sideways") + b"u\x85b",
    # pandas 1.0's PeriodDtype: NEWOBJ with no argument, then an offset, not a text
    g("pandas.core.dtypes.dtypes", "PeriodDtype") + b")\x81}" + u("freq") + u("M") + b"sb",
    g("pandas.core.dtypes.dtypes", "PeriodDtype") + u("M") + b"\x85\x81",
], ids=["period-mixin-of-intervals", "interval-closed-sideways", "period-dtype-of-a-text",
        "period-dtype-newobj-with-an-argument"])
def test_old_pandas_reconstructors_take_only_their_class_and_layout(git_project, capsys,
                                                                      body):
    (git_project / "x.pkl").write_bytes(b"\x80\x04" + body + b".")
    subprocess.run(["git", "add", "-A"], check=True)
    code, found = artifact_json(capsys, "--no-load", "x.pkl")
    assert code == 1 and "MLG302" in {f["code"] for f in found}, found


def test_old_pandas_offsets_in_their_own_shape_pass(git_project, capsys):
    """The control of the refusals above: the same harness, pandas 1.0's very layout."""
    from test_round47 import _crafted, _newobj

    _crafted(git_project / "x.pkl", [
        _newobj(pd.offsets.Day, (), {"n": 2, "normalize": False, "_cache": {
            "_params": ("<class 'pandas.tseries.offsets.Day'>", ("n", 2),
                        ("normalize", False))}}),
        _newobj(pd.offsets.Week, (), {"n": 1, "normalize": False, "_cache": {},
                                      "weekday": 0}),
        _newobj(pd.offsets.BusinessDay, (), {"n": 1, "normalize": False, "_cache": {
            "freqstr": "B"}, "_offset": __import__("datetime").timedelta(0)})])
    subprocess.run(["git", "add", "-A"], check=True)
    assert artifact_json(capsys, "--no-load", "x.pkl") == (0, [])


# ------------- new-user trial 48 F2: a request field the service leaves out of the frame
SELECTS = (
    _APP47.split("class Applicant")[0]  # (the imports, the app, the model loaded)
    + "class Transaction(BaseModel):\n"
    "    transaction_id: str\n"
    "    amount: float\n"
    "    hour: int\n"
    "@app.post('/predict')\n"
    "def predict(t: Transaction):\n"
    "    row = {k: getattr(t, k) for k in ['amount', 'hour']}\n"
    "    return {'fraud': bool(model.predict(pd.DataFrame([row]))[0])}\n")


def _transactions(root, app: str | None) -> None:
    frame = pd.DataFrame({"amount": [1.0, 2, 3, 4], "hour": [1, 2, 3, 4]})
    joblib.dump(LogisticRegression().fit(frame, [0, 1, 0, 1]), root / "model.joblib")
    if app is not None:
        (root / "app.py").write_text(app)
    (root / "sample_request.json").write_text(
        '{"transaction_id": "t1", "amount": 2.0, "hour": 3}\n')
    (root / "pyproject.toml").write_text(
        '[tool.mlgate]\nrequire = ["artifact", "schema", "latency"]\n')
    subprocess.run(["git", "add", "-A"], check=True)


def test_a_request_field_the_model_refuses_is_left_out_as_the_service_must(git_project,
                                                                            capsys):
    """The route selects the model's columns; its sample, a whole request, "failed"
    (MLG407, MLG502) and without the id the API refused it (MLG410): no sample passed."""
    from test_round45 import audit, pillar

    _transactions(git_project, SELECTS)
    code, report = audit(capsys)
    assert code == 0 and pillar(report, "latency")["status"] == "pass", report
    assert sorted((f["code"], f["severity"]) for f in report["findings"]) == [
        ("MLG402", "warning"), ("MLG406", "warning")], report["findings"]
    assert all("must leave it out of the model's frame" in f["message"] + f.get("hint", "")
               for f in report["findings"]), report["findings"]


@pytest.mark.parametrize("app", [None, SELECTS.replace(
    "    row = {k: getattr(t, k) for k in ['amount', 'hour']}\n", "    row = t.model_dump()\n")],
    ids=["no contract: the sample is the model's input", "a route that hands it all over"])
def test_a_field_the_model_refuses_still_fails_where_nothing_leaves_it_out(git_project,
                                                                          capsys, app):
    _transactions(git_project, app)
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and "MLG407" in [f["code"] for f in found], found


# ------------- red team 48 F2, F4, F7, F9: what a dump leaves out, and under which keys
@pytest.mark.parametrize("fields, dump, columns, verdict", [
    # F2: Field(exclude=True) is in no dump: a logged-only id is no extra column...
    ("    request_id: str = Field('r', exclude=True)\n" + FIELDS, "applicant.model_dump()",
     ("age", "income"), []),
    # ... and a column the model needs, excluded, is missing
    ("    age: float\n    income: float = Field(exclude=True)\n", "applicant.model_dump()",
     ("age", "income"), [("MLG405", "error")]),
    # (dict() keeps an excluded field: only a dump leaves it out)
    ("    age: float\n    income: float = Field(exclude=True)\n", "dict(applicant)",
     ("age", "income"), []),
    # F4: serialize_by_alias makes a plain dump write the aliases
    ("    model_config = {'serialize_by_alias': True}\n"
     "    age: float = Field(alias='Age')\n    income: float = Field(alias='Income')\n",
     "applicant.model_dump()", ("Age", "Income"), []),
    ("    model_config = {'serialize_by_alias': True}\n"
     "    age: float = Field(alias='Age')\n    income: float = Field(alias='Income')\n",
     "applicant.model_dump()", ("age", "income"), [("MLG405", "error"), ("MLG405", "error")]),
    ("    model_config = {'serialize_by_alias': True}\n"
     "    age: float = Field(alias='Age')\n    income: float = Field(alias='Income')\n",
     "applicant.model_dump(by_alias=False)", ("age", "income"), []),
    # F9: a computed field's alias is its key in a dump by alias
    (FIELDS + "    @computed_field(alias='Ratio')\n" + PROPERTY,
     "applicant.model_dump(by_alias=True)", ("age", "income", "Ratio"), []),
    (FIELDS + "    @computed_field(alias='Ratio')\n" + PROPERTY,
     "applicant.model_dump(by_alias=True)", ("age", "income", "ratio"), [("MLG405", "error")]),
], ids=["excluded-id", "excluded-needed", "excluded-in-dict", "serialize-by-alias",
        "serialize-by-alias-model-on-names", "by-alias-false", "computed-alias",
        "computed-alias-model-on-name"])
def test_the_keys_a_dump_really_has(git_project, capsys, fields, dump, columns, verdict):
    """Each verdict checked against the route itself (red team 48's repros call it)."""
    _service(git_project, fields, dump, columns=columns)
    status, found = _schema(capsys)
    assert (status, [(f["code"], f["severity"]) for f in found]) == (
        1 if verdict else 0, verdict), found


def test_a_dump_puts_computed_fields_last_for_a_model_that_reads_by_position(git_project,
                                                                              capsys):
    """Red team 48 F7: LightGBM trained on (age, ratio, income); the dump's frame is
    (age, income, ratio): answers silently wrong (0.979 for 0.025), and READY."""
    lightgbm = pytest.importorskip("lightgbm")
    frame = pd.DataFrame({"age": np.linspace(20, 70, 40), "ratio": np.tile([0.1, 0.9], 20),
                          "income": np.linspace(1, 5, 40)})
    model = lightgbm.LGBMClassifier(n_estimators=5, min_child_samples=2, verbose=-1)
    joblib.dump(model.fit(frame, (frame["ratio"] > 0.5).astype(int)),
                git_project / "model.joblib")
    (git_project / "app.py").write_text(APP.format(
        fields=FIELDS + COMPUTED.replace("self.income / self.age", "0.9"),
        dump="applicant.model_dump()"))
    (git_project / "sample_request.json").write_text('{"age": 30, "income": 2}\n')
    (git_project / "pyproject.toml").write_text('[tool.mlgate]\nrequire = ["schema"]\n')
    subprocess.run(["git", "add", "-A"], check=True)
    status, found = _schema(capsys)
    assert status == 1 and ("MLG403", "error") in [(f["code"], f["severity"]) for f in found], (
        found)


@pytest.mark.parametrize("own", [
    "    def model_dump(self, **kw):\n"
    "        return {**super().model_dump(**kw), 'ratio': self.income / self.age}\n",
    "    @model_serializer(mode='wrap')\n"
    "    def add_ratio(self, handler):\n"
    "        return {**handler(self), 'ratio': self.income / self.age}\n",
], ids=["model_dump overridden", "a model_serializer"])
def test_a_body_that_makes_its_own_dump_is_not_handed_as_it_came(git_project, capsys, own):
    """Red team 48 F6: the class adds the column to its own dump; the route answered 200,
    and mlgate said every request fails (an MLG405 error)."""
    _service(git_project, FIELDS + own, "applicant.model_dump()")
    app = (git_project / "app.py").read_text().replace(
        "computed_field\n", "computed_field, model_serializer\n")
    (git_project / "app.py").write_text(app)
    subprocess.run(["git", "add", "-A"], check=True)
    status, found = _schema(capsys)
    assert (status, [(f["code"], f["severity"]) for f in found]) == (
        0, [("MLG405", "warning")]), found


@pytest.mark.parametrize("body", [
    "    m = Wrapper(m)\n    return m.predict(pd.DataFrame([request.model_dump()]))\n",
    "    return m.predict(pd.DataFrame([request.model_dump()]))\n",
], ids=["rebound in the route", "a parameter (Depends)"])
def test_a_model_name_the_route_binds_itself_is_not_the_module_s(body):
    """Red team 48 F10: `m = Wrapper(m)` in the route (the wrapper adds the column) got an
    MLG405 error on a working route; so would a `m = Depends(get_model)` parameter."""
    source = ("def predict(request, m=Depends(get_model)):\n" if "Depends" not in body
              and "Wrapper" not in body else "def predict(request):\n") + body
    function = ast.parse(source).body[0]
    assert handed_unchanged(function, "request") == (0, "", ""), source  # type: ignore[arg-type]
