"""The one shared fixture: a factory for apps built from the fixture specs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from covet.app import CovetApp

FIXTURES = Path(__file__).parent / "fixtures"
SHOP_SPEC = FIXTURES / "apps" / "shop" / "openapi.yaml"
SHOP_HANDLERS = "tests.fixtures.apps.shop.handlers"


@pytest.fixture
def shop_app() -> Callable[..., CovetApp]:
    """``shop_app(limits={...}, validate_responses=True, ...)`` -> a compiled shop app."""

    def build(**settings: Any) -> CovetApp:
        return CovetApp.from_spec(SHOP_SPEC, SHOP_HANDLERS, **settings)

    return build
