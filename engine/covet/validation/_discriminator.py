"""``oneOf``/``anyOf`` + ``discriminator`` -> a tag-dispatched schema.

The compiled form reads the tag first and validates only the branch it names, so a client gets
that branch's errors (or one clear "unknown tag" error), never "matches none of oneOf":

    {"allOf": [..., {
        "type": "object",                                  # only if the schema had no type
        "required": ["petType"],
        "properties": {"petType": {"$comment": "covet:discriminator", "enum": ["cat", "dog"]}},
        "allOf": [{"if": {"properties": {"petType": {"const": "cat"}}, "required": ["petType"]},
                   "then": {"$ref": "#/$defs/Cat"}}, ...]}]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from covet.errors import SpecError
from covet.validation._errors import DISCRIMINATOR_MARK, MARKER_KEY
from covet.validation._pointer import escape, last_segment

if TYPE_CHECKING:
    from covet.validation.schema import SchemaCompiler, _Unit

Target = tuple[str, str]


class DiscriminatorBuilder:
    """Rewrites discriminated ``oneOf``/``anyOf`` for one compiler."""

    def __init__(self, compiler: SchemaCompiler) -> None:
        self._compiler = compiler

    def apply(self, schema: dict[str, Any], out: dict[str, Any], unit: _Unit, pointer: str) -> None:
        """Replace ``out``'s oneOf/anyOf by tag dispatch when every branch can be named.

        NOTE: a discriminator without oneOf/anyOf (the allOf "base schema" pattern) and one
        over inline branches that no mapping names are left to plain JSON Schema semantics.
        """
        where = pointer + "/discriminator"
        spec = schema["discriminator"]
        if not isinstance(spec, dict) or not isinstance(spec.get("propertyName"), str):
            raise SpecError(
                "discriminator needs a 'propertyName' string", file=unit.file, pointer=where
            )
        keyword = "oneOf" if "oneOf" in out else "anyOf" if "anyOf" in out else None
        if keyword is None:
            return
        tags = self._tags(spec, schema.get(keyword), unit, where)
        if tags is None:
            return
        del out[keyword]
        out.setdefault("allOf", []).append(_dispatch(spec["propertyName"], tags, "type" in out))

    def _tags(
        self, spec: dict[str, Any], branches: Any, unit: _Unit, where: str
    ) -> dict[str, str] | None:
        """Tag value -> ``#/$defs/<key>``: the explicit mapping, then the implicit names."""
        tags: dict[str, str] = {}
        mapped: set[Target] = set()
        for tag, value in self._mapping(spec, unit, where).items():
            key, target = self._mapping_target(value, unit, f"{where}/mapping/{escape(tag)}")
            unit.refs.add(target)
            mapped.add(target)
            tags[tag] = f"#/$defs/{key}"
        for branch in branches if isinstance(branches, list) else ():
            ref = branch.get("$ref") if isinstance(branch, dict) else None
            if not isinstance(ref, str):
                if not mapped:
                    return None
                continue
            key, target = self._compiler.ref_target(ref, unit.file)
            if target not in mapped:
                tags.setdefault(last_segment(target[1]), f"#/$defs/{key}")
        return tags or None

    @staticmethod
    def _mapping(spec: dict[str, Any], unit: _Unit, where: str) -> dict[str, Any]:
        mapping = spec.get("mapping", {})
        if not isinstance(mapping, dict):
            raise SpecError(
                "discriminator 'mapping' must map tag values to schemas",
                file=unit.file, pointer=where + "/mapping",
            )
        return {str(tag): value for tag, value in mapping.items()}

    def _mapping_target(self, value: Any, unit: _Unit, where: str) -> tuple[str, Target]:
        """A mapping value is a reference or a component schema name."""
        compiler = self._compiler
        candidates: list[tuple[str, str]] = []
        if isinstance(value, str):
            if "#" in value or "/" in value:
                candidates.append((value, unit.file))
            else:
                by_name = f"#/components/schemas/{escape(value)}"
                candidates += [(by_name, unit.file), (by_name, compiler.spec.path)]
                candidates.append((value, unit.file))
        for ref, base in candidates:
            try:
                return compiler.ref_target(ref, base)
            except SpecError:
                continue
        raise SpecError(
            f"discriminator mapping value {value!r} names no schema", file=unit.file, pointer=where
        )


def _dispatch(prop: str, tags: dict[str, str], typed: bool) -> dict[str, Any]:
    dispatch: dict[str, Any] = {} if typed else {"type": "object"}
    dispatch["required"] = [prop]
    dispatch["properties"] = {prop: {MARKER_KEY: DISCRIMINATOR_MARK, "enum": list(tags)}}
    dispatch["allOf"] = [
        {"if": {"properties": {prop: {"const": tag}}, "required": [prop]}, "then": {"$ref": ref}}
        for tag, ref in tags.items()
    ]
    return dispatch
