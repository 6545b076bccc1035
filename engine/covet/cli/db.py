"""``covet db``: migrate and seed the databases a covet.yaml declares.

    covet db init      --models MODULE:BASE [-c ...] [--database NAME] [--migrations DIR]
    covet db revision  -m MESSAGE [--autogenerate] [-c ...] [--database NAME] [--migrations DIR]
    covet db upgrade   [-c specs/covet.yaml] [--database NAME] [--migrations DIR] [--revision head]
    covet db downgrade --revision REV [-c ...] [--database NAME] [--migrations DIR]
    covet db current   [-c ...] [--database NAME] [--migrations DIR]
    covet db seed      [-c ...] [--database NAME] [--seeder MODULE:FUNC] [--users N]
                       [--posts-per-user M]

A thin shell over :mod:`covet.migrations` (docs/cli/db.md). Every action first puts covet.yaml's
``pythonpath`` on ``sys.path``, as ``covet run`` does, so models import as the app imports them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from covet.cli._common import add_config_argument
from covet.errors import ProviderError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from covet.config import CovetConfig

__all__ = ["add_parser"]

DEFAULT_MIGRATIONS = "schema/migrations"
DEFAULT_SEEDER = "schema.seed:seed"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="migrate (Alembic) and seed the configured databases")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    init = _action(actions, "init", "write a migrations folder (env.py, template) for the models")
    init.add_argument(
        "--models", required=True, metavar="MODULE:BASE",
        help="the models' declarative base (or MetaData), e.g. models:Base",
    )
    init.set_defaults(func=_init)
    revision = _action(actions, "revision", "write a new revision (--autogenerate: from the models)")
    revision.add_argument("-m", "--message", required=True, help="what the revision does")
    revision.add_argument(
        "--autogenerate", action="store_true",
        help="compare the database (at head) with the models and write the difference",
    )
    revision.set_defaults(func=_revision)
    upgrade = _action(actions, "upgrade", "migrate up to a revision (default: the newest)")
    upgrade.add_argument("--revision", default="head", help="target revision (default: head)")
    upgrade.set_defaults(func=_upgrade)
    downgrade = _action(actions, "downgrade", "migrate down to a revision ('base': no tables)")
    downgrade.add_argument("--revision", required=True, help="target revision, or base")
    downgrade.set_defaults(func=_downgrade)
    _action(actions, "current", "print the revision the database is at").set_defaults(
        func=_current
    )
    seed = _action(actions, "seed", "insert sample data (into an empty database)", migrations=False)
    seed.add_argument(
        "--seeder", default=DEFAULT_SEEDER,
        help=f"async seed function, module:function (default: {DEFAULT_SEEDER})",
    )
    seed.add_argument("--users", type=_count, help="users to create (passed as users=N)")
    seed.add_argument(
        "--posts-per-user", type=_count, dest="posts_per_user",
        help="posts per user (passed as posts_per_user=M)",
    )
    seed.set_defaults(func=_seed)


def _action(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    *,
    migrations: bool = True,
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=summary, description=summary)
    add_config_argument(parser)
    parser.add_argument(
        "--database", default="default", metavar="NAME",
        help="which of providers.database (default: default)",
    )
    if migrations:
        parser.add_argument(
            "--migrations", default=DEFAULT_MIGRATIONS, metavar="DIR",
            help=f"the Alembic migrations directory (default: {DEFAULT_MIGRATIONS})",
        )
    return parser


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def _upgrade(args: argparse.Namespace) -> int:
    return _run_async(args, lambda config: _migrate(args, config, "upgrade"))


def _downgrade(args: argparse.Namespace) -> int:
    return _run_async(args, lambda config: _migrate(args, config, "downgrade"))


def _current(args: argparse.Namespace) -> int:
    return _run_async(args, lambda config: _print_current(args, config))


def _seed(args: argparse.Namespace) -> int:
    return _run_async(args, lambda config: _run_seeder(args, config))


def _revision(args: argparse.Namespace) -> int:
    return _run_async(args, lambda config: _write_revision(args, config))


def _load(args: argparse.Namespace) -> CovetConfig:
    """covet.yaml, its ``pythonpath`` on ``sys.path`` (checked: each entry a directory)."""
    from covet import migrations  # NOTE: here, so only `covet db` loads alembic
    from covet.config import load_config

    config = load_config(args.config)
    migrations.use_pythonpath(config, args.config)
    return config


def _run_async(
    args: argparse.Namespace, action: Callable[[CovetConfig], Coroutine[Any, Any, int]]
) -> int:
    """Run ``action`` on the loaded config; an unreachable database is reported against its
    key in covet.yaml."""
    import asyncio  # NOTE: here, so building the parser (every `covet` command) stays light

    config = _load(args)
    try:
        return asyncio.run(action(config))
    except ProviderError as exc:
        raise UsageError(
            f"{Path(args.config).resolve()}: providers.database.{args.database}: {exc}; check "
            "its url and that the server is running"
        ) from exc


def _init(args: argparse.Namespace) -> int:
    from covet import migrations

    config = _load(args)
    if args.database not in config.providers.database:
        known = ", ".join(config.providers.database) or "none"
        raise UsageError(
            f"{Path(args.config).resolve()}: providers.database declares no {args.database!r} "
            f"(declared: {known}); add it or pass --database"
        )
    migrations.init(args.migrations, args.models)
    print(f"wrote {args.migrations}: env.py (models {args.models}), script.py.mako, versions/")
    return 0


async def _write_revision(args: argparse.Namespace, config: CovetConfig) -> int:
    from covet import migrations

    if not args.autogenerate:
        path = await migrations.revision(None, args.migrations, args.message)
    else:
        async with migrations.open_engine(config, args.database) as engine:
            at, heads = await migrations.current(engine, args.migrations), migrations.heads(
                args.migrations
            )
            if set(at) != set(heads):
                raise UsageError(
                    f"database {args.database!r} is at {_describe(at, heads)}, not at the newest "
                    f"revision ({', '.join(heads)}): run `covet db upgrade` first, so "
                    "--autogenerate compares the models with the schema the migrations make"
                )
            path = await migrations.revision(engine, args.migrations, args.message)
    if path is None:
        print(f"database {args.database!r} matches the models: no revision written")
        return 0
    print(f"wrote revision {path.name.partition('_')[0]} ({args.message}): {path}")
    return 0


async def _migrate(args: argparse.Namespace, config: CovetConfig, direction: str) -> int:
    from covet import migrations

    async with migrations.open_engine(config, args.database) as engine:
        before = await migrations.current(engine, args.migrations)
        step = migrations.upgrade if direction == "upgrade" else migrations.downgrade
        await step(engine, args.migrations, args.revision)
        after = await migrations.current(engine, args.migrations)
    heads = migrations.heads(args.migrations)
    if before == after:
        print(f"database {args.database!r} is at {_describe(after, heads)}: nothing to do")
    else:
        print(f"database {args.database!r}: {_describe(before, heads)} -> {_describe(after, heads)}")
    return 0


async def _print_current(args: argparse.Namespace, config: CovetConfig) -> int:
    from covet import migrations

    async with migrations.open_engine(config, args.database) as engine:
        revisions = await migrations.current(engine, args.migrations)
    print(_describe(revisions, migrations.heads(args.migrations)))
    return 0


async def _run_seeder(args: argparse.Namespace, config: CovetConfig) -> int:
    from covet import migrations

    seeder = migrations.load_seeder(args.seeder, config)
    options: dict[str, Any] = {
        name: getattr(args, name) for name in ("users", "posts_per_user")
        if getattr(args, name) is not None
    }
    async with migrations.open_engine(config, args.database) as engine:
        inserted = await migrations.seed(engine, seeder, **options)
    if not inserted:
        print(f"database {args.database!r} already has data: nothing seeded")
        return 0
    counts = ", ".join(f"{rows} {table}" for table, rows in inserted.items())
    print(f"database {args.database!r} seeded: {counts}")
    return 0


def _describe(revisions: tuple[str, ...], heads: tuple[str, ...]) -> str:
    if not revisions:
        return "no revision (empty)"
    marks = [f"{r} (head)" if r in heads else r for r in revisions]
    return ", ".join(marks)
