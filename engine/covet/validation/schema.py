"""OpenAPI 3.0/3.1 Schema Objects -> self-contained JSON Schema 2020-12 documents and validators.

A :class:`SchemaCompiler` translates one spec document's schemas for one direction (request or
response), copies every schema they ``$ref`` (in any file) into ``$defs`` once, and
:class:`SchemaValidator` runs the result with jsonschema-rs, reporting every error in the
DESIGN.md §6 shape.

NOTE: validation is strict, with no coercion: ``"5"`` is not an integer. As JSON Schema says,
``1.0`` *is* an integer (jsonschema-rs and the reference ``jsonschema`` library agree on that).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal, Protocol

import jsonschema_rs

from covet.errors import RefResolutionError, SpecError, UnsupportedSpecError
from covet.validation import _errors
from covet.validation._closed import close_composition
from covet.validation._discriminator import DiscriminatorBuilder
from covet.validation._keywords import (
    DROPPED,
    FLAG,
    MARK,
    ONE_SCHEMA,
    SCHEMA_LIST,
    SCHEMA_MAP,
    UNSUPPORTED,
    fix_exclusive_bounds,
    integer_bounds,
    is_forbidden,
    nullable,
)
from covet.validation._pointer import escape, last_segment

__all__ = ["DRAFT_2020_12", "Direction", "SchemaCompiler", "SchemaValidator", "SpecLike"]

Direction = Literal["request", "response"]
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

GATHER_LIMIT = 1000
"""Errors one validation gathers at most (``limits.max_error_details`` is at most this)."""
_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9_.-]+")
_FLAG_DEPTH = 32


class SpecLike(Protocol):
    """What the compiler needs from the loaded spec document (covet.spec's SpecDocument)."""

    @property
    def path(self) -> str: ...

    @property
    def root(self) -> dict[str, Any]: ...

    @property
    def dialect(self) -> str: ...

    @property
    def files(self) -> Mapping[str, Any]: ...

    def resolve(self, ref: str, base: str) -> tuple[Any, str, str]: ...


@dataclass
class _Unit:
    """One translated schema (the root of a compile() call or one $defs entry)."""

    file: str
    direction: Direction
    refs: set[tuple[str, str]] = field(default_factory=set)
    node: Any = None


class SchemaCompiler:
    """Translates a spec's schemas into self-contained 2020-12 documents, with caching.

    One compiler per spec document. Translations are cached per (file, pointer, direction), and
    each referenced schema gets one ``$defs`` key for the compiler's lifetime.

    Example:
        >>> compiler = SchemaCompiler(spec)
        >>> check = compiler.validator(schema, base=spec.path, pointer="/components/schemas/Pet",
        ...                            direction="request", location="body")
        >>> check.errors({"name": ""})
        [{'field': 'name', 'location': 'body', 'pointer': '/name', ...}]
    """

    def __init__(self, spec: SpecLike) -> None:
        self.spec = spec
        self._openapi30 = str(spec.dialect).startswith("3.0")
        self._keys: dict[tuple[str, str], str] = {}
        self._origins: dict[str, tuple[str, str]] = {}
        self._targets: dict[tuple[str, str], Any] = {}
        self._units: dict[tuple[str, str, Direction], _Unit] = {}
        self._compiled: dict[tuple[str, str, Direction], dict[str, Any]] = {}
        self._good_patterns: set[str] = set()
        self._discriminators = DiscriminatorBuilder(self)

    def compile(
        self, schema: Any, *, base: str, pointer: str, direction: Direction
    ) -> dict[str, Any]:
        """Translate ``schema`` (found at ``base#pointer``) into a self-contained document.

        Args:
            schema: the Schema Object as written (``$ref``s unresolved).
            base: the file it is written in (``#/...`` refs resolve against it).
            pointer: its JSON pointer in that file, for error locations and the cache key.
            direction: ``"request"`` forbids readOnly properties, ``"response"`` writeOnly ones.

        Returns:
            A JSON Schema 2020-12 document; treat it as read-only (it is cached and shared).

        Raises:
            SpecError: the schema (or one it references) is not a valid schema.
        """
        cache_key = (base, pointer, direction)
        cached = self._compiled.get(cache_key)
        if cached is not None:
            return cached
        unit = _Unit(base, direction)
        unit.node = self.translate(schema, unit, pointer)
        doc = self._document(unit)
        self._compiled[cache_key] = doc
        return doc

    def validator(
        self, schema: Any, *, base: str, pointer: str, direction: Direction, location: str
    ) -> SchemaValidator:
        """Compile ``schema`` and build its validator; errors are reported at ``location``.

        Raises:
            SpecError: the schema is invalid (located at the failing keyword where possible).
        """
        doc = self.compile(schema, base=base, pointer=pointer, direction=direction)
        return self.validator_for_document(doc, base=base, pointer=pointer, location=location)

    def validator_for_document(
        self, doc: dict[str, Any], *, base: str, pointer: str, location: str
    ) -> SchemaValidator:
        """A validator for an already compiled document (raises SpecError when it is invalid)."""
        try:
            return SchemaValidator(doc, location=location)
        except jsonschema_rs.ValidationError as exc:
            file, where = self._origin(list(exc.instance_path), base, pointer)
            raise SpecError(f"Invalid schema: {exc.message}", file=file, pointer=where) from None

    # -- translation -------------------------------------------------------------------------

    def translate(self, schema: Any, unit: _Unit, pointer: str) -> Any:
        """Translate one schema node; refs it makes are recorded on ``unit``."""
        if isinstance(schema, bool):
            return schema
        if not isinstance(schema, dict):
            found = type(schema).__name__ if schema is not None else "null"
            raise SpecError(
                f"Expected a schema (an object or a boolean), found {found}",
                file=unit.file, pointer=pointer,
            )
        if self._openapi30 and "$ref" in schema:
            # NOTE: in 3.0 the siblings of $ref are ignored, except nullable (a common idiom).
            out: dict[str, Any] = {"$ref": self.ref(schema["$ref"], unit, pointer + "/$ref")}
        else:
            out = self._keywords(schema, unit, pointer)
            close_composition(schema, out, unit.file, self.spec.resolve)
        fix_exclusive_bounds(out)
        if "$ref" not in out:
            integer_bounds(out)
        if "discriminator" in schema:
            self._discriminators.apply(schema, out, unit, pointer)
        if self._openapi30 and schema.get("nullable") is True:
            out = nullable(out)
        return out

    def _keywords(self, schema: dict[str, Any], unit: _Unit, pointer: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in schema.items():
            key = str(key)
            if key in DROPPED or key.startswith("x-"):
                continue
            where = f"{pointer}/{escape(key)}"
            if key == "$ref":
                out[key] = self.ref(value, unit, where)
            elif key == "properties":
                out[key] = self._properties(value, unit, where)
            elif key in ONE_SCHEMA:
                out[key] = self.translate(value, unit, where)
            elif key in SCHEMA_MAP:
                out[key] = self._schema_map(key, value, unit, where)
            elif key in SCHEMA_LIST:
                out[key] = self._schema_list(value, unit, where)
            elif key in UNSUPPORTED:
                raise UnsupportedSpecError(
                    f"'{key}' is not supported; use $ref instead", file=unit.file, pointer=where
                )
            else:
                if key == "pattern":
                    self.check_pattern(value, unit.file, where)
                out[key] = value
        self._drop_forbidden_required(out)
        return out

    def _properties(self, value: Any, unit: _Unit, pointer: str) -> dict[str, Any]:
        """Translate ``properties``; readOnly (request) / writeOnly (response) become forbidden."""
        props = self._expect_map(value, unit, pointer)
        flag = FLAG[unit.direction]
        out: dict[str, Any] = {}
        for name, sub in props.items():
            if self._is_flagged(sub, flag, unit.file):
                out[name] = {"not": {_errors.MARKER_KEY: MARK[flag]}}
            else:
                out[name] = self.translate(sub, unit, f"{pointer}/{escape(str(name))}")
        return out

    @staticmethod
    def _drop_forbidden_required(out: dict[str, Any]) -> None:
        props, required = out.get("properties"), out.get("required")
        if not isinstance(props, dict) or not isinstance(required, list):
            return
        forbidden = {name for name, sub in props.items() if is_forbidden(sub)}
        if forbidden:
            out["required"] = [name for name in required if name not in forbidden]

    def _is_flagged(self, schema: Any, flag: str, file: str) -> bool:
        """True when the property schema (or the schema its $ref chain ends at) sets ``flag``."""
        for _ in range(_FLAG_DEPTH):
            if not isinstance(schema, dict):
                return False
            if schema.get(flag) is True:
                return True
            ref = schema.get("$ref")
            if not isinstance(ref, str):
                return False
            try:
                schema, file, _ = self.spec.resolve(ref, file)
            except SpecError:
                return False  # NOTE: translate() reports the broken ref with its location.
        return False

    def _schema_map(self, key: str, value: Any, unit: _Unit, pointer: str) -> dict[str, Any]:
        mapping = self._expect_map(value, unit, pointer)
        out = {}
        for name, sub in mapping.items():
            where = f"{pointer}/{escape(str(name))}"
            if key == "patternProperties":
                self.check_pattern(name, unit.file, where)
            out[name] = self.translate(sub, unit, where)
        return out

    def _schema_list(self, value: Any, unit: _Unit, pointer: str) -> list[Any]:
        if not isinstance(value, list):
            raise SpecError(
                f"Expected a list of schemas, found {type(value).__name__}",
                file=unit.file, pointer=pointer,
            )
        return [self.translate(sub, unit, f"{pointer}/{i}") for i, sub in enumerate(value)]

    @staticmethod
    def _expect_map(value: Any, unit: _Unit, pointer: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise SpecError(
                f"Expected a map of schemas, found {type(value).__name__}",
                file=unit.file, pointer=pointer,
            )
        return value

    def check_pattern(self, pattern: Any, file: str, pointer: str) -> None:
        """Raise SpecError unless ``pattern`` compiles as the validator's regular expression."""
        if isinstance(pattern, str) and pattern in self._good_patterns:
            return
        try:
            jsonschema_rs.validator_for({"pattern": pattern})
        except jsonschema_rs.ValidationError:
            raise SpecError(
                f"{pattern!r} is not a valid regular expression (ECMA-262 syntax expected)",
                file=file, pointer=pointer,
            ) from None
        self._good_patterns.add(pattern)

    # -- references and $defs ----------------------------------------------------------------

    def ref(self, ref: Any, unit: _Unit, pointer: str) -> str:
        """Resolve a ``$ref`` written in ``unit.file``; returns its ``#/$defs/<key>`` form."""
        if not isinstance(ref, str):
            message = f"$ref must be a string, found {type(ref).__name__}"
            raise SpecError(message, file=unit.file, pointer=pointer)
        try:
            key, target = self.ref_target(ref, unit.file)
        except RefResolutionError as exc:
            if exc.file is not None and exc.pointer is not None:
                raise
            raise RefResolutionError(exc.message, file=unit.file, pointer=pointer) from None
        unit.refs.add(target)
        return f"#/$defs/{key}"

    def ref_target(self, ref: str, file: str) -> tuple[str, tuple[str, str]]:
        """The ``$defs`` key and (file, pointer) of what ``ref`` (written in ``file``) names."""
        node, target_file, target_pointer = self.spec.resolve(ref, file)
        target = (target_file, target_pointer)
        key = self._keys.get(target)
        if key is None:
            key = self._new_key(target_pointer)
            self._keys[target] = key
            self._origins[key] = target
            self._targets[target] = node
        return key, target

    def _new_key(self, pointer: str) -> str:
        last = last_segment(pointer) if pointer else "root"
        stem = _UNSAFE_KEY.sub("_", last).strip("_") or "schema"
        key, n = stem, 1
        while key in self._origins:
            n += 1
            key = f"{stem}_{n}"
        return key

    def _unit_for(self, target: tuple[str, str], direction: Direction) -> _Unit:
        cache_key = (target[0], target[1], direction)
        unit = self._units.get(cache_key)
        if unit is None:
            unit = _Unit(target[0], direction)
            unit.node = self.translate(self._targets[target], unit, target[1])
            self._units[cache_key] = unit  # NOTE: only once translated; a failure is not cached.
        return unit

    def _document(self, root: _Unit) -> dict[str, Any]:
        defs: dict[str, Any] = {}
        pending, seen = list(root.refs), set()
        while pending:
            target = pending.pop()
            if target in seen:
                continue
            seen.add(target)
            unit = self._unit_for(target, root.direction)
            defs[self._keys[target]] = unit.node
            pending.extend(unit.refs)
        doc: dict[str, Any] = {"$schema": DRAFT_2020_12}
        if isinstance(root.node, bool):
            if not root.node:
                doc["not"] = {}
        else:
            doc.update(root.node)
        if defs:
            doc["$defs"] = dict(sorted(defs.items()))
        return doc

    def _origin(self, path: list[Any], base: str, pointer: str) -> tuple[str, str]:
        """Map a path inside a compiled document back to (file, pointer) as far as it can."""
        if len(path) >= 2 and path[0] == "$defs" and str(path[1]) in self._origins:
            file, where = self._origins[str(path[1])]
            rest = path[2:]
        else:
            file, where, rest = base, pointer, path
        return file, where + "".join("/" + escape(str(part)) for part in rest)


class SchemaValidator:
    """A compiled 2020-12 document run by jsonschema-rs (formats enforced).

    Args:
        compiled: a document from :meth:`SchemaCompiler.compile`.
        location: what the errors are about (``"body"``, ``"query"``...).

    Raises:
        jsonschema_rs.ValidationError: the document is not a valid JSON Schema (the compiler's
            :meth:`SchemaCompiler.validator` turns this into a located SpecError).

    Example:
        >>> SchemaValidator({"type": "integer"}, location="body").errors("5")
        [{'field': '', 'location': 'body', 'pointer': '', 'message': 'Expected integer, got string',
          'code': 'type', 'value': '5'}]
    """

    __slots__ = ("_rs", "compiled", "is_valid", "location")

    is_valid: Callable[[Any], bool]
    """True when ``value`` is valid (the library's own method: no Python frame in between)."""

    def __init__(self, compiled: dict[str, Any], *, location: str) -> None:
        self.compiled = compiled
        self.location = location
        self._rs = jsonschema_rs.validator_for(compiled, validate_formats=True)
        self.is_valid = self._rs.is_valid

    def errors(self, value: Any) -> list[dict[str, Any]]:
        """Every error in ``value``, sorted by pointer then code; ``[]`` when it is valid.

        A root-level error has ``field`` ``""`` and ``pointer`` ``""``.
        """
        # PERF: the valid case is one call into Rust; errors are only gathered on failure.
        if self.is_valid(value):
            return []
        return _errors.finish(self.details(value))

    def details(
        self, value: Any, prefix: tuple[_errors.PathPart, ...] = ()
    ) -> list[dict[str, Any]]:
        """Unsorted error details, paths prefixed with ``prefix`` (for containers of values).

        At most :data:`GATHER_LIMIT`: a body of 90,000 unknown fields costs no more to explain
        than one of a thousand (the response shows ``limits.max_error_details`` of them).
        """
        return [
            _errors.make_detail(self.location, (*prefix, *path), code, message, offending)
            for path, code, message, offending in islice(self.explain(value), GATHER_LIMIT)
        ]

    def explain(self, value: Any) -> Iterator[_errors.Explained]:
        """``(path, code, message, value-or-MISSING)`` per error, for callers with own paths."""
        return _errors.explain(self._rs.iter_errors(value), self.compiled)
