"""Small helpers shared by the tests: run the CLI in-process and read its JSON."""

from __future__ import annotations

import json
import sys

from mlgate.cli import main


def run_json(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["paths", "--format", "json", "--no-config", "--no-cache", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def line_codes(findings: list[dict]) -> list[str]:
    return sorted(f"{f['line']}:{f['code']}" for f in findings)


def artifact_json(capsys, *args: str) -> tuple[int, list[dict]]:
    """`mlgate artifact` in-process, this interpreter as the project's, no cache."""
    code = main(["artifact", "--format", "json", "--no-cache", "--python", sys.executable,
                 *args])
    return code, json.loads(capsys.readouterr().out)
