from __future__ import annotations

import doctest
import itertools
import random
import re
from urllib.parse import unquote

import pytest

from covet.errors import RouteConflictError, SpecError, UsageError
from covet.routing import CONVERTERS, Converter, Router, RouteSlot, trie
from covet.routing.trie import _descend


def router_with(*templates: str, method: str = "GET") -> Router:
    """A router whose endpoint for each template is the template itself."""
    router = Router()
    for template in templates:
        router.add(template, method, template)
    return router


def target(router: Router, path: str) -> tuple[str, dict[str, str]] | None:
    """(template of the matched slot, params), or None."""
    found = router.match(path)
    if found is None:
        return None
    slot, params = found
    return slot.template, params


def dynamic_search(router: Router, path: str) -> RouteSlot | None:
    """The trie walk alone, without the static-path fast path."""
    return _descend(router._root, path.split("/"), 1, [])


# --- precedence ---


@pytest.mark.parametrize("order", [0, 1])
def test_static_beats_param_regardless_of_insertion_order(order: int) -> None:
    templates = ["/users/me", "/users/{id}"]
    router = router_with(*(templates if order == 0 else templates[::-1]))

    assert target(router, "/users/me") == ("/users/me", {})
    assert target(router, "/users/42") == ("/users/{id}", {"id": "42"})


_ONE_OF_EACH_KIND = ["/files/{name}.json", "/files/{name}", "/files/{rest:path}", "/files/list.json"]


@pytest.mark.parametrize("templates", list(itertools.permutations(_ONE_OF_EACH_KIND)))
def test_precedence_is_literal_then_mixed_then_param_then_catch_all(
    templates: tuple[str, ...],
) -> None:
    router = router_with(*templates)

    assert target(router, "/files/list.json") == ("/files/list.json", {})
    assert target(router, "/files/report.json") == ("/files/{name}.json", {"name": "report"})
    assert target(router, "/files/report.xml") == ("/files/{name}", {"name": "report.xml"})
    assert target(router, "/files/a/b.json") == ("/files/{rest:path}", {"rest": "a/b.json"})


@pytest.mark.parametrize("order", [0, 1])
def test_mixed_segment_beats_plain_param(order: int) -> None:
    templates = ["/groups/{name}.json", "/groups/{id}"]
    router = router_with(*(templates if order == 0 else templates[::-1]))

    assert target(router, "/groups/staff.json") == ("/groups/{name}.json", {"name": "staff"})
    assert target(router, "/groups/staff") == ("/groups/{id}", {"id": "staff"})


@pytest.mark.parametrize("order", [0, 1])
def test_longer_mixed_literal_wins(order: int) -> None:
    templates = ["/f/{name}.{ext}", "/f/{name}.tar.gz"]
    router = router_with(*(templates if order == 0 else templates[::-1]))

    assert target(router, "/f/src.tar.gz") == ("/f/{name}.tar.gz", {"name": "src"})
    assert target(router, "/f/src.zip") == ("/f/{name}.{ext}", {"name": "src", "ext": "zip"})


def test_equally_long_mixed_literals_keep_insertion_order() -> None:
    router = router_with("/f/{a}-x", "/f/x-{b}")

    assert target(router, "/f/x-x") == ("/f/{a}-x", {"a": "x"})


def test_literal_json_file_beats_mixed_json_template() -> None:
    router = router_with("/groups/{name}.json", "/groups/list.json")

    assert target(router, "/groups/list.json") == ("/groups/list.json", {})
    assert target(router, "/groups/admins.json") == ("/groups/{name}.json", {"name": "admins"})


def test_colon_custom_methods_side_by_side() -> None:
    router = Router()
    router.add("/v1/{name}:signBlob", "POST", "sign")
    router.add("/v1/{name}:generateAccessToken", "POST", "token")

    assert target(router, "/v1/sa-1:signBlob") == ("/v1/{name}:signBlob", {"name": "sa-1"})
    assert target(router, "/v1/sa-1:generateAccessToken") == (
        "/v1/{name}:generateAccessToken",
        {"name": "sa-1"},
    )
    assert target(router, "/v1/sa-1:deleteEverything") is None


def test_catch_all_is_tried_last_at_its_level() -> None:
    router = router_with("/static/{rest:path}", "/static/img/logo.png", "/static/{name}/meta")

    assert target(router, "/static/img/logo.png") == ("/static/img/logo.png", {})
    assert target(router, "/static/css/meta") == ("/static/{name}/meta", {"name": "css"})
    assert target(router, "/static/css/site.css") == (
        "/static/{rest:path}",
        {"rest": "css/site.css"},
    )


# --- backtracking ---


def test_backtracks_from_literal_to_param_when_literal_branch_fails_deeper() -> None:
    router = router_with("/users/me/settings", "/users/{id}/posts")

    assert target(router, "/users/me/posts") == ("/users/{id}/posts", {"id": "me"})
    assert target(router, "/users/me/settings") == ("/users/me/settings", {})


def test_backtracks_from_mixed_to_param() -> None:
    router = router_with("/a/{x}.json/meta", "/a/{y}/data")

    assert target(router, "/a/f.json/data") == ("/a/{y}/data", {"y": "f.json"})


def test_backtracks_from_param_to_catch_all() -> None:
    router = router_with("/a/{x}/data", "/a/{rest:path}")

    assert target(router, "/a/b/c") == ("/a/{rest:path}", {"rest": "b/c"})


def test_values_of_abandoned_branches_do_not_leak_into_params() -> None:
    router = router_with("/a/{x}/{y}/end", "/a/{p}.json/{q}/other", "/a/{rest:path}")

    assert target(router, "/a/f.json/2/other") == (
        "/a/{p}.json/{q}/other",
        {"p": "f", "q": "2"},
    )
    assert target(router, "/a/f.json/2/end") == ("/a/{x}/{y}/end", {"x": "f.json", "y": "2"})
    assert target(router, "/a/f.json/2/nope") == ("/a/{rest:path}", {"rest": "f.json/2/nope"})


def test_backtracks_through_several_levels() -> None:
    router = router_with("/a/b/c/d", "/a/{x}/c/e", "/{y}/b/c/f")

    assert target(router, "/a/b/c/e") == ("/a/{x}/c/e", {"x": "b"})
    assert target(router, "/a/b/c/f") == ("/{y}/b/c/f", {"y": "a"})


# --- parameters ---


def test_param_values_are_raw_strings_converted_by_the_caller() -> None:
    router = router_with("/users/{id:int}")
    found = router.match("/users/abc")

    assert found is not None
    slot, params = found
    assert params == {"id": "abc"}
    assert slot.param_types == {"id": "int"}
    with pytest.raises(ValueError):
        CONVERTERS[slot.param_types["id"]].convert(params["id"])


def test_param_values_must_be_non_empty() -> None:
    router = router_with("/users/{id}", "/a/{x}/b", "/f/{name}.json")

    assert target(router, "/users/") is None
    assert target(router, "/a//b") is None
    assert target(router, "/f/.json") is None


def test_single_segment_param_never_spans_a_slash() -> None:
    router = router_with("/users/{id}", "/f/{name}.json")

    assert target(router, "/users/a/b") is None
    assert target(router, "/f/a/b.json") is None


def test_mixed_segment_values() -> None:
    router = router_with("/api/v{major}.{minor}", "/f/file-{id:int}.txt", "/g/{name}.json")

    assert target(router, "/api/v1.2") == ("/api/v{major}.{minor}", {"major": "1", "minor": "2"})
    assert target(router, "/f/file-42.txt") == ("/f/file-{id:int}.txt", {"id": "42"})
    assert target(router, "/g/a.b.json") == ("/g/{name}.json", {"name": "a.b"})
    assert target(router, "/api/v1") is None


def test_mixed_segment_splits_at_the_last_possible_separator() -> None:
    router = router_with("/f/{name}.{ext}", "/api/v{major}.{minor}")

    assert target(router, "/f/archive.tar.gz") == (
        "/f/{name}.{ext}",
        {"name": "archive.tar", "ext": "gz"},
    )
    assert target(router, "/api/v1.2.3") == (
        "/api/v{major}.{minor}",
        {"major": "1.2", "minor": "3"},
    )


def test_mixed_segment_value_may_contain_a_decoded_newline() -> None:
    router = router_with("/g/{name}.json")

    assert target(router, "/g/a\nb.json") == ("/g/{name}.json", {"name": "a\nb"})


def test_three_or_more_params_are_all_returned_in_order() -> None:
    router = router_with("/{a}/{b}/{c}/{d}")

    assert target(router, "/1/2/3/4") == (
        "/{a}/{b}/{c}/{d}",
        {"a": "1", "b": "2", "c": "3", "d": "4"},
    )


def test_routes_sharing_a_param_node_keep_their_own_names() -> None:
    router = router_with("/users/{id}/posts", "/users/{user_id}/settings")

    assert target(router, "/users/7/posts") == ("/users/{id}/posts", {"id": "7"})
    assert target(router, "/users/7/settings") == ("/users/{user_id}/settings", {"user_id": "7"})


def test_catch_all_takes_the_rest_of_the_path() -> None:
    router = router_with("/files/{rest:path}")

    assert target(router, "/files/a") == ("/files/{rest:path}", {"rest": "a"})
    assert target(router, "/files/a/b/c.txt") == ("/files/{rest:path}", {"rest": "a/b/c.txt"})
    assert target(router, "/files/") is None
    assert target(router, "/files") is None


@pytest.mark.parametrize(
    "raw_path",
    [
        "/files/%2e%2e/etc/passwd",
        "/files/a/%2E%2E/b",
        "/files/..%5cwin.ini",
        "/files/a%00b",
        "/files/a//b",
        "/files/a/",
    ],
)
def test_catch_all_traversal_reaches_the_path_converter_and_is_rejected(raw_path: str) -> None:
    router = router_with("/files/{rest:path}")
    found = router.match(unquote(raw_path))  # as the ASGI server hands it over

    assert found is not None
    slot, params = found
    with pytest.raises(ValueError):
        CONVERTERS[slot.param_types["rest"]].convert(params["rest"])


def test_match_returns_a_fresh_params_dict_every_time() -> None:
    router = router_with("/static", "/users/{id}")

    first = router.match("/static")
    assert first is not None
    first[1]["injected"] = "x"
    assert router.match("/static") == (first[0], {})
    second = router.match("/users/1")
    assert second is not None
    second[1]["id"] = "changed"
    assert router.match("/users/1") == (second[0], {"id": "1"})


# --- paths ---


def test_trailing_slash_is_significant() -> None:
    router = router_with("/users", "/items/", "/things/{id}/")

    assert target(router, "/users") == ("/users", {})
    assert target(router, "/users/") is None
    assert target(router, "/items/") == ("/items/", {})
    assert target(router, "/items") is None
    assert target(router, "/things/1/") == ("/things/{id}/", {"id": "1"})
    assert target(router, "/things/1") is None


def test_root_route() -> None:
    router = router_with("/", "/{name}")

    assert target(router, "/") == ("/", {})
    assert target(router, "/x") == ("/{name}", {"name": "x"})


def test_root_is_not_matched_by_a_param() -> None:
    assert target(router_with("/{name}"), "/") is None


def test_unicode_literal_segments() -> None:
    router = router_with("/café/menü", "/日本/{name}")

    assert target(router, "/café/menü") == ("/café/menü", {})
    assert target(router, "/日本/東京") == ("/日本/{name}", {"name": "東京"})
    assert target(router, "/cafe/menu") is None


def test_literals_are_case_sensitive() -> None:
    assert target(router_with("/Users"), "/users") is None


def test_path_without_leading_slash_matches_nothing() -> None:
    router = router_with("/{name}", "/users")

    assert target(router, "users") is None
    assert target(router, "") is None


def test_unknown_path_is_none() -> None:
    router = router_with("/users/{id}", "/users/me")

    assert target(router, "/posts") is None
    assert target(router, "/users/1/extra") is None


def test_static_fast_path_agrees_with_the_trie_walk() -> None:
    templates = ["/", "/users", "/users/", "/users/me", "/users/{id}", "/a/b/c", "/{x}/b/c"]
    router = router_with(*templates)

    for path in ["/", "/users", "/users/", "/users/me", "/a/b/c"]:
        found = router.match(path)
        assert found is not None
        assert dynamic_search(router, path) is found[0]


# --- methods, HEAD and 405 data ---


def test_head_is_served_by_get() -> None:
    router = Router()
    slot = router.add("/users", "GET", "list_users")

    assert slot.handlers == {"GET": "list_users", "HEAD": "list_users"}
    assert slot.allow == "GET, HEAD"


def test_explicit_head_wins_over_get_in_either_order() -> None:
    head_first = Router()
    head_first.add("/x", "HEAD", "head")
    slot = head_first.add("/x", "GET", "get")
    assert slot.handlers == {"HEAD": "head", "GET": "get"}

    get_first = Router()
    get_first.add("/x", "GET", "get")
    slot = get_first.add("/x", "HEAD", "head")
    assert slot.handlers == {"GET": "get", "HEAD": "head"}


def test_different_methods_share_one_slot_with_a_sorted_allow() -> None:
    router = Router()
    slots = {router.add("/users/{id}", verb, verb.lower()) for verb in ["put", "GET", "Delete"]}

    (slot,) = slots
    assert slot.handlers == {"PUT": "put", "GET": "get", "HEAD": "get", "DELETE": "delete"}
    assert slot.allow == "DELETE, GET, HEAD, PUT"


def test_slot_without_the_method_gives_the_405_data() -> None:
    router = Router()
    router.add("/users", "POST", "create")
    found = router.match("/users")

    assert found is not None
    slot, _ = found
    assert "GET" not in slot.handlers
    assert slot.allow == "POST"


def test_equivalent_templates_merge_into_one_slot() -> None:
    router = Router()
    get = router.add("/users/{id}", "GET", "get")
    put = router.add("/users/{id:str}", "PUT", "put")

    assert get is put
    assert get.allow == "GET, HEAD, PUT"


@pytest.mark.parametrize("method", ["", "GE T", "GET/", "ＧＥＴ"])
def test_malformed_method_is_a_spec_error(method: str) -> None:
    with pytest.raises(SpecError, match="not an HTTP method") as caught:
        Router().add("/x", method, "e", file="api.yaml", pointer="/paths/~1x")

    assert caught.value.pointer == "/paths/~1x"


# --- conflicts ---


def test_conflicting_param_names_rejected_naming_both_templates_and_locations() -> None:
    router = Router()
    router.add(
        "/groups/{name}.json", "GET", "get_group",
        file="discourse.json", pointer="/paths/~1groups~1{name}.json/get",
    )

    with pytest.raises(RouteConflictError) as caught:
        router.add(
            "/groups/{id}.json", "PUT", "update_group",
            file="discourse.json", pointer="/paths/~1groups~1{id}.json/put",
        )

    message = str(caught.value)
    assert "'/groups/{name}.json'" in message
    assert "'/groups/{id}.json'" in message
    assert "discourse.json#/paths/~1groups~1{name}.json/get" in message
    assert "discourse.json#/paths/~1groups~1{id}.json/put" in message
    assert "Use the same parameter names" in message
    assert caught.value.file == "discourse.json"
    assert caught.value.pointer == "/paths/~1groups~1{id}.json/put"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/a/{x:int}", "/a/{y}"),
        ("/a/{x:int}", "/a/{x}"),
        ("/a/{x:int}", "/a/{x:uuid}"),
        ("/a/{x}/b/{y}", "/a/{y}/b/{x}"),
        ("/a/v{x}.{y}", "/a/v{y}.{x}"),
        ("/files/{p:path}", "/files/{q:path}"),
    ],
)
def test_same_route_with_different_params_conflicts_for_any_method(
    first: str, second: str
) -> None:
    router = Router()
    router.add(first, "GET", "first")

    with pytest.raises(RouteConflictError, match="matches exactly the same paths"):
        router.add(second, "POST", "second")


def test_same_template_and_method_twice_conflicts_naming_both_locations() -> None:
    router = Router()
    router.add("/users", "GET", "a", file="a.yaml", pointer="/paths/~1users/get")

    with pytest.raises(RouteConflictError) as caught:
        router.add("/users", "get", "b", file="b.yaml", pointer="/paths/~1users/get")

    message = str(caught.value)
    assert "a.yaml#/paths/~1users/get" in message
    assert "b.yaml#/paths/~1users/get" in message
    assert "Remove one of them" in message


def test_conflict_without_locations_still_explains_itself() -> None:
    router = router_with("/users")

    with pytest.raises(RouteConflictError, match="no file or pointer given"):
        router.add("/users", "GET", "again")


def test_explicit_head_twice_conflicts() -> None:
    router = Router()
    router.add("/x", "GET", "get")
    router.add("/x", "HEAD", "head")

    with pytest.raises(RouteConflictError):
        router.add("/x", "HEAD", "head again")


def test_failed_add_leaves_the_router_unchanged() -> None:
    router = router_with("/a/{x}")

    with pytest.raises(RouteConflictError):
        router.add("/a/{y}", "PUT", "other")

    assert router.routes() == [("GET", "/a/{x}", "/a/{x}")]
    assert target(router, "/a/1") == ("/a/{x}", {"x": "1"})


def test_malformed_template_is_a_spec_error_with_the_callers_location() -> None:
    with pytest.raises(SpecError) as caught:
        Router().add("/users/{id", "GET", "e", file="api.yaml", pointer="/paths/~1users~1{id")

    assert not isinstance(caught.value, RouteConflictError)
    assert caught.value.file == "api.yaml"
    assert caught.value.pointer == "/paths/~1users~1{id"
    assert str(caught.value).startswith("api.yaml#/paths/~1users~1{id: ")


# --- lifecycle and listing ---


def test_frozen_router_rejects_add_but_still_matches() -> None:
    router = router_with("/users/{id}")
    router.freeze()

    with pytest.raises(UsageError, match="router is frozen"):
        router.add("/posts", "GET", "e")
    assert router.frozen
    assert target(router, "/users/1") == ("/users/{id}", {"id": "1"})


def test_routes_lists_explicit_routes_in_insertion_order() -> None:
    router = Router()
    router.add("/b", "POST", "create_b")
    router.add("/a/{id}", "get", "get_a")
    router.add("/b", "GET", "list_b")

    assert router.routes() == [
        ("POST", "/b", "create_b"),
        ("GET", "/a/{id}", "get_a"),
        ("GET", "/b", "list_b"),
    ]


def test_routes_returns_a_copy() -> None:
    router = router_with("/a")
    router.routes().clear()

    assert len(router.routes()) == 1


def test_router_accepts_its_own_converters() -> None:
    hexa = Converter("hex", lambda raw: int(raw, 16), json_type="integer")
    router = Router(converters={**CONVERTERS, "hex": hexa})
    slot = router.add("/colors/{rgb:hex}", "GET", "color")

    assert router.converters["hex"] is hexa
    assert slot.param_types == {"rgb": "hex"}
    with pytest.raises(SpecError, match="unknown type 'hex'"):
        Router().add("/colors/{rgb:hex}", "GET", "color")


def test_slots_with_the_same_params_share_read_only_tables() -> None:
    router = Router()
    first = router.add("/a/{id}", "GET", "a")
    second = router.add("/b/{id}", "GET", "b")

    assert first.param_types is second.param_types
    assert first.param_names == ("id",)


def test_large_router_matches_first_last_and_misses() -> None:
    router = Router()
    for i in range(1_200):
        router.add(f"/r{i}/items/{{item_id}}/sub{i % 10}/{{name}}", "GET", i)

    first = router.match("/r0/items/1/sub0/x")
    last = router.match("/r1199/items/5/sub9/z")

    assert first is not None and first[0].handlers["GET"] == 0
    assert first[1] == {"item_id": "1", "name": "x"}
    assert last is not None and last[0].handlers["GET"] == 1199
    assert last[1] == {"item_id": "5", "name": "z"}
    assert router.match("/r1199/items/5/sub8/z") is None


def test_module_examples_run() -> None:
    assert doctest.testmod(trie).failed == 0


# --- differential check against a brute-force reference ---

_SEGMENT_CHOICES = ["a", "b", "{}", "{}.json", "v{}", "{}-x-{}"]
_SEGMENT_RANK = {"{}": (2, 0), "{}.json": (1, -5), "v{}": (1, -1), "{}-x-{}": (1, -3)}
# Includes segments that fit several mixed shapes at once ("vq.json", "a-x-b.json").
_PATH_SEGMENTS = [
    "a", "b", "q.json", "a.json", "va", "v", "1-x-2", "vq.json", "v1-x-2", "a-x-b.json", "",
]


def _random_shape(rng: random.Random) -> tuple[str, ...]:
    shape = tuple(rng.choice(_SEGMENT_CHOICES) for _ in range(rng.randint(1, 3)))
    return shape + ("{*}",) if rng.random() < 0.2 else shape


def _template(shape: tuple[str, ...]) -> str:
    counter = itertools.count()
    pieces = []
    for piece in shape:
        if piece == "{*}":
            pieces.append(f"{{p{next(counter)}:path}}")
            continue
        while "{}" in piece:
            piece = piece.replace("{}", f"{{p{next(counter)}}}", 1)
        pieces.append(piece)
    return "/" + "/".join(pieces)


def _reference_regex(shape: tuple[str, ...]) -> re.Pattern[str]:
    pieces = []
    for piece in shape:
        if piece == "{*}":
            pieces.append("([^/].*)")
        else:
            pieces.append("([^/]+)".join(re.escape(part) for part in piece.split("{}")))
    return re.compile("/" + "/".join(pieces), re.DOTALL)


def _rank(shape: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    return tuple(
        (3, 0) if piece == "{*}" else _SEGMENT_RANK.get(piece, (0, 0)) for piece in shape
    )


def _reference_match(shapes: list[tuple[str, ...]], path: str) -> tuple[str, list[str]] | None:
    """Scan every template; the best match by precedence at each level, left to right."""
    matches = []
    for shape in shapes:
        found = _reference_regex(shape).fullmatch(path)
        if found is not None:
            matches.append((_rank(shape), _template(shape), list(found.groups())))
    if not matches:
        return None
    _, template, values = min(matches)
    return template, values


@pytest.mark.parametrize("seed", range(40))
def test_matches_the_template_a_brute_force_scan_ranks_best(seed: int) -> None:
    rng = random.Random(seed)
    shapes = list(dict.fromkeys(_random_shape(rng) for _ in range(12)))
    router = router_with(*(_template(shape) for shape in shapes))

    for _ in range(200):
        path = "/" + "/".join(rng.choice(_PATH_SEGMENTS) for _ in range(rng.randint(1, 4)))
        expected = _reference_match(shapes, path)
        found = router.match(path)
        actual = None if found is None else (found[0].template, list(found[1].values()))
        assert actual == expected, (path, shapes)


def test_shared_empty_literal_table_is_never_written() -> None:
    router_with("/a/{x}/b", "/a/{x}/c", "/{y}/d/{z}.json", "/e/{rest:path}")

    assert trie._NO_LITERALS == {}


def test_reprs_name_the_route_and_the_router_state() -> None:
    router = Router()
    slot = router.add("/users/{id}", "GET", "get_user")

    assert repr(slot) == "RouteSlot('/users/{id}', allow='GET, HEAD')"
    assert repr(router) == "<Router 1 routes, open>"
    router.freeze()
    assert repr(router) == "<Router 1 routes, frozen>"
