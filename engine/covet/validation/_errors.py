"""jsonschema-rs errors -> DESIGN.md §6 error details with plain-English messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import jsonschema_rs
import orjson

from covet.types import MISSING
from covet.validation._pointer import escape

PathPart = str | int
Explained = tuple[list[PathPart], str, str, Any]
"""(instance path, code, message, offending value or MISSING)."""

MARKER_KEY = "$comment"
"""Translated schemas carry CovetPy's own markers in ``$comment`` (user comments are dropped)."""
READ_ONLY_MARK = "covet:readOnly"
WRITE_ONLY_MARK = "covet:writeOnly"
DISCRIMINATOR_MARK = "covet:discriminator"

_FORMAT_MESSAGES = {
    "email": "Not a valid email address",
    "idn-email": "Not a valid email address",
    "uuid": "Not a valid UUID",
    "date": "Not a valid date (expected YYYY-MM-DD)",
    "date-time": "Not a valid date-time (expected RFC 3339, e.g. 2024-01-31T12:00:00Z)",
    "time": "Not a valid time (expected RFC 3339, e.g. 12:00:00Z)",
    "duration": "Not a valid ISO 8601 duration",
    "uri": "Not a valid URI",
    "uri-reference": "Not a valid URI reference",
    "iri": "Not a valid IRI",
    "ipv4": "Not a valid IPv4 address",
    "ipv6": "Not a valid IPv6 address",
    "hostname": "Not a valid hostname",
    "regex": "Not a valid regular expression",
}

_FORBIDDEN = {
    READ_ONLY_MARK: ("readOnly", "Read-only property; it must not be sent in a request"),
    WRITE_ONLY_MARK: ("writeOnly", "Write-only property; it must not appear in a response"),
}
_SHOW_LIMIT = 60
_ENUM_LIMIT = 10


def json_type(value: Any) -> str:
    """The JSON type name of a Python value (``True`` is a boolean, ``1.5`` a number)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def show(value: Any) -> str:
    """A short JSON rendering of a value for a message."""
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= _SHOW_LIMIT else text[: _SHOW_LIMIT - 1] + "…"


def _plural(count: Any, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _one_of(options: Sequence[Any]) -> str:
    shown = ", ".join(show(option) for option in options[:_ENUM_LIMIT])
    return shown + (", …" if len(options) > _ENUM_LIMIT else "")


def node_at(doc: Any, path: Sequence[PathPart]) -> Any:
    """The node of ``doc`` at a schema path, or None when the path leaves the document."""
    node = doc
    for part in path:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _type_message(kind: Any, instance: Any) -> str:
    types = sorted(kind.types, key=lambda name: name == "null")  # "integer or null"
    return f"Expected {' or '.join(types)}, got {json_type(instance)}"


def _limit(template: str) -> Callable[[Any, Any], str]:
    return lambda kind, _instance: template.format(kind.limit)


def _length(template: str, noun: str) -> Callable[[Any, Any], str]:
    return lambda kind, _instance: template.format(_plural(kind.limit, noun))


_MESSAGES: dict[str, Callable[[Any, Any], str]] = {
    "type": _type_message,
    "minimum": _limit("Must be greater than or equal to {}"),
    "maximum": _limit("Must be less than or equal to {}"),
    "exclusiveMinimum": _limit("Must be greater than {}"),
    "exclusiveMaximum": _limit("Must be less than {}"),
    "multipleOf": lambda kind, _i: f"Must be a multiple of {kind.multiple_of}",
    "minLength": _length("Must be at least {} long", "character"),
    "maxLength": _length("Must be at most {} long", "character"),
    "minItems": _length("Must contain at least {}", "item"),
    "maxItems": _length("Must contain at most {}", "item"),
    "minProperties": _length("Must have at least {}", "property"),
    "maxProperties": _length("Must have at most {}", "property"),
    "pattern": lambda kind, _i: f"Does not match the pattern {kind.pattern}",
    "enum": lambda kind, _i: f"Must be one of: {_one_of(kind.options)}",
    "const": lambda kind, _i: f"Must be exactly {show(kind.expected_value)}",
    "uniqueItems": lambda _k, _i: "Items must be unique",
    "contains": lambda _k, _i: "No item matches the required item schema",
    "format": lambda kind, _i: _FORMAT_MESSAGES.get(kind.format, f"Not a valid {kind.format}"),
    "falseSchema": lambda _k, _i: "No value is allowed here",
    "not": lambda _k, _i: "Matches a schema it must not match",
    "anyOf": lambda _k, _i: "Does not match any of the allowed schemas",
    "oneOf": lambda _k, _i: "Does not match exactly one of the allowed schemas",
    "contentEncoding": lambda kind, _i: f"Not valid {kind.content_encoding} content",
    "contentMediaType": lambda kind, _i: f"Not valid {kind.content_media_type} content",
    "propertyNames": lambda kind, _i: f"Invalid property name: {kind.error.message}",
}


def _explain_unexpected(error: jsonschema_rs.ValidationError, code: str) -> Iterator[Explained]:
    """One detail per unexpected key (additionalProperties/unevaluated*), field = that key."""
    instance: Any = error.instance
    for key in error.kind.unexpected:  # type: ignore[attr-defined]
        if isinstance(instance, list):
            index = int(key)
            value = instance[index] if index < len(instance) else MISSING
            yield [*error.instance_path, index], code, f"Unexpected item at index {key}", value
        else:
            value = instance.get(key, MISSING) if isinstance(instance, dict) else MISSING
            yield [*error.instance_path, key], code, f"Unexpected property '{key}'", value


def _explain_one(error: jsonschema_rs.ValidationError, doc: Any) -> Explained:
    kind = error.kind
    code = kind.name
    path = list(error.instance_path)
    if code == "required":
        prop = kind.property  # type: ignore[attr-defined]
        return [*path, prop], "required", "Missing required property", MISSING
    if code == "not":
        forbidden: Any = kind.schema  # type: ignore[attr-defined]
        mark = forbidden.get(MARKER_KEY) if isinstance(forbidden, dict) else None
        if mark in _FORBIDDEN:
            code, message = _FORBIDDEN[mark]
            return path, code, message, error.instance
    elif code == "enum":
        parent = node_at(doc, error.schema_path[:-1])
        if isinstance(parent, dict) and parent.get(MARKER_KEY) == DISCRIMINATOR_MARK:
            options = _one_of(kind.options)  # type: ignore[attr-defined]
            tag = path[-1] if path else "discriminator"
            message = f"Unknown '{tag}' value {show(error.instance)}; expected one of: {options}"
            return path, "discriminator", message, error.instance
    elif code == "contains" and error.schema_path:
        code = str(error.schema_path[-1])
    render = _MESSAGES.get(kind.name)
    message = render(kind, error.instance) if render else error.message
    return path, code, message, error.instance


def explain(errors: Iterable[jsonschema_rs.ValidationError], doc: Any) -> Iterator[Explained]:
    """Turn library errors into (path, code, message, value) tuples."""
    for error in errors:
        name = error.kind.name
        if name in ("additionalProperties", "unevaluatedProperties", "unevaluatedItems"):
            yield from _explain_unexpected(error, name)
        else:
            yield _explain_one(error, doc)


def make_detail(
    location: str, path: Sequence[PathPart], code: str, message: str, value: Any
) -> dict[str, Any]:
    """One DESIGN.md §6 error detail; ``value`` is left out when it is MISSING."""
    detail: dict[str, Any] = {
        "field": ".".join(str(part) for part in path),
        "location": location,
        "pointer": "".join("/" + escape(part) for part in path),
        "message": message,
        "code": code,
    }
    if value is not MISSING:
        detail["value"] = value
    return detail


def finish(details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop duplicates (two allOf branches may report the same thing) and sort stably."""
    seen: set[tuple[str, str, str, str]] = set()
    unique = []
    for detail in details:
        key = (detail["location"], detail["pointer"], detail["code"], detail["message"])
        if key not in seen:
            seen.add(key)
            unique.append(detail)
    unique.sort(key=lambda d: (d["pointer"], d["code"]))
    return unique
