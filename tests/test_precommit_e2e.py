"""End to end through the real programs: git, pre-commit, and mlgate installed by pre-commit.

This is the slow test. It proves what a user sees: a project that lists mlgate in its
.pre-commit-config.yaml has a `git commit` blocked by a hardcoded path and let through once the
path is fixed (or suppressed), with the finding printed as `file:line:col: CODE message`.

How:
- a session fixture copies the mlgate work tree *as it is now* (tracked plus untracked, not
  ignored files, so uncommitted work is tested too) into a new git repository and commits it:
  that snapshot is the `repo:` and its HEAD the `rev:`;
- PRE_COMMIT_HOME is a session temporary folder, so the user's cache is never touched and the
  hook environment (a virtualenv into which pre-commit pip-installs the snapshot, fetching the
  build requirements from the package index) is built once, on the first commit, and shared by
  every test here; expect a minute or two for that first build;
- git runs with an empty global configuration and no system one, and the environment is cleaned
  of the caller's virtualenv and git variables, so neither the developer's setup nor running
  inside another git hook changes the outcome; the test venv's bin folder is taken off PATH so
  `mlgate` can only come from the environment pre-commit built.

Skipped only when `git` is not on PATH. Deselect with `-m "not e2e"`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parent.parent

if shutil.which("git") is None:
    pytest.skip("git is not on PATH", allow_module_level=True)


from e2e_support import _ok, _pre_commit_cmd, _run  # noqa: E402 - after the skip


class UserRepo:
    """A user's project: a fresh git repository with mlgate's hook installed by pre-commit."""

    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.path = path
        self.env = env

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _run(["git", "-c", "commit.gpgsign=false", *args], self.path, self.env)

    def write(self, name: str, data: bytes) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def read(self, name: str) -> bytes:
        return (self.path / name).read_bytes()

    def commit(self, name: str, message: str) -> subprocess.CompletedProcess[str]:
        added = self.git("add", "--", name)
        assert added.returncode == 0, added.stdout
        return self.git("commit", "-m", message)

    def commit_count(self) -> int:
        head = self.git("rev-parse", "--verify", "-q", "HEAD")
        if head.returncode != 0:
            return 0
        return int(self.git("rev-list", "--count", "HEAD").stdout.strip())


def make_user_repo(
    path: Path, env: dict[str, str], snapshot: tuple[Path, str], hook_ids: tuple[str, ...]
) -> UserRepo:
    """A fresh git repository whose .pre-commit-config.yaml lists these mlgate hooks."""
    snap, rev = snapshot
    repo = UserRepo(path, env)
    repo.path.mkdir()
    assert repo.git("init", "-q").returncode == 0
    hooks = "".join(f"      - id: {hook}\n" for hook in hook_ids)
    repo.write(
        ".pre-commit-config.yaml",
        (
            "repos:\n"
            f"  - repo: {json.dumps(str(snap))}\n"
            f"    rev: {rev}\n"
            "    hooks:\n" + hooks
        ).encode(),
    )
    _ok([*_pre_commit_cmd(), "install"], repo.path, env)
    assert (repo.path / ".git" / "hooks" / "pre-commit").is_file()
    assert repo.git("add", ".pre-commit-config.yaml").returncode == 0
    return repo


@pytest.fixture
def user_repo(tmp_path: Path, e2e_env: dict[str, str], snapshot: tuple[Path, str]) -> UserRepo:
    return make_user_repo(tmp_path / "project", e2e_env, snapshot, ("no-absolute-paths",))


def _assert_blocked(
    repo: UserRepo, proc: subprocess.CompletedProcess[str], before: int, *needles: str
) -> None:
    out = proc.stdout
    assert proc.returncode != 0, f"the commit went through but should have been blocked:\n{out}"
    assert repo.commit_count() == before, f"a commit was created despite the failure:\n{out}"
    for needle in needles:
        assert needle in out, f"{needle!r} not in the commit output:\n{out}"


def _assert_committed(
    repo: UserRepo, proc: subprocess.CompletedProcess[str], before: int, name: str, data: bytes
) -> None:
    out = proc.stdout
    assert proc.returncode == 0, f"the commit was blocked but should have gone through:\n{out}"
    assert repo.commit_count() == before + 1, f"no new commit:\n{out}"
    shown = _run(["git", "show", f"HEAD:{name}"], repo.path, repo.env)
    assert shown.returncode == 0 and shown.stdout.encode() == data, "committed content differs"


LEAKY_PY = b'import pandas as pd\ndf = pd.read_csv("/Users/me/Desktop/train.csv")\n'
FIXED_PY = b'from pathlib import Path\nDATA = Path(__file__).parent / "data" / "train.csv"\n'


def test_commit_with_home_path_is_blocked_then_fixed_commit_passes(user_repo: UserRepo) -> None:
    before = user_repo.commit_count()
    assert before == 0

    user_repo.write("train.py", LEAKY_PY)
    proc = user_repo.commit("train.py", "add training script")
    _assert_blocked(user_repo, proc, before, "train.py:2:", "MLG101", "/Users/me/Desktop/train.csv")
    assert user_repo.read("train.py") == LEAKY_PY, "the hook modified the user's file"

    user_repo.write("train.py", FIXED_PY)
    proc = user_repo.commit("train.py", "add training script")
    _assert_committed(user_repo, proc, before, "train.py", FIXED_PY)
    assert user_repo.read("train.py") == FIXED_PY, "the hook modified the user's file"


def _notebook(source: str) -> bytes:
    nb = {
        "cells": [
            {
                "cell_type": "markdown",
                "id": "intro",
                "metadata": {},
                "source": ["# EDA\n", "Load the training data."],
            },
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "load",
                "metadata": {},
                "outputs": [],
                "source": ["import pandas as pd\n", source],
            },
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (json.dumps(nb, indent=1) + "\n").encode()


def test_notebook_with_colab_path_is_blocked(user_repo: UserRepo) -> None:
    leak = "/content/drive/MyDrive/train.csv"
    data = _notebook(f"df = pd.read_csv('{leak}')")
    user_repo.write("eda.ipynb", data)
    proc = user_repo.commit("eda.ipynb", "add eda notebook")
    _assert_blocked(user_repo, proc, 0, "MLG103", leak)
    assert user_repo.read("eda.ipynb") == data, "the hook modified the user's notebook"

    # The location is a line of the .ipynb file itself, the one holding the offending source.
    match = re.search(r"eda\.ipynb:(\d+):", proc.stdout)
    assert match, f"no 'eda.ipynb:<line>:' location in the output:\n{proc.stdout}"
    lines = data.decode().splitlines()
    expected = next(i for i, text in enumerate(lines, 1) if leak in text)
    assert int(match.group(1)) == expected, (
        f"reported eda.ipynb:{match.group(1)} but the path is on line {expected} of the file:\n"
        f"{proc.stdout}"
    )


def test_a_services_own_configuration_holds_in_a_commit_from_the_root(
        user_repo: UserRepo) -> None:
    """A monorepo: services/b's pyproject.toml ignores MLG101, services/a has a [tool.mlgate]
    of its own with the defaults. pre-commit runs the hook from the root, where each
    service's configuration was passed over (reliability round 37, F3)."""
    user_repo.write("services/a/pyproject.toml", b"[tool.mlgate]\n")
    user_repo.write("services/b/pyproject.toml", b'[tool.mlgate]\nignore = ["MLG101"]\n')
    for service in ("a", "b"):
        user_repo.write(f"services/{service}/train.py", LEAKY_PY)
    added = user_repo.git("add", "services")
    assert added.returncode == 0, added.stdout
    proc = user_repo.git("commit", "-m", "two services")
    _assert_blocked(user_repo, proc, 0, "services/a/train.py:2:", "MLG101")
    assert "services/b/train.py" not in proc.stdout, proc.stdout
    user_repo.write("services/a/train.py", FIXED_PY)
    proc = user_repo.commit("services", "two services, a fixed")
    _assert_committed(user_repo, proc, 0, "services/b/train.py", LEAKY_PY)


def test_inline_ignore_lets_the_commit_through(user_repo: UserRepo) -> None:
    data = (
        b"import pandas as pd\n"
        b'df = pd.read_csv("/Users/me/Desktop/train.csv")  # mlgate: ignore[MLG101]\n'
    )
    user_repo.write("train.py", data)
    proc = user_repo.commit("train.py", "add training script, path acknowledged")
    _assert_committed(user_repo, proc, 0, "train.py", data)
    assert user_repo.read("train.py") == data, "the hook modified the user's file"


def test_check_lock_judges_the_projects_venv_not_the_hook_env(
    tmp_path: Path, e2e_env: dict[str, str], snapshot: tuple[Path, str]
) -> None:
    """The hook environment pre-commit builds has `packaging` (mlgate needs it); the project's
    .venv does not. A lock that pins packaging is therefore stale *for the project*."""
    from envs import install, make_venv, site_packages

    repo = make_user_repo(tmp_path / "project", e2e_env, snapshot, ("check-lock",))
    venv = make_venv(repo.path / ".venv")
    install(venv, "attrs", "23.2.0")
    repo.write(".gitignore", b".venv/\n")
    repo.write("requirements.txt", b"attrs==23.2.0\npackaging==26.2\n")
    before = repo.commit_count()
    added = repo.git("add", ".gitignore", "requirements.txt")
    assert added.returncode == 0, added.stdout
    proc = repo.git("commit", "-m", "lock")
    _assert_blocked(repo, proc, before, "requirements.txt:2:1: MLG201",
                    "packaging==26.2 is locked but not installed")
    assert "attrs" not in proc.stdout.split("MLG201", 1)[1].split("\n", 1)[0]

    install(venv, "packaging", "26.2")
    proc = repo.git("commit", "-m", "lock")
    assert proc.returncode == 0, proc.stdout
    assert repo.commit_count() == before + 1

    # A version installed by hand that the lock does not know: the next commit is blocked.
    shutil.rmtree(site_packages(venv) / "attrs-23.2.0.dist-info")
    install(venv, "attrs", "24.1.0")
    repo.write("notes.txt", b"x\n")
    proc = repo.commit("notes.txt", "notes")
    _assert_blocked(repo, proc, before + 1, "requirements.txt:1:1: MLG202",
                    "attrs is locked at 23.2.0 but 24.1.0 is installed")


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads pre-commit's environment"
                    " from /proc (elsewhere such an environment is assumed activated)")
def test_check_lock_skips_a_tools_venv_on_path_unless_the_user_activated_it(
    tmp_path: Path, e2e_env: dict[str, str], snapshot: tuple[Path, str]
) -> None:
    """New-user trial 45 F4: a virtualenv with mlgate (and pre-commit) in it, on PATH but
    never activated, was the project's under pre-commit while mlgate run by hand refused it;
    its test tools became 26 lock findings, and nothing said which Python was judged."""
    from envs import install, make_venv, python_of

    tools = make_venv(tmp_path / "tools")
    (tools / "bin" / "mlgate").write_text("#!/bin/sh\n")  # what `pip install mlgate` puts
    install(tools, "attrs", "24.1.0")
    path = os.pathsep.join([str(tools / "bin"), e2e_env["PATH"]])
    repo = make_user_repo(tmp_path / "project", {**e2e_env, "PATH": path}, snapshot,
                          ("check-lock",))
    repo.write("requirements.txt", b"attrs==23.2.0\n")
    before = repo.commit_count()
    proc = repo.commit("requirements.txt", "lock")
    _assert_blocked(repo, proc, before, "cannot find the project's Python environment")
    assert "MLG202" not in proc.stdout

    # Activated in the shell that commits, it is the project's, and the report says so.
    repo.env = {**repo.env, "VIRTUAL_ENV": str(tools)}
    proc = repo.git("commit", "-m", "lock")
    _assert_blocked(repo, proc, before, "requirements.txt:1:1: MLG202",
                    f"the project's environment judged: {python_of(tools)}",
                    "the activated environment on PATH")


class _Payload:
    """Pickles to a call of os.system: what a hostile pull request would commit."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_check_artifact_blocks_unsafe_and_stale_models(
    tmp_path: Path, e2e_env: dict[str, str], snapshot: tuple[Path, str]
) -> None:
    """The project's environment is found as `.venv` at the repository root (here a link to
    the interpreter running the tests, which has scikit-learn); the hook's own has none."""
    import pickle

    import joblib
    import numpy as np
    import sklearn
    from sklearn.linear_model import LogisticRegression

    repo = make_user_repo(tmp_path / "project", e2e_env, snapshot, ("check-artifact",))
    (repo.path / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    repo.write(".gitignore", b".venv\n")
    X = np.random.RandomState(0).rand(30, 2)
    joblib.dump(LogisticRegression().fit(X, (X[:, 0] > 0.5).astype(int)),
                repo.path / "model.joblib", compress=3)
    before = repo.commit_count()
    assert repo.git("add", ".gitignore").returncode == 0
    proc = repo.commit("model.joblib", "model")
    assert proc.returncode == 0, proc.stdout
    assert repo.commit_count() == before + 1
    # The service loads another model, one git does not have: said, not blocked (MLG313).
    repo.write("api.py", b"import joblib\nfrom fastapi import FastAPI\n"
                         b"model = joblib.load('model_v2.joblib')\n")
    proc = repo.commit("api.py", "serve the new model")
    assert proc.returncode == 0, proc.stdout
    assert "api.py:3:9: MLG313" in proc.stdout and "model_v2.joblib, which is not in the" \
        " repository" in proc.stdout, proc.stdout
    before += 1

    marker = tmp_path / "PWNED"
    repo.write("evil.pkl", pickle.dumps(_Payload(marker)))
    proc = repo.commit("evil.pkl", "a model from a stranger")
    _assert_blocked(repo, proc, before + 1, "evil.pkl:1:1: MLG301",
                    "posix.system is not on the allow-list")
    assert not marker.exists(), "the hook ran the payload"
    assert repo.git("rm", "-q", "--cached", "evil.pkl").returncode == 0
    # Its name does not hide it: pre-commit passes every staged file, mlgate sniffs the bytes.
    repo.write("weights.bin", pickle.dumps(_Payload(marker), protocol=4))
    proc = repo.commit("weights.bin", "weights")
    _assert_blocked(repo, proc, before + 1, "weights.bin:1:1: MLG301",
                    "posix.system is not on the allow-list")
    assert not marker.exists(), "the hook ran the payload"
    assert repo.git("rm", "-q", "--cached", "weights.bin").returncode == 0

    # Only the lock changes: the committed model is re-checked against the new pin.
    repo.write("requirements.txt", b"scikit-learn==0.24.2\n")
    proc = repo.commit("requirements.txt", "pin an old scikit-learn")
    _assert_blocked(repo, proc, before + 1, "model.joblib:1:1: MLG306",
                    f"pickled with scikit-learn {sklearn.__version__}; requirements.txt pins"
                    " 0.24.2")


ALL_HOOKS = ("no-absolute-paths", "check-lock", "check-artifact", "check-schema", "check-latency")
SLOW_STEP = '''

class SlowDown(BaseEstimator, TransformerMixin):
    """A deliberately slow step: 30 ms per call."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        import time

        time.sleep(0.03)
        return X
'''


def _example_project(repo: UserRepo) -> None:
    """examples/churn, its model trained here with the test interpreter, which is also the
    project's environment (`.venv` links to it); the lock pins what that interpreter has."""
    from importlib.metadata import version

    source = REPO_ROOT / "examples" / "churn"
    for name in ("api.py", "train.py", "sample_request.json", "pyproject.toml", "README.md",
                 "churn/__init__.py", "churn/features.py"):
        repo.write(name, (source / name).read_bytes())
    pins = "".join(f"{name}=={version(name)}\n"
                   for name in ("numpy", "pandas", "scikit-learn", "joblib"))
    repo.write("requirements.txt", pins.encode())
    repo.write(".gitignore", b".venv\n")
    (repo.path / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    _ok([sys.executable, "train.py"], repo.path, repo.env)
    config = (repo.path / ".pre-commit-config.yaml").read_text()
    config = config.replace("      - id: check-latency\n",
                            "      - id: check-latency\n        stages: [pre-commit]\n")
    repo.write(".pre-commit-config.yaml", config.encode())


def _edit(repo: UserRepo, name: str, old: str, new: str) -> None:
    text = (repo.path / name).read_text()
    assert old in text, (name, old)
    repo.write(name, text.replace(old, new, 1).encode())


def _commit_all(repo: UserRepo, message: str) -> subprocess.CompletedProcess[str]:
    added = repo.git("add", "-A")
    assert added.returncode == 0, added.stdout
    return repo.git("commit", "-m", message)


def _restore(repo: UserRepo) -> None:
    assert repo.git("reset", "-q", "--hard", "HEAD").returncode == 0
    assert repo.git("clean", "-q", "-fd", "-e", ".venv").returncode == 0


def test_the_ready_example_commits_and_each_defect_is_blocked(
    tmp_path: Path, e2e_env: dict[str, str], snapshot: tuple[Path, str]
) -> None:
    """Every hook in one .pre-commit-config.yaml, on the bundled example project."""
    repo = make_user_repo(tmp_path / "churn", e2e_env, snapshot, ALL_HOOKS)
    _example_project(repo)
    proc = _commit_all(repo, "the ready project")
    assert proc.returncode == 0, proc.stdout
    ready = repo.commit_count()

    _edit(repo, "sample_request.json", '"tenure_months"', '"tenure"')
    _assert_blocked(repo, _commit_all(repo, "rename"), ready, "sample_request.json:2:1: MLG401",
                    "the model needs column 'tenure_months'", "renamed? the sample has 'tenure'")
    _restore(repo)

    _edit(repo, "api.py", "    tenure_months: int", "    tenure: int")
    _assert_blocked(repo, _commit_all(repo, "contract"), ready, "api.py:", "MLG405",
                    "the contract PredictRequest has no such field name",
                    "renamed? the contract has 'tenure'")
    _restore(repo)

    _edit(repo, "requirements.txt", "scikit-learn==", "scikit-learn==1.0.2\n# was ")
    _assert_blocked(repo, _commit_all(repo, "stale lock"), ready, "MLG202",
                    "scikit-learn is locked at 1.0.2", "MLG306",
                    "requirements.txt pins 1.0.2")
    _restore(repo)

    _edit(repo, "train.py", "SEED = 42\n", 'SEED = 42\nDATA = "/Users/ana/Desktop/churn.csv"\n')
    _assert_blocked(repo, _commit_all(repo, "path"), ready, "train.py:", "MLG101",
                    "/Users/ana/Desktop/churn.csv")
    _restore(repo)

    features = (repo.path / "churn" / "features.py").read_text()
    repo.write("churn/features.py", (features + SLOW_STEP).encode())
    _ok([sys.executable, "-c", (
        "import joblib; from sklearn.pipeline import Pipeline; from churn.features import"
        " SlowDown; p = 'model/churn_pipeline.joblib'; joblib.dump(Pipeline([('slow',"
        " SlowDown().fit(None)), ('model', joblib.load(p))]), p)")], repo.path, repo.env)
    _edit(repo, "pyproject.toml", "budget-ms = 500", "budget-ms = 20")
    _assert_blocked(repo, _commit_all(repo, "slow"), ready, "MLG501",
                    "exceeds the 20 ms budget")
