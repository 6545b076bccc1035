"""line_of: the line a JSON pointer is written on, in YAML and in JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from covet.spec import _lines, load_spec
from covet.spec._lines import JsonLines, YamlLines
from covet.spec.loader import load_unvalidated

LINES = Path(__file__).parents[1] / "fixtures" / "specs" / "lines"
GET = "/paths/~1pets~1{id}/get"


@pytest.mark.parametrize(
    ("pointer", "yaml_line", "json_line"),
    [
        ("", 1, 1),
        ("/openapi", 1, 2),
        ("/info/title", 3, 3),
        (GET, 7, 6),
        (f"{GET}/parameters/0", 9, 8),
        (f"{GET}/parameters/0/in", 10, 8),
        (f"{GET}/parameters/1", 13, 9),
        (f"{GET}/parameters/1/schema/type", 16, 13),
        (f"{GET}/responses/200", 18, 18),
        (f"{GET}/responses/200/description", 19, 19),
    ],
)
def test_line_of_points_at_the_key_or_item(pointer: str, yaml_line: int, json_line: int) -> None:
    assert load_spec(LINES / "lines.yaml").line_of(str(LINES / "lines.yaml"), pointer) == yaml_line
    assert load_spec(LINES / "lines.json").line_of(str(LINES / "lines.json"), pointer) == json_line


@pytest.mark.parametrize("name", ["lines.yaml", "lines.json"])
@pytest.mark.parametrize(
    "pointer",
    ["/nope", f"{GET}/parameters/2", f"{GET}/parameters/x", "/openapi/deeper", "no-slash"],
)
def test_line_of_a_missing_node_is_none(name: str, pointer: str) -> None:
    doc = load_spec(LINES / name)
    assert doc.line_of(doc.path, pointer) is None


def test_line_of_follows_yaml_merge_keys() -> None:
    doc = load_spec(LINES / "lines.yaml")
    assert doc.line_of(doc.path, "/components/schemas/Pet/title") == 27
    assert doc.line_of(doc.path, "/components/schemas/Pet/description") == 24


def test_line_of_an_unreadable_file_is_none(tmp_path: Path) -> None:
    doc = load_spec(LINES / "lines.yaml")
    assert doc.line_of(str(tmp_path / "gone.yaml"), "/a") is None


def test_line_of_is_not_computed_while_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("positions were computed on the success path")

    monkeypatch.setattr(YamlLines, "__init__", refuse)
    monkeypatch.setattr(JsonLines, "__init__", refuse)
    load_spec(LINES / "lines.yaml")
    load_spec(LINES / "lines.json")


def test_json_lines_handle_escapes_and_tabs() -> None:
    lines = JsonLines(b'{\n\t"a\\"b": {\n\t\t"c/d": [1,\n\t\t\t{"e": 2}]\n\t}\n}')
    assert lines.line_of(['a"b', "c/d", "1", "e"]) == 4
    assert lines.line_of(['a"b']) == 2


def test_yaml_lines_of_an_empty_document_are_none() -> None:
    assert YamlLines(b"").line_of(["a"]) is None


def all_pointers(node: object, pointer: str = "") -> list[str]:
    found = [pointer]
    if isinstance(node, dict):
        for key, value in node.items():
            escaped = str(key).replace("~", "~0").replace("/", "~1")
            found += all_pointers(value, f"{pointer}/{escaped}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += all_pointers(value, f"{pointer}/{index}")
    return found


@pytest.mark.parametrize("name", ["lines.yaml", "lines.json"])
def test_lines_kept_from_the_one_parse_are_those_of_a_second_parse(name: str) -> None:
    path = str(LINES / name)
    kept = load_unvalidated(path, keep_lines=True)
    again = load_spec(path, validate=False)
    pointers = all_pointers(again.root)
    assert len(pointers) > 10
    assert [kept.line_of(path, p) for p in pointers] == [again.line_of(path, p) for p in pointers]


def test_keeping_lines_parses_each_yaml_file_once(monkeypatch: pytest.MonkeyPatch) -> None:
    kept = load_unvalidated(str(LINES / "lines.yaml"), keep_lines=True)

    def no_second_parse(data: bytes) -> None:
        raise AssertionError("composed again for a line number")

    monkeypatch.setattr(_lines, "compose_yaml", no_second_parse)
    assert kept.line_of(kept.path, GET) == 7
