"""Pipfile.lock (pipenv's JSON lock): the `default` and `develop` sections.

Both sections are read, as a developer's environment (`pipenv install --dev`) has both; the
packages only `develop` locks are marked (`dev_only`): `pipenv install` and `pipenv sync`,
and so a deployment, leave them out.
`version` is a specifier as pipenv writes it: `==1.2.3` is a pin; `*` (which pipenv writes for
a package whose markers did not hold where it locked) is none. Each package's line is the line
of its `"name": {` key, found by a light scan of the JSON tokens (json gives no positions).
"""

from __future__ import annotations

import re

from mlgate.locks.model import LockedPackage, LockProblem, ParsedLock, canonical_name
from mlgate.locks.toml_lines import looks_like_commit, string_fields, type_name

SECTIONS = ("default", "develop")
_TOKEN_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]:,\n]')
_PIN_RE = re.compile(r"^\s*===?\s*([^\s,;*=<>!~]+)\s*$")
_VCS_KEYS = ("git", "hg", "svn", "bzr")


def parse(text: str, path: str) -> ParsedLock:
    """Read a Pipfile.lock. Never raises: what cannot be read becomes a LockProblem."""
    import json

    lock = ParsedLock(path, "pipfile")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        lock.problems.append(LockProblem(path, max(1, exc.lineno), f"not valid JSON: {exc.msg}",
                                         max(1, exc.colno)))
        return lock
    except (RecursionError, ValueError) as exc:
        lock.problems.append(LockProblem(path, 1, f"not valid JSON: {exc}"))
        return lock
    if not isinstance(data, dict):
        lock.problems.append(LockProblem(path, 1, f"a Pipfile.lock must be a JSON object, not "
                                                  f"{type_name(data)}"))
        return lock
    positions = _key_lines(text)
    _meta_problems(data.get("_meta"), path, positions.get(("_meta",), 1), lock.problems)
    meta = data.get("_meta")
    digest = meta.get("hash") if isinstance(meta, dict) else None
    digest = digest.get("sha256") if isinstance(digest, dict) else None
    if isinstance(digest, str):  # what pipenv recorded of the Pipfile (manifest.pipfile_hashes)
        lock.recorded = {"hash": digest, "line": positions.get(("_meta",), 1)}
    for section in SECTIONS:
        if section not in data:
            continue
        entries = data[section]
        section_line = positions.get((section,), 1)
        if not isinstance(entries, dict):
            lock.problems.append(LockProblem(path, section_line,
                                             f"'{section}' must be an object, not "
                                             f"{type_name(entries)}"))
            continue
        for name, entry in entries.items():
            line = positions.get((section, name), section_line)
            package = _package(name, entry, path, line, lock.problems)
            if package is not None:
                lock.packages.append(package)
                if section == "develop":
                    lock.dev_only.add(package.name)
    default = data.get("default")
    if isinstance(default, dict):
        lock.dev_only -= {canonical_name(n) for n in default if isinstance(n, str)}
    return lock


def _meta_problems(meta: object, path: str, line: int, problems: list[LockProblem]) -> None:
    """pipenv's own header: pipenv refuses a lock whose `_meta` is of another shape, so the
    lock installs nothing. mlgate reads none of it, but says so rather than pass it by."""
    if meta is None:
        return
    if not isinstance(meta, dict):
        problems.append(LockProblem(path, line, f"'_meta' must be an object, not"
                                                f" {type_name(meta)}"))
        return
    for key, kind, name in (("sources", list, "an array"), ("requires", dict, "an object"),
                            ("hash", dict, "an object")):
        if key in meta and not isinstance(meta[key], kind):
            problems.append(LockProblem(path, line, f"'_meta.{key}' must be {name}, not"
                                                    f" {type_name(meta[key])}"))
    if isinstance(meta.get("sources"), list) and not all(
            isinstance(source, dict) for source in meta["sources"]):
        problems.append(LockProblem(path, line, "'_meta.sources' must hold objects"))


def _package(name: str, entry: object, path: str, line: int,
             problems: list[LockProblem]) -> LockedPackage | None:

    if not name.strip():
        problems.append(LockProblem(path, line, "a package with an empty name"))
        return None
    if not isinstance(entry, dict):
        problems.append(LockProblem(path, line, f"{name}: must be an object, not "
                                                f"{type_name(entry)}"))
        return None
    strings = string_fields(entry, ("version", "markers", "ref", "path", "file", *_VCS_KEYS),
                            name, path, line, problems)
    specifier = strings["version"] or ""
    if specifier.strip() == "*":
        specifier = ""
    pinned = _PIN_RE.match(specifier)
    url = next((strings[key] for key in _VCS_KEYS if strings[key]), None)
    commit = strings["ref"] if url and looks_like_commit(strings["ref"]) else None
    url = url or strings["file"] or strings["path"]
    hashes = entry.get("hashes")
    if hashes is not None and not isinstance(hashes, list):
        problems.append(LockProblem(path, line, f"{name}: 'hashes' must be an array, not "
                                                f"{type_name(hashes)}"))
    hashes = [h for h in hashes if isinstance(h, str) and h] if isinstance(hashes, list) else []
    return LockedPackage(canonical_name(name), path, line,
                         version=pinned.group(1) if pinned else None,
                         specifier=specifier.strip(), marker=strings["markers"],
                         source_url=url, source_commit=commit,
                         editable=entry.get("editable") is True, hashes=tuple(hashes))


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line of each top-level key (`(key,)`) and each key one level below (`(key, name)`).

    A scan over the JSON's strings and punctuation; the last of duplicate keys wins, as in
    `json.loads`.
    """
    import json

    found: dict[tuple[str, ...], int] = {}
    stack: list[str | None] = []  # for each open object/array, the key that opened it
    line, last, last_line, key = 1, None, 1, None
    for match in _TOKEN_RE.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
        elif token[0] == '"':
            last, last_line = token, line
        elif token == ":":
            try:
                key = json.loads(last) if last else None
            except ValueError:
                key = None
            if isinstance(key, str):
                if len(stack) == 1:
                    found[(key,)] = last_line
                elif len(stack) == 2 and stack[1] is not None:
                    found[(stack[1], key)] = last_line
        elif token in "{[":
            stack.append(key if len(stack) >= 1 else None)
            key = None
        elif token in "}]":
            if stack:
                stack.pop()
            key = None
        else:  # ","
            key = None
    return found
