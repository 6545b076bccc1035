"""Differential: SchemaValidator's verdict equals the reference ``jsonschema`` library's.

Both run the *same compiled document*, so this pins jsonschema-rs (and our error collection)
to the reference implementation of JSON Schema 2020-12, formats included.

NOTE: ``uri`` is left out: the reference checks it only with the optional ``rfc3987`` package,
which the project does not install; test_schema.py covers ``uri`` directly. Email cases stay
where both agree (the reference only asks for an "@").
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from covet.validation import SchemaCompiler, SchemaValidator

from .fakespec import ROOT, spec_with

FORMATS = ["email", "uuid", "date", "date-time", "ipv4", "ipv6"]

NODE = {"type": "object", "required": ["v"], "properties": {
    "v": {"type": "integer"},
    "kids": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}
CAT = {"type": "object", "required": ["kind", "lives"], "properties": {
    "kind": {"type": "string"}, "lives": {"type": "integer", "minimum": 0}}}
DOG = {"type": "object", "required": ["kind"], "properties": {
    "kind": {"type": "string"}, "bark": {"type": "boolean"}}}
SCHEMAS = {"Node": NODE, "Cat": CAT, "Dog": DOG}
PET = {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
       "discriminator": {"propertyName": "kind"}}
USER = {"type": "object", "required": ["id", "name"], "properties": {
    "id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}}}

# (id, dialect, schema, instance)
CASES: list[tuple[str, str, Any, Any]] = [
    ("integral-float-is-integer", "3.1", {"type": "integer"}, 1.0),
    ("bool-is-not-integer", "3.1", {"type": "integer"}, True),
    ("string-is-not-integer", "3.1", {"type": "integer"}, "5"),
    ("big-int-over-maximum", "3.1", {"type": "integer", "maximum": 2**63 - 1}, 2**64),
    ("big-int-is-integer", "3.1", {"type": "integer"}, 2**70),
    ("negative-zero", "3.1", {"type": "number", "minimum": 0}, -0.0),
    ("enum-true-is-not-1", "3.1", {"enum": [1, 2]}, True),
    ("enum-1.0-equals-1", "3.1", {"enum": [1]}, 1.0),
    ("const-false-is-not-0", "3.1", {"const": False}, 0),
    ("const-object-order-irrelevant", "3.1", {"const": {"a": 1, "b": 2}}, {"b": 2, "a": 1}),
    ("unique-1-and-1.0", "3.1", {"uniqueItems": True}, [1, 1.0]),
    ("unique-1-and-true", "3.1", {"uniqueItems": True}, [1, True]),
    ("unique-nested-objects", "3.1", {"uniqueItems": True}, [{"a": [1]}, {"a": [1.0]}]),
    ("maxlength-counts-code-points", "3.1", {"maxLength": 1}, "😀"),
    ("minlength-counts-code-points", "3.1", {"minLength": 2}, "😀"),
    ("pattern-is-a-search", "3.1", {"pattern": "b"}, "abc"),
    ("pattern-anchored", "3.1", {"pattern": "^b"}, "abc"),
    ("multipleof-decimal", "3.1", {"multipleOf": 0.5}, 2.5),
    ("multipleof-integer", "3.1", {"multipleOf": 3}, 10),
    ("format-ignores-non-strings", "3.1", {"format": "email"}, 5),
    ("email-without-at", "3.1", {"format": "email"}, "ann.example.com"),
    ("uuid-uppercase", "3.1", {"format": "uuid"}, "550E8400-E29B-41D4-A716-446655440000"),
    ("uuid-without-hyphens", "3.1", {"format": "uuid"}, "550e8400e29b41d4a716446655440000"),
    ("date-not-leap-year", "3.1", {"format": "date"}, "2023-02-29"),
    ("date-leap-year", "3.1", {"format": "date"}, "2024-02-29"),
    ("date-time-without-offset", "3.1", {"format": "date-time"}, "2024-01-31T12:00:00"),
    ("date-time-lowercase", "3.1", {"format": "date-time"}, "2024-01-31t12:00:00z"),
    ("date-time-offset", "3.1", {"format": "date-time"}, "2024-01-31T12:00:00.5+02:00"),
    ("ipv4-leading-zero", "3.1", {"format": "ipv4"}, "01.2.3.4"),
    ("ipv4-out-of-range", "3.1", {"format": "ipv4"}, "1.2.3.256"),
    ("ipv6-double-gap", "3.1", {"format": "ipv6"}, "1::2::3"),
    ("ipv6-mapped-v4", "3.1", {"format": "ipv6"}, "::ffff:192.0.2.1"),
    ("nullable-30-null", "3.0", {"type": "string", "nullable": True}, None),
    ("nullable-30-enum-null", "3.0", {"type": "string", "enum": ["a"], "nullable": True}, None),
    ("not-nullable-30-null", "3.0", {"type": "string"}, None),
    ("nullable-30-allof-null", "3.0", {"nullable": True, "allOf": [{"type": "object"}]}, None),
    ("nullable-30-allof-wrong", "3.0", {"nullable": True, "allOf": [{"type": "object"}]}, 3),
    ("exclusive-bool-30-edge", "3.0", {"minimum": 5, "exclusiveMinimum": True}, 5),
    ("exclusive-bool-30-inside", "3.0", {"minimum": 5, "exclusiveMinimum": True}, 5.01),
    ("type-array-31", "3.1", {"type": ["string", "null"]}, None),
    ("recursive-deep-valid", "3.1", {"$ref": "#/components/schemas/Node"},
     {"v": 1, "kids": [{"v": 2, "kids": [{"v": 3, "kids": [{"v": 4, "kids": [{"v": 5}]}]}]}]}),
    ("recursive-deep-invalid", "3.1", {"$ref": "#/components/schemas/Node"},
     {"v": 1, "kids": [{"v": 2, "kids": [{"v": 3, "kids": [{"v": 4, "kids": [{}]}]}]}]}),
    ("discriminator-valid", "3.1", PET, {"kind": "Cat", "lives": 3}),
    ("discriminator-branch-error", "3.1", PET, {"kind": "Cat", "lives": -1}),
    ("discriminator-unknown", "3.1", PET, {"kind": "Cow"}),
    ("discriminator-not-object", "3.1", PET, ["Cat"]),
    ("read-only-sent", "3.1", USER, {"id": 1, "name": "a"}),
    ("read-only-omitted", "3.1", USER, {"name": "a"}),
    ("additional-false-with-pattern-properties", "3.1",
     {"properties": {"a": {}}, "patternProperties": {"^x-": {}}, "additionalProperties": False},
     {"a": 1, "x-b": 2}),
    ("unevaluated-with-allof", "3.1",
     {"allOf": [{"properties": {"a": {}}}], "unevaluatedProperties": False}, {"a": 1, "b": 2}),
    ("prefix-items-then-false", "3.1",
     {"prefixItems": [{"type": "integer"}], "items": False}, [1, 2]),
    ("min-contains", "3.1", {"contains": {"type": "string"}, "minContains": 2}, ["a", 1, "b"]),
    ("dependent-required", "3.1", {"dependentRequired": {"card": ["cvv"]}}, {"card": "1"}),
    ("property-names", "3.1", {"propertyNames": {"maxLength": 2}}, {"abc": 1}),
    ("one-of-two-match", "3.1", {"oneOf": [{"type": "integer"}, {"minimum": 0}]}, 1),
    ("if-then-else", "3.1",
     {"if": {"properties": {"t": {"const": "a"}}}, "then": {"required": ["x"]},
      "else": {"required": ["y"]}}, {"t": "b", "x": 1}),
    ("empty-object-required", "3.1", {"required": ["a"]}, {}),
    ("nested-array-items", "3.1",
     {"type": "array", "items": {"type": "array", "minItems": 1, "items": {"type": "number"}}},
     [[1, 2.5], [], ["x"]]),
]


def _compiled(dialect: str, schema: Any) -> dict[str, Any]:
    spec = spec_with({"Subject": schema, **SCHEMAS}, dialect=dialect)
    return SchemaCompiler(spec).compile(
        schema, base=ROOT, pointer="/components/schemas/Subject", direction="request")


def _reference_verdict(compiled: dict[str, Any], instance: Any) -> bool:
    checker = jsonschema.FormatChecker(formats=FORMATS)
    return jsonschema.Draft202012Validator(compiled, format_checker=checker).is_valid(instance)


@pytest.mark.parametrize(("dialect", "schema", "instance"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_verdict_matches_the_reference_implementation(
    dialect: str, schema: Any, instance: Any
) -> None:
    compiled = _compiled(dialect, schema)
    ours = SchemaValidator(compiled, location="body")
    errors = ours.errors(instance)
    assert ours.is_valid(instance) == _reference_verdict(compiled, instance)
    assert (errors == []) == ours.is_valid(instance)


def test_the_case_set_has_both_verdicts() -> None:
    verdicts = {_reference_verdict(_compiled(d, s), i) for _id, d, s, i in CASES}
    assert verdicts == {True, False}
    assert len(CASES) >= 40
