"""SARIF 2.1.0: one run, every rule described, located results with the JSON pointer."""

from __future__ import annotations

import json
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from covet.lint import RULES, Finding, format_findings

FINDINGS = [
    Finding("route-conflict", "error", "clash", "/srv/api/open api.yaml", 11, "/paths/~1a/get"),
    Finding("schema-unused", "warning", "unused", "/elsewhere/x.yaml", None,
            "/components/schemas/X"),
    Finding("handler-import-failed", "error", "boom"),
]

# The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that this output uses, with
# their required properties and value constraints, written out so the test runs offline.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
_LOCATION = {
    "type": "object",
    "properties": {
        "physicalLocation": {
            "type": "object",
            "required": ["artifactLocation"],
            "properties": {
                "artifactLocation": {
                    "type": "object", "required": ["uri"],
                    "properties": {"uri": {"type": "string", "format": "uri-reference"},
                                   "uriBaseId": {"type": "string"}},
                },
                "region": {"type": "object", "required": ["startLine"],
                           "properties": {"startLine": {"type": "integer", "minimum": 1}}},
            },
        },
        "logicalLocations": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "properties": {"fullyQualifiedName": {"type": "string"},
                                                       "kind": {"type": "string"}}},
        },
    },
}
SARIF_SUBSET: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string"},
        "runs": {
            "type": "array", "minItems": 1, "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object", "required": ["driver"],
                        "properties": {"driver": {
                            "type": "object", "required": ["name", "rules"],
                            "properties": {"rules": {"type": "array", "items": {
                                "type": "object", "required": ["id", "shortDescription"],
                                "properties": {
                                    "id": {"type": "string"},
                                    "shortDescription": _MESSAGE,
                                    "help": _MESSAGE,
                                    "defaultConfiguration": {"type": "object", "properties": {
                                        "level": {"enum": ["none", "note", "warning", "error"]}}},
                                },
                            }}},
                        }},
                    },
                    "results": {"type": "array", "items": {
                        "type": "object",
                        "required": ["message", "ruleId"],
                        "properties": {
                            "ruleId": {"type": "string"},
                            "ruleIndex": {"type": "integer", "minimum": 0},
                            "level": {"enum": ["none", "note", "warning", "error"]},
                            "message": _MESSAGE,
                            "locations": {"type": "array", "items": _LOCATION},
                            "properties": {"type": "object"},
                        },
                    }},
                },
            },
        },
    },
}


def _log() -> dict[str, Any]:
    log: dict[str, Any] = json.loads(format_findings(FINDINGS, "sarif", base_dir="/srv"))
    return log


def test_sarif_log_validates_against_the_schema_subset() -> None:
    jsonschema.validate(_log(), SARIF_SUBSET, format_checker=jsonschema.FormatChecker())


def test_driver_lists_every_rule_with_its_default_level() -> None:
    rules = _log()["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(RULES)
    by_id = {rule["id"]: rule for rule in rules}
    assert by_id["schema-unused"]["defaultConfiguration"]["level"] == "warning"
    assert by_id["route-conflict"]["help"]["text"] == RULES["route-conflict"].fix


def test_results_reference_their_rule_and_location() -> None:
    first, second, third = _log()["runs"][0]["results"]
    rules = list(RULES)
    assert (first["ruleId"], rules[first["ruleIndex"]], first["level"]) == (
        "route-conflict", "route-conflict", "error",
    )
    (location,) = first["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "api/open%20api.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 11},
    }
    assert location["logicalLocations"] == [
        {"fullyQualifiedName": "/paths/~1a/get", "kind": "member"},
    ]
    assert first["properties"] == {"jsonPointer": "/paths/~1a/get"}
    assert second["level"] == "warning"
    assert second["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "file:///elsewhere/x.yaml"},
    }
    assert "locations" not in third and "properties" not in third


def test_src_root_is_the_base_directory() -> None:
    run = _log()["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///srv/"}}
