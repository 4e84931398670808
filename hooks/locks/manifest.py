"""What a lock was made from: the manifest beside it, and the requirements it asks for.

A lock is stale when a version it pins no longer satisfies its manifest: the Pipfile says
`scikit-learn = "==1.3.0"` and Pipfile.lock still has 1.3.2, or pyproject.toml raised a bound
that uv.lock or poetry.lock predates. `pipenv lock`, `uv lock` or `poetry lock` would change
the lock; a Docker build that runs `pipenv install --deploy` refuses it. Read here:

- Pipfile.lock <- Pipfile's `[packages]` and `[dev-packages]` (`"==1.3.0"`, `"*"`,
  `{version = "..."}`);
- uv.lock and pylock.toml <- pyproject.toml's `[project]` dependencies and optional
  dependencies, and `[dependency-groups]` (PEP 508);
- poetry.lock <- `[tool.poetry.dependencies]` and its groups, in Poetry's constraint syntax
  (`^1.2`, `~1.2.3`, `1.2.*`, `>=1,<2`; an `||` union is not judged).

Anything that cannot be read (a missing manifest, a VCS or path dependency, a constraint this
module does not know) is simply not compared: the other lock checks still hold.
"""

from __future__ import annotations

import os
import re

from mlgate.locks.model import LockedPackage, canonical_name

MANIFESTS = {"pipfile": "Pipfile", "uv": "pyproject.toml", "pylock": "pyproject.toml",
             "poetry": "pyproject.toml"}
RELOCK = {"pipfile": "pipenv lock", "uv": "uv lock", "pylock": "re-export the lock",
          "poetry": "poetry lock"}
_NUMBERS = re.compile(r"^\d+(?:\.\d+)*$")


def manifest_of(lock_path: str, lock_format: str) -> str | None:
    """Where the manifest a lock is made from lives (beside it), or None for a format with
    none: what a cached verdict of the lock depends on too."""
    name = MANIFESTS.get(lock_format)
    return os.path.join(os.path.dirname(lock_path), name) if name else None


def requirements(lock_path: str, lock_format: str
                 ) -> tuple[str, list[tuple[str, str, int, bool]]]:
    """(the manifest's path, [(canonical name, PEP 440 specifier, line, has a marker)]);
    ("", []) when the manifest is absent or cannot be read."""
    read = _read(lock_path, lock_format)
    if read is None:
        return "", []
    path, text, data = read
    lines = text.splitlines()
    own = _own_names(data)
    if lock_format == "pipfile":
        found = _tables(data, ("packages", "dev-packages"), _pipfile_spec)
    elif lock_format == "poetry":
        tool = data.get("tool")
        tool = tool if isinstance(tool, dict) else {}
        poetry = tool.get("poetry")
        poetry = poetry if isinstance(poetry, dict) else {}
        tables = {"dependencies": poetry.get("dependencies"),
                  "dev-dependencies": poetry.get("dev-dependencies")}
        groups = poetry.get("group")
        for group, table in (groups.items() if isinstance(groups, dict) else ()):
            if isinstance(table, dict):
                tables[f"group.{group}"] = table.get("dependencies")
        found = _tables(tables, tuple(tables), _poetry_spec)
    else:
        found = _pep508(data)
    return path, [(n, spec, _line(lines, raw), marked) for n, spec, raw, marked in found
                  if n not in own]


def _read(lock_path: str, lock_format: str) -> tuple[str, str, dict] | None:
    """The manifest beside a lock: (path, text, TOML data), or None when it is absent or
    cannot be read (which is not the lock check's finding)."""
    name = MANIFESTS.get(lock_format)
    if name is None:
        return None
    path = os.path.join(os.path.dirname(lock_path), name)
    if not os.path.lexists(path):
        return None
    from mlgate.artifacts.reading import Unreadable, read_bytes, repository_of, resolve
    from mlgate.locks.requirements import MAX_LOCK_BYTES
    from mlgate.locks.toml_lines import load_toml

    try:  # as the locks are read: a regular file inside the repository, a bounded read
        real = resolve(path, repository_of(path))
        text = read_bytes(real, MAX_LOCK_BYTES).decode("utf-8-sig")
    except (OSError, Unreadable, UnicodeDecodeError):
        return None
    data = load_toml(text, path, [])
    return (path, text, data) if isinstance(data, dict) else None


# What pipenv puts before a Pipfile that names no source, and so hashes with it.
_PIPENV_DEFAULT_SOURCE = [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}]
_PIPFILE_SECTIONS = ("source", "packages", "dev-packages", "requires", "scripts", "pipfile",
                     "pipenv")


def pipfile_hashes(data: dict) -> set[str]:
    """The hashes pipenv records of a Pipfile in its lock's `_meta.hash.sha256`, and compares
    before `pipenv install --deploy` (which refuses a lock of another): sha256 of the JSON
    (sorted keys, no spaces) of {_meta: {sources, requires}, default: packages, develop:
    dev-packages, and any other category}, as plette's Pipfile.get_hash writes it, and as
    pipenv since 2025 writes it with each package name in its canonical form (PEP 503). A
    Pipfile without a [[source]] is hashed with pipenv's default one."""
    import hashlib
    import json

    from mlgate.locks.model import canonical_name

    found = set()
    for canonical in (False, True):
        def section(values: object, canonical: bool = canonical) -> object:
            if canonical and isinstance(values, dict):
                return {canonical_name(str(k)): v for k, v in values.items()}
            return values

        hashed: dict = {"_meta": {"sources": data.get("source", _PIPENV_DEFAULT_SOURCE),
                                  "requires": data.get("requires", {})},
                        "default": section(data.get("packages", {})),
                        "develop": section(data.get("dev-packages", {}))}
        for category, values in data.items():
            if category not in _PIPFILE_SECTIONS and category not in ("default", "develop"):
                hashed[category] = section(values)
        try:
            text = json.dumps(hashed, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):  # a TOML date, say: no hash pipenv would match
            continue
        found.add(hashlib.sha256(text.encode("utf-8")).hexdigest())
    return found


def pipfile_stale(lock) -> int | None:
    """The lock's line when Pipfile.lock records a hash of the Pipfile that is not the
    Pipfile beside it (edited since the lock was made), else None."""
    recorded = lock.recorded if isinstance(lock.recorded, dict) else {}
    read = _read(lock.path, "pipfile")
    if not recorded.get("hash") or read is None:
        return None
    return None if recorded["hash"] in pipfile_hashes(read[2]) else int(
        recorded.get("line", 1))


def poetry_dev_only(lock) -> set[str]:
    """What only the pyproject.toml's development groups need, in a poetry.lock that records
    no groups (lock-version 2.0, Poetry 1.5-1.8): the locked packages its main dependencies
    (and extras) do not reach through the lock's dependency tables. `poetry install --only
    main`, a Docker image's install, leaves those out (new-user trial 40b F8: 31 "not
    installed" for pytest, black, mypy, ...). Every dependency is followed, optional ones
    too, so a doubt counts as main. Empty when there is no group, or no manifest."""
    read = _read(lock.path, "poetry")
    if read is None or not lock.requires:
        return set()
    data = read[2]
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    poetry = poetry if isinstance(poetry, dict) else {}
    groups = poetry.get("group")
    other = [table.get("dependencies") for table in (
        groups.values() if isinstance(groups, dict) else ()) if isinstance(table, dict)]
    other.append(poetry.get("dev-dependencies"))
    if not any(isinstance(table, dict) and table for table in other):
        return set()
    main = {n for n, _, _, _ in _tables({"d": poetry.get("dependencies")}, ("d",),
                                        _poetry_spec)}
    project = data.get("project")
    if isinstance(project, dict):
        items: list[object] = list(project.get("dependencies") or []) if isinstance(
            project.get("dependencies"), list) else []
        optional = project.get("optional-dependencies")
        for extra in (optional.values() if isinstance(optional, dict) else ()):
            items += extra if isinstance(extra, list) else []
        from mlgate.locks.requirements import pep508

        main |= {canonical_name(req.name) for _, req in pep508(items)}
    reached, todo = set(), [n for n in main if n in lock.requires]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(lock.requires.get(name, ()))
    return set(lock.requires) - reached


def uv_differences(lock) -> list[tuple[str, int]]:
    """(what differs, the manifest's line) between pyproject.toml and what uv.lock recorded
    of it (`lock.recorded`): a dependency added, removed or moved between the main list, an
    extra and a group, or another requires-python. `uv lock --check` fails on each, and
    `uv sync --locked` (a Dockerfile's install) refuses the lock, even when the package is
    locked already as another's dependency (new-user trial 41, F1: joblib made a direct
    dependency, READY). Names only: uv rewrites markers and specifiers as it records them;
    a raised floor is `stale`'s. Empty when anything cannot be read."""
    recorded = getattr(lock, "recorded", None)
    read = _read(lock.path, "uv") if recorded else None
    if read is None or recorded is None:
        return []
    _, text, data = read
    lines = text.splitlines()
    from mlgate.locks.requirements import pep508

    def names(items: object) -> dict[str, str] | None:
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            return None  # (an include-group table: not compared)
        parsed = pep508(items)
        if len(parsed) != len(items):
            return None
        return {canonical_name(req.name): raw for raw, req in parsed}

    project = data.get("project")
    project = project if isinstance(project, dict) else {}
    dynamic = project.get("dynamic")
    dynamic = set(dynamic) if isinstance(dynamic, list) and all(
        isinstance(d, str) for d in dynamic) else set()
    wanted: dict[tuple[str, str], dict[str, str] | None] = {}
    # (what `dynamic` names the build backend computes, from files mlgate does not read:
    # not compared, red team 41b F3)
    requirement_lists: dict[tuple[str, str], list] = {}  # (the `uv lock --check` shapes)
    if project and "dependencies" not in dynamic:
        wanted[("dist", "")] = names(project.get("dependencies", []))
        requirement_lists[("dist", "")] = project.get("dependencies", [])
    optional = project.get("optional-dependencies")
    for extra, items in (optional.items() if isinstance(optional, dict) else ()):
        wanted[("dist", canonical_name(extra))] = names(items)
        requirement_lists[("dist", canonical_name(extra))] = items
    groups = data.get("dependency-groups")
    for group, items in (groups.items() if isinstance(groups, dict) else ()):
        wanted[("dev", canonical_name(group))] = names(items)
        requirement_lists[("dev", canonical_name(group))] = items
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    legacy = uv.get("dev-dependencies") if isinstance(uv, dict) else None
    if legacy is not None:
        found = names(legacy)
        before = wanted.get(("dev", "dev"), {})
        wanted[("dev", "dev")] = None if found is None or before is None else {**before,
                                                                                **found}
    have = {("dist", canonical_name(k)): v for k, v in recorded["dist"].items()
            if not (k == "" and "dependencies" in dynamic) and not (
                k and "optional-dependencies" in dynamic)}
    have.update({("dev", canonical_name(k)): v for k, v in recorded["dev"].items()})
    held = {package.name for package in lock.packages}  # (one not held: `unlocked`'s)
    out: list[tuple[str, int]] = []
    for key in sorted(set(wanted) | set(have)):
        asked, locked = wanted.get(key, {}), have.get(key, set())
        if asked is None:
            continue
        where = ("the dependencies" if key == ("dist", "") else
                 f"the extra {key[1]!r}" if key[0] == "dist" else f"the group {key[1]!r}")
        for name in sorted(n for n in set(asked) - locked if n in held):
            out.append((f"pyproject.toml asks for {name} in {where}, which uv.lock's record of"
                        f" the project does not list (it locks {name} only as another"
                        " package's dependency)", _line(lines, asked[name])))
        for name in sorted(locked - set(asked)):
            out.append((f"uv.lock records {name} in {where} of the project, which"
                        " pyproject.toml no longer asks for", 1))
    python, locked_python = project.get("requires-python"), recorded.get("requires-python")
    entries = recorded.get("entries")
    for key, items in sorted(requirement_lists.items()):
        if isinstance(entries, dict) and key in entries and wanted.get(key) is not None:
            where = ("the dependencies" if key == ("dist", "") else
                     f"the extra {key[1]!r}" if key[0] == "dist" else f"the group {key[1]!r}")
            for raw, shown in _shape_differences(items, entries[key], key, locked_python):
                out.append((f"pyproject.toml asks for {raw!r} in {where}, which uv.lock"
                            f" recorded as {shown}", _line(lines, raw)))
    if isinstance(python, str) and isinstance(locked_python, str):
        from packaging.specifiers import SpecifierSet

        try:
            differs = _allows(SpecifierSet(python)) != _allows(SpecifierSet(locked_python))
        except ValueError:
            differs = False
        if differs:
            out.append((f"pyproject.toml's requires-python is {python!r}, uv.lock was made"
                        f" for {locked_python!r}", _line(lines, "requires-python")))
    return out


def _shape_differences(items: object, recorded: list, key: tuple[str, str],
                       requires_python: str | None) -> list[tuple[str, str]]:
    """(requirement, what uv.lock recorded of it) for each pyproject.toml requirement whose
    shape uv recorded otherwise: its specifier (as a set), extras, or marker (by what it
    means: uv rewrites `python_version >= '3.9'` as `python_full_version >= '3.9'` and orders
    terms its own way, so markers are compared by their value in every environment of a
    grid). Names that a direct URL, a `[tool.uv.sources]` entry or anything unread shapes
    are left to the name comparison. Red team 43 F4: a pin loosened to `>=1.0`, a marker
    or an extra added passed, where `uv lock --check` fails."""
    if not isinstance(items, list):
        return []
    from mlgate.locks.requirements import pep508

    parsed = pep508(items)
    if len(parsed) != len(items):
        return []
    extra = key[1] if key[0] == "dist" else ""
    by_name: dict[str, tuple[list, list]] = {}
    for raw, req in parsed:
        by_name.setdefault(canonical_name(req.name), ([], []))[0].append((raw, req))
    for entry in recorded:
        if canonical_name(entry["name"]) in by_name:
            by_name[canonical_name(entry["name"])][1].append(entry)
    grids: dict[tuple, list] = {}
    asked: dict[str, list] = {}
    have: dict[str, list] = {}
    for name, (mine, theirs) in by_name.items():
        # Each name's grid: the Python versions its own markers name join it (a bound moved
        # from 3.9.3 to 3.9.4 changes a value only there); one grid for all, named by every
        # marker, grew with the square of the requirements (red team 43b F9: 22 s for 200)
        texts = " ".join([*(raw for raw, _ in mine), *(str(e.get("marker", "")) for e in theirs)])
        wanted = (frozenset(re.findall(r"\b3\.\d+(?:\.\d+)?\b", texts)),
                  "platform" in texts or "os_name" in texts, "implementation" in texts)
        if wanted not in grids:
            grids[wanted] = _marker_grid(requires_python, extra, set(wanted[0]),
                                         platforms=wanted[1], implementations=wanted[2])
        grid = grids[wanted]
        asked[name] = [(raw, None if req.url else _shape(
            str(req.specifier), list(req.extras), str(req.marker) if req.marker else None,
            grid)) for raw, req in mine]
        have[name] = [(entry, None if set(entry) - {"name", "specifier", "marker", "extras"}
                       else _shape(entry.get("specifier", ""), entry.get("extras", []),
                                   entry.get("marker"), grid)) for entry in theirs]
    out = []
    for name in sorted(set(asked) & set(have)):
        mine, theirs = asked[name], have[name]
        if not theirs or any(shape is None for _, shape in mine + theirs):
            continue  # (one not recorded here: the names' comparison says so)
        left = [shape for _, shape in theirs]
        for raw, shape in mine:
            if shape in left:
                left.remove(shape)
            else:
                out.append((raw, _recorded_text(theirs[0][0])))
                break
    return out


def _shape(specifier: object, extras: object, marker: object, grid: list) -> tuple | None:
    """A requirement's meaning: its specifiers as a set, its extras, its marker's value in
    each environment of `grid`; None when any part cannot be read."""
    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet

    if not isinstance(specifier, str) or not isinstance(extras, list) or not all(
            isinstance(e, str) for e in extras) or not (marker is None or isinstance(
                marker, str)):
        return None
    try:
        specs = frozenset(SpecifierSet(specifier))
        values: tuple = ()
        if marker is not None:
            parsed = Marker(marker)
            values = tuple(parsed.evaluate(env) for env in grid)
            if all(values):
                values = ()  # true everywhere uv locks for: as no marker
    except Exception:  # packaging's errors for what it cannot read or evaluate
        return None
    return specs, frozenset(canonical_name(e) for e in extras), values


def _recorded_text(entry: dict) -> str:
    parts = [str(entry.get("specifier") or "any version")]
    if entry.get("extras"):
        parts.append(f"extras {entry['extras']}")
    if entry.get("marker"):
        parts.append(f"where {entry['marker']}")
    return ", ".join(parts)


_PLATFORMS = (("linux", "Linux", "posix", "x86_64"), ("linux", "Linux", "posix", "aarch64"),
              ("win32", "Windows", "nt", "AMD64"), ("darwin", "Darwin", "posix", "arm64"),
              ("darwin", "Darwin", "posix", "x86_64"))


def _marker_grid(requires_python: str | None, extra: str, named: set[str],
                 platforms: bool = True, implementations: bool = True) -> list[dict[str, str]]:
    """The environments a marker's meaning is read over: the Pythons the lock is for
    (its requires-python) among 3.0-3.20 and those `named` (with the next micro release),
    five platforms and CPython and PyPy (one of each when no marker names them); `extra`
    set as pip sets it."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    try:
        allowed = SpecifierSet(requires_python or "")
    except ValueError:
        allowed = SpecifierSet("")
    versions = {(3, minor, micro) for minor in range(0, 21) for micro in (0, 1, 9)}
    for text in named:
        major, minor, micro = ([int(p) for p in text.split(".")][:3] + [0, 0])[:3]  # noqa: RUF005
        if minor < 100 and micro < 1000:
            versions |= {(major, minor, micro), (major, minor, micro + 1)}
    pythons = [f"{a}.{b}.{c}" for a, b, c in sorted(versions)
               if allowed.contains(Version(f"{a}.{b}.{c}"), prereleases=True)]
    grid = []
    for version in pythons or ["3.12.0"]:
        for sys_platform, system, os_name, machine in _PLATFORMS[:None if platforms else 1]:
            for implementation, name in (("cpython", "CPython"), ("pypy", "PyPy"))[
                    :None if implementations else 1]:
                grid.append({
                    "python_version": version.rsplit(".", 1)[0],
                    "python_full_version": version, "implementation_version": version,
                    "sys_platform": sys_platform, "platform_system": system,
                    "os_name": os_name, "platform_machine": machine,
                    "implementation_name": implementation,
                    "platform_python_implementation": name,
                    "platform_release": "", "platform_version": "", "extra": extra})
    return grid


def _allows(specifiers) -> tuple[bool, ...]:
    """Which Pythons a requires-python allows, over the versions that exist or may: what it
    means, not how it is spelt (uv records `~=3.11` as `>=3.11, <4`: red team 41b F4)."""
    from packaging.version import Version

    return tuple(specifiers.contains(Version(f"{major}.{minor}.{micro}"), prereleases=True)
                 for major in (2, 3, 4) for minor in range(0, 41)
                 for micro in (0, 1, 9, 99))


def _own_names(data: dict) -> set[str]:
    """The project's own name(s), which its extras and groups may name (`churn[dev]`)."""
    names = set()
    project = data.get("project")
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    for table in (project, poetry):
        name = table.get("name") if isinstance(table, dict) else None
        if isinstance(name, str):
            names.add(canonical_name(name))
    return names


def _line(lines: list[str], raw: str) -> int:
    """The line of a requirement string (`"numpy>=2"` in a list), else of a table's key."""
    quoted = (f'"{raw}"', f"'{raw}'")
    found = next((i for i, line in enumerate(lines, 1) if any(q in line for q in quoted)), 0)
    if found:
        return found
    wanted = re.compile(r"^\s*[\"']?" + re.escape(raw) + r"[\"']?\s*=", re.I)
    return next((i for i, line in enumerate(lines, 1) if wanted.match(line)), 1)


# What a Pipfile or Poetry table may say of a requirement beside where it applies.
_PLAIN_KEYS = frozenset({"version", "extras", "index", "optional", "source", "develop",
                         "editable"})


def _tables(data: dict, keys: tuple[str, ...], convert) -> list[tuple[str, str, str, bool]]:
    found = []
    for key in keys:
        table = data.get(key)
        for raw, value in (table.items() if isinstance(table, dict) else ()):
            if not isinstance(raw, str) or raw.strip().lower() == "python":
                continue
            # ('' when any version will do, or the form is not understood: the name is
            # still one the lock must hold)
            # (a table with more than a version says where it applies: a marker, a platform)
            marked = isinstance(value, dict) and bool(set(value) - _PLAIN_KEYS)
            found.append((canonical_name(raw), convert(value) or "", raw, marked))
    return found


def _pipfile_spec(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("version")
    if not isinstance(value, str) or value.strip() in ("", "*"):
        return None
    return _valid(value.strip())


def _poetry_spec(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("version")
    if not isinstance(value, str) or "||" in value or "|" in value:
        return None
    parts = []
    for part in (p.strip() for p in value.split(",")):
        converted = _poetry_part(part)
        if converted is None:
            return None
        if converted:
            parts.append(converted)
    return _valid(",".join(parts)) if parts else None


def _poetry_part(part: str) -> str | None:
    """One Poetry constraint as PEP 440: '' for any version, None when not understood."""
    if part in ("", "*"):
        return ""
    if part.startswith("^") or (part.startswith("~") and not part.startswith("~=")):
        caret = part[0] == "^"
        version = part[1:].strip()
        if not _NUMBERS.match(version):
            return None
        numbers = [int(n) for n in version.split(".")]
        if caret:  # the first non-zero number may not change (^0.0.3: only 0.0.3.x)
            index = next((i for i, n in enumerate(numbers) if n), len(numbers) - 1)
            index = min(index, len(numbers) - 1)
        else:  # ~1.2.3 and ~1.2 allow patches, ~1 minors
            index = 0 if len(numbers) == 1 else 1
        upper = numbers[:index + 1]
        upper[-1] += 1
        return f">={version},<{'.'.join(map(str, upper))}"
    if _NUMBERS.match(part) or re.match(r"^\d+(?:\.\d+)*\.\*$", part):
        return f"=={part}"
    if re.match(r"^(?:===?|!=|<=|>=|<|>|~=)\s*\S+$", part):
        return part.replace(" ", "")
    return None


def _pep508(data: dict) -> list[tuple[str, str, str, bool]]:
    """pyproject.toml's PEP 508 requirements that carry a specifier."""
    items: list[object] = []
    project = data.get("project")
    if isinstance(project, dict):
        items += project.get("dependencies") or [] if isinstance(
            project.get("dependencies"), list) else []
        optional = project.get("optional-dependencies")
        for group in (optional.values() if isinstance(optional, dict) else ()):
            items += group if isinstance(group, list) else []
    groups = data.get("dependency-groups")
    for group in (groups.values() if isinstance(groups, dict) else ()):
        items += group if isinstance(group, list) else []
    from mlgate.locks.requirements import pep508

    return [(canonical_name(req.name), str(req.specifier), item, req.marker is not None)
            for item, req in pep508(items)
            if not req.url]


def _valid(spec: str) -> str | None:
    from packaging.specifiers import SpecifierSet

    try:
        SpecifierSet(spec)
    except ValueError:  # InvalidSpecifier, and an int() past 4300 digits
        return None
    return spec


def unlocked(lock, manifest: list[tuple[str, str, int, bool]]) -> list[tuple[str, int]]:
    """(name, line) for every requirement of the manifest that the lock does not hold at all:
    added to the manifest after the lock was made (new-user trial round 40 F2: `uv lock
    --check` failed, `uv sync --locked` would refuse it, and mlgate said READY). The lock's
    own project is no requirement of it."""
    if lock.format == "pylock":  # exported for one use: it may leave groups out on purpose
        return []
    held = {package.name for package in lock.packages} | set(lock.project_names)
    out, said = [], set()
    for name, _, line, marked in manifest:
        # (one with a marker may be one the lock's environments leave out: `[tool.uv]
        # environments = ["sys_platform == 'linux'"]` and a Windows-only dependency, red
        # team round 40b F2)
        if name not in held and name not in said and not marked:
            said.add(name)
            out.append((name, line))
    return out


def stale(lock, manifest: list[tuple[str, str, int, bool]]) -> list[tuple[LockedPackage, str, int]]:
    """(locked package, the manifest's specifier, its line) for every pin the manifest no
    longer allows."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    locked: dict[str, LockedPackage] = {}
    for package in lock.packages:
        if package.version:
            locked.setdefault(package.name, package)
    out = []
    for name, spec, line, _ in manifest:
        package = locked.get(name)
        if package is None or package.version is None or not spec:
            continue
        try:
            allowed = SpecifierSet(spec).contains(Version(package.version), prereleases=True)
        except ValueError:  # InvalidVersion, and an int() past 4300 digits
            continue
        if not allowed:
            out.append((package, spec, line))
    return out
