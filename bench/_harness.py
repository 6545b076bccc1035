"""What bench/run.py (HTTP) and bench/db/run.py (PostgreSQL) share: the plumbing of a wrk benchmark.

- bench/.venv: creating it, and re-executing a script with its interpreter;
- servers: a uvicorn process pinned to a CPU, started, waited for, measured and stopped;
- ``/proc``: CPU time and resident memory of a process tree, the machine's busy time, waiting
  for a quiet machine;
- wrk: one run with a Lua ``done()`` hook that prints a JSON summary, and its parsing; the
  server's CPU per request and other processes' load over that run;
- endpoint checks: one real request and what it must answer;
- results: the machine/software description, markdown tables and cells, the memory table, the
  notes both write, and the section bench/db/run.py keeps in bench/RESULTS.md.

Standard library only: both scripts import it before they re-execute themselves in the venv.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = BENCH / ".venv"
VENV_BIN = VENV / "bin"
# The benchmark venv holds the peers of the HTTP benchmark; bench/db/run.py adds its drivers.
PEER_PACKAGES = ["fastapi", "litestar", "connexion[uvicorn]", "uvicorn", "uvloop", "httptools"]
IN_VENV_MARK = "COVET_BENCH_IN_VENV"
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
UVICORN_FLAGS = ["--workers", "1", "--loop", "uvloop", "--http", "httptools",
                 "--no-access-log", "--log-level", "warning"]
COVET_RUN_FLAGS = ["--workers", "1", "--no-access-log", "--log-level", "warning"]

Stats = dict[str, Any]  # one wrk run's figures (see run_wrk and measure)
Key = tuple[str, str]  # (framework, scenario or endpoint)
Memory = dict[str, int | None]  # {"startup_kb": ..., "after_kb": ...}


# --------------------------------------------------------------------------- bootstrap

def venv_stamp() -> str:
    """What bench/.venv was installed from: pyproject.toml and the peer list."""
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
        pip_install(["-e", str(ROOT), *PEER_PACKAGES])
        stamp.write_text(venv_stamp())


def pip_install(requirements: list[str]) -> None:
    subprocess.run([str(VENV_BIN / "pip"), "install", "--quiet", "--disable-pip-version-check",
                    *requirements], check=True)


def bootstrap(script: str, argv: list[str], wrk: str, ensure: Callable[[], None]) -> None:
    """Check for wrk and taskset; outside bench/.venv, ``ensure()`` it and re-execute there.

    ``script`` is the file of the calling script (``__file__``); this returns only inside the venv.
    """
    path = Path(script).resolve()
    missing = [tool for tool in (wrk, "taskset") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"{path.relative_to(ROOT)}: {' and '.join(missing)} not found; on Debian: "
                 "apt-get install wrk util-linux")
    if os.environ.get(IN_VENV_MARK) != "1":
        ensure()
        python = VENV_BIN / "python"
        os.execve(str(python), [str(python), str(path), *argv],
                  {**os.environ, IN_VENV_MARK: "1"})


def server_env() -> dict[str, str]:
    """The environment for a server: ours without the in-venv mark."""
    return {key: value for key, value in os.environ.items() if key != IN_VENV_MARK}


# --------------------------------------------------------------------------- /proc

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


def cpu_ticks(pid: int) -> int | None:
    """User + system CPU time of one process, in clock ticks; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def process_tree_cpu_ticks(pid: int) -> int:
    """User + system CPU time of pid plus its descendants, in clock ticks."""
    return sum(cpu_ticks(member) or 0 for member in process_tree(pid))


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


def machine_busy_ticks() -> int:
    """CPU time all processes spent in user and system mode, machine-wide, in clock ticks."""
    user, nice, system = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:4]
    return int(user) + int(nice) + int(system)


def children_cpu_seconds() -> float:
    """CPU time of this process's waited-for children (wrk), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_quiet(args: argparse.Namespace) -> float:
    """Wait (at most --quiet-wait s) until other processes leave the CPUs idle; return their load.

    The machine may be shared (tests, builds); the load is in % of one CPU, measured while
    our own servers and wrk are idle.
    """
    deadline = time.monotonic() + args.quiet_wait
    while True:
        before, start = machine_busy_ticks(), time.monotonic()
        time.sleep(0.5)
        load = 100 * (machine_busy_ticks() - before) / CLK_TCK / (time.monotonic() - start)
        if load <= args.quiet_threshold or time.monotonic() >= deadline:
            return load
        time.sleep(1)


# --------------------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """One app server, pinned to a CPU, in its own process group, logging to a file.

    ``command`` builds the server's command line for the free port picked here.
    """

    def __init__(self, command: Callable[[int], list[str]], env: dict[str, str], cpu: str,
                 log_path: Path) -> None:
        self.port = free_port()
        self.command = ["taskset", "-c", cpu, *command(self.port)]
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

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
        """VmRSS of the server's process tree; None once it has exited."""
        return process_tree_rss_kb(self.process.pid) if self.alive() else None

    def log_tail(self, lines: int = 25) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").rstrip().splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        """SIGINT the process group (uvicorn's graceful stop), SIGKILL it after 10 s."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


# --------------------------------------------------------------------------- endpoint checks

@dataclasses.dataclass(frozen=True)
class Check:
    """One real request made before loading a server, and what it must answer."""

    method: str
    path: str
    status: int | str  # an exact status, or "4xx"
    media: str = ""  # prefix of the Content-Type, when `expected` is given
    expected: Any = None  # bytes for text, a JSON value for JSON; None: the status is enough
    body: str | None = None
    required: bool = True  # False: a difference in strictness, reported but not disqualifying


def run_check(port: int, check: Check) -> str | None:
    """Make the request; return what is wrong with the answer, or None."""
    data = check.body.encode() if check.body is not None else None
    request = urllib.request.Request(f"http://{HOST}:{port}{check.path}", data=data,
                                     method=check.method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, media, body = (response.status, response.headers.get("Content-Type", ""),
                                   response.read())
    except urllib.error.HTTPError as error:
        status, media, body = error.code, error.headers.get("Content-Type", ""), error.read()
    except OSError as error:
        return f"{check.method} {check.path}: {error}"
    where = f"{check.method} {check.path}" + (f" {check.body}" if check.body else "")
    if check.status == "4xx":
        return None if 400 <= status < 500 else f"{where}: expected a 4xx, got {status} {body[:200]!r}"
    if status != check.status:
        return f"{where}: expected {check.status}, got {status} {body[:200]!r}"
    if check.expected is None:
        return None
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
        return f"{where}: expected body {check.expected!r}, got {body[:300]!r}"
    return None


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


def write_lua(path: Path, source: str) -> Path:
    """Write a wrk script: ``source`` (request setup) followed by the summary hook."""
    path.write_text(source + LUA_DONE)
    return path


def run_wrk(args: argparse.Namespace, url: str, script: Path, seconds: float) -> Stats:
    """One wrk run (pinned to --wrk-cpu); its summary, or {"error": ...}.

    A run is valid when it completed requests without a non-2xx answer or a socket error.
    """
    command = ["taskset", "-c", args.wrk_cpu, args.wrk, f"-t{args.threads}", f"-c{args.connections}",
               f"-d{seconds:g}s", f"--timeout={args.timeout:g}s", "--latency", "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60,
                          check=False)
    match = re.search(r"^COVET_BENCH (\{.*\})$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or not match:
        return {"error": f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout[-500:]}"}
    stats: Stats = json.loads(match.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    stats["non2xx"] = max(stats["status"], int(non2xx.group(1)) if non2xx else 0)
    stats["socket_errors"] = sum(stats[k] for k in ("connect", "read", "write", "timeout"))
    stats["rps"] = stats["requests"] / (stats["duration_us"] / 1e6) if stats["duration_us"] else 0.0
    stats["valid"] = stats["non2xx"] == 0 and stats["socket_errors"] == 0 and stats["requests"] > 0
    return stats


class Helpers(NamedTuple):
    """Processes outside the server's tree that do its requests' work (PostgreSQL's backends).

    Their CPU time per request goes into the stats as ``<key>_cpu_us`` (and their count as
    ``<key>_processes``) and is not counted as other processes' load.
    """

    key: str
    label: str  # in the console line
    ticks: Callable[[], dict[int, int]]  # CPU ticks by pid


def measure(args: argparse.Namespace, server: Server, url: str, script: Path,
            helpers: Helpers | None = None) -> Stats:
    """One measured wrk run, plus the server's CPU per request and other processes' load."""
    pid = server.process.pid
    server_before, busy_before = process_tree_cpu_ticks(pid), machine_busy_ticks()
    helpers_before = helpers.ticks() if helpers else {}
    wrk_before, start = children_cpu_seconds(), time.monotonic()
    stats = run_wrk(args, url, script, args.duration)
    elapsed = time.monotonic() - start
    server_seconds = (process_tree_cpu_ticks(pid) - server_before) / CLK_TCK
    helpers_after = helpers.ticks() if helpers else {}
    helper_seconds = sum(t - helpers_before.get(p, 0) for p, t in helpers_after.items()) / CLK_TCK
    busy_seconds = (machine_busy_ticks() - busy_before) / CLK_TCK
    wrk_seconds = children_cpu_seconds() - wrk_before
    if "error" not in stats and stats["requests"]:
        stats["server_cpu_us"] = server_seconds * 1e6 / stats["requests"]
        if helpers:
            stats[f"{helpers.key}_cpu_us"] = helper_seconds * 1e6 / stats["requests"]
            stats[f"{helpers.key}_processes"] = len(helpers_after)
        # NOTE: includes this script's own (small) polling and the kernel's share of loopback work.
        others = busy_seconds - server_seconds - helper_seconds - wrk_seconds
        stats["foreign_load_pct"] = max(0.0, 100 * others / elapsed)
    return stats


def fastest(runs: list[Stats]) -> Stats:
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


def describe(stats: Stats, helpers: Helpers | None = None) -> str:
    """One console line for a run."""
    if "error" in stats:
        return str(stats["error"]).splitlines()[0]
    text = (f"{stats['rps']:10,.0f} req/s  p50 {stats['p50_us'] / 1000:.2f} ms  "
            f"p99 {stats['p99_us'] / 1000:.2f} ms")
    if "server_cpu_us" in stats:
        text += f"  server CPU {stats['server_cpu_us']:.0f} us/req"
        if helpers:
            text += f"  {helpers.label} {stats[f'{helpers.key}_cpu_us']:.0f} us/req"
        text += f"  others {stats['foreign_load_pct']:.0f}%"
    if stats["non2xx"] or stats["socket_errors"]:
        text += f"  non-2xx {stats['non2xx']}, socket errors {stats['socket_errors']}"
    return text + ("" if stats["valid"] else "  INVALID")


# --------------------------------------------------------------------------- results

def package_versions(names: list[str]) -> dict[str, str]:
    """Installed versions of ``names``; CovetPy's with its git revision."""
    from importlib import metadata

    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    git = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                         capture_output=True, text=True, check=False)
    if git.returncode == 0 and "covetpy" in versions:
        versions["covetpy"] += f" (git {git.stdout.strip()})"
    return versions


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"wrk (\S+)", done.stdout + done.stderr)
    return match.group(1) if match else "unknown"


def cpu_model() -> str:
    match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    return match.group(1).strip() if match else platform.processor() or "unknown"


def render_machine(versioned: list[str], wrk: str, more: Iterable[str] = ()) -> list[str]:
    """The "Machine and software" section; ``more`` are extra bullets before wrk's."""
    versions = ", ".join(f"{name} {version}" for name, version in package_versions(versioned).items())
    return [
        "## Machine and software",
        "",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, Linux {platform.release()}",
        f"- Python {platform.python_version()} ({sys.implementation.name})",
        f"- {versions}",
        *more,
        f"- wrk {wrk_version(wrk)}",
        "",
    ]


def rps_of(results: Mapping[Key, Stats], key: Key) -> float | None:
    stats = results.get(key)
    return stats["rps"] if stats and stats.get("valid") else None


def ratio(results: Mapping[Key, Stats], a: Key, b: Key) -> float | None:
    """a's requests/s over b's; None unless both are valid."""
    top, bottom = rps_of(results, a), rps_of(results, b)
    return top / bottom if top and bottom else None


def cpu_ratio(results: Mapping[Key, Stats], a: Key, b: Key) -> float | None:
    """b's server CPU per request over a's: like `ratio`, higher means a is cheaper."""
    stats_a, stats_b = results.get(a), results.get(b)
    if not (stats_a and stats_b and stats_a.get("valid") and stats_b.get("valid")):
        return None
    cost_a, cost_b = stats_a.get("server_cpu_us"), stats_b.get("server_cpu_us")
    return cost_b / cost_a if cost_a and cost_b else None


def verdict(value: float | None, minimum: float) -> str:
    return "n/a" if value is None else ("PASS" if value >= minimum else "FAIL")


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def fmt_mb(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.1f} MB"


def cell_rps(stats: Stats | None, noisy_above: float) -> str:
    """Requests/s; FAILED, INVALID with why, or † with others' load above ``noisy_above`` %."""
    if stats is None:
        return "-"
    if "error" in stats:
        return "FAILED"
    if not stats["valid"]:
        why = stats.get("note") or f"{stats['non2xx']} non-2xx, {stats['socket_errors']} socket errors"
        return f"INVALID ({stats['rps']:,.0f}; {why})"
    noisy = stats.get("foreign_load_pct", 0) > noisy_above
    return f"{stats['rps']:,.0f}" + (f" † {stats['foreign_load_pct']:.0f}%" if noisy else "")


def cell_us(key: str) -> Callable[[Stats | None], str]:
    """A cell of CPU µs per request under ``key``; in parentheses when the run is invalid."""
    def cell(stats: Stats | None) -> str:
        if stats is None or key not in stats:
            return "-"
        text = f"{stats[key]:.0f}"
        return text if stats["valid"] else f"({text})"
    return cell


cell_cpu = cell_us("server_cpu_us")


def cell_latency(stats: Stats | None) -> str:
    if stats is None or "error" in stats:
        return "-"
    text = f"{stats['p50_us'] / 1000:.2f} / {stats['p99_us'] / 1000:.2f}"
    return text if stats["valid"] else f"({text})"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


@dataclasses.dataclass(frozen=True)
class Grid:
    """A results section holding one table: a row per scenario (or endpoint), a column per app."""

    heading: str
    cell: Callable[[Stats | None], str]
    before: str = ""  # a paragraph between the heading and the table
    after: str = ""  # a paragraph after the table


def rps_grid(threshold: float, note: str) -> Grid:
    """Requests per second, marked † above ``threshold`` % of others' load; ``note`` explains †."""
    return Grid("Requests per second", lambda stats: cell_rps(stats, threshold), after=note)


def render_grids(results: Mapping[Key, Stats], corner: str, rows: list[tuple[str, str]],
                 columns: list[tuple[str, str]], grids: Iterable[Grid]) -> list[str]:
    """Sections of (title, key) rows by (header, framework) columns, one per grid, each cell
    ``grid.cell(results[(framework, key)])``; ``corner`` heads the title column."""
    header = [corner, *(label for label, _ in columns)]
    out = []
    for grid in grids:
        cells = [[title, *(grid.cell(results.get((framework, key))) for _, framework in columns)]
                 for title, key in rows]
        out += [f"## {grid.heading}", "", *([grid.before, ""] if grid.before else []),
                *table(header, cells), "", *([grid.after, ""] if grid.after else [])]
    return out


def render_memory(label_columns: list[str], rows: Iterable[tuple[list[str], Memory]],
                  after: str) -> list[str]:
    """The resident memory section: one row per server, its labels then both readings."""
    cells = [[*labels, fmt_mb(memory["startup_kb"]), fmt_mb(memory["after_kb"])]
             for labels, memory in rows]
    return [
        "## Resident memory (VmRSS of the server process tree)",
        "",
        *table([*label_columns, "after startup", after], cells),
        "",
    ]


def load_note(loads: Iterable[float], threshold: float) -> list[str]:
    """The note on other processes' load during the measured runs (none without runs)."""
    ordered = sorted(loads)
    if not ordered:
        return []
    busy = sum(load > threshold for load in ordered)
    return [(f"- Other processes' CPU load during the measured runs: median "
             f"{ordered[len(ordered) // 2]:.0f}%, max {ordered[-1]:.0f}% of one CPU ({busy} of "
             f"{len(ordered)} runs above {threshold:g}%).")]


def problem_notes(problems: Iterable[tuple[str, str]], all_passed: str) -> list[str]:
    """Notes for (server label, problem) pairs, a problem's later lines as a code block;
    ``all_passed`` when there are none."""
    out = []
    for label, problem in problems:
        first, *rest = problem.splitlines()
        out.append(f"- {label}: {first}")
        if rest:
            out += ["", "  ```", *("  " + line for line in rest), "  ```", ""]
    return out or [all_passed]


def write_results(output: Path, text: str, raw: dict[str, Any], latest: Path) -> None:
    """Write the markdown and the raw numbers, and say where."""
    output.write_text(text)
    latest.write_text(json.dumps(raw, indent=2))
    print(f"wrote {output} (raw numbers: {latest})", flush=True)


# --------------------------------------------------------------------------- RESULTS.md's DB section

DB_SECTION_START = "<!-- db-results:start -->"
DB_SECTION_END = "<!-- db-results:end -->"
_DB_SECTION = re.compile(re.escape(DB_SECTION_START) + r".*?" + re.escape(DB_SECTION_END),
                         re.DOTALL)


def db_section(text: str) -> str | None:
    """The marked database section of a RESULTS.md, markers included, or None."""
    match = _DB_SECTION.search(text)
    return match.group(0) if match else None


def splice_db_section(text: str, section: str) -> str:
    """``text`` with its marked database section replaced by ``section`` (markers included),
    or with ``section`` appended when it has none."""
    if db_section(text) is not None:
        return _DB_SECTION.sub(lambda _: section, text, count=1)
    return text.rstrip("\n") + "\n\n" + section + "\n"


def keep_db_section(old: str, new: str) -> str:
    """``new`` (a freshly rendered RESULTS.md) with the database section ``old`` had, if any."""
    section = db_section(old)
    return new if section is None else splice_db_section(new, section)


# --------------------------------------------------------------------------- arguments

def new_parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser described by the first paragraph of a script's docstring."""
    return argparse.ArgumentParser(description=(doc or "").split("\n\n")[0],
                                   formatter_class=argparse.ArgumentDefaultsHelpFormatter)


def add_common_arguments(parser: argparse.ArgumentParser, *, duration: float, warmup_per: str,
                         connections: int, connections_note: str, quiet_per: str,
                         quiet_wait: float) -> None:
    """The load, wrk, pinning, start and quiet-machine flags both scripts take.

    ``warmup_per`` is what a warm-up precedes ("scenario", "endpoint"), ``quiet_per`` what the
    quiet wait precedes ("scenario", "round"); ``connections_note`` explains ``-c``, if needed.
    """
    parser.add_argument("--duration", type=float, default=duration,
                        help="seconds of each measured run")
    parser.add_argument("--warmup", type=float, default=3,
                        help=f"seconds of warm-up per {warmup_per}")
    parser.add_argument("--connections", type=int, default=connections,
                        help="wrk -c" + (f" ({connections_note})" if connections_note else ""))
    parser.add_argument("--threads", type=int, default=1, help="wrk -t")
    parser.add_argument("--timeout", type=float, default=10,
                        help="wrk --timeout in seconds; a request slower than this is an error")
    parser.add_argument("--server-cpu", default="0", help="taskset CPU list for the servers")
    parser.add_argument("--wrk-cpu", default="1", help="taskset CPU list for wrk")
    parser.add_argument("--wrk", default="/usr/bin/wrk", help="path to wrk")
    parser.add_argument("--start-timeout", type=float, default=60,
                        help="seconds for a server to listen")
    parser.add_argument("--quiet-wait", type=float, default=quiet_wait,
                        help=f"before each {quiet_per}, wait up to this many seconds for other "
                             "processes to leave the CPUs idle (0: do not wait)")
    parser.add_argument("--quiet-threshold", type=float, default=10,
                        help="the CPU load (%% of one CPU) of other processes that counts as idle")
    parser.add_argument("--reinstall", action="store_true",
                        help="pip install into bench/.venv again")


def split_choices(parser: argparse.ArgumentParser, flag: str, value: str,
                  choices: tuple[str, ...]) -> list[str]:
    """A comma-separated flag's values, in the order of ``choices``; an error for unknown ones."""
    picked = [v.strip() for v in value.split(",") if v.strip()]
    unknown = sorted(set(picked) - set(choices))
    if unknown or not picked:
        parser.error(f"{flag}: unknown {unknown or 'empty list'}; choose from {', '.join(choices)}")
    return [c for c in choices if c in picked]
