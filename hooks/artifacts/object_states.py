"""Object states and reconstructor calls only in the shapes their own writers produce.

An unpickled object gets its state from BUILD, which hands it to the class's `__setstate__`
(scikit-learn's does `self.__dict__.update(state)`, which takes a list of pairs as gladly as a
dict) or to `__dict__`. A state in a shape the class never writes is how a stream sets
attributes the scan does not see. So a state is accepted only as:

- a dict whose keys are constant identifiers, not dunder names, or the `(dict or None,
  slots dict)` pair `object.__reduce_ex__` writes, for any object;
- for the classes with a state format of their own, exactly the layout their library writes:
  numpy dtypes (verified again in the probe, see `describe_dtype`), arrays made by numpy's
  `_reconstruct`, masked arrays made by `_mareconstruct`, numpy's bit generators, and the
  compiled classes rebuilt by their own module's `newObj` or Cython's `__pyx_unpickle_*`
  (a tuple of data, read by compiled code; the probe checks the class's `__setstate__` is).

numpy's reconstructors are likewise accepted only with the arguments numpy passes them.
"""

from __future__ import annotations

from mlgate.artifacts.stream_model import (
    BAD_KEYS,
    NUMPY_DTYPE,
    Blob,
    Const,
    GlobalRef,
    Instance,
    Mapping,
    Seq,
    TextBlob,
    const,
    is_global,
    remembered,
)

ND_RECONSTRUCT = frozenset({("numpy.core.multiarray", "_reconstruct"),
                            ("numpy._core.multiarray", "_reconstruct")})
MA_RECONSTRUCT = ("numpy.ma.core", "_mareconstruct")
NDARRAY = ("numpy", "ndarray")
MASKED_ARRAYS = frozenset({("numpy.ma.core", "MaskedArray"), ("numpy.ma", "MaskedArray")})
SCALAR = frozenset({("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar")})
FROMBUFFER = frozenset({("numpy.core.numeric", "_frombuffer"),
                        ("numpy._core.numeric", "_frombuffer")})
BIT_GENERATOR_CTOR = ("numpy.random._pickle", "__bit_generator_ctor")
BIT_GENERATORS = frozenset({
    ("numpy.random._mt19937", "MT19937"), ("numpy.random._pcg64", "PCG64"),
    ("numpy.random._pcg64", "PCG64DXSM"), ("numpy.random._philox", "Philox"),
    ("numpy.random._sfc64", "SFC64")})
_BIT_GENERATOR_NAMES = frozenset(name for _, name in BIT_GENERATORS)
RANDOM_CTORS = frozenset({("numpy.random._pickle", "__randomstate_ctor"),
                          ("numpy.random._pickle", "__generator_ctor")})
RANDOM_CLASSES = BIT_GENERATORS | {
    ("numpy.random.mtrand", "RandomState"), ("numpy.random._generator", "Generator"),
    ("numpy.random.bit_generator", "SeedSequence")}
COPYREG_RECONSTRUCTORS = frozenset({("copyreg", "_reconstructor"), ("copy_reg", "_reconstructor")})
RECONSTRUCTORS = COPYREG_RECONSTRUCTORS | {BIT_GENERATOR_CTOR}
# The bases copyreg._reduce_ex hands `_reconstructor` (the first class of the MRO that is not
# a heap type) for what ordinary models hold: `object` (state None), or a builtin container
# or value whose constructor takes the state `base(obj)` gave (a dict subclass: a dict).
# `_reconstructor` calls `base.__new__(cls, state)`: another base (numpy.ndarray given 4096
# makes an array of uninitialised memory) is not a form the pickler writes for a model.
_RECONSTRUCTOR_BASES = frozenset(
    (module, name) for module in ("builtins", "__builtin__") for name in (
        "dict", "list", "set", "frozenset", "tuple", "int", "float", "complex", "str",
        "bytes", "bytearray")) | {("collections", "OrderedDict")}
_OBJECT = frozenset({("builtins", "object"), ("__builtin__", "object")})
CODECS_ENCODE = frozenset({("_codecs", "encode")})
PYX_UNPICKLE = "__pyx_unpickle_"
# Classes a pickle passes to a reconstructor and never calls itself.
MATRICES = frozenset({("numpy", "matrix"), ("numpy.matrixlib.defmatrix", "matrix")})
VALUE_ONLY = frozenset({NDARRAY}) | MASKED_ARRAYS | MATRICES
MAX_DTYPES = 100_000
MAX_DTYPE_DEPTH = 32
MAX_DIMS = 64  # numpy 2's NPY_MAXDIMS (32 before)


def dtype_state_size(state) -> int:
    """What checking and describing one dtype state walks (its names, fields, subarray
    shape, metadata), for the scan's work budget: the same parts, shared through the memo,
    are walked again for each dtype that holds them."""
    size = 1
    if isinstance(state, Seq):
        for part in state.items:
            if isinstance(part, Seq):
                size += len(part.items) + sum(len(p.items) for p in part.items
                                              if isinstance(p, Seq))
            elif isinstance(part, Mapping):
                size += len(part.pairs)
    return size
# Bytes per item by type code; None: the digits are the size in bytes.
_ITEMSIZE = {"b": 1, "i": None, "u": None, "f": None, "c": None, "?": 1, "S": 1, "U": 4,
             "V": 1, "M": None, "m": None}
FROZEN = Const("frozen: a part of another dtype")


def _pair(ref) -> tuple[str, str] | None:
    return (ref.module, ref.name) if isinstance(ref, GlobalRef) else None


def made_by(value, pairs) -> bool:
    return isinstance(value, Instance) and _pair(value.cls) in pairs


# -- numpy dtypes -------------------------------------------------------------------------

def dtype_code(dtype) -> str | None:
    if not isinstance(dtype, Instance) or not is_global(dtype.cls, NUMPY_DTYPE):
        return None
    if not isinstance(dtype.args, Seq) or dtype.args.kind != "tuple" or not dtype.args.items:
        return None
    code = const(dtype.args.items[0])
    return code if isinstance(code, str) and code else None


def dtype_has_object(dtype, depth: int = 0) -> bool | None:
    """Whether a dtype built by the stream holds Python objects; None when unknowable.
    Cached on the dtype: a dtype shared through the memo is examined once (linear time)."""
    if isinstance(dtype, Instance) and "has_object" in dtype.memo:
        return dtype.memo["has_object"]
    code = dtype_code(dtype)
    if code is None or depth > MAX_DTYPE_DEPTH:
        return None
    found: bool | None = False
    if code.lstrip("<>=|").startswith("O"):
        found = True
    elif isinstance(dtype.state, Seq):  # never BUILT (or frozen): a plain dtype
        subarray, fields = dtype.state.items[2], dtype.state.items[4]  # validated at BUILD
        parts = [subarray.items[0]] if isinstance(subarray, Seq) else []
        if isinstance(fields, Mapping):
            parts += [v.items[0] for _, v in fields.pairs]
        for part in parts:
            inner = dtype_has_object(part, depth + 1)
            if inner is None:
                found = None
                break
            found = found or inner
    if dtype.state is not None:
        dtype.memo["has_object"] = found
    return found


def code_itemsize(code: str | None) -> int | None:
    """Bytes per item that a dtype's type code implies ('O': a pointer, 8 bytes)."""
    if not code:
        return None
    code = code.lstrip("<>=|")
    kind, digits = code[:1], code[1:]
    if kind == "O":
        return 8 if digits in ("", "8") else None
    if kind in ("b", "?") and not digits:
        return 1
    if kind not in _ITEMSIZE or not digits.isdigit():
        return None
    unit = _ITEMSIZE[kind]
    return int(digits) * unit if unit else int(digits)


def dtype_size(dtype) -> int | None:
    """Bytes per item of a numpy dtype rebuilt as `numpy.dtype('<f8', False, True)`;
    0 for a dtype that holds objects (joblib writes those as a nested pickle)."""
    code = dtype_code(dtype)
    if code is None:
        return None
    has_object = dtype_has_object(dtype)
    if has_object is None:
        return None
    if code.lstrip("<>=|").startswith("O") or has_object:
        return 0  # object arrays are a nested pickle
    return code_itemsize(code)


def bytes_value(value) -> bytes | None:
    """The bytes a value stands for: a constant, `_codecs.encode(text, 'latin1')` (how
    protocols 0-2 write bytes in Python 3), or `bytes()`; None when it is not bytes."""
    if isinstance(value, Const):
        if isinstance(value.value, (bytes, bytearray, Blob)):
            return bytes(value.value)
        if isinstance(value.value, str):  # a Python 2 str (STRING opcodes)
            try:
                return value.value.encode("latin1")
            except UnicodeEncodeError:
                return None
        return None
    if made_by(value, CODECS_ENCODE) and isinstance(value.args, Seq):
        text = const(value.args.items[0]) if value.args.items else None
        if isinstance(text, TextBlob):
            return text.latin1()
        return text.encode("latin1") if isinstance(text, str) else None
    if made_by(value, {("builtins", "bytes"), ("__builtin__", "bytes")}) and isinstance(
            value.args, Seq) and not value.args.items:
        return b""
    return None


def byte_length(value) -> int | None:
    """len(bytes_value(value)), without copying a large buffer."""
    if isinstance(value, Const) and isinstance(value.value, (bytes, bytearray, Blob)):
        return len(value.value)
    data = bytes_value(value)
    return None if data is None else len(data)


def _constant_metadata(value) -> bool:
    # (an int within 64 bits: a 5,000-digit one crashed mlgate sending it to the probe
    # as JSON, as the alignment did: review of round 34)
    return isinstance(value, Mapping) and all(
        isinstance(const(k), str) and isinstance(v, Const)
        and (v.value is None or type(v.value) in (str, float, bool) or _c_int(v))
        for k, v in value.pairs)


def _datetime_metadata_problem(code: str, extra) -> str | None:
    if code.lstrip("<>=|")[:1] not in ("M", "m"):
        if not _constant_metadata(extra):
            return "a numpy.dtype whose metadata is not a dict of constants"
        return None
    if not (isinstance(extra, Seq) and extra.kind == "tuple" and len(extra.items) == 2):
        return "a numpy datetime dtype whose unit is not (metadata, (unit, num, den, events))"
    meta, unit = extra.items
    if not ((isinstance(meta, Const) and meta.value is None) or _constant_metadata(meta)):
        return "a numpy.dtype whose metadata is not a dict of constants"
    if not (isinstance(unit, Seq) and unit.kind == "tuple" and len(unit.items) == 4
            and byte_length(unit.items[0]) is not None
            and all(_c_int(v) for v in unit.items[1:])):
        return "a numpy datetime dtype whose unit is not (unit, num, den, events)"
    return None


def check_dtype_state(dtype: Instance, state) -> str | None:
    """Why a numpy.dtype's BUILD state is refused, or None. numpy trusts the flags in it:
    an object field without them makes ndarray.__setstate__ read raw bytes as pointers.
    What passes here is still rebuilt by the probe with numpy's constructor and compared."""
    code = dtype_code(dtype)
    if code is None:
        return "a numpy.dtype made from something other than a constant type code"
    args = dtype.args.items
    # numpy >= 1.20 writes (code, False, True); older numpy wrote the same flags as (code, 0, 1)
    flags = (const(args[1]), const(args[2])) if len(args) == 3 else None
    if flags not in ((False, True), (0, 1)) or {type(f) for f in flags} not in (
            {bool}, {int}):
        return "a numpy.dtype made with other arguments than numpy writes (code, False, True)"
    if not isinstance(state, Seq) or state.kind != "tuple" or len(state.items) not in (8, 9):
        return "a numpy.dtype state that is not the 8- or 9-tuple numpy writes"
    version, order, subarray, names, fields, elsize, alignment, flags = state.items[:8]
    if (const(version), len(state.items)) not in ((3, 8), (4, 9)) or const(order) not in (
            "<", ">", "|", "="):
        return "a numpy.dtype state with an unknown version or byte order"
    if len(state.items) == 9:
        problem = _datetime_metadata_problem(code, state.items[8])
        if problem:
            return problem
    elif code.lstrip("<>=|")[:1] in ("M", "m"):
        return "a numpy datetime dtype without its unit"
    if not all(_c_int(v) for v in (elsize, alignment, flags)):
        return "a numpy.dtype state whose sizes or flags are not constant 64-bit integers"
    if isinstance(subarray, Const) and subarray.value is None:
        pass
    elif not (isinstance(subarray, Seq) and subarray.kind == "tuple"
              and len(subarray.items) == 2 and dtype_code(subarray.items[0])
              and isinstance(subarray.items[1], Seq) and subarray.items[1].kind == "tuple"
              and len(subarray.items[1].items) <= MAX_DIMS
              and all(_c_int(d) for d in subarray.items[1].items)):
        # (numpy has at most 64 dimensions: a 100,000-int shape tuple shared by thousands
        # of dtypes was checked and described again for each, 3 GB: static review round 35)
        return "a numpy.dtype subarray that is not (dtype, shape of at most 64 dimensions)"
    if isinstance(names, Const) and names.value is None:
        if not (isinstance(fields, Const) and fields.value is None):
            return "a numpy.dtype with fields but no names"
    else:
        if not (isinstance(names, Seq) and names.kind == "tuple"
                and all(isinstance(const(n), str) for n in names.items)):
            return "a numpy.dtype whose field names are not constant strings"
        if not isinstance(fields, Mapping):
            return "a numpy.dtype with names but no fields"
        for key, value in fields.pairs:
            if not (isinstance(const(key), str) and isinstance(value, Seq)
                    and value.kind == "tuple" and len(value.items) in (2, 3)
                    and dtype_code(value.items[0]) and _c_int(value.items[1])
                    and (len(value.items) == 2 or isinstance(const(value.items[2]), str))):
                return "a numpy.dtype field that is not (dtype, offset[, title])"
    code_size = code_itemsize(code)
    if elsize.value != -1 and elsize.value != code_size:
        # numpy sizes flexible dtypes (V, S, U) from this number, not from the type code.
        return "a numpy.dtype state whose item size disagrees with its type code"
    size = code_size
    parts = [subarray.items[0]] if isinstance(subarray, Seq) else []
    if isinstance(fields, Mapping):
        for _, value in fields.pairs:
            offset, part = const(value.items[1]), value.items[0]
            part_size = code_itemsize(dtype_code(part))
            if size is None or part_size is None or offset < 0 or offset + part_size > size:
                return "a numpy.dtype field that does not lie inside its item"
            parts.append(part)
    for part in parts:
        if part.state is None:
            part.state = FROZEN  # a later BUILD would change a dtype already vouched for
    probe = Instance(dtype.cls, dtype.args)
    probe.state = state
    has_object = dtype_has_object(probe)
    if has_object is None:
        return "a numpy.dtype whose fields cannot be read statically"
    # REFCOUNT|LIST_PICKLE|NEEDS_INIT for objects (numpy zeroes, then fills the pointers);
    # neither of the first two otherwise.
    if (flags.value & 0x0B) != 0x0B if has_object else (flags.value & 0x03) != 0:
        return ("a numpy.dtype whose flags disagree with its fields (numpy would read raw"
                " bytes as object pointers, or objects as raw bytes)")
    return None


def describe_dtype(dtype: Instance, verdict) -> int | None:
    """Index of `dtype` in verdict.dtypes, adding it (and the dtypes it holds, first): what
    the probe rebuilds with numpy's public constructor and compares with the state recorded
    here. None when the dtype holds something that cannot be described (then refused)."""
    known = verdict.dtype_index.get(id(dtype))
    if known is not None:
        return known
    if len(verdict.dtypes) >= MAX_DTYPES:
        return None
    state = None
    if isinstance(dtype.state, Seq):
        state = _encode(dtype.state, verdict)
        if state is None:
            return None
    verdict.dtypes.append({"args": [dtype_code(dtype), False, True], "state": state})
    verdict.dtype_keep.append(dtype)
    verdict.dtype_index[id(dtype)] = len(verdict.dtypes) - 1
    return len(verdict.dtypes) - 1


def _encode(value, verdict, depth: int = 0):
    """A dtype state's parts as JSON: {"c": constant}, {"b": bytes as latin-1},
    {"t": [tuple items]}, {"d": [[key, value], ...]}, {"ref": index of a dtype}."""
    if depth > MAX_DTYPE_DEPTH:
        return None
    if dtype_code(value) is not None:
        index = describe_dtype(value, verdict)
        return None if index is None else {"ref": index}
    if byte_length(value) is not None and not (isinstance(value, Const)
                                               and isinstance(value.value, str)):
        return {"b": bytes_value(value).decode("latin1")}  # type: ignore[union-attr]  # has a length
    if isinstance(value, Const) and (value.value is None
                                     or type(value.value) in (str, int, float, bool)):
        return {"c": value.value}
    if isinstance(value, Seq) and value.kind == "tuple":
        items = [_encode(v, verdict, depth + 1) for v in value.items]
        return None if any(i is None for i in items) else {"t": items}
    if isinstance(value, Mapping):
        pairs = [[_encode(k, verdict, depth + 1), _encode(v, verdict, depth + 1)]
                 for k, v in value.pairs]
        return None if any(k is None or v is None for k, v in pairs) else {"d": pairs}
    return None


# -- reconstructor calls ------------------------------------------------------------------

def _int_tuple(value) -> bool:
    return isinstance(value, Seq) and value.kind == "tuple" and all(
        type(const(d)) is int and const(d) >= 0 for d in value.items)


def _zero_shape(value) -> bool:
    return isinstance(value, Seq) and value.kind == "tuple" and len(value.items) == 1 and (
        type(const(value.items[0])) is int and const(value.items[0]) == 0)


def call_problem(target: GlobalRef, args: Seq) -> str | None:
    """Why a call numpy's pickling never writes is refused (a class passed only as a value
    called directly, a reconstructor given other arguments), or None."""
    pair, items = _pair(target), args.items
    if pair in VALUE_ONLY:
        return (f"{target.module}.{target.name} called directly: numpy pickles it through its"
                " reconstructor, never so")
    if pair in ND_RECONSTRUCT:
        # numpy writes exactly (ndarray, (0,), b'b'): a larger shape is an allocation
        if not (len(items) == 3 and (is_global(items[0], NDARRAY) or _pair(
                items[0]) in MATRICES) and _zero_shape(items[1])
                and byte_length(items[2]) is not None):
            return "numpy's _reconstruct with other arguments than (numpy.ndarray, (0,), b'b')"
    elif pair == MA_RECONSTRUCT:
        if not (len(items) == 4 and _pair(items[0]) in MASKED_ARRAYS
                and is_global(items[1], NDARRAY) and _zero_shape(items[2])
                and (isinstance(const(items[3]), str) or byte_length(items[3]) is not None)):
            return ("numpy.ma's _mareconstruct with other arguments than (MaskedArray,"
                    " numpy.ndarray, shape, type code)")
    elif pair in SCALAR:
        if not (len(items) == 2 and dtype_code(items[0]) is not None
                and dtype_has_object(items[0]) is False and byte_length(items[1]) is not None):
            return "a numpy scalar made from other than a plain dtype and its bytes"
    elif pair in FROMBUFFER:
        if not (len(items) == 4 and (byte_length(items[0]) is not None or made_by(
                items[0], {("builtins", "bytearray")})) and dtype_code(items[1]) is not None
                and dtype_has_object(items[1]) is False and _int_tuple(items[2])
                and const(items[3]) in ("C", "F")):
            return "numpy's _frombuffer with other arguments than (bytes, dtype, shape, order)"
    elif pair == BIT_GENERATOR_CTOR:
        if not (len(items) == 1 and (_pair(items[0]) in BIT_GENERATORS
                                     or const(items[0]) in _BIT_GENERATOR_NAMES)):
            return "numpy's bit generator constructor given something other than a bit generator"
    elif pair in RANDOM_CTORS:
        # numpy < 1.25 writes (name,); later, (name, __bit_generator_ctor) or the bit
        # generator itself. The function is called with the name: any other is a call of
        # an allowed function with an argument of the file's choosing.
        if not ((len(items) in (1, 2) and const(items[0]) in _BIT_GENERATOR_NAMES
                 and (len(items) == 1 or is_global(items[1], BIT_GENERATOR_CTOR)))
                or (len(items) == 1 and made_by(items[0], {BIT_GENERATOR_CTOR}))):
            return (f"numpy's {target.name} given other arguments than numpy writes (a bit"
                    " generator's name, with numpy's own constructor, or the bit generator)")
    elif pair in RANDOM_CLASSES and items:
        return (f"{target.module}.{target.name} called with arguments: numpy pickles it"
                " through its constructors, never so")
    elif pair is not None and target.name == "newObj":
        cls = _pair(items[0]) if len(items) == 1 else None
        if cls is None or cls[0] != target.module:
            return f"{target.module}.newObj given another class than one its module defines"
    elif pair is not None and target.name.startswith(PYX_UNPICKLE) and not (
            len(items) == 3 and isinstance(items[0], GlobalRef) and type(const(items[1])) is int
            and ((isinstance(items[2], Const) and items[2].value is None)
                 or _data(items[2]))):
        # (`const()` of a tuple is None too: any state passed, static review round 35)
        return (f"{target.module}.{target.name} with other arguments than Cython writes"
                " (class, checksum, state)")
    return None


def _c_int(value) -> bool:
    """An integer constant numpy can hold where it keeps it (a C integer of 64 bits): a
    2,100-byte alignment passed as "an integer" and crashed mlgate sending it on to the
    probe as JSON (static layer round 34, F4)."""
    number = const(value)
    return type(number) is int and -(1 << 63) <= number < (1 << 63)


def reconstructor_problem(target: GlobalRef, args: Seq) -> str | None:
    """`copyreg._reconstructor(cls, base, state)` only as `copyreg._reduce_ex` writes it
    (after the value types' and the ecosystem's own rules, which say more)."""
    if _pair(target) not in COPYREG_RECONSTRUCTORS:
        return None
    items = args.items
    if len(items) != 3 or not isinstance(items[0], GlobalRef):
        return "copyreg._reconstructor with other arguments than (class, base, state)"
    base = _pair(items[1])
    if base in _OBJECT:
        if not (isinstance(items[2], Const) and items[2].value is None):
            return "copyreg._reconstructor(class, object, state) with a state that is not None"
        return None
    if base not in _RECONSTRUCTOR_BASES:
        return (f"copyreg._reconstructor with the base {_name(items[1])}: the pickler hands it"
                " object or a builtin container, whose constructor is all it calls")
    if _pair(items[0]) == base:
        return "copyreg._reconstructor of a builtin type itself (the pickler refuses that)"
    # The state is `base(obj)`: a value of the base's own type. Any other goes to the base's
    # constructor as its argument: `bytearray.__init__(obj, 3000000000)` allocated 3 GB
    # from a 76-byte file (static layer round 34).
    if state_kind(items[2]) not in _STATE_KINDS.get(base[1], (base[1],)):
        return (f"copyreg._reconstructor(class, {base[1]}, state) with a state that is not a"
                f" {base[1]}")
    return None


# What `base(obj)` pickles to, by base: its own value, or the call protocol 0 writes it as.
_STATE_KINDS = {"OrderedDict": ("dict", "OrderedDict"), "bytes": ("bytes", "encode"),
                "unicode": ("str",)}


def state_kind(value) -> str | None:
    """The type a stream value has, as far as the stream says: a constant's, a container's,
    or the builtin that made it."""
    if isinstance(value, Const):
        return type(value.value).__name__
    if isinstance(value, Seq):
        return value.kind
    if isinstance(value, Mapping):
        return "dict"
    if isinstance(value, TextBlob):
        return "str"
    if isinstance(value, Blob):
        return value.kind
    if isinstance(value, Instance) and value.cls.module in (
            "builtins", "__builtin__", "collections", "_codecs"):
        return value.cls.name
    return None


def _name(value) -> str:
    pair = _pair(value)
    return f"{pair[0]}.{pair[1]}" if pair else "a computed value"


def subclass_check(target: GlobalRef, args: Seq) -> tuple[str, str, str, str] | None:
    """For `__pyx_unpickle_X(cls, ...)`: (cls module, cls name, module, X), which the probe
    verifies is a subclass before anything is unpickled (pandas' arrays share one)."""
    if not target.name.startswith(PYX_UNPICKLE) or not args.items:
        return None
    cls = args.items[0]
    return (cls.module, cls.name, target.module, target.name[len(PYX_UNPICKLE):])


# -- BUILD states -------------------------------------------------------------------------

def _good_key(key) -> bool:
    value = const(key)
    return isinstance(key, Const) and isinstance(value, str) and value.isidentifier() and (
        not value.startswith("__"))


# A plain dict has no attributes to be its items: BUILD of itself is no form it writes (red
# team round 40 F2: dunder keys by SETITEMS, then BUILD, passed to the load).
PLAIN_DICTS = (("builtins", "dict"), ("__builtin__", "dict"))


def _made_empty(target: Instance) -> bool:
    """Made with no items of its own (NEWOBJ with no arguments, or copyreg's reconstructor
    with no state), so that every item it has came through SETITEMS, whose keys are held to
    its rule (red team round 39 F1: a Bunch given a list of pairs, then BUILD of itself)."""
    args = target.args.items if isinstance(target.args, Seq) else None
    if args is None:
        return False
    if _pair(target.cls) in (("copyreg", "_reconstructor"), ("copy_reg", "_reconstructor")):
        return len(args) == 3 and isinstance(args[2], Const) and args[2].value is None
    return not args


def plain_doc(key, value) -> bool:
    """`__doc__` set to text or None on an instance: statsmodels' results keep their own
    docstring (false-alarm round 39 F3: every ARIMA model was refused, `allow` or not). Text
    in `__doc__` is read by nothing as an interface or as code."""
    return isinstance(key, Const) and key.value == "__doc__" and isinstance(value, Const) and (
        value.value is None or isinstance(value.value, (str, TextBlob)))


def _attribute_dict(value) -> bool:
    if not isinstance(value, Mapping):
        return False
    if value.checked == len(value.pairs):
        return True
    if all(_good_key(k) or plain_doc(k, v) for k, v in value.pairs):
        value.checked = len(value.pairs)
        return True
    return False


def _object_state(state) -> bool:
    """A dict of attribute names, or `(dict or None, slots dict)`."""
    if _attribute_dict(state):
        return True
    return (isinstance(state, Seq) and state.kind == "tuple" and len(state.items) == 2
            and (_attribute_dict(state.items[0]) or (
                isinstance(state.items[0], Const) and state.items[0].value is None))
            and _attribute_dict(state.items[1]))


def _data(value, depth: int = 0) -> bool:
    """Plain data inside a compiled class's state: constants, arrays, tuples of those."""
    if depth > 8:
        return False
    if isinstance(value, Const) or byte_length(value) is not None:
        return True
    if isinstance(value, Instance):
        # (numpy.ndarray: an array joblib wrote after its wrapper)
        return made_by(value, ND_RECONSTRUCT | SCALAR | FROMBUFFER | {NDARRAY}) or (
            dtype_code(value) is not None) or value.cls.name == "newObj" or (
            value.cls.name.startswith(PYX_UNPICKLE))
    return isinstance(value, Seq) and value.kind == "tuple" and remembered(
        value, ("data", depth), lambda: all(_data(v, depth + 1) for v in value.items))


def _array_data_problem(dtype, data, count: int | None) -> str | None:
    has_object = dtype_has_object(dtype)
    if has_object is None:
        return "an array whose dtype cannot be read statically"
    if has_object:
        if not (isinstance(data, Seq) and data.kind == "list"):
            return "an array of objects whose data is not a list (numpy writes one)"
        if count is None or len(data.items) != count:
            # numpy copies shape-many items from the list without checking its length
            return "an array of objects whose list is not one item per element"
        return None
    length = byte_length(data)
    if length is None:
        return "an array whose data is not its bytes"
    size = dtype_size(dtype)
    if size and count is not None and length != size * count:
        return "an array whose bytes disagree with its shape and dtype"
    return None


def _count(shape: Seq) -> int:
    count = 1
    for d in shape.items:
        count *= const(d)
    return count


def build_problem(target: Instance, state, verdict) -> str | None:
    """Why BUILD of `state` on `target` is refused, or None (numpy.dtype: checked apart)."""
    from mlgate.artifacts import ecosystem  # pandas, XGBoost...: their writers' layouts

    special = ecosystem.build_problem(target, state, verdict)
    if special is not ecosystem.NOT_MINE:
        return special
    made = _pair(target.cls)
    if made in ND_RECONSTRUCT or made == MA_RECONSTRUCT:
        width = 5 if made in ND_RECONSTRUCT else 7
        items = state.items if isinstance(state, Seq) and state.kind == "tuple" else []
        if not (len(items) == width and const(items[0]) == 1 and type(const(items[0])) is int
                and _int_tuple(items[1]) and dtype_code(items[2]) is not None
                and type(const(items[3])) is bool):
            return ("an array state that is not the (1, shape, dtype, fortran, data"
                    + (", mask, fill value" if width == 7 else "") + ") numpy writes")
        problem = _array_data_problem(items[2], items[4], _count(items[1]))
        if problem:
            return problem
        if width == 7:
            if byte_length(items[5]) is None:  # numpy checks its size against the shape
                return "a masked array whose mask is not bytes"
            if not _data(items[6]):
                return "a masked array whose fill value is not plain data"
        return None
    if made == BIT_GENERATOR_CTOR:
        if _attribute_or_data_dict(state) or (
                isinstance(state, Seq) and state.kind == "tuple" and len(state.items) == 2
                and _attribute_or_data_dict(state.items[0])
                and (_is_seed_sequence(state.items[1]) or (
                    isinstance(state.items[1], Const) and state.items[1].value is None))):
            return None
        return "a bit generator state that is not the dict numpy writes"
    if made is not None and (made[1] == "newObj" or made[1].startswith(PYX_UNPICKLE)):
        if _object_state(state):
            return _slots_problem(target, state, verdict)
        if isinstance(state, Seq) and state.kind == "tuple" and _data(state):
            cls = _pair(target.args.items[0]) if isinstance(target.args, Seq) else None
            if cls is not None:
                verdict.compiled.add(cls)
                return None
        return "a compiled class's state that is not a tuple of data"
    if _object_state(state):
        return _slots_problem(target, state, verdict)
    if state is target and made_class(target) not in (None, *PLAIN_DICTS) and _made_empty(
            target) and not target.memo.get(BAD_KEYS):
        # A dict subclass whose attributes are its items (statsmodels' Bunch sets
        # `self.__dict__ = self`) pickles itself as its own state (false-alarm round 39 F3:
        # every ARIMA model, its classes allowed). Its items' keys were held to SETITEMS's
        # rule (no dunder, no computed key), and the probe verifies it is a dict subclass.
        verdict.dict_classes.add(made_class(target))
        return None
    return ("an object state in a shape its class never writes (a dict of attribute names,"
            " or (dict, slots))")


def made_class(target: Instance) -> tuple[str, str] | None:
    """The class of the object a call made: the class called, or the class a reconstructor
    (copyreg's, numpy's bit generators', newObj, Cython's) was given; None when unknown."""
    made = _pair(target.cls)
    if made is None:
        return None
    if made in RECONSTRUCTORS or made[1] == "newObj" or made[1].startswith(PYX_UNPICKLE):
        items = target.args.items if isinstance(target.args, Seq) else []
        return _pair(items[0]) if items else None
    return made


def _slots_problem(target: Instance, state, verdict) -> str | None:
    """A `(dict, slots)` state makes the unpickler setattr() each slot item, which runs
    property setters and __setattr__ (scipy's `shape` setter reshapes arrays it trusts).
    Writers produce it only for real __slots__: the probe checks each key is a slot member
    of the class; a class the scan cannot name is refused."""
    if not (isinstance(state, Seq) and state.kind == "tuple"):
        return None
    cls = made_class(target)
    if cls is None:
        return "a (dict, slots) state for an object whose class the scan cannot name"
    keys = tuple(sorted(const(k) for k, _ in state.items[1].pairs))
    if keys:
        verdict.slots.add((*cls, keys))
    return None


def setitems_problem(target: Instance, verdict) -> str | None:
    """SETITEMS on an object calls its __setitem__: writers write it only after a dict
    subclass (a Bunch, an OrderedDict), which the probe verifies the class is."""
    cls = made_class(target)
    if cls is None:
        return "SETITEMS on an object whose class the scan cannot name"
    verdict.dict_classes.add(cls)
    return None


def _is_seed_sequence(value) -> bool:
    if not isinstance(value, Instance):
        return False
    cls = made_class(value)
    return cls is not None and cls[1] == "SeedSequence" and cls[0].startswith("numpy.random")


def _attribute_or_data_dict(value) -> bool:
    """numpy's bit generator states: dicts of string keys (not always identifiers)."""
    return isinstance(value, Mapping) and all(
        isinstance(const(k), str) and not const(k).startswith("__") for k, _ in value.pairs)
