"""The ``cache`` provider: covet.yaml's ``providers.cache``, injected by parameter name.

The default cache is injected as ``cache``; other named caches under their own names::

    providers:
      cache:
        default: {url: "redis://127.0.0.1:6379/0"}
        sessions: {url: "memory://", default_ttl: 30m}

    async def get_post(post_id: int, cache: Cache, sessions: Cache) -> dict: ...

Backends are found by URL scheme in :data:`CACHE_BACKENDS` (``"module:Class"``), imported once
at startup: an app with only ``memory://`` never imports redis-py or aiomcache.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import import_module

from covet.errors import ConfigError
from covet.providers.base import ConstantScope, HealthReport
from covet.providers.cache._cache import Cache
from covet.providers.cache._guard import Backend, Guard
from covet.providers.cache.memory import MemoryBackend
from covet.providers.cache.settings import CacheSettings, redact, scheme_of
from covet.request import Request

__all__ = ["CACHE_BACKENDS", "CacheProvider", "build_backend", "build_cache"]

CACHE_BACKENDS: dict[str, str] = {
    "memory": "covet.providers.cache.memory:MemoryBackend",
    "redis": "covet.providers.cache.redis:RedisBackend",
    "rediss": "covet.providers.cache.redis:RedisBackend",
    "unix": "covet.providers.cache.redis:RedisBackend",
    "memcached": "covet.providers.cache.memcached:MemcachedBackend",
}
"""URL scheme -> the backend class (DESIGN.md §12: the provider registry)."""



class CacheProvider:
    """Opens, injects, reports on and closes the configured caches.

    Args:
        settings: name -> settings (``default`` is injected as ``cache``).
    """

    def __init__(self, settings: Mapping[str, CacheSettings]) -> None:
        self.settings = dict(settings)
        self.caches = {name: build_cache(name, entry) for name, entry in self.settings.items()}
        self.names: Sequence[str] = tuple(_parameter(name) for name in self.caches)
        # PERF: one shared scope per cache, nothing allocated per request
        self._scopes = {_parameter(name): ConstantScope(cache) for name, cache in self.caches.items()}

    async def open(self) -> None:
        """Nothing to connect: pools connect on first use (a cache server down at startup is
        a cache that misses until it answers, not a failed start)."""

    async def close(self) -> None:
        for cache in self.caches.values():
            await cache.close()

    def begin(self, name: str, request: Request | None = None) -> ConstantScope:
        return self._scopes[name]

    async def health(self) -> list[HealthReport]:
        reports: list[HealthReport] = []
        for name, cache in self.caches.items():
            reports.extend(await cache.health(required=self.settings[name].required))
        return reports


def build_cache(name: str, settings: CacheSettings) -> Cache:
    """The cache ``settings`` describe, its backends built (not connected).

    Raises:
        ConfigError: a backend's client library is not installed (located at the URL's key).
    """
    tiers: list[Backend | Guard] = []
    for index, url in enumerate(settings.urls):
        pointer = f"/providers/cache/{name}/" + (f"tiers/{index}" if settings.tiers else "url")
        backend = build_backend(url, settings, pointer)
        if backend.remote:
            tiers.append(Guard(
                backend, _parameter(name), timeout=settings.timeout,
                cooldown=settings.cooldown, warn_interval=settings.warn_interval,
            ))
        else:
            tiers.append(backend)
    return Cache(tiers, namespace=settings.namespace, default_ttl=settings.default_ttl,
                 name=_parameter(name))


def build_backend(url: str, settings: CacheSettings, pointer: str) -> Backend:
    """The backend for ``url``, by its scheme (:data:`CACHE_BACKENDS`)."""
    scheme = scheme_of(url)
    if scheme == "memory":
        return MemoryBackend(settings.max_entries, settings.max_bytes)
    target = CACHE_BACKENDS[scheme]
    module, _, attr = target.partition(":")
    try:
        factory = getattr(import_module(module), attr)
    except ImportError as exc:
        raise ConfigError(
            f"cache {redact(url)!r} needs a client library that is not installed ({exc}); "
            "for memcached://, pip install 'covetpy[memcached]'",
            pointer=pointer,
        ) from exc
    if scheme == "memcached":
        backend: Backend = factory(url)
    else:
        backend = factory(url, timeout=settings.timeout)
    return backend


def _parameter(name: str) -> str:
    return "cache" if name == "default" else name
