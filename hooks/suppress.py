"""Inline and file-level suppressions: `# mlgate: ignore[MLG101]`, `# mlgate: ignore-file`.

Only the exact directive counts, and only in a comment: `ignore` or `ignore-file`, each
alone or with a bracketed list of mlgate's own codes, followed by the end of the line or a
blank. Anything else that starts like one (`ignore-files`, `ignored`, `ignore[MLG101` with
no closing bracket, `ignore[E501]`) silences nothing and is reported (MLG003): a
misspelt directive must never silence more than it says, nor fail in silence. A directive
inside a string (`x = "a # mlgate: ignore"`, a docstring that explains the syntax) is text,
not a comment: Python files are read with `tokenize`, other formats by their quotes.

Every check's findings go through `apply_inline` (see `mlgate.cli.apply_policy`), so a
`torch>=2  # mlgate: ignore[MLG205]` line in requirements.txt is honoured as well as one in
a Python file.
"""

from __future__ import annotations

import io
import os

from mlgate.lazy_re import LazyPattern

# A comment marker of any of the formats we scan (#, //, ;, --), then `mlgate:` and what
# follows up to the next blank: judged by `_parse`.
# (In a notebook or JSON line the code is a JSON string: `\n"` ends the directive there.)
_MENTION_RE = LazyPattern(r"(?P<marker>#|//|;|--)[ \t]*mlgate:[ \t]*"
                          r"(?P<rest>[^\s\[\\\"]*(?:\[[^\]\n\\\"]*\]?)?[^\s\\\"]*)")
_DIRECTIVE_RE = LazyPattern(r"(?P<verb>ignore(?:-file)?)(?:\[(?P<codes>[^\]]*)\])?")
_CODE_RE = LazyPattern(r"MLG\d{3}")
# A notebook's lines hold its code as JSON strings: quotes say nothing about comments.
_NO_QUOTES = frozenset({"notebook"})
ALL = frozenset({"*"})
# The kinds whose files have comments, so that a directive can be one. JSON has none: a
# value holding the text is data (red team 43 F6); and a file of no kind mlgate knows,
# a binary file or a model artifact never carries one: a pickle holding the text as a
# string silenced its own MLG301 (red team 43 F1).
COMMENT_KINDS = frozenset({"python", "notebook", "yaml", "toml", "ini", "env", "shell",
                           "dockerfile", "requirements", "text"})
MAX_READ = 4 * 1024 * 1024  # a file larger than this is not read again for its directives


def _parse(rest: str) -> tuple[str, frozenset[str]] | str:
    """(verb, codes) of a well-formed directive, else why it is not one."""
    from mlgate.codes import known

    match = _DIRECTIVE_RE.fullmatch(rest)
    if match is None:
        return (f"'mlgate: {rest[:40]}' is not a directive (write `mlgate: ignore`,"
                " `mlgate: ignore[MLG101]` or `mlgate: ignore-file[...]`)")
    codes = match.group("codes")
    if codes is None:
        return match.group("verb"), ALL
    listed = [c.strip() for c in codes.split(",")]
    wrong = [c for c in listed if not (_CODE_RE.fullmatch(c) and known(c))]
    if wrong or not listed:
        return (f"'{', '.join(wrong)[:40] or '[]'}' in 'mlgate: {rest[:40]}' is not an mlgate"
                " rule code (`mlgate rule --all` lists them): the directive silences nothing")
    return match.group("verb"), frozenset(listed)


def _outside_quotes(line: str, at: int) -> bool:
    """Whether position `at` of a line is outside a quoted string begun on that line."""
    quote = ""
    for ch in line[:at]:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
    return not quote


def _python_comments(text: str) -> set[tuple[int, int]] | None:
    """(line, column) of each comment of a Python source, or None when it does not
    tokenize (then quotes decide, as in the other formats)."""
    import tokenize

    try:
        return {token.start for token in tokenize.generate_tokens(io.StringIO(text).readline)
                if token.type == tokenize.COMMENT}
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None


class Suppressions:
    """Which codes are silenced for the whole file and on which lines, and the directives
    that are not well formed (line, column, why)."""

    def __init__(self, text: str, kind: str | None = None) -> None:
        self.file_codes: frozenset[str] = frozenset()
        self.line_codes: dict[int, frozenset[str]] = {}
        self.problems: list[tuple[int, int, str]] = []
        if "mlgate:" not in text or kind not in COMMENT_KINDS:
            return
        comments = _python_comments(text) if kind == "python" else None
        for number, line in enumerate(text.splitlines(), 1):
            if "mlgate:" not in line:
                continue
            for match in _MENTION_RE.finditer(line):
                at = match.start("marker")
                if comments is not None:
                    if (number, at) not in comments and not any(
                            (number, c) in comments for c in range(at)):
                        continue  # in a string or a docstring: text, not a comment
                elif kind not in _NO_QUOTES and (
                        (at and not line[at - 1].isspace()) or not _outside_quotes(line, at)):
                    continue  # `a#mlgate:` or inside quotes: not a comment
                elif kind in _NO_QUOTES and match.group("marker") != "#":
                    continue  # its strings hold Python (`#`), not `<!-- mlgate: ...` text
                parsed = _parse(match.group("rest"))
                if isinstance(parsed, str):
                    self.problems.append((number, at + 1, parsed))
                    continue
                verb, codes = parsed
                if verb == "ignore-file":
                    self.file_codes |= codes
                else:
                    self.line_codes[number] = self.line_codes.get(number, frozenset()) | codes

    def silenced(self, line: int, code: str) -> bool:
        if "*" in self.file_codes or code in self.file_codes:
            return True
        codes = self.line_codes.get(line, frozenset())
        return "*" in codes or code in codes


def _artifact(path: str) -> bool:
    """A file the artifact check would take for a model, by name or by content (a protocol
    0 pickle is text, and may be named `model.yaml`): its bytes are no one's comments."""
    from mlgate.artifacts.discovery import named_as_artifact, sniff

    return named_as_artifact(path) or sniff(path) is not None


def apply_inline(findings: list, root: str) -> list:
    """The findings that no directive in their own file silences. Each file is read once,
    inside the repository and bounded (a finding's file is one mlgate read already)."""
    from mlgate.artifacts.reading import Unreadable, read_bytes, repository_of, resolve
    from mlgate.files import decode_text, file_kind, looks_binary

    by_file: dict[str, Suppressions | None] = {}
    kept = []
    for finding in findings:
        path = finding.path
        if path not in by_file:
            by_file[path] = None
            try:
                full = path if os.path.isabs(path) else os.path.join(root, path)
                real = resolve(full, repository_of(full))
                kind = file_kind(path)
                if kind in COMMENT_KINDS and os.path.getsize(real) <= MAX_READ:
                    data = read_bytes(real, MAX_READ)
                    if b"mlgate:" in data and not looks_binary(data) and not _artifact(real):
                        by_file[path] = Suppressions(decode_text(data), kind)
            except (Unreadable, OSError, ValueError):
                pass
        quiet = by_file[path]
        if quiet is None or not quiet.silenced(finding.line, finding.code):
            kept.append(finding)
    return kept
