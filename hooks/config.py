"""`[tool.mlgate]` in pyproject.toml: found, parsed, validated. Unknown keys are errors."""

from __future__ import annotations

import difflib
import fnmatch
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from mlgate.finding import SEVERITIES, UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

CODE_RE = re.compile(r"^MLG\d{3}$")


def _list_of_str(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where} must be a list of strings")
    return list(value)


def _codes(value: Any, where: str) -> list[str]:
    codes = _list_of_str(value, where)
    for code in codes:
        if not CODE_RE.match(code):
            raise UsageError(f"{where}: {code!r} is not a rule code (expected e.g. 'MLG101')")
    return codes


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{where} must be true or false")
    return value


def _severity_table(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise UsageError(f'{where} must be a table of rule code = "error" | "warning" | "off"')
    for code, level in value.items():
        if not CODE_RE.match(code):
            raise UsageError(f"{where}: {code!r} is not a rule code")
        if level not in (*SEVERITIES, "off"):
            raise UsageError(f"{where}.{code} must be \"error\", \"warning\" or \"off\"")
    return dict(value)


def _fail_on(value: Any, where: str) -> str:
    if value not in SEVERITIES:
        raise UsageError(f"{where} must be \"error\" or \"warning\"")
    return value


def _per_file_ignores(value: Any, where: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be a table of glob = [rule codes]")
    return {glob: _codes(codes, f"{where}.{glob!r}") for glob, codes in value.items()}


Validator = Callable[[Any, str], Any]

GLOBAL_KEYS: dict[str, Validator] = {
    "exclude": _list_of_str,
    "ignore": _codes,
    "severity": _severity_table,
    "fail-on": _fail_on,
    "per-file-ignores": _per_file_ignores,
}

CHECK_KEYS: dict[str, dict[str, Validator]] = {
    "paths": {
        "allow": _list_of_str,
        "roots": _list_of_str,
        "scan-comments": _bool,
        "scan-notebook-outputs": _bool,
    },
}


@dataclass
class Config:
    """Validated configuration; `root` is the folder globs are relative to."""

    root: Path
    source: Path | None = None
    exclude: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    fail_on: str = "error"
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, check: str) -> dict[str, Any]:
        return self.checks.get(check, {})

    def is_excluded(self, relpath: str) -> bool:
        return any(glob_match(relpath, pattern) for pattern in self.exclude)

    def ignored_codes_for(self, relpath: str) -> set[str]:
        codes = set(self.ignore)
        for pattern, extra in self.per_file_ignores.items():
            if glob_match(relpath, pattern):
                codes.update(extra)
        return codes


def glob_match(relpath: str, pattern: str) -> bool:
    """fnmatch on the repository-relative POSIX path; a pattern without '/' also matches a name."""
    pattern = pattern.rstrip("/")
    if fnmatch.fnmatchcase(relpath, pattern) or fnmatch.fnmatchcase(relpath, pattern + "/*"):
        return True
    return "/" not in pattern and fnmatch.fnmatchcase(relpath.rsplit("/", 1)[-1], pattern)


def _unknown(key: str, known: list[str], where: str) -> UsageError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(known))})"
    return UsageError(f"{where}: unknown key {key!r}{hint}")


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml from `start` upwards, not leaving the git repository."""
    here = start.resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def parse_config(table: dict[str, Any], root: Path, source: Path | None = None) -> Config:
    """Validate a `[tool.mlgate]` table; raise UsageError naming the first bad key."""
    where = f"{source.name if source else 'config'}: [tool.mlgate]"
    config = Config(root=root, source=source)
    for key, value in table.items():
        if key in CHECK_KEYS:
            if not isinstance(value, dict):
                raise UsageError(f"{where}.{key} must be a table")
            section = {}
            for sub, subvalue in value.items():
                validators = CHECK_KEYS[key]
                if sub not in validators:
                    raise _unknown(sub, list(validators), f"{where[:-1]}.{key}]")
                section[sub] = validators[sub](subvalue, f"[tool.mlgate.{key}] {sub}")
            config.checks[key] = section
        elif key in GLOBAL_KEYS:
            setattr(config, key.replace("-", "_"), GLOBAL_KEYS[key](value, f"[tool.mlgate] {key}"))
        else:
            raise _unknown(key, [*GLOBAL_KEYS, *CHECK_KEYS], where)
    return config


def load_config(explicit: str | None = None, start: Path | None = None) -> Config:
    """Load from `--config`, else the nearest pyproject.toml; defaults when there is none."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError(f"config file not found: {explicit}")
    else:
        path = find_pyproject(start or Path.cwd())
        if path is None:
            return Config(root=(start or Path.cwd()).resolve())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("mlgate", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.mlgate] must be a table")
    return parse_config(table, path.parent.resolve(), path)
