"""Line numbers for JSON pointers, computed only when an error needs one.

Loading keeps no positions (PERF: marks on every node would slow the success path and hold
memory). When an error is reported, the one file involved is parsed again: YAML into libyaml's
node tree, which carries marks; JSON with a small scanner that skips values it does not need.
"""

from __future__ import annotations

import json
import re

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from covet.spec._yaml import compose_yaml

__all__ = ["JsonLines", "YamlLines", "lines_for"]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


class YamlLines:
    """Pointer -> line over one composed YAML document."""

    def __init__(self, data: bytes | None, root: Node | None = None) -> None:
        """Over ``data``, composed here; or over the ``root`` of an already composed tree."""
        self.root = compose_yaml(data) if data is not None else root

    def line_of(self, tokens: list[str]) -> int | None:
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line
        for token in tokens:
            found = _yaml_child(node, token)
            if found is None:
                return None
            line, node = found
        return line + 1


def _yaml_child(node: Node, token: str) -> tuple[int, Node] | None:
    """The (0-based line, node) of ``token`` under ``node``: a mapping key's line, or an item's."""
    if isinstance(node, MappingNode):
        return _yaml_key(node, token)
    if isinstance(node, SequenceNode) and token.isdigit() and int(token) < len(node.value):
        item: Node = node.value[int(token)]
        return item.start_mark.line, item
    return None


def _yaml_key(node: MappingNode, token: str) -> tuple[int, Node] | None:
    merged: list[Node] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            merged.extend(
                value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            )
        elif isinstance(key_node, ScalarNode) and key_node.value == token:
            return key_node.start_mark.line, value_node
    for source in merged:
        found = _yaml_child(source, token)
        if found is not None:
            return found
    return None


class JsonLines:
    """Pointer -> line over JSON text, without building the document."""

    def __init__(self, data: bytes) -> None:
        self.text = data.decode("utf-8-sig")
        self.decoder = json.JSONDecoder()

    def line_of(self, tokens: list[str]) -> int | None:
        try:
            pos = self._find(tokens)
        except (ValueError, IndexError):  # not JSON after all, or truncated
            return None
        return None if pos is None else self.text.count("\n", 0, pos) + 1

    def _find(self, tokens: list[str]) -> int | None:
        """Where the node at ``tokens`` is written: its key if it has one, else its value."""
        line_pos = value_pos = self._skip_space(0)
        for token in tokens:
            opener = self.text[value_pos]
            if opener == "{":
                found = self._find_key(value_pos, token)
            elif opener == "[" and token.isdigit():
                found = self._find_item(value_pos, int(token))
            else:
                return None
            if found is None:
                return None
            line_pos, value_pos = found
        return line_pos

    def _find_key(self, pos: int, token: str) -> tuple[int, int] | None:
        """(key position, value position) of ``token`` in the object at ``pos``."""
        pos = self._skip_space(pos + 1)
        while self.text[pos] == '"':
            key_pos = pos
            key, pos = json.decoder.scanstring(self.text, pos + 1)  # type: ignore[attr-defined]
            pos = self._skip_space(self._skip_space(pos) + 1)  # past the ':'
            if key == token:
                return key_pos, pos
            pos = self._after_value(pos)
        return None

    def _find_item(self, pos: int, index: int) -> tuple[int, int] | None:
        pos = self._skip_space(pos + 1)
        for _ in range(index):
            if self.text[pos] == "]":
                return None
            pos = self._after_value(pos)
        return None if self.text[pos] == "]" else (pos, pos)

    def _after_value(self, pos: int) -> int:
        """Skip one value and the ``,`` after it."""
        _, end = self.decoder.raw_decode(self.text, pos)
        end = self._skip_space(end)
        if self.text[end] == ",":
            end = self._skip_space(end + 1)
        return end

    def _skip_space(self, pos: int) -> int:
        match = _JSON_SPACE.match(self.text, pos)
        return match.end() if match else pos


def lines_for(path: str, data: bytes) -> YamlLines | JsonLines:
    """The line finder for one file, chosen by extension like the loader chooses its parser."""
    if path.lower().endswith(".json"):
        return JsonLines(data)
    return YamlLines(data)
