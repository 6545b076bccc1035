"""metrics under ``covet run --workers 2``: any worker answers /metrics with every worker's
counts (prometheus-client's multiprocess mode in a directory made for this start, removed at
exit)."""

from __future__ import annotations

import os
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from covet.observability.multiprocess import ENV, worker_metrics_directory
from tests.e2e.conftest import start_server
from tests.observability.conftest import CONFIG, value


def fetch(url: str) -> str:
    # NOTE: a new connection each time (no keep-alive): the kernel hands each to either worker
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


def test_two_workers_report_the_sum_of_their_requests(tmp_path: Path) -> None:
    server = start_server(CONFIG, "--workers", "2", env={"TMPDIR": str(tmp_path)})
    try:
        directories = list(tmp_path.glob("covet-metrics-*"))
        pids: set[str] = set()
        sent = 0
        # NOTE: concurrent connections, so that the kernel wakes both workers to accept them
        with ThreadPoolExecutor(8) as pool:
            while sent < 40 or (len(pids) < 2 and sent < 2000):
                pids.update(pool.map(fetch, [f"{server.url}/whoami"] * 40))
                sent += 40
        scrapes = [fetch(f"{server.url}/metrics") for _ in range(12)]
    finally:
        server.stop()
    assert len(pids) == 2, "both workers served requests"
    assert len(directories) == 1  # one fresh directory for this start
    labels = {"operation": "whoami", "method": "GET", "status": "2xx"}
    for text in scrapes:
        assert value(text, "covet_http_requests_total", **labels) == sent
        assert value(text, "covet_http_request_duration_seconds_count", **labels) == sent
        assert value(text, "covet_http_requests_in_flight") == 0
    assert not list(tmp_path.glob("covet-metrics-*")), "removed when the server stopped"


def test_each_start_gets_a_fresh_directory_removed_at_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with worker_metrics_directory() as first:
        assert os.environ[ENV] == first and Path(first).is_dir() and not os.listdir(first)
        (Path(first) / "counter_123.db").write_bytes(b"")
    with worker_metrics_directory() as second:
        assert second != first and not os.listdir(second)
    assert ENV not in os.environ
    assert not list(tmp_path.iterdir())


def test_a_directory_already_given_is_used_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, str(tmp_path))
    with worker_metrics_directory() as directory:
        assert directory == str(tmp_path)
    assert tmp_path.is_dir() and os.environ[ENV] == str(tmp_path)
