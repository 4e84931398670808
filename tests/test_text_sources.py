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
