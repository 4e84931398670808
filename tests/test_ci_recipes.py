"""The README's CI recipes work as written: the workflow's mlgate command runs, its SARIF is
valid, and pre-commit.ci's skip list names exactly the hooks that need the project's
environment."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from mlgate.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _yaml_block(marker: str) -> dict:
    block = README.split(marker, 1)[1].split("```", 1)[0]
    return yaml.safe_load(block)


def test_pre_commit_ci_skips_exactly_the_hooks_that_need_the_project_environment():
    skip = _yaml_block("# .pre-commit-config.yaml\nci:")
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ids = [hook["id"] for hook in manifest]
    assert sorted(skip["skip"]) == sorted(i for i in ids if i != "no-absolute-paths")


def test_the_workflow_audit_command_runs_and_writes_valid_sarif(git_project, capsys,
                                                                 monkeypatch):
    import jsonschema

    workflow = _yaml_block("# .github/workflows/mlgate.yml\n")
    steps = workflow["jobs"]["mlgate"]["steps"]
    [command] = [s["run"] for s in steps if "mlgate audit" in s.get("run", "")]
    command = command.replace("${{ github.base_ref }}", "main").strip()
    words, _, target = command.partition(">")
    argv = shlex.split(words)
    assert argv[:2] == ["mlgate", "audit"] and target.strip() == "mlgate.sarif"
    (git_project / "train.py").write_text("DATA = '/Users/ana/train.csv'\n")
    (git_project / "pyproject.toml").write_text('[tool.mlgate]\nrequire = ["paths"]\n')
    subprocess.run(["git", "add", "."], check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"],
                   check=True)
    subprocess.run(["git", "update-ref", "refs/remotes/origin/main", "HEAD"], check=True)
    # The pull request loosens the policy; the base branch's policy still decides.
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate]\nrequire = ["paths"]\nignore = ["MLG101"]\n')
    monkeypatch.setenv("MLGATE_PYTHON", sys.executable)
    code = main(argv[1:])
    log = json.loads(capsys.readouterr().out)
    schema = json.loads((ROOT / "tests" / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    assert code == 1
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["MLG101"]
    assert re.search(r"--trusted-config origin/", command)
