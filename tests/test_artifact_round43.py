"""Round 43 (false-alarm trials and reviews). A class the scan refuses as one it does not
vet is offered for `allow` only when allowing it could clear the finding: a polars
DataFrame pickles its frame as IPC bytes through `__getstate__`, a state mlgate reads for
no class it does not know, and the snippet it printed turned MLG301 into MLG302 (false-alarm
trial 42, F4): a remedy that cannot work."""

from __future__ import annotations

import io
import json
import pickletools
import subprocess
import sys

import pytest

from helpers import g
from mlgate.cli import main


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    return tmp_path


def state_pickle(module: str, name: str, state: bytes) -> bytes:
    """What pickle writes (protocol 4) for an instance of module.name whose
    __getstate__ returns `state`: GLOBAL, NEWOBJ with no arguments, the state, BUILD."""
    return b"\x80\x04" + g(module, name) + b")\x81" + state + b"b."


BYTES_STATE = b"C\x08ARROW1\x00\x00"  # SHORT_BINBYTES: what polars' __getstate__ returns
DICT_STATE = b"}\x8c\x04rows\x94K\x03s"  # {"rows": 3}: an attribute dict


def text_run(capsys, *args: str) -> tuple[int, str]:
    code = main(["artifact", "--python", sys.executable, *args])
    return code, capsys.readouterr().out


def json_run(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["artifact", "--format", "json", "--python", sys.executable, *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else []


def test_a_class_whose_state_no_allow_can_pass_is_not_offered(project, capsys):
    (project / "bundle.pkl").write_bytes(
        state_pickle("polars.dataframe.frame", "DataFrame", BYTES_STATE))
    code, out = text_run(capsys, "bundle.pkl")
    assert code == 1 and "MLG301" in out, out
    assert "allow = [" not in out, out  # no snippet: it would not help
    assert "allowing it would not help" in out, out
    code, found = json_run(capsys, "bundle.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG301"], found
    assert "allow" not in found[0], found  # JSON names no allow entry either
    assert "bytes" in found[0]["hint"], found
    # and the user who allows it by hand still gets the state refused: the hint was right
    (project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["polars.dataframe.frame:DataFrame"]\n')
    code, found = json_run(capsys, "bundle.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found


def test_a_class_with_an_attribute_dict_is_still_offered(project, capsys):
    (project / "bundle.pkl").write_bytes(state_pickle("churn.model", "Bucketer", DICT_STATE))
    code, out = text_run(capsys, "bundle.pkl")
    assert code == 1 and '"churn.model:Bucketer",' in out, out
    code, found = json_run(capsys, "bundle.pkl")
    assert found[0]["allow"] == "churn.model:Bucketer", found


def test_one_opaque_state_among_dict_states_still_withdraws_the_offer(project, capsys):
    # the same class given a dict here and bytes there: allowing it cannot clear the file
    data = (b"\x80\x04" + g("churn.model", "Bucketer") + b"\x94)\x81" + DICT_STATE + b"b"
            + b"h\x00)\x81" + BYTES_STATE + b"b\x86.")
    (project / "bundle.pkl").write_bytes(data)
    pickletools.dis(data, out=io.StringIO())  # a well-formed stream
    code, found = json_run(capsys, "bundle.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG301"], found
    assert "allow" not in found[0], found


# --------------------------------------------- archives read to their end (red team 43 F1, F2)
def tar_bytes(members: list[tuple[str, bytes]], compress=None) -> bytes:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return compress(buffer.getvalue()) if compress else buffer.getvalue()


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


PICKLE = b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00K\x01."  # 1
VOCAB = "".join(f"token{i}\n" for i in range(200_000)).encode()  # 2.2 MB of text


def compressions():
    import bz2
    import gzip
    import lzma

    return [None, gzip.compress, bz2.compress, lzma.compress]


@pytest.mark.parametrize("compress", compressions())
def test_a_model_anywhere_in_a_tar_makes_it_an_artifact(tmp_path, compress):
    from mlgate.artifacts.discovery import sniff

    cases = {
        "late": [("code/vocab.txt", VOCAB), ("weights.bin", PICKLE)],  # past the first MiB
        "many": [(f"a/{i}.txt", b"x") for i in range(1500)] + [("w.dat", PICKLE)],
        "data": [("data/a.csv", VOCAB), ("README.md", b"# data\n")],
    }
    for name, members in cases.items():
        path = tmp_path / f"{name}.tar"
        path.write_bytes(tar_bytes(members, compress))
        assert bool(sniff(str(path))) is (name != "data"), name
    # anything after the archive's end is read by `tar --ignore-zeros`: one to check
    path = tmp_path / "trailing.tar"
    path.write_bytes(tar_bytes(cases["data"]) + PICKLE)
    assert sniff(str(path))
    # a tar that does not read to its end (`tar` skips a damaged header and reads on)
    whole = tar_bytes(cases["data"] + [("w.dat", PICKLE)])
    path.write_bytes(whole[:len(whole) // 2] + b"\xff" * 512 + whole[len(whole) // 2:])
    assert sniff(str(path))


def test_a_model_late_in_a_zip_makes_it_an_artifact(tmp_path):
    from mlgate.artifacts.discovery import sniff

    assets = [(f"assets/v{i}.txt", b"x") for i in range(1000)]
    cases = {
        "named": ([*assets, ("model.pkl", PICKLE)], True),
        "by content": ([(f"assets/v{i}.txt", b"x") for i in range(3000)]
                       + [("weights.dat", PICKLE)], True),
        "a dataset": ([(f"img/{i}.csv", b"a,b\n") for i in range(10_001)], False),
        "data": ([(f"img/{i}.csv", b"a,b\n1,2\n") for i in range(3000)], False),
    }
    for name, (members, candidate) in cases.items():
        path = tmp_path / "bundle.zip"
        path.write_bytes(zip_bytes(members))
        assert bool(sniff(str(path))) is candidate, name


def test_a_zip_with_more_members_than_the_sniff_reads_is_a_candidate(tmp_path, monkeypatch):
    from mlgate.artifacts import discovery

    monkeypatch.setattr(discovery, "_ZIP_MEMBERS", 100)
    path = tmp_path / "bundle.zip"
    path.write_bytes(zip_bytes([(f"img/{i}.csv", b"a,b\n") for i in range(101)]))
    assert discovery.sniff(str(path))


def test_members_hidden_by_kind_link_or_compression_are_found(tmp_path):
    # red team 43b F1, F6: a member of a type tarfile does not know (`tar` writes it as a
    # file), a link named model.pkl, a gzip- or zlib-compressed pickle: "not an artifact"
    import gzip
    import io
    import tarfile
    import zlib

    from mlgate.artifacts.discovery import sniff

    def tar_of(*infos: tuple[tarfile.TarInfo, bytes]) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            archive.addfile(tarfile.TarInfo("README.md"), io.BytesIO(b""))
            for info, data in infos:
                info.size = len(data) if info.isreg() or info.type == b"Z" else 0
                archive.addfile(info, io.BytesIO(data))
        return gzip.compress(buffer.getvalue())

    unknown = tarfile.TarInfo("weights.dat")
    unknown.type = b"Z"
    link = tarfile.TarInfo("model.pkl")
    link.type, link.linkname = tarfile.SYMTYPE, "README.md"
    cases = {
        "unknown type": tar_of((unknown, PICKLE)),
        "link named as a model": tar_of((link, b"")),
        "gzip pickle": tar_of((tarfile.TarInfo("weights.dat"), gzip.compress(PICKLE))),
        "zlib pickle": tar_of((tarfile.TarInfo("weights.dat"), zlib.compress(PICKLE))),
        "zip of a zlib pickle": zip_bytes([("a.txt", b"x"), ("w.dat", zlib.compress(PICKLE))]),
    }
    for name, data in cases.items():
        path = tmp_path / "bundle.bin"
        path.write_bytes(data)
        assert sniff(str(path)), name
    # a compressed data file in an archive is no model
    path.write_bytes(tar_of((tarfile.TarInfo("data.csv.gz"), gzip.compress(b"a,b\n1,2\n"))))
    assert not sniff(str(path))


def test_an_archive_that_inflates_past_any_real_ratio_is_a_candidate_at_once(tmp_path):
    # red team 43b F10: 2 KB of bz2 inflated 256 MiB in the sniff, on every run
    import bz2
    import io
    import tarfile

    from mlgate.artifacts.discovery import sniff

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("zeros.bin")
        info.size = 64 * 2**20
        archive.addfile(info, io.BytesIO(bytes(info.size)))
    path = tmp_path / "zeros.tar.bz2"
    path.write_bytes(bz2.compress(buffer.getvalue(), 9))
    assert path.stat().st_size < 4096
    assert sniff(str(path))  # (a candidate: the check then says what it is)


def test_the_audit_is_not_ready_with_a_model_deep_in_a_tar(project, capsys):
    import gzip

    (project / "model.tar.gz").write_bytes(
        tar_bytes([("code/vocab.txt", VOCAB), ("model.joblib", PICKLE)], gzip.compress))
    code, found = json_run(capsys)
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [
        ("model.tar.gz", "MLG304")], found


# ------------------------------------------------------- models in a submodule (red team 43 F3)
def git(*args: str, cwd) -> None:
    """git as a test user, allowed to add a local repository as a submodule."""
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=t",
                    "-c", "protocol.file.allow=always", *args], cwd=cwd, check=True,
                   capture_output=True)


def test_a_model_in_a_submodule_is_checked(project, capsys, tmp_path_factory):
    shared = tmp_path_factory.mktemp("shared-models")

    git("init", "-q", cwd=shared)
    (shared / "models").mkdir()
    (shared / "models" / "model.pkl").write_bytes(
        state_pickle("churn.model", "Bucketer", DICT_STATE))
    (shared / "models" / "weights.bin").write_bytes(PICKLE)  # found by content too
    git("add", "-A", cwd=shared)
    git("commit", "-qm", "models", cwd=shared)
    git("submodule", "add", "-q", str(shared), "vendor/shared", cwd=project)
    code, found = json_run(capsys)
    assert code == 1 and sorted((f["path"], f["code"]) for f in found) == [
        ("vendor/shared/models/model.pkl", "MLG301")], found


# ------------------------------------------------- ecosystem models (new-user trial 43)
def test_a_lightgbm_model_re_saved_after_an_upgrade_passes(project, capsys):
    lightgbm = pytest.importorskip("lightgbm")
    import joblib
    import numpy as np

    rng = np.random.RandomState(0)
    X = rng.rand(200, 3)
    model = lightgbm.LGBMRegressor(n_estimators=5, verbose=-1).fit(X, X[:, 0] * 3)
    # LightGBM 3 kept its model text in `handle`; LightGBM 4 loads such a pickle into
    # `_handle` and keeps `handle` as an attribute, so its next dump holds both
    model.booster_.handle = model.booster_.model_to_string()
    joblib.dump(model, "model.joblib")
    code, found = json_run(capsys, "model.joblib")
    assert (code, found) == (0, []), found
    # still only model texts: a handle of another kind is refused
    model.booster_.handle = 12
    joblib.dump(model, "model.joblib")
    code, found = json_run(capsys, "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found


def test_an_old_lightgbm_wrappers_columns_are_its_boosters(project, capsys):
    # F1: pickled by an older LightGBM, the wrapper lacks `_fitted_with_feature_names`, so
    # feature_names_in_ raises in LightGBM 4.5+; the Booster still has the columns
    lightgbm = pytest.importorskip("lightgbm")
    import joblib
    import numpy as np
    import pandas as pd

    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.rand(200, 3), columns=["SO2", "NO2", "CO"])
    model = lightgbm.LGBMRegressor(n_estimators=5, verbose=-1).fit(frame, frame["SO2"])
    model.__dict__.pop("_fitted_with_feature_names", None)
    joblib.dump(model, "model.joblib")
    (project / "sample_request.json").write_text('{"so2": 0.1, "CO": 0.2, "NO2": 0.3}')
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["schema", "--format", "json", "--no-cache", "--python", sys.executable])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG401"], found
    assert "'SO2'" in found[0]["message"], found
    (project / "sample_request.json").write_text('{"SO2": 0.1, "NO2": 0.3, "CO": 0.2}')
    code = main(["schema", "--format", "json", "--no-cache", "--python", sys.executable])
    assert (code, capsys.readouterr().out.strip()) == (0, "[]")


# ------------------------------ gradient boosting of scikit-learn 1.2 and 1.3 (false alarms 43)
class MultinomialDeviance:  # scikit-learn < 1.4's losses: K wide, multiclass by class
    is_multi_class = True

    def __init__(self, k):
        self.K = k


class BinomialDeviance:
    is_multi_class = False

    def __init__(self, k=1):
        self.K = k


class Prior:
    def __init__(self, classes):
        self.classes_ = list(range(classes))


class OldBoosting:
    """scikit-learn 1.2 and 1.3's layout: predict() reads `self._loss`."""

    def __init__(self, trees, init, loss, **added):
        import numpy as np

        self.estimators_ = np.empty((5, trees), dtype=object)
        self.init_ = init
        self._loss = loss
        self.__dict__.update(added)

    def _raw_predict_init(self, X):  # (what the check reads: the names this code uses)
        if self.init_ == "zero":
            return self._loss.K
        return self._loss.get_init_raw_predictions(X, self.init_)


class OlderBoosting(OldBoosting):
    """Earlier releases' layout: predict() reads `self.loss_`."""

    def __init__(self, trees, init, loss, **added):
        super().__init__(trees, init, None, loss_=loss, **added)

    def _raw_predict_init(self, X):
        if self.init_ == "zero":
            return self.loss_.K
        return self.loss_.get_init_raw_predictions(X, self.init_)


@pytest.mark.parametrize(("model", "problem"), [
    # what scikit-learn 1.3 and 1.2 (`_loss`) and earlier (`loss_`) write: they predict
    (OldBoosting(3, Prior(3), MultinomialDeviance(3)), None),
    (OlderBoosting(3, Prior(3), MultinomialDeviance(3)), None),
    (OldBoosting(3, "zero", MultinomialDeviance(3)), None),
    (OldBoosting(1, "zero", BinomialDeviance()), None),
    (OlderBoosting(1, Prior(2), BinomialDeviance()), None),
    # trees wider than what predict() makes the init write: out of bounds
    (OldBoosting(3, Prior(3), BinomialDeviance(3)), "1 wide, for trees 3 wide"),
    (OldBoosting(3, "zero", MultinomialDeviance(1)), "1 wide, for trees 3 wide"),
    (OldBoosting(3, Prior(2), MultinomialDeviance(3)), "2 wide, for trees 3 wide"),
    # red team 43b: the other layout's attributes added are not what predict() reads
    (OldBoosting(64, "zero", BinomialDeviance(), n_trees_per_iteration_=64),
     "1 wide, for trees 64 wide"),
    (OlderBoosting(3, Prior(3), BinomialDeviance(), _loss=MultinomialDeviance(3)),
     "1 wide, for trees 3 wide"),
])
def test_old_gradient_boosting_layouts_are_judged_by_what_predict_reads(model, problem):
    from mlgate.probe_script.verify import _boosting_init_problem

    found = _boosting_init_problem(model, classifier=True)
    assert (found is None) if problem is None else (problem in found), found


def test_an_instance_cannot_make_a_binomial_loss_multiclass():
    from mlgate.probe_script.verify import _boosting_init_problem

    for name in ("is_multi_class", "is_multiclass"):
        loss = BinomialDeviance(3)
        setattr(loss, name, True)  # in the pickled state: predict() calls the class's method
        found = _boosting_init_problem(OldBoosting(3, Prior(3), loss), classifier=True)
        assert found and "1 wide, for trees 3 wide" in found, name


# -------------------------------------------- tokenizer=str.split (false-alarm trial 43, F2)
@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_a_vectorizer_splitting_with_str_split_passes(project, capsys, protocol):
    import pickle

    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["good movie", "bad movie", "good plot", "bad acting"] * 5
    model = make_pipeline(TfidfVectorizer(tokenizer=str.split, token_pattern=None,
                                          preprocessor=str.lower),
                          LogisticRegression()).fit(texts, [1, 0, 1, 0] * 5)
    (project / "model.pkl").write_bytes(pickle.dumps(model, protocol=protocol))
    (project / "counts.pkl").write_bytes(pickle.dumps(
        CountVectorizer(tokenizer=bytes.split, lowercase=False, token_pattern=None),
        protocol=protocol))
    assert json_run(capsys, "model.pkl", "counts.pkl") == (0, [])


class Lookup:
    def __init__(self, owner, name, then=None):
        self.owner, self.name, self.then = owner, name, then

    def __reduce__(self):
        return (getattr, (self.owner, self.name))


# getattr(str, 'split') then called by the pickle itself: ("a b",) REDUCE
CALLED = (b"\x80\x04" + g("builtins", "getattr") + g("builtins", "str")
          + b"\x8c\x05split\x86R\x8c\x03a b\x85R.")


@pytest.mark.parametrize("payload", [
    {"tokenizer": Lookup(str, "format")},  # reads attributes of what it is given
    {"tokenizer": Lookup(str, "__class__")},
    {"tokenizer": Lookup(dict, "update")},
    {"tokenizer": Lookup(__import__("pathlib").Path, "write_text")},
    CALLED,
])
def test_getattr_for_anything_else_is_still_refused(project, capsys, payload):
    import pickle

    data = payload if isinstance(payload, bytes) else pickle.dumps(payload, protocol=4)
    pickletools.dis(data, out=io.StringIO())  # a well-formed stream
    (project / "evil.pkl").write_bytes(data)
    code, found = json_run(capsys, "evil.pkl")
    assert code == 1 and found, found


def test_the_probe_hands_out_the_text_methods_the_scan_accepts():
    from mlgate.artifacts.value_types import TEXT_METHODS
    from mlgate.probe_script import load

    assert load.TEXT_METHODS == TEXT_METHODS
    assert load._zoneinfo_getattr(str, "split") is str.split
    for owner, name in [(str, "format"), (dict, "update"), (str, "split", )]:
        with pytest.raises(load.LoadFailure):
            load._zoneinfo_getattr(owner, name, None) if name == "split" else (
                load._zoneinfo_getattr(owner, name))


def test_a_submodule_marked_as_an_environment_or_absent_is_not_passed_in_silence(
        project, capsys, tmp_path_factory):
    # red team 43b: a `pyvenv.cfg` a submodule commits hid its models (F4); a submodule
    # not checked out (a CI checkout's default) was passed without a word (F5)
    shared = tmp_path_factory.mktemp("shared-models")

    git("init", "-q", cwd=shared)
    (shared / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (shared / "model.pkl").write_bytes(state_pickle("churn.model", "Bucketer", DICT_STATE))
    git("add", "-A", cwd=shared)
    git("commit", "-qm", "models", cwd=shared)
    git("submodule", "add", "-q", str(shared), "vendor/shared", cwd=project)
    code, found = json_run(capsys)
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [
        ("vendor/shared/model.pkl", "MLG301")], found
    git("submodule", "deinit", "-q", "-f", "vendor/shared", cwd=project)
    code = main(["artifact", "--python", sys.executable])
    err = capsys.readouterr().err
    assert code == 0 and "submodule vendor/shared not checked out" in err, err
    main(["audit", "--python", sys.executable, "--skip", "lock"])  # (red team 43c F4)
    assert "submodule vendor/shared not checked out" in capsys.readouterr().err


def test_a_dummy_init_whose_priors_are_not_its_classes_is_refused(project, capsys):
    # red team 43c F2: predict_proba of a "prior" DummyClassifier is as wide as its
    # class_prior_; one entry under three classes passed and corrupted the heap in predict
    import joblib
    import numpy as np
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.RandomState(0)
    X, y = rng.rand(60, 3), np.arange(60) % 3
    model = GradientBoostingClassifier(n_estimators=3, max_depth=1).fit(X, y)
    joblib.dump(model, "model.joblib")
    assert json_run(capsys, "model.joblib") == (0, [])
    model.init_.class_prior_ = model.init_.class_prior_[:1]
    joblib.dump(model, "model.joblib")
    code, found = json_run(capsys, "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "DummyClassifier: class priors" in found[0]["message"], found


def test_archives_hidden_behind_a_prefix_or_inside_a_member_are_candidates(tmp_path):
    # red team 43c F1, F3: bytes before a zip's first header (unzip and pandas read it from
    # its end), a member in joblib's old "ZF" container, an archive inside the archive
    import gzip
    import zlib

    from mlgate.artifacts.discovery import sniff

    zipped = zip_bytes([("a.txt", b"x"), ("model.pkl", PICKLE)])
    zf = b"ZF0x%x" % len(PICKLE)
    zf = zf.ljust(21) + b" " + zlib.compress(PICKLE)
    cases = {
        "prefixed zip": b"#!/bin/sh\nexit 0\n" + zipped,
        "ZF member": zip_bytes([("a.txt", b"x"), ("w.bin", zf)]),
        "nested zip": tar_bytes([("README.md", b"x"), ("inner.zip", zipped)], gzip.compress),
        "nested tar": tar_bytes([("README.md", b"x"), ("inner.tar", tar_bytes(
            [("m.bin", PICKLE)]))]),
    }
    for name, data in cases.items():
        path = tmp_path / "bundle.bin"
        path.write_bytes(data)
        assert sniff(str(path)), name
    # documents are zips too, and text members are not read as protocol 0 pickles
    path = tmp_path / "reports.tar.gz"
    path.write_bytes(tar_bytes([("q1.docx", zip_bytes([("word/document.xml", b"<w/>")])),
                                ("notes.txt", b"(lp0\nI1\na.")], gzip.compress))
    assert not sniff(str(path))
    # ...but pandas.read_pickle unpickles a one-file tar, whatever its member's name
    path.write_bytes(tar_bytes([("notes.txt", b"(lp0\nI1\na.")], gzip.compress))
    assert sniff(str(path))
