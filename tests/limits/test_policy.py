"""Policy text -> windows, at load: every accepted spelling, and what bad text is told."""

from __future__ import annotations

import pytest

from covet.limits.policy import UNLIMITED, Rate, format_policy, parse_policy


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("100/minute", (Rate(100, 60),)),
        ("100 per minute", (Rate(100, 60),)),
        ("5/second", (Rate(5, 1),)),
        ("1000/hour", (Rate(1000, 3600),)),
        ("50000/day", (Rate(50000, 86400),)),
        ("10/5 minutes", (Rate(10, 300),)),
        ("5/30s", (Rate(5, 30),)),
        ("  7 / Minute ", (Rate(7, 60),)),
        ("3 per 2 hours", (Rate(3, 7200),)),
    ],
)
def test_one_window_spellings(text: str, windows: tuple[Rate, ...]) -> None:
    assert parse_policy(text) == windows


def test_several_windows_in_text_or_list_sorted_shortest_first() -> None:
    expected = (Rate(10, 1), Rate(1000, 3600))
    assert parse_policy("1000/hour, 10/second") == expected
    assert parse_policy(["10/second", "1000/hour"]) == expected


def test_unset_stays_unset_and_unlimited_is_explicit() -> None:
    assert parse_policy(None) is None
    assert parse_policy("unlimited") == UNLIMITED
    assert parse_policy([]) == UNLIMITED
    assert format_policy(UNLIMITED) == "unlimited"


@pytest.mark.parametrize(
    "text", ["ten/minute", "100", "100/fortnight", "100/", "/minute", "0/minute", "5/0 seconds",
             "100/minute;", "unlimited, 5/minute"],
)
def test_bad_text_is_refused_with_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match=r"rate limit|at least 1"):
        parse_policy(text)


def test_two_limits_over_one_window_are_refused() -> None:
    with pytest.raises(ValueError, match="same window"):
        parse_policy("10/minute, 20/60s")


def test_format_round_trips() -> None:
    windows = parse_policy("10/second, 1000/hour")
    assert windows is not None
    assert parse_policy(format_policy(windows)) == windows
