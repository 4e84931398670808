"""The one `mlgate` command: `mlgate <check> [options] [files]`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from mlgate import __version__
from mlgate.config import Config, load_config, trusted_config_note
from mlgate.files import relative_to
from mlgate.finding import EnvironmentFailure, Finding, UsageError
from mlgate.report import FORMATS, InertStream, emit

# Subcommand -> module. Each module has NAME, HELP, add_arguments(parser) and run(args, config).
CHECKS = {
    "paths": "mlgate.checks.paths",
    "lock": "mlgate.checks.lock",
    "artifact": "mlgate.checks.artifact",
    "schema": "mlgate.checks.schema",
    "latency": "mlgate.checks.latency",
    "audit": "mlgate.audit",
    "rule": "mlgate.rule_command",
    "env": "mlgate.env_command",
}
# One line each for `mlgate --help`, so a run imports only the check it runs.
SUMMARIES = {
    "paths": "block hardcoded machine-specific absolute paths",
    "lock": "block stale, incomplete or unpinned locks, judged against the project's environment",
    "artifact": "block model artifacts that are unsafe to load, do not load, or were pickled"
                " with other versions",
    "schema": "block models whose expected input does not match the sample request or API"
              " contract",
    "latency": "block models whose single-row inference exceeds the latency budget (p95)",
    "audit": "run every check over a project and print a deployment-readiness report",
    "rule": "explain a rule code (what it flags, its default severity, what to do)",
    "env": "print which Python environment the checks judge, why, and what else was considered",
}

# What `mlgate <check> --help` says: for users, not the modules' developer notes.
DESCRIPTIONS = {
    "paths": "Find machine-specific absolute paths (user homes, mounts, cluster and notebook"
             " platform folders, Windows drives, shares, file: URIs) in code, notebooks,"
             " configs, Dockerfiles and requirements. With no PATH, checks the files git lists"
             " in the current folder.",
    "lock": "Compare the lock files (requirements*.txt, uv.lock, poetry.lock, pylock.toml,"
            " Pipfile.lock, pyproject.toml) with the packages installed in the project's"
            " environment: missing, mismatched, undeclared, unpinned, source drift. With no"
            " LOCKFILE, the locks of the project are found.",
    "artifact": "Check model artifacts (pickle, joblib, .npy/.npz, .skops, XGBoost .json/.ubj):"
                " scanned without"
                " loading against an allow-list, then loaded in a sandboxed subprocess of the"
                " project's environment, and their scikit-learn/numpy versions compared with"
                " the environment and the lock. With no ARTIFACT, every artifact git lists.",
    "schema": "Load each declared model in the project's environment and compare its expected"
              " input columns with the sample request and the API contract; the sample is"
              " predicted, and an empty request is tried.",
    "latency": "Load each declared model in the project's environment and measure p50/p95/p99"
               " of single-row requests; p95 over the budget (measured twice) is a finding.",
    "audit": "Run every check over one project folder and print a readiness report: READY only"
             " when every required pillar was checked and passed (exit 0); INCOMPLETE or NOT"
             " READY exit 1.",
    "rule": "Explain a rule: what it flags, its default severity, and what to do about it"
            " (`mlgate rule MLG101`); `--all` lists every rule.",
    "env": "Print which Python environment the lock, artifact, schema and latency checks"
           " judge, why it was chosen, and what was looked at before it.",
}

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_ENVIRONMENT = 0, 1, 2, 3


# The options every check shares (dest -> default when a command does not take it).
_COMMON_DEFAULTS: dict[str, object] = {
    "format": "text", "color": "auto", "config": None, "no_config": False,
    "trusted_config": None, "ignore": [], "fail_on": None, "exit_zero": False,
    "verbose": False}


def _common_options(parser: argparse.ArgumentParser, module) -> None:
    """The shared options a command honours: all of them, unless the module names its own
    (`OPTIONS`, `FORMATS`): `mlgate rule --format sarif` or `--fail-on` would otherwise be
    accepted and do nothing."""
    wanted = set(getattr(module, "OPTIONS", _COMMON_DEFAULTS))
    group = parser.add_argument_group("output and configuration")

    def add(dest: str, *flags: str, **kwargs) -> None:
        if dest in wanted:
            group.add_argument(*flags, dest=dest, **kwargs)

    add("format", "--format", choices=getattr(module, "FORMATS", FORMATS), default="text",
        help="output format")
    add("color", "--color", choices=("auto", "always", "never"), default="auto",
        help="colour text output (auto: on a terminal unless NO_COLOR is set)")
    add("config", "--config", metavar="PYPROJECT",
        help="read [tool.mlgate] from this file, not the nearest pyproject.toml")
    add("no_config", "--no-config", action="store_true", help="ignore any configuration file")
    add("trusted_config", "--trusted-config", metavar="REV",
        help="read [tool.mlgate] from this git revision (e.g. the base branch of a"
             " pull request), not the work tree (default: $MLGATE_TRUSTED_CONFIG)")
    add("ignore", "--ignore", action="append", default=[], metavar="CODE",
        help="rule code to ignore (repeatable)")
    add("fail_on", "--fail-on", choices=("error", "warning"), default=None,
        help="lowest severity that fails the run (default: error)")
    add("exit_zero", "--exit-zero", action="store_true",
        help="exit 0 even when there are findings")
    add("verbose", "-v", "--verbose", action="store_true",
        help="say what was checked and how (e.g. which Python environment)")


def _formatter(prog: str) -> argparse.HelpFormatter:
    # A fixed width spares argparse importing shutil (and with it bz2, lzma) to ask the
    # terminal's size on every run, help or not.
    width = os.environ.get("COLUMNS", "")
    return argparse.HelpFormatter(prog, width=int(width) if width.isdigit() else 100)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the check named in `argv` is imported to add its options."""
    parser = argparse.ArgumentParser(
        prog="mlgate",
        formatter_class=_formatter,
        description="Deployment-readiness gates for machine-learning projects.",
        epilog="Exit status: 0 clean, 1 findings, 2 usage or configuration error, 3 the"
               " project's environment failed (its interpreter crashed or timed out).",
    )
    parser.add_argument("--version", action="version", version=f"mlgate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<check>")
    sub.required = True
    words = list(sys.argv[1:] if argv is None else argv)
    chosen = next((w for w in words if not w.startswith("-")), None)
    for name, module_name in CHECKS.items():
        if name != chosen:
            sub.add_parser(name, help=SUMMARIES[name])
            continue
        module = importlib.import_module(module_name)
        check_parser = sub.add_parser(name, help=module.HELP, description=DESCRIPTIONS[name],
                                      formatter_class=_formatter)
        module.add_arguments(check_parser)
        _common_options(check_parser, module)
        parser.set_defaults(_check_parser=check_parser)
    return parser


def apply_policy(findings: list[Finding], config: Config, cli_ignore: list[str]) -> list[Finding]:
    """Configured ignores, per-file ignores, inline directives and severity overrides,
    shared by every check (the paths check reads its own files' directives as it scans)."""
    from mlgate.suppress import apply_inline

    kept = []
    cli = set(cli_ignore)
    for finding in findings:
        code = finding.code
        if code in cli:
            continue
        if (code in config.ignore or config.per_file_ignores) and code in config.ignored_codes_for(
            relative_to(finding.path, config.root)
        ):
            continue
        level = config.severity.get(code)
        if level == "off":
            continue
        if level:
            finding.severity = level
        kept.append(finding)
    return apply_inline(kept, os.getcwd()) if kept else kept


def _error(args: argparse.Namespace, code: int, kind: str, message: str) -> int:
    """One line on stderr, and for machine formats a document on stdout that says the run
    did not complete (a consumer must never read an empty stdout as "no findings")."""
    print(f"mlgate: error: {message}", file=sys.stderr)
    fmt = getattr(args, "format", "text")
    try:
        if fmt == "json":
            from mlgate.report import json_text

            print(json_text({"error": {"kind": kind, "message": message, "exit_code": code}},
                            sys.stdout))
        elif fmt == "sarif":
            from mlgate.report import json_text, sarif_log

            log = sarif_log([], args.command)
            log["runs"][0]["invocations"] = [{
                "executionSuccessful": False, "exitCode": code,
                "toolExecutionNotifications": [{"level": "error",
                                                "message": {"text": message},
                                                "descriptor": {"id": kind}}]}]
            print(json_text(log, sys.stdout))
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        pass
    return code


def _say_whose_environment(command: str) -> None:
    """Which interpreter's packages the findings judged, when any: under pre-commit the
    environment is found, not given, and a wrong one reads as a wall of lock findings."""
    chosen = sys.modules.get("mlgate.environment")
    for python in getattr(chosen, "CHOSEN", ()):
        print(f"mlgate {command}: the project's environment judged: {python.executable}"
              f" (from {python.reason}; `mlgate env` says where else it looked)",
              file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Every command, with what no command may end in: a traceback because the report could
    not be written (stdout on a full disk, a pipe closed early by `head`), or an empty
    stdout for --format json/sarif when the command line itself is wrong."""
    gate = sys.modules.get("mlgate.artifacts.gate")
    if gate is not None:  # a run in a process that ran others (tests): notes said once a run
        del gate._TOLD[:]
    environment = sys.modules.get("mlgate.environment")
    if environment is not None:
        del environment.CHOSEN[:]
    if sys.stderr is None:  # fd 2 closed: print(file=None) would write to stdout instead
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the process's lifetime
    if sys.stdout is None:  # fd 1 closed (`mlgate paths >&-`): Python sets it to None
        print("mlgate: error: cannot write the report: standard output is closed",
              file=sys.stderr)
        return EXIT_USAGE
    restore = _on_terminate()
    stderr = sys.stderr
    try:
        return _guarded(argv)
    finally:
        restore()
        _kill_probes()  # none outlives the run, however it ended (Ctrl-C: 130)
        cache = sys.modules.get("mlgate.artifacts.cache")
        if cache is not None:  # --no-cache holds for its run only (tests run many)
            cache.Cache.disabled = False
        if isinstance(sys.stderr, InertStream) and sys.stderr._stream is stderr:
            sys.stderr = stderr  # (a run inside another program: tests)


def _on_terminate():
    """While a command runs: SIGTERM (`timeout`, a CI job cancelled) and SIGHUP (a closed
    terminal) first kill the probes it started, each in a session of its own, then end
    mlgate as the signal does. Without it
    a probe ran the project's code for two more minutes (reliability round 32). Returns what
    puts the previous handler back (a run inside another program: tests)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or (
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        return lambda: None

    def terminated(signum, frame):
        probe = sys.modules.get("mlgate.probe")
        if probe is not None and probe.defer_signal(signum):
            return  # a probe being started: again once it is recorded, then killed too
        _kill_probes()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    # SIGHUP too: a closed terminal (reliability round 33); Ctrl-C is KeyboardInterrupt
    hangup = getattr(signal, "SIGHUP", None)
    previous = signal.getsignal(hangup) if hangup is not None else None
    signal.signal(signal.SIGTERM, terminated)
    if hangup is not None and previous is signal.SIG_DFL:
        signal.signal(hangup, terminated)

    def restore() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if hangup is not None and previous is signal.SIG_DFL:
            signal.signal(hangup, signal.SIG_DFL)

    return restore


def _kill_probes() -> None:
    """Every probe this run started, killed with its session (a signal, Ctrl-C)."""
    probe = sys.modules.get("mlgate.probe")
    if probe is not None:
        probe._kill_all()


def _guarded(argv: Sequence[str] | None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at exit, where a failure is a traceback
        return code
    except SystemExit as exc:  # argparse: usage on stderr, exit 2
        if exc.code == EXIT_USAGE:
            words = list(sys.argv[1:] if argv is None else argv)
            fmt = next((w.split("=", 1)[1] for w in words if w.startswith("--format=")),
                       None) or next((b for a, b in zip(words, words[1:]) if a == "--format"),
                                     "text")
            if fmt in ("json", "sarif"):
                command = next((w for w in words if w in CHECKS), "mlgate")
                return _error(argparse.Namespace(format=fmt, command=command), EXIT_USAGE,
                              "usage",
                              "invalid command line (see the usage above)")
        raise
    except BrokenPipeError:  # `mlgate rule --all | head`: the reader has what it wanted
        _silence_stdout()
        return EXIT_USAGE
    except OSError as exc:  # stdout on /dev/full, or a closed stream
        _silence_stdout()
        print(f"mlgate: error: cannot write the report: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_USAGE


def _silence_stdout() -> None:
    """What is left in stdout's buffer goes nowhere: the interpreter's flush at exit must
    not fail a second time, as a traceback."""
    try:  # noqa: SIM105 - contextlib would cost every hook run an import
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _files_as_files(argv: list[str]) -> list[str]:
    """Under pre-commit, the staged files' names come last on the command line, after the
    hook's arguments, with no `--` between: a committed file named `--exit-zero` (or
    `--ignore=MLG301`) was read as that option and turned the hook off (reliability round
    34). There, a word that names a file in the folder is that file (`./--exit-zero`)."""
    if os.environ.get("PRE_COMMIT") != "1":
        return argv
    return [argv[0], *(f"./{word}" if word.startswith("-") and os.path.lexists(word)
                       else word for word in argv[1:])] if argv else argv


def _main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # A file name that is not UTF-8, or a strict ASCII locale, must not end in a
        # traceback halfway through the report: what cannot be encoded is escaped.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:  # noqa: SIM105 - contextlib would cost every hook run an import
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    argv = _files_as_files(list(sys.argv[1:] if argv is None else argv))
    from mlgate.files import settle_git_environment

    settle_git_environment()  # a git hook's GIT_DIR / GIT_INDEX_FILE, from any folder
    parser = build_parser(argv)
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # the check's own usage, not the top-level one
        getattr(args, "_check_parser", parser).error(
            f"unrecognized arguments: {' '.join(unknown)}")
    # From here on, what mlgate says on stderr (verbose lines, notes) quotes committed file
    # names and what loads say: made inert like a finding (sandbox review round 33: a file
    # named with a newline and `::error::` wrote a GitHub workflow command into the log).
    if not isinstance(sys.stderr, InertStream):
        sys.stderr = InertStream(sys.stderr)
    for name, default in _COMMON_DEFAULTS.items():  # what a command does not take
        if not hasattr(args, name):
            setattr(args, name, list(default) if isinstance(default, list) else default)
    for name, value in sorted(vars(args).items()):
        # an option given an empty value (`--trusted-config "$BASE"` with BASE unset) is
        # no option left out: with it, the work tree's configuration ruled a pull request's
        # check (reliability round 37); `--python ''`, `--sample ''` were ignored too
        if isinstance(value, str) and not value.strip() and not name.startswith("_"):
            flag = "--" + name.replace("_", "-")
            return _error(args, EXIT_USAGE, "usage", f"{flag} is empty: give it a value, or"
                          " leave the option out")
    if getattr(args, "no_cache", False):  # for this run only (main resets it); imported
        from mlgate.artifacts.cache import Cache  # only then: hook start-up stays lean

        Cache.disabled = True
    given_trusted = args.trusted_config  # (MLGATE_TRUSTED_CONFIG="" is unset: a push
    # build's empty base branch, where the checkout itself is what was pushed)
    args.trusted_config = args.trusted_config or os.environ.get("MLGATE_TRUSTED_CONFIG") or None
    # (--trusted-config REV --config FILE reads FILE from REV; the variable sets a default
    # for CI, which --no-config overrides: only the flags conflict)
    for first, second in (("config", "no_config"), ("trusted_config", "no_config")):
        chosen = given_trusted if first == "trusted_config" else getattr(args, first, None)
        if chosen and getattr(args, second, None):
            return _error(args, EXIT_USAGE, "usage", f"--{first.replace('_', '-')} and"
                          f" --{second.replace('_', '-')} cannot both be honoured: choose one")
    try:
        from mlgate.config import check_codes

        check_codes(args.ignore, "--ignore")
        module = importlib.import_module(CHECKS[args.command])
        execute = getattr(module, "execute", None)
        if execute is not None:  # audit reads its folder's own configuration and reports
            return execute(args)
        if args.no_config:
            config = Config(root=os.getcwd())
        else:
            config = load_config(args.config, trusted=args.trusted_config)
            if args.verbose and args.trusted_config:
                print(f"mlgate: {trusted_config_note(config, args.trusted_config)}",
                      file=sys.stderr)
        if args.config or args.no_config:  # one configuration, chosen for the whole run
            scoped = [(apply_policy(list(module.run(args, config)), config, args.ignore),
                       config)]
        else:  # each nested project under its own [tool.mlgate] (mlgate.scopes)
            from mlgate.scopes import run_scoped

            scoped = run_scoped(module, args, config,
                                lambda found, used: apply_policy(found, used, args.ignore))
        findings = [finding for found, _ in scoped for finding in found]
    except UsageError as exc:
        return _error(args, EXIT_USAGE, "usage", str(exc))
    except EnvironmentFailure as exc:
        if getattr(exc, "kind", "") == "missing":  # no such interpreter: configuration
            return _error(args, EXIT_USAGE, "usage", str(exc))
        return _error(args, EXIT_ENVIRONMENT, "environment", f"{exc} (the project's"
                      " environment failed, not a finding about its files: run it by hand"
                      " to see why, or point mlgate at another one with --python)")
    except MemoryError:  # `ulimit -v`, or a machine out of memory: one line, not a traceback
        return _error(args, EXIT_USAGE, "usage", "out of memory (a memory limit such as"
                      " `ulimit -v` is lower than this run needs)")
    except KeyboardInterrupt:  # Ctrl-C: the probes end with mlgate (reliability round 33)
        _kill_probes()
        return 130
    try:
        # each project's snippet from its own configuration (reliability round 39 F6: a
        # service's allow list was built from the root's, and pasting it dropped its own)
        settle = getattr(module, "settle_snippet_hints", None)
        if settle is not None:
            for found, used in scoped:
                settle(found, used, args.format)
        emit(findings, args.format, args.command, args.color)
        trailer = getattr(module, "trailer", None)  # what to paste, after the report
        if trailer is not None and args.format == "text":
            for found, used in scoped:
                note = trailer(found, used)
                if note:
                    sys.stdout.write(note + "\n")
        sys.stdout.flush()
        if findings and args.format == "text":  # after the report, in a merged stream too
            _say_whose_environment(args.command)
    except BrokenPipeError:
        sys.stderr.close()
    except OSError as exc:  # a full disk, /dev/full: the report was not delivered
        print(f"mlgate: error: cannot write the report: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_USAGE
    failing = [f for found, used in scoped for f in found
               if f.severity == "error" or (args.fail_on or used.fail_on) == "warning"]
    if failing and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main())
