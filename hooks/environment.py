"""Which Python is the project's: the interpreter whose packages the environment checks judge.

pre-commit runs a `language: python` hook inside a virtualenv of its own and points
VIRTUAL_ENV at it, so `sys.executable` is never the answer. The first of these that is set
wins, and `--verbose` says which one it was:

1. `--python PY` on the command line;
2. the `MLGATE_PYTHON` environment variable (environment variables beat committed files, as
   in pip and uv: the person running mlgate decides, not the commit);
3. `python = "..."` in `[tool.mlgate]` (relative to the pyproject.toml);
4. `UV_PROJECT_ENVIRONMENT` (uv's project environment folder);
5. a `.venv/` or `venv/` folder at the repository root;
6. `CONDA_PREFIX` (an activated conda environment);
7. `VIRTUAL_ENV`, unless it is the environment mlgate itself runs in.

Whichever wins, an interpreter that git tracks is refused (exit 2): a real environment is
never committed, so a committed `.venv/bin/python` (or a tracked symlink on the way to it) is
code from the commit, which must not decide what runs.
"""

from __future__ import annotations

import os
import shutil
import sys

from mlgate.finding import UsageError

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from collections.abc import Mapping

HOW_TO = (
    "point mlgate at the project's environment with --python PATH, MLGATE_PYTHON, or "
    "`python = \"PATH\"` in [tool.mlgate], or create .venv/ at the repository root"
)


class ProjectPython:
    """The chosen interpreter and the reason it was chosen."""

    __slots__ = ("executable", "reason")

    def __init__(self, executable: str, reason: str) -> None:
        self.executable, self.reason = executable, reason

    def __repr__(self) -> str:
        return f"ProjectPython({self.executable!r}, {self.reason!r})"


def find_repo_root(start: str) -> str:
    """The nearest folder holding `.git`, from `start` upwards; `start` itself if none."""
    folder = os.path.realpath(start)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.realpath(start)
        folder = parent


def env_python(prefix: str) -> str | None:
    """The interpreter of a virtualenv or conda prefix, if it has one."""
    for candidate in (("bin", "python"), ("bin", "python3"), ("Scripts", "python.exe"),
                      ("python.exe",)):
        path = os.path.join(prefix, *candidate)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _executable(value: str, base: str, where: str) -> str:
    """A Python named by a path (relative to `base`), an environment folder, or a command."""
    path = value if os.path.isabs(value) else os.path.join(base, value)
    if os.path.isdir(path):
        found = env_python(path)
        if found:
            return found
        raise UsageError(f"{where}: {value!r} is a folder without bin/python")
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    if os.sep not in value and "/" not in value:
        found = shutil.which(value)
        if found:
            return found
    raise UsageError(f"{where}: {value!r} is not an executable Python")


def _components(path: str, repo_root: str, real: bool = False) -> list[str]:
    """`a`, `a/b`, `a/b/python`: the path's components inside the repository (POSIX, relative
    to its real root), or [] when the path is outside it."""
    rel = os.path.relpath(path, repo_root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        if real:
            return []
        # It may reach the repository's folder by another spelling (/tmp -> /private/tmp).
        folder = os.path.dirname(path)
        while os.path.realpath(folder) != repo_root:
            if os.path.dirname(folder) == folder:
                return []
            folder = os.path.dirname(folder)
        rel = os.path.relpath(path, folder)
    parts = rel.split(os.sep)
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _refuse_tracked(found: ProjectPython, repo_root: str) -> None:
    """Exit 2 when git tracks the interpreter, its real path (symlinks resolved), or any folder
    or symlink on the way to either inside the repository: that is code from the commit, and
    a real environment is never committed. One `git ls-files`, only when the interpreter is
    inside the repository's folder (an untracked, ignored `.venv/` is the normal case)."""
    repo_root = os.path.realpath(repo_root)
    chosen = os.path.abspath(found.executable)
    wanted = dict.fromkeys(_components(chosen, repo_root)
                           + _components(os.path.realpath(chosen), repo_root, real=True))
    if not wanted or not os.path.exists(os.path.join(repo_root, ".git")):
        return
    import subprocess  # only for an interpreter inside the repository

    try:
        proc = subprocess.run(
            ["git", "-C", repo_root, "--literal-pathspecs", "ls-files", "-z", "--", *wanted],
            capture_output=True, check=False, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return  # no git: nothing is tracked
    listed = set(proc.stdout.decode("utf-8", "surrogateescape").split("\0"))
    tracked = [path for path in wanted if path in listed]  # the outermost first
    if proc.returncode == 0 and tracked:
        raise UsageError(
            f"refusing to run the project's Python {found.executable} (from {found.reason}):"
            f" git tracks {tracked[0]}, and a real environment is never committed, so it is"
            " code from the commit; point mlgate at an environment you built with --python"
            " PATH or MLGATE_PYTHON"
        )


def _same_prefix(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def resolve_project_python(
    cli_python: str | None,
    config_python: str | None,
    config_root: str,
    repo_root: str,
    environ: dict[str, str] | None = None,
) -> ProjectPython:
    """Apply the order above; raise UsageError (exit 2) with what to do when nothing is found."""
    env = os.environ if environ is None else environ
    found = _choose(cli_python, config_python, config_root, repo_root, env)
    _refuse_tracked(found, repo_root)
    return found


def _choose(cli_python: str | None, config_python: str | None, config_root: str,
            repo_root: str, env: Mapping[str, str]) -> ProjectPython:
    if cli_python:
        return ProjectPython(_executable(cli_python, os.getcwd(), "--python"), "--python")
    if env.get("MLGATE_PYTHON"):
        return ProjectPython(_executable(env["MLGATE_PYTHON"], os.getcwd(), "MLGATE_PYTHON"),
                             "MLGATE_PYTHON")
    if config_python:
        return ProjectPython(_executable(config_python, config_root, "[tool.mlgate] python"),
                             "python in [tool.mlgate]")
    if env.get("UV_PROJECT_ENVIRONMENT"):
        return ProjectPython(
            _executable(env["UV_PROJECT_ENVIRONMENT"], repo_root, "UV_PROJECT_ENVIRONMENT"),
            "UV_PROJECT_ENVIRONMENT",
        )
    for name in (".venv", "venv"):
        found = env_python(os.path.join(repo_root, name))
        if found:
            return ProjectPython(found, f"{name}/ at the repository root")
    if env.get("CONDA_PREFIX"):
        found = env_python(env["CONDA_PREFIX"])
        if found:
            return ProjectPython(found, "CONDA_PREFIX")
    virtual_env = env.get("VIRTUAL_ENV")
    if virtual_env and not _same_prefix(virtual_env, sys.prefix):
        found = env_python(virtual_env)
        if found:
            return ProjectPython(found, "VIRTUAL_ENV")
    raise UsageError(f"cannot find the project's Python environment: {HOW_TO}")
