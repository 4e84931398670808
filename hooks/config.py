"""`[tool.mlgate]` in pyproject.toml: found, parsed, validated. Unknown keys are errors."""

from __future__ import annotations

import fnmatch
import os

from mlgate.finding import SEVERITIES, UsageError
from mlgate.lazy_re import LazyPattern

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from typing import Any, Callable

CODE_RE = LazyPattern(r"^MLG\d{3}$")


def _list_of_str(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where} must be a list of strings")
    return list(value)


def _codes(value: Any, where: str) -> list[str]:
    codes = _list_of_str(value, where)
    for code in codes:
        _known(code, where)
    return codes


def _known(code: str, where: str) -> None:
    from mlgate.codes import known

    if not (CODE_RE.match(code) and known(code)):
        raise UsageError(f"{where}: {code!r} is not a rule code (not one of mlgate's; codes look"
                         " like MLG101; `mlgate rule --all` lists them)")


check_codes = _codes  # (the command line's --ignore, held to the configuration's rule)


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"{where} must be a non-empty string")
    return value


def _module_names(value: Any, where: str) -> list[str]:
    names = _list_of_str(value, where)
    for name in names:
        module, _, qualname = name.partition(":")
        if not module or not qualname:
            raise UsageError(f"{where}: {name!r} must be 'module:QualName', e.g."
                             " 'churn.features:TenureBucketizer'")
    return names


def _dotted_names(value: Any, where: str) -> list[str]:
    names = _list_of_str(value, where)
    for name in names:
        if not all(part.isidentifier() for part in name.split(".")):
            raise UsageError(f"{where}: {name!r} is not a module name (e.g. 'churn.features')")
    return names


def _positive(value: Any, where: str, unit: str, most: float) -> float:
    """A positive, finite number no larger than `most` (nan, inf and 1e300 are mistakes)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            0 < value <= most):
        raise UsageError(f"{where} must be a positive number of {unit}, at most {most:g}")
    return float(value)


def _seconds(value: Any, where: str) -> float:
    return _positive(value, where, "seconds", 86400.0)


def _megabytes(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**20:
        raise UsageError(f"{where} must be a whole number of megabytes, at most 1048576"
                         " (1 TB; 0: no limit)")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{where} must be true or false")
    return value


def _severity_table(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise UsageError(f'{where} must be a table of rule code = "error" | "warning" | "off"')
    for code, level in value.items():
        _known(code, where)
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


AUDIT_PILLARS = ("paths", "lock", "artifact", "schema", "latency")


def _pillars(value: Any, where: str) -> list[str]:
    names = _list_of_str(value, where)
    for name in names:
        if name not in AUDIT_PILLARS:
            raise UsageError(f"{where}: {name!r} is not a pillar (one of"
                             f" {', '.join(AUDIT_PILLARS)})")
    return names


def _milliseconds(value: Any, where: str) -> float:
    return _positive(value, where, "milliseconds", 3_600_000.0)


def _count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"{where} must be a whole number (0: none)")
    return value


def _choice(*allowed: str) -> Callable[[Any, str], str]:
    def check(value: Any, where: str) -> str:
        if value not in allowed:
            raise UsageError(f"{where} must be one of {', '.join(map(repr, allowed))}")
        return value

    return check


def _batch(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
        raise UsageError(f"{where} must be a whole number of rows, at most 100000 (0: none)")
    return value


# Methods that change or describe the model rather than answer a request.
NOT_PREDICTING = frozenset({
    "fit", "fit_transform", "fit_predict", "fit_resample", "partial_fit", "set_params",
    "get_params", "set_output", "score", "get_feature_names_out", "get_metadata_routing",
})


def _identifier(value: Any, where: str) -> str:
    # A public method: `__class__` or `_private` would "predict" by calling something else.
    if not isinstance(value, str) or not value.isidentifier() or value.startswith("_"):
        raise UsageError(f"{where} must be a public method name such as \"predict\"")
    if value in NOT_PREDICTING or value.startswith("set_"):
        raise UsageError(f"{where}: {value!r} does not answer a request; name the method the"
                         " service calls (predict, predict_proba, transform, ...)")
    return value


def flag_number(unit: str, most: float) -> Callable[[str], float]:
    """An argparse `type` with the configuration's rule: positive, finite, bounded."""
    import argparse

    def parse(text: str) -> float:
        try:
            return _positive(float(text), "the value", unit, most)
        except (ValueError, UsageError) as exc:
            raise argparse.ArgumentTypeError(
                f"{text!r}: must be a positive number of {unit}, at most {most:g}") from exc

    return parse


# [tool.mlgate.models.<name>]: one model the schema and latency checks exercise.
MODEL_KEYS: dict[str, Callable[[Any, str], Any]] = {
    "artifact": _str,
    "sample": _str,
    "contract": _str,
    "contract-names": _choice("fields", "aliases"),
    "budget-ms": _milliseconds,
    "method": _identifier,
    "batch": _batch,
    "contract-import": _bool,
    "input": _choice("dataframe", "records"),
    "preprocessors": _list_of_str,
    "derived": _list_of_str,
}


def _models(value: Any, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise UsageError(f"{where} must hold one table per model: [tool.mlgate.models.NAME]")
    models = {}
    for name, table in value.items():
        # A name is shown in reports and written into the README: printable, one line,
        # no markup (a name holding an end marker made --write-readme corrupt the README).
        if not (0 < len(name) <= 100 and name.isprintable() and not set(name) & set("<>`|")):
            raise UsageError(f"{where}: the model name {name[:40]!r} must be 1 to 100"
                             " printable characters without < > ` or |, such as"
                             " [tool.mlgate.models.churn]")
        model = {}
        for key, item in table.items():
            if key not in MODEL_KEYS:
                raise _unknown(key, list(MODEL_KEYS), f"[tool.mlgate.models.{name}]")
            model[key] = MODEL_KEYS[key](item, f"[tool.mlgate.models.{name}] {key}")
        if "artifact" not in model:
            raise UsageError(f"[tool.mlgate.models.{name}] needs artifact = \"path\"")
        models[name] = model
    return models


GLOBAL_KEYS: dict[str, Callable[[Any, str], Any]] = {
    "exclude": _list_of_str,
    "ignore": _codes,
    "severity": _severity_table,
    "fail-on": _fail_on,
    "per-file-ignores": _per_file_ignores,
    "python": lambda value, where: _str(value, where),
    "models": _models,
    "require": _pillars,
}

CHECK_KEYS: dict[str, dict[str, Callable[[Any, str], Any]]] = {
    "paths": {
        "allow": _list_of_str,
        "roots": _list_of_str,
        "scan-comments": _bool,
        "scan-notebook-outputs": _bool,
    },
    "artifact": {
        "allow": _module_names,
        "trust-modules": _dotted_names,
        "pythonpath": _list_of_str,
        "load": _bool,
        "load-timeout": _seconds,
        "run-timeout": _seconds,
        "memory-limit-mb": _megabytes,
        "sandbox": _choice("auto", "require", "off"),
    },
    "latency": {
        "budget-ms": _milliseconds,
        "max-seconds": _seconds,
        "memory-mb": _megabytes,
    },
    "schema": {
        "contract-names": _choice("fields", "aliases"),
        "csv-missing": _choice("pandas", "empty"),
    },
    "lock": {
        "files": _list_of_str,
        "ignore-packages": _list_of_str,
        "require-hashes": _bool,
    },
}


class Config:
    """Validated configuration; `root` is the folder globs are relative to."""

    def __init__(self, root: str, source: str | None = None) -> None:
        self.root = root
        self.source = source
        # the revision `--trusted-config` read it from: a run on a stranger's commit, where
        # the work tree's own .gitignore decides nothing (see read_scope.sandbox_reads)
        self.trusted: str | None = None
        self.exclude: list[str] = []
        self.ignore: list[str] = []
        self.severity: dict[str, str] = {}
        self.fail_on = "error"
        self.per_file_ignores: dict[str, list[str]] = {}
        self.checks: dict[str, dict[str, Any]] = {}
        self.python: str | None = None
        self.models: dict[str, dict[str, Any]] = {}
        self.require: list[str] = list(AUDIT_PILLARS)  # what `mlgate audit` needs checked
        # folders below that are projects of their own (mlgate.scopes): a run that finds
        # nothing outside them says nothing about it
        self.nested: list[str] = []
        # a nested project's folder as the run names it ("services/b"): said in its notes
        self.scope = ""

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
    import difflib  # only on this error path

    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(known))})"
    return UsageError(f"{where}: unknown key {key!r}{hint}")


MAX_PYPROJECT_BYTES = 16 * 1024**2


def _repo_of(path: str) -> str:
    from mlgate.files import git_root

    folder = os.path.dirname(os.path.abspath(path))
    return git_root(folder) or os.path.realpath(folder)


def find_pyproject(start: str) -> str | None:
    """The nearest pyproject.toml from `start` upwards, not leaving the git repository."""
    folder = os.path.realpath(start)
    while True:
        candidate = os.path.join(folder, "pyproject.toml")
        # any entry of that name: one that is no regular file (a FIFO, a folder, a broken
        # link) is refused when read, not passed over for the defaults in silence
        if os.path.lexists(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if os.path.exists(os.path.join(folder, ".git")) or parent == folder:
            return None
        folder = parent


def parse_config(table: dict[str, Any], root: str, source: str | None = None) -> Config:
    """Validate a `[tool.mlgate]` table; raise UsageError naming the first bad key."""
    where = f"{os.path.basename(source) if source else 'config'}: [tool.mlgate]"
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


def _may_configure(text: str) -> bool:
    """Whether a pyproject.toml may hold [tool.mlgate]: it names it, or escapes a key."""
    return "mlgate" in text or "\\u" in text or "\\U" in text


def load_config(explicit: str | None = None, start: str | None = None,
                trusted: str | None = None) -> Config:
    """Load from `--config`, else the nearest pyproject.toml; defaults when there is none.
    With `trusted` (a git revision, `--trusted-config`), that file is read from the revision."""
    start = start or os.getcwd()
    if trusted:
        config = _load_trusted(trusted, explicit, start)
        config.trusted = trusted
        return config
    if explicit:
        path = explicit
        if not os.path.isfile(path):
            raise UsageError(f"config file not found: {explicit}")
    else:
        found = find_pyproject(start)
        if found is None:
            return Config(root=os.path.realpath(start))
        path = found
    try:
        if explicit:  # the user's own choice
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        else:  # found in the repository: a regular file inside it, of a bounded size
            from mlgate.artifacts.reading import Unreadable, read_bytes, resolve

            try:
                real = resolve(path, _repo_of(path))
                text = read_bytes(real, MAX_PYPROJECT_BYTES).decode("utf-8")
            except Unreadable as exc:
                raise UsageError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    root = os.path.dirname(os.path.realpath(path))
    # Most projects: no need to pay for a TOML parser. Not for a file the user named (it
    # must be valid, or the user's policy is dropped in silence), nor for one whose keys
    # may be escaped (`[tool."\u006dlgate"]` is tool.mlgate).
    if not explicit and not _may_configure(text):
        return Config(root=root, source=path)
    table = _parsed_table(path, text)
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.mlgate] must be a table")
    return parse_config(table, root, path)


def _load_trusted(rev: str, explicit: str | None, start: str) -> Config:
    """`[tool.mlgate]` from git revision `rev` (e.g. the base branch of a pull request), not from
    the work tree: `--config`'s path relative to the repository root, else the nearest
    pyproject.toml from `start` upwards *in that revision*, so a pull request can neither edit,
    delete nor shadow it. No file there: defaults. Never the JSON copy under .git/, which code
    that ran in this checkout before (a pull request's tests) could have written."""
    from mlgate.environment import find_repo_root

    repo_root = find_repo_root(start)
    if not os.path.exists(os.path.join(repo_root, ".git")):
        raise UsageError(f"--trusted-config {rev}: {start} is not inside a git repository")
    if explicit:
        candidates = [_repo_relative(explicit, repo_root, rev)]
        root = os.path.join(repo_root, os.path.dirname(candidates[0]))
    else:
        root = os.path.realpath(start)
        rel = os.path.relpath(root, repo_root)
        parts = [] if rel == os.curdir else rel.split(os.sep)
        candidates = ["/".join([*parts[:n], "pyproject.toml"]) for n in range(len(parts), -1, -1)]
    texts = _git_texts(repo_root, rev, candidates)
    for rel in candidates:
        if rel in texts:
            label = f"{rev}:{rel}"
            root = os.path.normpath(os.path.join(repo_root, os.path.dirname(rel)))
            if not explicit and not _may_configure(texts[rel]):
                return Config(root=root, source=label)
            table = _toml_table(label, texts[rel])
            if not isinstance(table, dict):
                raise UsageError(f"{label}: [tool.mlgate] must be a table")
            return parse_config(table, root, label)
    if explicit:  # a file asked for by name is never replaced by defaults (reliability 36)
        raise UsageError(f"--trusted-config {rev}: --config {explicit} does not exist at {rev}"
                         f" ({candidates[0]}); commit it there, or drop --config")
    return Config(root=os.path.normpath(root))


def trusted_config_note(config: Config, rev: str) -> str:
    """What `--verbose` says about a configuration read with `--trusted-config`."""
    if config.source:
        return f"configuration from {config.source} (--trusted-config), not the work tree"
    return f"no pyproject.toml at {rev} (--trusted-config): default configuration"


def _repo_relative(path: str, repo_root: str, rev: str) -> str:
    """`--config`'s path relative to the repository root, spelled as given (not through the
    work tree's symlinks, which the checkout under review may have changed) when it can be."""
    absolute = os.path.join(os.getcwd(), path)
    for candidate in (os.path.normpath(absolute), os.path.realpath(absolute)):
        rel = os.path.relpath(candidate, repo_root)
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return rel.replace(os.sep, "/")
    raise UsageError(f"--trusted-config {rev}: --config {path} is outside the git repository"
                     f" {repo_root}")


def _git_texts(repo_root: str, rev: str, paths: list[str]) -> dict[str, str]:
    """The files of `paths` that exist at `rev`, by path: one `git cat-file --batch`, which
    also tells an unknown revision (exit 2) from a missing file (absent from the answer)."""
    import subprocess  # only with --trusted-config

    from mlgate.files import GIT

    asked = [f"{rev}^{{commit}}", *(f"{rev}:{path}" for path in paths)]
    if any("\n" in line for line in asked):
        raise UsageError(f"--trusted-config {rev!r}: a revision or path with a line break")
    try:
        proc = subprocess.run([*GIT, "-C", repo_root, "cat-file", "--batch"],
                              input="\n".join(asked).encode("utf-8", "surrogateescape") + b"\n",
                              capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"--trusted-config {rev}: cannot run git: {exc}") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["git failed"]
        raise UsageError(f"--trusted-config {rev}: {detail[0]}")
    out, pos, texts = proc.stdout, 0, {}
    for number, line in enumerate(asked):
        end = out.find(b"\n", pos)
        header = out[pos:end if end >= 0 else len(out)].decode("utf-8", "surrogateescape")
        pos = end + 1
        fields = header.split(" ")
        if end < 0 or len(fields) != 3 or not fields[2].isdigit():  # "... missing|ambiguous"
            if number == 0:
                raise UsageError(f"--trusted-config {rev}: not a commit in this repository (an"
                                 " unknown or ambiguous revision; fetch it first, e.g. git fetch"
                                 " origin main, or give the base commit's SHA)")
            continue
        body = out[pos:pos + int(fields[2])]
        pos += int(fields[2]) + 1
        if number and fields[1] == "blob":
            try:
                texts[paths[number - 1]] = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UsageError(f"{line}: cannot read: {exc}") from None
    return texts


def _toml_table(path: str, text: str) -> Any:
    """`[tool.mlgate]` of a TOML text; `path` names it in errors."""
    from mlgate.toml_read import TomlError, loads

    try:
        data = loads(text)
    except TomlError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise UsageError(f"{path}: `tool` must be a table ([tool.mlgate] lives in it)")
    return tool.get("mlgate", {})


def _parsed_table(path: str, text: str) -> Any:
    """`[tool.mlgate]` of the file, from a JSON copy under .git/ when the text is unchanged:
    every hook reads the configuration, and a TOML parser costs more than the rest of a warm
    run's imports."""
    import hashlib

    from mlgate.artifacts.cache import Cache
    from mlgate.environment import find_repo_root

    # The artifact cache's folder and writer: a worktree's `.git` file is followed, and a
    # copy is written beside and renamed, so a killed run never leaves half of one.
    cache = Cache.for_repo(find_repo_root(os.path.dirname(os.path.realpath(path))))
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    name = f"config-{digest}.json"
    cached = (cache.read(name) or {}).get("table")
    if isinstance(cached, dict):  # anything else is a damaged copy: parse again
        return cached
    table = _toml_table(path, text)
    cache.write(name, {"table": table})  # not JSON-representable (a TOML date): no copy
    return table

