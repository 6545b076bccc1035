"""Throwaway databases for the schema, CLI and end-to-end tests: a new SQLite file, or a new
database on the real PostgreSQL or MariaDB server, dropped afterwards (so runs never collide and
the server's ``test`` database is left alone).

Servers come from ``COVET_TEST_POSTGRES_URL`` / ``COVET_TEST_MARIADB_URL`` as in
tests/providers/backends.py; an unreachable one skips the test (fails it when ``CI=true``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from covet.providers.database._engine import database_url
from tests.providers.backends import backend

MIGRATIONS = Path(__file__).resolve().parents[2] / "schema" / "migrations"


async def create_database(kind: str, tmp_path: Path) -> str:
    """The URL of a new, empty database of ``kind`` (sqlite, postgresql or mariadb)."""
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / f'covet-{uuid.uuid4().hex[:8]}.db'}"
    server = database_url(kind, backend(kind, tmp_path).url)  # with the async driver
    name = f"covet_test_{uuid.uuid4().hex[:12]}"
    await _administer(server.render_as_string(False), f"CREATE DATABASE {name}")
    return server.set(database=name).render_as_string(False)


async def drop_database(url: str) -> None:
    """Drop the database ``create_database`` made (a SQLite file goes with tmp_path)."""
    parsed = make_url(url)
    backend_name = parsed.get_backend_name()
    if backend_name == "sqlite":
        return
    name = parsed.database
    if not name or not name.startswith("covet_test_"):
        raise ValueError(f"refusing to drop {name!r}: not a throwaway database")
    home = parsed.set(database="postgres" if backend_name == "postgresql" else "mysql")
    force = " WITH (FORCE)" if backend_name == "postgresql" else ""
    await _administer(home.render_as_string(False), f"DROP DATABASE IF EXISTS {name}{force}")


@asynccontextmanager
async def throwaway_database(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    url = await create_database(kind, tmp_path)
    try:
        yield url
    finally:
        await drop_database(url)


async def _administer(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()
