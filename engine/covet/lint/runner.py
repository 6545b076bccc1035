"""``covet validate`` from Python: check a covet.yaml, or spec files, and return the findings.

    >>> from covet.lint import validate_config, validate_specs
    >>> findings = validate_config("specs/covet.yaml")               # doctest: +SKIP
    >>> findings = validate_specs(["openapi.yaml"], handlers="myapi.handlers")  # doctest: +SKIP

Nothing here builds the app: each spec is loaded and validated once, each operation compiled
once with the app's own compiler, each handlers module imported once, and every route goes
into one router, as ``CovetApp`` would do, but a problem becomes a finding instead of stopping.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from covet._problem import ProblemRenderer
from covet.error_bodies.conformance import ErrorBodyChecker
from covet.errors import ConfigError, RefResolutionError, RouteConflictError, SpecError
from covet.lint.body_rules import check_body_rules
from covet.lint.builtin_routes import BuiltinRoute, builtin_routes, health_routes
from covet.lint.collector import Collector
from covet.lint.error_bodies import check_error_bodies
from covet.lint.examples import ExampleChecker
from covet.lint.finding import Finding, sort_findings
from covet.lint.handlers import HandlerChecker
from covet.lint.loading import load_for_lint
from covet.lint.operations import check_operation, check_security, security_schemes
from covet.lint.rules import make_finding
from covet.lint.schemas import check_unused_schemas
from covet.lint.sites import OperationSite, compile_site, iter_sites
from covet.media import CodecRegistry, build_registry
from covet.routing import Router
from covet.spec import SpecDocument
from covet.spec._files import line_finder
from covet.spec._pointer import split_pointer
from covet.spec.cache import SpecCache, spec_cache_from_env
from covet.spec.compiler import Operation, escape_pointer
from covet.validation import SchemaCompiler

if TYPE_CHECKING:
    from covet.config import CovetConfig, OperationConfig

__all__ = ["validate_config", "validate_specs"]


def validate_specs(
    paths: Iterable[str | os.PathLike[str]],
    handlers: str | None = None,
    *,
    providers: Collection[str] = (),
    cache: bool = False,
) -> list[Finding]:
    """Check spec files; with ``handlers`` (a module name) also bind every operation.

    Args:
        paths: the root OpenAPI documents; together they are checked as one app (routes and
            operationIds must not clash across them).
        handlers: module searched for operationIds, imported with the current directory on
            ``sys.path``; None skips the handler checks.
        providers: provider names handlers may take (``db``, ``cache``...).
        cache: reuse the verdict of an unchanged spec from the spec cache (its default
            directory, or ``COVET_SPEC_CACHE``); see ``covet.spec.cache``.

    Returns:
        Every finding, sorted by file and line; ``[]`` when all is well.
    """
    run = _Run(providers, check_handlers=handlers is not None)
    run.cache = spec_cache_from_env() if cache else None
    if handlers is not None:
        _extend_sys_path([Path.cwd()])
        run.import_handlers(handlers)
    for path in paths:
        run.check_api(os.fspath(path), prefix="", module=handlers, overrides={})
    return sort_findings(run.out.findings)


def validate_config(
    path: str | os.PathLike[str],
    *,
    providers: Collection[str] = (),
    environ: Mapping[str, str] | None = None,
    cache: bool = False,
) -> list[Finding]:
    """Check a covet.yaml and everything it names: specs, handlers, per-operation settings.

    A config that cannot be read or parsed is one ``config-invalid`` finding. With ``cache``,
    an unchanged spec's verdict comes from the spec cache that covet.yaml's ``spec_cache:``
    configures.

    Returns:
        Every finding, sorted by file and line; ``[]`` when all is well.
    """
    from covet.config import load_config  # NOTE: pydantic (~0.1 s); bare specs never need it

    try:
        config = load_config(path, environ)
    except ConfigError as exc:
        return [_config_finding(exc, os.path.abspath(path))]
    config_file = str(Path(path).resolve())
    _extend_sys_path([*config.pythonpath, config.root])
    run = _Run({*providers, *_provider_names(config)}, check_handlers=True)
    run.auth = frozenset(config.auth)
    run.errors = _error_renderer(config, run.out, config_file)
    run.codecs = _codecs(config, run.out, config_file)
    if cache:
        settings = config.spec_cache
        run.cache = spec_cache_from_env(
            settings.directory, enabled=settings.enabled, context=settings.source_digest.encode()
        )
    run.operations, run.config_file = config.operations, config_file
    _check_settings(config, run.out, config_file)
    overrides = {key: op.handler for key, op in config.operations.items()}
    for index, api in enumerate(config.apis):
        if api.handlers:
            run.import_handlers(api.handlers, config_file, f"/apis/{index}/handlers")
        run.check_api(str(api.spec), prefix=api.prefix, module=api.handlers, overrides=overrides)
        for route in builtin_routes(config, index):
            run.add_builtin_route(route, config_file)
    for health in health_routes(config):
        run.add_builtin_route(health, config_file)
    run.check_configured_operations(config, config_file)
    return sort_findings(run.out.findings)


@dataclass(frozen=True, slots=True)
class _Mount:
    """One api being checked: its document, how it is mounted, what its checks share."""

    doc: SpecDocument
    trusted: bool
    prefix: str
    module: str | None
    overrides: Mapping[str, str | None]
    compiler: SchemaCompiler
    schemes: frozenset[str]
    errors: ErrorBodyChecker | None = None
    ids: dict[str, OperationSite] = field(default_factory=dict)


class _Run:
    """State shared by every spec of one run: the router, operationIds, imported modules.

    NOTE: operationIds must be unique within one document. Across documents they may repeat
    (v1 and v2 side by side usually share them); covet.yaml ``operations.<id>`` then applies
    to each.
    """

    def __init__(self, providers: Collection[str], *, check_handlers: bool) -> None:
        self.out = Collector()
        self.router = Router()
        self.operation_ids: set[str] = set()
        self.handlers = HandlerChecker(providers) if check_handlers else None
        self.cache: SpecCache | None = None
        self.auth: Collection[str] | None = None
        """The schemes covet.yaml's ``auth:`` configures; None when checking bare specs."""
        self.operations: Mapping[str, OperationConfig] = {}
        self.config_file: str | None = None
        """covet.yaml's ``operations`` and path; empty and None when checking bare specs."""
        self.errors: ProblemRenderer | None = ProblemRenderer()
        """What renders error bodies (covet.yaml's ``errors:``); None when it cannot be built."""
        self.codecs: CodecRegistry | None = None
        """covet.yaml's codecs (``media.codecs``) and the built-ins; None: the built-ins."""

    def import_handlers(
        self, module: str, file: str | None = None, pointer: str | None = None
    ) -> None:
        if self.handlers is not None:
            line = _line_in(file, pointer) if file and pointer else None
            self.handlers.import_module(module, self.out, file=file, pointer=pointer, line=line)

    def check_api(
        self, path: str, *, prefix: str, module: str | None, overrides: Mapping[str, str | None]
    ) -> None:
        """Every check of one mounted spec; its routes join the run's router."""
        loaded = load_for_lint(path, self.out, self.cache)
        if loaded is None:
            return
        doc = loaded.doc
        compiler = SchemaCompiler(doc)
        checker = None if self.errors is None else ErrorBodyChecker(doc, compiler, self.errors)
        mount = _Mount(doc, loaded.trusted, prefix, module, overrides, compiler,
                       security_schemes(doc), checker)
        examples = ExampleChecker(doc, mount.compiler, self.out)
        with self._guard(mount):
            check_security(doc, doc.root.get("security"), doc.path, "", mount.schemes, self.out)
        with self._guard(mount):
            examples.check_components()
        for site in iter_sites(doc, self.out, trusted=mount.trusted):
            with self._guard(mount):
                self._check_id(mount, site)
                self.router.add(
                    prefix + site.template, site.method, site.label, file=site.file,
                    pointer=site.pointer,
                )
            with self._guard(mount):
                examples.check_site(site)
            with self._guard(mount):
                if check_operation(doc, site, mount.schemes, self.out):
                    self._compile_and_bind(mount, site)
        with self._guard(mount):
            check_unused_schemas(doc, self.out)

    def _guard(self, mount: _Mount) -> AbstractContextManager[None]:
        return self.out.guard(mount.doc, trusted=mount.trusted)

    def _check_id(self, mount: _Mount, site: OperationSite) -> None:
        """Record the operationId; a second use in the same document is a finding."""
        operation_id = site.op.get("operationId")
        if not operation_id:
            return
        operation_id = str(operation_id)
        self.operation_ids.add(operation_id)
        first = mount.ids.setdefault(operation_id, site)
        if first is site:
            return
        line = mount.doc.line_of(first.file, first.pointer)
        where = _relative_location(first.file, first.pointer, line, site.file)
        self.out.add(
            "operation-id-duplicate",
            f"operationId {operation_id!r} of {site.method.upper()} {site.template} is already "
            f"used by {first.method.upper()} {first.template} ({where}); give each operation "
            "its own operationId",
            file=site.file, pointer=site.pointer + "/operationId", doc=mount.doc,
        )

    def _compile_and_bind(self, mount: _Mount, site: OperationSite) -> None:
        try:
            operation = compile_site(mount.doc, mount.compiler, site, mount.prefix, self.codecs)
        except RefResolutionError as exc:
            if mount.trusted:  # NOTE: otherwise every broken $ref was reported while loading
                self.out.add_error(exc, doc=mount.doc)
            return
        if self.auth is not None:
            self._check_auth(mount, operation)
        check_body_rules(
            mount.doc, operation, self.out, op_config=self.operations.get(operation.operation_id or ""),
            config_file=self.config_file, line_of=_line_of_key,
        )
        if mount.errors is not None:
            check_error_bodies(mount.doc, operation, mount.errors, self.out)
        if self.handlers is not None:
            override = mount.overrides.get(operation.operation_id or "")
            self.handlers.check(mount.doc, operation, mount.module, override, self.out)

    def _check_auth(self, mount: _Mount, operation: Operation) -> None:
        """Every scheme an operation requires needs an ``auth:`` entry (else it would not start)."""
        assert self.auth is not None
        for index, alternative in enumerate(operation.security):
            for name, _scopes in alternative:
                if name in self.auth:
                    continue
                kind = operation.security_schemes[name].get("type", "?")
                self.out.add(
                    "security-scheme-unconfigured",
                    f"{operation.label} requires security scheme {name!r} ({kind}), which "
                    f"covet.yaml's auth: does not configure; CovetPy refuses to start rather than "
                    f"serve it unprotected: add auth.{name} (docs/security.md)",
                    file=operation.file if operation.security_pointer != "/security" else mount.doc.path,
                    pointer=f"{operation.security_pointer}/{index}/{escape_pointer(name)}",
                    doc=mount.doc,
                )

    def add_builtin_route(self, route: BuiltinRoute, file: str) -> None:
        """A docs or health route goes into the same router, in the order the app adds it."""
        try:
            self.router.add(route.path, "GET", route.pointer, file=file, pointer=route.pointer)
        except RouteConflictError as exc:
            self.out.add(
                "route-conflict",
                f"{exc.message} The built-in route comes from covet.yaml: {route.fix}",
                file=file, pointer=route.pointer, line=_line_of_key(file, route.pointer),
            )

    def check_configured_operations(self, config: CovetConfig, file: str) -> None:
        for operation_id in config.operations:
            if operation_id in self.operation_ids:
                continue
            pointer = "/operations/" + escape_pointer(operation_id)
            self.out.add(
                "config-operation-unknown",
                f"covet.yaml configures operation {operation_id!r}, but no spec has that "
                "operationId; fix the key or remove the entry",
                file=file, pointer=pointer, line=_line_in(file, pointer),
            )


def _check_settings(config: CovetConfig, out: Collector, config_file: str) -> None:
    """``settings:`` validates as the app will validate it at startup (covet.app_settings)."""
    if config.settings is None:
        return
    from covet.app_settings import build_settings

    try:
        build_settings(config.settings)
    except ConfigError as exc:
        line = _line_of_key(config_file, exc.pointer or "")  # a missing key: its parent's line
        out.add("config-invalid", exc.message, file=config_file, pointer=exc.pointer, line=line)


def _config_finding(exc: ConfigError, path: str) -> Finding:
    file = exc.file if exc.file and exc.file != "<config>" else path
    line = exc.line if exc.line is not None else _line_in(file, exc.pointer)
    return make_finding("config-invalid", exc.message, file=file, pointer=exc.pointer, line=line)


def _error_renderer(config: CovetConfig, out: Collector, file: str) -> ProblemRenderer | None:
    """The renderer the app would build from ``errors:``; a reference that does not import is
    a config-invalid finding (and no error body is checked)."""
    from covet.error_bodies.renderer import build_error_renderer

    try:
        return build_error_renderer(config.errors, config.limits.max_error_details)
    except ConfigError as exc:
        out.findings.append(_config_finding(exc, file))
        return None


def _codecs(config: CovetConfig, out: Collector, file: str) -> CodecRegistry | None:
    """The registry the app would build; a codec that does not import is config-invalid (the
    built-ins are used to check the specs then)."""
    limits = config.limits
    try:
        return build_registry(
            config.media.codecs, max_depth=limits.max_depth, strict_json=limits.strict_json,
            max_form_fields=limits.max_form_fields,
        )
    except ConfigError as exc:
        out.findings.append(_config_finding(exc, file))
        return None


def _relative_location(file: str, pointer: str, line: int | None, seen_from: str) -> str:
    """``line 12`` in the same file, else ``other.yaml:12`` relative to ``seen_from``."""
    if file == seen_from and line is not None:
        return f"line {line}"
    shown = os.path.relpath(file, os.path.dirname(seen_from))
    return f"{shown}:{line}" if line is not None else f"{shown}#{pointer}"


def _line_of_key(file: str, pointer: str) -> int | None:
    """The line of ``pointer`` in covet.yaml, or of its closest written parent (defaults)."""
    tokens = pointer.split("/")
    while len(tokens) > 1:
        line = _line_in(file, "/".join(tokens))
        if line is not None:
            return line
        tokens.pop()
    return None


def _provider_names(config: CovetConfig) -> set[str]:
    """What covet.yaml injects: databases (``default`` as ``db``), ``settings`` with a
    ``settings:`` section, and with ``tokens:`` or ``auth:`` the ``tokens`` and ``passwords``
    providers, as the app does."""
    names = {"db" if name == "default" else name for name in config.providers.database}
    if config.settings is not None:
        names.add("settings")
    if config.tokens.configured:
        names.add("tokens")
    if config.tokens.configured or config.auth:
        names.add("passwords")
    return names


def _line_in(file: str, pointer: str | None) -> int | None:
    """The line of ``pointer`` in any YAML/JSON file (covet.yaml included)."""
    if pointer is None:
        return None
    finder = line_finder(file)
    try:
        return None if finder is None else finder.line_of(split_pointer(pointer))
    except (ValueError, SpecError):
        return None


def _extend_sys_path(entries: Iterable[Path]) -> None:
    """Handler modules import as the app imports them (config directory, ``pythonpath``)."""
    for entry in reversed(list(entries)):
        text = str(entry)
        if text not in sys.path:
            sys.path.insert(0, text)
