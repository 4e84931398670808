"""`mlgate artifact`: a model artifact must be safe to load, load, and match its versions.

Two layers, the second only when the first passes:

1. static (`mlgate.artifacts`): the file is recognised by its content, decompressed within
   caps, and its pickle stream scanned against an exact allow-list without importing or
   unpickling anything;
2. load: the project's interpreter loads it through the probe, in a subprocess started in
   isolated mode from a temporary folder, with a timeout and a memory limit, the project's
   folders importable *after* site-packages, and a class lookup that resolves only the pairs
   the static scan saw and allowed.

The versions recorded in the stream (`_sklearn_version`, numpy's module layout) are compared
with the project's environment and with its lock. Verdicts are cached under
`.git/mlgate-cache/` (see `mlgate.artifacts.cache`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable

from mlgate.artifacts.discovery import EXTENSIONS
from mlgate.artifacts.findings import SEVERITY  # noqa: F401 - read by tests and the registry
from mlgate.codes import ARTIFACT_UNSAFE_GLOBAL
from mlgate.codes import FILE_UNREADABLE as UNREADABLE
from mlgate.config import Config
from mlgate.finding import Finding

NAME = "artifact"
HELP = "block model artifacts that are unsafe to load, do not load, or were pickled with" \
       " other versions"



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="ARTIFACT",
                        help="artifact files (default: every file git lists that is an artifact"
                             " by name (*.pkl, *.joblib, ...) or by content)")
    parser.add_argument("--python", metavar="PY",
                        help="the project's interpreter or environment folder (see README)")
    parser.add_argument("--no-load", action="store_true",
                        help="static checks only: do not load the artifact in the project's"
                             " environment")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write mlgate's cache under .git/")
    parser.add_argument("--only-artifacts", action="store_true",
                        help="check only the named files that are artifacts by name or"
                             " content (what the pre-commit hook passes: every staged file)")


def _artifacts(args: list[str], only_artifacts: bool = False) -> list[str]:
    """The files named, except that a lock or pyproject.toml among them stands for every
    artifact git lists (a new scikit-learn pin can make each of them stale: that is how the
    hook re-checks artifacts when only the lock is committed). With `only_artifacts` (the
    hook: pre-commit passes every staged file), named files that are artifacts neither by
    name nor by content are left out. No files named: every artifact git lists."""
    from mlgate.artifacts.discovery import artifacts_among, find_artifacts

    if not args:
        absent_submodules_noted(".")
        return find_artifacts(".")
    from mlgate.artifacts.discovery import named_as_artifact

    # (a folder named like an artifact, `model.pkl/`, is a named artifact: not a file)
    folders = [a for a in args if os.path.isdir(a) and not named_as_artifact(a)]
    if folders:  # `mlgate artifact models/`: the artifacts in it, as with no file named
        args = [a for a in args if a not in folders]
        found = [p for folder in folders for p in find_artifacts(folder)]
        return list(dict.fromkeys(found + (_artifacts(args, only_artifacts) if args else [])))
    from mlgate.locks.detect import lock_format

    locks = [a for a in args if lock_format(a) and not a.lower().endswith(EXTENSIONS)]
    others = [a for a in args if a not in locks]
    named = artifacts_among(others) if only_artifacts else others
    if locks:
        named += [a for a in find_artifacts(".") if a not in named]
    return named


def run(args: argparse.Namespace, config: Config) -> Iterable[Finding]:
    from mlgate.files import relative_to

    paths = _artifacts(list(args.files), args.only_artifacts)
    if config.exclude:
        paths = [p for p in paths if not config.is_excluded(relative_to(p, config.root))]
    # A named file that does not exist is MLG001, as for every check (deleted files, which
    # pre-commit never passes, are not artifacts to scan).
    missing = [Finding(p, 1, 1, UNREADABLE, "no such file or directory",
                       hint="check the path; deleted files are not checked")
               for p in paths if not os.path.lexists(p)]
    paths = [p for p in paths if os.path.lexists(p)]
    if not args.files:  # every model: the declared ones too, as the audit checks them
        paths += _declared_elsewhere(config, paths)
    served = _served(args, config, paths)
    if missing and not paths:
        return missing + served
    if not paths:
        if not args.only_artifacts and not config.nested:
            from mlgate.artifacts.discovery import NOT_CHECKED_FORMATS, other_format_models

            others = other_format_models(".")
            print(f"mlgate artifact: {config.scope + ': ' if config.scope else ''}no model"
                  " artifact found (by name or content)" + (
                f"; not checked: {others} ({NOT_CHECKED_FORMATS})" if others else ""),
                file=sys.stderr)
        return served
    from mlgate.artifacts.gate import ArtifactGate
    from mlgate.environment import NoProjectPython, naming_what_needed_it

    try:
        gate = ArtifactGate(config, args.python, no_cache=args.no_cache,
                            no_load=args.no_load, verbose=args.verbose)
    except NoProjectPython as exc:
        raise naming_what_needed_it(exc, paths, "an artifact") from None
    return missing + [f for _, found, _ in gate.check(paths, _model_blocks(config, paths))
                      for f in found] + served


def _declared_elsewhere(config: Config, paths: list[str]) -> list[str]:
    """The declared models' artifacts that exist and are not among `paths` (a model fetched
    before mlgate runs, which git ignores): checked as the audit checks them."""
    from mlgate.models import declared_models

    if not config.models:
        return []
    known = {os.path.realpath(p) for p in paths}
    return list(dict.fromkeys(
        spec.artifact for spec in declared_models(config, argparse.Namespace())
        if os.path.isfile(spec.artifact) and os.path.realpath(spec.artifact) not in known))


def _calls_a_loader(path: str) -> bool:
    from mlgate.artifacts.served import MAX_BYTES, calls_a_loader

    try:
        if os.path.islink(path) or not os.path.isfile(path) or os.path.getsize(
                path) > MAX_BYTES:
            return False
        with open(path, "rb") as handle:
            return calls_a_loader(handle.read(MAX_BYTES))
    except OSError:
        return False


def _served(args: argparse.Namespace, config: Config, paths: list[str]) -> list[Finding]:
    """MLG313 at each load, in the serving code, of a model file that is not checked: with
    no files named, the project's; for the hook, those in the Python files of the commit,
    against every artifact the project has."""
    from mlgate.artifacts.served import served_findings
    from mlgate.files import relative_to

    def excluded(path: str) -> bool:
        return config.is_excluded(relative_to(path, config.root))

    if not args.files:
        return served_findings(paths, excluded)
    if not args.only_artifacts:
        return []
    # (every commit of a .py file runs the hook: only a file that calls a loader can hold a
    # load to report, and the project-wide reading is paid for those alone)
    staged = [f for f in args.files if f.endswith(".py") and _calls_a_loader(f)]
    if not staged:
        return []
    every = [p for p in _artifacts([]) if not excluded(p)]
    return served_findings(every + _declared_elsewhere(config, every), excluded,
                           only=set(staged))


def absent_submodules_noted(folder: str) -> None:
    """Said on stderr: the models a submodule that is not checked out holds were not
    looked at (red team 43b F5: READY in a CI checkout, which leaves submodules out)."""
    from mlgate.files import absent_submodules

    absent = absent_submodules(folder)
    if absent:
        shown = ", ".join(absent[:3]) + (f" and {len(absent) - 3} more" if len(absent) > 3
                                          else "")
        print(f"mlgate artifact: submodule {shown} not checked out: any model in it was not"
              " checked (`git submodule update --init`, or `submodules: true` in CI's"
              " checkout)", file=sys.stderr)


_BELOW = "(snippet below)"


def settle_snippet_hints(findings: list[Finding], config: Config, fmt: str) -> None:
    """A hint says "allow it (snippet below)" only where a snippet follows: in the text
    report, for a pair the trailer offers (new-user round 35: a file that also carries code
    gets no snippet, and JSON has none)."""
    offered = set(_offered_pairs(findings)) if fmt == "text" else set()
    for finding in findings:
        if _BELOW in (finding.hint or "") and tuple(
                str((finding.extra or {}).get("allow", "")).split(":", 1)) not in offered:
            finding.hint = finding.hint.replace(_BELOW, "in [tool.mlgate.artifact] allow")


def _offered_pairs(findings: list[Finding]) -> list[tuple[str, ...]]:
    # a file that also names a known danger gets no snippet: it is not to be loaded at all
    # (a refused function is named, not offered: its file's classes still are)
    hostile = {f.path for f in findings if f.code == ARTIFACT_UNSAFE_GLOBAL and "container" in (
        f.extra or {}) and not f.extra.get("allow") and not f.extra.get("module")}
    return sorted({tuple(f.extra["allow"].split(":", 1)) for f in findings
                   if f.code == ARTIFACT_UNSAFE_GLOBAL and (f.extra or {}).get("allow")
                   and f.path not in hostile})


def trailer(findings: list[Finding], config: Config) -> str | None:
    """After the report: one `[tool.mlgate.artifact]` allow list naming every global the
    scan refused as a class it does not vet (never a known danger), and the entries the
    project allows already, so that it can replace the table's allow list as it is."""
    pairs = _offered_pairs(findings)
    if not pairs:
        return None
    from mlgate.artifacts.refused_globals import allow_snippet

    configured = config.section(NAME).get("allow", [])
    where = f"{config.scope}/pyproject.toml" if config.scope else "pyproject.toml"
    return ("\nTo allow what was refused (only if you trust these artifacts), put in"
            f" {where}:\n\n{allow_snippet(pairs, configured)}")


def _model_blocks(config: Config, paths: list[str]) -> dict:
    """For artifacts that are declared models, the schema check's probe work: asked on the
    same load, so `check-schema` right after answers from the cache (one load per commit)."""
    from mlgate.contracts import ContractError
    from mlgate.contracts.samples import read_sample
    from mlgate.model_run import block_key, model_block
    from mlgate.models import declared_models

    wanted = {os.path.realpath(p): p for p in paths}
    blocks = {}
    for spec in declared_models(config, argparse.Namespace()):
        path = wanted.get(os.path.realpath(spec.artifact))
        if path is None:
            continue
        try:
            sample = read_sample(spec.sample, spec.csv_missing) if spec.sample else None
        except ContractError:
            continue  # the schema check reports it
        block = model_block(spec, sample)
        blocks[path] = (block, block_key(block))
    return blocks
