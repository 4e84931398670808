"""The static scan holds large bytes constants where they lie, not as copies.

A model's arrays are bytes constants in a plain pickle (BINBYTES8 at protocol 4, BYTEARRAY8 at
protocol 5): pickletools copies each, so a 400 MB pickle cost 800 MB to scan (1.2 GB at
protocol 5). mlgate reads those opcodes itself; these tests keep that reader equal to
pickletools' and measure, with tracemalloc (Python's allocations, not the machine), that the
scan does not copy the constants.
"""

from __future__ import annotations

import io
import pickle
import pickletools
import tracemalloc

import numpy as np
import pytest

from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
from mlgate.artifacts.pickle_scan import BLOB_MIN, _ops, scan_pickle
from mlgate.artifacts.stream_model import Blob, TextBlob

ALLOW = AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES)
SIZES = (0, 1, BLOB_MIN - 1, BLOB_MIN, BLOB_MIN + 1, 3 * BLOB_MIN)


def _pickles():
    for size in SIZES:
        raw = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        for protocol in range(6):
            yield f"bytes-{size}-p{protocol}", pickle.dumps({"w": raw, "n": size}, protocol)
            yield f"bytearray-{size}-p{protocol}", pickle.dumps([bytearray(raw)], protocol)
        yield f"ndarray-{size}-p5", pickle.dumps(np.zeros(size // 8 + 1), protocol=5)
        for label, char in (("ascii", "a"), ("latin1", "\xe9"), ("astral", "\U0001f600"),
                            ("surrogate", "\udc80")):
            text = char * (size // len(char.encode("utf-8", "surrogatepass")) + 1)
            for protocol in range(6):
                yield f"str-{label}-{size}-p{protocol}", pickle.dumps([text], protocol)
        yield f"ndarray-{size}-p4", pickle.dumps(np.zeros(size // 8 + 1), protocol=4)


@pytest.mark.parametrize(("name", "data"), list(_pickles()), ids=lambda v: v if isinstance(
    v, str) else "")
def test_reader_agrees_with_pickletools(name, data):
    ours = list(_ops(io.BytesIO(data), data))
    theirs = list(pickletools.genops(io.BytesIO(data)))
    assert [(op.name, pos) for op, _, pos in ours] == [(op.name, pos) for op, _, pos in theirs]
    for (_, arg, _), (_, expected, _) in zip(ours, theirs):
        if isinstance(arg, Blob):
            assert len(expected) >= BLOB_MIN
            assert bytes(arg) == bytes(expected)
            assert arg.kind == type(expected).__name__
        elif isinstance(arg, TextBlob):
            assert isinstance(expected, str)
            assert len(expected.encode("utf-8", "surrogatepass")) == len(arg) >= BLOB_MIN
            assert arg.data[arg.start:arg.start + arg.size].decode(
                "utf-8", "surrogatepass") == expected
        else:
            assert arg == expected and type(arg) is type(expected)


@pytest.mark.parametrize("data", [
    b"\x80\x04B\xff\xff\xff\x7f",  # BINBYTES longer than the data
    b"\x80\x04\x8e" + (10**6).to_bytes(8, "little") + b"ab",
    b"\x80\x05\x96\x01",  # a length cut short
    b"\x80\x04\xff",  # no such opcode
    b"\x80\x04",  # no STOP
    b"\x80\x04X" + (BLOB_MIN + 3).to_bytes(4, "little") + b"a" * BLOB_MIN + b"\xff\xfe\xfd.",
    b"\x80\x04\x8d" + (BLOB_MIN + 1).to_bytes(8, "little") + b"a" * BLOB_MIN + b"\xe2.",
], ids=["binbytes-past-end", "binbytes8-past-end", "short-length", "unknown", "no-stop",
        "binunicode-not-utf8", "binunicode8-cut-character"])
def test_reader_fails_as_pickletools_does(data):
    with pytest.raises(ValueError) as theirs:
        list(pickletools.genops(io.BytesIO(data)))
    with pytest.raises(ValueError) as ours:
        list(_ops(io.BytesIO(data), data))
    if isinstance(theirs.value, UnicodeDecodeError):  # ours says where, in the whole text
        assert "not UTF-8" in str(ours.value)
        assert theirs.value.reason in str(ours.value)
    else:
        assert str(ours.value).split(":")[0] == str(theirs.value).split(":")[0]


def _scanned_with_peak(data: bytes):
    """The scan's verdict, and the most Python memory it held at once (tracemalloc)."""
    tracemalloc.start()
    try:
        verdict = scan_pickle(data, ALLOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return verdict, peak


@pytest.mark.parametrize("protocol", [4, 5])
def test_scan_does_not_copy_an_array(protocol):
    weights = np.arange(2_000_000, dtype=np.float64)  # 16 MB
    data = pickle.dumps({"weights": weights, "name": "model"}, protocol=protocol)
    verdict, peak = _scanned_with_peak(data)
    assert verdict.safe, verdict.refusals
    assert verdict.end == len(data)
    assert peak < len(data) // 4, f"the scan allocated {peak} bytes for a {len(data)}-byte pickle"


@pytest.mark.parametrize("protocol", [3, 4, 5])
def test_scan_does_not_decode_a_large_string(protocol):
    # One astral character makes a decoded str four bytes per character: a 3 MB zlib
    # file of such a string once held 7 GiB in the scan.
    text = "a" * 8_000_000 + "\U0001f600"
    data = pickle.dumps({"doc": text, "name": "model"}, protocol=protocol)
    verdict, peak = _scanned_with_peak(data)
    assert verdict.safe, verdict.refusals
    assert peak < len(data) // 4, f"the scan allocated {peak} bytes for a {len(data)}-byte pickle"


def test_protocol_2_array_bytes_in_a_large_string_pass():
    # Protocols 0-2 write an array's bytes as _codecs.encode(text, 'latin1'): a large text.
    data = pickle.dumps({"w": np.arange(100_000, dtype=np.float64)}, protocol=2)
    assert any(isinstance(arg, TextBlob) for _, arg, _ in _ops(io.BytesIO(data), data))
    assert scan_pickle(data, ALLOW).safe


def test_large_string_is_no_global_name():
    name = "os" + " " * BLOB_MIN
    data = (b"\x80\x04X" + len(name).to_bytes(4, "little") + name.encode()
            + b"\x8c\x06system\x93)R.")
    verdict = scan_pickle(data, AllowList(BASE | {("os", "system")}))
    assert not verdict.safe
    assert "not constant strings" in verdict.refusals[0].message


@pytest.mark.parametrize(("data", "opcode"), [
    (b"I" + b"1" * 5000 + b"\n.", "INT"),
    (b"L" + b"1" * 5000 + b"L\n.", "LONG"),
    (b"S'" + b"a" * (1 << 24) + b"'\n.", "STRING"),
    (b"V" + b"a" * ((1 << 24) + 1) + b"\n.", "UNICODE"),
    (b"cos\n" + b"a" * 5000 + b"\n.", "GLOBAL"),
    (b"Np" + b"1" * 30 + b"\n.", "PUT"),
])
def test_text_argument_past_any_writer_is_refused_before_it_is_read(data, opcode):
    verdict = scan_pickle(data, ALLOW)
    assert not verdict.safe
    assert f"{opcode} with a text argument longer than" in verdict.refusals[0].message


def test_a_compressed_string_is_held_once():
    # The decompressed stream is the scan's one copy: pieces joined at the end held it
    # twice, and the string decoded whole held it four times more.
    import random
    import zlib

    from mlgate.artifacts.formats import static

    words, rng = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"], \
        random.Random(0)
    text = " ".join(rng.choice(words) for _ in range(1_000_000))  # 5 MB, 8 times smaller zipped
    raw = pickle.dumps({"doc": text + "\U0001f600"}, protocol=4)
    data = zlib.compress(raw)
    tracemalloc.start()
    try:
        found, facts = static("m.joblib", data, ALLOW, False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == [] and facts["kind"] == "zlib"
    # (7 times the stream before: the joined pieces, and the text decoded four bytes a
    # character; now the stream, while it is handed over from the decompressor's buffer)
    assert peak < 3 * len(raw), f"{peak} bytes to scan a {len(raw)}-byte stream"
