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
