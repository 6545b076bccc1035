"""Body checks that need a backend: ``x-covet-unique`` and named async validators.

Built once per operation from its body rules (covet.spec.rules) and covet.yaml; run per request
inside the same provider scopes as the handler (so a uniqueness check and the insert share one
transaction), after the schema check. Their errors join the schema's in one 422.

A rule names its field by path (covet.spec.fields: ``/user/email`` or ``user.email``, at any
depth), and a path the body schema cannot have is a startup error (covet.spec.rules.field_problems,
which
``covet validate`` applies too): a rule that could never run is a mistake, not a no-op.

A validator is ``async def name(value, *, db, request, body) -> None | str | list[str] | dict``:
its first parameter receives the field's value (the whole body for a body-level validator); the
others are injected by name (providers, ``request``, ``body``). ``None`` (or ``True``) means
valid; a string is one error message; a list, several; a dict, a complete error detail.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from covet.binding import import_object
from covet.config import CovetConfig, OperationConfig
from covet.errors import BindingError, ConfigError, SpecError
from covet.request import Request
from covet.spec._pointer import escape_token
from covet.spec.compiler import RequestBodySpec
from covet.spec.fields import MISSING, FieldPath, dotted, lookup, parse_field, pointer_of
from covet.spec.rules import BodyRule, field_problems

__all__ = ["Check", "build_checks", "config_rules", "run_checks"]

Runner = Callable[[Any, Mapping[str, Any], Request, Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Check:
    """One compiled check of one body field (``path`` ``()``: the whole body)."""

    path: FieldPath
    code: str
    providers: tuple[str, ...]
    run: Runner
    field: str = ""
    """The dotted path, an error detail's ``field``."""
    pointer: str = ""
    """The JSON pointer, an error detail's ``pointer``."""
    secret: bool = False
    """The path passes a ``format: password`` or ``writeOnly`` property: no ``value`` in details."""

    @classmethod
    def of(cls, rule: BodyRule, code: str, providers: tuple[str, ...], run: Runner) -> Check:
        return cls(rule.path, code, providers, run, dotted(rule.path), pointer_of(rule.path))


def build_checks(
    rules: Sequence[BodyRule],
    config: CovetConfig,
    *,
    providers: Collection[str],
    operation_id: str | None,
    body: RequestBodySpec | None = None,
    label: str | None = None,
) -> tuple[Check, ...]:
    """Compile ``rules`` (the spec's) plus ``operations.<id>`` unique/validators (covet.yaml).

    Args:
        body: the operation's compiled request body: every rule's path is resolved through its
            schemas.
        label: how messages name the operation (its operationId, else method and path).

    Raises:
        SpecError: a rule names a field the request body schema cannot have, or a path that is
            not a JSON pointer or dotted path.
        BindingError: an unknown validator name, a validator parameter nothing supplies, or a
            uniqueness rule without that database declared.
    """
    op_config = config.operations.get(operation_id or "")
    all_rules = list(rules)
    if op_config is not None:
        all_rules += config_rules(op_config, operation_id or "")
    all_rules = list(dict.fromkeys(all_rules))
    for rule, reason in field_problems(all_rules, body):
        # NOTE: a covet.yaml rule has no file of its own here (the config keeps no path): the
        # message says covet.yaml, the pointer names the key.
        where = "" if rule.file else "covet.yaml: "
        raise (SpecError if rule.file else ConfigError)(
            f"{where}operation {label or operation_id or '?'}: {rule.description} names a field "
            f"its request body cannot have: {reason}; fix the path (a JSON pointer such as "
            "/user/email, or dotted user.email) or declare the property in the body schema",
            file=rule.file or None, pointer=rule.pointer,
        )
    secrets = frozenset().union(*(media.secrets for media in (body.media if body else ())))
    checks = []
    for rule in all_rules:
        if rule.kind == "unique":
            check = _unique_check(rule, providers)
        else:
            check = _validator_check(rule, config.validators, providers)
        checks.append(dataclasses.replace(check, secret=not secrets.isdisjoint(rule.path)))
    return tuple(checks)


def config_rules(op_config: OperationConfig, operation_id: str) -> list[BodyRule]:
    """covet.yaml's ``operations.<id>.unique`` and ``.validators`` as rules, each located at its
    key (``/operations/<id>/unique/0/field``).

    Raises:
        SpecError: a path that is neither a JSON pointer nor a dotted path.
    """
    base = f"/operations/{escape_token(operation_id)}"
    rules = []
    for index, unique in enumerate(op_config.unique):
        pointer = f"{base}/unique/{index}/field"
        rules.append(BodyRule(_config_path(unique.field, pointer), "unique", unique.table,
                              unique.column, unique.database, pointer=pointer, written=unique.field))
    for written, names in op_config.validators.items():
        pointer = f"{base}/validators/{escape_token(written)}"
        path = _config_path(written, pointer)
        rules += [BodyRule(path, "validator", validator=name, pointer=pointer, written=written)
                  for name in names]
    return rules


def _config_path(text: str, pointer: str) -> FieldPath:
    try:
        return parse_field(text)
    except ValueError as exc:
        raise ConfigError(f"covet.yaml field path {exc}", pointer=pointer) from None


def _unique_check(rule: BodyRule, providers: Collection[str]) -> Check:
    name = "db" if rule.database == "default" else rule.database
    if name not in providers:
        raise BindingError(
            f"x-covet-unique on {rule.written or rule.field_pointer!r} needs the database {rule.database!r}: declare it "
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

    return Check.of(rule, "unique", (name,), unique)


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
    return Check.of(rule, rule.validator, needed, call)


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
        if not check.path:
            if body is None or failed:
                continue
            value = body
        else:
            value = lookup(body, check.path)
            if value is MISSING or _failed(check.pointer, failed):
                continue
        found += _details(check, value, await check.run(value, provided, request, body))
    return found


def _failed(pointer: str, failed: Sequence[str]) -> bool:
    """Whether the schema already reported the field, or something inside it."""
    return any(p == pointer or p.startswith(pointer + "/") for p in failed)


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
        if check.path and not check.secret:
            detail["value"] = value  # NOTE: the field's own value, never the envelope around it
        if isinstance(item, dict):
            detail.update(item)
        details.append(detail)
    return details
