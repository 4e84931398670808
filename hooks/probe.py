"""The doorway into the project's environment: run `probe_script` in the project's interpreter.

pre-commit runs hooks in an environment of its own, so nothing about the project's installed
packages can be learned by importing in this process. The probe runs in a subprocess: isolated
mode (no PYTHON* variables, no user site, no script folder on sys.path), from a temporary folder
outside the repository, with a timeout, and answers in JSON.
"""

from __future__ import annotations

import atexit
import json
import os
import sys

from mlgate.finding import EnvironmentFailure

DEFAULT_TIMEOUT = 60.0
_DIGESTS: dict[tuple[str, str], str] = {}
# The load's sandbox (standard library only): the probe loads it by this path.
SANDBOX_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox.py")



class _Workdir:
    """The probe's temporary folder, removed without recursion or paths: whatever the load
    left in it (a chain of 3,000 folders made TemporaryDirectory's cleanup raise
    RecursionError, print a traceback and leave the folder: sandbox round 34, S4)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def cleanup(self) -> None:
        if self.name:
            remove_tree(self.name)
            self.name = ""


def remove_tree(top: str) -> None:
    """Remove a folder and everything in it, one open folder at a time (by descriptor, so
    no path grows past PATH_MAX), symlinks never followed; what cannot be removed stays."""
    import stat
    from contextlib import suppress

    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(top, flags)
    except OSError:
        return
    names: list[str] = []  # the path from `top` down to the folder `fd` is
    stuck: set[tuple[int, int]] = set()  # folders that could not be emptied
    try:
        while True:
            child = None
            try:
                with os.scandir(fd) as entries:
                    for entry in entries:
                        try:
                            folder = entry.is_dir(follow_symlinks=False)
                            if folder and (entry.inode(), len(names)) not in stuck:
                                child = entry.name
                                break
                            if not folder:
                                os.unlink(entry.name, dir_fd=fd)
                        except OSError:
                            pass
            except OSError:
                pass
            if child is not None:
                with suppress(OSError, NotImplementedError):
                    os.chmod(child, stat.S_IRWXU, dir_fd=fd)  # (a load may have locked it)
                try:
                    inner = os.open(child, flags, dir_fd=fd)
                except OSError:
                    stuck.add((os.stat(child, dir_fd=fd, follow_symlinks=False).st_ino,
                               len(names)))
                    continue
                os.close(fd)
                fd, names = inner, [*names, child]
                continue
            if not names:
                break
            parent = os.open("..", flags, dir_fd=fd)
            os.close(fd)
            fd, name = parent, names.pop()
            try:
                os.rmdir(name, dir_fd=fd)
            except OSError:
                with suppress(OSError):
                    stuck.add((os.stat(name, dir_fd=fd, follow_symlinks=False).st_ino,
                               len(names)))
    except OSError:
        pass
    finally:
        os.close(fd)
    with suppress(OSError):
        os.rmdir(top)

class ProbeError(EnvironmentFailure):
    """The project's interpreter could not answer: a clear one-line error.

    `kind` says why ('timeout', 'crash', 'missing', 'error'). 'missing' (no such interpreter)
    is a configuration mistake, exit 2; the others are failures of the environment, exit 3.
    The artifact check turns a load that times out or crashes into a finding instead.
    """

    def __init__(self, message: str, kind: str = "error", returncode: int | None = None) -> None:
        super().__init__(message)
        self.kind, self.returncode = kind, returncode
        self.sandbox: dict | None = None  # what a load that crashed reported it ran under


PROBE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe_script")
PROBE_MAIN = os.path.join(PROBE_DIR, "__main__.py")


def source_digest() -> str:
    """Changes with the probe's code (and its sandbox's): part of every cache key whose answer
    the probe gives. From the files' stats, as git's index tells a change, not their bytes:
    warm hook runs read no source."""
    where = (PROBE_DIR, SANDBOX_PATH)
    if where not in _DIGESTS:
        import hashlib

        stats = []
        for path in [*sorted(os.path.join(PROBE_DIR, n) for n in os.listdir(PROBE_DIR)
                             if n.endswith(".py")), SANDBOX_PATH]:
            st = os.stat(path)
            stats.append(f"{path}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}")
        text = "\n".join(stats).encode("utf-8", "surrogateescape")
        _DIGESTS[where] = hashlib.sha256(text).hexdigest()[:16]
    return _DIGESTS[where]


def _sandbox_exec(mode: str | None, workdir: str, python: str) -> list[str]:
    """macOS: the prefix that starts a sandboxed probe under sandbox-exec (see
    mlgate.sandbox; not verified on a Mac). Elsewhere the probe sandboxes itself: []."""
    import sys

    if mode in (None, "off") or sys.platform != "darwin":
        return []
    from mlgate import sandbox

    if not os.path.exists(sandbox.SANDBOX_EXEC):
        return []
    return sandbox.macos_command_prefix(workdir, python)


# What a load's probe sees of mlgate's environment: what interpreters, numerical libraries and
# the sandbox read, never the rest (CI secrets, tokens, cloud credentials). An artifact that
# got as far as reading memory or running code finds nothing there worth leaking.
_LOAD_ENV_NAMES = frozenset({
    "PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP", "LD_LIBRARY_PATH",
    "DYLD_LIBRARY_PATH", "SYSTEMROOT", "WINDIR", "USERPROFILE", "APPDATA", "LOCALAPPDATA",
    "VIRTUAL_ENV", "CONDA_PREFIX", "SSL_CERT_FILE", "NO_COLOR",
})
_LOAD_ENV_PREFIXES = ("LC_", "OMP_", "MKL_", "OPENBLAS_", "KMP_", "NUMEXPR_", "JOBLIB_",
                      "SKLEARN_", "NUMBA_", "MLGATE_SANDBOX_")


def _load_may_see(name: str) -> bool:
    return name in _LOAD_ENV_NAMES or name.startswith(_LOAD_ENV_PREFIXES)


def probe_environment() -> dict:
    """The environment any process in the project's interpreter gets: no secrets."""
    return {k: v for k, v in os.environ.items() if _load_may_see(k)}


PR_SET_DUMPABLE = 4


def _undumpable() -> None:
    """Make mlgate's own process non-dumpable (Linux), once, before a probe starts: its
    /proc files (environ, mem) then need CAP_SYS_PTRACE to read, which no probe has. With
    Landlock the sandbox forbids those reads anyway; without it, a probe of a CI user
    without capabilities read mlgate's environment (GITHUB_TOKEN) through
    /proc/<ppid>/environ and its memory through /proc/<ppid>/mem (sandbox review round 32).
    Core dumps of mlgate are off from then on."""
    if _UNDUMPABLE or not sys.platform.startswith("linux"):
        return
    _UNDUMPABLE.append(True)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # no libc to ask: the sandbox's report says what protects the load


_UNDUMPABLE: list = []


class PendingProbe:
    """A probe started in the background: mlgate parses the locks while it runs.

    With `prepare`, the probe starts before its payload is known: it gets `prepare` (one JSON
    line) at once, does that work (read and hash the artifact, import the libraries it will
    need) while mlgate scans the file, and waits for `send(payload)` or `cancel()`.

    `sandbox`: the load's sandbox mode. The probe applies it itself, except on macOS, where
    a mode other than "off" starts the probe under sandbox-exec.
    """

    def __init__(self, python: str, command: str, timeout: float = DEFAULT_TIMEOUT,
                 payload: dict | None = None, env_extra: dict | None = None,
                 prepare: dict | None = None, sandbox: str | None = None) -> None:
        import subprocess  # here, not at the top: a warm run answers from the cache
        import tempfile

        self.python, self.timeout = python, timeout
        # Every probe, not only the load: what the interpreter runs at start-up (a .pth
        # file of an editable install) is code from the commit too.
        env = probe_environment()
        env.update(env_extra or {})
        _undumpable()
        self._input = None if payload is None else json.dumps(payload).encode()
        piped = payload is not None or prepare is not None
        self._workdir = _Workdir(tempfile.mkdtemp(prefix="mlgate-probe-"))
        prefix = _sandbox_exec(sandbox, self._workdir.name, python)
        env.pop("MLGATE_SANDBOX_EXEC", None)  # only mlgate says that it used sandbox-exec
        env["MLGATE_PROBE_PARENT"] = str(os.getpid())  # sandbox.PARENT_ENV: dies with us
        if prefix:
            env["MLGATE_SANDBOX_EXEC"] = "1"  # sandbox.SANDBOX_EXEC_ENV: apply() reports it
        try:
            # -B: importing the project's modules must not drop __pycache__/ into its work
            # tree. A session of its own: on a timeout the whole group is killed, so a child
            # the project's Python started (a wrapper's `sleep`, a subprocess in predict)
            # cannot hold the pipes open past the limit.
            with _Starting():
                self._proc = subprocess.Popen(
                    # -S: no site processing at start-up (.pth files, sitecustomize: code a
                    # commit can carry through an editable install); the probe applies its
                    # sandbox first, then runs it (probe_script/__main__.py).
                    [*prefix, python, "-I", "-B", "-S", PROBE_MAIN, command],
                    cwd=self._workdir.name,
                    env=env,
                    stdin=subprocess.PIPE if piped else subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    start_new_session=os.name == "posix",
                )
                _LIVE[self._proc] = self._workdir
        except FileNotFoundError:
            self._workdir.cleanup()
            raise ProbeError(f"the project's Python {python!r} does not exist", "missing") from None
        except PermissionError:
            self._workdir.cleanup()
            raise ProbeError(f"the project's Python {python!r} is not executable",
                             "missing") from None
        if prepare is not None and self._proc.stdin is not None:  # always piped
            try:
                self._proc.stdin.write(json.dumps({"prepare": prepare}).encode() + b"\n")
                self._proc.stdin.flush()
            except OSError:  # it died at once: result() says how
                pass

    def send(self, payload: dict) -> None:
        """The payload of a probe started with `prepare`; result() delivers it."""
        self._input = json.dumps(payload).encode()

    def cancel(self) -> None:
        """Stop a probe whose answer is no longer wanted."""
        _kill(self._proc)
        self._workdir.cleanup()

    def result(self) -> dict:
        """Wait for the answer; raise ProbeError when there is none."""
        import subprocess

        python = self.python
        try:
            stdout, stderr = _exchange(self._proc, self._input, self.timeout,
                                       self._workdir.name)
        except subprocess.TimeoutExpired:
            _kill(self._proc)
            raise ProbeError(
                f"the project's Python {python!r} did not answer within {self.timeout:.0f} s",
                "timeout") from None
        except Overrun as exc:
            _kill(self._proc)
            raise ProbeError(f"the probe was stopped: {exc}", "overrun") from None
        except BaseException:  # Ctrl-C while waiting: the probe ends with the wait
            _kill(self._proc)  # (reliability round 33: it was only forgotten, not killed)
            raise
        finally:
            _LIVE.pop(self._proc, None)
            self._workdir.cleanup()
        text = stdout.decode("utf-8", "replace")
        if STOPPED_MARK in text:  # the audit hook stopped the load, which ended there
            return _authentic_stop(text, _authentic_sandbox(text, {"sandbox": None}))
        _, marked, after = text.rpartition(ANSWER_MARK)
        try:
            if not marked:
                raise ValueError("no answer")
            answer = json.loads(after)
        except (ValueError, RecursionError):  # a forged answer nested 100,000 deep too
            err = stderr.decode("utf-8", "replace").strip().splitlines()
            detail = err[-1] if err else (
                f"exit status {self._proc.returncode}, and it printed"
                f" {text.strip()[:200]!r} instead of the probe's answer (a .pth file or"
                " sitecustomize that writes to stdout?)" if text.strip() else
                f"exit status {self._proc.returncode}, with no answer")
            error = ProbeError(
                f"the project's Python {python!r} failed to run the probe: {detail}",
                "crash", self._proc.returncode)
            error.sandbox = _authentic_sandbox(text, {}).get("sandbox")
            raise error from None
        if not isinstance(answer, dict) or not (
                isinstance(answer.get("result"), dict) or "error" in answer):
            raise ProbeError(f"the project's Python {python!r} answered something that is not"
                             " the probe's answer", "crash", self._proc.returncode)
        if "error" in answer:
            raise ProbeError(f"probe: {answer['error']}")
        return _authentic_stop(text, _authentic_sandbox(text, answer["result"]))


# Begins the sandbox's report, which the probe writes as soon as the sandbox is applied,
# before any code of the project or the artifact runs (probe_script/common.py).
SANDBOX_MARK = "\x1emlgate-probe-sandbox\x1e"


# Begins what the probe's audit hook stopped, written the moment it stopped it
# (probe_script/common.py): the first one is the load's verdict, whatever answer follows.
STOPPED_MARK = "\x1emlgate-probe-stopped\x1e"


def _authentic_stop(text: str, result: dict) -> dict:
    """A load the sandbox stopped failed, whatever its answer says: code that went on after
    the audit hook stopped it could write a clean answer of its own (red team round 38)."""
    _, mark, rest = text.partition(STOPPED_MARK)
    if not mark:
        return result
    try:
        what = json.loads(rest.split("\n", 1)[0])
    except (ValueError, RecursionError):
        what = None
    return {"ok": False, "kind": "stopped", "message": what if isinstance(what, str) else
            "something the sandbox stops", "sandbox": result.get("sandbox")}


def _authentic_sandbox(text: str, result: dict) -> dict:
    """The answer with the sandbox report the probe wrote first, never the one in the answer:
    code running in the probe can rewrite the answer (the probe's memory, or a whole answer
    written on its stream), not what was written before it ran. A load answer with no report
    before it had no sandbox anyone can vouch for."""
    _, mark, rest = text.partition(SANDBOX_MARK)
    if not mark and "sandbox" not in result:
        return result  # not a load: no sandbox to report
    report = None
    if mark:
        try:
            report = json.loads(rest.split("\n", 1)[0])
        except (ValueError, RecursionError):
            report = None
    if not isinstance(report, dict):
        report = {"mode": "unknown", "applied": [], "complete": False,
                  "missing": {"sandbox": "the probe did not report its sandbox before the load"}}
    if report.get("mode") == "require" and report.get("complete") is not True \
            and result.get("kind") != "sandbox":  # the probe refuses such a load itself
        return {"ok": False, "kind": "sandbox", "sandbox": report,
                "message": "sandbox = \"require\", but the load's sandbox is incomplete"}
    result["sandbox"] = report
    return result


# Begins the probe's answer on its stdout (probe_script/__main__.py writes it): what the
# interpreter printed at start-up, before the probe ran, comes before it.
ANSWER_MARK = "\x1emlgate-probe-answer\x1e"
# probes still running, with their temporary folders: killed, group and all, and the folders
# removed, if mlgate exits first (a SIGTERM left /tmp/mlgate-probe-* behind: round 35)
_LIVE: dict = {}
# Probes being started: a SIGTERM or SIGHUP that lands between the fork and the probe's
# entry in _LIVE would kill the others and leave that one running (seen under load: "the
# probe outlived mlgate"). mlgate's handler defers it (`defer_signal`) until the entry is
# made, then it is delivered again.
_STARTING = [0]
_DEFERRED: list = []


class _Starting:
    def __enter__(self) -> None:
        _STARTING[0] += 1

    def __exit__(self, *exc: object) -> None:
        _STARTING[0] -= 1
        if not _STARTING[0] and _DEFERRED:
            os.kill(os.getpid(), _DEFERRED.pop())


def defer_signal(signum: int) -> bool:
    """Whether a terminating signal waits for the probe being started to be recorded."""
    if _STARTING[0]:
        _DEFERRED.append(signum)
        return True
    return False

# What mlgate keeps of a probe's output: its answer (JSON of a few kB; beyond this it is no
# answer) and the end of its stderr (where the last line says why it failed). What the
# project's code or a load prints, however much, costs mlgate no more memory than that.
MAX_ANSWER = 16 * 1024**2
STDERR_TAIL = 64 * 1024


# What a probe may leave in its temporary folder, and how many threads it may run, watched
# from here: RLIMIT_FSIZE bounds one file, not their total (sandbox round 37: twelve 7 MiB
# files under an 8 MiB limit; by default 4 GiB each, as many as it liked), and nothing
# bounded threads (2,000 started, up to the machine's pids). Polled while the probe runs.
MAX_WORKDIR_BYTES = 2 << 30
MAX_WORKDIR_ENTRIES = 10_000
MAX_THREADS = 1024
WATCH_EVERY = 0.2  # seconds


class Overrun(Exception):
    """The probe passed a limit watched from outside it (see MAX_WORKDIR_BYTES)."""


def _overrun(pid: int, folder: str | None) -> str | None:
    """Why the probe `pid` must stop now, or None: its folder's total size or entries, its
    thread count (Linux's /proc; elsewhere the folder alone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Threads:"):
                    if int(line.split()[1]) > MAX_THREADS:
                        return f"it started more than {MAX_THREADS} threads"
                    break
    except (OSError, ValueError, IndexError):
        pass
    if folder is None:
        return None
    total = entries = 0
    seen: set = set()
    full = (f"it wrote more than {MAX_WORKDIR_BYTES >> 20} MiB to its temporary folder")
    todo = [folder]
    while todo:
        try:
            with os.scandir(todo.pop()) as listing:
                for entry in listing:
                    entries += 1
                    if entries > MAX_WORKDIR_ENTRIES:
                        return (f"it made more than {MAX_WORKDIR_ENTRIES} files in its"
                                " temporary folder")
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
                    else:
                        info = entry.stat(follow_symlinks=False)
                        seen.add((info.st_dev, info.st_ino))
                        total += info.st_blocks * 512
                        if total > MAX_WORKDIR_BYTES:
                            return full
        except OSError:
            continue
    # and the files it holds open there with no name (deleted, or O_TMPFILE), which no
    # listing shows: 3 GiB written so passed the listing above (red team round 37)
    prefix = folder.rstrip(os.sep) + os.sep
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")[:4096]
    except OSError:
        return None
    for fd in descriptors:
        try:
            if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith(prefix):
                continue
            info = os.stat(f"/proc/{pid}/fd/{fd}")  # the open file itself
        except OSError:
            continue
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            total += info.st_blocks * 512
            if total > MAX_WORKDIR_BYTES:
                return full
    # and the deleted files it only maps, with neither a name nor a descriptor: one page
    # mapped pins a whole file (red team round 38: 4 GiB held so, exit 0)
    return full if total + _mapped_deleted(pid, prefix, seen) > MAX_WORKDIR_BYTES else None


def _mapped_deleted(pid: int, prefix: str, seen: set) -> int:
    """The bytes of the deleted files under `prefix` that probe `pid` maps and `seen` does
    not hold. A size that cannot be read (/proc/PID/map_files needs CAP_SYS_ADMIN) counts as
    the most one file may be (the probe's RLIMIT_FSIZE is MAX_WORKDIR_BYTES at most)."""
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as handle:
            lines = [line for _, line in zip(range(1 << 17), handle)]
    except OSError:
        return 0
    total, mapped = 0, set()
    for line in lines:
        parts = line.rstrip("\n").split(None, 5)
        if len(parts) < 6 or not (parts[5].startswith(prefix)
                                  and parts[5].endswith(" (deleted)")):
            continue
        try:
            major, minor = (int(n, 16) for n in parts[3].split(":"))
            key = (os.makedev(major, minor), int(parts[4]))
        except ValueError:
            continue
        if key in seen or key in mapped:
            continue
        mapped.add(key)
        try:
            total += os.stat(f"/proc/{pid}/map_files/{parts[0]}").st_blocks * 512
        except OSError:
            total += MAX_WORKDIR_BYTES
    return total


def _exchange(proc, data: bytes | None, timeout: float,
              folder: str | None = None) -> tuple[bytes, bytes]:
    """`proc.communicate(data, timeout)`, with bounded output (see MAX_ANSWER): raises
    subprocess.TimeoutExpired as communicate does, and Overrun when the probe passes a
    limit watched from here (`folder`: its temporary folder); the caller kills the group."""
    import contextlib
    import threading

    out, err = bytearray(), bytearray()

    def feed() -> None:
        try:
            if data:
                proc.stdin.write(data)
        except (OSError, ValueError):
            pass  # it exited without reading: its answer (or its absence) says why
        finally:
            with contextlib.suppress(OSError, ValueError):
                proc.stdin.close()

    def drain(stream, sink: bytearray, answer: bool) -> None:
        try:
            while True:
                chunk = stream.read1(1 << 16)
                if not chunk:
                    return
                if answer:
                    if len(sink) <= MAX_ANSWER:
                        sink += chunk[:MAX_ANSWER + 1 - len(sink)]
                else:
                    sink += chunk
                    if len(sink) > 2 * STDERR_TAIL:
                        del sink[:-STDERR_TAIL]
        except (OSError, ValueError):
            return

    threads = [threading.Thread(target=drain, args=(proc.stdout, out, True), daemon=True),
               threading.Thread(target=drain, args=(proc.stderr, err, False), daemon=True)]
    if proc.stdin is not None:
        threads.append(threading.Thread(target=feed, daemon=True))
    for thread in threads:
        thread.start()
    import subprocess
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            proc.wait(timeout=max(0.0, min(WATCH_EVERY, deadline - time.monotonic())))
            break
        except subprocess.TimeoutExpired:
            if time.monotonic() >= deadline:
                raise  # as communicate() raises it
            reason = _overrun(proc.pid, folder) if os.name == "posix" else None
            if reason:
                raise Overrun(reason) from None
    if os.name == "posix":
        # What it left running in its session (a wrapper's `sleep 300 &`) holds the pipes
        # open and outlives the answer: it goes now, and the pipes close with it.
        import signal

        with contextlib.suppress(OSError):  # (none left)
            os.killpg(proc.pid, signal.SIGKILL)
    for thread in threads:
        # a child the probe left behind could hold the pipes open: its output is not waited for
        thread.join(timeout=5)
    if len(out) > MAX_ANSWER:
        out = bytearray(b"")  # an answer that large is not the probe's
        err += f"\nmore than {MAX_ANSWER >> 20} MiB on the answer channel".encode()
    return bytes(out), bytes(err[-STDERR_TAIL:])


def run_interpreter(argv: list[str], cwd: str, env: dict, timeout: float
                    ) -> tuple[int | None, bytes, bytes]:
    """Run the project's interpreter as probes run (a session of its own, killed as a group
    on timeout, its answer not held up by what it left running): (exit status, stdout,
    stderr); status None when it did not finish within `timeout`."""
    import subprocess

    _undumpable()
    with _Starting():
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=os.name == "posix")
        _LIVE[proc] = None  # killed with the others if mlgate ends first
    try:
        out, err = _exchange(proc, None, timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return None, b"", b""
    except BaseException:  # Ctrl-C while waiting: killed, not only forgotten
        _kill(proc)
        raise
    finally:
        _LIVE.pop(proc, None)
    return proc.returncode, out, err


def _kill(proc) -> None:
    """Kill the probe and everything it started, then reap it without waiting on pipes a
    stray grandchild might still hold."""
    import contextlib
    import signal
    import subprocess

    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()
    except OSError:
        pass
    with contextlib.suppress(subprocess.TimeoutExpired, OSError):
        proc.wait(timeout=5)  # reaped; the pipes are not waited on
    # Not closed here: a drain thread may be blocked reading a pipe that a grandchild which
    # left the group (`setsid sleep 400`) still holds open, and closing a buffered stream
    # waits for that read. The daemon threads end with that child, or with mlgate.
    _LIVE.pop(proc, None)


def _kill_all() -> None:
    for proc, workdir in list(_LIVE.items()):
        if proc.poll() is None:
            _kill(proc)
        if workdir is not None:
            workdir.cleanup()


atexit.register(_kill_all)


def run_probe(python: str, command: str, timeout: float = DEFAULT_TIMEOUT,
              payload: dict | None = None, env_extra: dict | None = None,
              sandbox: str | None = None) -> dict:
    """Run one probe command in `python`; return its result or raise ProbeError."""
    return PendingProbe(python, command, timeout, payload, env_extra,
                        sandbox=sandbox).result()
