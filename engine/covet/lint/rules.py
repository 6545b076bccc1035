"""Every rule ``covet validate`` applies, by stable id.

Rule ids are an interface: CI configurations, SARIF consumers and suppressions refer to them, so
an id is never renamed or reused. docs/cli/validate.md explains each one; a test checks that the
page and this table agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from covet.lint.finding import Finding, Severity

__all__ = ["INPUT_RULES", "RULES", "Rule", "make_finding"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A check: its id, default severity, one-line summary and how to fix what it finds."""

    id: str
    severity: Severity
    summary: str
    fix: str


_ALL = (
    Rule("config-invalid", "error", "covet.yaml cannot be read or has a wrong key or value",
         "Fix the key the message names; the accepted keys are listed in it."),
    Rule("spec-unreadable", "error", "a spec file does not exist or cannot be read",
         "Check the path (relative to covet.yaml for apis[].spec) and the file permissions."),
    Rule("spec-invalid", "error", "the document is not valid OpenAPI, or not valid YAML/JSON",
         "Fix the node at the reported pointer; the message quotes openapi-spec-validator."),
    Rule("spec-unsupported", "error", "valid OpenAPI that CovetPy refuses to serve",
         "See docs/unsupported.md: convert Swagger 2.0, download remote $refs, and so on."),
    Rule("ref-unresolved", "error", "a $ref points to a missing file or a missing node",
         "Correct the file name or the JSON pointer after '#'."),
    Rule("operation-invalid", "error", "an operation cannot be compiled (schema, parameter...)",
         "Fix the node at the reported pointer; the message says what the compiler expected."),
    Rule("operation-id-missing", "error",
         "an operation has neither operationId nor x-covet-handler",
         "Add an operationId (the handler's name), or x-covet-handler: 'pkg.module:function'."),
    Rule("operation-id-duplicate", "error", "two operations share an operationId",
         "Give each operation its own operationId; handlers and covet.yaml are keyed by it."),
    Rule("route-conflict", "error", "two operations are the same route",
         "Merge the path items into one, or change one method or template."),
    Rule("path-param-undeclared", "error", "a {name} in the path has no 'in: path' parameter",
         "Declare it under 'parameters' with 'in: path' and 'required: true'."),
    Rule("path-param-not-in-template", "error", "an 'in: path' parameter is not in the path",
         "Add {name} to the path template, or change the parameter's 'in'."),
    Rule("integer-param-unbounded", "warning",
         "an integer parameter has no format and no bounds",
         "Add format: int32 (or int64), or minimum and maximum, as the column it reaches holds."),
    Rule("no-success-response", "warning", "an operation declares no 2xx (or 3xx) response",
         "Declare the response a successful call returns, e.g. '200' or '204'."),
    Rule("security-scheme-unconfigured", "error",
         "an operation requires a security scheme covet.yaml's auth: does not configure",
         "Add auth.<scheme> to covet.yaml saying how to verify it (docs/security.md)."),
    Rule("security-scheme-undefined", "error",
         "a security requirement names a scheme missing from components.securitySchemes",
         "Define the scheme under components.securitySchemes, or fix the name's spelling."),
    Rule("handler-import-failed", "error", "a handlers module cannot be imported",
         "Run 'python -c \"import MODULE\"' to see the error; check covet.yaml pythonpath."),
    Rule("handler-missing", "error", "no handler function is found for an operation",
         "Add a function named like the operationId (or its snake_case) to the handlers module."),
    Rule("handler-param-unknown", "error", "a handler parameter matches nothing the spec supplies",
         "Rename it to a spec parameter (snake_case), body, request or a provider; or default it."),
    Rule("handler-param-unreachable", "warning",
         "a required spec parameter never reaches the handler",
         "Add the parameter (snake_case) to the handler, or take **kwargs or request."),
    Rule("schema-unused", "warning", "a component schema is referenced from nowhere",
         "Delete it, or $ref it where it is meant to be used."),
    Rule("example-invalid", "warning", "an example does not validate against its own schema",
         "Fix the example (or the schema): the message lists the first errors."),
    Rule("config-operation-unknown", "warning", "covet.yaml configures an operationId no spec has",
         "Fix the key under 'operations:' to an operationId of one of the apis."),
    Rule("body-rule-field-unknown", "error",
         "a unique or validators rule names a field the request body schema cannot have",
         "Fix the path (/user/email or user.email) to a field of the body, or declare it there."),
    Rule("media-type-no-codec", "error",
         "a declared media type with a structured schema has no codec to decode or encode it",
         "Add media.codecs.<type>: 'package.module:Class' to covet.yaml, or give the media type "
         "a string schema (format: binary) to take bytes (docs/media-types.md)."),
    Rule("error-body-mismatch", "warning",
         "an error response's declared schema does not match the error body CovetPy sends",
         "Add an errors: renderer to covet.yaml that returns the declared shape (docs/errors.md)."),
)

RULES: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in _ALL})
"""Rule id -> rule, in documentation order."""

INPUT_RULES = frozenset({"config-invalid", "spec-unreadable"})
"""Findings that mean the input could not be checked at all (``covet validate`` exits 2)."""


def make_finding(
    rule: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    pointer: str | None = None,
) -> Finding:
    """A finding of ``rule`` at its default severity (KeyError for an unknown rule id)."""
    return Finding(rule, RULES[rule].severity, message, file, line, pointer)
