"""The native verdict says "valid" exactly when openapi-spec-validator finds no error.

``certainly_valid`` lets a valid document skip the library (its import and its walk); it must
never accept a document the library rejects, so every rule the library checks has a broken
document here, and every corpus document is compared both ways.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import MappingProxyType

import pytest

from covet.errors import SpecError
from covet.spec import SpecDocument, load_spec
from covet.spec import _validation as library
from covet.spec._verdict import certainly_valid, validate_document

from .corpus import manifest_documents, require_corpus

# Documents the library accepts but the native verdict leaves to it (features it does not model).
LEFT_TO_THE_LIBRARY = {
    "learn-openapis-org/examples/v3.2/3.2-tags-example.yaml",  # 3.2 tag parents
}


def library_accepts(doc: SpecDocument) -> bool:
    try:
        library.validate_document(doc)
    except SpecError:
        return False
    return True


def loadable_corpus_roots() -> list[str]:
    return [doc["root"] for doc in manifest_documents() if not doc["openapi_version"].startswith("2")]


@pytest.mark.parametrize("root", loadable_corpus_roots())
def test_verdict_matches_the_library_on_the_corpus(root: str) -> None:
    try:
        doc = load_spec(require_corpus() / root, validate=False)
    except SpecError:
        pytest.skip("refused while loading, before any validation")
    fast, accepted = certainly_valid(doc), library_accepts(doc)
    if fast:
        assert accepted, "the native verdict accepted a document the library rejects"
    else:
        assert not accepted or root in LEFT_TO_THE_LIBRARY, "a valid document took the slow path"


@pytest.mark.parametrize(
    "root", ["adyen-openapi/yaml/CheckoutService-v71.yaml", "discourse-api-docs/openapi.json"]
)
def test_the_benchmark_specs_never_import_the_library(root: str) -> None:
    code = (
        "import sys\nfrom covet.spec import load_spec\n"
        f"load_spec({str(require_corpus() / root)!r})\n"
        "assert 'openapi_spec_validator' not in sys.modules\n"
        "assert 'jsonschema' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


VALID_30 = """\
openapi: 3.0.3
info: {title: t, version: "1"}
tags: [{name: pets}, {name: owners}]
paths:
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: integer, format: int32}}
    get:
      operationId: getPet
      parameters:
        - name: limit
          in: query
          schema: {type: integer, minimum: 1, maximum: 100, default: 10}
        - name: sort
          in: query
          schema: {type: string, enum: [asc, desc], default: asc, pattern: "^[a-z]+$"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
  /owners:
    get:
      operationId: listOwners
      responses:
        "200": {$ref: "#/components/responses/Owners"}
components:
  responses:
    Owners:
      description: owners
      content:
        application/json:
          schema:
            type: array
            items: {type: string, maxLength: 5}
            default: [ann, bob]
  schemas:
    Base:
      type: object
      properties: {id: {type: integer}}
    Pet:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          properties: {name: {type: string}}
      required: [id, name]
"""

VALID_31 = (
    VALID_30.replace("openapi: 3.0.3", "openapi: 3.1.0")
    .replace("properties: {name: {type: string}}", "properties: {name: {type: [string, 'null']}}")
)

# One broken document per rule: (name, version, old text, new text) applied to VALID_30/31.
BROKEN: list[tuple[str, str, str, str]] = [
    ("document meta-schema", "3.0", "info: {title: t, version: \"1\"}\n", ""),
    ("duplicate operationId", "3.0", "operationId: listOwners", "operationId: getPet"),
    ("duplicate operationId", "3.1", "operationId: listOwners", "operationId: getPet"),
    ("duplicate tag name", "3.0", "{name: owners}", "{name: pets}"),
    ("template parameter undeclared", "3.0", "/owners:", "/owners/{ownerId}:"),
    ("declared path parameter not in the template", "3.0", "/pets/{petId}:", "/pets/{id}:"),
    ("duplicate parameter", "3.0", "        - name: sort\n          in: query",
     "        - name: limit\n          in: query"),
    ("a paths extension the library walks as a path item", "3.0", "paths:\n",
     "paths:\n  x-note: hello\n"),
    ("unbalanced template", "3.0", "/owners:", "/owners/{ownerId:"),
    ("schema meta-check: pattern", "3.0", 'pattern: "^[a-z]+$"', 'pattern: "(unclosed"'),
    ("schema meta-check: pattern", "3.1", 'pattern: "^[a-z]+$"', 'pattern: "(unclosed"'),
    ("schema meta-check: type", "3.1", "items: {type: string, maxLength: 5}",
     "items: {type: strin, maxLength: 5}"),
    ("schema meta-check: a response schema", "3.1", "schema: {$ref: \"#/components/schemas/Pet\"}",
     "schema: {minLength: -1}"),
    ("unknown dialect", "3.1", "    Base:\n      type: object",
     "    Base:\n      $schema: https://example.com/dialect\n      type: object"),
    ("required names an undefined property", "3.0", "required: [id, name]",
     "required: [id, name, age]"),
    ("required names an undefined property", "3.1", "required: [id, name]",
     "required: [id, name, age]"),
    ("default: type", "3.0", "default: 10}", "default: ten}"),
    ("default: type", "3.1", "default: 10}", "default: ten}"),
    ("default: null without nullable", "3.0", "default: 10}", "default: null}"),
    ("default: minimum", "3.0", "default: 10}", "default: 0}"),
    ("default: maximum", "3.1", "default: 10}", "default: 101}"),
    ("default: enum", "3.0", "default: asc,", "default: up,"),
    ("default: pattern", "3.0", "enum: [asc, desc], default: asc, ", "default: ASC, "),
    ("default: format int32", "3.0", "format: int32}}", "format: int32, default: 4294967296}}"),
    ("default: array items", "3.0", "default: [ann, bob]", "default: [ann, bobbybob]"),
    ("default: array items", "3.1", "default: [ann, bob]", "default: [ann, 5]"),
]


def load_text(tmp_path: Path, text: str) -> SpecDocument:
    path = tmp_path / "openapi.yaml"
    path.write_text(text)
    return load_spec(path, validate=False)


@pytest.mark.parametrize("text", [VALID_30, VALID_31], ids=["3.0", "3.1"])
def test_a_valid_document_is_certainly_valid(tmp_path: Path, text: str) -> None:
    doc = load_text(tmp_path, text)
    assert library_accepts(doc)
    assert certainly_valid(doc)


@pytest.mark.parametrize(("rule", "version", "old", "new"), BROKEN, ids=[f"{b[0]} {b[1]}" for b in BROKEN])
def test_each_broken_document_is_left_to_the_library(
    tmp_path: Path, rule: str, version: str, old: str, new: str
) -> None:
    valid = VALID_30 if version == "3.0" else VALID_31
    assert old in valid, "the case no longer edits the valid document"
    doc = load_text(tmp_path, valid.replace(old, new, 1))
    assert not library_accepts(doc), f"the library accepts the {rule!r} case"
    assert not certainly_valid(doc)
    with pytest.raises(SpecError):
        validate_document(doc)


def test_a_recursive_all_of_is_left_to_the_library(tmp_path: Path) -> None:
    text = VALID_30.replace(
        "        - $ref: \"#/components/schemas/Base\"",
        "        - $ref: \"#/components/schemas/Pet\"",
    )
    doc = load_text(tmp_path, text)
    assert not library_accepts(doc)  # the library recurses without end: a located crash
    assert not certainly_valid(doc)


def test_a_ref_inside_default_data_is_left_to_the_library(tmp_path: Path) -> None:
    doc = load_text(tmp_path, VALID_30.replace(
        "schema: {type: integer, minimum: 1, maximum: 100, default: 10}",
        "schema: {type: object, default: {$ref: '#/components/schemas/Base'}}",
    ))
    assert not certainly_valid(doc)


def test_an_unresolvable_ref_is_left_to_the_library(tmp_path: Path) -> None:
    good = load_text(tmp_path, VALID_30)
    root = {**good.root, "paths": {**good.root["paths"], "/x": {"$ref": "#/nowhere"}}}
    doc = SpecDocument(good.path, root, good.version, good.dialect,
                       MappingProxyType({good.path: root}))
    assert not library_accepts(doc)
    assert not certainly_valid(doc)


def test_another_validator_backend_is_left_to_the_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND", "jsonschema")
    assert not certainly_valid(load_text(tmp_path, VALID_30))
