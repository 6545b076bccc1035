"""docs/getting-started.md works when followed literally.

Every command of the page's console blocks runs, in order, in one bash shell in an empty temp
folder, and its output is compared with what the page shows (doctest rules: ``...`` matches
anything, runs of whitespace are equal). The editor steps the page describes are applied as
written (see guide.py). Three things differ from a reader's terminal, on purpose:

- ``pip install ...`` is not run: the venv running this test, which already has CovetPy
  installed from this checkout (and pytest), is put first on ``PATH`` instead, and the command
  becomes a check that both import with that venv's interpreter;
- port 8000 becomes a free port (``PORT`` in the environment, which the generated covet.yaml
  reads, and ``localhost:8000`` in commands), so parallel runs never collide;
- after a command that ends in ``&`` (the server), the test waits until the port accepts
  connections, as a reader would before typing the next command.
"""

from __future__ import annotations

import doctest
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.docs_examples.guide import Command, FileStep, apply_file_step, read_steps

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "getting-started.md"
VENV_BIN = Path(sys.executable).parent  # NOTE: not resolved: the venv's bin, not the base python
INSTALL_CHECK = f"{shlex.quote(sys.executable)} -c 'import covet, pytest'"
COMPARE = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


class Shell:
    """One long-lived bash, fed one command at a time, like a terminal."""

    def __init__(self, cwd: Path, state: Path, env: dict[str, str]) -> None:
        self.cwd = cwd
        self.state = state
        self.count = 0
        self.process = subprocess.Popen(
            ["bash"], stdin=subprocess.PIPE, cwd=cwd, env=env, text=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )

    def run(self, command: str, timeout: float = 60.0) -> tuple[int, str]:
        """Exit status and output (stdout + stderr) of ``command``; updates :attr:`cwd`."""
        self.count += 1
        out, status, cwd = (self.state / f"{self.count}.{kind}" for kind in ("out", "status", "cwd"))
        q = shlex.quote
        assert self.process.stdin is not None
        # NOTE: stdin is /dev/null so that no command reads the rest of this script.
        self.process.stdin.write(
            f"{{ {command}\n}} > {q(str(out))} 2>&1 < /dev/null\n"
            f"s=$?; pwd > {q(str(cwd))}; echo $s > {q(str(status))}.tmp; mv {q(str(status))}.tmp {q(str(status))}\n"
        )
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        while not status.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{command!r} did not finish (shell exit {self.process.returncode})")
            time.sleep(0.02)
        self.cwd = Path(cwd.read_text().strip())
        return int(status.read_text()), out.read_text()

    def close(self) -> None:
        """End the shell and whatever it started (it leads its own process group)."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def logs(self) -> str:
        files = sorted(self.state.glob("*.out"), key=lambda p: int(p.name.split(".")[0]))
        return "\n".join(f"--- command {p.name}:\n{p.read_text()}" for p in files)


def literal(command: str, port: int) -> str:
    """The command as this test runs it (the substitutions in the module docstring)."""
    if command.startswith("pip install "):
        return INSTALL_CHECK
    return command.replace("localhost:8000", f"localhost:{port}")


def guide_env(port: int) -> dict[str, str]:
    # NOTE: a reader's shell has no outer make: under `make test`, MAKELEVEL/MAKEFLAGS would make
    # the guide's own `make test` print "make[1]: Entering directory" lines the page does not show.
    outer = ("PYTEST_", "COVET_", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")
    env = {k: v for k, v in os.environ.items() if not k.startswith(outer)}
    env.update(PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}", PORT=str(port), PYTHONUNBUFFERED="1")
    return env


def test_the_guide_works_when_followed_literally(tmp_path: Path) -> None:
    steps = read_steps(GUIDE.read_text())
    assert sum(isinstance(step, Command) for step in steps) >= 10, "the guide lost its commands"
    port = free_port()
    work, state = tmp_path / "work", tmp_path / "state"
    work.mkdir()
    state.mkdir()
    shell = Shell(work, state, guide_env(port))
    try:
        for step in steps:
            if isinstance(step, FileStep):
                apply_file_step(step, shell.cwd)
                continue
            status, output = shell.run(literal(step.text, port))
            where = f"$ {step.text}\n--- exit {status}, output:\n{output}"
            assert status == 0, where + "\n" + shell.logs()
            if step.want and not doctest.OutputChecker().check_output(step.want + "\n", output, COMPARE):
                pytest.fail(f"{where}\n--- the guide shows:\n{step.want}")
            if step.text.rstrip().endswith("&"):
                wait_for_port(port)
    finally:
        shell.close()


def test_the_guide_uses_only_the_substitutions_it_documents() -> None:
    commands = [step.text for step in read_steps(GUIDE.read_text()) if isinstance(step, Command)]
    installs = [c for c in commands if "pip" in c or "venv" in c]
    assert installs == ["pip install -e path/to/covetpy pytest"]
    assert all(":8000" not in c or "localhost:8000" in c for c in commands)
