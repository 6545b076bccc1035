"""caching.tables: a commit that wrote a table bound to a tag invalidates the tag, with no
``invalidates`` on the writing operation, on SQLite and PostgreSQL: ORM flushes, Core DML, a
handler that commits itself, and a session opened outside any request. A rollback invalidates
nothing; raw SQL is not seen (documented)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from covet.app import CovetApp
from covet.providers.database import DatabaseProvider
from covet.testing import AsyncTestClient
from tests.caching.db_handlers import CALLS, Base, Post
from tests.schema.databases import throwaway_database

SPEC = """openapi: 3.1.0
info: {title: posts, version: '1'}
paths:
  /posts:
    get:
      operationId: listPosts
      x-covet-cache: {ttl: 5m, tags: [posts]}
      responses: {'200': {description: ok}}
    post:
      operationId: createPost
      parameters:
        - {name: how, in: query, schema: {type: string}}
      requestBody:
        required: true
        content: {application/json: {schema: {type: object}}}
      responses: {'201': {description: created}, '409': {description: refused}}
"""


@pytest.fixture(params=["sqlite", "postgresql"])
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncTestClient]:
    async with throwaway_database(request.param, tmp_path) as url:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(Post.__table__.insert(), [{"title": "first"}])
        await engine.dispose()
        spec = tmp_path / "posts.yaml"
        spec.write_text(SPEC)
        app = CovetApp.from_spec(
            spec, "tests.caching.db_handlers", server={"access_log": False},
            providers={"database": {"url": url}}, caching={"tables": {"posts": ["cached_posts"]}},
        )
        CALLS.clear()
        async with AsyncTestClient(app) as test_client:
            yield test_client


async def titles(client: AsyncTestClient) -> list[str]:
    response = await client.get("/posts")
    assert response.status_code == 200
    return [post["title"] for post in response.json()]


@pytest.mark.parametrize("how", ["orm", "commit-itself", "core"])
async def test_a_committed_write_to_a_bound_table_invalidates_its_tag(
    client: AsyncTestClient, how: str
) -> None:
    assert await titles(client) == ["first"]
    assert await titles(client) == ["first"] and CALLS["list_posts"] == 1
    answer = await client.post(f"/posts?how={how}", json={"title": "second"})
    assert answer.status_code == 201
    expected = ["second"] if how == "core" else ["first", "second"]
    assert await titles(client) == expected  # the very next read: no stale answer
    assert CALLS["list_posts"] == 2


async def test_writes_to_other_tables_and_rollbacks_invalidate_nothing(
    client: AsyncTestClient,
) -> None:
    await titles(client)
    assert (await client.post("/posts?how=other-table", json={"title": "n"})).status_code == 201
    assert (await client.post("/posts?how=rolled-back", json={"title": "x"})).status_code == 409
    assert await titles(client) == ["first"] and CALLS["list_posts"] == 1


async def test_raw_sql_is_not_seen(client: AsyncTestClient) -> None:
    await titles(client)
    await client.post("/posts?how=raw", json={"title": "renamed"})
    assert await titles(client) == ["first"]  # documented: bind such writes with invalidates


async def test_a_session_outside_requests_invalidates_after_its_commit(
    client: AsyncTestClient,
) -> None:
    await titles(client)
    provider = client.app.providers["db"]  # type: ignore[attr-defined]
    assert isinstance(provider, DatabaseProvider)
    async with provider.manager.sessionmaker("default")() as session:
        session.add(Post(title="from a job"))
        await session.commit()
    for _ in range(50):  # told in a task of its own, right after the commit
        if await titles(client) == ["first", "from a job"]:
            break
        await asyncio.sleep(0.01)
    assert await titles(client) == ["first", "from a job"]
