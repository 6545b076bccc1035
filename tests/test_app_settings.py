"""covet.yaml ``settings:``: interpolated, validated at startup, injected as ``settings``, never shown."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from covet.app import CovetApp
from covet.app_settings import AppSettings, SettingsConfig, build_settings
from covet.config import load_config
from covet.errors import BindingError, ConfigError
from covet.testing import TestClient

from .conftest import FIXTURES

SPEC = FIXTURES / "apps" / "settings" / "openapi.yaml"
HANDLERS = "tests.fixtures.apps.settings.handlers"
MODELS = "tests.fixtures.apps.settings.models"
SECRET = "s3cret-from-a-file"


def project(tmp_path: Path, settings: str, handler: str = "show_config") -> Path:
    secret = tmp_path / "api_key"
    secret.write_text(SECRET + "\n")
    config = tmp_path / "covet.yaml"
    config.write_text(
        f"apis: [{{spec: {SPEC}, handlers: {HANDLERS}}}]\n"
        f"operations: {{showConfig: {{handler: '{HANDLERS}:{handler}'}}}}\n"
        "server: {access_log: false}\n"
        + settings.replace("SECRET_FILE", str(secret))
    )
    return config


def serve(config: Path, environ: dict[str, str] | None = None) -> Any:
    app = CovetApp.from_config(config, environ=environ or {})
    return TestClient(app).get("/config")


def test_typed_settings_are_interpolated_validated_and_injected(tmp_path: Path) -> None:
    config = project(tmp_path, (
        f"settings:\n  model: '{MODELS}:AppConfig'\n"
        "  values: {api_key: '${file:SECRET_FILE}', page_size: '${PAGE_SIZE:-20}'}\n"
    ))
    body = serve(config, {"PAGE_SIZE": "50"}).json()
    assert body["type"] == "AppConfig"
    assert body["page_size"] == 50
    assert body["key_length"] == len(SECRET)
    assert SECRET not in body["repr"]


def test_untyped_settings_are_a_read_only_mapping_whose_repr_shows_no_value(tmp_path: Path) -> None:
    config = project(tmp_path, (
        "settings:\n  values:\n    api_key: '${file:SECRET_FILE}'\n"
        "    limits: {page_size: 20, tags: [a, b]}\n"
    ), handler="show_mapping")
    body = serve(config).json()
    assert body["type"] == "AppSettings"
    assert body["items"] == {"api_key": SECRET, "limits": {"page_size": 20, "tags": ["a", "b"]}}
    assert body["repr"] == "AppSettings(keys=['api_key', 'limits'])"


def test_untyped_settings_cannot_be_changed_by_a_handler() -> None:
    settings = AppSettings({"limits": {"tags": ["hidden-tag"]}})
    with pytest.raises(TypeError):
        settings["limits"]["new"] = 1
    assert settings["limits"]["tags"] == ("hidden-tag",)
    assert "hidden-tag" not in repr(settings) and "hidden-tag" not in str(settings["limits"])


def test_a_missing_typed_value_is_a_startup_error_at_its_key(tmp_path: Path) -> None:
    config = project(tmp_path, f"settings: {{model: '{MODELS}:AppConfig', values: {{page_size: 5}}}}\n")
    with pytest.raises(ConfigError) as info:
        CovetApp.from_config(config, environ={})
    assert info.value.pointer == "/settings/values/api_key"
    assert "settings.values.api_key: Field required" in info.value.message
    assert f"{MODELS}:AppConfig" in info.value.message


def test_a_wrong_value_names_its_key_but_never_its_value(tmp_path: Path) -> None:
    config = project(tmp_path, (
        f"settings: {{model: '{MODELS}:AppConfig', values: {{api_key: k, page_size: '${{file:SECRET_FILE}}'}}}}\n"
    ))
    with pytest.raises(ConfigError) as info:
        CovetApp.from_config(config, environ={})
    assert info.value.pointer == "/settings/values/page_size"
    assert "valid integer" in str(info.value)
    assert SECRET not in str(info.value)


def test_a_key_the_model_has_no_field_for_is_refused_with_the_closest_field(tmp_path: Path) -> None:
    config = project(tmp_path, f"settings: {{model: '{MODELS}:AppConfig', values: {{api_key: k, page_sise: 5}}}}\n")
    with pytest.raises(ConfigError) as info:
        CovetApp.from_config(config, environ={})
    assert info.value.pointer == "/settings/values/page_sise"
    assert "did you mean 'page_size'" in info.value.message


def test_a_model_that_sets_extra_itself_is_taken_at_its_word() -> None:
    lenient = build_settings(SettingsConfig(model=f"{MODELS}:Lenient", values={"other": 1}))
    assert lenient.page_size == 20


def test_a_dataclass_model_is_validated_too() -> None:
    assert build_settings(SettingsConfig(model=f"{MODELS}:Plain", values={"page_size": "3"})).page_size == 3
    with pytest.raises(ConfigError) as info:
        build_settings(SettingsConfig(model=f"{MODELS}:Plain", values={}))
    assert info.value.pointer == "/settings/values/page_size"


@pytest.mark.parametrize(
    ("model", "words"),
    [
        (f"{MODELS}.AppConfig", "is not 'module:Class'"),
        ("tests.no_such_module:Settings", "cannot import"),
        (f"{MODELS}:Missing", "cannot import"),
        (f"{MODELS}:NOT_A_MODEL", "is not a model pydantic can validate"),
    ],
)
def test_a_model_that_cannot_be_used_is_a_startup_error_at_settings_model(model: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_settings(SettingsConfig(model=model))
    assert info.value.pointer == "/settings/model"
    assert words in info.value.message


def test_a_key_beside_model_and_values_is_refused_with_the_accepted_keys(tmp_path: Path) -> None:
    config = project(tmp_path, "settings: {api_key: k}\n")
    with pytest.raises(ConfigError) as info:
        load_config(config, environ={})
    assert "unknown key 'settings.api_key' (accepted here: model, values)" in info.value.message


def test_the_config_repr_shows_no_setting_value(tmp_path: Path) -> None:
    config = load_config(project(tmp_path, "settings: {values: {api_key: '${file:SECRET_FILE}'}}\n"), environ={})
    assert config.settings is not None and config.settings.values == {"api_key": SECRET}
    assert SECRET not in repr(config)


def test_without_a_settings_section_no_handler_may_take_settings(tmp_path: Path) -> None:
    with pytest.raises(BindingError) as info:
        CovetApp.from_config(project(tmp_path, "", handler="show_mapping"), environ={})
    assert "'settings' matches nothing" in info.value.message


def test_a_handler_failure_logs_no_untyped_setting_value(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = project(tmp_path, "settings: {values: {api_key: '${file:SECRET_FILE}'}}\n", handler="leak_setting")
    with caplog.at_level(logging.ERROR):
        response = serve(config)
    assert response.status_code == 500
    assert SECRET not in response.text
    assert "api_key" in caplog.text and SECRET not in caplog.text
