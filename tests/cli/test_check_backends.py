"""``covet check-backends``: one line per configured backend on the real servers, exit 0 when
every required one answers and 1 when one does not, for container health checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from covet.cli import main
from tests.providers.backends import closed_port, redis_url

SPEC = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"


def config(tmp_path: Path, providers: str, extra: str = "") -> str:
    (tmp_path / "api.yaml").write_text(SPEC)
    path = tmp_path / "covet.yaml"
    path.write_text(f"apis: [{{spec: api.yaml}}]\nproviders:\n{providers}{extra}")
    return str(path)


def check(capsys: pytest.CaptureFixture[str], path: str) -> tuple[int, list[str]]:
    status = main(["check-backends", "-c", path, "--timeout", "1s"])
    return status, capsys.readouterr().out.splitlines()


def test_every_backend_answering_is_exit_0_with_a_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    providers = (
        f"  database: {{url: 'sqlite+aiosqlite:///{tmp_path / 'a.db'}'}}\n"
        f"  cache: {{url: '{redis_url()}', required: true}}\n"
    )
    status, lines = check(capsys, config(tmp_path, providers,
                                         f"rate_limits: {{storage: '{redis_url()}'}}\n"))
    assert status == 0, lines
    assert [line.split()[:2] for line in lines[:-1]] == [
        ["ok", "default"], ["ok", "cache"], ["ok", "rate_limits"],
    ]
    assert lines[-1] == "ok: 3 of 3 backends answer"


def test_a_required_backend_down_is_exit_1_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    down = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/test"
    providers = f"  database: {{url: '{down}', connect_timeout: 1}}\n"
    status, lines = check(capsys, config(tmp_path, providers))
    assert status == 1
    assert lines[0].startswith("DOWN  default") and "refused" in lines[0]
    assert lines[-1] == "down: 0 of 1 backends answer"


def test_an_optional_backend_down_is_reported_and_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    providers = f"  cache: redis://127.0.0.1:{closed_port()}/0\n"
    status, lines = check(capsys, config(tmp_path, providers))
    assert status == 0
    assert lines[0].startswith("down  cache") and "(optional)" in lines[0]
    assert lines[-1] == "degraded: 0 of 1 backends answer"


def test_a_broken_config_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, "  cache: {url: 'ftp://x'}\n")
    assert main(["check-backends", "-c", path]) == 1
    err = capsys.readouterr().err
    assert err.startswith("covet: error: ") and "is not a cache URL" in err
