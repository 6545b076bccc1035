"""Version policy: 3.0.x and 3.1.x served, 3.2.x served with 3.1 rules, the rest refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from covet.errors import SpecError, UnsupportedSpecError
from covet.spec import load_spec

VERSIONS = Path(__file__).parents[1] / "fixtures" / "specs" / "versions"


@pytest.mark.parametrize(
    ("name", "version", "dialect"),
    [
        ("v30_patch.yaml", "3.0.4", "3.0"),
        ("v31_prerelease.yaml", "3.1.1-rc1", "3.1"),
        ("v32.yaml", "3.2.0", "3.1"),
    ],
)
def test_served_versions_and_their_dialect(name: str, version: str, dialect: str) -> None:
    doc = load_spec(VERSIONS / name)
    assert (doc.version, doc.dialect) == (version, dialect)


def test_swagger_2_is_refused_with_a_conversion_hint() -> None:
    with pytest.raises(UnsupportedSpecError) as caught:
        load_spec(VERSIONS / "swagger2.yaml")
    error = caught.value
    assert error.message.startswith("Swagger 2.0 is not supported; convert it to OpenAPI 3")
    assert "swagger2openapi" in error.message
    assert (error.pointer, error.line) == ("/swagger", 1)


def test_unknown_major_version_is_unsupported() -> None:
    with pytest.raises(UnsupportedSpecError, match="OpenAPI 4.0.0 is not supported") as caught:
        load_spec(VERSIONS / "openapi4.yaml")
    assert (caught.value.pointer, caught.value.line) == ("/openapi", 1)


def test_newer_minor_version_is_unsupported(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.3.0\ninfo: {title: t, version: '1'}\npaths: {}\n")
    with pytest.raises(UnsupportedSpecError, match="3.3.0 is not supported"):
        load_spec(spec)


def test_unquoted_version_number_asks_for_quotes() -> None:
    with pytest.raises(SpecError, match="must be a string such as") as caught:
        load_spec(VERSIONS / "openapi_number.yaml")
    assert not isinstance(caught.value, UnsupportedSpecError)
    assert "quote it" in caught.value.message


def test_version_without_patch_is_refused() -> None:
    with pytest.raises(SpecError, match="write major.minor.patch"):
        load_spec(VERSIONS / "openapi_short.yaml")


def test_document_without_openapi_field_names_its_keys() -> None:
    with pytest.raises(
        SpecError, match=r"no 'openapi' field at the top level \(keys: info, paths\)"
    ):
        load_spec(VERSIONS / "no_openapi.yaml")


@pytest.mark.parametrize(("name", "kind"), [("list_root.yaml", "a list"), ("empty.yaml", "empty")])
def test_top_level_must_be_a_mapping(name: str, kind: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(VERSIONS / name)
    assert f"the top level is {kind}" in caught.value.message
    assert (caught.value.file, caught.value.pointer) == (str(VERSIONS / name), "")


def test_version_3_2_query_operations_are_refused_not_dropped() -> None:
    with pytest.raises(UnsupportedSpecError, match="'query' operations are not served") as caught:
        load_spec(VERSIONS / "v32_query.yaml")
    assert (caught.value.pointer, caught.value.line) == ("/paths/~1pets/query", 5)
