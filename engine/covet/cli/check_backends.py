"""``covet check-backends``: ask every backend covet.yaml declares, for health checks.

    covet check-backends [-c specs/covet.yaml] [--timeout 2s]

One line per backend (databases, caches, token stores, the rate-limit store), then a summary;
exit status 0 when every required backend answers, 1 when one does not (or covet.yaml is
wrong). Meant for a container's ``HEALTHCHECK``, a Kubernetes init container or a deploy
script: it opens the providers as the app would, without compiling the specs or importing
handlers, so it takes the time of the checks themselves. See docs/deploy.md.
"""

from __future__ import annotations

import argparse
from typing import Any

from covet.cli._common import add_config_argument

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check-backends", help="check every configured backend (exit 1 when a required one is down)"
    )
    add_config_argument(check)
    check.add_argument(
        "--timeout", default=None,
        help="seconds each backend may take (default: covet.yaml's health.timeout, 2s)",
    )
    check.set_defaults(func=_check)


def _check(args: argparse.Namespace) -> int:
    import asyncio  # NOTE: here, so building the parser stays light
    import logging

    from covet.config import load_config, parse_duration

    config = load_config(args.config)
    timeout = config.health.timeout if args.timeout is None else parse_duration(args.timeout)
    # NOTE: the providers log a backend that is down at open(); the table below says it once
    logging.getLogger("covet").setLevel(logging.CRITICAL)
    reports = asyncio.run(_reports(config, timeout))
    if not reports:
        print("no backends configured")
        return 0
    from covet.health import summary

    width = max(len(r.name) for r in reports)
    for report in reports:
        state = "ok  " if report.ok else ("DOWN" if report.required else "down")
        extra = "" if report.required else " (optional)"
        error = f": {report.error}" if report.error else ""
        print(f"{state}  {report.name.ljust(width)}  {report.kind:<9} "
              f"{report.latency_ms:7.1f} ms{extra}{error}")
    status, required_down = summary(reports)
    print(f"{status}: {sum(r.ok for r in reports)} of {len(reports)} backends answer")
    return 1 if required_down else 0


async def _reports(config: Any, timeout: float) -> list[Any]:
    from covet.app import _configured_providers
    from covet.health import Reporter, collect

    providers = _configured_providers(config)
    reporters: list[tuple[str, Reporter]] = []
    limiter = None
    if config.rate_limits.storage != "memory://":
        from covet.limits.step import Limiter

        limiter = Limiter(config.rate_limits)
        reporters.append(("rate_limits", limiter.health))
    opened = []
    try:
        for provider in providers:
            await provider.open()
            opened.append(provider)
            reporters.insert(len(opened) - 1, (", ".join(provider.names), provider.health))
        return await collect(reporters, timeout)
    finally:
        for provider in reversed(opened):
            await provider.close()
        if limiter is not None:
            await limiter.close()
