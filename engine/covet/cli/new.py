"""``covet new``: create a runnable starter project.

    covet new NAME [--dir PATH]
"""

from __future__ import annotations

import argparse
import sys

from covet.errors import UsageError

__all__ = ["add_parser"]

# NOTE: covet.scaffold.project.NAME_RULE, spelled out so that building the parser (as `covet run`
# does) never imports the scaffolding; tests/cli/test_imports.py pins it to the original.
NAME_RULE = "letters, digits, '-' and '_', starting with a letter, at most 64 characters"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    new = commands.add_parser(
        "new",
        help="create a runnable starter project (spec, handlers, tests)",
        description="Create NAME/: a todo-list API with its OpenAPI spec, covet.yaml, handlers, "
        "pytest tests, a Makefile and a README. Exit status 2 when NAME is not allowed or the "
        "folder exists and is not empty.",
    )
    new.add_argument("name", metavar="NAME", help=f"the project name: {NAME_RULE}")
    new.add_argument(
        "--dir", metavar="PATH", help="the project folder (default: ./NAME); must be new or empty"
    )
    new.set_defaults(func=_new)


def _new(args: argparse.Namespace) -> int:
    from covet.scaffold.project import create_project  # NOTE: here: `covet run` skips it

    try:
        project = create_project(args.name, args.dir)
    except UsageError as exc:
        print(f"covet new: error: {exc}", file=sys.stderr)
        return 2
    print(f"Created {project.root}/, a todo-list API:")
    for path in project.files:
        print(f"  {path.relative_to(project.root)}")
    print("Next:")
    print(f"  cd {project.root}")
    print("  covet run      # serves http://127.0.0.1:8000/todos")
    print("  make test      # runs tests/ with pytest")
    return 0
