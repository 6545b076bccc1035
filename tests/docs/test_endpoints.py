"""DocumentEndpoint and AssetsEndpoint: prepared bytes, ETags, and a closed set of files."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from covet.docs.assets import Asset
from covet.docs.endpoints import AssetsEndpoint, DocumentEndpoint, etag_matches
from covet.errors import NotFoundError
from covet.request import Request
from covet.response import Response


def request(headers: dict[str, str] | None = None, query: bytes = b"", **params: str) -> Request:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/x",
        "query_string": query,
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    return Request(scope, receive, dict(params))


def call(endpoint: DocumentEndpoint | AssetsEndpoint, req: Request) -> Response:
    return asyncio.run(endpoint(req))


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("abc", False),
    ],
)
def test_if_none_match_uses_weak_comparison(header: str | None, matches: bool) -> None:
    assert etag_matches(header, '"abc"') is matches


def test_document_is_sent_with_pre_encoded_headers() -> None:
    endpoint = DocumentEndpoint(
        b'{"openapi":"3.1.0"}', "application/json", label="GET /openapi.json"
    )
    response = call(endpoint, request())
    assert response.status_code == 200 and response.body == b'{"openapi":"3.1.0"}'
    assert response.headers == {
        "content-type": "application/json",
        "content-length": "19",
        "etag": endpoint.etag,
        "cache-control": "no-cache",
    }


def test_document_headers_are_copied_per_response() -> None:
    endpoint = DocumentEndpoint(b"x", "text/plain", label="x")
    call(endpoint, request()).raw_headers.append((b"x-added", b"1"))
    assert (b"x-added", b"1") not in call(endpoint, request()).raw_headers


def test_document_etag_changes_with_the_content() -> None:
    one = DocumentEndpoint(b"one", "text/plain", label="x")
    two = DocumentEndpoint(b"two", "text/plain", label="x")
    assert one.etag != two.etag
    assert one.etag == DocumentEndpoint(b"one", "text/plain", label="y").etag


def test_document_revalidation_is_a_304_without_body() -> None:
    endpoint = DocumentEndpoint(b"body", "text/plain", label="x")
    response = call(endpoint, request({"if-none-match": endpoint.etag}))
    assert response.status_code == 304 and response.body == b""
    assert response.headers == {"etag": endpoint.etag, "cache-control": "no-cache"}


ASSETS = {"app.js": Asset("app.js", "text/javascript; charset=utf-8", "v1", body=b"run()")}


def test_asset_by_name_with_its_type_and_etag() -> None:
    response = call(AssetsEndpoint(ASSETS, label="x"), request(name="app.js"))
    assert response.status_code == 200 and response.body == b"run()"
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["etag"] == '"v1"'
    assert response.headers["x-content-type-options"] == "nosniff"


def test_versioned_asset_url_is_cached_for_good_and_others_revalidate() -> None:
    endpoint = AssetsEndpoint(ASSETS, label="x")
    assert call(endpoint, request(query=b"v=v1", name="app.js")).headers["cache-control"] == (
        "public, max-age=31536000, immutable"
    )
    assert (
        call(endpoint, request(query=b"v=old", name="app.js")).headers["cache-control"]
        == "no-cache"
    )
    assert call(endpoint, request(name="app.js")).headers["cache-control"] == "no-cache"


def test_asset_revalidation_is_a_304() -> None:
    response = call(
        AssetsEndpoint(ASSETS, label="x"), request({"if-none-match": '"v1"'}, name="app.js")
    )
    assert response.status_code == 304 and response.body == b""


@pytest.mark.parametrize("name", ["", "APP.JS", "../app.js", "app.js/..", "..", "/etc/passwd"])
def test_any_other_name_is_not_found(name: str) -> None:
    with pytest.raises(NotFoundError):
        call(AssetsEndpoint(ASSETS, label="x"), request(name=name))
