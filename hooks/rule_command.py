"""`mlgate rule CODE`: what a rule flags and what to do about it, as `ruff rule` prints it.

Read from the rule registry (`mlgate.rules_catalog`), which an installed mlgate carries; the
full pages with examples and the deliberate exceptions are docs/rules.md.
"""

from __future__ import annotations

import argparse
import sys

from mlgate.finding import UsageError

NAME = "rule"
# It reads no project and reports no findings: only the output format applies.
OPTIONS = ("format",)
FORMATS = ("text", "json")
HELP = "explain a rule code (what it flags, its default severity, what to do)"
FAMILIES = {"0": "any check", "1": "mlgate paths (hook no-absolute-paths)",
            "2": "mlgate lock (hook check-lock)", "3": "mlgate artifact (hook check-artifact)",
            "4": "mlgate schema (hook check-schema)", "5": "mlgate latency (hook check-latency)"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", nargs="?", metavar="CODE", help="a rule code, e.g. MLG101")
    parser.add_argument("--all", action="store_true", help="list every rule")


def _page(code: str) -> dict:
    from mlgate.rules_catalog import RULES, plain

    rule = RULES[code]
    return {"code": code, "check": FAMILIES.get(code[3], ""), "severity": rule.severity,
            "summary": plain(rule.summary), "description": rule.description,
            "what_to_do": plain(rule.fix), "severity_varies": plain(rule.severity_note),
            "why": plain(rule.why), "not_flagged": plain(rule.not_flagged)}


def execute(args: argparse.Namespace) -> int:
    """Print one rule's page, or every rule's summary with --all; exit 2 for an unknown code."""
    from mlgate.report import json_text
    from mlgate.rules_catalog import RULES

    if args.all or not args.code:
        if not args.all:
            raise UsageError("name a rule code (e.g. `mlgate rule MLG101`), or --all")
        pages = [_page(code) for code in sorted(RULES)]
        if args.format == "json":
            print(json_text(pages, sys.stdout))
        else:
            for page in pages:
                print(f"{page['code']}  {page['severity']:<7}  {page['summary']}")
        return 0
    code = args.code.upper()
    if code not in RULES:
        raise UsageError(f"{args.code}: no such rule (`mlgate rule --all` lists them)")
    page = _page(code)
    if args.format == "json":
        print(json_text(page, sys.stdout))
        return 0
    print(f"{code}: {page['summary']}")
    print(f"  check     {page['check']}")
    varies = f" {page['severity_varies']}" if page["severity_varies"] else ""
    print(f"  severity  {page['severity']}{varies} (by default; [tool.mlgate] severity changes"
          " it)")
    print(f"\n{page['description']}")
    if page["why"]:
        print(f"\nWhy it matters: {page['why']}")
    if page["what_to_do"]:
        print(f"\nWhat to do: {page['what_to_do']}")
    if page["not_flagged"]:
        print(f"\nNot flagged: {page['not_flagged']}")
    print(f"\nSuppress on its line with `# mlgate: ignore[{code}]`, or in configuration with"
          f' ignore = ["{code}"].')
    return 0
