"""Two server processes sharing Redis, each with its own in-process L1 in front of it: a write
on one is never followed by a stale read on the other (issue 10, the response cache)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine

from tests.caching.db_handlers import Base, Post
from tests.e2e.conftest import ROOT, start_server
from tests.providers.backends import redis_url

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
      requestBody:
        required: true
        content: {application/json: {schema: {type: object}}}
      responses: {'201': {description: created}}
"""


def call(url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_a_write_on_one_process_is_never_followed_by_a_stale_read_on_the_other(
    tmp_path: Path,
) -> None:
    database = tmp_path / "posts.db"
    url = f"sqlite+aiosqlite:///{database}"

    async def prepare() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(Post.__table__.insert(), [{"title": "first"}])
        await engine.dispose()

    asyncio.run(prepare())
    (tmp_path / "posts.yaml").write_text(SPEC)
    (tmp_path / "covet.yaml").write_text(
        "apis: [{spec: posts.yaml, handlers: tests.caching.db_handlers}]\n"
        f"pythonpath: [{json.dumps(str(ROOT))}]\n"
        "server: {access_log: false}\n"
        f"providers:\n  database: {{url: {json.dumps(url)}}}\n"
        f"  cache: {{tiers: ['memory://', {json.dumps(redis_url())}], "
        f"namespace: 'two{uuid.uuid4().hex[:10]}'}}\n"
        "caching: {tables: {posts: [cached_posts]}}\n"
    )
    one = start_server(tmp_path / "covet.yaml")
    two = start_server(tmp_path / "covet.yaml")
    try:
        for server in (one, two, one, two):  # both have it in their L1 now
            assert [p["title"] for p in call(f"{server.url}/posts")] == ["first"]
        for index in range(5):
            writer, reader = (one, two) if index % 2 == 0 else (two, one)
            call(f"{writer.url}/posts", {"title": f"post {index}"})
            seen = [p["title"] for p in call(f"{reader.url}/posts")]
            assert seen[-1] == f"post {index}", (index, seen)
    finally:
        one.stop()
        two.stop()
