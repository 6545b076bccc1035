"""Body rules a JSON Schema cannot express, read from ``x-covet-*`` extensions at compile time.

    properties:
      email:
        type: string
        format: email
        x-covet-unique: {table: users, column: email}     # checked against the database
      username:
        type: string
        x-covet-validators: [username_allowed]            # named async validators (covet.yaml)

``x-covet-validators`` on the body schema itself runs on the whole body. Rules are read from the
body schema's top-level properties (through ``$ref`` and ``allOf``); nested objects are not
searched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from covet.errors import SpecError

__all__ = ["BodyRule", "collect_body_rules"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class BodyRule:
    """One rule on a body field (``field`` ``""`` is the whole body)."""

    field: str
    kind: str  # "unique" or "validator"
    table: str = ""
    column: str = ""
    database: str = "default"
    validator: str = ""
    file: str = ""
    pointer: str = ""

    @property
    def field_pointer(self) -> str:
        return f"/{self.field}" if self.field else ""


def collect_body_rules(spec: Any, schema: Any, base: str, pointer: str) -> tuple[BodyRule, ...]:
    """The rules of a request body schema, with where each was written.

    Raises:
        SpecError: a malformed ``x-covet-unique`` or ``x-covet-validators``.
    """
    rules: list[BodyRule] = []
    for node, file, node_pointer in _schema_parts(spec, schema, base, pointer, depth=0):
        rules.extend(_validators_of(node, "", file, node_pointer))
        for name, prop in (node.get("properties") or {}).items():
            prop_pointer = f"{node_pointer}/properties/{_escape(str(name))}"
            for prop_node, prop_file, resolved in _schema_parts(spec, prop, file, prop_pointer, depth=0):
                rules.extend(_rules_of(prop_node, str(name), prop_file, resolved))
    return tuple(dict.fromkeys(rules))


def _rules_of(node: Mapping[str, Any], field: str, file: str, pointer: str) -> list[BodyRule]:
    rules = _validators_of(node, field, file, pointer)
    unique = node.get("x-covet-unique")
    if unique is not None:
        rules.append(_unique(unique, field, file, f"{pointer}/x-covet-unique"))
    return rules


def _unique(raw: Any, field: str, file: str, pointer: str) -> BodyRule:
    if not isinstance(raw, Mapping) or not {"table", "column"} <= set(raw):
        raise SpecError(
            "x-covet-unique needs {table: ..., column: ...} (and optionally database: name)",
            file=file, pointer=pointer,
        )
    table, column = str(raw["table"]), str(raw["column"])
    for what, value in (("table", table), ("column", column)):
        if not _IDENTIFIER.match(value):
            raise SpecError(
                f"x-covet-unique {what} {value!r} is not a plain SQL identifier (letters, digits, _)",
                file=file, pointer=pointer,
            )
    database = str(raw.get("database", "default"))
    return BodyRule(field, "unique", table, column, database, file=file, pointer=pointer)


def _validators_of(node: Mapping[str, Any], field: str, file: str, pointer: str) -> list[BodyRule]:
    names = node.get("x-covet-validators")
    if names is None:
        return []
    where = f"{pointer}/x-covet-validators"
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise SpecError("x-covet-validators must be a list of validator names", file=file, pointer=where)
    return [BodyRule(field, "validator", validator=name, file=file, pointer=where) for name in names]


def _schema_parts(
    spec: Any, schema: Any, base: str, pointer: str, *, depth: int
) -> Iterator[tuple[Mapping[str, Any], str, str]]:
    """The schema and its ``allOf`` members, each dereferenced, with file and pointer."""
    if depth > 32 or not isinstance(schema, Mapping):
        return
    if isinstance(schema.get("$ref"), str):
        target, base, pointer = spec.resolve(schema["$ref"], base)
        yield from _schema_parts(spec, target, base, pointer, depth=depth + 1)
        if len(schema) == 1:
            return
    yield schema, base, pointer
    for index, member in enumerate(schema.get("allOf") or []):
        yield from _schema_parts(spec, member, base, f"{pointer}/allOf/{index}", depth=depth + 1)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
