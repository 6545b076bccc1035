"""Names and places in ``components`` for the objects the bundler hoists.

>>> base_name("/api/schemas/MenuItem.yaml", "")
'MenuItem'
>>> base_name("/api/common.yaml", "/components/schemas/Order")
'Order'
>>> fresh_name("Error", {"Error", "Error_2"})
'Error_3'
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import quote

from covet.docs._structure import SECTION_KINDS
from covet.spec import SpecDocument
from covet.spec._pointer import join_pointer, split_pointer

__all__ = [
    "Target",
    "base_name",
    "escape_token",
    "fragment",
    "fresh_name",
    "root_claims",
    "taken_names",
]

Target = tuple[str, str, str]
"""A hoisted object: (file, JSON pointer in it, components section)."""

_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]")
_FRAGMENT_SAFE = "/~!$&'()*+,;=:@-._"


def root_claims(spec: SpecDocument) -> dict[Target, str]:
    """Root components that only point to another file: that object takes their name.

    ``components: {schemas: {Pet: {$ref: schemas/pet.yaml}}}`` -> ``{(pet.yaml, "", "schemas"): "Pet"}``.
    """
    claims: dict[Target, str] = {}
    components = spec.root.get("components")
    for section in SECTION_KINDS:
        entries = components.get(section) if isinstance(components, dict) else None
        for name, entry in (entries or {}).items() if isinstance(entries, dict) else ():
            if not (
                isinstance(entry, dict)
                and list(entry) == ["$ref"]
                and isinstance(entry["$ref"], str)
            ):
                continue
            at = join_pointer(["components", section, name])
            _, file, pointer = spec.resolve(entry["$ref"], spec.path, at=at)
            if file != spec.path:
                claims.setdefault((file, pointer, section), name)
    return claims


def taken_names(root: dict[str, Any]) -> dict[str, set[str]]:
    """Section -> the names the root document already uses there."""
    components = root.get("components")
    taken: dict[str, set[str]] = {section: set() for section in SECTION_KINDS}
    if isinstance(components, dict):
        for section, entries in components.items():
            if section in taken and isinstance(entries, dict):
                taken[section].update(entries)
    return taken


def base_name(file: str, pointer: str) -> str:
    """The pointer's last token, else the file's stem; only ``A-Za-z0-9._-`` characters."""
    tokens = split_pointer(pointer)
    stem = os.path.splitext(os.path.basename(file))[0]
    name = tokens[-1] if tokens else stem
    if not _NAME_CHARS.sub("", name) or name.isdigit():
        name = "_".join([stem, *tokens])
    return _NAME_CHARS.sub("_", name)


def fresh_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... whichever is free first."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}_{number}"
    return candidate


def escape_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def fragment(pointer: str) -> str:
    """``/components/schemas/Pet`` -> ``#/components/schemas/Pet`` (percent-encoded)."""
    return "#" + quote(pointer, safe=_FRAGMENT_SAFE)
