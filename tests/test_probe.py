"""The probe reads installed metadata itself (fast); it must agree with importlib.metadata."""

import json
import os
import subprocess
import sys

from envs import install, make_venv, python_of, site_packages
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from mlgate.locks.model import canonical_name
from mlgate.probe import ProbeError, run_probe

REFERENCE = (
    "import importlib.metadata as m, json\n"
    "print(json.dumps(sorted([d.metadata['Name'], d.version, sorted(d.requires or [])]"
    " for d in m.distributions())))"
)


def reference(python):
    out = subprocess.run([python, "-I", "-c", REFERENCE], capture_output=True, text=True,
                         check=True).stdout
    return [(n, v, [" ".join(r.split()) for r in req]) for n, v, req in json.loads(out)]


def probed(python):
    answer = run_probe(python, "environment")
    return sorted((d["name"], d["version"], sorted(" ".join(r.split()) for r in d["requires"]))
                  for d in answer["distributions"])


def test_probe_agrees_with_importlib_metadata_here():
    assert [tuple(x) for x in probed(sys.executable)] == reference(sys.executable)


def test_probe_agrees_on_odd_metadata(tmp_path):
    venv = make_venv(tmp_path / "venv")
    install(venv, "Plain_Name", "1.0", requires=["six>=1", 'tomli; python_version < "3.11"'])
    install(venv, "vcs-pkg", "0.1", direct_url={"url": "https://h/r", "vcs_info": {
        "vcs": "git", "commit_id": "a" * 40}})
    # A folded Requires-Dist header (compared with white space folded: importlib.metadata
    # keeps the raw line break) and a long description after the blank line.
    info = site_packages(venv) / "folded-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: folded\nVersion: 2.0\n"
        "Requires-Dist: attrs>=20;\n  python_version >= '3.8'\n\n"
        "Name: not-a-header\nRequires-Dist: nope\n")
    # An old-style .egg-info with requires.txt sections.
    egg = site_packages(venv) / "legacy-0.5-py3.11.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: legacy\nVersion: 0.5\n")
    (egg / "requires.txt").write_text("six\n\n[test]\npytest\n\n[:sys_platform == 'win32']\n"
                                      "colorama\n")
    python = python_of(venv)
    assert [tuple(x) for x in probed(python)] == reference(python)
    answer = run_probe(python, "environment")
    vcs = next(d for d in answer["distributions"] if d["name"] == "vcs-pkg")
    assert vcs["direct_url"]["vcs_info"]["commit_id"] == "a" * 40
    assert vcs["installer"] == "pip"
    assert answer["markers"]["python_version"] == "{}.{}".format(*sys.version_info[:2])


def test_a_python_that_is_not_one_is_a_probe_error(tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho not json\n")
    fake.chmod(0o755)
    try:
        run_probe(str(fake), "environment")
    except ProbeError as exc:
        assert "failed to run the probe" in str(exc)
    else:
        raise AssertionError("expected a ProbeError")


@given(st.text(alphabet="abcXYZ019-_. ", min_size=1, max_size=20))
def test_canonical_name_is_packagings(name):
    assert canonical_name(name) == canonicalize_name(name)


def test_the_probe_runs_by_path_and_its_modules_cannot_be_shadowed(tmp_path):
    """Run as `python -I <path>` (no 32 KB -c string): its modules load under a package name
    of their own, by path, so files named like them where it runs are never imported."""
    import json
    import subprocess
    import sys

    from mlgate.probe import PROBE_MAIN

    for name in ("load", "environment", "common", "_mlgate_probe"):
        (tmp_path / f"{name}.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w')\n")
    proc = subprocess.run([sys.executable, "-I", PROBE_MAIN, "artifact-context"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True)
    from mlgate.probe import ANSWER_MARK

    assert "versions" in json.loads(proc.stdout.rpartition(ANSWER_MARK)[2])["result"]
    assert not (tmp_path / "ran").exists()


def test_an_error_message_drops_xgboosts_native_stack_and_build_path():
    """New-user trial round 32 (F3): MLG408 quoted XGBoost's native stack trace, with a
    timestamp and memory addresses, different on every run."""
    from mlgate.probe_script.common import error_text

    raised = Exception("[10:21:03] /workspace/src/learner.cc:1032: Check failed: a == b"
                       " (4 vs. 0) : wrong width\nStack trace:\n  [bt] (0) /x/libxgboost.so"
                       "(+0x2a6acc) [0x7f00]\n  [bt] (1) /x/libxgboost.so(+0x1) [0x7f01]")
    assert error_text(raised) == "Check failed: a == b (4 vs. 0) : wrong width"
    assert error_text(ValueError("node array\nhas an incompatible dtype")) == (
        "node array has an incompatible dtype")


def test_the_probes_folder_is_removed_whatever_the_load_left_in_it(tmp_path):
    """Sandbox round 34 (S4): a load that made a chain of 3,000 folders in its temporary
    folder made the cleanup raise RecursionError (a traceback, exit 1) and left the folder
    behind. The removal goes one descriptor at a time and never follows a link."""
    from mlgate.probe import remove_tree

    top = tmp_path / "probe"
    top.mkdir()
    outside = tmp_path / "keep"
    outside.mkdir()
    (outside / "file").write_text("kept")
    fd = os.open(top, os.O_RDONLY)
    for depth in range(3000):  # deeper than a path can be written (PATH_MAX)
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
        if depth % 1000 == 0:
            os.symlink(str(outside), "link", dir_fd=fd)
    os.close(fd)
    (top / "locked").mkdir()
    (top / "locked" / "file").write_text("x")
    (top / "locked").chmod(0)
    remove_tree(str(top))
    assert not top.exists()
    assert (outside / "file").read_text() == "kept"


def test_the_memory_limit_bounds_each_file_a_load_writes(tmp_path):
    """Sandbox rounds 33 and 34: writes to the probe's temporary folder (tmpfs: memory)
    were not bounded by memory-limit-mb. A file past the limit fails to grow (EFBIG)."""
    code = (
        "import sys\n"
        "from mlgate.probe_script.load import _limit_memory\n"
        "assert _limit_memory(8)\n"
        "chunk = b'x' * 65536\n"  # small writes: the address-space limit applies too
        "with open(sys.argv[1], 'wb') as f:\n"
        "    for _ in range(128):\n"
        "        f.write(chunk)\n"
        "    f.flush()\n"
        "    try:\n"
        "        f.write(b'x' * 4096); f.flush()\n"
        "    except OSError as exc:\n"
        "        print('refused', exc.errno)\n"
    )
    import errno

    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "big")],
                          capture_output=True, text=True, check=False)
    assert proc.stdout.strip() == f"refused {errno.EFBIG}", proc.stderr
