"""What an artifact file is, by its first bytes, and its pickle stream (decompressed).

joblib writes raw zlib, gzip, bz2, lzma ("alone"), xz or lz4 streams; decompression is
capped in size and ratio so a small file cannot expand into all memory (a zip bomb).
"""

from __future__ import annotations

import io
import re
from typing import Any

LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
# XGBoost's own formats (Booster.save_model, XGBModel.save_model): JSON, and UBJSON (.ubj, the
# default since 2.1). They hold no code: they are loaded by XGBoost's parser, in the sandbox.
XGBOOST_JSON = b'{"learner":{'
XGBOOST_UBJ = b"{L\x00\x00\x00\x00\x00\x00\x00\x07learner{"
# A decompressed stream is held whole for the scan (and once more while its pieces are
# joined): 1 GiB bounds mlgate's memory near 2 GiB, whatever the file claims. A model larger
# than that when decompressed can be saved uncompressed (read as is, up to reading's cap).
MAX_DECOMPRESSED = 1024**3  # bytes
MAX_RATIO = 1000
# Output is taken in pieces of this size, so a bomb is stopped one piece past the cap.
_PIECE = 64 * 1024**2

# joblib's compressors, by the prefixes joblib itself tests and in its order
# (`numpy_pickle_utils._detect_compressor`): whatever joblib.load decompresses, mlgate
# decompresses, with the same library and format (lzma and xz: FORMAT_AUTO, as
# `lzma.LZMAFile`). A longer, stricter prefix let an lzma file with a small dictionary
# (`5d 00 10 ...`) pass as "not an artifact" while joblib ran it (review round 11). A prefix
# that only looks like one fails to decompress: an error for a named artifact, and, for a
# file found by content, not an artifact, since joblib cannot read it either.
COMPRESSION_PREFIXES = (
    (b"\x78", "zlib"),
    (b"\x1f\x8b", "gzip"),
    (b"BZ", "bz2"),
    (b"\x5d\x00", "lzma"),
    (b"\xfd\x37\x7a\x58\x5a", "xz"),
    (b"\x04\x22\x4d\x18", "lz4"),
)
_MAGIC = [
    *COMPRESSION_PREFIXES,
    (b"\x93NUMPY", "npy"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive (np.savez with no arrays)
]


class ContainerError(Exception):
    """The file is not a readable artifact; the message says what it is instead."""


# Zstandard: a frame, or a skippable frame before one (0x184D2A50..5F, little-endian).
# pandas.read_pickle reads a `.zst` file (with the zstandard package); joblib does not.
ZSTD_FRAME = b"\x28\xb5\x2f\xfd"


def is_zstd(data: bytes) -> bool:
    return data.startswith(ZSTD_FRAME) or (
        len(data) >= 4 and 0x50 <= data[0] <= 0x5F and data[1:4] == b"\x2a\x4d\x18")


# A tar header's checksum field, as tarfile reads it: octal text, or base-256.
_TAR_CHECKSUM = re.compile(rb"[0-7 \0]{8}|[\x80\xff].{7}", re.DOTALL)


def is_tar(data: bytes) -> bool:
    """Whether `data` starts with a header block tarfile reads (pandas.read_pickle opens a
    `.tar`, `.tar.gz`, `.tar.bz2` or `.tar.xz` with tarfile and unpickles its one member):
    asked of tarfile itself, after a cheap look at the checksum field."""
    if len(data) < 512 or not _TAR_CHECKSUM.fullmatch(data[148:156]):
        return False
    import tarfile

    try:
        tarfile.TarInfo.frombuf(data[:512], "utf-8", "surrogateescape")
    except Exception:  # tarfile's header errors (bad checksum, empty or truncated block)
        return False
    return True


def detect(data: bytes) -> str:
    """'pickle', a compression name, 'npy', 'zip', 'xgboost-json', 'xgboost-ubj', 'lfs',
    'tar', 'zstd', 'empty' or 'unknown'."""
    if not data:
        return "empty"
    if data.startswith(LFS_POINTER):
        # exactly a pointer, as git-lfs writes it: anything carried after it (a zip that
        # skops or numpy would read from its end) is no pointer
        return "lfs" if is_exact_lfs_pointer(data) else "unknown"
    if is_tar(data):  # (first: a tar starts with a member's name, "xgb.pkl" as zlib's "x")
        return "tar"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(XGBOOST_JSON):
        return "xgboost-json"
    if data.startswith(XGBOOST_UBJ):
        return "xgboost-ubj"
    if data[0] == 0x80:
        return "pickle" if len(data) > 1 and data[1] <= 5 else "unknown"
    if is_zstd(data):
        return "zstd"
    import pickletools

    # Protocol 0/1 streams have no header: any opcode may come first. A text file that
    # happens to start with one is told apart when the scan fails at its first byte.
    return "pickle" if chr(data[0]) in {op.code for op in pickletools.opcodes} else "unknown"


_LFS_POINTER_RE = re.compile(
    rb"version https://git-lfs\.github\.com/spec/v1\n"
    rb"(?:ext-\d-\w+ sha256:[0-9a-f]{64}\n)*"
    rb"oid sha256:[0-9a-f]{64}\nsize \d{1,20}\n?")


def is_exact_lfs_pointer(data: bytes) -> bool:
    """A Git LFS pointer file and nothing else (at most 1 KB, git-lfs's own limit)."""
    return len(data) <= 1024 and _LFS_POINTER_RE.fullmatch(data) is not None


# A zip archive's end-of-central-directory record: zipfile (skops.io, numpy.load) finds an
# archive from it, at the end of a file, whatever comes before.
ZIP_END = b"PK\x05\x06"
ZIP_END_SEARCH = 22 + 65535  # the record, and the longest comment it may carry


def zip_behind(data: bytes) -> bool:
    """Whether a file that is not a zip at its start is one to zipfile, which finds an
    archive from its end: one file, two formats, scanned as one and loaded as the other.
    Asked of zipfile itself (it only reads the directory), and only when the end record's
    signature is where zipfile looks: array bytes that happen to hold it are no archive."""
    if data.startswith(b"PK") or ZIP_END not in data[-ZIP_END_SEARCH:]:
        return False
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return bool(archive.infolist())
    except Exception:  # BadZipFile, and what a damaged directory raises
        return False


def compression(data: bytes) -> str | None:
    """The compression joblib would read `data` as, or None."""
    for prefix, kind in COMPRESSION_PREFIXES:
        if data.startswith(prefix):
            return kind
    return None


def decompressor(kind: str) -> Any:
    """A streaming decompressor reading `kind` the way joblib does; ContainerError else."""
    engine: Any
    if kind == "zlib":
        import zlib

        engine = zlib.decompressobj()
    elif kind == "gzip":
        import zlib

        engine = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif kind == "bz2":
        import bz2

        engine = bz2.BZ2Decompressor()
    elif kind in ("xz", "lzma"):
        import lzma

        engine = lzma.LZMADecompressor(lzma.FORMAT_AUTO)  # as lzma.LZMAFile, for both
    elif kind == "lz4":
        try:
            import lz4.frame
        except ImportError:
            raise ContainerError("lz4-compressed, and the lz4 package is not installed where"
                                 " mlgate runs; add it to the hook's additional_dependencies"
                                 ) from None
        engine = lz4.frame.LZ4FrameDecompressor()
    else:
        raise ContainerError(f"{kind} is not a compression mlgate reads")
    return engine


def decompress(data: bytes, kind: str) -> bytes:
    """The decompressed stream, within MAX_DECOMPRESSED and MAX_RATIO; ContainerError else."""
    limit = min(MAX_DECOMPRESSED, max(len(data), 1) * MAX_RATIO)
    engine = decompressor(kind)
    # A BytesIO, not a list of pieces joined at the end: its getvalue() hands over its own
    # buffer, so the stream is held once (a join held it twice: 2 GiB for a 1 GiB cap).
    out = io.BytesIO()
    total = 0
    pending = data
    try:
        while True:
            piece = engine.decompress(pending, _PIECE)
            total += len(piece)
            if total > limit:
                raise ContainerError(_too_large(kind, limit))
            out.write(piece)
            if kind in ("zlib", "gzip"):
                pending = engine.unconsumed_tail
                if not pending and len(piece) < _PIECE:
                    break
            else:
                pending = b""
                if engine.eof or (engine.needs_input and len(piece) < _PIECE):
                    break
    except ContainerError:
        raise
    except Exception as exc:  # each library has its own error type
        raise ContainerError(f"corrupt {kind} stream: {exc}") from None
    if getattr(engine, "eof", True) is False:
        raise ContainerError(f"truncated {kind} stream")
    unused = getattr(engine, "unused_data", b"")
    if unused:
        raise ContainerError(f"data after the end of the {kind} stream")
    return out.getvalue()


def _too_large(kind: str, limit: int) -> str:
    if limit >= MAX_DECOMPRESSED:
        return (f"{kind} stream expands beyond {MAX_DECOMPRESSED // 1024**2} MiB, mlgate's cap"
                " for a compressed artifact (save a model that large uncompressed)")
    return (f"{kind} stream expands more than {MAX_RATIO} times its size (a decompression"
            " bomb, or not a model)")
