"""The sandbox around the probe's load (`mlgate.sandbox`): defence in depth behind the static
scan. If a malicious artifact gets through the scan (here: a user allow-listed dangerous
globals by mistake), its load still cannot run a program, open a socket, or write a file
outside the probe's temporary folder."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import joblib
import numpy as np
import pytest
from test_artifact_load import codes, repo, run, write_module  # noqa: F401 - `repo` is a fixture

from mlgate import sandbox
from mlgate.cli import main
from mlgate.probe import SANDBOX_PATH, run_probe

DANGEROUS = '[tool.mlgate.artifact]\nallow = ["posix:system", "builtins:exec"]\n'


def _apply_in_subprocess(body: str, folder, reads=None) -> subprocess.CompletedProcess:
    """A fresh interpreter loads sandbox.py by path (as the probe does), applies it with
    `folder` writable (and `reads`), prints the report as its first line, then runs `body`."""
    script = textwrap.dedent(f"""\
        import importlib.util, json, os, sys
        spec = importlib.util.spec_from_file_location("_sandbox", {SANDBOX_PATH!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        report = module.apply({str(folder)!r}, {reads!r})
        print(json.dumps(report), flush=True)
        """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-I", "-c", script], cwd=folder,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def available(tmp_path_factory):
    """Skip unless this machine offers the full sandbox (Linux, Landlock and seccomp)."""
    if not sys.platform.startswith("linux"):
        pytest.skip(f"the in-process sandbox is Linux only (this is {sys.platform})")
    proc = _apply_in_subprocess("", tmp_path_factory.mktemp("probe"))
    report = json.loads(proc.stdout.splitlines()[0])
    if not report["complete"]:
        pytest.skip(f"Landlock or seccomp unavailable here: {report['missing']}")
    return report


KILLED = -signal.SIGSYS if hasattr(signal, "SIGSYS") else None


@pytest.mark.parametrize("body", [
    "os.execv('/bin/true', ['true'])",
    "import socket; socket.socket()",
    "import socket; socket.socketpair()",
], ids=["execv", "socket", "socketpair"])
def test_running_a_program_or_opening_a_socket_kills_the_process(available, tmp_path, body):
    # harden(): what the probe applies right before the artifact's first opcode
    proc = _apply_in_subprocess("module.harden(report)\n" + body + "\nprint('survived')",
                                tmp_path)
    assert proc.returncode == KILLED, proc.stderr
    assert "survived" not in proc.stdout


def test_after_hardening_starting_a_process_still_only_fails(available, tmp_path):
    """No process can start, so no program runs; a library that shells out while the model
    is used (threadpoolctl's `ldconfig -p`) gets an error it handles, not a killed probe."""
    marker = tmp_path / "ran"
    proc = _apply_in_subprocess(
        f'import subprocess\nmodule.harden(report)\nprint(os.system("touch {marker}") != 0)'
        + _ATTEMPTS.format(f'lambda: subprocess.run(["touch", {str(marker)!r}]), os.fork'),
        tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1:] == ["True", "denied", "denied", "survived"]
    assert not marker.exists()


# Each attempt, in a sandboxed interpreter: "denied" when it fails with EPERM.
_ATTEMPTS = """
for attempt in ({}):
    try:
        attempt()
        print("ALLOWED")
    except PermissionError:
        print("denied")
print("survived")
"""


def test_before_hardening_a_program_or_socket_only_fails(available, tmp_path):
    """While installed libraries are imported (numpy 2.0's numpy.testing runs `lscpu` at
    import), starting a program or opening a socket fails with EPERM instead of killing."""
    marker = tmp_path / "ran"
    proc = _apply_in_subprocess("import socket, subprocess\n" + _ATTEMPTS.format(
        f'lambda: subprocess.run(["touch", {str(marker)!r}]), socket.socket, os.fork'),
        tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1:] == ["denied", "denied", "denied", "survived"]
    assert not marker.exists()


def test_writes_only_inside_the_writable_folder(available, tmp_path):
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    proc = _apply_in_subprocess(f"""
        with open({str(inside / "ok.txt")!r}, "w") as handle:
            handle.write("fine")
        os.mkdir({str(inside / "sub")!r})
        for attempt in (lambda: open({str(outside / "no.txt")!r}, "w"),
                        lambda: open({str(tmp_path / "no.txt")!r}, "w"),
                        lambda: os.mkdir({str(tmp_path / "nodir")!r})):
            try:
                attempt()
                print("WROTE")
            except PermissionError:
                print("denied")
        with open(os.devnull, "w") as handle:
            handle.write("x")
        print("done")
        """, inside)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1:] == ["denied", "denied", "denied", "done"]
    assert (inside / "ok.txt").read_text() == "fine" and (inside / "sub").is_dir()
    assert not (tmp_path / "no.txt").exists() and not (tmp_path / "nodir").exists()


def test_imports_threads_and_stdout_keep_working(available, tmp_path):
    proc = _apply_in_subprocess("""
        assert "xml.dom.minidom" not in sys.modules and "decimal" not in sys.modules
        import decimal, threading, xml.dom.minidom
        seen = []
        thread = threading.Thread(target=lambda: seen.append(decimal.Decimal("1.5") * 2))
        thread.start()
        thread.join()
        print(seen, xml.dom.minidom.parseString("<a/>").documentElement.tagName)
        """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1] == "[Decimal('3.0')] a"


def test_the_report_says_what_was_applied(available, tmp_path):
    assert available["platform"] == "linux" and available["complete"] is True
    assert available["applied"][0] == "no_new_privs" and "seccomp" in available["applied"]
    assert any(name.startswith("landlock-abi") for name in available["applied"])
    if "landlock-scope" in available["applied"]:  # ABI 6+: no signal outside the sandbox
        proc = _apply_in_subprocess("""
            try:
                os.kill(os.getppid(), 0)
                print("signalled")
            except PermissionError:
                print("denied")
            """, tmp_path)
        assert proc.stdout.splitlines()[1] == "denied"


def test_unavailable_protections_are_reported_not_raised(tmp_path, monkeypatch):
    monkeypatch.setenv(sandbox.UNAVAILABLE_ENV, "1")
    proc = _apply_in_subprocess("print('loaded on')", tmp_path)
    report = json.loads(proc.stdout.splitlines()[0])
    assert report["complete"] is False and report["applied"] == []
    assert proc.stdout.splitlines()[1] == "loaded on"
    with pytest.raises(ValueError):  # a programming error does raise
        sandbox.apply(str(tmp_path / "missing"))


def test_the_filter_checks_the_architecture_first_on_both_architectures():
    for name, arch in sandbox.ARCHES.items():
        program = sandbox.seccomp_program(arch)
        assert program[0] == (sandbox.BPF_LD_W_ABS, 0, 0, sandbox.DATA_ARCH), name
        assert program[1][3] == arch["audit_arch"] and program[2][3] == 0x80000000, name
        assert program[-1] == (sandbox.BPF_RET_K, 0, 0, sandbox.SECCOMP_RET_ALLOW), name
        assert len(program) < 256  # every jump is one instruction: no offset overflows


def test_macos_profile_is_built_but_not_verified_here(tmp_path):
    prefix = sandbox.macos_command_prefix(str(tmp_path), "/usr/bin/python3")
    assert prefix[:2] == ["/usr/bin/sandbox-exec", "-p"]
    profile = prefix[2]
    assert "(deny network*)" in profile and "(deny process-exec)" in profile
    assert f'(subpath "{os.path.realpath(tmp_path)}")' in profile
    assert '(allow process-exec (literal "/usr/bin/python3")' in profile


def test_the_sandbox_source_is_part_of_the_probe_digest(tmp_path, monkeypatch):
    import mlgate.probe

    before = mlgate.probe.source_digest()
    changed = tmp_path / "sandbox.py"
    changed.write_bytes(Path(SANDBOX_PATH).read_bytes() + b"\n# changed\n")
    monkeypatch.setattr(mlgate.probe, "SANDBOX_PATH", str(changed))
    assert mlgate.probe.source_digest() != before


# --- The proof: crafted artifacts through the real CLI ---------------------------------


class _Call:
    """Pickles as a call of `function(*arguments)`: what a malicious artifact does on load."""

    def __init__(self, function, *arguments) -> None:
        self.function, self.arguments = function, arguments

    def __reduce__(self):
        return self.function, self.arguments


# A class in a module the project trusts (`trust-modules`), which acts when it is made: how a
# gap in the static layer would look to the sandbox (the scan accepts the call).
ACTS = """
    import os
    import socket


    class Act:
        def __init__(self, kind, marker):
            if kind == "program":
                os.system("touch " + marker)
            elif kind == "socket":  # were the socket opened, the marker says so
                socket.socket()
                open(marker, "w").write("x")
            elif kind == "write":
                open(marker, "w").write("x")
            elif kind == "swallow":  # catches the error it gets
                try:
                    os.system("true")
                except BaseException:
                    pass
            elif kind == "tamper":  # empties the guard's tables, then hides the attempt
                import sys
                guard = sys.modules["_mlgate_probe.load"]
                guard._RUN_EVENTS.clear()
                guard._RUN_SYMBOLS = frozenset()
                try:
                    os.system("true")
                except BaseException:
                    pass
                guard._GUARD["attempts"].clear()
            elif kind == "forge":  # then answers in the probe's name (red team round 38)
                import json
                import sys
                try:
                    os.system("true")
                except BaseException:
                    pass
                answer = sys.modules["_mlgate_probe.common"].ANSWER_FD[0]
                os.write(answer, ("\x1emlgate-probe-answer\x1e" + json.dumps({"result": {
                    "ok": True, "type": "proj.acts.Act", "warnings": [],
                    "sklearn_pickled": [], "project_files": []}})).encode())
                os._exit(0)
            elif kind == "sleep":
                import time
                time.sleep(float(marker))
            elif kind == "evaluate":  # a library function that evaluates text it is handed
                eval(marker)
            elif kind == "function":  # the same, without exec or eval
                import types
                types.FunctionType(compile(marker, "<text>", "exec"), {})()
            elif kind == "import":  # a module imported only now, in the middle of the load
                import proj.generates
            elif kind == "fill":  # files in its own folder, each under the size limit
                import time
                for n in range(int(marker)):
                    open(f"fill{n}", "wb").write(b"x" * (256 << 10))
                time.sleep(120)
            elif kind == "hidden":  # open, then unlinked: in no listing of the folder
                import time
                held = []
                for n in range(int(marker)):
                    handle = open(f"hidden{n}", "wb")
                    os.unlink(f"hidden{n}")
                    handle.write(b"x" * (256 << 10))
                    handle.flush()
                    held.append(handle)
                time.sleep(120)
            elif kind == "threads":
                import threading
                import time
                for _ in range(int(marker)):
                    threading.Thread(target=time.sleep, args=(120,), daemon=True).start()
                time.sleep(120)
    """
TRUSTS_ACTS = '[tool.mlgate.artifact]\ntrust-modules = ["proj.acts"]\n'


def _trusted_act(root, kind: str, argument: str) -> bytes:
    """A pickle of proj.acts.Act(kind, argument), the module written into `root`."""
    import importlib

    write_module(root, "proj.acts", ACTS)
    subprocess.run(["git", "add", "proj"], cwd=root, check=True)
    sys.path.insert(0, str(root))
    try:
        return pickle.dumps(_Call(importlib.import_module("proj.acts").Act, kind, argument), 4)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] == "proj"]:
            del sys.modules[name]


@pytest.mark.parametrize("kind", ["program", "socket", "write"])
def test_a_malicious_artifact_that_the_scan_lets_through_cannot_act(available, repo,  # noqa: F811
                                                                    capsys, kind):
    (repo / "pyproject.toml").write_text(TRUSTS_ACTS)
    marker = repo / "marker"  # outside the probe's temporary folder
    (repo / "model.pkl").write_bytes(_trusted_act(repo, kind, str(marker)))
    code, found = run(capsys, "model.pkl")
    assert (code, codes(found)) == (1, ["MLG309"])
    if kind == "write":
        assert "PermissionError" in found[0]["message"]
        assert "the sandbox lets a load write only in its temporary folder" in found[0]["message"]
    else:  # the probe's audit hook names what was tried; the kernel refused it
        what = "run a program (os.system)" if kind == "program" else "open a socket"
        assert found[0]["message"].startswith(f"the sandbox stopped the load: it tried to {what}")
    assert not marker.exists()


def test_a_load_that_swallows_the_refusal_is_still_stopped(available, repo, capsys):  # noqa: F811
    (repo / "pyproject.toml").write_text(TRUSTS_ACTS)
    (repo / "model.pkl").write_bytes(_trusted_act(repo, "swallow", ""))
    code, found = run(capsys, "model.pkl")
    assert (code, codes(found)) == (1, ["MLG309"])
    assert "it tried to run a program (os.system)" in found[0]["message"]


@pytest.mark.parametrize("kind", ["forge", "tamper"])
def test_a_load_the_sandbox_stopped_cannot_answer_for_itself(available, repo,  # noqa: F811
                                                            capsys, kind):
    (repo / "pyproject.toml").write_text(TRUSTS_ACTS)
    (repo / "model.pkl").write_bytes(_trusted_act(repo, kind, ""))
    code, found = run(capsys, "model.pkl")
    assert (code, codes(found)) == (1, ["MLG309"]), found
    assert "it tried to run a program (os.system)" in found[0]["message"]


@pytest.mark.parametrize(("kind", "what"), [("evaluate", "run code it carries (exec)"), (
    "function", "make a function from code (function.__new__)")])
def test_text_evaluated_during_the_load_is_stopped_before_it_runs(available, repo,  # noqa: F811
                                                                   capsys, kind, what):
    """Code a load runs could print the answer the probe would have printed: evaluated text
    is stopped before it runs, wherever in the load it happens (here in a trusted
    module, as a library function that evaluates what it is handed would)."""
    marker = repo / "marker"
    (repo / "pyproject.toml").write_text(TRUSTS_ACTS)
    (repo / "model.pkl").write_bytes(_trusted_act(
        repo, kind, f"open({str(marker)!r}, 'w').write('x')"))
    code, found = run(capsys, "model.pkl")
    assert (code, codes(found)) == (1, ["MLG309"])
    assert f"it tried to {what}" in found[0]["message"]
    assert not marker.exists()


# A load whose code prints the probe's answer for a model that loaded, and leaves.
FORGED = ("import os, sys\nsys.stdout.write('{\"result\": {\"ok\": true, \"type\": \"dict\"}}')"
          "\nsys.stdout.flush()\nopen(%r, 'w').write('x')\nos._exit(0)")


@pytest.mark.parametrize("sandbox_mode", ["auto", "off"])
def test_an_allow_listed_danger_never_passes_whatever_the_load_answers(
        available, repo, capsys, sandbox_mode):  # noqa: F811
    """F3 of review round 9: with builtins:exec allow-listed by mistake, the artifact's code
    printed a forged answer and exited, and the check passed. The artifact needs a global
    exploits are built on: an error from the static scan alone; the sandboxed load stops the
    code before it runs; with the sandbox off, nothing is loaded."""
    marker = repo / "marker"
    (repo / "pyproject.toml").write_text(DANGEROUS + f'sandbox = "{sandbox_mode}"\n')
    (repo / "model.pkl").write_bytes(pickle.dumps(_Call(exec, FORGED % str(marker)), 4))
    code, found = run(capsys, "model.pkl")
    assert code == 1
    assert found[0]["code"] == "MLG301"
    assert found[0]["message"].startswith("builtins.exec is on the allow-list, but it is what"
                                          " pickle exploits call")
    if sandbox_mode == "off":
        assert codes(found) == ["MLG301"]
        assert "it was not loaded (the sandbox is off)" in found[0]["message"]
    else:
        assert codes(found) == ["MLG301", "MLG309"]
        assert "it tried to run code it carries (exec)" in found[1]["message"]
    assert not marker.exists()


GENERATES_CODE = """
    import collections
    import dataclasses

    Pair = collections.namedtuple("Pair", "low high")  # both compile the methods they write


    @dataclasses.dataclass
    class Edges:
        low: float = 0.0
    """


def test_a_module_that_generates_code_while_the_load_imports_it_loads(available, repo,  # noqa: F811
                                                                      capsys):
    """namedtuple and dataclasses compile the methods they write: inside an import, that is
    the module's own (committed or installed) code, not the artifact's."""
    (repo / "pyproject.toml").write_text(TRUSTS_ACTS)
    (repo / "model.pkl").write_bytes(_trusted_act(repo, "import", ""))
    write_module(repo, "proj.generates", GENERATES_CODE)
    subprocess.run(["git", "add", "proj"], cwd=repo, check=True)
    assert run(capsys, "model.pkl") == (0, [])


@pytest.mark.parametrize(("kind", "count", "said"), [
    ("fill", "12", "wrote more than 1 MiB to its temporary folder"),
    ("hidden", "12", "wrote more than 1 MiB to its temporary folder"),
    ("threads", "40", "started more than 16 threads"),
])
def test_what_a_load_writes_and_starts_in_all_is_bounded(available, repo, capsys,  # noqa: F811
                                                         monkeypatch, kind, count, said):
    # Sandbox round 37: RLIMIT_FSIZE bounds one file, not their number (twelve 7 MiB files
    # under an 8 MiB limit; 4 GiB each by default), and nothing bounded threads (2,000)
    import mlgate.probe

    monkeypatch.setattr(mlgate.probe, "MAX_WORKDIR_BYTES", 1 << 20)
    monkeypatch.setattr(mlgate.probe, "MAX_THREADS", 16)
    (repo / "pyproject.toml").write_text(TRUSTS_ACTS + "load-timeout = 300\n")
    (repo / "model.pkl").write_bytes(_trusted_act(repo, kind, count))
    code, found = run(capsys, "model.pkl")
    assert (code, codes(found)) == (1, ["MLG309"]), found
    assert found[0]["message"] == f"the sandbox stopped the load: it {said}", found


def test_without_the_sandbox_the_payload_does_run(repo, capsys):  # noqa: F811
    """The same artifact with sandbox = "off": the marker appears (the test above can fail)."""
    (repo / "pyproject.toml").write_text(TRUSTS_ACTS + 'sandbox = "off"\n')
    marker = repo / "marker"
    (repo / "model.pkl").write_bytes(_trusted_act(repo, "program", str(marker)))
    main(["artifact", "--python", sys.executable, "--no-cache", "model.pkl"])
    assert marker.exists()
    # ... and the run says so, once, without --verbose: the setting may be the pull request's
    err = capsys.readouterr().err
    assert err.count("was loaded with no sandbox (sandbox = \"off\" in") == 1, err
    assert "--trusted-config" in err


def _tiny_model(folder) -> None:
    from sklearn.linear_model import LogisticRegression

    X = np.random.RandomState(0).rand(30, 3)
    joblib.dump(LogisticRegression().fit(X, (X[:, 0] > 0.5).astype(int)), folder / "m.joblib")


def test_an_ordinary_model_loads_in_the_sandbox(available, repo, capsys):  # noqa: F811
    from mlgate.artifacts.gate import ArtifactGate
    from mlgate.config import load_config

    _tiny_model(repo)
    (repo / "pyproject.toml").write_text('[tool.mlgate.artifact]\nsandbox = "require"\n')
    assert main(["artifact", "-v", "--python", sys.executable, "m.joblib"]) == 0
    err = capsys.readouterr().err
    assert "m.joblib loads as sklearn.linear_model._logistic.LogisticRegression" in err
    assert "m.joblib loaded under sandbox: no_new_privs, landlock-abi" in err
    # The record's load says which protections it ran under (JSON findings cannot: none).
    gate = ArtifactGate(load_config(start="."), sys.executable, no_cache=True)
    [(_, found, record)] = gate.check(["m.joblib"])
    assert found == [] and record["load"]["ok"]
    assert record["load"]["sandbox"]["mode"] == "require"
    assert set(record["load"]["sandbox"]["applied"]) >= {"no_new_privs", "seccomp"}


def test_require_refuses_to_load_when_the_sandbox_is_incomplete(repo, capsys,  # noqa: F811
                                                                monkeypatch):
    _tiny_model(repo)
    monkeypatch.setenv(sandbox.UNAVAILABLE_ENV, "landlock,sandbox-exec")
    (repo / "pyproject.toml").write_text('[tool.mlgate.artifact]\nsandbox = "require"\n')
    assert main(["artifact", "--python", sys.executable, "m.joblib"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'sandbox = "require"' in err[0]
    assert "landlock: disabled by MLGATE_SANDBOX_UNAVAILABLE" in err[0] or \
        "sandbox-exec: disabled" in err[0]
    # --no-load still verifies the scikit-learn pairs in the probe: sandboxed as well
    assert main(["artifact", "--no-load", "--python", sys.executable, "m.joblib"]) == 2
    assert 'sandbox = "require"' in capsys.readouterr().err
    # "auto" loads with what there is
    (repo / "pyproject.toml").write_text('[tool.mlgate.artifact]\nsandbox = "auto"\n')
    assert run(capsys, "m.joblib") == (0, [])


def test_sandbox_setting_is_validated(repo, capsys):  # noqa: F811
    (repo / "m.pkl").write_bytes(pickle.dumps([1]))
    (repo / "pyproject.toml").write_text('[tool.mlgate.artifact]\nsandbox = "maybe"\n')
    assert main(["artifact", "--python", sys.executable, "m.pkl"]) == 2
    assert "sandbox must be one of 'auto', 'require', 'off'" in capsys.readouterr().err


@pytest.mark.parametrize("function", ["system", "exec"])
def test_a_probe_given_its_payload_at_once_is_sandboxed_too(available, tmp_path, function):
    """Not only the early (prepared) probe: a payload sent at start, as for .skops files. And
    the probe alone, with no static verdict to fall back on: code handed to exec never runs,
    so the answer it would forge never prints."""
    import posix

    marker = tmp_path / "marker"
    path = tmp_path / "evil.pkl"
    if function == "system":
        data = pickle.dumps(_Call(posix.system, f"touch {shlex.quote(str(marker))}"), 4)
        allow = [["posix", "system"]]
    else:
        data = pickle.dumps(_Call(exec, FORGED % str(marker)), 4)
        allow = [["builtins", "exec"]]
    path.write_bytes(data)
    payload = {"path": str(path), "sha256": hashlib.sha256(data).hexdigest(),
               "loader": "pickle", "allow": allow,
               "sandbox": {"mode": "auto", "path": SANDBOX_PATH}}
    result = run_probe(sys.executable, "load-artifact", 120, payload, sandbox="auto")
    assert (result["ok"], result["kind"]) == (False, "stopped"), result
    assert not marker.exists()


def test_a_files_mode_owner_times_and_attributes_stay_as_they_are(available, tmp_path):
    """Review round 9: Landlock does not cover chmod, chown, utime or setxattr, and a payload
    made a file outside the folder setuid 0777 with a planted file capability."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    victim.chmod(0o600)
    before = victim.stat()
    inside = tmp_path / "probe"
    inside.mkdir()
    path = repr(str(victim))
    proc = _apply_in_subprocess("module.harden(report)\n" + _ATTEMPTS.format(
        f"lambda: os.chmod({path}, 0o4777), lambda: os.chown({path}, 65534, 65534),"
        f' lambda: os.utime({path}, (0, 0)), lambda: os.setxattr({path}, "user.x", b"1")'),
        inside)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1:] == ["denied"] * 4 + ["survived"]
    after = victim.stat()
    assert (after.st_mode, after.st_uid, after.st_mtime) == (
        before.st_mode, before.st_uid, before.st_mtime)


def test_no_capability_and_no_keyring_or_host_name_in_the_sandbox(available, tmp_path):
    """A probe run as root (a CI container) kept root's capabilities: it made a tracked file
    immutable, stored a secret in the kernel's keyring (outliving the probe) and could set
    the host's name; with CAP_SYS_PTRACE it read its parent's environment (a CI token)."""
    os.environ["MLGATE_TEST_PARENT_SECRET"] = "s3cr3t"  # the parent's, not the probe's
    try:
        proc = _apply_in_subprocess("""
            import ctypes, socket
            libc = ctypes.CDLL(None, use_errno=True)
            out = {}
            out["add_key"] = libc.syscall(248 if os.uname().machine == "x86_64" else 217,
                                          b"user", b"mlgate-test", b"x", 1, -3) == -1
            name = socket.gethostname().encode()
            out["sethostname"] = libc.sethostname(name, len(name)) == -1
            status = open("/proc/self/status").read()
            out["caps"] = [l.split()[1] for l in status.splitlines()
                           if l.startswith(("CapEff", "CapPrm"))]
            try:
                out["parent"] = "s3cr3t" in open(f"/proc/{os.getppid()}/environ").read()
            except OSError:
                out["parent"] = False
            print(json.dumps(out))
            """, tmp_path)
    finally:
        del os.environ["MLGATE_TEST_PARENT_SECRET"]
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.splitlines()[0])
    assert "no-capabilities" in report["applied"], report
    out = json.loads(proc.stdout.splitlines()[1])
    assert out == {"add_key": True, "sethostname": True, "caps": ["0" * 16] * 2,
                   "parent": False}, out


def test_code_a_commit_runs_at_interpreter_start_up_is_sandboxed_and_sees_no_secret(
        available, tmp_path, monkeypatch):
    """An editable install of a src layout puts the project's src/ on sys.path, and a
    commit's src/sitecustomize.py ran at the start of every probe before the sandbox (and in
    `mlgate lock`'s and `mlgate env`'s probes with none), with the CI job's environment."""
    marker = tmp_path / "ran.txt"
    project = tmp_path / "proj"
    (project / "src").mkdir(parents=True)
    (project / "src" / "sitecustomize.py").write_text(
        f"import os\nwith open({str(marker)!r}, 'a') as f:\n"
        "    f.write(os.environ.get('CI_TOKEN', 'no-token') + '\\n')\n")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    [site] = list(venv.glob("lib/python*/site-packages"))
    import sysconfig

    (site / "__editable__.proj-0.1.pth").write_text(
        f"{sysconfig.get_paths()['purelib']}\n{project / 'src'}\n")
    python = str(venv / "bin" / "python")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    joblib.dump(np.arange(3), project / "model.joblib")
    (project / "requirements.txt").write_text("numpy\n")
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    monkeypatch.chdir(project)
    monkeypatch.setenv("CI_TOKEN", "s3cr3t")
    for argv in (["artifact", "--no-cache", "--python", python, "model.joblib"],
                 ["lock", "--no-cache", "--python", python], ["env", "--python", python]):
        main(argv)
    assert not marker.exists(), marker.read_text()  # nothing written outside the probe


def test_the_version_probes_read_nothing_an_editable_install_names(available, tmp_path,
                                                                   monkeypatch, capsys):
    """Sandbox review round 33: the probes that read installed versions granted the folder
    an editable install's .pth names (the checkout's src/) and every symlink target in it:
    a commit's `src/leak -> ../.git` and `src/ssh -> ~/.ssh`, read by its sitecustomize,
    printed the checkout token and the key in mlgate's error."""
    secret = tmp_path / "home" / ".ssh"
    secret.mkdir(parents=True)
    (secret / "id_rsa").write_text("SSHSECRET\n")
    project = tmp_path / "proj"
    (project / "src").mkdir(parents=True)
    (project / "src" / "ssh").symlink_to(secret)
    (project / "src" / "sitecustomize.py").write_text(
        "import os, sys\nhere = os.path.dirname(os.path.abspath(__file__))\n"
        "try:\n    text = open(os.path.join(here, 'ssh', 'id_rsa')).read()\n"
        "except OSError as exc:\n    text = type(exc).__name__\n"
        "sys.stderr.write('LEAK ' + text + '\\n')\nos._exit(1)\n")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    [site] = list(venv.glob("lib/python*/site-packages"))
    (site / "__editable__.proj-0.pth").write_text(f"{project / 'src'}\n")
    python = str(venv / "bin" / "python")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    (project / "requirements.txt").write_text("numpy\n")
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    monkeypatch.chdir(project)
    for argv in (["lock", "--no-cache", "--python", python], ["env", "--python", python]):
        main(argv)
        out = capsys.readouterr()
        assert "SSHSECRET" not in out.out + out.err, argv


@pytest.mark.parametrize("abi", [1, 2])
def test_before_landlock_abi_3_no_file_outside_is_truncated(available, tmp_path, monkeypatch,
                                                            abi):
    """Sandbox review round 33: Landlock handles truncation from ABI 3 (Linux 6.2) on; on
    5.13-6.1 kernels a load truncated any file the user may write (mlgate's own sandbox.py:
    every later load ran unsandboxed), and the sandbox called itself complete."""
    if not any(a.startswith("landlock-abi") for a in available["applied"]):
        pytest.skip("no Landlock here")
    monkeypatch.setenv(sandbox.OLDER_ABI_ENV, str(abi))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    work = tmp_path / "work"
    work.mkdir()
    proc = _apply_in_subprocess(f"""\
        import os
        tried = []
        for how in ("truncate", "o_trunc"):
            try:
                if how == "truncate":
                    os.truncate({str(victim)!r}, 0)
                else:
                    os.close(os.open({str(victim)!r}, os.O_RDONLY | os.O_TRUNC))
                tried.append(how + ": done")
            except OSError as exc:
                tried.append(how + ": " + type(exc).__name__)
        with open(os.path.join(os.getcwd(), "own.txt"), "x") as f:  # its folder: writable
            f.write("new")
        print(tried)
        """, work, reads={"repo": str(tmp_path), "trees": [], "tracked": [str(victim)]})
    report = json.loads(proc.stdout.splitlines()[0])
    assert f"landlock-abi{abi}" in report["applied"], report
    assert victim.read_text() == "keep me\n", proc.stdout + proc.stderr
    assert "seccomp-no-truncate" in report["applied"], report
    assert (work / "own.txt").read_text() == "new"


def test_no_kernel_ipc_object_outlives_the_probe(available, tmp_path):
    """Sandbox review round 31 (F3): a load could make a POSIX message queue (and SysV IPC
    objects), which live in the kernel after the probe has exited; round 32: it could read,
    write and destroy another program's SysV objects, found by index."""
    proc = _apply_in_subprocess("""
        import ctypes, ctypes.util
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        rt = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1", use_errno=True)
        rt.mq_open.restype = ctypes.c_int
        queue = rt.mq_open(b"/mlgate_probe_q", os.O_CREAT | os.O_RDWR, 0o600, None)
        results = [queue, ctypes.get_errno()]
        results.append(libc.semget(0x5EED, 1, 0o1600))  # IPC_CREAT | 0600
        # an existing object of another program, by index (SHM_STAT, MSG_STAT: no key)
        buffer = ctypes.create_string_buffer(512)
        for call in (lambda: libc.shmctl(0, 13, buffer), lambda: libc.msgctl(0, 11, buffer),
                     lambda: libc.semctl(0, 0, 19), lambda: libc.shmdt(None)):
            ctypes.set_errno(0)
            results.append(call() == -1 and ctypes.get_errno())
        print(json.dumps(results))
        """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    queue, error, semaphore, *others = json.loads(proc.stdout.splitlines()[1])
    assert (queue, error, semaphore) == (-1, errno.EPERM, -1)
    assert others == [errno.EPERM] * 4  # (EINVAL without the filter: no such object)


def test_no_other_process_is_signalled_limited_or_rescheduled(available, tmp_path):
    """Sandbox review round 32 (F3, F4): prlimit64 on mlgate's pid set its open-file limit
    to 0 (and a CPU limit killed another program); a pipe whose SIGIO owner was another
    process, with F_SETSIG SIGKILL, had the kernel kill it past the signal filter."""
    proc = _apply_in_subprocess("""
        import fcntl, resource, termios
        parent = os.getppid()
        results = {}
        def attempt(name, call):
            try:
                call()
                results[name] = "allowed"
            except PermissionError:
                results[name] = "refused"
            except OSError as exc:
                results[name] = type(exc).__name__
        read, write = os.pipe()
        attempt("own_limit", lambda: resource.prlimit(0, resource.RLIMIT_CORE, (0, 0)))
        attempt("parent_limit", lambda: resource.prlimit(parent, resource.RLIMIT_NOFILE))
        attempt("own_affinity", lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)))
        attempt("parent_affinity", lambda: os.sched_setaffinity(parent, {0}))
        attempt("priority", lambda: os.setpriority(os.PRIO_PROCESS, parent, 0))
        attempt("setown", lambda: fcntl.fcntl(read, fcntl.F_SETOWN, parent))
        attempt("setsig", lambda: fcntl.fcntl(read, 10, 9))  # F_SETSIG, SIGKILL
        attempt("fiosetown", lambda: fcntl.ioctl(read, 0x8901, parent.to_bytes(4, "little")))
        attempt("getflags", lambda: fcntl.fcntl(read, fcntl.F_GETFL))
        print(json.dumps(results))
        """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[1]) == {
        "own_limit": "allowed", "parent_limit": "refused", "own_affinity": "allowed",
        "parent_affinity": "refused", "priority": "refused", "setown": "refused",
        "setsig": "refused", "fiosetown": "refused", "getflags": "allowed"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl")
def test_mlgate_is_not_dumpable_once_a_probe_ran(tmp_path):
    """Sandbox review round 32 (F2): without Landlock, a probe of a CI user without
    capabilities read mlgate's environment and memory through /proc/<ppid>/. mlgate makes
    itself non-dumpable before any probe: those files then need CAP_SYS_PTRACE."""
    script = ("import ctypes, sys\n"
              "from mlgate.probe import run_probe\n"
              "libc = ctypes.CDLL(None)\n"
              "before = libc.prctl(3, 0, 0, 0, 0)\n"  # PR_GET_DUMPABLE
              "run_probe(sys.executable, 'environment', 60)\n"
              "print(before, libc.prctl(3, 0, 0, 0, 0))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    assert proc.stdout.split() == ["1", "0"], proc.stderr


@pytest.mark.parametrize("mode", ["auto", "require"])
def test_a_damaged_sandbox_module_refuses_the_load_in_every_mode(tmp_path, mode):
    """Sandbox review round 33: a load that truncated mlgate's sandbox.py made every later
    load under "auto" run with nothing applied. A sandbox module that cannot be applied
    now refuses the load, whatever the mode."""
    damaged = tmp_path / "sandbox.py"
    damaged.write_text("")  # truncated: no apply()
    script = textwrap.dedent(f"""\
        import json
        from mlgate.probe_script.load import load_artifact
        print(json.dumps(load_artifact({{"sandbox": {{"mode": {mode!r},
                                                      "path": {str(damaged)!r}}}}})))
        """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    answer = json.loads(proc.stdout.splitlines()[-1])
    assert answer["ok"] is False and answer["kind"] == "sandbox", answer
    assert "reinstall mlgate" in answer["message"], answer


def test_without_landlock_a_committed_sitecustomize_in_a_repo_venv_writes_nothing(
        tmp_path, monkeypatch, capsys):
    """Sandbox review round 33 (F13): a `.venv/` at the repository's root, where mlgate
    finds it, with a sitecustomize.py the commit carries (`git add -f`): it lay beneath the
    interpreter's prefix, passed for the interpreter's own, and ran before the no-writes
    filter of the mode without Landlock."""
    marker = tmp_path / "written.txt"
    project = tmp_path / "proj"
    project.mkdir()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(project / ".venv")],
                   check=True)
    [site] = list((project / ".venv").glob("lib/python*/site-packages"))
    (site / "sitecustomize.py").write_text(
        f"try:\n    open({str(marker)!r}, 'a').write('written')\nexcept OSError:\n    pass\n")
    (project / "model.pkl").write_bytes(pickle.dumps({"threshold": 0.5}))
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "-f", "model.pkl", str(site / "sitecustomize.py")],
                   cwd=project, check=True)
    monkeypatch.chdir(project)
    monkeypatch.setenv(sandbox.UNAVAILABLE_ENV, "landlock")
    main(["artifact", "--no-cache", "model.pkl"])
    capsys.readouterr()
    assert not marker.exists()


def test_a_load_that_crashes_under_an_incomplete_sandbox_is_noted_too(repo, capsys,  # noqa: F811
                                                                      monkeypatch):
    """Sandbox review round 33 (F8): the once-a-run note about a load with less containment
    than asked for was printed only for a load that answered; one that crashed (as an
    exfiltrating one does) got the MLG309 line alone, without a word about the sandbox."""
    from mlgate.artifacts import gate

    monkeypatch.setattr(gate, "_TOLD", [])
    monkeypatch.setenv(sandbox.UNAVAILABLE_ENV, "landlock,sandbox-exec")
    (repo / "pyproject.toml").write_text('[tool.mlgate.artifact]\nallow = ["posix:_exit"]\n')
    (repo / "m.pkl").write_bytes(b"\x80\x04cposix\n_exit\nK\x03\x85R.")
    code = main(["artifact", "--no-cache", "--python", sys.executable, "m.pkl"])
    out, err = capsys.readouterr()
    assert code == 1 and "MLG309" in out, out
    assert "m.pkl was loaded in an incomplete sandbox (missing landlock" in err, err


def test_no_memory_file_watch_or_inode_flag_change_in_the_sandbox(available, tmp_path):
    """Sandbox review round 33: a load held 1 GB in a memfd under a 100 MB memory limit (its
    pages are not in the address space the limit counts), watched folders it may not list
    (inotify: others' file names), and set inode flags (chattr) on a file it had opened
    read-only: Landlock covers none of them. (errno 1: EPERM)"""
    victim = tmp_path / "victim.txt"
    victim.write_text("x")
    work = tmp_path / "work"
    work.mkdir()
    proc = _apply_in_subprocess(f"""\
        import array, fcntl, os
        tried = {{}}
        try:
            os.close(os.memfd_create("hold"))
            tried["memfd"] = "made"
        except OSError as exc:
            tried["memfd"] = type(exc).__name__
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        tried["inotify"] = "made" if libc.inotify_init1(0) >= 0 else ctypes.get_errno()
        fd = os.open({str(victim)!r}, os.O_RDONLY)
        try:
            fcntl.ioctl(fd, 0x40086602, array.array("l", [0]))
            tried["setflags"] = "done"
        except OSError as exc:
            tried["setflags"] = type(exc).__name__
        print(tried)
        """, work, reads={"repo": str(tmp_path), "trees": [], "tracked": [str(victim)]})
    assert proc.stdout.splitlines()[1:] == [str({"memfd": "PermissionError", "inotify": 1,
                                                "setflags": "PermissionError"})], proc.stderr


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_probe_dies_with_the_mlgate_that_started_it(repo, tmp_path_factory):  # noqa: F811
    """Sandbox review round 35 (F2): mlgate killed with SIGKILL (an OOM killer, a CI runner
    that gives up) left its probe running a load under init, with no deadline but an alarm
    the load can block; and a SIGTERM left the probe's temporary folder behind."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux's")
    (repo / "model.pkl").write_bytes(_trusted_act(repo, "sleep", "600"))
    # (and with the sandbox off: the probe outlived a SIGKILLed mlgate, red team round 36)
    for mode, how in (("auto", signal.SIGKILL), ("auto", signal.SIGTERM),
                      ("off", signal.SIGKILL)):
        (repo / "pyproject.toml").write_text(
            f'[tool.mlgate.artifact]\ntrust-modules = ["proj.acts"]\nload-timeout = 600\n'
            f'sandbox = "{mode}"\n')
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        temp = tmp_path_factory.mktemp("tmp")  # (a SIGKILL leaves the folder: nothing runs)
        mlgate = subprocess.Popen(
            [sys.executable, "-m", "mlgate", "artifact", "--no-cache", "--python",
             sys.executable, "model.pkl"], cwd=repo, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={**os.environ, "TMPDIR": str(temp)})
        try:
            for _ in range(1200):  # until the probe is loading (at most two minutes)
                probes = [p for p in _children(mlgate.pid) if _alive(p) and b"load-artifact" in
                          Path(f"/proc/{p}/cmdline").read_bytes()]
                if probes:
                    break
                time.sleep(0.1)
            time.sleep(2)  # past its sandbox, in the load
            assert all(_alive(p) for p in probes)
            mlgate.send_signal(how)
            mlgate.wait(timeout=60)
            for _ in range(600):
                if not any(_alive(p) for p in probes):
                    break
                time.sleep(0.1)
            else:
                for p in probes:
                    os.kill(p, signal.SIGKILL)
                raise AssertionError(f"the probe outlived mlgate ({how.name}, {mode})")
        finally:
            mlgate.kill()
            mlgate.wait()
        if how == signal.SIGTERM:
            assert not list(temp.iterdir()), "the probe's folder was left behind"


def test_only_the_ioctl_requests_a_load_makes_pass_and_the_death_signal_stays(available,
                                                                               tmp_path):
    """Sandbox review round 36: ioctl was a deny-list. btrfs makes subvolumes and snapshots
    through a folder opened read-only (Landlock does not check them): one snapshotted into
    site-packages as sitecustomize ran later with no sandbox; without Landlock, root made
    loop devices and used userfaultfd and kvm. Only listed requests pass now. And the load
    cleared its parent-death signal, to outlive a killed mlgate."""
    victim = tmp_path / "victim.txt"
    victim.write_text("x")
    work = tmp_path / "work"
    work.mkdir()
    proc = _apply_in_subprocess(f"""\
        import array, ctypes, errno, fcntl, os
        tried = {{}}
        fd = os.open({str(victim)!r}, os.O_RDONLY)
        for name, request in (("fioqsize", 0x5460), ("btrfs_subvol_create", 0x5000940E),
                              ("tcgets", 0x5401), ("fionread", 0x541B)):
            try:
                fcntl.ioctl(fd, request, bytearray(1024))
                tried[name] = "done"
            except OSError as exc:
                tried[name] = errno.errorcode[exc.errno]
        libc = ctypes.CDLL(None, use_errno=True)
        done = libc.prctl(1, 0, 0, 0, 0)  # PR_SET_PDEATHSIG, 0: cleared
        tried["pdeathsig"] = "cleared" if done == 0 else errno.errorcode[ctypes.get_errno()]
        signal = ctypes.c_int(-1)
        libc.prctl(2, ctypes.byref(signal), 0, 0, 0)  # PR_GET_PDEATHSIG
        tried["signal"] = signal.value
        print(tried)
        """, work, reads={"repo": str(tmp_path), "trees": [], "tracked": [str(victim)]})
    assert proc.stdout.splitlines()[1:] == [str({
        "fioqsize": "EPERM", "btrfs_subvol_create": "EPERM",
        "tcgets": "ENOTTY",  # passed to the kernel: a file is no terminal
        "fionread": "done", "pdeathsig": "EPERM", "signal": 9})], proc.stdout + proc.stderr
