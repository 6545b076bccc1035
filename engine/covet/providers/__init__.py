"""Providers: backends declared in covet.yaml, opened in lifespan, injected per request."""

from __future__ import annotations

from covet.providers.base import HealthReport, Provider, RequestScope

__all__ = ["HealthReport", "Provider", "RequestScope"]
