"""Per-request cost of the CovetPy stack without a server: µs per call of ``app(scope, receive, send)``.

    .venv/bin/python bench/inprocess.py [--repeat N] [--profile SCENARIO]
    .venv/bin/python bench/inprocess.py --security [--repeat N] [--profile secure]

``--media`` serves bench/apps/media: the json scenario's body (and ten posts) as JSON, XML and
MessagePack, chosen by ``Accept``.

``--security`` serves bench/apps/security (an HS256 bearer operation and the same without
security) and reports both and their difference: what authentication adds per request.

This isolates what CovetPy itself adds (DESIGN.md §11 budget: ~11 µs plaintext, 35–45 µs validated).
The fastest of ``--repeat`` runs is reported: on a shared machine, others only slow a run down.
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

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "engine"))

from covet.app import CovetApp

POST_ID = "5f0b6a8e-3a57-4f8e-9c35-2c1f2e3b4a5d"
ITEM = orjson.dumps({"name": "widget", "price": 9.5, "tags": ["a", "b"], "in_stock": True})

SCENARIOS: dict[str, tuple[str, str, bytes, bytes, list[tuple[bytes, bytes]]]] = {
    "plaintext": ("GET", "/plaintext", b"", b"", []),
    "json": ("GET", "/json", b"", b"", []),
    "params": ("GET", f"/users/42/posts/{POST_ID}", b"limit=20", b"", []),
    "post": ("POST", "/items", b"", ITEM, [(b"content-type", b"application/json"),
                                          (b"content-length", str(len(ITEM)).encode())]),
}


SECURITY_APP = HERE / "apps" / "security" / "covet.yaml"
MEDIA_APP = HERE / "apps" / "media" / "covet.yaml"


def media_scenarios() -> dict[str, tuple[str, str, bytes, bytes, list[tuple[bytes, bytes]]]]:
    """The json scenario's body and a list of ten posts, as each media type."""
    found: dict[str, tuple[str, str, bytes, bytes, list[tuple[bytes, bytes]]]] = {}
    for path in ("/json", "/posts"):
        for name, accept in (("json", None), ("xml", b"application/xml"),
                             ("msgpack", b"application/msgpack")):
            headers = [] if accept is None else [(b"accept", accept)]
            found[f"{path[1:]}-{name}"] = ("GET", path, b"", b"", headers)
    return found


def security_scenarios() -> dict[str, tuple[str, str, bytes, bytes, list[tuple[bytes, bytes]]]]:
    import os

    import jwt

    secret = os.environ.setdefault("BENCH_JWT_SECRET", "inprocess-" + "s" * 40)
    now = int(time.time())
    token = jwt.encode({"sub": "user-42", "iss": "https://bench.covet.example", "aud": "covet-bench",
                        "iat": now, "exp": now + 3600}, secret, algorithm="HS256")
    return {
        "open": ("GET", "/open/7", b"", b"", []),
        "secure": ("GET", "/secure/7", b"", b"", [(b"authorization", f"Bearer {token}".encode())]),
    }


def make_call(app: Any, scenario: str) -> Any:
    method, path, query, body, headers = SCENARIOS[scenario]
    request_message = {"type": "http.request", "body": body, "more_body": False}
    sink: list[int] = []

    async def receive() -> dict[str, Any]:
        return request_message

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sink.append(message["status"])

    base = {"type": "http", "http_version": "1.1", "method": method, "path": path,
            "query_string": query, "headers": [(b"host", b"bench"), *headers], "scheme": "http"}

    async def call() -> None:
        await app(dict(base), receive, send)

    return call, sink


async def measure(app: Any, scenario: str, n: int) -> float:
    call, sink = make_call(app, scenario)
    for _ in range(2000):
        await call()
    sink.clear()
    started = time.perf_counter()
    for _ in range(n):
        await call()
    elapsed = time.perf_counter() - started
    if set(sink) - {200, 201}:
        raise SystemExit(f"{scenario}: unexpected statuses {set(sink)}")
    return elapsed / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile")
    parser.add_argument("--config", default=str(HERE / "apps" / "covet" / "covet.yaml"))
    parser.add_argument("--security", action="store_true", help="the bench/apps/security app")
    parser.add_argument("--media", action="store_true",
                        help="the bench/apps/media app: JSON, XML and MessagePack responses")
    args = parser.parse_args()
    if args.security:
        SCENARIOS.clear()
        SCENARIOS.update(security_scenarios())
        args.config = str(SECURITY_APP)
    if args.media:
        SCENARIOS.clear()
        SCENARIOS.update(media_scenarios())
        args.config = str(MEDIA_APP)
    app = CovetApp.from_config(args.config)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(app.startup())
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        loop.run_until_complete(measure(app, args.profile, args.n))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
        return
    best: dict[str, float] = {}
    for scenario in SCENARIOS:
        best[scenario] = min(
            loop.run_until_complete(measure(app, scenario, args.n)) for _ in range(args.repeat)
        )
        print(f"{scenario:10s} {best[scenario]:6.2f} µs/request", flush=True)
    if args.security:
        print(f"auth adds  {best['secure'] - best['open']:6.2f} µs/request")


if __name__ == "__main__":
    main()
