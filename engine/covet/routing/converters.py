"""Path parameter converters: ``{name:type}`` in a route template.

The router only records a parameter's converter name (``RouteSlot.param_types``); the caller
converts the raw string after matching, so that a bad typed value becomes a 422 that says what
was expected instead of a silent 404.

    >>> CONVERTERS["int"].convert("-42")
    -42
    >>> CONVERTERS["int"].convert("4x")
    Traceback (most recent call last):
    ...
    ValueError: expected an integer (digits with an optional leading '-'), got '4x'
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

__all__ = ["CONVERTERS", "Converter"]

_INT: Final = re.compile(r"-?[0-9]+")
_FLOAT: Final = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_UUID: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{32}"
)
_SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.IGNORECASE)
# NOTE: no int64 has more digits; longer text is refused before int() parses it.
_MAX_INT_DIGITS: Final = 20
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_SHOWN_CHARS: Final = 40


@dataclass(frozen=True, slots=True)
class Converter:
    """How one parameter type is recognised and converted.

    Args:
        name: the type name used in templates (``{id:int}``).
        convert: raw string -> value; raises ``ValueError`` with a message a client can act on.
        multi_segment: True when the value may span several ``/``-separated segments (``path``).
        json_type: the JSON Schema type for generated docs (``integer``, ``number``, ``string``).
    """

    name: str
    convert: Callable[[str], Any]
    multi_segment: bool = False
    json_type: str = "string"


def _show(value: str) -> str:
    """``repr`` of a client value, shortened so an error body never echoes a huge input."""
    if len(value) > _SHOWN_CHARS:
        return repr(value[:_SHOWN_CHARS]) + "..."
    return repr(value)


def _to_str(value: str) -> str:
    """Any non-empty single segment."""
    if not value or "/" in value:
        raise ValueError(f"expected a non-empty value without '/', got {_show(value)}")
    return value


def _to_int(value: str) -> int:
    """``-12`` -> -12. ASCII digits only: no '+', spaces, underscores or other scripts' digits.

    Held to 64 bits, as OpenAPI integers are: no column or client holds more.
    """
    digits = len(value) - value.startswith("-")
    if _INT.fullmatch(value) is None or digits > _MAX_INT_DIGITS:
        raise ValueError(
            f"expected an integer (digits with an optional leading '-'), got {_show(value)}"
        )
    number = int(value)
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise ValueError(f"expected a 64-bit integer, got {_show(value)}")
    return number


def _to_float(value: str) -> float:
    """A finite decimal (``-1.5``, ``.5``, ``2e3``); never ``nan``, ``inf`` or an overflow."""
    if _FLOAT.fullmatch(value) is not None:
        number = float(value)
        if math.isfinite(number):
            return number
    raise ValueError(f"expected a finite decimal number such as '-1.5', got {_show(value)}")


def _to_uuid(value: str) -> uuid.UUID:
    """Canonical ``8-4-4-4-12`` hex or 32 bare hex digits (not ``{...}`` or ``urn:uuid:``)."""
    if _UUID.fullmatch(value) is None:
        raise ValueError(
            "expected a UUID such as '123e4567-e89b-12d3-a456-426614174000', "
            f"got {_show(value)}"
        )
    return uuid.UUID(value)


def _to_slug(value: str) -> str:
    """Letters and digits in words joined by single hyphens: ``my-first-post``."""
    if _SLUG.fullmatch(value) is None:
        raise ValueError(
            "expected a slug (letters and digits, words joined by single '-', "
            f"such as 'my-first-post'), got {_show(value)}"
        )
    return value


def _to_path(value: str) -> str:
    """A relative path of one or more segments that cannot escape its base directory.

    NOTE: the ASGI server has already percent-decoded the path, so ``%2e%2e`` arrives here as
    ``..`` and ``%5c`` as a backslash; both are refused like their literal forms.
    """
    if not value:
        raise ValueError("expected a relative path, got an empty value")
    if "\x00" in value:
        raise ValueError("a path must not contain a NUL byte")
    if "\\" in value:
        raise ValueError(f"a path must not contain a backslash, got {_show(value)}")
    if value.startswith("/"):
        raise ValueError(f"expected a relative path (no leading '/'), got {_show(value)}")
    for part in value.split("/"):
        if not part:
            raise ValueError(
                f"a path must not contain empty segments ('//' or a trailing '/'), "
                f"got {_show(value)}"
            )
        if part == "." or part == "..":
            raise ValueError(f"a path must not contain '.' or '..' segments, got {_show(value)}")
    return value


CONVERTERS: Final[Mapping[str, Converter]] = MappingProxyType(
    {
        "str": Converter("str", _to_str),
        "int": Converter("int", _to_int, json_type="integer"),
        "float": Converter("float", _to_float, json_type="number"),
        "uuid": Converter("uuid", _to_uuid),
        "slug": Converter("slug", _to_slug),
        "path": Converter("path", _to_path, multi_segment=True),
    }
)
"""The built-in converters, read-only. A ``Router`` can be given its own mapping to extend them."""
