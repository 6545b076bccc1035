"""The covet command: a thin shell over the same loader."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from covet.cli import main, routes

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


def project_with_handlers(tmp_path: Path, source: str) -> Path:
    """A spec, its covet.yaml and a handlers module ``source`` (unique name: sys.modules)."""
    module = f"handlers_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(source)
    (tmp_path / "openapi.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /ping:\n    get:\n"
        "      operationId: ping\n      responses: {'200': {description: ok}}\n"
    )
    config = tmp_path / "covet.yaml"
    config.write_text(f"apis: [{{spec: openapi.yaml, handlers: {module}}}]\npythonpath: ['.']\n")
    return config


@pytest.mark.parametrize(
    ("source", "line", "error"),
    [
        ("import os\nraise RuntimeError('needs SECRET')\n", 2, "RuntimeError: needs SECRET"),
        ("async def ping(:\n    pass\n", 1, "SyntaxError: invalid syntax"),
    ],
)
def test_a_handler_module_that_fails_on_import_is_one_line_with_its_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    source: str, line: int, error: str,
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    config = project_with_handlers(tmp_path, source)
    for command in ("routes", "run"):
        assert main([command, "-c", str(config)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"covet: error: {tmp_path / 'openapi.yaml'}#/paths/~1ping/get: ")
        assert f"{next(tmp_path.glob('handlers_*.py'))}:{line}: {error}" in err
        assert "Traceback" not in err


def test_a_file_it_cannot_write_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("")
    target = tmp_path / "a-file" / "handlers.py"
    spec = str(ROOT / "specs" / "openapi.yaml")
    assert main(["generate", "handlers", spec, "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("covet: error: ") and str(tmp_path / "a-file") in err
    assert "Traceback" not in err


def test_a_bug_is_one_line_unless_the_traceback_is_asked_for(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: object) -> int:
        raise KeyError("oops")

    monkeypatch.setattr(routes, "_routes", broken)
    monkeypatch.delenv("COVET_TRACEBACK", raising=False)
    assert main(["routes"]) == 1
    assert capsys.readouterr().err == (
        "covet: error: unexpected KeyError: 'oops' (a bug in covet: please report it; "
        "COVET_TRACEBACK=1 shows the traceback)\n"
    )
    monkeypatch.setenv("COVET_TRACEBACK", "1")
    with pytest.raises(KeyError):
        main(["routes"])
