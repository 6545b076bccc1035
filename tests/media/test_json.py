"""JSON bodies: orjson-fast, bounded in depth, and a duplicate key is refused when strict."""

from __future__ import annotations

import pytest

from covet.media import DecodeError, JSONDecoder

STRICT = JSONDecoder(max_depth=8)
LENIENT = JSONDecoder(max_depth=8, strict=False)


def code_of(raw: bytes | str, decoder: JSONDecoder = STRICT) -> str:
    with pytest.raises(DecodeError) as caught:
        decoder.decode(raw)
    return caught.value.code


def test_an_ordinary_body_decodes() -> None:
    assert STRICT.decode(b'{"a": 1, "b": [1, {"c": "x:y"}], "url": "http://h:1/p"}') == {
        "a": 1, "b": [1, {"c": "x:y"}], "url": "http://h:1/p",
    }


@pytest.mark.parametrize(
    "raw",
    [
        b'{"role": "user", "role": "admin"}',
        b'{"a": {"x": 1, "x": 2}}',
        b'[{"ok": 1}, {"k": 1, "k": 1}]',
        b'{"t": "12:00:00", "n": {"t": 1, "t": 2}}',  # colons in strings take the exact path
        b'{"\\u0061": 1, "a": 2}',  # the same key, escaped differently
    ],
)
def test_a_duplicate_key_at_any_depth_is_refused(raw: bytes) -> None:
    assert code_of(raw) == "duplicateKey"


def test_the_duplicate_is_named_in_the_message() -> None:
    with pytest.raises(DecodeError, match="Duplicate key 'role'"):
        STRICT.decode(b'{"role": 1, "role": 2}')


def test_equal_keys_in_different_objects_are_not_duplicates() -> None:
    assert STRICT.decode(b'[{"a": 1}, {"a": 2}, {"b": {"a": 3}}]') == [
        {"a": 1}, {"a": 2}, {"b": {"a": 3}},
    ]


def test_lenient_keeps_the_last_value_as_orjson_does() -> None:
    assert LENIENT.decode(b'{"role": "user", "role": "admin"}') == {"role": "admin"}


def test_deeper_than_the_limit_is_max_depth() -> None:
    assert code_of(b"[" * 9 + b"]" * 9) == "maxDepth"
    assert code_of(b"[" * 9 + b"]" * 9, LENIENT) == "maxDepth"
    assert STRICT.decode(b"[" * 8 + b"]" * 8) == [[[[[[[[]]]]]]]]


def test_one_object_nesting_arrays_past_the_limit_is_max_depth() -> None:
    # A single "{" takes the fast path only while its arrays cannot reach the limit.
    assert code_of(b'{"a": ' + b"[" * 8 + b"]" * 8 + b"}") == "maxDepth"
    assert STRICT.decode(b'{"a": ' + b"[" * 7 + b"]" * 7 + b"}") == {"a": [[[[[[[]]]]]]]}
    assert code_of('{"a": ' + "[" * 8 + "]" * 8 + "}") == "maxDepth"


@pytest.mark.parametrize(
    "raw",
    [b'{"a": 1, "a": [2]}', b'{"a": "{", "a": 2}', '{"é": 1, "é": 2}'.encode()],
)
def test_a_flat_object_with_a_duplicate_is_refused(raw: bytes) -> None:
    assert code_of(raw) == "duplicateKey"
    assert code_of(raw.decode()) == "duplicateKey"


def test_past_orjsons_own_limit_is_still_max_depth_not_parse() -> None:
    assert code_of(b"[" * 5000 + b"]" * 5000) == "maxDepth"


def test_text_that_is_not_json_is_parse() -> None:
    assert code_of(b'{"a": ') == "parse"
    assert code_of(b"NaN") == "parse"


def test_numbers_past_64_bits_decode_and_are_left_to_the_schema() -> None:
    # orjson reads integers past 64 bits as floats; the schema's integer bounds refuse them.
    assert STRICT.decode(b'{"n": 100000000000000000000}') == {"n": 1e20}
    assert STRICT.decode(b'{"n": 18446744073709551615, "m": 1}') == {
        "n": 18446744073709551615, "m": 1,
    }


def test_scalars_and_strings_are_accepted() -> None:
    assert STRICT.decode(b"5") == 5
    assert STRICT.decode('{"é": "ü"}') == {"é": "ü"}
