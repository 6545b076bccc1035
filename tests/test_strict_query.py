"""strict_query: an undeclared query parameter is a 400 naming each one; off by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from covet.app import CovetApp
from covet.config import config_from_mapping
from covet.endpoint import SteppedEndpoint
from covet.errors import SpecError
from covet.testing import TestClient
from tests.security.test_step import HANDLERS as SECURED
from tests.security.test_step import SPEC as SECURED_SPEC
from tests.security.test_step import auth_config

from .conftest import FIXTURES

SPEC = FIXTURES / "apps" / "strict" / "openapi.yaml"
HANDLERS = "tests.fixtures.apps.strict.handlers"


def app_of(strict: bool = True, **settings: Any) -> CovetApp:
    raw = {"apis": [{"spec": str(SPEC), "handlers": HANDLERS, "strict_query": strict}],
           "server": {"access_log": False}, **settings}
    return CovetApp(config_from_mapping(raw, base_dir=Path.cwd()))


def client(strict: bool = True, **settings: Any) -> TestClient:
    return TestClient(app_of(strict, **settings))


def test_undeclared_parameters_are_accepted_by_default() -> None:
    response = client(strict=False).get("/items?limit=5&page=2")
    assert response.status_code == 200 and response.json() == {"limit": 5}


def test_each_undeclared_parameter_is_a_detail_without_its_value() -> None:
    response = client().get("/items?limit=5&page=2&access_token=secret-token")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Undeclared query parameters: 'page', 'access_token'"
    assert body["details"] == [
        {"field": name, "location": "query", "pointer": f"/{name}", "code": "unknownParameter",
         "message": f"Query parameter '{name}' is not declared by this operation"}
        for name in ("page", "access_token")
    ]
    assert "secret-token" not in response.text


def test_declared_parameters_pass_including_path_level_and_deep_object_keys() -> None:
    response = client().get("/items?tenant=t&limit=5&filter[name]=x")
    assert response.status_code == 200
    assert response.json() == {"tenant": "t", "limit": 5, "filter": {"name": "x"}}


def test_declared_parameters_are_still_validated() -> None:
    assert client().get("/items?limit=500").status_code == 422


def test_an_operation_without_parameters_accepts_no_query() -> None:
    strict = client()
    assert strict.get("/ping").status_code == 200
    assert strict.get("/ping?x=1").json()["details"][0]["field"] == "x"


def test_the_spec_extension_turns_it_on_or_off_per_operation() -> None:
    lenient = client(strict=False)
    assert lenient.get("/search?q=a&x=1").status_code == 400
    assert client().get("/loose?q=a&x=1").json() == {"q": "a"}


def test_covet_yaml_operations_override_the_spec_and_the_api() -> None:
    overridden = client(operations={"search": {"strict_query": False}, "ping": {"strict_query": False}})
    assert overridden.get("/search?q=a&x=1").status_code == 200
    assert overridden.get("/ping?x=1").status_code == 200
    assert overridden.get("/items?x=1").status_code == 400


def test_operations_it_is_off_for_have_no_step() -> None:
    app = app_of(strict=False)
    stepped = set()
    for route in app.api.routes:
        match = app.api.router.match(route.path)
        assert match is not None
        if isinstance(match[0].handlers[route.method], SteppedEndpoint):
            stepped.add(route.operation_id)
    assert stepped == {"search"}


def test_a_non_boolean_extension_is_a_startup_error_at_it(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC.read_text().replace("x-covet-strict-query: true", "x-covet-strict-query: yes please"))
    with pytest.raises(SpecError) as info:
        CovetApp.from_spec(spec, HANDLERS)
    assert info.value.pointer == "/paths/~1search/get/x-covet-strict-query"
    assert info.value.file == str(spec)


def test_an_api_key_read_from_the_query_is_declared() -> None:
    app = CovetApp.from_spec(SECURED_SPEC, SECURED, auth=auth_config(),
                             operations={"queryKey": {"strict_query": True}})
    secured = TestClient(app)
    assert secured.get("/key/query?api_key=key-alice").status_code == 200
    refused = secured.get("/key/query?api_key=key-alice&debug=1")
    assert refused.status_code == 400 and refused.json()["details"][0]["field"] == "debug"


def test_an_open_query_makes_strict_a_logged_no_op(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /any:\n    get:\n"
        f"      x-covet-handler: '{HANDLERS}:search'\n      x-covet-strict-query: true\n"
        "      parameters: [{name: rest, in: query, schema: {type: object}}]\n"
        "      responses: {'200': {description: ok}}\n"
    )
    with caplog.at_level("WARNING", logger="covet.strict_query"):
        app = CovetApp.from_spec(spec, HANDLERS)
    assert "strict_query does nothing here" in caplog.text
    assert TestClient(app).get("/any?x=1").json() == {"rest": {"x": "1"}}
