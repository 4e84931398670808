python train.py \
    --train-data-path /data/preprocessed/training \
    --val-data-path /data/preprocessed/validation \
    --checkpoints-path /data/checkpoints \
    --config /workspace/configs/basic.yaml \
    --multi-gpu