"""The Dockerfile's steps, run for real without a container runtime: its build stage's COPY and
``pip install`` into a fresh virtual environment, its final stage's COPY into an app directory,
then (with its ENV) the migration, its HEALTHCHECK command and its ENTRYPOINT, against the real
PostgreSQL and Redis. What this does not cover (the base image, the user, the layers) is said in
docs/deploy.md."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import free_port
from tests.providers.backends import redis_url
from tests.schema.databases import create_database, drop_database

ROOT = Path(__file__).resolve().parents[2]


def stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), per stage."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    found: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("FROM "):
            found.append([])
        elif line and not line.startswith("#") and found:
            found[-1].append(line)
    return found


def copy(instruction: str, source: Path, target: Path) -> None:
    parts = [p for p in instruction.split()[1:] if not p.startswith("--")]
    *sources, destination = parts
    where = target / destination if destination not in (".", "./") else target
    for name in sources:
        origin = source / name
        if origin.is_dir():
            shutil.copytree(origin, where if len(sources) == 1 and destination != "./" else
                            where / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            where.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, where / Path(name).name)


def environment(final: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for instruction in final:
        if instruction.startswith("ENV "):
            found.update(re.findall(r"(\w+)=(\S+)", instruction[4:]))
    return found


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """(venv, app directory, final-stage instructions) built as the Dockerfile builds them."""
    build, final = stages()
    base = tmp_path_factory.mktemp("image")
    src, app, venv = base / "src", base / "app", base / "venv"
    src.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    for instruction in build:
        if instruction.startswith("COPY "):
            copy(instruction, ROOT, src)
        elif instruction.startswith("RUN ") and "pip install " in instruction:
            requirement = re.search(r'pip install "([^"]+)"', instruction)
            assert requirement, instruction
            done = subprocess.run(
                [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                 requirement.group(1)], cwd=src, capture_output=True, text=True, timeout=900,
                check=False,
            )
            assert done.returncode == 0, done.stderr[-3000:]
    assert (venv / "bin" / "covet").exists(), "the Dockerfile installs no covet command"
    for instruction in final:
        if instruction.startswith("COPY ") and "--from=" not in instruction:
            copy(instruction, ROOT, app)
    return venv, app, final


def command_of(final: list[str], keyword: str) -> list[str]:
    instruction = next(i for i in final if i.startswith(keyword))
    return list(json.loads(instruction[instruction.index("["):]))  # the exec form: a JSON array


def test_migrate_health_check_and_entrypoint_work_on_the_real_backends(
    image: tuple[Path, Path, list[str]], tmp_path: Path
) -> None:
    venv, app, final = image
    url = asyncio.run(create_database("postgresql", tmp_path))
    secret = tmp_path / "jwt_secret"
    secret.write_text("image-test-secret-0123456789abcdef0123456789abcdef\n")
    redis = redis_url().rsplit("/", 1)[0]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("COVET_", "DATABASE_URL"))},
        **environment(final),
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "COVET_JWT_SECRET_FILE": str(secret),
        "DATABASE_URL": url,
        "COVET_TOKEN_STORE": f"{redis}/0",
        "COVET_RATE_LIMIT_STORE": f"{redis}/0",
        "COVET_CACHE_URL": f"{redis}/0",
    }
    env.pop("VIRTUAL_ENV", None)
    try:
        migrate = subprocess.run(["covet", "db", "upgrade", "-c", "specs/covet.yaml"], cwd=app,
                                 env=env, capture_output=True, text=True, timeout=120, check=False)
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        healthcheck = _healthcheck(final)
        check = subprocess.run(healthcheck, cwd=app, env=env, capture_output=True, text=True,
                               timeout=60, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "ok    default" in check.stdout and "rate_limits" in check.stdout
        port = free_port()
        server = subprocess.Popen([*command_of(final, "ENTRYPOINT"), "--port", str(port)],
                                  cwd=app, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        try:
            status = _wait_ready(f"http://127.0.0.1:{port}/health/ready", server)
        finally:
            server.terminate()
            output = server.communicate(timeout=30)[0].decode(errors="replace")
        assert status == 200, output[-2000:]
        assert server.returncode == 0, output[-2000:]
        down = dict(env, DATABASE_URL=url.replace(url.rsplit("/", 1)[1], f"none_{uuid.uuid4().hex[:6]}"))
        failing = subprocess.run(healthcheck, cwd=app, env=down, capture_output=True, text=True,
                                 timeout=60, check=False)
        assert failing.returncode == 1 and "DOWN  default" in failing.stdout
    finally:
        asyncio.run(drop_database(url))


def _healthcheck(final: list[str]) -> list[str]:
    instruction = next(i for i in final if i.startswith("HEALTHCHECK"))
    return list(json.loads(instruction[instruction.index("CMD") + 3:].strip()))


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> int:
    """The readiness probe's status, or 0 when the entrypoint exited (its output tells why)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return 0
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status)
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the entrypoint did not become ready")
