"""Planning handler stubs: names, parameters, defaults, body and return types per operation."""

from __future__ import annotations

from pathlib import Path

import pytest

from covet.scaffold.stubs import HandlerStub, StubPlan, plan_stubs, suggest_operation_id
from covet.spec import load_spec

TYPED = Path(__file__).parent / "specs" / "typed.yaml"


@pytest.fixture(scope="module")
def plan() -> StubPlan:
    return plan_stubs(load_spec(TYPED))


def stub(plan: StubPlan, name: str) -> HandlerStub:
    return next(s for s in plan.stubs if s.name == name)


def signature(handler: HandlerStub) -> list[str]:
    return [
        f"{arg.name}: {arg.type.render({})}" + (f" = {arg.default}" if arg.default else "")
        for arg in handler.args
    ]


def test_required_parameters_come_first_then_optional_ones_with_their_defaults(plan: StubPlan) -> None:
    assert signature(stub(plan, "get_thing")) == [
        "thing_id: uuid.UUID",
        "on: datetime.date",
        "since: datetime.datetime | None = None",
        "ids: list[uuid.UUID] | None = None",
        "tags: list[str] | None = None",  # a mutable default stays in the spec, not the signature
        "ratio: float = 0.5",
        "flag: bool = True",
        'mode: str = "fast"',  # the default of a $ref'd schema
        "x_trace_id: str | None = None",
        "session: str | None = None",
        "filter: dict[str, Any] | None = None",
        "anything: Any = None",
        "either: int | str | None = None",
        "maybe: str | None = None",
        "json: dict[str, Any] | None = None",  # a content (JSON) parameter
    ]


def test_the_body_is_typed_by_media_type_and_optional_unless_required(plan: StubPlan) -> None:
    assert signature(stub(plan, "replace_thing"))[-1] == "body: dict[str, Any] | None = None"
    assert signature(stub(plan, "create_things")) == ["body: list[dict[str, Any]]"]
    assert signature(stub(plan, "class_"))[-1] == "body: bytes"
    assert signature(stub(plan, "accept_form")) == ["body: dict[str, Any]"]


def test_the_return_type_is_the_default_response_content(plan: StubPlan) -> None:
    returns = {s.name: s.returns.render({}) for s in plan.stubs}
    assert returns == {
        "get_thing": "dict[str, Any]",
        "replace_thing": "None",  # 204, no content
        "create_things": "list[dict[str, Any]]",
        "class_": "str",  # text/plain
        "accept_form": "Any",  # 200 without content: the handler may well return a body
        "get_widgets": "Any",
    }


@pytest.mark.parametrize(
    ("status", "returns"), [("200", "Any"), ("201", "Any"), ("202", "Any"), ("204", "None"), ("205", "None")]
)
def test_a_response_without_content_returns_none_only_when_its_status_has_no_body(
    status: str, returns: str, tmp_path: Path
) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /notes:\n    post:\n"
        f"      operationId: addNote\n      responses: {{'{status}': {{description: done}}}}\n"
    )
    (handler,) = plan_stubs(load_spec(spec)).stubs
    assert handler.returns.render({}) == returns


def test_functions_are_named_as_the_binding_looks_them_up(plan: StubPlan) -> None:
    names = [(s.name, s.operation_id) for s in plan.stubs]
    assert ("class_", "class") in names  # a keyword gets a trailing underscore
    assert ("accept_form", None) in names  # x-covet-handler names the function


def test_an_operation_without_operation_id_is_skipped_with_one_to_add(plan: StubPlan) -> None:
    assert any(
        w.startswith("GET /anonymous/{id} has no operationId") and "operationId: getAnonymousById" in w
        for w in plan.warnings
    )


def test_two_operations_with_one_function_name_keep_the_first(plan: StubPlan) -> None:
    assert [s.operation_id for s in plan.stubs if s.name == "get_widgets"] == ["getWidgets"]
    assert any("get_widgets (POST /widgets)" in w and "skipped the second" in w for w in plan.warnings)


def test_summary_and_description_are_kept_for_the_docstring(plan: StubPlan) -> None:
    thing = stub(plan, "get_thing")
    assert thing.summary == "One thing"
    assert thing.description.startswith('Reads a "thing".')
    assert thing.label == "getThing (GET /things/{thing_id})"


@pytest.mark.parametrize(
    ("method", "template", "suggestion"),
    [
        ("GET", "/status/{codes}", "getStatusByCodes"),
        ("DELETE", "/anything/{anything}", "deleteAnythingByAnything"),
        ("GET", "/", "getRoot"),
        ("POST", "/v1/{name}:sign-blob", "postV1SignBlobByName"),
        ("GET", "/stream-bytes/{n}", "getStreamBytesByN"),
    ],
)
def test_suggested_operation_ids_come_from_method_and_path(method: str, template: str, suggestion: str) -> None:
    assert suggest_operation_id(method, template) == suggestion


def test_suggested_operation_ids_are_unique() -> None:
    assert suggest_operation_id("GET", "/a", {"getA", "getA2"}) == "getA3"
