"""Pull the strings worth checking out of each kind of file, with their positions.

Every extractor yields `Site`s: a string value plus what is known about its use, and a way to
turn an offset in that value back into the file's line and column.
"""

from __future__ import annotations

import ast
import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Callable

# Call names whose first argument is a web route, not a filesystem path.
ROUTE_CALLS = {
    "get", "post", "put", "patch", "delete", "head", "options", "route", "api_route",
    "websocket", "add_url_rule", "add_api_route", "add_route", "add_api_websocket_route",
    "url", "path", "re_path", "url_for", "redirect", "urljoin",
}
REGEX_MODULES = {"re", "regex"}
REGEX_KEYWORDS = {"pattern", "regex", "pat"}
# Calls whose arguments are filesystem paths, so a bare root such as "/home" counts.
PATH_CALLS = {
    "join", "Path", "PurePath", "PosixPath", "PurePosixPath", "WindowsPath", "PureWindowsPath",
    "open", "chdir", "listdir", "scandir", "walk", "makedirs", "mkdir", "exists", "isdir",
    "isfile", "glob", "iglob", "rmtree", "copy", "copyfile", "copytree", "move", "mount",
    "read_csv", "read_parquet", "read_json", "read_excel", "read_pickle", "read_feather",
    "read_table", "load", "dump", "save", "savefig", "to_csv", "to_parquet", "append", "insert",
    "expanduser", "abspath", "realpath", "load_model", "save_model", "from_pretrained",
}
PATH_NAME_RE = re.compile(r"(dir|path|root|folder|file|home|location|loc|base|drive)", re.I)
# YAML keys whose values are paths inside a container, not on the host.
CONTAINER_KEYS_RE = re.compile(
    r"^\s*-?\s*(mountPath|mount_path|containerPath|container_path|workingDir|working_dir|"
    r"target|WORKDIR|workdir)\s*:",
)
# A compose/k8s-style volume `- host:container[:mode]`: the container side is not a host path.
VOLUME_RE = re.compile(
    r"^(?P<lead>\s*-\s*[\"']?)(?P<host>(?=\$\{|[^\s:\"']{2})(?:\$\{[^}]*\}|[^\s:\"'])+)"
    r":(?P<container>/(?!/)[^\s:\"']*)(?::[\w,]+)?[\"']?\s*$"
)


@dataclass
class Site:
    """A string value found at (line, col) of the source text (1-based)."""

    value: str
    line: int
    col: int
    start_ok: bool = True
    path_context: bool = False
    container: bool = False
    raw: str | None = None  # the literal as written, to locate a match inside it
    open_end: bool = False  # an f-string placeholder follows: "/home/{user}"
    extra: dict = field(default_factory=dict)
    remap: Callable[[int, int], tuple[int, int]] | None = None

    def position(self, offset: int, text: str) -> tuple[int, int]:
        """File line and column of a match, after any remapping (notebook cells)."""
        line, col = self.locate(offset, text)
        return self.remap(line, col) if self.remap else (line, col)

    def locate(self, offset: int, text: str) -> tuple[int, int]:
        """Line and column of `text` found at `offset` in the value."""
        if self.raw is None:
            head = self.value[:offset]
            newlines = head.count("\n")
            if newlines:
                return self.line + newlines, offset - head.rfind("\n")
            return self.line, self.col + offset
        doubled = text.replace("\\", "\\\\")
        for needle in (text, doubled, text[:12], doubled[:12]):
            at = self.raw.find(needle)
            if at >= 0:
                head = self.raw[:at]
                newlines = head.count("\n")
                if newlines:
                    return self.line + newlines, at - head.rfind("\n")
                return self.line, self.col + at
        return self.line, self.col


# ---------------------------------------------------------------- comments and suppressions

def strip_hash_comment(line: str) -> str:
    """The line without a trailing `# comment` that is outside quotes."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


# ---------------------------------------------------------------- line-oriented text files

def text_sites(
    text: str,
    *,
    comments: bool,
    path_context: bool = False,
    container: bool = False,
    ini: bool = False,
    yaml: bool = False,
) -> Iterator[Site]:
    """One site per line of a config, shell script, Dockerfile or requirements file."""
    for number, line in enumerate(text.splitlines(), 1):
        body = line
        if not comments:
            stripped = line.lstrip()
            if stripped.startswith("#") or (ini and stripped.startswith(";")):
                continue
            body = strip_hash_comment(line)
        if not body.strip():
            continue
        volume = VOLUME_RE.match(body) if yaml else None
        if volume:
            yield Site(volume.group("host"), number, volume.start("host") + 1)
            yield Site(volume.group("container"), number, volume.start("container") + 1,
                       container=True)
            continue
        in_container = container or (yaml and bool(CONTAINER_KEYS_RE.match(body)))
        yield Site(body, number, 1, path_context=path_context, container=in_container)


# ---------------------------------------------------------------- JSON

_JSON_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.S)


class _Str(str):
    """A JSON string that remembers where its literal starts in the file."""

    offset: int
    literal: str


def parse_json_with_offsets(text: str):
    """Parse JSON keeping, for every string value, the offset of its literal.

    Raises ValueError on malformed input.
    """
    tokens = [(m.group(), m.start()) for m in _JSON_TOKEN_RE.finditer(text)]
    pos = 0

    def value():
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError("unexpected end of JSON")
        tok, at = tokens[pos]
        pos += 1
        if tok == "{":
            obj = {}
            if tokens[pos][0] == "}":
                pos += 1
                return obj
            while True:
                key = value()
                if not isinstance(key, str) or tokens[pos][0] != ":":
                    raise ValueError(f"bad object key at offset {at}")
                pos += 1
                obj[str(key)] = value()
                sep = tokens[pos][0]
                pos += 1
                if sep == "}":
                    return obj
                if sep != ",":
                    raise ValueError(f"expected ',' or '}}' at offset {tokens[pos - 1][1]}")
        if tok == "[":
            arr = []
            if tokens[pos][0] == "]":
                pos += 1
                return arr
            while True:
                arr.append(value())
                sep = tokens[pos][0]
                pos += 1
                if sep == "]":
                    return arr
                if sep != ",":
                    raise ValueError(f"expected ',' or ']' at offset {tokens[pos - 1][1]}")
        if tok.startswith('"'):
            s = _Str(json.loads(tok))
            s.offset = at
            s.literal = tok
            return s
        if tok in ("}", "]", ",", ":"):
            raise ValueError(f"unexpected {tok!r} at offset {at}")
        return json.loads(tok)

    try:
        result = value()
        if pos != len(tokens):
            raise ValueError("trailing data after JSON value")
    except IndexError:
        raise ValueError("unexpected end of JSON") from None
    except json.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None
    return result


class LineIndex:
    """Offset -> (line, col), both 1-based."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def json_string_site(s: _Str, index: LineIndex, **kwargs) -> Site:
    line, col = index.position(s.offset)
    return Site(str(s), line, col + 1, raw=s.literal[1:-1], **kwargs)


def json_sites(text: str) -> Iterator[Site]:
    """Every string value (not key) of a JSON document. Raises ValueError if malformed."""
    document = parse_json_with_offsets(text)
    index = LineIndex(text)
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, _Str):
            yield json_string_site(node, index)


# ---------------------------------------------------------------- Python

def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _is_regex_call(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in REGEX_MODULES
    )


class _PythonContext(ast.NodeVisitor):
    """Marks string nodes by how they are used: skipped, path-like, or a continuation."""

    def __init__(self) -> None:
        self.skip: set[int] = set()
        self.path: set[int] = set()
        self.continuation: set[int] = set()

    def _mark_docstring(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, (ast.Constant, ast.JoinedStr)):
                self.skip.add(id(stmt.value))

    def generic_visit(self, node: ast.AST) -> None:
        body = getattr(node, "body", None)
        if isinstance(body, list):
            self._mark_docstring(body)
        for name in ("orelse", "finalbody"):
            extra = getattr(node, name, None)
            if isinstance(extra, list):
                self._mark_docstring(extra)
        super().generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node.func)
        if node.args and (name in ROUTE_CALLS or _is_regex_call(node)):
            self.skip.add(id(node.args[0]))
        for kw in node.keywords:
            if kw.arg in REGEX_KEYWORDS:
                self.skip.add(id(kw.value))
            elif kw.arg and PATH_NAME_RE.search(kw.arg):
                self.path.add(id(kw.value))
        if name in PATH_CALLS:
            for arg in node.args:
                self.path.add(id(arg))
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Add):
            self.continuation.add(id(node.right))
        elif isinstance(node.op, ast.Div):
            self.path.add(id(node.left))
            self.path.add(id(node.right))
        self.generic_visit(node)

    def _assigned(self, targets: list[ast.expr], value: ast.expr | None) -> None:
        if value is None:
            return
        for target in targets:
            name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
            if name and PATH_NAME_RE.search(name):
                self.path.add(id(value))

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assigned(node.targets, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assigned([node.target], node.value)
        self.generic_visit(node)


def _char_col(lines: list[str], lineno: int, byte_col: int) -> int:
    """ast columns are UTF-8 byte offsets; editors want characters."""
    if not 1 <= lineno <= len(lines):
        return byte_col
    return len(lines[lineno - 1].encode("utf-8")[:byte_col].decode("utf-8", "replace"))


def _segment(lines: list[str], node: ast.expr) -> tuple[int, int, str]:
    start_line, end_line = node.lineno, node.end_lineno or node.lineno
    start = _char_col(lines, start_line, node.col_offset)
    end = _char_col(lines, end_line, node.end_col_offset or 0)
    if start_line == end_line:
        raw = lines[start_line - 1][start:end]
    else:
        parts = [lines[start_line - 1][start:], *lines[start_line:end_line - 1],
                 lines[end_line - 1][:end]]
        raw = "\n".join(parts)
    return start_line, start + 1, raw


def python_sites(text: str, *, comments: bool) -> Iterator[Site]:
    """String literals of Python source with their use. Raises SyntaxError/ValueError."""
    tree = ast.parse(text)
    context = _PythonContext()
    context.visit(tree)
    lines = text.splitlines()
    inside_fstring: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for part in node.values:
                inside_fstring.add(id(part))
                if isinstance(part, ast.FormattedValue) and part.format_spec is not None:
                    inside_fstring.add(id(part.format_spec))
    for node in ast.walk(tree):
        if id(node) in inside_fstring:
            continue
        if id(node) in context.skip and not comments:
            continue
        path_context = id(node) in context.path
        start_ok = id(node) not in context.continuation
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            value = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            line, col, raw = _segment(lines, node)
            yield Site(value, line, col, start_ok=start_ok, path_context=path_context, raw=raw)
        elif isinstance(node, ast.JoinedStr):
            line, col, raw = _segment(lines, node)
            after_value = False
            parts = node.values
            for i, part in enumerate(parts):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    followed = i + 1 < len(parts) and not isinstance(parts[i + 1], ast.Constant)
                    yield Site(part.value, line, col, start_ok=start_ok and not after_value,
                               path_context=path_context, raw=raw, open_end=followed)
                    after_value = False
                else:
                    after_value = True
                start_ok = True


def python_comment_lines(text: str) -> Iterator[Site]:
    """Comments of Python source, for `scan-comments = true`."""
    import io
    import tokenize

    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and not tok.string.startswith("#!"):
                yield Site(tok.string, tok.start[0], tok.start[1] + 1)
    except (tokenize.TokenError, SyntaxError):
        return


# ---------------------------------------------------------------- Jupyter notebooks

_MAGIC_RE = re.compile(r"^\s*(?:[!%]|\w+\s*=\s*[!%])")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_OUTPUT_MIME = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


def _pieces(source) -> list[_Str]:
    if isinstance(source, _Str):
        return [source]
    if isinstance(source, list):
        return [p for p in source if isinstance(p, _Str)]
    return []


def _raw_length(value: str) -> int:
    """How many characters `value` takes inside a JSON string literal."""
    return len(json.dumps(value, ensure_ascii=False)) - 2


class _CellMap:
    """Maps (line, col) in a cell's joined source to (line, col) in the .ipynb file."""

    def __init__(self, pieces: list[_Str], index: LineIndex) -> None:
        self.pieces = pieces
        self.index = index
        self.text = "".join(pieces)
        self.piece_starts = []
        at = 0
        for piece in pieces:
            self.piece_starts.append(at)
            at += len(piece)
        self.cell_lines = LineIndex(self.text)

    def __call__(self, line: int, col: int) -> tuple[int, int]:
        starts = self.cell_lines.starts
        offset = starts[min(line, len(starts)) - 1] + col - 1
        j = max(bisect.bisect_right(self.piece_starts, offset) - 1, 0)
        piece = self.pieces[j]
        inner = offset - self.piece_starts[j]
        file_line, file_col = self.index.position(piece.offset)
        return file_line, file_col + 1 + _raw_length(piece[:inner])


def ipython_sites(text: str, comments: bool) -> list[Site]:
    """IPython source (a notebook cell, a Colab export): magics as shell, the rest as Python,
    and line by line when even that does not parse."""
    python_lines, shell_lines = [], []
    for number, line in enumerate(text.split("\n"), 1):
        if _MAGIC_RE.match(line):
            shell_lines.append((number, line))
            python_lines.append(" " * len(line))
        else:
            python_lines.append(line)
    try:
        sites = list(python_sites("\n".join(python_lines), comments=comments))
        if comments:
            sites.extend(python_comment_lines(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        sites = list(text_sites(text, comments=comments))
        shell_lines = []
    for number, line in shell_lines:
        for site in text_sites(line, comments=comments, path_context=True):
            site.line = number
            sites.append(site)
    return sites


def _cell_code_sites(cell_map: _CellMap, comments: bool) -> Iterator[Site]:
    for site in ipython_sites(cell_map.text, comments):
        site.remap = cell_map
        yield site


def _output_strings(output) -> Iterator[tuple[str, _Str]]:
    if not isinstance(output, dict):
        return
    kind = str(output.get("output_type", "output"))
    for key in ("text", "traceback", "evalue"):
        for piece in _pieces(output.get(key)):
            yield kind, piece
    data = output.get("data")
    if isinstance(data, dict):
        for mime in _OUTPUT_MIME:
            for piece in _pieces(data.get(mime)):
                yield kind, piece


def notebook_sites(text: str, *, comments: bool, outputs: bool) -> Iterator[Site]:
    """Code cells as Python (magics as shell), and optionally outputs. Raises ValueError."""
    document = parse_json_with_offsets(text)
    if not isinstance(document, dict):
        raise ValueError("a notebook is a JSON object")
    cells = document.get("cells")
    if cells is None:  # nbformat 3
        cells = [c for ws in document.get("worksheets", []) if isinstance(ws, dict)
                 for c in ws.get("cells", [])]
    if not isinstance(cells, list):
        raise ValueError("'cells' is not a list")
    index = LineIndex(text)
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type")
        pieces = _pieces(cell.get("source", cell.get("input")))
        if kind == "code" and pieces:
            cell_map = _CellMap(pieces, index)
            for site in _cell_code_sites(cell_map, comments):
                site.extra = {"cell": number, "cell_line": site.line}
                yield site
        elif kind in ("markdown", "raw") and comments:
            for piece in pieces:
                site = json_string_site(piece, index)
                site.extra = {"cell": number}
                yield site
        if outputs and kind == "code":
            for output in cell.get("outputs", []) or []:
                for output_kind, piece in _output_strings(output):
                    site = json_string_site(piece, index)
                    site.value = _ANSI_RE.sub("", site.value)
                    site.extra = {"cell": number, "output": output_kind}
                    yield site
