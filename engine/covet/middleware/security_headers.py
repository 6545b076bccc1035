"""Security headers on every response (``security_headers:`` in covet.yaml)."""

from __future__ import annotations

from covet._settings import Settings

__all__ = ["SecurityHeadersSettings"]


class SecurityHeadersSettings(Settings):
    """Placeholder until the security-headers middleware lands."""

    enabled: bool = False
