"""The error renderer cannot fail: hostile values become bounded text, details are capped, and
a failure while rendering still answers a fixed 500 that carries the trace id."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from covet._problem import ProblemRenderer, fallback_response, safe_value
from covet.errors import HTTPError, RequestValidationError


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


def deep_list(levels: int) -> list[Any]:
    root: list[Any] = []
    node = root
    for _ in range(levels):
        child: list[Any] = []
        node.append(child)
        node = child
    return root


def rendered(details: list[dict[str, Any]], renderer: ProblemRenderer | None = None) -> Any:
    error = RequestValidationError("bad", details=details)
    response = (renderer or ProblemRenderer()).render(error, "trace-1")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    return orjson.loads(response.body)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (2**70, "1180591620717411303424"),
        (-(2**70), "-1180591620717411303424"),
        (10**5000, "an integer of more than 4300 digits"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (b"\xff\xfe", "\ufffd\ufffd"),
        ("\udcff", "?"),
        (Unprintable(), "<Unprintable instance at"),
        ({1, 2}, "{1, 2}"),
    ],
    ids=["2**70", "-2**70", "10**5000", "nan", "inf", "bytes", "surrogate", "bad-repr", "set"],
)
def test_hostile_values_become_json_safe(value: Any, shown: Any) -> None:
    body = rendered([{"field": "x", "value": value}])
    value_shown = body["details"][0]["value"]
    assert value_shown == shown or value_shown.startswith(shown)


def test_values_that_are_plain_json_stay_as_they_are() -> None:
    for value in (None, True, 5, 2**63, 1.5, "text", [1, "a"], {"k": [1, 2]}):
        assert safe_value(value) == value


def test_long_and_deep_values_are_clipped() -> None:
    body = rendered([
        {"field": "a", "value": "x" * 100_000},
        {"field": "b", "value": deep_list(2000)},
        {"field": "c", "value": list(range(100_000))},
        {"field": "d" * 10_000, "message": "m" * 100_000, "value": b"\x00" * 10_000_000},
    ])
    assert len(orjson.dumps(body)) < 5_000
    values = [d["value"] for d in body["details"]]
    assert all(isinstance(v, str) and len(v) <= 200 for v in values)
    assert values[0].endswith("…")


def test_details_past_the_cap_become_one_summary() -> None:
    details = [{"field": f"f{i}", "code": "additionalProperties"} for i in range(90_000)]
    body = rendered(details, ProblemRenderer(max_details=100))
    assert len(body["details"]) == 101
    assert body["details"][-1] == {
        "field": "", "location": "request", "pointer": "", "code": "moreErrors",
        "message": "89900 more problems not shown",
    }


def test_a_failure_while_rendering_is_a_fixed_500_with_the_trace_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = HTTPError("bad", status=400, headers={"x-note": "\u2603 is not latin-1"})
    response = ProblemRenderer().render(error, "abc-123")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = orjson.loads(response.body)
    assert body["trace_id"] == "abc-123" and body["status"] == 500 and body["details"] == []
    assert "could not render a 400 error (trace_id=abc-123)" in caplog.text


def test_the_fallback_splices_in_only_a_safe_trace_id() -> None:
    body = orjson.loads(fallback_response('a"b\\c\n\u2603d').body)
    assert body["trace_id"] == "abcd"
