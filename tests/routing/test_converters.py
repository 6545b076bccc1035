from __future__ import annotations

import doctest
import uuid
from typing import Any
from urllib.parse import unquote

import pytest

from covet.routing import CONVERTERS, Converter, converters

GOOD: list[tuple[str, str, Any]] = [
    ("str", "alice", "alice"),
    ("str", "café au lait", "café au lait"),
    ("str", "a.b:c", "a.b:c"),
    ("int", "0", 0),
    ("int", "42", 42),
    ("int", "-7", -7),
    ("int", "007", 7),
    ("float", "1.5", 1.5),
    ("float", "-0.25", -0.25),
    ("float", "3", 3.0),
    ("float", ".5", 0.5),
    ("float", "2.", 2.0),
    ("float", "1e3", 1000.0),
    ("float", "-2.5E-2", -0.025),
    (
        "uuid",
        "123e4567-e89b-12d3-a456-426614174000",
        uuid.UUID("123e4567-e89b-12d3-a456-426614174000"),
    ),
    (
        "uuid",
        "123E4567E89B12D3A456426614174000",
        uuid.UUID("123e4567-e89b-12d3-a456-426614174000"),
    ),
    ("slug", "hello", "hello"),
    ("slug", "my-first-post-2", "my-first-post-2"),
    ("slug", "Hello-World", "Hello-World"),
    ("path", "a", "a"),
    ("path", "docs/guide/intro.md", "docs/guide/intro.md"),
    ("path", "a/.hidden/b..c", "a/.hidden/b..c"),
]

BAD: list[tuple[str, str]] = [
    ("str", ""),
    ("str", "a/b"),
    ("int", ""),
    ("int", "abc"),
    ("int", "1.0"),
    ("int", "+1"),
    ("int", " 1"),
    ("int", "1_000"),
    ("int", "--1"),
    ("int", "-"),
    ("int", "١٢"),  # Arabic-Indic digits: int() would accept them
    ("int", "9" * 5000),
    ("float", ""),
    ("float", "nan"),
    ("float", "NaN"),
    ("float", "inf"),
    ("float", "-Infinity"),
    ("float", "1e999"),
    ("float", "1_0.5"),
    ("float", " 1.5"),
    ("float", "0x10"),
    ("float", "."),
    ("float", "1.5.2"),
    ("uuid", ""),
    ("uuid", "not-a-uuid"),
    ("uuid", "{123e4567-e89b-12d3-a456-426614174000}"),
    ("uuid", "urn:uuid:123e4567-e89b-12d3-a456-426614174000"),
    ("uuid", "123e4567-e89b-12d3-a456-42661417400"),
    ("uuid", "123e4567e89b-12d3-a456-426614174000"),
    ("uuid", "g23e4567-e89b-12d3-a456-426614174000"),
    ("slug", ""),
    ("slug", "-leading"),
    ("slug", "trailing-"),
    ("slug", "double--hyphen"),
    ("slug", "under_score"),
    ("slug", "spa ce"),
    ("slug", "émoji"),
    ("path", ""),
    ("path", ".."),
    ("path", "../etc/passwd"),
    ("path", "a/../../b"),
    ("path", "a/.."),
    ("path", "."),
    ("path", "a/./b"),
    ("path", "a\x00b"),
    ("path", "a\\b"),
    ("path", "..\\windows"),
    ("path", "/etc/passwd"),
    ("path", "a//b"),
    ("path", "a/b/"),
]


@pytest.mark.parametrize(("type_name", "raw", "expected"), GOOD)
def test_converter_accepts_good_value(type_name: str, raw: str, expected: Any) -> None:
    value = CONVERTERS[type_name].convert(raw)

    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(("type_name", "raw"), BAD)
def test_converter_rejects_bad_value_with_value_error(type_name: str, raw: str) -> None:
    with pytest.raises(ValueError, match=r"\w+"):
        CONVERTERS[type_name].convert(raw)


@pytest.mark.parametrize(
    ("type_name", "raw", "says"),
    [
        ("int", "abc", "expected an integer"),
        ("float", "nan", "finite decimal"),
        ("uuid", "x", "expected a UUID"),
        ("slug", "a_b", "expected a slug"),
        ("path", "../x", "'..' segments"),
        ("path", "a\x00", "NUL byte"),
        ("path", "a\\b", "backslash"),
        ("path", "/abs", "no leading '/'"),
        ("path", "a//b", "empty segments"),
    ],
)
def test_rejection_message_says_what_was_expected(type_name: str, raw: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        CONVERTERS[type_name].convert(raw)


def test_rejection_message_shortens_huge_values() -> None:
    with pytest.raises(ValueError) as caught:
        CONVERTERS["int"].convert("x" * 10_000)

    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("encoded", ["%2e%2e/etc/passwd", "a/%2E%2e/b", "%2e%2e%5cwindows", "a%00"])
def test_path_rejects_traversal_that_the_server_already_percent_decoded(encoded: str) -> None:
    with pytest.raises(ValueError):
        CONVERTERS["path"].convert(unquote(encoded))


def test_path_keeps_a_literal_percent_sequence_that_was_not_decoded() -> None:
    assert CONVERTERS["path"].convert("%2e%2e/x") == "%2e%2e/x"


def test_converter_table_lists_exactly_the_builtin_types() -> None:
    assert sorted(CONVERTERS) == ["float", "int", "path", "slug", "str", "uuid"]
    assert all(converter.name == name for name, converter in CONVERTERS.items())


def test_only_path_spans_several_segments() -> None:
    multi = [name for name, converter in CONVERTERS.items() if converter.multi_segment]

    assert multi == ["path"]


def test_json_types_for_docs() -> None:
    json_types = {name: converter.json_type for name, converter in CONVERTERS.items()}

    assert json_types == {
        "str": "string",
        "int": "integer",
        "float": "number",
        "uuid": "string",
        "slug": "string",
        "path": "string",
    }


def test_converter_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        CONVERTERS["bool"] = Converter("bool", bool)  # type: ignore[index]


def test_converter_is_immutable() -> None:
    with pytest.raises(AttributeError):
        CONVERTERS["int"].name = "integer"  # type: ignore[misc]


def test_module_examples_run() -> None:
    assert doctest.testmod(converters).failed == 0


def test_int_is_held_to_64_bits() -> None:
    convert = CONVERTERS["int"].convert
    assert convert("9223372036854775807") == 2**63 - 1
    assert convert("-9223372036854775808") == -(2**63)
    for text in ("9223372036854775808", "-9223372036854775809", "9" * 5000):
        with pytest.raises(ValueError, match="integer"):
            convert(text)
