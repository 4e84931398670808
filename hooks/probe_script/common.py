"""What every probe module shares: how a load failure is told, and the sandbox's report."""

import json
import os
import re
import sys


class LoadFailure(Exception):
    """Why an artifact did not load, as data: the parent turns it into a finding."""

    def __init__(self, kind, message, **details):
        Exception.__init__(self, message)
        self.kind, self.message, self.details = kind, message, details


def _under(path, roots):
    path = os.path.realpath(path)
    return any(path == root or path.startswith(root + os.sep) for root in roots)


def error_text(exc, limit=500):
    """An exception's message on one line: its first lines joined (scikit-learn's "node array
    ... has an incompatible dtype:" says what it means on the lines after), within `limit`."""
    lines = []
    for line in str(exc).splitlines():
        if line.strip().startswith("Stack trace:"):  # XGBoost's native frames: addresses
            break
        if line.strip():
            lines.append(line.strip())
    text = lines[0] if lines else ""
    # XGBoost's "[12:34:56] /workspace/src/learner.cc:123: " (a time and a build path)
    match = re.match(r"\[\d\d:\d\d:\d\d\] \S+?:\d+: ", text)
    if match:
        text = text[match.end():]
    for line in lines[1:4]:
        if len(text) + len(line) + 1 > limit:
            break
        text += " " + line
    return text[:limit]


# The answer's own file descriptor (__main__._private_answer), once the probe has one.
ANSWER_FD: list = []
# Begins the sandbox's report on the answer's stream: mlgate.probe.SANDBOX_MARK.
SANDBOX_MARK = "\x1emlgate-probe-sandbox\x1e"


def announce_sandbox(report):
    """Tell mlgate which protections were applied, at once: before the project's code or
    the artifact runs, so nothing they do in this process can rewrite it. mlgate takes the
    first report on the stream and ignores any "sandbox" in the answer."""
    if ANSWER_FD:
        data = (SANDBOX_MARK + json.dumps(report) + "\n").encode("utf-8")
        while data:
            data = data[os.write(ANSWER_FD[0], data):]


# Begins a record of what the load's audit hook stopped (mlgate.probe.STOPPED_MARK); the
# probe then ends at once with STOPPED_EXIT.
STOPPED_MARK = "\x1emlgate-probe-stopped\x1e"
STOPPED_EXIT = 86


_SITE: list = []  # run once


def start_site(before_project_code=None, repo=None):
    """What `python -S` left out at start-up: site-packages, the .pth files in them and
    sitecustomize. Each can be code a commit carries (an editable install of a src layout
    puts the project's folder on sys.path, and its sitecustomize.py would run), so the
    probe starts without them and runs them here, once its sandbox is applied.

    `before_project_code`: called before a sitecustomize or usercustomize module that is
    not the interpreter's own (one in the project's folder, or outside the environment's
    prefixes) runs: without Landlock, the load's "no writes" filter goes in there, while the
    environment's own code still runs before it (an older scipy makes a temporary folder at
    import, which the filter would refuse)."""
    if _SITE:
        return
    _SITE.append(True)
    import site

    if before_project_code is None:
        site.main()
        return
    deferred = []
    saved = site.execsitecustomize, site.execusercustomize
    site.execsitecustomize = lambda: deferred.append("sitecustomize")
    site.execusercustomize = lambda: deferred.append("usercustomize")
    try:
        site.main()
    finally:
        site.execsitecustomize, site.execusercustomize = saved
    for name in deferred:
        if not _the_interpreters(name, repo):
            before_project_code()
        (site.execsitecustomize if name == "sitecustomize" else site.execusercustomize)()


def _the_interpreters(name, repo=None):
    """Whether module `name` (sitecustomize, usercustomize) is absent or lies beneath the
    interpreter's own prefixes (a distribution's sitecustomize, Debian's): never the
    project's, nor one inside the repository (sandbox review round 33: committed into a
    `.venv/` at its root, it passed for the interpreter's own and ran before the no-writes
    filter)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return True
    origin = os.path.realpath(spec.origin or "")
    if repo and origin.startswith(os.path.realpath(repo).rstrip(os.sep) + os.sep):
        return False
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                              sys.base_exec_prefix)}
    return bool(spec.origin) and any(origin.startswith(p.rstrip(os.sep) + os.sep)
                                     for p in prefixes)


def die_with_parent():
    """With `sandbox = "off"` too: killed when the mlgate that started it ends (sandbox.py
    sets the same for a sandboxed probe). A probe whose mlgate was SIGKILLed ran on under
    init at full CPU (red team round 36)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, 9, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG, SIGKILL
            parent = os.environ.get("MLGATE_PROBE_PARENT", "")
            if parent.isdigit() and os.getppid() != int(parent):
                os._exit(70)  # it ended before the signal was set
    except (OSError, AttributeError):
        pass


def sandbox_then_site():
    """For a probe that loads nothing (environment, artifact-context): mlgate's sandbox,
    whatever it can apply (sandbox.py beside this package, loaded by its path), then the
    site processing. A failure to sandbox is no failure of the probe."""
    folder = os.getcwd()
    try:
        import importlib.util

        path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "sandbox.py")
        spec = importlib.util.spec_from_file_location("_mlgate_sandbox", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        # reads: the environment's installed metadata and the system only, nothing a .pth
        # file names (an editable install's src/ is the commit's, links and all)
        report = module.apply(folder, {"site": "metadata"})
        module.deny_writes(report)  # (nothing is imported here that writes)
    except Exception:
        pass
    start_site()
