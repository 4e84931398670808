"""Round 11 of red-teaming: three gaps, each closed by a rule.

- Which files are artifacts was decided by stricter readers than the loaders': an lzma file
  with a small dictionary starts `5d 00 10`, joblib takes it for lzma by `5d 00` and mlgate
  required `5d 00 00`; and the sniff for headerless pickles asked pickle's pure-Python
  unpickler, while pickle.load's C unpickler also reads an opcode that straddles its FRAME
  and a number followed by a NUL. Both were "not an artifact", so the hook passed them.
  Rules: compressions by joblib's own prefixes, one table, read the way joblib reads them;
  "is it a pickle?" asked of a reader that reads as C does too, checked here against the C
  unpickler itself.
- A numpy dtype made unbuilt, used by an array, then given its state: numpy changes the
  dtype in place, so the array's raw bytes became object pointers. Rule: a numpy object (or
  joblib's wrapper) fetched from the memo before its BUILD is refused; picklers write an
  object's state right after making it.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import pickle
import struct
import subprocess
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import artifact_json, g, u
from mlgate.artifacts import container, discovery

RECONSTRUCT = np.array([1]).__reduce__()[0]
SYSTEM = g("os", "system") + b"(Vtrue\ntR."  # what a loader would run, once it gets there


def _commit(root, name: str, data: bytes) -> None:
    (root / name).write_bytes(data)
    subprocess.run(["git", "add", name], cwd=root, check=True)


def _c_calls(data: bytes) -> list[tuple[str, str]]:
    """The names pickle.load (the C unpickler) looks up and calls before it stops, with
    stand-ins: proof that a loader would act on `data`."""
    calls: list[tuple[str, str]] = []

    class Recorder(pickle.Unpickler):
        def find_class(self, module, name):
            return lambda *args: calls.append((module, name))

    with contextlib.suppress(Exception):
        Recorder(io.BytesIO(data)).load()
    return calls


# --- an lzma file by joblib's prefix -------------------------------------------------------


def test_lzma_with_a_small_dictionary_is_found_by_content_and_refused(git_project, capsys):
    payload = b"\x80\x04" + SYSTEM
    data = lzma.compress(payload, format=lzma.FORMAT_ALONE,
                         filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 4096}])
    assert data[:3] == b"\x5d\x00\x10"  # joblib's prefix is 5d 00; the third byte is the size's
    assert container.compression(data) == "lzma"
    assert container.decompress(data, "lzma") == payload
    _commit(git_project, "model.bin", data)
    assert discovery.sniff("model.bin") == "compressed"
    # the hook's own invocation, with every staged file
    code, findings = artifact_json(capsys, "--only-artifacts", "model.bin")
    assert code == 1 and [f["code"] for f in findings] == ["MLG301"], findings


def test_every_compression_is_told_by_the_prefix_joblib_tests():
    from joblib import compressor

    ours = [(kind, prefix) for prefix, kind in container.COMPRESSION_PREFIXES]
    theirs = [(name, wrapper.prefix) for name, wrapper in compressor._COMPRESSORS.items()]
    assert ours == theirs  # the same prefixes, tried in the same order


# --- pickles only the C unpickler reads ----------------------------------------------------

C_ONLY = {
    # FRAME of 2 bytes holding the first 2 of BININT's 5: C never holds opcodes to frames
    "straddling frame": b"\x95" + struct.pack("<Q", 2) + b"J\x00" + b"\x00\x00\x00" + b"0",
    # C parses numbers as C strings, to their NUL
    "float, then NUL": b"F1.5\x00x\n0",
    "int, then NUL": b"I12\x00x\n0",
    "long, then NUL": b"L12\x00x\n0",
    "octal int": b"I017\n0",
    "memo key, then NUL": b"N" + b"p0\x00x\n" + b"0" + b"g0\x00y\n0",
}


def test_an_extension_code_is_a_name_the_loading_process_may_know(git_project):
    # copyreg.add_extension in the loading process makes EXT1 a class lookup there
    _commit(git_project, "ext.bin", b"\x82\x07(tR.")
    assert discovery.sniff("ext.bin") == "pickle"


@pytest.mark.parametrize("case", sorted(C_ONLY))
def test_a_pickle_only_c_reads_is_an_artifact(git_project, capsys, case):
    data = C_ONLY[case] + SYSTEM
    assert _c_calls(data) == [("os", "system")]  # pickle.load would run it
    with pytest.raises(Exception):  # noqa: B017 - joblib's reader does not
        pickle._Unpickler(io.BytesIO(data)).load()  # type: ignore[attr-defined]
    _commit(git_project, "weights.bin", data)
    assert discovery.sniff("weights.bin") == "pickle"
    code, findings = artifact_json(capsys, "--only-artifacts", "weights.bin")
    assert code == 1, findings
    # refused as what it is, never "not a model artifact" (a code users ignore as noise)
    assert findings and all(f["code"] != "MLG304" for f in findings), findings


NOISE = st.sampled_from([
    b"0", b"N", b"N0", b"I1\n0", b"I 1\n0", b"I+1\n0", b"I0x1f\n0", b"I1_0\n0", b"I1\x00\n0",
    b"L1\n0", b"L1L\n0", b"L 1\n0", b"L1\x00L\n0", b"F1\n0", b"F.5e3\n0", b"Finf\n0",
    b"F1_0\n0", b"F 1\n0", b"F1\x00\n0", b"S'a'\n0", b"Vx\n0", b"Np0\n0", b"Np0\x00\n0",
    b"\x95" + struct.pack("<Q", 1), b"\x95" + struct.pack("<Q", 3), b"(0", b"(t0", b"]0",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(NOISE, max_size=4))
def test_whatever_the_c_unpickler_acts_on_the_sniff_calls_a_pickle(noise):
    data = b"".join(noise) + SYSTEM
    if _c_calls(data):
        assert discovery.reads_as_pickle(data), data


def test_text_is_still_not_a_pickle(git_project):
    for name, text in {"README.md": b"cat model.pkl\nls\n", "notes.txt": b"I think 017\n",
                       "data.csv": b"F1.5,2\n3,4\n", "run.sh": b"(cd x && make)\n"}.items():
        _commit(git_project, name, text)
        assert discovery.sniff(name) is None, name


# --- a numpy object given its state after its first use ------------------------------------


def _late_dtype(pointer: bytes) -> bytes:
    """dtype('V8') left unbuilt and memoized; an array of 8 raw bytes of that dtype; then
    the dtype's BUILD with the state numpy writes for [('a', 'O')]."""
    dtype = g("numpy", "dtype")
    object_dtype = (dtype + u("O8") + b"\x89\x88\x87R" + b"(K\x03" + u("|")
                    + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x3ftb")
    return (b"\x80\x03" + dtype + u("V8") + b"\x89\x88\x87R" + b"q\x000"
            + g(RECONSTRUCT.__module__, RECONSTRUCT.__name__) + g("numpy", "ndarray")
            + b"K\x00\x85C\x01b\x87R"
            + b"(K\x01K\x01\x85h\x00\x89C\x08" + pointer + b"tb"
            + b"h\x00" + b"(K\x03" + u("|") + b"N" + u("a") + b"\x85}" + u("a")
            + object_dtype + b"K\x00\x86sK\x08K\x01K\x1btb" + b"0.")


def test_a_dtype_given_its_state_after_an_array_used_it_is_refused(git_project, capsys):
    data = _late_dtype(b"\x00" * 8)
    loaded = pickle.loads(data)  # a NULL pointer reads as None: harmless here, not in general
    assert loaded.dtype.hasobject  # raw bytes became object pointers
    _commit(git_project, "model.pkl", data)
    code, findings = artifact_json(capsys, "--no-load", "model.pkl")
    assert code == 1 and [f["code"] for f in findings] == ["MLG302"], findings
    assert "already fetched" in findings[0]["message"]


def test_a_dtype_shared_after_its_state_still_passes(git_project, capsys):
    # what numpy's pickling writes: the dtype's BUILD right after it is made; later uses fetch it
    frame = np.zeros(3, dtype=[("a", "f8"), ("b", "i4")])
    data = pickle.dumps({"x": frame, "y": frame[:2].copy(), "z": np.dtype(frame.dtype)},
                        protocol=2)
    _commit(git_project, "model.pkl", data)
    code, findings = artifact_json(capsys, "model.pkl")
    assert code == 0, findings


# --- round 12: the sniff answers yes once a loader would act, and containers are filled
# before they are used ---------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    # BUILD on the global itself, then its REDUCE: os.system has no __setstate__ and the
    # loaders go on, where a stand-in class raised
    b"cos\nsystem\nNb(S'true'\ntR.",
    # a lookup imports the module: `this` prints, `antigravity` opens a browser
    b"cthis\nx\n",
    # items set on a looked-up mapping (os.environ), then a call
    b"cos\nenviron\nS'K'\nS'1'\ns" + SYSTEM,
    # an empty APPENDS/ADDITEMS on a non-container: nothing in C, an error in pickle.py
    b"N(e0" + SYSTEM,
    b"\x89(\x900" + SYSTEM,
    # a FRAME the pure-Python reader holds an opcode to, before a NEWOBJ C reads otherwise
    b"I 1\nq\x00\x95\x05\x00\x00\x00\x00\x00\x00\x00U\x01aJ\x01\x00\x00\x00\x81\x94" + SYSTEM,
])
def test_what_a_loader_acts_on_is_an_artifact_whatever_its_name(git_project, data):
    _commit(git_project, "weights.bin", data)
    assert discovery.sniff("weights.bin") == "pickle"


def test_a_text_line_cut_by_the_sniffs_read_limit_is_read_on(git_project):
    data = b"S'" + b"A" * (2 * discovery._PARSE_LIMIT) + b"'\n0" + SYSTEM
    _commit(git_project, "weights.bin", data)
    assert discovery.sniff("weights.bin") == "pickle"


@pytest.mark.parametrize("compress", [
    lambda d: bz2.compress(b"") + bz2.compress(d),
    lambda d: lzma.compress(d[:5]) + lzma.compress(d[5:]),
    lambda d: lzma.compress(b"", format=lzma.FORMAT_ALONE) + lzma.compress(
        d, format=lzma.FORMAT_ALONE),
])
def test_streams_one_after_another_are_read_as_joblib_reads_them(git_project, capsys, compress):
    data = compress(b"\x80\x04" + SYSTEM)
    _commit(git_project, "model.bin", data)
    assert discovery.sniff("model.bin") == "compressed"
    code, findings = artifact_json(capsys, "--only-artifacts", "model.bin")
    assert code == 1 and findings, findings


def test_text_that_names_no_importable_module_is_not_a_pickle(git_project):
    for name, text in {"requirements.txt": b"click\nnumpy\npandas\n",
                       "words.txt": b"contributing\nguide\nplease\n"}.items():
        _commit(git_project, name, text)
        assert discovery.sniff(name) is None, name


def test_a_memo_key_sized_to_exhaust_memory_is_answered_not_allocated():
    # C sizes its memo by the largest key: 2**28 would touch 4 GiB; under the cap it is a
    # MemoryError, and the file is scanned
    assert discovery.reads_as_pickle(b"Nr\xff\xff\xff\x0f.")


def test_a_dtypes_fields_dict_changed_after_use_is_refused(git_project, capsys):
    import pickletools

    array = np.frombuffer(b"A" * 8, dtype=[("a", "<i8")]).copy()
    base = pickle.dumps(array, protocol=2)
    ops = list(pickletools.genops(base))
    # the memo keys of numpy.dtype and of the fields dict the dtype's state holds
    dtype_key = next(ops[i + 1][1] for i, (op, arg, _) in enumerate(ops)
                     if op.name == "GLOBAL" and arg == "numpy dtype")
    fields_key = next(ops[i + 1][1] for i, (op, _, _) in enumerate(ops)
                      if op.name == "EMPTY_DICT" and ops[i + 1][0].name == "BINPUT")
    tail = (b"h" + bytes([fields_key]) + u("a") + b"h" + bytes([dtype_key]) + u("O8")
            + b"\x89\x88\x87R(K\x03" + u("|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb"
            + b"K\x00\x86s0.")
    data = base[:-1] + tail
    assert pickle.loads(data).dtype.fields["a"][0] == np.dtype("O")  # raw bytes, object field
    _commit(git_project, "model.pkl", data)
    code, findings = artifact_json(capsys, "--no-load", "model.pkl")
    assert code == 1 and [f["code"] for f in findings] == ["MLG302"], findings
    assert "already used" in findings[0]["message"]


def test_a_frame_without_a_header_is_a_pickle_to_scan(git_project):
    # pickle.load from a file drops a frame's unread tail where pickle.loads does not: the
    # readings part; no pickler writes a FRAME without PROTO
    frame = b"N" * 19995 + b"G\x00\x00\x00\x00"
    data = (b"\x95" + struct.pack("<Q", len(frame)) + frame + b"\x00\x00\x00\x00\xff\xff\xff\xff"
            + SYSTEM)
    _commit(git_project, "weights.bin", data)
    assert discovery.sniff("weights.bin") == "pickle"


def test_a_long_run_of_digits_is_read_in_linear_time():
    # `F` then digits and no end: the C-like FLOAT pattern backtracked quadratically (20k
    # digits took 16 s); a work count, not a clock: the pattern is tried once per digit
    line = b"1" * 200_000 + b"x\n"
    assert discovery._C_FLOAT.match(line + b"\0") is None
    assert not discovery.reads_as_pickle(b"F" + line)


# --- round 13 ---------------------------------------------------------------------------


def test_an_old_joblib_container_with_any_zlib_window_is_found(git_project, capsys):
    # joblib < 0.10 reads "ZF" with zlib.decompress(data, 15, n): a window of 2**14 starts
    # 0x68, not the 0x78 of joblib's own zlib prefix
    engine = zlib.compressobj(9, zlib.DEFLATED, 14)
    payload = b"\x80\x02" + SYSTEM
    stream = engine.compress(payload) + engine.flush()
    assert stream[:1] == b"\x68"
    _commit(git_project, "weights.bin", b"ZF" + f"{len(payload):#x}".encode().ljust(19) + stream)
    assert discovery.sniff("weights.bin") == "compressed"
    code, findings = artifact_json(capsys, "--only-artifacts", "weights.bin")
    assert code == 1 and findings, findings


@pytest.mark.parametrize("first", ["Timestamp,user,amount", "Build started", "X-Request-Id"])
def test_large_text_whose_first_letters_read_as_a_long_string_is_not_a_pickle(git_project,
                                                                            first):
    # 'T', 'B', 'X' then four letters: a string of ~2 GB, past the end of the file: the
    # loaders fail at once ("truncated"); the sniff called it a pickle read to its limit
    text = (first + "\n" + "2024-01-01T10:00:00,user1,12.50\n" * 70_000).encode()
    assert len(text) > discovery._PARSE_LIMIT
    _commit(git_project, "events.csv", text)
    assert discovery.sniff("events.csv") is None
    _commit(git_project, "events.csv.gz", gzip.compress(text))
    assert discovery.sniff("events.csv.gz") is None
