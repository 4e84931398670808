#!/home/kevin/.venvs/ml/bin/python
"""Train the churn model on a developer machine.

Usage:
    python train_local.py --data /home/kevin/data/churn.csv
"""
import argparse
import getpass
import glob
import json
import logging
import os
import re
import sys
import uuid
from pathlib import Path

sys.path.append("/home/kevin/repos/ml-utils")
os.environ["DYLD_LIBRARY_PATH"] = "/opt/homebrew/opt/libomp/lib"
os.environ.setdefault("KMP_DUPLICATE_LIB_OK", "TRUE")

ROOT = "/Users/kevin/work/churn" if os.path.exists("/Users") else "/home/kevin/work/churn"
DATA_ROOT = "/data"
SHARED = os.path.join("/home", getpass.getuser(), "shared")
EXTERNAL = Path("/media/kevin/Elements/datasets/churn")
OUT_DIR = "/tmp/churn-runs"
DEFAULT_DATA = (
    "/home/kevin/projects/churn/"
    "data/processed"
)
IMAGES = glob.glob("/data/*/train/*.jpg")
CUDA_BIN = "C:\\Program Files\\NVIDIA GPU Computing Toolkit\\CUDA\\v11.8\\bin"
USER_HOME_RE = re.compile(r"^/home/\w+/")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", default=os.path.join(ROOT, "data", "churn.csv"))
    p.add_argument("--cache", default="~/.cache/churn")
    p.add_argument("--model-dir", default="/mnt/ssd/kevin/models")
    p.add_argument("--libomp", default="/usr/local/Cellar/libomp/17.0.6/lib")
    p.add_argument("--seed", type=int, default=13)
    return p.parse_args()


def main():
    args = parse_args()
    run_id = uuid.uuid4().hex[:8]
    print(f"writing to {OUT_DIR}/run-{run_id}")
    logging.info("reading %s, fallback /home/kevin/backup/churn.csv", args.data)
    os.makedirs(args.model_dir, exist_ok=True)
    metrics = {"auc": 0.87, "data": USER_HOME_RE.sub("~/", args.data)}
    with open(f"/home/kevin/work/churn/runs/{run_id}.json", "w") as fh:
        json.dump(metrics, fh)


if __name__ == "__main__":
    main()
