"""The README's first screen must stay true: its commands and the output it shows."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_shown_output_of_the_main_job_is_what_it_prints():
    shown = [line.split(" (hint: ...)")[0] for line in README.splitlines()
             if line.startswith("examples/churn/")]
    assert len(shown) >= 3
    proc = subprocess.run([sys.executable, "-m", "mlgate", "paths", "examples/"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    printed = proc.stdout.splitlines()
    for line in shown:
        assert any(out.startswith(line) for out in printed), line


def test_the_ready_example_passes():
    match = re.search(r"\(`(mlgate paths [^`]+)` exits 0\)", README)
    assert match, "README should show the command that checks the ready example"
    args = match.group(1).split()[2:]
    files = [str(p.relative_to(ROOT)) for arg in args for p in sorted(ROOT.glob(arg))]
    assert files
    proc = subprocess.run([sys.executable, "-m", "mlgate", "paths", *files], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout) == (0, "")


def test_the_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in README
    assert re.search(r"^python -m pytest$", ci, re.M)
