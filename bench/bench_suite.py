"""Benchmark the whole mlgate suite under pre-commit on the bundled example project.

Standard library only. It builds a git repository from examples/churn (model trained by the
`--python` interpreter, which needs numpy, pandas, scikit-learn and joblib) and times
`pre-commit run --all-files` and `mlgate audit .`, cold and warm, counts the model loads,
and measures how stable `mlgate latency` is. Run `python bench/bench_suite.py --help`.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "churn"
HOOKS_YAML = ROOT / ".pre-commit-hooks.yaml"
# What the e2e test (tests/test_precommit_e2e.py, _example_project) copies from the example.
EXAMPLE_FILES = ("api.py", "train.py", "sample_request.json", "pyproject.toml", "README.md",
                 "churn/__init__.py", "churn/features.py")
PINNED = ("numpy", "pandas", "scikit-learn", "joblib")
CHECKS = {"no-absolute-paths": "paths", "check-lock": "lock", "check-artifact": "artifact",
          "check-schema": "schema", "check-latency": "latency"}
# Copied verbatim from .pre-commit-hooks.yaml into the local hooks; `stages` is not: every hook
# runs at pre-commit here, check-latency included (the e2e test does the same).
COPIED_KEYS = ("name", "files", "exclude", "types", "types_or", "always_run", "pass_filenames",
               "require_serial")
PROBE_COMMANDS = ("environment", "artifact-context", "load-artifact")
CACHE = Path(".git") / "mlgate-cache"
TARGET_WARM_S = 1.0
BUILD_VERSION = 1  # bump when the repository's layout changes: --workdir rebuilds it
DROPPED_ENV = ("GIT_", "PRE_COMMIT", "VIRTUAL_ENV", "CONDA_", "PYTHON", "MLGATE_",
               "UV_PROJECT_ENVIRONMENT", "PIP_REQUIRE_VIRTUALENV")
LATENCY_RE = re.compile(r"p50 ([0-9.]+) ms, p95 ([0-9.]+) ms, p99 ([0-9.]+) ms "
                        r"\((\d+) runs, (stable|not stable)\)")
DURATION_RE = re.compile(r"^- hook id: (\S+)\s*\n- duration: ([0-9.]+)s", re.M)

VERSIONS = """
import json, os, platform, sys
from importlib import metadata
def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
print(json.dumps({"executable": sys.executable, "prefix": sys.prefix,
                  "python_version": platform.python_version(),
                  "versions": {n: version(n) for n in sys.argv[1:]}}))
"""

# .venv/bin/python of the example: logs which probe command (the last argument) each start of
# the project's interpreter runs, then execs the real one. The probe is `python -I -c <source>
# <command>`, and the source itself holds the command names, so only the last argument counts.
WRAPPER = """#!/bin/sh
# Written by mlgate's bench/bench_suite.py: counts the project interpreter's starts by probe
# command, then runs the real interpreter (so sys.prefix and site-packages are its own).
eval "last=\\${{$#}}"
case "$last" in
  {commands}) echo "$last" >> {log} ;;
  *) echo other >> {log} ;;
esac
exec {python} "$@"
"""


class Outcome(NamedTuple):
    seconds: float
    code: int
    out: str
    err: str
    timed_out: bool


Log = Callable[[str], None]


def run(cmd: list[str], cwd: Path, env: dict, timeout: float) -> Outcome:
    """Run once, output to temp files (no pipe to fill up); wall time, killed at `timeout`."""
    killed: list[bool] = []
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err)
        timer = threading.Timer(timeout, lambda: (killed.append(True), proc.kill()))
        timer.start()
        try:
            proc.wait()
            elapsed = time.perf_counter() - start
        finally:
            timer.cancel()
        out.seek(0)
        err.seek(0)
        return Outcome(elapsed, proc.returncode, out.read().decode(errors="replace"),
                       err.read().decode(errors="replace"), bool(killed))


def must(cmd: list[str], cwd: Path, env: dict, timeout: float = 3600) -> str:
    """Run a set-up step; abort with its output if it fails. Returns stdout."""
    res = run(cmd, cwd, env, timeout)
    if res.code != 0:
        sys.stderr.write(res.out[-3000:] + res.err[-4000:])
        sys.exit(f"bench: {' '.join(cmd)[:200]!r} failed with exit code {res.code}")
    return res.out


def find_mlgate(python: str) -> Path:
    """The `mlgate` script next to `python`, else next to this interpreter, else on PATH."""
    for cand in (Path(python).parent / "mlgate", Path(sys.executable).parent / "mlgate"):
        if cand.is_file():
            return cand.absolute()
    found = shutil.which("mlgate")
    if not found:
        sys.exit("bench: `mlgate` not found; run `pip install -e .` in the repository first")
    return Path(found).absolute()


def find_pre_commit() -> list[str]:
    """pre-commit next to this interpreter (as the e2e test finds it), else on PATH."""
    cand = Path(sys.executable).with_name("pre-commit")
    if cand.is_file():
        return [str(cand)]
    found = shutil.which("pre-commit")
    return [found] if found else [sys.executable, "-m", "pre_commit"]


def source_state() -> str:
    """The commit of the mlgate checkout this script is in, with a digest of hooks/'s changes."""
    env = dict(os.environ)
    head = run(["git", "rev-parse", "--short", "HEAD"], ROOT, env, 60)
    diff = run(["git", "diff", "HEAD", "--", "hooks"], ROOT, env, 60)
    new = run(["git", "ls-files", "--others", "--exclude-standard", "-z", "--", "hooks"], ROOT,
              env, 60)
    if head.code:
        return "unknown"
    untracked = sorted(name for name in new.out.split("\0") if name)
    changes = diff.out + "".join((ROOT / n).read_text(errors="replace") for n in untracked)
    digest = hashlib.sha256(changes.encode()).hexdigest()[:8]
    return head.out.strip() + (f" + uncommitted changes in hooks/ ({digest})"
                               if changes.strip() else "")


def hook_specs() -> dict[str, list[tuple[str, str]]]:
    """Per hook id of .pre-commit-hooks.yaml: its (key, raw value) lines, in file order.

    The file is flat (`- id: X` then `  key: value`, one line each), so the values are kept as
    YAML text and copied as they are: no YAML parser is needed, and no regex is re-quoted.
    """
    hooks: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for line in HOOKS_YAML.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.match(r"^(- |  )([a-z_]+):\s*(.*)$", line)
        if not match:
            sys.exit(f"bench: cannot read this line of {HOOKS_YAML.name}: {line[:80]!r}")
        start, key, value = match.groups()
        if start == "- ":
            if key != "id":
                sys.exit(f"bench: {HOOKS_YAML.name}: a hook that does not start with `id`")
            current = hooks.setdefault(value.strip(), [])
        elif current is not None:
            current.append((key, value))
    if set(hooks) != set(CHECKS):
        sys.exit(f"bench: {HOOKS_YAML.name} has hooks {sorted(hooks)}, expected {sorted(CHECKS)}")
    return hooks


def suite_config(mlgate: Path) -> str:
    """.pre-commit-config.yaml: the five hooks as `repo: local`, `language: system`."""
    lines = [
        "# Written by mlgate's bench/bench_suite.py: mlgate's five hooks as local hooks that run",
        "# the installed mlgate (no hook virtualenv to build). files, pass_filenames, always_run",
        "# and require_serial come from mlgate's .pre-commit-hooks.yaml; check-latency runs at",
        "# the pre-commit stage too. The entries are absolute paths, which mlgate paths flags:",
        "# hence the `mlgate: ignore` on each.",
        "repos:",
        "  - repo: local",
        "    hooks:",
    ]
    for hook_id, items in hook_specs().items():
        values = dict(items)
        entry = json.dumps(shlex.join([str(mlgate), *values["entry"].split()[1:]]))
        lines += [f"      - id: {hook_id}", f"        entry: {entry}  # mlgate: ignore",
                  "        language: system"]
        lines += [f"        {key}: {value}" for key, value in items if key in COPIED_KEYS]
        if hook_id == "check-latency":  # [pre-push, manual] in .pre-commit-hooks.yaml
            lines.append("        stages: [pre-commit]")
    return "\n".join(lines) + "\n"


def floor_config() -> str:
    """The same five hooks, each running `true`: what pre-commit itself costs."""
    lines = ["repos:", "  - repo: local", "    hooks:"]
    for hook_id, items in hook_specs().items():
        lines += [f"      - id: {hook_id}", "        entry: 'true'", "        language: system"]
        lines += [f"        {key}: {value}" for key, value in items if key in COPIED_KEYS]
    return "\n".join(lines) + "\n"


def build_key(python: str, info: dict, mlgate: Path) -> dict:
    digest = hashlib.sha256()
    for name in EXAMPLE_FILES:
        digest.update(name.encode() + b"\0" + (EXAMPLE / name).read_bytes())
    digest.update(suite_config(mlgate).encode())
    return {"python": python, "env": info, "mlgate": str(mlgate), "build": BUILD_VERSION,
            "example": digest.hexdigest()[:16]}


def ensure_project(python: str, mlgate: Path, work: Path, env: dict, log: Log) -> dict:
    """Build (or reuse) work/churn: the example as a committed git repository, model trained.

    As the e2e test's `_example_project`, except that `.venv` is a folder whose bin/python is
    the counting wrapper around `python`, not a link to its sys.prefix.
    """
    repo, probe_log = work / "churn", work / "probe-starts.log"
    info = json.loads(must([python, "-c", VERSIONS, *PINNED], work, env))
    missing = [n for n in PINNED if not info["versions"][n]]
    if missing:
        sys.exit(f"bench: {python} lacks {', '.join(missing)} (the example needs them)")
    key = build_key(python, info, mlgate)
    meta_path = work / "build.json"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        meta = {}
    model = repo / "model" / "churn_pipeline.joblib"
    if meta.get("key") == key and model.is_file() and (repo / ".venv" / "bin" / "python").is_file():
        log(f"reusing {repo}")
        return meta
    if repo.exists():
        shutil.rmtree(repo)
    log(f"building {repo} from {EXAMPLE} ...")
    for name in EXAMPLE_FILES:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLE / name, repo / name)
    pins = "".join(f"{n}=={info['versions'][n]}\n" for n in PINNED)
    (repo / "requirements.txt").write_text(pins)
    (repo / ".gitignore").write_text(".venv\n__pycache__/\n")
    (repo / ".pre-commit-config.yaml").write_text(suite_config(mlgate))
    wrapper = repo / ".venv" / "bin" / "python"
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text(WRAPPER.format(commands="|".join(PROBE_COMMANDS),
                                      log=shlex.quote(str(probe_log)),
                                      python=shlex.quote(python)))
    wrapper.chmod(0o755)
    start = time.perf_counter()
    must([python, "train.py"], repo, env)
    log(f"  trained model/churn_pipeline.joblib in {time.perf_counter() - start:.1f} s "
        f"(scikit-learn {info['versions']['scikit-learn']})")
    git = ["git", "-c", "commit.gpgsign=false"]
    must([*git, "init", "-q"], repo, env)
    must([*git, "add", "-A"], repo, env)
    must([*git, "commit", "-q", "--no-verify", "-m", "the churn example"], repo, env)
    meta = {"key": key, "built": datetime.datetime.now().isoformat(timespec="seconds")}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def clean_env(work: Path) -> dict:
    """The caller's environment without its venv, git, pre-commit and Python settings (as in
    the e2e test), git with an empty configuration, bytecode cached under the work dir."""
    gitconfig = work / "gitconfig"
    gitconfig.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED_ENV)}
    env.update(PRE_COMMIT_HOME=str(work / "pre-commit-home"), PRE_COMMIT_COLOR="never",
               NO_COLOR="1", GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid",
               GIT_TERMINAL_PROMPT="0", PYTHONPYCACHEPREFIX=str(work / "pycache"))
    return env


def loadavg() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


class Case(NamedTuple):
    key: str
    label: str
    cmd: list[str]
    cold: bool  # .git/mlgate-cache is removed before each run


class Bench:
    def __init__(self, repo: Path, probe_log: Path, env: dict, timeout: float, log: Log):
        self.repo, self.probe_log, self.env = repo, probe_log, env
        self.timeout, self.log = timeout, log
        self.runs: dict[str, list[dict]] = {}
        self.loads_seen: list[list[float]] = []

    def once(self, case: Case) -> dict:
        if case.cold:
            shutil.rmtree(self.repo / CACHE, ignore_errors=True)
        self.probe_log.write_text("")
        load = loadavg()
        res = run(case.cmd, self.repo, self.env, self.timeout)
        if res.timed_out or res.code != 0 or "Traceback (most recent call last)" in res.err:
            sys.stderr.write(res.out[-4000:] + res.err[-4000:])
            why = "timed out" if res.timed_out else f"exit code {res.code}"
            sys.exit(f"bench: {' '.join(case.cmd)[:200]!r} failed ({why}): the ready example "
                     "must pass")
        starts = self.probe_log.read_text().split()
        counts = {c: starts.count(c) for c in (*PROBE_COMMANDS, "other")}
        hooks = {h: float(s) for h, s in DURATION_RE.findall(res.out)}
        return {"seconds": res.seconds, "probes": counts, "hooks": hooks, "loadavg": load,
                "out": res.out, "err": res.err}

    def record(self, case: Case) -> dict:
        result = self.once(case)
        self.runs.setdefault(case.key, []).append(result)
        return result


def summarize(case: Case, runs: list[dict]) -> dict:
    loads = [r["probes"]["load-artifact"] for r in runs]
    starts = [sum(r["probes"].values()) for r in runs]
    hooks: dict[str, float] = {}
    for hook in CHECKS:
        values = [r["hooks"][hook] for r in runs if hook in r["hooks"]]
        if values:
            hooks[hook] = round(statistics.median(values), 3)
    # Per run, then the median: medians of the parts do not add up to the median of the whole.
    outside = [r["seconds"] - sum(r["hooks"].values()) for r in runs if r["hooks"]]
    return {
        "label": case.label, "cmd": shlex.join(case.cmd), "cold_cache": case.cold,
        "outside_hooks_median_s": round(statistics.median(outside), 3) if outside else None,
        "median_s": round(statistics.median(r["seconds"] for r in runs), 4),
        "runs_s": [round(r["seconds"], 4) for r in runs],
        "model_loads": loads, "model_loads_median": statistics.median(loads),
        "interpreter_starts": starts,
        "probes_last_run": runs[-1]["probes"],
        "hook_median_s": hooks,
    }


def measure_latency(bench: Bench, cmd: list[str], runs: int) -> dict:
    """`mlgate latency --no-cache` `runs` times: p95 spread (its p50/p95/p99 line is on stderr)."""
    found = []
    for i in range(runs):
        bench.log(f"  latency run {i + 1}/{runs} ...")
        res = bench.once(Case("latency", "", cmd, False))
        match = LATENCY_RE.search(res["err"])
        if not match:
            sys.stderr.write(res["err"][-2000:])
            sys.exit("bench: no `p50 ... p95 ... p99` line in mlgate latency's output")
        findings = json.loads(res["out"] or "[]")
        found.append({"seconds": round(res["seconds"], 3), "p50_ms": float(match.group(1)),
                      "p95_ms": float(match.group(2)), "p99_ms": float(match.group(3)),
                      "calls": int(match.group(4)), "stable": match.group(5) == "stable",
                      "findings": len(findings), "model_loads": res["probes"]["load-artifact"],
                      "loadavg": res["loadavg"]})
    p95 = [r["p95_ms"] for r in found]
    median = statistics.median(p95)
    return {"cmd": shlex.join(cmd), "runs": found, "p95_min_ms": min(p95),
            "p95_median_ms": median, "p95_max_ms": max(p95),
            "p95_spread": round((max(p95) - min(p95)) / median, 3) if median else None,
            "p50_median_ms": statistics.median(r["p50_ms"] for r in found)}


def print_table(r: dict) -> None:
    ok = {True: "OK", False: "MISS"}
    env = r["env"]
    print(f"\nmlgate suite benchmark: {r['date']}, {r['machine']}, {r['cpus']} CPUs; python "
          f"{env['python_version']}, scikit-learn {env['versions']['scikit-learn']}; "
          f"median of {r['repeat']} runs; mlgate {r['source']}")
    print(f"example: {r['repo']} (examples/churn, model trained here); {r['pre_commit_version']}"
          f", hooks: repo: local, language: system, entry {r['mlgate']}")
    print(f"{'case':<34}{'median':>9}  {'loads':>5}  {'starts':>6}  note")
    c = r["cases"]

    def row(key: str, note: str = "") -> None:
        x = c[key]
        loads = sorted(set(x["model_loads"]))
        starts = sorted(set(x["interpreter_starts"]))
        shown = "/".join(map(str, loads))
        spread = "runs " + "/".join(f"{t:.2f}" for t in x["runs_s"])
        print(f"{x['label']:<34}{x['median_s']:>8.3f}s  {shown:>5}  "
              f"{'/'.join(map(str, starts)):>6}  {'; '.join(filter(None, (spread, note)))}")

    row("floor", "pre-commit with five `true` hooks")
    row("pc_cold", ".git/mlgate-cache removed first")
    warm = c["pc_warm"]["median_s"]
    row("pc_warm", f"target < {TARGET_WARM_S:g} s: {ok[warm < TARGET_WARM_S]}; "
        f"{warm / c['floor']['median_s']:.1f}x floor")
    row("audit_cold", ".git/mlgate-cache removed first")
    row("audit_warm")
    for key in ("pc_cold", "pc_warm"):
        hooks = c[key]["hook_median_s"]
        parts = ", ".join(f"{h} {s:.2f}" for h, s in hooks.items())
        print(f"  {c[key]['label']}, per hook (median of pre-commit's --verbose durations, s):"
              f" {parts}; outside the hooks {c[key]['outside_hooks_median_s']:.2f}")
    for key in ("pc_cold", "pc_warm", "audit_cold", "audit_warm"):
        probes = ", ".join(f"{n} {k}" for n, k in c[key]["probes_last_run"].items() if k)
        print(f"  {c[key]['label']}, project interpreter starts: {probes or 'none'}")
    lat = r["latency"]
    p95 = ", ".join(f"{x['p95_ms']:.2f}" for x in lat["runs"])
    print(f"\nlatency stability: `mlgate latency --no-cache` x{len(lat['runs'])}: p95 min "
          f"{lat['p95_min_ms']:.2f} / median {lat['p95_median_ms']:.2f} / max "
          f"{lat['p95_max_ms']:.2f} ms, spread (max-min)/median {100 * lat['p95_spread']:.1f}%"
          f" (p95 per run: {p95} ms; p50 median {lat['p50_median_ms']:.2f} ms; "
          f"max p95 / budget {lat['p95_max_ms'] / r['budget_ms']:.3f}x of {r['budget_ms']:g} ms)")
    calls = "/".join(str(x["calls"]) for x in lat["runs"])
    stable = sum(x["stable"] for x in lat["runs"])
    print(f"  calls per run {calls}; {stable}/{len(lat['runs'])} runs stable by mlgate's rule;"
          f" model loads per run {'/'.join(str(x['model_loads']) for x in lat['runs'])}")
    print("loads: load-artifact probes (model loads) per run; starts: all starts of the "
          "project's interpreter; a/b = differs between runs")
    print("load average (1, 5, 15 min) before: {} after: {}; highest 1-min seen at a run start: "
          "{}".format(*[" ".join(map(str, x)) if isinstance(x, list) else x for x in (
              r["loadavg_before"], r["loadavg_after"], r["loadavg_max_1min"])]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter with numpy, pandas, scikit-learn and joblib: trains the "
                         "model and is the example's environment (default: this one)")
    ap.add_argument("--workdir", type=Path,
                    help="reuse (or create and keep) the example repository in DIR")
    ap.add_argument("--repeat", type=int, default=5,
                    help="timed rounds; each runs every case once (default 5)")
    ap.add_argument("--latency-runs", type=int, default=5,
                    help="runs of `mlgate latency --no-cache` (default 5)")
    ap.add_argument("--timeout", type=float, default=600, help="per run, seconds (default 600)")
    ap.add_argument("--json", action="store_true", help="print results as JSON only")
    args = ap.parse_args(argv)
    log = (lambda *_: None) if args.json else (lambda msg: print(msg, file=sys.stderr, flush=True))
    if not shutil.which("git"):
        sys.exit("bench: needs `git` on PATH")
    python = str(Path(args.python).absolute())  # not resolved: a venv's python is a link
    mlgate = find_mlgate(python)
    pre_commit = find_pre_commit()
    tmp = None if args.workdir else tempfile.TemporaryDirectory(prefix="mlgate-bench-suite-")
    work = (args.workdir or Path(tmp.name)).resolve()
    work.mkdir(parents=True, exist_ok=True)
    repo, probe_log = work / "churn", work / "probe-starts.log"
    res: dict = {"date": datetime.date.today().isoformat(), "machine": platform.machine(),
                 "cpus": os.cpu_count(), "mlgate": str(mlgate), "pre_commit": pre_commit,
                 "source": source_state(), "python": python, "workdir": str(work),
                 "repo": str(repo), "repeat": args.repeat, "target_warm_s": TARGET_WARM_S}
    try:
        env = clean_env(work)
        version = run([*pre_commit, "--version"], work, env, 120)
        res["pre_commit_version"] = version.out.strip()
        meta = ensure_project(python, mlgate, work, env, log)
        res["env"] = meta["key"]["env"]
        floor = work / "floor-config.yaml"
        floor.write_text(floor_config())
        budget = re.search(r"budget-ms\s*=\s*([0-9.]+)", (repo / "pyproject.toml").read_text())
        res["budget_ms"] = float(budget.group(1)) if budget else 500.0
        pc = [*pre_commit, "run", "--all-files", "--verbose", "--color", "never"]
        audit = [str(mlgate), "audit", "."]
        cases = [
            Case("floor", "pre-commit floor (five `true`)", [*pc, "--config", str(floor)], False),
            Case("pc_cold", "pre-commit --all-files, cold", pc, True),
            Case("pc_warm", "pre-commit --all-files, warm", pc, False),
            Case("audit_cold", "mlgate audit ., cold", audit, True),
            Case("audit_warm", "mlgate audit ., warm", audit, False),
        ]
        bench = Bench(repo, probe_log, env, args.timeout, log)
        res["loadavg_before"] = loadavg()
        log("warm-up: one untimed run of each case ...")
        for case in cases:
            bench.once(case)
        # Round-robin: a slow spell of a shared machine weighs on every case. Within a round a
        # warm case follows its cold one, so it is a second run with nothing changed.
        for i in range(args.repeat):
            log(f"round {i + 1}/{args.repeat} ...")
            for case in cases:
                bench.record(case)
        res["cases"] = {case.key: summarize(case, bench.runs[case.key]) for case in cases}
        log(f"latency stability: {args.latency_runs} runs of mlgate latency --no-cache ...")
        res["latency"] = measure_latency(
            bench, [str(mlgate), "latency", "--no-cache", "--format", "json"], args.latency_runs)
        res["loadavg_after"] = loadavg()
        seen = [r["loadavg"][0] for runs in bench.runs.values() for r in runs if r["loadavg"]]
        seen += [x["loadavg"][0] for x in res["latency"]["runs"] if x["loadavg"]]
        res["loadavg_max_1min"] = max(seen) if seen else None
        res["cache_files"] = sorted({re.sub(r"[0-9a-f]{12,}", "*", f.name)
                                     for f in (repo / CACHE).glob("**/*") if f.is_file()})
        res["source_after"] = source_state()
    finally:
        if tmp:
            tmp.cleanup()
    warm = res["cases"]["pc_warm"]["median_s"]
    res["checks"] = {"pc_warm_s": [warm, TARGET_WARM_S, warm < TARGET_WARM_S]}
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print_table(res)
    if res["source_after"] != res["source"]:
        print(f"bench: WARNING: mlgate's source changed during the run ({res['source']} -> "
              f"{res['source_after']}): figures may mix versions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
