"""Which models the schema and latency checks exercise, and with what.

A model is an artifact plus, optionally, a sample request, an API contract and a latency
budget. In order, the first that applies:

1. command-line flags (`--artifact`, `--sample`, `--contract`, `--budget-ms`): one model;
2. `[tool.mlgate.models.NAME]` tables in pyproject.toml (paths relative to that file);
3. convention: the model artifacts git lists under the project (by name or content, see
   `mlgate.artifacts.discovery`), each with the first `sample*.json|csv|parquet` or
   `*request*.json` found next to it or in a folder above it (up to the project's root);
   with several in that folder, each is checked, as its own model entry.
   With one artifact, it is the model, sample or not; with several, each is loaded, one
   without `predict` but with `transform` is reported as a preprocessor saved beside the
   model, and a model without a sample is a warning (MLG411), never skipped in silence.
   The pydantic body of a FastAPI route is the contract of the model it serves
   (`mlgate.contracts.discovery`); a difference from a found contract is a warning.
"""

from __future__ import annotations

import os

from mlgate.config import Config

DEFAULT_BUDGET_MS = 500.0  # the seed lesson's threshold
SAMPLE_NAMES = ("sample", "request", "example_input", "input_example")
SAMPLE_EXTENSIONS = (".json", ".csv", ".parquet")
# Convention found this model among several artifacts: it may turn out to be a preprocessor.
SEVERAL = "convention (one of several artifacts)"
# What such an artifact may turn out to be, when it has no predict: role -> how it is named.
# (a LabelEncoder encodes an input column as often as it decodes answers: new-user trial 43)
BESIDE = {"preprocessor": "a preprocessor", "labels": "a label encoder (of an input column or"
          " of the model's answers)", "data": "data"}


class ModelSpec:
    """One model to exercise; paths as the user will see them (relative to the cwd)."""

    __slots__ = ("artifact", "batch", "budget_ms", "contract", "contract_found",
                 "contract_handed", "contract_handed_as", "contract_import", "contract_names",
                 "csv_missing", "derived", "elsewhere", "handed_columns", "input",
                 "method", "name", "origin", "others", "preprocessors", "request_models",
                 "sample", "width_in", "width_out")

    def __init__(self, name: str, artifact: str, origin: str, sample: str | None = None,
                 contract: str | None = None, budget_ms: float | None = None,
                 method: str = "predict", contract_names: str = "fields",
                 batch: int = 0, contract_import: bool = False,
                 input: str = "dataframe") -> None:
        self.name, self.artifact, self.origin = name, artifact, origin
        self.input = input  # what the model is called with: a DataFrame, or request dicts
        self.contract_import = contract_import
        self.sample, self.contract, self.budget_ms = sample, contract, budget_ms
        self.method, self.contract_names, self.batch = method, contract_names, batch
        # A contract found by convention: where (a route's body), else None. With several
        # candidates and none chosen, `request_models` lists them for the user to pick.
        self.contract_found: str | None = None
        # where the found contract's route hands its body to the model as it came, or ''
        # (then a difference is an error: see contracts.discovery.handed_unchanged)
        self.contract_handed = ""
        # how its columns are the body's: 'fields', 'dump' or 'aliases' (`by_alias=True`)
        self.contract_handed_as = ""
        # the columns, in order, of the frame that route builds (`model_run.handed_columns`)
        self.handed_columns: list[str] = []
        # columns the service computes from the request, not expected in it (`derived`)
        self.derived: list[str] = []
        self.request_models: list[str] = []
        # Artifacts the service applies, in order, before the model (vectorizer.pkl beside
        # model.pkl): declared only.
        self.preprocessors: list[str] = []
        # The artifacts of the other models declared beside it: models, never offered as
        # its preprocessor (new-user trial round 37, F8: a DecisionTree proposed so)
        self.others: list[str] = []
        # What the load found it takes and (a preprocessor) makes: numbers of columns
        self.width_in: int | None = None
        self.width_out: int | None = None
        # which cells of a CSV sample are missing values ([tool.mlgate.schema] csv-missing)
        self.csv_missing = "pandas"
        # A model found by convention with no sample near it: the sample-named files
        # elsewhere in the project (tests/sample_request.json), as the configuration names
        # them, for the hint that says how to declare one (never used unasked)
        self.elsewhere: list[str] = []

    def __repr__(self) -> str:
        return f"ModelSpec({self.name!r}, {self.artifact!r}, sample={self.sample!r})"


# A chain longer than this is not what a service applies before one model (the probe's
# chain takes at most 8 parts, the model included).
MAX_PREPROCESSORS = 7


def _shown(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _inside_repository(path: str, what: str, root: str) -> None:
    """A file the configuration names is one of the repository's: a committed pyproject.toml
    (a pull request's) must not point mlgate at `../../home/ci/.netrc` or at `/etc`, nor
    through a committed symlinked folder, to have its content echoed in findings."""
    from mlgate.environment import find_repo_root
    from mlgate.finding import UsageError

    top = os.path.realpath(find_repo_root(root))
    real = os.path.realpath(path)
    if real != top and not real.startswith(top.rstrip(os.sep) + os.sep):
        named = (f"{what} {path}" if what.startswith("--") else
                 f"{what} = {os.path.relpath(path, root)!r}")
        raise UsageError(f"{named} is outside the repository"
                         f" ({top}): mlgate reads only what the repository holds")


def declared_models(config: Config, args) -> list[ModelSpec]:
    """The models to check, from flags, configuration or convention (see the module doc)."""
    specs = _declared_models(config, args)
    csv_missing = config.section("schema").get("csv-missing", "pandas")
    for spec in specs:
        spec.csv_missing = csv_missing
    return specs


def _declared_models(config: Config, args) -> list[ModelSpec]:
    default_budget = config.section("latency").get("budget-ms", DEFAULT_BUDGET_MS)
    names = config.section("schema").get("contract-names", "fields")
    if getattr(args, "artifact", None):
        return [ModelSpec("command line", args.artifact, "command line", args.sample,
                          args.contract, args.budget_ms or default_budget,
                          contract_names=names,
                          contract_import=getattr(args, "contract_import", False))]
    if config.models:
        specs = []
        for name, table in config.models.items():
            def at(key: str, table: dict = table, name: str = name) -> str | None:
                value = table.get(key)
                if value is None:
                    return None
                file, cls = value, None
                if key == "contract" and ":" in value:
                    file, _, cls = value.rpartition(":")
                path = os.path.join(config.root, file)
                _inside_repository(path, f"[tool.mlgate.models.{name}] {key}", config.root)
                return f"{_shown(path)}:{cls}" if cls is not None else _shown(path)

            spec = ModelSpec(
                name, at("artifact") or "", f"[tool.mlgate.models.{name}]", at("sample"),
                at("contract"), table.get("budget-ms", default_budget),
                table.get("method", "predict"), table.get("contract-names", names),
                table.get("batch", 0), table.get("contract-import", False),
                table.get("input", "dataframe"))
            spec.derived = list(table.get("derived", ()))
            if len(table.get("preprocessors", ())) > MAX_PREPROCESSORS:
                from mlgate.finding import UsageError

                raise UsageError(f"[tool.mlgate.models.{name}] preprocessors: at most"
                                 f" {MAX_PREPROCESSORS}")
            for file in table.get("preprocessors", ()):
                path = os.path.join(config.root, file)
                _inside_repository(path, f"[tool.mlgate.models.{name}] preprocessors",
                                   config.root)
                spec.preprocessors.append(_shown(path))
            specs.append(spec)
        for spec in specs:
            spec.others = [other.artifact for other in specs if other is not spec]
        return specs
    # By convention, the models under the folder being checked (`mlgate audit app/`), not
    # the whole project around it: the lock pillar looks there too.
    here = os.path.realpath(os.getcwd())
    top = os.path.realpath(config.root)
    inside = here == top or here.startswith(top.rstrip(os.sep) + os.sep)
    return discover(here if inside else config.root, default_budget, names, config)


def discover(root: str, budget_ms: float, names: str = "fields",
             config: Config | None = None) -> list[ModelSpec]:
    """By convention: every artifact git lists (by name or content), each with the nearest
    sample; with several, each is marked SEVERAL so that a preprocessor saved beside the
    model (a scaler) is recognised rather than called a model without `predict`, and a model
    without a sample is reported as not checked rather than skipped."""
    from mlgate.artifacts.discovery import find_artifacts
    from mlgate.files import project_files

    # Samples and serving code by convention: never from a hidden folder (an editor's
    # `.history/` copies of api.py, `.ipynb_checkpoints/`): they are not what is served.
    files = [p for p in project_files(root) if not _in_hidden_folder(p)]
    artifacts = [p for p in find_artifacts(root)
                 if not p.lower().endswith((".npy", ".npz"))]
    if config is not None and config.exclude:
        # what `exclude` leaves out is no model (new-user trial 2 of round 33: excluded
        # experiments were still loaded, compared and timed by schema, latency and audit),
        # nor a sample or serving code: a nested project's route is that project's contract
        # (new-user trial 44 F2: the root borrowed backend/'s, said "not audited here")
        from mlgate.files import relative_to

        artifacts = [p for p in artifacts
                     if not config.is_excluded(relative_to(p, config.root))]
        files = [p for p in files if not config.is_excluded(relative_to(p, config.root))]
    samples = [p for p in files if p.lower().endswith(SAMPLE_EXTENSIONS) and any(
        word in os.path.basename(p).lower() for word in SAMPLE_NAMES)]
    specs: list[ModelSpec] = []
    stems = [os.path.basename(a).split(".")[0] for a in artifacts]
    for artifact, stem in zip(artifacts, stems):
        found = _nearest_samples(artifact, samples, root)
        # a model is named by its file's stem, unless another artifact has the same stem
        name = stem if stem and stems.count(stem) == 1 else artifact
        # every sample beside it is checked (one of two was ignored in silence), each named
        candidates: list[str | None] = [*found] or [None]
        for sample in candidates:
            specs.append(ModelSpec(
                f"{name} [{os.path.basename(sample)}]" if len(found) > 1 and sample else name,
                artifact, SEVERAL if len(artifacts) > 1 else "convention", sample, None,
                budget_ms, contract_names=names))
    # the samples no model has beside it (tests/sample_request.json), for the hint of a
    # model with none: another model's own sample is not one to offer
    used = {os.path.realpath(spec.sample) for spec in specs if spec.sample}
    base = config.root if config is not None else root
    elsewhere = sorted(os.path.relpath(p, base).replace(os.sep, "/") for p in samples
                       if os.path.realpath(p) not in used)[:3]
    for spec in specs:
        if spec.sample is None:
            spec.elsewhere = elsewhere
    if specs:
        _attach_request_models(specs, files, artifacts, root)
    return specs


def sample_elsewhere_hint(spec: ModelSpec) -> str | None:
    """A model found by convention with no sample near it, and sample-named files elsewhere
    in the project (tests/sample_request.json): how to declare one, which mlgate never
    uses unasked (a test's fixture may be another model's request)."""
    elsewhere = spec.elsewhere
    if not elsewhere:
        return None
    table = spec.name if spec.name.isidentifier() else "NAME"
    one = len(elsewhere) == 1
    return (f"{' and '.join(elsewhere)} {'is a sample' if one else 'are samples'} elsewhere in"
            f" the project, not beside the model: if {'it is' if one else 'one is'} this"
            f" model's request, declare it in pyproject.toml: [tool.mlgate.models.{table}]"
            f' artifact = "{spec.artifact}" with sample = "{elsewhere[0]}"')


def _in_hidden_folder(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")[:-1]
    return any(part.startswith(".") and part not in (".", "..") for part in parts)


def _attach_request_models(specs: list[ModelSpec], files: list[str], artifacts: list[str],
                           root: str) -> None:
    """Give each model the pydantic body of the FastAPI route that serves it, when one can
    be told (see `mlgate.contracts.discovery`)."""
    from mlgate.contracts.discovery import choose, find_request_models

    top = os.path.abspath(root)
    roots = [top] + ([os.path.join(top, "src")] if os.path.isdir(os.path.join(top, "src"))
                     else [])
    candidates = find_request_models(files, artifacts, roots)
    if not candidates:
        return
    for spec in specs:
        chosen, several = choose(candidates, spec.artifact, artifacts, top)
        if chosen is not None:
            spec.contract, spec.contract_found = chosen.spec, chosen.route
            if os.path.realpath(spec.artifact) in chosen.handed_to:
                spec.contract_handed, spec.contract_handed_as = (
                    chosen.handed, chosen.handed_as)
        else:
            spec.request_models = [c.spec for c in several]


def _nearest_samples(artifact: str, samples: list[str], root: str) -> list[str]:
    """The samples of the nearest folder that has any, from the artifact's up to the
    project's root: all of them (at most 8)."""
    folder = os.path.dirname(os.path.abspath(artifact))
    top = os.path.realpath(root)
    while True:
        here = sorted(p for p in samples if os.path.dirname(os.path.abspath(p)) == folder)
        if here:
            return here[:8]
        if os.path.realpath(folder) == top or os.path.dirname(folder) == folder:
            return []
        folder = os.path.dirname(folder)
