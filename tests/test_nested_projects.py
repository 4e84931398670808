"""A folder with a pyproject.toml of its own holding `[tool.mlgate]` is a project of its own:
pre-commit runs every hook from the repository root, where each service's configuration was
passed over in silence (reliability round 37, F3). Each check now runs in each such project as
if started there, and the root's own run leaves those folders to them."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import pytest

from mlgate.cli import main

LEAK = 'DATA = "/Users/ana/Desktop/train.csv"\n'


def _service(root, name: str, table: str) -> None:
    folder = root / "services" / name
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(f"[project]\nname = '{name}'\n\n{table}\n")
    (folder / "train.py").write_text(LEAK)


@pytest.fixture
def monorepo(git_project):
    """Two services: `a` with an empty [tool.mlgate] (a project, the defaults), `b` ignoring
    MLG101; and a leak at the root, whose configuration is the defaults."""
    _service(git_project, "a", "[tool.mlgate]")
    _service(git_project, "b", '[tool.mlgate]\nignore = ["MLG101"]\n\n'
             '[tool.mlgate.artifact]\nallow = ["argparse:Namespace"]')
    (git_project / "tools.py").write_text(LEAK)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    return git_project


def _paths(capsys, *argv: str) -> tuple[int, set[str]]:
    code = main(["paths", "--format", "json", *argv])
    return code, {f["path"] for f in json.loads(capsys.readouterr().out)}


def test_each_service_is_checked_with_its_own_configuration(monorepo, capsys):
    assert _paths(capsys) == (1, {"tools.py", "services/a/train.py"})
    # as pre-commit passes a commit's files, from the root
    assert _paths(capsys, "tools.py", "services/a/train.py", "services/b/train.py") == (
        1, {"tools.py", "services/a/train.py"})
    assert _paths(capsys, "services/b/train.py") == (0, set())
    # one configuration for the whole run, when one is named
    code, found = _paths(capsys, "--config", "services/a/pyproject.toml")
    assert code == 1 and found == {"tools.py", "services/a/train.py", "services/b/train.py"}


def test_a_run_inside_a_service_is_that_service(monorepo, capsys, monkeypatch):
    monkeypatch.chdir(monorepo / "services" / "b")
    assert _paths(capsys) == (0, set())
    monkeypatch.chdir(monorepo / "services" / "a")
    assert _paths(capsys) == (1, {"train.py"})


def test_a_pyproject_a_pull_request_adds_is_no_project_under_trusted_config(git_project,
                                                                          capsys):
    _service(git_project, "a", "[tool.mlgate]")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=t", "commit", "-qm", "base"],
                   cwd=git_project, check=True)
    # the pull request: a folder of its own that ignores the leak it brings
    _service(git_project, "evil", '[tool.mlgate]\nignore = ["MLG101"]')
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert _paths(capsys) == (1, {"services/a/train.py"})  # the work tree's view
    assert _paths(capsys, "--trusted-config", "HEAD") == (
        1, {"services/a/train.py", "services/evil/train.py"})


def test_the_root_says_nothing_of_what_only_the_services_have(monorepo, capsys):
    (monorepo / "tools.py").unlink()
    subprocess.run(["git", "add", "-A"], cwd=monorepo, check=True)
    code = main(["artifact", "--python", sys.executable, "--no-cache"])
    assert code == 0 and "no model artifact found" in capsys.readouterr().err  # none at all
    (monorepo / "services" / "a" / "model.pkl").write_bytes(pickle.dumps({"threshold": 0.5}))
    subprocess.run(["git", "add", "-A"], cwd=monorepo, check=True)
    code = main(["artifact", "--python", sys.executable, "--no-cache", "-v"])
    err = capsys.readouterr().err
    # (service b has none: said, and of b; the root's own run says nothing)
    assert code == 0 and [line for line in err.splitlines() if "no model artifact" in line] == [
        "mlgate artifact: services/b: no model artifact found (by name or content)"], err


def test_a_service_allows_what_only_it_trusts(monorepo, capsys):
    """The artifact check of a service loads with that service's allow-list: a class it
    allows passes there, and is refused in a service that does not."""
    import argparse

    for name in ("a", "b"):
        (monorepo / "services" / name / "model.pkl").write_bytes(
            pickle.dumps({"options": argparse.Namespace(threshold=0.5)}))
    subprocess.run(["git", "add", "-A"], cwd=monorepo, check=True)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                 "services/a/model.pkl", "services/b/model.pkl"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [
        ("services/a/model.pkl", "MLG301")], found


def test_the_audit_of_the_root_leaves_the_services_to_their_own(monorepo, capsys):
    code = main(["audit", ".", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--skip", "lock"])
    report = json.loads(capsys.readouterr().out)
    assert report["nested_projects"] == ["services/a", "services/b"]
    assert {f["path"] for f in report["findings"]} == {"tools.py"} and code == 1
    code = main(["audit", ".", "--python", sys.executable, "--no-cache", "--skip", "lock"])
    assert "audit each, e.g. mlgate audit services/a" in capsys.readouterr().out


def test_with_no_pyproject_at_the_root_each_folder_with_one_is_a_project(git_project, capsys,
                                                                          monkeypatch):
    """New-user trial round 38, F4: a repository of course weeks, 05-deployment/ a uv project
    with its .venv; the hooks, run from the root, found no environment (exit 2), even for
    the artifact staged inside that project."""
    monkeypatch.delenv("MLGATE_PYTHON", raising=False)
    project = git_project / "05-deployment"
    (project / ".venv" / "bin").mkdir(parents=True)
    os.symlink(sys.executable, project / ".venv" / "bin" / "python")
    (project / "pyproject.toml").write_text('[project]\nname = "hw"\nversion = "1"\n')
    (project / "pipeline_v1.bin").write_bytes(pickle.dumps({"threshold": 0.5}))
    (project / ".gitignore").write_text(".venv\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["artifact", "--only-artifacts", "--format", "json", "--no-cache",
                 "05-deployment/pipeline_v1.bin"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])


def test_a_file_named_like_a_project_is_still_checked(git_project, capsys):
    """Red team round 38: the project `svc` was excluded from the root's run as a pattern
    that also matched any file *named* svc: a pickle at models/svc that runs a program was
    checked by no scope, exit 0, with or without --trusted-config."""
    (git_project / "svc").mkdir()
    (git_project / "svc" / "pyproject.toml").write_text("[tool.mlgate]\n")
    (git_project / "models").mkdir()
    (git_project / "models" / "svc").write_bytes(b"\x80\x02cposix\nsystem\nX\x04\x00\x00\x00true"
                                                 b"\x85R.")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    for argv in ([], ["--only-artifacts", "models/svc"]):
        code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                     *argv])
        found = json.loads(capsys.readouterr().out)
        assert code == 1 and [f["path"] for f in found] == ["models/svc"], (argv, found)


def test_a_link_into_a_project_named_on_the_command_line_is_checked(git_project, capsys):
    """Red team round 38: `svc/model.pkl -> ../data/evil.bin` was given to the project svc
    by where it points (the root), and left out by the root as a path of svc: unchecked."""
    (git_project / "svc").mkdir()
    (git_project / "svc" / "pyproject.toml").write_text("[tool.mlgate]\n")
    (git_project / "data").mkdir()
    (git_project / "data" / "evil.bin").write_bytes(b"\x80\x02cposix\nsystem\nX\x04\x00\x00"
                                                    b"\x00true\x85R.")
    os.symlink("../data/evil.bin", git_project / "svc" / "model.pkl")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                 "svc/model.pkl"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and found, found


def test_a_project_the_work_tree_removed_is_no_scope(git_project, capsys):
    """Red team round 39: with --trusted-config, a project of the base revision that the pull
    request deletes (an honest removal of a service) made every check exit 2, "cannot write
    the report"; a file put in its place is the root's to check."""
    _service(git_project, "a", "[tool.mlgate]")
    _service(git_project, "b", "[tool.mlgate]")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=t", "commit", "-qm", "base"],
                   cwd=git_project, check=True)
    subprocess.run(["git", "rm", "-rq", "services/a"], cwd=git_project, check=True)
    assert _paths(capsys, "--trusted-config", "HEAD") == (1, {"services/b/train.py"})
    subprocess.run(["git", "rm", "-rq", "services/b"], cwd=git_project, check=True)
    (git_project / "services").mkdir(exist_ok=True)
    (git_project / "services" / "b").write_bytes(  # a pickle where the project was
        b"\x80\x02cposix\nsystem\nX\x04\x00\x00\x00true\x85R.")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--trusted-config", "HEAD"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and {f["path"] for f in found} == {"services/b"}, found


@pytest.mark.parametrize("target", [".", "outside", ".git"])
def test_a_project_the_work_tree_made_a_link_is_no_scope(git_project, tmp_path_factory,
                                                         capsys, target):
    """Reliability round 39 (F5, F8): under --trusted-config, a pull request that turns a
    project of the base revision into a link was entered through it: `svc -> .` recursed
    until a RecursionError; a link out of the repository reported another checkout's files
    under its configuration, and a link to `.git` walked git's folder."""
    _service(git_project, "a", "[tool.mlgate]")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=t", "commit", "-qm", "base"],
                   cwd=git_project, check=True)
    outside = tmp_path_factory.mktemp("elsewhere")
    (outside / "settings.py").write_text(LEAK)
    subprocess.run(["git", "rm", "-rq", "services/a"], cwd=git_project, check=True)
    (git_project / "services").mkdir(exist_ok=True)
    link = {".": "..", "outside": str(outside), ".git": "../.git"}[target]
    os.symlink(link, git_project / "services" / "a")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert _paths(capsys, "--trusted-config", "HEAD") == (0, set())


def test_a_service_mistake_or_missing_environment_names_the_service(git_project, capsys,
                                                                    monkeypatch, tmp_path_factory):
    """Reliability round 39 (F7, F9): from the root of a monorepo, a typo in one service's
    [tool.mlgate] said "pyproject.toml: [tool.mlgate]: unknown key" (three files could be
    meant), and a course week without an environment said "create .venv/ at the repository
    root", which would then have served every week."""
    _service(git_project, "a", '[tool.mlgate]\nigonre = ["MLG101"]')
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert main(["paths"]) == 2
    assert "services/a/pyproject.toml: [tool.mlgate]: unknown key 'igonre'" in (
        capsys.readouterr().err)
    (git_project / "services" / "a" / "pyproject.toml").write_text("[project]\nname = 'a'\n")
    (git_project / "services" / "a" / "model.pkl").write_bytes(pickle.dumps([1, 2]))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    for var in ("MLGATE_PYTHON", "VIRTUAL_ENV", "CONDA_PREFIX", "UV_PROJECT_ENVIRONMENT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    assert main(["artifact"]) == 2  # (no pyproject.toml at the root: each one is a project)
    err = capsys.readouterr().err
    assert "services/a: cannot find the project's Python environment" in err, err
    assert "create .venv/ in services/a (`mlgate env services/a` lists where it looked)" in err
    main(["env"])  # the root's answer says it is not the service's
    assert "projects of their own below, each judged with its own environment: services/a" \
        in capsys.readouterr().out


def test_the_allow_snippet_of_a_service_is_its_own(monorepo, capsys):
    """Reliability round 39 (F6): from the root, a service's refused class was offered in an
    allow list built from the root's configuration: pasted into the service's pyproject.toml
    it dropped the service's own entries."""
    (monorepo / "services" / "b" / "model.pkl").write_bytes(
        pickle.dumps(__import__("types").SimpleNamespace(a=1), protocol=2))
    subprocess.run(["git", "add", "-A"], cwd=monorepo, check=True)
    assert main(["artifact", "--python", sys.executable, "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "put in services/b/pyproject.toml:" in out, out
    snippet = out.split("put in services/b/pyproject.toml:", 1)[1]
    assert '"argparse:Namespace"' in snippet and '"types:SimpleNamespace"' in snippet, out
