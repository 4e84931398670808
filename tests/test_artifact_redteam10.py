"""Round 10 of red-teaming: gaps left open by round 9, each closed by a rule.

- joblib reads array bytes after the BUILD of *any* NumpyArrayWrapper instance. One made by
  `copyreg._reconstructor(NumpyArrayWrapper, object, None)` (by REDUCE, OBJ or INST) was not
  taken for a wrapper by the scan, which then read the array's bytes as opcodes while joblib
  skipped them and ran what followed unscanned. Rule: the wrapper class may only be the class
  of NEWOBJ with no arguments; every opcode that gathers values refuses it anywhere else.
  INST is now a call like OBJ, with all of a call's rules (numpy's value-only classes too).
- `copyreg._reconstructor(numpy.ndarray, numpy.ndarray, 4096)` made an array of
  uninitialised memory. Rule: `_reconstructor` only as copyreg writes it, with `object` and
  a None state, or a builtin container as base.
- a 2 MB gzip bomb held 4 GB of mlgate's memory before it was refused. Rule: decompression
  in pieces, stopped one piece past an absolute cap of 1 GiB (and the ratio cap).
- a dtype holding another twice at every level: numpy computes its `descr` (and its hash,
  its text) in time exponential in the depth, and the probe's check asked for it. Rule: the
  probe compares dtypes by structural numbers, one per level.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import pickle
import struct
import subprocess
import zlib

import numpy as np
import pytest

from helpers import artifact_json, g
from mlgate.artifacts import container


def _s(text: str) -> bytes:
    raw = text.encode()
    return b"U" + bytes([len(raw)]) + raw


WRAPPER = g("joblib.numpy_pickle", "NumpyArrayWrapper")
_DTYPE = (g("numpy", "dtype") + _s("u1") + b"\x89\x88\x87R(K\x03" + _s("|")
          + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")
# The state joblib < 1.2 wrote for a uint8 array of 5 items (no alignment: bytes follow).
_STATE = (b"}(" + _s("subclass") + g("numpy", "ndarray") + _s("shape") + b"K\x05\x85"
          + _s("order") + _s("C") + _s("dtype") + _DTYPE + _s("allow_mmap") + b"\x89u")
# What joblib runs and the scan, reading the 5 array bytes as BINBYTES, would skip.
_HIDDEN = g("builtins", "print") + b"(" + _s("smuggled") + b"tR"
_ARRAY = b"B" + struct.pack("<I", len(_HIDDEN))
_RECONSTRUCTOR, _OBJECT = g("copyreg", "_reconstructor"), g("builtins", "object")
MAKERS = {
    "newobj": WRAPPER + b")\x81",  # joblib's own: the scan reads the bytes as an array
    "reduce": _RECONSTRUCTOR + b"(" + WRAPPER + _OBJECT + b"NtR",
    "obj": b"(" + _RECONSTRUCTOR + WRAPPER + _OBJECT + b"No",
    "inst": b"(" + WRAPPER + _OBJECT + b"Nicopyreg\n_reconstructor\n",
}


def _smuggler(maker: str) -> bytes:
    return b"\x80\x02" + MAKERS[maker] + _STATE + b"b" + _ARRAY + _HIDDEN + b"0."


@pytest.mark.parametrize("maker", ["reduce", "obj", "inst"])
def test_a_wrapper_made_otherwise_than_by_newobj_is_refused(git_project, capsys, maker):
    import joblib

    path = git_project / "model.joblib"
    path.write_bytes(_smuggler(maker))
    # joblib takes it for a wrapper: it skips the 5 bytes and runs what the scan would skip
    assert joblib.load(path).tolist() == list(_ARRAY)
    assert "smuggled" in capsys.readouterr().out
    code, found = artifact_json(capsys, "--no-load", "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found
    assert "array wrapper class used otherwise than as joblib uses it" in found[0]["message"]


def test_joblibs_own_wrapper_has_its_bytes_skipped_and_what_follows_scanned(git_project,
                                                                            capsys):
    (git_project / "model.joblib").write_bytes(_smuggler("newobj"))
    code, found = artifact_json(capsys, "--no-load", "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG301"], found
    assert "builtins.print" in found[0]["message"]


@pytest.mark.parametrize("stream", [
    # copyreg's reconstructor with a base whose __new__ is not a builtin container's
    _RECONSTRUCTOR + g("numpy", "ndarray") + g("numpy", "ndarray") + b"M\x00\x10\x87R.",
    # object as base, and a state: _reconstructor would call object.__init__ with it
    _RECONSTRUCTOR + g("collections", "OrderedDict") + _OBJECT + b"K\x01\x87R.",
    # INST of a class numpy only ever hands to its reconstructor
    b"(M\x00\x10inumpy\nndarray\n.",
], ids=["ndarray-base", "object-with-state", "inst-ndarray"])
def test_reconstructor_and_inst_only_in_the_forms_writers_use(git_project, capsys, stream):
    (git_project / "model.pkl").write_bytes(b"\x80\x02" + stream)
    code, found = artifact_json(capsys, "--no-load", "model.pkl")
    assert code == 1 and [f["code"] for f in found] == ["MLG302"], found


def test_builtin_container_subclasses_still_pass_in_protocols_0_and_1(git_project, capsys):
    from collections import OrderedDict

    from sklearn.utils import Bunch

    value = {"bunch": Bunch(a=1), "ordered": OrderedDict(b=2), "frozen": frozenset({3})}
    for protocol in (0, 1):
        (git_project / f"p{protocol}.pkl").write_bytes(pickle.dumps(value, protocol=protocol))
        assert b"_reconstructor" in (git_project / f"p{protocol}.pkl").read_bytes()
    assert artifact_json(capsys, "p0.pkl", "p1.pkl") == (0, [])


def _compressors():
    def lz4_compress(data: bytes) -> bytes:
        lz4_frame = pytest.importorskip("lz4.frame")
        return lz4_frame.compress(data)

    return {"zlib": zlib.compress, "gzip": gzip.compress, "bz2": bz2.compress,
            "xz": lzma.compress,
            "lzma": lambda data: lzma.compress(data, format=lzma.FORMAT_ALONE),
            "lz4": lz4_compress}


@pytest.mark.parametrize("kind", ["zlib", "gzip", "bz2", "xz", "lzma", "lz4"])
def test_decompression_in_pieces_gives_the_whole_stream(monkeypatch, kind):
    monkeypatch.setattr(container, "_PIECE", 4096)
    rng = np.random.default_rng(0)
    # exactly a number of pieces, and not: the loop's two ends
    for size in (4096 * 7, 4096 * 7 + 123, 17):
        data = rng.integers(0, 4, size, dtype=np.uint8).tobytes()
        packed = _compressors()[kind](data)
        assert container.detect(packed) == kind
        assert container.decompress(packed, kind) == data
        with pytest.raises(container.ContainerError, match=r"truncated|corrupt"):
            container.decompress(packed[:len(packed) // 2], kind)


@pytest.mark.parametrize("kind", ["gzip", "xz"])  # (bz2 packs zeros past the ratio cap)
def test_a_bomb_is_refused_at_the_absolute_cap(monkeypatch, kind):
    monkeypatch.setattr(container, "_PIECE", 1 << 16)
    monkeypatch.setattr(container, "MAX_DECOMPRESSED", 1 << 20)
    bomb = _compressors()[kind](bytes(64 << 20))  # 64 MiB of zeros
    with pytest.raises(container.ContainerError, match="mlgate's cap for a compressed"):
        container.decompress(bomb, kind)


def test_a_bomb_is_decompressed_no_further_than_one_piece_past_the_cap(monkeypatch):
    monkeypatch.setattr(container, "_PIECE", 1 << 16)
    monkeypatch.setattr(container, "MAX_DECOMPRESSED", 1 << 20)
    produced = []
    real = zlib.decompressobj

    class Counting:
        def __init__(self, *args):
            self.engine = real(*args)

        def decompress(self, data, limit):
            out = self.engine.decompress(data, limit)
            produced.append(len(out))
            return out

        def __getattr__(self, name):
            return getattr(self.engine, name)

    monkeypatch.setattr(zlib, "decompressobj", Counting)
    with pytest.raises(container.ContainerError):
        container.decompress(gzip.compress(bytes(64 << 20)), "gzip")
    assert (1 << 20) < sum(produced) <= (1 << 20) + (1 << 16)


def test_the_ratio_cap_still_holds_below_the_absolute_one():
    bomb = bz2.compress(bytes(4 << 20))  # 4 MiB of zeros in well under 4 kB
    with pytest.raises(container.ContainerError, match="more than 1000 times its size"):
        container.decompress(bomb, "bz2")


def _doubling_dtype(depth: int) -> np.dtype:
    dtype = np.dtype([("a", "<i4")])
    for _ in range(depth):
        dtype = np.dtype([("x", dtype), ("y", dtype)])
    return dtype


def test_a_dtype_that_doubles_at_every_level_is_verified_without_numpys_descr(git_project,
                                                                               capsys):
    # 2**40 leaves: numpy's descr, hash or text of it would not finish; the file is 3 kB.
    (git_project / "model.pkl").write_bytes(pickle.dumps(
        {"dtype": _doubling_dtype(26)}, protocol=2))
    assert artifact_json(capsys, "model.pkl") == (0, [])


ESTIMATOR = ("from sklearn.base import BaseEstimator\n\n\n"
             "class Model(BaseEstimator):\n    def __init__(self, alpha=1.0):\n"
             "        self.alpha = alpha\n")


def test_what_code_in_the_probe_prints_is_never_taken_for_its_answer(git_project, capsys,
                                                                    monkeypatch):
    """A module of the project (a class the artifact names, imported by the load) printed
    the answer the probe gives for a model that loaded, and left: the check passed whatever
    the artifact held. The probe answers on a copy of stdout made before anything of the
    project or the artifact runs, and their stdout is its stderr."""
    from test_artifact_load import pickle_with_project_class

    import mlgate.probe

    pickle_with_project_class(git_project, "proj.est", ESTIMATOR, lambda m: m.Model())
    subprocess.run(["git", "add", "proj"], check=True)
    answers = []
    real = mlgate.probe.PendingProbe.result

    def recording(self):
        answers.append(real(self))
        return answers[-1]

    monkeypatch.setattr(mlgate.probe.PendingProbe, "result", recording)
    assert artifact_json(capsys, "model.joblib") == (0, [])
    loaded = next(a for a in answers if a.get("ok") and a.get("type") == "proj.est.Model")
    forged = mlgate.probe.ANSWER_MARK + json.dumps({"result": loaded})  # even marked
    (git_project / "proj" / "est.py").write_text(
        f"import os, sys\nsys.stdout.write({forged!r})\nsys.stdout.flush()\nos._exit(0)\n"
        + ESTIMATOR)
    code, found = artifact_json(capsys, "model.joblib")
    assert code == 1 and [f["code"] for f in found] == ["MLG309"], found
    assert "failed to run the probe" in found[0]["message"]
