#!/bin/zsh
# One-time setup for Apple-silicon laptops (LightGBM/XGBoost need libomp).
set -e

eval "$(/opt/homebrew/bin/brew shellenv)"
brew install libomp cmake

export PATH="/opt/homebrew/opt/llvm/bin:$PATH"
export LDFLAGS="-L/opt/homebrew/opt/libomp/lib"
export CPPFLAGS="-I/opt/homebrew/opt/libomp/include"

python -m venv .venv && source .venv/bin/activate
python -m pip install -e ".[dev]"

ln -sfn /Volumes/Samsung_T5/datasets data
echo "done; data -> $(readlink data)" > /dev/null
