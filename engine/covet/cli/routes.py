"""``covet routes``: print the compiled route table.

    covet routes [-c specs/covet.yaml]
"""

from __future__ import annotations

import argparse

from covet.cli._common import add_config_argument

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    routes = commands.add_parser("routes", help="print the compiled route table")
    add_config_argument(routes)
    routes.set_defaults(func=_routes)


def _routes(args: argparse.Namespace) -> int:
    from covet.app import CovetApp  # NOTE: here, so building the parser stays light
    from covet.config import load_config

    app = CovetApp(load_config(args.config))
    rows = [("METHOD", "PATH", "OPERATION", "HANDLER")]
    rows += [(r.method, r.path, r.operation_id or "-", r.handler) for r in app.api.routes]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    return 0
