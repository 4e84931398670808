"""Round 40's acceptance audit of issues #11 and #14: a model linked to a device was said
not to exist by schema and latency (the artifact check refuses it, MLG304), and a sample two
models share, refused, was reported twice in the same words."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

from mlgate.cli import main


def test_a_model_linked_to_a_device_is_said_to_be_no_file_and_each_cause_once(git_project,
                                                                             capsys):
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 0, 1, 0]})
    joblib.dump(LogisticRegression().fit(frame, [0, 1, 0, 1]), git_project / "model.joblib")
    os.symlink("/dev/zero", git_project / "zero.joblib")
    os.symlink("/dev/zero", git_project / "sample_request.json")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["schema", "--format", "json", "--no-cache", "--python", sys.executable])
    found = json.loads(capsys.readouterr().out)
    assert code == 1
    said = [(f["path"], f["code"], f["message"]) for f in found]
    assert len(said) == len(set(said)) == 2, said
    [zero] = [f["message"] for f in found if f["path"] == "zero.joblib"]
    assert "no regular file" in zero and "does not exist" not in zero


def test_a_predict_slow_in_python_is_said_to_be_slow_not_stuck_in_compiled_code(
        git_project, capsys):
    """A chain of nested Pipelines, whose predict() costs scikit-learn 3**depth in Python:
    the probe's alarm at the load-timeout and the kill from outside fired together, and the
    verdict blamed compiled code for what the alarm would have named."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [1.0, 0.0, 1.0, 0.0]})
    chain = Pipeline([("s", StandardScaler()), ("m", LogisticRegression())]).fit(
        frame.to_numpy(), [0, 1, 0, 1])
    for _ in range(16):
        chain = Pipeline([("p", chain)])
    joblib.dump(chain, git_project / "model.joblib")
    (git_project / "pyproject.toml").write_text("[tool.mlgate.artifact]\nload-timeout = 2\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["artifact", "--format", "json", "--no-cache", "--python", sys.executable,
                 "model.joblib"])
    [found] = json.loads(capsys.readouterr().out)
    assert code == 1 and found["code"] == "MLG309"
    # (the alarm names the step it met: the calls, or on a loaded machine the load)
    assert "did not finish within" in found["message"] and " 2 s" in found["message"]
    assert "compiled code" not in found["message"]


def test_the_lock_hint_names_the_version_the_model_was_pickled_with(git_project, capsys):
    """New-user trial round 40 (F5): MLG311's hint named the installed version ("add
    xgboost==3.4.1") beside MLG306's "pickled with 3.0.5". A version the pickle records is
    the one to lock."""
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 0, 1, 0]})
    model = LogisticRegression().fit(frame, [0, 1, 0, 1])
    data = joblib.dump(model, git_project / "model.joblib")
    raw = (git_project / "model.joblib").read_bytes()
    import sklearn

    older = "0." + sklearn.__version__[2:]  # as long: the pickle's text length
    forged = raw.replace(sklearn.__version__.encode(), older.encode())  # as it writes it
    assert forged != raw and data
    (git_project / "model.joblib").write_bytes(forged)
    (git_project / "requirements.txt").write_text("joblib\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    main(["artifact", "--format", "json", "--no-cache", "--python", sys.executable,
          "--no-load", "model.joblib"])
    found = json.loads(capsys.readouterr().out)
    [unlocked] = [f for f in found
                  if f["code"] == "MLG311" and f.get("package") == "scikit-learn"]
    assert unlocked["hint"] == (f"add scikit-learn=={older} to the lock (the version it was"
                                " pickled with)"), found
    # F4: what else it needs may be the other environment's only (pyarrow for a frame of
    # pandas 3): re-saving it comes first
    [numpy] = [f for f in found if f["code"] == "MLG311" and f.get("package") == "numpy"]
    assert numpy["hint"].startswith("first, re-save the model with the project's"
                                    " scikit-learn (MLG306"), numpy


def test_a_folder_named_to_a_check_of_the_project_is_refused_not_ignored(git_project,
                                                                           capsys):
    """New-user trial round 40 (F3): `mlgate schema ../cw` checked the current folder's
    model (exit 0, for a project the user did not name), `mlgate lock ../cw` judged cw's
    lock against this folder's environment, and `mlgate artifact ../cw/model.pkl` spoke of a
    symlink there was not."""
    elsewhere = git_project / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "model.pkl").write_bytes(b"\x80\x04K\x01.")
    (git_project / "repo" / "other").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=git_project / "repo", check=True)
    os.chdir(git_project / "repo")
    # (lock takes a folder of its repository: the locks found in it; not another's)
    for check, folder in (("schema", "other"), ("latency", "other"), ("lock", "../elsewhere")):
        code = main([check, "--format", "json", "--python", sys.executable, folder])
        error = json.loads(capsys.readouterr().out)["error"]
        assert code == 2 and error["message"].startswith(
            f"{folder} is a folder: mlgate {check} judges the project it runs in"), error
        assert f"`mlgate audit {folder}`" in error["message"]
    code = main(["artifact", "--format", "json", "--no-cache", "--python", sys.executable,
                 "../elsewhere/model.pkl"])
    [found] = json.loads(capsys.readouterr().out)
    assert found["code"] == "MLG304" and "symlink" not in found["message"]
    assert "outside the repository mlgate runs in" in found["message"]


def test_a_relative_python_is_read_from_where_mlgate_was_started(git_project, capsys):
    """New-user trial round 40 (F7): `mlgate env Predicto --python Predicto/Demo/.venv/bin/
    python` was "not an executable Python": the path was read from the project's folder,
    where the command had moved."""
    (git_project / "proj").mkdir()
    subprocess.run(["git", "init", "-q"], cwd=git_project / "proj", check=True)
    relative = os.path.relpath(sys.executable, git_project)
    assert os.sep in relative
    for command in (["env", "proj"], ["audit", "proj", "--skip", "lock", "--skip", "paths"]):
        code = main([*command, "--format", "json", "--python", relative])
        out = json.loads(capsys.readouterr().out)
        assert "error" not in out, out
        assert code in (0, 1)


def test_a_model_left_out_by_exclude_is_said_to_be_excluded_not_missing(git_project, capsys):
    """New-user trial round 40 (F9): after `exclude = ["xgb_model.pkl"]` (a hint's escape
    hatch for a model that carries code), the audit said "no model artifact found ...:
    commit the model", of a model that is committed."""
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 0, 1, 0]})
    joblib.dump(LogisticRegression().fit(frame, [0, 1, 0, 1]), git_project / "model.joblib")
    (git_project / "pyproject.toml").write_text('[tool.mlgate]\nexclude = ["model.joblib"]\n')
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    main(["audit", "--format", "json", "--python", sys.executable, "--no-cache"])
    report = json.loads(capsys.readouterr().out)
    [artifact] = [p for p in report["pillars"] if p["name"] == "artifact"]
    assert artifact["status"] == "not-checked" and artifact["detail"].startswith(
        "no model artifact to check: model.joblib is excluded by [tool.mlgate] exclude"), artifact


def test_a_tuple_whose_parts_the_service_applies_its_own_way_is_not_checked(git_project,
                                                                            capsys):
    """New-user trial round 40b (F1): `(scaler, dv, model)` saved in a tuple, served as
    scaler on three fields, then the DictVectorizer, then the model: chained in pickle
    order, the scaler refused the request, and two working services were FAIL (MLG407).
    A part before the model that refuses is NOT CHECKED (MLG400 warning), not failed."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.preprocessing import StandardScaler

    frame = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [4.0, 3, 2, 1], "city": list("xyxy")})
    scaler = StandardScaler().fit(frame[["a", "b"]])
    rows = frame.copy()
    rows[["a", "b"]] = scaler.transform(frame[["a", "b"]])
    vectorizer = DictVectorizer(sparse=False).fit(rows.to_dict("records"))
    model = LogisticRegression().fit(vectorizer.transform(rows.to_dict("records")),
                                     [0, 1, 0, 1])
    joblib.dump((scaler, vectorizer, model), git_project / "model.bin")
    (git_project / "sample_request.json").write_text('{"a": 1.0, "b": 2.0, "city": "x"}')
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code = main(["schema", "--format", "json", "--no-cache", "--python", sys.executable])
    found = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["code"], f["severity"]) for f in found] == [
        ("MLG400", "warning")], found
    assert "do not take the sample in the order they were saved" in found[0]["message"]
