"""Shared fixtures. Kept small on purpose: anything used by one module lives in that module."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests must hold on a loaded 2-core machine: no per-example deadline (it measures
# the machine, not the code), no "too slow" health check, and the same examples every run
# (derandomized, no example database), so a run never fails by chance.
settings.register_profile(
    "mlgate", deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much])
settings.register_profile("explore", deadline=None, max_examples=2000)  # by hand, locally
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "mlgate"))

REPO_ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: slow end-to-end test through the real programs (git, pre-commit, a built hook "
        "environment); deselect with -m 'not e2e'",
    )


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The mlgate repository (the folder holding .pre-commit-hooks.yaml)."""
    return REPO_ROOT


@pytest.fixture
def git_project(tmp_path, monkeypatch) -> Path:
    """An empty git repository as the working directory (the artifact tests' projects)."""
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    return tmp_path


@pytest.fixture(scope="session")
def e2e_env(tmp_path_factory):
    """git and pre-commit with no user configuration, PRE_COMMIT_HOME in a temporary folder."""
    from e2e_support import make_e2e_env

    return make_e2e_env(tmp_path_factory)


@pytest.fixture(scope="session")
def snapshot(tmp_path_factory, e2e_env):
    """The mlgate work tree as it is now, committed in a new repository: (path, HEAD sha)."""
    from e2e_support import make_snapshot

    return make_snapshot(tmp_path_factory, e2e_env)
