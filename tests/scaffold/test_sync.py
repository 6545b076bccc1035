"""Syncing stubs into an existing module: nothing in it changes, only what is missing is added."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from covet.errors import UsageError
from covet.scaffold.render import render_module
from covet.scaffold.stubs import StubPlan, plan_stubs
from covet.scaffold.sync import sync_module
from covet.spec import load_spec

TYPED = Path(__file__).parent / "specs" / "typed.yaml"


@pytest.fixture(scope="module")
def plan() -> StubPlan:
    return plan_stubs(load_spec(TYPED))


def functions(source: str) -> list[str]:
    return [n.name for n in ast.parse(source).body if isinstance(n, ast.AsyncFunctionDef | ast.FunctionDef)]


def test_a_complete_module_is_left_exactly_as_it_is(plan: StubPlan) -> None:
    source = render_module(plan, source="typed.yaml")
    result = sync_module(source, plan)
    assert result.text == source
    assert result.added == ()
    assert result.kept == tuple(s.name for s in plan.stubs)


def test_missing_functions_are_appended_after_the_untouched_text(plan: StubPlan) -> None:
    source = '"""Mine."""\n\n\ndef get_thing(thing_id, on):  # hand-written\n    return {"mine": True}\n'
    result = sync_module(source, plan)
    assert result.added == ("replace_thing", "create_things", "class_", "accept_form", "get_widgets")
    assert result.kept == ("get_thing",)
    assert functions(result.text) == ["get_thing", *result.added]
    assert 'def get_thing(thing_id, on):  # hand-written\n    return {"mine": True}\n\n\nasync def replace_thing' in result.text


def test_any_top_level_binding_counts_as_present(plan: StubPlan) -> None:
    source = (
        "from elsewhere import get_thing\n"
        "replace_thing = object()\n"
        "class createThings: ...\n"  # the exact operationId binds too
        "try:\n    from fast import class_\nexcept ImportError:\n    class_ = None\n"
    )
    result = sync_module(source, plan)
    assert result.kept == ("get_thing", "replace_thing", "create_things", "class_")
    assert result.added == ("accept_form", "get_widgets")


def test_needed_imports_go_after_the_last_import_and_reuse_existing_aliases(plan: StubPlan) -> None:
    source = '"""Doc."""\n\nimport datetime as dt\nimport os\n\nVALUE = os.sep\n'
    result = sync_module(source, plan)
    head = result.text.split("\n\n\n")[0]
    assert head == '"""Doc."""\n\nimport datetime as dt\nimport os\nimport uuid\nfrom typing import Any\n\nVALUE = os.sep'
    assert "on: dt.date" in result.text
    ast.parse(result.text)


def test_an_import_never_rebinds_a_name_the_module_uses_for_something_else(plan: StubPlan) -> None:
    source = "from datetime import datetime\n\nuuid = 'not the module'\n"
    result = sync_module(source, plan)
    assert "import datetime as _datetime\nimport uuid as _uuid\nfrom typing import Any\n" in result.text
    assert "thing_id: _uuid.UUID" in result.text
    assert "since: _datetime.datetime | None = None" in result.text


def test_imports_go_after_the_docstring_when_there_are_none(plan: StubPlan) -> None:
    result = sync_module('"""Only a docstring."""\n', plan)
    assert result.text.startswith('"""Only a docstring."""\n\nimport datetime\nimport uuid\nfrom typing import Any\n\n\n')


def test_an_empty_module_gets_imports_and_functions(plan: StubPlan) -> None:
    result = sync_module("", plan)
    assert result.text.startswith("import datetime\nimport uuid\nfrom typing import Any\n\n\nasync def get_thing(")
    assert functions(result.text) == [s.name for s in plan.stubs]


def test_a_module_that_does_not_parse_is_refused_with_its_line(plan: StubPlan) -> None:
    with pytest.raises(UsageError, match=r"handlers.py:2: cannot add handlers .* fix it and run again"):
        sync_module("x = 1\ndef broken(:\n", plan, filename="handlers.py")
