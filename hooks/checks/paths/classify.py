"""What counts as a hardcoded, machine-specific absolute path inside one string value.

Two policies. Known roots (MLG101-MLG108) are flagged wherever they appear as a path: homes,
mounts, data roots, hosted-notebook folders, Windows drives, shares, file URIs. Any other
absolute POSIX path (MLG109) is flagged when the text shows it is used as a file path and its
first component is neither a standard system directory nor a container location: see
`usage.py`. System paths, /tmp, /opt, /app and paths inside a container are left alone,
because they exist everywhere or are the production container's own layout.
"""

from __future__ import annotations

import re
from collections import namedtuple
from functools import lru_cache

from mlgate.checks.paths import usage

# Roots, by rule code. `bare` roots are flagged even without a sub-folder ("/Users"); the
# others need one ("/home/ana"), unless the string is used where a path is expected.
from mlgate.codes import PATH_FILE_URI as FILE_URI
from mlgate.codes import PATH_HOME as HOME
from mlgate.codes import PATH_HOSTED_NOTEBOOK as NOTEBOOK
from mlgate.codes import PATH_LOCAL_REQUIREMENT as LOCAL_REQUIREMENT
from mlgate.codes import PATH_MOUNT as MOUNT
from mlgate.codes import PATH_UNC as UNC
from mlgate.codes import PATH_UNKNOWN_ROOT as UNKNOWN
from mlgate.codes import PATH_WINDOWS as WINDOWS
from mlgate.lazy_re import LazyPattern

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
    UNKNOWN: "machine- or cluster-specific path",
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
    ("Repos", NOTEBOOK, False),
]
# Numbered data disks: /data1, /data2, /disk3 ...
_NUMBERED = [(r"data\d+", MOUNT), (r"disk\d+", MOUNT)]

# Roots that are still meaningful inside a container image, so a Dockerfile (or a YAML key that
# names a container path) may use them: only host-only locations are flagged there.
CONTAINER_SAFE_CODES = {MOUNT, NOTEBOOK}
# Paths a platform provides alike on every machine it runs: Cloud Composer mounts the
# environment's bucket at /home/airflow/gcs (dags/, data/, plugins/) on every worker.
PLATFORM_PATHS = ("/home/airflow/gcs/",)
CONTAINER_SAFE_ROOTS = {"home", "root"}

# A candidate starts a path only when the character before it cannot be part of a longer
# token: "https://x.org/home/a", "../home/a", "${ROOT}/home/a" and "~/data" are not absolute.
# Every pattern below starts with a literal character and checks what precedes it with a
# lookbehind placed after it: Python's regex engine finds a literal first character fast, and
# crawls through a pattern that begins with a lookbehind or a character class.
_NOT_WORDY = r"[\w.~$/\\%@})\]*+#-]"
# Also after -L/-I/-R/-F compiler flags, after a shell default (${VAR:-/home/ana/x}) and after
# an escaped newline or tab in text that keeps its escapes (printf 'y\n/home/ana/x').
_AFTER_SLASH = (
    r"(?:(?<=[\s\"'=]-[LIRF]/)|(?<=^-[LIRF]/)|(?<=:[-=+?]/)|(?<=\\[nt]/)|(?<!"
    + _NOT_WORDY + "/))"
)
_PATH_CHARS = r"[^\s\"'`<>|;,:()\[\]{}]*"
_URI_CHARS = r"[^\s\"'`<>|;,()\[\]{}]*"

# Matches start at the colon: the drive letter is one character before it.
_WINDOWS_RE = LazyPattern(
    r":(?<=[A-Za-z]:)(?<!" + _NOT_WORDY + r"[A-Za-z]:)(?:\\\\|\\|//|/)(?=[\w$~%.-])" + _PATH_CHARS
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
# dbfs:/ alone is the root a listing starts from, not a location anything depends on.
_DBFS_URI_RE = LazyPattern(r"(?<![\w.+-])dbfs:/(?=[^/\s\"'`<>|;,()\[\]{}])" + _URI_CHARS)

# Volume mappings of docker/podman (-v, --volume) and apptainer/singularity (-B, --bind):
# `host:ctr`; and container-only locations: `-w DIR`, `--mount ...,target=DIR`.
_MAPPING_RE = LazyPattern(
    r"(?:^|\s)(?:-v|--volume|-B|--bind)(?:\s+|=)[\"']?(?P<host>[^\s:\"',]+):(?P<ctr>/[^\s:\"',]*)"
    r"|(?:^|\s)(?:-w|--workdir)(?:\s+|=)[\"']?(?P<wd>/[^\s\"']*)"
    r"|\b(?:target|dst|destination)=(?P<tgt>/[^\s,\"']*)"
    # apptainer --bind DIR without ":": the same folder on both sides, so a host path
    r"|(?:^|\s)(?:-B|--bind)(?:\s+|=)[\"']?(?P<same>/[^\s:\"',]*)(?=[\s\"',]|$)"
)
# Slurm's pyxis/enroot options: `--container-mounts=HOST:CTR[:FLAGS][,HOST:CTR...]` (a
# comma-separated list; a lone path is the same folder on both sides) and
# `--container-workdir=DIR`, a folder inside the container.
_PYXIS_RE = LazyPattern(
    r"(?:^|\s)--container-mounts(?:\s+|=)[\"']?(?P<mounts>[^\s\"']+)"
    r"|(?:^|\s)--container-workdir(?:\s+|=)[\"']?(?P<wd>/[^\s\"']*)"
)
# Where a mapping may start, looked for before _MAPPING_RE's finditer; starting with a literal
# "-" keeps the scan of a whole file fast.
_MAPPING_OPTION_RE = LazyPattern(
    r"-(?:-volume|-bind|-workdir|-container-mounts|-container-workdir|[vBw])(?=\s|=)")


def _pyxis_sides(text: str):
    """(side, start, end) of each path of pyxis' options: 'host', 'same' or 'ctr'."""
    for m in _PYXIS_RE.finditer(text):
        if m.group("wd"):
            yield "ctr", m.start("wd"), m.end("wd")
            continue
        at = m.start("mounts")
        for item in m.group("mounts").split(","):
            parts = item.split(":")
            if parts[0].startswith("/"):
                if len(parts) > 1 and parts[1].startswith("/"):
                    yield "host", at, at + len(parts[0])
                    ctr = at + len(parts[0]) + 1
                    yield "ctr", ctr, ctr + len(parts[1])
                else:
                    yield "same", at, at + len(parts[0])
            at += len(item) + 1


def _may_map(text: str) -> bool:
    if "-" not in text and "=/" not in text:
        return False
    for m in _MAPPING_OPTION_RE.finditer(text):
        if m.start() == 0 or text[m.start() - 1].isspace():
            return True
    return "target=/" in text or "dst=/" in text or "destination=/" in text
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


# One machine-specific location found in a string: offsets into that string, rule, text, and
# whether its use as a path is certain (an error) or only likely (a warning; MLG109 alone).
PathMatch = namedtuple("PathMatch", "start end code text certain", defaults=(True,))


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


def _unescape(text: str) -> str:
    """One level of JSON/Python string escapes, so raw text reads like the value it encodes."""
    return _ESCAPE_RE.sub(lambda m: _UNESCAPED[m.group(1)], text)


class Prefilter:
    """Two cheap tests that a file cannot contain a finding, before anything is parsed.

    `search` runs on the bytes: three patterns that each start with a literal byte, because
    Python's regex engine scans for a literal first byte quickly and crawls through an
    alternation that starts anywhere else. `candidates` then runs the real classifier, in its
    most permissive mode, on the raw text around each hit (as written, with one and two levels
    of escapes undone, and without ANSI colours), so './data/x', '/tmp/data_cache' or a route
    never cost a parse. Each hit is looked at within a bounded window, and a hit inside a
    window already looked at is skipped, so a line of any length costs time linear in it.
    """

    def __init__(self, extra_roots: tuple[str, ...]) -> None:
        self.extra_roots = extra_roots
        # Known roots under a system directory (/opt/homebrew) are not "any other path".
        under_system = sorted({
            re.escape(name) + "|" for name in [r for r, _, _ in _ROOTS]
            + [r.strip("/") for r in extra_roots if r.strip("/")]
            if usage.is_system(name.split("/"))
        })  # each ends with "|": the alternation continues with any other path
        sources = [
            # Any absolute POSIX path but a system one; as _AFTER_SLASH, and also after an
            # escape ("\\n/home/a" in JSON or Python). Known roots are among them.
            r"/(?:(?<=\\[ntr]/)|(?<=-[LIRF]/)|(?<=:[-=+?]/)|(?<!" + _NOT_WORDY + "/))"
            + r"(?:" + "".join(under_system) + _NOT_SYSTEM + r"[A-Za-z0-9_])",
            # C:\ (also right after an ANSI colour: \u001b[1;32mc:\\Users), C://x, C:/x, file:/x,
            # file:///x, file://localhost/x, dbfs:/x; not the ":\n" of a JSON-escaped line end
            r":(?:(?<=[A-Za-z]:)(?:(?<!" + _NOT_WORDY + r"[A-Za-z]:)|(?<=\dm[A-Za-z]:))"
            r"(?:\\|//(?=[\w$~%.-]))|/(?!/)|//(?:/|localhost/))",
            # \\server\share, and JSON's escaped slash
            r"\\(?:\\[A-Za-z0-9][\w.$-]+\\|/)",
        ]
        self.patterns = [re.compile(s.encode()) for s in sources]
        self.text_patterns = [re.compile(s) for s in sources]
        self._memo: dict[str, bool] = {}

    def search(self, data: bytes) -> bool:
        return any(pattern.search(data) for pattern in self.patterns)

    def candidate_lines(self, text: str) -> list[int]:
        """Sorted numbers of the lines that may hold a finding; empty when none can."""
        return self.candidates(text)[0]

    def candidates(
        self, text: str, windows_wanted: bool = True
    ) -> tuple[list[int], dict[int, list[tuple[int, int]]]]:
        """(sorted candidate line numbers, {line: [(start, end) offsets]} for lines longer
        than LONG_LINE, where only those windows are worth classifying). Without
        windows_wanted (a parser will read the file), a line is done once it is a candidate."""
        lines: set[int] = set()
        looked: set[int] = set()  # short lines already looked at, whichever pattern hit them
        windows: dict[int, list[tuple[int, int]]] = {}
        size, count, rfind, find = len(text), text.count, text.rfind, text.find
        for pattern in self.text_patterns:
            search = pattern.search
            line, counted_to, line_start, pos = 1, 0, 0, 0
            while True:
                hit = search(text, pos)
                if hit is None:
                    break
                at = hit.start()
                newlines = count("\n", counted_to, at)
                if newlines:
                    line += newlines
                    line_start = rfind("\n", counted_to, at) + 1
                counted_to = at
                if line in looked or (not windows_wanted and line in lines):
                    pos = find("\n", at) + 1 or size  # the rest of this line is done
                    continue
                start = rfind("\n", max(0, at - _WINDOW), at) + 1 or max(0, at - _WINDOW)
                end = find("\n", at, at + _WINDOW)
                if end < 0:
                    end = min(size, at + _WINDOW)
                cut_short = end < size and text[end] != "\n"
                long_line = (start > 0 and text[start - 1] != "\n") or cut_short
                # next: past this window (a long line's later hits start new windows, and
                # a window that reached the end of its line leaves nothing of it to look at)
                pos = max(end - _MARGIN, at + 1) if cut_short else end + 1
                if not long_line:
                    looked.add(line)
                if not self._could_flag(text[start:end]):
                    continue
                lines.add(line)
                if long_line and windows_wanted:  # offsets within the line
                    windows.setdefault(line, []).append((start - line_start, end - line_start))
        for line, spans in windows.items():
            windows[line] = _merge(spans)
        return sorted(lines), windows

    def _could_flag(self, window: str) -> bool:
        # The same short line recurs across a tree (a decorator, an import, a config key):
        # its answer is kept, within a bound (long windows are rarely repeated).
        if len(window) > _MEMO_LINE:
            return self._look(window)
        known = self._memo.get(window)
        if known is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            known = self._memo[window] = self._look(window)
        return known

    def _look(self, window: str) -> bool:
        variants = [window]
        if "\\" in window:
            once = _unescape(window)
            variants += [once, _unescape(once)]
        if "\x1b" in window or "u001b" in window:  # a coloured traceback: \x1b[1;32mc:\\Users
            variants += [_ANSI_TEXT_RE.sub(" ", v) for v in variants]
        for variant in variants:
            if _unknown_candidate(variant) or _QUOTED_DRIVE_ROOT_RE.search(variant):
                return True
            if find_paths(variant, path_context=True, regex_guard=False,
                          extra_roots=self.extra_roots, unknown=False, limit=1):
                return True
        return False


# How much of a long line around a hit is looked at, and how close to the end of the last
# window a hit must be to be looked at again.
_WINDOW = 2000
_MARGIN = 300
# Lines longer than this are classified by windows around their hits, not whole.
LONG_LINE = 2 * _WINDOW
_MEMO_SIZE, _MEMO_LINE = 4096, 240
_ANSI_TEXT_RE = LazyPattern(r"(?:\x1b|\\u001b|\\x1b|\\033)\[[0-9;]*[A-Za-z]")
_QUOTED_DRIVE_ROOT_RE = LazyPattern(r"[\"'][A-Za-z]:(?:\\{1,2}|/)[\"']")
_NOT_SYSTEM = (
    r"(?!(?:bin|boot|dev|etc|lib|lib32|lib64|libx32|proc|run|sbin|srv|sys|tmp|opt|snap|nix"
    r"|gnu|System|Library|private|cores|cvmfs|app|workspace|code|gcs)(?![\w.+@-]))"
    r"(?!usr(?![\w.+@-])(?!/(?!(?:bin|include|lib|lib32|lib64|libexec|libx32|local|sbin"
    r"|share|src|games|X11R6|X11|tmp|spool|java|etc|man)(?![\w.+@-]))))"
    r"(?!var(?![\w.+@-])(?!/(?!(?:cache|lib|local|lock|log|mail|opt|run|spool|tmp|www|backups"
    r"|crash|db|empty|folders|yp|task)(?![\w.+@-]))))"
)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping windows joined, up to _MERGED_MAX characters each: a line dense with paths
    is read in pieces, so no one value is the whole line."""
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        low, high = merged[-1]
        if start <= high and end - low <= _MERGED_MAX:
            merged[-1] = (low, max(end, high))
        elif start < high:
            merged.append((high, end))  # pieces meet at the end of the last one
        else:
            merged.append((start, end))
    return merged


_MERGED_MAX = 8 * _WINDOW


# What, on the same line, could make even a bare unknown root (`/store`) a path: a file call,
# a shell file command, a scheduler or file option, a DVC url (sets, not one large regex:
# compiling that cost a one-file run a millisecond).
_CALL_WORD_RE = LazyPattern(r"(\w+)\s*\(")
_LINE_WORDS_RE = LazyPattern(r"[\s;&|(`!%\"']+")
_URL_KEY_RE = LazyPattern(r"\burl\s*=")


def _certain_line(line: str) -> bool:
    if "#SBATCH" in line or "#PBS" in line or "#BSUB" in line or "#$" in line:
        return True
    if "url" in line and _URL_KEY_RE.search(line):
        return True
    if "(" in line and any(m.group(1) in usage.CERTAIN_CALL_WORDS
                           for m in _CALL_WORD_RE.finditer(line)):
        return True
    return any(word in usage.FILE_COMMANDS or word.split("=")[0] in usage.FILE_OPTIONS
               for word in _LINE_WORDS_RE.split(line))


# (matched against the line up to the path: nothing but a string's opening before it)
_LITERAL_ALONE_RE = LazyPattern(r"[ \t]*[rRbBuUfF]{0,2}[\"']?")


_FSTRING_OPEN_RE = LazyPattern(r"(?:[fF][rR]?|[rR][fF])[\"']$")


def _fstring_folder(value: str, m) -> bool:
    """f"/lab/{user}...": in an f-string, a placeholder after a folder is one more folder
    (not in a route template, "/users/{user_id}", which is no f-string)."""
    return (m.group().endswith("/") and value.startswith("{", m.end())
            and _FSTRING_OPEN_RE.search(value, max(0, m.start() - 3), m.start()) is not None)


def _unknown_candidate(value: str) -> bool:
    """Whether an MLG109 finding could come from `value` in some context (the prefilter).
    Each line's words are judged once, however many paths it holds (linear time)."""
    certain: dict[int, bool] = {}
    for m in _ANY_POSIX_RE.finditer(value):
        parts = [p for p in m.group().split("/") if p]
        if usage.is_system(parts) or parts[0] in usage.CONTAINER_ROOTS:
            continue
        if m.group().startswith(usage.CONVENTIONS) or usage.remote_prefix(value, m.start()):
            continue
        if (len(parts) >= 2 or _fstring_folder(value, m)) and not usage.route_like(parts):
            return True
        line_start = value.rfind("\n", 0, m.start()) + 1
        if line_start not in certain:
            line_end = value.find("\n", m.end())
            certain[line_start] = _certain_line(
                value[line_start:line_end if line_end >= 0 else len(value)])
        if certain[line_start] or _LITERAL_ALONE_RE.fullmatch(value, line_start, m.start()):
            return True
        if not value[line_start:m.start()].strip():
            return True  # the command word of a shell line
    return False


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
    if not _may_map(text):
        return ()
    found = set()
    for m in _MAPPING_RE.finditer(text):
        for group in ("ctr", "wd", "tgt"):
            target = m.group(group)
            if target and target.strip("/"):
                found.add(target.rstrip("/"))
    for side, start, end in _pyxis_sides(text):
        if side == "ctr" and text[start:end].strip("/"):
            found.add(text[start:end].rstrip("/"))
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
    use: int = usage.NONE,
    shell: bool = False,
    output: bool = False,
    unknown: bool = True,
    limit: int = 0,
    uris: bool = True,
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
    use: how the value is used (usage.NONE..CERTAIN), from the code around it; the text just
    before each path can raise it (`--log_dir=`, `cd `). shell: the value is a shell command
    line. output: the value is a notebook output, where only what reads like a file counts.
    unknown: also look for MLG109 (the prefilter has its own, cheaper test). uris: also look
    inside file: URIs (not in the path of one). limit: stop
    after this many (default MAX_PER_VALUE), so a value of any length costs linear time.
    """
    limit = limit or MAX_PER_VALUE
    if "/" not in value and "\\" not in value:  # most string literals: nothing to look at
        return []
    if regex_guard and looks_like_regex(value):
        return []
    found: list[PathMatch] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, code: str, host_side: bool = False,
            certain: bool = True) -> None:
        if not start_ok and start == 0:
            return
        if len(found) >= limit or any(s < end and start < e for s, e in taken):
            return
        end = _extend_over_spaces(value, end)
        text = value[start:end].rstrip(".:")
        if text.startswith("/") and "\\" in text:  # printf 'y\n/x/y\nN': the escape ends it
            text = re.split(r"\\[ntr]", text, maxsplit=1)[0]
        end = start + len(text)
        bare = re.sub(r"^[Ff][Ii][Ll][Ee]:(//(localhost)?)?", "", text)
        if _allowed(bare, DEFAULT_ALLOW) or _allowed(bare, allow):
            return
        if not host_side and _allowed(bare, container_paths):
            return
        if code != UNC and text.startswith("/") and usage.remote_prefix(value, start):
            return
        taken.append((start, end))
        found.append(PathMatch(start, end, code, text, certain))

    # In `singularity exec ... IMAGE cmd`, the command's paths are the image's.
    image_cmd = usage.container_command_start(value) if shell else -1

    if _may_map(value):
        for m in _MAPPING_RE.finditer(value):
            for group in ("ctr", "wd", "tgt"):
                if m.group(group):
                    taken.append((m.start(group), m.end(group)))
            side = "host" if m.group("host") else "same" if m.group("same") else ""
            if side:
                at = m.start(side)
                for p in find_paths(m.group(side), host=True, extra_roots=extra_roots,
                                    allow=allow, regex_guard=False):
                    add(at + p.start, at + p.end, p.code, host_side=True)
                taken.append((m.start(side), m.end(side)))
        for side, start, end in _pyxis_sides(value):
            if side != "ctr":
                for p in find_paths(value[start:end], host=True, extra_roots=extra_roots,
                                    allow=allow, regex_guard=False):
                    add(start + p.start, start + p.end, p.code, host_side=True)
            taken.append((start, end))
    if ":" in value:
        if "@" in value:
            for m in _REQUIREMENT_AT_FILE_RE.finditer(value):
                add(m.start(), m.end(), LOCAL_REQUIREMENT)
        for m in _FILE_URI_RE.finditer(value) if uris else ():
            # A file: URI is wrong exactly when the path inside it would be.
            inner = "/" + re.sub(r"^:(//(localhost)?)?/*", "", m.group())  # match starts at ':'
            # In an output, as for a plain path there, a bare root (a listing's `file:/home/`)
            # is not a location anything depends on. The path is read as a plain path, not
            # for URIs inside it again (reliability round 33: `file:/` repeated 1,000 times
            # recursed 1,000 deep, and 4,000 times took seconds).
            if re.match(r"/[A-Za-z]:", inner) or any(
                p.start == 0 for p in find_paths(inner, path_context=not output,
                                                 extra_roots=extra_roots, regex_guard=False,
                                                 uris=False)
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
                if output and m.group().rstrip("/").count("/") < 2:
                    continue  # a listing of the DBFS root in an output
                add(m.start(), m.end(), NOTEBOOK)
        for m in _WINDOWS_RE.finditer(value):
            if not _PLACEHOLDER_RE.match(value, m.start() - 1):
                add(m.start() - 1, m.end(), WINDOWS)
        if path_context and _DRIVE_ROOT_RE.match(value):  # os.path.join("D:/", ...)
            add(0, len(value.rstrip()), WINDOWS)
    for m in _UNC_RE.finditer(value):
        add(m.start(), m.end(), UNC)
    for m in _posix_re(extra_roots).finditer(value):
        if len(found) >= limit:
            break
        if m.group().startswith(PLATFORM_PATHS):
            taken.append((m.start(), m.end()))
            continue
        root, rest = m.group("root"), m.group("rest")
        code, bare = _root_code(root, extra_roots)
        if (container or 0 <= image_cmd <= m.start()) and (
            code in CONTAINER_SAFE_CODES or root in CONTAINER_SAFE_ROOTS
        ):
            continue
        has_child = bool(rest.strip("/")) or (open_end and m.end() == len(value) and rest == "/")
        if not (has_child or bare or path_context or use >= usage.CERTAIN):
            continue  # a bare root is a path where a file call takes it (`dbutils.fs.ls`)
        if output:
            # In an output, as for paths under no known root, only what reads as a file or
            # a deep folder: not Colab's "Mounted at /content/drive"
            parts = [p for p in m.group().split("/") if p]
            if len(parts) < 3 and not _FILE_NAME_RE.search(parts[-1]):
                taken.append((m.start(), m.end()))
                continue
        add(m.start(), m.end(), code)
    if host and not found and not _HOST_SYSTEM_RE.match(value):
        m = _HOST_ABSOLUTE_RE.match(value)
        if m:
            add(m.start(), m.end(), MOUNT)
    if unknown and not container and not host and len(found) < limit:
        _unknown_roots(value, add, found, taken, use, shell, output, image_cmd, limit,
                       open_end)
    found.sort(key=lambda p: p.start)
    return found


# Any absolute POSIX path; its first component decides whether it is a system one.
_ANY_POSIX_RE = LazyPattern(
    "/" + _AFTER_SLASH + r"(?=[A-Za-z0-9_])[\w.+@-]+" + _PATH_CHARS
)
_FILE_NAME_RE = LazyPattern(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")
_DRIVE_ROOT_RE = LazyPattern(r"[A-Za-z]:(?:\\{1,2}|/)$")
# A runaway value (a minified JSON with 300k paths on one line) reports this many per value.
MAX_PER_VALUE = 200


def _unknown_roots(
    value: str, add, found: list, taken: list, use: int, shell: bool, output: bool,
    image_cmd: int, limit: int, open_end: bool = False,
) -> None:
    """MLG109: absolute paths under no known root, when their use as a path is shown. A
    placeholder right after a folder (f"/dbacademy/{user}/...") is one more folder."""
    for m in _ANY_POSIX_RE.finditer(value):
        if len(found) >= limit:
            return
        start, end = m.start(), m.end()
        if any(s < end and start < e for s, e in taken):
            continue
        text = m.group()
        parts = [p for p in text.split("/") if p]
        if usage.is_system(parts) or parts[0] in usage.CONTAINER_ROOTS:
            continue
        if text.startswith(usage.CONVENTIONS) or 0 <= image_cmd <= start:
            continue
        multi = len(parts) >= 2 or (open_end and end == len(value) and text.endswith("/"))
        if output:
            # In an output only what reads as a file: a traceback frame, a warning's source,
            # pip's site-packages, a printed file or deep folder. Not routes, not log words.
            if multi and not usage.route_like(parts) and (
                len(parts) >= 3 or _FILE_NAME_RE.search(parts[-1])
            ):
                add(start, end, UNKNOWN)
            continue
        level = max(use, usage.left_use(value, start, shell))
        if level == usage.HINT and len(parts) >= 3 and _FILE_NAME_RE.search(parts[-1]) and (
                not usage.route_like(parts)):
            # a name that often holds a path (`pretrained_model = ...`) holding a file three
            # folders deep holds a path: an error, as a name that says path would be
            level = usage.NAMED
        if level < usage.CERTAIN and (not multi or usage.route_like(parts)):
            continue  # a bare root or a route: only a file call or command makes it a path
        if level >= usage.NAMED:
            add(start, end, UNKNOWN)
        elif level == usage.HINT:
            add(start, end, UNKNOWN, certain=False)
