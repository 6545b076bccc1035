"""load_spec / SpecDocument: files across $refs, resolution, located errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import covet.spec
import covet.spec._files
from covet.errors import RefResolutionError, SpecError, UnsupportedSpecError
from covet.spec import SpecDocument, load_document, load_spec

SPECS = Path(__file__).parents[1] / "fixtures" / "specs"
MULTI = SPECS / "multi_file"
ERRORS = SPECS / "errors"


def multi_doc() -> SpecDocument:
    return load_spec(MULTI / "openapi.yaml")


def test_spec_package_exports_the_loader_api() -> None:
    assert {"SpecDocument", "load_spec", "load_document"} <= set(covet.spec.__all__)


def test_document_records_path_version_and_dialect() -> None:
    doc = multi_doc()
    assert doc.path == str(MULTI / "openapi.yaml")
    assert os.path.isabs(doc.path)
    assert (doc.version, doc.dialect) == ("3.1.0", "3.1")
    assert doc.root["info"]["title"] == "Multi-file pets"


def test_every_referenced_file_is_loaded_once_by_absolute_path() -> None:
    doc = multi_doc()
    assert sorted(Path(path).relative_to(MULTI).as_posix() for path in doc.files) == [
        "common.yaml",
        "openapi.yaml",
        "paths/orders_{orderId}.yaml",
        "paths/pets.yaml",
        "schemas/pet.yaml",
    ]
    assert doc.files[doc.path] is doc.root


def test_each_file_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    real_read = covet.spec._files.read_file

    def counting_read(path: str) -> bytes:
        reads.append(path)
        return real_read(path)

    monkeypatch.setattr("covet.spec.loader.read_file", counting_read)
    doc = multi_doc()
    assert sorted(reads) == sorted(doc.files)


def test_files_mapping_is_read_only() -> None:
    doc = multi_doc()
    with pytest.raises(TypeError):
        doc.files["x"] = {}  # type: ignore[index]


def test_refs_inside_x_extensions_are_not_followed() -> None:
    doc = multi_doc()
    assert not any(path.endswith((".md", ".cs")) for path in doc.files)
    topics = doc.root["x-topics"][0]["content"]
    assert topics == {"$ref": "docs/getting-started.md"}  # kept as data


def test_refs_inside_example_values_are_data() -> None:
    doc = multi_doc()
    pets = doc.files[str(MULTI / "paths" / "pets.yaml")]
    media = pets["get"]["responses"]["200"]["content"]["application/json"]
    assert media["examples"]["one"]["value"] == [{"$ref": "this-is-example-data.yaml"}]


def test_property_named_like_an_extension_is_a_schema_and_is_followed() -> None:
    doc = multi_doc()
    pet_file = str(MULTI / "schemas" / "pet.yaml")
    owner = doc.files[pet_file]["properties"]["x-owner"]
    assert doc.deref(owner, pet_file, "/properties/x-owner")[0] == {"type": "string"}


def test_whole_file_path_item_with_braces_in_its_name_resolves() -> None:
    doc = multi_doc()
    node, file, pointer = doc.resolve("paths/orders_{orderId}.yaml", doc.path)
    assert file == str(MULTI / "paths" / "orders_{orderId}.yaml")
    assert pointer == ""
    assert node["get"]["operationId"] == "getOrder"


def test_local_ref_in_a_referenced_file_resolves_against_that_file() -> None:
    doc = multi_doc()
    common = str(MULTI / "common.yaml")
    pet_ref = doc.files[common]["components"]["schemas"]["Order"]["properties"]["pet"]
    node, file, pointer = doc.deref(pet_ref, common, "/components/schemas/Order/properties/pet")
    assert file == str(MULTI / "schemas" / "pet.yaml")
    assert pointer == ""
    assert node["required"] == ["id", "name"]


def test_deref_follows_a_chain_across_files() -> None:
    doc = multi_doc()
    pet = doc.root["components"]["schemas"]["Pet"]
    node, file, _ = doc.deref(pet, doc.path, "/components/schemas/Pet")
    assert file.endswith("pet.yaml")
    assert node["type"] == "object"


def test_deref_returns_a_plain_node_unchanged() -> None:
    doc = multi_doc()
    info = doc.root["info"]
    assert doc.deref(info, doc.path, "/info") == (info, doc.path, "/info")


def test_recursive_schema_refs_load() -> None:
    doc = multi_doc()
    pet_file = str(MULTI / "schemas" / "pet.yaml")
    items = doc.files[pet_file]["properties"]["children"]["items"]
    node, file, pointer = doc.resolve(items["$ref"], pet_file)
    assert (file, pointer) == (pet_file, "")
    assert node["properties"]["children"]["items"] is items


@pytest.mark.parametrize(
    ("ref", "pointer", "value"),
    [
        ("#/a~1b", "/a~1b", 1),
        ("#/c~0d", "/c~0d", 2),
        ("#/e%20f", "/e f", 3),
        ("#/g%7Bh%7D", "/g{h}", 4),
        ("#/list/1", "/list/1", 6),
    ],
)
def test_resolve_unescapes_pointers(tmp_path: Path, ref: str, pointer: str, value: int) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(
        '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "components": {},'
        ' "a/b": 1, "c~d": 2, "e f": 3, "g{h}": 4, "list": [5, 6]}'
    )
    doc = load_spec(spec, validate=False)
    assert doc.resolve(ref, doc.path) == (value, doc.path, pointer)


@pytest.mark.parametrize("ref", ["#", ""])
def test_empty_fragment_is_the_whole_file(ref: str) -> None:
    doc = multi_doc()
    assert doc.resolve(ref, doc.path) == (doc.root, doc.path, "")


def test_missing_file_names_the_referencing_file_pointer_and_missing_path() -> None:
    with pytest.raises(RefResolutionError) as caught:
        load_spec(ERRORS / "missing_file.yaml")
    error = caught.value
    assert error.file == str(ERRORS / "missing_file.yaml")
    assert error.pointer == "/paths/~1pets/get/responses/200/content/application~1json/schema"
    assert error.line == 11
    assert str(ERRORS / "schemas" / "nowhere.yaml") in error.message
    assert "'schemas/nowhere.yaml'" in error.message


def test_missing_pointer_names_what_is_missing() -> None:
    with pytest.raises(RefResolutionError) as caught:
        load_spec(ERRORS / "missing_pointer.yaml")
    error = caught.value
    assert error.file == str(ERRORS / "missing_pointer.yaml")
    assert error.pointer == "/paths/~1pets/get/responses/200/content/application~1json/schema"
    assert error.line == 11
    assert "has no 'Nope' under /components/schemas" in error.message


def test_missing_pointer_in_another_file_is_reported_where_the_ref_is() -> None:
    with pytest.raises(RefResolutionError) as caught:
        load_spec(ERRORS / "missing_external_pointer.yaml")
    assert caught.value.file == str(ERRORS / "missing_external_pointer.yaml")
    assert caught.value.pointer == "/components/schemas/Pet"
    assert "schemas.yaml has no 'Gone' under the top level" in caught.value.message


def test_resolve_reports_a_missing_pointer_at_the_given_location() -> None:
    doc = multi_doc()
    with pytest.raises(RefResolutionError) as caught:
        doc.resolve("#/components/schemas/Nope", doc.path, at="/paths/~1pets")
    assert (caught.value.file, caught.value.pointer) == (doc.path, "/paths/~1pets")
    assert caught.value.line == 12


def test_resolve_refuses_a_file_that_is_not_part_of_the_document() -> None:
    doc = multi_doc()
    with pytest.raises(RefResolutionError, match="is not part of this document"):
        doc.resolve("other.yaml", doc.path)


def test_ref_cycle_is_refused_at_load() -> None:
    with pytest.raises(RefResolutionError) as caught:
        load_spec(ERRORS / "cycle.yaml")
    assert "$ref cycle" in caught.value.message
    assert "parameters/A -> cycle.yaml#/components/parameters/B -> " in caught.value.message
    assert caught.value.pointer == "/components/parameters/A"
    assert caught.value.line == 12


def test_deref_detects_a_cycle() -> None:
    doc = multi_doc()
    files = dict(doc.files)
    files[doc.path] = {"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}}
    looped = SpecDocument(doc.path, files[doc.path], "3.1.0", "3.1", files)
    with pytest.raises(RefResolutionError, match=r"\$ref cycle: openapi.yaml#/a -> "):
        looped.deref({"$ref": "#/a"}, doc.path, "/start")


def test_remote_ref_is_unsupported_with_a_fix() -> None:
    with pytest.raises(UnsupportedSpecError) as caught:
        load_spec(ERRORS / "remote_ref.yaml")
    assert "remote $ref 'https://example.com/common.yaml#/responses/Ok'" in caught.value.message
    assert "Download it next to the spec" in caught.value.message
    assert caught.value.pointer == "/paths/~1pets/get/responses/200"
    assert caught.value.line == 7


def test_anchor_ref_is_unsupported_with_a_fix() -> None:
    with pytest.raises(UnsupportedSpecError, match="plain-name fragment") as caught:
        load_spec(ERRORS / "anchor_ref.yaml")
    assert caught.value.pointer == "/components/schemas/Pets/items"


def test_file_uri_refs_are_read_from_disk(tmp_path: Path) -> None:
    (tmp_path / "part.yaml").write_text("Thing: {type: string}\n")
    spec = tmp_path / "openapi.yaml"
    part_uri = (tmp_path / "part.yaml").as_uri()
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
        f"components:\n  schemas:\n    T:\n      $ref: '{part_uri}#/Thing'\n"
    )
    doc = load_spec(spec)
    assert str(tmp_path / "part.yaml") in doc.files


def test_yaml_parse_error_is_located() -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(ERRORS / "bad_syntax.yaml")
    error = caught.value
    assert error.file == str(ERRORS / "bad_syntax.yaml")
    assert error.line == 8
    assert "invalid YAML: did not find expected ',' or ']'" in error.message
    assert "started on line 7" in error.message
    assert "(line 8, column 1)" in error.message


def test_json_parse_error_is_located() -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(ERRORS / "bad_syntax.json")
    assert caught.value.file == str(ERRORS / "bad_syntax.json")
    assert caught.value.line == 4
    assert "invalid JSON: trailing comma is not allowed (line 4, column" in caught.value.message


def test_parse_error_in_a_referenced_file_says_who_referenced_it(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("a: [\n")
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
        "components:\n  schemas:\n    T:\n      $ref: broken.yaml#/a\n"
    )
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert caught.value.file == str(tmp_path / "broken.yaml")
    assert f"referenced from {spec}#/components/schemas/T" in caught.value.message


def test_duplicate_keys_are_a_located_error() -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(ERRORS / "duplicate_key.yaml")
    assert caught.value.line == 8
    assert "duplicate key 'get' (first written on line 5)" in caught.value.message


def test_recursive_yaml_alias_is_a_located_error() -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(ERRORS / "recursive_alias.yaml")
    assert caught.value.pointer == "/components/schemas/Node/properties/next"
    assert caught.value.line == 9
    assert "alias contains itself" in caught.value.message


def test_missing_root_file_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="file not found"):
        load_spec(tmp_path / "nope.yaml")


def test_directory_is_not_a_spec(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="is a directory"):
        load_spec(tmp_path)


def test_json_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_bytes(
        b'\xef\xbb\xbf{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}'
    )
    assert load_spec(spec).version == "3.1.0"


def test_load_document_parses_one_file_with_the_spec_rules() -> None:
    pet = load_document(MULTI / "schemas" / "pet.yaml")
    assert pet["properties"]["status"]["enum"] == ["on", "off", "yes", "no"]
    assert pet["properties"]["opens"]["example"] == "18:00"


def test_unquoted_timestamp_example_stays_a_string() -> None:
    doc = multi_doc()
    order = doc.files[str(MULTI / "common.yaml")]["components"]["schemas"]["Order"]
    assert order["properties"]["placed"]["example"] == "2024-05-01T10:00:00Z"


def test_validate_false_still_checks_references() -> None:
    with pytest.raises(RefResolutionError):
        load_spec(ERRORS / "missing_pointer.yaml", validate=False)


def test_validate_false_skips_spec_validation() -> None:
    doc = load_spec(ERRORS / "missing_responses.yaml", validate=False)
    assert "responses" not in doc.root["paths"]["/pets"]["get"]


def test_resolve_with_a_base_outside_the_document_is_a_ref_error() -> None:
    doc = multi_doc()
    with pytest.raises(RefResolutionError):
        doc.resolve("#/x", "/elsewhere/openapi.yaml")
