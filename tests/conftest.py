"""The one shared fixture: a factory for apps built from the fixture specs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from covet.app import CovetApp

# NOTE: the reference app's covet.yaml reads its JWT secret from the environment, with no default
# on purpose (`make run` makes one); tests that load it get this test-only secret, subprocesses too.
os.environ.setdefault("COVET_JWT_SECRET", "test-only-jwt-secret-never-used-outside-tests-0123456789")
# NOTE: tests build the same specs over and over, and must not write to the user's cache
# directory; tests/spec/test_cache.py turns the spec cache on where it is the subject.
os.environ.setdefault("COVET_SPEC_CACHE", "off")

FIXTURES = Path(__file__).parent / "fixtures"
SHOP_SPEC = FIXTURES / "apps" / "shop" / "openapi.yaml"
SHOP_HANDLERS = "tests.fixtures.apps.shop.handlers"


@pytest.fixture
def shop_app() -> Callable[..., CovetApp]:
    """``shop_app(limits={...}, validate_responses=True, ...)`` -> a compiled shop app."""

    def build(**settings: Any) -> CovetApp:
        return CovetApp.from_spec(SHOP_SPEC, SHOP_HANDLERS, **settings)

    return build
