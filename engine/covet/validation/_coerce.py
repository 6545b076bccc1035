"""Strings from a URL, a header or a form -> typed values, by the schema's types.

Decided once per schema at startup (a :class:`Coercer` tree); the schema check runs afterwards.

Rules (strict, documented in docs and tests):

- integer: ASCII digits with an optional leading ``-`` (``"+5"``, ``" 5"``, ``"5_0"`` are not),
  within 64 bits (a larger one is refused here, before ``int()`` does any work on it);
- number: a JSON number literal; integral literals stay ``int``; ``nan``/``inf`` are not numbers;
- boolean: exactly ``"true"`` or ``"false"`` (NOTE: not ``"1"``/``"0"``/``"yes"``: one spelling,
  the JSON one, so a client cannot be surprised by what counts as true);
- null (only when the schema allows null and not string): ``""`` or ``"null"``;
- string: as is. ``format``s (uuid, date...) stay strings; the schema check validates them.

A ``type`` list tries integer, number, boolean, null, then string. A schema without ``type`` gets
the types its keywords imply (``minimum`` -> number, ``items`` -> array, enum values...), else
string.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from covet.errors import RefResolutionError, SpecError
from covet.types import MISSING
from covet.validation._errors import PathPart, json_type, show
from covet.validation._keywords import INT64_MAX, INT64_MIN

Caster = Callable[[str], Any]
"""Turns a string into a value or raises ValueError."""
CoerceError = tuple[list[PathPart], str, str]
"""(path below the parameter, message, raw value)."""

_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?", re.ASCII)
_ORDER = ("integer", "number", "boolean", "null", "string")
_MAX_DEPTH = 8
_REF_DEPTH = 32

_IMPLIED = (
    ("object", ("properties", "additionalProperties", "patternProperties", "required",
                "minProperties", "maxProperties")),
    ("array", ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
    ("string", ("minLength", "maxLength", "pattern", "format")),
)


@contextmanager
def located(file: str, pointer: str) -> Iterator[None]:
    """Give a $ref error raised while reading a schema the location of that schema."""
    try:
        yield
    except RefResolutionError as exc:
        if exc.pointer is not None:
            raise
        raise RefResolutionError(exc.message, file=file, pointer=pointer) from None


def cast_integer(raw: str) -> int:
    # PERF: 20 characters hold every int64 ("-9223372036854775808"); longer text is refused
    # before int() parses it (its cost grows with the digits).
    if len(raw) <= 20 and raw.isascii() and (
        raw.isdigit() or (raw[:1] == "-" and raw[1:].isdigit())
    ):
        value = int(raw)
        if INT64_MIN <= value <= INT64_MAX:
            return value
    raise ValueError(raw)


def cast_number(raw: str) -> int | float:
    if _NUMBER.fullmatch(raw) is None:
        raise ValueError(raw)
    if raw.isdigit() or (raw[:1] == "-" and raw[1:].isdigit()):
        return int(raw)
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def cast_boolean(raw: str) -> bool:
    if raw == "true":
        return True
    if raw == "false":
        return False
    raise ValueError(raw)


def cast_null(raw: str) -> None:
    if raw not in ("", "null"):
        raise ValueError(raw)


def cast_string(raw: str) -> str:
    return raw


_CASTERS: dict[str, Caster] = {
    "integer": cast_integer,
    "number": cast_number,
    "boolean": cast_boolean,
    "null": cast_null,
    "string": cast_string,
}


def _first_of(casters: tuple[Caster, ...]) -> Caster:
    def cast(raw: str) -> Any:
        for caster in casters:
            try:
                return caster(raw)
            except ValueError:
                continue
        raise ValueError(raw)

    return cast


def caster_for(types: frozenset[str] | None) -> Caster | None:
    """The caster for a set of scalar types; None means "keep the string"."""
    if not types or types == {"string"}:
        return None
    scalars = [name for name in _ORDER if name in types]
    if "string" in scalars and "null" in scalars:
        scalars.remove("null")  # NOTE: "" and "null" stay strings when strings are allowed.
    if not scalars or scalars == ["string"]:
        return None
    if len(scalars) == 1:
        return _CASTERS[scalars[0]]
    return _first_of(tuple(_CASTERS[name] for name in scalars))


@dataclass(frozen=True, slots=True)
class Coercer:
    """How to turn a decoded raw value (str, list of str, or dict of those) into typed data."""

    kind: str  # "scalar" | "array" | "object"
    cast: Caster | None = None
    expected: str = "string"
    items: Coercer | None = None
    props: Mapping[str, Coercer] = field(default_factory=dict)
    extra: Coercer | None = None
    produces: frozenset[str] = frozenset({"string"})
    """The JSON types the cast can return (scalars only)."""

    def property(self, name: str) -> Coercer:
        return self.props.get(name) or self.extra or STRING


STRING = Coercer("scalar")


class SchemaReader:
    """Reads a spec's raw schemas ($refs followed) for their types, items and properties."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.openapi30 = str(spec.dialect).startswith("3.0")

    def deref(self, schema: Any, file: str) -> tuple[Any, str]:
        for _ in range(_REF_DEPTH):
            ref = schema.get("$ref") if isinstance(schema, dict) else None
            if not isinstance(ref, str) or "type" in schema:
                return schema, file
            schema, file, _ = self.spec.resolve(ref, file)
        raise SpecError("$ref chain is too long or circular", file=file)

    def types(self, schema: Any, file: str, depth: int = 0) -> frozenset[str] | None:
        """The JSON types a schema admits, when it says (None: anything)."""
        schema, file = self.deref(schema, file)
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return None
        found = self._own_types(schema, file, depth)
        if found is not None and self.openapi30 and schema.get("nullable") is True:
            found = found | {"null"}
        return found

    def _own_types(self, schema: dict[str, Any], file: str, depth: int) -> frozenset[str] | None:
        declared = schema.get("type")
        if isinstance(declared, str):
            return frozenset({declared})
        if isinstance(declared, list):
            return frozenset(str(name) for name in declared)
        for member in schema.get("allOf") or ():
            found = self.types(member, file, depth + 1)
            if found is not None:
                return found
        branches = list(schema.get("oneOf") or ()) + list(schema.get("anyOf") or ())
        if branches:
            union: set[str] = set()
            for branch in branches:
                found = self.types(branch, file, depth + 1)
                if found is None:
                    return None
                union |= found
            return frozenset(union)
        return _implied_types(schema)

    def member(self, schema: Any, file: str, keyword: str) -> tuple[Any, str] | None:
        """A sub-schema keyword (``items``, ``additionalProperties``), looking through allOf."""
        schema, file = self.deref(schema, file)
        if not isinstance(schema, dict):
            return None
        if isinstance(schema.get(keyword), dict):
            return schema[keyword], file
        for member in schema.get("allOf") or ():
            found = self.member(member, file, keyword)
            if found is not None:
                return found
        return None

    def properties(self, schema: Any, file: str, depth: int = 0) -> dict[str, tuple[Any, str]]:
        """Every property a schema (or its allOf/oneOf/anyOf members) declares."""
        schema, file = self.deref(schema, file)
        found: dict[str, tuple[Any, str]] = {}
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return found
        props = schema.get("properties")
        if isinstance(props, dict):
            found.update({str(name): (sub, file) for name, sub in props.items()})
        for keyword in ("allOf", "oneOf", "anyOf"):
            for member in schema.get(keyword) or ():
                for name, value in self.properties(member, file, depth + 1).items():
                    found.setdefault(name, value)
        return found

    def default(self, schema: Any, file: str) -> Any:
        """The schema's ``default`` (one written beside a ``$ref`` wins), else MISSING."""
        if isinstance(schema, dict) and "default" in schema:
            return schema["default"]
        schema, file = self.deref(schema, file)
        return schema.get("default", MISSING) if isinstance(schema, dict) else MISSING

    def coercer(self, schema: Any, file: str, depth: int = 0) -> Coercer:
        """The coercion tree for a schema (bounded depth: recursive schemas end in strings)."""
        if depth > _MAX_DEPTH:
            return STRING
        types = self.types(schema, file)
        if types and "array" in types:
            items = self.member(schema, file, "items")
            item = self.coercer(items[0], items[1], depth + 1) if items else STRING
            return Coercer("array", expected="array", items=item)
        if types and "object" in types:
            props = {
                name: self.coercer(sub, sub_file, depth + 1)
                for name, (sub, sub_file) in self.properties(schema, file).items()
            }
            extra = self.member(schema, file, "additionalProperties")
            extra_coercer = self.coercer(extra[0], extra[1], depth + 1) if extra else None
            return Coercer("object", expected="object", props=props, extra=extra_coercer)
        scalars = frozenset(types or ()) - {"array", "object"}
        expected = " or ".join(name for name in _ORDER if name in scalars) or "string"
        cast = caster_for(scalars or None)
        produces = frozenset({"string"}) if cast is None else scalars
        return Coercer("scalar", cast=cast, expected=expected, produces=produces)


def _implied_types(schema: dict[str, Any]) -> frozenset[str] | None:
    for name, keywords in _IMPLIED:
        if any(keyword in schema for keyword in keywords):
            return frozenset({name})
    values = schema.get("enum")
    if "const" in schema:
        values = [schema["const"]]
    if isinstance(values, list) and values:
        return frozenset(json_type(value) for value in values)
    return None



def coerce(
    coercer: Coercer, raw: Any, path: list[PathPart], errors: list[CoerceError]
) -> Any:
    """Coerce a raw decoded value; what does not coerce stays as sent and is noted in ``errors``.

    Keeping the text lets the schema check still report every *other* problem of an array or
    object whose one item did not coerce.
    """
    if coercer.kind == "array":
        items = raw if isinstance(raw, list) else [raw]
        item = coercer.items or STRING
        return [coerce(item, value, [*path, i], errors) for i, value in enumerate(items)]
    if coercer.kind == "object":
        if not isinstance(raw, dict):
            errors.append((path, f"Expected object, got {show(raw)}", raw))
            return raw
        return {k: coerce(coercer.property(k), v, [*path, k], errors) for k, v in raw.items()}
    if isinstance(raw, list):
        raw = raw[-1] if raw else ""
    if not isinstance(raw, str):
        errors.append((path, f"Expected {coercer.expected}, got {show(raw)}", raw))
        return raw
    if coercer.cast is None:
        return raw
    try:
        return coercer.cast(raw)
    except ValueError:
        errors.append((path, f"Expected {coercer.expected}, got {show(raw)}", raw))
        return raw
