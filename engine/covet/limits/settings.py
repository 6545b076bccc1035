"""The ``rate_limits:`` section of covet.yaml (and ``operations.<id>.rate_limit``)."""

from __future__ import annotations

from covet._settings import Settings

__all__ = ["RateLimitSettings"]


class RateLimitSettings(Settings):
    """Placeholder until the rate-limit step lands: no policy, nothing limited."""

    default: str | None = None
