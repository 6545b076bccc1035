"""Field paths into a request body: parsing, lookup, and resolution through a compiled schema."""

from __future__ import annotations

from typing import Any

import pytest

from covet.spec.fields import MISSING, absence, dotted, lookup, parse_field, pointer_of

USER = {
    "type": "object",
    "properties": {"user": {"$ref": "#/$defs/NewUser"}},
    "$defs": {
        "Base": {"type": "object", "properties": {"name": {"type": "string"}}},
        "NewUser": {"allOf": [
            {"$ref": "#/$defs/Base"},
            {"type": "object", "properties": {
                "email": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "pair": {"type": "array", "prefixItems": [{"type": "object", "properties": {"a": {}}}],
                         "items": False},
            }},
        ]},
    },
}


@pytest.mark.parametrize(("text", "path"), [
    ("", ()),
    ("email", ("email",)),
    ("user.email", ("user", "email")),
    ("/user/email", ("user", "email")),
    ("/a~1b/c~0d", ("a/b", "c~d")),
    ("/a.b", ("a.b",)),
    ("items.0.sku", ("items", "0", "sku")),
])
def test_pointers_and_dotted_paths_parse_to_the_same_segments(text: str, path: tuple[str, ...]) -> None:
    assert parse_field(text) == path


@pytest.mark.parametrize("text", ["user..email", "user.", ".user", "/user/", "//x", "/a~2b", "/a~"])
def test_malformed_paths_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"empty segment|'~' must be"):
        parse_field(text)


def test_pointer_and_dotted_forms_of_a_path() -> None:
    assert pointer_of(("user", "a/b", "0")) == "/user/a~1b/0"
    assert dotted(("user", "email")) == "user.email"


@pytest.mark.parametrize(("path", "expected"), [
    (("user", "email"), "a@example.com"),
    (("user", "tags", "1"), "y"),
    (("user", "tags", "2"), MISSING),
    (("user", "tags", "01"), MISSING),
    (("user", "tags", "x"), MISSING),
    (("user", "phone"), MISSING),
    (("user", "email", "x"), MISSING),
    ((), {"user": {"email": "a@example.com", "tags": ["x", "y"]}}),
])
def test_lookup_follows_members_and_indexes(path: tuple[str, ...], expected: Any) -> None:
    body = {"user": {"email": "a@example.com", "tags": ["x", "y"]}}
    assert lookup(body, path) == expected if expected is not MISSING else lookup(body, path) is MISSING


@pytest.mark.parametrize("text", ["user", "user.email", "user.name", "user.tags", "user.tags.3",
                                  "user.pair.0.a"])
def test_declared_fields_through_ref_and_allof_are_accepted(text: str) -> None:
    assert absence(USER, parse_field(text)) is None


@pytest.mark.parametrize(("text", "reason"), [
    ("email", "the body has no member 'email' (its properties: user)"),
    ("user.emial", "'user' has no member 'emial' (its properties: email, name, pair, tags)"),
    ("user.email.domain", "'user.email' is a string, which has no members"),
    ("user.tags.first", "'user.tags' is an array: address an element by index"),
    ("user.pair.0.b", "'user.pair.0' has no member 'b' (its properties: a)"),
    ("user.pair.1", "'user.pair.1' allows no value (false schema)"),
])
def test_undeclared_fields_are_ruled_out_with_where_the_path_stops(text: str, reason: str) -> None:
    assert reason in str(absence(USER, parse_field(text)))


@pytest.mark.parametrize("schema", [
    {"type": "object"},
    {"type": "object", "properties": {"a": {}}, "additionalProperties": True},
    {"type": "object", "properties": {"a": {}}, "additionalProperties": {"type": "object"}},
    {"type": "object", "properties": {"a": {}}, "patternProperties": {"^x-": {}}},
    {"type": "object", "properties": {"a": {}}, "if": {"required": ["a"]}, "then": {}},
    {"oneOf": [{"type": "object", "properties": {"a": {}}}, {"type": "object", "properties": {"x-b": {}}}]},
    {"anyOf": [{"type": "string"}, {"type": "object"}]},
    {"properties": {"a": {}}, "$ref": "other.yaml#/B"},
    {},
    True,
])
def test_a_schema_that_cannot_rule_the_field_out_accepts_it(schema: Any) -> None:
    assert absence(schema, ("x-b",)) is None


@pytest.mark.parametrize(("schema", "reason"), [
    ({"type": "object", "properties": {"a": {}}, "additionalProperties": False}, "no member 'b'"),
    ({"type": "object", "additionalProperties": False}, "its properties: none"),
    ({"oneOf": [{"type": "object", "properties": {"a": {}}}, {"type": "string"}]}, "no member 'b'"),
    ({"type": "integer"}, "the body is a integer"),
    ({"type": ["string", "null"]}, "null or string"),
    ({"allOf": [{"type": "string"}, {"type": "object"}]}, "types contradict"),
])
def test_closed_and_scalar_schemas_rule_the_field_out(schema: Any, reason: str) -> None:
    assert reason in str(absence(schema, ("b",)))


def test_a_recursive_schema_resolves_without_looping() -> None:
    schema = {"$ref": "#/$defs/Node", "$defs": {"Node": {
        "type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}, "name": {}}}}}
    assert absence(schema, ("child", "child", "child", "name")) is None
    assert "no member 'nmae'" in str(absence(schema, ("child", "child", "nmae")))
    looping = {"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/A"}}}
    assert absence(looping, ("x",)) is None
