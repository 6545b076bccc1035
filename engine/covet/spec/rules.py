"""Body rules a JSON Schema cannot express, read from ``x-covet-*`` extensions at compile time.

    properties:
      email:
        type: string
        format: email
        x-covet-unique: {table: users, column: email}     # checked against the database
      username:
        type: string
        x-covet-validators: [username_allowed]            # named async validators (covet.yaml)

``x-covet-validators`` on an object schema runs on that object's value (on the body schema itself,
on the whole body). Rules are read at any depth of the body schema: through ``properties`` (the
path of a rule is the property names leading to it, so ``email`` inside an envelope's ``user`` is
``user.email``), ``$ref``, ``allOf``, ``anyOf`` and ``oneOf``; not through array ``items`` or
``additionalProperties``, where no single path names the field.

Any object schema (the body's, typically) can also name its fields by path (covet.spec.fields):

    x-covet-unique: [{field: /user/email, table: users, column: email}]
    x-covet-validators: {user.username: [username_allowed], "": [passwords_match]}
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from covet.errors import SpecError
from covet.spec.fields import FieldPath, absence, dotted, parse_field, pointer_of

if TYPE_CHECKING:
    from covet.spec.compiler import RequestBodySpec

__all__ = ["BodyRule", "collect_body_rules", "field_problems"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class BodyRule:
    """One rule on a body field (``path`` ``()`` is the whole body).

    .. versionchanged:: issue 9 ``path`` (a field at any depth) replaces the top-level ``field``.
    """

    path: FieldPath
    kind: str  # "unique" or "validator"
    table: str = ""
    column: str = ""
    database: str = "default"
    validator: str = ""
    file: str = ""
    pointer: str = ""
    """Where the rule is written (in the spec, or covet.yaml's ``/operations/...``)."""
    written: str = dataclasses.field(default="", compare=False)
    """The path as its author wrote it (``/user/email``), for messages."""

    @property
    def field(self) -> str:
        """The dotted path (``user.email``), an error detail's ``field``."""
        return dotted(self.path)

    @property
    def field_pointer(self) -> str:
        """The JSON pointer (``/user/email``), an error detail's ``pointer``."""
        return pointer_of(self.path)

    @property
    def description(self) -> str:
        """``unique on '/user/email'``, ``validator 'name' on the whole body``: for messages."""
        what = "unique" if self.kind == "unique" else f"validator {self.validator!r}"
        where = self.written or self.field_pointer
        return f"{what} on {where!r}" if where else f"{what} on the whole body"


def collect_body_rules(spec: Any, schema: Any, base: str, pointer: str) -> tuple[BodyRule, ...]:
    """The rules of a request body schema, with where each was written.

    Raises:
        SpecError: a malformed ``x-covet-unique`` or ``x-covet-validators``.
    """
    rules: list[BodyRule] = []
    _walk(spec, schema, base, pointer, (), rules, frozenset())
    return tuple(dict.fromkeys(rules))


def field_problems(
    rules: Sequence[BodyRule], body: RequestBodySpec | None
) -> list[tuple[BodyRule, str]]:
    """``(rule, why)`` for every rule whose field no declared body schema can hold.

    Paths resolve through each media type's compiled schema (covet.spec.fields.absence). A path
    is accepted when any one media type's schema may hold it (a rule applies to whichever body
    arrives), and when the body declares no schema at all (nothing rules it out). The app refuses
    to start on a problem (covet.checks); ``covet validate`` reports it (covet.lint.body_rules).
    """
    schemas = [m.validator.compiled for m in (body.media if body else ()) if m.validator is not None]
    problems = []
    for rule in rules:
        if not rule.path:
            continue
        if body is None:
            problems.append((rule, "the operation declares no requestBody"))
            continue
        if not schemas:
            continue
        reasons = [absence(schema, rule.path) for schema in schemas]
        if all(reasons):
            problems.append((rule, str(reasons[0])))
    return problems


def _walk(
    spec: Any, schema: Any, base: str, pointer: str, path: FieldPath, rules: list[BodyRule],
    seen: frozenset[tuple[str, str]],
) -> None:
    if len(path) > 32:
        return
    for node, file, node_pointer in _schema_parts(spec, schema, base, pointer, depth=0):
        # NOTE: a recursive schema (a Person's parent is a Person) is read once per path from
        # the root, at its shallowest place; its rules do not repeat at every depth.
        if (file, node_pointer) in seen:
            continue
        seen = seen | {(file, node_pointer)}
        rules.extend(_rules_of(node, path, file, node_pointer))
        for name, prop in (node.get("properties") or {}).items():
            prop_pointer = f"{node_pointer}/properties/{_escape(str(name))}"
            _walk(spec, prop, file, prop_pointer, (*path, str(name)), rules, seen)


def _rules_of(node: Mapping[str, Any], path: FieldPath, file: str, pointer: str) -> list[BodyRule]:
    rules = _validators_of(node, path, file, pointer)
    unique = node.get("x-covet-unique")
    if unique is not None:
        where = f"{pointer}/x-covet-unique"
        if isinstance(unique, list):
            rules += [_unique(item, path, file, f"{where}/{index}") for index, item in enumerate(unique)]
        else:
            rules.append(_unique(unique, path, file, where))
    return rules


def _unique(raw: Any, path: FieldPath, file: str, pointer: str) -> BodyRule:
    if not isinstance(raw, Mapping) or not {"table", "column"} <= set(raw):
        raise SpecError(
            "x-covet-unique needs {table: ..., column: ...} (and optionally database: name, and "
            "on an object schema field: /path/to/field)",
            file=file, pointer=pointer,
        )
    table, column = str(raw["table"]), str(raw["column"])
    for what, value in (("table", table), ("column", column)):
        if not _IDENTIFIER.match(value):
            raise SpecError(
                f"x-covet-unique {what} {value!r} is not a plain SQL identifier (letters, digits, _)",
                file=file, pointer=pointer,
            )
    written = ""
    if "field" in raw:
        written = str(raw["field"])
        path = (*path, *_parse(written, file, f"{pointer}/field"))
    if not path:
        raise SpecError(
            "x-covet-unique on the body schema itself needs field: the path of the unique value "
            "(/user/email or user.email), or move it onto that property",
            file=file, pointer=pointer,
        )
    database = str(raw.get("database", "default"))
    return BodyRule(path, "unique", table, column, database, file=file, pointer=pointer, written=written)


def _validators_of(node: Mapping[str, Any], path: FieldPath, file: str, pointer: str) -> list[BodyRule]:
    names = node.get("x-covet-validators")
    if names is None:
        return []
    where = f"{pointer}/x-covet-validators"
    if isinstance(names, Mapping):
        rules = []
        for key, listed in names.items():
            at = f"{where}/{_escape(str(key))}"
            full = (*path, *_parse(str(key), file, at))
            rules += [BodyRule(full, "validator", validator=name, file=file, pointer=at, written=str(key))
                      for name in _names(listed, file, at)]
        return rules
    return [BodyRule(path, "validator", validator=name, file=file, pointer=where)
            for name in _names(names, file, where)]


def _names(names: Any, file: str, pointer: str) -> list[str]:
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise SpecError(
            "x-covet-validators must be a list of validator names, or a mapping of field paths "
            "to such lists ({user.email: [name]})",
            file=file, pointer=pointer,
        )
    return names


def _parse(text: str, file: str, pointer: str) -> FieldPath:
    try:
        return parse_field(text)
    except ValueError as exc:
        raise SpecError(f"field path {exc}", file=file, pointer=pointer) from None


def _schema_parts(
    spec: Any, schema: Any, base: str, pointer: str, *, depth: int
) -> Iterator[tuple[Mapping[str, Any], str, str]]:
    """The schema and its ``allOf``/``anyOf``/``oneOf`` members, each dereferenced, with file and
    pointer."""
    if depth > 32 or not isinstance(schema, Mapping):
        return
    if isinstance(schema.get("$ref"), str):
        target, base, pointer = spec.resolve(schema["$ref"], base)
        yield from _schema_parts(spec, target, base, pointer, depth=depth + 1)
        if len(schema) == 1:
            return
    yield schema, base, pointer
    for key in ("allOf", "anyOf", "oneOf"):
        members = schema.get(key)
        for index, member in enumerate(members if isinstance(members, list) else []):
            yield from _schema_parts(spec, member, base, f"{pointer}/{key}/{index}", depth=depth + 1)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
