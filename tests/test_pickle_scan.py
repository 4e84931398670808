"""The static pickle scan: ordinary models pass, every call it cannot vouch for is refused.

Models are trained here on tiny data; nothing is loaded by the scan itself.
"""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from mlgate.artifacts.allowlist import (
    BASE,
    NUMPY_TYPES,
    NUMPY_UFUNCS,
    AllowList,
    sklearn_classes,
)
from mlgate.artifacts.container import ContainerError, decompress, detect
from mlgate.artifacts.pickle_scan import scan_pickle


@pytest.fixture(scope="module")
def allow() -> AllowList:
    return AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES | sklearn_classes())


def _zoo():
    import pandas as pd
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        RandomForestClassifier,
        StackingClassifier,
        VotingClassifier,
    )
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.RandomState(0)
    X = rng.rand(60, 3)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    frame = pd.DataFrame({"age": rng.rand(60), "income": rng.rand(60),
                          "city": rng.choice(["a", "b", "c"], 60)})
    texts = ["good model", "bad data", "good data", "bad model"] * 5
    labels = [1, 0, 1, 0] * 5
    columns = ColumnTransformer([("num", StandardScaler(), ["age", "income"]),
                                 ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])])
    base = [("lr", LogisticRegression()), ("dt", DecisionTreeClassifier(max_depth=2))]
    return {
        "linear": LinearRegression().fit(X, y),
        "logistic": LogisticRegression().fit(X, y),
        "tree": DecisionTreeClassifier(max_depth=3).fit(X, y),
        "forest": RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y),
        "hgb": HistGradientBoostingClassifier(max_iter=3).fit(X, y),
        "knn": KNeighborsClassifier(n_neighbors=3).fit(X, y),
        "svc": SVC(probability=True, random_state=0).fit(X, y),
        "pipeline": make_pipeline(columns, LogisticRegression()).fit(frame, y),
        "log1p": make_pipeline(FunctionTransformer(np.log1p), LinearRegression()).fit(X, y),
        "tfidf": make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels),
        "counts": CountVectorizer().fit(texts),
        "calibrated": CalibratedClassifierCV(LogisticRegression(), cv=2).fit(X, y),
        "voting": VotingClassifier(base).fit(X, y),
        "stacking": StackingClassifier(base, cv=2).fit(X, y),
    }


@pytest.fixture(scope="module")
def zoo():
    return _zoo()


def _joblib_bytes(model, compress) -> bytes:
    import joblib

    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=compress)
    return buffer.getvalue()


def _stream(data: bytes) -> bytes:
    kind = detect(data)
    return data if kind == "pickle" else decompress(data, kind)


FORMATS = ["p2", "p3", "p4", "p5", "joblib", "joblib-zlib", "joblib-gzip", "joblib-bz2",
           "joblib-lzma", "joblib-xz", "joblib-lz4"]


def _dump(model, fmt: str) -> bytes:
    if fmt.startswith("p"):
        return pickle.dumps(model, protocol=int(fmt[1]))
    if fmt == "joblib":
        return _joblib_bytes(model, 0)
    return _joblib_bytes(model, (fmt.split("-")[1], 3))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_ordinary_model_passes(zoo, allow, fmt):
    for name, model in zoo.items():
        data = _stream(_dump(model, fmt))
        verdict = scan_pickle(data, allow)
        assert verdict.safe, (name, fmt, verdict.refusals)
        assert verdict.end == len(data)
        assert verdict.versions.get("sklearn"), name


class _Recorder(pickle.Unpickler):
    seen: set

    def find_class(self, module, name):
        self.seen.add((module, name))
        return super().find_class(module, name)


@pytest.mark.parametrize("fmt", ["p2", "p4", "p5", "joblib"])
def test_static_globals_equal_what_a_real_load_looks_up(zoo, allow, fmt, monkeypatch):
    """Differential: the scan's globals are exactly the unpickler's find_class calls."""
    import joblib
    import joblib.numpy_pickle as numpy_pickle

    for name, model in zoo.items():
        data = _dump(model, fmt)
        static = set(scan_pickle(_stream(data), allow).globals)
        seen: set = set()
        if fmt == "joblib":
            original = numpy_pickle.NumpyUnpickler.find_class

            def recording(self, module, qualname, _original=original, _seen=seen):
                _seen.add((module, qualname))
                return _original(self, module, qualname)

            def nested_load(handle, _seen=seen, **_kwargs):
                # object arrays are a nested pickle that joblib reads with pickle.load
                nested = _Recorder(handle)
                nested.seen = _seen
                return nested.load()

            monkeypatch.setattr(numpy_pickle.NumpyUnpickler, "find_class", recording)
            monkeypatch.setattr(pickle, "load", nested_load)
            joblib.load(io.BytesIO(data))
            monkeypatch.undo()
        else:
            recorder = _Recorder(io.BytesIO(data))
            recorder.seen = seen
            recorder.load()
        assert static == seen, name


def test_containers_are_detected_by_content():
    assert detect(b"") == "empty"
    pointer = (b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"ab" * 32
               + b"\nsize 12\n")
    assert detect(pointer) == "lfs"
    # only a whole pointer: its first line in front of anything else is no pointer
    assert detect(b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\n") == "unknown"
    assert detect(pointer + b"PK\x03\x04") == "unknown"
    assert detect(b"\x93NUMPY\x01\x00") == "npy"
    assert detect(b"PK\x03\x04") == "zip"
    assert detect(pickle.dumps([1], protocol=0)) == "pickle"
    assert detect(b"\xff\xfe text") == "unknown"
    assert detect(b"\x80\x09") == "unknown"
    import zlib

    bomb = zlib.compress(b"\0" * 50_000_000)
    with pytest.raises(ContainerError, match="more than 1000 times its size"):
        decompress(bomb, "zlib")
    with pytest.raises(ContainerError, match="truncated"):
        decompress(zlib.compress(b"x" * 1000)[:-4], "zlib")


def test_a_list_shared_through_the_memo_is_paid_for_at_every_check(monkeypatch):
    """Review round 8: `_new_Index(MultiIndex, {'levels': L})` called again and again with
    one memo-shared list L; each call re-checked all of L and the budget was charged for
    the call's four items, so the scan ran past its 60 s for hours. The checks' work is
    charged now (a smaller budget here, to keep the test fast)."""
    import struct

    import pandas as pd

    from mlgate.artifacts import pickle_scan
    from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList

    body = pickle.dumps(pd.Index([1, 2]), protocol=3)[:-1]
    key = 1 + max(arg for op, arg, _ in __import__("pickletools").genops(body + b".")
                  if op.name in ("BINPUT", "LONG_BINPUT"))

    def get(k: int) -> bytes:
        return b"j" + struct.pack("<I", k)

    def text(s: str) -> bytes:
        return b"\x8c" + bytes([len(s)]) + s.encode()

    out = bytearray(body) + b"\x940"  # the Index, memoized
    out += b"cpandas.core.indexes.base\n_new_Index\n\x940"
    out += b"cpandas\nMultiIndex\n}" + text("levels") + b"]"
    for _ in range(40):
        out += b"(" + get(key) * 1000 + b"e"
    out += b"s" + text("codes") + b"]s\x86\x940"
    out += (get(key + 1) + get(key + 2) + b"R0") * 200 + b"N."
    monkeypatch.setattr(pickle_scan, "MAX_OPCODES", 1_000_000)
    verdict = pickle_scan.scan_pickle(bytes(out), AllowList(
        BASE | NUMPY_UFUNCS | NUMPY_TYPES, defer=True))
    assert any("work budget ran out" in r.message for r in verdict.refusals), verdict.refusals
