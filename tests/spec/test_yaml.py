"""YAML 1.2 core-schema scalars on libyaml: the YAML 1.1 traps real specs hit stay strings."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml

from covet.spec._yaml import SpecYamlLoader, compose_yaml, parse_yaml


def value_of(text: str) -> Any:
    return parse_yaml(f"v: {text}\n")["v"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # YAML 1.1 sexagesimal numbers (museum's `example: 18:00` would be 1080)
        ("18:00", "18:00"),
        ("09:00", "09:00"),
        ("1:30:00", "1:30:00"),
        ("190:20:30.15", "190:20:30.15"),
        # YAML 1.1 booleans (DigitalOcean's `off`, openfigi's `ON`, Adyen's `Y`/`N`)
        ("off", "off"),
        ("on", "on"),
        ("ON", "ON"),
        ("Off", "Off"),
        ("yes", "yes"),
        ("no", "no"),
        ("NO", "NO"),
        ("y", "y"),
        ("n", "n"),
        ("Y", "Y"),
        ("N", "N"),
        # YAML 1.1 timestamps (109 of them in DigitalOcean)
        ("2024-01-01", "2024-01-01"),
        ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
        ("2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -5"),
        # YAML 1.1 ints that 1.2 reads differently
        ("18_24", "18_24"),
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("0755", 755),
        ("=", "="),
        # what stays typed
        ("true", True),
        ("false", False),
        ("True", True),
        ("FALSE", False),
        ("tRuE", True),
        ("null", None),
        ("~", None),
        ("", None),
        ("42", 42),
        ("-7", -7),
        ("+3", 3),
        ("0x1F", 31),
        ("0o17", 15),
        ("1.5", 1.5),
        ("1.", 1.0),
        ("-.5", -0.5),
        ("1e3", 1000.0),
        ("6.02E+23", 6.02e23),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        # quoting always means a string
        ('"true"', "true"),
        ("'42'", "42"),
        ('"18:00"', "18:00"),
    ],
)
def test_scalar_typing_follows_yaml_1_2_core_schema(text: str, expected: Any) -> None:
    value = value_of(text)
    assert value == expected
    assert type(value) is type(expected)


def test_nan_is_a_float() -> None:
    assert math.isnan(value_of(".nan"))


def test_explicit_timestamp_tag_stays_text() -> None:
    assert value_of("!!timestamp 2001-12-14") == "2001-12-14"


@pytest.mark.parametrize("tag", ["!!binary aGk=", "!!set {a: null}", "!!omap [a: 1]"])
def test_yaml_types_without_a_json_equivalent_are_refused(tag: str) -> None:
    with pytest.raises(yaml.MarkedYAMLError, match="no JSON equivalent"):
        value_of(tag)


def test_keys_keep_the_text_they_were_written_with() -> None:
    doc = parse_yaml("200: a\n404: b\ntrue: c\nnull: d\n1e3: e\n0x10: f\n'quoted': g\n")
    assert list(doc) == ["200", "404", "true", "null", "1e3", "0x10", "quoted"]


def test_response_codes_are_string_keys() -> None:
    doc = parse_yaml("responses:\n  200: {description: ok}\n  default: {description: no}\n")
    assert set(doc["responses"]) == {"200", "default"}


def test_duplicate_keys_are_refused_with_both_lines() -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        parse_yaml("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert "duplicate key 'c' (first written on line 3)" in str(caught.value.problem)
    assert caught.value.problem_mark is not None
    assert caught.value.problem_mark.line == 3


def test_keys_equal_only_after_typing_are_duplicates() -> None:
    with pytest.raises(yaml.MarkedYAMLError, match="duplicate key '200'"):
        parse_yaml("200: a\n'200': b\n")


def test_complex_keys_are_refused() -> None:
    with pytest.raises(yaml.MarkedYAMLError, match="mapping key must be a string"):
        parse_yaml("? [a, b]\n: 1\n")


def test_merge_keys_merge_and_written_keys_win() -> None:
    doc = parse_yaml("base: &b {x: 1, y: 2}\nother: {<<: *b, y: 3}\n")
    assert doc["other"] == {"x": 1, "y": 3}


def test_a_key_overriding_a_merged_key_is_not_a_duplicate() -> None:
    doc = parse_yaml("a: &a {k: 1}\nb: &b {k: 2}\nc:\n  <<: [*a, *b]\n  j: 0\n")
    assert doc["c"] == {"k": 1, "j": 0}  # the first merged mapping wins, as YAML says


def test_aliases_share_one_object() -> None:
    doc = parse_yaml("a: &x {k: 1}\nb: *x\n")
    assert doc["a"] is doc["b"]


def test_compose_keeps_line_marks_with_the_same_rules() -> None:
    node = compose_yaml("a: 1\nb: off\n")
    assert node is not None
    key, value = node.value[1]
    assert key.start_mark.line == 1
    assert value.tag == "tag:yaml.org,2002:str"


def test_loader_stays_on_libyaml() -> None:
    assert issubclass(SpecYamlLoader, yaml.CSafeLoader)
