"""What every contract reader returns, and the one exception they raise."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from typing import Any

# A request sample or contract bigger than this is not a sample: refuse it rather than make
# a pre-commit hook parse it.
MAX_BYTES = 64 * 1024 * 1024
LFS_POINTER = b"version https://git-lfs.github.com/spec/"


class ContractError(Exception):
    """A sample or contract that cannot be read. `line`/`col` are 1-based, None when unknown.

    The readers raise nothing else, so the schema check can turn any failure into a finding.
    """

    def __init__(self, message: str, path: str, line: int | None = None,
                 col: int | None = None) -> None:
        super().__init__(message)
        self.message, self.path, self.line, self.col = message, path, line, col

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where}: {self.message}"


class _NoDefault:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


class ContractField:
    """One input a contract names.

    `name` is the key a request uses unless `alias` is set (pydantic); `kind` is coarse:
    'int', 'float', 'str', 'bool', 'literal' (see `literal_values`), 'list', 'unknown', or
    'optional[<kind>]'. `path`/`line` say where it is declared (a base class may live in
    another file). `bounds`: the constant constraints its Field declares (ge=0, le=120,
    max_length=50), which the API enforces (422).
    """

    __slots__ = ("alias", "bounds", "default", "dumped", "kind", "line", "literal_values",
                 "name", "path", "required", "type_text")

    def __init__(self, name: str, type_text: str = "", kind: str = "unknown",
                 required: bool = True, alias: str | None = None,
                 literal_values: tuple[Any, ...] | None = None, line: int | None = None,
                 path: str | None = None, bounds: dict[str, float] | None = None) -> None:
        self.name, self.alias, self.type_text, self.kind = name, alias, type_text, kind
        self.literal_values, self.required, self.line, self.path = (
            literal_values, required, line, path)
        # constraints the API checks: gt, ge, lt, le (numbers), min_length, max_length
        self.bounds = bounds or {}
        # the constant an optional field takes when the request omits it (NO_DEFAULT: none
        # known, or computed: a default_factory, an expression)
        self.default: Any = NO_DEFAULT
        # the key `model_dump(by_alias=True)` gives it (pydantic's serialization alias,
        # else its alias: `validation_alias` renames only what the API reads); None: none
        self.dumped: str | None = alias

    def __repr__(self) -> str:
        alias = f" alias={self.alias!r}" if self.alias else ""
        optional = "" if self.required else " optional"
        return f"ContractField({self.name!r}{alias} {self.kind}{optional} line={self.line})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ContractField):
            return NotImplemented
        # (the default is what the API fills in, and the dumped key what it writes: not
        # part of what the field accepts)
        return all(getattr(self, s) == getattr(other, s) for s in self.__slots__
                   if s not in ("default", "dumped"))

    __hash__ = None  # type: ignore[assignment]  # mutable


class Contract:
    """The inputs an API promises to accept, read statically from one source.

    `source` is 'pydantic', 'jsonschema' or 'mlflow'. `exact` is False when the static
    reading may differ from what the running code accepts, and `notes` say why. `extra` is
    what happens to unknown keys ('forbid', 'ignore', 'allow'; None when it cannot be
    known). `by_name`/`by_alias` are pydantic's validate_by_name (or populate_by_name) and
    validate_by_alias when set to constants, None when unset (pydantic's defaults: False and
    True).
    """

    __slots__ = ("by_alias", "by_name", "computed", "computed_aliases", "custom_dump",
                 "derived", "dump_by_alias", "exact", "excluded", "extra", "fields", "name",
                 "notes", "path", "rows", "source")

    def __init__(self, source: str, path: str, name: str,
                 fields: list[ContractField] | None = None, exact: bool = True,
                 notes: list[str] | None = None, extra: str | None = None,
                 by_name: bool | None = None, by_alias: bool | None = None) -> None:
        self.source, self.path, self.name = source, path, name
        self.fields = fields if fields is not None else []
        self.exact = exact
        self.notes = notes if notes is not None else []
        self.extra, self.by_name, self.by_alias = extra, by_name, by_alias
        # A body whose one field is a list of another model (`data: list[Row]`): that
        # model's contract, what each row the API's code predicts on holds.
        self.rows: Contract | None = None
        # Names the API computes from the fields (a pydantic @property or @computed_field):
        # columns the model may need that no request sends.
        self.derived: list[str] = []
        # Of those, the ones its dump includes (@computed_field): a @property or a
        # cached_property is in no dump, so a route handing the dump over lacks it.
        self.computed: list[str] = []
        # Fields declared `Field(exclude=True)`: in the body, left out of its dump.
        self.excluded: list[str] = []
        # The key a by-alias dump gives a computed field (`@computed_field(alias=...)`), and
        # whether a plain dump is by alias (pydantic 2.11's `serialize_by_alias=True`).
        self.computed_aliases: dict[str, str] = {}
        self.dump_by_alias = False
        # Whether the class makes its dict its own way (a model_dump, dict or __iter__ of
        # its own, a @model_serializer): then what a route hands over is unknown.
        self.custom_dump = False

    def __repr__(self) -> str:
        exact = "" if self.exact else " inexact"
        return (f"Contract({self.source} {self.path}:{self.name} "
                f"{[f.name for f in self.fields]}{exact})")

    def field(self, name: str) -> ContractField | None:
        """The field called `name` (its Python name, not its alias)."""
        for field in self.fields:
            if field.name == name:
                return field
        return None

    def accepted_names(self, field: ContractField) -> list[str]:
        """The keys a request may use for `field`, by pydantic's rules for aliases."""
        if field.alias is None or field.alias == field.name:
            return [field.name]
        names = [field.alias] if self.by_alias is not False else []
        if self.by_name or not names:
            names.append(field.name)
        return names


def read_bytes(path: str, what: str) -> bytes:
    """The file's bytes, or a ContractError saying in one line why they cannot be had."""
    if not os.path.exists(path):
        raise ContractError(f"{what} not found", path)
    if os.path.isdir(path):
        raise ContractError(f"{what} is a folder, not a file", path)
    from mlgate.artifacts.reading import Unreadable, repository_of, resolve
    from mlgate.artifacts.reading import read_bytes as read_regular

    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise ContractError(f"{what} is {size // (1024 * 1024)} MB: more than"
                                f" {MAX_BYTES // (1024 * 1024)} MB is not a sample", path)
        # A regular file (never a FIFO that blocks, nor a device), a symlink only within the
        # repository, and a bounded read.
        real = resolve(path, repository_of(path))
        data = read_regular(real, MAX_BYTES)
    except OSError as exc:
        raise ContractError(f"cannot read {what}: {exc.strerror or exc}", path) from None
    except Unreadable as exc:
        raise ContractError(f"{what}: {exc}", path) from None
    if data.startswith(LFS_POINTER):
        raise ContractError(f"{what} is a Git LFS pointer, not the file: run `git lfs pull`",
                            path, 1)
    return data


def decode(data: bytes, path: str, what: str) -> str:
    """UTF-8 text (a BOM dropped), or UTF-16/32 as a byte-order mark (or UTF-16's NULs) says
    (PowerShell's `> sample.json` writes UTF-16: reliability round 33, "binary"); binary
    data and other encodings are errors, not guesses."""
    from mlgate.files import text_encoding

    encoding = text_encoding(data) or "utf-8-sig"
    if encoding.startswith("utf-16") or encoding == "utf-32":
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError:
            raise ContractError(f"{what} is not {encoding.upper()} text as its first bytes"
                                " say: save it as UTF-8", path) from None
    if b"\0" in data:
        raise ContractError(f"{what} is binary, not text", path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ContractError(f"{what} is not UTF-8 text (byte {exc.start}): save it as UTF-8",
                            path, line) from None


def line_of(text: str, offset: int | None) -> int | None:
    return None if offset is None else text.count("\n", 0, offset) + 1
