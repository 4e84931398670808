"""Round 37 of red-teaming the static layer: shared values whose every use costs.

- A memoized tuple of arguments is no number (numbers are never memoized), yet 250,000
  Fraction calls on one tuple of two 14,000-bit numbers (a gcd each) loaded for 112 s from
  a 7 KB file: a big number an argument holds is charged at every call, like bytes.
- An array is data like bytes: 650 trees of a forest sharing one 5 MB `nodes` array (Tree's
  __setstate__ copies it) loaded to 3.7 GB from 5.8 MB. The bytes an object carries (an
  array's data, bytes made by a call) are charged again at each use after the first.
"""

from __future__ import annotations

import pickle
import random
import struct
import subprocess

import pytest

from helpers import artifact_json, forest_of_shared_trees, g


def _scan(git_project, capsys, data: bytes, name: str = "bundle.pkl"):
    (git_project / name).write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    return artifact_json(capsys, "--no-load", name)


def _long(number: int) -> bytes:
    raw = number.to_bytes((number.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8b" + struct.pack("<I", len(raw)) + raw  # LONG4


def test_a_shared_tuple_of_big_numbers_is_paid_for_at_every_call(git_project, capsys):
    random.seed(0)
    parts = _long(random.getrandbits(14_000) | 1) + _long(random.getrandbits(14_000) | 1)
    shared = b"(" + parts + b"t\x94"  # the arguments, memoized as 0
    calls = g("fractions", "Fraction") + b"h\x00R"  # Fraction(*memo[0])
    data = b"\x80\x04" + shared + b"0](" + calls * 6_000 + b"e."
    code, found = _scan(git_project, capsys, data)
    assert code == 1 and "would copy more than" in found[0]["message"], found
    # each Fraction with its own arguments: what the file holds, paid once
    one = g("fractions", "Fraction") + b"(" + parts + b"tR"
    code, found = _scan(git_project, capsys, b"\x80\x04](" + one * 200 + b"e.")
    assert (code, found) == (0, []), found


@pytest.fixture(scope="module")
def fitted_tree():
    np = pytest.importorskip("numpy")
    tree = pytest.importorskip("sklearn.tree")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 4))
    return tree.DecisionTreeRegressor(random_state=0).fit(X, X[:, 0])


def test_trees_sharing_one_array_are_refused(git_project, capsys, fitted_tree):
    from sklearn.tree._tree import Tree

    args, state = fitted_tree.tree_.__reduce__()[1], fitted_tree.tree_.__getstate__()
    assert state["nodes"].nbytes > 100_000

    # each pickles as a Tree whose state holds the one shared array
    forest = forest_of_shared_trees(fitted_tree, lambda: (Tree, args, state), 300)
    for protocol in (2, 4, 5):
        code, found = _scan(git_project, capsys, pickle.dumps(forest, protocol=protocol))
        assert code == 1 and "would copy more than" in found[0]["message"], (protocol, found)


def test_an_array_used_twice_as_real_models_do_passes(git_project, capsys):
    # A KD-tree neighbours model holds its training data twice (`_fit_X`, and the tree's
    # own `data`): pickle writes it once and fetches it; joblib writes it twice.
    np = pytest.importorskip("numpy")
    neighbors = pytest.importorskip("sklearn.neighbors")
    joblib = pytest.importorskip("joblib")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400_000, 8))  # 25 MB: past the fixed allowance of 16 MB
    ensemble = pytest.importorskip("sklearn.ensemble")
    model = neighbors.KNeighborsClassifier(algorithm="kd_tree").fit(X, X[:, 0] > 0)
    # and two of them in one ensemble, one X four times (review of round 37's fix: refused
    # as copied 200 MB from 81 MB)
    voting = ensemble.VotingClassifier([
        ("kd", neighbors.KNeighborsClassifier(algorithm="kd_tree")),
        ("ball", neighbors.KNeighborsClassifier(25, algorithm="ball_tree"))],
        voting="soft").fit(X, X[:, 0] > 0)
    for protocol in (2, 5):
        code, found = _scan(git_project, capsys, pickle.dumps(voting, protocol=protocol))
        assert (code, found) == (0, []), (protocol, found)
    for protocol in (2, 4, 5):
        code, found = _scan(git_project, capsys, pickle.dumps(model, protocol=protocol))
        assert (code, found) == (0, []), (protocol, found)
    joblib.dump(model, git_project / "knn.joblib")
    code, found = _scan(git_project, capsys, (git_project / "knn.joblib").read_bytes(),
                        "knn.joblib")
    assert (code, found) == (0, []), found


def test_an_xgboost_json_is_bounded_before_it_is_parsed(git_project, capsys, monkeypatch):
    from mlgate.artifacts import formats

    # Static review round 37: `json.loads` of the whole file, unbounded: 80 MB of `[]` in a
    # key XGBoost ignores held 2.3 GB, and the file passed
    filler = b",".join([b"[]"] * 4_100_000)
    data = b'{"learner":{"zz_junk":[' + filler + b'],"attributes":{}},"version":[2,1,0]}'
    code, found = _scan(git_project, capsys, data, "model.json")
    assert code == 1 and "more than 4000000 objects and lists" in found[0]["message"], found
    # a real model past the size cap is told to use .ubj, not that it was tampered with
    monkeypatch.setattr(formats, "MAX_XGBOOST_JSON", 1 << 20)
    big = b'{"learner":{"trees":[' + b",".join([b"0.5"] * 400_000) + b']},"version":[2,1,0]}'
    code, found = _scan(git_project, capsys, big, "model.json")
    assert code == 1 and "more than the 1 MiB mlgate parses" in found[0]["message"], found
    assert found[0]["hint"].startswith("save the model as .ubj") and "tamper" not in found[0][
        "hint"], found
    small = b'{"learner":{"zz_junk":[' + b",".join([b"[]"] * 1000) + b']},"version":[2,1,0]}'
    code, found = _scan(git_project, capsys, small, "model.json")
    assert "objects and lists" not in str(found), found


@pytest.mark.parametrize("wrap", [
    lambda key: b"}" + key + b"Ns",  # {key: None}
    lambda key: g("builtins", "frozenset") + b"]" + key + b"a\x85R",  # frozenset([key])
])
def test_a_key_of_tuples_nested_past_the_c_stack_is_refused(git_project, capsys, wrap):
    # Static review round 37: a dict key 300,000 tuples deep passed the scan; hashing it
    # crashes pickle.load and joblib.load (SIGSEGV). The probe caught it; --no-load did not.
    deep = b"N" + b"\x85" * 300_000  # None, then TUPLE1 around it again and again
    code, found = _scan(git_project, capsys, b"\x80\x04" + wrap(deep) + b".")
    assert code == 1 and "nested more than 1000 deep" in found[0]["message"], found
    shallow = b"N" + b"\x85" * 50
    code, found = _scan(git_project, capsys, b"\x80\x04" + wrap(shallow) + b".")
    assert (code, found) == (0, []), found


def test_the_values_a_scan_makes_are_bounded(git_project, capsys, monkeypatch):
    # Red team round 37: 7 million `{}` (23 KB compressed) took the scan itself, in
    # mlgate's own process, to 1.5 GB; each value the scan makes costs it ~200 bytes
    from mlgate.artifacts import pickle_scan

    monkeypatch.setattr(pickle_scan, "MAX_VALUES", 10_000)
    code, found = _scan(git_project, capsys, pickle.dumps([{} for _ in range(20_000)], 4))
    assert code == 1 and "more than 10000 Python values" in found[0]["message"], found
    # shared values and arrays are no new values: a 100,000-element array is one
    np = pytest.importorskip("numpy")
    shared = {}
    data = pickle.dumps({"rows": [shared] * 20_000, "x": np.arange(100_000)}, 4)
    assert _scan(git_project, capsys, data) == (0, [])


def _npz_object_member(path, size: int) -> None:
    """An .npz whose a.npy is an object array holding `size` zero bytes (deflated: tiny),
    and a stored b.npy of random bytes that raises the archive's own cap."""
    import io
    import os
    import zipfile

    np = pytest.importorskip("numpy")
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("a.npy")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            member.write(npy + b"\x80\x04\x8e" + struct.pack("<Q", size) + b"\0" * size + b".")
        random_bytes = io.BytesIO()
        np.save(random_bytes, np.frombuffer(os.urandom(150_000), dtype="u1"))
        archive.writestr(zipfile.ZipInfo("b.npy"), random_bytes.getvalue())


def test_an_npz_object_member_is_bounded_by_its_own_compressed_size(git_project, capsys):
    # Static review round 37: the 1000x ratio cap counted the whole archive, so a 150 KB
    # member of random bytes let a 1 MB member expand to 1 GB (kept twice: 2 GB)
    _npz_object_member(git_project / "model.npz", 8 << 20)  # 8 MiB from ~8 KB: > 1000x
    code, found = _scan(git_project, capsys, (git_project / "model.npz").read_bytes(),
                        "model.npz")
    assert code == 1 and "a.npy: an object array's pickle larger than" in found[0][
        "message"], found


def test_a_joblib_zf_container_is_called_what_it_is(git_project, capsys):
    # Static review round 37: "not a model artifact ... leave this file undeclared", for a
    # file joblib.load unpickles with no restriction (its pre-0.10 compatibility loader)
    import zlib

    payload = b"\x80\x02cposix\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03."
    data = b"ZF" + hex(len(payload)).encode().ljust(19) + zlib.compress(payload)
    code, found = _scan(git_project, capsys, data, "old.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert "joblib < 0.10" in found[0]["message"] and "never load" in found[0]["hint"]
