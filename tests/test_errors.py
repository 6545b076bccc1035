"""The named HTTP errors (DESIGN.md §12): one class per status the engine raises, each rendered
in the standard body with the headers its status needs."""

from __future__ import annotations

import orjson
import pytest

from covet._problem import ProblemRenderer
from covet.errors import (
    ConflictError,
    ForbiddenError,
    HTTPError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnauthorizedError,
)


def render(exc: HTTPError) -> tuple[int, dict[str, str], dict[str, object]]:
    response = ProblemRenderer().render(exc, "trace-1")
    headers = {k.decode(): v.decode() for k, v in response.raw_headers}
    return response.status_code, headers, orjson.loads(response.body)


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (UnauthorizedError(), 401, "Unauthorized"),
        (ForbiddenError(), 403, "Forbidden"),
        (ConflictError(), 409, "Conflict"),
        (TooManyRequestsError(retry_after=3), 429, "Too Many Requests"),
        (ServiceUnavailableError(), 503, "Service Unavailable"),
    ],
)
def test_each_named_error_is_an_http_error_with_its_status_and_title(
    error: HTTPError, status: int, title: str
) -> None:
    assert isinstance(error, HTTPError)
    code, headers, body = render(error)
    assert (code, body["status"], body["title"]) == (status, status, title)
    assert headers["content-type"] == "application/problem+json"
    assert body["trace_id"] == "trace-1"


def test_unauthorized_sends_one_challenge_per_scheme_in_www_authenticate() -> None:
    error = UnauthorizedError(
        "Missing credentials",
        challenges=['Bearer realm="api"', 'Basic realm="api", charset="UTF-8"'],
    )
    _, headers, body = render(error)
    assert headers["www-authenticate"] == 'Bearer realm="api", Basic realm="api", charset="UTF-8"'
    assert body["detail"] == "Missing credentials"
    assert error.challenges == ('Bearer realm="api"', 'Basic realm="api", charset="UTF-8"')


def test_unauthorized_without_challenges_sends_no_www_authenticate() -> None:
    _, headers, _ = render(UnauthorizedError())
    assert "www-authenticate" not in headers


def test_forbidden_carries_the_insufficient_scope_challenge() -> None:
    challenge = 'Bearer error="insufficient_scope", scope="posts:write"'
    _, headers, _ = render(ForbiddenError("Needs posts:write", challenges=[challenge]))
    assert headers["www-authenticate"] == challenge


@pytest.mark.parametrize(("given", "sent"), [(3, "3"), (0, "0"), (-5, "0"), (2.7, "2")])
def test_too_many_requests_sends_retry_after_in_whole_seconds(given: float, sent: str) -> None:
    error = TooManyRequestsError(retry_after=given)  # type: ignore[arg-type]
    _, headers, _ = render(error)
    assert headers["retry-after"] == sent
    assert error.retry_after == int(sent)


def test_service_unavailable_defaults_to_retry_after_one_second() -> None:
    _, headers, _ = render(ServiceUnavailableError("Redis is unreachable"))
    assert headers["retry-after"] == "1"


def test_extra_headers_are_kept_beside_the_status_headers() -> None:
    error = TooManyRequestsError(retry_after=1, headers={"ratelimit": "limit=5, remaining=0"})
    _, headers, _ = render(error)
    assert headers["ratelimit"] == "limit=5, remaining=0"
    assert headers["retry-after"] == "1"
