"""Round 6 of red-teaming. Each artifact below passed with exit 0 before its fix.

- memo aliasing of joblib's object arrays: joblib (>= 1.2, and 0.12 to 1.1) writes an object
  array as a whole pickle right after its wrapper, with no padding byte. joblib reads it with
  a fresh unpickler; `pickle.load` of the file reads it with its own, whose memo holds the
  outer stream's values: a MEMOIZE there numbers from the outer memo's size, so a GET finds
  the outer value at that key. A file whose outer stream memoizes 'os' and 'system' and whose
  array pickle GETs keys 0 and 1 for a STACK_GLOBAL + REDUCE passed the scan (the array
  pickle was scanned with a fresh memo only) and ran os.system under `pickle.load`. The scan
  now follows pickle.load's reading of that pickle too: the same as joblib's until a GET
  finds another value, then plain_view's reading. Real files get there (their array pickle
  GETs 'numpy' at key 3, where pickle.load finds the outer stream's key 3): a module name it
  would import there is left to the probe, which checks no such module exists.
"""

from __future__ import annotations

import io
import pickle
import pickletools

import numpy as np
import pytest

from helpers import artifact_json
from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList, sklearn_classes
from mlgate.artifacts.pickle_scan import scan_pickle

ALLOW = AllowList(BASE | NUMPY_TYPES | NUMPY_UFUNCS | sklearn_classes())


def _array_body(array, shift: int) -> bytes:
    """`array` pickled (protocol 4) without PROTO/FRAME, its BINGET keys shifted by `shift`
    (for a pickle that memoized `shift` values before it)."""
    raw = pickle.dumps(array, protocol=4)
    ops = list(pickletools.genops(raw))
    out = b""
    for k, (op, arg, pos) in enumerate(ops):
        end = ops[k + 1][2] if k + 1 < len(ops) else len(raw)
        if op.name in ("PROTO", "FRAME"):
            continue
        out += b"h" + bytes([arg + shift]) if op.name == "BINGET" else raw[pos:end]
    return out


def _with_nested(outer, nested: bytes) -> bytes:
    """joblib's dump of `outer` (whose only array is an object array holding 'x'), with
    that array's pickle replaced by `nested`."""
    import joblib

    buffer = io.BytesIO()
    joblib.dump(outer, buffer)
    data = buffer.getvalue()
    start = data.index(b"b\x80", data.index(b"numpy_array_alignment_bytes")) + 1
    end = data.index(b".", data.index(b"\x8c\x01x", start)) + 1
    return data[:start] + nested + data[end:]


def _aliasing(marker) -> bytes:
    """joblib.load: ('os', 'system', array(['x'])); pickle.load: os.system('touch marker')."""
    command = f"touch {marker}".encode()
    nested = (b"\x80\x04\x8c\x07pathlib\x940\x8c\x0dPurePosixPath\x940h\x00h\x01\x93"
              + b"\x8c" + bytes([len(command)]) + command + b"\x85R0"
              + _array_body(np.array(["x"], dtype=object), 2))
    return _with_nested(("os", "system", np.array(["x"], dtype=object)), nested)


def _aliased_call() -> bytes:
    """pickle.load calls the outer stream's OrderedDict (key 2) where joblib's reading
    calls the array pickle's own PurePosixPath: a call the view cannot vouch for."""
    from collections import OrderedDict

    nested = (b"\x80\x04\x8c\x01a\x940\x8c\x01b\x940"
              b"\x8c\x07pathlib\x8c\x0dPurePosixPath\x93\x94)R0h\x02)R0"
              + _array_body(np.array(["x"], dtype=object), 3))
    return _with_nested((OrderedDict, np.array(["x"], dtype=object)), nested)


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "PWNED"
    yield path
    assert not path.exists(), "a payload ran"


def test_the_aliasing_payload_is_what_it_claims(tmp_path):
    """(The reproducer itself: harmless for joblib, os.system under pickle.load.)"""
    import joblib

    marker = tmp_path / "ran"
    data = _aliasing(marker)
    loaded = joblib.load(io.BytesIO(data))
    assert loaded[:2] == ("os", "system") and not marker.exists()
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(data)  # after the command ran
    assert marker.exists()


def test_an_object_array_aliasing_the_outer_memo_is_refused(git_project, capsys, marker):
    for data in (_aliasing(marker), _aliased_call()):
        verdict = scan_pickle(data, ALLOW)
        assert [r for r in verdict.refusals if "memo of the stream around it" in r.message]
    (git_project / "model.joblib").write_bytes(_aliasing(marker))
    (git_project / "called.joblib").write_bytes(_aliased_call())
    code, found = artifact_json(capsys, "model.joblib", "called.joblib")
    assert code == 1 and sorted(f["path"] for f in found) == ["called.joblib", "model.joblib"]
    assert all("with the memo of the stream around it" in f["message"] for f in found)


def test_a_module_pickle_load_would_import_is_checked_by_the_probe(git_project, capsys):
    """A module named by a string of the outer stream, where pickle.load's reading of an
    object array's pickle imports it: the scan leaves it to the probe, which refuses it when
    it exists (a module of the project here)."""
    import joblib

    buffer = io.BytesIO()
    joblib.dump({"a": 1, "b": "mlgate_rt6_mod", "cols": np.array(["a"], dtype=object)}, buffer)
    data = buffer.getvalue()
    assert scan_pickle(data, ALLOW).absent_modules == {"mlgate_rt6_mod"}
    (git_project / "bundle.joblib").write_bytes(data)
    assert artifact_json(capsys, "bundle.joblib") == (0, [])
    (git_project / "mlgate_rt6_mod.py").write_text("")
    code, found = artifact_json(capsys, "bundle.joblib")
    assert code == 1 and "would import the module 'mlgate_rt6_mod'" in found[0]["message"]


def _real_files():
    import joblib
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X = pd.DataFrame({"a": [0.0, 1, 2, 3] * 3, "b": [1.0, 0, 1, 0] * 3, "c": list("xyzw") * 3})
    y = [0, 1, 0, 1] * 3
    pipe = Pipeline([("pre", ColumnTransformer([("num", StandardScaler(), ["a", "b"]),
                                                ("cat", OneHotEncoder(), ["c"])])),
                     ("clf", LogisticRegression())]).fit(X, y)
    lr = LogisticRegression().fit(X[["a", "b"]], y)
    objects = {"lr": lr, "pipe": pipe, "bundle": {"model": pipe, "threshold": 0.5},
               "named": {"name": "churn", "model": lr}, "columns": {"cols": np.array(
                   ["a", "b"], dtype=object)}, "pair": (lr, ["a", "b"])}
    files = {}
    for name, obj in objects.items():
        for protocol in (None, 2):
            buffer = io.BytesIO()
            joblib.dump(obj, buffer, protocol=protocol)
            files[f"{name}-{protocol}.joblib"] = buffer.getvalue()
    return files


class _Recording(pickle._Unpickler):
    """pickle.py's reading, noting every module it imports."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.modules = []

    def find_class(self, module, name):
        self.modules.append(module)
        return super().find_class(module, name)


def test_real_files_whose_first_array_holds_objects_still_pass(git_project, capsys):
    """Differential: where pickle.load of a real file fails to import a module, the scan
    named exactly that module for the probe, and nothing else; the files pass."""
    files = _real_files()
    for name, data in files.items():
        verdict = scan_pickle(data, ALLOW)
        assert verdict.safe, (name, verdict.refusals)
        reading = _Recording(io.BytesIO(data))
        with pytest.raises((pickle.UnpicklingError, ImportError, AttributeError, TypeError)):
            reading.load()
        missing = set()
        for module in reading.modules:
            try:
                __import__(module)
            except ImportError:
                missing.add(module.split(".")[0])
        assert verdict.absent_modules == missing, name
        (git_project / name).write_bytes(data)
    assert artifact_json(capsys, *files) == (0, [])


def test_a_pickle_opening_with_an_opcode_picklers_do_not_write_first_is_found(
        git_project, capsys):
    """Found by content (the hook passes every staged file): PROTO 2, then an opcode no
    pickler writes first (UNICODE, POP), then the payload, under a name no artifact has."""
    payload = (b"\x80\x02Vx\n0cos\nsystem\n(S'touch /nonexistent/PWNED'\ntR.")
    (git_project / "weights.dat").write_bytes(payload)
    code, found = artifact_json(capsys, "--only-artifacts", "weights.dat")
    assert code == 1 and found[0]["code"] == "MLG301", found
