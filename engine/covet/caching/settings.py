"""The response cache's settings: ``caching:`` in covet.yaml, and each operation's ``cache``.

    caching:
      cache: default                # which providers.cache holds responses (memory:// if none)
      tables:                       # tag -> tables: a commit that wrote one invalidates the tag
        posts: [posts]
        comments: [comments]
    operations:
      listPosts: {cache: {ttl: 30s, tags: [posts]}}
      getPost:   {cache: {ttl: 60s, tags: [posts, comments], vary: [Accept-Language]}}
      createPost: {invalidates: [posts]}
    # or in the spec, on an operation:  x-covet-cache: {ttl: 30s, tags: [posts]}
    #                                    x-covet-invalidates: [posts]

See docs/caching.md and :mod:`covet.caching.step`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from covet._settings import Settings

__all__ = ["CachingSettings", "OperationCacheSettings"]

_TAG = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_HEADER = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def _duration(value: Any) -> Any:
    from covet.config import parse_duration  # NOTE: covet.config imports this module

    return parse_duration(value) if isinstance(value, str) else value


def _tags(value: Any) -> Any:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (list, tuple)):
        for tag in value:
            if not isinstance(tag, str) or not _TAG.match(tag):
                raise ValueError(f"{tag!r}: a tag is 1 to 64 letters, digits and _ . : -")
        return tuple(dict.fromkeys(value))
    return value


class OperationCacheSettings(Settings):
    """How one GET operation's 200 responses are cached (``operations.<id>.cache``)."""

    ttl: float = Field(default=60.0, gt=0)
    """Seconds a cached response is served (``30s``, ``5m``)."""
    vary: tuple[str, ...] = ()
    """Request headers whose values make another entry (``Accept-Language``)."""
    per_user: bool | None = None
    """One entry per authenticated caller. ``None``: on when the operation has security. Off,
    a request carrying credentials (Authorization, a cookie, an API key) is not cached."""
    tags: tuple[str, ...] = ()
    """What the response is made of: a write that invalidates one of them drops it."""
    cache_control: str | None = None
    """The ``Cache-Control`` sent with it (unless the handler set one). Default: ``no-cache``
    (``private, no-cache`` per user): clients revalidate with the ETag, so an invalidation
    here reaches them at once. Give ``public, max-age=30`` to let them keep it."""

    @field_validator("ttl", mode="before")
    @classmethod
    def _ttl(cls, value: Any) -> Any:
        return _duration(value)

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_names(cls, value: Any) -> Any:
        return _tags(value)

    @field_validator("vary", mode="before")
    @classmethod
    def _vary(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if isinstance(value, (list, tuple)):
            for name in value:
                if not isinstance(name, str) or not _HEADER.match(name):
                    raise ValueError(f"{name!r} is not a header name")
            return tuple(dict.fromkeys(name.lower() for name in value))
        return value


class CachingSettings(Settings):
    """Where responses are cached, and which database tables invalidate which tags."""

    cache: str = "default"
    """The ``providers.cache`` entry to use; an in-process ``memory://`` when none is declared."""
    tables: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Tag -> database tables: a session that wrote one of them invalidates the tag when it
    commits (inserts, updates and deletes through the ORM or Core statements; not raw SQL)."""
    lock_timeout: float = Field(default=5.0, gt=0)
    """Concurrent misses of one entry: the first computes it, the others wait at most this
    long for it (then compute it themselves). Across processes on a shared cache too."""

    @field_validator("lock_timeout", mode="before")
    @classmethod
    def _lock(cls, value: Any) -> Any:
        return _duration(value)

    @field_validator("tables", mode="before")
    @classmethod
    def _table_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for tag, tables in value.items():
                _tags([tag])
                if isinstance(tables, str):
                    tables = [tables]
                out[tag] = tables
            return out
        return value
