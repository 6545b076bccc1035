"""covet.yaml's errors: the problem body by default, or one renderer; wrong keys name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from covet.config import config_from_mapping, load_config
from covet.error_bodies.settings import ErrorsSettings
from covet.errors import ConfigError


def config(errors: object) -> ErrorsSettings:
    raw = {"apis": [{"spec": "openapi.yaml"}], "errors": errors}
    return config_from_mapping(raw, base_dir=Path(".")).errors


def test_the_default_is_the_problem_body_with_the_startup_check_on() -> None:
    settings = config({})
    assert (settings.format, settings.renderer, settings.check, settings.custom) == (
        None, None, True, False
    )


def test_a_renderer_is_a_module_function_reference() -> None:
    settings = config({"renderer": "myapi.errors:render", "check": False})
    assert (settings.renderer, settings.check, settings.custom) == ("myapi.errors:render", False, True)


@pytest.mark.parametrize(
    ("errors", "pointer", "says"),
    [
        ({"renderer": "myapi.errors.render"}, "/errors/renderer", "package.module:function"),
        ({"format": "json"}, "/errors/format", "problem"),
        ({"format": "problem", "renderer": "a:b"}, "/errors", "not both"),
        ({"render": "a:b"}, "/errors/render", "accepted here: check, format, renderer"),
    ],
)
def test_a_wrong_errors_section_is_a_config_error_naming_the_key(
    errors: object, pointer: str, says: str
) -> None:
    with pytest.raises(ConfigError) as info:
        config(errors)
    assert info.value.pointer == pointer
    assert says in str(info.value)


def test_load_config_reads_errors_from_covet_yaml(tmp_path: Path) -> None:
    (tmp_path / "covet.yaml").write_text(
        "apis: [{spec: openapi.yaml}]\nerrors:\n  renderer: ${RENDERER:-myapi.errors:render}\n"
    )
    assert load_config(tmp_path / "covet.yaml", {}).errors.renderer == "myapi.errors:render"
