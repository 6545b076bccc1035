"""Resident memory of ``covet run``: the reference app after startup and after traffic.

    .venv/bin/python bench/memory.py [--runs 3] [--requests 2000] [--baseline REF[=NOTE] ...]
                                     [--postgres URL | --no-postgres] [--out bench/MEMORY.md]

Serves the reference app as ``make run`` does (``covet db upgrade``, ``covet db seed``, ``covet
run -c specs/covet.yaml``) on a fresh SQLite file in a temporary folder, waits for /health, and
reads VmRSS of the server's process tree; then sends ``--requests`` sequential requests over
eight endpoints and reads it again. Each measurement is repeated ``--runs`` times; the median is
reported. The same is done on a throwaway PostgreSQL database (created, then dropped; skipped if
the server does not answer), for the HTTP benchmark app (no database), and, with ``--baseline``,
for the reference app at another commit (unpacked with ``git archive``, put first on PYTHONPATH).
Finally a child interpreter imports the serving path one step at a time and reports the RSS each
step adds. Prints everything and writes bench/MEMORY.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import http.client
import importlib.metadata
import json
import os
import platform
import shlex
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BENCH_APP = "bench/apps/covet/covet.yaml"
# The bench app as the reference app is configured: its spec validated in a child process.
BENCH_ISOLATED = f"""\
apis: [{{spec: {ROOT / "bench/apps/covet/openapi.yaml"}, prefix: "", handlers: bench_handlers}}]
pythonpath: ["{ROOT / "bench/apps/covet"}"]
server: {{host: 127.0.0.1, port: 8000, workers: 1, access_log: false}}
spec_validation: isolated
"""
TARGET_MB = 60.0
PACKAGES = (
    "uvicorn", "uvloop", "httptools", "watchfiles", "pydantic", "pydantic-core", "PyYAML",
    "orjson", "jsonschema-rs", "SQLAlchemy", "greenlet", "aiosqlite", "asyncpg", "alembic",
)

CHANGES = """\
Each change keeps behaviour; each module it keeps out is listed, with its measured cost, in the
second table above. tests/cli/test_imports.py proves in fresh interpreters that parsing `covet run`
and compiling the reference app on SQLite load none of them.

- **CLI** (`engine/covet/cli/`): the parser still registers every command, but `covet validate`,
  `covet new` and `covet generate` import the linter (`covet.lint`) and the scaffolding
  (`covet.scaffold`) inside their handlers. The few constants their help text needs are spelled
  out in the CLI and pinned to the originals by a test.
- **uvicorn without watchfiles** (`engine/covet/cli/run.py`): `uvicorn.supervisors` imports
  watchfiles (and with it anyio) whenever it is installed, for uvicorn's own reloader, which
  `covet run` never uses. `covet run` marks watchfiles missing while it imports uvicorn, then
  removes the mark, so handlers can still import it. `covet run --reload` imports uvicorn as
  before; its reloader is covet's own, which imports watchfiles itself.
- **MariaDB dialect** (`schema/portable.py`): `sqlalchemy.dialects.mysql` is imported only when a
  MariaDB/MySQL dialect asks for `UtcDateTime`'s column type, and by then that dialect has loaded
  it. SQLite and PostgreSQL servers no longer load it. Migrations and models are unchanged.
- **urllib.request** (`engine/covet/spec/loader.py`): imported only to resolve a `file:` `$ref`.
  Nothing else on the serving path needs it, nor the `http.client` it brings.
- **html** (`engine/covet/docs/pages.py`): the docs pages escape with a translation table that
  gives the same output as `html.escape`. Importing `html` loads `html.entities`, a table of 2,000+
  named character references.
"""

_UVICORN = (
    "sys.modules['watchfiles'] = None\n"
    "import uvicorn, uvicorn.lifespan.on, uvicorn.loops.uvloop, "
    "uvicorn.protocols.http.httptools_impl\n"
    "del sys.modules['watchfiles']"
)
# Still loaded, each measured alone on top of asyncio: who loads it, and why it stays.
STILL_LOADED: tuple[tuple[str, str, str], ...] = (
    ("click", "import click", "uvicorn's command line, imported by `import uvicorn`"),
    ("importlib.metadata (+ email, zipfile)", "import importlib.metadata",
     "pydantic's plugin loader, on the first model"),
    ("SQLAlchemy core", "import sqlalchemy", "the database provider"),
    ("SQLAlchemy orm + asyncio (with core)", "import sqlalchemy.orm, sqlalchemy.ext.asyncio",
     "AsyncSession in the provider, DeclarativeBase in schema/models.py"),
)
# The child interpreter for the import-step breakdown: one step per line of STEPS, RSS after each.
STEPS: tuple[tuple[str, str], ...] = (
    ("asyncio + uvloop", "import asyncio, uvloop"),
    ("uvicorn (+ httptools, click), without watchfiles as `covet run` does", _UVICORN),
    ("pydantic", "import pydantic"),
    ("PyYAML + orjson", "import yaml, orjson"),
    ("jsonschema_rs", "import jsonschema_rs"),
    ("SQLAlchemy core", "import sqlalchemy, sqlalchemy.engine"),
    ("SQLAlchemy orm + asyncio", "import sqlalchemy.orm, sqlalchemy.ext.asyncio"),
    ("SQLite driver + dialect", "import aiosqlite, sqlalchemy.dialects.sqlite.aiosqlite"),
    ("covet serving modules", "import covet.cli, covet.cli.run, covet.providers.database"),
    ("reference app compiled (handlers, models)", "app = covet.cli.run.app_factory()"),
    ("startup (database connected)", "startup(app)"),
)
AVOIDED: tuple[tuple[str, str], ...] = (
    ("covet.lint (linter)", "import covet.lint"),
    ("covet.scaffold (scaffolding)", "import covet.scaffold"),
    ("watchfiles + anyio (uvicorn's reloader)", "import watchfiles"),
    ("sqlalchemy.dialects.mysql", "import sqlalchemy.dialects.mysql"),
    ("urllib.request (+ http.client)", "import urllib.request"),
    ("html (+ html.entities)", "import html"),
    ("alembic (covet db only)", "import alembic.command, alembic.runtime.migration"),
)
BREAKDOWN_CHILD = r'''
import json, sys
def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
def startup(app):
    import asyncio
    async def run():
        messages = [{"type": "lifespan.startup"}]
        sent = []
        async def receive():
            if messages:
                return messages.pop()
            await asyncio.sleep(3600)
        async def send(message):
            sent.append(message)
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        task = asyncio.ensure_future(app(scope, receive, send))
        while not sent:
            await asyncio.sleep(0.01)
        assert sent[0]["type"] == "lifespan.startup.complete", sent
        task.cancel()
    asyncio.run(run())
import gc
out = [("python interpreter", rss())]
for label, code in json.loads(sys.argv[1]):
    exec(code)
    gc.collect()
    out.append((label, rss()))
print(json.dumps(out))
'''


@dataclasses.dataclass
class Target:
    """One app to serve: its source tree, config, environment and database (if any)."""

    label: str
    root: Path
    config: str
    env: dict[str, str]
    database: str | None  # "sqlite", a PostgreSQL server URL, or None
    config_yaml: str | None = None  # written to the run's folder and served instead of config


@dataclasses.dataclass
class Sample:
    started_mb: float
    after_mb: float
    requests: int
    failures: int


# ---- measuring a running server -------------------------------------------------------------


def tree_rss_mb(pid: int) -> float:
    """VmRSS summed over ``pid`` and its descendants, in MB (2**20 bytes)."""
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(OSError), open(f"/proc/{member}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def _tree(pid: int) -> Iterator[int]:
    yield pid
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                yield from _tree(int(child))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            status, _ = get(connection, "/health")
            connection.close()
            if status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("no 200 from /health in time")


def endpoints(connection: http.client.HTTPConnection, reference: bool) -> list[str]:
    if not reference:
        post = "/users/7/posts/8c8a3e3c-2f1e-4a4b-9a7e-6f1d2b3c4d5e?limit=5"
        return ["/plaintext", "/json", post, "/health"]
    _, users = get(connection, "/v1/users?limit=1")
    _, posts = get(connection, "/v1/posts?limit=1")
    user = json.loads(users)["items"][0]["id"]
    post = json.loads(posts)["items"][0]
    return [
        "/health", "/v1/users?limit=10", f"/v1/users/{user}", f"/v1/users/{user}/posts",
        "/v1/posts?limit=10&tag=python", f"/v1/users/{post['author_id']}/posts/{post['id']}",
        "/v2/users?limit=5", f"/v2/users/{user}",
    ]


def traffic(port: int, count: int, reference: bool) -> int:
    """Send ``count`` sequential GETs over one keep-alive connection; returns the non-200s."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    paths = endpoints(connection, reference)
    failures = 0
    for index in range(count):
        status, _ = get(connection, paths[index % len(paths)])
        failures += status != 200
    connection.close()
    return failures


def covet_command(*args: str) -> list[str]:
    """``covet ARGS`` as `make run` runs it: the venv's console script."""
    script = Path(sys.executable).with_name("covet")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "covet.cli", *args]


def serve_once(target: Target, requests: int, workdir: Path) -> Sample:
    env = {**os.environ, **target.env}
    if target.database == "sqlite":
        env["DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir / f'covet-{uuid.uuid4().hex[:8]}.db'}"
    elif target.database is not None:
        env["DATABASE_URL"] = target.database
    if target.database is not None:
        for action in ("upgrade", "seed"):
            subprocess.run(
                covet_command("db", action, "-c", target.config), cwd=target.root, env=env,
                check=True, stdout=subprocess.DEVNULL,
            )
    config = target.config
    if target.config_yaml is not None:
        config = str(workdir / "covet.yaml")
        Path(config).write_text(target.config_yaml)
    port = free_port()
    command = covet_command("run", "-c", config, "--port", str(port))
    with open(workdir / "server.log", "ab") as log:
        process = subprocess.Popen(command, cwd=target.root, env=env, stdout=log, stderr=log)
    try:
        wait_healthy(port, process)
        time.sleep(1.0)  # let the isolated spec validator exit and the loop settle
        started = tree_rss_mb(process.pid)
        failures = traffic(port, requests, reference=target.database is not None)
        time.sleep(0.2)
        after = tree_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)
    return Sample(started, after, requests, failures)


def measure(target: Target, runs: int, requests: int) -> list[Sample]:
    samples = []
    for run in range(runs):
        with tempfile.TemporaryDirectory(prefix="covet-mem-") as workdir:
            sample = serve_once(target, requests, Path(workdir))
        print(
            f"  {target.label} run {run + 1}: {sample.started_mb:.1f} MB after startup, "
            f"{sample.after_mb:.1f} MB after {requests} requests ({sample.failures} non-200)",
            flush=True,
        )
        samples.append(sample)
    return samples


# ---- throwaway PostgreSQL database, as tests/schema/databases.py makes them ------------------


async def _administer(url: str, statement: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@contextlib.contextmanager
def throwaway_postgres(server: str) -> Iterator[str]:
    from sqlalchemy.engine import make_url

    url = make_url(server)
    name = f"covet_test_{uuid.uuid4().hex[:12]}"
    home = url.set(database="postgres").render_as_string(False)
    asyncio.run(_administer(home, f"CREATE DATABASE {name}"))
    try:
        yield url.set(database=name).render_as_string(False)
    finally:
        asyncio.run(_administer(home, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


# ---- the import-step breakdown ------------------------------------------------------------------


def breakdown(steps: Sequence[tuple[str, str]], runs: int, env: dict[str, str]) -> list[
    tuple[str, float, float]
]:
    """(step, MB it adds, MB total after it), medians over ``runs`` fresh interpreters."""
    totals: list[list[float]] = []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-c", BREAKDOWN_CHILD, json.dumps(list(steps))], cwd=ROOT,
            env={**os.environ, **env}, capture_output=True, text=True, check=True,
        )
        totals.append([mb for _, mb in json.loads(result.stdout.splitlines()[-1])])
    labels = ["python interpreter", *(label for label, _ in steps)]
    medians = [statistics.median(run[i] for run in totals) for i in range(len(labels))]
    return [
        (labels[i], medians[i] - (medians[i - 1] if i else 0.0), medians[i])
        for i in range(len(labels))
    ]


# ---- the report -----------------------------------------------------------------------------


def median(samples: Sequence[Sample], field: str) -> float:
    return float(statistics.median(getattr(sample, field) for sample in samples))


def machine() -> list[str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor() or "unknown",
    )
    memory = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
         if line.startswith("MemTotal")), "0",
    )
    versions = []
    for package in PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{package} {importlib.metadata.version(package)}")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
        check=False,
    ).stdout.strip()
    return [
        (f"- Machine: {cpu}, {os.cpu_count()} CPUs, {int(memory) / 1024 / 1024:.1f} GiB RAM; "
        f"{platform.system()} {platform.release()}"),
        (f"- Python {platform.python_version()} ({platform.python_implementation()}), at commit "
        f"{commit} (plus this run's working tree)"),
        f"- Packages: {', '.join(versions)}",
    ]


def report(
    results: list[tuple[Target, list[Sample]]],
    steps: list[tuple[str, float, float]],
    avoided: list[tuple[str, float, float]],
    still: list[tuple[str, float, str]],
    notes: list[str],
    args: argparse.Namespace,
) -> str:
    command = shlex.join(["bench/memory.py", *sys.argv[1:]])
    lines = [
        "# Resident memory of `covet run`",
        "",
        (f"Written by `.venv/bin/python {command}`; do not edit by hand. "
        f"RSS is VmRSS of the server's process tree (MB = 2^20 bytes), read once /health answers "
        f"200 (plus 1 s) and again after {args.requests} sequential keep-alive GETs over a few "
        f"endpoints; each is the median of {args.runs} fresh servers. The reference app is served "
        f"as `make run` does: `covet db upgrade`, `covet db seed`, `covet run -c specs/covet.yaml` "
        f"(one worker, access log on, spec validation isolated in a child that exits before "
        f"serving)."),
        "",
        *machine(),
        "",
        "## Results",
        "",
        "| app | database | after startup | after requests | runs (startup MB) | non-200 |",
        "|---|---|---:|---:|---|---:|",
    ]
    for target, samples in results:
        runs = ", ".join(f"{sample.started_mb:.1f}" for sample in samples)
        failures = sum(sample.failures for sample in samples)
        lines.append(
            f"| {target.label} | {_database(target)} | {median(samples, 'started_mb'):.1f} MB | "
            f"{median(samples, 'after_mb'):.1f} MB | {runs} | {failures} |"
        )
    verdict = _verdict(results, steps)
    lines += ["", *verdict, "", *notes] if notes else ["", *verdict]
    lines += [
        "",
        "## Where the memory goes",
        "",
        ("A fresh interpreter imports the serving path one step at a time, in the order below, and "
        "reads its own VmRSS after each (median of the same runs; an item is charged to the first "
        "step that loads it, e.g. `typing_extensions` to pydantic). The total is close to, not "
        "equal to, the served process: uvicorn's server objects, sockets and the access logger "
        "are not built here."),
        "",
        "| step | adds | total |",
        "|---|---:|---:|",
        *(f"| {label} | {delta:+.1f} MB | {total:.1f} MB |" for label, delta, total in steps),
        "",
        ("Modules `covet run` no longer loads (alembic, which only `covet db` needs, never was), "
         "measured the same way: each imported alone after the last step above, so it adds only "
         "what the running app does not already hold:"),
        "",
        "| module | would add |",
        "|---|---:|",
        *(f"| {label} | {delta:+.1f} MB |" for label, delta, _ in avoided),
        "",
        ("Big items still loaded, each imported alone in a fresh interpreter after asyncio + "
         "uvloop (so each includes what it shares with others):"),
        "",
        "| module | adds | loaded by |",
        "|---|---:|---|",
        *(f"| {label} | {delta:+.1f} MB | {why} |" for label, delta, why in still),
        "",
        "## What was changed",
        "",
        CHANGES,
    ]
    return "\n".join(lines).rstrip() + "\n"


def _database(target: Target) -> str:
    if target.database is None:
        return "none"
    return "SQLite file" if target.database == "sqlite" else "PostgreSQL (asyncpg)"


def _verdict(
    results: list[tuple[Target, list[Sample]]], steps: list[tuple[str, float, float]]
) -> list[str]:
    sqlite = [samples for target, samples in results if target.database == "sqlite"]
    if not sqlite:
        return []
    now = median(sqlite[-1], "started_mb")  # the working tree's row; baselines come first
    lines = []
    if len(sqlite) > 1:
        before = median(sqlite[0], "started_mb")
        lines.append(
            f"Reference app on SQLite after startup: {before:.1f} MB at the first baseline, "
            f"{now:.1f} MB now ({now - before:+.1f} MB)."
        )
    if now < TARGET_MB:
        return [*lines, f"That is **under** the {TARGET_MB:.0f} MB target."]
    added = {label: delta for label, delta, _ in steps}
    before_covet = {label: total for label, _, total in steps}["SQLite driver + dialect"]
    interpreter = added["python interpreter"] + added["asyncio + uvloop"]
    sqlalchemy = added["SQLAlchemy core"] + added["SQLAlchemy orm + asyncio"]
    covet = sum(
        added[label] for label in ("covet serving modules",
                                   "reference app compiled (handlers, models)",
                                   "startup (database connected)")
    )
    return [*lines, (
        f"That is **still above** the {TARGET_MB:.0f} MB target, by {now - TARGET_MB:.1f} MB. "
        f"In the breakdown below, {before_covet:.1f} MB is loaded before any covet module: the "
        f"interpreter with asyncio and uvloop ({interpreter:.1f} MB), "
        f"SQLAlchemy core, ORM and asyncio ({sqlalchemy:.1f} MB), uvicorn, pydantic, "
        f"jsonschema_rs and the rest; covet itself, the compiled app and its startup add "
        f"{covet:.1f} MB. Reaching the target means shedding {now - TARGET_MB:.1f} MB more: more "
        f"than SQLAlchemy's ORM and asyncio layers weigh ({added['SQLAlchemy orm + asyncio']:.1f} "
        f"MB, and the reference app's models and the provider's AsyncSession need them). No "
        f"further deferred import gets there; it would take a lighter dependency stack or a "
        f"smaller covet."
    )]


# ---- main -----------------------------------------------------------------------------------


def unpack(ref: str, into: Path) -> Path:
    archive = into / "source.tar"
    subprocess.run(["git", "archive", "-o", str(archive), ref], cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "source", filter="data")
    return into / "source"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--baseline", metavar="REF[=NOTE]", action="append", default=[],
        help="also measure the reference app (SQLite) at the commit REF; repeatable",
    )
    parser.add_argument("--postgres", default=POSTGRES, help=f"server URL (default: {POSTGRES})")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--out", type=Path, default=HERE / "MEMORY.md")
    args = parser.parse_args(argv)

    reference = Target("reference app", ROOT, "specs/covet.yaml", {}, "sqlite")
    bench_app = Target("HTTP bench app (as configured)", ROOT, BENCH_APP, {}, None)
    isolated = Target(
        "HTTP bench app, spec validation isolated", ROOT, BENCH_APP, {}, None, BENCH_ISOLATED
    )
    results = [
        (target, measure(target, args.runs, args.requests))
        for target in (reference, bench_app, isolated)
    ]
    notes: list[str] = []
    if not args.no_postgres:
        try:
            with throwaway_postgres(args.postgres) as url:
                target = Target("reference app", ROOT, "specs/covet.yaml", {}, url)
                results.append((target, measure(target, args.runs, args.requests)))
        except (OSError, SQLAlchemyError) as exc:
            notes.append(f"PostgreSQL at {args.postgres} was not measured: {exc}")
    for index, baseline in enumerate(args.baseline):
        ref, _, note = baseline.partition("=")
        label = f"reference app at {ref}" + (f" ({note})" if note else "")
        with tempfile.TemporaryDirectory(prefix="covet-mem-base-") as folder:
            source = unpack(ref, Path(folder))
            env = {"PYTHONPATH": f"{source / 'engine'}{os.pathsep}{source}"}
            target = Target(label, source, "specs/covet.yaml", env, "sqlite")
            results.insert(index, (target, measure(target, args.runs, args.requests)))

    with tempfile.TemporaryDirectory(prefix="covet-mem-steps-") as folder:
        env = {"DATABASE_URL": f"sqlite+aiosqlite:///{Path(folder) / 'steps.db'}",
               "COVET_CONFIG": "specs/covet.yaml"}
        subprocess.run(covet_command("db", "upgrade", "-c", "specs/covet.yaml"), cwd=ROOT,
                       env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
        steps = breakdown(STEPS, args.runs, env)
        avoided = [
            (label, breakdown((*STEPS, (label, code)), args.runs, env)[-1][1], 0.0)
            for label, code in AVOIDED
        ]
        still = [
            (label, breakdown((STEPS[0], (label, code)), args.runs, env)[-1][1], why)
            for label, code, why in STILL_LOADED
        ]

    text = report(results, steps, avoided, still, notes, args)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
