"""The conventions every check follows: output formats, exit codes, configuration, robustness."""

import json
import os
import subprocess
import sys

import pytest

from mlgate.cli import main

LEAK = 'DATA = "/Users/ana/Desktop/train.csv"\n'


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def test_exit_codes_and_text_format(project, capsys):
    (project / "clean.py").write_text("DATA = 'data/train.csv'\n")
    (project / "leaky.py").write_text(LEAK)
    assert main(["paths", "clean.py"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["paths", "leaky.py"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("leaky.py:1:9: MLG101 hardcoded user home")
    assert "hint:" in out[0]
    assert out[-1].startswith("mlgate paths: 1 finding")
    assert "\033[" not in "".join(out)


def test_usage_errors_exit_2(project, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["paths", "--format", "xml"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["nosuchcheck"])
    assert exc.value.code == 2


def test_json_and_github_formats(project, capsys):
    (project / "leaky.py").write_text(LEAK)
    assert main(["paths", "--format", "json", "leaky.py"]) == 1
    [finding] = json.loads(capsys.readouterr().out)
    assert {"path", "line", "col", "code", "severity", "message"} <= finding.keys()
    assert main(["paths", "--format", "github", "leaky.py"]) == 1
    assert capsys.readouterr().out.startswith("::error file=leaky.py,line=1,col=9,title=MLG101::")
    assert main(["paths", "--format", "json", "--ignore", "MLG101", "leaky.py"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_colour_only_when_asked_and_never_with_no_color(project, capsys, monkeypatch):
    (project / "leaky.py").write_text(LEAK)
    main(["paths", "--color", "always", "leaky.py"])
    assert "\033[31m" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    main(["paths", "leaky.py"])
    assert "\033[" not in capsys.readouterr().out


def write_config(project, body):
    (project / "pyproject.toml").write_text("[tool.mlgate]\n" + body, encoding="utf-8")


def test_config_unknown_key_is_named_and_exits_2(project, capsys):
    write_config(project, "[tool.mlgate.paths]\nalow = ['/data/']\n")
    assert main(["paths", "."]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'alow'" in err and "did you mean 'allow'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("body, words", [
    ("ignore = 'MLG101'\n", "must be a list"),
    ("ignore = ['E501']\n", "not a rule code"),
    ("severity = { MLG101 = 'loud' }\n", "must be"),
    ("[tool.mlgate.paths]\nscan-comments = 'yes'\n", "true or false"),
    ("bogus = 1\n", "unknown key 'bogus'"),
    ("exclude = [\n", "invalid TOML"),
])
def test_bad_config_values(project, capsys, body, words):
    write_config(project, body)
    assert main(["paths", "."]) == 2
    assert words in capsys.readouterr().err


def test_a_named_config_is_always_read_and_an_escaped_key_is_honoured(project, capsys):
    """`--config bad.toml` dropped the project's policy in silence (the file was skipped for
    not containing the word mlgate); `[tool."\\u006dlgate"]` is tool.mlgate to TOML."""
    (project / "m.py").write_text('A = "/home/alice/x"\n')
    (project / "bad.toml").write_text("this is [[[ not toml\n")
    assert main(["paths", "--config", "bad.toml", "m.py"]) == 2
    assert "bad.toml: invalid TOML" in capsys.readouterr().err
    (project / "pyproject.toml").write_text('[tool."\\u006dlgate"]\nexclude = ["m.py"]\n')
    assert main(["paths", "."]) == 0
    assert main(["paths", "--config", "pyproject.toml", "."]) == 0


def test_config_allow_roots_ignores_severity_and_exclude(project, capsys):
    (project / "a.py").write_text('A = "/data/shared/x.csv"\nB = "/nas2/x/y.csv"\n')
    (project / "vendor").mkdir()
    (project / "vendor" / "b.py").write_text(LEAK)
    (project / "c.json").write_text('{"p": "/Users/ana/x"}\n')
    write_config(project, """\
exclude = ["vendor/**"]
severity = { MLG102 = "warning" }
per-file-ignores = { "*.json" = ["MLG101"] }
[tool.mlgate.paths]
allow = ["/data/shared/"]
roots = ["/nas2"]
""")
    assert main(["paths", "--format", "json", "a.py", "vendor/b.py", "c.json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(f["path"], f["line"], f["code"], f["severity"]) for f in found] == [
        ("a.py", 2, "MLG102", "warning")]
    assert main(["paths", "--fail-on", "warning", "a.py"]) == 1
    capsys.readouterr()
    assert main(["paths", "--no-config", "vendor/b.py"]) == 1


def test_inline_and_file_level_suppressions(project, capsys):
    (project / "a.py").write_text(
        'A = "/Users/ana/x"  # mlgate: ignore[MLG101]\n'
        'B = "/Users/ana/y"  # mlgate: ignore[MLG102]\n'
        'C = "/Users/ana/z"  # mlgate: ignore\n')
    (project / "b.sh").write_text("# mlgate: ignore-file\ncd /home/ana/project\n")
    assert main(["paths", "--format", "json", "a.py", "b.sh"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert [(f["path"], f["line"]) for f in found] == [("a.py", 2)]


@pytest.mark.parametrize("directive", [
    "# mlgate: ignore-files", "# mlgate: ignore-filesystem", "# mlgate: ignore-file[MLG103",
    "# mlgate: ignored", "# mlgate: ignoreme", "# mlgate: ignore[MLG101",
    "# mlgate: ignore[mlg101]", "# mlgate: ignore[MLG999]"])
def test_a_misspelt_directive_silences_nothing_and_is_named(project, capsys, directive):
    """`ignore-files` silenced a whole file, and `ignore[MLG101` (unclosed) its line: a
    directive is exact or nothing, and what is not one is said (MLG003)."""
    (project / "m.py").write_text(f'{directive}\nA = "/home/alice/x"  {directive}\n')
    assert main(["paths", "--format", "json", "m.py"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert [(f["line"], f["code"]) for f in found] == [
        (1, "MLG003"), (2, "MLG101"), (2, "MLG003")], found
    assert all(f["severity"] == "warning" for f in found if f["code"] == "MLG003")


def test_a_directive_inside_a_string_is_text(project, capsys):
    (project / "m.py").write_text(
        '"""Usage: to skip a file, put\n    # mlgate: ignore-file\nat its top."""\n'
        'A = "/home/alice/a # mlgate: ignore"\n'
        'B = "/home/alice/b"  # noqa: E501  # mlgate: ignore[MLG101, MLG102]\n')
    (project / "c.yaml").write_text('a: "/home/alice/c # mlgate: ignore"\n')
    assert main(["paths", "--format", "json", "m.py", "c.yaml"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert [(f["path"], f["line"], f["code"]) for f in found] == [
        ("c.yaml", 1, "MLG101"), ("m.py", 4, "MLG101")], found


def test_an_html_comment_in_a_json_file_is_no_directive(project, capsys):
    """Sandbox review round 28: a JSON sample holding `<!-- mlgate:...` text (a README
    marker) was warned about as a misspelt directive: a JSON file's strings hold Python's
    `#` comments (a notebook's cells), not HTML's or SQL's `--`."""
    (project / "s.json").write_text(json.dumps(
        {"a": "<!-- mlgate:operational-constraints:end -->", "b": "x -- mlgate: nope"}))
    assert main(["paths", "--format", "json", "s.json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_directives_silence_the_findings_of_every_check(project, capsys):
    """Not only paths: an unpinned line of requirements.txt, an image's install."""
    (project / "requirements.txt").write_text(
        "six>=1.0  # mlgate: ignore[MLG205]\nidna>=2\n")
    (project / "Dockerfile").write_text(
        "FROM python:3.11\nRUN pip install awscli  # mlgate: ignore[MLG210]\n"
        "RUN pip install httpie\n")
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run(["git", "add", "-A"], check=True)
    main(["lock", "--format", "json", "--no-cache", "--python", sys.executable])
    found = json.loads(capsys.readouterr().out)
    kept = [(f["path"], f["line"], f["code"]) for f in found if f["code"] in (
        "MLG205", "MLG210")]
    assert kept == [("Dockerfile", 3, "MLG210"), ("requirements.txt", 2, "MLG205")], found


def test_robust_inputs(project, capsys):
    (project / "empty.py").write_bytes(b"")
    (project / "bin.py").write_bytes(b"\x00\x01/Users/ana/x\x00")
    (project / "latin.py").write_bytes('A = "/home/jos\xe9/x"\r\n'.encode("latin-1"))
    (project / "crlf.yaml").write_bytes(b"a: 1\r\ndata: /mnt/share/x.csv\r\n")
    (project / "big.py").write_text("x = 1\n" * 200_000 + LEAK)
    os.symlink("/Users/ana/Desktop/data", project / "data_link")
    os.symlink("/nonexistent/target", project / "dangling")
    os.mkfifo(project / "fifo.py")
    assert main(["paths", "--format", "json", "empty.py", "bin.py", "latin.py", "crlf.yaml",
                 "big.py", "data_link", "dangling", "fifo.py", "missing.py"]) == 1
    found = json.loads(capsys.readouterr().out)
    got = sorted((f["path"], f["line"], f["code"]) for f in found)
    assert got == sorted([
        ("latin.py", 1, "MLG101"), ("crlf.yaml", 2, "MLG102"), ("big.py", 200_001, "MLG101"),
        ("data_link", 1, "MLG108"), ("fifo.py", 1, "MLG001"), ("missing.py", 1, "MLG001"),
    ])


def test_a_stray_nul_byte_does_not_hide_a_source_file(project, capsys):
    # A NUL pasted into a .py or a YAML file: still text by its name, still checked. A file
    # of an unknown kind with one NUL, or a .py that is mostly NULs, is binary (git's rule).
    (project / "train.py").write_bytes(b'DATA = "/Users/ana/train.csv"\n# \x00 pasted\n')
    (project / "conf.yaml").write_bytes(b"\x00data: /mnt/share/x.csv\n" + b"a: 1\n" * 30)
    (project / "blob.dat").write_bytes(b"\x00/Users/ana/x" + b" " * 500)
    (project / "packed.py").write_bytes(b"\x00\x00\x01/Users/ana/x\x00" * 20)
    assert main(["paths", "--format", "json", "train.py", "conf.yaml", "blob.dat",
                 "packed.py"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert sorted((f["path"], f["line"], f["code"]) for f in found) == [
        ("conf.yaml", 1, "MLG102"), ("train.py", 1, "MLG101")]


def test_a_folder_that_cannot_be_listed_is_reported(project, capsys, monkeypatch):
    # Outside git, folders are walked: one the walk cannot list is MLG001, not passed by.
    # (chmod 000 means nothing to root, so the refusal is the operating system's, faked.)
    (project / "secret").mkdir()
    (project / "secret" / "train.py").write_text(LEAK)
    (project / "ok.py").write_text("x = 1\n")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "secret":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert main(["paths", "--format", "json", "."]) == 1
    found = json.loads(capsys.readouterr().out)
    assert [(f["path"], f["code"]) for f in found] == [("secret", "MLG001")]
    assert "Permission denied" in found[0]["message"]


def test_folder_arguments_use_git_and_respect_gitignore(project, capsys):
    subprocess.run(["git", "init", "-q"], check=True)
    (project / ".gitignore").write_text("ignored/\n")
    (project / "ignored").mkdir()
    (project / "ignored" / "x.py").write_text(LEAK)
    (project / "src").mkdir()
    (project / "src" / "tracked.py").write_text(LEAK)
    (project / "src" / "untracked.yaml").write_text("path: /home/ana/x\n")
    (project / "src" / "notes.md").write_text("/Users/ana/x\n")
    os.symlink("/Users/ana/Desktop/data", project / "src" / "data")
    (project / "src" / "deleted.py").write_text(LEAK)
    subprocess.run(["git", "add", "src/tracked.py", "src/deleted.py"], check=True)
    (project / "src" / "deleted.py").unlink()
    assert main(["paths", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert sorted(f["path"] for f in found) == [
        "src/data", "src/tracked.py", "src/untracked.yaml"]


@pytest.mark.parametrize("command", [
    ["paths", "a.py"],
    ["artifact", "--python", sys.executable, "model.pkl"],
    ["schema", "--python", sys.executable, "--artifact", "model.pkl", "--sample", "s.json"],
    ["latency", "--python", sys.executable, "--artifact", "model.pkl", "--sample", "s.json"],
    ["audit", "--python", sys.executable, "--skip", "lock"],
])
def test_hook_does_not_import_the_ml_stack(project, command):
    """The hook process never imports numpy & co., not even to judge a model artifact."""
    import pickle

    (project / "a.py").write_text(LEAK)
    (project / "model.pkl").write_bytes(pickle.dumps({"coef": [1.0]}))
    (project / "s.json").write_text('{"a": 1}')
    subprocess.run(["git", "init", "-q"], check=True)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mlgate", *command],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr[-500:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "mlgate" in imported
    assert not imported & {"numpy", "pandas", "sklearn", "joblib", "scipy"}


def test_never_modifies_files(project, capsys):
    path = project / "a.py"
    path.write_text(LEAK)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    main(["paths", "a.py"])
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_summaries_match_each_checks_own_help():
    import importlib

    from mlgate.cli import CHECKS, SUMMARIES

    assert SUMMARIES.keys() == CHECKS.keys()
    for name, module in CHECKS.items():
        assert SUMMARIES[name] == importlib.import_module(module).HELP


def test_a_run_imports_only_its_own_check(project):
    (project / "a.py").write_text("x = 1\n")
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mlgate", "paths", "a.py"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0
    assert "mlgate.checks.lock" not in proc.stderr and "mlgate.checks.artifact" not in proc.stderr
    assert "mlgate.checks.paths" in proc.stderr


def test_the_configuration_is_read_from_a_json_copy_until_the_file_changes(tmp_path,
                                                                            monkeypatch):
    from mlgate.config import load_config

    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    (tmp_path / "pyproject.toml").write_text('[tool.mlgate]\nignore = ["MLG101"]\n')
    assert load_config().ignore == ["MLG101"]
    copies = list((tmp_path / ".git" / "mlgate-cache").glob("config-*.json"))
    assert len(copies) == 1
    monkeypatch.setitem(sys.modules, "tomllib", None)  # a second read must not parse TOML
    monkeypatch.setitem(sys.modules, "tomli", None)
    assert load_config().ignore == ["MLG101"]
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.mlgate]\nignore = ["MLG102"]\n')
    assert load_config().ignore == ["MLG102"]


def test_an_unknown_option_prints_the_checks_own_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["paths", "--bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: mlgate paths ") and "unrecognized arguments: --bogus" in err


def test_property_tests_run_without_deadlines_and_deterministically():
    from hypothesis import settings

    assert settings.default.deadline is None and settings.default.derandomize


def test_a_broken_project_interpreter_is_exit_3_and_says_so_in_every_format(tmp_path, capsys,
                                                                          monkeypatch):
    import json

    monkeypatch.chdir(tmp_path)
    (tmp_path / "requirements.txt").write_text("attrs==23.2.0\n")
    fake = tmp_path / "crashing-python"
    fake.write_text("#!/bin/sh\necho 'Fatal Python error: boom' >&2\nexit 134\n")
    fake.chmod(0o755)
    assert main(["lock", "--no-cache", "--python", str(fake), "--format", "json"]) == 3
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert (error["kind"], error["exit_code"]) == ("environment", 3)
    assert "boom" in error["message"] and "not a finding" in captured.err
    assert main(["lock", "--no-cache", "--python", str(tmp_path / "nope"), "--format",
                 "json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["kind"] == "usage"
    assert main(["lock", "--no-cache", "--python", str(fake), "--format", "sarif"]) == 3
    log = json.loads(capsys.readouterr().out)
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 3
    jsonschema = pytest.importorskip("jsonschema")
    from pathlib import Path

    schema = json.loads((Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json")
                        .read_text())
    jsonschema.validate(log, schema)


@pytest.mark.parametrize("command", ["paths", "lock", "artifact", "schema", "latency", "audit",
                                     "env"])
def test_help_speaks_to_users(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    for internal in ("mlgate.", ".py", "probe", "issue #", "layer"):
        assert internal not in text.replace("api.py", "").replace("tool.mlgate", ""), (
            command, internal)


def test_rule_prints_a_rules_page_from_the_registry(capsys):
    import json

    from mlgate.rules_catalog import RULES, plain

    assert main(["rule", "mlg101"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"MLG101: {plain(RULES['MLG101'].summary)}") and "severity  error" in out
    assert main(["rule", "MLG302", "--format", "json"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert (page["code"], page["check"]) == ("MLG302", "mlgate artifact (hook check-artifact)")
    assert main(["rule", "--all", "--format", "json"]) == 0
    assert [p["code"] for p in json.loads(capsys.readouterr().out)] == sorted(RULES)
    assert main(["rule", "MLG999"]) == 2
    assert "no such rule" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["rule", "MLG101", "--fail-on", "warning"],
                                  ["rule", "MLG101", "--exit-zero"],
                                  ["env", "--ignore", "MLG101"], ["env", "--format", "github"]])
def test_a_command_refuses_the_options_it_cannot_honour(project, capsys, argv):
    """`mlgate rule --format sarif` printed text and exited 0, and `--fail-on` did nothing."""
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "usage: mlgate " + argv[0] in capsys.readouterr().err


def test_a_cloud_dev_environments_own_config_uses_its_image_paths(project, capsys):
    """New-user trial round 31: `.gitpod.yml` running /home/gitpod/.pg_ctl/bin/pg_start was
    an MLG101 error; that path is Gitpod's workspace image's, alike on every machine that
    opens it. The same path in the project's code still is one machine's."""
    (project / ".gitpod.yml").write_text("tasks:\n  - init: /home/gitpod/.pg_ctl/bin/pg_start\n")
    (project / ".devcontainer").mkdir()
    (project / ".devcontainer" / "post.yml").write_text("cache: /home/vscode/.cache/pip\n")
    (project / "train.py").write_text("DATA = '/home/gitpod/data/train.csv'\n")
    assert main(["paths", ".gitpod.yml", ".devcontainer/post.yml"]) == 0
    assert main(["paths", "train.py"]) == 1
    assert "MLG101" in capsys.readouterr().out


def test_a_committed_virtualenvs_interpreter_link_says_to_remove_the_environment(project,
                                                                                  capsys):
    """New-user trial round 31: venv/bin/python3.12 -> /opt/homebrew/... got "commit the file
    itself, or a relative link"; the fix is to stop committing the environment."""
    (project / "venv" / "bin").mkdir(parents=True)
    os.symlink("/Users/ana/.pyenv/versions/3.12.1/bin/python3.12",
               project / "venv" / "bin" / "python3.12")
    os.symlink("/Users/ana/data/train.csv", project / "train.csv")
    assert main(["paths", "--format", "json", "venv/bin/python3.12", "train.csv"]) == 1
    hints = {f["path"]: f["hint"] for f in json.loads(capsys.readouterr().out)}
    assert hints["venv/bin/python3.12"].startswith("a virtualenv was committed: remove it"
                                                   " (`git rm -r --cached venv`)"), hints
    assert hints["train.csv"].startswith("commit the file itself"), hints
