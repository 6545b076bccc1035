"""Python annotations for OpenAPI schemas, as generated handler stubs write them.

    integer -> int            number -> float           boolean -> bool        string -> str
    string + format uuid / date / date-time -> uuid.UUID / datetime.date / datetime.datetime
    array -> list[<items>]    object -> dict[str, Any]  null or 3.0 nullable -> ... | None
    no type -> what allOf / oneOf / anyOf / enum / properties / items say, else Any

These are the annotations the binding converts to at request time (docs/handlers.md), so a stub
receives values of exactly the types it declares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from covet.errors import SpecError

__all__ = ["ANY", "BYTES", "DICT", "NONE", "STR", "SYMBOL_IMPORTS", "PyType", "SchemaTyper", "union"]

SYMBOL_IMPORTS = {"datetime": ("datetime", None), "uuid": ("uuid", None), "Any": ("typing", "Any")}
"""symbol -> (module, name imported from it or None for ``import module``)."""

_MAX_REFS = 32

_Seen = frozenset[tuple[str, str]]
"""(file, pointer) of the ``$ref`` targets being expanded: one seen again is a recursion."""


@dataclass(frozen=True, slots=True)
class PyType:
    """An annotation with placeholders for the names it needs: ``list[{uuid}.UUID]``.

    The placeholders (``{datetime}``, ``{uuid}``, ``{Any}``) are filled with the names the target
    module binds, so a module that already does ``import datetime as dt`` keeps its alias.
    """

    template: str
    needs: frozenset[str] = frozenset()

    def render(self, names: Mapping[str, str]) -> str:
        return self.template.format_map({symbol: names.get(symbol, symbol) for symbol in SYMBOL_IMPORTS})

    def or_none(self) -> PyType:
        return union([self, NONE])


ANY = PyType("{Any}", frozenset({"Any"}))
NONE = PyType("None")
STR = PyType("str")
BYTES = PyType("bytes")
DICT = PyType("dict[str, {Any}]", frozenset({"Any"}))
_SCALARS = {"integer": PyType("int"), "number": PyType("float"), "boolean": PyType("bool")}
_FORMATS = {
    "uuid": PyType("{uuid}.UUID", frozenset({"uuid"})),
    "date": PyType("{datetime}.date", frozenset({"datetime"})),
    "date-time": PyType("{datetime}.datetime", frozenset({"datetime"})),
}
_ENUM_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))


def union(members: Iterable[PyType]) -> PyType:
    """``A | B | None``: duplicates dropped, ``None`` last, anything with ``Any`` is ``Any``."""
    unique: dict[str, PyType] = {}
    for member in members:
        for part in _parts(member):
            unique.setdefault(part.template, part)
    if not unique or ANY.template in unique:
        return ANY
    nullable = unique.pop(NONE.template, None) is not None
    ordered = [*unique.values(), *([NONE] if nullable else [])]
    if len(ordered) == 1:
        return ordered[0]
    return PyType(" | ".join(t.template for t in ordered), frozenset().union(*(t.needs for t in ordered)))


def _parts(member: PyType) -> list[PyType]:
    """The members of a union (split at `` | `` outside brackets: ``list[int | None]`` is one)."""
    parts, depth, start = [], 0, 0
    text = member.template
    for index, char in enumerate(text):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth == 0 and text.startswith(" | ", index):
            parts.append(text[start:index])
            start = index + 3
    parts.append(text[start:])
    if len(parts) == 1:
        return [member]
    return [PyType(part, frozenset(s for s in member.needs if "{" + s + "}" in part)) for part in parts]


class SchemaTyper:
    """Reads a loaded spec's raw schemas (``$ref`` followed) into :class:`PyType` annotations."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.openapi30 = str(getattr(spec, "dialect", "3.1")).startswith("3.0")

    def of(self, schema: Any, file: str, seen: _Seen = frozenset()) -> PyType:
        """The annotation for ``schema``, written in ``file`` (a recursive ``$ref`` is Any)."""
        schema, file, followed = self._follow(schema, file)
        if not isinstance(schema, Mapping) or followed & seen:
            return ANY
        seen |= followed
        found = (
            self._declared(schema, file, seen)
            or self._composed(schema, file, seen)
            or self._inferred(schema, file, seen)
            or ANY
        )
        if self.openapi30 and schema.get("nullable") is True:
            return found.or_none()
        return found

    def deref(self, schema: Any, file: str) -> tuple[Any, str]:
        """Follow ``$ref`` (unless the schema also says ``type``); an unresolvable one is None."""
        schema, file, _ = self._follow(schema, file)
        return schema, file

    def _follow(self, schema: Any, file: str) -> tuple[Any, str, _Seen]:
        followed: set[tuple[str, str]] = set()
        for _ in range(_MAX_REFS):
            ref = schema.get("$ref") if isinstance(schema, Mapping) else None
            if not isinstance(ref, str) or "type" in schema:
                return schema, file, frozenset(followed)
            try:
                schema, file, pointer = self.spec.resolve(ref, file)
            except SpecError:
                return None, file, frozenset(followed)
            followed.add((file, pointer))
        return None, file, frozenset(followed)

    def _declared(self, schema: Mapping[str, Any], file: str, seen: _Seen) -> PyType | None:
        declared = schema.get("type")
        names = [declared] if isinstance(declared, str) else declared
        if not isinstance(names, list) or not names:
            return None
        return union(self._named(str(name), schema, file, seen) for name in names)

    def _named(self, name: str, schema: Mapping[str, Any], file: str, seen: _Seen) -> PyType:
        if name == "string":
            return _FORMATS.get(str(schema.get("format")), STR)
        if name == "array":
            items = schema.get("items")
            item = self.of(items, file, seen) if isinstance(items, Mapping) else ANY
            return PyType(f"list[{item.template}]", item.needs)
        if name == "object":
            return DICT
        if name == "null":
            return NONE
        return _SCALARS.get(name, ANY)

    def _composed(self, schema: Mapping[str, Any], file: str, seen: _Seen) -> PyType | None:
        all_of = schema.get("allOf")
        if isinstance(all_of, list):
            typed = (self.of(member, file, seen) for member in all_of)
            return next((t for t in typed if t is not ANY), None)
        for keyword in ("oneOf", "anyOf"):
            members = schema.get(keyword)
            if isinstance(members, list) and members:
                return union(self.of(member, file, seen) for member in members)
        return None

    def _inferred(self, schema: Mapping[str, Any], file: str, seen: _Seen) -> PyType | None:
        if "properties" in schema or "additionalProperties" in schema:
            return DICT
        if "items" in schema:
            return self._named("array", schema, file, seen)
        values = schema.get("enum", [schema["const"]] if "const" in schema else None)
        if isinstance(values, list) and values:
            return union(_value_type(value) for value in values)
        return None


def _value_type(value: Any) -> PyType:
    if value is None:
        return NONE
    for kind, name in _ENUM_TYPES:
        if isinstance(value, kind):
            return STR if name == "string" else _SCALARS[name]
    return ANY
