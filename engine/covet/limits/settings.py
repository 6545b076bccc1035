"""The ``rate_limits:`` section of covet.yaml (and ``operations.<id>.rate_limit``).

    rate_limits:
      default: 100/minute              # every operation without its own policy; unset: none
      key: [ip, operation]             # what one counter is per: ip, user, operation
      storage: redis://127.0.0.1:6379/0   # or memory:// (per process, the default)
      key_prefix: "myapp:rl:"
      timeout: 50ms                    # then the store counts as down
      on_error: open                   # down store: open (allow, warn) or closed (503)
      trusted_proxies: [10.0.0.0/8]    # peers whose X-Forwarded-For / Forwarded is believed
    operations:
      login: {rate_limit: 5/minute}    # replaces the default for this operation

See docs/rate-limits.md.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Literal

from pydantic import Field, field_validator

from covet._settings import Settings
from covet.limits.policy import Rate, parse_policy

__all__ = ["KeyPart", "RateLimitSettings"]

KeyPart = Literal["ip", "user", "operation"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$", re.IGNORECASE)
_STORAGE_SCHEMES = ("memory://", "redis://", "rediss://", "unix://")


class RateLimitSettings(Settings):
    """How requests are counted, where, and what happens when the counter store is down."""

    default: tuple[Rate, ...] | None = None
    """The policy of every operation that sets none itself; ``None``: those are not limited."""
    key: tuple[KeyPart, ...] = ("ip", "operation")
    """What one counter is per: the client ``ip``, the authenticated ``user`` (the client IP
    when anonymous) and/or the ``operation``."""
    storage: str = "memory://"
    """``memory://`` (each process counts alone) or ``redis://host:port/db`` (shared)."""
    key_prefix: str = Field(default="covet:rl:", min_length=1)
    """Put before every Redis key; one per app sharing a Redis."""
    timeout: float = Field(default=0.05, gt=0)
    """Seconds one store call may take (connecting included) before it counts as failed."""
    on_error: Literal["open", "closed"] = "open"
    """A failed store call: ``open`` lets the request through (and logs a warning at most once
    per ``warn_interval``), ``closed`` answers 503."""
    warn_interval: float = Field(default=60.0, gt=0)
    """Seconds between two warnings about a failing store."""
    cooldown: float = Field(default=1.0, ge=0)
    """Seconds after a failure during which the store is not asked again (each request fails
    open or closed at once, instead of waiting out ``timeout``)."""
    trusted_proxies: tuple[Network, ...] = ()
    """Peers (IPs or CIDRs) whose ``Forwarded`` / ``X-Forwarded-For`` name the client."""
    headers: bool = True
    """Send ``RateLimit-Policy`` and ``RateLimit`` on every response of a limited operation."""

    @field_validator("default", mode="before")
    @classmethod
    def _policy(cls, value: Any) -> tuple[Rate, ...] | None:
        return parse_policy(value)

    @field_validator("key", mode="before")
    @classmethod
    def _key_parts(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if isinstance(value, (list, tuple)):
            if not value:
                raise ValueError("give at least one of ip, user, operation")
            return tuple(dict.fromkeys(value))
        return value

    @field_validator("storage")
    @classmethod
    def _storage_url(cls, value: str) -> str:
        if not value.startswith(_STORAGE_SCHEMES):
            raise ValueError(
                f"{value!r} is not a rate-limit store; write memory:// or redis://host:6379/0"
            )
        return value

    @field_validator("timeout", "warn_interval", "cooldown", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _DURATION.match(value)
            if match is None:
                raise ValueError(f"{value!r} is not a duration; write e.g. 50ms or 0.05")
            number, unit = match.groups()
            return float(number) / (1000.0 if (unit or "").lower() == "ms" else 1.0)
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            return value
        networks = []
        for entry in value:
            try:
                networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network; write e.g. 10.0.0.1 or 10.0.0.0/8"
                ) from None
        return tuple(networks)
