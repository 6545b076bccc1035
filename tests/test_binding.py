"""operationId -> handler, and each handler parameter -> where its value comes from."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from covet.binding import bind_handler, import_object, resolve_handler
from covet.errors import BindingError
from tests.fixtures.handlers import sample

MODULE = "tests.fixtures.handlers.sample"


def operation(operation_id: str | None, handler_ref: str | None = None) -> Any:
    return SimpleNamespace(
        operation_id=operation_id, handler_ref=handler_ref, method="GET", template="/x",
        file="spec.yaml", pointer="/paths/~1x/get", label=operation_id or "GET /x",
    )


def test_operation_id_binds_the_function_of_that_name() -> None:
    handler, qualname = resolve_handler(operation("getUser"), MODULE)
    assert handler is sample.getUser
    assert qualname == f"{MODULE}:getUser"


def test_operation_id_binds_its_snake_case() -> None:
    handler, _ = resolve_handler(operation("listPosts"), MODULE)
    assert handler is sample.list_posts


def test_x_covet_handler_wins_over_operation_id() -> None:
    handler, _ = resolve_handler(operation("getUser", f"{MODULE}:list_posts"), MODULE)
    assert handler is sample.list_posts


def test_config_override_wins_over_everything() -> None:
    handler, _ = resolve_handler(operation("getUser", f"{MODULE}:list_posts"), MODULE, f"{MODULE}:typed")
    assert handler is sample.typed


def test_unbound_operation_names_operation_module_and_close_candidates() -> None:
    with pytest.raises(BindingError) as info:
        resolve_handler(operation("listPost"), MODULE)
    message = str(info.value)
    assert "listPost" in message and MODULE in message and "list_posts" in message
    assert info.value.file == "spec.yaml"
    assert info.value.pointer == "/paths/~1x/get/operationId"


def test_missing_operation_id_says_how_to_fix() -> None:
    with pytest.raises(BindingError, match="x-covet-handler"):
        resolve_handler(operation(None), MODULE)


def test_unimportable_module_is_a_binding_error() -> None:
    with pytest.raises(BindingError, match="cannot import"):
        resolve_handler(operation("getUser"), "no.such.module")


def test_explicit_ref_to_nothing_or_non_callable() -> None:
    with pytest.raises(BindingError, match="cannot be imported"):
        resolve_handler(operation("x", f"{MODULE}:missing"), None)
    with pytest.raises(BindingError, match="not callable"):
        resolve_handler(operation("x", f"{MODULE}:NOT_CALLABLE"), None)


def test_import_object_accepts_colon_and_dots() -> None:
    assert import_object(f"{MODULE}:getUser") is sample.getUser
    assert import_object(f"{MODULE}.getUser") is sample.getUser


def test_parameters_the_handler_does_not_take_are_dropped() -> None:
    binding = bind_handler(sample.getUser, "q", parameters={"user_id": True, "verbose": False}, has_body=False)
    assert binding.drop == frozenset({"verbose"})
    assert binding.is_async


def test_annotations_richer_than_json_get_converters() -> None:
    binding = bind_handler(
        sample.typed, "q", parameters={"post_id": True, "day": True, "when": False}, has_body=False
    )
    converters = dict(binding.converters)
    assert converters["post_id"]("12345678-1234-5678-1234-567812345678") == uuid.UUID(
        "12345678-1234-5678-1234-567812345678"
    )
    assert converters["day"]("2024-02-29") == dt.date(2024, 2, 29)
    assert converters["when"]("2024-01-01T00:00:00Z").tzinfo is not None
    assert not binding.is_async


def test_optional_parameter_without_default_is_filled_with_none() -> None:
    binding = bind_handler(
        sample.typed, "q", parameters={"post_id": True, "day": True, "when": False}, has_body=False
    )
    assert binding.fill_none == ()
    binding = bind_handler(sample.getUser, "q", parameters={"user_id": False}, has_body=False)
    assert binding.fill_none == ("user_id",)


def test_body_annotated_with_a_pydantic_model_is_validated_into_it() -> None:
    binding = bind_handler(sample.with_model, "q", parameters={}, has_body=True)
    assert binding.body_arg == "body"
    assert binding.body_converter is not None
    assert binding.body_converter({"name": "a", "price": 1}) == sample.Item(name="a", price=1)


def test_body_annotated_with_a_dataclass() -> None:
    binding = bind_handler(sample.with_dataclass, "q", parameters={}, has_body=True)
    assert binding.body_converter is not None
    assert binding.body_converter({"x": 1, "y": 2}) == sample.Point(1, 2)


def test_body_without_a_request_body_is_an_error() -> None:
    with pytest.raises(BindingError, match="'body'"):
        bind_handler(sample.with_model, "q", parameters={}, has_body=False)


def test_var_keyword_accepts_every_parameter() -> None:
    binding = bind_handler(sample.wants_everything, "q", parameters={"a": True, "b": False}, has_body=False)
    assert binding.accepts_all and binding.drop == frozenset()


def test_unmatched_parameter_names_handler_parameter_and_candidates() -> None:
    with pytest.raises(BindingError) as info:
        bind_handler(
            sample.needs_unknown, "mod:needs_unknown", parameters={"user_id": True, "limit": False},
            has_body=True, providers={"db"}, where=("s.yaml", "/p"), label="getThing",
        )
    message = str(info.value)
    for needle in ("mod:needs_unknown", "'mystery'", "getThing", "user_id", "limit", "body", "db", "request"):
        assert needle in message
    assert info.value.file == "s.yaml"


def test_positional_only_parameters_are_refused() -> None:
    with pytest.raises(BindingError, match="positional-only"):
        bind_handler(sample.positional_only, "q", parameters={"user_id": True}, has_body=False)


def test_providers_and_request_are_injected_by_name() -> None:
    async def handler(request: object, db: object) -> None:
        return None

    binding = bind_handler(handler, "q", parameters={}, has_body=False, providers={"db"})
    assert binding.request_arg == "request"
    assert binding.providers == (("db", "db"),)
