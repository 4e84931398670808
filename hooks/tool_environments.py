"""Step 9 of finding the project's Python: the environment the project's own tool made.

Poetry, PDM, Hatch, pipenv and conda keep environments outside the repository, under names
derived from the project. Each rule follows the tool's own code (read, not run, not
copied), from files only: no tool is ever started on a commit. Parsed TOML files are kept
as JSON under `.git/mlgate-cache/`, keyed by their bytes, so warm runs import no TOML parser.
"""

from __future__ import annotations

import os
import sys

from mlgate.environment import Candidate, ProjectPython, _is_environment, _missing, env_python

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from collections.abc import Mapping

# --- step 9: the environment the project's tool made -------------------------------------
#
# Each rule follows the tool's own code (read, not run, not copied): Poetry's
# EnvManager.generate_env_name and Config, PDM's Project._saved_python and venv utils,
# Hatch's VirtualEnvironment and Path.id, pipenv's VenvLocator, conda's envs_dirs.


class _Look:
    """What the tool rules share: the variables, the folders from the project's up to the
    repository root, the candidates so far, and each file read once."""

    __slots__ = ("_texts", "env", "folders", "repo_root", "seen")

    def __init__(self, config_root: str, repo_root: str, env: Mapping[str, str],
                 seen: list[Candidate]) -> None:
        self.env, self.repo_root, self.seen = env, repo_root, seen
        self._texts: dict[str, str | None] = {}
        start, stop = os.path.realpath(config_root), os.path.realpath(repo_root)
        self.folders = [start]
        while start != stop and start.startswith(stop + os.sep):
            start = os.path.dirname(start)
            self.folders.append(start)

    def nearest(self, *names: str) -> str | None:
        """The nearest file of one of these names, from the project's folder upwards."""
        for folder in self.folders:
            for name in names:
                path = os.path.join(folder, name)
                if os.path.isfile(path):
                    return path
        return None

    def text(self, path: str) -> str | None:
        if path not in self._texts:
            from mlgate.artifacts.reading import Unreadable, read_bytes

            try:  # a regular file of at most 1 MiB: never a link to /dev/zero or stdin
                self._texts[path] = read_bytes(tool_file(path), TOOL_FILE_BYTES
                                               ).decode("utf-8-sig")
            except (OSError, Unreadable, UnicodeDecodeError):
                self._texts[path] = None
        return self._texts[path]

    def toml(self, path: str | None) -> dict:
        """The file's TOML data; {} when it is missing or invalid (the tool would refuse it,
        and discovery moves on)."""
        return _read_toml(path, self.repo_root) if path else {}

    def reject(self, source: str, path: str | None, why: str) -> None:
        self.seen.append(Candidate(source, path, why))

    def found(self, python: str, reason: str) -> ProjectPython:
        return ProjectPython(python, reason, self.seen)

    def prefix(self, source: str, prefix: str, reason: str) -> ProjectPython | None:
        """The environment at `prefix`, or None with the reason recorded."""
        python = env_python(prefix)
        if python:
            return self.found(python, reason)
        self.reject(source, prefix, _missing(prefix))
        return None


# A tool's file that names the environment (.pdm-python, poetry.toml, environment.yml): read
# only as a regular file of at most this size (reliability round 33: a committed link to
# /dev/zero ran mlgate out of memory, one to /dev/stdin blocked it).
TOOL_FILE_BYTES = 1 << 20

def tool_file(path: str) -> str:
    """The real path of a tool's file to read. One in a repository must stay inside it and
    out of `.git` (sandbox round 34: a committed `.pdm-python -> .git/config` made `mlgate
    env` print the checkout token); one elsewhere (a user's own configuration, often a link
    into a dotfiles folder) is read where it leads."""
    from mlgate.artifacts.reading import repository_of, resolve

    root = repository_of(path)
    if os.path.lexists(os.path.join(root, ".git")):
        return resolve(path, root)
    return os.path.realpath(path)


def made_by_a_tool(config_root: str, repo_root: str, env: Mapping[str, str],
                    seen: list[Candidate]) -> ProjectPython | None:
    look = _Look(config_root, repo_root, env, seen)
    for rule in (_poetry, _pdm, _hatch, _pipenv, _conda_file):
        found = rule(look)
        if found:
            return found
    return None


def _read_toml(path: str, repo_root: str) -> dict:
    """A TOML file's data, from a JSON copy under .git/mlgate-cache/ keyed by the file's
    bytes: parsing TOML costs more than the rest of a warm hook run."""
    from mlgate.artifacts.reading import Unreadable, read_bytes

    try:
        raw = read_bytes(tool_file(path), TOOL_FILE_BYTES)
    except (OSError, Unreadable):
        return {}
    import hashlib
    import json

    from mlgate.artifacts.cache import Cache

    cache = Cache.for_repo(repo_root)
    name = f"toml-{hashlib.sha256(raw).hexdigest()[:32]}.json"
    record = cache.read(name)
    if record is not None and isinstance(record.get("data"), dict):
        return record["data"]
    from mlgate.toml_read import TomlError, loads

    try:
        data = loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, TomlError):
        return {}
    data = json.loads(json.dumps(data, default=str))  # dates: never a setting read here
    cache.write(name, {"data": data})
    return data


def _get(data: object, dotted: str) -> object:
    """data["a"]["b"] for "a.b", or None when any level is missing or not a table."""
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _home(env: Mapping[str, str]) -> str | None:
    return env.get("HOME") or (env.get("USERPROFILE") if os.name == "nt" else None) or None


def _expand(path: str, env: Mapping[str, str]) -> str | None:
    """`~` expanded from `env` (not os.path.expanduser, which reads os.environ)."""
    if path == "~" or path.startswith(("~/", "~" + os.sep)):
        home = _home(env)
        return os.path.join(home, path[2:]) if home else None
    return path


def _user_dir(kind: str, app: str, env: Mapping[str, str], roaming: bool = False) -> str | None:
    """platformdirs' user cache/config/data folder of `app` (appauthor=False), the one
    Poetry, PDM and Hatch use, computed from `env`."""
    if sys.platform == "win32":
        base = env.get("APPDATA" if roaming else "LOCALAPPDATA")
        if not base:
            return None
        return os.path.join(base, app, "Cache") if kind == "cache" else os.path.join(base, app)
    home = _home(env)
    if sys.platform == "darwin":
        if not home:
            return None
        sub = "Caches" if kind == "cache" else "Application Support"
        return os.path.join(home, "Library", sub, app)
    var, default = {"cache": ("XDG_CACHE_HOME", ".cache"), "config": ("XDG_CONFIG_HOME", ".config"),
                    "data": ("XDG_DATA_HOME", os.path.join(".local", "share"))}[kind]
    base = env.get(var, "")
    if not base.strip():
        if not home:
            return None
        base = os.path.join(home, default)
    return os.path.join(base, app)


def _b64_8(digest: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(digest).decode()[:8]


def _sha256(text: str) -> bytes:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).digest()


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value is True


def _pyproject(look: _Look, tool: str, word: str, markers: tuple[str, ...]) -> str | None:
    """The project's pyproject.toml when the project uses `tool` (`word` in the file, or one
    of its `markers` beside it); else None, recorded. A cheap test, so that projects of
    other tools pay for no TOML parsing."""
    pyproject = look.nearest("pyproject.toml")
    if pyproject is None:
        look.reject(tool, None, "no pyproject.toml")
        return None
    folder = os.path.dirname(pyproject)
    text = (look.text(pyproject) or "").lower()
    if word in text or any(os.path.isfile(os.path.join(folder, m)) for m in markers):
        return pyproject
    look.reject(tool, folder, f"not a {tool} project (no [tool.{tool.lower()}] or"
                              f" {' or '.join(markers)})")
    return None


def poetry_env_name(name: str, project_folder: str) -> str:
    """`{name}-{hash}` of Poetry's environments of a project (without `-py{X.Y}`): the name
    canonicalised (PEP 503) and lower-cased, shell-unsafe characters replaced, 42 at most;
    the hash the first 8 characters of urlsafe base64 of SHA-256 of the folder's real,
    normcased path."""
    import re

    name = re.sub(r"[-_.]+", "-", name).lower()
    name = re.sub(r'[ $`!*@"\\\r\n\t]', "_", name)[:42]
    folder = os.path.normcase(os.path.realpath(project_folder))
    return f"{name}-{_b64_8(_sha256(folder))}"


def _poetry(look: _Look) -> ProjectPython | None:
    pyproject = _pyproject(look, "Poetry", "poetry", ("poetry.lock", "poetry.toml"))
    if pyproject is None:
        return None
    env, folder = look.env, os.path.dirname(pyproject)
    config_dir = env.get("POETRY_CONFIG_DIR") or _user_dir("config", "pypoetry", env, True)
    layers = [look.toml(os.path.join(folder, "poetry.toml")),  # the project's, then the user's
              look.toml(config_dir and os.path.join(config_dir, "config.toml"))]

    def setting(key: str) -> object:
        variable = "POETRY_" + key.upper().replace(".", "_").replace("-", "_")
        if env.get(variable) is not None:
            return env[variable]
        return next((v for v in (_get(layer, key) for layer in layers) if v is not None), None)

    if _truthy(setting("virtualenvs.in-project")):
        return look.prefix("Poetry", os.path.join(folder, ".venv"),
                           "Poetry's in-project .venv/")
    cache_dir = setting("cache-dir") or _user_dir("cache", "pypoetry", env)
    where = str(setting("virtualenvs.path") or os.path.join("{cache-dir}", "virtualenvs"))
    if "{cache-dir}" in where:
        where = where.replace("{cache-dir}", str(cache_dir)) if cache_dir else ""
    expanded = _expand(where, env) if where else None
    if not expanded:
        look.reject("Poetry", None, "no home folder to find Poetry's virtualenvs in")
        return None
    venvs = os.path.join(folder, expanded)  # a relative virtualenvs.path is the project's
    data = look.toml(pyproject)
    name = _get(data, "project.name") or _get(data, "tool.poetry.name") or "non-package-mode"
    base = poetry_env_name(str(name), folder)
    minor = _get(look.toml(os.path.join(venvs, "envs.toml")), f"{base}.minor")
    if isinstance(minor, str):  # `poetry env use` recorded the project's Python
        names = [f"{base}-py{minor.strip()}"]
    else:  # one environment per Python; Poetry would take its default's: the newest here
        try:
            listed = os.listdir(venvs)
        except OSError:
            look.reject("Poetry", venvs, "no such folder")
            return None
        names = sorted((n for n in listed if n.startswith(f"{base}-py")),
                       key=_version_key, reverse=True)
    for entry in names:
        found = look.prefix("Poetry", os.path.join(venvs, entry),
                            "Poetry's virtualenv of this project")
        if found:
            return found
    if not names:
        look.reject("Poetry", os.path.join(venvs, f"{base}-py*"), "no such environment")
    return None


def _version_key(name: str) -> tuple:
    """`…-py3.11` → (3, 11), so 3.10 sorts after 3.9."""
    tail = name.rpartition("-py")[2]
    return tuple(int(p) if p.isdigit() else -1 for p in tail.split("."))


def _pdm(look: _Look) -> ProjectPython | None:
    env = look.env
    pyproject = look.nearest("pyproject.toml")
    folder = os.path.dirname(pyproject) if pyproject else look.folders[0]
    source, saved = "PDM_PYTHON", env.get("PDM_PYTHON")
    if not saved:
        source, saved = ".pdm-python", (look.text(os.path.join(folder, ".pdm-python")) or "")
        saved = (saved.strip().splitlines() or [""])[0][:4096]  # one path, as PDM writes it
    if not saved:
        if _pyproject(look, "PDM", "tool.pdm", ("pdm.lock",)) is None:
            return None
        look.reject("PDM", os.path.join(folder, ".pdm-python"), "no such file")
    else:
        python = saved if os.path.isabs(saved) else os.path.join(folder, saved)
        prefix = os.path.dirname(os.path.dirname(python))
        if not (os.path.isfile(python) and os.access(python, os.X_OK)):
            look.reject(f"PDM ({source})", python, "not an executable file")
        elif not os.path.basename(python).lower().startswith(("python", "pypy")):
            look.reject(f"PDM ({source})", python, "not a Python interpreter")
        elif (os.path.isdir(os.path.join(folder, "__pypackages__"))
              and not _is_environment(prefix)):
            look.reject(f"PDM ({source})", python, "PEP 582 mode: the packages are in"
                        " __pypackages__/, not in this interpreter's environment, and mlgate"
                        " does not read __pypackages__/")
        else:
            return look.found(python, f"PDM's {source}")
    # PDM's in-project folder names (.venv and venv were tried already at the project's
    # folder), then its central venvs: {venv.location}/{folder name}-{hash}-{ident}.
    in_project = env_python(os.path.join(folder, "env"))
    if in_project and _is_environment(os.path.join(folder, "env")):
        return look.found(in_project, "PDM's in-project env/")
    data = _user_dir("data", "pdm", env)
    if data:
        import hashlib

        digest = hashlib.md5(folder.replace(os.sep, "/").encode("utf-8", "surrogateescape"),
                             usedforsecurity=False)
        venvs = os.path.join(data, "venvs")
        stem = f"{os.path.basename(folder)}-{_b64_8(digest.digest())}-"
        try:
            names = sorted(n for n in os.listdir(venvs) if n.startswith(stem))
        except OSError:
            names = []
        for entry in names:
            found = look.prefix("PDM", os.path.join(venvs, entry), "PDM's virtualenv of this"
                                " project")
            if found:
                return found
        if not names:
            look.reject("PDM", os.path.join(venvs, stem + "*"), "no such environment")
    return None


def hatch_project_id(project_folder: str, platform: str = sys.platform) -> str:
    """Hatch's 8-character id of a project folder: urlsafe base64 of SHA-256 of its path
    (case-folded on Windows and macOS)."""
    path = os.path.realpath(project_folder)
    if platform in ("win32", "darwin"):
        path = path.casefold()
    return _b64_8(_sha256(path))


def _hatch(look: _Look) -> ProjectPython | None:
    pyproject = _pyproject(look, "Hatch", "tool.hatch", ("hatch.toml",))
    if pyproject is None:
        return None
    env, folder = look.env, os.path.dirname(pyproject)
    data = look.toml(pyproject)
    hatch_toml = os.path.join(folder, "hatch.toml")
    chosen = (env.get("HATCH_ENV_TYPE_VIRTUAL_PATH")
              or _get(look.toml(hatch_toml) if os.path.isfile(hatch_toml) else {},
                      "envs.default.path")
              or _get(data, "tool.hatch.envs.default.path"))
    if isinstance(chosen, str) and chosen:
        chosen = _expand(chosen, env) or chosen
        prefix = chosen if os.path.isabs(chosen) else os.path.join(folder, chosen)
        return look.prefix("Hatch", prefix, "Hatch's default environment (its path)")
    config_file = env.get("HATCH_CONFIG") or os.path.join(
        _user_dir("config", "hatch", env) or "", "config.toml")
    config = look.toml(config_file) if os.path.isabs(config_file) else {}
    data_dir = env.get("HATCH_DATA_DIR") or _get(config, "dirs.data") or _user_dir(
        "data", "hatch", env)
    configured = _get(config, "dirs.env.virtual")
    if isinstance(configured, str) and configured:
        env_dir = _expand(configured, env) or configured
        env_dir = os.path.join(folder, env_dir)  # a relative one is the project's
    elif isinstance(data_dir, str) and data_dir:
        env_dir = os.path.join(_expand(data_dir, env) or data_dir, "env", "virtual")
    else:
        look.reject("Hatch", None, "no home folder to find Hatch's environments in")
        return None
    pid = hatch_project_id(folder)
    name = _get(data, "project.name")
    if isinstance(name, str):
        import re

        name = re.sub(r"[-_.]+", "-", name).lower()
    else:
        name = f"{pid}-unmanaged"
    home = _home(env)
    flat = (home and os.path.normpath(env_dir) == os.path.join(home, ".virtualenvs")) or \
        os.path.realpath(env_dir).startswith(os.path.realpath(folder) + os.sep)
    prefix = os.path.join(env_dir, name) if flat else os.path.join(env_dir, name, pid, name)
    return look.prefix("Hatch", prefix, "Hatch's default environment of this project")


def pipenv_env_name(pipfile: str, python: str | None = None) -> str:
    """pipenv's virtualenv folder name for a Pipfile path (absolute, as pipenv spells it):
    the folder's name with shell-unsafe characters replaced, 42 at most, a dash, and the
    first 8 characters of urlsafe base64 of the first 6 bytes of SHA-256 of the path;
    `-{PIPENV_PYTHON}` (its file name when a path) after that when it is set."""
    import re

    name = re.sub(r'[ &$`!*@"()\[\]\\\r\n\t]', "_", os.path.basename(os.path.dirname(pipfile)))
    suffix = ""
    if python:
        suffix = "-" + (os.path.basename(python) if os.path.isabs(python) else python)
    return f"{name[:42]}-{_b64_8(_sha256(pipfile)[:6])}{suffix}"


def _workon_home(env: Mapping[str, str]) -> str | None:
    if env.get("WORKON_HOME"):
        return _expand(env["WORKON_HOME"], env)
    home = _home(env)
    if os.name == "nt":
        return os.path.join(home, ".virtualenvs") if home else None
    base = env.get("XDG_DATA_HOME") or (home and os.path.join(home, ".local", "share"))
    return os.path.join(_expand(base, env) or base, "virtualenvs") if base else None


def _pipenv(look: _Look) -> ProjectPython | None:
    env = look.env
    explicit = env.get("PIPENV_PIPFILE")
    # pipenv finds the Pipfile from the working directory's real path upwards.
    pipfile = os.path.abspath(explicit) if explicit else look.nearest("Pipfile")
    if not pipfile or not os.path.isfile(pipfile):
        look.reject("pipenv", pipfile, "no Pipfile")
        return None
    folder = os.path.dirname(pipfile)
    workon = _workon_home(env)
    dot_venv = os.path.join(folder, ".venv")
    if _truthy(env.get("PIPENV_VENV_IN_PROJECT")):
        return look.prefix("pipenv", dot_venv, "pipenv's in-project .venv/")
    named = (look.text(dot_venv) or "").strip() if os.path.isfile(dot_venv) else ""
    if named and ("/" in named or os.sep in named):  # .venv, a file: a path or a name
        return look.prefix("pipenv", os.path.join(folder, named), "pipenv's .venv file")
    if not workon:
        look.reject("pipenv", None, "no home folder to find pipenv's virtualenvs in")
        return None
    if named:
        return look.prefix("pipenv", os.path.join(workon, named), "pipenv's .venv file")
    name = env.get("PIPENV_CUSTOM_VENV_NAME") or pipenv_env_name(pipfile,
                                                                   env.get("PIPENV_PYTHON"))
    return look.prefix("pipenv", os.path.join(workon, name), "pipenv's virtualenv of this"
                       " project")


def _yaml_name(text: str) -> str | None:
    """The top-level `name:` of a conda environment file, without a YAML parser."""
    for line in text.splitlines():
        if line.startswith("name:"):
            value = line[5:].split(" #", 1)[0].strip().strip("'\"")
            return value or None
    return None


def _conda_file(look: _Look) -> ProjectPython | None:
    """The environment environment.yml names, where conda creates it (envs_dirs: CONDA_ENVS_
    DIRS, <conda root>/envs, ~/.conda/envs) or registers it (~/.conda/environments.txt)."""
    env = look.env
    spec = look.nearest("environment.yml", "environment.yaml")
    if spec is None:
        look.reject("conda", None, "no environment.yml")
        return None
    name = _yaml_name(look.text(spec) or "")
    if not name or "/" in name or os.sep in name:
        look.reject("conda", spec, "names no environment (no top-level `name:`)")
        return None
    dirs = [d for var in ("CONDA_ENVS_DIRS", "CONDA_ENVS_PATH")
            for d in env.get(var, "").split(os.pathsep) if d]
    for root in (os.path.dirname(os.path.dirname(env.get("CONDA_EXE", "") or "")) or None,
                 env.get("MAMBA_ROOT_PREFIX")):
        if root:
            dirs.append(os.path.join(root, "envs"))
    home = _home(env)
    if home:
        dirs.append(os.path.join(home, ".conda", "envs"))
    prefixes = [os.path.join(_expand(d, env) or d, name) for d in dirs]
    registry = look.text(os.path.join(home, ".conda", "environments.txt")) if home else None
    prefixes += [line.strip() for line in (registry or "").splitlines()
                 if os.path.basename(line.strip()) == name]
    for prefix in dict.fromkeys(prefixes):
        python = env_python(prefix)
        if python and os.path.isdir(os.path.join(prefix, "conda-meta")):
            return look.found(python, f"conda environment {name!r} of"
                                      f" {os.path.basename(spec)}")
        look.reject("conda", prefix, _missing(prefix) if not python else "no conda-meta/ in it")
    if not prefixes:
        look.reject("conda", spec, f"no conda root to find {name!r} in (CONDA_EXE is not set)")
    return None
