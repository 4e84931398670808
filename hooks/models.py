"""Which models the schema and latency checks exercise, and with what.

A model is an artifact plus, optionally, a sample request, an API contract and a latency
budget. In order, the first that applies:

1. command-line flags (`--artifact`, `--sample`, `--contract`, `--budget-ms`): one model;
2. `[tool.mlgate.models.NAME]` tables in pyproject.toml (paths relative to that file);
3. convention: the only model artifact git tracks under the project, and the first
   `sample*.json|csv|parquet` or `*request*.json` found next to it or in a folder above it
   (up to the project's root). Two artifacts or more: nothing is guessed; declare them.
"""

from __future__ import annotations

import os

from mlgate.config import Config

DEFAULT_BUDGET_MS = 500.0  # the seed lesson's threshold
SAMPLE_NAMES = ("sample", "request", "example_input", "input_example")
SAMPLE_EXTENSIONS = (".json", ".csv", ".parquet")
MODEL_EXTENSIONS = (".joblib", ".pkl", ".pickle", ".jbl", ".sav", ".skops", ".joblib.gz",
                    ".joblib.z", ".joblib.xz", ".joblib.bz2", ".joblib.lzma", ".joblib.lz4",
                    ".pkl.gz", ".pkl.z")


class ModelSpec:
    """One model to exercise; paths as the user will see them (relative to the cwd)."""

    __slots__ = ("artifact", "batch", "budget_ms", "contract", "contract_import",
                 "contract_names", "method", "name", "origin", "sample")

    def __init__(self, name: str, artifact: str, origin: str, sample: str | None = None,
                 contract: str | None = None, budget_ms: float | None = None,
                 method: str = "predict", contract_names: str = "fields",
                 batch: int = 0, contract_import: bool = False) -> None:
        self.name, self.artifact, self.origin = name, artifact, origin
        self.contract_import = contract_import
        self.sample, self.contract, self.budget_ms = sample, contract, budget_ms
        self.method, self.contract_names, self.batch = method, contract_names, batch

    def __repr__(self) -> str:
        return f"ModelSpec({self.name!r}, {self.artifact!r}, sample={self.sample!r})"


def _shown(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def declared_models(config: Config, args) -> list[ModelSpec]:
    """The models to check, from flags, configuration or convention (see the module doc)."""
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
            def at(key: str, table: dict = table) -> str | None:
                value = table.get(key)
                if value is None:
                    return None
                if key == "contract" and ":" in value:
                    file, _, cls = value.rpartition(":")
                    return f"{_shown(os.path.join(config.root, file))}:{cls}"
                return _shown(os.path.join(config.root, value))

            specs.append(ModelSpec(
                name, at("artifact") or "", f"[tool.mlgate.models.{name}]", at("sample"),
                at("contract"), table.get("budget-ms", default_budget),
                table.get("method", "predict"), table.get("contract-names", names),
                table.get("batch", 0), table.get("contract-import", False)))
        return specs
    return discover(config.root, default_budget, names)


def _tracked(root: str) -> list[str]:
    import subprocess

    try:
        proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                               "--exclude-standard", "--", root],
                              capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    if proc.returncode != 0:
        return []
    return [p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0")
            if p and os.path.isfile(p)]


def discover(root: str, budget_ms: float, names: str = "fields") -> list[ModelSpec]:
    files = _tracked(root)
    artifacts = [p for p in files if p.lower().endswith(MODEL_EXTENSIONS)]
    if len(artifacts) != 1:
        return []
    artifact = artifacts[0]
    samples = [p for p in files if p.lower().endswith(SAMPLE_EXTENSIONS) and any(
        word in os.path.basename(p).lower() for word in SAMPLE_NAMES)]
    folder = os.path.dirname(os.path.abspath(artifact))
    top = os.path.realpath(root)
    sample = None
    while sample is None:
        here = sorted(p for p in samples if os.path.dirname(os.path.abspath(p)) == folder)
        sample = here[0] if here else None
        if os.path.realpath(folder) == top or os.path.dirname(folder) == folder:
            break
        folder = os.path.dirname(folder)
    return [ModelSpec(os.path.splitext(os.path.basename(artifact))[0], artifact, "convention",
                      sample, None, budget_ms, contract_names=names)]
