"""Round 41's red team: the probe's walk after the load reached an object's parts through
its reduction (`__reduce_ex__`), which is what the object's class writes, not what it holds.
IsotonicRegression's `__getstate__` drops `f_`, and its `__setstate__` keeps the `f_` a file
stores: a BSpline kept there with knots its compiled evaluation trusts was never checked,
passed (exit 0) and crashed the user's predict. The rule: the walk reaches what an object
holds (its attribute dict and its slots) besides what its reduction writes."""

from __future__ import annotations

import pickle
import subprocess

import numpy as np
import pytest
import sklearn
from scipy.interpolate import BSpline
from sklearn.isotonic import IsotonicRegression

from helpers import artifact_json, text_pipeline_file
from mlgate.probe_script.load import _parts


def _hidden_spline_model(knots_degree):
    good = BSpline(np.array([0, 0, 0, 0, 1, 1, 1, 1.0]), np.array([1, 2, 3, 4.0]), 3)
    spline = object.__new__(BSpline)
    state = dict(good.__dict__)
    if knots_degree is not None:
        state["k"] = knots_degree
        state["_t" if "_t" in state else "t"] = np.array([0.0, 1.0])
    spline.__dict__.update(state)
    model = IsotonicRegression(out_of_bounds="nan")
    model.__dict__["f_"] = spline  # no thresholds: __setstate__ keeps the stored f_
    return model


@pytest.mark.parametrize("degree", [3_000_000, None])
def test_what_getstate_leaves_out_is_still_walked(git_project, capsys, monkeypatch, degree):
    model = _hidden_spline_model(degree)
    with monkeypatch.context() as patched:  # a pickler made to keep f_, as a file can
        patched.setattr(IsotonicRegression, "__getstate__", lambda self: dict(
            self.__dict__, _sklearn_version=sklearn.__version__), raising=False)
        (git_project / "model.pkl").write_bytes(pickle.dumps(model, protocol=4))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "model.pkl")
    failed = [f["message"] for f in found if f["code"] == "MLG309"]
    if degree is None:  # the same shape with a sound spline: nothing to say of it
        assert not failed, found
        return
    assert code == 1 and failed and "BSpline" in failed[0], found


def test_an_ordinary_isotonic_regression_passes(git_project, capsys):
    x = np.linspace(0.0, 10.0, 50)
    model = IsotonicRegression(out_of_bounds="clip").fit(x, x + np.sin(x))
    (git_project / "model.pkl").write_bytes(pickle.dumps(model, protocol=4))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "model.pkl")
    assert (code, [f for f in found if f["severity"] == "error"]) == (0, []), found


def test_the_walk_reaches_attributes_and_slots_a_reduction_leaves_out():
    class Slotted:
        __slots__ = ("__private", "kept")

        def __init__(self):
            self.kept, self.__private = [1], [2]

        def __reduce__(self):
            return (Slotted, ())

    class Dropping:
        def __getstate__(self):
            return {}

    slotted, dropping = Slotted(), Dropping()
    dropping.hidden = [3]
    assert [1] in _parts(slotted) and [2] in _parts(slotted)
    assert [3] in _parts(dropping)


@pytest.mark.parametrize(("pattern", "refused"), [
    # F2: a lookahead over a run, inside a repetition: each turn scans the run again
    (r"(?u)(?:(?=\w*[^\W\d_])\w)+(?=\s|$)", True),
    # ...or after a repetition that gives back what the lookahead scans
    (r"\w+(?=\w*y)", True),
    # a lookahead of one character, or over what the repetition before it cannot take,
    # or where nothing before it goes back: at most square, as the check allows
    (r"(?u)\b\w+(?=\s)", False),
    (r"(?u)\b[a-z]+(?=[0-9]+)", False),
    (r"(?=\w*y)\w", False),
    (r"(?u)\b(?!\d+\b)\w\w+\b", False),
    (r"(?u)\b\w\w+\b", False),
])
def test_a_lookahead_over_a_run_inside_a_repetition_is_refused(pattern, refused):
    from mlgate.probe_script.verify import _pattern_problem

    problem = _pattern_problem(pattern)
    assert bool(problem) is refused, problem
    if refused:
        assert "looks ahead over a run" in problem


def test_a_text_pipeline_with_a_cubic_token_pattern_is_refused(git_project, capsys):
    pattern = r"(?u)(?:(?=\w*[^\W\d_])\w)+(?=\s|$)"
    code, found = artifact_json(capsys, text_pipeline_file(git_project, pattern))
    assert code == 1 and any(f["code"] == "MLG309" and "looks ahead over a run" in f["message"]
                             for f in found), found


def numpy_like_function(values):
    """A library function pickled by its name (as np.mean is)."""
    return values


def test_a_function_pickled_by_name_is_the_librarys_not_planted():
    """False-alarm round 41 (F1): on Python 3.12, functools.wraps copies __type_params__
    into numpy's dispatchers (np.mean, np.nan_to_num), so FeatureAgglomeration and a
    FunctionTransformer(np.nan_to_num) were refused as holding a planted dunder. A function
    or class pickled by its name is the library's own; an object the file built is still
    judged by its attributes."""
    from mlgate.probe_script.load import LoadFailure, _walk

    numpy_like_function.__dict__["__type_params__"] = ()
    numpy_like_function.__dict__["__array_interface__"] = {}
    try:
        _walk([numpy_like_function])
    finally:
        del numpy_like_function.__dict__["__array_interface__"]

    class Bunch(dict):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.__dict__ = self

    with pytest.raises(LoadFailure, match="__array_interface__"):
        _walk([Bunch(__array_interface__={"data": (0, False)})])
    # its own `__reduce_ex__` answering a name is the file's, not its type's (41b F6)
    with pytest.raises(LoadFailure, match="loaded with an attribute of its own named"):
        _walk([Bunch(__reduce_ex__=str, __array_interface__={"data": (0, False)})])


def test_an_xgboost_0_90_booster_is_served_without_the_api_of_1_0():
    """False-alarm round 41 (F2): XGBoost < 1.0 Boosters have no num_features() (nor
    inplace_predict): four real ones that load and predict were "loading failed"."""
    from mlgate.probe_script.exercise import _XGBoostBooster

    class OldBooster:
        feature_names = ("a", "b", "c")

    served = _XGBoostBooster(OldBooster())
    assert served.n_features_in_ == 3 and served.feature_names_in_ == ["a", "b", "c"]


def _scipy_118_spline(monkeypatch, second=None, delegate=None, extra=None) -> bytes:
    """A BSpline as scipy 1.18 pickles it (protocol 2), made with stand-ins of its two
    classes under their names: a front made empty, whose state is (its backend `_BSpline`,
    made empty and given its attribute dict, an empty array)."""
    import scipy.interpolate._bsplines as module

    class _BSpline:
        pass

    class BSpline:
        def __getstate__(self):
            return (self._delegate_to, np.empty(0) if second is None else second)

    for cls in (_BSpline, BSpline):
        cls.__module__, cls.__qualname__ = module.__name__, cls.__name__
    backend = _BSpline()
    backend.__dict__.update(k=3, axis=0, extrapolate=True, _delegate_to=delegate,
                            t=np.array([0, 0, 0, 0, 1, 1, 1, 1.0]),
                            c=np.array([1, 2, 3, 4.0]), **(extra or {}))
    front = BSpline()
    front._delegate_to = backend
    with monkeypatch.context() as patched:
        patched.setattr(module, "BSpline", BSpline)
        patched.setattr(module, "_BSpline", _BSpline, raising=False)
        return pickle.dumps(front, protocol=2)


@pytest.mark.parametrize(("made", "refused"), [
    ({}, None),
    # the front's state is (backend, array), nothing else
    ({"second": 1}, "MLG302"),
    # the backend's _delegate_to is None as scipy writes it
    ({"delegate": [1]}, "MLG302"),
    # knots or coefficients under both spellings: the probe checked `_c`, the spline
    # evaluated `c` (red team 41b F1: heap values for predictions)
    ({"extra": {"_c": np.array([1, 2, 3, 4.0])}}, "MLG302"),
])
def test_scipy_1_18_splines_are_read_as_scipy_writes_them(git_project, capsys, monkeypatch,
                                                          made, refused):
    """False-alarm round 41 (F3): scipy 1.18 made BSpline a front over a `_BSpline`
    backend (its state a tuple), so every SplineTransformer was MLG301 + MLG302 (and its
    spline unchecked). The layout is read exactly; the probe checks the backend's arrays as
    it checked BSpline's (a bad one, under scipy 1.18, is MLG309: the round's reproduction).
    Here, with an older scipy, the static verdict."""
    (git_project / "model.pkl").write_bytes(_scipy_118_spline(monkeypatch, **made))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "--no-load", "model.pkl")
    codes = {f["code"] for f in found if f["severity"] == "error"}
    if refused is None:
        assert code == 0 and not codes, found
    else:
        assert refused in codes, found
