"""`mlgate paths`: block hardcoded, machine-specific absolute paths (rules MLG1xx).

A file is first tested on its bytes with three literal-first patterns, then the classifier
runs on the raw text around each hit (bounded windows on long lines); only lines that still
hold a candidate are parsed: in Python the statements that hold them, each parsed alone; in a
notebook the cells that hold them; in JSON the strings on them; everything else line by line
(`usage.py` says how a line's text shows a path is used). So the cost follows the candidates,
not the file size (bench/bench_paths.py). Findings are kept by file content under
`.git/mlgate-cache/` (`results.py`), and files too large to hold are read in blocks
(`stream.py`).
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Iterable, Iterator

from mlgate.checks.paths import classify
from mlgate.checks.paths.sources import (
    Site,
    is_compose_file,
    is_kubernetes_manifest,
    json_sites,
    text_sites,
    workflow_container_lines,
)
from mlgate.codes import FILE_UNREADABLE as UNREADABLE
from mlgate.codes import NOTEBOOK_MALFORMED as UNPARSABLE
from mlgate.codes import PATH_NOTEBOOK_OUTPUT as NOTEBOOK_OUTPUT
from mlgate.codes import PATH_SYMLINK as SYMLINK
from mlgate.codes import SUPPRESSION_MALFORMED
from mlgate.config import Config
from mlgate.files import (
    Target,
    decode_text,
    discover,
    looks_binary,
    relative_to,
    text_encoding,
)
from mlgate.finding import Finding
from mlgate.suppress import Suppressions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgate.checks.paths.results import Results

NAME = "paths"
HELP = "block hardcoded machine-specific absolute paths"

# Python files larger than this, and JSON or notebooks larger than STRUCTURE_LIMIT, are read as
# lines of text around their candidates instead of parsed; files larger than STREAM_LIMIT are
# read in blocks, so memory stays bounded whatever the size (stream.py).
AST_LIMIT = 4 * 1024 * 1024
STRUCTURE_LIMIT = {"json": 4 * 1024 * 1024, "notebook": 32 * 1024 * 1024}
STREAM_LIMIT = 64 * 1024 * 1024
# A line reports at most this many findings (a minified JSON with 300k paths); the last one
# says more were left out.
MAX_PER_LINE = 200

HINTS = {
    classify.HOME: "derive it from the project (Path(__file__).parent / ...) or read it from an"
    " environment variable or config",
    classify.MOUNT: "make the location configurable (environment variable or config file)",
    classify.NOTEBOOK: "this folder exists only on that platform; take the location from"
    " configuration",
    classify.WINDOWS: "use a relative path or configuration; Windows drives exist on one machine",
    classify.UNC: "read the share's location from configuration",
    classify.FILE_URI: "use a relative location or configure the URI per environment",
    classify.LOCAL_REQUIREMENT: "publish the package or pin it from an index or VCS URL",
    classify.UNKNOWN: "this folder exists on one machine or cluster; take it from an"
    " environment variable, a config file or an argument",
}


# A training notebook that ran on Colab or a laptop is often no part of what is deployed
# (new-user trial round 28b: 21 errors from notebooks decided a verdict the app had earned).
def notebook_hint(path: str) -> str:
    """The exclude that leaves out this notebook: its folder's files, or the notebook itself
    at the top (new-user trial round 39 F10: "notebooks/**" for a notebook at the root)."""
    import json

    shown = (os.path.relpath(path) if os.path.isabs(path) else path).replace(os.sep, "/")
    if shown.startswith("../"):  # named from elsewhere: its name, as the project sees it
        shown = os.path.basename(shown)
    folder = os.path.dirname(shown)
    pattern = f"{folder}/**" if folder else shown
    return (f"; if this notebook is not deployed, leave it out: exclude ="
            f" [{json.dumps(pattern)}] in [tool.mlgate]")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="*", metavar="PATH",
        help="files or folders to check (folders: the files git lists; default: .)",
    )
    parser.add_argument(
        "--allow", action="append", default=[], metavar="PREFIX",
        help="an absolute prefix that is fine to hardcode (repeatable; adds to config 'allow')",
    )
    parser.add_argument(
        "--root", action="append", default=[], metavar="PREFIX",
        help="an extra machine-specific root to flag, e.g. /nas2 (repeatable)",
    )
    parser.add_argument(
        "--scan-comments", action="store_true", default=None,
        help="also check comments, docstrings and markdown cells",
    )
    parser.add_argument(
        "--no-cache", action="store_true",
        help="neither read nor write the results kept under .git/mlgate-cache/",
    )


class _Options:
    def __init__(self, args: argparse.Namespace, config: Config) -> None:
        section = config.section(NAME)
        self.allow = tuple(section.get("allow", [])) + tuple(args.allow)
        self.roots = tuple(section.get("roots", [])) + tuple(args.root)
        self.comments = bool(
            args.scan_comments if args.scan_comments is not None
            else section.get("scan-comments", False)
        )
        self.outputs = bool(section.get("scan-notebook-outputs", True))
        self.prefilter = classify.prefilter(self.roots)
        self.results: Results | None = None
        if not getattr(args, "no_cache", False):
            from mlgate.checks.paths.results import Results
            from mlgate.files import git_root

            root = git_root()
            if root:
                self.results = Results(root, [
                    list(self.allow), list(self.roots), self.comments, self.outputs])


def _parsed(kind: str, size: int) -> bool:
    """Whether a file of this kind and size is parsed (else read as text around candidates)."""
    if kind == "python":
        return size <= AST_LIMIT
    return size <= STRUCTURE_LIMIT.get(kind, size)


def _sites(
    kind: str, text: str, opts: _Options, lines: list[int] | None, dvc: bool = False,
    windows: dict[int, list[tuple[int, int]]] | None = None, dev_image: bool = False,
) -> Iterator[Site]:
    # Python and notebook readers (and `ast`) load only when a file of theirs holds a candidate.
    if not _parsed(kind, len(text)):
        yield from text_sites(text, comments=opts.comments, lines=lines, windows=windows)
    elif kind == "python":
        from mlgate.checks.paths.python_source import (
            databricks_magic_sites,
            inline_metadata_sites,
            ipython_sites,
            python_comment_lines,
            python_sites,
        )

        try:
            sites = list(python_sites(text, comments=opts.comments, lines=lines))
        except (SyntaxError, ValueError):
            # Not plain Python: often a notebook export that kept `!pip install` lines.
            yield from ipython_sites(text, opts.comments)
            return
        yield from sites
        if opts.comments:
            yield from python_comment_lines(text)
        else:
            if "# /// script" in text:
                yield from inline_metadata_sites(text)
            if text.startswith("# Databricks notebook source"):
                yield from databricks_magic_sites(text, lines)
    elif kind == "notebook":
        from mlgate.checks.paths.notebook_source import notebook_sites

        yield from notebook_sites(text, comments=opts.comments, outputs=opts.outputs,
                                  lines=lines)
    elif kind == "json":
        yield from json_sites(text, lines)
    else:
        compose = kind == "yaml" and is_compose_file(text)
        yield from text_sites(
            text,
            comments=opts.comments,
            path_context=kind == "shell",
            container=kind == "dockerfile" or compose or dev_image
            or (kind == "yaml" and is_kubernetes_manifest(text)),
            ini=kind in ("ini", "env"),
            yaml=kind == "yaml",
            container_lines=workflow_container_lines(text) if kind == "yaml" else frozenset(),
            shell=kind == "shell",
            compose=compose,
            dvc=dvc,
            lines=lines,
            windows=windows,
        )


def _message(match: classify.PathMatch, output: str | None) -> str:
    shown = match.text if len(match.text) <= 80 else match.text[:77] + "..."
    label = classify.LABELS[match.code]
    if output:
        return f"{label} '{shown}' in a notebook output ({output}); clear outputs before committing"
    return f"hardcoded {label} '{shown}'"


def _findings_in_text(
    target: Target, text: str, opts: _Options, lines: list[int] | None = None,
    windows: dict[int, list[tuple[int, int]]] | None = None,
) -> list[Finding]:
    found: list[Finding] = []
    dvc = _is_dvc(target)
    try:
        sites = list(_sites(target.kind, text, opts, lines, dvc, windows,
                            _describes_dev_image(target)))
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        # JSON with comments or trailing commas (.vscode, devcontainer.json) is just read as
        # text; a notebook that does not parse will not open in Jupyter either.
        if target.kind == "notebook":
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            found.append(Finding(
                target.path, 1, 1, UNPARSABLE,
                f"not valid {'notebook ' if target.kind == 'notebook' else ''}JSON ({reason});"
                " checked as plain text",
                severity="warning",
            ))
        sites = list(text_sites(text, comments=opts.comments))
    found.extend(classify_sites(target, sites, opts, classify.container_targets(text), {}))
    return found


def classify_sites(
    target: Target, sites: Iterable[Site], opts: _Options,
    container_paths: tuple[str, ...], per_line: dict[int, int],
) -> list[Finding]:
    """The findings in `sites`; per_line counts findings by line across calls (a line reports
    at most MAX_PER_LINE)."""
    found: list[Finding] = []
    repeated: dict[str, list[Finding]] = {}  # a path met in outputs: its findings shown
    finder = (classify.find_requirement_paths if target.kind == "requirements"
              else classify.find_paths)
    for site in sites:
        if site.remap is None and per_line.get(site.line, 0) >= MAX_PER_LINE:
            continue
        matches = finder(
            site.value,
            start_ok=site.start_ok,
            path_context=site.path_context,
            container=site.container,
            open_end=site.open_end,
            host=site.host,
            extra_roots=opts.roots,
            allow=opts.allow,
            container_paths=container_paths,
            use=site.use,
            shell=site.shell,
            output=site.output,
        )
        for match in matches:
            line, col = site.position(match.start, match.text)
            output = site.extra.get("output")
            extra = {"check": NAME, "kind": classify.LABELS[match.code], "text": match.text}
            extra.update(site.extra)
            if output:
                extra["rule"] = match.code
            count = per_line[line] = per_line.get(line, 0) + 1
            if count > MAX_PER_LINE:
                continue
            message = _message(match, output)
            if count == MAX_PER_LINE:
                message += f" (only the first {MAX_PER_LINE} findings of this line are reported)"
            if output:
                # the same path printed by a loop (a warning per iteration: 906 lines in the
                # new-user trial of round 31) is one fact: said a few times, then counted
                shown = repeated.setdefault(match.text, [])
                if len(shown) >= MAX_OUTPUT_REPEATS:
                    last = shown[-1]
                    last.extra["repeats"] = last.extra.get("repeats", 0) + 1
                    continue
            found.append(Finding(
                target.path, line, col,
                NOTEBOOK_OUTPUT if output else match.code,
                message,
                severity="warning" if output or not match.certain else "error",
                hint="" if output else HINTS[match.code] + (
                    notebook_hint(target.path) if target.kind == "notebook" else ""),
                extra=extra,
            ))
            if output:
                repeated[match.text].append(found[-1])
    for shown in repeated.values():
        more = shown[-1].extra.get("repeats", 0)
        if more:
            shown[-1].message += f" (and {more} more times in this notebook's outputs)"
    return found


# Findings of one path in one notebook's outputs shown one by one; the last counts the rest.
MAX_OUTPUT_REPEATS = 5


def _check_symlink(target: Target, opts: _Options) -> list[Finding]:
    try:
        destination = os.readlink(target.path)
    except OSError as exc:
        return [Finding(target.path, 1, 1, UNREADABLE, f"cannot read symlink: {exc.strerror}")]
    found = []
    # a virtualenv's interpreter link (venv/bin/python3.12 -> /opt/homebrew/...): the whole
    # environment was committed, which no machine but its maker's can use
    parts = target.path.replace("\\", "/").split("/")
    environment = len(parts) >= 2 and parts[-2] in ("bin", "Scripts") and (
        parts[-1].startswith("python"))
    hint = ("a virtualenv was committed: remove it (`git rm -r --cached "
            f"{'/'.join(parts[:-2]) or '.'}`) and list it in .gitignore; the lock says what to"
            " install" if environment else
            "commit the file itself, or a relative link inside the repository")
    for match in classify.find_paths(destination, path_context=True, extra_roots=opts.roots,
                                     allow=opts.allow):
        found.append(Finding(
            target.path, 1, 1, SYMLINK,
            f"symlink points to a {classify.LABELS[match.code]} {match.text!r}",
            hint=hint,
            extra={"check": NAME, "rule": match.code, "text": match.text},
        ))
    return found


def check_file(target: Target, opts: _Options) -> list[Finding]:
    """All findings for one file, suppressions applied."""
    try:
        info = os.lstat(target.path)
    except OSError as exc:
        return [Finding(target.path, 1, 1, UNREADABLE, f"cannot read file: {exc.strerror}")]
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return _check_symlink(target, opts)
    if not stat.S_ISREG(mode):  # a FIFO or device would block or never end; a submodule folder
        if not target.explicit and stat.S_ISDIR(mode):
            return []
        return [Finding(target.path, 1, 1, UNREADABLE, "not a regular file; not checked",
                        severity="warning")]
    if info.st_size > STREAM_LIMIT:
        from mlgate.checks.paths.stream import stream_findings

        return stream_findings(target, opts)
    try:
        with open(target.path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return [Finding(target.path, 1, 1, UNREADABLE, f"cannot read file: {reason}")]
    if not data or looks_binary(data, named_text=target.kind != "text"):
        return []
    encoding = text_encoding(data)
    if encoding not in (None, "utf-8-sig"):
        # UTF-16/32 (PowerShell 5 writes it): scanned as the text it is, not as bytes its
        # NULs keep every pattern from matching (reliability round 32: passed in silence)
        data = data.decode(encoding, errors="replace").encode("utf-8")
    # A directive that silences nothing is said wherever it is (MLG003), paths or not.
    problems = _directive_problems(target, data) if b"mlgate:" in data else []
    # Requirements files are small and flag any absolute location, not only known roots.
    if target.kind != "requirements" and not opts.prefilter.search(data):
        return problems
    results = getattr(opts, "results", None)
    if results is None:
        return _check_text(target, data, opts) + problems
    from mlgate.checks.paths.results import content_key

    digest = content_key(data, target.kind, _is_dvc(target))
    found = results.get(digest, target.path)
    if found is None:
        found = _check_text(target, data, opts)
        results.put(digest, found)
    return found + problems


def _directive_problems(target: Target, data: bytes) -> list[Finding]:
    return [Finding(target.path, line, col, SUPPRESSION_MALFORMED, why, severity="warning",
                    hint="fix the comment; it silences nothing as it is",
                    extra={"check": NAME})
            for line, col, why in Suppressions(decode_text(data), target.kind).problems]


def _is_dvc(target: Target) -> bool:
    return target.path.replace("\\", "/").endswith((".dvc/config", ".dvc/config.local"))


def _describes_dev_image(target: Target) -> bool:
    """A cloud development environment's own configuration (`.gitpod.yml`, a file under
    `.devcontainer/`): its paths are the workspace image's (Gitpod's /home/gitpod), alike
    on every machine that opens it, as a Dockerfile's are the image's."""
    posix = "/" + target.path.replace("\\", "/")
    return posix.endswith(("/.gitpod.yml", "/.gitpod.yaml")) or "/.devcontainer/" in posix


def _check_text(target: Target, data: bytes, opts: _Options) -> list[Finding]:
    """The findings of a file's bytes that passed the raw-text gate."""
    text = decode_text(data)
    lines, windows = None, None
    if target.kind != "requirements":
        lines, windows = opts.prefilter.candidates(
            text, windows_wanted=not _parsed(target.kind, len(text)) or target.kind not in (
                "python", "notebook", "json"))
        if not lines:
            return []
    found = _findings_in_text(target, text, opts, lines, windows)
    if not found or "mlgate:" not in text:  # no directive: nothing to read them from
        return found
    suppressions = Suppressions(text, target.kind)
    return [f for f in found if not suppressions.silenced(f.line, f.code)]


def run(args: argparse.Namespace, config: Config) -> Iterable[Finding]:
    """Check the files named on the command line (or the repository) for absolute paths."""
    opts = _Options(args, config)
    unreadable: list[tuple[str, str]] = []
    targets, missing = discover(args.files, unreadable)
    for name in missing:
        yield Finding(name, 1, 1, UNREADABLE, "no such file or directory",
                      hint="check the path; deleted files are not checked")
    for name, reason in unreadable:
        if not (config.exclude and config.is_excluded(relative_to(name, config.root))):
            yield Finding(name, 1, 1, UNREADABLE, f"cannot list folder: {reason}; the files"
                          " in it were not checked", hint="make it readable, or exclude it")
    if config.exclude:
        targets = [t for t in targets if not config.is_excluded(relative_to(t.path, config.root))]
    yield from _check_all(targets, opts)
    if opts.results is not None:
        opts.results.save()


# A large tree is split over the CPUs; below this many files a pool costs more than it saves.
PARALLEL_MIN_FILES = 1000
_worker_options: _Options | None = None


def _check_in_worker(target: Target) -> tuple[list[Finding], dict]:
    """A file's findings, and the cache entries it added (the parent saves them)."""
    assert _worker_options is not None
    found = check_file(target, _worker_options)
    results = _worker_options.results
    return found, results.take_new() if results is not None else {}


LOADAVG = "/proc/loadavg"


def _idle_cpus() -> int:
    """CPUs this run can use: those other work leaves idle, plus the one this process runs on
    anyway. On a machine whose load already fills its CPUs, workers only add the cost of
    forking and of passing results back (measured: 20% more CPU, slower). Other work is what
    is runnable now (Linux's /proc/loadavg), not the one-minute average, which still counts
    the runs that just ended (a pre-commit hook after a build, a benchmark's repetitions)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
    try:
        with open(LOADAVG, encoding="ascii") as handle:  # runnable now, this process among them
            others = int(handle.read().split()[3].split("/")[0]) - 1
    except (OSError, ValueError, IndexError):
        try:
            others = int(os.getloadavg()[0]) - 1
        except (AttributeError, OSError):
            return cpus
    return max(1, cpus - max(0, others))


def _check_all(targets: list[Target], opts: _Options) -> Iterator[Finding]:
    workers = min(_idle_cpus(), 4) if len(targets) >= PARALLEL_MIN_FILES else 1
    # fork shares the compiled patterns with the workers for free; only Linux forks safely.
    if workers < 2 or sys.platform != "linux":
        for target in targets:
            yield from check_file(target, opts)
        return
    import multiprocessing

    global _worker_options
    _worker_options = opts
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for found, new in pool.imap(_check_in_worker, targets, chunksize=64):
            if new and opts.results is not None:  # the parent keeps what workers added
                opts.results.merge(new)
            yield from found
