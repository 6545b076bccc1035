"""The bundled spec and the documentation pages every mounted api serves.

    GET {prefix}/openapi.json    the bundled spec (one document, no external $ref)
    GET {prefix}/openapi.yaml    the same, as YAML
    GET {prefix}/docs            Swagger UI
    GET {prefix}/redoc           ReDoc

Everything is computed once when the app compiles; the pages' scripts and styles come from the
``openapi-ui-bundles`` package and are served by the app itself, never from a CDN. See
docs/docs-ui.md.
"""

from __future__ import annotations

from covet.docs.bundle import bundle_spec

__all__ = ["bundle_spec"]
