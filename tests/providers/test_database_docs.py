"""docs/database.md: its repository and "outside requests" examples run as written."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from covet.config import DatabaseConfig
from tests.providers.backends import opened

PAGE = Path(__file__).resolve().parents[2] / "docs" / "database.md"


def python_block(containing: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
    (block,) = [b for b in blocks if containing in b]
    return str(block)


def run(source: str, namespace: dict[str, Any]) -> Any:
    """Execute a block that may use top-level ``await``; returns the coroutine, if any."""
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT  # and not this module's __future__ annotations
    code = compile(source, str(PAGE), "exec", flags=flags, dont_inherit=True)
    return eval(code, namespace)


async def test_repository_example_serves_created_and_paged_posts(tmp_path: Path) -> None:
    namespace: dict[str, Any] = {}
    run(python_block("class PostRepository"), namespace)
    base = namespace["Base"]
    config = DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'docs.db'}")
    async with opened(config, base) as provider:
        for index in range(3):
            scope = provider.begin("db")
            body = {"slug": f"p{index}", "title": f"Post {index}", "author_id": 1}
            created, status = await namespace["create_post"](body, await scope.enter())
            await scope.exit(ok=True)
            assert status == 201 and created["slug"] == f"p{index}"
        scope = provider.begin("db")
        session = await scope.enter()
        first = await namespace["list_posts"](session, author_id=1)
        rest = await namespace["list_posts"](session, after=first[1]["id"])
        await scope.exit(ok=True)
    assert [p["title"] for p in first] == ["Post 2", "Post 1", "Post 0"]
    assert [p["title"] for p in rest] == ["Post 0"]


async def test_outside_requests_example_writes_through_the_manager(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    run(python_block("class PostRepository"), namespace)
    config = DatabaseConfig(url="sqlite+aiosqlite:///./app.db")
    async with (
        opened(config) as provider,
        provider.manager.engine("default").begin() as connection,
    ):
        await connection.run_sync(namespace["Base"].metadata.create_all)
    await run(python_block("DatabaseManager({"), namespace)
    async with (
        opened(config) as provider,
        provider.manager.engine("default").connect() as connection,
    ):
        titles = (await connection.execute(text("SELECT title FROM posts"))).scalars()
        assert list(titles) == ["Hello"]


async def test_the_page_example_returns_a_list_and_its_total(tmp_path: Path) -> None:
    namespace: dict[str, Any] = {}
    run(python_block("class PostRepository"), namespace)
    run(python_block("async def list_articles"), namespace)
    config = DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'docs.db'}")
    async with opened(config, namespace["Base"]) as provider:
        scope = provider.begin("db")
        session = await scope.enter()
        for index in range(5):
            title = f"{'asgi' if index % 2 else 'orm'} post {index}"
            await namespace["create_post"]({"slug": f"p{index}", "title": title, "author_id": 1},
                                           session)
        first = await namespace["list_articles"](session, limit=2)
        last = await namespace["list_articles"](session, offset=4, limit=2)
        tagged = await namespace["list_articles"](session, tag="asgi")
        await scope.exit(ok=True)
    assert [a["id"] for a in first["articles"]] == [5, 4] and first["articlesCount"] == 5
    assert [a["id"] for a in last["articles"]] == [1] and last["articlesCount"] == 5
    assert [a["id"] for a in tagged["articles"]] == [4, 2] and tagged["articlesCount"] == 2


async def test_the_utc_example_reads_back_aware_utc_and_refuses_naive_times(
    tmp_path: Path,
) -> None:
    namespace: dict[str, Any] = {}
    run(python_block("class Event"), namespace)
    event = namespace["Event"]
    config = DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'docs.db'}")
    paris = dt.timezone(dt.timedelta(hours=1))
    async with opened(config, namespace["Base"]) as provider:
        scope = provider.begin("db")
        session = await scope.enter()
        noon_in_paris = dt.datetime(2026, 12, 3, 13, tzinfo=paris)
        session.add_all([event(id=1), event(id=2, happened_at=noon_in_paris)])
        await session.flush()
        session.expunge_all()
        rows = {row.id: row.happened_at for row in await session.scalars(select(event))}
        await scope.exit(ok=True)
        assert rows[2] == dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC) and rows[2].tzinfo is dt.UTC
        assert rows[1].tzinfo is dt.UTC
        scope = provider.begin("db")
        session = await scope.enter()
        session.add(event(id=3, happened_at=dt.datetime(2026, 12, 3, 12)))
        with pytest.raises(StatementError, match="has no time zone"):
            await session.flush()
        await scope.exit(ok=False)
