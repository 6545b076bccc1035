"""Providers in the app: opened and closed with it, injected by name, scoped per request.

The provider here is an in-process journal implementing the contract, so these tests check the
app's side of it; the database provider has its own suite against real servers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from covet.app import CovetApp
from covet.errors import ProviderError, UsageError
from covet.providers.base import HealthReport, RequestScope
from covet.request import Request
from covet.testing import AsyncTestClient, TestClient

SPEC = """openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /write:
    post:
      operationId: write
      x-covet-handler: 'tests.fixtures.handlers.scoped:write'
      parameters: [{name: fail, in: query, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /lost:
    post:
      operationId: lost
      x-covet-handler: 'tests.fixtures.handlers.scoped:lose_connection'
      responses: {'200': {description: ok}}
"""


class JournalScope:
    def __init__(self, provider: Journal) -> None:
        self.provider = provider
        self.entries: list[str] = []

    async def enter(self) -> list[str]:
        if self.provider.down:
            raise ProviderError("journal is unreachable")
        return self.entries

    async def exit(self, ok: bool) -> None:
        self.provider.outcomes.append(("commit" if ok else "rollback", list(self.entries)))


class Journal:
    """A provider that records what each request did and how its scope ended."""

    names: Sequence[str] = ("journal",)

    def __init__(self, *, healthy: bool = True, required: bool = True) -> None:
        self.events: list[str] = []
        self.outcomes: list[tuple[str, list[str]]] = []
        self.down = False
        self.healthy, self.required = healthy, required

    async def open(self) -> None:
        self.events.append("open")

    async def close(self) -> None:
        self.events.append("close")

    def begin(self, name: str, request: Request) -> RequestScope:
        return JournalScope(self)

    async def health(self) -> list[HealthReport]:
        return [HealthReport("journal", "memory", self.healthy, 0.1, self.required,
                             None if self.healthy else "gone")]


def build(tmp_path: Path, journal: Journal, **settings: Any) -> CovetApp:
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC)
    app = CovetApp.from_spec(spec, compile_now=False, server={"access_log": False}, **settings)
    app.add_provider(journal)
    return app


async def test_providers_open_before_hooks_and_close_after(tmp_path: Path) -> None:
    journal = Journal()
    app = build(tmp_path, journal)

    async def hook() -> None:
        journal.events.append("hook")

    app.on_startup.append(hook)
    app.on_shutdown.append(hook)
    async with AsyncTestClient(app):
        assert journal.events == ["open", "hook"]
    assert journal.events == ["open", "hook", "hook", "close"]


@pytest.mark.parametrize(
    ("fail", "status", "outcome"),
    [(None, 200, "commit"), ("raise", 500, "rollback"), ("http", 409, "rollback"), ("status", 400, "rollback")],
)
def test_scope_commits_only_on_a_non_error_response(
    tmp_path: Path, fail: str | None, status: int, outcome: str
) -> None:
    journal = Journal()
    client = TestClient(build(tmp_path, journal))
    response = client.post("/write", params={"fail": fail} if fail else None)
    assert response.status_code == status
    assert journal.outcomes == [(outcome, ["wrote"])]


def test_unreachable_backend_is_a_fast_503_with_the_standard_body(tmp_path: Path) -> None:
    journal = Journal()
    journal.down = True
    response = TestClient(build(tmp_path, journal)).post("/write")
    assert response.status_code == 503
    body = response.json()
    assert body["title"] == "Service Unavailable" and "journal is unreachable" in body["detail"]
    assert response.headers["retry-after"] == "1"
    assert journal.outcomes == []


def test_handler_parameter_names_the_provider(tmp_path: Path) -> None:
    app = build(tmp_path, Journal())
    assert set(app.providers) == {"journal"}
    app.compile()
    with pytest.raises(UsageError, match="cannot add a provider: the app is already compiled"):
        app.add_provider(Journal())


@pytest.mark.parametrize(
    ("healthy", "required", "status", "state"),
    [(True, True, 200, "ok"), (False, False, 200, "degraded"), (False, True, 503, "down")],
)
def test_health_reports_each_backend(tmp_path: Path, healthy: bool, required: bool, status: int, state: str) -> None:
    client = TestClient(build(tmp_path, Journal(healthy=healthy, required=required)))
    response = client.get("/health")
    assert response.status_code == status
    body = response.json()
    assert body["status"] == state
    assert body["checks"][0]["name"] == "journal" and body["checks"][0]["latency_ms"] == 0.1


def test_health_path_is_configurable_or_off(tmp_path: Path) -> None:
    moved = TestClient(build(tmp_path, Journal(), health={"path": "/-/ready"}))
    assert moved.get("/-/ready").status_code == 200
    assert moved.get("/health").status_code == 404
    off = TestClient(build(tmp_path, Journal(), health={"path": None}))
    assert off.get("/health").status_code == 404


class TranslatingJournal(Journal):
    """A provider whose backend raises its own errors, which it translates."""

    def translate(self, error: BaseException) -> ProviderError | None:
        return ProviderError("journal went away") if isinstance(error, ConnectionResetError) else None


def test_backend_errors_raised_in_the_handler_are_translated_by_their_provider(tmp_path: Path) -> None:
    journal = TranslatingJournal()
    response = TestClient(build(tmp_path, journal)).post("/lost")
    assert response.status_code == 503
    assert "journal went away" in response.json()["detail"]
    assert journal.outcomes == [("rollback", [])]


class FailingCommitJournal(TranslatingJournal):
    def begin(self, name: str, request: Request) -> RequestScope:
        scope = JournalScope(self)

        async def exit_(ok: bool) -> None:
            raise ConnectionResetError("lost at commit")

        scope.exit = exit_  # type: ignore[method-assign]
        return scope


def test_a_failed_commit_is_not_reported_as_success(tmp_path: Path) -> None:
    response = TestClient(build(tmp_path, FailingCommitJournal())).post("/write")
    assert response.status_code == 503
    assert "journal went away" in response.json()["detail"]
