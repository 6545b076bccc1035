"""The docs routes of one mounted api, compiled into the app's router.

    GET {prefix}/openapi.json          DocumentEndpoint (the bundle, JSON)
    GET {prefix}/openapi.yaml          DocumentEndpoint (the bundle, YAML)
    GET {prefix}/docs                  DocumentEndpoint (Swagger UI page)
    GET {prefix}/docs/static/{name}    AssetsEndpoint (Swagger UI files)
    GET {prefix}/redoc                 DocumentEndpoint (ReDoc page)
    GET {prefix}/redoc/static/{name}   AssetsEndpoint (ReDoc bundle)

Paths come from ``ApiConfig.docs``; a route that clashes with a spec route is a
:class:`RouteConflictError` that says which covet.yaml key to change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from covet.config import DocsConfig
from covet.docs.assets import Asset, redoc_assets, swagger_ui_assets
from covet.docs.bundle import bundle_spec
from covet.docs.encoding import encode_json, encode_yaml
from covet.docs.endpoints import AssetsEndpoint, DocumentEndpoint
from covet.docs.error_responses import Limited, add_error_responses
from covet.docs.pages import render_redoc, render_swagger_ui
from covet.errors import RouteConflictError
from covet.routing import Router
from covet.spec import SpecDocument

__all__ = ["DocsRoute", "add_docs_routes", "docs_routes", "served_document"]

SOURCE = "<docs>"
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.:\[\]-]+(?=/|$)")
"""The origin of an absolute, untemplated server URL, as a CSP source."""


@dataclass(frozen=True, slots=True)
class DocsRoute:
    """One GET route: its full path, what serves it, and the covet.yaml key it comes from."""

    path: str
    endpoint: DocumentEndpoint | AssetsEndpoint
    key: str

    @property
    def handler(self) -> str:
        """The handler ``covet routes`` shows: not ``module:function``, so nothing to import."""
        return f"<docs.{self.key}>"


def docs_routes(
    spec: SpecDocument, prefix: str, config: DocsConfig, *, error_responses: bool = True,
    limited: Limited | None = None, problem_bodies: bool = True,
) -> list[DocsRoute]:
    """Every docs route ``config`` turns on for the api at ``prefix``; bundles ``spec`` once.

    With ``error_responses`` the served document declares the statuses CovetPy answers itself
    (:mod:`covet.docs.error_responses`; ``problem_bodies=False`` with an ``errors.renderer``).
    """
    paths = (config.openapi_json, config.openapi_yaml, config.swagger_ui, config.redoc)
    if all(path is None for path in paths):
        return []
    bundle = served_document(
        spec, prefix, error_responses=error_responses, limited=limited,
        problem_bodies=problem_bodies,
    )
    routes: list[DocsRoute] = []
    if config.openapi_json is not None:
        body = encode_json(bundle)
        routes.append(
            _document(prefix, config.openapi_json, body, "application/json", "openapi_json")
        )
    if config.openapi_yaml is not None:
        routes.append(
            _document(
                prefix, config.openapi_yaml, lambda: encode_yaml(bundle), "application/yaml",
                "openapi_yaml",
            )
        )
    spec_url = routes[0].path if routes else ""
    title = _title(bundle)
    servers = bundle.get("servers")
    servers = servers if isinstance(servers, list) else []
    if config.swagger_ui is not None:
        routes += _page(
            prefix, config.swagger_ui, "swagger_ui", title, spec_url, swagger_ui_assets(), servers
        )
    if config.redoc is not None:
        routes += _page(prefix, config.redoc, "redoc", title, spec_url, redoc_assets(), servers)
    return routes


def served_document(
    spec: SpecDocument, prefix: str, *, error_responses: bool, limited: Limited | None = None,
    problem_bodies: bool = True,
) -> dict[str, Any]:
    """What ``/openapi.json`` and ``covet openapi`` serve: the bundle clients see."""
    bundle: dict[str, Any] = without_covet_extensions(bundle_spec(spec, prefix=prefix))
    if not error_responses:
        return bundle
    return add_error_responses(bundle, limited, problem_bodies=problem_bodies)


def add_docs_routes(
    router: Router,
    spec: SpecDocument,
    prefix: str,
    config: DocsConfig,
    *,
    where: str = "/docs",
    error_responses: bool = True,
    limited: Limited | None = None,
    problem_bodies: bool = True,
) -> list[DocsRoute]:
    """Add :func:`docs_routes` to ``router``; ``where`` is the config's pointer, for errors.

    Raises:
        RouteConflictError: a docs route has the path of a route already added.
    """
    routes = docs_routes(
        spec, prefix, config, error_responses=error_responses, limited=limited,
        problem_bodies=problem_bodies,
    )
    for route in routes:
        try:
            router.add(
                route.path, "GET", route.endpoint, file=SOURCE, pointer=f"{where}/{route.key}"
            )
        except RouteConflictError as exc:
            raise RouteConflictError(
                f"{exc.message} The docs route comes from covet.yaml: give it another path "
                f"(docs: {{{route.key}: other/path}}) or turn it off "
                f"(docs: {{{route.key}: false}}).",
                file=exc.file,
                pointer=exc.pointer,
            ) from None
    return routes


def without_covet_extensions(node: Any) -> Any:
    """The document clients see: ``x-covet-*`` keys (handler modules, policies) removed."""
    if isinstance(node, dict):
        return {k: without_covet_extensions(v) for k, v in node.items() if not str(k).startswith("x-covet-")}
    if isinstance(node, list):
        return [without_covet_extensions(v) for v in node]
    return node


def _full_path(prefix: str, path: str) -> str:
    return f"{prefix}/{path}" if path else (prefix or "/")


def _document(
    prefix: str, path: str, body: bytes | Callable[[], bytes], media_type: str, key: str
) -> DocsRoute:
    full = _full_path(prefix, path)
    return DocsRoute(full, DocumentEndpoint(body, media_type, label=f"GET {full}"), key)


def _page_csp(key: str, servers: list[Any]) -> str:
    """The Content-Security-Policy of a docs page: scripts and styles only from the app's files.

    NOTE: ReDoc (styled-components) inserts ``<style>`` elements at run time, so its page
    allows 'unsafe-inline' styles (never scripts) and a ``blob:`` worker for its search; Swagger
    UI needs neither. Its "Try it out" may call the spec's absolute, untemplated ``servers``.
    Checked in a real browser by tests/e2e/test_docs_ui.py.
    """
    connect = ["'self'"]
    if key == "redoc":
        style, extra = "'self' 'unsafe-inline'", "; worker-src blob:"
    else:
        style, extra = "'self'", ""
        for server in servers:
            url = server.get("url") if isinstance(server, dict) else None
            origin = _ORIGIN.match(url) if isinstance(url, str) else None
            if origin is not None and origin.group(0) not in connect:
                connect.append(origin.group(0))
    return (
        f"default-src 'none'; script-src 'self'; style-src {style}; img-src 'self' data:; "
        f"font-src 'self' data:; connect-src {' '.join(connect)}{extra}; "
        "base-uri 'none'; form-action 'none'"
    )


def _page(
    prefix: str, path: str, key: str, title: str, spec_url: str, assets: Mapping[str, Asset],
    servers: list[Any],
) -> list[DocsRoute]:
    page = _full_path(prefix, path)
    static = f"{page.rstrip('/')}/static"
    render = render_swagger_ui if key == "swagger_ui" else render_redoc
    html = render(title=title, page=page, spec_url=spec_url, static=static, assets=assets)
    csp = ((b"content-security-policy", _page_csp(key, servers).encode("latin-1")),)
    endpoint = DocumentEndpoint(
        html, "text/html; charset=utf-8", label=f"GET {page}", extra_headers=csp
    )
    return [
        DocsRoute(page, endpoint, key),
        DocsRoute(
            f"{static}/{{name}}", AssetsEndpoint(assets, label=f"GET {static}/{{name}}"), key
        ),
    ]


def _title(bundle: dict[str, Any]) -> str:
    info = bundle.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    return title if isinstance(title, str) and title else "API"
