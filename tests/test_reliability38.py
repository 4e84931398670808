"""Round 37's reliability review: what a run that compared nothing must say."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mlgate.cli import main


def test_a_lock_that_pins_nothing_is_said_to_compare_nothing(git_project, capsys):
    """F5: `mlgate lock pyproject.toml` with no dependencies in it passed with `[]`, as a
    lock compared and found right does; said every run, the second (cached) one too."""
    (git_project / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n'
                                                "\n[tool.mlgate]\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    for _ in range(2):
        code = main(["lock", "pyproject.toml", "--python", sys.executable])
        captured = capsys.readouterr()
        assert code == 0 and "pins and declares no package: nothing compared" in captured.err
    (git_project / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n'
                                                'dependencies = ["pytest"]\n')
    code = main(["lock", "pyproject.toml", "--python", sys.executable])
    assert "nothing compared" not in capsys.readouterr().err


def test_a_signal_while_a_probe_starts_waits_for_its_record(monkeypatch):
    """A SIGTERM or SIGHUP between a probe's fork and its entry in the list of probes to
    kill left that one running ("the probe outlived mlgate", under load): the handler
    defers it until the entry is made, then it is delivered again."""
    import os
    import signal

    from mlgate import probe

    sent: list = []
    monkeypatch.setattr(os, "kill", lambda pid, number: sent.append((pid, number)))
    assert probe.defer_signal(signal.SIGTERM) is False  # no probe starting: handled now
    with probe._Starting():
        assert probe.defer_signal(signal.SIGTERM) is True
        assert sent == []
    assert sent == [(os.getpid(), signal.SIGTERM)]


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="Linux's /proc")
def test_a_deleted_file_the_probe_only_maps_counts_toward_its_folder(tmp_path, monkeypatch):
    """Red team round 38: a file written, mapped (one page), closed and unlinked has no name
    and no descriptor; only /proc/PID/maps shows it, and 4 GiB held so passed the watch."""
    import ctypes

    from mlgate import probe

    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    monkeypatch.setattr(probe, "MAX_WORKDIR_BYTES", 1 << 20)
    assert probe._overrun(os.getpid(), str(tmp_path)) is None
    path = tmp_path / "held"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.write(fd, b"\xa5" * (2 << 20))
    os.fsync(fd)
    page = libc.mmap(None, 4096, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED
    assert page not in (None, ctypes.c_void_p(-1).value)
    os.close(fd)
    path.unlink()
    try:
        assert "temporary folder" in (probe._overrun(os.getpid(), str(tmp_path)) or "")
    finally:
        libc.munmap(page, 4096)
    assert probe._overrun(os.getpid(), str(tmp_path)) is None


FEATURES = '''import os
from sklearn.base import BaseEstimator, TransformerMixin
HERE = os.path.dirname(os.path.abspath(__file__))


class Scaled(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        if os.path.exists(os.path.join(HERE, "flags", "off")):  # a dangling link, at first
            raise ValueError("switched off (a)")
        old = os.getcwd()
        os.chdir(os.path.join(HERE, "flags2"))  # looked for by a relative name
        try:
            off = os.path.exists("off")
        finally:
            os.chdir(old)
        if off:
            raise ValueError("switched off (b)")
        if os.readlink(os.path.join(HERE, "flags3", "mode")) == "strict":  # a link read
            raise ValueError("switched off (c)")
        return X * 2
'''


def test_a_cached_verdict_follows_the_links_and_names_the_model_looked_at(git_project,
                                                                         capsys):
    """Red team round 38, F3: a committed dangling link checked with exists(), a flag looked
    for by a relative name after chdir, and a link read with readlink(): changing any of
    them left the cached PASS in place, while a fresh run failed."""
    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    package = git_project / "proj"
    for folder in ("flags", "flags2", "flags3"):
        (package / folder).mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "features.py").write_text(FEATURES)
    (package / "flags2" / ".keep").write_text("")
    os.symlink("nothing", package / "flags" / "off")
    os.symlink("lenient", package / "flags3" / "mode")
    (git_project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1"\n\n[tool.mlgate.artifact]\n'
        'trust-modules = ["proj.features"]\n')
    (git_project / "sample.json").write_text("[[0.1, 0.2]]")
    sys.path.insert(0, str(git_project))
    try:
        from proj.features import Scaled
        X = np.random.RandomState(0).rand(20, 2)
        joblib.dump(make_pipeline(Scaled(), LogisticRegression()).fit(X, X[:, 0] > .5),
                    git_project / "model.joblib")
    finally:
        sys.path.remove(str(git_project))
        for name in [m for m in sys.modules if m.split(".")[0] == "proj"]:
            del sys.modules[name]
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)

    def schema() -> int:
        code = main(["schema", "--artifact", "model.joblib", "--sample", "sample.json",
                     "--python", sys.executable])
        capsys.readouterr()
        return code

    assert schema() == 0  # fills the cache
    changes = [lambda: (package / "flags" / "nothing").write_text("on"),
               lambda: (package / "flags2" / "off").write_text("on"),
               lambda: (os.unlink(package / "flags3" / "mode"),
                        os.symlink("strict", package / "flags3" / "mode"))]
    for change in changes:
        change()
        assert schema() == 1
        for undo in (package / "flags" / "nothing", package / "flags2" / "off"):
            undo.unlink(missing_ok=True)
        if os.readlink(package / "flags3" / "mode") == "strict":
            os.unlink(package / "flags3" / "mode")
            os.symlink("lenient", package / "flags3" / "mode")
        assert schema() == 0


def test_an_array_made_through_bytes_made_by_calls_is_paid_for_at_its_uses(git_project,
                                                                           capsys):
    """Red team round 38, F4: `_frombuffer(bytearray(_codecs.encode(text)), ...)`: the
    bytearray counted only constant arguments, so it, and the array made of it, had no size;
    300 trees copying that one array loaded to 2.75 GB from an 11 MB file, exit 0."""
    import _codecs
    import pickle

    import numpy as np
    from sklearn.tree import DecisionTreeRegressor
    from sklearn.tree._tree import Tree

    from helpers import forest_of_shared_trees

    try:  # what numpy pickles an array of protocol 5 with
        from numpy._core.numeric import _frombuffer as frombuffer
    except ImportError:  # numpy 1.x
        from numpy.core.numeric import _frombuffer as frombuffer
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 4))
    fitted = DecisionTreeRegressor(random_state=0).fit(X, X[:, 0] + rng.normal(size=len(X)))
    args, state = fitted.tree_.__reduce__()[1], fitted.tree_.__getstate__()

    class Encoded:
        def __init__(self, data):
            self.text = data.decode("latin1")

        def __reduce__(self):
            return (_codecs.encode, (self.text, "latin1"))

    class View:  # _frombuffer(bytearray(_codecs.encode(text)), dtype, shape, 'C')
        def __init__(self, array):
            self.buffer = _Bytes(Encoded(array.tobytes()))
            self.dtype, self.shape = array.dtype, array.shape

        def __reduce__(self):
            return (frombuffer, (self.buffer, self.dtype, self.shape, "C"))

    class _Bytes:
        def __init__(self, encoded):
            self.encoded = encoded

        def __reduce__(self):
            return (bytearray, (self.encoded,))

    nodes, values = View(state["nodes"]), View(state["values"])

    forest = forest_of_shared_trees(
        fitted, lambda: (Tree, args, {**state, "nodes": nodes, "values": values}), 200)
    (git_project / "forest.pkl").write_bytes(pickle.dumps(forest, protocol=4))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["artifact", "--no-load", "--no-cache", "--format", "json",
                 "--python", sys.executable, "forest.pkl"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and "would copy more than" in found[0]["message"], found


def test_keys_holding_too_many_tuples_are_refused_before_they_cost_gigabytes(monkeypatch):
    """Red team round 38, F5: 4,096 set elements each 999 tuples deep (20 KB of zlib) took
    mlgate itself to 2 GB for 64 s: the walks of hashed values keep ~300 bytes a tuple."""
    import pickle
    import struct

    from mlgate.artifacts import stream_model
    from mlgate.artifacts.allowlist import BASE, AllowList
    from mlgate.artifacts.pickle_scan import scan_pickle

    monkeypatch.setattr(stream_model, "MAX_HASHED_NODES", 1000)
    deep = b"\x80\x04(" + b"".join(b"J" + struct.pack("<i", i) + b"\x85" * 100
                                   for i in range(20)) + b"\x91."
    assert len(pickle.loads(deep)) == 20
    verdict = scan_pickle(deep, AllowList(BASE))
    assert not verdict.safe and "more than 1000" in verdict.refusals[0].message
    shallow = pickle.dumps(frozenset((i, str(i)) for i in range(200)), protocol=4)
    assert scan_pickle(shallow, AllowList(BASE)).safe
