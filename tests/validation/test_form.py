"""application/x-www-form-urlencoded bodies: coerced by the body schema, then checked by it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from covet.validation import SchemaCompiler, build_form_decoder

from .fakespec import ROOT, spec_with

POINTER = "/paths/~1signup/post/requestBody/content/application~1x-www-form-urlencoded/schema"
SIGNUP = {"type": "object", "required": ["name", "age"], "properties": {
    "name": {"type": "string"},
    "age": {"type": "integer", "minimum": 18},
    "newsletter": {"type": "boolean"},
    "tags": {"type": "array", "items": {"type": "string"}},
    "scores": {"type": "array", "items": {"type": "number"}},
    "address": {"type": "object", "properties": {"zip": {"type": "string"}}}}}


def submit(
    body: str,
    schema: Any = SIGNUP,
    encoding: Mapping[str, Any] | None = None,
    schemas: Mapping[str, Any] | None = None,
) -> tuple[Any, list[dict[str, Any]]]:
    """Decode ``body`` like the endpoint does, then run the body validator on the result."""
    compiler = SchemaCompiler(spec_with(schemas))
    decode = build_form_decoder(schema, base=ROOT, pointer=POINTER, compiler=compiler,
                                encoding=encoding)
    value, errors = decode(parse_qs(body, keep_blank_values=True))
    check = compiler.validator(schema, base=ROOT, pointer=POINTER, direction="request",
                               location="body")
    return value, errors + check.errors(value)


def test_fields_are_coerced_by_the_property_types() -> None:
    assert submit("name=Ann&age=30&newsletter=true") == (
        {"name": "Ann", "age": 30, "newsletter": True}, [])


def test_arrays_are_repeated_keys() -> None:
    value, errors = submit("name=A&age=20&tags=a&tags=b&scores=1.5&scores=2")
    assert (value["tags"], value["scores"], errors) == (["a", "b"], [1.5, 2], [])


def test_encoding_explode_false_splits_by_the_style_delimiter() -> None:
    encoding = {"tags": {"style": "form", "explode": False},
                "scores": {"style": "pipeDelimited", "explode": False}}
    value, _errors = submit("name=A&age=20&tags=a,b&scores=1|2", encoding=encoding)
    assert (value["tags"], value["scores"]) == (["a", "b"], [1, 2])


def test_object_properties_are_parsed_as_json() -> None:
    value, errors = submit('name=A&age=20&address={"zip":"12345"}')
    assert (value["address"], errors) == ({"zip": "12345"}, [])


def test_json_content_type_encoding_parses_the_field() -> None:
    schema = {"type": "object", "properties": {"meta": {}}}
    value, _errors = submit('meta=[1,2]', schema, {"meta": {"contentType": "application/json"}})
    assert value == {"meta": [1, 2]}


def test_text_that_does_not_coerce_is_reported_once_by_the_body_check() -> None:
    value, errors = submit("name=A&age=old&tags=x&newsletter=yes")
    assert value["age"] == "old"
    assert [(e["field"], e["code"], e["location"], e["value"]) for e in errors] == [
        ("age", "type", "body", "old"), ("newsletter", "type", "body", "yes")]


def test_undeclared_fields_stay_text_and_meet_additional_properties() -> None:
    schema = {**SIGNUP, "additionalProperties": False}
    value, errors = submit("name=A&age=20&x=1&y=2&y=3", schema)
    assert (value["x"], value["y"]) == ("1", ["2", "3"])
    assert [(e["field"], e["code"]) for e in errors] == [
        ("x", "additionalProperties"), ("y", "additionalProperties")]


def test_the_schema_check_still_applies_after_coercion() -> None:
    _value, errors = submit("name=A&age=12")
    assert [(e["field"], e["code"], e["value"]) for e in errors] == [("age", "minimum", 12)]


def test_properties_come_through_refs_and_all_of() -> None:
    schema = {"allOf": [{"$ref": "#/components/schemas/Base"},
                        {"properties": {"count": {"type": "integer"}}}]}
    base = {"type": "object", "properties": {"active": {"type": "boolean"}}}
    value, errors = submit("active=false&count=3", schema, schemas={"Base": base})
    assert (value, errors) == ({"active": False, "count": 3}, [])
