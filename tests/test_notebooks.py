"""Notebooks: code cells as Python, magics as shell, outputs under their own rule."""

import json

from helpers import line_codes, run_json


def write_notebook(path, cells, indent=1):
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=indent) + "\n", encoding="utf-8")
    return path.read_text(encoding="utf-8").splitlines()


def code_cell(lines, outputs=()):
    return {"cell_type": "code", "execution_count": 1, "metadata": {},
            "outputs": list(outputs), "source": lines}


def line_of(text_lines, needle):
    return next(i for i, line in enumerate(text_lines, 1) if needle in line)


def test_finding_points_at_the_ipynb_line_with_cell_fields(tmp_path, capsys):
    path = tmp_path / "eda.ipynb"
    lines = write_notebook(path, [
        {"cell_type": "markdown", "metadata": {}, "source": ["Data is in /Users/ana/x\n"]},
        code_cell(["import pandas as pd\n", "df = pd.read_csv('/content/drive/MyDrive/t.csv')"]),
    ])
    code, found = run_json(capsys, str(path))
    assert code == 1
    [f] = found
    assert f["code"] == "MLG103"
    assert f["line"] == line_of(lines, "/content/drive")
    assert lines[f["line"] - 1][f["col"] - 1:].startswith("/content/drive/MyDrive/t.csv")
    assert (f["cell"], f["cell_line"]) == (2, 2)


def test_magics_are_checked_as_shell(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    lines = write_notebook(path, [code_cell(["!ls /kaggle/input/titanic\n", "%cd /content\n",
                                             "x = 1\n"])])
    _, found = run_json(capsys, str(path))
    assert line_codes(found) == sorted([f"{line_of(lines, 'kaggle')}:MLG103",
                                        f"{line_of(lines, '%cd')}:MLG103"])


def test_outputs_are_warnings_under_mlg150(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    write_notebook(path, [code_cell(["print(p)\n"], outputs=[
        {"name": "stdout", "output_type": "stream", "text": ["/home/ana/proj/model.joblib\n"]},
        {"output_type": "error", "ename": "E", "evalue": "x",
         "traceback": ["\u001b[0;32m/Users/ana/lib/x.py\u001b[0m in f()"]},
    ])])
    code, found = run_json(capsys, str(path))
    assert code == 0  # warnings alone do not fail
    assert sorted(f["code"] for f in found) == ["MLG150", "MLG150"]
    assert {f["severity"] for f in found} == {"warning"}
    assert {f["rule"] for f in found} == {"MLG101"}


def test_single_string_source_and_minified_notebook(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    write_notebook(path, [code_cell("a = 1\nb = '/Users/ana/x'\n")], indent=None)
    _, found = run_json(capsys, str(path))
    [f] = found
    assert f["line"] == 1 and f["cell_line"] == 2
    text = path.read_text()
    assert text[f["col"] - 1:].startswith("/Users/ana/x")


def test_broken_notebook_is_a_warning_and_still_checked(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    path.write_text('{"cells": [ "x = \'/Users/ana/data.csv\'"\n', encoding="utf-8")
    code, found = run_json(capsys, str(path))
    assert code == 1
    assert sorted(f["code"] for f in found) == ["MLG002", "MLG101"]


def test_suppression_inside_a_cell(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    write_notebook(path, [code_cell(["x = '/Users/ana/x'  # mlgate: ignore[MLG101]\n",
                                     "y = '/Users/ana/y'\n"])])
    _, found = run_json(capsys, str(path))
    assert [f["cell_line"] for f in found] == [2]
