"""`mlgate schema`, `mlgate latency` and `mlgate audit` on tiny models trained here, with the
test interpreter as the project's environment. Every bad input is a finding, never a
traceback."""

from __future__ import annotations

import importlib.util
import json
import pickle
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlgate.cli import main

RNG = np.random.RandomState(0)
FRAME = pd.DataFrame({"age": RNG.rand(40), "income": RNG.rand(40),
                      "city": RNG.choice(["a", "b"], 40), "notes": RNG.rand(40)})
TARGET = (FRAME["age"] > 0.5).astype(int)
CONTRACT = """
from pydantic import BaseModel, Field


class Request(BaseModel):
    age: float
    income: float = Field(..., alias="yearlyIncome")
    city: str
"""


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    return tmp_path


def run(capsys, check, *args):
    code = main([check, "--format", "json", "--python", sys.executable, *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out) if captured.out.strip() else [], captured.err


def codes(found):
    return sorted(f["code"] for f in found)


def column_pipeline():
    """A ColumnTransformer first: it reads age, income, city; `notes` is present, unused."""
    columns = ColumnTransformer([("num", StandardScaler(), ["age", "income"]),
                                 ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])])
    return make_pipeline(columns, LogisticRegression()).fit(FRAME, TARGET)


def sample(repo: Path, row: dict, name: str = "sample.json") -> str:
    (repo / name).write_text(json.dumps(row, indent=2))
    return name


ROW = {"age": 0.3, "income": 0.5, "city": "a", "notes": 0.1}


def test_the_columns_a_pipeline_reads_are_told_from_the_ones_it_ignores(repo, capsys):
    joblib.dump(column_pipeline(), repo / "model.joblib")
    assert run(capsys, "schema", "--artifact", "model.joblib", "--sample",
               sample(repo, ROW))[:2] == (0, [])
    without_notes = {k: v for k, v in ROW.items() if k != "notes"}
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample",
                         sample(repo, without_notes))
    assert (code, [(f["code"], f["severity"]) for f in found]) == (0, [("MLG401", "warning")])
    assert "does not read it" in found[0]["message"]
    renamed = {("yearly_income" if k == "income" else k): v for k, v in ROW.items()}
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample",
                         sample(repo, renamed))
    assert code == 1 and codes(found) == ["MLG401"]
    assert found[0]["hint"] == "renamed? the sample has 'yearly_income'"
    assert found[0]["line"] == 3  # where the renamed key is, in the sample file


def test_extra_columns_warn_and_order_matters_where_the_model_checks_it(repo, capsys):
    model = LogisticRegression().fit(FRAME[["age", "income"]], TARGET)
    joblib.dump(model, repo / "model.joblib")
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample",
                         sample(repo, {"income": 0.5, "age": 0.3}))
    assert code == 1 and codes(found) == ["MLG403"]
    assert "['age', 'income']" in found[0]["message"]
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample",
                         sample(repo, {"age": 0.3, "income": 0.5, "extra": 1}))
    assert "MLG402" in codes(found)


def test_a_model_fitted_on_arrays_is_checked_by_width(repo, capsys):
    joblib.dump(LogisticRegression().fit(FRAME[["age", "income"]].to_numpy(), TARGET),
                repo / "model.joblib")
    (repo / "rows.csv").write_text("a,b,c\n1,2,3\n")
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", "rows.csv")
    assert code == 1 and codes(found) == ["MLG404"]
    assert "fitted on 2 unnamed columns; the sample has 3" in found[0]["message"]
    (repo / "rows.csv").write_text("a,b\n1,2\n")
    assert run(capsys, "schema", "--artifact", "model.joblib", "--sample", "rows.csv")[:2] == (
        0, [])


def test_a_tuple_of_preprocessors_and_a_model_is_used_as_its_tutorial_serves_it(repo, capsys):
    # joblib.dump((dv, model), "model.bin"): each transform in order, then predict; a
    # DictVectorizer takes the request's dicts, and its fitted keys are the input's names.
    from sklearn.feature_extraction import DictVectorizer

    rows = [{"city": c, "n": float(i)} for i, c in enumerate("abab")]
    dv = DictVectorizer(sparse=False)
    joblib.dump((dv, LogisticRegression().fit(dv.fit_transform(rows), [0, 1, 0, 1])),
                repo / "model.bin")
    name = sample(repo, {"n": 1.5, "city": "a"})
    assert run(capsys, "schema", "--artifact", "model.bin", "--sample", name)[:2] == (0, [])
    code, found, _ = run(capsys, "latency", "--artifact", "model.bin", "--sample", name)
    assert code == 0, found
    name = sample(repo, {"city": "a", "count": 1.5})
    code, found, _ = run(capsys, "schema", "--artifact", "model.bin", "--sample", name)
    assert code == 1 and codes(found) == ["MLG401", "MLG402"], found
    assert "'n'" in found[0]["message"] and "'count'" in found[1]["message"]
    # [scaler, model] on a table
    joblib.dump([StandardScaler().fit(FRAME[["age", "income"]]),
                 LogisticRegression().fit(FRAME[["age", "income"]].to_numpy(), TARGET)],
                repo / "pair.joblib")
    name = sample(repo, {"age": 0.3, "income": 0.5}, "pair.json")
    assert run(capsys, "schema", "--artifact", "pair.joblib", "--sample", name)[:2] == (0, [])
    # a tuple whose parts do not chain is still explained, not exercised
    joblib.dump((LogisticRegression().fit(FRAME[["age", "income"]].to_numpy(), TARGET),
                 {"version": 1}), repo / "odd.joblib")
    code, found, _ = run(capsys, "schema", "--artifact", "odd.joblib", "--sample", name)
    assert code == 0 and "not a model with predict()" in found[0]["message"]
    assert found[0]["severity"] == "warning"  # not checked, not wrong


def test_a_label_encoder_beside_the_model_decodes_its_answers(repo, capsys):
    """New-user trial round 34 (F1): `(label_encoder, pipeline)`, served as
    `le.inverse_transform(pipe.predict(X))`, was run as a chain: LabelEncoder.transform of
    the request failed (MLG407, NOT READY); the other order and a dict bundle stayed
    unchecked. A target encoder is set aside, and the model is checked, whatever the form."""
    from sklearn.preprocessing import LabelEncoder

    columns = FRAME[["age", "income"]]
    labels = np.where(TARGET == 1, "high", "low")
    encoder = LabelEncoder().fit(labels)
    model = LogisticRegression().fit(columns, encoder.transform(labels))
    name = sample(repo, {"age": 0.3, "income": 0.5})
    for bundle in ((encoder, model), [model, encoder], {"model": model, "labels": encoder}):
        joblib.dump(bundle, repo / "model.bin")
        code, found, _ = run(capsys, "schema", "--artifact", "model.bin", "--sample", name)
        assert (code, found) == (0, []), (type(bundle), found)
    stale = LabelEncoder().fit(["low"])  # of another fit: cannot decode class 1
    joblib.dump((stale, model), repo / "model.bin")
    low = sample(repo, {"age": 0.01, "income": 0.5}, "low.json")
    assert model.predict(pd.DataFrame([{"age": 0.01, "income": 0.5}]))[0] == 1
    code, found, _ = run(capsys, "schema", "--artifact", "model.bin", "--sample", low)
    assert code == 1 and codes(found) == ["MLG407"], found
    assert "cannot decode its answer" in found[0]["message"]
    joblib.dump((encoder, model), repo / "model.bin")
    wrong = sample(repo, {"age": 0.3, "salary": 0.5}, "wrong.json")
    code, found, _ = run(capsys, "schema", "--artifact", "model.bin", "--sample", wrong)
    assert code == 1 and "MLG401" in codes(found), found  # the model's own columns


def test_label_encoders_of_request_columns_in_a_dict_are_not_the_models_decoders(repo,
                                                                                 capsys):
    """New-user trial round 36 (F2): `{"model": xgb, "enc1": LabelEncoder (304 classes),
    "enc2": LabelEncoder (466)}` beside a 2-class model: the service label-encodes two
    request columns its own way; mlgate took every LabelEncoder for a decoder of the
    answers, sent the raw request to the model, and failed it (18 x MLG401). An encoder
    whose classes are not the model's answers is a preprocessor the service applies its own
    way: not checked, never failed."""
    from sklearn.preprocessing import LabelEncoder

    columns = FRAME[["age", "income"]]
    model = LogisticRegression().fit(columns, TARGET)
    cities = LabelEncoder().fit(["paris", "rome", "oslo", "lima", "kyiv"])
    name = sample(repo, {"age": 0.3, "income": 0.5})
    joblib.dump({"model": model, "city": cities}, repo / "model.bin")
    code, found, _ = run(capsys, "schema", "--artifact", "model.bin", "--sample", name)
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [
        ("MLG400", "warning")], found
    assert "'city': LabelEncoder" in found[0]["message"], found
    # as many classes as the model, but what a request field holds (red team of round 36:
    # a gender encoder of F/M beside a binary classifier, a working service failed)
    gender = LabelEncoder().fit(["F", "M"])
    gendered = sample(repo, {"age": 0.3, "income": 0.5, "gender": "M"}, "gendered.json")
    joblib.dump({"model": model, "gender": gender}, repo / "model.bin")
    code, found, _ = run(capsys, "schema", "--artifact", "model.bin", "--sample", gendered)
    assert code == 0 and [f["code"] for f in found] == ["MLG400"], found
    if importlib.util.find_spec("pyarrow"):  # whatever the sample's format (red team 37)
        pd.DataFrame([{"age": 0.3, "income": 0.5, "gender": "M"}]).to_parquet(
            repo / "gendered.parquet")
        code, found, _ = run(capsys, "schema", "--artifact", "model.bin", "--sample",
                             "gendered.parquet")
        assert code == 0 and [f["code"] for f in found] == ["MLG400"], found
    # one of the model's own classes decodes its answers: the model is checked
    labels = LabelEncoder().fit(np.where(TARGET == 1, "high", "low"))
    joblib.dump({"model": model, "labels": labels}, repo / "model.bin")
    assert run(capsys, "schema", "--artifact", "model.bin", "--sample", name)[:2] == (0, [])


def test_parquet_samples_are_read_in_the_projects_environment(repo, capsys):
    pytest.importorskip("pyarrow")
    joblib.dump(column_pipeline(), repo / "model.joblib")
    FRAME.iloc[:1].to_parquet(repo / "sample.parquet")
    assert run(capsys, "schema", "--artifact", "model.joblib", "--sample",
               "sample.parquet")[:2] == (0, [])


def test_the_contract_by_field_names_or_by_aliases(repo, capsys):
    joblib.dump(column_pipeline(), repo / "model.joblib")
    (repo / "api.py").write_text(CONTRACT)
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request")
    assert (code, found) == (0, [])
    (repo / "pyproject.toml").write_text('[tool.mlgate.schema]\ncontract-names = "aliases"\n')
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request")
    assert code == 1 and codes(found) == ["MLG405", "MLG406"]
    missing = next(f for f in found if f["code"] == "MLG405")
    assert missing["message"].startswith("the model needs column 'income'")
    assert (missing["path"], missing["line"]) == ("api.py", 7)


def test_sample_values_are_checked_against_the_contracts_types(repo, capsys):
    joblib.dump(column_pipeline(), repo / "model.joblib")
    (repo / "api.py").write_text(CONTRACT.replace("city: str", 'city: Literal["a", "b"]')
                                 .replace("from pydantic", "from typing import Literal\nfrom"
                                          " pydantic"))
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request", "--sample", sample(repo, {**ROW, "city": "z",
                                                                     "age": "old"}))
    assert code == 1
    assert sorted(f["message"] for f in found if f["code"] == "MLG410") == [
        "sample value age='old' is str; the contract expects float",
        "sample value city='z' is not one of ['a', 'b']",
        # pydantic takes `income` by its alias only: this request would be refused too
        "the sample lacks 'yearlyIncome', which the contract Request requires: the API would"
        " refuse the request (422)"]


def test_sample_values_are_checked_against_the_contracts_bounds(repo, capsys):
    """Reliability round 33: Field(ge=, le=) bounds were not checked: a sample the API
    refuses with 422 (`tenure_months: 500`, le=120) passed."""
    joblib.dump(column_pipeline(), repo / "model.joblib")
    (repo / "api.py").write_text(CONTRACT.replace("age: float", "age: float = Field(..., ge=18,"
                                                  " le=120)").replace(
        "city: str", "city: str = Field(..., max_length=3)"))
    row = {"age": 0.3, "yearlyIncome": 0.5, "city": "a", "notes": 0.1}
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request", "--sample", sample(repo, {**row, "age": 500,
                                                                     "city": "Lisbon"}))
    assert code == 1
    assert sorted(f["message"] for f in found if f["code"] == "MLG410") == [
        "sample value age=500 is outside the contract's le=120: the API would refuse the"
        " request (422)",
        "sample value city='Lisbon' has length 6, outside the contract's max_length=3: the"
        " API would refuse the request (422)"]
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request", "--sample", sample(repo, {**row, "age": 40}))
    assert not [f for f in found if f["code"] == "MLG410"], found


@pytest.mark.parametrize("what, files, expected", [
    ("malformed sample", {"s.json": "{not json"}, "sample: "),
    ("missing contract file", {}, "contract: "),
    ("class not found", {"api.py": CONTRACT}, "contract: "),
])
def test_bad_inputs_are_findings(repo, capsys, what, files, expected):
    joblib.dump(column_pipeline(), repo / "model.joblib")
    for name, text in files.items():
        (repo / name).write_text(text)
    args = ["--artifact", "model.joblib"]
    args += ["--sample", "s.json"] if "s.json" in files else [
        "--contract", "api.py:Nope" if "api.py" in files else "gone.py:Request"]
    code, found, _ = run(capsys, "schema", *args)
    assert code == 1 and codes(found) == ["MLG400"], what
    assert found[0]["message"].startswith(expected)


class Fragile(ClassifierMixin, BaseEstimator):
    """Predicts, but an empty request crashes it with an IndexError."""

    def fit(self, X, y):
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return np.asarray([X.iloc[0, 0] > 0] * len(X)) if len(X) else X.to_numpy()[0]


def test_an_empty_request_must_fail_clearly(repo, capsys, monkeypatch):
    (repo / "fragile.py").write_text(
        "import numpy as np\n" + __import__("inspect").getsource(Fragile).replace(
            "(ClassifierMixin, BaseEstimator)", ""))
    monkeypatch.syspath_prepend(str(repo))
    import importlib

    module = importlib.import_module("fragile")
    joblib.dump(module.Fragile().fit(FRAME[["age"]], TARGET), repo / "model.joblib")
    (repo / "pyproject.toml").write_text('[tool.mlgate.artifact]\ntrust-modules = ["fragile"]\n')
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample",
                         sample(repo, {"age": 0.3}))
    assert (code, [(f["code"], f["severity"]) for f in found]) == (0, [("MLG408", "warning")])
    assert "IndexError" in found[0]["message"]
    del sys.modules["fragile"]


SLOW = """
import time

from sklearn.base import BaseEstimator, TransformerMixin


class Slow(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        time.sleep(0.02)
        return X
"""


def test_latency_over_budget_is_measured_twice_then_blocks(repo, capsys, monkeypatch):
    (repo / "slowstep.py").write_text(SLOW)
    monkeypatch.syspath_prepend(str(repo))
    import slowstep

    model = make_pipeline(slowstep.Slow(), LogisticRegression()).fit(FRAME[["age"]], TARGET)
    joblib.dump(model, repo / "model.joblib")
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["slowstep"]\n'
        "[tool.mlgate.latency]\nmax-seconds = 1\n")
    row = sample(repo, {"age": 0.3})
    code, found, err = run(capsys, "latency", "--artifact", "model.joblib", "--sample", row,
                           "--budget-ms", "5")
    assert code == 1 and codes(found) == ["MLG501"]
    assert "exceeds the 5 ms budget (and " in found[0]["message"]  # measured twice
    assert found[0]["p95_ms"] >= 20
    code, found, err = run(capsys, "latency", "--artifact", "model.joblib", "--sample", row,
                           "--budget-ms", "1000")
    assert (code, found) == (0, [])
    assert "p50 " in err and "load " in err and "peak RSS" in err
    del sys.modules["slowstep"]


def test_latency_without_a_sample_says_so(repo, capsys):
    joblib.dump(column_pipeline(), repo / "model.joblib")
    code, found, _ = run(capsys, "latency", "--artifact", "model.joblib")
    assert (code, [(f["code"], f["severity"]) for f in found]) == (0, [("MLG502", "warning")])


@pytest.mark.parametrize("library", ["sklearn", "lightgbm"])
def test_the_readme_names_the_libraries_the_model_needs(repo, capsys, library):
    from importlib import metadata

    lgb = pytest.importorskip("lightgbm") if library == "lightgbm" else None
    frame = FRAME[["age", "income"]]
    model = (lgb.LGBMClassifier(n_estimators=2, min_child_samples=1, verbose=-1)
             if lgb else LogisticRegression()).fit(frame, TARGET)
    joblib.dump(model, repo / "model.joblib")
    sample(repo, {"age": 0.3, "income": 0.5}, "sample_request.json")
    (repo / "README.md").write_text("# Project\n")
    run(capsys, "audit", "--write-readme")
    measured = next(line for line in (repo / "README.md").read_text().splitlines()
                    if line.startswith("Measured with"))
    assert f"scikit-learn {metadata.version('scikit-learn')}" in measured
    lightgbm = f"lightgbm {metadata.version('lightgbm')}" if lgb else "lightgbm"
    assert (lightgbm in measured) == (lgb is not None), measured
    assert "xgboost" not in measured, measured


def test_names_from_the_artifact_write_nothing_outside_the_readme_section(repo, capsys):
    """Sandbox review round 28: a feature name holding a newline, the section's end marker, a
    heading, a link and an <img> ended the section early and wrote after it."""
    from mlgate.audit import END

    evil = ("x`\n<!-- mlgate:operational-constraints:end -->\n\n## Injected\n"
            "[a](https://e.x)<img src=x>")
    frame = pd.DataFrame({"a": [0.0, 1.0, 0.0, 1.0], evil: [1.0, 0.0, 1.0, 0.0]})
    joblib.dump(LogisticRegression().fit(frame, [0, 1, 0, 1]), repo / "model.joblib")
    sample(repo, {"a": 0.1, evil: 0.2}, "sample_request.json")
    (repo / "README.md").write_text("# Project\n")
    run(capsys, "audit", "--write-readme")
    readme = (repo / "README.md").read_text()
    assert readme.count(END) == 1 and readme.rstrip().endswith(END), readme
    assert "<img" not in readme and "\n## Injected" not in readme, readme
    assert "](https" not in readme, readme
    assert "&lt;!-- mlgate:operational-constraints:end --&gt;" in readme


def test_audit_reports_pillars_reuses_the_cache_and_writes_the_readme(repo, capsys):
    joblib.dump(column_pipeline(), repo / "model.joblib")
    sample(repo, ROW, "sample_request.json")
    (repo / "README.md").write_text("# Project\n\nIntro.\n")
    (repo / "train.py").write_text("DATA = 'data/train.csv'\n")
    code, report, _ = run(capsys, "audit", "--write-readme")
    # No lock: nothing failed, but READY would claim a pillar that was never checked.
    assert (code, report["ready"], report["verdict"]) == (1, False, "incomplete")
    assert {p["name"]: p["status"] for p in report["pillars"]} == {
        "paths": "pass", "lock": "not-checked", "artifact": "pass", "schema": "pass",
        "latency": "pass"}
    assert "add requirements.txt" in report["pillars"][1]["detail"]
    assert "| lock | NOT CHECKED |" in (repo / "README.md").read_text()
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate]\nrequire = ["paths", "artifact", "schema", "latency"]\n')
    code, report, _ = run(capsys, "audit", "--write-readme")
    assert (code, report["ready"], report["verdict"]) == (0, True, "ready")
    readme = (repo / "README.md").read_text()
    assert readme.startswith("# Project\n\nIntro.\n")
    assert "## Operational Constraints" in readme and "p50 / p95 / p99" in readme
    before = readme
    code, report, _ = run(capsys, "audit", "--write-readme")
    after = (repo / "README.md").read_text()
    assert after.count("## Operational Constraints") == 1
    assert after.split("| single-row latency")[0] == before.split("| single-row latency")[0]
    (repo / "sample_request.json").write_text(json.dumps({**ROW, "city": 3}))
    with open(repo / "evil.pkl", "wb") as handle:
        pickle.dump(print, handle)
    code = main(["audit", "--python", sys.executable])
    out = capsys.readouterr().out
    assert code == 1
    # (the lock pillar is NOT CHECKED: a pyproject.toml of [tool.mlgate] alone is no lock)
    assert "  FAIL         artifact" in out and "NOT READY" in out
    assert "evil.pkl:1:1: MLG301" in out


def test_audit_sarif_is_valid(repo, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    joblib.dump(column_pipeline(), repo / "model.joblib")
    (repo / "train.py").write_text("DATA = '/Users/ana/train.csv'\n")
    code = main(["audit", "--format", "sarif", "--python", sys.executable])
    log = json.loads(capsys.readouterr().out)
    schema = json.loads((Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json")
                        .read_text())
    jsonschema.validate(log, schema)
    assert code == 1
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["MLG101"]


COMPUTED_ALIASES = """
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Request(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel)

    age: float
    yearly_income: float
    city: str
"""


def test_computed_aliases_need_the_import_mode(repo, capsys):
    pytest.importorskip("pydantic")
    frame = FRAME.rename(columns={"income": "yearlyIncome"})
    columns = ColumnTransformer([("num", StandardScaler(), ["age", "yearlyIncome"]),
                                 ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])])
    joblib.dump(make_pipeline(columns, LogisticRegression()).fit(frame, TARGET),
                repo / "model.joblib")
    (repo / "api.py").write_text(COMPUTED_ALIASES)
    (repo / "pyproject.toml").write_text('[tool.mlgate.schema]\ncontract-names = "aliases"\n')
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request")
    assert "MLG409" in codes(found)  # read statically: the aliases are not known
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request", "--contract-import")
    assert (code, found) == (0, [])
    (repo / "api.py").write_text("raise RuntimeError('no database here')\n" + COMPUTED_ALIASES)
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request", "--contract-import")
    assert code == 1 and "importing it failed: RuntimeError: no database here" in " ".join(
        f["message"] for f in found)


def test_a_contract_whose_import_waits_forever_is_stopped_and_blamed(repo, capsys,
                                                                      monkeypatch):
    """Reliability round 36 (F5): an api.py waiting at import (for a database, in a loop that
    swallows exceptions) ran the whole probe to mlgate's outer timeout (135 s for a 10 s
    load-timeout), and the artifact was reported as failing to load."""
    import mlgate.model_run

    pytest.importorskip("pydantic")
    monkeypatch.setattr(mlgate.model_run, "CALL_TIMEOUT", 2.0)
    frame = FRAME.rename(columns={"income": "yearlyIncome"})
    columns = ColumnTransformer([("num", StandardScaler(), ["age", "yearlyIncome"]),
                                 ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])])
    joblib.dump(make_pipeline(columns, LogisticRegression()).fit(frame, TARGET),
                repo / "model.joblib")
    (repo / "api.py").write_text(
        "import time\nwhile True:\n    try:\n        time.sleep(5)\n    except Exception:\n"
        "        pass\n" + COMPUTED_ALIASES)
    (repo / "pyproject.toml").write_text('[tool.mlgate.schema]\ncontract-names = "aliases"\n')
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request", "--contract-import")
    assert code == 1 and {f["path"] for f in found} == {"api.py"}, found  # not the model
    assert "importing it failed: Hang: no answer within 2 s" in found[0]["message"], found


SMALL_ONLY = """
from sklearn.base import BaseEstimator, TransformerMixin


class SmallOnly(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        if len(X) > 5:
            raise MemoryError("too many rows at once")
        return X
"""


def test_a_batch_that_fails_is_said_not_dropped(repo, capsys, monkeypatch):
    """`batch = N` times one call with N rows; when it failed, its timing vanished without a
    word (and it ran with no deadline)."""
    (repo / "smallonly.py").write_text(SMALL_ONLY)
    monkeypatch.syspath_prepend(str(repo))
    import smallonly

    model = make_pipeline(smallonly.SmallOnly(), LogisticRegression()).fit(
        FRAME[["age"]].iloc[:4], [0, 1, 1, 0])
    joblib.dump(model, repo / "model.joblib")
    row = sample(repo, {"age": 0.3})
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["smallonly"]\n'
        # (its MemoryError above 5 rows is what the memory check finds too: not this test's)
        "[tool.mlgate.latency]\nmax-seconds = 1\nmemory-mb = 0\n"
        f'[tool.mlgate.models.m]\nartifact = "model.joblib"\nsample = "{row}"\nbatch = 3\n')
    code, found, err = run(capsys, "latency")
    assert (code, found) == (0, []) and "batch of 3: " in err
    (repo / "pyproject.toml").write_text(
        (repo / "pyproject.toml").read_text().replace("batch = 3", "batch = 50"))
    code, found, err = run(capsys, "latency")
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [
        ("MLG502", "warning")], found
    assert "the batch of 50 rows was not timed: MemoryError: too many rows" in (
        found[0]["message"])
    del sys.modules["smallonly"]


@pytest.mark.parametrize("config, sample_key, accepted", [
    ("validate_by_name=True, validate_by_alias=True", "income", True),
    ("validate_by_name=True, validate_by_alias=True", "yearlyIncome", True),
    ("", "income", False),  # pydantic's default: the alias only
])
def test_the_import_mode_keeps_which_keys_pydantic_accepts(repo, capsys, config, sample_key,
                                                           accepted):
    """Imported, the contract lost validate_by_name: a sample the API accepts by field name
    was two MLG410 errors (reliability round 24); read statically it passed."""
    pydantic = pytest.importorskip("pydantic")
    if config and tuple(int(p) for p in pydantic.VERSION.split(".")[:2]) < (2, 11):
        pytest.skip("validate_by_name is pydantic 2.11's")
    joblib.dump(column_pipeline(), repo / "model.joblib")
    (repo / "api.py").write_text(CONTRACT.replace(
        "class Request(BaseModel):\n",
        "class Request(BaseModel):\n"
        f"    model_config = ConfigDict(extra='forbid', {config})\n").replace(
        "BaseModel, Field", "BaseModel, ConfigDict, Field"))
    row = {"age": 0.3, sample_key: 0.5, "city": "a"}
    for imported in ([], ["--contract-import"]):
        code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                             "api.py:Request", "--sample", sample(repo, row), *imported)
        refusals = [f for f in found if f["code"] == "MLG410"]
        assert (refusals == []) is accepted, (imported, found)
        assert code == (0 if accepted and sample_key == "income" else 1), (imported, found)


@pytest.mark.parametrize("value, flagged", [
    ("No", False), ("yes", False), ("ON", False), (1, False), ("maybe", True), (2, True)])
def test_a_bool_field_takes_what_pydantic_takes(repo, capsys, value, flagged):
    """pydantic's lax mode takes "No", "yes", 1 for a bool (the API answers, no 422): such a
    sample value was an MLG410 warning on every commit (new-user trial)."""
    pytest.importorskip("pydantic")
    joblib.dump(column_pipeline(), repo / "model.joblib")
    (repo / "api.py").write_text(CONTRACT.replace("city: str", "city: str\n    smoker: bool"))
    _, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request", "--sample", sample(repo, {
                             "age": 0.3, "yearlyIncome": 0.5, "income": 0.5, "city": "a",
                             "smoker": value}))
    said = [f["message"] for f in found if f["code"] == "MLG410" and "smoker" in f["message"]]
    assert bool(said) is flagged, found


def _text_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["good film", "bad film", "good plot", "bad plot"] * 3
    return make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, [1, 0, 1, 0] * 3)


def test_a_text_model_is_sent_the_text_field_as_its_service_sends_it(repo, capsys):
    """A Pipeline that starts with a text vectorizer is served as `predict([request.text])`.
    It was called with the sample's table, which a vectorizer reads as its column names:
    one document ("text"), one answer for any number of rows, and a PASS that checked
    nothing. It gets the text field's values now, one document per row."""
    joblib.dump(_text_pipeline(), repo / "model.joblib")
    (repo / "sample.json").write_text(json.dumps([{"text": "a good film"},
                                                  {"text": "a bad plot"}]))
    assert run(capsys, "schema", "--artifact", "model.joblib", "--sample", "sample.json"
               )[:2] == (0, [])
    code, found, _ = run(capsys, "latency", "--artifact", "model.joblib", "--sample",
                           "sample.json")
    assert code == 0, found
    # a text beside a number: the text is the field of strings
    name = sample(repo, {"review": "a good film", "stars": 4})
    assert run(capsys, "schema", "--artifact", "model.joblib", "--sample", name)[:2] == (0, [])
    # two texts: which one the service sends cannot be known (not checked, not wrong)
    name = sample(repo, {"title": "film", "review": "a good film"})
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", name)
    assert code == 0 and codes(found) == ["MLG400"], found
    assert "none of them the only text" in found[0]["message"]
    assert found[0]["severity"] == "warning"


def _nested_text_models():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import FeatureUnion

    texts = ["good film", "bad film", "good plot", "bad plot"] * 3
    labels = [1, 0, 1, 0] * 3
    union = FeatureUnion([("words", TfidfVectorizer()),
                          ("chars", CountVectorizer(analyzer="char_wb", ngram_range=(2, 3)))])
    return {
        "search": GridSearchCV(make_pipeline(TfidfVectorizer(), LogisticRegression()),
                               {"logisticregression__C": [0.1, 1.0]}, cv=2).fit(texts, labels),
        "union": make_pipeline(union, LogisticRegression()).fit(texts, labels),
        "nested": make_pipeline(make_pipeline(TfidfVectorizer()), LogisticRegression()
                                ).fit(texts, labels),
        "calibrated": CalibratedClassifierCV(make_pipeline(
            TfidfVectorizer(), LogisticRegression()), cv=2).fit(texts, labels),
    }


@pytest.mark.parametrize("kind", ["search", "union", "nested", "calibrated"])
def test_a_text_model_inside_a_meta_estimator_is_sent_the_text(repo, capsys, kind):
    """Review round 32: a vectorizer inside GridSearchCV, a FeatureUnion or a nested
    Pipeline was fed the sample's column names: one document for two rows (MLG407)."""
    joblib.dump(_nested_text_models()[kind], repo / "model.joblib")
    (repo / "sample.json").write_text(json.dumps([{"text": "a good film"},
                                                  {"text": "a bad plot"}]))
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample",
                         "sample.json")
    assert (code, found) == (0, []), found


ONE_ANSWER = """
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class OneAnswer(BaseEstimator, ClassifierMixin):
    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return np.zeros(1)  # one answer, whatever the number of requests
"""


def test_a_model_must_answer_once_per_request_row(repo, capsys):
    (repo / "one_answer.py").write_text(ONE_ANSWER)
    subprocess.run(["git", "add", "one_answer.py"], cwd=repo, check=True)
    sys.path.insert(0, str(repo))
    try:
        from one_answer import OneAnswer

        joblib.dump(OneAnswer().fit(FRAME[["age", "income"]].to_numpy()), repo / "model.joblib")
    finally:
        sys.path.remove(str(repo))
        sys.modules.pop("one_answer", None)
    (repo / "sample.json").write_text(json.dumps([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]))
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample",
                         "sample.json")
    assert code == 1 and codes(found) == ["MLG407"], found
    assert "on the sample's 3 row(s) answered 1 row(s)" in found[0]["message"]
    (repo / "sample.json").write_text(json.dumps([[0.1, 0.2]]))
    assert run(capsys, "schema", "--artifact", "model.joblib", "--sample", "sample.json"
               )[:2] == (0, [])


def _vectorizer_and_model(repo):
    """vectorizer.pkl beside model.pkl, the tutorial layout: the model is fitted on the
    vectorizer's output, and the service applies the vectorizer first."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["good film", "bad film", "good plot", "bad plot"] * 3
    vectorizer = TfidfVectorizer().fit(texts)
    joblib.dump(vectorizer, repo / "vectorizer.pkl")
    joblib.dump(LogisticRegression().fit(vectorizer.transform(texts), [1, 0, 1, 0] * 3),
                repo / "model.pkl")


def _declared_with_its_vectorizer(repo):
    """The model declared with vectorizer.pkl as its preprocessor, and a text sample."""
    sample(repo, {"text": "a good film"})
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate.models.sentiment]\nartifact = "model.pkl"\n'
        'preprocessors = ["vectorizer.pkl"]\nsample = "sample.json"\n')
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)


def test_declared_preprocessors_are_applied_before_the_model(repo, capsys):
    _vectorizer_and_model(repo)
    _declared_with_its_vectorizer(repo)
    assert run(capsys, "schema")[:2] == (0, [])
    code, found, err = run(capsys, "latency")
    assert (code, found) == (0, []) and "p50 " in err
    # a preprocessor that changes is read again (the cached verdict was the old one's)
    joblib.dump(StandardScaler().fit(FRAME[["age", "income"]]), repo / "vectorizer.pkl")
    code, found, _ = run(capsys, "schema")  # (its input is age and income now)
    assert code == 1 and "MLG401" in codes(found), found
    _vectorizer_and_model(repo)
    # without the declaration the text reaches the bare model: one column for its 4
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate.models.sentiment]\nartifact = "model.pkl"\nsample = "sample.json"\n')
    code, found, _ = run(capsys, "schema")
    assert code == 1 and codes(found) == ["MLG404"], found
    assert 'preprocessors = ["vectorizer.pkl"]' in found[0]["hint"], found


def test_a_preprocessor_is_scanned_like_any_artifact_before_it_is_loaded(repo, capsys):
    _vectorizer_and_model(repo)
    (repo / "vectorizer.pkl").write_bytes(
        b"cos\nsystem\n(S'touch " + str(repo / "pwned").encode() + b"'\ntR.")
    _declared_with_its_vectorizer(repo)
    code, found, _ = run(capsys, "schema")
    assert code == 1 and codes(found) == ["MLG400"], found
    assert "its preprocessor vectorizer.pkl does not pass the artifact check (MLG301" in (
        found[0]["message"]), found
    assert not (repo / "pwned").exists()


def test_a_declared_preprocessor_without_transform_is_named(repo, capsys):
    """New-user trial 41 (F6): a project's own preprocessing class (its method is
    `transform_for_inference`) declared as the model's preprocessor was "the artifact is a
    tuple (PreprocessingPipeline, RandomForestClassifier)": neither file is a tuple."""
    _vectorizer_and_model(repo)
    joblib.dump({"vocabulary": ["good", "bad"]}, repo / "vectorizer.pkl")
    _declared_with_its_vectorizer(repo)
    code, found, _ = run(capsys, "schema")
    said = [f["message"] for f in found if f["code"] == "MLG400"]
    assert code == 0 and said, found
    assert "dict (declared preprocessor 1) has no transform()" in said[0], said
    assert "the artifact is a tuple" not in said[0]


@pytest.mark.parametrize(("value", "says"), [
    ('["../outside.pkl"]', "outside the repository"),
    ('["a", "b", "c", "d", "e", "f", "g", "h"]', "at most 7"),
    ('"vectorizer.pkl"', "must be a list of strings"),
])
def test_preprocessors_are_validated(repo, capsys, value, says):
    _vectorizer_and_model(repo)
    (repo / "pyproject.toml").write_text(
        f'[tool.mlgate.models.m]\nartifact = "model.pkl"\npreprocessors = {value}\n')
    code = main(["schema", "--python", sys.executable])
    assert code == 2 and says in capsys.readouterr().err


def test_a_missing_preprocessor_is_a_finding(repo, capsys):
    _vectorizer_and_model(repo)
    sample(repo, {"text": "a good film"})
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate.models.m]\nartifact = "model.pkl"\npreprocessors = ["gone.pkl"]\n'
        'sample = "sample.json"\n')
    code, found, _ = run(capsys, "schema")
    assert code == 1 and codes(found) == ["MLG400"], found
    assert "the preprocessor gone.pkl does not exist" in found[0]["message"]


def test_a_boosting_wrapper_without_scikit_learn_names_the_cause(monkeypatch):
    """New-user trial round 29: a LightGBM model in a project whose requirements lack
    scikit-learn loads (LightGBM has stand-in base classes) and fails at predict with
    "'super' object has no attribute 'get_params'"; MLG407's hint named nothing."""
    import importlib.util

    from mlgate.probe_script import exercise

    class LGBMRegressor:
        def predict(self, rows):
            raise AttributeError("'super' object has no attribute 'get_params'")

    LGBMRegressor.__module__ = "lightgbm.sklearn"
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sklearn" else real(name, *a))
    failed = exercise._attempt(5, LGBMRegressor().predict, [[0.0]])
    assert failed["ok"] is False and "needs scikit-learn" in failed["cause"], failed
    monkeypatch.setattr(importlib.util, "find_spec", real)  # installed: no cause given
    assert "cause" not in exercise._attempt(5, LGBMRegressor().predict, [[0.0]])


def test_with_two_models_each_finding_names_its_model(repo, capsys):
    """New-user round 32: two models in one folder shared one sample; "the model needs
    column 'x'", said at the sample, named neither model, in text or in JSON."""
    from sklearn.linear_model import LogisticRegression as Logistic

    joblib.dump(Logistic().fit(FRAME[["age", "income"]], TARGET), repo / "model.joblib")
    other = pd.DataFrame({"x": RNG.rand(40), "y": RNG.rand(40)})
    joblib.dump(Logistic().fit(other, TARGET), repo / "pipeline_v1.joblib")
    sample(repo, {"age": 0.3, "income": 0.5}, "sample_request.json")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    for check in ("schema", "latency"):
        code, found, _ = run(capsys, check)
        about = {(f["model"], f["artifact"]) for f in found}
        if check == "schema":
            assert code == 1 and about == {("pipeline_v1", "pipeline_v1.joblib")}, found
            assert all(f["message"].startswith("model 'pipeline_v1' (pipeline_v1.joblib): ")
                       for f in found), found
        else:
            assert code == 1 and about == {("pipeline_v1", "pipeline_v1.joblib")}, found
            assert all("pipeline_v1" in f["message"] for f in found), found
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample",
                         "sample_request.json")  # one model: its findings' text is unchanged
    assert (code, found) == (0, [])


def test_lightgbm_names_with_spaces_are_the_columns_it_was_fitted_on(repo, capsys):
    """New-user round 33 (F4): LightGBM stores 'City_New Delhi' as 'City_New_Delhi' and is
    served with the name it was fitted on: the sample with the training columns got MLG401
    'the model needs column City_New_Delhi'. A column truly missing still fails."""
    import lightgbm

    frame = pd.DataFrame({"Age": RNG.rand(40), "City_New Delhi": RNG.randint(0, 2, 40),
                          "City_Pune": RNG.randint(0, 2, 40)})
    model = lightgbm.LGBMClassifier(n_estimators=3, min_child_samples=2, verbose=-1)
    joblib.dump(model.fit(frame, TARGET), repo / "model.joblib")
    assert "City_New_Delhi" in list(model.feature_names_in_)
    name = sample(repo, {"Age": 30.0, "City_New Delhi": 1, "City_Pune": 0})
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", name)
    assert (code, found) == (0, []), found
    name = sample(repo, {"Age": 30.0, "City_Mumbai": 1, "City_Pune": 0})
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", name)
    assert code == 1 and "MLG401" in codes(found), found


SWAPPED_CONTRACT = """
from pydantic import BaseModel


class Request(BaseModel):
    income: float
    age: float
"""


def test_a_model_that_reads_columns_by_position_is_sent_them_in_the_training_order(
        repo, capsys):
    """New-user trial round 33 (F7): LightGBM's scikit-learn API reads a frame by position,
    without checking its names. A sample (and a contract) listing income before age was
    predicted on swapped columns, and the schema passed. A pipeline that selects its
    columns by name answers the same in any order: no finding."""
    import lightgbm

    frame = FRAME[["age", "income"]]
    model = lightgbm.LGBMClassifier(n_estimators=20, min_child_samples=2, verbose=-1)
    joblib.dump(model.fit(frame, TARGET), repo / "model.joblib")
    swapped = sample(repo, {"income": 0.5, "age": 0.9})
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", swapped)
    assert code == 1 and [(f["code"], f["severity"]) for f in found] == [("MLG403", "error")]
    assert "reads them by position" in found[0]["message"], found
    ordered = sample(repo, {"age": 0.9, "income": 0.5}, "ordered.json")
    (repo / "api.py").write_text(SWAPPED_CONTRACT)
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", ordered)
    assert (code, found) == (0, [])
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", ordered,
                         "--contract", "api.py:Request")
    assert code == 0 and [(f["code"], f["severity"], f["path"]) for f in found] == [
        ("MLG403", "warning", "api.py")], found
    assert "age, income" in found[0]["hint"]
    # By name: a ColumnTransformer answers the same to the swapped sample and contract.
    columns = ColumnTransformer([("num", StandardScaler(), ["age", "income"])])
    joblib.dump(make_pipeline(columns, LogisticRegression()).fit(frame, TARGET),
                repo / "model.joblib")
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", swapped,
                         "--contract", "api.py:Request")
    assert (code, found) == (0, [])


def test_a_position_reading_model_is_caught_when_the_swapped_values_are_equal(repo, capsys):
    """Red team round 34 (F9): whether the model reads by position was told from the
    sample's own rows in two orders; a sample whose out-of-place columns held equal values
    (two flags both 0) answered alike, and the audit said READY, while every request with
    the flags differing was predicted on swapped columns. Two columns whose values differ
    are swapped instead."""
    import lightgbm

    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"age": rng.randint(18, 80, 400).astype(float),
                          "flag_a": rng.randint(0, 2, 400).astype(float),
                          "flag_b": rng.randint(0, 2, 400).astype(float)})
    target = (frame.flag_a * 3 - frame.flag_b * 2 + frame.age / 50 > 1.5).astype(int)
    model = lightgbm.LGBMClassifier(n_estimators=20, verbose=-1).fit(frame, target)
    joblib.dump(model, repo / "model.joblib")
    name = sample(repo, {"age": 40.0, "flag_b": 0.0, "flag_a": 0.0})
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", name)
    assert code == 1 and [(f["code"], f["severity"]) for f in found] == [("MLG403", "error")]
    assert "answered alike" in found[0]["message"], found
    # by name, the same layout passes
    columns = ColumnTransformer([("num", StandardScaler(), ["age", "flag_a", "flag_b"])])
    joblib.dump(make_pipeline(columns, LogisticRegression()).fit(frame, target),
                repo / "model.joblib")
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", name)
    assert (code, found) == (0, []), found


def test_a_catboost_model_is_read_by_its_feature_names():
    """New-user round 33 (F7): an unpickled CatBoost wrapper says n_features_in_ == 0 and
    keeps its columns in feature_names_: every CatBoost model was "fitted on 0 unnamed
    columns" (MLG404). (catboost is not a test dependency: a stand-in of its wrapper.)"""
    from mlgate.probe_script.exercise import expected_input

    class CatBoostClassifier:
        n_features_in_ = 0

        def __init__(self, names):
            self.feature_names_ = names

    CatBoostClassifier.__module__ = "catboost.core"
    named = expected_input(CatBoostClassifier(["age", "bmi", "smoker"]))
    assert (named["feature_names_in"], named["n_features_in"]) == (["age", "bmi", "smoker"], 3)
    unnamed = expected_input(CatBoostClassifier(["0", "1", "2", "3"]))  # fitted on an array
    assert (unnamed["feature_names_in"], unnamed["n_features_in"]) == (None, 4)


def test_a_model_that_predicts_with_workers_is_timed_with_a_warning(repo, capsys):
    """Red team round 33 (F3): the probe's sandbox starts no process, so joblib ran a
    BaggingClassifier(n_jobs=64) one job after the other: 18 ms here, and served, 97 s for
    its first prediction. The measurement stands, with a warning that says so."""
    from sklearn.ensemble import BaggingClassifier
    from sklearn.tree import DecisionTreeClassifier

    model = BaggingClassifier(DecisionTreeClassifier(), n_estimators=4, n_jobs=8)
    joblib.dump(model.fit(FRAME[["age", "income"]], TARGET), repo / "model.joblib")
    name = sample(repo, {"age": 0.3, "income": 0.5})
    code, found, _ = run(capsys, "latency", "--artifact", "model.joblib", "--sample", name)
    assert code == 0 and codes(found) == ["MLG502"], found
    assert found[0]["severity"] == "warning" and "n_jobs=8" in found[0]["message"]
    # an integer of numpy's, or a fitted member's own setting, is the same (a red team of
    # the first form of this rule)
    model.set_params(n_jobs=np.int64(8))
    joblib.dump(model, repo / "model.joblib")
    code, found, _ = run(capsys, "latency", "--artifact", "model.joblib", "--sample", name)
    assert codes(found) == ["MLG502"], found
    joblib.dump((StandardScaler().fit(FRAME[["age", "income"]]), model),
                repo / "model.joblib")  # a (preprocessor, model) tuple, served as a chain
    code, found, _ = run(capsys, "latency", "--artifact", "model.joblib", "--sample", name)
    assert codes(found) == ["MLG502"], found
    model.set_params(n_jobs=None)
    joblib.dump(model, repo / "model.joblib")
    assert run(capsys, "latency", "--artifact", "model.joblib", "--sample", name)[:2] == (0, [])


def test_a_json_true_for_a_number_field_is_what_pydantic_accepts(repo, capsys):
    """New-user round 33 (trial 2, F3): MLG410 said the API would refuse `true` for an int
    or float field; pydantic 2's lax mode (FastAPI's) reads it as 1."""
    joblib.dump(column_pipeline(), repo / "model.joblib")
    (repo / "api.py").write_text(CONTRACT)
    row = {"age": True, "yearlyIncome": 0.5, "city": "a", "notes": 0.1}
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request", "--sample", sample(repo, row))
    assert not [f for f in found if f["code"] == "MLG410"], found
    row = {**row, "age": 0.3, "city": True}  # a str field still refuses a bool
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request", "--sample", sample(repo, row))
    assert code == 1  # a declared contract refuses it: an error
    assert [f["code"] for f in found if f["code"] == "MLG410"] == ["MLG410"], found


def test_an_excluded_artifact_is_no_model(repo, capsys):
    """New-user trial 2 of round 33 (F2): models found by convention ignored `exclude`: an
    old experiment left in archive/ was loaded, compared with the sample and timed, and
    failed schema and latency while `mlgate artifact` skipped it."""
    from sklearn.linear_model import LogisticRegression as Logistic

    joblib.dump(Logistic().fit(FRAME[["age", "income"]], TARGET), repo / "model.joblib")
    (repo / "archive").mkdir()
    other = pd.DataFrame({"x": RNG.rand(40), "y": RNG.rand(40)})
    joblib.dump(Logistic().fit(other, TARGET), repo / "archive" / "old_model.joblib")
    sample(repo, {"age": 0.3, "income": 0.5}, "sample_request.json")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    code, found, _ = run(capsys, "schema")
    assert code == 1 and {f["artifact"] for f in found} == {"archive/old_model.joblib"}
    (repo / "pyproject.toml").write_text('[tool.mlgate]\nexclude = ["archive/**"]\n')
    for check in ("schema", "latency"):
        assert run(capsys, check)[:2] == (0, []), check


def test_a_value_a_dict_vectorizer_reads_as_nothing_is_a_missing_field(repo, capsys):
    """New-user trial round 34 (F4): a DictVectorizer fitted on "No"/"Yes" for `flag`, an
    API (and sample) sending 0/1: an int is the feature `flag`, which it never saw, so the
    field is dropped without a word and every request predicts as if it were missing."""
    from sklearn.feature_extraction import DictVectorizer

    rows = [{"flag": "Yes" if i % 2 else "No", "income": float(i)} for i in range(20)]
    vectorizer = DictVectorizer(sparse=False).fit(rows)
    model = LogisticRegression().fit(vectorizer.transform(rows), [i % 2 for i in range(20)])
    joblib.dump((vectorizer, model), repo / "model.bin")
    (repo / "api.py").write_text(
        "from pydantic import BaseModel\n\n\nclass Request(BaseModel):\n"
        "    flag: int\n    income: float\n")
    name = sample(repo, {"flag": 1, "income": 5.0})
    code, found, _ = run(capsys, "schema", "--artifact", "model.bin", "--sample", name,
                         "--contract", "api.py:Request")
    assert code == 1 and codes(found) == ["MLG401", "MLG405"], found
    assert all("only as text ('No', 'Yes')" in f["message"] for f in found), found
    (repo / "api.py").write_text(
        "from pydantic import BaseModel\n\n\nclass Request(BaseModel):\n"
        "    flag: str\n    income: float\n")
    name = sample(repo, {"flag": "Yes", "income": 5.0})
    assert run(capsys, "schema", "--artifact", "model.bin", "--sample", name, "--contract",
               "api.py:Request")[:2] == (0, [])


def test_a_bundle_that_carries_its_columns_is_served_in_their_order(repo, capsys):
    """New-user trial round 34, second round (F3): `{"model": m, "features": [...]}` is
    served as `m.predict(frame[pack["features"]])`: MLG403 for a sample in another order
    was a false alarm there (a bare LightGBM model still gets it)."""
    import lightgbm

    frame = FRAME[["age", "income"]]
    model = lightgbm.LGBMClassifier(n_estimators=20, min_child_samples=2, verbose=-1)
    model.fit(frame, TARGET)
    joblib.dump({"model": model, "features": ["age", "income"]}, repo / "model.joblib")
    swapped = sample(repo, {"income": 0.5, "age": 0.9})
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", swapped)
    assert (code, found) == (0, [])
    joblib.dump({"model": model, "version": 3}, repo / "model.joblib")
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--sample", swapped)
    assert code == 1 and codes(found) == ["MLG403"], found


def test_a_sample_the_api_refuses_is_not_told_of_preprocessors_beside_it(repo, capsys):
    """New-user trial round 40b (F5): a sample value of another type than the contract
    declares (the API's 422) got the hint of a request a preprocessor may transform first,
    naming the old model saved beside the new one as the preprocessor to declare."""
    from sklearn.linear_model import LinearRegression

    unnamed = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 0.0]])  # fitted without column names
    for name in ("model.joblib", "model_v1.joblib"):  # the one before, kept beside it
        joblib.dump(LinearRegression().fit(unnamed, [1.0, 2.0, 3.0]), repo / name)
    (repo / "api.py").write_text("from pydantic import BaseModel\n\n\nclass Request(BaseModel):"
                                 "\n    rooms: int\n    age: float\n")
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", "--contract",
                         "api.py:Request", "--sample", sample(repo, {"rooms": 2.55, "age": 1.0}))
    mismatch = [f for f in found if f["code"] == "MLG410"]
    assert code == 1 and mismatch and {f["code"] for f in found} == {"MLG410"}, found
    assert all("saved beside the model" not in f["hint"] for f in mismatch), mismatch


V1_PACKAGE_CONTRACT = """
from pydantic.v1 import BaseModel

from .naming import camel


class Request(BaseModel):
    age: float
    yearly_income: float
    city: str

    class Config:
        alias_generator = camel
        extra = "forbid"
"""


def test_contract_import_reads_pydantic_1_in_a_package_with_relative_imports(repo, capsys):
    """New-user trial 45 F3: `contract-import = true` failed on pydantic 1.10 ("no attribute
    'model_fields'") and on `from .enums import ...` ("attempted relative import with no
    known parent package"), and after its MLG400 the static reading's MLG405s still came."""
    pytest.importorskip("pydantic.v1")
    frame = FRAME.rename(columns={"income": "yearlyIncome"})
    columns = ColumnTransformer([("num", StandardScaler(), ["age", "yearlyIncome"]),
                                 ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])])
    joblib.dump(make_pipeline(columns, LogisticRegression()).fit(frame, TARGET),
                repo / "model.joblib")
    (repo / "service").mkdir()
    (repo / "service" / "__init__.py").write_text("")
    (repo / "service" / "naming.py").write_text(
        "def camel(name):\n    first, *rest = name.split('_')\n"
        "    return first + ''.join(part.title() for part in rest)\n")
    (repo / "service" / "schemas.py").write_text(V1_PACKAGE_CONTRACT)
    (repo / "pyproject.toml").write_text('[tool.mlgate.schema]\ncontract-names = "aliases"\n')
    contract = ("--contract", "service/schemas.py:Request")
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", *contract)
    assert "MLG409" in codes(found)  # read statically: the aliases are not known
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", *contract,
                         "--contract-import")
    assert (code, found) == (0, [])
    # pydantic's own reading: the sample must use the aliases, and extra keys are refused
    row = {"age": 0.3, "yearly_income": 0.5, "city": "a"}
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", *contract,
                         "--contract-import", "--sample", sample(repo, row))
    said = " ".join(f["message"] for f in found if f["code"] == "MLG410")
    assert "lacks 'yearlyIncome'" in said and "has 'yearly_income'" in said, found
    # An import that fails is the finding; the static reading it replaces is not compared.
    (repo / "service" / "schemas.py").write_text(
        V1_PACKAGE_CONTRACT.replace("from .naming import camel", "from .absent import camel"))
    code, found, _ = run(capsys, "schema", "--artifact", "model.joblib", *contract,
                         "--contract-import")
    assert code == 1 and codes(found) == ["MLG400"], found
    assert "No module named 'service.absent'" in found[0]["message"], found
