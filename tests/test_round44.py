"""Session 44: review findings carried over (red team 43c) and those of the day's rounds.

Each test fails on the code before its fix."""

from __future__ import annotations

import json

from mlgate.cli import main


def paths_findings(capsys, name: str) -> tuple[int, list[tuple[int, int, str]]]:
    code = main(["paths", "--format", "json", name])
    found = json.loads(capsys.readouterr().out)
    return code, [(f["line"], f["col"], f["code"]) for f in found]


# ------------------------------------ more spellings of "/home/<user>/..." (red team 43c F6)
def test_a_home_folder_template_is_found_however_it_is_formatted(git_project, capsys):
    (git_project / "train.py").write_text(
        'import pandas as pd\n'
        'TEMPLATE = "/home/{}/data/train.csv"\n'               # formatted later
        'a = pd.read_csv(TEMPLATE.format(user))\n'
        'b = pd.read_csv(str.format("/home/{}/x.csv", user))\n'
        'c = "/home/{0:>{1}}/data/train.csv".format(user, w)\n'  # a nested format spec
        'def load(user):\n'
        '    p = "/home/"\n'                                    # extended below
        '    p += user\n'
        '    return pd.read_csv(p + "/data/train.csv")\n')
    code, found = paths_findings(capsys, "train.py")
    assert code == 1 and found == [
        (2, 13, "MLG101"), (4, 29, "MLG101"), (5, 6, "MLG101"), (7, 10, "MLG101")], found


def test_ordinary_templates_and_appends_stay_silent(git_project, capsys):
    (git_project / "app.py").write_text(
        'ROUTE = "/users/{user_id}"\n'
        'ITEM = "/api/v1/items/{item_id}/predict"\n'
        'KEY = "/models/{run}/model.joblib"\n'
        'S3 = "/{bucket}/{key}"\n'
        'BODY = \'{"path": "x"}\'\n'
        'msg = "saved"\n'
        'msg += " to disk"\n'
        'url = "https://example.com/api/"\n'
        'url += user\n')
    assert paths_findings(capsys, "app.py") == (0, [])
