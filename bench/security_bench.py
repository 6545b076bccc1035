#!/usr/bin/env python3
"""Security benchmark: bearer JWTs, Redis rate limits and bcrypt logins, CovetPy against peers.

Three parts, each measured over HTTP like bench/run.py (uvicorn, 1 worker, uvloop + httptools,
pinned to one CPU; wrk pinned to the other; server CPU time per request from ``/proc``):

- ``auth``: ``GET /secure/{item_id}`` behind an HS256 bearer JWT (signature, ``exp`` required,
  issuer, audience) in CovetPy (``bearerAuth`` + ``auth:``, the handler takes ``claims``),
  FastAPI (``HTTPBearer`` + PyJWT's ``jwt.decode`` in a dependency) and Litestar (its
  ``JWTAuth``), and ``GET /open/{item_id}``, the same operation without security;
- ``ratelimit``: ``GET /limited/{item_id}`` limited to 1000000/minute (so it never limits and
  every request pays for counting) on the same Redis: CovetPy's ``rate_limit`` against FastAPI
  with slowapi;
- ``bcrypt``: CovetPy logins checking a 12-round bcrypt hash with the ``passwords`` provider
  (a worker thread) under concurrent load, while a second wrk probes ``GET /ping``: its p99 is
  the loop's stall. A control runs the same load against a login that calls bcrypt on the loop.

Each measured pair is interleaved over ``--rounds`` (A B C A B C) and the fastest kept. The run
writes bench/SECURITY.md. Runs under any python3: it re-executes itself in bench/.venv
(creating it as bench/run.py does, and adding slowapi).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import _harness as harness
from _harness import Key, Stats

BENCH = harness.BENCH
APP_DIR = BENCH / "apps" / "security"
LOGS = BENCH / "results" / "logs"  # bench/results/ is ignored by the root .gitignore
LATEST = BENCH / "results" / "security-latest.json"
EXTRA_PACKAGES = ["slowapi", "PyJWT"]  # on top of harness.PEER_PACKAGES
VERSIONED = ["covetpy", "fastapi", "starlette", "pydantic", "litestar", "msgspec", "PyJWT",
             "slowapi", "limits", "redis", "bcrypt", "uvicorn", "uvloop", "httptools"]
PARTS = ("auth", "ratelimit", "bcrypt")
REDIS_URL = "redis://127.0.0.1:6379/0"

ISSUER = "https://bench.covet.example"  # as in covet.yaml and the peer apps
AUDIENCE = "covet-bench"
SUBJECT = "user-42"
ITEM_ID = 7
SECURE_BODY = {"item_id": ITEM_ID, "sub": SUBJECT}
USERNAME, PASSWORD = "bench", "correct horse battery staple"  # as in security_handlers.py
LOGIN_BODY = json.dumps({"username": USERNAME, "password": PASSWORD}, separators=(",", ":"))

# harness.LUA_DONE plus the maximum latency (copied: _harness.py is not ours to change).
LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "COVET_BENCH {\\"requests\\":%d,\\"duration_us\\":%d,\\"connect\\":%d,\\"read\\":%d," ..
    "\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d,\\"p50_us\\":%.0f,\\"p90_us\\":%.0f," ..
    "\\"p99_us\\":%.0f,\\"mean_us\\":%.1f,\\"max_us\\":%.0f}\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    latency.max))
end
"""


# --------------------------------------------------------------------------- tokens

def mint(secret: str, **overrides: Any) -> str:
    """An HS256 token for SUBJECT, valid for two hours; ``overrides`` replace claims."""
    import jwt  # bench/.venv only

    now = int(time.time())
    claims = {"sub": SUBJECT, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 7200,
              **overrides}
    return jwt.encode(claims, secret, algorithm="HS256")


# --------------------------------------------------------------------------- servers

@dataclasses.dataclass(frozen=True)
class App:
    key: str  # "covet", "covet-rl", "fastapi", "litestar"
    label: str
    command: tuple[str, ...]  # without host and port


def apps() -> dict[str, App]:
    covet = str(harness.VENV_BIN / "covet")
    uvicorn = str(harness.VENV_BIN / "uvicorn")
    return {
        "covet": App("covet", "CovetPy", (covet, "run", "--config", str(APP_DIR / "covet.yaml"),
                                          *harness.COVET_RUN_FLAGS)),
        "covet-rl": App("covet-rl", "CovetPy (covet-ratelimit.yaml)",
                        (covet, "run", "--config", str(APP_DIR / "covet-ratelimit.yaml"),
                         *harness.COVET_RUN_FLAGS)),
        "fastapi": App("fastapi", "FastAPI", (uvicorn, "fastapi_app:app", "--app-dir",
                                              str(APP_DIR), *harness.UVICORN_FLAGS)),
        "litestar": App("litestar", "Litestar", (uvicorn, "litestar_app:app", "--app-dir",
                                                 str(APP_DIR), *harness.UVICORN_FLAGS)),
    }


def command_for(app: App, port: int) -> list[str]:
    return [*app.command, "--host", harness.HOST, "--port", str(port)]


# --------------------------------------------------------------------------- checks

def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
            body: str | None = None) -> tuple[int, dict[str, str], bytes]:
    data = body.encode() if body is not None else None
    req = urllib.request.Request(f"http://{harness.HOST}:{port}{path}", data=data, method=method,
                                 headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def expect(port: int, what: str, method: str, path: str, status: int, *,
           headers: dict[str, str] | None = None, body: str | None = None,
           json_body: Any = None) -> str | None:
    """Make one request; what is wrong with its answer, or None."""
    try:
        got, _, payload = request(port, method, path, headers, body)
    except OSError as error:
        return f"{what}: {method} {path}: {error}"
    if got != status:
        return f"{what}: {method} {path}: expected {status}, got {got} {payload[:200]!r}"
    if json_body is not None:
        try:
            parsed = json.loads(payload)
        except ValueError:
            return f"{what}: {method} {path}: not JSON: {payload[:200]!r}"
        if parsed != json_body:
            return f"{what}: {method} {path}: expected {json_body!r}, got {payload[:200]!r}"
    return None


def check_secure(port: int, secret: str) -> list[str]:
    """/secure: 200 with a good token; 401 without one and with each kind of bad one."""
    path = f"/secure/{ITEM_ID}"
    good = {"Authorization": f"Bearer {mint(secret)}"}
    bad = {
        "no Authorization": {},
        "not a bearer": {"Authorization": "Basic YmVuY2g6YmVuY2g="},
        "bad signature": {"Authorization": f"Bearer {mint(secrets.token_urlsafe(48))}"},
        "expired": {"Authorization": f"Bearer {mint(secret, iat=1, exp=int(time.time()) - 600)}"},
        "wrong audience": {"Authorization": f"Bearer {mint(secret, aud='someone-else')}"},
        "wrong issuer": {"Authorization": f"Bearer {mint(secret, iss='https://evil.example')}"},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
    }
    problems = [expect(port, "good token", "GET", path, 200, headers=good, json_body=SECURE_BODY)]
    problems += [expect(port, why, "GET", path, 401, headers=h) for why, h in bad.items()]
    return [p for p in problems if p]


def check_open(port: int, path: str) -> list[str]:
    problem = expect(port, "no credentials needed", "GET", path, 200, json_body=SECURE_BODY)
    return [problem] if problem else []


def check_login(port: int, path: str) -> list[str]:
    wrong = json.dumps({"username": USERNAME, "password": "wrong"})
    nobody = json.dumps({"username": "nobody", "password": PASSWORD})
    problems = [
        expect(port, "right password", "POST", path, 200, body=LOGIN_BODY, json_body={"ok": True}),
        expect(port, "wrong password", "POST", path, 401, body=wrong),
        expect(port, "unknown user", "POST", path, 401, body=nobody),
        expect(port, "probe", "GET", "/ping", 200, json_body={"ok": True}),
    ]
    return [p for p in problems if p]


# --------------------------------------------------------------------------- Redis

class Redis:
    """The bench's own view of the Redis both rate limiters count in (a sync redis-py client)."""

    def __init__(self, prefix: str) -> None:
        import redis  # bench/.venv only

        self.client = redis.Redis.from_url(REDIS_URL)
        self.prefix = prefix
        # covet: <prefix>{...}:<window>; slowapi (limits): LIMITS:LIMITER/<prefix>/<key>/...
        self.patterns = [f"{prefix}*", f"LIMITS:LIMITER/{prefix}*"]

    def keys(self) -> list[bytes]:
        return [k for p in self.patterns for k in self.client.scan_iter(match=p, count=1000)]

    def counted(self) -> int:
        """The sum of every counter under this run's prefix."""
        total = 0
        for key in self.keys():
            value = self.client.get(key)
            if value is not None and value.isdigit():
                total += int(value)
        return total

    def clear(self) -> None:
        keys = self.keys()
        if keys:
            self.client.delete(*keys)

    def pid(self) -> int | None:
        info = self.client.info("server")
        return int(info["process_id"]) if "process_id" in info else None


def redis_helpers(pid: int | None) -> harness.Helpers | None:
    """redis-server's CPU per request, reported beside the server's (not counted as others')."""
    if pid is None:
        return None
    return harness.Helpers("redis", "redis",
                           lambda: {pid: ticks} if (ticks := harness.cpu_ticks(pid)) else {})


# --------------------------------------------------------------------------- wrk

def lua(directory: Path, name: str, *, method: str = "GET", body: str | None = None,
        headers: dict[str, str] | None = None) -> Path:
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines += [f"wrk.body = [[{body}]]", 'wrk.headers["Content-Type"] = "application/json"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in (headers or {}).items()]
    path = directory / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n" + LUA_DONE)
    return path


def with_connections(args: argparse.Namespace, connections: int) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), "connections": connections})


def start_wrk(args: argparse.Namespace, url: str, script: Path,
              seconds: float) -> subprocess.Popen[str]:
    """A wrk run in the background (the login load under the latency probe)."""
    command = ["taskset", "-c", args.wrk_cpu, args.wrk, f"-t{args.threads}",
               f"-c{args.connections}", f"-d{seconds:g}s", f"--timeout={args.timeout:g}s",
               "--latency", "-s", str(script), url]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_wrk(process: subprocess.Popen[str]) -> Stats:
    """The summary of a background wrk run, parsed as harness.run_wrk parses its own."""
    stdout, stderr = process.communicate(timeout=120)
    match = re.search(r"^COVET_BENCH (\{.*\})$", stdout, re.MULTILINE)
    if process.returncode != 0 or not match:
        return {"error": f"wrk failed ({process.returncode}): {stderr.strip() or stdout[-500:]}"}
    stats: Stats = json.loads(match.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", stdout)
    stats["non2xx"] = max(stats["status"], int(non2xx.group(1)) if non2xx else 0)
    stats["socket_errors"] = sum(stats[k] for k in ("connect", "read", "write", "timeout"))
    stats["rps"] = stats["requests"] / (stats["duration_us"] / 1e6) if stats["duration_us"] else 0.0
    stats["valid"] = stats["non2xx"] == 0 and stats["socket_errors"] == 0 and stats["requests"] > 0
    return stats


# --------------------------------------------------------------------------- the run

@dataclasses.dataclass(frozen=True)
class Target:
    """One endpoint of one app under wrk load."""

    app: str
    key: str  # the row: "secure", "open", "limited"
    path: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass
class Run:
    results: dict[Key, Stats] = dataclasses.field(default_factory=dict)
    runs: dict[Key, list[Stats]] = dataclasses.field(default_factory=dict)
    probes: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    problems: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    commands: dict[str, str] = dataclasses.field(default_factory=dict)
    memory: dict[str, harness.Memory] = dataclasses.field(default_factory=dict)


def start_servers(args: argparse.Namespace, run: Run, needed: list[str],
                  env: dict[str, str]) -> dict[str, harness.Server]:
    servers: dict[str, harness.Server] = {}
    table = apps()
    for key in needed:
        app = table[key]
        servers[key] = harness.Server(lambda port, app=app: command_for(app, port), env,
                                      args.server_cpu, LOGS / f"security-{key}.log")
        run.commands[key] = shlex.join(servers[key].command)
    for key, server in servers.items():
        failure = server.wait_ready(args.start_timeout)
        if failure:
            run.problems.setdefault(key, []).append(
                f"server failed to start ({failure}); log tail:\n{server.log_tail()}")
            print(f"== {key}: failed to start: {failure}\n{server.log_tail()}", flush=True)
        else:
            run.memory[key] = {"startup_kb": server.rss_kb(), "after_kb": None}
    return servers


def check_all(run: Run, servers: dict[str, harness.Server], parts: list[str], secret: str,
              store: Redis | None) -> None:
    for key, server in servers.items():
        if not server.alive():
            continue
        problems = run.problems.setdefault(key, [])
        if "auth" in parts and key in ("covet", "fastapi", "litestar"):
            problems += check_secure(server.port, secret)
            problems += check_open(server.port, f"/open/{ITEM_ID}")
        if "ratelimit" in parts and key in ("covet-rl", "fastapi") and store is not None:
            before = store.counted()
            problems += check_open(server.port, f"/limited/{ITEM_ID}")
            problems += check_open(server.port, f"/limited/{ITEM_ID}")
            if store.counted() - before != 2:
                problems.append(f"/limited/{ITEM_ID}: two requests did not add 2 to the Redis "
                                f"counters under the run's prefix ({store.counted() - before})")
            store.clear()
        if "bcrypt" in parts and key == "covet":
            problems += check_login(server.port, "/login")
            problems += check_login(server.port, "/login-blocking")
            problems += check_login(server.port, "/login-niced")
        for problem in problems:
            print(f"   {key}: check failed: {problem}", flush=True)


def measure_target(args: argparse.Namespace, run: Run, server: harness.Server, target: Target,
                   scripts: Path, store: Redis | None) -> None:
    key = (target.app, target.key)
    script = lua(scripts, f"{target.app}-{target.key}", headers=dict(target.headers))
    url = server.url(target.path)
    idle = harness.wait_quiet(args) if args.quiet_wait > 0 else None
    limited = target.key == "limited" and store is not None
    if args.warmup > 0:
        harness.run_wrk(args, url, script, args.warmup)
    if limited:
        time.sleep(1)  # let the warm-up's last requests (in flight when wrk stopped) finish
        store.clear()  # type: ignore[union-attr]
    helpers = redis_helpers(store.pid()) if limited else None  # type: ignore[union-attr]
    stats = harness.measure(args, server, url, script, helpers)
    stats["idle_load_pct"] = idle
    if limited and "error" not in stats:
        counted = store.counted()  # type: ignore[union-attr]
        stats["redis_counted"] = counted
        # wrk counts completed requests; up to one in flight per connection was counted too.
        if not 0 <= counted - stats["requests"] <= args.connections:
            stats["valid"] = False
            stats["note"] = f"Redis counted {counted} of {stats['requests']} requests"
        store.clear()  # type: ignore[union-attr]
    if run.problems.get(target.app):
        stats["valid"] = False
        stats["note"] = "endpoint checks failed"
    if not server.alive():
        stats = {"error": f"server died; log tail:\n{server.log_tail()}"}
    run.runs.setdefault(key, []).append(stats)
    label = f"{target.app} {target.key}"
    extra = f"  redis {stats['redis_cpu_us']:.0f} us/req" if "redis_cpu_us" in stats else ""
    print(f"   {label:18} {harness.describe(stats)}{extra}", flush=True)


def probe_run(args: argparse.Namespace, server: harness.Server, scripts: Path, load: str | None,
              round_no: int) -> dict[str, Any]:
    """The /ping latency probe, alone or under a login load on ``load`` (a path)."""
    probe_args = with_connections(args, args.probe_connections)
    # NOTE: logins queue behind each other (bcrypt takes the CPU the probe leaves), so a login's
    # latency is about connections / logins per second: its own, longer timeout keeps a slow
    # but answered login from counting as a socket error.
    login_args = argparse.Namespace(**{**vars(args), "connections": args.login_connections,
                                       "timeout": max(args.timeout, args.login_timeout)})
    probe = lua(scripts, "ping")
    idle = harness.wait_quiet(args) if args.quiet_wait > 0 else None
    login: Stats | None = None
    if load is None:
        stats = harness.measure(probe_args, server, server.url("/ping"), probe)
    else:
        script = lua(scripts, f"login-{load.strip('/')}", method="POST", body=LOGIN_BODY)
        lead = args.login_lead
        background = start_wrk(login_args, server.url(load), script, lead + args.duration + 1)
        time.sleep(lead)  # every worker thread busy with bcrypt before the probe starts
        stats = harness.measure(probe_args, server, server.url("/ping"), probe)
        login = finish_wrk(background)
    stats["idle_load_pct"] = idle
    entry = {"load": load, "round": round_no, "probe": stats, "login": login}
    text = f"   probe /ping, load {load or 'none':15} {harness.describe(stats)}"
    text += f"  max {stats.get('max_us', 0) / 1000:.1f} ms"
    if login is not None:
        text += f"\n     logins: {harness.describe(login)}"
    print(text, flush=True)
    return entry


def run_all(args: argparse.Namespace, secret: str) -> Run:
    run = Run()
    prefix = f"covet-bench-security:{os.getpid()}:{int(time.time())}:"
    env = {**harness.server_env(), "BENCH_JWT_SECRET": secret, "BENCH_RL_PREFIX": prefix}
    store = Redis(prefix) if "ratelimit" in args.parts else None
    needed = []
    if "auth" in args.parts:
        needed += ["covet", "fastapi", "litestar"]
    if "ratelimit" in args.parts:
        needed += ["covet-rl", "fastapi"]
    if "bcrypt" in args.parts:
        needed += ["covet"]
    needed = list(dict.fromkeys(needed))
    bearer = (("Authorization", f"Bearer {mint(secret)}"),)
    targets: list[Target] = []
    if "auth" in args.parts:
        for app in ("covet", "fastapi", "litestar"):
            targets.append(Target(app, "secure", f"/secure/{ITEM_ID}", bearer))
            targets.append(Target(app, "open", f"/open/{ITEM_ID}"))
    if "ratelimit" in args.parts:
        targets += [Target("covet-rl", "limited", f"/limited/{ITEM_ID}"),
                    Target("fastapi", "limited", f"/limited/{ITEM_ID}")]
    print(f"== starting {', '.join(needed)} (pinned to CPU {args.server_cpu})", flush=True)
    servers = start_servers(args, run, needed, env)
    try:
        check_all(run, servers, args.parts, secret, store)
        if args.check_only:
            return run
        with tempfile.TemporaryDirectory(prefix="covet-security-bench-") as directory:
            scripts = Path(directory)
            for round_no in range(1, args.rounds + 1):
                print(f"== round {round_no} of {args.rounds}", flush=True)
                for target in targets:
                    server = servers[target.app]
                    if not server.alive():
                        run.runs.setdefault((target.app, target.key), []).append(
                            {"error": "server not running"})
                        continue
                    measure_target(args, run, server, target, scripts, store)
                if "bcrypt" in args.parts and servers["covet"].alive():
                    for load in LOADS:
                        run.probes.append(probe_run(args, servers["covet"], scripts, load,
                                                    round_no))
        for key, runs in run.runs.items():
            run.results[key] = harness.fastest(runs)
        for key, server in servers.items():
            if key in run.memory:
                run.memory[key]["after_kb"] = server.rss_kb()
    finally:
        for server in servers.values():
            server.stop()
        if store is not None:
            store.clear()
    return run


# --------------------------------------------------------------------------- SECURITY.md

AUTH_COST_MAX_US = 15.0
LOADS = (None, "/login", "/login-niced", "/login-blocking")
LOAD_LABELS = {None: "none", "/login": "logins (passwords provider)",
               "/login-niced": "experiment: 1 thread at nice 19",
               "/login-blocking": "control: bcrypt on the loop"}
PROBE_P99_MAX_US = 10_000.0


def auth_cost(results: dict[Key, Stats], app: str) -> float | None:
    """Server CPU µs per request of /secure minus /open: what authentication adds."""
    secure, open_ = results.get((app, "secure")), results.get((app, "open"))
    if not (secure and open_ and secure.get("valid") and open_.get("valid")):
        return None
    return float(secure["server_cpu_us"] - open_["server_cpu_us"])


def worst_probe(run: Run, load: str | None) -> dict[str, Any] | None:
    """The round with the highest probe p99 under ``load``: the target is about stalls."""
    entries = [e for e in run.probes if e["load"] == load and "error" not in e["probe"]]
    return max(entries, key=lambda e: e["probe"]["p99_us"]) if entries else None


def probe_valid(entry: dict[str, Any] | None) -> bool:
    if entry is None:
        return False
    login = entry["login"]
    return bool(entry["probe"].get("valid")) and (login is None or bool(login.get("valid")))


def render_targets(run: Run) -> list[str]:
    r = run.results
    rows: list[list[str]] = []

    def ratio_row(label: str, top: Key, bottom: Key, minimum: float) -> None:
        value = harness.ratio(r, top, bottom)
        rows.append([label, f">= {minimum:.2f}x", harness.fmt_ratio(value),
                     harness.verdict(value, minimum),
                     harness.fmt_ratio(harness.cpu_ratio(r, top, bottom))])

    ratio_row("bearer JWT: covet / fastapi", ("covet", "secure"), ("fastapi", "secure"), 2.0)
    ratio_row("bearer JWT: covet / litestar", ("covet", "secure"), ("litestar", "secure"), 1.2)
    cost = auth_cost(r, "covet")
    rows.append(["bearer JWT: CovetPy server CPU added by auth (secure - open)",
                 f"<= {AUTH_COST_MAX_US:.0f} µs", "-" if cost is None else f"{cost:.1f} µs",
                 "n/a" if cost is None else ("PASS" if cost <= AUTH_COST_MAX_US else "FAIL"), "-"])
    ratio_row("rate limit on Redis: covet / fastapi+slowapi", ("covet-rl", "limited"),
              ("fastapi", "limited"), 2.0)
    entry = worst_probe(run, "/login")
    p99 = entry["probe"]["p99_us"] if entry else None
    rows.append([f"bcrypt logins: p99 of a concurrent GET /ping (worst of {run_rounds(run)})",
                 f"< {PROBE_P99_MAX_US / 1000:.0f} ms",
                 "-" if p99 is None else f"{p99 / 1000:.2f} ms" + ("" if probe_valid(entry)
                                                                  else " (INVALID)"),
                 "n/a" if p99 is None or not probe_valid(entry)
                 else ("PASS" if p99 < PROBE_P99_MAX_US else "FAIL"), "-"])
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


def run_rounds(run: Run) -> int:
    return max((e["round"] for e in run.probes), default=0)


def render_throughput(args: argparse.Namespace, run: Run) -> list[str]:
    r = run.results
    out: list[str] = []
    if "auth" in args.parts:
        rows = []
        for app, label in (("covet", "CovetPy"), ("fastapi", "FastAPI"), ("litestar", "Litestar")):
            secure, open_ = r.get((app, "secure")), r.get((app, "open"))
            cost = auth_cost(r, app)
            rows.append([label, harness.cell_rps(secure, args.quiet_threshold),
                         harness.cell_cpu(secure), harness.cell_latency(secure),
                         harness.cell_rps(open_, args.quiet_threshold), harness.cell_cpu(open_),
                         "-" if cost is None else f"{cost:.1f}"])
        out += [
            "## Bearer JWT (HS256): GET /secure/{item_id} and the same without security",
            "",
            ("Every app checks the signature, a required `exp`, the issuer and the audience, "
             "and answers `{\"item_id\": 7, \"sub\": \"user-42\"}` (the subject from the token). "
             "`/open/{item_id}` answers the same body without security."),
            "",
            *harness.table(["framework", "secure req/s", "secure µs/req", "secure p50 / p99 ms",
                            "open req/s", "open µs/req", "auth adds µs/req"], rows),
            "",
        ]
    if "ratelimit" in args.parts:
        rows = []
        for app, label in (("covet-rl", "CovetPy (rate_limit, Lua script)"),
                           ("fastapi", "FastAPI + slowapi (limits, fixed window)")):
            stats = r.get((app, "limited"))
            rows.append([label, harness.cell_rps(stats, args.quiet_threshold),
                         harness.cell_cpu(stats), harness.cell_us("redis_cpu_us")(stats),
                         harness.cell_latency(stats),
                         str(stats.get("redis_counted", "-")) if stats else "-"])
        out += [
            "## Rate limit on Redis: GET /limited/{item_id}, 1000000/minute",
            "",
            ("The limit is never reached, so every request is counted in Redis at "
             f"{REDIS_URL} under a key prefix unique to the run (cleared before each measured "
             "run). A run whose Redis counters do not match the requests wrk completed is "
             "INVALID. CovetPy runs with `on_error: closed`, so a failed store call is a 503, "
             "not a silently uncounted request."),
            "",
            *harness.table(["framework", "req/s", "server µs/req", "redis-server µs/req",
                            "p50 / p99 ms", "counted in Redis"], rows),
            "",
        ]
    return out


def render_probes(args: argparse.Namespace, run: Run) -> list[str]:
    if "bcrypt" not in args.parts or not run.probes:
        return []
    rows = []
    for entry in sorted(run.probes, key=lambda e: (str(e["load"]), e["round"])):
        probe, login = entry["probe"], entry["login"]
        valid = probe_valid(entry)
        rows.append([
            LOAD_LABELS[entry["load"]],
            str(entry["round"]),
            harness.cell_rps(probe, args.quiet_threshold),
            f"{probe['p50_us'] / 1000:.2f}" if "p50_us" in probe else "-",
            f"{probe['p99_us'] / 1000:.2f}" if "p99_us" in probe else "-",
            f"{probe['max_us'] / 1000:.1f}" if "max_us" in probe else "-",
            "-" if login is None or "rps" not in login else f"{login['rps']:.1f}",
            "-" if login is None or "p50_us" not in login else f"{login['p50_us'] / 1000:.0f}",
            ("INVALID" if not valid and entry["load"] != "/login-blocking"
             else "stalled: no /ping answered" if not probe.get("requests") else ""),
        ])
    return [
        "## bcrypt logins (12 rounds) and the event loop",
        "",
        (f"`POST /login` checks the password with the `passwords` provider (bcrypt in a worker "
         f"thread), loaded by `wrk -c{args.login_connections}`; {args.login_lead:g} s after it "
         f"starts, `wrk -c{args.probe_connections}` requests `GET /ping` for {args.duration:g} s "
         "(both wrk on the load CPU, the server on its one CPU). The control is the same login "
         "with `bcrypt.checkpw` called on the event loop: the probe must see it stall. The "
         "experiment (a handler of the bench app, not CovetPy's API) runs bcrypt in one "
         "dedicated thread at nice 19."),
        "",
        *harness.table(["login load", "round", "/ping req/s", "/ping p50 ms", "/ping p99 ms",
                        "/ping max ms", "logins/s", "login p50 ms", ""], rows),
        "",
    ]


def render(args: argparse.Namespace, run: Run, started: datetime.datetime) -> str:
    command = shlex.join(["python3", "bench/security_bench.py", *args.argv])
    loads = [s["foreign_load_pct"] for s in run.results.values() if "foreign_load_pct" in s]
    loads += [e["probe"]["foreign_load_pct"] for e in run.probes
              if "foreign_load_pct" in e["probe"]]
    problems = [(key, p) for key, items in run.problems.items() for p in items]
    out = [
        "# Security benchmark results",
        "",
        (f"Written by `bench/security_bench.py` on {started:%Y-%m-%d %H:%M} UTC (`{command}`). "
         "Do not edit by hand; the apps are in [apps/security/](apps/security/)."),
        "",
        *harness.render_machine(VERSIONED, args.wrk),
        "## Settings",
        "",
        (f"- Servers: uvicorn, 1 worker, `{' '.join(harness.UVICORN_FLAGS[2:])}`, pinned with "
         f"`taskset -c {args.server_cpu}`; CovetPy via `covet run --config "
         "bench/apps/security/covet.yaml --workers 1 --no-access-log --log-level warning` "
         "(covet-ratelimit.yaml for the rate limit). All servers run side by side, idle but "
         "one at a time."),
        (f"- Load: `taskset -c {args.wrk_cpu} wrk -t{args.threads} -c{args.connections} "
         f"-d{args.duration:g}s --timeout={args.timeout:g}s --latency` after a {args.warmup:g} s "
         f"warm-up, over {args.rounds} interleaved rounds (A B C A B C); the fastest run of each "
         "is reported."),
        ("- Each endpoint was checked first with real requests: 200 and the expected body with a "
         "good token; 401 without a token, with a Basic header, a bad signature, an expired "
         "token, a wrong audience, a wrong issuer and a non-JWT. Any non-2xx or socket error in a "
         "measured run makes it INVALID."),
        "",
        *render_targets(run),
        *render_throughput(args, run),
        *render_probes(args, run),
        *harness.render_memory(["server"], (([key], memory) for key, memory in run.memory.items()),
                               "after the run"),
        "## Notes",
        "",
        *harness.load_note(loads, args.quiet_threshold),
        *harness.problem_notes(problems, "- Every endpoint check passed."),
        "",
    ]
    return "\n".join(out)


# --------------------------------------------------------------------------- main

def ensure(reinstall: bool) -> None:
    harness.ensure_venv(reinstall)
    python = harness.VENV_BIN / "python"
    found = subprocess.run([str(python), "-c", "import slowapi, jwt, redis"],
                           capture_output=True, check=False)
    if reinstall or found.returncode != 0:
        print(f"installing {' '.join(EXTRA_PACKAGES)} into bench/.venv", flush=True)
        harness.pip_install(EXTRA_PACKAGES)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = harness.new_parser(__doc__)
    harness.add_common_arguments(parser, duration=10, warmup_per="run", connections=64,
                                 connections_note="the auth and rate-limit runs",
                                 quiet_per="run", quiet_wait=5)
    parser.add_argument("--rounds", type=int, default=2,
                        help="interleaved rounds; the fastest run of each endpoint is reported")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated: "
                        + ",".join(PARTS))
    parser.add_argument("--login-connections", type=int, default=2, help="wrk -c of the logins")
    parser.add_argument("--login-timeout", type=float, default=30,
                        help="wrk --timeout of the logins (they queue for the CPU)")
    parser.add_argument("--probe-connections", type=int, default=4,
                        help="wrk -c of the GET /ping latency probe")
    parser.add_argument("--login-lead", type=float, default=2,
                        help="seconds of login load before the probe starts")
    parser.add_argument("--output", type=Path, default=BENCH / "SECURITY.md")
    parser.add_argument("--check-only", action="store_true",
                        help="start the servers and check the endpoints; no load, no output")
    args = parser.parse_args(argv)
    args.argv = argv
    args.parts = harness.split_choices(parser, "--parts", args.parts, PARTS)
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    harness.bootstrap(__file__, argv, args.wrk, lambda: ensure(args.reinstall))
    LOGS.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.UTC)
    secret = secrets.token_urlsafe(48)  # a fresh HMAC key per run, never written anywhere
    run = run_all(args, secret)
    if args.check_only:
        failed = any(run.problems.values())
        print("some checks failed" if failed else "all checks passed", flush=True)
        return 1 if failed else 0
    raw = {"started": started.isoformat(), "argv": args.argv,
           "results": {f"{a}/{k}": v for (a, k), v in run.results.items()},
           "runs": {f"{a}/{k}": v for (a, k), v in run.runs.items()},
           "probes": run.probes, "memory_kb": run.memory, "commands": run.commands,
           "problems": {k: v for k, v in run.problems.items() if v}}
    harness.write_results(args.output, render(args, run, started), raw, LATEST)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
