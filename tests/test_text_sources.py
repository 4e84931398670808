"""Line-oriented files: YAML, shell, Dockerfiles. Which lines count, and where."""

import textwrap

from helpers import line_codes, run_json


def check(tmp_path, capsys, name, source):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return run_json(capsys, str(path))


def test_kubernetes_manifest_is_a_container_except_host_paths(tmp_path, capsys):
    _, found = check(tmp_path, capsys, "job.yaml", """\
        apiVersion: batch/v1
        kind: Job
        spec:
          template:
            spec:
              containers:
                - name: train
                  args: ["--model_dir=/mnt/models", "--data=/data/train"]
                  env:
                    - name: CFG
                      value: /Users/ana/cfg.yaml
              volumes:
                - name: cache
                  hostPath:
                    path: /mnt/disks/ssd0
                - name: other
                  emptyDir: {}
        """)
    assert line_codes(found) == ["11:MLG101", "15:MLG102"]


def test_compose_volumes_host_side_only(tmp_path, capsys):
    _, found = check(tmp_path, capsys, "docker-compose.yml", """\
        services:
          app:
            volumes:
              - ./src:/home/app/src
              - /opt/team/data:/data:ro
              - ${DATA_DIR:-./data}:/data/train
              - /var/run/docker.sock:/var/run/docker.sock
        """)
    assert line_codes(found) == ["5:MLG102"]
    assert found[0]["col"] == 9


def test_scheduler_directives_are_code_with_their_column(tmp_path, capsys):
    _, found = check(tmp_path, capsys, "job.sh", """\
        #!/bin/bash
        #SBATCH --output=/home/ana/logs/%j.out
        # a comment about /home/ana/other
        #$ -o /scratch/ana/sge.out
        python train.py --data "$DATA"
        """)
    assert line_codes(found) == ["2:MLG101", "4:MLG102"]
    assert [f["col"] for f in found] == [18, 7]


def test_docker_run_in_a_shell_script(tmp_path, capsys):
    _, found = check(tmp_path, capsys, "run.sh", """\
        docker run --gpus all -v /mnt/data:/mnt/data -w /data -v `pwd`:/data img
        """)
    assert [(f["line"], f["col"], f["text"]) for f in found] == [(1, 26, "/mnt/data")]


def test_two_paths_in_one_notebook_output_line_get_their_own_columns(tmp_path, capsys):
    import json

    nb = {"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": [],
                     "outputs": [{"output_type": "stream", "name": "stdout",
                                  "text": ["/home/ana/a.csv and /home/ana/b.csv"]}]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    _, found = run_json(capsys, str(path))
    text = path.read_text()
    assert sorted(f["text"] for f in found) == ["/home/ana/a.csv", "/home/ana/b.csv"]
    for f in found:
        assert text[f["col"] - 1:f["col"] - 1 + len(f["text"])] == f["text"]


def test_jsonc_is_read_as_text_without_a_warning(tmp_path, capsys):
    _, found = check(tmp_path, capsys, "settings.json", """\
        {
          // VS Code allows comments
          "python.defaultInterpreterPath": "/Users/ana/.venv/bin/python",
        }
        """)
    assert [(f["line"], f["code"]) for f in found] == [(3, "MLG101")]


def test_ci_jobs_in_a_container_use_its_paths(tmp_path, capsys):
    _, found = check(tmp_path, capsys, "models.yml", """\
        on: [push]
        env:
          CACHE: /mnt/runner-cache
        jobs:
          gpu-tests:
            runs-on: [self-hosted, gpu]
            container:
              image: ghcr.io/org/ci:latest
              options: --gpus all -v /mnt/cache/.cache/hf:/mnt/cache/
            env:
              HF_HOME: /mnt/cache
            steps:
              - run: ls -l /mnt/cache/hub
          host-job:
            runs-on: self-hosted
            steps:
              - run: ls /mnt/data/models
        """)
    assert [(f["line"], f["text"]) for f in found] == [
        (3, "/mnt/runner-cache"), (9, "/mnt/cache/.cache/hf"), (17, "/mnt/data/models")]


def codes_severity(found):
    return [(f["line"], f["code"], f["severity"]) for f in found]


def test_slurm_script_unknown_cluster_roots(tmp_path, capsys):
    _, found = check(tmp_path, capsys, "train.slurm", """\
        #!/bin/bash
        #SBATCH --output=/work/dlclarge1/ana/logs/%j.out
        #SBATCH -D /work/dlclarge1/ana/dino
        # a note about /work/dlclarge1/ana/old
        source /scratch_net/biwidl203/ana/anaconda3/etc/profile.d/conda.sh
        export TORCH_HOME=/local-scratch/ana/torch
        EXP=/work/dlclarge1/ana/experiments/run1
        python train.py --data_path /ukp-storage-1/ana/cifar --out outputs/
        scp ana@login.hpc.edu:/groups/lab/data/x.tar .
        . /etc/profile.d/modules.sh
        curl -o /tmp/x.json https://example.org/api/v1/items
        """)
    assert codes_severity(found) == [
        (2, "MLG109", "error"), (3, "MLG109", "error"), (5, "MLG109", "error"),
        (6, "MLG109", "error"), (7, "MLG109", "warning"), (8, "MLG109", "error")]


def test_yaml_keys_above_a_value_say_it_is_a_path(tmp_path, capsys):
    _, found = check(tmp_path, capsys, "data_config.yml", """\
        volume_config:
          raw:
            path:
              '1': '/g/kreshuk/data/platy/train_01.h5'
              '2': '/g/kreshuk/data/platy/train_02.h5'
            key:
              '1': 'volumes/raw'
          endpoints:
            predict: /v1/models/platy:predict
        hydra:
          run:
            dir: /groups/lab/outputs/${now:%Y-%m-%d}
        storage:
          mount_path: "/root/data/"
        """)
    assert line_codes(found) == ["12:MLG109", "14:MLG101", "4:MLG109", "5:MLG109"]


def test_a_compose_file_is_a_container_but_for_host_volumes(tmp_path, capsys):
    _, found = check(tmp_path, capsys, "docker-compose.yml", """\
        services:
          airflow:
            image: apache/airflow:2.9.1
            command: >
              bash -c "pip install -r /requirements.txt && airflow standalone"
            volumes:
              - ../dags:/opt/airflow/dags
              - /local-scratch/ana/airflow-logs:/opt/airflow/logs
              - type: bind
                source: /groups/lab/models
                target: /models
            working_dir: /workspace/project
        """)
    assert line_codes(found) == ["10:MLG102", "8:MLG102"]


def test_dvc_remotes(tmp_path, capsys):
    folder = tmp_path / ".dvc"
    folder.mkdir()
    (folder / "config").write_text(
        "[core]\n    remote = local\n['remote \"local\"']\n    url = /store\n"
        "['remote \"nas\"']\n    url = ssh://ana@10.0.0.5:/home/ana/dvc\n"
        "['remote \"win\"']\n    url = C:\\Users\\ana\\dvc-storage\n", encoding="utf-8")
    _, found = run_json(capsys, str(folder / "config"))
    assert line_codes(found) == ["4:MLG109", "8:MLG104"]


def test_scheduler_scripts_and_dvc_configs_are_found_in_a_tree():
    from mlgate.files import file_kind

    assert [file_kind(name) for name in (
        "jobs/train.slurm", "run.sbatch", "q.pbs", ".dvc/config", "x/.dvc/config.local",
        "config")] == ["shell", "shell", "shell", "ini", "ini", None]


def test_a_variable_named_for_a_container_holds_a_container_path(tmp_path, capsys):
    _, found = check(tmp_path, capsys, "Makefile", """\
        export container_data_path=/home/jovyan/data
        CONTAINER_WORKDIR := /root/app
        container_cfg=/Users/ana/cfg.yaml
        host_data=/home/ana/data
        container_path="/blue/lab/ana/images/brain.sif"
        run:
        \tdocker run -v $(host_data):$(container_data_path) img
        """)
    # /Users is on a host anyway; `container_path` alone is the image file, on the host
    assert line_codes(found) == ["3:MLG101", "4:MLG101", "5:MLG109"]
