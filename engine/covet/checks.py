"""Body checks that need a backend: ``x-covet-unique`` and named async validators.

Built once per operation from its body rules (covet.spec.rules) and covet.yaml; run per request
inside the same provider scopes as the handler (so a uniqueness check and the insert share one
transaction), after the schema check. Their errors join the schema's in one 422.

A validator is ``async def name(value, *, db, request, body) -> None | str | list[str] | dict``:
its first parameter receives the field's value (the whole body for a body-level validator); the
others are injected by name (providers, ``request``, ``body``). ``None`` (or ``True``) means
valid; a string is one error message; a list, several; a dict, a complete error detail.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from covet.binding import import_object
from covet.config import CovetConfig
from covet.errors import BindingError
from covet.request import Request
from covet.spec.rules import BodyRule

__all__ = ["Check", "build_checks", "run_checks"]

Runner = Callable[[Any, Mapping[str, Any], Request, Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Check:
    """One compiled check of one body field (``field`` ``""``: the whole body)."""

    field: str
    code: str
    providers: tuple[str, ...]
    run: Runner

    @property
    def pointer(self) -> str:
        return f"/{self.field}" if self.field else ""


def build_checks(
    rules: Sequence[BodyRule],
    config: CovetConfig,
    *,
    providers: Collection[str],
    operation_id: str | None,
) -> tuple[Check, ...]:
    """Compile ``rules`` (the spec's) plus ``operations.<id>`` unique/validators (covet.yaml).

    Raises:
        BindingError: an unknown validator name, a validator parameter nothing supplies, or a
            uniqueness rule without that database declared.
    """
    op_config = config.operations.get(operation_id or "")
    all_rules = list(rules)
    if op_config is not None:
        all_rules += [BodyRule(u.field, "unique", u.table, u.column, u.database, pointer="/operations")
                      for u in op_config.unique]
        all_rules += [BodyRule(field, "validator", validator=name, pointer="/operations")
                      for field, names in op_config.validators.items() for name in names]
    checks = []
    for rule in dict.fromkeys(all_rules):
        if rule.kind == "unique":
            checks.append(_unique_check(rule, providers))
        else:
            checks.append(_validator_check(rule, config.validators, providers))
    return tuple(checks)


def _unique_check(rule: BodyRule, providers: Collection[str]) -> Check:
    name = "db" if rule.database == "default" else rule.database
    if name not in providers:
        raise BindingError(
            f"x-covet-unique on {rule.field!r} needs the database {rule.database!r}: declare it "
            "under providers.database in covet.yaml",
            file=rule.file or None, pointer=rule.pointer,
        )
    # NOTE: imported here, so only apps with uniqueness rules load SQLAlchemy for it.
    from covet.providers.database.checks import value_exists

    table, column = rule.table, rule.column

    async def unique(value: Any, provided: Mapping[str, Any], request: Request, body: Any) -> Any:
        if await value_exists(provided[name], table, column, value):
            return f"Already exists: another {table} row has this {column}"
        return None

    return Check(rule.field, "unique", (name,), unique)


def _validator_check(rule: BodyRule, registry: Mapping[str, str], providers: Collection[str]) -> Check:
    ref = registry.get(rule.validator)
    if ref is None:
        known = ", ".join(sorted(registry)) or "none registered"
        raise BindingError(
            f"validator {rule.validator!r} is not in covet.yaml 'validators' ({known}); add "
            f"'{rule.validator}: package.module:function' there",
            file=rule.file or None, pointer=rule.pointer,
        )
    try:
        function = import_object(ref)
    except (ImportError, AttributeError) as exc:
        raise BindingError(f"validator {rule.validator!r} ({ref}) cannot be imported: {exc}",
                           pointer="/validators") from exc
    plan = _injection_plan(function, rule.validator, providers)
    needed = tuple(source for _, source in plan if source not in ("request", "body"))
    call = _caller(function, plan)
    return Check(rule.field, rule.validator, needed, call)


def _injection_plan(
    function: Callable[..., Any], name: str, providers: Collection[str]
) -> tuple[tuple[str, str], ...]:
    """(parameter, source) for every parameter after the first (which gets the value)."""
    parameters = list(inspect.signature(function).parameters.values())
    if not parameters:
        raise BindingError(f"validator {name!r} must take the value as its first parameter")
    plan = []
    for parameter in parameters[1:]:
        if parameter.name in ("request", "body") or parameter.name in providers:
            plan.append((parameter.name, parameter.name))
        elif parameter.default is parameter.empty:
            candidates = ", ".join(sorted({*providers, "request", "body"}))
            raise BindingError(
                f"validator {name!r}: parameter {parameter.name!r} matches nothing; "
                f"candidates: {candidates}"
            )
    return tuple(plan)


def _caller(function: Callable[..., Any], plan: tuple[tuple[str, str], ...]) -> Runner:
    is_async = inspect.iscoroutinefunction(function)

    async def call(value: Any, provided: Mapping[str, Any], request: Request, body: Any) -> Any:
        sources = {"request": request, "body": body}
        kwargs = {arg: sources[source] if source in sources else provided[source] for arg, source in plan}
        if is_async:
            return await function(value, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(None, lambda: function(value, **kwargs))

    return call


async def run_checks(
    checks: Sequence[Check],
    body: Any,
    provided: Mapping[str, Any],
    request: Request,
    errors: Sequence[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Run the checks whose field is present and passed the schema; their error details."""
    failed = [e.get("pointer", "") for e in errors if e.get("location") == "body"]
    found: list[dict[str, Any]] = []
    for check in checks:
        if not _applies(check, body, failed):
            continue
        value = body if not check.field else body[check.field]
        found += _details(check, value, await check.run(value, provided, request, body))
    return found


def _applies(check: Check, body: Any, failed: Sequence[str]) -> bool:
    if not check.field:
        return body is not None and not failed
    if not isinstance(body, dict) or check.field not in body:
        return False
    pointer = check.pointer
    return not any(p == pointer or p.startswith(pointer + "/") for p in failed)


def _details(check: Check, value: Any, outcome: Any) -> list[dict[str, Any]]:
    if outcome is None or outcome is True:
        return []
    if outcome is False:
        outcome = "Not accepted"
    items = outcome if isinstance(outcome, list) else [outcome]
    details = []
    for item in items:
        detail: dict[str, Any] = {
            "field": check.field, "location": "body", "pointer": check.pointer,
            "message": str(item), "code": check.code,
        }
        if check.field:
            detail["value"] = value
        if isinstance(item, dict):
            detail.update(item)
        details.append(detail)
    return details
