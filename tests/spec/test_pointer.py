"""JSON pointers and $ref strings."""

from __future__ import annotations

import pytest

from covet.spec._pointer import (
    MISSING,
    child_node,
    child_pointer,
    has_scheme,
    join_pointer,
    split_pointer,
    split_ref,
)


def test_pointer_tokens_round_trip_through_escaping() -> None:
    tokens = ["paths", "/users/{id}", "a~b", "0"]
    assert join_pointer(tokens) == "/paths/~1users~1{id}/a~0b/0"
    assert split_pointer(join_pointer(tokens)) == tokens


def test_tilde_one_is_unescaped_before_tilde_zero() -> None:
    assert split_pointer("/~01") == ["~1"]


def test_child_pointer_escapes_one_token() -> None:
    assert child_pointer("/paths", "/a") == "/paths/~1a"
    assert child_pointer("", 3) == "/3"


def test_a_pointer_must_start_with_a_slash() -> None:
    with pytest.raises(ValueError, match="starts with '/'"):
        split_pointer("pet")


@pytest.mark.parametrize(
    ("ref", "parts"),
    [
        ("#/components/schemas/Pet", ("", "/components/schemas/Pet")),
        ("common.yaml", ("common.yaml", "")),
        ("paths/orders_{orderId}.yaml", ("paths/orders_{orderId}.yaml", "")),
        ("my%20file.yaml#/a%2Fb", ("my file.yaml", "/a/b")),
        ("a.yaml#", ("a.yaml", "")),
    ],
)
def test_split_ref_percent_decodes_but_keeps_braces(ref: str, parts: tuple[str, str]) -> None:
    assert split_ref(ref) == parts


@pytest.mark.parametrize(
    ("file_part", "remote"),
    [
        ("https://example.com/a.yaml", True),
        ("http://example.com/a.yaml", True),
        ("urn:example:a", True),
        ("a.yaml", False),
        ("../a.yaml", False),
        ("/abs/a.yaml", False),
        ("C:/specs/a.yaml", False),
    ],
)
def test_has_scheme(file_part: str, remote: bool) -> None:
    assert has_scheme(file_part) is remote


def test_child_node_reads_keys_and_indexes() -> None:
    assert child_node({"a": None}, "a") is None
    assert child_node({"a": 1}, "b") is MISSING
    assert child_node([1, 2], "1") == 2
    assert child_node([1, 2], "2") is MISSING
    assert child_node([1, 2], "-") is MISSING
    assert child_node("text", "0") is MISSING
