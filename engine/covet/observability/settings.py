"""The ``metrics:`` section of covet.yaml (docs/observability.md).

    metrics: true                      # the defaults: GET /metrics
    metrics:
      enabled: true
      path: /metrics                   # served by CovetPy, never counted in its own series
      latency_buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
      size_buckets: [100, 1000, 10000, 100000, 1000000, 10000000]
      sync_interval: 5s                # how often a worker publishes its providers' series

Off unless given. On, it needs prometheus-client (``pip install 'covetpy[metrics]'``).
"""

from __future__ import annotations

import itertools
from typing import Any

from pydantic import Field, field_validator, model_validator

from covet._settings import Settings

__all__ = ["LATENCY_BUCKETS", "SIZE_BUCKETS", "MetricsSettings"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds: from a cached read (about a millisecond) to a request near the server's timeouts."""
SIZE_BUCKETS = (100.0, 1_000.0, 10_000.0, 100_000.0, 1_000_000.0, 10_000_000.0)
"""Bytes: decades from a small JSON body to an upload near the default size limits."""


class MetricsSettings(Settings):
    """Prometheus metrics served at ``path`` (``metrics: true`` for the defaults)."""

    enabled: bool = False
    path: str = "/metrics"
    """Where ``GET`` answers the Prometheus text format; requests to it are not counted."""
    latency_buckets: tuple[float, ...] = LATENCY_BUCKETS
    """Upper bounds, in seconds, of ``covet_http_request_duration_seconds``."""
    size_buckets: tuple[float, ...] = SIZE_BUCKETS
    """Upper bounds, in bytes, of the request and response body size histograms."""
    sync_interval: float = Field(default=5.0, gt=0)
    """Seconds between two publications of the providers' series by each worker of
    ``covet run --workers N`` (a single process reads them when scraped)."""

    @model_validator(mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return {"enabled": bool(value)}
        if isinstance(value, dict) and value and "enabled" not in value:
            return {**value, "enabled": True}  # a metrics: section with keys turns them on
        return value

    @field_validator("path")
    @classmethod
    def _path_shape(cls, value: str) -> str:
        if not value.startswith("/") or "?" in value or "#" in value or "{" in value:
            raise ValueError(f"{value!r} is not a path; write an absolute path such as /metrics")
        return value

    @field_validator("latency_buckets", "size_buckets")
    @classmethod
    def _increasing(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(b <= a for a, b in itertools.pairwise(value)) or value[0] <= 0:
            raise ValueError("buckets are positive upper bounds in increasing order, e.g. [0.01, 0.1, 1]")
        return value

    @field_validator("sync_interval", mode="before")
    @classmethod
    def _duration(cls, value: float | str) -> float:
        from covet.config import parse_duration  # NOTE: covet.config imports this module

        return parse_duration(value)
