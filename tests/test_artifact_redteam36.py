"""Round 36 of red-teaming the static layer: numbers whose use costs more than their bytes.

- A number fetched from the memo again and again: one 200 KB int, memoized once, in 40
  `range(0, big, step)` calls (each divides it: quadratic in its size) loaded for 35 s of CPU
  from 300 KB, and 10 Fractions (a gcd each) for 22 s. No pickler memoizes a number (nor
  None, True, False): such a PUT or MEMOIZE is refused.
- Without the memo, one call still paid size² for size bytes: a Fraction of two 1 MB ints
  costs about a minute. The value types take their arguments as CPython keeps them: a
  range's bounds and a deque's maxlen within 64 bits, a Fraction's parts within Python's
  own 4300 digits, a timedelta's fields normalized.
"""

from __future__ import annotations

import collections
import datetime
import fractions
import pickle
import struct
import subprocess

import pytest

from helpers import artifact_json, g


def _scan(git_project, capsys, data: bytes):
    (git_project / "bundle.pkl").write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    return artifact_json(capsys, "--no-load", "bundle.pkl")


def _long(number: int) -> bytes:
    raw = number.to_bytes((number.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8b" + struct.pack("<I", len(raw)) + raw  # LONG4


def _call(target: bytes, *args: bytes) -> bytes:
    return target + b"(" + b"".join(args) + b"tR"  # MARK args TUPLE REDUCE


@pytest.mark.parametrize("number, memoize", [
    (_long(7 ** 5000), b"\x94"),  # LONG4, MEMOIZE
    (b"K\x05", b"q\x00"),  # BININT1, BINPUT 0
    (b"G" + struct.pack(">d", 0.5), b"\x94"),  # BINFLOAT
    (b"N", b"\x94"), (b"\x88", b"\x94"),  # None, True
])
def test_a_memoized_number_is_refused(git_project, capsys, number, memoize):
    data = b"\x80\x04]" + number + memoize + b"a."  # [number], memoized on the way
    code, found = _scan(git_project, capsys, data)
    assert code == 1 and "no pickler memoizes numbers" in found[0]["message"], found


def test_a_shared_big_int_in_many_ranges_is_refused(git_project, capsys):
    # the reported form: one big int, memoized, fetched by every range() call
    calls = b"".join(_call(g("builtins", "range"), b"K\x00", b"h\x00", b"K\x03") + b"a"
                     for _ in range(40))
    data = b"\x80\x04]" + _long(7 ** 100_000) + b"q\x000" + calls + b"."  # PUT 0, POP
    code, found = _scan(git_project, capsys, data)
    assert code == 1 and found[0]["code"] == "MLG302", found


def test_value_types_take_numbers_of_the_size_cpython_keeps(git_project, capsys):
    code, found = _scan(git_project, capsys, pickle.dumps([range(0, 10 ** 30, 7)], protocol=4))
    assert code == 1 and found[0]["code"] == "MLG302", found
    # a Fraction's text past 4300 digits a part (written by hand: str() of such a Fraction
    # raises on interpreters with the digit limit, 3.9.14+ and 3.11+)
    text = "7" * 5000 + "/3"
    fraction = _call(g("fractions", "Fraction"),
                     b"X" + struct.pack("<I", len(text)) + text.encode())
    code, found = _scan(git_project, capsys, b"\x80\x04" + fraction + b".")
    assert code == 1 and found[0]["code"] == "MLG302", found


def test_a_fraction_of_numbers_and_an_unnormalized_timedelta_are_refused(git_project, capsys):
    # Python 3.12 writes Fraction(numerator, denominator): each part within 4300 digits
    fraction = _call(g("fractions", "Fraction"), _long(7 ** 6000), b"K\x03")
    code, found = _scan(git_project, capsys, b"\x80\x04" + fraction + b".")
    assert code == 1 and "at most 4300 digits" in found[0]["message"], found
    delta = _call(g("datetime", "timedelta"), b"K\x00", _long(10 ** 9), b"K\x00")
    code, found = _scan(git_project, capsys, b"\x80\x04" + delta + b".")
    assert code == 1 and "as it keeps them" in found[0]["message"], found
    deque = _call(g("collections", "deque"), b")", _long(2 ** 70))  # ((), maxlen)
    code, found = _scan(git_project, capsys, b"\x80\x04" + deque + b".")
    assert code == 1 and found[0]["code"] == "MLG302", found


def test_the_values_real_bundles_hold_still_pass(git_project, capsys):
    bundle = {"grid": range(0, 100, 5), "neg": range(-(2 ** 62), 2 ** 62, 3),
              "window": collections.deque([1, 2], maxlen=50),
              "ratio": fractions.Fraction(10 ** 4000 + 1, 3 ** 500),
              "small": fractions.Fraction(1, 3),
              "lag": datetime.timedelta(days=-3, seconds=5, microseconds=7),
              "far": datetime.timedelta(days=999_999_999, seconds=86_399),
              "n": 2 ** 70, "counts": [5, 5, 5], "flags": [True, None, True]}
    for protocol in (0, 2, 4, 5):
        code, found = _scan(git_project, capsys, pickle.dumps(bundle, protocol=protocol))
        assert (code, found) == (0, []), (protocol, found)


def _shared(constant: bytes, uses: bytes, count: int) -> bytes:
    """PROTO 4, `constant` memoized (0), then a list of `count` copies of `uses` (which may
    fetch memo entries 0, 1, ...)."""
    return b"\x80\x04" + constant + b"\x940](" + uses * count + b"e."


def test_a_value_shared_through_the_memo_is_paid_for_at_every_use(git_project, capsys):
    # Static review round 36: what a call or BUILD consumes was charged once, however often
    # the stream fetched it: 3,500 bytearray() calls on one shared 1 MB bytes allocate
    # 3.5 GB from 1 MB; 8,000 paths on one shared 60 KB part, 480 MB from 100 KB.
    big = b"B" + struct.pack("<I", 1 << 20) + b"\x07" * (1 << 20)  # BINBYTES, 1 MB
    calls = g("builtins", "bytearray") + b"h\x00\x85R"  # bytearray(memo[0])
    code, found = _scan(git_project, capsys, _shared(big, calls, 40))
    assert code == 1 and "would copy more than" in found[0]["message"], found
    text = b"X" + struct.pack("<I", 60_000) + b"a" * 60_000  # BINUNICODE
    paths = g("pathlib", "PurePosixPath") + b"h\x00\x85R"
    code, found = _scan(git_project, capsys, _shared(text, paths, 400))
    assert code == 1 and "would copy more than" in found[0]["message"], found
    # one state dict, the state of many objects: each copies its items
    state = b"}" + b"X\x04\x00\x00\x00note" + text + b"s"  # {'note': 60 KB text}
    objects = g("sklearn.preprocessing", "StandardScaler") + b")\x81h\x00b"
    code, found = _scan(git_project, capsys, _shared(state, objects, 400))
    assert code == 1 and "would copy more than" in found[0]["message"], found


def test_bytes_made_by_a_call_count_at_every_use_too(git_project, capsys):
    # Red team of round 36: bytes written the protocol 0-4 way, as a call
    # (`_codecs.encode(text, 'latin1')`, `bytearray(...)`, as XGBoost's handle is), were
    # charged nothing when shared: 3,500 bytearray() calls on one, 1.1 MB to 3.5 GB.
    text = b"X" + struct.pack("<I", 1 << 20) + b"a" * (1 << 20)
    made = g("_codecs", "encode") + b"(" + text + b"X\x06\x00\x00\x00latin1tR"
    calls = g("builtins", "bytearray") + b"h\x00\x85R"
    code, found = _scan(git_project, capsys, _shared(made, calls, 40))
    assert code == 1 and "would copy more than" in found[0]["message"], found
    # a bytearray made once, the state of many objects (XGBoost boosters sharing a handle)
    made = g("builtins", "bytearray") + b"(" + text.replace(b"X", b"B", 1) + b"tR"
    objects = (g("sklearn.preprocessing", "StandardScaler") + b")\x81}X\x06\x00\x00\x00handle"
               + b"h\x00sb")
    code, found = _scan(git_project, capsys, _shared(made, objects, 40))
    assert code == 1 and "would copy more than" in found[0]["message"], found


def test_values_used_once_each_pass_whatever_their_size(git_project, capsys):
    # the same calls, each on its own value: what the file holds, the load copies once
    big = b"B" + struct.pack("<I", 1 << 20) + b"\x07" * (1 << 20)
    calls = g("builtins", "bytearray") + b"(" + big + b"tR"
    code, found = _scan(git_project, capsys, b"\x80\x04](" + calls * 40 + b"e.")
    assert (code, found) == (0, []), found
    few = g("builtins", "bytearray") + b"h\x00\x85R"  # and a small shared one, many times
    code, found = _scan(git_project, capsys, _shared(b"C\x03abc", few, 5000))
    assert (code, found) == (0, []), found


def test_a_string_shared_by_every_row_of_an_object_column_passes(git_project, capsys):
    # Review of round 36: CPython's pickler writes one string object once and fetches it for
    # every row holding it (a column read with read_csv): the items of an object array's
    # state are held by reference, not copied, and a 600,000-row column was refused.
    import numpy as np

    label = "a category label of forty-six characters, say."
    column = np.empty(600_000, dtype=object)
    column[:] = [label] * len(column)
    code, found = _scan(git_project, capsys, pickle.dumps({"reference": column}, protocol=4))
    assert (code, found) == (0, []), found
