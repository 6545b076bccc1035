"""CovetApp: wires specs, handlers, code-first routes and middleware into one ASGI app.

Compiling produces an immutable :class:`Api` snapshot (router + endpoints). The app serves the
current snapshot; replacing it is one reference swap, so requests in flight finish on the old one.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from covet.asgi import Dispatcher, run_lifespan
from covet.binding import bind_handler, import_object, resolve_handler
from covet.config import ApiConfig, CovetConfig, MiddlewareEntry, config_from_mapping, load_config
from covet.endpoint import Endpoint, RouteEndpoint
from covet.errors import ConfigError, UsageError
from covet.middleware import BUILTIN_MIDDLEWARE
from covet.routing import CONVERTERS, Router
from covet.routing.template import parse_template
from covet.spec import SpecDocument, load_spec
from covet.spec._isolated import validate_isolated
from covet.spec.compiler import Operation, compile_operations
from covet.types import ASGIApp, Receive, Scope, Send

__all__ = ["Api", "CovetApp", "RouteInfo"]

Hook = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One row of the compiled route table (``covet routes``)."""

    method: str
    path: str
    operation_id: str | None
    handler: str
    source: str


@dataclass(frozen=True, slots=True)
class Api:
    """An immutable compiled snapshot: what one version of the specs serves."""

    router: Router
    routes: tuple[RouteInfo, ...]
    operations: tuple[Operation, ...]
    specs: tuple[SpecDocument, ...]
    compile_seconds: float
    files: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _CodeRoute:
    path: str
    methods: tuple[str, ...]
    handler: Callable[..., Any]


class CovetApp:
    """A spec-first ASGI 3.0 application.

    Args:
        config: the parsed covet.yaml (see :func:`covet.config.load_config`).
        compile_now: compile at construction (``False`` defers it to lifespan startup).

    Example:
        >>> app = CovetApp.from_config("specs/covet.yaml")   # doctest: +SKIP
        >>> # uvicorn covet_app:app
    """

    def __init__(self, config: CovetConfig, *, compile_now: bool = True) -> None:
        self.config = config
        self.providers: dict[str, Callable[[Any], Any]] = {}
        self.on_startup: list[Hook] = []
        self.on_shutdown: list[Hook] = []
        self._code_routes: list[_CodeRoute] = []
        self._extra_middleware: list[tuple[Callable[..., ASGIApp], dict[str, Any]]] = []
        self._api: Api | None = None
        self._dispatcher: Dispatcher | None = None
        self._chain: ASGIApp | None = None
        if compile_now:
            self.compile()

    @classmethod
    def from_config(
        cls, path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None, compile_now: bool = True
    ) -> CovetApp:
        """Load covet.yaml and build the app (compiled unless ``compile_now=False``)."""
        return cls(load_config(path, environ), compile_now=compile_now)

    @classmethod
    def from_spec(
        cls,
        spec: str | os.PathLike[str],
        handlers: str | None = None,
        *,
        prefix: str = "",
        compile_now: bool = True,
        **settings: Any,
    ) -> CovetApp:
        """One spec, one handlers module, settings as covet.yaml keys (``limits=...``)."""
        raw = {"apis": [{"spec": str(spec), "prefix": prefix, "handlers": handlers}], **settings}
        return cls(config_from_mapping(raw, base_dir=Path.cwd()), compile_now=compile_now)

    # -- building ---------------------------------------------------------------------------

    def route(
        self, path: str, methods: Iterable[str] = ("GET",)
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a code-first route (health, static files...) in the same trie.

        ``path`` uses ``{name}`` or ``{name:type}`` with types int, float, uuid, str, slug, path.
        """

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self._check_not_frozen("add a route")
            self._code_routes.append(_CodeRoute(path, tuple(m.upper() for m in methods), handler))
            return handler

        return register

    def add_middleware(self, middleware: Callable[..., ASGIApp], **options: Any) -> None:
        """Add a pure-ASGI middleware (outermost last), before the app is compiled."""
        self._check_not_frozen("add middleware")
        self._extra_middleware.append((middleware, options))

    def _check_not_frozen(self, what: str) -> None:
        if self._chain is not None:
            raise UsageError(f"cannot {what}: the app is already compiled; do it before compile()")

    def compile(self) -> Api:
        """Compile everything once (idempotent) and freeze the app.

        Raises:
            SpecError: any spec, config or binding problem, located.
        """
        if self._api is not None:
            return self._api
        api = self.build_api()
        self._api = api
        self._dispatcher = Dispatcher(api.router)
        self._chain = self._build_chain(self._dispatcher)
        return api

    def build_api(self) -> Api:
        """Compile a fresh snapshot from the current files (used by compile and reload)."""
        started = time.perf_counter()
        _extend_sys_path(self.config)
        router = Router()
        routes: list[RouteInfo] = []
        operations: list[Operation] = []
        specs: list[SpecDocument] = []
        for api_config in self.config.apis:
            spec = self._load_spec(str(api_config.spec))
            specs.append(spec)
            for operation in compile_operations(
                spec, prefix=api_config.prefix, validate_responses=self._validates_responses()
            ):
                endpoint, qualname = self._bind(operation, api_config)
                router.add(
                    operation.path, operation.method, endpoint, file=operation.file, pointer=operation.pointer
                )
                routes.append(
                    RouteInfo(operation.method, operation.path, operation.operation_id, qualname, operation.location)
                )
                operations.append(operation)
        for code_route in self._code_routes:
            self._add_code_route(router, code_route, routes)
        router.freeze()
        files = tuple(sorted({f for spec in specs for f in spec.files}))
        return Api(
            router, tuple(routes), tuple(operations), tuple(specs), time.perf_counter() - started, files
        )

    def _load_spec(self, path: str) -> SpecDocument:
        mode = self.config.spec_validation
        spec = load_spec(path, validate=mode == "inline")
        if mode == "isolated":
            validate_isolated(path)
        return spec

    def _validates_responses(self) -> bool:
        return self.config.validate_responses or any(
            op.validate_response for op in self.config.operations.values()
        )

    def _bind(self, operation: Operation, api_config: ApiConfig) -> tuple[Endpoint, str]:
        op_config = self.config.operations.get(operation.operation_id or "")
        handler, qualname = resolve_handler(
            operation, api_config.handlers, op_config.handler if op_config else None
        )
        required = {spec[0]: spec[3] for spec in operation.parameters.specs}
        binding = bind_handler(
            handler,
            qualname,
            parameters=required,
            has_body=operation.request_body is not None,
            providers=self.providers,
            where=(operation.file, operation.pointer),
            label=operation.label,
        )
        max_body = self.config.limits.max_body_size
        validate_response = self.config.validate_responses
        if op_config is not None:
            max_body = op_config.max_body_size or max_body
            if op_config.validate_response is not None:
                validate_response = op_config.validate_response
        endpoint = Endpoint(
            operation,
            binding,
            max_body_size=max_body,
            max_depth=self.config.limits.max_depth,
            validate_response=validate_response,
            providers=self.providers,
        )
        return endpoint, qualname

    def _add_code_route(self, router: Router, route: _CodeRoute, routes: list[RouteInfo]) -> None:
        template = parse_template(route.path, CONVERTERS, file="<app.route>", pointer=route.path)
        qualname = f"{route.handler.__module__}:{route.handler.__qualname__}"
        binding = bind_handler(
            route.handler,
            qualname,
            parameters={name: True for name in template.param_types},
            has_body=False,
            providers=self.providers,
            label=route.path,
        )
        converters = {name: CONVERTERS[kind].convert for name, kind in template.param_types.items()}
        endpoint = RouteEndpoint(
            route.path, binding, converters,
            max_body_size=self.config.limits.max_body_size, providers=self.providers,
        )
        for method in route.methods:
            router.add(route.path, method, endpoint, file="<app.route>", pointer=route.path)
            routes.append(RouteInfo(method, route.path, None, qualname, "<app.route>"))

    def _build_chain(self, inner: ASGIApp) -> ASGIApp:
        app = inner
        entries = list(self.config.middleware)
        names = {entry.name for entry in entries}
        if self.config.server.access_log and "access_log" not in names:
            entries.append(MiddlewareEntry(name="access_log"))
        for factory, options in self._extra_middleware:
            app = factory(app, **options)
        for entry in reversed(entries):
            app = _middleware_factory(entry)(app, **entry.options)
        return app

    # -- serving ----------------------------------------------------------------------------

    @property
    def api(self) -> Api:
        """The snapshot being served."""
        return self.compile()

    def swap(self, api: Api) -> None:
        """Serve ``api`` from now on; requests already routed finish on the old snapshot."""
        self.compile()
        assert self._dispatcher is not None
        self._api = api
        self._dispatcher.router = api.router

    async def startup(self) -> None:
        self.compile()
        for hook in self.on_startup:
            await hook()

    async def shutdown(self) -> None:
        for hook in reversed(self.on_shutdown):
            await hook()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chain = self._chain
        if scope["type"] == "lifespan":
            await run_lifespan(receive, send, self.startup, self.shutdown)
            return
        if chain is None:
            self.compile()
            chain = self._chain
            assert chain is not None
        await chain(scope, receive, send)


def _middleware_factory(entry: MiddlewareEntry) -> Callable[..., ASGIApp]:
    builtin = BUILTIN_MIDDLEWARE.get(entry.name)
    if builtin is not None:
        return builtin
    if ":" not in entry.name:
        raise ConfigError(
            f"unknown middleware {entry.name!r}; built-ins are {', '.join(sorted(BUILTIN_MIDDLEWARE))}, "
            "or give 'package.module:Class'",
            pointer="/middleware",
        )
    try:
        factory = import_object(entry.name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot import middleware {entry.name!r}: {exc}", pointer="/middleware") from exc
    if not callable(factory):
        raise ConfigError(f"middleware {entry.name!r} is not callable", pointer="/middleware")
    return factory  # type: ignore[no-any-return]


def _extend_sys_path(config: CovetConfig) -> None:
    """Handler modules import from the config's directory, ``pythonpath`` entries and cwd."""
    entries: Sequence[Path] = [*config.pythonpath, config.root]
    for entry in reversed(entries):
        text = str(entry)
        if text not in sys.path:
            sys.path.insert(0, text)

