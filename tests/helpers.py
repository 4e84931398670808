"""Small helpers shared by the tests: run the CLI in-process and read its JSON."""

from __future__ import annotations

import json
import struct
import sys

from mlgate.cli import main


def run_json(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["paths", "--format", "json", "--no-config", "--no-cache", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def line_codes(findings: list[dict]) -> list[str]:
    return sorted(f"{f['line']}:{f['code']}" for f in findings)


def artifact_json(capsys, *args: str) -> tuple[int, list[dict]]:
    """`mlgate artifact` in-process, this interpreter as the project's, no cache."""
    code = main(["artifact", "--format", "json", "--no-cache", "--python", sys.executable,
                 *args])
    return code, json.loads(capsys.readouterr().out)


# Pickle opcodes written by hand, for the tests that craft streams no pickler writes.
def g(module: str, name: str) -> bytes:
    """GLOBAL (protocol 0 form, accepted by every protocol)."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def u(text: str) -> bytes:
    """BINUNICODE."""
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def i4(number: int) -> bytes:
    """BININT."""
    return b"J" + struct.pack("<i", number)


def cache_value(path) -> dict:
    """A file under .git/mlgate-cache/, as mlgate reads it: a seal line, then JSON."""
    return json.loads(path.read_bytes().partition(b"\n")[2])


def sealed(value) -> bytes:
    """`value` as mlgate writes a cache file (what its own code, not a third party, wrote)."""
    import hashlib

    text = json.dumps(value).encode()
    return hashlib.sha256(text).hexdigest().encode() + b"\n" + text


def pickled_with_state(model, state: dict, protocol: int = 4) -> bytes:
    """`model` pickled as its class's own pickling writes it, with `state` as its state (a
    state a test edits: a version claimed, a parameter changed)."""
    import copyreg
    import io
    import pickle

    class Writer(pickle.Pickler):
        def reducer_override(self, obj):
            if obj is model:
                return copyreg.__newobj__, (type(model),), state
            return NotImplemented

    out = io.BytesIO()
    Writer(out, protocol).dump(model)
    return out.getvalue()


def forest_of_shared_trees(fitted, reduce, count: int):
    """A RandomForestRegressor of `count` copies of the fitted tree `fitted`, each of whose
    `tree_` pickles as `reduce()` (one Tree state, its arrays shared by every tree)."""
    import copy

    from sklearn.ensemble import RandomForestRegressor

    class SharedTree:
        def __reduce__(self):
            return reduce()

    forest = RandomForestRegressor(n_estimators=count)
    forest.estimators_ = []
    for _ in range(count):
        estimator = copy.copy(fitted)
        estimator.tree_ = SharedTree()
        forest.estimators_.append(estimator)
    return forest


def text_pipeline_file(folder, pattern: str, name: str = "model.joblib") -> str:
    """A CountVectorizer + LogisticRegression pipeline of `pattern`, fitted on six short
    texts, dumped into `folder` and staged: the shape a token_pattern finding is about."""
    import subprocess

    import joblib
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["hello world", "foo bar", "spam eggs", "ham bar", "good day", "bad day"]
    model = make_pipeline(CountVectorizer(token_pattern=pattern), LogisticRegression())
    joblib.dump(model.fit(texts, [0, 1, 0, 1, 0, 1]), folder / name)
    subprocess.run(["git", "add", "-A"], cwd=folder, check=True)
    return name
