"""``providers.cache`` in covet.yaml: one cache, or several by name.

    providers:
      cache:
        url: redis://127.0.0.1:6379/0     # memory:// (the default), memcached://host:11211
        namespace: myapp                  # put before every key: one per app sharing a server
        default_ttl: 5m                   # what set() uses when given no ttl
        timeout: 100ms                    # one call to the server, then it counts as down
    providers:
      cache:
        tiers: [memory://, redis://127.0.0.1:6379/0]   # L1 in front of L2, backfilled on a hit

See docs/caching.md and :mod:`covet.providers.cache`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from covet._settings import Settings

__all__ = ["CACHE_SCHEMES", "CacheSettings"]

CACHE_SCHEMES = ("memory", "redis", "rediss", "unix", "memcached")
"""The URL schemes a cache (or a tier of one) may have."""

_NAMESPACE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class CacheSettings(Settings):
    """One cache: its backend (or tiers of backends), key namespace, TTL and outage policy."""

    url: str | None = None
    """``memory://`` (per process, the default), ``redis://[:password@]host:port/db``
    (``rediss://`` for TLS, ``unix://`` for a socket) or ``memcached://host:port``."""
    tiers: tuple[str, ...] = ()
    """Two or more cache URLs, nearest first (``[memory://, redis://...]`` or
    ``[redis://..., memcached://...]``): a read tries each in turn and copies a hit into the
    tiers it missed; a write goes to every tier. Instead of ``url``."""
    namespace: str = "covet"
    """Put before every key (``namespace:key``): one per app sharing a server."""
    default_ttl: float = Field(default=300.0, gt=0)
    """Seconds a value lives when ``set`` is given no ``ttl``."""
    max_entries: int = Field(default=10_000, ge=1)
    """``memory://``: at most this many values; the least recently used go first."""
    max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    """``memory://``: at most this many bytes of keys and values (``64MiB``)."""
    timeout: float = Field(default=0.1, gt=0)
    """Seconds one call to a server may take (connecting included) before it counts as down:
    a read misses, a write is skipped."""
    cooldown: float = Field(default=1.0, ge=0)
    """Seconds after a failure during which a server is not asked again (each call misses at
    once instead of waiting out ``timeout``)."""
    warn_interval: float = Field(default=60.0, gt=0)
    """Seconds between two warnings about a failing server (every failure is counted)."""
    required: bool = False
    """Whether ``/health`` answers 503 while this cache is down (a cache outage costs speed,
    not correctness, so by default it is reported but does not fail the check)."""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None:
            _check_url(value)
        return value

    @field_validator("tiers", mode="before")
    @classmethod
    def _tiers(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if len(value) < 2:
                raise ValueError("give two or more tiers, nearest first, or one url: instead")
            for entry in value:
                _check_url(str(entry))
        return value

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        if not _NAMESPACE.match(value):
            raise ValueError(
                f"{value!r}: a namespace is 1 to 64 letters, digits and _ . : - (no spaces)"
            )
        return value

    @field_validator("default_ttl", "timeout", "cooldown", "warn_interval", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        from covet.config import parse_duration  # NOTE: covet.config imports this module

        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("max_bytes", mode="before")
    @classmethod
    def _size(cls, value: Any) -> Any:
        from covet.config import parse_size  # NOTE: covet.config imports this module

        return parse_size(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_backend(self) -> CacheSettings:
        if self.url is not None and self.tiers:
            raise ValueError("give either url: or tiers:, not both")
        return self

    @property
    def urls(self) -> tuple[str, ...]:
        """The backends, nearest first (``memory://`` when neither url nor tiers is set)."""
        return self.tiers or (self.url or "memory://",)


def scheme_of(url: str) -> str:
    """``redis://h:6379/0`` -> ``redis``."""
    return url.split("://", 1)[0].lower() if "://" in url else ""


def _check_url(url: str) -> None:
    if scheme_of(url) not in CACHE_SCHEMES:
        raise ValueError(
            f"{redact(url)!r} is not a cache URL; write memory://, redis://host:6379/0 or "
            "memcached://host:11211"
        )


def redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)
