"""pylock.toml (PEP 751): `[[packages]]` tables, each with its own marker.

Packages are read from the plain TOML so that a file the spec validator rejects still
yields them; `packaging.pylock` (packaging >= 25.1, Python >= 3.10), where present, then
validates the file and each of its complaints becomes a LockProblem.
"""

from __future__ import annotations

import re

from mlgate.locks.model import LockedPackage, LockProblem, ParsedLock, canonical_name
from mlgate.locks.toml_lines import (
    MarkerCache,
    entry_fields,
    key_line,
    load_toml,
    table_entries,
    type_name,
)

_PACKAGE_CONTEXT_RE = re.compile(r"^packages\[(\d+)\]")


def parse(text: str, path: str) -> ParsedLock:
    """Read a pylock.toml. Never raises: what cannot be read becomes a LockProblem."""
    problems: list[LockProblem] = []
    packages: list[LockedPackage] = []
    data = load_toml(text, path, problems)
    if data is None:
        return ParsedLock(path, "pylock", packages, problems)
    entries = table_entries(data, text, "packages", path, problems)
    lines = [line for _, line in entries]
    for entry, line in entries:
        package = _package(entry, path, line, problems)
        if package is not None:
            packages.append(package)
    if "lock-version" not in data:
        problems.append(LockProblem(path, 1, "no 'lock-version': not a PEP 751 lock file"))
    elif not problems:
        _validate(data, text, path, lines, problems)
    extras = _names(data.get("extras"))
    groups = _names(data.get("dependency-groups")) + _names(data.get("default-groups"))

    def select(environment: dict[str, str]) -> list[LockedPackage]:
        """Packages whose marker holds in `environment`.

        A marker may test `extras` and `dependency_groups` (PEP 751): every extra and group
        the lock declares counts as selected, as for a developer's environment.
        """
        cache = MarkerCache(environment)
        return [p for p in packages if cache.applies_lock_file(p.marker, extras, groups)]

    return ParsedLock(path, "pylock", packages, problems, selector=select)


def _names(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _package(entry: object, path: str, line: int,
             problems: list[LockProblem]) -> LockedPackage | None:
    fields = entry_fields(entry, "packages", path, line, problems, ("version", "marker"))
    if fields is None or not isinstance(entry, dict):  # a problem recorded: not a table
        return None
    name, values = fields
    url = commit = None
    editable = False
    vcs, archive, directory = entry.get("vcs"), entry.get("archive"), entry.get("directory")
    for key, value in (("vcs", vcs), ("archive", archive), ("directory", directory)):
        if value is not None and not isinstance(value, dict):
            problems.append(LockProblem(path, line, f"{name}: '{key}' must be a table, not "
                                                    f"{type_name(value)}"))
    if isinstance(vcs, dict):
        url = _string(vcs.get("url")) or _string(vcs.get("path"))
        commit = _string(vcs.get("commit-id"))
    elif isinstance(archive, dict):
        url = _string(archive.get("url")) or _string(archive.get("path"))
    elif isinstance(directory, dict):
        url = _string(directory.get("path"))
        editable = directory.get("editable") is True
    return LockedPackage(canonical_name(name), path, line, version=values["version"],
                         marker=values["marker"], source_url=url, source_commit=commit,
                         editable=editable, hashes=tuple(_hashes(entry)))


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _hashes(entry: dict) -> list[str]:
    files = [entry.get("sdist"), entry.get("archive")]
    wheels = entry.get("wheels")
    if isinstance(wheels, list):
        files.extend(wheels)
    found: list[str] = []
    for item in files:
        hashes = item.get("hashes") if isinstance(item, dict) else None
        if isinstance(hashes, dict):
            found.extend(f"{algorithm}:{digest}" for algorithm, digest in hashes.items()
                         if isinstance(digest, str) and digest)
    return found


def _validate(data: dict, text: str, path: str, lines: list[int],
              problems: list[LockProblem]) -> None:
    """packaging's PEP 751 validation, where this packaging has it."""
    try:
        from packaging.pylock import Pylock, PylockValidationError
    except (ImportError, SyntaxError, TypeError):  # packaging < 25.1, or Python < 3.10
        return
    import logging

    logger = logging.getLogger(Pylock.__module__)
    quiet = logger.disabled
    logger.disabled = True  # its "minor version not supported" warning is not the hook's output
    try:
        Pylock.from_dict(data)
    except PylockValidationError as exc:
        context = getattr(exc, "context", None) or ""
        found = _PACKAGE_CONTEXT_RE.match(context)
        if found and int(found.group(1)) < len(lines):
            line = lines[int(found.group(1))]
        else:
            line = key_line(text, context.split(".", 1)[0].split("[", 1)[0], 1) if context else 1
        problems.append(LockProblem(path, line, f"not a valid PEP 751 lock: {exc}"))
    except Exception as exc:  # the validator tripping on odd input is still a finding
        problems.append(LockProblem(path, 1, f"not a valid PEP 751 lock: {exc}"))
    finally:
        logger.disabled = quiet
