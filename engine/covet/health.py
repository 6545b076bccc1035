"""Health endpoints: ``/health`` and ``/health/ready`` (every backend), ``/health/live``.

- ``GET /health/live``: the process answers (no backend is asked): a liveness probe.
- ``GET /health/ready``: every backend the app uses (databases, caches, token stores, the
  rate-limit store) is asked at once, each within ``health.timeout``; 503 when a required one
  is down, so a load balancer or Kubernetes takes the instance out of rotation.
- ``GET /health``: the same report as ``/health/ready`` (the summary people read).

The body is ``{"status": "ok"|"degraded"|"down", "checks": [{name, kind, ok, latency_ms,
required, error}]}``: ``degraded`` means an optional backend is down (still 200). A backend
that does not answer within the timeout is reported down, never waited for.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from covet.providers.base import HealthReport, Provider
from covet.response import JSONResponse, Response

__all__ = ["Reporter", "collect", "health_handler", "live_handler", "summary"]

Reporter = Callable[[], Awaitable[list[HealthReport]]]
"""Something with backends to report on: a provider's ``health``, the rate limiter's."""

_LIVE = b'{"status":"ok"}'


async def collect(reporters: Sequence[tuple[str, Reporter]], timeout: float) -> list[HealthReport]:
    """Every reporter at once, each bounded by ``timeout`` seconds (then reported down)."""

    async def one(name: str, reporter: Reporter) -> list[HealthReport]:
        try:
            async with asyncio.timeout(timeout):
                return await reporter()
        except TimeoutError:
            return [HealthReport(name, "unknown", False, timeout * 1000, True,
                                 f"no answer within {timeout:g} s")]
        except Exception as exc:  # noqa: BLE001 - a reporter that breaks reports its backend down
            return [HealthReport(name, "unknown", False, 0.0, True, f"{type(exc).__name__}: {exc}")]

    groups = await asyncio.gather(*(one(name, reporter) for name, reporter in reporters))
    return [report for group in groups for report in group]


def summary(reports: Sequence[HealthReport]) -> tuple[str, bool]:
    """``(status, required_down)`` of a set of reports."""
    required_down = any(not r.ok and r.required for r in reports)
    status = "down" if required_down else ("degraded" if any(not r.ok for r in reports) else "ok")
    return status, required_down


def health_handler(
    providers: Sequence[Provider],
    extra: Callable[[], Sequence[tuple[str, Reporter]]] | None = None,
    timeout: float = 2.0,
) -> Callable[[], Coroutine[Any, Any, Response]]:
    """The ``/health`` and ``/health/ready`` handler: ``providers`` and ``extra()`` (the current
    snapshot's own backends, such as the rate-limit store), asked at once."""

    async def health() -> Response:
        reporters: list[tuple[str, Reporter]] = [
            (", ".join(p.names) or type(p).__name__, p.health) for p in providers
        ]
        if extra is not None:
            reporters.extend(extra())
        reports = await collect(reporters, timeout)
        status, required_down = summary(reports)
        body = {"status": status, "checks": [dataclasses.asdict(r) for r in reports]}
        return JSONResponse(body, 503 if required_down else 200)

    health.__qualname__ = "health"  # ``covet routes`` shows covet.health:health
    return health


def live_handler() -> Callable[[], Coroutine[Any, Any, Response]]:
    """The ``/health/live`` handler: 200 as long as the process serves requests."""

    async def live() -> Response:
        return Response(_LIVE, 200, media_type="application/json")

    live.__qualname__ = "live"
    return live
