"""A CSV sample's missing cells are what the service's `pandas.read_csv` makes of them
(new-user trial 40b, F6): a category spelled 'None' is read as missing by pandas' default,
the probe hands the model NaN there (not None, which no imputer takes for missing), a
failure names the cells read so, and `[tool.mlgate.schema] csv-missing = "empty"` reads
them as text, as `read_csv(keep_default_na=False, na_values=[""])` does."""

from __future__ import annotations

import json
import subprocess
import sys

import joblib
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from mlgate.cli import main
from mlgate.contracts.samples import read_sample

SAMPLE = "tenure,internet\n3,DSL\n7,None\n"


def _schema(capsys) -> tuple[int, list[dict]]:
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    return code, json.loads(captured.out)


def _project(root, categories: list, config: str = "", impute: bool = False) -> None:
    frame = pd.DataFrame({"tenure": [1.0, 5.0, 9.0, 2.0],
                          "internet": categories})
    encode = make_pipeline(*[SimpleImputer(strategy="most_frequent")] * impute,
                           OneHotEncoder(handle_unknown="error"))
    model = make_pipeline(make_column_transformer((encode, ["internet"]),
                                                  remainder="passthrough"),
                          LogisticRegression()).fit(frame, [0, 1, 0, 1])
    joblib.dump(model, root / "model.joblib")
    (root / "sample.csv").write_text(SAMPLE)
    (root / "pyproject.toml").write_text(
        '[tool.mlgate.models.churn]\nartifact = "model.joblib"\nsample = "sample.csv"\n'
        + config)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)


def test_read_as_missing_is_recorded_and_empty_mode_reads_text(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("a,b,c\nNone,NA,\nx,,null\n")
    default = read_sample(str(path))
    assert default.rows == [{"a": None, "b": None, "c": None},
                            {"a": "x", "b": None, "c": None}]
    # only cells with text in them: an empty cell is missing in every reading
    assert default.missing == [("a", "None", 2), ("b", "NA", 2), ("c", "null", 3)]
    empty = read_sample(str(path), "empty")
    expected = pd.read_csv(path, keep_default_na=False, na_values=[""])
    assert empty.rows == [{k: (None if v != v else v) for k, v in row.items()}
                          for row in expected.to_dict("records")]
    assert empty.rows[0] == {"a": "None", "b": "NA", "c": None} and empty.missing == []


@pytest.mark.parametrize("impute", [True, False])
def test_a_missing_cell_is_nan_as_read_csv_makes_it(git_project, capsys, impute):
    """The model imputes the category's missing values, or knows NaN as a category (NaN, not
    None: the service's read_csv gives it NaN, and so must the check, also in a column
    with no value at all, which read_csv makes float64)."""
    _project(git_project, ["DSL", "Fiber", float("nan"), "DSL"], impute=impute)
    # (a column with no value at all is float64, which the encoder alone refuses, as it
    # does the service's read_csv frame: only the imputing model takes that one)
    for text in (SAMPLE, "tenure,internet\n7,None\n")[:1 + impute]:
        (git_project / "sample.csv").write_text(text)
        subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
        code, findings = _schema(capsys)
        assert (code, findings) == (0, []), (text, findings)


def test_a_category_spelled_none_is_named_when_it_fails(git_project, capsys):
    """The model knows 'None' as a category; pandas' default reads it as missing, and the
    failure names the cell and the setting that reads it as text."""
    _project(git_project, ["DSL", "None", "Fiber", "None"])
    code, findings = _schema(capsys)
    failed = [f for f in findings if f["code"] == "MLG407"]
    assert code == 1 and failed, findings
    assert "internet='None' (line 3) were read as missing values" in failed[0]["hint"]
    assert 'csv-missing = "empty"' in failed[0]["hint"]
    _project(git_project, ["DSL", "None", "Fiber", "None"],
             '\n[tool.mlgate.schema]\ncsv-missing = "empty"\n')
    code, findings = _schema(capsys)
    assert (code, findings) == (0, []), findings


def test_csv_missing_takes_only_its_two_readings(git_project, capsys):
    _project(git_project, ["DSL", "None", "Fiber", "None"],
             '\n[tool.mlgate.schema]\ncsv-missing = "none"\n')
    code = main(["schema", "--python", sys.executable])
    err = capsys.readouterr().err
    assert code == 2 and "csv-missing" in err and "Traceback" not in err, err


@pytest.mark.parametrize("cell", ["None", "NA", "null"])
def test_the_default_is_what_read_csv_reads_as_missing(tmp_path, cell):
    path = tmp_path / "s.csv"
    path.write_text(f"a,b\n{cell},1\n")
    assert pd.isna(pd.read_csv(path)["a"][0])
    assert read_sample(str(path)).rows == [{"a": None, "b": 1}]
