"""`--format sarif`: SARIF 2.1.0 logs, valid against the official schema, for code scanning."""

import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from envs import install, make_venv

from mlgate import __version__
from mlgate.cli import CHECKS, main
from mlgate.finding import Finding
from mlgate.report import FORMATS, emit, sarif_log
from mlgate.rules_catalog import RULES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = Path(__file__).with_name("sarif") / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
LEAK = 'DATA = "/Users/ana/Desktop/train.csv"\n'


# --- the validator: the official schema, with the URI formats actually checked ---------------

# RFC 3986 characters: unreserved, reserved, and well-formed percent-escapes; nothing else (no
# space, no raw non-ASCII). jsonschema checks "uri" only with an optional package installed,
# and "uri-reference" not at all, so they are checked here.
_URI_TEXT = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*")

_formats = jsonschema.FormatChecker()


@_formats.checks("uri-reference")
def _is_uri_reference(value):
    if not isinstance(value, str):
        return True
    first_segment = value.split("/", 1)[0]
    return bool(_URI_TEXT.fullmatch(value)) and (
        ":" not in first_segment or bool(_SCHEME.fullmatch(first_segment.split(":", 1)[0])))


@_formats.checks("uri")
def _is_uri(value):
    if not isinstance(value, str):
        return True
    return _is_uri_reference(value) and bool(_SCHEME.fullmatch(value.split(":", 1)[0])) and (
        ":" in value)


def _validator():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=_formats)


VALIDATOR = _validator()


def errors_of(log):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in VALIDATOR.iter_errors(log)]


def assert_valid(log):
    assert errors_of(log) == []


# --- running the CLI ---------------------------------------------------------------------------

@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def run_sarif(capsys, *args):
    code = main([*args[:1], "--format", "sarif", *args[1:]])
    out = capsys.readouterr().out
    log = json.loads(out)
    assert_valid(log)
    [run] = log["runs"]
    return code, log, run


def location(result):
    [loc] = result["locations"]
    return loc["physicalLocation"]


# --- the schema and the validator are real ----------------------------------------------------

def test_vendored_schema_is_the_official_one_and_documented():
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["id"] == ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                            "sarif-schema-2.1.0.json")
    readme = (SCHEMA_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert SCHEMA_SHA256 in readme and "OASIS" in readme


def test_validator_rejects_invalid_logs():
    good = sarif_log([Finding("a b.py", 3, 2, "MLG101", "m", hint="h")], "paths", cwd="/w")
    assert_valid(good)

    def broken(change):
        log = json.loads(json.dumps(good))
        change(log)
        return errors_of(log)

    assert broken(lambda log: log.pop("version"))
    assert broken(lambda log: log.update(version="2.0.0"))
    assert broken(lambda log: log["runs"][0]["tool"]["driver"].pop("name"))
    assert broken(lambda log: log["runs"][0]["results"][0].update(level="fatal"))
    assert broken(lambda log: log["runs"][0]["results"][0].update(unknownKey=1))
    region = good["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 2}
    assert broken(lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
                  ["region"].update(startLine=0))
    # The URI formats are checked: a raw space in a URI reference, a URI without a scheme.
    assert broken(lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
                  ["artifactLocation"].update(uri="a b.py"))
    assert broken(lambda log: log.update({"$schema": "sarif-schema-2.1.0.json"}))


# --- the rule catalogue agrees with the docs --------------------------------------------------

def test_rule_tables_are_generated_from_the_catalogue():
    from mlgate.rules_catalog import GENERATED, render

    for name in GENERATED:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert render(text) == text, (
            f"{name}'s rule tables differ from hooks/rules_catalog.py: edit the catalogue, then"
            " run python -m mlgate.rules_catalog --write")
    docs = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert docs.count(f'<a id="{code.lower()}"></a>') == 1, code  # one anchor, its page
        assert f'### <a id="{code.lower()}"></a>{code}: ' in docs, code
        assert docs.count(f"| [{code}](#{code.lower()}) |") == 1, code  # its table row links it
        assert readme.count(f"| {code} | {rule.summary} |") == 1, code
        assert rule.severity in ("error", "warning"), code


def test_the_generator_rewrites_a_stale_table(tmp_path):
    from mlgate.rules_catalog import render

    stale = "intro\n<!-- rules:MLG5 -->\n| code | what |\n| MLG999 | gone |\n<!-- /rules -->\nend\n"
    new = render(stale)
    assert new.startswith("intro\n<!-- rules:MLG5 -->\n| code | severity | what |")
    assert "MLG999" not in new and "| [MLG501](#mlg501) | error |" in new
    assert new.endswith("<!-- /rules -->\nend\n") and render(new) == new


def test_every_code_is_spelled_once_in_the_codes_module():
    from mlgate import codes

    named = [v for k, v in vars(codes).items() if k.isupper() and isinstance(v, str)]
    assert len(named) == len(set(named)), "a code has two names in hooks/codes.py"
    assert set(named) == set(RULES), "hooks/codes.py and the catalogue list other codes"
    for source in (ROOT / "hooks").rglob("*.py"):
        if source.name in ("codes.py", "rules_catalog.py"):
            continue
        spelled = re.findall(r"""["']MLG\d{3}["']""", source.read_text(encoding="utf-8"))
        assert not spelled, f"{source}: spells {spelled}; import it from mlgate.codes"


def test_catalogue_covers_every_code_the_checks_emit():
    emitted = set()
    for source in (ROOT / "hooks").rglob("*.py"):
        if source.name != "rules_catalog.py":
            emitted |= set(re.findall(r"\bMLG\d{3}\b", source.read_text(encoding="utf-8")))
    missing = sorted(emitted - set(RULES))
    assert emitted and not missing, (
        f"codes with no entry in hooks/rules_catalog.py: {missing}; document them in"
        " docs/rules.md and README.md's rules table, then add them to the catalogue")
    from mlgate.checks import artifact, lock

    for severities in (lock.SEVERITY, artifact.SEVERITY):
        for code, level in severities.items():
            assert RULES[code].severity == level, code


# --- end to end through the CLI ---------------------------------------------------------------

def test_sarif_is_a_format_of_every_check():
    """Of every command that reports findings; `rule` and `env` print text or JSON only,
    and refuse what they cannot honour."""
    assert "sarif" in FORMATS
    for check in CHECKS:
        if check in ("rule", "env"):
            proc = subprocess.run([sys.executable, "-m", "mlgate", check, "--format", "sarif"],
                                  capture_output=True, text=True, check=False)
            assert proc.returncode == 2 and "invalid choice: 'sarif'" in proc.stderr
            continue
        proc = subprocess.run([sys.executable, "-m", "mlgate", check, "--help"],
                              capture_output=True, text=True, check=True)
        assert "sarif" in proc.stdout


def test_clean_run_is_a_valid_log_with_no_results(project, capsys):
    (project / "clean.py").write_text("DATA = 'data/train.csv'\n")
    code, log, run = run_sarif(capsys, "paths", "clean.py")
    assert code == 0
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("mlgate", __version__)
    assert "informationUri" not in driver  # mlgate has no public URL yet
    assert run["invocations"] == [{"executionSuccessful": True}]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == project.as_uri() + "/"
    assert run["automationDetails"]["id"] == "mlgate/paths/"


def test_findings_with_hints(project, capsys):
    (project / "src").mkdir()
    (project / "src" / "leaky.py").write_text(LEAK + "\nX = r'C:\\Users\\bob\\x.csv'\n")
    code, _, run = run_sarif(capsys, "paths", "src/leaky.py")
    assert code == 1
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["MLG101", "MLG104"]
    first, second = run["results"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error"
        assert "(hint: " in result["message"]["text"]
        [key] = result["partialFingerprints"]
        assert re.fullmatch(r"[0-9a-f]{64}", result["partialFingerprints"][key])
    assert first["ruleId"] == "MLG101"
    assert first["message"]["text"].startswith("hardcoded user home")
    assert location(first) == {
        "artifactLocation": {"uri": "src/leaky.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1, "startColumn": 9},
    }
    assert location(second)["region"]["startLine"] == 3
    assert first["properties"]["check"] == "paths"
    assert first["properties"]["text"] == "/Users/ana/Desktop/train.csv"
    rule = rules[0]
    assert rule["shortDescription"]["text"] == RULES["MLG101"].summary.replace("`", "")
    assert rule["fullDescription"]["text"] == RULES["MLG101"].description
    assert "helpUri" not in rule  # no public documentation URL yet: no dead link
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert "Hint: derive it from the project" in rule["help"]["text"]  # the one hint they share


def test_finding_without_hint_and_a_level_other_than_the_default(project, capsys):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo("pipe")
    code, _, run = run_sarif(capsys, "paths", "pipe")
    assert code == 0  # a warning alone does not fail the run
    [result] = run["results"]
    [rule] = run["tool"]["driver"]["rules"]
    assert result["ruleId"] == rule["id"] == "MLG001"
    assert result["message"]["text"] == "not a regular file; not checked"
    assert (result["level"], rule["defaultConfiguration"]["level"]) == ("warning", "error")
    assert "Hint:" not in rule["help"]["text"]
    assert "What to do: check the path" in rule["help"]["text"]
    assert "properties" not in result  # the finding has no extra fields


def test_configured_severity_and_exit_codes_are_unchanged(project, capsys):
    (project / "leaky.py").write_text(LEAK)
    code, _, _ = run_sarif(capsys, "paths", "--exit-zero", "leaky.py")
    assert code == 0
    (project / "pyproject.toml").write_text('[tool.mlgate]\nseverity = { MLG101 = "warning" }\n')
    code, _, run = run_sarif(capsys, "paths", "leaky.py")
    assert code == 0
    [result] = run["results"]
    assert result["level"] == "warning"
    assert run["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] == "error"
    code, _, _ = run_sarif(capsys, "paths", "--fail-on", "warning", "leaky.py")
    assert code == 1


def test_path_with_spaces_and_unicode_is_percent_encoded(project, capsys):
    folder = project / "my data"
    folder.mkdir()
    name = "my data/ünï cødé 100%#1.py"
    (project / name).write_text(LEAK, encoding="utf-8")
    code, _, run = run_sarif(capsys, "paths", name)
    assert code == 1
    [result] = run["results"]
    uri = location(result)["artifactLocation"]["uri"]
    assert uri == "my%20data/%C3%BCn%C3%AF%20c%C3%B8d%C3%A9%20100%25%231.py"
    assert unquote(uri) == name
    # The same name resolved against %SRCROOT% is the file itself.
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert Path(unquote(urlsplit(base + uri).path)) == project / name


def test_fingerprints_are_stable_across_runs_and_line_moves(project, capsys):
    (project / "a.py").write_text(LEAK + LEAK)
    _, _, before = run_sarif(capsys, "paths", "a.py")
    (project / "a.py").write_text("import os\n\n" + LEAK + LEAK)
    _, _, after = run_sarif(capsys, "paths", "a.py")

    def prints(run):
        return [r["partialFingerprints"] for r in run["results"]]

    assert prints(before) == prints(after)
    assert [location(r)["region"]["startLine"] for r in after["results"]] == [3, 4]
    first, second = prints(after)
    assert first != second  # two identical findings in one file stay two alerts


def test_lock_finding_keeps_its_extra_fields_as_properties(project, capsys, monkeypatch):
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    for var in ("MLGATE_PYTHON", "UV_PROJECT_ENVIRONMENT", "CONDA_PREFIX", "VIRTUAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    venv = make_venv(project / ".venv")
    install(venv, "attrs", "24.1.0")
    install(venv, "rich", "13.7.1")
    (project / "requirements.txt").write_text("six==1.16.0\nattrs==23.2.0\n")
    code, _, run = run_sarif(capsys, "lock")
    assert code == 1
    assert run["automationDetails"]["id"] == "mlgate/lock/"
    by_code = {r["ruleId"]: r for r in run["results"]}
    assert set(by_code) == {"MLG201", "MLG202", "MLG204"}
    mismatch = by_code["MLG202"]
    assert mismatch["properties"] == {"check": "lock", "kind": "mismatch", "package": "attrs",
                                      "locked": "23.2.0", "installed": "24.1.0"}
    assert by_code["MLG201"]["properties"]["installed"] is None  # JSON null survives
    assert location(mismatch) == {
        "artifactLocation": {"uri": "requirements.txt", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2, "startColumn": 1},
    }
    undeclared = by_code["MLG204"]
    assert undeclared["level"] == "warning"
    assert undeclared["properties"]["package"] == "rich"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["MLG204"]["defaultConfiguration"]["level"] == "warning"
    assert rules["MLG202"]["help"]["text"].count("What to do: reinstall from the lock") == 1


def test_artifact_findings(project, capsys):
    (project / "model.pkl").write_bytes(b"")
    code, _, run = run_sarif(capsys, "artifact", "--python", sys.executable, "--no-load",
                             "model.pkl")
    assert code == 1
    assert run["automationDetails"]["id"] == "mlgate/artifact/"
    [result] = run["results"]
    assert (result["ruleId"], result["level"]) == ("MLG304", "error")
    assert result["properties"]["check"] == "artifact"
    assert location(result)["artifactLocation"]["uri"] == "model.pkl"


# --- the reporter on findings the CLI rarely makes --------------------------------------------

def test_unknown_line_absolute_path_and_odd_extra_fields(tmp_path):
    absolute = str(tmp_path / "x y.txt")
    findings = [
        Finding("notes.txt", 0, 0, "MLG001", "cannot read file", extra={
            "path_obj": Path("x"), "nan": float("nan"), "ok": [1, "two", {"three": None}],
            "tags": "not-a-list"}),
        Finding(absolute, 2, 0, "MLG999", "a code the catalogue does not know yet"),
        Finding("./sub/./a.py", 1, 1, "MLG101", "m"),
    ]
    stream = io.StringIO()
    emit(findings, "sarif", "paths", stream=stream)
    log = json.loads(stream.getvalue())
    assert_valid(log)
    [run] = log["runs"]
    by_code = {r["ruleId"]: r for r in run["results"]}
    unknown_line = by_code["MLG001"]
    assert "region" not in location(unknown_line)
    assert unknown_line["properties"] == {"ok": [1, "two", {"three": None}]}
    absolute_result = location(by_code["MLG999"])
    assert absolute_result["artifactLocation"] == {"uri": Path(absolute).as_uri()}
    assert absolute_result["region"] == {"startLine": 2}
    assert location(by_code["MLG101"])["artifactLocation"]["uri"] == "sub/./a.py"
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "MLG999")
    assert rule["shortDescription"]["text"] == "mlgate rule MLG999"
    assert rule["defaultConfiguration"]["level"] == "error"


def test_other_formats_do_not_import_what_sarif_needs():
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, mlgate.report\n"
         "print(sorted({'json', 'hashlib', 'mlgate.rules_catalog'} & set(sys.modules)))"],
        capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_every_rule_says_why_it_matters_and_what_to_do(capsys):
    """The registry carries each rule's whole page: the README's table, docs/rules.md's
    page, `mlgate rule` and SARIF's help all read it."""
    from mlgate.cli import main
    from mlgate.report import _rule

    for code, rule in RULES.items():
        assert rule.why and rule.fix, code
    assert main(["rule", "MLG205"]) == 0
    out = capsys.readouterr().out
    assert "Why it matters: a range installs whatever is newest" in out
    assert "Not flagged: pyproject.toml dependencies when a lock pins" in out
    help_text = _rule("MLG205", [])["help"]["text"]
    assert "Why it matters:" in help_text and "What to do:" in help_text


def test_an_incomplete_audit_says_so_in_sarif_and_github_annotations(project, capsys):
    # No finding to show, yet not READY: the verdict and each pillar not checked are the
    # run's notifications (SARIF) and file-less annotations (GitHub), never silence.
    subprocess.run(["git", "init", "-q"], check=True)
    (project / "train.py").write_text("print('hi')\n")
    code, _, run = run_sarif(capsys, "audit", "--python", sys.executable, "--no-cache")
    assert code == 1 and run["results"] == []
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["level"] == "error"
    assert notes[0]["message"]["text"].startswith("INCOMPLETE: not checked: lock")
    assert any(n["message"]["text"].startswith("lock: NOT CHECKED: no lock file")
               for n in notes)
    assert main(["audit", "--format", "github", "--python", sys.executable, "--no-cache"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("::error title=mlgate audit::INCOMPLETE: not checked: lock")
    # READY is a notice, and an audit whose pillars were all checked adds nothing else.
    skips = [a for name in ("lock", "artifact", "schema", "latency") for a in ("--skip", name)]
    assert main(["audit", "--format", "github", "--no-cache", *skips]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "::notice title=mlgate audit::READY for deployment (skipped: lock, artifact, schema,"
        " latency)"]


def test_a_property_quotes_no_more_than_an_excerpt():
    """Reliability round 32 (F10): a requirement's whole specifier (190 KB) was copied into
    the SARIF result's properties; --format json clipped it."""
    from mlgate.finding import Finding, clip
    from mlgate.report import _properties

    long = ">=1," * 50_000
    finding = Finding("requirements.txt", 1, 1, "MLG201", "m", extra={"specifier": long})
    assert _properties(finding.extra)["specifier"] == clip(long)
    assert len(clip(long)) < 1000 and finding.to_dict()["specifier"] == clip(long)
