"""Give every request a trace id and echo it in a response header."""

from __future__ import annotations

from covet._trace import trace_id_of
from covet.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestIdMiddleware"]


class RequestIdMiddleware:
    """Take the id from ``traceparent``/``X-Request-ID`` (or make one) and send it back.

    Args:
        header: the response header to carry the id (default ``X-Request-ID``).

    The same id appears in error bodies (``trace_id``) and in the access and error logs.
    """

    def __init__(self, app: ASGIApp, header: str = "X-Request-ID") -> None:
        self.app = app
        self.header = header.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = trace_id_of(scope).encode("latin-1")
        header = self.header

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (header, value)]
            await send(message)

        await self.app(scope, receive, send_with_id)
