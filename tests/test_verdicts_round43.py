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

OURS = f"{sys.version_info[0]}.{sys.version_info[1]}"  # (a Dockerfile for another is MLG209)


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


# ------------------------------------------------------------------ locks (red team 43 F2, F3)
@pytest.fixture
def service(project, monkeypatch):
    from envs import make_venv

    for var in ("MLGATE_PYTHON", "UV_PROJECT_ENVIRONMENT", "CONDA_PREFIX", "VIRTUAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    return project, make_venv(project / ".venv")


def lock_findings(capsys) -> tuple[int, list[tuple]]:
    code = main(["lock", "--format", "json", "--no-cache"])
    out = capsys.readouterr().out
    found = json.loads(out) if out.strip() else []
    return code, sorted((f["line"], f["code"], f.get("package") or f.get("module") or "")
                        for f in found)


def test_an_editable_vcs_requirement_is_locked_as_any_url(service, capsys):
    from envs import install

    root, venv = service
    install(venv, "scikit-learn", "1.5.2")  # from the index: no direct_url.json
    install(venv, "tidy", "0.3.0", direct_url={"url": "file:///src/tidy",
                                                "dir_info": {"editable": True}})
    sha = "0123456789abcdef0123456789abcdef01234567"
    (root / "requirements.txt").write_text(
        "-e git+https://github.com/scikit-learn/scikit-learn@main#egg=scikit-learn\n"
        "-e git+https://github.com/acme/featlib@main#egg=featlib\n"
        f"-e git+https://github.com/acme/tidy@{sha}#egg=tidy\n"  # as pip freeze writes it
        "-e .\n")
    subprocess.run(["git", "add", "requirements.txt"], check=True)
    code, found = lock_findings(capsys)
    assert code == 1 and found == [
        (1, "MLG205", "scikit-learn"), (1, "MLG206", "scikit-learn"),
        (2, "MLG201", "featlib"), (2, "MLG205", "featlib")], found


def test_a_line_for_another_platform_does_not_serve_an_import(service, capsys):
    from envs import install

    root, venv = service
    install(venv, "fastapi", "0.115.0", record=["fastapi/__init__.py"])
    install(venv, "scikit-learn", "1.5.2", record=["sklearn/__init__.py"])
    (root / "requirements.txt").write_text(
        'fastapi==0.115.0\nscikit-learn==1.5.2; sys_platform == "nonesuch"\n')
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "main.py").write_text("from fastapi import FastAPI\nimport sklearn\n")
    subprocess.run(["git", "add", "app", "requirements.txt"], check=True)
    code, found = lock_findings(capsys)
    assert code == 1 and found == [(2, "MLG211", "scikit-learn")], found
    (root / "requirements.txt").write_text("fastapi==0.115.0\nscikit-learn==1.5.2\n")
    assert lock_findings(capsys) == (0, [])


# ----------------------------------------------- uv.lock's record of each requirement (F4)
UV_SHAPES = os.path.join(os.path.dirname(__file__), "lock_fixtures", "uv_shapes")
# (old, new, whether `uv lock --check` said the lock is stale: uv 0.13.9)
EDITS = [
    ('"attrs>=22.1,<25"', '"attrs>=22.1"', True),
    ('"attrs>=22.1,<25"', '"attrs<25, >=22.1"', False),
    ('"six~=1.16"', '"six~=1.16; sys_platform == \'linux\'"', True),
    ('"requests[socks]==2.32.3; python_version >= \'3.9\'"',
     '"requests[socks,use-chardet-on-py3]==2.32.3; python_version >= \'3.9\'"', True),
    ('"requests[socks]==2.32.3; python_version >= \'3.9\'"',
     '"requests[SOCKS] == 2.32.3 ; python_full_version >= \'3.9\'"', False),
    ('"packaging"', '"packaging>=20"', True),
    ("python_version < '3.14'", "python_version < '3.13'", True),
    ("platform_machine == 'x86_64' and python_version < '3.14'",
     "python_version < '3.14' and platform_machine == 'x86_64'", False),
    ('"idna>=3.0.0"', '"idna>=3.0"', False),
    ("python_full_version >= '3.9.1'", "python_full_version >= '3.9.2'", True),
    ("\"colorama==0.4.6; sys_platform == 'win32'\"", "\"colorama==0.4.6; os_name == 'nt'\"",
     True),
]


# A marker of the same meaning spelt otherwise: uv compares the text, mlgate the meaning
# (one environment where they differ does not exist), so mlgate does not say it.
SAME_MEANING = {"\"colorama==0.4.6; os_name == 'nt'\""}


@pytest.mark.parametrize("old, new, stale", EDITS)
def test_a_requirement_uv_recorded_otherwise_makes_the_lock_stale(tmp_path, old, new, stale):
    stale = stale and new not in SAME_MEANING
    from mlgate.locks import manifest
    from mlgate.locks.detect import parse_lock

    with open(os.path.join(UV_SHAPES, "pyproject.toml")) as handle:
        original = handle.read()
    with open(os.path.join(UV_SHAPES, "uv.lock"), "rb") as handle:
        (tmp_path / "uv.lock").write_bytes(handle.read())
    (tmp_path / "pyproject.toml").write_text(original)
    [lock] = parse_lock(str(tmp_path / "uv.lock"))
    assert manifest.uv_differences(lock) == []  # as uv wrote it: nothing differs
    assert old in original
    (tmp_path / "pyproject.toml").write_text(original.replace(old, new))
    found = manifest.uv_differences(lock)
    assert bool(found) is stale, found
    if stale:
        [(message, line)] = found
        assert new.split(";")[0].strip('"') in message or new in message, message
        assert line == next(i for i, text in enumerate(
            original.replace(old, new).splitlines(), 1) if new in text)


# ------------------------------------------ Dockerfile installs after the lock (new-user 43)
def test_a_package_the_lock_installed_first_is_not_installed_by_name(service, capsys):
    # F4: `pipenv install --deploy`, then `pip install gunicorn flask`: pip keeps the
    # lock's flask 2.2.2 ("Requirement already satisfied"); gunicorn is the newest
    from envs import install

    root, venv = service
    install(venv, "flask", "2.2.2")
    (root / "requirements.txt").write_text("flask==2.2.2\n")
    (root / "Dockerfile").write_text(
        f"FROM python:{OURS}\nCOPY . .\nRUN pip install -r requirements.txt\n"
        "RUN pip install gunicorn flask\nRUN pip install -U flask\n")
    subprocess.run(["git", "add", "requirements.txt", "Dockerfile"], check=True)
    code = main(["lock", "--format", "json", "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and sorted((f["line"], f["package"]) for f in found) == [
        (4, "gunicorn"), (5, "flask")], found  # -U upgrades what the lock installed
    assert all("`pip install -r requirements.txt`" in f["hint"] for f in found), found
    # before the lock install: the lock's pin installs over it
    (root / "Dockerfile").write_text(
        f"FROM python:{OURS}\nRUN pip install flask\nCOPY . .\n"
        "RUN pip install -r requirements.txt\n")
    code = main(["lock", "--format", "json", "--no-cache"])
    assert (code, capsys.readouterr().out.strip()) == (0, "[]")
    # an image that installs no lock gets the newest flask
    (root / "Dockerfile").write_text(f"FROM python:{OURS}\nRUN pip install flask\n")
    code = main(["lock", "--format", "json", "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [(f["line"], f["package"]) for f in found] == [(2, "flask")], found


# -------------------------------------------------- paths built with format or + (F5)
def test_a_home_folder_joined_or_formatted_with_a_name_is_found(project, capsys):
    (project / "train.py").write_text(
        'import getpass\nuser = getpass.getuser()\n'
        'c = "/home/{}/data/train.csv".format(user)\n'
        'd = "/home/{u}/data/train.csv".format(u=user)\n'
        'e = "/home/" + user + "/data/train.csv"\n'
        'url = "https://example.com/api/" + user\n'
        'route = "/users/{}".format(user_id)\n'
        'api = "/api/v1/" + endpoint\n'
        'sep = "/" + name\n'
        'tmpl = "{}/data/{}".format(root, name)\n')
    code = main(["paths", "--format", "json", "train.py"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [(f["line"], f["col"], f["code"]) for f in found] == [
        (3, 6, "MLG101"), (4, 6, "MLG101"), (5, 6, "MLG101")], found


# --------------------------------------------- a conda environment named as a lock (new-user 43 F5)
def test_a_conda_environment_named_as_a_lock_is_one_clear_problem(service, capsys):
    root, _ = service
    (root / "requirements.yml").write_text(
        "name: eda\nchannels:\n  - defaults\ndependencies:\n  - python=3.11.7=h955ad1f_0\n"
        "  - pip:\n    - fastapi==0.105.0\nprefix: /home/x/anaconda3/envs/eda\n")
    (root / "pyproject.toml").write_text('[tool.mlgate.lock]\nfiles = ["requirements.yml"]\n')
    subprocess.run(["git", "add", "requirements.yml", "pyproject.toml"], check=True)
    code = main(["lock", "--format", "json", "--no-cache"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [(f["line"], f["code"]) for f in found] == [(1, "MLG200")], found
    assert "a conda environment file" in found[0]["message"]
    assert "pip freeze > requirements.txt" in found[0]["message"]


# ------------------------------------------ pins pip cannot install together (new-user 43 F3)
def test_pins_that_conflict_are_a_lock_pip_cannot_install(service, capsys):
    from envs import install

    root, venv = service
    install(venv, "pandas", "3.1.1",
            requires=["numpy>=2.0.2", "tzdata; sys_platform == 'nonesuch'"])
    install(venv, "numpy", "1.26.4")
    install(venv, "tzdata", "2020.1")
    (root / "requirements.txt").write_text("pandas==3.1.1\nnumpy==1.26.4\ntzdata==2020.1\n")
    subprocess.run(["git", "add", "requirements.txt"], check=True)
    code, found = lock_findings(capsys)
    assert code == 1 and found == [(1, "MLG215", "pandas")], found
    # pins that agree; and a pin whose installed version is another is not judged by it
    (root / "requirements.txt").write_text("pandas==3.1.1\nnumpy==2.1.0\ntzdata==2020.1\n")
    code, found = lock_findings(capsys)
    assert (2, "MLG215", "pandas") not in found and not any(f[1] == "MLG215" for f in found)


def test_only_the_projects_lock_installed_in_the_image_keeps_a_name(service, capsys):
    # red team 43b F7 / 43c F5: `-r tools.txt` or a requirements file that is not the lock
    # silenced MLG210, as did an install that replaces what is there; a lock installed in
    # a builder stage is what the final stage copies or builds on
    from envs import install

    root, venv = service
    install(venv, "flask", "2.2.2")
    (root / "requirements.txt").write_text("flask==2.2.2\n")
    subprocess.run(["git", "add", "requirements.txt"], check=True)
    flagged = (
        "FROM python:3.11\nRUN pip install -r tools.txt\nRUN pip install flask\n",
        "FROM python:3.11\nRUN pip install -r requirements-dev.txt\nRUN pip install flask\n",
        "FROM python:3.11\nRUN pip install -r requirements.txt\nRUN pip install -I flask\n",
        "FROM python:3.11\nRUN uv pip install -r requirements.txt && uv pip install"
        " --reinstall flask\n")
    kept = (
        "FROM python:3.11 AS build\nRUN pip install -r requirements.txt\n"
        "FROM build\nRUN pip install flask\n",
        "FROM python:3.11 AS build\nRUN pip install --prefix=/install -r requirements.txt\n"
        "FROM python:3.11\nCOPY --from=build /install /usr/local\nRUN pip install flask\n")
    for dockerfile in flagged + kept:
        (root / "Dockerfile").write_text(dockerfile.replace("python:3.11", f"python:{OURS}"))
        code = main(["lock", "--format", "json", "--no-cache"])
        found = json.loads(capsys.readouterr().out)
        expected = ["flask"] if dockerfile in flagged else []
        assert (code, [f["package"] for f in found]) == (int(bool(expected)), expected), (
            dockerfile, found)


# ----------------------------------- no environment: what needed one is named (new-user 43 F6)
def test_no_environment_names_the_models_that_needed_one(project, capsys, monkeypatch):
    import joblib
    from sklearn.linear_model import LogisticRegression

    for var in ("MLGATE_PYTHON", "VIRTUAL_ENV", "CONDA_PREFIX"):
        monkeypatch.delenv(var, raising=False)
    (project / "py").mkdir()
    joblib.dump(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), project / "py" / "old.pkl")
    (project / "sample_request.json").write_text('{"x": 1.0}')
    (project / "pyproject.toml").write_text(
        '[tool.mlgate.models.old]\nartifact = "py/old.pkl"\nsample = "sample_request.json"\n')
    subprocess.run(["git", "add", "-A"], check=True)
    for check in ("artifact", "schema"):
        assert main([check]) == 2
        err = capsys.readouterr().err
        assert "it is what loads py/old.pkl" in err and "[tool.mlgate] exclude" in err, err
