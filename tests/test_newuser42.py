"""New-user trial round 42: what a commit ships is what mlgate judges. A `uv.lock` that
`uv sync` wrote and nobody added pinned a tracked pyproject.toml's 15 bare names, so
check-lock passed a commit that ships no lock (hjkornn-phys/simple-ml-server, F2)."""

from __future__ import annotations

import subprocess

import pytest
from envs import install, make_venv
from test_lock_real_layouts import run_lock, summary, write


@pytest.fixture
def project(git_project, monkeypatch):
    for var in ("MLGATE_PYTHON", "UV_PROJECT_ENVIRONMENT", "CONDA_PREFIX", "VIRTUAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    return git_project, make_venv(git_project / ".venv")


def git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


def test_a_lock_git_does_not_track_is_said_and_added_it_passes(project, capsys):
    root, venv = project
    install(venv, "attrs", "24.1.0")
    write(root / "pyproject.toml", """\
        [project]
        name = "svc"
        version = "0.1"
        dependencies = ["attrs"]
        """)
    write(root / "requirements.txt", "attrs==24.1.0\n")
    git("add", "pyproject.toml")
    code, found = run_lock(capsys)
    assert code == 1 and summary(found) == [("requirements.txt", 1, 1, "MLG214", "")], found
    assert "git add requirements.txt" in found[0]["hint"]
    git("add", "requirements.txt")  # staged is what the commit ships
    assert run_lock(capsys) == (0, [])
    # ignored, it is no lock at all: the bare name is unpinned
    git("rm", "-q", "--cached", "requirements.txt")
    write(root / ".gitignore", "requirements.txt\n.venv/\n")
    code, found = run_lock(capsys)
    assert code == 1 and [f["code"] for f in found] == ["MLG205"], found


def test_a_repository_that_tracks_nothing_yet_is_no_commit(project, capsys):
    root, venv = project
    install(venv, "attrs", "24.1.0")
    write(root / "requirements.txt", "attrs==24.1.0\n")
    assert run_lock(capsys) == (0, [])
