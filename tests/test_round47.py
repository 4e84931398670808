"""Round 47: what new-user trial 46 and false-alarm round 46 left open."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import joblib
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from test_round45 import audit, pillar

from mlgate.cli import main
from mlgate.contracts.discovery import handed_unchanged

# ------------- F1: a found contract lacking a column, on a route that derives nothing
APP = (
    "import joblib\n"
    "import pandas as pd\n"
    "from fastapi import FastAPI\n"
    "from pydantic import BaseModel\n"
    "app = FastAPI()\n"
    "model = joblib.load('model.joblib')\n"
    "class Applicant(BaseModel):\n"
    "    age: float\n"
    "    income: float\n"
    "@app.post('/predict')\n"
    "def predict(applicant: Applicant):\n"
    "{body}"
    "    return {{'label': int(model.predict(frame)[0])}}\n")

HANDED = {
    "a frame of its dump": "    frame = pd.DataFrame([applicant.model_dump()])\n",
    "through a dict name": "    data = applicant.dict()\n    frame = pd.DataFrame([data])\n",
    "one row by index": "    frame = pd.DataFrame(dict(applicant), index=[0])\n",
    "its __dict__": "    frame = pd.DataFrame([vars(applicant)])\n",
    # red team 47 F7: a frame read by predict_proba too, annotated, from_records, mode=
    "read by predict_proba too": "    frame = pd.DataFrame([applicant.model_dump()])\n"
                                 "    model.predict_proba(frame)\n",
    "an annotated name": "    frame: pd.DataFrame = pd.DataFrame([applicant.dict()])\n",
    "from_records": "    frame = pd.DataFrame.from_records([applicant.model_dump()])\n",
    "a JSON dump": "    frame = pd.DataFrame([applicant.model_dump(mode='json')])\n",
    # red team 47 F8: by alias (the same keys here: no field has one)
    "a dump by alias": "    frame = pd.DataFrame([applicant.model_dump(by_alias=True)])\n",
    "FastAPI's encoder": "    frame = pd.DataFrame([jsonable_encoder(applicant)])\n",
}
DERIVES = {
    "a column added to the frame": "    frame = pd.DataFrame([applicant.model_dump()])\n"
                                   "    frame['ratio'] = frame['income'] / frame['age']\n",
    "a key added to the dict": "    data = applicant.dict()\n"
                               "    data['ratio'] = data['income'] / data['age']\n"
                               "    frame = pd.DataFrame([data])\n",
    "a helper builds the frame": "    frame = features(applicant)\n",
    "fields dropped when None": "    frame = pd.DataFrame([applicant.model_dump("
                                "exclude_none=True)])\n",
    "the body changed first": "    applicant.age = applicant.age / 2\n"
                              "    frame = pd.DataFrame([applicant.model_dump()])\n",
}


def _service(root, body: str) -> None:
    frame = pd.DataFrame({"age": [20.0, 30, 40, 50], "income": [1.0, 2, 3, 4],
                          "ratio": [0.1, 0.2, 0.3, 0.4]})
    joblib.dump(LogisticRegression().fit(frame, [0, 1, 0, 1]), root / "model.joblib")
    (root / "app.py").write_text(APP.format(body=body))
    (root / "sample_request.json").write_text('{"age": 30, "income": 2, "ratio": 0.2}\n')
    (root / "pyproject.toml").write_text('[tool.mlgate]\nrequire = ["artifact", "schema"]\n')
    subprocess.run(["git", "add", "-A"], check=True)


@pytest.mark.parametrize("body", HANDED.values(), ids=list(HANDED))
def test_a_found_contract_handed_to_the_model_as_it_came_fails(git_project, capsys, body):
    """New-user trial 46 F1: the route's body lacked a column the model needs, the sample
    (in the model's columns) predicted, and the audit said READY with an MLG405 warning,
    "the API may derive the column". The route derived nothing: every request failed."""
    _service(git_project, body)
    code, report = audit(capsys)
    schema = pillar(report, "schema")
    assert code == 1 and schema["status"] == "fail", report
    missing = [f for f in report["findings"] if f["code"] == "MLG405"]
    assert [f["severity"] for f in missing] == ["error"], report["findings"]
    import re

    line = re.search(r"is handed to the model as it came \(app\.py:(\d+)\)", missing[0]["hint"])
    assert line, missing
    assert "model.predict" in APP.format(body=body).splitlines()[int(line.group(1)) - 1]


@pytest.mark.parametrize("body", DERIVES.values(), ids=list(DERIVES))
def test_a_route_that_may_compute_the_column_keeps_it_a_warning(git_project, capsys, body):
    _service(git_project, body)
    main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    missing = [f for f in found if f["code"] == "MLG405"]
    assert [f["severity"] for f in missing] == ["warning"], found
    assert 'computes it from the request, add derived = ["ratio"]' in missing[0]["hint"], missing


# red team 47 F1-F4: what `model` is, or what the body keeps, is not known to be the artifact
NOT_THE_ARTIFACT = {
    "a project class wraps the model": (
        "class Wrapper:\n"
        "    def __init__(self):\n"
        "        self.inner = joblib.load('model.joblib')\n"
        "    def predict(self, df):\n"
        "        return self.inner.predict(df.assign(ratio=df['income'] / df['age']))\n"
        "model = Wrapper()\n", ""),
    "a path from the environment": (
        "import os\nmodel = joblib.load(os.environ['MODEL_PATH'])\n", ""),
    "a body that keeps what a validator adds": (
        "model = joblib.load('model.joblib')\n",
        "    model_config = {'extra': 'allow'}\n"),
}


@pytest.mark.parametrize("loading, config", NOT_THE_ARTIFACT.values(),
                         ids=list(NOT_THE_ARTIFACT))
def test_a_model_not_known_to_be_the_artifact_keeps_the_warning(git_project, capsys,
                                                                  loading, config):
    _service(git_project, HANDED["a frame of its dump"])
    app = (git_project / "app.py").read_text()
    app = app.replace("model = joblib.load('model.joblib')\n", loading)
    app = app.replace("    income: float\n", "    income: float\n" + config)
    (git_project / "app.py").write_text(app)
    subprocess.run(["git", "add", "-A"], check=True)
    main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert [f["severity"] for f in found if f["code"] == "MLG405"] == ["warning"], found


def test_a_column_the_service_derives_is_declared_so(git_project, capsys):
    """F5: a column the route computes had no way to be said but an ignore of MLG405."""
    _service(git_project, DERIVES["a column added to the frame"])
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.model]\nartifact = "model.joblib"\ncontract = "app.py:Applicant"\n'
        'sample = "sample_request.json"\nderived = ["ratio"]\n')
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.model]\nartifact = "model.joblib"\ncontract = "app.py:Applicant"\n'
        'sample = "sample_request.json"\n')
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG405"], found


def _route(body: str) -> ast.FunctionDef:
    tree = ast.parse("def predict(request):\n" + body)
    return tree.body[0]  # type: ignore[return-value]


@pytest.mark.parametrize("body, line", [
    ("    return model.predict(pd.DataFrame([request.model_dump()]))\n", 2),
    ("    d = request.dict()\n    X = d\n    return m.predict_proba(pd.DataFrame([X]))\n", 4),
    ("    frame = pd.DataFrame([request.dict()])\n    log(frame)\n"
     "    return m.predict(frame)\n", 0),
    ("    frame = pd.DataFrame([request.dict()], columns=COLS)\n    return m.predict(frame)\n",
     0),
    ("    frame = pd.DataFrame([request.dict()])\n    return m.predict(frame[COLS])\n", 0),
    ("    request = other\n    return m.predict(pd.DataFrame([request.dict()]))\n", 0),
    ("    frame = pd.DataFrame([request.dict()])\n    frame = frame.fillna(0)\n"
     "    return m.predict(frame)\n", 0),
    ("    return m.predict(pd.DataFrame([request.dict()]), check=False)\n", 0),
    # an inner function's own `request` (red team 47 F5)
    ("    run = lambda request: m.predict(pd.DataFrame([request.dict()]))\n"
     "    return run(enrich(request))\n", 0),
    # a chain of a thousand names: no RecursionError (F6), and no proof
    ("    x0 = request.dict()\n" + "".join(f"    x{i} = x{i - 1}\n" for i in range(1, 1200))
     + "    return m.predict(pd.DataFrame([x1199]))\n", 0),
])
def test_what_counts_as_handing_the_body_over_unchanged(body, line):
    assert handed_unchanged(_route(body), "request")[0] == line


# ------------- false-alarm round 46 F2: date offsets with arguments of their own
def _offsets() -> dict:
    from dateutil.relativedelta import FR, MO, relativedelta
    from pandas.tseries.holiday import USFederalHolidayCalendar

    offsets = pd.offsets
    return {
        "DateOffset(months=1)": pd.DateOffset(months=1),
        "DateOffset()": pd.DateOffset(),
        "DateOffset(hours=1.5)": pd.DateOffset(hours=1.5),
        "DateOffset(days=2, day=3, weekday=2)": pd.DateOffset(days=2, day=3, weekday=2),
        "relativedelta(weekday=MO(-1))": relativedelta(months=2, weekday=MO(-1)),
        "FR": FR,
        "CustomBusinessDay(US holidays)": offsets.CustomBusinessDay(
            calendar=USFederalHolidayCalendar()),
        "CustomBusinessMonthEnd": offsets.CustomBusinessMonthEnd(weekmask="1111100"),
        "CustomBusinessMonthBegin": offsets.CustomBusinessMonthBegin(),
        "BusinessHour(two spans)": offsets.BusinessHour(start=["09:00", "13:00"],
                                                        end=["12:00", "17:00"]),
        "CustomBusinessHour": offsets.CustomBusinessHour(),
        "FY5253": offsets.FY5253(weekday=0, startingMonth=1),
        "FY5253Quarter": offsets.FY5253Quarter(weekday=0, startingMonth=1,
                                               qtr_with_extra_week=1),
        "an index of business days": pd.date_range("2024-01-01", periods=5, freq="C"),
    }


@pytest.mark.parametrize("protocol", [2, 4])
def test_date_offsets_pass_with_no_configuration(git_project, capsys, protocol):
    """False-alarm round 46 F2: `pd.DateOffset(months=1)` (a horizon in a forecasting
    bundle), custom business calendars and fiscal years were refused as unsafe (MLG301)."""
    import pickle

    pytest.importorskip("dateutil")
    for number, (name, value) in enumerate(_offsets().items()):
        with open(git_project / f"offset{number}.pkl", "wb") as f:
            pickle.dump({"name": name, "value": value}, f, protocol=protocol)
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert (code, found) == (0, []), found


class _Crafted:
    """Pickled as the real class called with `args`, then given `state`."""

    def __init__(self, cls, args: tuple, state=None) -> None:
        self.reduced = (cls, args) if state is None else (cls, args, state)


def _newobj(cls, args: tuple, state):
    """A real instance, pickled as NEWOBJ(cls, args) given `state`."""
    import copyreg

    made = cls.__new__(cls)
    _NEWOBJ[id(made)] = (made, (copyreg.__newobj__, (cls, *args), state))  # type: ignore[attr-defined]
    return made


_NEWOBJ: dict[int, tuple] = {}  # id -> (the object, kept alive; how it is pickled)


def _crafted(path, value) -> None:
    import io
    import pickle

    class Writer(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, _Crafted):
                return obj.reduced
            made = _NEWOBJ.get(id(obj))
            return made[1] if made is not None and made[0] is obj else NotImplemented

    buffer = io.BytesIO()
    Writer(buffer, protocol=4).dump({"value": value})
    path.write_bytes(buffer.getvalue())


def _crafted_offsets() -> dict:
    import datetime

    from dateutil.relativedelta import relativedelta, weekday

    offsets = pd.offsets
    good = {"_offset": _newobj(relativedelta, (), {"years": 0, "months": 1, "days": 0}),
            "_use_relativedelta": True, "n": 1, "normalize": False, "months": 1}
    zero = datetime.timedelta(0)
    return {
        "a DateOffset given a dunder key": _Crafted(pd.DateOffset, (), {
            **good, "__class__": 1}),
        "a DateOffset given a text for a number": _Crafted(pd.DateOffset, (), {
            **good, "months": "1"}),
        "a DateOffset called with arguments": _Crafted(pd.DateOffset, (1,), good),
        "a DateOffset whose _offset is a string": _Crafted(pd.DateOffset, (), {
            **good, "_offset": "1 month"}),
        "a relativedelta given a key of its own": _newobj(relativedelta, (), {
            "years": 0, "months": 1, "days": 0, "evil": 1}),
        "a relativedelta given a list": _newobj(relativedelta, (), {
            "years": 0, "months": [1], "days": 0}),
        "a relativedelta called with arguments": _newobj(relativedelta, (1,), {
            "years": 0, "months": 1, "days": 0}),
        "a relativedelta given a dunder key": _newobj(relativedelta, (), {
            "years": 0, "months": 1, "days": 0, "__dict__": {}}),
        "a weekday on day 9": _newobj(weekday, (), (None, {"weekday": 9, "n": None})),
        "a weekday given a dict": _newobj(weekday, (), {"weekday": 1, "n": None}),
        "a CustomBusinessDay with a calendar": _Crafted(offsets.CustomBusinessDay, (
            1, False, "Mon Tue", (), {"holidays": ()}, zero)),
        "a CustomBusinessDay whose holidays are text": _Crafted(offsets.CustomBusinessDay, (
            1, False, "Mon Tue", ("2024-01-01",), None, zero)),
        "a CustomBusinessDay with another weekmask": _Crafted(offsets.CustomBusinessDay, (
            1, False, "Mon Funday", (), None, zero)),
        "a FY5253 of another variation": _Crafted(offsets.FY5253, (1, False, 0, 1, "first")),
        "a FY5253 on day 9": _Crafted(offsets.FY5253, (1, False, 9, 1, "nearest")),
        "a BusinessHour from text": _Crafted(offsets.BusinessHour, (
            1, False, ("09:00",), ("17:00",), zero)),
    }


def test_date_offsets_in_another_form_are_refused(git_project, capsys):
    """The forms pandas and dateutil write, and only those."""
    pytest.importorskip("dateutil")
    cases = _crafted_offsets()
    for number, value in enumerate(cases.values()):
        _crafted(git_project / f"crafted{number}.pkl", value)
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    refused = {f["path"] for f in found if f["severity"] == "error"}
    missed = [name for number, name in enumerate(cases) if f"crafted{number}.pkl" not in refused]
    assert code == 1 and not missed, found


OLD_PANDAS = Path(__file__).parent / "artifact_fixtures" / "old_pandas"


@pytest.mark.parametrize("name", ["pandas1_1_5-numpy1_23_5-py39-offsets.joblib",
                                  "pandas1_5_3-numpy1_23_5-py39-offsets.joblib"])
def test_date_offsets_of_pandas_1_pass(git_project, capsys, name):
    """pandas 1.x makes a DateOffset by NEWOBJ, then its attribute dict (pandas 2 and 3 call
    the class with no arguments, then the same dict)."""
    pytest.importorskip("dateutil")
    assert b"relativedelta" in (OLD_PANDAS / name).read_bytes()
    shutil.copy(OLD_PANDAS / name, git_project / name)
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache", name])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and {f["code"] for f in found} <= {"MLG306"}, found
