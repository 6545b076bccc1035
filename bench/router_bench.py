"""Router benchmark: lookup time, memory and build time of the trie, against a linear regex scan.

Run from the repository root:

    .venv/bin/python bench/router_bench.py

It prints a table; bench/ROUTER.md records the numbers measured on the reference machine.
Not a unit test: timings depend on the machine.
"""

from __future__ import annotations

import gc
import platform
import re
import time
import timeit
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from covet.routing import Router

LOOKUP_TEMPLATES = 1_200
MEMORY_TEMPLATES = 1_000
RUNS = 30


def endpoint() -> None:
    """The one endpoint every benchmark route points to (the router never calls it)."""


def mixed_templates(count: int) -> Iterator[str]:
    """A realistic mix: static, one and two params, typed, mixed segments, catch-alls."""
    shapes = (
        "/api/r{i}/items",
        "/api/r{i}/items/{{item_id}}",
        "/api/r{i}/items/{{item_id:int}}/sub/{{name}}",
        "/api/r{i}/files/{{name}}.json",
        "/api/r{i}/v{{major}}.{{minor}}/{{id:uuid}}",
        "/api/r{i}/blobs/{{key:path}}",
    )
    for i in range(count):
        yield shapes[i % len(shapes)].format(i=i)


def brief_templates(count: int, distinct_prefixes: bool) -> Iterator[str]:
    """``/r{i}/items/{item_id}/sub{j}/{name}``: 1,000 distinct prefixes, or 100 x 10 shared."""
    for k in range(count):
        i, j = (k, k % 10) if distinct_prefixes else (k // 10, k % 10)
        yield f"/r{i}/items/{{item_id}}/sub{j}/{{name}}"


def build(templates: Iterator[str]) -> Router:
    router = Router()
    for template in templates:
        router.add(template, "GET", endpoint)
    return router


# --- the comparison: a Starlette-like router, one compiled regex per route, scanned in order ---

_PARAM = re.compile(r"{([^}:]+)(?::([^}]+))?}")


def naive_regex(template: str) -> re.Pattern[str]:
    source, position = "^", 0
    for found in _PARAM.finditer(template):
        source += re.escape(template[position : found.start()])
        body = ".+" if found.group(2) == "path" else "[^/]+"
        source += f"(?P<{found.group(1)}>{body})"
        position = found.end()
    return re.compile(source + re.escape(template[position:]) + "$")


def naive_router(templates: list[str]) -> Callable[[str], dict[str, Any] | None]:
    compiled = [(naive_regex(template), endpoint) for template in templates]

    def match(path: str) -> dict[str, Any] | None:
        for pattern, target in compiled:
            found = pattern.match(path)
            if found is not None:
                return {"endpoint": target, "params": found.groupdict()}
        return None

    return match


# --- measurement ---


def best_per_call_us(cases: dict[str, tuple[Callable[[str], object], str]]) -> dict[str, float]:
    """Best per-call time of each case over RUNS interleaved rounds.

    NOTE: rounds visit every case in turn, so a burst of load from another process slows one
    sample of each case rather than every sample of one case.
    """
    timers: dict[str, tuple[timeit.Timer, int]] = {}
    for label, (match, path) in cases.items():
        timer = timeit.Timer("match(path)", globals={"match": match, "path": path})
        number, _ = timer.autorange()  # about 0.2 s worth of calls
        timers[label] = (timer, max(1, number // 10))
    best = {label: float("inf") for label in cases}
    for _ in range(RUNS):
        for label, (timer, number) in timers.items():
            best[label] = min(best[label], timer.timeit(number) / number * 1e6)
    return best


def lookup_rows() -> list[tuple[str, float, float]]:
    templates = list(mixed_templates(LOOKUP_TEMPLATES))
    router = build(iter(templates))
    naive = naive_router(templates)
    last = LOOKUP_TEMPLATES - 1  # a catch-all route (shape 5), inserted last
    paths = {
        "first route (static)": "/api/r0/items",
        "static, middle": "/api/r600/items",
        "1 param": "/api/r601/items/abc",
        "2 params, deep": "/api/r602/items/42/sub/widget",
        "mixed segment": "/api/r603/files/report.json",
        "mixed + uuid": "/api/r604/v1.2/123e4567-e89b-12d3-a456-426614174000",
        "last route (catch-all)": f"/api/r{last}/blobs/a/b/c.txt",
        "404, deep": "/api/r1199/missing/x",
        "404, first segment": "/nope",
    }
    for label, path in paths.items():
        if (router.match(path) is None) != label.startswith("404"):
            raise SystemExit(f"benchmark bug: {path} matched wrongly")
    trie = best_per_call_us({label: (router.match, path) for label, path in paths.items()})
    scan = best_per_call_us({label: (naive, path) for label, path in paths.items()})
    return [(label, trie[label], scan[label]) for label in paths]


def memory_bytes(distinct_prefixes: bool) -> int:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    router = build(brief_templates(MEMORY_TEMPLATES, distinct_prefixes))
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    if router.match("/r7/items/1/sub7/x") is None:
        raise SystemExit("benchmark bug: memory router does not match")
    return after - before


def build_ms(distinct_prefixes: bool) -> float:
    best = float("inf")
    for _ in range(RUNS):
        templates = list(brief_templates(MEMORY_TEMPLATES, distinct_prefixes))
        started = time.perf_counter()
        build(iter(templates))
        best = min(best, time.perf_counter() - started)
    return best * 1e3


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> None:
    print(f"machine: {machine()}")
    print(f"\nlookup among {LOOKUP_TEMPLATES} templates (best of {RUNS} runs, µs per match)")
    print(f"{'case':<24} {'trie':>8} {'linear regex':>13} {'ratio':>8}")
    for label, trie_us, naive_us in lookup_rows():
        print(f"{label:<24} {trie_us:>8.2f} {naive_us:>13.2f} {naive_us / trie_us:>7.1f}x")
    print(f"\nbuilding {MEMORY_TEMPLATES} templates /r{{i}}/items/{{item_id}}/sub{{j}}/{{name}}")
    for distinct, label in ((True, "1,000 distinct /r{i}"), (False, "100 /r{i} x 10 sub{j}")):
        memory = memory_bytes(distinct) / 1e6
        print(f"{label:<24} memory {memory:.2f} MB   build {build_ms(distinct):.1f} ms")


if __name__ == "__main__":
    main()
