"""Round 39's red team of the day's new accepted forms: a dict subclass whose items are its
attributes, given a dunder key by a dict made by a call or a list of pairs (the static scan
passed it, and numpy read the address the file chose); and the caches pandas trusts over an
array's own dtype (a unit, a masked dtype's numpy dtype)."""

from __future__ import annotations

import pickle
import subprocess

import numpy as np
import pandas as pd
import pytest

from helpers import artifact_json, g, i4, u

CLASSES = '''
class Params(dict):
    pass


class Bunch(dict):
    """As statsmodels.tools.tools.Bunch: its attributes are its items."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__ = self


class AttrDict(dict):
    """easydict, munch: items read as attributes."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None
'''

# an array interface at an address the file chooses
INTERFACE = (b"}(" + u("shape") + i4(64) + b"\x85" + u("typestr") + u("|u1") + u("data")
             + b"\x8a\x08" + (0x4141410000).to_bytes(8, "little") + b"\x89\x86" + u("version")
             + i4(3) + b"u")
DICT_WITH_DUNDER = (g("builtins", "dict") + b")R(" + u("__array_interface__") + INTERFACE
                    + u("alpha") + i4(1) + b"u")
STREAMS = {
    # a list of pairs, then BUILD of itself (F1)
    "pairs": g("pkg.cfg", "Params") + b"(" + u("__array_interface__") + INTERFACE + b"\x86"
    + u("alpha") + i4(1) + b"\x86l\x85Rq\x00h\x00b",
    # a dict made by a call, filled by SETITEMS, given to the class (F2), with or without BUILD
    "bunch_call": g("pkg.cfg", "Bunch") + DICT_WITH_DUNDER + b"\x85R",
    "attrdict_call": g("pkg.cfg", "AttrDict") + DICT_WITH_DUNDER + b"\x85R",
    # the dunder pair behind 10,000 ordinary ones (a cap on the pairs looked at)
    "long_pairs": g("pkg.cfg", "AttrDict") + b"(" + (u("a") + i4(1) + b"\x86") * 10_001
    + u("__array_interface__") + INTERFACE + b"\x86l\x85R",
    "bunch_build": g("pkg.cfg", "Bunch") + DICT_WITH_DUNDER + b"\x85Rq\x00h\x00b",
}


@pytest.mark.parametrize("mode", sorted(STREAMS))
def test_a_dunder_key_never_reaches_an_allowed_dict_subclass(git_project, capsys, mode):
    (git_project / "pkg").mkdir()
    (git_project / "pkg" / "__init__.py").write_text("")
    (git_project / "pkg" / "cfg.py").write_text(CLASSES)
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["pkg.cfg:Params", "pkg.cfg:Bunch",'
        ' "pkg.cfg:AttrDict"]\n')
    (git_project / "params.pkl").write_bytes(b"\x80\x02" + STREAMS[mode] + b".")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load", "params.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found


def _forged(series: pd.Series, forge) -> bytes:
    forge(series)
    return pickle.dumps(series)


def test_caches_pandas_trusts_over_the_dtype_are_held_to_it(git_project, capsys):
    """F3: pandas 3 reads a datetime array's unit from its cache (one day read as a million
    days); F4: a masked array's data is checked against its dtype's cached numpy dtype, which
    the file carries (an "Int64" column of int8 data). Honest caches pass."""
    dates = pd.Series(pd.date_range("2020-01-01", periods=3, freq="D"))
    files = {"honest_dates.pkl": _forged(dates.copy(), lambda s: s.array.unit)}
    dates.array.unit  # noqa: B018 - cached, as any use does
    if "unit" in getattr(dates.array, "_cache", {}):  # (pandas 3 caches it)

        def unit(s):
            s.array._cache["unit"] = "s" if s.array.unit != "s" else "ms"

        files["unit.pkl"] = _forged(dates.copy(), unit)
    numbers = pd.Series([1, 2, 3], dtype="Int64")
    numbers.dtype.numpy_dtype  # noqa: B018 - cached, as any use does

    def narrow(s):
        s.array._data = s.array._data.astype("int8")
        s.dtype._cache["numpy_dtype"] = np.dtype("int8")

    files["honest_ints.pkl"] = pickle.dumps(numbers)
    cache = getattr(numbers.dtype, "_cache", {})
    if "numpy_dtype" in cache:
        # (pandas' Int64Dtype() is one object for the whole process: its cache is put back,
        # or every later test that pickles an Int64 column writes the forged one)
        kept = cache["numpy_dtype"]
        try:
            files["int8.pkl"] = _forged(pd.Series([1, 2, 3], dtype="Int64"), narrow)
        finally:
            cache["numpy_dtype"] = kept
    for name, data in files.items():
        (git_project / name).write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, *files)
    refused = sorted(f["path"] for f in found if f["code"] == "MLG309")
    assert code == (1 if refused else 0) or any(f["severity"] == "error" for f in found)
    assert refused == sorted(n for n in files if not n.startswith("honest")), found
    assert all(f["code"] == "MLG306" for f in found if f["path"].startswith("honest")), found
