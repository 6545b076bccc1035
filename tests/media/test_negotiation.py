"""Accept against declared media types: q-values, wildcards, parameters; 406 when none fits."""

from __future__ import annotations

import pytest

from covet.errors import NotAcceptableError
from covet.media import Negotiator, Offer, accept_of, parse_accept


def offers(*media_types: str) -> Negotiator:
    return Negotiator([Offer(m, (b"content-type", m.encode()), None, m.endswith("json"))
                       for m in media_types])


NEGOTIATOR = offers("application/json", "application/xml", "application/msgpack")


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [(None, "application/json"), ("*/*", "application/json"), ("application/xml", "application/xml"),
     ("application/*", "application/json"), ("application/xml;q=0.5, application/msgpack", "application/msgpack"),
     ("application/json;q=0, */*", "application/xml"),
     ("application/xml;q=0.9, application/json;q=0.9", "application/json"),
     ("APPLICATION/XML", "application/xml"), ("garbage, ;;;", "application/json"),
     ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", "application/xml")],
)
def test_the_preferred_declared_type_is_chosen(accept: str | None, chosen: str) -> None:
    assert NEGOTIATOR.choose(accept).media_type == chosen


def test_the_most_specific_range_sets_the_quality() -> None:
    # application/xml is refused by its own range, whatever */* says
    assert NEGOTIATOR.choose("*/*;q=1, application/xml;q=0, application/json;q=0").media_type == (
        "application/msgpack"
    )


def test_parameters_must_match() -> None:
    versioned = offers("application/json;version=2", "application/xml")
    assert versioned.choose("application/json;version=2").media_type == "application/json;version=2"
    with pytest.raises(NotAcceptableError):
        versioned.choose("application/json;version=1")
    # a parameter the declared type does not have says nothing against it
    assert NEGOTIATOR.choose("application/xml; charset=utf-8").media_type == "application/xml"


@pytest.mark.parametrize("accept", ["text/csv", "application/json;q=0, application/*;q=0", "image/*"])
def test_nothing_acceptable_is_406_listing_the_offers(accept: str) -> None:
    with pytest.raises(NotAcceptableError) as caught:
        NEGOTIATOR.choose(accept)
    assert caught.value.status == 406
    assert "application/json, application/xml, application/msgpack" in caught.value.detail


def test_only_a_json_offer_is_fast() -> None:
    assert offers("application/json").fast is not None
    assert offers("application/xml").fast is None
    assert NEGOTIATOR.fast is None


def test_the_parsed_choices_are_bounded() -> None:
    negotiator = offers("application/json", "application/xml")
    for index in range(500):
        negotiator.choose(f"application/xml;q=0.{index % 9 + 1}, text/x{index}")
    assert len(negotiator._cache) <= 64


def test_q_values_are_clamped_and_malformed_ones_refuse() -> None:
    ranges = parse_accept("a/b;q=7, c/d;q=nan, e/f;q=x, g/h;level=1;q=0.5;ext=1")
    assert [(r.kind, r.subtype, r.quality, r.params) for r in ranges] == [
        ("a", "b", 1.0, ()), ("c", "d", 0.0, ()), ("e", "f", 0.0, ()), ("g", "h", 0.5, (("level", "1"),))
    ]


def test_accept_fields_are_joined() -> None:
    scope = {"headers": [(b"accept", b"application/xml"), (b"host", b"x"), (b"accept", b"text/plain")]}
    assert accept_of(scope) == "application/xml, text/plain"
    assert accept_of({"headers": []}) is None
