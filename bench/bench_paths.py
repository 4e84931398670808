"""Benchmark `mlgate paths` against `grep -rEn` on two large synthetic ML repositories.

The first tree holds a hardcoded path in about 1 file in 200; the second in about half of its
files, among URLs, routes and fractions, with unknown cluster roots (`/local-scratch/...`) as
well as known ones, so every candidate costs a parse. Both ratios come from one run.
Standard library only. Run `python bench/bench_paths.py --help` for options.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GREP_PATTERN = (
    r"/(Users|home|root|mnt|media|Volumes|content|kaggle|dbfs|Workspace|data|datasets|scratch)/"
    r"|[A-Za-z]:[\\/]|file:/"
)
# The second tree's grep: any quoted or assigned absolute path, as MLG109 looks for one.
GREP_PATTERN_2 = r"""["'= ]/[A-Za-z_][A-Za-z0-9_.-]*/|[A-Za-z]:[\\/]|file:/"""
HEAVY = ("numpy", "pandas", "sklearn", "joblib")
TARGET_TREE, AIM_TREE, TARGET_SINGLE = 5.0, 3.0, 3.0
TARGET_TREE_1 = 3.0  # the first tree must stay within 3x
PLANT_RATE, PLANT_RATE_2 = 1 / 200, 1 / 2
PLANTED = (
    "/Users/ana/Desktop/train.csv", "/content/drive/MyDrive/x.csv", r"C:\Users\bob\data.csv",
    "/home/joe/data", "/kaggle/input/titanic/train.csv", "/mnt/shared/features.parquet",
    "/dbfs/FileStore/tables/events.csv", "/Volumes/T7/datasets/imagenet",
)
# Roots no list knows: MLG109 finds them by their use.
PLANTED_2 = (
    *PLANTED, "/local-scratch/ana/imagenet/train", "/groups/funke/data/zebrafish.zarr",
    "/staging/abc123/reads.tar.gz", "/store/cmsdata/run2/events.root",
    "/h/ana/checkpoints/best.pt", "/usr/bmicnas02/data-biwi-01/ana/seg.h5",
    "/ukp-storage-1/ana/cache/glove.txt", "/extra/ucibdl0/shared/data/torch_datasets",
)
# Look-alikes every second-tree file carries: URLs, routes, fractions, MIME types, regexes.
NOISE = '''
API_ROOT = "https://api.example.com/v1/models/{a}:predict"
DOCS = "see https://example.org/home/guide/install and s3://bucket/data/{b}/"
ROUTES = ["/predict", "/health", "/v1/models/{a}", "/api/{b}/batch"]
RATIO = {k} / 3 + 1/2
CONTENT_TYPE = "application/json"
PATTERN = r"^/users/(\\d+)/items$"
'''
URLS = (
    "https://example.com/home/x", "https://github.com/acme/ml/blob/main/data/README.md",
    "https://huggingface.co/datasets/imdb", "http://localhost:8080/api/v1/users/",
    "s3://ml-bucket/datasets/raw/", "gs://team-bucket/models/latest/", "https://docs.example.org",
)
RELS = ("data", "./data/raw", "../artifacts", "outputs/checkpoints", "/tmp/runs", "models")
ROUTES = ("/predict", "/health", "/v1/models/clf:predict", "/users/{user_id}", "/batch")
WORDS = (
    "model", "data", "feature", "loss", "batch", "encoder", "decoder", "embed", "token", "vocab",
    "label", "score", "metric", "train", "eval", "infer", "cache", "shard", "split", "fold",
    "sample", "weight", "layer", "head", "optim", "sched", "churn", "price", "image",
)
PKGS = (
    "numpy==1.26.4", "pandas>=2.1", "scikit-learn==1.4.2", "torch==2.2.1", "transformers>=4.38",
    "fastapi==0.110.0", "uvicorn[standard]", "pyyaml", "mlflow==2.11.1", "joblib", "tqdm",
)
PY_HEADER = '''"""{A} {b} utilities (generated for benchmarking)."""
from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

LOG = logging.getLogger(__name__)
'''
PY_BLOCKS = (
    '''

def load_{a}(path: str | Path, limit: int = {n}) -> pd.DataFrame:
    """Load the {a} table and drop rows without a {b}."""
    frame = pd.read_csv(Path(path), nrows=limit)
    frame = frame.dropna(subset=["{b}"])
    LOG.info("loaded %d rows from %s", len(frame), path)
    return frame.reset_index(drop=True)
''',
    '''

class {A}{B}(nn.Module):
    """A small {a} network with a {b} head."""

    def __init__(self, dim: int = {n}, hidden: int = {m}) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, hidden)
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(0.{d}), nn.Linear(hidden, {k}))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.proj(x))
''',
    '''

def train_{a}(model: nn.Module, loader, epochs: int = {k}, lr: float = {lr}) -> list[float]:
    """Train for a few epochs and return the per-epoch {b} loss."""
    opt, history = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-{d}), []
    for epoch in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
        LOG.info("epoch %d/%d done", epoch + 1, epochs)
    torch.save(model.state_dict(), os.path.join("{rel}", "{a}_{b}.pt"))
    return history
''',
    '''

def {a}_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Accuracy and a {b} breakdown; ratios like 1/{k} are rounded."""
    acc = float((y_true == y_pred).mean())
    per_class = {{int(c): float((y_pred[y_true == c] == c).mean()) for c in np.unique(y_true)}}
    return {{"accuracy": round(acc, {d}), "{b}": json.dumps(per_class)}}
''',
    '''

@app.post("{route}")
def {a}_endpoint(payload: dict) -> dict:
    """Serve {b} predictions; docs at {url}."""
    features = np.asarray(payload["features"], dtype=np.float32)
    cache = os.environ.get("{A}_CACHE", "/tmp/{a}_cache")
    return {{"prediction": MODEL.predict(features[None, :]).tolist(), "cache": cache}}
''',
    '''

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="{a} {b} job")
    parser.add_argument("--data", default="{rel}/{a}.csv")
    parser.add_argument("--out", default="./outputs/{b}")
    parser.add_argument("--epochs", type=int, default={k})
    parser.add_argument("--tracking-uri", default="{url}")
    return parser.parse_args(argv)
''',
)
SHELL_STEP = '''
# step {n}: {a} {b}
python -m {a}.train --data "$DATA_DIR/{b}.csv" --epochs {k} --out outputs/{b}
curl -fsS "{url}" -o /tmp/{a}_{n}.json
ls ./{rel} | head -n {k}
'''
DOCKERFILE = '''FROM python:3.11-slim AS {a}
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY src/ ./src/
ENV MODEL_DIR=/app/models PORT={n}
EXPOSE {n}
CMD ["uvicorn", "src.{a}.serve:app", "--host", "0.0.0.0", "--port", "{n}"]
'''


class Generator:
    """Deterministic writer of a synthetic ML repository."""

    def __init__(self, root: Path, seed: int, rate: float = PLANT_RATE,
                 planted: tuple[str, ...] = PLANTED, noise: bool = False) -> None:
        self.root, self.rng = root, random.Random(seed)
        self.rate, self.planted_paths, self.noise = rate, planted, noise
        self.files = self.bytes = self.planted = 0

    def vals(self) -> dict[str, object]:
        r = self.rng
        a, b = r.choice(WORDS), r.choice(WORDS)
        return {
            "a": a, "b": b, "A": a.title(), "B": b.title(), "n": r.randint(8, 9999),
            "m": r.choice((64, 128, 256, 512)), "d": r.randint(1, 5), "k": r.randint(2, 50),
            "lr": r.choice(("1e-3", "3e-4", "0.01")), "url": r.choice(URLS),
            "rel": r.choice(RELS), "route": r.choice(ROUTES),
        }

    def plant(self) -> str | None:
        """A hardcoded absolute path for a share of the files (always for the first file)."""
        if self.files and self.rng.random() >= self.rate:
            return None
        self.planted += 1
        return self.rng.choice(self.planted_paths)

    def write(self, rel: str, text: str) -> int:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        self.files += 1
        self.bytes += len(data)
        return len(data)

    def python(self, size: int, plant: str | None) -> str:
        parts = [PY_HEADER.format(**self.vals())]
        if self.noise:
            parts.append(NOISE.format(**self.vals()))
        while sum(map(len, parts)) < size:
            parts.append(self.rng.choice(PY_BLOCKS).format(**self.vals()))
        if plant:
            parts.insert(self.rng.randint(1, len(parts)), f'\nDATA_PATH = r"{plant}"  # FIXME\n')
        return "".join(parts) + '\n\nif __name__ == "__main__":\n    print(parse_args())\n'

    def notebook(self, size: int, plant: str | None) -> str:
        r, cells, total = self.rng, [], 0
        images = r.randint(1, 3) if r.random() < 0.15 else 0
        while total < size or images:
            v = self.vals()
            src = r.choice(PY_BLOCKS).format(**v).strip("\n")
            if self.noise and not cells:
                src = NOISE.format(**v).strip("\n") + "\n" + src
            if plant:
                src, plant = f'df = pd.read_csv("{plant}")\n' + src, None
            outputs: list[dict] = []
            if r.random() < 0.4:
                text = [f"epoch {i}/{v['k']} loss={r.random():.4f}\n" for i in range(v["k"])]
                outputs.append({"name": "stdout", "output_type": "stream", "text": text})
            if images:
                images -= 1
                png = base64.b64encode(r.randbytes(r.randint(20_000, 120_000))).decode()
                data = {"image/png": png, "text/plain": ["<Figure size 640x480 with 1 Axes>"]}
                outputs.append({"data": data, "metadata": {}, "output_type": "display_data"})
            cells.append({"cell_type": "markdown", "id": f"{r.getrandbits(32):08x}",
                          "metadata": {}, "source": [f"## {v['A']} {v['b']} (see {v['url']})"]})
            cells.append({"cell_type": "code", "execution_count": len(cells), "id":
                          f"{r.getrandbits(32):08x}", "metadata": {}, "outputs": outputs,
                          "source": src.splitlines(keepends=True)})
            total += len(src) + sum(len(json.dumps(o)) for o in outputs)
        meta = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python", "version": "3.11.7"}}
        nb = {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}
        return json.dumps(nb, indent=1) + "\n"

    def config(self, ext: str, size: int, plant: str | None) -> str:
        runs = []
        while sum(len(str(x)) for x in runs) < size * 0.6:
            v = self.vals()
            runs.append({"name": f"{v['a']}-{v['b']}-{v['n']}", "seed": v["n"], "lr": v["lr"],
                         "train": f"{v['rel']}/{v['a']}/train.csv", "cache_dir": f"/tmp/{v['a']}",
                         "hidden": v["m"], "tracking_uri": v["url"], "route": v["route"]})
        if plant:
            # The second tree names the key as a path, so unknown roots count there (MLG109).
            runs[self.rng.randrange(len(runs))]["train_dir" if self.noise else "train"] = plant
        if ext == "json":
            return json.dumps({"runs": runs}, indent=2) + "\n"
        out = []
        for i, run in enumerate(runs):
            if ext == "yaml":
                out.append("  - " + "\n    ".join(f"{k}: '{v}'" for k, v in run.items()))
            elif ext == "toml":
                out.append("[[runs]]\n" + "\n".join(f"{k} = '{v}'" for k, v in run.items()))
            else:
                out.append(f"[run_{i}]\n" + "\n".join(f"{k} = {v}" for k, v in run.items()))
        return ("runs:\n" if ext == "yaml" else "") + "\n".join(out) + "\n"

    def shell(self, size: int, plant: str | None) -> str:
        text = '#!/usr/bin/env bash\nset -euo pipefail\nDATA_DIR="${DATA_DIR:-./data}"\n'
        if plant:
            text += f"DATA_DIR='{plant}'\n"
        while len(text) < size:
            text += SHELL_STEP.format(**self.vals())
        return text

    def requirements(self, plant: str | None) -> str:
        lines = self.rng.sample(PKGS, self.rng.randint(3, len(PKGS)))
        return "\n".join(lines + ([f"-e {plant}"] if plant else [])) + "\n"

    def dockerfile(self) -> str:
        return "\n".join(DOCKERFILE.format(**self.vals()) for _ in range(self.rng.randint(1, 3)))

    def run(self, size_mb: float) -> None:
        """Fill byte budgets per kind: ~60% Python, ~22% notebooks, the rest configs and ops."""
        r, total = self.rng, size_mb * 1_000_000
        projects = [f"proj_{i:03d}" for i in range(max(4, int(size_mb // 2)))]
        budgets = [("py", 0.60), ("ipynb", 0.22), ("cfg", 0.10), ("sh", 0.075), ("ops", 0.005)]
        for kind, share in budgets:
            spent = 0
            while spent < total * share:
                p, v, docker = r.choice(projects), self.vals(), kind == "ops" and r.random() < 0.5
                # A Dockerfile's absolute paths are container paths: plant none there.
                plant, stem = None if docker else self.plant(), f"{v['a']}_{v['b']}_{self.files}"
                if kind == "py":
                    sub = r.choice((f"src/{v['a']}", "scripts", "tests", "serving"))
                    text = self.python(r.randint(2_000, 40_000), plant)
                    spent += self.write(f"{p}/{sub}/{stem}.py", text)
                elif kind == "ipynb":
                    text = self.notebook(r.randint(5_000, 60_000), plant)
                    spent += self.write(f"{p}/notebooks/{stem}.ipynb", text)
                elif kind == "cfg":
                    ext = r.choice(("yaml", "toml", "json", "ini"))
                    text = self.config(ext, r.randint(1_000, 8_000), plant)
                    spent += self.write(f"{p}/configs/{stem}.{ext}", text)
                elif kind == "sh":
                    text = self.shell(r.randint(1_000, 8_000), plant)
                    spent += self.write(f"{p}/scripts/{stem}.sh", text)
                elif docker:
                    spent += self.write(f"{p}/docker/Dockerfile.{stem}", self.dockerfile())
                else:
                    text = self.requirements(plant)
                    spent += self.write(f"{p}/requirements/{stem}.txt", text)


def git(tree: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=b@b", "-c", "user.name=bench",
                    "-c", "commit.gpgsign=false", *args], cwd=tree, check=True,
                   stdout=subprocess.DEVNULL)


def tree_stats(tree: Path) -> tuple[int, int]:
    """(files, bytes) in the tree, outside .git."""
    files = size = 0
    for top, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d != ".git"]
        files += len(names)
        size += sum(os.path.getsize(os.path.join(top, n)) for n in names)
    return files, size


def find_mlgate() -> Path:
    for name in ("mlgate", "mlgate.exe"):
        cand = Path(sys.executable).parent / name
        if cand.is_file():
            return cand
    found = shutil.which("mlgate")
    if not found:
        sys.exit("bench: `mlgate` not found; run `pip install -e .` in the repository first")
    return Path(found)


def interpreter_of(script: Path) -> str:
    """The Python a console script runs under (its shebang), else sys.executable."""
    try:
        first = script.read_text(errors="replace").splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError):
        return sys.executable
    cand = first[2:].strip().split(" ")[0] if first.startswith("#!") else ""
    return cand if "python" in Path(cand).name and Path(cand).is_file() else sys.executable


def run(
    cmd: list[str], cwd: Path, ok: tuple[int, ...], env: dict | None = None
) -> tuple[float, subprocess.CompletedProcess]:
    """Run once (output captured, never /dev/null: GNU grep short-circuits on it); time it."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok or b"Traceback (most recent call last)" in proc.stderr:
        sys.stderr.write(proc.stderr.decode(errors="replace")[-4000:])
        sys.exit(f"bench: {' '.join(cmd)!r} failed with exit code {proc.returncode}")
    return elapsed, proc


def median_time(cmd: list[str], cwd: Path, ok: tuple[int, ...], repeat: int,
                env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    """Median wall time over `repeat` runs after one untimed warm-up run."""
    run(cmd, cwd, ok, env)
    times, proc = [], None
    for _ in range(repeat):
        elapsed, proc = run(cmd, cwd, ok, env)
        times.append(elapsed)
    return statistics.median(times), proc


ImportRow = tuple[int, int, str]


def import_log(python: str, tree: Path, target: str) -> tuple[list[ImportRow], list[str]]:
    """(self_us, cumulative_us, module) per import of `mlgate paths target`; heavy ones found."""
    _, proc = run([python, "-X", "importtime", "-m", "mlgate", "paths", target], tree, (0, 1))
    rows = []
    for line in proc.stderr.decode(errors="replace").splitlines():
        parts = line.removeprefix("import time:").split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[0]), int(parts[1]), parts[2].strip()))
    heavy = sorted({m for _, _, m in rows if m.split(".")[0] in HEAVY})
    return rows, heavy


def print_table(r: dict) -> None:
    """The human-readable summary of a result dict."""
    def row(case: str, value: float, unit: str, runs: object = "", note: str = "") -> None:
        print(f"{case:<34}{value:>9.{3 if unit == 's' else 2}f}{unit}{runs!s:>6}  {note}")

    def verdict(ratio: float, target: float) -> str:
        return "OK" if ratio <= target else "MISS"

    n, n1 = r["repeat"], r["single_repeat"]
    print(f"\nmlgate paths benchmark; python {r['python']}; load average {r['load']}")
    print(f"{'case':<34}{'median':>10}{'runs':>6}  note")
    for t in r["trees"]:
        mb = t["mb"]
        print(f"-- {t['name']}: {mb} MB, {t['files']} files, {t.get('planted_paths', '?')} planted"
              f" paths ({t['what']})")
        row("  grep -rEn", t["grep_s"], "s", n,
            f"{mb / t['grep_s']:.0f} MB/s, {t['grep_lines']} matching lines")
        row("  mlgate paths . (no cache)", t["mlgate_s"], "s", n,
            f"{mb / t['mlgate_s']:.1f} MB/s, exit {t['mlgate_exit']}, "
            f"{t['mlgate_findings']} findings")
        row("    ratio mlgate/grep", t["ratio"], "x", "", f"target <= {t['target']:g}x "
            f"(aim {AIM_TREE:g}x): {verdict(t['ratio'], t['target'])}")
        row("  mlgate paths . (warm cache)", t["warm_s"], "s", n,
            f"ratio to grep {t['warm_ratio']:.2f}x")
    row("python -c pass", r["python_pass_s"], "s", n1)
    row("mlgate paths <one .py>", r["mlgate_single_s"], "s", n1, r["single_file"])
    row("  ratio mlgate/python", r["single_ratio"], "x", "",
        f"target < {TARGET_SINGLE:g}x: {verdict(r['single_ratio'], TARGET_SINGLE)}")
    heavy = ", ".join(r["heavy_imports"]) or "none"
    print(f"imports: {r['modules_imported']} modules; {'/'.join(HEAVY)} imported: {heavy}: "
          f"{'FAIL' if r['heavy_imports'] else 'OK'}")
    print("top 5 imports by self time (us):")
    for imp in r["top_imports"]:
        print(f"  {imp['self_us']:>8} self {imp['cumulative_us']:>9} cumulative  {imp['module']}")


def build_tree(tree: Path, size_mb: float, seed: int, second: bool, log) -> dict:
    """Generate and commit a tree unless DIR already holds one; its facts for the report."""
    facts: dict = {}
    if tree.is_dir() and any(tree.iterdir()):
        log(f"reusing tree {tree}")
    else:
        log(f"generating ~{size_mb:g} MB tree in {tree} (seed {seed}) ...")
        tree.mkdir(parents=True, exist_ok=True)
        gen = (Generator(tree, seed, PLANT_RATE_2, PLANTED_2, noise=True) if second
               else Generator(tree, seed))
        start = time.perf_counter()
        gen.run(size_mb)
        git(tree, "init", "-q")
        git(tree, "add", "-A")
        git(tree, "commit", "-q", "--no-verify", "-m", "bench tree")
        facts["planted_paths"] = gen.planted
        log(f"  {gen.files} files, {gen.planted} planted paths, "
            f"{time.perf_counter() - start:.1f} s (incl. git commit)")
    files, size = tree_stats(tree)
    facts.update(files=files, mb=round(size / 1e6, 1))
    return facts


def python_env(base: Path) -> dict:
    """Bytecode cached (in the work folder), as an installed mlgate has it: a shell that sets
    PYTHONDONTWRITEBYTECODE would otherwise make every run compile mlgate's sources."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
    return env


def time_tree(tree: Path, mlgate: Path, pattern: str, repeat: int, log, env: dict) -> dict:
    """grep, mlgate without its result cache (--no-cache), mlgate with it (warm)."""
    grep_env = {**os.environ, "LC_ALL": "C"}
    grep_cmd = ["grep", "-rEn", "--exclude-dir=.git", pattern, "."]
    log(f"  timing grep ({repeat} runs) ...")
    t_grep, p_grep = median_time(grep_cmd, tree, (0, 1), repeat, grep_env)
    log(f"  timing mlgate paths . --no-cache ({repeat} runs) ...")
    t_ml, p_ml = median_time([str(mlgate), "paths", "--no-cache", "."], tree, (0, 1), repeat,
                             env)
    log(f"  timing mlgate paths . with its cache ({repeat} runs) ...")
    t_warm, _ = median_time([str(mlgate), "paths", "."], tree, (0, 1), repeat, env)
    out = p_ml.stdout.decode(errors="replace")
    return dict(
        grep_s=round(t_grep, 4), grep_lines=p_grep.stdout.count(b"\n"),
        mlgate_s=round(t_ml, 4), mlgate_exit=p_ml.returncode,
        mlgate_findings=len(re.findall(r"(?m)^\S.*?:\d+:\d+: ", out)),
        ratio=round(t_ml / t_grep, 2), warm_s=round(t_warm, 4),
        warm_ratio=round(t_warm / t_grep, 2),
    )


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", type=Path,
                    help="reuse (or create and keep) the trees in DIR/sparse and DIR/dense")
    ap.add_argument("--size-mb", type=float, default=100.0, help="each tree's size (default 100)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per tree (default 5)")
    ap.add_argument("--single-repeat", type=int, default=25, help="single-file runs (default 25)")
    ap.add_argument("--only", choices=("sparse", "dense"), help="time one tree only")
    ap.add_argument("--json", action="store_true", help="print results as JSON only")
    args = ap.parse_args(argv)
    log = (lambda *_: None) if args.json else (lambda msg: print(msg, file=sys.stderr, flush=True))
    if not shutil.which("grep") or not shutil.which("git"):
        sys.exit("bench: needs `grep` and `git` on PATH")
    mlgate = find_mlgate()
    python = interpreter_of(mlgate)
    tmp = None if args.tree else tempfile.TemporaryDirectory(prefix="mlgate-bench-")
    base = (args.tree or Path(tmp.name)).resolve()
    res: dict = {"mlgate": str(mlgate), "python": python, "tree": str(base),
                 "repeat": args.repeat, "single_repeat": args.single_repeat,
                 "load": load_average(), "trees": []}
    env = python_env(base)
    specs = [("sparse", False, GREP_PATTERN, TARGET_TREE_1, "a path in 1 file in 200"),
             ("dense", True, GREP_PATTERN_2, TARGET_TREE,
              "a path in about half the files, among URLs, routes, fractions")]
    try:
        for name, second, pattern, target, what in specs:
            if args.only and name != args.only:
                continue
            tree = base / name
            facts = build_tree(tree, args.size_mb, args.seed, second, log)
            log(f"tree {name}:")
            facts.update(time_tree(tree, mlgate, pattern, args.repeat, log, env))
            facts.update(name=name, target=target, what=what)
            if facts["mlgate_exit"] == 0 and "planted_paths" in facts:
                log(f"WARNING: mlgate paths exited 0 on the {name} tree, which has planted paths")
            res["trees"].append(facts)
        tree = base / (args.only or "sparse")
        pys = [p for p in tree.rglob("*.py") if ".git" not in p.parts]
        small = min((p for p in pys if p.stat().st_size >= 500), default=None,
                    key=lambda p: (p.stat().st_size, str(p))) or min(pys, default=None)
        if small is None:
            sys.exit(f"bench: no .py file in {tree} for the single-file measurement")
        one = small.relative_to(tree).as_posix()
        log(f"timing single file {one} ({args.single_repeat} runs) ...")
        t_py, _ = median_time([python, "-c", "pass"], tree, (0,), args.single_repeat, env)
        t_one, _ = median_time([str(mlgate), "paths", "--no-cache", one], tree, (0, 1),
                               args.single_repeat, env)
        rows, heavy = import_log(python, tree, one)
    finally:
        if tmp:
            tmp.cleanup()
    res["load_after"] = load_average()
    res.update(
        single_file=one, python_pass_s=round(t_py, 4), mlgate_single_s=round(t_one, 4),
        single_ratio=round(t_one / t_py, 2), single_target=TARGET_SINGLE,
        modules_imported=len(rows), heavy_imports=heavy,
        top_imports=[{"module": m, "self_us": s, "cumulative_us": c}
                     for s, c, m in sorted(rows, reverse=True)[:5]],
    )
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print_table(res)
        print(f"load average after: {res['load_after']}")
    return 1 if heavy else 0


if __name__ == "__main__":
    sys.exit(main())
