"""Round 35 of red-teaming the static layer: walks that were not bounded, forms not checked.

- Checks that walk tuples in tuples (a pandas index name, a Cython state) visited a tuple
  shared through the memo once per reference: K**depth. Each now remembers its answer per
  node; a name whose hashing (pandas hashes it in the load) visits too much is refused.
- A numpy subarray shape of 100,000 dimensions, shared by thousands of dtypes, was checked
  and described for each: 3 GB. numpy has at most 64 dimensions, and each dtype's state is
  charged to the work budget.
- A .skops tree of repeats nested in repeats was compared whole at every level.
- `__pyx_unpickle_X(cls, checksum, STATE)` let any STATE through (`const()` of a tuple is
  None, which read as "no state").
- `builtins.str(bytes, 'punycode')`: a codec chose the code that ran, in quadratic time.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import subprocess
import zipfile

import pytest

from helpers import artifact_json, g


def _text(value: str) -> bytes:
    data = value.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def _scan(git_project, capsys, name: str, data: bytes):
    (git_project / name).write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    return artifact_json(capsys, "--no-load", name)


def _shared_tuples(width: int, levels: int) -> bytes:
    """A tuple of `width` ints, then `levels - 1` tuples each holding the previous one
    `width` times through the memo: 8 * width bytes a level, width**levels leaves."""
    out = b"(" + b"K\x01" * width + b"tq\x000"
    for level in range(1, levels):
        out += b"(" + (b"h" + bytes([level - 1])) * width + b"tq" + bytes([level])
        out += b"0" if level < levels - 1 else b""
    return out


def test_an_index_name_whose_hashing_never_ends_is_refused(git_project, capsys):
    pd = pytest.importorskip("pandas")
    assert pickle.loads(pickle.dumps(pd.RangeIndex(3, name=("a", 1)), 2)).name == ("a", 1)
    stream = (b"\x80\x02" + g("pandas.core.indexes.base", "_new_Index") + g("pandas", "RangeIndex")
              + b"}(" + _text("name") + _shared_tuples(40, 4) + _text("start") + b"K\x00"
              + _text("stop") + b"K\x03" + _text("step") + b"K\x01u\x86R.")
    code, found = _scan(git_project, capsys, "index.pkl", stream)
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found


def test_ordinary_index_names_keep_passing(git_project, capsys):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1, 2]}, index=pd.RangeIndex(2, name=("level", 0)))
    code, found = _scan(git_project, capsys, "frame.pkl", pickle.dumps(frame, 4))
    assert code == 0, found


def test_a_cython_state_given_as_an_argument_is_held_to_plain_data(git_project, capsys):
    """numpy writes `(cls, checksum, None)` then BUILD; the argument form must hold data."""
    state = (b"(}" + _text("x") + b"](" + _text("a") + b"}" + _text("b") + b"K\x01sesK\x00"
             + _text("not an array") + b"K\x04)t")
    stream = (b"\x80\x02" + g("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence")
              + g("numpy.random.bit_generator", "SeedSequence") + b"J"
              + (65708578).to_bytes(4, "little") + state + b"\x87R.")
    code, found = _scan(git_project, capsys, "seed.pkl", stream)
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert "__pyx_unpickle_SeedSequence" in found[0]["message"]


def test_a_subarray_has_at_most_64_dimensions(git_project, capsys):
    np = pytest.importorskip("numpy")
    ok = pickle.dumps(np.zeros(2, dtype=[("a", "f8", (2, 3))]), 2)
    code, found = _scan(git_project, capsys, "ok.pkl", ok)
    assert code == 0, found
    assert ok.count(b"K\x02K\x03\x86") == 1  # the shape (2, 3), as protocol 2 writes it
    wide = ok.replace(b"K\x02K\x03\x86", b"(" + b"K\x01" * 65 + b"t")
    code, found = _scan(git_project, capsys, "wide.pkl", wide)
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert "64 dimensions" in found[0]["message"], found


def _skops(schema: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", schema)
    return buffer.getvalue()


def test_skops_repeats_nested_in_repeats_are_refused(git_project, capsys):
    def node(i, content):
        return ('{"__loader__":"ListNode","__module__":"builtins","__class__":"list",'
                f'"__id__":{i},"content":{content or "[]"}}}')

    chain = ""
    for i in range(300, 0, -1):
        chain = node(i, chain)
    schema = ('{"__class__":"list","__module__":"builtins","__loader__":"ListNode",'
              '"__id__":0,"protocol":2,"_skops_version":"0.10.0","content":['
              + ",".join([chain] * 20) + "]}")
    json.loads(schema)
    (git_project / "model.skops").write_bytes(_skops(schema))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load", "model.skops")
    found = [f for f in found if f["code"] != "MLG304"]
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert "repeated objects" in found[0]["message"], found


def test_skops_files_with_shared_objects_keep_passing(git_project, capsys):
    sio = pytest.importorskip("skops.io")
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit([[0.0], [1.0]])
    sio.dump({"a": scaler, "b": scaler, "c": [scaler] * 50}, str(git_project / "ok.skops"))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    _, found = artifact_json(capsys, "--no-load", "ok.skops")
    assert [f["code"] for f in found] == ["MLG304"], found


@pytest.mark.parametrize(("name", "call", "ok"), [
    ("str", b"\x8c\x03abc\x85", True),  # str('abc')
    ("str", b")", True),  # str()
    ("int", b"\x8c\x03123\x85", True),  # int('123')
    ("float", b"\x8c\x031.5\x85", True),  # float('1.5')
    ("str", b"C\x03abc\x8c\x08punycode\x86", False),  # str(b'abc', 'punycode')
    ("str", b"C\x03abc\x85", False),  # str(b'abc'): "b'abc'", no writer writes it
    ("int", b"\x8c\x0210K\x10\x86", False),  # int('10', 16)
])
def test_builtin_numbers_and_text_take_only_their_own_values(git_project, capsys, name,
                                                              call, ok):
    stream = b"\x80\x04" + g("builtins", name) + call + b"R."
    code, found = _scan(git_project, capsys, "s.pkl", stream)
    assert (code == 0) == ok, found
