"""Per-request CPU of the whole server stack without the kernel: uvicorn's protocol, fed in-process.

    bench/.venv/bin/python bench/protocol_bench.py [--engine PATH] [--app covet|raw]
        [--protocol covet|uvicorn] [--config covet.yaml] [--profile SCENARIO]

Each request's bytes go to ``data_received`` of a real protocol instance (CovetPy's
``CovetHttpProtocol``, or uvicorn's ``HttpToolsProtocol``) on a uvloop loop, with a transport
that only collects what is written; the app runs as ``covet run`` or uvicorn would run it
(``Config.load()``: the proxy-headers wrapper included). So this is what the server process
spends in Python per request (parsing, the request cycle, the app, the response writes) minus
the socket system calls, which are the same for every app. Over real HTTP those add ~15-20 µs
(bench/RESULTS.md against this). The fastest of ``--repeat`` runs is reported, so other
processes on a shared machine (which only ever slow a run down) matter little.

``--engine`` puts a CovetPy checkout's ``engine/`` first on ``sys.path`` (to compare builds:
bench/RESULTS-refactor.md); the app is that checkout's bench/apps/covet/covet.yaml.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
POST_BODY = b'{"name":"Widget","price":9.99,"tags":["tools","blue"],"in_stock":true}'
HEAD = b"Host: 127.0.0.1:8000\r\n"
SCENARIOS = {
    "plaintext": b"GET /plaintext HTTP/1.1\r\n" + HEAD + b"\r\n",
    "json": b"GET /json HTTP/1.1\r\n" + HEAD + b"\r\n",
    "params": (b"GET /users/42/posts/5f0b6a8e-3a57-4f8e-9c35-2c1f2e3b4a5d?limit=20 HTTP/1.1\r\n"
               + HEAD + b"\r\n"),
    "post": (b"POST /items HTTP/1.1\r\n" + HEAD + b"Content-Type: application/json\r\n"
             b"Content-Length: %d\r\n\r\n" % len(POST_BODY) + POST_BODY),
}


class Transport(asyncio.Transport):
    """Collects writes; counts complete responses by the writes of their last body chunk."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0
        self.closing = False

    def write(self, data: Any) -> None:
        self.written += 1

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)


def build(args: argparse.Namespace) -> tuple[Any, Any]:
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    if args.app == "raw":
        sys.path.insert(0, str(HERE / "apps" / "peers"))
        import raw_app

        app: Any = raw_app.app
    else:
        from covet.app import CovetApp

        app = CovetApp.from_config(args.config)
    if args.protocol == "covet":
        from covet.server import HttpLimits, http_protocol

        http: Any = http_protocol(HttpLimits())
    else:
        http = "httptools"
    config = Config(app, loop="uvloop", http=http, access_log=False, log_level="warning",
                    lifespan="off")
    config.load()
    state = ServerState()
    return config, state


async def serve(config: Any, state: Any, request: bytes, n: int) -> float:
    protocol = config.http_protocol_class(config=config, server_state=state, app_state={})
    transport = Transport()
    protocol.connection_made(transport)
    sleep = asyncio.sleep
    started = time.perf_counter()
    for _ in range(n):
        done = state.total_requests + 1
        protocol.data_received(request)
        while state.total_requests < done:
            await sleep(0)
    elapsed = time.perf_counter() - started
    protocol.connection_lost(None)
    return elapsed / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", type=Path, help="a CovetPy checkout to import covet from")
    parser.add_argument("--app", choices=("covet", "raw"), default="covet")
    parser.add_argument("--protocol", choices=("covet", "uvicorn"), default="covet")
    parser.add_argument("--config", help="covet.yaml (default: the checkout's bench app)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("-n", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", help="cProfile this scenario instead")
    args = parser.parse_args()
    root = args.engine.resolve() if args.engine else HERE.parent
    sys.path.insert(0, str(root / "engine"))
    args.config = args.config or str(root / "bench" / "apps" / "covet" / "covet.yaml")
    import uvloop

    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    config, state = build(args)
    if args.profile:
        profiler = cProfile.Profile()
        loop.run_until_complete(serve(config, state, SCENARIOS[args.profile], 2000))
        profiler.enable()
        loop.run_until_complete(serve(config, state, SCENARIOS[args.profile], args.n))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return
    for key in args.scenarios.split(","):
        request = SCENARIOS[key]
        loop.run_until_complete(serve(config, state, request, 2000))
        best = min(loop.run_until_complete(serve(config, state, request, args.n))
                   for _ in range(args.repeat))
        print(f"{key:10s} {best:6.2f} µs/request", flush=True)


if __name__ == "__main__":
    main()
