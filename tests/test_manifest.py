"""The hook manifest (.pre-commit-hooks.yaml): valid for pre-commit, and in step with the CLI,
the scanner's idea of which files it handles, and the README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlgate import files as files_module
from mlgate.files import file_kind

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = REPO_ROOT / ".pre-commit-hooks.yaml"


def _hooks() -> list[dict]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def _hook(hook_id: str) -> dict:
    for hook in _hooks():
        if hook["id"] == hook_id:
            return hook
    raise AssertionError(f"hook {hook_id!r} is not in {MANIFEST.name}")


def _hook_ids() -> list[str]:
    return [hook["id"] for hook in _hooks()]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_manifest_is_valid_for_pre_commit() -> None:
    proc = _run("-m", "pre_commit", "validate-manifest", str(MANIFEST))
    assert proc.returncode == 0, f"pre-commit validate-manifest failed:\n{proc.stdout}{proc.stderr}"


def test_manifest_is_a_non_empty_list_with_unique_ids() -> None:
    ids = _hook_ids()
    assert ids, f"{MANIFEST.name} declares no hooks"
    assert len(ids) == len(set(ids)), f"duplicate hook ids: {ids}"


@pytest.mark.parametrize("hook_id", _hook_ids())
def test_entry_names_a_real_mlgate_subcommand(hook_id: str) -> None:
    entry = _hook(hook_id)["entry"]
    assert entry.startswith("mlgate "), f"{hook_id}: entry {entry!r} must start with 'mlgate '"
    subcommand = entry.split()[1]
    proc = _run("-m", "mlgate", subcommand, "--help")
    assert proc.returncode == 0, (
        f"{hook_id}: `mlgate {subcommand} --help` exited {proc.returncode}:\n"
        f"{proc.stdout}{proc.stderr}"
    )
    assert subcommand in proc.stdout, f"`mlgate {subcommand} --help` does not mention itself"


# --- the `files` filter of no-absolute-paths ----------------------------------------------------

MUST_MATCH = [
    "train.py",
    "src/pkg/model.py",
    "notebooks/eda.ipynb",
    "configs/train.yaml",
    "conf/x.yml",
    "pyproject.toml",
    "setup.cfg",
    "tox.ini",
    ".env",
    ".env.local",
    "deploy/Dockerfile",
    "Dockerfile.gpu",
    "requirements.txt",
    "requirements-dev.txt",
    "requirements/prod.txt",
    "constraints.txt",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "poetry.lock",
    "scripts/run.sh",
    "data/params.json",
    "Makefile",
]

MUST_NOT_MATCH = [
    "model.joblib",
    "model.pkl",
    "data/train.csv",
    "README.md",
    "img.png",
    "notes.txt",
    "LICENSE",
    "data.parquet",
]


def _files_re(hook_id: str) -> re.Pattern[str]:
    files = _hook(hook_id).get("files")
    assert files, f"{hook_id} has no `files` filter"
    return re.compile(files)


@pytest.mark.parametrize("path", MUST_MATCH)
def test_no_absolute_paths_files_filter_matches(path: str) -> None:
    # pre-commit applies `files` with re.search on the repository-relative POSIX path.
    assert _files_re("no-absolute-paths").search(path), f"`files` does not match {path!r}"


@pytest.mark.parametrize("path", MUST_NOT_MATCH)
def test_no_absolute_paths_files_filter_does_not_match(path: str) -> None:
    assert not _files_re("no-absolute-paths").search(path), f"`files` matches {path!r}"


@pytest.mark.parametrize("path", MUST_MATCH)
def test_every_file_the_hook_receives_has_a_scanner_kind(path: str) -> None:
    """What the manifest sends to the hook, the scanner must know how to read."""
    assert _files_re("no-absolute-paths").search(path)
    assert file_kind(path) is not None, f"the hook receives {path!r} but file_kind() is None"


# Names at the edges of both rules (case, rarer extensions, nesting). The manifest decides what the
# hook sees in a commit; file_kind decides what `mlgate paths .` scans. They must give one answer,
# or a file is checked on the command line and in CI but silently skipped at commit time.
AGREEMENT_PROBES = [
    *MUST_MATCH,
    *MUST_NOT_MATCH,
    "x.pyi",
    "gui.pyw",
    "shapes.geojson",
    "settings.jsonc",
    "nginx.conf",
    "prod.env",
    "build.bash",
    "x.zsh",
    "x.ksh",
    "app.dockerfile",
    "Containerfile",
    "Dockerfile-cuda",
    "requirements.in",
    "requirements/base.in",
    "requirements/nested/dev.txt",
    "dev-requirements.txt",
    "Requirements.txt",
    "TRAIN.PY",
    "Config.YAML",
    "GNUmakefile",
    "Procfile",
    ".envrc",
    "models/clf/MLmodel",
    "notes.md",
    "setup.py.bak",
    "envfile",
    "Dockerfiles/readme.md",
    ".dvc/config",
    "sub/.dvc/config.local",
    "dvc/config",
    # every extension and file name the scanner knows, from its own tables: a kind added
    # there and not to the manifest (SLURM scripts, DVC configs were) fails here
    *(f"jobs/x{ext}" for ext in files_module._EXTENSION_KINDS),
    *(f"sub/{name}" for name in files_module._NAME_KINDS),
]


@pytest.mark.parametrize("path", AGREEMENT_PROBES)
def test_manifest_filter_and_scanner_agree(path: str) -> None:
    in_manifest = bool(_files_re("no-absolute-paths").search(path))
    kind = file_kind(path)
    assert in_manifest == (kind is not None), (
        f"{path!r}: manifest `files` {'matches' if in_manifest else 'does not match'} "
        f"but file_kind() is {kind!r}"
    )


# --- README ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("hook_id", _hook_ids())
def test_every_hook_id_is_documented_in_readme(hook_id: str) -> None:
    readme = REPO_ROOT / "README.md"
    if not readme.is_file():
        pytest.fail(f"README.md does not exist yet; it must document the hook id {hook_id!r}")
    assert hook_id in readme.read_text(encoding="utf-8"), (
        f"README.md does not mention the hook id {hook_id!r} declared in {MANIFEST.name}; "
        "users copy ids from the README into .pre-commit-config.yaml"
    )


def test_check_artifact_gets_every_staged_file_and_keeps_the_artifacts() -> None:
    hook = _hook("check-artifact")
    # No name filter: a model named pipeline_v1.bin must reach mlgate, which sniffs it.
    assert "files" not in hook and hook.get("types") == ["file"]
    assert hook["entry"] == "mlgate artifact --only-artifacts"


@pytest.mark.parametrize("hook_id", ["check-lock", "check-artifact", "check-schema",
                                     "check-latency"])
def test_a_check_whose_warnings_matter_shows_them_under_passed(hook_id: str) -> None:
    # pre-commit hides a passing hook's output: check-artifact's MLG310 (trees not checked)
    # passed as a bare "Passed" (new-user round 42 F6)
    assert _hook(hook_id).get("verbose") is True


def test_check_schema_runs_on_every_commit_whatever_the_models_names() -> None:
    hook = _hook("check-schema")
    # A model saved as model.bin is found by its content; a name filter would skip a commit
    # that changes only it.
    assert hook.get("always_run") is True and "files" not in hook
    assert hook.get("pass_filenames") is False
