"""Compression cost: CovetPy's CompressionMiddleware against Starlette's GZipMiddleware.

The same raw ASGI app answers the same 10 KB JSON body; each middleware wraps it and compresses
the answer for a client that sends ``Accept-Encoding: gzip, br``. Measured in-process (no
socket: the middleware's own cost is what differs), interleaved rounds, the best round of each;
microseconds per response and the size reduction. Both at gzip level 6 (the like-for-like
figure the target is judged on: CovetPy writes gzip with zlib-ng, Starlette with the standard
library), the middleware alone (CovetPy forced onto the standard library's zlib), and each at
its own defaults (Starlette: gzip 9).

    python3 bench/compression_bench.py [--rounds 7] [--requests 3000] [--output bench/COMPRESSION.md]

Runs in bench/.venv (Starlette comes with the FastAPI peer); re-executes itself there.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import platform
import sys
import time
import zlib
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import _harness as harness

BODY_POSTS = 36  # ~10 KB of JSON


def body() -> bytes:
    """~10 KB of API-like JSON: posts with varied words, numbers, timestamps (seeded)."""
    import random

    import orjson

    rng = random.Random(7)
    words = ["asgi", "server", "python", "request", "response", "router", "cache", "token", "schema", "database", "query", "latency", "worker", "socket", "header", "body", "stream", "event", "compress", "index", "table", "user", "post", "comment", "tag", "search", "page", "limit", "offset", "json", "yaml", "spec", "handler"]
    posts = [{"id": 1000 + i, "title": " ".join(rng.choice(words) for _ in range(6)).title(),
              "author_id": rng.randrange(1, 500), "score": round(rng.random() * 100, 2),
              "tags": rng.sample(words, 3), "published": rng.random() < 0.8,
              "created_at": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T"
                            f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z",
              "summary": " ".join(rng.choice(words) for _ in range(14))}
             for i in range(BODY_POSTS)]
    return orjson.dumps(posts)


def inner(payload: bytes) -> Any:
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(payload)).encode())]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        # NOTE: a new list each time: Starlette's middleware edits the headers list in place
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": payload})

    return app


def scope() -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": "/posts", "raw_path": b"/posts", "query_string": b"",
            "root_path": "", "headers": [(b"host", b"bench"), (b"accept-encoding", b"gzip, br")],
            "client": ("127.0.0.1", 1), "server": ("bench", 80)}


def apps(payload: bytes) -> dict[str, Any]:
    from starlette.middleware.gzip import GZipMiddleware

    from covet._problem import ProblemRenderer
    from covet.middleware.compression import CompressionMiddleware, CompressionSettings

    def covet(**settings: Any) -> Any:
        return CompressionMiddleware(inner(payload), CompressionSettings(**settings),
                                     ProblemRenderer(), 1 << 20)

    stdlib = covet(encodings=["gzip"], gzip_level=6)
    stdlib.oneshot["gzip"] = lambda data: zlib.compress(data, 6, 31)  # the middleware alone
    return {
        "covet gzip 6 (zlib-ng, the default)": covet(),
        "covet gzip 6 (stdlib zlib)": stdlib,
        "covet br 3": covet(encodings=["br"]),
        "starlette gzip 6": GZipMiddleware(inner(payload), minimum_size=500, compresslevel=6),
        "starlette default (gzip 9)": GZipMiddleware(inner(payload), minimum_size=500),
    }


async def run(app: Any, requests: int) -> tuple[float, int, str]:
    """Seconds per response, the last body's size and its encoding."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    start = time.perf_counter()
    for _ in range(requests):
        sent.clear()
        await app(scope(), receive, send)
    elapsed = (time.perf_counter() - start) / requests
    headers = dict(sent[0]["headers"])
    size = sum(len(m.get("body", b"")) for m in sent[1:])
    return elapsed, size, headers.get(b"content-encoding", b"identity").decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--cpu", default="0", help="taskset CPU for this process")
    parser.add_argument("--output", type=Path, default=BENCH / "COMPRESSION.md")
    args = parser.parse_args()
    if os.environ.get(harness.IN_VENV_MARK) != "1":
        harness.ensure_venv(False)
        python = str(harness.VENV_BIN / "python")
        os.execve("/usr/bin/taskset", ["taskset", "-c", args.cpu, python, __file__, *sys.argv[1:]],
                  {**os.environ, harness.IN_VENV_MARK: "1"})
    payload = body()
    assert gzip.decompress(gzip.compress(payload)) == payload
    contestants = apps(payload)
    best: dict[str, float] = {}
    sizes: dict[str, tuple[int, str]] = {}
    for round_no in range(args.rounds):
        for name, app in contestants.items():
            seconds, size, encoding = asyncio.run(run(app, args.requests))
            best[name] = min(best.get(name, seconds), seconds)
            sizes[name] = (size, encoding)
        print(f"round {round_no + 1}: " + ", ".join(f"{n} {best[n] * 1e6:.1f} us" for n in best),
              flush=True)
    like = best["starlette gzip 6"] / best["covet gzip 6 (zlib-ng, the default)"]
    alone = best["starlette gzip 6"] / best["covet gzip 6 (stdlib zlib)"]
    own = best["starlette default (gzip 9)"] / best["covet gzip 6 (zlib-ng, the default)"]
    rows = []
    for name, seconds in best.items():
        size, encoding = sizes[name]
        rows.append(f"| {name} | {encoding} | {seconds * 1e6:.1f} | {1e6 / (seconds * 1e6):,.0f} | "
                    f"{size:,} | {100 * (1 - size / len(payload)):.1f}% |")
    versions = harness.package_versions(["covetpy", "starlette", "brotli", "zlib-ng"])
    text = "\n".join([
        "# Compression: CovetPy against Starlette's GZipMiddleware",
        "",
        (f"Written by `bench/compression_bench.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f" (`--rounds {args.rounds} --requests {args.requests}`), pinned to CPU {args.cpu}."),
        "",
        f"- CPU: {harness.cpu_model()} ({os.cpu_count()} CPUs), Python {platform.python_version()}",
        "- " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        (f"- Body: {len(payload):,} bytes of JSON ({BODY_POSTS} posts), `Accept-Encoding: gzip, br`;"
        " the same raw ASGI app behind each middleware, called in-process; best of the rounds."),
        "",
        "| middleware | encoding | µs / response | responses / s | bytes sent | smaller by |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        (f"- Same gzip level 6, each as it ships: CovetPy {like:.2f}x Starlette's speed "
        f"(target ≥ 1.20x: {'PASS' if like >= 1.2 else 'FAIL'})."),
        (f"- The middleware alone (both on the standard library's zlib, level 6): CovetPy "
        f"{alone:.2f}x."),
        f"- Each at its defaults: CovetPy (gzip 6, zlib-ng) {own:.2f}x Starlette (gzip 9).",
        (f"- Size reduction on this body: gzip 6 "
        f"{100 * (1 - sizes['covet gzip 6 (zlib-ng, the default)'][0] / len(payload)):.1f}%,"
        f" brotli 3 {100 * (1 - sizes['covet br 3'][0] / len(payload)):.1f}% (target > 60%)."),
        "",
    ])
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
