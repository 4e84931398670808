"""What `pickle.load` makes of a joblib file whose arrays follow their wrapper unpadded.

joblib writes each array's raw bytes right after the BUILD of its `NumpyArrayWrapper`.
joblib >= 1.2 writes a padding-length byte first (1 to 16: never an opcode), so `pickle.load`
of such a file stops there with an error. joblib 0.12 to 1.1 (and a newer joblib writing to
a file it cannot seek) writes the bytes straight after BUILD: `pickle.load` of that file
reads the first array's bytes as opcodes. A file crafted that way is harmless for
`joblib.load` and runs code under `pickle.load` (or `pandas.read_pickle`, or dill), so the
scan cannot just step over those bytes. Nor can it refuse them: whether an array's first
byte happens to be an opcode depends on its values (a third of real old files).

So the bytes are read here the way CPython's unpicklers would read them, from the stack,
marks and memo they have at that point (the scan's, which walked the same opcodes), until
both certainly stop: an error in the C unpickler *and* in pickle.py's (they differ: pickle.py
reads a GLOBAL line without its newline and calls REDUCE with a list), or STOP, which only
returns a value. Values are tracked by the kinds they may be (`int`, `str`, `tuple`, ...;
`instance` of a class the stream made, `global` for a class or function it imported), with
the value itself when both readers make it alike (binary constants, tuples of them, the
globals). Anything that could import or call something ends the view as a refusal: GLOBAL,
INST or STACK_GLOBAL naming anything a finder could find; REDUCE, NEWOBJ or OBJ on a class,
function or instance; BUILD, APPEND(S), SETITEM(S), ADDITEMS or READONLY_BUFFER on one. Two
calls are followed, because a reading that resumes in the real stream meets them for the
next array: NEWOBJ of joblib's wrapper class (it runs nothing), and `numpy.dtype` of
constants, whose state is then held to the scan's own rules and handed to the probe like
the scan's dtypes. Hashing an object the stream made (a dict key) runs its class's own
code on the state the scan verified: that is not counted as a call. Random array bytes
nearly always hit an invalid opcode, an undefined memo key or a stack underflow within a
few bytes.

Two facts of the reading interpreter are assumed: no `persistent_load` (pickle.load has
none) and no copyreg extension code registered (CPython and the libraries models use
register none), so PERSID and EXT opcodes are errors.
"""

from __future__ import annotations

import _compat_pickle
import contextlib
import re
import struct
import sys

from mlgate.artifacts.object_states import check_dtype_state, describe_dtype, made_class
from mlgate.artifacts.stream_model import (
    Blob,
    Const,
    GlobalRef,
    Instance,
    Mapping,
    Seq,
    TextBlob,
    shared_cost,
)
from mlgate.artifacts.stream_model import hash_work as _hash_work

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# Kinds beyond the builtin types' names ("int", "str", "tuple", ...):
OBJECT = "object"  # made by the stream, by an unknown maker: may be anything but plain
INSTANCE = "instance"  # an instance of a known class (not str): may be callable, have methods
GLOBAL = "global"  # a class or function the stream imported: callable, never a str
WRAPPER = "wrapper"  # joblib's array wrapper as the stream built it: a plain Python object
WRAPPER_CLASS = "wrapper class"  # joblib's NumpyArrayWrapper: NEWOBJ of it calls nothing
WRAPPER_PAIR = ("joblib.numpy_pickle", "NumpyArrayWrapper")
_ANY = frozenset({OBJECT, "str"})
_STR_OR_BYTES = frozenset({"str", "bytes"})
# What `x[key] = value`, `.append` / `.extend`, `.add` accept among the plain kinds.
_SUBSCRIPTABLE = frozenset({"dict", "list", "bytearray", "memoryview"})
_APPENDABLE = frozenset({"list", "bytearray"})
_BUFFERS = frozenset({"bytes", "bytearray", "memoryview"})
# Classes and functions from the stream: calling them, or a method of what they made, runs
# their code with whatever the bytes hold.
_CODE = frozenset({OBJECT, INSTANCE, GLOBAL, WRAPPER_CLASS})
_TYPES = frozenset({OBJECT, GLOBAL, WRAPPER_CLASS})  # what may be a class
HIGHEST_PROTOCOL = 5
DTYPE_GLOBAL = ("global", "numpy", "dtype")
_NO_VALUE = object()
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
# Names pickle.py and the C unpickler map (protocols 0-2, fix_imports) to other modules.
_COMPAT_MODULES = frozenset(_compat_pickle.IMPORT_MAPPING)
_COMPAT_NAMES = frozenset(_compat_pickle.NAME_MAPPING)


class _Stop(Exception):
    """Both unpicklers stop here (an error, or STOP returning a value): nothing ran."""


class _Danger(Exception):
    """The unpickler may import or call something here."""


def _exact(kinds: frozenset):
    """(True, the value) when the kinds carry the value itself (a constant, a tuple of
    constants, a global, a dtype the view made), else (False, None)."""
    for kind in kinds:
        if isinstance(kind, tuple):
            return True, kind[1]
    return False, None


def _named(kinds: frozenset) -> frozenset:
    """The kinds without the value they may carry."""
    return frozenset(kind for kind in kinds if not isinstance(kind, tuple))


# Nodes hashing an exact tuple may visit (a shared part once per time it is reached): past
# this the view keeps only its kind. A tuple is hashed through every item, each time, so
# tuples holding the previous one twice through the memo cost 2**depth: building the view's
# own frozenset of kinds hashed the value, in mlgate's process, where no signal stops it.
EXACT_TUPLE_COST = 10_000
# Hashing work a reading may cost in all (keys inserted, elements added) before it is taken
# for one that never finishes.
HASH_WORK = 25_000_000


def _tuple_cost(value: tuple, known: dict) -> int:
    """What hashing `value` costs in nodes, computed once per tuple (`known`: id -> (tuple,
    cost))."""
    return shared_cost(value, known, _tuple_items)


def _tuple_items(node):
    return node if type(node) is tuple else None


def _kinds_of(value, depth: int = 0) -> frozenset:
    """The kinds a value of the scan's stack or memo may be, for the real unpickler, with
    the value itself when it is a constant, a tuple of them or a global."""
    if isinstance(value, Const):
        found = value.value
        if found is None:
            kinds = {"none"}
        elif isinstance(found, bool):
            kinds = {"bool"}
        elif isinstance(found, int):
            kinds = {"int", "bool"}
        elif isinstance(found, float):
            kinds = {"float"}
        elif isinstance(found, str):  # a STRING opcode is bytes for encoding="bytes"
            kinds = set(_STR_OR_BYTES)
        elif isinstance(found, bytearray) or (isinstance(found, Blob)
                                              and found.kind == "bytearray"):
            return frozenset({"bytearray"})
        elif isinstance(found, Blob):
            return frozenset({"bytes"})  # a large constant: no key, no compared value
        elif isinstance(found, TextBlob):
            return frozenset({"str"})
        elif isinstance(found, bytes):
            kinds = {"bytes"}
        else:
            return _ANY
        return frozenset(kinds | {("=", found)})
    if isinstance(value, Mapping):
        return frozenset({"dict"})
    if isinstance(value, Seq):
        if value.kind == "tuple" and depth < 8 and len(value.items) <= 64 and (
                depth or _hash_work([value], {}) <= EXACT_TUPLE_COST):
            items = [_exact(_kinds_of(item, depth + 1)) for item in value.items]
            if all(known for known, _ in items):
                return frozenset({"tuple", ("=", tuple(v for _, v in items))})
        return frozenset({value.kind})
    if isinstance(value, GlobalRef):
        return frozenset({WRAPPER_CLASS if (value.module, value.name) == WRAPPER_PAIR
                          else GLOBAL, ("=", ("global", value.module, value.name))})
    if isinstance(value, Instance):
        if value.wrapper:
            return frozenset({WRAPPER})
        made = made_class(value)
        # an exact str only if str made it (STACK_GLOBAL requires exact str), a class only
        # if a metaclass did: neither among the classes a model's pickle names
        return _ANY if made is None or made[1] == "str" else frozenset({INSTANCE})
    return _ANY


class _Memo:
    """The unpickler's memo: the scan's (converted when read), what the view put, and the
    kinds that may sit at keys the view cannot know (a PUT whose text both readers parse
    differently)."""

    def __init__(self, memo: dict) -> None:
        self.base = memo
        self.put: dict = {}
        self.unknown: frozenset = frozenset()
        self.count: int | None = len(memo)  # keys set (MEMOIZE's next key); None: unknown

    def get(self, key: int | None) -> frozenset:
        if key is None:
            if self.put or self.base:
                return _ANY  # an index we cannot read may name any entry
        elif key in self.put:
            return self.put[key] | self.unknown
        elif key in self.base:
            kinds = _kinds_of(self.base[key])
            self.put[key] = kinds  # converted once
            return kinds | self.unknown
        if self.unknown:
            return self.unknown
        raise _Stop  # "Memo value not found" in both readers

    def set(self, key: int | None, kinds: frozenset) -> None:
        if key is None:
            self.unknown = self.unknown | kinds
            self.count = None
            return
        if self.count is not None and key not in self.put and key not in self.base:
            self.count += 1
        self.put[key] = kinds


def pickle_load_view(data: bytes, start: int, stack: list, marks: list[int], memo: dict,
                     spend: Callable[[], None], verdict, absent_ok: bool = False) -> str | None:
    """None when pickle.load, reading `data` from `start` with this stack, marks and memo,
    certainly stops (raises, or returns at STOP) before it could import or call anything
    but numpy.dtype with constants (a dtype state it sets goes into `verdict.dtypes`, for
    the probe, as the scan's own do); otherwise what it could do. `spend` is called once
    per opcode (the scan's budget). `absent_ok`: a STACK_GLOBAL of a module named by a known
    string, neither standard nor loaded here, is taken for a stop, that module's top-level
    name going into `verdict.absent_modules` for the probe to check it does not exist."""
    view = _View(data, start, stack, marks, memo)
    view.verdict, view.absent_ok = verdict, absent_ok
    try:
        while True:
            spend()
            view.step()
    except _Stop:
        return None
    except _Danger as danger:
        return str(danger)


class _View:
    def __init__(self, data: bytes, start: int, stack: list, marks: list[int],
                 memo: dict) -> None:
        self.data, self.pos = data, start
        self.stack = [_kinds_of(v) for v in stack]
        self.marks = list(marks)
        self.memo = _Memo(memo)
        self.wrappers_changed = False
        self.costs: dict = {}  # id -> (exact tuple, hashing cost): see _tuple_cost
        self.hash_work = 0
        self.verdict: Any = None  # the scan's Verdict, where the view records what it found
        self.absent_ok = False

    # -- reading ---------------------------------------------------------------------------
    def read(self, count: int) -> bytes:
        """`count` bytes, or a stop: short data is an error in the C unpickler, and in
        pickle.py either an error or the last value before the end of the input."""
        if count < 0 or self.pos + count > len(self.data):
            raise _Stop
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        return chunk

    def uint(self, size: int, signed: bool = False) -> int:
        return int.from_bytes(self.read(size), "little", signed=signed)

    def line(self) -> tuple[bytes | None, bytes, bytes]:
        """One text line as each reader sees it: (the C reader's, without its newline, or None
        when there is none: an error there; pickle.py's `readline()[:-1]`, whose last byte
        dropped is the newline or, at the end of the input, a byte of the text; pickle.py's
        `readline()`)."""
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            rest = self.data[self.pos:]
            self.pos = len(self.data)
            if not rest:
                raise _Stop  # both: nothing to read
            return None, rest[:-1], rest
        found = self.data[self.pos:end]
        self.pos = end + 1
        return found, found, found + b"\n"

    # -- the stack ---------------------------------------------------------------------------
    def fence(self) -> int:
        return self.marks[-1] if self.marks else 0

    def pop(self) -> frozenset:
        if len(self.stack) <= self.fence():
            raise _Stop  # stack underflow in both
        return self.stack.pop()

    def top(self) -> frozenset:
        if len(self.stack) <= self.fence():
            raise _Stop
        return self.stack[-1]

    def pop_mark(self) -> list[frozenset]:
        if not self.marks:
            raise _Stop  # "could not find MARK"
        at = self.marks.pop()
        items = self.stack[at:]
        del self.stack[at:]
        return items

    def push(self, *kinds: str) -> None:
        self.stack.append(frozenset(kinds))

    def push_exact(self, value, *kinds: str) -> None:
        """A value both readers make alike (binary opcodes): the value itself travels."""
        self.stack.append(frozenset(kinds) | {("=", value)})

    # -- one opcode ----------------------------------------------------------------------------
    def step(self) -> None:
        code = self.read(1)[0]
        handler = _HANDLERS.get(code)
        if handler is None:
            raise _Stop  # not an opcode: both raise
        handler(self)


def _utf8(raw: bytes, errors: str = "strict") -> str | None:
    try:
        return raw.decode("utf-8", errors)
    except UnicodeDecodeError:
        return None


def _ascii(raw: bytes) -> str | None:
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return None


def _import_names(view: _View, decode, needs_mark: bool) -> None:
    """GLOBAL (UTF-8 names) and INST (ASCII): an import unless both readers stop first."""
    c_dead = needs_mark and not view.marks  # the C reader looks for the MARK first
    c_module, py_module, _ = view.line()
    try:
        c_name, py_name, _ = view.line()
    except _Stop:  # end of input: the C reader fails; pickle.py reads an empty name
        c_name, py_name = None, b""
    c_dead = c_dead or c_module is None or _unimportable(decode(c_module)) or (
        c_name is None or not c_name or decode(c_name) is None)
    module, name = decode(py_module), decode(py_name)
    py_dead = _unimportable(module) or name is None
    if not (c_dead and py_dead):
        shown = module if module is not None else _utf8(c_module or b"", "replace")
        raise _Danger(f"import {shown!r}")
    raise _Stop  # both readers fail before they import


def _unimportable(module: str | None) -> bool:
    """Certainly no module: undecodable, empty ("Empty module name"), or a top-level name
    with a NUL character, which no finder matches: not sys.modules, not the builtin table
    (compared whole), not a file or a folder name; CPython 3.11+ compares frozen modules as
    C strings, up to the NUL, so the part before it must not be a standard-library name
    ('os\\0x' is the frozen os there) nor start with '_' (its frozen test modules)."""
    if not module:
        return True
    top = module.split(".")[0]
    if "\0" not in top:
        return False
    before = top.split("\0")[0]
    stdlib = getattr(sys, "stdlib_module_names", None)
    return not before or (stdlib is not None and before not in stdlib
                          and not before.startswith("_"))


def _global(view: _View) -> None:
    _import_names(view, _utf8, needs_mark=False)


def _inst(view: _View) -> None:
    _import_names(view, _ascii, needs_mark=True)


def _stack_global(view: _View) -> None:
    name, module = view.pop(), view.pop()
    if not ("str" in name and "str" in module):
        raise _Stop  # "STACK_GLOBAL requires str"
    known, value = _exact(module)
    if known and isinstance(value, str):
        _, called = _exact(name)
        if (value, called) == DTYPE_GLOBAL[1:]:
            view.push_exact(DTYPE_GLOBAL, GLOBAL)  # what the stream names its dtypes by
            return
        top = value.split(".")[0]
        if view.absent_ok and isinstance(called, str) and _DOTTED.match(value) and _DOTTED.match(
                called) and top in {m.split(".")[0] for m, _ in view.verdict.globals} and (
                value not in _COMPAT_MODULES and top not in _STDLIB):
            # A module the artifact's own load imports anyway (a joblib object array read
            # with the outer memo meets 'pandas' where joblib reads 'numpy'): pickle.load
            # imports it and then fails to find the attribute, unless it exists. The probe
            # checks that `module.name` does not exist, before any load.
            view.verdict.absent_modules.add(f"{value}:{called}")
            raise _Stop
        if view.absent_ok and _DOTTED.match(value) and value not in _COMPAT_MODULES and not any(
                value == old for old, _ in _COMPAT_NAMES) and top not in _STDLIB and (
                top not in sys.modules):
            # The module is known: pickle.load imports it (its top-level package first) and
            # raises, unless it exists. The probe checks that it does not, before any load.
            # (A real joblib file read so meets a string of the stream around it here: its
            # object array's pickle finds the outer value at the key of 'numpy'.)
            view.verdict.absent_modules.add(top)
            raise _Stop
    raise _Danger("import a module named by two strings (STACK_GLOBAL)")


def _reduce(view: _View) -> None:
    args, target = view.pop(), view.pop()
    known, called = _exact(target)
    given, values = _exact(args)
    if known and called == DTYPE_GLOBAL and given and len(values) == 3 and isinstance(
            values[0], str) and (values[1], values[2]) in ((False, True), (0, 1)) and len(
            {type(values[1]), type(values[2])}) == 1:
        # numpy.dtype('<f8', False, True): what a stream resumed here makes for its next
        # array (a dtype parses its code, and runs nothing else)
        view.push_exact(("dtype", values[0]), INSTANCE)
        return
    if target & _CODE:
        raise _Danger("call a class or function of the stream (REDUCE)")
    raise _Stop  # not callable: TypeError in both


def _newobj(view: _View, kwargs: bool = False) -> None:
    if kwargs:
        view.pop()
    args = view.pop()
    cls = view.pop()
    if _named(cls) == {WRAPPER_CLASS} and not kwargs and _named(args) <= {"tuple", "list"}:
        # object.__new__ (joblib's class defines no __new__): an empty wrapper, as the
        # stream itself makes them. Every later BUILD on a wrapper makes them all suspect.
        view.push(WRAPPER)
        return
    if cls & _TYPES:
        raise _Danger("create an instance of a class of the stream (NEWOBJ)")
    # not a class: the C reader raises; pickle.py calls cls.__new__(cls), which raises
    raise _Stop


def _obj(view: _View) -> None:
    items = view.pop_mark()
    if not items:
        raise _Stop
    if items[0] & _CODE:
        raise _Danger("call a class or function of the stream (OBJ)")
    raise _Stop


def _build(view: _View) -> None:
    if len(view.stack) - 2 < view.fence():
        raise _Stop
    state = view.stack.pop()
    target = view.stack[-1]
    known, made = _exact(target)
    if known and isinstance(made, tuple) and made[:1] == ("dtype",):
        _dtype_state(view, made[1], state)
        return
    if target & _CODE or (WRAPPER in target and view.wrappers_changed):
        raise _Danger("set the state of an object of the stream (BUILD)")
    if WRAPPER in target:
        # joblib's wrapper has no __setstate__: the state goes into its __dict__ (or through
        # object.__setattr__), which may now name 'append', 'extend', 'add'...
        view.wrappers_changed = True
    # a plain value: no __setstate__, no __dict__; nothing of the stream's runs


def _scan_value(value):
    return Seq("tuple", [_scan_value(v) for v in value]) if isinstance(value, tuple) else (
        Const(value))


def _dtype_state(view: _View, code: str, state: frozenset) -> None:
    """A dtype's state, held to what the scan holds its own to: numpy's layout, flags that
    agree with the fields, and the probe rebuilding it with numpy's constructor."""
    known, value = _exact(state)
    if not (known and isinstance(value, tuple)):
        raise _Danger("set the state of a numpy dtype to values the scan cannot read")
    dtype = Instance(GlobalRef(*DTYPE_GLOBAL[1:]), Seq("tuple", [Const(code), Const(False),
                                                                Const(True)]))
    scanned = _scan_value(value)
    problem = check_dtype_state(dtype, scanned)
    if problem:
        raise _Danger(f"set {problem}")
    dtype.state = scanned
    if describe_dtype(dtype, view.verdict) is None:
        raise _Danger("set a numpy dtype state the probe cannot verify")


def _no_method(view: _View, target: frozenset, what: str) -> None:
    """A method the unpickler looks up on `target`: the stream's code for a class, function
    or instance; joblib's wrapper has none of them (nor has its state, which the scan
    checked, until a BUILD of the view's)."""
    if target & _CODE or (WRAPPER in target and view.wrappers_changed):
        raise _Danger(f"call {what} of an object of the stream")


def _append(view: _View) -> None:
    if len(view.stack) - 1 <= view.fence():
        raise _Stop
    view.stack.pop()
    target = view.stack[-1]
    _no_method(view, target, "the append method (APPEND)")
    if not target & _APPENDABLE:
        raise _Stop  # no append(): AttributeError in both


def _appends(view: _View) -> None:
    view.pop_mark()
    # pickle.py calls extend() even with no items
    _no_method(view, view.top(), "the extend method (APPENDS)")


def _hashed(view: _View, keys: list[frozenset]) -> None:
    """Keys or elements the unpickler hashes: an exact tuple costs what it costs (bounded
    when made); a tuple the view kept only as a kind may cost anything (nested tuples shared
    through the memo: 2**depth), so a reading that hashes one is not vouched for."""
    for kinds in keys:
        if "tuple" not in kinds:
            continue
        known, value = _exact(kinds)
        if not known or type(value) is not tuple:
            raise _Danger("hash a tuple whose hashing work it cannot bound (nested tuples"
                          " shared through the memo cost 2**depth)")
        view.hash_work += _tuple_cost(value, view.costs)
        if view.hash_work > HASH_WORK:
            raise _Danger(f"hash keys costing more than {HASH_WORK} steps")


def _setitem(view: _View) -> None:
    view.pop()
    _hashed(view, [view.pop()])  # the stream's objects hash with their own code
    target = view.top()
    _no_method(view, target, "the __setitem__ (SETITEM)")
    if not target & _SUBSCRIPTABLE:
        raise _Stop  # TypeError in both, before the key is looked at


def _setitems(view: _View) -> None:
    items = view.pop_mark()
    target = view.top()
    if not items:
        return
    _no_method(view, target, "the __setitem__ (SETITEMS)")
    if not target & _SUBSCRIPTABLE:
        raise _Stop
    if len(items) % 2:
        raise _Stop  # the C reader refuses an odd count; pickle.py runs out after the pairs
    _hashed(view, items[::2])


def _additems(view: _View) -> None:
    items = view.pop_mark()
    target = view.top()
    _no_method(view, target, "the add method (ADDITEMS)")
    if items and "set" not in target:
        raise _Stop  # no add(): AttributeError in both
    _hashed(view, items)


def _dict(view: _View) -> None:
    items = view.pop_mark()  # keys are hashed: the stream's objects hash with their own code
    _hashed(view, items[::2])
    view.push("dict")


def _frozenset(view: _View) -> None:
    _hashed(view, view.pop_mark())
    view.push("frozenset")


def _list(view: _View) -> None:
    view.pop_mark()
    view.push("list")


def _tuple(view: _View, count: int | None = None) -> None:
    items = view.pop_mark() if count is None else [view.pop() for _ in range(count)][::-1]
    values = [_exact(item) for item in items]
    if len(items) <= 64 and all(known for known, _ in values):
        made = tuple(v for _, v in values)
        if _tuple_cost(made, view.costs) <= EXACT_TUPLE_COST:
            view.push_exact(made, "tuple")
            return
    view.push("tuple")


def _readonly_buffer(view: _View) -> None:
    top = view.top()
    if top & _CODE:
        raise _Danger("ask an object of the stream for its buffer (READONLY_BUFFER)")
    if not top & _BUFFERS:
        raise _Stop
    view.stack[-1] = frozenset({"memoryview"} | (top & _BUFFERS))


def _pop(view: _View) -> None:
    if len(view.stack) > view.fence():
        view.stack.pop()
    elif view.marks and view.marks[-1] == len(view.stack):
        view.marks.pop()
    else:
        raise _Stop


def _pop_mark(view: _View) -> None:
    view.pop_mark()


def _dup(view: _View) -> None:
    view.stack.append(view.top())


def _mark(view: _View) -> None:
    view.marks.append(len(view.stack))


def _stop(view: _View) -> None:
    view.pop()  # returns a value to the caller; nothing of the stream runs
    raise _Stop


def _c_text(line: bytes | None) -> bytes | None:
    """What the C reader parses of a line: a C string, so up to a NUL byte, newline kept."""
    if line is None:
        return None
    return (line + b"\n").split(b"\0", 1)[0]


def _int_or_none(text: bytes | None, base: int) -> int | None:
    if text is None or len(text) > 4000:  # long digit strings: left to the caller
        return None
    try:
        return int(text, base)
    except ValueError:
        return None


def _memo_keys(view: _View) -> list[int]:
    """The memo indexes a GET/PUT line may mean: both readers parse it as base 10 (the C one
    up to a NUL byte); none when both fail (they raise)."""
    c_line, py_line, _ = view.line()
    keys = {_int_or_none(_c_text(c_line), 10), _int_or_none(py_line, 10)}
    return sorted(k for k in keys if k is not None and k >= 0)


def _get(view: _View, size: int | None = None) -> None:
    if size is not None:
        view.stack.append(view.memo.get(view.uint(size)))
        return
    found = []
    for key in _memo_keys(view):
        with contextlib.suppress(_Stop):  # that reading fails; the other one may not
            found.append(view.memo.get(key))
    if not found:
        raise _Stop
    view.stack.append(frozenset().union(*found))


def _put(view: _View, size: int | None = None) -> None:
    if size is not None:
        key = view.uint(size)
        view.memo.set(key, view.top())
        return
    keys = _memo_keys(view)
    if not keys:
        raise _Stop  # both: not a number (or negative)
    view.memo.set(keys[0] if len(keys) == 1 else None, view.top())


def _memoize(view: _View) -> None:
    view.memo.set(view.memo.count, view.top())


# A superset of what the C reader's strtol/PyLong_FromString/PyOS_string_to_double accept
# (it may read more than pickle.py, never less: a line only they both refuse stops the view).
_C_NUMBER = re.compile(rb"[ \t\n\r\x0b\x0c]*[+-]?[0-9A-Za-z_.+-]+L?[ \t\n\r\x0b\x0c]*\Z")


def _py_number(kind: str, raw: bytes, stripped: bytes) -> bool:
    """Does pickle.py read this INT/LONG/FLOAT line? (exactly as it does)"""
    if len(raw) > 4000:
        return True  # long literals: digit limits differ between versions
    try:
        if kind == "I":
            if raw not in (b"00\n", b"01\n"):
                int(raw, 0)
        elif kind == "L":
            int(stripped[:-1] if stripped.endswith(b"L") else stripped, 0)
        else:
            float(stripped)
    except ValueError:
        return False
    return True


def _number(kind: str, *kinds: str):
    def handler(view: _View) -> None:
        c_line, py_line, raw = view.line()
        c_text = _c_text(c_line)
        c_reads = (c_line is not None and c_text is not None and len(c_line) >= 1
                   and bool(_C_NUMBER.match(c_text)))
        if not c_reads and not _py_number(kind, raw, py_line):
            raise _Stop  # neither reads a number there: both raise
        view.push(*kinds)

    return handler


def _quoted(text: bytes | None) -> bool:
    return text is not None and len(text) >= 2 and text[:1] == text[-1:] and text[:1] in (
        b"'", b'"')


def _string(view: _View) -> None:
    c_line, py_line, _ = view.line()
    if not (_quoted(c_line) or _quoted(py_line)):
        raise _Stop  # "the STRING opcode argument must be quoted" in both
    view.push("str", "bytes")


def _unicode(view: _View) -> None:
    view.line()  # raw-unicode-escape: may fail to decode in both, which the push covers
    view.push("str")


def _fixed(size: int, *kinds: str, signed: bool = False):
    def handler(view: _View) -> None:
        raw = view.read(size)
        if kinds == ("float",):
            view.push_exact(struct.unpack(">d", raw)[0], *kinds)
        else:
            view.push_exact(int.from_bytes(raw, "little", signed=signed), *kinds)

    return handler


def _counted(size: int, kinds: tuple[str, ...], signed: bool = False, unicode: bool = False):
    def handler(view: _View) -> None:
        length = view.uint(size, signed)
        if length < 0:
            raise _Stop  # a negative count: both raise
        payload = view.read(length)
        if unicode:
            text = _utf8(payload, "surrogatepass")
            if text is None:
                raise _Stop  # both decode strictly (surrogates aside)
            view.push_exact(text, *kinds)
        elif kinds == ("bytes",):
            view.push_exact(payload, *kinds)
        else:
            view.push(*kinds)  # text or bytes, as the reader's encoding says

    return handler


def _long(size: int):
    def handler(view: _View) -> None:
        length = view.uint(size, signed=size == 4)  # LONG1's count is unsigned
        if length < 0:
            raise _Stop
        view.push_exact(int.from_bytes(view.read(length), "little", signed=True), "int")

    return handler


def _proto(view: _View) -> None:
    if view.read(1)[0] > HIGHEST_PROTOCOL:
        raise _Stop


def _frame(view: _View) -> None:
    view.read(8)  # the C reader only checks the frame is there; pickle.py reads it ahead


def _never(view: _View) -> None:
    raise _Stop


def _persid(view: _View) -> None:
    raise _Stop  # no persistent_load: both raise


def _ext(size: int):
    def handler(view: _View) -> None:
        view.read(size)
        raise _Stop  # code <= 0, or not registered: both raise

    return handler


def _const(*kinds: str, value=_NO_VALUE):
    def handler(view: _View) -> None:
        if value is _NO_VALUE:
            view.push(*kinds)
        else:
            view.push_exact(value, *kinds)

    return handler


_HANDLERS = {
    ord("("): _mark, ord("."): _stop, ord("0"): _pop, ord("1"): _pop_mark, ord("2"): _dup,
    ord("F"): _number("F", "float"), ord("I"): _number("I", "int", "bool"),
    ord("J"): _fixed(4, "int", signed=True), ord("K"): _fixed(1, "int"),
    ord("L"): _number("L", "int"),
    ord("M"): _fixed(2, "int"), ord("N"): _const("none", value=None), ord("P"): _persid,
    ord("Q"): _never, ord("R"): _reduce, ord("S"): _string,
    ord("T"): _counted(4, ("str", "bytes"), signed=True),
    ord("U"): _counted(1, ("str", "bytes")), ord("V"): _unicode,
    ord("X"): _counted(4, ("str",), unicode=True), ord("a"): _append, ord("b"): _build,
    ord("c"): _global, ord("d"): _dict, ord("}"): _const("dict"), ord("e"): _appends,
    ord("g"): _get, ord("h"): lambda view: _get(view, 1), ord("i"): _inst,
    ord("j"): lambda view: _get(view, 4), ord("l"): _list,
    ord("]"): _const("list"), ord("o"): _obj, ord("p"): _put,
    ord("q"): lambda view: _put(view, 1), ord("r"): lambda view: _put(view, 4),
    ord("s"): _setitem, ord("t"): _tuple, ord(")"): _const("tuple", value=()), ord("u"): _setitems,
    ord("G"): _fixed(8, "float"),
    0x80: _proto, 0x81: _newobj, 0x82: _ext(1), 0x83: _ext(2), 0x84: _ext(4),
    0x85: lambda view: _tuple(view, 1), 0x86: lambda view: _tuple(view, 2),
    0x87: lambda view: _tuple(view, 3), 0x88: _const("bool", value=True),
    0x89: _const("bool", value=False),
    0x8A: _long(1), 0x8B: _long(4),
    ord("B"): _counted(4, ("bytes",)), ord("C"): _counted(1, ("bytes",)),
    0x8C: _counted(1, ("str",), unicode=True), 0x8D: _counted(8, ("str",), unicode=True),
    0x8E: _counted(8, ("bytes",)), 0x8F: _const("set"), 0x90: _additems,
    0x91: _frozenset, 0x92: lambda view: _newobj(view, kwargs=True), 0x93: _stack_global,
    0x94: _memoize, 0x95: _frame,
    0x96: _counted(8, ("bytearray",)), 0x97: _never, 0x98: _readonly_buffer,
}

