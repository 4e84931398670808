"""Issue #10, part 1: only what real writers write. Each crafted stream below passed the
static scan before this rule (or, for dtypes, passed the scan and reached numpy), and each
ordinary form the writers produce still passes.

- text opcode arguments only in their canonical spelling (readers disagree on others);
- memo keys only in the order a pickler assigns them;
- BUILD states only in the shape their class writes (a list of pairs reached
  BaseEstimator.__setstate__, whose `__dict__.update` took it and set dunder attributes);
- numpy's reconstructors only with the arguments numpy passes them;
- numpy dtype states rebuilt by the probe with numpy's constructor and compared;
- scans bounded: shared dtypes examined once, an opcode budget.
"""

from __future__ import annotations

import datetime
import json
import pickle
import struct
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import artifact_json
from mlgate.artifacts import object_states, pickle_scan
from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
from mlgate.artifacts.pickle_scan import scan_pickle
from mlgate.probe_script import common, verify

LOGREG = ("sklearn.linear_model._logistic", "LogisticRegression")


def allow() -> AllowList:
    return AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES, defer=True)


def g(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def s(text: str) -> bytes:
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def codes(data: bytes) -> list[str]:
    return [r.code for r in scan_pickle(data, allow()).refusals]


# -- text opcodes -------------------------------------------------------------------------

NON_CANONICAL = {
    "int-leading-blank": b"I 010\n.",  # C: octal 8 (base 0); pickletools: 10
    "int-leading-zero": b"I010\n.",
    "int-plus": b"I+5\n.",
    "int-underscore": b"I1_0\n.",
    "int-hex": b"I0x10\n.",
    "long-blank": b"L 10L\n.",
    "long-octal": b"L0o17L\n.",
    "float-blank": b"F 1.5\n.",
    "float-underscore": b"F1_0.5\n.",
    "float-padded": b"F1.50\n.",
    "put-leading-zero": b"I1\np00\n.",
    "get-blank": b"I1\np0\n0g 0\n.",
    "unicode-escaped-letter": b"V\\u0041\n.",  # 'A' written as an escape no writer uses
    "string-escaped-letter": b"S'\\x41'\n.",
    "string-wrong-quotes": b'S"a"\n.',
}


@pytest.mark.parametrize("name", sorted(NON_CANONICAL))
def test_non_canonical_text_arguments_are_refused(name):
    # MLG305 where pickletools itself cannot read the form (hex, octal prefixes)
    assert codes(NON_CANONICAL[name]) in (["MLG302"], ["MLG305"])


@given(st.one_of(st.integers(), st.floats(allow_nan=True), st.text(), st.booleans(),
                 st.lists(st.integers(), max_size=3)))
def test_protocol_0_and_1_writers_pass(value):
    """Differential: whatever CPython's pickler writes as text is canonical."""
    for protocol in (0, 1):
        assert scan_pickle(pickle.dumps(value, protocol), allow()).refusals == []


def test_python_2_strings_pass():
    # What Python 2's pickle wrote for str objects: repr, ' unless the text holds ' only.
    for raw in (b"S'abc'\n.", b"S\"it's\"\n.", b"S'a\\nb\\x00\\\\'\n.", b"S'\\'\"'\n."):
        assert codes(raw) == [], raw


# -- memo keys ----------------------------------------------------------------------------

@pytest.mark.parametrize("stream", [
    b"\x80\x02K\x01q\x05.",  # BINPUT 5 as the first key
    b"\x80\x02K\x01q\x00\x94K\x02q\x00\x86.",  # key 0 twice (MEMOIZE made 0, then BINPUT 0)
    b"\x80\x02K\x01r\xff\xff\xff\x7f.",  # LONG_BINPUT 2**31-1: the C memo is sized by it
])
def test_memo_keys_out_of_order_are_refused(stream):
    assert codes(stream) == ["MLG302"]


# -- BUILD states -------------------------------------------------------------------------

INTERFACE = (b"(" + s("__array_interface__") + b"}" + s("version") + b"K\x03s\x86" + b"l")


@pytest.mark.parametrize("name,stream", [
    # BaseEstimator.__setstate__ does __dict__.update(state): a list of pairs sets dunders
    ("list-of-pairs", b"\x80\x02" + g(*LOGREG) + b")\x81" + b"(" + INTERFACE + b"b."),
    ("tuple-of-pairs", b"\x80\x02" + g(*LOGREG) + b")\x81" + b"(" + s("a") + b"K\x01\x86"
     + b"\x85b."),
    ("non-identifier-key", b"\x80\x02" + g(*LOGREG) + b")\x81}" + s("a b") + b"K\x01sb."),
    ("three-tuple-state", b"\x80\x02" + g(*LOGREG) + b")\x81}}}\x87b."),
    ("build-on-a-list", b"\x80\x02]}b."),
    ("second-build", b"\x80\x02" + g(*LOGREG) + b")\x81}b}b."),
])
def test_states_in_shapes_no_class_writes_are_refused(name, stream):
    assert codes(stream) == ["MLG302"], name


@pytest.mark.parametrize("name,stream", [
    ("masked-array-called", b"\x80\x02" + g("numpy.ma.core", "MaskedArray") + b"K\x01\x85R."),
    ("ndarray-called", b"\x80\x02" + g("numpy", "ndarray") + b"K\x01\x85R."),
    ("reconstruct-of-a-bunch", b"\x80\x02" + g("numpy._core.multiarray", "_reconstruct")
     + g("sklearn.utils._bunch", "Bunch") + b"K\x00\x85C\x01b\x87R."),
    ("newobj-of-another-module", b"\x80\x02" + g("sklearn.neighbors._kd_tree", "newObj")
     + g(*LOGREG) + b"\x85R(K\x01tb."),
    ("array-state-with-pointer-bytes", b"\x80\x02" + g("numpy._core.multiarray", "_reconstruct")
     + g("numpy", "ndarray") + b"K\x00\x85C\x01b\x87R(K\x01K\x01\x85" + g("numpy", "dtype")
     + b"X\x02\x00\x00\x00O8\x89\x88\x87R(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff"
     + b"\xff\xff\xffK?tb\x89C\x08AAAAAAAAtb."),
])
def test_reconstructors_only_as_numpy_calls_them(name, stream):
    assert codes(stream) == ["MLG302"], name


# -- numpy dtypes: the probe rebuilds and compares ------------------------------------------

class _Dtype:
    """Pickles as numpy.dtype(*args) with BUILD(state): a state of one's choosing."""

    def __init__(self, args, state) -> None:
        self.args, self.state = args, state

    def __reduce__(self):
        return (np.dtype, self.args, self.state)


OBJ, I8, F8 = np.dtype("O"), np.dtype("<i8"), np.dtype("<f8")
CRAFTED = {
    # an integer field on top of an object field: numpy would read the int as a pointer
    "object-overlapped-by-int": _Dtype(("V16", False, True), (
        3, "|", None, ("x", "y"), {"x": (OBJ, 0), "y": (I8, 0)}, 16, 8, 0x1B)),
    # a subarray of 100 floats in an 8-byte item
    "subarray-larger-than-item": _Dtype(("V8", False, True), (
        3, "|", (F8, (100,)), None, None, 8, 8, 0)),
    # fields on a float
    "fields-on-a-plain-dtype": _Dtype(("f8", False, True), (
        3, "<", None, ("a",), {"a": (F8, 0)}, -1, -1, 0)),
    # a plain int with flags numpy gives object dtypes
    "flags-of-another-dtype": _Dtype(("V8", False, True), (
        3, "|", None, None, None, 8, 1, 0x10)),
}


def _probe_verdict(obj) -> str | None:
    """None when the scan and the probe's dtype rebuild both accept `obj`'s pickle."""
    for protocol in (2, 4):
        verdict = scan_pickle(pickle.dumps(obj, protocol), allow())
        if verdict.refusals:
            return "scan"
        try:
            verify.verify_dtypes(json.loads(json.dumps(verdict.dtypes)))
        except common.LoadFailure:
            return "probe"
    return None


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_dtype_states_numpy_never_writes_are_refused(name):
    assert _probe_verdict(CRAFTED[name]) in ("scan", "probe")


ORDINARY_DTYPES = [
    np.dtype("M8[ns]"), np.dtype("m8[5s]"), np.dtype("M8"), np.dtype(">f8"), np.dtype("<U5"),
    np.dtype("f8", metadata={"unit": "cm"}), np.dtype("M8[D]", metadata={"a": 1}),
    np.dtype([("x", "<i4"), ("y", "O")], align=True), np.dtype([("x", "<i4"), ("y", "O")]),
    np.dtype(("<f8", (2, 3))), np.dtype("V7"), np.dtype("S3"), np.dtype("?"),
    np.dtype({"names": ["a"], "formats": ["<i4"], "titles": ["T"], "offsets": [4],
              "itemsize": 12}),
    np.dtype([("a", [("b", "<f4", (2,)), ("c", ">i8")]), ("d", "O")]), np.dtype("c16"),
]


@pytest.mark.parametrize("dtype", ORDINARY_DTYPES, ids=str)
def test_every_dtype_numpy_writes_passes_scan_and_probe(dtype):
    assert _probe_verdict(np.zeros(2, dtype=dtype)) is None
    assert _probe_verdict(dtype) is None


def test_a_bundle_with_dates_and_metadata_loads(git_project, capsys):
    """Refused before (a 9-item dtype state); now loaded in the project's environment."""
    import joblib

    bundle = {"trained": np.array(["2026-11-30T12:00"], dtype="datetime64[ns]"),
              "window": np.array([3600], dtype="timedelta64[s]"),
              "scale": np.ones(2, dtype=np.dtype("f8", metadata={"unit": "cm"}))}
    joblib.dump(bundle, git_project / "bundle.joblib")
    pickle.dump(bundle, (git_project / "bundle.pkl").open("wb"), protocol=2)
    assert artifact_json(capsys, "bundle.joblib", "bundle.pkl") == (0, [])


def test_a_crafted_dtype_is_refused_before_unpickling(git_project, capsys):
    """The overlapped object field passes the static layer; the probe refuses it, and
    nothing of the stream runs (the refusal is MLG301, not a crash or a load failure)."""
    obj = {"dtype": CRAFTED["object-overlapped-by-int"]}
    (git_project / "m.pkl").write_bytes(pickle.dumps(obj, 2))
    code, found = artifact_json(capsys, "m.pkl")
    assert code == 1 and [f["code"] for f in found] in (["MLG301"], ["MLG302"])
    assert "numpy" in found[0]["message"]


# -- bounded ------------------------------------------------------------------------------

def _shared_dtype_chain(levels: int) -> bytes:
    """A dtype of two fields of the previous one, `levels` deep, each shared through the
    memo: walked as a tree that is 2**levels dtypes."""
    out = b"\x80\x02"
    key = 0

    def put() -> bytes:
        nonlocal key
        key += 1
        return b"q" + bytes([key - 1])

    out += g("numpy", "dtype") + put() + b"0"  # memo 0: numpy.dtype
    out += b"h\x00" + s("f8") + b"\x89\x88\x87R" + put() + b"0"  # memo 1: float64
    previous, size = 1, 8
    for level in range(levels):
        size *= 2
        out += (b"h\x00" + s(f"V{size}") + b"\x89\x88\x87R" + b"(K\x03" + s("|") + b"N"
                + s("a") + s("b") + b"\x86}(" + s("a") + b"h" + bytes([previous]) + b"K\x00"
                + b"\x86" + s("b") + b"h" + bytes([previous]) + b"M"
                + struct.pack("<H", size // 2) + b"\x86uM" + struct.pack("<H", size)
                + b"K\x01K\x00tb")
        previous = key
        out += put() + (b"0" if level < levels - 1 else b"")
    return out + b"."


def test_shared_nested_dtypes_are_examined_once(monkeypatch):
    calls = []
    real = object_states.dtype_has_object

    def counted(dtype, depth=0):
        calls.append(1)
        return real(dtype, depth)

    monkeypatch.setattr(object_states, "dtype_has_object", counted)
    levels = 12  # sizes up to 32 KiB: every offset fits in a BININT2
    verdict = scan_pickle(_shared_dtype_chain(levels), allow())
    assert verdict.refusals == []
    assert len(verdict.dtypes) == levels + 1
    assert len(calls) < 10 * levels  # a walk of the tree would be over 2**levels each time


def test_the_opcode_budget_refuses(monkeypatch):
    monkeypatch.setattr(pickle_scan, "MAX_OPCODES", 10)
    monkeypatch.setattr(pickle_scan, "_CLOCK_EVERY", 4)
    data = pickle.dumps(list(range(100)), 2)
    found = scan_pickle(data, allow()).refusals
    assert [r.code for r in found] == ["MLG302"] and "budget" in found[0].message


def test_ordinary_values_pass_every_protocol():
    values = [datetime.datetime(2026, 1, 1), {1, 2}, frozenset([1]), b"xx", bytearray(b"x"),
              1j, slice(1, 2), np.float64(1.5), np.int32(3), np.ma.masked_array([1.0, 2.0],
                                                                                 mask=[0, 1]),
              np.random.RandomState(0), np.random.default_rng(0)]
    broad = AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES | {("datetime", "datetime")})
    for value in values:
        for protocol in range(6):
            verdict = scan_pickle(pickle.dumps(value, protocol), broad)
            assert verdict.refusals == [], (value, protocol, verdict.refusals)


# -- what is read -------------------------------------------------------------------------

def _run_cli(*args: str) -> subprocess.CompletedProcess:
    # a subprocess with a generous timeout: a regression hangs there, not the test session
    return subprocess.run([sys.executable, "-m", "mlgate", "artifact", "--format", "json",
                           "--python", sys.executable, *args], capture_output=True, text=True,
                          timeout=300, check=False)


def test_devices_fifos_and_links_out_of_the_repository_are_never_read(git_project,
                                                                     tmp_path_factory):
    import os

    outside = tmp_path_factory.mktemp("outside") / "secret.pkl"
    outside.write_bytes(pickle.dumps({"a": 1}, 2))
    os.symlink("/dev/zero", git_project / "zero.pkl")
    os.symlink(outside, git_project / "elsewhere.pkl")
    os.mkfifo(git_project / "fifo.joblib")
    (git_project / "real.pkl").write_bytes(pickle.dumps({"a": 1}, 2))
    os.symlink("real.pkl", git_project / "inside.pkl")
    subprocess.run(["git", "add", "."], check=True)
    proc = _run_cli()  # no files named: every artifact git lists
    found = {f["path"]: f for f in json.loads(proc.stdout)}
    assert proc.returncode == 1, proc.stderr
    assert sorted(found) == ["elsewhere.pkl", "zero.pkl"]  # git does not list FIFOs
    assert all(f["code"] == "MLG304" for f in found.values())
    assert "outside the repository" in found["elsewhere.pkl"]["message"]
    assert "outside the repository" in found["zero.pkl"]["message"]
    proc = _run_cli("fifo.joblib", "zero.pkl")  # named, as a user or pre-commit names them
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)
    assert [(f["path"], f["code"]) for f in found] == [
        ("fifo.joblib", "MLG304"), ("zero.pkl", "MLG304")]
    assert "not a regular file" in found[0]["message"]


# -- .npy and .npz are loaded too -----------------------------------------------------------

def test_numpy_files_are_loaded_through_the_restricted_unpickler(git_project, capsys):
    """An object array's pickle inside an .npy/.npz is unpickled by the probe's restricted
    unpickler: a class it needs that no longer exists is a load finding (MLG307), where the
    file used to pass on the static scan alone; plain and object arrays load."""

    class Gone:
        pass

    Gone.__module__, Gone.__qualname__ = "proj_gone", "Gone"
    array = np.empty(1, dtype=object)
    array[0] = Gone()
    import types

    module = types.ModuleType("proj_gone")  # importable while it is saved, never again
    module.Gone = Gone
    sys.modules["proj_gone"] = module
    try:
        np.save(git_project / "gone.npy", array, allow_pickle=True)
    finally:
        del sys.modules["proj_gone"]
    np.savez(git_project / "bundle.npz", w=np.ones(3), names=np.array(["a", None], dtype=object),
             when=np.array(["2026-01-01"], dtype="M8[D]"))
    np.save(git_project / "plain.npy", np.zeros((2, 2)))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["proj_gone:Gone"]\n')
    code, found = artifact_json(capsys, "gone.npy", "bundle.npz", "plain.npy")
    assert code == 1
    assert [(f["path"], f["code"]) for f in found] == [("gone.npy", "MLG307")]


# -- .skops: mlgate's own rules on skops' node tree ----------------------------------------

def _skops_with(edit) -> bytes:
    """A real .skops file of a fitted LogisticRegression, its schema edited by `edit`."""
    import io
    import zipfile

    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    data = sio.dumps(LogisticRegression().fit([[0.0], [1.0]], [0, 1]))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = src.read(info)
            if info.filename == "schema.json":
                schema = json.loads(member)
                edit(schema)
                member = json.dumps(schema).encode()
            dst.writestr(info, member)
    return out.getvalue()


def _pairs_state(schema):
    # the attributes as a list of (name, value) pairs: BaseEstimator.__setstate__ takes it
    items = schema["content"]["content"]
    schema["content"] = {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode",
                         "content": [{"__class__": "tuple", "__module__": "builtins",
                                      "__loader__": "TupleNode", "content": [
                                          {"__class__": "str", "__module__": "builtins",
                                           "__loader__": "JsonNode", "content": json.dumps(k),
                                           "is_json": True}, v]}
                                     for k, v in items.items()]}


def _dunder_attribute(schema):
    schema["content"]["content"]["__array_interface__"] = schema["content"]["content"]["C"]


def _method_node(schema):
    schema["content"]["content"]["C"] = {"__class__": "LogisticRegression",
                                         "__module__": "sklearn.linear_model._logistic",
                                         "__loader__": "MethodNode",
                                         "content": {"func": "fit", "obj": {}}}


def _eval_function(schema):
    schema["content"]["content"]["C"] = {"__class__": "eval", "__module__": "builtins",
                                         "__loader__": "FunctionNode", "content": {}}


@pytest.mark.parametrize("edit,code", [
    (_pairs_state, "MLG302"), (_dunder_attribute, "MLG302"), (_method_node, "MLG302"),
    (_eval_function, "MLG301"),
], ids=["pairs-state", "dunder-attribute", "method-node", "eval-function"])
def test_skops_trees_are_held_to_mlgate_s_rules(edit, code):
    from mlgate.artifacts.skops_files import scan_tree

    assert scan_tree("m.skops", _skops_with(lambda schema: None), allow(), {}) == []
    found = scan_tree("m.skops", _skops_with(edit), allow(), {})
    assert [f.code for f in found] == [code], found


def test_ordinary_skops_files_load(git_project, capsys):
    import skops.io as sio
    from sklearn.neighbors import KNeighborsClassifier

    model = KNeighborsClassifier(algorithm="kd_tree", n_neighbors=1).fit([[0.0], [1.0]], [0, 1])
    sio.dump(model, git_project / "knn.skops")  # a KDTree: a tuple state, compiled __setstate__
    assert artifact_json(capsys, "knn.skops") == (0, [])


def _skops_schema(schema) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("schema.json", json.dumps({**schema, "protocol": 2,
                                                    "_skops_version": "0.16.0"}))
    return out.getvalue()


def test_a_skops_id_cannot_stand_for_another_node():
    """skops loads the first node of an id for every node with it, and walks the result as a
    tree: a small node reusing a big node's id made a 10 KB file cost 2**60 visits. Writers
    repeat the whole node; a repeat that differs is refused."""
    from mlgate.artifacts.skops_files import scan_tree

    def lst(content, node_id):
        return {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode",
                "content": content, "__id__": node_id}

    node = lst([], 1)
    for level in range(2, 40):
        node = lst([node, lst([], level - 1)], level)
    found = scan_tree("dag.skops", _skops_schema(node), allow(), {})
    assert [f.code for f in found] == ["MLG302"] and "id" in found[0].message


def test_skops_repeats_of_real_writers_pass():
    """A VotingClassifier holds each estimator twice (estimators_, named_estimators_):
    skops writes it twice under one id, temporaries inside with new ids."""
    import skops.io as sio
    from sklearn.ensemble import VotingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    from mlgate.artifacts.skops_files import scan_tree

    X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1]
    model = VotingClassifier([("a", LogisticRegression()), ("b", DecisionTreeClassifier())])
    assert scan_tree("v.skops", sio.dumps(model.fit(X, y)), allow(), {}) == []
