"""The compiled snapshot an app serves, and how one is built from a config.

``build_api`` loads every mounted spec, compiles its operations, binds each to its handler and
puts everything into one frozen router. It reads the files afresh each time, so hot reload calls
it again (off the event loop) and swaps the result in.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from covet._problem import ProblemRenderer
from covet.app_settings import with_settings
from covet.binding import bind_handler, bind_operation, resolve_handler
from covet.caching.step import cache_step
from covet.checks import build_checks
from covet.config import ApiConfig, CovetConfig
from covet.docs.error_responses import limited_operations
from covet.docs.routes import SOURCE as DOCS_SOURCE
from covet.docs.routes import add_docs_routes
from covet.endpoint import (
    STEP_ORDER,
    Endpoint,
    RouteEndpoint,
    Step,
    StepFactory,
    StepSetup,
    make_endpoint,
)
from covet.error_bodies.conformance import ErrorBodyChecker, Mismatch, log_mismatches
from covet.error_bodies.renderer import build_error_renderer
from covet.errors import ProviderError
from covet.limits.step import rate_limit_step
from covet.media import CodecRegistry, build_registry
from covet.providers.base import HealthReport, Provider
from covet.routing import CONVERTERS, Router
from covet.routing.template import parse_template
from covet.security.step import openers as security_openers
from covet.security.step import security_step
from covet.spec import SpecDocument, load_spec
from covet.spec._isolated import validate_isolated
from covet.spec.cache import SpecCache, spec_cache_from_env
from covet.spec.compiler import Operation, compile_operations
from covet.strict_query import strict_query_step
from covet.validation import SchemaCompiler

logger = logging.getLogger("covet.api")

__all__ = ["STEP_FACTORIES", "Api", "CodeRoute", "RouteInfo", "build_api"]

STEP_FACTORIES: tuple[tuple[str, StepFactory], ...] = (
    ("security", security_step),
    ("rate_limit", rate_limit_step),
    ("strict_query", strict_query_step),
    ("cache", cache_step),
)
"""(kind, factory) for every kind of per-operation step, in :data:`STEP_ORDER`."""

@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One row of the compiled route table (``covet routes``)."""

    method: str
    path: str
    operation_id: str | None
    handler: str
    source: str


@dataclass(frozen=True, slots=True)
class CodeRoute:
    """A route registered in Python with ``CovetApp.route``."""

    path: str
    methods: tuple[str, ...]
    handler: Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Api:
    """An immutable compiled snapshot: what one version of the specs serves."""

    router: Router
    routes: tuple[RouteInfo, ...]
    operations: tuple[Operation, ...]
    specs: tuple[SpecDocument, ...]
    compile_seconds: float
    files: tuple[str, ...] = ()
    """Every spec file the snapshot was compiled from (roots and ``$ref``'d files)."""
    warm: tuple[Callable[[], Awaitable[None]], ...] = ()
    """Fetches to make before serving (an OIDC discovery document, a JWKS)."""

    close: tuple[Callable[[], Awaitable[None]], ...] = ()
    """What to release at shutdown (a rate-limit store's Redis connections)."""
    errors: ProblemRenderer = field(default_factory=ProblemRenderer)
    """Renders every error of this snapshot as covet.yaml's ``errors:`` says (covet.error_bodies)."""
    health: tuple[tuple[str, Callable[[], Awaitable[list[HealthReport]]]], ...] = ()
    """This snapshot's own backends for ``/health/ready`` (its rate-limit store)."""

    async def shut_down(self) -> None:
        """Run every :attr:`close`, each even when one before it fails."""
        for close in self.close:
            try:
                await close()
            except Exception as exc:  # noqa: BLE001 - shutdown goes on
                logger.warning("closing %s failed: %s", close, exc)

    async def warm_up(self) -> None:
        """Make the :attr:`warm` fetches; one that fails is logged and retried on first use."""
        for fetch in self.warm:
            try:
                await fetch()
            except ProviderError as exc:
                logger.warning("startup fetch failed, retried on first use: %s", exc)

    @property
    def handler_modules(self) -> tuple[str, ...]:
        """The modules the bound handlers live in, sorted."""
        return tuple(sorted({r.handler.partition(":")[0] for r in self.routes if ":" in r.handler}))


def build_api(
    config: CovetConfig,
    *,
    providers: Mapping[str, Provider] | None = None,
    code_routes: Sequence[CodeRoute] = (),
    spec_validation: str | None = None,
) -> Api:
    """Compile a fresh snapshot of ``config``.

    Args:
        providers: injectable names -> per-request factories.
        code_routes: routes added in Python, compiled into the same router.
        spec_validation: overrides ``config.spec_validation`` (hot reload validates inline).

    Raises:
        SpecError: any spec, binding or route problem, with file and JSON pointer.
    """
    builder = _Builder(config, providers or {}, spec_validation or config.spec_validation)
    # PERF: compiling allocates many long-lived objects, which triggers repeated cyclic-GC passes
    # over a growing heap; pausing the collector meanwhile makes a 200-operation build ~40%
    # faster (bench/reload_bench.py). Nothing here creates garbage cycles worth collecting early.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return builder.build(code_routes)
    finally:
        if collecting:
            gc.enable()


class _Builder:
    def __init__(self, config: CovetConfig, providers: Mapping[str, Provider], validation: str) -> None:
        self.config = config
        self.providers = providers
        self.validation = validation
        self.router = Router()
        self.routes: list[RouteInfo] = []
        self.shared: dict[str, Any] = {}

    def build(self, code_routes: Sequence[CodeRoute]) -> Api:
        started = time.perf_counter()
        extend_sys_path(self.config)
        self.providers = with_settings(self.config.settings, self.providers)
        errors = build_error_renderer(
            self.config.errors, self.config.limits.max_error_details,
            check_responses=self.validates_responses(),
        )
        codecs = registry_of(self.config)
        operations: list[Operation] = []
        specs: list[SpecDocument] = []
        mismatches: list[Mismatch] = []
        for api_config in self.config.apis:
            spec = self.load_spec(str(api_config.spec))
            specs.append(spec)
            compiler = SchemaCompiler(spec)
            compiled = compile_operations(
                spec, prefix=api_config.prefix, validate_responses=self.validates_responses(),
                compiler=compiler, codecs=codecs,
            )
            for operation in compiled:
                self.add_operation(operation, api_config)
                operations.append(operation)
            if self.config.errors.check:
                checker = ErrorBodyChecker(spec, compiler, errors)
                mismatches.extend(m for op in compiled for m in checker.check(op))
            self.add_docs_routes(api_config, spec)
        log_mismatches(mismatches)
        for code_route in code_routes:
            self.add_code_route(code_route)
        self.router.freeze()
        files = tuple(sorted({f for spec in specs for f in spec.files}))
        elapsed = time.perf_counter() - started
        return Api(
            self.router, tuple(self.routes), tuple(operations), tuple(specs), elapsed, files,
            tuple(security_openers(self.shared)), tuple(self.closers()), errors,
            tuple(self.reporters()),
        )

    def reporters(self) -> list[tuple[str, Callable[[], Awaitable[list[HealthReport]]]]]:
        limiter = self.shared.get("rate_limit")
        return [("rate_limits", limiter.health)] if limiter is not None else []

    def closers(self) -> list[Callable[[], Awaitable[None]]]:
        limiter = self.shared.get("rate_limit")
        return [limiter.close] if limiter is not None else []

    def load_spec(self, path: str) -> SpecDocument:
        """Load (and validate, as configured) one spec; an unchanged one comes from the cache."""
        cache = self.spec_cache()
        if self.validation != "isolated":
            return load_spec(path, validate=self.validation == "inline", cache=cache)
        cached = None if cache is None else cache.load(os.path.abspath(path))
        if cached is not None and cached.validated:
            return cached.doc
        spec = cached.doc if cached is not None else load_spec(path, validate=False)
        if validate_isolated(path) == dict(spec.digests) and cache is not None:
            cache.store(spec, validated=True)  # NOTE: only if the child validated these bytes
        return spec

    def spec_cache(self) -> SpecCache | None:
        settings = self.config.spec_cache
        context = settings.source_digest.encode()
        return spec_cache_from_env(settings.directory, enabled=settings.enabled, context=context)

    def validates_responses(self) -> bool:
        return self.config.validate_responses or any(
            op.validate_response for op in self.config.operations.values()
        )

    def add_operation(self, operation: Operation, api_config: ApiConfig) -> None:
        endpoint, qualname = self.bind(operation, api_config)
        self.router.add(
            operation.path, operation.method, endpoint, file=operation.file, pointer=operation.pointer
        )
        self.routes.append(
            RouteInfo(operation.method, operation.path, operation.operation_id, qualname, operation.location)
        )

    def bind(self, operation: Operation, api_config: ApiConfig) -> tuple[Endpoint, str]:
        op_config = self.config.operations.get(operation.operation_id or "")
        handler, qualname = resolve_handler(
            operation, api_config.handlers, op_config.handler if op_config else None
        )
        binding = bind_operation(operation, handler, qualname, providers=self.providers)
        max_body = self.config.limits.max_body_size
        validate_response = self.config.validate_responses
        if op_config is not None:
            max_body = op_config.max_body_size or max_body
            if op_config.validate_response is not None:
                validate_response = op_config.validate_response
        body = operation.request_body
        rules = tuple(dict.fromkeys(rule for media in (body.media if body else ()) for rule in media.rules))
        checks = build_checks(
            rules, self.config, providers=self.providers, operation_id=operation.operation_id,
            body=body, label=operation.label,
        )
        setup = StepSetup(
            operation, binding, self.config, api_config, op_config, self.providers, self.shared
        )
        endpoint = make_endpoint(
            operation,
            binding,
            steps=compile_steps(setup),
            max_body_size=max_body,
            validate_response=validate_response,
            providers=self.providers,
            checks=checks,
        )
        return endpoint, qualname

    def add_docs_routes(self, api_config: ApiConfig, spec: SpecDocument) -> None:
        """The bundled spec, Swagger UI and ReDoc of one api (covet.docs, docs/docs-ui.md)."""
        where = f"/apis/{self.config.apis.index(api_config)}/docs"
        routes = add_docs_routes(
            self.router, spec, api_config.prefix, api_config.docs, where=where,
            error_responses=api_config.error_responses, limited=limited_operations(self.config),
            problem_bodies=not self.config.errors.custom,
        )
        for route in routes:
            self.routes.append(RouteInfo("GET", route.path, None, route.handler, DOCS_SOURCE))

    def add_code_route(self, route: CodeRoute) -> None:
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
            self.router.add(route.path, method, endpoint, file="<app.route>", pointer=route.path)
            self.routes.append(RouteInfo(method, route.path, None, qualname, "<app.route>"))


def compile_steps(setup: StepSetup) -> tuple[Step, ...]:
    """The steps one operation runs before its handler, in :data:`STEP_ORDER`."""
    steps = []
    for kind, factory in sorted(STEP_FACTORIES, key=lambda entry: STEP_ORDER.index(entry[0])):
        step = factory(setup)
        if step is not None:
            if step.kind != kind:
                raise TypeError(f"the {kind} step factory built a {step.kind!r} step")
            steps.append(step)
    return tuple(steps)


def registry_of(config: CovetConfig) -> CodecRegistry:
    """The app's codecs: covet.yaml's ``media.codecs`` and the built-ins under its ``limits``."""
    limits = config.limits
    return build_registry(
        config.media.codecs, max_depth=limits.max_depth, strict_json=limits.strict_json,
        max_form_fields=limits.max_form_fields,
    )


def extend_sys_path(config: CovetConfig) -> None:
    """Handler modules import from the config's directory and its ``pythonpath`` entries."""
    entries: Sequence[Path] = [*config.pythonpath, config.root]
    for entry in reversed(entries):
        text = str(entry)
        if text not in sys.path:
            sys.path.insert(0, text)
