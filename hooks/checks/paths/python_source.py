"""Python source: which string literals are paths, judged by how the code uses them."""

from __future__ import annotations

import ast
import bisect
import functools
import itertools
import re
import warnings
from collections.abc import Iterator

from mlgate.checks.paths import usage
from mlgate.checks.paths.sources import Site, text_sites
from mlgate.lazy_re import LazyPattern

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
    starts = _char_starts(lines[lineno - 1])
    return byte_col if starts is None else bisect.bisect_left(starts, byte_col)


@functools.lru_cache(maxsize=8)
def _char_starts(line: str) -> list[int] | None:
    """The UTF-8 offset of each character of a line (None: ASCII, where they are the same),
    computed once per line: encoding the line again for each literal on it made a line of
    thousands of paths quadratic (acceptance audit of round 40)."""
    if line.isascii():
        return None
    widths = (1 if c < "\x80" else 2 if c < "\u0800" else 3 if c < "\U00010000" else 4
              for c in line)
    return [0, *itertools.accumulate(widths)][:-1]


def _segment(lines: list[str], node: ast.expr, first_line: int = 1) -> tuple[int, int, str]:
    """(line, column, literal as written) of a node parsed from a chunk that starts at line
    `first_line` of the file whose lines are `lines`."""
    shift = first_line - 1
    start_line, end_line = node.lineno + shift, (node.end_lineno or node.lineno) + shift
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


def _overlaps(wanted: list[int], node: ast.AST, first_line: int = 1) -> bool:
    first = getattr(node, "lineno", None)
    if first is None:
        return True
    shift = first_line - 1
    at = bisect.bisect_left(wanted, first + shift)
    return at < len(wanted) and wanted[at] <= (getattr(node, "end_lineno", None) or first) + shift


def python_sites(text: str, *, comments: bool, lines: list[int] | None = None) -> Iterator[Site]:
    """String literals of Python source, with how the code uses them.

    Given `lines` (sorted line numbers that can hold a finding), only the statements that span
    them are parsed (see `_chunks`), so a large file with one candidate costs about as much as
    a small one; the whole file is parsed when a statement's bounds are unclear. A parent marks
    its children before they are visited: documentation strings, routes, regexes, test
    fixtures and existence probes are skipped; path joins, open()s and *_DIR names make a path
    context; the right side of `+` continues a string. Raises SyntaxError/ValueError.
    """
    source_lines = split_lines(text)
    probes = _Probes(text)
    extended = _extended_names(text)
    if lines is not None:
        chunks = _parse_chunks(text, source_lines, lines)
        if chunks is not None:
            for tree, first_line in chunks:
                yield from _tree_sites(tree, source_lines, probes, extended,
                                       comments=comments, lines=lines, first_line=first_line)
            return
    yield from _tree_sites(_parse(text), source_lines, probes, extended, comments=comments,
                           lines=lines)


def _parse(source: str) -> ast.Module:
    with warnings.catch_warnings():  # "invalid escape sequence" is the user's linter's job
        warnings.simplefilter("ignore")
        return ast.parse(source)


_NEWLINE_RE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines as Python's tokenizer counts them (\\r\\n, \\r, \\n; not form feeds)."""
    return text.split("\n") if "\r" not in text else _NEWLINE_RE.split(text)


def _line_starts(text: str, source_lines: list[str]) -> list[int]:
    """The offset where each line starts (and one past the end)."""
    if "\r" in text:
        starts = [0]
        starts.extend(m.end() for m in _NEWLINE_RE.finditer(text))
        return starts
    import itertools
    import operator

    # all in C: each line's length plus its newline, summed
    return list(itertools.accumulate(
        map(operator.add, map(len, source_lines), itertools.repeat(1)), initial=0))


# Statement bounds: how a line continues the one before it, and opens or closes brackets.
_CODE_STRIP_RE = re.compile(r"#.*$|[rRbBuUfF]{0,2}(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")")
_OPENERS, _CLOSERS = "([{", ")]}"
_TRAILING_OPERATOR_RE = re.compile(
    r"(?:[\\,([{=+\-*/%&|^<>@~:]|\b(?:and|or|not|in|is|if|else|lambda|await|return))\s*$")
_LEADING_CONTINUATION_RE = re.compile(r"^\s*(?:[)\]}.,+\-*/%&|^<>=]|and\b|or\b)")
_BLANK_OR_COMMENT_RE = re.compile(r"^\s*(?:#.*)?$")
# An expression statement starting like this is more likely the middle of a bracket than code
# (a docstring, with its triple quote, is not).
_FRAGMENT_START_RE = re.compile(r"""(?![rRbBuUfF]{0,2}(?:'''|\"\"\"))[rRbBuUfF]{0,2}["']|[)\]},]""")
# A chunk this long is no longer cheaper than the whole file.
_MAX_CHUNK = 400


def _code(line: str) -> str:
    """The line with comments dropped and each string literal reduced to `s`: what is left
    tells brackets and trailing operators apart from text."""
    return _CODE_STRIP_RE.sub(lambda m: "" if m.group().startswith("#") else "s", line)


def _balance(line: str) -> int:
    code = _code(line)
    return sum(code.count(c) for c in _OPENERS) - sum(code.count(c) for c in _CLOSERS)


def _continues(previous: str, line: str) -> bool:
    """Whether `line` continues the statement `previous` is part of."""
    code = _code(previous).rstrip()
    if not code:
        return False
    if code.endswith(":") and not _balance(previous) > 0:
        return False  # a compound statement's header: `line` is its body
    return (_balance(previous) > 0 or bool(_TRAILING_OPERATOR_RE.search(code))
            or bool(_LEADING_CONTINUATION_RE.match(line)))


class _Quotes:
    """How many of each triple quote precede an offset: counted from the last question, so
    ascending questions over a file cost one pass over it."""

    def __init__(self, text: str) -> None:
        self.text, self.at, self.counts = text, 0, [0, 0]

    def inside(self, offset: int) -> bool:
        """Whether `offset` is inside a triple-quoted string (an odd number precede it)."""
        lo, hi, sign = (self.at, offset, 1) if offset >= self.at else (offset, self.at, -1)
        for i, quote in enumerate(('"""', "'''")):
            self.counts[i] += sign * self.text.count(quote, lo, hi)
        self.at = offset
        return bool(self.counts[0] % 2 or self.counts[1] % 2)


def _span(source_lines: list[str], starts: list[int], text: str, quotes: _Quotes,
          number: int) -> tuple[int, int]:
    """First and last line (1-based) of the statement that holds line `number`, roughly."""
    first = number
    if quotes.inside(starts[first - 1]):  # in a triple-quoted string: go to where it opens
        opening = max(text.rfind('"""', 0, starts[first - 1]),
                      text.rfind("'''", 0, starts[first - 1]))
        first = bisect.bisect_right(starts, opening)
    while first > 1:
        previous = first - 1  # the nearest line above with code: comments sit inside calls
        while previous > 1 and _BLANK_OR_COMMENT_RE.match(source_lines[previous - 1]):
            previous -= 1
        if not _continues(source_lines[previous - 1], source_lines[first - 1]):
            break
        first = previous
        if number - first > _MAX_CHUNK:
            break
    last, depth = first, 0
    for i in range(first, len(source_lines) + 1):
        last = i
        depth += _balance(source_lines[i - 1])
        if i < number:
            continue
        end = starts[i] if i < len(starts) else len(text)
        following = source_lines[i] if i < len(source_lines) else ""
        code = _code(source_lines[i - 1]).strip()
        if depth <= 0 and not quotes.inside(end) and not code.endswith("\\") and not (
            code.startswith("@") or (following and _LEADING_CONTINUATION_RE.match(following))
        ):
            break
        if i - first > _MAX_CHUNK:
            break
    return first, last


def _parse_chunks(
    text: str, source_lines: list[str], lines: list[int]
) -> list[tuple[ast.Module, int]] | None:
    """The statements around `lines`, each parsed alone: (tree, file line of its line 1).
    None when any of them does not parse as a whole statement; the caller parses the file."""
    starts = _line_starts(text, source_lines)
    spans: list[tuple[int, int]] = []
    quotes = _Quotes(text)
    for number in lines:
        if number > len(source_lines):
            break
        if spans and spans[-1][0] <= number <= spans[-1][1]:
            continue
        first, last = _span(source_lines, starts, text, quotes, number)
        if last - first > _MAX_CHUNK:
            return None
        if spans and first <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(last, spans[-1][1]))
        else:
            spans.append((first, last))
    chunks = []
    for first, last in spans:
        chunk = source_lines[first - 1:last]
        if all(not line.strip() or line.lstrip().startswith("#") for line in chunk):
            continue  # comments: read by python_comment_lines when asked to
        head = chunk[0]
        stripped = head.lstrip()
        indent = head[:len(head) - len(stripped)]
        if stripped.startswith(("except", "case ", "finally", "else")):
            return None
        if stripped.startswith("elif "):
            chunk[0] = indent + "if  " + stripped[4:]
        body = "\n".join(chunk)
        tail = _code(chunk[-1]).rstrip()
        if tail.endswith(":"):
            body += "\n" + indent + "  pass"
        if indent:
            body, first = "if 1:\n" + body, first - 1
        try:
            tree = _parse(body)
        except (SyntaxError, ValueError):
            return None
        statements = tree.body[0].body if indent else tree.body  # type: ignore[attr-defined]
        if (statements and isinstance(statements[0], ast.Expr)
                and _FRAGMENT_START_RE.match(stripped)):
            return None  # `'/a/b',` alone: a fragment of a bracketed expression, probably
        chunks.append((tree, first))
    return chunks


def _tree_sites(
    tree: ast.AST,
    source_lines: list[str],
    probes: _Probes,
    extended: dict[str, list[int]],
    *,
    comments: bool,
    lines: list[int] | None = None,
    first_line: int = 1,
) -> Iterator[Site]:
    """The sites of one parsed tree (a module, or a chunk of one starting at `first_line`)."""
    skip: set[int] = set()
    path: set[int] = set()
    continuation: set[int] = set()
    # strings a value is joined to ("/home/" + user) or put into ("/home/{}".format(user)):
    # as an f-string's parts, a folder that something follows (red team 43 F5)
    followed: set[int] = set()
    templates: set[int] = set()
    level: dict[int, int] = {}  # id(node) -> how surely it is used as a path (usage.*)
    stack: list[tuple[ast.AST, bool, int]] = [(tree, False, usage.NONE)]
    while stack:
        node, quiet, inherited = stack.pop()
        own = max(inherited, level.get(id(node), usage.NONE))
        for field in _BODY_FIELDS:
            body = getattr(node, field, None)
            if isinstance(body, list):
                for stmt in body:
                    if isinstance(stmt, ast.Expr) and isinstance(
                        stmt.value, (ast.Constant, ast.JoinedStr)
                    ):
                        skip.add(id(stmt.value))
        passed = usage.NONE  # what this node hands down to all its children
        if isinstance(node, ast.Call):
            name = _call_name(node.func)
            if isinstance(node.func, ast.Attribute) and node.func.attr in (
                    "format", "format_map") and isinstance(node.func.value, ast.Constant):
                templates.add(id(node.func.value))
            if (isinstance(node.func, ast.Attribute) and node.func.attr == "join"
                    and isinstance(node.func.value, ast.Constant) and node.args
                    and isinstance(node.args[0], (ast.List, ast.Tuple))):
                # "".join(["/home/", user, ...]): as "/home/" + user
                items = node.args[0].elts
                followed.update(id(item) for item in items[:-1])
                continuation.update(id(item) for item in items[1:])
            if name in QUIET_CALLS:
                quiet = True
            elif node.args and (name in ROUTE_CALLS or _is_regex_call(node)):
                skip.add(id(node.args[0]))
            elif name in EXISTENCE_CALLS:
                skip.update(id(arg) for arg in node.args)
            elif name in PATH_PROBES and isinstance(node.func, ast.Attribute):
                probed = node.func.value  # Path("/checkpoint").is_dir()
                if isinstance(probed, ast.Call) and _call_name(probed.func) in PATH_CLASSES:
                    skip.update(id(arg) for arg in probed.args)
            for kw in node.keywords:
                if kw.arg in REGEX_KEYWORDS:
                    skip.add(id(kw.value))
                elif kw.arg and PATH_NAME_RE.search(kw.arg):
                    path.add(id(kw.value))
                if kw.arg:
                    _raise(level, kw.value, usage.name_use(kw.arg))
            if name in PATH_CALLS:
                path.update(id(arg) for arg in node.args)
            if _strong_call(node.func, name):
                for arg in node.args:
                    _raise(level, arg, usage.CERTAIN)
            elif name in PASS_CALLS:
                for arg in node.args:
                    _raise(level, arg, own)
            if name == "add_argument" and node.args and isinstance(node.args[0], ast.Constant):
                flag = usage.name_use(str(node.args[0].value).lstrip("-"))
                for kw in node.keywords:
                    if kw.arg == "default":  # parser.add_argument("--data_dir", default=...)
                        _raise(level, kw.value, flag)
        elif isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                continuation.add(id(node.right))
                followed.add(id(node.left))
            elif isinstance(node.op, ast.Div):
                path.update((id(node.left), id(node.right)))
                _raise(level, node.left, usage.CERTAIN)
                _raise(level, node.right, usage.CERTAIN)
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            continuation.add(id(node.value))  # p += user: as p = p + user
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = _target_name(target)
                if name in extended and _extended_after(
                        extended, name, node.lineno + first_line - 1, source_lines):
                    followed.add(id(node.value))  # p = "/home/"; p += user
                if name and PATH_NAME_RE.search(name):
                    path.add(id(node.value))
                if name:
                    if probes.probed_name(name):  # p = Path("/scratch"); if p.exists(): ...
                        skip.add(id(node.value))
                        if isinstance(node.value, ast.Call):
                            skip.update(id(arg) for arg in node.value.args)
                    else:
                        _raise(level, node.value, usage.name_use(name))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    _raise(level, value, usage.name_use(key.value))
            passed = own
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.IfExp, ast.BoolOp,
                               ast.Starred, ast.keyword)):
            passed = own
        elif isinstance(node, ast.Assert):
            quiet = True  # expected values in tests are compared, never opened

        silenced = (quiet or id(node) in skip) and not comments
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            if not silenced:
                text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
                if not probes.probed_value(text):
                    line, col, raw = _segment(source_lines, node, first_line)
                    start_ok = id(node) not in continuation
                    if isinstance(node.value, str) and (
                            id(node) in templates or _path_template(text)):
                        for piece, placeholder in _template_parts(text):
                            yield Site(piece, line, col, start_ok=start_ok,
                                       path_context=id(node) in path, raw=raw,
                                       open_end=placeholder, use=own)
                            start_ok = False  # what follows a placeholder starts no path
                    else:
                        yield Site(text, line, col, start_ok=start_ok,
                                   path_context=id(node) in path, raw=raw,
                                   open_end=id(node) in followed, use=own)
            continue
        if isinstance(node, ast.JoinedStr):
            if not silenced:
                yield from _fstring_sites(node, source_lines, id(node) not in continuation,
                                          id(node) in path, own, first_line)
            # Only the expressions inside placeholders can hold more strings.
            children: list[ast.AST] = [part.value for part in node.values
                                       if isinstance(part, ast.FormattedValue)]
        else:
            children = list(ast.iter_child_nodes(node))
        for child in reversed(children):
            if lines is None or _overlaps(lines, child, first_line):
                stack.append((child, quiet, passed))


def _extended_names(text: str) -> dict[str, list[int]]:
    """Names a value is appended to (`p += user`, `p = p + user`), with the lines where,
    so that the string assigned to them just before, in the same function, is a folder
    something follows, as in "/home/" + user. Read from the text, since only the
    statements around candidate lines are parsed."""
    if "+" not in text:
        return {}
    found: dict[str, list[int]] = {}
    for pattern in (_EXTENDED_RE, _REASSIGNED_RE):
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.setdefault(match.group(1), []).append(line)
    return found


_EXTENDED_RE = LazyPattern(r"(?m)^[ \t]*(?:[\w.]+\.)?([A-Za-z_]\w*)[ \t]*\+=")
_REASSIGNED_RE = LazyPattern(r"(?m)^[ \t]*([A-Za-z_]\w*)[ \t]*=[ \t]*\1[ \t]*\+")
_SCOPE_RE = LazyPattern(r"[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]")


def _scope_of(source_lines: list[str], line: int) -> int:
    """The line of the def or class whose body holds `line` (0: the module's), looked for
    within a bound (-1 past it: no scope is shared)."""
    text = source_lines[line - 1] if 0 < line <= len(source_lines) else ""
    indent = len(text) - len(text.lstrip())
    if indent == 0:
        return 0
    for number in range(line - 1, max(0, line - 2000), -1):
        above = source_lines[number - 1]
        stripped = above.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        width = len(above) - len(stripped)
        if width < indent:
            if _SCOPE_RE.match(above):
                return number
            indent = width  # an if/for/with block: the scope that holds it
            if indent == 0:
                return 0
    return -1


def _extended_after(extended: dict[str, list[int]], name: str, line: int,
                    source_lines: list[str]) -> bool:
    """Whether `name`, assigned at `line`, is appended to later in the same scope."""
    later = [at for at in extended.get(name, ()) if at > line]
    if not later:
        return False
    scope = _scope_of(source_lines, line)
    return scope >= 0 and any(_scope_of(source_lines, at) == scope for at in later)


def _raise(level: dict[int, int], node: ast.AST, value: int) -> None:
    if value > level.get(id(node), usage.NONE):
        level[id(node)] = value


def _target_name(target: ast.expr) -> str:
    """DATA_DIR = ..., self.data_dir = ..., cfg["data_dir"] = ..."""
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return str(target.slice.value)
    return ""


STRONG_CALLS = usage.STRONG_CALLS  # calls whose arguments are surely files or folders
# Calls that only take a path from a known receiver: sys.path.append, np.load, dbutils.fs.ls.
_RECEIVER_CALLS = {
    "path": {"append", "insert", "join"},
    "np": {"load", "save", "savez", "savez_compressed", "loadtxt", "memmap", "fromfile"},
    "numpy": {"load", "save", "savez", "savez_compressed"},
    "torch": {"load", "save"}, "joblib": {"load", "dump"}, "shutil": {"copy", "move", "copy2"},
    "fs": {"ls", "rm", "cp", "mv", "mkdirs", "head", "put", "mount"},
    "read": {"csv", "parquet", "json", "load", "text", "orc", "table"},
    "tarfile": {"open"}, "h5py": {"File"}, "cv2": {"imread", "imwrite"},
}
# Calls that hand their argument on as their value: os.environ.get("X", "/default").
PASS_CALLS = {"get", "getenv", "setdefault", "str", "fspath", "normpath", "resolve"}
PATH_CLASSES = {"Path", "PurePath", "PosixPath", "PurePosixPath", "UPath"}
PATH_PROBES = {"exists", "is_dir", "is_file", "is_mount", "is_symlink"}


def _strong_call(func: ast.expr, name: str) -> bool:
    if name in STRONG_CALLS:
        return True
    if isinstance(func, ast.Attribute):
        receiver = func.value
        owner = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(
            receiver, "id", "")
        return name in _RECEIVER_CALLS.get(owner, ())
    return False


# A test whose answer picks a platform; `if not os.path.exists(d): os.mkdir(d)` is not one.
# Looked for around each occurrence of a literal or name, never over the whole file.
# An assert is not a test that picks a platform: `assert os.path.exists(ckpt)` says the file
# must be there, so the path is a dependency.
_PROBE_CALL_BEFORE_RE = LazyPattern(
    r"(?<![\w.])(?<!not )(?<!assert )(?:os\.path\.)?(?:exists|isdir|isfile|lexists)\(\s*$")
_PATH_CALL_BEFORE_RE = LazyPattern(
    r"(?<![\w.])(?<!not )(?<!assert )(?:pathlib\.)?Path\(\s*$")
_PROBE_METHOD_AFTER_RE = LazyPattern(r"\s*\.\s*(?:exists|is_dir|is_file)\s*\(")
_CLOSE_RE = LazyPattern(r"\s*\)")
_QUOTE_PREFIX_RE = LazyPattern(r"[frbuFRBU]{0,2}[\"']$")
# A line that makes the folder it names: `if exists(d): ... else: git clone URL d` depends on
# `d` as much as `if not exists(d): os.makedirs(d)` does.
_CREATES_RE = LazyPattern(
    r"\b(?:makedirs|mkdir|clone|copytree|extractall|unpack_archive|snapshot_download)\b")
# At most this many occurrences of a literal or name are looked at.
_PROBE_OCCURRENCES = 50
_IDENTIFIER_RE = LazyPattern(r"(?!\d)\w+")
# What follows each quote, up to the next quote or line end, as far as literals are indexed.
_QUOTED_PREFIX = 512
_LF_RE = LazyPattern(r"\n")
_QUOTED_RE = LazyPattern(r"[\"']([^\"'\n]{1,512})")  # (_QUOTED_PREFIX)


class _Probes:
    """What the file tests for existence before using it: `if os.path.exists("/checkpoint"):
    FS = "/checkpoint"` detects a platform and falls back elsewhere; it is not a dependency;
    nor is `p = Path("/scratch/x")` when `p.exists()` follows."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._names: dict[str, list[int]] | None = None
        self._quoted: list[tuple[str, int]] | None = None
        self._newlines: list[int] | None = None  # where each line ends
        self._creates: dict[int, bool] = {}  # line number -> it makes what it names

    def _occurrences(self, needle: str) -> list[int]:
        """The first occurrences of `needle` (an identifier, or a literal's text right after
        its opening quote), in text order, from an index built once per file: a search
        from the top for each finding made a file of many paths quadratic."""
        if needle.isidentifier():
            if self._names is None:
                self._names = {}
                for match in _IDENTIFIER_RE.finditer(self.text):
                    seen = self._names.setdefault(match.group(), [])
                    if len(seen) < _PROBE_OCCURRENCES:
                        seen.append(match.start())
            return self._names.get(needle, [])
        if len(needle) > _QUOTED_PREFIX:
            return []  # (no such path is tested: a long literal is never probed)
        if self._quoted is None:
            self._quoted = sorted((m.group(1), m.start(1))
                                  for m in _QUOTED_RE.finditer(self.text))
        found = []
        at = bisect.bisect_left(self._quoted, (needle,))
        for content, position in self._quoted[at:at + 10 * _PROBE_OCCURRENCES]:
            if not content.startswith(needle):
                break
            found.append(position)
        return sorted(found)[:_PROBE_OCCURRENCES]

    def _created(self, needle: str) -> bool:
        """Whether a line naming `needle` makes it (a folder the code goes on to use). Each
        line is searched once: a line of 5,000 path literals was searched whole for each
        (39 s; acceptance audit of round 40)."""
        text = self.text
        if self._newlines is None:
            self._newlines = [m.start() for m in _LF_RE.finditer(text)]
        for at in self._occurrences(needle):
            line = bisect.bisect_left(self._newlines, at)
            if line not in self._creates:
                start = self._newlines[line - 1] + 1 if line else 0
                end = self._newlines[line] if line < len(self._newlines) else len(text)
                self._creates[line] = bool(_CREATES_RE.search(text, start, end))
            if self._creates[line]:
                return True
        return False

    def probed_value(self, value: str) -> bool:
        """Whether the literal `value` is the argument of an existence test in the file."""
        if not value.startswith("/") or self._created(value.rstrip("/")):
            return False
        key, text = value.rstrip("/"), self.text
        for at in self._occurrences(key):
            head = text[max(0, at - 80):at]
            quote = _QUOTE_PREFIX_RE.search(head)
            if not quote:
                continue
            head = head[:quote.start()]
            if _PROBE_CALL_BEFORE_RE.search(head):
                return True
            if not _PATH_CALL_BEFORE_RE.search(head):
                continue
            closing = text.find(text[at - 1], at + len(key))  # the literal's closing quote
            after = _CLOSE_RE.match(text, closing + 1) if closing >= 0 else None
            if after and _PROBE_METHOD_AFTER_RE.match(text, after.end()):
                return True  # Path("/checkpoint").is_dir()
        return False

    def probed_name(self, name: str) -> bool:
        """Whether the variable `name` is tested for existence: `name.exists()`,
        `os.path.isdir(name)` (not `not os.path.exists(name)`)."""
        if not name.isidentifier() or self._created(name):
            return False
        text = self.text
        for at in self._occurrences(name):
            end = at + len(name)
            if (at and (text[at - 1].isalnum() or text[at - 1] in "_.")) or (
                    end < len(text) and (text[end].isalnum() or text[end] == "_")):
                continue
            if text[max(0, at - 4):at] == "not " or text[max(0, at - 5):at] == "not (" or (
                    text[max(0, at - 7):at] == "assert "):
                continue
            if _PROBE_METHOD_AFTER_RE.match(text, end):
                return True
            if _PROBE_CALL_BEFORE_RE.search(text, max(0, at - 80), at) and _CLOSE_RE.match(
                    text, end):
                return True
        return False


# A `str.format` replacement field: {}, {0}, {user}, {row.name}, {d[key]!r}, {0:>{1}}; not a
# JSON object ({"path": ...}) or a shell brace expansion ({a,b}), which hold no placeholder.
_PLACEHOLDER_RE = LazyPattern(
    r"(?<!\{)\{(?:[A-Za-z_]\w*|\d+)?(?:\.\w+|\[[^\]{}]*\])*(?:![rsa])?"
    r"(?::(?:[^{}]|\{[^{}]*\})*)?\}"
)


def _path_template(text: str) -> bool:
    """A one-line path with placeholders, wherever it is: TEMPLATE = "/home/{}/x" is formatted
    later, or by str.format(TEMPLATE, user). (Not a script or a message: splitting those would
    take their paths out of the words around them.)"""
    return (text[:1] in ("/", "~") or text[1:3] in (":\\", ":/")) and "\n" not in text and (
        _PLACEHOLDER_RE.search(text) is not None)


def _template_parts(text: str) -> list[tuple[str, bool]]:
    """A `str.format` template's literal parts, each with whether a placeholder follows it:
    "/home/{}/data".format(user) read as f"/home/{user}/data" is."""
    parts, start = [], 0
    for match in _PLACEHOLDER_RE.finditer(text):
        parts.append((text[start:match.start()], True))
        start = match.end()
    parts.append((text[start:], False))
    return [(piece, placeholder) for piece, placeholder in parts if piece]


def _fstring_sites(
    node: ast.JoinedStr, source_lines: list[str], start_ok: bool, path_context: bool,
    use: int = usage.NONE, first_line: int = 1,
) -> Iterator[Site]:
    line, col, raw = _segment(source_lines, node, first_line)
    after_value = False
    parts = node.values
    for i, part in enumerate(parts):
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            followed = i + 1 < len(parts) and not isinstance(parts[i + 1], ast.Constant)
            yield Site(part.value, line, col, start_ok=start_ok and not after_value,
                       path_context=path_context, raw=raw, open_end=followed, use=use)
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
        for site in text_sites(line, comments=comments, path_context=True, shell=True):
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



_MAGIC_LINE_RE = re.compile(r"^# MAGIC ?(.*)$")
_MAGIC_KIND_RE = re.compile(r"\s*%([\w-]+)")


def databricks_magic_sites(text: str, lines: list[int] | None = None) -> Iterator[Site]:
    """A Databricks source export keeps `%fs`, `%sh`, `%sql` cells as `# MAGIC` comments:
    code to Databricks, so read as such (`%md` cells stay documentation)."""
    wanted = set(lines) if lines is not None else None
    kind = ""
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("# COMMAND --"):
            kind = ""
            continue
        m = _MAGIC_LINE_RE.match(line)
        if not m:
            continue
        first = _MAGIC_KIND_RE.match(m.group(1))
        if first:
            kind = first.group(1)
        if kind in ("", "md", "md-sandbox") or (wanted is not None and number not in wanted):
            continue
        shell = kind in ("fs", "sh")
        value = " " * m.start(1) + m.group(1)
        for site in text_sites(value, comments=False, path_context=shell, shell=shell):
            site.line = number
            yield site
