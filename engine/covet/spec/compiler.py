"""Compile a loaded OpenAPI document into immutable :class:`Operation` objects.

Sans-I/O: no handlers are imported here and no sockets are touched, so the same step serves the
app, ``covet validate`` and the corpus tests. Everything a request needs later (parameter
decoders, body validators, response media types) is built here, once.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from covet.errors import NoCodecError, SpecError, UnsupportedSpecError
from covet.media import Codec, CodecRegistry, RawCodec, SchemaSite, base_type, default_registry
from covet.spec.rules import BodyRule, collect_body_rules
from covet.validation import (
    ParameterSpec,
    ParametersValidator,
    SchemaCompiler,
    SchemaValidator,
    build_parameters,
)

__all__ = [
    "HTTP_METHODS",
    "MediaBody",
    "Operation",
    "RequestBodySpec",
    "Requirement",
    "ResponseSpec",
    "check_path_template",
    "compile_operation",
    "compile_operations",
    "escape_pointer",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
Requirement = tuple[tuple[str, tuple[str, ...]], ...]
"""One Security Requirement object: (scheme name, required scopes or roles), all of which apply."""

_TEMPLATE_PARAM = re.compile(r"\{([^{}]+)\}")


def escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True, slots=True)
class MediaBody:
    """How one request media type is parsed and checked: its codec, then its schema."""

    media_type: str
    codec: Codec
    """Chosen (and bound to the schema) at compile time: covet.media's registry."""
    validator: SchemaValidator | None
    rules: tuple[BodyRule, ...] = ()
    """``x-covet-unique`` / ``x-covet-validators`` of the body's fields (covet.spec.rules)."""
    secrets: frozenset[str] = frozenset()
    """Names of the body's ``format: password`` and ``writeOnly`` properties, at any depth: their
    values never appear in an error detail or message."""

    @property
    def raw(self) -> bool:
        """The body reaches the handler as bytes (no schema check)."""
        return isinstance(self.codec, RawCodec)


@dataclass(frozen=True, slots=True)
class RequestBodySpec:
    required: bool
    media: tuple[MediaBody, ...]

    def select(self, content_type: str) -> MediaBody | None:
        """The declared media type matching a request's (wildcards and ``+json`` honoured)."""
        for media in self.media:
            if _media_matches(media.media_type, content_type):
                return media
        return None


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    status: str
    media_types: tuple[str, ...]
    validators: Mapping[str, SchemaValidator] = field(default_factory=dict)
    codecs: Mapping[str, Codec | None] = field(default_factory=dict)
    """The codec of each media type (bound to its schema); None for a declared wildcard, whose
    body is chosen by the returned value (JSON for data, text for str, bytes as they are)."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One (method, path) of a spec, compiled."""

    method: str
    path: str
    template: str
    operation_id: str | None
    file: str
    pointer: str
    parameters: ParametersValidator
    request_body: RequestBodySpec | None
    responses: Mapping[str, ResponseSpec]
    default_status: int
    handler_ref: str | None
    summary: str | None
    spec: Mapping[str, Any]
    security: tuple[Requirement, ...] = ()
    """The effective requirement (the operation's ``security``, else the root's): alternatives,
    any one of which suffices (OR); each names schemes that must all pass (AND), with scopes.
    ``()`` is public; an empty alternative ``()`` inside makes authentication optional."""
    security_schemes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """The Security Scheme objects (dereferenced) the requirement names, by scheme name."""
    security_pointer: str = ""
    """Where the effective requirement is written (``/security`` or the operation's)."""

    @property
    def location(self) -> str:
        return f"{self.file}#{self.pointer}"

    @property
    def label(self) -> str:
        return self.operation_id or f"{self.method} {self.template}"


def compile_operations(
    spec: Any,
    *,
    prefix: str = "",
    validate_responses: bool = False,
    compiler: SchemaCompiler | None = None,
    codecs: CodecRegistry | None = None,
) -> list[Operation]:
    """Every operation under ``paths`` of ``spec`` (a loaded ``SpecDocument``), in spec order.

    Raises:
        SpecError: a schema that cannot be compiled, a path key CovetPy cannot route, a
            ``$ref`` that does not resolve, a media type no codec serves (NoCodecError);
            always with file and JSON pointer.
    """
    compiler = compiler or SchemaCompiler(spec)
    codecs = codecs or default_registry()
    paths = spec.root.get("paths") or {}
    if not isinstance(paths, Mapping):
        raise SpecError("'paths' must be a mapping", file=spec.path, pointer="/paths")
    operations: list[Operation] = []
    for template, item in paths.items():
        if str(template).startswith("x-"):
            continue
        pointer = "/paths/" + escape_pointer(str(template))
        check_path_template(str(template), spec.path, pointer)
        path_item, item_file, item_pointer = spec.deref(item, spec.path, pointer)
        if not isinstance(path_item, Mapping):
            raise SpecError("a Path Item must be a mapping", file=item_file, pointer=item_pointer)
        for method in HTTP_METHODS:
            if method not in path_item:
                continue
            operations.append(
                compile_operation(
                    spec, compiler, str(template), prefix, method, path_item, item_file,
                    item_pointer, validate_responses=validate_responses, codecs=codecs,
                )
            )
    return operations


def check_path_template(template: str, file: str, pointer: str) -> None:
    """Refuse a ``paths`` key that is not a routable URL path, with its location."""
    if not template.startswith("/"):
        raise SpecError(f"path {template!r} must start with '/'", file=file, pointer=pointer)
    if "#" in template or "?" in template:
        raise UnsupportedSpecError(
            f"unsupported: path key {template!r} contains '#' or '?', so it is not a URL path "
            "(different keys like this are the same route); give each operation its own path",
            file=file,
            pointer=pointer,
        )


def compile_operation(
    spec: Any,
    compiler: SchemaCompiler,
    template: str,
    prefix: str,
    method: str,
    path_item: Mapping[str, Any],
    item_file: str,
    item_pointer: str,
    *,
    validate_responses: bool = False,
    codecs: CodecRegistry | None = None,
) -> Operation:
    """One operation of a (dereferenced) path item, compiled as the app serves it.

    Raises:
        SpecError: what the app would refuse to start with, located.
    """
    op_pointer = f"{item_pointer}/{method}"
    op, op_file, op_pointer = spec.deref(path_item[method], item_file, op_pointer)
    if not isinstance(op, Mapping):
        raise SpecError("an Operation must be a mapping", file=op_file, pointer=op_pointer)
    params = _merged_parameters(spec, path_item, item_file, item_pointer, op, op_file, op_pointer)
    _check_path_parameters(template, params, op_file, op_pointer)
    codecs = codecs or default_registry()
    responses = _compile_responses(spec, compiler, codecs, op, op_file, op_pointer, validate_responses)
    operation_id = op.get("operationId") or None
    security, schemes, security_pointer = _compile_security(spec, op, op_file, op_pointer)
    return Operation(
        method=method.upper(),
        path=prefix + template,
        template=template,
        operation_id=str(operation_id) if operation_id else None,
        file=op_file,
        pointer=op_pointer,
        parameters=build_parameters(params, compiler),
        request_body=_compile_body(spec, compiler, codecs, op, op_file, op_pointer),
        responses=responses,
        default_status=_default_status(responses),
        handler_ref=op.get("x-covet-handler"),
        summary=op.get("summary"),
        spec=op,
        security=security,
        security_schemes=schemes,
        security_pointer=security_pointer,
    )


def _compile_security(
    spec: Any, op: Mapping[str, Any], op_file: str, op_pointer: str
) -> tuple[tuple[Requirement, ...], dict[str, Mapping[str, Any]], str]:
    """The operation's ``security`` (or else the root's), checked against ``securitySchemes``.

    Raises:
        SpecError: a requirement that is not a list of mappings of scheme name -> list of
            strings, or that names a scheme ``components.securitySchemes`` does not define.
    """
    if "security" in op:
        raw, file, pointer = op["security"], op_file, f"{op_pointer}/security"
    else:
        raw, file, pointer = spec.root.get("security"), spec.path, "/security"
    if raw is None:
        return (), {}, ""
    if not isinstance(raw, list):
        raise SpecError("'security' must be a list of Security Requirement objects", file=file, pointer=pointer)
    defined = ((spec.root.get("components") or {}).get("securitySchemes")) or {}
    requirements: list[Requirement] = []
    schemes: dict[str, Mapping[str, Any]] = {}
    for index, requirement in enumerate(raw):
        where = f"{pointer}/{index}"
        if not isinstance(requirement, Mapping):
            raise SpecError("a Security Requirement must be a mapping of scheme name -> scopes", file=file, pointer=where)
        entries: list[tuple[str, tuple[str, ...]]] = []
        for name, scopes in requirement.items():
            name = str(name)
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                raise SpecError(
                    f"the scopes of {name!r} must be a list of strings ([] for none)",
                    file=file, pointer=f"{where}/{escape_pointer(name)}",
                )
            if name not in defined:
                known = ", ".join(sorted(map(str, defined))) or "none"
                raise SpecError(
                    f"security requirement names scheme {name!r}, which is not in "
                    f"components.securitySchemes (defined: {known}); define it there or fix the name",
                    file=file, pointer=f"{where}/{escape_pointer(name)}",
                )
            if name not in schemes:
                scheme_pointer = f"/components/securitySchemes/{escape_pointer(name)}"
                obj, _obj_file, _obj_pointer = spec.deref(defined[name], spec.path, scheme_pointer)
                if not isinstance(obj, Mapping):
                    raise SpecError("a Security Scheme must be a mapping", file=spec.path, pointer=scheme_pointer)
                schemes[name] = obj
            entries.append((name, tuple(scopes)))
        requirements.append(tuple(entries))
    return tuple(requirements), schemes, pointer


def _merged_parameters(
    spec: Any,
    path_item: Mapping[str, Any],
    item_file: str,
    item_pointer: str,
    op: Mapping[str, Any],
    op_file: str,
    op_pointer: str,
) -> list[ParameterSpec]:
    """Path-level parameters, overridden by operation-level ones with the same (name, in)."""
    merged: dict[tuple[str, str], ParameterSpec] = {}
    for owner, file, pointer in ((path_item, item_file, item_pointer), (op, op_file, op_pointer)):
        for index, raw in enumerate(owner.get("parameters") or []):
            obj, obj_file, obj_pointer = spec.deref(raw, file, f"{pointer}/parameters/{index}")
            if not isinstance(obj, Mapping) or "name" not in obj or "in" not in obj:
                raise SpecError(
                    "a Parameter needs 'name' and 'in'", file=obj_file, pointer=obj_pointer
                )
            merged[(str(obj["name"]), str(obj["in"]))] = ParameterSpec(
                obj=dict(obj), base=obj_file, pointer=obj_pointer
            )
    return list(merged.values())


def _check_path_parameters(
    template: str, params: Sequence[ParameterSpec], file: str, pointer: str
) -> None:
    in_template = set(_TEMPLATE_PARAM.findall(template))
    declared = {p.obj["name"] for p in params if p.obj["in"] == "path"}
    for name in sorted(in_template - declared):
        raise SpecError(
            f"path template {template!r} has {{{name}}} but the operation declares no "
            f"'in: path' parameter named {name!r}; add one to 'parameters'",
            file=file,
            pointer=pointer,
        )
    for name in sorted(declared - in_template):
        raise SpecError(
            f"path parameter {name!r} is declared but {template!r} has no {{{name}}}; "
            "add it to the path or change 'in'",
            file=file,
            pointer=pointer + "/parameters",
        )


def _compile_body(
    spec: Any, compiler: SchemaCompiler, codecs: CodecRegistry, op: Mapping[str, Any],
    file: str, pointer: str,
) -> RequestBodySpec | None:
    if "requestBody" not in op:
        return None
    body, body_file, body_pointer = spec.deref(op["requestBody"], file, pointer + "/requestBody")
    content = body.get("content") or {}
    media: list[MediaBody] = []
    for media_type, media_obj in content.items():
        media_pointer = f"{body_pointer}/content/{escape_pointer(str(media_type))}"
        compiled = _compile_media(
            spec, compiler, codecs, str(media_type).lower(), media_obj or {}, body_file,
            media_pointer,
        )
        schema = (media_obj or {}).get("schema")
        if not compiled.raw and schema is not None:
            rules = collect_body_rules(spec, schema, body_file, media_pointer + "/schema")
            secrets = secret_properties(spec, schema, body_file)
            compiled = dataclasses.replace(compiled, rules=rules, secrets=secrets)
        media.append(compiled)
    # PERF: the most specific media types are tried first, wildcards last.
    media.sort(key=lambda m: m.media_type.count("*"))
    return RequestBodySpec(required=bool(body.get("required", False)), media=tuple(media))


_SUBSCHEMAS = ("items", "additionalProperties", "not", "contains", "unevaluatedProperties")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def secret_properties(spec: Any, schema: Any, file: str) -> frozenset[str]:
    """Property names whose schema is ``format: password`` or ``writeOnly: true``, at any depth
    (``$ref`` followed, each target once)."""
    found: set[str] = set()
    seen: set[tuple[str, str]] = set()
    pending: list[tuple[Any, str]] = [(schema, file)]
    while pending:
        node, base = pending.pop()
        if not isinstance(node, Mapping):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str):
            if (base, ref) in seen:
                continue
            seen.add((base, ref))
            try:
                target, target_file, _ = spec.resolve(ref, base)
            except SpecError:
                continue  # NOTE: the schema compiler reports a broken $ref, located
            pending.append((target, target_file))
            continue
        properties = node.get("properties")
        if isinstance(properties, Mapping):
            for name, sub in properties.items():
                if _is_secret(spec, sub, base):
                    found.add(str(name))
                pending.append((sub, base))
        for key in _SUBSCHEMAS:
            pending.append((node.get(key), base))
        for key in _SUBSCHEMA_LISTS:
            value = node.get(key)
            if isinstance(value, list):
                pending.extend((sub, base) for sub in value)
    return frozenset(found)


def _is_secret(spec: Any, schema: Any, base: str) -> bool:
    for _ in range(16):
        if not isinstance(schema, Mapping):
            return False
        if schema.get("writeOnly") is True or schema.get("format") == "password":
            return True
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return False
        try:
            schema, base, _ = spec.resolve(ref, base)
        except SpecError:
            return False
    return False


def _compile_media(
    spec: Any, compiler: SchemaCompiler, codecs: CodecRegistry, media_type: str,
    media_obj: Mapping[str, Any], file: str, pointer: str,
) -> MediaBody:
    schema = media_obj.get("schema")
    schema_pointer = pointer + "/schema"
    site = SchemaSite(spec, schema, file, schema_pointer, media_obj, "request", compiler)
    codec = _codec_for(codecs, media_type, site, file, pointer)
    if isinstance(codec, RawCodec) or schema is None:
        return MediaBody(media_type, codec, None)
    validator = compiler.validator(
        schema, base=file, pointer=schema_pointer, direction="request", location="body"
    )
    return MediaBody(media_type, codec, validator)


def _codec_for(
    codecs: CodecRegistry, media_type: str, site: SchemaSite, file: str, pointer: str
) -> Codec:
    codec = codecs.for_media(media_type, site)
    if codec is None:
        raise NoCodecError(
            f"no codec serves {base_type(media_type)!r} ({site.direction} body with a structured "
            "schema): declare one under covet.yaml's media.codecs ({'" + base_type(media_type)
            + "': 'package.module:Class'}), or give it a string schema (format: binary) to "
            "take the body as bytes (docs/media-types.md)",
            file=file, pointer=pointer,
        )
    return codec


def _compile_responses(
    spec: Any,
    compiler: SchemaCompiler,
    codecs: CodecRegistry,
    op: Mapping[str, Any],
    file: str,
    pointer: str,
    validate: bool,
) -> dict[str, ResponseSpec]:
    responses: dict[str, ResponseSpec] = {}
    for status, raw in (op.get("responses") or {}).items():
        status = str(status)
        if status.startswith("x-"):
            continue
        resp_pointer = f"{pointer}/responses/{escape_pointer(status)}"
        resp, resp_file, resp_pointer = spec.deref(raw, file, resp_pointer)
        content = (resp or {}).get("content") or {}
        validators: dict[str, SchemaValidator] = {}
        encoders: dict[str, Codec | None] = {}
        for media_type, media_obj in content.items():
            key = str(media_type).lower()
            media_pointer = f"{resp_pointer}/content/{escape_pointer(str(media_type))}"
            schema = (media_obj or {}).get("schema")
            if "*" in base_type(key):
                encoders[key] = None
            else:
                site = SchemaSite(
                    spec, schema, resp_file, media_pointer + "/schema", media_obj or {},
                    "response", compiler,
                )
                encoders[key] = _codec_for(codecs, key, site, resp_file, media_pointer)
            if validate and schema is not None and _is_json(key):
                validators[key] = compiler.validator(
                    schema,
                    base=resp_file,
                    pointer=media_pointer + "/schema",
                    direction="response",
                    location="response",
                )
        responses[status] = ResponseSpec(
            status, tuple(str(m).lower() for m in content), validators, encoders
        )
    return responses


def _default_status(responses: Mapping[str, ResponseSpec]) -> int:
    """The only declared 2xx; else 200 if declared or nothing fits; else the lowest 2xx."""
    success = sorted(s for s in responses if s[0] == "2" and s.isdigit())
    if len(success) == 1 or (success and "200" not in success):
        return int(success[0])
    return 200


def _is_json(media_type: str) -> bool:
    base = media_type.split(";", 1)[0].strip()
    return base == "application/json" or base.endswith("+json")


def _media_matches(declared: str, actual: str) -> bool:
    declared = declared.split(";", 1)[0].strip()
    if declared in (actual, "*/*"):
        return True
    kind, _, sub = declared.partition("/")
    return sub == "*" and kind == actual.partition("/")[0]
