"""Jupyter notebooks: code cells as IPython, outputs apart, positions in the .ipynb file."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from mlgate.checks.paths.python_source import ipython_sites
from mlgate.checks.paths.sources import (
    JsonStr,
    LineIndex,
    Site,
    json_string_site,
    parse_json_with_offsets,
)
from mlgate.lazy_re import LazyPattern

_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Output payloads that are not text anyone reads: pictures, widget state, bundled scripts.
_BINARY_MIME = ("image/", "application/vnd.jupyter.widget", "application/javascript",
                "application/pdf", "video/", "audio/")
# In an HTML output, a link's root-relative address is a URL on the notebook's server
# (Colab's `<script src="/nbextensions/google.colab/files.js">`, Jupyter's `/files/...`),
# not a file of the machine (new-user trial 46 F13): blanked before the path rules read it.
# Only the routes of a notebook server (Jupyter, JupyterHub, Voila, Colab, Databricks'
# /files/) count: IPython's Video("/home/ana/clip.mp4") writes the very file path in `src`
# (red team 48 F8).
_SERVER_ROUTES = ("nbextensions", "files", "static", "custom", "kernelspecs", "api", "lab",
                  "tree", "view", "edit", "notebooks", "voila", "proxy", "user", "hub")
_URL_ATTRIBUTE = LazyPattern(
    r"""(?i)\b(?:src|href|action|poster|data-src|srcset)\s*=\s*(["'])(/(?:"""
    + "|".join(_SERVER_ROUTES) + r""")/[^"'<>\s]*)\1""")


def _without_urls(text: str) -> str:
    """`text` with the root-relative URLs of its HTML attributes blanked, its length kept
    (the positions of what is left stay where they were)."""
    return _URL_ATTRIBUTE.sub(
        lambda m: m.group(0)[:m.start(2) - m.start(0)] + " " * len(m.group(2))
        + m.group(0)[m.end(2) - m.start(0):], text)


def _pieces(source) -> list[JsonStr]:
    """A cell's source: a string or a list of strings, as nbformat writes it. Anything else
    (a dict, numbers in the list) is a malformed notebook (ValueError: MLG002, and the file
    is read as text), never a cell skipped in silence."""
    if source is None:
        return []
    if isinstance(source, JsonStr):
        return [source]
    if isinstance(source, list) and all(isinstance(p, JsonStr) for p in source):
        return source
    raise ValueError("a cell's source is neither text nor a list of text")


def _raw_length(value: str) -> int:
    """How many characters `value` takes inside a JSON string literal."""
    import json

    return len(json.dumps(value, ensure_ascii=False)) - 2


class _CellMap:
    """Maps (line, col) in a cell's joined source to (line, col) in the .ipynb file."""

    def __init__(self, pieces: list[JsonStr], index: LineIndex) -> None:
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


def _cell_code_sites(cell_map: _CellMap, comments: bool) -> Iterator[Site]:
    for site in ipython_sites(cell_map.text, comments):
        site.remap = cell_map
        yield site


def _output_strings(output) -> Iterator[tuple[str, JsonStr, bool]]:
    """Every text an output holds: streams, tracebacks, rich data and vendors' metadata
    (Databricks keeps a copy of the HTML there); never image or widget payloads. With each,
    whether it is HTML (under a key that says so)."""
    if not isinstance(output, dict):
        return
    kind = str(output.get("output_type", "output"))
    stack = [(value, False) for key, value in output.items()
             if key not in ("output_type", "ename")]
    while stack:
        node, html = stack.pop()
        if isinstance(node, JsonStr):
            yield kind, node, html
        elif isinstance(node, list):
            stack.extend((item, html) for item in reversed(node))
        elif isinstance(node, dict):
            stack.extend((value, html or "html" in key.lower())
                         for key, value in reversed(list(node.items()))
                         if not key.startswith(_BINARY_MIME))


def _offsets(node) -> tuple[int, int]:
    """The first and last offset of the string literals in a parsed JSON value."""
    low, high, stack = -1, -1, [node]
    while stack:
        item = stack.pop()
        if isinstance(item, JsonStr):
            low = item.offset if low < 0 else min(low, item.offset)
            high = max(high, item.offset + len(item.literal))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return low, high


def _cell_list(document) -> list:
    if not isinstance(document, dict):
        raise ValueError("a notebook is a JSON object")
    cells = document.get("cells")
    if cells is None:  # nbformat 3
        cells = [c for ws in document.get("worksheets", []) if isinstance(ws, dict)
                 for c in ws.get("cells", [])]
    if not isinstance(cells, list):
        raise ValueError("'cells' is not a list")
    return cells


_CELL_KEY_RE = LazyPattern(r'"cell_type"\s*:')


def _cells_by_text(
    text: str, lines: list[int], index: LineIndex, count: int
) -> list[tuple[int, dict]] | None:
    """(number, cell) of the cells whose text holds a candidate line, each parsed alone. Jupyter
    writes `"cell_type"` as a cell's first key, so the cells can be told apart in the text;
    None when they cannot (another writer, a stray key): the whole notebook is then parsed."""
    import json

    starts = []
    for m in _CELL_KEY_RE.finditer(text):
        brace = text.rfind("{", 0, m.start())
        if brace < 0 or text[brace + 1:m.start()].strip():
            return None
        starts.append(brace)
    if len(starts) != count:
        return None
    decoder = json.JSONDecoder()
    found = []
    for number, start in enumerate(starts, 1):
        end = starts[number] if number < count else len(text)
        first = bisect.bisect_left(lines, index.position(start)[0])
        if first == len(lines) or lines[first] > index.position(end - 1)[0]:
            continue
        try:
            cell, stop = decoder.raw_decode(text, start)
        except ValueError:
            return None
        if not isinstance(cell, dict) or stop > end:
            return None
        found.append((number, parse_json_with_offsets(text[start:stop], start)))
    return found


def notebook_sites(
    text: str, *, comments: bool, outputs: bool, lines: list[int] | None = None
) -> Iterator[Site]:
    """Code cells as Python (magics as shell), and optionally outputs. Raises ValueError.

    lines: the .ipynb lines that may hold a finding; cells that hold none are not read."""
    import json

    try:
        count = len(_cell_list(json.loads(text)))
    except json.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None
    index = LineIndex(text)
    cells = _cells_by_text(text, lines, index, count) if lines is not None else None
    if cells is None:
        cells = list(enumerate(_cell_list(parse_json_with_offsets(text)), 1))
    for number, cell in cells:
        if not isinstance(cell, dict):
            continue
        if lines is not None:
            low, high = _offsets(cell)
            first = bisect.bisect_left(lines, index.position(max(low, 0))[0])
            if low < 0 or first == len(lines) or lines[first] > index.position(high)[0]:
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
                for output_kind, piece, html in _output_strings(output):
                    site = json_string_site(piece, index, output=True)
                    site.value = _ANSI_RE.sub("", site.value)
                    if html:
                        site.value = _without_urls(site.value)
                    site.extra = {"cell": number, "output": output_kind}
                    yield site
