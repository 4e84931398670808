"""Round 5 of red-teaming (session 4). Each artifact below passed with exit 0 (or cost the whole
load timeout) before its fix.

- use-time corruption: compiled structures whose code trusts their indices (a Tree's child
  index, a KDTree's sample indices, a gradient-boosting predictor's children): the load
  succeeded and predict() read out of bounds later, in whatever process used the model. The
  probe now checks their invariants while it walks the loaded object, before the model is
  read or called;
- a .skops masked array over an estimator carrying `__array_interface__` (a view of the heap):
  skops trusts both types by default (see the skops tests in test_artifact_canonical.py).
"""

from __future__ import annotations

import json
import pickle
import sys

import numpy as np
import pytest

from helpers import artifact_json


def _tree_with(edit):
    from sklearn.tree import DecisionTreeClassifier

    model = DecisionTreeClassifier().fit(np.array([[0.0], [1.0], [2.0]]), [0, 1, 0])
    state = model.tree_.__getstate__()
    nodes = state["nodes"].copy()
    edit(nodes)
    state["nodes"] = nodes
    model.tree_.__setstate__(state)
    return model


def _kdtree_with(edit):
    from sklearn.neighbors import KDTree

    tree = KDTree(np.arange(20.0).reshape(10, 2), leaf_size=2)
    state = list(tree.__getstate__())
    state[1] = state[1].copy()
    edit(state)
    tree.__setstate__(tuple(state))
    return tree


def _hgb_with(edit):
    from sklearn.ensemble import HistGradientBoostingRegressor

    X = np.arange(40.0).reshape(20, 2)
    model = HistGradientBoostingRegressor(max_iter=2, min_samples_leaf=2).fit(X, X[:, 0])
    edit(model._predictors[0][0].nodes)
    return model


CORRUPT = {
    "tree-child-past-the-end": lambda: _tree_with(
        lambda n: n["left_child"].__setitem__(0, 2**40)),
    "tree-cycle": lambda: _tree_with(lambda n: n["right_child"].__setitem__(0, 0)),
    "tree-feature-past-the-end": lambda: _tree_with(lambda n: n["feature"].__setitem__(0, 7)),
    "kdtree-sample-index": lambda: _kdtree_with(lambda s: s[1].__setitem__(0, 10**6)),
    "hgb-child-past-the-end": lambda: _hgb_with(lambda n: n["left"].__setitem__(0, 10**6)),
    "hgb-feature-past-the-end": lambda: _hgb_with(
        lambda n: n["feature_idx"].__setitem__(0, 50)),
}


def test_corrupt_compiled_structures_are_refused_before_use(git_project, capsys):
    names = []
    for name, make in CORRUPT.items():
        (git_project / f"{name}.pkl").write_bytes(pickle.dumps(make(), 4))
        names.append(f"{name}.pkl")
    code, found = artifact_json(capsys, *names)
    assert code == 1
    by_path = {f["path"]: f for f in found}
    assert sorted(by_path) == sorted(names) and len(found) == len(names)
    for finding in found:
        assert finding["code"] == "MLG309", finding
        assert "the model is inconsistent" in finding["message"], finding


def test_the_same_structures_when_consistent_load(git_project, capsys):
    from scipy.sparse import csr_matrix

    models = {"tree": _tree_with(lambda n: None), "kdtree": _kdtree_with(lambda s: None),
              "hgb": _hgb_with(lambda n: None), "sparse": csr_matrix(np.eye(3))}
    for name, model in models.items():
        (git_project / f"{name}.pkl").write_bytes(pickle.dumps(model, 4))
    assert artifact_json(capsys, *(f"{n}.pkl" for n in models)) == (0, [])


def test_a_skops_masked_array_over_an_estimator_is_refused():
    import io
    import zipfile

    from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
    from mlgate.artifacts.skops_files import scan_tree

    def node(value):
        return {"__class__": type(value).__name__, "__module__": "builtins",
                "__loader__": "JsonNode", "content": json.dumps(value), "is_json": True}

    def attrs(items):
        return {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
                "content": items, "key_types": {"__class__": "list", "__module__": "builtins",
                                                "__loader__": "ListNode",
                                                "content": [node("str")] * len(items)}}

    estimator = {"__class__": "LinearRegression", "__module__": "sklearn.linear_model._base",
                 "__loader__": "ObjectNode", "content": attrs({"coef_": node(1)})}
    masked = {"__class__": "MaskedArray", "__module__": "numpy.ma",
              "__loader__": "MaskedArrayNode", "content": {"data": estimator,
                                                           "mask": node(False)}}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("schema.json", json.dumps({**masked, "protocol": 2}))
    allow = AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES | {("numpy.ma", "MaskedArray")},
                      defer=True)
    found = scan_tree("m.skops", out.getvalue(), allow, {})
    assert [f.code for f in found] == ["MLG302"] and "masked array" in found[0].message


def test_a_load_never_sees_the_job_s_secrets(monkeypatch):
    """Round 5: a load that could read memory found CI secrets there (the probe inherited the
    whole environment). Every probe now gets only what interpreters and numerical libraries
    read."""
    import subprocess as subprocess_module

    from mlgate import probe

    seen = {}

    def popen(command, **kwargs):
        seen[command[-1]] = kwargs["env"]
        raise FileNotFoundError

    monkeypatch.setattr(subprocess_module, "Popen", popen)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    for command in ("load-artifact", "environment"):
        with pytest.raises(probe.ProbeError):
            probe.PendingProbe(sys.executable, command, payload={})
    # Every probe: the one that reads metadata too runs a commit's .pth files and
    # sitecustomize (sandbox review round 27).
    for env in (seen["load-artifact"], seen["environment"]):
        assert "GITHUB_TOKEN" not in env and "AWS_SECRET_ACCESS_KEY" not in env
        assert env["OMP_NUM_THREADS"] == "3" and "PATH" in env
