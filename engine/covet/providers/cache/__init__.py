"""Caches declared in covet.yaml (``providers.cache``), injected into handlers as ``cache``.

``memory://`` (an in-process LRU with TTLs, the default), ``redis://`` (redis-py asyncio),
``memcached://`` (aiomcache), or tiers of them (``tiers: [memory://, redis://...]``). A server
that is down makes reads miss and writes be skipped, within a short timeout: logged, counted,
shown on ``/health``, never an error for the client. See docs/caching.md.
"""

from __future__ import annotations

from covet.providers.cache._cache import Cache, CacheStats
from covet.providers.cache.provider import CACHE_BACKENDS, CacheProvider, build_cache
from covet.providers.cache.settings import CacheSettings

__all__ = ["CACHE_BACKENDS", "Cache", "CacheProvider", "CacheSettings", "CacheStats", "build_cache"]
