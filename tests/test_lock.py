"""`mlgate lock` against real virtual environments: every drift kind, and the resolver."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from envs import install, make_venv, python_of

from mlgate.cli import main
from mlgate.environment import resolve_project_python
from mlgate.finding import UsageError


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # the repository root, for discovery and .venv (a real one: git must say that nothing
    # of the .venv/ mlgate runs is committed)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for var in ("MLGATE_PYTHON", "UV_PROJECT_ENVIRONMENT", "CONDA_PREFIX", "VIRTUAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    venv = make_venv(tmp_path / ".venv")
    return tmp_path, venv


def run_lock(capsys, *args):
    code = main(["lock", "--format", "json", *args])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else []), out.err


def kinds(found):
    return sorted((f["kind"], f.get("package", "")) for f in found)


def write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_clean_environment_passes(project, capsys):
    root, venv = project
    install(venv, "attrs", "23.2.0")
    install(venv, "six", "1.16.0")
    write(root / "requirements.txt", "attrs==23.2.0\nsix==1.16.0\n")
    code, found, _ = run_lock(capsys)
    assert (code, found) == (0, [])


def test_a_range_the_environment_is_outside_of_and_a_contradicting_line(project, capsys):
    # `six>=1.17` with 1.16.0 installed asks for what the environment does not have, and a
    # merge that kept `attrs==23.2.0` and `attrs>=24` is a file pip cannot resolve.
    root, venv = project
    install(venv, "attrs", "23.2.0")
    install(venv, "six", "1.16.0")
    write(root / "requirements.txt", "attrs==23.2.0\nsix>=1.17\nattrs>=24\nattrs>=20\n")
    code, found, _ = run_lock(capsys)
    assert code == 1
    assert sorted((f["line"], f["code"]) for f in found) == [
        (2, "MLG202"), (2, "MLG205"), (3, "MLG202")]
    by_line = {(f["line"], f["code"]): f for f in found}
    assert by_line[2, "MLG202"]["message"] == "six is required as >=1.17 but 1.16.0 is installed"
    # no advice to pin what the file's own range excludes
    assert "six==1.16.0" not in by_line[2, "MLG205"]["hint"]
    assert by_line[3, "MLG202"]["message"] == (
        "attrs is required as >=24 but 23.2.0 is installed")


def test_a_bare_requirement_not_installed_is_required_not_locked(project, capsys):
    # (it was "locked", with the hint "pin the version you tested: streamlit==<version>")
    root, venv = project
    install(venv, "attrs", "23.2.0")
    write(root / "requirements.txt", "attrs==23.2.0\nstreamlit\n")
    code, found, _ = run_lock(capsys)
    by_code = {f["code"]: f for f in found}
    assert code == 1 and sorted(by_code) == ["MLG201", "MLG205"], found
    assert by_code["MLG201"]["message"] == (
        "streamlit is required but not installed in the project's environment")
    assert "<version>" not in by_code["MLG205"]["hint"]
    assert "install it, test, and pin" in by_code["MLG205"]["hint"]


def test_a_lock_of_another_environment_is_one_finding_not_one_per_line(project, capsys):
    """New-user trial round 29: a whole machine's `pip freeze` committed at the root, beside
    the app's own requirements the environment was built from, gave 315 MLG201 lines and
    20 MLG202. Most of a lock missing is one fact: one finding, every name in JSON."""
    root, venv = project
    install(venv, "attrs", "24.1.0")
    install(venv, "six", "1.16.0")
    names = [f"absent-{i:02d}" for i in range(14)]
    write(root / "requirements.txt", "attrs==23.2.0\nsix==1.16.0\n"
          + "".join(f"{n}==1.0\n" for n in names))
    code, found, _ = run_lock(capsys)
    assert code == 1 and [(f["code"], f["line"]) for f in found] == [("MLG201", 3)], found
    [grouped] = found
    assert grouped["packages"] == names and grouped["count"] == 14
    assert grouped["mismatched"] == ["attrs"]
    assert grouped["message"].startswith("14 of the 16 packages this lock pins are not"
                                         " installed"), grouped
    assert "another environment" in grouped["message"]
    assert "pip install -r requirements.txt" in grouped["hint"]
    assert "[tool.mlgate.lock] files" in grouped["hint"]
    # a few missing are each said where they are
    write(root / "requirements.txt", "attrs==24.1.0\nsix==1.16.0\n" + "".join(
        f"{n}==1.0\n" for n in names[:3]))
    code, found, _ = run_lock(capsys)
    assert [(f["code"], f["line"]) for f in found] == [("MLG201", 3), ("MLG201", 4),
                                                       ("MLG201", 5)], found


def test_every_drift_kind(project, capsys):
    root, venv = project
    install(venv, "attrs", "24.1.0")                      # mismatch
    install(venv, "torch", "2.1.0+cu121")                 # local version only
    install(venv, "rich", "13.7.1", requires=["pygments>=2"])   # undeclared, with a dependency
    install(venv, "pygments", "2.17.0")
    install(venv, "pandas", "2.2.2", requires=["numpy>=1.26"])
    install(venv, "numpy", "1.26.4")                      # declared through pandas' metadata
    install(venv, "mylib", "0.1", direct_url={
        "url": "https://github.com/org/mylib", "vcs_info": {"vcs": "git", "commit_id": "b" * 40}})
    write(root / "requirements.txt", f"""\
        attrs==23.2.0
        six==1.16.0
        torch==2.1.0
        pandas>=2.0
        mylib @ git+https://github.com/org/mylib@{"a" * 40}
        colorama==0.4.6 ; sys_platform == "win32"
        """)
    code, found, _ = run_lock(capsys)
    assert code == 1
    # colorama's marker is false here; numpy is required by pandas' metadata; pygments is only
    # required by rich, which nothing locked requires: one finding says both (it was two).
    assert kinds(found) == sorted([
        ("mismatch", "attrs"), ("missing", "six"), ("local-version", "torch"),
        ("unpinned", "pandas"), ("source", "mylib"), ("undeclared", "rich")])
    by_kind = {f["kind"]: f for f in found}
    assert by_kind["undeclared"]["message"] == (
        "rich 13.7.1 is installed but in no lock, and nothing locked requires it (and 1 more"
        " it brings in: pygments)")
    assert by_kind["undeclared"]["brings"] == ["pygments"]
    assert by_kind["mismatch"]["line"] == 1 and by_kind["mismatch"]["installed"] == "24.1.0"
    assert by_kind["local-version"]["severity"] == "warning"
    assert by_kind["undeclared"]["severity"] == "warning"
    assert "pandas==2.2.2" in by_kind["unpinned"]["hint"]


def test_includes_constraints_hashes_and_malformed_lines(project, capsys):
    root, venv = project
    install(venv, "attrs", "23.2.0")
    install(venv, "six", "1.15.0")
    write(root / "requirements.txt", """\
        -r base.txt
        -c constraints.txt
        --require-hashes
        attrs==23.2.0 \\
            --hash=sha256:0000
        this is not a requirement !!
        --no-such-option
        """)
    write(root / "base.txt", "six==1.16.0\n")
    write(root / "constraints.txt", "six==1.16.0\nidna==3.6\n")
    code, found, _ = run_lock(capsys, "requirements.txt")
    assert code == 1
    got = sorted((f["path"], f["line"], f["code"]) for f in found)
    assert got == sorted([
        ("base.txt", 1, "MLG202"),          # six 1.16.0 locked, 1.15.0 installed
        ("base.txt", 1, "MLG207"),          # --require-hashes holds for included files too
        ("constraints.txt", 1, "MLG202"),   # a constraint that is installed must match...
        ("requirements.txt", 6, "MLG200"),  # (idna is only constrained: not missing)
        ("requirements.txt", 7, "MLG200"),
    ])


def test_markers_are_evaluated_for_the_projects_python(project, capsys):
    root, venv = project
    install(venv, "attrs", "23.2.0")
    other = "3.8" if sys.version_info >= (3, 9) else "3.99"
    write(root / "requirements.txt", f"""\
        attrs==23.2.0
        tomli==2.0.1 ; python_version < "{other}"
        """)
    code, found, _ = run_lock(capsys)
    assert (code, found) == (0, [])


def test_unpinned_in_pyproject_only_without_a_lock(project, capsys):
    root, venv = project
    install(venv, "attrs", "23.2.0")
    write(root / "pyproject.toml", """\
        [project]
        name = "demo"
        version = "0.1"
        dependencies = ["attrs>=23"]
        """)
    code, found, _ = run_lock(capsys)
    assert code == 1
    assert [(f["path"], f["line"], f["kind"]) for f in found] == [
        ("pyproject.toml", 4, "unpinned")]
    write(root / "requirements.txt", "attrs==23.2.0\n")
    code, found, _ = run_lock(capsys)
    assert (code, found) == (0, [])


def test_the_environment_judged_is_the_projects_not_mlgates(project, capsys, monkeypatch):
    root, venv = project
    write(root / "requirements.txt", "pytest==0.0.1\n")
    # mlgate itself runs where pytest is installed; the project's .venv has no pytest.
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)
    code, found, err = run_lock(capsys, "--verbose")
    assert code == 1
    assert [f["kind"] for f in found] == ["missing"]
    assert str(venv) in err and ".venv/ at the repository root" in err


def test_resolver_order_and_errors(project, monkeypatch, tmp_path):
    root, venv = project
    other = make_venv(tmp_path / "other")
    found = resolve_project_python(None, None, str(root), str(root), environ={})
    assert (found.executable, found.reason) == (python_of(venv), ".venv/ at the repository root")
    found = resolve_project_python(None, None, str(root), str(root),
                                   environ={"MLGATE_PYTHON": str(other)})
    assert found.reason == "MLGATE_PYTHON" and found.executable == python_of(other)
    # Environment variables beat committed files: MLGATE_PYTHON wins over the config key.
    found = resolve_project_python(None, "other", str(tmp_path), str(root),
                                   environ={"MLGATE_PYTHON": str(venv)})
    assert found.reason == "MLGATE_PYTHON" and found.executable == python_of(venv)
    found = resolve_project_python(None, "other", str(tmp_path), str(root), environ={})
    assert found.reason == "python in [tool.mlgate]" and found.executable == python_of(other)
    found = resolve_project_python(python_of(other), "x", str(root), str(root), environ={})
    assert found.reason == "--python"
    os.rename(venv, tmp_path / "moved")
    own = resolve_project_python
    with pytest.raises(UsageError, match="cannot find the project's Python"):
        own(None, None, str(root), str(root), environ={
            "VIRTUAL_ENV": sys.prefix, "PRE_COMMIT_HOME": os.path.dirname(sys.prefix)})
    found = own(None, None, str(root), str(root), environ={"VIRTUAL_ENV": str(other)})
    assert found.reason == "VIRTUAL_ENV"
    found = own(None, None, str(root), str(root), environ={"CONDA_PREFIX": str(other)})
    assert found.reason == "CONDA_PREFIX"
    with pytest.raises(UsageError, match="not an executable"):
        own("/nonexistent/python", None, str(root), str(root), environ={})


def test_no_environment_is_a_one_line_error(project, capsys, monkeypatch):
    root, venv = project
    write(root / "requirements.txt", "attrs==23.2.0\n")
    os.rename(venv, root / "elsewhere")
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)  # mlgate's, run as a hook: in the store
    monkeypatch.setenv("PRE_COMMIT_HOME", os.path.dirname(sys.prefix))
    assert main(["lock"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mlgate: error: cannot find the project's Python environment")
    assert "--python" in err and "Traceback" not in err


FIXTURES = os.path.join(os.path.dirname(__file__), "lock_fixtures")


def test_uv_lock_against_an_environment(project, capsys):
    """The real uv.lock fixture: what the graph walk selects for this Python must be
    installed; with all of it installed the check is clean."""
    import shutil

    from mlgate.locks.uv_lock import parse

    root, venv = project
    shutil.copy(os.path.join(FIXTURES, "uv", "uv.lock"), root / "uv.lock")
    with open(root / "uv.lock", encoding="utf-8") as handle:
        lock = parse(handle.read(), str(root / "uv.lock"))
    from mlgate.probe import run_probe

    markers = run_probe(python_of(venv), "environment")["markers"]
    wanted, sources = {}, {}
    for package in lock.select(markers):
        if not package.editable:
            wanted.setdefault(package.name, package.version)
            if package.source_url:  # installed from git: pip records where, in direct_url
                sources[package.name] = {"url": package.source_url, "vcs_info": {
                    "vcs": "git", "commit_id": package.source_commit}}
    assert wanted and "colorama" not in wanted  # win32 only
    code, found, _ = run_lock(capsys, "uv.lock")
    # one finding per package, or one for them all past MLG201's grouping (Python 3.9's
    # markers select more of this lock)
    missing = {n for f in found if f["kind"] == "missing"
               for n in (f["packages"] if "packages" in f else [f["package"]])}
    assert code == 1 and missing == set(wanted), found
    for name, version in wanted.items():
        install(venv, name, version, direct_url=sources.get(name))
    code, found, _ = run_lock(capsys, "uv.lock")
    assert (code, [f["message"] for f in found if f["severity"] == "error"]) == (0, [])


@pytest.mark.parametrize("fixture", [
    "uv/uv.lock", "uv/pylock.toml", "uv_sources/uv.lock", "uv_sources/pylock.toml",
    "poetry_1_1/poetry.lock", "poetry_2_0/poetry.lock", "poetry_2_1/poetry.lock",
    "pipenv/Pipfile.lock",
])
def test_every_lock_format_clean_then_drifted(project, capsys, fixture):
    """For each real lock: install exactly what it selects for this Python -> no error;
    then change one installed version -> a mismatch on that package's lock line."""
    import shutil

    from mlgate.locks.detect import parse_lock
    from mlgate.probe import run_probe

    root, venv = project
    name = os.path.basename(fixture)
    shutil.copy(os.path.join(FIXTURES, fixture), root / name)
    [lock] = parse_lock(str(root / name))
    markers = run_probe(python_of(venv), "environment")["markers"]
    chosen = {}
    for package in lock.select(markers):
        if not package.editable:
            chosen.setdefault(package.name, package)

    def direct_url(package):
        if not package.source_url:
            return None
        direct = {"url": package.source_url}
        if package.source_commit:
            direct["vcs_info"] = {"vcs": "git", "commit_id": package.source_commit}
        return direct

    for package in chosen.values():  # a git entry may lock no version: any will do
        install(venv, package.name, package.version or "1.0", direct_url=direct_url(package))
    code, found, _ = run_lock(capsys, name)
    assert [f["message"] for f in found if f["severity"] == "error"] == []
    assert code == 0

    victim = sorted((p for p in chosen.values() if p.version), key=lambda p: p.name)[0]
    from envs import site_packages

    [info] = site_packages(venv).glob(f"{victim.name.replace('-', '_')}-*.dist-info")
    shutil.rmtree(info)
    install(venv, victim.name, victim.version + ".post99", direct_url=direct_url(victim))
    code, found, _ = run_lock(capsys, name)
    errors = [(f["kind"], f["package"], f["line"]) for f in found if f["severity"] == "error"]
    assert (code, errors) == (1, [("mismatch", victim.name, victim.line)])


def test_broken_lock_is_a_finding_with_its_line(project, capsys):
    root, _ = project
    write(root / "uv.lock", """\
        version = 1
        requires-python = ">=3.9"

        [[package]]
        name = "attrs"
        version = "23.2.0
        """)
    code, found, _ = run_lock(capsys, "uv.lock")
    assert code == 1
    assert [(f["path"], f["line"], f["code"]) for f in found] == [("uv.lock", 6, "MLG200")]


def _wheel(folder, name, version):
    """A minimal pure-Python wheel, built by hand: what pip installs from an index."""
    import zipfile

    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "VALUE = 1\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: mlgate-tests\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
    }
    record = "".join(f"{n},,\n" for n in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
        archive.writestr(f"{info}/RECORD", record)
    return path


def test_a_package_installed_by_real_pip(project, capsys, tmp_path):
    """pip itself installs a wheel into the project's venv (offline): the lock check sees
    exactly what pip installed."""
    import subprocess

    root, venv = project
    wheel = _wheel(tmp_path, "minipkg", "1.0")
    subprocess.run([sys.executable, "-m", "pip", "--python", python_of(venv), "install",
                    "--no-index", "--no-deps", "--quiet", str(wheel)], check=True)
    write(root / "requirements.txt", "minipkg==1.0\n")
    code, found, _ = run_lock(capsys)
    assert (code, found) == (0, [])
    write(root / "requirements.txt", "minipkg==2.0\n")
    code, found, _ = run_lock(capsys)
    assert [(f["kind"], f["locked"], f["installed"]) for f in found] == [
        ("mismatch", "2.0", "1.0")]


def test_a_verdict_is_cached_until_the_environment_or_a_lock_changes(project, capsys,
                                                                      monkeypatch):
    import shutil

    from envs import site_packages

    import mlgate.probe

    root, venv = project
    install(venv, "attrs", "23.2.0")
    write(root / "requirements.txt", "attrs==23.2.0\n")
    assert run_lock(capsys)[:2] == (0, [])
    cached = sorted(p.name.split("-")[0] for p in (root / ".git" / "mlgate-cache").iterdir())
    assert cached == ["environment", "lock"]

    class NoProbe:
        def __init__(self, *args, **kwargs):
            raise AssertionError("the cache should have answered")

    with monkeypatch.context() as patched:
        patched.setattr(mlgate.probe, "PendingProbe", NoProbe)
        assert run_lock(capsys)[:2] == (0, [])
    shutil.rmtree(site_packages(venv) / "attrs-23.2.0.dist-info")
    install(venv, "attrs", "24.1.0")  # the environment changes: asked again
    code, found, _ = run_lock(capsys)
    assert (code, kinds(found)) == (1, [("mismatch", "attrs")])
    write(root / "requirements.txt", "attrs==24.1.0\n")  # the lock changes: judged again
    assert run_lock(capsys)[:2] == (0, [])


def test_the_service_imports_a_package_no_lock_installs(project, capsys, monkeypatch):
    """New-user trial round 29: app.py imported dash and plotly, installed by hand on the
    author's machine and in no requirements file; every lock check passed, and the service
    installed from the lock would die at start. Only the serving code counts: a training
    script's imports, optional imports and the project's own modules are not flagged."""
    import subprocess

    root, venv = project
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    install(venv, "fastapi", "0.115.0", record=["fastapi/__init__.py"])
    install(venv, "plotly", "5.24.1", record=["plotly/__init__.py", "_plotly_utils/x.py"])
    install(venv, "seaborn", "0.13.2", record=["seaborn/__init__.py"])
    install(venv, "python-jose", "3.3.0", record=["jose/__init__.py"])
    write(root / "requirements.txt", "fastapi==0.115.0\npython-jose==3.3.0\n")
    (root / "app").mkdir()
    write(root / "app" / "__init__.py", "")
    write(root / "app" / "main.py", """\
        import json
        from fastapi import FastAPI
        from jose import jwt
        from .charts import draw
        from app import settings
        try:
            import ujson
        except ImportError:
            ujson = None
        import contextlib
        import importlib.util
        with contextlib.suppress(ImportError):
            import orjson
        if importlib.util.find_spec("simplejson") is not None:
            import simplejson
        """)
    write(root / "app" / "charts.py", "import plotly.express as px\n\ndef draw(): pass\n")
    write(root / "app" / "settings.py",
          "import missing_thing\n\n\ndef later():\n    import lazy_thing\n")
    write(root / "train.py", "import seaborn\n")  # not served: never flagged
    subprocess.run(["git", "add", "app", "train.py", "requirements.txt"], cwd=root,
                   check=True)
    code, found, out = run_lock(capsys, "--no-cache")
    assert isinstance(found, list), (found, out)
    got = [(f["path"], f["line"], f["code"], f["module"]) for f in found
           if f["code"] == "MLG211"]
    assert got == [("app/charts.py", 1, "MLG211", "plotly"),
                   ("app/settings.py", 1, "MLG211", "missing_thing"),
                   ("app/settings.py", 5, "MLG211", "lazy_thing")], found
    # Installed nowhere: at start it certainly fails the service (new-user round 32: a
    # warning let READY through); inside a function, when that runs.
    severity = {f["module"]: f["severity"] for f in found if f["code"] == "MLG211"}
    assert severity == {"plotly": "error", "missing_thing": "error", "lazy_thing": "warning"}
    missing = next(f for f in found if f.get("module") == "missing_thing")
    assert "fails at start with ModuleNotFoundError" in missing["message"]
    plotly = next(f for f in found if f.get("module") == "plotly")
    assert "plotly 5.24.1 is installed here" in plotly["message"]
    assert plotly["hint"] == "add plotly==5.24.1 to the lock"
    assert code == 1
    write(root / "requirements.txt", "fastapi==0.115.0\npython-jose==3.3.0\nplotly==5.24.1\n")
    write(root / "app" / "settings.py", "X = 1\n")
    code, found, _ = run_lock(capsys)  # the cached verdict follows the sources
    assert [f for f in found if f["code"] == "MLG211"] == [], found


def test_the_service_imports_a_name_its_installed_module_does_not_define(project, capsys,
                                                                         monkeypatch):
    """New-user trial round 38 (F8): app.py did `from prediction import get_prediction` (the
    author's module was predict.py) and the lock pinned the unrelated PyPI package
    `prediction`, which defines no such name: every lock check passed and the audit said
    READY for a Streamlit app that dies at start with ImportError. Names a module defines in
    any way (an import, an assignment, a submodule) pass; a module that makes names at run
    time, or a compiled one, cannot be judged and is left alone."""
    from envs import site_packages

    root, venv = project
    site = site_packages(venv)
    install(venv, "streamlit", "1.11.1", record=["streamlit/__init__.py"])
    install(venv, "prediction", "0.0.3", record=["prediction/__init__.py"])
    install(venv, "lazypkg", "1.0", record=["lazypkg.py"])
    install(venv, "fastext", "1.0", record=["fastext.py"])
    (site / "prediction").mkdir()
    write(site / "prediction" / "__init__.py", """\
        from .core import Predictor as Model
        import logging
        import os.path
        log = logging.getLogger(__name__)  # (named after it: no namespace built elsewhere)
        VERSION = "0.0.3"
        try:
            import json as fast_json
        except ImportError:
            fast_json = None
        if VERSION:
            def helper():
                global late
                late = 1
        """)
    write(site / "prediction" / "tools.py", "")
    write(site / "lazypkg.py", "def __getattr__(name):\n    return name\n")
    write(site / "fastext.py", "")
    install(venv, "pyish", "1.0", record=["pyish/__init__.py"])
    (site / "pyish").mkdir()  # its namespace is built by another module (apipkg, as `py`)
    write(site / "pyish" / "__init__.py", "import apipkg\napipkg.initpkg(__name__, {})\n")
    (site / "fastext.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    write(root / "requirements.txt", "streamlit==1.11.1\nprediction==0.0.3\nlazypkg==1.0\n"
          "fastext==1.0\npyish==1.0\n")
    write(root / "app.py", """\
        import streamlit as st
        from prediction import get_prediction, Model, os, VERSION, fast_json, helper
        from prediction import late, tools
        from lazypkg import anything
        from pyish import path
        from fastext import anything_else

        def later():
            from prediction import also_missing

        if st:  # one version's name (red team round 39 F2): not judged
            from prediction import only_in_new
        try:
            from prediction import maybe
        except ImportError:
            maybe = None
        from prediction.tools import given_by_another_module  # a submodule: not judged (F1)
        from prediction import get_prediction as again  # the module is read once (F4)
        """)
    write(root / "train.py", "from prediction import not_served\n")
    subprocess.run(["git", "add", "app.py", "train.py", "requirements.txt"], cwd=root,
                   check=True)
    import mlgate.locks.module_names as reader

    reads = []
    real_reader = reader.module_names
    monkeypatch.setattr(reader, "module_names",
                        lambda site, name: reads.append(name) or real_reader(site, name))
    code, found, out = run_lock(capsys, "--no-cache")
    got = [(f["path"], f["line"], f["col"], f["severity"], f["names"]) for f in found
           if f["code"] == "MLG213"]
    assert got == [("app.py", 2, 1, "error", ["get_prediction"]),
                   ("app.py", 9, 5, "warning", ["also_missing"]),
                   ("app.py", 18, 1, "error", ["get_prediction"])], (found, out)
    assert sorted(reads) == ["fastext", "lazypkg", "prediction", "pyish"], reads
    first = next(f for f in found if f["code"] == "MLG213")
    assert first["message"] == (
        "the service imports get_prediction from prediction, which prediction 0.0.3"
        " (installed from the lock) does not define: the service fails at start with"
        " ImportError")
    assert code == 1
    write(root / "app.py", "import streamlit as st\nfrom prediction import Model\n")
    assert run_lock(capsys)[:2] == (0, [])  # fixed: the cached verdict follows the source


def test_a_serving_module_that_does_not_parse_is_an_error(project, capsys):
    """New-user trial round 35 (F1): an app.py with an IndentationError (a bad merge) was
    skipped as unreadable: its imports went unchecked (MLG211 silent) and the audit said
    READY for a service that cannot start. A module it imports counts too; a training
    script that does not parse is not the service's."""
    import subprocess

    root, venv = project
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    install(venv, "fastapi", "0.115.0", record=["fastapi/__init__.py"])
    write(root / "requirements.txt", "fastapi==0.115.0\n")
    write(root / "app.py", "from fastapi import FastAPI\nimport helpers\n\n"
          "def predict(row):\nreturn 1\n")
    write(root / "helpers.py", "def f(:\n    pass\n")
    write(root / "train.py", "def broken(:\n")
    subprocess.run(["git", "add", "app.py", "helpers.py", "train.py", "requirements.txt"],
                   cwd=root, check=True)
    code, found, _ = run_lock(capsys, "--no-cache")
    assert code == 1
    assert [(f["path"], f["line"], f["code"]) for f in found if f["code"] == "MLG212"] == [
        ("app.py", 5, "MLG212")], found
    write(root / "app.py", "from fastapi import FastAPI\nimport helpers\n")
    code, found, _ = run_lock(capsys, "--no-cache")
    assert [(f["path"], f["code"]) for f in found] == [("helpers.py", "MLG212")], found
    assert "SyntaxError" in found[0]["message"]
    # what the configuration excludes is not the service (new-user round 35: an exercise
    # file with blanks stayed MLG212 under exclude = ["exercises/**"])
    (root / "exercises").mkdir()
    write(root / "exercises" / "flask_app.py", "from flask import Flask\ndef f(:\n")
    write(root / "helpers.py", "X = 1\n")
    write(root / "pyproject.toml", '[tool.mlgate]\nexclude = ["exercises/**"]\n')
    subprocess.run(["git", "add", "exercises", "pyproject.toml"], cwd=root, check=True)
    assert run_lock(capsys, "--no-cache")[:2] == (0, [])


def test_pipfile_develop_packages_are_not_required_of_the_environment(project, capsys):
    """New-user round 33 (F2): [dev-packages] awsebcli, which neither `pipenv install` nor
    `pipenv sync` (nor the Dockerfile's `pipenv install --deploy`) installs, gave nine
    MLG201 errors whose hint (`pipenv sync`) did not install them. A package only the
    develop section locks is a warning; one both sections lock is held to the pin."""
    root, venv = project
    install(venv, "attrs", "23.2.0")
    install(venv, "six", "1.15.0")
    lock = {"_meta": {"hash": {"sha256": "0" * 64}, "pipfile-spec": 6, "requires": {},
                      "sources": [{"name": "pypi", "url": "https://pypi.org/simple",
                                   "verify_ssl": True}]},
            "default": {"attrs": {"version": "==23.2.0"}},
            "develop": {"awsebcli": {"version": "==3.21.0"}, "six": {"version": "==1.16.0"},
                        "attrs": {"version": "==23.2.0"}}}
    (root / "Pipfile.lock").write_text(json.dumps(lock, indent=4))
    code, found, _ = run_lock(capsys, "--no-cache")
    by_name = {f.get("package"): f for f in found}
    assert code == 0, found
    assert by_name["awsebcli"]["severity"] == "warning"
    assert "pipenv sync --dev" in by_name["awsebcli"]["hint"]
    assert by_name["six"]["severity"] == "warning" and "develop section" in by_name["six"][
        "message"]
    install(venv, "attrs", "23.1.0")  # the default section's pin still holds
    code, found, _ = run_lock(capsys, "--no-cache")
    assert code == 1 and any(f.get("package") == "attrs" and f["severity"] == "error"
                             for f in found), found


@pytest.mark.parametrize("named", ["{outside}", "../outside.txt", ".git/config"])
def test_configured_lock_files_stay_inside_the_repository(project, capsys, tmp_path_factory,
                                                          named):
    """Reliability round 33: a committed `[tool.mlgate.lock] files = ["/etc/shadow"]`
    printed each line of the file as 'MLG200 invalid requirement', in every format: a pull
    request could have CI print any file the runner reads."""
    root, _ = project
    secret = tmp_path_factory.mktemp("elsewhere") / "secret.txt"
    secret.write_text("root:SECRETHASH:19000:0:99999:7:::\n")
    (root.parent / "outside.txt").write_text("root:SECRETHASH:19000\n")
    (root / ".git" / "config").write_text("[remote] url = https://x:SECRETHASH@h/r\n")
    listed = json.dumps(named.format(outside=secret))
    write(root / "pyproject.toml", f"[tool.mlgate.lock]\nfiles = [{listed}]\n")
    code, found, err = run_lock(capsys, "--no-cache")
    assert code == 2, (found, err)
    assert "outside the repository" in err and "SECRETHASH" not in err + json.dumps(found)


def test_a_dockerfile_that_is_a_fifo_does_not_block_the_check(project, capsys):
    """Reliability round 33: a committed `Dockerfile -> /dev/stdin` blocked `mlgate lock` on
    a terminal (the Dockerfiles were read with a plain open). A Dockerfile is read as a
    regular file, or not at all."""
    import contextlib
    import subprocess
    import threading

    root, venv = project
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    install(venv, "attrs", "23.2.0")
    write(root / "requirements.txt", "attrs==23.2.0\n")
    os.mkfifo(root / "pipe")
    (root / "Dockerfile").symlink_to(root / "pipe")
    subprocess.run(["git", "add", "requirements.txt", "Dockerfile"], cwd=root, check=True)
    done, rescued = threading.Event(), []

    def unblock() -> None:  # a reader blocked on the FIFO is let go after 60 s: a failure
        wait = 60.0
        while not done.wait(wait):
            rescued.append(True)
            # a writer's open lets a blocked reader's open return (then EOF); none: ENXIO
            with contextlib.suppress(OSError):
                os.close(os.open(root / "pipe", os.O_WRONLY | os.O_NONBLOCK))
            wait = 0.2

    threading.Thread(target=unblock, daemon=True).start()
    code, found, _ = run_lock(capsys, "--no-cache")
    done.set()
    assert not rescued, "the check blocked on the Dockerfile"
    assert code == 0, found



def test_a_service_import_only_a_development_lock_installs_is_flagged(project, capsys):
    """New-user trial 2 of round 33 (F6): a FastAPI module importing requests, locked only in
    requirements-dev.txt (or Pipfile.lock's develop section), got no MLG211, though the
    deployment installs neither and the service fails at start."""
    import subprocess

    root, venv = project
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    install(venv, "fastapi", "0.115.0", record=["fastapi/__init__.py"])
    install(venv, "requests", "2.32.3", record=["requests/__init__.py"])
    write(root / "requirements.txt", "fastapi==0.115.0\n")
    write(root / "requirements-dev.txt", "requests==2.32.3\n")
    write(root / "app.py", "from fastapi import FastAPI\nimport requests\n")
    subprocess.run(["git", "add", "app.py", "requirements.txt", "requirements-dev.txt"],
                   cwd=root, check=True)
    code, found, err = run_lock(capsys, "--no-cache")
    assert isinstance(found, list), (found, err)
    got = [(f["path"], f["module"], f["severity"]) for f in found if f["code"] == "MLG211"]
    assert got == [("app.py", "requests", "error")], (found, err)
    write(root / "requirements.txt", "fastapi==0.115.0\nrequests==2.32.3\n")
    code, found, _ = run_lock(capsys, "--no-cache")
    assert code == 0 and not [f for f in found if f["code"] == "MLG211"], found


def test_a_serving_module_is_parsed_with_the_grammar_of_the_projects_python(tmp_path):
    """Red team round 36: MLG212 parsed the service with mlgate's own Python. On a 3.8
    project a `match` statement passed (the service fails at start there); on a 3.12
    project PEP 695 generics and 3.12's f-strings were "does not parse"."""
    import shutil

    from mlgate.checks.lock import _broken_service, _Installed
    from mlgate.locks.service_imports import Broken, service_imports

    (tmp_path / "app.py").write_text(
        "from fastapi import FastAPI\n\nmatch 1:\n    case 1:\n        pass\n")
    broken: list[Broken] = []
    service_imports(str(tmp_path), ["app.py"], broken, (3, 8))
    assert [b.path for b in broken] == ["app.py"]
    if sys.version_info >= (3, 10):  # this Python's own grammar has `match`
        broken = []
        service_imports(str(tmp_path), ["app.py"], broken, sys.version_info[:2])
        assert broken == []
    # Newer than this Python: what this one cannot parse is asked of the project's own.
    (tmp_path / "app.py").write_text("from fastapi import FastAPI\n\ntype Row = dict\n"
                                     "def f(:\n")
    broken = []
    service_imports(str(tmp_path), ["app.py"], broken, (3, 99))
    assert [b.path for b in broken] == ["app.py"]
    says_fine = tmp_path / "python"  # an interpreter that parses every file it is given
    says_fine.write_text('#!/bin/sh\nshift 3\nfor f in "$@"; do echo "$f"; done\n')
    says_fine.chmod(0o755)

    def env(python) -> _Installed:
        return _Installed({"python": str(python), "markers": {"python_version": "3.99"}})

    assert _broken_service(str(tmp_path), broken, env(says_fine), (3, 99)) == []
    kept = _broken_service(str(tmp_path), broken, env(sys.executable), (3, 99))
    assert [f.code for f in kept] == ["MLG212"]  # a real syntax error, in its Python too
    import glob

    candidates = [shutil.which("python3.13"), shutil.which("python3.12"), *sorted(glob.glob(
        os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python3")))]
    newer = next((p for p in candidates if p
                  and subprocess.run([p, "-c", "import sys; assert sys.version_info >= (3, 12)"],
                                     capture_output=True).returncode == 0), None)
    if newer and sys.version_info < (3, 12):  # (where such an interpreter is at hand)
        (tmp_path / "app.py").write_text(
            "from fastapi import FastAPI\n\ntype Row = dict[str, float]\n"
            "def first[T](items: list[T]) -> T:\n    return items[0]\n"
            "name = 'x'\nprint(f'{'a' + name}')\n")
        broken = []
        service_imports(str(tmp_path), ["app.py"], broken, (3, 12))
        assert [b.path for b in broken] == ["app.py"]  # this Python cannot read it
        assert _broken_service(str(tmp_path), broken, env(newer), (3, 12)) == []


def test_the_names_read_from_a_module_agree_with_its_import():
    """MLG213 reads a module's names with ast: differential against a real import, over
    the standard library's pure modules and packaging's (every name the import shows must
    be found, or the module left unjudged)."""
    import importlib
    import sysconfig

    import packaging

    from mlgate.locks.module_names import module_names

    stdlib = sysconfig.get_paths()["stdlib"]
    site = os.path.dirname(os.path.dirname(packaging.__file__))
    modules = [(stdlib, m) for m in ("json", "textwrap", "argparse", "email.utils", "csv",
                                     "fractions", "difflib", "shlex", "string", "ast",
                                     "logging", "logging.handlers", "http", "urllib.parse",
                                     "configparser", "dataclasses", "enum", "functools")]
    modules += [(site, f"packaging.{m}") for m in ("version", "requirements", "specifiers",
                                                    "markers", "utils", "tags")]
    judged = 0
    for folder, dotted in modules:
        names = module_names(folder, dotted)
        if names is None:
            continue
        judged += 1
        shown = [n for n in dir(importlib.import_module(dotted)) if not n.startswith("__")]
        assert [n for n in shown if not names.has(n)] == [], dotted
        assert not names.has("surely_not_defined_here"), dotted
    assert judged >= 10, judged


def test_a_package_kept_for_another_platform_does_not_silence_mlg211(project, capsys):
    """New-user trial round 40 (F1, high): one locked package that is not installed switched
    MLG211 off, a Windows-only `pywin32; sys_platform == "win32"` line too, so a service
    that fails at its first import was READY. Only what the lock installs here, missing,
    leaves an unknown module unjudged (its MLG201 says to install the lock)."""
    root, venv = project
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    install(venv, "fastapi", "0.115.0", record=["fastapi/__init__.py"])
    (root / "app").mkdir()
    write(root / "app" / "main.py", "import fastapi\nimport tabulate\n")
    write(root / "requirements.txt",
          'fastapi==0.115.0\npywin32==311 ; sys_platform == "win32"\n')
    subprocess.run(["git", "add", "app", "requirements.txt"], cwd=root, check=True)
    code, found, _ = run_lock(capsys, "--no-cache")
    assert code == 1 and [(f["code"], f.get("module")) for f in found] == [
        ("MLG211", "tabulate")], found
    write(root / "requirements.txt", "fastapi==0.115.0\nattrs==23.2.0\n")  # missing here
    code, found, _ = run_lock(capsys, "--no-cache")
    assert [f["code"] for f in found] == ["MLG201"], found


POETRY_PYPROJECT = """\
[tool.poetry]
name = "p1demo"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.8"
attrs = "*"
six = "*"
colorama = { version = "*", markers = "sys_platform == 'win32'" }
tomli = { version = "*", python = "<3.11" }
localpkg = { git = "file:///tmp/localpkg" }
iniconfig = { version = "*", optional = true }

[tool.poetry.extras]
test = ["iniconfig"]

[tool.poetry.group.dev.dependencies]
pytest = "*"
"""


@pytest.mark.parametrize("fixture", ["poetry_1_1", "poetry_2_0", "poetry_2_1"])
def test_poetry_groups_tell_what_a_deployment_leaves_out(tmp_path, fixture):
    """New-user trial 40b (F8): `poetry install --only main`, as a Docker image installs,
    gave one MLG201 per dev-group package. What only development groups need is known from
    the lock's `category` (1.x) or `groups` (2.1), and, in a 2.0 lock written by Poetry 1.5
    to 1.8, which records neither, from what the pyproject's main dependencies reach."""
    from mlgate.locks.detect import parse_lock

    text = Path(FIXTURES, fixture, "poetry.lock").read_text(encoding="utf-8")
    (tmp_path / "poetry.lock").write_text(text)
    [lock] = parse_lock(str(tmp_path / "poetry.lock"))
    dev = lock.dev_only
    assert dev and not dev & {"attrs", "six", "iniconfig", "tomli", "localpkg"}, dev
    if fixture != "poetry_2_1":
        return
    # as Poetry 1.8 writes it: neither groups nor category
    bare = "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith(("groups = ", "category = ")))
    (tmp_path / "poetry.lock").write_text(bare)
    [lock] = parse_lock(str(tmp_path / "poetry.lock"))
    assert lock.dev_only == set(), "no manifest: nothing is known to be for development"
    (tmp_path / "pyproject.toml").write_text(POETRY_PYPROJECT)
    [lock] = parse_lock(str(tmp_path / "poetry.lock"))
    assert lock.dev_only == dev, (lock.dev_only, dev)
    # a main dependency that needs a dev package makes it main
    (tmp_path / "pyproject.toml").write_text(POETRY_PYPROJECT.replace('six = "*"',
                                                                     'six = "*"\npytest = "*"'))
    [lock] = parse_lock(str(tmp_path / "poetry.lock"))
    assert lock.dev_only == set(), lock.dev_only


def test_a_main_only_poetry_install_is_one_warning(project, capsys):
    root, venv = project
    text = Path(FIXTURES, "poetry_2_1", "poetry.lock").read_text(encoding="utf-8")
    (root / "poetry.lock").write_text("".join(
        line for line in text.splitlines(keepends=True) if not line.startswith("groups = ")))
    (root / "pyproject.toml").write_text(POETRY_PYPROJECT)
    from mlgate.locks.detect import parse_lock
    from mlgate.probe import run_probe

    [lock] = parse_lock(str(root / "poetry.lock"))
    markers = run_probe(python_of(venv), "environment")["markers"]
    for package in lock.select(markers):
        if package.name in lock.dev_only:
            continue
        direct = {"url": package.source_url} if package.source_url else None
        if direct and package.source_commit:
            direct["vcs_info"] = {"vcs": "git", "commit_id": package.source_commit}
        install(venv, package.name, package.version or "1.0", direct_url=direct)
    code, found, _ = run_lock(capsys, "--no-cache")
    missing = [f for f in found if f["kind"] == "missing"]
    assert code == 0 and len(missing) == 1, found
    assert missing[0]["severity"] == "warning"
    assert set(missing[0]["packages"]) == {p.name for p in lock.select(markers)
                                           if p.name in lock.dev_only}
    assert "development groups of pyproject.toml" in missing[0]["message"]
    assert "poetry install --with dev" in missing[0]["hint"]


UV_PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = [
    "attrs",
    "six",
    "colorama; sys_platform == 'win32'",
    "tomli; python_version < '3.11'",
    "localpkg @ git+file:///tmp/localpkg",
]

[project.optional-dependencies]
test = ["iniconfig"]

[dependency-groups]
dev = ["pytest"]
"""


@pytest.mark.parametrize(("change", "said"), [
    (None, None),
    # a package the lock holds only for another (iniconfig: pytest's, the extra's) asked for
    # directly: `uv lock --check` fails, mlgate said READY (new-user trial 41, F1)
    (('"six",\n', '"six",\n    "iniconfig",\n'),
     "asks for iniconfig in the dependencies, which uv.lock's record of the project does"
     " not list"),
    (('"six",\n', ""), "uv.lock records six in the dependencies of the project, which"
                       " pyproject.toml no longer asks for"),
    (('dev = ["pytest"]', 'dev = ["pytest", "pluggy"]'), "asks for pluggy in the group 'dev'"),
    (('requires-python = ">=3.9"', 'requires-python = ">=3.10"'),
     "requires-python is '>=3.10', uv.lock was made for '>=3.9'"),
    # written otherwise, the same: no finding
    (('"six",\n', '"Six ",\n'), None),
    (('requires-python = ">=3.9"', 'requires-python = ">= 3.9.0"'), None),
    # uv records `~=3.9` as `>=3.9, <4` (red team 41b F4: MLG208, `uv lock --check` passes)
    (('requires-python = ">=3.9"', 'requires-python = "~=3.9"'), None),
    # what `dynamic` names is computed by the build backend (41b F3)
    (('dependencies = [', 'dynamic = ["dependencies"]\nnot-read = ['), None),
    # a damaged record is no traceback (41b F5)
    ("requires-dist = 5", None),
])
def test_a_uv_lock_is_stale_when_its_record_of_the_manifest_differs(tmp_path, change, said):
    from mlgate.checks.lock import _stale_against_manifest
    from mlgate.locks.detect import parse_lock

    lock = Path(FIXTURES, "uv", "uv.lock").read_text()
    if change == ('requires-python = ">=3.9"', 'requires-python = "~=3.9"'):
        lock = lock.replace('requires-python = ">=3.9"', 'requires-python = ">=3.9, <4"', 1)
    if change == "requires-dist = 5":
        lock = lock.replace("requires-dist = [", "requires-dist = 5\nwas = [", 1)
        change = None
    (tmp_path / "uv.lock").write_text(lock)
    text = UV_PYPROJECT if change is None else UV_PYPROJECT.replace(*change)
    (tmp_path / "pyproject.toml").write_text(text)
    [lock] = parse_lock(str(tmp_path / "uv.lock"))
    found = [f.message for f in _stale_against_manifest([lock])]
    if said is None:
        assert found == []
    else:
        assert len(found) == 1 and said in found[0], found
        assert "uv lock --check" in found[0]
