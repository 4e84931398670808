"""Static checks of numpy's .npy and .npz files, without numpy and without unpickling.

`numpy.load` reads an .npy header (a Python dict literal), then either raw array bytes or,
for a dtype that holds Python objects, a whole pickle (`pickle.load`, when the caller passes
`allow_pickle=True`). So the header is parsed here the way numpy parses it, the pickle is
handed to `scan_pickle`, and raw data must be exactly as long as shape x itemsize: a file
with more or less is damaged or carries something else. Whatever dtype cannot be sized with
certainty is refused, so no object-holding dtype can slip through as "raw bytes".

An .npz is a zip of .npy members. `numpy.load` hands out any member by name, reads member
data as an array whenever it starts with the .npy magic, and decompresses without limits;
so only `*.npy` names are accepted, sizes are capped (declared and while reading), and
each member is scanned like an .npy file. Offsets of member refusals are within the member.
"""

from __future__ import annotations

import ast
import io
import re
import warnings

from mlgate.artifacts import container
from mlgate.artifacts.pickle_scan import (
    MALFORMED,
    UNRESOLVED,
    Refusal,
    ScanBudget,
    Verdict,
    scan_pickle,
)
from mlgate.codes import ARTIFACT_NOT_AN_ARTIFACT as NOT_NPZ

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO


MAGIC = b"\x93NUMPY"
# numpy's default `max_header_size`: it refuses longer headers too (literal_eval of large
# input can be slow or crash the interpreter).
MAX_HEADER = 10000
# version: (bytes of the little-endian header length, encoding of the header)
_VERSIONS = {(1, 0): (2, "latin1"), (2, 0): (4, "latin1"), (3, 0): (4, "utf8")}
_KEYS = {"descr", "fortran_order", "shape"}
# Enough for any header within MAX_HEADER (4 bytes a character at most) and its prefix.
_HEAD = 64 * 1024
_CHUNK = 1024 * 1024

# Object dtypes as numpy spells them ('|O'; '|O8' and '|O4' from older numpy).
_OBJECT = re.compile(r"[<>|=]?O[0-9]*")
# Every plain (no objects) dtype string numpy writes: byte order, kind, size, datetime unit.
_PLAIN = re.compile(
    r"[<>|=]?(?:(?P<bool>b1|\?)|(?P<int>[iu])(?P<isize>[1248])|f(?P<fsize>2|4|8|12|16)"
    r"|c(?P<csize>8|16|24|32)|(?P<flex>[SUV])(?P<count>0|[1-9][0-9]{0,17})"
    r"|[Mm]8(?:\[(?:[1-9][0-9]{0,8})?(?:Y|M|W|D|h|m|s|ms|us|μs|ns|ps|fs|as|generic)\])?)"
)
# A quoted string (kept as is), or a Python 2 long literal such as `10L`.
_LONG = re.compile(r"""('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")|\b([0-9]+)L\b""")


class _Refused(Exception):
    """A refusal raised from deep inside a parse; turned into the verdict's refusal."""

    def __init__(self, offset: int, code: str, message: str) -> None:
        super().__init__(message)
        self.offset, self.code, self.message = offset, code, message


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _refused(offset: int, code: str, message: str) -> Verdict:
    verdict = Verdict()
    verdict.refusals.append(Refusal(offset, code, message))
    verdict.end = offset
    return verdict


def scan_npy(data: bytes, is_allowed: Callable[[str, str], bool],
             offset_base: int = 0, work: ScanBudget | None = None) -> Verdict:
    """The verdict on one .npy file; refusal offsets are shifted by `offset_base`. Never
    raises: a file this cannot vouch for is refused. `work`: the scan's work budget, when
    this is a member of an archive (one budget per file)."""
    try:
        end, descr, shape = _header(data)
        if _holds_objects(descr):
            verdict = scan_pickle(data, is_allowed, start=end, joblib=False, budget=work)
        else:
            _check_plain(end, descr, shape, len(data) - end)
            verdict = Verdict()
            verdict.end = len(data)
    except _Refused as refusal:
        verdict = _refused(refusal.offset, refusal.code, refusal.message)
    except Exception as exc:  # pragma: no cover - defensive: the scan must never crash a hook
        verdict = _refused(0, MALFORMED, f"unreadable .npy file: {_short(exc)}")
    if offset_base:
        for each in verdict.refusals:
            each.offset += offset_base
        verdict.end += offset_base
    return verdict


def _header(data: bytes) -> tuple[int, object, tuple[int, ...]]:
    """(end of the header, descr, shape) as numpy's `_read_array_header` checks them."""
    if not data.startswith(MAGIC):
        raise _Refused(0, MALFORMED, "not an .npy file: no \\x93NUMPY magic")
    if len(data) < 8:
        raise _Refused(len(data), MALFORMED, "truncated .npy file: no format version")
    version = (data[6], data[7])
    if version not in _VERSIONS:
        raise _Refused(6, MALFORMED, f".npy format version {version[0]}.{version[1]}: numpy"
                       " reads only 1.0, 2.0 and 3.0")
    width, encoding = _VERSIONS[version]
    if len(data) < 8 + width:
        raise _Refused(len(data), MALFORMED, "truncated .npy file: no header length")
    length = int.from_bytes(data[8:8 + width], "little")
    end = 8 + width + length
    if length > 4 * MAX_HEADER:
        raise _Refused(8, MALFORMED, f".npy header of {length} bytes: over numpy's default"
                       f" max_header_size ({MAX_HEADER}), which numpy.load refuses too")
    if end > len(data):
        raise _Refused(len(data), MALFORMED, f"truncated .npy file: the header needs {end}"
                       f" bytes, the file has {len(data)}")
    try:
        text = data[8 + width:end].decode(encoding)
    except UnicodeDecodeError:
        raise _Refused(8 + width, MALFORMED, f".npy header is not {encoding} text") from None
    if len(text) > MAX_HEADER:
        raise _Refused(8, MALFORMED, f".npy header of {len(text)} characters: over numpy's"
                       f" default max_header_size ({MAX_HEADER}), which numpy.load refuses too")
    try:
        header = _literal(text, version)
    except Exception as exc:  # SyntaxError, ValueError, MemoryError, RecursionError...
        raise _Refused(8 + width, MALFORMED, f".npy header is not a Python literal:"
                       f" {_short(exc)}") from None
    if not isinstance(header, dict):
        raise _Refused(8 + width, MALFORMED, f".npy header is not a dict: {_short(header)}")
    if set(header) != _KEYS:
        keys = sorted(_short(key, 30) for key in header)
        raise _Refused(8 + width, MALFORMED, f".npy header keys are {', '.join(keys)}; numpy"
                       " expects exactly descr, fortran_order and shape")
    shape = header["shape"]
    if not isinstance(shape, tuple) or not all(
            type(dim) is int and dim >= 0 for dim in shape):
        raise _Refused(8 + width, MALFORMED, f".npy shape is not a tuple of non-negative"
                       f" ints: {_short(shape)}")
    if not isinstance(header["fortran_order"], bool):
        raise _Refused(8 + width, MALFORMED, f".npy fortran_order is not a bool:"
                       f" {_short(header['fortran_order'])}")
    return end, header["descr"], shape


def _literal(text: str, version: tuple[int, int]) -> object:
    """The header's value; headers of numpy under Python 2 (versions 1.0 and 2.0) may write
    `10L`, which numpy strips and retries, so the same is done here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in hostile headers warn
        try:
            return ast.literal_eval(text)
        except SyntaxError:
            if version > (2, 0):
                raise
        return ast.literal_eval(_drop_long_suffix(text))


def _drop_long_suffix(text: str) -> str:
    """numpy's `_filter_header` (`10L` -> `10`) without `tokenize`, whose handling of
    invalid input differs across Pythons (3.12 moved it onto the C tokenizer); quoted
    strings are left alone."""
    return _LONG.sub(lambda m: m[1] or m[2], text)


def _holds_objects(descr: object) -> bool:
    """Whether numpy would unpickle the data: an object dtype anywhere, walked the way
    numpy's `descr_to_dtype` walks it. What this misses is refused by `_itemsize`."""
    if isinstance(descr, str):
        return _OBJECT.fullmatch(descr) is not None
    if isinstance(descr, tuple):
        return len(descr) == 2 and _holds_objects(descr[0])
    if isinstance(descr, list):
        return any(isinstance(field, tuple) and len(field) in (2, 3)
                   and _holds_objects(field[1]) for field in descr)
    return False


def _unsized(descr: object) -> _Refused:
    return _Refused(0, UNRESOLVED, f".npy dtype {_short(descr)} is not one whose size mlgate"
                    " knows exactly (numpy might read it as objects or another size)")


def _itemsize(descr: object, depth: int = 0) -> int:
    """Bytes per item of a dtype without objects; refuses any descr it does not fully know,
    so nothing numpy would read as objects is ever taken for raw bytes."""
    if depth > 32:
        raise _unsized(descr)
    if isinstance(descr, str):
        match = _PLAIN.fullmatch(descr)
        if match is None:
            raise _unsized(descr)
        if match["bool"]:
            return 1
        if match["int"]:
            return int(match["isize"])
        if match["fsize"]:
            return int(match["fsize"])
        if match["csize"]:
            return int(match["csize"])
        if match["flex"]:
            return int(match["count"]) * (4 if match["flex"] == "U" else 1)
        return 8  # datetime64, timedelta64
    if not isinstance(descr, list):  # (subtype, shape) tuples and the rest: numpy never
        raise _unsized(descr)         # writes them for an array's own dtype
    total = 0
    for field in descr:
        if not isinstance(field, tuple) or len(field) not in (2, 3):
            raise _unsized(descr)
        name = field[0]
        if not (isinstance(name, str) or (isinstance(name, tuple) and len(name) == 2
                                          and all(isinstance(n, str) for n in name))):
            raise _unsized(descr)
        size = _itemsize(field[1], depth + 1)
        if len(field) == 3:
            dims = field[2] if isinstance(field[2], tuple) else (field[2],)
            if not all(type(dim) is int and 0 <= dim < 2**63 for dim in dims):
                raise _unsized(descr)
            for dim in dims:
                size *= dim
        total += size
    return total


def _check_plain(end: int, descr: object, shape: tuple[int, ...], body: int) -> None:
    """The raw data after the header must be exactly shape x itemsize bytes."""
    try:
        itemsize = _itemsize(descr)
    except _Refused as refusal:
        refusal.offset = 8  # the header
        raise
    expected: int | None = 0 if itemsize == 0 or 0 in shape else itemsize
    for dim in shape:
        if expected is None or expected == 0:
            break
        expected *= dim
        if expected > body:
            expected = None  # more than the file holds; stop before a huge product
    if expected is None or expected > body:
        raise _Refused(end + body, MALFORMED, f"truncated .npy file: shape {_short(shape, 60)}"
                       f" of {_short(descr, 60)} needs more than the {body} bytes after the"
                       " header")
    if expected < body:
        raise _Refused(end + expected, MALFORMED, f"{body - expected} bytes after the end of"
                       " the .npy array data (an appended payload?)")


def scan_npz(data: bytes, is_allowed: Callable[[str, str], bool],
             max_total: int = 4 * 1024**3, max_ratio: int = 1000) -> Verdict:
    """The verdict on an .npz archive: every member an .npy, within the size caps, each
    scanned. A zip that is not an .npz (a .skops file, a torch archive) gets an MLG304
    refusal for the caller to decide on. Never raises."""
    verdict = Verdict()
    verdict.end = len(data)
    try:
        _scan_npz(data, is_allowed, min(max_total, max(len(data), 1) * max_ratio), verdict)
    except Exception as exc:  # zipfile has many error types for hostile archives
        verdict.refusals.append(Refusal(0, MALFORMED, f"corrupt zip archive: {_short(exc)}"))
    return verdict


def _scan_npz(data: bytes, is_allowed: Callable[[str, str], bool], limit: int,
              verdict: Verdict) -> None:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        if "schema.json" in names:
            verdict.refusals.append(Refusal(0, NOT_NPZ, "a zip archive, not an .npz: it has"
                                            " schema.json (a skops file?)"))
            return
        if infos and not any(name.endswith(".npy") for name in names):
            verdict.refusals.append(Refusal(0, NOT_NPZ, f"a zip archive, not an .npz: none of"
                                            f" its {len(infos)} members is an .npy array"))
            return
        seen: set[str] = set()
        readable = []
        for info in infos:
            name, at = info.filename, info.header_offset
            if name in seen:
                verdict.refusals.append(Refusal(at, MALFORMED, f"{name}: a second member of"
                                                " that name (which one is loaded depends on"
                                                " the reader)"))
            seen.add(name)
            if not name.endswith(".npy"):
                verdict.refusals.append(Refusal(at, MALFORMED, f"{name}: not an .npy member;"
                                                " numpy.load still hands it out by name"))
            elif info.flag_bits & 0x1:
                verdict.refusals.append(Refusal(at, MALFORMED, f"{name}: encrypted; its"
                                                " content cannot be checked"))
            else:
                readable.append(info)
        declared = sum(info.file_size for info in infos)
        if declared > limit:
            verdict.refusals.append(Refusal(0, MALFORMED, f"the archive declares {declared}"
                                            f" bytes uncompressed, over the cap of {limit}"
                                            " (size or compression-ratio limit)"))
            return  # nothing is decompressed from a bomb
        budget, work = _Budget(limit), ScanBudget()
        for info in readable:  # the other members are refused already; still report these
            try:
                with archive.open(info) as member:
                    # an object array's pickle is kept: bounded by the member's own
                    # compressed size too (static review round 37: a 150 KB member of random
                    # bytes raised the archive's cap for a 1 GB one of zeros)
                    sub = _scan_member(member, is_allowed, budget, work, min(
                        container.MAX_DECOMPRESSED,
                        max(info.compress_size, 1) * container.MAX_RATIO))
            except _Refused as refusal:
                sub = _refused(refusal.offset, refusal.code, refusal.message)
            except Exception as exc:  # CRC errors, corrupt deflate data, bad local headers
                sub = _refused(0, MALFORMED, f"corrupt zip member: {_short(exc)}")
            _merge(verdict, sub, info.filename)
            if budget.left < 0 or work.spent():
                return  # over the cap, or out of scanning work: stop


class _Budget:
    """Bytes the whole archive may still expand to; enforced on every read, whatever the
    headers declared."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def read(self, member: IO[bytes], size: int) -> bytes:
        chunk = member.read(min(size, max(self.left, 0) + 1))
        self.left -= len(chunk)
        if self.left < 0:
            raise _Refused(0, MALFORMED, "expands beyond the archive's cap (size or"
                           " compression-ratio limit)")
        return chunk


def _scan_member(member: IO[bytes], is_allowed: Callable[[str, str], bool],
                 budget: _Budget, work: ScanBudget, keep: int) -> Verdict:
    """One member, read in chunks: raw array data is counted, not kept; an object array's
    pickle is kept to be scanned, up to `keep` bytes, held once (not as chunks and then
    their join: twice its size, 2 GB for a 1 GB pickle)."""
    head = bytearray()
    while len(head) < _HEAD:
        chunk = budget.read(member, _HEAD - len(head))
        if not chunk:
            return scan_npy(bytes(head), is_allowed, work=work)  # all of it is in `head`
        head += chunk
    end, descr, shape = _header(bytes(head))
    if _holds_objects(descr):
        # An object array's pickle is kept to be scanned: within the cap of any pickle
        # (the archive's own cap counts raw arrays, which are not kept), joined once.
        kept = io.BytesIO()
        kept.write(head)
        del head
        while True:
            chunk = budget.read(member, _CHUNK)
            if not chunk:
                break
            if kept.tell() + len(chunk) > keep:
                raise _Refused(0, MALFORMED, f"an object array's pickle larger than"
                               f" {keep / 2**20:g} MiB ({container.MAX_RATIO} times its"
                               " compressed size, at most"
                               f" {container.MAX_DECOMPRESSED / 2**20:g} MiB): no model"
                               " needs that much")
            kept.write(chunk)
        data = kept.getvalue()  # (the buffer itself, not a copy)
        del kept
        return scan_npy(data, is_allowed, work=work)
    body = len(head) - end
    while True:
        chunk = budget.read(member, _CHUNK)
        if not chunk:
            break
        body += len(chunk)
    _check_plain(end, descr, shape, body)
    verdict = Verdict()
    verdict.end = end + body
    return verdict


def _merge(verdict: Verdict, sub: Verdict, name: str) -> None:
    verdict.merge(sub)
    verdict.pickles += sub.pickles
    verdict.refusals.extend(Refusal(r.offset, r.code, f"{name}: {r.message}")
                            for r in sub.refusals)
