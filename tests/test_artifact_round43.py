"""Round 43 (false-alarm trials and reviews). A class the scan refuses as one it does not
vet is offered for `allow` only when allowing it could clear the finding: a polars
DataFrame pickles its frame as IPC bytes through `__getstate__`, a state mlgate reads for
no class it does not know, and the snippet it printed turned MLG301 into MLG302 (false-alarm
trial 42, F4): a remedy that cannot work."""

from __future__ import annotations

import io
import json
import pickletools
import subprocess
import sys

import pytest

from helpers import g
from mlgate.cli import main


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    return tmp_path


def state_pickle(module: str, name: str, state: bytes) -> bytes:
    """What pickle writes (protocol 4) for an instance of module.name whose
    __getstate__ returns `state`: GLOBAL, NEWOBJ with no arguments, the state, BUILD."""
    return b"\x80\x04" + g(module, name) + b")\x81" + state + b"b."


BYTES_STATE = b"C\x08ARROW1\x00\x00"  # SHORT_BINBYTES: what polars' __getstate__ returns
DICT_STATE = b"}\x8c\x04rows\x94K\x03s"  # {"rows": 3}: an attribute dict


def text_run(capsys, *args: str) -> tuple[int, str]:
    code = main(["artifact", "--python", sys.executable, *args])
    return code, capsys.readouterr().out


def json_run(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["artifact", "--format", "json", "--python", sys.executable, *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else []


def test_a_class_whose_state_no_allow_can_pass_is_not_offered(project, capsys):
    (project / "bundle.pkl").write_bytes(
        state_pickle("polars.dataframe.frame", "DataFrame", BYTES_STATE))
    code, out = text_run(capsys, "bundle.pkl")
    assert code == 1 and "MLG301" in out, out
    assert "allow = [" not in out, out  # no snippet: it would not help
    assert "allowing it would not help" in out, out
    code, found = json_run(capsys, "bundle.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG301"], found
    assert "allow" not in found[0], found  # JSON names no allow entry either
    assert "bytes" in found[0]["hint"], found
    # and the user who allows it by hand still gets the state refused: the hint was right
    (project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["polars.dataframe.frame:DataFrame"]\n')
    code, found = json_run(capsys, "bundle.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found


def test_a_class_with_an_attribute_dict_is_still_offered(project, capsys):
    (project / "bundle.pkl").write_bytes(state_pickle("churn.model", "Bucketer", DICT_STATE))
    code, out = text_run(capsys, "bundle.pkl")
    assert code == 1 and '"churn.model:Bucketer",' in out, out
    code, found = json_run(capsys, "bundle.pkl")
    assert found[0]["allow"] == "churn.model:Bucketer", found


def test_one_opaque_state_among_dict_states_still_withdraws_the_offer(project, capsys):
    # the same class given a dict here and bytes there: allowing it cannot clear the file
    data = (b"\x80\x04" + g("churn.model", "Bucketer") + b"\x94)\x81" + DICT_STATE + b"b"
            + b"h\x00)\x81" + BYTES_STATE + b"b\x86.")
    (project / "bundle.pkl").write_bytes(data)
    pickletools.dis(data, out=io.StringIO())  # a well-formed stream
    code, found = json_run(capsys, "bundle.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG301"], found
    assert "allow" not in found[0], found
