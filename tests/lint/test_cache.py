"""``covet validate`` with the spec cache: an unchanged spec's verdict is reused, findings unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import covet.spec._verdict
from covet.cli import main
from covet.lint import validate_specs
from covet.spec import SpecDocument

SPEC = """\
openapi: 3.1.0
info: {title: Things, version: "1.0"}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "200": {description: one thing}
"""


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    seen: list[str] = []
    original = covet.spec._verdict.validate_document

    def counting(doc: SpecDocument) -> None:
        seen.append(doc.path)
        original(doc)

    monkeypatch.setattr(covet.spec._verdict, "validate_document", counting)
    yield seen


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COVET_SPEC_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "openapi.yaml"
    path.write_text(SPEC)
    return path


def test_the_verdict_is_reused_and_the_findings_are_the_same(
    spec: Path, validations: list[str]
) -> None:
    first = validate_specs([spec], cache=True)
    assert validate_specs([spec], cache=True) == first
    assert len(validations) == 1
    spec.write_text(SPEC.replace("type: integer}", "type: integer, format: int32}"))
    assert validate_specs([spec], cache=True) != first, "the edit removes integer-param-unbounded"
    assert len(validations) == 2
    validate_specs([spec])
    assert len(validations) == 3, "without cache=True nothing is reused"


def test_no_cache_flag_validates_afresh(spec: Path, validations: list[str]) -> None:
    assert main(["validate", str(spec), "-o", "/dev/null"]) == 0
    assert main(["validate", str(spec), "-o", "/dev/null"]) == 0
    assert len(validations) == 1
    assert main(["validate", "--no-cache", str(spec), "-o", "/dev/null"]) == 0
    assert len(validations) == 2
