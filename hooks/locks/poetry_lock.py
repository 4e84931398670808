"""poetry.lock: `[[package]]` tables, lock-version 1.x ([metadata.files]) and 2.x (`files`).

Markers: lock-version 2.1 (Poetry 2) writes `markers` per package, as a string or as a table
of dependency group -> marker (`markers = {main = "extra == \\"test\\""}`); a group of the
package's `groups` missing from that table means no marker for that group, so the package
then has none. Lock files before 2.1 record no package markers at all: every package of
those applies to every environment (Poetry recomputes applicability from the project's
pyproject.toml at install time, which a lock alone cannot do).

Groups: 1.x writes `category = "main" | "dev"`, 2.1 `groups = [...]`; a package in no main
group is what `poetry install --only main` (a Docker image's install) leaves out. 2.0 says
neither: then the packages the pyproject.toml's main dependencies do not reach are
(`manifest.poetry_dev_only`).
"""

from __future__ import annotations

from mlgate.locks.model import LockedPackage, LockProblem, ParsedLock, canonical_name
from mlgate.locks.toml_lines import (
    MarkerCache,
    entry_fields,
    key_line,
    load_toml,
    looks_like_commit,
    table_entries,
    type_name,
)

# Source types that name a direct location rather than an alternative index.
_DIRECT_SOURCES = ("git", "hg", "svn", "bzr", "url", "file", "directory")


def parse(text: str, path: str) -> ParsedLock:
    """Read a poetry.lock. Never raises: what cannot be read becomes a LockProblem."""
    problems: list[LockProblem] = []
    packages: list[LockedPackage] = []
    data = load_toml(text, path, problems)
    if data is None:
        return ParsedLock(path, "poetry", packages, problems)
    entries = table_entries(data, text, "package", path, problems)
    old_files = _metadata_files(data, text, path, problems)
    grouped: dict[str, bool] = {}  # name -> in the main group, where the lock says
    requires: dict[str, set[str]] = {}
    for entry, line in entries:
        package = _package(entry, path, line, problems, old_files)
        if package is not None:
            packages.append(package)
            main = _in_main(entry)
            if main is not None:
                grouped[package.name] = grouped.get(package.name, False) or main
            needs = entry.get("dependencies") if isinstance(entry, dict) else None
            requires.setdefault(package.name, set()).update(
                canonical_name(n) for n in (needs if isinstance(needs, dict) else ())
                if isinstance(n, str))
    declared = data.get("extras")
    extras = ("", *sorted(declared)) if isinstance(declared, dict) else ("",)

    def select(environment: dict[str, str]) -> list[LockedPackage]:
        """Packages whose marker holds in `environment`, with every extra of the project.

        Poetry writes an extra's packages with `extra == "name"` markers (2.1) or
        `optional = true`; a developer's environment usually has them, so each marker is
        tried with every extra the lock's `[extras]` declares (and with none).
        """
        cache = MarkerCache(environment)
        return [p for p in packages if cache.applies(p.marker, extras)]

    lock = ParsedLock(path, "poetry", packages, problems, selector=select)
    lock.dev_only = {name for name, main in grouped.items() if not main}
    lock.requires = requires if not grouped else {}  # (the lock's groups tell)
    return lock


def _in_main(entry: object) -> bool | None:
    """Whether the lock puts a package in the main group: lock-version 1.x's `category`
    ("main" or "dev"), 2.1's `groups`; None when it says nothing (2.0: then the project's
    pyproject.toml tells, see manifest.poetry_dev_only)."""
    if not isinstance(entry, dict):
        return None
    groups = entry.get("groups")
    if isinstance(groups, list) and groups and all(isinstance(g, str) for g in groups):
        return "main" in groups
    category = entry.get("category")
    if isinstance(category, str) and category:
        return category == "main"
    return None


def _metadata_files(data: dict, text: str, path: str,
                    problems: list[LockProblem]) -> dict[str, list[str]]:
    """Lock-version 1.x keeps hashes apart: `[metadata.files] name = [{file, hash}]`."""

    metadata = data.get("metadata")
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        problems.append(LockProblem(path, key_line(text, "metadata"),
                                    f"'metadata' must be a table, not {type_name(metadata)}"))
        return {}
    files = metadata.get("files")
    if not isinstance(files, dict):
        return {}
    return {canonical_name(str(name)): _file_hashes(items) for name, items in files.items()}


def _file_hashes(items: object) -> list[str]:
    if not isinstance(items, list):
        return []
    return [item["hash"] for item in items
            if isinstance(item, dict) and isinstance(item.get("hash"), str) and item["hash"]]


def _package(entry: object, path: str, line: int, problems: list[LockProblem],
             old_files: dict[str, list[str]]) -> LockedPackage | None:
    fields = entry_fields(entry, "package", path, line, problems)
    if fields is None or not isinstance(entry, dict):  # a problem recorded: not a table
        return None
    name, version = fields[0], fields[1]["version"]
    canonical = canonical_name(name)
    url, commit, editable = _source(entry, name, path, line, problems)
    hashes = _file_hashes(entry.get("files")) if "files" in entry else old_files.get(
        canonical, [])
    return LockedPackage(canonical, path, line, version=version or None,
                         marker=_marker(entry, name, path, line, problems), source_url=url,
                         source_commit=commit, editable=editable, hashes=tuple(hashes))


def _marker(entry: dict, name: str, path: str, line: int,
            problems: list[LockProblem]) -> str | None:
    markers = entry.get("markers")
    if markers is None or isinstance(markers, str):
        return markers or None
    if not isinstance(markers, dict):
        problems.append(LockProblem(path, line, f"{name}: 'markers' must be a string or a "
                                                f"table, not {type_name(markers)}"))
        return None
    groups = entry.get("groups")
    groups = [g for g in groups if isinstance(g, str)] if isinstance(groups, list) else []
    if any(group not in markers for group in groups):
        return None  # in some group unconditionally
    texts = []
    for value in markers.values():
        if not isinstance(value, str):
            problems.append(LockProblem(path, line, f"{name}: a group's marker must be a "
                                                    f"string, not {type_name(value)}"))
            return None
        if not value.strip():
            return None
        if value not in texts:
            texts.append(value)
    if not texts:
        return None
    return texts[0] if len(texts) == 1 else " or ".join(f"({t})" for t in texts)


def _source(entry: dict, name: str, path: str, line: int,
            problems: list[LockProblem]) -> tuple[str | None, str | None, bool]:
    source = entry.get("source")
    if source is None:
        return None, None, False
    if not isinstance(source, dict):
        problems.append(LockProblem(path, line, f"{name}: 'source' must be a table, not "
                                                f"{type_name(source)}"))
        return None, None, False
    kind, url = source.get("type"), source.get("url")
    if kind not in _DIRECT_SOURCES or not isinstance(url, str) or not url:
        return None, None, False  # an index (legacy, pypi) or nothing to go by
    commit = None
    if kind in ("git", "hg", "svn", "bzr"):
        resolved = source.get("resolved_reference")
        reference = source.get("reference")
        commit = resolved if looks_like_commit(resolved) else (
            reference if looks_like_commit(reference) else None)
    editable = kind == "directory" and entry.get("develop") is True
    return url, commit, editable
