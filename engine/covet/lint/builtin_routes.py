"""The routes the app adds next to the operations (docs pages, /health), for the route check.

The app serves the bundled spec, Swagger UI and ReDoc at paths from ``apis[].docs`` (see
``covet.docs.routes``), then ``GET /health`` at ``health.path``. Only their paths matter here:
building the real docs routes bundles and encodes the whole spec (0.2 s on Adyen's), which a
route check does not need.
NOTE: a test compares these paths with ``covet.docs.routes.docs_routes`` so they cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from covet.config import CovetConfig, DocsConfig

__all__ = ["BuiltinRoute", "builtin_routes", "docs_paths"]

_PAGES = ("swagger_ui", "redoc")


@dataclass(frozen=True, slots=True)
class BuiltinRoute:
    """A GET route covet.yaml turns on: its path, the key it comes from and how to move it."""

    path: str
    pointer: str
    fix: str


def docs_paths(prefix: str, config: DocsConfig) -> list[tuple[str, str]]:
    """``(path, docs key)`` of every GET route ``config`` turns on for the api at ``prefix``."""
    paths: list[tuple[str, str]] = []
    for key in ("openapi_json", "openapi_yaml", *_PAGES):
        path = getattr(config, key)
        if path is None:
            continue
        full = f"{prefix}/{path}" if path else (prefix or "/")
        paths.append((full, key))
        if key in _PAGES:
            paths.append((f"{full.rstrip('/')}/static/{{name}}", key))
    return paths


def builtin_routes(config: CovetConfig, api_index: int) -> list[BuiltinRoute]:
    """The docs routes of ``config.apis[api_index]``."""
    api = config.apis[api_index]
    return [
        BuiltinRoute(
            path,
            f"/apis/{api_index}/docs/{key}",
            f"give it another path (docs: {{{key}: other/path}}) or turn it off "
            f"(docs: {{{key}: false}})",
        )
        for path, key in docs_paths(api.prefix, api.docs)
    ]


def health_routes(config: CovetConfig) -> list[BuiltinRoute]:
    """``GET /health``, ``/health/ready`` and ``/health/live`` (added after every api, as the
    app adds them), each unless turned off."""
    health = config.health
    routes: list[BuiltinRoute] = []
    for key, path in (("path", health.path), ("ready", health.ready), ("live", health.live)):
        if path and all(route.path != path for route in routes):
            routes.append(BuiltinRoute(
                path, f"/health/{key}",
                f"give it another path (health: {{{key}: /other}}) or turn it off "
                f"(health: {{{key}: null}})",
            ))
    return routes
