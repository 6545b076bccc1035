"""``example-invalid``: an ``example`` or ``examples`` value that its own schema rejects.

Checked, each against the schema beside it, compiled exactly as request/response validation
compiles it (OpenAPI 3.0 ``nullable``, formats enforced, readOnly/writeOnly):

- media types (JSON ones) of request bodies and responses: ``example`` and each Example
  Object's ``value`` (``externalValue`` is not fetched);
- parameters and headers: ``example`` and ``examples``;
- schemas (components and inline), at any depth: ``example``, and in 3.1 the ``examples`` list.

The direction follows where the example is shown: request bodies and parameters as requests
(a readOnly property is an error), responses and headers as responses (a writeOnly property
is). Component schemas serve both, so they are checked as responses and a writeOnly
property in their example is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from covet.errors import SpecError
from covet.lint.collector import Collector
from covet.lint.sites import OperationSite
from covet.spec import SpecDocument
from covet.spec.compiler import escape_pointer
from covet.validation import SchemaCompiler
from covet.validation._keywords import ONE_SCHEMA, SCHEMA_LIST, SCHEMA_MAP
from covet.validation.schema import Direction

__all__ = ["ExampleChecker"]

_SHOWN_ERRORS = 3
_EITHER_WAY = frozenset({"writeOnly"})
Value = tuple[Any, str, str]
"""(example value, file, pointer of the value)."""


class ExampleChecker:
    """Checks the examples of one document; each node is checked once, wherever it is used."""

    def __init__(self, doc: SpecDocument, compiler: SchemaCompiler, out: Collector) -> None:
        self.doc = doc
        self.compiler = compiler
        self.out = out
        self._seen: set[tuple[str, str]] = set()

    def check_site(self, site: OperationSite) -> None:
        for owner, file, pointer in (
            (site.path_item, site.item_file, site.item_pointer), (site.op, site.file, site.pointer)
        ):
            for index, raw in enumerate(_as_list(owner.get("parameters"))):
                self._parameter(raw, file, f"{pointer}/parameters/{index}", "request")
        if "requestBody" in site.op:
            self._body(site.op["requestBody"], site.file, site.pointer + "/requestBody")
        for status, raw in _as_map(site.op.get("responses")).items():
            self._response(raw, site.file, f"{site.pointer}/responses/{escape_pointer(status)}")

    def check_components(self) -> None:
        components = _as_map(self.doc.root.get("components"))
        base, file = "/components", self.doc.path
        sections = (
            ("parameters", self._parameter), ("requestBodies", self._body),
            ("responses", self._response), ("headers", self._header),
        )
        for section, check in sections:
            for name, raw in _as_map(components.get(section)).items():
                check(raw, file, f"{base}/{section}/{escape_pointer(name)}")
        for name, schema in _as_map(components.get("schemas")).items():
            pointer = f"{base}/schemas/{escape_pointer(name)}"
            self._schema_tree(schema, file, pointer, "response", _EITHER_WAY)

    # -- OpenAPI objects ----------------------------------------------------------------------

    def _parameter(
        self, raw: Any, file: str, pointer: str, direction: Direction = "request"
    ) -> None:
        found = self._object(raw, file, pointer)
        if found is not None:
            self._schema_holder(*found, direction)

    def _header(self, raw: Any, file: str, pointer: str) -> None:
        self._parameter(raw, file, pointer, "response")

    def _body(self, raw: Any, file: str, pointer: str) -> None:
        found = self._object(raw, file, pointer)
        if found is not None:
            obj, at_file, at = found
            self._content(obj.get("content"), at_file, at, "request")

    def _response(self, raw: Any, file: str, pointer: str) -> None:
        found = self._object(raw, file, pointer)
        if found is None:
            return
        obj, at_file, at = found
        self._content(obj.get("content"), at_file, at, "response")
        for name, header in _as_map(obj.get("headers")).items():
            self._header(header, at_file, f"{at}/headers/{escape_pointer(name)}")

    def _schema_holder(
        self, obj: Mapping[str, Any], file: str, pointer: str, direction: Direction
    ) -> None:
        """A Parameter, Header or Media Type: its examples against its ``schema``."""
        if "schema" in obj:
            values = self._values(obj, file, pointer)
            self._check(obj["schema"], file, pointer + "/schema", direction, values)
            self._schema_tree(obj["schema"], file, pointer + "/schema", direction)
        self._content(obj.get("content"), file, pointer, direction)

    def _content(self, content: Any, file: str, pointer: str, direction: Direction) -> None:
        for media_type, media in _as_map(content).items():
            if not isinstance(media, Mapping) or "schema" not in media or not _is_json(media_type):
                continue
            at = f"{pointer}/content/{escape_pointer(media_type)}"
            self._schema_holder(media, file, at, direction)

    def _object(
        self, raw: Any, file: str, pointer: str
    ) -> tuple[Mapping[str, Any], str, str] | None:
        """Dereference; None when broken (reported elsewhere) or already checked."""
        try:
            obj, at_file, at = self.doc.deref(raw, file, pointer)
        except SpecError:
            return None
        if not isinstance(obj, Mapping) or (at_file, at) in self._seen:
            return None
        self._seen.add((at_file, at))
        return obj, at_file, at

    def _values(self, obj: Mapping[str, Any], file: str, pointer: str) -> list[Value]:
        """``example`` and every Example Object's ``value`` (Example Objects may be refs)."""
        values: list[Value] = []
        if "example" in obj:
            values.append((obj["example"], file, pointer + "/example"))
        for name, raw in _as_map(obj.get("examples")).items():
            at = f"{pointer}/examples/{escape_pointer(name)}"
            try:
                example, at_file, at = self.doc.deref(raw, file, at)
            except SpecError:
                continue
            if isinstance(example, Mapping) and "value" in example:
                values.append((example["value"], at_file, at + "/value"))
        return values

    # -- schemas ------------------------------------------------------------------------------

    def _schema_tree(
        self,
        schema: Any,
        file: str,
        pointer: str,
        direction: Direction,
        ignore: frozenset[str] = frozenset(),
    ) -> None:
        """Examples inside ``schema`` and its sub-schemas, following $refs (each node once)."""
        stack = [(schema, file, pointer)]
        while stack:
            node, at_file, at = stack.pop()
            if not isinstance(node, dict) or (at_file, at) in self._seen:
                continue
            self._seen.add((at_file, at))
            values = self._schema_values(node, at_file, at)
            self._check(node, at_file, at, direction, values, ignore)
            stack += self._children(node, at_file, at)

    def _schema_values(self, node: dict[str, Any], file: str, pointer: str) -> list[Value]:
        values = [(node["example"], file, pointer + "/example")] if "example" in node else []
        if self.doc.dialect != "3.0" and isinstance(node.get("examples"), list):
            listed = enumerate(node["examples"])
            values += [(value, file, f"{pointer}/examples/{i}") for i, value in listed]
        return values

    def _children(
        self, node: dict[str, Any], file: str, pointer: str
    ) -> list[tuple[Any, str, str]]:
        """Sub-schemas as ``(node, file, pointer)``, a ``$ref`` target included."""
        children: list[tuple[Any, str, str]] = []
        if isinstance(node.get("$ref"), str):
            try:
                target, target_file, target_pointer = self.doc.resolve(node["$ref"], file)
            except SpecError:
                pass  # NOTE: reported as ref-unresolved
            else:
                children.append((target, target_file, target_pointer))
        for key, value in node.items():
            where = f"{pointer}/{escape_pointer(str(key))}"
            if key in ONE_SCHEMA:
                children.append((value, file, where))
            elif key in SCHEMA_MAP:
                named = _as_map(value).items()
                children += [(sub, file, f"{where}/{escape_pointer(n)}") for n, sub in named]
            elif key in SCHEMA_LIST:
                children += [(sub, file, f"{where}/{i}") for i, sub in enumerate(_as_list(value))]
        return children

    def _check(
        self,
        schema: Any,
        file: str,
        pointer: str,
        direction: Direction,
        values: list[Value],
        ignore: frozenset[str] = frozenset(),
    ) -> None:
        if not values:
            return
        try:
            validator = self.compiler.validator(
                schema, base=file, pointer=pointer, direction=direction, location="example"
            )
        except SpecError:
            return  # NOTE: an uncompilable schema is operation-invalid where it is used
        for value, value_file, value_pointer in values:
            errors = [e for e in validator.errors(value) if e["code"] not in ignore]
            if errors:
                self.out.add(
                    "example-invalid", _message(errors, pointer), file=value_file,
                    pointer=value_pointer, doc=self.doc,
                )


def _message(errors: list[dict[str, Any]], schema_pointer: str) -> str:
    shown = "; ".join(
        f"at {error['pointer'] or 'the top level'}: {error['message']}"
        for error in errors[:_SHOWN_ERRORS]
    )
    more = f" (and {len(errors) - _SHOWN_ERRORS} more)" if len(errors) > _SHOWN_ERRORS else ""
    return (
        f"example does not match its schema ({schema_pointer}): {shown}{more}; "
        "fix the example or the schema"
    )


def _as_map(value: Any) -> Mapping[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_json(media_type: str) -> bool:
    base = media_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")
