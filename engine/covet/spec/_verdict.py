"""A native "certainly valid" verdict for openapi-spec-validator's two passes, over plain dicts.

PERF: importing openapi-spec-validator costs ~0.3 s (pydantic-settings, jsonschema,
jsonschema-path, requests) and its keyword pass, which walks the document through
``SchemaPath`` lookups, 0.1-0.3 s on a large spec: most of a cold ``covet validate``. This
module reaches the same verdict on a valid document without importing any of it.

It mirrors both passes of ``SpecValidator.iter_errors`` (openapi-spec-validator 0.9):

1. the document against the OpenAPI meta-schema: the very call the library makes, jsonschema-rs
   (``validator_cls_for(schema)(schema)``) over the schema file shipped in its package;
2. the keyword walk (``validation/keywords.py``): duplicate tag names, duplicate parameters,
   duplicate operationIds, path parameters that the template and the parameters do not both
   declare, each Schema Object's meta-check (jsonschema-rs against the same meta-schema, with
   the library's own ``regex`` and ``email`` format rules), ``required`` names an ``allOf``
   never defines, and each ``default`` against its schema, following ``$ref``s as it goes.

It only ever answers "valid" or "cannot tell": anything it does not model exactly (a default
with a keyword it does not check, a boolean schema, ``$id``, an unresolved ``$ref``, 3.2 tag
parents...) is "cannot tell", and then the library runs and reports as before. Where the two
could differ it is stricter, never looser: it checks ``allOf``-``required`` and defaults on every
visited schema, where the library skips some. tests/spec/test_verdict.py holds it to the
library's verdict on every corpus document and on one broken document per rule.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import string
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema_rs

from covet.errors import SpecError
from covet.spec._defaults import CannotTell, DefaultCheck, as_dict, as_list
from covet.spec.loader import SpecDocument

__all__ = ["certainly_valid", "validate_document"]

_OAS31_DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base"
_OAS32_DIALECT = "https://spec.openapis.org/oas/3.2/dialect/2025-09-17"
_DEFAULT_DIALECT = {"3.1": _OAS31_DIALECT, "3.2": _OAS32_DIALECT}
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_OPERATIONS_32 = (*_OPERATIONS, "query")
_BACKEND_ENV = "OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND"
# Every format name JSON Schema defines; the meta-schemas use uri, uri-reference, iri, email
# and regex. The library's format checkers check only ``regex`` and ``email`` of these.
_FORMATS = (
    "date", "date-time", "time", "duration", "email", "idn-email", "hostname",
    "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference",
    "uuid", "uri-template", "json-pointer", "relative-json-pointer", "regex",
)  # fmt: skip


def certainly_valid(doc: SpecDocument) -> bool:
    """True only when openapi-spec-validator would find no error in ``doc``.

    False means "cannot tell" (the document may well be valid): run the library.
    """
    if os.environ.get(_BACKEND_ENV, "auto").strip().lower() not in ("auto", "jsonschema-rs"):
        return False  # NOTE: the library's pass 1 would not be jsonschema-rs
    minor = doc.version[:3]
    if minor not in ("3.0", "3.1", "3.2"):
        return False
    try:
        if not _document_validator(minor).is_valid(doc.root):
            return False
        _Walk(doc, minor).run()
    except (CannotTell, SpecError, RecursionError, ValueError, TypeError):
        return False
    return True


def validate_document(doc: SpecDocument) -> None:
    """Raise the first validation error of ``doc`` as a located :class:`SpecError`.

    The native verdict first; openapi-spec-validator is imported and run only when it cannot
    tell, so every reported error is still the library's (``covet.spec._validation``).

    Raises:
        SpecError: the document is not valid OpenAPI (or the validator could not check it).
    """
    if certainly_valid(doc):
        return
    from covet.spec._validation import validate_document as validate_with_library

    validate_with_library(doc)


# --- the meta-schemas, read from the libraries' packages without importing them ---------------


def _package_dir(name: str) -> str:
    spec = importlib.util.find_spec(name)  # NOTE: finds the package, executes nothing
    if spec is None or not spec.submodule_search_locations:
        raise CannotTell(name)
    return str(next(iter(spec.submodule_search_locations)))


def _read_json(*parts: str) -> Any:
    with open(os.path.join(*parts), "rb") as stream:
        return json.load(stream)


@functools.cache
def _document_validator(minor: str) -> Any:
    """Pass 1, built exactly as openapi-spec-validator's jsonschema-rs backend builds it."""
    schema = _read_json(_package_dir("openapi_spec_validator"), "resources", "schemas",
                        f"v{minor}", "schema.json")
    return jsonschema_rs.validator_cls_for(schema)(schema)


def _regex_conforms(value: Any) -> bool:
    """jsonschema's and openapi-schema-validator's ``regex`` format (no ``regress``)."""
    if not isinstance(value, str):
        return True
    try:
        re.compile(value)
    except re.error:
        return False
    return True


def _email_conforms(value: Any) -> bool:
    return not isinstance(value, str) or "@" in value


def _accept(value: Any) -> bool:
    return True


def _format_functions() -> dict[str, Callable[[Any], bool]]:
    functions: dict[str, Callable[[Any], bool]] = dict.fromkeys(_FORMATS, _accept)
    functions.update({"regex": _regex_conforms, "email": _email_conforms,
                      "idn-email": _email_conforms})
    return functions


@functools.cache
def _schema_meta_validator(dialect: str) -> Any:
    """The Schema Object meta-check: draft-04 for 3.0, the OAS dialects for 3.1 and 3.2."""
    if dialect == "3.0":
        meta = _read_json(_package_dir("jsonschema_specifications"), "schemas", "draft4",
                          "metaschema.json")
        return jsonschema_rs.Draft4Validator(meta, validate_formats=True,
                                             formats=_format_functions())
    resources, meta = [], None
    for directory, _dirs, names in os.walk(os.path.join(_package_dir("openapi_schema_validator"),
                                                        "schemas")):
        for name in names:
            contents = _read_json(directory, name)
            resources.append((contents["$id"], contents))
            if contents["$id"] == dialect:
                meta = contents
    if meta is None:
        raise CannotTell(dialect)
    return jsonschema_rs.validator_for(meta, registry=jsonschema_rs.Registry(resources),
                                       validate_formats=True, formats=_format_functions())


# --- pass 2: the keyword walk -------------------------------------------------------------------


class _Walk:
    """openapi-spec-validator's RootValidator and friends, as plain dict lookups."""

    def __init__(self, doc: SpecDocument, minor: str) -> None:
        self.doc, self.minor = doc, minor
        self.operation_ids: set[Any] = set()
        self.meta_checked: set[int] = set()
        self.visited: set[int] = set()
        self.dialect = "3.0" if minor == "3.0" else self._default_dialect()

    def _default_dialect(self) -> str:
        dialect = self.doc.root.get("jsonSchemaDialect", _DEFAULT_DIALECT[self.minor])
        if not isinstance(dialect, str):
            raise CannotTell("jsonSchemaDialect")
        return dialect

    def deref(self, node: Any, file: str) -> tuple[Any, str]:
        seen: set[int] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or id(node) in seen:
                raise CannotTell("$ref")
            seen.add(id(node))
            node, file, _ = self.doc.resolve(ref, file)
        return node, file

    def run(self) -> None:
        root, file = self.doc.root, self.doc.path
        if "tags" in root:
            self.tags(root["tags"])
        if "paths" in root:
            for url, item, at in self.entries(root["paths"], file):
                self.path_item(url, *self.deref(item, at))
        if "components" in root:
            components, at = self.deref(root["components"], file)
            if "schemas" in as_dict(components):
                for _, schema, where in self.entries(components["schemas"], at):
                    self.schema(*self.deref(schema, where))

    def entries(self, node: Any, file: str) -> Iterator[tuple[str, Any, str]]:
        """``(key, value, file of the value)`` of a mapping that may be a ``$ref``."""
        node, file = self.deref(node, file)
        for key, value in as_dict(node).items():
            yield key, value, file

    def tags(self, tags: Any) -> None:
        names = set()
        for tag in as_list(tags):
            name = as_dict(tag).get("name")
            if not isinstance(name, str) or name in names:
                raise CannotTell("tag")
            if "parent" in tag:
                raise CannotTell("tag parent")  # NOTE: 3.2's hierarchy checks are left to the library
            names.add(name)

    def path_item(self, url: str, item: Any, file: str) -> None:
        item = as_dict(item)
        shared = None
        if "parameters" in item:
            shared = self.parameters(*self.deref(item["parameters"], file))
        if "additionalOperations" in item and self.minor == "3.2":
            raise CannotTell("additionalOperations")
        for method in _OPERATIONS_32 if self.minor == "3.2" else _OPERATIONS:
            if method in item:
                self.operation(url, *self.deref(item[method], file), shared)

    def parameters(self, params: Any, file: str) -> list[tuple[Any, str]]:
        """Each parameter's schema is checked; a repeated (name, in) is an error."""
        seen, resolved = set(), []
        for param in as_list(params):
            param, at = self.deref(param, file)
            param = as_dict(param)
            key = (param.get("name"), param.get("in"))
            if not all(isinstance(part, str) for part in key) or key in seen:
                raise CannotTell("parameter")
            seen.add(key)
            if "schema" in param:
                self.schema(*self.deref(param["schema"], at))
            resolved.append((param, at))
        return resolved

    def operation(
        self, url: str, op: Any, file: str, shared: list[tuple[Any, str]] | None
    ) -> None:
        op = as_dict(op)
        if "operationId" in op:
            operation_id = op["operationId"]
            if operation_id is not None and operation_id in self.operation_ids:
                raise CannotTell("operationId")
            self.operation_ids.add(operation_id)
        if "responses" in op:
            for _, response, at in self.entries(op["responses"], file):
                self.response(*self.deref(response, at))
        names: set[str] = set()
        if "parameters" in op:
            names.update(_path_names(self.parameters(*self.deref(op["parameters"], file))))
        if shared is not None:
            names.update(_path_names(shared))
        if names != set(_template_names(url)):
            raise CannotTell("path parameters")

    def response(self, response: Any, file: str) -> None:
        response = as_dict(response)
        if "content" in response:
            for _, media, where in self.entries(response["content"], file):
                media, at = self.deref(media, where)
                if "schema" in as_dict(media):
                    self.schema(*self.deref(media["schema"], at))

    # --- SchemaValidator ---

    def schema(self, schema: Any, file: str, nested: bool = False) -> None:
        if not isinstance(schema, dict):
            raise CannotTell("schema type")  # NOTE: a boolean schema too: left to the library
        if "$id" in schema or "$anchor" in schema or "$dynamicRef" in schema:
            raise CannotTell("$id")
        key = id(schema)
        if not nested and key not in self.meta_checked:
            self.meta_checked.add(key)
            self.meta_check(schema)
        if key in self.visited:
            return
        self.visited.add(key)
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in schema:
                for inner in as_list(schema[keyword]):
                    self.schema(*self.deref(inner, file), nested=True)
        for keyword in ("not", "items"):
            if keyword in schema:
                self.schema(*self.deref(schema[keyword], file), nested=True)
        if "properties" in schema:
            for _, prop, at in self.entries(schema["properties"], file):
                self.schema(*self.deref(prop, at), nested=True)
        if "allOf" in schema:
            self.required_defined(schema, file)
        if "default" in schema:
            value = schema["default"]
            if _has_ref(value):
                raise CannotTell("$ref in a default")  # NOTE: the library follows it (SchemaPath)
            if value is not None or schema.get("nullable") is not True:
                DefaultCheck(self.deref, self.minor, file).check(value, schema)

    def meta_check(self, schema: dict[str, Any]) -> None:
        dialect = self.dialect
        if self.dialect != "3.0":
            dialect = schema.get("$schema", self.dialect)
            if dialect not in (_OAS31_DIALECT, _OAS32_DIALECT):
                raise CannotTell("dialect")
        if not _schema_meta_validator(dialect).is_valid(schema):
            raise CannotTell("meta-check")

    def required_defined(self, schema: dict[str, Any], file: str) -> None:
        """``required`` names only properties this schema or its ``allOf`` defines."""
        required = schema.get("required", [])
        if not isinstance(required, list):
            raise CannotTell("required")
        defined = set(as_dict(schema.get("properties", {})))
        for inner in as_list(schema["allOf"]):
            defined |= self.properties_of(*self.deref(inner, file), frozenset())
        if set(required) - defined:
            raise CannotTell("required")

    def properties_of(self, schema: Any, file: str, stack: frozenset[int]) -> set[str]:
        schema = as_dict(schema)
        if id(schema) in stack:
            raise CannotTell("recursive allOf")  # NOTE: the library recurses without end here
        stack = stack | {id(schema)}
        names = set(as_dict(schema.get("properties", {})))
        subs: list[Any] = []
        for keyword in ("allOf", "anyOf", "oneOf"):
            subs += as_list(schema.get(keyword, []))
        subs += [schema[keyword] for keyword in ("items", "not") if keyword in schema]
        for sub in subs:
            names |= self.properties_of(*self.deref(sub, file), stack)
        return names




def _has_ref(value: Any) -> bool:
    if isinstance(value, dict):
        return "$ref" in value or any(_has_ref(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_ref(item) for item in value)
    return False


def _path_names(params: list[tuple[Any, str]]) -> Iterator[str]:
    for param, _ in params:
        if param["in"] == "path":
            yield param["name"]


def _template_names(url: str) -> Iterator[str]:
    """The library's reading of a path template (``string.Formatter``; it raises on ``{``)."""
    return filter(None, (item[1] for item in string.Formatter().parse(url)))
