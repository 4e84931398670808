"""What counts as a hardcoded, machine-specific absolute path inside one string value.

The policy is a deny-list of roots that exist only on one machine or platform (homes, mounts,
data roots, hosted-notebook folders, Windows drives, shares, file URIs). Everything else that is
absolute -- system paths, /tmp, /opt, /app and other container paths -- is left alone, because
it either exists everywhere or is the production container's own layout.
"""

from __future__ import annotations

import re
from collections import namedtuple
from functools import lru_cache

from mlgate.lazy_re import LazyPattern

# Roots, by rule code. `bare` roots are flagged even without a sub-folder ("/Users"); the
# others need one ("/home/ana"), unless the string is used where a path is expected.
HOME = "MLG101"
MOUNT = "MLG102"
NOTEBOOK = "MLG103"
WINDOWS = "MLG104"
UNC = "MLG105"
FILE_URI = "MLG106"
LOCAL_REQUIREMENT = "MLG107"

# Scratch space and the SageMaker container contract exist wherever the code runs; they only
# matter for file:// URIs, since neither is a flagged root.
DEFAULT_ALLOW = ("/tmp/", "/opt/ml/")

LABELS = {
    HOME: "user home or developer-machine path",
    MOUNT: "mounted-volume or data-root path",
    NOTEBOOK: "hosted-notebook path (Colab/Kaggle/Databricks)",
    WINDOWS: "Windows drive path",
    UNC: "UNC network-share path",
    FILE_URI: "local-file URI (file:, sqlite:)",
    LOCAL_REQUIREMENT: "requirement installed from a local path",
}

_ROOTS: list[tuple[str, str, bool]] = [
    # (root, code, flagged when bare)
    ("Users", HOME, True),
    ("home", HOME, False),
    ("private/home", HOME, False),
    ("userhome", HOME, False),
    ("root", HOME, False),
    ("opt/homebrew", HOME, True),
    ("usr/local/Cellar", HOME, True),
    ("Applications", HOME, False),
    ("Volumes", MOUNT, False),
    ("mnt", MOUNT, False),
    ("media", MOUNT, False),
    ("data", MOUNT, False),
    ("datasets", MOUNT, False),
    ("dataset", MOUNT, False),
    ("scratch", MOUNT, False),
    ("nfs", MOUNT, False),
    ("gpfs", MOUNT, False),
    ("lustre", MOUNT, False),
    ("fsx", MOUNT, False),
    ("efs", MOUNT, False),
    ("nas", MOUNT, False),
    ("storage", MOUNT, False),
    ("checkpoint", MOUNT, False),
    ("project", MOUNT, False),
    ("raid", MOUNT, False),
    ("glade", MOUNT, False),
    ("lus", MOUNT, False),
    ("vast", MOUNT, False),
    ("local/scratch", MOUNT, False),
    ("content", NOTEBOOK, False),
    ("kaggle", NOTEBOOK, False),
    ("dbfs", NOTEBOOK, False),
    ("Workspace", NOTEBOOK, False),
    ("databricks", NOTEBOOK, False),
    ("databricks-datasets", NOTEBOOK, False),
    ("FileStore", NOTEBOOK, False),
    ("gdrive", NOTEBOOK, False),
]
# Numbered data disks: /data1, /data2, /disk3 ...
_NUMBERED = [(r"data\d+", MOUNT), (r"disk\d+", MOUNT)]

# Roots that are still meaningful inside a container image, so a Dockerfile (or a YAML key that
# names a container path) may use them: only host-only locations are flagged there.
CONTAINER_SAFE_CODES = {MOUNT, NOTEBOOK}
CONTAINER_SAFE_ROOTS = {"home", "root"}

# A candidate starts a path only when the character before it cannot be part of a longer
# token: "https://x.org/home/a", "../home/a", "${ROOT}/home/a" and "~/data" are not absolute.
# Every pattern below starts with a literal character and checks what precedes it with a
# lookbehind placed after it: Python's regex engine finds a literal first character fast, and
# crawls through a pattern that begins with a lookbehind or a character class.
_NOT_WORDY = r"[\w.~$/\\%@})\]*+-]"
# Also after -L/-I/-R/-F compiler flags and after a shell default: ${VAR:-/home/ana/x}.
_AFTER_SLASH = (
    r"(?:(?<=[\s\"'=]-[LIRF]/)|(?<=^-[LIRF]/)|(?<=:[-=+?]/)|(?<!" + _NOT_WORDY + "/))"
)
_PATH_CHARS = r"[^\s\"'`<>|;,:()\[\]{}]*"
_URI_CHARS = r"[^\s\"'`<>|;,()\[\]{}]*"

# Matches start at the colon: the drive letter is one character before it.
_WINDOWS_RE = LazyPattern(
    r":(?<=[A-Za-z]:)(?<!" + _NOT_WORDY + r"[A-Za-z]:)(?:\\\\|\\|/)(?=[\w$~%.-])" + _PATH_CHARS
)
_UNC_RE = LazyPattern(
    r"\\\\(?<![\w\\/:]\\\\)(?:\\\\)?[A-Za-z0-9][\w.$-]+(?:\\){1,2}[\w$][\w.$-]*" + _PATH_CHARS
)
# Matches start at the colon: "file" is four characters before it.
_FILE_URI_RE = LazyPattern(
    r":(?<=[Ff][Ii][Ll][Ee]:)(?<![\w.+-][Ff][Ii][Ll][Ee]:)(?://(?:localhost)?)?/(?![/\s$%{])"
    + _URI_CHARS[:-1] + "+"
)
_REQUIREMENT_AT_FILE_RE = LazyPattern(
    r"(?<![\w.-])[A-Za-z0-9][\w.-]*\s*(?:\[[^\]]*\])?\s*@\s*[Ff][Ii][Ll][Ee]:"
    r"(?:///|//localhost/|/(?!/))[^\s/]" + _URI_CHARS
)
_DBFS_URI_RE = LazyPattern(r"(?<![\w.+-])dbfs:/" + _URI_CHARS)

# Volume mappings of docker/podman (-v, --volume) and apptainer/singularity (-B, --bind):
# `host:ctr`; and container-only locations: `-w DIR`, `--mount ...,target=DIR`.
_MAPPING_RE = LazyPattern(
    r"(?:^|\s)(?:-v|--volume|-B|--bind)(?:\s+|=)[\"']?(?P<host>[^\s:\"',]+):(?P<ctr>/[^\s:\"',]*)"
    r"|(?:^|\s)(?:-w|--workdir)(?:\s+|=)[\"']?(?P<wd>/[^\s\"']*)"
    r"|\b(?:target|dst|destination)=(?P<tgt>/[^\s,\"']*)"
)
_MAPPING_HINTS = ("-v", "--volume", "-B", "--bind", "-w", "--workdir", "=/")
_SQLITE_RE = LazyPattern(r":(?<=sqlite:)///(?=/)" + _URI_CHARS)
# Placeholders in docs and templates: C:\path\to\file, C:/path/to/x, C:\<user>\...
_PLACEHOLDER_RE = LazyPattern(r"(?i)^.:[\\/]+(?:path[\\/]+to\b|<|\.\.\.|your)")
# On the host side of a volume mapping, any absolute path is the host's, except these.
_HOST_SYSTEM_RE = LazyPattern(
    r"^/(?:var|dev|etc|tmp|proc|sys|usr|lib|lib64|run|bin|sbin|boot|opt/ml)(?:/|$)"
)
_HOST_ABSOLUTE_RE = LazyPattern(r"^/[\w.-]+" + _PATH_CHARS)

# Strong signs that a string is a regular expression rather than a path.
_REGEX_HINT_RE = LazyPattern(
    r"^\^|\(\?[:P=!<]|\[\^|\.\*|\.\+|\\[dwsDWS][+*?{]|\[[a-zA-Z0-9]-[a-zA-Z0-9]|\$\)?$"
)


# One machine-specific location found in a string: offsets into that string, rule, text.
PathMatch = namedtuple("PathMatch", "start end code text")


def _roots_pattern(extra_roots: tuple[str, ...]) -> str:
    names = [re.escape(root) for root, _, _ in _ROOTS] + [p for p, _ in _NUMBERED]
    names += [re.escape(r.strip("/")) for r in extra_roots if r.strip("/")]
    names.sort(key=len, reverse=True)
    return (
        "/" + _AFTER_SLASH + r"(?P<root>" + "|".join(names) + r")(?=/|$|[^\w.-])(?P<rest>"
        + _PATH_CHARS + ")"
    )


@lru_cache(maxsize=16)
def _posix_re(extra_roots: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(_roots_pattern(extra_roots))


_ESCAPE_RE = LazyPattern(r"\\([ntr\"'/\\])")
_UNESCAPED = {"n": " ", "t": " ", "r": " ", '"': '"', "'": "'", "/": "/", "\\": "\\"}
# Around a hit, how much of a long line (minified JSON, a base64 output) is looked at.
_WINDOW = 2000


def _unescape(text: str) -> str:
    """One level of JSON/Python string escapes, so raw text reads like the value it encodes."""
    return _ESCAPE_RE.sub(lambda m: _UNESCAPED[m.group(1)], text)


class Prefilter:
    """Two cheap tests that a file cannot contain a finding, before anything is parsed.

    `search` runs on the bytes: three patterns that each start with a literal byte, because
    Python's regex engine scans for a literal first byte quickly and crawls through an
    alternation that starts anywhere else. `could_match` then runs the real classifier, in its
    most permissive mode, on the raw text around each hit (as written, and with one and two
    levels of escapes undone), so './data/x' or '/tmp/data_cache' never cost a parse.
    """

    def __init__(self, extra_roots: tuple[str, ...]) -> None:
        names = [re.escape(root) for root, _, _ in _ROOTS] + ["data", "disk"]
        names += [re.escape(r.strip("/")) for r in extra_roots if r.strip("/")]
        roots = "|".join(sorted(set(names), key=len, reverse=True))
        self.extra_roots = extra_roots
        sources = [
            # As _AFTER_SLASH, but also after an escape ("\\n/home/a" in JSON or Python)
            r"/(?:(?<=\\[ntr]/)|(?<=-[LIRF]/)|(?<=:[-=+?]/)|(?<!" + _NOT_WORDY + "/))(?:"
            + roots + ")",
            # C:\ C:/x file:///x file:/x file://localhost/x dbfs:/x
            r":(?:\\|/(?!/)|//(?:/|localhost/))",
            # \\server\share, and JSON's escaped slash
            r"\\(?:\\[A-Za-z0-9][\w.$-]+\\|/)",
        ]
        self.patterns = [re.compile(s.encode()) for s in sources]
        self.text_patterns = [re.compile(s) for s in sources]

    def search(self, data: bytes) -> bool:
        return any(pattern.search(data) for pattern in self.patterns)

    def candidate_lines(self, text: str) -> list[int]:
        """Sorted numbers of the lines that may hold a finding; empty when none can."""
        seen: set[int] = set()
        lines: set[int] = set()
        for pattern in self.text_patterns:
            line, counted_to = 1, 0
            for hit in pattern.finditer(text):
                line += text.count("\n", counted_to, hit.start())
                counted_to = hit.start()
                if line in lines:
                    continue
                start = text.rfind("\n", 0, hit.start()) + 1
                end = text.find("\n", hit.end())
                end = len(text) if end < 0 else end
                if end - start > 2 * _WINDOW:
                    start = max(start, hit.start() - _WINDOW)
                    end = min(end, hit.end() + _WINDOW)
                if start in seen:
                    continue
                seen.add(start)
                window = text[start:end]
                variants = [window]
                if "\\" in window:
                    once = _unescape(window)
                    variants += [once, _unescape(once)]
                if any(find_paths(variant, path_context=True, regex_guard=False,
                                  extra_roots=self.extra_roots) for variant in variants):
                    lines.add(line)
        return sorted(lines)


@lru_cache(maxsize=16)
def prefilter(extra_roots: tuple[str, ...] = ()) -> Prefilter:
    return Prefilter(extra_roots)


# A requirements-file line whose requirement (or -e/-r/-c/--find-links target) is a local path.
_REQUIREMENT_LINE_RE = LazyPattern(
    r"^\s*(?:(?:-e|--editable|-r|--requirement|-c|--constraint|-f|--find-links)(?:\s+|\s*=\s*))?"
    r"(?P<loc>(?:/|[A-Za-z]:[\\/]|\\\\)[^\s;#]*)"
)


def find_requirement_paths(line: str, allow: tuple[str, ...] = (), **kwargs) -> list[PathMatch]:
    """Local locations on one requirements-file line: all of them are MLG107 there."""
    found = {m.start: m for m in find_paths(line, allow=allow, **kwargs)}
    m = _REQUIREMENT_LINE_RE.match(line)
    if m and not looks_like_regex(line):
        text = m.group("loc")
        if not (_allowed(text, DEFAULT_ALLOW) or _allowed(text, allow)):
            found[m.start("loc")] = PathMatch(m.start("loc"), m.end("loc"), LOCAL_REQUIREMENT, text)
    return [PathMatch(p.start, p.end, LOCAL_REQUIREMENT, p.text)
            for _, p in sorted(found.items())]


def _root_code(root: str, extra_roots: tuple[str, ...]) -> tuple[str, bool]:
    for name, code, bare in _ROOTS:
        if name == root:
            return code, bare
    return MOUNT, False  # numbered disks and configured roots


def looks_like_regex(value: str) -> bool:
    return bool(_REGEX_HINT_RE.search(value))


def _allowed(text: str, allow: tuple[str, ...]) -> bool:
    normal = text.replace("\\\\", "/").replace("\\", "/")
    return any(normal.startswith(prefix) or normal.lower().startswith(prefix.lower())
               for prefix in allow if prefix)


def _extend_over_spaces(value: str, end: int) -> int:
    """`C:\\Research Project\\x`, `/content/drive/My Drive/x.csv`: a following word that holds
    a separator (and does not start a new path or option) continues the path."""
    while end < len(value) and value[end] == " ":
        nxt = value.find(" ", end + 1)
        word = value[end + 1:nxt if nxt >= 0 else len(value)]
        if not word or word[0] in "/\\-\"'" or not ("/" in word or "\\" in word):
            break
        end += 1 + len(word.rstrip("\"'`,;)]}"))
        if len(word.rstrip("\"'`,;)]}")) != len(word):
            break
    return end


def container_targets(text: str) -> tuple[str, ...]:
    """Container-side locations a file maps (`-v h:/mnt/data`, `-w /ws`): arguments that name
    them later (`--data_dir=/mnt/data`) are the container's too."""
    if not any(hint in text for hint in _MAPPING_HINTS):
        return ()
    found = set()
    for m in _MAPPING_RE.finditer(text):
        for group in ("ctr", "wd", "tgt"):
            target = m.group(group)
            if target and target.strip("/"):
                found.add(target.rstrip("/"))
    return tuple(sorted(found))


def find_paths(
    value: str,
    *,
    start_ok: bool = True,
    path_context: bool = False,
    container: bool = False,
    open_end: bool = False,
    extra_roots: tuple[str, ...] = (),
    allow: tuple[str, ...] = (),
    regex_guard: bool = True,
    host: bool = False,
    container_paths: tuple[str, ...] = (),
) -> list[PathMatch]:
    """Machine-specific absolute locations in `value`.

    start_ok: False when the string continues another value ("x + '/home/a'"), so offset 0 is
    not the start of a path. path_context: the string is used where a path is expected (a path
    join, an open(), a *_DIR variable), so bare roots such as "/home" count.
    container: the string describes a container image (Dockerfile), where only host-only
    locations are wrong. open_end: a placeholder follows the value, so "/home/" + {user} has
    a child folder. regex_guard: a value that looks like a regular expression has no paths.
    host: the value is the host side of a volume mapping, so any non-system absolute path
    belongs to one machine. container_paths: locations the file maps into a container
    (see `container_targets`); paths under them are the container's, except on a host side.
    """
    if "/" not in value and "\\" not in value:  # most string literals: nothing to look at
        return []
    if regex_guard and looks_like_regex(value):
        return []
    found: list[PathMatch] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, code: str, host_side: bool = False) -> None:
        if not start_ok and start == 0:
            return
        if any(s < end and start < e for s, e in taken):
            return
        end = _extend_over_spaces(value, end)
        text = value[start:end].rstrip(".:")
        end = start + len(text)
        bare = re.sub(r"^[Ff][Ii][Ll][Ee]:(//(localhost)?)?", "", text)
        if _allowed(bare, DEFAULT_ALLOW) or _allowed(bare, allow):
            return
        if not host_side and _allowed(bare, container_paths):
            return
        taken.append((start, end))
        found.append(PathMatch(start, end, code, text))

    if any(hint in value for hint in _MAPPING_HINTS):
        for m in _MAPPING_RE.finditer(value):
            for group in ("ctr", "wd", "tgt"):
                if m.group(group):
                    taken.append((m.start(group), m.end(group)))
            if m.group("host"):
                at = m.start("host")
                for p in find_paths(m.group("host"), host=True, extra_roots=extra_roots,
                                    allow=allow, regex_guard=False):
                    add(at + p.start, at + p.end, p.code, host_side=True)
    if ":" in value:
        if "@" in value:
            for m in _REQUIREMENT_AT_FILE_RE.finditer(value):
                add(m.start(), m.end(), LOCAL_REQUIREMENT)
        for m in _FILE_URI_RE.finditer(value):
            # A file: URI is wrong exactly when the path inside it would be.
            inner = "/" + re.sub(r"^:(//(localhost)?)?/*", "", m.group())  # match starts at ':'
            if re.match(r"/[A-Za-z]:", inner) or any(
                p.start == 0 for p in find_paths(inner, path_context=True, extra_roots=extra_roots,
                                                 regex_guard=False)
            ):
                add(m.start() - 4, m.end(), FILE_URI)
            else:
                taken.append((m.start() - 4, m.end()))
        if "sqlite:" in value:
            for m in _SQLITE_RE.finditer(value):
                inner = m.group()[4:]  # after ":///"
                if any(p.start == 0 for p in find_paths(inner, path_context=True,
                                                        extra_roots=extra_roots)):
                    add(m.start() - 6, m.end(), FILE_URI)
        if not container and "dbfs:" in value:
            for m in _DBFS_URI_RE.finditer(value):
                add(m.start(), m.end(), NOTEBOOK)
        for m in _WINDOWS_RE.finditer(value):
            if not _PLACEHOLDER_RE.match(value, m.start() - 1):
                add(m.start() - 1, m.end(), WINDOWS)
    for m in _UNC_RE.finditer(value):
        add(m.start(), m.end(), UNC)
    for m in _posix_re(extra_roots).finditer(value):
        root, rest = m.group("root"), m.group("rest")
        code, bare = _root_code(root, extra_roots)
        if container and (code in CONTAINER_SAFE_CODES or root in CONTAINER_SAFE_ROOTS):
            continue
        has_child = bool(rest.strip("/")) or (open_end and m.end() == len(value) and rest == "/")
        if not (has_child or bare or path_context):
            continue
        add(m.start(), m.end(), code)
    if host and not found and not _HOST_SYSTEM_RE.match(value):
        m = _HOST_ABSOLUTE_RE.match(value)
        if m:
            add(m.start(), m.end(), MOUNT)
    found.sort(key=lambda p: p.start)
    return found
