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
from mlgate.artifacts.stream_model import Blob

ALLOW = AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES)
SIZES = (0, 1, BLOB_MIN - 1, BLOB_MIN, BLOB_MIN + 1, 3 * BLOB_MIN)


def _pickles():
    for size in SIZES:
        raw = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        for protocol in range(6):
            yield f"bytes-{size}-p{protocol}", pickle.dumps({"w": raw, "n": size}, protocol)
            yield f"bytearray-{size}-p{protocol}", pickle.dumps([bytearray(raw)], protocol)
        yield f"ndarray-{size}-p5", pickle.dumps(np.zeros(size // 8 + 1), protocol=5)
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
        else:
            assert arg == expected and type(arg) is type(expected)


@pytest.mark.parametrize("data", [
    b"\x80\x04B\xff\xff\xff\x7f",  # BINBYTES longer than the data
    b"\x80\x04\x8e" + (10**6).to_bytes(8, "little") + b"ab",
    b"\x80\x05\x96\x01",  # a length cut short
    b"\x80\x04\xff",  # no such opcode
    b"\x80\x04",  # no STOP
], ids=["binbytes-past-end", "binbytes8-past-end", "short-length", "unknown", "no-stop"])
def test_reader_fails_as_pickletools_does(data):
    with pytest.raises(ValueError) as theirs:
        list(pickletools.genops(io.BytesIO(data)))
    with pytest.raises(ValueError) as ours:
        list(_ops(io.BytesIO(data), data))
    assert str(ours.value).split(":")[0] == str(theirs.value).split(":")[0]


@pytest.mark.parametrize("protocol", [4, 5])
def test_scan_does_not_copy_an_array(protocol):
    weights = np.arange(2_000_000, dtype=np.float64)  # 16 MB
    data = pickle.dumps({"weights": weights, "name": "model"}, protocol=protocol)
    tracemalloc.start()
    try:
        verdict = scan_pickle(data, ALLOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert verdict.safe, verdict.refusals
    assert verdict.end == len(data)
    assert peak < len(data) // 4, f"the scan allocated {peak} bytes for a {len(data)}-byte pickle"
