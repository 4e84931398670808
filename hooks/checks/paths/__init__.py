"""`mlgate paths`: block hardcoded, machine-specific absolute paths (rules MLG1xx).

A file is first tested on its bytes with three literal-first patterns, then the classifier
runs on the raw lines around each hit; only lines that still hold a candidate are parsed
(Python by `ast`, walking just the statements that span them; notebooks and JSON by a
position-keeping JSON reader; everything else line by line). So a large tree costs little more
than reading it (bench/bench_paths.py).
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
    is_kubernetes_manifest,
    json_sites,
    text_sites,
    workflow_container_lines,
)
from mlgate.config import Config
from mlgate.files import Target, decode_text, discover, looks_binary, relative_to
from mlgate.finding import Finding
from mlgate.suppress import Suppressions

NAME = "paths"
HELP = "block hardcoded machine-specific absolute paths"

UNREADABLE = "MLG001"
UNPARSABLE = "MLG002"
SYMLINK = "MLG108"
NOTEBOOK_OUTPUT = "MLG150"
# Python files larger than this are scanned line by line instead of parsed.
AST_LIMIT = 4 * 1024 * 1024

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
}


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


def _sites(kind: str, text: str, opts: _Options, lines: list[int] | None) -> Iterator[Site]:
    # Python and notebook readers (and `ast`) load only when a file of theirs holds a candidate.
    if kind == "python" and len(text) <= AST_LIMIT:
        from mlgate.checks.paths.python_source import (
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
        elif "# /// script" in text:
            yield from inline_metadata_sites(text)
    elif kind == "notebook":
        from mlgate.checks.paths.notebook_source import notebook_sites

        yield from notebook_sites(text, comments=opts.comments, outputs=opts.outputs)
    elif kind == "json":
        yield from json_sites(text)
    else:
        yield from text_sites(
            text,
            comments=opts.comments,
            path_context=kind == "shell",
            container=kind == "dockerfile" or (kind == "yaml" and is_kubernetes_manifest(text)),
            ini=kind in ("ini", "env"),
            yaml=kind == "yaml",
            container_lines=workflow_container_lines(text) if kind == "yaml" else frozenset(),
        )


def _message(match: classify.PathMatch, output: str | None) -> str:
    shown = match.text if len(match.text) <= 80 else match.text[:77] + "..."
    label = classify.LABELS[match.code]
    if output:
        return f"{label} '{shown}' in a notebook output ({output}); clear outputs before committing"
    return f"hardcoded {label} '{shown}'"


def _findings_in_text(
    target: Target, text: str, opts: _Options, lines: list[int] | None = None
) -> list[Finding]:
    found: list[Finding] = []
    try:
        sites = list(_sites(target.kind, text, opts, lines))
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
    finder = (classify.find_requirement_paths if target.kind == "requirements"
              else classify.find_paths)
    container_paths = classify.container_targets(text)
    for site in sites:
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
        )
        for match in matches:
            line, col = site.position(match.start, match.text)
            output = site.extra.get("output")
            extra = {"check": NAME, "kind": classify.LABELS[match.code], "text": match.text}
            extra.update(site.extra)
            if output:
                extra["rule"] = match.code
            found.append(Finding(
                target.path, line, col,
                NOTEBOOK_OUTPUT if output else match.code,
                _message(match, output),
                severity="warning" if output else "error",
                hint="" if output else HINTS[match.code],
                extra=extra,
            ))
    return found


def _check_symlink(target: Target, opts: _Options) -> list[Finding]:
    try:
        destination = os.readlink(target.path)
    except OSError as exc:
        return [Finding(target.path, 1, 1, UNREADABLE, f"cannot read symlink: {exc.strerror}")]
    found = []
    for match in classify.find_paths(destination, path_context=True, extra_roots=opts.roots,
                                     allow=opts.allow):
        found.append(Finding(
            target.path, 1, 1, SYMLINK,
            f"symlink points to a {classify.LABELS[match.code]} {match.text!r}",
            hint="commit the file itself, or a relative link inside the repository",
            extra={"check": NAME, "rule": match.code, "text": match.text},
        ))
    return found


def check_file(target: Target, opts: _Options) -> list[Finding]:
    """All findings for one file, suppressions applied."""
    try:
        mode = os.lstat(target.path).st_mode
    except OSError as exc:
        return [Finding(target.path, 1, 1, UNREADABLE, f"cannot read file: {exc.strerror}")]
    if stat.S_ISLNK(mode):
        return _check_symlink(target, opts)
    if not stat.S_ISREG(mode):  # a FIFO or device would block or never end; a submodule folder
        if not target.explicit:
            return []
        return [Finding(target.path, 1, 1, UNREADABLE, "not a regular file; not checked",
                        severity="warning")]
    try:
        with open(target.path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return [Finding(target.path, 1, 1, UNREADABLE, f"cannot read file: {reason}")]
    if not data or looks_binary(data):
        return []
    # Requirements files are small and flag any absolute location, not only known roots.
    if target.kind != "requirements" and not opts.prefilter.search(data):
        return []
    text = decode_text(data)
    lines = None
    if target.kind != "requirements":
        lines = opts.prefilter.candidate_lines(text)
        if not lines:
            return []
    found = _findings_in_text(target, text, opts, lines)
    if not found:
        return []
    suppressions = Suppressions(text)
    return [f for f in found if not suppressions.silenced(f.line, f.code)]


def run(args: argparse.Namespace, config: Config) -> Iterable[Finding]:
    """Check the files named on the command line (or the repository) for absolute paths."""
    opts = _Options(args, config)
    targets, missing = discover(args.files)
    for name in missing:
        yield Finding(name, 1, 1, UNREADABLE, "no such file or directory",
                      hint="check the path; deleted files are not checked")
    if config.exclude:
        targets = [t for t in targets if not config.is_excluded(relative_to(t.path, config.root))]
    yield from _check_all(targets, opts)


# A large tree is split over the CPUs; below this many files a pool costs more than it saves.
PARALLEL_MIN_FILES = 1000
_worker_options: _Options | None = None


def _check_in_worker(target: Target) -> list[Finding]:
    assert _worker_options is not None
    return check_file(target, _worker_options)


def _check_all(targets: list[Target], opts: _Options) -> Iterator[Finding]:
    workers = min(os.cpu_count() or 1, 4)
    # fork shares the compiled patterns with the workers for free; only Linux forks safely.
    if len(targets) < PARALLEL_MIN_FILES or workers < 2 or sys.platform != "linux":
        for target in targets:
            yield from check_file(target, opts)
        return
    import multiprocessing

    global _worker_options
    _worker_options = opts
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for found in pool.imap(_check_in_worker, targets, chunksize=64):
            yield from found
