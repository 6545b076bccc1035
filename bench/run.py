#!/usr/bin/env python3
"""HTTP benchmark: CovetPy against raw ASGI, FastAPI, Litestar and Connexion 3, in one run.

Every server is uvicorn with one worker (uvloop + httptools, no access log) pinned to one CPU,
and wrk is pinned to the other. Each framework serves the same endpoints with the same bodies;
each endpoint is checked with a real HTTP request (including bad requests that must get a 4xx)
before any load. The run writes bench/RESULTS.md. See bench/README.md.

The script runs under any python3: it creates bench/.venv (peers live only there, never in the
project's own .venv) and re-executes itself with that interpreter.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = BENCH / ".venv"
VENV_BIN = VENV / "bin"
APPS = BENCH / "apps"
COVET_APP = APPS / "covet"
PEERS = APPS / "peers"
LOGS = BENCH / "results" / "logs"  # bench/results/ is ignored by the root .gitignore
PEER_PACKAGES = ["fastapi", "litestar", "connexion[uvicorn]", "uvicorn", "uvloop", "httptools"]
IN_VENV_MARK = "COVET_BENCH_IN_VENV"
HOST = "127.0.0.1"
EXTRA_ROUTES = 1000
CLK_TCK = os.sysconf("SC_CLK_TCK")

FRAMEWORKS = ("raw", "covet", "fastapi", "litestar", "connexion")
PEER_MODULES = {"raw": "raw_app", "fastapi": "fastapi_app", "litestar": "litestar_app",
                "connexion": "connexion_app"}
UVICORN_FLAGS = ["--workers", "1", "--loop", "uvloop", "--http", "httptools",
                 "--no-access-log", "--log-level", "warning"]
VERSIONED = ["covetpy", "fastapi", "starlette", "pydantic", "litestar", "msgspec", "connexion",
             "uvicorn", "uvloop", "httptools", "orjson", "jsonschema-rs"]

GREETING = "Hello, World!"
USER_POST_PATH = "/users/42/posts/5f0b6a8e-3a57-4f8e-9c35-2c1f2e3b4a5d"
USER_POST_URL = USER_POST_PATH + "?limit=20"
USER_POST = {"user_id": 42, "post_id": "5f0b6a8e-3a57-4f8e-9c35-2c1f2e3b4a5d", "limit": 20}
ITEM = {"name": "Widget", "price": 9.99, "tags": ["tools", "blue"], "in_stock": True}
ITEM_BODY = json.dumps(ITEM, separators=(",", ":"))


# --------------------------------------------------------------------------- scenarios

@dataclasses.dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    variant: str  # "small" or "extra": which app build serves it
    method: str
    path: str
    body: str | None = None


SCENARIOS = (
    Scenario("plaintext", "1. GET /plaintext", "small", "GET", "/plaintext"),
    Scenario("json", "2. GET /json", "small", "GET", "/json"),
    Scenario("params", "3. GET /users/{user_id}/posts/{post_id}?limit=", "small", "GET",
             USER_POST_URL),
    Scenario("post", "4. POST /items", "small", "POST", "/items", ITEM_BODY),
    Scenario("params-1000", "5. scenario 3, app with +1,000 routes", "extra", "GET",
             USER_POST_URL),
)
SCENARIO_KEYS = tuple(s.key for s in SCENARIOS)


@dataclasses.dataclass(frozen=True)
class Check:
    """One real request made before loading a server, and what it must answer."""

    method: str
    path: str
    status: int | str  # an exact status, or "4xx"
    media: str = ""  # prefix of the Content-Type, when status is exact
    expected: Any = None  # bytes for text, a JSON value for JSON
    body: str | None = None
    required: bool = True  # False: a difference in strictness, reported but not disqualifying


def checks_for(variant: str) -> list[Check]:
    bad_params = [
        f"{USER_POST_PATH}?limit=0", f"{USER_POST_PATH}?limit=101", f"{USER_POST_PATH}?limit=ten",
        "/users/forty-two/posts/5f0b6a8e-3a57-4f8e-9c35-2c1f2e3b4a5d", "/users/42/posts/not-a-uuid",
    ]
    params = [
        Check("GET", USER_POST_URL, 200, "application/json", USER_POST),
        Check("GET", USER_POST_PATH, 200, "application/json", {**USER_POST, "limit": 10}),
        *(Check("GET", p, "4xx") for p in bad_params),
    ]
    if variant == "extra":
        return [*params, Check("GET", f"/r{EXTRA_ROUTES - 1}/items/7", 200, "application/json",
                               {"item_id": 7}),
                Check("GET", "/r0/items/seven", "4xx")]
    bad_items: list[Any] = [
        {"price": 1}, {"name": "", "price": 1}, {"name": "x" * 101, "price": 1},
        {"name": "a", "price": -1}, {"name": "a", "price": 1, "x": 1},
        {"name": "a", "price": 1, "tags": [str(i) for i in range(11)]},
        {"name": "a", "price": 1, "in_stock": "maybe"},
    ]
    return [
        Check("GET", "/plaintext", 200, "text/plain", GREETING.encode()),
        Check("GET", "/json", 200, "application/json", {"message": GREETING}),
        *params,
        Check("POST", "/items", 201, "application/json", ITEM, ITEM_BODY),
        Check("POST", "/items", 201, "application/json", {"name": "a", "price": 0},
              '{"name":"a","price":0}'),
        *(Check("POST", "/items", "4xx", body=json.dumps(b)) for b in bad_items),
        Check("POST", "/items", "4xx", body='{"name": "a", "price": '),
        # JSON Schema says a number; pydantic and msgspec coerce numeric strings by default.
        Check("POST", "/items", "4xx", body='{"name": "a", "price": "1"}', required=False),
    ]


def run_check(port: int, check: Check) -> str | None:
    """Make the request; return what is wrong with the answer, or None."""
    data = check.body.encode() if check.body is not None else None
    request = urllib.request.Request(f"http://{HOST}:{port}{check.path}", data=data,
                                     method=check.method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, media, body = response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        status, media, body = error.code, error.headers.get("Content-Type", ""), error.read()
    except OSError as error:
        return f"{check.method} {check.path}: {error}"
    where = f"{check.method} {check.path}" + (f" {check.body}" if check.body else "")
    if check.status == "4xx":
        return None if 400 <= status < 500 else f"{where}: expected a 4xx, got {status} {body[:200]!r}"
    if status != check.status:
        return f"{where}: expected {check.status}, got {status} {body[:200]!r}"
    if not media.startswith(check.media):
        return f"{where}: expected Content-Type {check.media}, got {media!r}"
    if isinstance(check.expected, bytes):
        got: Any = body
    else:
        try:
            got = json.loads(body)
        except ValueError:
            return f"{where}: body is not JSON: {body[:200]!r}"
    if got != check.expected:
        return f"{where}: expected body {check.expected!r}, got {body[:200]!r}"
    return None


# --------------------------------------------------------------------------- bootstrap

def venv_stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(" ".join(PEER_PACKAGES).encode())
    return digest.hexdigest()


def ensure_venv(reinstall: bool) -> None:
    """Create bench/.venv with CovetPy (editable) and the peers, reinstalling when deps change."""
    python, stamp = VENV_BIN / "python", VENV / ".covet-bench-stamp"
    if not python.exists():
        print(f"creating {VENV.relative_to(ROOT)}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if reinstall or not stamp.exists() or stamp.read_text() != venv_stamp():
        print("installing CovetPy (editable) and the peer frameworks into bench/.venv", flush=True)
        subprocess.run([str(VENV_BIN / "pip"), "install", "--quiet", "--disable-pip-version-check",
                        "-e", str(ROOT), *PEER_PACKAGES], check=True)
        stamp.write_text(venv_stamp())


def reexec_in_venv(argv: list[str]) -> None:
    python = VENV_BIN / "python"
    env = {**os.environ, IN_VENV_MARK: "1"}
    os.execve(str(python), [str(python), str(Path(__file__).resolve()), *argv], env)


# --------------------------------------------------------------------------- the 1,000-route spec

def write_extra_spec() -> tuple[Path, Path]:
    """Derive openapi-1000.yaml and covet-1000.yaml from the small app's files."""
    import yaml  # bench/.venv only

    spec = yaml.load((COVET_APP / "openapi.yaml").read_text(), Loader=yaml.CSafeLoader)
    spec["info"]["title"] += f" (+{EXTRA_ROUTES:,} routes)"
    spec["info"]["description"] = "Generated by bench/run.py from openapi.yaml; do not edit."
    item_id = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    extra_response = {"200": {"description": "The item id, echoed.", "content": {
        "application/json": {"schema": {"type": "object",
                                        "properties": {"item_id": {"type": "integer"}}}}}}}
    extras = {
        f"/r{i}/items/{{item_id}}": {"get": {
            "operationId": f"extra{i}", "x-covet-handler": "bench_handlers:extra",
            "parameters": [item_id], "responses": extra_response}}
        for i in range(EXTRA_ROUTES)
    }
    # NOTE: the extras come first so that a router scanning in declaration order pays for them.
    spec["paths"] = {**extras, **spec["paths"]}
    spec_path = COVET_APP / f"openapi-{EXTRA_ROUTES}.yaml"
    header = "# Generated by bench/run.py from openapi.yaml; do not edit.\n"
    spec_path.write_text(header + yaml.dump(spec, Dumper=yaml.CSafeDumper, sort_keys=False))
    config = yaml.load((COVET_APP / "covet.yaml").read_text(), Loader=yaml.CSafeLoader)
    config["apis"][0]["spec"] = spec_path.name
    config_path = COVET_APP / f"covet-{EXTRA_ROUTES}.yaml"
    config_path.write_text(header + yaml.dump(config, Dumper=yaml.CSafeDumper, sort_keys=False))
    return spec_path, config_path


# --------------------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_command(framework: str, variant: str, port: int) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    env.pop(IN_VENV_MARK, None)
    if framework == "covet":
        config = COVET_APP / ("covet.yaml" if variant == "small" else f"covet-{EXTRA_ROUTES}.yaml")
        return [str(VENV_BIN / "covet"), "run", "--config", str(config), "--host", HOST,
                "--port", str(port), "--workers", "1", "--no-access-log",
                "--log-level", "warning"], env
    if variant == "extra":
        env["BENCH_EXTRA_ROUTES"] = str(EXTRA_ROUTES)
        env["BENCH_SPEC"] = str(COVET_APP / f"openapi-{EXTRA_ROUTES}.yaml")
    return [str(VENV_BIN / "uvicorn"), f"{PEER_MODULES[framework]}:app", "--app-dir", str(PEERS),
            "--host", HOST, "--port", str(port), *UVICORN_FLAGS], env


def process_tree(pid: int) -> list[int]:
    """pid and its descendants (a launcher may fork the real server)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo.extend(children.get(tree[-1], []))
    return tree


def process_tree_rss_kb(pid: int) -> int | None:
    """VmRSS of pid plus its descendants."""
    total, seen = 0, False
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if match:
            total, seen = total + int(match.group(1)), True
    return total if seen else None


def process_tree_cpu_ticks(pid: int) -> int:
    """User + system CPU time of pid plus its descendants, in clock ticks."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def machine_busy_ticks() -> int:
    """CPU time all processes spent in user and system mode, machine-wide, in clock ticks."""
    user, nice, system = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:4]
    return int(user) + int(nice) + int(system)


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_quiet(args: argparse.Namespace) -> float:
    """Wait (at most --quiet-wait s) until other processes leave the CPUs idle; return their load.

    The machine may be shared (tests, builds); the load is in % of one CPU, measured while
    our own server and wrk are idle.
    """
    deadline = time.monotonic() + args.quiet_wait
    while True:
        before, start = machine_busy_ticks(), time.monotonic()
        time.sleep(0.5)
        load = 100 * (machine_busy_ticks() - before) / CLK_TCK / (time.monotonic() - start)
        if load <= args.quiet_threshold or time.monotonic() >= deadline:
            return load
        time.sleep(1)


class Server:
    """One framework app under uvicorn, pinned to a CPU, in its own process group."""

    def __init__(self, framework: str, variant: str, cpu: str, log_dir: Path) -> None:
        self.framework, self.variant = framework, variant
        self.port = free_port()
        command, env = server_command(framework, variant, self.port)
        self.command = ["taskset", "-c", cpu, *command]
        self.log_path = log_dir / f"{framework}-{variant}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout: float) -> str | None:
        """Wait until the port accepts connections; return why not, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return f"exited with status {self.process.returncode}"
            try:
                socket.create_connection((HOST, self.port), timeout=0.5).close()
                return None
            except OSError:
                time.sleep(0.1)
        return f"not listening after {timeout:.0f} s"

    def alive(self) -> bool:
        return self.process.poll() is None

    def rss_kb(self) -> int | None:
        return process_tree_rss_kb(self.process.pid) if self.alive() else None

    def log_tail(self, lines: int = 25) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").rstrip().splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


# --------------------------------------------------------------------------- wrk

LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "COVET_BENCH {\\"requests\\":%d,\\"duration_us\\":%d,\\"connect\\":%d,\\"read\\":%d," ..
    "\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d,\\"p50_us\\":%.0f,\\"p90_us\\":%.0f," ..
    "\\"p99_us\\":%.0f,\\"mean_us\\":%.1f}\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
"""


def lua_script(scenario: Scenario, directory: Path) -> Path:
    lines = []
    if scenario.method != "GET":
        lines.append(f'wrk.method = "{scenario.method}"')
    if scenario.body is not None:
        lines.append(f"wrk.body = [[{scenario.body}]]")
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    path = directory / f"{scenario.key}.lua"
    path.write_text("\n".join(lines) + "\n" + LUA_DONE)
    return path


def run_wrk(args: argparse.Namespace, url: str, script: Path, seconds: float) -> dict[str, Any]:
    command = ["taskset", "-c", args.wrk_cpu, args.wrk, f"-t{args.threads}", f"-c{args.connections}",
               f"-d{seconds:g}s", f"--timeout={args.timeout:g}s", "--latency", "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60,
                          check=False)
    match = re.search(r"^COVET_BENCH (\{.*\})$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or not match:
        return {"error": f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout[-500:]}"}
    stats: dict[str, Any] = json.loads(match.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    stats["non2xx"] = max(stats["status"], int(non2xx.group(1)) if non2xx else 0)
    stats["socket_errors"] = sum(stats[k] for k in ("connect", "read", "write", "timeout"))
    stats["rps"] = stats["requests"] / (stats["duration_us"] / 1e6) if stats["duration_us"] else 0.0
    stats["valid"] = stats["non2xx"] == 0 and stats["socket_errors"] == 0 and stats["requests"] > 0
    return stats


def measure(args: argparse.Namespace, server: Server, url: str, script: Path) -> dict[str, Any]:
    """One measured wrk run, plus the server's CPU per request and other processes' load."""
    server_before, busy_before = process_tree_cpu_ticks(server.process.pid), machine_busy_ticks()
    wrk_before, start = children_cpu_seconds(), time.monotonic()
    stats = run_wrk(args, url, script, args.duration)
    elapsed = time.monotonic() - start
    server_seconds = (process_tree_cpu_ticks(server.process.pid) - server_before) / CLK_TCK
    busy_seconds = (machine_busy_ticks() - busy_before) / CLK_TCK
    wrk_seconds = children_cpu_seconds() - wrk_before
    if "error" not in stats and stats["requests"]:
        stats["server_cpu_us"] = server_seconds * 1e6 / stats["requests"]
        # NOTE: includes this script's own (small) polling and the kernel's share of loopback work.
        stats["foreign_load_pct"] = max(0.0, 100 * (busy_seconds - server_seconds - wrk_seconds) / elapsed)
    return stats


# --------------------------------------------------------------------------- one run

@dataclasses.dataclass
class Run:
    """Everything measured, keyed by (framework, scenario) and (framework, variant)."""

    results: dict[tuple[str, str], dict[str, Any]] = dataclasses.field(default_factory=dict)
    memory: dict[tuple[str, str], dict[str, int | None]] = dataclasses.field(default_factory=dict)
    problems: dict[tuple[str, str], list[str]] = dataclasses.field(default_factory=dict)
    remarks: dict[tuple[str, str], list[str]] = dataclasses.field(default_factory=dict)
    commands: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)


def bench_server(args: argparse.Namespace, run: Run, framework: str, variant: str,
                 scenarios: list[Scenario], scripts: Path) -> None:
    print(f"== {framework} ({'small app' if variant == 'small' else f'+{EXTRA_ROUTES:,} routes'})",
          flush=True)
    server = Server(framework, variant, args.server_cpu, LOGS)
    key = (framework, variant)
    run.commands[key] = shlex.join(server.command)
    problems = run.problems.setdefault(key, [])
    try:
        failure = server.wait_ready(args.start_timeout)
        if failure:
            problems.append(f"server failed to start ({failure}); log tail:\n{server.log_tail()}")
            print(f"   server failed to start: {failure}\n{server.log_tail()}", flush=True)
            for scenario in scenarios:
                run.results[(framework, scenario.key)] = {"error": "server failed to start"}
            return
        run.memory[key] = {"startup_kb": server.rss_kb(), "after_kb": None}
        for check in checks_for(variant):
            problem = run_check(server.port, check)
            if problem and check.required:
                problems.append(problem)
                print(f"   check failed: {problem}", flush=True)
            elif problem:
                run.remarks.setdefault(key, []).append(problem)
                print(f"   lenient (not disqualifying): {problem}", flush=True)
        for scenario in scenarios:
            url = f"http://{HOST}:{server.port}{scenario.path}"
            script = lua_script(scenario, scripts)
            idle_load = wait_quiet(args) if args.quiet_wait > 0 else None
            if args.warmup > 0:
                run_wrk(args, url, script, args.warmup)
            stats = best_run([measure(args, server, url, script) for _ in range(args.repeat)])
            stats["idle_load_pct"] = idle_load
            if problems:
                stats["valid"] = False
                stats["note"] = "endpoint checks failed"
            if not server.alive():
                stats = {"error": f"server died; log tail:\n{server.log_tail()}"}
            run.results[(framework, scenario.key)] = stats
            print(f"   {scenario.key:12} {describe(stats)}", flush=True)
        run.memory[key]["after_kb"] = server.rss_kb()
    finally:
        server.stop()


def best_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest run; any failed or invalid run makes the result so.

    Interference from other processes only ever slows a run down, so the fastest of several
    is the best estimate of what the server can do (as `timeit` takes the minimum).
    """
    failed = [r for r in runs if "error" in r]
    if failed:
        return failed[0]
    chosen = dict(max(runs, key=lambda r: r["rps"]))
    chosen["valid"] = all(r["valid"] for r in runs)
    chosen["non2xx"] = sum(r["non2xx"] for r in runs)
    chosen["socket_errors"] = sum(r["socket_errors"] for r in runs)
    if len(runs) > 1:
        chosen["all_rps"] = [round(r["rps"]) for r in runs]
    return chosen


def describe(stats: dict[str, Any]) -> str:
    if "error" in stats:
        return str(stats["error"]).splitlines()[0]
    text = (f"{stats['rps']:10,.0f} req/s  p50 {stats['p50_us'] / 1000:.2f} ms  "
            f"p99 {stats['p99_us'] / 1000:.2f} ms")
    if "server_cpu_us" in stats:
        text += f"  server CPU {stats['server_cpu_us']:.0f} us/req  others {stats['foreign_load_pct']:.0f}%"
    if stats["non2xx"] or stats["socket_errors"]:
        text += f"  non-2xx {stats['non2xx']}, socket errors {stats['socket_errors']}"
    return text + ("" if stats["valid"] else "  INVALID")


def run_all(args: argparse.Namespace) -> Run:
    run = Run()
    selected = [s for s in SCENARIOS if s.key in args.scenarios]
    with tempfile.TemporaryDirectory(prefix="covet-bench-") as scripts:
        for framework in args.only:
            for variant in ("small", "extra"):
                scenarios = [s for s in selected if s.variant == variant]
                if variant == "extra" and framework == "raw":
                    continue  # raw ASGI has no router to scale; see README.md
                if scenarios:
                    bench_server(args, run, framework, variant, scenarios, Path(scripts))
    return run


# --------------------------------------------------------------------------- RESULTS.md

def package_versions() -> dict[str, str]:
    from importlib import metadata

    versions = {}
    for name in VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    git = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                         capture_output=True, text=True, check=False)
    if git.returncode == 0:
        versions["covetpy"] += f" (git {git.stdout.strip()})"
    return versions


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"wrk (\S+)", done.stdout + done.stderr)
    return match.group(1) if match else "unknown"


def cpu_model() -> str:
    match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    return match.group(1).strip() if match else platform.processor() or "unknown"


def rps_of(run: Run, framework: str, scenario: str) -> float | None:
    stats = run.results.get((framework, scenario))
    return stats["rps"] if stats and stats.get("valid") else None


def ratio(run: Run, a: tuple[str, str], b: tuple[str, str]) -> float | None:
    top, bottom = rps_of(run, *a), rps_of(run, *b)
    return top / bottom if top and bottom else None


def cpu_ratio(run: Run, a: tuple[str, str], b: tuple[str, str]) -> float | None:
    """b's server CPU per request over a's: like `ratio`, higher means a is cheaper."""
    stats_a, stats_b = run.results.get(a), run.results.get(b)
    if not (stats_a and stats_b and stats_a.get("valid") and stats_b.get("valid")):
        return None
    cost_a, cost_b = stats_a.get("server_cpu_us"), stats_b.get("server_cpu_us")
    return cost_b / cost_a if cost_a and cost_b else None


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


Key = tuple[str, str]  # (framework, scenario)
TARGETS: list[tuple[str, Key, Key, float]] = [  # (label, numerator, denominator, minimum)
    ("plaintext: covet / raw", ("covet", "plaintext"), ("raw", "plaintext"), 0.80),
    ("json: covet / raw", ("covet", "json"), ("raw", "json"), 0.80),
    ("params: covet / fastapi", ("covet", "params"), ("fastapi", "params"), 2.0),
    ("params: covet / litestar", ("covet", "params"), ("litestar", "params"), 1.2),
    ("POST: covet / fastapi", ("covet", "post"), ("fastapi", "post"), 2.0),
    ("POST: covet / litestar", ("covet", "post"), ("litestar", "post"), 1.2),
    ("1,000 routes: covet params-1000 / params", ("covet", "params-1000"), ("covet", "params"), 0.95),
]
INFO_RATIOS: list[tuple[str, Key, Key]] = [
    (f"1,000 routes: {fw} params-1000 / params", (fw, "params-1000"), (fw, "params"))
    for fw in ("fastapi", "litestar", "connexion")
] + [
    ("plaintext: covet / fastapi", ("covet", "plaintext"), ("fastapi", "plaintext")),
    ("json: covet / fastapi", ("covet", "json"), ("fastapi", "json")),
    ("params: covet / connexion", ("covet", "params"), ("connexion", "params")),
    ("POST: covet / connexion", ("covet", "post"), ("connexion", "post")),
]


def cell_rps(stats: dict[str, Any] | None, noisy_above: float) -> str:
    if stats is None:
        return "-"
    if "error" in stats:
        return "FAILED"
    if not stats["valid"]:
        why = stats.get("note") or f"{stats['non2xx']} non-2xx, {stats['socket_errors']} socket errors"
        return f"INVALID ({stats['rps']:,.0f}; {why})"
    noisy = stats.get("foreign_load_pct", 0) > noisy_above
    return f"{stats['rps']:,.0f}" + (f" † {stats['foreign_load_pct']:.0f}%" if noisy else "")


def cell_cpu(stats: dict[str, Any] | None) -> str:
    if stats is None or "server_cpu_us" not in stats:
        return "-"
    text = f"{stats['server_cpu_us']:.0f}"
    return text if stats["valid"] else f"({text})"


def cell_latency(stats: dict[str, Any] | None) -> str:
    if stats is None or "error" in stats:
        return "-"
    text = f"{stats['p50_us'] / 1000:.2f} / {stats['p99_us'] / 1000:.2f}"
    return text if stats["valid"] else f"({text})"


def fmt_mb(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.1f} MB"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def render(args: argparse.Namespace, run: Run, started: datetime.datetime) -> str:
    command = shlex.join(["python3", "bench/run.py", *args.argv])
    out = [
        "# Benchmark results",
        "",
        (f"Written by `bench/run.py` on {started:%Y-%m-%d %H:%M} UTC (`{command}`). Do not edit "
         "by hand; see [README.md](README.md) for what each scenario is and how to run it."),
        "",
        *render_setup(args),
        *render_targets(run),
        *render_tables(args, run),
        *render_memory(run),
        *render_notes(args, run),
    ]
    return "\n".join(out) + "\n"


def render_setup(args: argparse.Namespace) -> list[str]:
    versions = ", ".join(f"{name} {version}" for name, version in package_versions().items())
    repeats = f"; the fastest of {args.repeat} measured runs reported" if args.repeat > 1 else ""
    return [
        "## Machine and software",
        "",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, Linux {platform.release()}",
        f"- Python {platform.python_version()} ({sys.implementation.name})",
        f"- {versions}",
        f"- wrk {wrk_version(args.wrk)}",
        "",
        "## Settings",
        "",
        (f"- Servers: uvicorn, 1 worker, `{' '.join(UVICORN_FLAGS[2:])}`, pinned with "
         f"`taskset -c {args.server_cpu}`; CovetPy via `covet run --config … --workers 1 "
         "--no-access-log --log-level warning` (uvicorn with uvloop + httptools)."),
        (f"- Load: `taskset -c {args.wrk_cpu} wrk -t{args.threads} -c{args.connections} "
         f"-d{args.duration:g}s --timeout={args.timeout:g}s --latency`, after a "
         f"{args.warmup:g} s warm-up per scenario{repeats}."),
        (f"- Before each scenario the script waited up to {args.quiet_wait:g} s for other "
         f"processes to use less than {args.quiet_threshold:g}% of a CPU (the machine may be "
         "shared); their load during each measured run is shown below."),
        ("- Every endpoint was first checked with a real request (status, Content-Type, body), "
         "and bad requests (bad params, bad bodies) had to get a 4xx. A result with any non-2xx "
         "response, socket error or failed check is INVALID and counts in no ratio."),
        "",
    ]


def render_targets(run: Run) -> list[str]:
    rows = []
    for label, top, bottom, minimum in TARGETS:
        value = ratio(run, top, bottom)
        verdict = "n/a" if value is None else ("PASS" if value >= minimum else "FAIL")
        rows.append([label, f">= {minimum:.2f}x", fmt_ratio(value), verdict,
                     fmt_ratio(cpu_ratio(run, top, bottom))])
    return [
        "## Targets",
        "",
        ("The result is judged on requests per second, as the targets are stated. The last "
         "column is the same ratio computed from server CPU time per request (the inverse "
         "cost ratio), which holds up better when other processes share the machine."),
        "",
        *table(["target", "goal", "req/s ratio", "result", "CPU-cost ratio"], rows),
        "",
    ]


def render_tables(args: argparse.Namespace, run: Run) -> list[str]:
    frameworks = [f for f in FRAMEWORKS if f in args.only]
    scenarios = [s for s in SCENARIOS if s.key in args.scenarios]

    def grid(cell: Any) -> list[str]:
        rows = [[s.title, *(cell(run.results.get((f, s.key))) for f in frameworks)]
                for s in scenarios]
        return table(["scenario", *frameworks], rows)

    threshold = args.quiet_threshold
    ratios = [[label, fmt_ratio(ratio(run, top, bottom)), fmt_ratio(cpu_ratio(run, top, bottom))]
              for label, top, bottom in [*(t[:3] for t in TARGETS), *INFO_RATIOS]]
    return [
        "## Requests per second",
        "",
        *grid(lambda stats: cell_rps(stats, threshold)),
        "",
        (f"† other processes used more than {threshold:g}% of a CPU during that measurement "
         "(the figure after †): the machine was shared, so that rate is low by an unknown "
         "amount. The server CPU time per request below is less sensitive to that."),
        "",
        "## Server CPU time per request (µs)",
        "",
        ("User + system CPU time of the server process during the measured run, divided by the "
         "requests completed (DESIGN.md §11 counts the hot-path budget in these units)."),
        "",
        *grid(cell_cpu),
        "",
        "## Latency p50 / p99 (ms)",
        "",
        *grid(cell_latency),
        "",
        "## Ratios",
        "",
        *table(["ratio", "req/s", "CPU cost (inverse)"], ratios),
        "",
    ]


def render_memory(run: Run) -> list[str]:
    rows = []
    for (framework, variant), memory in run.memory.items():
        app = "small app" if variant == "small" else f"+{EXTRA_ROUTES:,} routes"
        rows.append([framework, app, fmt_mb(memory["startup_kb"]), fmt_mb(memory["after_kb"])])
    return [
        "## Resident memory (VmRSS of the server process tree)",
        "",
        *table(["framework", "app", "after startup", "after its scenarios"], rows),
        "",
    ]


def render_notes(args: argparse.Namespace, run: Run) -> list[str]:
    out = ["## Notes", ""]
    loads = sorted(s["foreign_load_pct"] for s in run.results.values() if "foreign_load_pct" in s)
    if loads:
        busy = sum(load > args.quiet_threshold for load in loads)
        out.append(f"- Other processes' CPU load during the measured runs: median "
                   f"{loads[len(loads) // 2]:.0f}%, max {loads[-1]:.0f}% of one CPU ({busy} of "
                   f"{len(loads)} runs above {args.quiet_threshold:g}%).")
    out.append("- Raw ASGI (a hand-written dict dispatch) is the ceiling for scenarios 1-4; it has "
               "no router to scale, so it has no 1,000-route variant.")
    out.append("- Scenario 5 runs scenario 3 against a build of each app with 1,000 extra routes "
               "`GET /r{i}/items/{item_id}` registered before the measured one.")
    for (framework, variant), remarks in run.remarks.items():
        out += [f"- {framework} ({variant}) is lenient, which disqualifies nothing: {remark}"
                for remark in remarks]
    problems = [(key, p) for key, items in run.problems.items() for p in items]
    if not problems:
        out.append("- Every required endpoint check passed.")
    for (framework, variant), problem in problems:
        first, *rest = problem.splitlines()
        out.append(f"- {framework} ({variant}): {first}")
        if rest:
            out += ["", "  ```", *("  " + line for line in rest), "  ```", ""]
    return out


# --------------------------------------------------------------------------- main

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds of measured load")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per scenario")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measured runs per scenario; the fastest is reported")
    parser.add_argument("--connections", type=int, default=64, help="wrk -c")
    parser.add_argument("--threads", type=int, default=1, help="wrk -t")
    parser.add_argument("--timeout", type=float, default=10,
                        help="wrk --timeout in seconds; a request slower than this is an error")
    parser.add_argument("--only", default=",".join(FRAMEWORKS),
                        help="comma-separated frameworks: " + ",".join(FRAMEWORKS))
    parser.add_argument("--scenarios", default=",".join(SCENARIO_KEYS),
                        help="comma-separated scenarios: " + ",".join(SCENARIO_KEYS))
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md", help="results file")
    parser.add_argument("--server-cpu", default="0", help="taskset CPU list for the servers")
    parser.add_argument("--wrk-cpu", default="1", help="taskset CPU list for wrk")
    parser.add_argument("--wrk", default="/usr/bin/wrk", help="path to wrk")
    parser.add_argument("--start-timeout", type=float, default=60, help="seconds for a server to listen")
    parser.add_argument("--quiet-wait", type=float, default=5,
                        help="before each scenario, wait up to this many seconds for other "
                             "processes to leave the CPUs idle (0: do not wait)")
    parser.add_argument("--quiet-threshold", type=float, default=10,
                        help="the CPU load (%% of one CPU) of other processes that counts as idle")
    parser.add_argument("--reinstall", action="store_true", help="pip install into bench/.venv again")
    parser.add_argument("--check-only", action="store_true",
                        help="start each server and check its endpoints; no load, no RESULTS.md")
    args = parser.parse_args(argv)
    args.argv = argv
    args.only = split_choices(parser, "--only", args.only, FRAMEWORKS)
    args.scenarios = split_choices(parser, "--scenarios", args.scenarios, SCENARIO_KEYS)
    return args


def split_choices(parser: argparse.ArgumentParser, flag: str, value: str,
                  choices: tuple[str, ...]) -> list[str]:
    picked = [v.strip() for v in value.split(",") if v.strip()]
    unknown = sorted(set(picked) - set(choices))
    if unknown or not picked:
        parser.error(f"{flag}: unknown {unknown or 'empty list'}; choose from {', '.join(choices)}")
    return [c for c in choices if c in picked]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    missing = [tool for tool in (args.wrk, "taskset") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"bench/run.py: {' and '.join(missing)} not found; on Debian: "
                 "apt-get install wrk util-linux")
    if os.environ.get(IN_VENV_MARK) != "1":
        ensure_venv(args.reinstall)
        reexec_in_venv(argv)
    LOGS.mkdir(parents=True, exist_ok=True)
    write_extra_spec()
    started = datetime.datetime.now(datetime.UTC)
    if args.check_only:
        args.duration = args.warmup = 0
        args.scenarios = []
        failed = check_servers(args)
        return 1 if failed else 0
    run = run_all(args)
    args.output.write_text(render(args, run, started))
    raw = {"started": started.isoformat(), "argv": args.argv,
           "results": {f"{f}/{s}": v for (f, s), v in run.results.items()},
           "memory_kb": {f"{f}/{v}": m for (f, v), m in run.memory.items()},
           "problems": {f"{f}/{v}": p for (f, v), p in run.problems.items() if p}}
    (LOGS.parent / "latest.json").write_text(json.dumps(raw, indent=2))
    print(f"wrote {args.output} (raw numbers: {LOGS.parent / 'latest.json'})", flush=True)
    return 0


def check_servers(args: argparse.Namespace) -> bool:
    run = Run()
    for framework in args.only:
        for variant in ("small",) if framework == "raw" else ("small", "extra"):
            bench_server(args, run, framework, variant, [], LOGS)
    failed = any(run.problems.values())
    print("all checks passed" if not failed else "some checks failed", flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
