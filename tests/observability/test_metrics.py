"""metrics: requests by operation, method and status class (never the raw path), latency,
in-flight requests and body sizes, served at /metrics and never counting /metrics itself."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import pytest
from prometheus_client import generate_latest

from covet.app import CovetApp
from covet.errors import ConfigError
from covet.observability.metrics import UNMATCHED, MetricsMiddleware
from covet.observability.settings import MetricsSettings
from covet.testing import TestClient
from covet.types import Message, Receive, Scope, Send
from tests.observability.conftest import samples, value


def test_requests_are_counted_by_operation_method_and_status_class(
    observed_app: Callable[..., CovetApp],
) -> None:
    with TestClient(observed_app()) as client:
        for note in (1, 2, 3):
            assert client.get(f"/notes/{note}").status_code == 200
        assert client.get("/notes/oops").status_code == 422
        assert client.post("/notes", json={"text": "x"}).status_code == 201
        assert client.get("/crash").status_code == 500
        text = client.get("/metrics").text
    total = "covet_http_requests_total"
    assert value(text, total, operation="getNote", method="GET", status="2xx") == 3
    assert value(text, total, operation="getNote", method="GET", status="4xx") == 1
    assert value(text, total, operation="createNote", method="POST", status="2xx") == 1
    assert value(text, total, operation="crash", method="GET", status="5xx") == 1


def test_unrouted_requests_are_one_unmatched_series_never_the_raw_path(
    observed_app: Callable[..., CovetApp],
) -> None:
    with TestClient(observed_app()) as client:
        for path in ("/a", "/b/c", "/d?x=1", "/notes"):  # /notes: GET not allowed, a 405
            client.get(path)
        client.request("BREW", "/pot")
        text = client.get("/metrics").text
    assert value(text, "covet_http_requests_total", operation=UNMATCHED, method="GET", status="4xx") == 4
    assert value(text, "covet_http_requests_total", operation=UNMATCHED, method="OTHER", status="4xx") == 1
    for raw in ("/a", "/b/c", "/pot", "BREW"):
        assert raw not in text


def test_code_routes_are_labelled_by_their_template(observed_app: Callable[..., CovetApp]) -> None:
    app = observed_app(compile_now=False)

    @app.route("/files/{name}")
    async def read_file(name: str) -> dict[str, str]:
        return {"name": name}

    with TestClient(app) as client:
        client.get("/files/a.txt")
        client.get("/files/b.txt")
        text = client.get("/metrics").text
    series = value(text, "covet_http_requests_total", operation="/files/{name}", method="GET", status="2xx")
    assert series == 2


def test_latency_is_a_histogram_with_the_configured_buckets(
    observed_app: Callable[..., CovetApp],
) -> None:
    app = observed_app(metrics={"latency_buckets": [0.5, 30]})
    with TestClient(app) as client:
        client.get("/notes/1")
        text = client.get("/metrics").text
    name = "covet_http_request_duration_seconds"
    labels = {"operation": "getNote", "method": "GET", "status": "2xx"}
    assert value(text, f"{name}_count", **labels) == 1
    assert value(text, f"{name}_bucket", **labels, le="30.0") == 1
    assert 0 < value(text, f"{name}_sum", **labels) < 30
    buckets = {dict(k[1]).get("le") for k in samples(text) if k[0] == f"{name}_bucket"}
    assert buckets == {"0.5", "30.0", "+Inf"}


def test_body_sizes_are_the_bytes_read_and_sent(observed_app: Callable[..., CovetApp]) -> None:
    with TestClient(observed_app()) as client:
        response = client.post("/notes", content=b'{"text": "0123456789"}',
                               headers={"content-type": "application/json"})
        text = client.get("/metrics").text
    labels = {"operation": "createNote", "method": "POST"}
    assert value(text, "covet_http_request_size_bytes_sum", **labels) == 22
    assert value(text, "covet_http_response_size_bytes_sum", **labels) == len(response.content)
    assert value(text, "covet_http_request_size_bytes_count", **labels) == 1
    assert value(text, "covet_http_request_size_bytes_bucket", **labels, le="100.0") == 1


def test_buckets_count_every_value_at_most_their_bound(observed_app: Callable[..., CovetApp]) -> None:
    with TestClient(observed_app(metrics={"size_buckets": [10, 22, 100]})) as client:
        for size in (5, 22, 23, 500):  # 422s (not objects): sizes are by operation and method
            client.post("/notes", content=b'"' + b"x" * (size - 2) + b'"',
                        headers={"content-type": "application/json"})
        text = client.get("/metrics").text
    labels = {"operation": "createNote", "method": "POST"}
    buckets = [value(text, "covet_http_request_size_bytes_bucket", **labels, le=le)
               for le in ("10.0", "22.0", "100.0", "+Inf")]
    assert buckets == [1, 2, 3, 4]
    assert value(text, "covet_http_request_size_bytes_sum", **labels) == 5 + 22 + 23 + 500


def test_the_metrics_path_is_not_counted_in_its_own_series(observed_app: Callable[..., CovetApp]) -> None:
    with TestClient(observed_app(metrics={"path": "/internal/metrics"})) as client:
        for _ in range(3):
            response = client.get("/internal/metrics")
        assert client.get("/metrics").status_code == 404  # not served elsewhere
        text = client.get("/internal/metrics").text
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "/internal/metrics" not in text
    assert value(text, "covet_http_requests_total", operation=UNMATCHED, method="GET", status="4xx") == 1
    assert sum(v for k, v in samples(text).items() if k[0] == "covet_http_requests_total") == 1


def test_head_of_the_metrics_path_has_no_body(observed_app: Callable[..., CovetApp]) -> None:
    with TestClient(observed_app()) as client:
        response = client.request("HEAD", "/metrics")
    assert response.status_code == 200
    assert response.content == b""


async def test_in_flight_counts_requests_being_served() -> None:
    release = asyncio.Event()
    entered = asyncio.Event()

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        entered.set()
        await release.wait()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    metrics = MetricsMiddleware(slow, MetricsSettings(enabled=True))
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    def in_flight() -> float:
        assert metrics.registry is not None
        return value(generate_latest(metrics.registry).decode(), "covet_http_requests_in_flight")

    task = asyncio.create_task(metrics({"type": "http", "path": "/x", "method": "GET"}, receive, send))
    await entered.wait()
    assert in_flight() == 1
    release.set()
    await task
    assert in_flight() == 0
    assert sent[0]["status"] == 204


def test_off_by_default_the_app_has_no_metrics_layer_and_no_path(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app()
    assert not isinstance(app._compiled_chain(), MetricsMiddleware)
    assert TestClient(app).get("/metrics").status_code == 404


def test_security_headers_still_fold_into_the_dispatcher_with_metrics_on(
    observed_app: Callable[..., CovetApp],
) -> None:
    app = observed_app(server={"access_log": False})
    chain = app._compiled_chain()
    assert isinstance(chain, MetricsMiddleware)
    from covet.asgi import Dispatcher

    assert isinstance(chain.app, Dispatcher)  # no layer between them
    response = TestClient(app).get("/notes/1")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_enabled_without_prometheus_client_is_a_startup_error_naming_the_fix(
    observed_app: Callable[..., CovetApp], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # as if not installed
    with pytest.raises(ConfigError, match=r"pip install 'covetpy\[metrics\]'") as error:
        observed_app()
    assert error.value.pointer == "/metrics"
