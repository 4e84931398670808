"""Benchmark `mlgate lock` against `pip freeze` and `uv pip freeze` on a real virtualenv.

Standard library only (it installs packages from PyPI). Run `python bench/bench_lock.py --help`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Top-level installs, unpinned; with pip and setuptools they came to 44 distributions.
PACKAGES = (
    "requests", "urllib3", "idna", "certifi", "charset-normalizer", "rich", "pygments",
    "markdown-it-py", "mdurl", "click", "jinja2", "markupsafe", "attrs", "six",
    "python-dateutil", "pytz", "tzdata", "packaging", "pyyaml", "tomli", "typing-extensions",
    "pydantic", "pydantic-core", "annotated-types", "iniconfig", "pluggy", "pytest", "colorama",
    "tqdm", "filelock", "platformdirs", "distlib", "virtualenv", "cfgv", "identify", "nodeenv",
    "pre-commit", "wrapt", "decorator", "toolz",
)
EXTRA = "humanize"  # installed after requirements.txt is written: must come out as MLG204
TARGET_PIP, AIM_PIP, AIM_UV = 0.5, 0.2, 2.0
PROBE = Path(__file__).resolve().parent.parent / "hooks" / "probe_script" / "__main__.py"
LIST_DISTS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps(sorted({d.metadata['Name']: d.version for d in m.distributions()"
    " if d.metadata['Name']}.items(), key=lambda kv: kv[0].lower())))"
)


def find_mlgate() -> Path:
    """The `mlgate` console script next to this interpreter, else on PATH."""
    cand = Path(sys.executable).parent / "mlgate"
    found = str(cand) if cand.is_file() else shutil.which("mlgate")
    if not found:
        sys.exit("bench: `mlgate` not found; run `pip install -e .` in the repository first")
    return Path(found)


Result = tuple[float, subprocess.CompletedProcess]
Log = Callable[[str], None]


def run(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0,), env: dict | None = None) -> Result:
    """Run once with output captured; abort (printing stderr) on a bad exit or a traceback."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok or b"Traceback (most recent call last)" in proc.stderr:
        sys.stderr.write(proc.stdout.decode(errors="replace")[-2000:])
        sys.stderr.write(proc.stderr.decode(errors="replace")[-4000:])
        sys.exit(f"bench: {' '.join(cmd)[:200]!r} failed with exit code {proc.returncode}")
    return elapsed, proc


def median_time(cmd: list[str], cwd: Path, repeat: int, env: dict) -> Result:
    """Median wall time over `repeat` runs after one untimed warm-up run (exit 0 required)."""
    run(cmd, cwd, env=env)
    times, proc = [], None
    for _ in range(repeat):
        elapsed, proc = run(cmd, cwd, env=env)
        times.append(elapsed)
    return statistics.median(times), proc


def pip(python: Path, *args: str) -> None:
    run([str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args], Path.cwd())


def ensure_venv(venv: Path, log: Log) -> Path:
    """Create `venv` and install PACKAGES unless it already has them; return its python."""
    python = venv / "bin" / "python"
    if not python.is_file():
        log(f"creating {venv} and installing {len(PACKAGES)} packages from PyPI ...")
        run([sys.executable, "-m", "venv", str(venv)], Path.cwd())
        pip(python, "install", *PACKAGES)
    else:
        log(f"reusing {venv}")
    _, proc = run([str(python), "-I", "-c", LIST_DISTS], Path.cwd())
    if EXTRA in {name.lower() for name, _ in json.loads(proc.stdout)}:
        pip(python, "uninstall", "-y", EXTRA)  # left over from an interrupted run
    return python


def find_uv(tools: Path, log: Log) -> tuple[str | None, str]:
    """`uv` from PATH, else pip-installed into a tools venv; (path, note)."""
    found = shutil.which("uv")
    if found:
        return found, "uv from PATH"
    uv = tools / "bin" / "uv"
    if not uv.is_file():
        log(f"installing uv into {tools} ...")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(tools)], check=True,
                           capture_output=True)
            subprocess.run([str(tools / "bin" / "python"), "-m", "pip", "install", "-q",
                            "--disable-pip-version-check", "uv"], check=True, capture_output=True)
        except subprocess.CalledProcessError as exc:
            return None, f"skipped: installing uv failed ({exc.stderr.decode()[-200:].strip()})"
    return (str(uv), "uv from PyPI (tools venv)") if uv.is_file() else (None, "skipped: no uv")


def mlgate_findings(mlgate: Path, python: Path, work: Path) -> tuple[int, list[dict]]:
    """(exit code, findings) of `mlgate lock --format json` on work/requirements.txt."""
    cmd = [str(mlgate), "lock", "--python", str(python), "--format", "json", "requirements.txt"]
    _, proc = run(cmd, work, ok=(0, 1))
    return proc.returncode, json.loads(proc.stdout or b"[]")


def print_table(r: dict) -> None:
    """The human-readable summary of a result dict."""
    def row(case: str, value: float | None, unit: str, note: str = "") -> None:
        shown = "-" if value is None else f"{value:.{3 if unit == 's' else 2}f}{unit}"
        print(f"{case:<34}{shown:>9}  {note}")

    def verdict(ratio: float, target: float) -> str:
        return "OK" if ratio <= target else "MISS"

    print(f"\nmlgate lock benchmark: {r['distributions']} distributions in {r['venv']}; "
          f"python {r['python_version']}; median of {r['repeat']} runs")
    print(f"{'case':<34}{'median':>9}  note")
    row("python -m pip freeze", r["pip_freeze_s"], "s", f"{r['pip_freeze_lines']} lines")
    row("uv pip freeze --python", r["uv_freeze_s"], "s", r["uv_note"])
    row("python -I -c pass (venv)", r["python_pass_s"], "s", "interpreter start-up")
    row("probe alone (python -I -c ...)", r["probe_s"], "s", "the subprocess mlgate runs")
    row("mlgate lock requirements.txt", r["mlgate_s"], "s", f"exit {r['mlgate_exit']}, "
        f"{r['mlgate_findings']} findings")
    row("  ratio mlgate/pip freeze", r["pip_ratio"], "x", f"target <= {TARGET_PIP:g}x "
        f"(aim {AIM_PIP:g}x): {verdict(r['pip_ratio'], TARGET_PIP)}")
    if r["uv_ratio"] is not None:
        row("  ratio mlgate/uv pip freeze", r["uv_ratio"], "x",
            f"aim <= {AIM_UV:g}x: {verdict(r['uv_ratio'], AIM_UV)}")
    ok = "OK" if r["undeclared_ok"] else "FAIL"
    print(f"sanity: +{EXTRA} -> exit {r['undeclared_exit']}, MLG204 for "
          f"{r['undeclared_packages'] or 'nothing'}: {ok}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--venv", type=Path, help="reuse (or create and keep) the virtualenv DIR")
    ap.add_argument("--repeat", type=int, default=10, help="timed runs per command (default 10)")
    ap.add_argument("--json", action="store_true", help="print results as JSON only")
    args = ap.parse_args(argv)
    log = (lambda *_: None) if args.json else (lambda msg: print(msg, file=sys.stderr, flush=True))
    mlgate = find_mlgate()
    tmp = tempfile.TemporaryDirectory(prefix="mlgate-bench-lock-")
    base = Path(tmp.name)
    venv = (args.venv or base / "venv").resolve()
    tools = venv.with_name(venv.name + "-tools") if args.venv else base / "tools"
    work = base / "project"  # holds requirements.txt; no .git, no pyproject.toml
    work.mkdir()
    res: dict = {"date": datetime.date.today().isoformat(), "machine": platform.machine(),
                 "cpus": os.cpu_count(), "mlgate": str(mlgate), "venv": str(venv),
                 "repeat": args.repeat}
    try:
        python = ensure_venv(venv, log)
        _, proc = run([str(python), "-I", "-c", LIST_DISTS], work)
        dists = json.loads(proc.stdout)
        (work / "requirements.txt").write_text("".join(f"{n}=={v}\n" for n, v in dists))
        _, proc = run([str(python), "-c", "import platform; print(platform.python_version())"],
                      work)
        res.update(python_version=proc.stdout.decode().strip(), distributions=len(dists),
                   installed=[f"{n}=={v}" for n, v in dists])
        uv, res["uv_note"] = find_uv(tools, log)

        # Bytecode caching on, into the temp dir: an editable mlgate is not recompiled per run.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
        cases = {
            "pip_freeze": [str(python), "-m", "pip", "freeze"],
            "uv_freeze": [uv, "pip", "freeze", "--python", str(python)] if uv else None,
            "python_pass": [str(python), "-I", "-c", "pass"],
            "probe": [str(python), "-I", str(PROBE), "environment"],
            "mlgate": [str(mlgate), "lock", "--python", str(python), "requirements.txt"],
        }
        times: dict[str, float | None] = {}
        procs: dict[str, subprocess.CompletedProcess] = {}
        for key, cmd in cases.items():
            if cmd is None:
                times[key] = None
                continue
            log(f"timing {key} ({args.repeat} runs) ...")
            times[key], procs[key] = median_time(cmd, work, args.repeat, env)
        code, clean = mlgate_findings(mlgate, python, work)
        if code != 0 or clean:
            sys.stderr.write(json.dumps(clean, indent=2)[:4000] + "\n")
            sys.exit("bench: mlgate lock is not clean on a requirements.txt written from the venv")

        log(f"sanity check: installing {EXTRA} (undeclared) ...")
        pip(python, "install", EXTRA)
        try:
            code, found = mlgate_findings(mlgate, python, work)
        finally:
            pip(python, "uninstall", "-y", EXTRA)
    finally:
        tmp.cleanup()
    undeclared = [f.get("package") for f in found if f["code"] == "MLG204"]
    t_ml, t_pip, t_uv = times["mlgate"], times["pip_freeze"], times["uv_freeze"]
    res.update({f"{k}_s": None if t is None else round(t, 4) for k, t in times.items()})
    res.update(
        pip_freeze_lines=procs["pip_freeze"].stdout.count(b"\n"),
        mlgate_exit=procs["mlgate"].returncode, mlgate_findings=len(clean),
        pip_ratio=round(t_ml / t_pip, 2), pip_target=TARGET_PIP, pip_aim=AIM_PIP,
        uv_ratio=None if t_uv is None else round(t_ml / t_uv, 2), uv_aim=AIM_UV,
        undeclared_exit=code, undeclared_packages=undeclared,
        undeclared_ok=code == 0 and len(found) == 1 and undeclared == [EXTRA],
    )
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print_table(res)
    return 0 if res["undeclared_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
