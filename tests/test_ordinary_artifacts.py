"""Issue #11, §2: ordinary artifacts pass with no configuration, and a refusal says it all.

- Files of joblib 0.12 to 1.1 pass whatever their array bytes. Those joblibs write an
  array's bytes straight after its wrapper (no padding byte), so `pickle.load` of the file
  reads them as opcodes; the scan used to refuse any whose first byte is one (a third of
  real files). It now reads those bytes as CPython's unpicklers would (`plain_view`) and
  refuses only where they could import or call something, as a crafted file would.
- Value types of model bundles (datetime, Decimal, UUID, Fraction, collections, pathlib)
  pass in exactly the forms CPython writes; any other form of them is refused.
- The `sklearn.utils.Bunch` of older scikit-learn ensembles passes.
- Every global refused as a class mlgate does not vet is reported in one run, with a hint
  that fits where it comes from, and one `[tool.mlgate.artifact]` snippet after the report.
"""

from __future__ import annotations

import collections
import datetime
import decimal
import fractions
import io
import logging
import pathlib
import pickle
import shutil
import struct
import subprocess
import sys
import uuid
from pathlib import Path

import joblib
import numpy as np
import pytest

from helpers import artifact_json, g, i4, u
from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
from mlgate.artifacts.pickle_scan import scan_pickle
from mlgate.cli import main

FIXTURES = Path(__file__).parent / "artifact_fixtures" / "old_joblib"
OPCODE_BYTES = {ord(code) for code in __import__("pickletools").code2op}


def allow() -> AllowList:
    return AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES, defer=True)


def refusals(data: bytes) -> list[tuple[str, str]]:
    return [(r.code, r.message) for r in scan_pickle(data, allow()).refusals]


# -- opcodes, for crafted streams ---------------------------------------------------------------
PROTO2, STOP, REDUCE, BUILD, NEWOBJ, TUPLE = b"\x80\x02", b".", b"R", b"b", b"\x81", b"t"
MARK, EMPTY_TUPLE, EMPTY_DICT, EMPTY_LIST, NONE = b"(", b")", b"}", b"]", b"N"
SETITEM, SETITEMS, APPEND, APPENDS, POP = b"s", b"u", b"a", b"e", b"0"
TRUE, FALSE = b"\x88", b"\x89"


def raw(data: bytes) -> bytes:
    return b"C" + bytes([len(data)]) + data if len(data) < 256 else (
        b"B" + struct.pack("<I", len(data)) + data)


def tup(*items: bytes) -> bytes:
    return MARK + b"".join(items) + TUPLE


def call(func: bytes, *args: bytes) -> bytes:
    return func + tup(*args) + REDUCE


def mapping(*pairs: tuple[bytes, bytes]) -> bytes:
    return EMPTY_DICT + MARK + b"".join(k + v for k, v in pairs) + SETITEMS


# ============================================================== 1. files of joblib 0.12-1.1
def _unpadded_dump(obj) -> bytes:
    """What joblib < 1.2 writes: the array bytes straight after the wrapper. A joblib of
    today writes the same to a file it cannot seek (no padding byte)."""

    class Unseekable(io.BytesIO):
        def tell(self):
            raise io.UnsupportedOperation("unseekable")

    out = Unseekable()
    joblib.dump(obj, out)
    return out.getvalue()


def _first_array_byte(data: bytes) -> int:
    """The first byte after the first wrapper's BUILD (found by the pickle's own reading)."""
    verdict_opcodes = __import__("pickletools").genops(io.BytesIO(data))
    for opcode, _arg, pos in verdict_opcodes:
        if opcode.name == "BUILD":
            return data[pos + 1]
    raise AssertionError("no BUILD")


def test_committed_old_joblib_files_pass_through_the_cli(git_project, capsys):
    """joblib 0.12.5 (numpy 1.16: dtype flags as 0 and 1), 1.0.1 and 1.1.0 files whose first
    array starts with an opcode byte: '(' MARK, 'c' GLOBAL, 'p' PUT, compressed too."""
    names = []
    for source in sorted(FIXTURES.glob("*.joblib*")):
        shutil.copy(source, git_project / source.name)
        names.append(source.name)
        assert _first_array_byte(_stream(source.read_bytes())) in OPCODE_BYTES
    assert len(names) >= 12
    code, found = artifact_json(capsys, *names)
    assert (code, found) == (0, [])


def test_dataframes_pandas_1_wrote_pass_and_load(git_project, capsys):
    """New-user trial round 32: every DataFrame pickled by pandas 1.0-1.2 was refused (MLG302:
    NEWOBJ of BlockManager, then its 4-tuple state; Categorical, DatetimeArray, StringArray
    and the masked dtypes as attribute dicts), so any category_encoders pipeline of that
    era. A bundle (joblib) and a bare frame (pickle protocol 2), with datetime, category,
    nullable integer and string columns, pass and load with today's pandas."""
    names = _old_pandas(git_project, "pandas1_[012]_*-[bf]*")  # (bundle, frame)
    assert len(names) == 6  # pandas 1.0.5, 1.1.4 and 1.2.5 (its tz column: false-alarm
    # round 37, the data's view cached in the array's `_cache` was refused)
    code, found = artifact_json(capsys, *names)
    # (numpy 1.x wrote them: numpy 2 reads them through an alias, a warning)
    assert code == 0 and {f["code"] for f in found} <= {"MLG306"}, found


def _old_pandas(git_project, pattern: str) -> list[str]:
    names = []
    for source in sorted((FIXTURES.parent / "old_pandas").glob(pattern)):
        shutil.copy(source, git_project / source.name)
        names.append(source.name)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    return names


def test_dataframes_pandas_1_3_wrote_pass_the_scan(git_project, capsys):
    """pandas 1.3 pickles each block as partial(new_block, ndim=2)(values, placement): a
    partial the stream calls (false-alarm round 37: refused). It passes as the
    _unpickle_block call it stands for. Whether today's pandas still reads it is the load's
    to say: pandas 3 does not (new_block wants a BlockPlacement), and says so."""
    names = _old_pandas(git_project, "pandas1_3_*")
    assert len(names) == 2
    code, found = artifact_json(capsys, "--no-load", *names)
    assert code == 0 and {f["code"] for f in found} <= {"MLG306"}, found
    code, found = artifact_json(capsys, *names)
    assert {f["code"] for f in found} <= {"MLG306", "MLG309"}, found
    assert all("placement" in f["message"] for f in found if f["code"] == "MLG309")


def _stream(data: bytes) -> bytes:
    from mlgate.artifacts.container import decompress, detect

    kind = detect(data)
    return data if kind == "pickle" else decompress(data, kind)


def _random_array(rng: np.random.RandomState, kind: int):
    n = rng.randint(1, 30)
    return [
        lambda: rng.rand(n), lambda: rng.randn(n).astype("f4"),
        lambda: rng.randint(0, 300, n), lambda: rng.randint(-2**40, 2**40, n),
        lambda: rng.rand(n, 3) * 1000, lambda: rng.randint(0, 256, n).astype("u1"),
        lambda: np.array(["".join(map(chr, rng.randint(97, 123, rng.randint(1, 8))))
                          for _ in range(n)]),
    ][kind % 7]()


def test_unpadded_arrays_pass_whatever_their_bytes():
    """300 bundles of random arrays written the way joblib < 1.2 writes them: every one
    passes, though most start their first array with an opcode byte (the old refusal)."""
    starts_with_opcode = 0
    for seed in range(300):
        rng = np.random.RandomState(seed)
        bundle = {"first": _random_array(rng, seed), "second": _random_array(rng, seed + 3),
                  "name": "model", "more": [_random_array(rng, seed + 5)]}
        data = _unpadded_dump(bundle)
        assert b"numpy_array_alignment_bytes" in data and b"\x10ub" not in data
        starts_with_opcode += _first_array_byte(data) in OPCODE_BYTES
        assert refusals(data) == [], seed
    assert starts_with_opcode >= 60


class _Imported(Exception):
    pass


def _restricted_loads(data: bytes, pure: bool) -> None:
    """pickle.loads (C) or pickle.py's unpickler, with find_class failing for anything the
    scan's allow-list does not have: `_Imported` means the bytes reached an import."""
    base = pickle._Unpickler if pure else pickle.Unpickler
    allowed = allow()

    class Watch(base):
        def find_class(self, module, name):
            if not allowed(module, name):
                raise _Imported(f"{module}.{name}")
            return super().find_class(module, name)

    Watch(io.BytesIO(data)).load()


@pytest.mark.parametrize("pure", [False, True], ids=["C unpickler", "pickle.py"])
def test_what_passes_stops_pickle_load_before_any_import(pure):
    """The other side of the rule, checked with the real unpicklers: for the unpadded files
    that pass, pickle.load reaches no import (it raises, or returns a value)."""
    for seed in range(150):
        rng = np.random.RandomState(seed)
        data = _unpadded_dump({"first": _random_array(rng, seed), "k": 1})
        assert refusals(data) == []
        try:
            _restricted_loads(data, pure)
        except _Imported as exc:
            raise AssertionError(f"seed {seed}: pickle.load imported {exc}") from None
        except Exception:  # the stop the scan relied on
            pass


def _unpadded_wrapper(body: bytes, flags: bytes = FALSE + TRUE) -> bytes:
    """A joblib < 1.2 file with one uint8 array of len(body) bytes: `body`. The memo holds
    an sklearn class (0) and numpy.dtype (1), as real files do."""
    dtype = (g("numpy", "dtype") + b"q\x01" + tup(u("u1"), flags) + REDUCE
             + tup(i4(3), u("|"), NONE, NONE, NONE, i4(-1), i4(-1), i4(0)) + BUILD)
    state = mapping((u("subclass"), g("numpy", "ndarray")), (u("shape"), tup(i4(len(body)))),
                    (u("order"), u("C")), (u("dtype"), dtype), (u("allow_mmap"), FALSE))
    return (PROTO2 + g("sklearn.preprocessing._data", "StandardScaler") + b"q\x00" + POP
            + g("joblib.numpy_pickle", "NumpyArrayWrapper") + EMPTY_TUPLE + NEWOBJ
            + state + BUILD + body + STOP)


@pytest.mark.parametrize("body", [
    # an import, as GLOBAL, INST, STACK_GLOBAL, or a name CPython 3.11+ reads up to a NUL
    g("builtins", "eval") + POP,
    b"(" + b"i" + b"os\nsystem\n" + POP,
    u("os") + u("system") + b"\x93" + POP,
    g("os\x00x", "system") + POP,
    # a call of what the stream already holds: a class from the memo, the wrapper class
    b"h\x00" + tup(u("x")) + REDUCE + POP,
    b"h\x00" + EMPTY_TUPLE + NEWOBJ + POP,
    # numpy.dtype called as the stream would, then a state numpy never writes for it
    b"h\x01" + u("u1") + FALSE + TRUE + b"\x87" + REDUCE
    + tup(i4(3), u("|"), NONE, NONE, NONE, i4(-1), i4(-1), i4(0x3f)) + BUILD,
    # BUILD on the wrapper, then a method the new state names
    mapping((u("append"), g("numpy", "dtype"))) + BUILD + u("u1") + APPEND,
], ids=["GLOBAL", "INST", "STACK_GLOBAL", "NUL name", "GET+REDUCE", "NEWOBJ of a class",
        "dtype flags", "BUILD+APPEND"])
def test_unpadded_bytes_that_would_import_or_call_are_refused(body):
    data = _unpadded_wrapper(body)
    found = refusals(data)
    assert found and found[0][0] == "MLG302", found
    assert "pickle.load would read as opcodes" in found[0][1]


def test_a_padding_byte_that_is_an_opcode_is_still_refused():
    data = _unpadded_wrapper(b"").replace(
        u("allow_mmap") + FALSE, u("allow_mmap") + FALSE + u("numpy_array_alignment_bytes")
        + b"K\x10")
    data = data[:-1] + b"(" + b"\x00" * 40 + b"\x00" + STOP
    assert [c for c, _ in refusals(data)] == ["MLG302"]


def test_numpy_before_1_20_dtype_flags_pass_and_only_those():
    """numpy < 1.20 pickled dtype('<f8', 0, 1); any other pair stays refused."""
    assert refusals(_unpadded_wrapper(b"\x00", b"K\x00K\x01")) == []
    for flags in (b"K\x00K\x02", b"K\x01K\x01", TRUE + b"K\x01", FALSE + b"K\x01"):
        found = refusals(_unpadded_wrapper(b"\x00", flags))
        assert [c for c, _ in found] == ["MLG302"] and "numpy.dtype" in found[0][1]


# ============================================================== 2. value types of bundles
BUNDLE = {
    "trained": datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
    "local": datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone(
        datetime.timedelta(hours=-5), "EST")),
    "naive": datetime.datetime(2024, 1, 2, fold=1), "cutoff": datetime.date(2024, 1, 1),
    "at": datetime.time(8, 30, tzinfo=datetime.timezone(datetime.timedelta(minutes=90))),
    "window": datetime.timedelta(days=-7, seconds=5), "utc": datetime.timezone.utc,
    "price": decimal.Decimal("-9.99E+2"), "nan": decimal.Decimal("NaN"),
    "run": uuid.UUID(int=7), "safe": uuid.UUID(int=2**127, is_safe=uuid.SafeUUID.safe),
    "ratio": fractions.Fraction(-1, 3),
    "ordered": collections.OrderedDict(b=1, a=[2]), "counts": collections.Counter("abca"),
    "groups": collections.defaultdict(list, a=[1]), "tally": collections.defaultdict(int),
    "nested": collections.defaultdict(collections.Counter),
    "history": collections.deque([1.0, 2.0], maxlen=3), "queue": collections.deque(["x"]),
    "posix": pathlib.PurePosixPath("/data/train.csv"), "win": pathlib.PureWindowsPath(
        "c:/models/m.pkl"), "here": pathlib.Path("data/x.csv"),
    "grid": {"n_estimators": range(10, 100, 10)}, "index": (Ellipsis, 0),
    "missing": NotImplemented,
    # a transformer's `self.logger = logging.getLogger(__name__)` (house-price-ml-pipeline)
    "logger": logging.getLogger("src.features.feature_engineering"), "root": logging.getLogger(),
}


def test_value_types_pass_at_every_protocol_through_the_cli(git_project, capsys):
    names = []
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        names.append(f"bundle-p{protocol}.pkl")
        (git_project / names[-1]).write_bytes(pickle.dumps(BUNDLE, protocol=protocol))
    names.append("bundle.joblib")
    joblib.dump({**BUNDLE, "weights": np.arange(3.0)}, git_project / names[-1], compress=3)
    code, found = artifact_json(capsys, *names)
    assert (code, found) == (0, [])


@pytest.mark.parametrize("stream", [
    # Fraction as CPython 3.12+ writes it, paths as 3.13 names them, a Python 2 date
    call(g("fractions", "Fraction"), i4(1), i4(3)),
    call(g("pathlib._local", "PurePosixPath"), u("/a/b")),
    call(g("datetime", "date"), b"U\x04\x07\xe8\x01\x02"),
    call(g("datetime", "datetime"), raw(b"\x07\xe8\x01\x02\x03\x04\x05\x00\x00\x06"),
         call(g("datetime", "timezone"), call(g("datetime", "timedelta"), i4(0), i4(3600),
                                              i4(0)), u("CET"))),
    call(g("collections", "defaultdict"), g("__builtin__", "long")),
], ids=["Fraction(int, int)", "pathlib._local", "py2 date", "datetime+timezone", "py2 int"])
def test_forms_other_interpreters_write_pass_statically(stream):
    assert refusals(PROTO2 + stream + STOP) == []


@pytest.mark.parametrize(("stream", "words"), [
    (call(g("decimal", "Decimal"), i4(3)), "decimal.Decimal made from other"),
    (call(g("decimal", "Decimal"), u("1"), u("2")), "decimal.Decimal made from other"),
    (call(g("datetime", "date"), raw(b"\x07\xe8\x01")), "packed bytes"),
    (call(g("datetime", "datetime"), raw(b"\x00" * 10), u("UTC")), "packed bytes"),
    (call(g("datetime", "timedelta"), b"G" + struct.pack(">d", 1.5), i4(0), i4(0)),
     "(days, seconds, microseconds)"),
    (call(g("datetime", "timezone"), i4(3600)), "(timedelta[, name])"),
    (call(g("fractions", "Fraction"), u("1"), i4(2)), "numerator, denominator"),
    (call(g("collections", "Counter"), EMPTY_LIST), "one dict"),
    (call(g("builtins", "range"), i4(1), i4(2)), "(start, stop, step)"),
    (call(g("builtins", "range"), u("1"), i4(2), i4(1)), "(start, stop, step)"),
    (call(g("builtins", "Ellipsis")), "a constant"),
    (call(g("collections", "deque"), EMPTY_TUPLE, i4(-1)), "((), maxlen)"),
    (call(g("collections", "deque"), EMPTY_LIST), "((), maxlen)"),
    (call(g("collections", "defaultdict"), g("builtins", "object")), "default factory"),
    (call(g("collections", "defaultdict"), g("numpy.core.multiarray", "scalar")),
     "default factory"),
    (call(g("collections", "defaultdict"), g("builtins", "list"), EMPTY_DICT),
     "default factory"),
    (call(g("pathlib", "PurePosixPath"), i4(1)), "other than strings"),
    (call(g("logging", "getLogger"), i4(1)), "logging.getLogger called with other"),
    (call(g("logging", "getLogger"), u("a b")), "logging.getLogger called with other"),
    (call(g("logging", "getLogger"), u("a"), u("b")), "logging.getLogger called with other"),
    (call(g("logging", "getLogger"), u("app")) + mapping((u("disabled"), i4(1))) + BUILD,
     "given a state"),
    (g("uuid", "UUID") + tup(u("12345678123456781234567812345678")) + NEWOBJ,
     "with arguments"),
    (call(g("uuid", "UUID")), "made by REDUCE"),
    (g("datetime", "date") + tup(raw(b"\x07\xe8\x01\x02")) + NEWOBJ, "made by NEWOBJ"),
    (MARK + raw(b"\x07\xe8\x01\x02") + b"idatetime\ndate\n", "made by INST"),
    (call(g("copyreg", "_reconstructor"), g("datetime", "date"), g("datetime", "date"),
          raw(b"\x07\xe8\x01\x02")), "copyreg's reconstructor"),
    (call(g("copyreg", "_reconstructor"), g("uuid", "UUID"), g("builtins", "object"),
          i4(1)), "copyreg's reconstructor"),
    (call(g("datetime", "date"), raw(b"\x07\xe8\x01\x02")) + mapping((u("x"), i4(1)))
     + BUILD, "given a state"),
    (call(g("collections", "OrderedDict")) + mapping((u("x"), i4(1))) + BUILD,
     "given a state"),
    (g("uuid", "UUID") + EMPTY_TUPLE + NEWOBJ + mapping((u("int"), i4(1)), (u("x"), i4(1)))
     + BUILD, "uuid.UUID given a state"),
    (g("uuid", "UUID") + EMPTY_TUPLE + NEWOBJ + mapping((u("int"), i4(1)),
                                                        (u("is_safe"), i4(5))) + BUILD,
     "is_safe"),
    (g("uuid", "UUID") + EMPTY_TUPLE + NEWOBJ + mapping((u("int"), i4(-1))) + BUILD,
     "128-bit"),
    (call(g("collections", "Counter"), EMPTY_DICT) + u("a") + i4(1) + SETITEM,
     "given items"),
    (call(g("collections", "Counter"), EMPTY_DICT) + i4(1) + APPEND, "APPEND on an object"),
    (call(g("datetime", "time"), raw(b"\x00" * 6)) + MARK + i4(1) + APPENDS,
     "APPENDS on an object"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_other_forms_of_the_value_types_are_refused(stream, words):
    found = refusals(PROTO2 + stream + STOP)
    assert found and found[0][0] == "MLG302" and words in found[0][1], found


def test_a_dangerous_default_factory_is_refused_at_its_name():
    found = refusals(PROTO2 + call(g("collections", "defaultdict"), g("os", "system")) + STOP)
    assert [c for c, _ in found] == ["MLG301"] and "pickle exploits" in found[0][1]


def test_named_time_zones_pass_at_every_protocol_through_the_cli(git_project, capsys):
    """CPython pickles a ZoneInfo as getattr(zoneinfo.ZoneInfo, '_unpickle')(key, flag)."""
    zoneinfo = __import__("zoneinfo")
    zones = {"paris": datetime.datetime(2024, 1, 1, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
             "again": zoneinfo.ZoneInfo("Europe/Paris"),  # the same zone, from the memo
             "fresh": zoneinfo.ZoneInfo.no_cache("America/Argentina/Buenos_Aires"),
             "gmt": datetime.time(1, tzinfo=zoneinfo.ZoneInfo("Etc/GMT+5"))}
    names = []
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        names.append(f"zones-p{protocol}.pkl")
        (git_project / names[-1]).write_bytes(pickle.dumps(zones, protocol=protocol))
    assert artifact_json(capsys, *names) == (0, [])


GETATTR, ZONEINFO = g("builtins", "getattr"), g("zoneinfo", "ZoneInfo")
UNPICKLER = call(GETATTR, ZONEINFO, u("_unpickle"))


@pytest.mark.parametrize(("stream", "code", "words"), [
    # getattr for anything but the one attribute of the one class
    (call(call(GETATTR, g("posix", "system"), u("__call__")), u("id")), "MLG301", "exploits"),
    (call(call(GETATTR, ZONEINFO, u("__init__")), u("UTC")), "MLG301", "exploits"),
    (call(GETATTR, ZONEINFO, u("_unpickle"), u("x")), "MLG301", "exploits"),
    # named, then used otherwise: fetched from the memo, duplicated, kept as a value
    (GETATTR + b"p0\n" + b"0" + UNPICKLER + b"0" + b"g0\n" + tup(ZONEINFO, u("no_cache"))
     + REDUCE, "MLG301", "exploits"),
    (GETATTR + b"2" + tup(ZONEINFO, u("_unpickle")) + REDUCE + b"0", "MLG301", "exploits"),
    (tup(GETATTR), "MLG301", "exploits"),
    (MARK + ZONEINFO + u("_unpickle") + b"ibuiltins\ngetattr\n", "MLG301", "exploits"),
    (b"\x8c\x08builtins\x8c\x07getattr\x93" + tup(ZONEINFO, u("_unpickle")) + REDUCE + b"0"
     + b"\x8c\x08builtins\x8c\x07getattr\x93", "MLG301", "exploits"),
    # the key must be a time-zone key: no path out of the time-zone folders
    (call(UNPICKLER, u("../../../etc/passwd"), i4(1)), "MLG302", "time-zone key"),
    (call(UNPICKLER, u("/etc/localtime"), i4(1)), "MLG302", "time-zone key"),
    (call(UNPICKLER, u("Europe/Paris"), i4(2)), "MLG302", "time-zone key"),
    (call(UNPICKLER, u("Europe/Paris")), "MLG302", "time-zone key"),
    (g("zoneinfo", "ZoneInfo._unpickle") + tup(u("UTC"), i4(1)) + REDUCE, "MLG301",
     "allow-list"),
    (call(ZONEINFO, u("UTC")), "MLG302", "directly"),
    (call(UNPICKLER, u("UTC"), i4(1)) + mapping((u("_key"), u("x"))) + BUILD, "MLG302",
     "given a state"),
], ids=lambda value: value if isinstance(value, str) and " " not in value else None)
def test_getattr_is_refused_but_for_a_time_zone(stream, code, words):
    found = refusals(PROTO2 + stream + STOP)
    assert found and found[0][0] == code and words in found[0][1], found


def test_the_probe_hands_out_a_getattr_that_only_makes_time_zones(git_project, capsys):
    """A user who allow-listed builtins.getattr by mistake: the static layer lets the call
    through (and says it is an error anyway), the probe's unpickler does not."""
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["builtins:getattr"]\n')
    stream = PROTO2 + call(GETATTR, g("datetime", "timedelta"), u("max")) + STOP
    (git_project / "m.pkl").write_bytes(stream)
    code, found = artifact_json(capsys, "m.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG301", "MLG301"], found
    assert "builtins.getattr is on the allow-list" in found[0]["message"]
    assert "another thing than a time zone" in found[1]["message"], found


# ============================================================== 3. older scikit-learn layouts
def test_the_bunch_of_older_scikit_learn_passes(git_project, capsys):
    """sklearn.utils.Bunch, as scikit-learn 0.20 to 1.0 pickled an ensemble's
    named_estimators_: a re-export of sklearn.utils._bunch.Bunch today."""
    names = []
    for source in sorted(FIXTURES.glob("*-bunch.pkl")):
        shutil.copy(source, git_project / source.name)
        names.append(source.name)
    assert names and all(b"sklearn.utils\nBunch" in (git_project / n).read_bytes()
                         for n in names)
    code, found = artifact_json(capsys, *names)
    assert (code, found) == (0, [])


# ============================================================== 4. every refusal in one run
def _unvetted_bundle() -> bytes:
    """A bundle naming three classes mlgate does not vet, from three kinds of places."""
    return (PROTO2 + EMPTY_DICT + MARK
            + u("model") + g("churn.features", "Bucketer") + EMPTY_TUPLE + NEWOBJ
            + mapping((u("edges"), EMPTY_LIST)) + BUILD
            + u("stats") + call(g("statsmodels.regression.linear_model",
                                  "RegressionResultsWrapper"), NONE)
            + u("net") + call(g("ipaddress", "IPv4Network"), u("10.0.0.0/8"))
            + u("again") + g("churn.features", "Bucketer") + EMPTY_TUPLE + NEWOBJ
            + SETITEMS + STOP)


def test_every_unvetted_class_is_named_in_one_run_with_one_snippet(git_project, capsys):
    (git_project / "bundle.pkl").write_bytes(_unvetted_bundle())
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["numpy:int8"]\n')
    code = main(["artifact", "--no-cache", "--python", sys.executable, "bundle.pkl"])
    out = capsys.readouterr().out
    assert code == 1
    lines = [line for line in out.splitlines() if "MLG301" in line]
    assert len(lines) == 3
    by_name = {name: next(line for line in lines if name in line)
               for name in ("Bucketer", "RegressionResultsWrapper", "IPv4Network")}
    assert "if this class is yours" in by_name["Bucketer"]
    assert "a statsmodels class" in by_name["RegressionResultsWrapper"]
    assert "if this class is yours" not in by_name["RegressionResultsWrapper"]
    assert "standard-library" in by_name["IPv4Network"]
    assert out.count("[tool.mlgate.artifact]") == 1
    snippet = out[out.index("[tool.mlgate.artifact]"):]
    assert snippet.strip().splitlines() == [
        "[tool.mlgate.artifact]", "allow = [", '    "churn.features:Bucketer",',
        '    "ipaddress:IPv4Network",', '    "numpy:int8",',
        '    "statsmodels.regression.linear_model:RegressionResultsWrapper",', "]"]
    code, found = artifact_json(capsys, "bundle.pkl")
    assert [f["allow"] for f in found] == [
        "churn.features:Bucketer", "statsmodels.regression.linear_model:"
        "RegressionResultsWrapper", "ipaddress:IPv4Network"]
    # JSON has no snippet below (new-user round 35): its hints name the table instead
    assert not any("snippet below" in f["hint"] for f in found), found
    assert all("[tool.mlgate.artifact] allow" in f["hint"] for f in found), found
    # The audit's hints say "snippet below" too: it prints the same snippet.
    main(["audit", "--no-cache", "--python", sys.executable, "--skip", "schema", "--skip",
          "latency"])
    audited = capsys.readouterr().out
    assert "snippet below" in audited and audited.count("[tool.mlgate.artifact]") == 1
    assert audited[audited.index("[tool.mlgate.artifact]"):] == snippet


def test_the_snippet_once_pasted_lets_the_artifact_load(git_project, capsys):
    (git_project / "churn").mkdir()
    (git_project / "churn" / "__init__.py").write_text("")
    (git_project / "churn" / "features.py").write_text(
        "class Bucketer:\n    pass\n\n\nclass Other:\n    pass\n")
    data = (PROTO2 + EMPTY_LIST + MARK + g("churn.features", "Bucketer") + EMPTY_TUPLE
            + NEWOBJ + g("churn.features", "Other") + EMPTY_TUPLE + NEWOBJ
            + call(g("ipaddress", "IPv4Address"), u("10.0.0.1")) + APPENDS + STOP)
    (git_project / "bundle.pkl").write_bytes(data)
    assert main(["artifact", "--no-cache", "--python", sys.executable, "bundle.pkl"]) == 1
    out = capsys.readouterr().out
    (git_project / "pyproject.toml").write_text(out[out.index("[tool.mlgate.artifact]"):])
    code, found = artifact_json(capsys, "bundle.pkl")
    assert (code, found) == (0, [])


def test_a_known_danger_stops_the_scan_and_gets_no_snippet(git_project, capsys):
    data = (PROTO2 + EMPTY_LIST + MARK + g("churn.features", "Bucketer") + EMPTY_TUPLE
            + NEWOBJ + call(g("os", "system"), u("true")) + g("other.mod", "Later")
            + APPENDS + STOP)
    (git_project / "evil.pkl").write_bytes(data)
    assert main(["artifact", "--no-cache", "--python", sys.executable, "evil.pkl"]) == 1
    out = capsys.readouterr().out
    assert "churn.features.Bucketer" in out and "it is what pickle exploits call" in out
    assert "other.mod" not in out and "[tool.mlgate.artifact]\n" not in out
    assert "never load this artifact" in out
    assert "snippet below" not in out  # none follows (new-user round 35)


@pytest.mark.parametrize(("module", "name", "renamed"), [
    ("dumbdbm", "_Database", "dbm.dumb._Database"),  # its __del__ writes files
    ("commands", "getoutput", "subprocess.getoutput"),
    ("exceptions", "ValueError", "builtins.ValueError"),
])
def test_a_python_2_name_is_refused_below_protocol_3(module, name, renamed):
    """Review round 9: below protocol 3 the unpicklers read `dumbdbm._Database` (a class
    of the project, say) as `dbm.dumb._Database`. The scan, and the probe's lookup, judged
    the name as written: they vouched for another object than the one that loads."""
    allowed = AllowList(BASE | {(module, name)}, defer=True)
    stream = g(module, name) + EMPTY_TUPLE + NEWOBJ
    found = [(r.code, r.message) for r in scan_pickle(PROTO2 + stream + STOP, allowed).refusals]
    assert found and found[0][0] == "MLG302" and f"as {renamed}" in found[0][1], found
    assert scan_pickle(b"\x80\x03" + stream + STOP, allowed).refusals == []  # read as written


def test_unpadded_bytes_that_build_a_key_that_never_finishes_hashing_are_refused():
    """Round 30: array bytes that pickle.load reads as opcodes (joblib < 1.2 writes them
    unpadded) can build tuples each holding the previous one twice through the memo, then
    use the last as a dict key: pickle.load never finishes hashing it. The view that
    follows pickle.load's reading kept those tuples as exact values, and putting one in its
    own set of kinds hashed it, in mlgate's process: the scan itself never returned."""
    depth = 60
    body = b")q\x02" + POP
    for i in range(depth):
        body += b"h" + bytes([2 + i]) + b"h" + bytes([2 + i]) + b"\x86q" + bytes([3 + i]) + POP
    body += b"}h" + bytes([2 + depth]) + NONE + b"s" + POP
    found = refusals(_unpadded_wrapper(body))
    assert found and found[0][0] == "MLG302", found
    assert "hash" in found[0][1], found


PLAIN_CLASS = '''
class Hex:
    """A transformer of the project that does not subclass BaseEstimator."""

    def transform(self, X):
        return X
'''


def test_a_static_refusal_does_not_hide_what_the_probe_would_refuse(git_project, capsys,
                                                                    monkeypatch):
    # New-user trial round 35 (F2): a pipeline with a third-party class and a project class
    # that is no BaseEstimator took one audit per refusal: the probe, which vets project
    # classes, never ran while the static layer refused something else.
    import ipaddress
    import pickle
    import subprocess

    (git_project / "hexutils.py").write_text(PLAIN_CLASS)
    subprocess.run(["git", "add", "hexutils.py"], check=True)
    monkeypatch.syspath_prepend(str(git_project))
    import hexutils

    with open(git_project / "bundle.pkl", "wb") as handle:
        pickle.dump({"net": ipaddress.IPv4Network("10.0.0.0/8"), "hex": hexutils.Hex()},
                    handle, protocol=4)
    del sys.modules["hexutils"]
    code = main(["artifact", "--no-cache", "--python", sys.executable, "bundle.pkl"])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "MLG301" in line]
    assert code == 1 and len(lines) == 2, out
    assert "ipaddress.IPv4Network" in lines[0] or "ipaddress.IPv4Network" in lines[1]
    assert any("hexutils.Hex" in line and "BaseEstimator" in line for line in lines), out
    assert '"hexutils:Hex"' in out and '"ipaddress:IPv4Network"' in out
