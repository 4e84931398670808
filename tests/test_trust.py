"""Who decides what runs: the person running mlgate, not the commit under review.

The interpreter's precedence (command line and environment before committed files), the
refusal of an interpreter git tracks, and `--trusted-config REV` (the configuration of a
git revision, e.g. a pull request's base branch, instead of the work tree's).
"""

import hashlib
import json
import os
import subprocess
import sys

import pytest
from envs import make_venv, python_of

from mlgate.cli import main
from mlgate.config import load_config
from mlgate.environment import resolve_project_python
from mlgate.finding import UsageError

LEAK = 'DATA = "/Users/ana/Desktop/train.csv"\n'


def git(cwd, *args):
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
         "-c", "commit.gpgsign=false", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A real git repository, the working directory, with no environment variable pointing
    at an interpreter."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    monkeypatch.chdir(root)
    for var in ("MLGATE_PYTHON", "MLGATE_TRUSTED_CONFIG", "UV_PROJECT_ENVIRONMENT",
                "CONDA_PREFIX", "VIRTUAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    return root


def commit(root, message="c"):
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


# --- which interpreter: the order ------------------------------------------------------


def test_precedence_command_line_then_environment_then_config_then_discovery(repo, tmp_path):
    envs = {name: make_venv(tmp_path / name) for name in ("cli", "envvar", "config")}
    make_venv(repo / ".venv")
    root = str(repo)

    def chosen(cli=None, config=None, environ=None):
        found = resolve_project_python(cli, config, str(tmp_path), root, environ=environ or {})
        return found.reason, found.executable

    everything = {"MLGATE_PYTHON": str(envs["envvar"])}
    assert chosen(str(envs["cli"]), "config", everything) == ("--python",
                                                             python_of(envs["cli"]))
    assert chosen(None, "config", everything) == ("MLGATE_PYTHON", python_of(envs["envvar"]))
    assert chosen(None, "config") == ("python in [tool.mlgate]", python_of(envs["config"]))
    assert chosen() == (".venv/ at the repository root", python_of(repo / ".venv"))


def test_mlgate_python_beats_the_committed_config_key_through_the_cli(repo, tmp_path,
                                                                     monkeypatch, capsys):
    make_venv(tmp_path / "theirs")
    mine = make_venv(tmp_path / "mine")
    (repo / "pyproject.toml").write_text(f'[tool.mlgate]\npython = "{tmp_path / "theirs"}"\n')
    (repo / "requirements.txt").write_text("attrs==23.2.0\n")
    monkeypatch.setenv("MLGATE_PYTHON", str(mine))
    main(["lock", "--verbose", "--format", "json"])
    err = capsys.readouterr().err
    assert f"project Python {python_of(mine)} (from MLGATE_PYTHON)" in err


# --- an interpreter that git tracks is refused -----------------------------------------

FAKE_PYTHON = """#!/bin/sh
touch "{marker}"
exec "{python}" "$@"
"""


def fake_python(path, marker):
    """An executable script that leaves `marker` behind when it runs, then runs Python."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FAKE_PYTHON.format(marker=marker, python=sys.executable))
    path.chmod(0o755)


def run_cli(cwd, *args, env=None):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("MLGATE_PYTHON", "VIRTUAL_ENV", "CONDA_PREFIX",
                            "UV_PROJECT_ENVIRONMENT")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "mlgate", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, check=False)


@pytest.mark.skipif(os.name == "nt", reason="a POSIX shell script stands in for Python")
def test_a_committed_venv_python_is_refused_and_never_run(repo, tmp_path):
    marker = tmp_path / "the-committed-python-ran"
    fake_python(repo / ".venv" / "bin" / "python", marker)
    (repo / "requirements.txt").write_text("attrs==23.2.0\n")
    commit(repo)
    proc = run_cli(repo, "lock")
    assert proc.returncode == 2, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith("mlgate: error: refusing to run the project's Python")
    assert "(from .venv/ at the repository root)" in line
    assert "git tracks .venv/bin/python" in line and "a real environment is never committed" in line
    assert "--python PATH or MLGATE_PYTHON" in line
    # the way out, when the committed environment is the user's own (new-user trial 41, F4:
    # --python and MLGATE_PYTHON named it again, and were refused again)
    assert "`git rm -r --cached .venv` and add it to .gitignore" in line
    assert not marker.exists()
    # The same file, no longer tracked (as a real .venv/ is: ignored), is the project's Python.
    git(repo, "rm", "-q", "--cached", ".venv/bin/python")
    proc = run_cli(repo, "lock")
    assert proc.returncode != 2, proc.stderr
    assert marker.exists()


@pytest.mark.skipif(os.name == "nt", reason="a POSIX shell script stands in for Python")
def test_tracked_interpreters_are_refused_whoever_names_them(repo, tmp_path, capsys,
                                                            monkeypatch):
    marker = tmp_path / "ran"
    fake_python(repo / "tools" / "python", marker)
    (repo / "requirements.txt").write_text("attrs==23.2.0\n")
    commit(repo)
    (repo / "pyproject.toml").write_text('[tool.mlgate]\npython = "tools/python"\n')
    for how in ([], ["--python", "tools/python"], ["--python", str(repo / "tools/python")]):
        assert main(["lock", *how]) == 2, how
        err = capsys.readouterr().err
        assert "git tracks tools/python" in err, how
    (repo / "pyproject.toml").unlink()
    monkeypatch.setenv("MLGATE_PYTHON", "tools/python")
    assert main(["lock"]) == 2
    assert "(from MLGATE_PYTHON): git tracks tools/python" in capsys.readouterr().err
    assert not marker.exists()


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_a_tracked_symlink_on_the_way_to_the_interpreter_is_refused(repo, tmp_path, capsys):
    env = make_venv(tmp_path / "env")
    os.symlink(env, repo / "venv")  # committed: `venv -> <somewhere the commit chose>`
    (repo / "requirements.txt").write_text("attrs==23.2.0\n")
    commit(repo)
    assert main(["lock"]) == 2
    err = capsys.readouterr().err
    assert "(from venv/ at the repository root): git tracks venv," in err
    # A tracked symlink inside the repository that resolves to a tracked file is refused too.
    fake_python(repo / "real" / "python", tmp_path / "ran")
    os.symlink("real", repo / "alias")
    commit(repo)
    with pytest.raises(UsageError, match="git tracks alias"):
        resolve_project_python(str(repo / "alias" / "python"), None, str(repo), str(repo), {})


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_the_resolved_path_of_an_untracked_symlink_is_checked_too(repo, tmp_path):
    fake_python(repo / "bin" / "python", tmp_path / "ran")
    commit(repo)
    os.symlink(repo / "bin" / "python", repo / "py")  # untracked, but points at a tracked file
    with pytest.raises(UsageError, match="git tracks bin/python"):
        resolve_project_python(str(repo / "py"), None, str(repo), str(repo), {})


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_an_untracked_venv_inside_the_repository_still_works(repo, tmp_path, capsys):
    (repo / ".gitignore").write_text(".venv/\nvenv\n")
    (repo / "requirements.txt").write_text("attrs==23.2.0\n")
    commit(repo)
    make_venv(repo / ".venv")  # a folder, ignored: the README's main job
    assert main(["lock", "--verbose"]) != 2
    assert "(from .venv/ at the repository root)" in capsys.readouterr().err
    os.rename(repo / ".venv", tmp_path / "moved")
    os.symlink(sys.prefix, repo / "venv")  # a symlink to a real environment, ignored
    assert main(["lock", "--verbose"]) != 2
    err = capsys.readouterr().err
    assert f"project Python {repo.resolve() / 'venv' / 'bin' / 'python'} (from venv/" in err


# --- --trusted-config REV ---------------------------------------------------------------


@pytest.fixture
def reviewed(repo):
    """The base commit ignores MLG101; the pull request (the work tree) takes that back and
    allow-lists its own global."""
    (repo / "a.py").write_text(LEAK)
    (repo / "pyproject.toml").write_text('[tool.mlgate]\nignore = ["MLG101"]\n')
    base = commit(repo, "base")
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate]\nignore = []\n[tool.mlgate.artifact]\nallow = ["posix:system"]\n')
    return repo, base


def test_trusted_config_applies_the_revisions_settings_not_the_work_trees(reviewed, capsys):
    _, base = reviewed
    assert main(["paths", "a.py"]) == 1  # the work tree's configuration
    assert "MLG101" in capsys.readouterr().out
    assert main(["paths", "--trusted-config", base, "a.py"]) == 0
    assert capsys.readouterr().out == ""
    trusted = load_config(trusted=base)
    assert trusted.ignore == ["MLG101"] and trusted.section("artifact") == {}
    assert load_config().section("artifact") == {"allow": ["posix:system"]}


def test_trusted_config_the_other_way_round(repo, capsys):
    (repo / "a.py").write_text(LEAK)
    (repo / "pyproject.toml").write_text("[tool.mlgate]\n")
    base = commit(repo)
    (repo / "pyproject.toml").write_text('[tool.mlgate]\nignore = ["MLG101"]\n')
    assert main(["paths", "a.py"]) == 0  # the pull request silences the finding...
    capsys.readouterr()
    assert main(["paths", "--trusted-config", base, "a.py"]) == 1  # ...the base does not
    assert "MLG101" in capsys.readouterr().out


def test_trusted_config_cannot_be_deleted_or_shadowed_by_the_work_tree(reviewed, monkeypatch,
                                                                       capsys):
    repo, base = reviewed
    (repo / "pyproject.toml").unlink()
    assert load_config(trusted=base).ignore == ["MLG101"]
    sub = repo / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text("[tool.mlgate]\n")  # nearer, but not in the revision
    (sub / "b.py").write_text(LEAK)
    monkeypatch.chdir(sub)
    assert load_config().ignore == []
    config = load_config(trusted=base)
    assert config.ignore == ["MLG101"] and config.root == str(repo.resolve())
    assert main(["paths", "--trusted-config", base, "b.py"]) == 0
    capsys.readouterr()
    # sub/pyproject.toml is not in the revision: named, it is an error, never the defaults
    # in its place (reliability round 36: --config was dropped in silence)
    assert main(["paths", "--trusted-config", base, "--config", "pyproject.toml", "b.py"]) == 2
    assert "--config pyproject.toml does not exist at" in capsys.readouterr().err


def test_trusted_config_from_the_environment(reviewed, monkeypatch, capsys):
    _, base = reviewed
    monkeypatch.setenv("MLGATE_TRUSTED_CONFIG", base)
    assert main(["paths", "a.py"]) == 0
    assert main(["paths", "--no-config", "a.py"]) == 1  # the command line still wins


def test_audit_reads_its_folders_configuration_from_the_revision(repo, monkeypatch, capsys):
    project = repo / "proj"
    project.mkdir()
    (project / "a.py").write_text(LEAK)
    (project / "pyproject.toml").write_text('[tool.mlgate]\nexclude = ["a.py"]\n')
    base = commit(repo)
    (project / "pyproject.toml").write_text("[tool.mlgate]\n")
    skips = [arg for name in ("lock", "artifact", "schema", "latency")
             for arg in ("--skip", name)]

    def audit(*args):
        code = main(["audit", "proj", "--format", "json", *skips, *args])
        return code, json.loads(capsys.readouterr().out)["ready"]

    assert audit() == (1, False)
    assert audit("--trusted-config", base) == (0, True)
    monkeypatch.setenv("MLGATE_TRUSTED_CONFIG", base)
    assert audit() == (0, True)


def test_an_unknown_revision_is_a_one_line_error(reviewed, capsys):
    assert main(["paths", "--trusted-config", "no-such-branch", "a.py"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("mlgate: error: --trusted-config no-such-branch: not a commit")


def test_no_pyproject_at_the_revision_means_the_defaults(repo, capsys):
    (repo / "a.py").write_text(LEAK)
    base = commit(repo)
    (repo / "pyproject.toml").write_text('[tool.mlgate]\nignore = ["MLG101"]\n')
    assert main(["paths", "--trusted-config", base, "--verbose", "a.py"]) == 1
    err = capsys.readouterr().err
    assert f"no pyproject.toml at {base} (--trusted-config): default configuration" in err


def test_trusted_config_neither_reads_nor_writes_the_json_copy_under_git(reviewed):
    repo, base = reviewed
    cache = repo / ".git" / "mlgate-cache"
    trusted_text = git(repo, "show", f"{base}:pyproject.toml") + "\n"
    digest = hashlib.sha256(trusted_text.encode()).hexdigest()[:32]
    cache.mkdir()
    # What code that ran in this checkout (a pull request's tests) could have written:
    (cache / f"config-{digest}.json").write_text(json.dumps({"table": {"ignore": []}}))
    assert load_config(trusted=base).ignore == ["MLG101"]
    assert sorted(p.name for p in cache.iterdir()) == [f"config-{digest}.json"]
    # The work tree's configuration still uses (and writes) its copy.
    load_config()
    assert len(list(cache.glob("config-*.json"))) == 2


# --- round 34: the commit must not choose, or start, the interpreter by another way -------


@pytest.mark.skipif(os.name == "nt", reason="symlinks and a POSIX shell script")
def test_a_committed_link_before_dotdot_is_seen_as_the_kernel_follows_it(repo, tmp_path,
                                                                         capsys):
    """`lnk/../evil/python`, `lnk` a committed link: the path tidied as text is
    `evil/python`, which nothing tracks; the kernel goes through `lnk` to the committed
    `deep/evil/python` (sandbox round 34, S1: the PR's script ran with no sandbox)."""
    marker = tmp_path / "ran"
    (repo / "deep" / "a").mkdir(parents=True)
    (repo / "deep" / "a" / "keep").write_text("")
    fake_python(repo / "deep" / "evil" / "python", marker)
    os.symlink("deep/a", repo / "lnk")
    (repo / "pyproject.toml").write_text('[tool.mlgate]\npython = "lnk/../evil/python"\n')
    (repo / "requirements.txt").write_text("attrs==23.2.0\n")
    commit(repo)
    assert main(["lock"]) == 2
    assert "git tracks lnk" in capsys.readouterr().err
    assert not marker.exists()


@pytest.mark.skipif(os.name == "nt", reason="a POSIX shell script stands in for Python")
@pytest.mark.parametrize("planted", ["bin/python._pth", "bin/pybuilddir.txt", "pyvenv.cfg"])
def test_a_committed_start_up_file_beside_a_built_environment_is_refused(repo, tmp_path,
                                                                         planted):
    """CI builds `.venv/` in the checkout (ignored); the commit adds one file CPython reads
    at start-up, before -I -S apply: `python._pth` replaced sys.path and the commit's
    `encodings` ran before the sandbox (sandbox round 34, S5)."""
    marker = tmp_path / "ran"
    (repo / ".gitignore").write_text(".venv/bin/python\n")
    (repo / "requirements.txt").write_text("attrs==23.2.0\n")
    (repo / ".venv" / planted).parent.mkdir(parents=True, exist_ok=True)
    (repo / ".venv" / planted).write_text("../../tools\n")
    commit(repo)
    fake_python(repo / ".venv" / "bin" / "python", marker)  # built by CI: not tracked
    proc = run_cli(repo, "lock")
    assert proc.returncode == 2, proc.stderr
    assert f"git tracks .venv/{planted}" in proc.stderr
    assert not marker.exists()
    git(repo, "rm", "-q", "--cached", f".venv/{planted}")  # the same file, not committed
    proc = run_cli(repo, "lock")
    assert proc.returncode != 2, proc.stderr
    assert marker.exists()


@pytest.mark.skipif(os.name == "nt", reason="a POSIX shell script stands in for Python")
def test_without_git_only_an_interpreter_named_by_the_runner_runs_from_the_folder(tmp_path):
    """No `.git` (a tarball checkout), or a repository git refuses: nothing says whether
    `.venv/bin/python` came with the files (sandbox round 34, S2: it ran, unsandboxed)."""
    folder = tmp_path / "tarball"
    marker = tmp_path / "ran"
    fake_python(folder / ".venv" / "bin" / "python", marker)
    (folder / "requirements.txt").write_text("attrs==23.2.0\n")
    proc = run_cli(folder, "lock")
    assert proc.returncode == 2 and "git cannot say" in proc.stderr, proc.stderr
    assert not marker.exists()
    proc = run_cli(folder, "lock", "--python", ".venv/bin/python")  # the runner's choice
    assert proc.returncode != 2, proc.stderr
    assert marker.exists()
    marker.unlink()
    (folder / ".venv" / "bin" / "python._pth").write_text(".\n")  # but never with this
    proc = run_cli(folder, "lock", "--python", ".venv/bin/python")
    assert proc.returncode == 2 and "git cannot say" in proc.stderr, proc.stderr
    assert not marker.exists()


def test_files_at_the_root_that_look_like_a_bare_repository_are_not_git(tmp_path):
    """A checkout without `.git` whose files include HEAD, config, objects/, refs/ and an
    index: git took the folder for a bare repository and answered from the commit's own
    index what is tracked (sandbox round 34, S7)."""
    from mlgate.files import tracked_in

    folder = tmp_path / "tarball"
    bare = tmp_path / "bare"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    folder.mkdir()
    for name in ("HEAD", "config", "objects", "refs"):
        subprocess.run(["cp", "-r", str(bare / name), str(folder)], check=True)
    (folder / ".env").write_text("SECRET=1\n")
    subprocess.run(["git", "update-index", "--add", ".env"], cwd=folder, check=True,
                   env={**os.environ, "GIT_DIR": ".", "GIT_WORK_TREE": "."})
    assert subprocess.run(["git", "ls-files"], cwd=folder, capture_output=True, text=True
                          ).stdout.split() == [".env"]  # what plain git answers
    assert tracked_in(str(folder)) is None


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_a_tool_file_linked_out_of_the_repository_is_not_read(repo, tmp_path, capsys):
    """`.pdm-python -> .git/config` (or -> ~/.ssh/id_rsa): `mlgate env` printed the file as
    the path of an interpreter (sandbox round 34, S3)."""
    git(repo, "config", "remote.origin.url", "https://x-access-token:SECRET@example.com/r")
    outside = tmp_path / "id_rsa"
    outside.write_text("-----BEGIN KEY----- KEYSECRET\n")
    (repo / "pyproject.toml").write_text("[tool.pdm]\n")
    for target in (".git/config", str(outside)):
        if os.path.lexists(repo / ".pdm-python"):
            os.unlink(repo / ".pdm-python")
        os.symlink(target, repo / ".pdm-python")
        main(["env"])
        out = capsys.readouterr()
        assert "SECRET" not in out.out + out.err, target


@pytest.mark.skipif(os.name == "nt", reason="a POSIX shell script stands in for Python")
def test_an_uncommitted_venv_beside_a_committed_subproject_runs(repo, tmp_path):
    """Review of round 34: every folder on the way to the interpreter was asked about as a
    folder, so `app/` (its pyproject.toml committed) made `app/.venv/bin/python` "tracked":
    every monorepo subproject with its own .venv was refused, --python too."""
    marker = tmp_path / "ran"
    (repo / "app").mkdir()
    (repo / "app" / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n')
    (repo / "app" / "requirements.txt").write_text("attrs==23.2.0\n")
    (repo / ".gitignore").write_text(".venv/\n")
    commit(repo)
    fake_python(repo / "app" / ".venv" / "bin" / "python", marker)
    (repo / "app" / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    proc = run_cli(repo / "app", "lock")
    assert proc.returncode != 2, proc.stderr
    assert marker.exists()


def test_a_committed_venv_from_another_machine_is_described(repo):
    """New-user trial 41 (F4): a .venv committed from a Mac, its bin/python a link to
    /Users/...: 'no bin/python in it' and 'create .venv/', though .venv/ exists."""
    venv = repo / ".venv" / "bin"
    venv.mkdir(parents=True)
    os.symlink("/Users/someone/.pyenv/versions/3.12.1/bin/python3.12", venv / "python")
    proc = run_cli(repo, "env")
    out = proc.stdout + proc.stderr
    assert "links to /Users/someone/.pyenv/versions/3.12.1/bin/python3.12, which does not" \
        " exist here" in out, out
