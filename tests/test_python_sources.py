"""Python files: which literals count, and where findings point."""

import textwrap

from helpers import line_codes, run_json


def check(tmp_path, capsys, source, *extra):
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return run_json(capsys, *extra, str(path))


def test_literals_in_code_are_flagged_with_exact_positions(tmp_path, capsys):
    code, found = check(tmp_path, capsys, """\
        import pandas as pd
        df = pd.read_csv("/Users/ana/Desktop/train.csv")
        """)
    assert code == 1
    assert [(f["line"], f["col"], f["code"]) for f in found] == [(2, 19, "MLG101")]
    assert found[0]["text"] == "/Users/ana/Desktop/train.csv"


def test_docstrings_comments_routes_and_regexes_are_not(tmp_path, capsys):
    code, found = check(tmp_path, capsys, '''\
        """Reads /home/ana/data by default."""  # and /Users/ana in a comment
        import re
        from fastapi import FastAPI
        app = FastAPI()

        @app.get("/home/dashboard")
        def home():
            """Serve /data/reports."""
            return re.match(r"/home/\\w+/", "x")

        URL = "https://example.com/home/ana/x.csv"
        ''')
    assert (code, found) == (0, [])


def test_os_path_join_and_path_with_bare_roots(tmp_path, capsys):
    _, found = check(tmp_path, capsys, """\
        import os
        from pathlib import Path
        a = os.path.join("/Users", "ana", "x.csv")
        b = Path("/home") / "ana"
        os.chdir("/content")
        route = "/home"
        """)
    assert line_codes(found) == ["3:MLG101", "4:MLG101", "5:MLG103"]


def test_fstrings_and_concatenation(tmp_path, capsys):
    _, found = check(tmp_path, capsys, """\
        user = "ana"
        a = f"/home/{user}/data.csv"
        b = f"{root}/home/ana/x"
        c = base_url + "/home/ana"
        d = f"--data=/Users/{user}/x --out={out}"
        """)
    assert line_codes(found) == ["2:MLG101", "5:MLG101"]


def test_windows_paths_escaped_raw_and_forward(tmp_path, capsys):
    _, found = check(tmp_path, capsys, r"""
        a = "C:\\Users\\bob\\data.csv"
        b = r"D:\data\train.csv"
        c = "E:/datasets/x"
        """)
    assert line_codes(found) == ["2:MLG104", "3:MLG104", "4:MLG104"]
    assert found[0]["col"] == 6


def test_unicode_before_a_literal_keeps_the_character_column(tmp_path, capsys):
    _, found = check(tmp_path, capsys, 'x = ("é", "/Users/ana/x")\n')
    assert found[0]["col"] == 12


def test_multiline_string_points_at_the_right_line(tmp_path, capsys):
    _, found = check(tmp_path, capsys, '''\
        cmd = """
        python train.py \\
            --data /scratch/ana/train
        """
        ''')
    assert line_codes(found) == ["3:MLG102"]
    assert found[0]["col"] == 12


def test_scan_comments_opt_in(tmp_path, capsys):
    source = '# data lives in /Users/ana/data\n"""Docs: /home/ana/x"""\n'
    _, found = check(tmp_path, capsys, source)
    assert found == []
    _, found = check(tmp_path, capsys, source, "--scan-comments")
    assert line_codes(found) == ["1:MLG101", "2:MLG101"]


def test_syntax_error_falls_back_to_lines(tmp_path, capsys):
    _, found = check(tmp_path, capsys, 'print "/Users/ana/x"  # python 2\n')
    assert line_codes(found) == ["1:MLG101"]


def test_shebang_is_not_flagged(tmp_path, capsys):
    _, found = check(tmp_path, capsys, "#!/home/ana/.venv/bin/python\nprint(1)\n")
    assert found == []


def test_test_fixtures_are_not_paths(tmp_path, capsys):
    _, found = check(tmp_path, capsys, """\
        def test_home(monkeypatch):
            monkeypatch.setenv("HOME", "/home/someone")
            assert config.cache_dir() == "/home/someone/.cache/app"
            open("/home/someone/real.txt")
        """)
    assert line_codes(found) == ["4:MLG101"]


def test_inline_script_metadata_is_read_as_toml(tmp_path, capsys):
    _, found = check(tmp_path, capsys, """\
        # /// script
        # requires-python = ">=3.11"
        # dependencies = ["utils @ file:///Users/ana/code/utils"]
        # [tool.uv.sources]
        # syft = { path = "/home/ana/dev/syft", editable = true }
        # ///
        # an ordinary comment about /home/ana/x
        print("hi")
        """)
    assert [(f["line"], f["col"], f["code"]) for f in found] == [
        (3, 20, "MLG107"), (5, 20, "MLG101")]


def test_existence_checks_detect_a_platform_without_depending_on_it(tmp_path, capsys):
    _, found = check(tmp_path, capsys, """\
        import os
        IS_KAGGLE = os.path.exists("/kaggle/input")
        DATA = "/kaggle/input/birdclef/train.csv" if IS_KAGGLE else "data/train.csv"
        """)
    assert line_codes(found) == ["3:MLG103"]


def findings(found):
    return sorted((f["line"], f["code"], f["severity"]) for f in found)


def test_unknown_roots_in_python_by_their_use(tmp_path, capsys):
    _, found = check(tmp_path, capsys, """\
        import os, sys
        from pathlib import Path
        sys.path.append('/usr/bmicnas02/data-biwi-01/ana/CNN-segmentation')
        TORCH_DATASETS_DIR = "/extra/ucibdl0/shared/data/torch_datasets"
        df = pd.read_csv("/local-scratch/ana/train.csv")
        cfg = {"cache_dir": "/groups/funke/cache", "name": "/groups/funke/label"}
        parser.add_argument("--data_root", default="/staging/abc/reads")
        out = Path("/store") / "run1"
        OUTPUT = "/h/ana/runs/exp1"
        app = FastAPI(root_path="/api")
        ENDPOINT = "/v1/models/churn:predict"
        usr = "/usr/lib/x86_64-linux-gnu/libc.so"
        """)
    assert findings(found) == [
        (3, "MLG109", "error"), (4, "MLG109", "error"), (5, "MLG109", "error"),
        (6, "MLG109", "error"), (7, "MLG109", "error"), (8, "MLG109", "error"),
        (9, "MLG109", "warning")]


def test_bare_drive_root_in_a_join(tmp_path, capsys):
    _, found = check(tmp_path, capsys, """\
        import os
        DATA = os.path.join("D:/", "datasets", "imagenet")
        label = "C:/"
        """)
    assert line_codes(found) == ["2:MLG104"]


def test_existence_probes_in_pathlib_form_and_probe_then_fallback(tmp_path, capsys):
    _, found = check(tmp_path, capsys, """\
        import os
        from pathlib import Path
        if Path("/checkpoint").is_dir():
            print("on the cluster")
        scratch_path = Path("/scratch/diffusion")
        if scratch_path.exists() and scratch_path.is_dir():
            DATA_DIR = scratch_path
        if os.path.exists("/mnt/cluster_storage/"):
            storage_path = "/mnt/cluster_storage/"
        out_dir = "/scratch/ana/out"
        if not os.path.exists(out_dir):
            os.makedirs(out_dir)
        """)
    assert line_codes(found) == ["10:MLG102"]


def test_a_probe_whose_other_branch_makes_the_folder_is_a_dependency(tmp_path, capsys):
    # `if exists(d): ... else: git clone URL d` needs `d` as `if not exists(d): makedirs(d)`
    # does; the platform test (`if exists("/checkpoint")`) is still not a finding.
    _, found = check(tmp_path, capsys, """\
        import os, subprocess, sys
        REPO_PATH = f"/content/{REPO_NAME}"
        if os.path.exists(REPO_PATH):
            print("already cloned")
        else:
            subprocess.run(["git", "clone", URL, REPO_PATH])
        sys.path.insert(0, REPO_PATH)
        CACHE = "/scratch/ana/hf"
        if not Path(CACHE).exists():
            snapshot_download(repo_id, local_dir=CACHE)
        if os.path.exists("/checkpoint"):
            print("on the cluster")
        """)
    assert line_codes(found) == ["2:MLG103", "8:MLG102"]


def test_a_placeholder_after_a_folder_is_one_more_folder(tmp_path, capsys):
    _, found = check(tmp_path, capsys, """\
        project_path = f"/dbacademy/{username}/mlmodels/profile/"
        data_dir = f"/groups/{user}"
        endpoint_path = f"/items/{item_id}"
        route = f"/users/{uid}"
        prefix_path = f"/{bucket}/x"
        """)
    assert line_codes(found) == ["1:MLG109", "2:MLG109"]


def test_databricks_export_magic_cells_are_code_markdown_is_not(tmp_path, capsys):
    path = tmp_path / "etl.py"
    path.write_text(
        "# Databricks notebook source\n"
        "# MAGIC %md\n"
        "# MAGIC Reads `/mnt/raw/events` each night\n"
        "\n"
        "# COMMAND ----------\n"
        "\n"
        "# MAGIC %fs ls /FileStore/tables\n"
        "\n"
        "# COMMAND ----------\n"
        "\n"
        "# MAGIC %sql\n"
        "# MAGIC CREATE TABLE t LOCATION 'dbfs:/FileStore/tables/t'\n"
        "\n"
        "# COMMAND ----------\n"
        "\n"
        "# MAGIC %sh cat /local_disk0/tmp/x.csv\n",
        encoding="utf-8")
    _, found = run_json(capsys, str(path))
    assert line_codes(found) == ["12:MLG103", "16:MLG109", "7:MLG103"]


def test_a_large_file_parses_only_the_statements_that_hold_candidates(tmp_path, capsys,
                                                                      monkeypatch):
    import ast

    parsed: list[int] = []
    real_parse = ast.parse
    monkeypatch.setattr(ast, "parse", lambda source, *a, **k: (
        parsed.append(len(source)) or real_parse(source, *a, **k)))
    body = "".join(f"def f{i}(x):\n    return x * {i}  # /{i}\n\n" for i in range(3000))
    source = (body + "class Config:\n    def load(self):\n"
              "        frame = pd.read_csv(\n            os.path.join('/local-scratch/ana',\n"
              "                         'train.csv'))\n        return frame\n" + body)
    _, found = check(tmp_path, capsys, source)
    assert [(f["line"], f["code"]) for f in found] == [(9004, "MLG109")]
    assert parsed and max(parsed) < 500, parsed  # the statement, not the 200 kB file


def test_the_prefilter_knows_every_call_the_python_reader_trusts():
    # A bare root passes the raw-text gate only next to a call the gate knows: every call
    # the Python reader treats as a file call must be among them, or its findings are lost.
    from mlgate.checks.paths import python_source, usage

    trusted = set(python_source.STRONG_CALLS) | set(python_source.PASS_CALLS)
    trusted |= {name for names in python_source._RECEIVER_CALLS.values() for name in names}
    assert trusted <= usage.CERTAIN_CALL_WORDS


def test_what_a_fresh_held_out_set_found(tmp_path, capsys):
    """A third set of real files, labelled by a reviewer who never saw the corpus: writers of
    xarray and friends are file calls, `C://` is a drive spelling, `/path/to/...` is a
    placeholder, a likely name holding a deep file is certain, Composer's bucket mount is the
    platform's."""
    _, found = check(tmp_path, capsys, """\
        ds.to_netcdf("/user/home/al/work/out.nc")
        model_path = Path("C://Users//kylan//code//m.pt")
        folds = open("/path/to/folds.json")
        pretrained_model = "/red/lab/yyang/pretrain/best.pt"
        script = "python /home/airflow/gcs/dags/scripts/run.py"
        """)
    assert sorted((f["line"], f["code"], f["severity"]) for f in found) == [
        (1, "MLG109", "error"), (2, "MLG104", "error"), (4, "MLG109", "error")]
