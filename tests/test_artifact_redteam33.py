"""Review round 33 (static layer).

- A budget per file was no budget for a run: six 81 KB bundles, each just inside the scan's
  per-file work budget, took 130 s and 1.4 GB together. Every static scan of one run now also
  spends from the run's budget; a file refused because the run's budget is gone is not
  refused for what it is, so that verdict is never cached: checked alone, it passes.
- Call forms were checked for one call opcode only: the rule that holds builtins to the
  arguments CPython writes ran for REDUCE, but OBJ, INST and NEWOBJ call the class too
  (`OBJ(bytearray, 3500000000)`, 32 bytes, made every load allocate 3.5 GB). The rule: a
  call's arguments are judged by what is called, whatever opcode calls it.
- numpy's random-state constructors called whatever the file handed them, with an argument
  of its choosing (`__randomstate_ctor('7', int)`): only the forms numpy writes pass.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from helpers import artifact_json, g, i4, pickled_with_state, u
from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
from mlgate.artifacts.pickle_scan import scan_pickle
from mlgate.cli import main


def _bundles(root, count: int) -> list[str]:
    names = []
    for i in range(count):
        name = f"part{i}.pkl"
        # unique bytes: a verdict cached by another test is not this one's
        (root / name).write_bytes(pickle.dumps([str(root), name, list(range(5_000))],
                                                  protocol=4))
        names.append(name)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return names


def test_one_budget_for_every_file_of_a_run(git_project, capsys, monkeypatch):
    from mlgate.artifacts import pickle_scan

    monkeypatch.setattr(pickle_scan, "_CLOCK_EVERY", 256)
    names = _bundles(git_project, 4)
    code, found = artifact_json(capsys, "--no-load", *names)
    assert code == 0 and found == []  # each file costs ~5,000 units: inside both budgets
    monkeypatch.setattr(pickle_scan, "MAX_RUN_OPCODES", 12_000)
    code, found = artifact_json(capsys, "--no-load", *names)
    refused = {f["path"] for f in found if "this run's artifacts together" in f["message"]}
    assert code == 1 and refused == {"part2.pkl", "part3.pkl"}, found
    assert pickle_scan._RUN == [None]  # the run's budget ends with the run


def test_a_verdict_of_the_run_budget_is_not_cached(git_project, capsys, monkeypatch):
    from mlgate.artifacts import pickle_scan

    monkeypatch.setattr(pickle_scan, "_CLOCK_EVERY", 256)
    monkeypatch.setattr(pickle_scan, "MAX_RUN_OPCODES", 12_000)
    names = _bundles(git_project, 4)
    cached = ["artifact", "--format", "json", "--no-load", "--python", sys.executable]
    assert main([*cached, *names]) == 1
    capsys.readouterr()
    assert main([*cached, "part3.pkl"]) == 0, capsys.readouterr().out


ALLOW = AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES)
BIG = i4(2_000_000_000)
RANGE = g("builtins", "range") + b"K\x00" + BIG + b"K\x01\x87R"
RANDOM = "numpy.random._pickle"


@pytest.mark.parametrize("body", [
    b"\x80\x02" + g("builtins", "bytearray") + BIG + b"\x85R.",
    b"\x80\x02(" + g("builtins", "bytearray") + BIG + b"o.",
    b"(" + BIG + b"ibuiltins\nbytearray\n.",
    b"\x80\x02" + g("builtins", "bytearray") + BIG + b"\x85\x81.",
    b"\x80\x02(" + g("builtins", "list") + RANGE + b"o.",
    b"\x80\x02(" + g("builtins", "frozenset") + RANGE + b"o.",
    b"\x80\x02" + g(RANDOM, "__randomstate_ctor") + u("7") + g("builtins", "int")
    + b"\x86R.",
    b"\x80\x02" + g(RANDOM, "__generator_ctor") + u("MT19937") + g("builtins", "str")
    + b"\x86R.",
    b"\x80\x02" + g(RANDOM, "__bit_generator_ctor") + u("anything") + b"\x85R.",
    b"\x80\x02" + g("numpy.random.mtrand", "RandomState") + b"K\x05\x85R.",
    b"\x80\x02" + g("numpy.random._pcg64", "PCG64") + b"K\x05\x85R.",
    b"\x80\x02" + g("numpy.random.bit_generator", "SeedSequence") + b"K\x05\x85R.",
], ids=["reduce-bytearray", "obj-bytearray", "inst-bytearray", "newobj-bytearray",
        "obj-list-range", "obj-frozenset-range", "randomstate-ctor-int", "generator-ctor-str",
        "bit-generator-ctor-name", "randomstate-called", "pcg64-called", "seedsequence-called"])
def test_a_call_form_no_writer_writes_is_refused_whatever_opcode_calls_it(body):
    verdict = scan_pickle(body, ALLOW)
    assert [r.code for r in verdict.refusals] == ["MLG302"], verdict.refusals
    assert any(words in verdict.refusals[0].message for words in (
        "other arguments than", "called with arguments", "other than a bit generator"))


@pytest.mark.parametrize("value", [
    np.random.RandomState(3), np.random.default_rng(3), np.random.SeedSequence(5),
    np.random.Generator(np.random.Philox(1)), np.random.PCG64DXSM(2), bytearray(b"ab"),
    {1, 2}, frozenset([3]), complex(1, 2), slice(1, None, 2),
], ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("protocol", range(6))
def test_what_numpy_and_cpython_write_passes(value, protocol):
    verdict = scan_pickle(pickle.dumps(value, protocol), ALLOW)
    assert verdict.refusals == []


def test_the_name_and_constructor_form_of_numpy_1_25_passes():
    body = (b"\x80\x04" + g(RANDOM, "__randomstate_ctor") + u("MT19937")
            + g(RANDOM, "__bit_generator_ctor") + b"\x86R.")
    assert scan_pickle(body, ALLOW).refusals == []


def test_a_skops_schema_of_empty_objects_is_refused_before_it_is_parsed(monkeypatch):
    # 2 bytes of text, 64 of memory each: 44.7 million in 128 MiB held 3.7 GB.
    import io
    import tracemalloc
    import zipfile

    from mlgate.artifacts import skops_files
    from mlgate.artifacts.formats import static

    monkeypatch.setattr(skops_files, "MAX_SCHEMA_CONTAINERS", 100_000)
    body = (b'{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode",'
            b' "content": [' + b"{}," * 100_000 + b'{}], "protocol": 2,'
            b' "_skops_version": "0.10.0"}')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", body)
    static("warm.skops", buffer.getvalue(), ALLOW, False)  # imports outside the measure
    tracemalloc.start()
    try:
        found, facts = static("m.skops", buffer.getvalue(), ALLOW, False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert facts["kind"] == "skops"
    assert [f.code for f in found] == ["MLG305"], found
    assert "objects and lists" in found[0].message
    assert peak < 3 * len(body), peak  # parsed, the 100,001 dicts alone would take 6.4 MB


def test_a_load_is_judged_with_its_own_files_facts(git_project, capsys):
    """New-user round 33 (F1): the versions a load's warnings were checked against were
    those of the last file scanned, not the loaded one's: a model that records scikit-learn
    1.0.2, checked before a file that records none, got a second MLG306 saying the file
    does not record 1.0.2."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit([[0.0], [1.0], [0.0], [1.0]], [0, 1, 0, 1])
    state = model.__getstate__()
    state["_sklearn_version"] = "1.0.2"
    (git_project / "model.pkl").write_bytes(pickled_with_state(model, state))
    (git_project / "zdata.pkl").write_bytes(pickle.dumps({"columns": ["a", "b"]}, protocol=4))
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    for order in (["model.pkl", "zdata.pkl"], ["zdata.pkl", "model.pkl"]):
        code, found = artifact_json(capsys, "--only-artifacts", *order)
        versions = [f["message"] for f in found if f["code"] == "MLG306"]
        assert code == 1 and len(versions) == 1, found
        assert "1.0.2" in versions[0] and "does not record" not in versions[0], found


def test_a_pickled_keras_model_is_refused_for_what_it_calls_not_as_damaged():
    """New-user round 33 (F6): Keras 3 pickles a model as getattr(Functional,
    '_unpickle_model')(io.BytesIO(<.keras zip>)): the zip's directory lies near the file's
    end, and mlgate said "damaged or tampered ... no writer makes such a file"."""
    import io
    import struct
    import zipfile

    from mlgate.artifacts.formats import static

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as keras_file:
        keras_file.writestr("config.json", "{}")
    zipped = archive.getvalue()
    body = (b"\x80\x04" + g("builtins", "getattr")
            + g("keras.src.models.functional", "Functional") + u("_unpickle_model") + b"\x86R"
            + g("io", "BytesIO") + b"B" + struct.pack("<I", len(zipped)) + zipped
            + b"\x85R\x85R.")
    found, _ = static("model.pkl", body, ALLOW, False)
    assert found and found[0].code == "MLG301", found
    assert "deep-learning framework" in found[0].message
    assert "model.keras" in found[0].hint


def _list_chain(kind: str, depth: int = 60):
    chain: object = [1.0]
    for _ in range(depth):
        chain = {"a": chain, "b": chain} if kind == "dict" else (
            (chain, chain) if kind == "tuple" else [chain, chain])
    return chain


@pytest.mark.parametrize("where", ["class_weight-list", "class_weight-dict", "classes-tuple"])
def test_a_chain_of_shared_containers_is_refused(git_project, capsys, where):
    """Red team round 33: the shared-slot rule counted estimators only. Lists, tuples or
    dicts 60 levels deep, each holding the next twice, in class_weight (repr: 4x per level)
    or as a label of classes_ (every answer's json.dumps grew 4x per level), got READY."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(np.arange(8.0).reshape(4, 2), [0, 1, 0, 1])
    kind = where.split("-")[1]
    if where.startswith("class_weight"):
        model.class_weight = {0: 1.0, 1: _list_chain(kind)}
    else:
        _labelled(model, _list_chain(kind))
    _assert_refused_as_a_chain(git_project, capsys, model)


def _labelled(model, label) -> None:
    labels = np.empty(2, dtype=object)
    labels[0], labels[1] = "no", label
    model.classes_ = labels


def _assert_refused_as_a_chain(root, capsys, model) -> None:
    import joblib

    joblib.dump(model, root / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    code, found = artifact_json(capsys, "model.joblib")
    assert code == 1 and any("shared between slots" in f["message"] for f in found), found


def test_a_large_model_that_shares_nothing_is_not_a_chain(git_project, capsys):
    """A vocabulary of 1.2 million words is as large walked as it is held: it passes."""
    import joblib
    from sklearn.feature_extraction.text import CountVectorizer

    model = CountVectorizer().fit(["apple banana"])
    model.vocabulary_ = {f"w{i}": i for i in range(1_200_000)}
    model.stop_words_ = {f"s{i}" for i in range(50_000)}
    joblib.dump(model, git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "model.joblib")
    assert code == 0, found
    assert not any("shared between slots" in f["message"] for f in found), found


@pytest.mark.parametrize("pattern", [
    "(?u)\\b\\w\\w+\\b|(?:[\u0531-\u0587]+)+\u0589",  # Armenian letters, then the full stop
    "(?:[^\\x00-\\uffff]+)+x",  # only characters past the Basic Multilingual Plane
    "[\u0531-\u0587]*[\u0531-\u0587]*\u0589",  # cubic
    # a range whose ends and middle are punctuation or unassigned, letters inside it
    "(?:[\u0530-\u058e]z|\\wz)+!|\\b\\w\\w+\\b",
    "[\u0530-\u058e]*\\w*y",
])
def test_a_pattern_over_characters_outside_the_sample_is_judged_too(pattern):
    """Red team round 33 (F7): the backtracking rule tried about 140 fixed characters, so a
    class of Armenian letters matched "nothing" and `(?:[\\u0531-\\u0587]+)+` passed: 30
    letters took 20 s, each more doubling it. The characters a pattern names are tried too."""
    from mlgate.probe_script.verify import _pattern_problem

    assert _pattern_problem(pattern) is not None


@pytest.mark.parametrize("pattern", [
    "(?u)\\b\\w\\w+\\b", "\\b\\w+(?:-\\w+)*\\b", "\\w+|\\$[\\d.]+|\\S+",
    "[\u0531-\u0587]+|[a-z]+", "(?:[\u4e00-\u9fff]|[a-z]+)",
])
def test_ordinary_patterns_naming_other_scripts_pass(pattern):
    from mlgate.probe_script.verify import _pattern_problem

    assert _pattern_problem(pattern) is None


def test_a_tree_claiming_two_to_the_33_levels_is_refused_at_once(git_project, capsys):
    """Red team round 33 (F5): mlgate's own check computed 2 ** n_levels from the file:
    n_levels = 2**33 cost 102 s and 3.5 GB in the probe, past the alarm's reach."""
    import joblib
    from sklearn.neighbors import KNeighborsRegressor

    data = np.random.RandomState(0).rand(50, 2)
    model = KNeighborsRegressor(algorithm="kd_tree", leaf_size=5).fit(data, data.sum(1))
    state = list(model._tree.__getstate__())
    state[5] = 2 ** 33
    model._tree.__setstate__(tuple(state))
    joblib.dump(model, git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "model.joblib")
    assert code == 1 and any("disagrees with its levels" in f["message"] for f in found), found


def test_a_builtin_made_with_keyword_arguments_is_refused():
    """Review of round 33's call rule: NEWOBJ_EX's keywords were not read: bytes.__new__(
    bytes, source=1900000000) passed as `bytes()`, and bytearray of it copied 1.9 GB, from
    a 60-byte pickle."""
    body = (b"\x80\x04" + g("builtins", "bytes") + b")}" + u("source") + i4(1_900_000_000)
            + b"s\x92.")
    verdict = scan_pickle(body, ALLOW)
    assert [r.code for r in verdict.refusals] == ["MLG302"], verdict.refusals
    assert "keyword arguments" in verdict.refusals[0].message


def test_a_long_text_under_a_short_shared_chain_is_refused(git_project, capsys):
    """Review of round 33's rule: items counted 1 whatever their size, so a 1 MiB string
    under a 16-level chain (2**17 items, under the bound) got READY, and every answer that
    predicted that label serialised to 64 GiB."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(np.arange(8.0).reshape(4, 2), [0, 1, 0, 1])
    chain: object = ["x" * (1 << 20)]
    for _ in range(16):
        chain = [chain, chain]
    _labelled(model, chain)
    _assert_refused_as_a_chain(git_project, capsys, model)


def test_a_stray_estimator_attribute_does_not_excuse_a_deleted_width(git_project, capsys):
    """A red team of round 33's CalibratedClassifierCV change: any estimator with a stray
    `x_ = LogisticRegression()` passed with its n_features_in_ deleted (a histogram
    gradient boosting model then read past each 1-column row). Only a meta-estimator (by
    its own parameters) copies its width from its parts."""
    import joblib
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    data = rng.random((100, 8))
    model = HistGradientBoostingClassifier(max_iter=3).fit(data, data[:, 7] > 0.5)
    del model.n_features_in_
    model.x_ = LogisticRegression()
    joblib.dump(model, git_project / "model.joblib")
    subprocess.run(["git", "add", "-A"], cwd=git_project, check=True)
    code, found = artifact_json(capsys, "model.joblib")
    assert code == 1 and any("without n_features_in_" in f["message"] for f in found), found


@pytest.mark.parametrize("pattern", [
    "(?:(?i:a)|A)+$",  # 26 A's and a '!': 10 s, doubling per letter
    "(?:[\u251e-\uffff]+\\d)+y",  # a range too wide to try whole, and the digits in it
    "(?i:\u212a)*k*y",  # the Kelvin sign is a k when case is ignored
    "(?:q|qq)+$|\\b\\w\\w+\\b",  # parsed as (?:q(?:|q))+: 41 characters, 18 s
    "(?:qq?)+$",
])
def test_character_classes_are_compared_exactly_with_their_own_flags(pattern):
    """A review of round 33's rule: classes were compared on sampled characters, with the
    pattern's global flags only, so a group's own `(?i:...)` was read case-sensitively and
    `(?:(?i:a)|A)+$` passed. Sets of characters are now exact: every code point counts."""
    from mlgate.probe_script.verify import _pattern_problem

    assert _pattern_problem(pattern) is not None


def test_a_pattern_with_more_classes_than_can_be_checked_is_refused():
    from mlgate.probe_script.verify import MAX_SCANNED_CLASSES, _pattern_problem

    classes = "|".join(f"[{chr(0x400 + 2 * i)}{chr(0x500 + i)}]x"
                       for i in range(MAX_SCANNED_CLASSES + 1))
    assert "character classes" in _pattern_problem(classes)
    assert _pattern_problem("(?u)\\b\\w\\w+\\b") is None
