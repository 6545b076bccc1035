"""CovetApp: wires specs, handlers, code-first routes and middleware into one ASGI app.

Compiling produces an immutable :class:`Api` snapshot (router + endpoints). The app serves the
current snapshot; replacing it is one reference swap, so requests in flight finish on the old one.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from covet._problem import ProblemRenderer
from covet.api import Api, CodeRoute, RouteInfo, build_api
from covet.asgi import Dispatcher, MiddlewareGuard, run_lifespan
from covet.binding import import_object
from covet.config import CovetConfig, MiddlewareEntry, config_from_mapping, load_config
from covet.errors import ConfigError, UsageError
from covet.health import Reporter, health_handler, live_handler
from covet.middleware import BUILTIN_MIDDLEWARE
from covet.middleware.access_log import REDACTED_QUERY, query_secrets
from covet.middleware.cors import CorsMiddleware, CorsPolicy
from covet.middleware.security_headers import SecurityHeadersMiddleware
from covet.middleware.trusted_hosts import TrustedHostsMiddleware, compile_trusted_hosts
from covet.providers.base import Provider
from covet.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from covet.observability.metrics import MetricsMiddleware

__all__ = ["Api", "CovetApp", "RouteInfo"]

Hook = Callable[[], Awaitable[None]]


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
        self._providers: list[Provider] = _configured_providers(config)
        self.on_startup: list[Hook] = []
        self.on_shutdown: list[Hook] = []
        self._code_routes: list[CodeRoute] = []
        self._extra_middleware: list[tuple[Callable[..., ASGIApp], dict[str, Any]]] = []
        self._api: Api | None = None
        self._dispatcher: Dispatcher | None = None
        self._chain: ASGIApp | None = None
        self._metrics: MetricsMiddleware | None = None
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
            self._code_routes.append(CodeRoute(path, tuple(m.upper() for m in methods), handler))
            return handler

        return register

    def add_provider(self, provider: Provider) -> None:
        """Inject ``provider``'s names into handlers; it is opened and closed with the app."""
        self._check_not_frozen("add a provider")
        self._providers.append(provider)

    @property
    def providers(self) -> dict[str, Provider]:
        """Injectable name -> the provider that supplies it."""
        return {name: provider for provider in self._providers for name in provider.names}

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
        limits = self.config.limits
        # NOTE: api.errors renders every error CovetPy raises (covet.yaml's errors:, built once
        # with the snapshot); the edge layers get the startup one, as they get its other settings.
        self._dispatcher = Dispatcher(api.router, api.errors, limits.max_query_params)
        self._chain = self._build_chain(self._dispatcher)
        return api

    def build_api(self, config: CovetConfig | None = None, *, spec_validation: str | None = None) -> Api:
        """Compile a fresh snapshot from the files as they are now (compile and hot reload).

        Args:
            config: compile this config instead of the app's (a candidate covet.yaml).
            spec_validation: override the config's ``spec_validation`` mode.
        """
        config = config or self.config
        routes = list(self._code_routes)
        health = config.health
        if health.path or health.ready:
            check = health_handler(self._providers, self._snapshot_reporters, health.timeout)
            for path in dict.fromkeys(p for p in (health.path, health.ready) if p):
                routes.append(CodeRoute(path, ("GET",), check))
        if health.live:
            routes.append(CodeRoute(health.live, ("GET",), live_handler()))
        return build_api(
            config, providers=self.providers, code_routes=routes, spec_validation=spec_validation
        )

    def _build_chain(self, inner: ASGIApp) -> ASGIApp:
        app = inner
        entries = list(self.config.middleware)
        names = {entry.name for entry in entries}
        if self.config.server.access_log and "access_log" not in names:
            entries.append(MiddlewareEntry(name="access_log"))
        for factory, options in self._extra_middleware:
            app = factory(app, **options)
        for entry in reversed(entries):
            options = dict(entry.options)
            if entry.name == "access_log" and "redact" not in options:
                # NOTE: API keys sent in the query string never reach the access log
                schemes = [s for op in self.api.operations for s in op.security_schemes.values()]
                options["redact"] = REDACTED_QUERY | query_secrets(schemes)
            app = _middleware_factory(entry)(app, **options)
        problems = self.api.errors
        if app is not inner:
            app = MiddlewareGuard(app, problems)
        return self._with_metrics(_edge_middleware(app, self.config, problems, inner))

    def _with_metrics(self, app: ASGIApp) -> ASGIApp:
        """The metrics layer, outermost (it times and sizes what the client gets), when on."""
        if not self.config.metrics.enabled:
            return app
        # NOTE: imported on demand: prometheus-client is an optional extra (covetpy[metrics])
        from covet.observability.metrics import MetricsMiddleware

        self._metrics = MetricsMiddleware(
            app, self.config.metrics, providers=lambda: self._providers, api=lambda: self._api
        )
        return self._metrics

    # -- serving ----------------------------------------------------------------------------

    @property
    def api(self) -> Api:
        """The snapshot being served."""
        return self.compile()

    def swap(self, api: Api, config: CovetConfig | None = None) -> None:
        """Serve ``api`` from now on; requests already routed finish on the old snapshot.

        ``config`` (what ``api`` was compiled from) replaces the app's settings too; the
        middleware chain and the server settings are not rebuilt.
        """
        self.compile()
        if self._dispatcher is None:  # pragma: no cover - compile() always sets it
            raise UsageError("the app has no dispatcher; compile() it first")
        if config is not None:
            self.config = config
            self._dispatcher.max_query_params = config.limits.max_query_params
        self._api = api
        self._dispatcher.problems = api.errors
        self._dispatcher.router = api.router

    def _snapshot_reporters(self) -> list[tuple[str, Reporter]]:
        """The serving snapshot's own backends for /health (its rate-limit store)."""
        return list(self._api.health) if self._api is not None else []

    async def startup(self) -> None:
        """Compile, open the providers, then run the ``on_startup`` hooks."""
        self.compile()
        for provider in self._providers:
            await provider.open()
        await self.api.warm_up()
        if self._metrics is not None:
            await self._metrics.start()
        for hook in self.on_startup:
            await hook()

    async def shutdown(self) -> None:
        """Run the ``on_shutdown`` hooks, then close the providers (last opened first)."""
        try:
            for hook in reversed(self.on_shutdown):
                await hook()
        finally:
            if self._metrics is not None:
                await self._metrics.stop()
            if self._api is not None:
                await self._api.shut_down()
            for provider in reversed(self._providers):
                await provider.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await run_lifespan(receive, send, self.startup, self.shutdown)
            return
        chain = self._chain or self._compiled_chain()
        await chain(scope, receive, send)

    def _compiled_chain(self) -> ASGIApp:
        self.compile()
        if self._chain is None:  # pragma: no cover - compile() always sets it
            raise UsageError("the app has no middleware chain; compile() it first")
        return self._chain


def _configured_providers(config: CovetConfig) -> list[Provider]:
    providers: list[Provider] = []
    databases = None
    if config.providers.database:
        # NOTE: imported on demand: SQLAlchemy is only loaded by apps that declare a database.
        from covet.providers.database import DatabaseProvider

        database = DatabaseProvider(config.providers.database)
        providers.append(database)
        databases = database.manager
    if config.providers.cache:
        from covet.providers.cache import CacheProvider

        providers.append(CacheProvider(config.providers.cache))
    if config.tokens.configured or config.auth:
        # NOTE: after the database, which a token store may live in (opened first, closed last)
        from covet.providers.tokens.provider import token_providers

        providers.extend(token_providers(config.tokens, config.passwords, databases))
    return providers


def _edge_middleware(
    app: ASGIApp, config: CovetConfig, problems: ProblemRenderer, dispatcher: ASGIApp
) -> ASGIApp:
    """Trusted hosts, then security headers, then compression, then CORS, around the guarded
    user middleware (compression outside CORS: a preflight's empty answer never reaches it).

    Each layer exists only when covet.yaml turns it on. NOTE: they sit outside the guard so a
    user middleware's 500 still carries the CORS and security headers; they raise nothing of
    their own (their refusals are problem responses). When the dispatcher is the only thing
    that sends responses, it adds the security headers itself (one layer less per request).
    """
    if any(api.cors is not None for api in config.apis):
        policies = [
            (api.prefix, None if api.cors is None else CorsPolicy.compile(api.cors))
            for api in config.apis
        ]
        app = CorsMiddleware(app, policies, problems)
    if config.compression is not None and config.compression.enabled:
        from covet.middleware.compression import CompressionMiddleware

        app = CompressionMiddleware(app, config.compression, problems, config.limits.max_body_size)
    headers = config.security_headers.encoded()
    if headers and app is dispatcher and isinstance(dispatcher, Dispatcher):
        dispatcher.add_headers(headers)
    elif headers:
        app = SecurityHeadersMiddleware(app, headers)
    hosts = None if config.trusted_hosts is None else compile_trusted_hosts(config.trusted_hosts)
    if hosts is not None:
        app = TrustedHostsMiddleware(app, *hosts, problems)
    return app


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

