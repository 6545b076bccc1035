"""docs/observability.md lists every series the metrics layer registers, and no other; its
examples are what the code does."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from covet.app import CovetApp
from covet.observability.metrics import MetricsMiddleware
from covet.observability.settings import LATENCY_BUCKETS, SIZE_BUCKETS

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "observability.md").read_text()


def test_the_series_table_is_every_registered_series(observed_app: Callable[..., CovetApp]) -> None:
    chain = observed_app(server={"access_log": False})._compiled_chain()
    assert isinstance(chain, MetricsMiddleware) and chain.registry is not None
    registered = {family.name for family in chain.registry.collect()}
    rows = [line for line in PAGE.splitlines() if line.startswith("| `covet_")]
    documented = {
        name.removesuffix("_total")
        for row in rows for name in re.findall(r"`(covet_[a-z_]+)`", row.split("|")[1])
    }
    assert documented == registered


def test_the_documented_buckets_are_the_defaults() -> None:
    assert f"latency_buckets: [{', '.join(f'{b:g}' for b in LATENCY_BUCKETS)}]" in PAGE
    assert f"size_buckets: [{', '.join(str(int(b)) for b in SIZE_BUCKETS)}]" in PAGE
