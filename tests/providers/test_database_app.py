"""The database provider inside a CovetApp, over ASGI: commit on success, 503 when down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from covet.app import CovetApp
from covet.testing import AsyncTestClient
from tests.providers.backends import Backend, opened
from tests.providers.fixtures.item_handlers import Base
from tests.providers.tcp_proxy import TcpProxy

SPEC = """openapi: 3.1.0
info: {title: items, version: '1'}
paths:
  /items:
    get:
      operationId: listItems
      responses: {'200': {description: ok}}
    post:
      operationId: createItem
      parameters: [{name: fail, in: query, schema: {type: string}}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [slug], properties: {slug: {type: string}}}
      responses: {'201': {description: created}, '400': {description: refused}}
"""


@asynccontextmanager
async def serving(tmp_path: Path, url: str, **database: Any) -> AsyncIterator[AsyncTestClient]:
    spec = tmp_path / "items.yaml"
    spec.write_text(SPEC)
    app = CovetApp.from_spec(
        spec,
        "tests.providers.fixtures.item_handlers",
        server={"access_log": False},
        providers={"database": {"url": url, **database}},
    )
    async with AsyncTestClient(app) as client:
        yield client


@asynccontextmanager
async def items_table(backend: Backend) -> AsyncIterator[None]:
    async with opened(backend.config()) as provider:
        async with provider.manager.engine("default").begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.run_sync(Base.metadata.create_all)
        try:
            yield
        finally:
            async with provider.manager.engine("default").begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)


async def test_success_commits_and_an_error_response_rolls_back(
    any_backend: Backend, tmp_path: Path
) -> None:
    async with items_table(any_backend), serving(tmp_path, any_backend.url) as client:
        created = await client.post("/items", json={"slug": "kept"})
        refused = await client.post("/items", json={"slug": "undone"}, params={"fail": "status"})
        listed = await client.get("/items")
    assert (created.status_code, refused.status_code) == (201, 400)
    assert listed.json() == ["kept"]


async def test_database_down_is_a_503_and_the_next_request_after_it_succeeds(
    server_backend: Backend, tmp_path: Path
) -> None:
    proxy = TcpProxy(*server_backend.host_port)
    await proxy.start()
    url = server_backend.via(proxy.port)
    try:
        async with items_table(server_backend), serving(
            tmp_path, url, connect_timeout=1, pool_timeout=1
        ) as client:
            assert (await client.get("/items")).status_code == 200

            await proxy.refuse()
            down = await client.get("/items")
            health = await client.get("/health")

            await proxy.restore()
            back = await client.get("/items")
            healthy = await client.get("/health")
    finally:
        await proxy.close()
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    assert "Database 'default' is unavailable" in down.json()["detail"]
    assert (health.status_code, health.json()["status"]) == (503, "down")
    assert (back.status_code, back.json()) == (200, [])
    assert (healthy.status_code, healthy.json()["status"]) == (200, "ok")
