"""The cache provider inside a CovetApp: ``cache`` (and named caches) injected into handlers,
each backend on ``/health``, and a cache server outage that clients never see."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from covet.app import CovetApp
from covet.testing import AsyncTestClient
from tests.providers.backends import redis_url
from tests.providers.cache import view_handlers
from tests.providers.tcp_proxy import TcpProxy

SPEC = """openapi: 3.1.0
info: {title: views, version: '1'}
paths:
  /posts/{post_id}:
    get:
      operationId: getPost
      parameters:
        - {name: post_id, in: path, required: true, schema: {type: integer}}
      responses: {'200': {description: ok}}
  /posts/{post_id}/views:
    post:
      operationId: countView
      parameters:
        - {name: post_id, in: path, required: true, schema: {type: integer}}
      responses: {'200': {description: ok}}
"""


def views_app(tmp_path: Path, cache: Any) -> CovetApp:
    spec = tmp_path / "views.yaml"
    spec.write_text(SPEC)
    return CovetApp.from_spec(
        spec, "tests.providers.cache.view_handlers", server={"access_log": False},
        providers={"cache": cache},
    )


async def test_handlers_get_the_default_and_the_named_caches(tmp_path: Path) -> None:
    namespace = f"p{uuid.uuid4().hex[:12]}"
    caches = {
        "default": {"url": redis_url(), "namespace": namespace},
        "sessions": {"url": "memory://"},
    }
    view_handlers.LOOKUPS.clear()
    async with AsyncTestClient(views_app(tmp_path, caches)) as client:
        for _ in range(3):
            answer = await client.get("/posts/7")
            assert answer.status_code == 200 and answer.json() == {"id": 7, "title": "Post 7"}
        assert view_handlers.LOOKUPS == [7]  # computed once, then cached in Redis
        views = [(await client.post("/posts/7/views")).json()["views"] for _ in range(3)]
        assert views == [1, 2, 3]
        health = (await client.get("/health")).json()
    assert health["status"] == "ok"
    assert any(check["name"] == "cache" and check["kind"] == "redis" and check["ok"]
               for check in health["checks"]), health


async def test_a_cache_outage_is_slower_answers_never_errors(tmp_path: Path) -> None:
    real = urlsplit(redis_url())
    proxy = TcpProxy(real.hostname or "127.0.0.1", real.port or 6379)
    await proxy.start()
    caches = {"default": {"url": f"redis://127.0.0.1:{proxy.port}/0", "timeout": "100ms",
                          "namespace": f"o{uuid.uuid4().hex[:12]}"},
              "sessions": "memory://"}
    view_handlers.LOOKUPS.clear()
    try:
        async with AsyncTestClient(views_app(tmp_path, caches)) as client:
            await proxy.refuse()
            for _ in range(3):
                answer = await client.get("/posts/8")
                assert answer.status_code == 200 and answer.json()["id"] == 8
            assert view_handlers.LOOKUPS == [8, 8, 8]  # every read missed
            answer = await client.post("/posts/8/views")
            assert answer.status_code == 200 and answer.json()["views"] is None
            health = await client.get("/health")
    finally:
        await proxy.close()
    # not required by default: reported down, but the app is healthy
    assert health.status_code == 200
    (check,) = [c for c in health.json()["checks"] if c["name"] == "cache"]
    assert check["ok"] is False and check["error"]
