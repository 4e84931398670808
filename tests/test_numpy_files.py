""".npy and .npz files written by numpy: ordinary arrays pass, object arrays are scanned as
the pickles they are, and every damaged, oversized or tampered file is refused without an
exception. Malicious payloads would only create a marker file; nothing may run."""

from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
from mlgate.artifacts.container import detect
from mlgate.artifacts.numpy_files import MAX_HEADER, NOT_NPZ, _Budget, scan_npy, scan_npz
from mlgate.artifacts.pickle_scan import (
    MALFORMED,
    UNRESOLVED,
    UNSAFE_GLOBAL,
    Verdict,
)

ALLOW = AllowList(BASE | NUMPY_TYPES | NUMPY_UFUNCS)
MAGIC = b"\x93NUMPY"


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "PWNED"
    yield path
    assert not path.exists(), "a payload ran"


class Reduce:
    """An object whose pickle calls `func(*args)` when loaded."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def saved(tmp_path, array, name="a.npy", **kwargs) -> bytes:
    path = tmp_path / name
    np.save(path, array, **kwargs)
    return path.read_bytes()


def savez(tmp_path, compressed=False, name="a.npz", **arrays) -> bytes:
    path = tmp_path / name
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    return path.read_bytes()


def npy(header: str | bytes, body: bytes = b"", version=(1, 0)) -> bytes:
    """A hand-made .npy file (numpy would not write these)."""
    if isinstance(header, str):
        header = header.encode("latin1")
    width = 2 if version == (1, 0) else 4
    return MAGIC + bytes(version) + len(header).to_bytes(width, "little") + header + body


def zipped(*members: tuple[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def refused(verdict: Verdict, code: str, words: str = "") -> None:
    assert isinstance(verdict, Verdict)
    assert not verdict.safe
    assert any(r.code == code and words in r.message for r in verdict.refusals), \
        verdict.refusals


PLAIN = {
    "float64": np.arange(12.0).reshape(3, 4),
    "int32": np.arange(10, dtype=np.int32),
    "uint8": np.arange(5, dtype=np.uint8),
    "float16": np.ones(3, dtype=np.float16),
    "longdouble": np.ones(3, dtype=np.longdouble),
    "bigendian": np.arange(4, dtype=">f8"),
    "bool": np.array([True, False, True]),
    "str": np.array(["a", "hello", "é"]),
    "bytes": np.array([b"abc", b"d"]),
    "void": np.zeros(2, dtype="V8"),
    "datetime": np.array(["2024-01-01", "2025-06-30"], dtype="datetime64[ns]"),
    "datetime-generic": np.array(["NaT"], dtype="datetime64"),
    "datetime-multiple": np.array([1, 2], dtype="datetime64[10ms]"),
    "timedelta": np.array([1, 2, 3], dtype="timedelta64[s]"),
    "complex": np.array([1 + 2j, 3j], dtype=np.complex128),
    "structured": np.array([(1.5, 2, "ab")], dtype=[("x", "<f8"), ("y", "<i4"), ("z", "U2")]),
    "aligned": np.zeros(3, dtype=np.dtype([("a", "f8"), ("b", "i1")], align=True)),
    "titles-nested-subarray": np.zeros(2, dtype=[(("title", "t"), "<f8"),
                                                 ("s", [("x", "<U2"), ("y", "<i2", (2, 3))])]),
    "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    "scalar": np.array(3.5),
    "empty": np.zeros((0, 4)),
    "empty-str": np.array([], dtype="S0"),
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_arrays_pass(tmp_path, name):
    data = saved(tmp_path, PLAIN[name])
    assert detect(data) == "npy"
    verdict = scan_npy(data, ALLOW)
    assert verdict.safe, verdict.refusals
    assert verdict.globals == [] and verdict.end == len(data)


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_every_format_version(version):
    buffer = io.BytesIO()
    array = np.zeros(3, dtype=[("naïve", "<f8")]) if version == (3, 0) else np.arange(3.0)
    np.lib.format.write_array(buffer, array, version=version)
    assert scan_npy(buffer.getvalue(), ALLOW).safe


def test_python2_long_suffix_in_shape():
    data = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 1L), }\n", bytes(16))
    assert scan_npy(data, ALLOW).safe


@pytest.mark.parametrize("compressed", [False, True])
def test_plain_npz_passes(tmp_path, compressed):
    data = savez(tmp_path, compressed, **{k: v for k, v in PLAIN.items() if "-" not in k},
                 big=np.arange(100_000.0))  # a member beyond the first read
    assert detect(data) == "zip"
    verdict = scan_npz(data, ALLOW)
    assert verdict.safe, verdict.refusals


def test_empty_npz_is_an_npz(tmp_path):
    assert scan_npz(savez(tmp_path), ALLOW).safe


OBJECTS = {
    "mixed": np.array(["a", 1, [1, 2], {"k": (1.5, None)}], dtype=object),
    "strings": np.array(["x", "yz"], dtype=object),
    "2d": np.array([[1, "a"], [2, "b"]], dtype=object),
    "structured": np.array([(1, "x")], dtype=[("a", "O"), ("b", "U1")]),
    "big": np.array([str(i) for i in range(30_000)], dtype=object),  # > one read in an npz
}


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_object_arrays_of_allowed_things_pass(tmp_path, name):
    data = saved(tmp_path, OBJECTS[name], allow_pickle=True)
    verdict = scan_npy(data, ALLOW)
    assert verdict.safe, verdict.refusals
    assert verdict.pickles == 1 and ("numpy", "ndarray") in verdict.globals
    npz = scan_npz(savez(tmp_path, True, x=OBJECTS[name]), ALLOW)
    assert npz.safe, npz.refusals
    assert ("numpy", "ndarray") in npz.globals


def test_an_object_header_with_a_pickled_list_is_scanned_like_any_pickle():
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n"
    assert scan_npy(npy(header, pickle.dumps([1, "a"], protocol=3)), ALLOW).safe
    refused(scan_npy(npy(header, pickle.dumps([1, Reduce(eval, "1")])), ALLOW), UNSAFE_GLOBAL)


def payloads(marker):
    return [Reduce(os.system, f"touch {marker}"), Reduce(exec, f"open({str(marker)!r}, 'w')")]


@pytest.mark.parametrize("which", [0, 1])
def test_malicious_object_arrays_are_refused(tmp_path, marker, which):
    evil = payloads(marker)[which]
    array = np.array(["ok", evil], dtype=object)
    refused(scan_npy(saved(tmp_path, array, allow_pickle=True), ALLOW), UNSAFE_GLOBAL,
            "is not on the allow-list")
    for compressed in (False, True):
        verdict = scan_npz(savez(tmp_path, compressed, fine=np.arange(3), x=array), ALLOW)
        refused(verdict, UNSAFE_GLOBAL, "x.npy: ")


@pytest.mark.parametrize("descr", ["'O8'", "'|O4'", "[('a', '<f8'), ('b', '|O')]",
                                   "[('s', [('inner', 'O')])]", "[('a', 'O', (2,))]"])
def test_every_spelling_of_an_object_dtype_is_scanned(marker, descr):
    header = f"{{'descr': {descr}, 'fortran_order': False, 'shape': (1,), }}\n"
    body = pickle.dumps(Reduce(os.system, f"touch {marker}"), protocol=3)
    refused(scan_npy(npy(header, body), ALLOW), UNSAFE_GLOBAL, "system")


@pytest.mark.parametrize("descr", ["'object'", "'i4,O'", "'(2,)O'", "'float64'", "'<f7'",
                                   "'<i16'", "'b'", "'M8[ns/3]'", "('<f8', (2,))",
                                   "['aO']", "{'aO': 1}", "[('a', '<f8', True)]",
                                   "[(1, '<f8')]", "7"])
def test_dtypes_of_unknown_size_are_refused_fail_closed(marker, descr):
    header = f"{{'descr': {descr}, 'fortran_order': False, 'shape': (1,), }}\n"
    body = pickle.dumps(Reduce(os.system, f"touch {marker}"), protocol=3)
    verdict = scan_npy(npy(header, body), ALLOW)
    refused(verdict, UNRESOLVED, "size")
    assert not verdict.safe


GOOD = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n"


@pytest.mark.parametrize(("data", "words"), [
    (npy(GOOD, bytes(15)), "truncated"),
    (npy(GOOD, bytes(17)), "1 bytes after the end"),
    (npy(GOOD, bytes(16))[:20], "truncated"),
    (npy(GOOD)[:9], "truncated"),
    (MAGIC, "truncated"),
    (b"\x93NUMPz\x01\x00", "no \\x93NUMPY magic"),
    (b"", "no \\x93NUMPY magic"),
    (npy(GOOD, bytes(16), version=(9, 9)), "version 9.9"),
    (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), \x00 garbage", bytes(16)),
     "not a Python literal"),
    (npy("\xff\xfe not python at all", bytes(16)), "not a Python literal"),
    (npy("__import__('os').system('x')", bytes(16)), "not a Python literal"),
    (npy("[('descr', '<f8')]", bytes(16)), "not a dict"),
    (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", bytes(16)),
     "keys are"),
    (npy("{'descr': '<f8', 'shape': (2,)}", bytes(16)), "keys are"),
    (npy("{'descr': '<f8', 'fortran_order': 0, 'shape': (2,)}", bytes(16)), "fortran_order"),
    (npy("{'descr': '<f8', 'fortran_order': False, 'shape': [2]}", bytes(16)), "shape"),
    (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,)}", bytes(16)), "shape"),
    (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (True, 2)}", bytes(16)), "shape"),
    (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2.0,)}", bytes(16)), "shape"),
    (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (10**12,)}", bytes(16)),
     "not a Python literal"),  # literal_eval does not compute
    (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,)}", bytes(16)),
     "truncated"),
    (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (" + "99999," * 1500 + ")}",
         bytes(16), version=(2, 0)), "truncated"),
    (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }" + " " * MAX_HEADER,
         bytes(16), version=(2, 0)), "max_header_size"),
    (npy(b"\xff", bytes(16), version=(3, 0)), "not utf8"),
    (npy("(" * 300 + ")" * 300, bytes(16)), "not a Python literal"),
    (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", bytes(16))[:8]
     + b"\x00\x10" + bytes(40), "truncated"),
    (npy(GOOD, bytes(16))[:8] + b"\xff\xff" + bytes(40), "max_header_size"),
])
def test_damaged_npy_files_are_refused(data, words):
    refused(scan_npy(data, ALLOW), MALFORMED, words)


def test_object_arrays_with_a_damaged_or_extended_pickle_are_refused(tmp_path):
    data = saved(tmp_path, OBJECTS["mixed"], allow_pickle=True)
    refused(scan_npy(data[:-1], ALLOW), MALFORMED)
    refused(scan_npy(data + b"\x80\x04N.", ALLOW), MALFORMED, "data after the end")
    header_only = data[:data.index(b"\n") + 1]
    refused(scan_npy(header_only, ALLOW), MALFORMED)


def test_offsets_are_shifted_by_offset_base():
    plain = scan_npy(npy(GOOD, bytes(17)), ALLOW)
    shifted = scan_npy(npy(GOOD, bytes(17)), ALLOW, offset_base=1000)
    assert shifted.refusals[0].offset == plain.refusals[0].offset + 1000


def test_npz_bombs_are_refused_before_decompressing(tmp_path):
    bomb = savez(tmp_path, True, zeros=np.zeros(1_000_000))  # 8 MB in a few kB
    assert len(bomb) < 100_000
    refused(scan_npz(bomb, ALLOW, max_total=1_000_000), MALFORMED, "over the cap")
    refused(scan_npz(bomb, ALLOW, max_ratio=100), MALFORMED, "over the cap")
    # all zeros deflate ~1000:1, at the default ratio cap; a caller may raise it
    assert scan_npz(bomb, ALLOW, max_ratio=10_000).safe


def _patch_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """Declare `size` bytes uncompressed for `name`, in the local and central headers."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46:at + 46 + length] == name:
            struct.pack_into("<I", out, at + 24, size)
            local = struct.unpack_from("<I", out, at + 42)[0]
            struct.pack_into("<I", out, local + 22, size)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def test_npz_sizes_are_enforced_while_reading(tmp_path):
    bomb = savez(tmp_path, True, zeros=np.zeros(1_000_000))
    lying = _patch_sizes(bomb, b"zeros.npy", 1000)  # declares 1 kB, holds 8 MB
    refused(scan_npz(lying, ALLOW, max_total=100_000), MALFORMED)
    budget = _Budget(10)
    with pytest.raises(Exception, match="expands beyond"):
        while budget.read(io.BytesIO(bytes(100)), 4):
            pass


def test_npz_members_that_are_not_arrays_are_refused(tmp_path, marker):
    evil = pickle.dumps(Reduce(os.system, f"touch {marker}"))
    array = saved(tmp_path, np.arange(3.0))
    verdict = scan_npz(zipped(("a.npy", array), ("model.pkl", evil)), ALLOW)
    refused(verdict, MALFORMED, "model.pkl: not an .npy member")
    assert len(verdict.refusals) == 1
    evil_npy = saved(tmp_path, np.array([Reduce(eval, "1")], dtype=object), allow_pickle=True)
    verdict = scan_npz(zipped(("a.npy", evil_npy), ("b.txt", b"")), ALLOW)
    refused(verdict, MALFORMED, "b.txt: not")
    refused(verdict, UNSAFE_GLOBAL, "a.npy: builtins.eval")  # the .npy members still scanned
    refused(scan_npz(zipped(("a.npy", array), ("sub/", b"")), ALLOW), MALFORMED, "sub/")
    refused(scan_npz(zipped(("a.npy", array), ("b", array)), ALLOW), MALFORMED, "b: not")


def test_npz_duplicate_and_encrypted_members_are_refused(tmp_path):
    array = saved(tmp_path, np.arange(3.0))
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = zipped(("a.npy", array), ("a.npy", array))
    refused(scan_npz(twice, ALLOW), MALFORMED, "a second member")
    data = bytearray(zipped(("a.npy", array)))
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature)
        data[at + flags] |= 0x1
    refused(scan_npz(bytes(data), ALLOW), MALFORMED, "encrypted")


def test_npz_members_are_scanned_with_their_name(tmp_path):
    data = zipped(("ok.npy", saved(tmp_path, np.arange(3.0))), ("bad.npy", npy(GOOD, bytes(3))),
                  compression=zipfile.ZIP_DEFLATED)
    verdict = scan_npz(data, ALLOW)
    refused(verdict, MALFORMED, "bad.npy: truncated")
    assert len(verdict.refusals) == 1
    big = saved(tmp_path, np.arange(100_000.0))
    refused(scan_npz(zipped(("big.npy", big + b"!")), ALLOW), MALFORMED, "big.npy: 1 bytes")
    refused(scan_npz(zipped(("big.npy", big[:-1])), ALLOW), MALFORMED, "big.npy: truncated")
    huge = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (10000000000,), }\n",
               bytes(70_000))
    refused(scan_npz(zipped(("huge.npy", huge)), ALLOW), MALFORMED, "huge.npy: truncated")


def test_a_zip_that_is_not_an_npz_is_reported_as_such(tmp_path):
    skops = zipped(("schema.json", b"{}"), ("123.npy", saved(tmp_path, np.arange(3))))
    torch = zipped(("archive/data.pkl", pickle.dumps(1)), ("archive/version", b"3"))
    for data in (skops, torch):
        verdict = scan_npz(data, ALLOW)
        assert [r.code for r in verdict.refusals] == [NOT_NPZ]
        assert verdict.refusals[0].message.startswith("a zip archive, not an .npz")


@pytest.mark.parametrize("data", [b"PK\x03\x04", b"PK\x03\x04" + bytes(100), b"", b"npz"])
def test_corrupt_zips_are_refused(data):
    refused(scan_npz(data, ALLOW), MALFORMED, "corrupt zip")


def test_corrupt_zip_member_is_refused(tmp_path):
    data = bytearray(savez(tmp_path, True, x=np.arange(1000.0)))
    at = data.index(b"x.npy") + 80
    data[at:at + 20] = bytes(20)  # deflate data damaged: a CRC or inflate error
    refused(scan_npz(bytes(data), ALLOW), MALFORMED)


# Property-based: mutated real files never raise; an .npy passed as plain loads in numpy.

mutations = st.tuples(
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4),
    st.one_of(st.none(), st.integers(min_value=0)),
)


def _mutate(data: bytes, mutation) -> bytes:
    flips, cut = mutation
    out = bytearray(data)
    for position, value in flips:
        out[position % len(out)] = value
    return bytes(out if cut is None else out[: cut % (len(out) + 1)])


SAMPLES = {
    "plain": np.save,
    "object": lambda f, a: np.save(f, np.array(["a", 1, [2]], dtype=object)),
    "structured": lambda f, a: np.save(f, PLAIN["titles-nested-subarray"]),
    "npz": lambda f, a: np.savez(f, a=a, b=np.array(["s"])),
    "npz-compressed": lambda f, a: np.savez_compressed(f, a=a, o=np.array([1], dtype=object)),
}


def _sample(kind: str) -> bytes:
    buffer = io.BytesIO()
    SAMPLES[kind](buffer, np.arange(6.0).reshape(2, 3))
    return buffer.getvalue()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(SAMPLES)), mutation=mutations)
def test_mutated_files_never_raise(kind, mutation):
    data = _mutate(_sample(kind), mutation)
    verdict = scan_npz(data, ALLOW, max_total=10**6) if kind.startswith("npz") else scan_npy(
        data, ALLOW)
    assert isinstance(verdict, Verdict)
    assert all(r.code in ("MLG301", "MLG302", NOT_NPZ, "MLG305") for r in verdict.refusals)
    if kind == "plain" and verdict.safe:
        np.load(io.BytesIO(data), allow_pickle=False)  # what passed is an array numpy reads


def test_works_where_numpy_is_not_installed(tmp_path):
    """The hook's environment may lack numpy: the module must not need it."""
    import subprocess
    import sys

    path = tmp_path / "a.npy"
    path.write_bytes(saved(tmp_path, np.arange(3.0)))
    code = ("import sys; sys.modules['numpy'] = None\n"
            "from mlgate.artifacts.numpy_files import scan_npy\n"
            f"data = open({str(path)!r}, 'rb').read()\n"
            "assert scan_npy(data, lambda m, n: False).safe\n"
            "assert 'numpy' not in [m.split('.')[0] for m in sys.modules if sys.modules[m]]\n")
    subprocess.run([sys.executable, "-c", code], check=True)
