"""A real server: ``covet run`` in a subprocess on a free port, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_CONFIG = ROOT / "specs" / "covet.yaml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"


def start_server(config: Path, *extra: str, timeout: float = 20.0) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "covet.cli", "run", "-c", str(config), "--port", str(port), *extra]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited {process.returncode}: {process.stdout.read() if process.stdout else ''}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).close()
            return Server(process, port)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("server did not start in time")


@pytest.fixture(scope="module")
def reference_server() -> Iterator[Server]:
    server = start_server(REFERENCE_CONFIG)
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)
