"""Round 4 of red-teaming (session 4), against the "only what real writers write" rules.
Each bypass below passed with exit 0 before its fix; each ordinary artifact below was
refused before its fix.

Bypasses (memory corruption during the load):
- an object array whose list is shorter than its shape: numpy copies shape-many items from
  the list without checking its length (reads past it);
- a `(dict, slots)` state whose "slot" is a property: the unpickler setattr()s it, and
  scipy's `shape` setter reshapes arrays it trusts (a heap overflow in C++);
- SETITEMS on an object that is not a dict runs its __setitem__ (csr_matrix's).
Resource failures: a dict state shared through the memo, re-examined on every BUILD
(quadratic); millions of values left on the emulated stack (gigabytes).
False refusals: protocol 0-2 pickles naming `copy_reg`/`__builtin__` (MLG307), MLPClassifier's
optimizer and SGD's loss objects (MLG301).
"""

from __future__ import annotations

import collections
import copyreg
import pickle
import sys
import warnings

import numpy as np
import pytest

from helpers import artifact_json
from mlgate.artifacts import pickle_scan
from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
from mlgate.artifacts.pickle_scan import scan_pickle


def allow() -> AllowList:
    return AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES, defer=True)


class _Reduced:
    """Pickles as whatever (callable, args, state) it is given."""

    def __init__(self, *reduced) -> None:
        self.reduced = reduced

    def __reduce__(self):
        return self.reduced


def _short_object_array(shape: int, items: int, masked: bool = False) -> bytes:
    array = np.empty(items, dtype=object)
    if masked:
        array = np.ma.masked_array(array, mask=[False] * items)
    function, args, state = array.__reduce__()
    state = (state[0], (shape,), *state[2:])
    return pickle.dumps(_Reduced(function, args, state), 2)


@pytest.mark.parametrize("masked", [False, True], ids=["ndarray", "masked"])
def test_an_object_list_shorter_than_its_shape_is_refused(masked):
    found = scan_pickle(_short_object_array(4, 3, masked), allow()).refusals
    assert [r.code for r in found] == ["MLG302"] and "one item per element" in found[0].message
    assert scan_pickle(_short_object_array(3, 3, masked), allow()).refusals == []


def _sparse_attrs(reach: int) -> dict:
    return {"_shape": (2, 1), "maxprint": 50,
            "indptr": np.array([0, 0, reach], dtype=np.int32),
            "indices": np.array([0], dtype=np.int32), "data": np.array([1.0])}


def test_slots_and_items_only_where_the_class_has_them(git_project, capsys):
    from scipy.sparse import csr_matrix

    # shape is a property of csr_matrix, not a slot: its setter would overflow the heap
    setter = _Reduced(copyreg._reconstructor, (csr_matrix, object, None),
                      (_sparse_attrs(8), {"shape": (1, 2)}))
    (git_project / "setter.pkl").write_bytes(pickle.dumps(setter, 4))
    # items set on a csr_matrix call its __setitem__ on inconsistent arrays
    items = _Reduced(copyreg._reconstructor, (csr_matrix, object, None), _sparse_attrs(8),
                     None, iter([(1, 5.0)]))
    (git_project / "items.pkl").write_bytes(pickle.dumps(items, 4))
    code, found = artifact_json(capsys, "setter.pkl", "items.pkl")
    assert code == 1
    by_path = {f["path"]: f for f in found}
    assert sorted(by_path) == ["items.pkl", "setter.pkl"] and len(found) == 2
    assert all(f["code"] == "MLG301" for f in found)
    assert "as a slot" in by_path["setter.pkl"]["message"]
    assert "not a dict" in by_path["items.pkl"]["message"]


def test_real_slots_and_dict_subclasses_still_load(git_project, capsys):
    (git_project / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\nallow = ["slotted:Slotted"]\n')
    (git_project / "slotted.py").write_text(
        "class Slotted:\n    __slots__ = ('a', 'b')\n\n    def __init__(self):\n"
        "        self.a, self.b = 1, [2]\n")
    sys.path.insert(0, str(git_project))
    try:
        import slotted

        bundle = {"slotted": slotted.Slotted(),
                  "ordered": collections.OrderedDict(a=1, b=2),
                  "default": collections.defaultdict(list, a=[1])}
        for protocol in (2, 4):
            (git_project / f"bundle{protocol}.pkl").write_bytes(pickle.dumps(bundle, protocol))
    finally:
        sys.path.remove(str(git_project))
        sys.modules.pop("slotted", None)
    assert artifact_json(capsys, "bundle2.pkl", "bundle4.pkl") == (0, [])


def test_ordinary_models_of_every_protocol_and_their_helpers_load(git_project, capsys):
    """copy_reg/__builtin__ (protocols 0-2) resolve as pickle resolves them; MLP's optimizer
    and SGD's loss live in modules without estimators, and load."""
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.neural_network import MLPClassifier

    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 1, 0, 1])
    names = []
    for protocol in (0, 1, 2):
        name = f"logreg{protocol}.pkl"
        model = LogisticRegression().fit(X, y)
        (git_project / name).write_bytes(pickle.dumps({"model": model, "seen": {1, 2}}, protocol))
        names.append(name)
    for name, model in (("sgd.pkl", SGDClassifier(max_iter=5, tol=None)),
                        ("mlp.pkl", MLPClassifier(max_iter=5))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # too few iterations to converge: not the point
            model.fit(X, y)
        (git_project / name).write_bytes(pickle.dumps(model, 4))
        names.append(name)
    assert artifact_json(capsys, *names) == (0, [])


def _shared_state_builds(pairs: int, objects: int) -> bytes:
    """One memoized dict of `pairs` items, the BUILD state of `objects` new objects."""
    out = bytearray(b"\x80\x02cbuiltins\nobject\n\x940)\x940X\x01\x00\x00\x00a\x940}\x94(")
    out += b"h\x02h\x02" * pairs + b"u0]\x94"
    out += b"h\x00h\x01\x81h\x03ba" * objects
    return bytes(out) + b"."


def test_a_shared_state_is_examined_once():
    verdict = scan_pickle(_shared_state_builds(2000, 200), allow())
    # examined once; paid for at every use since round 36 (each object copies the pairs
    # into its own __dict__, which the load pays for), and within the work budget
    assert verdict.refusals == [] and verdict.work < pickle_scan.MAX_OPCODES // 10


def test_the_stack_is_bounded(monkeypatch):
    monkeypatch.setattr(pickle_scan, "MAX_STACK", 100)
    found = scan_pickle(b"\x80\x02" + b"}" * 200 + b".", allow()).refusals
    assert [r.code for r in found] == ["MLG302"] and "stack" in found[0].message


def test_cached_verdicts_expire_with_mlgate_s_code(monkeypatch):
    """A verdict cached by a scanner later fixed must not outlive the fix, even when the
    version string stayed the same (a development checkout, a pre-commit rev)."""
    from mlgate.artifacts import cache

    before = cache.code_stamp()
    assert cache.code_stamp() == before
    real = cache.file_stat

    def edited(path):
        stat = real(path)
        return [*stat, 1] if path.endswith("pickle_scan.py") else stat

    monkeypatch.setattr(cache, "file_stat", edited)
    assert cache.code_stamp() != before
