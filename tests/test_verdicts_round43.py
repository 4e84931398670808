"""Red team round 43 of the verdicts. A suppression is a comment a reviewer reads: a model
file holding `# mlgate: ignore-file` as a string silenced its own MLG301 (an os.system
pickle passed every gate, and `audit --trusted-config` said READY), and a JSON value with
that text silenced the file's paths, though JSON has no comments."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import pytest

from mlgate.cli import main


class Payload:
    def __reduce__(self):  # never run: the scan refuses os.system before any load
        return os.system, ("echo pwned > PWNED",)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    yield tmp_path
    assert not (tmp_path / "PWNED").exists()


def codes(capsys, *args: str) -> tuple[int, list[str]]:
    code = main([*args, "--format", "json"])
    out = capsys.readouterr().out
    return code, [f["code"] for f in (json.loads(out) if out.strip() else [])]


# on a line of its own in a binary pickle; after a blank in a protocol 0 one, whose
# strings are lines of text (a newline in them is escaped)
DIRECTIVE = "\n# mlgate: ignore-file\nx # mlgate: ignore-file"


@pytest.mark.parametrize("name, protocol", [("evil.pkl", 4), ("evil.pkl", 0),
                                            ("config.yaml", 0), ("notes.py", 0)])
def test_a_model_file_never_silences_itself(project, capsys, name, protocol):
    # a protocol 0 pickle is text, and named as YAML or Python it is still a model
    (project / name).write_bytes(pickle.dumps({"model": Payload(), "note": DIRECTIVE},
                                              protocol=protocol))
    code, found = codes(capsys, "artifact", "--python", sys.executable, name)
    assert code == 1 and "MLG301" in found, found


def test_a_json_value_is_no_comment(project, capsys):
    (project / "config.json").write_text(
        '{"train": "/home/alice/data/train.csv",\n "note": "# mlgate: ignore-file"}\n')
    code, found = codes(capsys, "paths", "config.json")
    assert code == 1 and found == ["MLG101"], found
    # per-file-ignores is the way the README gives for JSON
    (project / "pyproject.toml").write_text(
        '[tool.mlgate]\nper-file-ignores = { "config.json" = ["MLG101"] }\n')
    assert codes(capsys, "paths", "config.json") == (0, [])


def test_a_comment_in_yaml_still_silences(project, capsys):
    (project / "params.yaml").write_text(
        "train: /home/alice/data/train.csv  # mlgate: ignore[MLG101]\n"
        "test: /home/alice/data/test.csv\n")
    code, found = codes(capsys, "paths", "params.yaml")
    assert code == 1 and len(found) == 1, found
