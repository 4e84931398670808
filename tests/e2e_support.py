"""The real programs for the end-to-end tests: a clean environment for git and pre-commit, and
a snapshot of the mlgate work tree as the hook repository. The fixtures live in conftest.py so
that every module shares one snapshot and one hook environment (built once per session)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 900  # the first commit builds the hook environment


def _pre_commit_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("pre-commit")
    if exe.is_file():
        return [str(exe)]
    return [sys.executable, "-m", "pre_commit"]


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _ok(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = _run(cmd, cwd, env)
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}"
    return proc.stdout


def make_e2e_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("e2e-env")
    gitconfig = base / "gitconfig"
    gitconfig.write_text("")
    venv_bin = os.path.join(sys.prefix, "bin" if os.name != "nt" else "Scripts")
    dropped = ("GIT_", "PRE_COMMIT", "VIRTUAL_ENV", "CONDA_", "PYTHON", "PIP_REQUIRE_VIRTUALENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    if sys.prefix != sys.base_prefix:  # running in a venv: its `mlgate` must not be found
        env["PATH"] = os.pathsep.join(
            p
            for p in env.get("PATH", "").split(os.pathsep)
            if p and os.path.normcase(os.path.abspath(p)) != os.path.normcase(venv_bin)
        )
    env.update(
        PRE_COMMIT_HOME=str(base / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
        NO_COLOR="1",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@t",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@t",
        GIT_TERMINAL_PROMPT="0",
    )
    return env


def make_snapshot(tmp_path_factory: pytest.TempPathFactory,
                  e2e_env: dict[str, str]) -> tuple[Path, str]:
    """A git repository holding the mlgate work tree as it is now; returns (path, HEAD sha)."""
    listed = _ok(
        [
            "git",
            "-C",
            str(REPO_ROOT),
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
        REPO_ROOT,
        e2e_env,
    )
    dest = tmp_path_factory.mktemp("mlgate-snapshot")
    copied = 0
    for name in sorted(set(filter(None, listed.split("\0")))):
        src = REPO_ROOT / name
        if not src.is_file():  # deleted in the work tree but still in the index
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
        copied += 1
    assert (dest / ".pre-commit-hooks.yaml").is_file(), "the snapshot has no .pre-commit-hooks.yaml"
    assert copied, "nothing to snapshot"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    _ok([*git, "init", "-q"], dest, e2e_env)
    _ok([*git, "add", "-A"], dest, e2e_env)
    _ok([*git, "commit", "-q", "--no-verify", "-m", "snapshot"], dest, e2e_env)
    rev = _ok(["git", "rev-parse", "HEAD"], dest, e2e_env).strip()
    assert re.fullmatch(r"[0-9a-f]{40}", rev), rev
    return dest, rev
