"""Validation messages: one readable line, never a 2 KB repr."""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from covet.spec._messages import abbreviate, describe_error


def error(message: str, **fields: Any) -> ValidationError:
    return ValidationError(message, **fields)


def test_long_leading_literal_is_cut_to_a_prefix() -> None:
    value = str({f"key{i}": "x" * 20 for i in range(50)})
    text = abbreviate(f"{value} is not valid under any of the given schemas")
    assert text.endswith("...} is not valid under any of the given schemas")
    assert len(text) < 130


def test_long_literal_in_the_middle_is_cut() -> None:
    listed = str([f"value-{i}" for i in range(100)])
    text = abbreviate(f"'x' is not one of {listed}")
    assert text.startswith("'x' is not one of ['value-0', ")
    assert text.endswith("...]")


def test_short_messages_are_unchanged() -> None:
    message = "Path parameter 'id' for 'get' operation in '/a/{id}' was not resolved"
    assert abbreviate(message) == message


def test_quotes_inside_literals_do_not_confuse_the_cut() -> None:
    value = str(["it's"] + ["]" * 5] * 30)
    assert abbreviate(f"{value} is too long").endswith("...] is too long")


def test_only_the_first_line_is_kept() -> None:
    message = 'null is not of type "object"\n\nFailed validating "type" in schema'
    assert describe_error(error(message), None) == 'null is not of type "object"'


def test_any_of_required_alternatives_become_a_sentence() -> None:
    schema = {"anyOf": [{"required": ["paths"]}, {"required": ["components"]}]}
    found = error("{...} is not valid", schema=schema, schema_path=["anyOf"])
    assert describe_error(found, {}) == "must contain at least one of 'paths', 'components'"


def test_one_of_other_alternatives_keep_the_library_message() -> None:
    schema = {"oneOf": [{"type": "string"}, {"required": ["a"]}]}
    found = error("1 is not valid under any of the given schemas", schema=schema,
                  schema_path=["oneOf"], validator="oneOf")  # fmt: skip
    assert describe_error(found, 1) == "1 is not valid under any of the given schemas"


def test_duplicate_enum_values_are_named() -> None:
    found = error("[...] has non-unique elements", validator="uniqueItems")
    text = describe_error(found, ["a", "b", "a", "c", "c"])
    assert text == "the items of this list must be unique, but 'a', 'c' appear more than once"


def test_a_ref_where_none_may_stand_gets_a_hint() -> None:
    found = error('{"$ref":"d.yml#/i"} is not of type "string"', schema_path=["type"])
    text = describe_error(found, {"$ref": "d.yml#/i"})
    assert "a $ref cannot stand here" in text


def test_messages_are_capped() -> None:
    assert len(abbreviate("word " * 500)) == 400
