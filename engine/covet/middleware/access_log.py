"""One log line per request, with status, duration and trace id."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from urllib.parse import unquote_plus

from covet._trace import trace_id_of
from covet.asgi import ENDPOINT_KEY
from covet.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["REDACTED_QUERY", "AccessLogMiddleware", "query_secrets"]

REDACTED_QUERY = frozenset({
    "access_token", "refresh_token", "id_token", "token", "code", "password", "passwd",
    "secret", "client_secret", "api_key", "apikey", "key", "signature", "sig",
})
"""Query parameters whose values the access log never writes (credentials in URLs); the app
adds the query parameters of its ``apiKey`` schemes."""


class AccessLogMiddleware:
    """Log ``client "METHOD /path?query HTTP/1.1" status bytes duration_ms trace_id``.

    Args:
        logger: the logger name (default ``covet.access``); lines are INFO.
        redact: query parameter names (any case) whose values are logged as ``REDACTED``.

    Each record also carries the line's fields (``trace_id``, ``operation``, ``method``,
    ``path``, ``status``, ``duration_ms``, ``bytes``, ``client``) for ``log_format: json``.

    Off in benchmarks (``--no-access-log``), as for every peer framework.
    """

    def __init__(
        self, app: ASGIApp, logger: str = "covet.access", redact: Collection[str] = REDACTED_QUERY
    ) -> None:
        self.app = app
        self.logger = logging.getLogger(logger)
        self.redact = frozenset(name.lower() for name in redact)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        size = 0

        async def send_and_measure(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_and_measure)
        finally:
            self._log(scope, status or 500, size, time.perf_counter() - started)

    def _log(self, scope: Scope, status: int, size: int, seconds: float) -> None:
        client = scope.get("client")
        who = f"{client[0]}:{client[1]}" if client else "-"
        query = scope.get("query_string", b"")
        target = scope["path"] + ("?" + self._query(query.decode("latin-1")) if query else "")
        trace_id = trace_id_of(scope)
        endpoint = scope.get(ENDPOINT_KEY)
        fields = {
            "trace_id": trace_id,
            "operation": None if endpoint is None else endpoint.operation_id or endpoint.template,
            "method": scope["method"], "path": target, "status": status,
            "duration_ms": round(seconds * 1000, 3), "bytes": size, "client": who,
        }
        self.logger.info(
            '%s "%s %s HTTP/%s" %d %d %.1fms trace_id=%s',
            who, scope["method"], target, scope.get("http_version", "1.1"),
            status, size, seconds * 1000, trace_id, extra=fields,
        )

    def _query(self, query: str) -> str:
        if not self.redact or "=" not in query:
            return query
        pairs = []
        for pair in query.split("&"):
            name, sep, value = pair.partition("=")
            if sep and value and unquote_plus(name).lower() in self.redact:
                pair = f"{name}=REDACTED"
            pairs.append(pair)
        return "&".join(pairs)


def query_secrets(schemes: Collection[object]) -> frozenset[str]:
    """The query parameter names of ``apiKey`` schemes (Security Scheme objects)."""
    names = set()
    for scheme in schemes:
        if isinstance(scheme, Mapping) and scheme.get("type") == "apiKey" and scheme.get("in") == "query":
            names.add(str(scheme.get("name", "")).lower())
    return frozenset(names)
