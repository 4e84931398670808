"""Print which Python environment the environment checks judge, and why.

`mlgate env` runs the discovery every hook runs (mlgate.environment, order in the README)
and prints the interpreter it chose, the reason, its Python version, and each place it looked
at before, with why that one did not answer. Exit 0 when an interpreter is found; 2, with the
message the hooks print, when none is; 3 when the one found does not run (as the checks exit
when the project's interpreter fails). With --format json the answer, error included, is one
JSON document, the candidates in it either way.
"""

from __future__ import annotations

import os
import sys

from mlgate.finding import UsageError

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time
if TYPE_CHECKING:
    import argparse

    from mlgate.environment import Candidate

NAME = "env"
# It reports no findings: which configuration names the interpreter, and how to print it.
OPTIONS = ("format", "config", "no_config", "trusted_config")
FORMATS = ("text", "json")
HELP = "print which Python environment the checks judge, why, and what else was considered"
# After a mark: what a .pth file or sitecustomize prints at start-up comes before it.
_VERSION = "import sys; print('\\x1e%d.%d.%d' % sys.version_info[:3])"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", default=".", metavar="DIR",
                        help="the project's folder, as `mlgate audit DIR` takes it"
                             " (default: the current folder)")
    parser.add_argument("--python", metavar="PY",
                        help="the project's interpreter or environment folder, as the checks"
                             " take it (see README)")


def _version(python: str) -> tuple[str | None, str | None]:
    """The interpreter's version, asked of the interpreter itself (isolated mode, from a
    temporary folder, no PYTHON* variables, as the probe runs): (version, None) or
    (None, why it did not answer). Only this command runs it for a version; hooks never do."""
    import subprocess
    import tempfile

    from mlgate.probe import probe_environment, run_interpreter

    # -S: no .pth file or sitecustomize runs (code a commit can carry), and no secret in
    # the environment it would see
    with tempfile.TemporaryDirectory(prefix="mlgate-env-") as here:
        try:
            status, out, err = run_interpreter([python, "-I", "-S", "-c", _VERSION], here,
                                               probe_environment(), 30)
        except (OSError, subprocess.SubprocessError) as exc:
            return None, str(exc)
    if status is None:
        return None, "it did not answer within 30 s"
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if status != 0 or not stdout.strip():
        lines = stderr.strip().splitlines()
        return None, lines[-1] if lines else f"exit status {status}"
    _, marked, version = stdout.rpartition("\x1e")
    if not marked or not version.strip():
        return None, f"it printed {stdout.strip()[:200]!r} instead of its version"
    return version.strip(), None


def _line(candidate: Candidate) -> str:
    where = f"{candidate.path}: " if candidate.path else ""
    return f"    {candidate.source}: {where}{candidate.why}"


def _emit(fmt: str, answer: dict, candidates: list[Candidate]) -> None:
    try:
        _print(fmt, answer, candidates)
        sys.stdout.flush()
    except BrokenPipeError:  # `mlgate env | head`: the rest goes nowhere, stderr still works
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _print(fmt: str, answer: dict, candidates: list[Candidate]) -> None:
    if fmt == "json":
        import json

        answer["candidates"] = [c.to_dict() for c in candidates]
        print(json.dumps(answer, indent=2))
        return
    if answer["python"]:
        print(f"mlgate env: {answer['python']}")
        print(f"  reason   {answer['reason']}")
        print(f"  version  {answer['version'] or 'unknown'}")
    else:
        print("mlgate env: no Python environment found")
    if candidates:
        print("  looked at first:" if answer["python"] else "  looked at:")
        for candidate in candidates:
            print(_line(candidate))
    nested = answer.get("nested_projects") or []
    if nested:
        import shlex

        shown = ", ".join(nested[:10]) + (f" and {len(nested) - 10} more" if len(nested) > 10
                                          else "")
        print(f"  projects of their own below, each judged with its own environment: {shown}"
              f" (`mlgate env {shlex.quote(nested[0])}` for the first)")


def execute(args: argparse.Namespace) -> int:
    """Discover from DIR, print, and exit 0 (found) or raise UsageError (exit 2)."""
    directory = getattr(args, "directory", ".")
    if not os.path.isdir(directory):
        raise UsageError(f"{directory}: not a folder")
    config_file = os.path.abspath(args.config) if args.config else None
    from mlgate.environment import anchor_python

    anchor_python(args)
    here = os.getcwd()
    os.chdir(directory)
    try:
        args.config = config_file
        return _execute(args)
    finally:
        os.chdir(here)


def _execute(args: argparse.Namespace) -> int:
    from mlgate.config import Config, load_config
    from mlgate.environment import NoProjectPython, find_repo_root, resolve_project_python

    if args.format not in ("text", "json"):
        raise UsageError(f"mlgate env prints text or json, not {args.format}")
    if args.no_config:
        config = Config(root=os.getcwd())
    else:
        config = load_config(args.config, trusted=args.trusted_config)
    repo_root = find_repo_root(os.getcwd())
    answer: dict = {"python": None, "reason": None, "version": None,
                    "nested_projects": _nested(config, args.trusted_config)}
    try:
        found = resolve_project_python(args.python, config.python, config.root, repo_root)
    except NoProjectPython as exc:
        return _failed(args.format, answer, exc.candidates, 2, "usage", str(exc))
    version, error = _version(found.executable)
    answer.update(python=found.executable, reason=found.reason, version=version)
    if error:
        return _failed(args.format, answer, found.candidates, 3, "environment",
                       f"the project's Python {found.executable} (from {found.reason}) does"
                       f" not run: {error}")
    _emit(args.format, answer, found.candidates)
    return 0


def _nested(config, trusted: str | None) -> list[str]:
    """The projects of their own below this one, which the hooks judge with their own
    environment (mlgate.scopes): this answer is not theirs (reliability round 39, F9)."""
    from mlgate.scopes import nested_projects

    try:
        return [os.path.relpath(p, config.root).replace(os.sep, "/")
                for p in nested_projects(config, trusted)]
    except UsageError:
        return []


def _failed(fmt: str, answer: dict, candidates: list[Candidate], code: int, kind: str,
            message: str) -> int:
    """What was found so far and where discovery looked, then the error: one line on stderr,
    as the checks print it, and in JSON the error object the checks print, inside the one
    document (a second document would make stdout invalid JSON)."""
    answer["error"] = {"kind": kind, "message": message, "exit_code": code}
    _emit(fmt, answer, candidates)
    print(f"mlgate: error: {message}", file=sys.stderr)
    return code
