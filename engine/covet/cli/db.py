"""``covet db``: migrate and seed the databases a covet.yaml declares.

    covet db upgrade   [-c specs/covet.yaml] [--database NAME] [--migrations DIR] [--revision head]
    covet db downgrade --revision REV [-c ...] [--database NAME] [--migrations DIR]
    covet db current   [-c ...] [--database NAME] [--migrations DIR]
    covet db seed      [-c ...] [--database NAME] [--seeder MODULE:FUNC] [--users N]
                       [--posts-per-user M]

A thin shell over :mod:`covet.migrations` (docs/cli/db.md).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from covet.cli._common import add_config_argument

if TYPE_CHECKING:
    from collections.abc import Coroutine

__all__ = ["add_parser"]

DEFAULT_MIGRATIONS = "schema/migrations"
DEFAULT_SEEDER = "schema.seed:seed"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="migrate (Alembic) and seed the configured databases")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
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
    return _run_async(_migrate(args, "upgrade"))


def _downgrade(args: argparse.Namespace) -> int:
    return _run_async(_migrate(args, "downgrade"))


def _current(args: argparse.Namespace) -> int:
    return _run_async(_print_current(args))


def _seed(args: argparse.Namespace) -> int:
    return _run_async(_run_seeder(args))


def _run_async(main: Coroutine[Any, Any, int]) -> int:
    import asyncio  # NOTE: here, so building the parser (every `covet` command) stays light

    return asyncio.run(main)


async def _migrate(args: argparse.Namespace, direction: str) -> int:
    from covet import migrations  # NOTE: here, so only `covet db` loads alembic
    from covet.config import load_config

    config = load_config(args.config)
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


async def _print_current(args: argparse.Namespace) -> int:
    from covet import migrations  # NOTE: here, so only `covet db` loads alembic
    from covet.config import load_config

    config = load_config(args.config)
    async with migrations.open_engine(config, args.database) as engine:
        revisions = await migrations.current(engine, args.migrations)
    print(_describe(revisions, migrations.heads(args.migrations)))
    return 0


async def _run_seeder(args: argparse.Namespace) -> int:
    from covet import migrations  # NOTE: here, so only `covet db` loads alembic
    from covet.config import load_config

    config = load_config(args.config)
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
