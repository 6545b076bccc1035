"""metrics: the providers' own series: cache hits, misses and server failures, database pool
connections, rate-limit refusals and store failures, read from what the providers count."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from covet.app import CovetApp
from covet.testing import AsyncTestClient, TestClient
from tests.observability.conftest import value


def test_cache_hits_and_misses_per_cache(observed_app: Callable[..., CovetApp]) -> None:
    with TestClient(observed_app()) as client:
        for note in (1, 1, 1, 2):  # miss, hit, hit, miss
            client.get(f"/notes/{note}")
        text = client.get("/metrics").text
    assert value(text, "covet_cache_hits_total", cache="default") == 2
    assert value(text, "covet_cache_misses_total", cache="default") == 2


def test_a_cache_server_that_refuses_is_counted_as_failures(observed_app: Callable[..., CovetApp]) -> None:
    # NOTE: port 1 on loopback: a real connection attempt, refused at once (no server there)
    cache = {"url": "redis://127.0.0.1:1/0", "timeout": "200ms", "cooldown": "1ms"}
    with TestClient(observed_app(providers={"cache": cache})) as client:
        assert client.get("/notes/1").status_code == 200  # a miss, never an error
        text = client.get("/metrics").text
    assert value(text, "covet_cache_failures_total", cache="default", backend="redis") >= 1
    assert value(text, "covet_cache_misses_total", cache="default") == 1


def test_scrapes_never_count_the_same_reads_twice(observed_app: Callable[..., CovetApp]) -> None:
    with TestClient(observed_app()) as client:
        client.get("/notes/1")
        client.get("/metrics")
        client.get("/notes/1")
        text = client.get("/metrics").text
    assert value(text, "covet_cache_hits_total", cache="default") == 1
    assert value(text, "covet_cache_misses_total", cache="default") == 1


def test_rate_limit_refusals_per_operation(observed_app: Callable[..., CovetApp]) -> None:
    app = observed_app(operations={"limited": {"rate_limit": "2/minute"}})
    with TestClient(app) as client:
        statuses = [client.get("/limited").status_code for _ in range(5)]
        text = client.get("/metrics").text
    assert statuses == [200, 200, 429, 429, 429]
    assert value(text, "covet_rate_limit_rejections_total", operation="limited") == 3
    assert value(text, "covet_rate_limit_store_failures_total", store="memory") == 0


async def test_database_pool_connections_in_use_overflow_and_idle(
    observed_app: Callable[..., CovetApp], tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}"
    database = {"url": url, "pool_size": 1, "max_overflow": 2}
    app = observed_app(providers={"cache": "memory://", "database": database})
    async with AsyncTestClient(app) as client:
        engine = app.providers["db"].manager.engine("default")  # type: ignore[attr-defined]
        async with engine.connect(), engine.connect():
            busy = (await client.get("/metrics")).text
        idle = (await client.get("/metrics")).text
    assert value(busy, "covet_db_pool_checked_out", database="default") == 2
    assert value(busy, "covet_db_pool_overflow", database="default") == 1
    assert value(idle, "covet_db_pool_checked_out", database="default") == 0
    assert value(idle, "covet_db_pool_overflow", database="default") == 0  # closed on return
    assert value(idle, "covet_db_pool_idle", database="default") == 1  # pool_size stay open
