"""Round 8 of red-teaming: gaps left open by round 7, each closed by a rule.

- a project module reached through a tracked symlink (`myproj/est.py -> ../impl/est.py`, or
  a linked folder) was taken for the project's own code: git tracks the link, not what it
  points at, and a link can be repointed between the scan and the load. Project code is now
  a regular file reached without a symlink.
- a pandas MultiIndex whose codes lie outside its levels (pandas unpickles it with
  verify_integrity=False): it loads, and its first use reads out of bounds (repr() segfaults).
  Not a bypass: the load is sandboxed and the probe checks every MultiIndex before anything
  uses it, in a DataFrame's axes too. Kept here so it stays so.
- an XGBoost model whose tree has a child outside it, a node with one child, or a split on
  a feature past the input: XGBoost loads it without a word, and predict() segfaults. It
  passed `mlgate artifact` (only the schema or latency check's predict crashed, in the
  sandbox). The probe now checks every tree of a Booster after the load, as it does
  LightGBM's.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess

import pytest

from helpers import artifact_json

MODEL = ("from sklearn.base import BaseEstimator\n\n\n"
         "class Model(BaseEstimator):\n    def __init__(self, alpha=1.0):\n"
         "        self.alpha = alpha\n")


def _short(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def _model_pickle(module: str) -> bytes:
    """NEWOBJ(module.Model, ()) with the attribute dict a fitted one has."""
    return (b"\x80\x04" + _short(module) + _short("Model") + b"\x93)\x81}("
            + _short("alpha") + b"G?\xf0\x00\x00\x00\x00\x00\x00" + b"ub.")


def test_a_project_module_that_is_a_symlink_is_not_project_code(git_project, capsys):
    (git_project / "impl").mkdir()
    (git_project / "impl" / "est.py").write_text(MODEL)
    (git_project / "myproj").mkdir()
    (git_project / "myproj" / "__init__.py").write_text("")
    os.symlink(os.path.join("..", "impl", "est.py"), git_project / "myproj" / "est.py")
    subprocess.run(["git", "add", "impl", "myproj"], check=True)
    (git_project / "model.pkl").write_bytes(_model_pickle("myproj.est"))
    code, found = artifact_json(capsys, "model.pkl")
    assert code == 1 and found[0]["code"] == "MLG301", found
    assert "myproj.est" in found[0]["message"]


def test_a_project_package_behind_a_linked_folder_is_not_project_code(git_project, capsys):
    (git_project / "real_pkg").mkdir()
    (git_project / "real_pkg" / "__init__.py").write_text("")
    (git_project / "real_pkg" / "est.py").write_text(MODEL)
    os.symlink("real_pkg", git_project / "linked")
    subprocess.run(["git", "add", "real_pkg", "linked"], check=True)
    (git_project / "model.pkl").write_bytes(_model_pickle("linked.est"))
    code, found = artifact_json(capsys, "model.pkl")
    assert code == 1 and found[0]["code"] == "MLG301", found


def test_the_same_module_as_a_regular_file_passes(git_project, capsys):
    (git_project / "myproj").mkdir()
    (git_project / "myproj" / "__init__.py").write_text("")
    (git_project / "myproj" / "est.py").write_text(MODEL)
    subprocess.run(["git", "add", "myproj"], check=True)
    (git_project / "model.pkl").write_bytes(_model_pickle("myproj.est"))
    assert artifact_json(capsys, "model.pkl") == (0, [])


def _bad_multiindex_pickle(value) -> bytes:
    """`value` pickled with every MultiIndex's codes pointing far outside its levels."""
    import numpy as np
    import pandas as pd

    real = pd.MultiIndex.__reduce__

    def crafted(self):
        maker, (cls, state), *rest = real(self)
        state = dict(state, codes=[np.array([0, 10**7], dtype=np.int32),
                                   np.array([0, -9], dtype=np.int8)])
        return (maker, (cls, state), *rest)

    pd.MultiIndex.__reduce__ = crafted
    try:
        return pickle.dumps(value, protocol=4)
    finally:
        pd.MultiIndex.__reduce__ = real


@pytest.mark.parametrize("where", ["alone", "dataframe"])
def test_a_multiindex_with_codes_outside_its_levels_is_stopped(git_project, capsys, where):
    pd = pytest.importorskip("pandas")
    index = pd.MultiIndex.from_tuples([("a", 1), ("b", 2)])
    value = index if where == "alone" else pd.DataFrame([[1, 2], [3, 4]], index=index,
                                                        columns=index)
    (git_project / "bundle.pkl").write_bytes(_bad_multiindex_pickle({"data": value}))
    code, found = artifact_json(capsys, "bundle.pkl")
    assert code == 1 and found[0]["code"] == "MLG309", found
    assert "MultiIndex: a code outside its level" in found[0]["message"]


# ----------------------------------------------------------------------- XGBoost trees

def _xgboost(edit=None, **params):
    """A small fitted XGBClassifier pickled, its trees changed by `edit` (XGBoost loads such
    a model without a word; predict() then walks out of its arrays: a segfault)."""
    import json

    xgb = pytest.importorskip("xgboost")
    import numpy as np

    rng = np.random.RandomState(0)
    X = rng.rand(120, 3)
    model = xgb.XGBClassifier(n_estimators=2, max_depth=2, n_jobs=1, **params)
    model.fit(X, (X[:, 0] > 0.5).astype(int))
    if edit is not None:
        raw = json.loads(bytes(model.get_booster().save_raw("json")))
        edit(raw["learner"]["gradient_booster"]["model"]["trees"][0])
        booster = xgb.Booster()
        booster.load_model(bytearray(json.dumps(raw).encode()))
        model._Booster = booster
    return pickle.dumps(model, protocol=4)


def _set(key, index, value):
    def edit(tree):
        tree[key][index] = value
    return edit


@pytest.mark.parametrize(("edit", "why"), [
    (_set("left_children", 0, 10**6), "a child index outside the tree"),
    (_set("left_children", 1, 0), "a node with one child"),
    (_set("split_indices", 0, 10**6), "a split on a feature past the model's input"),
], ids=["child-past-tree", "one-child", "feature-past-input"])
def test_an_xgboost_tree_with_an_index_outside_it_is_refused(git_project, capsys, edit, why):
    (git_project / "model.pkl").write_bytes(_xgboost(edit))
    code, found = artifact_json(capsys, "model.pkl")
    assert code == 1 and found[0]["code"] == "MLG309", found
    assert why in found[0]["message"], found


@pytest.mark.parametrize("params", [{}, {"booster": "dart"}, {"booster": "gblinear"},
                                    {"objective": "multi:softprob", "num_class": 3}],
                         ids=["gbtree", "dart", "gblinear", "multiclass"])
def test_xgboost_models_of_every_kind_still_pass(git_project, capsys, params):
    (git_project / "model.pkl").write_bytes(_xgboost(**params))
    assert artifact_json(capsys, "model.pkl") == (0, [])


def test_an_xgboost_model_with_categorical_splits_still_passes(git_project, capsys):
    xgb = pytest.importorskip("xgboost")
    import numpy as np
    import pandas as pd

    rng = np.random.RandomState(0)
    X = pd.DataFrame({"city": pd.Categorical(rng.choice(["x", "y", "z", "w"], 200)),
                      "amount": rng.rand(200)})
    y = (X["city"].isin(["x", "w"]) ^ (X["amount"] > 0.7)).astype(int)
    model = xgb.XGBClassifier(n_estimators=3, max_depth=3, n_jobs=1, tree_method="hist",
                              enable_categorical=True, max_cat_to_onehot=1).fit(X, y)
    assert any(1 in t["split_type"] for t in json.loads(bytes(
        model.get_booster().save_raw("json")))["learner"]["gradient_booster"]["model"]["trees"])
    (git_project / "model.pkl").write_bytes(pickle.dumps(model, protocol=4))
    assert artifact_json(capsys, "model.pkl") == (0, [])
