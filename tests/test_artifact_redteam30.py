"""Review round 30 (static layer): work the scan did not count.

- Hashing. A dict key or set element built by the stream is hashed by the unpickler through
  every nested tuple, each time it is reached: 100 tuples each holding the previous one twice
  through the memo (a 1.7 KB file) cost 2**100 steps, in C, where no signal stops them. The
  scan passed such a key, and the load ran into its 120 s deadline. The rule: every value the
  unpickler hashes (DICT, SETITEM(S), FROZENSET, ADDITEMS, and set, frozenset and dict makers'
  arguments) costs the scan its hashing work, computed once per node; a key costing more
  than the whole budget is refused outright.
"""

from __future__ import annotations

import subprocess

import pytest

from helpers import artifact_json


def _nested(depth: int) -> bytes:
    """Memo keys 0..depth: t(0) = (), t(i+1) = (t(i), t(i)), each built from the memo."""
    out = bytearray(b")q\x000")
    for i in range(depth):
        out += b"h" + bytes([i]) + b"h" + bytes([i]) + b"\x86q" + bytes([i + 1]) + b"0"
    return bytes(out)


def _keyed(how: str, depth: int) -> bytes:
    key = b"h" + bytes([depth])
    body = {
        "setitems": b"}(" + key + b"Nu",
        "frozenset": b"(" + key + b"\x91",
        "additems": b"\x8f(" + key + b"\x90",
        "set call": b"\x8c\x08builtins\x8c\x03set\x93](" + key + b"e\x85R",
        "dict call": b"\x8c\x08builtins\x8c\x04dict\x93}(" + key + b"Nu\x85R",
    }[how]
    return b"\x80\x04" + _nested(depth) + body + b"."


@pytest.mark.parametrize("how", ["setitems", "frozenset", "additems", "set call",
                                 "dict call"])
def test_a_key_whose_hashing_never_finishes_is_refused_before_any_load(git_project, capsys,
                                                                       how):
    import pickle

    assert pickle.loads(_keyed(how, 4))  # a real stream: a shallow one loads
    (git_project / "model.pkl").write_bytes(_keyed(how, 100))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert "whose hashing visits more than" in found[0]["message"], found
    if how == "dict call":
        return  # a dict argument with a tuple key is refused anyway (a computed key)
    # a shallow key costs what it costs, and passes
    (git_project / "model.pkl").write_bytes(_keyed(how, 12))
    assert artifact_json(capsys, "--no-load", "model.pkl") == (0, [])


@pytest.mark.parametrize("container", ["npz", "skops"])
def test_an_archive_has_one_scanning_budget_not_one_per_member(git_project, capsys,
                                                               monkeypatch, container):
    """Round 29b: each member of an .npz (or .skops) archive got a fresh work budget, so 8
    members each just under it took 3.5 minutes to scan (all refused in the end). The
    budget is the file's: here (a budget cut small) two members each within it pass alone
    and not together."""
    import io
    import zipfile

    import numpy as np

    from mlgate.artifacts import pickle_scan

    monkeypatch.setattr(pickle_scan, "MAX_OPCODES", 50_000)
    member = io.BytesIO()
    values = np.empty(1, dtype=object)
    values[0] = list(range(40_000))
    np.save(member, values, allow_pickle=True)
    name = "model." + container
    for count in (1, 2):
        with zipfile.ZipFile(git_project / name, "w") as archive:
            if container == "skops":
                archive.writestr("schema.json", '{"__class__": "dict", "__module__":'
                                 ' "builtins", "__loader__": "DictNode", "content": {},'
                                 ' "protocol": 2, "_skops_version": "0.10.0"}')
            for i in range(count):
                archive.writestr(f"a{i}.npy", member.getvalue())
        subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
        code, found = artifact_json(capsys, "--no-load", name)
        refused = [f["message"] for f in found if f["code"] == "MLG302"]
        if count == 1:
            assert code == 0 and not refused, found
        else:
            assert code == 1 and "work budget ran out" in refused[0], found


def _call(module: str, name: str, args: bytes) -> bytes:
    return b"\x80\x04\x8c" + bytes([len(module)]) + module.encode() + b"\x8c" + bytes(
        [len(name)]) + name.encode() + b"\x93" + args + b"R."


RANGE = _call("builtins", "range", b"K\x00\x8a\x05\x00\x00\x00\x00\x02K\x01\x87")  # 2**33


@pytest.mark.parametrize(("stream", "says"), [
    (_call("builtins", "bytearray", b"\x8a\x05\x00\x00\x00\x00\x0a\x85"), "bytearray"),
    (_call("builtins", "bytes", b"J\x00\x00\x00\x40\x85"), "bytes"),
    (_call("builtins", "list", b"(" + RANGE[2:-1] + b"t"), "list"),
    (_call("builtins", "set", b"(" + RANGE[2:-1] + b"t"), "set"),
    (_call("numpy._core.multiarray", "_reconstruct",
           b"\x8c\x05numpy\x8c\x07ndarray\x93J\x00\x00\x00\x40\x85C\x01b\x87"), "_reconstruct"),
], ids=["bytearray", "bytes", "list-of-range", "set-of-range", "reconstruct-shape"])
def test_no_call_sizes_an_allocation_from_a_number(git_project, capsys, stream, says):
    """Round 29b: `bytearray(40 * 2**30)` is a 36-byte pickle that only the probe's memory
    limit stopped (a size just under the limit would pass and take the machine's memory
    in the user's own process). The builtins a pickle calls take only the arguments
    CPython's pickling writes, and numpy's reconstructor only numpy's (0,) shape."""
    import pickle

    assert pickle.loads(_call("builtins", "bytearray", b"C\x02ab\x85")) == bytearray(b"ab")
    (git_project / "model.pkl").write_bytes(stream)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert says in found[0]["message"], found


def test_what_cpython_writes_for_builtins_still_passes(git_project, capsys):
    import pickle

    values = {"b": bytearray(b"ab"), "e": bytearray(), "z": b"", "s": {1, 2},
              "f": frozenset({3}), "c": complex(1, 2), "sl": slice(1, None, 2),
              "r": range(3)}
    for protocol in range(5):
        (git_project / f"m{protocol}.pkl").write_bytes(pickle.dumps(values, protocol))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "--no-load", *[f"m{p}.pkl" for p in range(5)]) == (0, [])


def test_a_load_broken_by_a_numpy_abi_mismatch_says_what_to_pin():
    """New-user trial round 29: a project whose lock left numpy unpinned got numpy 2 beside a
    package compiled for numpy 1; the load failed with "numpy.dtype size changed" and the
    hint only said to load it by hand."""
    from mlgate.artifacts.gate import _load_findings

    for message in ("ValueError: numpy.dtype size changed, may indicate binary"
                    " incompatibility. Expected 96 from C header, got 88 from PyObject",
                    "ImportError: A module that was compiled using NumPy 1.x cannot be run in\n"
                    "NumPy 2.0.2 as it may crash."):
        [found] = _load_findings("m.joblib", {"ok": False, "kind": "error",
                                              "message": message}, "python", {}, None)
        assert found.code == "MLG309" and "pin numpy<2" in found.hint, found
    [other] = _load_findings("m.joblib", {"ok": False, "kind": "error",
                                          "message": "KeyError: 3"}, "python", {}, None)
    assert "numpy" not in other.hint


def test_text_committed_as_a_model_is_named_as_text(git_project, capsys):
    """New-user trial round 29: a CSV committed as models/model.pkl read "not a pickle
    stream (expected 544434536 bytes in a string4, but only 55 remain)", with no hint."""
    (git_project / "model.pkl").write_text("This is good, Positive\nThis is bad, Negative\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG304"], found
    assert "the file is text (it starts 'This is good, Positive')" in found[0]["message"]
    assert "joblib.dump" in found[0]["hint"]


def test_a_model_of_another_scikit_learn_that_fails_its_checks_blames_the_version():
    """New-user trial round 29: a 0.23.2 OneHotEncoder (no n_features_in_) read "the model
    is inconsistent" with the hint "load it yourself"; the version is the cause."""
    from mlgate.artifacts.gate import _blame_the_version, _load_findings

    result = {"ok": False, "kind": "corrupt", "message": "the model is inconsistent:"
              " OneHotEncoder: a fitted estimator without n_features_in_"}
    facts = {"versions": {"sklearn": ["0.23.2"]}}
    [found] = _load_findings("m.pkl", result, "python", {}, None)
    _blame_the_version(found, result, facts, {"scikit-learn": "1.9.1"})
    assert "pickled with scikit-learn 0.23.2" in found.message
    assert found.hint.startswith("re-train and dump with scikit-learn 1.9.1"), found.hint
    [same] = _load_findings("m.pkl", result, "python", {}, None)
    _blame_the_version(same, result, {"versions": {"sklearn": ["1.9.1"]}},
                       {"scikit-learn": "1.9.1"})  # its own version: nothing to blame
    assert "pickled with" not in same.message


# ----------------------------------------------------------------- round 30 (red team)
def _mahalanobis_knn(columns: int):
    import numpy as np
    from sklearn.metrics import DistanceMetric
    from sklearn.neighbors import KNeighborsRegressor

    X = np.random.RandomState(0).rand(40, 4)
    metric = DistanceMetric.get_metric("mahalanobis", VI=np.eye(4))
    model = KNeighborsRegressor(n_neighbors=3, metric=metric, algorithm="brute").fit(
        X, X[:, 0])
    if columns != 4:  # the state only: scikit-learn's constructor refuses it
        metric.__setstate__((2.0, np.zeros(0), np.ascontiguousarray(np.ones((4, columns)))))
    return model


def _gp_with_kernel_jobs(jobs: int):
    import numpy as np
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import PairwiseKernel

    X = np.random.RandomState(0).rand(30, 3)
    model = GaussianProcessRegressor(kernel=PairwiseKernel(metric="rbf"), optimizer=None).fit(
        X, X.sum(1))
    model.kernel_.pairwise_kernels_kwargs = {"n_jobs": jobs}
    return model


def _ufunc_pipeline(kw_args: dict):
    import numpy as np
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X = np.random.RandomState(0).rand(30, 4)
    model = make_pipeline(FunctionTransformer(np.sqrt), LinearRegression()).fit(X, X.sum(1))
    model[0].kw_args = kw_args
    return model


@pytest.mark.parametrize(("make", "says"), [
    (lambda: _mahalanobis_knn(1), "not square"),
    (lambda: _gp_with_kernel_jobs(2000), "n_jobs']=2000"),
    (lambda: _ufunc_pipeline({"where": False}), "'where' argument"),
    (lambda: _ufunc_pipeline({"out": None}), "'out' argument"),
], ids=["mahalanobis-not-square", "kernel-kwargs-n_jobs", "ufunc-where", "ufunc-out"])
def test_round_30_crafted_states_are_refused_and_their_sound_forms_pass(git_project, capsys,
                                                                        make, says):
    """Round 30: a brute-force neighbour model whose Mahalanobis metric object holds a
    non-square matrix read past it (heap memory in the distances: only a metric inside a
    ball tree was checked); a GP kernel's pairwise_kernels_kwargs={'n_jobs': 2000} started
    2,000 threads per predict (only named parameter dicts were read: any dict spread as
    keyword arguments is now); FunctionTransformer(np.sqrt) with kw_args where=False returned
    uninitialised memory as features (a ufunc's output controls are never stored
    arguments)."""
    import joblib

    joblib.dump(make(), git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--only-artifacts", "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert says in found[0]["message"], found


def test_round_30_sound_forms_pass(git_project, capsys):
    import joblib

    joblib.dump({"knn": _mahalanobis_knn(4), "gp": _gp_with_kernel_jobs(2),
                 "ft": _ufunc_pipeline({})}, git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "--only-artifacts", "model.joblib") == (0, [])


# ------------------------------------------------------ round 30 (static layer, discovery)
def _object_npy() -> bytes:
    import io

    import numpy as np

    values = np.empty(1, dtype=object)
    values[0] = print  # a callable by name: refused, as a payload would be
    out = io.BytesIO()
    np.save(out, values, allow_pickle=True)
    return out.getvalue()


def _zip(members: dict) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _discovery_cases():
    import gzip
    import pickle

    payload = pickle.dumps(print, 0)
    long_text = "é" * (2**20)  # 2 MiB of UTF-8: the sniff's 1 MiB read ends inside it
    encoded = long_text.encode()
    headerless = b"X" + len(encoded).to_bytes(4, "little") + encoded + b"0" + payload
    return {
        "string-cut-by-the-read-limit": ("model.bin", headerless),
        "second-gzip-member": ("model.dat", gzip.compress(b"") + gzip.compress(payload)),
        "zip-with-a-readme": ("weights.bin", _zip({"arr.npy": _object_npy(),
                                                   "README.txt": b"weights"})),
        "npy-member-without-its-name": ("weights.bin", _zip({"model": _object_npy()})),
        "empty-end-record-first": ("w.bin", b"PK\x05\x06" + b"\x00" * 18
                                   + _zip({"arr.npy": _object_npy()})),
        # 2 MiB from a few hundred bytes: past the ratio mlgate reads, so the sniff's first
        # MiB cannot see to the payload
        "bz2-past-the-ratio": ("model.dat.bz2", __import__("bz2").compress(headerless)),
        # pandas.read_pickle("model.zip") unpickles the archive's one member
        "zip-of-a-pickle": ("model.zip", _zip({"model.pkl": pickle.dumps(print)})),
    }


@pytest.mark.parametrize("case", list(_discovery_cases()))
def test_files_a_loader_opens_are_found_whatever_their_name(git_project, capsys, case):
    """Round 30: discovery missed, and the audit called READY, files that pickle.load,
    joblib.load or numpy.load act on: a headerless pickle whose long string the sniff's
    1 MiB read cut inside a character (a decode error, not "ran out of input"); an empty
    gzip member before the payload's (joblib reads on); a zip holding an .npy member beside
    other files, or under another name; a zip starting with its end record."""
    name, data = _discovery_cases()[case]
    (git_project / name).write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load")
    assert code == 1 and found and found[0]["path"] == name, found


def test_a_committed_pyvenv_cfg_hides_nothing(git_project, capsys):
    """Round 30: an empty tracked `data/pyvenv.cfg` made discovery take data/ for a
    virtualenv and skip the model beside it; the audit said READY."""
    import pickle

    (git_project / "data").mkdir()
    (git_project / "data" / "pyvenv.cfg").write_text("")
    (git_project / "data" / "model.pkl").write_bytes(pickle.dumps(print))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load")
    assert code == 1 and [f["path"] for f in found] == ["data/model.pkl"], found


def test_the_sniff_prints_nothing_of_cpythons_own_errors(git_project, capsys):
    """Round 30: BYTEARRAY8 with a length of 6e18 made CPython's C reader print
    "SystemError: deallocated bytearray object has exported buffers" on mlgate's stderr
    while the sniff read a tracked file."""
    body = b"\x96" + (5991574490796222554).to_bytes(8, "little") + b"x" * 100  # no header
    (git_project / "notes.bin").write_bytes(body)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    from mlgate.cli import main

    main(["artifact", "--no-load", "--no-cache", "--python", __import__("sys").executable])
    assert "SystemError" not in capsys.readouterr().err
