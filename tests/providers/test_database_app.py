"""The database provider inside a CovetApp, over ASGI: commit on success, 503 when down."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from covet.app import CovetApp
from covet.testing import AsyncTestClient
from tests.providers.backends import Backend, backend, opened
from tests.providers.fixtures.item_handlers import Base
from tests.providers.tcp_proxy import TcpProxy

SPEC = """openapi: 3.1.0
info: {title: items, version: '1'}
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - {name: pause, in: query, schema: {type: number, minimum: 0, maximum: 5}}
      responses: {'200': {description: ok}}
    post:
      operationId: createItem
      parameters:
        - {name: fail, in: query, schema: {type: string}}
        - {name: pause, in: query, schema: {type: number, minimum: 0, maximum: 5}}
        - {name: weight, in: query, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [slug]
              properties: {slug: {type: string}, score: {type: integer}}
      responses: {'201': {description: created}, '400': {description: refused}}
  /items/{item_id}:
    get:
      operationId: getItem
      parameters:
        - {name: item_id, in: path, required: true, schema: {type: integer}}
      responses: {'200': {description: ok}, '404': {description: none}}
"""


def items_app(tmp_path: Path, url: str, **database: Any) -> CovetApp:
    spec = tmp_path / "items.yaml"
    spec.write_text(SPEC)
    return CovetApp.from_spec(
        spec,
        "tests.providers.fixtures.item_handlers",
        server={"access_log": False},
        providers={"database": {"url": url, **database}},
    )


@asynccontextmanager
async def serving(tmp_path: Path, url: str, **database: Any) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(items_app(tmp_path, url, **database)) as client:
        yield client


@asynccontextmanager
async def uvicorn_serving(app: CovetApp) -> AsyncIterator[int]:
    """``app`` behind a real uvicorn (httptools) on a free loopback port, in this event loop."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, http="httptools", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield int(server.servers[0].sockets[0].getsockname()[1])
    finally:
        server.should_exit = True
        await task


async def list_items(port: int) -> Any:
    answer = await exchange(port, b"GET /items HTTP/1.1\r\nhost: test\r\n\r\n", leave_after=None)
    assert answer.startswith(b"HTTP/1.1 200"), answer
    return json.loads(answer.partition(b"\r\n\r\n")[2])


async def post_item(port: int, slug: str, pause: float, *, leave_after: float | None) -> bytes:
    body = json.dumps({"slug": slug}).encode()
    head = (
        f"POST /items?pause={pause} HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    )
    return await exchange(port, head.encode() + body, leave_after=leave_after)


async def exchange(port: int, request: bytes, *, leave_after: float | None) -> bytes:
    """Send ``request`` over a new connection and read the answer; with ``leave_after``, hang
    up that many seconds later instead of reading it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    if leave_after is not None:
        await asyncio.sleep(leave_after)
        writer.close()
        await writer.wait_closed()
        return b""
    answer = await reader.read(65536)
    writer.close()
    await writer.wait_closed()
    return answer


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


async def test_a_client_that_leaves_mid_request_gets_its_work_rolled_back(
    any_backend: Backend, tmp_path: Path
) -> None:
    app = items_app(tmp_path, any_backend.url)
    async with items_table(any_backend), uvicorn_serving(app) as port:
        stayed = await post_item(port, "seen", 0.2, leave_after=None)
        await post_item(port, "unseen", 0.5, leave_after=0.1)  # uvicorn lets the handler finish
        await asyncio.sleep(0.8)
        listed = await list_items(port)
        pool = app.providers["db"].manager.engine("default").sync_engine.pool  # type: ignore[attr-defined]
        assert pool.checkedout() == 0
    assert stayed.startswith(b"HTTP/1.1 201")
    assert listed == ["seen"]


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


# A score each backend's INTEGER column cannot hold: (score, weight), stored as score * weight.
# SQLite holds all of int64, the most the validator lets through: there the handler's product
# goes past it, and sqlite3 raises a bare OverflowError.
BEYOND = {
    "sqlite": (10**10, 10**10),
    "postgresql": (3_000_000_000, 1),  # past int4: asyncpg's encoder refuses it (SQLSTATE 22000)
    "mariadb": (3_000_000_000, 1),  # past INT: error 1264 in strict mode
}


def assert_refused(response: Any, caplog: pytest.LogCaptureFixture, value: object) -> None:
    """A 422 with the standard body; nothing quoted (value, SQL) and nothing logged at ERROR."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (detail,) = response.json()["details"]
    assert (detail["field"], detail["location"], detail["pointer"]) == ("", "body", "")
    assert detail["code"] == "databaseRange"
    assert detail["message"].startswith("A value is out of range for the database: ")
    for secret in (str(value), "SELECT", "INSERT", "covet_e2e_items"):
        assert secret not in response.text
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    (logged,) = [r for r in caplog.records if r.name == "covet.providers.database"
                 and "refused a value" in r.getMessage()]
    assert logged.levelno == logging.INFO
    assert str(value) not in logged.getMessage() and logged.exc_info is None


async def test_an_integer_beyond_the_column_is_a_422_not_a_500(
    any_backend: Backend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    score, weight = BEYOND[any_backend.name]
    caplog.set_level(logging.INFO)
    async with items_table(any_backend), serving(tmp_path, any_backend.url) as client:
        refused = await client.post(
            "/items", json={"slug": "big", "score": score}, params={"weight": weight}
        )
        assert_refused(refused, caplog, score * weight)
        created = await client.post("/items", json={"slug": "small", "score": 7})
        listed = await client.get("/items")
    assert created.status_code == 201
    assert listed.json() == ["small"]


async def test_a_key_beyond_postgresqls_int4_is_a_422(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    postgresql = backend("postgresql", tmp_path)
    caplog.set_level(logging.INFO)
    async with items_table(postgresql), serving(tmp_path, postgresql.url) as client:
        refused = await client.get("/items/3000000000")  # GET /v1/users/3000000000 of the issue
        assert_refused(refused, caplog, 3000000000)
        assert (await client.get("/items/2147483647")).status_code == 404


async def test_a_key_beyond_the_column_is_not_found_where_the_database_compares_it(
    any_backend: Backend, tmp_path: Path
) -> None:
    key = {"sqlite": 2**63 - 1, "mariadb": 2**63 - 1, "postgresql": 2**31 - 1}[any_backend.name]
    async with items_table(any_backend), serving(tmp_path, any_backend.url) as client:
        assert (await client.get(f"/items/{key}")).status_code == 404


async def test_a_text_longer_than_its_column_is_a_422(
    server_backend: Backend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slug = "s" * 101  # the column is VARCHAR(100); SQLite does not enforce a length
    caplog.set_level(logging.INFO)
    async with items_table(server_backend), serving(tmp_path, server_backend.url) as client:
        refused = await client.post("/items", json={"slug": slug})
        assert_refused(refused, caplog, slug)
        assert (await client.get("/items")).json() == []


async def test_a_text_postgresql_cannot_store_is_a_422(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    postgresql = backend("postgresql", tmp_path)
    caplog.set_level(logging.INFO)
    async with items_table(postgresql), serving(tmp_path, postgresql.url) as client:
        refused = await client.post("/items", json={"slug": "nul\u0000inside"})  # SQLSTATE 22021
        assert_refused(refused, caplog, "nul\u0000inside")
