"""``covet run``: serve the app with uvicorn (uvloop + httptools, with CovetPy's server limits).

    covet run [-c specs/covet.yaml] [--host H] [--port P] [--workers N] [--no-access-log]
              [--log-level L] [--log-format text|json] [--reload] [--head-timeout S] [--body-timeout S] [--keep-alive-timeout S]
              [--max-header-size B] [--max-headers N] [--max-concurrency N|none]
              [--shutdown-timeout S]

Flags override covet.yaml's ``server:`` keys. With ``--workers N`` each worker re-reads
covet.yaml; the overrides reach it serialised in ``COVET_SERVER_OVERRIDES``; with ``metrics:``
on, the workers share a fresh ``PROMETHEUS_MULTIPROC_DIR`` made for this start and removed
when the server stops (covet.observability.multiprocess).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from covet.cli._common import DEFAULT_CONFIG, add_config_argument
from covet.errors import ConfigError

if TYPE_CHECKING:
    from covet.app import CovetApp
    from covet.config import CovetConfig, ServerConfig

# NOTE: covet.app and covet.config (pydantic) are imported where they are used: every `covet`
# command builds this parser, and `covet validate` must not pay ~0.2 s for what serving needs.

__all__ = ["add_parser", "app_factory", "configure_logging", "uvicorn_options"]

_CONFIG_ENV = "COVET_CONFIG"
_OVERRIDES_ENV = "COVET_SERVER_OVERRIDES"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("run", help="serve the app with uvicorn")
    add_config_argument(run)
    run.add_argument("--host", help="bind address (default: server.host)")
    run.add_argument("--port", type=int, help="port (default: server.port)")
    run.add_argument("--workers", type=int, help="worker processes (default: server.workers)")
    run.add_argument("--no-access-log", action="store_true", help="turn the access log off")
    run.add_argument("--log-level", help="debug, info, warning, error (default: server.log_level)")
    run.add_argument(
        "--log-format", choices=("text", "json"),
        help="json: one JSON object per line (default: server.log_format)",
    )
    run.add_argument(
        "--reload", action="store_true",
        help="recompile in place when a spec file, covet.yaml or a handler module changes",
    )
    _add_limit_arguments(run)
    run.set_defaults(func=_run)


def _add_limit_arguments(run: argparse.ArgumentParser) -> None:
    limits = run.add_argument_group("server limits (default: the server: keys of covet.yaml)")
    add = limits.add_argument
    add("--head-timeout", type=_duration, metavar="S",
        help="seconds for the request line and headers, then 408 (default 10)")
    add("--body-timeout", type=_duration, metavar="S",
        help="seconds for the body once the head is in, then 408 (default 30)")
    add("--keep-alive-timeout", type=_duration, metavar="S",
        help="seconds an idle keep-alive connection stays open (default 5)")
    add("--max-header-size", type=_size, metavar="B",
        help="bytes of request line and headers, then 431 (default 16KiB)")
    add("--max-headers", type=int, metavar="N", help="header fields, then 431 (default 100)")
    add("--max-concurrency", type=_concurrency, metavar="N",
        help="connections and requests at once, then 503; 'none' for no limit (default 1000)")
    add("--shutdown-timeout", type=_duration, metavar="S",
        help="seconds a graceful shutdown waits for requests in flight (default 10)")


def _duration(text: str) -> float:
    from covet.config import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _size(text: str) -> int:
    from covet.config import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _concurrency(text: str) -> int | str:
    if text.lower() == "none":
        return "none"
    try:
        return int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number or 'none'") from exc


def _run(args: argparse.Namespace) -> int:
    from covet.app import CovetApp
    from covet.config import load_config

    uvicorn = _import_uvicorn(reload=args.reload)
    overrides = _overrides(args)
    config = with_server_overrides(load_config(args.config), overrides)
    configure_logging(config.server.log_level, config.server.log_format)
    if args.reload and config.server.workers > 1:
        print("covet: error: --reload serves one worker; drop --workers", file=sys.stderr)
        return 2
    with _metrics_directory(config):
        _serve(uvicorn, CovetApp, config, args, overrides)
    return 0


def _metrics_directory(config: CovetConfig) -> contextlib.AbstractContextManager[object]:
    """The workers' shared metrics directory, made before anything imports prometheus-client."""
    if not (config.metrics.enabled and config.server.workers > 1):
        return contextlib.nullcontext()
    from covet.observability.multiprocess import worker_metrics_directory

    return worker_metrics_directory()


def _serve(
    uvicorn: ModuleType, factory: type[CovetApp], config: CovetConfig, args: argparse.Namespace,
    overrides: dict[str, Any],
) -> None:
    app = _compiled(factory, config, args.config)
    api = app.api
    if args.reload:
        from covet.reload import Reloader

        reloader = Reloader(app, args.config)
        app.on_startup.append(reloader.start)
        app.on_shutdown.append(reloader.stop)
    app.on_startup.append(freeze_startup_heap)
    compiled = (
        f"{len(api.routes)} routes compiled in {api.compile_seconds * 1000:.0f} ms; "
        f"serving on http://{config.server.host}:{config.server.port}"
    )
    if config.server.log_format == "json":
        logging.getLogger("covet.run").info(compiled)
    else:
        print(f"covet: {compiled}", file=sys.stderr)
    options = uvicorn_options(config.server)
    if config.server.workers > 1:
        os.environ[_CONFIG_ENV] = os.path.abspath(args.config)
        os.environ[_OVERRIDES_ENV] = json.dumps(overrides)
        uvicorn.run(
            "covet.cli.run:app_factory", factory=True, workers=config.server.workers, **options
        )
    else:
        uvicorn.run(app, **options)


def uvicorn_options(server: ServerConfig) -> dict[str, Any]:
    """What ``covet run`` passes to ``uvicorn.run`` for these ``server:`` settings."""
    # NOTE: imported here, after _import_uvicorn: covet.server imports uvicorn, which must not
    # be loaded first with watchfiles available (nor at all when only the parser is built).
    from covet.server import HttpLimits, http_protocol

    limits = HttpLimits(
        head_timeout=server.head_timeout,
        body_timeout=server.body_timeout,
        max_header_size=server.max_header_size,
        max_headers=server.max_headers,
    )
    return {
        "host": server.host,
        "port": server.port,
        "loop": "uvloop",
        "http": http_protocol(limits),
        "access_log": False,
        # NOTE: the client is the socket peer; Forwarded / X-Forwarded-For are believed only
        # from covet.yaml's rate_limits.trusted_proxies (docs/rate-limits.md). uvicorn's own
        # proxy-headers layer would rewrite the peer from any 127.0.0.1 connection first (and
        # costs ~1 µs a request).
        "proxy_headers": False,
        "log_level": server.log_level,
        "lifespan": "on",
        "timeout_keep_alive": server.keep_alive_timeout,
        "limit_concurrency": server.max_concurrency,
        "timeout_graceful_shutdown": server.shutdown_timeout,
        **_log_config(server),
    }


def _log_config(server: ServerConfig) -> dict[str, Any]:
    """uvicorn's own loggers in covet.yaml's ``log_format`` (its defaults for text)."""
    if server.log_format == "text":
        return {}
    from covet.observability.logs import log_config

    return {"log_config": log_config(server.log_format, server.log_level)}


def _import_uvicorn(*, reload: bool) -> ModuleType:
    """``import uvicorn``; without ``reload``, keeping it from loading watchfiles (and anyio).

    NOTE: uvicorn.supervisors imports watchfiles whenever it is installed, for uvicorn's own
    ``--reload``, which ``covet run`` never uses (``--reload`` is covet's Reloader, which imports
    watchfiles itself): ~0.9 MB of RSS (bench/MEMORY.md). Marking it missing during the import
    makes uvicorn pick its stat-based reloader class instead; the mark is removed right after, so
    handlers can still import watchfiles.
    """
    if reload or "watchfiles" in sys.modules or "uvicorn" in sys.modules:
        import uvicorn

        return uvicorn
    sys.modules["watchfiles"] = None  # type: ignore[assignment]
    try:
        import uvicorn
    finally:
        del sys.modules["watchfiles"]
    return uvicorn


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The ``server:`` keys the command line sets (JSON-safe, for the workers)."""
    given = {
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "log_level": args.log_level,
        "log_format": args.log_format,
        "access_log": False if args.no_access_log else None,
        "head_timeout": args.head_timeout,
        "body_timeout": args.body_timeout,
        "keep_alive_timeout": args.keep_alive_timeout,
        "max_header_size": args.max_header_size,
        "max_headers": args.max_headers,
        "max_concurrency": args.max_concurrency,
        "shutdown_timeout": args.shutdown_timeout,
    }
    overrides = {key: value for key, value in given.items() if value is not None}
    if overrides.get("max_concurrency") == "none":
        overrides["max_concurrency"] = None
    return overrides


def with_server_overrides(config: CovetConfig, overrides: dict[str, Any]) -> CovetConfig:
    """``config`` with these ``server:`` keys replaced, validated as covet.yaml's are.

    Raises:
        ConfigError: a value is out of range (``--max-headers 0``); the message names the flag.
    """
    from pydantic import ValidationError

    from covet.config import ServerConfig

    if not overrides:
        return config
    try:
        server = ServerConfig.model_validate(config.server.model_dump() | overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"--{str(error['loc'][0]).replace('_', '-')}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigError(f"bad server option: {problems}") from exc
    return config.model_copy(update={"server": server})


def _compiled(factory: type[CovetApp], config: CovetConfig, path: str) -> CovetApp:
    """The compiled app; a covet.yaml problem found only now (``settings:``, ``middleware:``)
    names the file too, as load_config's own errors do."""
    try:
        return factory(config)
    except ConfigError as exc:
        exc.file = exc.file or os.path.abspath(path)
        raise


def app_factory() -> CovetApp:
    """The app for each uvicorn worker process (``covet run --workers N``)."""
    from covet.app import CovetApp
    from covet.config import load_config

    config = load_config(os.environ.get(_CONFIG_ENV, DEFAULT_CONFIG))
    config = with_server_overrides(config, json.loads(os.environ.get(_OVERRIDES_ENV) or "{}"))
    configure_logging(config.server.log_level, config.server.log_format)
    app = CovetApp(config)
    app.on_startup.append(freeze_startup_heap)
    return app


async def freeze_startup_heap() -> None:
    """Move everything startup built out of the cyclic garbage collector's reach (last hook).

    PERF: a served app's heap is mostly modules, the compiled routes and validators, and the
    database engine, alive until shutdown. Left in the collector's oldest generation, every full
    collection walks all of it; frozen (``gc.freeze()``), it is never walked again. On the
    database benchmark this took the p99 latency from ~45 ms to ~10 ms and throughput from 0.92x
    to 0.98x of the bare app (bench/DB_RESULTS.md). Only ``covet run`` does this: a test suite
    that starts many apps in one process should not freeze each one's heap. Objects frozen here
    are still freed by reference counting; only cycles among them (say, in the snapshot a
    ``--reload`` replaces) stay until exit, once.
    """
    gc.collect()
    gc.freeze()


def configure_logging(level: str, log_format: str = "text") -> None:
    """Every covet.* logger to stderr at ``level``, as text or one JSON object per line."""
    from covet.observability.logs import JsonFormatter, text_formatter

    logger = logging.getLogger("covet")
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler())
    formatter = JsonFormatter() if log_format == "json" else text_formatter()
    for handler in logger.handlers:
        handler.setFormatter(formatter)
    logger.setLevel(level.upper())
