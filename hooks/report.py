"""Reporters turn findings into text, JSON or GitHub annotations. They never decide."""

from __future__ import annotations

import os
import sys

from mlgate.finding import Finding

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from typing import TextIO

FORMATS = ("text", "json", "github")

_RED, _YELLOW, _BOLD, _DIM, _RESET = "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"


def use_color(choice: str, stream: TextIO) -> bool:
    """Colour only when asked, or on a terminal that has not set NO_COLOR."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def format_text(finding: Finding, color: bool = False) -> str:
    where = f"{finding.path}:{finding.line}:{finding.col}:"
    code = finding.code
    message = finding.message
    if finding.hint:
        message = f"{message} (hint: {finding.hint})"
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


def emit(
    findings: list[Finding],
    fmt: str,
    command: str,
    color_choice: str = "auto",
    stream: TextIO | None = None,
) -> None:
    """Write the findings to `stream` (stdout by default) in the chosen format."""
    out = stream or sys.stdout
    ordered = sorted(findings, key=Finding.sort_key)
    if fmt == "json":
        import json

        json.dump([f.to_dict() for f in ordered], out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    if fmt == "github":
        for f in ordered:
            level = "error" if f.severity == "error" else "warning"
            text = f.message + (f" (hint: {f.hint})" if f.hint else "")
            out.write(
                f"::{level} file={f.path},line={f.line},col={f.col},title={f.code}::"
                f"{_github_escape(text)}\n"
            )
        return
    color = use_color(color_choice, out)
    for f in ordered:
        out.write(format_text(f, color) + "\n")
    if ordered:
        line = summary(ordered, command)
        out.write((f"{_DIM}{line}{_RESET}" if color else line) + "\n")
