"""The ``covet`` command: a thin shell over the same loader and app as the Python API.

Each command is a module here with ``add_parser(commands)``; its handler returns the exit status.
Building the parser stays light: a command imports what it runs (the linter, the scaffolding,
alembic) inside its handler, so ``covet run`` loads only what serving needs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from covet.cli import check_backends, db, generate, new
from covet.cli import openapi as openapi
from covet.cli import routes as routes
from covet.cli import run as run
from covet.cli import validate as validate
from covet.cli.run import app_factory
from covet.errors import CovetError

__all__ = ["app_factory", "build_parser", "main"]

COMMANDS = (run, routes, validate, new, generate, openapi, db, check_backends)


def build_parser() -> argparse.ArgumentParser:
    """The ``covet`` parser with every command registered."""
    parser = argparse.ArgumentParser(prog="covet", description="Spec-first API engine.")
    commands = parser.add_subparsers(dest="command")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``covet`` command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except CovetError as exc:
        return _fail(str(exc))
    except OSError as exc:  # a file the command reads or writes: name it, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}")
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of covet's own: still one line, the traceback on request
        if os.environ.get("COVET_TRACEBACK"):
            raise
        return _fail(
            f"unexpected {type(exc).__name__}: {exc} (a bug in covet: please report it; "
            "COVET_TRACEBACK=1 shows the traceback)"
        )


def _fail(message: str) -> int:
    print(f"covet: error: {message}", file=sys.stderr)
    return 1
