"""What code running in the probe can read and tell (`mlgate.sandbox`, round 28 of review).

mlgate runs in CI on pull requests from strangers, and a finding quotes the error a load
raised: whatever the load can read, it can print. So a load reads the system's and the
interpreter's files and the repository's tracked entries, never `.git` (actions/checkout keeps
the job's token in .git/config), an untracked file a CI step left in the checkout, or anything
else of the machine's user. And what the probe says about its own sandbox is written before
any code of the project or the artifact runs, so that code cannot rewrite it.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_artifact_load import codes, repo, run, write_module  # noqa: F401 - `repo` is a fixture
from test_sandbox import _apply_in_subprocess, _Call, available  # noqa: F401 - fixtures

from mlgate.cli import main

PEEK = """
    import json, os

    class Peek:
      def __init__(self, paths):
        seen = []
        for path in paths:
            try:
                with open(path) as handle:
                    handle.read(1)
                seen.append("read")
            except PermissionError:
                seen.append("denied")
            except OSError as exc:
                seen.append(type(exc).__name__)
        raise RuntimeError("SEEN" + json.dumps(seen) + "SEEN")
"""
TRUSTS_PEEK = '[tool.mlgate.artifact]\ntrust-modules = ["proj.peek"]\n'


def _seen(message: str) -> list[str]:
    return json.loads(message.split("SEEN")[1])


def _pickled_call(root, module: str, source: str, function: str, *arguments) -> bytes:
    import importlib

    write_module(root, module, source)
    subprocess.run(["git", "add", module.split(".")[0]], cwd=root, check=True)
    sys.path.insert(0, str(root))
    try:
        return pickle.dumps(_Call(getattr(importlib.import_module(module), function),
                                  *arguments), 4)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] == module.split(".")[0]]:
            del sys.modules[name]


def test_a_load_reads_the_project_but_not_git_untracked_files_or_the_users(
        available, repo, capsys, tmp_path_factory):  # noqa: F811
    outside = tmp_path_factory.mktemp("home")
    (outside / "id_rsa").write_text("private key")
    subprocess.run(["git", "config", "remote.origin.url",
                    "https://x-access-token:s3cr3t@github.com/o/r"], cwd=repo, check=True)
    (repo / "gha-creds-1234.json").write_text("{}")  # what a CI step leaves, untracked
    (repo / ".aws").mkdir()
    (repo / ".aws" / "credentials").write_text("[default]\n")
    (repo / "data").mkdir()
    (repo / "data" / "sample.csv").write_text("a\n1\n")
    os.symlink(outside, repo / "linked")  # a committed symlink that leaves the repository
    os.symlink(".git", repo / "gitlink")  # and committed symlinks into .git
    os.symlink(".git/config", repo / "configlink")
    (repo / "pyproject.toml").write_text(TRUSTS_PEEK)
    paths = [repo / "proj" / "peek.py", repo / "data" / "sample.csv", repo / "pyproject.toml",
             repo / ".git" / "config", repo / ".git" / "HEAD", repo / "gha-creds-1234.json",
             outside / "id_rsa", repo / "linked" / "id_rsa", repo / "gitlink" / "config",
             repo / "configlink", repo / ".aws" / "credentials"]
    (repo / "model.pkl").write_bytes(_pickled_call(
        repo, "proj.peek", PEEK, "Peek", [str(p) for p in paths]))
    subprocess.run(["git", "add", "pyproject.toml", "data", "linked", "gitlink", "configlink"],
                   cwd=repo, check=True)
    code, found = run(capsys, "--no-cache", "model.pkl")
    assert (code, codes(found)) == (1, ["MLG309"]), [f["message"] for f in found]
    assert _seen(found[0]["message"]) == ["read"] * 3 + ["denied"] * 8, found[0]["message"]
    assert "s3cr3t" not in json.dumps(found)


def test_a_load_reads_tracked_files_only_never_a_nested_git_or_an_untracked_target(
        available, repo, capsys):  # noqa: F811
    """Sandbox review round 29: a load could read a second checkout's `other/.git/config`
    (an untracked folder), a nested repository's `.git` inside a tracked folder, an ignored
    `.env` beside tracked files, an ignored `local_settings.py`, and `.env` itself through a
    committed symlink, since whole folders were granted. Now only files git tracks (and
    Python files not yet added that git does not ignore) are readable, never via a link."""
    (repo / ".gitignore").write_text(".env\n")
    (repo / "pyproject.toml").write_text(TRUSTS_PEEK)
    paths = [repo / "proj" / "peek.py", repo / "tracked_link.py", repo / "new_module.py",
             repo / "other" / ".git" / "config", repo / "proj" / "vendor" / ".git" / "config",
             repo / "envlink", repo / ".env", repo / "proj" / ".env",
             repo / "local_settings.py", repo / "proj" / "notes.txt"]
    (repo / "model.pkl").write_bytes(_pickled_call(
        repo, "proj.peek", PEEK, "Peek", [str(p) for p in paths]))
    os.symlink("proj/peek.py", repo / "tracked_link.py")  # a link to a tracked file
    os.symlink(".env", repo / "envlink")  # a committed link to an untracked secret
    subprocess.run(["git", "add", ".gitignore", "pyproject.toml", "tracked_link.py",
                    "envlink"], cwd=repo, check=True)
    (repo / "new_module.py").write_text("X = 1\n")  # not added yet, not ignored
    for nested in (repo / "other", repo / "proj" / "vendor"):
        nested.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=nested, check=True)
        subprocess.run(["git", "config", "remote.origin.url", "https://x:s3cr3t@h/r"],
                       cwd=nested, check=True)
    (repo / ".env").write_text("API_KEY=s3cr3t\n")
    (repo / "proj" / ".env").write_text("API_KEY=s3cr3t\n")
    (repo / "local_settings.py").write_text("PASSWORD = 's3cr3t'\n")
    (repo / ".git" / "info" / "exclude").write_text("local_settings.py\n")
    (repo / "proj" / "notes.txt").write_text("untracked, not ignored, not code\n")
    code, found = run(capsys, "--no-cache", "model.pkl")
    assert (code, codes(found)) == (1, ["MLG309"]), [f["message"] for f in found]
    assert _seen(found[0]["message"]) == ["read"] * 3 + ["denied"] * 7, found[0]["message"]


def test_with_a_trusted_configuration_no_untracked_file_is_read(available, repo,  # noqa: F811
                                                                capsys):
    """Sandbox review round 33 (F7): untracked Python files git does not ignore were
    readable, and the commit's own .gitignore decides what git ignores: a pull request that
    dropped `local_settings.py` from it had the file a CI step wrote read and printed, with
    --trusted-config too. On a stranger's commit (--trusted-config), no untracked file is
    readable; on a developer's machine a module not yet added still is."""
    (repo / "pyproject.toml").write_text(TRUSTS_PEEK)
    paths = [repo / "proj" / "peek.py", repo / "local_settings.py"]
    (repo / "model.pkl").write_bytes(_pickled_call(
        repo, "proj.peek", PEEK, "Peek", [str(p) for p in paths]))
    subprocess.run(["git", "add", "pyproject.toml", "model.pkl"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm",
                    "base"], cwd=repo, check=True)
    (repo / "local_settings.py").write_text("PASSWORD = 's3cr3t'\n")  # no .gitignore says it
    code, found = run(capsys, "--no-cache", "model.pkl")
    assert _seen(found[0]["message"]) == ["read", "read"], found[0]["message"]
    code, found = run(capsys, "--no-cache", "--trusted-config", "HEAD", "model.pkl")
    assert (code, codes(found)) == (1, ["MLG309"]), [f["message"] for f in found]
    assert _seen(found[0]["message"]) == ["read", "denied"], found[0]["message"]


def test_with_a_trusted_configuration_a_tracked_file_a_ci_step_rewrote_is_not_read(
        available, repo, capsys):  # noqa: F811
    """Sandbox review round 35 (F3): main's .gitignore ignores .env; the pull request
    force-adds a placeholder .env, and a later CI step writes the real one over it (`echo
    "$ENV_FILE" > .env`). Tracked, so granted: the load read the secret. On a stranger's
    commit, a tracked file whose content is no longer the commit's is not readable."""
    (repo / "pyproject.toml").write_text(TRUSTS_PEEK)
    (repo / "config").mkdir()
    (repo / "config" / ".env").write_text("PLACEHOLDER=1\n")
    (repo / "config" / "app.yaml").write_text("a: 1\n")
    paths = [repo / "proj" / "peek.py", repo / "config" / "app.yaml", repo / "config" / ".env"]
    (repo / "model.pkl").write_bytes(_pickled_call(
        repo, "proj.peek", PEEK, "Peek", [str(p) for p in paths]))
    subprocess.run(["git", "add", "-f", "pyproject.toml", "model.pkl", "config"], cwd=repo,
                   check=True)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm",
                    "base"], cwd=repo, check=True)
    (repo / "config" / ".env").write_text("DB_PASSWORD=s3cr3t\n")  # what the CI step wrote
    code, found = run(capsys, "--no-cache", "--trusted-config", "HEAD", "model.pkl")
    assert (code, codes(found)) == (1, ["MLG309"]), [f["message"] for f in found]
    assert _seen(found[0]["message"]) == ["read", "read", "denied"], found[0]["message"]


def test_the_read_plan_grants_clean_folders_whole_and_files_elsewhere(tmp_path):
    """Landlock grants by hierarchy: a folder whose every entry is readable is one rule; a
    folder with anything else in it (an untracked name, a symlink, a nested `.git`) is
    granted file by file, so a rule never covers what the load may not read."""
    from mlgate.artifacts.read_scope import sandbox_reads

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    for name in ("pkg/a.py", "pkg/sub/b.py", "data/x.csv", "data/y.csv", "top.py", "README"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    (tmp_path / "data" / "secret.json").write_text("{}")  # untracked beside tracked files
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "t.txt").write_text("x")
    plan = sandbox_reads(str(tmp_path))
    root = str(tmp_path)
    assert plan["trees"] == [os.path.join(root, "pkg")]
    assert plan["tracked"] == [os.path.join(root, p) for p in
                               ("README", "data/x.csv", "data/y.csv", "top.py")]
    assert plan["narrowed"] is None and plan["pth"] == []
    subprocess.run(["git", "init", "-q"], cwd=tmp_path / "pkg" / "sub", check=True)
    plan = sandbox_reads(root)
    assert plan["trees"] == [], plan  # pkg/sub holds a .git: neither it nor pkg is whole
    assert os.path.join(root, "pkg", "a.py") in plan["tracked"]
    assert not any(".git" in p for p in plan["trees"] + plan["tracked"])


FORGE = """
    import json, os, sys

    class in_memory:  # the report the probe keeps, rewritten in place
      def __init__(self):
        for module, report in sys.modules["_mlgate_probe.load"]._SANDBOX:
            report["applied"][:] = ["no_new_privs", "landlock-abi9", "seccomp"]
            report["missing"].clear()
            report["complete"] = True

    class whole_answer:  # a whole answer of its own, on the answer's stream, then gone
      def __init__(self):
        common = sys.modules["_mlgate_probe.common"]
        answer = {"result": {"ok": True, "type": "builtins.int", "seconds": 0.1,
                  "sandbox": {"mode": "auto", "applied": ["landlock-abi9", "seccomp"],
                              "missing": {}, "complete": True}}}
        data = ("\\x1emlgate-probe-answer\\x1e" + json.dumps(answer)).encode()
        os.write(common.ANSWER_FD[0], data)
        os._exit(0)
"""


@pytest.mark.parametrize("how", ["in_memory", "whole_answer"])
def test_a_load_cannot_forge_the_sandbox_report(available, repo, capsys, monkeypatch,  # noqa: F811
                                                how):
    monkeypatch.setenv("MLGATE_SANDBOX_UNAVAILABLE", "landlock")
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["proj.forge"]\n')
    (repo / "model.pkl").write_bytes(_pickled_call(repo, "proj.forge", FORGE, how))
    main(["artifact", "--no-cache", "--verbose", "--python", sys.executable, "model.pkl"])
    err = capsys.readouterr().err
    [line] = [x for x in err.splitlines() if "sandbox" in x and "model.pkl" in x]
    assert "missing landlock" in line and "landlock-abi9" not in line, line


def test_a_load_signals_no_process_but_itself_even_without_landlock(available, tmp_path,  # noqa: F811
                                                                     monkeypatch):
    """Landlock scopes signals only from ABI 6 (Linux 6.12): on older kernels the probe could
    stop or kill mlgate, and every other process of the CI job's user."""
    monkeypatch.setenv("MLGATE_SANDBOX_UNAVAILABLE", "landlock")
    proc = _apply_in_subprocess("""
        import signal, threading
        out = {}
        for name, target in (("self", os.getpid()), ("group", 0), ("parent", os.getppid()),
                             ("init", 1), ("everyone", -1)):
            try:
                os.kill(target, 0)
                out[name] = "sent"
            except PermissionError:
                out[name] = "refused"
        signal.pthread_kill(threading.get_ident(), 0)  # a thread of its own: allowed
        print(json.dumps(out))
        """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[1]) == {
        "self": "sent", "group": "sent", "parent": "refused", "init": "refused",
        "everyone": "refused"}


def test_mlgate_runs_no_program_the_repositorys_git_configuration_names(repo, capsys):  # noqa: F811
    """A probe without Landlock's write jail could add `core.fsmonitor` to .git/config; git
    runs it on `ls-files`, in mlgate's own process, with the CI job's environment."""
    marker = repo / "fsmonitor-ran"
    (repo / "train.py").write_text("x = 1\n")
    subprocess.run(["git", "add", "train.py"], cwd=repo, check=True)
    subprocess.run(["git", "config", "core.fsmonitor", f"touch {marker}; false"], cwd=repo,
                   check=True)  # after `git add`, which would run it
    assert main(["paths", "."]) == 0
    capsys.readouterr()
    assert not marker.exists()


def test_a_probe_that_loads_nothing_reads_no_project_file(available, tmp_path):  # noqa: F811
    """The environment probes (`lock`, `env`, artifact-context) read the environment only."""
    (tmp_path / "notes.txt").write_text("x")
    proc = _apply_in_subprocess(textwrap.dedent(f"""
        try:
            open({str(tmp_path / 'notes.txt')!r}).read()
            print("read")
        except PermissionError:
            print("denied")
        import json as _  # the standard library still imports
        """), tmp_path / "probe" if (tmp_path / "probe").mkdir() is None else None,
        reads={})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1:] == ["denied"]


def test_without_landlock_no_file_is_written_made_or_removed(available, tmp_path,  # noqa: F811
                                                              monkeypatch):
    """Sandbox review round 28: with Landlock missing (an older kernel, a container that
    hides it) a load wrote core.fsmonitor into .git/config, which mlgate's next git call
    ran with the CI token; .git/hooks and ~/.bashrc were as open. seccomp then refuses every
    open for writing and every call that makes, removes or renames a name."""
    monkeypatch.setenv("MLGATE_SANDBOX_UNAVAILABLE", "landlock")
    probe = tmp_path / "probe"
    probe.mkdir()
    (tmp_path / "config").write_text("[core]\n")
    proc = _apply_in_subprocess(f"""
        import os
        assert module.deny_writes(report)  # what the load calls before any project code
        out = {{}}
        for name, act in (
                ("append", lambda: open({str(tmp_path / 'config')!r}, "a")),
                ("create", lambda: open({str(tmp_path / 'new')!r}, "x")),
                ("in its folder", lambda: open("scratch", "w")),
                ("mkdir", lambda: os.mkdir({str(tmp_path / 'hooks')!r})),
                ("rename", lambda: os.rename({str(tmp_path / 'config')!r}, "moved")),
                ("unlink", lambda: os.unlink({str(tmp_path / 'config')!r})),
                ("read", lambda: open({str(tmp_path / 'config')!r}).read())):
            try:
                act()
                out[name] = "done"
            except PermissionError:
                out[name] = "refused"
        print(json.dumps(out))
        """, probe)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.splitlines()[0])
    assert "seccomp-no-writes" in report["applied"] and "landlock" in report["missing"]
    # asked to confine reads, and could not: said so, by name (sandbox review round 29)
    unconfined = json.loads(_apply_in_subprocess("", probe, {"repo": str(tmp_path)}).stdout
                            .splitlines()[0])
    assert "Landlock" in unconfined["missing"]["landlock-read"], unconfined
    assert json.loads(proc.stdout.splitlines()[1]) == {
        "append": "refused", "create": "refused", "in its folder": "refused",
        "mkdir": "refused", "rename": "refused", "unlink": "refused", "read": "done"}
    assert (tmp_path / "config").read_text() == "[core]\n"


def test_the_extra_filters_are_built_for_both_architectures():
    from mlgate import sandbox

    for name, arch in sandbox.ARCHES.items():
        program = sandbox.no_writes_program(arch)
        assert program[0] == (sandbox.BPF_LD_W_ABS, 0, 0, sandbox.DATA_ARCH), name
        assert program[-1] == (sandbox.BPF_RET_K, 0, 0, sandbox.SECCOMP_RET_ALLOW), name
        signals = sandbox.seccomp_program(arch, pid=1234)
        assert len(program) < 256 and len(signals) < 256, name
        # each signal call is followed by its own target check
        for name, number in arch["own"].items():
            at = signals.index((sandbox.BPF_JEQ_K, 0, 4 if name in sandbox.PID_ONLY else 5,
                                number))
            assert signals[at + 1] == (sandbox.BPF_LD_W_ABS, 0, 0, sandbox.DATA_ARG0_LOW)


def test_what_of_the_repository_is_readable_when_git_cannot_list_it(tmp_path):
    """Sandbox read review: a checkout git refuses (owned by another user) or a folder that
    is no repository made every top-level file readable (.env, .ssh/id_rsa)."""
    from mlgate.artifacts.read_scope import sandbox_reads

    for name in ("model.pkl", ".env", "train.py", "notes.txt"):
        (tmp_path / name).write_text("x")
    for name in (".ssh", "proj", ".venv"):
        (tmp_path / name).mkdir()
    (tmp_path / "proj" / "m.py").write_text("x")
    (tmp_path / ".ssh" / "id_rsa").write_text("x")
    (tmp_path / "proj" / ".env").write_text("x")
    assert sandbox_reads(str(tmp_path)) == {
        "repo": str(tmp_path), "trees": [], "pth": [], "narrowed": None,
        "tracked": [str(tmp_path / "proj" / "m.py"), str(tmp_path / "train.py")]}
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".venv" / "evil.pth").write_text("/root\n")
    subprocess.run(["git", "add", "-f", "notes.txt", ".venv/evil.pth"], cwd=tmp_path,
                   check=True)
    assert sandbox_reads(str(tmp_path)) == {
        "repo": str(tmp_path), "trees": [str(tmp_path / ".venv")], "narrowed": None,
        "tracked": [str(tmp_path / "notes.txt"), str(tmp_path / "proj" / "m.py"),
                    str(tmp_path / "train.py")],
        "pth": [os.path.realpath(tmp_path / ".venv" / "evil.pth")]}


def test_require_refuses_a_load_whose_reads_are_not_confined(available, repo, capsys,  # noqa: F811
                                                             monkeypatch):
    """Sandbox read review: with the repository's .git beneath a folder a load must read (a
    checkout under /usr), `landlock-read` was reported missing but `require` loaded anyway,
    and the audit said "loaded sandboxed"."""
    import joblib
    import numpy as np

    joblib.dump(np.arange(3), repo / "m.joblib")
    monkeypatch.setenv("MLGATE_SANDBOX_UNAVAILABLE", "landlock-read")
    (repo / "pyproject.toml").write_text('[tool.mlgate.artifact]\nsandbox = "require"\n')
    assert main(["artifact", "--python", sys.executable, "--no-cache", "m.joblib"]) == 2
    assert "landlock-read" in capsys.readouterr().err
    (repo / "pyproject.toml").write_text('[tool.mlgate]\nrequire = ["artifact"]\n')
    main(["audit", "--python", sys.executable, "--no-cache"])
    out = capsys.readouterr().out
    assert "incomplete sandbox (missing landlock-read)" in out, out


def _bare_environment(tmp_path_factory):
    """(a path outside everything, a new virtualenv's python, its site-packages folder)."""
    import venv

    outside = tmp_path_factory.mktemp("outside") / "written"
    env = tmp_path_factory.mktemp("env")
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print("
                           "sysconfig.get_paths()['purelib'])"], capture_output=True,
                          text=True, check=True).stdout.strip()
    return outside, python, site


def test_without_landlock_the_projects_code_writes_nothing(available, repo, capsys,  # noqa: F811
                                                           monkeypatch):
    """Sandbox review round 28 (F1), end to end: a module the artifact names, imported in the
    probe, wrote core.fsmonitor into .git/config on a machine without Landlock."""
    from test_sandbox import TRUSTS_ACTS, _trusted_act

    monkeypatch.setenv("MLGATE_SANDBOX_UNAVAILABLE", "landlock")
    before = (repo / ".git" / "config").read_bytes()
    (repo / "pyproject.toml").write_text(TRUSTS_ACTS)
    (repo / "model.pkl").write_bytes(_trusted_act(repo, "write", str(repo / ".git" / "config")))
    code, found = run(capsys, "--no-cache", "model.pkl")
    assert (code, codes(found)) == (1, ["MLG309"]), found
    assert "PermissionError" in found[0]["message"], found
    assert (repo / ".git" / "config").read_bytes() == before


def test_without_landlock_a_committed_sitecustomize_writes_nothing(available, repo, capsys,  # noqa: F811
                                                                   monkeypatch, tmp_path_factory):
    """Sandbox review round 29: in a src layout installed in editable mode, the project's
    `src/sitecustomize.py` runs when the probe's site processing does. Without Landlock,
    that came before seccomp's "no writes" filter, and it wrote a file outside the probe's
    folder. Writes are now refused before site processing starts."""
    import sysconfig

    monkeypatch.setenv("MLGATE_SANDBOX_UNAVAILABLE", "landlock")
    outside, python, site = _bare_environment(tmp_path_factory)
    # the packages this interpreter has, and the project's src folder (an editable install)
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (Path(site) / "__editable__.proj.pth").write_text(str(repo / "src") + "\n")
    (repo / "src").mkdir()
    (repo / "src" / "sitecustomize.py").write_text(
        f"open({str(outside)!r}, 'w').write('written')\n")
    (repo / "model.pkl").write_bytes(pickle.dumps({"weights": [1.0, 2.0]}, 4))
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    run(capsys, "--no-cache", "model.pkl", python=str(python))
    assert not outside.exists()


def test_a_generated_version_file_is_readable_and_other_ignored_files_are_named(
        tmp_path, monkeypatch):
    """A package built with setuptools-scm imports the `_version.py` it generated, which it
    asks to be git-ignored: a load of the project's own transformer failed on it. That file
    (by its first line) is readable; another ignored file is not, and the finding says
    which file and why instead of "load it yourself"."""
    from mlgate.artifacts.gate import _load_findings
    from mlgate.artifacts.read_scope import sandbox_reads

    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "__init__.py").write_text("from ._version import VERSION\n")
    (tmp_path / "proj" / "_version.py").write_text(
        "# file generated by setuptools-scm\n# don't change, don't track in version control\n"
        "VERSION = '1.0'\n")
    (tmp_path / "proj" / "local_version.py").write_text("TOKEN = 's3cr3t'\n")
    (tmp_path / "proj" / "_fast.cpython-311-x86_64-linux-gnu.so").write_bytes(
        b"\x7fELF" + b"\x00" * 60)  # built in place (build_ext --inplace)
    (tmp_path / "proj" / "fake.so").write_text("API_KEY=s3cr3t\n")
    (tmp_path / ".gitignore").write_text("proj/_version.py\nproj/local_version.py\n*.so\n")
    subprocess.run(["git", "add", "-A"], check=True)
    plan = sandbox_reads(str(tmp_path))
    readable = plan["tracked"] + plan["trees"]
    assert str(tmp_path / "proj" / "_version.py") in readable, plan
    assert not any("local_version" in p or "fake.so" in p for p in readable), plan
    assert any(p.endswith("x86_64-linux-gnu.so") for p in readable), plan
    denied = str(tmp_path / "proj" / "local_version.py")
    [found] = _load_findings("m.pkl", {"ok": False, "kind": "exception", "message":
                                       f"PermissionError: [Errno 13] Permission denied:"
                                       f" '{denied}'"}, "python", {}, None)
    assert found.hint.startswith("proj/local_version.py is not a file git tracks"), found.hint


def test_a_file_a_model_block_names_joins_the_grant_only_as_itself(repo, monkeypatch):  # noqa: F811
    """Sandbox review round 31 (F7): a committed `api.py -> .git/config` named as the contract
    (imported, `--contract-import`) or a `sample.parquet` link had its target added to the
    load's read grant, `--trusted-config` or not. Such a file is granted only when it is a
    regular file reached through no link, outside `.git`, that git does not ignore."""
    from mlgate.artifacts.read_scope import named_file

    (repo / ".gitignore").write_text(".env\n")
    (repo / ".env").write_text("API_KEY=s3cr3t\n")
    (repo / "gha-creds-1.json").write_text("{}")  # what a CI step leaves: untracked
    (repo / "data").mkdir()
    (repo / "data" / "sample.parquet").write_bytes(b"PAR1")
    (repo / "api.py").write_text("X = 1\n")
    os.symlink(".git/config", repo / "linked_api.py")
    os.symlink(".env", repo / "env.parquet")
    os.symlink("data/sample.parquet", repo / "tracked_link.parquet")
    os.symlink(".", repo / "ci")  # a folder link back to the root
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    root = str(repo)
    assert named_file("api.py", root) == os.path.realpath(repo / "api.py")
    assert named_file("data/sample.parquet", root) == os.path.realpath(
        repo / "data" / "sample.parquet")
    assert named_file(str(repo / "data" / "sample.parquet"), root) is not None
    for refused in ("linked_api.py", "env.parquet", "tracked_link.parquet", ".env",
                    "ci/gha-creds-1.json", "ci/api.py", "data/../.git/config", ".git/config",
                    "missing.parquet", "data", "/etc/hostname"):
        assert named_file(refused, root) is None, refused


def test_a_contract_linked_into_git_is_not_read_by_the_load(available, repo, capsys):  # noqa: F811
    """Sandbox review round 31 (F7), end to end: the API module imported for its contract is
    a committed link to .git/config; the load must not be able to read .git/config."""
    subprocess.run(["git", "config", "remote.origin.url",
                    "https://x-access-token:s3cr3t@github.com/o/r"], cwd=repo, check=True)
    (repo / "pyproject.toml").write_text(TRUSTS_PEEK)
    (repo / "model.pkl").write_bytes(_pickled_call(
        repo, "proj.peek", PEEK, "Peek", [str(repo / ".git" / "config")]))
    os.symlink(".git/config", repo / "api.py")
    (repo / "sample.json").write_text('{"a": 1}\n')
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    # latency loads the model whatever the contract's static reading says
    main(["latency", "--format", "json", "--python", sys.executable, "--no-cache",
          "--artifact", "model.pkl", "--sample", "sample.json", "--contract",
          "api.py:Request", "--contract-import"])
    out = capsys.readouterr().out
    assert "s3cr3t" not in out
    seen = [f["message"] for f in json.loads(out) if "SEEN" in f["message"]]
    assert seen and _seen(seen[0]) == ["denied"], out


def test_without_landlock_the_projects_code_does_not_run_before_writes_are_refused(
        available, repo, capsys, monkeypatch, tmp_path_factory):  # noqa: F811
    """Sandbox review round 31 (F2): without Landlock, the probe imports joblib while mlgate
    still scans, and joblib tries `import lz4`; with the project installed in editable mode,
    a committed `src/lz4.py` was found first and ran before the "no writes" filter. No
    module of the repository is imported until writes are refused."""
    import sysconfig

    import joblib

    monkeypatch.setenv("MLGATE_SANDBOX_UNAVAILABLE", "landlock")
    outside, python, site = _bare_environment(tmp_path_factory)
    # the project's src folder (an editable install) comes before the packages it uses
    (Path(site) / "__editable__.proj.pth").write_text(str(repo / "src") + "\n")
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (repo / "src").mkdir()
    (repo / "src" / "lz4.py").write_text(f"open({str(outside)!r}, 'w').write('written')\n")
    joblib.dump({"weights": [1.0, 2.0]}, repo / "model.joblib", compress=3)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    code, found = run(capsys, "--no-cache", "model.joblib", python=str(python))
    assert not outside.exists()
    assert (code, found) == (0, []), found
    # the same module installed from the repository (`pip install .`: a copy in
    # site-packages whose direct_url.json names the repository)
    (Path(site) / "__editable__.proj.pth").unlink()
    (Path(site) / "lz4.py").write_text((repo / "src" / "lz4.py").read_text())
    info = Path(site) / "proj-0.1.dist-info"
    info.mkdir()
    (info / "direct_url.json").write_text(json.dumps({"url": repo.as_uri(), "dir_info": {}}))
    (info / "RECORD").write_text("lz4.py,,\nproj-0.1.dist-info/RECORD,,\n")
    code, found = run(capsys, "--no-cache", "model.joblib", python=str(python))
    assert not outside.exists()
    assert (code, found) == (0, []), found


def test_past_the_rule_cap_no_folder_is_granted_whole_that_is_not_clean(tmp_path,
                                                                        monkeypatch):
    """Sandbox review round 31 (F1): with more readable files than Landlock rules mlgate
    installs, the top-level folders were granted whole, an ignored `.env` and a nested
    repository's `.git/config` in them too. Past the cap, the clean folders and the
    project's code stay readable, nothing else."""
    from mlgate.artifacts import read_scope

    monkeypatch.setattr(read_scope, "RULE_CAP", 6)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text(".env\n")
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "a.py").write_text("A = 1\n")
    (tmp_path / "data").mkdir()
    for i in range(8):
        (tmp_path / "data" / f"table{i}.csv").write_text("a\n1\n")
    (tmp_path / "data" / "loader.py").write_text("X = 1\n")
    (tmp_path / "data" / ".env").write_text("API_KEY=s3cr3t\n")  # ignored
    (tmp_path / "data" / "vendor").mkdir()
    subprocess.run(["git", "init", "-q"], cwd=tmp_path / "data" / "vendor", check=True)
    subprocess.run(["git", "add", ".gitignore", "clean", "data/loader.py", *(
        f"data/table{i}.csv" for i in range(8))], cwd=tmp_path, check=True)
    plan = read_scope.sandbox_reads(str(tmp_path))
    assert plan["trees"] == [str(tmp_path / "clean")]
    assert plan["tracked"] == [str(tmp_path / "data" / "loader.py")]
    assert plan["narrowed"].startswith("9 of the repository's 10 files"), plan["narrowed"]
    monkeypatch.setattr(read_scope, "RULE_CAP", 20)
    assert read_scope.sandbox_reads(str(tmp_path))["narrowed"] is None


def test_generated_protobuf_modules_and_submodule_code_are_readable(tmp_path):
    """Sandbox review round 31 (F4, F5): a service importing its ignored, generated
    `*_pb2.py` or its code in a git submodule failed to load, with a hint to commit a
    generated file. protoc's output (by its first line) and a checked-out submodule's
    tracked files are readable; an ignored file merely named like one is not."""
    from mlgate.artifacts.read_scope import sandbox_reads

    inner = tmp_path / "inner"
    inner.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=inner, check=True)
    (inner / "features.py").write_text("X = 1\n")
    subprocess.run(["git", "add", "-A"], cwd=inner, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "i"],
                   cwd=inner, check=True)
    outer = tmp_path / "outer"
    outer.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=outer, check=True)
    subprocess.run(["git", "-c", "protocol.file.allow=always", "submodule", "add", "-q",
                    str(inner), "lib"], cwd=outer, check=True, capture_output=True)
    (outer / ".gitignore").write_text("*_pb2.py\n*_pb2_grpc.py\n")
    (outer / "api_pb2.py").write_text("# -*- coding: utf-8 -*-\n# Generated by the protocol"
                                     " buffer compiler.  DO NOT EDIT!\n")
    (outer / "api_pb2_grpc.py").write_text("# Generated by the gRPC Python protocol compiler"
                                          " plugin. DO NOT EDIT!\n")
    (outer / "secrets_pb2.py").write_text("TOKEN = 's3cr3t'\n")
    subprocess.run(["git", "add", ".gitignore"], cwd=outer, check=True)
    plan = sandbox_reads(str(outer))
    readable = set(plan["tracked"]) | set(plan["trees"])
    assert {str(outer / "api_pb2.py"), str(outer / "api_pb2_grpc.py"),
            str(outer / "lib" / "features.py")} <= readable, plan
    assert str(outer / "secrets_pb2.py") not in readable


@pytest.mark.parametrize("how", ["link", "chain"])
def test_a_folder_an_editable_install_names_grants_nothing_through_a_committed_link(
        available, repo, capsys, tmp_path_factory, how):  # noqa: F811
    """Sandbox review round 35 (F1, high): the CI environment's .pth names `<repo>/src`
    (an editable install, uv's or pip's), and the pull request commits `src -> ~/.ssh`.
    The grant took the path as it resolved, outside the repository, and the load read the
    key. What a .pth names is now walked as the kernel walks it: passing through the
    repository, even in the middle of a chain of links, leaves it to the repository's
    own read plan."""
    import sysconfig

    _, python, site = _bare_environment(tmp_path_factory)
    home = tmp_path_factory.mktemp("home")
    (home / "id_rsa").write_text("private key")
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    named = repo / "src"
    if how == "chain":  # /elsewhere/src -> <repo>/src -> home: the .pth names the first
        named = tmp_path_factory.mktemp("elsewhere") / "src"
        os.symlink(repo / "src", named)
    (Path(site) / "__editable__.proj.pth").write_text(f"{named}\n")
    os.symlink(home, repo / "src")
    (repo / "pyproject.toml").write_text(TRUSTS_PEEK)
    (repo / "model.pkl").write_bytes(_pickled_call(
        repo, "proj.peek", PEEK, "Peek", [str(home / "id_rsa"), str(repo / "src" / "id_rsa"),
                                          str(named / "id_rsa")]))
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    code, found = run(capsys, "--no-cache", "model.pkl", python=str(python))
    assert (code, codes(found)) == (1, ["MLG309"]), [f["message"] for f in found]
    assert _seen(found[0]["message"]) == ["denied"] * 3, found[0]["message"]


def test_a_file_a_ci_step_rewrote_in_a_submodule_is_not_granted_either(tmp_path,
                                                                       monkeypatch):
    """Red team round 36: with --trusted-config the tracked files changed since checkout
    were held back, but `git ls-files --modified` does not recurse: a pull request added a
    submodule with a placeholder `.env`, a CI step wrote the secrets over it, and the load
    read them."""
    from mlgate.artifacts.read_scope import sandbox_reads

    git = ["git", "-c", "user.email=a@b", "-c", "user.name=a",
           "-c", "protocol.file.allow=always"]
    module = tmp_path / "sm"
    module.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=module, check=True)
    (module / ".env").write_text("PLACEHOLDER=1\n")
    (module / "app.yaml").write_text("a: 1\n")
    subprocess.run(["git", "add", "-f", ".env", "app.yaml"], cwd=module, check=True)
    subprocess.run([*git, "commit", "-qm", "p"], cwd=module, check=True)
    repo = tmp_path / "repo"  # noqa: F811 - not the fixture
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "model.py").write_text("x = 1\n")
    subprocess.run([*git, "submodule", "-q", "add", str(module), "config"], cwd=repo,
                   check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "pr"], cwd=repo, check=True)
    (repo / "config" / ".env").write_text("DB_PASSWORD=s3cr3t\n")  # the CI step

    def granted(plan) -> set[str]:
        return {os.path.relpath(p, repo) for p in plan["tracked"]} | {
            os.path.relpath(os.path.join(tree, name), repo) for tree in plan["trees"]
            for name in os.listdir(tree)}

    trusted = granted(sandbox_reads(str(repo), untracked=False))
    assert "config/app.yaml" in trusted and "model.py" in trusted, trusted
    assert "config/.env" not in trusted, trusted
    # from a git hook, whose GIT_INDEX_FILE names the outer index: the submodule was
    # compared with it, and .env granted again (red team of round 36)
    monkeypatch.setenv("GIT_INDEX_FILE", str(repo / ".git" / "index"))
    trusted = granted(sandbox_reads(str(repo), untracked=False))
    assert "config/.env" not in trusted and "config/app.yaml" in trusted, trusted
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert "config/.env" in granted(sandbox_reads(str(repo)))  # a developer's own run
