"""CORS (``apis[].cors``): preflights answered before routing, headers on every response."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from covet import Response, UnauthorizedError
from covet.app import CovetApp
from covet.config import config_from_mapping
from covet.errors import ConfigError
from covet.middleware.cors import CorsMiddleware, CorsPolicy, CorsSettings
from covet.testing import TestClient, TestResponse
from tests.conftest import SHOP_HANDLERS, SHOP_SPEC

APP = "https://app.example.com"
EVIL = "https://evil.example.org"


def cors_app(cors: dict[str, Any] | None, *apis: dict[str, Any], **settings: Any) -> CovetApp:
    """The shop under /v1 with ``cors``, plus ``apis``; /v1/secret always answers 401."""
    shop = {"spec": str(SHOP_SPEC), "prefix": "/v1", "handlers": SHOP_HANDLERS, "cors": cors}
    raw = {"apis": [shop, *apis], "server": {"access_log": False}, **settings}
    app = CovetApp(config_from_mapping(raw, base_dir=Path.cwd()), compile_now=False)

    @app.route("/v1/secret", methods=["GET", "DELETE"])
    async def secret() -> None:
        raise UnauthorizedError("Send a bearer token", challenges=['Bearer realm="shop"'])

    @app.route("/v1/own-cors")
    async def own_cors() -> Response:
        return Response("x", headers={"access-control-allow-origin": "https://mine.example"})

    app.compile()
    return app


def preflight(
    client: TestClient, path: str, origin: str = APP, method: str = "DELETE", headers: str = ""
) -> TestResponse:
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=sent)


ALLOW_APP = {"allow_origins": [APP], "allow_headers": ["Authorization", "X-Tenant"]}


def test_preflight_to_a_secured_operation_is_answered_without_credentials() -> None:
    client = TestClient(cors_app(ALLOW_APP))
    response = preflight(client, "/v1/secret", headers="authorization, x-tenant")
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == APP
    assert "DELETE" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].split(", ")
    assert {"authorization", "x-tenant", "content-type"} <= set(allowed)
    assert response.headers["access-control-max-age"] == "600"
    assert response.headers["vary"] == "Origin"
    assert response.content == b""


def test_preflight_is_answered_before_routing() -> None:
    client = TestClient(cors_app(ALLOW_APP))
    assert preflight(client, "/v1/no/such/route", method="GET").status_code == 204


def test_preflight_from_a_disallowed_origin_is_a_403_problem_without_cors_headers() -> None:
    response = preflight(TestClient(cors_app(ALLOW_APP)), "/v1/items", origin=EVIL)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert not [name for name in response.headers if name.startswith("access-control-")]
    body = response.json()
    assert body["status"] == 403 and body["details"][0]["field"] == "Origin"
    assert response.headers["vary"] == "Origin"


def test_preflight_for_a_method_or_header_not_allowed_is_refused() -> None:
    client = TestClient(cors_app({**ALLOW_APP, "allow_methods": ["GET", "POST"]}))
    method = preflight(client, "/v1/items", method="DELETE")
    assert method.status_code == 403
    assert method.json()["details"][0]["field"] == "Access-Control-Request-Method"
    header = preflight(client, "/v1/items", method="GET", headers="x-secret, authorization")
    assert header.status_code == 403
    assert header.json()["details"][0]["message"] == "x-secret not allowed"


def test_safelisted_request_headers_are_always_allowed() -> None:
    response = preflight(TestClient(cors_app({"allow_origins": [APP]})), "/v1/items",
                         method="POST", headers="Content-Type, Accept")
    assert response.status_code == 204


def test_star_methods_and_headers_echo_what_the_preflight_asked_for() -> None:
    client = TestClient(cors_app({"allow_origins": [APP], "allow_methods": "*", "allow_headers": "*"}))
    response = preflight(client, "/v1/items", method="PURGE", headers="x-anything")
    assert response.status_code == 204
    assert response.headers["access-control-allow-methods"] == "PURGE"
    assert response.headers["access-control-allow-headers"] == "x-anything"


def test_options_without_a_request_method_is_not_a_preflight() -> None:
    response = TestClient(cors_app(ALLOW_APP)).options("/v1/items", headers={"Origin": APP})
    assert response.status_code == 405
    assert response.headers["access-control-allow-origin"] == APP


def test_simple_request_from_an_allowed_origin_gets_the_origin_back() -> None:
    response = TestClient(cors_app(ALLOW_APP)).get("/v1/items/1", headers={"Origin": APP})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in response.headers


def test_disallowed_origin_gets_no_cors_headers_but_vary() -> None:
    response = TestClient(cors_app(ALLOW_APP)).get("/v1/items/1", headers={"Origin": EVIL})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


def test_response_without_origin_says_it_varies_on_origin() -> None:
    response = TestClient(cors_app(ALLOW_APP)).get("/v1/items/1")
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


def test_credentials_answer_the_origin_itself_and_allow_credentials() -> None:
    client = TestClient(cors_app({"allow_origins": [APP], "allow_credentials": True}))
    simple = client.get("/v1/items/1", headers={"Origin": APP})
    assert simple.headers["access-control-allow-origin"] == APP
    assert simple.headers["access-control-allow-credentials"] == "true"
    flight = preflight(client, "/v1/items/1")
    assert flight.headers["access-control-allow-origin"] == APP
    assert flight.headers["access-control-allow-credentials"] == "true"


def test_expose_headers_are_listed_on_responses_not_preflights() -> None:
    client = TestClient(cors_app({"allow_origins": [APP], "expose_headers": ["X-Order", "X-Request-ID"]}))
    response = client.get("/v1/items/1", headers={"Origin": APP})
    assert response.headers["access-control-expose-headers"] == "x-order, x-request-id"
    assert "access-control-expose-headers" not in preflight(client, "/v1/items/1").headers


def test_any_origin_is_a_constant_star_without_vary() -> None:
    client = TestClient(cors_app({"allow_origins": "*"}))
    for headers in ({"Origin": EVIL}, {}):
        response = client.get("/v1/items/1", headers=headers)
        assert response.headers["access-control-allow-origin"] == "*"
        assert "vary" not in response.headers
    assert preflight(client, "/v1/items", origin=EVIL, method="GET").headers[
        "access-control-allow-origin"
    ] == "*"


@pytest.mark.parametrize(
    ("path", "status", "extra"),
    [
        ("/v1/secret", 401, {}),
        ("/v1/items/99", 404, {}),
        ("/v1/nowhere", 404, {}),
        ("/v1/items", 422, {}),
        ("/v1/boom", 500, {}),
    ],
)
def test_error_responses_carry_the_cors_headers(path: str, status: int, extra: dict[str, str]) -> None:
    client = TestClient(cors_app({"allow_origins": [APP], "allow_credentials": True}))
    response = client.get(path, headers={"Origin": APP, **extra})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Origin"


def test_a_user_middlewares_500_carries_the_cors_headers() -> None:
    app = cors_app(ALLOW_APP, middleware=["tests.middleware.test_cors:Exploding"])
    response = TestClient(app).get("/v1/items/1", headers={"Origin": APP})
    assert response.status_code == 500
    assert response.json()["status"] == 500
    assert response.headers["access-control-allow-origin"] == APP


class Exploding:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("a middleware bug")


def test_the_handlers_own_cors_answer_is_kept() -> None:
    response = TestClient(cors_app(ALLOW_APP)).get("/v1/own-cors", headers={"Origin": APP})
    assert response.headers["access-control-allow-origin"] == "https://mine.example"
    assert response.headers["vary"] == "Origin"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://a.example.com", True),
        ("https://a.b.example.com", True),
        ("https://example.com", False),
        ("https://evil-example.com", False),
        ("https://a.example.com.evil.org", False),
        ("http://a.example.com", False),
        ("https://a.example.com:8443", False),
        ("https://.example.com", False),
    ],
)
def test_pattern_origins_match_subdomains_only(origin: str, allowed: bool) -> None:
    client = TestClient(cors_app({"allow_origins": ["https://*.example.com"]}))
    response = client.get("/v1/items/1", headers={"Origin": origin})
    assert ("access-control-allow-origin" in response.headers) is allowed
    assert (preflight(client, "/v1/items", origin=origin, method="GET").status_code == 204) is allowed


def test_an_api_without_cors_pays_nothing_and_gets_nothing() -> None:
    app = CovetApp.from_spec(SHOP_SPEC, SHOP_HANDLERS, server={"access_log": False})
    assert not _layers(app._chain, CorsMiddleware)
    response = TestClient(app).options("/items", headers={"Origin": APP, "Access-Control-Request-Method": "GET"})
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers


def test_the_longest_prefix_decides_which_api_answers() -> None:
    admin = {"spec": str(SHOP_SPEC), "prefix": "/v1/admin", "handlers": SHOP_HANDLERS}
    client = TestClient(cors_app(ALLOW_APP, admin))
    assert client.get("/v1/items/1", headers={"Origin": APP}).headers["access-control-allow-origin"] == APP
    other = client.get("/v1/admin/items/1", headers={"Origin": APP})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
    assert preflight(client, "/v1/admin/items/1").status_code == 405
    assert "access-control-allow-origin" not in client.get("/v1x", headers={"Origin": APP}).headers


def test_star_with_credentials_is_refused_at_startup() -> None:
    with pytest.raises(ConfigError) as caught:
        cors_app({"allow_origins": ["*"], "allow_credentials": True})
    assert caught.value.pointer == "/apis/0/cors"
    assert "allow_credentials" in str(caught.value)


@pytest.mark.parametrize(
    "origin", ["app.example.com", "https://app.example.com/path", "https://*", "https://a.*.com",
               "https://*.com", "https://app.example.com:99999"],
)
def test_a_malformed_origin_is_refused_at_startup(origin: str) -> None:
    with pytest.raises(ConfigError, match="is not an origin"):
        cors_app({"allow_origins": [origin]})


def test_settings_are_normalised_at_load() -> None:
    settings = CorsSettings(
        allow_origins=["HTTPS://App.Example.com/", "https://b.example:443", "https://b.example"],
        allow_methods=["get", "Post"],
        allow_headers=["X-Tenant", "x-tenant"],
    )
    assert settings.allow_origins == ("https://app.example.com", "https://b.example")
    assert settings.allow_methods == ("GET", "POST")
    assert settings.allow_headers == ("x-tenant",)
    policy = CorsPolicy.compile(settings)
    assert policy.origins == frozenset(settings.allow_origins) and policy.pattern is None


def _layers(app: Any, kind: type) -> list[Any]:
    found = []
    while app is not None:
        if isinstance(app, kind):
            found.append(app)
        app = getattr(app, "app", None)
    return found


def test_the_documented_covet_yaml_loads() -> None:
    page = (Path(__file__).parents[2] / "docs" / "cors-and-headers.md").read_text()
    block = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = config_from_mapping(yaml.safe_load(block), base_dir=Path.cwd())
    cors = config.apis[0].cors
    assert cors is not None and cors.allow_credentials and cors.allow_headers == ("authorization", "x-tenant")
    assert config.security_headers.frame_options == "SAMEORIGIN" and config.security_headers.hsts
    assert config.trusted_hosts and "*.example.com" in config.trusted_hosts
