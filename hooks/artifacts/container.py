"""What an artifact file is, by its first bytes, and its pickle stream (decompressed).

joblib writes raw zlib, gzip, bz2, lzma ("alone"), xz or lz4 streams; decompression is
capped in size and ratio so a small file cannot expand into all memory (a zip bomb).
"""

from __future__ import annotations

from typing import Any

LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
# XGBoost's own formats (Booster.save_model, XGBModel.save_model): JSON, and UBJSON (.ubj, the
# default since 2.1). They hold no code: they are loaded by XGBoost's parser, in the sandbox.
XGBOOST_JSON = b'{"learner":{'
XGBOOST_UBJ = b"{L\x00\x00\x00\x00\x00\x00\x00\x07learner{"
MAX_DECOMPRESSED = 4 * 1024**3  # bytes
MAX_RATIO = 1000

_MAGIC = [
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x5d\x00\x00", "lzma"),
    (b"\x04\x22\x4d\x18", "lz4"),
    (b"\x93NUMPY", "npy"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive (np.savez with no arrays)
]


class ContainerError(Exception):
    """The file is not a readable artifact; the message says what it is instead."""


def detect(data: bytes) -> str:
    """'pickle', a compression name, 'npy', 'zip', 'xgboost-json', 'xgboost-ubj', 'lfs',
    'empty' or 'unknown'."""
    if not data:
        return "empty"
    if data.startswith(LFS_POINTER):
        return "lfs"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[0] == 0x78 and len(data) > 1 and (data[0] * 256 + data[1]) % 31 == 0:
        return "zlib"
    if data.startswith(XGBOOST_JSON):
        return "xgboost-json"
    if data.startswith(XGBOOST_UBJ):
        return "xgboost-ubj"
    if data[0] == 0x80:
        return "pickle" if len(data) > 1 and data[1] <= 5 else "unknown"
    import pickletools

    # Protocol 0/1 streams have no header: any opcode may come first. A text file that
    # happens to start with one is told apart when the scan fails at its first byte.
    return "pickle" if chr(data[0]) in {op.code for op in pickletools.opcodes} else "unknown"


def decompress(data: bytes, kind: str) -> bytes:
    """The decompressed stream, within MAX_DECOMPRESSED and MAX_RATIO; ContainerError else."""
    limit = min(MAX_DECOMPRESSED, max(len(data), 1) * MAX_RATIO)
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

        engine = lzma.LZMADecompressor(lzma.FORMAT_XZ if kind == "xz" else lzma.FORMAT_ALONE)
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
    try:
        out = engine.decompress(data, limit + 1)
    except Exception as exc:  # each library has its own error type
        raise ContainerError(f"corrupt {kind} stream: {exc}") from None
    if len(out) > limit:
        raise ContainerError(f"{kind} stream expands beyond {limit} bytes (ratio or size cap)")
    if getattr(engine, "eof", True) is False:
        raise ContainerError(f"truncated {kind} stream")
    unused = getattr(engine, "unused_data", b"")
    if unused:
        raise ContainerError(f"data after the end of the {kind} stream")
    return out
