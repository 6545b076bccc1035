"""A ``default`` against its schema, for the native verdict (``covet.spec._verdict``).

openapi-spec-validator checks each visited schema's ``default`` with openapi-schema-validator
(jsonschema, Python). The shapes real defaults take (a type, an enum, bounds, a pattern, an
int32/int64 format, array items) are checked here the same way or more strictly; any other
keyword, and any value this check rejects, is :class:`CannotTell`: the library then decides.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

__all__ = ["CannotTell", "DefaultCheck", "as_dict", "as_list"]

Deref = Callable[[Any, str], tuple[Any, str]]
"""``(node, file) -> (node, file)``: follows ``$ref``s as the walk does."""


class CannotTell(Exception):
    """Something the native verdict does not model: the library decides."""


def as_dict(node: Any) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise CannotTell("not an object")
    return node


def as_list(node: Any) -> list[Any]:
    if not isinstance(node, list):
        raise CannotTell("not a list")
    return node



# Keywords that never reject a value (OpenAPI annotations and JSON Schema metadata).
_ANNOTATIONS = frozenset((
    "description", "title", "example", "examples", "deprecated", "readOnly", "writeOnly",
    "externalDocs", "xml", "default", "nullable", "$comment", "$schema",
))  # fmt: skip
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
_INT_RANGES = {"int32": 1 << 31, "int64": 1 << 63}
# Formats the library's checkers check on a value (oas30/oas31 format checkers); a default with
# one of these is left to it unless handled below.
_CHECKED_FORMATS = frozenset((
    "binary", "byte", "date", "date-time", "double", "email", "float", "idn-email",
    "idn-hostname", "int32", "int64", "ipv4", "ipv6", "password", "regex", "time", "uuid",
))  # fmt: skip


class DefaultCheck:
    """A value against a schema, for the common shapes of defaults; stricter than the library
    (an integral float is not an integer, an unknown keyword is "cannot tell")."""

    def __init__(self, deref: Deref, minor: str, file: str) -> None:
        self.deref, self.minor, self.file = deref, minor, file

    def check(self, value: Any, schema: Any) -> None:
        schema = as_dict(schema)
        for keyword, bound in schema.items():
            if keyword in _ANNOTATIONS or keyword.startswith("x-"):
                continue
            check = _KEYWORDS.get(keyword)
            if check is None:
                raise CannotTell(f"default: {keyword}")
            check(self, value, bound, schema)

    def _type(self, value: Any, bound: Any, schema: dict[str, Any]) -> None:
        types = bound if isinstance(bound, list) and self.minor != "3.0" else [bound]
        for name in types:
            if name == "null" and self.minor != "3.0" and value is None:
                return
            if isinstance(name, str) and name in _TYPES and _TYPES[name](value):
                return
        raise CannotTell("default: type")

    def _enum(self, value: Any, bound: Any, schema: dict[str, Any]) -> None:
        if not isinstance(value, (str, int, float, bool)) or not any(
            type(item) is type(value) and item == value for item in as_list(bound)
        ):
            raise CannotTell("default: enum")

    def _format(self, value: Any, bound: Any, schema: dict[str, Any]) -> None:
        if bound in _INT_RANGES and isinstance(value, int) and not isinstance(value, bool):
            if not -_INT_RANGES[bound] < value < _INT_RANGES[bound]:
                raise CannotTell("default: format")
        elif bound in ("float", "double") and isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                raise CannotTell("default: format")
        elif bound in _CHECKED_FORMATS and not isinstance(value, (int, float, bool)):
            raise CannotTell("default: format")

    def _number_bound(self, value: Any, bound: Any) -> bool:
        """Whether the bound applies (a number against a number)."""
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            raise CannotTell("default: bound")
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    def _minimum(self, value: Any, bound: Any, schema: dict[str, Any]) -> None:
        if "exclusiveMinimum" in schema or (self._number_bound(value, bound) and value < bound):
            raise CannotTell("default: minimum")

    def _maximum(self, value: Any, bound: Any, schema: dict[str, Any]) -> None:
        if "exclusiveMaximum" in schema or (self._number_bound(value, bound) and value > bound):
            raise CannotTell("default: maximum")

    def _length_bound(self, bound: Any) -> int:
        if isinstance(bound, bool) or not isinstance(bound, int):
            raise CannotTell("default: length")
        return bound

    def _min_length(self, value: Any, bound: Any, schema: dict[str, Any]) -> None:
        if isinstance(value, str) and len(value) < self._length_bound(bound):
            raise CannotTell("default: minLength")

    def _max_length(self, value: Any, bound: Any, schema: dict[str, Any]) -> None:
        if isinstance(value, str) and len(value) > self._length_bound(bound):
            raise CannotTell("default: maxLength")

    def _pattern(self, value: Any, bound: Any, schema: dict[str, Any]) -> None:
        if isinstance(value, str) and (
            not isinstance(bound, str) or re.search(bound, value) is None
        ):
            raise CannotTell("default: pattern")

    def _items(self, value: Any, bound: Any, schema: dict[str, Any]) -> None:
        if isinstance(value, list):
            items, file = self.deref(bound, self.file)
            inner = DefaultCheck(self.deref, self.minor, file)
            for item in value:
                inner.check(item, items)


_KEYWORDS: dict[str, Callable[[DefaultCheck, Any, Any, dict[str, Any]], None]] = {
    "type": DefaultCheck._type,
    "enum": DefaultCheck._enum,
    "format": DefaultCheck._format,
    "minimum": DefaultCheck._minimum,
    "maximum": DefaultCheck._maximum,
    "minLength": DefaultCheck._min_length,
    "maxLength": DefaultCheck._max_length,
    "pattern": DefaultCheck._pattern,
    "items": DefaultCheck._items,
}
