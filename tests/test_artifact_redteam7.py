"""Round 7 of red-teaming: the value types, the ecosystem, the project's own estimators and
the allow snippet. Each artifact below passed `mlgate artifact` with exit 0 before its fix.

- datetime's packed bytes: CPython checks only the month (a time's hour) of them, so a
  `date` of year 0 loaded, and its ctime() indexed the day names at -1 (a segfault). The
  scan now checks every packed field is in range, as a pickler writes them.
- `Fraction('1e100000000')` (Fraction() parses exponents, computing 10 ** exp: minutes of
  one core in the probe, and in the user's load); str() of a Fraction is 'n' or 'n/d', and
  of a Decimal its scientific spelling: only those texts pass.
- a project estimator whose scikit-learn base is `ScoringMonitor`: its __setstate__
  connects to the address its state names and opens a listener (only the sandbox stopped
  it). A scikit-learn base's reconstruction hooks now count only when loading that class
  itself would run them (BaseEstimator's, or a class of a module where estimators live).
- a LightGBM Booster whose model text has a child index past its tree: loads, and predict()
  reads out of bounds. The probe now checks each tree of a Booster after the load.
- the paste-ready allow snippet offered functions (`pydoc.locate`,
  `pandas.core.computation.eval.eval`, `xgboost.core._load_lib`): it now offers only names
  spelled as public classes that are no known danger, and those names are known dangers.
"""

from __future__ import annotations

import datetime
import io
import pickle
import sys

import pytest

from helpers import artifact_json
from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
from mlgate.artifacts.pickle_scan import scan_pickle
from mlgate.artifacts.refused_globals import allow_snippet, dangerous, offered
from mlgate.cli import main

ALLOW = AllowList(BASE | NUMPY_TYPES | NUMPY_UFUNCS)


def _messages(data: bytes) -> list[str]:
    return [r.message for r in scan_pickle(data, ALLOW).refusals]


def _short(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def _call(module: str, name: str, *args: bytes) -> bytes:
    """PROTO 4, module.name(*args) by REDUCE, STOP."""
    return (b"\x80\x04" + _short(module) + _short(name) + b"\x93(" + b"".join(args)
            + b"tR.")


def _packed(raw: bytes) -> bytes:
    return b"C" + bytes([len(raw)]) + raw


# ----------------------------------------------------------------------- datetime fields

def test_a_date_of_year_zero_is_refused():
    data = _call("datetime", "date", _packed(b"\x00\x00\x01\x01"))
    assert pickle.loads(data).year == 0  # what CPython makes of it (ctime() reads at -1)
    assert any("packed fields are out of range" in m for m in _messages(data))


@pytest.mark.parametrize("module_name,raw", [
    ("date", b"\x07\xe8\x02\x1e"),  # 30 February
    ("date", b"\x07\xe8\x01\xc8"),  # day 200
    ("datetime", b"\x07\xe8\x01\x02\x63\x00\x00\x00\x00\x00"),  # hour 99
    ("datetime", b"\x07\xe8\x01\x02\x03\x04\x3c\x00\x00\x00"),  # second 60
    ("datetime", b"\x07\xe8\x01\x02\x03\x04\x05\x0f\x42\x40"),  # microsecond 1000000
    ("time", b"\x03\x63\x00\x00\x00\x00"),  # minute 99
])
def test_packed_fields_out_of_range_are_refused(module_name, raw):
    data = _call("datetime", module_name, _packed(raw))
    pickle.loads(data)  # CPython takes them
    assert any("packed fields are out of range" in m for m in _messages(data))


def test_real_dates_times_and_folds_still_pass():
    values = [datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.date(2024, 2, 29),
              datetime.datetime(2024, 12, 31, 23, 59, 59, 999999, fold=1),
              datetime.time(23, 59, 59, 999999, fold=1),
              datetime.datetime(2000, 2, 29, tzinfo=datetime.timezone.utc)]
    for protocol in (2, 4):
        assert not _messages(pickle.dumps(values, protocol=protocol))


# ---------------------------------------------------------------- Fraction and Decimal text

@pytest.mark.parametrize("text", ["1e100000000", "1E5", " 1/3", "1_000", "2/-3", "0x10",
                                  "\u0661"])
def test_a_fraction_text_str_never_writes_is_refused(text):
    assert any("fractions.Fraction made from" in m
               for m in _messages(_call("fractions", "Fraction", _short(text))))


@pytest.mark.parametrize("text", [" 1", "1_0", "1e5", "\u0661", "inf", "+1", ".5"])
def test_a_decimal_text_str_never_writes_is_refused(text):
    assert any("decimal.Decimal made from" in m
               for m in _messages(_call("decimal", "Decimal", _short(text))))


def test_what_str_writes_for_fractions_and_decimals_passes():
    import decimal
    import fractions

    values = [fractions.Fraction(-7, 3), fractions.Fraction(5), decimal.Decimal("-9.99E+2"),
              decimal.Decimal("0.00000000"), decimal.Decimal("-sNaN12"),
              decimal.Decimal("-Infinity"), decimal.Decimal("1.5e-7")]
    for value in values:
        for protocol in (2, 4):
            assert not _messages(pickle.dumps(value, protocol=protocol)), value
    # 3.9-3.11 write a Fraction as its text
    assert not _messages(_call("fractions", "Fraction", _short("-7/3")))


# ------------------------------------------------------- the project's estimators' bases

def _project(git_project, base_import: str, bases: str) -> bytes:
    (git_project / "myproj").mkdir()
    (git_project / "myproj" / "__init__.py").write_text("")
    (git_project / "myproj" / "est.py").write_text(
        f"from sklearn.base import BaseEstimator\n{base_import}\n\n\n"
        f"class Model({bases}):\n    def __init__(self, alpha=1.0):\n"
        "        self.alpha = alpha\n")
    import subprocess

    subprocess.run(["git", "add", "myproj"], check=True)
    # NEWOBJ(Model, ()) with the attribute dict a fitted one has
    return (b"\x80\x04" + _short("myproj.est") + _short("Model") + b"\x93)\x81}("
            + _short("alpha") + b"G?\xf0\x00\x00\x00\x00\x00\x00" + _short("_log") + b"]"
            + b"ub.")


def test_a_project_estimator_on_a_scoring_monitor_is_refused(git_project, capsys):
    pytest.importorskip("sklearn.callback._scoring_monitor")
    data = _project(git_project, "from sklearn.callback._scoring_monitor import"
                    " ScoringMonitor", "BaseEstimator, ScoringMonitor")
    (git_project / "model.pkl").write_bytes(data)
    code, found = artifact_json(capsys, "model.pkl")
    assert code == 1 and "ScoringMonitor defines __setstate__" in found[0]["message"], found


def test_a_project_estimator_on_scikit_learn_mixins_still_passes(git_project, capsys):
    data = _project(git_project, "from sklearn.base import TransformerMixin",
                    "TransformerMixin, BaseEstimator")
    (git_project / "model.pkl").write_bytes(data)
    assert artifact_json(capsys, "model.pkl") == (0, [])


# ----------------------------------------------------------------------- LightGBM trees

def _lightgbm(edit) -> bytes:
    """A small fitted Booster pickled (protocol 2), its model text changed by `edit`."""
    import re

    lgb = pytest.importorskip("lightgbm")
    import numpy as np

    rng = np.random.RandomState(0)
    X = rng.rand(200, 3)
    booster = lgb.train({"objective": "binary", "num_leaves": 4, "verbose": -1,
                         "num_threads": 1}, lgb.Dataset(X, (X[:, 0] > 0.5).astype(int)), 2)
    text = booster.model_to_string()
    data = pickle.dumps(booster, protocol=2)
    at = data.index(text.encode())
    assert data[at - 5:at - 4] == b"X"  # BINUNICODE
    new = edit(re.sub(r"tree_sizes=[^\n]*\n", "", text)).encode()
    return data[:at - 5] + b"X" + len(new).to_bytes(4, "little") + new + data[at + len(text):]


def test_a_lightgbm_tree_with_a_child_past_it_is_refused(git_project, capsys):
    import re

    (git_project / "bad.pkl").write_bytes(_lightgbm(
        lambda t: re.sub(r"left_child=(-?\d+)", "left_child=100000", t, count=1)))
    (git_project / "good.pkl").write_bytes(_lightgbm(lambda t: t))
    code, found = artifact_json(capsys, "bad.pkl", "good.pkl")
    assert code == 1 and [f["path"] for f in found] == ["bad.pkl"], found
    assert "a child index outside the tree" in found[0]["message"]


def test_lightgbm_models_of_every_kind_still_pass(git_project, capsys):
    lgb = pytest.importorskip("lightgbm")
    import joblib
    import numpy as np
    import pandas as pd

    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.rand(300), "b": rng.rand(300),
                      "c": pd.Categorical(rng.choice(list("pqrstuvw"), 300))})
    y = ((X.a > 0.5) ^ X.c.isin(["p", "q"])).astype(int)
    models = {
        "categorical": lgb.LGBMClassifier(n_estimators=3, num_leaves=8, verbose=-1).fit(X, y),
        "linear": lgb.LGBMRegressor(n_estimators=2, linear_tree=True, verbose=-1).fit(
            X[["a", "b"]], X.a * 2),
        "one-leaf": lgb.LGBMRegressor(n_estimators=2, min_child_samples=1000,
                                      verbose=-1).fit(X[["a", "b"]], X.a),
    }
    for name, model in models.items():
        joblib.dump(model, git_project / f"{name}.joblib")
    assert artifact_json(capsys, *(f"{n}.joblib" for n in models)) == (0, [])


# ----------------------------------------------------------------------- the allow snippet

@pytest.mark.parametrize("pair", [
    ("pydoc", "locate"), ("pandas.core.computation.eval", "eval"),
    ("sklearn.datasets", "fetch_openml"), ("xgboost.core", "_load_lib"),
    ("logging", "FileHandler"), ("zipfile", "ZipFile"), ("xgboost", "DMatrix"),
])
def test_names_the_previous_round_found_are_known_dangers(pair):
    assert dangerous(*pair) and not offered(*pair)


def test_the_snippet_offers_only_classes():
    assert offered("churn.features", "Bucketer") and offered("pkg.mod", "Outer.Inner")
    for pair in (("mymod.util", "helper_fn"), ("builtins", "Ellipsis"), ("pkg", "_Private"),
                 ("pkg", "Outer._inner")):
        assert not offered(*pair), pair
    snippet = allow_snippet([("mymod.util", "helper_fn"), ("churn.features", "Bucketer")])
    assert "helper_fn" not in snippet and '"churn.features:Bucketer"' in snippet


def test_a_refused_function_is_named_but_never_offered(git_project, capsys):
    data = (b"\x80\x02(cmymod.util\nhelper_fn\ncchurn.features\nBucketer\nl.")
    (git_project / "bundle.pkl").write_bytes(data)
    assert main(["artifact", "--no-cache", "--python", sys.executable, "bundle.pkl"]) == 1
    out = capsys.readouterr().out
    assert "mymod.util.helper_fn" in out and "not named like a public class" in out
    snippet = out[out.index("[tool.mlgate.artifact]"):]
    assert "churn.features:Bucketer" in snippet and "helper_fn" not in snippet
    code, found = artifact_json(capsys, "bundle.pkl")
    assert code == 1 and [f.get("allow") for f in found] == [None, "churn.features:Bucketer"]


def test_the_reproducers_are_what_they_claim():
    """(date of year 0 and an exponent Fraction are what CPython's own loaders accept.)"""
    import fractions

    assert pickle.loads(_call("fractions", "Fraction", _short("1e3"))) == 1000
    assert isinstance(pickle.load(io.BytesIO(_call("datetime", "date", _packed(
        b"\x00\x00\x01\x01")))), datetime.date)
    assert fractions.Fraction("1e3") == 1000
