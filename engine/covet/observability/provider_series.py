"""The providers' own series: cache reads and failures, database pools, rate-limit refusals.

The providers count as they work (``Cache.stats``, ``Guard.stats``, the SQLAlchemy pool, the
rate-limit step and its limiter); :meth:`ProviderSeries.sync` copies those figures into
Prometheus series when ``/metrics`` is scraped and, with several workers, every
``metrics.sync_interval`` in each worker. Nothing is added to the request path.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from covet.api import Api

__all__ = ["ProviderSeries"]


class ProviderSeries:
    """Publishes what the providers counted since they started.

    Counters advance by what their source counted since the last sync, so a source that is
    replaced (a hot reload builds new rate-limit steps) starts again from zero without the
    series going back.

    Args:
        registry: where the series are registered (None in multiprocess mode).
        providers: the app's providers, as they are now.
        api: the snapshot being served, as it is now.
    """

    def __init__(
        self,
        registry: CollectorRegistry | None,
        providers: Callable[[], Iterable[object]],
        api: Callable[[], Api | None],
    ) -> None:
        from prometheus_client import Counter, Gauge

        self._providers = providers
        self._api = api
        self._seen: dict[tuple[str, tuple[str, ...]], tuple[object, int]] = {}

        def counter(name: str, doc: str, labels: tuple[str, ...]) -> Counter:
            return Counter(name, doc, labels, registry=registry)

        def gauge(name: str, doc: str) -> Gauge:
            return Gauge(name, doc, ("database",), registry=registry, multiprocess_mode="livesum")

        self.counters = {
            "cache_hits": counter("covet_cache_hits", "Cache reads that found a value.", ("cache",)),
            "cache_misses": counter("covet_cache_misses", "Cache reads that found nothing.", ("cache",)),
            "cache_failures": counter(
                "covet_cache_failures", "Calls to a cache server that timed out or failed.",
                ("cache", "backend"),
            ),
            "cache_skipped": counter(
                "covet_cache_skipped", "Calls not made to a cache server cooling down after a failure.",
                ("cache", "backend"),
            ),
            "rate_limit_rejections": counter(
                "covet_rate_limit_rejections", "Requests refused with 429 by a rate limit.",
                ("operation",),
            ),
            "rate_limit_failures": counter(
                "covet_rate_limit_store_failures", "Calls to the rate-limit store that failed.",
                ("store",),
            ),
        }
        self.gauges = {
            "checked_out": gauge("covet_db_pool_checked_out", "Pooled connections in use."),
            "overflow": gauge("covet_db_pool_overflow", "Connections open beyond pool_size."),
            "idle": gauge("covet_db_pool_idle", "Pooled connections open and not in use."),
        }

    def sync(self) -> None:
        """Copy the providers' figures into the series (cheap: no I/O)."""
        providers = list(self._providers())
        for name, labels, source, value in _cache_figures(providers):
            self._advance(name, labels, source, value)
        for name, labels, source, value in _rate_limit_figures(self._api()):
            self._advance(name, labels, source, value)
        for database, figures in _pool_figures(providers):
            for name, value in figures.items():
                self.gauges[name].labels(database).set(value)

    def _advance(self, name: str, labels: tuple[str, ...], source: object, value: int) -> None:
        key = (name, labels)
        previous = self._seen.get(key)
        base = previous[1] if previous is not None and previous[0] is source else 0
        if value > base:
            self.counters[name].labels(*labels).inc(value - base)
        self._seen[key] = (source, value)


Figure = tuple[str, tuple[str, ...], object, int]


def _cache_figures(providers: list[object]) -> Iterator[Figure]:
    from covet.providers.cache._guard import Guard
    from covet.providers.cache.provider import CacheProvider

    for provider in providers:
        if not isinstance(provider, CacheProvider):
            continue
        for name, cache in provider.caches.items():
            yield "cache_hits", (name,), cache, cache.stats.hits
            yield "cache_misses", (name,), cache, cache.stats.misses
            for tier in cache.tiers:
                if isinstance(tier, Guard):
                    yield "cache_failures", (name, tier.kind), tier, tier.stats.failures
                    yield "cache_skipped", (name, tier.kind), tier, tier.stats.skipped


def _rate_limit_figures(api: Api | None) -> Iterator[Figure]:
    if api is None:
        return
    from covet.limits.step import RateLimitStep

    limiters: dict[int, Any] = {}
    for _method, _template, endpoint in api.router.routes():
        for step in getattr(endpoint, "steps", ()):
            if isinstance(step, RateLimitStep):
                yield "rate_limit_rejections", (step.operation,), step, step.rejections
                limiters[id(step.limiter)] = step.limiter
    for limiter in limiters.values():
        yield "rate_limit_failures", (limiter.store.kind,), limiter, limiter.failures


def _pool_figures(providers: list[object]) -> Iterator[tuple[str, dict[str, int]]]:
    # NOTE: only an app with a database has loaded the database provider (and SQLAlchemy)
    module = sys.modules.get("covet.providers.database.provider")
    if module is None:
        return
    from sqlalchemy.pool import QueuePool

    from covet.errors import UsageError

    for provider in providers:
        if not isinstance(provider, module.DatabaseProvider):
            continue
        manager = provider.manager
        for database in manager.names:
            try:
                pool = manager.engine(database).sync_engine.pool
            except UsageError:  # not open (yet, or any more)
                continue
            if isinstance(pool, QueuePool):
                yield database, {
                    "checked_out": pool.checkedout(),
                    "overflow": max(0, pool.overflow()),
                    "idle": pool.checkedin(),
                }
