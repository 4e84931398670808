"""Which Python is the project's: the interpreter whose packages the environment checks judge.

pre-commit runs a `language: python` hook inside a virtualenv of its own and points
VIRTUAL_ENV at it, so `sys.executable` is never the answer. The first of these that is set
wins, and `--verbose` says which one it was:

1. `--python PY` on the command line;
2. `python = "..."` in `[tool.mlgate]` (relative to the pyproject.toml);
3. the `MLGATE_PYTHON` environment variable;
4. `UV_PROJECT_ENVIRONMENT` (uv's project environment folder);
5. a `.venv/` or `venv/` folder at the repository root;
6. `CONDA_PREFIX` (an activated conda environment);
7. `VIRTUAL_ENV`, unless it is the environment mlgate itself runs in.
"""

from __future__ import annotations

import os
import shutil
import sys

from mlgate.finding import UsageError

HOW_TO = (
    "point mlgate at the project's environment with --python PATH, `python = \"PATH\"` in "
    "[tool.mlgate], or MLGATE_PYTHON, or create .venv/ at the repository root"
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
    if cli_python:
        return ProjectPython(_executable(cli_python, os.getcwd(), "--python"), "--python")
    if config_python:
        return ProjectPython(_executable(config_python, config_root, "[tool.mlgate] python"),
                             "python in [tool.mlgate]")
    if env.get("MLGATE_PYTHON"):
        return ProjectPython(_executable(env["MLGATE_PYTHON"], os.getcwd(), "MLGATE_PYTHON"),
                             "MLGATE_PYTHON")
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
