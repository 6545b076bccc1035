"""schema-unused: reachability from operations and webhooks, across files."""

from __future__ import annotations

from .helpers import lint, of_rule


def _unused(name: str) -> list[str]:
    return [str(f.pointer).rsplit("/", 1)[1] for f in of_rule(lint(name), "schema-unused")]


def test_unreferenced_schemas_are_warnings_at_their_definition() -> None:
    (finding, *_) = of_rule(lint("unused.yaml"), "schema-unused")
    assert (finding.severity, finding.pointer, finding.line) == (
        "warning", "/components/schemas/Unused", 47,
    )


def test_schemas_used_only_by_unused_components_are_unused() -> None:
    assert _unused("unused.yaml") == [
        "Unused", "OnlyUsedByUnused", "UsesOnlyUsedByUnused", "OnlyInUnusedResponse",
    ]


def test_refs_in_extensions_discriminator_mappings_and_responses_count_as_use() -> None:
    unused = set(_unused("unused.yaml"))
    assert not unused & {"Used", "Pet", "Dog", "InExtension", "Error"}


def test_schemas_used_only_from_another_file_are_used() -> None:
    assert _unused("clean.yaml") == []  # Tag is referenced from clean_parts.yaml only


def test_a_components_only_document_is_a_library_and_not_reported() -> None:
    assert _unused("library.yaml") == []
