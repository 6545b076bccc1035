"""Schema migrations (Alembic) and seed data for the databases of a covet.yaml.

What ``covet db`` runs, available from Python (docs/cli/db.md)::

    config = load_config("specs/covet.yaml")
    async with open_engine(config) as engine:
        await upgrade(engine, "schema/migrations")          # to the newest revision
        print(await current(engine, "schema/migrations"))   # ('0001',)
        rows = await seed(engine, load_seeder("schema.seed:seed", config), users=50)

The migrations directory is an ordinary Alembic one (``env.py``, ``versions/``); no
``alembic.ini`` is needed. Its ``env.py`` receives the open connection, already inside a
transaction, as ``config.attributes["connection"]`` and should run the migrations on it: the
engine is async, so they run through ``connection.run_sync``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from covet.api import extend_sys_path
from covet.binding import import_object
from covet.config import CovetConfig
from covet.errors import UsageError
from covet.providers.database._engine import build_engine

__all__ = [
    "Seeder",
    "current",
    "downgrade",
    "heads",
    "load_seeder",
    "open_engine",
    "seed",
    "upgrade",
]

Seeder = Callable[..., Awaitable[Mapping[str, int]]]
"""``async def seed(session, **options) -> {table: rows inserted}``; it must not commit."""


@contextlib.asynccontextmanager
async def open_engine(config: CovetConfig, database: str = "default") -> AsyncIterator[AsyncEngine]:
    """The engine of ``providers.database.<database>``, built as the app builds it, disposed after.

    Raises:
        UsageError: covet.yaml declares no such database.
        ConfigError: its URL cannot be used.
    """
    databases = config.providers.database
    if database not in databases:
        known = ", ".join(databases) or "none"
        raise UsageError(
            f"covet.yaml declares no database {database!r} (declared: {known}); add it under "
            "providers.database or pass --database"
        )
    engine = build_engine(database, databases[database])
    try:
        yield engine
    finally:
        await engine.dispose()


def alembic_config(migrations: str | Path) -> Config:
    """An Alembic ``Config`` for the migrations in directory ``migrations`` (no ini file).

    Raises:
        UsageError: the directory has no ``env.py``.
    """
    directory = Path(migrations).resolve()
    if not (directory / "env.py").is_file():
        raise UsageError(
            f"{directory} is not an Alembic migrations directory (no env.py); point at the "
            "directory holding env.py and versions/ (covet db: --migrations DIR)"
        )
    config = Config()
    config.set_main_option("script_location", str(directory))
    return config


def heads(migrations: str | Path) -> tuple[str, ...]:
    """The newest revision(s) in ``migrations``."""
    return tuple(ScriptDirectory.from_config(alembic_config(migrations)).get_heads())


async def current(engine: AsyncEngine, migrations: str | Path) -> tuple[str, ...]:
    """The revision(s) the database is at; ``()`` for one never migrated."""
    alembic_config(migrations)  # the same check as the other commands
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def upgrade(engine: AsyncEngine, migrations: str | Path, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` (``head``: the newest), in one transaction
    where the backend has transactional DDL (PostgreSQL, SQLite).

    Raises:
        UsageError: no such revision, or not a migrations directory.
    """
    await _run(engine, migrations, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, migrations: str | Path, revision: str) -> None:
    """Migrate the database down to ``revision`` (``base``: before the first, no tables).

    Raises:
        UsageError: no such revision, or not a migrations directory.
    """
    await _run(engine, migrations, command.downgrade, revision)


def load_seeder(reference: str, config: CovetConfig | None = None) -> Seeder:
    """The seed function ``"module:function"``, importable from the config's ``pythonpath``.

    Raises:
        UsageError: it cannot be imported or is not callable.
    """
    if config is not None:
        extend_sys_path(config)
    try:
        found = import_object(reference)
    except (ImportError, AttributeError, ValueError) as exc:
        raise UsageError(
            f"cannot import the seeder {reference!r} ({exc}); write it as 'module:function' "
            "importable from the project (covet.yaml's pythonpath is on sys.path)"
        ) from exc
    if not callable(found):
        raise UsageError(f"the seeder {reference!r} is not a function")
    seeder: Seeder = found
    return seeder


async def seed(engine: AsyncEngine, seeder: Seeder, **options: Any) -> dict[str, int]:
    """Run ``seeder(session, **options)`` in one transaction, committed if it returns.

    Returns:
        What the seeder reports: table -> rows inserted (empty when it had nothing to do).
    """
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        inserted = await seeder(session, **options)
    return dict(inserted)


def _current(connection: Connection) -> tuple[str, ...]:
    return tuple(MigrationContext.configure(connection).get_current_heads())


async def _run(
    engine: AsyncEngine, migrations: str | Path, step: Callable[[Config, str], None], revision: str
) -> None:
    config = alembic_config(migrations)

    def run_on(connection: Connection) -> None:
        config.attributes["connection"] = connection
        try:
            step(config, revision)
        except CommandError as exc:
            raise UsageError(f"{exc} (migrations in {config.get_main_option('script_location')})")

    async with engine.begin() as connection:
        await connection.run_sync(run_on)
