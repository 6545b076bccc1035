"""CORS for one api (``apis[].cors`` in covet.yaml)."""

from __future__ import annotations

from covet._settings import Settings

__all__ = ["CorsSettings"]


class CorsSettings(Settings):
    """Placeholder until the CORS middleware lands."""

    allow_origins: tuple[str, ...] = ()
