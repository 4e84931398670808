"""Round 34 of red-teaming the artifact check: its findings, each closed by a rule.

- `copyreg._reconstructor(bytearray, bytearray, 3000000000)`: 76 bytes that allocate 3 GB in
  every load (copyreg calls `base.__init__(obj, state)`). copyreg writes `_reconstructor`
  only for a subclass of its base, with the state `base(obj)`: a value of the base's type.
- A stacking model's fitted `stack_method_` (ClassifierChain's `chain_method_`) naming
  `fit_transform`: every request refitted a shared scaler, each answer computed from the
  previous caller's rows, and READY. Fitted method names must be answering methods.
"""

from __future__ import annotations

import pickle
import subprocess

import pytest

from helpers import artifact_json, g

_N = b"\x8a\x05" + (3_000_000_000).to_bytes(5, "little")  # LONG1
_RECON = g("copyreg", "_reconstructor")


@pytest.mark.parametrize("stream", [
    _RECON + g("builtins", "bytearray") + g("builtins", "bytearray") + _N + b"\x87R.",
    b"(" + _RECON + g("builtins", "bytearray") + g("builtins", "bytearray") + _N + b"o.",
    _RECON + g("builtins", "bytes") + g("builtins", "bytes") + _N + b"\x87R.",
    _RECON + g("collections", "OrderedDict") + g("builtins", "dict") + _N + b"\x87R.",
    _RECON + g("collections", "OrderedDict") + g("builtins", "list") + b"}\x87R.",
], ids=["bytearray", "bytearray-obj", "bytes", "dict-base-int-state", "list-base-dict-state"])
def test_the_reconstructors_state_is_a_value_of_its_base(git_project, capsys, stream):
    (git_project / "model.pkl").write_bytes(b"\x80\x02" + stream)
    code, found = artifact_json(capsys, "--no-load", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert "_reconstructor" in found[0]["message"]


def test_protocol_0_spells_the_same_refusal(git_project, capsys):
    (git_project / "model.pkl").write_bytes(
        b"ccopy_reg\n_reconstructor\n(c__builtin__\nbytearray\nc__builtin__\nbytearray\n"
        b"I3000000000\ntR.")
    code, found = artifact_json(capsys, "--no-load", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found


class _Record(dict):
    pass


def test_real_subclasses_of_builtins_in_protocols_0_and_1_keep_passing(git_project, capsys,
                                                                       monkeypatch):
    """What copyreg writes for them: `_reconstructor(cls, base, base(obj))` (a dict
    subclass here; Bunch and OrderedDict in round 10's test)."""
    monkeypatch.setattr(_Record, "__module__", "collections")
    monkeypatch.setattr("collections._Record", _Record, raising=False)
    for protocol in (0, 1):
        data = pickle.dumps({"record": _Record(a=1)}, protocol=protocol)
        assert b"_reconstructor" in data
        (git_project / f"p{protocol}.pkl").write_bytes(data)
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["collections:_Record"]\n')
    code, found = artifact_json(capsys, "--no-load", "p0.pkl", "p1.pkl")
    assert (code, found) == (0, [])


def _stacking(how: str):
    import numpy as np
    from sklearn.ensemble import StackingRegressor
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = rng.normal(50, 10, (60, 1))
    model = StackingRegressor([("a", LinearRegression()), ("b", LinearRegression())],
                              final_estimator=LinearRegression(), cv=2).fit(X, X[:, 0] * 2)
    if how.startswith("refit"):
        scaler = StandardScaler().fit(X)
        model.estimators_ = [scaler, scaler]
        model.stack_method_ = ["transform", "fit_transform"]
        if how == "refit-array":  # (review of the rule: an array of names slipped by)
            model.stack_method_ = np.array(model.stack_method_)
    return model


def _chain(how: str):
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.multioutput import ClassifierChain

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = np.stack([X[:, 0] > 0, X[:, 1] > 0], axis=1).astype(int)
    model = ClassifierChain(LogisticRegression()).fit(X, Y)
    if how == "refit":
        if not hasattr(model, "chain_method_"):
            pytest.skip("this scikit-learn's ClassifierChain has no chain_method_")
        model.chain_method_ = "fit_predict"
    return model


@pytest.mark.parametrize("make, how", [(_stacking, "refit"), (_stacking, "refit-array"),
                                       (_chain, "refit")],
                         ids=["stacking", "stacking-array", "chain"])
def test_a_fitted_method_name_must_answer_not_fit(git_project, capsys, make, how):
    import joblib

    joblib.dump(make("ordinary"), git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "model.joblib") == (0, [])
    joblib.dump(make(how), git_project / "model.joblib")
    code, found = artifact_json(capsys, "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "not a method that answers a request" in found[0]["message"], found


@pytest.mark.parametrize("leaf", ["decimal", "path", "dtype"])
def test_a_shared_chain_over_a_value_that_prints_long_is_refused(git_project, capsys, leaf):
    """Red team round 34 (N2): the shared-chain rule weighed a Decimal or a path as one
    item whatever it prints: a 14-level list chain over a 60,000-digit Decimal in
    class_weight (61 KB) made repr(model) take minutes and gigabytes, and READY."""
    import decimal
    import pathlib

    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    value = (decimal.Decimal("9" * 60000) if leaf == "decimal"
             else pathlib.PurePosixPath("a/" * 30000) if leaf == "path"
             else np.dtype([(f"field_{i:05d}", "f8") for i in range(3000)]))
    for _ in range(14):
        value = [value, value]
    model = LogisticRegression().fit(np.arange(20.0).reshape(-1, 1), np.arange(20) % 2)
    model.class_weight = {0: 1.0, 1: value}
    joblib.dump(model, git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "shared between slots" in found[0]["message"], found


def test_nesting_deeper_than_a_pickler_writes_is_refused_in_the_load(git_project, capsys):
    """Static layer round 34 (F3): `()` and 500,000 TUPLE1 (1 MB) loaded, exit 0; no pickler
    writes it (CPython's stops near 1,000 levels) and hashing the value overflows the C
    stack. The probe's walk refuses more than 10,000 levels; 400 (a pickler's) pass."""
    value: list = []
    for _ in range(400):
        value = [value]
    (git_project / "ok.pkl").write_bytes(pickle.dumps(value, protocol=4))
    (git_project / "deep.pkl").write_bytes(b"\x80\x04)" + b"\x85" * 20000 + b".")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "ok.pkl", "deep.pkl")
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [("deep.pkl", "MLG309")]
    assert "more than 10000 levels deep" in found[0]["message"], found


def test_a_dtype_state_with_an_integer_numpy_cannot_hold_is_refused(git_project, capsys):
    """Static layer round 34 (F4): an alignment of 2,100 bytes was "an integer", went into
    the facts sent to the probe, and JSON refused it: a traceback, the run lost."""
    big = 2100
    number = (1 << (8 * big - 2)).to_bytes(big, "little")

    def short(text: str) -> bytes:
        return b"\x8c" + bytes([len(text)]) + text.encode()

    long = b"\x8b" + big.to_bytes(4, "little") + number
    head = b"\x80\x04" + short("numpy") + short("dtype") + b"\x93" + short("f8") + b"\x89\x88\x87R"
    stream = (head + b"(K\x03" + short("<") + b"NNN" + b"J\xff\xff\xff\xff" + long
              + b"K\x00tb.")
    # and in its metadata (review of the fix): {'k': 2,100 bytes}
    meta = (head + b"(K\x04" + short("<") + b"NNN" + b"J\xff\xff\xff\xff" * 2 + b"K\x00"
            + b"}" + short("k") + long + b"stb.")
    (git_project / "model.pkl").write_bytes(stream)
    (git_project / "meta.pkl").write_bytes(meta)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "model.pkl", "meta.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"] * 2, found
    assert "64-bit integers" in found[1]["message"], found
