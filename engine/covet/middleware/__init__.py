"""Pure-ASGI middleware, one per module; ``BUILTIN_MIDDLEWARE`` names the built-ins."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from covet.middleware.access_log import AccessLogMiddleware
from covet.middleware.request_id import RequestIdMiddleware
from covet.types import ASGIApp

__all__ = ["BUILTIN_MIDDLEWARE", "AccessLogMiddleware", "RequestIdMiddleware"]

BUILTIN_MIDDLEWARE: Mapping[str, Callable[..., ASGIApp]] = {
    "access_log": AccessLogMiddleware,
    "request_id": RequestIdMiddleware,
}
