"""Two ``covet run`` processes on one Redis share one limit: N requests in total, not 2N."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Server, start_server
from tests.limits.conftest import redis_url

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "server"


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.fixture
def servers(tmp_path: Path, redis_prefix: str) -> Iterator[tuple[Server, Server]]:
    config = tmp_path / "covet.yaml"
    config.write_text(
        f"apis:\n  - spec: {FIXTURE / 'openapi.yaml'}\n    handlers: tests.fixtures.server.handlers\n"
        f"pythonpath: [{FIXTURE.parents[2]}]\n"
        "server: {access_log: false}\n"
        f"rate_limits: {{storage: '{redis_url()}', key_prefix: '{redis_prefix}'}}\n"
        "operations: {hello: {rate_limit: 10/minute}}\n"
    )
    first = start_server(config)
    try:
        second = start_server(config)
    except BaseException:
        first.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


def test_two_processes_share_one_limit_through_redis(servers: tuple[Server, Server]) -> None:
    statuses = [status_of(f"{servers[n % 2].url}/hello") for n in range(15)]
    assert statuses.count(200) == 10, statuses
    assert statuses.count(429) == 5, statuses
    assert statuses[:10] == [200] * 10
