"""uvicorn's httptools protocol with the limits it lacks: head and body timeouts, header limits.

Per connection, one deadline timer at most runs: the head deadline (from the connection's start,
or from the first byte of a request that does not arrive in one read) or the body deadline (from
the end of the head, for a body that does not arrive in the head's read). The keep-alive timeout
between requests is one loop timer per connection, re-armed lazily: a response only notes the
time (uvicorn's own creates and cancels a timer per request, ~2 µs). A head still incomplete after a read
is measured in raw bytes, because httptools holds a header that has not ended in its own buffer;
a complete head has its fields counted, and is measured if its reads could hold too many bytes.

Every answer given here is the DESIGN.md §6 problem+json body with ``Connection: close``, and
the connection is closed after it.

A response whose length is known goes out in one write (one ``send()`` system call: head and
body together), where uvicorn writes the head and the body apart; header fields are checked
for forbidden bytes once per distinct field, not with two regular expressions each time.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from asyncio import TimerHandle
from dataclasses import dataclass, field
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string
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
_TIMER_SLACK = 0.002
"""Seconds a loop timer may fire early (uvloop's clock has millisecond steps)."""


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
        self.idle_since: float | None = None
        """When the connection's last response completed, while no request is arriving."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.deadline = self.loop.call_later(self.limits.head_timeout, self._head_expired)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        super().connection_lost(exc)

    def _unset_keepalive_if_required(self) -> None:
        # PERF: uvicorn cancels its keep-alive timer here on every read; this one stays armed
        # and, when it fires, finds the connection no longer idle.
        self.idle_since = None

    def data_received(self, data: bytes) -> None:
        # PERF: one read usually holds a whole request, which then never arms a timer; the
        # phase checks around feeding are all such a request pays for here.
        self.idle_since = None
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
            self._begin_cycle(_service_unavailable)
        else:
            self._begin_cycle(self.covet_app)

    def _begin_cycle(self, app: Any) -> None:
        """uvicorn's ``on_headers_complete`` (0.55), with :class:`_Cycle` for the response."""
        parser = self.parser
        scope = self.scope
        http_version = parser.get_http_version()
        scope["method"] = parser.get_method().decode("ascii")
        if http_version != "1.1":
            scope["http_version"] = http_version
        if parser.should_upgrade() and self._should_upgrade():
            return
        parsed_url = httptools.parse_url(self.url)
        raw_path = parsed_url.path
        path = raw_path.decode("ascii")
        if "%" in path:
            path = urllib.parse.unquote(path)
        root_path = self.root_path
        scope["path"] = root_path + path if root_path else path
        scope["raw_path"] = root_path.encode("ascii") + raw_path if root_path else raw_path
        scope["query_string"] = parsed_url.query or b""
        existing_cycle = self.cycle
        self.cycle = cycle = _Cycle(
            scope=scope,
            transport=self.transport,
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=self.expect_100_continue,
            keep_alive=http_version != "1.0" and parser.should_keep_alive(),
            on_response=self.on_response_complete,
        )
        if existing_cycle is None or existing_cycle.response_complete:
            self._start_asgi_task(cycle, app)
        else:
            # Pipelined HTTP requests need to be queued up.
            self.flow.pause_reading()
            self.pipeline.appendleft((cycle, app))

    def _head_size(self) -> int:
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def on_message_complete(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        self.phase = _BETWEEN
        self.head_received = -1
        _Base.on_message_complete(self)

    def on_response_complete(self) -> None:
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
            return
        self.idle_since = self.loop.time()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self._keep_alive_expired
            )

    # Deadlines

    def _keep_alive_expired(self) -> None:
        """The keep-alive timer: close if idle for the whole timeout, else wait out the rest."""
        self.timeout_keep_alive_task = None
        idle_since = self.idle_since
        if idle_since is None or self.transport.is_closing():
            return  # a request is arriving or being served; its response re-arms the timer
        left = idle_since + self.timeout_keep_alive - self.loop.time()
        if left > _TIMER_SLACK:
            self.timeout_keep_alive_task = self.loop.call_later(left, self._keep_alive_expired)
        else:
            self.transport.close()

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
            "%s: %s, answered %d (trace_id=%s)", self._peer(), reason, problem.status, trace_id,
            extra={"trace_id": trace_id, "status": problem.status},
        )
        if answer is None:
            cycle = self.cycle
            answer = cycle is None or cycle.response_complete
        if answer and not self.transport.is_closing():
            self.transport.write(problem.message(trace_id, self.server_state.default_headers))
        self.transport.close()

    def _peer(self) -> str:
        return _peer_of(self.client)


class _Cycle(RequestResponseCycle):
    """uvicorn's request cycle, whose response goes out in one write when its length is known.

    NOTE: the head of a response with a Content-Length waits for its body (a client cannot
    use one without the other); a chunked (streaming) response's head is written at once.
    """

    head: bytes | None = None

    async def send(self, message: Any) -> None:
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        if not self.response_started:
            if message["type"] != "http.response.start":
                raise RuntimeError(
                    f"Expected ASGI message 'http.response.start', but got '{message['type']}'."
                )
            self._start(message)
        elif not self.response_complete:
            if message["type"] != "http.response.body":
                raise RuntimeError(
                    f"Expected ASGI message 'http.response.body', but got '{message['type']}'."
                )
            self._body(message)
        else:
            raise RuntimeError(
                f"Unexpected ASGI message '{message['type']}' sent, after response already completed."
            )

    def _start(self, message: Any) -> None:
        self.response_started = True
        self.waiting_for_100_continue = False
        status_code = message["status"]
        if self.access_log:
            self.access_logger.info(
                '%s - "%s %s HTTP/%s" %d',
                get_client_addr(self.scope),
                self.scope["method"],
                get_path_with_query_string(self.scope),
                self.scope["http_version"],
                status_code,
            )
        content = [STATUS_LINE[status_code]]
        headers = message.get("headers", ())
        defaults = _default_fields(self.default_headers)
        if defaults is None:
            headers = [*self.default_headers, *headers]
        else:
            content.append(defaults)
        has_connection_close = False
        checked = _CHECKED
        for pair in headers:
            try:
                field_ = checked.get(pair)
            except TypeError:  # a list, or a bytearray: not hashable
                field_ = None
            if field_ is None:
                field_ = _check_field(pair)
            name = field_[0]
            if name in _SPECIAL_FIELDS:
                value = pair[1]
                if name == b"content-length" and self.chunked_encoding is None:
                    self.expected_content_length = int(value.decode())
                    self.chunked_encoding = False
                elif name == b"transfer-encoding" and value.lower() == b"chunked":
                    self.expected_content_length = 0
                    self.chunked_encoding = True
                elif name == b"connection":
                    connection = [token.lower().strip() for token in value.split(b",")]
                    if b"close" in connection:
                        self.keep_alive = False
                        has_connection_close = True
            content.append(field_[1])
        if not self.keep_alive and not has_connection_close:
            content.append(b"connection: close\r\n")
        if (
            self.chunked_encoding is None
            and self.scope["method"] != "HEAD"
            and status_code not in (204, 304)
        ):
            # Neither content-length nor transfer-encoding specified
            self.chunked_encoding = True
            content.append(b"transfer-encoding: chunked\r\n")
        content.append(b"\r\n")
        if self.chunked_encoding:
            self.transport.write(b"".join(content))
        else:
            self.head = b"".join(content)

    def _body(self, message: Any) -> None:
        body = message.get("body", b"")
        more_body = message.get("more_body", False)
        if self.scope["method"] == "HEAD":
            self.expected_content_length = 0
            data = b""
        elif self.chunked_encoding:
            data = b"%x\r\n%b\r\n" % (len(body), body) if body else b""
            if not more_body:
                data += b"0\r\n\r\n"
        else:
            num_bytes = len(body)
            if num_bytes > self.expected_content_length:
                raise RuntimeError("Response content longer than Content-Length")
            self.expected_content_length -= num_bytes
            data = body
        head = self.head
        if head is None:
            if data:
                self.transport.write(data)
        else:
            self.head = None
            if len(data) < _JOIN_BELOW:
                self.transport.write(head + data)
            else:
                self.transport.writelines((head, data))
        if not more_body:
            if self.expected_content_length != 0:
                raise RuntimeError("Response content shorter than Content-Length")
            self.response_complete = True
            self.message_event.set()
            if not self.keep_alive:
                self.transport.close()
            self.on_response()


_JOIN_BELOW = 64 * 1024
"""A body shorter than this is copied behind the head; a longer one is written beside it."""
_SPECIAL_FIELDS = frozenset({b"content-length", b"transfer-encoding", b"connection"})
_CHECKED: dict[tuple[bytes, bytes], tuple[bytes, bytes]] = {}
"""Response fields already checked: (name, value) -> (lower-case name, encoded line); values
of up to 256 bytes, emptied when full."""
_CHECKED_MAX = 4096


def _check_field(pair: tuple[bytes, bytes]) -> tuple[bytes, bytes]:
    """uvicorn's checks of one response field; remembers a good one (up to a bound)."""
    raw_name, value = pair
    if HEADER_RE.search(raw_name):
        raise RuntimeError("Invalid HTTP header name.")
    if HEADER_VALUE_RE.search(value):
        raise RuntimeError("Invalid HTTP header value.")
    name = bytes(raw_name).lower()
    field_ = (name, b"%b: %b\r\n" % (name, value))
    if type(pair) is tuple and type(raw_name) is type(value) is bytes and len(value) <= 256:
        if len(_CHECKED) >= _CHECKED_MAX:
            _CHECKED.clear()  # unique values (ids, cookies) filled it: start over
        _CHECKED[pair] = field_
    return field_


class _Defaults:
    """The server's default fields (Date, Server) as encoded last; the list is kept, so its
    identity cannot be reused by another."""

    headers: list[tuple[bytes, bytes]] | None = None
    encoded: bytes | None = None


def _default_fields(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The default fields encoded, once per list (uvicorn makes a new one each second, for
    the Date); None if they set framing fields, which then go through the per-field checks."""
    if headers is _Defaults.headers:
        return _Defaults.encoded
    if any(bytes(name).lower() in _SPECIAL_FIELDS for name, _ in headers):
        encoded = None
    else:
        encoded = b"".join(_check_field(pair)[1] for pair in headers)
    _Defaults.headers, _Defaults.encoded = headers, encoded
    return encoded


async def _service_unavailable(scope: Any, receive: Any, send: Any) -> None:
    """The answer past ``max_concurrency``; the app itself never sees the request."""
    trace_id = new_trace_id()
    logger.warning(
        "%s: over the concurrency limit, answered 503 (trace_id=%s)",
        _peer_of(scope.get("client")), trace_id, extra={"trace_id": trace_id, "status": 503},
    )
    problem = _responses.SERVICE_UNAVAILABLE
    await send({"type": "http.response.start", "status": 503, "headers": problem.headers})
    await send({"type": "http.response.body", "body": problem.body(trace_id)})


def _peer_of(client: Any) -> str:
    return f"{client[0]}:{client[1]}" if client else "unknown client"
