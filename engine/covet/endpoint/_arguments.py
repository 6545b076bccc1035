"""The keyword arguments of a handler call, and the call itself.

A :class:`~covet.binding.Binding` says at startup where each handler parameter comes from; this
applies it per request: validated parameters, the body (through the handler's model, if it has
one), the request, what the steps learned (``user``, ``claims``...) and provider values.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import operator
from collections.abc import Callable
from typing import Any

from covet.binding import Binding
from covet.endpoint._body import detail
from covet.endpoint._steps import Context
from covet.errors import RequestValidationError
from covet.request import Request

__all__ = ["Arguments", "invoke"]


class Arguments:
    """Builds one operation's handler arguments (``__call__``)."""

    __slots__ = ("binding", "context_args", "locations")

    def __init__(
        self, binding: Binding, locations: dict[str, tuple[str, str]] | None = None
    ) -> None:
        self.binding = binding
        self.locations = locations or {}
        """Python name -> (location, spec name), to locate a failed annotation conversion."""
        self.context_args = tuple(
            (arg, operator.attrgetter(attr)) for arg, attr in binding.context_args
        )

    def __call__(
        self, values: dict[str, Any], body: Any, request: Request, ctx: Context | None = None
    ) -> dict[str, Any]:
        binding = self.binding
        kwargs = values
        if binding.drop:
            for name in binding.drop:
                kwargs.pop(name, None)
        for name, convert in binding.converters:
            if name in kwargs:
                kwargs[name] = self._convert_argument(name, convert, kwargs[name])
        for name in binding.fill_none:
            kwargs.setdefault(name, None)
        if binding.body_arg is not None:
            kwargs[binding.body_arg] = self._convert_body(body)
        if binding.request_arg is not None:
            kwargs[binding.request_arg] = request
        if self.context_args and ctx is not None:
            auth = ctx.auth
            for arg, read in self.context_args:
                kwargs[arg] = None if auth is None else read(auth)
        return kwargs

    def _convert_argument(self, name: str, convert: Callable[[Any], Any], value: Any) -> Any:
        """Apply a handler annotation's converter (UUID, date...) after validation."""
        try:
            return convert(value)
        except (TypeError, ValueError) as exc:
            location, field = self.locations.get(name, ("query", name))
            raise RequestValidationError(
                details=[
                    {"field": field, "location": location, "pointer": f"/{field}",
                     "message": f"Cannot be read as the handler expects: {exc}", "code": "format",
                     "value": value}
                ]
            ) from None

    def _convert_body(self, body: Any) -> Any:
        convert = self.binding.body_converter
        if convert is None or body is None:
            return body
        try:
            return convert(body)
        except (TypeError, ValueError) as exc:
            # NOTE: the schema already passed; this is the model disagreeing with the spec.
            raise RequestValidationError(
                "Body does not fit the handler's model",
                details=[detail("", str(exc).splitlines()[0], "model")],
            ) from exc


async def invoke(binding: Binding, kwargs: dict[str, Any]) -> Any:
    """Await an async handler; run a sync one in the thread pool with the current context."""
    if binding.is_async:
        return await binding.handler(**kwargs)
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    call = functools.partial(context.run, binding.handler, **kwargs)
    return await loop.run_in_executor(None, call)
