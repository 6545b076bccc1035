"""Parameters: style/explode decoding, coercion, defaults, and the schema check after it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import pytest

from covet.errors import RefResolutionError, SpecError
from covet.validation import ParameterSpec, ParametersValidator, SchemaCompiler, build_parameters

from .fakespec import ROOT, spec_with

STRING = {"type": "string"}
ARRAY = {"type": "array", "items": {"type": "string"}}
OBJECT = {"type": "object", "properties": {
    "R": {"type": "integer"}, "G": {"type": "integer"}, "B": {"type": "integer"}}}
BLUE, COLORS, RGB = "blue", ["blue", "black", "brown"], {"R": 100, "G": 200, "B": 150}
UUID = "550e8400-e29b-41d4-a716-446655440000"


def build(
    *objs: dict[str, Any], dialect: str = "3.1", schemas: Mapping[str, Any] | None = None
) -> ParametersValidator:
    spec = spec_with(schemas, dialect=dialect)
    specs = [ParameterSpec(obj, ROOT, f"/paths/~1things/get/parameters/{i}")
             for i, obj in enumerate(objs)]
    return build_parameters(specs, SchemaCompiler(spec))


def decode(
    validator: ParametersValidator,
    *,
    path: Mapping[str, str] | None = None,
    query: str = "",
    headers: Mapping[str, str] | None = None,
    cookies: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return validator.decode(path or {}, parse_qs(query, keep_blank_values=True),
                            headers or {}, cookies or {})


def param(name: str, location: str, schema: Any, **extra: Any) -> dict[str, Any]:
    obj = {"name": name, "in": location, "schema": schema, **extra}
    if location == "path":
        obj["required"] = True
    return obj


# -- the OpenAPI "Style Examples" table -------------------------------------------------------

STYLE_TABLE = [
    # path
    ("path", "simple", False, STRING, "blue", BLUE),
    ("path", "simple", False, ARRAY, "blue,black,brown", COLORS),
    ("path", "simple", False, OBJECT, "R,100,G,200,B,150", RGB),
    ("path", "simple", True, STRING, "blue", BLUE),
    ("path", "simple", True, ARRAY, "blue,black,brown", COLORS),
    ("path", "simple", True, OBJECT, "R=100,G=200,B=150", RGB),
    ("path", "label", False, STRING, ".blue", BLUE),
    ("path", "label", False, ARRAY, ".blue.black.brown", COLORS),
    ("path", "label", False, ARRAY, ".blue,black,brown", COLORS),
    ("path", "label", False, OBJECT, ".R.100.G.200.B.150", RGB),
    ("path", "label", False, OBJECT, ".R,100,G,200,B,150", RGB),
    ("path", "label", True, STRING, ".blue", BLUE),
    ("path", "label", True, ARRAY, ".blue.black.brown", COLORS),
    ("path", "label", True, OBJECT, ".R=100.G=200.B=150", RGB),
    ("path", "matrix", False, STRING, ";color=blue", BLUE),
    ("path", "matrix", False, ARRAY, ";color=blue,black,brown", COLORS),
    ("path", "matrix", False, OBJECT, ";color=R,100,G,200,B,150", RGB),
    ("path", "matrix", True, STRING, ";color=blue", BLUE),
    ("path", "matrix", True, ARRAY, ";color=blue;color=black;color=brown", COLORS),
    ("path", "matrix", True, OBJECT, ";R=100;G=200;B=150", RGB),
    # query (a raw query string)
    ("query", "form", True, STRING, "color=blue", BLUE),
    ("query", "form", True, ARRAY, "color=blue&color=black&color=brown", COLORS),
    ("query", "form", True, OBJECT, "R=100&G=200&B=150", RGB),
    ("query", "form", False, STRING, "color=blue", BLUE),
    ("query", "form", False, ARRAY, "color=blue,black,brown", COLORS),
    ("query", "form", False, OBJECT, "color=R,100,G,200,B,150", RGB),
    ("query", "spaceDelimited", False, ARRAY, "color=blue%20black%20brown", COLORS),
    ("query", "spaceDelimited", False, OBJECT, "color=R%20100%20G%20200%20B%20150", RGB),
    ("query", "pipeDelimited", False, ARRAY, "color=blue|black|brown", COLORS),
    ("query", "pipeDelimited", False, OBJECT, "color=R|100|G|200|B|150", RGB),
    ("query", "deepObject", True, OBJECT, "color[R]=100&color[G]=200&color[B]=150", RGB),
    # header
    ("header", "simple", False, STRING, "blue", BLUE),
    ("header", "simple", False, ARRAY, "blue,black,brown", COLORS),
    ("header", "simple", False, ARRAY, "blue, black, brown", COLORS),
    ("header", "simple", False, OBJECT, "R,100,G,200,B,150", RGB),
    ("header", "simple", True, STRING, "blue", BLUE),
    ("header", "simple", True, ARRAY, "blue,black,brown", COLORS),
    ("header", "simple", True, OBJECT, "R=100,G=200,B=150", RGB),
    # cookie (exploded objects: one cookie per property)
    ("cookie", "form", True, STRING, "blue", BLUE),
    ("cookie", "form", False, STRING, "blue", BLUE),
    ("cookie", "form", False, ARRAY, "blue,black,brown", COLORS),
    ("cookie", "form", False, OBJECT, "R,100,G,200,B,150", RGB),
    ("cookie", "form", True, OBJECT, {"R": "100", "G": "200", "B": "150"}, RGB),
]


def _sources(location: str, raw: Any) -> dict[str, Any]:
    if location == "query":
        return {"query": raw}
    if location == "cookie" and isinstance(raw, dict):
        return {"cookies": raw}
    key = {"path": "path", "header": "headers", "cookie": "cookies"}[location]
    return {key: {"color": raw}}


@pytest.mark.parametrize(("location", "style", "explode", "schema", "raw", "expected"),
                         STYLE_TABLE,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}-{r[3]['type']}-{i}"
                              for i, r in enumerate(STYLE_TABLE)])
def test_style_examples_table_decodes(
    location: str, style: str, explode: bool, schema: Any, raw: Any, expected: Any
) -> None:
    validator = build(param("color", location, schema, style=style, explode=explode))
    values, errors = decode(validator, **_sources(location, raw))
    assert errors == []
    assert values == {"color": expected}


def test_explode_defaults_to_true_only_for_form() -> None:
    query = build(param("color", "query", ARRAY))
    assert decode(query, query="color=a&color=b")[0] == {"color": ["a", "b"]}
    header = build(param("color", "header", OBJECT))
    assert decode(header, headers={"color": "R,1,G,2"})[0] == {"color": {"R": 1, "G": 2}}


def test_matrix_without_value_is_the_empty_string() -> None:
    validator = build(param("color", "path", STRING, style="matrix"))
    assert decode(validator, path={"color": ";color"}) == ({"color": ""}, [])


def test_text_without_the_declared_style_shape_is_a_style_error() -> None:
    validator = build(param("id", "path", {"type": "integer"}, style="matrix"))
    assert decode(validator, path={"id": "5"})[1] == [{
        "field": "id", "location": "path", "pointer": "/id",
        "message": "Expected a matrix-style value starting with ';id='",
        "code": "style", "value": "5"}]


def test_an_odd_number_of_object_items_is_a_style_error() -> None:
    validator = build(param("color", "header", OBJECT))
    errors = decode(validator, headers={"color": "R,100,G"})[1]
    assert [(e["field"], e["code"]) for e in errors] == [("color", "style")]


# -- coercion ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("schema", "raw", "expected"), [
    ({"type": "integer"}, "42", 42),
    ({"type": "integer"}, "-7", -7),
    ({"type": "number"}, "1.5", 1.5),
    ({"type": "number"}, "2", 2),
    ({"type": "number"}, "1e3", 1000.0),
    ({"type": "boolean"}, "true", True),
    ({"type": "boolean"}, "false", False),
    ({"type": "string", "format": "uuid"}, UUID, UUID),
    ({"type": "string", "format": "date"}, "2024-01-31", "2024-01-31"),
    ({"type": ["integer", "null"]}, "", None),
    ({"type": ["integer", "null"]}, "null", None),
    ({"type": ["integer", "string"]}, "5", 5),
    ({"type": ["integer", "string"]}, "five", "five"),
    ({"type": ["string", "null"]}, "null", "null"),
    ({"minimum": 0}, "2.5", 2.5),
    ({"enum": [1, 2, 3]}, "2", 2),
    ({}, "anything", "anything"),
])
def test_scalars_are_coerced_by_schema_type(schema: Any, raw: str, expected: Any) -> None:
    validator = build(param("x", "header", schema))
    values, errors = decode(validator, headers={"x": raw})
    assert errors == []
    assert values == {"x": expected}
    assert type(values["x"]) is type(expected)


@pytest.mark.parametrize(("schema", "raw"), [
    ({"type": "integer"}, "abc"),
    ({"type": "integer"}, "+5"),
    ({"type": "integer"}, " 5"),
    ({"type": "integer"}, "5_000"),
    ({"type": "integer"}, "5.0"),
    ({"type": "integer"}, "٣"),
    ({"type": "number"}, "nan"),
    ({"type": "number"}, "1e999"),
    ({"type": "number"}, ".5"),
    ({"type": "boolean"}, "1"),
    ({"type": "boolean"}, "True"),
    ({"type": "boolean"}, "yes"),
])
def test_text_that_does_not_coerce_is_a_type_error_with_the_raw_value(
    schema: Any, raw: str
) -> None:
    validator = build(param("x", "header", schema))
    values, errors = decode(validator, headers={"x": raw})
    assert values == {}
    assert errors == [{"field": "x", "location": "header", "pointer": "/x",
                       "message": f"Expected {schema['type']}, got \"{raw}\"",
                       "code": "type", "value": raw}]


def test_array_item_coercion_errors_name_the_item() -> None:
    validator = build(param("ids", "query", {"type": "array", "items": {"type": "integer"}}))
    values, errors = decode(validator, query="ids=1&ids=x&ids=3&ids=y")
    assert values == {}
    assert [(e["field"], e["pointer"], e["value"]) for e in errors] == [
        ("ids.1", "/ids/1", "x"), ("ids.3", "/ids/3", "y")]


def test_object_property_coercion_errors_name_the_property() -> None:
    validator = build(param("color", "query", OBJECT, style="deepObject", explode=True))
    errors = decode(validator, query="color[R]=red&color[G]=2")[1]
    assert [(e["field"], e["code"], e["value"]) for e in errors] == [("color.R", "type", "red")]


def test_deep_object_with_nested_types() -> None:
    schema = {"type": "object", "properties": {
        "age": {"type": "integer", "minimum": 0},
        "active": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "address": {"type": "object", "properties": {"zip": {"type": "integer"}}},
        "name": {"type": "string"}}}
    validator = build(param("filter", "query", schema, style="deepObject", explode=True))
    query = ("filter[age]=30&filter[active]=true&filter[tags]=a&filter[tags]=b"
             "&filter[address][zip]=12345&filter[name]=ann&other=1")
    assert decode(validator, query=query) == ({"filter": {
        "age": 30, "active": True, "tags": ["a", "b"], "address": {"zip": 12345},
        "name": "ann"}}, [])
    errors = decode(validator, query="filter[age]=-1&filter[address][zip]=x")[1]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("filter.address.zip", "type"), ("filter.age", "minimum")]


def test_deep_object_malformed_key_is_a_style_error() -> None:
    validator = build(param("filter", "query", OBJECT, style="deepObject", explode=True))
    assert [e["code"] for e in decode(validator, query="filter[R=1")[1]] == ["style"]
    assert [e["code"] for e in decode(validator, query="filter[R]x=1")[1]] == ["style"]


def test_openapi30_nullable_parameter_accepts_empty_as_null() -> None:
    validator = build(param("x", "header", {"type": "integer", "nullable": True}), dialect="3.0")
    assert decode(validator, headers={"x": ""}) == ({"x": None}, [])


def test_parameter_schema_refs_are_followed_for_coercion_and_checks() -> None:
    schemas = {"Limit": {"type": "integer", "minimum": 1, "maximum": 100}}
    validator = build(param("limit", "query", {"$ref": "#/components/schemas/Limit"}),
                      schemas=schemas)
    assert decode(validator, query="limit=10") == ({"limit": 10}, [])
    assert [e["code"] for e in decode(validator, query="limit=0")[1]] == ["minimum"]


# -- missing, defaults, empty values ----------------------------------------------------------


def test_missing_required_parameter_is_a_missing_error_without_value() -> None:
    validator = build(param("q", "query", STRING, required=True))
    assert decode(validator) == ({}, [{
        "field": "q", "location": "query", "pointer": "/q",
        "message": "Missing required query parameter 'q'", "code": "missing"}])


def test_path_parameters_are_always_required() -> None:
    validator = build({"name": "id", "in": "path", "schema": {"type": "integer"}})
    assert [e["code"] for e in decode(validator)[1]] == ["missing"]


def test_missing_optional_parameter_is_absent_or_its_default() -> None:
    validator = build(param("q", "query", STRING),
                      param("limit", "query", {"type": "integer", "default": 20}))
    assert decode(validator) == ({"limit": 20}, [])


def test_a_default_beside_a_ref_is_used() -> None:
    schemas = {"Page": {"type": "integer", "minimum": 1}}
    validator = build(param("page", "query", {"$ref": "#/components/schemas/Page", "default": 1}),
                      schemas=schemas)
    assert decode(validator) == ({"page": 1}, [])


def test_mutable_defaults_are_copied_per_request() -> None:
    validator = build(param("tags", "query", {**ARRAY, "default": ["a"]}))
    first = decode(validator)[0]
    first["tags"].append("mutated")
    assert decode(validator)[0] == {"tags": ["a"]}


def test_empty_query_value_is_rejected_unless_allow_empty_value() -> None:
    strict = build(param("q", "query", STRING))
    assert decode(strict, query="q=")[1] == [{
        "field": "q", "location": "query", "pointer": "/q", "message": "Must not be empty",
        "code": "allowEmptyValue", "value": ""}]
    lenient = build(param("q", "query", STRING, allowEmptyValue=True))
    assert decode(lenient, query="q=") == ({"q": ""}, [])


def test_last_value_wins_for_a_repeated_scalar_query_key() -> None:
    validator = build(param("page", "query", {"type": "integer"}))
    assert decode(validator, query="page=1&page=2")[0] == {"page": 2}


# -- the schema check after decoding ----------------------------------------------------------


def test_the_full_schema_is_checked_after_decoding() -> None:
    validator = build(
        param("user_id", "path", {"type": "integer"}),
        param("post_id", "path", {"type": "string", "format": "uuid"}),
        param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100}),
        param("X-Request-ID", "header", {"type": "string", "pattern": "^[a-z0-9-]+$"}),
        param("tags", "query", {**ARRAY, "minItems": 2}, explode=False),
    )
    good = {"path": {"user_id": "1", "post_id": UUID}, "query": "limit=10&tags=a,b",
            "headers": {"x-request-id": "abc-1"}}
    assert decode(validator, **good) == ({"user_id": 1, "post_id": UUID, "limit": 10,
                                          "x_request_id": "abc-1", "tags": ["a", "b"]}, [])
    _values, errors = decode(validator, path={"user_id": "x", "post_id": "nope"},
                             query="limit=1000&tags=a", headers={"x-request-id": "ABC"})
    assert [(e["location"], e["field"], e["code"], e["value"]) for e in errors] == [
        ("path", "post_id", "format", "nope"),
        ("path", "user_id", "type", "x"),
        ("query", "limit", "maximum", 1000),
        ("query", "tags", "minItems", ["a"]),
        ("header", "X-Request-ID", "pattern", "ABC"),
    ]


def test_many_checked_parameters_report_the_same_details() -> None:
    objs = [param(f"q{i}", "query", {"type": "string", "maxLength": 2}) for i in range(7)]
    validator = build(*objs)
    assert decode(validator, query="q0=ab&q3=abc")[1] == [{
        "field": "q3", "location": "query", "pointer": "/q3",
        "message": "Must be at most 2 characters long", "code": "maxLength", "value": "abc"}]


def test_headers_are_looked_up_case_insensitively() -> None:
    validator = build(param("X-Rate-Limit", "header", {"type": "integer"}))
    assert decode(validator, headers={"x-rate-limit": "5"})[0] == {"x_rate_limit": 5}


def test_accept_content_type_and_authorization_headers_are_ignored() -> None:
    validator = build(*(param(name, "header", STRING, required=True)
                        for name in ("Accept", "Content-Type", "Authorization")))
    assert validator.specs == ()
    assert decode(validator) == ({}, [])


# -- content parameters -----------------------------------------------------------------------

JSON_FILTER = {"name": "filter", "in": "query", "content": {"application/json": {"schema": {
    "type": "object", "required": ["age"], "properties": {"age": {"type": "integer"}}}}}}


def test_content_json_parameter_is_parsed_then_validated() -> None:
    validator = build(JSON_FILTER)
    assert decode(validator, query='filter={"age":3}') == ({"filter": {"age": 3}}, [])
    errors = decode(validator, query='filter={"age":"3"}')[1]
    assert [(e["field"], e["pointer"], e["code"]) for e in errors] == [
        ("filter.age", "/filter/age", "type")]


def test_content_json_parameter_that_is_not_json_is_a_parse_error() -> None:
    errors = decode(build(JSON_FILTER), query="filter={age")[1]
    assert [(e["field"], e["code"], e["value"]) for e in errors] == [("filter", "parse", "{age")]


def test_content_text_parameter_stays_a_string() -> None:
    obj = {"name": "note", "in": "header", "content": {"text/plain": {"schema": STRING}}}
    assert decode(build(obj), headers={"note": "5"})[0] == {"note": "5"}


# -- introspection and spec errors ------------------------------------------------------------


def test_specs_describe_each_parameter() -> None:
    validator = build(param("userId", "path", {"type": "integer"}),
                      param("X-Trace", "header", STRING),
                      param("tags", "query", ARRAY, required=True), JSON_FILTER)
    assert validator.specs == (
        ("user_id", "path", "userId", True, "integer"),
        ("x_trace", "header", "X-Trace", False, "string"),
        ("tags", "query", "tags", True, "array"),
        ("filter", "query", "filter", False, "object"),
    )


def test_colliding_python_names_are_a_spec_error() -> None:
    with pytest.raises(SpecError, match="both become the Python name 'x_id'"):
        build(param("X-Id", "header", STRING), param("x_id", "query", STRING))


def test_a_style_the_location_does_not_allow_is_a_spec_error() -> None:
    with pytest.raises(SpecError) as raised:
        build(param("c", "header", STRING, style="form"))
    assert raised.value.pointer == "/paths/~1things/get/parameters/0/style"


def test_deep_object_needs_an_object_schema() -> None:
    with pytest.raises(SpecError, match="deepObject"):
        build(param("c", "query", STRING, style="deepObject"))


def test_a_broken_ref_in_a_parameter_schema_is_located_at_the_schema() -> None:
    with pytest.raises(RefResolutionError) as raised:
        build(param("q", "query", {"$ref": "#/components/schemas/Nope"}))
    assert raised.value.pointer == "/paths/~1things/get/parameters/0/schema"


def test_a_parameter_without_schema_or_content_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="'schema' or a 'content'"):
        build({"name": "q", "in": "query"})
