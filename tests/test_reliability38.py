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


def test_a_signal_while_a_probe_starts_waits_for_its_record(monkeypatch):
    """A SIGTERM or SIGHUP between a probe's fork and its entry in the list of probes to
    kill left that one running ("the probe outlived mlgate", under load): the handler
    defers it until the entry is made, then it is delivered again."""
    import os
    import signal

    from mlgate import probe

    sent: list = []
    monkeypatch.setattr(os, "kill", lambda pid, number: sent.append((pid, number)))
    assert probe.defer_signal(signal.SIGTERM) is False  # no probe starting: handled now
    with probe._Starting():
        assert probe.defer_signal(signal.SIGTERM) is True
        assert sent == []
    assert sent == [(os.getpid(), signal.SIGTERM)]
