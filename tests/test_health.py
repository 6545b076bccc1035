"""/health/live answers without asking any backend; /health/ready (and /health) ask every
backend at once, each within health.timeout, the rate-limit store included: 503 while a
required one is down, degraded (200) while only an optional one is; a backend that hangs is
reported down, never waited for. On the real Redis behind a TCP proxy the test breaks."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from covet.app import CovetApp
from covet.testing import AsyncTestClient
from tests.providers.backends import redis_url
from tests.providers.tcp_proxy import TcpProxy

SPEC = """openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /ping:
    get:
      operationId: ping
      x-covet-handler: tests.caching.post_handlers:list_posts
      responses: {'200': {description: ok}}
"""


@pytest.fixture
async def redis_proxy() -> AsyncIterator[TcpProxy]:
    real = urlsplit(redis_url())
    proxy = TcpProxy(real.hostname or "127.0.0.1", real.port or 6379)
    await proxy.start()
    yield proxy
    await proxy.close()


def health_app(tmp_path: Path, proxy: TcpProxy, on_error: str, **settings: Any) -> CovetApp:
    spec = tmp_path / "t.yaml"
    spec.write_text(SPEC)
    redis = f"redis://127.0.0.1:{proxy.port}/0"
    return CovetApp.from_spec(
        spec, None, server={"access_log": False},
        providers={"database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"},
                   "cache": {"url": redis, "namespace": f"h{uuid.uuid4().hex[:8]}"}},
        rate_limits={"default": "1000/second", "storage": redis, "on_error": on_error,
                     "key_prefix": f"h{uuid.uuid4().hex[:8]}:"},
        **settings,
    )


def checks_of(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in body["checks"]}


async def test_ready_reports_every_backend_with_its_latency(
    tmp_path: Path, redis_proxy: TcpProxy
) -> None:
    async with AsyncTestClient(health_app(tmp_path, redis_proxy, "closed")) as client:
        for path in ("/health/ready", "/health"):
            response = await client.get(path)
            assert response.status_code == 200 and response.json()["status"] == "ok"
            checks = checks_of(response.json())
            assert {"default", "cache", "rate_limits"} <= checks.keys(), checks
            assert checks["rate_limits"]["kind"] == "redis" and checks["rate_limits"]["required"]
            assert all(check["ok"] and check["latency_ms"] >= 0 for check in checks.values())


async def test_a_required_store_down_is_a_503_and_live_still_answers(
    tmp_path: Path, redis_proxy: TcpProxy
) -> None:
    async with AsyncTestClient(health_app(tmp_path, redis_proxy, "closed")) as client:
        await redis_proxy.refuse()
        ready = await client.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["status"] == "down"
        checks = checks_of(ready.json())
        assert not checks["rate_limits"]["ok"] and checks["rate_limits"]["error"]
        assert not checks["cache"]["ok"] and not checks["cache"]["required"]
        live = await client.get("/health/live")
        assert live.status_code == 200 and live.json() == {"status": "ok"}


async def test_an_optional_store_down_is_degraded_not_down(
    tmp_path: Path, redis_proxy: TcpProxy
) -> None:
    async with AsyncTestClient(health_app(tmp_path, redis_proxy, "open")) as client:
        await redis_proxy.refuse()
        ready = await client.get("/health/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert not checks_of(ready.json())["rate_limits"]["required"]


async def test_a_hanging_backend_is_reported_down_within_the_timeout(
    tmp_path: Path, redis_proxy: TcpProxy
) -> None:
    app = health_app(tmp_path, redis_proxy, "closed", health={"timeout": "300ms"})
    async with AsyncTestClient(app) as client:
        redis_proxy.pause()
        start = time.perf_counter()
        ready = await client.get("/health/ready")
        elapsed = time.perf_counter() - start
        live = await client.get("/health/live")
    assert ready.status_code == 503 and elapsed < 1.5  # every check at once, each bounded
    assert live.status_code == 200


async def test_the_probe_paths_are_configurable_or_off(
    tmp_path: Path, redis_proxy: TcpProxy
) -> None:
    app = health_app(tmp_path, redis_proxy, "open",
                     health={"path": None, "ready": "/readyz", "live": "/livez"})
    async with AsyncTestClient(app) as client:
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get("/livez")).status_code == 200
        for gone in ("/health", "/health/ready", "/health/live"):
            assert (await client.get(gone)).status_code == 404
