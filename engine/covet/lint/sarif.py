"""Findings as a SARIF 2.1.0 log (GitHub code scanning, IDEs, other SARIF viewers).

One run; the driver lists every rule (id, summary, help, default level); each result names its
rule, the file (relative to ``%SRCROOT%`` when it is inside the base directory), the start
line, and the JSON pointer both as a logical location and as the ``jsonPointer`` property.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from covet.lint.finding import Finding
from covet.lint.rules import RULES

__all__ = ["SARIF_SCHEMA", "SARIF_VERSION", "sarif_log"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_ROOT = "%SRCROOT%"
_RULE_INDEX = {rule_id: index for index, rule_id in enumerate(RULES)}


def sarif_log(
    findings: Sequence[Finding],
    base_dir: str,
    display_path: Callable[[str | None, str], str | None],
) -> dict[str, Any]:
    """The SARIF document (a dict ready for JSON)."""
    from covet import __version__

    driver = {
        "name": "covet validate",
        "version": __version__,
        "rules": [_rule(rule_id) for rule_id in RULES],
    }
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {_ROOT: {"uri": Path(base_dir).resolve().as_uri() + "/"}},
        "results": [_result(finding, base_dir, display_path) for finding in findings],
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "help": {"text": rule.fix},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
    }


def _result(
    finding: Finding, base_dir: str, display_path: Callable[[str | None, str], str | None]
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
    }
    if finding.rule in _RULE_INDEX:
        result["ruleIndex"] = _RULE_INDEX[finding.rule]
    location = _location(finding, display_path(finding.file, base_dir))
    if location:
        result["locations"] = [location]
    if finding.pointer is not None:
        result["properties"] = {"jsonPointer": finding.pointer}
    return result


def _location(finding: Finding, shown: str | None) -> dict[str, Any]:
    location: dict[str, Any] = {}
    if shown is not None:
        if Path(shown).is_absolute():
            artifact: dict[str, Any] = {"uri": Path(shown).as_uri()}
        else:
            artifact = {"uri": quote(shown), "uriBaseId": _ROOT}
        physical: dict[str, Any] = {"artifactLocation": artifact}
        if finding.line is not None and finding.line >= 1:
            physical["region"] = {"startLine": finding.line}
        location["physicalLocation"] = physical
    if finding.pointer is not None:
        location["logicalLocations"] = [
            {"fullyQualifiedName": finding.pointer or "/", "kind": "member"}
        ]
    return location
