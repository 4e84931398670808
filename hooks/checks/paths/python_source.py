"""Python source: which string literals are paths, judged by how the code uses them."""

from __future__ import annotations

import ast
import bisect
import re
import warnings
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


# Calls that only test whether a location exists: `os.path.exists("/kaggle/input")` is how
# code detects a platform, not a dependency on it.
EXISTENCE_CALLS = {"exists", "isdir", "isfile", "lexists"}
# Calls whose arguments are test fixtures, not locations the code will open.
QUIET_CALLS = {"setenv", "setitem", "delenv"}
_BODY_FIELDS = ("body", "orelse", "finalbody")


def _overlaps(wanted: list[int], node: ast.AST) -> bool:
    first = getattr(node, "lineno", None)
    if first is None:
        return True
    at = bisect.bisect_left(wanted, first)
    return at < len(wanted) and wanted[at] <= (getattr(node, "end_lineno", None) or first)


def python_sites(text: str, *, comments: bool, lines: list[int] | None = None) -> Iterator[Site]:
    """String literals of Python source, with how the code uses them.

    One pass over the syntax tree; given `lines` (sorted line numbers that can hold a finding),
    only the statements that span one of them are visited. A parent marks its children before
    they are visited: documentation strings, routes, regexes and test fixtures are skipped;
    path joins, open()s and *_DIR names make a path context; the right side of `+` continues a
    string. Raises SyntaxError/ValueError.
    """
    with warnings.catch_warnings():  # "invalid escape sequence" is the user's linter's job
        warnings.simplefilter("ignore")
        tree = ast.parse(text)
    source_lines = text.splitlines()
    skip: set[int] = set()
    path: set[int] = set()
    continuation: set[int] = set()
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, quiet = stack.pop()
        for field in _BODY_FIELDS:
            body = getattr(node, field, None)
            if isinstance(body, list):
                for stmt in body:
                    if isinstance(stmt, ast.Expr) and isinstance(
                        stmt.value, (ast.Constant, ast.JoinedStr)
                    ):
                        skip.add(id(stmt.value))
        if isinstance(node, ast.Call):
            name = _call_name(node.func)
            if name in QUIET_CALLS:
                quiet = True
            elif node.args and (name in ROUTE_CALLS or _is_regex_call(node)):
                skip.add(id(node.args[0]))
            elif name in EXISTENCE_CALLS:
                skip.update(id(arg) for arg in node.args)
            for kw in node.keywords:
                if kw.arg in REGEX_KEYWORDS:
                    skip.add(id(kw.value))
                elif kw.arg and PATH_NAME_RE.search(kw.arg):
                    path.add(id(kw.value))
            if name in PATH_CALLS:
                path.update(id(arg) for arg in node.args)
        elif isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                continuation.add(id(node.right))
            elif isinstance(node.op, ast.Div):
                path.update((id(node.left), id(node.right)))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
                if name and PATH_NAME_RE.search(name):
                    path.add(id(node.value))
        elif isinstance(node, ast.Assert):
            quiet = True  # expected values in tests are compared, never opened

        silenced = (quiet or id(node) in skip) and not comments
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            if not silenced:
                value = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
                line, col, raw = _segment(source_lines, node)
                yield Site(value, line, col, start_ok=id(node) not in continuation,
                           path_context=id(node) in path, raw=raw)
            continue
        if isinstance(node, ast.JoinedStr):
            if not silenced:
                yield from _fstring_sites(node, source_lines, id(node) not in continuation,
                                          id(node) in path)
            # Only the expressions inside placeholders can hold more strings.
            children = [part.value for part in node.values if isinstance(part, ast.FormattedValue)]
        else:
            children = list(ast.iter_child_nodes(node))
        for child in reversed(children):
            if lines is None or _overlaps(lines, child):
                stack.append((child, quiet))


def _fstring_sites(
    node: ast.JoinedStr, source_lines: list[str], start_ok: bool, path_context: bool
) -> Iterator[Site]:
    line, col, raw = _segment(source_lines, node)
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


_INLINE_METADATA_RE = re.compile(
    r"(?m)^# /// script[ \t]*$(?P<body>(?:\n#(?: [^\n]*)?)*?)\n# ///[ \t]*$"
)


def inline_metadata_sites(text: str) -> Iterator[Site]:
    """PEP 723 `# /// script` blocks: comments to Python, but `uv run` reads their TOML."""
    for block in _INLINE_METADATA_RE.finditer(text):
        first_line = text.count("\n", 0, block.start()) + 2
        body = "\n".join("  " + line[2:] for line in block.group("body").split("\n")[1:])
        for site in text_sites(body, comments=False):
            site.line += first_line - 1
            yield site

