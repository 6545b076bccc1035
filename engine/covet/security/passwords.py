"""Password hashing (``passwords:`` in covet.yaml)."""

from __future__ import annotations

from covet._settings import Settings

__all__ = ["PasswordSettings"]


class PasswordSettings(Settings):
    """Placeholder until the password hasher lands."""

    rounds: int = 12
