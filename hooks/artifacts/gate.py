"""The artifact check's two layers as one reusable object: the static verdict, then the load
in the project's interpreter through the probe, the version checks, the cache.

The artifact, schema and latency checks and the audit share it: one load per model.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from mlgate.artifacts.findings import CHECK as NAME
from mlgate.artifacts.findings import (
    CLASS_MISSING,
    HINTS,
    IMPORT_FAILS,
    LOAD_FAILS,
    LOAD_WARNS,
    NOT_AN_ARTIFACT,
    UNFITTED,
    VERSION_PARITY,
)
from mlgate.artifacts.findings import finding as _finding
from mlgate.artifacts.findings import stored as _stored
from mlgate.artifacts.formats import COMPRESSIONS
from mlgate.artifacts.formats import preimports as _preimports
from mlgate.artifacts.formats import static as _static
from mlgate.artifacts.refused_globals import dangerous
from mlgate.codes import ARTIFACT_LIBRARY_UNLOCKED as LIBRARY_UNLOCKED
from mlgate.codes import ARTIFACT_UNSAFE_GLOBAL
from mlgate.config import Config
from mlgate.finding import Finding
from mlgate.lazy_re import LazyPattern

DEFAULT_TIMEOUT = 120.0
# What the loads of one run may take together, from its start (each within load-timeout):
# four 16 KB files, each slow to verify, took 5 minutes and passed, and a hundred would take
# hours (red team round 42 F4). An artifact not loaded in time is an error, not a pass.
DEFAULT_RUN_TIMEOUT = 600.0
# The probe's own deadlines (load-timeout, each call's) are alarms in its Python, which say
# which step did not finish; the kill from outside, for code stuck in C, comes this much
# later, so that they are met first (a chain of nested Pipelines whose predict() runs
# 3**depth Python was "stuck in compiled code": the kill and the alarm fired together).
PROBE_GRACE = 10.0
PARALLEL_LOADS = 2
# One BLAS thread: a load does no linear algebra, and every thread reserves address space
# that the memory limit (RLIMIT_AS) counts.
LOAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class _Environment:
    """What the checks need from the project's environment, cached per environment stamp.
    On a miss the probe runs in the background: mlgate hashes the artifacts meanwhile."""

    def __init__(self, python: str, cache, verbose: bool) -> None:
        from mlgate import __version__
        from mlgate.artifacts.cache import code_stamp, environment_stamp, key
        from mlgate.probe import source_digest

        self.python, self._cache = python, cache
        self.code = f"{__version__}-{source_digest()}-{code_stamp()}"
        self._name = f"artifact-context-{key(os.path.realpath(python), self.code)}.json"
        record = cache.read(self._name)
        self._context: dict | None = None
        self._pending: Any = None  # a PendingProbe while the answer is awaited
        if _context_shape(record) and record.get("stamp") == environment_stamp(
                python, record["path"]):
            self._context = record
        else:
            from mlgate.probe import PendingProbe

            if verbose:
                print("mlgate artifact: reading versions in the project's environment",
                      file=sys.stderr)
            self._pending = PendingProbe(python, "artifact-context", timeout=120)

    def _get(self) -> dict:
        if self._context is None:
            from mlgate.artifacts.cache import environment_stamp

            context = self._pending.result()
            if not _context_shape(dict(context, stamp="")):
                from mlgate.probe import ProbeError

                raise ProbeError(f"the project's Python {self.python!r} answered the version"
                                 " probe with something of another shape")
            context["stamp"] = environment_stamp(self.python, context["path"])
            self._cache.write(self._name, context)
            self._context = context
        return self._context

    @property
    def stamp(self) -> str:
        return self._get()["stamp"]

    @property
    def versions(self) -> dict:
        return self._get().get("versions") or {}


def _context_shape(record) -> bool:
    """A version answer as the probe gives it (a cache entry of another shape, sealed or
    not, is recomputed: reliability round 33, a traceback on every run)."""
    return (isinstance(record, dict) and isinstance(record.get("stamp"), str)
            and isinstance(record.get("path"), list)
            and all(isinstance(p, str) for p in record["path"])
            and isinstance(record.get("versions"), dict)
            and all(isinstance(k, str) and (v is None or isinstance(v, str))
                    for k, v in record["versions"].items()))


def _before_numpy_core_stubs(version: str) -> bool:
    """numpy before 1.26 has no `numpy._core` (1.26 has stubs for some of its modules)."""
    parts = version.split(".")
    return len(parts) > 1 and parts[0].isdigit() and parts[1].isdigit() and (
        int(parts[0]), int(parts[1])) < (1, 26)


def _env_parity(path: str, facts: dict, versions: dict) -> list[Finding]:
    found = []
    installed = versions.get("scikit-learn")
    for pickled in facts.get("versions", {}).get("sklearn", ()):
        if installed and pickled != installed:
            found.append(_finding(
                path, VERSION_PARITY,
                f"pickled with scikit-learn {pickled}; the project's environment has {installed}",
                hint="re-train and dump with the scikit-learn the project ships, or pin"
                     f" scikit-learn=={pickled}",
                package="scikit-learn", pickled=pickled, installed=installed))
    xgboost = versions.get("xgboost")
    for pickled in facts.get("versions", {}).get("xgboost", ()):
        # XGBoost reads a pickled Booster only with the version that wrote it (its docs: a
        # pickle is not a model format); a patch release apart is the same format.
        if xgboost and pickled.split(".")[:2] != xgboost.split(".")[:2]:
            found.append(_finding(
                path, VERSION_PARITY,
                f"pickled with xgboost {pickled}; the project's environment has {xgboost}",
                hint="re-train with the xgboost the project ships, or pin"
                     f" xgboost=={pickled} (or save it with Booster.save_model, which is"
                     " portable)", package="xgboost", pickled=pickled, installed=xgboost))
    numpy = versions.get("numpy") or ""
    major = numpy.split(".")[0]
    layouts = facts.get("numpy_layout", ())
    if _before_numpy_core_stubs(numpy) and "_core" in layouts:
        found.append(_finding(
            path, VERSION_PARITY,
            f"pickled with numpy 2 (it references numpy._core); the project's environment has"
            f" numpy {numpy}, which cannot load it",
            hint="upgrade numpy to 2.x in the project, or re-create the artifact with numpy 1.x",
            package="numpy", pickled="2", installed=numpy))
    elif major.isdigit() and "core" in layouts and int(major) >= 2:
        found.append(_finding(
            path, VERSION_PARITY,
            f"pickled with numpy 1.x (it references numpy.core); numpy {numpy} loads it only"
            " through a deprecated alias", "warning",
            hint="re-create the artifact with the numpy the project ships",
            package="numpy", pickled="1", installed=numpy))
    return found


def _version_first(found: list[Finding]) -> None:
    """A model pickled in another environment (MLG306: another scikit-learn, numpy, xgboost)
    may need what only that environment has: what it fails to import, or what the lock
    lacks, is then no library to add (new-user trial round 40 F4: a preprocessor re-fitted
    under pandas 3 asked for pyarrow, and with pyarrow installed failed in pandas 2.2's
    StringDtype). The hints of MLG307 and MLG311 say to re-save it first."""
    skew = [f for f in found if f.code == VERSION_PARITY and f.severity == "error"]
    if not skew:
        return
    what = skew[0].extra.get("package") or "its libraries"
    skewed = {f.extra.get("package") for f in skew}
    for finding in found:
        # (the skewed library itself: its hint already names the version to pin)
        if finding.code in (IMPORT_FAILS, LIBRARY_UNLOCKED) and finding.hint and not (
                finding.hint.startswith("first, ")) and (
                finding.extra.get("package") not in skewed):
            finding.hint = (f"first, re-save the model with the project's {what} (MLG306: it"
                            " was pickled in another environment, and may need what only"
                            " that one has); then, if it still needs it: " + finding.hint)


def _locked_versions(roots: list[str], config: Config, cache=None, artifact: str | None = None
                     ) -> dict[str, list[tuple[str, str]]]:
    """{distribution: [(version, lock file)]} from the locks, cached while they are unchanged
    (parsing them costs the packaging import on every commit otherwise)."""
    from mlgate.artifacts.cache import file_stat, key
    from mlgate.locks.detect import discover_locks

    configured = config.section("lock").get("files", [])
    paths = [os.path.join(config.root, p) for p in configured]
    if not paths and roots:
        # The artifact's own project: its locks and, when it has none, the nearest above it
        # (discover_locks walks up); never an unrelated project's locks elsewhere in the repo.
        paths = discover_locks(roots[0], config)
        if artifact:
            paths = nearest_locks(paths, artifact)
    name = "lock-pins-" + key(_CODE, [[os.path.realpath(p), file_stat(p)] for p in paths]) + ".json"
    record = cache.read(name) if cache else None
    if record is not None and "pins" in record:
        try:
            pins = {str(k): [tuple(v) for v in vs] for k, vs in record["pins"].items()}
            # the files the locks include (`-r base.txt`) too: a pin changed there left a
            # stale verdict (reliability round 34)
            included = [(str(p), s) for p, s in record.get("included", [])]
            if all(len(p) == 2 and all(isinstance(x, str) for x in p)
                   for vs in pins.values() for p in vs) and all(
                    file_stat(p) == s for p, s in included):
                return pins
        except (AttributeError, TypeError, ValueError):
            pass  # a damaged cache file, or one of another shape: parse again
    read: list[str] = []
    found = _parse_pins(paths, read)
    if cache:
        cache.write(name, {"pins": found,
                           "included": [[p, file_stat(p)] for p in dict.fromkeys(read)]})
    return found


def nearest_locks(paths: list[str], artifact: str) -> list[str]:
    """Of a project's locks, those in the nearest folder at or above the artifact that holds
    a lock: `spam_detection/model.pkl` is served from what `spam_detection/requirements.txt`
    installs, not from a whole-machine freeze at the repository's root (new-user trial round
    35, F5), and what a deployed Dockerfile installs. All of them when no folder on the way
    holds one (`requirements/prod.txt`, or an `app/requirements.txt` beside a `models/`
    folder)."""
    from mlgate.locks.detect import REAL_LOCKS, lock_format

    folders: dict[str, list[str]] = {}
    for path in paths:
        folders.setdefault(os.path.dirname(os.path.realpath(path)), []).append(path)
    # (a file no lock name matches was found as what a deployed Dockerfile installs,
    # `-r deploy/pins.txt`: it is what the image runs, wherever it sits)
    images = [p for p in paths if lock_format(p) is None]
    folder = os.path.dirname(os.path.realpath(artifact))
    while True:
        here = folders.get(folder, [])
        if any(lock_format(p) in REAL_LOCKS for p in here):
            return here + [p for p in images if p not in here]
        parent = os.path.dirname(folder)
        if parent == folder:
            return paths
        folder = parent


def _parse_pins(paths: list[str], read: list[str] | None = None
                ) -> dict[str, list[tuple[str, str]]]:
    """The pins of the locks; `read` gets every file parsed, included ones too."""
    from mlgate.locks.detect import parse_lock

    found: dict[str, list[tuple[str, str]]] = {}
    for path in paths:
        for lock in parse_lock(path):
            if read is not None:
                read.append(os.path.realpath(lock.path))
            if lock.format in ("pyproject", "constraints"):
                continue
            for package in lock.packages:
                entry = (package.version or package.specifier or "", package.path)
                if entry not in found.setdefault(package.name, []):
                    found[package.name].append(entry)
    return found


def _one_skew_one_finding(found: list[Finding], against_lock: list[Finding]) -> list[Finding]:
    """A version the environment and the lock both have, other than the pickled one, is one
    skew: one finding that names both (the environment's, which `found` holds, is amended),
    not two that say the same thing."""
    kept = []
    for finding in against_lock:
        lock = finding.extra or {}
        same = next((f for f in found if f.code == VERSION_PARITY and (f.extra or {}).get(
            "package") == lock.get("package") and (f.extra or {}).get("pickled") == lock.get(
            "pickled") and (f.extra or {}).get("installed") in (lock.get("locked") or ())),
            None)
        if same is None:
            kept.append(finding)
            continue
        where = finding.message.split("; ", 1)[-1]
        same.message = f"{same.message}, and {where}"
        same.extra = {**(same.extra or {}), "locked": lock.get("locked")}
    return kept


def _lock_parity(path: str, facts: dict, locked: dict) -> list[Finding]:
    from mlgate.files import relative_to
    from mlgate.locks.detect import lock_format

    found = []
    pins = [(v, f) for v, f in locked.get("scikit-learn", []) if v and v[0].isdigit()]
    # what a deployed Dockerfile installs (a file no lock name matches, `deploy/pins.txt`)
    # is what the image runs: another lock that agrees with the pickle does not save it
    images = [(v, f) for v, f in pins if lock_format(f) is None]
    for pickled in facts.get("versions", {}).get("sklearn", ()):
        if images and any(v != pickled for v, _ in images):
            pins = images
        if pins and all(v != pickled for v, _ in pins):
            where = ", ".join(f"{relative_to(f, os.getcwd())} pins {v}" for v, f in pins)
            found.append(_finding(
                path, VERSION_PARITY, f"pickled with scikit-learn {pickled}; {where}",
                hint=f"re-train with the locked scikit-learn, or lock scikit-learn=={pickled}",
                package="scikit-learn", pickled=pickled,
                locked=[v for v, _ in pins], against="lock"))
    numpy_pins = [v for v, _ in locked.get("numpy", []) if v[:1].isdigit()]
    if "_core" in facts.get("numpy_layout", ()) and numpy_pins and all(
            _before_numpy_core_stubs(v) for v in numpy_pins):
        found.append(_finding(
            path, VERSION_PARITY,
            f"pickled with numpy 2 (it references numpy._core); the lock pins numpy"
            f" {', '.join(numpy_pins)}, which cannot load it",
            hint="lock numpy 2.x, or re-create the artifact with numpy 1.x",
            package="numpy", pickled="2", locked=numpy_pins, against="lock"))
    return found


# What a load may use by default, whatever sizes the artifact declares (only a configured
# memory-limit-mb goes beyond it).
MEMORY_CEILING_MB = 16384


def _memory_limit(config_value, size: int) -> int:
    if config_value is not None:
        return int(config_value)
    # libraries it imports, and the object
    return min(4096 + 10 * (size // (1024 * 1024)), MEMORY_CEILING_MB)


def _load_payload(path: str, sha: str, facts: dict, roots: list[str], project_pairs: set,
                  section: dict, allow_all, reads: dict, block: dict | None) -> dict:
    # A pickle needs only the pairs its scan saw; skops lists its types only in the load.
    allow = sorted(allow_all.pairs) if facts["loader"] == "skops" else facts["globals"]
    return {
        "path": os.path.realpath(path), "sha256": sha, "loader": facts["loader"],
        "allow": allow, "project_pairs": sorted(project_pairs), "pythonpath": roots,
        "memory_limit_mb": _memory_limit(section.get("memory-limit-mb"), facts.get("size", 0)),
        "sandbox": _sandbox_spec(section, reads, path, block),
    }


def _sandbox_spec(section: dict, reads: dict, path: str, block: dict | None = None) -> dict:
    """What the probe needs to sandbox the load: the mode, where `sandbox.py` is (the probe
    runs in the project's interpreter, where mlgate is not importable: it loads it by path),
    and what of the repository it may read (`sandbox_reads`) besides the artifact and the
    files its model block names (a parquet sample, a contract imported), tracked or not."""
    from mlgate.probe import SANDBOX_PATH

    files = [os.path.realpath(path)]
    if block:  # preprocessors are scanned as the artifact is; other files pass `named_file`
        files += [f for f in block.get("before") or () if isinstance(f, str)]
        files += [f for f in block.get("grant") or () if isinstance(f, str)]
    return {"mode": section.get("sandbox", "auto"), "path": SANDBOX_PATH,
            "reads": {**reads, "files": files}}


# What the probe verifies of an artifact before anything is unpickled: a preprocessor's are
# added to the model's.
_PREPROCESSOR_FACTS = ("verify", "dtypes", "compiled", "subclasses", "slots", "dict_classes",
                       "project_classes", "absent_modules")


# A load with less containment than asked for is said once per run (the audit runs several
# gates), even without --verbose: the path it was said for.
_TOLD: list[str] = []


def sandbox_summary(report: dict | None, short: bool = False) -> str:
    """For --verbose (and, `short`, the audit): which protections the load ran under."""
    if not report or report.get("mode") == "off":
        return "no sandbox" if short else "sandbox off"
    if short:
        return "sandboxed" if report.get("complete") else "in an incomplete sandbox (missing " \
            + ", ".join(report.get("missing") or ()) + ")"
    text = "sandbox: " + (", ".join(report.get("applied", ())) or "nothing applied")
    missing = report.get("missing") or {}
    if missing:
        text += "; missing " + "; ".join(f"{k} ({v})" for k, v in missing.items())
    return text


def _module_finding(path: str, result: dict, python: str, locked: dict,
                    listed: list[str] | None, project_tops: set | frozenset) -> Finding:
    from mlgate.artifacts.project import in_repository
    from mlgate.locks.model import canonical_name

    module = result.get("module") or "?"
    top = module.split(".")[0]
    if module != top:
        return _finding(path, IMPORT_FAILS,
                        f"cannot import {module}: the installed {top} has no such module (it"
                        " was pickled with another version)",
                        hint=HINTS[CLASS_MISSING], module=module)
    from mlgate.libraries import distribution_of

    dist = canonical_name(distribution_of(top))
    # The repository serves only the project's own top-level packages (allow, trust-modules).
    where = in_repository(top, listed or []) if top in project_tops else None
    if where is not None:
        return _finding(path, IMPORT_FAILS,
                        f"cannot import {top}: it is in the repository ({where}/) but not on"
                        " the import roots mlgate gives the load",
                        hint=f'add "{where}" to [tool.mlgate.artifact] pythonpath', module=top)
    if dist in locked:
        return _finding(path, IMPORT_FAILS,
                        f"cannot import {top}: {dist} is locked but not installed in the"
                        f" project's environment ({python})",
                        hint="install the lock into the project's environment", module=top,
                        package=dist)
    return _finding(path, IMPORT_FAILS,
                    f"cannot import {top}: not installed in the project's environment ({python})"
                    + (f", and {dist} is not in the lock either" if locked else ""),
                    hint=f"add {dist} to the lock and install it", module=top, package=dist)


UNCACHED_FAILURES = ("module", "import", "exception", "timeout")


def well_formed(record: dict) -> bool:
    """A cached verdict in the shape mlgate writes; a damaged or hand-edited file is a miss
    (parsed again), never a traceback."""
    def text(value) -> bool:
        return isinstance(value, str)

    try:
        facts = record["facts"]
        versions = facts.get("versions", {})
        return (isinstance(facts, dict) and isinstance(versions, dict)
                and all(text(k) and isinstance(v, list) and all(map(text, v))
                        for k, v in versions.items())
                and isinstance(facts.get("numpy_layout", []), list)
                and all(map(text, facts.get("numpy_layout", [])))
                and isinstance(record.get("load") or {}, dict)
                and all(isinstance(f, dict) and text(f.get("code")) and text(f.get("message"))
                        and f.get("severity") in ("error", "warning")
                        and isinstance(f.get("extra") or {}, dict)
                        for f in record["findings"])
                and all(isinstance(d, list) and len(d) == 2 and text(d[0])
                        for d in record.get("deps", [])))
    except (KeyError, TypeError, AttributeError):
        return False


# Warnings a load raises that another finding already reports (MLG306 compares versions).
_COVERED_WARNINGS = ("InconsistentVersionWarning",)
# Only what says the artifact was written by other code; not the sandbox's own effects
# ("Permission denied. joblib will operate in serial mode") nor generic deprecations.
_ABOUT_THE_ARTIFACT = LazyPattern(
    r"(?i)\b(older|newer|previous|different|another|incompatible|future)\s+versions?\s+of"
    r"|generated by an? (older|newer)|serialized model|unpickl\w* .*version")


def _unrecorded_versions(path: str, result: dict, facts: dict,
                         versions: dict) -> list[Finding]:
    """MLG306 for the versions scikit-learn said, while loading, that estimators were
    pickled with and the scan did not read in the stream (an estimator state without
    `_sklearn_version` is "pre-0.18" to scikit-learn: no version since 2016 writes one).
    A model of another version is not held to its fit's parameter checks, so none may go
    unreported."""
    recorded = set(facts.get("versions", {}).get("sklearn", ()))
    said = result.get("sklearn_pickled") if result.get("ok") else None
    installed = versions.get("scikit-learn") or "another version"
    return [_finding(
        path, VERSION_PARITY,
        (f"an estimator in it records no scikit-learn version, which scikit-learn reads as"
         f" pickled with {version}" if version == "pre-0.18" else
         f"scikit-learn says an estimator in it was pickled with scikit-learn {version}, a"
         f" version the file does not record where an estimator keeps it")
        + f"; the project's environment has {installed}",
        hint="re-train and dump the model with the scikit-learn the project ships",
        package="scikit-learn", pickled=version, installed=installed)
        for version in (said if isinstance(said, list) else [])
        if isinstance(version, str) and version not in recorded]


def _blame_the_version(found: Finding, result: dict, facts: dict, versions: dict) -> None:
    """A model pickled with another scikit-learn that fails the fitted-state checks fails
    them for that reason first (0.23.2 recorded no n_features_in_): say so, and what to
    do, rather than "the model is inconsistent" alone (new-user trial round 29)."""
    installed = versions.get("scikit-learn") if isinstance(versions, dict) else None
    pickled = [v for v in facts.get("versions", {}).get("sklearn", ()) if v != installed]
    owner = result.get("owner")
    if result.get("kind") != "corrupt" or not pickled or not installed or (
            isinstance(owner, str) and owner and owner.split(".")[0] != "sklearn"):
        return  # (an XGBoost Booster's problem is no scikit-learn version's: round 40 F3)
    found.message += (f" (it was pickled with scikit-learn {', '.join(pickled)}, which"
                      f" records its state otherwise than {installed}: MLG306)")
    found.hint = (f"re-train and dump with scikit-learn {installed} (the project's), or run"
                  f" the project with the version the model was pickled with")


def _load_findings(path: str, result: dict, python: str, locked: dict,
                   listed: list[str] | None,
                   project_tops: set | frozenset = frozenset()) -> list[Finding]:
    if result.get("ok"):
        unfitted = result.get("unfitted")
        never_fitted = [_finding(path, UNFITTED, f"it holds a {result.get('type')} that was"
                                 f" never fitted: {unfitted}")] if isinstance(
            unfitted, str) else []
        attempts = [a for a in result.get("use_attempts") or () if isinstance(a, str)]
        if attempts:  # what the model did when called, after it loaded (red team 44 F2)
            never_fitted.append(_finding(
                path, LOAD_FAILS, "the model loaded, and when mlgate called it on a few rows"
                f" it tried to {'; then to '.join(a[:200] for a in attempts[:3])}: the"
                " sandbox refused it, where it is served nothing would. A model does not run"
                " programs or reach the network to answer", hint="do not serve this file;"
                " if it is yours, look at what its predict (or transform) calls: a function"
                " of the project it names, with the arguments the file stores", kind="sandbox"))
        swallowed = [a for a in result.get("swallowed_forks") or () if isinstance(a, str)]
        if swallowed:  # refused, and carried on as if nothing happened (red team 44b F2)
            never_fitted.append(_finding(
                path, LOAD_FAILS, f"the model loaded, and {swallowed[0][:200]} tried to start"
                " a process when mlgate called it, then carried on past the sandbox's"
                " refusal: what that process would run where the model is served was not"
                " checked", hint="a worker pool fails the call here instead (not checked);"
                " look at what the model runs in a process, or save it without parallel"
                " workers", kind="sandbox"))
        # What the libraries said while reading it: XGBoost's "serialized model ... generated
        # by an older version", a pandas or numpy deprecation of a stored layout.
        return never_fitted + [_finding(path, LOAD_WARNS, "loading it warned:"
                                        f" {item['message'][:400]}",
                                        **({"hint": "the model loaded; what mlgate checks"
                                                    " of its compiled parts was not checked:"
                                                    " see the message"}
                                           if item.get("category") == "unchecked" else {}),
                                        category=item.get("category"))
                for item in result.get("warnings") or []
                if isinstance(item, dict) and isinstance(item.get("message"), str)
                and item.get("category") not in _COVERED_WARNINGS
                # (scikit-learn before 1.3 says the same as a UserWarning)
                and "Trying to unpickle estimator" not in item["message"]
                and (_ABOUT_THE_ARTIFACT.search(item["message"])
                     or item.get("category") == "unchecked")]
    kind = result.get("kind")
    if kind == "sandbox":  # sandbox = "require" and the probe could not apply all of it
        from mlgate.finding import UsageError

        raise UsageError(f"{path}: {result.get('message')}")
    if kind == "stopped":  # the probe's audit hook: the load tried to run or connect
        what = str(result.get("message"))
        if what.startswith(_CODE_ATTEMPTS):  # a function pickled by value, being rebuilt
            from mlgate.artifacts.refused_globals import CODE_HINT as stopped_hint
        else:
            stopped_hint = _STOPPED_HINT
        return [_finding(path, LOAD_FAILS, f"the sandbox stopped the load: it tried to"
                         f" {what}", hint=stopped_hint, kind="sandbox")]
    if kind == "module":
        return [_module_finding(path, result, python, locked, listed, project_tops)]
    if kind == "class":
        said = str(result.get("message") or "")
        why = "" if said == f"{result['module']} has no {result['name']}" or not said else (
            f": {said}")
        return [_finding(path, CLASS_MISSING,
                         f"{result['module']}.{result['name']} no longer exists in the project's"
                         f" environment{why}", module=result["module"], name=result["name"])]
    message = result.get("message", "failed")
    if kind == "timeout":
        return [_finding(path, LOAD_FAILS, message, kind="timeout",
                         hint="raise [tool.mlgate.artifact] load-timeout if the model is really"
                              " that slow to load")]
    if kind == "refused":
        module, name = result.get("module"), result.get("name")
        if isinstance(module, str) and isinstance(name, str):  # worded as the scan's are
            from mlgate.artifacts.refused_globals import NOT_OFFERED_HINT, hint, offered

            if not offered(module, name):
                return [_finding(path, ARTIFACT_UNSAFE_GLOBAL, message, hint=NOT_OFFERED_HINT,
                                 module=module, name=name)]
            return [_finding(path, ARTIFACT_UNSAFE_GLOBAL, message, hint=hint(module, name),
                             module=module, name=name, allow=f"{module}:{name}")]
        return [_finding(path, ARTIFACT_UNSAFE_GLOBAL, message, module=module, name=name)]
    if kind == "memory":
        return [_finding(path, LOAD_FAILS, f"loading {message}",
                         hint="raise [tool.mlgate.artifact] memory-limit-mb if the model is"
                              " really that large")]
    if kind == "corrupt":  # nothing to see by loading it: it loads, and fails later
        return [_finding(path, LOAD_FAILS, f"loading failed: {message}", kind=kind,
                         hint=_CORRUPT_HINT)]
    advice = _ABI_HINT if _ABI_BREAK.search(message) else _unreadable_hint(message)
    return [_finding(path, LOAD_FAILS, f"loading failed: {message}", kind=kind,
                     **({"hint": advice} if advice else {}))]


_CORRUPT_HINT = ("the file holds what its library never writes (or was damaged after it was"
                 " saved): loading it yourself shows nothing, it fails or misbehaves later;"
                 " re-save the model from its training code with the project's versions,"
                 " and do not serve this file")


def _unreadable_hint(message: str) -> str | None:
    """A load denied a file of the repository the sandbox does not let it read (an ignored,
    generated `_version.py`; a data file not committed): which, and what to do."""
    from mlgate.files import git_root

    found = _DENIED.search(message)
    root = git_root()
    if not found or not root or not found.group(1).startswith(root.rstrip(os.sep) + os.sep):
        return None
    name = os.path.relpath(found.group(1), root)
    return (f"{name} is not a file git tracks, and the load's sandbox reads only those (and"
            " Python files git does not ignore, and the version file setuptools-scm"
            " generates): commit it if the model needs it, or create it where the model is"
            " loaded")


_DENIED = LazyPattern(r"PermissionError: \[Errno 13\] Permission denied: '([^']+)'")


# A compiled package built against numpy 1.x, imported under numpy 2 (or the reverse): the
# load fails in an import, whatever the artifact holds (new-user trial round 29).
_ABI_BREAK = LazyPattern(r"numpy\.dtype size changed|compiled using NumPy 1\.x cannot be"
                         r" run in\s+NumPy 2|_ARRAY_API not found|binary incompatibility")
_ABI_HINT = ("a compiled package in the project's environment was built for another numpy"
             " major version than the one installed: pin numpy<2 in the lock (or upgrade that"
             " package to a release built for numpy 2), reinstall, and check again")


# What the probe says a load tried when it built code (probe_script/load.py's _CODE_EVENTS).
_CODE_ATTEMPTS = ("run code it carries", "make a function from code", "make a code object",
                  "read marshalled code")
_STOPPED_HINT = ("never load this artifact; if it is yours, look for what runs a program or"
                 " code, or opens a connection, when it is unpickled")


def _allowed_dangers(path: str, pairs: set, loaded: bool) -> list[Finding]:
    """The artifact calls a global pickle exploits are built on, and the user allow-listed it.
    Code a load runs can print any answer the probe would, so this verdict stands on the
    static scan alone: no allow-list entry and no load makes such an artifact pass."""
    found = []
    for module, name in sorted(pairs):
        found.append(_finding(
            path, ARTIFACT_UNSAFE_GLOBAL,
            f"{module}.{name} is on the allow-list, but it is what pickle exploits call (it"
            " runs programs or code, reads or writes files, or imports by name): no allow-list"
            " entry makes an artifact that needs it safe to load" + (
                "; it was loaded only inside the sandbox, to report what it tried" if loaded
                else "; it was not loaded (the sandbox is off)"),
            hint=f"remove \"{module}:{name}\" from [tool.mlgate.artifact] allow (or its module"
                 " from trust-modules), and re-create the artifact without it",
            module=module, name=name))
    return found


def _pending(facts: dict) -> bool:
    """Whether the static layer left anything for the probe to verify without a load."""
    return any(facts.get(fact) for fact in ("verify", "dtypes", "project_classes",
                                            "absent_modules"))


def _probe_failure(path: str, error, timeout: float, load_timeout: float) -> list[Finding]:
    """`timeout` is what the probe was given in all: the load-timeout, plus time for the
    calls on the sample when the model is exercised (rel round 35: a C loop in `transform`
    was reported after 136 s as "did not finish within 10 s")."""
    import signal as signals

    if error.kind == "timeout":  # (stuck in compiled code: the probe's own alarm did not stop it)
        if timeout > load_timeout:
            spent = (f"loading it and calling it on the sample did not finish within"
                     f" {timeout:g} s ({load_timeout:g} s load-timeout, {timeout - load_timeout:g}"
                     f" s for the calls); it was stuck in compiled code, where the probe's own"
                     f" deadlines cannot stop it")
            hint = ("load it and call it on the sample by hand to see which step hangs; if the"
                    " load is really that slow, raise [tool.mlgate.artifact] load-timeout")
        else:
            spent = (f"loading it did not finish within {timeout:g} s; it was stuck in"
                     f" compiled code, where the probe's own deadline cannot stop it")
            hint = ("raise [tool.mlgate.artifact] load-timeout if the model is really that slow"
                    " to load")
        return [_finding(path, LOAD_FAILS, spent, hint=hint, kind="timeout")]
    if error.kind == "overrun":  # a limit watched from outside the probe
        return [_finding(path, LOAD_FAILS, f"the sandbox stopped the load: {error}".replace(
            "the probe was stopped: ", ""), hint="never load this artifact; if it is yours,"
            " look for what writes files or starts threads when it is unpickled",
            kind="sandbox")]
    signal = -error.returncode if error.returncode and error.returncode < 0 else None
    if signal is not None and signal == getattr(signals, "SIGSYS", None):
        # seccomp killed the probe: the load tried to start a process or open a socket
        return [_finding(path, LOAD_FAILS, "the sandbox stopped the load: it tried to run a"
                         " program or open a socket (killed by SIGSYS)", hint=_STOPPED_HINT,
                         kind="sandbox")]
    what = f"killed by signal {signal}" if signal else str(error)
    return [_finding(path, LOAD_FAILS, f"loading it (or predicting a few rows with it, right"
                     f" after) crashed the interpreter: {what}", kind="crash")]


# Bump when what this module concludes from the same facts changes: cached verdicts expire.
_CODE = 6


def _logged_requirements(artifact: str) -> tuple[str, set[str]] | None:
    """The requirements.txt MLflow wrote beside the model (its `MLmodel` folder), which lock
    discovery sets aside, and the names it pins; None when there is none."""
    from mlgate.locks.detect import _logged_model, parse_lock

    beside = os.path.join(os.path.dirname(artifact), "requirements.txt")
    if not (os.path.isfile(beside) and _logged_model(beside)):
        return None
    try:
        names = {package.name for lock in parse_lock(beside) for package in lock.packages}
    except Exception:  # unreadable: the hint says nothing of it
        return None
    return os.path.relpath(beside), names


class ArtifactGate:
    """Both layers for any number of artifacts, sharing one environment, cache and
    allow-list. The schema and latency checks hand `check` a `model` block per artifact: the
    probe exercises the model on the same load, and the answer is in record["load"]["model"].
    """

    def __init__(self, config: Config, python_arg: str | None, *, no_cache: bool = False,
                 no_load: bool = False, verbose: bool = False, label: str = NAME) -> None:
        from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS
        from mlgate.artifacts.cache import Cache
        from mlgate.environment import find_repo_root, resolve_project_python

        self.config, self.verbose, self.label = config, verbose, label
        self.section = config.section(NAME)
        self.repo_root = find_repo_root(os.getcwd())
        self.cache = Cache.this_run() if no_cache else Cache.for_repo(self.repo_root)
        self._told: set[str] = set()  # the loads --verbose has said (a later ask is cached)
        self._installed: Any = None  # the environment's distributions, when MLG311 asks
        self.python = resolve_project_python(python_arg, config.python, config.root,
                                             self.repo_root)
        if verbose:
            print(f"mlgate {label}: project Python {self.python.executable} (from"
                  f" {self.python.reason})", file=sys.stderr)
        self.env = _Environment(self.python.executable, self.cache, verbose)
        self.load = not no_load and self.section.get("load", True)
        self.timeout = float(self.section.get("load-timeout", DEFAULT_TIMEOUT))
        self.run_timeout = float(self.section.get("run-timeout", DEFAULT_RUN_TIMEOUT))
        self._deadline = float("inf")  # set for each run (`check`)
        self.sandbox = self.section.get("sandbox", "auto")
        self.configured = {tuple(e.split(":", 1)) for e in self.section.get("allow", [])}
        self.base = BASE | NUMPY_UFUNCS | NUMPY_TYPES | self.configured
        self._locked: dict[tuple, dict] = {}
        self._listed: list[str] | None = None
        self._read_spec: dict | None = None

    def _reads(self) -> dict:
        """The repository's part of every load's read confinement, once per run."""
        if self._read_spec is None:
            from mlgate.artifacts.read_scope import sandbox_reads

            self._read_spec = sandbox_reads(self.repo_root,
                                            untracked=not getattr(self.config, "trusted", None))
        return self._read_spec

    def _start_early(self, path: str, early: list, block: dict | None = None) -> None:
        """Start the load's probe before the hash and the scan, when the file looks like a
        pickle or joblib file: it reads, hashes and imports meanwhile, and is cancelled
        unless the scan passes. Nothing is unpickled before it gets the payload."""
        from mlgate import probe
        from mlgate.artifacts.container import detect

        if not self.load or self._spent():
            return
        from mlgate.artifacts.reading import read_head

        head = read_head(os.path.realpath(path), 1 << 16)
        kind = detect(head)
        if kind == "pickle" or kind in COMPRESSIONS:
            early.append(probe.PendingProbe(
                self.python.executable, "load-artifact", self.timeout, env_extra=LOAD_ENV,
                prepare={"path": os.path.realpath(path), "preimport": _preimports(kind, head),
                         "sandbox": _sandbox_spec(self.section, self._reads(), path, block)},
                sandbox=self.sandbox))

    def _spent(self) -> bool:
        """Whether the run's loads have had their `run-timeout`: no load starts after it."""
        import time

        return time.monotonic() > self._deadline

    def _verify(self, path: str, facts: dict, roots: list[str]) -> dict:
        """The probe's verdict on the pending scikit-learn pairs and dtype states of a file
        it does not load."""
        from mlgate import probe

        try:
            result = probe.run_probe(
                self.python.executable, "load-artifact", self.timeout + PROBE_GRACE,
                {"verify_only": True, "verify": facts.get("verify", []),
                 "dtypes": facts.get("dtypes", []), "pythonpath": roots,
                 "project_classes": facts.get("project_classes", []),
                 "slots": facts.get("slots", []),
                 "absent_modules": facts.get("absent_modules", []),
                 "sandbox": _sandbox_spec(self.section, self._reads(), path)}, LOAD_ENV,
                sandbox=self.sandbox)
        except probe.ProbeError as exc:
            return {"kind": "probe",
                    "findings": _probe_failure(path, exc, self.timeout, self.timeout)}
        if result.get("kind") == "module" and self._listed is None:
            from mlgate.files import project_files

            self._listed = project_files(self.repo_root)
        result["findings"] = _load_findings(path, result, self.python.executable,
                                            self._locked_for(tuple(roots), path), self._listed)
        return result

    def _preprocessors(self, path: str, block: dict | None, project_pairs: set,
                       roots: list[str]):
        """The preprocessors a declared model's service applies before it (block["before"]),
        each read and scanned here as an artifact is: {"before": [{path, sha256, loader}],
        "globals", "facts" (what the probe verifies first), "project_pairs"}, or a Finding
        when one does not pass (the model is then not exercised through it)."""
        import hashlib

        from mlgate.artifacts.allowlist import AllowList
        from mlgate.artifacts.project import ProjectClasses
        from mlgate.artifacts.reading import Unreadable, read_bytes, resolve
        from mlgate.codes import MODEL_UNUSABLE

        out: dict = {"before": [], "globals": set(), "project_pairs": set(),
                     "facts": {fact: [] for fact in _PREPROCESSOR_FACTS}}
        for real in (block or {}).get("before") or ():
            shown = os.path.relpath(real) if real.startswith(os.getcwd()) else real

            def refused(why: str, shown: str = shown) -> Finding:
                return _finding(path, MODEL_UNUSABLE, f"its preprocessor {shown} {why}, so the"
                                " model was not exercised through it", "error",
                                hint=f"run `mlgate artifact {shown}`")
            try:
                data = read_bytes(resolve(real, self.repo_root))
            except (OSError, Unreadable) as exc:
                return refused(f"cannot be read ({exc})")
            own = ProjectClasses(roots, self.repo_root)
            allow = AllowList(self.base | project_pairs, defer=True, project_classes=own,
                              flag=frozenset(p for p in project_pairs if dangerous(*p)))
            static, facts = _static(real, data, allow, False)
            if allow.flagged and self.sandbox == "off":  # as the model's: never unsandboxed
                return refused("names what the configuration allows but pickle exploits"
                               " use, and the sandbox is off")
            errors = [f for f in static if f.severity == "error" and f.code != VERSION_PARITY]
            if errors:
                return refused(f"does not pass the artifact check ({errors[0].code}"
                               f" {errors[0].message})")
            if facts.get("loader") not in ("pickle", "joblib") or "globals" not in facts:
                return refused("is not a pickle or joblib file (a chain is read from those)")
            out["before"].append({"path": real, "sha256": hashlib.sha256(data).hexdigest(),
                                  "loader": facts["loader"]})
            out["size"] = out.get("size", 0) + len(data)
            out["globals"] |= {tuple(p) for p in facts["globals"]}
            out["project_pairs"] |= set(allow.project_pending)
            if allow.project_pending:
                out["facts"]["project_classes"] += sorted(
                    [m, n, where] for (m, n), where in allow.project_pending.items())
            if allow.pending:
                called = ({tuple(p) for p in facts.pop("called")} if "called" in facts
                          else allow.pending)
                out["facts"]["verify"] += sorted([m, n, (m, n) in called]
                                                 for m, n in allow.pending)
            for fact in _PREPROCESSOR_FACTS:
                if fact not in ("verify", "project_classes"):
                    out["facts"][fact] += list(facts.get(fact) or [])
        return out

    def _libraries_unlocked(self, path: str, facts: dict, roots: tuple) -> list[Finding]:
        """MLG311: a library the pickle needs (xgboost, pandas, ...) that the project's lock
        neither pins nor brings in through what it pins: the deployed service, installed
        from the lock, cannot load the model (ModuleNotFoundError). Only with a lock; what
        the lock brings in is read from the installed metadata, and only when a library is
        not pinned itself."""
        from mlgate.libraries import LIBRARIES
        from mlgate.locks.model import canonical_name

        locked = self._locked_for(roots, path)
        if not locked:
            return []
        needed = sorted({str(g[0]).split(".")[0] for g in facts.get("globals") or ()
                         if g and str(g[0]).split(".")[0] in LIBRARIES})
        names = {canonical_name(n) for n in locked}
        missing = [m for m in needed
                   if not any(canonical_name(d) in names for d in LIBRARIES[m])]
        if not missing:
            return []
        if self._installed is None:
            from mlgate.checks.lock import installed

            try:
                self._installed = installed(self.python.executable, self.repo_root,
                                            self.cache.folder is None)
            except Exception:  # the environment did not answer: the lock check says so
                return []
        env = self._installed
        reach = env.closure({n: set() for n in names})
        missing = [m for m in missing
                   if not any(canonical_name(d) in reach for d in LIBRARIES[m])]
        files = sorted({f for pins in locked.values() for _, f in pins})
        shown = ", ".join(os.path.relpath(f) if os.path.isabs(f) else f for f in files[:3])
        logged = _logged_requirements(path)
        found = []
        for module in missing:
            dist = next((d for d in LIBRARIES[module] if canonical_name(d) in env.dists),
                        LIBRARIES[module][0])
            version = (env.dists.get(canonical_name(dist)) or {}).get("version")
            recorded = sorted(facts.get("versions", {}).get(module) or ())
            # the version the pickle records, else the one it was made with: the installed
            # one may be another (new-user trial round 40 F5: "add xgboost==3.4.1" beside
            # MLG306's "pickled with 3.0.5", and a category-encoders pin that broke predict)
            hint = (f"add {dist}=={recorded[0]} to the lock (the version it was pickled with)"
                    if len(recorded) == 1 else
                    f"add {dist} to the lock, at the version the model was pickled with"
                    + (f" ({version} is installed here: it is that one only if MLG306 says"
                       " nothing of it)" if version else ""))
            if logged and any(canonical_name(d) in logged[1] for d in LIBRARIES[module]):
                # (new-user trial round 38, F3: the Dockerfile installed that file too)
                hint = (f"{logged[0]} pins it, but it is the MLflow model's own record, not"
                        " read as a lock: if the service installs it (a Dockerfile's `pip"
                        " install -r`), list it in [tool.mlgate.lock] files; else " + hint)
            found.append(_finding(
                path, LIBRARY_UNLOCKED,
                f"the model needs {dist} (it pickles {module} objects); {shown} neither"
                f" pins it nor brings it in: a service installed from the lock cannot load"
                f" the model (No module named '{module}')",
                hint=hint, package=dist, module=module, locks=files))
        return found

    def _locked_for(self, roots: tuple, artifact: str | None = None) -> dict:
        where = (roots, os.path.dirname(os.path.realpath(artifact)) if artifact else None)
        if where not in self._locked:
            self._locked[where] = _locked_versions(list(roots), self.config, self.cache,
                                                   artifact)
        return self._locked[where]

    def check(self, paths: list[str], models: dict | None = None
              ) -> list[tuple[str, list[Finding], dict]]:
        """(path, findings, record) per artifact, in order. `models`: path -> (block, key).
        Every static scan of the run shares one budget (`RunBudget`)."""
        import time

        from mlgate.artifacts.pickle_scan import _RUN, RunBudget

        _RUN[0] = RunBudget()
        self._deadline = time.monotonic() + self.run_timeout
        try:
            return self._check(paths, models)
        finally:
            _RUN[0] = None

    def _check(self, paths: list[str], models: dict | None
               ) -> list[tuple[str, list[Finding], dict]]:
        from mlgate import probe
        from mlgate.artifacts.allowlist import AllowList
        from mlgate.artifacts.cache import deps_unchanged, file_stat, key
        from mlgate.artifacts.pickle_scan import _RUN
        from mlgate.artifacts.project import (
            ProjectClasses,
            import_roots,
            project_folder,
            trusted_pairs,
        )
        from mlgate.artifacts.reading import Unreadable, read_bytes, resolve

        models = models or {}
        run = _RUN[0]
        assert run is not None
        out: list[tuple[str, list[Finding], dict]] = []
        pending: list[tuple[str, str | None, dict, list, Any]] = []  # waiting for their load
        section, cache, env = self.section, self.cache, self.env

        def finish(path: str, record: dict, result_name: str | None) -> None:
            found = [Finding(path, 1, 1, f["code"], f["message"], f["severity"],
                             f.get("hint", ""), f.get("extra")) for f in record["findings"]]
            if result_name:
                cache.write(result_name, record)
            lock_roots = tuple(dict.fromkeys([project_folder(path, self.repo_root),
                                              self.repo_root]))
            if record["facts"].get("versions") or record["facts"].get("numpy_layout"):
                found.extend(_one_skew_one_finding(found, _lock_parity(
                    path, record["facts"], self._locked_for(lock_roots, path))))
            found.extend(self._libraries_unlocked(path, record["facts"], lock_roots))
            _version_first(found)
            out.append((path, found, record))
            told = path in self._told
            if self.verbose and record.get("load"):
                self._told.add(path)
            if self.verbose and not told and (record.get("load") or {}).get("ok"):
                info = record["load"]
                print(f"mlgate {self.label}: {path} loads as {info.get('type')} in"
                      f" {info.get('load_seconds', 0):.2f} s", file=sys.stderr)
            if self.verbose and not told and record.get("load"):
                print(f"mlgate {self.label}: {path} loaded under"
                      f" {sandbox_summary(record['load'].get('sandbox'))}", file=sys.stderr)
            report = (record.get("load") or {}).get("sandbox") or {}
            if not _TOLD and report.get("mode") == "off":
                # said even without --verbose: the setting may come from the very pull
                # request whose artifacts are loaded
                _TOLD.append(path)
                where = self.config.source or "the configuration"
                print(f"mlgate {self.label}: note: {path} was loaded with no sandbox"
                      f" (sandbox = \"off\" in {where}); in CI on pull requests take the"
                      " configuration from the base branch (--trusted-config REV), so a"
                      " pull request cannot switch the sandbox off", file=sys.stderr)
            if not self.verbose and not _TOLD and report.get(
                    "mode") not in (None, "off") and not report.get("complete"):
                # once a run, even without --verbose: a load with less containment than
                # asked for is no finding (sandbox = "auto"), but nobody should miss it
                _TOLD.append(path)
                print(f"mlgate {self.label}: note: {path} was loaded"
                      f" {sandbox_summary(report, True)}; --verbose says why, and"
                      " sandbox = \"require\" refuses such a load", file=sys.stderr)

        def drain(limit: int) -> None:
            while len(pending) > limit:
                path, name, record, roots, started = pending.pop(0)
                try:
                    result = started.result()
                except probe.ProbeError as exc:
                    record["findings"] += [_stored(f)
                                           for f in _probe_failure(
                                               path, exc, started.timeout - PROBE_GRACE,
                                               self.timeout)]
                    if exc.sandbox:  # a load that crashed: what it ran under is said too
                        record["load"] = {"ok": False, "sandbox": exc.sandbox}
                    finish(path, record, None)  # a timeout may pass on a quieter machine
                    continue
                if result.get("kind") == "module" and self._listed is None:
                    from mlgate.files import project_files

                    self._listed = project_files(self.repo_root)
                tops = {m.split(".")[0] for m, _ in record.pop("_project_pairs", ())}
                for f in _load_findings(path, result, self.python.executable,
                                        self._locked_for(tuple(roots), path), self._listed, tops):
                    _blame_the_version(f, result, record["facts"], env.versions)
                    record["findings"].append(_stored(f))
                record["findings"] += [_stored(f) for f in _unrecorded_versions(
                    path, result, record["facts"], env.versions)]
                record["load"] = {k: v for k, v in result.items() if k != "project_files"}
                record["deps"] = [[f, file_stat(f)] for f in result.get("project_files", ())]
                # A missing module's finding depends on the lock and the repository's files,
                # any of which the next commit may change; a load that raised or crashed may
                # have done so in a project module it never finished importing (so no file
                # stamp records it): none of these outlives its cause in the cache.
                finish(path, record, None if result.get("kind") in UNCACHED_FAILURES or (
                    result.get("project_files_incomplete")) else name)

        def unreadable(path: str, exc: Exception, early: list) -> None:
            for started in early:
                started.cancel()
            message = f"cannot read: {exc.strerror}" if isinstance(exc, OSError) else str(exc)
            out.append((path, [_finding(path, NOT_AN_ARTIFACT, message)], {}))

        for path in paths:
            early: list = []  # the load's probe, started before mlgate hashes and scans
            try:
                # A regular file inside the repository, or no read at all (a symlink to
                # /dev/zero, a FIFO, a file elsewhere on the machine).
                resolve(path, self.repo_root)
                sha, data = cache.known_sha256(path), None
                if sha is None:  # new or changed: it will most likely be loaded
                    drain(PARALLEL_LOADS - 1)
                    self._start_early(path, early, models.get(path, (None, None))[0])
                    sha, data = cache.sha256_and_data(path)
            except (OSError, Unreadable) as exc:
                unreadable(path, exc, early)
                continue
            roots = import_roots(path, section.get("pythonpath", []), self.config.root,
                                 self.repo_root)
            trusted = trusted_pairs(section.get("trust-modules", []), roots)
            project_pairs = self.configured | trusted
            block, model_key = models.get(path, (None, None))
            stored = "artifact-result-" + key(
                sha, env.stamp, env.code, _CODE, os.path.realpath(self.python.executable),
                self.load, roots, sorted(project_pairs), section.get("memory-limit-mb"),
                self.timeout, model_key, self.sandbox) + ".json"
            name: str | None = stored
            record = cache.read(stored)
            if record and well_formed(record) and deps_unchanged(record.get("deps", [])):
                for started in early:
                    started.cancel()
                finish(path, record, None)
                continue
            if data is None:  # hashed earlier: the stat index answered
                drain(PARALLEL_LOADS - 1)
                self._start_early(path, early, block)
                try:
                    data = read_bytes(os.path.realpath(path))
                except (OSError, Unreadable) as exc:
                    unreadable(path, exc, early)
                    continue
            own = ProjectClasses(roots, self.repo_root)  # the project's own estimators
            allow = AllowList(self.base | project_pairs, defer=True, project_classes=own,
                              flag=frozenset(p for p in project_pairs if dangerous(*p)))
            static, facts = _static(path, data, allow, self.verbose)
            del data
            if run.exhausted:  # refused (or cut short) for the others' work: not cached
                name = None
            if allow.project_pending:  # verified in the probe after everything else
                facts["project_classes"] = sorted(
                    [m, n, where] for (m, n), where in allow.project_pending.items())
            if allow.pending:  # scikit-learn pairs the probe verifies before any unpickling
                # [module, name, called]: a pair the stream never calls may be a function
                # behind one of scikit-learn's named scorers. Outside a pickle or joblib file's
                # own stream (.npy, .skops members), every pair counts as called.
                called = ({tuple(p) for p in facts.pop("called")} if "called" in facts
                          else allow.pending)
                facts["verify"] = sorted([m, n, (m, n) in called] for m, n in allow.pending)
            static += _env_parity(path, facts, env.versions)
            if facts.get("loader") == "skops" and not self.load:
                static.append(_finding(path, NOT_AN_ARTIFACT, "a .skops file: its node tree"
                                       " was checked, but skops' own reading of it only runs"
                                       " when it is loaded (load is off)", "warning"))
            record = {"facts": facts, "deps": [], "findings": [_stored(f) for f in static]}
            if early and (facts.get("loader") not in ("pickle", "joblib") or any(
                    f.severity == "error" for f in static if f.code != VERSION_PARITY)):
                early.pop().cancel()
            if any(f.severity == "error" for f in static if f.code != VERSION_PARITY):
                # a refusal that looked for the project's classes depends on what git tracks
                cacheable = not own.consulted
                if self.load and self.sandbox != "off" and _pending(facts):
                    # what the probe would refuse too, in this run, not the next one: the
                    # user pastes one allow table, not four (new-user trial round 35, F2)
                    result = self._verify(path, facts, roots)
                    cacheable = cacheable and result.get("kind") not in ("module", "probe")
                    record["findings"] += [_stored(f) for f in result.get("findings", [])
                                           if f.code != LOAD_FAILS]
                finish(path, record, name if cacheable else None)
                continue
            if allow.flagged:  # reported whatever the load answers; loaded only sandboxed
                record["findings"] += [_stored(f) for f in _allowed_dangers(
                    path, allow.flagged, self.load and self.sandbox != "off")]
                if self.sandbox == "off":
                    finish(path, record, name)
                    continue
            if not self.load or "globals" not in facts:
                cacheable = True
                if _pending(facts):
                    result = self._verify(path, facts, roots)
                    cacheable = result.get("kind") not in ("module", "probe")
                    record["findings"] += [_stored(f) for f in result.pop("findings", [])]
                finish(path, record, name if cacheable else None)
                continue
            if self._spent():  # said, and not cached: the next run loads it
                for started in early:
                    started.cancel()
                record["findings"].append(_stored(_finding(
                    path, LOAD_FAILS, f"not loaded: this run's loads took more than its"
                    f" {self.run_timeout:g} s run-timeout together, so nothing of this"
                    " artifact's load was checked",
                    hint="check fewer files at once (verdicts are cached: the next run"
                         " loads only what it has not checked), or raise [tool.mlgate."
                         "artifact] run-timeout")))
                finish(path, record, None)
                continue
            project_pairs = project_pairs | set(allow.project_pending)
            chained = self._preprocessors(path, block, project_pairs, roots)
            if isinstance(chained, Finding):  # a preprocessor that does not pass: not run
                record["findings"].append(_stored(chained))
                finish(path, record, None)
                continue
            project_pairs = project_pairs | chained.get("project_pairs", set())
            payload = _load_payload(path, sha, facts, roots, project_pairs, section, allow,
                                    self._reads(), block)
            payload["verify"] = facts.get("verify", [])
            payload["load_timeout"] = self.timeout
            for fact in ("dtypes", "compiled", "subclasses", "slots", "dict_classes",
                         "project_classes", "absent_modules"):
                payload[fact] = facts.get(fact, [])
            payload["class_pairs"] = sorted(trusted - self.configured)
            if chained.get("before"):
                payload["before"] = chained["before"]
                payload["memory_limit_mb"] = _memory_limit(
                    section.get("memory-limit-mb"), facts.get("size", 0) + chained["size"])
                payload["allow"] = sorted({tuple(p) for p in payload["allow"]}
                                          | chained["globals"])
                for fact, more in chained["facts"].items():
                    payload[fact] = list(payload.get(fact) or []) + more
            record["_project_pairs"] = sorted(project_pairs)
            if block is not None:
                payload["model"] = block
            timeout = self.timeout + (block or {}).get("extra_seconds", 0) + PROBE_GRACE
            if early:
                started = early.pop()
                started.timeout = timeout
                started.send(payload)
            else:
                started = probe.PendingProbe(self.python.executable, "load-artifact", timeout,
                                             payload, LOAD_ENV, sandbox=self.sandbox)
            pending.append((path, name, record, roots, started))
        drain(0)
        order = {p: i for i, p in enumerate(paths)}
        return sorted(out, key=lambda item: order.get(item[0], 0))
