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

_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_OUTPUT_MIME = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


def _pieces(source) -> list[JsonStr]:
    if isinstance(source, JsonStr):
        return [source]
    if isinstance(source, list):
        return [p for p in source if isinstance(p, JsonStr)]
    return []


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


def _output_strings(output) -> Iterator[tuple[str, JsonStr]]:
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
