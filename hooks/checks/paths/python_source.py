"""Python source: which string literals are paths, judged by how the code uses them."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from mlgate.checks.paths.sources import Site, text_sites

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


_MAGIC_RE = re.compile(r"^\s*(?:[!%]|\w+\s*=\s*[!%])")


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
