"""docs/cli/new.md and docs/cli/generate.md: their examples run and show real output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from covet.scaffold import create_project, generate_handlers

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "cli"


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)


def test_the_stub_shown_in_generate_md_is_what_generate_writes() -> None:
    shown = python_blocks(DOCS / "generate.md")[0]
    assert shown in generate_handlers(ROOT / "specs" / "openapi.yaml").text


def test_new_md_lists_every_file_new_writes(tmp_path: Path) -> None:
    page = (DOCS / "new.md").read_text()
    project = create_project("todo-api", tmp_path / "todo-api")
    for path in project.files:
        relative = str(path.relative_to(project.root))
        assert relative in page or path.name in page, relative


@pytest.mark.parametrize("page", ["new.md", "generate.md"])
def test_the_python_examples_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    create_project("myapi", tmp_path)
    monkeypatch.chdir(tmp_path)
    example = python_blocks(DOCS / page)[-1]
    exec(compile(example, f"docs/cli/{page}", "exec"), {})  # noqa: S102 - our own documentation
