"""Plan one typed handler stub per operation of a loaded spec.

A stub is named as the binding looks it up (``x-covet-handler``'s function, else the snake_case
of the ``operationId``), takes every spec parameter by its Python name plus ``body`` when the
operation has a request body, and is annotated by :mod:`covet.scaffold.pytypes`. Operations
with neither an ``operationId`` nor ``x-covet-handler`` cannot be bound, so they are skipped with
an ``operationId`` to add.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from covet._naming import python_name
from covet.media import FormCodec
from covet.scaffold.pytypes import ANY, BYTES, DICT, NONE, STR, PyType, SchemaTyper, union
from covet.spec import SpecDocument
from covet.spec.compiler import Operation, compile_operations, escape_pointer

__all__ = ["HandlerStub", "StubArg", "StubPlan", "plan_stubs", "suggest_operation_id"]

_LITERALS: dict[str, type | tuple[type, ...]] = {"int": int, "float": (int, float), "bool": bool, "str": str}
_PARAM = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True, slots=True)
class StubArg:
    """One handler parameter: its name, annotation and default (source text, or None)."""

    name: str
    type: PyType
    default: str | None = None


@dataclass(frozen=True, slots=True)
class HandlerStub:
    """Everything needed to write one handler function."""

    name: str
    operation_id: str | None
    method: str
    template: str
    args: tuple[StubArg, ...]
    returns: PyType
    summary: str
    description: str

    @property
    def label(self) -> str:
        """``createTodo (POST /todos)``."""
        return _label(self.operation_id, self.method, self.template)

    @property
    def needs(self) -> frozenset[str]:
        return frozenset().union(self.returns.needs, *(arg.type.needs for arg in self.args))

    @property
    def aliases(self) -> frozenset[str]:
        """Names under which the binding would find this handler in a module."""
        return frozenset({self.name, *([self.operation_id] if self.operation_id else [])})


@dataclass(frozen=True, slots=True)
class StubPlan:
    """The stubs of one spec, in spec order, and a warning per operation left out."""

    title: str
    stubs: tuple[HandlerStub, ...]
    warnings: tuple[str, ...]


def plan_stubs(spec: SpecDocument) -> StubPlan:
    """One :class:`HandlerStub` per bindable operation of ``spec``.

    Raises:
        SpecError: the spec does not compile (the same errors ``covet run`` reports).
    """
    typer = SchemaTyper(spec)
    operations = compile_operations(spec)
    taken = {op.operation_id for op in operations if op.operation_id}
    stubs: dict[str, HandlerStub] = {}
    warnings: list[str] = []
    for operation in operations:
        name = _function_name(operation)
        if name is None:
            suggestion = suggest_operation_id(operation.method, operation.template, taken)
            taken.add(suggestion)
            warnings.append(_unbindable(operation, suggestion))
        elif name in stubs:
            warnings.append(_duplicate(stubs[name], operation))
        else:
            stubs[name] = _stub(spec, typer, operation, name)
    title = str((spec.root.get("info") or {}).get("title") or "this API")
    return StubPlan(title, tuple(stubs.values()), tuple(warnings))


def suggest_operation_id(method: str, template: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``GET /status/{codes}`` -> ``getStatusByCodes`` (numbered when already taken)."""
    literals = [_PARAM.sub("", segment) for segment in template.split("/")]
    words = [method.lower(), *filter(None, map(python_name, filter(None, literals)))]
    params = [python_name(p[1:-1]) for p in _PARAM.findall(template)]
    words += ["by", *params] if params else ([] if len(words) > 1 else ["root"])
    parts = [part for word in words for part in word.split("_") if part]
    base = parts[0] + "".join(part.capitalize() for part in parts[1:])
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}{number}", number + 1
    return candidate


def _unbindable(operation: Operation, suggestion: str) -> str:
    return (
        f"{operation.method} {operation.template} has no operationId, so no handler can be bound "
        f"to it; skipped. Add 'operationId: {suggestion}' to it (or x-covet-handler) and generate "
        "again with --sync"
    )


def _duplicate(first: HandlerStub, operation: Operation) -> str:
    second = _label(operation.operation_id, operation.method, operation.template)
    return (
        f"{first.label} and {second} both become the function {first.name!r}; skipped the second. "
        "Give one of them another operationId"
    )


def _label(operation_id: str | None, method: str, template: str) -> str:
    return f"{operation_id} ({method} {template})" if operation_id else f"{method} {template}"


def _function_name(operation: Operation) -> str | None:
    if operation.handler_ref:
        return re.split(r"[:.]", operation.handler_ref)[-1] or None
    return python_name(operation.operation_id) if operation.operation_id else None


def _stub(spec: SpecDocument, typer: SchemaTyper, operation: Operation, name: str) -> HandlerStub:
    raw = _raw_parameters(spec, operation)
    required: list[StubArg] = []
    optional: list[StubArg] = []
    for py_name, location, param_name, is_required, _ in operation.parameters.specs:
        obj, file = raw.get((param_name, location), ({}, operation.file))
        arg = _param_arg(typer, py_name, obj, file, is_required)
        (optional if arg.default is not None else required).append(arg)
    # NOTE: a spec parameter named "body" wins over the request body, as in the binding.
    taken = {spec_[0] for spec_ in operation.parameters.specs}
    body = _body_arg(spec, typer, operation) if "body" not in taken else None
    if body is not None:
        (optional if body.default is not None else required).append(body)
    op = operation.spec
    return HandlerStub(
        name=name,
        operation_id=operation.operation_id,
        method=operation.method,
        template=operation.template,
        args=tuple(required + optional),
        returns=_return_type(spec, typer, operation),
        summary=str(op.get("summary") or "").strip(),
        description=str(op.get("description") or "").strip(),
    )


def _raw_parameters(spec: SpecDocument, operation: Operation) -> dict[tuple[str, str], tuple[Any, str]]:
    """(name, in) -> (dereferenced Parameter Object, its file): path level, then operation level."""
    pointer = "/paths/" + escape_pointer(operation.template)
    item, item_file, _ = spec.deref(spec.root["paths"][operation.template], spec.path, pointer)
    found: dict[tuple[str, str], tuple[Any, str]] = {}
    for owner, file in ((item, item_file), (operation.spec, operation.file)):
        for raw in owner.get("parameters") or []:
            obj, obj_file, _ = spec.deref(raw, file, pointer)
            if isinstance(obj, Mapping):
                found[(str(obj.get("name")), str(obj.get("in")))] = (obj, obj_file)
    return found


def _param_arg(typer: SchemaTyper, name: str, obj: Mapping[str, Any], file: str, required: bool) -> StubArg:
    schema = obj.get("schema")
    content = obj.get("content")
    if schema is None and isinstance(content, Mapping) and content:
        media = next(iter(content.values()))
        schema = media.get("schema") if isinstance(media, Mapping) else None
    annotation = typer.of(schema, file) if schema is not None else ANY
    if required:
        return StubArg(name, annotation)
    literal = _default_literal(annotation, _schema_default(typer, schema, file))
    if literal is None:
        return StubArg(name, annotation if annotation is ANY else annotation.or_none(), "None")
    return StubArg(name, annotation, literal)


def _schema_default(typer: SchemaTyper, schema: Any, file: str) -> Any:
    if isinstance(schema, Mapping) and "default" in schema:
        return schema["default"]
    resolved, _ = typer.deref(schema, file)
    return resolved.get("default") if isinstance(resolved, Mapping) else None


def _default_literal(annotation: PyType, value: Any) -> str | None:
    """Source text for a default that fits the annotation (int, float, bool, str), else None."""
    kinds = _LITERALS.get(annotation.template)
    if kinds is None or value is None or not isinstance(value, kinds):
        return None
    if isinstance(value, bool) and annotation.template != "bool":
        return None
    text = repr(value)
    return f'"{text[1:-1]}"' if isinstance(value, str) and text[0] == "'" and '"' not in value else text


def _body_arg(spec: SpecDocument, typer: SchemaTyper, operation: Operation) -> StubArg | None:
    body_spec = operation.request_body
    if body_spec is None:
        return None
    pointer = operation.pointer + "/requestBody"
    body, file, _ = spec.deref(operation.spec["requestBody"], operation.file, pointer)
    content = body.get("content") or {}
    types = []
    for media in body_spec.media:
        if media.raw:
            types.append(BYTES)
        elif isinstance(media.codec, FormCodec):
            types.append(DICT)
        else:
            media_obj = content.get(media.media_type) or {}
            schema = media_obj.get("schema") if isinstance(media_obj, Mapping) else None
            types.append(typer.of(schema, file) if schema is not None else ANY)
    annotation = union(types) if types else ANY
    if body_spec.required:
        return StubArg("body", annotation)
    return StubArg("body", annotation if annotation is ANY else annotation.or_none(), "None")


def _return_type(spec: SpecDocument, typer: SchemaTyper, operation: Operation) -> PyType:
    """The annotation of what the default (2xx) response carries.

    A response that declares no content is ``None`` only when its status cannot carry a body
    (204, 205, 304); a ``200`` without ``content`` says nothing of its body, and CovetPy sends
    whatever the handler returns, so its stub returns ``Any``.
    """
    responses = {str(k): v for k, v in (operation.spec.get("responses") or {}).items()}
    status = str(operation.default_status)
    key = status if status in responses else next((k for k in responses if k.startswith("2")), None)
    if key is None:
        return ANY
    pointer = f"{operation.pointer}/responses/{key}"
    response, file, _ = spec.deref(responses[key], operation.file, pointer)
    content = response.get("content") if isinstance(response, Mapping) else None
    if not isinstance(content, Mapping) or not content:
        return NONE if key in _BODILESS else ANY
    return union(_media_type(typer, media_type, media, file) for media_type, media in content.items())


_BODILESS = frozenset({"204", "205", "304"})
"""Statuses whose responses have no body (RFC 9110 §15.3.5, §15.3.6, §15.4.5)."""


def _media_type(typer: SchemaTyper, media_type: str, media: Any, file: str) -> PyType:
    kind = str(media_type).split(";")[0].strip().lower()
    if kind.endswith(("/json", "+json")) or kind == "*/*":
        schema = media.get("schema") if isinstance(media, Mapping) else None
        return typer.of(schema, file) if schema is not None else ANY
    return STR if kind.startswith("text/") else BYTES
