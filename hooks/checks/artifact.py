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
from collections.abc import Iterable

from mlgate.artifacts.findings import SEVERITY  # noqa: F401 - read by tests and the registry
from mlgate.artifacts.formats import EXTENSIONS
from mlgate.artifacts.gate import ArtifactGate
from mlgate.config import Config
from mlgate.finding import Finding

NAME = "artifact"
HELP = "block model artifacts that are unsafe to load, do not load, or were pickled with" \
       " other versions"



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="ARTIFACT",
                        help="artifact files (default: *.pkl, *.joblib, ... that git lists)")
    parser.add_argument("--python", metavar="PY",
                        help="the project's interpreter or environment folder (see README)")
    parser.add_argument("--no-load", action="store_true",
                        help="static checks only: do not load the artifact in the project's"
                             " environment")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write mlgate's cache under .git/")


def _tracked_artifacts() -> list[str]:
    """Every artifact git tracks (the index: staged files included, untracked ones not)."""
    import subprocess

    try:
        proc = subprocess.run(["git", "ls-files", "-z"], capture_output=True, timeout=60,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [n for n in names if n.lower().endswith(EXTENSIONS) and os.path.lexists(n)
            and not os.path.isdir(n)]


def _artifacts(args: list[str]) -> list[str]:
    """The files named, except that a lock or pyproject.toml among them stands for every
    tracked artifact: a new scikit-learn pin can make each of them stale (that is how the
    hook re-checks artifacts when only the lock is committed)."""
    if args:
        from mlgate.locks.detect import lock_format

        named = [a for a in args if a.lower().endswith(EXTENSIONS) or not lock_format(a)]
        if len(named) < len(args):
            named += [a for a in _tracked_artifacts() if a not in named]
        return named
    from mlgate.files import _git_files, _walk

    listed = _git_files(".")
    return [p for p in (listed if listed is not None else _walk("."))
            if p.lower().endswith(EXTENSIONS)]


def run(args: argparse.Namespace, config: Config) -> Iterable[Finding]:
    from mlgate.files import relative_to

    paths = _artifacts(list(args.files))
    if config.exclude:
        paths = [p for p in paths if not config.is_excluded(relative_to(p, config.root))]
    if not paths:
        return []
    gate = ArtifactGate(config, args.python, no_cache=args.no_cache, no_load=args.no_load,
                        verbose=args.verbose)
    return [f for _, found, _ in gate.check(paths, _model_blocks(config, paths))
            for f in found]


def _model_blocks(config: Config, paths: list[str]) -> dict:
    """For artifacts that are declared models, the schema check's probe work: asked on the
    same load, so `check-schema` right after answers from the cache (one load per commit)."""
    from mlgate.checks.schema import block_key, model_block
    from mlgate.contracts import ContractError
    from mlgate.contracts.samples import read_sample
    from mlgate.models import declared_models

    wanted = {os.path.realpath(p): p for p in paths}
    blocks = {}
    for spec in declared_models(config, argparse.Namespace()):
        path = wanted.get(os.path.realpath(spec.artifact))
        if path is None:
            continue
        try:
            sample = read_sample(spec.sample) if spec.sample else None
        except ContractError:
            continue  # the schema check reports it
        block = model_block(spec, sample)
        blocks[path] = (block, block_key(block))
    return blocks
