"""Locks as real teams write them (issue #11 §4): PowerShell's UTF-16 requirements, locks below
the repository root, extras and development groups, and the README's own demo after its test
command. Each project is a real git repository with a real (metadata-only) virtualenv."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from envs import install, make_venv, python_of, site_packages
from hypothesis import given
from hypothesis import strategies as st

from mlgate.cli import main
from mlgate.locks.detect import discover_locks

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(git_project, monkeypatch):
    """A git repository as the cwd, with its environment in .venv/ (not git-ignored, as
    many are: discovery must leave it out by its pyvenv.cfg)."""
    for var in ("MLGATE_PYTHON", "UV_PROJECT_ENVIRONMENT", "CONDA_PREFIX", "VIRTUAL_ENV"):
        monkeypatch.delenv(var, raising=False)
    return git_project, make_venv(git_project / ".venv")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(textwrap.dedent(text).encode(encoding))
    return path


def run_lock(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["lock", "--format", "json", "--no-cache", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else []


def summary(found: list[dict]) -> list[tuple]:
    return sorted((f["path"], f["line"], f["col"], f["code"], f.get("package", ""))
                  for f in found)


# ------------------------------------------------------------------------------ encodings

REQUIREMENTS = """\
# written by pip freeze\r
attrs==23.2.0\r
six==1.16.0 \\\r
    --hash=sha256:00\r
this is not a requirement !!\r
"""
UV_LOCK = """\
version = 1
requires-python = ">=3.9"

[[package]]
name = "attrs"
version = "23.2.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "six"
version = "1.16.0
"""


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
@pytest.mark.parametrize("name, text", [("requirements.txt", REQUIREMENTS),
                                        ("uv.lock", UV_LOCK)])
def test_utf16_and_bom_locks_read_like_utf8(project, capsys, encoding, name, text):
    """PowerShell 5's `pip freeze > requirements.txt` writes UTF-16 with a BOM: the same
    findings, at the same lines and columns, as the UTF-8 file."""
    root, venv = project
    install(venv, "attrs", "24.1.0")
    install(venv, "six", "1.16.0")
    write(root / name, text)
    code, plain = run_lock(capsys, name)
    assert code == 1 and plain
    data = textwrap.dedent(text).encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # Python's utf-16-be writes no BOM; Windows tools do
    (root / name).write_bytes(data)
    code, found = run_lock(capsys, name)
    assert code == 1 and summary(found) == summary(plain)


def test_utf16_without_bom_is_read_too(project, capsys):
    root, venv = project
    install(venv, "attrs", "23.2.0")
    (root / "requirements.txt").write_bytes("attrs==23.2.0\r\nsix==1.16.0\r\n"
                                            .encode("utf-16-le"))
    code, found = run_lock(capsys)
    assert (code, summary(found)) == (1, [("requirements.txt", 2, 1, "MLG201", "six")])


@pytest.mark.parametrize("data, where, undeclared", [
    # cp1252 (a Windows editor), in a comment: pip on a UTF-8 system cannot read it either;
    # the rest of the file is read (attrs is declared)
    ("# r\xe9sum\xe9 service\nattrs==23.2.0\n".encode("cp1252"), (1, 4), ["stray"]),
    # ... and in a requirement: still one finding for the line
    ("attrs==23.2.0\nna\xefve==1.0\n".encode("cp1252"), (2, 3), ["stray"]),
    # UTF-16 cut short (an odd number of bytes)
    ("attrs==23.2.0\n".encode("utf-16") + b"s", (2, 1), ["stray"]),
    # not text at all: what it declares is unknown, so nothing is called undeclared
    (bytes(range(256)) * 4, (1, 1), []),
])
def test_undecodable_lock_is_one_finding(project, capsys, data, where, undeclared):
    """One MLG200 that says where, not one error per line, and no traceback."""
    root, venv = project
    install(venv, "attrs", "23.2.0")
    install(venv, "stray", "1.0")
    (root / "requirements.txt").write_bytes(data)
    code, found = run_lock(capsys)
    assert code == 1
    assert [(f["line"], f["col"]) for f in found if f["code"] == "MLG200"] == [where]
    assert [f["package"] for f in found if f["code"] != "MLG200"] == undeclared


@given(st.one_of(st.binary(max_size=300), st.text(max_size=100).flatmap(
    lambda t: st.sampled_from([t.encode(e, "replace") for e in
                               ("utf-8", "utf-16", "utf-16-le", "utf-32", "cp1252")]))))
def test_any_bytes_are_read_without_raising(data):
    """Whatever the bytes, reading never raises, the decoding problem comes once and first,
    and every position is inside the file."""
    import tempfile

    from mlgate.locks.detect import parse_lock

    with tempfile.TemporaryDirectory() as folder:
        for name in ("requirements.txt", "uv.lock", "pyproject.toml", "Pipfile.lock"):
            path = os.path.join(folder, name)
            Path(path).write_bytes(data)
            for lock in parse_lock(path):
                decoding = [p for p in lock.problems if p.message.startswith(
                    ("cannot decode", "cannot read"))]
                assert len(decoding) <= 1 and (not decoding or lock.problems[0] is decoding[0])
                for problem in lock.problems:
                    assert problem.line >= 1 and problem.col >= 1
                    assert problem.line <= len(data) + 1


def test_paths_check_reads_utf16_requirements(project, capsys):
    root, _ = project
    (root / "requirements.txt").write_bytes(
        "attrs==23.2.0\r\nlib @ file:///Users/ana/code/lib\r\n".encode("utf-16"))
    code = main(["paths", "--format", "json", "--no-config", "requirements.txt"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1 and [(f["line"], f["col"], f["code"]) for f in found] == [
        (2, 1, "MLG107")]


# ------------------------------------------------------------------------------ discovery

UV_SUB_LOCK = """\
version = 1
requires-python = ">=3.9"

[[package]]
name = "api"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "attrs" }]

[[package]]
name = "attrs"
version = "23.2.0"
source = { registry = "https://pypi.org/simple" }
"""
POETRY_SUB_LOCK = """\
[[package]]
name = "attrs"
version = "23.2.0"
description = "Classes Without Boilerplate"
optional = false
python-versions = ">=3.7"
files = []

[metadata]
lock-version = "2.0"
python-versions = "^3.9"
content-hash = "0"
"""
PYPROJECT_API = """\
[project]
name = "api"
version = "0.1.0"
dependencies = ["attrs>=23"]
"""


@pytest.mark.parametrize("files, lock, line", [
    ({"backend/requirements.txt": "attrs==23.2.0\n"}, "backend/requirements.txt", 1),
    ({"api/pyproject.toml": PYPROJECT_API, "api/uv.lock": UV_SUB_LOCK}, "api/uv.lock", 11),
    ({"service/pyproject.toml": PYPROJECT_API, "service/poetry.lock": POETRY_SUB_LOCK},
     "service/poetry.lock", 2),
])
def test_a_lock_below_the_root_is_judged(project, capsys, files, lock, line):
    """Nothing at the root: the lock in the subfolder is found and judged (it was skipped,
    and the check passed without having looked)."""
    root, venv = project
    for rel, text in files.items():
        write(root / rel, text)
    install(venv, "attrs", "24.1.0")
    if any(rel.endswith("pyproject.toml") for rel in files):
        install(venv, "api", "0.1.0", direct_url={"url": f"file://{root}/api",
                                                  "dir_info": {"editable": True}})
    code, found = run_lock(capsys)
    # The subproject's own distribution is not 'undeclared'; its ranges are pinned by its lock.
    assert (code, summary(found)) == (1, [(lock, line, 1, "MLG202", "attrs")])


def test_audit_judges_a_lock_below_the_root(project, capsys):
    root, venv = project
    write(root / "backend/requirements.txt", "attrs==23.2.0\n")
    install(venv, "attrs", "24.1.0")
    code = main(["audit", "--format", "json", "--skip", "artifact", "--skip", "schema",
                 "--skip", "latency", "."])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert summary(report["findings"]) == [
        ("backend/requirements.txt", 1, 1, "MLG202", "attrs")]


def test_discovery_leaves_out_environments_node_modules_and_excluded(project):
    root, _ = project
    write(root / "pyproject.toml", '[tool.mlgate]\nexclude = ["vendor/**"]\n')
    for rel in ("backend/requirements.txt", "backend/requirements/dev.txt",
                "tools/env/requirements.txt", "conda/requirements.txt",
                "web/node_modules/pkg/requirements.txt", "vendor/lib/requirements.txt",
                "backend/requirements.in"):
        write(root / rel, "attrs==23.2.0\n")
    write(root / "tools/env/pyvenv.cfg", "home = /usr/bin\n")  # a virtualenv nobody ignored
    write(root / "conda/conda-meta/history", "")
    from mlgate.config import load_config

    assert discover_locks(".", load_config()) == [
        "pyproject.toml", "backend/requirements.txt", "backend/requirements/dev.txt"]


def test_a_workspace_member_is_locked_by_the_nearest_lock_above(project, monkeypatch):
    """`mlgate audit packages/a` (a uv workspace member: pyproject.toml only) is judged against
    the workspace's uv.lock at the root, not called unpinned."""
    root, _ = project
    write(root / "pyproject.toml", "[tool.uv.workspace]\nmembers = ['packages/*']\n")
    write(root / "uv.lock", UV_SUB_LOCK)
    write(root / "packages/a/pyproject.toml", PYPROJECT_API)
    monkeypatch.chdir(root / "packages" / "a")
    assert [os.path.relpath(p) for p in discover_locks(".")] == [
        "pyproject.toml", os.path.join("..", "..", "pyproject.toml"),
        os.path.join("..", "..", "uv.lock")]


def test_a_lock_above_is_named_the_same_way_whoever_found_it_first(project, capsys,
                                                                 monkeypatch):
    # `mlgate lock` found ../requirements.txt as an absolute path, the audit as a relative
    # one, and the verdict cached by the first replayed its spelling for the other.
    root, venv = project
    write(root / "requirements.txt", "attrs==1.0\n")
    install(venv, "attrs", "23.2.0")
    write(root / "app" / "pyproject.toml", "[tool.mlgate]\n")
    monkeypatch.chdir(root / "app")
    for command in (["lock"], ["audit", "--skip", "artifact", "--skip", "schema", "--skip",
                               "latency"], ["lock"]):
        main([*command, "--format", "json"])  # (the cache shared between them)
        out = json.loads(capsys.readouterr().out)
        found = out["findings"] if isinstance(out, dict) else out
        assert [(f["path"], f["code"]) for f in found] == [
            (os.path.join("..", "requirements.txt"), "MLG202")], command


def test_independent_locks_declare_for_each_other(project, capsys):
    """A root lock and a tools/ lock: what tools/ locks is not 'undeclared' for the root."""
    root, venv = project
    write(root / "requirements.txt", "attrs==23.2.0\n")
    write(root / "tools/requirements.txt", "six==1.16.0\n")
    install(venv, "attrs", "23.2.0")
    install(venv, "six", "1.16.0")
    assert run_lock(capsys) == (0, [])
    install(venv, "stray", "1.0")
    code, found = run_lock(capsys)
    assert (code, summary(found)) == (0, [("requirements.txt", 1, 1, "MLG204", "stray")])


def test_a_root_pyproject_is_not_pinned_by_a_lock_in_a_subfolder(project, capsys):
    """A lock in docs/ does not pin the root project's ranges (the nearest lock above it
    does): MLG205 stays."""
    root, venv = project
    write(root / "pyproject.toml", '[project]\nname = "lib"\nversion = "1"\n'
                                   'dependencies = ["attrs>=23"]\n')
    write(root / "docs/requirements.txt", "six==1.16.0\n")
    install(venv, "attrs", "23.2.0")
    install(venv, "six", "1.16.0")
    code, found = run_lock(capsys)
    assert (code, summary(found)) == (1, [("pyproject.toml", 4, 1, "MLG205", "attrs")])


def test_configured_files_are_the_whole_projects_locks(project, capsys):
    """`[tool.mlgate.lock] files` naming a lock in deploy/: it pins the root's ranges."""
    root, venv = project
    write(root / "pyproject.toml", '[project]\nname = "svc"\nversion = "1"\n'
                                   'dependencies = ["attrs>=23"]\n\n[tool.mlgate.lock]\n'
                                   'files = ["pyproject.toml", "deploy/requirements.txt"]\n')
    write(root / "deploy/requirements.txt", "attrs==23.2.0\n")
    install(venv, "attrs", "23.2.0")
    assert run_lock(capsys) == (0, [])


# --------------------------------------------------------------------- extras and dev groups

def test_extras_bring_in_what_they_require(project, capsys):
    """`uvicorn[standard]` declares uvicorn and what its `standard` extra requires, and what
    those require, markers evaluated for the project's interpreter."""
    root, venv = project
    write(root / "requirements.txt", "uvicorn[standard]==0.30.0\n")
    other = "win32" if sys.platform != "win32" else "linux"
    install(venv, "uvicorn", "0.30.0", requires=[
        "click>=7", 'uvloop>=0.14; extra == "standard"',
        'httptools>=0.5; extra == "standard"',
        f'colorama>=0.4; sys_platform == "{other}" and extra == "standard"',
        'pytest; extra == "test"'])
    install(venv, "click", "8.1.7")
    install(venv, "uvloop", "0.19.0")
    install(venv, "httptools", "0.6.1", requires=["http-parser-core>=1"])
    install(venv, "http-parser-core", "1.0")
    install(venv, "colorama", "0.4.6")  # only another platform's marker asks for it
    install(venv, "pytest", "8.0.0")    # only uvicorn's `test` extra, not asked for
    code, found = run_lock(capsys)
    assert (code, summary(found)) == (0, [
        ("requirements.txt", 1, 1, "MLG204", "colorama"),
        ("requirements.txt", 1, 1, "MLG204", "pytest")])
    # a development lock read first is not where the runtime's package goes (new-user
    # trial round 39 F3: the editor jumped to requirements-dev.txt)
    write(root / "requirements-dev.txt", "click==8.1.7\n")
    assert [f["path"] for f in run_lock(capsys)[1]] == ["requirements.txt"] * 2
    # the plain name on another line too: pip installs the union of both lines' extras
    # (new-user trial 46 F8: `fastapi==X` above `fastapi[standard]==X`, 8 MLG204)
    (root / "requirements-dev.txt").unlink()
    write(root / "requirements.txt", "uvicorn==0.30.0\nuvicorn[standard]==0.30.0\n")
    assert [f.get("package") for f in run_lock(capsys)[1]] == ["colorama", "pytest"]


@pytest.mark.parametrize("files", [
    {"tests/requirements.txt": "pytest==8.0.0\n"},
    {"requirements-dev.txt": "pytest==8.0.0\n"},
    {"pyproject.toml": '[project]\nname = "app"\nversion = "1"\n\n'
                       '[dependency-groups]\ndev = ["pytest>=8", {include-group = "lint"}]\n'
                       'lint = ["attrs"]\n'},
    {"pyproject.toml": '[tool.uv]\ndev-dependencies = ["pytest>=8"]\n'},
    {"pyproject.toml": '[tool.poetry]\nname = "app"\n\n[tool.poetry.dependencies]\n'
                       'python = "^3.9"\n\n[tool.poetry.group.test.dependencies]\n'
                       'pytest = { version = "^8.0", extras = [] }\n'},
    {"pyproject.toml": '[tool.poetry.dev-dependencies]\npytest = "^8.0"\n'},
    {"pyproject.toml": '[tool.pdm.dev-dependencies]\ntest = ["pytest>=8"]\n'},
    {"pyproject.toml": '[project]\nname = "app"\nversion = "1"\n'
                       '[project.optional-dependencies]\ntest = ["pytest>=8"]\n'},
])
def test_dev_files_and_groups_count_as_declared(project, capsys, files):
    """The runtime lock is requirements.txt; pytest (and what it requires) is declared by a
    dev/test file or group: not 'undeclared'."""
    root, venv = project
    write(root / "requirements.txt", "attrs==23.2.0\n")
    for rel, text in files.items():
        write(root / rel, text)
    install(venv, "attrs", "23.2.0")
    install(venv, "pytest", "8.0.0", requires=["iniconfig", "pluggy<2,>=1.3"])
    install(venv, "iniconfig", "2.0.0")
    install(venv, "pluggy", "1.4.0")
    assert run_lock(capsys) == (0, [])


def test_a_pip_compiled_dev_lock_beside_the_runtime_one_warns_and_does_not_block(project,
                                                                                  capsys):
    """New-user trial round 31: requirements-dev.txt (pip-compile's dev lock beside
    requirements.txt, an ordinary layout) made MLG201 an error, "82 of the 108 packages this
    lock pins are not installed": the environment checked is the runtime one. What a
    development lock lacks, or pins otherwise, is a warning, grouped as ever; the runtime
    lock's own missing package is still an error."""
    root, venv = project
    write(root / "requirements.txt", "attrs==23.2.0\nsix==1.16.0\n")
    tools = [f"devtool{n}==1.0" for n in range(12)]
    write(root / "requirements-dev.txt", "attrs==23.1.0\n" + "\n".join(tools) + "\n")
    install(venv, "attrs", "23.2.0")
    install(venv, "six", "1.16.0")
    code, found = run_lock(capsys)
    assert code == 0, found
    assert [(f["path"], f["code"], f["severity"]) for f in found] == [
        ("requirements-dev.txt", "MLG201", "warning")], found
    assert "a development lock" in found[0]["message"] and found[0]["count"] == 12, found
    write(root / "requirements.txt", "attrs==23.2.0\nsix==1.16.0\nidna==3.6\n")
    code, found = run_lock(capsys)
    assert code == 1 and ("requirements.txt", "MLG201", "error") in [
        (f["path"], f["code"], f["severity"]) for f in found], found
    # new-user trial round 39 (F4): an unpinned development tool does not ship either
    write(root / "requirements.txt", "attrs==23.2.0\nsix==1.16.0\n")
    write(root / "requirements-dev.txt", "six\n")
    code, found = run_lock(capsys)
    assert code == 0 and [(f["path"], f["code"], f["severity"]) for f in found] == [
        ("requirements-dev.txt", "MLG205", "warning")], found
    assert "a development lock: it does not ship" in found[0]["message"]
    write(root / "requirements.txt", "attrs==23.2.0\nsix\n")  # the runtime one still blocks
    code, found = run_lock(capsys)
    assert code == 1 and ("requirements.txt", "MLG205", "error") in [
        (f["path"], f["code"], f["severity"]) for f in found], found


# ------------------------------------------------------------------------- the README's demo

def test_readme_demo_stays_clean_after_the_readme_test_command(project, capsys, monkeypatch):
    """The README's first command installs mlgate and examples/churn's requirements into
    .venv; its second installs mlgate's test extra into the same .venv. `mlgate lock` from
    examples/churn (what `mlgate audit examples/churn` runs) then has nothing to say: the
    test tools are declared by the repository's pyproject.toml, as its `test` extra."""
    from packaging.requirements import Requirement

    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

    root, venv = project
    for rel in ("pyproject.toml", "examples/churn/pyproject.toml",
                "examples/churn/requirements.txt"):
        write(root / rel, (REPO_ROOT / rel).read_text(encoding="utf-8"))
    meta = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for line in (REPO_ROOT / "examples/churn/requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            install(venv, name.strip(), version.strip())
    install(venv, meta["name"], "0.1.0", requires=meta["dependencies"])
    install(venv, "packaging", "24.0")
    tools = {Requirement(r).name for r in meta["optional-dependencies"]["test"]}
    for name in sorted(tools):
        if not list((venv / "lib").glob(f"python*/site-packages/{name.replace('-', '_')}-*")):
            # each tool brings a dependency of its own, as pytest brings pluggy
            install(venv, name, "1.0", requires=[f"{name}-helper"])
            install(venv, f"{name}-helper", "1.0")
    monkeypatch.chdir(root / "examples" / "churn")
    assert run_lock(capsys) == (0, [])
    # what `mlgate audit examples/churn` asks: the locks it found, named
    assert run_lock(capsys, "pyproject.toml", "requirements.txt") == (0, [])
    install(venv, "stray", "1.0")  # anything else installed is still reported
    code, found = run_lock(capsys)
    assert (code, [f["package"] for f in found]) == (0, ["stray"])  # a warning


def test_a_file_found_and_included_is_reported_once(tmp_path, monkeypatch, capsys):
    import json
    import subprocess
    import sys

    from mlgate.cli import main

    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    (tmp_path / "requirements.txt").write_text("attrs>=20\n")
    (tmp_path / "test_requirements.txt").write_text("-r requirements.txt\n")
    main(["lock", "--format", "json", "--no-cache", "--python", sys.executable])
    found = [(f["path"], f["line"], f["code"]) for f in json.loads(capsys.readouterr().out)
             if f["code"] == "MLG205"]
    assert found == [("requirements.txt", 1, "MLG205")]


# ------------------------------------------------------------------ a lock older than its manifest

# (the hash pipenv 2026.10.3 records of the Pipfile most tests here write:
# '[packages]\nattrs = "==23.2.0"\nsix = "*"\n')
_PIPFILE_HASH = "58077d656c1b1b69006e8fc3537d2bfe4aa74e66669c51be13eb49d2a4b9f8ad"
PIPFILE_LOCK = """\
{
    "_meta": {"hash": {"sha256": "HASH"}, "pipfile-spec": 6, "requires": {}, "sources": []},
    "default": {
        "attrs": {"version": "==23.2.0"},
        "six": {"version": "==1.16.0"}
    },
    "develop": {}
}
""".replace("HASH", _PIPFILE_HASH)


@pytest.mark.parametrize(("manifest", "lock_name", "lock", "stale"), [
    ("Pipfile", "Pipfile.lock", PIPFILE_LOCK, False),
    ("Pipfile", "Pipfile.lock", PIPFILE_LOCK.replace("23.2.0", "23.1.0"), True),
], ids=["fresh", "stale"])
def test_a_pipfile_lock_older_than_its_pipfile_is_stale(project, capsys, manifest, lock_name,
                                                        lock, stale):
    """The Pipfile pins attrs ==23.2.0 and the lock has 23.1.0: `pipenv install --deploy`
    refuses such a lock; mlgate passed it as long as the environment matched the lock."""
    root, venv = project
    install(venv, "attrs", "23.1.0" if stale else "23.2.0")
    install(venv, "six", "1.16.0")
    write(root / manifest, '[packages]\nattrs = "==23.2.0"\nsix = "*"\n')
    write(root / lock_name, lock)
    code, found = run_lock(capsys)
    codes = [(f["code"], f.get("package"), f.get("manifest_line")) for f in found]
    assert codes == ([("MLG208", "attrs", 2)] if stale else []), found
    if stale:
        assert found[0]["message"] == ("attrs is locked at 23.1.0, but Pipfile:2 asks for"
                                       " ==23.2.0: the lock is older than its manifest")
        assert "pipenv lock" in found[0]["hint"] and code == 1


def test_manifest_constraints_as_their_tools_read_them():
    from mlgate.locks.manifest import _poetry_spec

    assert _poetry_spec("^1.6.1") == ">=1.6.1,<2"
    assert _poetry_spec("^0.2.3") == ">=0.2.3,<0.3"
    assert _poetry_spec("^0.0.3") == ">=0.0.3,<0.0.4"
    assert _poetry_spec("~1.2.3") == ">=1.2.3,<1.3"
    assert _poetry_spec("~1") == ">=1,<2"
    assert _poetry_spec("1.2.*") == "==1.2.*"
    assert _poetry_spec("1.4") == "==1.4"
    assert _poetry_spec(">=1.0, <2.0") == ">=1.0,<2.0"
    assert _poetry_spec({"version": "^2.0", "extras": ["x"]}) == ">=2.0,<3"
    assert _poetry_spec("*") is None and _poetry_spec("^1 || ^2") is None
    assert _poetry_spec({"git": "https://x"}) is None and _poetry_spec("latest") is None


def test_poetry_and_uv_locks_are_held_to_their_pyproject(tmp_path):
    from mlgate.locks import manifest
    from mlgate.locks.model import LockedPackage, ParsedLock

    write(tmp_path / "pyproject.toml", """\
        [project]
        name = "app"
        dependencies = ["numpy>=2", "pandas", "attrs @ git+https://x/attrs"]
        [dependency-groups]
        dev = ["pytest<8"]
        [tool.poetry.dependencies]
        python = "^3.9"
        numpy = "^2.0"
        [tool.poetry.group.dev.dependencies]
        pytest = {version = "~7.4"}
        """)
    lock = ParsedLock(str(tmp_path / "uv.lock"), "uv", [
        LockedPackage("numpy", "uv.lock", 3, version="1.26.4"),
        LockedPackage("pandas", "uv.lock", 9, version="2.2.0"),
        LockedPackage("pytest", "uv.lock", 12, version="8.1.0")])
    for kind, lines in (("uv", [3, 5]), ("poetry", [8, 10])):
        path, wanted = manifest.requirements(str(tmp_path / "uv.lock"), kind)
        assert path == str(tmp_path / "pyproject.toml")
        found = manifest.stale(lock, wanted)
        assert [(p.name, line) for p, _, line in found] == list(zip(("numpy", "pytest"), lines))


# ------------------------------------------------------------------------------ the image's Python

OURS = f"{sys.version_info[0]}.{sys.version_info[1]}"
OTHER = "3.8" if OURS != "3.8" else "3.9"


@pytest.mark.parametrize("markers, expected", [
    # `poetry export` writes the project's Python range on every line: on an older image
    # the file installs nothing, and the service cannot start
    (f'; python_version >= "{OURS}"', "error"),
    ("", "warning"),  # installs, but on a Python nobody checked
])
def test_a_dockerfile_on_another_python_than_the_environment(project, capsys, markers,
                                                             expected):
    root, venv = project
    install(venv, "attrs", "23.2.0")
    write(root / "app" / "requirements.txt", f"attrs==23.2.0{markers}\n")
    write(root / "Dockerfile", f"""\
        FROM python:{OTHER}-slim
        COPY app/requirements.txt .
        RUN pip install -r requirements.txt
        """)
    write(root / "train" / "requirements.txt", "attrs==23.2.0\n")  # not the image's
    write(root / "requirements.txt", "attrs==23.2.0\n")  # nor this one (app/... is not it)
    code, found = run_lock(capsys)
    image = [f for f in found if f["code"] == "MLG209"]
    # at the FROM line, where it is fixed, naming the lock it installs
    assert [(f["path"], f["line"], f["severity"], f["lock"]) for f in image] == [
        ("Dockerfile", 1, expected, "app/requirements.txt")], found
    assert image[0]["message"].startswith(f"builds on Python {OTHER}")
    assert code == (1 if expected == "error" else 0)
    # `COPY . .` copies every file: what RUN installs is what counts
    write(root / "Dockerfile", f"FROM python:{OTHER}\nCOPY --chown=app . .\n"
          "RUN pip install -r app/requirements.txt\n")
    code, found = run_lock(capsys)
    assert [f["lock"] for f in found if f["code"] == "MLG209"] == ["app/requirements.txt"]
    # on the environment's own Python, nothing to say
    write(root / "Dockerfile", f"FROM python:{OURS}-slim\nCOPY app/requirements.txt .\n")
    code, found = run_lock(capsys)
    assert not [f for f in found if f["code"] == "MLG209"] and code == 0, found
    # new-user trial round 39 (F6): images whose name or tag says their Python, and an ARG
    # default (`docker init`'s template); not an image that does not say it
    for line, at in [(f"FROM tiangolo/uvicorn-gunicorn-fastapi:python{OTHER}", 1),
                     (f"FROM public.ecr.aws/lambda/python:{OTHER}", 1),
                     (f"ARG PYTHON_VERSION={OTHER}\nFROM python:${{PYTHON_VERSION}}-slim", 2),
                     ("FROM ubuntu:22.04", None), ("FROM mypython:3.1", None)]:
        write(root / "Dockerfile", f"{line}\nCOPY app/requirements.txt .\n")
        code, found = run_lock(capsys)
        assert [f["line"] for f in found if f["code"] == "MLG209"] == ([at] if at else []), (
            line, found)


def test_an_excluded_dockerfile_says_nothing(project, capsys):
    """New-user trial round 31: `exclude = ["front-end/**"]` left front-end/Dockerfile's
    MLG209 (and its unpinned installs, MLG210) in the report."""
    root, venv = project
    install(venv, "attrs", "23.2.0")
    write(root / "requirements.txt", "attrs==23.2.0\n")
    write(root / "front-end" / "Dockerfile", f"FROM python:{OTHER}-slim\n"
          "COPY requirements.txt .\nRUN pip install -r requirements.txt streamlit\n")
    code, found = run_lock(capsys)
    assert code == 1 and {f["code"] for f in found} == {"MLG209", "MLG210"}, found
    write(root / "pyproject.toml", '[tool.mlgate]\nexclude = ["front-end/**"]\n')
    assert run_lock(capsys) == (0, [])


@pytest.mark.parametrize("run, flagged", [
    ("uv pip install --system -e .", True),
    ("pip install --no-cache-dir .[api]", True),
    ("pip install -r requirements.txt && pip install -e .", False),  # the lock first
    ("uv sync --frozen && uv pip install -e .", False),
    ("pip install --no-deps .", False),  # nothing but the project
    ("pip install --target . attrs==23.2.0", False),  # `.` is where, not what
])
def test_an_image_that_installs_the_project_and_no_lock_warns(project, capsys, run, flagged):
    """New-user trial round 31: READY for a project whose only Dockerfile ran `uv pip
    install --system -e .`: its dependencies came from pyproject.toml's ranges (scikit-learn
    1.9 for a model pickled with 1.8), not from the lock. A warning (MLG210)."""
    root, venv = project
    install(venv, "attrs", "23.2.0")
    write(root / "requirements.txt", "attrs==23.2.0\n")
    write(root / "Dockerfile", f"FROM python:{OURS}-slim\nCOPY . .\nRUN {run}\n")
    code, found = run_lock(capsys)
    assert code == 0, found
    image = [(f["path"], f["line"], f["code"], f["severity"]) for f in found]
    assert image == ([("Dockerfile", 3, "MLG210", "warning")] if flagged else []), found


def test_an_image_that_installs_the_project_on_another_python_says_so(project, capsys):
    """New-user trial round 31: an image built on another Python that installs the project
    from its ranges (no lock) got MLG210, and no word that its Python is not the one the
    models were checked with (MLG209 looked only at images naming a lock)."""
    root, venv = project
    install(venv, "attrs", "23.2.0")
    write(root / "requirements.txt", "attrs==23.2.0\n")
    write(root / "Dockerfile", "FROM python:3.8-slim\nCOPY . .\nRUN pip install .\n")
    code, found = run_lock(capsys)
    assert code == 0  # warnings
    image = sorted((f["path"], f["line"], f["code"], f["severity"]) for f in found)
    assert image == [("Dockerfile", 1, "MLG209", "warning"),
                     ("Dockerfile", 3, "MLG210", "warning")], found
    assert f"runs Python {OURS}" in next(f["message"] for f in found if f["code"] == "MLG209")
    write(root / "Dockerfile", f"FROM python:{OURS}-slim\nCOPY . .\nRUN pip install .\n")
    assert [f["code"] for f in run_lock(capsys)[1]] == ["MLG210"]


def test_an_older_image_that_skips_part_of_the_lock_is_an_error(project, capsys):
    # New-user trial round 37: a Pipfile.lock made on a newer Python marks numpy with
    # `python_version >= "3.9"`; FROM python:3.8 skipped it and installed the rest, which
    # cannot run without it: READY with a warning. Skipping a backport on a newer image
    # (`tomli; python_version < "3.11"`) is no such thing.
    root, venv = project
    install(venv, "attrs", "23.2.0")
    install(venv, "six", "1.16.0")
    write(root / "requirements.txt", f'attrs==23.2.0\nsix==1.16.0; python_version >= "{OURS}"\n')
    write(root / "Dockerfile", f"FROM python:{OTHER}-slim\nCOPY requirements.txt .\n")
    code, found = run_lock(capsys)
    image = [f for f in found if f["code"] == "MLG209"]
    assert code == 1 and [(f["severity"], f["skipped"]) for f in image] == [
        ("error", ["six"])], found
    assert "skip six, which the project's Python" in image[0]["message"]
    newer = "3.99"
    write(root / "requirements.txt", f'attrs==23.2.0\nsix==1.16.0; python_version < "{newer}"\n')
    write(root / "Dockerfile", f"FROM python:{newer}-slim\nCOPY requirements.txt .\n")
    code, found = run_lock(capsys)
    assert [f["severity"] for f in found if f["code"] == "MLG209"] == ["warning"], found


def test_a_dockerfile_on_a_python_the_pinned_versions_do_not_support(project, capsys):
    # `pip freeze` on Python 3.11 pins numpy 2.4.6, which requires Python >= 3.11: built
    # FROM python:3.10, the image cannot install it (the metadata says so), an error.
    root, venv = project
    install(venv, "attrs", "23.2.0", requires_python=">=3.7")
    install(venv, "numpy", "2.4.6", requires_python=f">={OURS}")
    write(root / "requirements.txt", "attrs==23.2.0\nnumpy==2.4.6\n")
    write(root / "Dockerfile", f"FROM python:{OTHER}-slim\nCOPY requirements.txt .\n")
    code, found = run_lock(capsys)
    image = [f for f in found if f["code"] == "MLG209"]
    assert code == 1 and [(f["path"], f["severity"]) for f in image] == [
        ("Dockerfile", "error")], found
    assert f"numpy==2.4.6 requires Python >={OURS}" in image[0]["message"]
    assert "attrs" not in image[0]["message"]


def test_the_dockerfile_is_read_outside_a_git_checkout_too(project, capsys):
    # a source archive (`git archive | tar -x`) has no .git: the folder's files count
    import shutil

    root, venv = project
    install(venv, "attrs", "23.2.0")
    write(root / "requirements.txt", "attrs==23.2.0\n")
    write(root / "Dockerfile", f"FROM python:{OTHER}-slim\nCOPY requirements.txt .\n")
    shutil.rmtree(root / ".git")
    _, found = run_lock(capsys, "--python", python_of(venv))
    assert [(f["path"], f["code"]) for f in found] == [("Dockerfile", "MLG209")], found


def test_a_cached_lock_verdict_follows_the_dockerfile(project, capsys):
    root, venv = project
    install(venv, "attrs", "23.2.0")
    write(root / "requirements.txt", "attrs==23.2.0\n")
    write(root / "Dockerfile", f"FROM python:{OURS}\nCOPY requirements.txt .\n")

    def cached_run() -> list[str]:
        main(["lock", "--format", "json"])
        return [f["code"] for f in json.loads(capsys.readouterr().out or "[]")]

    assert cached_run() == [] and cached_run() == []  # the second answered by the cache
    write(root / "Dockerfile", f"FROM python:{OTHER}\nCOPY requirements.txt .\n")
    assert cached_run() == ["MLG209"]
    (root / "Dockerfile").unlink()
    write(root / "docker" / "Dockerfile", "FROM python:3.7\nCOPY constraints.txt .\n")
    assert cached_run() == []  # it does not install the lock
    # `docker build -f docker/Dockerfile .`: a path from the repository's root
    write(root / "docker" / "Dockerfile", "FROM python:3.7\nCOPY requirements.txt .\n")
    assert cached_run() == ["MLG209"]


def test_a_package_locked_for_another_platform_is_not_undeclared_here(project, capsys):
    """A lock that keeps `colorama` for Windows only still locks it: installed on Linux
    anyway (another tool brought it), it is not "in no lock"."""
    root, venv = project
    other = "win32" if sys.platform != "win32" else "linux"
    write(root / "requirements.txt",
          f'attrs==23.2.0\ncolorama==0.4.6 ; sys_platform == "{other}"\n')
    install(venv, "attrs", "23.2.0")
    install(venv, "colorama", "0.4.6")
    install(venv, "stray", "1.0")
    code, found = run_lock(capsys)
    assert (code, summary(found)) == (0, [("requirements.txt", 1, 1, "MLG204", "stray")])


def test_the_install_hint_names_the_locks_own_tool_and_the_poetry_note_is_said_once(
        project, capsys):
    root, venv = project
    write(root / "pyproject.toml", PYPROJECT_API)
    write(root / "poetry.lock", POETRY_SUB_LOCK.replace('lock-version = "2.0"', (
        'lock-version = "1.1"')) + "".join(
        f'\n[[package]]\nname = "pkg{i}"\nversion = "1.0"\noptional = false\n'
        f'python-versions = "*"\nfiles = []\n' for i in range(3)))
    install(venv, "attrs", "23.2.0")
    code, found = run_lock(capsys)
    assert code == 0  # (warnings: without markers, they may be for another platform)
    missing = [f for f in found if f["code"] == "MLG201"]
    assert [f["package"] for f in missing] == ["pkg0", "pkg1", "pkg2"], found
    assert all("(poetry install)" in f["hint"] for f in missing), missing
    assert ["written before Poetry 2" in f["message"] for f in missing] == [True, False, False]
    assert missing[1]["message"].endswith("(a poetry.lock without markers: see above)")


def test_no_lock_at_all_is_said_not_passed_in_silence(project, capsys):
    """With no lock, the hook passed with nothing said (new-user trial): it says that
    nothing was compared, and the hook shows what it says (verbose, as check-schema)."""
    import yaml

    code, found = run_lock(capsys)
    assert (code, found) == (0, [])
    main(["lock", "--no-cache"])
    assert "no lock or requirements file found, nothing compared" in capsys.readouterr().err
    hooks = {h["id"]: h for h in yaml.safe_load(
        (REPO_ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["check-lock"].get("verbose") is True


# What a Dockerfile's RUN hands pip by name (MLG210): the image bypasses the lock.
_IMAGE = """\
    FROM python:3.11-slim
    RUN --mount=type=cache,target=/root/.cache/pip pip install --upgrade pip setuptools && \\
        pip install --no-cache-dir -r requirements.txt "attrs>=23" \\
            six==1.16.0 ./wheels/x.whl git+https://host/pkg.git name@https://host/n.zip $EXTRA
    RUN python3 -m pip install idna && uv pip install --system tqdm; echo pip install ghost
    RUN PIP_ROOT_USER_ACTION=ignore pip3 install 'flask<3' pandas==2.* -e . -c constraints.txt
    """


def test_packages_an_image_installs_by_name_are_found_where_they_are_written():
    from mlgate.locks.dockerfile import unpinned_installs

    text = textwrap.dedent(_IMAGE)
    found = unpinned_installs(text)
    assert [(name, spec) for _, _, name, spec in found] == [
        ("attrs", ">=23"), ("idna", ""), ("tqdm", ""), ("flask", "<3"), ("pandas", "==2.*")]
    lines = text.splitlines()
    for line, col, name, _ in found:  # each location is the package's own word
        assert lines[line - 1][col - 1:].lstrip("'\"").startswith(name), (line, col, name)
    # the real corpus' Dockerfiles: pinned or -r installs say nothing; bare names do
    corpus = REPO_ROOT / "tests" / "corpus"
    assert not unpinned_installs((corpus / "negative" / "Dockerfile").read_text())
    skytruth = corpus / "real" / "set5" / "docker" / "skytruth_dp" / "Dockerfile"
    assert [name for _, _, name, _ in unpinned_installs(skytruth.read_text())][:3] == [
        "rasterio", "rio-cogeo", "click"]
    assert unpinned_installs('RUN pip install "unbalanced\n') == []  # a quote left open


def test_an_image_that_installs_by_name_fails_the_lock_with_the_tested_version(project,
                                                                             capsys):
    root, venv = project
    install(venv, "attrs", "23.2.0")
    write(root / "requirements.txt", "attrs==23.2.0\n")
    # (`-U`: without it, pip keeps the attrs the lock installed: new-user trial 43 F4)
    write(root / "Dockerfile", f"FROM python:{OURS}\nCOPY requirements.txt .\n"
          "RUN pip install -r requirements.txt && pip install -U attrs gunicorn\n")
    code, found = run_lock(capsys, "--python", python_of(venv))
    image = [f for f in found if f["code"] == "MLG210"]
    assert code == 1 and [(f["path"], f["line"], f["package"], f["installed"])
                          for f in image] == [("Dockerfile", 3, "attrs", "23.2.0"),
                                              ("Dockerfile", 3, "gunicorn", None)], found
    assert "pin attrs==23.2.0" in image[0]["hint"]
    # a development or test image is not what is deployed
    for other in (".devcontainer/Dockerfile", "Dockerfile.dev", "docker/test.Dockerfile",
                  "Dockerfile-old", "Dockerfile.bak"):  # (kept aside: new-user trial 28b)
        write(root / other, f"FROM python:{OURS}\nRUN pip install jupyterlab\n")
    code, found = run_lock(capsys, "--python", python_of(venv))
    assert [f["path"] for f in found if f["code"] == "MLG210"] == ["Dockerfile"] * 2, found
    # pinned in the image, or installed from the lock only: nothing to say
    write(root / "Dockerfile", f"FROM python:{OURS}\nCOPY requirements.txt .\n"
          "RUN pip install -r requirements.txt && pip install attrs==23.2.0\n")
    code, found = run_lock(capsys, "--python", python_of(venv))
    assert not [f for f in found if f["code"] == "MLG210"], found
    # a cached verdict follows the Dockerfile
    for expected in ([], []):
        main(["lock", "--format", "json", "--python", python_of(venv)])
        assert [f["code"] for f in json.loads(capsys.readouterr().out)] == expected
    write(root / "Dockerfile", f"FROM python:{OURS}\nRUN pip install attrs\n")
    main(["lock", "--format", "json", "--python", python_of(venv)])
    assert [f["code"] for f in json.loads(capsys.readouterr().out)] == ["MLG210"]


def test_no_lock_and_an_image_that_installs_by_name_is_a_failed_audit(project, capsys):
    root, venv = project
    write(root / "Dockerfile", f"FROM python:{OURS}\nRUN pip install fastapi scikit-learn\n")
    code = main(["audit", "--format", "json", "--no-cache", "--python", python_of(venv),
                 "--skip", "artifact", "--skip", "schema", "--skip", "latency"])
    report = json.loads(capsys.readouterr().out)
    lock = next(p for p in report["pillars"] if p["name"] == "lock")
    assert (code, report["verdict"], lock["status"]) == (1, "not-ready", "fail"), report
    assert [f["code"] for f in report["findings"]] == ["MLG210", "MLG210"]
    # without the Dockerfile, no lock is "not checked", as before
    (root / "Dockerfile").unlink()
    code = main(["audit", "--format", "json", "--no-cache", "--python", python_of(venv),
                 "--skip", "artifact", "--skip", "schema", "--skip", "latency"])
    report = json.loads(capsys.readouterr().out)
    lock = next(p for p in report["pillars"] if p["name"] == "lock")
    assert lock["status"] == "not-checked", report


def test_the_requirements_mlflow_writes_beside_a_logged_model_are_not_the_lock(project,
                                                                               capsys):
    """A trial (pmldl-mlops): 20 logged MLflow models, each folder with the requirements.txt
    of its training run, gave 20 identical MLG201 for a package the service never uses."""
    root, venv = project
    install(venv, "attrs", "23.2.0")
    write(root / "requirements.txt", "attrs==23.2.0\n")
    for run in ("a1", "b2"):
        folder = root / "mlruns" / "0" / run / "artifacts" / "model"
        write(folder / "MLmodel", "flavors:\n  python_function: {}\n")
        write(folder / "requirements.txt", "mlflow==2.14.1\n")
    assert discover_locks(".") == ["requirements.txt"]
    code, found = run_lock(capsys, "--python", python_of(venv))
    assert (code, [f["code"] for f in found if f["code"] == "MLG201"]) == (0, []), found


def test_a_pipfile_edited_after_its_lock_is_seen_by_the_cached_verdict(project, capsys):
    """New-user trial round 36 (F1): the cached verdict was keyed on the locks, not on the
    manifests they are made from: after a Pipfile edit that made Pipfile.lock stale,
    `mlgate lock` passed from the cache (the Docker build's `pipenv install --deploy`
    fails)."""
    root, venv = project
    install(venv, "attrs", "23.2.0")
    install(venv, "six", "1.16.0")
    write(root / "Pipfile", '[packages]\nattrs = "==23.2.0"\nsix = "*"\n')
    write(root / "Pipfile.lock", PIPFILE_LOCK)

    def cached() -> tuple[int, list[dict]]:
        code = main(["lock", "--format", "json"])
        return code, json.loads(capsys.readouterr().out or "[]")

    assert cached() == (0, [])
    assert cached() == (0, [])  # from the cache
    write(root / "Pipfile", '[packages]\nattrs = "<23"\nsix = "*"\n')
    code, found = cached()
    assert (code, [f["code"] for f in found]) == (1, ["MLG208"]), found


def test_a_lock_installed_as_it_is_must_list_what_its_packages_require(project, capsys):
    """Reliability round 36 (F6): a Pipfile.lock (or pylock.toml) that lost numpy's entry
    while pandas stayed passed: numpy counted as declared, since a locked package requires
    it. These locks are installed without resolving: the deployed environment has none."""
    root, venv = project
    install(venv, "attrs", "23.2.0", requires=["six", "colorama; sys_platform == 'win32'"])
    install(venv, "six", "1.16.0")
    lock = PIPFILE_LOCK.replace('"six": {"version": "==1.16.0"}', '"zipp": {"version": "==1"}')
    install(venv, "zipp", "1")
    write(root / "Pipfile", '[packages]\nattrs = "==23.2.0"\n')
    write(root / "Pipfile.lock", lock)
    code, found = run_lock(capsys)
    assert code == 1 and [(f["code"], f.get("package")) for f in found
                          if f["code"] == "MLG200"] == [("MLG200", "six")], found
    assert "attrs requires six, which this lock does not list" in next(
        f["message"] for f in found if f["code"] == "MLG200")
    # listed: nothing to say (colorama's marker does not hold here, nor is it installed)
    write(root / "Pipfile.lock", PIPFILE_LOCK)
    assert [f for f in run_lock(capsys)[1] if f["code"] == "MLG200"] == []
    # required only under a marker that holds here: a warning, the marker said (new-user
    # trial 46 F7: gitpython's `typing-extensions; python_version < "3.10"` on 3.9, which
    # it imports only below 3.8, blocked every commit of a working service)
    shutil.rmtree(site_packages(venv) / "attrs-23.2.0.dist-info")
    install(venv, "attrs", "23.2.0", requires=['six; python_version >= "3"'])
    write(root / "Pipfile.lock", lock)
    [said] = [f for f in run_lock(capsys)[1] if f["code"] == "MLG200"]
    assert said["severity"] == "warning", said
    assert '(`python_version >= "3"`)' in said["message"], said


@pytest.mark.parametrize("layout", ["pipfile", "uv", "own_extra", "marked"])
def test_a_requirement_the_manifest_gained_that_the_lock_lacks_is_stale(project, capsys,
                                                                         layout):
    """New-user trial round 40 (F2): `tabulate>=0.9` added to pyproject.toml, uv.lock not
    made again: `uv lock --check` fails, `uv sync --locked` refuses, and mlgate said READY.
    A name the lock does not hold at all is MLG208 at the manifest's line; the project's
    own name (its extras in a group) is none."""
    root, venv = project
    install(venv, "attrs", "23.2.0")
    install(venv, "six", "1.16.0")
    if layout == "pipfile":
        write(root / "Pipfile", '[packages]\nattrs = "==23.2.0"\nsix = "*"\ntabulate = "*"\n')
        write(root / "Pipfile.lock", PIPFILE_LOCK)
    else:
        # ("marked": a Windows-only dependency a lock of `[tool.uv] environments =
        # ["sys_platform == 'linux'"]` leaves out, and `uv lock --check` accepts: red team
        # round 40b F2)
        wanted = {"own_extra": '"svc[fast]"',
                  "marked": '"pywin32>=306; sys_platform == \'win32\'"'}.get(
            layout, '"tabulate>=0.9"')
        write(root / "pyproject.toml", '[project]\nname = "svc"\nversion = "0.1.0"\n'
              f'dependencies = ["attrs==23.2.0", "six", {wanted}]\n')
        write(root / "uv.lock", 'version = 1\nrequires-python = ">=3.9"\n\n'
              + "".join(f'[[package]]\nname = "{n}"\nversion = "{v}"\n'
                        'source = { registry = "https://pypi.org/simple" }\n\n'
                        for n, v in (("attrs", "23.2.0"), ("six", "1.16.0"))))
    code, found = run_lock(capsys)
    got = [(f["code"], f.get("package"), f["line"]) for f in found]
    expected = [] if layout in ("own_extra", "marked") else [("MLG208", "tabulate", 4)]
    assert got == expected, found
    if expected:
        assert code == 1 and "does not lock: the lock is older than its manifest" in (
            found[0]["message"])


def test_a_requirement_file_named_in_the_singular_is_a_lock(project, capsys):
    """New-user trial round 40b (F7): `requirement.txt`, which the project's Dockerfile
    installs, was never found ("add requirements.txt"): read as a requirements file, by
    the lock check and by the paths check alike."""
    from mlgate.files import file_kind
    from mlgate.locks.detect import discover_locks

    root, venv = project
    install(venv, "attrs", "24.1.0")
    write(root / "requirement.txt", "attrs==23.2.0\n")
    assert discover_locks(".") == ["requirement.txt"]
    assert file_kind("requirement.txt") == "requirements"
    code, found = run_lock(capsys)
    assert code == 1 and summary(found) == [("requirement.txt", 1, 1, "MLG202", "attrs")]
