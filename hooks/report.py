"""Reporters turn findings into text, JSON, GitHub annotations or SARIF. They never decide."""

from __future__ import annotations

import os
import sys

from mlgate.finding import Finding, clip

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

FORMATS = ("text", "json", "github", "sarif")

_RED, _YELLOW, _BOLD, _DIM, _RESET = "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"


# What a terminal or a CI log would act on rather than show: control characters (a newline
# starts a line GitHub Actions reads as a workflow command, `::error ...`; ESC starts a
# terminal escape) and the bidirectional overrides that reorder what is read. A finding
# quotes what files, artifacts and loads say, which strangers' commits control: each is
# shown as an escape instead (`\n`, `\x1b`, `\u202e`).
_INERT = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_INERT.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
_INERT.update({c: f"\\u{c:04x}" for c in [0x200E, 0x200F, 0x2028, 0x2029,
                                           *range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def inert(text: str) -> str:
    """`text` on one line, with nothing a terminal or a CI log would act on (see _INERT)."""
    return text.translate(_INERT)


class InertStream:
    """A text stream whose every write but a line's end is made `inert`: what `print`
    writes, one line at a time, cannot start a new line of its own."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(text if text in ("\n", "") else inert(text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def use_color(choice: str, stream: TextIO) -> bool:
    """Colour only when asked, or on a terminal that has not set NO_COLOR."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def format_text(finding: Finding, color: bool = False) -> str:
    where = f"{inert(finding.path)}:{finding.line}:{finding.col}:"
    code = finding.code
    message = inert(clip(finding.message))
    if finding.hint:
        message = f"{message} (hint: {inert(clip(finding.hint))})"
    if color:
        tint = _RED if finding.severity == "error" else _YELLOW
        where = f"{_BOLD}{where}{_RESET}"
        code = f"{tint}{code}{_RESET}"
    if finding.severity != "error":
        message = f"[{finding.severity}] {message}"
    return f"{where} {code} {message}"


def summary(findings: list[Finding], command: str) -> str:
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    files = len({f.path for f in findings})
    noun = "finding" if len(findings) == 1 else "findings"
    return (
        f"mlgate {command}: {len(findings)} {noun} ({errors} error(s), {warnings} warning(s))"
        f" in {files} file(s)"
    )


def _github_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    """A workflow command's property value: `,` and `:` end one, so they are escaped too."""
    return _github_escape(text).replace(":", "%3A").replace(",", "%2C")


def json_text(value: object, out: TextIO | None = None) -> str:
    """JSON in the stream's encoding: readable characters as themselves, and `\\u` escapes
    when the stream cannot encode them (a strict ASCII locale, or a file name that is not
    UTF-8, whose undecodable bytes Python holds as lone surrogates)."""
    import json

    text = json.dumps(value, indent=2, ensure_ascii=False)
    try:
        text.encode(getattr(out, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        text = json.dumps(value, indent=2)
    return text


def emit(
    findings: list[Finding],
    fmt: str,
    command: str,
    color_choice: str = "auto",
    stream: TextIO | None = None,
    notes: Sequence[tuple[str, str]] = (),
) -> None:
    """Write the findings to `stream` (stdout by default) in the chosen format. `notes`:
    (level, text) about the run itself, not a file (the audit's verdict), for the formats
    that have a place for them: SARIF's tool notifications and GitHub's file-less
    annotations (levels "error", "warning", "note")."""
    out = stream or sys.stdout
    ordered = sorted(findings, key=Finding.sort_key)
    if fmt == "json":
        out.write(json_text([f.to_dict() for f in ordered], out) + "\n")
        return
    if fmt == "sarif":
        out.write(json_text(sarif_log(ordered, command, notes=notes), out) + "\n")
        return
    if fmt == "github":
        for level, text in notes:
            out.write(f"::{'notice' if level == 'note' else level}"
                      f" title={_github_property('mlgate ' + command)}::"
                      f"{inert(_github_escape(text))}\n")
        for f in ordered:
            level = "error" if f.severity == "error" else "warning"
            text = clip(f.message) + (f" (hint: {clip(f.hint)})" if f.hint else "")
            # (line breaks as the workflow command's own escape, %0A: GitHub shows them, and
            # no line of the log begins with what a message holds; the rest made inert)
            out.write(
                f"::{level} file={inert(_github_property(f.path))},line={f.line},col={f.col},"
                f"title={_github_property(f.code)}::{inert(_github_escape(text))}\n"
            )
        return
    color = use_color(color_choice, out)
    for f in ordered:
        out.write(format_text(f, color) + "\n")
    if ordered:
        line = summary(ordered, command)
        out.write((f"{_DIM}{line}{_RESET}" if color else line) + "\n")


# --- SARIF 2.1.0, for GitHub code scanning and other SARIF viewers ---------------------------
# Everything it needs is imported inside these functions: the other formats never pay for it.

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
# partialFingerprints key: bump the suffix if what is hashed ever changes.
FINGERPRINT = "mlgateFindingHash/v1"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _artifact_location(path: str) -> dict:
    """A relative path as a percent-encoded POSIX URI against %SRCROOT% (the working folder,
    which is what finding paths are relative to); an absolute one as a file: URI."""
    from urllib.parse import quote

    if os.path.isabs(path):
        from pathlib import Path

        return {"uri": Path(path).as_uri()}
    posix = path.replace(os.sep, "/")
    if os.altsep:
        posix = posix.replace(os.altsep, "/")
    while posix.startswith("./"):
        posix = posix[2:].lstrip("/")
    # surrogateescape: a file name that is not valid UTF-8 keeps its bytes, percent-encoded.
    return {"uri": quote(posix, safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def _properties(extra: dict) -> dict:
    """The finding's check-specific fields that survive JSON as they are."""
    import json

    from mlgate.finding import clip

    kept = {}
    for key, value in extra.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            continue
        # `tags` is the one name SARIF reserves in a property bag: an array of unique strings.
        if key == "tags" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)
                                  and len(set(value)) == len(value)):
            continue
        # as --format json does: no property quotes more than an excerpt (a requirement's
        # 190 KB specifier was copied whole: reliability round 32)
        kept[str(key)] = clip(value) if isinstance(value, str) else value
    return kept


def _rule(code: str, findings: list[Finding]) -> dict:
    from mlgate.rules_catalog import DOCS_URL, RULES, anchor, plain

    hints = {f.hint for f in findings}
    rule = RULES.get(code)
    why = spared = ""
    if rule is not None:
        level, short = rule.severity, plain(rule.summary)
        full, remedy = rule.description, plain(rule.fix)
        why, spared = plain(rule.why), plain(rule.not_flagged)
    else:  # a code the catalogue does not know yet: still a valid, if terse, rule
        level, short, full, remedy = findings[0].severity, f"mlgate rule {code}", "", ""
    full = full or short
    help_parts = [_sentence(full)]
    if why:
        help_parts.append("Why it matters: " + _sentence(why))
    if remedy:
        help_parts.append("What to do: " + _sentence(remedy))
    if spared:
        help_parts.append("Not flagged: " + _sentence(spared))
    if len(hints) == 1 and "" not in hints:  # one hint for all of them: it belongs to the rule
        help_parts.append("Hint: " + _sentence(next(iter(hints))))
    help_parts.append(f"{code} is described in mlgate's rule catalogue, docs/rules.md.")
    described = {
        "id": code,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": "\n\n".join(help_parts)},
        "defaultConfiguration": {"level": "error" if level == "error" else "warning"},
    }
    if DOCS_URL and rule is not None:
        described["helpUri"] = f"{DOCS_URL}#{anchor(code)}"
    return described


def sarif_log(findings: list[Finding], command: str, cwd: str | None = None,
              notes: Sequence[tuple[str, str]] = ()) -> dict:
    """One SARIF 2.1.0 log with one run of `mlgate <command>` over `findings`; `notes` are
    (level, text) notifications about the run (the audit's verdict)."""
    import hashlib
    from pathlib import Path

    from mlgate import __version__

    ordered = sorted(findings, key=Finding.sort_key)
    codes = sorted({f.code for f in ordered})
    index = {code: i for i, code in enumerate(codes)}
    rules = [_rule(code, [f for f in ordered if f.code == code]) for code in codes]
    results = []
    seen: dict[tuple[str, str, str], int] = {}
    for f in ordered:
        location = _artifact_location(f.path)
        physical: dict = {"artifactLocation": location}
        if f.line >= 1:
            region = {"startLine": f.line}
            if f.col >= 1:
                region["startColumn"] = f.col
            physical["region"] = region
        # Stable across runs and line moves: code, path and message, plus which repeat of the
        # same triple this is, so two identical findings in one file stay two alerts.
        key = (f.code, location["uri"], f.message)
        repeat = seen[key] = seen.get(key, -1) + 1
        digest = hashlib.sha256("\0".join((*key, str(repeat))).encode("utf-8", "surrogatepass"))
        result: dict = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": "error" if f.severity == "error" else "warning",
            "message": {"text": clip(f.message) + (f" (hint: {clip(f.hint)})"
                                                   if f.hint else "")},
            "locations": [{"physicalLocation": physical}],
            "partialFingerprints": {FINGERPRINT: digest.hexdigest()},
        }
        properties = _properties(f.extra)
        if properties:
            result["properties"] = properties
        results.append(result)
    root = Path(cwd or os.getcwd()).absolute().as_uri()
    run = {
        "tool": {"driver": {"name": "mlgate", "version": __version__, "rules": rules}},
        # One category per check, so uploading paths, lock and artifact runs for one commit
        # does not make one replace the other.
        "automationDetails": {"id": f"mlgate/{command}/"},
        "invocations": [{"executionSuccessful": True, **({"toolExecutionNotifications": [
            {"level": level, "message": {"text": text}} for level, text in notes]}
            if notes else {})}],
        "originalUriBaseIds": {SRCROOT: {"uri": root if root.endswith("/") else root + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
