"""log_format: json: one JSON object per line for the access log and every covet.* logger,
with the request's fields; credentials in query strings stay redacted."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator

import orjson
import pytest

from covet.app import CovetApp
from covet.observability.logs import JsonFormatter
from covet.testing import TestClient
from tests.e2e.conftest import Server, start_server
from tests.observability.conftest import CONFIG


def test_a_record_is_one_line_with_time_level_logger_and_message() -> None:
    record = logging.LogRecord("covet.cache", logging.WARNING, __file__, 1, "down: %s", ("redis",), None)
    record.created = 1_700_000_000.25
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2023-11-14T22:13:20.250Z", "level": "warning", "logger": "covet.cache",
        "message": "down: redis",
    }


def test_request_fields_and_the_exception_are_kept() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("covet.error", logging.ERROR, __file__, 1, "failed", (), exc_info)
    record.trace_id, record.span_id, record.status = "abc", "00f067aa0ba902b7", 500
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["trace_id"], entry["span_id"], entry["status"]) == ("abc", "00f067aa0ba902b7", 500)
    assert entry["exception"].startswith("Traceback") and "ValueError: bad" in entry["exception"]


@pytest.fixture
def json_access_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("covet.access")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_the_access_log_as_json_carries_operation_status_duration_and_trace_id(
    observed_app: Callable[..., CovetApp], json_access_log: io.StringIO,
) -> None:
    with TestClient(observed_app()) as client:
        client.get("/notes/7?api_key=s3cret&keep=1", headers={"X-Request-ID": "req-1"})
        client.get("/nowhere")
    first, second = (orjson.loads(line) for line in json_access_log.getvalue().splitlines())
    assert first["logger"] == "covet.access" and first["level"] == "info"
    assert (first["operation"], first["method"], first["status"]) == ("getNote", "GET", 200)
    assert first["trace_id"] == "req-1"
    assert first["path"] == "/notes/7?api_key=REDACTED&keep=1"
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert "s3cret" not in json_access_log.getvalue()
    assert second["status"] == 404 and "operation" not in second


def test_covet_run_writes_only_json_lines() -> None:
    server = start_server(CONFIG, env={"LOG_FORMAT": "json"})
    try:
        with pytest.raises(OSError):
            _get(f"{server.url}/crash", {})
        _get(f"{server.url}/notes/3?password=hunter2", {"traceparent": _TRACEPARENT})
        output = _output_once(server, "/notes/3")
    finally:
        server.stop()
    entries = [json.loads(line) for line in output.splitlines() if line.strip()]
    loggers = {entry["logger"] for entry in entries}
    assert {"covet.run", "covet.access", "covet.error", "uvicorn.error"} <= loggers
    access = [e for e in entries if e["logger"] == "covet.access" and e.get("operation") == "getNote"]
    assert access[0]["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert access[0]["status"] == 200 and access[0]["duration_ms"] > 0
    crash = next(e for e in entries if e["logger"] == "covet.error")
    assert crash["level"] == "error" and "RuntimeError: crashed on purpose" in crash["exception"]
    crashed = next(e for e in entries if e["logger"] == "covet.access" and e.get("operation") == "crash")
    assert crash["trace_id"] == crashed["trace_id"]  # the error line and its request's access line
    assert "hunter2" not in output


_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _output_once(server: Server, text: str) -> str:
    """The server's output once ``text`` is in it (the access line follows the response)."""
    deadline = time.monotonic() + 5
    while text not in (output := server.output()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return output


def _get(url: str, headers: dict[str, str]) -> None:
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
        response.read()
