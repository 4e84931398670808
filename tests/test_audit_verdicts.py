"""READY means checked: the audit's pillars, findings, verdict and exit code agree, the
project's policy applies to the audit as to each check, and models are found by content."""

from __future__ import annotations

import gzip
import json
import pickle
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from mlgate.cli import main

FRAME = pd.DataFrame({"age": np.linspace(0, 1, 20), "income": np.linspace(1, 0, 20)})
TARGET = (FRAME["age"] > 0.5).astype(int)
LEAK = "DATA = '/Users/ana/Desktop/train.csv'\n"


def model() -> LogisticRegression:
    return LogisticRegression().fit(FRAME, TARGET)


def audit(capsys, *args: str) -> tuple[int, dict]:
    code = main(["audit", "--format", "json", "--python", sys.executable, "--no-cache", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out)


def statuses(report: dict) -> dict[str, str]:
    return {p["name"]: p["status"] for p in report["pillars"]}


def test_the_project_ignore_applies_to_the_pillar_the_findings_and_the_exit(git_project,
                                                                          capsys):
    (git_project / "a.py").write_text(LEAK)
    (git_project / "pyproject.toml").write_text('[tool.mlgate]\nrequire = ["paths"]\n')
    code, report = audit(capsys)
    assert (code, report["verdict"], statuses(report)["paths"]) == (1, "not-ready", "fail")
    assert [f["code"] for f in report["findings"]] == ["MLG101"]
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate]\nrequire = ["paths"]\nignore = ["MLG101"]\n')
    code, report = audit(capsys)
    assert (code, report["verdict"], statuses(report)["paths"]) == (0, "ready", "pass")
    assert report["findings"] == []
    # what is said is what is reported (acceptance audit of round 40: "1 finding(s)")
    assert [p["detail"] for p in report["pillars"] if p["name"] == "paths"] == [
        "no hardcoded absolute paths (1 ignored by configuration)"]
    # --no-config: neither the ignore nor the exclude of the project applies.
    (git_project / "pyproject.toml").write_text('[tool.mlgate]\nexclude = ["a.py"]\n')
    code, report = audit(capsys, "--no-config")
    assert code == 1 and [f["code"] for f in report["findings"]] == ["MLG101"]


def test_fail_on_warning_on_the_command_line_settles_the_pillars(git_project, capsys):
    """Reliability round 34 (N6): `mlgate audit --fail-on warning` read the configuration's
    policy only: READY and exit 0 with warnings, where `mlgate paths --fail-on warning`
    exits 1 on the same finding."""
    (git_project / "a.py").write_text(LEAK)
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate]\nrequire = ["paths"]\n[tool.mlgate.severity]\nMLG101 = "warning"\n')
    code, report = audit(capsys)
    assert (code, report["verdict"], statuses(report)["paths"]) == (0, "ready", "warn")
    code, report = audit(capsys, "--fail-on", "warning")
    assert (code, report["verdict"], statuses(report)["paths"]) == (1, "not-ready", "fail")


def test_a_folder_with_nothing_to_check_is_incomplete_not_ready(git_project, capsys):
    (git_project / "train.py").write_text("print('hi')\n")
    code, report = audit(capsys)
    assert (code, report["ready"], report["verdict"]) == (1, False, "incomplete")
    assert statuses(report) == {"paths": "pass", "lock": "not-checked",
                                "artifact": "not-checked", "schema": "not-checked",
                                "latency": "not-checked"}
    assert all(p["detail"] for p in report["pillars"])  # each says why and what to add
    assert "commit the model" in {p["name"]: p for p in report["pillars"]}["artifact"]["detail"]
    (git_project / "dvc.yaml").write_text("stages: {}\n")  # DVC keeps models out of git
    _, report = audit(capsys)
    detail = {p["name"]: p for p in report["pillars"]}["artifact"]["detail"]
    assert "models DVC keeps out of git are not searched; declare" in detail, detail
    (git_project / "dvc.yaml").unlink()
    main(["audit", "--python", sys.executable, "--no-cache"])
    out = capsys.readouterr().out
    assert "NOT CHECKED  lock" in out and "INCOMPLETE: not checked: lock, artifact" in out
    assert "READY for deployment" not in out
    # What the user explicitly leaves out is not required.
    skips = [a for name in ("lock", "artifact", "schema", "latency") for a in ("--skip", name)]
    code, report = audit(capsys, *skips)
    assert (code, report["verdict"]) == (0, "ready")
    # ... and the headline says they were skipped, not that they were checked.
    assert main(["audit", "--python", sys.executable, "--no-cache", *skips]) == 0
    assert ("READY for deployment (skipped: lock, artifact, schema, latency)"
            in capsys.readouterr().out)
    (git_project / "pyproject.toml").write_text('[tool.mlgate]\nrequire = ["paths"]\n')
    assert main(["audit", "--python", sys.executable, "--no-cache", "--skip", "lock"]) == 0
    assert ("READY for deployment (skipped: lock; not checked, not required: artifact, schema,"
            " latency)" in capsys.readouterr().out)
    # Nothing checked at all is no verdict: every pillar skipped was READY, exit 0.
    everything = [*skips, "--skip", "paths"]
    code, report = audit(capsys, *everything)
    assert (code, report["verdict"]) == (1, "incomplete"), report
    assert main(["audit", "--python", sys.executable, "--no-cache", *everything]) == 1
    assert "INCOMPLETE: nothing was checked" in capsys.readouterr().out
    # The README's verdict says what it does not cover, as the report does.
    assert main(["audit", "--python", sys.executable, "--no-cache", "--skip", "lock",
                 "--write-readme"]) == 0
    assert ("Verdict: **READY for deployment** (skipped: lock; not checked, not required:"
            " artifact, schema, latency)." in (git_project / "README.md").read_text())


def test_a_model_in_a_format_mlgate_does_not_check_is_named_not_called_absent(git_project,
                                                                            capsys):
    """An ONNX-only project: "no model found" would read as "nothing there"; the pillar
    names the files it saw and why they were not checked."""
    (git_project / "model.onnx").write_bytes(b"\x08\x07\x12\x07pytorch" + bytes(64))
    (git_project / "weights").mkdir()
    (git_project / "weights" / "net.pt").write_bytes(b"PK\x03\x04" + bytes(64))
    code, report = audit(capsys)
    pillar = {p["name"]: p for p in report["pillars"]}["artifact"]
    assert (code, pillar["status"]) == (1, "not-checked")
    assert pillar["detail"].startswith(
        "no model mlgate can check: model.onnx (ONNX), weights/net.pt (PyTorch); mlgate"
        " checks pickle, joblib"), pillar["detail"]
    assert main(["artifact"]) == 0
    assert ("no model artifact found (by name or content); not checked: model.onnx (ONNX),"
            " weights/net.pt (PyTorch)" in capsys.readouterr().err)
    # A model git tracks that the work tree lacks (deleted, a partial checkout) is named.
    (git_project / "model.onnx").unlink()
    (git_project / "weights" / "net.pt").unlink()
    (git_project / "models").mkdir()
    (git_project / "models" / "model.pkl").write_bytes(b"\x80\x04N.")
    subprocess.run(["git", "add", "models/model.pkl"], cwd=git_project, check=True)
    (git_project / "models" / "model.pkl").unlink()
    code, report = audit(capsys)
    pillar = {p["name"]: p for p in report["pillars"]}["artifact"]
    assert pillar["detail"].startswith("no model mlgate can check: models/model.pkl (tracked"
                                       " by git, but not in the work tree)"), pillar["detail"]


def test_a_declared_model_in_another_format_is_not_checked_not_failed(git_project, capsys):
    """New-user round 35 (F2): a CatBoost .cbm declared as the model was FAIL MLG304 "not a
    pickle stream", with a hint to pickle it (away from the safer format) or to rename it
    .csv. It is a model mlgate does not check: said so, and its pillars NOT CHECKED."""
    (git_project / "model.cbm").write_bytes(b"CBM1" + bytes(range(256)) * 4)
    (git_project / "sample.json").write_text('{"age": 0.5}')
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.m]\nartifact = "model.cbm"\nsample = "sample.json"\n')
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, report = audit(capsys)
    assert (code, report["verdict"]) == (1, "incomplete"), report
    pillars = statuses(report)
    assert (pillars["schema"], pillars["latency"]) == ("not-checked", "not-checked"), report
    [finding] = [f for f in report["findings"] if f["code"] == "MLG304"]
    assert finding["severity"] == "warning" and "CatBoost" in finding["message"], finding
    assert "pickle.dump" not in finding["hint"] and ".csv" not in finding["hint"]


def test_the_report_names_the_interpreter_its_pillars_ran_against(git_project, capsys):
    joblib.dump(model(), git_project / "model.joblib")
    code, report = audit(capsys, "--skip", "schema", "--skip", "latency")
    assert (code, report["verdict"]) == (1, "incomplete"), report  # (no lock)
    assert report["python"] == {"executable": sys.executable, "reason": "--python"}
    main(["audit", "--python", sys.executable, "--no-cache", "--skip", "lock"])
    assert (f"mlgate audit: . (project's Python: {sys.executable}, from --python)"
            in capsys.readouterr().out)
    # No pillar ran against an interpreter: none is named.
    skips = [a for name in ("lock", "artifact", "schema", "latency") for a in ("--skip", name)]
    code, report = audit(capsys, *skips)
    assert (code, report["python"]) == (0, None)


@pytest.mark.parametrize("pyproject", [
    '[tool.mlgate.artifact]\nallow = []\n',  # what pasting mlgate's own snippet makes
    '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = "^3.9"\nflask = "^3"\n',
])
def test_a_pyproject_that_declares_no_dependency_is_no_lock(git_project, capsys, pyproject):
    skips = [a for name in ("artifact", "schema", "latency") for a in ("--skip", name)]
    (git_project / "pyproject.toml").write_text(pyproject)
    code, report = audit(capsys, *skips)
    assert (code, statuses(report)["lock"]) == (1, "not-checked"), report
    (git_project / "pyproject.toml").write_text(
        pyproject + '[project]\nname = "x"\nversion = "1"\ndependencies = ["joblib"]\n')
    code, report = audit(capsys, *skips)
    assert statuses(report)["lock"] != "not-checked", report
    assert "MLG205" in [f["code"] for f in report["findings"]]  # joblib: not pinned
    # beside a real lock, it is not listed among the locks checked either (round 35, F7)
    (git_project / "pyproject.toml").write_text(pyproject)
    (git_project / "requirements.txt").write_text("joblib==1.0\n")
    code, report = audit(capsys, *skips)
    detail = {p["name"]: p for p in report["pillars"]}["lock"]["detail"]
    assert detail.startswith("requirements.txt against") and "pyproject" not in detail, detail


def test_a_model_that_fails_its_artifact_check_is_one_failure_not_three(git_project, capsys):
    joblib.dump(model(), git_project / "model.joblib")
    data = (git_project / "model.joblib").read_bytes()
    (git_project / "model.joblib").write_bytes(data[: len(data) // 2])
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    code, report = audit(capsys, "--skip", "lock")
    assert (code, report["verdict"]) == (1, "not-ready")
    pillars = {p["name"]: p for p in report["pillars"]}
    assert pillars["artifact"]["status"] == "fail"
    # the line says which rule the model failed, never "loaded" as if it had passed
    assert pillars["artifact"]["detail"].startswith("model.joblib (not loaded; fails MLG3")
    assert "; loaded " not in pillars["artifact"]["detail"], pillars["artifact"]["detail"]
    for name in ("schema", "latency"):  # not exercised, and they say why
        assert pillars[name]["status"] == "not-checked"
        assert "its artifact failed the artifact check" in pillars[name]["detail"]
        assert "sample" not in pillars[name]["detail"]  # it has one: no advice to add one
    assert {f["check"] for f in report["findings"]} == {"artifact"}
    # `mlgate schema` alone has no artifact pillar to say it: there it is its own error.
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG400"]


def test_models_are_found_by_content_whatever_their_name(git_project, capsys):
    joblib.dump(model(), git_project / "pipeline_v1.bin")
    with gzip.open(git_project / "model.dat.gz", "wb") as handle:
        pickle.dump(print, handle)  # a crafted "model" that must not slip by its name
    with gzip.open(git_project / "data.csv.gz", "wt") as handle:
        handle.write("age,income\n1,2\n")
    (git_project / "notes.bin").write_bytes(b"\x00\x01 not a model")
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {(f["path"], f["code"]) for f in found} == {("model.dat.gz", "MLG301")}
    code, report = audit(capsys, "--skip", "lock")
    assert "pipeline_v1.bin (LogisticRegression)" in next(
        p["detail"] for p in report["pillars"] if p["name"] == "artifact")
    assert statuses(report)["artifact"] == "fail" and code == 1


def test_the_hook_mode_keeps_only_artifacts_among_the_staged_files(git_project, capsys):
    joblib.dump(model(), git_project / "pipeline_v1.bin")
    (git_project / "train.py").write_text("print('train')\n")
    (git_project / "notes.txt").write_text("notes\n")
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--only-artifacts", "train.py", "notes.txt", "pipeline_v1.bin"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])
    with open(git_project / "evil.model", "wb") as handle:
        pickle.dump(print, handle, protocol=2)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--only-artifacts", "train.py", "evil.model"])
    assert code == 1
    assert [(f["path"], f["code"]) for f in json.loads(capsys.readouterr().out)] == [
        ("evil.model", "MLG301")]


def test_virtualenv_folders_are_not_the_project(git_project, capsys):
    venv = git_project / "env2"
    (venv / "lib" / "site-packages" / "pkg").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "lib" / "site-packages" / "pkg" / "mod.py").write_text(LEAK)
    with open(venv / "lib" / "site-packages" / "pkg" / "data.pkl", "wb") as handle:
        pickle.dump(print, handle)
    conda = git_project / "condaenv"
    (conda / "conda-meta").mkdir(parents=True)
    (conda / "conda-meta" / "history").write_text("")
    (conda / "train.py").write_text(LEAK)
    (git_project / "train.py").write_text("print('clean')\n")
    assert main(["paths", "--format", "json", "."]) == 0
    assert json.loads(capsys.readouterr().out) == []
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])


def test_a_model_beside_a_scaler_is_checked_and_the_scaler_is_named(git_project, capsys):
    models = git_project / "models"
    models.mkdir()
    joblib.dump(model(), models / "model.joblib")
    joblib.dump(StandardScaler().fit(FRAME), models / "scaler.joblib")
    (git_project / "sample_request.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    (git_project / "requirements.txt").write_text("")
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    captured = capsys.readouterr()
    assert (code, json.loads(captured.out)) == (0, [])
    assert "models/scaler.joblib is a preprocessor" in captured.err
    # The model is really compared: a renamed column in the sample fails it.
    (git_project / "sample_request.json").write_text(json.dumps({"age": 0.2, "incme": 0.4}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [
        ("sample_request.json", "MLG401")]
    code, report = audit(capsys, "--skip", "lock")
    schema = next(p for p in report["pillars"] if p["name"] == "schema")
    assert schema["status"] == "fail" and "preprocessors beside them" in schema["detail"]
    assert "StandardScaler" in schema["detail"]


def test_a_label_encoder_beside_a_model_is_no_preprocessor(git_project, capsys):
    # New-user trial round 35: a LabelEncoder saved beside the model (to decode its
    # answers) was listed among the "preprocessors beside them", applied to the request.
    from sklearn.preprocessing import LabelEncoder

    models = git_project / "models"
    models.mkdir()
    joblib.dump(model(), models / "model.joblib")
    joblib.dump(LabelEncoder().fit(["no", "yes"]), models / "labels.joblib")
    (git_project / "sample_request.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    captured = capsys.readouterr()
    assert (code, json.loads(captured.out)) == (0, [])
    assert ("models/labels.joblib is a label encoder (of an input column or of the model's"
            " answers)") in captured.err, captured.err
    code, report = audit(capsys, "--skip", "lock")
    schema = next(p for p in report["pillars"] if p["name"] == "schema")
    assert "preprocessors beside them" not in schema["detail"], schema
    assert "labels.joblib (LabelEncoder)" in schema["detail"], schema


def test_named_inputs_that_do_not_exist_are_errors_never_silence(git_project, capsys):
    assert main(["schema", "--artifact", "missing.joblib"]) == 2
    assert "--artifact missing.joblib: no such file" in capsys.readouterr().err
    joblib.dump(model(), git_project / "model.joblib")
    assert main(["schema", "--artifact", "model.joblib", "--sample", "nope.json"]) == 2
    assert main(["schema", "--contract", "api.py:Request"]) == 2
    capsys.readouterr()
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "model.joblib"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [("MLG411", "warning")]


def test_an_lfs_pointer_is_not_a_checked_model(git_project, capsys):
    (git_project / "model.joblib").write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 12345\n")
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    code, report = audit(capsys, "--skip", "lock")
    assert (code, report["verdict"]) == (1, "incomplete")
    artifact = next(p for p in report["pillars"] if p["name"] == "artifact")
    assert artifact["status"] == "not-checked" and "git lfs pull" in artifact["detail"]


def test_models_left_out_of_the_declared_tables_are_named(git_project, capsys):
    """New-user trial round 28: with one model declared, the audit said READY while two
    other models the app serves were never exercised, and named neither."""
    joblib.dump(model(), git_project / "served.joblib")
    joblib.dump(model(), git_project / "other.joblib")
    joblib.dump(FRAME, git_project / "features.joblib")  # data beside: no model
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate]\nrequire = ["artifact", "schema", "latency"]\n'
        '[tool.mlgate.models.served]\nartifact = "served.joblib"\nsample = "sample.json"\n')
    _, report = audit(capsys)
    details = {p["name"]: p["detail"] for p in report["pillars"]}
    for pillar in ("schema", "latency"):
        assert "not exercised: other.joblib" in details[pillar], details
        assert "features.joblib" not in details[pillar], details


def test_the_readme_section_says_what_was_not_checked(git_project, capsys):
    (git_project / "README.md").write_text("# P\n")
    (git_project / "a.py").write_text("print(1)\n")
    code = main(["audit", "--python", sys.executable, "--no-cache", "--write-readme"])
    capsys.readouterr()
    text = (git_project / "README.md").read_text()
    assert code == 1 and "Verdict: **INCOMPLETE**" in text
    assert "| artifact | NOT CHECKED |" in text and "READY" not in text.replace(
        "NOT READY", "").replace("INCOMPLETE", "")



def _section(text: str = "fresh") -> str:
    from mlgate.audit import END, START

    return f"{START}\n{text}\n{END}\n"


def test_a_lowercase_readme_gets_the_section_and_no_second_readme(git_project, capsys):
    """Reliability round 28: with only readme.md, --write-readme created README.md beside
    it, two files whose names clash on macOS and Windows checkouts."""
    (git_project / "readme.md").write_text("# P\n")
    (git_project / "a.py").write_text("print(1)\n")
    main(["audit", "--python", sys.executable, "--no-cache", "--write-readme"])
    capsys.readouterr()
    assert sorted(p.name for p in git_project.iterdir() if p.name.lower() == "readme.md") == [
        "readme.md"]
    assert "## Operational Constraints" in (git_project / "readme.md").read_text()


def test_the_readme_is_replaced_whole_in_its_own_line_endings(tmp_path):
    from mlgate.audit import END, START, write_readme

    readme = tmp_path / "README.md"
    readme.write_bytes(f"# P\r\n\r\n{START}\r\nold\r\n{END}\r\nmiddle\r\n{START}\r\nstale\r\n"
                       f"{END}\r\ntail\r\n".encode())
    write_readme(str(readme), _section())
    assert readme.read_bytes() == (f"# P\r\n\r\n{START}\r\nfresh\r\n{END}\r\nmiddle\r\ntail\r\n"
                                   .encode())
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]  # no temporary file left


def test_a_classic_mac_readme_keeps_its_cr_endings_and_its_one_section(tmp_path):
    """CR-only line endings: the section was appended in LF (a mixed file), and the next
    run, splitting lines at LF only, saw no markers of their own line."""
    from mlgate.audit import END, START, write_readme

    readme = tmp_path / "README.md"
    readme.write_bytes(b"# P\r\rtext\r")
    write_readme(str(readme), _section())
    assert readme.read_bytes() == f"# P\r\rtext\r\r{START}\rfresh\r{END}\r".encode()
    write_readme(str(readme), _section("again"))
    assert readme.read_bytes() == f"# P\r\rtext\r\r{START}\ragain\r{END}\r".encode()


def test_markers_quoted_in_the_users_text_are_text(tmp_path):
    """Markers in a sentence or a fenced example (a README documenting mlgate) are the
    user's words: the section replaced only a pair standing on lines of their own, outside
    code. Both were taken for sections: the example's lines and half a sentence were lost."""
    from mlgate.audit import END, START, write_readme

    user = (f"# P\n\nThe part between `{START}` and `{END}` is generated.\n\n"
            f"```markdown\n{START}\nIMPORTANT USER DOC LINE\n{END}\n```\n\n"
            f"~~~~\n{START}\n~~~\nstill inside\n{END}\n~~~~\n")
    readme = tmp_path / "README.md"
    readme.write_text(user + f"{START}\nold\n{END}\nafter\n")
    write_readme(str(readme), _section())
    assert readme.read_text() == user + _section() + "after\n"
    readme.write_text(user)  # no pair of its own: the section is appended, the rest kept
    write_readme(str(readme), _section())
    assert readme.read_text() == user + "\n" + _section()


def test_markers_in_indented_code_are_text_and_an_open_fence_is_refused(tmp_path):
    """Reliability round 32: markers in an indented code block, or in a fence nested in a
    list item, were taken for sections (the user's lines between them deleted); a README
    ending inside an open fence got one more section each run, inside the fence. mlgate's
    markers stand at the first column; an open fence at the end is an error."""
    from mlgate.audit import END, START, write_readme
    from mlgate.finding import UsageError

    user = (f"# P\n\n1. Put the markers there:\n\n    ```markdown\n    {START}\n"
            f"    IMPORTANT USER TEXT\n    {END}\n    ```\n\nIndented:\n\n    {START}\n"
            f"    another example\n    {END}\n\nEnd.\n")
    readme = tmp_path / "README.md"
    readme.write_text(user)
    write_readme(str(readme), _section())
    assert readme.read_text() == user + "\n" + _section()
    open_fence = "# P\n\n```python\nprint(1)\n"
    readme.write_text(open_fence)
    with pytest.raises(UsageError, match=r"README.md:3: the file ends inside the code block"):
        write_readme(str(readme), _section())
    assert readme.read_text() == open_fence


def test_markers_in_a_pre_block_are_text_and_a_bom_is_no_part_of_a_marker(tmp_path):
    """Reliability round 32: markers quoted in an HTML <pre> block were taken for the
    section (the lines between them deleted); with a UTF-8 byte order mark and the start
    marker on the first line, the README was refused ("an end marker with no start")."""
    from mlgate.audit import END, START, write_readme

    user = f"# P\n\n<pre>\n{START}\nQUOTED BY THE USER\n{END}\n</pre>\n\nEnd.\n"
    readme = tmp_path / "README.md"
    readme.write_text(user)
    write_readme(str(readme), _section())
    assert readme.read_text() == user + "\n" + _section()
    readme.write_bytes(("\ufeff" + f"{START}\nold\n{END}\n# P\n").encode())
    write_readme(str(readme), _section())
    assert readme.read_bytes() == ("\ufeff" + _section() + "# P\n").encode()


@pytest.mark.parametrize(("markers", "words"), [
    ("END START END", "3: an end marker with no start marker before it"),
    ("START END START", "7: a start marker with no end marker after it"),
    ("START START END", "3: a start marker with no end marker after it"),
])
def test_markers_out_of_order_are_named_by_line_and_nothing_is_written(tmp_path, markers,
                                                                         words):
    from mlgate.audit import END, START, write_readme
    from mlgate.finding import UsageError

    readme = tmp_path / "README.md"
    body = "# P\n\n" + "".join({"START": START, "END": END}[m] + "\nx\n"
                                for m in markers.split())
    readme.write_text(body)
    with pytest.raises(UsageError, match=words):
        write_readme(str(readme), _section())
    assert readme.read_text() == body


def test_a_readme_symlink_or_fifo_is_refused_and_nothing_is_written(tmp_path):
    import os

    from mlgate.audit import write_readme
    from mlgate.finding import UsageError

    outside = tmp_path / "outside.md"
    outside.write_text("# someone else's file\n")
    link = tmp_path / "proj" / "README.md"
    link.parent.mkdir()
    link.symlink_to(outside)
    with pytest.raises(UsageError, match="symlink"):
        write_readme(str(link), _section())
    assert outside.read_text() == "# someone else's file\n"
    fifo = tmp_path / "fifo" / "README.md"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="cannot read"):
        write_readme(str(fifo), _section())
    folder = tmp_path / "folder" / "README.md"
    folder.mkdir(parents=True)
    with pytest.raises(UsageError, match=r"README\.md: cannot read: not a regular file"):
        write_readme(str(folder), _section())  # (it said "Is a directory: 3")


def test_write_readme_through_a_symlinked_folder_is_refused(git_project, capsys):
    """Reliability round 33: `mlgate audit docs --write-readme`, with `docs` a committed
    symlink to a folder elsewhere, rewrote the README.md there."""
    import os

    outside = git_project.parent / "elsewhere"
    outside.mkdir()
    (outside / "README.md").write_text("# someone else's file\n")
    os.symlink(outside, git_project / "docs")
    code = main(["audit", "docs", "--write-readme", "--python", sys.executable, "--skip",
                 "lock"])
    err = capsys.readouterr().err
    assert code == 2 and "outside the repository" in err, err
    assert (outside / "README.md").read_text() == "# someone else's file\n"


def test_a_write_that_fails_midway_leaves_the_readme_as_it_was(tmp_path):
    import subprocess

    readme = tmp_path / "README.md"
    original = "# Project\n\n" + "Some text the team wrote.\n" * 4000
    readme.write_text(original)
    script = ("import resource, sys; from mlgate.audit import write_readme, START, END\n"
              "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
              f"write_readme({str(readme)!r}, START + '\\nx\\n' + END + '\\n')\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)
    assert proc.returncode != 0 and "cannot write" in proc.stderr
    assert readme.read_text() == original
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]


def test_every_row_of_the_sample_is_predicted_and_a_ragged_row_is_named(git_project, capsys):
    joblib.dump(model(), git_project / "model.joblib")
    rows = [{"age": 0.2, "income": 0.4}, {"age": "not a number", "income": 0.1}]
    (git_project / "sample.json").write_text(json.dumps(rows))
    args = ["schema", "--format", "json", "--python", sys.executable, "--no-cache",
            "--artifact", "model.joblib", "--sample", "sample.json"]
    assert main(args) == 1
    found = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in found] == ["MLG407"]
    assert "the sample's 2 rows fails" in found[0]["message"]
    (git_project / "sample.json").write_text(json.dumps([{"age": 0.2, "income": 0.4},
                                                         {"age": 0.3}]))
    assert main(args) == 1
    found = json.loads(capsys.readouterr().out)
    assert [(f["code"], f.get("row")) for f in found][:1] == [("MLG401", 2)]


SLOW = """
import time

from sklearn.base import BaseEstimator, TransformerMixin


class Slow(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        time.sleep(0.3)
        return X
"""


def test_a_slow_model_is_over_budget_within_its_measuring_time_not_a_hang(git_project, capsys,
                                                                          monkeypatch):
    import re

    from sklearn.pipeline import make_pipeline

    (git_project / "slowmodel.py").write_text(SLOW)
    monkeypatch.syspath_prepend(str(git_project))
    import slowmodel

    pipeline = make_pipeline(slowmodel.Slow(), LogisticRegression()).fit(FRAME, TARGET)
    joblib.dump(pipeline, git_project / "model.joblib")
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["slowmodel"]\n'
        "[tool.mlgate.latency]\nmax-seconds = 1\n")
    code = main(["latency", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "model.joblib", "--sample", "sample.json", "--budget-ms", "100"])
    captured = capsys.readouterr()
    found = json.loads(captured.out)
    assert code == 1 and [f["code"] for f in found] == ["MLG501"]
    assert found[0]["p95_ms"] >= 250
    # Calls stop at the measuring time (a few timings), not after rounds of 20.
    runs = [int(n) for n in re.findall(r"\((\d+) runs", captured.err)]
    assert runs and all(3 <= n <= 6 for n in runs), captured.err
    del sys.modules["slowmodel"]


HANGS = """
import time

from sklearn.base import BaseEstimator, ClassifierMixin


class Hangs(ClassifierMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def predict(self, X):
        time.sleep(10000)
"""


@pytest.mark.e2e  # waits out the 30 s a call on the model may take
def test_a_hanging_predict_is_reported_as_hanging_not_as_a_load_timeout(git_project, capsys,
                                                                        monkeypatch):
    (git_project / "hangmodel.py").write_text(HANGS)
    monkeypatch.syspath_prepend(str(git_project))
    import hangmodel

    joblib.dump(hangmodel.Hangs().fit(FRAME), git_project / "model.joblib")
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["hangmodel"]\nload-timeout = 20\n')
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "model.joblib", "--sample", "sample.json"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG407"]
    assert "hangs" in found[0]["message"]
    del sys.modules["hangmodel"]


def test_no_name_hides_a_pickle_not_even_protocol_0_as_csv(git_project, capsys):
    (git_project / "model.csv").write_bytes(b"cos\nsystem\n(S'touch PWNED'\ntR.")
    (git_project / "weights.txt").write_bytes(pickle.dumps({"w": [1.0, 2.0]}, protocol=1))
    (git_project / "notes.txt").write_text("Iris plants dataset\n-------------------\n...\n")
    (git_project / "train.py").write_text("import os\nprint(os.getcwd())\n")
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--only-artifacts", "model.csv", "weights.txt", "notes.txt", "train.py"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [("model.csv", "MLG301")]
    assert not (git_project / "PWNED").exists()


LFS_POINTER = ("version https://git-lfs.github.com/spec/v1\n"
               "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
               "size 12345\n")


def test_one_model_checked_does_not_vouch_for_a_pointer_beside_it(git_project, capsys):
    joblib.dump(model(), git_project / "logreg.joblib")
    (git_project / "svc.joblib").write_text(LFS_POINTER)
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.logreg]\nartifact = "logreg.joblib"\nsample = "sample.json"\n'
        '[tool.mlgate.models.svc]\nartifact = "svc.joblib"\nsample = "sample.json"\n')
    code, report = audit(capsys, "--skip", "lock")
    assert (code, report["verdict"]) == (1, "incomplete")
    pillars = {p["name"]: p for p in report["pillars"]}
    assert pillars["artifact"]["status"] == "not-checked"
    assert "svc.joblib: a Git LFS pointer" in pillars["artifact"]["detail"]
    assert pillars["schema"]["status"] == "not-checked"
    assert "svc (a Git LFS pointer)" in pillars["schema"]["detail"]
    assert "logreg: sample against the model's input" in pillars["schema"]["detail"]


def test_a_second_model_without_a_sample_is_not_skipped_in_silence(git_project, capsys):
    (git_project / "churn").mkdir()
    (git_project / "fraud").mkdir()
    joblib.dump(model(), git_project / "churn" / "model.joblib")
    joblib.dump(model(), git_project / "fraud" / "model.joblib")
    (git_project / "churn" / "sample.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["path"], f["code"]) for f in found] == [
        ("fraud/model.joblib", "MLG411")]
    code, report = audit(capsys, "--skip", "lock")
    pillars = {p["name"]: p for p in report["pillars"]}
    assert (code, report["verdict"]) == (1, "incomplete")
    assert pillars["schema"]["status"] == "not-checked"
    assert "(no sample, no contract)" in pillars["schema"]["detail"]
    assert pillars["latency"]["status"] == "not-checked"


def test_the_schema_detail_says_what_was_compared(git_project, capsys):
    X = np.random.RandomState(0).rand(20, 2)
    joblib.dump(LogisticRegression().fit(X, (X[:, 0] > 0.5).astype(int)),
                git_project / "model.joblib")  # fitted without column names
    (git_project / "api.py").write_text(
        "from pydantic import BaseModel\n\n\nclass Request(BaseModel):\n    features: list\n")
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.m]\nartifact = "model.joblib"\ncontract = "api.py:Request"\n')
    code, report = audit(capsys, "--skip", "lock", "--skip", "latency")
    schema = next(p for p in report["pillars"] if p["name"] == "schema")
    assert (code, report["verdict"]) == (1, "incomplete")
    assert schema["status"] == "not-checked"  # nothing was really compared
    assert ("its contract cannot be compared with a model that has no column names"
            in schema["detail"])


LEGACY = """
import warnings


class Legacy:
    def __init__(self):
        self.weights = [1.0, 2.0]

    def __setstate__(self, state):
        warnings.warn("this model was generated by an older version of legacy; save it again")
        self.__dict__.update(state)
"""


def test_a_load_that_warns_of_another_version_is_reported(git_project, capsys, monkeypatch):
    (git_project / "legacy.py").write_text(LEGACY)
    monkeypatch.syspath_prepend(str(git_project))
    import legacy

    joblib.dump(legacy.Legacy(), git_project / "model.joblib")
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["legacy:Legacy"]\n')
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [("MLG310", "warning")]
    assert "generated by an older version of legacy" in found[0]["message"]
    del sys.modules["legacy"]


def test_a_dictvectorizer_pipeline_takes_request_dicts_and_their_keys_are_compared(
        git_project, capsys):
    # The ML Zoomcamp's `make_pipeline(DictVectorizer(), model)`: served with the request's
    # dicts, its input is the keys the vectorizer was fitted on. It failed without
    # `input = "records"` (a DataFrame), and passed with it whatever the sample's keys.
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.pipeline import make_pipeline

    rows = [{"contract": "monthly", "tenure": 3}, {"contract": "yearly", "tenure": 30}] * 5
    pipeline = make_pipeline(DictVectorizer(), LogisticRegression()).fit(rows, [0, 1] * 5)
    joblib.dump(pipeline, git_project / "model.bin")
    (git_project / "sample.json").write_text(json.dumps({"contract": "monthly", "tenure": 5}))
    table = '[tool.mlgate.models.churn]\nartifact = "model.bin"\nsample = "sample.json"\n'
    (git_project / "pyproject.toml").write_text(table)
    args = ["schema", "--format", "json", "--python", sys.executable, "--no-cache"]
    for config in (table, table + 'input = "records"\n'):
        (git_project / "pyproject.toml").write_text(config)
        (git_project / "sample.json").write_text(json.dumps({"contract": "monthly",
                                                             "tenure": 5}))
        assert main(args) == 0
        assert json.loads(capsys.readouterr().out) == []
        (git_project / "sample.json").write_text(json.dumps({"contract_type": "monthly",
                                                             "tenure": 5}))
        assert main(args) == 1
        found = json.loads(capsys.readouterr().out)
        assert [(f["code"], f["column"]) for f in found] == [("MLG401", "contract")], found


def test_a_model_fitted_on_named_preprocessed_columns_gets_no_extra_column_warnings(
        git_project, capsys):
    """New-user trial round 31: a model fitted on the preprocessor's output as a DataFrame
    (names like oh__proto_tcp) beside that preprocessor: MLG400 said its input was not
    checked, and the same run said the request's own columns were "not a model input"
    (MLG402), which they are, through the preprocessor."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    frame = pd.DataFrame({"proto": ["tcp", "udp", "icmp"] * 10, "bytes": np.arange(30.0)})
    transformer = ColumnTransformer([("oh", OneHotEncoder(sparse_output=False), ["proto"])],
                                    remainder="passthrough").fit(frame)
    features = pd.DataFrame(transformer.transform(frame),
                            columns=transformer.get_feature_names_out())
    joblib.dump(transformer, git_project / "transformer.joblib")
    joblib.dump(LogisticRegression().fit(features, np.arange(30) % 2),
                git_project / "model.joblib")
    (git_project / "sample_request.json").write_text(json.dumps({"proto": "tcp", "bytes": 1}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [
        ("MLG400", "warning")], found


def test_a_model_behind_a_preprocessor_saved_apart_is_not_checked_not_failed(git_project,
                                                                          capsys):
    # transformer.joblib (a ColumnTransformer) and model.joblib (fitted on its output): the
    # serving code transforms, then predicts; the raw request fails the bare model, which
    # says nothing about the service (new-user trial 3: a false FAIL).
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    frame = pd.DataFrame({"proto": ["tcp", "udp", "icmp"] * 10, "bytes": np.arange(30.0)})
    transformer = ColumnTransformer([("oh", OneHotEncoder(), ["proto"])],
                                    remainder="passthrough").fit(frame)
    joblib.dump(transformer, git_project / "transformer.joblib")
    joblib.dump(LogisticRegression().fit(transformer.transform(frame), np.arange(30) % 2),
                git_project / "model.joblib")
    (git_project / "sample_request.json").write_text(json.dumps({"proto": "tcp", "bytes": 1}))
    for check in ("schema", "latency"):
        code = main([check, "--format", "json", "--python", sys.executable, "--no-cache"])
        found = json.loads(capsys.readouterr().out)
        assert code == 0, found
        assert [(f["code"], f["severity"]) for f in found] == [("MLG400", "warning")], found
        assert "a preprocessor was saved beside it (transformer.joblib)" in found[0]["message"]
    code, report = audit(capsys, "--skip", "lock")
    assert (code, report["verdict"]) == (1, "incomplete"), report
    assert statuses(report)["schema"] == statuses(report)["latency"] == "not-checked"
    assert "fitted on what a preprocessor beside it makes: transformer.joblib" in report[
        "pillars"][3]["detail"]
    # one note for the model, not one per pillar (new-user trial: 8 for 4 models)
    assert [f["code"] for f in report["findings"]] == ["MLG400"], report["findings"]
    # A model fitted on the request's own columns is still failed by a renamed one.
    frame["packets"] = frame["bytes"] * 2
    joblib.dump(LogisticRegression().fit(frame[["bytes", "packets"]], np.arange(30) % 2),
                git_project / "model.joblib")
    (git_project / "sample_request.json").write_text(json.dumps({"bytes": 1, "pkts": 2}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and "MLG401" in [f["code"] for f in found], found


def test_a_nameless_model_beside_a_preprocessor_is_not_checked_by_width_alone(git_project,
                                                                            capsys):
    """New-user round 33 (F3): a model fitted on a preprocessor's unnamed output, as wide
    as the raw request, took the raw request by position, and the audit said READY for a
    request the served chain refused (a column the preprocessor needs was renamed)."""
    from sklearn.compose import ColumnTransformer

    frame = pd.DataFrame({"age": np.arange(30.0), "income": np.arange(30.0) % 7})
    transformer = ColumnTransformer([("num", StandardScaler(), ["income", "age"])]).fit(frame)
    joblib.dump(transformer, git_project / "preprocessor.joblib")
    joblib.dump(LogisticRegression().fit(transformer.transform(frame), np.arange(30) % 2),
                git_project / "model.joblib")
    (git_project / "sample_request.json").write_text(json.dumps({"age": 3.0, "incomee": 1}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [
        ("MLG400", "warning")], found
    assert "reached the bare model by position only" in found[0]["message"]
    code, report = audit(capsys, "--skip", "lock")
    assert (code, report["verdict"]) == (1, "incomplete"), report
    assert statuses(report)["schema"] == "not-checked"


def test_a_model_behind_a_dict_vectorizer_is_not_failed_for_its_one_hot_names(git_project,
                                                                           capsys):
    """dv.pkl (a DictVectorizer) and a model fitted on its output, whose numeric columns
    keep the request's names (`age`) beside one-hot ones (`city=a`): the model was taken to
    take the request, and failed 17 times (new-user trial)."""
    from sklearn.feature_extraction import DictVectorizer

    records = [{"age": float(i), "city": "ab"[i % 2]} for i in range(30)]
    vectorizer = DictVectorizer(sparse=False).fit(records)
    frame = pd.DataFrame(vectorizer.transform(records),
                         columns=vectorizer.get_feature_names_out())
    joblib.dump(vectorizer, git_project / "dv.pkl")
    joblib.dump(LogisticRegression().fit(frame, np.arange(30) % 2), git_project / "model.pkl")
    (git_project / "sample_request.json").write_text(json.dumps({"age": 3.0, "city": "a"}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [
        ("MLG400", "warning")], found


def test_versions_of_a_model_name_their_own_preprocessor_and_a_declared_one_is_told(
        git_project, capsys):
    """models/v1 and models/v2 each keep a scaler and a model fitted on its output: each
    model's note names the scaler of its own folder (new-user trial: all four were named).
    Declared with the raw sample, the model fails, and the hint points at the scaler."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    frame = pd.DataFrame({"proto": ["tcp", "udp", "icmp"] * 10, "bytes": np.arange(30.0)})
    for version in ("v1", "v2"):
        folder = git_project / "models" / version
        folder.mkdir(parents=True)
        transformer = ColumnTransformer([("oh", OneHotEncoder(), ["proto"])],
                                        remainder="passthrough").fit(frame)
        joblib.dump(transformer, folder / "scaler.joblib")
        joblib.dump(LogisticRegression().fit(transformer.transform(frame), np.arange(30) % 2),
                    folder / "model.joblib")
    (git_project / "sample_request.json").write_text(json.dumps({"proto": "tcp", "bytes": 1}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    notes = sorted(f["message"] for f in found if f["code"] == "MLG400")
    assert code == 0 and len(notes) == 2, found
    for version, note in zip(("v1", "v2"), notes):
        assert f"saved beside it (models/{version}/scaler.joblib)" in note, note
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.churn]\nartifact = "models/v2/model.joblib"\n'
        'sample = "sample_request.json"\n')
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and found[0]["code"] == "MLG404", found
    assert ("models/v2/scaler.joblib is saved beside the model: if the service applies a"
            " preprocessor first, save both as one Pipeline") in found[0]["hint"], found


def test_a_bundle_is_told_apart_from_a_model(git_project, capsys):
    # a (preprocessor, model) tuple chains, as its serving code uses it; a dict's one model
    # beside data is the model (`pack["model"].predict`); a dict of a model and preprocessors
    # the serving code applies its own way cannot be exercised: not checked, not a failure
    import datetime

    joblib.dump((StandardScaler().fit(FRAME), model()), git_project / "model.bin")
    joblib.dump({"model": model(), "trained_at": datetime.datetime(2025, 5, 1),
                 "features": ["age", "income"], "reference": FRAME.head(3)},
                git_project / "pack.bin")
    joblib.dump({"scaler": StandardScaler().fit(FRAME), "model": model()},
                git_project / "bundle.bin")
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    for artifact in ("model.bin", "pack.bin", "bundle.bin"):
        code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                     "--artifact", artifact, "--sample", "sample.json"])
        found = json.loads(capsys.readouterr().out)
        assert code == 0, (artifact, found)
    assert [(f["code"], f["severity"]) for f in found] == [("MLG400", "warning")]
    assert "the artifact is a dict ('scaler': StandardScaler" in found[0]["message"]
    assert "one scikit-learn Pipeline" in found[0]["message"]
    # The dict's model is really compared: a renamed column fails it.
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2, "incme": 0.4}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "pack.bin", "--sample", "sample.json"])
    assert code == 1 and [f["code"] for f in json.loads(capsys.readouterr().out)] == ["MLG401"]
    # In the audit: the pack passes; the bundle is NOT CHECKED (INCOMPLETE), never FAIL.
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    for artifact, verdict, schema in (("pack.bin", "ready", "pass"),
                                      ("bundle.bin", "incomplete", "not-checked")):
        (git_project / "pyproject.toml").write_text(
            f'[tool.mlgate.models.m]\nartifact = "{artifact}"\nsample = "sample.json"\n')
        code, report = audit(capsys, "--skip", "lock", "--skip", "paths")
        assert (report["verdict"], statuses(report)["schema"]) == (verdict, schema), report


def test_data_saved_beside_the_model_is_named_not_failed(git_project, capsys):
    """A serving folder keeps more than the model: the feature list, statistics for its own
    imputation, encoders. Found by content beside the model, they are data, not models
    without predict (MLG400 made the schema pillar fail where nothing was wrong)."""
    store = git_project / "models_store" / "v1"
    store.mkdir(parents=True)
    joblib.dump(model(), store / "model.pkl")
    joblib.dump(list(FRAME.columns), store / "final_features.pkl")
    joblib.dump({"age": 0.5, "income": 0.4}, store / "imputer_stats.pkl")
    joblib.dump(StandardScaler().fit(FRAME), store / "scaler.pkl")
    (store / "sample_request.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])
    code, report = audit(capsys, "--skip", "lock")
    schema = next(p for p in report["pillars"] if p["name"] == "schema")
    assert (code, report["verdict"], schema["status"]) == (0, "ready", "pass"), report
    assert "data beside them: models_store/v1/final_features.pkl (list)" in schema["detail"]
    assert "imputer_stats.pkl (dict)" in schema["detail"]


def test_a_bundle_that_holds_a_model_is_never_data_beside_another_artifact(git_project,
                                                                           capsys):
    """A dict bundle (model + scaler + feature list) beside another artifact is the model,
    not exercised, never "data saved beside the model" (a trial: the bundle was set aside as
    data and a broken file beside it taken for the model)."""
    joblib.dump({"model": model(), "scaler": StandardScaler().fit(FRAME),
                 "feature_names": list(FRAME.columns)}, git_project / "model.pkl")
    (git_project / "app").mkdir()
    joblib.dump(StandardScaler().fit(FRAME), git_project / "app" / "scaler.joblib")
    code, report = audit(capsys, "--skip", "lock", "--skip", "paths")
    schema = next(p for p in report["pillars"] if p["name"] == "schema")
    assert (code, report["verdict"], schema["status"]) == (1, "incomplete", "not-checked")
    assert "data beside them" not in schema["detail"], schema
    assert "model (not exercised: the artifact is a dict ('model': LogisticRegression" in (
        schema["detail"]), schema


def test_models_of_the_same_name_in_several_folders_are_named_alike(git_project, capsys):
    for version in ("v1", "v2"):
        (git_project / version).mkdir()
        joblib.dump(model(), git_project / version / "model.joblib")
    assert main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [f["message"].split("'")[1] for f in found] == ["v1/model.joblib", "v2/model.joblib"]
    assert all("[tool.mlgate.models.NAME] artifact =" in f["hint"] for f in found), found


def test_a_contract_the_model_cannot_be_compared_with_is_not_passed_in_silence(git_project,
                                                                              capsys):
    """A model fitted on a numpy array has no column names: the hook says the contract was
    not compared, as the audit's NOT CHECKED does."""
    joblib.dump(LogisticRegression().fit(FRAME.to_numpy(), TARGET), git_project / "m.joblib")
    (git_project / "api.py").write_text(
        "from pydantic import BaseModel\n\n\nclass Request(BaseModel):\n    age: float\n")
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "m.joblib", "--contract", "api.py:Request"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [("MLG411", "warning")]
    assert "the contract Request was not compared" in found[0]["message"]


@pytest.mark.parametrize(("named", "body", "codes"), [
    (False, {"data": [[0.2, 0.4]]}, []),
    (False, [[0.2, 0.4], [0.3, 0.1]], []),
    (False, {"data": [[0.2, 0.4, 0.9]]}, ["MLG404"]),
    (True, {"data": [[0.2, 0.4]]}, []),  # in the model's column order, named after it
    (True, {"features": [0.2, 0.4, 0.9]}, ["MLG404"]),
], ids=["data", "rows", "too-wide", "named-model", "named-too-wide"])
def test_bare_rows_are_checked_in_the_models_column_order(git_project, capsys, named, body,
                                                          codes):
    """The body many hand-written APIs take, `{"data": [[...]]}`, is checked by width and
    predicted, instead of refused for carrying no column names."""
    fitted = model() if named else LogisticRegression().fit(FRAME.to_numpy(), TARGET)
    joblib.dump(fitted, git_project / "model.joblib")
    (git_project / "sample_request.json").write_text(json.dumps(body))
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in found if f["severity"] == "error"] == codes, found
    assert code == (1 if codes else 0)


def test_outside_a_git_checkout_the_model_and_its_sample_are_found_once(tmp_path, capsys,
                                                                        monkeypatch):
    # a source archive (`git archive | tar -x`): no .git, the same verdict as in the clone
    monkeypatch.chdir(tmp_path)
    joblib.dump(model(), tmp_path / "model.pkl")
    (tmp_path / "sample_request.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    code, report = audit(capsys, "--skip", "lock")
    pillars = {p["name"]: p for p in report["pillars"]}
    assert pillars["artifact"]["detail"].startswith("model.pkl (LogisticRegression)")
    assert (pillars["schema"]["status"], pillars["latency"]["status"]) == ("pass", "pass")
    assert (code, report["verdict"]) == (0, "ready")


def test_an_unreadable_contract_or_sample_is_named_relative_to_the_project(git_project,
                                                                           capsys):
    """The machine's absolute path leaked into the finding (and code scanning could not
    match it to a file of the repository)."""
    joblib.dump(model(), git_project / "model.joblib")
    (git_project / "schema.json").write_text(json.dumps(
        {"$ref": "#/definitions/a", "definitions": {"a": {"$ref": "#/definitions/a"}}}))
    (git_project / "sample.json").write_text("{not json")
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "model.joblib", "--contract", "schema.json",
                 "--sample", "sample.json"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and sorted(f["path"] for f in found) == ["sample.json", "schema.json"]
    assert str(git_project) not in json.dumps(found), found


def test_a_sample_with_thousands_of_extra_keys_is_read_once_and_summarised(git_project,
                                                                          capsys,
                                                                          monkeypatch):
    """Each extra key's line was looked up by reading the sample again (20,000 keys: 23 s),
    and each was a finding of its own."""
    import builtins

    from mlgate.checks.schema import MAX_EXTRA_FINDINGS

    joblib.dump(model(), git_project / "model.joblib")
    extra = {f"k{i}": 1 for i in range(3000)}
    (git_project / "sample.json").write_text(
        json.dumps({**extra, "age": 0.2, "income": 0.4}, indent=1))
    opened = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):
        if str(file).endswith("sample.json"):
            opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "model.joblib", "--sample", "sample.json"])
    found = json.loads(capsys.readouterr().out)
    # (a model fitted on exactly its columns refuses the request: MLG407, rightly)
    assert code == 1 and len(opened) <= 3, (code, len(opened))
    extra = [f for f in found if f["code"] == "MLG402"]
    assert len(extra) == MAX_EXTRA_FINDINGS + 1 and len(found) == len(extra) + 1, found[-3:]
    assert [f["line"] for f in extra[:2]] == [2, 3]  # each at its own key
    assert extra[-1]["message"].startswith("and 2900 more columns that are not model inputs")


def test_a_model_of_thousands_of_columns_the_sample_lacks_is_summarised(git_project, capsys):
    """Red team round 32: a model of 300,000 named columns and a sample of none of them made
    one MLG401 per column; like MLG402, the first ones and one for the rest."""
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    from mlgate.checks.schema import MAX_EXTRA_FINDINGS

    frame = pd.DataFrame(np.ones((3, 400)), columns=[f"c{i}" for i in range(400)])
    joblib.dump(LinearRegression().fit(frame, [0, 1, 2]), git_project / "model.joblib")
    (git_project / "sample.json").write_text(json.dumps({"other": 1}))
    main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
          "--artifact", "model.joblib", "--sample", "sample.json"])
    missing = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "MLG401"]
    assert len(missing) == MAX_EXTRA_FINDINGS + 1, len(missing)
    assert missing[-1]["message"].startswith("and 300 more columns the model needs")


def test_a_model_that_needs_a_library_the_lock_lacks_fails_the_artifact(git_project,
                                                                       capsys):
    """A bundle with a DataFrame beside a lock that pins scikit-learn only: a service
    installed from the lock cannot unpickle the frame (No module named 'pandas'). What
    the lock brings in (numpy through scikit-learn) is not asked for; the model is still
    exercised (it loads here)."""
    from importlib import metadata

    sklearn_version = metadata.version("scikit-learn")
    joblib.dump({"model": model(), "reference": FRAME.head(3)}, git_project / "model.joblib")
    (git_project / "requirements.txt").write_text(f"scikit-learn=={sklearn_version}\n")
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                 "model.joblib"])
    found = json.loads(capsys.readouterr().out)
    unlocked = [f for f in found if f["code"] == "MLG311"]
    # (pandas 3 keeps strings in pyarrow when it is installed: then the frame needs it too)
    assert code == 1 and [f["package"] for f in unlocked if f["package"] != "pyarrow"] == [
        "pandas"], found
    # (a frame records no pandas version: the installed one is named, with its caveat)
    assert unlocked[0]["hint"] == (
        "add pandas to the lock, at the version the model was pickled with"
        f" ({metadata.version('pandas')} is installed here: it is that one only if MLG306"
        " says nothing of it)")
    code, report = audit(capsys, "--skip", "lock", "--skip", "paths")
    assert statuses(report) == {"paths": "skipped", "lock": "skipped", "artifact": "fail",
                                "schema": "pass", "latency": "pass"}, report
    # pinned (here with what pandas needs), it is no finding
    needs = [f"{name}=={metadata.version(name)}" for name in ("pandas", "numpy",
                                                             "python-dateutil")]
    needs += [f"pyarrow=={metadata.version('pyarrow')}"] if len(unlocked) == 2 else []
    (git_project / "requirements.txt").write_text(
        f"scikit-learn=={sklearn_version}\n" + "\n".join(needs) + "\n")
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                 "model.joblib"])
    found = json.loads(capsys.readouterr().out)
    assert not [f for f in found if f["code"] == "MLG311"], found


def test_every_sample_beside_a_model_is_checked(git_project, capsys):
    """A trial: with sample_request_v0.json (right) and sample_request_v2.json (a renamed
    column) beside the model, only the first was checked and the run passed in silence."""
    joblib.dump(model(), git_project / "model.joblib")
    (git_project / "sample_request_v0.json").write_text(json.dumps({"age": 1, "income": 2}))
    (git_project / "sample_request_v2.json").write_text(json.dumps({"age": 1, "incme": 2}))
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and {(f["path"], f["code"]) for f in found} == {
        ("sample_request_v2.json", "MLG401")}, found
    code, report = audit(capsys, "--skip", "lock", "--skip", "paths")
    schema = next(p for p in report["pillars"] if p["name"] == "schema")
    assert schema["status"] == "fail" and "model [sample_request_v0.json]" in json.dumps(
        report), report


def test_a_pillar_line_stays_one_readable_line(git_project, capsys):
    """A trial: the schema pillar's line ran to 2,093 characters (every model's reason in
    full). The text report cuts it; JSON keeps it whole."""
    joblib.dump({"model": model(), "scaler": StandardScaler().fit(FRAME),
                 "feature_names": list(FRAME.columns)}, git_project / "model.pkl")
    (git_project / "app").mkdir()
    joblib.dump(StandardScaler().fit(FRAME), git_project / "app" / "scaler.joblib")
    subprocess.run(["git", "add", "-A"], check=True)
    main(["audit", "--no-cache", "--python", sys.executable, "--skip", "lock"])
    lines = capsys.readouterr().out.splitlines()
    schema = next(line for line in lines if line.lstrip().startswith("NOT CHECKED  schema"))
    assert len(schema) < 480 and schema.endswith("(--format json has all of it)"), schema
    _, report = audit(capsys, "--skip", "lock")
    assert max(len(p["detail"]) for p in report["pillars"]) > 400, report["pillars"]


def test_the_lock_and_the_artifact_give_one_pin_advice(git_project, capsys):
    """New-user trial round 28: MLG205 said "pin the version you tested:
    scikit-learn==<installed>" and MLG306, in the same run, "pin scikit-learn==<pickled>":
    doing what the first said led straight into the second."""
    import sklearn

    joblib.dump(model(), git_project / "model.joblib")
    data = (git_project / "model.joblib").read_bytes()
    installed = sklearn.__version__.encode()
    older = b"0.0.0"[: len(installed)].ljust(len(installed), b"0")
    (git_project / "model.joblib").write_bytes(data.replace(installed, older))
    (git_project / "requirements.txt").write_text("scikit-learn\n")
    _, report = audit(capsys, "--skip", "schema", "--skip", "latency")
    [unpinned] = [f for f in report["findings"]
                  if f["code"] == "MLG205" and f.get("package") == "scikit-learn"]
    assert f"scikit-learn=={older.decode()} is what model.joblib was pickled with" in \
        unpinned["hint"], unpinned
    assert "MLG306" in {f["code"] for f in report["findings"]}


def test_an_ignored_artifact_error_leaves_the_model_not_checked_not_failed(git_project,
                                                                            capsys):
    """New-user trial round 28b: with ignore = ["MLG303"] (a __main__ class), the audit
    said "PASS artifact (not loaded; fails MLG303)", then failed schema with MLG400 (twice)
    pointing at `mlgate artifact`, which said nothing: a loop with no way out."""
    (git_project / "nb.pkl").write_bytes(b"\x80\x04\x8c\x08__main__\x8c\x05Thing\x93)\x81.")
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2}))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate]\nignore = ["MLG303"]\nrequire = ["artifact", "schema"]\n')
    code, report = audit(capsys, "--skip", "latency")
    pillars = {p["name"]: p for p in report["pillars"]}
    assert pillars["artifact"]["status"] == "pass", pillars
    assert "MLG303 ignored" in pillars["artifact"]["detail"]
    assert "fails" not in pillars["artifact"]["detail"]
    assert pillars["schema"]["status"] == "not-checked", pillars
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [("MLG400", "warning")]
    assert code == 1 and report["verdict"] == "incomplete"


FOUND_API = '''from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Applicant(BaseModel):
    age: float


@app.post("/predict")
def predict(applicant: Applicant):
    return {}
'''


def test_ready_with_warnings_says_so(git_project, capsys):
    """A found (undeclared) contract without some of the model's columns is a warning, since
    the API may derive them: the audit can be READY, but its headline names the pillars that
    warned, and the finding points into the contract, not at its file's first line."""
    joblib.dump(model(), git_project / "model.joblib")
    (git_project / "app.py").write_text(FOUND_API)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    skips = ["--skip", "lock", "--skip", "latency"]
    code, report = audit(capsys, *skips)
    assert (code, report["verdict"], statuses(report)["schema"]) == (0, "ready", "warn")
    assert [(f["code"], f["line"]) for f in report["findings"]] == [("MLG405", 8)]
    assert main(["audit", "--python", sys.executable, "--no-cache", *skips]) == 0
    assert ("READY for deployment (with warnings: schema; skipped: lock, latency)"
            in capsys.readouterr().out)


TEXT_API = '''import joblib
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
model = joblib.load("model.pkl")
vectorizer = joblib.load("vectorizer.pkl")


class Review(BaseModel):
    text: str


@app.post("/predict")
def predict(review: Review):
    return {"label": int(model.predict(vectorizer.transform([review.text]))[0])}
'''


def test_a_model_behind_a_vectorizer_saved_beside_it_says_how_to_get_checked(git_project,
                                                                            capsys):
    """vectorizer.pkl beside model.pkl, the tutorial layout: the contract (a text) cannot be
    compared with a model of no column names. "add a sample" would not help (a text does not
    predict on the bare model): the detail names the preprocessor and the Pipeline."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["good film", "bad film", "good plot", "bad plot"]
    vectorizer = TfidfVectorizer().fit(texts)
    joblib.dump(vectorizer, git_project / "vectorizer.pkl")
    joblib.dump(LogisticRegression().fit(vectorizer.transform(texts), [1, 0, 1, 0]),
                git_project / "model.pkl")
    (git_project / "app.py").write_text(TEXT_API)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, report = audit(capsys, "--skip", "lock")
    assert (code, statuses(report)["schema"]) == (1, "not-checked"), report
    detail = next(p["detail"] for p in report["pillars"] if p["name"] == "schema")
    assert "a preprocessor is saved beside it: vectorizer.pkl" in detail, detail
    assert "make_pipeline(preprocessor, model)" in detail and "add a sample" not in detail


def test_following_the_mlg405_hint_keeps_the_sample(git_project, capsys):
    """The hint says how to declare a found contract; the declaration it gave had no sample,
    and a declared model takes none by convention: following it dropped the sample (the
    latency pillar went NOT CHECKED). The hint's block carries the sample now."""
    import re

    joblib.dump(model(), git_project / "model.joblib")
    (git_project / "app.py").write_text(FOUND_API)
    (git_project / "sample.json").write_text('{"age": 0.3, "income": 0.2}')
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, report = audit(capsys, "--skip", "lock")
    assert (code, statuses(report)["latency"]) == (0, "pass"), report
    hint = next(f["hint"] for f in report["findings"] if f["code"] == "MLG405")
    block = re.search(r"\[tool\.mlgate\.models\.model\] (.*)$", hint).group(1)
    (git_project / "pyproject.toml").write_text(
        "[tool.mlgate.models.model]\n" + block.replace(", ", "\n") + "\n")
    code, report = audit(capsys, "--skip", "lock")
    assert statuses(report)["latency"] == "pass", report
    assert (code, statuses(report)["schema"]) == (1, "fail"), report  # binding now


def test_the_latency_row_names_the_model_that_was_not_timed(git_project, capsys):
    """New-user trial round 29: the latency pillar read "FAIL  xgb p95 1.3 ms <= 500 ms",
    the one model that passed; the model whose sample did not predict was not named."""
    for name, sample in (("churn", {"age": 0.2, "income": 0.4}),
                         ("fraud", {"age": "young", "income": "high"})):
        (git_project / name).mkdir()
        joblib.dump(model(), git_project / name / "model.joblib")
        (git_project / name / "sample.json").write_text(json.dumps(sample))
    code, report = audit(capsys, "--skip", "lock")
    latency = next(p for p in report["pillars"] if p["name"] == "latency")
    assert (code, latency["status"]) == (1, "fail"), report
    assert latency["detail"].startswith(
        "fraud/model.joblib: latency not measured, the sample does not predict;"
        " churn/model.joblib p95 "), latency


@pytest.mark.parametrize("decorator", ["property", "computed_field"])
def test_a_column_the_contract_computes_is_not_missing_from_it(git_project, capsys,
                                                                decorator):
    """New-user trial round 29: a loan API derives `fico_avg` from two request fields with
    a pydantic @property and feeds the frame to the model; MLG405 said the contract lacked
    the model's column (six false alarms). A computed name is a column the API provides."""
    frame = FRAME.assign(ratio=FRAME["age"] / (FRAME["income"] + 1))
    joblib.dump(LogisticRegression().fit(frame, TARGET), git_project / "model.joblib")
    (git_project / "api.py").write_text(
        "from pydantic import BaseModel, computed_field\n\n\n"
        "class Request(BaseModel):\n    age: float\n    income: float\n\n"
        f"    @{decorator}\n    def ratio(self) -> float:\n"
        "        return self.age / (self.income + 1)\n\n"
        "    @property\n    def unused(self) -> int:\n        return 1\n")
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "model.joblib", "--contract", "api.py:Request"])
    found = json.loads(capsys.readouterr().out)
    assert (code, found) == (0, []), found
    (git_project / "api.py").write_text(
        "from pydantic import BaseModel\n\n\nclass Request(BaseModel):\n    age: float\n"
        "    income: float\n")
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "model.joblib", "--contract", "api.py:Request"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [f["code"] for f in found] == ["MLG405"], found


def test_a_model_of_no_column_names_is_said_to_be_predicted_not_compared(git_project,
                                                                         capsys):
    """New-user trial round 31: a Pipeline whose first step records no column names (a
    custom transformer) was "sample against the model's input", as if its columns had been
    compared; only a prediction was made."""
    x = np.random.RandomState(0).rand(20, 2)
    joblib.dump(LogisticRegression().fit(x, np.arange(20) % 2), git_project / "m.joblib")
    (git_project / "sample.json").write_text(json.dumps({"age": 0.2, "income": 0.4}))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.m]\nartifact = "m.joblib"\nsample = "sample.json"\n')
    code, report = audit(capsys, "--skip", "lock")
    pillars = {p["name"]: p for p in report["pillars"]}
    assert code == 0 and pillars["schema"]["status"] == "pass", report
    assert ("m: sample against the model's input (which records no column names: the sample"
            " predicted, its columns not compared by name)") in pillars["schema"]["detail"]


def test_concurrent_readme_writers_take_turns(tmp_path):
    """Reliability round 33: README writes took no lock (the rename kept the file whole,
    but the last writer won). A writer holds an exclusive lock on the README's folder: one
    that starts while another holds it waits, then reads what that one wrote."""
    import fcntl
    import os
    import threading

    from mlgate.audit import START, write_readme

    readme = tmp_path / "README.md"
    readme.write_text("# Project\n")
    held = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)  # another writer, mid-write
    done = threading.Event()
    writer = threading.Thread(target=lambda: (write_readme(str(readme), _section()),
                                              done.set()))
    writer.start()
    assert not done.wait(0.5)  # it waits for the lock...
    readme.write_text("# Project\n\nWritten meanwhile.\n")  # ...while the other one writes
    os.close(held)
    writer.join(60)
    assert done.is_set()
    text = readme.read_text()
    assert "Written meanwhile." in text and START in text, text  # read after the other's


RAW_API = '''from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Loan(BaseModel):
    intent: str
    amount: float


@app.post("/predict")
def predict(loan: Loan):
    return {}
'''


def test_a_found_contract_is_not_compared_with_what_a_vectorizer_beside_it_makes(
        git_project, capsys):
    """New-user trial round 34 (F5): dv.pkl beside model.pkl, the route's body holding the
    raw fields: the body was compared with the model's one-hot columns (`intent=car`), one
    MLG405 warning per column, each hinting a rename. One MLG400 says the input was not
    checked, and how to declare the chain."""
    from sklearn.feature_extraction import DictVectorizer

    rows = [{"intent": i, "amount": float(n)} for n, i in enumerate(["car", "home"] * 5)]
    vectorizer = DictVectorizer(sparse=False).fit(rows)
    joblib.dump(vectorizer, git_project / "dv.pkl")
    onehot = pd.DataFrame(vectorizer.transform(rows), columns=vectorizer.feature_names_)
    joblib.dump(LogisticRegression().fit(onehot, [0, 1] * 5), git_project / "model.pkl")
    (git_project / "app.py").write_text(RAW_API)
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, report = audit(capsys, "--skip", "lock")
    assert (code, statuses(report)["schema"]) == (1, "not-checked"), report
    assert [f["code"] for f in report["findings"]] == ["MLG400"], report["findings"]
    assert "as the contract has it" in report["findings"][0]["message"]


def test_the_readme_artifact_size_counts_the_preprocessors_loaded_with_the_model(
        git_project, capsys):
    # New-user trial round 35 (F6): the size counted model.pkl only, not the declared
    # vectorizer.pkl loaded with it (and bigger than it).
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"word{i} film plot" for i in range(300)]
    vectorizer = TfidfVectorizer().fit(texts)
    joblib.dump(vectorizer, git_project / "vectorizer.pkl")
    joblib.dump(LogisticRegression().fit(vectorizer.transform(texts), [1, 0] * 150),
                git_project / "model.pkl")
    (git_project / "sample.json").write_text(json.dumps({"text": "a good film"}))
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.sentiment]\nartifact = "model.pkl"\n'
        'preprocessors = ["vectorizer.pkl"]\nsample = "sample.json"\n')
    (git_project / "README.md").write_text("# P\n")
    subprocess.run(["git", "add", "-A"], check=True)
    main(["audit", "--python", sys.executable, "--no-cache", "--skip", "lock", "--write-readme"])
    capsys.readouterr()
    sizes = [(git_project / name).stat().st_size for name in ("model.pkl", "vectorizer.pkl")]
    assert sizes[1] > sizes[0]
    assert (f"| artifact size | {sum(sizes) / 1024:.0f} KB (2 files: the model and its"
            " preprocessors) |") in (git_project / "README.md").read_text()


def test_the_readme_takes_only_numbers_from_the_probes_answer(tmp_path):
    # Sandbox round 37: a forged answer's latency `runs` (and a batch's `rows`) went into
    # the README as they came: an <img>, a link and an `<!--` that hid the rest of the
    # section were committed by the user
    from types import SimpleNamespace

    from mlgate.audit import AuditResult, operational_constraints
    from mlgate.config import Config

    forged = "1) | <img src=https://attacker.example/x> [click](https://x) <!--"
    spec = SimpleNamespace(name="m", artifact=str(tmp_path / "m.pkl"), budget_ms=50.0,
                           preprocessors=[])
    model = {"latency": {"p50_ms": 1.0, "p95_ms": "2", "p99_ms": float("nan"), "runs": forged,
                         "batch": {"rows": forged, "ms": None}},
             "_load": {"load_seconds": forged, "max_rss_bytes": [1]}}
    result = AuditResult([], [], {"models": [(spec, model)]}, Config(root=str(tmp_path)))
    section = operational_constraints(result)
    assert "attacker" not in section and "<!--" not in section.replace(
        "<!-- mlgate", "").replace("<!-- /mlgate", ""), section
    assert "| single-row latency p50 / p95 / p99 | 1.00 / 0.00 / 0.00 ms (0 runs) |" in section
