"""Hot reload: recompile in place, swap on success, keep serving on failure."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from covet.app import CovetApp
from covet.reload import Reloader
from covet.testing import AsyncTestClient

SPEC_HEAD = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n"
STABLE = "  /stable:\n    get: {operationId: stable, responses: {'200': {description: ok}}}\n"
ADDED = "  /added:\n    get: {operationId: added, responses: {'200': {description: ok}}}\n"


def make_project(tmp_path: Path, module: str) -> Path:
    """A throwaway project: covet.yaml + api.yaml + a handler module with a unique name."""
    (tmp_path / "api.yaml").write_text(SPEC_HEAD + STABLE)
    (tmp_path / f"{module}.py").write_text(textwrap.dedent("""
        import asyncio

        GATE = asyncio.Event()

        async def stable() -> dict:
            return {"version": 1}

        async def added() -> dict:
            return {"added": True}

        async def slow() -> dict:
            await GATE.wait()
            return {"slow": "old"}
    """))
    config = tmp_path / "covet.yaml"
    config.write_text(f"apis: [{{spec: api.yaml, handlers: {module}}}]\nserver: {{access_log: false}}\n")
    return config


@pytest.fixture
def project(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    module = f"reload_handlers_{request.node.name.replace('[', '_').replace(']', '_')}"
    yield make_project(tmp_path, module)
    sys.modules.pop(module, None)


async def test_reload_adds_a_route_and_reports_the_diff(project: Path) -> None:
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project))
    async with AsyncTestClient(app) as client:
        assert (await client.get("/added")).status_code == 404
        (project.parent / "api.yaml").write_text(SPEC_HEAD + STABLE + ADDED)
        result = await reloader.reload({str(project.parent / "api.yaml")})
        assert result.ok
        assert result.summary == "+1 -0 ~0 routes: +GET /added (added)"
        assert (await client.get("/added")).json() == {"added": True}


async def test_a_bad_edit_keeps_the_old_snapshot_and_the_next_good_edit_recovers(project: Path) -> None:
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project))
    spec = project.parent / "api.yaml"
    async with AsyncTestClient(app) as client:
        spec.write_text(SPEC_HEAD + STABLE + "  /broken:\n    get: {operationId: nope, responses: {'200': {description: ok}}}\n")
        result = await reloader.reload({str(spec)})
        assert not result.ok
        assert str(spec) in result.summary and "nope" in result.summary
        assert (await client.get("/stable")).status_code == 200
        spec.write_text(SPEC_HEAD + STABLE + "  /x: [not, a, mapping\n")
        assert not (await reloader.reload({str(spec)})).ok
        assert (await client.get("/stable")).status_code == 200
        spec.write_text(SPEC_HEAD + STABLE + ADDED)
        assert (await reloader.reload({str(spec)})).ok
        assert (await client.get("/added")).status_code == 200


async def test_changed_and_removed_operations_are_reported(project: Path) -> None:
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project))
    spec = project.parent / "api.yaml"
    spec.write_text(SPEC_HEAD + STABLE.replace("responses:", "summary: changed, responses:") + ADDED)
    await reloader.reload({str(spec)})
    spec.write_text(SPEC_HEAD + ADDED)
    result = await reloader.reload({str(spec)})
    assert result.summary == "+0 -1 ~0 routes: -GET /stable (stable)"


async def test_handler_module_edits_are_reimported(project: Path) -> None:
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project))
    module_file = next(project.parent.glob("reload_handlers_*.py"))
    async with AsyncTestClient(app) as client:
        module_file.write_text(module_file.read_text().replace('{"version": 1}', '{"version": 2}'))
        result = await reloader.reload({str(module_file)})
        assert result.ok and result.summary == "routes unchanged"
        assert (await client.get("/stable")).json() == {"version": 2}


async def test_covet_yaml_edits_apply_without_reopening_providers(project: Path) -> None:
    app = CovetApp.from_config(project)
    opened: list[str] = []

    async def open_provider() -> None:
        opened.append("db")

    app.on_startup.append(open_provider)
    reloader = Reloader(app, str(project))
    async with AsyncTestClient(app):
        project.write_text(project.read_text().replace("apis: [{", "apis: [{prefix: /v9, "))
        assert (await reloader.reload({str(project)})).ok
        assert [op.path for op in app.api.operations] == ["/v9/stable"]
    assert opened == ["db"]


async def test_requests_in_flight_finish_on_the_old_snapshot(project: Path) -> None:
    spec = project.parent / "api.yaml"
    slow = "  /slow:\n    get: {operationId: slow, responses: {'200': {description: ok}}}\n"
    spec.write_text(SPEC_HEAD + STABLE + slow)
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project))
    module = sys.modules[next(m for m in app.api.handler_modules if m.startswith("reload_handlers"))]
    async with AsyncTestClient(app) as client:
        in_flight = asyncio.create_task(client.get("/slow"))
        await asyncio.sleep(0.05)
        spec.write_text(SPEC_HEAD + STABLE)
        assert (await reloader.reload({str(spec)})).ok
        assert (await client.get("/slow")).status_code == 404
        module.GATE.set()
        response = await asyncio.wait_for(in_flight, 5)
        assert response.json() == {"slow": "old"}


async def test_watcher_makes_new_routes_live_within_two_seconds(project: Path) -> None:
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project))
    app.on_startup.append(reloader.start)
    app.on_shutdown.append(reloader.stop)
    async with AsyncTestClient(app) as client:
        assert str(project.parent / "api.yaml") in reloader.watched_files()
        written = time.perf_counter()
        (project.parent / "api.yaml").write_text(SPEC_HEAD + STABLE + ADDED)
        while (await client.get("/added")).status_code != 200:
            assert time.perf_counter() - written < 2.0, "new route not live within 2 s"
            await asyncio.sleep(0.01)
    assert reloader.reloads and reloader.reloads[-1].ok


async def test_a_compilable_but_invalid_spec_is_reported_right_after_the_swap(project: Path) -> None:
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project))
    spec = project.parent / "api.yaml"
    spec.write_text(SPEC_HEAD.replace("info: {title: t, version: '1'}", "info: {title: t}") + STABLE + ADDED)
    result = await reloader.reload({str(spec)})
    assert result.ok
    await reloader.settled()
    assert len(reloader.invalid) == 1
    assert str(spec) in reloader.invalid[0] and "version" in reloader.invalid[0]


async def test_blocking_validation_refuses_the_same_edit(project: Path) -> None:
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project), validation="blocking")
    spec = project.parent / "api.yaml"
    spec.write_text(SPEC_HEAD.replace("info: {title: t, version: '1'}", "info: {title: t}") + STABLE + ADDED)
    result = await reloader.reload({str(spec)})
    assert not result.ok and "version" in result.summary
    assert [op.path for op in app.api.operations] == ["/stable"]


# Replaced snapshots: their rate-limit stores are closed once their requests have had time to
# finish (the server's shutdown timeout), or at once when the reloader stops; settings read only
# at startup are named in a warning when edited.


def limit_stable(project: Path, shutdown_timeout: float) -> None:
    project.write_text(project.read_text().replace(
        "server: {access_log: false}",
        f"server: {{access_log: false, shutdown_timeout: {shutdown_timeout}}}\n"
        "operations: {stable: {rate_limit: 1000/second}}",
    ))


def record_closes(monkeypatch: pytest.MonkeyPatch, closed: list[object]) -> None:
    from covet.limits.step import Limiter

    original = Limiter.close

    async def close(self: Limiter) -> None:
        closed.append(self)
        await original(self)

    monkeypatch.setattr(Limiter, "close", close)


async def test_a_replaced_snapshot_is_closed_after_the_shutdown_timeout(
    project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    limit_stable(project, 0.2)
    closed: list[object] = []
    record_closes(monkeypatch, closed)
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project))
    async with AsyncTestClient(app) as client:
        assert (await client.get("/stable")).status_code == 200
        (project.parent / "api.yaml").write_text(SPEC_HEAD + STABLE + ADDED)
        assert (await reloader.reload({str(project.parent / "api.yaml")})).ok
        assert closed == []  # requests routed before the swap may still count on it
        await asyncio.sleep(0.4)
        assert len(closed) == 1
        assert (await client.get("/stable")).status_code == 200  # the new limiter serves
    assert len(closed) == 2  # the app's shutdown closed the current one


async def test_stopping_the_reloader_closes_replaced_snapshots_at_once(
    project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    limit_stable(project, 30)
    closed: list[object] = []
    record_closes(monkeypatch, closed)
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project))
    async with AsyncTestClient(app):
        (project.parent / "api.yaml").write_text(SPEC_HEAD + STABLE + ADDED)
        assert (await reloader.reload({str(project.parent / "api.yaml")})).ok
        await asyncio.wait_for(reloader.stop(), 2)
        assert len(closed) == 1


async def test_edits_to_settings_read_at_startup_are_named_in_a_warning(
    project: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project))
    project.write_text(project.read_text() + "security_headers: {frame_options: SAMEORIGIN}\n"
                       "trusted_hosts: [example.com]\n")
    with caplog.at_level("WARNING", logger="covet.reload"):
        assert (await reloader.reload({str(project)})).ok
    warned = " ".join(record.getMessage() for record in caplog.records)
    assert "'security_headers' changed" in warned and "'trusted_hosts' changed" in warned


SETTINGS_MODEL = """
from pydantic import BaseModel


class Settings(BaseModel):
    greeting: str
"""


def with_settings(project: Path, values: str, *, model: str | None = None) -> None:
    module = next(project.parent.glob("reload_handlers_*.py"))
    if "async def stable(settings)" not in module.read_text():
        module.write_text(module.read_text() + "\n\nasync def stable(settings) -> dict:\n"
                          "    return {'greeting': getattr(settings, 'greeting', None)"
                          " or settings['greeting']}\n")
    text = project.read_text().split("settings:")[0]
    section = f"settings:\n  values: {values}\n" + (f"  model: '{model}'\n" if model else "")
    project.write_text(text + section)


async def test_settings_edits_apply_on_reload_and_a_bad_one_keeps_the_old(project: Path) -> None:
    with_settings(project, "{greeting: hello}")
    app = CovetApp.from_config(project)
    reloader = Reloader(app, str(project))
    async with AsyncTestClient(app) as client:
        assert (await client.get("/stable")).json() == {"greeting": "hello"}
        with_settings(project, "{greeting: bonjour}")
        assert (await reloader.reload({str(project)})).ok
        assert (await client.get("/stable")).json() == {"greeting": "bonjour"}
        module = next(project.parent.glob("reload_handlers_*.py")).stem
        with_settings(project, "{}", model=f"{module}_settings:Settings")
        (project.parent / f"{module}_settings.py").write_text(SETTINGS_MODEL)
        try:
            result = await reloader.reload({str(project)})
            assert not result.ok and "/settings/values/greeting" in result.summary
            assert (await client.get("/stable")).json() == {"greeting": "bonjour"}
        finally:
            sys.modules.pop(f"{module}_settings", None)


async def test_the_settings_model_module_is_watched_and_reimported(project: Path) -> None:
    module = next(project.parent.glob("reload_handlers_*.py")).stem
    model_file = project.parent / f"{module}_settings.py"
    model_file.write_text(SETTINGS_MODEL)
    with_settings(project, "{greeting: hi}", model=f"{module}_settings:Settings")
    try:
        app = CovetApp.from_config(project)
        reloader = Reloader(app, str(project))
        assert str(model_file) in reloader.watched_files()
        async with AsyncTestClient(app) as client:
            assert (await client.get("/stable")).json() == {"greeting": "hi"}
            model_file.write_text(SETTINGS_MODEL.replace("greeting: str", "greeting: str\n"
                                  "    def model_post_init(self, _: object) -> None:\n"
                                  "        object.__setattr__(self, 'greeting', self.greeting.upper())"))
            assert (await reloader.reload({str(model_file)})).ok
            assert (await client.get("/stable")).json() == {"greeting": "HI"}
    finally:
        sys.modules.pop(f"{module}_settings", None)
