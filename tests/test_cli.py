"""The covet command: a thin shell over the same loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from covet.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_routes_prints_the_compiled_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "-c", str(ROOT / "specs" / "covet.yaml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["METHOD", "PATH", "OPERATION", "HANDLER"]
    assert any(line.split() == ["GET", "/v1/users/{user_id}/posts/{post_id}", "getUserPost",
                                "handlers.blog:get_user_post"] for line in out)


def test_config_errors_exit_1_with_the_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "covet.yaml"
    config.write_text("apis: [{spec: a.yaml}]\nservr: {}\n")
    assert main(["routes", "-c", str(config)]) == 1
    err = capsys.readouterr().err
    assert str(config) in err and "servr" in err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "run" in capsys.readouterr().out
