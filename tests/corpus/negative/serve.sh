#!/usr/bin/env bash
# Start the inference server inside the container.
set -euo pipefail

MODEL_DIR="${MODEL_DIR:-/opt/ml/model}"
DATA_ROOT="${DATA_ROOT:-$HOME/data}"
cd /app

if ! command -v nvidia-smi > /dev/null 2>&1; then
  echo "no GPU found, serving on CPU" >&2
fi

ls "${DATA_ROOT}/data/train" | head -n 3
python -m churn.warmup --model-dir "$MODEL_DIR" --cache ~/.cache/churn --tmp /tmp/warmup

curl -fsS -X POST http://localhost:8080/predict \
  -H "Content-Type: application/json" \
  -d @tests/fixtures/sample.json || true

exec gunicorn churn.api:app -b 0.0.0.0:8080 --workers 2 --access-logfile - >> /var/log/churn-api.log
