"""The allow-listed UI files: from the openapi-ui-bundles package, with types and versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from openapi_ui_bundles import swagger_ui

from covet.docs.assets import SWAGGER_UI_INIT, redoc_assets, swagger_ui_assets
from covet.errors import ConfigError


def test_swagger_ui_assets_are_a_fixed_list_with_content_types() -> None:
    assets = swagger_ui_assets()
    assert {name: asset.media_type for name, asset in assets.items()} == {
        "swagger-ui.css": "text/css; charset=utf-8",
        "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
        "favicon-32x32.png": "image/png",
        "favicon-16x16.png": "image/png",
        "covet-swagger-ui.js": "text/javascript; charset=utf-8",
    }


def test_redoc_asset_is_the_standalone_bundle_from_the_package() -> None:
    (bundle,) = redoc_assets().values()
    assert bundle.name == "redoc.standalone.js"
    assert bundle.path is not None and Path(bundle.path).stat().st_size > 100_000


def test_package_files_are_served_from_disk_and_the_start_script_from_memory() -> None:
    assets = swagger_ui_assets()
    assert assets["swagger-ui-bundle.js"].path == str(
        Path(swagger_ui.static_path) / "swagger-ui-bundle.js"
    )
    init = assets["covet-swagger-ui.js"]
    assert init.path is None and init.body == SWAGGER_UI_INIT


def test_start_script_fetches_nothing_but_the_spec() -> None:
    script = SWAGGER_UI_INIT.decode()
    assert "validatorUrl: null" in script
    assert "http" not in script


def test_versions_are_stable_and_etags_quote_them() -> None:
    first, second = swagger_ui_assets(), swagger_ui_assets()
    for name, asset in first.items():
        assert asset.version == second[name].version
        assert asset.etag == f'"{asset.version}"'


def test_asset_map_cannot_be_changed() -> None:
    assets = swagger_ui_assets()
    with pytest.raises(TypeError):
        assets["passwd"] = assets["swagger-ui.css"]  # type: ignore[index]


def test_missing_package_file_is_a_config_error_that_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(swagger_ui, "static_path", tmp_path)
    with pytest.raises(ConfigError, match="reinstall openapi-ui-bundles.*docs: false"):
        swagger_ui_assets()
