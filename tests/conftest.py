"""Shared fixtures. Kept small on purpose: anything used by one module lives in that module."""

from __future__ import annotations

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
