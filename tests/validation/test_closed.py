"""unevaluatedProperties: false over plain compositions reports only the real errors."""

from __future__ import annotations

from typing import Any

import jsonschema

from covet.validation import SchemaCompiler

from .fakespec import ROOT, spec_with

COMPONENTS = {
    "User": {
        "type": "object",
        "required": ["email"],
        "properties": {"email": {"type": "string", "format": "email"}, "name": {"type": "string", "minLength": 1}},
    },
    "Audit": {"type": "object", "properties": {"source": {"type": "string"}}},
}
CLOSED = {"allOf": [{"$ref": "#/components/schemas/User"}, {"$ref": "#/components/schemas/Audit"}],
          "unevaluatedProperties": False}


def errors(schema: dict[str, Any], value: Any) -> list[tuple[str, str]]:
    spec = spec_with(COMPONENTS)
    validator = SchemaCompiler(spec).validator(schema, base=ROOT, pointer="/x", direction="request", location="body")
    return [(e["field"], e["code"]) for e in validator.errors(value)]


def test_one_bad_field_is_one_error_not_one_per_property() -> None:
    assert errors(CLOSED, {"email": "nope", "name": "Ada", "source": "web"}) == [("email", "format")]


def test_an_unknown_property_is_still_refused() -> None:
    assert errors(CLOSED, {"email": "a@example.com", "nickname": "x"}) == [("nickname", "additionalProperties")]


def test_verdicts_agree_with_the_reference_validator() -> None:
    spec = spec_with(COMPONENTS)
    compiled = SchemaCompiler(spec).compile(CLOSED, base=ROOT, pointer="/x", direction="request")
    reference = {"$defs": {"User": COMPONENTS["User"], "Audit": COMPONENTS["Audit"]},
                 "allOf": [{"$ref": "#/$defs/User"}, {"$ref": "#/$defs/Audit"}], "unevaluatedProperties": False}
    for value in ({"email": "a@example.com"}, {"email": "a@example.com", "x": 1}, {"name": ""},
                  {"email": "a@example.com", "source": 3}, {"email": "a@example.com", "source": "s"}):
        ours = not errors(CLOSED, value)
        theirs = jsonschema.Draft202012Validator(reference).is_valid(value)
        assert ours == theirs, (value, compiled)


def test_conditional_members_keep_the_annotation_rule() -> None:
    conditional = {"anyOf": [{"properties": {"a": {"type": "string"}}}], "unevaluatedProperties": False}
    assert errors(conditional, {"a": "x", "b": 1}) == [("b", "unevaluatedProperties")]
