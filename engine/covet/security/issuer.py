"""``tokens: true`` on a bearer scheme: verify with the app's own token manager."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from covet.errors import ConfigError
from covet.providers.base import Provider

__all__ = ["token_manager_for"]


def token_manager_for(config: Any, providers: Mapping[str, Provider]) -> Any:
    raise ConfigError("auth.<scheme>.tokens: the token manager is not wired yet", pointer="/tokens")
