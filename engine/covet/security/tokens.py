"""Issuing and revoking JWTs (``tokens:`` in covet.yaml)."""

from __future__ import annotations

from covet._settings import Settings

__all__ = ["TokenSettings"]


class TokenSettings(Settings):
    """Placeholder until the token manager lands."""

    secret: str | None = None
