"""The files the documentation pages load: a fixed allow-list, resolved once at startup.

Swagger UI and ReDoc come from the ``openapi-ui-bundles`` package (no dependencies of its own);
the small script that starts Swagger UI is CovetPy's own and lives in memory. Nothing a client
sends is ever joined to a file path: a request names a key of the precomputed map or gets 404.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

from openapi_ui_bundles import redoc, swagger_ui

from covet.errors import ConfigError

__all__ = ["SWAGGER_UI_INIT", "Asset", "redoc_assets", "swagger_ui_assets"]

_MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
_SWAGGER_UI_FILES = (
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
)
_REDOC_FILES = ("redoc.standalone.js",)
_PACKAGE = "openapi-ui-bundles"

SWAGGER_UI_INIT = b"""\
"use strict";
// Started from a file, not an inline script, so a strict Content-Security-Policy can allow it.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""


@dataclass(frozen=True, slots=True)
class Asset:
    """One servable file: read from ``path`` per request, or ``body`` from memory.

    Attributes:
        version: changes whenever the content does; the ETag is ``"<version>"`` and pages
            load the file as ``name?v=<version>``.
    """

    name: str
    media_type: str
    version: str
    path: str | None = None
    body: bytes = b""

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def swagger_ui_assets() -> Mapping[str, Asset]:
    """Swagger UI's stylesheet, bundle and icons, plus CovetPy's start script."""
    assets = _package_files(Path(swagger_ui.static_path), _SWAGGER_UI_FILES)
    init = Asset(
        "covet-swagger-ui.js",
        _MEDIA_TYPES[".js"],
        _memory_version(SWAGGER_UI_INIT),
        body=SWAGGER_UI_INIT,
    )
    return MappingProxyType({**assets, init.name: init})


def redoc_assets() -> Mapping[str, Asset]:
    """ReDoc's standalone bundle."""
    return MappingProxyType(_package_files(Path(redoc.static_path), _REDOC_FILES))


def _package_files(folder: Path, names: tuple[str, ...]) -> dict[str, Asset]:
    package_version = metadata.version(_PACKAGE)
    assets: dict[str, Asset] = {}
    for name in names:
        path = folder / name
        try:
            stat = path.stat()
        except OSError as exc:
            raise ConfigError(
                f"the docs pages need {path}, which is missing ({exc.strerror}); reinstall "
                "openapi-ui-bundles, or turn the pages off in covet.yaml (docs: false)"
            ) from None
        # NOTE: the package's version, not the file's mtime, so that every machine running the
        # same release sends the same ETag and ?v= (a package's files change only with it).
        version = f"{package_version}-{stat.st_size:x}"
        assets[name] = Asset(name, _MEDIA_TYPES[os.path.splitext(name)[1]], version, path=str(path))
    return assets


def _memory_version(body: bytes) -> str:
    import hashlib

    return hashlib.blake2b(body, digest_size=8).hexdigest()
