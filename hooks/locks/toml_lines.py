"""Shared by the lock-format readers: TOML loading, entry lines, marker evaluation, sources.

tomllib gives values but no positions, so `entry_lines` finds where each `[[package]]` (or
`[[packages]]`) entry starts in the text: the `name = "..."` line of the k-th table header,
checked against the name the parser read.
"""

from __future__ import annotations

import re

from mlgate.locks.model import LockProblem

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from collections.abc import Iterable

_COMMIT_RE = re.compile(r"^[0-9a-fA-F]{7,64}$")


def load_toml(text: str, path: str, problems: list[LockProblem]) -> dict | None:
    """The TOML document as a dict, or None with a LockProblem at the error's line."""
    from mlgate.toml_read import TomlError, loads

    try:
        return loads(text)
    except TomlError as exc:
        problems.append(LockProblem(path, exc.line, f"not valid TOML: {exc.message}", exc.col))
    return None


def entry_lines(text: str, table: str, names: list[object]) -> list[int]:
    """The 1-based line where each `[[table]]` entry starts, in document order.

    That is the `name = "..."` line inside the k-th `[[table]]` header when it holds the name
    tomllib read (`names[k]`), else the header's own line. When the headers cannot be matched
    one to one with the entries (an inline array of tables, a header inside a multi-line
    string), each entry gets the first unused `name = "<its name>"` line, else line 1.
    """
    lines = text.split("\n")  # TOML counts lines by LF alone, as tomllib's messages do
    header = re.compile(r"^[ \t]*\[\[[ \t]*" + re.escape(table) + r"[ \t]*\]\][ \t]*(#.*)?\r?$")
    starts = [i for i, line in enumerate(lines) if line[:1] in " \t[" and header.match(line)]
    result: list[int] = []
    if len(starts) == len(names):
        for k, (start, name) in enumerate(zip(starts, names)):
            end = starts[k + 1] if k + 1 < len(starts) else len(lines)
            found = start
            if isinstance(name, str):
                for i in range(start + 1, end):
                    if _named(lines[i]) == name:
                        found = i
                        break
            result.append(found + 1)
        return result
    # one pass: every `name = "..."` line, by the name it holds, in document order (a scan
    # of the whole text per entry was quadratic in the entries)
    where: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        named = _named(line)
        if named is not None:
            where.setdefault(named, []).append(i)
    for name in names:
        left = where.get(name) if isinstance(name, str) else None
        result.append(left.pop(0) + 1 if left else 1)
    return result


# `name = "..."` (or `{ name = '...'`) at the start of a line; the one regular expression for
# every entry (one compiled per name overflowed re's cache: 32,000 entries took 8 s)
_NAME_LINE = re.compile(r"^[ \t]*(?:\{[ \t]*)?name[ \t]*=[ \t]*([\"'])(.*?)\1")


def _named(line: str) -> str | None:
    """The name a `name = "..."` line assigns, else None."""
    match = _NAME_LINE.match(line)
    return match.group(2) if match else None


def key_line(text: str, key: str, default: int = 1) -> int:
    """The first line where `key` is assigned or opens a table (`key =`, `[key]`, `[[key]]`)."""
    pattern = re.compile(
        r"^[ \t]*(?:" + re.escape(key) + r"[ \t]*=|\[\[?[ \t]*" + re.escape(key) + r"[ \t]*[\].])"
    )
    for number, line in enumerate(text.split("\n"), 1):
        if pattern.match(line):
            return number
    return default


def looks_like_commit(value: object) -> bool:
    return isinstance(value, str) and bool(_COMMIT_RE.match(value))


def type_name(value: object) -> str:
    """A TOML/JSON-ish name for a value's type, for messages."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def marker_environment(environment: dict[str, str]) -> dict[str, str]:
    """The environment with `python_full_version` filled in from `python_version` when missing.

    Lockers write `python_full_version` markers (uv) and packaging would otherwise take the
    missing value from the interpreter running mlgate, not from the target environment.
    """
    env = dict(environment)
    version = env.get("python_version")
    if version and "python_full_version" not in env:
        env["python_full_version"] = version if version.count(".") >= 2 else version + ".0"
    return env


class MarkerCache:
    """Evaluate markers against one environment, each marker text parsed once.

    `applies(marker, extras)` is true when the marker holds with `extra` set to any one of
    `extras` (default: no extra). A marker that cannot be read or compared applies: better to
    check a package than to skip it.
    """

    def __init__(self, environment: dict[str, str]) -> None:
        self.environment = marker_environment(environment)
        self._parsed: dict[str, object] = {}
        self._results: dict[tuple[str, tuple[str, ...]], bool] = {}

    def applies(self, marker: object, extras: Iterable[str] = ("",)) -> bool:
        if not isinstance(marker, str) or not marker.strip():
            return True
        extras = tuple(extras)
        key = (marker, extras)
        if key not in self._results:
            self._results[key] = self._evaluate(marker, extras)
        return self._results[key]

    def _marker(self, text: str):
        if text not in self._parsed:
            from packaging.markers import InvalidMarker, Marker

            try:
                self._parsed[text] = Marker(text)
            except (InvalidMarker, ValueError, TypeError):
                self._parsed[text] = None
        return self._parsed[text]

    def _evaluate(self, text: str, extras: tuple[str, ...]) -> bool:
        from packaging.markers import UndefinedComparison, UndefinedEnvironmentName

        marker = self._marker(text)
        if marker is None:
            return True
        for extra in extras or ("",):
            try:
                if marker.evaluate(dict(self.environment, extra=extra)):
                    return True
            except (UndefinedComparison, UndefinedEnvironmentName, ValueError, TypeError):
                return True
        return False

    def applies_lock_file(self, marker: object, extras: Iterable[str],
                          groups: Iterable[str]) -> bool:
        """A PEP 751 marker, which may test `extras` and `dependency_groups` (sets)."""
        if not isinstance(marker, str) or not marker.strip():
            return True
        parsed = self._marker(marker)
        if parsed is None:
            return True
        from packaging.markers import UndefinedComparison, UndefinedEnvironmentName

        env = dict(self.environment, extras=frozenset(extras),
                   dependency_groups=frozenset(groups))
        try:
            return bool(parsed.evaluate(env, context="lock_file"))
        except TypeError:  # packaging < 25: no lock-file context (nor those names)
            return self.applies(marker)
        except (UndefinedComparison, UndefinedEnvironmentName, ValueError):
            return True


def table_entries(data: dict, text: str, table: str, path: str,
                  problems: list[LockProblem]) -> list[tuple[object, int]]:
    """The `[[table]]` array of a lock with each entry's line; a non-array is a problem."""
    entries = data.get(table, [])
    if not isinstance(entries, list):
        problems.append(LockProblem(path, key_line(text, table),
                                    f"'{table}' must be an array of tables, not "
                                    f"{type_name(entries)}"))
        entries = []
    names = [e.get("name") if isinstance(e, dict) else None for e in entries]
    return list(zip(entries, entry_lines(text, table, names)))


def entry_fields(entry: object, table: str, path: str, line: int, problems: list[LockProblem],
                 strings: tuple[str, ...] = ("version",)) -> tuple[str, dict] | None:
    """An entry's name and its string fields (None where absent or not a string, which is
    a problem); None, with the problem recorded, when it is not a table or has no name."""
    if not isinstance(entry, dict):
        problems.append(LockProblem(path, line, f"a [[{table}]] entry must be a table, not "
                                                f"{type_name(entry)}"))
        return None
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        what = "has no name" if name is None else f"has a name that is {type_name(name)}"
        problems.append(LockProblem(path, line, f"a [[{table}]] entry {what}"))
        return None
    return name, string_fields(entry, strings, name, path, line, problems)


def string_fields(entry: dict, keys, name: str, path: str, line: int,
                  problems: list[LockProblem]) -> dict:
    """These fields of an entry as strings; None where absent, or (a problem) not a string."""
    values = {}
    for key in keys:
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(LockProblem(path, line, f"{name}: '{key}' must be a string, not "
                                                    f"{type_name(value)}"))
            value = None
        values[key] = value or None
    return values
