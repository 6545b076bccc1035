"""Load OpenAPI documents: YAML/JSON, ``$ref`` across files, spec validation.

Example:
    >>> from covet.spec import load_spec
    >>> doc = load_spec("specs/blog.yaml")  # doctest: +SKIP
"""

from __future__ import annotations

from covet.spec.loader import SpecDocument, load_document, load_spec

__all__ = ["SpecDocument", "load_document", "load_spec"]
