"""CovetApp: compile once, freeze, code-first routes, middleware, snapshot swap."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from covet.app import CovetApp
from covet.errors import BindingError, ConfigError, RouteConflictError, SpecError, UsageError
from covet.testing import TestClient
from covet.types import Message, Receive, Scope, Send

from .conftest import SHOP_HANDLERS, SHOP_SPEC


def spec_file(tmp_path: Path, paths: str, name: str = "api.yaml") -> Path:
    path = tmp_path / name
    path.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n" + paths)
    return path


def test_route_table_lists_every_operation_with_its_handler(shop_app: Callable[..., CovetApp]) -> None:
    routes = {(r.method, r.path): r for r in shop_app().api.routes}
    assert routes[("GET", "/items/{item_id}")].handler == f"{SHOP_HANDLERS}:get_item"
    assert routes[("GET", "/items/{item_id}")].operation_id == "getItem"
    assert routes[("POST", "/items")].source.endswith("openapi.yaml#/paths/~1items/post")


def test_unbound_operation_fails_at_startup_with_location(tmp_path: Path) -> None:
    spec = spec_file(tmp_path, "  /x:\n    get:\n      operationId: nothingHere\n      responses: {'200': {description: ok}}\n")
    with pytest.raises(BindingError) as info:
        CovetApp.from_spec(spec, SHOP_HANDLERS)
    assert info.value.file == str(spec)
    assert "nothingHere" in str(info.value)


def test_identical_templates_are_a_startup_error_naming_both(tmp_path: Path) -> None:
    paths = (
        "  /a/{x}:\n    get:\n      operationId: one\n"
        "      x-covet-handler: 'tests.fixtures.handlers.sample:wants_everything'\n"
        "      parameters: [{name: x, in: path, required: true, schema: {type: string}}]\n"
        "      responses: {'200': {description: ok}}\n"
        "  /a/{y}:\n    get:\n      operationId: two\n"
        "      x-covet-handler: 'tests.fixtures.handlers.sample:wants_everything'\n"
        "      parameters: [{name: y, in: path, required: true, schema: {type: string}}]\n"
        "      responses: {'200': {description: ok}}\n"
    )
    with pytest.raises(RouteConflictError) as info:
        CovetApp.from_spec(spec_file(tmp_path, paths), SHOP_HANDLERS)
    assert "/a/{x}" in str(info.value) and "/a/{y}" in str(info.value)


def test_two_apis_under_prefixes_share_one_router(tmp_path: Path) -> None:
    app = CovetApp.from_spec(SHOP_SPEC, SHOP_HANDLERS, prefix="/v1")
    assert TestClient(app).get("/v1/items/1").status_code == 200
    assert TestClient(app).get("/items/1").status_code == 404


def test_code_first_routes_with_typed_parameters(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app(server={"access_log": False}, compile_now=False)

    @app.route("/files/{name:path}")
    async def read_file(name: str) -> dict[str, str]:
        return {"name": name}

    @app.route("/things/{thing_id:int}", methods=["GET", "POST"])
    def thing(thing_id: int) -> dict[str, Any]:
        return {"id": thing_id, "type": type(thing_id).__name__}

    app.compile()
    client = TestClient(app)
    assert client.get("/files/a/b.txt").json() == {"name": "a/b.txt"}
    assert client.post("/things/3").json() == {"id": 3, "type": "int"}
    head = client.head("/things/3")
    assert head.status_code == 200 and head.content == b""
    bad = client.get("/things/x")
    assert bad.status_code == 422
    assert bad.json()["details"][0]["location"] == "path"
    assert client.get("/files/../etc/passwd").status_code == 422


def test_frozen_app_refuses_new_routes_and_middleware(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app()
    with pytest.raises(UsageError, match="already compiled"):
        app.route("/late")(lambda: None)
    with pytest.raises(UsageError):
        app.add_middleware(lambda inner: inner)


class Stamp:
    """A user middleware: pure ASGI, adds a header."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Any], value: str = "1") -> None:
        self.app, self.value = app, value.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-stamp", self.value)]
            await send(message)

        await self.app(scope, receive, stamped)


def test_configured_middleware_by_module_reference(shop_app: Callable[..., CovetApp]) -> None:
    app = shop_app(middleware=[{f"{__name__}:Stamp": {"value": "yes"}}, "request_id"])
    response = TestClient(app).get("/items/1", headers={"x-request-id": "req-42"})
    assert response.headers["x-stamp"] == "yes"
    assert response.headers["x-request-id"] == "req-42"


def test_unknown_middleware_name_is_a_config_error(shop_app: Callable[..., CovetApp]) -> None:
    with pytest.raises(ConfigError, match="request_id"):
        shop_app(middleware=["gzipp"])


def test_swap_serves_the_new_snapshot(tmp_path: Path) -> None:
    spec = spec_file(tmp_path, "  /a:\n    get:\n      operationId: getItem\n      x-covet-handler: "
                     f"'{SHOP_HANDLERS}:boom'\n      responses: {{'200': {{description: ok}}}}\n")
    app = CovetApp.from_spec(spec, SHOP_HANDLERS)
    client = TestClient(app)
    assert client.get("/b").status_code == 404
    spec.write_text(spec.read_text().replace("/a:", "/b:"))
    app.swap(app.build_api())
    assert client.get("/a").status_code == 404
    assert client.get("/b").status_code == 500  # the 'boom' handler, now live at /b


def test_spec_errors_are_spec_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n")
    with pytest.raises(SpecError) as info:
        CovetApp.from_spec(broken, SHOP_HANDLERS)
    assert info.value.file == str(broken)


def test_isolated_spec_validation_reports_the_same_located_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n")
    with pytest.raises(SpecError) as inline:
        CovetApp.from_spec(broken, SHOP_HANDLERS)
    with pytest.raises(SpecError) as isolated:
        CovetApp.from_spec(broken, SHOP_HANDLERS, spec_validation="isolated")
    assert (isolated.value.file, isolated.value.pointer, isolated.value.line, isolated.value.message) == (
        inline.value.file, inline.value.pointer, inline.value.line, inline.value.message
    )


def test_isolated_validation_keeps_the_validator_out_of_the_process() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from covet.app import CovetApp;"
        f"CovetApp.from_spec({str(SHOP_SPEC)!r}, {SHOP_HANDLERS!r}, spec_validation='isolated');"
        "print('openapi_spec_validator' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.stdout.strip() == "False"
