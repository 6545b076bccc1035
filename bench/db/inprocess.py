#!/usr/bin/env python3
"""Drive the database benchmark's apps in-process (no HTTP, no wrk) and say where time goes.

    bench/.venv/bin/python bench/db/inprocess.py                  # CPU µs/request, all apps
    bench/.venv/bin/python bench/db/inprocess.py --clients 32     # each app under concurrency
    bench/.venv/bin/python bench/db/inprocess.py --clients 32 --profile covet  # + cProfile

Each app gets the real ASGI lifespan (so its pool opens as under uvicorn), then ``GET``
requests over the same deterministic paths as bench/db/run.py go straight into the ASGI
callable, on uvloop: the app plus SQLAlchemy plus asyncpg, without uvicorn's HTTP parsing and
socket writes. Run bench/db/run.py (or apps/seed.py) once first so the database holds the rows.

With ``--clients 1`` (the default) all apps live in one process and take turns request by
request; each request's CPU time is the thread's CPU clock across it (nothing else runs
meanwhile). Interleaving makes the comparison hold on a shared machine, where load from other
processes slows every request of a period alike. With more clients each app runs alone, its
requests overlapping as under wrk, and the figure is the process's CPU time per request.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
sys.path.insert(0, str(APPS))

from run import ENDPOINT_KEYS, FRAMEWORKS, build_endpoints

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def load_app(framework: str) -> ASGIApp:
    if framework == "covet":
        from covet import CovetApp

        return CovetApp.from_config(APPS / "covet" / "covet.yaml")  # type: ignore[return-value]
    module = __import__({"raw": "raw_app", "fastapi": "fastapi_app"}[framework])
    return module.app  # type: ignore[no-any-return]


class Lifespan:
    """The ASGI lifespan of one app: one long-lived call, fed startup then shutdown."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def event(self, name: str) -> None:
        if self.task is None:
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
            self.task = asyncio.create_task(self.app(scope, self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": f"lifespan.{name}"})
        answer = await self.outbox.get()
        if answer["type"] != f"lifespan.{name}.complete":
            raise SystemExit(f"lifespan {name} failed: {answer}")
        if name == "shutdown":
            await self.task


def http_scope(path: str) -> dict[str, Any]:
    route, _, query = path.partition("?")
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "method": "GET", "scheme": "http", "path": route,
            "raw_path": route.encode(), "query_string": query.encode(), "root_path": "",
            "headers": [(b"host", b"127.0.0.1"), (b"accept", b"*/*")],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}


async def request(app: ASGIApp, scope: dict[str, Any]) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(dict(scope), receive, send)
    return status


async def drive(app: ASGIApp, scopes: list[dict[str, Any]], total: int, clients: int) -> None:
    per_client = total // clients

    async def client(offset: int) -> None:
        for n in range(per_client):
            status = await request(app, scopes[(offset + n) % len(scopes)])
            if status != 200:
                raise SystemExit(f"{scopes[(offset + n) % len(scopes)]['path']}: status {status}")

    await asyncio.gather(*(client(c * 97) for c in range(clients)))


async def measure(framework: str, endpoint: str, args: argparse.Namespace) -> None:
    app = load_app(framework)
    life = Lifespan(app)
    await life.event("startup")
    paths = next(e for e in build_endpoints(2000) if e.key == endpoint).paths
    scopes = [http_scope(p) for p in paths]
    await drive(app, scopes, args.warmup, args.clients)
    profiler = cProfile.Profile() if framework in args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    await drive(app, scopes, args.requests, args.clients)
    if profiler is not None:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    done = args.requests // args.clients * args.clients
    print(f"{framework:8} {endpoint:5} {cpu / done * 1e6:7.0f} us CPU/request  "
          f"{done / wall:7.0f} req/s (one process: app + postgres share the machine)", flush=True)
    await life.event("shutdown")
    if profiler is not None:
        report(profiler, done, args)


async def interleave(endpoint: str, args: argparse.Namespace) -> None:
    """All apps in one process, one request each in turn; CPU time per request per app."""
    frameworks = args.only.split(",")
    apps = {f: load_app(f) for f in frameworks}
    lives = [Lifespan(app) for app in apps.values()]
    for life in lives:
        await life.event("startup")
    paths = next(e for e in build_endpoints(2000) if e.key == endpoint).paths
    scopes = [http_scope(p) for p in paths]
    spent = dict.fromkeys(frameworks, 0.0)
    clock = time.thread_time
    for n in range(args.warmup + args.requests):
        scope = scopes[n % len(scopes)]
        for framework, app in apps.items():
            start = clock()
            status = await request(app, scope)
            if n >= args.warmup:
                spent[framework] += clock() - start
            if status != 200:
                raise SystemExit(f"{framework} {scope['path']}: status {status}")
    base = spent.get("raw")
    for framework in frameworks:
        per_request = spent[framework] / args.requests * 1e6
        extra = f"  (+{per_request - base / args.requests * 1e6:.0f} over bare)" if base else ""
        print(f"{framework:8} {endpoint:5} {per_request:7.0f} us CPU/request{extra}", flush=True)
    for life in lives:
        await life.event("shutdown")


def report(profiler: cProfile.Profile, done: int, args: argparse.Namespace) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(order).print_stats(args.top)
        print(f"--- cProfile by {order} ({done} requests; divide times by it for per-request)")
        print("\n".join(line for line in out.getvalue().splitlines()[5:] if line.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(FRAMEWORKS))
    parser.add_argument("--endpoints", default=",".join(ENDPOINT_KEYS))
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--clients", type=int, default=1,
                        help="concurrent requests; 1 interleaves the apps request by request")
    parser.add_argument("--profile", default="", help="comma-separated apps to cProfile")
    parser.add_argument("--top", type=int, default=35, help="rows of each cProfile listing")
    parser.add_argument("--pre-ping", action="store_true", help="pool_pre_ping on in every app")
    args = parser.parse_args()
    args.profile = set(filter(None, args.profile.split(",")))
    os.environ["COVET_BENCH_PRE_PING"] = "true" if args.pre_ping else "false"
    import uvloop

    for endpoint in args.endpoints.split(","):
        if args.clients == 1 and not args.profile:
            uvloop.run(interleave(endpoint, args))
            continue
        for framework in args.only.split(","):
            uvloop.run(measure(framework, endpoint, args))


if __name__ == "__main__":
    main()
