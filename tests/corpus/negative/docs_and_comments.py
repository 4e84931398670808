#!/home/ana/.venvs/ml/bin/python
# -*- coding: utf-8 -*-
"""Dataset utilities.

Examples
--------
>>> load_split("/home/ana/data/imagenet", "train")
>>> load_split("/mnt/datasets/imagenet", "val")
>>> load_split("D:/data/imagenet", "val")
"""
import os

# Old location: /Users/ana/Projects/imagenet (moved to object storage)
# Colab users: /content/drive/MyDrive/imagenet
DEFAULT_SPLIT = "train"  # e.g. /kaggle/input/imagenet/train


class SplitLoader:
    """Load a split.

    On Databricks use /dbfs/mnt/imagenet; on Kaggle, /kaggle/input/imagenet.
    """

    def __init__(self, root):
        self.root = root  # /scratch/$USER/imagenet on the cluster


def load_split(root, split):
    """Return the files of `split` under `root` (for example ``/data/imagenet``)."""
    # file:///home/ana/mlruns was the old tracking store
    return sorted(os.listdir(os.path.join(root, split)))
