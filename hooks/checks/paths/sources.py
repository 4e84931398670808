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

from mlgate.lazy_re import LazyPattern

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time in every hook
if TYPE_CHECKING:
    from typing import Callable

# YAML keys whose values are paths inside a container, not on the host.
CONTAINER_KEYS_RE = LazyPattern(
    r"^\s*-?\s*(mountPath|mount_path|containerPath|container_path|workingDir|working_dir|"
    r"target|WORKDIR|workdir)\s*:",
)
# `#SBATCH --output=/home/a/x.log` (Slurm), `#PBS`, `#BSUB`, `#$` (SGE): not comments.
SCHEDULER_DIRECTIVE_RE = LazyPattern(r"#(?:SBATCH|PBS|BSUB|\$)\s")
# A Kubernetes manifest describes containers: its paths are the container's.
_API_VERSION_RE = LazyPattern(r"(?m)^apiVersion:[ \t]*\S")
_KIND_RE = LazyPattern(r"(?m)^kind:[ \t]*\S")


def is_kubernetes_manifest(text: str) -> bool:
    return bool(_API_VERSION_RE.search(text) and _KIND_RE.search(text))


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
    """

    __slots__ = ("col", "container", "extra", "host", "line", "open_end", "path_context", "raw",
                 "remap", "start_ok", "value")

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
    ) -> None:
        self.value, self.line, self.col = value, line, col
        self.start_ok, self.path_context, self.container = start_ok, path_context, container
        self.raw, self.open_end, self.remap, self.host = raw, open_end, remap, host
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
) -> Iterator[Site]:
    """One site per line of a config, shell script, Dockerfile or requirements file.

    container: the file describes a container (a Dockerfile, a Kubernetes manifest), except
    inside a YAML `hostPath:` block, which names a path on the node; container_lines: the
    lines that do (a CI job that runs in a container).
    """
    host_block: int | None = None  # indentation of the `hostPath:` key we are under
    for number, line in enumerate(text.splitlines(), 1):
        body = line
        stripped = line.lstrip()
        if yaml and stripped:
            indent = len(line) - len(stripped)
            if host_block is not None and indent <= host_block:
                host_block = None
            if stripped.startswith("hostPath:"):
                host_block = indent
        if not comments:
            directive = SCHEDULER_DIRECTIVE_RE.match(stripped)
            if directive:  # read by the batch scheduler: code, not a comment
                blank = len(line) - len(stripped) + directive.end()
                body = " " * blank + strip_hash_comment(line[blank:])
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
        in_container = (
            ((container or number in container_lines) and host_block is None)
            or (yaml and bool(CONTAINER_KEYS_RE.match(body)))
        )
        yield Site(body, number, 1, path_context=path_context, container=in_container)


# ---------------------------------------------------------------- JSON

_JSON_TOKEN_RE = LazyPattern(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.S)


class JsonStr(str):
    """A JSON string that remembers where its literal starts in the file."""

    offset: int
    literal: str


def parse_json_with_offsets(text: str):
    """Parse JSON keeping, for every string value, the offset of its literal.

    Raises ValueError on malformed input.
    """
    import json

    tokens = [(m.group(), m.start()) for m in _JSON_TOKEN_RE.finditer(text)]
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
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def json_string_site(s: JsonStr, index: LineIndex, **kwargs) -> Site:
    line, col = index.position(s.offset)
    return Site(str(s), line, col + 1, raw=s.literal[1:-1], **kwargs)


def json_sites(text: str) -> Iterator[Site]:
    """Every string value (not key) of a JSON document. Raises ValueError if malformed."""
    document = parse_json_with_offsets(text)
    index = LineIndex(text)
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, JsonStr):
            yield json_string_site(node, index)
