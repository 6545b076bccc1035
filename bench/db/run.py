#!/usr/bin/env python3
"""Database benchmark: CovetPy against a bare ASGI app and FastAPI on PostgreSQL, in one run.

The three apps serve the same two endpoints with the same SQLAlchemy 2 async code
(bench/db/apps/blog_db.py: models, pool settings, queries) over asyncpg. Every server is uvicorn
with one worker pinned to one CPU, wrk is pinned to the other and spreads its requests over a
deterministic list of ids. The run seeds its own database (``covet_bench``), checks every
endpoint with real requests against the seeded rows, and writes bench/DB_RESULTS.md; with that
default output it also refreshes the database section of bench/RESULTS.md. See
bench/db/README.md.

The script runs under any python3 and re-executes itself with bench/.venv's interpreter; the
plumbing it shares with bench/run.py (venv, servers, /proc, wrk, markdown) is bench/_harness.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import functools
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "apps"), str(HERE.parent)]
import _harness as harness
import dataset
from _harness import Check, Key, Stats

BENCH = harness.BENCH
APPS = HERE / "apps"
COVET_CONFIG = APPS / "covet" / "covet.yaml"
LOGS = BENCH / "results" / "db" / "logs"  # bench/results/ is ignored by the root .gitignore
DB_PACKAGES = ["sqlalchemy[asyncio]", "asyncpg"]
DB_RESULTS_MD = BENCH / "DB_RESULTS.md"
RESULTS_MD = BENCH / "RESULTS.md"  # holds a short database section, refreshed with DB_RESULTS.md

FRAMEWORKS = ("raw", "covet", "fastapi")
LABELS = {"raw": "bare ASGI", "covet": "CovetPy", "fastapi": "FastAPI"}
PEER_MODULES = {"raw": "raw_app", "fastapi": "fastapi_app"}
VERSIONED = ["covetpy", "sqlalchemy", "asyncpg", "greenlet", "fastapi", "starlette", "pydantic",
             "uvicorn", "uvloop", "httptools", "orjson"]
LIST_LIMIT = 10  # the limit wrk sends to the list endpoint


# --------------------------------------------------------------------------- requests

@dataclasses.dataclass(frozen=True)
class Endpoint:
    key: str
    title: str
    paths: tuple[str, ...]  # what wrk cycles through, in this order


def build_endpoints(count: int) -> tuple[Endpoint, ...]:
    """The wrk request lists: ``count`` posts, and the users in a shuffled cycle, fixed by a seed."""
    rng = random.Random(dataset.SEED + 1)
    posts = list(dataset.posts())
    picked = rng.sample(posts, min(count, len(posts)))
    users = list(range(1, dataset.USERS + 1))
    rng.shuffle(users)
    users = (users * (count // len(users) + 1))[:count]
    return (
        Endpoint("post", "GET /users/{user_id}/posts/{post_id}",
                 tuple(f"/users/{p.user_id}/posts/{p.id}" for p in picked)),
        Endpoint("list", f"GET /users/{{user_id}}/posts?limit={LIST_LIMIT}",
                 tuple(f"/users/{u}/posts?limit={LIST_LIMIT}" for u in users)),
    )


ENDPOINT_KEYS = ("post", "list")


def ok(path: str, expected: Any) -> Check:
    """A GET that must answer 200 with this JSON value."""
    return Check("GET", path, 200, "application/json", expected)


def build_checks(endpoints: tuple[Endpoint, ...], sample: int) -> list[Check]:
    """Sampled load requests with the rows they must return, a 404, and bad parameters."""
    posts = list(dataset.posts())
    by_id = {str(p.id): p for p in posts}
    by_user: dict[int, list[dataset.Post]] = {}
    for post in posts:
        by_user.setdefault(post.user_id, []).append(post)
    names = {u.id: u.name for u in dataset.users()}
    checks: list[Check] = []
    for path in endpoints[0].paths[:sample]:
        post = by_id[path.rsplit("/", 1)[1]]
        checks.append(ok(path, dataset.post_json(post, names[post.user_id])))
    for path in endpoints[1].paths[:sample]:
        user_id = int(path.split("/")[2])
        newest = dataset.newest_first(by_user[user_id])[:LIST_LIMIT]
        checks.append(ok(path, [dataset.summary_json(p) for p in newest]))
    first = posts[0]
    newest_default = dataset.newest_first(by_user[first.user_id])[:dataset.DEFAULT_LIMIT]
    checks += [
        ok(f"/users/{first.user_id}/posts", [dataset.summary_json(p) for p in newest_default]),
        ok(f"/users/{dataset.USERS + 1}/posts", []),
        ok(f"/users/{first.user_id}/posts?limit=1", [dataset.summary_json(newest_default[0])]),
        Check("GET", f"/users/{first.user_id + 1}/posts/{first.id}", 404),  # someone else's post
        Check("GET", f"/users/{first.user_id}/posts/00000000-0000-4000-8000-000000000000", 404),
        *(Check("GET", path, "4xx") for path in (
            f"/users/{first.user_id}/posts?limit=0", f"/users/{first.user_id}/posts?limit=101",
            f"/users/{first.user_id}/posts?limit=ten", "/users/one/posts",
            f"/users/one/posts/{first.id}", f"/users/{first.user_id}/posts/not-a-uuid")),
    ]
    return checks


# --------------------------------------------------------------------------- bootstrap

def ensure_venv(reinstall: bool) -> None:
    """bench/.venv as bench/run.py builds it, plus SQLAlchemy's asyncio extra and asyncpg."""
    harness.ensure_venv(reinstall)
    probe = subprocess.run([str(harness.VENV_BIN / "python"), "-c",
                            "import asyncpg, greenlet, sqlalchemy"],
                           capture_output=True, check=False)
    if reinstall or probe.returncode != 0:
        print("installing SQLAlchemy[asyncio] and asyncpg into bench/.venv", flush=True)
        harness.pip_install(DB_PACKAGES)


def seed(args: argparse.Namespace) -> dict[str, str]:
    """Create and load the benchmark database; return what seed.py reports."""
    done = subprocess.run([sys.executable, str(APPS / "seed.py"), args.url, "--admin-db",
                           args.admin_db], cwd=APPS, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"bench/db/run.py: seeding {args.url} failed:\n{done.stderr.strip()[-2000:]}")
    print(done.stdout.strip(), flush=True)
    return dict(re.findall(r"^(\w+)=(.*)$", done.stdout, re.MULTILINE))


def app_env(args: argparse.Namespace) -> dict[str, str]:
    """The settings all three apps read (covet.yaml interpolates the same variables)."""
    env = harness.server_env()
    env.update({
        "COVET_BENCH_DB_URL": args.url,
        "COVET_BENCH_POOL_SIZE": str(args.pool_size),
        "COVET_BENCH_MAX_OVERFLOW": str(args.max_overflow),
        "COVET_BENCH_PRE_PING": "true" if args.pre_ping else "false",
    })
    return env


# --------------------------------------------------------------------------- servers

def server_command(framework: str, port: int) -> list[str]:
    """How users start the app: ``covet run`` for CovetPy, ``uvicorn module:app`` for the rest."""
    if framework == "covet":
        return [str(harness.VENV_BIN / "covet"), "run", "--config", str(COVET_CONFIG),
                "--host", harness.HOST, "--port", str(port), *harness.COVET_RUN_FLAGS]
    return [str(harness.VENV_BIN / "uvicorn"), f"{PEER_MODULES[framework]}:app",
            "--app-dir", str(APPS), "--host", harness.HOST, "--port", str(port),
            *harness.UVICORN_FLAGS]


def backend_ticks(database: str) -> dict[int, int]:
    """CPU ticks of each PostgreSQL backend connected to ``database`` (found by its title)."""
    ticks = {}
    marker = f" {database} ".encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = cmdline.read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres:") and marker in title:
            pid = int(cmdline.parent.name)
            used = harness.cpu_ticks(pid)
            if used is not None:
                ticks[pid] = used
    return ticks


def postgres(database: str) -> harness.Helpers:
    """PostgreSQL's backends for ``database``: measured apart from the server and others' load."""
    return harness.Helpers("pg", "postgres", lambda: backend_ticks(database))


# --------------------------------------------------------------------------- wrk

def lua_script(endpoint: Endpoint, directory: Path) -> Path:
    """Cycle through the endpoint's paths, one per request, in a fixed order."""
    paths = ",\n".join(f'  "{path}"' for path in endpoint.paths)
    source = (
        f"local paths = {{\n{paths}\n}}\n"
        "local count, index = #paths, 0\n"
        "request = function()\n"
        "  index = index % count + 1\n"
        "  return wrk.format(nil, paths[index])\n"
        "end\n"
    )
    return harness.write_lua(directory / f"{endpoint.key}.lua", source)


# --------------------------------------------------------------------------- one run

@dataclasses.dataclass
class Run:
    """Everything measured.

    ``rounds[(framework, endpoint)]`` holds one stats dict per round, in round order, so the
    apps' figures of one round (measured back to back) can be compared pairwise.
    """

    rounds: dict[Key, list[Stats]] = dataclasses.field(default_factory=dict)
    results: dict[Key, Stats] = dataclasses.field(default_factory=dict)
    memory: dict[str, harness.Memory] = dataclasses.field(default_factory=dict)
    problems: dict[str, list[str]] = dataclasses.field(default_factory=dict)


def start_servers(args: argparse.Namespace, run: Run,
                  checks: list[Check]) -> dict[str, harness.Server]:
    """Start every app (all pinned to the server CPU: an idle one costs nothing), check each,
    and read its resident memory once it listens."""
    env = app_env(args)
    servers = {framework: harness.Server(functools.partial(server_command, framework), env,
                                         args.server_cpu, LOGS / f"{framework}.log")
               for framework in args.only}
    ready = {}
    for framework, server in servers.items():
        problems = run.problems.setdefault(framework, [])
        failure = server.wait_ready(args.start_timeout)
        if failure:
            problems.append(f"server failed to start ({failure}); log tail:\n{server.log_tail()}")
            print(f"{LABELS[framework]}: server failed to start: {failure}\n{server.log_tail()}",
                  flush=True)
            server.stop()
            continue
        run.memory[framework] = {"startup_kb": server.rss_kb(), "after_kb": None}
        for check in checks:
            problem = harness.run_check(server.port, check)
            if problem:
                problems.append(problem)
                print(f"{LABELS[framework]}: check failed: {problem}", flush=True)
        ready[framework] = server
    return ready


def load_endpoint(args: argparse.Namespace, run: Run, servers: dict[str, harness.Server],
                  endpoint: Endpoint, scripts: Path) -> None:
    """Warm every app up, then ``--rounds`` rounds of one measured run per app, back to back.

    NOTE: the order of the apps rotates from round to round, so none is always measured first
    (right after the quiet wait) or last.
    """
    print(f"== {endpoint.title}", flush=True)
    script = lua_script(endpoint, scripts)
    urls = {f: server.url(endpoint.paths[0]) for f, server in servers.items()}
    for framework in servers:
        if args.warmup > 0:
            harness.run_wrk(args, urls[framework], script, args.warmup)
    order = list(servers)
    helpers = postgres(args.database)
    for number in range(args.rounds):
        idle_load = harness.wait_quiet(args) if args.quiet_wait > 0 else None
        for framework in order[number % len(order):] + order[:number % len(order)]:
            server = servers[framework]
            stats = (harness.measure(args, server, urls[framework], script, helpers)
                     if server.alive() else {})
            stats["idle_load_pct"] = idle_load
            if not server.alive():
                stats = {"error": f"server died; log tail:\n{server.log_tail()}"}
            run.rounds.setdefault((framework, endpoint.key), []).append(stats)
            print(f"   round {number + 1}/{args.rounds} {LABELS[framework]:9} "
                  f"{harness.describe(stats, helpers)}", flush=True)


def run_all(args: argparse.Namespace, endpoints: list[Endpoint], checks: list[Check]) -> Run:
    """Start and check the apps, load each endpoint, read memory after the load, stop them."""
    run = Run()
    servers = start_servers(args, run, checks)
    try:
        with tempfile.TemporaryDirectory(prefix="covet-db-bench-") as scripts:
            for endpoint in endpoints:
                load_endpoint(args, run, servers, endpoint, Path(scripts))
        for framework, server in servers.items():
            run.memory[framework]["after_kb"] = server.rss_kb()
    finally:
        for server in servers.values():
            server.stop()
    for framework in args.only:
        for endpoint in endpoints:
            stats = run.rounds.get((framework, endpoint.key)) or [{"error": "server failed to start"}]
            # The fastest round, as bench/run.py's --repeat: others' load only slows a run down.
            result = harness.fastest(stats)
            if run.problems.get(framework) and "error" not in result:
                result["valid"] = False
                result["note"] = "endpoint checks failed"
            run.results[(framework, endpoint.key)] = result
    return run


def paired_ratio(run: Run, top: Key, bottom: Key) -> float | None:
    """The median over rounds of top's req/s over bottom's, each pair measured back to back;
    None unless both results are valid."""
    if not (run.results.get(top, {}).get("valid") and run.results.get(bottom, {}).get("valid")):
        return None
    ratios: list[float] = sorted(a["rps"] / b["rps"] for a, b in zip(run.rounds[top], run.rounds[bottom], strict=True)
                    if a.get("rps") and b.get("rps"))
    if not ratios:
        return None
    middle = len(ratios) // 2
    return ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2


# --------------------------------------------------------------------------- DB_RESULTS.md

TARGETS: list[tuple[str, Key, Key, float]] = [  # (label, numerator, denominator, minimum)
    (f"{endpoint}: CovetPy / {LABELS[peer]}", ("covet", endpoint), (peer, endpoint), minimum)
    for endpoint in ENDPOINT_KEYS
    for peer, minimum in (("raw", 0.90), ("fastapi", 1.5))
]
INFO_RATIOS: list[tuple[str, Key, Key]] = [
    (f"{endpoint}: bare ASGI / FastAPI", ("raw", endpoint), ("fastapi", endpoint))
    for endpoint in ENDPOINT_KEYS
]
TARGET_COLUMNS = ["target", "goal", "req/s ratio", "result", "paired median", "CPU-cost ratio"]


def render(args: argparse.Namespace, run: Run, endpoints: list[Endpoint], seeded: dict[str, str],
           started: datetime.datetime) -> str:
    command = shlex.join(["python3", "bench/db/run.py", *args.argv])
    out = [
        "# Database benchmark results",
        "",
        (f"Written by `bench/db/run.py` on {started:%Y-%m-%d %H:%M} UTC (`{command}`). Do not "
         "edit by hand; see [db/README.md](db/README.md) for the apps, the endpoints and how to "
         "run it."),
        "",
        *render_setup(args, endpoints, seeded),
        *render_targets(run),
        *render_tables(args, run, endpoints),
        *render_rounds(args, run, endpoints),
        *harness.render_memory(["app"], (([LABELS[f]], m) for f, m in run.memory.items()),
                               "after its load"),
        *render_notes(args, run),
    ]
    return "\n".join(out) + "\n"


def render_setup(args: argparse.Namespace, endpoints: list[Endpoint],
                 seeded: dict[str, str]) -> list[str]:
    rounds = (f" Then {args.rounds} rounds, each measuring every app once, back to back, in an "
              "order rotated from round to round; the tables show each app's fastest round."
              if args.rounds > 1 else "")
    url = urllib.parse.urlsplit(args.url)
    distinct = ", ".join(f"{len(set(e.paths)):,} for `{e.key}`" for e in endpoints)
    postgres_line = (f"- PostgreSQL {seeded.get('postgres_version', 'unknown')} at "
                     f"{url.hostname}:{url.port or 5432}, database `{args.database}`")
    return [
        *harness.render_machine(VERSIONED, args.wrk, [postgres_line]),
        "## Settings",
        "",
        (f"- Data, seeded at the start of the run: {dataset.USERS:,} users x "
         f"{dataset.POSTS_PER_USER} posts (`bench/db/apps/dataset.py`, fixed seed), tables dropped "
         "and recreated, then `VACUUM ANALYZE`."),
        (f"- Same SQLAlchemy code in every app (`bench/db/apps/blog_db.py`), asyncpg driver; pool "
         f"`pool_size={args.pool_size}`, `max_overflow={args.max_overflow}`, `pool_timeout=5`, "
         f"`pool_recycle=1800`, `pool_pre_ping={args.pre_ping}`, connect timeout 5 s, sessions "
         "with `expire_on_commit=False`; one session and one transaction per request, committed "
         "on success."),
        (f"- Servers: uvicorn, 1 worker, `{' '.join(harness.UVICORN_FLAGS[2:])}`, pinned with "
         f"`taskset -c {args.server_cpu}`; CovetPy via `covet run --config "
         "bench/db/apps/covet/covet.yaml --workers 1 --no-access-log --log-level warning`."),
        (f"- Load: `taskset -c {args.wrk_cpu} wrk -t{args.threads} -c{args.connections} "
         f"-d{args.duration:g}s --timeout={args.timeout:g}s --latency`. All apps run at once (an "
         f"idle one costs nothing); each gets a {args.warmup:g} s warm-up per endpoint.{rounds} "
         f"A Lua script cycles through a fixed list of distinct paths ({distinct}), so no single "
         "row is hot."),
        ("- PostgreSQL runs on the same machine and is not pinned: its backends take whichever "
         "CPU is free, mostly the one wrk runs on. Their CPU time is measured apart (from "
         "`/proc`, the backends connected to the benchmark database)."),
        (f"- Before each round the script waited up to {args.quiet_wait:g} s for other "
         f"processes to use less than {args.quiet_threshold:g}% of a CPU (the machine may be "
         "shared); their load during each measured run is shown below."),
        ("- Every server was first checked with real requests: sampled load paths must return "
         "exactly the seeded rows, a missing post a 404, bad parameters a 4xx. A result with any "
         "non-2xx response, socket error or failed check is INVALID and counts in no ratio."),
        "",
    ]


def target_rows(run: Run) -> list[list[str]]:
    """One row per target, in the columns of TARGET_COLUMNS."""
    rows = []
    for label, top, bottom, minimum in TARGETS:
        value = harness.ratio(run.results, top, bottom)
        shown = "-" if value is None else f"{value:.3f}x"  # 3 places: 0.897 must not read 0.90
        rows.append([label, f">= {minimum:.2f}x", shown, harness.verdict(value, minimum),
                     harness.fmt_ratio(paired_ratio(run, top, bottom)),
                     harness.fmt_ratio(harness.cpu_ratio(run.results, top, bottom))])
    return rows


def render_targets(run: Run) -> list[str]:
    return [
        "## Targets",
        "",
        ("Judged on requests per second, each app's fastest round against the other's. Two "
         "cross-checks follow: the median over the rounds of the two apps' rates measured back "
         "to back in that round, and the ratio of the server's CPU time per request in the "
         "fastest rounds (the inverse cost ratio)."),
        "",
        *harness.table(TARGET_COLUMNS, target_rows(run)),
        "",
    ]


def render_tables(args: argparse.Namespace, run: Run, endpoints: list[Endpoint]) -> list[str]:
    threshold = args.quiet_threshold
    ratios = [[label, harness.fmt_ratio(harness.ratio(run.results, top, bottom)),
               harness.fmt_ratio(paired_ratio(run, top, bottom)),
               harness.fmt_ratio(harness.cpu_ratio(run.results, top, bottom))]
              for label, top, bottom in [*(t[:3] for t in TARGETS), *INFO_RATIOS]]
    grids = [
        harness.rps_grid(threshold, (
            f"† other processes (not the server, wrk or the benchmark's PostgreSQL backends) "
            f"used more than {threshold:g}% of a CPU during that measurement: the rate is low "
            "by an unknown amount.")),
        harness.Grid(
            "Server CPU time per request (µs)", harness.cell_cpu,
            before=("User + system CPU time of the server process during the measured run, "
                    "divided by the requests completed.")),
        harness.Grid(
            "PostgreSQL CPU time per request (µs)", harness.cell_us("pg_cpu_us"),
            before=("The same for the PostgreSQL backends serving the app's pool: the "
                    "database's own cost.")),
        harness.Grid("Latency p50 / p99 (ms)", harness.cell_latency),
    ]
    return [
        *harness.render_grids(run.results, "endpoint", [(e.title, e.key) for e in endpoints],
                              [(LABELS[f], f) for f in FRAMEWORKS if f in args.only], grids),
        "## Ratios",
        "",
        "Computed as in the targets.",
        "",
        *harness.table(["ratio", "req/s (fastest rounds)", "req/s (paired median)",
                        "CPU cost (inverse)"], ratios),
        "",
    ]


def render_rounds(args: argparse.Namespace, run: Run, endpoints: list[Endpoint]) -> list[str]:
    rows = []
    for endpoint in endpoints:
        for framework in args.only:
            stats = run.rounds.get((framework, endpoint.key), [])
            rows.append([f"`{endpoint.key}`", LABELS[framework],
                         *(harness.cell_rps(s, args.quiet_threshold) for s in stats)])
    return [
        "## Every round (req/s)",
        "",
        *harness.table(["endpoint", "app", *(f"round {n + 1}" for n in range(args.rounds))], rows),
        "",
    ]


def render_notes(args: argparse.Namespace, run: Run) -> list[str]:
    loads = [s["foreign_load_pct"] for stats in run.rounds.values() for s in stats
             if "foreign_load_pct" in s]
    out = ["## Notes", "", *harness.load_note(loads, args.quiet_threshold)]
    if not args.pre_ping:
        out.append("- `pool_pre_ping` is off in every app (CovetPy's default is on): the ping "
                   "costs each app the same extra round trips per checkout, which would only "
                   "blur the apps' own cost; `--pre-ping` measures with it.")
    out.append("- The bare ASGI app is the ceiling: routing by one `split`, the session opened, "
               "committed and closed inline, orjson; no validation beyond `int()`/`UUID()` and "
               "the limit range.")
    out.append("- FastAPI's session dependency (`yield`) finishes after the response is sent "
               "(FastAPI's default dependency scope), so its commit is not in its latency; it "
               "is in its CPU time.")
    problems = [(LABELS[framework], problem)
                for framework, items in run.problems.items() for problem in items]
    return out + harness.problem_notes(problems, "- Every endpoint check passed.")


def render_summary(run: Run, started: datetime.datetime, details: str) -> str:
    """The database section of RESULTS.md, markers included: the targets, a link to the rest."""
    return "\n".join([
        harness.DB_SECTION_START,
        "## Database endpoints (PostgreSQL)",
        "",
        (f"Written by `bench/db/run.py` on {started:%Y-%m-%d %H:%M} UTC: CovetPy against a bare "
         "ASGI app and FastAPI, all three on the same SQLAlchemy code over asyncpg. "
         f"[{Path(details).name}]({details}) has the rest: requests per second, server and "
         "PostgreSQL CPU time per request, latency, every round, memory, settings."),
        "",
        *harness.table(TARGET_COLUMNS[:4], [row[:4] for row in target_rows(run)]),
        harness.DB_SECTION_END,
    ])


def refresh_summary(results_md: Path, section: str) -> None:
    """Put ``section`` into ``results_md`` between the markers (appended when they are absent)."""
    text = results_md.read_text() if results_md.exists() else ""
    results_md.write_text(harness.splice_db_section(text, section))
    print(f"refreshed the database section of {results_md}", flush=True)


# --------------------------------------------------------------------------- main

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = harness.new_parser(__doc__)
    harness.add_common_arguments(
        parser, duration=5, warmup_per="endpoint", connections=20,
        connections_note="above --pool-size + --max-overflow, requests queue for the pool",
        quiet_per="round", quiet_wait=2)
    parser.add_argument("--rounds", type=int, default=8,
                        help="rounds per endpoint, each measuring every app once, back to back")
    parser.add_argument("--only", default=",".join(FRAMEWORKS),
                        help="comma-separated apps: " + ",".join(FRAMEWORKS))
    parser.add_argument("--endpoints", default=",".join(ENDPOINT_KEYS),
                        help="comma-separated endpoints: " + ",".join(ENDPOINT_KEYS))
    parser.add_argument("--paths", type=int, default=2000,
                        help="distinct paths wrk cycles through, per endpoint")
    parser.add_argument("--url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/covet_bench",
                        help="the benchmark's own database (created, its tables replaced)")
    parser.add_argument("--admin-db", default="postgres",
                        help="existing database to run CREATE DATABASE from")
    parser.add_argument("--pool-size", type=int, default=20, help="pool_size of every app")
    parser.add_argument("--max-overflow", type=int, default=0, help="max_overflow of every app")
    parser.add_argument("--pre-ping", action="store_true",
                        help="pool_pre_ping on in every app (CovetPy's default; see README.md)")
    parser.add_argument("--output", type=Path, default=DB_RESULTS_MD,
                        help="results file; this default also refreshes RESULTS.md's section")
    # For testing the RESULTS.md section on a copy: refresh this file's section (any --output).
    parser.add_argument("--results-md", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--check-only", action="store_true",
                        help="seed, start each server and check its endpoints; no load, no results")
    args = parser.parse_args(argv)
    args.argv = argv
    if args.results_md is None and args.output.resolve() == DB_RESULTS_MD:
        args.results_md = RESULTS_MD
    args.only = harness.split_choices(parser, "--only", args.only, FRAMEWORKS)
    args.endpoints = harness.split_choices(parser, "--endpoints", args.endpoints, ENDPOINT_KEYS)
    args.database = urllib.parse.urlsplit(args.url).path.lstrip("/")
    if not args.database or args.paths < 1 or args.rounds < 1:
        parser.error("--url must name a database; --paths and --rounds must be at least 1")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    harness.bootstrap(__file__, argv, args.wrk, lambda: ensure_venv(args.reinstall))
    LOGS.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.UTC)
    seeded = seed(args)
    all_endpoints = build_endpoints(args.paths)
    checks = build_checks(all_endpoints, sample=20)
    endpoints = [e for e in all_endpoints if e.key in args.endpoints]
    if args.check_only:
        args.duration, args.warmup, args.rounds = 0, 0, 1
        run = run_all(args, [], checks)
        failed = any(run.problems.values())
        print("all checks passed" if not failed else "some checks failed", flush=True)
        return 1 if failed else 0
    run = run_all(args, endpoints, checks)
    raw = {"started": started.isoformat(), "argv": args.argv,
           "results": {f"{f}/{e}": v for (f, e), v in run.results.items()},
           "rounds": {f"{f}/{e}": v for (f, e), v in run.rounds.items()},
           "memory_kb": run.memory,
           "problems": {f: p for f, p in run.problems.items() if p}}
    harness.write_results(args.output, render(args, run, endpoints, seeded, started), raw,
                          LOGS.parent / "latest.json")
    if args.results_md is not None:
        details = os.path.relpath(args.output.resolve(), args.results_md.resolve().parent)
        refresh_summary(args.results_md, render_summary(run, started, details))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
