"""Evaluate every checkpoint of a run on the cluster."""
import argparse
import csv
import glob
import os

SLURM_TEMPLATE = """#!/bin/bash
#SBATCH --job-name=eval-{name}
#SBATCH --output=/scratch/ana/logs/eval-{name}-%j.out
#SBATCH --gres=gpu:1
python eval.py --ckpt {ckpt} --data /datasets/imagenet/val
"""


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt-glob", default="/fsx/ana/vit-b16/checkpoints/*.ckpt")
    p.add_argument("--data-root", default="/lustre/fsw/vision/imagenet")
    p.add_argument("--results", default="results/eval.csv")
    p.add_argument("--shm", default="/dev/shm/eval")
    return p.parse_args()


def main():
    args = parse_args()
    val_dir = f"{args.data_root}/data/val"
    mirror = args.data_root.replace("/lustre/fsw", "/gpfs/alpine")
    cache = os.path.join(os.environ.get("TMPDIR", "/tmp"), "eval-cache")
    features = f"/scratch/{os.environ['USER']}/vit-features"
    rows = []
    for ckpt in sorted(glob.glob(args.ckpt_glob)):
        name = os.path.basename(ckpt).split(".")[0]
        rows.append({"ckpt": name, "val_dir": val_dir, "mirror": mirror, "cache": cache, "features": features})
        print(SLURM_TEMPLATE.format(name=name, ckpt=ckpt))
    with open("/efs/shared/leaderboard/vit-b16.csv", "a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["ckpt", "val_dir", "mirror", "cache", "features"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
