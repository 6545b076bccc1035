"""Each schema test runs on a new database of each backend: a SQLite file, PostgreSQL, MariaDB.

``database_url`` is the empty database; ``engine`` is the app's engine on it (foreign keys
enforced on SQLite as in the app), with the schema migrated to head.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from covet import migrations
from covet.config import DatabaseConfig
from covet.providers.database._engine import build_engine
from tests.providers.backends import ALL
from tests.schema.databases import MIGRATIONS, throwaway_database


@pytest.fixture(params=ALL)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with throwaway_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The app's kind of engine on ``database_url``, not migrated."""
    engine = build_engine("default", DatabaseConfig(url=database_url))
    yield engine
    await engine.dispose()


@pytest.fixture
async def migrated(engine: AsyncEngine) -> AsyncEngine:
    await migrations.upgrade(engine, MIGRATIONS)
    return engine
