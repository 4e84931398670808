"""Which files are artifacts, whatever their name: anything pickle.load or joblib.load would
read and act on (issue #10's review round 8 got four payloads and one real writer's file
past a stricter sniff: none of them was ever checked, and `mlgate artifact` exited 0)."""

from __future__ import annotations

import json
import pickle
import sys
import zlib

import joblib
import numpy as np
import pytest

from mlgate.artifacts.discovery import sniff
from mlgate.cli import main


class _Runs:
    """Pickles as os.system('true'): what a payload does on load."""

    def __reduce__(self):
        import os

        return os.system, ("true",)


def _payloads() -> dict[str, bytes]:
    zero = pickle.dumps(_Runs(), protocol=0)
    two = pickle.dumps(_Runs(), protocol=2)
    big = (b"(T" + (2 << 20).to_bytes(4, "little") + b"x" * (2 << 20) + b"0"
           + pickle.dumps(_Runs(), protocol=1))
    return {
        "extra.dat": b"I1\n" + zero,  # a value left on the stack: pickle.load ignores it
        "big.bin": big,  # a protocol 1 stream past the sniff's read limit
        "nostop.bin": zero[:-1] + b"\xff",  # runs its call, then fails: never a STOP
        "zlib0.bin": zlib.compress(zero),  # joblib.load decompresses it whatever its name
        "zf.model": b"ZF" + format(len(two), "x").encode().rjust(19) + zlib.compress(two),
        # round 9: a memo key written twice (pickletools refuses it, the unpicklers do not)
        "memo.bin": b"I1\np0\np0\n" + zero,
        "memo.dat": __import__("gzip").compress(b"I1\np0\np0\n" + zero),
    }


@pytest.mark.parametrize("name", sorted(_payloads()))
def test_what_the_loaders_would_run_is_found_whatever_its_name(git_project, capsys, name):
    (git_project / name).write_bytes(_payloads()[name])
    assert sniff(str(git_project / name)) is not None
    for args in ([], ["--only-artifacts", name]):  # the audit's way, and the hook's
        code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                     *args])
        found = json.loads(capsys.readouterr().out)
        assert code == 1 and [f["path"] for f in found] == [name], found


def test_an_lz4_joblib_file_is_found_whatever_its_name(git_project, capsys):
    pytest.importorskip("lz4")
    joblib.dump({"w": np.arange(3)}, git_project / "weights.bin", compress="lz4")
    assert sniff(str(git_project / "weights.bin")) == "compressed"
    code = main(["artifact", "-v", "--python", sys.executable, "--no-cache"])
    assert code == 0 and "weights.bin" in capsys.readouterr().err


@pytest.mark.parametrize("text", [
    b"../../../bin/mlgate,,\nmlgate/__init__.py,sha256=x,12\n",  # a wheel's RECORD
    b"city,age\nParis,3\n",  # a CSV: GLOBAL of two lines that are no names
    b"clean:\n\trm -rf build\n",  # a Makefile
    b"import os\nimport sys\n",  # INST of 'mport os'
    b".\n",  # STOP with nothing on the stack
    b"cmusic\nnotes\n",  # a name no loader could import, and nothing called
    b"N.B. the first line of a note\n",  # a whole pickle of None, then text
], ids=["record", "csv", "makefile", "python", "stop", "name-only", "note"])
def test_text_that_starts_with_an_opcode_is_not_an_artifact(tmp_path, text):
    (tmp_path / "f").write_bytes(text)
    assert sniff(str(tmp_path / "f")) is None
    (tmp_path / "f.gz").write_bytes(__import__("gzip").compress(text))
    assert sniff(str(tmp_path / "f.gz")) is None



def test_an_object_dtype_index_saved_by_joblib_passes(git_project, capsys):
    """Review round 8: joblib's object array, read by pickle.load with the outer stream's
    memo, meets 'pandas' where joblib reads 'numpy' and asks pandas for `dtype`, which it
    does not have: pickle.load fails there, having called nothing. It was refused."""
    pd = pytest.importorskip("pandas")
    joblib.dump(pd.Index(["age", "income"], dtype=object), git_project / "columns.joblib")
    joblib.dump(pd.Index(["a", 1], dtype=object), git_project / "mixed.joblib")
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])


def test_an_attribute_pickle_load_would_find_is_still_refused(tmp_path):
    from mlgate.probe_script.common import LoadFailure
    from mlgate.probe_script.verify import verify_absent_modules

    verify_absent_modules(["json:no_such_thing", "json.decoder:JSONDecoder.nope"], [])
    with pytest.raises(LoadFailure, match=r"would take json\.decoder\.JSONDecoder\.decode"):
        verify_absent_modules(["json.decoder:JSONDecoder.decode"], [])
