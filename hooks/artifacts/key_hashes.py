"""Hash flooding: dict keys and set elements whose hashes collide make the load quadratic.

A dict or set finds a key's slot by its full hash; keys with equal hashes but unequal values
walk past each other, so n of them cost n**2 / 2 comparisons. Python's hash of a number is
its value modulo 2**61 - 1, the same in every process: 36,000 integers `k * (2**61 - 1)`
(720 KB) kept the C unpickler busy for 20 s, and a million for hours, bounded only by the
load's timeout. Text and bytes (and the datetime types, which hash their packed bytes) hash
with a per-process random key: no file can make them collide.

So the scan computes, for every key it can, the hash the load will compute, and refuses a
container holding more than MAX_SAME_HASH keys of one hash: no real data has two distinct
numbers in one dict that share a hash but for -1 and -2 (both hash to -2). A key whose hash
the scan cannot tell (an object of another class, a NaN, which hashes to 0 before Python
3.10, a tuple holding one) is counted, and a container may hold at most MAX_OPAQUE_KEYS of
them: their comparisons then stay below MAX_OPAQUE_KEYS**2 / 2 whatever they hash to. What
comparing them may cost besides (n**2 / 2 times the size of a key: 4,000 `(frozenset, int)`
keys, 116 KB, loaded for 11 s) is charged to the file's work budget, which refuses a file
whose charges exceed it.
"""

from __future__ import annotations

import math
import struct
import sys

from mlgate.artifacts.stream_model import Const, GlobalRef, Instance, Mapping, Seq, const

MAX_SAME_HASH = 8
MAX_OPAQUE_KEYS = 4096
_MAX_DEPTH = 100  # tuples in tuples, as keys
MAX_DIGITS = 4300  # Python's own limit on int(str) since 3.11: parsing longer text is slow
_OPAQUE = object()
_P = sys.hash_info.modulus
_SCALAR = frozenset({("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar")})
_DTYPE = ("numpy", "dtype")
# numpy scalar kinds whose hash is that of the Python number they hold (struct formats)
_NUMBERS = {"b1": "?", "i1": "b", "i2": "h", "i4": "i", "i8": "q", "u1": "B", "u2": "H",
            "u4": "I", "u8": "Q", "f2": "e", "f4": "f", "f8": "d"}
# classes hashed from their packed bytes, with the process's random key (datetime's
# generic_hash): equal values hash alike, and nothing else can be told
_HASHED_BYTES = frozenset({("datetime", name) for name in (
    "date", "datetime", "time", "timedelta", "timezone")})


class KeyHashes:
    """The hashes of the keys each container of one scan was given, as they arrive (a dict
    is filled by many SETITEMS). `add` says what is wrong, or None."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[object, dict[int, set], list[int]]] = {}
        self._known: dict[int, tuple[object, object]] = {}  # id -> (node, its hash)
        self._sizes: dict[int, tuple[object, int]] = {}  # id -> (node, what comparing costs)
        self.work = 0  # the worst case of comparing keys whose hash is unknown: see add

    def take_work(self) -> int:
        """The work added since the last call, for the scan's budget."""
        done, self.work = self.work, 0
        return done

    def _size(self, node, depth: int) -> int:
        """What comparing `node` with an equal-hashing key may cost, in values visited: a
        tuple's items, a frozenset's or set's (made from a list), the length of text."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known[1]
        size = 1
        if depth > _MAX_DEPTH:
            size = 1 << 20
        elif isinstance(node, Const) and isinstance(node.value, (str, bytes)):
            size += len(node.value) // 64
        elif isinstance(node, Const) and isinstance(node.value, int):
            size += node.value.bit_length() // 4096
        elif isinstance(node, Seq):
            size += sum(self._size(item, depth + 1) for item in node.items)
        elif isinstance(node, Instance) and isinstance(node.args, Seq):
            size += sum(self._size(item, depth + 1) for item in node.args.items)
        if not isinstance(node, Const):
            self._sizes[id(node)] = (node, size)
        return size

    def add(self, container, keys) -> str | None:
        """`container`: the dict or set the keys go into (None: one made from them alone)."""
        if container is None:
            counts: dict[int, set] = {}
            opaque = [0]
        else:
            entry = self._seen.get(id(container))
            if entry is None:
                entry = self._seen[id(container)] = (container, {}, [0])
            _, counts, opaque = entry
        for key in keys:
            value = self._hash(key, 0)
            if value is _OPAQUE:
                # If they all collide, this key is compared with every earlier one, each
                # comparison as long as the key: charged to the scan's work budget, for the
                # whole file (red team of round 35: 4,000 tuples holding one 150-item
                # frozenset and colliding numbers took 11 s to load, in one 116 KB file)
                self.work += opaque[0] * self._size(key, 0)
                opaque[0] += 1
                if opaque[0] > MAX_OPAQUE_KEYS:
                    return (f"more than {MAX_OPAQUE_KEYS} keys or set elements in one container"
                            " whose hash the scan cannot tell (objects, NaN, tuples holding"
                            " them): if they collide, loading takes quadratic time")
                continue
            assert isinstance(value, int)
            # distinct keys: a key written twice (or shared through the memo) is found at
            # once, as itself; only unequal keys of one hash walk past each other
            same = counts.setdefault(value, set())
            same.add((type(key.value), key.value) if isinstance(key, Const) else id(key))
            if len(same) > MAX_SAME_HASH:
                return (f"more than {MAX_SAME_HASH} keys or set elements in one container with"
                        f" the same hash ({value}): numbers crafted to collide make loading"
                        " take quadratic time (hash flooding); real data has no such keys")
        return None

    def _hash(self, node, depth: int):
        known = self._known.get(id(node))
        if known is not None:
            return known[1]
        value = self._compute(node, depth)
        if not isinstance(node, Const):  # (constants are not shared: nothing to remember)
            self._known[id(node)] = (node, value)
        return value

    def _compute(self, node, depth: int):
        if isinstance(node, Const):
            value = node.value
            if isinstance(value, float) and math.isnan(value):
                return _OPAQUE
            try:
                return hash(value)
            except TypeError:  # an unhashable constant: the load fails on it anyway
                return _OPAQUE
        if isinstance(node, GlobalRef):  # a class or function: hashed by identity
            return hash((node.module, node.name))
        if isinstance(node, Seq) and node.kind == "tuple" and depth < _MAX_DEPTH:
            parts = [self._hash(item, depth + 1) for item in node.items]
            if any(part is _OPAQUE for part in parts):
                return _OPAQUE
            # A tuple's hash depends only on its items' hashes, and an int below the
            # modulus hashes to itself (-2 stands for -1's hash, as it does in Python).
            return hash(tuple(parts))
        if isinstance(node, Instance) and isinstance(node.cls, GlobalRef):
            return _instance_hash(node, self, depth)
        return _OPAQUE


def _instance_hash(node: Instance, keys: KeyHashes, depth: int):
    cls = (node.cls.module, node.cls.name)
    items = node.args.items if isinstance(node.args, Seq) else []
    if cls in _HASHED_BYTES:
        # Equal values hash alike, unequal ones unpredictably: stand for the value itself.
        parts = [keys._hash(item, depth + 1) for item in items]
        return _OPAQUE if any(part is _OPAQUE for part in parts) else hash((cls, *parts))
    if cls in _SCALAR and len(items) == 2:
        return _scalar_hash(items[0], const(items[1]))
    if cls == ("uuid", "UUID") and isinstance(node.state, Mapping):
        number = next((const(v) for k, v in node.state.pairs if const(k) == "int"), None)
        return hash(number) if type(number) is int else _OPAQUE
    if cls in (("decimal", "Decimal"), ("fractions", "Fraction")):
        args = [const(item) for item in items]
        if not args or not all(type(a) in (int, str) for a in args) or any(
                len(a) > MAX_DIGITS if isinstance(a, str) else a.bit_length() > 4 * MAX_DIGITS
                for a in args):
            return _OPAQUE
        try:
            if cls[0] == "decimal":
                import decimal

                return hash(decimal.Decimal(*args))
            import fractions

            return hash(fractions.Fraction(*args))
        except (ValueError, TypeError, ArithmeticError):
            return _OPAQUE
    return _OPAQUE


def _scalar_hash(dtype, data):
    """The hash of a numpy scalar of a plain number kind: that of the number it holds."""
    if not (isinstance(dtype, Instance) and isinstance(dtype.cls, GlobalRef)
            and (dtype.cls.module, dtype.cls.name) == _DTYPE and isinstance(dtype.args, Seq)
            and dtype.args.items and isinstance(data, bytes)):
        return _OPAQUE
    code = const(dtype.args.items[0])
    fmt = _NUMBERS.get(code) if isinstance(code, str) else None
    order = "<"
    if isinstance(dtype.state, Seq) and len(dtype.state.items) > 1:
        order = {">": ">", "<": "<", "|": "<", "=": "="}.get(const(dtype.state.items[1]), "")
    if fmt is None or not order or struct.calcsize(order + fmt) != len(data):
        return _OPAQUE
    value = struct.unpack(order + fmt, data)[0]
    if isinstance(value, float) and math.isnan(value):
        return _OPAQUE
    return hash(value)
