"""parse_yaml_with_nodes: parse_yaml's data and errors, and the node tree, from one parse."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml

from covet.spec._yaml import parse_yaml, parse_yaml_with_nodes

SAMPLES = [
    "a: 1\nb: [1, 2.5, .inf, -.Inf, 0x1F, 0o17, 012]\nc: {d: null, e: ~, f: TRUE, g: off}\n",
    "t: 18:00\nd: 2024-01-01T00:00:00Z\nq: '42'\ne: ''\nn:\n",
    "200: a\n404: b\ntrue: c\nnull: d\n1e3: e\n'quoted': g\n",
    "!!timestamp 2001-12-14",
    "v: !!str 12\nw: !!int '7'\nx: !!float '1'\ny: !!bool yes\nz: !!null whatever\n",
    "base: &b {x: 1, y: 2}\nother: {<<: *b, y: 3}\n",
    "a: &a {k: 1}\nb: &b {k: 2}\nc:\n  <<: [*a, *b]\n  j: 0\n",
    "a: &x {k: [1, 2]}\nb: *x\nc: *x\n",
    "- &s [1]\n- *s\n",
    "just text",
    "",
    "a: 1\nb:\n  c: 1\n  c: 2\n",
    "200: a\n'200': b\n",
    "? [a, b]\n: 1\n",
    "v: !!binary aGk=\n",
    "v: !!set {a: null}\n",
    "v: !custom 1\n",
    "v: !!bool maybe\n",
    "a: [1, 2\n",
    "a: b: c\n",
]


def outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        return "data", parse(text)
    except yaml.YAMLError as exc:
        return "error", str(exc)
    except Exception as exc:  # noqa: BLE001  compared, whatever it is
        return "raised", repr(exc)


@pytest.mark.parametrize("text", SAMPLES)
def test_data_and_errors_are_parse_yamls(text: str) -> None:
    expected = outcome(parse_yaml, text)
    assert outcome(lambda data: parse_yaml_with_nodes(data)[0], text) == expected


def test_floats_keep_their_special_values() -> None:
    value, _ = parse_yaml_with_nodes("[.nan, -.inf]")
    assert math.isnan(value[0]) and value[1] == -math.inf


def test_an_alias_is_one_shared_object() -> None:
    value, _ = parse_yaml_with_nodes("a: &x {k: 1}\nb: *x\n")
    assert value["a"] is value["b"]


def test_a_recursive_alias_is_a_recursive_object_as_with_parse_yaml() -> None:
    value, _ = parse_yaml_with_nodes("a: &x {self: *x}\n")
    assert value["a"]["self"] is value["a"]


def test_the_node_tree_comes_with_the_data() -> None:
    _, root = parse_yaml_with_nodes("a:\n  b: 1\n")
    assert root is not None
    assert root.value[0][1].value[0][0].start_mark.line == 1


def test_merge_keys_are_left_to_the_full_loader_and_keep_the_nodes() -> None:
    value, root = parse_yaml_with_nodes("base: &b {x: 1}\nother: {<<: *b}\n")
    assert value == {"base": {"x": 1}, "other": {"x": 1}}
    assert root is not None
