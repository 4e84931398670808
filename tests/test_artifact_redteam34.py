"""Round 34 of red-teaming the artifact check: its findings, each closed by a rule.

- `copyreg._reconstructor(bytearray, bytearray, 3000000000)`: 76 bytes that allocate 3 GB in
  every load (copyreg calls `base.__init__(obj, state)`). copyreg writes `_reconstructor`
  only for a subclass of its base, with the state `base(obj)`: a value of the base's type.
"""

from __future__ import annotations

import pickle

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
