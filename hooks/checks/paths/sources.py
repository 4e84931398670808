"""Pull the strings worth checking out of a file, with their positions.

Every extractor yields `Site`s: a string value plus what is known about its use, and a way to
turn an offset in that value back into the file's line and column. This module holds what every
kind shares (sites, line-oriented text, JSON); Python and notebooks have their own modules,
imported only when a file of that kind holds a candidate.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from mlgate.checks.paths import usage
from mlgate.lazy_re import LazyPattern

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from typing import Callable

# YAML keys whose values are paths inside a container, not on the host.
CONTAINER_KEYS_RE = LazyPattern(
    r"^\s*-?\s*(mountPath|mount_path|containerPath|container_path|workingDir|working_dir|"
    r"target|WORKDIR|workdir)\s*:",
)
# A shell, Make or .env variable whose name says it holds a path inside a container:
# `container_data_path=/home/jovyan/data`, `export CONTAINER_WORKDIR=/app` (a token of the
# name, beside one that says which folder). `container_path=/blue/lab/img.sif` alone names
# the container image, a file on the host.
_CONTAINER_ASSIGN_RE = LazyPattern(
    r"^\s*(?:export\s+)?(?P<name>(?:[A-Za-z0-9]+_)*(?:container|CONTAINER|Container)"
    r"(?:_[A-Za-z0-9]+)*)\s*(?:\?|:|::|\+)?=")
_IMAGE_WORDS = frozenset({"container", "path", "file", "image", "img", "sif", "location", "dir",
                          "name", "uri", "url", "tag"})


def _container_location(body: str) -> bool:
    """Does an assignment's name say its value is a folder inside a container?"""
    found = _CONTAINER_ASSIGN_RE.match(body)
    if not found:
        return False
    return bool(set(found.group("name").lower().split("_")) - _IMAGE_WORDS)
# `#SBATCH --output=/home/a/x.log` (Slurm), `#PBS`, `#BSUB`, `#$` (SGE): not comments.
SCHEDULER_DIRECTIVE_RE = LazyPattern(r"#(?:SBATCH|PBS|BSUB|\$)\s")
# A Kubernetes manifest describes containers: its paths are the container's.
_API_VERSION_RE = LazyPattern(r"(?m)^apiVersion:[ \t]*\S")
_KIND_RE = LazyPattern(r"(?m)^kind:[ \t]*\S")


def is_kubernetes_manifest(text: str) -> bool:
    if "apiVersion:" not in text or "kind:" not in text:  # substring tests first: fast
        return False
    return bool(_API_VERSION_RE.search(text) and _KIND_RE.search(text))


_SERVICES_RE = LazyPattern(r"(?m)^services:[ \t]*(?:#.*)?$")
_SERVICE_KEY_RE = LazyPattern(r"(?m)^[ \t]+(?:image|build|command|volumes|container_name):")


def is_compose_file(text: str) -> bool:
    """A Docker Compose file describes containers: its paths are theirs, but for the host
    side of a volume (`- /host:/ctr`, `source:`)."""
    if "services:" not in text:
        return False
    return bool(_SERVICES_RE.search(text) and _SERVICE_KEY_RE.search(text))


def workflow_container_lines(text: str) -> set[int]:
    """Lines of CI-workflow jobs that run in a `container:`: their paths are the image's.

    A GitHub Actions (or Gitea/Forgejo) workflow has a top-level `jobs:` whose jobs hold
    `runs-on:`; a job with a `container:` key runs its steps inside that image.
    """
    if "container:" not in text or "runs-on:" not in text:
        return set()
    found: set[int] = set()
    in_jobs = False
    job: list = []  # [first line, last line, indent, child indent, has container]

    def close() -> None:
        if job and job[4]:
            found.update(range(job[0], job[1] + 1))
        job.clear()

    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if indent == 0:
            close()
            in_jobs = stripped.startswith("jobs:")
            continue
        if not in_jobs:
            continue
        if not job or indent <= job[2]:
            close()
            job.extend([number, number, indent, None, False])
            continue
        job[1] = number
        if job[3] is None:
            job[3] = indent
        if indent == job[3] and stripped.startswith("container:"):
            job[4] = True
    close()
    return found



# A compose/k8s-style volume `- host:container[:mode]`: the container side is not a host path.
VOLUME_RE = LazyPattern(
    r"^(?P<lead>\s*-\s*[\"']?)(?P<host>(?=\$\{|[^\s:\"']{2})(?:\$\{[^}]*\}|[^\s:\"'])+)"
    r":(?P<container>/(?!/)[^\s:\"']*)(?::[\w,]+)?[\"']?\s*$"
)


class Site:
    """A string value found at (line, col) of the source text (1-based).

    start_ok: offset 0 starts a path (not so for "x + '/home/a'"). path_context: used where a
    path is expected. container: describes a container image. raw: the literal as written, to
    locate a match in it. open_end: an f-string placeholder follows ("/home/{user}").
    host: the host side of a volume mapping.
    remap: turns (line, col) in the value's text into the file's (notebook cells).
    use: how surely the value is used as a path (usage.NONE..CERTAIN), from the code around it.
    shell: the value is a shell command line. output: the value is a notebook output.
    """

    __slots__ = ("col", "container", "extra", "host", "line", "open_end", "output",
                 "path_context", "raw", "remap", "shell", "start_ok", "use", "value")

    def __init__(
        self,
        value: str,
        line: int,
        col: int,
        start_ok: bool = True,
        path_context: bool = False,
        container: bool = False,
        raw: str | None = None,
        open_end: bool = False,
        extra: dict | None = None,
        remap: Callable[[int, int], tuple[int, int]] | None = None,
        host: bool = False,
        use: int = 0,
        shell: bool = False,
        output: bool = False,
    ) -> None:
        self.value, self.line, self.col = value, line, col
        self.start_ok, self.path_context, self.container = start_ok, path_context, container
        self.raw, self.open_end, self.remap, self.host = raw, open_end, remap, host
        self.use, self.shell, self.output = use, shell, output
        self.extra = extra if extra is not None else {}

    def position(self, offset: int, text: str) -> tuple[int, int]:
        """File line and column of a match, after any remapping (notebook cells)."""
        line, col = self.locate(offset, text)
        return self.remap(line, col) if self.remap else (line, col)

    def locate(self, offset: int, text: str) -> tuple[int, int]:
        """Line and column of `text` found at `offset` in the value."""
        if self.raw is None:
            head = self.value[:offset]
            newlines = head.count("\n")
            if newlines:
                return self.line + newlines, offset - head.rfind("\n")
            return self.line, self.col + offset
        doubled = text.replace("\\", "\\\\")
        for needle in (text, doubled, text[:12], doubled[:12]):
            # Escapes only lengthen a literal, so the match is at or after `offset` in it.
            at = self.raw.find(needle, offset)
            if at < 0:
                at = self.raw.find(needle)
            if at >= 0:
                head = self.raw[:at]
                newlines = head.count("\n")
                if newlines:
                    return self.line + newlines, at - head.rfind("\n")
                return self.line, self.col + at
        return self.line, self.col


# ---------------------------------------------------------------- comments and suppressions

def strip_hash_comment(line: str) -> str:
    """The line without a trailing `# comment` that is outside quotes."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


# ---------------------------------------------------------------- line-oriented text files

def text_sites(
    text: str,
    *,
    comments: bool,
    path_context: bool = False,
    container: bool = False,
    ini: bool = False,
    yaml: bool = False,
    container_lines: set[int] | frozenset = frozenset(),
    shell: bool = False,
    compose: bool = False,
    dvc: bool = False,
    lines: list[int] | None = None,
    windows: dict[int, list[tuple[int, int]]] | None = None,
) -> Iterator[Site]:
    """One site per line of a config, shell script, Dockerfile or requirements file.

    container: the file describes a container (a Dockerfile, a Kubernetes manifest, a compose
    file), except inside a YAML `hostPath:` block, which names a path on the node, and a
    compose volume's `source:`; container_lines: the lines that do (a CI job that runs in a
    container). shell: every line is a shell command (scripts, Makefiles); in YAML, lines under
    `run:`, `script:`, `command:` keys are. dvc: a DVC config, whose remote `url` is a folder.
    lines: only these line numbers (sorted), the ones that may hold a finding. windows: for a
    line too long to read whole, the (start, end) spans of it worth reading.
    """
    all_lines = text.splitlines()
    # `mountPath:` names a container's folder only in a file about containers; a Hydra
    # config's `mount_path: /root/data` is a folder on the host.
    container_keys = yaml and (container or bool(container_lines) or (
        any(key in text for key in ("ontainer", "image:", "volumeMounts:", "services:"))
        and bool(_CONTAINER_YAML_RE.search(text))))
    if lines is not None and _odd_breaks(text):
        lines = None  # numbered by "\n" upstream: a lone "\r" or "\u2028" shifts them
    numbers = lines if lines is not None else range(1, len(all_lines) + 1)
    for number in numbers:
        if number > len(all_lines):
            break
        line = all_lines[number - 1]
        if windows and number in windows:
            for start, end in windows[number]:
                yield Site(line[start:end], number, start + 1, path_context=path_context,
                           container=container, shell=shell)
            continue
        body = line
        stripped = line.lstrip()
        line_shell = shell
        if not comments:
            directive = SCHEDULER_DIRECTIVE_RE.match(stripped)
            if directive:  # read by the batch scheduler: code, not a comment
                blank = len(line) - len(stripped) + directive.end()
                body = " " * blank + strip_hash_comment(line[blank:])
                line_shell = True
            elif stripped.startswith("#") or (ini and stripped.startswith(";")):
                continue
            else:
                body = strip_hash_comment(line)
        if not body.strip():
            continue
        volume = VOLUME_RE.match(body) if yaml else None
        if volume:
            yield Site(volume.group("host"), number, volume.start("host") + 1, host=True)
            yield Site(volume.group("container"), number, volume.start("container") + 1,
                       container=True)
            continue
        use = 0
        in_host = False
        source = _SOURCE_KEY_RE.match(body) if compose else None
        if source:  # a compose volume's long syntax: `source:` is the host's folder
            yield Site(source.group("value"), number, source.start("value") + 1, host=True)
            continue
        if yaml:
            keys = yaml_ancestors(all_lines, number)
            in_host = "hostPath" in keys
            use = max((usage.name_use(key) for key in keys), default=0)
            own = _YAML_KEY_RE.match(body)
            if any(key in SHELL_KEYS for key in keys):
                line_shell = True
            elif own and own.group("key") in SHELL_KEYS:
                line_shell = True  # `run: cmd`: the command starts after the key
                body = " " * own.end() + body[own.end():]
        elif dvc and _URL_KEY_RE.match(body):
            use = usage.CERTAIN
        in_container = (
            ((container or number in container_lines) and not in_host)
            or (container_keys and bool(CONTAINER_KEYS_RE.match(body)))
            or (not yaml and ("ontainer" in body or "ONTAINER" in body)
                and _container_location(body))
        )
        yield Site(body, number, 1, path_context=path_context, container=in_container,
                   use=use, shell=line_shell)


# Keys of a YAML file that describes containers (a Helm chart's values, a job spec).
_CONTAINER_YAML_RE = LazyPattern(
    r"(?m)^[ \t-]*(?:containers|initContainers|volumeMounts|image|services|container):")
# Line breaks str.splitlines() honours besides "\n" and "\r\n".
_ODD_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LONE_CR_RE = LazyPattern("\r(?!\n)")


def _odd_breaks(text: str) -> bool:
    """Whether splitlines() would count lines "\n" does not (substring tests: a character
    class regex over a whole file is a hundred times slower)."""
    return any(c in text for c in _ODD_BREAKS) or ("\r" in text and bool(
        _LONE_CR_RE.search(text)))
# YAML keys whose values are shell commands: CI steps, compose and k8s commands, DVC stages,
# Hydra's submitit `setup`.
SHELL_KEYS = frozenset({
    "run", "script", "scripts", "command", "commands", "cmd", "entrypoint", "args",
    "before_script", "after_script", "setup", "bash_command", "shell",
})
_YAML_KEY_RE = LazyPattern(r"^\s*(?:-\s+)?[\"']?(?P<key>[^\s\"':#][^\"':#]*?)[\"']?\s*:(?:\s|$)")
_SOURCE_KEY_RE = LazyPattern(r"^\s*(?:-\s+)?source\s*:\s*[\"']?(?P<value>[^\s\"']+)")
_URL_KEY_RE = LazyPattern(r"^\s*url\s*=")
# How far up a YAML file the keys above a line are looked for.
_YAML_LOOKBACK = 2000


def yaml_ancestors(all_lines: list[str], number: int) -> list[str]:
    """The keys a YAML line is nested under, innermost first (by indentation)."""
    line = all_lines[number - 1]
    below = len(line) - len(line.lstrip())
    if line.lstrip().startswith("- "):
        below += 1  # a list item belongs to the key above it even at the same indentation
    keys: list[str] = []
    for i in range(number - 2, max(-1, number - 2 - _YAML_LOOKBACK), -1):
        if below == 0:
            break
        text = all_lines[i]
        stripped = text.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(text) - len(stripped)
        if indent >= below:
            continue
        m = _YAML_KEY_RE.match(text)
        if m:
            keys.append(m.group("key"))
        below = indent
    return keys


# ---------------------------------------------------------------- JSON

_JSON_TOKEN_RE = LazyPattern(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.S)


class JsonStr(str):
    """A JSON string that remembers where its literal starts in the file."""

    offset: int
    literal: str


def parse_json_with_offsets(text: str, base: int = 0):
    """Parse JSON keeping, for every string value, the offset of its literal.

    `json.loads` builds the document; the string literals, found in the text in order, are
    matched to its strings walked in the same order (keys consumed, values kept as JsonStr).
    A document with repeated keys cannot be matched so and is read token by token instead.
    base: where `text` starts in the file, added to every offset. Raises ValueError on
    malformed input.
    """
    import json

    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None
    literals = _JSON_STRING_RE.finditer(text)

    def convert(node):
        if isinstance(node, str):
            m = next(literals)
            s = JsonStr(node)
            s.offset, s.literal = m.start() + base, m.group()
            return s
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                next(literals)  # the key's literal
                out[key] = convert(value)
            return out
        if isinstance(node, list):
            return [convert(value) for value in node]
        return node

    try:
        result = convert(document)
        leftover = next(literals, None)
    except StopIteration:
        leftover = True
    if leftover is not None:  # a repeated key: the literals and the strings do not pair up
        return _parse_json_tokens(text, base)
    return result


_JSON_STRING_RE = LazyPattern(r'"(?:[^"\\]|\\.)*"', re.S)


def _parse_json_tokens(text: str, base: int = 0):
    """The slow, exact reader: every token, offsets kept, the last of repeated keys wins."""
    import json

    tokens = [(m.group(), m.start() + base) for m in _JSON_TOKEN_RE.finditer(text)]
    pos = 0

    def value():
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError("unexpected end of JSON")
        tok, at = tokens[pos]
        pos += 1
        if tok == "{":
            obj = {}
            if tokens[pos][0] == "}":
                pos += 1
                return obj
            while True:
                key = value()
                if not isinstance(key, str) or tokens[pos][0] != ":":
                    raise ValueError(f"bad object key at offset {at}")
                pos += 1
                obj[str(key)] = value()
                sep = tokens[pos][0]
                pos += 1
                if sep == "}":
                    return obj
                if sep != ",":
                    raise ValueError(f"expected ',' or '}}' at offset {tokens[pos - 1][1]}")
        if tok == "[":
            arr = []
            if tokens[pos][0] == "]":
                pos += 1
                return arr
            while True:
                arr.append(value())
                sep = tokens[pos][0]
                pos += 1
                if sep == "]":
                    return arr
                if sep != ",":
                    raise ValueError(f"expected ',' or ']' at offset {tokens[pos - 1][1]}")
        if tok.startswith('"'):
            s = JsonStr(json.loads(tok))
            s.offset = at
            s.literal = tok
            return s
        if tok in ("}", "]", ",", ":"):
            raise ValueError(f"unexpected {tok!r} at offset {at}")
        return json.loads(tok)

    try:
        result = value()
        if pos != len(tokens):
            raise ValueError("trailing data after JSON value")
    except IndexError:
        raise ValueError("unexpected end of JSON") from None
    except json.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None
    return result


class LineIndex:
    """Offset -> (line, col), both 1-based."""

    def __init__(self, text: str) -> None:
        import itertools
        import operator

        # each line's length plus its "\n", summed, all in C; the last sum is past the end
        self.starts = list(itertools.accumulate(
            map(operator.add, map(len, text.split("\n")), itertools.repeat(1)), initial=0))[:-1]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def json_string_site(s: JsonStr, index: LineIndex, **kwargs) -> Site:
    line, col = index.position(s.offset)
    return Site(str(s), line, col + 1, raw=s.literal[1:-1], **kwargs)


def json_sites(text: str, lines: list[int] | None = None) -> Iterator[Site]:
    """Every string value (not key) of a JSON document, with how its key says it is used.
    lines: only strings on these lines; the document is walked only up to the last of them
    and only their strings become sites. Raises ValueError if malformed."""
    import json

    if lines is None:
        lines = list(range(1, text.count("\n") + 2))
    try:  # objects as lists of pairs: repeated keys keep their place among the literals
        document = json.loads(text, object_pairs_hook=_Pairs)
    except json.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None
    index = LineIndex(text)
    starts = index.starts
    spans = [(starts[n - 1], starts[n] if n < len(starts) else len(text) + 1)
             for n in lines if n <= len(starts)]
    literals = _JSON_STRING_RE.finditer(text)
    found: list[Site] = []
    at_span = 0

    def walk(node, use: int) -> None:
        nonlocal at_span
        if isinstance(node, str):
            m = next(literals)
            offset = m.start()
            while spans[at_span][1] <= offset:
                at_span += 1
                if at_span == len(spans):
                    raise _Done
            if spans[at_span][0] <= offset:
                s = JsonStr(node)
                s.offset, s.literal = offset, m.group()
                found.append(json_string_site(s, index, use=use))
        elif isinstance(node, _Pairs):
            for key, value in node:
                next(literals)  # the key's literal
                walk(value, max(use, _key_use(key)))
        elif isinstance(node, list):
            for value in node:
                walk(value, use)

    if spans:
        import contextlib

        with contextlib.suppress(_Done):  # the walk stops past the last wanted line
            walk(document, 0)
    return iter(found)


class _Pairs(list):
    """A JSON object as the list of its (key, value) pairs."""


class _Done(Exception):
    """The walk is past the last wanted line."""


_KEY_USES: dict[str, int] = {}


def _key_use(key: str) -> int:
    use = _KEY_USES.get(key)
    if use is None:
        if len(_KEY_USES) > 4096:
            _KEY_USES.clear()
        use = _KEY_USES[key] = usage.name_use(key)
    return use
