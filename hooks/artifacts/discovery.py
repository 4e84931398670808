"""Which files are model artifacts: by name, and, whatever the name, by their first bytes.

A model saved as `pipeline_v1.bin` or `model.dat.gz` is as much an artifact as
`model.joblib`; a check that only knew extensions would call such a project clean without
having looked at its model. So a file git lists is an artifact when its extension is one
of `EXTENSIONS`, or, whatever its name, when its first bytes are what pickle.load or
joblib.load would read and act on: a pickle (PROTO 2 and later; or a protocol 0/1 stream
that parses to STOP, extra values on its stack or not, or that imports and calls before
its first error), a compressed pickle (gzip, zlib, bz2, xz, lzma, lz4, and joblib < 0.10's
"ZF" container; the decompressed prefix must read as a pickle, so a `.csv.gz` is not one),
a `.npy` file, or a zip whose members are `.npy` files (`.npz`) or a skops tree. A red-team
round got four payloads past a stricter sniff (a protocol 0 pickle with an extra value on
its stack, one past the sniff's read limit, zlib around protocol 0, "ZF" without "0x") and
a real writer's file (lz4): the rule is now "anything the loaders read".

Standard library only (lz4's when installed), and a few KB read per file unless its first
bytes are a pickle's or a compressor's: this runs on every file of the project when no
files are named.
"""

from __future__ import annotations

import os
import pickletools
import re

from mlgate.artifacts.container import XGBOOST_JSON, XGBOOST_UBJ

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

# The one list of artifact extensions (the hook's `files` filter mirrors it).
EXTENSIONS = (".pkl", ".pickle", ".joblib", ".jbl", ".sav", ".pkl.gz", ".pkl.z",
              ".joblib.gz", ".joblib.z", ".joblib.xz", ".joblib.bz2", ".joblib.lzma",
              ".joblib.lz4", ".npy", ".npz", ".skops")
# Artifacts that can be a model the schema and latency checks exercise (not bare arrays).
MODEL_EXTENSIONS = tuple(e for e in EXTENSIONS if e not in (".npy", ".npz"))

_HEAD = 4096
# What may follow PROTO: any opcode, not only the ones picklers write first (FRAME, a
# value's first opcode): pickle.load and joblib.load read `\x80\x02V...` as well, so a
# file crafted so would escape being checked.
_AFTER_PROTO = frozenset(ord(op.code) for op in pickletools.opcodes)


def is_pickle_head(head: bytes) -> bool:
    """PROTO 2-5 followed by an opcode a pickler writes next."""
    return len(head) >= 3 and head[0] == 0x80 and 2 <= head[1] <= 5 and head[2] in _AFTER_PROTO


def _decompressed(data: bytes) -> tuple[bytes, bool] | None:
    """(up to _PARSE_LIMIT bytes of the stream `data` starts, whether that is all of it), for
    the compressions joblib writes (and reads back whatever the name); None when `data`
    starts none. lz4 without its library: (b"", False), still a candidate (the check then says
    it cannot read it: checked, not skipped)."""
    import bz2
    import lzma
    import zlib

    engine: Any
    if data[:2] == b"\x1f\x8b":
        engine = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif data[:1] == b"\x78" and len(data) > 1 and (data[0] * 256 + data[1]) % 31 == 0:
        engine = zlib.decompressobj()
    elif data[:3] == b"BZh":
        engine = bz2.BZ2Decompressor()
    elif data[:6] == b"\xfd7zXZ\x00" or data[:3] == b"\x5d\x00\x00":
        engine = lzma.LZMADecompressor()
    elif data[:4] == b"\x04\x22\x4d\x18":
        try:
            import lz4.frame
        except ImportError:
            return b"", False
        engine = lz4.frame.LZ4FrameDecompressor()
    else:
        return None
    try:
        out = engine.decompress(data, _PARSE_LIMIT)
    except Exception:  # each library has its own error type: not such a stream
        return None
    return out, bool(getattr(engine, "eof", False))


def _zf_stream(head: bytes) -> bytes | None:
    """joblib < 0.10's container: "ZF", a hex length in 19 bytes (joblib reads it with
    int(..., 16): with or without "0x"), an optional space, then zlib."""
    if not head.startswith(b"ZF"):
        return None
    try:
        int(head[2:21].decode("ascii"), 16)
    except (UnicodeDecodeError, ValueError):
        return None
    return head[22:] if head[21:22] == b" " else head[21:]


def _zip_kind(path: str) -> str | None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
        return None
    if "schema.json" in names:
        return "skops"
    if names and all(n.endswith(".npy") for n in names):
        return "npz"
    return None


def sniff(path: str) -> str | None:
    """The artifact kind a file's first bytes show ('pickle', 'compressed', 'npy', 'npz',
    'skops', 'xgboost'), or None; never raises for an unreadable file.

    What pickle.load or joblib.load would read and act on is an artifact, whatever its
    name: a file that escaped this would never be checked."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD)
    except OSError:
        return None
    if is_pickle_head(head):
        return "pickle"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith((XGBOOST_JSON, XGBOOST_UBJ)):
        return "xgboost"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    zf = _zf_stream(head)
    if zf is not None or _decompressed(head) is not None:
        data = _read(path, _PARSE_LIMIT)
        stream = _zf_stream(data) if zf is not None else data
        inner = _decompressed(stream) if stream else None
        if inner is not None:
            text, whole = inner
            if (not text and not whole) or is_pickle_head(text) or (
                    text[:1] and text[0] in _AFTER_PROTO and _reads_as_pickle(text, whole)):
                return "compressed"
    if head[:1] and head[0] in _AFTER_PROTO:
        data = _read(path, _PARSE_LIMIT)
        if _reads_as_pickle(data, len(data) < _PARSE_LIMIT):
            return "pickle"  # protocol 0 or 1: no header
    return None


_PARSE_LIMIT = 2**20


def _read(path: str, limit: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(limit)
    except OSError:
        return b""


def _reads_as_pickle(data: bytes, whole: bool) -> bool:
    """Would pickle.load read `data` as a protocol 0/1 pickle and act on it? Asked of
    pickle's own (pure-Python) unpickler, reading the way the real ones do (a memo key
    written twice, values left on the stack), with a class lookup that imports nothing:
    every plain dotted name it asks for is a stand-in that records being called. Yes when
    it reads to a STOP; when `data`, a prefix of a larger file, reads well to its end; or
    when, before the first error, the stream looked a name up and called something
    (pickle.load runs that call before it fails). Text that merely starts with an opcode's
    character fails within a few bytes. Nothing runs: no name resolves to anything real,
    persistent ids and extension codes fail, and the memo is a dict (no key sizes it)."""
    import io
    import pickle

    called = []

    class StandIn:
        def __new__(cls, *args, **kwargs):
            called.append(True)
            return object.__new__(cls)

        def __init__(self, *args, **kwargs) -> None:
            called.append(True)

        def __call__(self, *args, **kwargs):
            called.append(True)
            return object.__new__(StandIn)

        def __setstate__(self, state) -> None:
            called.append(True)

    class Sniffer(pickle._Unpickler):  # pickle's own reader, in Python
        def find_class(self, module: str, name: str):
            if not (_DOTTED.match(module) and _DOTTED.match(name)):
                raise pickle.UnpicklingError("not a name any finder knows")
            return type("StandIn", (StandIn,), {})

        def persistent_load(self, pid):
            raise pickle.UnpicklingError("no persistent ids")

    reader = Sniffer(io.BytesIO(data))
    try:
        reader.load()
        # a whole file is the pickle (text that happens to start "N." is not one); a prefix
        # read to a STOP is a pickle, whatever follows it
        return bool(called) or not whole or not data[_position(reader):].strip()
    except Exception as exc:  # the first byte pickle.load could not read, or a stand-in's
        if called:
            return True
        text = str(exc)
        exhausted = isinstance(exc, EOFError) or "ran out of input" in text or (
            "truncated" in text) or "pickle data was truncated" in text
        return not whole and exhausted and len(data) - _position(reader) < 1 << 16


def _position(reader) -> int:
    try:
        return reader._unframer.file_read.__self__.tell()
    except Exception:
        return 0


_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def is_lfs_pointer(path: str) -> bool:
    """A Git LFS pointer stands where the artifact will be after `git lfs pull`."""
    try:
        with open(path, "rb") as handle:
            return handle.read(40).startswith(b"version https://git-lfs.github.com/spec/")
    except OSError:
        return False


def named_as_artifact(path: str) -> bool:
    return path.lower().endswith(EXTENSIONS)


def artifacts_among(paths: list[str]) -> list[str]:
    """The artifacts among `paths` (relative to the cwd), by name or by content."""
    found = []
    for path in paths:
        if named_as_artifact(path):
            if os.path.lexists(path) and not os.path.isdir(path):
                found.append(path)
        elif os.path.isfile(path) and not os.path.islink(path) and sniff(path):
            found.append(path)
    return found


def find_artifacts(folder: str = ".") -> list[str]:
    """Every artifact git lists under `folder` (tracked, or untracked and not ignored),
    virtualenv and conda folders left out; a walk when `folder` is not in a repository."""
    from mlgate.files import _git_files, _walk

    listed = _git_files(folder)
    return artifacts_among(listed if listed is not None else _walk(folder))
