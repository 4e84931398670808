"""Path handling that stays portable across machines."""
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE.parent / "data"
RAW = "data/raw/train.csv"
MODELS = "../models"
LOCAL_RUN = "./outputs/run-001"
CACHE_DIR = os.path.expanduser("~/data/cache")
HOME_DATA = os.path.expandvars("$HOME/data")
ENV_DATA = os.path.expandvars("${DATA_DIR}/processed")
SCRATCH = os.environ.get("SCRATCH", "/tmp")
HF_CACHE = Path.home() / ".cache" / "huggingface"


def user_dir(root, user):
    return f"{root}/home/{user}"


def dataset_path(base, name):
    return base + "/data/" + name


def shard_path(root, i):
    return "{}/datasets/shard-{:05d}".format(root, i)


def legacy_path(root):
    return "%s/mnt/legacy" % root


def nested(path):
    return os.path.join(path, "home", "data")


def tensorboard_tags():
    return ["train/loss", "val/accuracy", "data/throughput", "content/tokens_per_s"]
