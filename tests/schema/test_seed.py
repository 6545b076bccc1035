"""schema.seed: the same sample data on every run and every backend, the README's users first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from covet import migrations
from covet.config import DatabaseConfig
from covet.errors import UsageError
from covet.providers.database._engine import build_engine
from schema import Comment, Post, User
from schema.seed import seed
from tests.schema.databases import MIGRATIONS, throwaway_database


async def dump(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every seeded row as plain values, in a backend-independent order."""
    async with async_sessionmaker(engine)() as session:
        users = await session.scalars(select(User).order_by(User.id))
        posts = await session.scalars(select(Post).order_by(Post.author_id, Post.created_at))
        comments = await session.scalars(select(Comment).order_by(Comment.id))
        return {
            "users": [(u.id, u.email, u.name, u.age, u.role, u.created_at) for u in users],
            "posts": [(p.id, p.author_id, p.title, p.body, p.tags, p.status, p.created_at,
                       p.idempotency_key) for p in posts],
            "comments": [(c.id, c.post_id, c.author, c.text, c.created_at) for c in comments],
        }


async def seeded_sqlite(tmp_path: Path, **options: Any) -> dict[str, list[tuple[Any, ...]]]:
    async with throwaway_database("sqlite", tmp_path) as url:
        engine = build_engine("default", DatabaseConfig(url=url))
        try:
            await migrations.upgrade(engine, MIGRATIONS)
            await migrations.seed(engine, seed, **options)
            return await dump(engine)
        finally:
            await engine.dispose()


async def test_seed_writes_the_same_rows_on_every_backend_and_run(
    migrated: AsyncEngine, tmp_path: Path
) -> None:
    inserted = await migrations.seed(migrated, seed)
    rows = await dump(migrated)
    assert rows == await seeded_sqlite(tmp_path)
    assert inserted == {name: len(table) for name, table in rows.items()}
    assert 250 <= sum(inserted.values()) <= 500  # a few hundred rows


async def test_the_first_users_are_the_ones_the_readme_names(migrated: AsyncEngine) -> None:
    await migrations.seed(migrated, seed, users=3, posts_per_user=1)
    users = (await dump(migrated))["users"]
    assert [(u[0], u[1], u[2], u[4]) for u in users] == [
        (1, "ada@example.com", "Ada", "admin"),
        (2, "brian@example.com", "Brian", "author"),
        (3, "chen@example.com", "Chen", "reader"),
    ]


async def test_seed_fills_only_an_empty_database(migrated: AsyncEngine) -> None:
    first = await migrations.seed(migrated, seed, users=5, posts_per_user=2)
    assert first["users"] == 5 and first["posts"] == 10
    assert await migrations.seed(migrated, seed) == {}
    assert len((await dump(migrated))["users"]) == 5


@pytest.mark.parametrize(("users", "posts_per_user"), [(2, 1), (3, -1)])
async def test_seed_refuses_fewer_users_than_the_named_ones(
    tmp_path: Path, users: int, posts_per_user: int
) -> None:
    async with throwaway_database("sqlite", tmp_path) as url:
        engine = build_engine("default", DatabaseConfig(url=url))
        try:
            await migrations.upgrade(engine, MIGRATIONS)
            with pytest.raises(UsageError, match="users >= 3"):
                await migrations.seed(engine, seed, users=users, posts_per_user=posts_per_user)
        finally:
            await engine.dispose()


async def test_different_options_give_proportionate_data(tmp_path: Path) -> None:
    rows = await seeded_sqlite(tmp_path, users=10, posts_per_user=3)
    assert len(rows["users"]) == 10 and len(rows["posts"]) == 30
    authors = {post[1] for post in rows["posts"]}
    assert authors == set(range(1, 11))
