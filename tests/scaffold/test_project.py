"""create_project: allowed names, never overwriting, the files written, shipped as package data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from covet.config import load_config
from covet.errors import UsageError
from covet.scaffold.generate import generate_handlers
from covet.scaffold.project import create_project, package_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("name", "package"), [("todo", "todo"), ("todo-api", "todo_api"), ("MyAPI_2", "myapi_2")])
def test_allowed_names_give_their_package(name: str, package: str) -> None:
    assert package_name(name) == package


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("my api", "use letters, digits, '-' and '_', starting with a letter"),
        ("2fast", "starting with a letter"),
        ("-x", "starting with a letter"),
        ("a" * 65, "at most 64 characters"),
        ("class", "is a Python keyword"),
        ("json", "would shadow the standard library module"),
        ("covet", "is CovetPy itself"),
        ("tests", "tests folder"),
        ("yaml", "would shadow the installed module yaml"),
    ],
)
def test_names_that_would_not_work_are_refused_with_the_rule(name: str, reason: str) -> None:
    with pytest.raises(UsageError, match=reason.replace("(", r"\(")):
        package_name(name)


def test_a_project_has_spec_config_handlers_tests_makefile_and_readme(tmp_path: Path) -> None:
    project = create_project("todo-api", tmp_path / "todo-api")
    assert project.package == "todo_api"
    assert sorted(str(p.relative_to(project.root)) for p in project.files) == [
        ".gitignore", "Makefile", "README.md", "pyproject.toml", "specs/covet.yaml", "specs/openapi.yaml",
        "tests/conftest.py", "tests/test_todos.py", "todo_api/__init__.py", "todo_api/handlers.py",
    ]
    config = load_config(project.root / "specs" / "covet.yaml", environ={})
    assert config.apis[0].handlers == "todo_api.handlers"
    assert config.server.port == 8000
    assert load_config(project.root / "specs" / "covet.yaml", environ={"PORT": "9001"}).server.port == 9001
    spec = yaml.safe_load((project.root / "specs" / "openapi.yaml").read_text())
    assert spec["openapi"] == "3.1.0" and spec["info"]["title"] == "todo-api"


def test_the_default_folder_is_the_name_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert create_project("todo").root == Path("todo")
    assert (tmp_path / "todo" / "todo" / "handlers.py").is_file()


def test_an_empty_folder_is_used_but_a_non_empty_one_is_never_touched(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    create_project("todo", tmp_path / "empty")
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="refusing to write into .*full: it exists and is not empty"):
        create_project("todo", full)
    assert [p.name for p in full.iterdir()] == ["notes.txt"]


def test_a_file_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "todo").write_text("")
    with pytest.raises(UsageError, match="exists and is not a folder"):
        create_project("todo", tmp_path / "todo")


def test_the_starter_handlers_are_what_generate_would_keep(tmp_path: Path) -> None:
    project = create_project("todo", tmp_path / "todo")
    handlers = project.root / "todo" / "handlers.py"
    before = handlers.read_text()
    result = generate_handlers(project.root / "specs" / "openapi.yaml", handlers, sync=True)
    assert result.added == ()
    assert result.kept == ("list_todos", "create_todo", "get_todo", "delete_todo")
    assert handlers.read_text() == before


def test_templates_are_shipped_as_package_data(tmp_path: Path) -> None:
    """What setuptools' build_py copies is what a wheel holds."""
    for name in ("pyproject.toml", "README.md"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    shutil.copytree(ROOT / "engine", tmp_path / "engine", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup(script_args=['-q', 'build_py', '-d', 'out'])"],
        cwd=tmp_path, check=True, capture_output=True,
    )
    shipped = tmp_path / "out" / "covet"
    source = ROOT / "engine" / "covet"
    assert templates_under(shipped) == templates_under(source)
    assert (shipped / "py.typed").is_file()


def templates_under(package: Path) -> list[str]:
    folder = package / "scaffold" / "templates"
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*.tmpl"))
