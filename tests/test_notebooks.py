"""Notebooks: code cells as Python, magics as shell, outputs under their own rule."""

import json
import os

import pytest

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
    # a training notebook is often not deployed: the hint says how to leave it out, by a
    # pattern that matches it (new-user trial round 39 F10: "notebooks/**" for any notebook)
    assert 'exclude = ["eda.ipynb"]' in f["hint"]
    (tmp_path / "research").mkdir()
    path.rename(tmp_path / "research" / "eda.ipynb")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        [f] = run_json(capsys, "research/eda.ipynb")[1]
    finally:
        os.chdir(cwd)
    assert 'exclude = ["research/**"]' in f["hint"]


def test_a_path_a_loop_printed_in_outputs_is_shown_five_times_then_counted(tmp_path, capsys):
    """New-user trial round 31: a FutureWarning printed once per loop iteration gave 906
    MLG150 lines for one path in one notebook's outputs, burying the one error of the run.
    A path is shown at most five times (an error's value and its traceback name it twice
    or three times), the fifth counting the rest."""
    path = tmp_path / "nb.ipynb"
    warning = "/home/kasim/proj/venv/lib/sklearn/base.py:12: FutureWarning: x\n"
    write_notebook(path, [code_cell(["fit()\n"], outputs=[
        {"name": "stderr", "output_type": "stream", "text": [warning] * 300}]),
        code_cell(["fit()\n"], outputs=[
            {"name": "stderr", "output_type": "stream", "text": [warning] * 5
             + ["/Users/ana/other.py: y\n"]}])])
    code, found = run_json(capsys, str(path))
    assert code == 0 and len(found) == 6, found  # five of the one path, and the other
    last = [f for f in found if "kasim" in f["message"]][-1]
    assert last["message"].endswith("(and 300 more times in this notebook's outputs)"), last
    assert last["repeats"] == 300


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


@pytest.mark.parametrize("source", [{"a": "x = '/home/alice/x'"},
                                    ["x = '/home/alice/x'\n", 5, None]])
def test_a_cell_whose_source_is_not_text_is_malformed_not_skipped(tmp_path, capsys, source):
    """A code cell with a dict source had its path skipped in silence."""
    write_notebook(tmp_path / "nb.ipynb", [code_cell(source)])
    code, found = run_json(capsys, str(tmp_path / "nb.ipynb"))
    assert code == 1 and sorted(f["code"] for f in found) == ["MLG002", "MLG101"], found


def test_suppression_inside_a_cell(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    write_notebook(path, [code_cell(["x = '/Users/ana/x'  # mlgate: ignore[MLG101]\n",
                                     "y = '/Users/ana/y'\n"])])
    _, found = run_json(capsys, str(path))
    assert [f["cell_line"] for f in found] == [2]


def test_lower_case_drive_after_an_ansi_colour_in_a_traceback(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    lines = write_notebook(path, [code_cell(["import pymc\n"], outputs=[
        {"output_type": "error", "ename": "ZeroProbability", "evalue": "x", "traceback": [
            "\u001b[1;32mc:\\Python27\\lib\\site-packages\\pymc\\distributions.pyc\u001b[0m"
            " in \u001b[0;36m__init__\u001b[1;34m(self)\u001b[0m\n"]}])])
    _, found = run_json(capsys, str(path))
    assert [(f["line"], f["code"], f["rule"]) for f in found] == [
        (line_of(lines, "distributions.pyc"), "MLG150", "MLG104")]


def test_pip_logs_and_vendor_copies_of_outputs_are_read(tmp_path, capsys):
    log = ("Requirement already satisfied: pyspark in c:\\users\\ana\\anaconda3\\lib\\"
           "site-packages (3.0.1)\n")
    path = tmp_path / "nb.ipynb"
    lines = write_notebook(path, [code_cell(["pip install pyspark\n"], outputs=[
        {"output_type": "display_data",
         "metadata": {"application/vnd.databricks.v1+output": {"data": log, "type": "html"}},
         "data": {"text/html": ["<div class='ansiout'>" + log + "</div>"],
                  "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB/home/ana/x"}}])])
    _, found = run_json(capsys, str(path))
    assert sorted((f["line"], f["rule"]) for f in found) == sorted(
        (n, "MLG104") for n, line in enumerate(lines, 1) if "c:\\\\users" in line)
    assert len(found) == 2


def test_unknown_roots_in_outputs_are_files_not_words(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    write_notebook(path, [code_cell(["train()\n"], outputs=[
        {"name": "stderr", "output_type": "stream", "text": [
            "/groups/lab/envs/x/lib/python3.9/site-packages/torch/nn.py:36: UserWarning: x\n",
            "GET /api/v1/items 200\n", "step 3/10\n"]}])])
    _, found = run_json(capsys, str(path))
    assert [(f["code"], f["rule"], f["text"]) for f in found] == [
        ("MLG150", "MLG109", "/groups/lab/envs/x/lib/python3.9/site-packages/torch/nn.py")]


def test_a_listing_of_root_folders_in_an_output_is_not_a_path(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    write_notebook(path, [code_cell(["%fs ls dbfs:/\n"], outputs=[
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/plain": ["dbfs:/databricks-datasets/\n", "dbfs:/FileStore/t/x.csv\n",
                                 "file:/home/\n", "file:/mnt/\n", "file:/home/ana/x.csv\n"]}}])])
    _, found = run_json(capsys, str(path))
    assert [f["text"] for f in found] == ["dbfs:/FileStore/t/x.csv", "file:/home/ana/x.csv"]


def test_cells_without_a_candidate_are_not_parsed(tmp_path, capsys, monkeypatch):
    import mlgate.checks.paths.notebook_source as notebooks

    parsed: list[str] = []
    real = notebooks.ipython_sites
    monkeypatch.setattr(notebooks, "ipython_sites",
                        lambda text, comments: parsed.append(text) or real(text, comments))
    path = tmp_path / "nb.ipynb"
    cells = [code_cell([f"x{i} = {i}\n"]) for i in range(200)]
    cells[120] = code_cell(["df = pd.read_csv('/local-scratch/ana/x.csv')\n"])
    write_notebook(path, cells)
    _, found = run_json(capsys, str(path))
    assert [(f["code"], f["cell"]) for f in found] == [("MLG109", 121)]
    assert parsed == ["df = pd.read_csv('/local-scratch/ana/x.csv')\n"]
