"""Round 46: new-user trials 44-46, false-alarm round 46 and red team 46 on what they found."""

from __future__ import annotations

import json
import subprocess
import sys

import joblib
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from test_round45 import SERVED_LAYOUTS as LAYOUTS_45

import mlgate.probe
from mlgate.cli import main

FRAME = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})


def test_audit_without_the_cache_loads_each_model_once(git_project, capsys, monkeypatch):
    """F9: `mlgate audit --no-cache -v` said "loads as" twice, with two timings: the artifact
    pillar loaded the model, then schema and latency loaded it again, since the answer the
    later asks were to find was kept in no cache at all."""
    joblib.dump(LogisticRegression().fit(FRAME, [0, 1, 0, 1]), git_project / "model.joblib")
    (git_project / "sample_request.json").write_text('{"x": 0.9}\n')
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate]\nrequire = ["artifact", "schema", "latency"]\n')
    subprocess.run(["git", "add", "-A"], check=True)
    started: list[str] = []
    real = mlgate.probe.PendingProbe.__init__

    def counting(self, python, command, *args, **kwargs):
        started.append(command)
        real(self, python, command, *args, **kwargs)

    monkeypatch.setattr(mlgate.probe.PendingProbe, "__init__", counting)
    code = main(["audit", "--format", "json", "--python", sys.executable, "--no-cache", "-v"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    states = {p["name"]: p["status"] for p in report["pillars"]}
    assert (states["artifact"], states["schema"], states["latency"]) == ("pass",) * 3, report
    assert started.count("load-artifact") == 1, started
    assert captured.err.count("model.joblib loads as") == 1, captured.err
    assert code in (0, 1)


def test_the_lock_alone_points_at_the_pickled_version_too(git_project, capsys):
    """F8: `mlgate lock` said "pin the version you tested: scikit-learn==<installed>", and
    the artifact check, next, that the model needs the version it was pickled with."""
    (git_project / "requirements.txt").write_text("scikit-learn\njoblib\n")
    code = main(["lock", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    hints = {f["package"]: f["hint"] for f in found if f["code"] == "MLG205"}
    assert code == 1 and "pickled with another scikit-learn" in hints["scikit-learn"], found
    assert "MLG306" in hints["scikit-learn"] and "MLG306" not in hints["joblib"], found


# ------------- served paths the evaluator did not follow (red team 45's four left)
SERVED_LAYOUTS = {
    "argparse default": {
        "serve.py": "import argparse, joblib\nfrom flask import Flask\n"
                    "parser = argparse.ArgumentParser()\n"
                    "parser.add_argument('--model-path', default='models/model_v2.joblib')\n"
                    "args = parser.parse_args()\n"
                    "model = joblib.load(args.model_path)\n"},
    "pandas read_pickle": {
        "app.py": "import pandas as pd\nfrom fastapi import FastAPI\n"
                  "model = pd.read_pickle('models/model_v2.joblib')\n"},
    "os.path.join of a starred list": {
        "app.py": "import os, joblib\nfrom fastapi import FastAPI\n"
                  "PARTS = ['models', 'model_v2.joblib']\n"
                  "model = joblib.load(os.path.join(*PARTS))\n"},
    "a JSON config's key": {
        "config.json": '{"paths": {"model": "models/model_v2.joblib"}, "port": 8000}\n',
        "app.py": "import json, joblib\nfrom fastapi import FastAPI\n"
                  "with open('config.json') as f:\n"
                  "    CFG = json.load(f)\n"
                  "model = joblib.load(CFG['paths']['model'])\n"},
    "a YAML config read in a function": {
        "configs/serve.yaml": "# serving\nmodel:\n  name: churn\n"
                              "  path: 'models/model_v2.joblib'  # the latest\n"
                              "features:\n  - age\n  - income\n",
        "serve/predictor.py": "import yaml, joblib\nfrom pathlib import Path\n"
                              "from flask import Flask\n"
                              "def load(config='configs/serve.yaml'):\n"
                              "    cfg = yaml.safe_load(Path(config).read_text())\n"
                              "    return joblib.load(cfg['model'].get('path', 'x.joblib'))\n"},
    "the newest of a folder, found by a helper": {
        "src/api/app.py": "from pathlib import Path\nimport joblib\nfrom fastapi import FastAPI\n"
                          "def find_latest_model(models_dir: str = 'models'):\n"
                          "    p = Path(models_dir)\n"
                          "    found = sorted(p.glob('*.joblib'), key=lambda x: x.stat().st_mtime,"
                          " reverse=True)\n"
                          "    return found[0] if found else None\n"
                          "def load_model():\n"
                          "    return joblib.load(find_latest_model())\n"},
    "a path a helper of another module returns": {
        "app/paths.py": "def model_path():\n    return 'models/model_v2.joblib'\n",
        "app/main.py": "import joblib\nfrom fastapi import FastAPI\nfrom app import paths\n"
                       "from app.paths import model_path\n"
                       "a = joblib.load(model_path())\nb = joblib.load(paths.model_path())\n"},
    "a method's return": {
        "service.py": "import joblib\nimport streamlit as st\n"
                      "class Model:\n"
                      "    def path(self):\n        return 'models/model_v2.joblib'\n"
                      "    def load(self):\n        return joblib.load(self.path())\n"},
    "a TOML config": {
        "settings.toml": '[model]\npath = "models/model_v2.joblib"\n',
        "app.py": "import tomllib, joblib\nimport streamlit as st\n"
                  "CFG = tomllib.load(open('settings.toml', 'rb'))\n"
                  "model = joblib.load(CFG['model']['path'])\n"},
}


@pytest.mark.parametrize("layout", sorted(SERVED_LAYOUTS))
def test_a_served_path_is_followed_through_more_spellings(git_project, layout):
    from test_round45 import served_loads

    found = served_loads(git_project, SERVED_LAYOUTS[layout])
    assert found == {"models/model_v2.joblib"}, found


def test_a_config_document_the_repository_does_not_list_is_not_read(git_project):
    """Only files git lists are read: an ignored (or absent) config names nothing."""
    from test_round45 import served_loads

    layout = dict(SERVED_LAYOUTS["a JSON config's key"])
    (git_project / ".git" / "info").mkdir(parents=True, exist_ok=True)
    (git_project / ".git" / "info" / "exclude").write_text("config.json\n")
    assert served_loads(git_project, layout) == set()


YAML_DOCUMENTS = [
    "model:\n  path: models/m.joblib\n  version: '3'\nserver:\n  host: 0.0.0.0\n",
    "# c\n---\npaths:\n    model: \"a b/m.pkl\"   # x\n    data: data/x.csv\nname: y\n",
    "a:\n  b:\n    c: deep.pkl\n  d: e.pkl\nf: g.pkl\nlist:\n  - 1\n  - 2\nh: i.pkl\n",
]


@pytest.mark.parametrize("text", YAML_DOCUMENTS)
def test_the_yaml_reader_agrees_with_pyyaml_on_what_it_reads(text):
    """Differential: every text value the hand-written reader gives is PyYAML's."""
    yaml = pytest.importorskip("yaml")
    from mlgate.artifacts.served_paths import _yaml_mapping

    def leaves(tree, trail=()):
        for key, value in tree.items():
            if isinstance(value, dict):
                yield from leaves(value, (*trail, key))
            else:
                yield (*trail, key), value

    ours, theirs = _yaml_mapping(text), yaml.safe_load(text)
    read = list(leaves(ours))
    assert len(read) >= 3
    for trail, value in read:
        expected = theirs
        for key in trail:
            expected = expected[key]
        assert str(expected) == value, (trail, value, expected)


def test_a_model_saved_before_its_vectorizer_is_exercised_as_served(git_project, capsys):
    """New-user trial 44 F3: `pickle.dump((model, dv), f)`, served as `model, dv =
    pickle.load(f); model.predict(dv.transform([request]))`, was "a tuple, not a model with
    predict()": never checked, whatever the sample, and no setting could change that."""
    import pickle

    from sklearn.feature_extraction import DictVectorizer

    rows = [{"city": c, "n": float(i)} for i, c in enumerate("abab")]
    dv = DictVectorizer(sparse=False)
    model = LogisticRegression().fit(dv.fit_transform(rows), [0, 1, 0, 1])
    with open(git_project / "model.pkl", "wb") as handle:
        pickle.dump((model, dv), handle)
    (git_project / "good.json").write_text('{"n": 1.5, "city": "a"}\n')
    (git_project / "bad.json").write_text('{"count": 1.5, "city": "a"}\n')
    common = ["schema", "--format", "json", "--python", sys.executable, "--no-cache",
              "--artifact", "model.pkl", "--sample"]
    assert main([*common, "good.json"]) == 0, capsys.readouterr().out
    assert json.loads(capsys.readouterr().out) == []
    assert main([*common, "bad.json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert sorted(f["code"] for f in found) == ["MLG401", "MLG402"], found


def test_a_main_class_the_project_defines_says_where_it_lives(git_project, capsys):
    """New-user trial 44 F4: MLG303 said a `__main__` pickle "cannot be loaded anywhere
    else" and to move the classes into a module, while src/custom_transformers.py already
    defined them (the app imported them from there, so it loaded under Streamlit)."""
    (git_project / "nb.pkl").write_bytes(b"\x80\x04\x8c\x08__main__\x8c\x05Thing\x93)\x81.")
    (git_project / "src").mkdir()
    (git_project / "src" / "custom_transformers.py").write_text("class Thing:\n    pass\n")
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                 "nb.pkl"])
    [found] = json.loads(capsys.readouterr().out)
    assert (code, found["code"]) == (1, "MLG303"), found
    assert "loads only where __main__ defines Thing" in found["message"], found
    assert found["hint"].startswith("src/custom_transformers.py defines Thing: pickle again"
                                    " after `from src.custom_transformers import Thing`"), found


def test_a_sub_projects_lock_says_how_to_check_it_as_its_own(git_project, capsys):
    """New-user trial 44 F1: backend/poetry.lock (beside backend/pyproject.toml, its own
    Poetry project) was compared with the root's environment: MLG202 "reinstall from the
    lock", which would have broken the root's environment; nothing said what to do."""
    (git_project / "pyproject.toml").write_text("[tool.mlgate]\n")
    (git_project / "backend").mkdir()
    (git_project / "backend" / "pyproject.toml").write_text('[project]\nname = "backend"\n')
    (git_project / "backend" / "requirements.txt").write_text("mlgate-absent-package==1.0\n")
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["lock", "--format", "json", "--python", sys.executable, "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    [missing] = [f for f in found if f["code"] == "MLG201"]
    assert code == 1 and missing["path"] == "backend/requirements.txt", found
    assert "add an empty [tool.mlgate] table to backend/pyproject.toml" in missing["hint"]


def test_a_served_path_scan_that_runs_out_of_work_says_so(git_project, capsys, monkeypatch):
    """A scan cut short by its work budget was a silent pass: the load its names lead to
    was compared with nothing, and nothing said so."""
    from test_round45 import served_loads

    import mlgate.artifacts.served_paths as served_paths

    monkeypatch.setattr(served_paths, "BUDGET", 3)
    layout = {"app.py": "import joblib\nfrom fastapi import FastAPI\n"
                        "A = 'models'\nB = A + '/model_v2.joblib'\nC = B\nD = C\n"
                        "model = joblib.load(D)\n"}
    assert served_loads(git_project, layout) == set()
    assert "model paths were not all followed" in capsys.readouterr().err
    monkeypatch.setattr(served_paths, "BUDGET", 200_000)
    (git_project / "app.py").write_text(layout["app.py"])
    from mlgate.artifacts.served import served_findings

    found = served_findings(["models/model.joblib"])
    assert {f.extra["loads"] for f in found} == {"models/model_v2.joblib"}, found
    assert "not all followed" not in capsys.readouterr().err


def test_a_coo_matrix_of_scipy_before_1_8_passes(git_project, capsys):
    """False-alarm round 46 F5: scipy < 1.8 pickles a coo_matrix under scipy.sparse.coo (the
    user-item matrix of a recommender), which the allow-list named only for csr and csc."""
    import pickle

    import numpy as np
    import scipy.sparse as sp

    matrix = sp.coo_matrix((np.ones(4), (np.array([0, 1, 2, 2]), np.array([3, 1, 0, 2]))),
                           shape=(3, 4))
    data = pickle.dumps({"user_item": matrix, "n_users": 3}, protocol=2)
    assert b"scipy.sparse._coo\n" in data
    (git_project / "interactions.pkl").write_bytes(
        data.replace(b"scipy.sparse._coo\n", b"scipy.sparse.coo\n"))
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "--no-cache",
                 "interactions.pkl"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])


def test_a_pytz_fixed_offset_of_pandas_1_passes_the_scan(git_project, capsys):
    """False-alarm round 46 F1: pandas 1.x parses "2021-01-01T08:00:00+02:00" into a
    `pytz.FixedOffset(120)`, pickled as that call: MLG301 and MLG302 for an event log.
    (The scan only: loading it needs pytz, which pandas 3 no longer brings.)"""
    from pathlib import Path

    name = "pandas1_5_3-numpy1_24_4-py311-fixed-offset.joblib"
    data = (Path(__file__).parent / "artifact_fixtures" / "old_pandas" / name).read_bytes()
    assert b"FixedOffset" in data
    (git_project / "events.joblib").write_bytes(data)
    subprocess.run(["git", "add", "-A"], check=True)
    command = ["artifact", "--format", "json", "--no-cache", "--no-load", "--python",
               sys.executable, "events.joblib"]
    main(command)
    found = {f["code"] for f in json.loads(capsys.readouterr().out)}
    # (numpy 1.x's module names, and pytz where pandas 3 did not bring it: said, not refused)
    assert found <= {"MLG306", "MLG307"}, found
    # an offset of a day or more is none pytz makes
    (git_project / "events.joblib").write_bytes(b"\x80\x02cpytz\nFixedOffset\nM\xa0\x05\x85R.")
    assert main(command) == 1
    assert json.loads(capsys.readouterr().out)[0]["code"] == "MLG302"


def test_an_installed_module_that_is_not_python_3_breaks_the_service(git_project, capsys):
    """New-user trial 46 F1: the lock pinned `jose` 1.0.0, a Python 2 module, where the code
    meant python-jose; `from jose import jwt` fails with SyntaxError at start, and MLG213
    skipped a module it could not parse: READY for a service that does not start."""
    from envs import install, make_venv, site_packages

    venv = make_venv(git_project / ".venv")
    (git_project / ".gitignore").write_text(".venv/\n")
    install(venv, "jose", "1.0.0", record=["jose.py"])
    install(venv, "goodpkg", "1.0", record=["goodpkg.py"])
    site = site_packages(venv)
    (site / "jose.py").write_text("def sign(x):\n    print 'signing', x\n")
    (site / "goodpkg.py").write_text("def helper():\n    return 1\n")
    (git_project / "requirements.txt").write_text("jose==1.0.0\ngoodpkg==1.0\n")
    (git_project / "app.py").write_text(
        "import streamlit as st\nfrom jose import jwt\nfrom goodpkg import helper\n")
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["lock", "--format", "json", "--no-cache"])
    found = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "MLG213"]
    assert code == 1 and [(f["line"], f["severity"]) for f in found] == [(2, "error")], found
    assert "cannot parse" in found[0]["message"] and "SyntaxError" in found[0]["message"]


def test_contract_import_runs_from_the_folder_the_service_runs_in(git_project, capsys):
    """New-user trial 46 F4: a route module that loads `app/models/model.joblib` when it is
    imported (as most do) failed to import from the probe's own folder: MLG400, an error on
    a working service."""
    pytest.importorskip("pydantic")
    (git_project / "app" / "models").mkdir(parents=True)
    (git_project / "app" / "api").mkdir()
    for package in ("app", "app/api"):
        (git_project / package / "__init__.py").write_text("")
    joblib.dump(LogisticRegression().fit(FRAME, [0, 1, 0, 1]),
                git_project / "app" / "models" / "model.joblib")
    (git_project / "app" / "api" / "routes.py").write_text(
        "import joblib\nfrom pydantic import BaseModel\n"
        "MODEL = joblib.load('app/models/model.joblib')\n"
        "class Request(BaseModel):\n    x: float\n")
    (git_project / "sample.json").write_text('{"x": 0.5}\n')
    subprocess.run(["git", "add", "-A"], check=True)
    code = main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
                 "--artifact", "app/models/model.joblib", "--sample", "sample.json",
                 "--contract", "app/api/routes.py:Request", "--contract-import"])
    assert (code, json.loads(capsys.readouterr().out)) == (0, [])


def test_pandas_1_0_categorical_codes_are_checked_not_a_crash():
    """False-alarm round 46 F4: pandas 1.0 keeps a Categorical's codes as `_codes` (no
    `_ndarray`): the post-load check raised AttributeError, reported as "the model is
    inconsistent ... do not serve this file" for every categorical column."""
    import types
    from pathlib import Path

    import numpy as np

    sys.path.insert(0, str(Path(__file__).parent.parent / "hooks"))
    try:
        from probe_script.ecosystem import structure_problem
    finally:
        sys.path.pop(0)

    def categorical(codes):
        class Categorical:
            dtype = types.SimpleNamespace(categories=["a", "b"])

            def __init__(self) -> None:
                self._codes = codes

        Categorical.__module__ = "pandas.core.arrays.categorical"
        return Categorical()

    assert structure_problem(categorical(np.array([0, 1, 0], dtype="i1"))) is None
    assert structure_problem(categorical(np.array([0, 5], dtype="i1"))) == (
        "Categorical: a code outside its categories")
    assert structure_problem(categorical([0, 1])) == "Categorical: its codes are not an array"


def test_a_model_beside_an_encoder_of_part_of_its_columns_is_not_checked_not_failed(
        git_project, capsys):
    """New-user trial 46 F3 (the Udacity census service): encoder.pkl one-hot encodes the
    text columns, stacked beside the numeric ones for model.pkl (108 columns = 6 + 102).
    Only a preprocessor of exactly the model's width counted as its feeder, so the API's
    real request was MLG404 and MLG502 errors: FAIL for a service that answers 200."""
    import numpy as np
    from sklearn.preprocessing import OneHotEncoder
    from test_round45 import audit, pillar

    frame = pd.DataFrame({"age": [30, 40, 50, 60], "hours": [20, 40, 45, 50],
                          "work": ["a", "b", "a", "c"], "edu": ["x", "y", "y", "x"]})
    encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(
        frame[["work", "edu"]])
    matrix = np.hstack([frame[["age", "hours"]].to_numpy(), encoder.transform(
        frame[["work", "edu"]])])
    (git_project / "model").mkdir()
    joblib.dump(encoder, git_project / "model" / "encoder.pkl")
    joblib.dump(LogisticRegression().fit(matrix, [0, 1, 0, 1]),
                git_project / "model" / "model.pkl")
    (git_project / "model" / "sample_request.json").write_text(
        '{"age": 35, "hours": 40, "work": "a", "edu": "x"}\n')
    subprocess.run(["git", "add", "-A"], check=True)
    code, report = audit(capsys, "--skip", "lock")
    assert code == 1 and pillar(report, "schema")["status"] == "not-checked", report
    assert "fitted on what a preprocessor beside it makes" in pillar(report, "schema")[
        "detail"], report
    assert not [f for f in report["findings"] if f["severity"] == "error"], report


def test_a_date_offset_passes_with_no_snippet_at_all(git_project, capsys):
    """False-alarm round 46 F2: `pd.DateOffset(months=1)` was refused, and its snippet
    lacked the dateutil `relativedelta` it holds. Round 47 vets both (test_round47)."""
    pytest.importorskip("dateutil")
    joblib.dump({"horizon": pd.DateOffset(months=1)}, git_project / "config.joblib")
    subprocess.run(["git", "add", "-A"], check=True)
    command = ["artifact", "--python", sys.executable, "--no-cache", "config.joblib"]
    assert main(command) == 0, capsys.readouterr().out


# ------------- red team 46: what the new spellings must not take for the served model
NOT_THE_SERVED_MODEL = {
    "a path helper's other callers": {
        "app.py": "import os, joblib\nfrom fastapi import FastAPI\nDIR = 'models'\n"
                  "def artifact(name):\n    return os.path.join(DIR, name)\n"
                  "model = joblib.load(artifact('model.joblib'))\n"
                  "backup = artifact('model_v2.joblib')\n"},
    "a settings field named like another script's option": {
        # (round 45's settings layout, without the .env that names model_v2)
        **{name: text for name, text in LAYOUTS_45["settings field and .env"].items()
           if name != ".env"},
        "batch_predict.py": "import argparse\nparser = argparse.ArgumentParser()\n"
                            "parser.add_argument('--model-path',"
                            " default='models/model_v2.joblib')\n"
                            "args = parser.parse_args()\nprint(args.model_path)\n"},
    "a YAML block of text that reads like a key": {
        "config.yaml": "model_path: models/model.joblib\nnotes: |\n"
                       "  model_path: models/model_v2.joblib was used before May\n",
        "app.py": "import yaml, joblib\nfrom fastapi import FastAPI\n"
                  "CFG = yaml.safe_load(open('config.yaml'))\n"
                  "model = joblib.load(CFG['model_path'])\n"},
}


@pytest.mark.parametrize("layout", sorted(NOT_THE_SERVED_MODEL))
def test_what_only_looks_like_the_served_path_is_not_reported(git_project, layout):
    from test_round45 import served_loads

    assert served_loads(git_project, NOT_THE_SERVED_MODEL[layout]) == set()


def test_a_config_read_through_a_linked_folder_is_not_read(git_project, tmp_path_factory):
    """Red team 46 F5: git lists conf/settings.json, and the work tree's conf/ is a link out
    of the repository: the file read would be another one."""
    from test_round45 import served_loads

    from mlgate.artifacts.served import served_findings

    outside = tmp_path_factory.mktemp("outside")
    (outside / "settings.json").write_text('{"model": "models/model_v2.joblib"}\n')
    app = ("import json, joblib\nfrom fastapi import FastAPI\n"
           "CFG = json.load(open('conf/settings.json'))\nmodel = joblib.load(CFG['model'])\n")
    assert served_loads(git_project, {"app.py": app, "conf/settings.json": (
        '{"model": "models/model.joblib"}\n')}) == set()
    (git_project / "conf" / "settings.json").unlink()  # (git still lists it)
    (git_project / "conf").rmdir()
    (git_project / "conf").symlink_to(outside, target_is_directory=True)
    assert served_findings(["models/model.joblib"]) == []


def test_a_toml_key_of_thousands_of_parts_is_refused_at_once():
    """Red team 46 F1: tomllib builds a dotted key's tables in memory quadratic in its parts
    (10,000 parts: 406 MB); a 1 MiB config of one key exhausted the machine. Counted, not
    timed: the guard refuses before the parser runs."""
    import mlgate.toml_read as toml_read

    real = __import__("tomllib" if sys.version_info >= (3, 11) else "tomli").loads
    with pytest.raises(toml_read.TomlError, match="more than 64 parts"):
        toml_read.loads("a" + ".a" * 250_000 + " = 1\n")
    assert toml_read.loads("a" + ".a" * 60 + " = 1\n") == real("a" + ".a" * 60 + " = 1\n")


def test_a_missing_alias_is_said_in_words(git_project, capsys):
    """New-user trial 46 F14: "the contract InferenceRequest has no such aliase"."""
    pytest.importorskip("pydantic")
    joblib.dump(LogisticRegression().fit(pd.DataFrame({"x": [0.0, 1, 2, 3], "y": [1.0, 0, 1, 0]}),
                                         [0, 1, 0, 1]), git_project / "model.joblib")
    (git_project / "api.py").write_text(
        "from pydantic import BaseModel, Field\n"
        "class Request(BaseModel):\n    x: float = Field(alias='X')\n")
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.schema]\ncontract-names = "aliases"\n')
    subprocess.run(["git", "add", "-A"], check=True)
    main(["schema", "--format", "json", "--python", sys.executable, "--no-cache",
          "--artifact", "model.joblib", "--contract", "api.py:Request"])
    messages = [f["message"] for f in json.loads(capsys.readouterr().out)
                if f["code"] == "MLG405"]
    assert any(m.endswith("has no such alias") for m in messages), messages
