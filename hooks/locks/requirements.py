"""requirements*.txt and constraints files (pip's format), and pyproject.toml dependencies.

pip's file format is read here (continuations, comments, options, includes); each requirement
itself is parsed by `packaging.requirements.Requirement`. What cannot be read becomes a
LockProblem with its line, never an exception.
"""

from __future__ import annotations

import os
import re
import shlex

from mlgate.locks.model import (
    LockedPackage,
    LockProblem,
    ParsedLock,
    canonical_name,
    decode_lock,
    drop_garbled,
)

# pip options a requirements file may carry, and whether they take a value.
_OPTIONS_WITH_VALUE = {
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
    "--extra-index-url", "-f", "--find-links", "--trusted-host", "--no-binary",
    "--only-binary", "--use-feature", "--config-settings", "--global-option", "-Z",
}
_SHORT_WITH_VALUE = {o for o in _OPTIONS_WITH_VALUE if len(o) == 2}
_FLAGS = {"--pre", "--prefer-binary", "--require-hashes", "--no-index", "--always-unzip"}
_PER_REQUIREMENT = ("--hash", "--config-settings", "--global-option")
_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_EGG_RE = re.compile(r"[#&]egg=([A-Za-z0-9][\w.-]*)")
_WHEEL_RE = re.compile(r"([A-Za-z0-9][\w.]*)-(\d[^-]*)-[^/]*\.whl$")
_COMMIT_RE = re.compile(r"^[0-9a-f]{7,40}$")


def exact_version(specifier: str) -> str | None:
    """The version a specifier pins exactly (`==1.2`, `===x`), or None."""
    from packaging.specifiers import SpecifierSet

    try:
        specs = list(SpecifierSet(specifier))
    except ValueError:  # InvalidSpecifier, and an int() past 4300 digits
        return None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(
        ".*"
    ):
        return specs[0].version
    return None


def vcs_commit(url: str) -> str | None:
    """The commit a VCS URL pins (`git+https://host/repo@<sha>`), when it names a commit."""
    path = url.split("#", 1)[0]
    if "@" not in path.split("://", 1)[-1]:
        return None
    revision = path.rsplit("@", 1)[1]
    return revision if _COMMIT_RE.match(revision) else None


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line number, joined text), as pip reads a requirements file: first
    continuations are joined, then comments cut. So a requirement whose trailing comment
    ends in a backslash swallows the next line (pip installs neither that line's package,
    while mlgate counted it locked: reliability round 36); a line that is only a comment
    never continues."""
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0

    def emit(number: int, joined: str) -> None:
        joined = _COMMENT_RE.sub("", joined).strip()
        if joined:
            lines.append((number, joined))

    for number, raw in enumerate(text.splitlines(), 1):
        comment = _COMMENT_RE.match(raw) is not None
        if raw.endswith("\\") and not comment:
            if not pending:
                start = number
            pending.append(raw.strip("\\"))
            continue
        if comment:
            raw = " " + raw  # (pip's own way: the comment is cut after the join)
        if pending:
            emit(start, "".join([*pending, raw]))
            pending = []
        else:
            emit(number, raw)
    if pending:
        emit(start, "".join(pending))
    return lines


def _unnamed(location: str, path: str, line: int, editable: bool) -> LockedPackage | None:
    egg = _EGG_RE.search(location)
    wheel = _WHEEL_RE.search(location.split("#", 1)[0])
    if egg:
        name, version = egg.group(1), None
    elif wheel:
        name, version = wheel.group(1), wheel.group(2)
    else:
        return None  # `-e .` or a bare folder: its name is only known once built

    url = location.split("#", 1)[0]
    return LockedPackage(canonical_name(name), path, line, version=version, source_url=url,
                         source_commit=vcs_commit(url), editable=editable)


def _requirement(text: str, path: str, line: int, problems: list[LockProblem]):
    from packaging.requirements import Requirement

    hashes = tuple(re.findall(r"--hash[=\s]+(\S+)", text))
    body = re.split(r"\s+--?(?:hash|config-settings|global-option)\b", " " + text, maxsplit=1)[0]
    body = body.strip()
    if re.match(r"^(\.|/|[A-Za-z][\w+.-]*://|[A-Za-z]:[\\/])", body):
        return _unnamed(body, path, line, editable=False)
    try:
        req = Requirement(body)
    except ValueError as exc:  # InvalidRequirement, and huge numbers
        reason = str(exc).splitlines()[0] if str(exc) else "cannot parse"
        shown = body if len(body) <= 60 else body[:57] + "..."  # an excerpt, never a line
        problems.append(LockProblem(path, line, f"invalid requirement {shown!r}: {reason}"))
        return None
    specifier = str(req.specifier)
    return LockedPackage(
        canonical_name(req.name), path, line,
        version=exact_version(specifier) if specifier else None,
        specifier=specifier,
        marker=str(req.marker) if req.marker else None,
        source_url=req.url,
        source_commit=vcs_commit(req.url) if req.url else None,
        hashes=hashes,
        extras=tuple(sorted(canonical_name(e) for e in req.extras)),
    )


def parse(text: str, path: str, format: str = "requirements") -> ParsedLock:
    """One requirements file; `includes` lists its -r/-c files as (format, path)."""
    lock = ParsedLock(path, format)
    folder = os.path.dirname(path)
    for line, content in _logical_lines(text):
        if content.startswith("-"):
            try:
                words = shlex.split(content)
            except ValueError as exc:
                lock.problems.append(LockProblem(path, line, f"cannot read options: {exc}"))
                continue
            option, _, value = words[0].partition("=")
            if option[:2] in _SHORT_WITH_VALUE and len(option) > 2 and not value:
                option, value = option[:2], option[2:]  # `-rbase.txt`, as pip reads it
            if not value and option in _OPTIONS_WITH_VALUE and len(words) > 1:
                value = words[1]
            if option in ("-r", "--requirement", "-c", "--constraint"):
                kind = "constraints" if option in ("-c", "--constraint") else format
                if value:
                    target = value if os.path.isabs(value) else os.path.join(folder, value)
                    lock.includes.append((kind, target, line))
            elif option in ("-e", "--editable"):
                package = _unnamed(value, path, line, editable=True) if value else None
                if package is None and value and " @ " in value:
                    package = _requirement(value, path, line, lock.problems)
                    if package:
                        package.editable = True
                if package:
                    lock.packages.append(package)
            elif option in _OPTIONS_WITH_VALUE or option in _FLAGS:
                if option == "--require-hashes":
                    lock.require_hashes = True
            else:
                lock.problems.append(LockProblem(path, line, f"unknown option {option!r}"))
            continue
        package = _requirement(content, path, line, lock.problems)
        if package:
            lock.packages.append(package)
    if lock.problems and _conda_export(text):
        # one finding, not one per line (new-user trial round 37: three exports under
        # requirements/ gave 317 "Expected semicolon" errors with no hint)
        lock.packages, lock.includes = [], []
        lock.problems = [LockProblem(path, 1, "a conda environment export (`conda list"
                                     " --export`, `name=version=build` lines), not a pip"
                                     " requirements file: pip cannot install it and mlgate"
                                     " does not compare it; write the pip lock with"
                                     " `pip freeze`, or list the locks mlgate reads in"
                                     " [tool.mlgate.lock] files")]
    return lock


_CONDA_LINE = re.compile(r"[A-Za-z0-9_][\w.+-]*=[^=\s]+=[^=\s]+\Z")


def _conda_export(text: str) -> bool:
    """Whether a file is conda's export: its header, or `name=version=build` lines."""
    head = text[:2000]
    if ("conda create" in head and "--file" in head) or "\n# platform: " in head:
        return True
    lines = [ln.strip() for ln in text.splitlines()[:200] if ln.strip()
             and not ln.lstrip().startswith("#")]
    return bool(lines) and sum(bool(_CONDA_LINE.match(ln)) for ln in lines) * 2 > len(lines)


MAX_LOCK_BYTES = 64 * 2**20  # a requirements file is kilobytes; /dev/zero is endless


def read_requirements(path: str, format: str = "requirements") -> list[ParsedLock]:
    """A requirements file and everything it includes, each once; unreadable ones are problems."""
    from mlgate.artifacts.reading import (
        Unreadable,
        read_bytes,
        read_inside,
        repository_of,
        resolve,
    )
    from mlgate.files import git_tracks, unanswered

    repo_root = repository_of(path)
    result: list[ParsedLock] = []
    seen: set[str] = set()
    queue: list[tuple[str, str, tuple[str, int] | None]] = [(format, path, None)]
    while queue:
        kind, current, included_at = queue.pop(0)
        key = os.path.realpath(current)
        if key in seen:
            continue
        seen.add(key)
        try:
            if included_at:
                data = read_inside(current, repo_root, MAX_LOCK_BYTES)
            else:
                data = read_bytes(resolve(current, repo_root), MAX_LOCK_BYTES)
            # reliability round 34: `-r .env` in a pull request printed an ignored secret
            # file (or a key a CI step wrote) line by line; so did a committed link to it
            # (`extra.txt -> .env`, `requirements.txt -> .env`: review of that fix). What a
            # committed file names, or a committed link leads to, is read only if committed:
            # the file read, its real path, is what git must track (a file not yet added
            # includes what it likes)
            tracked = git_tracks(os.path.realpath(current))
            if (included_at and unanswered(tracked, current)) or (tracked is False and (
                    git_tracks(current) or (included_at and git_tracks(included_at[0])))):
                from mlgate.files import UNANSWERED

                raise Unreadable(UNANSWERED if tracked is None else "not a file git"
                                 " tracks: mlgate reads only the files the repository holds"
                                 " (`git add` it, if it is one)")
            text, undecodable = decode_lock(data, current)
        except (OSError, Unreadable) as exc:
            why = exc.strerror if isinstance(exc, OSError) else str(exc).removeprefix(
                "cannot read: ")
            lock = ParsedLock(current, kind)
            if included_at:
                parent, line = included_at
                lock = ParsedLock(parent, kind)
                lock.problems.append(LockProblem(parent, line,
                                                 f"cannot read included file {current!r}: "
                                                 f"{why}"))
            else:
                lock.problems.append(LockProblem(current, 1, f"cannot read: {why}"))
            result.append(lock)
            continue
        lock = parse(text, current, kind)
        if undecodable is not None:
            drop_garbled(lock, text)
            lock.problems.insert(0, undecodable)
        result.append(lock)
        for child_kind, child, line in lock.includes:
            queue.append((child_kind, child, (current, line)))
    return result


def parse_pyproject(text: str, path: str) -> ParsedLock:
    """[project.dependencies] and optional dependencies, for the pinning rule; the project's
    name; and, as names only (`declared`), its development groups."""
    from mlgate.toml_read import TomlError, loads

    lock = ParsedLock(path, "pyproject")
    try:
        data = loads(text)
    except TomlError as exc:
        lock.problems.append(LockProblem(path, exc.line, f"invalid TOML: {exc}", exc.col))
        return lock
    lock.declared = _group_names(data)
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    project = data.get("project")
    for table in (project, poetry):
        name = table.get("name") if isinstance(table, dict) else None
        if isinstance(name, str) and name.strip():
            lock.project_names.add(canonical_name(name.strip()))
    if not isinstance(project, dict):
        return lock
    declared = project.get("dependencies") or []
    optional = project.get("optional-dependencies") or {}
    groups = [declared] + (list(optional.values()) if isinstance(optional, dict) else [])
    first = _first_lines(text)
    for group in groups:
        if not isinstance(group, list):
            lock.problems.append(LockProblem(path, 1, "dependencies must be a list of strings"))
            continue
        for item in group:
            if not isinstance(item, str):
                continue
            line = first.get(item, 1)
            package = _requirement(item, path, line, lock.problems)
            if package:
                lock.packages.append(package)
    return lock


_QUOTED = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'([^\'\n]*)\'')


def _first_lines(text: str) -> dict[str, int]:
    """The first line each quoted string of a TOML file stands on, found in one pass (each
    dependency looked up from the top made 40,000 of them take 194 s: reliability round
    34). A string written with escapes is not found: its line is 1."""
    first: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        for match in _QUOTED.finditer(line):
            first.setdefault(match.group(1) if match.group(1) is not None
                             else match.group(2), number)
    return first


def _group_names(data: dict) -> list[tuple[str, tuple[str, ...]]]:
    """(name, extras) of what pyproject.toml declares for development beside [project]: PEP 735
    [dependency-groups], uv's and PDM's dev-dependencies, Poetry's dependencies, dev-dependencies
    and groups. Names only: installing and pinning them is the lock's business, and Poetry's
    `^1.2` constraints are not PEP 508 anyway."""

    tool = data.get("tool")
    if not isinstance(tool, dict):
        tool = {}
    strings: list[object] = []
    lists = [data.get("dependency-groups")]
    uv, pdm = tool.get("uv"), tool.get("pdm")
    if isinstance(uv, dict):
        strings.extend(_items(uv.get("dev-dependencies")))
    if isinstance(pdm, dict):
        lists.append(pdm.get("dev-dependencies"))
    for groups in lists:
        for group in groups.values() if isinstance(groups, dict) else ():
            strings.extend(_items(group))  # {include-group = ...} tables: declared elsewhere
    found = [(canonical_name(req.name), tuple(sorted(canonical_name(e) for e in req.extras)))
             for _, req in pep508(strings)]
    poetry = tool.get("poetry")
    if isinstance(poetry, dict):
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        groups = poetry.get("group")
        for group in groups.values() if isinstance(groups, dict) else ():
            if isinstance(group, dict):
                tables.append(group.get("dependencies"))
        for table in tables:
            for name, spec in table.items() if isinstance(table, dict) else ():
                if name.strip().lower() == "python":  # the interpreter, not a package
                    continue
                extras = {canonical_name(e) for s in (spec if isinstance(spec, list) else [spec])
                          if isinstance(s, dict) for e in _items(s.get("extras"))
                          if isinstance(e, str)}
                found.append((canonical_name(name), tuple(sorted(extras))))
    return found


def pep508(items: list) -> list:
    """(text, packaging Requirement) for each item that is a valid PEP 508 string."""
    from packaging.requirements import Requirement

    found = []
    for item in items:
        if not isinstance(item, str):
            continue
        try:
            found.append((item, Requirement(item)))
        except ValueError:  # InvalidRequirement, and huge numbers
            continue
    return found


def _items(value: object) -> list:
    return value if isinstance(value, list) else []
