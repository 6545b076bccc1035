"""The ASGI boundary: routing outcomes, HEAD, errors, lifespan and the send contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from covet.app import CovetApp
from covet.asgi import ENDPOINT_KEY
from covet.testing import AsyncTestClient, TestClient
from tests.conftest import SHOP_HANDLERS, SHOP_SPEC


def test_unknown_path_is_a_404_problem(shop_app: Callable[..., CovetApp]) -> None:
    response = TestClient(shop_app()).get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Not Found"


def test_wrong_method_is_405_with_allow(shop_app: Callable[..., CovetApp]) -> None:
    response = TestClient(shop_app()).patch("/items/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD"


def test_head_is_served_by_get_without_a_body(shop_app: Callable[..., CovetApp]) -> None:
    client = TestClient(shop_app())
    get, head = client.get("/items/1"), client.head("/items/1")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]


async def test_lifespan_runs_startup_and_shutdown_hooks(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app()
    events: list[str] = []

    async def started() -> None:
        events.append("up")

    async def stopped() -> None:
        events.append("down")

    app.on_startup.append(started)
    app.on_shutdown.append(stopped)
    async with AsyncTestClient(app) as client:
        assert (await client.get("/items/1")).status_code == 200
        assert events == ["up"]
    assert events == ["up", "down"]


async def test_failed_startup_is_reported_to_the_server(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app()

    async def broken() -> None:
        raise ConnectionError("database unreachable")

    app.on_startup.append(broken)
    with pytest.raises(RuntimeError, match="database unreachable"):
        async with AsyncTestClient(app):
            pass


async def test_client_disconnect_while_reading_body_sends_nothing(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/items", "query_string": b"",
             "headers": [(b"content-type", b"application/json")]}
    await app(scope, receive, send)
    assert sent == []


async def websocket_answer(
    shop_app: Callable[..., CovetApp], scope: dict[str, Any]
) -> list[dict[str, Any]]:
    """What the app sends to a WebSocket connect on ``scope``."""
    app = shop_app(server={"access_log": False})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_websocket_scopes_are_closed_politely(shop_app: Callable[..., CovetApp]) -> None:
    sent = await websocket_answer(shop_app, {"type": "websocket", "path": "/ws", "headers": []})
    assert sent == [{"type": "websocket.close", "code": 1000}]


def test_a_path_that_is_not_utf8_once_percent_decoded_is_a_400(shop_app: Callable[..., CovetApp]) -> None:
    response = TestClient(shop_app()).get("/orders/%FF%FE")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["details"][0]["code"] == "encoding"


def test_an_encoded_replacement_character_is_still_a_valid_path(
    shop_app: Callable[..., CovetApp],
) -> None:
    # U+FFFD sent on purpose (%EF%BF%BD) is valid UTF-8: routed, then validated as usual.
    response = TestClient(shop_app()).get("/orders/%EF%BF%BD")
    assert response.status_code == 422


async def test_a_refused_websocket_gets_a_404_problem_where_the_server_allows_a_body(
    shop_app: Callable[..., CovetApp],
) -> None:
    scope = {"type": "websocket", "path": "/ws", "headers": [],
             "extensions": {"websocket.http.response": {}}}
    start, body = await websocket_answer(shop_app, scope)
    assert start["type"] == "websocket.http.response.start" and start["status"] == 404
    assert (b"content-type", b"application/problem+json") in start["headers"]
    assert body["type"] == "websocket.http.response.body"
    assert b'"No WebSocket endpoint at /ws"' in body["body"]


class _Exploding:
    """A middleware that fails before (or after) the app answered."""

    def __init__(self, app: Any, after: bool = False) -> None:
        self.app, self.after = app, after

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self.after:
            raise RuntimeError("middleware bug")
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            raise RuntimeError("middleware bug after the response")


def test_a_middleware_that_raises_gets_the_standard_500_body(
    shop_app: Callable[..., CovetApp], caplog: pytest.LogCaptureFixture
) -> None:
    app = shop_app(compile_now=False)
    app.add_middleware(_Exploding)
    response = TestClient(app).get("/items/1")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["trace_id"]
    assert "unhandled RuntimeError in middleware" in caplog.text


async def test_a_middleware_that_raises_after_the_response_started_drops_the_connection(
    shop_app: Callable[..., CovetApp],
) -> None:
    app = shop_app(compile_now=False)
    app.add_middleware(_Exploding, after=True)
    with pytest.raises(RuntimeError, match="after the response"):
        await AsyncTestClient(app).get("/items/1")


class _SeesTheRoute:
    """A middleware that reads the matched endpoint from the scope once the response starts."""

    seen: ClassVar[list[tuple[int, str | None, str | None, str | None]]] = []

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def noting(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                endpoint = scope.get(ENDPOINT_KEY)
                self.seen.append((
                    message["status"],
                    None if endpoint is None else endpoint.template,
                    None if endpoint is None else endpoint.label,
                    None if endpoint is None else endpoint.operation_id,
                ))
            await send(message)

        await self.app(scope, receive, noting)


def test_the_dispatcher_puts_the_matched_endpoint_in_the_scope() -> None:
    app = CovetApp.from_spec(SHOP_SPEC, SHOP_HANDLERS, prefix="/v1", compile_now=False)
    app.add_middleware(_SeesTheRoute)

    @app.route("/things/{thing_id:int}")
    async def thing(thing_id: int) -> dict[str, int]:
        return {"thing_id": thing_id}

    _SeesTheRoute.seen = []
    client = TestClient(app)
    client.get("/v1/items/1")
    client.get("/v1/items/not-a-number")  # a 422 still names the route it failed on
    client.get("/things/7")
    client.get("/nowhere")  # no route matched: nothing in the scope
    client.patch("/v1/items/1")  # no endpoint for the method: nothing either
    assert _SeesTheRoute.seen == [
        (200, "/v1/items/{item_id}", "getItem", "getItem"),
        (422, "/v1/items/{item_id}", "getItem", "getItem"),
        (200, "/things/{thing_id:int}", "/things/{thing_id:int}", None),
        (404, None, None, None),
        (405, None, None, None),
    ]
