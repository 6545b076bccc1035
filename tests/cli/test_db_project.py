"""``covet db`` on a new project shaped like issue 9's: models beside specs/, found through
covet.yaml's ``pythonpath``; ``init`` writes the migrations folder, ``revision --autogenerate``
writes each change of the models, ``upgrade`` applies them, on SQLite, PostgreSQL and MariaDB.
Every mistake is one ``covet: error:`` line naming the file and key, never a traceback."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from covet.cli import main
from covet.errors import UsageError
from covet.migrations import alembic_config
from tests.schema.databases import create_database, drop_database

MODELS = '''\
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from covet import UTCDateTime


class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
'''

SPEC = """\
openapi: 3.1.0
info: {title: articles, version: "1"}
paths:
  /ping:
    get:
      operationId: ping
      responses:
        "200": {description: ok}
"""


class Project:
    """A project directory: ``specs/`` (spec, covet.yaml) and the package ``<name>/`` beside it."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.package = f"proj_{uuid.uuid4().hex[:8]}"  # NOTE: unique: sys.modules outlives a test
        self.config = str(root / "specs" / "covet.yaml")
        (root / "specs").mkdir()
        (root / "specs" / "openapi.yaml").write_text(SPEC)
        self.write_config(url)
        (root / self.package).mkdir()
        (root / self.package / "__init__.py").write_text("")
        (root / self.package / "handlers.py").write_text("async def ping() -> dict:\n    return {}\n")
        self.models = root / self.package / "models.py"
        self.models.write_text(MODELS)

    def write_config(self, url: str, pythonpath: str = "..") -> None:
        (self.root / "specs" / "covet.yaml").write_text(
            f"apis:\n  - spec: openapi.yaml\n    handlers: {self.package}.handlers\n"
            f'pythonpath: ["{pythonpath}"]\n'
            f'providers:\n  database:\n    url: "{url}"\n'
        )

    def db(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        status = main(["db", *args, "-c", self.config])
        out, err = capsys.readouterr()
        return status, out.strip(), err.strip()

    def add_column(self) -> None:
        self.models.write_text(
            MODELS + "    title: Mapped[str] = mapped_column(String(200), default='')\n"
        )
        for name in [name for name in sys.modules if name.startswith(self.package)]:
            del sys.modules[name]  # NOTE: the next command imports the edited models


@pytest.fixture
def isolated_imports() -> Iterator[None]:
    """Each command puts the project on sys.path: put it back as it was."""
    saved = list(sys.path)
    yield
    sys.path[:] = saved


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url = asyncio.run(create_database(request.param, tmp_path))
    yield url
    asyncio.run(drop_database(url))


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, isolated_imports: None
) -> Project:
    monkeypatch.chdir(tmp_path)  # covet db's --migrations default is relative: schema/migrations
    return Project(tmp_path, database_url)


def columns(url: str, table: str) -> list[str]:
    async def read() -> list[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                found = await connection.run_sync(
                    lambda sync: [column["name"] for column in inspect(sync).get_columns(table)]
                )
        finally:
            await engine.dispose()
        return found

    return asyncio.run(read())


def test_init_then_autogenerate_then_upgrade_follows_the_models(
    project: Project, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    status, out, err = project.db(capsys, "init", "--models", f"{project.package}.models:Base")
    assert (status, err) == (0, "") and out.startswith("wrote schema/migrations: env.py")
    migrations = project.root / "schema" / "migrations"
    assert sorted(path.name for path in migrations.iterdir()) == [
        "env.py", "script.py.mako", "versions",
    ]

    status, out, err = project.db(capsys, "revision", "--autogenerate", "-m", "articles")
    assert (status, err) == (0, "") and "(articles)" in out
    (first,) = (migrations / "versions").glob("*.py")
    text = first.read_text()
    assert "op.create_table('articles'" in text
    # the custom column type is imported by the revision that uses it
    assert "import covet.providers.database.columns" in text and "UTCDateTime(" in text
    compile(text, str(first), "exec")

    assert project.db(capsys, "upgrade")[0] == 0
    assert columns(database_url, "articles") == ["id", "slug", "created_at"]
    assert project.db(capsys, "revision", "--autogenerate", "-m", "same") == (
        0, "database 'default' matches the models: no revision written", "",
    )

    project.add_column()
    status, out, _ = project.db(capsys, "revision", "--autogenerate", "-m", "add title")
    assert status == 0 and "(add title)" in out
    assert len(list((migrations / "versions").glob("*.py"))) == 2
    assert project.db(capsys, "upgrade")[0] == 0
    assert columns(database_url, "articles") == ["id", "slug", "created_at", "title"]
    assert project.db(capsys, "downgrade", "--revision", "-1")[0] == 0
    assert columns(database_url, "articles") == ["id", "slug", "created_at"]


def test_a_revision_without_autogenerate_is_an_empty_one_to_fill(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.db(capsys, "init", "--models", f"{project.package}.models:Base")
    status, out, _ = project.db(capsys, "revision", "-m", "backfill slugs")
    assert status == 0
    (path,) = (project.root / "schema" / "migrations" / "versions").glob("*.py")
    assert path.name.endswith("_backfill_slugs.py") and str(path) in out
    assert "def upgrade() -> None:\n    pass" in path.read_text()


def test_autogenerate_on_a_database_behind_the_migrations_says_upgrade_first(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.db(capsys, "init", "--models", f"{project.package}.models:Base")
    project.db(capsys, "revision", "--autogenerate", "-m", "articles")
    status, _, err = project.db(capsys, "revision", "--autogenerate", "-m", "more")
    assert status == 1 and err.startswith("covet: error: database 'default' is at no revision")
    assert "run `covet db upgrade` first" in err


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("models", "message"),
    [
        ("{package}.nowhere:Base", "does not import (No module named '{package}.nowhere')"),
        ("{package}.models:Nope", "has no attribute 'Nope'"),
        ("{package}.handlers:ping", "is a function, neither a declarative base"),
        ("models", "write it as 'module:Base'"),
    ],
)
def test_init_refuses_models_it_cannot_use(
    project: Project, capsys: pytest.CaptureFixture[str], models: str, message: str
) -> None:
    status, _, err = project.db(capsys, "init", "--models", models.format(package=project.package))
    assert status == 1 and err.startswith("covet: error: --models")
    assert message.format(package=project.package) in err
    assert not (project.root / "schema").exists()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_init_never_writes_over_a_migrations_folder(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    models = f"{project.package}.models:Base"
    assert project.db(capsys, "init", "--models", models)[0] == 0
    env = project.root / "schema" / "migrations" / "env.py"
    env.write_text(env.read_text() + "# mine\n")
    status, _, err = project.db(capsys, "init", "--models", models)
    assert status == 1 and "already exists and is not empty" in err
    assert env.read_text().endswith("# mine\n")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_pythonpath_entry_that_is_not_a_directory_names_its_key(
    project: Project, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    project.write_config(database_url, pythonpath="../nowhere")
    status, _, err = project.db(capsys, "upgrade")
    assert status == 1
    assert err == (
        f"covet: error: {project.config}: pythonpath[0]: {project.root / 'nowhere'} is not a "
        "directory; list directories relative to covet.yaml that hold the project's modules "
        "(handlers, models)"
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_env_py_that_raises_is_named_with_its_line(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.db(capsys, "init", "--models", f"{project.package}.models:Base")
    env = project.root / "schema" / "migrations" / "env.py"
    lines = env.read_text().splitlines()
    env.write_text("\n".join([*lines, "raise RuntimeError('no settings')"]) + "\n")
    status, _, err = project.db(capsys, "upgrade")
    assert status == 1
    assert err == f"covet: error: {env}:{len(lines) + 1}: RuntimeError: no settings"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_models_the_env_py_cannot_import_point_at_pythonpath(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.db(capsys, "init", "--models", f"{project.package}.models:Base")
    env = project.root / "schema" / "migrations" / "env.py"
    env.write_text(env.read_text().replace(f"from {project.package}.models", "from gone.models"))
    status, _, err = project.db(capsys, "upgrade")
    assert status == 1 and err.startswith(f"covet: error: {env}:")
    assert "cannot import 'gone'" in err and "covet.yaml's pythonpath" in err


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unreachable_database_is_reported_against_its_key(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.db(capsys, "init", "--models", f"{project.package}.models:Base")
    project.write_config("postgresql+asyncpg://postgres@127.0.0.1:1/test")
    for action in (("upgrade",), ("current",), ("revision", "--autogenerate", "-m", "x")):
        status, _, err = project.db(capsys, *action)
        assert status == 1, action
        assert err.startswith(
            f"covet: error: {project.config}: providers.database.default: Database 'default' is "
            "unavailable"
        ), err
        assert "check its url and that the server is running" in err


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_generated_env_py_run_by_alembic_itself_says_to_use_covet_db(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.db(capsys, "init", "--models", f"{project.package}.models:Base")
    config = alembic_config(project.root / "schema" / "migrations")  # no connection attribute
    with pytest.raises(UsageError, match="runs under `covet db`"):
        command.upgrade(config, "head")
