"""Which files are model artifacts: by name, and, whatever the name, by their first bytes.

A model saved as `pipeline_v1.bin` or `model.dat.gz` is as much an artifact as
`model.joblib`; a check that only knew extensions would call such a project clean without
having looked at its model. So a file git lists is an artifact when its extension is one
of `EXTENSIONS`, or, whatever its name, when its first bytes are a pickle (PROTO 2 and
later, as joblib and every modern pickler write; or a protocol 0/1 stream that parses to
STOP), a compressed pickle (gzip, zlib, bz2, xz; the decompressed prefix must be a pickle,
so a `.csv.gz` is not one), a `.npy` file, or a zip whose members are `.npy` files (`.npz`)
or a skops tree.

Standard library only, and no more than a few KB read per file: this runs on every file of
the project when no files are named.
"""

from __future__ import annotations

import os
import pickletools

from mlgate.artifacts.container import XGBOOST_JSON, XGBOOST_UBJ

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


def _decompressed_head(head: bytes) -> bytes:
    import bz2
    import lzma
    import zlib

    try:
        if head[:2] == b"\x1f\x8b":
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
        if head[:1] == b"\x78":
            return zlib.decompressobj().decompress(head, 16)
        if head[:3] == b"BZh":
            return bz2.BZ2Decompressor().decompress(head, 16)
        if head[:6] == b"\xfd7zXZ\x00" or head[:3] == b"\x5d\x00\x00":
            return lzma.LZMADecompressor().decompress(head, 16)
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
        return b""
    return b""


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
    'skops', 'xgboost'), or None; never raises for an unreadable file."""
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
    if is_pickle_head(_decompressed_head(head)):
        return "compressed"
    if head.startswith(b"ZF0x") and is_pickle_head(_decompressed_head(head[18:])):
        return "compressed"  # joblib before 0.10: "ZF" and a length, then zlib
    if head[:1] and head[0] in _AFTER_PROTO and _parses_to_stop(path):
        return "pickle"  # protocol 0 or 1: no header, but a whole pickle stream
    return None


_PARSE_LIMIT = 2**20


def _parses_to_stop(path: str) -> bool:
    """A protocol 0/1 pickle has no header: the file is one when pickletools' disassembler,
    which keeps the unpickler's stack, marks and memo (and executes nothing), reads it to a
    STOP that leaves exactly one value. Text that merely tokenizes as opcodes fails that."""
    import io

    try:
        with open(path, "rb") as handle:
            data = handle.read(_PARSE_LIMIT)
    except OSError:
        return False

    class Discard(io.TextIOBase):
        def write(self, text: str) -> int:
            return len(text)

    try:
        pickletools.dis(data, out=Discard())  # type: ignore[arg-type]  # any text stream
    except Exception:  # a stack, mark or memo the unpickler would refuse: not a pickle
        return False
    return True


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
