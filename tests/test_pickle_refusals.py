"""Malicious-but-harmless artifacts: each payload would only create a marker file. The static
scan must refuse every one, naming why, and nothing may run."""

from __future__ import annotations

import io
import os
import pickle
import zlib

import numpy as np
import pytest

from mlgate.artifacts.allowlist import BASE, NUMPY_TYPES, NUMPY_UFUNCS, AllowList
from mlgate.artifacts.container import decompress, detect
from mlgate.artifacts.pickle_scan import (
    MAIN_CLASS,
    MALFORMED,
    UNRESOLVED,
    UNSAFE_GLOBAL,
    scan_pickle,
)

ALLOW = AllowList(BASE | NUMPY_UFUNCS | NUMPY_TYPES | {
    ("sklearn.linear_model._base", "LinearRegression")})


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "PWNED"
    yield path
    assert not path.exists(), "a payload ran"


class Reduce:
    """An object whose pickle calls `func(*args)` when loaded."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def verdict_of(data: bytes):
    kind = detect(data)
    return scan_pickle(data if kind == "pickle" else decompress(data, kind), ALLOW)


def refused(data: bytes, code: str, words: str = "") -> None:
    verdict = verdict_of(data)
    assert not verdict.safe
    assert verdict.refusals[0].code == code, verdict.refusals
    assert words in verdict.refusals[0].message, verdict.refusals


def touch(marker):
    return f"touch {marker}"


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_classic_callables_in_every_protocol(marker, protocol):
    for func, args in [(os.system, (touch(marker),)), (eval, ("1",)), (exec, ("1",)),
                       (getattr, ("x", "upper")), (__import__, ("os",)),
                       (open, (str(marker), "w"))]:
        refused(pickle.dumps(Reduce(func, *args), protocol=protocol), UNSAFE_GLOBAL)


@pytest.mark.parametrize("target", [
    "pkgutil resolve_name", "importlib import_module", "cProfile run", "timeit timeit",
    "pydoc locate", "subprocess Popen", "runpy run_path", "code InteractiveInterpreter",
    "numpy load", "numpy.lib.npyio load", "numpy testing.os", "joblib load",
    "sklearn.utils._testing TempMemmap", "builtins getattr", "operator attrgetter",
    "builtins breakpoint", "numpy.f2py compile",
])
def test_gadgets_and_dotted_names_are_not_on_the_list(marker, target):
    module, name = target.split()
    data = f"c{module}\n{name}\n(S'x'\ntR.".encode()
    refused(data, UNSAFE_GLOBAL, f"{module}.{name}")


def test_functools_partial_only_of_check_array_as_scikit_learn_writes_it(marker):
    # The one partial scikit-learn keeps (test_artifact_redteam14); any other is refused.
    refused(b"cfunctools\npartial\n(S'x'\ntR.", UNRESOLVED,
            "functools.partial of other than scikit-learn's check_array or a score function")
    refused(b"cfunctools\npartial\n(cposix\nsystem\ntR.", UNSAFE_GLOBAL, "posix.system")


def test_stack_global_with_memoized_strings_is_still_resolved(marker):
    # PROTO 4, 'posix' memoized, 'system' memoized, both fetched back through BINGET.
    data = (b"\x80\x04\x8c\x05posix\x94\x8c\x06system\x94h\x00h\x01\x93\x8c\x01x\x85R.")
    refused(data, UNSAFE_GLOBAL, "posix.system")


def test_stack_global_with_a_computed_operand(marker):
    # builtins.str('posix') is allowed, but its *result* is not a constant string.
    data = (b"\x80\x04\x8c\x08builtins\x8c\x03str\x93\x8c\x05posix\x85R"
            b"\x8c\x06system\x93\x8c\x01x\x85R.")
    refused(data, UNRESOLVED, "not constant strings")


def test_calling_a_computed_value(marker):
    # numpy.dtype('f8') is allowed; calling the dtype it returns is not knowable.
    data = b"cnumpy\ndtype\n(S'f8'\ntR(S'x'\ntR."
    refused(data, UNRESOLVED, "computed value")


def test_build_on_a_class_sets_attributes_on_it(marker):
    data = b"cnumpy\nndarray\n(dS'x'\nI1\nsb."
    refused(data, UNRESOLVED, "BUILD on a class")


def test_undefined_memo_key(marker):
    refused(b"\x80\x02h\x07.", UNRESOLVED, "memo key")


@pytest.mark.parametrize("data, words", [
    (b"\x80\x02\x82\x01.", "extension codes"),
    (b"\x80\x02K\x01Q.", "persistent ids"),
    (b"P1\n.", "persistent ids"),
    (b"\x80\x05\x97.", "out-of-band"),
])
def test_extension_codes_persistent_ids_and_buffers(marker, data, words):
    refused(data, UNRESOLVED, words)


def test_class_from_main_has_its_own_code(marker):
    data = b"\x80\x04\x8c\x08__main__\x8c\x0bMyTransform\x93)\x81."
    refused(data, MAIN_CLASS, "script or notebook")


def test_a_second_pickle_after_stop(marker):
    benign = pickle.dumps({"coef": [1.0, 2.0]}, protocol=4)
    evil = pickle.dumps(Reduce(os.system, touch(marker)), protocol=4)
    refused(benign + evil, MALFORMED, "data after the end")


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_truncated_streams(marker, cut):
    data = pickle.dumps(np.arange(10), protocol=4)
    refused(data[:-cut], MALFORMED)


def test_frames_that_do_not_add_up(marker):
    data = bytearray(pickle.dumps({"a": "b" * 10}, protocol=4))
    assert data[2] == 0x95  # FRAME
    data[3] += 7
    refused(bytes(data), MALFORMED)


def test_payload_in_an_object_array_inside_joblib(marker):
    import joblib

    array = np.empty(2, dtype=object)
    array[0], array[1] = "fine", Reduce(os.system, touch(marker))
    buffer = io.BytesIO()
    joblib.dump({"weights": np.arange(5.0), "meta": array}, buffer)
    refused(buffer.getvalue(), UNSAFE_GLOBAL, "posix.system")


@pytest.mark.parametrize("compress", ["zlib", "gzip", "bz2", "lzma", "xz", "lz4"])
def test_payload_behind_every_joblib_compression(marker, compress):
    import joblib

    buffer = io.BytesIO()
    joblib.dump([np.arange(3.0), Reduce(os.system, touch(marker))], buffer,
                compress=(compress, 3))
    refused(buffer.getvalue(), UNSAFE_GLOBAL, "posix.system")


def test_joblib_array_that_claims_more_than_the_file(marker):
    import joblib

    buffer = io.BytesIO()
    joblib.dump(np.arange(1000.0), buffer)
    data = buffer.getvalue()
    refused(data[:-100], MALFORMED, "past the end")


def test_payload_hidden_after_a_joblib_array(marker):
    import joblib

    buffer = io.BytesIO()
    joblib.dump(np.arange(4.0), buffer)
    evil = pickle.dumps(Reduce(os.system, touch(marker)), protocol=4)
    refused(buffer.getvalue() + evil, MALFORMED, "data after the end")


def test_wrong_extension_does_not_matter(marker, tmp_path):
    evil = zlib.compress(pickle.dumps(Reduce(os.system, touch(marker)), protocol=2))
    assert detect(evil) == "zlib"
    refused(evil, UNSAFE_GLOBAL)


def _seeds() -> list[bytes]:
    import joblib
    from sklearn.tree import DecisionTreeClassifier

    X = np.arange(20.0).reshape(10, 2)
    model = DecisionTreeClassifier(max_depth=2).fit(X, [0, 1] * 5)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    return [buffer.getvalue(), pickle.dumps(model, protocol=2),
            pickle.dumps(model, protocol=5)]


SEEDS = _seeds()


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), edits=st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 255), st.sampled_from(["set", "cut",
                                                                             "insert"])),
    min_size=1, max_size=6))
def test_mutated_artifacts_never_crash_the_scan(seed, edits):
    data = bytearray(seed)
    for at, value, how in edits:
        at %= max(len(data), 1)
        if how == "set" and data:
            data[at] = value
        elif how == "cut":
            del data[at:]
        else:
            data.insert(at, value)
    # Every global allowed, so the walk goes as deep as the mutation lets it: refusals are
    # fine, exceptions are not.
    verdict = scan_pickle(bytes(data), lambda module, name: True)
    assert verdict.safe or verdict.refusals[0].code.startswith("MLG3")
