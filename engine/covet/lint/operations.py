"""Checks of one operation as written: operationId, responses, security, path parameters."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from covet.errors import SpecError
from covet.lint.collector import Collector
from covet.lint.sites import OperationSite
from covet.spec import SpecDocument
from covet.spec.compiler import escape_pointer

__all__ = ["check_operation", "check_security", "security_schemes"]

_TEMPLATE_PARAM = re.compile(r"\{([^{}]+)\}")
_SUCCESS = re.compile(r"^[23](?:\d\d|XX)$")


def check_operation(
    doc: SpecDocument, site: OperationSite, schemes: Collection[str], out: Collector
) -> bool:
    """Record what is wrong with ``site``; False when its path parameters do not match.

    (The compiler refuses such an operation, so the caller does not compile it.)
    """
    _check_operation_id(doc, site, out)
    _check_success_response(doc, site, out)
    _check_integer_parameters(doc, site, out)
    check_security(doc, site.op.get("security"), site.file, site.pointer, schemes, out)
    return _check_path_parameters(doc, site, out)


def _check_operation_id(doc: SpecDocument, site: OperationSite, out: Collector) -> None:
    if site.op.get("operationId") or site.op.get("x-covet-handler"):
        return
    out.add(
        "operation-id-missing",
        f"{site.label} has no operationId, so no handler can be bound to it; add "
        "operationId: <handler name>, or x-covet-handler: 'package.module:function'",
        file=site.file, pointer=site.pointer, doc=doc,
    )


def _check_success_response(doc: SpecDocument, site: OperationSite, out: Collector) -> None:
    responses = site.op.get("responses")
    codes = [str(code) for code in responses] if isinstance(responses, Mapping) else []
    if any(_SUCCESS.match(code.upper()) for code in codes):
        return
    declared = ", ".join(codes) if codes else "none"
    out.add(
        "no-success-response",
        f"{site.label} declares no 2xx or 3xx response (declared: {declared}); add the response "
        "a successful call returns, e.g. '200' with its content or '204'",
        file=site.file,
        pointer=site.pointer + ("/responses" if "responses" in site.op else ""),
        doc=doc,
    )


def security_schemes(doc: SpecDocument) -> frozenset[str]:
    """The names under the root's ``components.securitySchemes``."""
    components = doc.root.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, Mapping) else None
    return frozenset(str(name) for name in schemes) if isinstance(schemes, Mapping) else frozenset()


def check_security(
    doc: SpecDocument,
    requirements: Any,
    file: str,
    owner: str,
    schemes: Collection[str],
    out: Collector,
) -> None:
    """Each name in a ``security`` list (at ``owner + /security``) must be a defined scheme."""
    if not isinstance(requirements, list):
        return
    for index, requirement in enumerate(requirements):
        if not isinstance(requirement, Mapping):
            continue
        for name in requirement:
            if str(name) in schemes:
                continue
            defined = ", ".join(sorted(schemes)) or "none"
            out.add(
                "security-scheme-undefined",
                f"security requirement names scheme {str(name)!r}, which is not in "
                f"components.securitySchemes (defined: {defined}); define it there or fix the name",
                file=file,
                pointer=f"{owner}/security/{index}/{escape_pointer(str(name))}",
                doc=doc,
            )


def _check_integer_parameters(doc: SpecDocument, site: OperationSite, out: Collector) -> None:
    """An integer parameter without format or bounds reaches the handler as any int64.

    CovetPy refuses what 64 bits cannot hold, but a 32-bit column (or a Python API) may hold
    less: say so where the parameter is declared, once per operation that uses it.
    """
    for name, schema, file, pointer in _parameter_schemas(doc, site):
        if not _unbounded_integer(schema):
            continue
        out.add(
            "integer-param-unbounded",
            f"integer parameter {name!r} of {site.label} has no format and no minimum/maximum: "
            "CovetPy accepts any 64-bit value (past it, a 422); if it reaches a 32-bit column, "
            "declare format: int32, or the range it can hold",
            file=file, pointer=pointer, doc=doc,
        )


def _parameter_schemas(
    doc: SpecDocument, site: OperationSite
) -> list[tuple[str, Mapping[str, Any], str, str]]:
    """``(name, dereferenced schema, file, pointer)`` of each merged parameter (operation wins)."""
    merged: dict[tuple[str, str], tuple[str, Mapping[str, Any], str, str]] = {}
    for param, param_file, file, at in _listed_parameters(doc, site):
        schema = param.get("schema")
        try:
            if isinstance(schema, Mapping):
                schema = doc.deref(schema, param_file, at + "/schema")[0]
        except SpecError:
            continue  # NOTE: the broken $ref is its own finding
        if isinstance(schema, Mapping):
            key = (str(param["name"]), str(param.get("in")))
            merged[key] = (key[0], schema, file, at)
    return list(merged.values())


def _listed_parameters(
    doc: SpecDocument, site: OperationSite
) -> Iterator[tuple[Mapping[str, Any], str, str, str]]:
    """``(parameter, its file, listing file, listing pointer)``: path item's first, then the
    operation's; entries whose $ref is broken are skipped (their own finding)."""
    for owner, file, pointer in (
        (site.path_item, site.item_file, site.item_pointer), (site.op, site.file, site.pointer)
    ):
        raw = owner.get("parameters")
        for index, item in enumerate(raw if isinstance(raw, list) else []):
            at = f"{pointer}/parameters/{index}"
            try:
                param, param_file, _ = doc.deref(item, file, at)
            except SpecError:
                continue
            if isinstance(param, Mapping) and "name" in param:
                yield param, param_file, file, at


def _unbounded_integer(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    kinds = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()
    if "integer" not in kinds or schema.get("format") in ("int32", "int64"):
        return False
    has_min = "minimum" in schema or "exclusiveMinimum" in schema
    has_max = "maximum" in schema or "exclusiveMaximum" in schema
    return not (has_min and has_max)


def _check_path_parameters(doc: SpecDocument, site: OperationSite, out: Collector) -> bool:
    declared = _declared_path_parameters(doc, site)
    in_template = _TEMPLATE_PARAM.findall(site.template)
    for name in dict.fromkeys(in_template):
        if name not in declared:
            out.add(
                "path-param-undeclared",
                f"path {site.template!r} has {{{name}}} but {site.label} declares no "
                f"'in: path' parameter named {name!r}; add one (required: true) to 'parameters'",
                file=site.file, pointer=site.pointer, doc=doc,
            )
    for name, (file, pointer) in declared.items():
        if name not in in_template:
            out.add(
                "path-param-not-in-template",
                f"path parameter {name!r} of {site.label} is not in the path {site.template!r}; "
                f"add {{{name}}} to the path or change the parameter's 'in'",
                file=file, pointer=pointer, doc=doc,
            )
    return set(in_template) == set(declared)


def _declared_path_parameters(doc: SpecDocument, site: OperationSite) -> dict[str, tuple[str, str]]:
    """``name -> (file, pointer)`` of the merged ``in: path`` parameters (operation wins).

    The location is the entry in the ``parameters`` list: a shared component parameter is
    misused by the operation listing it, so that is where the fix goes.
    """
    declared: dict[str, tuple[str, str]] = {}
    for param, _param_file, file, at in _listed_parameters(doc, site):
        if param.get("in") == "path":
            declared[str(param["name"])] = (file, at)  # where it is listed, maybe as a $ref
    return declared
