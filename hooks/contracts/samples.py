"""A sample request, read as the model server would see its columns: JSON in the shapes
serving stacks accept, CSV as pandas reads its header, Parquet left to the project's
environment (reading it needs pyarrow, which the hook's environment does not have)."""

from __future__ import annotations

import json

from mlgate.contracts.base import (
    LFS_POINTER,
    NO_DEFAULT,
    ContractError,
    decode,
    line_of,
    read_bytes,
)
from mlgate.contracts.jsonpos import locate
from mlgate.lazy_re import LazyPattern

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from typing import Any

JSON_EXTENSIONS = (".json",)
JSONL_EXTENSIONS = (".jsonl", ".ndjson")
CSV_EXTENSIONS = (".csv", ".tsv")
PARQUET_EXTENSIONS = (".parquet", ".pq")
# MLflow's /invocations bodies (and TF Serving's `instances`/`inputs`): one of these keys,
# optionally beside the keys below, wraps the rows.
WRAPPERS = ("dataframe_split", "dataframe_records", "instances", "inputs")
WRAPPER_SIBLINGS = {"params", "columns", "feature_names", "signature_name"}
NAME_KEYS = ("columns", "feature_names")
PARQUET_MAGIC = b"PAR1"
INT_RE = LazyPattern(r"[+-]?\d+\Z")


class Sample:
    """The rows of a sample request and their column names.

    `format` is 'json', 'csv' or 'parquet'; `shape` names the layout found ('record',
    'records', 'instances', 'inputs', 'dataframe_split', 'dataframe_records', 'split',
    'jsonl', 'csv', 'parquet'). `columns` keep the file's order (the union, in first-seen
    order, when rows differ: then `ragged` is true). `line` is where the first row starts.
    A Parquet sample is `deferred`: columns and rows are None until the project's
    environment reads it. An `unnamed` sample's rows are bare values (`[[5.1, 3.5]]`,
    `{"data": [[...]]}`), in the model's column order: its columns are their positions,
    "0", "1", ..., until the probe names them after the model.
    """

    __slots__ = ("body", "columns", "contract_defaults", "contract_keys", "deferred", "format",
                 "line", "missing", "path", "ragged", "request_fields", "rows", "shape",
                 "unnamed")

    def __init__(self, path: str, format: str, shape: str, columns: list[str] | None,
                 rows: list[dict[str, Any]] | None, line: int | None = None,
                 ragged: bool = False, deferred: bool = False, unnamed: bool = False) -> None:
        self.path, self.format, self.shape = path, format, shape
        self.columns, self.rows, self.line = columns, rows, line
        self.ragged, self.deferred, self.unnamed = ragged, deferred, unnamed
        self.body: Any = None  # a JSON sample's document, as the API receives it
        # the keys a pydantic contract keeps, in its fields' order, when it ignores others
        # the sample has: what a model of no column names gets (see `contract_keys`)
        self.contract_keys: list[str] | None = None
        self.contract_defaults: dict[str, Any] = {}  # the values the API fills in for them
        # the keys its contract declares, which a service may leave out of the model's frame
        self.request_fields: list[str] = []
        # A CSV's cells read as missing though they hold text ('None', 'NA'), as pandas reads
        # them by default: (column, text, line), the first few, for the hint of a failure
        self.missing: list[tuple[str, str, int]] = []

    def __repr__(self) -> str:
        rows = "deferred" if self.deferred else f"{len(self.rows or ())} rows"
        return f"Sample({self.path} {self.shape} {self.columns} {rows})"


def read_sample(path: str, csv_missing: str = "pandas") -> Sample:
    """Read a sample by its extension. Raises ContractError, and nothing else, when it
    cannot be read or its column names cannot be known. `csv_missing`: which CSV cells are
    missing values, "pandas" (read_csv's default list: '', 'NA', 'None', 'null', ...) or
    "empty" (only an empty cell, as `read_csv(keep_default_na=False, na_values=[""])`)."""
    lower = path.lower()
    if lower.endswith(PARQUET_EXTENSIONS):
        return _parquet(path)
    if not lower.endswith(JSON_EXTENSIONS + JSONL_EXTENSIONS + CSV_EXTENSIONS):
        raise ContractError("unknown sample format: expected .json, .jsonl, .csv, .tsv or"
                            " .parquet", path)
    text = decode(read_bytes(path, "sample"), path, "sample")
    if not text.strip():
        raise ContractError("sample is empty", path)
    try:
        if lower.endswith(JSON_EXTENSIONS):
            return _json(path, text)
        if lower.endswith(JSONL_EXTENSIONS):
            return _jsonl(path, text)
        return _csv(path, text, "\t" if lower.endswith(".tsv") else ",", csv_missing)
    except RecursionError:
        raise ContractError("sample is nested too deeply to read", path) from None


# --- JSON -------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "list",
            dict: "object"}.get(type(value), type(value).__name__)


class _NotJson(ValueError):
    """What Python's json reads but JSON is not: a client cannot send it as written."""


def _constant(name: str) -> Any:
    raise _NotJson(f"{name} is not JSON (no client's encoder writes it, and strict servers"
                   " refuse it): write null for a missing value")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _NotJson(f"key {key!r} appears twice in one object: servers keep one"
                               " of them, so the sample does not say what is sent")
            seen.add(key)
    return data


def _loads(text: str, path: str, line: int | None = None) -> Any:
    """Strict JSON: NaN, Infinity and a key given twice in one object are errors."""
    try:
        return json.loads(text, parse_constant=_constant, object_pairs_hook=_object)
    except _NotJson as exc:
        raise ContractError(f"invalid JSON: {exc}", path, line) from None
    except json.JSONDecodeError as exc:
        where = exc.lineno if line is None else line + exc.lineno - 1
        raise ContractError(f"invalid JSON: {exc.msg}", path, where, exc.colno) from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise ContractError(f"invalid JSON: {exc}", path, line) from None


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _bare_rows(value: Any) -> list[list[Any]] | None:
    """Rows of bare values, all of one width: a list of lists of scalars, or one flat list
    of scalars (one row); None for anything else."""
    if not isinstance(value, list) or not value:
        return None
    if all(_scalar(v) for v in value):
        return [value]
    if all(isinstance(row, list) and row and all(_scalar(v) for v in row) for row in value) and (
            len({len(row) for row in value}) == 1):
        return value
    return None


def _unnamed(path: str, rows: list[list[Any]], shape: str, line: int | None) -> Sample:
    columns = [str(i) for i in range(len(rows[0]))]
    return Sample(path, "json", shape, columns, [dict(zip(columns, row)) for row in rows],
                  line, unnamed=True)


def _json(path: str, text: str) -> Sample:
    data = _loads(text, path)
    sample = _json_rows(path, text, data)
    sample.body = data
    return sample


def _json_rows(path: str, text: str, data: Any) -> Sample:
    def where(steps: list[str | int]) -> int | None:
        return line_of(text, locate(text, steps))

    bare = _bare_rows(data) if isinstance(data, list) and data and isinstance(
        data[0], list) else None
    if bare is not None:  # [[5.1, 3.5, 1.4, 0.2]]: rows in the model's column order
        return _unnamed(path, bare, "rows", where([0]))
    if isinstance(data, dict) and len(data) == 1:
        # {"data": [[...]]}, {"features": [...]}: one key holding bare rows, the body of
        # many hand-written APIs (`np.array(request.data)`)
        (key, value), = data.items()
        bare = _bare_rows(value)
        if bare is not None and key not in ("dataframe_split", "dataframe_records"):
            return _unnamed(path, bare, key, where([key]))
        if key not in WRAPPERS and isinstance(value, list) and value and all(
                isinstance(item, dict) for item in value):
            # {"data": [{...}, ...]}: one key holding records (`List[Row]` in the API)
            columns, rows, ragged = _records(value, path, [key], where)
            return Sample(path, "json", key, columns, rows, where([key, 0]), ragged)
        if key not in WRAPPERS and isinstance(value, dict) and value and all(
                _scalar(v) for v in value.values()):
            # {"features": {"age": 31, ...}}: one key holding one record (`features:
            # Dict[str, Any]` in the API, `pd.DataFrame([body.features])`: new-user trial
            # 41, F2, where the record was taken for one column named 'features')
            return Sample(path, "json", key, list(value), [value], where([key]))
    if isinstance(data, list):
        columns, rows, ragged = _records(data, path, [], where)
        return Sample(path, "json", "records", columns, rows, where([0]), ragged)
    if not isinstance(data, dict):
        raise ContractError(f"a JSON sample is an object or a list of objects, not a"
                            f" {_kind(data)}", path, where([]))
    wrappers = [k for k in WRAPPERS if isinstance(data.get(k), (list, dict))]
    if wrappers and set(data) - set(wrappers) <= WRAPPER_SIBLINGS:
        if len(wrappers) > 1:
            raise ContractError(f"the sample has both {wrappers[0]!r} and {wrappers[1]!r}:"
                                " a request body holds one of them", path, where([]))
        return _wrapped(path, data, wrappers[0], where)
    if set(data) == {"columns", "data"} or set(data) == {"columns", "data", "index"}:
        columns, rows = _split(data, path, [], where)
        return Sample(path, "json", "split", columns, rows, where(["data", 0]))
    if not data:
        raise ContractError("the sample is an empty object: no columns", path, where([]))
    return Sample(path, "json", "record", list(data), [data], where([]))


def _wrapped(path: str, data: dict[str, Any], key: str, where) -> Sample:
    body = data[key]
    if key == "dataframe_split":
        if not isinstance(body, dict):
            raise ContractError(f"'dataframe_split' is a {_kind(body)}, not an object with"
                                " 'columns' and 'data'", path, where([key]))
        columns, rows = _split(body, path, [key], where)
        return Sample(path, "json", key, columns, rows, where([key, "data", 0]))
    if key == "inputs" and isinstance(body, dict):
        return _columnar(path, body, where)
    if not isinstance(body, list):
        raise ContractError(f"{key!r} is a {_kind(body)}, not a list of rows", path,
                            where([key]))
    names = None
    if key == "instances":
        for name_key in NAME_KEYS:
            if name_key in data:
                names = _names(data[name_key], path, [name_key], where)
                break
    if names is not None and body and all(isinstance(row, list) for row in body):
        rows = _lists(body, names, path, [key], where)
        return Sample(path, "json", key, names, rows, where([key, 0]))
    columns, rows, ragged = _records(body, path, [key], where)
    return Sample(path, "json", key, columns, rows, where([key, 0]), ragged)


def _records(items: list[Any], path: str, base: list[str | int],
             where) -> tuple[list[str], list[dict[str, Any]], bool]:
    """Rows that are objects: the union of their keys in first-seen order, and whether the
    rows' key sets differ."""
    if not items:
        raise ContractError("no rows: the list is empty", path, where(base))
    if all(isinstance(item, list) for item in items):  # bare rows, of uneven widths
        widths = [len(item) for item in items]
        row = next((i for i, w in enumerate(widths) if w != widths[0]), None)
        if row is not None:
            raise ContractError(f"row {row + 1} has {widths[row]} values, row 1 has"
                                f" {widths[0]}: rows of bare values all have the model's"
                                " width", path, where([*base, row]))
    columns: dict[str, None] = {}
    first: set[str] | None = None
    ragged = False
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            hint = (": rows of bare values carry no column names (send objects, or"
                    " 'dataframe_split' with 'columns')") if isinstance(item, list) else ""
            raise ContractError(f"row {index + 1} is a {_kind(item)}, not an object{hint}",
                                path, where([*base, index]))
        for name in item:
            columns.setdefault(name)
        keys = set(item)
        if first is None:
            first = keys
        elif keys != first:
            ragged = True
    if not columns:
        raise ContractError("the rows are empty objects: no columns", path, where(base))
    return list(columns), list(items), ragged


def _names(value: Any, path: str, steps: list[str | int], where) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContractError(f"{steps[-1]!r} must be a list of column names (strings)", path,
                            where(steps))
    seen: set[str] = set()
    for name in value:
        if name in seen:
            raise ContractError(f"column {name!r} is named twice in {steps[-1]!r}", path,
                                where(steps))
        seen.add(name)
    if not value:
        raise ContractError(f"{steps[-1]!r} is empty: no columns", path, where(steps))
    return list(value)


def _lists(body: list[Any], names: list[str], path: str, base: list[str | int],
           where) -> list[dict[str, Any]]:
    rows = []
    for index, row in enumerate(body):
        if not isinstance(row, list):
            raise ContractError(f"row {index + 1} is a {_kind(row)}, not a list of values",
                                path, where([*base, index]))
        if len(row) != len(names):
            raise ContractError(f"row {index + 1} has {len(row)} values for {len(names)}"
                                " columns", path, where([*base, index]))
        rows.append(dict(zip(names, row)))
    return rows


def _split(body: dict[str, Any], path: str, base: list[str | int],
           where) -> tuple[list[str], list[dict[str, Any]]]:
    """pandas' 'split' orient: {"columns": [...], "data": [[...], ...]}."""
    if "columns" not in body:
        raise ContractError("'data' without 'columns': the column names are unknown", path,
                            where(base))
    names = _names(body["columns"], path, [*base, "columns"], where)
    data = body.get("data")
    if not isinstance(data, list):
        raise ContractError(f"'data' is a {_kind(data)}, not a list of rows", path,
                            where([*base, "data"] if "data" in body else base))
    if not data:
        raise ContractError("no rows: 'data' is empty", path, where([*base, "data"]))
    return names, _lists(data, names, path, [*base, "data"], where)


def _columnar(path: str, body: dict[str, Any], where) -> Sample:
    """MLflow's {"inputs": {"col": [values...]}}: one list per column, or one value each."""
    if not body:
        raise ContractError("'inputs' is an empty object: no columns", path, where(["inputs"]))
    values = list(body.values())
    lengths = {len(v) for v in values if isinstance(v, list)}
    if all(isinstance(v, list) for v in values) and len(lengths) == 1:
        count = lengths.pop()
        if not count:
            raise ContractError("no rows: the columns of 'inputs' are empty", path,
                                where(["inputs"]))
        rows = [dict(zip(body, row)) for row in zip(*values)]
    else:
        rows = [dict(body)]
    return Sample(path, "json", "inputs", list(body), rows, where(["inputs"]))


def _jsonl(path: str, text: str) -> Sample:
    columns: dict[str, None] = {}
    rows: list[dict[str, Any]] = []
    first_line = None
    first: set[str] | None = None
    ragged = False
    # split on "\n" only: JSON strings may hold U+2028, which str.splitlines breaks on
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        row = _loads(line, path, number)
        if not isinstance(row, dict):
            raise ContractError(f"line {number} is a {_kind(row)}, not an object", path,
                                number)
        if first_line is None:
            first_line, first = number, set(row)
        elif set(row) != first:
            ragged = True
        for name in row:
            columns.setdefault(name)
        rows.append(row)
    if not columns:
        raise ContractError("the rows are empty objects: no columns", path, first_line)
    return Sample(path, "json", "jsonl", list(columns), rows, first_line, ragged)


# --- CSV --------------------------------------------------------------------------------


# What pandas.read_csv reads by default as missing, and as booleans (a column of True and
# False is a bool column: a model trained on one fails on the strings 'True', 'False').
_CSV_MISSING = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
_CSV_BOOLEANS = {"True": True, "TRUE": True, "true": True,
                 "False": False, "FALSE": False, "false": False}


def _value(cell: str, missing: frozenset[str] = _CSV_MISSING) -> Any:
    """A cell as pandas.read_csv reads it by default: missing (None) for its NA spellings
    (`missing`), a bool for True/False, a number when it reads as one (int, then float;
    'NaN' is a float, as before)."""
    if cell == "":
        return None
    if cell in _CSV_BOOLEANS:
        return _CSV_BOOLEANS[cell]
    text = cell.strip()
    if INT_RE.match(text):
        try:
            return int(text)
        except ValueError:  # more digits than Python converts
            pass
    if "_" not in text:  # float() accepts "1_0"; no CSV reader does
        try:
            return float(text)
        except ValueError:
            pass
    return None if cell in missing else cell


def _dedup(names: list[str]) -> list[str]:
    """Header names as pandas' default (C) parser makes them: '' → 'Unnamed: i', a repeat
    of 'a' → 'a.1', skipping suffixes the header already uses."""
    header = [name or f"Unnamed: {i}" for i, name in enumerate(names)]
    counts: dict[str, int] = {}
    for index, name in enumerate(header):
        original, count = name, counts.get(name, 0)
        if count > 0:
            while count > 0:
                counts[original] = count + 1
                name = f"{original}.{count}"
                count = count + 1 if name in header else counts.get(name, 0)
            header[index] = name
        counts[name] = count + 1
    return header


# Cells of text a sample's hint names when they were read as missing.
MAX_MISSING_NAMED = 5


def _csv(path: str, text: str, delimiter: str, csv_missing: str = "pandas") -> Sample:
    import csv
    import io

    missing = _CSV_MISSING if csv_missing == "pandas" else frozenset({""})
    read_as_missing: list[tuple[str, str, int]] = []

    # strict: an unclosed quote is an error (as in pandas), not one cell to the end of file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[dict[str, Any]] = []
    first_line = None
    previous = 0
    try:
        for cells in reader:
            start, previous = previous + 1, reader.line_num
            if not cells:
                continue
            if header is None:
                if all(c == "" for c in cells):
                    raise ContractError("the header row is empty", path, start)
                if all(isinstance(_value(c), (int, float)) for c in cells):
                    raise ContractError("no header: the first row is all numbers; add a"
                                        " header row with the column names", path, start)
                header = _dedup(cells)
                continue
            if len(cells) != len(header):  # (too few: a value lost, silently NaN)
                raise ContractError(f"row has {len(cells)} cells, the header"
                                    f" {len(header)}", path, start)
            if first_line is None:
                first_line = start
            values = [_value(c, missing) for c in cells]
            for name, cell, value in zip(header, cells, values):
                if value is None and cell.strip() and len(read_as_missing) < MAX_MISSING_NAMED:
                    read_as_missing.append((name, cell, start))
            rows.append(dict(zip(header, values)))
    except csv.Error as exc:
        raise ContractError(f"invalid CSV: {exc}", path, previous + 1) from None
    if header is None:
        raise ContractError("sample is empty", path)
    if not rows:  # as a JSON list with no rows: nothing to predict, nothing to time
        raise ContractError("no rows: the CSV has a header and no row under it; add a row of"
                            " production traffic", path, 1)
    sample = Sample(path, "csv", "csv", header, rows, first_line)
    sample.missing = read_as_missing
    return sample


# --- Parquet ----------------------------------------------------------------------------


def _parquet(path: str) -> Sample:
    """Checked to be Parquet (magic at both ends), not read: that needs pyarrow."""
    import os

    if not os.path.exists(path):
        raise ContractError("sample not found", path)
    if os.path.isdir(path):
        raise ContractError("sample is a folder, not a file (a partitioned dataset?): name"
                            " one .parquet file", path)
    from mlgate.artifacts.reading import Unreadable, read_ends, repository_of, resolve

    try:  # a regular file inside the repository (never a FIFO that blocks), as any sample
        real = resolve(path, repository_of(path))
        head, tail, size = read_ends(real, 64, 4)
    except OSError as exc:
        raise ContractError(f"cannot read sample: {exc.strerror or exc}", path) from None
    except Unreadable as exc:
        raise ContractError(f"sample: {exc}", path) from None
    if head.startswith(LFS_POINTER):
        raise ContractError("sample is a Git LFS pointer, not the file: run `git lfs pull`",
                            path, 1)
    if size < 12 or not head.startswith(PARQUET_MAGIC) or tail != PARQUET_MAGIC:
        raise ContractError("not a Parquet file (no PAR1 magic at its start and end)", path)
    return Sample(path, "parquet", "parquet", None, None, deferred=True)


# --- a sample as the API hands it to its code ----------------------------------------------


def request_bodies(sample: Sample) -> list[dict[str, Any]]:
    """The request bodies a JSON sample holds: the document if it is an object, each item
    if it is a list of objects; none for anything else (CSV, Parquet, bare rows)."""
    body = sample.body
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list) and body and all(isinstance(item, dict) for item in body):
        return body
    return []


def contract_keys(sample: Sample, contract) -> list[str] | None:
    """The sample's keys a pydantic contract keeps, in the order of its fields, when that
    is not the sample's own list of keys (it has others the contract ignores, pydantic's
    default extra="ignore", or lacks one with a default, or orders them otherwise): the API
    hands its code the validated model, whose values (`model_dump().values()`, `[[r.a, r.b]]`) are
    what a model fitted without column names gets. Used by the probe for such a model only:
    a model of named columns is given the sample's keys, and judged by name (new-user
    trial 43 F2: a 4-field contract, a sample with a fifth key, a model of 4 unnamed
    columns: "the sample has 5"); a field the sample omits gets its constant default
    (`sample.contract_defaults`). None when that is the sample's own order of keys, or the
    contract cannot say."""
    if contract.source != "pydantic" or not contract.exact or contract.extra not in (
            None, "ignore"):
        return None
    if sample.unnamed or sample.format != "json" or not sample.columns or sample.ragged:
        return None
    given = set(sample.columns)
    keys, defaults = [], {}
    for field in contract.fields:
        key = next((k for k in contract.accepted_names(field) if k in given), None)
        if key is None:
            if field.required or field.default is NO_DEFAULT:
                return None  # the API refuses it (MLG410), or fills in what mlgate can't
            key = contract.accepted_names(field)[0]
            defaults[key] = field.default  # what the API's model holds (red team 44b F5)
        keys.append(key)
    if not keys or keys == list(sample.columns):
        return None
    sample.contract_defaults = defaults
    return keys


def as_validated(sample: Sample, contract) -> Sample | None:
    """The sample as a pydantic contract hands it to the API's code, when that differs
    from reading it alone: a body whose one known field is a list, beside keys the contract
    does not know (pydantic ignores them unless it forbids them), read as that list's rows
    (`{"features": [...], "trace_id": 1}`). None when nothing changes or the contract
    cannot tell (not pydantic, not exact, forbids unknown keys)."""
    if contract.source != "pydantic" or not contract.exact or contract.extra == "forbid":
        return None
    body = sample.body
    if not isinstance(body, dict):
        return None
    known = {key for f in contract.fields for key in contract.accepted_names(f)}
    kept = {key: value for key, value in body.items() if key in known}
    if not kept or kept == body:
        return None
    line = sample.line

    def where(steps: list[str | int]) -> int | None:
        return line

    if len(kept) == 1:
        (key, value), = kept.items()
        bare = _bare_rows(value)
        if bare is not None:
            found = _unnamed(sample.path, bare, key, line)
            found.body = body
            return found
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns, rows, ragged = _records(value, sample.path, [key], where)
            found = Sample(sample.path, "json", key, columns, rows, line, ragged)
            found.body = body
            return found
    return None  # a flat body keeps its keys: a key the model does not read is MLG402's
