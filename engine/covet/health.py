"""``GET /health``: every provider's backends, with state and latency; 503 when one required is down."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from covet.providers.base import HealthReport, Provider
from covet.response import JSONResponse, Response

__all__ = ["health_handler"]


def health_handler(providers: Sequence[Provider]) -> Callable[[], Coroutine[Any, Any, Response]]:
    """A handler reporting ``{"status": "ok"|"degraded"|"down", "checks": [...]}``.

    ``degraded`` means an optional backend is down (still 200); ``down`` means a required one
    is (503), so a load balancer takes the instance out of rotation.
    """

    async def health() -> Response:
        reports: list[HealthReport] = []
        for provider in providers:
            reports.extend(await provider.health())
        required_down = any(not r.ok and r.required for r in reports)
        status = "down" if required_down else ("degraded" if any(not r.ok for r in reports) else "ok")
        body = {"status": status, "checks": [dataclasses.asdict(r) for r in reports]}
        return JSONResponse(body, 503 if required_down else 200)

    health.__qualname__ = "health"  # ``covet routes`` shows covet.health:health
    return health
