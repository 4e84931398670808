"""`environment` and `artifact-context`: the project environment's markers, installed
distributions and versions, read without importing any of them."""

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
    """Name, Version, Requires-Python and Requires-Dist of a METADATA/PKG-INFO file, reading
    only its header block: the long description after it is most of the file and none of
    our business."""
    fields = {"name": None, "version": None, "requires-python": None, "requires-dist": []}
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
            elif key in ("name", "version", "requires-python") and fields[key] is None:
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


def _top_modules(folder, name):
    """The top-level names a distribution makes importable: its top_level.txt, else the first
    parts of the paths its RECORD lists (`sklearn/...` is scikit-learn's `sklearn`)."""
    text = _read_text(folder, "top_level.txt")
    if text is not None:
        return sorted({line.strip().split("/")[0] for line in text.splitlines()
                       if line.strip() and not line.startswith("#")})
    record = _read_text(folder, "RECORD") if name.endswith(".dist-info") else None
    found = set()
    for line in (record or "").splitlines()[:100000]:
        path = line.split(",", 1)[0].strip().strip('"')
        first = path.split("/", 1)[0]
        if not first or first.startswith("..") or first.endswith((".dist-info", ".data",
                                                                  ".pth")):
            continue
        if first == "__pycache__" or (first.startswith("_") and first.endswith("_finder.py")):
            continue
        if "/" in path:
            found.add(first)
        elif first.endswith(".py"):
            found.add(first[:-3])
        elif first.endswith((".so", ".pyd")):
            found.add(first.split(".", 1)[0])
    return sorted(found)


def stdlib_modules():
    """The standard library's top-level names, in any Python: its own list where it has
    one (3.10+), else the names in its library folders."""
    import sysconfig

    names = set(sys.builtin_module_names)
    if hasattr(sys, "stdlib_module_names"):
        return sorted(names | set(sys.stdlib_module_names))
    for key in ("stdlib", "platstdlib"):
        folder = sysconfig.get_paths().get(key)
        for root in (folder, os.path.join(folder or "", "lib-dynload")):
            try:
                entries = os.listdir(root)
            except (OSError, TypeError):
                continue
            for entry in entries:
                if entry in ("site-packages", "dist-packages"):
                    continue
                names.add(entry.split(".", 1)[0])
    return sorted(names)


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
                "modules": _top_modules(folder, name),
                "requires_python": fields["requires-python"],
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
        "stdlib": stdlib_modules(),
        "path": list(sys.path),
    }


# Where scikit-learn's pickled internals live besides the modules of its estimators: trees,


def artifact_context():
    """What the static artifact scan needs from the project's environment: versions."""
    from importlib import metadata

    versions = {}
    # scikit-learn and numpy for the parity checks; the rest for the audit's "Measured with"
    for name in ("scikit-learn", "numpy", "joblib", "scipy", "pandas", "xgboost", "lightgbm",
                 "catboost", "imbalanced-learn", "category-encoders", "skops", "pyarrow"):
        versions[name] = None
        # XGBoost also ships as `xgboost-cpu` (the same module, without CUDA)
        for distribution in (name, name + "-cpu") if name == "xgboost" else (name,):
            try:
                versions[name] = metadata.version(distribution)
                break
            except Exception:
                continue
    return {"versions": versions, "path": list(sys.path), "python": sys.executable}


# A pickled pair whose module is a bare name that only exists once the real module has been
# imported (scikit-learn 1.6's Cython losses register themselves as sys.modules['_loss']).
