"""The docs routes of a mounted api, over the in-process client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from covet.app import CovetApp
from covet.config import DocsConfig, config_from_mapping
from covet.docs import bundle_spec
from covet.docs.encoding import encode_json
from covet.docs.error_responses import add_error_responses
from covet.docs.routes import add_docs_routes, docs_routes
from covet.errors import RouteConflictError
from covet.routing import Router
from covet.spec import load_document, load_spec
from covet.spec._refs import iter_refs
from covet.testing import TestClient, TestResponse
from tests.conftest import SHOP_HANDLERS, SHOP_SPEC

REPOSITORY = Path(__file__).resolve().parents[2]
FIXTURES = REPOSITORY / "tests" / "fixtures"
PETS_SPEC = FIXTURES / "specs" / "bundle" / "openapi.yaml"
PETS_HANDLERS = "tests.fixtures.handlers.pets"
DOCS_PATHS = (
    "/openapi.json",
    "/openapi.yaml",
    "/docs",
    "/docs/static/swagger-ui.css",
    "/redoc",
    "/redoc/static/redoc.standalone.js",
)


def app_with(*apis: dict[str, Any]) -> CovetApp:
    """An app mounting ``apis`` (covet.yaml ``apis`` entries; the shop spec by default)."""
    entries = [{"spec": str(SHOP_SPEC), "handlers": SHOP_HANDLERS, **api} for api in apis or ({},)]
    # NOTE: the repository root as the config's root: it goes on sys.path, and tests/fixtures
    # there would shadow the reference app's top-level ``handlers`` package for later tests.
    return CovetApp(config_from_mapping({"apis": entries}, base_dir=REPOSITORY))


def get(app: CovetApp, path: str, **kwargs: Any) -> TestResponse:
    with TestClient(app) as client:
        return client.get(path, **kwargs)


# -- the bundled spec -----------------------------------------------------------------------


def test_openapi_json_is_the_bundle_encoded_at_startup() -> None:
    response = get(app_with({"prefix": "/v1"}), "/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    bundle = add_error_responses(bundle_spec(load_spec(SHOP_SPEC), prefix="/v1"))
    assert response.content == encode_json(bundle)


def test_error_responses_false_serves_the_bundle_as_written() -> None:
    response = get(app_with({"prefix": "/v1", "error_responses": False}), "/v1/openapi.json")
    assert response.content == encode_json(bundle_spec(load_spec(SHOP_SPEC), prefix="/v1"))


def test_openapi_yaml_is_the_same_document(tmp_path: Path) -> None:
    app = app_with({"prefix": "/v1"})
    response = get(app, "/v1/openapi.yaml")
    assert response.headers["content-type"] == "application/yaml"
    (tmp_path / "bundle.yaml").write_bytes(response.content)
    assert load_document(tmp_path / "bundle.yaml") == get(app, "/v1/openapi.json").json()


@pytest.mark.parametrize(("prefix", "url"), [("", "/"), ("/v1", "/v1"), ("/api/v2", "/api/v2")])
def test_servers_describe_the_mount_prefix(prefix: str, url: str) -> None:
    document = get(app_with({"prefix": prefix}), f"{prefix}/openapi.json").json()
    assert document["servers"][0] == {"url": url}


def test_multi_file_spec_is_served_as_one_document() -> None:
    app = app_with({"spec": str(PETS_SPEC), "handlers": PETS_HANDLERS})
    document = get(app, "/openapi.json").json()
    assert [ref for ref, _ in iter_refs(document) if not ref.startswith("#")] == []
    assert "Pet" in document["components"]["schemas"]


def test_head_answers_like_get_without_a_body() -> None:
    with TestClient(app_with()) as client:
        for path in DOCS_PATHS:
            full, head = client.get(path), client.head(path)
            assert head.status_code == 200, path
            assert head.content == b"", path
            assert head.headers["content-length"] == str(len(full.content)), path
            assert head.headers["etag"] == full.headers["etag"], path


@pytest.mark.parametrize("path", DOCS_PATHS)
def test_known_etag_gets_304_not_modified(path: str) -> None:
    with TestClient(app_with()) as client:
        etag = client.get(path).headers["etag"]
        response = client.get(path, headers={"if-none-match": etag})
    assert response.status_code == 304 and response.content == b""


# -- pages and their files ------------------------------------------------------------------


@pytest.mark.parametrize(("path", "marker"), [("/docs", 'id="swagger-ui"'), ("/redoc", "<redoc ")])
def test_pages_are_html(path: str, marker: str) -> None:
    response = get(app_with(), path)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert marker in response.text and "<title>Shop - " in response.text


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/docs/static/swagger-ui.css", "text/css; charset=utf-8"),
        ("/docs/static/swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("/docs/static/covet-swagger-ui.js", "text/javascript; charset=utf-8"),
        ("/docs/static/favicon-32x32.png", "image/png"),
        ("/redoc/static/redoc.standalone.js", "text/javascript; charset=utf-8"),
    ],
)
def test_ui_files_are_served_with_their_content_types(path: str, media_type: str) -> None:
    response = get(app_with(), path)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert int(response.headers["content-length"]) == len(response.content) > 0


def test_every_file_a_page_loads_is_served_and_cached_for_good() -> None:
    import re

    with TestClient(app_with({"prefix": "/v1"})) as client:
        for page in ("/v1/docs", "/v1/redoc"):
            for url in re.findall(r'(?:src|href)="\./([^"]+)"', client.get(page).text):
                response = client.get(f"/v1/{url}")
                assert response.status_code == 200, url
                assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "/docs/static/../../etc/passwd",
        "/docs/static/..%2f..%2f..%2fetc%2fpasswd",
        "/docs/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/docs/static/%2e%2e/%2e%2e/etc/passwd",
        "/docs/static/..%5c..%5cetc%5cpasswd",
        "/docs/static//etc/passwd",
        "/docs/static/",
        "/docs/static/index.html",
        "/docs/static/swagger-ui.css%00.png",
        "/redoc/static/swagger-ui-bundle.js",
        "/redoc/static/../../../../etc/passwd",
    ],
)
def test_path_traversal_and_unlisted_files_are_not_found(path: str) -> None:
    response = get(app_with(), path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert b"root:" not in response.content


# -- configuration --------------------------------------------------------------------------


def test_docs_false_turns_every_docs_route_off() -> None:
    app = app_with({"docs": False})
    assert [r for r in app.api.routes if r.source == "<docs>"] == []
    with TestClient(app) as client:
        assert {client.get(path).status_code for path in DOCS_PATHS} == {404}


def test_one_page_off_leaves_the_others_on() -> None:
    with TestClient(app_with({"docs": {"redoc": False}})) as client:
        assert client.get("/redoc").status_code == 404
        assert client.get("/redoc/static/redoc.standalone.js").status_code == 404
        assert client.get("/docs").status_code == 200
        assert client.get("/openapi.yaml").status_code == 200


def test_renamed_paths_are_served_and_pages_point_at_them() -> None:
    docs = {
        "swagger_ui": "/swagger",
        "openapi_json": "spec.json",
        "openapi_yaml": False,
        "redoc": "api/redoc",
    }
    with TestClient(app_with({"prefix": "/v1", "docs": docs})) as client:
        assert client.get("/v1/docs").status_code == 404
        assert client.get("/v1/openapi.json").status_code == 404
        assert 'data-spec-url="./spec.json"' in client.get("/v1/swagger").text
        assert 'spec-url="../spec.json"' in client.get("/v1/api/redoc").text
        assert client.get("/v1/spec.json").json()["servers"] == [{"url": "/v1"}]
        assert client.get("/v1/api/redoc/static/redoc.standalone.js").status_code == 200


def test_pages_load_the_yaml_spec_when_json_is_off() -> None:
    page = get(app_with({"docs": {"openapi_json": False}}), "/docs").text
    assert 'data-spec-url="./openapi.yaml"' in page


def test_page_may_sit_at_the_prefix_itself() -> None:
    with TestClient(app_with({"prefix": "/v1", "docs": {"swagger_ui": ""}})) as client:
        page = client.get("/v1").text
        assert 'data-spec-url="./v1/openapi.json"' in page
        assert client.get("/v1/static/swagger-ui.css").status_code == 200


def test_docs_routes_are_listed_with_source_docs() -> None:
    routes = [r for r in app_with({"prefix": "/v1"}).api.routes if r.source == "<docs>"]
    assert [(r.method, r.path, r.handler) for r in routes] == [
        ("GET", "/v1/openapi.json", "<docs.openapi_json>"),
        ("GET", "/v1/openapi.yaml", "<docs.openapi_yaml>"),
        ("GET", "/v1/docs", "<docs.swagger_ui>"),
        ("GET", "/v1/docs/static/{name}", "<docs.swagger_ui>"),
        ("GET", "/v1/redoc", "<docs.redoc>"),
        ("GET", "/v1/redoc/static/{name}", "<docs.redoc>"),
    ]
    assert all(r.operation_id is None for r in routes)


def test_each_api_serves_its_own_docs() -> None:
    app = app_with(
        {"prefix": "/v1"}, {"prefix": "/v2", "spec": str(PETS_SPEC), "handlers": PETS_HANDLERS}
    )
    with TestClient(app) as client:
        assert client.get("/v1/openapi.json").json()["info"]["title"] == "Shop"
        assert client.get("/v2/openapi.json").json()["info"]["title"] == "Bundle fixture"
        assert "<title>Bundle fixture - Swagger UI</title>" in client.get("/v2/docs").text


def test_docs_route_on_a_spec_route_is_a_conflict_naming_the_config_key() -> None:
    router = Router()
    router.add("/docs", "GET", object(), file="api.yaml", pointer="/paths/~1docs/get")
    with pytest.raises(RouteConflictError) as info:
        add_docs_routes(router, load_spec(SHOP_SPEC), "", DocsConfig(), where="/apis/0/docs")
    message = str(info.value)
    assert "api.yaml#/paths/~1docs/get" in message
    assert "docs: {swagger_ui: false}" in message and "docs: {swagger_ui: other/path}" in message
    assert info.value.pointer == "/apis/0/docs/swagger_ui"


def test_spec_route_on_a_docs_path_stops_the_app_at_startup(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /openapi.json:\n    get:\n"
        "      operationId: listErrors\n      responses: {'200': {description: ok}}\n"
    )
    with pytest.raises(RouteConflictError, match="openapi_json"):
        app_with({"spec": str(spec), "handlers": PETS_HANDLERS})
    assert app_with(
        {"spec": str(spec), "handlers": PETS_HANDLERS, "docs": {"openapi_json": "spec.json"}}
    )


def test_all_off_adds_no_routes() -> None:
    off = DocsConfig(openapi_json=None, openapi_yaml=None, swagger_ui=None, redoc=None)
    assert docs_routes(load_spec(SHOP_SPEC), "", off) == []


def test_served_document_drops_covet_extensions() -> None:
    from covet.docs.routes import without_covet_extensions

    document = {"paths": {"/a": {"get": {"x-covet-handler": "pkg.mod:fn", "x-other": 1, "tags": [{"x-covet-x": 2}]}}}}
    assert without_covet_extensions(document) == {"paths": {"/a": {"get": {"x-other": 1, "tags": [{}]}}}}
