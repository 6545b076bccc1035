"""`covet validate` against Redocly CLI and Spectral on large real specs, wall clock, one run.

    python3 bench/validate_bench.py                      # 7 rounds, writes bench/VALIDATE.md
    python3 bench/validate_bench.py --rounds 3 --output /tmp/validate.md

Each command is timed whole (process start to exit, as a user or CI sees it), in interleaved
rounds (covet, redocly, spectral, covet, ...) so that load on a shared machine falls on every
tool alike; the table gives the median and the fastest round. Each tool runs once untimed first
(disk cache, Python bytecode, V8 code cache). The peers come from npm into bench/.validate-peers/
(not committed), installed on first use.

CovetPy is timed twice: ``cold`` with ``--no-cache`` (parse + openapi-spec-validator + lint, what
a first CI run does), and ``cached``, with the spec cache primed by the untimed run (the files
are unchanged, so the validator's verdict and the parsed files are reused; the lint rules run
in full either way, and the findings are the same).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = Path(os.environ.get("COVET_SPECS_CORPUS", ROOT.parent / "shared" / "specs-corpus"))
SPECS = {
    "Adyen Checkout v71 (778 KB YAML)": CORPUS / "adyen-openapi/yaml/CheckoutService-v71.yaml",
    "Discourse (705 KB JSON)": CORPUS / "discourse-api-docs/openapi.json",
}
PEERS_DIR = HERE / ".validate-peers"
PEERS = {"redocly": "@redocly/cli@2.77.0", "spectral": "@stoplight/spectral-cli@6.16.3"}
COVET = ROOT / ".venv" / "bin" / "covet"


def ensure_peers() -> dict[str, str]:
    """Install the pinned peers into bench/.validate-peers once; their versions."""
    bins = PEERS_DIR / "node_modules" / ".bin"
    if not all((bins / name).exists() for name in PEERS):
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(PEERS_DIR), *PEERS.values()],
            check=True, stdout=subprocess.DEVNULL,
        )
    (PEERS_DIR / ".spectral.yaml").write_text('extends: ["spectral:oas"]\n')
    versions = {}
    for name in PEERS:
        out = subprocess.run([str(bins / name), "--version"], check=False, capture_output=True, text=True)
        versions[name] = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "?"
    return versions


def commands(spec: Path, cache_dir: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    bins = PEERS_DIR / "node_modules" / ".bin"
    covet_env = {"COVET_SPEC_CACHE": cache_dir, "PYTHONPYCACHEPREFIX": cache_dir + "-pyc"}
    return {
        "covet (cold)": ([str(COVET), "validate", "--no-cache", str(spec)], covet_env),
        "covet (cached)": ([str(COVET), "validate", str(spec)], covet_env),
        "redocly": ([str(bins / "redocly"), "lint", str(spec)], {}),
        "spectral": (
            [str(bins / "spectral"), "lint", "--ruleset", str(PEERS_DIR / ".spectral.yaml"),
             str(spec)],
            {},
        ),
    }


def run_once(argv: list[str], extra_env: dict[str, str]) -> float:
    env = {**os.environ, **extra_env}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # NOTE: an installed package has its bytecode
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def measure(rounds: int) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {}
    for title, spec in SPECS.items():
        cache_dir = tempfile.mkdtemp(prefix="covet-validate-bench-")
        try:
            tools = commands(spec, cache_dir)
            for argv, env in tools.values():
                run_once(argv, env)  # untimed: warms caches, primes the spec cache
            times: dict[str, list[float]] = {name: [] for name in tools}
            for _ in range(rounds):
                for name, (argv, env) in tools.items():
                    times[name].append(run_once(argv, env))
            results[title] = times
        finally:
            shutil.rmtree(cache_dir, ignore_errors=True)
            shutil.rmtree(cache_dir + "-pyc", ignore_errors=True)
    return results


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def report(results: dict[str, dict[str, list[float]]], versions: dict[str, str], rounds: int) -> str:
    covet_version = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", "import covet; print(covet.__version__)"],
        check=False, capture_output=True, text=True,
    ).stdout.strip()
    node = subprocess.run(["node", "--version"], check=False, capture_output=True, text=True).stdout.strip()
    lines = [
        "# `covet validate` vs Redocly CLI and Spectral",
        "",
        (f"Measured by `bench/validate_bench.py` in one run: {rounds} interleaved rounds, wall clock "
        "of the whole command (process start to exit), median (fastest in brackets)."),
        "",
        f"- CPU: {cpu_model()} ({os.cpu_count()} cores, shared with other work)",
        (f"- CovetPy {covet_version} on Python {platform.python_version()}; "
        f"Redocly CLI {versions['redocly']}, Spectral {versions['spectral']} on Node {node}"),
        ("- `covet validate SPEC` (spec validity: CovetPy's native verdict, openapi-spec-validator "
         "only for a document it cannot vouch for; then every lint "
        "rule); `redocly lint SPEC` (its recommended rules); "
        "`spectral lint --ruleset spectral:oas SPEC`"),
        "",
    ]
    for title, times in results.items():
        medians = {name: statistics.median(values) for name, values in times.items()}
        lines += [f"## {title}", "",
                  "| command | median | fastest | time / covet cold | time / covet cached |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for name, values in times.items():
            cold = medians[name] / medians["covet (cold)"]
            cached = medians[name] / medians["covet (cached)"]
            lines.append(
                f"| {name} | {medians[name]:.3f} s | {min(values):.3f} s | {cold:.2f}x | "
                f"{cached:.2f}x |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output", default=str(HERE / "VALIDATE.md"))
    args = parser.parse_args()
    missing = [str(p) for p in SPECS.values() if not p.exists()]
    if missing:
        print(f"validate_bench: error: spec not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    versions = ensure_peers()
    text = report(measure(args.rounds), versions, args.rounds)
    Path(args.output).write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
