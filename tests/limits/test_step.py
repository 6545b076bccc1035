"""The rate-limit step in an app: which operations it guards, what a refusal looks like, the
headers on every answer, what one counter is per, and a store that fails (open or closed).

Apps are the shop and secured fixtures with ``rate_limits`` settings; requests come from
``AsyncTestClient`` with the client address set per request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis

from covet.app import CovetApp
from covet.errors import ConfigError
from covet.testing import AsyncTestClient
from tests.conftest import SHOP_HANDLERS, SHOP_SPEC
from tests.limits.conftest import FaultyProxy, limiter_of, redis_url, step_of
from tests.security.test_step import HANDLERS as SECURED_HANDLERS
from tests.security.test_step import SPEC as SECURED_SPEC
from tests.security.test_step import auth_config

TENANT = {"X-Tenant": "1"}


def shop(**settings: Any) -> CovetApp:
    return CovetApp.from_spec(SHOP_SPEC, SHOP_HANDLERS, **settings)


@pytest.fixture
async def client_for() -> AsyncIterator[Any]:
    """``client_for(app)`` -> a started AsyncTestClient; the app's limiter (found through the
    limited operation at ``path``) is closed after the test."""
    started: list[tuple[AsyncTestClient, CovetApp, str]] = []

    async def start(app: CovetApp, path: str = "/items/1") -> AsyncTestClient:
        client = AsyncTestClient(app, client=("192.0.2.1", 40000))
        await client.start()
        started.append((client, app, path))
        return client

    yield start
    for client, app, path in started:
        await client.stop()
        await limiter_of(app, "GET", path).close()


def peer(client: AsyncTestClient, ip: str) -> AsyncTestClient:
    client.client = (ip, 40000)
    return client


def test_no_policy_anywhere_compiles_no_step() -> None:
    app = shop(operations={"getItem": {"rate_limit": "unlimited"}})
    endpoint = app.api.router.match("/items/1")[0].handlers["GET"]  # type: ignore[index]
    assert not getattr(endpoint, "steps", ())


def test_an_operation_opts_out_of_the_default() -> None:
    app = shop(rate_limits={"default": "5/minute"}, operations={"getItem": {"rate_limit": "unlimited"}})
    endpoint = app.api.router.match("/items/1")[0].handlers["GET"]  # type: ignore[index]
    assert not getattr(endpoint, "steps", ())
    assert step_of(app, "GET", "/items").windows[0].limit == 5


def test_bad_operation_policy_is_a_startup_error_at_its_key() -> None:
    with pytest.raises(ConfigError, match="'5/fortnight' is not a rate limit") as caught:
        shop(operations={"getItem": {"rate_limit": "5/fortnight"}})
    assert caught.value.pointer == "/operations/getItem/rate_limit"


async def test_past_the_limit_a_429_with_the_standard_body_and_retry_after(client_for: Any) -> None:
    client = await client_for(shop(operations={"getItem": {"rate_limit": "2/minute"}}))
    statuses = [(await client.get("/items/1")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = await client.get("/items/1")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["status"] == 429 and body["title"] == "Too Many Requests"
    assert body["detail"].startswith("Rate limit reached: 2 requests per 60 s; retry in ")
    assert 59 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit"].startswith('"getItem";r=0;t=')


async def test_ratelimit_headers_on_a_2xx(client_for: Any) -> None:
    client = await client_for(shop(rate_limits={"default": "100/minute"}))
    response = await client.get("/items/1")
    assert response.status_code == 200
    assert response.headers["ratelimit-policy"] == '"default";q=100;w=60'
    assert response.headers["ratelimit"] == '"default";r=99;t=60'


async def test_ratelimit_headers_on_a_422_of_a_limited_operation(client_for: Any) -> None:
    client = await client_for(shop(rate_limits={"default": "100/minute"}))
    response = await client.get("/items")  # X-Tenant is required
    assert response.status_code == 422
    assert response.headers["ratelimit-policy"] == '"default";q=100;w=60'
    assert response.headers["ratelimit"] == '"default";r=99;t=60'


async def test_several_windows_each_have_a_policy_item(client_for: Any) -> None:
    client = await client_for(shop(operations={"getItem": {"rate_limit": "10/second, 1000/hour"}}))
    response = await client.get("/items/1")
    assert response.headers["ratelimit-policy"] == (
        '"getItem-1s";q=10;w=1, "getItem-3600s";q=1000;w=3600'
    )
    assert response.headers["ratelimit"] == '"getItem-1s";r=9;t=1, "getItem-3600s";r=999;t=3600'


async def test_by_ip_and_operation_each_client_and_operation_counts_apart(client_for: Any) -> None:
    client = await client_for(shop(rate_limits={"default": "1/minute"}))
    assert (await peer(client, "192.0.2.1").get("/items/1")).status_code == 200
    assert (await peer(client, "192.0.2.1").get("/items/1")).status_code == 429
    assert (await peer(client, "192.0.2.2").get("/items/1")).status_code == 200
    assert (await peer(client, "192.0.2.1").get("/items", headers=TENANT)).status_code == 200


async def test_by_ip_alone_the_default_is_one_budget_across_operations(client_for: Any) -> None:
    client = await client_for(shop(rate_limits={"default": "2/minute", "key": ["ip"]}))
    assert (await client.get("/items/1")).status_code == 200
    assert (await client.get("/items", headers=TENANT)).status_code == 200
    assert (await client.get("/items/2")).status_code == 429


async def test_by_operation_alone_every_client_shares_one_budget(client_for: Any) -> None:
    client = await client_for(shop(rate_limits={"default": "2/minute", "key": "operation"}))
    assert (await peer(client, "192.0.2.1").get("/items/1")).status_code == 200
    assert (await peer(client, "192.0.2.2").get("/items/1")).status_code == 200
    assert (await peer(client, "192.0.2.3").get("/items/1")).status_code == 429


async def test_by_user_one_budget_from_every_address_anonymous_by_ip(client_for: Any) -> None:
    app = CovetApp.from_spec(
        SECURED_SPEC, SECURED_HANDLERS, auth=auth_config(),
        rate_limits={"default": "2/minute", "key": ["user"]},
    )
    client = await client_for(app, "/public")
    key = {"X-API-Key": "key-alice"}
    assert (await peer(client, "192.0.2.1").get("/key/header", headers=key)).status_code == 200
    assert (await peer(client, "192.0.2.2").get("/key/header", headers=key)).status_code == 200
    assert (await peer(client, "192.0.2.3").get("/key/header", headers=key)).status_code == 429
    # Anonymous callers of a public operation fall back to their address.
    for ip in ("192.0.2.1", "192.0.2.1", "192.0.2.2"):
        assert (await peer(client, ip).get("/public")).status_code == 200
    assert (await peer(client, "192.0.2.1").get("/public")).status_code == 429


async def test_a_refused_login_is_counted_after_authentication_fails(client_for: Any) -> None:
    # NOTE: the security step runs first: a bad key is a 401 that never reaches the counter.
    app = CovetApp.from_spec(
        SECURED_SPEC, SECURED_HANDLERS, auth=auth_config(), rate_limits={"default": "1/minute"},
    )
    client = await client_for(app, "/public")
    assert (await client.get("/key/header", headers={"X-API-Key": "wrong"})).status_code == 401
    assert (await client.get("/key/header", headers={"X-API-Key": "key-alice"})).status_code == 200


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(client_for: Any) -> None:
    app = shop(rate_limits={"default": "1/minute", "trusted_proxies": ["10.0.0.0/8"]})
    client = await client_for(app)
    spoofed = {"X-Forwarded-For": "198.51.100.1"}
    # An untrusted peer cannot buy a fresh budget by naming another address.
    assert (await peer(client, "203.0.113.5").get("/items/1", headers=spoofed)).status_code == 200
    other = {"X-Forwarded-For": "198.51.100.2"}
    assert (await peer(client, "203.0.113.5").get("/items/1", headers=other)).status_code == 429
    # Through the trusted proxy, each forwarded client has its own budget.
    for ip in ("198.51.100.1", "198.51.100.2"):
        forwarded = {"X-Forwarded-For": ip}
        assert (await peer(client, "10.0.0.7").get("/items/1", headers=forwarded)).status_code == 200
    forwarded = {"X-Forwarded-For": "198.51.100.1"}
    assert (await peer(client, "10.0.0.7").get("/items/1", headers=forwarded)).status_code == 429


async def test_redis_storage_counts_in_redis(client_for: Any, redis_prefix: str) -> None:
    app = shop(rate_limits={"default": "2/minute", "storage": redis_url(), "key_prefix": redis_prefix})
    client = await client_for(app)
    assert [(await client.get("/items/1")).status_code for _ in range(3)] == [200, 200, 429]


def redis_target() -> tuple[str, int]:
    parts = urlsplit(redis_url())
    return parts.hostname or "127.0.0.1", parts.port or 6379


@pytest.fixture
async def stalled() -> AsyncIterator[FaultyProxy]:
    proxy = await FaultyProxy(redis_target(), "stall").start()
    yield proxy
    await proxy.stop()


async def test_a_hung_store_fails_open_fast_and_is_counted(
    client_for: Any, stalled: FaultyProxy, caplog: pytest.LogCaptureFixture
) -> None:
    app = shop(rate_limits={"default": "1/minute", "storage": stalled.url, "timeout": "50ms"})
    client = await client_for(app)
    with caplog.at_level(logging.WARNING, logger="covet.limits"):
        for _ in range(3):
            started = time.monotonic()
            response = await client.get("/items/1")
            assert time.monotonic() - started < 0.5
            assert response.status_code == 200
            assert response.headers["ratelimit-policy"] == '"default";q=1;w=60'
            assert "ratelimit" not in response.headers
    assert limiter_of(app).failures == 3
    warnings = [r for r in caplog.records if r.name == "covet.limits"]
    assert len(warnings) == 1, "one warning per warn_interval, not one per request"
    assert "letting requests through" in warnings[0].getMessage()


async def test_a_hung_store_fails_closed_with_a_503_when_asked(
    client_for: Any, stalled: FaultyProxy
) -> None:
    app = shop(rate_limits={"default": "100/minute", "storage": stalled.url, "on_error": "closed"})
    client = await client_for(app)
    started = time.monotonic()
    response = await client.get("/items/1")
    assert time.monotonic() - started < 0.5
    assert response.status_code == 503
    assert response.json()["detail"] == "The rate-limit store is unavailable; try again shortly."
    assert response.headers["retry-after"] == "1"


async def test_a_refusing_store_fails_open(client_for: Any) -> None:
    proxy = await FaultyProxy(redis_target(), "drop").start()
    try:
        client = await client_for(shop(rate_limits={"default": "1/minute", "storage": proxy.url}))
        assert [(await client.get("/items/1")).status_code for _ in range(2)] == [200, 200]
    finally:
        await proxy.stop()


async def test_after_a_failure_the_store_rests_for_cooldown_then_is_asked_again(
    client_for: Any,
) -> None:
    proxy = await FaultyProxy(redis_target(), "stall").start()
    try:
        app = shop(rate_limits={"default": "5/minute", "storage": proxy.url, "cooldown": 0.3,
                                "key_prefix": "covet-test:rl:cooldown:"})
        client = await client_for(app)
        assert "ratelimit" not in (await client.get("/items/1")).headers
        started = time.monotonic()
        assert (await client.get("/items/1")).status_code == 200
        assert time.monotonic() - started < 0.04, "no second wait for a store known to be down"
        assert proxy.connections == 1 and limiter_of(app).failures == 2
        proxy.mode = "forward"
        await asyncio.sleep(0.35)
        response = await client.get("/items/1")
        assert response.headers["ratelimit"].startswith('"default";r=4;')
    finally:
        await proxy.stop()
        with redis.Redis.from_url(redis_url()) as cleanup:
            cleanup.delete("covet-test:rl:cooldown:{default|ip:192.0.2.1|getItem}:60")
