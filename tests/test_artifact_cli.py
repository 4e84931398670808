"""`mlgate artifact` (static layer) through the CLI, with the test environment as the project's."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression

from helpers import cache_value, sealed
from mlgate.cli import main


class Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    X = np.random.RandomState(0).rand(30, 2)
    model = LogisticRegression().fit(X, (X[:, 0] > 0.5).astype(int))
    joblib.dump(model, "model.joblib", compress=3)
    joblib.dump(model, "plain.joblib")
    yield tmp_path
    assert not (tmp_path / "PWNED").exists()


def run(capsys, *args):
    code = main(["artifact", "--format", "json", "--python", sys.executable, *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else []


def test_an_ordinary_model_passes_and_the_context_is_cached(project, capsys):
    assert run(capsys, "model.joblib") == (0, [])
    cached = list((project / ".git" / "mlgate-cache").glob("artifact-context-*.json"))
    assert len(cached) == 1
    assert cache_value(cached[0])["versions"]["scikit-learn"] == sklearn.__version__


@pytest.mark.parametrize("change", [
    {"path": True}, {"versions": ["1.0"]}, {"versions": {"numpy": 5}}, {"stamp": None},
])
def test_a_context_cache_entry_of_another_shape_is_recomputed(project, capsys, change):
    """Reliability round 33: a sealed artifact-context entry of another shape gave a
    traceback on every run and never healed (round 32 fixed the lock's entries only)."""
    assert run(capsys, "model.joblib") == (0, [])
    [cached] = (project / ".git" / "mlgate-cache").glob("artifact-context-*.json")
    cached.write_bytes(sealed({**cache_value(cached), **change}))
    assert run(capsys, "model.joblib") == (0, [])
    assert cache_value(cached)["versions"]["scikit-learn"] == sklearn.__version__


def test_unsafe_unreadable_and_odd_files(project, capsys):
    marker = project / "PWNED"
    with open("evil.pkl", "wb") as handle:
        pickle.dump(Payload(marker), handle)
    joblib.dump([np.arange(3), Payload(marker)], "evil.joblib", compress=("xz", 3))
    (project / "notes.pkl").write_text("hello world, not a model\n")
    (project / "empty.joblib").write_bytes(b"")
    (project / "big.joblib").write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:abababababababababababababababababababababababababababababababab\nsize 1\n")
    code, found = run(capsys)  # no arguments: every artifact git would list
    got = {f["path"]: (f["code"], f["severity"]) for f in found}
    assert code == 1
    assert got == {
        "evil.pkl": ("MLG301", "error"), "evil.joblib": ("MLG301", "error"),
        "notes.pkl": ("MLG304", "error"), "empty.joblib": ("MLG304", "error"),
        "big.joblib": ("MLG304", "warning"),
    }
    assert "posix.system" in next(f["message"] for f in found if f["path"] == "evil.pkl")


def test_a_named_artifact_that_does_not_exist_is_mlg001_as_in_every_check(project, capsys):
    code, found = run(capsys, "missing.pkl", "model.joblib")
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [("missing.pkl", "MLG001")]


def test_version_parity_names_both_versions(project, capsys):
    data = (project / "plain.joblib").read_bytes()
    installed = sklearn.__version__.encode()
    older = b"0.0.0"[: len(installed)].ljust(len(installed), b"0")
    assert installed in data
    (project / "old.joblib").write_bytes(data.replace(installed, older))
    code, found = run(capsys, "old.joblib")
    assert code == 1
    [finding] = found
    assert finding["code"] == "MLG306"
    assert (finding["pickled"], finding["installed"]) == (older.decode(), sklearn.__version__)


def test_a_project_class_is_refused_until_allowed(project, capsys):
    data = b"\x80\x04\x8c\x0bchurn.model\x8c\x08Bucketer\x93)\x81."
    (project / "custom.pkl").write_bytes(data)
    code, found = run(capsys, "custom.pkl")
    assert (code, [f["code"] for f in found]) == (1, ["MLG301"])
    (project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["churn.model:Bucketer"]\n')
    code, found = run(capsys, "custom.pkl")  # allowed, but nowhere to import it from
    assert (code, [f["code"] for f in found]) == (1, ["MLG307"])
    assert "cannot import churn" in found[0]["message"]
    (project / "churn").mkdir()
    (project / "churn" / "__init__.py").write_text("")
    (project / "churn" / "model.py").write_text("class Bucketer:\n    pass\n")
    assert run(capsys, "custom.pkl") == (0, [])
    (project / "pyproject.toml").write_text('[tool.mlgate.artifact]\nallow = ["Bucketer"]\n')
    assert main(["artifact", "--python", sys.executable, "custom.pkl"]) == 2
    assert "module:QualName" in capsys.readouterr().err


def test_main_module_class_has_its_own_code(project, capsys):
    (project / "nb.pkl").write_bytes(b"\x80\x04\x8c\x08__main__\x8c\x05Thing\x93)\x81.")
    code, found = run(capsys, "nb.pkl")
    assert (code, [f["code"] for f in found]) == (1, ["MLG303"])
    assert "importable module" in found[0]["hint"]


def test_a_file_that_cannot_be_read_is_a_finding(project, capsys):
    (project / "folder.pkl").mkdir()
    code, found = run(capsys, "folder.pkl", "model.joblib")
    assert code == 1
    assert [(f["path"], f["code"]) for f in found] == [("folder.pkl", "MLG304")]
    assert found[0]["message"].startswith("not a regular file")


def test_an_artifact_is_held_to_the_lock_of_its_own_folder(project, capsys):
    # New-user trial round 35 (F5): `spam_detection/model.pkl` beside its own
    # requirements.txt was held to the whole-machine freeze at the repository's root too.
    data = (project / "plain.joblib").read_bytes()
    installed = sklearn.__version__.encode()
    older = b"0.0.0"[: len(installed)].ljust(len(installed), b"0")
    (project / "requirements.txt").write_text("scikit-learn==0.0.1\n")  # a stale root freeze
    (project / "app").mkdir()
    (project / "app" / "model.joblib").write_bytes(data.replace(installed, older))
    (project / "app" / "requirements.txt").write_text(f"scikit-learn=={sklearn.__version__}\n")
    subprocess.run(["git", "add", "."], check=True)
    code, found = run(capsys, "--no-cache", "app/model.joblib")
    assert (code, [f["code"] for f in found]) == (1, ["MLG306"]), found
    assert "app/requirements.txt pins" in found[0]["message"], found
    assert "0.0.1" not in found[0]["message"], found
    # without a lock of its own, the root's is what installs it
    os.remove("app/requirements.txt")
    code, found = run(capsys, "--no-cache", "app/model.joblib")
    assert code == 1 and {f["code"] for f in found} == {"MLG306"}, found
    assert any("requirements.txt pins 0.0.1" in f["message"] for f in found), found
