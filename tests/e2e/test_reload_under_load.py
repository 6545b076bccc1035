"""Hot reload over a real socket, under continuous load: add, change, remove, break, recover.

A client thread keeps requesting a route that no edit touches; every one of those requests must
succeed while the spec is edited underneath the running server.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Self

import pytest

from .conftest import Server, start_server

HEAD = "openapi: 3.1.0\ninfo: {title: live, version: '1'}\npaths:\n"
STABLE = "  /stable:\n    get: {operationId: stable, responses: {'200': {description: ok}}}\n"
ITEMS = """  /items/{item_id}:
    get:
      operationId: getItem
      parameters: [{name: item_id, in: path, required: true, schema: {type: integer, maximum: MAX}}]
      responses: {'200': {description: ok}}
"""
HANDLERS = """
async def stable() -> dict:
    return {"ok": True}

async def get_item(item_id: int) -> dict:
    return {"id": item_id}
"""


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        return int(error.code)


class Load:
    """A bounded loop of requests to /stable on its own thread."""

    def __init__(self, url: str, limit_s: float = 60.0) -> None:
        self.url, self.limit_s = url, limit_s
        self.done = threading.Event()
        self.statuses: list[int | str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        while not self.done.is_set() and time.monotonic() - started < self.limit_s:
            try:
                self.statuses.append(status_of(self.url + "/stable"))
            except OSError as exc:
                self.statuses.append(repr(exc))

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(timeout=10)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    (tmp_path / "live_handlers.py").write_text(HANDLERS)
    spec = tmp_path / "api.yaml"
    spec.write_text(HEAD + STABLE)
    config = tmp_path / "covet.yaml"
    config.write_text(
        "apis: [{spec: api.yaml, handlers: live_handlers}]\nserver: {access_log: false}\n"
        "spec_validation: inline\n"
    )
    server = start_server(config, "--reload", health_path="/stable")
    yield server, spec
    server.stop()


def wait_until(condition: Callable[[], bool], limit_s: float = 2.0) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit_s:
            raise AssertionError(f"not true within {limit_s} s")
        time.sleep(0.01)
    return time.monotonic() - started


def test_edits_under_load_never_fail_an_untouched_route(live: tuple[Server, Path]) -> None:
    server, spec = live
    item = server.url + "/items/7"
    with Load(server.url) as load:
        time.sleep(0.3)
        spec.write_text(HEAD + STABLE + ITEMS.replace("MAX", "100"))  # add
        wait_until(lambda: status_of(item) == 200)
        spec.write_text(HEAD + STABLE + ITEMS.replace("MAX", "5"))  # change: 7 is now too big
        wait_until(lambda: status_of(item) == 422)
        spec.write_text(HEAD + STABLE)  # remove
        wait_until(lambda: status_of(item) == 404)
        spec.write_text(HEAD + STABLE + "  /items/{item_id}:\n    get: [broken\n")  # invalid
        time.sleep(0.5)
        assert status_of(server.url + "/stable") == 200
        spec.write_text(HEAD + STABLE + ITEMS.replace("MAX", "100"))  # and back
        wait_until(lambda: status_of(item) == 200)
        time.sleep(0.2)
    failures = [s for s in load.statuses if s != 200]
    assert len(load.statuses) > 50
    assert failures == [], failures[:5]
    assert server.process.poll() is None
    output = server.output()
    assert "reload failed, still serving the previous routes" in output
    assert str(spec) in output
    assert "+1 -0 ~0 routes: +GET /items/{item_id} (getItem)" in output


def test_reload_reports_the_diff_and_time(live: tuple[Server, Path]) -> None:
    server, spec = live
    spec.write_text(HEAD + STABLE + ITEMS.replace("MAX", "100"))
    wait_until(lambda: status_of(server.url + "/items/1") == 200)
    wait_until(lambda: "reloaded in" in server.output())
    line = next(l for l in server.output().splitlines() if "reloaded in" in l)
    assert " ms: +1 -0 ~0 routes" in line
    assert json.loads(urllib.request.urlopen(server.url + "/items/1").read()) == {"id": 1}
