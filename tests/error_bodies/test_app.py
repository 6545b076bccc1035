"""End to end: an app whose spec declares the RealWorld (Conduit) error shape
``{"errors": {"body": ["..."]}}`` and an ``errors:`` renderer producing it.

Every error CovetPy itself answers (422, 404, 405, 415, 401) comes in that shape, with its status
and its own fields; a renderer that fails falls back to problem+json; with validate_responses on,
CovetPy's own error bodies are checked against the spec as handler results are.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import jsonschema
import jwt
import pytest
import yaml

from covet.app import CovetApp
from covet.config import config_from_mapping
from covet.errors import ConfigError
from covet.testing import TestClient, TestResponse

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "fixtures" / "apps" / "conduit" / "openapi.yaml"
HANDLERS = "tests.fixtures.apps.conduit.handlers"
RENDERERS = "tests.fixtures.apps.conduit.errors"
SECRET = "s" * 64
AUTH = {"Token": {"secret": SECRET, "algorithms": ["HS256"]}}
ERROR_SCHEMA = yaml.safe_load(SPEC.read_text())["components"]["schemas"]["GenericErrorModel"]


def app(renderer: str | None = "render", **settings: Any) -> CovetApp:
    errors = {"renderer": f"{RENDERERS}:{renderer}"} if renderer else {}
    return CovetApp.from_spec(SPEC, HANDLERS, auth=AUTH, errors=errors, **settings)


def signed_in() -> dict[str, str]:
    now = int(time.time())
    token = jwt.encode({"sub": "jake", "iat": now, "exp": now + 60}, SECRET, algorithm="HS256")
    return {"authorization": f"Bearer {token}"}


def conduit_error(response: TestResponse, status: int) -> list[str]:
    """The response is ``status`` in the declared shape; its messages."""
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    jsonschema.validate(body, ERROR_SCHEMA)
    messages: list[str] = body["errors"]["body"]
    return messages


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(app())


def test_a_422_of_the_body_is_in_the_declared_shape(client: TestClient) -> None:
    response = client.post("/articles", json={"article": {"title": ""}}, headers=signed_in())
    assert conduit_error(response, 422) == ["article.title Must be at least 1 character long"]


def test_a_422_of_a_path_parameter_is_in_the_declared_shape(client: TestClient) -> None:
    (message,) = conduit_error(client.get("/articles/Not_A_Slug"), 422)
    assert message.startswith("slug ")


def test_a_404_raised_by_the_handler_and_one_of_no_route_are_in_the_declared_shape(
    client: TestClient,
) -> None:
    assert conduit_error(client.get("/articles/nope"), 404) == ["No article 'nope'"]
    assert conduit_error(client.get("/no/such/route"), 404) == ["No route matches /no/such/route"]


def test_a_415_is_in_the_declared_shape(client: TestClient) -> None:
    response = client.post(
        "/articles", content=b"title=x", headers={"content-type": "text/plain", **signed_in()}
    )
    (message,) = conduit_error(response, 415)
    assert "'text/plain' is not accepted here" in message


def test_a_401_keeps_its_www_authenticate_challenge(client: TestClient) -> None:
    response = client.post("/articles", json={"article": {"title": "x"}})
    assert conduit_error(response, 401) == ["Authentication is required"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_405_keeps_its_allow_field(client: TestClient) -> None:
    response = client.delete("/articles")
    assert conduit_error(response, 405)
    assert response.headers["allow"] == "POST"


def test_a_success_is_untouched(client: TestClient) -> None:
    response = client.post("/articles", json={"article": {"title": "Hi there"}}, headers=signed_in())
    assert response.status_code == 201
    assert response.json() == {"article": {"slug": "hi-there", "title": "Hi there"}}


def test_a_renderer_that_raises_falls_back_to_problem_json_and_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(app("broken"))
    with caplog.at_level(logging.ERROR, "covet.error"):
        response = client.get("/articles/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "No article 'nope'"
    assert any(
        f"{RENDERERS}:broken failed on a 404 error" in r.getMessage() for r in caplog.records
    )


@pytest.mark.parametrize("renderer", ["broken", "bad_media_type", "unserializable"])
def test_no_renderer_failure_turns_a_4xx_into_a_500(renderer: str) -> None:
    client = TestClient(app(renderer))
    statuses = [
        client.get("/articles/Bad!").status_code,
        client.post("/articles", json={}).status_code,
        client.delete("/articles").status_code,
    ]
    assert statuses == [422, 401, 405]


def test_startup_warns_about_each_declared_4xx_the_problem_body_does_not_match(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, "covet.error"):
        app(None)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 5
    assert any(w.startswith("getArticle: the 404 error body CovetPy sends") for w in warnings)
    assert all("add an errors: renderer" in w for w in warnings)


def test_startup_is_quiet_with_a_matching_renderer_or_errors_check_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, "covet.error"):
        app("render")
        CovetApp.from_spec(SPEC, HANDLERS, auth=AUTH, errors={"check": False})
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_validate_responses_checks_covetpys_own_error_bodies_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    problem = TestClient(app(None, validate_responses=True))
    with caplog.at_level(logging.ERROR, "covet.error"):
        response = problem.get("/articles/nope")
    assert response.status_code == 500
    assert any("the 404 error body of getArticle does not match" in r.getMessage()
               for r in caplog.records)
    matching = TestClient(app("render", validate_responses=True))
    assert conduit_error(matching.get("/articles/nope"), 404) == ["No article 'nope'"]
    assert TestClient(app("wrong_shape", validate_responses=True)).get("/articles/x").status_code == 500


def test_a_reload_swaps_in_the_new_configs_renderer() -> None:
    served = app(None)
    client = TestClient(served)
    assert client.get("/articles/nope").headers["content-type"] == "application/problem+json"
    raw = {"apis": [{"spec": str(SPEC), "handlers": HANDLERS}], "auth": AUTH,
           "errors": {"renderer": f"{RENDERERS}:render"}}
    config = config_from_mapping(raw, base_dir=ROOT)
    served.swap(served.build_api(config), config)
    assert conduit_error(client.get("/articles/nope"), 404) == ["No article 'nope'"]


def test_covet_yaml_errors_with_a_bad_reference_is_a_config_error_at_errors_renderer(
    tmp_path: Path,
) -> None:
    (tmp_path / "covet.yaml").write_text(
        f"apis: [{{spec: {SPEC}, handlers: {HANDLERS}}}]\n"
        f"auth: {{Token: {{secret: '{SECRET}', algorithms: [HS256]}}}}\n"
        f"errors: {{renderer: '{RENDERERS}:no_such_function'}}\n"
    )
    with pytest.raises(ConfigError) as info:
        CovetApp.from_config(tmp_path / "covet.yaml")
    assert info.value.pointer == "/errors/renderer"
    assert f"{RENDERERS}:no_such_function" in str(info.value)
