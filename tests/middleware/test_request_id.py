"""request_id: the client's id (or a new one) comes back in X-Request-ID and in error bodies."""

from __future__ import annotations

from collections.abc import Callable

from covet.app import CovetApp
from covet.testing import TestClient


def test_client_id_is_echoed_and_used_as_trace_id(shop_app: Callable[..., CovetApp]) -> None:
    client = TestClient(shop_app(middleware=["request_id"]))
    response = client.get("/items/99", headers={"X-Request-ID": "abc-1"})
    assert response.headers["x-request-id"] == "abc-1"
    assert response.json()["trace_id"] == "abc-1"


def test_generated_when_absent_and_unique(shop_app: Callable[..., CovetApp]) -> None:
    client = TestClient(shop_app(middleware=["request_id"]))
    first = client.get("/items/1").headers["x-request-id"]
    second = client.get("/items/1").headers["x-request-id"]
    assert first != second and len(first) == 16


def test_header_name_is_configurable(shop_app: Callable[..., CovetApp]) -> None:
    client = TestClient(shop_app(middleware=[{"request_id": {"header": "X-Trace"}}]))
    assert "x-trace" in client.get("/items/1").headers
