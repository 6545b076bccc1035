"""Schema migrations (Alembic) and seed data for the databases of a covet.yaml.

What ``covet db`` runs, available from Python (docs/cli/db.md)::

    config = load_config("specs/covet.yaml")
    async with open_engine(config) as engine:
        await upgrade(engine, "schema/migrations")          # to the newest revision
        print(await current(engine, "schema/migrations"))   # ('0001',)
        rows = await seed(engine, load_seeder("schema.seed:seed", config), users=50)

The migrations directory is an ordinary Alembic one (``env.py``, ``versions/``); no
``alembic.ini`` is needed. :func:`init` writes one whose ``env.py`` hands the models' metadata to
:func:`run_migrations`; a hand-written ``env.py`` receives the open connection, already inside a
transaction, as ``config.attributes["connection"]`` and should run the migrations on it: the
engine is async, so they run through ``connection.run_sync``.

Every failure is a :class:`~covet.errors.CovetError` naming the file and key (``covet db``
prints it as ``covet: error: ...``): a ``pythonpath`` entry that is not a directory, models that
do not import, an ``env.py`` or revision that raises, a database that cannot be reached.
"""

from __future__ import annotations

import argparse
import contextlib
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import MetaData
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from covet._migration_files import write_folder
from covet.api import extend_sys_path
from covet.binding import import_object
from covet.config import CovetConfig
from covet.errors import ConfigError, CovetError, UsageError
from covet.providers.database._engine import build_engine
from covet.providers.database._errors import DatabaseUnavailableError, describe_failure

__all__ = [
    "Seeder",
    "current",
    "downgrade",
    "heads",
    "init",
    "load_seeder",
    "open_engine",
    "revision",
    "run_migrations",
    "seed",
    "upgrade",
    "use_pythonpath",
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
    except (OSError, sa_exc.DBAPIError, sa_exc.TimeoutError) as exc:
        reason = describe_failure(exc, connecting=True)
        if reason is not None:
            raise DatabaseUnavailableError(database, reason) from exc
        cause = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
        raise UsageError(
            f"database {database!r} refused a migration statement: {type(cause).__name__}: {cause}"
        ) from exc
    finally:
        await engine.dispose()


def use_pythonpath(config: CovetConfig, file: str | Path | None = None) -> None:
    """Put the config's ``pythonpath`` entries and directory on ``sys.path``, as the app does.

    Raises:
        ConfigError: an entry is not a directory (naming ``file`` and ``pythonpath[i]``).
    """
    for index, entry in enumerate(config.pythonpath):
        if not entry.is_dir():
            raise ConfigError(
                f"pythonpath[{index}]: {entry} is not a directory; list directories relative to "
                "covet.yaml that hold the project's modules (handlers, models)",
                file=None if file is None else str(Path(file).resolve()),
            )
    extend_sys_path(config)


def init(migrations: str | Path, models: str) -> Path:
    """Write a migrations folder (``env.py``, ``script.py.mako``, ``versions/``) for ``models``.

    Args:
        migrations: the directory to create; it must not exist yet, or be empty.
        models: ``"module:Base"`` (a declarative base) or ``"module:metadata"`` (a
            ``MetaData``), importable now (after :func:`use_pythonpath`).

    Returns:
        The directory, absolute.

    Raises:
        UsageError: the directory exists and is not empty, or ``models`` does not import or
            is neither a declarative base nor a ``MetaData``.
    """
    directory = Path(migrations).resolve()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(
            f"{directory} already exists and is not empty: covet db init writes a new "
            "migrations folder; pass another --migrations DIR, or keep the one you have"
        )
    module, _, name = models.partition(":")
    if not module or not name.isidentifier():
        raise UsageError(
            f"--models {models!r}: write it as 'module:Base' (your declarative base) or "
            "'module:metadata' (a MetaData)"
        )
    try:
        found = import_object(models)
    except (ImportError, AttributeError, ValueError) as exc:
        raise UsageError(
            f"--models {models!r} does not import ({exc}); it must be importable from the "
            "project (covet.yaml's directory and pythonpath are on sys.path)"
        ) from exc
    is_metadata = isinstance(found, MetaData)
    if not is_metadata and not isinstance(getattr(found, "metadata", None), MetaData):
        raise UsageError(
            f"--models {models!r} is a {type(found).__name__}, neither a declarative base "
            "(with .metadata) nor a MetaData"
        )
    write_folder(directory, module, name, is_metadata=is_metadata)
    return directory


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
    config.cmd_opts = argparse.Namespace(quiet=True)  # no "Generating ... done" on stdout
    return config


def heads(migrations: str | Path) -> tuple[str, ...]:
    """The newest revision(s) in ``migrations``.

    Raises:
        UsageError: not a migrations directory, or a revision file that does not load.
    """
    config = alembic_config(migrations)
    with _located(config):
        return tuple(ScriptDirectory.from_config(config).get_heads())


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


async def revision(
    engine: AsyncEngine | None, migrations: str | Path, message: str
) -> Path | None:
    """Write a new revision; with an ``engine``, autogenerated from the models' differences.

    With an engine, Alembic compares the database (which must be at head) with the metadata
    ``env.py`` passes to :func:`run_migrations` and writes the operations that close the gap;
    when there is none, nothing is written. Without one, the revision is empty, to fill by hand.

    Returns:
        The new revision file, or ``None`` when autogenerate found no difference.

    Raises:
        UsageError: the database is not at head, not a migrations directory, or ``env.py``
            (its models) fails.
    """
    config = alembic_config(migrations)
    if engine is None:
        with _located(config):
            script = command.revision(config, message)
        return _revision_path(script)
    config.attributes["covet.skip_empty"] = True

    def run_on(connection: Connection) -> Path | None:
        config.attributes["connection"] = connection
        with _located(config):
            return _revision_path(command.revision(config, message, autogenerate=True))

    async with engine.connect() as connection:
        return await connection.run_sync(run_on)


def run_migrations(target_metadata: MetaData | None = None, **options: Any) -> None:
    """The body of an ``env.py``: run Alembic on the connection ``covet db`` opened.

    What it sets (each overridable through ``options``, which go to ``context.configure``):
    ``render_as_batch`` on SQLite (it alters a table by copying it), ``compare_type=True``, and
    a ``render_item`` that adds the ``import`` a new revision needs for a column type defined
    outside SQLAlchemy (``covet.UTCDateTime``, your own types).

    Raises:
        UsageError: ``env.py`` was run by something other than ``covet db`` (the ``alembic``
            command), which opens no connection for it.
    """
    from alembic import context

    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        raise UsageError(
            "this env.py runs under `covet db` (upgrade, downgrade, current, revision), which "
            "opens the database covet.yaml declares; it opens no connection of its own"
        )
    settings: dict[str, Any] = {
        "connection": connection,
        "target_metadata": target_metadata,
        "render_as_batch": connection.dialect.name == "sqlite",
        "compare_type": True,
        "render_item": _render_item,
    }
    if config.attributes.get("covet.skip_empty"):
        settings["process_revision_directives"] = _skip_empty
    settings.update(options)
    context.configure(**settings)
    with context.begin_transaction():
        context.run_migrations()


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


def _render_item(kind: str, item: Any, autogen_context: Any) -> str | bool:
    """Alembic's own rendering, plus the import of a custom type's module (NOTE: Alembic
    writes ``package.module.Type()`` for such a type but does not import the module)."""
    if kind == "type":
        module = type(item).__module__
        if not module.startswith("sqlalchemy.") and module != "builtins":
            autogen_context.imports.add(f"import {module}")
    return False


def _skip_empty(context: Any, revision: Any, directives: list[Any]) -> None:
    if directives and directives[0].upgrade_ops.is_empty():
        directives[:] = []


def _revision_path(script: Any) -> Path | None:
    if isinstance(script, list):
        if not script:
            return None
        (script,) = script
    return None if script is None else Path(script.path)


@contextlib.contextmanager
def _located(config: Config) -> Iterator[None]:
    """Alembic's and the migration files' failures as a ``UsageError`` naming the file and line.

    NOTE: ``env.py`` and the revisions are the project's code, loaded by Alembic: an import of
    models not on ``sys.path``, or any exception in them, would otherwise reach ``covet db`` as
    a traceback.
    """
    directory = Path(str(config.get_main_option("script_location")))
    try:
        yield
    except CommandError as exc:
        raise UsageError(f"{exc} (migrations in {directory})") from exc
    except (CovetError, sa_exc.DBAPIError, OSError, sa_exc.TimeoutError):
        raise  # the database's and CovetPy's own errors are reported by the caller
    except Exception as exc:
        where = _innermost_in(exc, directory)
        if isinstance(exc, ImportError) and exc.name:
            raise UsageError(
                f"{where}: cannot import {exc.name!r} ({exc}); add the directory that holds it "
                "to covet.yaml's pythonpath (relative to covet.yaml)"
            ) from exc
        raise UsageError(f"{where}: {type(exc).__name__}: {exc}") from exc


def _innermost_in(exc: BaseException, directory: Path) -> str:
    """``file:line`` of the deepest traceback frame inside ``directory`` (else the directory)."""
    where = str(directory)
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.filename:
        frames.append(traceback.FrameSummary(exc.filename, exc.lineno or 0, "<module>"))
    for frame in frames:
        if Path(frame.filename).is_relative_to(directory):
            where = f"{frame.filename}:{frame.lineno}"
    return where


async def _run(
    engine: AsyncEngine, migrations: str | Path, step: Callable[[Config, str], None], revision: str
) -> None:
    config = alembic_config(migrations)

    def run_on(connection: Connection) -> None:
        config.attributes["connection"] = connection
        with _located(config):
            step(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run_on)
