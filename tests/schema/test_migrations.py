"""schema/migrations on SQLite, PostgreSQL and MariaDB: up, in step with the models, and down."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from covet import migrations
from schema import Base
from tests.schema.databases import MIGRATIONS

TABLES = {"users", "posts", "comments"}


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def layout(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    tables = set(inspector.get_table_names()) - {"alembic_version"}
    return {
        "tables": tables,
        "unique": {
            (t, tuple(u["column_names"])) for t in tables for u in inspector.get_unique_constraints(t)
        },
        "indexes": {
            (t, tuple(str(c) for c in i["column_names"]))
            for t in tables for i in inspector.get_indexes(t) if not i.get("unique")
        },
        "foreign_keys": {
            (t, tuple(f["constrained_columns"]), f["referred_table"])
            for t in tables for f in inspector.get_foreign_keys(t)
        },
    }


async def test_upgrade_to_head_creates_the_tables_the_models_describe(engine: AsyncEngine) -> None:
    assert await migrations.current(engine, MIGRATIONS) == ()
    await migrations.upgrade(engine, MIGRATIONS)
    assert await migrations.current(engine, MIGRATIONS) == migrations.heads(MIGRATIONS)
    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []
        found = await connection.run_sync(layout)
    assert found["tables"] == TABLES
    assert found["unique"] >= {("users", ("email",)), ("posts", ("idempotency_key",))}
    assert found["indexes"] >= {
        ("users", ("created_at",)), ("users", ("name",)),
        ("posts", ("author_id", "created_at")), ("posts", ("created_at",)),
        ("comments", ("post_id", "created_at")),
    }
    assert found["foreign_keys"] == {
        ("posts", ("author_id",), "users"), ("comments", ("post_id",), "posts"),
        ("comments", ("author_id",), "users"),
    }


async def test_upgrade_again_changes_nothing(engine: AsyncEngine) -> None:
    await migrations.upgrade(engine, MIGRATIONS)
    await migrations.upgrade(engine, MIGRATIONS)
    assert await migrations.current(engine, MIGRATIONS) == migrations.heads(MIGRATIONS)


async def test_downgrade_to_base_drops_every_table_and_upgrade_restores_them(
    engine: AsyncEngine,
) -> None:
    await migrations.upgrade(engine, MIGRATIONS)
    await migrations.downgrade(engine, MIGRATIONS, "base")
    assert await migrations.current(engine, MIGRATIONS) == ()
    async with engine.connect() as connection:
        assert (await connection.run_sync(layout))["tables"] == set()
    await migrations.upgrade(engine, MIGRATIONS)
    async with engine.connect() as connection:
        assert (await connection.run_sync(layout))["tables"] == TABLES
