"""Bind operations to handler functions and plan what each handler parameter receives.

Everything here runs at startup: signatures and type hints are read once, and the result is a
frozen :class:`Binding` the endpoint applies per request without reflection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import importlib
import inspect
import traceback
import types
import typing
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from covet._naming import python_name
from covet.errors import BindingError

__all__ = [
    "AUTH_NAMES",
    "Binding",
    "bind_handler",
    "bind_operation",
    "import_object",
    "import_project_module",
    "resolve_handler",
]

Converter = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Binding:
    """What a handler takes and where each argument comes from."""

    handler: Callable[..., Any]
    qualname: str
    is_async: bool
    accepts_all: bool
    drop: frozenset[str]
    converters: tuple[tuple[str, Converter], ...]
    fill_none: tuple[str, ...]
    body_arg: str | None
    body_converter: Converter | None
    request_arg: str | None
    providers: tuple[tuple[str, str], ...]
    context_args: tuple[tuple[str, str], ...] = ()
    """(parameter, attribute of ``ctx.auth``): ``user``, ``claims``, ``token``, ``scopes``."""


AUTH_NAMES = ("user", "claims", "token", "scopes")
"""Handler parameters the security step supplies on an operation with a security requirement."""


def import_object(ref: str) -> Any:
    """``"pkg.mod:attr.sub"`` (or ``"pkg.mod.attr"``) -> the object.

    Raises:
        ImportError: the module cannot be imported.
        AttributeError: the module has no such attribute.
    """
    module_name, sep, attr = ref.partition(":")
    if not sep:
        module_name, _, attr = ref.rpartition(".")
    obj: Any = import_project_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def resolve_handler(
    operation: Any, module: str | None, override: str | None = None
) -> tuple[Callable[..., Any], str]:
    """Find the handler of one compiled operation.

    Order: ``override`` (covet.yaml ``operations.<id>.handler``), the spec's
    ``x-covet-handler``, then ``operationId`` or its snake_case in ``module``.

    Raises:
        BindingError: nothing found; the message names the operation, the module and the
            closest names that module does have.
    """
    explicit = override or operation.handler_ref
    if explicit:
        return _import_handler(explicit, operation), explicit
    if not operation.operation_id:
        raise BindingError(
            f"operation {operation.method} {operation.template} has no operationId; add one, "
            "or name its handler with x-covet-handler: 'package.module:function'",
            file=operation.file,
            pointer=operation.pointer,
        )
    if module is None:
        raise BindingError(
            f"operation {operation.operation_id!r} has no handler module; set 'handlers:' for "
            "this api in covet.yaml or x-covet-handler on the operation",
            file=operation.file,
            pointer=operation.pointer,
        )
    mod = _import_module(module, operation)
    for name in dict.fromkeys((operation.operation_id, python_name(operation.operation_id))):
        handler = getattr(mod, name, None)
        if callable(handler):
            return handler, f"{module}:{name}"
    candidates = [n for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n))]
    close = difflib.get_close_matches(python_name(operation.operation_id), candidates, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise BindingError(
        f"operation {operation.operation_id!r}: no function {operation.operation_id!r} or "
        f"{python_name(operation.operation_id)!r} in module {module!r}{hint}",
        file=operation.file,
        pointer=operation.pointer + "/operationId",
    )


def import_project_module(name: str) -> types.ModuleType:
    """``importlib.import_module``, with any failure of the module's own code as an ImportError.

    A project module (handlers, models, a renderer) that raises while it is imported, or has a
    syntax error, would otherwise reach the ``covet`` command as a traceback: it becomes an
    ``ImportError`` naming the file and line, which every caller reports as a CovetError.
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        raise
    except Exception as exc:  # the module's own code failed: say where
        raise ImportError(f"{_where(exc)}: {type(exc).__name__}: {exc}", name=name) from exc


def _where(exc: Exception) -> str:
    """``file:line`` of a SyntaxError, else of the deepest frame of the traceback."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno or 0}"
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "<unknown>"


def _import_module(module: str, operation: Any) -> types.ModuleType:
    try:
        return import_project_module(module)
    except ImportError as exc:
        raise BindingError(
            f"cannot import handler module {module!r} for {operation.label!r}: {exc}",
            file=operation.file,
            pointer=operation.pointer,
        ) from exc


def _import_handler(ref: str, operation: Any) -> Callable[..., Any]:
    try:
        handler = import_object(ref)
    except (ImportError, AttributeError, ValueError) as exc:
        raise BindingError(
            f"handler {ref!r} of {operation.label!r} cannot be imported: {exc}",
            file=operation.file,
            pointer=operation.pointer,
        ) from exc
    if not callable(handler):
        raise BindingError(
            f"handler {ref!r} of {operation.label!r} is not callable",
            file=operation.file,
            pointer=operation.pointer,
        )
    return typing.cast(Callable[..., Any], handler)


def bind_handler(
    handler: Callable[..., Any],
    qualname: str,
    *,
    parameters: Mapping[str, bool],
    has_body: bool,
    providers: Collection[str] = (),
    where: tuple[str | None, str | None] = (None, None),
    label: str = "",
    secured: bool = False,
) -> Binding:
    """Plan the call of ``handler``.

    Args:
        parameters: python name -> required, for every spec parameter of the operation.
        has_body: the operation declares a request body (``body`` may be taken).
        providers: injectable provider names (``db``, ``cache``...).
        where: (file, pointer) of the operation, for errors.
        secured: the operation has a security requirement, so :data:`AUTH_NAMES` may be taken.

    Raises:
        BindingError: a handler parameter nothing can supply; the message names the handler,
            the parameter and the candidates.
    """
    signature = inspect.signature(handler)
    hints = _type_hints(handler)
    accepted: set[str] = set()
    converters: list[tuple[str, Converter]] = []
    fill_none: list[str] = []
    body_arg = request_arg = None
    body_converter: Converter | None = None
    provider_args: list[tuple[str, str]] = []
    context_args: list[tuple[str, str]] = []
    accepts_all = False
    for name, param in signature.parameters.items():
        if param.kind is param.VAR_KEYWORD:
            accepts_all = True
            continue
        if param.kind is param.VAR_POSITIONAL:
            continue
        if param.kind is param.POSITIONAL_ONLY:
            raise _binding_error(qualname, name, "is positional-only; make it a normal parameter", where)
        annotation = hints.get(name, param.annotation)
        if name in parameters:
            accepted.add(name)
            converter = _converter_for(annotation)
            if converter is not None:
                converters.append((name, converter))
            if param.default is param.empty and not parameters[name]:
                fill_none.append(name)
        elif name == "body" and has_body:
            body_arg, body_converter = name, _body_converter(annotation)
        elif name == "request":
            request_arg = name
        elif name in providers:
            provider_args.append((name, name))
        elif name in AUTH_NAMES:
            if not secured:
                raise _binding_error(
                    qualname,
                    name,
                    f"is what authentication supplies, but the operation {label!r} has no "
                    "security requirement (add 'security:' to it or to the spec's root)",
                    where,
                )
            context_args.append((name, name))
        elif param.default is param.empty:
            candidates = sorted({
                *parameters, *providers, "request", *(["body"] if has_body else []),
                *(AUTH_NAMES if secured else ()),
            })
            raise _binding_error(
                qualname,
                name,
                f"matches nothing the operation {label!r} supplies; candidates: "
                f"{', '.join(candidates)} (or give it a default)",
                where,
            )
    drop = frozenset() if accepts_all else frozenset(set(parameters) - accepted)
    return Binding(
        handler=handler,
        qualname=qualname,
        is_async=_is_async(handler),
        accepts_all=accepts_all,
        drop=drop,
        converters=tuple(converters),
        fill_none=tuple(fill_none),
        body_arg=body_arg,
        body_converter=body_converter,
        request_arg=request_arg,
        providers=tuple(provider_args),
        context_args=tuple(context_args),
    )


def bind_operation(
    operation: Any, handler: Callable[..., Any], qualname: str, *, providers: Collection[str] = ()
) -> Binding:
    """:func:`bind_handler` with what a compiled operation supplies (its parameters, its body).

    Raises:
        BindingError: as :func:`bind_handler`, located at the operation.
    """
    return bind_handler(
        handler,
        qualname,
        parameters={spec[0]: spec[3] for spec in operation.parameters.specs},
        has_body=operation.request_body is not None,
        providers=providers,
        where=(operation.file, operation.pointer),
        label=operation.label,
        secured=bool(operation.security),
    )


def _binding_error(qualname: str, name: str, what: str, where: tuple[str | None, str | None]) -> BindingError:
    return BindingError(f"handler {qualname}: parameter {name!r} {what}", file=where[0], pointer=where[1])


def _is_async(handler: Callable[..., Any]) -> bool:
    """A coroutine function, or an object whose ``__call__`` is one."""
    if inspect.iscoroutinefunction(handler):
        return True
    return inspect.iscoroutinefunction(type(handler).__call__) if not inspect.isroutine(handler) else False


def _type_hints(handler: Callable[..., Any]) -> dict[str, Any]:
    routine = inspect.isfunction(handler) or inspect.ismethod(handler)
    target = handler if routine else type(handler).__call__
    try:
        return typing.get_type_hints(target)
    except Exception:  # noqa: BLE001 - unresolvable hints just mean "no conversion"
        return {}


def _unwrap_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _parse_datetime(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value)


_SCALAR_CONVERTERS: dict[Any, Converter] = {
    uuid.UUID: uuid.UUID,
    dt.date: dt.date.fromisoformat,
    dt.datetime: _parse_datetime,
    dt.time: dt.time.fromisoformat,
    Decimal: lambda v: Decimal(str(v)),
}


def _converter_for(annotation: Any) -> Converter | None:
    """A converter for annotations richer than the decoded JSON type (UUID, date...)."""
    annotation = _unwrap_optional(annotation)
    scalar = _SCALAR_CONVERTERS.get(annotation)
    if scalar is not None:
        return lambda value: None if value is None else scalar(value)
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        args = typing.get_args(annotation)
        item = _SCALAR_CONVERTERS.get(args[0]) if args else None
        if item is not None:
            container = origin if origin is not tuple else tuple
            return lambda value: None if value is None else container(item(v) for v in value)
    return None


def _body_converter(annotation: Any) -> Converter | None:
    annotation = _unwrap_optional(annotation)
    validate = getattr(annotation, "model_validate", None)
    if inspect.isclass(annotation) and validate is not None:
        return typing.cast(Converter, validate)
    if inspect.isclass(annotation) and dataclasses.is_dataclass(annotation):
        cls = annotation
        return lambda value: cls(**value)
    return None
