"""Shared fixtures. Kept small on purpose: anything used by one module lives in that module."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

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
