"""``covet validate``: check specs, handler bindings and covet.yaml; an exit status for CI.

    covet validate [-c specs/covet.yaml]
    covet validate openapi.yaml [more.yaml ...] [--handlers myapi.handlers]
                   [--format text|json|github|sarif] [--fail-on error|warning|info] [-o FILE]

Exit status: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 a usage error,
or input that cannot be checked (config unreadable or invalid, a spec file missing).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from covet.cli._common import DEFAULT_CONFIG

if TYPE_CHECKING:
    from covet.lint import Finding

__all__ = ["add_parser", "exit_status"]

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
# NOTE: covet.lint's FORMATS and SEVERITIES, spelled out so that building the parser (as `covet
# run` does) never imports the linter; tests/cli/test_imports.py pins them to covet.lint's.
FORMAT_NAMES = ("text", "json", "github", "sarif")
SEVERITY_NAMES = ("error", "warning", "info")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = commands.add_parser(
        "validate",
        help="check specs, handler bindings and covet.yaml (for CI)",
        description="Check specs, handler bindings and covet.yaml; see docs/cli/validate.md.",
    )
    validate.add_argument("specs", nargs="*", metavar="SPEC", help="spec files (instead of -c)")
    validate.add_argument("-c", "--config", help=f"covet.yaml (default: {DEFAULT_CONFIG})")
    validate.add_argument("--handlers", metavar="MODULE", help="handlers module for SPEC files")
    validate.add_argument(
        "--provider", action="append", default=[], metavar="NAME",
        help="a provider name handlers may take (db, cache...); repeatable",
    )
    validate.add_argument("--format", choices=list(FORMAT_NAMES), default="text", help="output format")
    validate.add_argument(
        "--fail-on", choices=list(SEVERITY_NAMES), default="error",
        help="lowest severity that fails the run (default: error)",
    )
    validate.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    validate.add_argument(
        "--no-cache", action="store_true",
        help="validate every spec afresh, ignoring the spec cache (see docs/config.md)",
    )
    validate.set_defaults(func=_validate)


def _validate(args: argparse.Namespace) -> int:
    problem = _usage_problem(args)
    if problem:
        print(f"covet validate: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    from covet.lint import format_findings  # NOTE: here, so only `covet validate` loads the linter

    started = time.perf_counter()
    findings = _findings(args)
    report = format_findings(findings, args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as stream:
                stream.write(report)
        except OSError as exc:
            print(f"covet validate: error: cannot write {args.output}: {exc.strerror}",
                  file=sys.stderr)
            return EXIT_USAGE
    else:
        sys.stdout.write(report)
    _notes(args, time.perf_counter() - started)
    return exit_status(findings, args.fail_on)


def _usage_problem(args: argparse.Namespace) -> str | None:
    if args.specs and args.config:
        return "give either -c/--config or SPEC files, not both"
    if args.handlers and not args.specs:
        return "--handlers applies to SPEC files; with a config, set apis[].handlers in it"
    return None


def _findings(args: argparse.Namespace) -> list[Finding]:
    from covet.lint import validate_config, validate_specs

    cache = not args.no_cache
    if args.specs:
        return validate_specs(args.specs, args.handlers, providers=args.provider, cache=cache)
    return validate_config(args.config or DEFAULT_CONFIG, providers=args.provider, cache=cache)


def _notes(args: argparse.Namespace, seconds: float) -> None:
    if args.specs and not args.handlers:
        print("covet validate: handler checks skipped; pass --handlers MODULE", file=sys.stderr)
    if args.format == "text":
        print(f"covet validate: checked in {seconds:.2f} s", file=sys.stderr)


def exit_status(findings: list[Finding], fail_on: str = "error") -> int:
    """2 when the input could not be checked, 1 when a finding reaches ``fail_on``, else 0."""
    from covet.lint.finding import is_at_least
    from covet.lint.rules import INPUT_RULES

    if any(finding.rule in INPUT_RULES for finding in findings):
        return EXIT_USAGE
    if any(is_at_least(finding.severity, fail_on) for finding in findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN
