"""`mlgate artifact`: a model artifact must be safe to load (rules MLG3xx).

This is the static layer: the file is recognised by its content (pickle, joblib with or
without compression, a Git LFS pointer, something else), decompressed within caps, and its
pickle stream scanned without importing or unpickling anything (`mlgate.artifacts`). The
allow-list's scikit-learn part and the versions to compare with come from the project's
environment through the probe, cached per environment. Loading the artifact in the project's
environment comes next (see the README's status).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterable

from mlgate.config import Config
from mlgate.finding import Finding

NAME = "artifact"
HELP = "block model artifacts that are unsafe to load or were pickled with other versions"

NOT_AN_ARTIFACT = "MLG304"
VERSION_PARITY = "MLG306"
SEVERITY = {"MLG301": "error", "MLG302": "error", "MLG303": "error", "MLG305": "error",
            NOT_AN_ARTIFACT: "error", VERSION_PARITY: "error"}
HINTS = {
    "MLG301": "if this class is yours, allow it in [tool.mlgate.artifact] allow; never load an"
              " artifact you do not trust",
    "MLG302": "re-create the artifact with joblib.dump or pickle.dump from ordinary objects",
    "MLG303": "move the class into an importable module of the project and pickle again",
    "MLG305": "re-create the artifact; the file is damaged or was tampered with",
}
EXTENSIONS = (".pkl", ".pickle", ".joblib", ".jbl", ".sav", ".pkl.gz", ".pkl.z",
              ".joblib.gz", ".joblib.z", ".joblib.xz", ".joblib.bz2", ".joblib.lzma")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="ARTIFACT",
                        help="artifact files (default: *.pkl, *.joblib, ... that git lists)")
    parser.add_argument("--python", metavar="PY",
                        help="the project's interpreter or environment folder (see README)")


def _artifacts(args: list[str]) -> list[str]:
    if args:
        return args
    from mlgate.files import _git_files, _walk

    listed = _git_files(".")
    return [p for p in (listed if listed is not None else _walk("."))
            if p.lower().endswith(EXTENSIONS)]


def _cache_dir(repo_root: str) -> str | None:
    git = os.path.join(repo_root, ".git")
    return os.path.join(git, "mlgate-cache") if os.path.isdir(git) else None


def _context(python: str, repo_root: str, verbose: bool) -> dict:
    """scikit-learn's classes and the ML versions of the project's environment, cached."""
    from mlgate import __version__
    from mlgate.probe import run_probe

    env = run_probe(python, "environment")
    versions = {d["name"].lower(): d["version"] for d in env["distributions"]}
    key = hashlib.sha256(json.dumps(
        [os.path.realpath(python), __version__, versions.get("scikit-learn"),
         versions.get("numpy"), versions.get("joblib")]).encode()).hexdigest()[:24]
    folder = _cache_dir(repo_root)
    path = os.path.join(folder, f"artifact-context-{key}.json") if folder else None
    if path and os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            pass
    if verbose:
        print("mlgate artifact: reading scikit-learn's classes in the project's environment",
              file=sys.stderr)
    context = run_probe(python, "artifact-context", timeout=300)
    if path:
        try:
            os.makedirs(folder, exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(context, handle)
        except OSError:
            pass
    return context


def _finding(path: str, code: str, message: str, severity: str | None = None,
             **extra) -> Finding:
    return Finding(path, 1, 1, code, message, severity=severity or SEVERITY[code],
                   hint=HINTS.get(code, ""), extra={"check": NAME, **extra})


def check_artifact(path: str, allow, context: dict, verbose: bool = False) -> list[Finding]:
    """The static verdict on one file."""
    from mlgate.artifacts.container import ContainerError, decompress, detect
    from mlgate.artifacts.pickle_scan import scan_pickle

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return [_finding(path, NOT_AN_ARTIFACT, f"cannot read: {exc.strerror}")]
    kind = detect(data)
    if kind == "empty":
        return [_finding(path, NOT_AN_ARTIFACT, "empty file: no model in it")]
    if kind == "lfs":
        return [_finding(path, NOT_AN_ARTIFACT, "a Git LFS pointer, not the artifact: run"
                         " `git lfs pull` where the artifact must be checked", "warning")]
    if kind in ("npy", "zip"):
        return [_finding(path, NOT_AN_ARTIFACT, f"a {kind} file: not checked yet by mlgate",
                         "warning")]
    if kind == "unknown":
        return [_finding(path, NOT_AN_ARTIFACT, "not a model artifact: no pickle, joblib or"
                         " compression signature")]
    stream = data
    if kind != "pickle":
        try:
            stream = decompress(data, kind)
        except ContainerError as exc:
            return [_finding(path, "MLG305", str(exc))]
    verdict = scan_pickle(stream, allow)
    if verbose:
        needed = ", ".join(f"{m}.{n}" for m, n in sorted(set(verdict.globals)))
        print(f"mlgate artifact: {path} ({kind}) imports {needed or 'nothing'}", file=sys.stderr)
    first = verdict.refusals[0] if verdict.refusals else None
    if first and kind == "pickle" and data[:1] != b"\x80" and first.code in ("MLG302", "MLG305"):
        # No protocol header and it does not parse: a text or binary file, not a pickle.
        return [_finding(path, NOT_AN_ARTIFACT,
                         f"not a model artifact: not a pickle stream ({first.message})")]
    found = [_finding(path, r.code, r.message, offset=r.offset, container=kind)
             for r in verdict.refusals]
    installed = (context.get("versions") or {}).get("scikit-learn")
    for pickled in sorted(verdict.versions.get("sklearn", ())):
        if installed and pickled != installed:
            found.append(_finding(
                path, VERSION_PARITY,
                f"pickled with scikit-learn {pickled}; the project's environment has {installed}",
                pickled=pickled, installed=installed))
            found[-1].hint = ("re-train and dump with the scikit-learn the project ships, or pin"
                              f" scikit-learn=={pickled}")
    return found


def run(args: argparse.Namespace, config: Config) -> Iterable[Finding]:
    from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
    from mlgate.environment import find_repo_root, resolve_project_python
    from mlgate.files import relative_to

    paths = _artifacts(list(args.files))
    if config.exclude:
        paths = [p for p in paths if not config.is_excluded(relative_to(p, config.root))]
    if not paths:
        return []
    repo_root = find_repo_root(os.getcwd())
    python = resolve_project_python(args.python, config.python, config.root, repo_root)
    if args.verbose:
        print(f"mlgate artifact: project Python {python.executable} (from {python.reason})",
              file=sys.stderr)
    context = _context(python.executable, repo_root, args.verbose)
    extra = {tuple(entry.split(":", 1)) for entry in config.section(NAME).get("allow", [])}
    pairs = BASE | NUMPY_UFUNCS | NUMPY_TYPES | {tuple(p) for p in context["sklearn_classes"]}
    allow = AllowList(pairs | extra)
    findings: list[Finding] = []
    for path in paths:
        findings.extend(check_artifact(path, allow, context, args.verbose))
    return findings
