"""Property-based: parameter decoding and body parsing raise nothing but the documented 4xx.

Hostile query strings, paths, headers and bodies go through the whole request path of the
hostile-client fixture app (tests/fixtures/apps/hostile) in process; every answer must be a
status CovetPy documents for bad input, with the standard body.
"""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covet.app import CovetApp
from covet.media import DecodeError, JSONDecoder
from covet.testing import TestClient
from covet.validation import _styles

CLIENT = TestClient(
    CovetApp.from_spec(
        "tests/fixtures/apps/hostile/openapi.yaml",
        "tests.fixtures.apps.hostile.handlers",
        server={"access_log": False},
        limits={"max_query_params": 50},
    )
)
DOCUMENTED = {200, 400, 404, 405, 413, 415, 422}
FUZZ = settings(
    max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

TOKENS = st.sampled_from(
    ["[", "]", "[a]", "%", "%FF", "%C3%A9", "%00", "&", "=", "+", ";", ",", "where", "match",
     "offset", "big", "small", "-", "9" * 25, "1e400", "null", '{"a":1,"a":2}', "\\ud800"]
)
QUERY_TEXT = st.lists(TOKENS | st.text(max_size=6), max_size=40).map("".join)
RAW_BYTES = st.binary(max_size=64)


def assert_documented(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status in DOCUMENTED, response.text  # type: ignore[attr-defined]
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
        assert response.json()["trace_id"]  # type: ignore[attr-defined]


@FUZZ
@given(query=QUERY_TEXT)
def test_any_query_is_answered_with_a_documented_status(query: str) -> None:
    assert_documented(CLIENT.get("/search?" + quote(query, safe="[]%&=+;,")))
    assert_documented(CLIENT.get("/accounts/1?" + quote(query, safe="%&=+")))


@FUZZ
@given(segment=st.text(max_size=30) | RAW_BYTES.map(lambda b: "".join(f"%{x:02X}" for x in b)))
def test_any_path_segment_is_answered_with_a_documented_status(segment: str) -> None:
    assert_documented(CLIENT.get("/accounts/" + quote(segment, safe="%")))


@FUZZ
@given(body=RAW_BYTES | st.text(max_size=200).map(str.encode), version=st.text(max_size=25))
def test_any_body_and_header_is_answered_with_a_documented_status(body: bytes, version: str) -> None:
    for content_type in ("application/json", "application/x-www-form-urlencoded", "text/plain"):
        headers = {"content-type": content_type, "x-version": version.encode("utf-8").decode("latin-1")}
        assert_documented(CLIENT.put("/accounts/7", content=body, headers=headers))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=30,
)


@FUZZ
@given(value=JSON_VALUES)
def test_any_json_value_as_a_body_is_answered_with_a_documented_status(value: object) -> None:
    import orjson

    try:
        body = orjson.dumps(value)
    except orjson.JSONEncodeError:  # integers past 64 bits: sent as text below
        body = str(value).encode()
    assert_documented(
        CLIENT.put("/accounts/7", content=body, headers={"content-type": "application/json", "x-version": "1"})
    )


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(raw=RAW_BYTES | QUERY_TEXT.map(str.encode))
def test_the_json_decoder_returns_a_value_or_a_decode_error(raw: bytes) -> None:
    try:
        JSONDecoder(max_depth=8).decode(raw)
    except DecodeError as exc:
        assert exc.code in {"parse", "maxDepth", "duplicateKey"}


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(keys=st.lists(QUERY_TEXT, max_size=8), values=st.lists(st.text(max_size=5), max_size=8))
def test_deep_object_returns_a_value_or_a_style_error(keys: list[str], values: list[str]) -> None:
    query = {key: [value] for key, value in zip(keys, values, strict=False)}
    try:
        _styles.deep_object(query, "where")
    except _styles.StyleError as exc:
        assert exc.code in {"style", "maxDepth"}
