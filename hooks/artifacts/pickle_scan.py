"""Static scan of a pickle stream: emulate the unpickler's stack and memo, never run it.

Every global the stream references (GLOBAL, STACK_GLOBAL, INST) is a `find_class`, which
imports a module; every REDUCE/NEWOBJ/OBJ/INST calls something; BUILD sets state. The scan
knows, for each of those, exactly which (module, qualname) is involved, and refuses — fails
closed — whatever it cannot resolve with certainty: a STACK_GLOBAL whose operands are not
constant strings, a call on a computed value, an undefined memo key, extension codes and
persistent ids, inconsistent frames, truncation, data after STOP.

joblib files interleave raw array bytes with the stream: after BUILD of a
`joblib.numpy_pickle.NumpyArrayWrapper`, the array follows (a nested pickle for object
arrays). Its size comes from the wrapper's statically known shape and dtype; an array whose
size cannot be known, or that runs past the end of the data, is refused.
"""

from __future__ import annotations

import io
import pickletools

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

JOBLIB_WRAPPER = ("joblib.numpy_pickle", "NumpyArrayWrapper")
MAIN_MODULES = ("__main__", "__mp_main__")

# Refusal codes (rule codes of `mlgate artifact`).
UNSAFE_GLOBAL = "MLG301"
UNRESOLVED = "MLG302"
MAIN_CLASS = "MLG303"
MALFORMED = "MLG305"

_CONSTANT_OPS = {
    "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "STRING", "BINSTRING",
    "SHORT_BINSTRING", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8", "UNICODE",
    "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "FLOAT", "BINFLOAT",
}
_REFUSED_OPS = {
    "PERSID": "persistent ids load objects from outside the pickle",
    "BINPERSID": "persistent ids load objects from outside the pickle",
    "EXT1": "extension codes resolve globals through the copyreg registry",
    "EXT2": "extension codes resolve globals through the copyreg registry",
    "EXT4": "extension codes resolve globals through the copyreg registry",
    "NEXT_BUFFER": "out-of-band buffers are not part of the file",
    "READONLY_BUFFER": "out-of-band buffers are not part of the file",
}
_ITEMSIZE = {"b": 1, "i": None, "u": None, "f": None, "c": None, "?": 1, "S": 1, "U": 4,
             "V": 1, "M": None, "m": None}


class _Mark:
    __slots__ = ()


MARK = _Mark()


class Const:
    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value


class GlobalRef:
    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name


class Seq:
    """A tuple, list, set or frozenset built by the stream (items kept for versions)."""

    __slots__ = ("items", "kind")

    def __init__(self, kind: str, items: list) -> None:
        self.kind, self.items = kind, items


class Mapping:
    __slots__ = ("pairs",)

    def __init__(self, pairs: list) -> None:
        self.pairs = pairs


class Instance:
    """The result of calling an allowed global: `cls` made it, `args` went in."""

    __slots__ = ("args", "cls", "state")

    def __init__(self, cls: GlobalRef, args=None) -> None:
        self.cls, self.args, self.state = cls, args, None


class Refusal:
    __slots__ = ("code", "message", "offset")

    def __init__(self, offset: int, code: str, message: str) -> None:
        self.offset, self.code, self.message = offset, code, message

    def __repr__(self) -> str:
        return f"Refusal({self.offset}, {self.code}, {self.message!r})"


class Verdict:
    """What a scan found: the globals needed, refusals, recorded versions, where it ended."""

    def __init__(self) -> None:
        self.globals: list[tuple[str, str]] = []
        self.refusals: list[Refusal] = []
        self.versions: dict[str, set[str]] = {}
        self.end = 0
        self.pickles = 0

    @property
    def safe(self) -> bool:
        return not self.refusals


class _Stop(Exception):
    """Raised to stop the walk at the first refusal: nothing after it can be trusted."""


def _const(value):
    return value.value if isinstance(value, Const) else None


def _dict_get(mapping, key: str):
    if isinstance(mapping, Mapping):
        for k, v in mapping.pairs:
            if _const(k) == key:
                return v
    return None


def _dtype_size(dtype) -> int | None:
    """Bytes per item of a numpy dtype rebuilt as `numpy.dtype('<f8', False, True)`."""
    if not isinstance(dtype, Instance) or not isinstance(dtype.args, Seq) or not dtype.args.items:
        return None
    code = _const(dtype.args.items[0])
    if not isinstance(code, str) or not code:
        return None
    code = code.lstrip("<>=|")
    kind, digits = code[:1], code[1:]
    if kind == "O":
        return 0  # object arrays are a nested pickle
    if kind in ("b", "?") and not digits:
        return 1
    if kind not in _ITEMSIZE or not digits.isdigit():
        return None
    count = int(digits)
    unit = _ITEMSIZE[kind]
    return count * unit if unit else count


def scan_pickle(data: bytes, is_allowed: Callable[[str, str], bool], start: int = 0,
                joblib: bool = True) -> Verdict:
    """Walk every pickle from `start` to the end of `data` (joblib arrays included)."""
    verdict = Verdict()
    stream = io.BytesIO(data)
    stream.seek(start)
    try:
        while True:
            _walk_one(stream, data, is_allowed, verdict, joblib)
            verdict.pickles += 1
            if stream.tell() >= len(data):
                break
            verdict.refusals.append(Refusal(stream.tell(), MALFORMED,
                                            "data after the end of the pickle (a second"
                                            " pickle or an appended payload)"))
            break
    except _Stop:
        pass
    verdict.end = stream.tell()
    return verdict


def _refuse(verdict: Verdict, offset: int, code: str, message: str) -> None:
    verdict.refusals.append(Refusal(offset, code, message))
    raise _Stop


def _check_global(module: str, name: str, offset: int, is_allowed, verdict: Verdict) -> GlobalRef:
    verdict.globals.append((module, name))
    if module in MAIN_MODULES:
        _refuse(verdict, offset, MAIN_CLASS,
                f"{module}.{name} was defined in a script or notebook, not an importable"
                " module; it cannot be loaded anywhere else")
    if not is_allowed(module, name):
        _refuse(verdict, offset, UNSAFE_GLOBAL,
                f"{module}.{name} is not on the allow-list of what model artifacts need")
    return GlobalRef(module, name)


def _walk_one(stream: io.BytesIO, data: bytes, is_allowed, verdict: Verdict,
              joblib: bool) -> None:
    """One pickle, STOP included; joblib array payloads skipped (or scanned) in between."""
    stack: list = []
    marks: list[int] = []
    memo: dict[int, object] = {}
    frame_end: int | None = None

    def pop_mark(offset: int) -> list:
        if not marks:
            _refuse(verdict, offset, MALFORMED, "MARK expected on the stack")
        at = marks.pop()
        items = stack[at:]
        del stack[at:]
        return items

    def pop(offset: int, count: int = 1):
        if len(stack) - (marks[-1] if marks else 0) < count:
            _refuse(verdict, offset, MALFORMED, "stack underflow")
        items = stack[-count:]
        del stack[-count:]
        return items if count > 1 else items[0]

    def call(target, args, offset: int, what: str):
        if not isinstance(target, GlobalRef):
            _refuse(verdict, offset, UNRESOLVED,
                    f"{what} on a computed value: what it calls cannot be known statically")
        return Instance(target, args)

    while True:
        resume = stream.tell()
        try:
            ops = pickletools.genops(stream)
            for opcode, arg, pos in ops:
                name = opcode.name
                if frame_end is not None and pos > frame_end:
                    _refuse(verdict, pos, MALFORMED, "opcode outside its FRAME")
                if frame_end is not None and pos == frame_end and name != "FRAME":
                    frame_end = None
                if name in _REFUSED_OPS:
                    _refuse(verdict, pos, UNRESOLVED, f"{name}: {_REFUSED_OPS[name]}")
                if name in _CONSTANT_OPS:
                    stack.append(Const(arg))
                elif name in ("NONE", "NEWTRUE", "NEWFALSE"):
                    stack.append(Const({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[name]))
                elif name == "PROTO":
                    if pos != resume:
                        _refuse(verdict, pos, MALFORMED, "PROTO in the middle of a pickle")
                elif name == "FRAME":
                    if frame_end is not None and pos != frame_end:
                        _refuse(verdict, pos, MALFORMED, "FRAME inside another frame")
                    frame_end = pos + 9 + arg
                    if frame_end > len(data):
                        _refuse(verdict, pos, MALFORMED, "FRAME runs past the end of the file")
                elif name == "MARK":
                    marks.append(len(stack))
                elif name in ("EMPTY_LIST", "EMPTY_TUPLE", "EMPTY_SET"):
                    stack.append(Seq(name[6:].lower(), []))
                elif name == "EMPTY_DICT":
                    stack.append(Mapping([]))
                elif name in ("TUPLE", "LIST", "FROZENSET"):
                    stack.append(Seq(name.lower(), pop_mark(pos)))
                elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
                    count = int(name[-1])
                    items = pop(pos, count)
                    stack.append(Seq("tuple", items if count > 1 else [items]))
                elif name == "DICT":
                    items = pop_mark(pos)
                    stack.append(Mapping(list(zip(items[::2], items[1::2]))))
                elif name in ("APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS"):
                    items = [pop(pos)] if name == "APPEND" else (
                        pop(pos, 2) if name == "SETITEM" else pop_mark(pos))
                    if not stack:
                        _refuse(verdict, pos, MALFORMED, "stack underflow")
                    target = stack[-1]
                    if isinstance(target, Seq):
                        target.items.extend(items)
                    elif isinstance(target, Mapping):
                        target.pairs.extend(zip(items[::2], items[1::2]))
                    elif not isinstance(target, Instance):
                        _refuse(verdict, pos, UNRESOLVED,
                                f"{name} on a value that is not a container or an allowed"
                                " object: it would call a method of it")
                elif name == "POP":
                    if len(stack) > (marks[-1] if marks else 0):
                        stack.pop()
                    elif marks:
                        marks.pop()  # POP of a MARK, as the unpickler allows
                    else:
                        _refuse(verdict, pos, MALFORMED, "stack underflow")
                elif name == "POP_MARK":
                    pop_mark(pos)
                elif name == "DUP":
                    if not stack:
                        _refuse(verdict, pos, MALFORMED, "stack underflow")
                    stack.append(stack[-1])
                elif name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
                    if not stack:
                        _refuse(verdict, pos, MALFORMED, "memoizing an empty stack")
                    key = len(memo) if name == "MEMOIZE" else arg
                    memo[key] = stack[-1]
                elif name in ("GET", "BINGET", "LONG_BINGET"):
                    if arg not in memo:
                        _refuse(verdict, pos, UNRESOLVED, f"memo key {arg!r} is not defined")
                    stack.append(memo[arg])
                elif name in ("GLOBAL", "INST"):
                    module, _, qualname = str(arg).partition(" ")
                    ref = _check_global(module, qualname, pos, is_allowed, verdict)
                    if name == "GLOBAL":
                        stack.append(ref)
                    else:
                        stack.append(Instance(ref, Seq("tuple", pop_mark(pos))))
                elif name == "STACK_GLOBAL":
                    qualname, module = pop(pos), pop(pos)
                    if not (isinstance(_const(module), str) and isinstance(_const(qualname),
                                                                            str)):
                        _refuse(verdict, pos, UNRESOLVED,
                                "STACK_GLOBAL with operands that are not constant strings")
                    stack.append(_check_global(module.value, qualname.value, pos, is_allowed,
                                               verdict))
                elif name == "OBJ":
                    items = pop_mark(pos)
                    if not items:
                        _refuse(verdict, pos, MALFORMED, "OBJ without a class")
                    stack.append(call(items[0], Seq("tuple", items[1:]), pos, "OBJ"))
                elif name == "REDUCE":
                    target, args = pop(pos, 2)
                    if not isinstance(args, Seq) or args.kind != "tuple":
                        _refuse(verdict, pos, UNRESOLVED, "REDUCE with arguments that are not"
                                " a tuple built by the stream")
                    stack.append(call(target, args, pos, "REDUCE"))
                elif name == "NEWOBJ":
                    target, args = pop(pos, 2)
                    stack.append(call(target, args, pos, "NEWOBJ"))
                elif name == "NEWOBJ_EX":
                    target, args, _kwargs = pop(pos, 3)
                    stack.append(call(target, args, pos, "NEWOBJ_EX"))
                elif name == "BUILD":
                    state = pop(pos)
                    if not stack or not isinstance(stack[-1], (Instance, Seq, Mapping)):
                        _refuse(verdict, pos, UNRESOLVED,
                                "BUILD on a class, function or constant: it would set"
                                " attributes on it")
                    target = stack[-1]
                    if isinstance(target, Instance):
                        target.state = state
                        _record_versions(state, verdict)
                        if joblib and (target.cls.module, target.cls.name) == JOBLIB_WRAPPER:
                            ops.close()
                            after = pos + 1
                            if frame_end is not None and after != frame_end:
                                _refuse(verdict, pos, MALFORMED,
                                        "joblib array inside a frame")
                            frame_end = None
                            _skip_joblib_array(stream, data, after, state, is_allowed,
                                               verdict)
                            break
                elif name == "STOP":
                    if len(stack) != 1 or marks:
                        _refuse(verdict, pos, MALFORMED, "STOP with a stack that is not one"
                                " value")
                    if frame_end is not None and pos + 1 != frame_end:
                        _refuse(verdict, pos, MALFORMED, "STOP before the end of its FRAME")
                    return
                else:  # pragma: no cover - every opcode of protocols 0-5 is handled above
                    _refuse(verdict, pos, UNRESOLVED, f"opcode {name} is not understood")
            else:
                _refuse(verdict, stream.tell(), MALFORMED, "the pickle ends without STOP")
        except ValueError as exc:
            _refuse(verdict, stream.tell(), MALFORMED, f"not a valid pickle: {exc}")


def _record_versions(state, verdict: Verdict) -> None:
    """`_sklearn_version` (and the like) that estimators store in their state."""
    if isinstance(state, Mapping):
        for key, value in state.pairs:
            k, v = _const(key), _const(value)
            if isinstance(k, str) and k.endswith("_version") and k.startswith("_") and isinstance(
                v, str
            ):
                verdict.versions.setdefault(k[1:-8], set()).add(v)


def _skip_joblib_array(stream: io.BytesIO, data: bytes, offset: int, state, is_allowed,
                       verdict: Verdict) -> None:
    """Step over (or, for object arrays, scan) the array joblib wrote after its wrapper."""
    shape, dtype = _dict_get(state, "shape"), _dict_get(state, "dtype")
    dims = [_const(d) for d in shape.items] if isinstance(shape, Seq) else None
    size = _dtype_size(dtype)
    if dims is None or any(not isinstance(d, int) or d < 0 for d in dims) or size is None:
        _refuse(verdict, offset, UNRESOLVED,
                "a joblib array whose shape or dtype cannot be read statically")
    if size == 0:  # an object array: joblib wrote a whole pickle; it is scanned like the rest
        stream.seek(offset)
        _walk_one(stream, data, is_allowed, verdict, joblib=True)
        return
    count = 1
    for d in dims:
        count *= d
    alignment = _const(_dict_get(state, "numpy_array_alignment_bytes"))
    if alignment is not None:
        if offset >= len(data):
            _refuse(verdict, offset, MALFORMED, "a joblib array runs past the end of the file")
        offset += 1 + data[offset]
    end = offset + count * size
    if end > len(data):
        _refuse(verdict, offset, MALFORMED, "a joblib array runs past the end of the file")
    stream.seek(end)
