"""``covet openapi``: print the bundled spec of one mounted api (what ``/openapi.json`` serves).

    covet openapi [-c specs/covet.yaml] [--api PREFIX_OR_INDEX] [--format json|yaml]

The same bundle as the served one (``covet.docs.bundle_spec``), from the spec files alone:
handlers are not imported, so it works wherever the specs are. JSON is printed indented.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from covet.cli._common import add_config_argument
from covet.errors import UsageError

if TYPE_CHECKING:
    from covet.config import ApiConfig, CovetConfig

__all__ = ["add_parser", "select_api"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    openapi = commands.add_parser(
        "openapi", help="print the bundled spec (one document, no external $ref)"
    )
    add_config_argument(openapi)
    openapi.add_argument(
        "--api",
        metavar="PREFIX_OR_INDEX",
        help="which api of covet.yaml: its prefix (/v1) or its 0-based index "
        "(needed when there are several)",
    )
    openapi.add_argument(
        "--format", choices=("json", "yaml"), default="json", help="output format (default: json)"
    )
    openapi.set_defaults(func=_openapi)


def _openapi(args: argparse.Namespace) -> int:
    # NOTE: imported here, so building the parser (every `covet` command) stays light
    from covet.config import load_config
    from covet.docs.encoding import encode_json, encode_yaml
    from covet.docs.error_responses import limited_operations
    from covet.docs.routes import served_document
    from covet.spec import load_spec

    config = load_config(args.config)
    api = select_api(config, args.api)
    spec = load_spec(api.spec, validate=config.spec_validation != "off")
    bundle = served_document(
        spec, api.prefix, error_responses=api.error_responses, limited=limited_operations(config),
        problem_bodies=not config.errors.custom,
    )
    if args.format == "yaml":
        sys.stdout.write(encode_yaml(bundle).decode("utf-8"))
    else:
        sys.stdout.write(encode_json(bundle, indent=True).decode("utf-8") + "\n")
    return 0


def select_api(config: CovetConfig, key: str | None) -> ApiConfig:
    """The api ``key`` names: a prefix (``/v1``, ``/`` or ``""`` for the root) or an index.

    Raises:
        UsageError: no such api, or several apis and no ``key``.
    """
    apis = config.apis
    if key is None:
        if len(apis) == 1:
            return apis[0]
        raise UsageError(
            f"covet.yaml mounts {len(apis)} apis; choose one with --api ({_choices(apis)})"
        )
    if key.isdigit() and int(key) < len(apis):
        return apis[int(key)]
    prefix = key.rstrip("/")
    for api in apis:
        if api.prefix == prefix:
            return api
    raise UsageError(f"no api with prefix or index {key!r}; choose one of: {_choices(apis)}")


def _choices(apis: list[ApiConfig]) -> str:
    return ", ".join(f"{index} ({api.prefix or '/'})" for index, api in enumerate(apis))
