"""Rate-limit policies: ``"10/second, 1000/hour"`` parsed once, at load, into windows.

A policy is one or more windows, each ``limit`` requests per ``seconds``; a request is allowed
only when every window of its policy has room, and it then counts in all of them. Accepted text,
per window (several separated by commas, or given as a YAML list)::

    100/minute    100 per minute    10/5 minutes    1000/hour    50000/day    5/30s

``unlimited`` (or an empty list) is an explicit "no limit", so an operation can opt out of the
default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["UNLIMITED", "Rate", "format_policy", "parse_policy"]

UNLIMITED: tuple[Rate, ...] = ()
"""The parsed form of ``unlimited``: a policy with no window."""

_UNIT_SECONDS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}
_WINDOW = re.compile(r"^\s*(\d+)\s*(?:/|\bper\b)\s*(\d+)?\s*([a-z]+)\s*$", re.IGNORECASE)
_UNLIMITED_WORDS = frozenset({"unlimited", "none"})


@dataclass(frozen=True, slots=True)
class Rate:
    """``limit`` requests per ``seconds``: one window of a policy."""

    limit: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.limit}/{self.seconds}s"


def parse_policy(value: str | Sequence[str] | Sequence[Rate] | None) -> tuple[Rate, ...] | None:
    """``"10/second, 1000/hour"`` or ``["10/second", "1000/hour"]`` -> windows, shortest first.

    ``None`` stays ``None`` (no policy set here); ``unlimited`` or ``[]`` is :data:`UNLIMITED`.

    Raises:
        ValueError: text that is not a policy, with what to write instead.
    """
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in _UNLIMITED_WORDS:
        return UNLIMITED
    items: list[str | Rate] = [value] if isinstance(value, str) else list(value)
    windows: list[Rate] = []
    for item in items:
        if isinstance(item, Rate):
            windows.append(item)
            continue
        if not isinstance(item, str):
            # NOTE: ValueError, not TypeError: pydantic reports only ValueError as a config error.
            raise ValueError(f"{item!r} is not a rate limit; write e.g. '100/minute'")  # noqa: TRY004
        windows.extend(_parse_window(part) for part in item.split(","))
    seen: set[int] = set()
    for window in windows:
        if window.seconds in seen:
            raise ValueError(
                f"two limits over the same window ({window.seconds} s); keep one of them"
            )
        seen.add(window.seconds)
    return tuple(sorted(windows, key=lambda w: w.seconds))


def _parse_window(text: str) -> Rate:
    match = _WINDOW.match(text)
    unit = _UNIT_SECONDS.get(match.group(3).lower()) if match else None
    if match is None or unit is None:
        raise ValueError(
            f"{text.strip()!r} is not a rate limit; write N/second, N/minute, N/hour or N/day "
            "(e.g. '100/minute', '10/5 minutes', '10/second, 1000/hour'), or 'unlimited'"
        )
    limit, count = int(match.group(1)), int(match.group(2) or 1)
    if limit < 1 or count < 1:
        raise ValueError(f"{text.strip()!r}: the limit and the window must be at least 1")
    return Rate(limit, count * unit)


def format_policy(windows: Sequence[Rate]) -> str:
    """The windows as covet.yaml text (``10/1s, 1000/3600s``), for messages and docs."""
    return ", ".join(str(w) for w in windows) if windows else "unlimited"
