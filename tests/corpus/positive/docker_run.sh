#!/usr/bin/env bash
# Run the training image locally with the dataset mounted read-only.
set -e

IMAGE=acme/trainer:latest

docker run --rm --gpus all \
  -v /home/ana/datasets/coco:/workspace/data:ro \
  -v "$(pwd)/outputs:/workspace/outputs" \
  -v "$HOME/.cache/huggingface:/cache/hf" \
  -e HF_HOME=/cache/hf \
  -e WANDB_API_KEY \
  "$IMAGE" python train.py --data /workspace/data --out /workspace/outputs

cp outputs/metrics.json /Volumes/Backup/churn-metrics/ 2>/dev/null || true
