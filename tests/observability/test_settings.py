"""metrics: in covet.yaml: off unless given, ``true`` or a section with keys turns it on,
bad values are located errors at load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from covet.config import CovetConfig, config_from_mapping
from covet.errors import ConfigError
from covet.observability.settings import LATENCY_BUCKETS


def load(**raw: Any) -> CovetConfig:
    return config_from_mapping({"apis": [], **raw}, base_dir=Path.cwd())


def test_off_unless_given() -> None:
    assert load().metrics.enabled is False
    assert load(metrics=False).metrics.enabled is False
    assert load(metrics=None).metrics.enabled is False


def test_true_gives_the_defaults() -> None:
    metrics = load(metrics=True).metrics
    assert (metrics.enabled, metrics.path, metrics.latency_buckets) == (True, "/metrics", LATENCY_BUCKETS)


def test_a_section_with_keys_turns_them_on_unless_it_says_otherwise() -> None:
    assert load(metrics={"path": "/internal/metrics"}).metrics.enabled is True
    assert load(metrics={"enabled": False, "path": "/m"}).metrics.enabled is False
    assert load(metrics={"sync_interval": "500ms"}).metrics.sync_interval == 0.5


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ({"path": "metrics"}, "metrics.path: .*write an absolute path"),
        ({"latency_buckets": [1, 0.5]}, "metrics.latency_buckets: .*increasing order"),
        ({"size_buckets": []}, "metrics.size_buckets: .*increasing order"),
        ({"port": 9100}, r"unknown key 'metrics.port' \(accepted here: enabled, latency_buckets, path"),
    ],
)
def test_bad_values_are_located_errors(metrics: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(metrics=metrics)


def test_log_format_is_text_unless_json() -> None:
    assert load().server.log_format == "text"
    assert load(server={"log_format": "json"}).server.log_format == "json"
    with pytest.raises(ConfigError, match="server.log_format"):
        load(server={"log_format": "xml"})
