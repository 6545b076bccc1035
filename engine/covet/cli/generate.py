"""``covet generate handlers``: typed handler stubs for every operation of a spec.

    covet generate handlers SPEC                         # print the module
    covet generate handlers SPEC --out pkg/handlers.py   # write a new module
    covet generate handlers SPEC --out pkg/handlers.py --sync   # append only what is missing
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from covet.errors import UsageError

if TYPE_CHECKING:
    from covet.scaffold.generate import GeneratedHandlers

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    generate = commands.add_parser("generate", help="generate code from a spec")
    kinds = generate.add_subparsers(dest="kind", metavar="KIND", required=True)
    handlers = kinds.add_parser(
        "handlers",
        help="typed async handler stubs for every operation",
        description="Write one typed async stub per operation of SPEC. Existing functions are "
        "never overwritten: with --sync, only the missing ones are appended to FILE.",
    )
    handlers.add_argument("spec", metavar="SPEC", help="the OpenAPI document")
    handlers.add_argument(
        "-o", "--out", metavar="FILE", help="the module to write (default: print it to stdout)"
    )
    handlers.add_argument(
        "--sync",
        action="store_true",
        help="FILE exists: append the handlers it is missing (and their imports), change nothing else",
    )
    handlers.set_defaults(func=_handlers)


def _handlers(args: argparse.Namespace) -> int:
    from covet.scaffold.generate import generate_handlers  # NOTE: here: `covet run` skips it

    try:
        result = generate_handlers(args.spec, args.out, sync=args.sync)
    except UsageError as exc:
        print(f"covet generate: error: {exc}", file=sys.stderr)
        return 2
    for warning in result.warnings:
        print(f"covet generate: warning: {warning}", file=sys.stderr)
    if result.out is None:
        sys.stdout.write(result.text)
    else:
        _report(result)
    return 0


def _report(result: GeneratedHandlers) -> None:
    out = result.out
    if result.added:
        print(f"{out}: added {_count(result.added)}: {', '.join(result.added)}")
    else:
        print(f"{out}: nothing to add")
    if result.kept:
        print(f"{out}: kept {_count(result.kept)} already there, unchanged: {', '.join(result.kept)}")


def _count(names: tuple[str, ...]) -> str:
    return f"{len(names)} handler{'s' if len(names) != 1 else ''}"
