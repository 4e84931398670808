"""What counts as a machine-specific absolute path inside one string."""

import pytest

from mlgate.checks.paths.classify import find_paths


def codes(value, **kw):
    return [(m.code, m.text) for m in find_paths(value, **kw)]


@pytest.mark.parametrize(
    "value, code, text",
    [
        ("/Users/ana/Desktop/train.csv", "MLG101", "/Users/ana/Desktop/train.csv"),
        ("/home/joe/data/x.parquet", "MLG101", "/home/joe/data/x.parquet"),
        ("/root/.cache/model.bin", "MLG101", "/root/.cache/model.bin"),
        ("/opt/homebrew/bin/python3", "MLG101", "/opt/homebrew/bin/python3"),
        ("/Users", "MLG101", "/Users"),
        ("/mnt/c/Users/ana/data.csv", "MLG102", "/mnt/c/Users/ana/data.csv"),
        ("/Volumes/Backup/train.csv", "MLG102", "/Volumes/Backup/train.csv"),
        ("/media/ana/usb/x.csv", "MLG102", "/media/ana/usb/x.csv"),
        ("/data/train.csv", "MLG102", "/data/train.csv"),
        ("/data2/imagenet/train", "MLG102", "/data2/imagenet/train"),
        ("/scratch/ana/run1", "MLG102", "/scratch/ana/run1"),
        ("/content/drive/MyDrive/x.csv", "MLG103", "/content/drive/MyDrive/x.csv"),
        ("/kaggle/input/titanic/train.csv", "MLG103", "/kaggle/input/titanic/train.csv"),
        ("/dbfs/FileStore/tables/x.csv", "MLG103", "/dbfs/FileStore/tables/x.csv"),
        ("dbfs:/mnt/raw/x.delta", "MLG103", "dbfs:/mnt/raw/x.delta"),
        ("/Workspace/Users/a@b.com/nb", "MLG103", "/Workspace/Users/a@b.com/nb"),
        ("C:\\Users\\bob\\data.csv", "MLG104", "C:\\Users\\bob\\data.csv"),
        ("C:\\\\Users\\\\bob\\\\data.csv", "MLG104", "C:\\\\Users\\\\bob\\\\data.csv"),
        ("c:/users/bob/data.csv", "MLG104", "c:/users/bob/data.csv"),
        ("D:\\datasets\\x", "MLG104", "D:\\datasets\\x"),
        ("\\\\fileserver\\share\\x.csv", "MLG105", "\\\\fileserver\\share\\x.csv"),
        ("file:///home/ana/mlruns", "MLG106", "file:///home/ana/mlruns"),
        ("file:///C:/Users/bob/mlruns", "MLG106", "file:///C:/Users/bob/mlruns"),
        ("utils @ file:///Users/ana/code/utils", "MLG107", "utils @ file:///Users/ana/code/utils"),
    ],
)
def test_flags(value, code, text):
    assert codes(value) == [(code, text)]


@pytest.mark.parametrize(
    "value",
    [
        "https://example.com/home/ana/x",
        "s3://bucket/home/ana/x.csv",
        "gs://bucket/data/x",
        "hdfs:///user/ana/data",
        "/predict",
        "/v1/models/churn:predict",
        "/home",
        "/data",
        "/dev/null",
        "/tmp/ana/x.csv",
        "/opt/ml/model/model.joblib",
        "/app/models/model.joblib",
        "/usr/lib/python3/dist-packages",
        "data/train.csv",
        "../home/ana/x",
        "~/data/train.csv",
        "$HOME/data/train.csv",
        "${DATA_ROOT}/data/x.csv",
        "2024/01/15",
        "1/2",
        "application/json",
        "image/png",
        r"^/home/(\w+)/",
        r"^[A-Za-z]:\\",
        "file:./relative/mlruns",
        "file:///tmp/mlruns",
        "file:// URI",
        "file:///",
        "file://{path}",
        "file://$PWD/mlruns",
        "",
        "a:b",
        "user@host:/srv/x",
    ],
)
def test_does_not_flag(value):
    assert codes(value) == []


def test_bare_roots_count_where_a_path_is_expected():
    assert codes("/home") == []
    assert codes("/home", path_context=True) == [("MLG101", "/home")]
    assert codes("/content", path_context=True) == [("MLG103", "/content")]


def test_a_continuation_does_not_start_a_path():
    assert codes("/home/ana/x", start_ok=False) == []
    assert codes("x /home/ana/x", start_ok=False) == [("MLG101", "/home/ana/x")]


def test_container_profile_keeps_only_host_locations():
    assert codes("WORKDIR /home/app", container=True) == []
    assert codes("COPY data /data/train", container=True) == []
    assert codes("ENV DATA=/Users/ana/x", container=True) == [("MLG101", "/Users/ana/x")]
    assert codes("ENV D=C:\\data", container=True) == [("MLG104", "C:\\data")]


def test_path_lists_split_on_colons():
    assert codes("PATH=/home/ana/bin:/usr/bin") == [("MLG101", "/home/ana/bin")]
    assert codes("- /home/ana/data:/data") == [("MLG101", "/home/ana/data")]


def test_configured_roots_and_allow_prefixes():
    assert codes("/nas2/team/x.csv") == []
    assert codes("/nas2/team/x.csv", extra_roots=("/nas2",)) == [("MLG102", "/nas2/team/x.csv")]
    assert codes("/data/shared/x.csv", allow=("/data/shared/",)) == []


def test_open_end_placeholder_is_a_child_folder():
    assert codes("/home/", open_end=True) == [("MLG101", "/home/")]
    assert codes("/home/") == []


def test_several_paths_in_one_string():
    found = codes("cp /Users/ana/a.csv /mnt/backup/a.csv")
    assert found == [("MLG101", "/Users/ana/a.csv"), ("MLG102", "/mnt/backup/a.csv")]


@pytest.mark.parametrize(
    "line, text",
    [
        ("-e /Users/ana/code/utils", "/Users/ana/code/utils"),
        ("--editable=/home/ana/pkg", "/home/ana/pkg"),
        ("/wheels/torch-2.1-cp311-linux_x86_64.whl", "/wheels/torch-2.1-cp311-linux_x86_64.whl"),
        ("-r /home/ana/base.txt", "/home/ana/base.txt"),
        ("--find-links /srv/wheels", "/srv/wheels"),
        ("utils @ file:///Users/ana/utils ; python_version >= '3.9'",
         "utils @ file:///Users/ana/utils"),
        ("-i file:///home/ana/simple", "file:///home/ana/simple"),
        ("C:\\wheels\\x.whl", "C:\\wheels\\x.whl"),
    ],
)
def test_requirement_lines_from_local_paths(line, text):
    from mlgate.checks.paths.classify import find_requirement_paths

    assert [(m.code, m.text) for m in find_requirement_paths(line)] == [("MLG107", text)]


@pytest.mark.parametrize("line", [
    "numpy==2.1.0", "-r base.txt", "-e .", "-e ./libs/utils", "pkg @ https://x.org/p.whl",
    "--find-links https://download.pytorch.org/whl/cpu", "/tmp/wheels/x.whl",
    "git+https://github.com/org/repo@v1#egg=repo",
])
def test_requirement_lines_that_are_portable(line):
    from mlgate.checks.paths.classify import find_requirement_paths

    assert find_requirement_paths(line) == []


@pytest.mark.parametrize("value, expected", [
    ("docker run -v /home/ana/data:/data -w /data/work img", [("MLG101", "/home/ana/data")]),
    ("docker run --volume=/mnt/nas/x:/mnt/cache img", [("MLG102", "/mnt/nas/x")]),
    ("--mount type=bind,source=/Users/ana/x,target=/data/x", [("MLG101", "/Users/ana/x")]),
    ("file:///app/mlruns", []),
    ("file:/workspace/mlruns", []),
    ("file:///var/lib/mlflow", []),
    ("file:/home/ana/mlruns", [("MLG106", "file:/home/ana/mlruns")]),
    ("C:\\path\\to\\source.wav", []),
    ("C:/path/to/x.csv", []),
    ("/private/home/ana/imagenet", [("MLG101", "/private/home/ana/imagenet")]),
    ("/checkpoint/ana/run1", [("MLG102", "/checkpoint/ana/run1")]),
    ("/FileStore/tables/x.csv", [("MLG103", "/FileStore/tables/x.csv")]),
    ("/databricks-datasets/nyctaxi", [("MLG103", "/databricks-datasets/nyctaxi")]),
])
def test_container_sides_uris_placeholders_and_cluster_roots(value, expected):
    assert codes(value) == expected


def test_host_side_of_a_volume_is_any_non_system_path():
    assert codes("/opt/app/data", host=True) == [("MLG102", "/opt/app/data")]
    assert codes("/var/run/docker.sock", host=True) == []
    assert codes("./data", host=True) == []
    assert codes("/opt/app/data") == []


@pytest.mark.parametrize("value, expected", [
    ("apptainer exec --bind /lus/eagle/proj/db:/mnt/db img", [("MLG102", "/lus/eagle/proj/db")]),
    ("singularity run -B /home/ana/x:/data img", [("MLG101", "/home/ana/x")]),
    ("docker run -v /srv/team/data:/mnt/data img", [("MLG102", "/srv/team/data")]),
    ('PY="${TRAIN_PY:-/home/qcraft/miniconda3/bin/python}"',
     [("MLG101", "/home/qcraft/miniconda3/bin/python")]),
    ("sqlite:////home/ana/airflow/airflow.db", [("MLG106", "sqlite:////home/ana/airflow/airflow.db")]),
    ("sqlite:///relative.db", []),
    ("sqlite:////tmp/x.db", []),
    ("E:\\Research Project\\Herbs\\Original Dataset",
     [("MLG104", "E:\\Research Project\\Herbs\\Original")]),
    ("/content/drive/My Drive/train.csv", [("MLG103", "/content/drive/My Drive/train.csv")]),
    ("cp /Users/a/x.csv /mnt/y/z", [("MLG101", "/Users/a/x.csv"), ("MLG102", "/mnt/y/z")]),
    ("/userhome/ana/logs", [("MLG101", "/userhome/ana/logs")]),
    ("/vast/groups/x", [("MLG102", "/vast/groups/x")]),
])
def test_mappings_defaults_uris_and_spaces(value, expected):
    assert codes(value) == expected


def test_container_targets_cover_later_arguments():
    from mlgate.checks.paths.classify import container_targets

    script = "docker run -v /srv/x:/mnt/data img \\\n  python train.py --data=/mnt/data/train\n"
    targets = container_targets(script)
    assert targets == ("/mnt/data",)
    assert codes("--data=/mnt/data/train", container_paths=targets) == []
    assert codes("-v /mnt/data:/mnt/data", container_paths=targets) == [("MLG102", "/mnt/data")]


# --- MLG109: paths under no known root, flagged by how the text uses them (issue #12) ----------

def unknown(value, **kw):
    """(code, text, certain) of every finding, for the MLG109 policy's severities."""
    return [(m.code, m.text, m.certain) for m in find_paths(value, **kw)]


@pytest.mark.parametrize("value, shell, expected", [
    # a shell file command, the command word, a scheduler option: certain, bare roots too
    ("source /scratch_net/biwidl203/ana/conda.sh", True,
     [("MLG109", "/scratch_net/biwidl203/ana/conda.sh", True)]),
    ("cd /local-scratch", True, [("MLG109", "/local-scratch", True)]),
    ("#SBATCH --output=/work/dlclarge1/ana/log/%j.out", True,
     [("MLG109", "/work/dlclarge1/ana/log/%j.out", True)]),
    ("/ukp-storage-1/ana/bin/cmake ..", True, [("MLG109", "/ukp-storage-1/ana/bin/cmake", True)]),
    # a name that says path: certain once it has a child folder
    ('export HF_HOME="/groups/funke/cache"', True, [("MLG109", "/groups/funke/cache", True)]),
    ("data_dir: /staging/abc123/reads", False, [("MLG109", "/staging/abc123/reads", True)]),
    ("--data_path=/store/cms/run2", False, [("MLG109", "/store/cms/run2", True)]),
    # another shell word, or a name that only may hold a path: a warning
    ("EXP_D=/work/dl/ana/exp", True, [("MLG109", "/work/dl/ana/exp", False)]),
    ("output: /h/ana/runs", False, [("MLG109", "/h/ana/runs", False)]),
    # no use shown: nothing (a route, a bare root under a plain name, prose)
    ("route: /h/ana/runs", False, []),
    ("data_dir: /store", False, []),
    ("see /local-scratch/ana for the data", False, []),
    ('@app.get("/v1/models/clf")', False, []),
    ("api_root: /api/v1/items", False, []),
])
def test_unknown_roots_are_flagged_by_their_use(value, shell, expected):
    assert unknown(value, shell=shell) == expected


@pytest.mark.parametrize("value", [
    "/usr/lib/python3/dist-packages/x.py", "/usr/local/cuda/bin/nvcc", "/var/lib/mlflow/db",
    "/etc/ssl/certs/x.pem", "/opt/conda/bin/python", "/proc/self/environ", "/lib64/ld.so",
    "/app/models/m.joblib", "/workspace/src/x", "/tmp/run/x", "/user/hive/warehouse/t",
    "/srv/data/x", "/usr", "/cvmfs/sft.cern.ch/lcg/views",
])
def test_system_and_container_locations_are_fine_whatever_the_use(value):
    assert find_paths(value, use=3, shell=True) == []


def test_system_prefixes_count_by_component_not_by_string():
    assert unknown("/usr/bmicnas02/data-biwi-01/ana/seg.h5", use=3) == [
        ("MLG109", "/usr/bmicnas02/data-biwi-01/ana/seg.h5", True)]
    assert unknown("/variable/ana/x", use=3) == [("MLG109", "/variable/ana/x", True)]
    assert unknown("/etcetera/x", use=3) == [("MLG109", "/etcetera/x", True)]
    assert unknown("/usr/share/x", use=3) == []


@pytest.mark.parametrize("value", [
    "scp ana@login.hpc.edu:/home/ana/x.csv .",
    "rsync -a cluster.example.org:/groups/lab/data ./data",
    "url = ssh://guohui6@10.110.147.231:/home/guohui6/data/remote",
    'prod = mlflow.pyfunc.load_model("models:/churn-classifier/Production")',
])
def test_remote_paths_and_uri_schemes_are_not_this_machines(value):
    assert find_paths(value, path_context=True, use=3, shell=True) == []


def test_a_path_list_entry_after_a_variable_is_still_a_path():
    assert codes("export PATH=$PATH:/home/ana/bin") == [("MLG101", "/home/ana/bin")]


def test_bare_drive_roots_where_a_path_is_expected():
    assert codes("D:/", path_context=True) == [("MLG104", "D:/")]
    assert codes("E:\\", path_context=True) == [("MLG104", "E:\\")]
    assert codes("D:/") == []


def test_what_a_container_run_executes_uses_the_image_paths():
    line = "singularity exec --nv /home/sm/images/habitat python3 /root/vnav/start.py /local/x/y"
    assert codes(line, shell=True) == [("MLG101", "/home/sm/images/habitat")]
    assert codes("docker run --rm -e A=1 img:latest cat /root/data/x", shell=True) == []


def test_a_bind_without_a_colon_is_a_host_folder():
    assert codes("apptainer exec --bind /scratch1/projects/lab --bind /local img x") == [
        ("MLG102", "/scratch1/projects/lab"), ("MLG102", "/local")]


def test_an_escaped_newline_ends_a_path_and_starts_one():
    assert unknown(r"printf 'Y\n/ukp-storage-1/ana/joern\nN\n' | ./install.sh", shell=True) == [
        ("MLG109", "/ukp-storage-1/ana/joern", False)]


def test_notebook_outputs_count_files_and_deep_folders_not_words():
    assert unknown("/groups/lab/env/lib/python3.9/site-packages/x.py:36: FutureWarning",
                   output=True) == [
        ("MLG109", "/groups/lab/env/lib/python3.9/site-packages/x.py", True)]
    assert unknown("GET /api/v1/users 200", output=True) == []
    assert unknown("epoch 3/10 loss/acc", output=True) == []


def test_a_value_reports_a_bounded_number_of_paths():
    from mlgate.checks.paths.classify import MAX_PER_VALUE

    value = " ".join(f"/home/u{i}/x.csv" for i in range(MAX_PER_VALUE * 3))
    assert len(find_paths(value)) == MAX_PER_VALUE
