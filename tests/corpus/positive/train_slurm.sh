#!/bin/bash
#SBATCH --job-name=vit-pretrain
#SBATCH --nodes=2
#SBATCH --gres=gpu:8
#SBATCH --output=/scratch/ana/logs/%x-%j.out
#SBATCH --time=48:00:00

set -euo pipefail

source /home/ana/miniconda3/etc/profile.d/conda.sh
conda activate vit

export DATA_DIR=/gpfs/projects/vision/imagenet-1k
export HF_HOME=/tmp/$USER/hf
export MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
export MASTER_PORT=29500

CKPT_DIR="${SCRATCH:-/tmp}/vit/checkpoints"
mkdir -p "$CKPT_DIR"

srun python -m torch.distributed.run \
    --nnodes "$SLURM_NNODES" \
    --nproc_per_node 8 \
    train.py \
    --data "$DATA_DIR" \
    --output "$CKPT_DIR" \
    --resume /lustre/fsw/ana/vit/last.ckpt
