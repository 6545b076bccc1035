"""The response cache: GET responses served from ``providers.cache`` per operation, ETags and
304s, stampede protection, and invalidation by tags (on writes, and on commits that wrote the
tables a tag is bound to). See docs/caching.md and :mod:`covet.caching.step`."""

from __future__ import annotations

from covet.caching.settings import CachingSettings, OperationCacheSettings

__all__ = ["CachingSettings", "OperationCacheSettings"]
