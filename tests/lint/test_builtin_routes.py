"""The built-in routes the linter checks are the ones the app serves."""

from __future__ import annotations

import pytest

from covet.config import DocsConfig
from covet.docs.routes import docs_routes
from covet.lint.builtin_routes import docs_paths
from covet.spec import load_spec

from .helpers import fixture

CONFIGS = [
    DocsConfig.model_validate(settings)
    for settings in (
        {},
        {"openapi_yaml": False, "redoc": False},
        {"swagger_ui": "", "openapi_json": "api/spec.json"},
        {"openapi_json": False, "openapi_yaml": False, "swagger_ui": False, "redoc": False},
    )
]


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("prefix", ["", "/v1"])
def test_docs_paths_agree_with_the_docs_routes(config: DocsConfig, prefix: str) -> None:
    spec = load_spec(fixture("clean.yaml"), validate=False)
    served = docs_routes(spec, prefix, config)
    assert docs_paths(prefix, config) == [(route.path, route.key) for route in served]


def test_health_routes_follow_the_config(tmp_path: object) -> None:
    from pathlib import Path

    from covet.config import config_from_mapping
    from covet.lint.builtin_routes import health_routes

    base = {"apis": [{"spec": "openapi.yaml"}]}
    on = config_from_mapping(base, base_dir=Path(str(tmp_path)))
    off = config_from_mapping(
        {**base, "health": {"path": None, "ready": None, "live": "/livez"}},
        base_dir=Path(str(tmp_path)),
    )
    assert [(r.path, r.pointer) for r in health_routes(on)] == [
        ("/health", "/health/path"), ("/health/ready", "/health/ready"),
        ("/health/live", "/health/live"),
    ]
    assert [(r.path, r.pointer) for r in health_routes(off)] == [("/livez", "/health/live")]
