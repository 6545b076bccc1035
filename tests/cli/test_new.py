"""``covet new``: a project whose own tests pass as created, and which ``covet run`` serves."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from covet.cli import main


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def project_env() -> dict[str, str]:
    """This venv first on PATH, and no settings of the outer pytest run leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COVET_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def get_json(url: str, timeout: float = 20.0) -> object:
    """GET ``url`` once the server answers (it is still starting at first)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return json.loads(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_new_prints_the_files_and_the_next_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "todo", "--dir", str(tmp_path / "todo")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Created {tmp_path / 'todo'}/, a todo-list API:\n  .gitignore\n")
    assert "  todo/handlers.py\n" in out
    assert f"  cd {tmp_path / 'todo'}\n  covet run" in out


def test_the_new_projects_tests_pass_as_created(tmp_path: Path) -> None:
    assert main(["new", "todo-api", "--dir", str(tmp_path / "todo-api")]) == 0
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=tmp_path / "todo-api", env=project_env(), capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "6 passed" in run.stdout


@pytest.mark.parametrize("plugins", [[], ["-p", "no:asyncio"]], ids=["with-pytest-asyncio", "without"])
def test_the_new_projects_pytest_settings_produce_no_warning(tmp_path: Path, plugins: list[str]) -> None:
    assert main(["new", "todo-api", "--dir", str(tmp_path / "todo-api")]) == 0
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-W", "error", "-rw", *plugins],
        cwd=tmp_path / "todo-api", env=project_env(), capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "warning" not in (run.stdout + run.stderr).lower(), run.stdout + run.stderr


def test_covet_run_serves_the_new_project(tmp_path: Path) -> None:
    project = tmp_path / "todo"
    assert main(["new", "todo", "--dir", str(project)]) == 0
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "covet.cli", "run", "--no-access-log"],
        cwd=project, env={**project_env(), "PORT": str(port)}, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        assert get_json(f"http://127.0.0.1:{port}/todos?limit=5") == []
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_a_non_empty_folder_is_refused_with_exit_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["new", "todo", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("covet new: error: refusing to write into")
    assert "choose another name or --dir" in err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_a_bad_name_is_refused_with_what_is_allowed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "my api", "--dir", str(tmp_path / "x")]) == 2
    assert "use letters, digits, '-' and '_', starting with a letter" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
