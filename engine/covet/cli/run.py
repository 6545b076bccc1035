"""``covet run``: serve the app with uvicorn (uvloop + httptools).

    covet run [-c specs/covet.yaml] [--host H] [--port P] [--workers N] [--no-access-log]
              [--reload]
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from types import ModuleType
from typing import Any

from covet.app import CovetApp
from covet.cli._common import DEFAULT_CONFIG, add_config_argument
from covet.config import CovetConfig, load_config

__all__ = ["add_parser", "app_factory", "configure_logging"]

_CONFIG_ENV = "COVET_CONFIG"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("run", help="serve the app with uvicorn")
    add_config_argument(run)
    run.add_argument("--host", help="bind address (default: server.host)")
    run.add_argument("--port", type=int, help="port (default: server.port)")
    run.add_argument("--workers", type=int, help="worker processes (default: server.workers)")
    run.add_argument("--no-access-log", action="store_true", help="turn the access log off")
    run.add_argument("--log-level", help="debug, info, warning, error (default: server.log_level)")
    run.add_argument(
        "--reload", action="store_true",
        help="recompile in place when a spec file, covet.yaml or a handler module changes",
    )
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    uvicorn = _import_uvicorn(reload=args.reload)
    config = _with_overrides(load_config(args.config), args)
    configure_logging(config.server.log_level)
    if args.reload and config.server.workers > 1:
        print("covet: error: --reload serves one worker; drop --workers", file=sys.stderr)
        return 2
    app = CovetApp(config)
    api = app.api
    if args.reload:
        from covet.reload import Reloader

        reloader = Reloader(app, args.config)
        app.on_startup.append(reloader.start)
        app.on_shutdown.append(reloader.stop)
    app.on_startup.append(freeze_startup_heap)
    print(
        f"covet: {len(api.routes)} routes compiled in {api.compile_seconds * 1000:.0f} ms; "
        f"serving on http://{config.server.host}:{config.server.port}",
        file=sys.stderr,
    )
    server = config.server
    options: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "loop": "uvloop",
        "http": "httptools",
        "access_log": False,
        "log_level": server.log_level,
        "lifespan": "on",
    }
    if server.workers > 1:
        os.environ[_CONFIG_ENV] = os.path.abspath(args.config)
        os.environ["COVET_ACCESS_LOG"] = "1" if server.access_log else "0"
        uvicorn.run("covet.cli.run:app_factory", factory=True, workers=server.workers, **options)
    else:
        uvicorn.run(app, **options)
    return 0


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


def _with_overrides(config: CovetConfig, args: argparse.Namespace) -> CovetConfig:
    server = config.server.model_copy(
        update={
            key: value
            for key, value in {
                "host": args.host,
                "port": args.port,
                "workers": args.workers,
                "log_level": args.log_level,
                "access_log": False if args.no_access_log else None,
            }.items()
            if value is not None
        }
    )
    return config.model_copy(update={"server": server})


def app_factory() -> CovetApp:
    """The app for each uvicorn worker process (``covet run --workers N``)."""
    config = load_config(os.environ.get(_CONFIG_ENV, DEFAULT_CONFIG))
    if os.environ.get("COVET_ACCESS_LOG") == "0":
        config = config.model_copy(
            update={"server": config.server.model_copy(update={"access_log": False})}
        )
    configure_logging(config.server.log_level)
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


def configure_logging(level: str) -> None:
    logger = logging.getLogger("covet")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level.upper())
