"""How a cached value is stored: one codec for every backend.

A value is JSON (orjson), stored as ``j`` + the JSON text, or ``bytes``, stored as ``b`` + the
bytes (a cached response body, an image). A counter made by ``incr`` is the bare decimal number
Redis and Memcached count with. What comes back is what JSON gives back: tuples become lists,
datetimes ISO strings. Nothing is pickled: a value read from a shared server can never run code.
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["decode", "encode"]

_JSON = b"j"
_BYTES = b"b"
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z


def encode(value: Any) -> bytes:
    """The stored form of ``value``.

    Raises:
        TypeError: ``value`` is not JSON-able (nor bytes).
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _BYTES + bytes(value)
    try:
        return _JSON + orjson.dumps(value, option=_OPTIONS)
    except TypeError as exc:
        raise TypeError(
            f"a cache stores JSON-able values or bytes, not {type(value).__name__}: {exc}"
        ) from None


def decode(stored: bytes) -> Any:
    """The value ``stored`` holds; ``None`` for what no version of :func:`encode` wrote."""
    kind = stored[:1]
    if kind == _JSON:
        try:
            return orjson.loads(stored[1:])
        except orjson.JSONDecodeError:
            return None
    if kind == _BYTES:
        return stored[1:]
    try:
        return int(stored)  # a counter
    except ValueError:
        return None
