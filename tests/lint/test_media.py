"""media-type-no-codec: a declared media type no codec serves is a finding, as at startup."""

from __future__ import annotations

from pathlib import Path

from covet.lint import validate_config, validate_specs

ROOT = Path(__file__).resolve().parents[2]
MEDIA = ROOT / "tests" / "fixtures" / "apps" / "media"
POINTER = "/paths/~1pairs/post/responses/200/content/application~1x-pairs"


def test_a_media_type_without_codec_is_located_at_its_pointer() -> None:
    findings = [f for f in validate_specs([str(MEDIA / "openapi.yaml")]) if f.rule == "media-type-no-codec"]
    assert [(f.severity, f.pointer) for f in findings] == [("error", POINTER)]
    assert "media.codecs" in findings[0].message
    assert findings[0].line is not None


def _config(tmp_path: Path, codecs: str) -> Path:
    config = tmp_path / "covet.yaml"
    config.write_text(
        f"pythonpath: [{ROOT}]\napis:\n  - spec: {MEDIA / 'openapi.yaml'}\n"
        f"    handlers: tests.fixtures.apps.media.handlers\n{codecs}"
    )
    return config


def test_the_codecs_of_covet_yaml_serve_it(tmp_path: Path) -> None:
    config = _config(tmp_path, "media:\n  codecs:\n    application/x-pairs: tests.fixtures.apps.media.codecs:PairsCodec\n")
    assert validate_config(config) == []


def test_a_codec_that_does_not_import_is_config_invalid(tmp_path: Path) -> None:
    config = _config(tmp_path, "media:\n  codecs:\n    application/x-pairs: nowhere.pairs:PairsCodec\n")
    rules = {(f.rule, f.pointer) for f in validate_config(config)}
    assert ("config-invalid", "/media/codecs/application~1x-pairs") in rules
    assert ("media-type-no-codec", POINTER) in rules
