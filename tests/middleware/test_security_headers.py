"""security_headers: nosniff, frame options and Referrer-Policy by default; CSP and HSTS on ask."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from covet import Response
from covet.app import CovetApp
from covet.errors import ConfigError
from covet.middleware.security_headers import SecurityHeadersMiddleware, SecurityHeadersSettings
from covet.testing import TestClient

DEFAULTS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def client_for(shop_app: Callable[..., CovetApp], **security_headers: Any) -> TestClient:
    settings: dict[str, Any] = {"server": {"access_log": False}}
    if security_headers:
        settings["security_headers"] = security_headers
    app = shop_app(compile_now=False, **settings)

    @app.route("/framed")
    async def framed() -> Response:
        return Response("x", headers={"X-Frame-Options": "SAMEORIGIN", "Referrer-Policy": "origin"})

    app.compile()
    return TestClient(app)


@pytest.mark.parametrize(("path", "status"), [("/items/1", 200), ("/items/99", 404),
                                              ("/items", 422), ("/boom", 500), ("/nowhere", 404)])
def test_default_headers_on_normal_and_error_responses(
    shop_app: Callable[..., CovetApp], path: str, status: int
) -> None:
    response = client_for(shop_app).get(path)
    assert response.status_code == status
    for name, value in DEFAULTS.items():
        assert response.headers[name] == value
    assert "strict-transport-security" not in response.headers
    assert "content-security-policy" not in response.headers


def test_a_header_the_handler_set_is_not_overridden(shop_app: Callable[..., CovetApp]) -> None:
    response = client_for(shop_app).get("/framed")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["referrer-policy"] == "origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert [name for name, _ in response.headers.raw].count(b"x-frame-options") == 1


def test_hsts_is_off_by_default_and_sent_when_configured(shop_app: Callable[..., CovetApp]) -> None:
    response = client_for(shop_app, hsts={"max_age": 63072000, "include_subdomains": True,
                                          "preload": True}).get("/items/1")
    assert response.headers["strict-transport-security"] == (
        "max-age=63072000; includeSubDomains; preload"
    )
    assert client_for(shop_app, hsts=True).get("/items/1").headers[
        "strict-transport-security"
    ] == "max-age=31536000"


def test_preload_without_its_requirements_is_refused(shop_app: Callable[..., CovetApp]) -> None:
    with pytest.raises(ConfigError, match="preload needs include_subdomains"):
        client_for(shop_app, hsts={"max_age": 600, "preload": True})


def test_csp_for_api_responses_and_each_header_can_be_turned_off(
    shop_app: Callable[..., CovetApp],
) -> None:
    client = client_for(
        shop_app, content_security_policy="default-src 'none';\n  frame-ancestors 'none'",
        frame_options=None, referrer_policy=None, content_type_options=False,
    )
    response = client.get("/items/1")
    assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert not {"x-frame-options", "referrer-policy", "x-content-type-options"} & set(response.headers)


def test_frame_options_sameorigin_and_referrer_policy_values(shop_app: Callable[..., CovetApp]) -> None:
    client = client_for(shop_app, frame_options="sameorigin", referrer_policy="Strict-Origin-When-Cross-Origin")
    response = client.get("/items/1")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"frame_options": "ALLOW-FROM x"}, "frame_options"),
        ({"referrer_policy": "sometimes"}, "is not a Referrer-Policy"),
        ({"x_xss_protection": True}, "unknown key"),
    ],
)
def test_bad_settings_are_refused_naming_the_key(
    shop_app: Callable[..., CovetApp], settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        shop_app(security_headers=settings)
    assert "security_headers" in str(caught.value)


def test_with_nothing_but_the_dispatcher_the_dispatcher_adds_them(
    shop_app: Callable[..., CovetApp],
) -> None:
    app = shop_app(server={"access_log": False})
    assert not isinstance(app._chain, SecurityHeadersMiddleware)
    assert TestClient(app).get("/items/1").headers["x-frame-options"] == "DENY"


async def teapot(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 418, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


def test_responses_a_middleware_sends_itself_get_them_too(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app(compile_now=False, server={"access_log": False})

    def answer_teapot(inner: Any) -> Any:
        async def layer(scope: Any, receive: Any, send: Any) -> None:
            await (teapot if scope["path"] == "/teapot" else inner)(scope, receive, send)
        return layer

    app.add_middleware(answer_teapot)
    app.compile()
    assert isinstance(app._chain, SecurityHeadersMiddleware)
    client = TestClient(app)
    for path, status in (("/teapot", 418), ("/items/1", 200)):
        response = client.get(path)
        assert response.status_code == status
        assert [name for name, _ in response.headers.raw].count(b"x-frame-options") == 1
        assert response.headers["referrer-policy"] == "no-referrer"


def test_disabled_means_no_layer_at_all(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app(security_headers={"enabled": False}, server={"access_log": False})
    assert not isinstance(app._chain, SecurityHeadersMiddleware)
    response = TestClient(app).get("/items/1")
    assert not set(DEFAULTS) & set(response.headers)


def test_headers_are_encoded_once() -> None:
    encoded = SecurityHeadersSettings().encoded()
    assert encoded == tuple((name.encode(), value.encode()) for name, value in DEFAULTS.items())
    assert SecurityHeadersSettings(enabled=False).encoded() == ()


def test_the_docs_pages_keep_their_own_csp(shop_app: Callable[..., CovetApp]) -> None:
    client = client_for(shop_app, content_security_policy="default-src 'none'")
    assert client.get("/items/1").headers["content-security-policy"] == "default-src 'none'"
    for page, style in (("/docs", "style-src 'self';"), ("/redoc", "style-src 'self' 'unsafe-inline';")):
        csp = client.get(page).headers["content-security-policy"]
        assert csp.startswith("default-src 'none'; script-src 'self'; ") and style in csp
        assert "unsafe-eval" not in csp and "script-src 'self';" in csp


def test_swagger_ui_may_try_out_the_specs_absolute_servers() -> None:
    from covet.docs.routes import _page_csp

    servers = [{"url": "/v1"}, {"url": "https://api.example.com/v1"}, {"url": "{scheme}://x"}]
    assert "connect-src 'self' https://api.example.com;" in _page_csp("swagger_ui", servers)
    assert "connect-src 'self'; worker-src blob:;" in _page_csp("redoc", servers)
