"""Red-team attempts on the static pickle scan (`mlgate.artifacts.pickle_scan`).

Each payload is built by hand, opcode by opcode, and is harmless: the worst it does is create
a marker file under the test's tmp_path (or crash a throw-away subprocess). Two kinds of test:

- attempts the scan must refuse: the scan is asserted to refuse, and nothing is ever loaded;
- former bypasses (`@former_bypass`): files the scan once passed and whose payload ran when
  loaded the way the artifact is meant to be loaded (pickle.loads, joblib.load, joblib with
  mmap_mode). The scanner now refuses each; if it ever passes one again, the test loads it
  for real and fails with `Bypass` when the payload runs.

Most bypasses are desynchronisations between the scanner's model of the stream and what the
real loader parses: joblib interleaves raw array bytes with the pickle, and wherever the
scanner's idea of where an array starts/ends (or whether there is one) differs from joblib's,
bytes the scanner skipped as "array data" are executed as opcodes, or vice versa.
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
import sys
import zlib

import numpy as np
import pytest

from helpers import g, i4, u
from mlgate.artifacts.allowlist import (
    BASE,
    NUMPY_TYPES,
    NUMPY_UFUNCS,
    AllowList,
    sklearn_classes,
)
from mlgate.artifacts.container import ContainerError, decompress, detect
from mlgate.artifacts.pickle_scan import scan_pickle

ALLOW = AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES | sklearn_classes())


class Bypass(AssertionError):
    """The scan passed a file whose payload then ran when the file was loaded."""


# --------------------------------------------------------------------------- opcodes
PROTO2 = b"\x80\x02"
MARK, TUPLE, TUPLE1, TUPLE2, TUPLE3 = b"(", b"t", b"\x85", b"\x86", b"\x87"
REDUCE, NEWOBJ, BUILD, STOP, POP, POP_MARK = b"R", b"\x81", b"b", b".", b"0", b"1"
EMPTY_TUPLE, EMPTY_DICT, EMPTY_LIST = b")", b"}", b"]"
SETITEM, SETITEMS, APPENDS = b"s", b"u", b"e"
TRUE, FALSE, NONE = b"\x88", b"\x89", b"N"


def raw(data: bytes) -> bytes:
    """BINBYTES: `data` travels as an opaque constant the scanner never looks into."""
    return b"B" + struct.pack("<I", len(data)) + data


def tup(*items: bytes) -> bytes:
    return MARK + b"".join(items) + TUPLE


def call(func: bytes, *args: bytes) -> bytes:
    return func + tup(*args) + REDUCE


def mapping(*pairs: tuple[bytes, bytes]) -> bytes:
    return EMPTY_DICT + MARK + b"".join(k + v for k, v in pairs) + SETITEMS


def dtype(code: str) -> bytes:
    """numpy.dtype(code, False, True), the way numpy pickles a dtype."""
    return call(g("numpy", "dtype"), u(code), FALSE, TRUE)


def evil(marker) -> bytes:
    """exec(...) creating the marker: the "payload" of every attempt."""
    return call(g("builtins", "exec"), u(f"open({str(marker)!r}, 'w').close()"))


WRAPPER_CLASS = g("joblib.numpy_pickle", "NumpyArrayWrapper")
WRAPPER = WRAPPER_CLASS + EMPTY_TUPLE + NEWOBJ  # cls.__new__(cls), as joblib writes it
# A small uint8 ndarray, PROTO stripped: a valid tail for a pickle that must return an array.
ARRAY = pickle.dumps(np.zeros(1, "u1"), protocol=2)[2:]


def wrapper_state(count: int, dt: bytes | None = None, *extra: tuple[bytes, bytes],
                  alignment: bytes | None = NONE, mmap: bytes = FALSE) -> bytes:
    pairs = [(u("subclass"), g("numpy", "ndarray")), (u("shape"), tup(i4(count))),
             (u("order"), u("C")), (u("dtype"), dtype("u1") if dt is None else dt),
             (u("allow_mmap"), mmap)]
    if alignment is not None:
        pairs.append((u("numpy_array_alignment_bytes"), alignment))
    return mapping(*pairs, *extra)


def nested(marker) -> bytes:
    """A whole pickle (what joblib writes for an object array) running the payload."""
    return PROTO2 + evil(marker) + POP + ARRAY


def _joblib_pickle_polyglot(marker) -> bytes:
    body = evil(marker) + POP
    return PROTO2 + WRAPPER + wrapper_state(len(body)) + BUILD + body + STOP


def _mmap_polyglot(marker) -> bytes:
    region = MARK + raw(b"\x00" * 43 + evil(marker) + STOP) + POP_MARK + ARRAY
    state = wrapper_state(1, dtype("O8"), alignment=i4(16), mmap=TRUE)
    return PROTO2 + WRAPPER + state + BUILD + region + STOP


# --------------------------------------------------------------------------- harness
@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "PWNED"
    yield path
    assert not path.exists(), "a payload ran"


def verdict_of(data: bytes):
    kind = detect(data)
    return scan_pickle(data if kind == "pickle" else decompress(data, kind), ALLOW)


def refused(data: bytes) -> None:
    """Refused by the static layer: not an artifact, a container error, or a scan refusal."""
    kind = detect(data)
    if kind == "unknown":
        return  # MLG304, an error: the file is never loaded
    try:
        verdict = verdict_of(data)
    except ContainerError:
        return  # MLG305
    assert not verdict.safe, "the scan passed it"


def load_pickle(data: bytes, tmp_path) -> None:
    pickle.loads(data)


def load_joblib(data: bytes, tmp_path) -> None:
    import joblib

    path = tmp_path / "model.joblib"
    path.write_bytes(data)
    joblib.load(path)


def load_joblib_mmap(data: bytes, tmp_path) -> None:
    import joblib

    path = tmp_path / "model.joblib"
    path.write_bytes(data)
    joblib.load(path, mmap_mode="r")


def bypass(data: bytes, marker, load) -> None:
    """Scan; only if the scan passes, load for real. Raise Bypass when the payload ran."""
    verdict = verdict_of(data)
    if verdict.safe:
        with contextlib.suppress(Exception):  # the loader may choke after the payload ran
            load(data, marker.parent)
        if marker.exists():
            marker.unlink()
            raise Bypass(f"the scan passed it and {load.__name__} ran the payload")
    assert not verdict.safe, "the scan passed it (the payload did not run, fix the test)"


def former_bypass(reason: str):
    """A bypass the red-team review found (2026-11-26) and the scanner now refuses: the test
    raises Bypass, and fails, if the payload ever runs again. `reason` says how it worked."""

    def mark(test):
        test.bypass_reason = reason
        return test

    return mark


# ==================================================================== FORMER BYPASSES
@former_bypass("a joblib array's bytes are skipped, but pickle.loads parses them as opcodes")
def test_joblib_file_loaded_with_pickle_loads(marker):
    # The same file is a valid joblib file (joblib.load returns a uint8 array and runs
    # nothing); the scanner reads it only the joblib way.
    bypass(_joblib_pickle_polyglot(marker), marker, load_pickle)


@former_bypass("duplicate 'dtype' key in the wrapper state: scanner reads the first, the dict keeps"
         " the last (object dtype), so joblib unpickles the bytes the scanner skipped")
def test_wrapper_state_with_a_duplicate_dtype_key(marker):
    region = nested(marker)
    state = wrapper_state(len(region), dtype("u1"), (u("dtype"), dtype("O8")))
    data = PROTO2 + WRAPPER + state + BUILD + region + STOP
    bypass(data, marker, load_joblib)


@pytest.mark.parametrize("key_type", ["builtins str", "numpy str_"])
@former_bypass("a state key built by a call (str('dtype'), numpy.str_('dtype')) is equal to"
         " 'dtype' for the dict but invisible to _dict_get, which only matches constants")
def test_wrapper_state_with_a_computed_dtype_key(marker, key_type):
    key = call(g(*key_type.split()), u("dtype"))
    region = nested(marker)
    state = wrapper_state(len(region), dtype("u1"), (key, dtype("O8")))
    data = PROTO2 + WRAPPER + state + BUILD + region + STOP
    bypass(data, marker, load_joblib)


@former_bypass("SETITEM on a list is modelled as an append: shape [1, n] then shape[1] = 1 is"
         " [1, n, 1, 1] (n bytes) for the scanner and [1, 1] (1 byte) for joblib")
def test_wrapper_shape_list_rewritten_by_setitem(marker):
    region = b"\x00" + evil(marker) + STOP  # joblib: 1 array byte, then opcodes
    shape = EMPTY_LIST + MARK + i4(1) + i4(len(region)) + APPENDS + i4(1) + i4(1) + SETITEM
    state = mapping((u("shape"), shape), (u("order"), u("C")), (u("dtype"), dtype("u1")),
                    (u("subclass"), g("numpy", "ndarray")),
                    (u("numpy_array_alignment_bytes"), NONE))
    data = PROTO2 + WRAPPER + state + BUILD + region + STOP
    bypass(data, marker, load_joblib)


@former_bypass("NEWOBJ's arguments may be a list for the pure-Python unpickler joblib uses; a"
         " SETITEM turns numpy.dtype(['u1']) into numpy.dtype(['O8']) the scanner never sees")
def test_wrapper_dtype_args_list_rewritten_by_setitem(marker):
    region = nested(marker)
    args = EMPTY_LIST + MARK + u("u1") + FALSE + TRUE + APPENDS + i4(0) + u("O8") + SETITEM
    dt = g("numpy", "dtype") + args + NEWOBJ
    data = PROTO2 + WRAPPER + wrapper_state(len(region), dt) + BUILD + region + STOP
    bypass(data, marker, load_joblib)


def _padding_tail(marker) -> bytes:
    """After a 1-byte uint8 array: the scanner sees BINBYTES, POP, STOP; joblib, expecting a
    padding byte first, reads 0x04 as the padding length, skips 4 bytes, takes the last
    length byte as the array, and parses the BINBYTES payload as opcodes."""
    return b"\x04" + raw(evil(marker) + STOP) + POP + STOP


@former_bypass("numpy_array_alignment_bytes given by a call (int(16)) is None for the scanner but"
         " not for joblib, which then reads a padding byte and padding the scanner does not")
def test_wrapper_alignment_that_is_not_a_constant(marker):
    alignment = call(g("builtins", "int"), i4(16))
    data = PROTO2 + WRAPPER + wrapper_state(1, alignment=alignment) + BUILD
    bypass(data + _padding_tail(marker), marker, load_joblib)


@former_bypass("a wrapper built by REDUCE gets numpy_array_alignment_bytes=16 from __init__; a"
         " BUILD state without the key leaves the scanner at None")
def test_wrapper_alignment_from_its_constructor(marker):
    wrapper = call(WRAPPER_CLASS, g("numpy", "ndarray"), tup(i4(1)), u("C"), dtype("u1"))
    state = mapping((u("shape"), tup(i4(1))), (u("dtype"), dtype("u1")))
    data = PROTO2 + wrapper + state + BUILD
    bypass(data + _padding_tail(marker), marker, load_joblib)


@former_bypass("the memoized wrapper is BUILT a second time: joblib reads another array with the"
         " attributes of the first BUILD still set (alignment 16), the scanner only the new"
         " state")
def test_wrapper_built_twice_keeps_its_old_alignment(marker):
    first = wrapper_state(0, alignment=i4(16))
    second = mapping((u("shape"), tup(i4(1))), (u("dtype"), dtype("u1")))
    data = (PROTO2 + WRAPPER + b"q\x00" + first + BUILD + b"\x00" + POP
            + b"h\x00" + second + BUILD)
    bypass(data + _padding_tail(marker), marker, load_joblib)


@former_bypass("the wrapper's dtype is sized from its first constructor argument only; a dtype"
         " whose BUILD state adds an object field ('V<n>' + fields, as numpy pickles"
         " structured object dtypes) has hasobject, so joblib unpickles the 'raw' bytes")
def test_wrapper_dtype_whose_state_adds_an_object_field(marker):
    region = nested(marker)
    n = len(region)
    dt = dtype(f"V{n}") + tup(i4(3), u("|"), NONE, tup(u("a")),
                               mapping((u("a"), tup(dtype("O8"), i4(0)))), i4(n), i4(1),
                               i4(63)) + BUILD
    data = PROTO2 + WRAPPER + wrapper_state(1, dt) + BUILD + region + STOP
    bypass(data, marker, load_joblib)


@former_bypass("the wrapper's dtype need not be a numpy.dtype: any allowed object whose first"
         " argument reads 'u1' is sized 1 byte, and joblib only asks it .hasobject")
def test_wrapper_dtype_that_is_not_a_dtype(marker):
    region = nested(marker)
    fake = (call(g("sklearn.ensemble._gb", "VerboseReporter"), u("u1"))
            + mapping((u("hasobject"), TRUE)) + BUILD)
    data = PROTO2 + WRAPPER + wrapper_state(len(region), fake) + BUILD + region + STOP
    bypass(data, marker, load_joblib)


@former_bypass("an object array's nested pickle is read by joblib with a plain Unpickler, which"
         " never reads arrays; the scanner walks it with joblib=True and skips 'array' bytes")
def test_wrapper_inside_an_object_array_pickle(marker):
    body = evil(marker) + POP
    inner = (PROTO2 + WRAPPER + wrapper_state(len(body)) + BUILD + body + POP + ARRAY)
    data = PROTO2 + WRAPPER + wrapper_state(1, dtype("O8")) + BUILD + inner + STOP
    bypass(data, marker, load_joblib)


def _unrecognized_wrapper_tail(marker) -> bytes:
    """joblib reads 5 array bytes (BINBYTES opcode + length) then runs its contents; the
    scanner, not knowing an array is read here, sees BINBYTES, POP, STOP."""
    return wrapper_state(5) + BUILD + raw(evil(marker) + STOP) + POP + STOP


@pytest.mark.parametrize("make", [
    call(g("copyreg", "_reconstructor"), WRAPPER_CLASS, g("builtins", "object"), NONE),
    call(g("sklearn.neighbors._kd_tree", "newObj"), WRAPPER_CLASS),
    call(g("sklearn.metrics._dist_metrics", "newObj"), WRAPPER_CLASS),
], ids=["copyreg._reconstructor", "kd_tree.newObj", "dist_metrics.newObj"])
@former_bypass("a NumpyArrayWrapper made through an allowed factory is not recognised as one, but"
         " joblib's isinstance check reads its array")
def test_wrapper_made_by_another_allowed_callable(marker, make):
    bypass(PROTO2 + make + _unrecognized_wrapper_tail(marker), marker, load_joblib)


@former_bypass("BUILD's slot state can set __class__: an allowed object becomes a"
         " NumpyArrayWrapper after the fact, and joblib reads an array after that BUILD")
def test_object_whose_class_becomes_the_wrapper(marker):
    obj = call(g("sklearn.ensemble._gb", "VerboseReporter"), i4(0))
    attrs = wrapper_state(5)
    state = MARK + attrs + mapping((u("__class__"), WRAPPER_CLASS)) + TUPLE
    data = PROTO2 + obj + state + BUILD + raw(evil(marker) + STOP) + POP + STOP
    bypass(data, marker, load_joblib)


@former_bypass("joblib.load(mmap_mode=...) memory-maps an allow_mmap object array as raw pointers"
         " and skips count*8 bytes; the scanner walks those bytes as a nested pickle")
def test_object_array_memory_mapped(marker):
    # Region, for the scanner: MARK, BINBYTES <d>, POP_MARK, <array pickle>. For joblib: a
    # padding byte '(' = 40, 40 bytes of padding, 8 bytes of 'pointers', then opcodes
    # from offset 49 = 6 + 43 into <d>. joblib.load without mmap_mode runs nothing.
    bypass(_mmap_polyglot(marker), marker, load_joblib_mmap)


@former_bypass("pickletools escape-decodes GLOBAL/INST operands, the unpickler does not:"
         r" 'nump\171' is numpy.dtype to the scanner, a module named nump\171 to Python,"
         " imported from sys.path (the repository, for a script or notebook run there)")
def test_escaped_module_name_imports_a_planted_module(marker, tmp_path):
    (tmp_path / "nump\\171.py").write_text(
        f"open({str(marker)!r}, 'w').close()\ndef dtype(*args):\n    return None\n")
    data = b"cnump\\171\ndtype\n(S'f8'\ntR."

    def load_in_the_repository(data, tmp_path):
        (tmp_path / "model.pkl").write_bytes(data)
        subprocess.run([sys.executable, "-c", "import pickle; pickle.load(open('model.pkl',"
                        " 'rb'))"], cwd=tmp_path, capture_output=True, timeout=60)

    bypass(data, marker, load_in_the_repository)


@former_bypass("numpy.dtype's BUILD state sets the dtype flags: an object field without"
         " NPY_LIST_PICKLE lets ndarray.__setstate__ take raw bytes as PyObject pointers;"
         " the array is freed during the load and Python DECREFs 0x4141414141414141")
def test_forged_dtype_flags_give_raw_object_pointers(marker, tmp_path):
    dt = dtype("V8") + tup(i4(3), u("|"), NONE, tup(u("a")),
                           mapping((u("a"), tup(dtype("O8"), i4(0)))), i4(8), i4(1),
                           i4(1)) + BUILD  # flags = NPY_ITEM_REFCOUNT only
    array = call(g("numpy._core.multiarray", "_reconstruct"), g("numpy", "ndarray"),
                 tup(i4(0)), b"C\x01b")
    state = tup(i4(1), tup(i4(1)), dt, FALSE, raw(b"A" * 8))
    data = PROTO2 + array + state + BUILD + POP + NONE + STOP

    def load_in_a_subprocess(data, tmp_path):
        (tmp_path / "model.pkl").write_bytes(data)
        done = subprocess.run([sys.executable, "-c", "import pickle; pickle.load(open("
                               "'model.pkl', 'rb'))"], cwd=tmp_path, capture_output=True,
                              timeout=60)
        if done.returncode < 0:  # killed by a signal (SIGSEGV): memory corruption at load
            marker.touch()

    bypass(data, marker, load_in_a_subprocess)


@former_bypass("_codecs.encode is allowed with any codec name: the codec registry imports"
         " encodings.<name> (here encodings.uu_codec, and binascii) during the load")
def test_codecs_encode_imports_a_codec_module(marker, tmp_path):
    data = PROTO2 + call(g("_codecs", "encode"), raw(b"x"), u("uu")) + STOP

    def load_in_a_subprocess(data, tmp_path):
        (tmp_path / "model.pkl").write_bytes(data)
        code = ("import pickle, sys; before = 'encodings.uu_codec' in sys.modules;"
                " pickle.load(open('model.pkl', 'rb'));"
                " print(not before and 'encodings.uu_codec' in sys.modules)")
        done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        if done.stdout.strip() == "True":
            marker.touch()

    bypass(data, marker, load_in_a_subprocess)


@pytest.mark.parametrize("build, name, load", [
    (_joblib_pickle_polyglot, "model.pkl", "import pickle; pickle.load(open(NAME, 'rb'))"),
    (_mmap_polyglot, "model.joblib", "import joblib; joblib.load(NAME, mmap_mode='r')"),
], ids=["pickle.load", "joblib-mmap"])
@former_bypass("end to end: `mlgate artifact` (static scan, then its restricted load, which always"
         " uses joblib without mmap for a file holding a NumpyArrayWrapper) exits 0, and the"
         " victim's own loader runs the payload")
def test_cli_passes_and_the_victims_loader_runs_it(marker, tmp_path, monkeypatch, capsys,
                                                   build, name, load):
    from mlgate.cli import main

    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    (tmp_path / name).write_bytes(build(marker))
    code = main(["artifact", "--python", sys.executable, name])
    capsys.readouterr()
    if code == 0:
        subprocess.run([sys.executable, "-c", load.replace("NAME", repr(name))],
                       cwd=tmp_path, capture_output=True, timeout=60)
        if marker.exists():
            marker.unlink()
            raise Bypass("mlgate artifact exited 0 and loading the file ran the payload")
    assert code != 0


# =========================================================================== REFUSED
def _evil_pickle(marker) -> bytes:
    return PROTO2 + evil(marker) + STOP


@pytest.mark.parametrize("split", [5, 20])
def test_gzip_payload_split_across_two_members(marker, split):
    stream = _evil_pickle(marker)
    data = gzip.compress(stream[:split]) + gzip.compress(stream[split:])
    assert gzip.decompress(data) == stream  # what gzip.open / joblib would read
    refused(data)


def test_bz2_payload_split_across_two_streams(marker):
    stream = _evil_pickle(marker)
    data = bz2.compress(stream[:10]) + bz2.compress(stream[10:])
    assert bz2.decompress(data) == stream
    refused(data)


def test_xz_payload_split_across_two_streams(marker):
    stream = _evil_pickle(marker)
    data = lzma.compress(stream[:10]) + lzma.compress(stream[10:])
    assert lzma.decompress(data) == stream  # lzma.open / joblib read every stream
    refused(data)


def test_zlib_stream_followed_by_a_second_stream(marker):
    stream = _evil_pickle(marker)
    data = zlib.compress(stream[:12]) + zlib.compress(stream[12:])
    refused(data)


def test_lzma_alone_with_a_small_dictionary_is_not_read_as_a_pickle(marker):
    # joblib recognises lzma by b'\x5d\x00'; with a 64 KiB dictionary the header is
    # 5d 00 00 01 00, with 4 KiB it is 5d 00 10 00 00 and detect() sees ']' (EMPTY_LIST).
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": 4096}]
    data = lzma.compress(_evil_pickle(marker), format=lzma.FORMAT_ALONE, filters=filters)
    assert data[:2] == b"\x5d\x00" and data[2] != 0
    assert lzma.decompress(data) == _evil_pickle(marker)
    refused(data)


def test_old_joblib_zfile_prefix(marker):
    # joblib < 0.10 files ('ZF' + hex length + zlib pickle) are unpickled by joblib.load.
    from joblib.numpy_pickle_compat import write_zfile

    buffer = io.BytesIO()
    write_zfile(buffer, _evil_pickle(marker))
    data = buffer.getvalue()
    assert detect(data) == "unknown"
    refused(data)


def test_escape_encoded_dangerous_global(marker):
    # pickletools decodes the escapes: the scanner sees os.system and refuses.
    refused(f"co\\x73\nsystem\n(S'touch {marker}'\ntR.".encode())


@pytest.mark.parametrize("module", ["\uff4f\uff53", "numpy\u200b", "buil\u0074ins\u00a0"])
def test_confusable_module_names(marker, module):
    refused(b"c" + module.encode() + f"\nsystem\n(S'touch {marker}'\ntR.".encode())


@pytest.mark.parametrize("module, name", [
    ("numpy.", "load"), ("numpy ", "load"), ("builtins", " eval"), ("numpy", "dtype "),
    ("posix\r", "system\r"),
])
def test_spaces_dots_and_carriage_returns_in_global_names(marker, module, name):
    refused(f"c{module}\n{name}\n(S'touch {marker}'\ntR.".encode())


def test_stack_global_operands_escaped_in_a_unicode_opcode(marker):
    # UNICODE ('V') is raw-unicode-escape decoded by both the scanner and the unpickler.
    touch = u(f"touch {marker}") + TUPLE1 + REDUCE + STOP
    refused(b"\x80\x04V\\u0070osix\nVs\\u0079stem\n\x93" + touch)


def test_memo_slot_overwritten_between_memoize_and_get(marker):
    # 'builtins' and 'str' memoized, then slot 0 overwritten with 'posix', slot 1 with
    # 'system': the scanner's memo follows the overwrite.
    data = (b"\x80\x04\x8c\x08builtins\x94\x8c\x03str\x94\x8c\x05posixq\x00"
            b"\x8c\x06systemq\x010h\x00h\x01\x93" + u(f"touch {marker}") + TUPLE1 + REDUCE
            + STOP)
    refused(data)


def test_inst_opcode_with_a_dangerous_class(marker):
    refused(f"(S'touch {marker}'\niposix\nsystem\n.".encode())


def test_obj_on_a_computed_value(marker):
    refused(b"\x80\x02(" + dtype("f8") + u("x") + b"o.")


def test_newobj_ex_on_a_computed_value(marker):
    refused(b"\x80\x04" + dtype("f8") + b")}\x92.")


@pytest.mark.parametrize("target", [g("numpy", "ndarray"), u("a string")])
def test_appends_onto_a_class_or_a_constant(marker, target):
    refused(PROTO2 + target + MARK + i4(1) + APPENDS + STOP)


def test_frame_shorter_than_its_contents(marker):
    body = u("a" * 20) + STOP
    data = b"\x80\x04\x95" + struct.pack("<Q", 3) + body
    refused(data)


def test_proto_in_the_middle_of_the_stream(marker):
    refused(PROTO2 + NONE + POP + b"\x80\x04" + NONE + STOP)


def test_reconstructor_with_a_dangerous_base(marker):
    data = PROTO2 + call(g("copyreg", "_reconstructor"), g("builtins", "object"),
                         g("subprocess", "Popen"), u(f"touch {marker}")) + STOP
    refused(data)


def test_defaultdict_with_a_dangerous_factory(marker):
    refused(PROTO2 + call(g("collections", "defaultdict"), g("os", "getcwd")) + STOP)


def test_main_module_class_through_mp_main(marker):
    refused(PROTO2 + g("__mp_main__", "Model") + EMPTY_TUPLE + NEWOBJ + STOP)


@pytest.mark.parametrize("code", ["S0", "V0", "U0"])
def test_zero_itemsize_dtype_hiding_a_payload(marker, code):
    body = nested(marker)  # the scanner walks it as an object array's pickle
    data = PROTO2 + WRAPPER + wrapper_state(10, dtype(code)) + BUILD + body + STOP
    refused(data)


def test_shape_overflowing_int64(marker):
    # 2**32 * 2**32 wraps to 0 in joblib's int64 product (it then fails to reshape).
    big = b"\x8a\x05" + (2**32).to_bytes(5, "little")  # LONG1
    shape = tup(big, big)
    state = mapping((u("shape"), shape), (u("dtype"), dtype("u1")),
                    (u("order"), u("C")), (u("numpy_array_alignment_bytes"), NONE))
    refused(PROTO2 + WRAPPER + state + BUILD + evil(marker) + POP + STOP)


def test_padding_length_past_the_end(marker):
    data = PROTO2 + WRAPPER + wrapper_state(1, alignment=i4(16)) + BUILD + b"\xff" + STOP
    refused(data)


def test_wrapper_state_with_slot_state(marker):
    # The dict says 0 bytes, the slot state (set afterwards by setattr) says 5: joblib would
    # read the BINBYTES header as the array and run its contents.
    state = MARK + wrapper_state(0) + mapping((u("shape"), tup(i4(5)))) + TUPLE
    refused(PROTO2 + WRAPPER + state + BUILD + raw(evil(marker) + STOP) + POP + STOP)


@pytest.mark.parametrize("dt, shape", [
    (g("numpy", "float64"), tup(i4(1))),
    (dtype("u1"), call(g("builtins", "tuple"), tup(i4(1)))),
], ids=["dtype-is-a-class", "shape-is-a-call"])
def test_wrapper_state_that_cannot_be_read_statically(marker, dt, shape):
    state = mapping((u("shape"), shape), (u("dtype"), dt), (u("order"), u("C")))
    refused(PROTO2 + WRAPPER + state + BUILD + evil(marker) + POP + STOP)


def test_joblib_array_inside_a_frame(marker):
    # The pure-Python unpickler joblib uses has read the whole frame: the array comes from
    # the file *after* it, and the frame's remaining opcodes (the payload) run next.
    body = WRAPPER + wrapper_state(1) + BUILD + evil(marker) + POP
    data = b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body + b"\x00" + STOP
    refused(data)


def test_bit_generator_ctor_with_a_dangerous_name_is_only_a_string(marker):
    # numpy looks the name up in a dict (no import): harmless, but a dangerous global passed
    # as the bit generator *type* is still a global the scanner checks.
    data = PROTO2 + call(g("numpy.random._pickle", "__bit_generator_ctor"),
                         g("subprocess", "Popen")) + STOP
    refused(data)
