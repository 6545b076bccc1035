"""covet.yaml: parsed once into frozen, typed settings.

    apis:
      - spec: openapi.yaml        # relative to covet.yaml
        prefix: /v1
        handlers: handlers.blog   # module searched for operationIds
        docs: {redoc: false}      # /v1/openapi.json, /v1/openapi.yaml, /v1/docs (see docs/docs-ui.md)
    server: {host: 127.0.0.1, port: 8000, workers: 1, access_log: true}
    limits: {max_body_size: 1MiB, max_depth: 64}
    middleware: [request_id, access_log, {"mypkg.mw:Timing": {header: X-Time}}]
    operations:
      createUser: {max_body_size: 64KiB}

Values may use ``${VAR}``, ``${VAR:-default}`` and ``${file:/run/secrets/x}``. The environment is
read here and nowhere else.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from covet._settings import Settings
from covet.app_settings import SettingsConfig
from covet.caching.settings import CachingSettings, OperationCacheSettings
from covet.error_bodies.settings import ErrorsSettings
from covet.errors import ConfigError
from covet.limits.policy import parse_policy
from covet.limits.settings import RateLimitSettings
from covet.media.settings import MediaSettings
from covet.middleware.compression import CompressionSettings
from covet.middleware.cors import CorsSettings
from covet.middleware.security_headers import SecurityHeadersSettings
from covet.observability.settings import MetricsSettings
from covet.providers.cache.settings import CacheSettings
from covet.security.passwords import PasswordSettings
from covet.security.settings import SchemeSettings
from covet.security.tokens import TokenSettings
from covet.spec.settings import SpecCacheSettings

__all__ = [
    "ApiConfig",
    "CovetConfig",
    "DatabaseConfig",
    "DocsConfig",
    "HealthConfig",
    "LimitsConfig",
    "MiddlewareEntry",
    "OperationConfig",
    "ProvidersConfig",
    "ServerConfig",
    "UniqueConfig",
    "load_config",
    "parse_duration",
    "parse_size",
]

_VAR = re.compile(r"\$\{([^}:]+?)(?::-([^}]*))?\}")
_FILE_VAR = re.compile(r"\$\{file:([^}]+)\}")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "kib": 1024, "ki": 1024,
    "m": 1000**2, "mb": 1000**2, "mib": 1024**2, "mi": 1024**2,
    "g": 1000**3, "gb": 1000**3, "gib": 1024**3, "gi": 1024**3,
}


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$", re.IGNORECASE)
_SECONDS = {"": 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: float | str) -> float:
    """``500ms`` -> 0.5, ``10s`` -> 10.0, ``2m`` -> 120.0, ``3`` -> 3.0 (seconds)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a duration; write e.g. 500ms, 10s, 2m")
    number, unit = match.groups()
    return float(number) * _SECONDS[(unit or "").lower()]


def parse_size(value: int | str) -> int:
    """``1MiB`` -> 1048576, ``64kb`` -> 64000, ``512`` -> 512."""
    if isinstance(value, int):
        return value
    match = _SIZE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a size; write e.g. 512, 64KiB, 1MiB")
    number, unit = match.groups()
    return int(float(number) * _UNITS[(unit or "").lower()])


_Frozen = Settings


_DOCS_DEFAULTS = {
    "openapi_json": "openapi.json",
    "openapi_yaml": "openapi.yaml",
    "swagger_ui": "docs",
    "redoc": "redoc",
}
_DOCS_SEGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+")


class DocsConfig(_Frozen):
    """Where one api serves its bundled spec and documentation pages (docs/docs-ui.md).

    Each value is a path relative to the api's prefix (``docs``, ``/swagger``, ``api/docs``;
    ``""`` is the prefix itself), ``true`` for the default, or ``false`` to turn it off.
    """

    openapi_json: str | None = _DOCS_DEFAULTS["openapi_json"]
    openapi_yaml: str | None = _DOCS_DEFAULTS["openapi_yaml"]
    swagger_ui: str | None = _DOCS_DEFAULTS["swagger_ui"]
    redoc: str | None = _DOCS_DEFAULTS["redoc"]

    @field_validator("openapi_json", "openapi_yaml", "swagger_ui", "redoc", mode="before")
    @classmethod
    def _path_or_off(cls, value: Any, info: ValidationInfo) -> Any:
        if value is True:
            return _DOCS_DEFAULTS[str(info.field_name)]
        if value is False or value is None:
            return None
        if not isinstance(value, str):
            return value
        path = value.strip("/")
        segments = path.split("/") if path else []
        if not all(_DOCS_SEGMENT.fullmatch(s) and s not in (".", "..") for s in segments):
            raise ValueError(
                f"{value!r} is not a docs path; write a plain path such as 'docs' or 'api/docs' "
                "(no templates, '..', query or fragment), or false to turn it off"
            )
        return path

    @model_validator(mode="after")
    def _pages_need_a_spec(self) -> DocsConfig:
        if (self.swagger_ui is not None or self.redoc is not None) and (
            self.openapi_json is None and self.openapi_yaml is None
        ):
            raise ValueError(
                "swagger_ui and redoc load the spec from openapi_json or openapi_yaml; "
                "keep one of them on, or turn the pages off too"
            )
        return self


class ApiConfig(_Frozen):
    """One OpenAPI document mounted under a prefix."""

    spec: Path
    prefix: str = ""
    handlers: str | None = None
    docs: DocsConfig = DocsConfig()
    error_responses: bool = True
    """Add to the served spec the error responses CovetPy itself can answer for each operation
    (400, 413, 415, 422, 503...), unless the operation declares them."""
    cors: CorsSettings | None = None
    """Cross-origin requests to this api's prefix (docs/security.md); none allowed when unset."""
    strict_query: bool = False
    """A query parameter an operation does not declare is a 400 (covet.strict_query)."""

    @field_validator("docs", mode="before")
    @classmethod
    def _docs_switch(cls, value: Any) -> Any:
        if value is False or value is None:
            return dict.fromkeys(_DOCS_DEFAULTS)
        return {} if value is True else value

    @field_validator("prefix")
    @classmethod
    def _prefix_shape(cls, value: str) -> str:
        value = value.rstrip("/")
        if value and not value.startswith("/"):
            raise ValueError(f"prefix {value!r} must start with '/' (e.g. /v1) or be empty")
        return value


class ServerConfig(_Frozen):
    """How ``covet run`` serves: the socket, workers, and the limits every client is held to.

    Durations are seconds (``10``) or ``500ms``/``10s``/``2m``; sizes are bytes or ``16KiB``.
    See docs/cli/run.md for what each limit answers when a client passes it.
    """

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1)
    access_log: bool = True
    log_level: str = "info"
    log_format: Literal["text", "json"] = "text"
    """``json``: one JSON object per line for the access log and every covet.* logger
    (docs/observability.md)."""
    head_timeout: float = Field(default=10.0, gt=0)
    """Seconds a client has to send a whole request head (line and headers), then 408."""
    body_timeout: float = Field(default=30.0, gt=0)
    """Seconds a client has to send the whole body once the head is in, then 408."""
    keep_alive_timeout: float = Field(default=5.0, gt=0)
    """Seconds an idle keep-alive connection is held open between requests."""
    max_header_size: int = Field(default=16 * 1024, ge=1024)
    """Bytes of the request head (line and headers) at most, then 431."""
    max_headers: int = Field(default=100, ge=1)
    """Header fields per request at most, then 431."""
    max_concurrency: int | None = Field(default=1000, ge=1)
    """Connections and requests served at once, past which new ones get 503; null: no limit."""
    shutdown_timeout: float = Field(default=10.0, gt=0)
    """Seconds a graceful shutdown waits for requests in flight before closing connections."""

    @field_validator(
        "head_timeout", "body_timeout", "keep_alive_timeout", "shutdown_timeout", mode="before"
    )
    @classmethod
    def _duration(cls, value: float | str) -> float:
        return parse_duration(value)

    @field_validator("max_header_size", mode="before")
    @classmethod
    def _size(cls, value: int | str) -> int:
        return parse_size(value)


class LimitsConfig(_Frozen):
    """Request limits; operations may override ``max_body_size``."""

    max_body_size: int = 1024 * 1024
    max_depth: int = Field(default=64, ge=1)
    """Nesting of a JSON body or a deepObject parameter at most (code ``maxDepth``)."""
    max_query_params: int = Field(default=1000, ge=1)
    """Query parameters (name=value pairs) per request at most, then 400."""
    max_form_fields: int = Field(default=1000, ge=1)
    """Fields of a form body at most, then 413."""
    max_error_details: int = Field(default=100, ge=1, le=1000)
    """Details in one error response at most; past it, one summary detail says how many more."""
    strict_json: bool = True
    """A JSON object with a duplicate key is a 400 (else the last value wins)."""

    @field_validator("max_body_size", mode="before")
    @classmethod
    def _size(cls, value: int | str) -> int:
        return parse_size(value)


class UniqueConfig(_Frozen):
    """``operations.<id>.unique`` entries: the covet.yaml form of ``x-covet-unique``."""

    field: str
    table: str
    column: str
    database: str = "default"


class OperationConfig(_Frozen):
    """Per-operation policy, keyed by operationId, without touching the spec."""

    handler: str | None = None
    unique: list[UniqueConfig] = Field(default_factory=list)
    validators: dict[str, list[str]] = Field(default_factory=dict)
    """Body field (``""`` for the whole body) -> validator names, as ``x-covet-validators``."""
    max_body_size: int | None = None
    validate_response: bool | None = None
    rate_limit: str | list[str] | None = None
    """This operation's rate-limit policy (``5/minute``, ``10/second, 1000/hour``)."""
    strict_query: bool | None = None
    """Overrides the api's ``strict_query`` and the spec's ``x-covet-strict-query``."""
    cache: OperationCacheSettings | None = None
    """This GET operation's response cache (docs/caching.md); overrides ``x-covet-cache``."""
    invalidates: tuple[str, ...] | None = None
    """Tags a successful response of this operation invalidates; overrides
    ``x-covet-invalidates``."""

    @field_validator("max_body_size", mode="before")
    @classmethod
    def _size(cls, value: int | str | None) -> int | None:
        return None if value is None else parse_size(value)

    @field_validator("rate_limit")
    @classmethod
    def _policy(cls, value: str | list[str] | None) -> str | list[str] | None:
        if value is not None:
            parse_policy(value)  # NOTE: checked at load; the step parses it again at compile
        return value


class DatabaseConfig(_Frozen):
    """One database: a SQLAlchemy async URL and its pool (``providers.database``)."""

    url: str = "sqlite+aiosqlite:///./covet.db"
    pool_size: int = Field(default=5, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    pool_timeout: float = Field(default=5.0, gt=0)
    """Seconds to wait for a pooled connection (then 503)."""
    pool_recycle: float = Field(default=1800.0, gt=0)
    pool_pre_ping: bool = True
    connect_timeout: float = Field(default=5.0, gt=0)
    """Seconds to wait for a new connection to open (then 503)."""
    statement_timeout: float | None = Field(default=30.0, gt=0)
    """Seconds a statement may run (then 503); None for the server's own default."""
    required: bool = True
    """A required database that is down makes /health answer 503."""
    echo: bool = False


class ProvidersConfig(_Frozen):
    """Backends injected into handlers; see docs/database.md."""

    database: dict[str, DatabaseConfig] = Field(default_factory=dict)
    """Named databases; ``default`` is injected as ``db``, the others under their own name."""
    cache: dict[str, CacheSettings] = Field(default_factory=dict)
    """Named caches (docs/caching.md); ``default`` is injected as ``cache``, the others under
    their own name."""

    @field_validator("cache", mode="before")
    @classmethod
    def _single_cache(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"default": {"url": value}}  # cache: redis://...
        if isinstance(value, Mapping) and value.keys() <= CacheSettings.model_fields.keys():
            return {"default": value} if value else {}
        if isinstance(value, Mapping):  # named caches, each a mapping or a URL
            return {k: {"url": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("database", mode="before")
    @classmethod
    def _single_or_named(cls, value: Any) -> Any:
        if isinstance(value, Mapping) and ("url" in value or not value):
            return {"default": value} if value else {}
        return value


class HealthConfig(_Frozen):
    path: str | None = "/health"
    """Where ``GET`` reports every backend's state; ``null`` turns it off."""
    ready: str | None = "/health/ready"
    """The readiness probe: the same report, 503 while a required backend is down."""
    live: str | None = "/health/live"
    """The liveness probe: 200 while the process answers; no backend is asked."""
    timeout: float = Field(default=2.0, gt=0)
    """Seconds each backend may take to answer a check before it is reported down."""

    @field_validator("timeout", mode="before")
    @classmethod
    def _timeout(cls, value: float | str) -> float:
        return parse_duration(value)


class MiddlewareEntry(_Frozen):
    """A built-in name (``request_id``) or ``"module:Class"`` plus its keyword options."""

    name: str
    options: dict[str, Any] = Field(default_factory=dict)


class CovetConfig(_Frozen):
    """The whole of covet.yaml."""

    apis: list[ApiConfig]
    server: ServerConfig = ServerConfig()
    limits: LimitsConfig = LimitsConfig()
    middleware: list[MiddlewareEntry] = Field(default_factory=list)
    operations: dict[str, OperationConfig] = Field(default_factory=dict)
    providers: ProvidersConfig = ProvidersConfig()
    health: HealthConfig = HealthConfig()
    auth: dict[str, SchemeSettings] = Field(default_factory=dict)
    """How each security scheme of the specs verifies, by scheme name (docs/security.md)."""
    tokens: TokenSettings = TokenSettings()
    passwords: PasswordSettings = PasswordSettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
    security_headers: SecurityHeadersSettings = SecurityHeadersSettings()
    caching: CachingSettings = CachingSettings()
    """Where the response cache lives and which tables invalidate which tags (docs/caching.md)."""
    compression: CompressionSettings | None = None
    """Response compression and compressed request bodies (docs/compression.md); off unless
    given (``compression: true`` for the defaults)."""
    errors: ErrorsSettings = ErrorsSettings()
    """The body of every error CovetPy sends (docs/errors.md): ``format: problem`` or a renderer."""
    media: MediaSettings = MediaSettings()
    """Codecs for media types CovetPy does not ship (docs/media-types.md)."""
    metrics: MetricsSettings = MetricsSettings()
    """Prometheus metrics at ``/metrics`` (docs/observability.md); off unless given
    (``metrics: true`` for the defaults)."""
    trusted_hosts: list[str] | None = None
    """``Host`` values served (``example.com``, ``*.example.com``); any other is a 400."""
    validators: dict[str, str] = Field(default_factory=dict)
    """Name -> ``"module:function"``: async checks referenced by ``x-covet-validators``."""
    validate_responses: bool = False
    spec_validation: Literal["inline", "isolated", "off"] = "inline"
    spec_cache: SpecCacheSettings = SpecCacheSettings()
    """Reuse the parsed, validated specs of an unchanged project (covet.spec.cache)."""
    settings: SettingsConfig | None = None
    """The application's own settings, injected into handlers as ``settings`` (covet.app_settings)."""
    pythonpath: list[Path] = Field(default_factory=list)
    root: Path = Path(".")

    @field_validator("middleware", mode="before")
    @classmethod
    def _middleware_forms(cls, value: Any) -> Any:
        return _normalise_middleware(value)

    @field_validator("compression", mode="before")
    @classmethod
    def _compression_switch(cls, value: Any) -> Any:
        if value is True:
            return {}  # compression: true -> the defaults
        return None if value is False else value


def _normalise_middleware(value: Any) -> Any:
    """Accept a list of names / one-key mappings, or one mapping of name -> options."""
    if isinstance(value, Mapping):
        value = [{k: v} for k, v in value.items()]
    if not isinstance(value, list):
        return value
    entries: list[Any] = []
    for item in value:
        if isinstance(item, str):
            entries.append({"name": item})
        elif isinstance(item, Mapping) and len(item) == 1 and "name" not in item:
            ((name, options),) = item.items()
            entries.append({"name": name, "options": options or {}})
        else:
            entries.append(item)
    return entries


def interpolate(value: Any, environ: Mapping[str, str], *, where: str) -> Any:
    """Replace ``${VAR:-default}`` and ``${file:path}`` in every string of a loaded document.

    An unset ``VAR`` whose ``VAR_FILE`` is set reads that file instead (Docker's and
    Kubernetes' convention for secrets mounted as files: ``COVET_JWT_SECRET_FILE=/run/secrets/jwt``).
    """
    if isinstance(value, str):
        return _interpolate_str(value, environ, where)
    if isinstance(value, list):
        return [interpolate(v, environ, where=where) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, environ, where=where) for k, v in value.items()}
    return value


def _interpolate_str(text: str, environ: Mapping[str, str], where: str) -> str:
    def read_file(match: re.Match[str]) -> str:
        path = Path(match.group(1))
        try:
            return path.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read secret file {path}: {exc.strerror}", file=where) from exc

    def read_var(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ and (environ[name] or default is None):
            return environ[name]
        secret = environ.get(f"{name}_FILE")
        if secret and name not in environ:  # Docker's convention: NAME_FILE=/run/secrets/name
            try:
                return Path(secret).read_text().strip()
            except OSError as exc:
                raise ConfigError(
                    f"{name}_FILE: cannot read secret file {secret}: {exc.strerror}", file=where
                ) from exc
        if default is not None:
            return default
        raise ConfigError(
            f"environment variable {name} is not set; set it or write ${{{name}:-default}}",
            file=where,
        )

    return _VAR.sub(read_var, _FILE_VAR.sub(read_file, text))


def load_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> CovetConfig:
    """Read covet.yaml into a frozen :class:`CovetConfig`.

    Relative paths in it (``spec``, ``pythonpath``, ``root``) are made absolute against the
    directory of the file.

    Raises:
        ConfigError: the file is missing, not YAML, has an unknown key or a bad value; the
            message names the file, the key and, for unknown keys, the accepted ones.
    """
    file = Path(path).resolve()
    try:
        text = file.read_text(encoding="utf-8")
        raw = yaml.load(text, Loader=yaml.CSafeLoader)
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", file=str(file)) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(f"not valid YAML: {exc}", file=str(file), line=line) from exc
    if not isinstance(raw, dict):
        raise ConfigError("covet.yaml must be a mapping with at least an 'apis' list", file=str(file))
    raw = interpolate(raw, os.environ if environ is None else environ, where=str(file))
    config = config_from_mapping(raw, base_dir=file.parent, file=str(file))
    return config.model_copy(update={"spec_cache": config.spec_cache.with_source(text)})


def config_from_mapping(
    raw: Mapping[str, Any], *, base_dir: Path, file: str = "<config>"
) -> CovetConfig:
    """Build a :class:`CovetConfig` from an already loaded mapping (used by tests and the API)."""
    try:
        config = CovetConfig.model_validate(raw)
    except ValidationError as exc:
        raise _config_error(exc, file) from None
    return _absolutise(config, base_dir)


def _absolutise(config: CovetConfig, base_dir: Path) -> CovetConfig:
    apis = [api.model_copy(update={"spec": (base_dir / api.spec).resolve()}) for api in config.apis]
    return config.model_copy(
        update={
            "apis": apis,
            "pythonpath": [(base_dir / p).resolve() for p in config.pythonpath],
            "root": (base_dir / config.root).resolve(),
            "spec_cache": _absolute_cache_dir(config.spec_cache, base_dir),
        }
    )


def _absolute_cache_dir(settings: SpecCacheSettings, base_dir: Path) -> SpecCacheSettings:
    if settings.directory is None:
        return settings
    return settings.model_copy(update={"directory": (base_dir / settings.directory).resolve()})


def _config_error(exc: ValidationError, file: str) -> ConfigError:
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            accepted = _accepted_keys(error["loc"][:-1])
            problems.append(f"unknown key '{key}' (accepted here: {', '.join(accepted)})")
        else:
            problems.append(f"{key}: {error['msg']}")
    pointer = "/" + "/".join(str(p) for p in exc.errors()[0]["loc"])
    return ConfigError("; ".join(problems), file=file, pointer=pointer)


def _accepted_keys(loc: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] = CovetConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None) if field else None
        inner = _model_in(annotation)
        if inner is None:
            return []
        model = inner
    return sorted(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
