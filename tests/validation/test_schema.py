"""SchemaCompiler + SchemaValidator: OpenAPI schemas in, DESIGN.md §6 error details out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from covet.errors import RefResolutionError, SpecError
from covet.validation import SchemaCompiler, SchemaValidator

from .fakespec import ROOT, spec_with

OTHER = "/specs/models/pets.yaml"


def validator(
    schema: Any,
    *,
    dialect: str = "3.1",
    direction: str = "request",
    schemas: Mapping[str, Any] | None = None,
    extra_files: Mapping[str, Any] | None = None,
) -> SchemaValidator:
    """A body validator for ``schema`` placed at #/components/schemas/Subject."""
    spec = spec_with({"Subject": schema, **(schemas or {})}, dialect=dialect,
                     extra_files=extra_files)
    return SchemaCompiler(spec).validator(
        schema, base=ROOT, pointer="/components/schemas/Subject",
        direction=direction, location="body",  # type: ignore[arg-type]
    )


def codes(errors: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in errors]


# -- OpenAPI 3.0 translation ------------------------------------------------------------------


def test_openapi30_nullable_adds_null_to_the_type() -> None:
    check = validator({"type": "string", "nullable": True, "minLength": 2}, dialect="3.0")
    assert check.errors(None) == []
    assert check.errors("ab") == []
    assert codes(check.errors("a")) == [("", "minLength")]
    assert codes(check.errors(5)) == [("", "type")]


def test_openapi30_without_nullable_rejects_null() -> None:
    assert codes(validator({"type": "string"}, dialect="3.0").errors(None)) == [("", "type")]


def test_openapi30_nullable_enum_accepts_null_but_not_other_values() -> None:
    check = validator({"type": "string", "enum": ["a", "b"], "nullable": True}, dialect="3.0")
    assert check.errors(None) == []
    assert codes(check.errors("c")) == [("", "enum")]


def test_openapi30_nullable_ref_accepts_null_and_reports_the_target_errors() -> None:
    schema = {"type": "object", "properties": {
        "owner": {"$ref": "#/components/schemas/User", "nullable": True}}}
    user = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
    check = validator(schema, dialect="3.0", schemas={"User": user})
    assert check.errors({"owner": None}) == []
    assert codes(check.errors({"owner": {}})) == [("owner.name", "required")]


def test_openapi30_nullable_allof_accepts_null() -> None:
    schema = {"nullable": True, "allOf": [{"type": "object", "required": ["id"]}]}
    check = validator(schema, dialect="3.0")
    assert check.errors(None) == []
    assert codes(check.errors({})) == [("id", "required")]


def test_openapi30_boolean_exclusive_bounds_become_numeric() -> None:
    check = validator({"type": "number", "minimum": 0, "exclusiveMinimum": True,
                       "maximum": 10, "exclusiveMaximum": True}, dialect="3.0")
    assert codes(check.errors(0)) == [("", "exclusiveMinimum")]
    assert codes(check.errors(10)) == [("", "exclusiveMaximum")]
    assert check.errors(0.5) == []
    assert check.errors(9.5) == []


def test_openapi30_false_exclusive_flag_keeps_the_inclusive_bound() -> None:
    check = validator({"type": "integer", "minimum": 1, "exclusiveMinimum": False}, dialect="3.0")
    assert check.errors(1) == []
    assert codes(check.errors(0)) == [("", "minimum")]


def test_openapi30_siblings_of_ref_are_ignored() -> None:
    schema = {"$ref": "#/components/schemas/Name", "maxLength": 1}
    check = validator(schema, dialect="3.0", schemas={"Name": {"type": "string"}})
    assert check.errors("long name") == []


def test_annotations_examples_and_extensions_are_dropped() -> None:
    spec = spec_with({"S": {"type": "string", "example": "x", "x-internal": True,
                            "description": "d", "format": "email"}}, dialect="3.0")
    doc = SchemaCompiler(spec).compile(spec.root["components"]["schemas"]["S"], base=ROOT,
                                       pointer="/components/schemas/S", direction="request")
    assert doc == {"$schema": "https://json-schema.org/draft/2020-12/schema",
                   "type": "string", "format": "email"}


# -- OpenAPI 3.1 ------------------------------------------------------------------------------


def test_openapi31_type_arrays() -> None:
    check = validator({"type": ["integer", "null"], "minimum": 1})
    assert check.errors(None) == []
    assert check.errors(3) == []
    assert check.errors("3")[0]["message"] == "Expected integer or null, got string"
    assert codes(check.errors(0)) == [("", "minimum")]


def test_openapi31_siblings_of_ref_apply() -> None:
    schema = {"$ref": "#/components/schemas/Name", "maxLength": 3}
    check = validator(schema, schemas={"Name": {"type": "string"}})
    assert codes(check.errors("long name")) == [("", "maxLength")]


# -- $ref across files, recursion -------------------------------------------------------------


def test_refs_across_files_and_local_refs_inside_the_second_file() -> None:
    pets = {"Pet": {"type": "object", "required": ["name"],
                    "properties": {"name": {"$ref": "#/Name"}, "tags": {
                        "type": "array", "items": {"$ref": "#/Tag"}}}},
            "Name": {"type": "string", "minLength": 1},
            "Tag": {"type": "string", "maxLength": 3}}
    schema = {"type": "array", "items": {"$ref": "models/pets.yaml#/Pet"}}
    check = validator(schema, extra_files={OTHER: pets})
    assert check.errors([{"name": "Rex", "tags": ["a"]}]) == []
    assert codes(check.errors([{"name": ""}, {"name": "x", "tags": ["long"]}, {}])) == [
        ("0.name", "minLength"), ("1.tags.0", "maxLength"), ("2.name", "required")]


def test_each_referenced_schema_is_copied_once_under_a_unique_key() -> None:
    pets = {"Pet": {"type": "object", "properties": {"same": {"$ref": "#/Pet"}}}}
    schema = {"type": "object", "properties": {
        "a": {"$ref": "#/components/schemas/Pet"}, "b": {"$ref": "#/components/schemas/Pet"},
        "c": {"$ref": "models/pets.yaml#/Pet"}}}
    spec = spec_with({"Subject": schema, "Pet": {"type": "string"}}, extra_files={OTHER: pets})
    doc = SchemaCompiler(spec).compile(schema, base=ROOT, pointer="/components/schemas/Subject",
                                       direction="request")
    assert sorted(doc["$defs"]) == ["Pet", "Pet_2"]
    assert doc["properties"]["a"] == doc["properties"]["b"] == {"$ref": "#/$defs/Pet"}
    assert doc["properties"]["c"] == {"$ref": "#/$defs/Pet_2"}
    assert doc["$defs"]["Pet_2"]["properties"]["same"] == {"$ref": "#/$defs/Pet_2"}


def test_recursive_tree_schema_validates_five_levels_deep() -> None:
    node = {"type": "object", "required": ["value"], "properties": {
        "value": {"type": "integer"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}
    check = validator({"$ref": "#/components/schemas/Node"}, schemas={"Node": node})
    tree: dict[str, Any] = {"value": 5}
    for depth in range(4, 0, -1):
        tree = {"value": depth, "children": [tree]}
    assert check.errors(tree) == []
    tree["children"][0]["children"][0]["children"][0]["children"][0]["value"] = "deep"
    deep = "children.0.children.0.children.0.children.0.value"
    assert codes(check.errors(tree)) == [(deep, "type")]


def test_compile_results_are_cached_per_location_and_direction() -> None:
    spec = spec_with({"S": {"type": "string"}})
    compiler = SchemaCompiler(spec)
    schema = spec.root["components"]["schemas"]["S"]
    where = {"base": ROOT, "pointer": "/components/schemas/S"}
    first = compiler.compile(schema, **where, direction="request")  # type: ignore[arg-type]
    again = compiler.compile(schema, **where, direction="request")  # type: ignore[arg-type]
    other = compiler.compile(schema, **where, direction="response")  # type: ignore[arg-type]
    assert first is again
    assert other is not first


# -- readOnly / writeOnly ---------------------------------------------------------------------

USER = {"type": "object", "required": ["id", "name", "password"], "properties": {
    "id": {"type": "integer", "readOnly": True},
    "name": {"type": "string"},
    "password": {"type": "string", "writeOnly": True}}}


@pytest.mark.parametrize("dialect", ["3.0", "3.1"])
def test_read_only_property_is_rejected_in_a_request_and_not_required(dialect: str) -> None:
    check = validator(USER, dialect=dialect, direction="request")
    assert check.errors({"name": "ann", "password": "pw"}) == []
    assert check.errors({"id": 1, "name": "ann", "password": "pw"}) == [{
        "field": "id", "location": "body", "pointer": "/id",
        "message": "Read-only property; it must not be sent in a request",
        "code": "readOnly", "value": 1}]


@pytest.mark.parametrize("dialect", ["3.0", "3.1"])
def test_write_only_property_is_rejected_in_a_response_and_not_required(dialect: str) -> None:
    check = validator(USER, dialect=dialect, direction="response")
    assert check.errors({"id": 1, "name": "ann"}) == []
    assert codes(check.errors({"id": 1, "name": "ann", "password": "pw"})) == [
        ("password", "writeOnly")]


def test_read_only_is_required_in_a_response_and_write_only_in_a_request() -> None:
    assert codes(validator(USER, direction="response").errors({"name": "ann"})) == [
        ("id", "required")]
    assert codes(validator(USER, direction="request").errors({"name": "ann"})) == [
        ("password", "required")]


def test_read_only_set_on_the_referenced_schema_counts() -> None:
    schema = {"type": "object", "properties": {"id": {"$ref": "#/components/schemas/Id"}}}
    check = validator(schema, schemas={"Id": {"type": "integer", "readOnly": True}})
    assert codes(check.errors({"id": 1})) == [("id", "readOnly")]


# -- discriminator ----------------------------------------------------------------------------

PETS = {
    "Cat": {"type": "object", "required": ["petType", "lives"], "properties": {
        "petType": {"type": "string"}, "lives": {"type": "integer", "maximum": 9}}},
    "Dog": {"type": "object", "required": ["petType", "bark"], "properties": {
        "petType": {"type": "string"}, "bark": {"type": "string", "enum": ["loud", "soft"]}}},
}
PET = {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
       "discriminator": {"propertyName": "petType"}}


@pytest.mark.parametrize("keyword", ["oneOf", "anyOf"])
def test_discriminator_reports_only_the_selected_branch_errors(keyword: str) -> None:
    check = validator({keyword: PET["oneOf"], "discriminator": PET["discriminator"]},
                      schemas=PETS)
    assert check.errors({"petType": "Cat", "lives": 3}) == []
    assert codes(check.errors({"petType": "Cat", "lives": 12})) == [("lives", "maximum")]
    assert codes(check.errors({"petType": "Dog"})) == [("bark", "required")]


def test_discriminator_unknown_tag_is_one_clear_error() -> None:
    assert validator(PET, schemas=PETS).errors({"petType": "Bird", "lives": 2}) == [{
        "field": "petType", "location": "body", "pointer": "/petType",
        "message": "Unknown 'petType' value \"Bird\"; expected one of: \"Cat\", \"Dog\"",
        "code": "discriminator", "value": "Bird"}]


def test_discriminator_missing_tag_is_a_required_error() -> None:
    assert codes(validator(PET, schemas=PETS).errors({"lives": 2})) == [("petType", "required")]


def test_discriminator_non_object_is_a_type_error() -> None:
    assert codes(validator(PET, schemas=PETS).errors("cat")) == [("", "type")]


def test_discriminator_explicit_mapping_by_name_and_by_reference() -> None:
    schema = {**PET, "discriminator": {"propertyName": "petType", "mapping": {
        "cat": "Cat", "dog": "#/components/schemas/Dog"}}}
    check = validator(schema, schemas=PETS)
    assert check.errors({"petType": "cat", "lives": 1}) == []
    assert codes(check.errors({"petType": "dog", "bark": "meow"})) == [("bark", "enum")]
    assert codes(check.errors({"petType": "Cat", "lives": 1})) == [("petType", "discriminator")]


def test_discriminator_branch_in_another_file() -> None:
    files = {OTHER: {"Cat": {"type": "object", "properties": {"lives": {"$ref": "#/Lives"}}},
                     "Lives": {"type": "integer", "minimum": 1}}}
    schema = {"oneOf": [{"$ref": "models/pets.yaml#/Cat"}],
              "discriminator": {"propertyName": "kind"}}
    check = validator(schema, extra_files=files)
    assert codes(check.errors({"kind": "Cat", "lives": 0})) == [("lives", "minimum")]


# -- formats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "good", "bad", "message"), [
    ("email", "ann@example.com", "ann.example.com", "Not a valid email address"),
    ("uuid", "550e8400-e29b-41d4-a716-446655440000", "550e8400", "Not a valid UUID"),
    ("date", "2024-02-29", "2023-02-29", "Not a valid date (expected YYYY-MM-DD)"),
    ("date-time", "2024-01-31T12:00:00Z", "2024-01-31 12:00",
     "Not a valid date-time (expected RFC 3339, e.g. 2024-01-31T12:00:00Z)"),
    ("uri", "https://example.com/a?b=c", "not a uri", "Not a valid URI"),
    ("ipv4", "192.168.0.1", "256.1.1.1", "Not a valid IPv4 address"),
    ("ipv6", "2001:db8::1", "2001:db8:::1", "Not a valid IPv6 address"),
])
def test_formats_are_enforced(fmt: str, good: str, bad: str, message: str) -> None:
    check = validator({"type": "string", "format": fmt})
    assert check.errors(good) == []
    assert check.errors(bad) == [{"field": "", "location": "body", "pointer": "",
                                  "message": message, "code": "format", "value": bad}]


# -- error reporting --------------------------------------------------------------------------

ORDER = {"type": "object", "required": ["email", "items"], "additionalProperties": False,
         "properties": {
             "email": {"type": "string", "format": "email"},
             "items": {"type": "array", "minItems": 1, "items": {
                 "type": "object", "required": ["name", "qty"], "properties": {
                     "name": {"type": "string", "minLength": 1},
                     "qty": {"type": "integer", "minimum": 1, "multipleOf": 2}}}}}}


def test_every_error_is_reported_sorted_by_pointer_then_code() -> None:
    errors = validator(ORDER).errors(
        {"items": [{"name": "", "qty": 3}, {"qty": "2"}], "coupon": "X"})
    assert [(e["pointer"], e["code"]) for e in errors] == [
        ("/coupon", "additionalProperties"),
        ("/email", "required"),
        ("/items/0/name", "minLength"),
        ("/items/0/qty", "multipleOf"),
        ("/items/1/name", "required"),
        ("/items/1/qty", "type"),
    ]


def test_additional_properties_give_one_error_per_unexpected_key() -> None:
    errors = validator(ORDER).errors({"email": "a@b.co", "items": [{"name": "x", "qty": 2}],
                                      "x": 1, "y": [2]})
    assert errors == [
        {"field": "x", "location": "body", "pointer": "/x", "message": "Unexpected property 'x'",
         "code": "additionalProperties", "value": 1},
        {"field": "y", "location": "body", "pointer": "/y", "message": "Unexpected property 'y'",
         "code": "additionalProperties", "value": [2]},
    ]


def test_error_detail_shape_is_exact() -> None:
    errors = validator(ORDER).errors({"email": "nope", "items": [{"name": "", "qty": 2}]})
    assert errors == [
        {"field": "email", "location": "body", "pointer": "/email",
         "message": "Not a valid email address", "code": "format", "value": "nope"},
        {"field": "items.0.name", "location": "body", "pointer": "/items/0/name",
         "message": "Must be at least 1 character long", "code": "minLength", "value": ""},
    ]


def test_required_error_names_the_missing_property_and_has_no_value() -> None:
    assert validator(ORDER).errors({"items": [{"name": "x", "qty": 2}]}) == [{
        "field": "email", "location": "body", "pointer": "/email",
        "message": "Missing required property", "code": "required"}]


def test_pointer_escapes_slash_and_tilde_in_keys() -> None:
    check = validator({"type": "object", "properties": {"a/b~c": {"type": "integer"}}})
    assert check.errors({"a/b~c": "x"})[0]["pointer"] == "/a~1b~0c"


@pytest.mark.parametrize(("schema", "value", "message"), [
    ({"type": "integer"}, "5", "Expected integer, got string"),
    ({"minLength": 3}, "ab", "Must be at least 3 characters long"),
    ({"maxLength": 1}, "ab", "Must be at most 1 character long"),
    ({"minimum": 3}, 2, "Must be greater than or equal to 3"),
    ({"exclusiveMaximum": 3}, 3, "Must be less than 3"),
    ({"pattern": "^[a-z]+$"}, "A", "Does not match the pattern ^[a-z]+$"),
    ({"enum": ["a", 1, None]}, "b", 'Must be one of: "a", 1, null'),
    ({"const": "on"}, "off", 'Must be exactly "on"'),
    ({"minItems": 2}, [1], "Must contain at least 2 items"),
    ({"uniqueItems": True}, [1, 1], "Items must be unique"),
    ({"minProperties": 1}, {}, "Must have at least 1 property"),
    ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, 1.5,
     "Does not match exactly one of the allowed schemas"),
])
def test_messages_are_plain_english(schema: dict[str, Any], value: Any, message: str) -> None:
    assert [e["message"] for e in validator(schema).errors(value)] == [message]


def test_no_coercion_a_numeric_string_is_not_an_integer() -> None:
    assert codes(validator({"type": "integer"}).errors("5")) == [("", "type")]
    assert codes(validator({"type": "boolean"}).errors(1)) == [("", "type")]


def test_integral_float_counts_as_integer_as_json_schema_says() -> None:
    assert validator({"type": "integer"}).errors(1.0) == []


def test_valid_value_returns_an_empty_list() -> None:
    assert validator(ORDER).errors({"email": "a@b.co", "items": [{"name": "x", "qty": 2}]}) == []


# -- spec errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [None, 5, ["string"], "string"])
def test_a_non_schema_is_a_spec_error_with_its_pointer(bad: Any) -> None:
    schema = {"type": "object", "properties": {"name": bad}}
    with pytest.raises(SpecError) as raised:
        validator(schema)
    assert raised.value.file == ROOT
    assert raised.value.pointer == "/components/schemas/Subject/properties/name"


def test_items_as_a_list_is_a_spec_error() -> None:
    with pytest.raises(SpecError) as raised:
        validator({"type": "array", "items": [{"type": "string"}]}, dialect="3.0")
    assert raised.value.pointer == "/components/schemas/Subject/items"


def test_a_pattern_that_does_not_compile_is_a_spec_error_with_its_pointer() -> None:
    with pytest.raises(SpecError) as raised:
        validator({"type": "object", "properties": {"code": {"type": "string", "pattern": "(["}}})
    assert raised.value.pointer == "/components/schemas/Subject/properties/code/pattern"


def test_a_bad_pattern_properties_key_is_a_spec_error() -> None:
    with pytest.raises(SpecError) as raised:
        validator({"type": "object", "patternProperties": {"(": {}}})
    assert raised.value.pointer == "/components/schemas/Subject/patternProperties/("


def test_a_bad_keyword_value_in_a_referenced_schema_is_located_in_its_file() -> None:
    files = {OTHER: {"Name": {"type": "string", "minLength": "one"}}}
    with pytest.raises(SpecError) as raised:
        validator({"$ref": "models/pets.yaml#/Name"}, extra_files=files)
    assert (raised.value.file, raised.value.pointer) == (OTHER, "/Name/minLength")


def test_an_unresolvable_ref_is_located_where_it_is_written() -> None:
    with pytest.raises(RefResolutionError) as raised:
        validator({"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Nope"}}})
    assert raised.value.pointer == "/components/schemas/Subject/properties/a/$ref"
