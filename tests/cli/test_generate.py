"""``covet generate handlers``: print, write, sync; warnings and refusals on stderr."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from covet.cli import main

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_SPEC = str(ROOT / "specs" / "openapi.yaml")
TYPED_SPEC = str(ROOT / "tests" / "scaffold" / "specs" / "typed.yaml")


def test_without_out_the_module_goes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "handlers", REFERENCE_SPEC]) == 0
    captured = capsys.readouterr()
    tree = ast.parse(captured.out)
    assert "list_users" in {n.name for n in tree.body if isinstance(n, ast.AsyncFunctionDef)}
    assert captured.err == ""


def test_out_writes_a_new_module_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "handlers.py"
    assert main(["generate", "handlers", REFERENCE_SPEC, "--out", str(out)]) == 0
    assert re.match(rf"{re.escape(str(out))}: added \d+ handlers: login, refresh, logout,", capsys.readouterr().out)
    assert out.is_file()


def test_an_existing_out_needs_sync_and_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "handlers.py"
    out.write_text("# mine\n")
    assert main(["generate", "handlers", REFERENCE_SPEC, "-o", str(out)]) == 2
    assert "already exists; add --sync" in capsys.readouterr().err
    assert out.read_text() == "# mine\n"


def test_sync_reports_what_it_added_and_what_it_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "handlers.py"
    out.write_text("async def list_users() -> list[str]:\n    return []\n")
    assert main(["generate", "handlers", REFERENCE_SPEC, "--out", str(out), "--sync"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.match(rf"{re.escape(str(out))}: added \d+ handlers: login, refresh, logout,", lines[0])
    assert lines[1] == f"{out}: kept 1 handler already there, unchanged: list_users"
    text = out.read_text()
    assert text.startswith("import uuid\nfrom typing import Any\n\n\nasync def list_users() -> list[str]:\n")

    assert main(["generate", "handlers", REFERENCE_SPEC, "--out", str(out), "--sync"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"{out}: nothing to add"


def test_operations_left_out_are_warned_about_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "handlers", TYPED_SPEC]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("covet generate: warning: GET /anonymous/{id} has no operationId")
    assert "Add 'operationId: getAnonymousById'" in err[0]
    assert len(err) == 2


def test_sync_without_out_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "handlers", REFERENCE_SPEC, "--sync"]) == 2
    assert "--sync needs --out FILE" in capsys.readouterr().err


def test_a_spec_error_exits_1_with_its_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a: {get: {responses: {}}}\n  b: {}\n")
    assert main(["generate", "handlers", str(spec)]) == 1
    assert str(spec) in capsys.readouterr().err


def test_generate_needs_a_kind(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["generate"])
    assert exit_info.value.code == 2
    assert "KIND" in capsys.readouterr().err
