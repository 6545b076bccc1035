"""MessagePack: what JSON could carry, bounded like JSON; anything else is a 400 (parse)."""

from __future__ import annotations

import datetime as dt

import msgpack
import ormsgpack
import pytest

from covet.media import DecodeError, MessagePackCodec

CODEC = MessagePackCodec(max_depth=4)


def test_round_trip_of_json_values() -> None:
    value = {"a": [1, 2.5, None, True], "b": {"c": "ü"}}
    assert CODEC.decode(CODEC.encode(value)) == value


def test_encode_takes_what_json_responses_take() -> None:
    raw = CODEC.encode({"when": dt.datetime(2020, 1, 2, 3, 4, 5), "tags": {"x"}})
    assert ormsgpack.unpackb(raw) == {"when": "2020-01-02T03:04:05Z", "tags": ["x"]}


@pytest.mark.parametrize(
    "raw",
    [b"\xc1", b"\x81\xa1a", msgpack.packb({1: 2}), msgpack.packb({"a": b"bytes"}), msgpack.packb(b"x"),
     msgpack.packb(msgpack.ExtType(3, b"ext")), b""],
    ids=["reserved", "truncated", "int-key", "bin-value", "bin-root", "ext", "empty"],
)
def test_what_json_could_not_carry_is_parse(raw: bytes) -> None:
    with pytest.raises(DecodeError) as caught:
        CODEC.decode(raw)
    assert caught.value.code == "parse"


@pytest.mark.parametrize("raw", [msgpack.packb([[[[[1]]]]]), b"\x91" * 5000 + b"\xc0"])
def test_nesting_past_the_limit_is_max_depth(raw: bytes) -> None:
    with pytest.raises(DecodeError) as caught:
        CODEC.decode(raw)
    assert caught.value.code == "maxDepth"
