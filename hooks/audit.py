"""`mlgate audit [DIR]`: every check over one project, as a readiness report.

The seed lesson's `run_readiness_audit`, for real: hardcoded paths, the lock against the
project's environment, the artifact (safe, loads, versions), the input contract (sample and
API) and single-row latency. The artifact is loaded once for the schema and latency pillars
(the probe exercises it on the same load), and answers are cached under `.git/`.

Text output: one line per pillar with a pass/warn/fail/skip mark, then the findings. JSON:
`{"ready": bool, "pillars": [...], "findings": [...]}`. SARIF: the findings. With
`--write-readme`, the project's README.md gets an "Operational Constraints" section between
markers (measured latency, memory, versions, warnings), replaced in place on later runs;
nothing else in the file is touched.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable

from mlgate.config import Config, load_config, trusted_config_note
from mlgate.finding import Finding, UsageError

NAME = "audit"
HELP = "run every check over a project and print a deployment-readiness report"
PILLARS = ("paths", "lock", "artifact", "schema", "latency")
START = "<!-- mlgate:operational-constraints:start -->"
END = "<!-- mlgate:operational-constraints:end -->"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", default=".", metavar="DIR",
                        help="the project's folder (default: the current one)")
    parser.add_argument("--python", metavar="PY",
                        help="the project's interpreter or environment folder (see README)")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write mlgate's cache under .git/")
    parser.add_argument("--skip", action="append", default=[], choices=PILLARS,
                        help="leave a pillar out (repeatable)")
    parser.add_argument("--write-readme", action="store_true",
                        help="write the Operational Constraints section into DIR/README.md")


class Pillar:
    __slots__ = ("detail", "name", "status")

    def __init__(self, name: str, status: str = "pass", detail: str = "") -> None:
        self.name, self.status, self.detail = name, status, detail

    def settle(self, findings: list[Finding], fail_on: str = "error") -> None:
        if self.status == "skip":
            return
        if any(f.severity == "error" or fail_on == "warning" for f in findings):
            self.status = "fail"
        elif findings:
            self.status = "warn"


def _args_for(module, argv: list[str], common: argparse.Namespace) -> argparse.Namespace:
    parser = argparse.ArgumentParser(add_help=False)
    module.add_arguments(parser)
    args = parser.parse_args(argv)
    args.verbose = common.verbose
    for name in ("python", "no_cache"):
        if hasattr(args, name) and getattr(common, name, None):
            setattr(args, name, getattr(common, name))
    return args


def _pillar_paths(config, common, found):
    from mlgate.checks import paths

    result = list(paths.run(_args_for(paths, ["."], common), config))
    found.extend(result)
    return f"{len(result)} finding(s)" if result else "no hardcoded absolute paths"


def _pillar_lock(config, common, found):
    from mlgate.checks import lock
    from mlgate.locks.detect import discover_locks

    files = [os.path.join(config.root, p) for p in config.section("lock").get("files", [])]
    files = [os.path.relpath(p) for p in (files or discover_locks("."))]
    if not files:
        return None
    result = list(lock.run(_args_for(lock, files, common), config))
    found.extend(result)
    return f"{', '.join(files)} against the project's environment"


def audit(directory: str, common: argparse.Namespace) -> tuple[list[Pillar], list[Finding],
                                                                 dict]:
    """Run the pillars from inside `directory`; paths in findings are relative to it."""
    from mlgate.artifacts.gate import ArtifactGate, sandbox_summary
    from mlgate.checks import artifact as artifact_check
    from mlgate.checks.latency import latency_findings, latency_spec
    from mlgate.checks.schema import (
        compare_contract,
        compare_sample,
        empty_request_note,
        exercise,
        read_inputs,
    )
    from mlgate.files import relative_to
    from mlgate.models import declared_models

    trusted = getattr(common, "trusted_config", None)
    config = load_config(start=".", trusted=trusted)
    if trusted and common.verbose:
        print(f"mlgate audit: {directory}: {trusted_config_note(config, trusted)}",
              file=sys.stderr)
    findings: list[Finding] = []
    pillars = {name: Pillar(name) for name in PILLARS}
    measured: dict = {"models": []}
    for name in common.skip:
        pillars[name].status, pillars[name].detail = "skip", "skipped (--skip)"

    def run_pillar(name, function):
        if pillars[name].status == "skip":
            return
        found: list[Finding] = []
        detail = function(config, common, found)
        if detail is None:
            pillars[name].status, pillars[name].detail = "skip", "nothing to check"
            return
        for finding in found:
            finding.extra.setdefault("check", name)
        pillars[name].detail = detail
        pillars[name].settle(found, config.fail_on)
        findings.extend(found)

    run_pillar("paths", _pillar_paths)
    run_pillar("lock", _pillar_lock)
    specs = declared_models(config, argparse.Namespace())
    artifacts = [s.artifact for s in specs if os.path.isfile(s.artifact)]
    artifacts += [p for p in artifact_check._artifacts([]) if p not in artifacts
                  and not config.is_excluded(relative_to(p, config.root))]
    gate = None
    if artifacts and any(pillars[p].status != "skip" for p in ("artifact", "schema",
                                                                "latency")):
        gate = ArtifactGate(config, common.python, no_cache=common.no_cache,
                                           verbose=common.verbose, label=NAME)
        measured["versions"] = gate.env.versions
    # The probe work of the schema and latency pillars is asked on the artifact pillar's
    # load: one load per model for the whole audit (the later asks hit the cache).
    inputs = {}
    for spec in specs:
        sample, contract = read_inputs(spec, [])
        timing = (latency_spec(config, spec) if pillars["latency"].status != "skip"
                  and sample is not None else None)
        inputs[spec.name] = (sample, contract, timing)
    if gate is not None and pillars["artifact"].status != "skip":
        from mlgate.checks.schema import block_key, model_block

        blocks = {}
        for spec in specs:
            sample, _, timing = inputs[spec.name]
            if os.path.isfile(spec.artifact) and (sample is not None or timing):
                block = model_block(spec, sample, timing)
                blocks[spec.artifact] = (block, block_key(block))
        results = gate.check(artifacts, blocks)
        found = [f for _, fs, _ in results for f in fs]
        types = [(record.get("load") or {}).get("type", "").rsplit(".", 1)[-1]
                 for _, _, record in results]
        pillars["artifact"].detail = ", ".join(
            f"{path} ({kind or 'not loaded'})" for path, kind in zip(artifacts, types))
        sandboxes = sorted({sandbox_summary(record["load"].get("sandbox"), True)
                            for _, _, record in results if record.get("load")})
        if sandboxes:  # which protections the loads ran under
            pillars["artifact"].detail += "; loaded " + " or ".join(sandboxes)
        for finding in found:
            finding.extra.setdefault("check", "artifact")
        pillars["artifact"].settle(found, config.fail_on)
        findings.extend(found)
    elif pillars["artifact"].status != "skip":
        pillars["artifact"].status, pillars["artifact"].detail = "skip", "no model artifact"
    for name in ("schema", "latency"):
        if pillars[name].status != "skip" and not specs:
            pillars[name].status = "skip"
            pillars[name].detail = "no model declared or found ([tool.mlgate.models])"
    schema_found: list[Finding] = []
    latency_found: list[Finding] = []
    unmeasured: list[str] = []
    if gate is not None and specs and not (
            pillars["schema"].status == "skip" and pillars["latency"].status == "skip"):
        for spec in specs:
            sample, contract = read_inputs(spec, schema_found)
            timing = inputs[spec.name][2]
            model = exercise(gate, spec, sample, timing, schema_found)
            if model is None:
                unmeasured.append(spec.name)
                continue
            if pillars["schema"].status != "skip":
                from mlgate.checks.schema import imported_contract

                contract = imported_contract(spec, model, contract)
                if sample is not None:
                    schema_found.extend(compare_sample(spec, sample, model))
                if contract is not None:
                    schema_found.extend(compare_contract(spec, contract, model, sample))
            if timing:
                latency_found.extend(latency_findings(spec, model, quiet=True))
            measured["models"].append((spec, model))
        names = ", ".join(s.name for s in specs)
        if pillars["schema"].status != "skip":
            notes = [n for n in (empty_request_note(m) for _, m in measured["models"]) if n]
            pillars["schema"].detail = (f"{names}: sample and contract against the model's"
                                        " input" + (f"; {notes[0]}" if len(notes) == 1 else ""))
            pillars["schema"].settle(schema_found, config.fail_on)
            findings.extend(schema_found)
        if pillars["latency"].status != "skip":
            lines = [f"{spec.name} p95 {m['latency']['p95_ms']:.1f} ms <= {spec.budget_ms:g} ms"
                     if m.get("latency") and m["latency"]["p95_ms"] <= spec.budget_ms else
                     f"{spec.name} p95 {m['latency']['p95_ms']:.1f} ms > {spec.budget_ms:g} ms"
                     if m.get("latency") else f"{spec.name} not measured"
                     for spec, m in measured["models"]]
            lines += [f"{name} not measured: the model did not load" for name in unmeasured]
            pillars["latency"].detail = "; ".join(lines) or "not measured"
            pillars["latency"].settle(latency_found, config.fail_on)
            if unmeasured and pillars["latency"].status == "pass":
                pillars["latency"].status = "skip"
            findings.extend(latency_found)
    return list(pillars.values()), findings, measured


def run(args: argparse.Namespace, config: Config) -> Iterable[Finding]:
    directory = args.directory
    if not os.path.isdir(directory):
        raise UsageError(f"{directory}: not a folder")
    here = os.getcwd()
    os.chdir(directory)
    try:
        pillars, findings, measured = audit(directory, args)
        if args.write_readme:
            write_readme("README.md", operational_constraints(pillars, findings, measured))
    finally:
        os.chdir(here)
    for finding in findings:
        finding.path = os.path.normpath(os.path.join(directory, finding.path))
    args.audit_pillars = pillars
    return findings


MARKS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "skip": "SKIP"}


def emit(args: argparse.Namespace, findings: list[Finding]) -> bool:
    """The readiness report for text and JSON; other formats are the findings alone."""
    import json

    from mlgate.report import format_text, use_color

    pillars = getattr(args, "audit_pillars", [])
    ready = not any(p.status == "fail" for p in pillars)
    if args.format == "json":
        print(json.dumps({"ready": ready,
                          "pillars": [{"name": p.name, "status": p.status, "detail": p.detail}
                                      for p in pillars],
                          "findings": [f.to_dict() for f in findings]}, indent=2))
        return True
    if args.format != "text":
        return False
    color = use_color(args.color, sys.stdout)
    tint = {"pass": "\033[32m", "warn": "\033[33m", "fail": "\033[31m", "skip": "\033[2m"}
    print(f"mlgate audit: {args.directory}")
    for pillar in pillars:
        mark = MARKS[pillar.status]
        if color:
            mark = f"{tint[pillar.status]}{mark}\033[0m"
        print(f"  {mark}  {pillar.name:<9} {pillar.detail}")
    print("READY for deployment" if ready else "NOT READY: fix the findings below")
    if findings:
        print()
        for finding in sorted(findings, key=Finding.sort_key):
            print(format_text(finding, color))
    return True


def operational_constraints(pillars, findings: list[Finding], measured: dict) -> str:
    """The README section the seed lesson asks for, from what was measured."""
    lines = [START, "## Operational Constraints", "",
             "_Written by `mlgate audit --write-readme`; edit outside the markers._", ""]
    versions = measured.get("versions") or {}
    for spec, model in measured.get("models", []):
        lat, load = model.get("latency") or {}, model.get("_load") or {}
        size = os.path.getsize(spec.artifact) if os.path.isfile(spec.artifact) else 0
        lines += [f"### Model `{spec.name}` (`{spec.artifact}`)", "",
                  "| measure | value |", "| --- | --- |"]
        if lat:
            lines += [f"| single-row latency p50 / p95 / p99 | {lat['p50_ms']:.2f} /"
                      f" {lat['p95_ms']:.2f} / {lat['p99_ms']:.2f} ms ({lat['runs']} runs) |",
                      f"| latency budget (p95) | {spec.budget_ms:g} ms |"]
            if lat.get("batch"):
                lines.append(f"| batch of {lat['batch']['rows']} rows | {lat['batch']['ms']:.1f}"
                             " ms |")
        lines += [f"| load time | {load.get('load_seconds') or 0:.2f} s |",
                  f"| peak memory after loading | {(load.get('max_rss_bytes') or 0) / 2**20:.0f}"
                  " MB |", f"| artifact size | {size / 1024:.0f} KB |"]
        names = (model.get("input") or {}).get("feature_names_in")
        if names:
            lines.append(f"| input columns | {', '.join(f'`{n}`' for n in names)} |")
        lines.append("")
    if versions:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(versions.items())
                          if v and not k.endswith("-error"))
        lines += [f"Measured with {shown}.", ""]
    warnings = [f for f in findings if f.severity == "warning"]
    lines.append("Warnings:" if warnings else "Warnings: none.")
    lines += [f"- `{f.code}` {f.path}: {f.message}" for f in warnings]
    lines += ["", END]
    return "\n".join(lines) + "\n"


def write_readme(path: str, section: str) -> None:
    """Replace the marked section, or append it; the rest of the file is kept byte for byte."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    start, end = text.find(START), text.find(END)
    if start >= 0 and end > start:
        tail = text[end + len(END):]
        tail = tail[1:] if tail.startswith("\n") else tail
        new = text[:start] + section + tail
    elif start >= 0 or end >= 0:
        raise UsageError(f"{path}: only one of the mlgate markers is there; remove it or add"
                         " the other")
    else:
        new = text + ("\n" if text and not text.endswith("\n") else "") + (
            "\n" if text else "") + section
    if new != text:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(new)
