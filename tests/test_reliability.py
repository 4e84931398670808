"""Never lose, leak or hang (issue #14): bounded probes, no writes into the work tree, a cache
that heals, and configuration mistakes as one-line errors."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time

import pytest
from test_artifact_load import FEATURES, pickle_with_project_class, run

from helpers import cache_value
from mlgate.cli import main
from mlgate.config import UsageError
from mlgate.environment import _executable
from mlgate.probe import ProbeError, run_probe


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): read its state where /proc exists.
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


@pytest.mark.skipif(os.name != "posix", reason="process groups")
def test_a_probe_timeout_kills_what_the_project_python_started(tmp_path):
    pidfile = tmp_path / "child.pid"
    wrapper = tmp_path / "python"
    # A wrapper around the interpreter that leaves a child behind and never answers.
    wrapper.write_text(f"#!/bin/sh\nsleep 100000 </dev/null >/dev/null 2>&1 &\n"
                       f"echo $! > {pidfile}\nexec sleep 100000\n")
    wrapper.chmod(0o755)
    with pytest.raises(ProbeError) as caught:
        run_probe(str(wrapper), "environment", timeout=1)
    assert caught.value.kind == "timeout"
    pid = int(pidfile.read_text())
    for _ in range(100):  # the kill is sent before run_probe returns; reaping may lag
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid), "the child the project's Python started outlived the timeout"


def test_a_timeout_does_not_wait_for_a_child_that_left_the_group(tmp_path):
    """A child that started a session of its own (`setsid sleep`) escapes the group kill
    and holds the pipes: closing them waited for its read, so a 3 s load-timeout returned
    after the child's 400 s (reliability round 24). The answer must not wait for it: it is
    still alive when run_probe has returned."""
    import shutil
    import signal

    if shutil.which("setsid") is None:
        pytest.skip("no setsid here")
    pidfile = tmp_path / "child.pid"
    wrapper = tmp_path / "python"
    wrapper.write_text(f"#!/bin/sh\nsetsid sh -c 'echo $$ > {pidfile}; exec sleep 600' &\n"
                       "sleep 600\n")
    wrapper.chmod(0o755)
    with pytest.raises(ProbeError) as caught:
        run_probe(str(wrapper), "environment", timeout=1)
    assert caught.value.kind == "timeout"
    for _ in range(100):  # the shell writes its pid as it starts
        if pidfile.exists() and pidfile.read_text().strip():
            break
        time.sleep(0.1)
    pid = int(pidfile.read_text())
    try:
        assert _alive(pid), "run_probe waited for the child that left its group to end"
    finally:
        os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("command", ["env", "lock"])
def test_what_an_interpreter_wrapper_leaves_running_neither_delays_nor_outlives_it(
        tmp_path, command):
    # `sleep 300 &` then exec python: `mlgate env` waited 30 s on the pipes the child held,
    # then called the interpreter broken; every probe waited 10 s more; the child stayed.
    pidfile = tmp_path / "child.pid"
    wrapper = tmp_path / "python"
    wrapper.write_text(f"#!/bin/sh\nsleep 100000 &\necho $! > {pidfile}\n"
                       f'exec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "requirements.txt").write_text("pytest\n")
    proc = _cli([command, "--python", str(wrapper)], tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert b"did not answer" not in proc.stdout + proc.stderr
    if command == "env":
        assert b"version" in proc.stdout
    pid = int(pidfile.read_text().split()[-1])
    for _ in range(100):  # killed before mlgate answered; reaping may lag
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid), "the wrapper's child outlived the probe"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    return tmp_path


def _trusted_model(repo):
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X = np.random.RandomState(0).rand(20, 2)
    pickle_with_project_class(repo, "proj.features", FEATURES, lambda m: make_pipeline(
        m.Bucketizer(), LogisticRegression()).fit(X, (X[:, 0] > 0.5).astype(int)))
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["proj.features"]\n')


def test_loading_writes_no_bytecode_into_the_work_tree(repo, capsys):
    _trusted_model(repo)
    assert run(capsys, "model.joblib", "--no-cache") == (0, [])
    assert not list(repo.rglob("__pycache__")), "the probe wrote bytecode into the project"


def test_a_cached_load_failure_does_not_outlive_its_cause(repo, capsys):
    _trusted_model(repo)
    good = (repo / "proj" / "features.py").read_text()
    (repo / "proj" / "features.py").write_text(good + "\nraise RuntimeError('half-edited')\n")
    code, found = run(capsys, "model.joblib")  # the cache is on
    assert code == 1 and [f["code"] for f in found] == ["MLG309"]
    assert "half-edited" in found[0]["message"]
    (repo / "proj" / "features.py").write_text(good)  # as `git checkout` would restore it
    assert run(capsys, "model.joblib") == (0, [])


@pytest.mark.parametrize("text", [
    "[tool.mlgate.artifact]\nload-timeout = nan\n",
    "[tool.mlgate.artifact]\nload-timeout = inf\n",
    "[tool.mlgate.artifact]\nload-timeout = 1e300\n",
    "[tool.mlgate.latency]\nbudget-ms = -5\n",
    "[tool.mlgate.models.m]\nartifact = 'm.pkl'\nmethod = '__class__'\n",
    # (a limit that overflowed the probe's C long was blamed on the artifact; a batch of
    # 10**8 rows took 2.6 GB and its timing vanished; fit "predicted" by refitting)
    "[tool.mlgate.artifact]\nmemory-limit-mb = 9000000000000\n",
    "[tool.mlgate.models.m]\nartifact = 'm.pkl'\nbatch = 100000000\n",
    "[tool.mlgate.models.m]\nartifact = 'm.pkl'\nmethod = 'fit'\n",
    "[tool.mlgate.models.m]\nartifact = 'm.pkl'\nmethod = 'set_params'\n",
    "tool = 5  # mlgate\n",
    # (round 24: a model name holding an end marker corrupted the README section; rule
    # codes that look right but are no rule were accepted and silently did nothing)
    '[tool.mlgate.models."m\\n<!-- mlgate:operational-constraints:end -->"]\nartifact = "m.pkl"\n',
    '[tool.mlgate.models."a<b"]\nartifact = "m.pkl"\n',
    '[tool.mlgate]\nignore = ["MLG999"]\n',
    '[tool.mlgate]\nseverity = {MLG999 = "error"}\n',
    '[tool.mlgate]\nper-file-ignores = {"a.py" = ["MLG998"]}\n',
    "a = " + "[" * 3000 + "]" * 3000 + "\n[tool.mlgate]\n",
])
def test_configuration_mistakes_are_one_line_errors(repo, capsys, text):
    (repo / "pyproject.toml").write_text(text)
    (repo / "a.py").write_text("x = 1\n")
    assert main(["paths", "a.py"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mlgate: error: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("flag", [["--budget-ms", "nan"], ["--budget-ms", "-5"],
                                  ["--max-seconds", "inf"]])
def test_number_flags_refuse_what_the_configuration_refuses(repo, capsys, flag):
    with pytest.raises(SystemExit) as caught:
        main(["latency", *flag])
    assert caught.value.code == 2
    assert "must be a positive number" in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ["latency", "--budget-ms", "1"], ["schema", "--sample", "sample.json"],
    ["schema", "--contract", "api.py:Request"], ["schema", "--contract-import"],
    ["paths", "--config", "pyproject.toml", "--no-config"],
    ["paths", "--trusted-config", "HEAD", "--no-config"],
    ["paths", "--ignore", "MLG9999"],
])
def test_flags_that_cannot_be_honoured_are_errors_not_ignored(repo, capsys, args):
    # `latency --budget-ms 1` without --artifact measured the configured models against
    # their own budgets and passed; `--config X --no-config` read neither or one, silently
    (repo / "pyproject.toml").write_text("[tool.mlgate]\n")
    (repo / "sample.json").write_text("{}")
    assert main([*args, "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert "cannot both be honoured" in captured.err or "needs --artifact" in captured.err \
        or "is not a rule code" in captured.err, captured.err
    assert json.loads(captured.out)["error"]["kind"] == "usage"


def test_a_damaged_configuration_copy_under_git_is_ignored(repo, capsys):
    (repo / "pyproject.toml").write_text('[tool.mlgate]\nignore = ["MLG101"]\n')
    (repo / "a.py").write_text("DATA = '/Users/ana/x.csv'\n")
    assert main(["paths", "a.py"]) == 0
    for copy in (repo / ".git" / "mlgate-cache").glob("config-*.json"):
        copy.write_text("[" * 100000 + "]" * 100000)
    assert main(["paths", "a.py"]) == 0
    for copy in (repo / ".git" / "mlgate-cache").glob("config-*.json"):
        copy.write_text(json.dumps({"table": 5}))
    assert main(["paths", "a.py"]) == 0  # the copy heals: the pyproject.toml is read again
    assert "Traceback" not in capsys.readouterr().err


def _cli(args: list[str], cwd, **env) -> subprocess.CompletedProcess:
    environ = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "mlgate", *args], cwd=cwd,
                          capture_output=True, env=environ, check=False)


@pytest.mark.skipif(sys.platform == "darwin", reason="file names must be valid UTF-8 there")
def test_a_file_name_that_is_not_utf8_never_breaks_the_report(repo):
    name = os.fsdecode(b"caf\xe9.py")
    (repo / name).write_text("DATA = '/Users/ana/train.csv'\n")
    proc = _cli(["paths", "--format", "json", "--no-config", "."], repo)
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
    [finding] = json.loads(proc.stdout.decode("utf-8"))  # valid UTF-8, valid JSON
    assert os.fsencode(finding["path"]) == b"caf\xe9.py"
    proc = _cli(["paths", "--no-config", "."], repo, PYTHONIOENCODING="ascii:strict")
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
    assert b"MLG101" in proc.stdout


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [
    ["paths", "--no-config", "a.py"], ["audit", "--skip", "lock", "--skip", "artifact"],
    ["audit", "--format", "json", "--skip", "lock"], ["env", "--python", sys.executable],
    ["rule", "MLG101"], ["rule", "--all"],
])
def test_a_report_that_cannot_be_written_is_one_line_not_a_traceback(repo, args):
    (repo / "a.py").write_text("DATA = '/Users/ana/train.csv'\n")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "mlgate", *args], cwd=repo, stdout=full,
                              stderr=subprocess.PIPE, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.decode().startswith("mlgate: error: cannot write the report")
    assert "Traceback" not in proc.stderr.decode()


@pytest.mark.parametrize("args", [["paths", "--no-config", "a.py"],
                                  ["paths", "--format", "json", "a.py"], ["rule", "--all"]])
def test_a_closed_stdout_or_stderr_is_one_line_not_a_traceback(repo, args):
    """Reliability round 32: with fd 1 closed (`mlgate paths >&-`) Python sets sys.stdout to
    None, and every command ended in a traceback and exit 1 (read as "findings")."""
    (repo / "a.py").write_text("DATA = '/Users/ana/train.csv'\n")
    command = " ".join([sys.executable, "-m", "mlgate", *args])
    proc = subprocess.run(["bash", "-c", command + " >&-"], cwd=repo, capture_output=True,
                          check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.decode() == ("mlgate: error: cannot write the report: standard output"
                                    " is closed\n")
    proc = subprocess.run(["bash", "-c", command + " 2>&-"], cwd=repo, capture_output=True,
                          check=False)
    assert proc.returncode in (0, 1) and b"Traceback" not in proc.stdout, proc.stdout
    assert b"mlgate: error" not in proc.stdout  # nothing meant for stderr lands in it


def test_a_killed_writers_temporary_copy_is_removed_by_the_next_write(tmp_path):
    from mlgate.audit import END, START, write_readme

    readme = tmp_path / "README.md"
    readme.write_text("# P\n")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    orphan = tmp_path / f".mlgate-readme-{dead}-abc1_3xy.tmp"  # what a `kill -9` left
    orphan.write_text("half")
    living = tmp_path / f".mlgate-readme-{os.getppid()}-def456gh.tmp"  # a concurrent writer's
    living.write_text("busy")
    # reliability round 35 (R5): a user's files named alike were deleted, committed ones too
    users = [tmp_path / f".mlgate-readme-{dead}-notes.md", tmp_path / f".mlgate-readme-{dead}-"
             "abcdefgh.tmp"]
    for path in users:
        path.write_text("mine")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-f", users[1].name], cwd=tmp_path, check=True)
    write_readme(str(readme), f"{START}\nx\n{END}\n")
    assert not orphan.exists() and living.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".git") == sorted(
        ["README.md", living.name, *(p.name for p in users)])


def test_a_readme_folder_that_cannot_be_written_in_is_a_usage_error(tmp_path, monkeypatch):
    import tempfile

    from mlgate.audit import END, START, write_readme
    from mlgate.finding import UsageError

    readme = tmp_path / "README.md"
    readme.write_text("# P\n")

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")  # (chattr +i, a read-only mount)

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(UsageError, match="cannot write: Permission denied; the file is"):
        write_readme(str(readme), f"{START}\nx\n{END}\n")
    assert readme.read_text() == "# P\n"


def test_a_reader_that_stops_early_gets_no_traceback(repo):
    proc = subprocess.run(f"'{sys.executable}' -m mlgate rule --all | head -c 10", shell=True,
                          cwd=repo, capture_output=True, check=False)
    assert len(proc.stdout) == 10 and b"Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("args", [["paths", "--bogus"], ["latency", "--budget-ms", "nan"],
                                  ["audit", "--skip", "nope"], ["paths", "--color", "x"]])
@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_a_wrong_command_line_still_prints_a_document_in_machine_formats(repo, args, fmt):
    proc = _cli([*args, f"--format={fmt}"], repo)
    assert proc.returncode == 2
    document = json.loads(proc.stdout)
    assert document["error"]["kind"] == "usage" if fmt == "json" else document["runs"], document


def test_github_annotations_escape_their_properties(capsys):
    from mlgate.finding import Finding
    from mlgate.report import emit

    emit([Finding("dir,a:b.py", 3, 1, "MLG101", "50% of\nit", "error")], "github", "paths")
    out = capsys.readouterr().out
    assert out == "::error file=dir%2Ca%3Ab.py,line=3,col=1,title=MLG101::50%25 of%0Ait\n"


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_what_a_finding_quotes_cannot_act_on_a_terminal_or_a_ci_log(capsys, fmt):
    """Sandbox review round 28: an error a load raised (its text is the artifact's or the
    project's code's) is quoted in MLG309. A newline in it started a line GitHub Actions
    reads as a workflow command, and ESC sequences reached the terminal."""
    from mlgate.finding import Finding
    from mlgate.report import emit

    quoted = "boom\n::error title=forged::all clear\x1b[2J\u202egnp.ledom"
    emit([Finding("a\nb.pkl", 1, 1, "MLG309", quoted, "error", hint="x\ry")], fmt, "artifact")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert not [line for line in lines if line.startswith("::error title=forged")], out
    assert "\x1b" not in out and "\u202e" not in out and "\r" not in out
    newline = "\\n" if fmt == "text" else "%0A"  # GitHub's own escape names the real file
    assert f"{newline}::error title=forged::all clear\\x1b[2J\\u202egnp.ledom" in lines[0]
    assert lines[0].startswith(f"a{newline}b.pkl:1:1:" if fmt == "text" else
                               f"::error file=a{newline}b.pkl")


@pytest.mark.parametrize("damage", [
    {"facts": 5}, {"facts": {}, "findings": 5}, {"facts": {"versions": {"x": 5}}, "findings": []},
    {"facts": {}, "findings": [{"code": 1}]}, {"facts": {}, "findings": [], "deps": [[1]]},
    {"pins": 5}, {"pins": {"scikit-learn": [5]}},
    # reliability run 2: each a traceback or a false finding, before cache files were sealed
    {"pins": {"scikit-learn": {"a": []}}}, {"deps": None, "findings": []},
    {"deps": [], "findings": [{"extra": -1}]}, {"sha256": 1.5, "stat": [1, 2]},
    {"load": {"model": {"sample_columns": [-1]}}, "facts": {}, "findings": []},
])
def test_cache_files_of_the_wrong_structure_are_misses_not_tracebacks(repo, capsys, damage):
    import joblib

    joblib.dump({"weights": [1.0, 2.0]}, repo / "model.joblib")
    (repo / "requirements.txt").write_text("scikit-learn==1.0\n")
    assert run(capsys, "model.joblib")[0] == 0
    files = list((repo / ".git" / "mlgate-cache").glob("*.json"))
    assert files
    for path in files:
        path.write_text(json.dumps(damage))
    assert run(capsys, "model.joblib")[0] == 0  # run() asserts no traceback


def test_a_probe_answer_of_the_wrong_shape_is_an_environment_failure(tmp_path):
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\ncat > /dev/null\nprintf \'\\036mlgate-probe-answer\\036\''
                    '\necho \'{"result": [1, 2]}\'\n')
    fake.chmod(0o755)
    with pytest.raises(ProbeError) as caught:
        run_probe(str(fake), "environment", timeout=30)
    assert caught.value.kind == "crash" and "not the probe's answer" in str(caught.value)


@pytest.mark.parametrize("name", ["requirements.txt", "deps.txt"])
def test_requirements_includes_never_read_outside_the_repository(repo, capsys, monkeypatch,
                                                                 name):
    # (a requirements file known by its content, not its name, ignored its includes: the
    # refusal was silent, and what an include pinned was "in no lock")
    monkeypatch.setenv("MLGATE_TEST_SECRET", "hunter2-secret-token")
    (repo / name).write_text(
        "-r /proc/self/environ\n-r /etc/passwd\n-r ../outside.txt\n")
    (repo.parent / "outside.txt").write_text("attrs==1.0\n")
    code = main(["lock", "--format", "json", "--no-cache", "--python", sys.executable, name])
    out = capsys.readouterr().out
    assert code == 1 and "hunter2" not in out and "root:" not in out
    found = [f for f in json.loads(out) if f["code"] == "MLG200"]
    assert [f["line"] for f in found] == [1, 2, 3]
    assert all("outside the repository" in f["message"] for f in found)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_committed_symlinks_to_devices_and_fifos_are_refused_before_any_read(repo, capsys):
    (repo / "uv.lock").symlink_to("/dev/zero")
    code = main(["lock", "--format", "json", "--no-cache", "--python", sys.executable,
                 "uv.lock"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found][:1] == ["MLG200"]
    import joblib

    joblib.dump({"w": [1.0]}, repo / "model.joblib")
    os.mkfifo(repo / "sample.json")
    code = main(["schema", "--format", "json", "--no-cache", "--python", sys.executable,
                 "--artifact", "model.joblib", "--sample", "sample.json"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG400"]
    assert "not a regular file" in found[0]["message"]


def test_files_the_configuration_names_stay_inside_the_repository(repo, capsys, tmp_path_factory):
    # A pull request's pyproject.toml names a sample through a committed symlinked folder,
    # or up and out of the repository: the file was read and its keys echoed in findings.
    import joblib

    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.json").write_text('{"FAKESECRET_q9z8x7": 1}')
    (outside / "pyproject.toml").write_text("[tool.mlgate]\nFAKESECRET_q9z8x7 = 1\n")
    (repo / "ext").symlink_to(outside)
    joblib.dump({"w": [1.0]}, repo / "model.joblib")
    for sample in ("ext/secret.json", os.path.relpath(outside / "secret.json", repo),
                   str(outside / "secret.json")):
        (repo / "pyproject.toml").write_text(
            f'[tool.mlgate.models.m]\nartifact = "model.joblib"\nsample = "{sample}"\n')
        code = main(["schema", "--format", "json", "--no-cache", "--python", sys.executable])
        out = capsys.readouterr().out
        assert code == 2 and "FAKESECRET" not in out, out
        assert "outside the repository" in json.loads(out)["error"]["message"]
    # Named on the command line through the folder: refused as it is read.
    code = main(["schema", "--format", "json", "--no-cache", "--python", sys.executable,
                 "--artifact", "model.joblib", "--sample", "ext/secret.json"])
    out = capsys.readouterr().out
    assert code == 1 and "FAKESECRET" not in out and "outside the repository" in out
    # The configuration file itself, a committed symlink out of the repository.
    (repo / "pyproject.toml").unlink()
    (repo / "pyproject.toml").symlink_to(outside / "pyproject.toml")
    code = main(["paths", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 2 and "FAKESECRET" not in out and "outside the repository" in out


def test_a_parquet_sample_that_is_a_fifo_is_refused_not_waited_on(repo, capsys):
    import joblib

    joblib.dump({"w": [1.0]}, repo / "model.joblib")
    os.mkfifo(repo / "sample.parquet")  # opened as the other samples were, it blocked
    code = main(["schema", "--format", "json", "--no-cache", "--python", sys.executable,
                 "--artifact", "model.joblib", "--sample", "sample.parquet"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG400"]
    assert "not a regular file" in found[0]["message"]


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS as Linux applies it")
def test_reading_a_small_file_needs_no_more_memory_than_the_file(tmp_path):
    (tmp_path / "small.bin").write_bytes(b"\x80\x04N.")
    script = ("import resource\n"
              "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
              "from mlgate.artifacts.reading import read_bytes\n"
              f"assert read_bytes({str(tmp_path / 'small.bin')!r}) == b'\\x80\\x04N.'\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr


def test_concurrent_readme_writers_and_kills_leave_a_whole_readme(tmp_path):
    """Eight writers at once, half of them killed at once: the README is always the old one
    or one writer's whole result, never a mix, never shorter."""
    import signal

    readme = tmp_path / "README.md"
    body = "# Project\n\n" + "A line the team wrote by hand.\n" * 5000
    readme.write_text(body)
    script = ("import sys; from mlgate.audit import START, END, write_readme\n"
              "n = sys.argv[1]\n"
              "write_readme(sys.argv[2], START + '\\n' + ('writer ' + n + '\\n') * 20000"
              " + END + '\\n')\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(n), str(readme)])
             for n in range(8)]
    for proc in procs[::2]:
        proc.send_signal(signal.SIGKILL)
    for proc in procs:
        proc.wait()
    text = readme.read_text()
    assert text.startswith(body)
    tail = text[len(body):]
    assert tail == "" or any(
        tail == "\n<!-- mlgate:operational-constraints:start -->\n" + f"writer {n}\n" * 20000
        + "<!-- mlgate:operational-constraints:end -->\n" for n in range(8))


_WRITER = ("import sys; from mlgate.audit import START, END, write_readme\n"
           "n = sys.argv[1]\n"
           "write_readme(sys.argv[2], START + '\\n' + ('writer ' + n + '\\n') * 20000"
           " + END + '\\n')\n")


def _section_of(n: int) -> str:
    return ("<!-- mlgate:operational-constraints:start -->\n" + f"writer {n}\n" * 20000
            + "<!-- mlgate:operational-constraints:end -->\n")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_any_schedule_of_readme_writers_and_kills_leaves_one_whole_readme():
    """Property (#14): whatever writers run, in what overlap, and which are killed when, the
    README ends as the hand-written text with no section or with exactly one writer's
    whole section; no temporary copy of a finished writer is left behind."""
    import shutil
    import signal
    import tempfile

    from hypothesis import given, settings
    from hypothesis import strategies as st

    body = "# Project\n\n" + "A line the team wrote by hand.\n" * 3000

    @settings(max_examples=12)
    @given(st.lists(st.tuples(st.booleans(), st.integers(0, 40), st.booleans()),
                    min_size=1, max_size=5))
    def schedule(plan):
        folder = tempfile.mkdtemp()
        try:
            readme = os.path.join(folder, "README.md")
            with open(readme, "w") as handle:
                handle.write(body)
            procs = []
            for n, (killed, wait_ms, together) in enumerate(plan):
                procs.append((subprocess.Popen([sys.executable, "-c", _WRITER, str(n),
                                                readme]), killed, wait_ms))
                if not together:
                    procs[-1][0].wait()
            for proc, killed, wait_ms in procs:
                if killed:
                    time.sleep(wait_ms / 1000)
                    proc.send_signal(signal.SIGKILL)
            for proc, _, _ in procs:
                proc.wait()
            with open(readme) as handle:
                text = handle.read()
            assert text.startswith(body)
            tail = text[len(body):]
            assert tail == "" or (tail.startswith("\n") and any(
                tail[1:] == _section_of(n) for n in range(len(plan)))), tail[:200]
            finished = all(p.returncode == 0 for p, _, _ in procs)
            left = [n for n in os.listdir(folder) if n != "README.md"]
            assert not (finished and left), left
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    schedule()


def test_a_hook_run_leaves_git_status_as_it_found_it(repo, capsys, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # this process writes none either
    _trusted_model(repo)
    (repo / "sample.json").write_text(json.dumps({"x": 1}))
    before = subprocess.run(["git", "status", "--porcelain", "--ignored",
                             "--untracked-files=all"], capture_output=True,
                            text=True, check=True).stdout
    for check in ("artifact", "lock", "paths"):
        main([check, "--python", sys.executable] if check != "paths" else [check])
    capsys.readouterr()
    after = subprocess.run(["git", "status", "--porcelain", "--ignored",
                             "--untracked-files=all"], capture_output=True,
                           text=True, check=True).stdout
    assert after == before


def test_a_cache_write_cut_short_leaves_no_partial_file(tmp_path):
    # A file-size limit (as a full disk would) in the middle of a cache write: no exception,
    # no half-written file under any name, and the entry reads as a miss.
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from mlgate.artifacts.cache import Cache\n"
        "cache = Cache(sys.argv[1])\n"
        "cache.write('big.json', {'entries': ['x' * 100] * 1000})\n"
        "cache.write('small.json', {'ok': True})\n"
        "print(cache.read('big.json'), cache.read('small.json'))\n")
    folder = tmp_path / "cache"
    proc = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout.split() == ["None", "{'ok':", "True}"]
    assert sorted(os.listdir(folder)) == ["small.json"]


def test_what_a_probe_prints_costs_mlgate_bounded_memory(monkeypatch):
    """The probe's stderr (where the project's code and a load print) and its answer channel
    are read to the end, but only the answer, up to its cap, and stderr's last lines are
    kept: a module printing gigabytes cannot fill mlgate's memory."""
    import mlgate.probe as probe

    monkeypatch.setattr(probe, "MAX_ANSWER", 1 << 20)
    loud = ("import sys\nsys.stdin.read()\nfor _ in range(48):\n"
            "    sys.stderr.write('e' * 65536)\n    sys.stdout.write('o' * 65536)\n"
            "sys.stderr.write('\\nlast line')\n")
    proc = subprocess.Popen([sys.executable, "-c", loud], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = probe._exchange(proc, b"{}", 60)
    assert out == b""  # 3 MiB: more than an answer is
    assert len(err) <= probe.STDERR_TAIL
    assert err.endswith(b"more than 1 MiB on the answer channel")
    assert b"last line" in err
    quiet = subprocess.Popen([sys.executable, "-c", "import sys; print(sys.stdin.read())"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    assert probe._exchange(quiet, b'{"a": 1}', 60) == (b'{"a": 1}\n', b"")


def _die_at_call(n: int, action, armed) -> None:
    """In a forked child: run `action`, SIGKILLed just before the nth call of a C function
    made inside `armed` (module, function name); exit 0 if it gets to the end."""
    import signal

    calls = [0]

    def profile(frame, event, arg):
        if event == "c_call":
            if calls[0] == n:
                os.kill(os.getpid(), signal.SIGKILL)
            calls[0] += 1

    module, name = armed
    function = getattr(module, name)

    def arming(*args, **kwargs):
        sys.setprofile(profile)
        try:
            return function(*args, **kwargs)
        finally:
            sys.setprofile(None)

    try:
        setattr(module, name, arming)
        action()
    finally:
        os._exit(0)


def _killed_at_each_call(action, check, armed) -> int:
    """Run `action` in a forked child that SIGKILLs itself just before its Nth call of a C
    function (a write, an fsync, a rename, ...) once inside `armed` (module, function name),
    for N = 0, 1, 2, ... until it finishes; after each death, `check()` must hold. Every point
    of the write is a kill point, in order, not a timer's guess. Returns how many there were."""
    import signal

    for n in range(5000):
        pid = os.fork()
        if pid == 0:
            _die_at_call(n, action, armed)
        _, status = os.waitpid(pid, 0)
        check()
        if os.WIFEXITED(status):
            return n
        assert os.WTERMSIG(status) == signal.SIGKILL
    raise AssertionError("the write never finished")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_kill_at_any_point_of_a_readme_write_leaves_the_old_readme_or_the_new(tmp_path):
    from mlgate import audit
    from mlgate.audit import END, START, write_readme

    readme = tmp_path / "README.md"
    old = "# Project\r\n\r\nWritten by hand.\r\n" * 200 + START + "\r\nold\r\n" + END + "\r\n"
    readme.write_bytes(old.encode())
    section = START + "\n" + "new\n" * 100 + END + "\n"
    new = old.replace(START + "\r\nold\r\n" + END + "\r\n", section.replace("\n", "\r\n"))
    outcomes = set()

    def check() -> None:
        text = readme.read_bytes().decode()
        assert text in (old, new)
        outcomes.add(text == new)

    points = _killed_at_each_call(lambda: write_readme(str(readme), section), check,
                                  (audit, "_replace_atomically"))
    assert points > 5 and outcomes == {False, True}
    assert readme.read_bytes().decode() == new


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_kill_at_any_point_of_a_cache_write_leaves_a_whole_entry_or_none(tmp_path):
    from mlgate.artifacts import cache
    from mlgate.artifacts.cache import Cache

    folder = tmp_path / "cache"
    value = {"entries": ["x" * 100] * 3}
    outcomes = set()

    def check() -> None:
        # The entry's file is absent or whole (a half file would only read as a miss, but
        # it is what a careless writer leaves), and it reads back as written.
        entry = folder / "entry.json"
        assert not entry.exists() or cache_value(entry) == value
        got = Cache(str(folder)).read("entry.json")
        assert got in (None, value)
        outcomes.add(got is not None)

    points = _killed_at_each_call(lambda: Cache(str(folder)).write("entry.json", value), check,
                                  (cache.Cache, "write"))
    assert points > 3 and outcomes == {False, True}


@pytest.mark.parametrize("line", ["numpy==" + "9" * 5000, "numpy>=" + "9" * 5000,
                                  "numpy==1." + "0" * 5000 + "1"])
def test_a_version_past_pythons_digit_limit_is_a_finding_quoted_short(repo, capsys, line):
    """packaging raises a plain ValueError (int() past 4,300 digits), not InvalidVersion:
    it was a traceback and an empty stdout for --format json (reliability round 24)."""
    (repo / "requirements.txt").write_text(line + "\n")
    code = main(["lock", "--format", "json", "--python", sys.executable, "--no-cache"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    found = json.loads(captured.out)
    assert code in (1, 2) and found, found
    for finding in found:  # what it quotes is cut short, whatever it quotes
        assert all(len(v) < 700 for v in finding.values() if isinstance(v, str)), finding
    main(["lock", "--python", sys.executable, "--no-cache"])
    assert all(len(row) < 1500 for row in capsys.readouterr().out.splitlines())


@pytest.mark.parametrize("check", ["schema", "latency"])
def test_an_artifact_named_on_the_command_line_is_a_repository_file(repo, capsys, check):
    """`--artifact /dev/zero`, a folder or a file outside the repository, with no sample:
    exit 0 with a "no sample" warning (reliability round 24). Now a usage error, as a
    missing one is, in words that say which."""
    (repo / "folder").mkdir()
    for named, says in (("/dev/zero", "not a regular file"), ("folder", "a folder"),
                        ("/etc/hostname", "outside the repository"),
                        ("missing.pkl", "no such file")):
        if not os.path.exists(named) and named.startswith("/"):
            continue
        code = main([check, "--artifact", named, "--python", sys.executable, "--no-cache"])
        captured = capsys.readouterr()
        assert code == 2 and says in captured.err, (named, captured.err)
        assert "Traceback" not in captured.err


@pytest.mark.skipif(os.name != "posix", reason="a shell wrapper")
@pytest.mark.parametrize("banner", ["BANNER from a .pth file\n", "no newline, even"])
def test_an_interpreter_that_prints_at_start_up_still_answers(tmp_path, banner, capsys):
    """A .pth file or sitecustomize that prints to stdout made every probe fail ("exit
    status 0") and `mlgate env` report the banner as the version: the answer is what
    follows the probe's mark, whatever came before it."""
    from mlgate import probe
    from mlgate.probe_script import __main__ as probe_main

    assert probe.ANSWER_MARK == probe_main.ANSWER_MARK  # the two copies of one fact
    wrapper = tmp_path / "python"
    wrapper.write_text(f"#!/bin/sh\nprintf '{banner}'\nexec {sys.executable} \"$@\"\n")
    wrapper.chmod(0o755)
    answer = run_probe(str(wrapper), "environment", timeout=60)
    assert answer["markers"]["python_version"] == "{}.{}".format(*sys.version_info[:2])
    assert main(["env", "--format", "json", "--python", str(wrapper)]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "{}.{}.{}".format(
        *sys.version_info[:3])
    # and one that prints and never answers says what it printed
    silent = tmp_path / "silent"
    silent.write_text("#!/bin/sh\necho 'hello from sitecustomize'\n")
    silent.chmod(0o755)
    with pytest.raises(ProbeError) as caught:
        run_probe(str(silent), "environment", timeout=60)
    assert "'hello from sitecustomize' instead of the probe's answer" in str(caught.value)


def test_a_tracked_file_or_pyproject_that_is_no_regular_file_is_said_not_skipped(repo,
                                                                                 capsys):
    """Reliability round 32: a tracked `a.py` replaced by a FIFO was passed over in silence
    in a whole-repository run, and a pyproject.toml that is a FIFO or a folder made mlgate
    run with the default policy (audit READY) without a word."""
    from mlgate.cli import main

    (repo / "a.py").write_text("x = 1\n")
    subprocess.run(["git", "add", "a.py"], check=True)
    os.remove(repo / "a.py")
    os.mkfifo(repo / "a.py")
    assert main(["paths", "--format", "json"]) == 0  # a warning
    [found] = json.loads(capsys.readouterr().out)
    assert (found["path"], found["code"], found["severity"]) == ("a.py", "MLG001", "warning")
    os.remove(repo / "a.py")
    for make in (os.mkfifo, os.mkdir):
        make(repo / "pyproject.toml")
        assert main(["paths"]) == 2
        err = capsys.readouterr().err
        assert "pyproject.toml" in err and "not a regular file" in err, err
        (os.remove if make is os.mkfifo else os.rmdir)(repo / "pyproject.toml")


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX sessions")
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_to_mlgate_ends_the_probes_it_started(repo, tmp_path_factory, name):
    """Reliability round 32: `timeout` or a cancelled CI job sends SIGTERM; mlgate died and
    its probe (a session of its own) ran the project's code for two more minutes. Round 33:
    the same for Ctrl-C (SIGINT) and a closed terminal (SIGHUP)."""
    import signal

    number = getattr(signal, name)

    folder = tmp_path_factory.mktemp("python")
    marker = folder / "pid"
    wrapper = folder / "python"
    wrapper.write_text(f"#!/bin/sh\necho $$ > {marker}\nexec sleep 300\n")
    wrapper.chmod(0o755)
    proc = subprocess.Popen([sys.executable, "-m", "mlgate", "env", "--python", str(wrapper)],
                            cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            # as from a terminal: a background job of a script ignores SIGINT
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for _ in range(600):  # until the probe started (at most a minute)
        if marker.exists() and marker.read_text().strip():
            break
        time.sleep(0.1)
    pid = int(marker.read_text())
    proc.send_signal(number)
    assert proc.wait(timeout=60) == (130 if name == "SIGINT" else -number)
    for _ in range(600):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        raise AssertionError("the probe outlived mlgate")


@pytest.mark.parametrize("record", [
    {"findings": [], "deps": "not a list"},
    {"findings": [], "deps": [None, None]},
    {"findings": [{"path": "a", "line": "x"}], "deps": []},
    {"findings": [{"path": 1, "line": 1, "col": 1, "code": "MLG200", "message": "m",
                   "severity": "error"}], "deps": []},
    {"findings": "nothing", "deps": []},
])
def test_a_sealed_cache_entry_of_another_shape_is_a_miss(tmp_path, record):
    """Reliability round 32 (F9): a lock verdict cache entry with a valid seal but another
    shape (deps a string, a finding without its fields) was a traceback on every run."""
    from mlgate.artifacts.cache import Cache
    from mlgate.checks.lock import _cached_verdict

    cache = Cache(str(tmp_path))
    cache.write("lock-result-x.json", record)
    assert _cached_verdict(cache, "lock-result-x.json") is None


def test_a_sealed_pins_entry_of_another_shape_is_parsed_again(tmp_path, monkeypatch):
    from mlgate.artifacts import gate
    from mlgate.artifacts.cache import Cache
    from mlgate.config import Config

    (tmp_path / "requirements.txt").write_text("attrs==23.2.0\n")
    config = Config(root=str(tmp_path))
    cache = Cache(str(tmp_path / "cache"))
    first = gate._locked_versions([str(tmp_path)], config, cache)
    assert first["attrs"][0][0] == "23.2.0"
    (name,) = [n for n in os.listdir(tmp_path / "cache") if n.startswith("lock-pins-")]
    cache.write(name, {"pins": {"attrs": [[["23.2.0"], "requirements.txt"]]}})
    assert gate._locked_versions([str(tmp_path)], config, cache) == first


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_text_file_in_utf16_is_scanned_not_skipped(repo, capsys, encoding):
    """Reliability round 32 (F11): a YAML, JSON, .env or Dockerfile saved as UTF-16 (Windows
    PowerShell 5's default) passed in silence: its NULs kept every pattern from matching."""
    (repo / "config.yaml").write_bytes("data: /Users/ana/train.csv\n".encode(encoding))
    assert main(["paths", "--format", "json", "config.yaml"]) == 1
    [found] = json.loads(capsys.readouterr().out)
    assert (found["code"], found["line"], found["col"]) == ("MLG101", 1, 7), found


def test_an_answer_nested_too_deep_to_parse_is_a_probe_error(tmp_path):
    """Sandbox review round 33 (F9): an answer nested 100,000 deep (what code in a probe can
    write on its stream) raised RecursionError past the answer's parser: a traceback, and
    empty --format json/sarif output."""
    from mlgate import probe

    forged = tmp_path / "python"
    forged.write_text(f"#!/bin/sh\nexec {sys.executable} -c \"print({probe.ANSWER_MARK!r}"
                      " + '[' * 100000 + ']' * 100000)\"\n")
    forged.chmod(0o755)
    with pytest.raises(ProbeError, match="failed to run the probe"):
        run_probe(str(forged), "environment", timeout=60)


def test_verbose_lines_quote_a_committed_name_inertly(repo, capsys):
    """Sandbox review round 33 (F2): --verbose printed committed names raw: a file named
    with a newline and `::error::` wrote a GitHub workflow command into the job's log (and
    an ESC, a terminal escape)."""
    import pickle

    name = "m\n::error title=pwned::injected\x1b[2J.pkl"
    (repo / name).write_bytes(pickle.dumps([1, 2]))
    subprocess.run(["git", "add", "--", name], cwd=repo, check=True)
    main(["artifact", "--verbose", "--no-load", "--no-cache", "--python", sys.executable, name])
    err = capsys.readouterr().err
    assert "injected" in err
    assert not any(line.startswith("::") for line in err.splitlines()), err
    assert "\x1b" not in err


def test_an_open_file_limit_is_a_usage_error_not_a_finding(repo, capsys, monkeypatch):
    """Reliability round 33: under `ulimit -n 12` the artifact was 'MLG304 cannot read: Too
    many open files', a finding about a file that is fine."""
    import errno
    import pickle

    from mlgate.artifacts import reading

    (repo / "m.pkl").write_bytes(pickle.dumps([1]))
    subprocess.run(["git", "add", "m.pkl"], cwd=repo, check=True)
    real = os.open

    def exhausted(path, flags, *rest, **named):
        if str(path).endswith("m.pkl"):
            raise OSError(errno.EMFILE, "Too many open files")
        return real(path, flags, *rest, **named)

    monkeypatch.setattr(reading.os, "open", exhausted)
    code = main(["artifact", "--no-load", "--no-cache", "--python", sys.executable, "m.pkl"])
    out, err = capsys.readouterr()
    assert code == 2 and "ulimit -n" in err and "MLG304" not in out, (out, err)


SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY"


def test_files_git_does_not_hold_are_never_read_into_findings(repo, capsys):
    """Reliability round 34 (N5): `-r .env` in a pull request's requirements.txt (or
    `files = [".env"]`, or `sample = ".env"` beside a contract that declares its key an
    int) printed the ignored secret file in findings, annotations and SARIF."""
    (repo / ".gitignore").write_text(".env\n")
    (repo / ".env").write_text(SECRET + "\n")
    (repo / "extra.txt").write_text("attrs==23.2.0\n")  # untracked, not ignored
    (repo / "requirements.txt").write_text("-r .env\n-c extra.txt\n")
    subprocess.run(["git", "add", ".gitignore", "requirements.txt"], check=True)
    main(["lock", "--format", "json", "--python", sys.executable])
    out = capsys.readouterr()
    assert "wJalr" not in out.out + out.err
    messages = [f["message"] for f in json.loads(out.out)]
    assert sum("not a file git tracks" in m for m in messages) == 2, messages
    (repo / "pyproject.toml").write_text('[tool.mlgate.lock]\nfiles = [".env"]\n')
    subprocess.run(["git", "add", "pyproject.toml"], check=True)
    assert main(["lock", "--python", sys.executable]) == 2
    out = capsys.readouterr()
    assert "wJalr" not in out.out + out.err and "not a file git tracks" in out.err
    subprocess.run(["git", "rm", "-q", "-f", "pyproject.toml"], check=True)
    (repo / ".env").write_text(json.dumps({"key": SECRET}))
    (repo / "api.py").write_text("from pydantic import BaseModel\n\n\n"
                                 "class Request(BaseModel):\n    key: int\n")
    joblib = pytest.importorskip("joblib")
    from sklearn.linear_model import LogisticRegression

    joblib.dump(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), repo / "model.joblib")
    main(["schema", "--python", sys.executable, "--artifact", "model.joblib", "--sample",
          ".env", "--contract", "api.py:Request"])
    out = capsys.readouterr()
    assert "wJalr" not in out.out + out.err and "a file git ignores" in out.out, out.out


def test_an_invalid_requirement_is_quoted_as_an_excerpt(repo, capsys):
    (repo / "requirements.txt").write_text("x" * 30 + "=" + "y" * 200 + "\n")
    main(["lock", "--format", "json", "--python", sys.executable])
    [finding] = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "MLG200"]
    assert "y" * 40 not in finding["message"] and "..." in finding["message"]


@pytest.mark.parametrize("name", ["--exit-zero", "--ignore=MLG301"])
def test_under_pre_commit_a_file_named_like_an_option_is_a_file(repo, capsys, monkeypatch,
                                                                name):
    """Reliability round 34 (N1): pre-commit appends the staged files' names after the
    hook's arguments; a committed empty file named `--exit-zero` was read as the option,
    and an os.system pickle committed beside it passed check-artifact."""
    import pickle

    (repo / "evil.pkl").write_bytes(pickle.dumps(os.system))
    (repo / name).write_text("")
    subprocess.run(["git", "add", "--", "evil.pkl", name], check=True)
    monkeypatch.setenv("PRE_COMMIT", "1")
    code = main(["artifact", "--python", sys.executable, "--format", "json", "evil.pkl", name])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and "MLG301" in [f["code"] for f in found], found
    monkeypatch.delenv("PRE_COMMIT")  # by hand, an option is an option
    assert main(["artifact", "--python", sys.executable, "evil.pkl", "--exit-zero"]) == 0


def test_positions_in_long_inputs_are_found_in_one_pass():
    """Reliability round 34 (N2): each pyproject dependency's line was searched from the top
    (40,000 of them: 194 s) and each Dockerfile argument's line counted from the start (one
    RUN line of 200,000 arguments: 73 s). The same positions, from one pass."""
    from mlgate.locks.dockerfile import unpinned_installs
    from mlgate.locks.requirements import _first_lines

    toml = 'dependencies = [\n  "a==1",\n  "\\u0062==2", \'c\',\n  "a==1",\n]\n'
    assert _first_lines(toml) == {"a==1": 2, "\\u0062==2": 3, "c": 3}
    docker = "FROM python\nRUN pip install x \\\n    y==1 z\nRUN pip install w\n"
    assert unpinned_installs(docker) == [(2, 17, "x", ""), (3, 10, "z", ""), (4, 17, "w", "")]


LAZY_FEATURES = """
    from sklearn.base import BaseEstimator, TransformerMixin


    class Bucketizer(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            from proj import lazy  # imported only to predict

            return lazy.adjust(X)
    """


def test_a_module_imported_only_to_predict_is_part_of_the_cached_verdict(repo, capsys):
    """Reliability round 34 (N3): the files a verdict depends on were listed before the
    model was exercised, so a module its predict imports was not one of them: editing it
    to raise left the cached schema PASS (READY) in place."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    (repo / "proj").mkdir()
    (repo / "proj" / "lazy.py").write_text("def adjust(X):\n    return X\n")
    X = np.random.RandomState(0).rand(20, 2)
    pickle_with_project_class(repo, "proj.features", LAZY_FEATURES, lambda m: make_pipeline(
        m.Bucketizer(), LogisticRegression()).fit(X, (X[:, 0] > 0.5).astype(int)))
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["proj.features"]\n')
    (repo / "sample.json").write_text("[[0.1, 0.2]]")
    args = ["schema", "--format", "json", "--python", sys.executable, "--artifact",
            "model.joblib", "--sample", "sample.json"]
    assert main(args) == 0, capsys.readouterr()
    capsys.readouterr()
    (repo / "proj" / "lazy.py").write_text("def adjust(X):\n    raise RuntimeError('edited')\n")
    assert main(args) == 1  # the cache is on
    assert "edited" in capsys.readouterr().out


def test_a_pin_in_an_included_lock_is_part_of_the_cached_pins(repo):
    """Reliability round 34 (N7): the pins were cached on the stats of the locks named,
    not of what they include: a pin changed in `-r base.txt` left the verdict stale."""
    from mlgate.artifacts.cache import Cache
    from mlgate.artifacts.gate import _locked_versions
    from mlgate.config import Config

    (repo / "requirements.txt").write_text("-r base.txt\n")
    (repo / "base.txt").write_text("scikit-learn==1.5.0\n")
    config = Config(str(repo))
    cache = Cache(str(repo / ".cache"))
    assert _locked_versions([str(repo)], config, cache)["scikit-learn"][0][0] == "1.5.0"
    (repo / "base.txt").write_text("scikit-learn==1.4.2\n")
    assert _locked_versions([str(repo)], config, cache)["scikit-learn"][0][0] == "1.4.2"


def test_a_committed_link_to_a_file_git_does_not_hold_is_not_read(repo, capsys):
    """Review of round 34's fix: `-r extra.txt` with `extra.txt -> .env` committed (and a
    committed `requirements.txt -> .env`) read the ignored file: git tracks the link, and
    the check asked about the link, not about the file read."""
    (repo / ".gitignore").write_text(".env\n")
    (repo / ".env").write_text(SECRET + "\n")
    os.symlink(".env", repo / "extra.txt")
    (repo / "requirements.txt").write_text("-r extra.txt\n")
    subprocess.run(["git", "add", ".gitignore", "requirements.txt", "extra.txt"], check=True)
    main(["lock", "--python", sys.executable])
    out = capsys.readouterr()
    assert "wJalr" not in out.out + out.err and "not a file git tracks" in out.out, out.out
    (repo / "requirements.txt").unlink()
    os.symlink(".env", repo / "requirements.txt")
    subprocess.run(["git", "add", "requirements.txt"], check=True)
    main(["lock", "--python", sys.executable])
    out = capsys.readouterr()
    assert "wJalr" not in out.out + out.err and "not a file git tracks" in out.out, out.out


def test_bytecode_committed_beside_a_trusted_module_is_never_run(repo, capsys, tmp_path):
    """Sandbox round 34 (S6): a committed `proj/__pycache__/features.cpython-3X.pyc`
    (unchecked hash) ran instead of the reviewed `proj/features.py`. The probe compiles
    the repository's modules from their source."""
    import importlib.util
    import py_compile

    _trusted_model(repo)
    planted = tmp_path / "planted" / "features.py"
    planted.parent.mkdir()
    planted.write_text("raise RuntimeError('PLANTED bytecode ran')\n")
    cached = importlib.util.cache_from_source(str(repo / "proj" / "features.py"))
    py_compile.compile(str(planted), cfile=cached, dfile="proj/features.py",
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    subprocess.run(["git", "add", "-f", "-A"], check=True)  # committed, as the PR did
    code, found = run(capsys, "model.joblib", "--no-cache")
    assert (code, found) == (0, []), found


def test_where_git_cannot_answer_no_file_the_commit_names_is_read(repo, capsys, monkeypatch,
                                                                  tmp_path_factory):
    """Reliability round 35 (R2): the round-34 rule read a file when git gave no answer (a
    checkout owned by another user, as in a CI container running as root: "detected
    dubious ownership"; no git installed), and `-r .env` printed the secrets again."""
    (repo / ".gitignore").write_text(".env\n")
    (repo / ".env").write_text(SECRET + "\n")
    (repo / "requirements.txt").write_text("-r .env\n")
    (repo / "pyproject.toml").write_text('[tool.mlgate.lock]\nfiles = [".env"]\n')
    subprocess.run(["git", "add", "-A"], check=True)
    bin_folder = tmp_path_factory.mktemp("bin")
    (bin_folder / "git").write_text(
        "#!/bin/sh\necho \"fatal: detected dubious ownership in repository at '$PWD'\" >&2\n"
        "exit 128\n")
    (bin_folder / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ['PATH']}")
    assert main(["lock", "--python", sys.executable]) == 2  # files = [".env"]
    out = capsys.readouterr()
    assert "wJalr" not in out.out + out.err and "safe.directory" in out.err, out.err
    main(["lock", "--no-config", "--format", "json", "--python", sys.executable,
          "requirements.txt"])
    out = capsys.readouterr()
    assert "wJalr" not in out.out + out.err
    assert any("safe.directory" in f["message"] for f in json.loads(out.out)), out.out


def test_a_hook_in_a_linked_worktree_asks_git_about_the_right_checkout(tmp_path):
    """Reliability round 35 (R6): git runs a linked worktree's hooks with GIT_DIR set and no
    GIT_WORK_TREE; git then takes the current folder for the top of the work tree, so from
    a project in a subfolder every file looked untracked, and a committed `-r .env`
    printed the ignored secrets during `git commit`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@b", GIT_COMMITTER_NAME="a",
               GIT_COMMITTER_EMAIL="a@b", GIT_CONFIG_GLOBAL=os.devnull)

    def git(*args, cwd):
        return subprocess.run(["git", *args], cwd=cwd, env=env, check=True,
                              capture_output=True, text=True)

    main_tree, linked = tmp_path / "main", tmp_path / "linked"
    (main_tree / "proj").mkdir(parents=True)
    (main_tree / ".gitignore").write_text(".env\n")
    (main_tree / "proj" / "requirements.txt").write_text("attrs==23.2.0\n")
    git("init", "-q", cwd=main_tree)
    git("add", "-A", cwd=main_tree)
    git("commit", "-qm", "init", cwd=main_tree)
    git("worktree", "add", "-q", str(linked), cwd=main_tree)
    (linked / "proj" / ".env").write_text(SECRET + "\n")  # never committed
    (linked / "proj" / "requirements.txt").write_text("attrs==23.2.0\n-r .env\n")
    hook = main_tree / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\ncd proj && {shlex.quote(sys.executable)} -m mlgate lock"
                    f" --python {shlex.quote(sys.executable)}\n")
    hook.chmod(0o755)
    git("add", "proj/requirements.txt", cwd=linked)
    commit = subprocess.run(["git", "commit", "-qm", "PR"], cwd=linked, env=env,
                            capture_output=True, text=True)
    assert commit.returncode != 0, commit  # the include is refused: the commit is blocked
    assert "wJalr" not in commit.stdout + commit.stderr
    assert "not a file git tracks" in commit.stdout + commit.stderr, commit


def test_a_hook_of_an_outer_repository_run_in_a_submodule_asks_the_submodule(tmp_path):
    """Red team round 36: the project in a submodule, the outer repository's hook moving
    into it. Git gives the hook the outer index as `.git/index`; made absolute against the
    submodule, where `.git` is a file, git could answer nothing, and the `-r` include the
    submodule tracks was refused (MLG200): an honest project blocked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@b", GIT_COMMITTER_NAME="a",
               GIT_COMMITTER_EMAIL="a@b", GIT_CONFIG_GLOBAL=os.devnull)

    def git(*args, cwd):
        return subprocess.run(["git", "-c", "protocol.file.allow=always", *args], cwd=cwd,
                              env=env, check=True, capture_output=True, text=True)

    project, outer = tmp_path / "project", tmp_path / "outer"
    (project / "proj").mkdir(parents=True)
    (project / "proj" / "base.txt").write_text("attrs==23.2.0\n")
    (project / "proj" / "requirements.txt").write_text("-r base.txt\n")
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-qm", "init", cwd=project)
    outer.mkdir()
    git("init", "-q", cwd=outer)
    git("submodule", "-q", "add", str(project), "sub", cwd=outer)
    git("commit", "-qm", "sub", cwd=outer)
    hook = outer / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\ncd sub/proj && {shlex.quote(sys.executable)} -m mlgate lock"
                    f" --format json --python {shlex.quote(sys.executable)}\nexit 0\n")
    hook.chmod(0o755)
    (outer / "notes.txt").write_text("x\n")
    git("add", "notes.txt", cwd=outer)
    commit = subprocess.run(["git", "commit", "-qm", "notes"], cwd=outer, env=env,
                            capture_output=True, text=True)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    # (git gives a hook's output to stderr: the hook ran mlgate, and it answered)
    found = json.loads(commit.stderr)
    assert "MLG200" not in [f["code"] for f in found], found


def test_file_names_that_are_not_utf8_end_in_no_traceback(tmp_path):
    """Reliability round 35 (R4): a model named `churn_\\xffpipe.joblib` beside a FastAPI
    module ended every check in a UnicodeEncodeError; a README section naming such a file
    was not written."""
    from mlgate.audit import END, START, write_readme
    from mlgate.contracts.discovery import find_request_models

    name = os.fsdecode(b"churn_\xffpipe.joblib")
    api = tmp_path / "api.py"
    api.write_text("from fastapi import FastAPI\nfrom pydantic import BaseModel\n\n"
                   "app = FastAPI()\n\n\nclass Req(BaseModel):\n    x: int\n\n\n"
                   "@app.post('/predict')\ndef predict(r: Req):\n"
                   "    return load('churn_pipe.joblib')\n")
    found = find_request_models([str(api)], [str(tmp_path / name)], [str(tmp_path)])
    assert [m.spec.rsplit(":", 1)[1] for m in found] == ["Req"], found
    readme = tmp_path / "README.md"
    readme.write_text("# P\n")
    write_readme(str(readme), f"{START}\n- {name}: checked\n{END}\n")
    assert "churn_" in readme.read_text(encoding="utf-8")


CONFIGURED_FEATURES = """
    import json
    import os

    from sklearn.base import BaseEstimator, TransformerMixin

    HERE = os.path.dirname(os.path.abspath(__file__))


    class Scaled(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            with open(os.path.join(HERE, "cfg.json")) as handle:  # read only to predict
                return X * json.load(handle)["scale"]
    """


def test_a_data_file_read_to_predict_is_part_of_the_cached_verdict(repo, capsys):
    """Reliability round 35 (R1): the round-34 fix keyed the verdict on the modules the
    model imports, not on the data files it reads: a committed config changed so that every
    prediction failed, and the cached audit still said READY."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    (repo / "proj").mkdir()
    (repo / "proj" / "cfg.json").write_text('{"scale": 2}')
    X = np.random.RandomState(0).rand(20, 2)
    pickle_with_project_class(repo, "proj.features", CONFIGURED_FEATURES, lambda m: make_pipeline(
        m.Scaled(), LogisticRegression()).fit(X, (X[:, 0] > 0.5).astype(int)))
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["proj.features"]\n')
    (repo / "sample.json").write_text("[[0.1, 0.2]]")
    subprocess.run(["git", "add", "-A"], check=True)  # (the load reads tracked files only)
    args = ["schema", "--format", "json", "--python", sys.executable, "--artifact",
            "model.joblib", "--sample", "sample.json"]
    assert main(args) == 0, capsys.readouterr()
    capsys.readouterr()
    (repo / "proj" / "cfg.json").write_text('{"factor": 2}')
    assert main(args) == 1  # the cache is on
    assert "KeyError" in capsys.readouterr().out


WATCHFUL_FEATURES = """
    import json
    import os

    from sklearn.base import BaseEstimator, TransformerMixin

    HERE = os.path.dirname(os.path.abspath(__file__))


    class Scaled(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            if os.path.exists(os.path.join(HERE, "override.json")):  # only looked for
                raise ValueError("an override is present")
            if os.path.exists(os.path.join(HERE, "flags", "off")):  # in a folder not read
                raise ValueError("switched off")
            if len(os.listdir(os.path.join(HERE, "shards"))) > 1:
                raise ValueError("more than one shard")
            # `current` links to releases/v1: its `..` is releases/, not this folder
            with open(os.path.join(HERE, "current", "..", "vocab.txt")) as handle:
                if handle.read() != "ok":
                    raise ValueError("the vocabulary does not match")
            with open(os.path.join(HERE, "cfg.json")) as handle:  # a committed link
                return X * json.load(handle)["scale"]
    """


def test_what_the_model_looks_for_lists_or_reads_through_a_link_is_in_the_verdict(
        repo, capsys):
    """Red team round 36: the verdict was keyed on the resolved paths of the files read: a
    retargeted link (cfg.json -> cfg_v2.json), an optional file that appeared, and a shard
    added to a folder the model lists each left a cached PASS that a fresh run fails; and
    (round 39) a file read as `current/../vocab.txt` where `current` is a link."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    proj = repo / "proj"
    (proj / "shards").mkdir(parents=True)
    (proj / "shards" / "a.json").write_text("{}")
    (proj / "flags").mkdir()
    (proj / "flags" / ".keep").write_text("")
    (proj / "cfg_v1.json").write_text('{"scale": 2}')
    (proj / "cfg_v2.json").write_text('{"factor": 2}')
    os.symlink("cfg_v1.json", proj / "cfg.json")
    (proj / "releases" / "v1").mkdir(parents=True)
    (proj / "releases" / "vocab.txt").write_text("ok")
    os.symlink(os.path.join("releases", "v1"), proj / "current")
    X = np.random.RandomState(0).rand(20, 2)
    pickle_with_project_class(repo, "proj.features", WATCHFUL_FEATURES, lambda m: make_pipeline(
        m.Scaled(), LogisticRegression()).fit(X, (X[:, 0] > 0.5).astype(int)))
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["proj.features"]\n')
    (repo / "sample.json").write_text("[[0.1, 0.2]]")
    args = ["schema", "--format", "json", "--python", sys.executable, "--artifact",
            "model.joblib", "--sample", "sample.json"]

    def verdict() -> int:
        subprocess.run(["git", "add", "-A"], check=True)  # (the load reads tracked files)
        code = main(args)
        capsys.readouterr()
        return code

    assert verdict() == 0
    os.remove(proj / "cfg.json")
    os.symlink("cfg_v2.json", proj / "cfg.json")
    assert verdict() == 1  # the cache is on: the link's new target was seen
    os.remove(proj / "cfg.json")
    os.symlink("cfg_v1.json", proj / "cfg.json")
    assert verdict() == 0
    (proj / "override.json").write_text("{}")
    assert verdict() == 1
    os.remove(proj / "override.json")
    assert verdict() == 0
    (proj / "shards" / "b.json").write_text("{}")
    assert verdict() == 1
    os.remove(proj / "shards" / "b.json")
    assert verdict() == 0
    # red team round 37: a file looked for in a folder nothing else is read from
    (proj / "flags" / "off").write_text("")
    assert verdict() == 1
    os.remove(proj / "flags" / "off")
    assert verdict() == 0
    # red team round 39: a file read through a link and `..` is where the system found it
    (proj / "releases" / "vocab.txt").write_text("changed")
    assert verdict() == 1


def test_an_empty_python_is_an_error_not_ignored(tmp_path, monkeypatch, capsys):
    # `--python "$PY"` with PY unset: never the folder '' joins to, never silence
    monkeypatch.chdir(tmp_path)
    assert main(["artifact", "--python", ""]) == 2
    assert "--python is empty" in capsys.readouterr().err
    with pytest.raises(UsageError, match="is empty"):
        _executable("", str(tmp_path), "--python")


def test_write_readme_outside_a_repository_is_refused(tmp_path, capsys):
    (tmp_path / "README.md").write_text("# mine\n")
    assert main(["audit", str(tmp_path), "--write-readme"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err
    assert (tmp_path / "README.md").read_text() == "# mine\n"


@pytest.mark.parametrize("argv", [
    ["paths", "--trusted-config", ""], ["paths", "--config", ""],
    ["paths", "--no-config", "--config", " "], ["schema", "--artifact", ""],
    ["schema", "--sample", ""], ["latency", "--contract", ""], ["audit", "--python", ""],
])
def test_an_option_given_an_empty_value_is_an_error(tmp_path, monkeypatch, capsys, argv):
    # reliability round 37: `--trusted-config "$BASE"` with BASE empty ran on the work
    # tree's configuration, the one a pull request controls, with exit 0 and no word
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert f"{argv[-2]} is empty" in capsys.readouterr().err


def test_an_empty_trusted_config_variable_is_unset(tmp_path, monkeypatch, capsys):
    # a push build's empty base branch: the checkout is what was pushed
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLGATE_TRUSTED_CONFIG", "")
    (tmp_path / "a.py").write_text("x = 1\n")
    assert main(["paths", "a.py"]) == 0


def test_no_cache_reads_no_planted_configuration_copy(git_project, monkeypatch, capsys):
    # reliability round 37: code that ran in the checkout before (a pull request's tests)
    # wrote a copy of the parsed configuration under .git/, and `--no-cache` still used it
    import hashlib

    monkeypatch.chdir(git_project)
    (git_project / "leak.py").write_text('df = open("/Users/ana/Desktop/train.csv")\n')
    text = "[tool.mlgate]\n"
    (git_project / "pyproject.toml").write_text(text, encoding="utf-8")
    name = "config-" + hashlib.sha256(text.encode()).hexdigest()[:32] + ".json"
    body = json.dumps({"table": {"ignore": ["MLG101"]}}).encode()
    folder = git_project / ".git" / "mlgate-cache"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    assert main(["paths", "leak.py"]) == 0  # the copy rules a cached run (it is a cache)...
    assert main(["paths", "--no-cache", "leak.py"]) == 1  # ...never one that refuses caches
    assert "MLG101" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["schema", "latency"])
def test_a_file_given_that_does_not_exist_is_an_error(git_project, capsys, command):
    # reliability round 37: `mlgate latency nope.pkl` timed the configured model, exit 0
    assert main([command, "--python", sys.executable, "nope.pkl"]) == 2
    assert "nope.pkl: no such file" in capsys.readouterr().err
