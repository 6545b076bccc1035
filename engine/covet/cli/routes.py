"""``covet routes``: print the compiled route table, or write it to a database table.

    covet routes [-c specs/covet.yaml]
    covet routes --sync-db [--database default] [--table covet_routes]
"""

from __future__ import annotations

import argparse
from typing import Any

from covet.cli._common import add_config_argument

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    routes = commands.add_parser("routes", help="print the compiled route table")
    add_config_argument(routes)
    routes.add_argument(
        "--sync-db", action="store_true",
        help="write the route table to a database table (replacing its rows) instead of printing it",
    )
    routes.add_argument("--database", default="default",
                        help="with --sync-db: which providers.database (default: default)")
    routes.add_argument("--table", default="covet_routes",
                        help="with --sync-db: the table (default: covet_routes; created if missing)")
    routes.set_defaults(func=_routes)


def _routes(args: argparse.Namespace) -> int:
    from covet.app import CovetApp  # NOTE: here, so building the parser stays light
    from covet.config import load_config

    app = CovetApp(load_config(args.config))
    if args.sync_db:
        return _sync(app, args)
    rows = [("METHOD", "PATH", "OPERATION", "HANDLER")]
    rows += [(r.method, r.path, r.operation_id or "-", r.handler) for r in app.api.routes]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    return 0


def _sync(app: Any, args: argparse.Namespace) -> int:
    import asyncio

    from covet import migrations
    from covet.route_catalog import catalog_rows, sync_catalog

    rows = catalog_rows(app)

    async def write() -> int:
        async with migrations.open_engine(app.config, args.database) as engine:
            return await sync_catalog(engine, rows, args.table)

    count = asyncio.run(write())
    print(f"database {args.database!r}: {count} routes written to {args.table}")
    return 0
