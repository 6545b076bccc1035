"""``covet db``: upgrade, current, downgrade and seed the reference app's database from its
covet.yaml, as `make run` does (the database is a new SQLite file via ``DATABASE_URL``)."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from covet.cli import main

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = str(ROOT / "specs" / "covet.yaml")


@pytest.fixture(autouse=True)
def fresh_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """specs/covet.yaml on a new SQLite file, run from the repository root like `make run`."""
    database = tmp_path / "covet.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("COVET_JWT_SECRET", "test-only-jwt-secret-of-tests-cli-0123456789abcdef")
    monkeypatch.chdir(ROOT)
    return database


def db(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["db", *args])
    out, err = capsys.readouterr()
    return status, out.strip(), err.strip()


def test_upgrade_migrates_a_new_database_to_head_once(
    capsys: pytest.CaptureFixture[str], fresh_database: Path
) -> None:
    assert db(capsys, "current", "-c", REFERENCE) == (0, "no revision (empty)", "")
    status, out, _ = db(capsys, "upgrade", "-c", REFERENCE)
    assert status == 0 and out == "database 'default': no revision (empty) -> 0002 (head)"
    assert fresh_database.exists()
    assert db(capsys, "upgrade")[1] == "database 'default' is at 0002 (head): nothing to do"
    assert db(capsys, "current")[1] == "0002 (head)"


def test_downgrade_to_base_then_upgrade_again(capsys: pytest.CaptureFixture[str]) -> None:
    db(capsys, "upgrade")
    status, out, _ = db(capsys, "downgrade", "--revision", "base")
    assert status == 0 and out == "database 'default': 0002 (head) -> no revision (empty)"
    assert db(capsys, "upgrade", "--revision", "0001")[1].endswith("-> 0001")
    assert db(capsys, "upgrade")[1] == "database 'default': 0001 -> 0002 (head)"


def test_seed_fills_an_empty_database_once(capsys: pytest.CaptureFixture[str]) -> None:
    db(capsys, "upgrade")
    status, out, _ = db(capsys, "seed")
    assert status == 0
    assert re.fullmatch(r"database 'default' seeded: 25 users, 100 posts, \d+ comments", out)
    assert db(capsys, "seed") == (0, "database 'default' already has data: nothing seeded", "")


def test_seed_options_reach_the_seeder(capsys: pytest.CaptureFixture[str]) -> None:
    db(capsys, "upgrade")
    out = db(capsys, "seed", "--users", "4", "--posts-per-user", "1")[1]
    assert out.startswith("database 'default' seeded: 4 users, 4 posts, ")


def test_migrations_directory_can_be_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    migrations = str(ROOT / "schema" / "migrations")
    assert db(capsys, "upgrade", "-c", REFERENCE, "--migrations", migrations)[0] == 0
    status, _, err = db(capsys, "upgrade", "-c", REFERENCE)
    assert status == 1 and "no env.py" in err and "--migrations DIR" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("upgrade", "--revision", "nope"), "nope"),
        (("upgrade", "--database", "analytics"), "no database 'analytics' (declared: default)"),
        (("seed", "--seeder", "schema.nowhere:seed"), "cannot import the seeder"),
        (("seed", "--users", "2"), "users >= 3"),
    ],
)
def test_mistakes_exit_1_with_the_fix(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    if args[0] == "seed":
        db(capsys, "upgrade")
    status, _, err = db(capsys, *args)
    assert status == 1 and err.startswith("covet: error:") and message in err


def test_downgrade_needs_a_revision(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["db", "downgrade"])
    assert exit_.value.code == 2 and "--revision" in capsys.readouterr().err


def transcripts() -> list[tuple[list[str], list[str]]]:
    """``$ covet db ...`` lines of docs/cli/db.md with the output shown under each."""
    page = (ROOT / "docs" / "cli" / "db.md").read_text()
    steps: list[tuple[list[str], list[str]]] = []
    for block in re.findall(r"```\n(.*?)```", page, flags=re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((shlex.split(line[2:], comments=True), []))
            else:
                steps[-1][1].append(line)
    return steps


def test_the_transcripts_in_db_md_are_what_the_commands_print(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for command, shown in transcripts():
        assert command[:2] == ["covet", "db"]
        if shown:  # a command shown without output is an illustration only
            assert db(capsys, *command[2:]) == (0, "\n".join(shown), ""), command


async def test_the_python_example_in_db_md_runs() -> None:
    page = (ROOT / "docs" / "cli" / "db.md").read_text()
    (example,) = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    namespace: dict[str, Any] = {}
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    await eval(compile(example, "docs/cli/db.md", "exec", flags=flags, dont_inherit=True), namespace)
    assert namespace["revisions"] == ("0002",)
    assert namespace["inserted"]["users"] == 10 and namespace["inserted"]["posts"] == 20
