"""The Swagger UI and ReDoc pages: local, relative URLs only, and nothing inline to run."""

from __future__ import annotations

import re

import pytest

from covet.docs.assets import redoc_assets, swagger_ui_assets
from covet.docs.pages import relative_url, render_redoc, render_swagger_ui

URL_ATTRIBUTE = re.compile(r'(?:src|href|spec-url|data-spec-url)="([^"]*)"')


@pytest.mark.parametrize(
    ("page", "target", "url"),
    [
        ("/docs", "/openapi.json", "./openapi.json"),
        ("/docs", "/docs/static/swagger-ui.css", "./docs/static/swagger-ui.css"),
        ("/v1/docs", "/v1/openapi.yaml", "./openapi.yaml"),
        ("/v1/api/docs", "/v1/openapi.json", "../openapi.json"),
        ("/v1", "/v1/static/redoc.standalone.js", "./v1/static/redoc.standalone.js"),
        ("/", "/openapi.json", "./openapi.json"),
        ("/a:b", "/a:b/static/x.js", "./a:b/static/x.js"),
    ],
)
def test_relative_url_resolves_from_the_page_to_the_target(
    page: str, target: str, url: str
) -> None:
    assert relative_url(page, target) == url


def swagger_page(title: str = "Shop") -> str:
    html = render_swagger_ui(
        title=title,
        page="/v1/docs",
        spec_url="/v1/openapi.json",
        static="/v1/docs/static",
        assets=swagger_ui_assets(),
    )
    return html.decode()


def redoc_page(title: str = "Shop") -> str:
    html = render_redoc(
        title=title,
        page="/v1/redoc",
        spec_url="/v1/openapi.json",
        static="/v1/redoc/static",
        assets=redoc_assets(),
    )
    return html.decode()


def test_swagger_ui_page_loads_its_files_from_the_app_with_versions() -> None:
    html = swagger_page()
    urls = URL_ATTRIBUTE.findall(html)
    assets = swagger_ui_assets()
    assert "./openapi.json" in urls
    for name in ("swagger-ui.css", "swagger-ui-bundle.js", "covet-swagger-ui.js"):
        assert f"./docs/static/{name}?v={assets[name].version}" in urls


def test_redoc_page_loads_its_bundle_from_the_app() -> None:
    html = redoc_page()
    urls = URL_ATTRIBUTE.findall(html)
    version = redoc_assets()["redoc.standalone.js"].version
    assert urls == ["./openapi.json", f"./redoc/static/redoc.standalone.js?v={version}"]


@pytest.mark.parametrize("render", [swagger_page, redoc_page])
def test_pages_reference_nothing_outside_the_app(render: object) -> None:
    html = render()  # type: ignore[operator]
    assert all(url.startswith(("./", "../")) for url in URL_ATTRIBUTE.findall(html))
    assert "http://" not in html and "https://" not in html and "//" not in html.replace("://", "")


@pytest.mark.parametrize("render", [swagger_page, redoc_page])
def test_pages_have_no_inline_script(render: object) -> None:
    html = render()  # type: ignore[operator]
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


@pytest.mark.parametrize("render", [swagger_page, redoc_page])
def test_title_is_escaped(render: object) -> None:
    html = render('<script>alert("x")</script> & co')  # type: ignore[operator]
    assert "<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co - " in html
    assert '<script>alert("x")' not in html
