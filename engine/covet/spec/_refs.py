"""Find the ``$ref`` strings of one parsed file that are references, not data.

A ``$ref`` key is a reference only where OpenAPI says an object may be a Reference (or, in
schemas, where JSON Schema allows ``$ref``). It is opaque data:

- inside ``x-*`` extension values (Redocly's ``x-codeSamples``, train-travel's ``x-topics``);
- inside example and default values: ``example``, ``default``, ``enum``, ``const``, an Example
  object's ``value`` and a schema's ``examples`` list.

And some keys are names, not keywords: under ``properties``, ``components/schemas``, ``content``
and friends a key called ``x-foo``, ``example`` or ``$ref`` is a name whose value must be walked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from covet.spec._pointer import join_pointer

__all__ = ["CyclicDataError", "iter_refs"]

# Child contexts: how to read the keys of a mapping.
_KEYWORDS = 0  # an OpenAPI / JSON Schema object: skip x-* and data keywords
_NAMES = 1  # a map of names to objects: every key is a name
_NAMES_WITH_EXTENSIONS = 2  # Paths, Responses, Callback: names, plus x-* extensions
_CALLBACKS = 3  # a map of names to Callback objects

_DATA_KEYWORDS = frozenset({"example", "default", "enum", "const", "value"})

_MAP_KEYWORDS: Mapping[str, int] = {
    # JSON Schema
    "properties": _NAMES,
    "patternProperties": _NAMES,
    "$defs": _NAMES,
    "definitions": _NAMES,
    "dependentSchemas": _NAMES,
    # OpenAPI
    "paths": _NAMES_WITH_EXTENSIONS,
    "responses": _NAMES_WITH_EXTENSIONS,
    "callbacks": _CALLBACKS,
    "webhooks": _NAMES,
    "schemas": _NAMES,
    "parameters": _NAMES,
    "requestBodies": _NAMES,
    "headers": _NAMES,
    "securitySchemes": _NAMES,
    "links": _NAMES,
    "pathItems": _NAMES,
    "content": _NAMES,
    "encoding": _NAMES,
    "variables": _NAMES,
    "examples": _NAMES,
    "mediaTypes": _NAMES,
}


class CyclicDataError(ValueError):
    """A YAML alias that contains itself: the data is infinite."""

    def __init__(self, pointer: str) -> None:
        super().__init__(pointer)
        self.pointer = pointer


def iter_refs(tree: Any) -> Iterator[tuple[str, str]]:
    """Yield ``(ref, pointer of the object holding it)`` for every reference in ``tree``.

    Raises:
        CyclicDataError: the tree contains itself (a recursive YAML alias).
    """
    walker = _Walker()
    walker.walk(tree, _KEYWORDS)
    return iter(walker.found)


class _Walker:
    """Depth-first walk; ``path`` is the current location, built into a pointer only on demand."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []
        self.path: list[str | int] = []
        self.on_path: set[int] = set()
        self.done: set[tuple[int, int]] = set()  # YAML aliases share objects: walk each once

    def walk(self, node: Any, context: int) -> None:
        if not isinstance(node, (dict, list)):
            return
        key = id(node)
        if key in self.on_path:
            raise CyclicDataError(join_pointer(self.path))
        if (key, context) in self.done:
            return
        self.on_path.add(key)
        if isinstance(node, list):
            self._walk_list(node)
        elif context == _KEYWORDS:
            self._walk_keywords(node)
        else:
            self._walk_names(node, context)
        self.on_path.discard(key)
        self.done.add((key, context))

    def _walk_list(self, items: list[Any]) -> None:
        # Lists hold objects (allOf, parameters, servers...), never name maps.
        for index, item in enumerate(items):
            self.path.append(index)
            self.walk(item, _KEYWORDS)
            self.path.pop()

    def _walk_keywords(self, obj: dict[str, Any]) -> None:
        for key, value in obj.items():
            if key.startswith("x-") or key in _DATA_KEYWORDS:
                continue
            if key == "$ref":
                if isinstance(value, str):
                    self.found.append((value, join_pointer(self.path)))
                continue
            if key == "examples" and isinstance(value, list):
                continue  # JSON Schema ``examples``: a list of values
            self.path.append(key)
            self.walk(value, _MAP_KEYWORDS.get(key, _KEYWORDS))
            self.path.pop()

    def _walk_names(self, obj: dict[str, Any], context: int) -> None:
        child = _NAMES_WITH_EXTENSIONS if context == _CALLBACKS else _KEYWORDS
        skip_extensions = context == _NAMES_WITH_EXTENSIONS
        if skip_extensions and isinstance(obj.get("$ref"), str):  # a Callback may be a Reference
            self.found.append((obj["$ref"], join_pointer(self.path)))
        for key, value in obj.items():
            if skip_extensions and key.startswith("x-"):
                continue
            self.path.append(key)
            self.walk(value, child)
            self.path.pop()
