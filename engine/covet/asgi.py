"""The ASGI boundary: dispatch an HTTP scope to a compiled endpoint and send what it returns.

The response starts exactly once and completes. An error becomes an error response (problem+json,
or the body covet.yaml's ``errors:`` renderer makes) only while nothing has been sent; after
that the connection is dropped by re-raising.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from covet._problem import ProblemRenderer
from covet._trace import trace_id_of
from covet.errors import (
    BadRequestError,
    HTTPError,
    MethodNotAllowedError,
    NotFoundError,
    ProviderError,
    ServiceUnavailableError,
)
from covet.media import ErrorFormats
from covet.request import MAX_QUERY_PARAMS, ClientDisconnect, Request
from covet.response import Response
from covet.routing import Router
from covet.types import Message, Receive, Scope, Send

__all__ = [
    "ENDPOINT_KEY",
    "Dispatcher",
    "MiddlewareGuard",
    "problem_response",
    "run_lifespan",
    "send_response",
]

logger = logging.getLogger("covet.error")

_DEFAULT_PROBLEMS = ProblemRenderer()


def problem_response(
    exc: HTTPError, scope: Scope, problems: ProblemRenderer = _DEFAULT_PROBLEMS
) -> Response:
    """Render an :class:`HTTPError` as the app renders errors (never raises)."""
    return problems.render(exc, trace_id_of(scope))


def internal_error(
    scope: Scope,
    exc: BaseException,
    where: str,
    problems: ProblemRenderer = _DEFAULT_PROBLEMS,
    route: Any = None,
) -> Response:
    trace_id = trace_id_of(scope)
    logger.error(
        "unhandled %s in %s (trace_id=%s)", type(exc).__name__, where, trace_id, exc_info=exc,
        extra={"trace_id": trace_id},
    )
    error = HTTPError(f"An unexpected error occurred; quote trace id {trace_id} when reporting it")
    return problems.render(error, trace_id, route)


def unavailable(
    scope: Scope,
    exc: ProviderError,
    where: str,
    problems: ProblemRenderer = _DEFAULT_PROBLEMS,
    route: Any = None,
) -> Response:
    """A backend is down: a fast 503 that names what failed, never how (no URLs, no SQL)."""
    trace_id = trace_id_of(scope)
    logger.warning(
        "backend unavailable in %s (trace_id=%s): %s", where, trace_id, exc,
        extra={"trace_id": trace_id},
    )
    error = ServiceUnavailableError(f"{exc}; try again shortly (trace id {trace_id})")
    return problems.render(error, trace_id, route)


async def send_response(
    response: Response, scope: Scope, send: Send, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Send ``response`` (with ``headers`` instead of its own fields, when given)."""
    await send({
        "type": "http.response.start", "status": response.status_code,
        "headers": response.raw_headers if headers is None else headers,
    })
    head = scope["method"] == "HEAD"
    if response.stream is None:
        await send({"type": "http.response.body", "body": b"" if head else response.body})
        return
    if not head:
        async for chunk in response.stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


ENDPOINT_KEY = "covet.endpoint"
"""The scope key of the matched endpoint (set before it runs; absent on a 404 or 405). Its
``template`` is the route template as routed (``/users/{id}``), ``label`` the operationId (or
``METHOD template``), ``operation_id`` the operationId or None."""


class Dispatcher:
    """Routes HTTP scopes through the current router; ``router`` is swapped on reload.

    The matched endpoint goes into the scope under :data:`ENDPOINT_KEY`, so middleware outside
    (access log, metrics, tracing) can label a request by route without matching it again.

    Args:
        router: the compiled routes.
        problems: renders every error response (``limits.max_error_details``).
        max_query_params: ``limits.max_query_params``, handed to each :class:`Request`.

    ``headers`` (set by the app) are fields every response gets unless it has them already:
    the security headers, when nothing but the dispatcher sends responses (no CORS, no user
    middleware), so they cost no middleware layer (docs/cors-and-headers.md).
    """

    __slots__ = ("error_formats", "header_names", "headers", "max_query_params", "problems", "router")

    def __init__(
        self,
        router: Router,
        problems: ProblemRenderer = _DEFAULT_PROBLEMS,
        max_query_params: int = MAX_QUERY_PARAMS,
    ) -> None:
        self.router = router
        self.problems = problems
        self.max_query_params = max_query_params
        self.headers: tuple[tuple[bytes, bytes], ...] = ()
        self.header_names: frozenset[bytes] = frozenset()
        self.error_formats = ErrorFormats()
        """Error bodies as problem+xml or MessagePack for a client that asks for them."""

    def add_headers(self, headers: tuple[tuple[bytes, bytes], ...]) -> None:
        """Send these fields (names lower-case) on every response that does not set them."""
        self.headers = (*self.headers, *headers)
        self.header_names = frozenset(name for name, _ in self.headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._refuse(scope, receive, send)
            return
        path = scope["path"]
        # PERF: servers decode %XX in the path with errors="replace"; only a path that shows a
        # replacement character is checked against the raw bytes.
        if "\ufffd" in path and not _path_is_utf8(scope):
            response = self.problems.render(_UNDECODABLE_PATH, trace_id_of(scope))
            await send_response(response, scope, send, self._fields(response))
            return
        found = self.router.match(path)
        if found is None:
            response = self.problems.render(
                NotFoundError(f"No route matches {path}"), trace_id_of(scope)
            )
        else:
            slot, params = found
            endpoint = slot.handlers.get(scope["method"])
            if endpoint is None:
                error = MethodNotAllowedError(
                    f"{scope['method']} is not allowed on {slot.template}; allowed: {slot.allow}",
                    headers={"allow": slot.allow},
                )
                response = self.problems.render(error, trace_id_of(scope))
            else:
                # The route in the scope (DESIGN.md §12): the access log, metrics and tracing
                # label by endpoint.template and endpoint.label without matching again.
                scope["covet.endpoint"] = endpoint
                request = Request(
                    scope, receive, params, endpoint.max_body_size, self.max_query_params
                )
                try:
                    response = await endpoint(request)
                except HTTPError as exc:
                    response = self.problems.render(exc, trace_id_of(scope), endpoint)
                except ClientDisconnect:
                    return
                except ProviderError as exc:
                    response = unavailable(scope, exc, endpoint.label, self.problems, endpoint)
                except Exception as exc:  # noqa: BLE001 - the edge turns anything into a 500
                    response = internal_error(scope, exc, endpoint.label, self.problems, endpoint)
        if response.status_code >= 400:
            response = self.error_formats(response, scope)
        await send_response(response, scope, send, self._fields(response) if self.headers else None)

    def _fields(self, response: Response) -> list[tuple[bytes, bytes]]:
        """The response's fields and ours it does not set (the response itself is not changed:
        a handler may return one Response object many times)."""
        # PERF: the usual response sets none of ours, which a plain loop finds without a set.
        raw = response.raw_headers
        names = self.header_names
        for name, _ in raw:
            if name in names:
                present = {name for name, _ in raw}
                return [*raw, *(h for h in self.headers if h[0] not in present)]
        return [*raw, *self.headers]

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        """No WebSocket routes exist: a 404 problem body where the server can send one."""
        if scope["type"] != "websocket":
            return
        await receive()  # websocket.connect
        if "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": 1000})
            return
        error = NotFoundError(f"No WebSocket endpoint at {scope['path']}")
        response = self.problems.render(error, trace_id_of(scope))
        await send(
            {"type": "websocket.http.response.start", "status": response.status_code,
             "headers": response.raw_headers}
        )
        await send({"type": "websocket.http.response.body", "body": response.body})


class MiddlewareGuard:
    """The outermost layer when there is middleware: an exception a middleware raises becomes
    the standard 500 problem body (with the trace id) if nothing was sent yet, instead of the
    server's text/plain 500; after the response started the connection is dropped, as ever.

    The dispatcher already answers every error of its own; an app without middleware has no
    guard and pays nothing for it.
    """

    __slots__ = ("app", "problems")

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]],
                 problems: ProblemRenderer = _DEFAULT_PROBLEMS) -> None:
        self.app = app
        self.problems = problems

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started:
                raise
            await send_response(internal_error(scope, exc, "middleware", self.problems), scope, send)


_UNDECODABLE_PATH = BadRequestError(
    "The path is not valid UTF-8 once percent-decoded",
    details=[
        {"field": "", "location": "path", "pointer": "", "code": "encoding",
         "message": "Percent-encoded bytes must be UTF-8 (e.g. %C3%A9 for é)"}
    ],
)


def _path_is_utf8(scope: Scope) -> bool:
    raw = scope.get("raw_path")
    if raw is None:
        return True
    try:
        unquote_to_bytes(raw.split(b"?", 1)[0]).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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

