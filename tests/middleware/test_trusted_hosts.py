"""trusted_hosts: a request for a host the app does not serve is a 400 before anything runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from covet.app import CovetApp
from covet.errors import ConfigError
from covet.middleware.trusted_hosts import TrustedHostsMiddleware, compile_trusted_hosts
from covet.testing import TestClient

HOSTS = ["api.example.com", "*.example.com", "localhost", "127.0.0.1", "::1"]


@pytest.fixture
def app(shop_app: Callable[..., CovetApp]) -> CovetApp:
    counting = "tests.middleware.test_trusted_hosts:Counting"
    return shop_app(trusted_hosts=HOSTS, middleware=[counting], server={"access_log": False})


@pytest.fixture
def client(app: CovetApp) -> TestClient:
    return TestClient(app)


class Counting:
    """Counts the requests that got past the host check."""

    seen = 0

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        Counting.seen += 1
        await self.app(scope, receive, send)


@pytest.mark.parametrize(
    "host",
    ["api.example.com", "API.Example.COM", "api.example.com:8443", "a.example.com",
     "a.b.example.com:80", "localhost:8000", "127.0.0.1", "[::1]:8000", "api.example.com."],
)
def test_trusted_hosts_are_served(client: TestClient, host: str) -> None:
    response = client.get(f"http://{host}/items/1")
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    "host",
    ["evil.com", "example.com", "evil-example.com", "api.example.com.evil.com",
     "evil.com:80", "127.0.0.2", "[::2]:80", "localhost.evil"],
)
def test_other_hosts_get_a_400_problem_before_anything_runs(client: TestClient, host: str) -> None:
    before = Counting.seen
    response = client.get(f"http://{host}/items/1")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400 and body["trace_id"]
    assert body["details"][0]["code"] == "trustedHost" and body["details"][0]["value"] == host
    assert Counting.seen == before


def test_no_host_or_two_hosts_are_a_400(app: CovetApp) -> None:
    assert _status(app, []) == 400
    assert _status(app, [(b"host", b"localhost"), (b"host", b"evil.com")]) == 400
    assert _status(app, [(b"host", b"localhost")]) == 200


def test_an_absolute_form_target_is_checked_by_its_authority(app: CovetApp) -> None:
    assert _status(app, [(b"host", b"localhost")], raw_path=b"http://evil.com/items/1") == 400
    assert _status(app, [(b"host", b"evil.com")], raw_path=b"http://localhost:80/items/1") == 200


def test_unset_means_no_check_and_no_layer(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app(server={"access_log": False})
    assert not isinstance(app._chain, TrustedHostsMiddleware)
    assert TestClient(app).get("http://anything.test/items/1").status_code == 200


def test_star_allows_any_host(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app(trusted_hosts=["localhost", "*"], server={"access_log": False})
    assert not isinstance(app._chain, TrustedHostsMiddleware)


def test_the_400_is_outside_the_other_built_ins(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app(trusted_hosts=["localhost"], server={"access_log": False})
    assert isinstance(app._chain, TrustedHostsMiddleware)
    response = TestClient(app).get("http://evil.com/items/1")
    assert response.status_code == 400 and "x-content-type-options" not in response.headers


def test_compiled_into_a_set_and_suffixes() -> None:
    compiled = compile_trusted_hosts(["API.example.com", "*.Example.com", "::1", "*.example.com"])
    assert compiled == (frozenset({"api.example.com", "[::1]"}), (".example.com",))


@pytest.mark.parametrize(
    "entry", ["https://api.example.com", "api.example.com:443", "api.example.com/x", "*example.com",
              "a.*.example.com", "*.[::1]", ""],
)
def test_a_malformed_entry_is_refused_at_startup(shop_app: Callable[..., CovetApp], entry: str) -> None:
    with pytest.raises(ConfigError, match="is not a host") as caught:
        shop_app(trusted_hosts=["localhost", entry])
    assert caught.value.pointer == "/trusted_hosts/1"


def test_a_websocket_for_another_host_is_closed_unaccepted(app: CovetApp) -> None:
    sent: list[dict[str, Any]] = []
    messages = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": [(b"host", b"evil.com")]}
    asyncio.run(app(scope, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1008}]


def _status(app: Any, headers: list[tuple[bytes, bytes]], raw_path: bytes = b"/items/1") -> int:
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": "/items/1",
             "raw_path": raw_path, "query_string": b"", "headers": headers, "scheme": "http"}
    asyncio.run(app(scope, receive, send))
    return statuses[0]
