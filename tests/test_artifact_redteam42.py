"""Round 42's pattern rule: the check of a vectorizer's token_pattern counted only
repetitions, so ambiguity made of items that repeat nothing passed: 40 optional digits before
40 digits (`\\d?...\\d...`, 9.4 s per 8-digit request: red team round 41), 30 pairs of like
alternatives (`(?:\\d|\\d)...y`: 592 s on 40 digits), and an optional pair inside a
repetition (`(?:x\\d?\\d?)+$`: exponential in the request). The rule: every place where one
text can be matched in more than one way (an optional item or alternatives taking what is
open before them) is a choice; inside a repetition a choice is refused, elsewhere the
product of the choices is bounded (MAX_AMBIGUOUS_WAYS)."""

from __future__ import annotations

import json
import pickle
import re
import subprocess

import pytest

from helpers import artifact_json, text_pipeline_file
from mlgate.probe_script.verify import MAX_AMBIGUOUS_WAYS, _pattern_problem

AMBIGUOUS = [
    r"\d?" * 40 + r"\d" * 40,
    r"(?:\d|\d)" * 30 + "y",
    r"(?:\d|)" * 40 + r"\d" * 40,
    r"(?u)\b" + r"[a-z]?" * 8 + r"\w+",
    r"(?:\w\w|\d)" * 5 + "y",
]


@pytest.mark.parametrize("pattern", AMBIGUOUS)
def test_a_chain_of_ambiguous_choices_is_refused(pattern):
    problem = _pattern_problem(pattern)
    assert problem and f"more than {MAX_AMBIGUOUS_WAYS} ways" in problem, problem


@pytest.mark.parametrize("pattern", [r"(?:x\d?\d?)+$", r"(?:x(?:\d|\d))+", r"(?:x\d?\d+)+"])
def test_an_ambiguous_choice_inside_a_repetition_is_refused(pattern):
    problem = _pattern_problem(pattern)
    assert problem and "each turn multiplies the ways" in problem, problem


# token patterns as projects write them; the optional or alternative parts in them are
# forced, or a few
@pytest.mark.parametrize("pattern", [
    r"(?u)\b\w\w+\b", r"(?u)\b\w+(?:'\w+)?\b", r"https?://\S+|www\.\S+|\w+", r"#?\w+",
    r"[-+]?\d*\.\d+|\d+", r"(?u)\b\w\w+\b|\$?\d+(?:\.\d+)?", r"\d{1,3}(?:,\d{3})*",
    r"(?:Mr|Mrs|Ms)\.?\s\w+", r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*",
    r"(?u)\b\w+s?\b", r"\$?\d+(?:,\d{3})*(?:\.\d+)?%?", r"[A-Z]?[a-z]+",
    r"(?u)\b\w[\w'-]*\w\b|\b\w\b", r"[a-zA-Z]+|\d+|[^\sa-zA-Z\d]", r"a{1}b{0}\d?\d",
])
def test_ordinary_optional_parts_pass(pattern):
    assert _pattern_problem(pattern) is None


def test_a_text_pipeline_with_a_chain_of_optional_digits_is_refused(git_project, capsys):
    pattern = r"(?u)\b" + r"\d?" * 40 + r"\d" * 40 + r"|\w+"
    code, found = artifact_json(capsys, text_pipeline_file(git_project, pattern))
    assert code == 1 and any(f["code"] == "MLG309" and "ways" in f["message"]
                             for f in found), found


# A compiled pattern a project's transformer keeps (re._compile in the file) runs on each
# request as a token_pattern does (red team round 42 F2: 50 s on 63 characters)
ORDINARY_COMPILED = [
    (r"(ain't|aren't|can't|can't've|could've|couldn't|didn't|doesn't|don't|he'd|he'll)",
     re.I),
    (r"https?://\S+|www\.\S+", 0), (r"<.*?>", 0), (r"[\w.+-]+@[\w-]+\.[\w.-]+", 0),
    (r"\b(a|an|the|and|or|of|to|in|is|it|on|for|with|as|at|by)\b\s*", re.I),
    ("[\U0001F600-\U0001F64F\U0001F300-\U0001F5FF]+", 0), (rb"\d+", 0), (r"\s+", re.M),
]


def test_compiled_patterns_a_project_keeps_are_bounded_like_a_token_pattern(git_project,
                                                                             capsys):
    import joblib

    joblib.dump({"cleaners": [re.compile(p, f) for p, f in ORDINARY_COMPILED]},
                git_project / "ordinary.joblib")
    joblib.dump({"cleaner": re.compile(r"(?:\w|\w\w)" * 30 + r"://\S+")},
                git_project / "slow.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "ordinary.joblib") == (0, [])
    code, found = artifact_json(capsys, "slow.joblib")
    assert code == 1 and any(f["code"] == "MLG309" and "compiled pattern" in f["message"]
                             and "ways" in f["message"] for f in found), found


def test_a_compiled_pattern_with_a_flag_no_pattern_carries_is_refused(git_project, capsys):
    # re.DEBUG printed the pattern's parse to stdout at every load (F5)
    data = pickle.dumps(re.compile("ab", re.I), protocol=4)
    assert data.count(b"K\x22") == 1  # BININT1 34: re.I | re.U
    (git_project / "p.pkl").write_bytes(data.replace(b"K\x22", b"K\xa2"))  # | re.DEBUG
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "p.pkl")
    assert code == 1 and "flags I L M S U X A" in found[0]["message"], found


def test_the_probe_admits_the_compiled_patterns_the_scan_admits():
    from mlgate.artifacts.value_types import _MAX_PATTERN
    from mlgate.probe_script.verify import MAX_COMPILED_PATTERN

    assert MAX_COMPILED_PATTERN == _MAX_PATTERN


# -- false-alarm round 42: .skops files of ordinary models on the newest releases ---------

def _node(module, name, loader, content, **extra):
    return {"__class__": name, "__module__": module, "__loader__": loader, "content": content,
            **extra}


def _json(value):
    return _node("builtins", "str", "JsonNode", json.dumps(value), is_json=True)


def _attributes(items):
    return _node("builtins", "dict", "DictNode", items, key_types=_node(
        "builtins", "list", "ListNode", [_node("builtins", "str", "TypeNode", None)
                                         for _ in items]))


def _spline_front(array, backend_module="scipy.interpolate._bsplines", second=None,
                  delegate=None, extra=None):
    # as skops 0.16 writes scipy 1.18.1's BSpline: a tuple of (its _BSpline backend, an array)
    backend = _node(backend_module, "_BSpline", "ObjectNode", _attributes(
        {"k": _json(3), "axis": _json(0), "extrapolate": _json(False),
         "_delegate_to": delegate or _json(None), "t": array, "c": array, **(extra or {})}))
    return _node("scipy.interpolate._bsplines", "BSpline", "ObjectNode", _node(
        "builtins", "tuple", "TupleNode", [backend, second or array]))


@pytest.mark.parametrize(("front", "refused"), [
    (lambda a: _spline_front(a), False),
    (lambda a: _spline_front(a, second=_json(1)), True),
    (lambda a: _node("scipy.interpolate._bsplines", "BSpline", "ObjectNode", _node(
        "builtins", "tuple", "TupleNode", [a, a])), True),
    # a backend that delegates to another, whose own arrays went unchecked (round 42b F2)
    (lambda a: _spline_front(a, delegate=_node(
        "scipy.interpolate._bsplines", "_BSpline", "ObjectNode", _attributes({"k": _json(3)}))),
     True),
    (lambda a: _spline_front(a, extra={"_t": a}), True),  # a key scipy does not write
])
def test_scipy_1_18_splines_in_skops_are_read_as_the_pickle_path_reads_them(front, refused):
    from test_artifact_canonical import _skops_with, allow

    from mlgate.artifacts.skops_files import scan_tree

    def edit(schema):
        attributes = schema["content"]["content"]
        attributes["spline_"] = front(attributes["coef_"])
        schema["content"]["key_types"]["content"].append(
            _node("builtins", "str", "TypeNode", None))

    facts: dict = {}
    found = scan_tree("m.skops", _skops_with(edit), allow(), facts)
    assert bool(found) is refused, found
    if not refused:  # not left to the check that its __setstate__ is compiled code
        assert ["scipy.interpolate._bsplines", "BSpline"] not in facts.get("compiled", [])


@pytest.mark.parametrize(("module", "value", "refused"), [
    ("catboost.core", _node("builtins", "bytes", "BytesNode", None, file="m.bin"), False),
    ("catboost.core", _json("model"), True),
    ("sklearn.linear_model._logistic", _node("builtins", "bytes", "BytesNode", None,
                                             file="m.bin"), True),
])
def test_catboost_keeps_its_model_under_one_dunder_key_in_skops_too(module, value, refused):
    from mlgate.artifacts.skops_files import _attribute_node

    state = _attributes({"iterations": _json(10), "__model": value})
    assert _attribute_node(state, module) is not refused


# -- red team round 42 F3: a neighbour search tree answers from its own arrays ------------

def _tampered_knn(how):
    import numpy as np
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.RandomState(0)
    X = rng.rand(200, 3)
    y = (X[:, 0] > 0.5).astype(int)
    model = KNeighborsClassifier(n_neighbors=3, algorithm="kd_tree").fit(X, y)
    state = list(model._tree.__getstate__())
    if how == "one-sample":  # every index names one sample: every answer is its label
        state[1] = np.full_like(state[1], int(np.flatnonzero(y == 1)[0]))
    elif how == "moved-rows":  # the tree's own rows moved, _fit_X left honest
        data = np.array(state[0])
        data[y == 0] += 100.0
        state[0] = data
    elif how == "leaf-size":  # a tree no build makes
        state[4] = 0
    model._tree.__setstate__(tuple(state))
    return model


@pytest.mark.parametrize(("how", "said"), [
    ("one-sample", "other than building the tree over its rows makes"),
    ("moved-rows", "a search tree over other rows than its fitted rows"),
    ("leaf-size", "a tree no build over its rows makes"),
    (None, None),
])
def test_a_neighbour_tree_is_what_building_one_over_its_rows_makes(git_project, capsys, how,
                                                                    said):
    import joblib
    import numpy as np
    from sklearn.neighbors import BallTree, KernelDensity

    joblib.dump(_tampered_knn(how), git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "model.joblib")
    if said is None:  # ordinary trees pass: weighted density, another metric, a bundle
        rng = np.random.RandomState(1)
        X = rng.rand(100, 4)
        joblib.dump({"kde": KernelDensity().fit(X, sample_weight=rng.rand(100) + 0.1),
                     "ball": BallTree(X, leaf_size=5, metric="manhattan")},
                    git_project / "trees.joblib")
        subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
        assert (code, found) == (0, []) and artifact_json(capsys, "trees.joblib") == (0, [])
    else:
        assert code == 1 and any(f["code"] == "MLG309" and said in f["message"]
                                 for f in found), found
        # not "load it yourself to see the full error": it loads, and answers wrong
        assert all("re-save the model from its training code" in f["hint"] for f in found)


def test_the_loads_of_one_run_share_a_deadline(git_project, capsys):
    # red team round 42 F4: each file within its load-timeout, a run of many took hours
    import joblib
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    for name in ("a.joblib", "b.joblib"):
        joblib.dump(model, git_project / name)
    (git_project / "pyproject.toml").write_text(
        "[tool.mlgate.artifact]\nrun-timeout = 0.001\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "a.joblib", "b.joblib")
    assert code == 1 and [(f["path"], f["code"]) for f in found] == [
        ("a.joblib", "MLG309"), ("b.joblib", "MLG309")], found
    assert all("run-timeout" in f["message"] for f in found)
    # not a verdict on the files: not cached, and the next run with time loads them
    (git_project / "pyproject.toml").write_text("[tool.mlgate.artifact]\nrun-timeout = 600\n")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    assert artifact_json(capsys, "a.joblib", "b.joblib") == (0, [])


# -- round 42b: the pattern rule's own review ----------------------------------------------

@pytest.mark.parametrize("pattern", [
    r"(?:a|ab)(?:c|bc)" * 28,  # parsed a(?:|b)(?:c|bc): each b split two ways (22.7 s)
    r"(?:a?(?:ab|b))" * 28,
    r"\d*(?>)\d*(?>)\d*y",  # an atomic group that takes nothing forgot the run before it
    r"\d{0,9}" * 20 + "y",  # short runs in a row: each so many ways
])
def test_ambiguity_across_neighbours_is_refused_in_either_mode(pattern):
    assert _pattern_problem(pattern) is not None
    assert _pattern_problem(pattern, lenient=True) is not None


# what text-cleaning code keeps compiled (red team round 42b F4): each refused as a
# token_pattern would be, none exponential; as a project's own compiled pattern they pass
CLEANERS = [
    r"\b(?:i|me|my|myself|we|our|ours|ourselves|you|your|yours|the|them|their|theirs"
    r"|themselves|then|there|these|they|this|that|those|a|an|and|am|are|as|at)\b",
    r"\d{3}[-.\s]?\d{3}[-.\s]?\d{4}", r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
    r"https?://(?:[-\w.]|(?:%[\da-fA-F]{2}))+", r"[\w\.-]+@[\w\.-]+\.\w+",
    r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}", r"\w*\d\w*", r"(.)\1{2,}",
    r"(\w)\1+", r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?",
    r"(https?://)?(www\.)?[-a-zA-Z0-9@:%._\+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b"
    r"([-a-zA-Z0-9()@:%_\+.~#?&//=]*)",
]


@pytest.mark.parametrize("pattern", CLEANERS)
def test_a_cleaners_compiled_patterns_pass(pattern):
    from mlgate.probe_script.verify import _compiled_pattern_problem

    assert _compiled_pattern_problem(re.compile(pattern)) is None
    assert _compiled_pattern_problem(re.compile(pattern, re.I)) is None


def test_a_repeated_group_of_alike_alternatives_stays_refused_even_at_the_end():
    # the tweet cleaners' URL pattern: [$-_] holds the capitals [a-zA-Z] holds, so each
    # capital is either's; harmless to search(), but fullmatch() on 'http://' + 24 capitals
    # and a space took 1.6 s, doubling with each: what calls it is the project's code
    from mlgate.probe_script.verify import _compiled_pattern_problem

    url = r"http[s]?://(?:[a-zA-Z]|[0-9]|[$-_@.&+]|[!*\(\),]|(?:%[0-9a-fA-F][0-9a-fA-F]))+"
    assert "each turn multiplies the ways" in str(_compiled_pattern_problem(re.compile(url)))


def test_a_fixed_count_of_one_character_is_no_run():
    # `\d{3}` is three digits, as `\d\d\d` (phone numbers as token patterns)
    assert _pattern_problem(r"\d{3}-\d{3}-\d{4}|\w\w+") is None
    assert _pattern_problem(r"\w+\d{3}") is None
    assert _pattern_problem(r"\w+\d{2,3}") is not None  # a choice of length: a run


def test_a_spline_backend_that_delegates_is_refused_by_the_probe():
    # (as the walk meets it under scipy 1.18; any scipy: the class names are what counts)
    from mlgate.probe_script.verify import _bspline_problem

    class _BSpline:
        pass

    backend = _BSpline()
    backend._delegate_to = _BSpline()
    assert "delegates to another" in _bspline_problem(backend)
