"""The environment the user already has is found by the hooks too (issue #11, section 3).

pre-commit runs a `language: python` hook in a virtualenv of its own: it sets VIRTUAL_ENV to
it and puts its bin/ first on PATH, before the user's PATH (`get_env_patch` in
pre_commit/languages/python.py). These tests build real virtualenvs (`venv --without-pip`)
outside a temporary repository and give discovery the variables a hook sees: the "hook's
environment" is the one mlgate runs in (sys.prefix), or, in the subprocess test, a second
virtualenv that plays pre-commit's.

Tool layouts are derived as each tool derives them. The constant names in the `*_is_the_tools`
tests were computed by running the tool's own function (Poetry's
EnvManager.generate_env_name, pipenv's VenvLocator.get_name, Hatch's Path.id) from its
source; the discovery tests compute expected folder names with a few independent lines here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from envs import install, make_venv, python_of

from mlgate.cli import main
from mlgate.environment import NoProjectPython, resolve_project_python
from mlgate.finding import UsageError
from mlgate.tool_environments import hatch_project_id, pipenv_env_name, poetry_env_name

HOOK_PREFIX = os.path.realpath(sys.prefix)
HOOK_BIN = os.path.join(sys.prefix, "bin")
SYSTEM_PATH = os.pathsep.join(["/usr/local/bin", "/usr/bin", "/bin"])
MINOR = f"{sys.version_info[0]}.{sys.version_info[1]}"
ON_PATH = "the activated environment on PATH"
# What discovery reads, cleared for the tests that go through main() and os.environ.
READ = ("MLGATE_", "UV_PROJECT_ENVIRONMENT", "CONDA_", "VIRTUAL_ENV", "XDG_", "WORKON_HOME",
        "POETRY_", "PIPENV_", "PDM_", "HATCH_", "MAMBA_ROOT_PREFIX")

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX virtualenv layout (bin/)")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t",
                    "-c", "commit.gpgsign=false", *args],
                   cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    return root


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def under_pre_commit(*user_bins: Path, **variables: str) -> dict[str, str]:
    """What a hook sees: its own environment as VIRTUAL_ENV and first on PATH, then the
    user's PATH (an activated environment's bin/ first in it)."""
    path = os.pathsep.join([HOOK_BIN, *map(str, user_bins), SYSTEM_PATH])
    # (the hook's environment lies in pre-commit's store: here, the folder of this one)
    return {"VIRTUAL_ENV": sys.prefix, "PATH": path, "PRE_COMMIT": "1",
            "PRE_COMMIT_HOME": os.path.dirname(sys.prefix), **variables}


def discover(repo: Path, environ: dict[str, str], *, cli: str | None = None,
             config: str | None = None, config_root: Path | None = None):
    return resolve_project_python(cli, config, str(config_root or repo), str(repo),
                                  environ=environ)


def conda_env(prefix: Path) -> Path:
    """A conda environment as discovery sees one: conda-meta/ and bin/python."""
    (prefix / "conda-meta").mkdir(parents=True)
    (prefix / "bin").mkdir()
    (prefix / "bin" / "python").symlink_to(sys.executable)
    return prefix


def b64_8(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode()[:8]


def path_hash(folder: Path) -> str:
    """Poetry's and Hatch's hash of a project folder: SHA-256 of its real path."""
    return b64_8(hashlib.sha256(os.path.realpath(folder).encode()).digest())


def rejected(found) -> dict:
    return {(c.source, c.path): c.why for c in found.candidates}


# --- an activated virtualenv outside the repository, under pre-commit -------------------------


def test_a_venv_activated_outside_the_repository_is_found_on_path_under_pre_commit(repo,
                                                                                  tmp_path):
    user = make_venv(tmp_path / "virtualenvs" / "churn")  # virtualenvwrapper's ~/.virtualenvs
    found = discover(repo, under_pre_commit(user / "bin"))
    assert (found.reason, found.executable) == (ON_PATH, python_of(user))
    why = rejected(found)
    assert why[("VIRTUAL_ENV", sys.prefix)].startswith("mlgate's own environment")
    assert why[("PATH", HOOK_BIN)].startswith("mlgate's own environment")
    # Run by hand in the activated shell, the same virtualenv is found, through VIRTUAL_ENV.
    by_hand = discover(repo, {"VIRTUAL_ENV": str(user),
                              "PATH": os.pathsep.join([str(user / "bin"), SYSTEM_PATH])})
    assert (by_hand.reason, by_hand.executable) == ("VIRTUAL_ENV", python_of(user))


def test_under_pre_commit_a_venv_holding_mlgate_is_judged_as_mlgate_judges_its_own(
        repo, tmp_path, home, monkeypatch):
    """New-user trial 45 F4: a tools virtualenv (mlgate and pre-commit in it) on PATH, never
    activated: by hand mlgate skips it (its own), so under pre-commit it is skipped too; when
    the shell that ran pre-commit activated it, it is the last resort, as by hand."""
    import mlgate.environment as environment

    tools = make_venv(tmp_path / "tools")
    (tools / "bin" / "mlgate").write_text("#!/bin/sh\n")
    hooked = {**under_pre_commit(tools / "bin"), "HOME": str(home)}
    monkeypatch.setattr(environment, "invoking_virtual_env", lambda: (True, None))
    with pytest.raises(NoProjectPython) as refused:
        discover(repo, hooked)
    [why] = [c.why for c in refused.value.candidates if c.path == str(tools / "bin")]
    assert why.startswith("mlgate is installed in it and the shell that ran pre-commit did not")
    # By hand, the same PATH: the same answer, since there it is mlgate's own.
    monkeypatch.setattr(environment.sys, "prefix", str(tools))
    with pytest.raises(NoProjectPython):
        discover(repo, {"PATH": os.pathsep.join([str(tools / "bin"), SYSTEM_PATH]),
                        "HOME": str(home)})
    monkeypatch.undo()

    for known in ((True, str(tools)), (False, None)):  # activated; or not knowable (macOS)
        monkeypatch.setattr(environment, "invoking_virtual_env", lambda known=known: known)
        found = discover(repo, hooked)
        assert (found.reason, found.executable) == (ON_PATH, python_of(tools))
        assert rejected(found)[("PATH", str(tools / "bin"))].startswith("mlgate is installed")
    # ...but last: the environment the project's PDM names comes first
    pdm = make_venv(repo.parent / "pdm-env")
    (repo / ".pdm-python").write_text(python_of(pdm) + "\n")
    assert discover(repo, hooked).executable == python_of(pdm)
    # A virtualenv on PATH without mlgate is still the activated one, first.
    plain = make_venv(tmp_path / "plain")
    found = discover(repo, under_pre_commit(tools / "bin", plain / "bin", HOME=str(home)))
    assert (found.reason, found.executable) == (ON_PATH, python_of(plain))


def test_a_hook_in_its_own_virtualenv_finds_the_users_venv(repo, tmp_path, home):
    """A second virtualenv plays pre-commit's hook environment (mlgate importable in it, its
    sys.prefix not the tests'), with exactly the variables pre-commit gives a hook."""
    hook = make_venv(tmp_path / "pre-commit-home" / "repoabc" / "py_env-python3")
    [site] = list((hook / "lib").glob("python*/site-packages"))
    (site / "mlgate_under_test.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    user = make_venv(tmp_path / "cache" / "pypoetry" / "virtualenvs" / "churn-AbCdEfGh-py3")
    environ = {"VIRTUAL_ENV": str(hook), "HOME": str(home),
               "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),  # its store: no PRE_COMMIT
               "PATH": os.pathsep.join([str(hook / "bin"), str(user / "bin"), SYSTEM_PATH])}
    proc = subprocess.run([python_of(hook), "-m", "mlgate", "env", "--format", "json"],
                          cwd=repo, env=environ, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert (answer["python"], answer["reason"]) == (python_of(user), ON_PATH)
    assert answer["version"] == platform.python_version()
    own = [c for c in answer["candidates"] if c["path"] in (str(hook), str(hook / "bin"))]
    assert [c["source"] for c in own] == ["VIRTUAL_ENV", "PATH"]
    assert all(c["rejected"].startswith("mlgate's own environment") for c in own)


def test_run_by_hand_from_the_projects_virtualenv_mlgate_in_it_that_is_the_projects(
        repo, home):
    """Acceptance audit of round 40: the README's layout with the virtualenv outside the
    repository (`pip install mlgate` beside the model's libraries, activated) was exit 2,
    "cannot find the project's Python environment": mlgate skipped the environment it runs
    from, which is pre-commit's only when it runs as a hook."""
    by_hand = {"VIRTUAL_ENV": sys.prefix, "HOME": str(home),
               "PATH": os.pathsep.join([HOOK_BIN, SYSTEM_PATH])}
    found = discover(repo, by_hand)
    assert (found.reason, found.executable) == ("VIRTUAL_ENV", python_of(Path(sys.prefix)))
    # a `language: system` hook runs it so too (pre-commit sets PRE_COMMIT for every hook:
    # red team round 40b F4); a hook's own environment, in pre-commit's store, never counts
    assert discover(repo, {**by_hand, "PRE_COMMIT": "1"}).reason == "VIRTUAL_ENV"
    with pytest.raises(NoProjectPython):
        discover(repo, {**by_hand, "PRE_COMMIT_HOME": str(Path(sys.prefix).parent)})
    # ...and it is the last resort: the environment the project's PDM names comes first
    # (F3: mlgate's own tool venv, activated, was judged instead)
    pdm = make_venv(repo.parent / "pdm-env")
    (repo / ".pdm-python").write_text(python_of(pdm) + "\n")
    found = discover(repo, by_hand)
    assert found.executable == python_of(pdm) and found.reason != "VIRTUAL_ENV", found.reason


def test_only_absolute_environment_bin_folders_on_path_count_and_the_first_wins(repo, tmp_path,
                                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_venv(tmp_path / "relative")  # "relative/bin" would resolve against the commit
    broken = tmp_path / "broken"
    (broken / "bin").mkdir(parents=True)
    (broken / "pyvenv.cfg").write_text("home = /nowhere\n")
    conda = conda_env(tmp_path / "miniforge3" / "envs" / "churn")
    later = make_venv(tmp_path / "later")
    environ = under_pre_commit()
    environ["PATH"] = os.pathsep.join([HOOK_BIN, "relative/bin", "", "/usr/bin",
                                       str(broken / "bin"), str(conda / "bin"),
                                       str(later / "bin")])
    found = discover(repo, environ)
    assert (found.reason, found.executable) == (ON_PATH, str(conda / "bin" / "python"))
    why = rejected(found)
    assert why[("PATH", str(broken / "bin"))] == "no python in this environment"
    assert not any(path and "relative" in path for _, path in why)


# --- tools' environments, found as the tools find them --------------------------------------


def test_the_poetry_name_and_hash_are_poetrys():
    assert poetry_env_name("Churn_Model", "/home/ana/churn") == "churn-model-c3yBiR-3"
    assert poetry_env_name("my.proj", "/tmp/x y/proj") == "my-proj-KxsFrWMo"


def test_a_poetry_virtualenv_in_poetrys_cache_is_found(repo, home):
    (repo / "pyproject.toml").write_text('[tool.poetry]\nname = "Churn_Model"\n')
    venv = make_venv(home / ".cache" / "pypoetry" / "virtualenvs"
                     / f"churn-model-{path_hash(repo)}-py{MINOR}")
    found = discover(repo, under_pre_commit(HOME=str(home)))
    assert (found.reason, found.executable) == ("Poetry's virtualenv of this project",
                                                python_of(venv))
    # XDG_CACHE_HOME moves Poetry's cache (platformdirs); there is nothing there.
    with pytest.raises(NoProjectPython) as error:
        discover(repo, under_pre_commit(HOME=str(home), XDG_CACHE_HOME=str(home / "xdg")))
    assert any(c.source == "Poetry" and c.why == "no such folder"
               and c.path == str(home / "xdg" / "pypoetry" / "virtualenvs")
               for c in error.value.candidates)


def test_poetry_settings_and_python_versions_are_followed(repo, home, tmp_path):
    (repo / "pyproject.toml").write_text('[project]\nname = "churn"\n[tool.poetry]\n')
    base = f"churn-{path_hash(repo)}"
    venvs = tmp_path / "pc" / "envs"
    (repo / "poetry.toml").write_text(f'cache-dir = "{tmp_path / "pc"}"\n'
                                      '[virtualenvs]\npath = "{cache-dir}/envs"\n')
    old, new = (make_venv(venvs / f"{base}-py{v}") for v in ("3.9", "3.10"))
    environ = under_pre_commit(HOME=str(home))
    assert discover(repo, environ).executable == python_of(new)  # the newest Python
    (venvs / "envs.toml").write_text(f'[{base}]\nminor = "3.9"\npatch = "3.9.18"\n')
    assert discover(repo, environ).executable == python_of(old)  # `poetry env use 3.9`
    # An environment variable beats the files, as in Poetry.
    other = make_venv(tmp_path / "elsewhere" / f"{base}-py{MINOR}")
    environ["POETRY_VIRTUALENVS_PATH"] = str(tmp_path / "elsewhere")
    assert discover(repo, environ).executable == python_of(other)
    environ["POETRY_VIRTUALENVS_IN_PROJECT"] = "true"
    with pytest.raises(NoProjectPython) as error:
        discover(repo, environ)
    assert ("Poetry", str(repo / ".venv")) in {(c.source, c.path) for c in error.value.candidates}


def test_a_renamed_poetry_project_does_not_take_the_old_names_environment(repo, home):
    venvs = home / ".cache" / "pypoetry" / "virtualenvs"
    make_venv(venvs / f"old-name-{path_hash(repo)}-py{MINOR}")
    (repo / "pyproject.toml").write_text('[tool.poetry]\nname = "new-name"\n')
    with pytest.raises(NoProjectPython) as error:
        discover(repo, under_pre_commit(HOME=str(home)))
    wanted = str(venvs / f"new-name-{path_hash(repo)}-py*")
    assert ("Poetry", wanted, "no such environment") in {
        (c.source, c.path, c.why) for c in error.value.candidates}


def test_the_pipenv_name_and_hash_are_pipenvs():
    assert pipenv_env_name("/home/ana/MY_PROJECT/Pipfile") == "MY_PROJECT-YoTIZPCs"
    assert pipenv_env_name("/tmp/a b(1)/Pipfile") == "a_b_1_-HNRREaFK"


def test_a_pipenv_virtualenv_is_found(repo, home, tmp_path):
    (repo / "Pipfile").write_text('[packages]\nattrs = "*"\n')
    pipfile = os.path.join(os.path.realpath(repo), "Pipfile")
    name = f"{repo.name}-{b64_8(hashlib.sha256(pipfile.encode()).digest()[:6])}"
    venv = make_venv(home / ".local" / "share" / "virtualenvs" / name)
    found = discover(repo, under_pre_commit(HOME=str(home)))
    assert (found.reason, found.executable) == ("pipenv's virtualenv of this project",
                                                python_of(venv))
    elsewhere = make_venv(tmp_path / "workon" / name)
    found = discover(repo, under_pre_commit(HOME=str(home), WORKON_HOME=str(tmp_path / "workon")))
    assert found.executable == python_of(elsewhere)


def test_the_conda_environment_environment_yml_names_is_found(repo, home, tmp_path):
    (repo / "environment.yml").write_text("name: churn-env  # conda env create -f\n"
                                          "channels:\n  - conda-forge\n")
    root = tmp_path / "miniforge3"
    prefix = conda_env(root / "envs" / "churn-env")
    environ = under_pre_commit(HOME=str(home), CONDA_EXE=str(root / "bin" / "conda"))
    found = discover(repo, environ)
    assert found.executable == str(prefix / "bin" / "python")
    assert found.reason == "conda environment 'churn-env' of environment.yml"
    # Without CONDA_EXE, conda's registry of the environments it created.
    registered = conda_env(tmp_path / "elsewhere" / "churn-env")
    (home / ".conda").mkdir()
    (home / ".conda" / "environments.txt").write_text(f"{root}\n{registered}\n")
    assert discover(repo, under_pre_commit(HOME=str(home))).executable == str(
        registered / "bin" / "python")
    # An activated conda environment (pre-commit keeps CONDA_PREFIX) comes first.
    active = conda_env(tmp_path / "active")
    found = discover(repo, under_pre_commit(HOME=str(home), CONDA_PREFIX=str(active)))
    assert (found.reason, found.executable) == ("CONDA_PREFIX", str(active / "bin" / "python"))


def test_pdm_python_file_is_followed_unless_it_is_not_an_environment(repo, tmp_path):
    (repo / "pyproject.toml").write_text('[project]\nname = "churn"\n[tool.pdm]\n')
    venv = make_venv(tmp_path / "pdm" / "venvs" / "churn-abcdefgh-3.11")
    (repo / ".pdm-python").write_text(python_of(venv) + "\n")
    found = discover(repo, under_pre_commit())
    assert (found.reason, found.executable) == ("PDM's .pdm-python", python_of(venv))
    # PEP 582: packages live in __pypackages__/, not in the interpreter's environment.
    bare = tmp_path / "bare" / "bin"
    bare.mkdir(parents=True)
    (bare / "python3").symlink_to(sys.executable)
    (repo / ".pdm-python").write_text(str(bare / "python3"))
    (repo / "__pypackages__").mkdir()
    with pytest.raises(NoProjectPython) as error:
        discover(repo, under_pre_commit())
    [pep582] = [c for c in error.value.candidates if c.path == str(bare / "python3")]
    assert "PEP 582" in pep582.why
    (repo / ".pdm-python").write_text("/bin/sh")
    with pytest.raises(NoProjectPython) as error:
        discover(repo, under_pre_commit())
    assert ("PDM (.pdm-python)", "/bin/sh", "not a Python interpreter") in {
        (c.source, c.path, c.why) for c in error.value.candidates}


def test_the_hatch_project_id_is_hatchs():
    assert hatch_project_id("/home/ana/churn") == "c3yBiR-3"
    assert hatch_project_id("/Home/Ana/Churn", platform="darwin") == "c3yBiR-3"


def test_hatchs_default_environment_is_found(repo, home, tmp_path):
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "Churn.Model"\n[tool.hatch.envs.default]\ndependencies = []\n')
    pid = path_hash(repo)
    venv = make_venv(home / ".local" / "share" / "hatch" / "env" / "virtual" / "churn-model"
                     / pid / "churn-model")
    found = discover(repo, under_pre_commit(HOME=str(home)))
    assert (found.reason, found.executable) == ("Hatch's default environment of this project",
                                                python_of(venv))
    other = make_venv(tmp_path / "hd" / "env" / "virtual" / "churn-model" / pid / "churn-model")
    found = discover(repo, under_pre_commit(HOME=str(home), HATCH_DATA_DIR=str(tmp_path / "hd")))
    assert found.executable == python_of(other)


def test_toml_is_parsed_once_per_content(repo, home, monkeypatch):
    """Warm runs read the parsed pyproject.toml from .git/mlgate-cache/, and a changed file
    is parsed again (its bytes are the key)."""
    (repo / "pyproject.toml").write_text('[tool.poetry]\nname = "churn"\n')
    venv = make_venv(home / ".cache" / "pypoetry" / "virtualenvs"
                     / f"churn-{path_hash(repo)}-py{MINOR}")
    environ = under_pre_commit(HOME=str(home))
    assert discover(repo, environ).executable == python_of(venv)
    assert list((repo / ".git" / "mlgate-cache").glob("toml-*.json"))
    monkeypatch.setitem(sys.modules, "tomllib", None)  # any parse would now fail
    monkeypatch.setitem(sys.modules, "tomli", None)
    assert discover(repo, environ).executable == python_of(venv)
    monkeypatch.undo()
    (repo / "pyproject.toml").write_text('[tool.poetry]\nname = "renamed"\n')
    with pytest.raises(NoProjectPython):
        discover(repo, environ)


# --- the order, and the refusal of interpreters from the commit ------------------------------


def test_the_documented_precedence_is_kept(repo, home, tmp_path):
    envs = {name: make_venv(tmp_path / name) for name in ("cli", "envvar", "config", "by-hand",
                                                          "on-path")}
    (repo / "pyproject.toml").write_text('[tool.poetry]\nname = "churn"\n')
    poetry = make_venv(home / ".cache" / "pypoetry" / "virtualenvs"
                       / f"churn-{path_hash(repo)}-py{MINOR}")
    make_venv(repo / ".venv")
    environ = under_pre_commit(envs["on-path"] / "bin", HOME=str(home),
                               MLGATE_PYTHON=str(envs["envvar"]))

    def chosen(**kwargs):
        found = discover(repo, environ, **kwargs)
        return found.reason, found.executable

    config = str(envs["config"])
    assert chosen(cli=str(envs["cli"]), config=config) == ("--python", python_of(envs["cli"]))
    assert chosen(config=config) == ("MLGATE_PYTHON", python_of(envs["envvar"]))
    del environ["MLGATE_PYTHON"]
    assert chosen(config=config) == ("python in [tool.mlgate]", python_of(envs["config"]))
    assert chosen() == (".venv/ at the repository root", python_of(repo / ".venv"))
    shutil.rmtree(repo / ".venv")
    environ["VIRTUAL_ENV"] = str(envs["by-hand"])  # mlgate run by hand in an activated shell
    assert chosen() == ("VIRTUAL_ENV", python_of(envs["by-hand"]))
    environ["VIRTUAL_ENV"] = sys.prefix  # under pre-commit
    assert chosen() == (ON_PATH, python_of(envs["on-path"]))
    environ["PATH"] = os.pathsep.join([HOOK_BIN, SYSTEM_PATH])
    assert chosen() == ("Poetry's virtualenv of this project", python_of(poetry))


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_an_interpreter_a_tool_file_points_into_the_commit_is_refused(repo, tmp_path):
    marker = tmp_path / "the-committed-python-ran"
    fake = repo / "tools" / "python"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec "{sys.executable}" "$@"\n')
    fake.chmod(0o755)
    (repo / ".pdm-python").write_text("tools/python\n")
    git(repo, "add", "tools/python")
    git(repo, "commit", "-q", "-m", "c")
    with pytest.raises(UsageError, match="refusing to run the project's Python") as error:
        discover(repo, under_pre_commit())
    assert "(from PDM's .pdm-python)" in str(error.value) and "git tracks tools/python" in str(
        error.value)
    assert not marker.exists()


# --- `mlgate env` ----------------------------------------------------------------------------


@pytest.fixture
def shell(repo, home, monkeypatch):
    """The repository as the working directory, with only the variables a test sets."""
    for name in list(os.environ):
        if name.startswith(READ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", SYSTEM_PATH)
    monkeypatch.chdir(repo)
    return monkeypatch


def test_mlgate_env_says_which_python_why_and_what_came_before(shell, tmp_path, capsys):
    user = make_venv(tmp_path / "virtualenvs" / "churn")
    for name, value in under_pre_commit(user / "bin").items():
        shell.setenv(name, value)
    assert main(["env"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [f"mlgate env: {python_of(user)}", f"  reason   {ON_PATH}",
                       f"  version  {platform.python_version()}"]
    assert "  looked at first:" in out
    assert f"    VIRTUAL_ENV: {sys.prefix}: mlgate's own environment (pre-commit's, when run as" \
           " a hook)" in out
    assert "    MLGATE_PYTHON: not set" in out
    assert main(["env", "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["python"], answer["reason"], answer["version"]) == (
        python_of(user), ON_PATH, platform.python_version())
    assert {"source": "MLGATE_PYTHON", "path": None, "rejected": "not set"} in answer[
        "candidates"]
    assert main(["env", "--format", "json", "--python", str(tmp_path / "virtualenvs")]) == 2
    assert "is a folder without bin/python" in capsys.readouterr().err
    assert main(["env", "--python", str(user)]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "  reason   --python"


def test_mlgate_env_exits_2_with_the_hooks_message_when_nothing_is_found(shell, capsys):
    assert main(["env"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(
        "mlgate: error: cannot find the project's Python environment: point mlgate at")
    assert captured.out.splitlines()[:2] == ["mlgate env: no Python environment found",
                                             "  looked at:"]
    assert "    Poetry: no pyproject.toml" in captured.out.splitlines()
    assert main(["env", "--format", "json"]) == 2
    answer = json.loads(capsys.readouterr().out)  # one document: the answer and the error
    assert answer["python"] is None and answer["error"]["exit_code"] == 2
    assert answer["error"]["message"].startswith("cannot find the project's Python")
    assert [c["source"] for c in answer["candidates"]][-5:] == ["Poetry", "PDM", "Hatch",
                                                                "pipenv", "conda"]
    assert main(["env", "--format", "sarif"]) == 2


def test_mlgate_env_exits_3_when_the_python_found_does_not_run(shell, tmp_path, capsys):
    crashing = tmp_path / "crashing-python"
    crashing.write_text("#!/bin/sh\necho 'Fatal Python error: boom' >&2\nexit 134\n")
    crashing.chmod(0o755)
    assert main(["env", "--format", "json", "--python", str(crashing)]) == 3
    captured = capsys.readouterr()
    answer = json.loads(captured.out)
    assert (answer["python"], answer["reason"], answer["version"]) == (str(crashing),
                                                                       "--python", None)
    assert (answer["error"]["kind"], answer["error"]["exit_code"]) == ("environment", 3)
    assert "boom" in answer["error"]["message"] and captured.err.startswith("mlgate: error:")


# --- through the real pre-commit --------------------------------------------------------------


@pytest.mark.e2e
def test_pre_commit_hook_judges_the_users_venv_that_is_only_on_path(
    tmp_path: Path, e2e_env: dict[str, str], snapshot: tuple[Path, str],
) -> None:
    """check-lock, installed by pre-commit in its own environment, judges the virtualenv the
    user activated outside the repository (its bin/ first on PATH, VIRTUAL_ENV set, as
    `activate` leaves them); the repository has no .venv/."""
    from test_precommit_e2e import _assert_blocked, make_user_repo

    user = make_venv(tmp_path / "virtualenvs" / "churn")
    install(user, "attrs", "23.2.0")
    env = {**e2e_env, "VIRTUAL_ENV": str(user),
           "PATH": os.pathsep.join([str(user / "bin"), e2e_env["PATH"]])}
    repo = make_user_repo(tmp_path / "project", env, snapshot, ("check-lock",))
    repo.write("requirements.txt", b"attrs==23.2.0\n")
    proc = repo.commit("requirements.txt", "lock")
    assert proc.returncode == 0, proc.stdout
    assert repo.commit_count() == 1

    repo.write("requirements.txt", b"attrs==24.1.0\n")
    proc = repo.commit("requirements.txt", "bump the lock only")
    _assert_blocked(repo, proc, 1, "requirements.txt:1:1: MLG202",
                    "attrs is locked at 24.1.0 but 23.2.0 is installed")


def test_env_takes_the_projects_folder(tmp_path, monkeypatch, capsys):
    """`mlgate env DIR`, as `mlgate audit DIR`: discovery from DIR, not from where it runs."""
    from envs import make_venv

    project = tmp_path / "svc"
    project.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    make_venv(project / ".venv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for name in ("VIRTUAL_ENV", "MLGATE_PYTHON", "CONDA_PREFIX", "UV_PROJECT_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    code = main(["env", str(project), "--format", "json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0 and answer["python"].startswith(str(project / ".venv")), answer
    assert main(["env", str(tmp_path / "absent")]) == 2


@pytest.mark.parametrize("name", [".pdm-python", "poetry.toml", "hatch.toml",
                                  "environment.yml"])
def test_a_tool_file_that_is_a_device_or_a_fifo_is_not_read(repo, name):
    """Reliability round 33: the tool files that name the environment were read with a plain
    open().read(): a committed link to /dev/zero ran mlgate out of memory, a FIFO or
    /dev/stdin blocked it. They are read as regular files of at most 1 MiB, or not at all."""
    (repo / "pyproject.toml").write_text('[project]\nname = "churn"\n[tool.pdm]\n'
                                         '[tool.poetry]\nname = "churn"\n[tool.hatch]\n')
    os.mkfifo(repo / "fifo")
    (repo / name).symlink_to(repo / "fifo")
    script = (f"import json, sys\nfrom mlgate.environment import resolve_project_python\n"
              f"try:\n    resolve_project_python(None, None, {str(repo)!r}, {str(repo)!r},"
              f" environ={{'PATH': '/usr/bin:/bin'}})\nexcept Exception as exc:\n"
              f"    print(type(exc).__name__)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    (repo / name).unlink()
    (repo / name).symlink_to("/dev/zero")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False, stdin=subprocess.DEVNULL,
                          preexec_fn=_memory_capped)
    assert proc.returncode == 0, proc.stderr


def _memory_capped() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_a_project_below_the_root_uses_its_own_venv_before_the_roots(tmp_path):
    """Reliability round 39 (F3): a monorepo with a root .venv (the tooling) and a .venv per
    service: every service was judged against the root's environment, from the root and
    from inside the service; the root's is still the one for a project without its own."""
    repo = tmp_path / "repo"
    service = repo / "svc" / "a"
    service.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    make_venv(repo / ".venv")
    make_venv(service / ".venv")
    environ = under_pre_commit()
    found = discover(repo, environ, config_root=service)
    assert (found.reason, found.executable) == (
        ".venv/ in the project's folder", python_of(service / ".venv"))
    found = discover(repo, environ, config_root=repo / "svc")
    assert (found.reason, found.executable) == (
        ".venv/ at the repository root", python_of(repo / ".venv"))


def test_an_environment_of_an_app_below_the_root_is_named_when_none_is_found(repo, home):
    """New-user trial round 40b (F3): an app in `Hugginface/` with its own `.venv` and no
    pyproject.toml; the hooks, run from the root, said to create .venv/ at the root. The
    error names the environment below and the two ways to use it."""
    make_venv(repo / "Hugginface" / ".venv")
    with pytest.raises(NoProjectPython) as error:
        discover(repo, {"PATH": SYSTEM_PATH, "HOME": str(home)})
    assert "Hugginface/.venv below the root is a project's" in str(error.value)
    assert 'python = "Hugginface/.venv"' in str(error.value)
    # ...and what `mlgate audit Hugginface` does (new-user trial 46 F6: it worked where
    # `mlgate lock Hugginface` was exit 2, and nothing said why)
    assert "run mlgate from that folder (cd Hugginface)" in str(error.value)
