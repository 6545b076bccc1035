"""The response-cache step (DESIGN.md §12): serve a GET from the cache, store its 200, invalidate.

Compiled per operation from ``operations.<id>.cache`` / ``x-covet-cache`` (lookup and store) and
``operations.<id>.invalidates`` / ``x-covet-invalidates`` (tags a successful write drops). An
operation with neither has no step and pays nothing.

What one entry is per: the operation, the path, the query (its pairs sorted), the values of the
``vary`` headers, the current versions of its tags and, per user, the caller the security step
authenticated. A request that carries credentials (``Authorization``, a cookie, an API key) is
cached per caller or not at all: never one user's answer to another.

Only a ``200`` with a whole body and no ``Set-Cookie`` is stored, after the handler's provider
scopes committed. Every cached operation's response carries an ``ETag`` (the handler's, else a
hash of the body), and a matching ``If-None-Match`` is a ``304``. A client's ``Cache-Control:
no-cache`` skips the lookup (the fresh answer is stored); ``no-store`` skips both.

Invalidation is by tag versions: a tag is a counter in the cache's last (shared) tier, part of
every key that reads it; invalidating increments it, so every entry made under the old version
is unreachable at once, in every process sharing the cache, and expires by itself.

Concurrent misses of one key run the handler once per process (the others wait for its
answer); on a shared cache (Redis, Memcached) a short lock in the cache does the same across
processes. Either wait is bounded by ``caching.lock_timeout``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import struct
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import orjson
from pydantic import ValidationError

from covet.caching.settings import CachingSettings, OperationCacheSettings
from covet.endpoint import Context, StepSetup
from covet.errors import ConfigError, SpecError
from covet.providers.cache import Cache, CacheProvider
from covet.providers.cache._guard import Guard
from covet.providers.cache.memory import MemoryBackend
from covet.request import Request
from covet.response import Response

__all__ = [
    "CACHE_EXTENSION",
    "INVALIDATES_EXTENSION",
    "CacheStep",
    "cache_step",
    "invalidate_tags",
    "tag_key",
]

logger = logging.getLogger("covet.caching")

CACHE_EXTENSION = "x-covet-cache"
INVALIDATES_EXTENSION = "x-covet-invalidates"
TAG_TTL = 30 * 24 * 3600.0
"""Seconds a tag version lives after its last invalidation (far longer than any entry)."""

_ENTRY = b"R1"
_NEVER_STORED = frozenset({b"set-cookie", b"date", b"server", b"age"})
_CREDENTIALS = ("authorization", "cookie", "proxy-authorization")
_POLL = 0.02
_MEMO = 1024
_LONG_KEY = 200
_NONE: frozenset[str] = frozenset()


def tag_key(tag: str) -> str:
    """The cache key of ``tag``'s version counter."""
    return f"covet-tag:{tag}"


async def invalidate_tags(cache: Cache, tags: Sequence[str]) -> None:
    """Drop every entry made from ``tags`` (logged, never raised, when the cache is down)."""
    for tag in tags:
        if await cache.incr(tag_key(tag), ttl=TAG_TTL) is None:
            logger.error(
                "cache %r: tag %r could not be invalidated (the cache is down): entries made "
                "from it stay until their ttl", cache.name, tag,
            )


class CacheStep:
    """One operation's lookup, store and invalidation (any of them may be absent)."""

    kind = "cache"
    __slots__ = (
        "_decoded", "_wanted", "cache", "cache_control", "credential_queries", "credentials",
        "inflight", "invalidates", "lock_timeout", "operation", "per_user", "shared", "tags",
        "ttl", "vary",
    )

    def __init__(
        self, cache: Cache, operation: str, settings: OperationCacheSettings | None,
        invalidates: tuple[str, ...], *, per_user: bool, credentials: tuple[str, ...],
        credential_queries: tuple[str, ...], lock_timeout: float,
    ) -> None:
        self.cache = cache
        self.operation = operation
        self.invalidates = invalidates
        self.per_user = per_user
        self.credentials = credentials
        self.credential_queries = credential_queries
        self.lock_timeout = lock_timeout
        self.shared = isinstance(cache.tiers[-1], Guard)
        self.inflight: dict[str, asyncio.Future[bytes | None]] = {}
        # PERF: entries served lately, parsed: a hit whose stored bytes are these bytes reuses
        # them (one comparison) instead of parsing the entry again (bounded; cleared when full)
        self._decoded: dict[str, tuple[bytes, _Entry]] = {}
        self.vary: tuple[str, ...] = ()
        self.tags: tuple[str, ...] = ()
        if settings is None:
            self.ttl, self.cache_control = 0.0, ""
        else:
            self.ttl, self.vary, self.tags = settings.ttl, settings.vary, settings.tags
            self.cache_control = settings.cache_control or (
                "private, no-cache" if per_user else "no-cache"
            )
        # PERF: the request headers the lookup reads, found in one pass over the raw headers
        self._wanted = frozenset(
            name.encode() for name in (*self.credentials, *self.vary, "cache-control", "pragma",
                                       "if-none-match")
        )

    async def __call__(self, request: Request, ctx: Context) -> Response | None:
        if self.invalidates:
            ctx.after.append(self._invalidate)
        if not self.ttl or request.method not in ("GET", "HEAD"):
            return None
        headers = self._headers(request)
        directives = _directives(headers) if headers else _NONE
        if "no-store" in directives:
            return None
        if not self.per_user and self._has_credentials(request, headers):
            return None  # never cached for everyone, never one caller's answer to another
        key = await self._key(request, headers, ctx)
        locked = False
        if "no-cache" not in directives:
            stored = await self.cache.get(key)
            if stored is None:
                stored, locked = await self._wait_for_another(key)
            if isinstance(stored, bytes):
                hit = self._hit(key, stored, headers.get("if-none-match"))
                if hit is not None:
                    return hit
        future: asyncio.Future[bytes | None] | None = None
        if key not in self.inflight:
            future = self.inflight[key] = asyncio.get_running_loop().create_future()
        ctx.after.append(self._storer(key, future))
        if future is not None or locked:
            ctx.done.append(self._releaser(key, future, locked))
        return None

    # ------------------------------------------------------------------------------ lookup

    def _headers(self, request: Request) -> dict[str, str]:
        """The request headers the lookup reads (lower-case names; repeated ones joined)."""
        wanted = self._wanted
        found: dict[str, str] = {}
        for name, value in request.scope["headers"]:
            if name in wanted:
                key, text = name.decode("latin-1"), value.decode("latin-1")
                found[key] = f"{found[key]}, {text}" if key in found else text
        return found

    def _hit(self, key: str, stored: bytes, if_none_match: str | None) -> Response | None:
        """The response of a stored entry (a 304 when ``If-None-Match`` matches)."""
        memo = self._decoded.get(key)
        if memo is not None and memo[0] == stored:
            entry = memo[1]
        else:
            parsed = _parse(stored)
            if parsed is None:
                return None
            entry = parsed
            if len(self._decoded) >= _MEMO:
                self._decoded.clear()
            self._decoded[key] = (stored, entry)
        response = Response.__new__(Response)
        response.status_code = 200
        response.media_type = None
        response.stream = None
        age = (b"age", b"%d" % max(0, int(time.time() - entry.stored_at)))
        if if_none_match is not None and _matches(if_none_match, entry.etag):
            response.body = b""
            response.raw_headers = [*entry.not_modified, age]
            response.status_code = 304
        else:
            response.body = entry.body
            response.raw_headers = [*entry.headers, age]
        return response

    def _has_credentials(self, request: Request, headers: Mapping[str, str]) -> bool:
        if any(name in headers for name in self.credentials):
            return True
        if self.credential_queries:
            query = request.query
            return any(name in query for name in self.credential_queries)
        return False

    async def _key(self, request: Request, headers: Mapping[str, str], ctx: Context) -> str:
        parts = [request.path]
        raw_query = request.scope.get("query_string", b"")
        if raw_query:
            pairs = parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)
            parts.append("&".join(f"{k}={v}" for k, v in sorted(pairs)))
        else:
            parts.append("")
        for name in self.vary:
            parts.append(headers.get(name, ""))
        if self.per_user:
            parts.append(_caller(ctx.auth))
        if self.tags:
            versions = await self.cache.counters([tag_key(tag) for tag in self.tags])
            parts.append(",".join(map(str, versions)))
        joined = "\x00".join(parts)
        if len(joined) > _LONG_KEY:  # PERF: hashed only when long (Memcached's own limit is 250)
            joined = hashlib.blake2b(joined.encode("utf-8", "surrogatepass"),
                                     digest_size=16).hexdigest()
        return f"covet-response:{self.operation}:{joined}"

    async def _wait_for_another(self, key: str) -> tuple[bytes | None, bool]:
        """The entry another request is computing right now (this process, else another),
        and whether this request took the shared lock (so it computes the entry)."""
        future = self.inflight.get(key)
        if future is not None:
            try:
                return await asyncio.wait_for(asyncio.shield(future), self.lock_timeout), False
            except TimeoutError:
                return None, False
        if not self.shared:
            return None, False
        if await self.cache.add(key + ":lock", 1, ttl=self.lock_timeout):
            return None, True  # this request computes it; the lock goes when it is done
        deadline = time.monotonic() + self.lock_timeout
        while time.monotonic() < deadline:
            await asyncio.sleep(_POLL)
            stored = await self.cache.get(key)
            if isinstance(stored, bytes):
                return stored, False
        return None, False

    # ------------------------------------------------------------------------------- store

    def _storer(
        self, key: str, future: asyncio.Future[bytes | None] | None
    ) -> Callable[[Request, Response], Awaitable[None]]:
        async def store(request: Request, response: Response) -> None:
            if response.status_code != 200 or response.stream is not None:
                return
            raw = response.raw_headers
            if any(name == b"set-cookie" for name, _ in raw):
                return  # a response that sets a cookie is one caller's
            etag = _header(raw, b"etag")
            if etag is None:
                etag = '"' + hashlib.blake2b(response.body, digest_size=12).hexdigest() + '"'
                response.set_header("ETag", etag)
            if _header(raw, b"cache-control") is None:
                response.set_header("Cache-Control", self.cache_control)
            if self.vary:
                _add_vary(response, self.vary)
            entry = _entry(response, time.time())
            await self.cache.set(key, entry, ttl=self.ttl)
            if future is not None and not future.done():
                future.set_result(entry)
            if _matches(request.headers.get("if-none-match"), etag):
                _not_modified(response)

        return store

    def _releaser(
        self, key: str, future: asyncio.Future[bytes | None] | None, locked: bool
    ) -> Callable[[], Awaitable[None]]:
        async def release() -> None:
            if future is not None:
                if not future.done():
                    future.set_result(None)  # failed or not storable: the waiters compute
                if self.inflight.get(key) is future:
                    del self.inflight[key]
            if locked:
                await self.cache.delete(key + ":lock")

        return release

    async def _invalidate(self, request: Request, response: Response) -> None:
        if response.status_code < 400:
            await invalidate_tags(self.cache, self.invalidates)


# ----------------------------------------------------------------------- entries and headers


def _entry(response: Response, stored_at: float) -> bytes:
    headers = [
        [name.decode("latin-1"), value.decode("latin-1")]
        for name, value in response.raw_headers if name not in _NEVER_STORED
    ]
    head = orjson.dumps({"h": headers, "t": stored_at})
    return _ENTRY + struct.pack(">I", len(head)) + head + response.body


class _Entry:
    """A stored response, parsed: what a hit sends."""

    __slots__ = ("body", "etag", "headers", "not_modified", "stored_at")

    def __init__(self, headers: list[tuple[bytes, bytes]], body: bytes, stored_at: float) -> None:
        self.headers = headers
        self.body = body
        self.stored_at = stored_at
        self.etag = _header(headers, b"etag")
        self.not_modified = [
            (name, value) for name, value in headers
            if name not in (b"content-length", b"content-type")
        ]


def _parse(stored: bytes) -> _Entry | None:
    """The entry ``stored`` holds, or None when it is not one (another version's, damaged)."""
    if not stored.startswith(_ENTRY) or len(stored) < 6:
        return None
    (length,) = struct.unpack(">I", stored[2:6])
    try:
        head = orjson.loads(stored[6:6 + length])
        headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in head["h"]]
        return _Entry(headers, stored[6 + length:], float(head["t"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, UnicodeEncodeError):
        return None


def _header(raw: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in raw:
        if key == name:
            return value.decode("latin-1")
    return None


def _matches(if_none_match: str | None, etag: str | None) -> bool:
    """RFC 9110 weak comparison of ``If-None-Match`` against the entry's ETag."""
    if not if_none_match or etag is None:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))


def _not_modified(response: Response) -> None:
    response.status_code = 304
    response.body = b""
    response.raw_headers = [
        (name, value) for name, value in response.raw_headers
        if name not in (b"content-length", b"content-type")
    ]


def _add_vary(response: Response, names: tuple[str, ...]) -> None:
    current = _header(response.raw_headers, b"vary")
    listed = {part.strip().lower() for part in (current or "").split(",") if part.strip()}
    missing = [name for name in names if name not in listed]
    if missing:
        response.set_header("Vary", ", ".join(filter(None, [current, *missing])))


def _directives(headers: Mapping[str, str]) -> set[str]:
    found: set[str] = set()
    control = headers.get("cache-control")
    if control:
        found.update(part.strip().lower().partition("=")[0] for part in control.split(","))
    if "no-cache" in headers.get("pragma", "").lower():
        found.add("no-cache")
    return found


def _caller(auth: Any) -> str:
    if auth is None:
        return "-"
    subject = getattr(auth, "subject", None)
    if subject:
        return f"{auth.scheme}:{subject}"
    token = getattr(auth, "token", None) or ""
    return f"{auth.scheme}#" + hashlib.blake2b(token.encode(), digest_size=16).hexdigest()


# ---------------------------------------------------------------------------- the factory


def cache_step(setup: StepSetup) -> CacheStep | None:
    """The :class:`~covet.endpoint.StepFactory` of the response cache.

    Raises:
        SpecError: ``x-covet-cache`` or ``x-covet-invalidates`` is malformed (at it).
        ConfigError: ``cache`` on an operation other than GET, ``per_user`` that cannot
            hold, or ``caching.cache`` naming a cache ``providers.cache`` does not declare.
    """
    operation = setup.operation
    op_config = setup.operation_config
    settings = _operation_settings(setup)
    invalidates = op_config.invalidates if op_config and op_config.invalidates else None
    if invalidates is None:
        invalidates = _spec_tags(operation)
    if settings is None and not invalidates:
        return None
    where = f"/operations/{operation.operation_id}/cache"
    if settings is not None and operation.method != "GET":
        raise ConfigError(
            f"{operation.label}: cache is for GET operations (responses of {operation.method} "
            "change things); give this operation invalidates: [tags] instead",
            pointer=where,
        )
    secured = bool(operation.security)
    optional = any(not alternative for alternative in operation.security)
    per_user = secured if settings is None or settings.per_user is None else settings.per_user
    if settings is not None and per_user and not secured:
        raise ConfigError(
            f"{operation.label}: per_user needs the operation to have security (nothing "
            "authenticates the caller here); remove per_user or add security",
            pointer=where,
        )
    if settings is not None and secured and not optional and not per_user:
        raise ConfigError(
            f"{operation.label}: per_user: false on an operation that requires credentials "
            "would never be cached (a request with credentials is cached per caller or not "
            "at all); remove per_user: false",
            pointer=where,
        )
    schemes = operation.security_schemes.values()
    headers = [*_CREDENTIALS, *(str(s["name"]).lower() for s in schemes
                                if s.get("type") == "apiKey" and s.get("in") == "header")]
    queries = tuple(str(s["name"]) for s in schemes
                    if s.get("type") == "apiKey" and s.get("in") == "query")
    caching = setup.config.caching
    return CacheStep(
        response_cache(setup, caching), operation.operation_id or operation.label, settings,
        tuple(invalidates or ()), per_user=per_user, credentials=tuple(dict.fromkeys(headers)),
        credential_queries=queries, lock_timeout=caching.lock_timeout,
    )


def response_cache(setup: StepSetup, caching: CachingSettings) -> Cache:
    """The cache responses live in (found once per build), its table listener registered."""
    shared = setup.shared
    cache: Cache | None = shared.get("covet.caching.cache")
    if cache is None:
        cache = shared["covet.caching.cache"] = _find_cache(setup, caching)
        if caching.tables:
            _listen_to_commits(setup, caching, cache)
    return cache


def _listen_to_commits(setup: StepSetup, caching: CachingSettings, cache: Cache) -> None:
    """A commit that wrote a table of ``caching.tables`` invalidates the tags bound to it."""
    from covet.providers.database import DatabaseProvider  # NOTE: only apps with tables

    databases = [p for p in setup.providers.values() if isinstance(p, DatabaseProvider)]
    if not databases:
        raise ConfigError(
            "caching.tables binds tags to database tables, but providers.database declares no "
            "database", pointer="/caching/tables",
        )
    by_table: dict[str, list[str]] = {}
    for tag, tables in caching.tables.items():
        for table in tables:
            by_table.setdefault(table, []).append(tag)

    async def on_commit(tables: frozenset[str]) -> None:
        tags = sorted({tag for table in tables for tag in by_table.get(table, ())})
        if tags:
            await invalidate_tags(cache, tags)

    for provider in dict.fromkeys(databases):
        provider.manager.on_commit("covet.caching", on_commit)


def _find_cache(setup: StepSetup, caching: CachingSettings) -> Cache:
    """``caching.cache`` of providers.cache, else one in-process memory cache per build."""
    name = "cache" if caching.cache == "default" else caching.cache
    for provider in setup.providers.values():
        if isinstance(provider, CacheProvider) and name in provider.names:
            return provider.caches["default" if name == "cache" else name]
    declared = setup.config.providers.cache
    if declared or caching.cache != "default":
        known = ", ".join(declared) or "none"
        raise ConfigError(
            f"caching.cache {caching.cache!r} is not a cache providers.cache declares "
            f"(declared: {known})",
            pointer="/caching/cache",
        )
    return Cache([MemoryBackend()], name="responses")


def _operation_settings(setup: StepSetup) -> OperationCacheSettings | None:
    op_config = setup.operation_config
    if op_config is not None and op_config.cache is not None:
        return op_config.cache
    operation = setup.operation
    raw = operation.spec.get(CACHE_EXTENSION)
    if raw is None:
        return None
    try:
        return OperationCacheSettings.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = "/".join(str(part) for part in problem["loc"])
        raise SpecError(
            f"{CACHE_EXTENSION}: {where + ': ' if where else ''}{problem['msg']}",
            file=operation.file, pointer=f"{operation.pointer}/{CACHE_EXTENSION}",
        ) from None


def _spec_tags(operation: Any) -> tuple[str, ...] | None:
    raw = operation.spec.get(INVALIDATES_EXTENSION)
    if raw is None:
        return None
    try:
        return OperationCacheSettings.model_validate({"tags": raw}).tags
    except ValidationError as exc:
        raise SpecError(
            f"{INVALIDATES_EXTENSION}: {exc.errors()[0]['msg']} (a list of tag names)",
            file=operation.file, pointer=f"{operation.pointer}/{INVALIDATES_EXTENSION}",
        ) from None
