"""The bundled document as bytes: JSON through orjson, YAML through libyaml.

Both are encoded once, when the app compiles; the docs routes send the bytes as they are.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import yaml

__all__ = ["encode_json", "encode_yaml"]


class _BundleDumper(yaml.CSafeDumper):
    """libyaml's safe dumper, without anchors: a bundle repeats objects rather than aliasing."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: _BundleDumper, value: str) -> yaml.ScalarNode:
    """Multi-line strings (descriptions) as ``|`` blocks, as people write them."""
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BundleDumper.add_representer(str, _represent_str)
# NOTE: the dumper quotes a string when a YAML 1.1 reader would take it for something else;
# YAML 1.2 readers (CovetPy's loader, js-yaml in the UIs) also read these as numbers.
_BundleDumper.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)
_BundleDumper.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^0o[0-7]+$"), ["0"])


def encode_json(document: Any, *, indent: bool = False) -> bytes:
    """UTF-8 JSON; ``indent`` for two-space indentation (``covet openapi``).

    Example:
        >>> encode_json({"openapi": "3.1.0"})
        b'{"openapi":"3.1.0"}'
    """
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if indent else 0)
    try:
        return orjson.dumps(document, option=option)
    except orjson.JSONEncodeError:
        # NOTE: orjson refuses integers beyond 64 bits, which YAML and JSON documents may hold.
        text = json.dumps(document, ensure_ascii=False, indent=2 if indent else None)
        return text.encode("utf-8")


def encode_yaml(document: Any) -> bytes:
    """UTF-8 YAML in the document's own key order; strings YAML 1.1 would misread are quoted.

    Example:
        >>> encode_yaml({"enum": ["on", "18:00"]})
        b"enum:\\n- 'on'\\n- '18:00'\\n"
    """
    text = yaml.dump(document, Dumper=_BundleDumper, sort_keys=False, allow_unicode=True, width=120)
    return text.encode("utf-8")
