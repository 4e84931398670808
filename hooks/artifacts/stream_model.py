"""What the static pickle scan knows about the values on the unpickler's stack.

The scan never builds real objects: a constant is a `Const`, a global a `GlobalRef`, a call's
result an `Instance` of the global it called, containers keep their items. The verdict
collects what the load will need: globals, the pairs the stream calls, the numpy dtype states
the probe must rebuild, and the classes whose state only compiled code reads.
"""

from __future__ import annotations

# Refusal codes (rule codes of `mlgate artifact`), for the scanners.
from mlgate.codes import ARTIFACT_MAIN_CLASS as MAIN_CLASS  # noqa: F401
from mlgate.codes import ARTIFACT_MALFORMED as MALFORMED  # noqa: F401
from mlgate.codes import ARTIFACT_UNRESOLVED as UNRESOLVED  # noqa: F401
from mlgate.codes import ARTIFACT_UNSAFE_GLOBAL as UNSAFE_GLOBAL  # noqa: F401

NUMPY_DTYPE = ("numpy", "dtype")


BAD_KEYS = "bad keys"  # Instance.memo: a dict made by a call holds a key that may be an attribute


class _Mark:
    __slots__ = ()


MARK = _Mark()


class Blob:
    """A large bytes or bytearray constant, kept as where it lies in the scanned data: the
    scan needs its length and kind; `bytes(blob)` copies it, only where its content matters.
    A model's arrays are such constants; copying them doubled (tripled, for bytearrays) the
    scan's memory."""

    __slots__ = ("data", "kind", "size", "start")

    def __init__(self, data: bytes, start: int, size: int, kind: str) -> None:
        self.data, self.start, self.size, self.kind = data, start, size, kind

    def __len__(self) -> int:
        return self.size

    def __bytes__(self) -> bytes:
        return self.data[self.start:self.start + self.size]


class TextBlob:
    """A large str constant (BINUNICODE, BINUNICODE8), kept as where its UTF-8 lies: decoded
    whole, one astral character makes every character four bytes (a 3 MB compressed file
    held 7 GiB). Its UTF-8 is validated as the unpicklers decode it, piece by piece. No
    check reads its text: where a str must be known (a name, a key, an argument), it is
    not one, and is refused."""

    __slots__ = ("data", "size", "start")

    def __init__(self, data: bytes, start: int, size: int) -> None:
        self.data, self.start, self.size = data, start, size

    def __len__(self) -> int:
        return self.size

    def latin1(self) -> bytes | None:
        """`str(...).encode('latin1')`: the bytes of an array or a value that protocols 0-2
        write as `_codecs.encode(text, 'latin1')`; None when a character is past U+00FF."""
        import codecs

        decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
        view, end, pieces = memoryview(self.data), self.start + self.size, []
        for at in range(self.start, end, 1 << 16):
            stop = min(at + (1 << 16), end)
            try:
                pieces.append(decoder.decode(view[at:stop], stop == end).encode("latin1"))
            except UnicodeError:
                return None
        return b"".join(pieces)


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

    __slots__ = ("facts", "items", "kind", "used")

    def __init__(self, kind: str, items: list) -> None:
        self.kind, self.items = kind, items
        self.used = False  # gone into another value (see Mapping.used)
        self.facts: dict | None = None  # what checks concluded about it: see `remembered`


def remembered(node: Seq, key, compute):
    """`compute()` for `node`, once per `key` (a check's name and depth): a tuple shared
    through the memo is reached again at every place that holds it, so a check that walks
    tuples in tuples without remembering costs K**depth for K references per level (static
    review round 35: a pandas index name of 1.1 KB took 2.5 minutes, a Cython state of
    340 B three). Remembered, every node is examined once per key: linear time."""
    facts = node.facts
    if facts is None:
        facts = node.facts = {}
    elif key in facts:
        return facts[key]
    value = facts[key] = compute()
    return value


class Mapping:
    """A dict built by the stream. `checked`: how many pairs it had when it last passed as
    an attribute dict (pairs are only ever appended, so an equal count means unchanged)."""

    __slots__ = ("checked", "pairs", "used")

    def __init__(self, pairs: list) -> None:
        self.pairs = pairs
        self.checked = -1
        # Gone into another value (an item, an argument, a state): a pickler fills a
        # container before it uses it, so items added later change what was vouched for
        # (numpy keeps the very fields dict of a dtype's state).
        self.used = False


class Instance:
    """The result of calling an allowed global: `cls` made it, `args` went in. `wrapper`:
    made exactly as joblib makes its array wrapper, `NEWOBJ(NumpyArrayWrapper, ())`.
    `memo` caches what the scan concluded about it (a dtype's objects), so a value shared
    through the memo is examined once, however often the stream refers to it."""

    __slots__ = ("args", "cls", "fetched", "memo", "size", "state", "uses", "wrapper")

    def __init__(self, cls: GlobalRef, args=None, wrapper: bool = False) -> None:
        self.cls, self.args, self.wrapper = cls, args, wrapper
        self.size = 0  # bytes made by a call (`_codecs.encode`, bytearray): their length;
        # an array's data
        self.uses = 0  # calls and BUILDs that took it directly
        self.state: object = None  # what BUILD set: a value of the stream, or FROZEN
        self.memo: dict = {}
        # Fetched from the memo or duplicated: from then on, the stream may have used it.
        self.fetched = False


class Getter:
    """`builtins.getattr` as the stream named it: accepted only as the target of the one
    call CPython writes with it, `getattr(zoneinfo.ZoneInfo, '_unpickle')` (see
    value_types). Every copy of it on the stack (named, fetched from the memo, duplicated)
    must be consumed so, or the pickle is refused at its STOP."""

    __slots__ = ("module", "name", "offset")

    def __init__(self, module: str, name: str, offset: int) -> None:
        self.module, self.name, self.offset = module, name, offset


class Refusal:
    """`pair`: for a global that is not on the allow-list (and no known danger), its
    (module, qualname): the scan goes on, so that one run names them all."""

    __slots__ = ("code", "hint", "message", "offset", "opaque", "pair")

    def __init__(self, offset: int, code: str, message: str,
                 pair: tuple[str, str] | None = None, hint: str | None = None) -> None:
        self.offset, self.code, self.message, self.pair = offset, code, message, pair
        self.hint = hint  # what to do, when the rule's own advice does not fit
        # for `pair`: the state the file gives it that allowing it would not clear
        self.opaque: str | None = None

    def __repr__(self) -> str:
        return f"Refusal({self.offset}, {self.code}, {self.message!r})"


class Verdict:
    """What a scan found: the globals needed, refusals, recorded versions, where it ended."""

    def __init__(self) -> None:
        self.globals: list[tuple[str, str]] = []
        # The globals the stream calls (REDUCE, NEWOBJ, OBJ, INST); the others are only
        # values (a scorer's score function, say).
        self.called: set[tuple[str, str]] = set()
        self.refusals: list[Refusal] = []
        self.versions: dict[str, set[str]] = {}
        self.end = 0
        self.pickles = 0
        self.work = 0  # units of the scan's work budget spent
        # Whether what pickle.load (not joblib) makes of a joblib file is settled: it is at
        # the first array joblib wrote after its wrapper (see plain_view).
        self.plain_settled = False
        # Globals refused but not dangerous (a class mlgate does not vet): the scan goes on
        # past them and does not judge the states or calls of what they make.
        self.unknown: set[tuple[str, str]] = set()
        # Of those, the classes given a state that would be refused even if allowed (bytes
        # from a __getstate__ of their own): no `allow` entry can clear the file.
        self.opaque: dict[tuple[str, str], str] = {}
        self.opaque_judged: dict[tuple, object] = {}  # (class, id(state)) -> the state
        # numpy dtypes as the probe rebuilds them with numpy's own constructor, children
        # first; a state that numpy would not write for that dtype is refused there.
        self.dtypes: list[dict] = []
        self.dtype_index: dict[int, int] = {}
        self.dtype_keep: list = []  # keeps the indexed objects (and so their ids) alive
        # Classes given a tuple state that only their compiled __setstate__ may read.
        self.compiled: set[tuple[str, str]] = set()
        # (module, class, module, base): classes Cython's reconstructor of `base` is given.
        self.subclasses: set[tuple[str, str, str, str]] = set()
        # (module, class, slot names) of (dict, slots) states; classes given SETITEMS: the
        # probe checks the names are __slots__ members, and the classes dict subclasses.
        self.slots: set[tuple] = set()
        self.dict_classes: set[tuple[str, str]] = set()
        # Top-level modules pickle.load of the file would try to import where its reading
        # of the bytes stops (plain_view): the probe checks none exists in the environment.
        self.absent_modules: set[str] = set()

    @property
    def safe(self) -> bool:
        return not self.refusals

    def merge(self, other: Verdict) -> None:
        """Another stream's needs (an .npz member): its dtypes are re-indexed after ours."""
        self.globals.extend(other.globals)
        self.called |= other.called
        for name, found in other.versions.items():
            self.versions.setdefault(name, set()).update(found)
        self.compiled |= other.compiled
        self.subclasses |= other.subclasses
        self.slots |= other.slots
        self.dict_classes |= other.dict_classes
        self.absent_modules |= other.absent_modules
        shift = len(self.dtypes)
        self.dtypes.extend(_shifted(entry, shift) for entry in other.dtypes)


def _shifted(value, shift: int):
    if isinstance(value, dict):
        if "ref" in value:
            return {"ref": value["ref"] + shift}
        return {k: _shifted(v, shift) for k, v in value.items()}
    if isinstance(value, list):
        return [_shifted(v, shift) for v in value]
    return value


def const(value):
    return value.value if isinstance(value, Const) else None


def is_global(value, pair: tuple[str, str]) -> bool:
    return isinstance(value, GlobalRef) and (value.module, value.name) == pair


def dict_get(mapping, key: str):
    """The value a dict built by the stream has for `key`: the last one set, as in Python."""
    found = None
    if isinstance(mapping, Mapping):
        for k, v in mapping.pairs:
            if const(k) == key:
                found = v
    return found


def hash_work(values, known: dict) -> int:
    """What hashing `values` costs, in nodes visited: a tuple or frozenset built by the
    stream is hashed through every item, each time it is reached (a tuple caches no hash), so
    100 tuples each holding the previous one twice through the memo (1.7 KB) cost 2**100.
    Computed once per node (`known`: id -> (node, cost)), in linear time."""
    return sum(shared_cost(value, known, _hashed_items) for value in values)


# Tuples and frozensets the keys and set elements of one file may hold, all told: the walks
# keep about 300 bytes for each (`hash_depth`, `hash_work`, key hashes) on top of the value
# itself (red team round 38: 4,096 keys each 999 tuples deep, 20 KB of zlib, took mlgate to
# 2 GB). A model's keys are names, numbers and short tuples of them.
MAX_HASHED_NODES = 1_000_000


class TooManyHashed(Exception):
    """The keys of a file hold more than MAX_HASHED_NODES tuples and frozensets."""


def hash_depth(values, known: dict) -> int:
    """How deep the tuples and frozensets of `values` nest: CPython hashes a tuple by
    recursing in C with no depth guard, so a key 300,000 tuples deep crashes every loader
    (static review round 37). Once per node (`known`: id -> (node, depth)), no recursion.
    Raises TooManyHashed past MAX_HASHED_NODES nodes in `known`."""
    deepest = 0
    for value in values:
        if _hashed_items(value) is None:
            continue
        todo = [(value, False)]
        while todo:
            node, expanded = todo.pop()
            if id(node) in known:
                continue
            items = _hashed_items(node)
            if not expanded:
                todo.append((node, True))
                todo.extend((item, False) for item in items
                            if id(item) not in known and _hashed_items(item) is not None)
                continue
            known[id(node)] = (node, 1 + max((known[id(item)][1] for item in items
                                              if id(item) in known), default=0))
            if len(known) > MAX_HASHED_NODES:
                raise TooManyHashed
        deepest = max(deepest, known[id(value)][1])
    return deepest


def _hashed_items(node):
    return node.items if isinstance(node, Seq) and node.kind in ("tuple", "frozenset") else None


def shared_cost(value, known: dict, parts) -> int:
    """Nodes visited walking `value` through `parts(node)` (its items, or None for a leaf,
    which costs 1), a shared part counted each time it is reached: computed once per node
    (`known`: id -> (node, cost); the node kept alive so that an id is never reused), with
    no recursion, in time linear in the distinct nodes."""
    if parts(value) is None:
        return 1
    todo = [(value, False)]
    while todo:
        node, expanded = todo.pop()
        if id(node) in known:
            continue
        items = parts(node)
        if not expanded:
            todo.append((node, True))
            todo.extend((item, False) for item in items
                        if id(item) not in known and parts(item) is not None)
            continue
        known[id(node)] = (node, 1 + sum(known[id(item)][1] if id(item) in known else 1
                                         for item in items))
    return known[id(value)][1]
