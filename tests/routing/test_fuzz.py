"""Property-based: the router answers every path, hostile or not, with a match or None."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covet.routing import CONVERTERS, Router

TEMPLATES = (
    "/", "/users", "/users/{user_id}", "/users/{user_id}/posts/{post_id}", "/users/me",
    "/files/{name:path}", "/items/{item_id:int}", "/v/{a}.{b}", "/slug/{s:slug}",
)
SEGMENT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12
) | st.sampled_from(["", ".", "..", "%2F", "users", "me", "{x}", "\ufffd", "a" * 300])
PATHS = st.lists(SEGMENT, max_size=12).map(lambda parts: "/" + "/".join(parts)) | st.text(max_size=80)


def build() -> Router:
    router = Router()
    for template in TEMPLATES:
        router.add(template, "GET", template)
    return router


ROUTER = build()


@settings(
    max_examples=2000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(path=PATHS)
def test_every_path_is_a_match_or_none(path: str) -> None:
    found = ROUTER.match(path)
    if found is None:
        return
    slot, params = found
    assert slot.template in TEMPLATES
    assert all(isinstance(value, str) for value in params.values())


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(text=st.text(max_size=60) | st.from_regex(r"-?[0-9]{1,40}", fullmatch=True))
def test_converters_either_convert_or_say_why(text: str) -> None:
    for converter in CONVERTERS.values():
        try:
            converter.convert(text)
        except ValueError as exc:
            assert str(exc)
