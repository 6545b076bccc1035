"""bundle_spec: one self-contained document that still compiles to the same operations."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from covet.docs import bundle_spec
from covet.docs.encoding import encode_json
from covet.errors import SpecError
from covet.spec import load_spec
from covet.spec._refs import iter_refs
from tests.spec.corpus import require_corpus

from .equivalence import compiled_shapes, load_bundle

SPECS = Path(__file__).resolve().parents[1] / "fixtures" / "specs"
BUNDLE = SPECS / "bundle" / "openapi.yaml"
CORPUS_SPLIT_SPECS = (
    "connexion/examples/splitspecs/spec/openapi.yaml",
    "redocly-openapi-starter/openapi/openapi.yaml",
)


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return bundle_spec(load_spec(BUNDLE), prefix="/v1")


def external_refs(document: dict[str, Any]) -> list[str]:
    return [ref for ref, _ in iter_refs(document) if not ref.startswith("#")]


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    return document["components"]["schemas"]  # type: ignore[no-any-return]


def corpus_spec(root: str) -> Path:
    return require_corpus() / root


# -- self-contained, valid, same operations ------------------------------------------------


@pytest.mark.parametrize(
    "path", [BUNDLE, SPECS / "multi_file" / "openapi.yaml"], ids=lambda p: p.parent.name
)
def test_multi_file_fixture_bundles_to_a_valid_document_with_the_same_operations(
    path: Path,
) -> None:
    spec = load_spec(path)
    bundled = bundle_spec(spec)
    assert external_refs(bundled) == []
    assert compiled_shapes(load_bundle(bundled)) == compiled_shapes(spec)


@pytest.mark.parametrize("root", CORPUS_SPLIT_SPECS)
def test_corpus_split_spec_bundles_to_a_valid_document_with_the_same_operations(root: str) -> None:
    spec = load_spec(corpus_spec(root))
    assert len(spec.files) > 1
    bundled = bundle_spec(spec, prefix="/v2")
    assert external_refs(bundled) == []
    assert compiled_shapes(load_bundle(bundled)) == compiled_shapes(spec)


def test_redocly_starter_hoists_its_files_under_their_names() -> None:
    bundled = bundle_spec(load_spec(corpus_spec(CORPUS_SPLIT_SPECS[1])))
    components = bundled["components"]
    assert {"MenuItem", "Beverage", "Dessert", "Order"} <= set(components["schemas"])
    assert {"Limit", "OrderId"} <= set(components["parameters"])
    assert "BadRequest" in components["responses"]
    mapping = components["schemas"]["MenuItem"]["discriminator"]["mapping"]
    assert mapping == {
        "beverage": "#/components/schemas/Beverage",
        "dessert": "#/components/schemas/Dessert",
    }


def test_a_spec_in_one_file_comes_back_unchanged_but_for_servers() -> None:
    spec = load_spec(SPECS / "validation" / "valid_31.yaml")
    bundled = bundle_spec(spec)
    assert {k: v for k, v in bundled.items() if k != "servers"} == {
        k: v for k, v in spec.root.items() if k != "servers"
    }


# -- where things go ------------------------------------------------------------------------


def test_external_objects_are_hoisted_into_the_components_section_of_their_kind(
    bundle: dict[str, Any],
) -> None:
    get = bundle["paths"]["/pets"]["get"]
    assert get["parameters"][0] == {"$ref": "#/components/parameters/Limit"}
    assert get["responses"]["404"] == {"$ref": "#/components/responses/NotFound"}
    assert bundle["components"]["parameters"]["Offset"]["name"] == "offset"


def test_root_component_that_only_points_to_a_file_lends_it_its_name(
    bundle: dict[str, Any],
) -> None:
    pet = schemas(bundle)["Pet"]
    assert pet["required"] == ["id", "name"]
    assert "pet" not in schemas(bundle)
    assert bundle["components"]["parameters"]["Limit"]["name"] == "limit"


def test_recursive_external_schema_stays_recursive(bundle: dict[str, Any]) -> None:
    pet = schemas(bundle)["Pet"]
    assert pet["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Pet"}


def test_reference_into_a_hoisted_object_points_inside_it(bundle: dict[str, Any]) -> None:
    nickname = schemas(bundle)["Pet"]["properties"]["nickname"]
    assert nickname == {"$ref": "#/components/schemas/Pet/properties/name"}


def test_same_name_from_several_files_gets_numbered_names(bundle: dict[str, Any]) -> None:
    items = bundle["paths"]["/errors"]["get"]["responses"]["200"]["content"]["application/json"]
    refs = [branch["$ref"] for branch in items["schema"]["items"]["anyOf"]]
    assert refs == [
        "#/components/schemas/Error",
        "#/components/schemas/Error_2",
        "#/components/schemas/Error_3",
    ]
    assert schemas(bundle)["Error_2"]["properties"] == {"message": {"type": "string"}}
    assert schemas(bundle)["Error_3"]["properties"] == {"detail": {"type": "string"}}


def test_reference_back_into_the_root_file_becomes_a_local_one(bundle: dict[str, Any]) -> None:
    not_found = bundle["components"]["responses"]["NotFound"]
    assert not_found["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_path_items_are_inlined(bundle: dict[str, Any]) -> None:
    assert "$ref" not in bundle["paths"]["/pets"]
    assert bundle["paths"]["/pets/{petId}"]["get"]["operationId"] == "getPet"


def test_discriminator_mapping_references_are_rewritten_and_names_kept(
    bundle: dict[str, Any],
) -> None:
    animal = schemas(bundle)["animal"]
    assert animal["discriminator"]["mapping"] == {
        "cat": "#/components/schemas/cat",
        "dog": "#/components/schemas/dog",
        "pet": "Pet",
    }
    assert [b["$ref"] for b in animal["oneOf"]] == [
        "#/components/schemas/cat",
        "#/components/schemas/dog",
        "#/components/schemas/Pet",
    ]


def test_reference_object_keeps_only_ref_summary_and_description(bundle: dict[str, Any]) -> None:
    offset = bundle["paths"]["/pets"]["get"]["parameters"][1]
    assert offset == {
        "$ref": "#/components/parameters/Offset",
        "description": "Where the page starts.",
    }


def test_root_local_references_are_kept_as_written(bundle: dict[str, Any]) -> None:
    items = bundle["paths"]["/errors"]["get"]["responses"]["200"]["content"]["application/json"]
    assert items["schema"]["items"]["anyOf"][0] == {"$ref": "#/components/schemas/Error"}


def test_refs_in_extensions_and_example_data_are_left_as_they_are(bundle: dict[str, Any]) -> None:
    assert bundle["x-topics"][0]["content"] == {"$ref": "guide.md"}
    get = bundle["paths"]["/pets"]["get"]
    assert get["x-codeSamples"][0]["source"] == {"$ref": "../samples/list.sh"}
    example = get["responses"]["200"]["content"]["application/json"]["examples"]["one"]
    assert example["value"] == [{"$ref": "not-a-reference.yaml"}]


def test_servers_put_the_mount_first_and_keep_absolute_ones(bundle: dict[str, Any]) -> None:
    assert bundle["servers"] == [
        {"url": "/v1", "description": "Local"},
        {"url": "https://pets.example.com/v1", "description": "Production"},
    ]
    assert list(bundle)[:3] == ["openapi", "info", "servers"]


def test_servers_are_added_after_info_when_the_document_has_none() -> None:
    bundled = bundle_spec(load_spec(SPECS / "multi_file" / "openapi.yaml"), prefix="/v1")
    assert bundled["servers"] == [{"url": "/v1"}]
    assert list(bundled)[:3] == ["openapi", "info", "servers"]


# -- purity and errors ----------------------------------------------------------------------


def test_bundling_leaves_the_spec_untouched_and_is_deterministic() -> None:
    spec = load_spec(BUNDLE)
    files = copy.deepcopy(dict(spec.files))
    first = bundle_spec(spec)
    first["components"]["schemas"]["Pet"]["required"].append("mutated")
    assert dict(spec.files) == files
    assert encode_json(bundle_spec(spec)) == encode_json(bundle_spec(load_spec(BUNDLE)))


def test_component_names_are_made_of_safe_characters(tmp_path: Path) -> None:
    (tmp_path / "my pet (v2).yaml").write_text("type: object\n")
    (tmp_path / "list.yaml").write_text("- {type: string}\n")
    root = tmp_path / "api.yaml"
    root.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n"
        "        '200':\n          description: ok\n          content:\n            application/json:\n"
        "              schema:\n                anyOf:\n"
        "                  - $ref: 'my%20pet%20(v2).yaml'\n                  - $ref: 'list.yaml#/0'\n"
    )
    bundled = bundle_spec(load_spec(root))
    assert list(schemas(bundled)) == ["my_pet__v2_", "list_0"]


def test_a_path_item_that_contains_itself_cannot_be_inlined(tmp_path: Path) -> None:
    (tmp_path / "item.yaml").write_text(
        "post:\n  responses: {'200': {description: ok}}\n"
        "  callbacks:\n    again:\n      '{$request.body#/url}':\n        $ref: item.yaml\n"
    )
    root = tmp_path / "api.yaml"
    root.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    $ref: item.yaml\n"
    )
    with pytest.raises(SpecError, match="leads back to itself") as info:
        bundle_spec(load_spec(root))
    assert info.value.file == str(tmp_path / "item.yaml")
