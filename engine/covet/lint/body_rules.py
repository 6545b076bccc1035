"""Body rules that could never run: a ``unique`` or ``validators`` rule whose field the request
body schema cannot have (``body-rule-field-unknown``).

The same resolution the app applies at startup (covet.spec.rules.field_problems), so a clean
``covet validate`` means no rule stops the app, and no rule silently does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from covet.errors import SpecError
from covet.lint.collector import Collector
from covet.spec import SpecDocument
from covet.spec.compiler import Operation
from covet.spec.rules import BodyRule, field_problems

if TYPE_CHECKING:
    from covet.config import OperationConfig

__all__ = ["check_body_rules"]

RULE = "body-rule-field-unknown"

LineOf = Callable[[str, str], int | None]
"""``(file, pointer) -> line`` in covet.yaml."""


def check_body_rules(
    doc: SpecDocument,
    operation: Operation,
    out: Collector,
    *,
    op_config: OperationConfig | None = None,
    config_file: str | None = None,
    line_of: LineOf | None = None,
) -> None:
    """Record every rule of ``operation`` (its spec's, and covet.yaml's ``op_config``) whose
    path is malformed or names a field the body schema rules out."""
    body = operation.request_body
    rules: list[BodyRule] = [rule for media in (body.media if body else ()) for rule in media.rules]
    if op_config is not None and config_file is not None:
        from covet.checks import config_rules  # NOTE: only with a covet.yaml, already loaded

        try:
            rules += config_rules(op_config, operation.operation_id or "")
        except SpecError as exc:
            pointer = exc.pointer or "/operations"
            line = line_of(config_file, pointer) if line_of else None
            out.add(RULE, f"{operation.label}: {exc.message}", file=config_file, pointer=pointer,
                    line=line)
    for rule, reason in field_problems(list(dict.fromkeys(rules)), body):
        message = (
            f"{operation.label}: {rule.description} names a field its request body cannot have: "
            f"{reason}; the rule would never run: fix the path (/user/email or user.email) or "
            "declare the property in the body schema"
        )
        if rule.file:
            out.add(RULE, message, file=rule.file, pointer=rule.pointer, doc=doc)
        elif config_file is not None:
            line = line_of(config_file, rule.pointer) if line_of else None
            out.add(RULE, message, file=config_file, pointer=rule.pointer, line=line)
