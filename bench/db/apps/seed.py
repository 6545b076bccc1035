"""Create the benchmark database if needed and (re)load the deterministic data into it.

    python bench/db/apps/seed.py postgresql+asyncpg://postgres@127.0.0.1:5432/covet_bench

Run by bench/db/run.py with bench/.venv's interpreter, once per run. The database is created
through the maintenance database named by --admin-db (CREATE DATABASE needs another one);
its tables are dropped and recreated, so a run never depends on a previous one.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import dataset
from blog_db import Base, Post, User
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

BATCH = 5_000


async def create_database(url: str, admin_db: str) -> str:
    """Create the database unless it exists; return the server's version."""
    target = make_url(url)
    admin = create_async_engine(target.set(database=admin_db), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            found = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database})
            if not found:
                quoted = target.database.replace('"', '""')
                await connection.execute(text(f'CREATE DATABASE "{quoted}"'))
                print(f"created database {target.database}", flush=True)
            return str(await connection.scalar(text("SHOW server_version")))
    finally:
        await admin.dispose()


async def load(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(insert(User), [{"id": u.id, "name": u.name}
                                                    for u in dataset.users()])
            rows: list[dict[str, Any]] = [
                {"id": p.id, "user_id": p.user_id, "title": p.title, "body": p.body,
                 "created_at": p.created_at} for p in dataset.posts()]
            for start in range(0, len(rows), BATCH):
                await connection.execute(insert(Post), rows[start:start + BATCH])
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE users"))
            await connection.execute(text("VACUUM ANALYZE posts"))
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="SQLAlchemy URL of the benchmark database")
    parser.add_argument("--admin-db", default="postgres", help="database to run CREATE DATABASE from")
    args = parser.parse_args()
    start = time.perf_counter()
    version = await create_database(args.url, args.admin_db)
    await load(args.url)
    print(f"postgres_version={version}")
    print(f"seeded {dataset.USERS:,} users and {dataset.USERS * dataset.POSTS_PER_USER:,} posts "
          f"in {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
