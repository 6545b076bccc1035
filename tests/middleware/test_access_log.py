"""access_log: one INFO line per request with method, path, status, size, duration, trace id."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from covet.app import CovetApp
from covet.testing import TestClient


def test_one_line_per_request(shop_app: Callable[..., CovetApp], caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(shop_app(server={"access_log": True}))
    with caplog.at_level(logging.INFO, logger="covet.access"):
        client.get("/items/1?x=1", headers={"X-Request-ID": "log-me"})
    lines = [r.getMessage() for r in caplog.records if r.name == "covet.access"]
    assert len(lines) == 1
    assert '"GET /items/1?x=1 HTTP/1.1" 200' in lines[0]
    assert "trace_id=log-me" in lines[0]


def test_off_means_no_lines(shop_app: Callable[..., CovetApp], caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(shop_app(server={"access_log": False}))
    with caplog.at_level(logging.INFO, logger="covet.access"):
        client.get("/items/1")
    assert not [r for r in caplog.records if r.name == "covet.access"]


def test_a_crash_is_still_logged_as_500(shop_app: Callable[..., CovetApp], caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(shop_app(server={"access_log": True}))
    with caplog.at_level(logging.INFO, logger="covet.access"):
        client.get("/boom")
    assert any('"GET /boom HTTP/1.1" 500' in r.getMessage() for r in caplog.records if r.name == "covet.access")


def test_credentials_in_the_query_string_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    from covet.testing import TestClient
    from tests.security.test_step import HANDLERS, SPEC, auth_config

    app = CovetApp.from_spec(SPEC, HANDLERS, auth=auth_config(), server={"access_log": True})
    client = TestClient(app)
    with caplog.at_level(logging.INFO, logger="covet.access"):
        client.get("/key/query?api_key=key-alice&keep=1")  # the scheme's own parameter
        client.get("/public?access_token=abc.def.ghi&Password=hunter2")  # well-known names
    lines = " ".join(r.getMessage() for r in caplog.records if r.name == "covet.access")
    assert "/key/query?api_key=REDACTED&keep=1" in lines
    assert "/public?access_token=REDACTED&Password=REDACTED" in lines
    for secret in ("key-alice", "abc.def.ghi", "hunter2"):
        assert secret not in lines


@pytest.mark.parametrize(("path", "operation"), [
    ("/items/1", "getItem"), ("/openapi.json", "/openapi.json"), ("/docs", "/docs"),
    ("/docs/static/swagger-ui.css", "/docs/static/{name}"), ("/nowhere", None),
])
def test_every_route_kind_is_labelled_by_operation_or_template(
    shop_app: Callable[..., CovetApp], caplog: pytest.LogCaptureFixture, path: str,
    operation: str | None,
) -> None:
    client = TestClient(shop_app(server={"access_log": True}))
    with caplog.at_level(logging.INFO, logger="covet.access"):
        client.get(path)
    (record,) = [r for r in caplog.records if r.name == "covet.access"]
    assert record.operation == operation  # type: ignore[attr-defined]
