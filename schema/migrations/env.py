"""The Alembic environment of the reference application's schema.

``covet db upgrade`` (``covet.migrations``) hands this module an open connection, already inside
a transaction, in ``config.attributes["connection"]``: the migrations run on it through the async
engine's ``connection.run_sync``. Run by the ``alembic`` command instead
(``alembic -c schema/alembic.ini upgrade head``), it opens an async engine itself on
``sqlalchemy.url`` or ``$DATABASE_URL`` (the same default as specs/covet.yaml). ``--sql`` prints
the DDL without connecting.
"""

from __future__ import annotations

import asyncio
import os
import sys
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # NOTE: the alembic command does not put the project on sys.path
    sys.path.insert(0, str(ROOT))

from schema.models import Base

DEFAULT_URL = "sqlite+aiosqlite:///./covet.db"


def database_url() -> str:
    return context.config.get_main_option("sqlalchemy.url") or os.environ.get(
        "DATABASE_URL", DEFAULT_URL
    )


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_on_new_engine(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=Base.metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    given = context.config.attributes.get("connection")
    if given is None and context.config.config_file_name is not None:
        fileConfig(context.config.config_file_name, disable_existing_loggers=False)
    if context.is_offline_mode():
        run_offline()
    elif given is not None:
        run_on(given)
    else:
        asyncio.run(run_on_new_engine(database_url()))


main()
