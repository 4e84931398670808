"""Red-team round 2 against `mlgate artifact`, after the 17 fixes of tests/test_pickle_redteam.py.

Every payload is harmless: it creates a marker file under the test's tmp_path, imports a
standard-library codec module, or crashes a throw-away subprocess (memory corruption that a
real attacker would shape into code execution). Two kinds of test:

- former BYPASS (`@bypass`): the file, repository layout or cache state got through (exit 0,
  or the static scan passed) and the test demonstrated the payload. All 18 are refused now;
  if one gets through again, the test demonstrates the payload and fails with `Bypass`.
- REFUSED: attempts that are refused (or where nothing runs); they must stay that way.

Layer-2 attacks (the load subprocess imports attacker code) run mlgate for real in a
temporary git repository; the other attacks stop at the static scan, whose verdict is what
decides (and all that runs with `--no-load` or `load = false`).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib

import numpy as np
import pytest
from test_pickle_redteam import (
    ALLOW,
    APPENDS,
    BUILD,
    EMPTY_LIST,
    FALSE,
    MARK,
    NONE,
    POP,
    PROTO2,
    SETITEM,
    STOP,
    TRUE,
    WRAPPER,
    WRAPPER_CLASS,
    Bypass,
    call,
    dtype,
    evil,
    g,
    i4,
    mapping,
    raw,
    refused,
    tup,
    u,
    verdict_of,
    wrapper_state,
)

from mlgate.artifacts.numpy_files import scan_npy, scan_npz
from mlgate.cli import main

# numpy 2 pickles its reconstructors as numpy._core.*, numpy 1.x as numpy.core.*.
CORE = "numpy._core" if int(np.__version__.split(".")[0]) >= 2 else "numpy.core"
MEMOIZE = b"\x94"  # an opcode byte (148) that does nothing harmful: joblib padding length


def bypass(reason: str):
    """A bypass this review found (2026-11-26), refused since: the test fails with Bypass
    if the payload ever gets through again. `reason` says how it worked."""

    def mark(test):
        test.bypass_reason = reason
        return test

    return mark


# --------------------------------------------------------------------------- harness
@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "PWNED"
    yield path
    assert not path.exists(), "a payload ran"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q"], check=True)
    return tmp_path


def mlgate(capsys, *args: str, python: str = sys.executable) -> int:
    """`mlgate artifact --python PY ARGS` in the current folder; its exit code."""
    code = main(["artifact", "--python", python, *args])
    capsys.readouterr()
    return code


def ran(marker) -> bool:
    """Whether the payload ran; the marker is removed so the fixture's check stays quiet."""
    if marker.exists():
        marker.unlink()
        return True
    return False


class Exec:
    """Pickles as exec(<create the marker>)."""

    def __init__(self, marker) -> None:
        self.code = f"open({str(marker)!r}, 'w').close()"

    def __reduce__(self):
        return exec, (self.code,)


def object_npy(marker) -> bytes:
    """An .npy object array whose pickle runs the payload (numpy.load(allow_pickle=True))."""
    array = np.empty(1, dtype=object)
    array[0] = Exec(marker)
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def npy(header: str, body: bytes) -> bytes:
    """A version 1.0 .npy file with this header text."""
    text = header.encode("latin1")
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + body


def _no_core_dumps() -> None:  # pragma: no cover - runs in the child
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass


LOADERS = {
    "pickle": "import pickle, sys; pickle.load(open(sys.argv[1], 'rb'))",
    "joblib": "import joblib, sys; joblib.load(sys.argv[1])",
}


def crashes(data: bytes, tmp_path, how: str = "pickle") -> bool:
    """Load in a throw-away interpreter; True when it dies of a signal (memory corruption)."""
    path = tmp_path / "victim.bin"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", LOADERS[how], str(path)],
                          capture_output=True, timeout=120, preexec_fn=_no_core_dumps)
    return done.returncode < 0


def scan_passes_then_crashes(data: bytes, tmp_path, how: str = "pickle") -> None:
    verdict = verdict_of(data)
    if verdict.safe and crashes(data, tmp_path, how):
        raise Bypass(f"the scan passed it and {how}.load crashed on forged memory")
    assert not verdict.safe, "the scan passed it (and nothing crashed)"


def str_key(name: str) -> bytes:
    """A dict key the scanner cannot read: builtins.str(name), equal to name at load."""
    return call(g("builtins", "str"), u(name))


def reconstruct() -> bytes:
    """ndarray reconstructor, as numpy pickles an array: _reconstruct(ndarray, (0,), b'b')."""
    return call(g(f"{CORE}.multiarray", "_reconstruct"), g("numpy", "ndarray"), tup(i4(0)),
                b"C\x01b")


def structured(code: str, fields: list[tuple[str, bytes, int]], itemsize: int,
               flags: bytes) -> bytes:
    """numpy.dtype(code) rebuilt with fields {name: (dtype, offset)} as numpy pickles it."""
    names = tup(*(u(name) for name, _, _ in fields))
    table = mapping(*((u(name), tup(dt, i4(offset))) for name, dt, offset in fields))
    return dtype(code) + tup(i4(3), u("|"), NONE, names, table, i4(itemsize), i4(1),
                             flags) + BUILD


# ==================================================================== BYPASSES: files
@bypass("scan_npz reports a zip none of whose members ends in .npy as MLG304 *warning*"
        " (exit 0); numpy.load still hands out a member by name and unpickles it when it"
        " starts with the .npy magic")
def test_npz_whose_members_lack_the_npy_suffix_is_only_a_warning(repo, capsys, marker):
    with zipfile.ZipFile(repo / "weights.npz", "w") as archive:
        archive.writestr("weights", object_npy(marker))
    code = mlgate(capsys, "weights.npz")
    if code == 0:
        np.load(repo / "weights.npz", allow_pickle=True)["weights"]
        if ran(marker):
            raise Bypass("mlgate exited 0 and numpy.load(allow_pickle=True) ran the payload")
    assert code != 0


@bypass("any zip holding schema.json is taken for a .skops file: skops loads what the schema"
        " names and the npz scan never runs, so an extra object .npy member is unpickled by"
        " numpy.load(allow_pickle=True)")
def test_zip_with_a_skops_schema_skips_the_npz_scan(repo, capsys, marker, tmp_path_factory):
    sio = pytest.importorskip("skops.io")
    plain = tmp_path_factory.mktemp("skops") / "plain.skops"
    sio.dump([1.0, 2.0], plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(repo / "weights.npz", "w") as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        out.writestr("coef.npy", object_npy(marker))
    code = mlgate(capsys, "weights.npz")
    if code == 0:
        np.load(repo / "weights.npz", allow_pickle=True)["coef"]
        if ran(marker):
            raise Bypass("mlgate exited 0 (loaded through skops) and numpy.load ran the payload")
    assert code != 0


def _empty_array_then_opcodes(marker) -> bytes:
    """A zero-length joblib array with alignment: joblib (and the scanner) skip the padding,
    pickle.load runs it, since the padding byte itself is MEMOIZE and the 148 bytes after it
    are the payload."""
    body = MEMOIZE + evil(marker) + POP
    rest = 149 - len(body)
    assert rest >= 3
    padding = body + b"C" + bytes([rest - 3]) + bytes(rest - 3) + POP  # SHORT_BINBYTES, POP
    assert len(padding) == 149 and padding[0] == 148
    return PROTO2 + WRAPPER + wrapper_state(0, alignment=i4(16)) + BUILD + padding + STOP


@bypass("the 'padding byte is an opcode' check runs only for non-empty arrays: with shape"
        " (0,) the padding length byte may be an opcode, and pickle.load runs the padding"
        " that joblib and the scanner skip")
def test_empty_joblib_array_whose_padding_is_opcodes(repo, capsys, marker):
    (repo / "model.pkl").write_bytes(_empty_array_then_opcodes(marker))
    code = mlgate(capsys, "model.pkl")  # layer 2 loads it with joblib: an empty array
    if code == 0:
        with open(repo / "model.pkl", "rb") as handle:
            pickle.load(handle)
        if ran(marker):
            raise Bypass("mlgate exited 0 and pickle.load ran the padding")
    assert code != 0


# ================================================================ BYPASSES: layer 2
def _missing_optional_modules() -> list[str]:
    """Top-level modules that `import joblib.numpy_pickle` tries and does not find here
    (optional dependencies: loky's psutil, ...): the probe's load looks for them on the
    import roots, the repository included."""
    code = textwrap.dedent("""
        import sys
        missed = []
        class Log:
            def find_spec(self, name, path, target=None):
                if path is None:
                    missed.append(name)
        sys.meta_path.append(Log())
        import joblib.numpy_pickle
        print(" ".join(missed))
    """)
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    platform = {"msvcrt", "winreg", "nt", "org"}
    names = [n for n in done.stdout.split() if not n.startswith("_") and n not in platform]
    return list(dict.fromkeys(names))


@bypass("the load subprocess appends the repository to sys.path before importing joblib,"
        " numpy, scikit-learn and their optional dependencies: a committed psutil.py (or"
        " pytz.py, bottleneck.py, ...) runs during mlgate's own load of a harmless model")
def test_layer2_imports_optional_dependencies_from_the_repository(repo, capsys, marker):
    import joblib

    names = _missing_optional_modules()
    if not names:
        pytest.skip("every optional dependency joblib tries is installed here")
    for name in names:
        (repo / f"{name}.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    joblib.dump(np.arange(3.0), repo / "model.joblib")
    code = mlgate(capsys, "model.joblib")
    if ran(marker):
        raise Bypass(f"mlgate (exit {code}) imported {'/'.join(names)} from the repository")
    assert code == 0


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """A project environment with nothing installed (no joblib, no skops)."""
    folder = tmp_path_factory.mktemp("bare") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    return str(folder / "bin" / "python")


FAKE_LOADERS = {
    "skops": ("model.skops", {
        "skops/io.py": "def get_untrusted_types(**_):\n    return []\n\n\n"
                       "def load(*_, **__):\n    return [1]\n",
    }),
    "joblib": ("model.joblib", {
        "joblib/numpy_pickle.py": "import pickle\nimport zlib\n\n\nclass NumpyUnpickler:\n"
                                  "    pass\n\n\ndef load(f):\n"
                                  "    return pickle.loads(zlib.decompress(f.read()))\n",
    }),
}


@pytest.mark.parametrize("loader", sorted(FAKE_LOADERS))
@bypass("the probe imports skops.io / joblib.numpy_pickle itself, after appending the"
        " repository to sys.path and without the 'shadowed' check find_class applies: where"
        " the project's environment lacks the package, a committed one runs")
def test_layer2_imports_its_loader_from_the_repository(repo, capsys, marker, bare_python,
                                                       loader):
    name, files = FAKE_LOADERS[loader]
    (repo / loader).mkdir()
    (repo / loader / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    for path, source in files.items():
        (repo / path).write_text(source)
    if loader == "skops":
        with zipfile.ZipFile(repo / name, "w") as archive:
            archive.writestr("schema.json", "{}")
    else:
        (repo / name).write_bytes(zlib.compress(pickle.dumps([1, 2, 3], protocol=2)))
    code = mlgate(capsys, name, python=bare_python)
    if ran(marker):
        raise Bypass(f"mlgate (exit {code}) imported the repository's {loader} package")
    assert code != 0


RUNTIME_BINDING = '''
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    class Runner:  # what a type checker sees
        def __call__(self, code: str) -> None: ...
else:
    Runner = exec  # what the module holds at run time
'''


@bypass("trust-modules reads the classes a module *defines* with ast, visiting both branches"
        " of `if TYPE_CHECKING:` (and try/except): a class that exists only for the type"
        " checker is trusted while the runtime name is a function (here exec)")
def test_trusted_module_name_bound_to_a_function_at_runtime(repo, capsys, marker):
    (repo / "proj").mkdir()
    (repo / "proj" / "__init__.py").touch()
    (repo / "proj" / "runner.py").write_text(RUNTIME_BINDING)
    (repo / "pyproject.toml").write_text(
        '[tool.mlgate.artifact]\ntrust-modules = ["proj.runner"]\n')
    code_text = f"open({str(marker)!r}, 'w').close()"
    (repo / "model.pkl").write_bytes(PROTO2 + call(g("proj.runner", "Runner"), u(code_text))
                                     + STOP)
    code = mlgate(capsys, "model.pkl")
    if ran(marker):
        raise Bypass(f"mlgate's load (exit {code}) called proj.runner.Runner, which is exec")
    assert code != 0


@bypass("the hash cache is keyed by (size, mtime_ns, inode) without ctime: a rewrite in place"
        " that restores the mtime (cp -p, rsync --inplace -t, tar/unzip of an archive whose"
        " mtimes the attacker chose) answers with the cached verdict of the old content")
def test_cache_answers_for_a_rewrite_that_keeps_size_mtime_and_inode(repo, capsys, marker):
    benign = pickle.dumps({"coef": "x" * 400}, protocol=2)
    core = evil(marker) + STOP
    pad = len(benign) - len(core) - 8
    payload = PROTO2 + b"X" + struct.pack("<I", pad) + b"p" * pad + POP + core
    assert len(payload) == len(benign)
    path = repo / "model.pkl"
    path.write_bytes(benign)
    assert mlgate(capsys, "model.pkl") == 0
    before = os.stat(path)
    with open(path, "r+b") as handle:  # same inode, same size
        handle.write(payload)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    code = mlgate(capsys, "model.pkl")
    if code == 0:
        with open(path, "rb") as handle:
            pickle.load(handle)
        if ran(marker):
            raise Bypass("the cached verdict of the old content passed the new one")
    assert code != 0


# ============================================================ BYPASSES: static scan
@bypass("dtype's BUILD state sets the itemsize of flexible types (V, S, U); the scanner sizes"
        " a joblib array from the type code alone ('V1' = 1 byte), joblib reads"
        " shape x state-itemsize bytes and runs what the scanner took for a constant."
        " Layer 2 then refuses the payload's globals, so only `load = false` / --no-load exits"
        " 0 - but the payload is free to use any allowed global (see the crash tests)")
@pytest.mark.parametrize("code", ["V1", "S1"])
def test_flexible_dtype_itemsize_set_by_its_state(marker, tmp_path, code):
    import joblib

    hidden = evil(marker) + STOP
    size = 6 + 50  # what joblib reads: \x00, BINBYTES header, 50 bytes of X
    dt = dtype(code) + tup(i4(3), u("|"), NONE, NONE, NONE, i4(size), i4(1), i4(0)) + BUILD
    region = b"\x00" + raw(bytes(size - 6) + hidden) + POP
    data = PROTO2 + WRAPPER + wrapper_state(1, dt) + BUILD + region + STOP
    verdict = verdict_of(data)
    if verdict.safe:
        (tmp_path / "model.joblib").write_bytes(data)
        joblib.load(tmp_path / "model.joblib")
        if ran(marker):
            raise Bypass("the scan passed it and joblib.load ran the payload")
    assert not verdict.safe


@bypass("a dtype's flags are checked against its fields when *it* is built; a sub-dtype it"
        " shares (memo) can gain an object field afterwards, so the outer dtype holds objects"
        " with flags 0: the scanner reads a nested pickle where joblib copies raw bytes as"
        " PyObject pointers and then runs the rest as opcodes")
def test_shared_sub_dtype_gains_an_object_field_after_validation(tmp_path):
    inner = dtype("V8") + b"q\x07" + POP  # memoized, no fields yet
    outer = structured("V8", [("a", b"h\x07", 0)], 8, i4(0)) + b"q\x08" + POP
    mutate = b"h\x07" + tup(i4(3), u("|"), NONE, tup(u("b")),
                            mapping((u("b"), tup(dtype("O8"), i4(0)))), i4(8), i4(8),
                            i4(63)) + BUILD + POP
    region = PROTO2 + raw(b"N") + STOP  # a pickle for the scanner; 8 raw bytes for joblib
    data = (PROTO2 + inner + outer + mutate + WRAPPER + wrapper_state(1, b"h\x08") + BUILD
            + region + STOP)
    scan_passes_then_crashes(data, tmp_path, "joblib")


@bypass("only the two low dtype flag bits are checked; NPY_NEEDS_INIT (0x08) left out of an"
        " object dtype's flags makes ndarray.__setstate__ skip zeroing the new buffer, and"
        " storing each object DECREFs whatever the buffer held: here 'A's left by a freed"
        " uint8 array of the same size, which numpy's allocation cache hands out again")
def test_object_dtype_flags_without_needs_init(tmp_path):
    count = 16
    spray = (reconstruct() + tup(i4(1), tup(i4(count)), dtype("u8"), FALSE,
                                  raw(b"A" * (8 * count))) + BUILD + POP)
    dt = dtype("O8") + tup(i4(3), u("|"), NONE, NONE, NONE, i4(-1), i4(-1), i4(3)) + BUILD
    items = EMPTY_LIST + MARK + NONE * count + APPENDS
    data = (PROTO2 + spray + reconstruct() + tup(i4(1), tup(i4(count)), dt, FALSE, items)
            + BUILD + POP + NONE + STOP)
    scan_passes_then_crashes(data, tmp_path)


@bypass("field offsets and the itemsize in a dtype's BUILD state are not checked against each"
        " other: an object field past the end of its item (or wider than the item) makes"
        " ndarray.__setstate__ write PyObject pointers outside the array's buffer")
@pytest.mark.parametrize("offset, itemsize", [(8, 8), (0, 2)], ids=["offset", "itemsize"])
def test_structured_dtype_object_field_outside_its_item(tmp_path, offset, itemsize):
    dt = structured("V8", [("a", dtype("O8"), offset)], itemsize, i4(63))
    items = EMPTY_LIST + MARK + NONE * 4 + APPENDS
    data = (PROTO2 + reconstruct() + tup(i4(1), tup(i4(4)), dt, FALSE, items) + BUILD + POP
            + NONE + STOP)
    scan_passes_then_crashes(data, tmp_path)


@bypass("the INT opcode 'I011\\n' is 11 for pickletools (int()) and 9 for the C unpickler"
        " (strtol base 0: octal): dtype flags 0b1011 pass the object check, numpy gets 0b1001"
        " (no NPY_LIST_PICKLE) and reads raw bytes as object pointers - the former bypass back")
def test_int_opcode_read_as_octal_by_the_c_unpickler(tmp_path):
    assert pickle.loads(b"I011\n.") == 9
    dt = structured("V8", [("a", dtype("O8"), 0)], 8, b"I011\n")
    data = (PROTO2 + reconstruct() + tup(i4(1), tup(i4(1)), dt, FALSE, raw(b"A" * 8))
            + BUILD + POP + NONE + STOP)
    scan_passes_then_crashes(data, tmp_path)


def _interface() -> bytes:
    address = b"\x8a\x06" + (0x414141414140).to_bytes(6, "little")  # LONG1
    return mapping((u("data"), tup(address, FALSE)), (u("shape"), tup(i4(1 << 20))),
                   (u("typestr"), u("<u8")), (u("version"), i4(3)))


@bypass("only constant dunder keys are refused: SETITEM on a Bunch (whose __getattr__ reads"
        " items) or a BUILD key made by builtins.str gives an object an __array_interface__;"
        " MaskedArray(obj, copy=True) then reads memory at an attacker-chosen address")
@pytest.mark.parametrize("how", ["bunch-setitem", "computed-build-key"])
def test_array_interface_injected_without_a_constant_dunder_key(tmp_path, how):
    if how == "bunch-setitem":
        obj = call(g("sklearn.utils._bunch", "Bunch")) + u("__array_interface__") + \
            _interface() + SETITEM
    else:
        obj = call(g("sklearn.dummy", "DummyClassifier")) + mapping(
            (str_key("__array_interface__"), _interface())) + BUILD
    data = PROTO2 + call(g("numpy.ma.core", "MaskedArray"), obj, FALSE, NONE, TRUE) + STOP
    scan_passes_then_crashes(data, tmp_path)


@bypass("the _codecs.encode argument check (former bypass: the codec name imports a module)"
        " applies only to a direct call: copyreg._reconstructor(cls, base, state) calls"
        " base.__new__(cls, state) and base.__init__(obj, state), which an estimator's"
        " __dict__ shadows once a computed key ('__init__' by builtins.str) is set")
def test_codecs_encode_called_through_a_shadowed_init(marker, tmp_path):
    encode = g("_codecs", "encode")
    base = call(g("sklearn.dummy", "DummyClassifier")) + mapping(
        (str_key("__new__"), encode), (str_key("__init__"), encode)) + BUILD
    data = PROTO2 + call(g("copyreg", "_reconstructor"), raw(b"x"), base, u("uu")) + STOP
    verdict = verdict_of(data)
    if verdict.safe:
        (tmp_path / "model.pkl").write_bytes(data)
        code = ("import pickle, sys; before = 'encodings.uu_codec' in sys.modules;"
                " pickle.load(open('model.pkl', 'rb'));"
                " print(not before and 'encodings.uu_codec' in sys.modules)")
        done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        if done.stdout.strip() == "True":
            raise Bypass("the scan passed it and pickle.load imported encodings.uu_codec")
    assert not verdict.safe


# ============================================================================ REFUSED
def test_lz4_payload_split_across_two_frames(marker):
    lz4_frame = pytest.importorskip("lz4.frame")
    stream = PROTO2 + evil(marker) + STOP
    data = lz4_frame.compress(stream[:9]) + lz4_frame.compress(stream[9:])
    with lz4_frame.open(io.BytesIO(data)) as handle:  # as joblib reads it: every frame
        assert handle.read() == stream
    refused(data)


def test_npy_titled_object_field_is_scanned(marker):
    header = "{'descr': [(('a title', 'a'), '|O')], 'fortran_order': False, 'shape': (1,), }"
    body = pickle.dumps(Exec(marker), protocol=3)
    assert not scan_npy(npy(header, body), ALLOW).safe


def test_npy_object_array_holding_a_joblib_wrapper(marker):
    # numpy reads the object pickle with pickle.load: a wrapper there reads no array, so
    # the "array bytes" after it would be opcodes.
    hidden = evil(marker) + POP
    body = PROTO2 + WRAPPER + wrapper_state(len(hidden)) + BUILD + hidden + STOP
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    assert not scan_npy(npy(header, body), ALLOW).safe


def test_npz_member_that_is_a_joblib_file(marker):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.npy", PROTO2 + evil(marker) + STOP)
    assert not scan_npz(buffer.getvalue(), ALLOW).safe


@pytest.mark.parametrize("state", [
    tup(i4(3), u("|"), NONE, NONE, NONE, i4(8), i4(1), i4(0), mapping()),  # + metadata
    tup(i4(2), u("|"), NONE, NONE, NONE, i4(8), i4(1), i4(0)),  # numpy recomputes flags
], ids=["metadata", "version-2"])
def test_dtype_state_that_is_not_the_8_tuple_numpy_writes(marker, state):
    dt = dtype("V8") + state + BUILD
    refused(PROTO2 + WRAPPER + wrapper_state(1, dt) + BUILD + b"\x00" + evil(marker) + POP
            + STOP)


@pytest.mark.parametrize("kind", ["subarray", "titled-field", "nested-field"])
def test_object_dtype_hidden_from_the_flags(marker, kind):
    # Flags 0 on a dtype holding objects: numpy would read raw bytes as pointers.
    if kind == "subarray":
        dt = dtype("V16") + tup(i4(3), u("|"), tup(dtype("O8"), tup(i4(2))), NONE, NONE,
                                i4(16), i4(8), i4(0)) + BUILD
    elif kind == "titled-field":
        dt = dtype("V8") + tup(i4(3), u("|"), NONE, tup(u("a")), mapping(
            (u("a"), tup(dtype("O8"), i4(0), u("title")))), i4(8), i4(1), i4(0)) + BUILD
    else:
        inner = structured("V8", [("b", dtype("O8"), 0)], 8, i4(63))
        dt = structured("V8", [("a", inner, 0)], 8, i4(0))
    data = (PROTO2 + reconstruct() + tup(i4(1), tup(i4(1)), dt, FALSE, raw(b"A" * 16))
            + BUILD + STOP)
    refused(data)


def test_wrapper_alignment_that_is_a_bool(marker):
    # False is not None for joblib, which then reads a padding byte the scanner might not.
    state = wrapper_state(1, alignment=FALSE)
    refused(PROTO2 + WRAPPER + state + BUILD + b"\x04" + raw(evil(marker) + STOP) + POP + STOP)


def test_opcode_padding_byte_before_a_non_empty_array(marker):
    body = MEMOIZE + evil(marker) + POP
    padding = body + bytes(149 - len(body))
    data = PROTO2 + WRAPPER + wrapper_state(1, alignment=i4(0)) + BUILD + padding + b"\x00"
    refused(data + STOP)


@pytest.mark.parametrize("factory", [
    call(g("numpy.random._pickle", "__bit_generator_ctor"), WRAPPER_CLASS),
    call(g("collections", "defaultdict"), WRAPPER_CLASS),
    call(g("numpy.ma.core", "_mareconstruct"), WRAPPER_CLASS, g("numpy", "ndarray"),
         tup(i4(0)), b"C\x01b"),
], ids=["bit_generator_ctor", "defaultdict", "mareconstruct"])
def test_wrapper_class_handed_to_a_factory(marker, factory):
    tail = wrapper_state(5) + BUILD + raw(evil(marker) + STOP) + POP + STOP
    refused(PROTO2 + factory + tail)


@bypass("(numpy < 2 that still unpickles object scalars, e.g. 1.26) multiarray.scalar("
        "dtype('O'), obj) returns obj itself, so a wrapper *instance* passed through it was"
        " BUILT as an unknown object by the scanner and read as an array by joblib")
def test_wrapper_instance_returned_by_numpy_scalar(marker, tmp_path):
    import joblib

    same = call(g(f"{CORE}.multiarray", "scalar"), dtype("O8"), WRAPPER)
    data = PROTO2 + same + wrapper_state(5) + BUILD + raw(evil(marker) + STOP) + POP + STOP
    if verdict_of(data).safe:
        (tmp_path / "model.joblib").write_bytes(data)
        with contextlib.suppress(Exception):  # numpy 2.x: "Cannot unpickle a scalar ..."
            joblib.load(tmp_path / "model.joblib")
        if ran(marker):
            raise Bypass("the scan passed it and joblib.load ran the payload")


@pytest.mark.parametrize("module", ["numpy.core", "numpy._core"])
def test_ufunc_reconstruct_import_gadget_is_not_allowed(marker, module):
    # numpy's _ufunc_reconstruct(module, name) is __import__ + getattr.
    refused(PROTO2 + call(g(module, "_ufunc_reconstruct"), u("os"), u("system")) + STOP)


def test_pyx_unpickle_with_a_foreign_type_or_a_wrong_checksum(marker):
    from mlgate.artifacts.allowlist import sklearn_classes

    pairs = sorted(p for p in sklearn_classes() if p[1].startswith("__pyx_unpickle_"))
    if not pairs:
        pytest.skip("this scikit-learn pickles no class through Cython's reconstructor")
    module, name = pairs[0]
    for args in ((g("builtins", "object"), i4(0), NONE),  # not a subtype: TypeError
                 (g(module, name[len("__pyx_unpickle_"):]), i4(1), NONE)):  # bad checksum
        data = PROTO2 + call(g(module, name), *args) + STOP
        if verdict_of(data).safe:
            with pytest.raises(Exception):  # noqa: B017 - any refusal of numpy/Cython is fine
                pickle.loads(data)
    refused(PROTO2 + call(g(module, name), g("builtins", "object"), i4(0), evil(marker))
            + STOP)


def test_bunch_extend_gadget_still_needs_an_allowed_callable(marker):
    # APPENDS on a Bunch calls bunch.extend, which Bunch.__getattr__ answers from its items.
    bunch = call(g("sklearn.utils._bunch", "Bunch")) + u("extend") + g("builtins", "exec") \
        + SETITEM
    code = f"open({str(marker)!r}, 'w').close()"
    refused(PROTO2 + bunch + MARK + u(code) + APPENDS + STOP)


def test_class_switched_to_the_wrapper_through_a_computed_slot_key(marker):
    obj = call(g("sklearn.dummy", "DummyClassifier"))
    state = tup(NONE, mapping((str_key("__class__"), WRAPPER_CLASS)))
    tail = wrapper_state(5) + BUILD + raw(evil(marker) + STOP) + POP + STOP
    refused(PROTO2 + obj + state + BUILD + tail)


@pytest.mark.parametrize("route", [
    call(g("copyreg", "_reconstructor"), g("builtins", "object"), g("builtins", "getattr"),
         NONE),
    call(g("numpy.random._pickle", "__generator_ctor"), u("system"), g("builtins", "getattr")),
    call(g("collections", "defaultdict"), g("operator", "attrgetter")),
], ids=["reconstructor-base", "generator-ctor", "defaultdict-factory"])
def test_getattr_is_not_reachable_through_allowed_callables(marker, route):
    refused(PROTO2 + route + STOP)


def test_lfs_pointer_prefix_hides_nothing(tmp_path, marker):
    # MLG304 is only a warning for an LFS pointer, but a file that starts with the pointer
    # line is no pickle, joblib or numpy file for any loader.
    import joblib

    from mlgate.artifacts.container import LFS_POINTER

    data = LFS_POINTER + b"\n" + PROTO2 + evil(marker) + STOP
    path = tmp_path / "model.pkl"
    path.write_bytes(data)
    for load in (lambda: pickle.loads(data), lambda: joblib.load(path),
                 lambda: np.load(path, allow_pickle=True)):
        with pytest.raises(Exception):  # noqa: B017 - each loader has its own error
            load()


def test_file_rewritten_between_the_scan_and_the_load(repo, capsys, marker, monkeypatch):
    import mlgate.probe

    (repo / "model.pkl").write_bytes(pickle.dumps([1, 2, 3], protocol=2))
    real = mlgate.probe.PendingProbe

    class Racing(real):
        def __init__(self, python, command, *args, **kwargs) -> None:
            if kwargs.get("prepare"):  # the probe must read the file itself, in the load
                kwargs["prepare"] = {**kwargs["prepare"], "path": str(repo / "elsewhere")}
            super().__init__(python, command, *args, **kwargs)

        def send(self, payload) -> None:  # after the scan, before the load reads the file
            (repo / "model.pkl").write_bytes(PROTO2 + evil(marker) + STOP)
            super().send(payload)

    monkeypatch.setattr(mlgate.probe, "PendingProbe", Racing)
    code = main(["artifact", "--format", "json", "--python", sys.executable, "model.pkl"])
    out = capsys.readouterr().out
    assert code == 1 and "changed between the scan and the load" in out


def test_early_probe_holds_other_bytes_than_were_scanned(repo, capsys, marker, monkeypatch):
    """The probe starts before mlgate hashes the file and reads it on its own; here it reads
    the evil bytes while mlgate hashed and scanned benign ones: it must refuse to load."""
    import hashlib

    from mlgate.artifacts.cache import Cache

    benign = pickle.dumps([1, 2, 3], protocol=2)
    (repo / "model.pkl").write_bytes(PROTO2 + evil(marker) + STOP)
    monkeypatch.setattr(Cache, "sha256_and_data",
                        lambda self, path: (hashlib.sha256(benign).hexdigest(), benign))
    code = main(["artifact", "--format", "json", "--no-cache", "--python", sys.executable,
                 "model.pkl"])
    out = capsys.readouterr().out
    assert code == 1 and "changed between the scan and the load" in out
