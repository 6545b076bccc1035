"""``covet run``'s serving policy: the startup heap is frozen once startup is done; the server
limits of covet.yaml, overridden by flags, reach uvicorn and every worker; SIGTERM ends a stuck
server within ``shutdown_timeout``."""

from __future__ import annotations

import gc
import json
import pickle
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from covet.cli.run import app_factory, freeze_startup_heap
from tests.e2e.conftest import start_server
from tests.server.conftest import CONFIG as SERVER_CONFIG
from tests.server.conftest import assert_problem, read_answer, with_headers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite keeps a collectable heap


async def test_freezing_moves_the_live_heap_out_of_the_collectors_reach(unfrozen: None) -> None:
    assert gc.get_freeze_count() == 0
    await freeze_startup_heap()
    assert gc.get_freeze_count() > 1000  # modules, functions, this suite's objects...


def test_each_worker_app_freezes_its_heap_after_every_other_startup_hook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COVET_CONFIG", str(ROOT / "specs" / "covet.yaml"))
    app = app_factory()
    assert app.on_startup[-1] is freeze_startup_heap


def test_a_single_worker_app_freezes_its_heap_after_every_other_startup_hook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    from covet.cli import main

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(app))
    assert main(["run", "--config", str(ROOT / "specs" / "covet.yaml"), "--reload"]) == 0
    (app,) = served
    assert app.on_startup[-1] is freeze_startup_heap  # after the reloader's start


# Server limits: covet.yaml's server: keys, overridden by flags, reach uvicorn and each worker.


def test_every_server_limit_becomes_a_uvicorn_option() -> None:
    from covet.cli.run import uvicorn_options
    from covet.config import ServerConfig

    server = ServerConfig(
        keep_alive_timeout=2, max_concurrency=7, shutdown_timeout=3, head_timeout=4,
        body_timeout=5, max_header_size=2048, max_headers=9,
    )
    options = uvicorn_options(server)
    assert options["timeout_keep_alive"] == 2
    assert options["limit_concurrency"] == 7
    assert options["timeout_graceful_shutdown"] == 3
    limits = options["http"].keywords["limits"]
    assert (limits.head_timeout, limits.body_timeout) == (4, 5)
    assert (limits.max_header_size, limits.max_headers) == (2048, 9)
    assert pickle.loads(pickle.dumps(options["http"])).keywords["limits"] == limits  # to workers


async def test_the_client_is_the_socket_peer_whatever_forwarded_headers_say() -> None:
    """Forwarded headers are covet's to judge (rate_limits.trusted_proxies), not uvicorn's."""
    from uvicorn.config import Config

    from covet.cli.run import uvicorn_options
    from covet.config import ServerConfig

    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["client"])

    config = Config(app, **uvicorn_options(ServerConfig()))
    config.load()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/", "raw_path": b"/", "query_string": b"", "root_path": "",
        "headers": [(b"x-forwarded-for", b"203.0.113.9"), (b"x-forwarded-proto", b"https")],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }
    await config.loaded_app(scope, None, None)
    assert seen == [("127.0.0.1", 50000)]
    assert scope["scheme"] == "http"


def test_flags_override_the_server_keys_of_covet_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from covet.cli import main

    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(options))
    flags = [
        "--head-timeout", "500ms", "--body-timeout", "2s", "--keep-alive-timeout", "3",
        "--max-header-size", "8KiB", "--max-headers", "20", "--max-concurrency", "none",
        "--shutdown-timeout", "1m",
    ]
    assert main(["run", "--config", str(SERVER_CONFIG), *flags]) == 0
    (options,) = served
    limits = options["http"].keywords["limits"]
    assert (limits.head_timeout, limits.body_timeout) == (0.5, 2.0)
    assert (limits.max_header_size, limits.max_headers) == (8192, 20)
    assert options["timeout_keep_alive"] == 3.0
    assert options["limit_concurrency"] is None
    assert options["timeout_graceful_shutdown"] == 60.0


def test_an_out_of_range_limit_flag_is_an_error_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from covet.cli import main

    assert main(["run", "--config", str(SERVER_CONFIG), "--max-headers", "0"]) == 1
    assert "--max-headers" in capsys.readouterr().err


def test_each_worker_app_has_the_flags_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COVET_CONFIG", str(SERVER_CONFIG))
    monkeypatch.setenv("COVET_SERVER_OVERRIDES", json.dumps({"head_timeout": 1.5, "workers": 2}))
    app = app_factory()
    assert (app.config.server.head_timeout, app.config.server.workers) == (1.5, 2)


def test_workers_hold_clients_to_the_flags_limits() -> None:
    server = start_server(SERVER_CONFIG, "--workers", "2", "--max-headers", "5")
    try:
        port = int(server.url.rsplit(":", 1)[1])
        for _ in range(4):  # whichever worker accepts
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(with_headers(6))
                answer = read_answer(sock)
            document = assert_problem(answer, 431)
            assert "at most 5 header fields" in str(document["detail"])
    finally:
        server.stop()


@pytest.mark.parametrize(
    "path", ["/hang", "/big"], ids=["a handler that never answers", "a client that never reads"]
)
def test_sigterm_ends_a_stuck_server_within_shutdown_timeout(path: str) -> None:
    server = start_server(SERVER_CONFIG, "--shutdown-timeout", "1")
    port = int(server.url.rsplit(":", 1)[1])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: test\r\n\r\n" % path.encode())
            time.sleep(0.2)
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=10)
            elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert 1 <= elapsed < 3, f"exited after {elapsed:.1f} s"


def test_a_covet_yaml_problem_found_while_compiling_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from covet.cli import main

    spec = ROOT / "tests" / "fixtures" / "apps" / "settings" / "openapi.yaml"
    config = tmp_path / "covet.yaml"
    config.write_text(
        f"apis: [{{spec: {spec}, handlers: tests.fixtures.apps.settings.handlers}}]\n"
        "settings: {model: 'tests.fixtures.apps.settings.models:AppConfig', values: {page_size: 1}}\n"
    )
    assert main(["run", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"covet: error: {config}#/settings/values/api_key: "), err
