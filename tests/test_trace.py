"""Trace ids come from the client when it sends one, else are generated once."""

from __future__ import annotations

from covet._trace import trace_id_of


def test_traceparent_trace_id_is_used() -> None:
    scope = {"headers": [(b"traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]}
    assert trace_id_of(scope) == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_x_request_id_is_used_when_safe() -> None:
    assert trace_id_of({"headers": [(b"x-request-id", b"abc-123")]}) == "abc-123"


def test_unsafe_request_id_is_replaced() -> None:
    trace = trace_id_of({"headers": [(b"x-request-id", b"<script>")]})
    assert trace != "<script>" and len(trace) == 16


def test_generated_once_per_scope() -> None:
    scope: dict[str, object] = {"headers": []}
    assert trace_id_of(scope) == trace_id_of(scope)
    assert trace_id_of({"headers": []}) != trace_id_of({"headers": []})
