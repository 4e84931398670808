"""Files too large to hold in memory (a 113 MB one-line JSON): read in blocks, as text.

Each block is cut after its last newline (or, inside a line longer than a block, at a quote or
space near its end, so no path is cut in two) and classified like any text file: the prefilter
finds the candidate lines, and long lines are read only in windows around their hits. Memory
stays within a few blocks, time is linear in the size, and a line reports at most
MAX_PER_LINE findings. What a parser would add (notebook cells, JSON keys) is not known here.
"""

from __future__ import annotations

import codecs
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgate.checks.paths import _Options
    from mlgate.files import Target
    from mlgate.finding import Finding

BLOCK = 4 * 1024 * 1024
# Inside a line longer than a block, the cut is made at one of these, at most this far back.
_SEPARATOR_RE = re.compile(r"[\s\"',;<>|]")
_CUT_REACH = 64 * 1024
# A file larger than this is not read at all (a finding says so).
MAX_SIZE = 4 * 1024 * 1024 * 1024


def _cut(pending: str, final: bool) -> int:
    """How much of `pending` can be classified now."""
    if final:
        return len(pending)
    cut = pending.rfind("\n") + 1
    if cut:
        return cut
    if len(pending) < BLOCK:
        return 0  # wait for more of this line
    low = max(0, len(pending) - _CUT_REACH)
    for m in reversed(list(_SEPARATOR_RE.finditer(pending, low, len(pending) - 1))):
        return m.end()
    return len(pending) - _CUT_REACH // 2


def stream_findings(target: Target, opts: _Options) -> list[Finding]:
    """All findings for one large file, suppressions applied."""
    import os

    from mlgate.checks.paths import UNREADABLE, classify_sites
    from mlgate.checks.paths.sources import text_sites
    from mlgate.finding import Finding
    from mlgate.suppress import Suppressions

    try:
        size = os.path.getsize(target.path)
    except OSError as exc:
        return [Finding(target.path, 1, 1, UNREADABLE, f"cannot read file: {exc.strerror}")]
    if size > MAX_SIZE:
        return [Finding(target.path, 1, 1, UNREADABLE,
                        f"{size // 2**20} MiB, larger than {MAX_SIZE // 2**30} GiB; not checked",
                        severity="warning")]
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    found: list[Finding] = []
    per_line: dict[int, int] = {}
    file_codes: set[str] = set()
    line_no, col_base, pending = 1, 0, ""
    try:
        with open(target.path, "rb") as handle:
            while True:
                data = handle.read(BLOCK)
                pending += decoder.decode(data, final=not data)
                cut = _cut(pending, not data)
                if cut:
                    part, pending = pending[:cut], pending[cut:]
                    lines, windows = opts.prefilter.candidates(part)
                    if lines:
                        sites = list(text_sites(part, comments=opts.comments, lines=lines,
                                                windows=windows, shell=target.kind == "shell",
                                                path_context=target.kind == "shell"))
                        for site in sites:
                            if site.line == 1:
                                site.col += col_base
                            site.line += line_no - 1
                        batch = classify_sites(target, sites, opts, (), per_line)
                        if batch:
                            quiet = Suppressions(part)
                            file_codes |= set(quiet.file_codes)
                            found.extend(f for f in batch if not quiet.silenced(
                                f.line - line_no + 1, f.code))
                    newlines = part.count("\n")
                    if newlines:
                        line_no += newlines
                        col_base = len(part) - part.rfind("\n") - 1
                    else:
                        col_base += len(part)
                if not data:
                    break
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return [Finding(target.path, 1, 1, UNREADABLE, f"cannot read file: {reason}")]
    if file_codes:
        found = [f for f in found if "*" not in file_codes and f.code not in file_codes]
    return found
