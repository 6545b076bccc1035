"""What kind of OpenAPI object sits where: enough structure to bundle references correctly.

A ``$ref`` is rewritten according to the kind of object it stands for (a Schema goes to
``components/schemas``, a Parameter to ``components/parameters``...), so the bundler walks a
document knowing each node's kind. Keys this table does not name are walked as ``ANY``: their
references are still followed (the loader followed them too), but inlined, since nothing says
which components section they belong to.

As in ``covet.spec._refs``, ``x-*`` extensions and example/default data are opaque: copied,
never rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "ANY",
    "DATA_KEYWORDS",
    "FIELDS",
    "LIST",
    "MAP",
    "MAP_KINDS",
    "ONE",
    "SECTIONS",
    "SECTION_KINDS",
]

ANY: Final = "any"

ONE: Final = 0  # the value is one object of the kind
MAP: Final = 1  # the value maps names to objects of the kind
LIST: Final = 2  # the value lists objects of the kind

Field = tuple[int, str]

# Kinds whose objects are maps of names (keys are names, ``x-*`` keys are extensions).
MAP_KINDS: Final = frozenset({"paths", "responses", "callback"})

DATA_KEYWORDS: Final = frozenset({"example", "default", "enum", "const", "value"})

# components section -> kind of its entries, in the order OpenAPI lists them.
SECTION_KINDS: Mapping[str, str] = {
    "schemas": "schema",
    "responses": "response",
    "parameters": "parameter",
    "examples": "example",
    "requestBodies": "requestBody",
    "headers": "header",
    "securitySchemes": "securityScheme",
    "links": "link",
    "callbacks": "callback",
    "pathItems": "pathItem",
    "mediaTypes": "mediaType",
}

# kind -> components section an external object of that kind is hoisted to. Path items and
# media types are absent: they are inlined (see docs/docs-ui.md, "Bundling").
SECTIONS: Mapping[str, str] = {
    kind: section
    for section, kind in SECTION_KINDS.items()
    if kind not in ("pathItem", "mediaType")
}

_OPERATION: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
_SCHEMA_MAPS: Final = (
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
)
_SCHEMA_ONES: Final = (
    "additionalProperties",
    "additionalItems",
    "not",
    "contains",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
    "items",
)
_SCHEMA_LISTS: Final = ("allOf", "anyOf", "oneOf", "prefixItems")
_PARAMETER: Mapping[str, Field] = {
    "schema": (ONE, "schema"),
    "content": (MAP, "mediaType"),
    "examples": (MAP, "example"),
}

# kind -> field name -> how to walk its value. Map kinds list the kind of their entries.
FIELDS: Mapping[str, Mapping[str, Field]] = {
    "document": {
        "paths": (ONE, "paths"),
        "webhooks": (MAP, "pathItem"),
        "components": (ONE, "components"),
    },
    "components": {section: (MAP, kind) for section, kind in SECTION_KINDS.items()},
    "paths": {"": (ONE, "pathItem")},
    "callback": {"": (ONE, "pathItem")},
    "responses": {"": (ONE, "response")},
    "pathItem": {
        **{method: (ONE, "operation") for method in _OPERATION},
        "parameters": (LIST, "parameter"),
        "additionalOperations": (MAP, "operation"),
    },
    "operation": {
        "parameters": (LIST, "parameter"),
        "requestBody": (ONE, "requestBody"),
        "responses": (ONE, "responses"),
        "callbacks": (MAP, "callback"),
    },
    "parameter": _PARAMETER,
    "header": _PARAMETER,
    "requestBody": {"content": (MAP, "mediaType")},
    "mediaType": {
        "schema": (ONE, "schema"),
        "itemSchema": (ONE, "schema"),
        "examples": (MAP, "example"),
        "encoding": (MAP, "encoding"),
    },
    "encoding": {"headers": (MAP, "header")},
    "response": {
        "headers": (MAP, "header"),
        "content": (MAP, "mediaType"),
        "links": (MAP, "link"),
    },
    "schema": {
        **{name: (MAP, "schema") for name in _SCHEMA_MAPS},
        **{name: (ONE, "schema") for name in _SCHEMA_ONES},
        **{name: (LIST, "schema") for name in _SCHEMA_LISTS},
    },
}
