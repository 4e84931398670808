export DATA_ROOT="../data"
export TRAINING_SRC_ROOT="./training"
export EVAL_SRC_ROOT="./eval"
export OUTPUT_SRC_ROOT="./output"

# export HF_DATASETS_OFFLINE=1
# export TRANSFORMERS_OFFLINE=1
# export HF_HOME=/cache/huggingface

echo "set DATA_ROOT : ${DATA_ROOT}"
echo "set TRAINING_SRC_ROOT : ${TRAINING_SRC_ROOT}"
echo "set EVAL_SRC_ROOT : ${EVAL_SRC_ROOT}"
echo "set OUTPUT_SRC_ROOT : ${OUTPUT_SRC_ROOT}"
