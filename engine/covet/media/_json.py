"""JSON request bodies: parsed by orjson, bounded in depth, duplicate keys refused.

orjson keeps the last of two equal keys (``{"role": "user", "role": "admin"}`` is
``{"role": "admin"}``), and so does every other fast parser; what a proxy, a WAF or another
service in front made of the same text may differ, so by default such a body is a 400.

PERF: the exact duplicate check re-parses with the standard library, which costs more than
orjson. It only runs when a cheap count cannot rule duplicates out: every key in the text is
followed by a ``:``, so a body with no more colons than the parsed objects have keys in total
has no duplicate (bench/json_bench.py measures both paths).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["DecodeError", "JSONDecoder"]


class DecodeError(ValueError):
    """A body that is not acceptable JSON; ``code`` is the error detail's code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class JSONDecoder:
    """Decode one JSON document under a depth limit, strictly or not (``strict_json``).

    Example:
        >>> JSONDecoder(max_depth=8).decode(b'{"a": 1}')
        {'a': 1}
        >>> JSONDecoder(max_depth=8).decode(b'{"a": 1, "a": 2}')
        Traceback (most recent call last):
        ...
        covet.media._json.DecodeError: Duplicate key 'a' in a JSON object
    """

    __slots__ = ("max_depth", "strict")

    def __init__(self, *, max_depth: int, strict: bool = True) -> None:
        self.max_depth = max_depth
        self.strict = strict

    def decode(self, raw: bytes | str) -> Any:
        """The value of ``raw``.

        Raises:
            DecodeError: not JSON (code ``parse``), nested deeper than ``max_depth``
                (``maxDepth``), or, when strict, an object with a duplicate key
                (``duplicateKey``).
        """
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            if str(exc).startswith("depth limit"):  # orjson's own limit (1,024 levels)
                raise DecodeError(f"Nested deeper than {self.max_depth} levels", "maxDepth") from None
            raise DecodeError(f"Not valid JSON: {exc}", "parse") from None
        if not isinstance(value, dict | list):
            return value
        if not self.strict:
            _check_depth_only(raw, value, self.max_depth)
            return value
        if isinstance(raw, bytes):
            braces, brackets, colons = raw.count(b"{"), raw.count(b"["), raw.count(b":")
        else:
            braces, brackets, colons = raw.count("{"), raw.count("["), raw.count(":")
        if braces == 1 and brackets < self.max_depth and type(value) is dict:
            # PERF: one "{" in the text and an object parsed: it is the only object (a "{" in
            # a string makes no object), and only its arrays can nest, fewer than the limit.
            keys = len(value)
        else:
            keys = _check_depth(value, self.max_depth)
        if keys and colons > keys:
            _refuse_duplicates(raw)
        return value


def _check_depth_only(raw: bytes | str, value: Any, limit: int) -> None:
    # PERF: a text with fewer brackets than the limit cannot nest deeper; skip the walk.
    if isinstance(raw, bytes):
        brackets = raw.count(b"[") + raw.count(b"{")
    else:
        brackets = raw.count("[") + raw.count("{")
    if brackets > limit:
        _check_depth(value, limit)


def _check_depth(value: Any, limit: int) -> int:
    """Raise DecodeError past ``limit`` levels; return the number of object keys in ``value``."""
    # PERF: a flat object (the usual body) needs no walk; the walk itself avoids generators
    # and isinstance (5x faster than a generator-based walk on a 10 KB list of objects).
    if type(value) is dict and not any(type(v) in _CONTAINERS for v in value.values()):
        return len(value)
    keys = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if depth > limit:
            raise DecodeError(f"Nested deeper than {limit} levels", "maxDepth")
        if type(node) is dict:
            keys += len(node)
            children = node.values()
        else:
            children = node
        below = depth + 1
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                push((child, below))
    return keys


_CONTAINERS = (dict, list)


def _refuse_duplicates(raw: bytes | str) -> None:
    try:
        json.loads(
            raw,
            object_pairs_hook=_unique_pairs,
            parse_int=_ignore,
            parse_float=_ignore,
            parse_constant=_ignore,
        )
    except RecursionError:  # pragma: no cover - orjson and the depth limit stop this first
        raise DecodeError("Nested too deeply to check for duplicate keys", "maxDepth") from None


def _unique_pairs(pairs: list[tuple[str, Any]]) -> None:
    seen: set[str] = set()
    for key, _value in pairs:
        if key in seen:
            shown = key if len(key) <= 40 else key[:39] + "…"
            raise DecodeError(f"Duplicate key {shown!r} in a JSON object", "duplicateKey")
        seen.add(key)


def _ignore(_text: str) -> None:
    return None
