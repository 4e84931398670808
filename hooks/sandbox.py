"""A sandbox around the probe's load: defence in depth behind the static scan.

If the scan ever lets a malicious artifact through, its load must still not be able to run a
program, open a socket, or write a file outside the probe's temporary folder. `apply()` is
called by the probe itself, in the project's interpreter, before it reads or imports anything
for the load. So this module uses the standard library only, imports nothing of mlgate, and
runs on Python 3.9+ when loaded by its file path.

On Linux (x86_64 and aarch64), through ctypes:

- `no_new_privs` (prctl): nothing run later gains privileges; Landlock and seccomp need it.
- Landlock: reading and executing files stay allowed everywhere (lazy imports keep working),
  every right to write, create, remove, rename across folders, truncate (and ioctl on devices)
  is denied except beneath the writable folder (and writing to /dev/null). File descriptors
  that are already open, such as stdout, are not affected. ABI 4+: binding and connecting TCP
  sockets are denied too; ABI 6+: no signals to processes outside the sandbox (the user's
  other programs, mlgate itself). Landlock restricts the calling thread and the threads it
  starts later (all threads from ABI 8): the probe applies it while it has a single thread.
- seccomp-bpf, on every thread (SECCOMP_FILTER_FLAG_TSYNC): a system call of another
  architecture, or of the x32 ABI on x86_64, kills the process. Starting a process (fork,
  vfork, clone without CLONE_THREAD) fails with EPERM, so no child exists to run a program
  in, and the probe's own code and libraries that shell out fail gracefully. execve,
  execveat, socket, socketpair, connect, bind, ptrace, process_vm_writev and io_uring_setup
  (io_uring would run socket operations that seccomp never sees) fail with EPERM while the
  load's libraries are imported, and kill the process from `harden()` on (right before the
  artifact's first opcode). clone3 fails with ENOSYS (seccomp cannot read its flags), so
  the C library falls back to clone, and threads keep working. Changing a file's mode,
  owner, times or extended attributes (chmod, chown, utimensat, setxattr and their
  variants), which Landlock does not cover, and creating SysV IPC objects fail with EPERM.
  Everything else is allowed.
- No core dump (RLIMIT_CORE 0): a process the filter kills would otherwise dump its memory.
- No capability (the bounding set, then the effective, permitted and inheritable sets): a
  probe run as root keeps none of root's powers (immutable files, the host's name, reading
  other processes' environments through CAP_SYS_PTRACE). The kernel's keyrings (add_key,
  request_key, keyctl) and the host's names (sethostname, setdomainname) fail with EPERM.

On macOS nothing is applied in-process: mlgate starts the probe under `sandbox-exec` with the
profile of `macos_command_prefix()`, and `apply()` reports whether that was done. NOT VERIFIED:
mlgate is developed and tested on Linux; that profile has never run on a Mac. Elsewhere no
sandbox is applied, and `apply()` says so.

`MLGATE_SANDBOX_UNAVAILABLE` (for tests only): "1" (or "all"), or a comma-separated list of
protections (no_new_privs, landlock, seccomp, capabilities, sandbox-exec) that `apply()`
skips as if the system did not offer them, so that `sandbox = "require"` can be tested
anywhere.
"""

import errno
import os
import sys

UNAVAILABLE_ENV = "MLGATE_SANDBOX_UNAVAILABLE"
# Set by mlgate in the environment of a probe it started under sandbox-exec (macOS).
SANDBOX_EXEC_ENV = "MLGATE_SANDBOX_EXEC"
SANDBOX_EXEC = "/usr/bin/sandbox-exec"
# The protections without which `sandbox = "require"` refuses to load, per platform.
REQUIRED = {"linux": ("no_new_privs", "landlock", "seccomp"), "darwin": ("sandbox-exec",)}

# --- Linux constants (linux/prctl.h, linux/landlock.h, linux/seccomp.h, linux/filter.h) ---
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_GET_ACTION_AVAIL = 2
SECCOMP_FILTER_FLAG_TSYNC = 1
SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_KILL_THREAD = 0x00000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000
CLONE_THREAD = 0x00010000
X32_SYSCALL_BIT = 0x40000000

# BPF instructions: load a word of seccomp_data, compare, return.
BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_JGE_K = 0x35
BPF_JSET_K = 0x45
BPF_RET_K = 0x06
# struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
DATA_NR, DATA_ARCH, DATA_ARG0_LOW = 0, 4, 16  # little-endian: an argument's low word first

LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
LANDLOCK_RESTRICT_SELF_TSYNC = 1 << 3  # ABI 8
FS_WRITE_FILE = 1 << 1
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1

# Per architecture: its AUDIT_ARCH_* value and the system call numbers used here.
ARCHES = {
    "x86_64": {
        "audit_arch": 0xC000003E, "x32": True,
        "prctl": 157, "seccomp": 317, "landlock_create_ruleset": 444,
        "landlock_add_rule": 445, "landlock_restrict_self": 446,
        "clone": 56, "clone3": 435,
        "kill": {"execve": 59, "execveat": 322, "socket": 41, "socketpair": 53,
                 "connect": 42, "bind": 49, "ptrace": 101, "process_vm_writev": 311,
                 "io_uring_setup": 425, "fork": 57, "vfork": 58},
        # what Landlock leaves alone: a file's mode, owner, times and extended attributes
        # (a setuid bit or a file capability planted outside the folder), and SysV IPC
        # objects that outlive the probe
        "fail": {"chmod": 90, "fchmod": 91, "chown": 92, "fchown": 93, "lchown": 94,
                 "utime": 132, "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190,
                 "removexattr": 197, "lremovexattr": 198, "fremovexattr": 199,
                 "utimes": 235, "fchownat": 260, "futimesat": 261, "fchmodat": 268,
                 "utimensat": 280, "fchmodat2": 452, "setxattrat": 463, "removexattrat": 466,
                 "shmget": 29, "semget": 64, "msgget": 68,
                 # the kernel's keyrings outlive the probe (a covert store), and the host's
                 # names are the machine's
                 "add_key": 248, "request_key": 249, "keyctl": 250,
                 "sethostname": 170, "setdomainname": 171},
        "capget": 125, "capset": 126,
    },
    "aarch64": {
        "audit_arch": 0xC00000B7, "x32": False,
        "prctl": 167, "seccomp": 277, "landlock_create_ruleset": 444,
        "landlock_add_rule": 445, "landlock_restrict_self": 446,
        "clone": 220, "clone3": 435,  # no fork or vfork system calls on aarch64
        "kill": {"execve": 221, "execveat": 281, "socket": 198, "socketpair": 199,
                 "connect": 203, "bind": 200, "ptrace": 117, "process_vm_writev": 271,
                 "io_uring_setup": 425},
        "fail": {"setxattr": 5, "lsetxattr": 6, "fsetxattr": 7, "removexattr": 14,
                 "lremovexattr": 15, "fremovexattr": 16, "fchmod": 52, "fchmodat": 53,
                 "fchownat": 54, "fchown": 55, "utimensat": 88, "fchmodat2": 452,
                 "setxattrat": 463, "removexattrat": 466, "msgget": 186, "semget": 190,
                 "shmget": 194, "add_key": 217, "request_key": 218, "keyctl": 219,
                 "sethostname": 161, "setdomainname": 162},
        "capget": 90, "capset": 91,
    },
}
ARCH_ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}


def _unavailable():
    value = os.environ.get(UNAVAILABLE_ENV, "").strip()
    if value in ("1", "all"):
        return {"no_new_privs", "landlock", "seccomp", "capabilities", "sandbox-exec"}
    return {part.strip() for part in value.split(",") if part.strip()}


def apply(writable_dir):
    """Sandbox this process for good; return what was applied and what was not, and why:
    {"platform", "applied": [names], "missing": {name: reason}, "complete": bool}.

    `complete` is True when every protection of the platform's REQUIRED set was applied.
    Nothing that the system does not offer raises; a bad argument does."""
    if not isinstance(writable_dir, str) or not os.path.isdir(writable_dir):
        raise ValueError(f"apply() needs an existing folder, not {writable_dir!r}")
    report = {"platform": sys.platform, "applied": [], "missing": {}}
    disabled = _unavailable()
    if sys.platform.startswith("linux"):
        _apply_linux(os.path.realpath(writable_dir), report, disabled)
        required = REQUIRED["linux"]
    elif sys.platform == "darwin":
        if "sandbox-exec" in disabled:
            report["missing"]["sandbox-exec"] = f"disabled by {UNAVAILABLE_ENV} (tests)"
        elif os.environ.get(SANDBOX_EXEC_ENV) == "1":
            report["applied"].append("sandbox-exec")
        else:
            report["missing"]["sandbox-exec"] = (
                f"the probe was not started under {SANDBOX_EXEC}; nothing is applied"
                " in-process on macOS")
        required = REQUIRED["darwin"]
    else:
        report["missing"]["sandbox"] = f"no sandbox on {sys.platform}"
        required = ("sandbox",)
    report["complete"] = not any(name in report["missing"] for name in required)
    return report


def harden(report):
    """From now on, kill the process (not fail the call) when it runs a program or opens a
    socket: a second filter, stacked on apply()'s (the kernel takes the stricter action).
    apply() only makes those calls fail with EPERM, because the installed libraries the load
    imports may probe the machine at import time (numpy 2.0's numpy.testing runs `lscpu`)
    and must be able to fail gracefully; the probe hardens once those imports are done,
    right before the first opcode of the artifact runs. A load killed then is reported.

    Starting a process (fork, vfork, clone of a process) keeps failing with EPERM: with no
    process started, no program runs, and libraries that shell out while the model is used
    (threadpoolctl's `ldconfig -p` when scikit-learn limits its threads for a prediction)
    fail gracefully instead of killing a probe whose load was innocent. The probe's audit
    hook reports a load that tried (`probe_script.load`). Updates `report` in place."""
    if not sys.platform.startswith("linux") or "seccomp" not in report.get("applied", ()):
        return report
    ctypes, call, arch, _why = _syscalls()  # worked for apply(): it works now
    _seccomp(ctypes, call, arch, report["applied"], report["missing"],
             SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO | errno.EPERM)
    return report


def _syscalls():
    """(ctypes, call, arch, None), or (None, None, None, why) where no syscall() is usable.
    `call(number, *args)` is syscall(2): its result, or -errno; every argument 64-bit."""
    machine = os.uname().machine
    arch = ARCHES.get(ARCH_ALIASES.get(machine, machine))
    try:
        import ctypes
    except ImportError as exc:
        return None, None, None, f"ctypes does not import: {exc}"
    if arch is None:
        return None, None, None, f"unsupported architecture {machine}"
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        return None, None, None, (f"a {8 * ctypes.sizeof(ctypes.c_void_p)}-bit interpreter"
                                  f" on {machine}")
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
    except (OSError, AttributeError) as exc:  # a static interpreter, an odd C library
        return None, None, None, f"no syscall() in this process's C library: {exc}"

    def call(number, *args):
        ctypes.set_errno(0)
        result = libc.syscall(ctypes.c_long(number), *[
            ctypes.c_long(a or 0) if a is None or isinstance(a, int) else a for a in args])
        return -ctypes.get_errno() if result == -1 else result

    return ctypes, call, arch, None


def _apply_linux(writable_dir, report, disabled):
    applied, missing = report["applied"], report["missing"]
    ctypes, call, arch, why = _syscalls()
    if arch is None:
        for name in REQUIRED["linux"]:
            missing[name] = why
        return

    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
    if "no_new_privs" in disabled:
        missing["no_new_privs"] = f"disabled by {UNAVAILABLE_ENV} (tests)"
    else:
        result = call(arch["prctl"], PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if result < 0:
            missing["no_new_privs"] = f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(-result)}"
        else:
            applied.append("no_new_privs")
    if "landlock" in disabled:
        missing["landlock"] = f"disabled by {UNAVAILABLE_ENV} (tests)"
    else:
        _landlock(ctypes, call, arch, writable_dir, applied, missing)
    if "seccomp" in disabled:
        missing["seccomp"] = f"disabled by {UNAVAILABLE_ENV} (tests)"
    else:
        _seccomp(ctypes, call, arch, applied, missing)
    if "capabilities" in disabled:
        missing["capabilities"] = f"disabled by {UNAVAILABLE_ENV} (tests)"
    else:
        _drop_capabilities(ctypes, call, arch, applied, missing)


PR_CAPBSET_DROP = 24
LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _drop_capabilities(ctypes, call, arch, applied, missing):
    """Every capability, for good: a probe run as root (a CI container) keeps none of
    root's powers (CAP_LINUX_IMMUTABLE made a tracked file immutable, CAP_SYS_ADMIN set
    the host's name, CAP_SYS_PTRACE reads other processes' environment). The bounding set
    first (that needs CAP_SETPCAP), then the effective, permitted and inheritable sets."""
    for cap in range(64):
        if call(arch["prctl"], PR_CAPBSET_DROP, cap, 0, 0, 0) == -errno.EINVAL:
            break  # past the last capability this kernel knows

    class Header(ctypes.Structure):  # struct __user_cap_header_struct
        _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))

    class Data(ctypes.Structure):  # struct __user_cap_data_struct
        _fields_ = (("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32))

    header, data = Header(LINUX_CAPABILITY_VERSION_3, 0), (Data * 2)()
    result = call(arch["capset"], ctypes.byref(header), ctypes.byref(data))
    if result < 0:
        missing["capabilities"] = f"capset: {os.strerror(-result)}"
        return
    check = (Data * 2)()
    if call(arch["capget"], ctypes.byref(header), ctypes.byref(check)) == 0 and any(
            d.effective or d.permitted for d in check):
        missing["capabilities"] = "capget still reports capabilities"
        return
    applied.append("no-capabilities")


def _threads():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0


def _landlock(ctypes, call, arch, writable_dir, applied, missing):
    abi = call(arch["landlock_create_ruleset"], None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 0:
        missing["landlock"] = {
            errno.ENOSYS: "this kernel has no Landlock (Linux 5.13+, CONFIG_SECURITY_LANDLOCK)",
            errno.EOPNOTSUPP: "Landlock is disabled at boot (it is not in the kernel's lsm= list)",
        }.get(-abi, f"landlock_create_ruleset: {os.strerror(-abi)}")
        return
    fs = (FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_CHAR | FS_MAKE_DIR
          | FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK | FS_MAKE_SYM)
    if abi >= 2:
        fs |= FS_REFER
    if abi >= 3:
        fs |= FS_TRUNCATE
    if abi >= 5:
        fs |= FS_IOCTL_DEV
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    # struct landlock_ruleset_attr { __u64 handled_access_fs, handled_access_net, scoped; }:
    # passed as long as this ABI knows it.
    attr = (ctypes.c_uint64 * 3)(fs, net, scoped)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = call(arch["landlock_create_ruleset"], ctypes.byref(attr), size, 0)
    if ruleset < 0:
        missing["landlock"] = f"landlock_create_ruleset: {os.strerror(-ruleset)}"
        return

    class PathBeneath(ctypes.Structure):  # struct landlock_path_beneath_attr, packed
        _pack_ = 1
        _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))

    def allow(path, access):
        try:
            fd = os.open(path, getattr(os, "O_PATH", 0o10000000) | os.O_CLOEXEC)
        except OSError as exc:
            return -exc.errno
        try:
            rule = PathBeneath(access, fd)
            return call(arch["landlock_add_rule"], ruleset, LANDLOCK_RULE_PATH_BENEATH,
                        ctypes.byref(rule), 0)
        finally:
            os.close(fd)

    try:
        result = allow(writable_dir, fs)
        if result < 0:
            missing["landlock"] = f"landlock_add_rule({writable_dir}): {os.strerror(-result)}"
            return
        allow("/dev/null", fs & (FS_WRITE_FILE | FS_TRUNCATE))  # harmless, and often opened
        threads = _threads()
        flags = LANDLOCK_RESTRICT_SELF_TSYNC if abi >= 8 else 0
        result = call(arch["landlock_restrict_self"], ruleset, flags)
        if result < 0:
            missing["landlock"] = f"landlock_restrict_self: {os.strerror(-result)}"
            return
    finally:
        os.close(ruleset)
    applied.append(f"landlock-abi{abi}")
    if net:
        applied.append("landlock-net")
    else:
        missing["landlock-net"] = (f"Landlock ABI {abi} has no network rights (ABI 4+);"
                                   " seccomp still refuses sockets")
    if scoped:
        applied.append("landlock-scope")
    if not flags and threads > 1:
        missing["landlock-threads"] = (f"{threads - 1} thread(s) already running are not"
                                       " restricted (Landlock ABI 8+ restricts them all)")


# Starting a process: fork and vfork (clone without CLONE_THREAD is handled apart).
SPAWN_CALLS = ("fork", "vfork")


def seccomp_program(arch, deny=SECCOMP_RET_KILL_PROCESS, spawn=None):
    """The filter, as (code, jt, jf, k) tuples: kill on a foreign architecture (and on the
    x32 ABI); `deny` (kill, or fail with EPERM) on every call of arch["kill"]; `spawn` (by
    default `deny`) on fork, vfork and clone without CLONE_THREAD; clone3 fails with ENOSYS;
    the rest is allowed."""
    foreign = (BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS)
    kill = (BPF_RET_K, 0, 0, deny)
    spawned = (BPF_RET_K, 0, 0, deny if spawn is None else spawn)
    program = [(BPF_LD_W_ABS, 0, 0, DATA_ARCH), (BPF_JEQ_K, 1, 0, arch["audit_arch"]), foreign,
               (BPF_LD_W_ABS, 0, 0, DATA_NR)]
    if arch["x32"]:
        program += [(BPF_JGE_K, 0, 1, X32_SYSCALL_BIT), foreign]
    for name, number in sorted(arch["kill"].items(), key=lambda item: item[1]):
        program += [(BPF_JEQ_K, 0, 1, number), spawned if name in SPAWN_CALLS else kill]
    refused = (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.EPERM)  # never a kill: no harm
    for number in sorted(arch.get("fail", {}).values()):
        program += [(BPF_JEQ_K, 0, 1, number), refused]
    program += [(BPF_JEQ_K, 0, 1, arch["clone3"]),
                (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.ENOSYS),
                # clone(flags, ...): flags is the first argument on both architectures
                (BPF_JEQ_K, 0, 3, arch["clone"]),
                (BPF_LD_W_ABS, 0, 0, DATA_ARG0_LOW),
                (BPF_JSET_K, 1, 0, CLONE_THREAD),
                spawned,
                (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW)]
    return program


def _seccomp(ctypes, call, arch, applied, missing, deny=SECCOMP_RET_ERRNO | errno.EPERM,
             spawn=None):
    class Filter(ctypes.Structure):  # struct sock_filter
        _fields_ = (("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                    ("k", ctypes.c_uint32))

    class Program(ctypes.Structure):  # struct sock_fprog
        _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter)))

    program = seccomp_program(arch, deny, spawn)
    action = ctypes.c_uint32(SECCOMP_RET_KILL_PROCESS)
    if call(arch["seccomp"], SECCOMP_GET_ACTION_AVAIL, 0, ctypes.byref(action)) < 0:
        # Linux < 4.14: kill the thread that made the call (the probe loads on its main one)
        program = [(c, jt, jf, SECCOMP_RET_KILL_THREAD if k == SECCOMP_RET_KILL_PROCESS
                    and c == BPF_RET_K else k) for c, jt, jf, k in program]
        missing["seccomp-kill-process"] = "SECCOMP_RET_KILL_PROCESS needs Linux 4.14+"
    filters = (Filter * len(program))(*[Filter(*entry) for entry in program])
    fprog = Program(len(program), filters)
    result = call(arch["seccomp"], SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
                  ctypes.byref(fprog))
    if result > 0:
        missing["seccomp"] = f"thread {result} could not be synchronised to the filter"
        return
    if result in (-errno.ENOSYS, -errno.EINVAL):
        # No seccomp(2) (Linux < 3.17), or no TSYNC: the calling thread and its future ones.
        result = call(arch["prctl"], PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog),
                      0, 0)
        if result == 0:
            missing["seccomp-tsync"] = "the filter covers this thread and those it starts"
    if result < 0:
        missing["seccomp"] = f"seccomp filter: {os.strerror(-result)}"
        return
    applied.append("seccomp" if deny != SECCOMP_RET_KILL_PROCESS else "seccomp-kill")


def _sbpl_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def macos_command_prefix(writable_dir, interpreter=None):
    """macOS: the command prefix that starts the probe under sandbox-exec (NOT VERIFIED: mlgate
    is developed and tested on Linux; this profile has never run on a Mac).

    The profile allows everything by default, then denies starting processes (fork, and exec
    of anything but the project's interpreter, which sandbox-exec itself must exec), all
    network access, and writing files anywhere but beneath `writable_dir` and /dev/null.
    `interpreter`: the path mlgate runs (a venv's python is often a symlink, so its real path
    is allowed too)."""
    folder = os.path.realpath(writable_dir)
    execs = []
    if interpreter:
        execs = sorted({interpreter, os.path.realpath(interpreter)})
    exec_rule = ("(allow process-exec " + " ".join(
        f"(literal {_sbpl_string(p)})" for p in execs) + ")") if execs else ""
    profile = "\n".join(line for line in (
        "(version 1)",
        "(allow default)",
        "(deny process-fork)",
        "(deny process-exec)",
        exec_rule,
        "(deny network*)",
        "(deny file-write*)",
        f"(allow file-write* (subpath {_sbpl_string(folder)}) (literal \"/dev/null\"))",
    ) if line)
    return [SANDBOX_EXEC, "-p", profile]
