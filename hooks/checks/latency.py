"""`mlgate latency`: one single-row request must be answered within its budget (MLG5xx).

Measured in the project's environment, on the same verified load as `mlgate artifact`: warm
up, then time single-row calls in rounds until p95 is stable (200 calls at least, two rounds
within 5%) or the bounds (2,000 calls, `max-seconds`) are reached; p95 over the budget is
measured once more before it fails, so a noisy machine does not block by chance. Reported:
p50/p95/p99, load time, peak resident memory after loading, artifact size, optionally a
small batch.

Timing is slow and machine-dependent: the hook is meant for the `pre-push` or `manual`
stage, not every commit (see README). A result is cached with the artifact's verdict and
reused while nothing it depends on changes; `--no-cache` measures again.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable

from mlgate.codes import LATENCY_MEMORY as MEMORY
from mlgate.codes import LATENCY_NOT_MEASURED as NOT_MEASURED
from mlgate.codes import LATENCY_OVER_BUDGET as OVER_BUDGET
from mlgate.config import Config
from mlgate.finding import Finding
from mlgate.models import BESIDE

NAME = "latency"
HELP = "block models whose single-row inference exceeds the latency budget (p95)"



def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mlgate.model_run import add_model_arguments

    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="ignored (pre-commit passes staged files); models come from"
                             " [tool.mlgate.models], the flags below, or convention")
    add_model_arguments(parser, budget=True)
    from mlgate.config import flag_number

    parser.add_argument("--max-seconds", type=flag_number("seconds", 86400.0), metavar="S",
                        help="time spent measuring, at most (default 10)")


def latency_spec(config: Config, spec, max_seconds: float | None = None) -> dict:
    section = config.section(NAME)
    return {"max_seconds": max_seconds or section.get("max-seconds", 10.0), "max_runs": 2000,
            "warmup": 5, "remeasure_over_ms": spec.budget_ms, "batch": spec.batch or 0,
            "memory_mb": section.get("memory-mb", DEFAULT_MEMORY_MB)}


# The address space a few requests at once (64 copies of the sample's row) may take beyond
# the loaded model; 0 in [tool.mlgate.latency] memory-mb: not checked. scikit-learn's own
# chunked computations (a neighbours search) use 1 GB at most.
DEFAULT_MEMORY_MB = 2048


def summary(spec, model: dict, record_load: dict) -> str:
    lat = model.get("latency") or {}
    size = os.path.getsize(spec.artifact) if os.path.isfile(spec.artifact) else 0
    parts = [f"p50 {lat.get('p50_ms', 0):.2f} ms, p95 {lat.get('p95_ms', 0):.2f} ms,"
             f" p99 {lat.get('p99_ms', 0):.2f} ms ({lat.get('runs', 0)} runs,"
             f" {'stable' if lat.get('stable') else 'not stable'})",
             f"load {record_load.get('load_seconds', 0):.2f} s",
             f"peak RSS {record_load.get('max_rss_bytes', 0) / 2**20:.0f} MB",
             f"artifact {size / 1024:.0f} KB"]
    if lat.get("batch"):
        parts.append(f"batch of {lat['batch']['rows']}: {lat['batch']['ms']:.1f} ms")
    return "; ".join(parts)


def _sample_hint(spec) -> str:
    """Where a sample goes, in the words of where the model came from."""
    what = 'sample = "..." (one row of production traffic, a .json or .csv file)'
    if spec.origin.startswith("["):  # [tool.mlgate.models.NAME]
        return f"add {what} to {spec.origin}"
    if spec.origin == "command line":
        return "pass --sample"
    from mlgate.models import sample_elsewhere_hint

    table = spec.name if spec.name.isidentifier() else "NAME"
    return sample_elsewhere_hint(spec) or (
        f"add {what} under [tool.mlgate.models.{table}] in pyproject.toml, or name the file"
        " sample_request.json beside the model")


def measure(gate, config: Config, spec, sample, findings: list[Finding],
            max_seconds: float | None = None, quiet: bool = False) -> dict | None:
    """Exercise the model with latency asked; findings for a budget overrun or a failure."""
    from mlgate.model_run import exercise

    if sample is None:
        findings.append(Finding(spec.artifact, 1, 1, NOT_MEASURED, f"model {spec.name!r}: no"
                                " sample request to time", "warning",
                                _sample_hint(spec), {"check": NAME}))
        return None
    model = exercise(gate, spec, sample, latency_spec(config, spec, max_seconds), findings)
    if model is not None:
        findings.extend(latency_findings(spec, model, quiet))
    return model


def _the_request_in_its_own_names(spec, sample, contract, model: dict | None
                                  ) -> Finding | None:
    """A sample that is the API's request in its own names, beside a contract whose fields
    are the model's columns renamed: the service maps it before predicting, so the model
    was not given it as the service gives it, and it is not timed, as the schema check and
    the audit say (new-user trial 41, F2: the check-latency hook failed a service that
    answers 200, the audit said NOT CHECKED)."""
    if model is None or sample is None or contract is None or model.get("role") in BESIDE:
        return None
    from mlgate.checks.schema import (
        _declare_hint,
        found_contract,
        imported_contract,
        sample_is_the_request,
    )

    contract = imported_contract(spec, model, contract)
    _, aside = found_contract(spec, contract, model)
    if not aside or not sample_is_the_request(sample, contract, model):
        return None
    return Finding(spec.sample or spec.artifact, 1, 1, NOT_MEASURED,
                   f"model {spec.name!r}: the sample is the API's request in its own names,"
                   f" and {aside}: not timed", "warning", _declare_hint(spec),
                   {"check": NAME})


def latency_findings(spec, model: dict, quiet: bool = False) -> list[Finding]:
    lat = model.get("latency")
    if model.get("role") in BESIDE:  # a scaler or data beside the model: nothing to time
        return []
    if not lat:
        predict = model.get("predict") or {}
        from mlgate.model_run import blocked_by_sandbox, sandbox_note

        if blocked_by_sandbox(predict):  # not measured; the schema check says why
            note = sandbox_note(spec, "its latency")
            note.extra["check"] = NAME
            return [note]
        why = model.get("latency_error") or (
            f"{predict.get('type')}: {predict.get('message')}" if predict else "no prediction")
        return [Finding(spec.sample or spec.artifact, 1, 1, NOT_MEASURED,
                        f"model {spec.name!r}: latency not measured, the sample does not"
                        f" predict ({why})", "error",
                        "fix the prediction first (see mlgate schema)", {"check": NAME})]
    if not quiet:
        print(f"mlgate latency: {spec.name}: {summary(spec, model, model.get('_load', {}))}",
              file=sys.stderr)
    found = []
    if model.get("batch_error"):
        found.append(Finding(spec.sample or spec.artifact, 1, 1, NOT_MEASURED,
                             f"model {spec.name!r}: the batch of {spec.batch} rows was not"
                             f" timed: {model['batch_error']}", "warning",
                             "lower batch, or fix what the error says", {"check": NAME}))
    memory = model.get("memory")
    if isinstance(memory, dict) and memory.get("ok") is False:
        found.append(Finding(
            spec.artifact, 1, 1, MEMORY,
            f"model {spec.name!r}: {memory.get('rows')} copies of the sample's row ran out of"
            f" memory under a limit of {memory.get('mb')} MB beyond the loaded model: a"
            " service answering a few requests at once runs out of memory", "error",
            "look for what sizes each row in the model (a number of components, features,"
            " outputs or classes that no array of the model backs, a polynomial degree, a"
            " vocabulary); if the service really has that memory, raise [tool.mlgate.latency]"
            " memory-mb", {"check": NAME, "rows": memory.get("rows"), "mb": memory.get("mb")}))
    parallel = model.get("parallel")
    if isinstance(parallel, dict) and parallel:
        settings = ", ".join(f"{k}={v}" for k, v in list(parallel.items())[:5])
        found.append(Finding(
            spec.artifact, 1, 1, NOT_MEASURED,
            f"model {spec.name!r}: timed without its parallel workers ({settings}): mlgate's"
            " sandbox starts no process, so the model ran one job after the other; served,"
            " each prediction starts or wakes those workers (processes for Bagging, a"
            " ColumnTransformer, a FeatureUnion or a multi-output model), and a first"
            " prediction can take far longer than this measurement", "warning",
            "save the model with n_jobs=None for serving (one request is one row), or measure"
            " the latency where the service runs", {"check": NAME,
                                                    "parallel": dict(parallel)}))
    budget = spec.budget_ms
    if lat["p95_ms"] <= budget:
        return found
    first = model.get("latency_first")
    again = f" (and {first['p95_ms']:.1f} ms on the first measurement)" if first else ""
    return [*found, Finding(
        spec.artifact, 1, 1, OVER_BUDGET,
        f"model {spec.name!r}: p95 {lat['p95_ms']:.1f} ms for one single-row request exceeds"
        f" the {budget:g} ms budget{again}", "error",
        "profile the pipeline's transform steps, prune the model, or raise budget-ms if the"
        " service allows it",
        {"check": NAME, "p50_ms": lat["p50_ms"], "p95_ms": lat["p95_ms"],
         "p99_ms": lat["p99_ms"], "budget_ms": budget})]


def run(args: argparse.Namespace, config: Config) -> Iterable[Finding]:
    from mlgate.model_run import (
        behind_preprocessors,
        exercise,
        fitting_preprocessors,
        models_and_gate,
        name_the_model,
        read_inputs,
        takes_the_request,
    )
    from mlgate.models import SEVERAL

    specs, gate = models_and_gate(args, config, NAME)
    checked = []
    for spec in specs:
        found: list[Finding] = []
        sample, contract = read_inputs(spec, found)
        model = None
        if sample is None and spec.origin == SEVERAL:  # a preprocessor needs no sample
            model = exercise(gate, spec, None, None, found)
        if model is None or model.get("role") not in BESIDE:
            model = measure(gate, config, spec, sample, found, args.max_seconds)
            untimed = _the_request_in_its_own_names(spec, sample, contract, model)
            if untimed is not None:
                found[:] = [f for f in found if f.extra.get("check") != NAME]
                found.append(untimed)
        checked.append((spec, (model or {}).get("role"), found,
                        takes_the_request(model, sample)))
    preprocessors = [spec for spec, role, _, _ in checked if role == "preprocessor"]
    findings: list[Finding] = []
    several = sum(role not in BESIDE for _, role, _, _ in checked) > 1
    for spec, role, found, raw in checked:
        found = found if role in BESIDE else behind_preprocessors(
            spec, found, fitting_preprocessors(spec, preprocessors), raw)[0]
        for finding in found:
            name_the_model(finding, spec, several)
        findings.extend(found)
    return findings
