"""One Parameter Object, read once at startup into everything a request needs about it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from covet._naming import python_name
from covet.errors import SpecError
from covet.validation import _errors, _styles
from covet.validation._coerce import STRING, Coercer, SchemaReader, located
from covet.validation._pointer import escape

LOCATIONS = ("path", "query", "header", "cookie")
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_JSON_TYPES = ("object", "array", "integer", "number", "boolean", "string", "null")


class ParameterSpec(NamedTuple):
    """A dereferenced Parameter Object and where it is written."""

    obj: dict[str, Any]
    base: str
    pointer: str


@dataclass(frozen=True, slots=True)
class Param:
    """Everything decided at startup about one parameter."""

    spec: ParameterSpec
    name: str
    location: str
    python_name: str
    required: bool
    style: str
    explode: bool
    coercer: Coercer
    schema: Any
    schema_pointer: str
    media_type: str | None
    default: Any
    json_type: str | None

    def detail(self, path: Sequence[Any], code: str, message: str, value: Any) -> dict[str, Any]:
        return _errors.make_detail(self.location, (self.name, *path), code, message, value)


def ignored(obj: Mapping[str, Any]) -> bool:
    """Header parameters named Accept, Content-Type or Authorization (OpenAPI: ignored)."""
    return obj.get("in") == "header" and str(obj.get("name", "")).lower() in _IGNORED_HEADERS


def prepare(spec: ParameterSpec, reader: SchemaReader) -> Param:
    """Read a Parameter Object: name, location, style, schema, coercion, default."""
    obj, file, pointer = spec
    name, location = obj.get("name"), obj.get("in")
    if not isinstance(name, str) or location not in LOCATIONS:
        raise SpecError(
            "a Parameter needs a string 'name' and 'in' (path, query, header or cookie)",
            file=file, pointer=pointer,
        )
    schema, schema_pointer, media_type = _schema_of(obj, file, pointer)
    with located(file, schema_pointer):
        coercer = reader.coercer(schema, file) if media_type is None else STRING
        types = reader.types(schema, file)
        default = reader.default(schema, file)
    style = str(obj.get("style") or _styles.DEFAULT_STYLE[location])
    _styles.check_style(location, style, coercer.kind, file, pointer)
    return Param(
        spec=spec, name=name, location=location, python_name=python_name(name),
        required=location == "path" or obj.get("required") is True,
        style=style, explode=bool(obj.get("explode", style == "form")),
        coercer=coercer, schema=schema, schema_pointer=schema_pointer, media_type=media_type,
        default=default,
        json_type=next((t for t in _JSON_TYPES if types and t in types), None),
    )


def _schema_of(obj: Mapping[str, Any], file: str, pointer: str) -> tuple[Any, str, str | None]:
    """(schema, its pointer, media type for ``content`` parameters else None)."""
    if "schema" in obj:
        return obj["schema"], pointer + "/schema", None
    content = obj.get("content")
    if not isinstance(content, dict) or len(content) != 1:
        raise SpecError(
            "a Parameter needs a 'schema' or a 'content' map with exactly one media type",
            file=file, pointer=pointer,
        )
    media_type, media = next(iter(content.items()))
    schema = media.get("schema", {}) if isinstance(media, dict) else {}
    return schema, f"{pointer}/content/{escape(str(media_type))}/schema", str(media_type).lower()


def check_python_names(params: Sequence[Param]) -> None:
    """Handlers receive values by Python name, so two parameters may not share one."""
    seen: dict[str, Param] = {}
    for param in params:
        other = seen.setdefault(param.python_name, param)
        if other is not param:
            raise SpecError(
                f"parameters {other.name!r} ({other.location}) and {param.name!r} "
                f"({param.location}) both become the Python name {param.python_name!r}; "
                "rename one of them",
                file=param.spec.base, pointer=param.spec.pointer,
            )
