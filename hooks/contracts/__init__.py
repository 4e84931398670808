"""Readers for what a model is asked to accept: sample requests (`samples`) and API
contracts (a pydantic model read with `ast`, a JSON Schema, an MLflow signature).

All static and stdlib-only, for the hook's own environment; each reader raises
`ContractError` and nothing else, so the schema check reports a finding, never a traceback.
"""

from __future__ import annotations

import os

from mlgate.contracts.base import Contract, ContractError, ContractField

__all__ = ["Contract", "ContractError", "ContractField", "load_contract"]

USAGE = ("expected 'path/to/api.py:ClassName' (a pydantic model), a JSON Schema '*.json'"
         " (or 'openapi.json:SchemaName'), or an MLflow model's 'MLmodel' (or its folder)")


def load_contract(spec: str, root: str, roots: list[str]) -> Contract:
    """The contract `spec` names, its path relative to `root`; `roots` (relative to `root`
    too) are where a pydantic model's imported bases are looked for."""
    location, name = spec, None
    head, sep, tail = spec.rpartition(":")
    if sep and head and all(part.isidentifier() for part in tail.split(".")):
        location, name = head, tail  # not a Windows drive: 'C:\\...' has no identifier tail
    path = os.path.join(root, location)
    lower = location.lower()
    if lower.endswith(".py"):
        if name is None:
            from mlgate.contracts.pydantic_ast import list_models

            models = list_models(path)
            example = models[0] if models else "ClassName"
            raise ContractError(f"name the model class, as in '{location}:{example}'", path)
        from mlgate.contracts.pydantic_ast import read_pydantic

        return read_pydantic(path, name, [os.path.join(root, r) for r in roots or ["."]])
    if lower.endswith(".json"):
        from mlgate.contracts.json_schema import read_json_schema

        return read_json_schema(path, name)
    if name is None and (os.path.basename(location) == "MLmodel"
                         or os.path.isfile(os.path.join(path, "MLmodel"))):
        from mlgate.contracts.mlmodel import read_mlmodel_signature

        return read_mlmodel_signature(path)
    if os.path.isdir(path):
        raise ContractError(f"the folder has no MLmodel file: {USAGE}", path)
    raise ContractError(f"unknown contract {spec!r}: {USAGE}", path)
