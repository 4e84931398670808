"""Running a declared model: the flags that name one, what the probe is asked to do with it,
reading its sample and contract, and loading it through the artifact gate.

Shared by `mlgate schema`, `mlgate latency`, `mlgate artifact` (which asks the schema's
probe work on its own load) and `mlgate audit`, so none of them reaches into another.
"""

from __future__ import annotations

import argparse
import os
import sys

from mlgate import codes
from mlgate.artifacts.findings import ABOUT_THE_LOCK
from mlgate.codes import MODEL_UNUSABLE as UNREADABLE  # a sample, contract or artifact unusable
from mlgate.config import Config
from mlgate.finding import Finding
from mlgate.models import SEVERAL

CALL_TIMEOUT = 30.0  # seconds for one call on the model (predict, an empty request)


def _finding(path: str, code: str, message: str, severity: str = "error", hint: str = "",
             line: int = 1) -> Finding:
    return Finding(path, line or 1, 1, code, message, severity=severity, hint=hint,
                   extra={"check": "schema"})


def add_model_arguments(parser: argparse.ArgumentParser, budget: bool = False) -> None:
    parser.add_argument("--artifact", metavar="PATH", help="the model artifact (one-off run)")
    parser.add_argument("--sample", metavar="PATH",
                        help="a sample request: JSON (object, list, {'instances': ...}), CSV"
                             " or Parquet")
    parser.add_argument("--contract", metavar="SPEC",
                        help="api.py:PredictRequest (pydantic), a JSON Schema file, or an"
                             " MLflow MLmodel")
    parser.add_argument("--contract-import", action="store_true",
                        help="import the pydantic contract in the project's environment"
                             " (runs its code) instead of reading it statically")
    from mlgate.config import flag_number

    parser.add_argument("--budget-ms", type=flag_number("milliseconds", 3_600_000.0),
                        metavar="MS",
                        help="latency budget for p95 of one single-row request" if budget
                        else argparse.SUPPRESS)
    parser.add_argument("--python", metavar="PY",
                        help="the project's interpreter or environment folder (see README)")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write mlgate's cache under .git/")


def model_block(spec, sample, latency: dict | None = None) -> dict:
    """What the probe is asked to do with the loaded model."""
    # Each call on the model (the sample; the sample reordered, or the training order and
    # another; an empty request) has its own deadline inside the probe, and the probe's own
    # timeout leaves room for all of them, so a predict that hangs is reported as hanging
    # (MLG407), not as a load that timed out.
    block: dict = {"method": spec.method, "predict": True, "empty": True,
                   "call_timeout": CALL_TIMEOUT,
                   "extra_seconds": 4 * CALL_TIMEOUT + 5 if sample is not None else 0}
    if getattr(spec, "input", "dataframe") == "records":  # the request dicts, as served
        block["input"] = "records"
    if spec.origin == SEVERAL:  # found by convention beside others: may be a preprocessor
        block["preprocessor_ok"] = True
    if getattr(spec, "preprocessors", None):
        from mlgate.artifacts.cache import file_stat

        # applied in order before the model; their stamps are part of the cache key
        block["before"] = [os.path.realpath(p) for p in spec.preprocessors]
        block["before_stamps"] = [file_stat(p) for p in spec.preprocessors]
    file, colon, cls = (spec.contract or "").rpartition(":")
    if spec.contract_import and colon and file.endswith(".py"):
        from mlgate.artifacts.project import import_roots
        from mlgate.environment import find_repo_root

        roots = import_roots(spec.artifact, [], os.getcwd(), find_repo_root(os.getcwd()))
        from mlgate.artifacts.cache import file_stat

        block["grant"] = _granted(block, file)
        block["contract_import"] = {"file": os.path.realpath(file), "class": cls,
                                    "stamp": file_stat(file),  # part of the cache key
                                    # the folder the service runs in: its module-level
                                    # loads of relative paths (new-user trial 46 F4)
                                    "cwd": os.path.realpath(os.getcwd()),
                                    "roots": [os.path.dirname(os.path.realpath(file)),
                                              *roots]}
    if sample is not None:
        if getattr(sample, "deferred", False):
            from mlgate.artifacts.cache import file_stat

            block["parquet"] = os.path.realpath(sample.path)
            block["grant"] = _granted(block, sample.path)
            block["parquet_stamp"] = file_stat(sample.path)  # part of the cache key
        else:
            block["columns"], block["rows"] = list(sample.columns), list(sample.rows)
            if sample.format == "csv":  # its missing cells are NaN, as read_csv makes them
                block["csv"] = True
            if getattr(sample, "unnamed", False):  # bare values: the model's order
                block["unnamed"] = True
            if getattr(sample, "request_fields", None):  # what a service selects among
                block["request_fields"] = list(sample.request_fields)
                block["extra_seconds"] += CALL_TIMEOUT
            if getattr(sample, "contract_keys", None):  # a model of no names gets these
                block["contract_keys"] = list(sample.contract_keys)
                if sample.contract_defaults:
                    block["contract_defaults"] = dict(sample.contract_defaults)
    if getattr(spec, "handed_columns", None):  # the frame its route builds (tried)
        block["handed_columns"] = list(spec.handed_columns)
        block["extra_seconds"] += 2 * CALL_TIMEOUT
    if latency:
        block["latency"] = latency
        block["extra_seconds"] += latency.get("max_seconds", 10.0) * 3
    return block


def _granted(block: dict, path: str) -> list[str]:
    """The block's files the load may read besides the repository's readable ones, with
    `path` added when `read_scope.named_file` lets it in."""
    from mlgate.artifacts.read_scope import named_file
    from mlgate.environment import find_repo_root

    real = named_file(path, find_repo_root(os.getcwd()))
    return [*block.get("grant", ()), *([real] if real else [])]


def block_key(block: dict) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(block, sort_keys=True, default=str).encode()).hexdigest()


def _relative(path: str) -> str:
    """A path inside the folder mlgate runs in, relative to it; any other as it is."""
    if not os.path.isabs(path):
        return path
    here = os.getcwd()
    return (os.path.relpath(path, here)
            if path.startswith(here.rstrip(os.sep) + os.sep) else path)


def read_inputs(spec, findings: list[Finding]):
    """The spec's sample and contract, each None when absent or unreadable (a finding)."""
    from mlgate.artifacts.project import import_roots
    from mlgate.contracts import ContractError, load_contract
    from mlgate.contracts.samples import read_sample
    from mlgate.environment import find_repo_root

    sample = contract = None
    if spec.sample:
        from mlgate.files import git_ignores, git_tracks, unanswered

        try:
            real = os.path.realpath(spec.sample)
            tracked = git_tracks(real)
            ignored = git_ignores(real)
            if ignored or unanswered(tracked, real) or (tracked is False and (
                    real != os.path.abspath(spec.sample) or (
                        spec.origin.startswith("[") and git_tracks("pyproject.toml")))):
                # reliability round 34: `sample = "gcp-key.json"` and a contract declaring
                # its key an int printed the key in the type finding; so did a committed
                # link to an ignored file, or a key a CI step wrote (review of that fix). A
                # committed configuration, or a link, names committed samples only
                from mlgate.files import UNANSWERED

                # (ContractError names the file: new-user round 42 F7 read it twice)
                raise ContractError(UNANSWERED if tracked is None else (
                    "a file git ignores, and a committed configuration names committed"
                    " samples only" if ignored else
                    "not a file git tracks, and a committed configuration names committed"
                    f" samples only (`git add {spec.sample}` if the repository ships it)"),
                    spec.sample)
            sample = read_sample(spec.sample, spec.csv_missing)
        except ContractError as exc:
            where = getattr(exc, "path", None) or spec.sample
            findings.append(_finding(_relative(where), UNREADABLE,
                                     "sample: " + str(exc).replace(where, _relative(where)),
                                     line=getattr(exc, "line", 1) or 1,
                                     hint="fix the file, or point the model's sample elsewhere"))
    if spec.contract:
        repo_root = find_repo_root(os.getcwd())
        roots = import_roots(spec.artifact, [], os.getcwd(), repo_root)
        try:
            contract = load_contract(spec.contract, os.getcwd(), roots)
            if contract.source == "pydantic":
                from mlgate.contracts.pydantic_ast import read_row_model

                contract.rows = read_row_model(contract, roots)
        except ContractError as exc:
            where = getattr(exc, "path", None) or spec.contract.rpartition(":")[0] or spec.contract
            found = getattr(spec, "contract_found", None)
            # as the user named it: relative to the folder mlgate runs in, never the
            # machine's absolute path (which code scanning cannot match to a file either)
            shown = _relative(where)
            findings.append(_finding(
                shown, UNREADABLE, f"contract{' found as ' + found if found else ''}: "
                + str(exc).replace(where, shown),
                "warning" if found else "error", line=getattr(exc, "line", 1) or 1,
                hint="fix the contract, or the model's contract = ..."))
    spec.handed_columns = handed_columns(spec, contract) if contract is not None else []
    if sample is not None and contract is not None:
        from mlgate.contracts.samples import as_validated, contract_keys

        sample = as_validated(sample, contract) or sample  # what the API's code receives
        sample.contract_keys = contract_keys(sample, contract)
        if not spec.handed_columns and contract.rows is None:
            # (the keys a request may carry: a route not known to hand them all over)
            sample.request_fields = sorted({key for f in contract.fields
                                            for key in (f.name, f.alias) if key})
    return sample, contract


def handed_layout(spec, contract) -> str:
    """How a found contract's route hands its body over: 'fields', 'dump', 'aliases' (see
    `contracts.discovery._fields_of`; a plain dump of a model configured
    `serialize_by_alias=True` is by alias: red team 48 F4), '' when it does not."""
    how = getattr(spec, "contract_handed_as", "") if getattr(
        spec, "contract_found", None) else ""
    if how and getattr(contract, "custom_dump", False):
        return ""  # (a dict of the class's own making: its keys are unknown)
    if how == "dump" and getattr(contract, "dump_by_alias", False):
        return "aliases"
    return "dump" if how == "names" else how


def handed_columns(spec, contract) -> list[str]:
    """The columns, in order, of the frame a route that hands its body to the model as it
    came builds (`pd.DataFrame([request.model_dump()])`): the fields' keys (a field
    `Field(exclude=True)` in no dump), then the computed fields a dump adds; [] when the
    route does something else."""
    how = handed_layout(spec, contract)
    if not how or contract.rows is not None:
        return []
    excluded = set(getattr(contract, "excluded", ())) if how != "fields" else set()
    keys = [(f.dumped or f.name) if how == "aliases" else f.name for f in contract.fields
            if f.name not in excluded]
    if how != "fields":
        aliases = getattr(contract, "computed_aliases", {}) if how == "aliases" else {}
        keys += [aliases.get(n, n) for n in getattr(contract, "computed", ())
                 if aliases.get(n, n) not in keys]
    return keys


def exercise(gate, spec, sample, latency: dict | None, findings: list[Finding]) -> dict | None:
    """Load the artifact (both layers) and run the model block; None when it did not load."""
    if not os.path.isfile(spec.artifact):
        what = ("is a folder, not a file (a SavedModel or MLflow folder is not a model"
                " artifact mlgate reads)" if os.path.isdir(spec.artifact) else (
                    "is no regular file (a device, a FIFO, or a link to one): mlgate reads"
                    " none (MLG304)") if os.path.lexists(spec.artifact) else "does not exist")
        # (a link to /dev/zero "did not exist": acceptance audit of round 40)
        findings.append(_finding(spec.artifact, UNREADABLE, f"model {spec.name!r}: the artifact"
                                 f" {what}", hint="train and save it, or fix the path"
                                 f" in {spec.origin}"))
        return None
    for file in getattr(spec, "preprocessors", ()):
        if not os.path.isfile(file):
            findings.append(_finding(file, UNREADABLE, f"model {spec.name!r}: the preprocessor"
                                     f" {file} does not exist or is not a file",
                                     hint=f"save it, or fix preprocessors in {spec.origin}"))
            return None
    block = model_block(spec, sample, latency)
    [(_, found, record)] = gate.check([spec.artifact], {spec.artifact: (block, block_key(block))})
    errors = [f for f in found if f.severity == "error" and f.code not in ABOUT_THE_LOCK]
    model = (record.get("load") or {}).get("model")
    if errors and model is None:
        from mlgate.cli import apply_policy

        if not apply_policy(list(errors), gate.config, []):
            # the project ignores what stopped the load: nothing failed, nothing exercised
            findings.append(_finding(spec.artifact, UNREADABLE, f"the artifact of model"
                                     f" {spec.name!r} was not loaded: {errors[0].code} is"
                                     " ignored by the configuration, which does not make it"
                                     " loadable", "warning",
                                     hint=f"fix what {errors[0].code} says, then the model is"
                                          " exercised"))
            return None
    other = next((f for f in found if f.code == codes.ARTIFACT_NOT_AN_ARTIFACT
                  and f.severity == "warning"), None)
    if not errors and model is None and other is not None:
        # a model in its framework's own format (CatBoost's .cbm): not loaded, so its input
        # and latency are not checked, which the audit says (NOT CHECKED, not a failure)
        findings.append(_finding(spec.artifact, UNREADABLE, f"model {spec.name!r} was not"
                                 f" exercised: {other.message}", "warning",
                                 hint="its schema and latency stay NOT CHECKED"))
        return None
    if errors or model is None:
        first = errors[0] if errors else None
        why = f"{first.code} {first.message}" if first else "it was not loaded"
        findings.append(_finding(spec.artifact, UNREADABLE, f"cannot exercise model"
                                 f" {spec.name!r}: the artifact does not pass the artifact"
                                 f" check ({why})", hint="run `mlgate artifact` on it"))
        return None
    if model.get("error"):
        # what mlgate lacks in the project's environment (pandas, to build the DataFrame a
        # model with column names is called with) leaves the input not checked: a warning
        findings.append(_finding(spec.sample or spec.artifact, UNREADABLE, model["error"],
                                 "warning" if model.get("needs") or model.get("not_checked")
                                 else "error", hint=model.get("hint") or ""))
        return None
    if model.get("contract_error"):
        findings.append(_finding(spec.contract.rpartition(":")[0], UNREADABLE,
                                 f"contract: importing it failed: {model['contract_error']}",
                                 hint="contract-import runs the API module in the project's"
                                      " environment; it must import cleanly"))
    load = record["load"]
    inputs = model.get("input") or {}
    spec.width_in, spec.width_out = (_count(inputs.get("n_features_in")),
                                     _count(inputs.get("n_features_out")))
    return {**model, "_load": {k: load.get(k) for k in ("type", "load_seconds",
                                                         "max_rss_bytes")}}


# What a model's call fails with when it starts a process or reaches the network while it
# is exercised (probe_script/load.py's guard): a limit of mlgate's sandbox, not the model's
# fault (false-alarm round 37: category_encoders 2.6's HashingEncoder starts workers).
SANDBOX_REFUSAL = "mlgate's sandbox: no program or network"


def blocked_by_sandbox(call: dict | None) -> bool:
    """Whether a call of the model failed only because the sandbox refused what it tried."""
    return isinstance(call, dict) and not call.get("ok") and SANDBOX_REFUSAL in str(
        call.get("message") or "")


def sandbox_note(spec, what: str = "its prediction") -> Finding:
    """The warning for a model the sandbox would not let predict: not checked, not wrong."""
    return Finding(spec.sample or spec.artifact, 1, 1, UNREADABLE,
                   f"model {spec.name!r}: it starts a process or reaches the network when it"
                   f" predicts, which mlgate's sandbox does not allow: {what} was not checked",
                   "warning", "check it where the service runs, or save it without"
                   " parallel workers (n_jobs=None, max_process=1)", {"check": "schema"})


def models_and_gate(args: argparse.Namespace, config: Config, label: str):
    """The models a run checks, and the gate that loads them; ([], None) when there are none."""
    import stat

    from mlgate.artifacts.gate import ArtifactGate
    from mlgate.finding import UsageError, no_folder_named
    from mlgate.models import _inside_repository, declared_models

    here = {os.path.realpath(os.getcwd()), os.path.realpath(config.root)}
    if getattr(args, "files", None):
        # `mlgate schema .` run in the project names the project it judges (new-user round
        # 42 F5: exit 2, "run it from that project's folder", where it was run)
        args.files = [f for f in args.files if not (os.path.isdir(f)
                                                    and os.path.realpath(f) in here)]
    no_folder_named(getattr(args, "files", None), label,
                    "its models come from [tool.mlgate.models] or convention")
    for flag in ("artifact", "sample"):
        named = getattr(args, flag, None)
        if named and not os.path.lexists(named):
            raise UsageError(f"--{flag} {named}: no such file")
    for named in getattr(args, "files", None) or ():
        # (pre-commit passes staged files, which exist; a name typed that does not was
        # ignored in silence, the configured model checked instead: reliability round 37)
        if not os.path.lexists(named):
            raise UsageError(f"{named}: no such file (mlgate {label} checks the models of"
                             " [tool.mlgate.models] or --artifact; the files given only say"
                             " what a commit changes)")
    # The artifact named on the command line is a regular file the repository holds, checked
    # here whether or not a sample comes with it (`--artifact /dev/zero` alone passed with a
    # "no sample" warning). (A sample's or a contract's file is the schema check's finding.)
    named = getattr(args, "artifact", None)
    if named:
        try:
            mode = os.stat(named).st_mode
        except OSError as exc:
            raise UsageError(f"--artifact {named}: {exc.strerror or exc}") from None
        if not stat.S_ISREG(mode):
            raise UsageError(f"--artifact {named}: "
                             + ("a folder, not a file" if stat.S_ISDIR(mode) else
                                "not a regular file (a device, FIFO or socket)"))
        _inside_repository(named, "--artifact", ".")
    if not getattr(args, "artifact", None):
        # a one-off flag without the model it is about would be silently dropped for the
        # configured models: `--budget-ms 1` measured them against their own budgets
        for flag in ("contract", "sample", "budget_ms", "contract_import"):
            if getattr(args, flag, None):
                raise UsageError(f"--{flag.replace('_', '-')} needs --artifact (the model it"
                                 " is about); the configured models take theirs from"
                                 " [tool.mlgate.models.NAME]")
    specs = declared_models(config, args)
    if not specs and config.nested:
        return [], None  # (the nested projects' runs say what they found)
    if not specs:
        print(f"mlgate {label}: {config.scope + ': ' if config.scope else ''}no model to"
              " check: declare one in [tool.mlgate.models.NAME]"
              " (artifact, sample, contract), or pass --artifact", file=sys.stderr)
        return [], None
    from mlgate.environment import NoProjectPython, naming_what_needed_it

    try:
        return specs, ArtifactGate(config, args.python, no_cache=args.no_cache,
                                   verbose=args.verbose, label=label)
    except NoProjectPython as exc:
        raise naming_what_needed_it(exc, [spec.artifact for spec in specs],
                                    "a model") from None


# What a model says of a request it cannot take as it stands: its columns, width, types, or
# a prediction that fails (schema), and so no timing (latency).
_RAW_REQUEST = frozenset({codes.SCHEMA_MISSING, codes.SCHEMA_ORDER, codes.SCHEMA_WIDTH,
                          codes.CONTRACT_MISSING, codes.CONTRACT_EXTRA, codes.SAMPLE_FAILS,
                          codes.CONTRACT_INEXACT, codes.SAMPLE_TYPE_MISMATCH,
                          codes.LATENCY_NOT_MEASURED})


def takes_the_request(model: dict | None, sample) -> bool:
    """Was the model fitted on the request's own columns (names it shares with the sample)?
    One fitted on a preprocessor's output has no names, or names the request does not have
    (`oh__proto_tcp`)."""
    names = ((model or {}).get("input") or {}).get("feature_names_in") or []
    columns = (model or {}).get("sample_columns") or list(getattr(sample, "columns", None)
                                                           or [])
    # Names only a preprocessor writes (a DictVectorizer's `city=Lisbon`, a
    # ColumnTransformer's `oh__city_Lisbon`) beside the request's numeric columns, which
    # keep their names through it: fitted on the preprocessor's output after all.
    given = set(columns)  # once: per name, it made a model of 20,000 columns take minutes
    made = [n for n in names if n not in given and ("=" in str(n) or "__" in str(n))]
    return bool(given.intersection(names)) and not made


def _hint_saved_beside(spec, failing: list[Finding]) -> None:
    """A declared model that does not take the sample, with other artifacts saved in its
    folder (scaler.pkl beside model.pkl): the sample may be meant for what those make first.
    The finding stands (the declaration says the sample is the model's input); its hint says
    how to make the check see the service as it runs."""
    from mlgate.artifacts.discovery import named_as_artifact

    folder = os.path.dirname(spec.artifact) or "."
    try:
        names = sorted(os.listdir(folder))[:10_000]
    except OSError:
        return
    declared = {os.path.realpath(p) for p in (*getattr(spec, "preprocessors", ()),
                                              *getattr(spec, "others", ()))}
    beside = [os.path.join(os.path.dirname(spec.artifact), n) for n in names
              if named_as_artifact(n) and os.path.join(folder, n) != os.path.join(
                  folder, os.path.basename(spec.artifact))
              and os.path.realpath(os.path.join(folder, n)) not in declared]
    if not beside:
        return
    shown = ", ".join(beside[:3]) + (f" and {len(beside) - 3} more" if len(beside) > 3 else "")
    first = failing[0]
    first.hint = ((first.hint + "; ") if first.hint else "") + (
        f"{shown} {'is' if len(beside) == 1 else 'are'} saved beside the model: if the service"
        " applies a preprocessor first, save both as one Pipeline"
        " (make_pipeline(preprocessor, model)) and declare that as the artifact, or declare"
        f" preprocessors = [\"{beside[0]}\"] in {spec.origin}")


_DECLARE_CHAIN = (
    "save the preprocessing and the model as one Pipeline (make_pipeline(preprocessor,"
    " model)) and ship that, or declare the model with the preprocessors its service"
    " applies first ([tool.mlgate.models.NAME] artifact = \"{artifact}\", preprocessors ="
    " [\"{preprocessor}\"]), so that the request is checked as it is served")


def fed_by_position(model: dict | None, sample) -> bool:
    """The sample's named columns reached a model that records no names: it read them by
    position, whatever they were called."""
    if not model or getattr(sample, "unnamed", False):
        return False
    return not (model.get("input") or {}).get("feature_names_in") and bool(
        model.get("sample_columns"))


def _made_column(finding) -> bool:
    """A column a preprocessor makes (`intent=car`, `cat__intent_car`), not one a request
    carries: its absence from a found contract says the model sits behind that
    preprocessor, not that a field was renamed."""
    column = str((finding.extra or {}).get("column") or "")
    return "=" in column or "__" in column


def _count(value) -> int | None:
    return value if type(value) is int and value >= 0 else None


def fitting_preprocessors(spec, preprocessors: list) -> list[str]:
    """The preprocessors (specs) whose output could be this model's input, or part of it:
    no wider than the model's input, or a width unknown (new-user trial round 37, F5: a
    scaler of 16 columns, the target among them, was taken for the feeder of a model of
    12). Part of it: the census service stacks a OneHotEncoder's 102 columns beside 6
    numeric ones for a model of 108 (new-user trial 46 F3: its real request FAILed)."""
    return [p.artifact for p in preprocessors if p.width_out is None or spec.width_in is None
            or p.width_out <= spec.width_in]


def behind_preprocessors(spec, found: list[Finding], preprocessors: list[str],
                         raw: bool = False, by_position: bool = False
                         ) -> tuple[list[Finding], str | None]:
    """A model found among several artifacts, beside a preprocessor saved on its own (a
    ColumnTransformer in transformer.pkl, the model in model.pkl): the serving code applies
    the preprocessor first, in an order mlgate cannot know, so the raw request failing the
    bare model says nothing about the service. Its failures become one MLG400 warning, and
    the model is not checked (a Pipeline of both would be). Not when the model was fitted on
    the request's own columns (`raw`, `takes_the_request`): a renamed column still fails it.
    Returns (findings, why not checked), or (found, None) when this does not apply."""
    # (a contract found by convention gives warnings, not errors: its missing fields count
    # too, or a DictVectorizer's one-hot columns were 16 "missing" fields of the route's
    # body: new-user trial round 34, F5)
    failing = [f for f in found if f.code in _RAW_REQUEST and (f.severity == "error" or (
        f.code == codes.CONTRACT_MISSING and getattr(spec, "contract_found", None)
        and _made_column(f)))]
    # (a sample value of another type than the contract says is the API's 422, whatever
    # the service applies next: no preprocessor's hint for it, new-user trial round 40b F5)
    about_the_model = [f for f in failing if f.code != codes.SAMPLE_TYPE_MISMATCH]
    if spec.origin != SEVERAL and about_the_model and not raw:
        _hint_saved_beside(spec, about_the_model)
    # the preprocessors of its own folder, when there are (a repository of model versions
    # keeps one scaler per version)
    folder = os.path.dirname(spec.artifact)
    preprocessors = [p for p in preprocessors if os.path.dirname(p) == folder] or preprocessors
    if spec.origin == SEVERAL and preprocessors and not failing and by_position and not raw:
        # New-user round 33 (F3): a model fitted on a preprocessor's 339 unnamed columns
        # took a raw request of 339 named columns by position, and the audit said READY for
        # a request the served chain (preprocessor first) refused with a KeyError.
        where = spec.sample if isinstance(spec.sample, str) and spec.sample else spec.artifact
        note = Finding(where, 1, 1, UNREADABLE,
                       f"model {spec.name!r} records no column names, and a preprocessor was"
                       f" saved beside it ({', '.join(preprocessors)}): the sample's named"
                       " columns reached the bare model by position only, so if the serving"
                       " code applies the preprocessor first, the request was not checked as"
                       " it is served", severity="warning",
                       hint=_DECLARE_CHAIN.format(artifact=spec.artifact,
                                                  preprocessor=preprocessors[0]),
                       extra={"check": "schema"})
        return [f for f in found if f.code != codes.SCHEMA_EXTRA] + [note], (
            f"fitted on what a preprocessor beside it makes: {', '.join(preprocessors)}")
    if spec.origin != SEVERAL or not preprocessors or not failing or raw:
        return found, None
    first = failing[0]
    note = Finding(first.path, first.line, first.col, UNREADABLE,
                   f"model {spec.name!r} does not take the request as the"
                   f" {'contract' if first.code == codes.CONTRACT_MISSING else 'sample'} has it"
                   f" ({first.code} {first.message}), and a preprocessor was saved beside"
                   f" it ({', '.join(preprocessors)}): if the serving code applies it first,"
                   " mlgate cannot know in which order, so the model"
                   + (" was not timed" if first.code == codes.LATENCY_NOT_MEASURED
                      else "'s input was not"
                      " checked"), severity="warning",
                   hint=_DECLARE_CHAIN.format(artifact=spec.artifact,
                                              preprocessor=preprocessors[0]),
                   extra={"check": (first.extra or {}).get("check", "schema")})
    # nor are the sample's columns the bare model does not read (new-user trial round 31:
    # MLG402 "not a model input" for columns the preprocessor beside it takes, in the run
    # whose MLG400 said the model's input was not checked)
    return [f for f in found if f not in failing and f.code != codes.SCHEMA_EXTRA] + [
        note], (
        f"fitted on what a preprocessor beside it makes: {', '.join(preprocessors)}")


def name_the_model(finding, spec, several: bool) -> None:
    """Which model a finding is about, in JSON always, and in its text when the run checked
    several models (new-user round 32: two models in one folder shared one sample, and
    "the model needs column 'annual_income'", said at the sample, named neither)."""
    finding.extra.setdefault("model", spec.name)
    finding.extra.setdefault("artifact", spec.artifact)
    if several and finding.path != spec.artifact and spec.artifact not in finding.message \
            and f"model {spec.name!r}" not in finding.message:
        finding.message = f"model {spec.name!r} ({spec.artifact}): {finding.message}"
