"""The rule table is an interface: stable ids, each documented with how to fix it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from covet.lint.finding import SEVERITIES
from covet.lint.rules import INPUT_RULES, RULES, make_finding

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli" / "validate.md"

# Removing or renaming an id breaks users' CI configuration: this list only ever grows.
STABLE_IDS = {
    "config-invalid", "spec-unreadable", "spec-invalid", "spec-unsupported", "ref-unresolved",
    "operation-invalid", "operation-id-missing", "operation-id-duplicate", "route-conflict",
    "path-param-undeclared", "path-param-not-in-template", "no-success-response",
    "security-scheme-undefined", "security-scheme-unconfigured", "handler-import-failed", "handler-missing",
    "handler-param-unknown", "handler-param-unreachable", "schema-unused", "example-invalid",
    "config-operation-unknown", "integer-param-unbounded", "body-rule-field-unknown",
    "error-body-mismatch", "media-type-no-codec",
}


def test_rule_ids_are_the_stable_list() -> None:
    assert set(RULES) == STABLE_IDS


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_is_kebab_case_with_a_severity_summary_and_fix(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.id)
    assert rule.severity in SEVERITIES
    assert rule.summary and rule.fix


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_is_documented(rule_id: str) -> None:
    assert f"### `{rule_id}`" in DOCS.read_text(encoding="utf-8")


def test_input_rules_are_errors() -> None:
    assert all(RULES[rule].severity == "error" for rule in INPUT_RULES)


def test_make_finding_uses_the_default_severity() -> None:
    assert make_finding("schema-unused", "m").severity == "warning"
    with pytest.raises(KeyError):
        make_finding("no-such-rule", "m")
