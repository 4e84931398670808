"""Strings that look like paths but are not machine-specific locations."""
import re
import subprocess

HOME_RE = re.compile(r"^/home/\w+")
USERS_RE = re.compile(r"/Users/([^/]+)/")
MOUNT_RE = re.compile(r"^/mnt/(?P<disk>[a-z0-9]+)/")
WIN_USER_RE = re.compile(r"^[A-Za-z]:\\Users\\[^\\]+")
RELEASE_DATE = "2024/01/15"
HALF = "1/2"
FRACTIONS = ["1/4", "3/4"]
MIME_TYPES = {"json": "application/json", "png": "image/png", "csv": "text/csv"}
DEVNULL = "/dev/null"
MEMINFO = "/proc/meminfo"
HOSTS = "/etc/hosts"
SYSTEM_PYTHON = "/usr/bin/python3"
LOG_DIR = "/var/log/trainer"
SCRATCH_DIR = "/tmp/trainer/scratch"
CONDA_PYTHON = "/opt/conda/bin/python"
APP_MODEL = "/app/models/model.pt"
WORKSPACE_CKPT = "/workspace/checkpoints"
SRV_MODELS = "/srv/models"
S3_TRAIN = "s3://acme-ml/data/train/"
GCS_EXPORT = "gs://acme-ml/home/exports/"
HDFS_EVENTS = "hdfs://namenode:8020/user/ana/data/events"
ADLS_RAW = "abfss://raw@acmelake.dfs.core.windows.net/data/events"
HF_PARQUET = "https://huggingface.co/datasets/imdb/resolve/main/plain_text/train-00000-of-00001.parquet"
DOCS_URL = "https://docs.example.com/home/ana/guide"
INIT_METHOD = "tcp://10.0.0.1:23456"


def anonymize(path):
    path = re.sub(r"/Users/\w+", "~", path)
    return re.sub(r"/home/[^/]+", "~", path)


def gpu_info():
    out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv"], capture_output=True, text=True)
    return out.stdout.strip()
