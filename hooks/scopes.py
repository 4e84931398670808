"""Nested projects: a folder below the one mlgate runs for, with a pyproject.toml of its own
that holds a `[tool.mlgate]` table, is a project of its own (a service of a monorepo); when
the folder mlgate runs for has no pyproject.toml at all, any folder below with one is.

pre-commit runs every hook from the repository root. Without scopes, each service's models,
budgets and ignores were found by convention and judged with the root's defaults, and
nothing said a configuration had been passed over (reliability round 37, F3). So a check
runs once for its own folder without the nested projects, then once in each nested project,
as if it had been started there: that folder's configuration, its models, locks and samples,
its environment (`.venv/` there, or `python =`), and its files among the ones given. Paths in
the findings are then spelled from where mlgate was started.

Which folders are projects is read where the configuration is read: from the work tree, or
with `--trusted-config REV` from that revision, so a pull request cannot carve out a folder
with a lax configuration of its own by adding a pyproject.toml.
"""

from __future__ import annotations

import os
from typing import Any

from mlgate.config import Config, UsageError, _may_configure, load_config
from mlgate.finding import EnvironmentFailure

MAX_PROJECTS = 200  # nested projects one run visits; more is a usage error, not a slow hook


def nested_projects(config: Config, trusted: str | None) -> list[str]:
    """The outermost folders strictly below `config.root` whose pyproject.toml (tracked by
    git, or present at `trusted`) has a `[tool.mlgate]` table, as absolute paths; folders the
    configuration excludes are none."""
    from mlgate.environment import find_repo_root

    root = os.path.realpath(config.root)
    repo_root = os.path.realpath(find_repo_root(root))
    texts = _trusted_pyprojects(repo_root, root, trusted) if trusted else \
        _tracked_pyprojects(repo_root, root)
    # With no pyproject.toml at all for the run's own folder (a repository of course weeks,
    # each a uv project with its .venv: new-user trial round 38, F4), every folder below
    # that has one is a project; otherwise only those with a [tool.mlgate] of their own (a
    # package of a workspace shares its root's environment).
    bare = config.source is None
    folders = []
    for rel, text in sorted(texts.items()):
        folder = os.path.dirname(rel)
        if not folder or not (bare or _declares(rel, text)):
            continue
        absolute = os.path.normpath(os.path.join(repo_root, folder))
        if absolute == root or not absolute.startswith(root.rstrip(os.sep) + os.sep):
            continue
        if not os.path.isdir(absolute) or os.path.realpath(absolute) != absolute:
            # a project of the trusted revision that the work tree removed, made a file, or
            # made a link (out of the repository, to `.git`, or to `.`: reliability round 39
            # F1, F5, F8: exit 2, files of another checkout reported, endless recursion):
            # git holds nothing of it below that name, and what is in its place is the root's
            continue
        if config.exclude and config.is_excluded(os.path.relpath(absolute, root).replace(
                os.sep, "/")):
            continue
        folders.append(absolute)
    outermost = [f for f in folders if not any(
        f != other and f.startswith(other + os.sep) for other in folders)]
    if len(outermost) > MAX_PROJECTS:
        raise UsageError(f"{len(outermost)} folders below {root} are projects of their own"
                         f" (at most {MAX_PROJECTS} are checked as such): put a pyproject.toml"
                         " with a [tool.mlgate] table at the root, and only the folders whose"
                         " pyproject.toml has one are")
    return outermost


def _declares(name: str, text: str) -> bool:
    """Whether a pyproject.toml has a `[tool.mlgate]` table (an empty one counts: it says
    this folder is a project)."""
    if not _may_configure(text):
        return False
    from mlgate.toml_read import TomlError, loads

    try:
        data = loads(text)
    except TomlError as exc:
        raise UsageError(f"{name}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    return isinstance(tool, dict) and "mlgate" in tool


# One run's listings, shared by the nested projects' own runs: each asked git again, and
# 200 services took 9 s before any check began (reliability round 39 F4). Kept only while a
# run is under way (`run_scoped` at the top), so nothing outlives it.
_LISTED: dict = {}
_RUNNING = [False]


def _tracked_listing(repo_root: str) -> list[tuple[str, str]]:
    """(name, real path of its folder) of each pyproject.toml git tracks below the root."""
    import subprocess

    from mlgate.files import GIT

    if repo_root in _LISTED:
        return _LISTED[repo_root]
    listing: list[tuple[str, str]] = []
    try:  # only the pyproject.toml files: a large repository's listing stays small
        proc = subprocess.run([*GIT, "-C", repo_root, "ls-files", "-z", "--cached", "--",
                               ":(glob)**/pyproject.toml"], capture_output=True, check=False,
                              timeout=60)
    except (OSError, subprocess.SubprocessError):
        proc = None
    if proc is not None and proc.returncode == 0:  # else not a repository: no projects
        for name in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if "/" in name:
                folder = os.path.dirname(os.path.join(repo_root, name))
                listing.append((name, os.path.realpath(folder)))
    if _RUNNING[0]:
        _LISTED[repo_root] = listing
    return listing


def _tracked_pyprojects(repo_root: str, root: str) -> dict[str, str]:
    from mlgate.artifacts.reading import Unreadable, read_bytes, resolve
    from mlgate.config import MAX_PYPROJECT_BYTES

    texts = {}
    for name, real in _tracked_listing(repo_root):
        path = os.path.join(repo_root, name)
        if not real.startswith(root + os.sep) or not os.path.lexists(path):
            continue
        try:
            data = read_bytes(resolve(path, repo_root), MAX_PYPROJECT_BYTES)
            texts[name] = data.decode("utf-8")
        except (Unreadable, OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{name}: cannot read: {exc}") from None
    return texts


def _trusted_pyprojects(repo_root: str, root: str, rev: str) -> dict[str, str]:
    import subprocess

    from mlgate.config import _git_texts
    from mlgate.files import GIT

    try:
        proc = subprocess.run([*GIT, "-C", repo_root, "ls-tree", "-r", "-z", "--name-only",
                               f"{rev}^{{commit}}"], capture_output=True, check=False,
                              timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"--trusted-config {rev}: cannot run git: {exc}") from None
    if proc.returncode != 0:
        return {}  # an unknown revision: the configuration's own reading says so
    names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0")
             if n.endswith("/pyproject.toml")]
    return _git_texts(repo_root, rev, names) if names else {}


def _name_the_project(exc: Exception, name: str) -> None:
    """Say which project a configuration or environment error is about (reliability round
    39, F7 and F9: "pyproject.toml: unknown key" from the root of a monorepo with three, and
    "cannot find the project's Python environment ... create .venv/ at the repository root",
    which would then have served every project)."""
    import shlex

    if getattr(exc, "mlgate_project", None) or not exc.args:
        return
    exc.mlgate_project = name  # type: ignore[attr-defined]
    message = str(exc.args[0])
    if message.startswith("pyproject.toml: "):
        message = f"{name}/{message}"
    else:
        message = f"{name}: {message}"
    message = message.replace("create .venv/ at the repository root", f"create .venv/ in {name}")
    message = message.replace("(`mlgate env` lists", f"(`mlgate env {shlex.quote(name)}` lists")
    exc.args = (message, *exc.args[1:])


def anchored(folder: str) -> str:
    """An `exclude` pattern for exactly the files under `folder` (relative, POSIX): with a
    '/', so it is never matched against a file's name alone (a file named `models/svc` was
    excluded with the project `svc` and checked by no scope: red team round 38), and with
    fnmatch's special characters taken literally."""
    literal = "".join(f"[{c}]" if c in "*?[" else c for c in folder)
    return literal + "/*"


def run_scoped(module: Any, args: Any, config: Config, policy, prefix: str = ""
               ) -> list[tuple[list, Config]]:
    """Run the check for `config.root` without its nested projects, then in each of them
    (recursively); the findings of each scope with the configuration that governs them,
    the policy (`policy(findings, config)`) applied where that scope's paths are spelled."""
    if not prefix and not _RUNNING[0]:
        _RUNNING[0] = True
        try:
            return run_scoped(module, args, config, policy, prefix)
        finally:
            _RUNNING[0] = False
            _LISTED.clear()
    files = list(getattr(args, "files", []) or [])
    start = os.getcwd()
    # (a run from a folder inside the project, with no files named, is about that folder:
    # not about the nested projects elsewhere in the project)
    here = os.path.realpath(start)
    projects = [p for p in nested_projects(config, args.trusted_config)
                if files or p.startswith(here.rstrip(os.sep) + os.sep)]
    if not projects:
        return [(policy(list(module.run(args, config)), config), config)]
    owned: dict[str, list[str]] = {p: [] for p in projects}
    mine: list[str] = []
    for name in files:
        # by the path as given, as the root's `exclude` will see it (a committed link
        # `svc/model.pkl -> ../data/x.bin` was dropped by both: red team round 38)
        where = os.path.normpath(os.path.join(here, name))
        owner = next((p for p in projects if where.startswith(p + os.sep)), None)
        (owned[owner] if owner else mine).append(name)
    config.nested = [os.path.relpath(p, config.root).replace(os.sep, "/") for p in projects]
    config.exclude = [*config.exclude, *(anchored(p) for p in config.nested)]
    results = []
    if mine or not files:
        args.files = mine
        results.append((policy(list(module.run(args, config)), config), config))
    for project in projects:
        if files and not owned[project]:
            continue  # the files given (a commit's) are none of this project's
        args.files = [os.path.relpath(os.path.join(start, n), project) for n in owned[project]]
        os.chdir(project)
        name = prefix + os.path.relpath(project, start).replace(os.sep, "/")
        try:
            inner = load_config(start=project, trusted=args.trusted_config)
            inner.scope = name
            for found, used in run_scoped(module, args, inner, policy, inner.scope + "/"):
                for finding in found:
                    if not os.path.isabs(finding.path):
                        finding.path = os.path.relpath(os.path.join(project, finding.path),
                                                       start)
                results.append((found, used))
        except (UsageError, EnvironmentFailure) as exc:
            _name_the_project(exc, name)
            raise
        finally:
            os.chdir(start)
    args.files = files
    return results
