"""The probe: the only mlgate code that runs inside the project's interpreter.

It is executed as `python -I -c <this source> <command>` from a folder outside the repository,
imports nothing but the standard library, supports Python 3.8+, and answers with one JSON
object on stdout. Later checks add commands (artifact loading, schema reading, timing) here.
"""

import json
import os
import platform
import sys


def _full_version(info):
    version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version


def marker_environment():
    """PEP 508 marker variables, computed as packaging computes them."""
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


def distributions():
    """Installed distributions, first on sys.path wins, as importlib.metadata finds them."""
    from importlib import metadata

    found = []
    for dist in metadata.distributions():
        try:
            name = dist.metadata["Name"]
        except Exception:  # a broken .dist-info must not hide the rest
            name = None
        if not name:
            continue
        direct_url = None
        try:
            text = dist.read_text("direct_url.json")
            direct_url = json.loads(text) if text else None
        except (OSError, ValueError):
            direct_url = None
        try:
            installer = (dist.read_text("INSTALLER") or "").strip() or None
        except OSError:
            installer = None
        location = getattr(dist, "_path", None)
        try:
            requires = dist.requires or []
        except Exception:
            requires = []
        found.append({
            "name": name,
            "version": dist.version,
            "requires": list(requires),
            "direct_url": direct_url,
            "installer": installer,
            "location": str(location) if location else None,
        })
    return found


def environment():
    return {
        "python": sys.executable,
        "prefix": sys.prefix,
        "version": platform.python_version(),
        "markers": marker_environment(),
        "distributions": distributions(),
    }


COMMANDS = {"environment": environment}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        sys.stdout.write(json.dumps({"error": f"unknown probe command: {argv[1:]!r}"}))
        return 2
    sys.stdout.write(json.dumps({"result": COMMANDS[argv[1]]()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
