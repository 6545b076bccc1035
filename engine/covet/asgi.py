"""The ASGI boundary: dispatch an HTTP scope to a compiled endpoint and send what it returns.

The response starts exactly once and completes. An error becomes a problem+json response only
while nothing has been sent; after that the connection is dropped by re-raising.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from covet._trace import trace_id_of
from covet.errors import HTTPError, MethodNotAllowedError, NotFoundError, ProviderError
from covet.request import ClientDisconnect, Request
from covet.response import Response, problem_body
from covet.routing import Router
from covet.types import Message, Receive, Scope, Send

__all__ = ["Dispatcher", "problem_response", "run_lifespan", "send_response"]

logger = logging.getLogger("covet.error")

_PROBLEM = (b"content-type", b"application/problem+json")


def problem_response(exc: HTTPError, scope: Scope) -> Response:
    """Render an :class:`HTTPError` as the DESIGN.md §6 body."""
    body = problem_body(exc.status, exc.title, exc.detail, exc.details, trace_id_of(scope))
    response = Response(body, exc.status, exc.headers)
    response.raw_headers.append(_PROBLEM)
    return response


def internal_error(scope: Scope, exc: BaseException, where: str) -> Response:
    trace_id = trace_id_of(scope)
    logger.error(
        "unhandled %s in %s (trace_id=%s)", type(exc).__name__, where, trace_id, exc_info=exc
    )
    error = HTTPError(f"An unexpected error occurred; quote trace id {trace_id} when reporting it")
    return problem_response(error, scope)


def unavailable(scope: Scope, exc: ProviderError, where: str) -> Response:
    """A backend is down: a fast 503 that names what failed, never how (no URLs, no SQL)."""
    trace_id = trace_id_of(scope)
    logger.warning("backend unavailable in %s (trace_id=%s): %s", where, trace_id, exc)
    error = HTTPError(
        f"{exc}; try again shortly (trace id {trace_id})",
        status=503,
        title="Service Unavailable",
        headers={"retry-after": "1"},
    )
    return problem_response(error, scope)


async def send_response(response: Response, scope: Scope, send: Send) -> None:
    await send(
        {"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers}
    )
    head = scope["method"] == "HEAD"
    if response.stream is None:
        await send({"type": "http.response.body", "body": b"" if head else response.body})
        return
    if not head:
        async for chunk in response.stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


class Dispatcher:
    """Routes HTTP scopes through the current router; ``router`` is swapped on reload."""

    __slots__ = ("router",)

    def __init__(self, router: Router) -> None:
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await _refuse(scope, receive, send)
            return
        found = self.router.match(scope["path"])
        if found is None:
            response = problem_response(
                NotFoundError(f"No route matches {scope['path']}"), scope
            )
        else:
            slot, params = found
            endpoint = slot.handlers.get(scope["method"])
            if endpoint is None:
                error = MethodNotAllowedError(
                    f"{scope['method']} is not allowed on {slot.template}; allowed: {slot.allow}",
                    headers={"allow": slot.allow},
                )
                response = problem_response(error, scope)
            else:
                request = Request(scope, receive, params, endpoint.max_body_size)
                try:
                    response = await endpoint(request)
                except HTTPError as exc:
                    response = problem_response(exc, scope)
                except ClientDisconnect:
                    return
                except ProviderError as exc:
                    response = unavailable(scope, exc, endpoint.label)
                except Exception as exc:  # noqa: BLE001 - the edge turns anything into a 500
                    response = internal_error(scope, exc, endpoint.label)
        await send_response(response, scope, send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.close", "code": 1000})


async def run_lifespan(
    receive: Receive,
    send: Send,
    startup: Callable[[], Awaitable[None]],
    shutdown: Callable[[], Awaitable[None]],
) -> None:
    """Answer the lifespan protocol; a failing startup is reported and stops the server."""
    while True:
        message: Message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await startup()
            except BaseException as exc:
                logger.error("startup failed: %s", exc)
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                if not isinstance(exc, Exception):
                    raise
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await shutdown()
            except Exception as exc:  # noqa: BLE001
                await send({"type": "lifespan.shutdown.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.shutdown.complete"})
            return

