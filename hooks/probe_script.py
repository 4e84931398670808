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
)
# Never trusted, even for classes: test helpers, vendored and experimental code.
SKLEARN_DENY = ("sklearn.utils._testing", "sklearn.externals", "sklearn.experimental",
                "sklearn.tests", "sklearn.conftest")


def sklearn_classes():
    """[module, qualname] of the classes scikit-learn defines where its estimators live.

    Imports scikit-learn: only for the artifact check, in the project's environment.
    """
    import importlib
    import inspect

    from sklearn.utils.discovery import all_estimators

    modules = {cls.__module__ for _, cls in all_estimators()} | set(SKLEARN_EXTRA_MODULES)
    found = set()
    for name in sorted(modules):
        if name.startswith(SKLEARN_DENY):
            continue
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr, value in vars(module).items():
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
    """What the static artifact scan needs from the project's environment."""
    versions = {}
    for name in ("scikit-learn", "numpy", "joblib", "scipy"):
        try:
            from importlib import metadata

            versions[name] = metadata.version(name)
        except Exception:
            versions[name] = None
    classes = []
    if versions["scikit-learn"]:
        try:
            classes = sklearn_classes()
        except Exception as exc:  # a broken scikit-learn: the scan allows none of its classes
            versions["scikit-learn-error"] = f"{type(exc).__name__}: {exc}"
    return {"versions": versions, "sklearn_classes": classes}


COMMANDS = {"environment": environment, "artifact-context": artifact_context}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        sys.stdout.write(json.dumps({"error": f"unknown probe command: {argv[1:]!r}"}))
        return 2
    sys.stdout.write(json.dumps({"result": COMMANDS[argv[1]]()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
