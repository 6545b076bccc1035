"""Shared by the covet.lint tests: the fixture folder and small finders."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from covet.lint import Finding, validate_specs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lint"
CLEAN_HANDLERS = "tests.fixtures.lint.clean_handlers"
BINDING_HANDLERS = "tests.fixtures.lint.binding_handlers"


def fixture(name: str) -> str:
    return str(FIXTURES / name)


def lint(
    *names: str, handlers: str | None = None, providers: Collection[str] = ()
) -> list[Finding]:
    """``validate_specs`` over fixture files."""
    return validate_specs([fixture(name) for name in names], handlers, providers=providers)


def of_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [finding for finding in findings if finding.rule == rule]


def rules_of(findings: list[Finding]) -> set[str]:
    return {finding.rule for finding in findings}
