"""Round 39's hunt for false alarms on real committed artifacts (191 files, 64 public
repositories): what honest files of older pandas were refused for."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from helpers import artifact_json

OLD_PANDAS = Path(__file__).parent / "artifact_fixtures" / "old_pandas"


def test_a_series_pandas_1_5_resampled_before_pickling_passes(git_project, capsys):
    """F2: `resample` or `inferred_freq` fills a DatetimeArray's `_cache` with `_reso` in
    pandas 1.5 (pandas 3's `_creso`): every statsmodels model on a dated series of that
    era was MLG302 "a pandas DatetimeArray state in another layout than pandas writes"."""
    name = "pandas1_5_3-numpy1_23_5-py310-series-resampled-p4.pkl"
    assert b"_reso" in (OLD_PANDAS / name).read_bytes()
    shutil.copy(OLD_PANDAS / name, git_project / name)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, name)
    assert code == 0 and {f["code"] for f in found} <= {"MLG306"}, found


def _datetime_array_of_pandas_1_1(data_kind: str):
    """An object laid out as pandas 1.1's DatetimeArray: `_data` the datetime64 values,
    `_ndarray` the int64 view of them."""
    values = np.array(["2021-01-31", "2021-02-28"], dtype="M8[ns]")

    class DatetimeArray:
        dtype = np.dtype("M8[ns]")

        def __init__(self) -> None:
            self._data = values if data_kind == "M" else values.view("i8")

        @property
        def _ndarray(self):
            return self._data.view("i8")

    DatetimeArray.__module__ = "pandas.core.arrays.datetimes"
    return DatetimeArray()


def test_a_datetime_array_as_pandas_1_1_holds_it_is_consistent():
    """F1: with pandas 1.1, whose `_ndarray` is the int64 view of `_data`, every
    DatetimeIndex was MLG309 "its data is not of the kind its dtype says" after the load.
    Data that really is not datetime64 is still refused."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "hooks"))
    try:
        from probe_script.ecosystem import structure_problem
    finally:
        sys.path.pop(0)
    assert structure_problem(_datetime_array_of_pandas_1_1("M")) is None
    assert structure_problem(_datetime_array_of_pandas_1_1("i")) == (
        "DatetimeArray: its data is not of the kind its dtype says")


def test_an_instance_docstring_is_no_dunder_attack(git_project, capsys):
    """F3: statsmodels' results keep their own `__doc__` in their state, and the BUILD was
    refused as setting a dunder attribute, `allow` or not. Text (or None) in `__doc__` is
    read by nothing as an interface; any other dunder, or `__doc__` holding an object, is
    still refused."""
    import argparse
    import pickle

    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["argparse:Namespace"]\n')
    documented = argparse.Namespace(a=1)
    documented.__doc__ = "Class to hold results from fitting a model.\n" * 200
    (git_project / "doc.pkl").write_bytes(pickle.dumps(documented, protocol=2))
    odd = argparse.Namespace(a=1)
    odd.__doc__ = [1, 2]
    (git_project / "odd.pkl").write_bytes(pickle.dumps(odd, protocol=2))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "doc.pkl", "odd.pkl")
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [("odd.pkl", "MLG302")], found


def test_a_python_2_pickle_is_said_to_be_one():
    """F7: an intact Python 2 pickle (a byte string that is not ASCII, which Python 3 reads
    as ASCII) was "damaged or was tampered with"; text that is not UTF-8 still is that."""
    from mlgate.artifacts.pickle_scan import scan_pickle

    [python2] = scan_pickle(b"S'\\x81'\np0\n.", lambda m, n: True).refusals
    assert (python2.code, python2.message.split(":")[0]) == ("MLG305", "written by Python 2")
    assert "encoding='latin1'" in python2.hint
    [broken] = scan_pickle(b"\x80\x02X\x01\x00\x00\x00\x81.", lambda m, n: True).refusals
    assert broken.message.startswith("not a valid pickle: 'utf-8' codec")


BUNCH = '''
class Bunch(dict):
    """As statsmodels.tools.tools.Bunch: its attributes are its items."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__ = self
'''


def test_a_dict_subclass_that_is_its_own_state_passes_once_allowed(git_project, capsys):
    """F3: statsmodels' Bunch (`self.__dict__ = self`) pickles itself as its BUILD state, and
    every ARIMA model stayed "an object state in a shape its class never writes" after each
    of its classes was allowed by hand: no way out. Its items' keys are held to SETITEMS's
    rule, and a dunder key is still refused."""
    import pickle

    (git_project / "pkg").mkdir()
    (git_project / "pkg" / "__init__.py").write_text("")
    (git_project / "pkg" / "bunch.py").write_text(BUNCH)
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["pkg.bunch:Bunch"]\n')
    sys.path.insert(0, str(git_project))
    try:
        from pkg.bunch import Bunch

        (git_project / "bunch.pkl").write_bytes(pickle.dumps(Bunch(a=1, b=[2]), protocol=2))
        stream = pickle.dumps(Bunch(a=1), protocol=2)
    finally:
        sys.path.remove(str(git_project))
        sys.modules.pop("pkg.bunch", None)
        sys.modules.pop("pkg", None)
    # the same stream with its key renamed to a dunder
    (git_project / "dunder.pkl").write_bytes(stream.replace(b"X\x01\x00\x00\x00a",
                                                            b"X\x09\x00\x00\x00__class__"))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "bunch.pkl", "dunder.pkl")
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [
        ("dunder.pkl", "MLG302")], found


def test_a_cached_resolution_must_be_its_datas(git_project, capsys):
    """Red team round 39 (F7): the resolution pandas caches (`_reso` in 1.5, `_creso` since
    2) is trusted over the dtype: a forged one loaded dates of year 50,000,000, or made
    pandas' C code return with an exception set. Accepted only when it is the data's unit;
    the honest cache passes."""
    import pickle

    import pandas as pd

    for name, forged in (("honest.pkl", None), ("forged.pkl", 7)):
        series = pd.Series(pd.date_range("2020-01-01", periods=5, freq="D"))
        array = series.array
        if not hasattr(array, "_creso"):
            return  # (a pandas without the cache: nothing to forge)
        array._creso  # noqa: B018 - cached, as any use of the dates does
        if "_creso" not in array._cache:
            return
        if forged is not None:
            array._cache["_creso"] = forged
        (git_project / name).write_bytes(pickle.dumps(series))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "honest.pkl", "forged.pkl")
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [
        ("forged.pkl", "MLG309")], found
    assert "the resolution it caches is not its data's" in found[0]["message"]
