"""The request series: counted in plain Python in one process, in prometheus-client's
multiprocess values under ``covet run --workers N``.

Both kinds label a request by (operation, method, status class) and keep its body sizes by
(operation, method); :class:`MetricsMiddleware` calls ``begin()`` when a request arrives and
``end()`` when it is over.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from covet.observability.settings import MetricsSettings

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import Metric

__all__ = ["LocalHttpSeries", "SharedHttpSeries", "status_class"]

LABELS = ("operation", "method", "status")
_CLASSES = ("1xx", "1xx", "2xx", "3xx", "4xx", "5xx")
_DOCS = {
    "covet_http_requests": "HTTP requests answered, by operation, method and status class.",
    "covet_http_request_duration_seconds": "Seconds from the request's arrival to the end of its response.",
    "covet_http_requests_in_flight": "HTTP requests being served now.",
    "covet_http_request_size_bytes": "Bytes of request body read, by operation and method.",
    "covet_http_response_size_bytes": "Bytes of response body sent, by operation and method.",
}


def status_class(status: int) -> str:
    return _CLASSES[status // 100] if 100 <= status < 600 else "5xx"


class _Cell:
    """One (operation, method, status class): its count and three histograms, uncumulated."""

    __slots__ = ("count", "duration", "duration_sum", "received", "received_sum", "sent", "sent_sum")

    def __init__(self, latency_buckets: int, size_buckets: int) -> None:
        self.count = 0
        self.duration = [0] * (latency_buckets + 1)  # the last one is +Inf
        self.duration_sum = 0.0
        self.received = [0] * (size_buckets + 1)
        self.received_sum = 0
        self.sent = [0] * (size_buckets + 1)
        self.sent_sum = 0


class LocalHttpSeries:
    """The request series of one process, exposed by a collector on its registry.

    PERF: a request costs a dict lookup, three bisections and a few additions on plain
    attributes: measured 1.5 µs for begin() + end() against 8.3 µs for
    :class:`SharedHttpSeries` (prometheus-client's Counter, three Histograms and a Gauge, each
    update behind its lock), on the same loaded machine; the whole middleware adds about 3 µs
    to a request. Reads and writes happen on the event loop only, so no lock is needed.
    """

    __slots__ = ("_cells", "_latency", "_sizes", "in_flight")

    def __init__(self, settings: MetricsSettings, registry: CollectorRegistry) -> None:
        self._latency = settings.latency_buckets
        self._sizes = settings.size_buckets
        self._cells: dict[tuple[str, str, str], _Cell] = {}
        self.in_flight = 0
        registry.register(self)

    def begin(self) -> None:
        self.in_flight += 1

    def end(
        self, operation: str, method: str, status: int, seconds: float, received: int, sent: int
    ) -> None:
        """The request is over; it is counted when a response began (``status`` not 0)."""
        self.in_flight -= 1
        if not status:
            return
        key = (operation, method, status_class(status))
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = _Cell(len(self._latency), len(self._sizes))
        cell.count += 1
        cell.duration[bisect_left(self._latency, seconds)] += 1
        cell.duration_sum += seconds
        cell.received[bisect_left(self._sizes, received)] += 1
        cell.received_sum += received
        cell.sent[bisect_left(self._sizes, sent)] += 1
        cell.sent_sum += sent

    def collect(self) -> Iterator[Metric]:
        """The five families, as prometheus-client's registry asks for them."""
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        requests = CounterMetricFamily("covet_http_requests", _DOCS["covet_http_requests"], labels=LABELS)
        name = "covet_http_request_duration_seconds"
        duration = HistogramMetricFamily(name, _DOCS[name], labels=LABELS)
        sizes: dict[tuple[str, str], list[Any]] = {}
        for key, cell in list(self._cells.items()):
            requests.add_metric(key, cell.count)
            duration.add_metric(key, _cumulative(self._latency, cell.duration), cell.duration_sum)
            total = sizes.setdefault(key[:2], [[0] * len(cell.sent), 0, [0] * len(cell.sent), 0])
            total[0] = [a + b for a, b in zip(total[0], cell.received)]
            total[1] += cell.received_sum
            total[2] = [a + b for a, b in zip(total[2], cell.sent)]
            total[3] += cell.sent_sum
        yield requests
        yield duration
        yield GaugeMetricFamily(
            "covet_http_requests_in_flight", _DOCS["covet_http_requests_in_flight"], value=self.in_flight
        )
        for index, name in ((0, "covet_http_request_size_bytes"), (2, "covet_http_response_size_bytes")):
            family = HistogramMetricFamily(name, _DOCS[name], labels=LABELS[:2])
            for labels, total in sizes.items():
                family.add_metric(labels, _cumulative(self._sizes, total[index]), total[index + 1])
            yield family


def _cumulative(bounds: tuple[float, ...], counts: list[int]) -> list[tuple[str, float]]:
    from prometheus_client.utils import floatToGoString

    running = 0
    buckets = []
    for bound, count in zip((*bounds, float("inf")), counts):
        running += count
        buckets.append((floatToGoString(bound), float(running)))  # type: ignore[no-untyped-call]
    return buckets


class SharedHttpSeries:
    """The request series in prometheus-client's multiprocess values (files every worker of
    ``covet run --workers N`` writes and the scraped one reads), one child per label set."""

    __slots__ = ("_children", "duration", "in_flight", "request_size", "requests", "response_size")

    def __init__(self, settings: MetricsSettings) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        def histogram(name: str, labels: tuple[str, ...], buckets: tuple[float, ...]) -> Histogram:
            return Histogram(name, _DOCS[name], labels, buckets=buckets, registry=None)

        self.requests = Counter("covet_http_requests", _DOCS["covet_http_requests"], LABELS, registry=None)
        self.duration = histogram("covet_http_request_duration_seconds", LABELS, settings.latency_buckets)
        self.in_flight = Gauge(
            "covet_http_requests_in_flight", _DOCS["covet_http_requests_in_flight"],
            registry=None, multiprocess_mode="livesum",
        )
        self.request_size = histogram("covet_http_request_size_bytes", LABELS[:2], settings.size_buckets)
        self.response_size = histogram("covet_http_response_size_bytes", LABELS[:2], settings.size_buckets)
        self._children: dict[tuple[str, str, str], tuple[Any, Any, Any, Any]] = {}

    def begin(self) -> None:
        self.in_flight.inc()

    def end(
        self, operation: str, method: str, status: int, seconds: float, received: int, sent: int
    ) -> None:
        """The request is over; it is counted when a response began (``status`` not 0)."""
        self.in_flight.dec()
        if not status:
            return
        key = (operation, method, status_class(status))
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(*key), self.duration.labels(*key),
                self.request_size.labels(operation, method),
                self.response_size.labels(operation, method),
            )
        requests, duration, request_size, response_size = children
        requests.inc()
        duration.observe(seconds)
        request_size.observe(received)
        response_size.observe(sent)
