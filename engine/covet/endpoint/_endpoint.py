"""A compiled operation at request time: run its steps, decode, validate, inject, call, respond.

Built once per operation at startup from an ``Operation`` (what the spec says), a ``Binding``
(what the handler takes) and the operation's steps (security, rate limit, cache: DESIGN.md §12).
``__call__`` only runs what was decided then; an operation without steps is a plain
:class:`Endpoint` and pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from covet.binding import Binding
from covet.checks import Check
from covet.endpoint._arguments import Arguments, invoke
from covet.endpoint._body import STOP_CODES, BodyReader, validation_error
from covet.endpoint._respond import Responder
from covet.endpoint._scopes import ProviderScopes, scoped_names
from covet.endpoint._steps import Context, Step
from covet.errors import HTTPError
from covet.providers.base import Provider
from covet.request import Request
from covet.response import Response
from covet.spec.compiler import Operation

__all__ = ["Endpoint", "RouteEndpoint", "SteppedEndpoint", "make_endpoint"]

_EMPTY: Mapping[str, Any] = {}


class Endpoint:
    """The request-time twin of one :class:`Operation` that has no steps."""

    __slots__ = (
        "arguments",
        "binding",
        "body",
        "label",
        "max_body_size",
        "needs_cookies",
        "needs_headers",
        "needs_query",
        "operation",
        "operation_id",
        "parameters",
        "respond",
        "scopes",
        "template",
    )

    def __init__(
        self,
        operation: Operation,
        binding: Binding,
        *,
        max_body_size: int,
        validate_response: bool = False,
        providers: Mapping[str, Provider] | None = None,
        checks: tuple[Check, ...] = (),
    ) -> None:
        self.operation = operation
        self.binding = binding
        self.label = operation.label
        self.template = operation.path
        """The route template as routed (the api's prefix included), e.g. ``/users/{id}``."""
        self.operation_id = operation.operation_id
        specs = operation.parameters.specs
        self.parameters = operation.parameters if specs else None
        locations = {spec[1] for spec in specs}
        self.needs_query = "query" in locations
        self.needs_headers = "header" in locations
        self.needs_cookies = "cookie" in locations
        self.max_body_size = max_body_size
        body = operation.request_body
        self.body = None if body is None else BodyReader(body)
        self.arguments = Arguments(binding, {spec[0]: (spec[1], spec[2]) for spec in specs})
        self.respond = Responder(
            operation.responses, operation.default_status,
            qualname=binding.qualname, label=operation.label, validate=validate_response,
        )
        names = scoped_names(binding, checks)
        self.scopes = ProviderScopes(names, providers or {}, checks) if names or checks else None

    async def serve(self, request: Request, ctx: Context | None = None) -> Response:
        """Decode and validate everything, then call the handler (inside its provider scopes)."""
        errors: list[dict[str, Any]] = []
        values: dict[str, Any]
        if self.parameters is not None:
            values, errors = self.parameters.decode(
                request.path_params,
                request.query if self.needs_query else _EMPTY,
                request.headers if self.needs_headers else _EMPTY,
                request.cookies if self.needs_cookies else _EMPTY,
            )
        else:
            values = {}
        body: Any = None
        if self.body is not None:
            body = await self.body.read(request, errors)
        scopes = self.scopes
        # NOTE: with errors, only body checks still run (so their findings are reported with
        # the rest), and only when the body could be read at all.
        if errors and (
            scopes is None or not scopes.checks or any(e.get("code") in STOP_CODES for e in errors)
        ):
            raise validation_error(errors)
        if scopes is None:
            kwargs = self.arguments(values, body, request, ctx)
            binding = self.binding
            # PERF: an async handler is awaited here, without invoke()'s coroutine around it.
            if binding.is_async:
                return self.respond(await binding.handler(**kwargs), request)
            return self.respond(await invoke(binding, kwargs), request)

        async def call(provided: dict[str, Any]) -> Response:
            kwargs = self.arguments(values, body, request, ctx)
            for arg, name in self.binding.providers:
                kwargs[arg] = provided[name]
            return self.respond(await invoke(self.binding, kwargs), request)

        return await scopes.run(request, body, errors, call)

    # PERF: calling an endpoint without steps is serving it: no coroutine in between.
    __call__ = serve


class SteppedEndpoint(Endpoint):
    """An endpoint whose operation has steps (security, rate limit, cache) before the handler."""

    __slots__ = ("steps",)

    def __init__(self, operation: Operation, binding: Binding, *, steps: tuple[Step, ...],
                 **options: Any) -> None:
        super().__init__(operation, binding, **options)
        self.steps = steps

    async def __call__(self, request: Request, ctx: Context | None = None) -> Response:
        # NOTE: ``ctx`` is for the signature of Endpoint.__call__; the steps begin a new one.
        ctx = Context()
        request.context = ctx
        try:
            for step in self.steps:
                response = await step(request, ctx)
                if response is not None:
                    break
            else:
                response = await self.serve(request, ctx)
            for after in ctx.after:
                await after(request, response)
        except HTTPError as exc:
            if ctx.headers:
                for name, value in ctx.headers.items():
                    exc.headers.setdefault(name, value)
            raise
        finally:
            for done in ctx.done:
                await done()
        if ctx.headers:
            for name, value in ctx.headers.items():
                response.set_header(name, value)
        return response


def make_endpoint(
    operation: Operation, binding: Binding, *, steps: tuple[Step, ...] = (), **options: Any
) -> Endpoint:
    """The endpoint of ``operation``: a :class:`SteppedEndpoint` only when it has steps."""
    if steps:
        return SteppedEndpoint(operation, binding, steps=steps, **options)
    return Endpoint(operation, binding, **options)


class RouteEndpoint(Endpoint):
    """A code-first route (``app.route``): typed path parameters, same return conventions."""

    __slots__ = ("converters",)

    def __init__(
        self,
        template: str,
        binding: Binding,
        converters: Mapping[str, Callable[[str], Any]],
        *,
        max_body_size: int,
        providers: Mapping[str, Provider] | None = None,
    ) -> None:
        self.binding = binding
        self.label = self.template = template
        self.operation_id = None
        self.converters = tuple(converters.items())
        self.parameters = None
        self.needs_query = self.needs_headers = self.needs_cookies = False
        self.body = None
        self.max_body_size = max_body_size
        self.arguments = Arguments(binding)
        self.respond = Responder({}, 200, qualname=binding.qualname, label=template)
        names = scoped_names(binding, ())
        self.scopes = ProviderScopes(names, providers or {}, ()) if names else None

    async def __call__(self, request: Request, ctx: Context | None = None) -> Response:
        values: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        raw = request.path_params
        for name, convert in self.converters:
            try:
                values[name] = convert(raw[name])
            except ValueError as exc:
                errors.append(
                    {"field": name, "location": "path", "pointer": f"/{name}",
                     "message": str(exc), "code": "type", "value": raw[name]}
                )
        if errors:
            raise validation_error(errors)
        request.path_params = values
        return await self._call(dict(values), request)

    async def _call(self, values: dict[str, Any], request: Request) -> Response:
        scopes = self.scopes
        if scopes is None:
            return self.respond(await invoke(self.binding, self.arguments(values, None, request)), request)

        async def call(provided: dict[str, Any]) -> Response:
            kwargs = self.arguments(values, None, request)
            for arg, name in self.binding.providers:
                kwargs[arg] = provided[name]
            return self.respond(await invoke(self.binding, kwargs), request)

        return await scopes.run(request, None, [], call)
