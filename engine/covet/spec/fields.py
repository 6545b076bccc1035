"""Paths to a field inside a request body, as body rules (``unique``, ``validators``) name them.

A path is written either as a JSON pointer (RFC 6901: ``/user/email``, ``~1`` for ``/`` and
``~0`` for ``~`` inside a name) or dotted (``user.email``); ``""`` is the whole body. A name that
holds a ``.`` needs the pointer form. A segment addresses an object member by name; a decimal
segment (``0``, ``12``, no leading zeros) also addresses an array element by index, as in a JSON
pointer, so ``/items/0/sku`` and ``items.0.sku`` reach the first item's ``sku``.

:func:`absence` resolves a path through a compiled request body schema (``properties``,
``$ref``, ``allOf``, ``anyOf``/``oneOf``, ``items``, ``additionalProperties``) and says why the
field cannot exist, or None when the schema cannot rule it out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from covet.spec._pointer import escape_token

__all__ = ["MISSING", "FieldPath", "absence", "dotted", "lookup", "parse_field", "pointer_of"]

FieldPath = tuple[str, ...]
"""The unescaped segments of a path; ``()`` is the whole body."""

MISSING: Final = object()
""":func:`lookup`'s answer for a path the body does not have."""

_INDEX = re.compile(r"^(?:0|[1-9][0-9]*)$")
_BAD_ESCAPE = re.compile(r"~(?![01])")
_MAX_DEPTH = 32
_MAX_ALTERNATIVES = 64
_OPEN_KEYWORDS = ("if", "then", "else", "dependentSchemas", "$dynamicRef", "$recursiveRef")
"""Keywords that can allow members this resolver does not follow: a node with one is open."""
_NON_CONTAINERS = frozenset({"string", "number", "integer", "boolean", "null"})


def parse_field(text: str) -> FieldPath:
    """``/user/email`` or ``user.email`` -> ``("user", "email")``; ``""`` -> ``()``.

    Raises:
        ValueError: an empty segment (``user..email``, ``/user/``) or a ``~`` not followed by
            ``0`` or ``1`` in a pointer.
    """
    if not text:
        return ()
    if text.startswith("/"):
        if _BAD_ESCAPE.search(text):
            raise ValueError(
                f"{text!r}: in a JSON pointer '~' must be '~0' (a '~') or '~1' (a '/')"
            )
        parts = [p.replace("~1", "/").replace("~0", "~") for p in text[1:].split("/")]
    else:
        parts = text.split(".")
    if any(part == "" for part in parts):
        raise ValueError(
            f"{text!r} has an empty segment; write a JSON pointer (/user/email) or a dotted "
            "path (user.email), and the pointer form for a name holding '.' or '/'"
        )
    return tuple(parts)


def pointer_of(path: Sequence[str]) -> str:
    """``("user", "a/b")`` -> ``/user/a~1b``."""
    return "".join("/" + escape_token(part) for part in path)


def dotted(path: Sequence[str]) -> str:
    """``("items", "0", "sku")`` -> ``items.0.sku``, the ``field`` of an error detail."""
    return ".".join(path)


def lookup(body: Any, path: Sequence[str]) -> Any:
    """The value at ``path`` in a decoded body, or :data:`MISSING`."""
    value = body
    for part in path:
        if isinstance(value, dict):
            if part not in value:
                return MISSING
            value = value[part]
        elif isinstance(value, list) and _INDEX.match(part) and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def absence(schema: Any, path: Sequence[str]) -> str | None:
    """Why no body valid against ``schema`` (a compiled, self-contained JSON Schema) can hold
    ``path``, or None when the schema cannot rule it out.

    NOTE: deliberately lenient: a ``$ref`` outside the document, ``if``/``then``,
    ``dependentSchemas``, a free-form object, ``additionalProperties: true`` or a schema, or
    too many ``oneOf`` combinations all accept the path. Only an object schema that declares
    its properties (and allows no others), or a scalar type, rules a member out.
    """
    resolver = _Resolver(schema if isinstance(schema, Mapping) else {})
    return resolver.absence([schema], tuple(path), ())


class _Resolver:
    __slots__ = ("root",)

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def absence(self, nodes: list[Any], path: FieldPath, done: FieldPath) -> str | None:
        """None if some alternative of ``allOf(nodes)`` may hold ``path``; else the first reason."""
        if not path:
            return f"{_where(done)} allows no value (false schema)" if any(n is False for n in nodes) else None
        if len(done) > _MAX_DEPTH:
            return None
        alternatives = self.alternatives(nodes, 0)
        if alternatives is None:
            return None
        reasons = []
        for conjuncts in alternatives:
            reason = self.step(conjuncts, path, done)
            if reason is None:
                return None
            reasons.append(reason)
        return reasons[0] if reasons else None

    def step(self, conjuncts: list[Any], path: FieldPath, done: FieldPath) -> str | None:
        if any(isinstance(node, Mapping) and _is_open(node) for node in conjuncts):
            return None
        if any(node is False for node in conjuncts):
            return f"{_where(done)} allows no value (false schema)"
        objects = [node for node in conjuncts if isinstance(node, Mapping)]
        part, rest = path[0], path[1:]
        types = _types(objects)
        if types is not None and not types - _NON_CONTAINERS:
            if not types:
                return f"{_where(done)} allows no value (its types contradict)"
            return f"{_where(done)} is a {' or '.join(sorted(types))}, which has no members"
        members = [node["properties"][part] for node in objects
                   if isinstance(node.get("properties"), Mapping) and part in node["properties"]]
        members += [sub for node in objects for sub in _pattern_matches(node, part)]
        if members:
            return self.absence(members, rest, (*done, part))
        declared = sorted({str(name) for node in objects
                           for name in (node.get("properties") or {}) if isinstance(name, str)})
        closed = any(node.get("additionalProperties") is False for node in objects)
        extra = [node[key] for node in objects for key in ("additionalProperties", "unevaluatedProperties")
                 if isinstance(node.get(key), Mapping) or node.get(key) is True]
        is_array = (types is not None and "array" in types) or any(
            "items" in node or "prefixItems" in node for node in objects
        )
        if is_array and _INDEX.match(part):
            return self.element(objects, int(part), rest, (*done, part))
        if extra and not closed:
            return self.absence([e for e in extra if e is not True] or [True], rest, (*done, part))
        declares_members = bool(declared) or any("patternProperties" in node for node in objects)
        if closed or declares_members:
            known = ", ".join(declared) or "none"
            return f"{_where(done)} has no member {part!r} (its properties: {known})"
        if is_array and (types is None or "object" not in types):
            return f"{_where(done)} is an array: address an element by index ({_sample(done)})"
        return None

    def element(self, objects: list[Mapping[str, Any]], index: int, rest: FieldPath,
                done: FieldPath) -> str | None:
        members: list[Any] = []
        for node in objects:
            prefix = node.get("prefixItems")
            if isinstance(prefix, list) and index < len(prefix):
                members.append(prefix[index])
            elif "items" in node:
                members.append(node["items"])
        if not members:
            return None
        return self.absence(members, rest, done)

    def alternatives(self, nodes: Sequence[Any], depth: int) -> list[list[Any]] | None:
        """``allOf(nodes)`` as a list of alternatives, each a flat list of conjunct nodes (no
        ``$ref``/``allOf``/``anyOf``/``oneOf`` left to follow); None when too many or too deep."""
        if depth > _MAX_DEPTH:
            return None
        combined: list[list[Any]] = [[]]
        for node in nodes:
            expanded = self.expand(node, depth)
            if expanded is None:
                return None
            combined = [left + right for left in combined for right in expanded]
            if len(combined) > _MAX_ALTERNATIVES:
                return None
        return combined

    def expand(self, node: Any, depth: int) -> list[list[Any]] | None:
        if not isinstance(node, Mapping):
            return [[node]]
        combined: list[list[Any]] = [[node]]
        members: list[Any] = list(node.get("allOf") or ())
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = self.resolve(ref)
            if target is None:
                return None
            members.insert(0, target)
        choices = [[member] for member in members]
        choices += [branches for key in ("anyOf", "oneOf")
                    if isinstance(branches := node.get(key), list) and branches]
        for options in choices:
            expanded: list[list[Any]] = []
            for option in options:  # one option: a conjunct; several: anyOf/oneOf branches
                option_alternatives = self.alternatives([option], depth + 1)
                if option_alternatives is None:
                    return None
                expanded += option_alternatives
            combined = [left + right for left in combined for right in expanded]
            if len(combined) > _MAX_ALTERNATIVES:
                return None
        return combined

    def resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return None
        node: Any = self.root
        for token in _tokens(ref[1:]):
            if isinstance(node, Mapping) and token in node:
                node = node[token]
            elif isinstance(node, list) and _INDEX.match(token) and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return node


def _tokens(pointer: str) -> Iterator[str]:
    if not pointer.startswith("/"):
        return
    for token in pointer[1:].split("/"):
        yield token.replace("~1", "/").replace("~0", "~")


def _is_open(node: Mapping[str, Any]) -> bool:
    ref = node.get("$ref")
    return any(key in node for key in _OPEN_KEYWORDS) or (isinstance(ref, str) and not ref.startswith("#"))


def _types(objects: Sequence[Mapping[str, Any]]) -> frozenset[str] | None:
    """The types every conjunct allows (None: unconstrained)."""
    allowed: frozenset[str] | None = None
    for node in objects:
        kind = node.get("type")
        kinds = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else None
        if kinds is None:
            continue
        if "number" in kinds:
            kinds.add("integer")
        allowed = frozenset(kinds) if allowed is None else allowed & kinds
    return allowed


def _pattern_matches(node: Mapping[str, Any], name: str) -> list[Any]:
    patterns = node.get("patternProperties")
    if not isinstance(patterns, Mapping):
        return []
    found = []
    for pattern, sub in patterns.items():
        try:
            if re.search(str(pattern), name):
                found.append(sub)
        except re.error:
            found.append(True)  # NOTE: a pattern Python cannot read cannot rule the name out
    return found


def _where(done: FieldPath) -> str:
    return f"{dotted(done)!r}" if done else "the body"


def _sample(done: FieldPath) -> str:
    return dotted((*done, "0")) + " or " + pointer_of((*done, "0"))
