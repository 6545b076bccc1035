#!/usr/bin/env python3
"""Drive the database benchmark's apps in-process (no HTTP, no wrk) and say where time goes.

    bench/.venv/bin/python bench/db/inprocess.py                  # CPU µs/request, all apps
    bench/.venv/bin/python bench/db/inprocess.py --clients 1      # strictly one at a time
    bench/.venv/bin/python bench/db/inprocess.py --profile covet  # cProfile of CovetPy alone

All apps are loaded into one process and get the real ASGI lifespan (so their pools open as
under uvicorn); ``GET`` requests over the same deterministic paths as bench/db/run.py go
straight into each ASGI callable, on uvloop: the app plus SQLAlchemy plus asyncpg, without
uvicorn's HTTP parsing and socket writes. Run bench/db/run.py (or apps/seed.py) once first so
the database holds the seeded rows.

The apps take turns in short bursts: ``--clients`` concurrent requests, ``--burst`` each, run
to completion, then the next app's burst. A burst's cost is the process's CPU time across it
(nothing else runs meanwhile). Taking turns every few hundred milliseconds makes the comparison
hold on a shared or virtualised machine, where the speed of the CPU drifts by tens of percent
from one second to the next and slows every app's bursts of that period alike.
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

    received = False

    async def receive() -> dict[str, Any]:
        # As a server does: the request once, then wait (the client never leaves here).
        nonlocal received
        if received:
            await asyncio.Event().wait()
        received = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(dict(scope), receive, send)
    return status


async def burst(app: ASGIApp, scopes: list[dict[str, Any]], start: int, clients: int,
                each: int) -> None:
    """``clients`` concurrent clients, ``each`` requests apiece, from path ``start`` on."""

    async def client(first: int) -> None:
        for n in range(each):
            scope = scopes[(first + n) % len(scopes)]
            status = await request(app, scope)
            if status != 200:
                raise SystemExit(f"{scope['path']}: status {status}")

    await asyncio.gather(*(client(start + c * each) for c in range(clients)))


async def compare(endpoint: str, args: argparse.Namespace) -> None:
    """Every app in turn, burst by burst; CPU time per request per app."""
    frameworks = args.only.split(",")
    apps = {f: load_app(f) for f in frameworks}
    lives = [Lifespan(app) for app in apps.values()]
    for life in lives:
        await life.event("startup")
    paths = next(e for e in build_endpoints(2000) if e.key == endpoint).paths
    scopes = [http_scope(p) for p in paths]
    per_burst = args.clients * args.burst
    spent = {f: [] for f in frameworks}
    for number in range(args.warmup_bursts + args.bursts):
        start = number * per_burst
        for framework, app in apps.items():
            before = time.process_time()
            await burst(app, scopes, start, args.clients, args.burst)
            if number >= args.warmup_bursts:
                spent[framework].append((time.process_time() - before) / per_burst * 1e6)
    report_costs(endpoint, spent)
    for life in lives:
        await life.event("shutdown")


def report_costs(endpoint: str, spent: dict[str, list[float]]) -> None:
    """Mean CPU per request; against bare ASGI, also the median of the burst-by-burst ratios."""
    base = spent.get("raw")
    for framework, costs in spent.items():
        mean = sum(costs) / len(costs)
        text = f"{framework:8} {endpoint:5} {mean:6.0f} us CPU/request"
        if base:
            ratios = sorted(c / b for c, b in zip(costs, base, strict=True))
            text += (f"  {mean - sum(base) / len(base):+5.0f} us vs bare ASGI, cost ratio "
                     f"{ratios[len(ratios) // 2]:.2f}x (median of bursts)")
        print(text, flush=True)


async def profile(framework: str, endpoint: str, args: argparse.Namespace) -> None:
    """One app alone, its bursts under cProfile."""
    app = load_app(framework)
    life = Lifespan(app)
    await life.event("startup")
    paths = next(e for e in build_endpoints(2000) if e.key == endpoint).paths
    scopes = [http_scope(p) for p in paths]
    per_burst = args.clients * args.burst
    for number in range(args.warmup_bursts):
        await burst(app, scopes, number * per_burst, args.clients, args.burst)
    profiler = cProfile.Profile()
    profiler.enable()
    for number in range(args.bursts):
        await burst(app, scopes, number * per_burst, args.clients, args.burst)
    profiler.disable()
    await life.event("shutdown")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        print(f"--- {framework} {endpoint}: cProfile by {order}, {args.bursts * per_burst} requests")
        print("\n".join(line for line in out.getvalue().splitlines()[5:] if line.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--only", default=",".join(FRAMEWORKS), help="comma-separated apps")
    parser.add_argument("--endpoints", default=",".join(ENDPOINT_KEYS))
    parser.add_argument("--clients", type=int, default=20, help="concurrent requests in a burst")
    parser.add_argument("--burst", type=int, default=10, help="requests per client per burst")
    parser.add_argument("--bursts", type=int, default=40, help="measured bursts per app")
    parser.add_argument("--warmup-bursts", type=int, default=3)
    parser.add_argument("--profile", default="", help="cProfile this app alone instead")
    parser.add_argument("--top", type=int, default=35, help="rows of each cProfile listing")
    parser.add_argument("--pre-ping", action="store_true", help="pool_pre_ping on in every app")
    args = parser.parse_args()
    os.environ["COVET_BENCH_PRE_PING"] = "true" if args.pre_ping else "false"
    import uvloop

    for endpoint in args.endpoints.split(","):
        if args.profile:
            uvloop.run(profile(args.profile, endpoint, args))
        else:
            uvloop.run(compare(endpoint, args))


if __name__ == "__main__":
    main()
