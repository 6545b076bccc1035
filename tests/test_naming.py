"""Spec names become Python parameter names predictably."""

from __future__ import annotations

import pytest

from covet._naming import python_name


@pytest.mark.parametrize(
    ("spec_name", "expected"),
    [
        ("userId", "user_id"),
        ("user_id", "user_id"),
        ("X-Request-ID", "x_request_id"),
        ("Idempotency-Key", "idempotency_key"),
        ("$.xgafv", "xgafv"),
        ("getUserPost", "get_user_post"),
        ("HTTPStatus", "http_status"),
        ("class", "class_"),
        ("1st", "_1st"),
        ("filter[name]", "filter_name"),
        ("type", "type"),
    ],
)
def test_python_name(spec_name: str, expected: str) -> None:
    assert python_name(spec_name) == expected
