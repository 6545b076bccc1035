"""The observed app (tests/observability/app) and a reader of the Prometheus text format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from covet.app import CovetApp

APP = Path(__file__).parent / "app"
SPEC = APP / "openapi.yaml"
HANDLERS = "tests.observability.app.handlers"
CONFIG = APP / "covet.yaml"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value, for every sample of an exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    """One sample's value (0 when absent, as Prometheus would treat a series never touched)."""
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def observed_app() -> Callable[..., CovetApp]:
    """``observed_app(metrics={...}, providers={...})`` -> the observed app, metrics on."""

    def build(*, compile_now: bool = True, **settings: Any) -> CovetApp:
        settings.setdefault("metrics", True)
        settings.setdefault("providers", {"cache": "memory://"})
        return CovetApp.from_spec(SPEC, HANDLERS, compile_now=compile_now, **settings)

    return build
