"""The README's first screen must stay true: its commands and the output it shows."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_shown_findings_for_the_leaky_example_are_what_it_prints():
    shown = [line.split(" (hint: ...)")[0] for line in README.splitlines()
             if line.startswith("examples/leaky/")]
    assert len(shown) >= 3
    proc = subprocess.run([sys.executable, "-m", "mlgate", "paths", "examples/leaky"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    printed = proc.stdout.splitlines()
    for line in shown:
        assert any(out.startswith(line) for out in printed), line


def _main_job() -> str:
    match = re.search(r"^# 1\..*\n(python3 -m venv .+ && mlgate audit \S+)$", README, re.M)
    assert match, "the README's first command must install, train and run mlgate audit"
    return match.group(1)


def test_ci_runs_the_main_job_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "README.md" in ci and "python3 -m venv .venv" in _main_job()
    assert "MLGATE_MAIN_JOB_OUTPUT" in ci


def _masked(lines: list[str]) -> list[str]:
    return [re.sub(r"\d+(\.\d+)? ms", "N ms", line.rstrip()) for line in lines]


@pytest.mark.skipif(not os.environ.get("MLGATE_MAIN_JOB_OUTPUT"),
                    reason="set by .ci/run after it ran the README's first command")
def test_the_main_job_prints_the_report_the_readme_shows():
    block = README.split("The first command ends with the readiness report", 1)[1]
    shown = block.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    printed = Path(os.environ["MLGATE_MAIN_JOB_OUTPUT"]).read_text(encoding="utf-8")
    printed = printed[printed.index("mlgate audit: "):]  # after pip's and train.py's output
    assert _masked(printed.splitlines()[:len(shown)]) == _masked(shown)


def test_the_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in README
    assert re.search(r"^python -m pytest$", ci, re.M)
