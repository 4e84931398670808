"""Review round 31: containers a plain loader opens that discovery did not look into.

pandas.read_pickle infers a compression from the name and unpickles what it finds: the one
file of a `.tar`, `.tar.gz`, `.tar.bz2` or `.tar.xz` archive, the one member of a `.zip`
(protocol 0 and 1 as well), and a `.zst` stream (with zstandard installed). Discovery knew
none of the tar forms, looked only for a protocol 2+ header in a zip's members, and had no
notion of zstd: the audit called such a project READY. The rule: every container a plain
loader opens is looked into (a tar's first file, a one-member zip with the full sniff), and
one mlgate cannot read (tar, zstd) is refused with what to commit instead.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import tarfile

import pytest

from helpers import artifact_json


def _tar(members: dict, compression: str = "") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:" + compression) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _one_member_zip(data: bytes, name: str = "model") -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, data)
    return out.getvalue()


PAYLOAD = pickle.dumps(print)
CASES = {
    "model.tar": _tar({"model.pkl": PAYLOAD}),
    "xgb.tar": _tar({"xgb.pkl": PAYLOAD}),  # starts with "x", as a zlib stream does
    # SageMaker's layout: a deployment unpacks it and loads the model, whichever member
    "sagemaker.tar.gz": _tar({"code": None, "code/inference.py": b"import joblib\n",
                              "model.joblib": PAYLOAD}, "gz"),
    "model.tar.gz": _tar({"model.pkl": PAYLOAD}, "gz"),
    "model.tar.bz2": _tar({"model.pkl": pickle.dumps(print, 0)}, "bz2"),
    "model.tar.xz": _tar({"model.pkl": PAYLOAD}, "xz"),
    "weights.zip": _one_member_zip(pickle.dumps(print, 0)),
    "model.pkl.zst": b"\x28\xb5\x2f\xfd" + bytes(20),
    "bundle.zip": _one_member_zip(__import__("zlib").compress(PAYLOAD), "model.joblib"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_an_archive_pandas_unpickles_is_found_and_refused(git_project, capsys, name):
    pandas = pytest.importorskip("pandas")
    (git_project / name).write_bytes(CASES[name])
    # (zstandard is not a test dependency; pandas reads a tar of one file only)
    if not name.endswith(".zst") and name not in ("sagemaker.tar.gz", "bundle.zip"):
        assert pandas.read_pickle(git_project / name) is print  # what a project would run
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load")
    assert code == 1 and [f["path"] for f in found] == [name], found
    assert found[0]["code"] == "MLG304", found
    assert "pandas.read_pickle unpickles what it holds" in found[0]["message"], found


def test_archives_of_data_are_not_artifacts(git_project, capsys):
    (git_project / "data.tar.gz").write_bytes(_tar({"d": None, "d/a.csv": b"x,y\n1,2\n"}, "gz"))
    (git_project / "train.csv.zst").write_bytes(b"\x28\xb5\x2f\xfd" + bytes(20))
    (git_project / "notes.zip").write_bytes(_one_member_zip(b"some notes\n"))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load")
    assert found == [], found
    assert code == 0, code


def test_a_claimed_length_past_mlgates_ratio_is_measured_not_assumed(git_project, capsys):
    """A headerless pickle whose first string claims 30 MB, compressed by bz2 into 99 bytes,
    followed by a second bz2 stream of noise so that the first MiB does not expand past the
    ratio: the sniff took the claim for a length past the end of any stream mlgate reads
    (size x ratio) and called the file no pickle, while joblib.load read the string and ran
    what follows. The stream's real length is now measured when a claim crosses the read."""
    import bz2
    import os

    import joblib

    size = 30_000_000
    body = b"X" + size.to_bytes(4, "little") + b"a" * size + b"0" + pickle.dumps(print, 0)
    data = bz2.compress(body, 9) + bz2.compress(os.urandom(3000))
    (git_project / "weights.dat").write_bytes(data)
    assert joblib.load(git_project / "weights.dat") is print  # what a project would run
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load")
    assert code == 1 and [f["path"] for f in found] == ["weights.dat"], found


def test_compressed_text_whose_first_letters_claim_a_length_is_not_an_artifact(git_project,
                                                                              capsys):
    import bz2
    import gzip

    # "Timestamp" read as BINSTRING claims 1.9 GB: the stream is measured, and ends first
    rows = "Timestamp,value\n" + "".join(f"2026-01-{d:02d},{d}\n" for d in range(1, 29))
    rows += "".join(f"2026-02-{n % 28 + 1:02d},{n * 7919 % 100_003}\n" for n in range(100_000))
    (git_project / "log.csv.gz").write_bytes(gzip.compress(rows.encode()))
    notes = "".join(f"Bytes of note {n}: {n * 7919 % 100_003}\n" for n in range(100_000))
    (git_project / "notes.bz2").write_bytes(bz2.compress(notes.encode()))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "--no-load") == (0, [])


# ------------------------------------------- new-user trial round 31: artifacts carrying code
def _naming(module: str, name: str) -> bytes:
    """A protocol 4 pickle that calls module.name() (as numba's and cloudpickle's do)."""
    return (b"\x80\x04\x8c" + bytes([len(module)]) + module.encode() + b"\x8c"
            + bytes([len(name)]) + name.encode() + b"\x93)R.")


@pytest.mark.parametrize("module, name", [
    ("numba.core.serialize", "_unpickle__CustomPickled"),  # a SHAP TreeExplainer's jit code
    ("numba.core.serialize", "custom_rebuild"),
    ("cloudpickle.cloudpickle", "_make_function"),
])
def test_an_artifact_carrying_code_says_to_ship_data_not_allow(git_project, capsys, module,
                                                              name):
    """A SHAP explainer pickles numba-jitted functions by value: mlgate refused them as
    unknown functions "to add to allow by hand", and once allowed the sandbox stopped the
    load with "never load this artifact". Neither said what to do: a pickle that rebuilds
    code cannot be vouched for, whatever `allow` says; the hint says to ship data (rebuild
    the object at start-up) or exclude a file the user trusts."""
    (git_project / "explainer.joblib").write_bytes(_naming(module, name))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load")
    assert code == 1 and found[0]["code"] == "MLG301", found
    assert found[0]["hint"].startswith("the artifact carries code"), found
    assert "exclude" in found[0]["hint"] and "allow" not in found[0].get("extra", {}), found


def test_a_load_stopped_for_building_code_gets_the_same_hint():
    from mlgate.artifacts.gate import _CODE_ATTEMPTS, _load_findings
    from mlgate.probe_script.load import _CODE_EVENTS

    assert set(_CODE_EVENTS.values()) == set(_CODE_ATTEMPTS)  # the probe's words, all of them
    [built] = _load_findings("e.joblib", {"ok": False, "kind": "stopped", "message":
                                          "make a code object (code.__new__)"},
                             "python", {}, None)
    assert built.hint.startswith("the artifact carries code"), built.hint
    [ran] = _load_findings("e.joblib", {"ok": False, "kind": "stopped", "message":
                                        "run a program (os.system)"}, "python", {}, None)
    assert ran.hint.startswith("never load this artifact"), ran.hint


# ------------------------------------------- round 31 (crafted scikit-learn parameters)
def _vectorizer(pattern: str):
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer().fit(["it's 12x a dog", "4x cat"])
    vectorizer.token_pattern = pattern  # as set before fit: it is read on each transform
    return vectorizer


def _lda(iterations: int):
    import numpy as np
    from sklearn.decomposition import LatentDirichletAllocation

    lda = LatentDirichletAllocation(n_components=2, max_iter=2, random_state=0)
    lda.fit(np.random.RandomState(0).randint(0, 3, (10, 5)))
    lda.max_doc_update_iter, lda.mean_change_tol = iterations, 5e-324
    return lda


def _gp(depth: int):
    import numpy as np
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF

    kernel = RBF()
    for _ in range(depth):
        kernel = kernel + kernel  # one kernel in both slots of its parent
    gp = GaussianProcessRegressor(kernel=RBF()).fit(np.arange(6.0).reshape(-1, 1),
                                                    np.arange(6.0))
    gp.kernel = kernel
    return gp


def _nmf(iterations: int):
    import numpy as np
    from sklearn.decomposition import NMF

    nmf = NMF(n_components=2, max_iter=500, random_state=0)
    nmf.fit(np.random.RandomState(0).rand(8, 4))
    nmf.max_iter = iterations
    return nmf


def _hidden_chain(container: str):
    """A Sum(k, k) chain 60 deep hidden in a class_weight dict, inside an object array or a
    deque (red team round 32)."""
    import collections

    import numpy as np
    from sklearn.gaussian_process.kernels import RBF
    from sklearn.linear_model import LogisticRegression

    kernel = RBF()
    for _ in range(60):
        kernel = kernel + kernel
    model = LogisticRegression().fit(np.arange(8.0).reshape(4, 2), [0, 1, 0, 1])
    hidden = (np.array([kernel], dtype=object) if container == "array"
              else collections.deque([kernel]))
    model.class_weight = {0: 1.0, 1: hidden}
    return model


def _imputer(steps: int | None = None):
    import numpy as np
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    rows = np.random.RandomState(0).rand(40, 3)
    rows[::7, 1] = np.nan
    imputer = IterativeImputer(max_iter=3, random_state=0).fit(rows)
    if steps is not None:  # one fitted step replayed `steps` times on every request
        imputer.imputation_sequence_ = [imputer.imputation_sequence_[0]] * steps
        imputer.n_iter_ = 1
    return imputer


def _reads_files():
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer().fit(["a text", "another text"])
    vectorizer.input = "filename"
    return vectorizer


@pytest.mark.parametrize(("make", "says"), [
    (lambda: _vectorizer(r"(?:\d+)+x"), "repeats a group"),
    (lambda: _vectorizer(r"[a-w]*[a-w]*y"), "the repetition before it also takes"),
    # (since round 42: said as a choice inside a repetition, each turn multiplying the ways)
    (lambda: _vectorizer(r"(a|a)*b"), "each turn multiplies the ways"),
    (lambda: _vectorizer(r"(\w)x\1"), "refers back"),
    (lambda: _lda(10**12), "max_doc_update_iter=1000000000000"),
    (lambda: _nmf(10**9), "max_iter=1000000000"),
    (lambda: _gp(60), "shared between slots"),
    (lambda: _hidden_chain("array"), "shared between slots"),
    (lambda: _hidden_chain("deque"), "shared between slots"),
    (lambda: _imputer(50_000), "50000 imputation steps"),
    (_reads_files, "opens each request's text as a file"),
], ids=["nested-repeat", "overlapping-repeats", "alike-alternatives", "backreference",
        "lda-iterations", "nmf-iterations", "shared-kernel-chain", "chain-in-object-array",
        "chain-in-deque", "replayed-imputation", "vectorizer-reads-files"])
def test_round_31_parameters_that_never_finish_are_refused(git_project, capsys, make, says):
    """Red team round 31: parameters fit accepts whose cost has no bound on an ordinary
    request. A vectorizer's token_pattern `(\\d+)+$` took 132 s on 20 digits (round 32:
    `[a-w]*[a-w]*y`, cubic, passed the rule that followed, and linear ones were refused);
    LDA with max_doc_update_iter=10**12 and mean_change_tol=5e-324 (and NMF's max_iter) ran a
    request's solver for hours; a GP kernel Sum(k, k) nested 60 deep made repr, get_params
    and clone visit 2**60 kernels."""
    import joblib

    joblib.dump(make(), git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--only-artifacts", "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert says in found[0]["message"], found
    if "file" not in says:
        assert "would not answer every request in bounded time" in found[0]["message"]


def test_round_31_ordinary_forms_of_those_parameters_pass(git_project, capsys):
    import joblib

    joblib.dump({"default": _vectorizer(r"(?u)\b\w\w+\b"),
                 "apostrophes": _vectorizer(r"(?u)\b\w+(?:'\w+)?\b"),
                 "letters": _vectorizer(r"\b[a-zA-Z]{2,}\b|[!?]"),
                 # round 32: refused by the round-31 rule, linear all the same
                 "nltk": _vectorizer(r"\w+|\$[\d\.]+|\S+"),
                 "tweets": _vectorizer(r"https?://\S+|@\w+|#\w+|\w+"),
                 "numbers": _vectorizer(r"\d+(?:\.\d+)?|\w+"),
                 "hyphens": _vectorizer(r"(?u)\b\w+(?:-\w+)*\b"),
                 "lda": _lda(100), "nmf": _nmf(20_000), "shared_once": _gp(3),
                 "imputer": _imputer()},
                git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "--only-artifacts", "model.joblib") == (0, [])


# ----------------------------------------------- round 32 (static layer: .skops trees)
def _skops_schema(obj) -> dict:
    import json
    import zipfile

    sio = pytest.importorskip("skops.io")
    with zipfile.ZipFile(io.BytesIO(sio.dumps(obj))) as archive:
        return json.loads(archive.read("schema.json"))


def _skops_file(root: dict) -> bytes:
    import json
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("schema.json", json.dumps(root))
    return out.getvalue()


def _aliased_state() -> bytes:
    """An estimator's twin whose state id names a dict with a dunder key defined before it:
    skops resolves the id to that dict (document order); the twin itself compares equal
    to the estimator but for inner ids."""
    import copy

    from sklearn.preprocessing import StandardScaler

    estimator = _skops_schema(StandardScaler(with_mean=False, with_std=False))
    evil = _skops_schema({"__array_interface__": {"shape": (16,), "typestr": "|u1",
                                                  "data": (0x41414000, True), "version": 3}})
    evil["__id__"] = 777
    first = copy.deepcopy(estimator)
    first["__id__"], first["content"]["__id__"] = 111, 222
    twin = copy.deepcopy(first)
    twin["content"]["__id__"] = 777
    root = _skops_schema([0, 0, 0])
    root["content"] = [evil, twin, first]
    return _skops_file(root)


def _reduced(module: str, name: str, arguments: dict) -> bytes:
    """A ConstructorFromReduceNode calling `module.name` with `arguments` (a TupleNode)."""
    root = _skops_schema({"x": 1})
    root["content"]["x"] = {"__class__": name, "__module__": module,
                            "__loader__": "ConstructorFromReduceNode", "content": arguments}
    return _skops_file(root)


@pytest.mark.parametrize("make", [
    _aliased_state,
    lambda: _reduced("numpy._core.multiarray", "_reconstruct",
                     _skops_schema(((), (4096,), b"b"))),
    lambda: _reduced("copyreg", "_reconstructor", _skops_schema(((), (), {}))),
], ids=["id-aliased-state", "numpy-reconstruct", "copyreg-reconstructor"])
def test_round_32_skops_trees_no_writer_makes_are_refused(git_project, capsys, make):
    """Static-layer review round 32: a twin ObjectNode's state id resolved (in skops'
    document order) to a dict with `__array_interface__` mlgate never examined, since it
    skipped the twin as a repeat; a ConstructorFromReduceNode called numpy's _reconstruct
    (uninitialised memory) or copyreg._reconstructor (a Bunch over any address). Both
    passed with exit 0."""
    (git_project / "model.skops").write_bytes(make())
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--only-artifacts", "model.skops")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found


def test_round_32_skops_files_skops_writes_still_pass(git_project, capsys):
    import datetime

    import numpy as np
    from sklearn.linear_model import LogisticRegression

    sio = pytest.importorskip("skops.io")
    model = LogisticRegression().fit(np.arange(8.0).reshape(4, 2), [0, 1, 0, 1])
    shared = {"a": 1}
    (git_project / "model.skops").write_bytes(sio.dumps(
        {"model": model, "again": model, "zone": datetime.timezone.utc, "one": shared,
         "two": shared}))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "--only-artifacts", "model.skops") == (0, [])


def test_round_32_the_probe_checks_a_reduce_node_calls_a_class():
    """The probe's own check, behind the static one: the name a ConstructorFromReduceNode
    calls must be a class where the file is loaded."""
    import importlib

    from mlgate.probe_script.common import LoadFailure
    from mlgate.probe_script.load import _reduced_are_classes

    class Resolver:
        @staticmethod
        def module(module, name):
            return importlib.import_module(module)

    _reduced_are_classes(_reduced("datetime", "timezone", _skops_schema(
        (__import__("datetime").timedelta(0),))), Resolver())
    with pytest.raises(LoadFailure, match="is not a class"):
        _reduced_are_classes(_reduced("copyreg", "_reconstructor", _skops_schema(((),))),
                             Resolver())


def test_round_32_a_skops_schema_past_the_parse_cap_is_refused_unparsed(git_project, capsys,
                                                                        monkeypatch):
    """Static-layer review round 32 (F5): json.loads of a schema.json up to the 1 GiB
    decompression cap held 13 times that in memory. Past MAX_SCHEMA_BYTES it is not parsed
    (the cap lowered here, so that an ordinary file crosses it)."""
    from mlgate.artifacts import skops_files

    (git_project / "model.skops").write_bytes(_skops_file(_skops_schema({"x": list(range(50))})))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    monkeypatch.setattr(skops_files, "MAX_SCHEMA_BYTES", 1024)
    code, found = artifact_json(capsys, "--only-artifacts", "model.skops")
    assert code == 1 and "more than the 0 MiB mlgate parses" in found[0]["message"], found
