"""Route templates: ``/users/{id:int}/files/{name}.json`` parsed into typed segments.

A template is ``/`` followed by segments separated by ``/``. Each segment is one of:

- a literal: ``users``; an empty last segment is a trailing slash, and ``/`` alone is the root;
- a parameter: ``{id}`` or ``{id:int}`` (the type is a converter name, ``str`` when omitted);
- a mixed segment of literals and parameters: ``{name}.json``, ``v{major}.{minor}``; when a
  value could be split several ways, earlier parameters take as much as they can;
- a catch-all: ``{rest:path}`` (a multi-segment converter), a whole segment and the last one.

Parsing is sans-I/O and raises ``SpecError`` (with the caller's file and pointer) saying how to
fix the template.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

from covet.errors import SpecError
from covet.routing.converters import Converter

__all__ = ["RouteTemplate", "Segment", "SegmentKind", "parse_template"]

# NOTE: greedy: with several ways to split a segment, earlier parameters take as much as they
# can, so "{name}.{ext}" splits "archive.tar.gz" at the last dot. Also faster than a lazy group
# before a literal suffix (constant instead of linear in the value's length).
_PARAM_REGEX = "(.+)"
_MIXED_PLACEHOLDER = "{}"
_WHITESPACE = re.compile(r"\s")


class SegmentKind(enum.IntEnum):
    """Segment kinds in match precedence order: a lower value is tried first."""

    LITERAL = 0
    MIXED = 1
    PARAM = 2
    CATCH_ALL = 3


@dataclass(frozen=True, slots=True)
class Segment:
    """One ``/``-separated piece of a template.

    ``key`` identifies the trie edge: the literal text, or for a mixed segment its shape with
    ``{}`` for each parameter (``{}.json``); it is empty for parameters and catch-alls.
    ``pattern`` (mixed only) is a regex source with one group per parameter, in order.
    """

    kind: SegmentKind
    key: str
    names: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    pattern: str = ""
    literal_length: int = 0


@dataclass(frozen=True, slots=True)
class RouteTemplate:
    """A parsed template; ``param_types`` maps each parameter, in order, to its converter name."""

    text: str
    segments: tuple[Segment, ...]
    param_types: dict[str, str]

    @property
    def is_static(self) -> bool:
        """True when every segment is a literal, so the template is the only path it matches."""
        return all(segment.kind is SegmentKind.LITERAL for segment in self.segments)


def parse_template(
    text: str,
    converters: Mapping[str, Converter],
    *,
    file: str | None = None,
    pointer: str | None = None,
) -> RouteTemplate:
    """Parse a route template.

    Args:
        text: the template, e.g. ``/users/{id:int}/avatar.{ext}``.
        converters: the parameter types allowed in ``{name:type}``.
        file: where the template comes from, for error messages.
        pointer: the JSON pointer of the template in ``file``.

    Returns:
        The template's segments and parameter types.

    Raises:
        SpecError: the template is malformed; the message says how to fix it.
    """
    return _TemplateParser(text, converters, file, pointer).parse()


class _TemplateParser:
    """One parse of one template; holds the context that every error message needs."""

    def __init__(
        self,
        text: str,
        converters: Mapping[str, Converter],
        file: str | None,
        pointer: str | None,
    ) -> None:
        self.text = text
        self.converters = converters
        self.file = file
        self.pointer = pointer
        self.param_types: dict[str, str] = {}

    def parse(self) -> RouteTemplate:
        if not self.text.startswith("/"):
            self._fail(f"must start with '/': write {'/' + self.text!r}")
        pieces = self.text[1:].split("/")
        last = len(pieces) - 1
        segments = tuple(self._segment(piece, last=i == last) for i, piece in enumerate(pieces))
        return RouteTemplate(self.text, segments, self.param_types)

    def _segment(self, piece: str, *, last: bool) -> Segment:
        if not piece and not last:
            self._fail("has an empty segment ('//'): remove the extra '/'")
        if "{" not in piece and "}" not in piece:
            return Segment(SegmentKind.LITERAL, piece)
        parts = self._split(piece)
        first = parts[0]
        if len(parts) == 1 and isinstance(first, tuple):
            return self._whole_param(*first, last=last)
        return self._mixed(piece, parts)

    def _whole_param(self, name: str, type_name: str, *, last: bool) -> Segment:
        if not self.converters[type_name].multi_segment:
            return Segment(SegmentKind.PARAM, "", (name,), (type_name,))
        if not last:
            self._fail(
                f"'{{{name}:{type_name}}}' matches the rest of the path, so it must be the last "
                "segment (without a trailing '/'): move it to the end or use a one-segment type"
            )
        return Segment(SegmentKind.CATCH_ALL, "", (name,), (type_name,))

    def _mixed(self, piece: str, parts: list[str | tuple[str, str]]) -> Segment:
        previous: str | tuple[str, str] = ""
        for part in parts:
            if isinstance(part, tuple):
                self._check_mixed_param(piece, *part, after_param=isinstance(previous, tuple))
            previous = part
        params = [part for part in parts if isinstance(part, tuple)]
        key = "".join(part if isinstance(part, str) else _MIXED_PLACEHOLDER for part in parts)
        pattern = "".join(
            re.escape(part) if isinstance(part, str) else _PARAM_REGEX for part in parts
        )
        literal_length = sum(len(part) for part in parts if isinstance(part, str))
        names = tuple(name for name, _ in params)
        types = tuple(type_name for _, type_name in params)
        return Segment(SegmentKind.MIXED, key, names, types, pattern, literal_length)

    def _check_mixed_param(
        self, piece: str, name: str, type_name: str, *, after_param: bool
    ) -> None:
        if after_param:
            self._fail(
                f"segment {piece!r} has two parameters with nothing between them, so their "
                "values cannot be told apart: separate them with a literal such as '-' or '.'"
            )
        if self.converters[type_name].multi_segment:
            self._fail(
                f"'{{{name}:{type_name}}}' matches several segments, so it must be a whole "
                f"segment on its own (e.g. '/files/{{{name}:{type_name}}}'), not part of {piece!r}"
            )

    def _split(self, piece: str) -> list[str | tuple[str, str]]:
        """``a{x}b{y:int}`` -> ``['a', ('x', 'str'), 'b', ('y', 'int')]``."""
        parts: list[str | tuple[str, str]] = []
        position = 0
        while position < len(piece):
            opening = piece.find("{", position)
            closing = piece.find("}", position)
            if closing != -1 and (opening == -1 or closing < opening):
                self._fail(
                    f"segment {piece!r} has a '}}' without a matching '{{': write parameters "
                    "as '{name}' or '{name:type}'"
                )
            if opening == -1:
                parts.append(piece[position:])
                break
            if opening > position:
                parts.append(piece[position:opening])
            parts.append(self._param(piece, opening))
            position = piece.index("}", opening) + 1
        return parts

    def _param(self, piece: str, opening: int) -> tuple[str, str]:
        closing = piece.find("}", opening)
        inner = piece[opening + 1 : closing]
        if closing == -1:
            self._fail(
                f"segment {piece!r} has a '{{' that is never closed: write parameters as "
                "'{name}' or '{name:type}'"
            )
        if "{" in inner:
            self._fail(
                f"segment {piece!r} nests '{{' inside a parameter: parameters cannot nest, "
                "write them as '{name}' or '{name:type}'"
            )
        name, _, type_name = inner.partition(":")
        type_name = type_name or "str"
        self._check_name(name)
        self._check_type(name, type_name)
        self.param_types[name] = type_name
        return name, type_name

    def _check_name(self, name: str) -> None:
        if not name:
            self._fail("has a parameter without a name: name it, e.g. '{id}' or '{id:int}'")
        if _WHITESPACE.search(name):
            self._fail(f"parameter name {name!r} contains whitespace: remove it")
        if name in self.param_types:
            self._fail(
                f"uses the parameter name {name!r} twice: give each parameter its own name"
            )

    def _check_type(self, name: str, type_name: str) -> None:
        if type_name not in self.converters:
            known = ", ".join(sorted(self.converters))
            self._fail(
                f"parameter {name!r} has unknown type {type_name!r}: use one of {known} "
                f"(or no type, which means str)"
            )

    def _fail(self, problem: str) -> NoReturn:
        raise SpecError(
            f"route template {self.text!r} {problem}", file=self.file, pointer=self.pointer
        )
