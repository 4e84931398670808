"""Real virtual environments for the environment checks, made fast and offline.

`python -m venv --without-pip` makes a real interpreter environment in ~50 ms; packages are
"installed" by writing the same .dist-info metadata pip writes (METADATA, INSTALLER,
direct_url.json), which is exactly what importlib.metadata — and so the probe — reads.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path


def make_venv(where: Path, python: str = sys.executable) -> Path:
    subprocess.run([python, "-m", "venv", "--without-pip", str(where)], check=True)
    return where


def site_packages(venv: Path) -> Path:
    [found] = glob.glob(str(venv / "lib" / "python*" / "site-packages"))
    return Path(found)


def install(venv: Path, name: str, version: str, requires: list[str] = (),
            direct_url: dict | None = None, installer: str = "pip",
            requires_python: str | None = None, record: list[str] = ()) -> None:
    """Write NAME-VERSION.dist-info into the venv, as an installer would (`record`: the
    paths its RECORD lists, what it makes importable)."""
    info = site_packages(venv) / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    (info / "INSTALLER").write_text(installer + "\n")
    (info / "RECORD").write_text("".join(f"{path},,\n" for path in record))
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))


def python_of(venv: Path) -> str:
    return str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
