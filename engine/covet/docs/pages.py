"""The HTML of the Swagger UI and ReDoc pages, rendered once per api at startup.

Every URL in a page is relative to the page itself (``./openapi.json``, ``./docs/static/...``),
so the pages keep working when a proxy serves the app under a sub-path. No inline script: the
spec URL travels in a ``data-`` attribute (Swagger UI) or ReDoc's own ``spec-url``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from covet.docs.assets import Asset

__all__ = ["relative_url", "render_redoc", "render_swagger_ui"]

# PERF: html.escape, by translation: importing html loads html.entities, ~0.5 MB of named
# character references a server never uses (bench/MEMORY.md). Same output as html.escape(text).
_HTML_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
)

_HEAD = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
"""


def relative_url(page: str, target: str) -> str:
    """The URL of ``target`` as written in the page served at ``page`` (both absolute paths).

    Example:
        >>> relative_url("/v1/api/docs", "/v1/openapi.json")
        '../openapi.json'
        >>> relative_url("/docs", "/docs/static/swagger-ui.css")
        './docs/static/swagger-ui.css'
    """
    relative = posixpath.relpath(target, posixpath.dirname(page) or "/")
    return relative if relative.startswith("../") else "./" + relative


def escape(text: str) -> str:
    """``text`` safe in HTML content and quoted attributes, as :func:`html.escape` makes it."""
    return text.translate(_HTML_ESCAPES)


def render_swagger_ui(
    *, title: str, page: str, spec_url: str, static: str, assets: Mapping[str, Asset]
) -> bytes:
    """Swagger UI for the spec at ``spec_url``, its files under ``static`` (absolute paths)."""

    def url(name: str) -> str:
        return escape(f"{relative_url(page, f'{static}/{name}')}?v={assets[name].version}")

    html = _HEAD.format(title=escape(f"{title} - Swagger UI")) + (
        f'<link rel="stylesheet" href="{url("swagger-ui.css")}">\n'
        f'<link rel="icon" type="image/png" href="{url("favicon-32x32.png")}" sizes="32x32">\n'
        f'<link rel="icon" type="image/png" href="{url("favicon-16x16.png")}" sizes="16x16">\n'
        "</head>\n<body>\n"
        f'<div id="swagger-ui" data-spec-url="{escape(relative_url(page, spec_url))}"></div>\n'
        f'<script src="{url("swagger-ui-bundle.js")}"></script>\n'
        f'<script src="{url("covet-swagger-ui.js")}"></script>\n'
        "</body>\n</html>\n"
    )
    return html.encode("utf-8")


def render_redoc(
    *, title: str, page: str, spec_url: str, static: str, assets: Mapping[str, Asset]
) -> bytes:
    """ReDoc for the spec at ``spec_url``, its bundle under ``static`` (absolute paths)."""
    bundle = assets["redoc.standalone.js"]
    script = f"{relative_url(page, f'{static}/{bundle.name}')}?v={bundle.version}"
    html = _HEAD.format(title=escape(f"{title} - ReDoc")) + (
        "<style>body { margin: 0; padding: 0; }</style>\n"
        "</head>\n<body>\n"
        f'<redoc spec-url="{escape(relative_url(page, spec_url))}"></redoc>\n'
        f'<script src="{escape(script)}"></script>\n'
        "</body>\n</html>\n"
    )
    return html.encode("utf-8")
