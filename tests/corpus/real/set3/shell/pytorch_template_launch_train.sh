#!/bin/bash

python3 train.py \
    --data_dir '/content/data/' \
    --model_dir '/content/drive/My Drive/1cycle/Pytorch-template/experiments/resnet50' \
    --checkpoint_dir '/content/drive/My Drive/1cycle/Pytorch-template/experiments/resnet50' \
    --tensorboard_dir '/content/drive/My Drive/1cycle/Pytorch-template/experiments/resnet50/tensorboard'