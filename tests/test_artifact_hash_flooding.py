"""Hash flooding: keys crafted to share one hash make the load quadratic (review round 34, F2).

36,000 integers `k * (2**61 - 1)` as dict keys (720 KB) kept the unpickler busy for 20 s,
bounded only by the load's timeout. The scan computes the hash the load will compute for
every key it can, and refuses a container with more than a few keys of one hash; keys whose
hash it cannot tell are limited in number. Ordinary keys (text, small numbers, dates, numpy
integers, tuples of them) keep passing.
"""

from __future__ import annotations

import datetime
import decimal
import fractions
import pickle
import subprocess
import sys
import uuid

import pytest

from helpers import artifact_json

P = sys.hash_info.modulus
# Nine distinct numbers with one hash: too many for one container, cheap to build here.
_COLLIDING = [k * P for k in range(1, 10)]


def _with_ordinary(colliding: list) -> list:
    """The colliding keys spread among 3000 ordinary ones, so that the pickler writes them
    in several SETITEMS / ADDITEMS batches (1000 items each): counted per container."""
    keys: list = list(range(3000))
    for at, key in enumerate(colliding):
        keys.insert(at * 300, key)
    return keys


@pytest.mark.parametrize("build", [
    lambda keys: dict.fromkeys(keys),
    lambda keys: set(keys),
    lambda keys: frozenset(keys),
    lambda keys: {(1, "a", k): None for k in keys},
    lambda keys: {decimal.Decimal(k): 0 for k in keys},
    lambda keys: {fractions.Fraction(k): 0 for k in keys},
    lambda keys: {uuid.UUID(int=k): 0 for k in keys},
    lambda keys: {"model": None, "lookup": {k: k for k in keys}},
], ids=["dict", "set", "frozenset", "tuple keys", "Decimal", "Fraction", "UUID", "nested"])
@pytest.mark.parametrize("protocol", [2, 4])
def test_keys_that_share_one_hash_are_refused_before_any_load(git_project, capsys, build,
                                                             protocol):
    (git_project / "model.pkl").write_bytes(
        pickle.dumps(build(_with_ordinary(_COLLIDING)), protocol=protocol))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert "same hash" in found[0]["message"], found


def test_keys_whose_hash_cannot_be_told_are_limited_in_number(git_project, capsys):
    """A frozenset's hash is not computed: 5000 of them as keys could all collide."""
    keys = {frozenset({k, -k - 1}): 0 for k in range(5000)}
    (git_project / "model.pkl").write_bytes(pickle.dumps(keys, protocol=4))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert "cannot tell" in found[0]["message"], found


def test_ordinary_keys_keep_passing(git_project, capsys):
    np = pytest.importorskip("numpy")
    day = datetime.date(2020, 1, 1)
    bundle = {
        "ids": set(range(-5_000, 5_000)),
        "floats": {k / 7: k for k in range(3_000)},
        "words": {f"w{k}": k for k in range(3_000)},
        "pairs": {(f"store{k % 50}", k): k for k in range(3_000)},
        "days": {day + datetime.timedelta(days=k): k for k in range(5_000)},
        "numpy": {key: 1 for key in np.arange(-3_000, 3_000, dtype=np.int64)},
        "numpy floats": {key: 1 for key in np.linspace(-1, 1, 2_000)},
        "prices": {decimal.Decimal(k) / 100: k for k in range(2_000)},
        "ratios": {fractions.Fraction(k, 7): k for k in range(2_000)},
        "users": {uuid.UUID(int=k << 64 | k): k for k in range(5_000)},
        "signs": {-1: "a", -2: "b"},  # both hash to -2 in Python: two is no flood
        "missing": {float("nan"), 1.0},
    }
    (git_project / "bundle.pkl").write_bytes(pickle.dumps(bundle, protocol=4))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "bundle.pkl")
    assert code == 0, found


@pytest.mark.parametrize("build", [
    lambda keys: {"lookup": dict.fromkeys(keys, 0)},
    lambda keys: {"seen": set(keys)},
    lambda keys: {"seen": frozenset(keys)},
], ids=["dict", "set", "frozenset"])
def test_skops_trees_are_held_to_the_same_rule(git_project, capsys, build):
    sio = pytest.importorskip("skops.io")
    sio.dump(build(_with_ordinary(_COLLIDING)), str(git_project / "model.skops"))
    sio.dump(build(list(range(3000))), str(git_project / "ordinary.skops"))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load", "model.skops", "ordinary.skops")
    found = [f for f in found if f["code"] != "MLG304"]  # (skops' own reading: at the load)
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [
        ("model.skops", "MLG302")], found
    assert "same hash" in found[0]["message"], found


def test_keys_whose_hash_cannot_be_told_are_charged_what_comparing_them_costs(git_project,
                                                                              capsys):
    """Red team of round 35 (F2): 4,000 keys `(frozenset(shared list), k * (2**61 - 1))`,
    under the count cap: all hash alike in the load, and each comparison walks the
    frozenset: 116 KB loaded in 11 s with exit 0. Comparing such keys is charged to the
    scan's work budget, worst case."""
    import struct

    out = bytearray(b"\x80\x04\x8c\x08builtins\x94\x8c\x09frozenset\x94\x93\x94]\x94(")
    out += b"".join(b"J" + struct.pack("<i", i) for i in range(150)) + b"e00}\x94("
    for k in range(1, 4001):
        out += b"h\x02h\x03\x85R" + pickle.dumps(k * P, 4)[2:-1] + b"\x86N"
    code, found = _scan(git_project, capsys, bytes(out) + b"u.")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert "work budget" in found[0]["message"], found


def _scan(git_project, capsys, data: bytes):
    (git_project / "model.pkl").write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    return artifact_json(capsys, "--no-load", "model.pkl")


def test_a_skops_dict_has_one_key_type_per_key(git_project, capsys):
    """Red team of round 35 (F1): one extra entry in `key_types` skipped the check (read
    as "no key types"), while skops zips the two lists and builds every key with int()."""
    import json
    import zipfile

    def node(kind, loader, **more):
        return {"__class__": kind, "__module__": "builtins", "__loader__": loader, **more}

    zero = node("int", "JsonNode", content="0", is_json=True, __id__=8)
    kinds = node("list", "ListNode", content=[node("int", "TypeNode", __id__=7)] * 11,
                 __id__=9)
    inner = node("dict", "DictNode", content={str(k * P): zero for k in range(1, 11)},
                 key_types=kinds, __id__=10)
    schema = node("dict", "DictNode", content={"lookup": inner}, __id__=13, protocol=2,
                  _skops_version="0.16.0", key_types=node(
                      "list", "ListNode", content=[node("str", "TypeNode", __id__=11)],
                      __id__=12))
    with zipfile.ZipFile(git_project / "model.skops", "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load", "model.skops")
    found = [f for f in found if f["code"] != "MLG304"]
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert "key types" in found[0]["message"], found
