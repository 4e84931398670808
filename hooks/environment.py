"""Which Python is the project's: the interpreter whose packages the environment checks judge.

pre-commit runs a `language: python` hook inside a virtualenv of its own: it points
VIRTUAL_ENV at it and puts its `bin/` first on PATH, keeping the user's PATH after it
(`get_env_patch` in pre_commit/languages/python.py). So `sys.executable` is never the answer,
but a virtualenv the user activated is still on PATH. The first of these that gives an
interpreter wins; `mlgate env` (and `--verbose`) says which one, and `mlgate env` why each
one before it did not:

1. `--python PY` on the command line;
2. the `MLGATE_PYTHON` environment variable (environment variables beat committed files, as
   in pip and uv: the person running mlgate decides, not the commit);
3. `python = "..."` in `[tool.mlgate]` (relative to the pyproject.toml);
4. `UV_PROJECT_ENVIRONMENT` (uv's project environment folder);
5. a `.venv/` or `venv/` folder at the repository root, then in the project's folder (the
   pyproject.toml's, when it is below the root): where uv, PDM, and Poetry and pipenv set
   to "in project", put it;
6. `CONDA_PREFIX` (an activated conda environment);
7. `VIRTUAL_ENV`, unless it is the environment mlgate itself runs in: a hook's (in
   pre-commit's store) never counts; otherwise (run by hand, or by a `language: system` hook,
   from the project's activated virtualenv with mlgate installed in it) it is tried last,
   after step 9;
8. the activated environment on PATH: the first PATH entry, mlgate's own environment
   skipped, that is the `bin/` of a virtualenv (`pyvenv.cfg`) or conda environment
   (`conda-meta/`) with a python in it. Under pre-commit this is what is left of a virtualenv
   activated outside the repository (Poetry's cache, virtualenvwrapper's ~/.virtualenvs), so
   a hook finds what `mlgate` run by hand finds through VIRTUAL_ENV. An environment on PATH
   that mlgate is installed in is, under pre-commit, judged as mlgate run by hand judges its
   own: skipped unless the shell that ran pre-commit activated it (its VIRTUAL_ENV, read on
   Linux from pre-commit's own process; elsewhere assumed), and then tried last;
9. the environment the project's tool made, located by that tool's own rules from files
   alone, never by running the tool: Poetry's (`{virtualenvs.path}/{name}-{hash}-py{X.Y}`),
   PDM's (`.pdm-python`), Hatch's default environment, pipenv's
   (`{WORKON_HOME}/{folder}-{hash}`), and the conda environment environment.yml names.
   TOML files are parsed once per content (a JSON copy under `.git/mlgate-cache/`), since a
   TOML parser costs more than the rest of a warm hook run.

Whichever wins, an interpreter that git tracks is refused (exit 2): a real environment is
never committed, so a committed `.venv/bin/python` (or a tracked symlink on the way to it, or
a start-up file in its environment's folder) is code from the commit, which must not decide
what runs. Inside the repository's folder, git must be able to say so (`_refuse_tracked`).
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
    " (`mlgate env` lists where it looked)"
)
OWN = "mlgate's own environment (pre-commit's, when run as a hook)"
ON_PATH = "the activated environment on PATH"
NOT_ACTIVATED = ("mlgate is installed in it and the shell that ran pre-commit did not"
                 " activate it: run by hand, mlgate skips it too (a tools environment)")
TOOLS_LAST = ("mlgate is installed in it: the project's only if no other place names one"
              " (it is tried last, as mlgate run by hand tries its own)")
OWN_LAST = ("mlgate's own environment: the project's only if no other place names one (it"
            " is tried last)")


class Candidate:
    """A place discovery looked at before the winner, and why it did not answer: what
    `mlgate env` prints, so a wrong or missing environment can be explained."""

    __slots__ = ("path", "source", "why")

    def __init__(self, source: str, path: str | None, why: str) -> None:
        self.source, self.path, self.why = source, path, why

    def to_dict(self) -> dict:
        return {"source": self.source, "path": self.path, "rejected": self.why}

    def __repr__(self) -> str:
        return f"Candidate({self.source!r}, {self.path!r}, {self.why!r})"


class ProjectPython:
    """The chosen interpreter, the reason it was chosen, and the candidates before it."""

    __slots__ = ("candidates", "executable", "reason")

    def __init__(self, executable: str, reason: str,
                 candidates: list[Candidate] | tuple = ()) -> None:
        self.executable, self.reason = executable, reason
        self.candidates = list(candidates)

    def __repr__(self) -> str:
        return f"ProjectPython({self.executable!r}, {self.reason!r})"


class NoProjectPython(UsageError):
    """Nothing was found (exit 2); `candidates` says where discovery looked."""

    def __init__(self, message: str, candidates: list[Candidate]) -> None:
        super().__init__(message)
        self.candidates = candidates


def naming_what_needed_it(error: NoProjectPython, paths: list[str], what: str
                          ) -> NoProjectPython:
    """The same error, saying which files needed the environment (new-user trial 43 F6: a
    monorepo's check-schema exited 2 on every commit without naming the models at its root
    that needed one; the lock check names its locks)."""
    shown = ", ".join(paths[:4]) + (f" and {len(paths) - 4} more" if len(paths) > 4 else "")
    return NoProjectPython(
        f"{error}; it is what loads {shown}: if {what} belongs to another project (a"
        " service in a subfolder), give that folder its own project (a pyproject.toml with a"
        " [tool.mlgate] table), or list it in [tool.mlgate] exclude", error.candidates)


def find_repo_root(start: str) -> str:
    """The nearest folder holding `.git`, from `start` upwards; `start` itself if none."""
    from mlgate.files import git_root

    return git_root(start) or os.path.realpath(start)


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
    if not value.strip():  # `--python ''` (an unset shell variable) names nothing: never
        # the folder it would join to (reliability round 36: silently ignored)
        raise UsageError(f"{where} is empty: give the project's interpreter, e.g."
                         " .venv/bin/python")
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


def _inside(path: str, repo_root: str) -> str | None:
    """`path` relative to the repository's real root (POSIX), or None outside it. `path`
    must already be resolved as far as it should be."""
    rel = os.path.relpath(path, repo_root)
    if rel == os.curdir or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def _on_the_way(path: str, repo_root: str) -> list[str]:
    """What the kernel meets inside the repository on its way to `path`: each component as
    it stands (a symlink itself, not its target), in its resolved folder, links in the
    middle of a chain too (`sandbox.kernel_walk`). `lnk/../x` goes through `lnk` first
    (round 34: a lexical tidy-up skipped the committed link)."""
    from mlgate.sandbox import kernel_walk

    met = [_inside(p, repo_root) for p in kernel_walk(path)]
    real = _inside(os.path.realpath(path), repo_root)
    if real is not None:
        bits = real.split("/")
        met.extend("/".join(bits[:i]) for i in range(1, len(bits) + 1))
    return list(dict.fromkeys(rel for rel in met if rel is not None))


# Files CPython reads beside its executable at start-up, before any option it is given:
# `<executable>._pth` replaces sys.path (3.11+ on Linux too; -I and -S do not turn it off),
# `pybuilddir.txt` makes it take a build folder's own standard library. A venv's
# `pyvenv.cfg` (its `home`) says where the standard library comes from.
_STARTUP_SUFFIX, _STARTUP_NAMES = "._pth", ("pybuilddir.txt", "pyvenv.cfg")


def _startup_files(executable: str, repo_root: str) -> list[str]:
    """Start-up files inside the repository beside the interpreter (as named, and resolved)
    or in its environment's folder: code the commit can put before mlgate's first line."""
    found: list[str] = []
    named = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(executable))),
                         os.path.basename(executable))
    for path in dict.fromkeys([named, os.path.realpath(executable)]):
        for folder in (os.path.dirname(path), os.path.dirname(os.path.dirname(path))):
            if _inside(os.path.realpath(folder), repo_root) is None:
                continue
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            found.extend(os.path.join(folder, n) for n in names
                         if n.endswith(_STARTUP_SUFFIX) or n in _STARTUP_NAMES)
    return list(dict.fromkeys(found))


EXPLICIT = ("--python", "MLGATE_PYTHON")  # named by whoever runs mlgate, not by a file


def _refuse_tracked(found: ProjectPython, repo_root: str) -> None:
    """Exit 2 when the interpreter may be code from the commit. An interpreter inside the
    repository's folder runs only when git positively says that nothing on the way to it
    (a folder, a symlink, the file itself, resolved as the kernel resolves it) and nothing
    in its environment's folder is tracked: a real environment is never committed, and a
    committed `python._pth`, `pybuilddir.txt` or `pyvenv.cfg` beside a CI-built `.venv`'s
    interpreter runs the commit's code at start-up, before the sandbox (round 34). When
    git cannot answer (no `.git`, a repository git refuses), only an interpreter named by
    whoever runs mlgate is run. One `git ls-files`, only for an interpreter inside the
    repository (an untracked, ignored `.venv/` is the normal case)."""
    repo_root = os.path.realpath(repo_root)
    chosen = found.executable if os.path.isabs(found.executable) else os.path.join(
        os.getcwd(), found.executable)
    wanted = _on_the_way(chosen, repo_root)
    startup = _startup_files(chosen, repo_root)
    environment = [rel for rel in (_inside(os.path.realpath(os.path.dirname(f)), repo_root)
                                   for f in startup) if rel is not None]
    if not wanted and not environment:
        return
    listed = _tracked(repo_root, wanted, environment)
    if listed is None:
        if found.reason in EXPLICIT and not any(
                os.path.basename(f).endswith(_STARTUP_SUFFIX) or os.path.basename(f) ==
                "pybuilddir.txt" for f in startup):
            return
        raise UsageError(
            f"refusing to run the project's Python {found.executable} (from {found.reason}):"
            " it is inside the repository, and git cannot say whether it (or a start-up file"
            " beside it) is committed; run in a git checkout, or point mlgate at an"
            " environment outside the repository with --python PATH or MLGATE_PYTHON"
        )
    if listed:
        raise UsageError(
            f"refusing to run the project's Python {found.executable} (from {found.reason}):"
            f" git tracks {listed[0]}, and a real environment is never committed, so it is"
            " code from the commit; if that environment is yours (a virtualenv committed by"
            f" mistake), untrack it (`git rm -r --cached {_tracked_root(listed[0])}` and add"
            " it to .gitignore) and rebuild it; or point mlgate at an environment outside"
            " what git tracks with --python PATH or MLGATE_PYTHON"
        )


def _tracked_root(path: str) -> str:
    """The folder to untrack for a committed environment's file: the one holding its
    pyvenv.cfg or bin/ (`.venv` for `.venv/bin/python`), else the file itself."""
    parts = path.replace(os.sep, "/").split("/")
    for index, part in enumerate(parts[:-1]):
        if part in ("bin", "Scripts", "lib", "Lib", "include") and index:
            return "/".join(parts[:index])
    return path


def _tracked(repo_root: str, paths: list[str], folders: list[str]) -> list[str] | None:
    """What git tracks of `paths` (each itself: a folder on the way holds the project's
    files, an untracked `app/.venv/` beside a tracked `app/pyproject.toml` is the normal
    case: review of round 34) and of `folders` (anything in them: an environment's), the
    outermost first; None when git cannot answer."""
    if not os.path.exists(os.path.join(repo_root, ".git")):
        return None
    import subprocess  # only for an interpreter inside the repository

    from mlgate.files import GIT

    try:
        proc = subprocess.run(
            [*GIT, "-C", repo_root, "--literal-pathspecs", "ls-files", "-z", "--", *paths,
             *folders],
            capture_output=True, check=False, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None  # (a repository git refuses: "dubious ownership")
    listed = [p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p]
    exact = [p for p in paths if p in set(listed)]
    inside = [p for p in listed if any(p.startswith(f.rstrip("/") + "/") for f in folders)]
    return exact + inside


def _same_prefix(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _own_is_a_hooks(env: Mapping[str, str]) -> bool:
    """Whether mlgate's own environment is pre-commit's, never the project's: it lies in
    pre-commit's store, where every `language: python` hook's environment is made. Else it
    may be the project's (acceptance audit of round 40: run by hand from the project's
    activated virtualenv, mlgate installed in it, exit 2 "cannot find the project's Python
    environment"; and so under a `language: system` hook, which pre-commit runs with
    PRE_COMMIT=1 too: red team round 40b F4), tried after every other place (F3: not
    before the environment a project's PDM or Poetry names)."""
    store = env.get("PRE_COMMIT_HOME") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "pre-commit")
    own, store = os.path.realpath(sys.prefix), os.path.realpath(store)
    return own == store or own.startswith(store + os.sep)


def resolve_project_python(
    cli_python: str | None,
    config_python: str | None,
    config_root: str,
    repo_root: str,
    environ: Mapping[str, str] | None = None,
) -> ProjectPython:
    """Apply the order above; raise NoProjectPython (a UsageError: exit 2) with what to do
    when nothing is found. Every variable is read from `environ` (default: os.environ)."""
    env = os.environ if environ is None else environ
    found = _choose(cli_python, config_python, config_root, repo_root, env)
    _refuse_tracked(found, repo_root)
    if all(found.executable != chosen.executable for chosen in CHOSEN):
        CHOSEN.append(found)
    return found


# Every interpreter this run judged, for the line the report ends with (new-user trial 45
# F4: a hook's findings never said whose packages they were about).
CHOSEN: list[ProjectPython] = []


def anchor_python(args) -> None:
    """`--python` as a path from the folder mlgate was started in, before a command moves
    into the project's folder (`mlgate audit DIR`, `mlgate env DIR`): new-user trial round
    40 F7, `mlgate env Predicto --python Predicto/Demo/.venv/bin/python` was "not an
    executable Python". A path that names nothing there is left to be read from DIR, as
    before; a bare command name is looked up on PATH."""
    value = getattr(args, "python", None)
    if value and not os.path.isabs(value) and os.sep in value and os.path.lexists(value):
        args.python = os.path.abspath(value)


def _missing(prefix: str) -> str:
    if not os.path.isdir(prefix):
        return "no such folder"
    for name in ("bin/python", "bin/python3", "Scripts/python.exe"):
        link = os.path.join(prefix, name)
        if os.path.islink(link) and not os.path.exists(link):
            # a virtualenv made on another machine, committed (its python a link to
            # /Users/...): new-user trial 41, F4
            return (f"its {name} links to {os.readlink(link)}, which does not exist here (a"
                    " virtualenv made on another machine and committed? rebuild it:"
                    " python -m venv --clear, and untrack it)")
    return "no bin/python in it"


def _choose(cli_python: str | None, config_python: str | None, config_root: str,
            repo_root: str, env: Mapping[str, str]) -> ProjectPython:
    seen: list[Candidate] = []
    if cli_python is not None:
        return ProjectPython(_executable(cli_python, os.getcwd(), "--python"), "--python")
    seen.append(Candidate("--python", None, "not given"))
    if env.get("MLGATE_PYTHON"):
        return ProjectPython(_executable(env["MLGATE_PYTHON"], os.getcwd(), "MLGATE_PYTHON"),
                             "MLGATE_PYTHON", seen)
    seen.append(Candidate("MLGATE_PYTHON", None, "not set"))
    if config_python:
        return ProjectPython(_executable(config_python, config_root, "[tool.mlgate] python"),
                             "python in [tool.mlgate]", seen)
    seen.append(Candidate("[tool.mlgate] python", None, "not set"))
    if env.get("UV_PROJECT_ENVIRONMENT"):
        return ProjectPython(
            _executable(env["UV_PROJECT_ENVIRONMENT"], repo_root, "UV_PROJECT_ENVIRONMENT"),
            "UV_PROJECT_ENVIRONMENT", seen,
        )
    seen.append(Candidate("UV_PROJECT_ENVIRONMENT", None, "not set"))
    # The project's own folder first: in a monorepo the root's .venv holds the tooling, and
    # each service's .venv what that service ships (reliability round 39, F3: every nested
    # project was judged against the root's environment, from the root and from inside it)
    folders = [(repo_root, "at the repository root")]
    if os.path.realpath(config_root) != os.path.realpath(repo_root):
        folders.insert(0, (config_root, "in the project's folder"))
    for folder, where in folders:
        for name in (".venv", "venv"):
            prefix = os.path.join(folder, name)
            found = env_python(prefix)
            if found:
                return ProjectPython(found, f"{name}/ {where}", seen)
            seen.append(Candidate(f"{name}/ {where}", prefix, _missing(prefix)))
    conda = env.get("CONDA_PREFIX")
    found = env_python(conda) if conda else None
    if found:
        return ProjectPython(found, "CONDA_PREFIX", seen)
    seen.append(Candidate("CONDA_PREFIX", conda or None, _missing(conda) if conda else "not set"))
    virtual_env = env.get("VIRTUAL_ENV")
    own = None  # mlgate's own activated environment, not a hook's: the last resort
    if not virtual_env:
        seen.append(Candidate("VIRTUAL_ENV", None, "not set"))
    elif _same_prefix(virtual_env, sys.prefix):
        if _own_is_a_hooks(env):
            seen.append(Candidate("VIRTUAL_ENV", virtual_env, OWN))
        else:
            own = virtual_env
            seen.append(Candidate("VIRTUAL_ENV", virtual_env, OWN_LAST))
    else:
        found = env_python(virtual_env)
        if found:
            return ProjectPython(found, "VIRTUAL_ENV", seen)
        seen.append(Candidate("VIRTUAL_ENV", virtual_env, _missing(virtual_env)))
    project, tools = _activated_on_path(env, seen, _own_is_a_hooks(env))
    if project is None:
        from mlgate.tool_environments import made_by_a_tool

        project = made_by_a_tool(config_root, repo_root, env, seen)
    if project:
        return project
    found = env_python(own) if own else None
    if found:
        return ProjectPython(found, "VIRTUAL_ENV", seen)
    if tools:
        return ProjectPython(tools, ON_PATH, seen)
    below = _environments_below(repo_root)
    folder = os.path.dirname(below[0]) if below else ""
    hint = (f" ({', '.join(below)} below the root is a project's: give its folder a"
            " pyproject.toml with a [tool.mlgate] table, which makes it a project of its own,"
            f" set python = \"{below[0]}\", or run mlgate from that folder (cd {folder}),"
            f" as `mlgate audit {folder}` does)" if below else "")
    raise NoProjectPython(f"cannot find the project's Python environment: {HOW_TO}{hint}",
                          seen)


def _environments_below(root: str, depth: int = 2, most: int = 3) -> list[str]:
    """`.venv`/`venv` folders (virtualenvs) one or two folders below the repository root: an
    app in a subfolder with its own environment and no pyproject.toml, which the hooks, run
    from the root, do not take for a project (new-user trial round 40b F3: exit 2 saying to
    create .venv/ at the root, beside the one `mlgate audit DIR` found)."""
    found: list[str] = []
    level = [root]
    for _ in range(depth):
        following = []
        for folder in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)[:200]
            except OSError:
                continue
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False) or entry.name == ".git":
                    continue
                if entry.name in (".venv", "venv"):
                    if folder != root and _is_environment(entry.path):
                        found.append(os.path.relpath(entry.path, root))
                elif not entry.name.startswith(".") and entry.name not in (
                        "node_modules", "site-packages"):
                    following.append(entry.path)
        level = following[:200]
    return found[:most]


def _is_environment(prefix: str) -> bool:
    """A virtualenv (pyvenv.cfg, PEP 405) or a conda environment (conda-meta/)."""
    return (os.path.isfile(os.path.join(prefix, "pyvenv.cfg"))
            or os.path.isdir(os.path.join(prefix, "conda-meta")))


def _activated_on_path(env: Mapping[str, str], seen: list[Candidate], hook: bool
                       ) -> tuple[ProjectPython | None, str | None]:
    """Step 8. Activating an environment puts its bin/ first on PATH; pre-commit then puts
    its own environment's bin/ before that and rewrites VIRTUAL_ENV, but keeps the rest of
    PATH. So the first environment's bin/ on PATH after mlgate's own is the one the user
    activated. Relative entries are skipped: they name folders of the commit.

    Under pre-commit (`hook`), an environment on PATH that mlgate is installed in is the one
    `mlgate` run by hand would run from, so it is judged as mlgate judges its own by hand
    (new-user trial 45 F4: a tools virtualenv on PATH, never activated, refused by hand,
    was the project's under pre-commit, and its pytest and ruff were 26 lock findings): only
    if the user activated it, and then last, after the environments the project's tools
    make. Returned second, as that last resort."""
    own = os.path.realpath(sys.prefix)
    tools = None
    for entry in env.get("PATH", "").split(os.pathsep):
        if not entry or not os.path.isabs(entry):
            continue
        entry = os.path.normpath(entry)
        prefix = os.path.dirname(entry)
        if os.path.basename(entry) not in ("bin", "Scripts") or not _is_environment(prefix):
            continue
        if os.path.realpath(prefix) == own:
            seen.append(Candidate("PATH", entry, OWN))
            continue
        found = env_python(prefix)
        if found and hook and _holds_mlgate(entry):
            known, activated = invoking_virtual_env()
            if known and not (activated and _same_prefix(activated, prefix)):
                seen.append(Candidate("PATH", entry, NOT_ACTIVATED))
                continue
            if tools is None:
                tools = found
                seen.append(Candidate("PATH", entry, TOOLS_LAST))
            continue
        if found:
            return ProjectPython(found, ON_PATH, seen), tools
        seen.append(Candidate("PATH", entry, "no python in this environment"))
    seen.append(Candidate("PATH", None, "no entry is the bin/ of another virtualenv or conda"
                                        " environment"))
    return None, tools


def _holds_mlgate(bin_folder: str) -> bool:
    return any(os.path.isfile(os.path.join(bin_folder, name))
               for name in ("mlgate", "mlgate.exe"))


def invoking_virtual_env() -> tuple[bool, str | None]:
    """(known, value): the VIRTUAL_ENV of the shell that started pre-commit. pre-commit
    rewrote this process's, but the process that started this hook, pre-commit itself, keeps
    the environment it was started with, which Linux shows in /proc/PID/environ (read
    bounded, and only when that process is pre-commit). Not known elsewhere."""
    parent = os.getppid()
    try:
        with open(f"/proc/{parent}/cmdline", "rb") as f:
            command = f.read(1 << 16)
        if b"pre_commit" not in command and b"pre-commit" not in command:
            return False, None
        with open(f"/proc/{parent}/environ", "rb") as f:
            block = f.read(1 << 20)
    except OSError:
        return False, None
    for item in block.split(b"\0"):
        if item.startswith(b"VIRTUAL_ENV="):
            return True, os.fsdecode(item[len(b"VIRTUAL_ENV="):]) or None
    return True, None
