"""The test client itself: a faithful ASGI peer."""

from __future__ import annotations

from collections.abc import Callable

from covet.app import CovetApp
from covet.testing import AsyncTestClient, TestClient


async def test_async_client_sends_json_and_reads_it(shop_app: Callable[..., CovetApp]) -> None:
    async with AsyncTestClient(shop_app()) as client:
        response = await client.post("/items", json={"name": "a", "price": 1})
    assert response.status_code == 201 and response.json()["name"] == "a"


def test_params_are_encoded_and_merged_with_the_url(shop_app: Callable[..., CovetApp]) -> None:
    client = TestClient(shop_app())
    response = client.get("/items?limit=3", params={"tags": "a,b"}, headers={"X-Tenant": "1"})
    assert response.json()["limit"] == 3 and response.json()["tags"] == ["a", "b"]


def test_headers_are_case_insensitive(shop_app: Callable[..., CovetApp]) -> None:
    response = TestClient(shop_app()).get("/items/1")
    assert response.headers["Content-Type"] == response.headers["content-type"] == "application/json"


def test_context_manager_runs_lifespan(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app()
    seen: list[str] = []

    async def hook() -> None:
        seen.append("started")

    app.on_startup.append(hook)
    with TestClient(app) as client:
        assert seen == ["started"]
        assert client.get("/items/1").status_code == 200
