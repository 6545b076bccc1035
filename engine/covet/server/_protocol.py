"""uvicorn's httptools protocol with the limits it lacks: head and body timeouts, header limits.

Per connection, one timer at most runs: the head deadline (from the connection's start, or
from the first byte of a request that does not arrive in one read) or the body deadline (from
the end of the head, for a body that does not arrive in the head's read). uvicorn's own
keep-alive timer covers idle connections between requests. A head still incomplete after a read
is measured in raw bytes, because httptools holds a header that has not ended in its own buffer;
a complete head has its fields counted, and is measured if its reads could hold too many bytes.

Every answer given here is the DESIGN.md §6 problem+json body with ``Connection: close``, and
the connection is closed after it.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import TimerHandle
from dataclasses import dataclass, field
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from covet.server import _responses
from covet.server._responses import Problem, new_trace_id

__all__ = ["CovetHttpProtocol", "HttpLimits"]

logger = logging.getLogger("covet.server")

_BETWEEN, _HEAD, _BODY = 0, 1, 2
"""Where a connection's current request is: none begun, head arriving, body arriving."""


@dataclass(frozen=True)
class HttpLimits:
    """What the protocol holds each request to (the ``server:`` keys of covet.yaml)."""

    head_timeout: float = 10.0
    body_timeout: float = 30.0
    max_header_size: int = 16 * 1024
    max_headers: int = 100
    head_late: Problem = field(init=False, repr=False, compare=False)
    body_late: Problem = field(init=False, repr=False, compare=False)
    too_large: Problem = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # NOTE: built once per server (and pickled to each worker), never per connection.
        object.__setattr__(self, "head_late", _responses.head_timeout(self.head_timeout))
        object.__setattr__(self, "body_late", _responses.body_timeout(self.body_timeout))
        object.__setattr__(
            self, "too_large",
            _responses.headers_too_large(self.max_headers, self.max_header_size),
        )


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; ``feed_data`` re-raises it as context."""

    def __init__(self, problem: Problem, reason: str) -> None:
        super().__init__(reason)
        self.problem = problem
        self.reason = reason


_Base = HttpToolsProtocol


class CovetHttpProtocol(HttpToolsProtocol):
    """Pass as ``uvicorn.Config(http=functools.partial(CovetHttpProtocol, limits=...))``."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: HttpLimits | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits = limits or HttpLimits()
        self.max_header_size = limits.max_header_size
        self.max_headers = limits.max_headers
        # NOTE: uvicorn's own check answers text/plain and counts the asking connection against
        # the limit (limit_concurrency=1 refuses everything); this class checks instead.
        self.max_concurrency = self.limit_concurrency
        self.limit_concurrency = None
        self.covet_app = self.app
        self.phase = _BETWEEN
        self.head_received = 0
        self.read_size = 0
        self.deadline: TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.deadline = self.loop.call_later(self.limits.head_timeout, self._head_expired)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # PERF: one read usually holds a whole request, which then never arms a timer; the
        # phase checks around feeding are all such a request pays for here.
        self._unset_keepalive_if_required()
        if self.phase == _BETWEEN:
            self.head_received = 0
        self.read_size = len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError as exc:
            refused = exc.__context__
            if isinstance(refused, _Refused):
                self._refuse(refused.problem, refused.reason)
            else:
                self._refuse(_responses.BAD_REQUEST, "invalid HTTP")
            return
        if self.phase == _HEAD:
            self._head_pending()
        elif self.phase == _BODY and self.deadline is None:
            self.deadline = self.loop.call_later(self.limits.body_timeout, self._body_expired)

    def _head_pending(self) -> None:
        """A read ended inside a request head: measure it and start its deadline."""
        if self.head_received < 0:
            # NOTE: the head began after another request ended in this same read; its share
            # of the read is unknown, so counting starts with the next read.
            self.head_received = 0
        else:
            self.head_received += self.read_size
            if self.head_received > self.max_header_size:
                self._refuse(self.limits.too_large, "request head too large")
                return
        if self.deadline is None:
            self.deadline = self.loop.call_later(self.limits.head_timeout, self._head_expired)

    # Parser callbacks

    def on_message_begin(self) -> None:
        # PERF: the base method called directly, not through super(), here and below.
        _Base.on_message_begin(self)
        self.phase = _HEAD

    def on_headers_complete(self) -> None:
        # A head deadline runs if the head took more than one read (or is a connection's first).
        deadline = self.deadline
        if deadline is not None:
            deadline.cancel()
            self.deadline = None
        self.phase = _BODY
        # PERF: a head that came in one read is no larger than that read; only a head that
        # may be past the limit is measured.
        if len(self.headers) > self.max_headers or (
            (deadline is not None or self.read_size > self.max_header_size)
            and self._head_size() > self.max_header_size
        ):
            raise _Refused(self.limits.too_large, "too many or too large headers")
        limit = self.max_concurrency
        if limit is not None and (len(self.connections) > limit or len(self.tasks) >= limit):
            # NOTE: the 503 runs as a request cycle of its own, so a pipelined request's
            # answer still comes after the answers before it.
            self.app = _service_unavailable
            try:
                _Base.on_headers_complete(self)
            finally:
                self.app = self.covet_app
        else:
            _Base.on_headers_complete(self)

    def _head_size(self) -> int:
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def on_message_complete(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        self.phase = _BETWEEN
        self.head_received = -1
        _Base.on_message_complete(self)

    # Deadlines

    def _cancel_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _head_expired(self) -> None:
        self.deadline = None
        if self.flow.read_paused:  # pipelined: the server stopped reading, not the client
            self.deadline = self.loop.call_later(self.limits.head_timeout, self._head_expired)
        elif self.phase == _BETWEEN:
            # Not one byte of a request yet: close quietly, as nginx does.
            logger.debug("%s: closed, no request in %g s", self._peer(), self.limits.head_timeout)
            self.transport.close()
        else:
            self._refuse(self.limits.head_late, "request head timed out")

    def _body_expired(self) -> None:
        self.deadline = None
        cycle = self.cycle
        if self.flow.read_paused or cycle.waiting_for_100_continue:
            # The app has not read what was sent, or not yet asked for the body: not the
            # client's delay.
            self.deadline = self.loop.call_later(self.limits.body_timeout, self._body_expired)
            return
        answer = not cycle.response_started and not self.pipeline
        # The app waiting in receive() gets http.disconnect, and its own answers are dropped.
        cycle.disconnected = True
        cycle.message_event.set()
        self._refuse(self.limits.body_late, "request body timed out", answer=answer)

    # Answers

    def _refuse(self, problem: Problem, reason: str, *, answer: bool | None = None) -> None:
        """Answer ``problem`` (unless an earlier request's answer is due first) and close."""
        self._cancel_deadline()
        trace_id = new_trace_id()
        logger.info(
            "%s: %s, answered %d (trace_id=%s)", self._peer(), reason, problem.status, trace_id
        )
        if answer is None:
            cycle = self.cycle
            answer = cycle is None or cycle.response_complete
        if answer and not self.transport.is_closing():
            self.transport.write(problem.message(trace_id, self.server_state.default_headers))
        self.transport.close()

    def _peer(self) -> str:
        return _peer_of(self.client)


async def _service_unavailable(scope: Any, receive: Any, send: Any) -> None:
    """The answer past ``max_concurrency``; the app itself never sees the request."""
    trace_id = new_trace_id()
    logger.warning(
        "%s: over the concurrency limit, answered 503 (trace_id=%s)",
        _peer_of(scope.get("client")), trace_id,
    )
    problem = _responses.SERVICE_UNAVAILABLE
    await send({"type": "http.response.start", "status": 503, "headers": problem.headers})
    await send({"type": "http.response.body", "body": problem.body(trace_id)})


def _peer_of(client: Any) -> str:
    return f"{client[0]}:{client[1]}" if client else "unknown client"
