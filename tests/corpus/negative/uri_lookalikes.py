"""Connection strings, image references and URIs: none of them is a local machine path."""
import os

REPO = "git@github.com:acme/data-pipelines.git"
MIRROR = "ssh://git@git.acme.internal/home/git/churn.git"
DOCKER_SOCKET = "unix:///var/run/docker.sock"
WAREHOUSE = "jdbc:postgresql://warehouse.acme.internal:5432/data"
DB_URL = "postgresql+psycopg2://ml:secret@db:5432/datasets"
BROKER = "redis://localhost:6379/0"
BLOB = "wasbs://raw@acmeml.blob.core.windows.net/data/events"
FTP_DUMP = "ftp://ftp.acme.com/home/public/dump.csv"
IMAGE = "ghcr.io/acme/data-tools:1.2.0"
BASE_IMAGE = "docker.io/library/python:3.11-slim"
HF_DATASET = "datasets/imdb"
UPLOAD_MIME = "multipart/form-data"
ARTIFACT = "wandb-artifact:///acme/churn/model:v3"
CUDA_LIBS = os.environ.get("LD_LIBRARY_PATH", "/usr/local/cuda/lib64")
SEP_JOINED = "/".join(["", "srv", "models"])
