#!/usr/bin/env python3
"""Response-cache benchmark: cached GETs in memory and Redis, and a Zipf workload on the reference app.

Two parts, measured over HTTP like bench/run.py (``covet run``: uvicorn, 1 worker, uvloop +
httptools, pinned to one CPU; wrk pinned to the other; server CPU time per request from
``/proc``):

- ``get``: ``GET /posts/{post_id}`` of bench/apps/cache/, whose handler reads the post from a
  SQLite database with SQLAlchemy (``db: AsyncSession``), (a) uncached, (b) cached in the
  in-process memory cache (``x-covet-cache: {ttl: 5m}``, no ``providers.cache``) and (c) cached
  in Redis (``providers.cache: redis://...`` under a namespace unique to the run), beside
  CovetPy's own plaintext scenario (bench/apps/covet/, ``GET /plaintext``). wrk's Lua script
  cycles through 100 post ids, so after the warm-up every cached request is a hit. The four
  servers are loaded in interleaved rounds and the fastest run of each is reported.
- ``zipf``: the reference app (specs/covet.yaml: listUserPosts, getUserPost and searchPosts
  cached for 30 s) on a SQLite database seeded with 10,000 posts (``covet db upgrade`` and
  ``covet db seed``), loaded by wrk with a precomputed Zipf(1.1) sequence of
  ``GET /v1/users/{user}/posts/{post}``; hits are counted in wrk's Lua ``response()`` hook by
  the ``Age`` header, which only responses served from the cache carry. Then the memory for
  10,000 cached posts: two fresh servers, the reference app and the same app without its
  ``caching``, each sent every post once; the growth of their resident memory.

The run writes bench/CACHE.md. Runs under any python3: it re-executes itself in bench/.venv
(creating it as bench/run.py does). ``--engine DIR`` serves CovetPy from another checkout (a
``git worktree`` of a commit), so that edits in progress in the working tree are not measured.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import datetime
import http.client
import os
import random
import secrets
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import _harness as harness
from _harness import Check, Key, Stats

BENCH = harness.BENCH
ROOT = harness.ROOT
APP_DIR = BENCH / "apps" / "cache"
PLAINTEXT_CONFIG = BENCH / "apps" / "covet" / "covet.yaml"
LOGS = BENCH / "results" / "logs"  # bench/results/ is ignored by the root .gitignore
LATEST = BENCH / "results" / "cache-latest.json"
VERSIONED = ["covetpy", "sqlalchemy", "aiosqlite", "redis", "orjson", "pydantic", "uvicorn",
             "uvloop", "httptools"]
PARTS = ("get", "zipf")
REDIS_URL = "redis://127.0.0.1:6379/0"
GREETING = b"Hello, World!"

ROWS = 5000  # posts in the get part's database
IDS = 100  # the ids wrk cycles through
ZIPF_S = 1.1
ZIPF_USERS, ZIPF_POSTS_PER_USER = 1000, 10  # 10,000 posts
MEMORY_MAX_MB = 100.0
HIT_RATIO_MIN = 0.80
PLAINTEXT_RATIO_MIN = 0.85
FILL_TTL = "10m"
ANALYSIS = "<!-- analysis: written by hand, kept by the script -->"

VARIANTS = {  # key: (label, covet.yaml)
    "plaintext": ("plaintext scenario (bench/apps/covet, GET /plaintext)", PLAINTEXT_CONFIG),
    "uncached": ("(a) uncached: SQLAlchemy read from SQLite", APP_DIR / "covet-uncached.yaml"),
    "memory": ("(b) cached in memory (x-covet-cache, no providers.cache)",
               APP_DIR / "covet-memory.yaml"),
    "redis": ("(c) cached in Redis (providers.cache: redis://)", APP_DIR / "covet-redis.yaml"),
}


# --------------------------------------------------------------------------- setup

def engine_env(args: argparse.Namespace, extra: dict[str, str]) -> dict[str, str]:
    """A server's environment: CovetPy imported from --engine's engine/ when given."""
    env = {**harness.server_env(), **extra}
    if args.engine != ROOT:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(args.engine / "engine"),
                                                          env.get("PYTHONPATH")]))
    return env


def covet_command(config: Path) -> list[str]:
    return [str(harness.VENV_BIN / "covet"), "run", "--config", str(config),
            *harness.COVET_RUN_FLAGS]


def make_posts_db(path: Path) -> list[tuple[Any, ...]]:
    """The get part's database: ROWS posts with 200-600 characters of body each."""
    rng = random.Random(5)
    words = ("cache", "response", "latency", "sqlite", "redis", "handler", "request", "memory",
             "benchmark", "covet", "openapi", "python", "router", "ttl", "entry", "hit")
    rows = []
    for i in range(1, ROWS + 1):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(30, 90)))
        rows.append((i, f"Author {i % 97}", f"Post number {i}", body,
                     f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T09:00:00Z"))
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, author VARCHAR(100), "
                     "title VARCHAR(200), body TEXT, created_at VARCHAR(32))")
        conn.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, ?)", rows)
    return rows


def write_uncached_spec() -> None:
    """openapi-uncached.yaml: bench/apps/cache/openapi.yaml without x-covet-cache."""
    import yaml  # bench/.venv only

    spec = yaml.safe_load((APP_DIR / "openapi.yaml").read_text())
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation.pop("x-covet-cache", None)
    (APP_DIR / "openapi-uncached.yaml").write_text(
        "# Written by bench/cache_bench.py from openapi.yaml (without x-covet-cache); do not edit.\n"
        + yaml.safe_dump(spec, sort_keys=False))


# --------------------------------------------------------------------------- HTTP

def get(port: int, path: str, conn: http.client.HTTPConnection | None = None
        ) -> tuple[int, dict[str, str], bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection(harness.HOST, port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        if own:
            conn.close()


def check_cached(port: int, path: str, cached: bool) -> str | None:
    """A second GET of ``path`` carries Age (a hit) exactly when the operation is cached."""
    try:
        get(port, path)
        status, headers, _ = get(port, path)
    except OSError as error:
        return f"GET {path}: {error}"
    if status != 200:
        return f"GET {path} (again): {status}"
    if cached and "age" not in headers:
        return f"GET {path} twice: the second answer has no Age header (not served from the cache)"
    if not cached and "age" in headers:
        return f"GET {path} twice: an uncached operation answered with Age"
    return None


# --------------------------------------------------------------------------- wrk scripts

LUA_CYCLE = """
local paths = {%s}
local count = #paths
local i = 0
request = function()
  i = i + 1
  if i > count then i = 1 end
  return wrk.format("GET", paths[i])
end
"""

# The summary of harness.LUA_DONE plus the cache hits the response() hook counted (by Age).
LUA_ZIPF = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local count = #paths
local i = tonumber(os.getenv("ZIPF_OFFSET") or "0") %% count
hits = 0
responses = 0
request = function()
  i = i + 1
  if i > count then i = 1 end
  return wrk.format("GET", paths[i])
end
response = function(status, headers, body)
  responses = responses + 1
  if headers["age"] ~= nil or headers["Age"] ~= nil then hits = hits + 1 end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local h, r = 0, 0
  for _, t in ipairs(threads) do h = h + t:get("hits"); r = r + t:get("responses") end
  local e = summary.errors
  io.write(string.format(
    "COVET_BENCH {\\"requests\\":%%d,\\"duration_us\\":%%d,\\"connect\\":%%d,\\"read\\":%%d," ..
    "\\"write\\":%%d,\\"status\\":%%d,\\"timeout\\":%%d,\\"p50_us\\":%%.0f,\\"p90_us\\":%%.0f," ..
    "\\"p99_us\\":%%.0f,\\"mean_us\\":%%.1f,\\"hits\\":%%d,\\"responses\\":%%d}\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, h, r))
end
"""


def cycle_script(directory: Path, name: str, paths: list[str]) -> Path:
    listed = ", ".join(f'"{p}"' for p in paths)
    return harness.write_lua(directory / f"{name}.lua", LUA_CYCLE % listed)


# --------------------------------------------------------------------------- the get part

@dataclasses.dataclass
class Run:
    results: dict[Key, Stats] = dataclasses.field(default_factory=dict)
    runs: dict[Key, list[Stats]] = dataclasses.field(default_factory=dict)
    problems: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    commands: dict[str, str] = dataclasses.field(default_factory=dict)
    memory: dict[str, harness.Memory] = dataclasses.field(default_factory=dict)
    zipf: dict[str, Any] = dataclasses.field(default_factory=dict)
    loadavg: dict[str, list[float]] = dataclasses.field(default_factory=dict)


class RedisKeys:
    """The run's namespace in Redis: its keys counted and deleted."""

    def __init__(self, namespace: str) -> None:
        import redis  # bench/.venv only

        self.client = redis.Redis.from_url(REDIS_URL)
        self.pattern = f"{namespace}:*"

    def keys(self) -> list[bytes]:
        return list(self.client.scan_iter(match=self.pattern, count=1000))

    def clear(self) -> None:
        keys = self.keys()
        if keys:
            self.client.delete(*keys)

    def helpers(self) -> harness.Helpers | None:
        info = self.client.info("server")
        pid = int(info["process_id"]) if "process_id" in info else None
        if pid is None:
            return None
        return harness.Helpers("redis", "redis",
                               lambda: {pid: t} if (t := harness.cpu_ticks(pid)) else {})


def run_get(args: argparse.Namespace, run: Run, directory: Path) -> None:
    rows = make_posts_db(directory / "posts.db")
    write_uncached_spec()
    namespace = f"covet-bench-cache-{os.getpid()}-{int(time.time())}"
    store = RedisKeys(namespace)
    env = engine_env(args, {"BENCH_CACHE_DB": str(directory / "posts.db"),
                            "BENCH_CACHE_NAMESPACE": namespace})
    ids = [1 + k * (ROWS // IDS) for k in range(IDS)]
    post_paths = [f"/posts/{i}" for i in ids]
    scripts = {"plaintext": cycle_script(directory, "plaintext", ["/plaintext"])}
    for key in ("uncached", "memory", "redis"):
        scripts[key] = cycle_script(directory, key, post_paths)
    servers: dict[str, harness.Server] = {}
    print(f"== get: starting {', '.join(VARIANTS)} (pinned to CPU {args.server_cpu})", flush=True)
    try:
        for key, (_, config) in VARIANTS.items():
            servers[key] = harness.Server(lambda port, c=config: [*covet_command(c), "--host",
                                                                  harness.HOST, "--port", str(port)],
                                          env, args.server_cpu, LOGS / f"cache-{key}.log")
            run.commands[key] = shlex.join(servers[key].command)
        for key, server in servers.items():
            failure = server.wait_ready(args.start_timeout)
            problems = run.problems.setdefault(key, [])
            if failure:
                problems.append(f"server failed to start ({failure}); log tail:\n"
                                f"{server.log_tail()}")
                continue
            run.memory[key] = {"startup_kb": server.rss_kb(), "after_kb": None}
            if key == "plaintext":
                checks = [Check("GET", "/plaintext", 200, "text/plain", GREETING)]
            else:
                row = rows[ids[3] - 1]
                expected = dict(zip(("id", "author", "title", "body", "created_at"), row,
                                    strict=True))
                checks = [Check("GET", f"/posts/{row[0]}", 200, "application/json", expected),
                          Check("GET", f"/posts/{ROWS + 1}", 404), Check("GET", "/posts/0", "4xx"),
                          Check("GET", "/posts/ten", "4xx")]
            problems += [p for c in checks if (p := harness.run_check(server.port, c))]
            if key != "plaintext":
                problem = check_cached(server.port, f"/posts/{ids[5]}", key != "uncached")
                problems += [problem] if problem else []
            for problem in problems:
                print(f"   {key}: check failed: {problem}", flush=True)
        if args.check_only:
            return
        for round_no in range(1, args.rounds + 1):
            print(f"== get: round {round_no} of {args.rounds}", flush=True)
            order = list(VARIANTS) if round_no % 2 else list(reversed(VARIANTS))
            for key in order:
                server = servers[key]
                if not server.alive():
                    run.runs.setdefault(("get", key), []).append({"error": "server not running"})
                    continue
                url = server.url("/plaintext" if key == "plaintext" else "/posts/1")
                idle = harness.wait_quiet(args) if args.quiet_wait > 0 else None
                if args.warmup > 0:
                    harness.run_wrk(args, url, scripts[key], args.warmup)
                helpers = store.helpers() if key == "redis" else None
                stats = harness.measure(args, server, url, scripts[key], helpers)
                stats["idle_load_pct"] = idle
                if run.problems.get(key):
                    stats["valid"], stats["note"] = False, "endpoint checks failed"
                if not server.alive():
                    stats = {"error": f"server died; log tail:\n{server.log_tail()}"}
                run.runs.setdefault(("get", key), []).append(stats)
                extra = f"  redis {stats['redis_cpu_us']:.0f} us/req" if "redis_cpu_us" in stats else ""
                print(f"   {key:10} {harness.describe(stats)}{extra}", flush=True)
        for key, runs in run.runs.items():
            run.results[key] = harness.fastest(runs)
            costs = [r["server_cpu_us"] for r in runs if r.get("valid") and "server_cpu_us" in r]
            if costs and "error" not in run.results[key]:
                run.results[key]["min_cpu_us"] = min(costs)
                run.results[key]["all_cpu_us"] = [round(c) for c in costs]
        for key, server in servers.items():
            if key in run.memory:
                run.memory[key]["after_kb"] = server.rss_kb()
        run.zipf["redis_keys"] = len(store.keys())
    finally:
        for server in servers.values():
            server.stop()
        store.clear()


# --------------------------------------------------------------------------- the zipf part

def zipf_sequence(count: int, n: int, s: float, rng: random.Random) -> list[int]:
    """``count`` ranks (0-based) drawn from Zipf(s) over ``n`` items: a cumulative
    distribution over the ranks and ``random.random()``."""
    cumulative, total = [], 0.0
    for rank in range(1, n + 1):
        total += rank ** -s
        cumulative.append(total)
    return [min(bisect.bisect_left(cumulative, rng.random() * total), n - 1)
            for _ in range(count)]


def reference_env(args: argparse.Namespace, db: Path, secret: str) -> dict[str, str]:
    return engine_env(args, {"DATABASE_URL": f"sqlite+aiosqlite:///{db}",
                             "COVET_JWT_SECRET": secret})


def seed_reference_db(args: argparse.Namespace, env: dict[str, str]) -> str:
    config = str(args.engine / "specs" / "covet.yaml")
    covet = str(harness.VENV_BIN / "covet")
    out = []
    for command in ([covet, "db", "upgrade", "-c", config],
                    [covet, "db", "seed", "-c", config, "--users", str(ZIPF_USERS),
                     "--posts-per-user", str(ZIPF_POSTS_PER_USER)]):
        done = subprocess.run(command, cwd=args.engine, env=env, capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            sys.exit(f"{shlex.join(command)} failed:\n{done.stdout}{done.stderr}")
        out.append(done.stdout.strip())
    return "; ".join(out)


def reference_paths(db: Path) -> list[str]:
    """Every post of the seeded database as GET /v1/users/{author}/posts/{id}."""
    import uuid

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT author_id, id FROM posts ORDER BY author_id, created_at").fetchall()
    return [f"/v1/users/{author}/posts/{uuid.UUID(str(pid))}" for author, pid in rows]


def derived_config(args: argparse.Namespace, directory: Path, name: str, cached: bool) -> Path:
    """The reference app's covet.yaml with absolute paths: without caching (the memory control),
    or with getUserPost's ttl raised to FILL_TTL (so that no entry expires while 10,000 are
    written and read again; an entry's size does not depend on its ttl)."""
    import yaml  # bench/.venv only

    specs = args.engine / "specs"
    config = yaml.safe_load((specs / "covet.yaml").read_text())
    for api in config["apis"]:
        api["spec"] = str(specs / api["spec"])
    config["pythonpath"] = [str((specs / p).resolve()) for p in config.get("pythonpath", [])]
    if cached:
        config["operations"]["getUserPost"]["cache"]["ttl"] = FILL_TTL
    else:
        config.pop("caching", None)
        for operation in config.get("operations", {}).values():
            operation.pop("cache", None)
    path = directory / name
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def fill(port: int, paths: list[str], threads: int = 8) -> dict[str, int]:
    """GET every path once over ``threads`` keep-alive connections; statuses, hits and bytes."""
    counts = {"requests": 0, "ok": 0, "hits": 0, "bytes": 0}
    lock = threading.Lock()

    def worker(part: list[str]) -> None:
        conn = http.client.HTTPConnection(harness.HOST, port, timeout=30)
        mine = {"requests": 0, "ok": 0, "hits": 0, "bytes": 0}
        try:
            for path in part:
                status, headers, body = get(port, path, conn)
                mine["requests"] += 1
                mine["ok"] += status == 200
                mine["hits"] += "age" in headers
                mine["bytes"] += len(body)
        finally:
            conn.close()
        with lock:
            for key, value in mine.items():
                counts[key] += value

    workers = [threading.Thread(target=worker, args=(paths[k::threads],)) for k in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return counts


def start(args: argparse.Namespace, run: Run, key: str, config: Path,
          env: dict[str, str]) -> harness.Server | None:
    server = harness.Server(lambda port: [*covet_command(config), "--host", harness.HOST,
                                          "--port", str(port)],
                            env, args.server_cpu, LOGS / f"cache-{key}.log")
    run.commands[key] = shlex.join(server.command)
    failure = server.wait_ready(args.start_timeout)
    if failure:
        run.problems.setdefault(key, []).append(
            f"server failed to start ({failure}); log tail:\n{server.log_tail()}")
        print(f"== {key}: failed to start: {failure}\n{server.log_tail()}", flush=True)
        server.stop()
        return None
    return server


def run_zipf(args: argparse.Namespace, run: Run, directory: Path) -> None:
    db = directory / "blog.db"
    secret = secrets.token_urlsafe(48)  # 64 characters, never written anywhere
    env = reference_env(args, db, secret)
    print("== zipf: migrating and seeding the reference app's database", flush=True)
    started = time.monotonic()
    run.zipf["seed"] = seed_reference_db(args, env)
    run.zipf["seed_seconds"] = time.monotonic() - started
    paths = reference_paths(db)
    run.zipf["posts"] = len(paths)
    rng = random.Random(11)
    by_rank = paths[:]
    rng.shuffle(by_rank)  # which post is how popular: unrelated to its author or id
    sequence = [by_rank[r] for r in zipf_sequence(args.zipf_requests, len(by_rank), ZIPF_S, rng)]
    top100 = set(by_rank[:100])
    run.zipf["sequence"] = {"length": len(sequence), "distinct": len(set(sequence)),
                            "top1_share": sequence.count(by_rank[0]) / len(sequence),
                            "top100_share": sum(p in top100 for p in sequence) / len(sequence)}
    listing = directory / "zipf-paths.txt"
    listing.write_text("\n".join(sequence) + "\n")
    script = directory / "zipf.lua"
    script.write_text(LUA_ZIPF % listing)
    config = args.engine / "specs" / "covet.yaml"

    server = start(args, run, "zipf", config, env)
    if server is None:
        return
    try:
        problems = run.problems.setdefault("zipf", [])
        probe = paths[0] + "?comments=10"  # a key of its own: the Zipf sequence never asks it
        status, _, body = get(server.port, probe)
        if status != 200 or b'"comments"' not in body:
            problems.append(f"GET {probe}: {status} {body[:200]!r}")
        problem = check_cached(server.port, probe, True)
        problems += [problem] if problem else []
        for problem in problems:
            print(f"   zipf: check failed: {problem}", flush=True)
        run.memory["zipf"] = {"startup_kb": server.rss_kb(), "after_kb": None}
        if args.check_only:
            return
        url = server.url(paths[0])
        idle = harness.wait_quiet(args) if args.quiet_wait > 0 else None
        zipf_args = argparse.Namespace(**{**vars(args), "duration": args.zipf_duration})
        warm: Stats = {}
        if args.zipf_warmup > 0:
            warm = harness.run_wrk(argparse.Namespace(**vars(args)), url, script, args.zipf_warmup)
            print(f"   zipf warm-up {harness.describe(warm)}  hits {warm.get('hits')} of "
                  f"{warm.get('responses')}", flush=True)
        os.environ["ZIPF_OFFSET"] = str(warm.get("requests", 0))  # wrk inherits it
        run.loadavg["zipf_start"] = list(os.getloadavg())
        stats = harness.measure(zipf_args, server, url, script)
        run.loadavg["zipf_end"] = list(os.getloadavg())
        stats["idle_load_pct"] = idle
        if problems:
            stats["valid"], stats["note"] = False, "endpoint checks failed"
        if not server.alive():
            stats = {"error": f"server died; log tail:\n{server.log_tail()}"}
        run.zipf["warmup"], run.zipf["run"] = warm, stats
        run.memory["zipf"]["after_kb"] = server.rss_kb()
        ratio = stats["hits"] / stats["responses"] if stats.get("responses") else None
        print(f"   zipf       {harness.describe(stats)}  hit ratio "
              f"{'-' if ratio is None else f'{ratio:.1%}'}", flush=True)
    finally:
        server.stop()
        os.environ.pop("ZIPF_OFFSET", None)

    # Memory: 10,000 posts into a fresh server's cache, against the same app without caching.
    control = derived_config(args, directory, "covet-nocache.yaml", cached=False)
    long_ttl = derived_config(args, directory, "covet-fill.yaml", cached=True)
    for key, cfg in (("fill-nocache", control), ("fill-cached", long_ttl)):
        idle = harness.wait_quiet(args) if args.quiet_wait > 0 else None
        server = start(args, run, key, cfg, env)
        if server is None:
            continue
        try:
            get(server.port, paths[0] + "?comments=3")  # the first request's lazy imports
            time.sleep(0.5)
            before = server.rss_kb()
            started = time.monotonic()
            filled = fill(server.port, paths)
            seconds = time.monotonic() - started
            time.sleep(0.5)
            after = server.rss_kb()
            entry: dict[str, Any] = {"before_kb": before, "after_kb": after, "fill": filled,
                                     "fill_seconds": seconds, "idle_load_pct": idle}
            if key == "fill-cached":
                entry["again"] = fill(server.port, paths)  # every post should now be a hit
                entry["again_after_kb"] = server.rss_kb()
                entry["again_seconds"] = time.monotonic() - started - seconds
            run.zipf[key] = entry
            print(f"   {key:12} RSS {harness.fmt_mb(before)} -> {harness.fmt_mb(after)} after "
                  f"{filled['ok']} of {filled['requests']} posts in {seconds:.1f} s"
                  + (f"; again: {entry['again']['hits']} hits" if "again" in entry else ""),
                  flush=True)
        finally:
            server.stop()


# --------------------------------------------------------------------------- CACHE.md

def growth_kb(entry: dict[str, Any] | None) -> int | None:
    if not entry or entry.get("before_kb") is None or entry.get("after_kb") is None:
        return None
    return int(entry["after_kb"] - entry["before_kb"])


def render(args: argparse.Namespace, run: Run, started: datetime.datetime) -> str:
    command = shlex.join(["python3", "bench/cache_bench.py", *args.argv])
    loads = [s["foreign_load_pct"] for s in run.results.values() if "foreign_load_pct" in s]
    if "foreign_load_pct" in run.zipf.get("run", {}):
        loads.append(run.zipf["run"]["foreign_load_pct"])
    problems = [(key, p) for key, items in run.problems.items() for p in items]
    engine = args.engine_description
    out = [
        "# Response-cache benchmark results",
        "",
        (f"Written by `bench/cache_bench.py` on {started:%Y-%m-%d %H:%M} UTC (`{command}`). "
         "Do not edit by hand above the analysis section (the script keeps it); the app is in [apps/cache/](apps/cache/), the Zipf part serves "
         "the reference app (specs/covet.yaml)."),
        "",
        *harness.render_machine(VERSIONED, args.wrk, [f"- CovetPy served from: {engine}"]),
        "## Settings",
        "",
        (f"- Servers: `covet run --config ... --workers 1 --no-access-log --log-level warning` "
         f"(uvicorn, 1 worker, uvloop + httptools), pinned with `taskset -c {args.server_cpu}`; "
         "the servers of a part run side by side, loaded one at a time."),
        (f"- Load: `taskset -c {args.wrk_cpu} wrk -t{args.threads} -c{args.connections} "
         f"--timeout={args.timeout:g}s --latency` with a Lua `request()` that cycles through a "
         "list of paths (for the plaintext scenario too, so every variant pays the same wrk "
         "cost)."),
        (f"- Load average (1, 5, 15 min) at the start: {fmt_load(run.loadavg.get('start'))}; "
         f"at the end: {fmt_load(run.loadavg.get('end'))}. Before each measured run the script "
         f"waited up to {args.quiet_wait:g} s for other processes to use less than "
         f"{args.quiet_threshold:g}% of a CPU."),
        "",
        *render_targets(args, run),
        *render_get(args, run),
        *render_zipf(args, run),
        "## Notes",
        "",
        *harness.load_note(loads, args.quiet_threshold),
        *harness.problem_notes(problems, "- Every endpoint check passed."),
        "",
    ]
    return "\n".join(out)


def fmt_load(values: list[float] | None) -> str:
    return "-" if not values else " / ".join(f"{v:.2f}" for v in values)


def hit_ratio(run: Run) -> float | None:
    stats = run.zipf.get("run") or {}
    return stats["hits"] / stats["responses"] if stats.get("responses") else None


def min_cpu_ratio(run: Run, a: str, b: str) -> float | None:
    """b's lowest server CPU per request over a's: the cost ratio least touched by others' load."""
    cost_a = (run.results.get(("get", a)) or {}).get("min_cpu_us")
    cost_b = (run.results.get(("get", b)) or {}).get("min_cpu_us")
    return cost_b / cost_a if cost_a and cost_b else None


def render_targets(args: argparse.Namespace, run: Run) -> list[str]:
    r = run.results
    rows: list[list[str]] = []
    if "get" in args.parts:
        value = harness.ratio(r, ("get", "memory"), ("get", "plaintext"))
        rows.append(["memory-cached GET / plaintext scenario (req/s)",
                     f">= {PLAINTEXT_RATIO_MIN:.2f}x", harness.fmt_ratio(value),
                     harness.verdict(value, PLAINTEXT_RATIO_MIN),
                     harness.fmt_ratio(harness.cpu_ratio(r, ("get", "memory"),
                                                         ("get", "plaintext")))])
        cost = min_cpu_ratio(run, "memory", "plaintext")
        rows.append(["the same from each one's lowest server CPU µs/req of the rounds",
                     f">= {PLAINTEXT_RATIO_MIN:.2f}x", harness.fmt_ratio(cost),
                     harness.verdict(cost, PLAINTEXT_RATIO_MIN), harness.fmt_ratio(cost)])
    if "zipf" in args.parts:
        ratio = hit_ratio(run)
        valid = bool((run.zipf.get("run") or {}).get("valid"))
        rows.append([f"Zipf({ZIPF_S}) over {run.zipf.get('posts', '-')} posts: hit ratio (ttl 30s)",
                     f"> {HIT_RATIO_MIN:.0%}",
                     "-" if ratio is None else f"{ratio:.1%}" + ("" if valid else " (INVALID)"),
                     "n/a" if ratio is None or not valid
                     else ("PASS" if ratio > HIT_RATIO_MIN else "FAIL"), "-"])
        grown = growth_kb(run.zipf.get("fill-cached"))
        rows.append(["RSS growth of a server filled with 10,000 cached posts",
                     f"< {MEMORY_MAX_MB:.0f} MB", harness.fmt_mb(grown),
                     "n/a" if grown is None else ("PASS" if grown / 1024 < MEMORY_MAX_MB
                                                  else "FAIL"), "-"])
    return [
        "## Targets",
        "",
        ("Ratios are judged on requests per second, as the targets are stated; the last column "
         "is the same ratio from server CPU time per request (the inverse cost ratio), which "
         "holds up better when other processes share the machine."),
        "",
        *harness.table(["target", "goal", "measured", "result", "CPU-cost ratio"], rows),
        "",
    ]


def render_get(args: argparse.Namespace, run: Run) -> list[str]:
    if "get" not in args.parts:
        return []
    r = run.results
    rows = []
    for key, (label, _) in VARIANTS.items():
        stats = r.get(("get", key))
        rows.append([
            label, harness.cell_rps(stats, args.quiet_threshold), harness.cell_cpu(stats),
            harness.cell_us("redis_cpu_us")(stats), harness.cell_latency(stats),
            harness.fmt_ratio(harness.ratio(r, ("get", key), ("get", "plaintext"))),
            harness.fmt_ratio(harness.ratio(r, ("get", key), ("get", "uncached"))),
            harness.fmt_ratio(min_cpu_ratio(run, key, "uncached")),
            " / ".join(f"{v:,}" for v in stats.get("all_rps", [])) if stats else "-",
            " / ".join(f"{v:,}" for v in stats.get("all_cpu_us", [])) if stats else "-",
        ])
    memory = [([VARIANTS[k][0]], m) for k, m in run.memory.items() if k in VARIANTS]
    return [
        "## Cached GET: GET /posts/{post_id} against the uncached handler and plaintext",
        "",
        (f"The handler reads one row of {ROWS:,} from SQLite (`await db.get(Post, post_id)` on "
         "the request's `AsyncSession`, aiosqlite) and returns it as JSON (about 300-700 "
         f"bytes). wrk cycles through {IDS} ids, so after the {args.warmup:g} s warm-up every "
         "cached request is a hit (the endpoint check confirmed a second request carries "
         "`Age`). Redis keys are under a namespace unique to the run, deleted afterwards. "
         f"{args.rounds} interleaved rounds (A B C D, D C B A, ...) of {args.duration:g} s; "
         "the fastest run of each is shown (its req/s, server CPU and latency), with every "
         "round's req/s and server CPU µs/req in the last columns. When other processes load "
         "the machine unevenly across rounds, the lowest CPU µs/req of each variant is the "
         "fairer comparison: the CPU a request costs suffers less from sharing than req/s."),
        "",
        *harness.table(["variant", "req/s", "server µs/req", "redis-server µs/req",
                        "p50 / p99 ms", "vs plaintext", "vs uncached (req/s)",
                        "vs uncached (lowest CPU)", "rounds' req/s", "rounds' server µs/req"],
                       rows),
        "",
        *harness.render_memory(["server"], memory, "after the run"),
    ]


def render_zipf(args: argparse.Namespace, run: Run) -> list[str]:
    if "zipf" not in args.parts or not run.zipf.get("posts"):
        return []
    z = run.zipf
    stats, warm = z.get("run") or {}, z.get("warmup") or {}
    seq = z["sequence"]
    ratio = hit_ratio(run)
    memory = run.memory.get("zipf", {})
    out = [
        f"## Zipf({ZIPF_S}) over {z['posts']:,} posts on the reference app",
        "",
        (f"specs/covet.yaml as it is (getUserPost cached with `ttl: 30s`, tags posts and "
         f"comments; `memory://` per process) on a fresh SQLite file: `{z['seed']}` "
         f"({z['seed_seconds']:.0f} s). The request list was precomputed in Python (a "
         "cumulative distribution over the ranks, `random.random()` and a bisection; no numpy): "
         f"{seq['length']:,} requests of `GET /v1/users/{{user}}/posts/{{post}}` "
         f"({seq['distinct']:,} distinct posts; the most popular is {seq['top1_share']:.1%} of "
         f"them, the top 100 {seq['top100_share']:.1%}); which post has which rank is a seeded "
         "shuffle. wrk reads the list from a file in its Lua script and walks it in order "
         f"(`-c{args.connections}`), a {args.zipf_warmup:g} s warm-up first, then the measured "
         f"{args.zipf_duration:g} s continuing where the warm-up stopped. Hits are counted in "
         "wrk's `response()` hook: a response with an `Age` header came from the cache "
         "(CovetPy adds `Age` only to hits)."),
        "",
        *harness.table(
            ["run", "requests", "req/s", "server µs/req", "p50 / p99 ms", "hits", "hit ratio"],
            [[name, f"{s.get('requests', 0):,}", harness.cell_rps(s, args.quiet_threshold)
              if s else "-", harness.cell_cpu(s) if s else "-",
              harness.cell_latency(s) if s else "-", f"{s.get('hits', 0):,}",
              f"{s['hits'] / s['responses']:.1%}" if s.get("responses") else "-"]
             for name, s in ((f"warm-up ({args.zipf_warmup:g} s, cold cache)", warm),
                             (f"measured ({args.zipf_duration:g} s)", stats))]),
        "",
        (f"The measured run {'wrapped around' if stats.get('requests', 0) + warm.get('requests', 0) > seq['length'] else 'did not reach the end of'} "
         f"the request list. Server RSS: {harness.fmt_mb(memory.get('startup_kb'))} before the "
         f"warm-up, {harness.fmt_mb(memory.get('after_kb'))} after the measured run."
         + ("" if ratio is None else
            f" Hit ratio {ratio:.1%} at {stats.get('rps', 0):,.0f} req/s: with a 30 s ttl, the "
            "ratio depends on how many requests arrive per ttl (each post costs one miss per "
            "30 s in which it is asked for at all).")),
        "",
    ]
    rows = []
    for key, label in (("fill-nocache", "reference app without caching (control)"),
                       ("fill-cached", "reference app (getUserPost cached)")):
        entry = z.get(key)
        if not entry:
            continue
        fill_stats = entry["fill"]
        again = entry.get("again")
        rows.append([label, harness.fmt_mb(entry["before_kb"]), harness.fmt_mb(entry["after_kb"]),
                     harness.fmt_mb(growth_kb(entry)),
                     (f"{fill_stats['ok']:,} of {fill_stats['requests']:,} in "
                      f"{entry['fill_seconds']:.1f} s"),
                     f"{fill_stats['bytes'] / 1e6:.1f} MB",
                     "-" if not again else f"{again['hits']:,} of {again['requests']:,} hits"])
    cached, control = growth_kb(z.get("fill-cached")), growth_kb(z.get("fill-nocache"))
    share = None if cached is None or control is None else cached - control
    out += [
        "### Memory for 10,000 cached posts",
        "",
        ("Two fresh servers, one request each for the first request's lazy imports, then every "
         "post once over 8 keep-alive connections (Python threads, `http.client`); RSS of the "
         "server process tree (`/proc`, VmRSS) before and after. The control is the same app "
         "and database without `caching:` and the operations' `cache` (a derived covet.yaml): "
         "its growth is what the reads cost without a cache (allocator arenas, SQLite's page "
         "cache, SQLAlchemy's statement caches). The cached server's covet.yaml is the reference "
         f"app's with getUserPost's ttl raised from 30s to {FILL_TTL}, so that no entry expires "
         "during the fill (an entry's size does not depend on its ttl). Then the cached server was sent every post "
         "again: each must be a hit (the memory:// cache holds 10,000 entries by default)."),
        "",
        *harness.table(["server", "RSS before", "RSS after", "growth", "posts answered",
                        "bodies", "second pass"], rows),
        "",
        ("" if share is None else
         f"The cache's own share (growth of the cached server minus the control's): "
         f"{harness.fmt_mb(share)} for 10,000 entries, {share * 1024 / 10000:,.0f} bytes per "
         "entry."),
        "",
    ]
    return out


# --------------------------------------------------------------------------- main

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = harness.new_parser(__doc__)
    harness.add_common_arguments(parser, duration=10, warmup_per="run", connections=64,
                                 connections_note="", quiet_per="run", quiet_wait=5)
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds of the get part; the fastest run is reported")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated: "
                        + ",".join(PARTS))
    parser.add_argument("--zipf-duration", type=float, default=60,
                        help="seconds of the measured Zipf run")
    parser.add_argument("--zipf-warmup", type=float, default=5,
                        help="seconds of Zipf load before it (cold cache; reported apart)")
    parser.add_argument("--zipf-requests", type=int, default=600_000,
                        help="length of the precomputed Zipf request list")
    parser.add_argument("--engine", type=Path, default=ROOT,
                        help="a CovetPy checkout (e.g. a git worktree) whose engine/ the servers "
                             "import and whose specs/, handlers/, schema/ are the reference app")
    parser.add_argument("--output", type=Path, default=BENCH / "CACHE.md")
    parser.add_argument("--check-only", action="store_true",
                        help="start the servers and check the endpoints; no load, no output")
    args = parser.parse_args(argv)
    args.argv = argv
    args.parts = harness.split_choices(parser, "--parts", args.parts, PARTS)
    args.engine = args.engine.resolve()
    return args


def describe_engine(engine: Path) -> str:
    done = subprocess.run(["git", "-C", str(engine), "log", "-1", "--format=%h %s"],
                          capture_output=True, text=True, check=False)
    dirty = subprocess.run(["git", "-C", str(engine), "status", "--porcelain", "--", "engine"],
                           capture_output=True, text=True, check=False)
    where = "the working tree" if engine == ROOT else f"`{engine}`"
    state = "with uncommitted changes in engine/" if dirty.stdout.strip() else "clean engine/"
    return f"{where}, commit {done.stdout.strip()[:90]} ({state})"


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    harness.bootstrap(__file__, argv, args.wrk, lambda: harness.ensure_venv(args.reinstall))
    LOGS.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.UTC)
    args.engine_description = describe_engine(args.engine)
    run = Run()
    run.loadavg["start"] = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="covet-cache-bench-") as tmp:
        if "get" in args.parts:
            run_get(args, run, Path(tmp))
        if "zipf" in args.parts:
            run_zipf(args, run, Path(tmp))
    run.loadavg["end"] = list(os.getloadavg())
    if args.check_only:
        failed = any(run.problems.values())
        print("some checks failed" if failed else "all checks passed", flush=True)
        return 1 if failed else 0
    raw = {"started": started.isoformat(), "argv": args.argv, "engine": args.engine_description,
           "results": {f"{a}/{k}": v for (a, k), v in run.results.items()},
           "runs": {f"{a}/{k}": v for (a, k), v in run.runs.items()},
           "memory_kb": run.memory, "zipf": run.zipf, "loadavg": run.loadavg,
           "commands": run.commands, "problems": {k: v for k, v in run.problems.items() if v}}
    text = render(args, run, started)
    if args.output.exists() and ANALYSIS in args.output.read_text():
        old = args.output.read_text()
        text = text.rstrip("\n") + "\n\n" + old[old.index(ANALYSIS):]
    harness.write_results(args.output, text, raw, LATEST)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
