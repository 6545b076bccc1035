"""YAML for OpenAPI documents: libyaml speed, YAML 1.2 core-schema scalars.

PyYAML implements YAML 1.1, whose implicit typing silently rewrites values that real specs
contain: ``18:00`` becomes the integer 1080 (sexagesimal), ``off``/``on``/``yes``/``no`` become
booleans, an unquoted ``2024-01-01T00:00:00Z`` becomes a ``datetime`` and ``0755`` an octal
int. :class:`SpecYamlLoader` keeps libyaml's C parser (8x faster than the pure-Python one) and
swaps the implicit resolvers for the YAML 1.2 core schema, so those values stay strings.

Mapping keys are always strings: a plain key keeps the text it was written with (``200:`` is
``"200"``, as OpenAPI means it), and a key written twice in one mapping is an error.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

__all__ = ["SpecYamlLoader", "YamlNodeLoader", "compose_yaml", "parse_yaml", "parse_yaml_with_nodes"]

_TAG = "tag:yaml.org,2002:"
_MERGE_TAG = _TAG + "merge"

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), except that
# booleans are matched in any case (``TRUE``, ``True``, ``tRuE``) as the CovetPy docs promise.
_BOOL = re.compile(r"^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
# A float needs a dot, an exponent or a special value, so it never shadows an int.
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9]+[eE][-+]?[0-9]+
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)

_RESOLVERS: list[tuple[str, re.Pattern[str], str]] = [
    (_TAG + "bool", _BOOL, "tTfF"),
    (_TAG + "null", _NULL, "~nN"),
    (_TAG + "int", _INT, "-+0123456789"),
    (_TAG + "float", _FLOAT, "-+0123456789."),
    (_MERGE_TAG, re.compile(r"^<<$"), "<"),
]


def _resolver_table() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    """libyaml's CParser asks ``resolve()`` for each plain scalar; this is the table it reads."""
    table: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {"": [(_TAG + "null", _NULL)]}
    for tag, pattern, first_chars in _RESOLVERS:
        for char in first_chars:
            table.setdefault(char, []).append((tag, pattern))
    return table


def _int_of(text: str) -> int:
    """YAML 1.2 ints: decimal (leading zeros are decimal, not octal), ``0o`` octal, ``0x`` hex."""
    if text.startswith(("0o", "0x")):
        return int(text, 0)
    return int(text, 10)


def _float_of(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(text)


_SCALAR_TABLE = _resolver_table()
_STR_TAG = _TAG + "str"
_SEQ_TAG = _TAG + "seq"
_MAP_TAG = _TAG + "map"


def _resolve(kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
    """The tag of a node without an explicit one.

    PERF: libyaml calls this for every node; PyYAML's generic ``resolve`` (wildcard lists, path
    resolvers this loader never uses) cost about a third of a large spec's parse time.
    """
    if kind is ScalarNode:
        if implicit[0]:
            for tag, pattern in _SCALAR_TABLE.get(value[:1], ()):
                if pattern.match(value):
                    return tag
        return _STR_TAG
    return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG


class SpecYamlLoader(yaml.CSafeLoader):
    """``CSafeLoader`` with YAML 1.2 core-schema scalars and string keys (see module docstring)."""

    yaml_implicit_resolvers = _SCALAR_TABLE

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        return _resolve(kind, value, implicit)

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Hashable, Any]:
        if not isinstance(node, MappingNode):
            found = type(node).__name__
            raise ConstructorError(
                None, None, f"expected a mapping, found {found}", node.start_mark
            )
        mapping: dict[Hashable, Any] = {}
        has_merge = False
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                has_merge = True
                continue
            key = _key_of(key_node)
            if key in mapping:
                raise _duplicate_key_error(node, key_node, key)
            mapping[key] = self.construct_object(value_node, deep=deep)
        if has_merge:
            self._merge_into(mapping, node, deep)
        return mapping

    def _merge_into(self, mapping: dict[Hashable, Any], node: MappingNode, deep: bool) -> None:
        """``<<: *base``: keys written in the mapping win over merged ones, earlier merges win."""
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = _key_of(key_node)
            if key not in mapping:
                mapping[key] = self.construct_object(value_node, deep=deep)

    def construct_yaml_int(self, node: Node) -> int:
        return _int_of(str(self.construct_scalar(node)))  # type: ignore[arg-type]

    def construct_yaml_float(self, node: Node) -> float:
        return _float_of(str(self.construct_scalar(node)))  # type: ignore[arg-type]

    def construct_as_text(self, node: Node) -> str:
        """An explicit ``!!timestamp`` stays the text it was written as."""
        return str(self.construct_scalar(node))  # type: ignore[arg-type]

    def construct_not_json(self, node: Node) -> Any:
        raise ConstructorError(
            None,
            None,
            f"the YAML type {node.tag!r} has no JSON equivalent; an OpenAPI document must be JSON data",
            node.start_mark,
        )


SpecYamlLoader.add_constructor(_TAG + "int", SpecYamlLoader.construct_yaml_int)
SpecYamlLoader.add_constructor(_TAG + "float", SpecYamlLoader.construct_yaml_float)
SpecYamlLoader.add_constructor(_TAG + "timestamp", SpecYamlLoader.construct_as_text)
for _name in ("binary", "set", "omap", "pairs"):
    SpecYamlLoader.add_constructor(_TAG + _name, SpecYamlLoader.construct_not_json)


class YamlNodeLoader(yaml.CSafeLoader):
    """Composes (no construction) with the same scalar rules, for line numbers on demand."""

    yaml_implicit_resolvers = SpecYamlLoader.yaml_implicit_resolvers

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        return _resolve(kind, value, implicit)


def _key_of(key_node: Node) -> str:
    if isinstance(key_node, ScalarNode):
        return str(key_node.value)
    raise ConstructorError(
        None,
        None,
        "a mapping key must be a string, not a nested mapping or list",
        key_node.start_mark,
    )


def _duplicate_key_error(node: MappingNode, duplicate: Node, key: str) -> ConstructorError:
    first = next(k for k, _ in node.value if isinstance(k, ScalarNode) and k.value == key)
    return ConstructorError(
        None,
        None,
        f"duplicate key {key!r} (first written on line {first.start_mark.line + 1}); "
        "YAML forbids repeated keys and only the last one would be kept: merge or rename them",
        duplicate.start_mark,
    )


def parse_yaml(data: bytes | str) -> Any:
    """Parse one YAML document; raises ``yaml.YAMLError`` (with a mark) on bad input."""
    loader = SpecYamlLoader(data)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def compose_yaml(data: bytes | str) -> Node | None:
    """The node tree of one YAML document (keeps line/column marks)."""
    loader = YamlNodeLoader(data)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def parse_yaml_with_nodes(data: bytes | str) -> tuple[Any, Node | None]:
    """The data of one YAML document and its node tree (line marks), from one parse.

    PERF: ``covet validate`` needs both the data and, for its findings, the lines; parsing
    twice cost ~0.1 s on Adyen's 778 KB spec. The node tree is composed once and turned into
    data here; anything but plain mappings, sequences and the core-schema scalars (merge keys,
    a duplicate or non-scalar key, another tag, an error) is parsed again by
    :class:`SpecYamlLoader`, so the data and every error are exactly :func:`parse_yaml`'s.
    """
    try:
        root = compose_yaml(data)
    except Exception:  # noqa: BLE001  NOTE: the full loader raises its own error
        return parse_yaml(data), None
    try:
        value = None if root is None else _NodeData().value_of(root)
    except Exception:  # noqa: BLE001  NOTE: the full loader decides; the nodes are still right
        return parse_yaml(data), root
    return value, root


class _Unusual(Exception):
    """A node :class:`_NodeData` does not convert: the full loader does it."""


_BOOL_VALUES = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}
_SCALARS: dict[str, Any] = {
    _STR_TAG: str,
    _TAG + "null": lambda text: None,
    _TAG + "int": _int_of,
    _TAG + "float": _float_of,
    _TAG + "timestamp": str,
    _TAG + "bool": lambda text: _BOOL_VALUES[text.lower()],
}


class _NodeData:
    """Node tree -> data, as SpecYamlLoader constructs it (an alias is one shared object)."""

    def __init__(self) -> None:
        self.made: dict[int, Any] = {}

    def value_of(self, node: Node) -> Any:
        made = self.made.get(id(node), self)
        if made is not self:
            return made
        if isinstance(node, ScalarNode):
            convert = _SCALARS.get(node.tag)
            if convert is None:
                raise _Unusual(node.tag)
            value = self.made[id(node)] = convert(node.value)
            return value
        if isinstance(node, MappingNode) and node.tag == _MAP_TAG:
            return self._mapping(node)
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ_TAG:
            items: list[Any] = []
            self.made[id(node)] = items
            items.extend(self.value_of(item) for item in node.value)
            return items
        raise _Unusual(node.tag)

    def _mapping(self, node: MappingNode) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        self.made[id(node)] = mapping
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                raise _Unusual("key")
            key = str(key_node.value)
            if key in mapping:
                raise _Unusual("duplicate key")
            mapping[key] = self.value_of(value_node)
        return mapping
