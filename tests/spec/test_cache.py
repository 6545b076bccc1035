"""The spec cache: an unchanged project skips parsing and the validator; any change recompiles."""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from pathlib import Path

import pytest

import covet.spec._verdict
from covet import CovetApp, load_config
from covet.errors import SpecError
from covet.spec import load_spec
from covet.spec._isolated import validate_isolated
from covet.spec.cache import SpecCache, default_cache_dir, spec_cache_from_env

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
        "200":
          description: one thing
          content:
            application/json:
              schema: {$ref: "schemas/thing.yaml"}
"""
THING = "type: object\nproperties:\n  name: {type: string}\n"
HANDLERS = "async def getThing(id: int) -> dict:\n    return {'name': f'thing {id}'}\n"
CONFIG = """\
apis:
  - spec: openapi.yaml
    handlers: things_handlers
pythonpath: ["."]
spec_validation: {mode}
spec_cache: {{directory: cache}}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "openapi.yaml").write_text(SPEC)
    (tmp_path / "schemas" / "thing.yaml").write_text(THING)
    (tmp_path / "things_handlers.py").write_text(HANDLERS)
    (tmp_path / "covet.yaml").write_text(CONFIG.format(mode="inline"))
    monkeypatch.delenv("COVET_SPEC_CACHE", raising=False)
    return tmp_path


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every run of openapi-spec-validator (inline), by root path."""
    seen: list[str] = []
    original = covet.spec._verdict.validate_document

    def counting(doc: covet.spec.SpecDocument) -> None:
        seen.append(doc.path)
        original(doc)

    monkeypatch.setattr(covet.spec._verdict, "validate_document", counting)
    yield seen


def build(project: Path) -> CovetApp:
    return CovetApp(load_config(project / "covet.yaml"))


def title_of(app: CovetApp) -> str:
    return str(app.api.specs[0].root["info"]["title"])


def test_an_unchanged_project_skips_parsing_and_the_validator(
    project: Path, validations: list[str]
) -> None:
    first = build(project)
    second = build(project)
    assert len(validations) == 1
    assert second.api.specs[0].files == first.api.specs[0].files
    assert [r.path for r in second.api.routes] == [r.path for r in first.api.routes]
    assert list((project / "cache").iterdir())


@pytest.mark.parametrize(
    ("edited", "change"),
    [
        ("openapi.yaml", lambda text: text.replace("title: Things", "title: Edited")),
        ("schemas/thing.yaml", lambda text: text + "required: [name]\n"),
        ("covet.yaml", lambda text: text + "# a comment is a change too\n"),
    ],
    ids=["spec", "referenced-file", "covet.yaml"],
)
def test_a_change_to_any_input_recompiles(
    project: Path, validations: list[str], edited: str, change: object
) -> None:
    build(project)
    path = project / edited
    path.write_text(change(path.read_text()))  # type: ignore[operator]
    app = build(project)
    assert len(validations) == 2
    if edited == "openapi.yaml":
        assert title_of(app) == "Edited"
    if edited == "schemas/thing.yaml":
        thing = next(v for k, v in app.api.specs[0].files.items() if k.endswith("thing.yaml"))
        assert thing["required"] == ["name"]
    build(project)
    assert len(validations) == 2, "the recompiled result is cached in turn"


def test_an_invalid_spec_is_never_cached(project: Path, validations: list[str]) -> None:
    spec = project / "openapi.yaml"
    spec.write_text(SPEC.replace("required: true", "required: false"))  # path params must be required
    for _ in range(2):
        with pytest.raises(SpecError):
            build(project)
    assert len(validations) == 2
    assert not (project / "cache").exists()


def test_a_corrupt_cache_file_is_ignored_and_replaced(project: Path, validations: list[str]) -> None:
    build(project)
    (entry,) = (project / "cache").iterdir()
    for garbage in (b"", b"\x00not marshal", marshal.dumps({"format": 1}), entry.read_bytes()[:100]):
        entry.write_bytes(garbage)
        assert title_of(build(project)) == "Things"
    assert len(validations) == 5
    build(project)
    assert len(validations) == 5


def test_the_cache_can_be_turned_off(project: Path, validations: list[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    config = project / "covet.yaml"
    config.write_text(config.read_text().replace("{directory: cache}", "{enabled: false}"))
    build(project)
    build(project)
    assert len(validations) == 2
    assert spec_cache_from_env(environ={"COVET_SPEC_CACHE": "off"}) is None
    assert spec_cache_from_env(enabled=False, environ={}) is None
    monkeypatch.setenv("COVET_SPEC_CACHE", "off")
    config.write_text(config.read_text().replace("{enabled: false}", "{directory: cache}"))
    build(project)
    assert len(validations) == 3
    assert not (project / "cache").exists()


def test_the_environment_variable_moves_the_cache(tmp_path: Path) -> None:
    cache = spec_cache_from_env("/ignored", environ={"COVET_SPEC_CACHE": str(tmp_path / "here")})
    assert cache is not None and cache.directory == tmp_path / "here"
    assert spec_cache_from_env(environ={}).directory == default_cache_dir()  # type: ignore[union-attr]
    assert default_cache_dir().parts[-2:] == ("covet", "specs")


def test_isolated_validation_is_cached_too(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []

    def counting(path: str) -> dict[str, str]:
        runs.append(path)
        return validate_isolated(path)

    monkeypatch.setattr("covet.api.validate_isolated", counting)
    config = project / "covet.yaml"
    config.write_text(config.read_text().replace("spec_validation: inline", "spec_validation: isolated"))
    build(project)
    build(project)
    assert len(runs) == 1
    (project / "schemas" / "thing.yaml").write_text(THING + "description: edited\n")
    build(project)
    assert len(runs) == 2


def test_nothing_interpolated_is_written(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cr3t-value-that-must-not-reach-the-disk"
    monkeypatch.setenv("COVET_TEST_SECRET", secret)
    config = project / "covet.yaml"
    config.write_text(config.read_text().replace(
        "spec_cache: {directory: cache}",
        "spec_cache: {directory: cache}\nproviders: {database: {default: {url: "
        '"sqlite+aiosqlite:///${COVET_TEST_SECRET}.db"}}}',
    ))
    build(project)
    (entry,) = (project / "cache").iterdir()
    assert secret.encode() not in entry.read_bytes()


def test_load_spec_with_a_cache(project: Path, validations: list[str]) -> None:
    cache = SpecCache(project / "c", context=b"one")
    spec = project / "openapi.yaml"
    doc = load_spec(spec, cache=cache)
    assert load_spec(spec, cache=cache).files == doc.files
    assert len(validations) == 1
    load_spec(spec, cache=SpecCache(project / "c", context=b"two"))
    assert len(validations) == 2, "another context is another entry"
    unvalidated = SpecCache(project / "u")
    load_spec(spec, validate=False, cache=unvalidated)
    load_spec(spec, validate=False, cache=unvalidated)
    assert len(validations) == 2
    load_spec(spec, cache=unvalidated)
    assert len(validations) == 3, "an entry stored without validation does not vouch for it"
    load_spec(spec, cache=unvalidated)
    assert len(validations) == 3
