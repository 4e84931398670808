"""Round 3 of red-teaming (session 3), after scikit-learn pairs became pending and verified at
load time. Each stream below passed the static scan before its fix.

- A dict with a dunder key reached an object's items or attributes without being a BUILD
  state: as an argument of copyreg._reconstructor(Bunch, dict, {...}), a Bunch whose
  `__array_interface__` item numpy then read; `numpy.ma.MaskedArray((bunch,))` became a view
  of any memory address, and SETITEMS on it wrote there.
- A score function allowed only as a value was still called: ADDITEMS/APPENDS on a Bunch call
  its 'add'/'extend' item, and an allowed callable may call what it is given.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import pytest

from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
from mlgate.artifacts.pickle_scan import scan_pickle
from mlgate.cli import main

BUNCH = ("sklearn.utils._bunch", "Bunch")
SCORE = ("sklearn.metrics._classification", "accuracy_score")


def g(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def s(text: str) -> bytes:
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def i(value: int) -> bytes:
    return b"\x8a\x08" + struct.pack("<q", value)


# {'__array_interface__': {'shape': (8,), 'typestr': '|u1', 'data': (ADDR, False), 'version': 3}}
INTERFACE = (s("__array_interface__") + b"}(" + s("shape") + i(8) + b"\x85" + s("typestr")
             + s("|u1") + s("data") + i(0x414141414000) + b"\x89\x86" + s("version") + i(3)
             + b"u")
WRITE = b"(" + i(0) + i(0x41) + b"u."  # m[0] = 0x41: a write at ADDR

STREAMS = {
    # copyreg._reconstructor(Bunch, dict, {'__array_interface__': ...}) -> MaskedArray view
    "reconstructor-dict-argument": b"\x80\x02" + g("numpy.ma.core", "MaskedArray")
    + g("copyreg", "_reconstructor") + g(*BUNCH) + g("builtins", "dict") + b"}(" + INTERFACE
    + b"u\x87R\x85R" + WRITE,
    # the same with the items as a list of pairs, which dict.__init__ also takes
    "reconstructor-list-state": b"\x80\x02" + g("numpy.ma.core", "MaskedArray")
    + g("copyreg", "_reconstructor") + g(*BUNCH) + g("builtins", "dict") + b"]" + INTERFACE
    + b"\x86a\x87R\x85R" + WRITE,
    # Bunch(**{'__array_interface__': ...}) by NEWOBJ_EX
    "newobj-ex-kwargs": b"\x80\x04" + g("numpy.ma.core", "MaskedArray") + g(*BUNCH) + b")}("
    + INTERFACE + b"u\x92\x85R" + WRITE,
    # BUILD of an object with dict([('__array_interface__', ...)]): a computed state
    "build-with-dict-of-pairs": b"\x80\x02" + g("numpy.ma.core", "MaskedArray")
    + g("sklearn.linear_model._logistic", "LogisticRegression") + b")\x81"
    + g("builtins", "dict") + b"]" + INTERFACE + b"\x86a\x85Rb\x85R" + WRITE,
    # ADDITEMS on a Bunch whose 'add' item is a score function: bunch.add(x) calls it
    "additems-on-bunch": b"\x80\x04" + g(*BUNCH) + b")\x81" + s("add") + g(*SCORE) + b"s("
    + s("x") + b"\x90.",
    # APPENDS on a Bunch whose 'extend' item is a score function
    "appends-on-bunch": b"\x80\x02" + g(*BUNCH) + b")\x81" + s("extend") + g(*SCORE) + b"s("
    + s("x") + b"e.",
}


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_the_scan_refuses(name):
    allow = AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES, defer=True)
    verdict = scan_pickle(STREAMS[name], allow)
    assert [r.code for r in verdict.refusals] == ["MLG302"], verdict.refusals


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    return tmp_path


def test_a_score_function_given_to_a_callable_counts_as_called(project, capsys):
    """numpy.random._pickle.__generator_ctor(name, ctor) calls ctor(name): a function passed
    as an argument is recorded as a called one. Since review round 33 the scan refuses the
    call itself: numpy passes only its own __bit_generator_ctor there."""
    stream = (b"\x80\x02" + g("numpy.random._pickle", "__generator_ctor") + s("MT19937")
              + g(*SCORE) + b"\x86R.")
    allow = AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES, defer=True)
    verdict = scan_pickle(stream, allow)
    assert [r.code for r in verdict.refusals] == ["MLG302"] and SCORE in verdict.called
    assert "__generator_ctor given other arguments" in verdict.refusals[0].message
    (project / "ctor.pkl").write_bytes(stream)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "ctor.pkl"])
    found = json.loads(capsys.readouterr().out)
    # and the probe's verdict on the pending scikit-learn pair joins it in the same run
    # (new-user trial round 35): a function a pickle calls is refused
    assert code == 1 and sorted(f["code"] for f in found) == ["MLG301", "MLG302"], found
    assert "accuracy_score" in next(f["message"] for f in found if f["code"] == "MLG301")
