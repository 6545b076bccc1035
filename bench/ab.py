#!/usr/bin/env python3
"""Interleaved A/B over real HTTP: several builds of CovetPy (and raw ASGI) loaded in turns.

    python3 bench/ab.py --tree before=/tmp/before --tree after=/tmp/after --rounds 4

Every server is started once and kept up (an idle server costs nothing); then, round after
round, each scenario loads each server in turn (the order reversed every other round: A B, B A),
so drift on a shared machine (other processes, thermal or frequency changes) falls on all of
them alike. A tree is a CovetPy checkout: its ``engine/`` goes first on ``PYTHONPATH`` and it is
served with ``covet run`` on its own ``bench/apps/covet/covet.yaml``, exactly as bench/run.py
serves it. ``raw`` is bench/apps/peers/raw_app.py on plain uvicorn; ``raw-covet-protocol`` is the
same app on CovetPy's HTTP protocol (``covet.server``), which isolates what the protocol costs.

Reported per (server, scenario): the median and the best requests/s and the median server CPU
µs per request over the rounds, and each build's ratio to raw ASGI. Uses bench/.venv and the
plumbing of bench/_harness.py (see bench/README.md); writes JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import _harness as harness

BENCH = harness.BENCH
PEERS = BENCH / "apps" / "peers"
SCENARIOS = {
    "plaintext": ("GET", "/plaintext", None),
    "json": ("GET", "/json", None),
    "params": ("GET", "/users/42/posts/5f0b6a8e-3a57-4f8e-9c35-2c1f2e3b4a5d?limit=20", None),
    "post": ("POST", "/items", '{"name":"Widget","price":9.99,"tags":["tools","blue"],"in_stock":true}'),
}
# The raw app on CovetPy's protocol, with the default limits of covet run.
RAW_ON_COVET = (
    "import sys, uvicorn; sys.path.insert(0, {peers!r}); import raw_app;"
    "from covet.server import HttpLimits, http_protocol;"
    "uvicorn.run(raw_app.app, host={host!r}, port={port}, loop='uvloop',"
    " http=http_protocol(HttpLimits()), access_log=False, log_level='warning')"
)


def server_command(name: str, tree: Path | None, port: int, config_name: str) -> list[str]:
    if name == "raw":
        return [str(harness.VENV_BIN / "uvicorn"), "raw_app:app", "--app-dir", str(PEERS),
                "--host", harness.HOST, "--port", str(port), *harness.UVICORN_FLAGS]
    if name == "raw-covet-protocol":
        return [str(harness.VENV_BIN / "python"), "-c",
                RAW_ON_COVET.format(peers=str(PEERS), host=harness.HOST, port=port)]
    assert tree is not None
    config = tree / "bench" / "apps" / "covet" / config_name
    return [str(harness.VENV_BIN / "covet"), "run", "--config", str(config),
            "--host", harness.HOST, "--port", str(port), *harness.COVET_RUN_FLAGS]


def server_env(tree: Path | None) -> dict[str, str]:
    env = harness.server_env()
    engine = tree / "engine" if tree is not None else harness.ROOT / "engine"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(engine), env.get("PYTHONPATH")]))
    return env


def lua(directory: Path, key: str) -> Path:
    method, _, body = SCENARIOS[key]
    lines = []
    if method != "GET":
        lines.append(f'wrk.method = "{method}"')
    if body is not None:
        lines += [f"wrk.body = [[{body}]]", 'wrk.headers["Content-Type"] = "application/json"']
    return harness.write_lua(directory / f"{key}.lua", "\n".join(lines) + "\n")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = harness.new_parser(__doc__)
    harness.add_common_arguments(parser, duration=5, warmup_per="server and scenario",
                                 connections=64, connections_note="", quiet_per="run",
                                 quiet_wait=3)
    parser.add_argument("--tree", action="append", default=[],
                        help="NAME=PATH[:CONFIG] of a CovetPy checkout (repeatable); CONFIG is a "
                             "file of its bench/apps/covet/ (covet.yaml; covet-1000.yaml is "
                             "what bench/run.py derives for the 1,000-route scenario)")
    parser.add_argument("--raw", default="raw",
                        help="comma-separated raw servers: raw, raw-covet-protocol ('' for none)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    args = parser.parse_args(argv)
    args.scenarios = args.scenarios.split(",")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    harness.bootstrap(__file__, argv, args.wrk, lambda: harness.ensure_venv(False))
    trees: dict[str, Path] = {}
    configs: dict[str, str] = {}
    for given in args.tree:
        name, _, where = given.partition("=")
        path, _, config_name = where.partition(":")
        trees[name], configs[name] = Path(path).resolve(), config_name or "covet.yaml"
    servers: dict[str, harness.Server] = {}
    logs = BENCH / "results" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    names = [n for n in args.raw.split(",") if n] + list(trees)
    runs: dict[tuple[str, str], list[harness.Stats]] = {}
    try:
        for name in names:
            tree = trees.get(name)
            servers[name] = harness.Server(
                lambda port, name=name, tree=tree: server_command(
                    name, tree, port, configs.get(name, "covet.yaml")),
                server_env(tree), args.server_cpu, logs / f"ab-{name}.log")
        for name, server in servers.items():
            failure = server.wait_ready(args.start_timeout)
            if failure:
                sys.exit(f"{name}: {failure}\n{server.log_tail()}")
        with tempfile.TemporaryDirectory(prefix="covet-ab-") as scripts:
            for key in args.scenarios:
                script = lua(Path(scripts), key)
                for name, server in servers.items():
                    if args.warmup > 0:
                        harness.run_wrk(args, server.url(SCENARIOS[key][1]), script, args.warmup)
            for round_ in range(args.rounds):
                order = names if round_ % 2 == 0 else names[::-1]
                for key in args.scenarios:
                    script = lua(Path(scripts), key)
                    for name in order:
                        server = servers[name]
                        if args.quiet_wait > 0:
                            harness.wait_quiet(args)
                        stats = harness.measure(args, server, server.url(SCENARIOS[key][1]), script)
                        runs.setdefault((name, key), []).append(stats)
                        print(f"round {round_ + 1} {key:10} {name:20} {harness.describe(stats)}",
                              flush=True)
    finally:
        for server in servers.values():
            server.stop()
    print()
    print(report(args, names, runs))
    if args.json:
        args.json.write_text(json.dumps({f"{n}/{k}": v for (n, k), v in runs.items()}, indent=1))
    return 0


def summary(stats: list[harness.Stats]) -> dict[str, float]:
    good = [s for s in stats if s.get("valid")]
    if not good:
        return {}
    return {"rps": statistics.median(s["rps"] for s in good),
            "best": max(s["rps"] for s in good),
            "cpu": statistics.median(s["server_cpu_us"] for s in good),
            "others": max(s["foreign_load_pct"] for s in good)}


def report(args: argparse.Namespace, names: list[str], runs: dict[Any, list[Any]]) -> str:
    lines = [(f"CPU: {harness.cpu_model()} ({os.cpu_count()} CPUs); {args.rounds} rounds of "
             f"{args.duration:g} s per server and scenario, interleaved"), "",
             ("| scenario | server | req/s median | req/s best | server CPU µs/req (median) "
             "| vs raw (req/s) | vs raw (CPU) | others' load max |"),
             "|---|---|---|---|---|---|---|---|"]
    for key in args.scenarios:
        raw = summary(runs.get(("raw", key), []))
        for name in names:
            found = summary(runs.get((name, key), []))
            if not found:
                lines.append(f"| {key} | {name} | INVALID | | | | | |")
                continue
            vs = (f"{found['rps'] / raw['rps']:.2f}x", f"{raw['cpu'] / found['cpu']:.2f}x") \
                if raw else ("-", "-")
            lines.append(f"| {key} | {name} | {found['rps']:,.0f} | {found['best']:,.0f} | "
                         f"{found['cpu']:.1f} | {vs[0]} | {vs[1]} | {found['others']:.0f}% |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
