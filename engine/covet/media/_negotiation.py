"""``Accept`` against what one response declares: parsed once, matched by a per-response table.

Each declared response (a status of an operation) gets a :class:`Negotiator` at startup holding
its offers in the spec's order. A request's ``Accept`` is parsed on a negotiator's first sight
of that exact header value and the chosen offer is remembered in a small bounded dict, so the
clients of one API (which send a handful of distinct values) cost a dict lookup per request.

Matching (RFC 9110 §12.5.1): each offer takes the quality of the most specific range that
matches it (``type/subtype;param=value`` over ``type/subtype`` over ``type/*`` over ``*/*``;
a parameter is compared only when the declared type has it);
``q=0`` refuses; the highest quality wins, the first declared on a tie.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from covet.errors import NotAcceptableError
from covet.types import Scope

__all__ = ["AcceptRange", "Negotiator", "Offer", "accept_of", "parse_accept"]

_CACHE_SIZE = 64
"""Distinct ``Accept`` values one negotiator remembers (cleared when full)."""
_MAX_RANGES = 64
"""Ranges of one ``Accept`` header that are considered; the rest are ignored."""


@dataclass(frozen=True, slots=True)
class Offer:
    """One declared response media type: its ``Content-Type`` field and its codec."""

    media_type: str
    header: tuple[bytes, bytes]
    codec: Any
    """The :class:`~covet.media.Codec`, or None: by the value (``*/*`` declared)."""
    json: bool = False
    """Encoded with ``dump_json`` (the fast path)."""


@dataclass(frozen=True, slots=True)
class AcceptRange:
    kind: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    quality: float

    def specificity(self, kind: str, subtype: str, params: dict[str, str]) -> int:
        """How specifically this range matches a media type; -1 if it does not."""
        if self.kind == "*":
            return 0
        if self.kind != kind:
            return -1
        if self.subtype == "*":
            return 1
        if self.subtype != subtype:
            return -1
        # NOTE: only parameters the declared type has are compared: a client's
        # "application/json; charset=utf-8" still accepts a declared "application/json".
        matched = 0
        for name, value in self.params:
            declared = params.get(name)
            if declared is not None:
                if declared != value:
                    return -1
                matched += 1
        return 2 + matched


def parse_accept(header: str) -> tuple[AcceptRange, ...]:
    """The ranges of an ``Accept`` value; malformed ranges are skipped, never an error."""
    ranges: list[AcceptRange] = []
    for item in header.split(",")[:_MAX_RANGES]:
        value, *raw_params = item.split(";")
        kind, slash, subtype = value.strip().lower().partition("/")
        if not slash or not kind or not subtype or (kind == "*" and subtype != "*"):
            continue
        quality = 1.0
        params: list[tuple[str, str]] = []
        for raw in raw_params:
            name, _, text = raw.strip().partition("=")
            name, text = name.strip().lower(), text.strip().strip('"')
            if name == "q":
                quality = _quality(text)
                break  # NOTE: parameters after q are accept-extensions, not media type ones
            if name:
                params.append((name, text.lower()))
        ranges.append(AcceptRange(kind, subtype, tuple(params), quality))
    return tuple(ranges)


def _quality(text: str) -> float:
    try:
        quality = float(text)
    except ValueError:
        return 0.0
    return min(max(quality, 0.0), 1.0) if not math.isnan(quality) else 0.0


def accept_of(scope: Scope) -> str | None:
    """The request's ``Accept`` value (several fields joined), without parsing every header."""
    found: str | None = None
    for name, value in scope["headers"]:
        if name == b"accept":
            text = value.decode("latin-1")
            found = text if found is None else f"{found}, {text}"
    return found


def _split(media_type: str) -> tuple[str, str, dict[str, str]]:
    value, *raw_params = media_type.split(";")
    kind, _, subtype = value.strip().lower().partition("/")
    params = {}
    for raw in raw_params:
        name, _, text = raw.strip().partition("=")
        params[name.strip().lower()] = text.strip().strip('"').lower()
    return kind, subtype, params


class Negotiator:
    """Chooses among one response's offers (declared order: the server's preference)."""

    __slots__ = ("_cache", "_parsed", "fast", "offers")

    def __init__(self, offers: Sequence[Offer]) -> None:
        self.offers = tuple(offers)
        self._parsed = tuple(_split(offer.media_type) for offer in self.offers)
        self._cache: dict[str, Offer | None] = {}
        only = self.offers[0] if len(self.offers) == 1 else None
        self.fast = only if only is not None and only.json else None
        """The only offer, when it is JSON: no ``Accept`` or ``*/*`` takes it unexamined."""

    def choose(self, accept: str | None) -> Offer:
        """The offer ``accept`` prefers; the first one when there is no ``Accept``.

        Raises:
            NotAcceptableError: the client accepts none of the offers (406, listing them).
        """
        if accept is None:
            return self.offers[0]
        cache = self._cache
        try:
            found = cache[accept]
        except KeyError:
            found = self._best(parse_accept(accept))
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[accept] = found
        if found is None:
            declared = ", ".join(offer.media_type for offer in self.offers)
            raise NotAcceptableError(f"This operation can answer with: {declared}")
        return found

    def _best(self, ranges: tuple[AcceptRange, ...]) -> Offer | None:
        if not ranges:
            return self.offers[0]  # NOTE: an Accept with no usable range says nothing
        best: Offer | None = None
        best_quality = 0.0
        for offer, (kind, subtype, params) in zip(self.offers, self._parsed, strict=True):
            if kind == "*" or subtype == "*":
                quality = max(r.quality for r in ranges)  # a declared wildcard serves anything
            else:
                quality, specificity = 0.0, -1
                for accepted in ranges:
                    found = accepted.specificity(kind, subtype, params)
                    if found > specificity:
                        quality, specificity = accepted.quality, found
            if quality > best_quality:
                best, best_quality = offer, quality
        return best
