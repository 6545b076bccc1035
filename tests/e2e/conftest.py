"""A real server: ``covet run`` in a subprocess on a free port, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_CONFIG = ROOT / "specs" / "covet.yaml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.log = log

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def start_server(config: Path, *extra: str, timeout: float = 20.0, health_path: str = "/health") -> Server:
    port = free_port()
    command = [sys.executable, "-m", "covet.cli", "run", "-c", str(config), "--port", str(port), *extra]
    # NOTE: output goes to a file, not a pipe: an undrained pipe would block a chatty server.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by Server.stop()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    server = Server(process, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = server.output()
            log.close()
            raise RuntimeError(f"server exited {process.returncode}: {output}")
        try:
            urllib.request.urlopen(f"{server.url}{health_path}", timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError("server did not start in time")


@pytest.fixture(scope="module")
def reference_server() -> Iterator[Server]:
    server = start_server(REFERENCE_CONFIG)
    yield server
    server.stop()
