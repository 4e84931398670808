"""A sandbox around the probe's load: defence in depth behind the static scan.

If the scan ever lets a malicious artifact through, its load must still not be able to run a
program, open a socket, or write a file outside the probe's temporary folder. `apply()` is
called by the probe itself, in the project's interpreter, before it reads or imports anything
for the load. So this module uses the standard library only, imports nothing of mlgate, and
runs on Python 3.9+ when loaded by its file path.

On Linux (x86_64 and aarch64), through ctypes:

- `no_new_privs` (prctl): nothing run later gains privileges; Landlock and seccomp need it.
- Landlock: with `reads` (every probe mlgate starts), reading is confined to the system's
  and the interpreter's files and the repository's tracked entries, never `.git` (a CI
  job's token is in .git/config) or the home folder; see readable_roots(). Of the
  repository, only the files mlgate planned (git's tracked files; never a `.git`). Every right to
  write, create, remove, rename across folders, truncate (and ioctl on devices)
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
  variants), which Landlock does not cover, every SysV IPC call (an object of another
  program of the same user is reached by its index, without a key) and POSIX message queues
  fail with EPERM.
  ioctl passes only the requests a load makes (a terminal's settings and size, bytes
  waiting, blocking mode, close-on-exec: ALLOWED_IOCTLS); every other one fails with EPERM,
  since a request does whatever its driver or file system makes of it, and Landlock checks
  few of them (btrfs snapshots through a folder opened read-only; loop devices,
  userfaultfd, kvm without Landlock). The parent-death signal set before the filter cannot
  be cleared (prctl PR_SET_PDEATHSIG fails with EPERM).
  So do reading another process's memory or stealing its files (process_vm_readv,
  pidfd_getfd), new namespaces (unshare, setns, mount), bpf, perf_event_open and
  userfaultfd, and a signal to any process but the probe itself (kill, tgkill,
  rt_[tg]sigqueueinfo on another pid; tkill, pidfd_send_signal): Landlock scopes signals
  only from ABI 6. So do naming another process as a descriptor's SIGIO owner (fcntl
  F_SETOWN, F_SETSIG, F_SETOWN_EX; ioctl FIOSETOWN, SIOCSPGRP: the kernel would send any
  signal on the probe's behalf), and changing another process's limits, scheduling,
  priority, I/O class or memory placement (prlimit64, sched_set* on another pid;
  setpriority, ioprio_set, migrate_pages, move_pages). Everything else is allowed.
- Without Landlock (an older kernel, a container that hides it): a second seccomp filter,
  "seccomp-no-writes", refuses opening any file for writing and every call that makes,
  removes or renames a name, anywhere (seccomp cannot read paths, so the probe's own folder
  too): a load cannot leave anything behind that outlives it (.git/config's fsmonitor,
  .git/hooks, ~/.bashrc). Landlock is still reported missing.
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
protections (no_new_privs, landlock, landlock-read, seccomp, capabilities, sandbox-exec) that
`apply()` skips as if the system did not offer them, so that `sandbox = "require"` can be
tested anywhere.
"""

import errno
import os
import sys

UNAVAILABLE_ENV = "MLGATE_SANDBOX_UNAVAILABLE"
# The only ioctl requests a load makes: a terminal's settings and size (isatty,
# get_terminal_size), bytes waiting, blocking mode, close-on-exec. Every other request fails
# with EPERM: a request is whatever its driver or file system makes of it (btrfs makes
# subvolumes and snapshots through a folder opened read-only, which Landlock does not
# check: one snapshotted into site-packages as sitecustomize ran later, unsandboxed; loop
# devices, userfaultfd, kvm, ptys without Landlock: sandbox review round 36).
ALLOWED_IOCTLS = (0x5401, 0x5413, 0x540F, 0x541B, 0x5421, 0x5450, 0x5451)
# Tests only: use at most this Landlock ABI (an older kernel's), never a newer one.
OLDER_ABI_ENV = "MLGATE_SANDBOX_LANDLOCK_ABI"
# Set by mlgate in the environment of a probe it started under sandbox-exec (macOS).
SANDBOX_EXEC_ENV = "MLGATE_SANDBOX_EXEC"
SANDBOX_EXEC = "/usr/bin/sandbox-exec"
# The protections without which `sandbox = "require"` refuses to load, per platform.
REQUIRED = {"linux": ("no_new_privs", "landlock", "seccomp"), "darwin": ("sandbox-exec",)}

# --- Linux constants (linux/prctl.h, linux/landlock.h, linux/seccomp.h, linux/filter.h) ---
PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1
# The pid of the mlgate that started the probe: the probe dies with it (see _apply_linux).
PARENT_ENV = "MLGATE_PROBE_PARENT"
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
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
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
                 # and every other SysV IPC call: objects of other programs of the same user
                 # are reached by index without a key (sandbox review round 32)
                 "shmat": 30, "shmctl": 31, "shmdt": 67, "semop": 65, "semctl": 66,
                 "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "semtimedop": 220,
                 # POSIX message queues live in the kernel, not in a file Landlock sees
                 # (sandbox review round 31)
                 "mq_open": 240, "mq_unlink": 241,
                 # the kernel's keyrings outlive the probe (a covert store), and the host's
                 # names are the machine's
                 "add_key": 248, "request_key": 249, "keyctl": 250,
                 "sethostname": 170, "setdomainname": 171,
                 # another process's memory or files, signals by thread id or pidfd, new
                 # namespaces, and kernel interfaces no load needs
                 "process_vm_readv": 310, "pidfd_getfd": 438, "pidfd_send_signal": 424,
                 "tkill": 200, "unshare": 272, "setns": 308, "mount": 165, "bpf": 321,
                 "perf_event_open": 298, "userfaultfd": 323,
                 # other processes' priority (a user's all at once), I/O class, memory
                 "setpriority": 141, "ioprio_set": 251, "migrate_pages": 256,
                 "move_pages": 279,
                 # memory outside the address-space limit (a 1 GB memfd under a 100 MB
                 # memory-limit-mb: sandbox review round 33)
                 "memfd_create": 319, "memfd_secret": 447,
                 # watches on folders the load may not list (others' file names and times)
                 "inotify_init": 253, "inotify_init1": 294, "inotify_add_watch": 254,
                 "fanotify_init": 300, "fanotify_mark": 301},
        # signals: only to this process (kill(0) is its own process group: no child exists);
        # limits, scheduling and memory placement of this process only (0 is itself):
        # prlimit64 on another process set mlgate's open-file limit to 0, or a CPU limit
        # that killed another program (sandbox review round 32)
        "own": {"kill": 62, "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297,
                "prlimit64": 302, "sched_setaffinity": 203, "sched_setparam": 142,
                "sched_setscheduler": 144, "sched_setattr": 314},
        # who gets a descriptor's SIGIO (any signal, sent by the kernel, past the signal
        # filter): fcntl F_SETOWN, F_SETSIG, F_SETOWN_EX; ioctl FIOSETOWN, SIOCSPGRP
        # ...and a file's inode flags (chattr +i, +a on a file opened read-only: Landlock
        # does not cover them, sandbox review round 33)
        "second_argument": {"fcntl": (72, (8, 10, 15))},
        "ioctl": 16,
        # the parent-death signal, set before the filter, cannot be cleared by the load
        "first_argument": {"prctl": (157, (PR_SET_PDEATHSIG,))},
        "capget": 125, "capset": 126,
        # without Landlock: opening for writing (flags in that argument) and every call
        # that makes, removes or renames a name, refused by seccomp (see _seccomp_no_writes)
        "open_flags": {"open": 1, "openat": 2},
        "name_changes": {"creat": 85, "openat2": 437, "mkdir": 83, "mkdirat": 258,
                         "rmdir": 84, "unlink": 87, "unlinkat": 263, "rename": 82,
                         "renameat": 264, "renameat2": 316, "link": 86, "linkat": 265,
                         "symlink": 88, "symlinkat": 266, "truncate": 76, "mknod": 133,
                         "mknodat": 259},
        "numbers": {"open": 2, "openat": 257},
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
                 "shmget": 194, "msgctl": 187, "msgrcv": 188, "msgsnd": 189, "semctl": 191,
                 "semtimedop": 192, "semop": 193, "shmctl": 195, "shmat": 196, "shmdt": 197,
                 "mq_open": 180, "mq_unlink": 181, "add_key": 217,
                 "request_key": 218, "keyctl": 219,
                 "sethostname": 161, "setdomainname": 162,
                 "process_vm_readv": 270, "pidfd_getfd": 438, "pidfd_send_signal": 424,
                 "tkill": 130, "unshare": 97, "setns": 268, "mount": 40, "bpf": 280,
                 "perf_event_open": 241, "userfaultfd": 282,
                 "setpriority": 140, "ioprio_set": 30, "migrate_pages": 238,
                 "move_pages": 239, "memfd_create": 279, "memfd_secret": 447,
                 "inotify_init1": 26, "inotify_add_watch": 27, "fanotify_init": 262,
                 "fanotify_mark": 263},
        "own": {"kill": 129, "tgkill": 131, "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240,
                "prlimit64": 261, "sched_setaffinity": 122, "sched_setparam": 118,
                "sched_setscheduler": 119, "sched_setattr": 274},
        "second_argument": {"fcntl": (25, (8, 10, 15))},
        "ioctl": 29,
        "first_argument": {"prctl": (167, (PR_SET_PDEATHSIG,))},
        "capget": 90, "capset": 91,
        "open_flags": {"openat": 2},
        "name_changes": {"openat2": 437, "mkdirat": 34, "unlinkat": 35, "renameat": 38,
                         "renameat2": 276, "linkat": 37, "symlinkat": 36, "truncate": 45,
                         "mknodat": 33},
        "numbers": {"openat": 56},
    },
}
ARCH_ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}


def _unavailable():
    value = os.environ.get(UNAVAILABLE_ENV, "").strip()
    if value in ("1", "all"):
        return {"no_new_privs", "landlock", "seccomp", "capabilities", "sandbox-exec"}
    return {part.strip() for part in value.split(",") if part.strip()}


def apply(writable_dir, reads=None):
    """Sandbox this process for good; return what was applied and what was not, and why:
    {"platform", "applied": [names], "missing": {name: reason}, "complete": bool}.

    `reads`: None leaves reading alone; a dict confines it (Landlock, "landlock-read") to
    the system's and the interpreter's files (`readable_roots()`), what mlgate planned of
    the repository `reads["repo"]` (folders `reads["trees"]` whole and files
    `reads["tracked"]`: see mlgate.artifacts.read_scope; never `.git`), and
    `reads["files"]`.
    `complete` is True when every protection of the platform's REQUIRED set was applied.
    Nothing that the system does not offer raises; a bad argument does."""
    if not isinstance(writable_dir, str) or not os.path.isdir(writable_dir):
        raise ValueError(f"apply() needs an existing folder, not {writable_dir!r}")
    report = {"platform": sys.platform, "applied": [], "missing": {}}
    disabled = _unavailable()
    if sys.platform.startswith("linux"):
        _apply_linux(os.path.realpath(writable_dir), report, disabled, reads)
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
    if reads is not None and sys.platform.startswith("linux"):
        required = (*required, "landlock-read")  # asked for, so part of what "complete" is
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


def _apply_linux(writable_dir, report, disabled, reads=None):
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
    # Killed when the mlgate that started it ends: a probe whose mlgate was SIGKILLed ran
    # on under init, its only deadline an alarm it can block (sandbox review round 35).
    # (No exec follows, which would clear it.) A parent already gone is not waited for.
    if call(arch["prctl"], PR_SET_PDEATHSIG, 9, 0, 0, 0) == 0:  # SIGKILL
        parent = os.environ.get(PARENT_ENV, "")
        if parent.isdigit() and os.getppid() != int(parent):
            os._exit(70)
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
        if reads is not None and "landlock-read" in disabled:
            reads = None
            missing["landlock-read"] = f"disabled by {UNAVAILABLE_ENV} (tests)"
        _landlock(ctypes, call, arch, writable_dir, applied, missing, reads)
    if reads is not None and "landlock" in missing and "landlock-read" not in missing:
        missing["landlock-read"] = "reads are confined by Landlock only, which is missing"
    if "seccomp" in disabled:
        missing["seccomp"] = f"disabled by {UNAVAILABLE_ENV} (tests)"
    else:
        _seccomp(ctypes, call, arch, applied, missing)
    if "capabilities" in disabled:
        missing["capabilities"] = f"disabled by {UNAVAILABLE_ENV} (tests)"
    else:
        _drop_capabilities(ctypes, call, arch, applied, missing)
    abi = next((int(a[len("landlock-abi"):]) for a in applied
                if a.startswith("landlock-abi") and a[len("landlock-abi"):].isdigit()), None)
    if abi is not None and abi < 3 and "seccomp" in applied:
        # Landlock handles truncation from ABI 3 (Linux 6.2) on: before, truncate(path) and
        # open(O_RDONLY | O_TRUNC) emptied any file the user may write, mlgate's own
        # sandbox.py among them (sandbox review round 33). seccomp refuses both.
        _seccomp(ctypes, call, arch, applied, missing, program=no_truncate_program(arch),
                 name="seccomp-no-truncate")
        if "seccomp-no-truncate" not in applied:
            missing.setdefault("landlock-truncate", f"Landlock ABI {abi} lets any writable"
                               " file be truncated, and seccomp could not refuse it")
    if "landlock" in missing and "seccomp" in applied:
        # No write jail from Landlock (an older kernel, a container that hides it): a load
        # could write .git/config, .git/hooks or ~/.bashrc, which outlive the probe. Then
        # no file is opened for writing, made, removed or renamed at all, from deny_writes()
        # on: installed libraries imported before it may still make their temporary folders
        # (scipy does at import, in the probe's folder).
        applied.append(PENDING_NO_WRITES)


PENDING_NO_WRITES = "seccomp-no-writes"


def deny_writes(report):
    """Install the "seccomp-no-writes" filter apply() promised (in report["applied"]), before
    any code of the project or the artifact runs. Returns False when it could not be
    installed: the caller must not go on, since the report already says it was."""
    if PENDING_NO_WRITES not in report.get("applied", ()) or report.get("_writes_denied"):
        return True
    ctypes, call, arch, _why = _syscalls()  # worked for apply(): it works now
    missing: dict = {}
    _seccomp(ctypes, call, arch, [], missing, program=no_writes_program(arch),
             name=PENDING_NO_WRITES)
    report["_writes_denied"] = not missing
    return not missing


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


def _landlock(ctypes, call, arch, writable_dir, applied, missing, reads=None):
    abi = call(arch["landlock_create_ruleset"], None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 0:
        missing["landlock"] = {
            errno.ENOSYS: "this kernel has no Landlock (Linux 5.13+, CONFIG_SECURITY_LANDLOCK)",
            errno.EOPNOTSUPP: "Landlock is disabled at boot (it is not in the kernel's lsm= list)",
        }.get(-abi, f"landlock_create_ruleset: {os.strerror(-abi)}")
        return
    older = os.environ.get(OLDER_ABI_ENV, "")
    if older.isdigit() and 1 <= int(older) < abi:
        abi = int(older)
    fs = (FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_CHAR | FS_MAKE_DIR
          | FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK | FS_MAKE_SYM)
    if abi >= 2:
        fs |= FS_REFER
    if abi >= 3:
        fs |= FS_TRUNCATE
    if abi >= 5:
        fs |= FS_IOCTL_DEV
    read = FS_READ_FILE | FS_READ_DIR if reads is not None else 0
    fs |= read
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
        allow("/dev/null", fs & (FS_WRITE_FILE | FS_TRUNCATE | FS_READ_FILE))  # often opened
        exposed = None
        if read:
            trees, listed, files, exposed = readable_roots(reads, writable_dir)
            for path in trees:
                if allow(path, read) == -errno.EINVAL:  # a file: only file rights
                    allow(path, FS_READ_FILE)
            for path in listed:
                allow(path, FS_READ_DIR)
            for path in files:
                allow(path, FS_READ_FILE)
        threads = _threads()
        flags = LANDLOCK_RESTRICT_SELF_TSYNC if abi >= 8 else 0
        result = call(arch["landlock_restrict_self"], ruleset, flags)
        if result < 0:
            missing["landlock"] = f"landlock_restrict_self: {os.strerror(-result)}"
            return
    finally:
        os.close(ruleset)
    applied.append(f"landlock-abi{abi}")
    if read and exposed:
        missing["landlock-read"] = (f"{exposed} lies beneath a folder the load must read;"
                                    " Landlock cannot hide it")
    elif read:
        applied.append("landlock-read")
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


# What every load may read, when reads are confined: the system's programs and libraries, a
# few files of /etc the C library and time zones need (not all of /etc: root-readable keys
# live there), this process's own /proc entries and the kernel's public ones, /sys (CPU
# topology, cgroup limits), and the harmless devices. Missing ones are skipped.
SYSTEM_TREES = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/nix/store",
                "/gnu/store", "/sys", "/etc/ld.so.conf.d", "/etc/fonts", "/etc/alternatives",
                "/proc/self", "/proc/sys")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.preload", "/etc/localtime",
                "/etc/timezone", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group",
                "/etc/os-release", "/etc/lsb-release", "/etc/mime.types", "/etc/locale.alias",
                "/etc/host.conf", "/etc/hosts", "/etc/gai.conf", "/proc/cpuinfo",
                "/proc/meminfo", "/proc/stat", "/proc/filesystems", "/proc/version",
                "/proc/loadavg", "/proc/uptime", "/proc/cgroups", "/dev/null", "/dev/zero",
                "/dev/urandom", "/dev/random", "/dev/full")
PTH_MAX = 1 << 16  # a .pth or an editable finder larger than this is not read for paths


def readable_roots(reads, writable_dir):
    """What a load may read when reads are confined (see apply()): (trees, listed, files,
    exposed). Trees are read whole, `listed` folders only listed, `files` read.

    Trees: SYSTEM_TREES; the interpreter's prefixes and its own folder; the folders of the
    shared libraries already mapped; the folders that site-packages' .pth files and
    editable-install finders put on sys.path (site runs after the sandbox: it must find
    them); mlgate's own folder (the probe's code); the writable folder; and what mlgate
    planned of the repository (its folder listed). A folder outside the repository that
    holds `.git` (a flat editable install of another checkout) is listed, and its entries
    but `.git` read.
    With `reads["site"] == "metadata"` (a probe that imports nothing), no folder a .pth
    file names is read.
    `exposed`: the repository's `.git`, when a tree holds it anyway (a repository inside
    /usr): Landlock only allows, it cannot carve `.git` out."""
    trees = [t for t in SYSTEM_TREES if t != "/proc/self"]
    trees.append(os.path.realpath("/proc/self"))
    listed, files = [], list(SYSTEM_FILES)
    for prefix in _prefixes():
        trees.append(os.path.realpath(prefix))
    trees.append(os.path.dirname(os.path.realpath(sys.executable)))
    trees.extend(_mapped_folders())
    trees.append(os.path.dirname(os.path.abspath(__file__)))
    trees.append(writable_dir)
    repo = reads.get("repo")
    repo = os.path.realpath(repo) if isinstance(repo, str) and repo else None
    committed = {p for p in reads.get("pth", ()) if isinstance(p, str)}
    # A probe that reads only installed metadata (the version probes) needs nothing .pth
    # files name: granting those (an editable install's src/, with its committed symlinks
    # followed) let a pull request read .git/config and ~/.ssh (sandbox review round 33).
    metadata_only = reads.get("site") == "metadata"
    named = [] if metadata_only else _site_paths(committed, repo)
    if metadata_only:
        # ... but the metadata of what they hold: a layered environment (a .pth naming
        # another environment's site-packages, `conda develop`) had its packages called
        # "not installed" by the lock check while the artifact check loaded them
        # (new-user trial round 37). The folder is listed; only its *.dist-info and
        # *.egg-info entries are read.
        for folder in _site_paths(committed, repo):
            if (repo and (folder == repo or folder.startswith(repo + os.sep))) or not (
                    os.path.isdir(folder)) or os.path.lexists(os.path.join(folder, ".git")):
                continue
            entries = [e for e in _listing(folder)[:20_000]
                       if e.endswith((".dist-info", ".egg-info"))]
            listed.append(folder)
            for entry in entries:
                path = os.path.join(folder, entry)
                if not os.path.islink(path):
                    (trees if os.path.isdir(path) else files).append(path)
    for folder in named:
        if repo and (folder == repo or folder.startswith(repo + os.sep)):
            continue  # the repository's own plan decides what of it is read
        if os.path.lexists(os.path.join(folder, ".git")):
            listed.append(folder)
            for path in _entries_but_git(folder, None):
                (trees if os.path.isdir(path) else files).append(path)
        else:
            trees.append(folder)
    if repo:
        # mlgate's plan (mlgate.artifacts.read_scope): tracked files and clean folders.
        # Each path is taken only as it still is: inside the repository, no `.git` in it,
        # not redirected by a symlink since it was planned.
        listed.append(repo)
        trees.extend(p for p in reads.get("trees", ()) if _planned(p, repo))
        files.extend(p for p in reads.get("tracked", ()) if _planned(p, repo))
    files.extend(p for p in reads.get("files", ()) if isinstance(p, str))
    exposed = None
    if repo:
        git = os.path.join(repo, ".git")
        for path in trees:
            path = os.path.realpath(path).rstrip(os.sep)
            if git == path or git.startswith(path + os.sep):
                exposed = git
                break
    return trees, listed, files, exposed


def _planned(path, repo):
    if not isinstance(path, str) or not path.startswith(repo + os.sep):
        return False
    if os.path.realpath(path) != path:
        return False
    return ".git" not in path[len(repo) + 1:].split(os.sep)


def _entries_but_git(folder, names):
    """The entries of `folder` but `.git` (only `names`, when given), each resolved and kept
    inside `folder`: a committed symlink to a home folder gives nothing."""
    try:
        children = os.listdir(folder)
    except OSError:
        return []
    inside = os.path.realpath(folder).rstrip(os.sep) + os.sep
    git = inside + ".git"
    found = []
    for name in children:
        if name == ".git" or (names is not None and name not in names):
            continue
        path = os.path.realpath(os.path.join(folder, name))
        # (a committed symlink to .git or into it is .git: a rule follows it)
        if path.startswith(inside) and path != git and not path.startswith(git + os.sep) \
                and os.path.exists(path):
            found.append(path)
    return found


def _prefixes():
    """The interpreter's prefixes, and the virtualenv's folder: under `python -S` (the
    probe's start) sys.prefix is still the base interpreter's; site.main() makes it the
    virtualenv whose pyvenv.cfg sits beside the executable or one folder up."""
    prefixes = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix]
    folder = os.path.dirname(os.path.abspath(sys.executable))
    for candidate in (folder, os.path.dirname(folder)):
        if os.path.isfile(os.path.join(candidate, "pyvenv.cfg")):
            prefixes.insert(0, candidate)
            break
    return list(dict.fromkeys(prefixes))


def _mapped_folders():
    """The folders of the files this process has mapped (the interpreter's shared libraries:
    a libpython or a libffi outside the prefixes)."""
    folders = set()
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                parts = line.split(None, 5)
                if len(parts) == 6 and parts[5].startswith("/") \
                        and not parts[5].rstrip().endswith("(deleted)"):
                    folders.add(os.path.dirname(parts[5].rstrip("\n")))
    except OSError:
        pass
    return sorted(folders)


def _site_paths(committed=frozenset(), repo=None):
    """The folders site-packages' .pth files and editable-install finders (setuptools'
    `__editable___*_finder.py` MAPPING and NAMESPACES) name: what site.main(), run after the
    sandbox, and the imports after it read. Comment and `import` lines are not paths. Not
    what a `committed` one names (a `.venv/` in the repository, its .pth files tracked:
    the commit would choose what the load reads). And where an entry of site-packages, or
    of a folder a .pth names, is a symlink (a package linked in from elsewhere), the
    folder or file it resolves to: Landlock checks what a path resolves to. Never in a
    folder of the repository, whose symlinks the commit makes."""

    def ours(path):
        # Any path the kernel meets on the way, not only where it ends: `src -> ~/.ssh`,
        # committed over an editable install's src/ that a .pth names, resolves outside
        # the repository (sandbox review round 35: the key was read and printed).
        return bool(repo) and any(p == repo or p.startswith(repo + os.sep)
                                  for p in kernel_walk(path))

    try:
        import site

        sitedirs = site.getsitepackages(_prefixes())
    except Exception:
        return []
    found = []
    for sitedir in dict.fromkeys(sitedirs):
        try:
            names = sorted(os.listdir(sitedir))
        except OSError:
            continue
        if not ours(sitedir):
            found.extend(_links_in(sitedir, names))  # (each path checked below)
        for name in names:
            if not name.endswith(".pth") and not (name.startswith("__editable__")
                                                  and name.endswith("_finder.py")):
                continue
            path = os.path.join(sitedir, name)
            if committed and os.path.realpath(path) in committed:
                continue
            if name.endswith(".pth"):
                for line in _small_text(path).splitlines():
                    line = line.strip()
                    if line and not line.startswith(("#", "import ", "import\t")):
                        found.append(os.path.join(sitedir, line))
            elif name.startswith("__editable__") and name.endswith("_finder.py"):
                found.extend(_finder_paths(_small_text(path)))
    named = [os.path.realpath(p) for p in found if os.path.exists(p) and not ours(p)]
    for folder in list(named):
        if os.path.isdir(folder):
            named.extend(os.path.realpath(p) for p in _links_in(folder, _listing(folder))
                         if not ours(p))
    return named


def _listing(folder):
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _links_in(folder, names):
    """`folder`'s entries that are symlinks (ROOT_LINKS at most), as named."""
    links = []
    for name in names:
        path = os.path.join(folder, name)
        if os.path.islink(path) and os.path.exists(path):
            links.append(path)
            if len(links) >= ROOT_LINKS:
                break
    return links


def kernel_walk(path, max_links=40):
    """Every path the kernel meets resolving `path`, in order: each component as it stands
    in its resolved folder (a symlink itself, then what its target meets), so a chain
    `/opt/x -> <repo>/src -> ~/.ssh` shows that it passes through the repository, which
    neither `realpath` of the path nor of its prefixes does. Absolute paths only; past
    `max_links` symlinks (ELOOP) the walk stops."""
    met, resolved, links = [], os.sep, 0
    parts = path.split(os.sep)[::-1]  # a stack: the next component last
    while parts:
        name = parts.pop()
        if name in ("", os.curdir):
            continue
        if name == os.pardir:
            resolved = os.path.dirname(resolved)
            continue
        candidate = os.path.join(resolved, name)
        met.append(candidate)
        try:
            target = os.readlink(candidate)
        except OSError:  # not a link (or absent): the kernel goes on from here
            resolved = candidate
            continue
        links += 1
        if links > max_links:
            break
        if target.startswith(os.sep):
            resolved = os.sep
        parts.extend(target.split(os.sep)[::-1])
    return met


ROOT_LINKS = 256  # symlinked packages per folder made readable: no folder needs more


def _small_text(path):
    try:
        with open(path, "rb") as handle:
            data = handle.read(PTH_MAX + 1)
    except OSError:
        return ""
    return "" if len(data) > PTH_MAX else data.decode("utf-8", "replace")


def _finder_paths(text):
    """The paths in a setuptools editable finder's MAPPING and NAMESPACES literals."""
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    paths = []
    for node in tree.body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if getattr(target, "id", None) not in ("MAPPING", "NAMESPACES"):
            continue
        try:
            value = ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError):
            continue
        for item in (value.values() if isinstance(value, dict) else ()):
            for path in (item if isinstance(item, list) else [item]):
                if isinstance(path, str):
                    paths.append(path)
    return paths


# Starting a process: fork and vfork (clone without CLONE_THREAD is handled apart).
SPAWN_CALLS = ("fork", "vfork")


# Calls of arch["own"] whose target 0 is not this process (a thread group id, a queue).
PID_ONLY = frozenset({"tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"})


def seccomp_program(arch, deny=SECCOMP_RET_KILL_PROCESS, spawn=None, pid=None):
    """The filter, as (code, jt, jf, k) tuples: kill on a foreign architecture (and on the
    x32 ABI); `deny` (kill, or fail with EPERM) on every call of arch["kill"]; `spawn` (by
    default `deny`) on fork, vfork and clone without CLONE_THREAD; clone3 fails with ENOSYS;
    with `pid`, a signal (arch["own"]) to any process but `pid` fails with EPERM (Landlock
    scopes signals only from ABI 6: Linux 6.12); the rest is allowed."""
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
    for argument in ("first_argument", "second_argument"):
        offset = DATA_ARG0_LOW + (8 if argument == "second_argument" else 0)
        for number, values in sorted(arch.get(argument, {}).values()):
            # this call: load that argument, refuse it with one of `values`, else allow
            count = len(values)
            program += [(BPF_JEQ_K, 0, count + 3, number), (BPF_LD_W_ABS, 0, 0, offset)]
            program += [(BPF_JEQ_K, count - i, 0, v) for i, v in enumerate(values)]
            program += [(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW), refused]
    if "ioctl" in arch:
        # ioctl: allow the requests of ALLOWED_IOCTLS (the second argument), refuse the rest
        count = len(ALLOWED_IOCTLS)
        program += [(BPF_JEQ_K, 0, count + 3, arch["ioctl"]),
                    (BPF_LD_W_ABS, 0, 0, DATA_ARG0_LOW + 8)]
        program += [(BPF_JEQ_K, count - i, 0, v) for i, v in enumerate(ALLOWED_IOCTLS)]
        program += [refused, (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW)]
    if pid is not None:
        for name, number in sorted(arch.get("own", {}).items(), key=lambda item: item[1]):
            targets = [pid] if name in PID_ONLY else [pid, 0]
            # not this call: skip the block; else load the target, allow it if it is ours
            program += [(BPF_JEQ_K, 0, 3 + len(targets), number),
                        (BPF_LD_W_ABS, 0, 0, DATA_ARG0_LOW)]
            program += [(BPF_JEQ_K, len(targets) - i, 0, t) for i, t in enumerate(targets)]
            program += [refused, (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW)]
    program += [(BPF_JEQ_K, 0, 1, arch["clone3"]),
                (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.ENOSYS),
                # clone(flags, ...): flags is the first argument on both architectures
                (BPF_JEQ_K, 0, 3, arch["clone"]),
                (BPF_LD_W_ABS, 0, 0, DATA_ARG0_LOW),
                (BPF_JSET_K, 1, 0, CLONE_THREAD),
                spawned,
                (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW)]
    return program


def no_writes_program(arch):
    """A filter for when Landlock is missing: open/openat with a flag that writes, creates,
    truncates or appends, and every call that makes, removes or renames a name (openat2,
    whose flags sit in a struct seccomp cannot read, with them) fail with EPERM. Writing to
    descriptors already open (the probe's answer, stderr) stays allowed."""
    refused = (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.EPERM)
    allow = (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW)
    mask = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    program = [(BPF_LD_W_ABS, 0, 0, DATA_ARCH), (BPF_JEQ_K, 1, 0, arch["audit_arch"]), allow,
               (BPF_LD_W_ABS, 0, 0, DATA_NR)]
    for name, argument in sorted(arch["open_flags"].items()):
        program += [(BPF_JEQ_K, 0, 4, arch["numbers"][name]),
                    (BPF_LD_W_ABS, 0, 0, DATA_ARG0_LOW + 8 * argument),
                    (BPF_JSET_K, 0, 1, mask), refused, allow]
    for number in sorted(arch["name_changes"].values()):
        program += [(BPF_JEQ_K, 0, 1, number), refused]
    return [*program, allow]


def no_truncate_program(arch):
    """For Landlock before ABI 3, which leaves truncation alone: truncate(), and open/openat
    with O_TRUNC (Linux truncates even with O_RDONLY), fail with EPERM; openat2, whose flags
    seccomp cannot read, too. ftruncate needs a descriptor open for writing, which Landlock
    grants only in the writable folder."""
    refused = (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.EPERM)
    allow = (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW)
    program = [(BPF_LD_W_ABS, 0, 0, DATA_ARCH), (BPF_JEQ_K, 1, 0, arch["audit_arch"]), allow,
               (BPF_LD_W_ABS, 0, 0, DATA_NR)]
    for name, argument in sorted(arch["open_flags"].items()):
        program += [(BPF_JEQ_K, 0, 4, arch["numbers"][name]),
                    (BPF_LD_W_ABS, 0, 0, DATA_ARG0_LOW + 8 * argument),
                    (BPF_JSET_K, 0, 1, os.O_TRUNC), refused, allow]
    for name in ("truncate", "openat2"):
        number = arch["name_changes"].get(name)
        if number is not None:
            program += [(BPF_JEQ_K, 0, 1, number), refused]
    return [*program, allow]


def _seccomp(ctypes, call, arch, applied, missing, deny=SECCOMP_RET_ERRNO | errno.EPERM,
             spawn=None, program=None, name=None):
    class Filter(ctypes.Structure):  # struct sock_filter
        _fields_ = (("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                    ("k", ctypes.c_uint32))

    class Program(ctypes.Structure):  # struct sock_fprog
        _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter)))

    name = name or ("seccomp" if deny != SECCOMP_RET_KILL_PROCESS else "seccomp-kill")
    program = program or seccomp_program(arch, deny, spawn, os.getpid())
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
        missing[name] = f"thread {result} could not be synchronised to the filter"
        return
    if result in (-errno.ENOSYS, -errno.EINVAL):
        # No seccomp(2) (Linux < 3.17), or no TSYNC: the calling thread and its future ones.
        result = call(arch["prctl"], PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog),
                      0, 0)
        if result == 0:
            missing["seccomp-tsync"] = "the filter covers this thread and those it starts"
    if result < 0:
        missing[name] = f"seccomp filter: {os.strerror(-result)}"
        return
    applied.append(name)


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
