"""The probe: the only mlgate code that runs inside the project's interpreter.

It is executed as `python -I -c <this source> <command>` from a folder outside the repository,
imports nothing but the standard library, supports Python 3.8+, and answers with one JSON
object on stdout. Later checks add commands (artifact loading, schema reading, timing) here.
"""

import json
import os
import sys


def _full_version(info):
    version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version


def marker_environment():
    """PEP 508 marker variables, computed as packaging computes them."""
    import platform

    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": _full_version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def _headers(path):
    """Name, Version and Requires-Dist of a METADATA/PKG-INFO file, reading only its header
    block: the long description after it is most of the file and none of our business."""
    fields = {"name": None, "version": None, "requires-dist": []}
    key = None
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line in ("\n", "\r\n"):
                break
            if line[:1] in (" ", "\t") and key == "requires-dist" and fields[key]:
                fields[key][-1] += " " + line.strip()  # a folded header line
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            if key == "requires-dist":
                fields[key].append(value.strip())
            elif key in ("name", "version") and fields[key] is None:
                fields[key] = value.strip()
    return fields


def _egg_requires(folder):
    """requires.txt of an .egg-info, as Requires-Dist strings."""
    path = os.path.join(folder, "requires.txt")
    if not os.path.isfile(path):
        return []
    found, marker = [], None
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                # As importlib.metadata words it: "(condition) and extra == ..."
                extra, _, condition = line[1:-1].partition(":")
                if extra and condition:
                    condition = f"({condition})"
                parts = [p for p in (condition, extra and f'extra == "{extra}"') if p]
                marker = " and ".join(parts) or None
                continue
            found.append(line + ("; " + marker if marker else ""))
    return found


def _read_text(folder, name):
    try:
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return None


def distributions():
    """Installed distributions, the first on sys.path winning as for imports.

    Reads .dist-info/.egg-info folders directly, header block only: importlib.metadata parses
    each whole METADATA file once per attribute asked, which was most of this probe's time.
    """
    found, seen = [], set()
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue  # a zip or a missing folder: importlib.metadata covers those below
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            folder = os.path.join(entry, name)
            meta = os.path.join(folder, "METADATA" if name.endswith(".dist-info") else "PKG-INFO")
            if not os.path.isfile(meta):
                continue
            fields = _headers(meta)
            if not fields["name"] or not fields["version"]:
                continue
            key = fields["name"].lower().replace("_", "-").replace(".", "-")
            if key in seen:
                continue
            seen.add(key)
            requires = fields["requires-dist"] if name.endswith(".dist-info") else (
                fields["requires-dist"] or _egg_requires(folder))
            direct_url = _read_text(folder, "direct_url.json")
            try:
                direct_url = json.loads(direct_url) if direct_url else None
            except ValueError:
                direct_url = None
            installer = (_read_text(folder, "INSTALLER") or "").strip() or None
            found.append({
                "name": fields["name"],
                "version": fields["version"],
                "requires": requires,
                "direct_url": direct_url,
                "installer": installer,
                "location": folder,
            })
    return found


def environment():
    return {
        "python": sys.executable,
        "prefix": sys.prefix,
        "version": "{}.{}.{}".format(*sys.version_info[:3]),
        "markers": marker_environment(),
        "distributions": distributions(),
        "path": list(sys.path),
    }


# Where scikit-learn's pickled internals live besides the modules of its estimators: trees,
# losses, neighbour trees, distance metrics, histogram binning, calibration, bunches.
SKLEARN_EXTRA_MODULES = (
    "sklearn.tree._tree", "sklearn._loss.loss", "sklearn._loss._loss", "sklearn._loss.link",
    "sklearn.neighbors._kd_tree", "sklearn.neighbors._ball_tree",
    "sklearn.metrics._dist_metrics", "sklearn.utils._bunch",
    "sklearn.ensemble._hist_gradient_boosting.binning",
    "sklearn.ensemble._hist_gradient_boosting.predictor",
    "sklearn.calibration", "sklearn.preprocessing._function_transformer",
    # a fitted search keeps its scorer and its splitter
    "sklearn.metrics._scorer", "sklearn.model_selection._split",
    "sklearn.utils._metadata_requests",  # 1.6.1 pickles a scorer with its requests
    # SGD's loss objects, MLP's optimizers, Gaussian processes' kernels; older releases'
    # gradient-boosting losses and GLM links/distributions (old joblib files hold them)
    "sklearn.linear_model._sgd_fast", "sklearn.neural_network._stochastic_optimizers",
    "sklearn.gaussian_process.kernels", "sklearn.ensemble._gb_losses",
    "sklearn.linear_model._glm.link", "sklearn._loss.glm_distribution",
)
# Never trusted, not even for classes: test helpers, vendored, experimental and build code.
# (all_estimators skips the first six; the last three hold estimators made for tests.)
SKLEARN_DENY_PARTS = frozenset({
    "tests", "externals", "setup", "conftest", "experimental", "estimator_checks",
    "_testing", "_mocking", "_build_utils",
})
PYX_UNPICKLE = "__pyx_unpickle_"
PY2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


def sklearn_shaped(module, name):
    """Is (module, name) a pair only the project's scikit-learn can vouch for?

    The static scan lets such a pair through as *pending* and the load verifies it in the
    project's environment before anything is unpickled (`verify_sklearn_pair`): listing every
    class up front would mean importing every estimator module, seconds per environment.
    """
    if module != "_loss" and module != "sklearn" and not module.startswith("sklearn."):
        return False
    for part in module.split("."):
        if not (part.isascii() and part.isidentifier()) or part.startswith("__") \
                or part in SKLEARN_DENY_PARTS:
            return False
    target = name[len(PYX_UNPICKLE):] if name.startswith(PYX_UNPICKLE) else name
    return target.isascii() and target.isidentifier() and not target.startswith("__")


def sklearn_classes():
    """[module, qualname] of the classes scikit-learn defines where its estimators live.

    The reference listing, for tests and the benchmark: it imports every estimator module
    (seconds). The check verifies only the pairs an artifact names (`verify_sklearn_pair`).
    """
    import importlib
    import inspect

    from sklearn.utils.discovery import all_estimators

    modules = {cls.__module__ for _, cls in all_estimators()} | set(SKLEARN_EXTRA_MODULES)
    found = set()
    for name in sorted(modules):
        if any(part in SKLEARN_DENY_PARTS for part in name.split(".")):
            continue
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr, value in vars(module).items():
            if attr.startswith("__pyx_unpickle_") and inspect.isclass(
                    vars(module).get(attr[len("__pyx_unpickle_"):])):
                # Cython's reconstructor of that class (scikit-learn < 1.6): it checks the
                # layout's checksum, makes the instance with Class.__new__, sets its state.
                owner = vars(module)[attr[len("__pyx_unpickle_"):]].__module__
                if owner == name or name.endswith("." + owner):
                    found.add((owner, attr))
                continue
            if not inspect.isclass(value):
                continue
            qualname = value.__qualname__ if "." not in value.__qualname__ else attr
            if value.__module__ == name:
                found.add((name, qualname))
            elif name.endswith("." + value.__module__):
                # Cython types of older scikit-learn (1.6) name their module without its
                # package ('_loss'), and pickles reference them that way: the module puts
                # itself in sys.modules['_loss'] when sklearn._loss._loss is imported. Any
                # loader must resolve such a pair through that import, never by looking
                # '_loss' up on sys.path, where a file in the repository could answer.
                found.add((value.__module__, qualname))
    return sorted(found)


def artifact_context():
    """What the static artifact scan needs from the project's environment: versions."""
    from importlib import metadata

    versions = {}
    for name in ("scikit-learn", "numpy", "joblib", "scipy"):
        try:
            versions[name] = metadata.version(name)
        except Exception:
            versions[name] = None
    return {"versions": versions, "path": list(sys.path), "python": sys.executable}


# A pickled pair whose module is a bare name that only exists once the real module has been
# imported (scikit-learn 1.6's Cython losses register themselves as sys.modules['_loss']).
# Such a module is never looked up on sys.path, where a file of the repository could answer.
MODULE_ALIASES = {"_loss": "sklearn._loss._loss"}


class LoadFailure(Exception):
    """Why an artifact did not load, as data: the parent turns it into a finding."""

    def __init__(self, kind, message, **details):
        Exception.__init__(self, message)
        self.kind, self.message, self.details = kind, message, details


def _under(path, roots):
    path = os.path.realpath(path)
    return any(path == root or path.startswith(root + os.sep) for root in roots)


class _ProjectFinder:
    """A last-resort finder for the named top-level modules, in the project's folders."""

    def __init__(self, tops, roots):
        self.tops, self.roots = tops, roots

    def find_spec(self, name, path=None, target=None):
        if "." in name or name not in self.tops:
            return None
        import importlib.machinery

        return importlib.machinery.PathFinder.find_spec(name, self.roots)


def _estimator_module(module, name):
    """Is `module` one where scikit-learn's estimators live (all_estimators' rule: it defines
    a public, concrete BaseEstimator subclass), or one of its pickled internals?"""
    if name in SKLEARN_EXTRA_MODULES:
        return True
    import inspect

    from sklearn.base import BaseEstimator

    return any(
        isinstance(value, type) and value.__module__ == name and not attr.startswith("_")
        and value is not BaseEstimator and issubclass(value, BaseEstimator)
        and not inspect.isabstract(value)
        for attr, value in list(vars(module).items()))


def _scorer_function(value, module, name):
    """Is `value` the score function behind one of scikit-learn's named scorers (or the old
    `_passthrough_scorer`), defined where the pickle says? Such a function is only ever a
    value in a model: a fitted search's scorer calls it when it scores, never on load."""
    if getattr(value, "__module__", None) != module or getattr(value, "__qualname__", None) \
            != name:
        return False
    from sklearn import metrics
    from sklearn.metrics import _scorer

    if value is getattr(_scorer, "_passthrough_scorer", None):
        return True
    for scorer_name in metrics.get_scorer_names():
        try:
            if getattr(metrics.get_scorer(scorer_name), "_score_func", None) is value:
                return True
        except Exception:  # a scorer that needs an optional dependency
            continue
    return False


class _Resolver:
    """Resolves exactly the allow-listed pairs and nothing else.

    A pair that is not the project's own must come from an installed package: its top-level
    module is located *before* anything is executed, and refused when the repository (whose
    folders mlgate appends to the import system) is where it would be found.
    """

    def __init__(self, allowed, project_pairs, project_roots, class_pairs=frozenset()):
        self.allowed, self.project_pairs = allowed, project_pairs
        self.roots, self.class_pairs = project_roots, class_pairs
        self.environment_paths = [os.path.realpath(p) for p in sys.path
                                  if p and os.path.realpath(p) not in project_roots]

    def module(self, module, name):
        import importlib
        import importlib.util

        if module in MODULE_ALIASES:
            importlib.import_module(MODULE_ALIASES[module])
            return sys.modules[MODULE_ALIASES[module]]
        top = module.split(".")[0]
        if (module, name) not in self.project_pairs and top not in sys.modules:
            spec = importlib.util.find_spec(top)
            if spec is None:
                raise ModuleNotFoundError(f"No module named {top!r}", name=top)
            places = [p for p in (*(spec.submodule_search_locations or ()),
                                  spec.origin or "") if p]
            # Found through one of the folders mlgate appended, not an entry the environment
            # had (its site-packages may well live inside the repository, as a .venv/ does).
            if any(_under(p, self.roots) and not _under(p, self.environment_paths)
                   for p in places):
                raise LoadFailure(
                    "shadowed", f"{top} would be imported from the repository"
                    f" ({next(p for p in places if p)}), not from the environment",
                    module=top)
        return importlib.import_module(module)

    def verify_sklearn_pair(self, module, name, called=True):
        """Before anything is unpickled: a pending scikit-learn pair must name a class that
        module defines (or Cython's reconstructor of one), in a module where estimators live.
        A pair the stream never calls may also be a function behind one of scikit-learn's
        named scorers (a fitted search keeps it). Other functions, imported names and test
        helpers are refused."""
        refused = f"{module}.{name} is not on the allow-list of what model artifacts need"
        if not sklearn_shaped(module, name):
            raise LoadFailure("refused", refused, module=module, name=name)
        loaded = self.module(module, name)
        target = name[len(PYX_UNPICKLE):] if name.startswith(PYX_UNPICKLE) else name
        value = vars(loaded).get(target)
        if value is None or (target != name and vars(loaded).get(name) is None):
            raise LoadFailure("class", f"{module} has no {name}", module=module, name=name)
        if not isinstance(value, type):
            if not called and target == name and _scorer_function(value, module, name):
                return
            raise LoadFailure("refused", refused + " (scikit-learn's classes are, its functions"
                              " are not)", module=module, name=name)
        if value.__module__ != module:  # imported there: pickle would name its own module
            raise LoadFailure("refused", refused + f" (it is {value.__module__}'s class)",
                              module=module, name=name)
        if not _estimator_module(loaded, MODULE_ALIASES.get(module, module)):
            raise LoadFailure("refused", refused + f" ({module} holds no estimator)",
                              module=module, name=name)

    def find_class(self, module, name):
        if (module, name) not in self.allowed:
            raise LoadFailure("refused", f"{module}.{name} is not on the allow-list",
                              module=module, name=name)
        if module in PY2_MODULES:
            # Protocols 0-2 name builtins and copyreg as Python 2 did; pickle maps the allowed
            # pairs (`__builtin__.set`, `copy_reg._reconstructor`) to their Python 3 names.
            module = PY2_MODULES[module]
        value = self.module(module, name)
        for part in name.split("."):
            try:
                value = getattr(value, part)
            except AttributeError:
                raise LoadFailure("class", f"{module} has no {name}", module=module,
                                  name=name) from None
        if (module, name) in self.class_pairs and not (
                isinstance(value, type) and value.__module__ == module):
            # trust-modules trusts the classes a module defines; at run time the name must
            # still be such a class (not a function bound under `if TYPE_CHECKING: ... else:`).
            raise LoadFailure("refused", f"{module}.{name} is not a class defined in {module}"
                              " when the module runs", module=module, name=name)
        return value


def _decode_state(value, built):
    """A dtype state part as the static scan encoded it, with dtypes already rebuilt."""
    if "ref" in value:
        return built[value["ref"]]
    if "c" in value:
        return value["c"]
    if "b" in value:
        return value["b"].encode("latin1")
    if "t" in value:
        return tuple(_decode_state(v, built) for v in value["t"])
    return {_decode_state(k, built): _decode_state(v, built) for k, v in value["d"]}


def _dtype_from_state(np, code, state, built):
    """The dtype numpy's public constructor makes from what the state describes."""
    order, subarray, names, fields, elsize, flags = (state[1], state[2], state[3], state[4],
                                                     state[5], state[7])
    extra = state[8] if len(state) == 9 else None
    metadata = extra
    kind = code.lstrip("<>=|")[:1]
    if kind in ("M", "m"):
        metadata, (unit, num, _den, _events) = extra
        unit = unit.decode("ascii")
        desc = order + kind + "8" + ("" if unit == "generic" else
                                     f"[{'' if num == 1 else num}{unit}]")
    elif names is not None:
        spec = {"names": list(names), "formats": [fields[n][0] for n in names],
                "offsets": [fields[n][1] for n in names], "itemsize": elsize}
        titles = [fields[n][2] if len(fields[n]) == 3 else None for n in names]
        if any(t is not None for t in titles):
            spec["titles"] = titles
        desc = spec
        return np.dtype(desc, align=bool(flags & 0x80), metadata=metadata) if metadata \
            else np.dtype(desc, align=bool(flags & 0x80))
    elif subarray is not None:
        desc = (subarray[0], subarray[1])
    elif kind in ("U", "S", "V"):
        desc = order + kind + str(elsize // (4 if kind == "U" else 1))
    else:
        desc = (order if order in "<>" else "") + code
    return np.dtype(desc, metadata=metadata) if metadata else np.dtype(desc)


def _same_state(value, encoded, built, signature):
    if "ref" in encoded:
        return hasattr(value, "descr") and signature(value) == signature(built[encoded["ref"]])
    if "t" in encoded:
        return isinstance(value, tuple) and len(value) == len(encoded["t"]) and all(
            _same_state(v, e, built, signature) for v, e in zip(value, encoded["t"]))
    if "d" in encoded:
        pairs = {_decode_state(k, built): e for k, e in encoded["d"]}
        return isinstance(value, dict) and len(value) == len(encoded["d"]) == len(pairs) and all(
            k in value and _same_state(value[k], e, built, signature) for k, e in pairs.items())
    expected = _decode_state(encoded, built)
    return type(value) is type(expected) and value == expected


def verify_dtypes(entries):
    """Each numpy dtype state of the artifact, rebuilt with numpy's public constructor from
    what it describes: its `__reduce__()` must give back exactly the recorded state (flags,
    item size, alignment, field offsets, subarrays, metadata, datetime units). numpy accepts
    states it never writes, among them ones that read raw bytes as object pointers; those
    are refused before anything is unpickled."""
    if not entries:
        return
    import numpy as np

    signatures = {}

    def signature(dtype):
        known = signatures.get(id(dtype))
        if known is None:
            reduced = dtype.__reduce__()
            known = repr((reduced[1], tuple(
                (signature(part) if isinstance(part, np.dtype) else repr(part))
                for part in _flatten_state(reduced[2], np))))
            signatures[id(dtype)] = known
            keep.append(dtype)
        return known

    keep, built = [], []
    for entry in entries:
        code, align, copy = entry["args"]
        refused = f"a numpy dtype state ({code}) that numpy would not write for that dtype"
        if align is not False or copy is not True or not isinstance(code, str):
            raise LoadFailure("refused", refused)
        try:
            if entry["state"] is None:
                dtype = np.dtype(code)
            else:
                state = _decode_state(entry["state"], built)
                dtype = _dtype_from_state(np, code, state, built)
        except Exception:  # numpy refused the description: no writer wrote it
            raise LoadFailure("refused", refused) from None
        reduced = dtype.__reduce__()
        if list(reduced[1]) != [code, False, True] or not (
                entry["state"] is None or _same_state(reduced[2], entry["state"], built,
                                                      signature)):
            raise LoadFailure("refused", refused)
        built.append(dtype)


def _flatten_state(value, np):
    """The leaves of a dtype state, dtypes kept whole (for a signature)."""
    if isinstance(value, tuple):
        for item in value:
            yield from _flatten_state(item, np)
    elif isinstance(value, dict):
        for key in sorted(value, key=repr):
            yield key
            yield from _flatten_state(value[key], np)
    else:
        yield value


def verify_state_classes(resolver, compiled, subclasses, slots=(), dict_classes=()):
    """Classes the scan let take a tuple state: only compiled code may read it (a Python
    __setstate__ such as scikit-learn's would pour it into __dict__). Classes handed to a
    Cython reconstructor must be subclasses of the class it rebuilds."""
    import inspect
    import types

    for module, name in compiled:
        cls = resolver.find_class(module, name)
        setstate = inspect.getattr_static(cls, "__setstate__", None) if isinstance(
            cls, type) else None
        if setstate is None or isinstance(setstate, (types.FunctionType, classmethod,
                                                     staticmethod)):
            raise LoadFailure("refused", f"{module}.{name} was given a state only compiled"
                              " code may read, and its __setstate__ is Python code",
                              module=module, name=name)
    for module, name, keys in slots:
        # setattr() of a slot item runs whatever the class defines under that name (a
        # property setter): only real __slots__ members, which writers produce, may be set.
        cls = resolver.find_class(module, name)
        for key in keys:
            if not isinstance(inspect.getattr_static(cls, key, None),
                              types.MemberDescriptorType):
                raise LoadFailure("refused", f"{module}.{name} was given {key!r} as a slot,"
                                  " which it does not have: setting it would run its code",
                                  module=module, name=name)
    for module, name in dict_classes:
        cls = resolver.find_class(module, name)
        if not (isinstance(cls, type) and issubclass(cls, dict)):
            raise LoadFailure("refused", f"{module}.{name} was given dict items, and it is not"
                              " a dict: setting them would run its __setitem__",
                              module=module, name=name)
    for module, name, base_module, base in subclasses:
        cls = resolver.find_class(module, name)
        parent = getattr(resolver.module(base_module, base), base, None)
        if not (isinstance(cls, type) and isinstance(parent, type) and issubclass(cls, parent)):
            raise LoadFailure("refused", f"{module}.{name} handed to {base_module}'s"
                              f" reconstructor of {base}, which it is not",
                              module=module, name=name)


def _address_space():
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _limit_memory(megabytes):
    """Allow the load `megabytes` of address space on top of what the interpreter uses now."""
    try:
        import resource

        limit = _address_space() + int(megabytes) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        return True
    except (ImportError, ValueError, OSError):
        return False  # not on this platform: the timeout still bounds the load


def _summary(obj):
    """What later checks need to know about the loaded object, in plain JSON."""
    cls = type(obj)
    info = {"type": f"{cls.__module__}.{cls.__qualname__}"}
    names = getattr(obj, "feature_names_in_", None)
    if names is not None:
        try:
            info["feature_names_in"] = [str(n) for n in list(names)]
        except Exception:  # an odd attribute: the summary just leaves it out
            info["feature_names_in"] = None
    width = getattr(obj, "n_features_in_", None)
    if isinstance(width, int) or type(width).__name__.startswith("int"):
        info["n_features_in"] = int(width)
    info["has_predict"] = callable(getattr(obj, "predict", None))
    return info


def _load_skops(data, allowed, resolver):
    """A .skops file: skops lists the types it does not trust by default; each must be on
    mlgate's allow-list (or be a verified scikit-learn class), and only those are passed to
    skops as trusted."""
    import io

    from skops.io import get_untrusted_types, load

    untrusted = get_untrusted_types(data=data)
    for dotted in untrusted:
        module, _, name = dotted.rpartition(".")
        if (module, name) in allowed:
            continue
        if sklearn_shaped(module, name):
            resolver.verify_sklearn_pair(module, name)
        else:
            raise LoadFailure("refused", f"{dotted} is not on the allow-list of what model"
                              " artifacts need (skops does not trust it either)",
                              module=module, name=name)
    return load(io.BytesIO(data), trusted=untrusted)


def _load_numpy(data, kind, restricted):
    """An .npy file, or each `*.npy` member of an .npz, as numpy.load reads it, except that
    an object array's pickle goes through the restricted unpickler (numpy.load would hand it
    to a bare pickle.load). Plain arrays are read with pickles refused."""
    import io
    import zipfile

    from numpy.lib import format as npformat

    def one(stream):
        start = stream.tell()
        version = npformat.read_magic(stream)
        reader = {(1, 0): npformat.read_array_header_1_0,
                  (2, 0): npformat.read_array_header_2_0}.get(version)
        if reader is None:  # 3.0 (utf-8 names) has no public header reader
            _shape, _fortran, dtype = npformat._read_array_header(stream, version)
        else:
            _shape, _fortran, dtype = reader(stream)
        if dtype.hasobject:
            return restricted(stream).load()
        stream.seek(start)
        return npformat.read_array(stream, allow_pickle=False)

    if kind == "npy":
        return one(io.BytesIO(data))
    arrays = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():  # the scan refused any other member name
            arrays[info.filename[:-4]] = one(io.BytesIO(archive.read(info)))
    return arrays


def _read_verified(path, sha256, prepared):
    import hashlib

    if prepared.get("path") == path and "data" in prepared:
        data, digest = prepared.pop("data"), prepared["sha256"]
    else:
        with open(path, "rb") as handle:
            data = handle.read()
        digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise LoadFailure("changed", "the file changed between the scan and the load")
    return data


def _load(params):
    import gc
    import io
    import pickle
    import time
    import warnings

    allowed = {tuple(p) for p in params["allow"]}
    project_pairs = {tuple(p) for p in params.get("project_pairs", ())}
    roots = [os.path.realpath(p) for p in params.get("pythonpath", ())]
    # The repository serves only the project's own top-level packages, and only when the
    # environment has no such name: never an optional dependency of numpy, joblib or pandas.
    sys.meta_path.append(_ProjectFinder({m.split(".")[0] for m, _ in project_pairs}, roots))
    resolver = _Resolver(allowed, project_pairs, roots,
                         {tuple(p) for p in params.get("class_pairs", ())})
    find_class = resolver.find_class
    prepared = params.pop("_prepared", None) or {}
    data = _read_verified(params["path"], params["sha256"], prepared)
    if params.get("memory_limit_mb"):
        params["limited"] = _limit_memory(params["memory_limit_mb"])
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Every scikit-learn pair the scan left pending, before a single opcode runs.
        for entry in params.get("verify", ()):
            resolver.verify_sklearn_pair(*entry)
        verify_dtypes(params.get("dtypes"))
        verify_state_classes(resolver, params.get("compiled", ()), params.get("subclasses", ()),
                             params.get("slots", ()), params.get("dict_classes", ()))
        _harden_sandbox(resolver, allowed)

        class Restricted(pickle.Unpickler):
            def find_class(self, module, name):
                return find_class(module, name)

        if params.get("loader") == "skops":
            obj = _load_skops(data, allowed, resolver)
        elif params.get("loader") in ("npy", "npz"):
            obj = _load_numpy(data, params["loader"], Restricted)
        elif params.get("loader") == "joblib":
            import joblib.numpy_pickle as numpy_pickle

            class PickleModule:
                """joblib before 1.5 read object arrays with a bare pickle.load."""

                def __getattr__(self, attr):
                    return getattr(pickle, attr)

                @staticmethod
                def load(file, **_):
                    return Restricted(file).load()

            numpy_pickle.NumpyUnpickler.find_class = lambda self, m, n: find_class(m, n)
            numpy_pickle.pickle = PickleModule()
            obj = numpy_pickle.load(io.BytesIO(data))
        else:
            obj = Restricted(io.BytesIO(data)).load()
    seconds = time.perf_counter() - started
    del data
    result = _summary(obj)
    # What a fresh interpreter pays: the libraries imported ahead of the payload count too.
    result["load_seconds"] = seconds + prepared.get("import_seconds", 0.0)
    try:
        import resource

        scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB else
        result["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    except ImportError:
        pass
    seen, notes = set(), []
    for item in caught:
        text = f"{item.category.__name__}: {str(item.message).splitlines()[0][:300]}"
        if text not in seen:
            seen.add(text)
            notes.append({"category": item.category.__name__, "message": text})
    result["warnings"] = notes[:10]
    result["project_files"] = sorted(
        os.path.realpath(m.__file__) for m in list(sys.modules.values())
        if getattr(m, "__file__", None) and roots and _under(m.__file__, roots))
    if params.get("model"):
        # The schema and latency checks reuse this one load.
        result["model"] = exercise_model(obj, params["model"])
    _walk(obj)
    del obj  # frees the loaded graph (or crashes here, as a finding), then every cycle:
    gc.collect()
    return result


class _Discard:
    """A file that forgets what is written to it."""

    @staticmethod
    def write(data):
        return len(data)


def _walk(obj):
    """Touch every part of the loaded object before it is freed: an object whose state
    corrupted memory crashes this probe now (a finding), not the user's process later.
    Re-pickling walks the whole graph (arrays go out of band: not copied). Whatever cannot
    be pickled again is no finding: only a crash matters here."""
    import contextlib
    import pickle

    with contextlib.suppress(Exception):
        pickle.Pickler(_Discard(), protocol=5, buffer_callback=lambda _buffer: None).dump(obj)


def _verify_only(params):
    """The pending scikit-learn pairs of a file that is not loaded (--no-load, .npy/.npz)."""
    roots = [os.path.realpath(p) for p in params.get("pythonpath", ())]
    resolver = _Resolver(set(), set(), roots)
    for entry in params["verify"]:
        resolver.verify_sklearn_pair(*entry)
    verify_dtypes(params.get("dtypes"))
    return {"verified": len(params["verify"])}


def _apply_sandbox(spec):
    """mlgate's sandbox (`sandbox.py`, loaded by its path: this probe is a -c string), for
    good, before the load reads or imports anything: no program run, no socket, no file
    written outside this probe's temporary working folder (see that module). Applied first
    because Landlock covers the calling thread and the threads it starts later, and the
    libraries a load imports start threads of their own. Returns what was applied."""
    mode = (spec or {}).get("mode", "off")
    if mode == "off":
        return {"mode": "off", "applied": [], "missing": {}, "complete": False}
    import importlib.util

    folder = os.getcwd()
    try:
        module_spec = importlib.util.spec_from_file_location("_mlgate_sandbox", spec["path"])
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        report = module.apply(folder)
        _SANDBOX.append((module, report))
    except Exception as exc:  # a missing file or a bug: "require" refuses, "auto" says so
        report = {"applied": [], "missing": {"sandbox": f"{type(exc).__name__}: {exc}"},
                  "complete": False}
    report["mode"] = mode
    os.environ["TMPDIR"] = folder  # temporary files go where writing is allowed
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None
    return report


_SANDBOX = []  # (sandbox module, its report), once applied


def _harden_sandbox(resolver, allowed):
    """Right before the artifact's first opcode: import what the load will import (installed
    libraries may run a program at import time, which apply()'s filter lets fail), then make
    starting a process, running a program or opening a socket kill the probe."""
    import contextlib

    for module, name in sorted(allowed):
        # a name that fails here fails again, reported precisely, when the load looks it up
        with contextlib.suppress(Exception):
            resolver.module(module, name)
    for module, report in _SANDBOX:
        module.harden(report)


def _sandbox_refusal(report):
    """sandbox = "require" and a protection is missing: the load is not performed."""
    missing = "; ".join(f"{name}: {why}" for name, why in report.get("missing", {}).items())
    return {"ok": False, "kind": "sandbox", "sandbox": report,
            "message": "sandbox = \"require\", but the load's sandbox is incomplete ("
                       f"{missing or 'nothing applied'}); the artifact was not loaded"}


def load_artifact(params):
    """Load one artifact that passed the static scan, in mlgate's sandbox (params["sandbox"]:
    its mode and path; applied already when the probe was prepared). The answer says which
    protections were applied, in "sandbox"."""
    prepared = params.get("_prepared") or {}
    report = prepared.pop("sandbox", None)
    wanted = (params.get("sandbox") or {}).get("mode", "off")
    if report is None or report["mode"] != wanted:
        report = _apply_sandbox(params.get("sandbox"))
    if report["mode"] == "require" and not report["complete"]:
        return _sandbox_refusal(report)
    params["_write_jail"] = any(p.startswith("landlock-abi") for p in report["applied"])
    result = _load_artifact(params)
    result["sandbox"] = report
    return result


def _load_artifact(params):
    """Load one artifact that passed the static scan; report how it failed, as data.
    With params["model"], also exercise it: expected input, sample prediction, latency.
    With params["verify_only"], only verify its pending scikit-learn pairs."""
    try:
        if params.get("verify_only"):
            return {"ok": True, **_verify_only(params)}
        return {"ok": True, **_load(params)}
    except LoadFailure as exc:
        return {"ok": False, "kind": exc.kind, "message": exc.message, **exc.details}
    except ModuleNotFoundError as exc:
        return {"ok": False, "kind": "module", "module": exc.name or "",
                "message": f"No module named {exc.name!r}"}
    except MemoryError:
        return {"ok": False, "kind": "memory",
                "message": f"ran out of the {params.get('memory_limit_mb')} MB memory limit"}
    except RecursionError:
        return {"ok": False, "kind": "exception", "type": "RecursionError",
                "message": "RecursionError: the object is nested too deeply"}
    except BaseException as exc:  # anything the artifact raised: reported, never a traceback
        first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
        message = f"{type(exc).__name__}: {first[:500]}"
        if isinstance(exc, PermissionError) and params.get("_write_jail"):
            message += " (the sandbox lets a load write only in its temporary folder)"
        elif params.get("limited") and isinstance(exc, (ImportError, OSError)):
            message += (f" (the load ran under a {params['memory_limit_mb']} MB memory limit;"
                        " a failed allocation can look like this)")
        return {"ok": False, "kind": "import" if isinstance(exc, ImportError) else "exception",
                "type": type(exc).__name__, "message": message}


def _names(values):
    return [str(v) for v in list(values)]


def _resolve_columns(columns, names):
    """A ColumnTransformer's column selection as input names, or None when unknowable."""
    if isinstance(columns, str):
        return [columns]
    if isinstance(columns, slice) and names is not None:
        return names[columns]
    try:
        items = list(columns)
    except TypeError:
        return None
    if all(isinstance(c, str) for c in items):
        return items
    if names is not None and all(type(c).__name__.startswith(("int", "bool")) for c in items):
        if items and type(items[0]).__name__.startswith("bool"):
            return [n for n, keep in zip(names, items) if keep]
        return [names[int(c)] for c in items]
    return None


def expected_input(obj):
    """What the model expects: feature names (if fitted on a DataFrame), width, and, for a
    pipeline whose first step is a ColumnTransformer, which columns it actually reads."""
    names = getattr(obj, "feature_names_in_", None)
    names = _names(names) if names is not None else None
    width = getattr(obj, "n_features_in_", None)
    info = {"feature_names_in": names,
            "n_features_in": int(width) if width is not None else None,
            "used_columns": None, "model_type": type(obj).__name__}
    steps = getattr(obj, "steps", None)
    first = steps[0][1] if steps else obj
    transformers = getattr(first, "transformers_", None)
    if transformers is not None:
        used, known = [], True
        for _, transformer, columns in transformers:
            if isinstance(transformer, str) and transformer == "drop":
                continue
            resolved = _resolve_columns(columns, names)
            if resolved is None:
                known = False
                break
            used.extend(c for c in resolved if c not in used)
        if known:
            info["used_columns"] = used
    return info


def _frame(spec):
    """The sample as the model will see it: a DataFrame in the sample's column order."""
    import pandas as pd

    if spec.get("parquet"):
        frame = pd.read_parquet(spec["parquet"])
    elif spec.get("csv_rows") is not None:
        frame = pd.DataFrame(spec["csv_rows"], columns=spec["columns"])
    else:
        frame = pd.DataFrame(spec["rows"], columns=spec["columns"])
    return frame


def _with_deadline(seconds, function, *args):
    """Call with an alarm so a hang becomes an exception (Unix main thread only)."""
    import signal

    class Hang(Exception):
        pass

    def alarm(signum, frame):
        raise Hang(f"no answer within {seconds:g} s")

    if not hasattr(signal, "setitimer"):
        return function(*args)
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _attempt(seconds, function, *args):
    try:
        value = _with_deadline(seconds, function, *args)
    except Exception as exc:
        first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
        return {"ok": False, "type": type(exc).__name__, "message": first[:500],
                "hang": type(exc).__name__ == "Hang"}
    try:
        shape = list(getattr(value, "shape", ()) or ())
    except Exception:
        shape = []
    return {"ok": True, "shape": shape}


def _percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def measure_latency(function, row, spec):
    """Single-row timings: warm up, then repeat in rounds of 20 until p95 is stable (at least
    200 calls, two rounds within 5%) or the bounds are reached. Milliseconds."""
    import time

    for _ in range(spec.get("warmup", 5)):
        function(row)
    timings, previous = [], None
    deadline = time.perf_counter() + spec.get("max_seconds", 10.0)
    max_runs = spec.get("max_runs", 2000)
    stable = False
    while len(timings) < max_runs and time.perf_counter() < deadline:
        for _ in range(20):
            started = time.perf_counter()
            function(row)
            timings.append((time.perf_counter() - started) * 1000.0)
        ordered = sorted(timings)
        p95 = _percentile(ordered, 0.95)
        if previous is not None and len(timings) >= 200 and abs(p95 - previous) <= 0.05 * p95:
            stable = True
            break
        previous = p95
    ordered = sorted(timings)
    return {"runs": len(timings), "stable": stable,
            "p50_ms": _percentile(ordered, 0.50), "p95_ms": _percentile(ordered, 0.95),
            "p99_ms": _percentile(ordered, 0.99), "max_ms": ordered[-1]}


def import_contract(spec):
    """Opt-in (`contract-import = true`): import the API module in the project's
    environment and read the pydantic model's fields as pydantic sees them (computed
    aliases included). This runs the project's own code, which is why it is opt-in."""
    import importlib.util

    for root in reversed(spec.get("roots", [])):
        if root not in sys.path:
            sys.path.insert(0, root)
    module_spec = importlib.util.spec_from_file_location("_mlgate_contract", spec["file"])
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["_mlgate_contract"] = module
    module_spec.loader.exec_module(module)
    cls = getattr(module, spec["class"])
    fields = []
    for name, info in cls.model_fields.items():
        alias = info.alias if isinstance(info.alias, str) else None
        if alias is None and isinstance(getattr(info, "validation_alias", None), str):
            alias = info.validation_alias
        annotation = getattr(info, "annotation", None)
        fields.append({"name": name, "alias": alias if alias != name else None,
                       "type_text": getattr(annotation, "__name__", repr(annotation)),
                       "required": bool(info.is_required())})
    config = getattr(cls, "model_config", {}) or {}
    return {"fields": fields, "extra": config.get("extra")}


def exercise_model(obj, spec):
    """Expected input, the sample predicted, an empty request, latency: what was asked."""
    out = {"input": expected_input(obj)}
    if spec.get("contract_import"):
        try:
            out["contract"] = import_contract(spec["contract_import"])
        except BaseException as exc:
            first = next((line for line in str(exc).splitlines() if line.strip()), "")
            out["contract_error"] = f"{type(exc).__name__}: {first[:300]}"
    method = getattr(obj, spec.get("method") or "predict", None)
    if not callable(method):
        out["error"] = f"the model has no method {spec.get('method') or 'predict'}()"
        return out
    if spec.get("columns") is None and not spec.get("parquet"):
        return out
    try:
        frame = _frame(spec)
    except Exception as exc:
        out["error"] = f"the sample cannot be made into a DataFrame: {type(exc).__name__}: {exc}"
        return out
    out["sample_columns"] = _names(frame.columns)
    deadline = spec.get("call_timeout", 30.0)
    if spec.get("predict", True):
        out["predict"] = _attempt(deadline, method, frame.iloc[:1])
        names = out["input"]["feature_names_in"]
        if not out["predict"]["ok"] and names and set(names) <= set(frame.columns):
            # Would the right order have worked? Tells an order check from other failures.
            out["predict_reordered"] = _attempt(deadline, method, frame.loc[:, names].iloc[:1])
    if spec.get("empty", True):
        out["empty"] = _attempt(deadline, method, frame.iloc[:0])
    latency = spec.get("latency")
    if latency and out.get("predict", {}).get("ok"):
        import time

        row = frame.iloc[:1]
        try:
            out["latency"] = _with_deadline(latency.get("max_seconds", 10.0) * 3 + deadline,
                                            measure_latency, method, row, latency)
            if latency.get("remeasure_over_ms") is not None and (
                    out["latency"]["p95_ms"] > latency["remeasure_over_ms"]):
                time.sleep(0.2)  # a noisy neighbour, perhaps: measure once more
                again = measure_latency(method, row, latency)
                out["latency_first"] = out["latency"]
                out["latency"] = again
            batch = latency.get("batch")
            if batch:
                rows = frame.iloc[[0] * int(batch)]
                started = time.perf_counter()
                method(rows)
                out["latency"]["batch"] = {"rows": int(batch),
                                           "ms": (time.perf_counter() - started) * 1000.0}
        except Exception as exc:
            out["latency_error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    return out


COMMANDS = {"environment": environment, "artifact-context": artifact_context}
# Commands that read their parameters as one JSON object on stdin.
INPUT_COMMANDS = {"load-artifact": load_artifact}


def _prepare(message):
    """While mlgate still scans the artifact: read and hash it, import the libraries its load
    will need (installed ones: nothing of the repository is importable yet). Only speed
    depends on this: the load compares the hash with the one mlgate scanned."""
    import hashlib
    import importlib
    import threading
    import time

    # Before the reader thread and the imports: every thread of the load is sandboxed.
    state = {"sandbox": _apply_sandbox(message.get("sandbox"))}

    def read():  # reading and hashing release the GIL: this overlaps with the imports
        try:
            with open(message["path"], "rb") as handle:
                data = handle.read()
            state.update(path=message["path"], data=data,
                         sha256=hashlib.sha256(data).hexdigest())
        except (OSError, KeyError, TypeError):
            pass

    reader = threading.Thread(target=read)
    reader.start()
    begun = time.perf_counter()
    for name in message.get("preimport", ()):
        try:
            importlib.import_module(name)
        except Exception:  # the load will say what is missing, precisely
            break
    state["import_seconds"] = time.perf_counter() - begun
    reader.join()
    return state


def _read_input():
    """The command's parameters; a first line {"prepare": ...} comes before them."""
    first = sys.stdin.readline()
    try:
        message = json.loads(first) if first.strip() else None
    except ValueError:
        message = None
    if not (isinstance(message, dict) and "prepare" in message):
        return json.loads(first + sys.stdin.read())
    prepared = _prepare(message["prepare"])
    rest = sys.stdin.read()
    if not rest.strip():
        return None  # cancelled: mlgate no longer wants the load
    params = json.loads(rest)
    params["_prepared"] = prepared
    return params


def main(argv):
    command = argv[1] if len(argv) > 1 else None
    if command in INPUT_COMMANDS:
        sys.dont_write_bytecode = True  # no __pycache__ written into the project or mlgate
        params = _read_input()
        if params is None:
            os._exit(0)
        result = INPUT_COMMANDS[command](params)
    elif command in COMMANDS:
        result = COMMANDS[command]()
    else:
        sys.stdout.write(json.dumps({"error": f"unknown probe command: {argv[1:]!r}"}))
        return 2
    sys.stdout.write(json.dumps({"result": result}))
    sys.stdout.flush()
    if command in INPUT_COMMANDS:
        os._exit(0)  # a loaded model can take a second to tear down; nobody needs that
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
