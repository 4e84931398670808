"""The contract readers: sample requests, pydantic models read with `ast`, JSON Schemas and
MLflow signatures. Every failure must be a ContractError, never another exception."""

from __future__ import annotations

import contextlib
import json
import string
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgate.contracts import ContractError, load_contract
from mlgate.contracts.json_schema import read_json_schema
from mlgate.contracts.mlmodel import read_mlmodel_signature
from mlgate.contracts.pydantic_ast import list_models, read_pydantic
from mlgate.contracts.samples import read_sample

FIXTURES = Path(__file__).resolve().parent / "contract_fixtures"
REPO = Path(__file__).resolve().parent.parent
CHURN_API = REPO / "examples" / "churn" / "api.py"
CHURN_COLUMNS = ["tenure_months", "monthly_charges", "total_charges", "contract",
                 "payment_method", "has_internet"]


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write dedented `files` under `folder`; return the first one's path."""
    first = None
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        first = first or path
    assert first is not None
    return first


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def summary(contract) -> list[tuple]:
    return [(f.name, f.alias, f.kind, f.required) for f in contract.fields]


# --- pydantic, read with ast ------------------------------------------------------------


def test_churn_example_reads_exactly():
    contract = read_pydantic(str(CHURN_API), "PredictRequest", [])
    assert [f.name for f in contract.fields] == CHURN_COLUMNS
    assert summary(contract) == [
        ("tenure_months", None, "int", True),
        ("monthly_charges", None, "float", True),
        ("total_charges", None, "float", True),
        ("contract", None, "literal", True),
        ("payment_method", "paymentMethod", "str", True),
        ("has_internet", None, "int", True),
    ]
    contract_field = contract.field("contract")
    assert contract_field.literal_values == ("month-to-month", "one-year", "two-year")
    assert contract_field.type_text == 'Literal["month-to-month", "one-year", "two-year"]' \
        or contract_field.type_text == "Literal['month-to-month', 'one-year', 'two-year']"
    for field in contract.fields:
        assert field.line == line_of(CHURN_API, f"    {field.name}:")
        assert field.path == str(CHURN_API)
    assert contract.source == "pydantic"
    assert contract.name == "PredictRequest"
    assert contract.extra == "forbid"
    assert (contract.by_name, contract.by_alias) == (True, True)
    assert contract.exact and contract.notes == []
    # validate_by_name and validate_by_alias: both spellings are accepted
    assert contract.accepted_names(contract.field("payment_method")) == [
        "paymentMethod", "payment_method"]
    assert contract.accepted_names(contract.field("tenure_months")) == ["tenure_months"]


def test_field_forms_defaults_and_aliases(tmp_path):
    path = write(tmp_path, {"api.py": """
        from typing import Annotated, ClassVar, List, Optional
        import pydantic
        from pydantic import BaseModel, Field as F

        class Request(BaseModel):
            plain: int
            with_default: int = 3
            ellipsis_value: int = ...
            field_required: int = F(...)
            field_default: int = F(default=1)
            field_positional: Optional[str] = F(None)
            factory: List[int] = F(default_factory=list)
            optional_no_default: Optional[int]
            annotated: Annotated[float, F(alias="Annotated-Name")]
            annotated_default: Annotated[int, F(default=2)]
            both: Annotated[str, pydantic.Field(alias="first")] = pydantic.Field(
                validation_alias="second")
            validation: str = F(alias="ser", validation_alias="val")
            limits: int = F(..., ge=0, le=10)
            _private: int = 0
            counter: ClassVar[int] = 0
            model_config = {"extra": "allow"}
    """})
    contract = read_pydantic(str(path), "Request", [])
    assert summary(contract) == [
        ("plain", None, "int", True),
        ("with_default", None, "int", False),
        ("ellipsis_value", None, "int", True),
        ("field_required", None, "int", True),
        ("field_default", None, "int", False),
        ("field_positional", None, "optional[str]", False),
        ("factory", None, "list", False),
        ("optional_no_default", None, "optional[int]", True),  # pydantic 2: still required
        ("annotated", "Annotated-Name", "float", True),
        ("annotated_default", None, "int", False),
        ("both", "second", "str", True),
        ("validation", "val", "str", True),  # validation_alias is what a request must use
        ("limits", None, "int", True),
    ]
    assert contract.field("annotated").type_text == "float"  # Annotated's metadata dropped
    assert contract.extra == "allow"
    assert (contract.by_name, contract.by_alias) == (None, None)
    # aliases only, by pydantic's defaults
    assert contract.accepted_names(contract.field("annotated")) == ["Annotated-Name"]


def test_kinds_optional_literal_and_strings(tmp_path):
    path = write(tmp_path, {"api.py": """
        from __future__ import annotations
        import typing as t
        from typing import Any, Dict, List, Literal, Optional, Union
        from pydantic import BaseModel, conint, StrictBool, PositiveFloat

        class Request(BaseModel):
            a: Optional[int]
            b: int | None
            c: t.Union[None, float]
            d: Optional[Literal["x", "y"]]
            e: Literal[1, -2, True]
            f: Literal["a", Literal["b"]]
            g: list[int]
            h: List[str]
            i: conint(gt=0)
            j: "int"
            k: Union[int, str]
            l: Dict[str, int]
            m: Any
            n: StrictBool
            o: PositiveFloat
            p: "Optional[str]"
            q: Literal["int"]
    """})
    contract = read_pydantic(str(path), "Request", [])
    kinds = {f.name: (f.kind, f.literal_values) for f in contract.fields}
    assert kinds == {
        "a": ("optional[int]", None),
        "b": ("optional[int]", None),
        "c": ("optional[float]", None),
        "d": ("optional[literal]", ("x", "y")),
        "e": ("literal", (1, -2, True)),
        "f": ("literal", ("a", "b")),
        "g": ("list", None),
        "h": ("list", None),
        "i": ("int", None),
        "j": ("int", None),
        "k": ("unknown", None),
        "l": ("unknown", None),
        "m": ("unknown", None),
        "n": ("bool", None),
        "o": ("float", None),
        "p": ("optional[str]", None),
        "q": ("literal", ("int",)),  # a Literal's strings are values, not forward references
    }
    assert contract.field("b").type_text == "int | None"


def test_inheritance_across_files_under_a_root(tmp_path):
    root = tmp_path / "src"
    write(root, {
        "shop/__init__.py": "",
        "shop/base.py": """
            from pydantic import BaseModel, ConfigDict, Field

            class Base(BaseModel):
                model_config = ConfigDict(extra="forbid", populate_by_name=True)
                store_id: int
                region: str = Field("eu", alias="Region")
                channel: str = "web"
        """,
        "shop/mixins.py": """
            from pydantic import BaseModel

            class Tracking(BaseModel):
                trace_id: str | None = None
        """,
        "shop/reexport.py": "from shop.mixins import Tracking as Traced\n",
        "shop/api/__init__.py": "",
        "shop/api/request.py": """
            from shop.base import Base
            from .. import reexport
            from ..mixins import Tracking

            class Order(reexport.Traced, Base):
                channel: str               # re-declared without a default: now required
                amount: float

            class Refund(Order):
                model_config = {"extra": "ignore"}
                reason: str = "n/a"
        """,
    })
    request = root / "shop" / "api" / "request.py"
    contract = read_pydantic(str(request), "Refund", [str(root)])
    # pydantic's order: the last base's fields first, an override keeps its first position
    assert summary(contract) == [
        ("store_id", None, "int", True),
        ("region", "Region", "str", False),
        ("channel", None, "str", True),
        ("trace_id", None, "optional[str]", False),
        ("amount", None, "float", True),
        ("reason", None, "str", False),
    ]
    base_file = root / "shop" / "base.py"
    store = contract.field("store_id")
    assert (store.path, store.line) == (str(base_file), line_of(base_file, "store_id:"))
    channel = contract.field("channel")
    assert (channel.path, channel.line) == (str(request), line_of(request, "channel:"))
    assert contract.extra == "ignore"  # the subclass's model_config, merged per key
    assert contract.by_name is True  # inherited
    assert contract.exact and contract.notes == []


def test_dotted_star_and_generic_bases(tmp_path):
    root = tmp_path / "src"
    write(root, {"shop/base.py": """
        from pydantic import BaseModel
        class Base(BaseModel):
            b: int
    """, "shop/__init__.py": ""})
    path = write(tmp_path, {"api.py": """
        import shop.base
        import shop.base as sb
        from typing import Generic, TypeVar
        from shop.base import *
        T = TypeVar("T")

        class Dotted(shop.base.Base, Generic[T]):
            r: int

        class Aliased(sb.Base):
            s: int

        class Starred(Base):
            v: int

        class Called(make_base()):
            u: int
    """})
    for name, own in (("Dotted", "r"), ("Aliased", "s"), ("Starred", "v")):
        contract = read_pydantic(str(path), name, [str(root)])
        assert [f.name for f in contract.fields] == ["b", own] and contract.exact, name
    called = read_pydantic(str(path), "Called", [str(root)])
    assert [f.name for f in called.fields] == ["u"] and not called.exact
    assert called.notes == ["base make_base() of Called not found: its fields are unknown"]


def test_star_import_cycles_end(tmp_path):
    cycle = "from a import *\nfrom b import *\nfrom c import *\nfrom pydantic import BaseModel\n"
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.py").write_text(cycle)
    path = tmp_path / "a.py"
    path.write_text(cycle + "class R(Missing):\n    x: int\n")
    contract = read_pydantic(str(path), "R", [str(tmp_path)])
    assert [f.name for f in contract.fields] == ["x"] and not contract.exact


def test_inheritance_matches_pydantic(tmp_path):
    """The same source, imported by pydantic: the reader must agree with it."""
    pydantic = pytest.importorskip("pydantic")
    path = write(tmp_path, {"models_for_contract_check.py": """
        from typing import Annotated, Literal, Optional
        from pydantic import BaseModel, ConfigDict, Field

        class A(BaseModel):
            a: int = 1
            b: str = Field("x", alias="B")
            c: float

        class M(BaseModel):
            m: Optional[int] = None

        class C(M, A):
            model_config = ConfigDict(extra="forbid")
            d: int
            a: int
            e: Annotated[str, Field(alias="E")] = "e"
            f: Literal["p", "q"] = Field(default="p", validation_alias="F")
    """})
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec", dont_inherit=True), namespace)
    model = namespace["C"]
    expected = [(name, info.validation_alias or info.alias, info.is_required())
                for name, info in model.model_fields.items()]
    contract = read_pydantic(str(path), "C", [])
    assert [(f.name, f.alias, f.required) for f in contract.fields] == expected
    assert contract.extra == model.model_config["extra"]
    assert pydantic.VERSION


def test_field_bounds_match_pydantic(tmp_path):
    """The constant bounds the reader takes from Field(...) are the ones pydantic enforces
    (review round 33: a sample pydantic refuses with 422 passed the schema check)."""
    pytest.importorskip("pydantic")
    path = write(tmp_path, {"bounded_request.py": """
        from typing import Annotated, Optional
        from pydantic import BaseModel, Field

        LIMIT = 10

        class R(BaseModel):
            tenure: int = Field(..., ge=0, le=120)
            ratio: float = Field(0.5, gt=-1.5, lt=2)
            city: str = Field("x", min_length=1, max_length=20)
            score: Annotated[Optional[float], Field(ge=0.25)] = None
            count: int = Field(1, le=LIMIT)
            plain: int = 3
    """})
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec", dont_inherit=True), namespace)
    keys = ("gt", "ge", "lt", "le", "min_length", "max_length")
    expected = {name: {k: getattr(m, k) for m in info.metadata for k in keys
                       if getattr(m, k, None) is not None}
                for name, info in namespace["R"].model_fields.items()}
    contract = read_pydantic(str(path), "R", [])
    read = {f.name: f.bounds for f in contract.fields}
    expected["count"] = {}  # le=LIMIT: computed, not read (and not checked)
    assert read == expected


def test_base_not_found_makes_the_contract_inexact(tmp_path):
    path = write(tmp_path, {"api.py": """
        from company_lib.models import CompanyBase
        from pydantic import BaseModel

        class Request(CompanyBase):
            amount: float
    """})
    contract = read_pydantic(str(path), "Request", [str(tmp_path)])
    assert [f.name for f in contract.fields] == ["amount"]
    assert not contract.exact
    assert contract.notes == ["base CompanyBase of Request not found: its fields are unknown"]
    assert contract.extra is None  # the missing base may set it


@pytest.mark.parametrize("config", [
    "model_config = ConfigDict(alias_generator=to_camel)",
    "class Config:\n                alias_generator = to_camel",
    "model_config = {'alias_generator': lambda name: name.upper()}",
])
def test_alias_generator_makes_the_contract_inexact(tmp_path, config):
    path = write(tmp_path, {"api.py": f"""
        from pydantic import BaseModel, ConfigDict
        from pydantic.alias_generators import to_camel

        class Request(BaseModel):
            {config}
            tenure_months: int
    """})
    contract = read_pydantic(str(path), "Request", [])
    assert not contract.exact
    assert any("aliases computed at runtime: use import mode" in n for n in contract.notes)


def test_alias_generator_in_a_keyword_and_switched_off_by_a_subclass(tmp_path):
    path = write(tmp_path, {"api.py": """
        from pydantic import BaseModel, ConfigDict
        from pydantic.alias_generators import to_camel

        class Camel(BaseModel, alias_generator=to_camel, extra="forbid"):
            a_b: int

        class Plain(Camel):
            model_config = ConfigDict(alias_generator=None)
    """})
    camel = read_pydantic(str(path), "Camel", [])
    assert not camel.exact and camel.extra == "forbid"
    plain = read_pydantic(str(path), "Plain", [])
    assert plain.exact and plain.notes == [] and plain.extra == "forbid"


def test_pydantic_v1_config_class(tmp_path):
    path = write(tmp_path, {"api.py": """
        from pydantic.v1 import BaseModel, Extra, Field

        class Request(BaseModel):
            customer_id: int = Field(..., alias="customerId")

            class Config:
                extra = Extra.forbid
                allow_population_by_field_name = True
    """})
    contract = read_pydantic(str(path), "Request", [])
    assert summary(contract) == [("customer_id", "customerId", "int", True)]
    assert (contract.extra, contract.by_name, contract.exact) == ("forbid", True, True)


def test_computed_config_and_before_validators(tmp_path):
    path = write(tmp_path, {"api.py": """
        from pydantic import BaseModel, ConfigDict, model_validator
        from settings import make_config

        SHARED = ConfigDict(extra="forbid", validate_by_name=True)

        class Shared(BaseModel):
            model_config = SHARED
            x: int

        class Computed(BaseModel):
            model_config = make_config()
            x: int

        class Renaming(BaseModel):
            x: int

            @model_validator(mode="before")
            @classmethod
            def rename(cls, data):
                return data
    """})
    shared = read_pydantic(str(path), "Shared", [])
    assert (shared.extra, shared.by_name, shared.exact) == ("forbid", True, True)
    computed = read_pydantic(str(path), "Computed", [])
    assert not computed.exact and computed.extra is None
    assert any("is computed" in note for note in computed.notes)
    renaming = read_pydantic(str(path), "Renaming", [])
    assert renaming.exact  # noted, but import mode would not see more
    assert any("may rewrite the request" in note for note in renaming.notes)


def test_class_not_found_lists_the_models(tmp_path):
    path = write(tmp_path, {"api.py": """
        from pydantic import BaseModel

        class Helper:
            pass

        class PredictRequest(BaseModel):
            x: int

        class BatchRequest(PredictRequest):
            rows: list[PredictRequest]
    """})
    with pytest.raises(ContractError) as info:
        read_pydantic(str(path), "Request", [])
    assert info.value.message == ("class 'Request' not found; pydantic models in this file:"
                                  " PredictRequest, BatchRequest")
    assert list_models(str(path)) == ["PredictRequest", "BatchRequest"]
    with pytest.raises(ContractError, match="not a pydantic model"):
        read_pydantic(str(path), "Helper", [])


def test_syntax_error_and_missing_file(tmp_path):
    path = write(tmp_path, {"api.py": """
        from pydantic import BaseModel

        class Request(BaseModel):
            x: int = (
    """})
    with pytest.raises(ContractError) as info:
        read_pydantic(str(path), "Request", [])
    assert info.value.line == 4 and "syntax error" in info.value.message
    assert str(info.value).startswith(f"{path}:4")
    with pytest.raises(ContractError, match="not found"):
        read_pydantic(str(tmp_path / "missing.py"), "Request", [])
    with pytest.raises(ContractError, match="folder"):
        read_pydantic(str(tmp_path), "Request", [])


def test_nested_class_and_inheritance_loop(tmp_path):
    path = write(tmp_path, {"api.py": """
        from pydantic import BaseModel

        class Outer:
            class Inner(BaseModel):
                y: str

        class A(B):
            a: int

        class B(A, BaseModel):
            b: int
    """})
    assert [f.name for f in read_pydantic(str(path), "Outer.Inner", []).fields] == ["y"]
    looped = read_pydantic(str(path), "A", [])
    assert [f.name for f in looped.fields] == ["b", "a"] and not looped.exact
    assert any("loops" in note for note in looped.notes)


# --- JSON Schema --------------------------------------------------------------------------

SCHEMA_FIXTURE = FIXTURES / "predict_request.schema.json"


def test_pydantic_export_of_the_churn_request():
    """A real `PredictRequest.model_json_schema()`: its property names are the aliases
    (pydantic exports by_alias=True), so `paymentMethod` where the model says
    `payment_method`."""
    schema = read_json_schema(str(SCHEMA_FIXTURE))
    model = read_pydantic(str(CHURN_API), "PredictRequest", [])
    assert [f.name for f in schema.fields] == [f.alias or f.name for f in model.fields]
    assert [f.kind for f in schema.fields] == [f.kind for f in model.fields]
    assert [f.required for f in schema.fields] == [f.required for f in model.fields]
    assert schema.field("contract").literal_values == model.field("contract").literal_values
    assert (schema.source, schema.name, schema.extra) == ("jsonschema", "PredictRequest",
                                                          "forbid")
    for field in schema.fields:
        assert field.line == line_of(SCHEMA_FIXTURE, f'"{field.name}": {{')
        assert field.alias is None


def test_churn_schema_fixture_is_what_pydantic_exports():
    pytest.importorskip("pydantic")
    pytest.importorskip("sklearn")
    code = "import api, json; print(json.dumps(api.PredictRequest.model_json_schema()))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=CHURN_API.parent,
                          capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(proc.stdout) == json.loads(SCHEMA_FIXTURE.read_text()), (
        "pydantic exports another schema now: regenerate the fixture with this test's code")


def test_pydantic_schema_of_optional_enum_and_refs(tmp_path):
    pydantic = pytest.importorskip("pydantic")
    source = write(tmp_path, {"models.py": """
        from enum import Enum
        from typing import Literal, Optional
        from pydantic import BaseModel, Field

        class Plan(str, Enum):
            basic = "basic"
            pro = "pro"

        class Address(BaseModel):
            city: str

        class Request(BaseModel):
            age: Optional[int] = None
            tier: Literal["a"]
            channel: Optional[Literal["web", "app"]] = Field(None, alias="Channel")
            plan: Plan
            address: Address
            tags: list[str] = []
    """})
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec", dont_inherit=True), namespace)
    schema_path = tmp_path / "request.json"
    export = {"$ref": "#/$defs/Request",
              "$defs": {**namespace["Request"].model_json_schema()["$defs"],
                        "Request": {k: v for k, v in
                                    namespace["Request"].model_json_schema().items()
                                    if k != "$defs"}}}
    schema_path.write_text(json.dumps(export, indent=2))
    contract = read_json_schema(str(schema_path))
    assert [(f.name, f.kind, f.required, f.literal_values) for f in contract.fields] == [
        ("age", "optional[int]", False, None),
        ("tier", "literal", True, ("a",)),
        ("Channel", "optional[literal]", False, ("web", "app")),
        ("plan", "literal", True, ("basic", "pro")),
        ("address", "unknown", True, None),
        ("tags", "list", False, None),
    ]
    assert contract.extra == "allow"  # no additionalProperties: JSON Schema allows extras
    assert contract.name == "Request"
    ast_kinds = [f.kind for f in read_pydantic(str(source), "Request", []).fields]
    assert ast_kinds[:3] == ["optional[int]", "literal", "optional[literal]"]
    assert pydantic.VERSION


def test_hand_written_schema_definitions_and_openapi(tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"Row": {
            "type": "object",
            "properties": {"x": {"type": ["number", "null"]}, "y": {"const": 3},
                           "z": {"type": "array", "items": {"type": "integer"}}},
            "required": ["y"],
            "additionalProperties": False}},
        "$ref": "#/definitions/Row"}, indent=1))
    contract = read_json_schema(str(schema))
    assert [(f.name, f.kind, f.required, f.type_text) for f in contract.fields] == [
        ("x", "optional[float]", False, "number | null"),
        ("y", "literal", True, "const 3"),
        ("z", "list", False, "array[integer]"),
    ]
    assert contract.extra == "forbid"
    assert [f.line for f in contract.fields] == [line_of(schema, f'"{n}":') for n in "xyz"]

    openapi = tmp_path / "openapi.json"
    openapi.write_text(json.dumps({
        "openapi": "3.1.0", "paths": {},
        "components": {"schemas": {"PredictRequest": {
            "type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}}}))
    with pytest.raises(ContractError, match=r"openapi\.json:PredictRequest"):
        read_json_schema(str(openapi))
    named = load_contract("openapi.json:PredictRequest", str(tmp_path), [])
    assert summary(named) == [("a", None, "int", True)]
    with pytest.raises(ContractError, match="schemas here: PredictRequest"):
        read_json_schema(str(openapi), "Missing")


@pytest.mark.parametrize(("text", "message", "line"), [
    ('{\n  "type": "object",\n  "properties": {,}\n}', "invalid JSON", 3),
    ('[1, 2]', "a JSON Schema is an object", 1),
    ('{"type": "array", "items": {}}', "type is 'array'", 1),
    ('{"type": "object"}', "no 'properties'", 1),
    ('{"$ref": "other.json#/Row"}', "outside this file", 1),
    ('{"$ref": "#/$defs/Nope"}', "points at nothing", 1),
    ('{"properties": {"a": {}}, "required": "a"}', "must be a list", 1),
])
def test_json_schema_errors(tmp_path, text, message, line):
    path = tmp_path / "schema.json"
    path.write_text(text)
    with pytest.raises(ContractError, match=message) as info:
        read_json_schema(str(path))
    assert info.value.line == line


# --- MLflow MLmodel -----------------------------------------------------------------------


def test_mlmodel_column_signature_folded_over_lines():
    path = FIXTURES / "mlmodel_columns" / "MLmodel"
    contract = read_mlmodel_signature(str(path.parent))  # the model's folder works too
    assert [(f.name, f.type_text, f.kind, f.required) for f in contract.fields] == [
        ("tenure_months", "long", "int", True),
        ("monthly_charges", "double", "float", True),
        ("total_charges", "double", "float", True),
        ("contract", "string", "str", True),
        ("payment method", "string", "str", True),  # folded at its space: still one name
        ("has_internet", "long", "int", False),
    ]
    # a name whose `"name":` key ended the line before is found on its own line
    assert [f.line for f in contract.fields] == [25, 26, 27, 27, 28, 29]
    assert (contract.source, contract.extra, contract.exact) == ("mlflow", "ignore", True)
    assert contract.path == str(path)


def test_mlmodel_tensor_signature():
    with pytest.raises(ContractError) as info:
        read_mlmodel_signature(str(FIXTURES / "mlmodel_tensor" / "MLmodel"))
    assert info.value.message == "tensor signature: no column names"
    assert info.value.line == 14


def mlflow_dump(signature: dict | None) -> str:
    """An MLmodel as MLflow writes one: `yaml.safe_dump(model.to_dict(),
    default_flow_style=False)`."""
    yaml = pytest.importorskip("yaml")
    model = {"artifact_path": "model", "flavors": {"python_function": {
        "loader_module": "mlflow.sklearn", "model_path": "model.pkl"}},
        "mlflow_version": "2.16.2", "run_id": "7dd549762cf5452d9f322375bc2a4f58"}
    if signature is not None:
        model["signature"] = signature
    return yaml.safe_dump(model, default_flow_style=False)


COLUMN_NAMES = st.text(alphabet=st.sampled_from(
    [*string.ascii_letters, *string.digits, " ", "'", '"', "\\", ":", "#", "-", "é", "\t",
     "\u2028", "\u2029", "\x85", "😀"]), min_size=1, max_size=40)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.function_scoped_fixture])
@given(names=st.lists(COLUMN_NAMES, min_size=1, max_size=12, unique=True),
       ensure_ascii=st.booleans(), width=st.sampled_from([20, 80, 10_000]))
def test_mlmodel_reads_what_pyyaml_writes(tmp_path, names, ensure_ascii, width):
    yaml = pytest.importorskip("yaml")
    inputs = json.dumps([{"type": "double", "name": n, "required": True} for n in names],
                        ensure_ascii=ensure_ascii)
    model = yaml.safe_load(mlflow_dump({"inputs": inputs, "outputs": None, "params": None}))
    text = yaml.safe_dump(model, default_flow_style=False, width=width,
                          allow_unicode=not ensure_ascii)
    path = tmp_path / "MLmodel"
    path.write_text(text, encoding="utf-8")
    # PyYAML's own reading is the reference (it folds a raw NEL into a space, for one)
    try:
        loaded = json.loads(yaml.safe_load(text)["signature"]["inputs"])
    except ValueError:  # raw line breaks inside names can fold into invalid JSON
        with pytest.raises(ContractError, match="not JSON"):
            read_mlmodel_signature(str(path))
        return
    assert [f.name for f in read_mlmodel_signature(str(path)).fields] == [
        column["name"] for column in loaded]
    if ensure_ascii:  # what MLflow writes: json.dumps' defaults
        assert [column["name"] for column in loaded] == names


@pytest.mark.parametrize(("signature", "message"), [
    (None, "no signature"),
    ({"inputs": None, "outputs": None}, r"no inputs \(inputs: null\)"),
    ({"outputs": '[{"type": "double"}]'}, "has no inputs"),
    ({"inputs": '[{"type": "double"}, {"type": "long"}]'}, "by position"),
    ({"inputs": '[{"type": "double", "name": "a"'}, "not JSON"),
    ({"inputs": "[]"}, "not a list of columns"),
])
def test_mlmodel_errors(tmp_path, signature, message):
    path = tmp_path / "MLmodel"
    path.write_text(mlflow_dump(signature))
    with pytest.raises(ContractError, match=message):
        read_mlmodel_signature(str(path))


def test_mlmodel_other_scalar_styles(tmp_path):
    path = tmp_path / "MLmodel"
    for block in (
        'signature:\n  inputs:\n    \'[{"name": "a", "type": "long"}]\'\n',
        'signature:\n  # a comment\n  inputs: |\n    [{"name": "a",\n     "type": "long"}]\n'
        '  outputs: null\n',
        'signature:\n  inputs: [{"name": "a", "type": "long"}]  # flow, unquoted\n',
        'signature:\n  inputs_schema_version: 1\n  inputs: "[{\\"name\\": \\"a\\",'
        ' \\"type\\": \\"long\\"}]"\r\n',
    ):
        path.write_text("artifact_path: model\n" + block + "utc_time_created: x\n")
        assert summary(read_mlmodel_signature(str(path))) == [("a", None, "int", True)]


# --- load_contract ------------------------------------------------------------------------


def test_load_contract_dispatches_on_the_spec(tmp_path):
    churn = load_contract("examples/churn/api.py:PredictRequest", str(REPO), [])
    assert [f.name for f in churn.fields] == CHURN_COLUMNS
    schema = load_contract("tests/contract_fixtures/predict_request.schema.json", str(REPO), [])
    assert schema.source == "jsonschema"
    assert load_contract("tests/contract_fixtures/mlmodel_columns", str(REPO), []).source \
        == "mlflow"
    assert load_contract("tests/contract_fixtures/mlmodel_columns/MLmodel", str(REPO),
                         []).source == "mlflow"
    with pytest.raises(ContractError, match=r"'examples/churn/api\.py:PredictRequest'"):
        load_contract("examples/churn/api.py", str(REPO), [])
    with pytest.raises(ContractError, match="unknown contract"):
        load_contract("api.yaml", str(REPO), [])
    with pytest.raises(ContractError, match="no MLmodel"):
        load_contract("examples", str(REPO), [])


def test_load_contract_roots_are_relative_to_root(tmp_path):
    write(tmp_path, {
        "lib/models/base.py": """
            from pydantic import BaseModel
            class Base(BaseModel):
                base_field: int
        """,
        "service/api.py": """
            from models.base import Base
            class Request(Base):
                own: str
        """,
    })
    contract = load_contract("service/api.py:Request", str(tmp_path), ["lib"])
    assert [f.name for f in contract.fields] == ["base_field", "own"] and contract.exact
    alone = load_contract("service/api.py:Request", str(tmp_path), [])
    assert [f.name for f in alone.fields] == ["own"] and not alone.exact


# --- samples ------------------------------------------------------------------------------


def sample(tmp_path: Path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return read_sample(str(path))


def test_churn_sample_request():
    result = read_sample(str(REPO / "examples" / "churn" / "sample_request.json"))
    assert (result.format, result.shape, result.columns) == ("json", "record", CHURN_COLUMNS)
    assert result.rows == [json.loads((REPO / "examples/churn/sample_request.json").read_text())]
    assert result.line == 1 and not result.ragged and not result.deferred


ROWS = [{"a": 1, "b": "x"}, {"a": 2.5, "b": None}]


@pytest.mark.parametrize(("body", "shape", "line"), [
    ({"a": 1, "b": "x"}, "record", 1),
    (ROWS, "records", 2),
    ({"instances": ROWS}, "instances", 3),
    ({"instances": [[1, "x"], [2.5, None]], "columns": ["a", "b"]}, "instances", 3),
    ({"feature_names": ["a", "b"], "instances": [[1, "x"], [2.5, None]]}, "instances", 7),
    ({"inputs": {"a": [1, 2.5], "b": ["x", None]}}, "inputs", 2),
    ({"inputs": ROWS, "params": {"k": 1}}, "inputs", 3),
    ({"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"], [2.5, None]]}},
     "dataframe_split", 8),
    ({"dataframe_records": ROWS}, "dataframe_records", 3),
    ({"columns": ["a", "b"], "index": [0, 1], "data": [[1, "x"], [2.5, None]]}, "split", 11),
])
def test_json_shapes(tmp_path, body, shape, line):
    result = sample(tmp_path, "request.json", json.dumps(body, indent=2))
    assert (result.format, result.shape, result.columns) == ("json", shape, ["a", "b"])
    expected = ROWS[:1] if shape == "record" else ROWS
    assert result.rows == expected
    assert result.line == line
    assert not result.ragged


def test_inputs_with_one_value_per_column_is_one_row(tmp_path):
    result = sample(tmp_path, "r.json", '{"inputs": {"a": 1, "b": [1, 2, 3]}}')
    assert result.rows == [{"a": 1, "b": [1, 2, 3]}]
    # a feature named like a wrapper, beside other features: a plain record
    result = sample(tmp_path, "r.json", '{"inputs": [1], "other": 2}')
    assert (result.shape, result.columns) == ("record", ["inputs", "other"])


def test_ragged_rows_give_the_union_in_first_seen_order(tmp_path):
    result = sample(tmp_path, "r.json", '[{"b": 1, "a": 2}, {"a": 3, "c": 4}, {"b": 5}]')
    assert result.columns == ["b", "a", "c"] and result.ragged
    assert result.rows[1] == {"a": 3, "c": 4}


def test_jsonl(tmp_path):
    result = sample(tmp_path, "r.jsonl", '\n{"a": 1, "s": "x\u2028y"}\n\n{"a": 2}\n')
    assert (result.shape, result.columns, result.line) == ("jsonl", ["a", "s"], 2)
    assert result.rows == [{"a": 1, "s": "x\u2028y"}, {"a": 2}] and result.ragged
    with pytest.raises(ContractError) as info:
        sample(tmp_path, "r.jsonl", '{"a": 1}\n{"a": }\n')
    assert (info.value.line, info.value.col) == (2, 7)


def test_csv_values_empty_cells_and_quoting(tmp_path):
    text = ("\ufeffid,amount,name,note,flag\n"
            '1,2.50,"Smith, John","multi\nline",\n'
            "\n"
            "-3,1e3,007x,,true\n"
            "4,nan, 5 ,,\n")
    result = sample(tmp_path, "r.csv", text)
    assert (result.format, result.shape) == ("csv", "csv")
    assert result.columns == ["id", "amount", "name", "note", "flag"]
    assert result.line == 2
    assert result.rows[0] == {"id": 1, "amount": 2.5, "name": "Smith, John",
                              "note": "multi\nline", "flag": None}
    assert result.rows[1] == {"id": -3, "amount": 1000.0, "name": "007x", "note": None,
                              "flag": True}  # as pandas.read_csv reads it
    third = result.rows[2]
    assert third["id"] == 4 and third["amount"] != third["amount"]  # NaN
    assert third["name"] == 5 and third["note"] is None and third["flag"] is None
    # A row with fewer cells than the header is ragged (its last values lost, read as NaN),
    # as one with more is.
    with pytest.raises(ContractError, match="row has 3 cells, the header 5"):
        sample(tmp_path, "short.csv", "id,amount,name,note,flag\n4,nan, 5 \n")


def test_a_one_row_csv_reads_as_pandas_reads_it(tmp_path):
    """New-user trial round 28b (oc_p7_score_bancaire): a sample row written by to_csv had
    True/False columns, which mlgate sent as the strings 'True'/'False' (the model's imputer
    failed: MLG407), while pandas.read_csv reads booleans."""
    pandas = pytest.importorskip("pandas")
    text = "a,b,c,d,e,f,g\nTrue,FALSE,true,NA,null,1.5,x\n"
    result = sample(tmp_path, "r.csv", text)
    [expected] = pandas.read_csv(tmp_path / "r.csv").to_dict("records")
    got = result.rows[0]
    assert {k: (None if v != v else v) for k, v in expected.items()} == got, (expected, got)
    assert [type(v) for v in got.values()][:3] == [bool, bool, bool]


def test_csv_header_names_match_pandas(tmp_path):
    pandas = pytest.importorskip("pandas")
    text = ",a,b,a,a.1,\n0,1,2,3,4,5\n"
    result = sample(tmp_path, "r.csv", text)
    assert result.columns == list(pandas.read_csv(tmp_path / "r.csv").columns)
    assert result.columns == ["Unnamed: 0", "a", "b", "a.2", "a.1", "Unnamed: 5"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.sampled_from(["", "a", "b", "a.1", "a.2", "b.1", "a.1.1"]),
                      min_size=1, max_size=8))
def test_csv_header_dedup_is_pandas_dedup(tmp_path, names):
    pandas = pytest.importorskip("pandas")
    assume_data = ",".join("1" for _ in names)
    path = tmp_path / "r.csv"
    path.write_text(",".join(names) + "\n" + assume_data + "\n")
    if all(n == "" for n in names):
        return  # an empty header row: an error here, a header of Unnamed columns in pandas
    assert read_sample(str(path)).columns == list(pandas.read_csv(path).columns)


def test_tsv(tmp_path):
    result = sample(tmp_path, "r.tsv", "a\tb\n1\tx,y\n")
    assert result.rows == [{"a": 1, "b": "x,y"}] and result.format == "csv"


def test_parquet_is_deferred(tmp_path):
    result = sample(tmp_path, "r.parquet", b"PAR1" + b"\x00" * 32 + b"PAR1")
    assert (result.format, result.columns, result.rows, result.deferred) == (
        "parquet", None, None, True)
    with pytest.raises(ContractError, match="not a Parquet file"):
        sample(tmp_path, "r.parquet", b'{"a": 1}')
    with pytest.raises(ContractError, match="Git LFS pointer"):
        sample(tmp_path, "r.parquet",
               b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:" + b"ab" * 32 + b"\nsize 12\n")
    with pytest.raises(ContractError, match="not found"):
        read_sample(str(tmp_path / "missing.parquet"))


@pytest.mark.parametrize(("name", "content", "message", "line"), [
    ("r.json", '{\n  "a": 1,\n  "b": \n}', "invalid JSON: Expecting value", 4),
    ("r.json", "", "empty", None),
    ("r.json", "  \n", "empty", None),
    ("r.json", "[]", "no rows: the list is empty", 1),
    ("r.json", '{"instances": []}', "no rows", 1),
    ("r.json", '[\n{"a": 1},\n 2\n]', "row 2 is a number, not an object", 3),
    ("r.json", "[[1, 2], [3]]", "row 2 has 1 values, row 1 has 2", 1),  # bare rows of two widths
    ("r.json", '{"instances": [[1, 2], [3]]}', "row 2 has 1 values, row 1 has 2", 1),
    ("r.json", '"just a string"', "not a string", 1),
    ("r.json", "{}", "empty object", 1),
    ("r.json", "[{}, {}]", "empty objects", 1),
    ("r.json", '{"instances": [[1]], "columns": ["a", "a"]}', "named twice", 1),
    ("r.json", '{"instances": [[1]], "columns": ["a", "b"]}', "1 values for 2 columns", 1),
    ("r.json", '{"instances": [[1]], "columns": [1]}', "list of column names", 1),
    ("r.json", '{"dataframe_split": {"data": [[1]]}}', "'data' without 'columns'", 1),
    ("r.json", '{"dataframe_split": {"columns": ["a"], "data": []}}', "'data' is empty", 1),
    ("r.json", '{"dataframe_split": {"columns": ["a"]}}', "'data' is a null", 1),
    ("r.json", '{"dataframe_split": [1]}', "not an object with 'columns'", 1),
    ("r.json", '{"instances": [], "inputs": []}', "both 'instances' and 'inputs'", 1),
    ("r.json", '{"inputs": {"a": [], "b": []}}', "no rows", 1),
    ("r.json", '{"inputs": {}}', "empty object", 1),
    ("r.json", "[" * 100_000 + "]" * 100_000, "nested too deeply", None),
    ("r.json", '{"a": ' + "1" * 5000 + "}", "invalid JSON", None),
    ("r.json", '{"a": NaN, "b": 1}', "NaN is not JSON", None),  # what a client cannot send
    ("r.json", '[{"a": -Infinity}]', "-Infinity is not JSON", None),
    ("r.json", '{"a": 1, "b": 2, "a": 3}', "key 'a' appears twice", None),
    ("r.jsonl", '{"a": 1}\n{"a": Infinity}\n', "Infinity is not JSON", 2),
    ("r.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", None),
    ("r.json", b'{"a": "caf\xe9"}', "not UTF-8", 1),
    ("r.csv", "1,2,3\n4,5,6\n", "no header", 1),
    ("r.csv", ",,\n1,2,3\n", "header row is empty", 1),
    ("r.csv", "a,b\n1,2\n1,2,3\n", "row has 3 cells, the header 2", 3),
    ("r.csv", '"a,b\n1,2\n', "invalid CSV", None),
    ("r.csv", "\n\n", "empty", None),
    ("r.csv", "a,b\n", "no rows: the CSV has a header and no row under it", 1),
    ("r.tsv", "a\tb\n\n", "no rows", 1),
    ("r.jsonl", '{"a": 1}\n[1]\n', "line 2 is a list, not an object", 2),
    ("r.jsonl", "{}\n", "empty objects", 1),
    ("r.txt", "a,b\n", "unknown sample format", None),
    ("r.json", b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\n", "LFS", 1),
])
def test_sample_errors(tmp_path, name, content, message, line):
    with pytest.raises(ContractError, match=message) as info:
        sample(tmp_path, name, content)
    if line is not None:
        assert info.value.line == line
    assert info.value.path == str(tmp_path / name)


def test_missing_sample_and_folder(tmp_path):
    with pytest.raises(ContractError, match="sample not found"):
        read_sample(str(tmp_path / "nope.json"))
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(ContractError, match="folder"):
        read_sample(str(tmp_path / "dir.csv"))


def test_invalid_json_reports_line_and_column(tmp_path):
    with pytest.raises(ContractError) as info:
        sample(tmp_path, "r.json", '{\n  "a": 1,\n  "b": tru\n}')
    assert (info.value.line, info.value.col) == (3, 8)
    assert str(info.value) == f"{tmp_path / 'r.json'}:3:8: invalid JSON: Expecting value"


# --- nothing but ContractError ------------------------------------------------------------

JSONISH = st.lists(st.sampled_from([
    *'{}[],:"0123456789.-eE \n\t', "true", "null", '"a"', '"instances"', '"inputs"',
    '"columns"', '"data"', '"dataframe_split"', '"dataframe_records"', '"feature_names"',
    "\\u0000", "é", "\ufeff", "NaN",
]), max_size=80).map("".join)
CSVISH = st.lists(st.sampled_from([*'a1,."\n\r\t; ', "\x00", "é", '""', "-2", "1e5"]),
                  max_size=80).map("".join)
PYTHONISH = st.lists(st.sampled_from([
    "class ", "Request", "(BaseModel)", ":", "\n", "    ", "x", ": ", "int", " = ",
    "Field(", "alias=", "'a'", ")", "[", "]", "Annotated", "Optional", "Literal", ",",
    "from pydantic import BaseModel, Field\n", "from .base import Base\n",
    "from base import *\n", "import a.b\n", "model_config = ", "ConfigDict(", "extra=",
    "class Config:", "alias_generator", "...", "None", "#", "\\", "'''", "\x00", "é", "|",
    "(Base)", "(a.b.C)", "(Request)", "@model_validator(mode='before')\n",
]), max_size=60).map("".join)
FUZZ = settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow,
                                                         HealthCheck.function_scoped_fixture])


@FUZZ
@given(content=st.one_of(st.binary(max_size=200), JSONISH.map(str.encode),
                         CSVISH.map(str.encode)),
       name=st.sampled_from(["r.json", "r.jsonl", "r.csv", "r.tsv", "r.parquet"]))
def test_read_sample_raises_only_contract_errors(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    try:
        result = read_sample(str(path))
    except ContractError as exc:
        assert exc.path == str(path) and exc.message
    else:
        assert result.deferred or (result.columns and isinstance(result.rows, list))


@FUZZ
@given(content=st.one_of(PYTHONISH, st.text(max_size=120)),
       class_name=st.sampled_from(["Request", "Base", "C"]))
def test_read_pydantic_raises_only_contract_errors(tmp_path, content, class_name):
    path = tmp_path / "api.py"
    path.write_text(content, encoding="utf-8", errors="surrogatepass")
    (tmp_path / "base.py").write_text(content[::-1], encoding="utf-8", errors="surrogatepass")
    try:
        contract = read_pydantic(str(path), class_name, [str(tmp_path)])
    except ContractError as exc:
        assert exc.path and exc.message
    else:
        assert contract.name == class_name


@FUZZ
@given(content=JSONISH)
def test_read_json_schema_raises_only_contract_errors(tmp_path, content):
    path = tmp_path / "schema.json"
    path.write_text(content, encoding="utf-8")
    with contextlib.suppress(ContractError):
        read_json_schema(str(path))


@FUZZ
@given(content=st.lists(st.sampled_from([
    "signature:", "\n", "  ", "inputs: ", "'", '"', "''", "[", "]", "{", "}", '"name"', ":",
    '"type"', '"tensor"', ", ", "null", "|", ">", "#", "\\", "\\x4", "\\u00e9", "a",
    "outputs:", "\r",
]), max_size=60).map("".join))
def test_read_mlmodel_raises_only_contract_errors(tmp_path, content):
    path = tmp_path / "MLmodel"
    path.write_text(content, encoding="utf-8")
    with contextlib.suppress(ContractError):
        read_mlmodel_signature(str(path))


def test_bare_rows_are_unnamed_rows_in_the_models_order(tmp_path):
    """`[[5.1, 3.5]]`, `{"data": [[...]]}`, `{"features": [...]}`, `{"instances": [[...]]}`:
    the bodies hand-written APIs take (`np.array(request.data)`)."""
    for content, shape in [("[[5.1, 3.5], [4.9, 3.0]]", "rows"),
                           ('{"data": [[5.1, 3.5], [4.9, 3.0]]}', "data"),
                           ('{"instances": [[5.1, 3.5], [4.9, 3.0]]}', "instances"),
                           ('{"inputs": [[5.1, 3.5], [4.9, 3.0]]}', "inputs")]:
        result = sample(tmp_path, "r.json", content)
        assert (result.unnamed, result.shape, result.columns) == (True, shape, ["0", "1"])
        assert result.rows == [{"0": 5.1, "1": 3.5}, {"0": 4.9, "1": 3.0}]
    one = sample(tmp_path, "r.json", '{"features": [5.1, 3.5]}')
    assert (one.unnamed, one.rows) == (True, [{"0": 5.1, "1": 3.5}])
    record = sample(tmp_path, "r.json", '{"features": 1.5}')  # one named column, as before
    assert (record.unnamed, record.columns) == (False, ["features"])
