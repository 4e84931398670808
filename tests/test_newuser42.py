"""New-user trial round 42: what a commit ships is what mlgate judges. A `uv.lock` that
`uv sync` wrote and nobody added pinned a tracked pyproject.toml's 15 bare names, so
check-lock passed a commit that ships no lock (hjkornn-phys/simple-ml-server, F2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from envs import install, make_venv
from test_lock_real_layouts import run_lock, summary, write


@pytest.fixture
def project(git_project, monkeypatch):
    for var in ("MLGATE_PYTHON", "UV_PROJECT_ENVIRONMENT", "CONDA_PREFIX", "VIRTUAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    return git_project, make_venv(git_project / ".venv")


def git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


def test_a_lock_git_does_not_track_is_said_and_added_it_passes(project, capsys):
    root, venv = project
    install(venv, "attrs", "24.1.0")
    write(root / "pyproject.toml", """\
        [project]
        name = "svc"
        version = "0.1"
        dependencies = ["attrs"]
        """)
    write(root / "requirements.txt", "attrs==24.1.0\n")
    git("add", "pyproject.toml")
    code, found = run_lock(capsys)
    assert code == 1 and summary(found) == [("requirements.txt", 1, 1, "MLG214", "")], found
    assert "git add requirements.txt" in found[0]["hint"]
    git("add", "-N", "requirements.txt")  # intended, not staged: a commit leaves it out
    code, found = run_lock(capsys)
    assert code == 1 and summary(found) == [("requirements.txt", 1, 1, "MLG214", "")], found
    git("add", "requirements.txt")  # staged is what the commit ships
    assert run_lock(capsys) == (0, [])
    # ignored, it is no lock at all: the bare name is unpinned
    git("rm", "-q", "--cached", "requirements.txt")
    write(root / ".gitignore", "requirements.txt\n.venv/\n")
    code, found = run_lock(capsys)
    assert code == 1 and [f["code"] for f in found] == ["MLG205"], found


def test_a_lock_in_a_folder_nobody_added_is_untracked_too(project, capsys):
    # red team round 42b F5: requirements/prod.txt, its folder never added, passed
    root, venv = project
    install(venv, "attrs", "24.1.0")
    write(root / "app.py", "import attrs\n")
    write(root / "requirements" / "prod.txt", "attrs==24.1.0\n")
    git("add", "app.py")
    code, found = run_lock(capsys)
    assert code == 1 and summary(found) == [("requirements/prod.txt", 1, 1, "MLG214", "")]


def test_a_repository_that_tracks_nothing_yet_is_no_commit(project, capsys):
    root, venv = project
    install(venv, "attrs", "24.1.0")
    write(root / "requirements.txt", "attrs==24.1.0\n")
    assert run_lock(capsys) == (0, [])


def test_missing_scikit_learn_is_blamed_only_for_the_error_it_causes(monkeypatch):
    # DS-app (F3): a renamed column's ValueError from an XGBRegressor was said to need
    # scikit-learn, in an environment where the model predicts without it
    import importlib.util

    from mlgate.probe_script.exercise import _missing_sklearn

    class XGBRegressor:
        def predict(self, rows):
            return rows

    XGBRegressor.__module__ = "xgboost.sklearn"
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sklearn" else real(name, *a))
    predict = XGBRegressor().predict
    assert _missing_sklearn(predict, ValueError("feature_names mismatch")) is None
    cause = _missing_sklearn(predict, AttributeError(
        "'super' object has no attribute 'get_params'"))
    assert cause and "needs scikit-learn" in cause


def _shim(monkeypatch, module, forwards_to):
    # as scikit-learn 0.22's generated deprecated modules are written
    import types

    shim = types.ModuleType(module)
    shim.deprecated_path = module
    setattr(shim, forwards_to.__name__.rpartition(".")[2], forwards_to)
    shim.__getattr__ = lambda name: getattr(forwards_to, name)
    monkeypatch.setitem(sys.modules, module, shim)


def test_a_class_reached_through_scikit_learn_0_22s_deprecated_module_is_its_own(
        monkeypatch):
    # predictive-equipment-failures (F4): a forest pickled before 0.22 names
    # sklearn.ensemble.forest, which 0.22 and 0.23 keep as a shim: pickle.load reads it
    import sklearn.ensemble._forest as forest
    import sklearn.tree._classes as classes
    import sklearn.utils as utils

    from mlgate.probe_script.common import LoadFailure
    from mlgate.probe_script.load import _Resolver

    _shim(monkeypatch, "sklearn.ensemble.forest", forest)
    _shim(monkeypatch, "sklearn.tree.tree", classes)
    resolver = _Resolver(set(), set(), [])
    resolver.verify_sklearn_pair("sklearn.ensemble.forest", "RandomForestClassifier")
    resolver.verify_sklearn_pair("sklearn.tree.tree", "DecisionTreeClassifier")
    # a module that forwards elsewhere than a private module of its package: not a shim
    _shim(monkeypatch, "sklearn.ensemble.weight_boosting", utils)
    with pytest.raises(LoadFailure):
        resolver.verify_sklearn_pair("sklearn.ensemble.weight_boosting", "Bunch")


def test_the_folder_a_check_runs_in_may_be_named(git_project, capsys):
    # F5: `mlgate schema .` in the project said "run it from that project's folder"
    import json

    from mlgate.cli import main

    (git_project / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    for check in ("schema", "latency"):
        for named in (".", str(git_project)):
            code = main([check, "--format", "json", "--python", sys.executable, named])
            out = capsys.readouterr().out
            assert code != 2, out
            assert "is a folder" not in out
    (git_project / "other").mkdir()
    code = main(["schema", "--format", "json", "--python", sys.executable, "other"])
    assert code == 2 and "is a folder" in json.loads(capsys.readouterr().out)["error"][
        "message"]


def test_an_untracked_declared_sample_is_named_once_with_what_to_do(git_project, capsys):
    # F7: "sample: sample_request.json: sample_request.json is not a file git tracks (or one
    # it ignores)"
    import joblib
    from sklearn.linear_model import LogisticRegression

    from mlgate.cli import main

    joblib.dump(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), git_project / "m.joblib")
    (git_project / "sample_request.json").write_text('{"x": 1}')
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.models.m]\nartifact = "m.joblib"\nsample = "sample_request.json"\n')
    git("add", "m.joblib", "pyproject.toml")
    assert main(["schema", "--python", sys.executable]) == 1
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if "MLG400" in x]
    assert line.count("sample_request.json") == 3, line  # its path, the subject, the fix
    assert "not a file git tracks" in line and "`git add sample_request.json`" in line


def test_a_lone_transformer_is_told_which_method_to_declare(git_project, capsys):
    # false-alarm round 42 F5: a project whose one artifact is a fitted PCA read "the model
    # has no method predict()", with no hint
    import json

    import joblib
    import numpy as np
    import pandas as pd
    from sklearn.decomposition import PCA

    from mlgate.cli import main

    frame = pd.DataFrame(np.random.RandomState(0).rand(20, 3), columns=["a", "b", "c"])
    joblib.dump(PCA(2).fit(frame), git_project / "model.joblib")
    (git_project / "sample_request.json").write_text('{"a": 0.1, "b": 0.2, "c": 0.3}')
    git("add", "-A")
    assert main(["schema", "--format", "json", "--no-cache", "--python", sys.executable]) == 1
    [found] = json.loads(capsys.readouterr().out)
    assert found["message"] == "the model has no method predict()"
    assert found["hint"].startswith('it has transform(): declare method = "transform"'), found


@pytest.mark.parametrize(("names", "expected"), [
    (["bedroomcnt", "bathroomcnt"], ["bedroomcnt", "bathroomcnt"]),
    (["f0", "f1"], None), (None, None),
])
def test_an_old_xgboost_wrappers_columns_are_its_boosters(names, expected):
    # F3: XGBoost 0.90's XGBRegressor keeps no feature_names_in_; its Booster keeps the
    # DataFrame's columns, and predict() refuses others
    from mlgate.probe_script.exercise import expected_input

    class Booster:
        feature_names = names

    class XGBRegressor:
        def get_booster(self):
            return Booster()

    XGBRegressor.__module__ = "xgboost.sklearn"
    info = expected_input(XGBRegressor())
    assert info["feature_names_in"] == expected
    assert info["n_features_in"] == (len(expected) if expected else None)


# -- Pipfile.lock's record of its Pipfile (new-user round 41 F1b) -------------------------

HASHES = json.loads((Path(__file__).parent / "lock_fixtures" / "pipfile_hashes.json")
                    .read_text())


def _toml(text: str) -> dict:
    from mlgate.locks.toml_lines import load_toml

    return load_toml(text, "Pipfile", [])


@pytest.mark.parametrize("case", [k for k in HASHES if not k.startswith("_")])
def test_the_pipfile_hash_is_the_one_pipenv_records(case):
    # both of pipenv's ways, as pipenv 2026.10.3 computed them (lock_fixtures): plette's,
    # and the one with package names in their canonical form
    from mlgate.locks.manifest import pipfile_hashes

    found = pipfile_hashes(_toml(HASHES[case]["pipfile"]))
    assert HASHES[case]["plette"] in found and HASHES[case]["pipenv_2026"] in found


def test_a_pipfile_edited_since_its_lock_is_stale_though_every_name_is_locked(project,
                                                                              capsys):
    # Mlops-proj web-service: numpy, which the lock held as another's, made a direct
    # dependency: `pipenv install --deploy` (its Docker build) refused the lock, and mlgate
    # passed
    from mlgate.locks.manifest import pipfile_hashes

    root, venv = project
    install(venv, "attrs", "24.1.0")
    install(venv, "six", "1.16.0")
    pipfile = '[packages]\nattrs = "*"\n'
    [recorded] = pipfile_hashes(_toml(pipfile))
    lock = {"_meta": {"hash": {"sha256": recorded}, "pipfile-spec": 6, "requires": {},
                      "sources": [{"name": "pypi", "url": "https://pypi.org/simple",
                                   "verify_ssl": True}]},
            "default": {"attrs": {"version": "==24.1.0"}, "six": {"version": "==1.16.0"}},
            "develop": {}}
    write(root / "Pipfile", pipfile)
    write(root / "Pipfile.lock", json.dumps(lock, indent=4))
    git("add", "Pipfile", "Pipfile.lock")
    assert run_lock(capsys) == (0, [])
    write(root / "Pipfile", pipfile + 'six = "*"\n')  # locked already, as another's
    code, found = run_lock(capsys)
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [
        ("Pipfile.lock", "MLG208")], found
    assert "`pipenv install --deploy` refuses the lock" in found[0]["message"]


def test_no_environment_for_the_locks_says_which_locks_needed_one(git_project, capsys,
                                                                   monkeypatch):
    # new-user round 41 F3: a monorepo of services, exit 2 "create .venv/ at the repository
    # root", the locks that needed an environment unnamed
    from test_environment_discovery import READ, SYSTEM_PATH

    from mlgate.cli import main

    for name in list(os.environ):  # (as a shell with nothing activated)
        if name.startswith(READ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(git_project))
    monkeypatch.setenv("PATH", SYSTEM_PATH)
    (git_project / "01-intro").mkdir()
    (git_project / "01-intro" / "requirements.txt").write_text("attrs==24.1.0\n")
    git("add", "-A")
    assert main(["lock", "--format", "json"]) == 2
    message = json.loads(capsys.readouterr().out)["error"]["message"]
    assert "cannot find the project's Python environment" in message
    assert "it is what 01-intro/requirements.txt is compared with" in message


def test_a_uv_workspace_member_is_judged_by_its_own_dependencies(project, capsys, monkeypatch):
    # red team round 42b F3: `mlgate lock` run in a member below a root project passed
    # with the member's own dependency not installed
    from test_lock_formats import UV_WORKSPACE

    root, venv = project
    for name, version in (("packaging", "24.2"), ("six", "1.17.0")):
        install(venv, name, version)
    write(root / "uv.lock", UV_WORKSPACE.format(groups="", root='virtual = "."'))
    write(root / "pyproject.toml", """\
        [project]
        name = "svc"
        version = "0.1.0"
        dependencies = ["service", "six"]
        [tool.uv.workspace]
        members = ["packages/*"]
        """)
    for member, needs in (("member", "idna"), ("service", "packaging")):
        write(root / "packages" / member / "pyproject.toml",
              f'[project]\nname = "{member}"\nversion = "0.1.0"\ndependencies = ["{needs}"]\n')
    write(root / ".gitignore", ".venv/\n")
    git("add", "-A")
    code, found = run_lock(capsys)
    assert isinstance(found, list), found
    assert [f["code"] for f in found if f["code"] == "MLG201"] == [], found
    monkeypatch.chdir(root / "packages" / "member")
    code, found = run_lock(capsys)
    assert code == 1 and [(f["code"], f.get("package")) for f in found
                          if f["code"] == "MLG201"] == [("MLG201", "idna")], found
