"""Round 37's reliability review: what a run that compared nothing must say."""

from __future__ import annotations

import subprocess
import sys

from mlgate.cli import main


def test_a_lock_that_pins_nothing_is_said_to_compare_nothing(git_project, capsys):
    """F5: `mlgate lock pyproject.toml` with no dependencies in it passed with `[]`, as a
    lock compared and found right does; said every run, the second (cached) one too."""
    (git_project / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n'
                                                "\n[tool.mlgate]\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    for _ in range(2):
        code = main(["lock", "pyproject.toml", "--python", sys.executable])
        captured = capsys.readouterr()
        assert code == 0 and "pins and declares no package: nothing compared" in captured.err
    (git_project / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n'
                                                'dependencies = ["pytest"]\n')
    code = main(["lock", "pyproject.toml", "--python", sys.executable])
    assert "nothing compared" not in capsys.readouterr().err
