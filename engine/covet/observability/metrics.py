"""Prometheus metrics: :class:`MetricsMiddleware` counts every request and serves ``/metrics``.

Requests are labelled from the endpoint the dispatcher put in the scope (DESIGN.md §12, "the
route in the scope"): the operationId, or the route template of a code route, or ``unmatched``
when nothing was routed (a 404, a 405). Never the raw path, so the label sets stay bounded by
the routes. The series and their labels are listed in docs/observability.md.

Under ``covet run --workers N`` each worker writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode, see
:mod:`covet.observability.multiprocess`) and whichever worker is scraped reads them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from covet.asgi import ENDPOINT_KEY
from covet.errors import ConfigError
from covet.observability.http_series import LocalHttpSeries, SharedHttpSeries
from covet.observability.multiprocess import mark_dead, multiprocess_dir
from covet.observability.settings import MetricsSettings
from covet.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from covet.api import Api
    from covet.observability.provider_series import ProviderSeries

__all__ = ["UNMATCHED", "MetricsMiddleware", "require_prometheus"]

UNMATCHED = "unmatched"
"""The ``operation`` label of a request no route matched (404, 405, an undecodable path)."""

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


def require_prometheus() -> None:
    """Fail at startup, naming the fix, when ``metrics:`` is on without prometheus-client.

    Raises:
        ConfigError: prometheus-client is not installed.
    """
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        raise ConfigError(
            "metrics are enabled but prometheus-client is not installed; "
            "run pip install 'covetpy[metrics]', or set metrics: false",
            pointer="/metrics",
        ) from None


class MetricsMiddleware:
    """Counts, times and sizes every HTTP request; answers ``GET <path>`` with the metrics.

    Args:
        app: the ASGI app inside (the whole chain: it sits outermost).
        settings: covet.yaml's ``metrics:``.
        providers: the app's providers, read when the providers' series are published.
        api: the snapshot being served (its rate-limit steps), read the same way.

    Call :meth:`start` at lifespan startup and :meth:`stop` at shutdown (the app does).
    """

    __slots__ = ("_sync_task", "app", "directory", "http", "path", "providers", "registry", "settings")

    def __init__(
        self,
        app: ASGIApp,
        settings: MetricsSettings,
        *,
        providers: Callable[[], Iterable[object]] = tuple,
        api: Callable[[], Api | None] = lambda: None,
    ) -> None:
        require_prometheus()
        from prometheus_client import CollectorRegistry

        from covet.observability.provider_series import ProviderSeries

        self.app = app
        self.settings = settings
        self.path = settings.path
        self.directory = multiprocess_dir()
        # NOTE: in multiprocess mode the values live in files, read by a fresh registry per
        # scrape; registering them too would expose this worker's values twice.
        self.registry: CollectorRegistry | None = None
        self.http: LocalHttpSeries | SharedHttpSeries
        if self.directory is None:
            self.registry = CollectorRegistry()
            self.http = LocalHttpSeries(settings, self.registry)
        else:
            self.http = SharedHttpSeries(settings)
        self.providers: ProviderSeries = ProviderSeries(self.registry, providers, api)
        self._sync_task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == self.path and scope["method"] in ("GET", "HEAD"):
            await self._expose(scope, send)
            return
        status = 0
        received = sent = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            elif message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        http = self.http
        http.begin()
        started = time.perf_counter()
        try:
            await self.app(scope, counting_receive, counting_send)
        except Exception:
            status = status or 500  # the server answers 500 for what escaped
            raise
        finally:
            # NOTE: a request whose client left before any response began is not counted.
            operation, method = _labels(scope)
            http.end(operation, method, status, time.perf_counter() - started, received, sent)

    async def _expose(self, scope: Scope, send: Send) -> None:
        from prometheus_client import CONTENT_TYPE_LATEST

        self.providers.sync()
        if self.directory is None and self.registry is not None:
            body = _latest(self.registry)
        else:
            # NOTE: reading every worker's files is blocking I/O: off the event loop
            body = await asyncio.to_thread(_latest_of_workers, str(self.directory))
        await send({
            "type": "http.response.start", "status": 200,
            "headers": [
                (b"content-type", CONTENT_TYPE_LATEST.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        })
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    async def start(self) -> None:
        """With several workers, publish the providers' series every ``sync_interval``."""
        if self.directory is not None and self._sync_task is None:
            self._sync_task = asyncio.create_task(self._sync_forever())

    async def stop(self) -> None:
        """Publish the providers' series once more; a worker's live gauges leave with it."""
        task, self._sync_task = self._sync_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.directory is not None:
            self.providers.sync()
            mark_dead(self.directory)

    async def _sync_forever(self) -> None:
        while True:
            self.providers.sync()
            await asyncio.sleep(self.settings.sync_interval)


def _labels(scope: Scope) -> tuple[str, str]:
    endpoint = scope.get(ENDPOINT_KEY)
    method: str = scope["method"]
    if endpoint is None:
        return UNMATCHED, method if method in _METHODS else "OTHER"
    return endpoint.operation_id or endpoint.template, method


def _latest(registry: CollectorRegistry) -> bytes:
    from prometheus_client import generate_latest

    return generate_latest(registry)


def _latest_of_workers(directory: str) -> bytes:
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
