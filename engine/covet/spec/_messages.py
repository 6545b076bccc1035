"""Turn a jsonschema / openapi-spec-validator error into one readable sentence.

The library's messages start with the offending value, which can be a whole document or a
200-item enum. Long literals are cut to a prefix; a few common failures get a plainer wording.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

__all__ = ["abbreviate", "describe_error"]

_LITERAL_LIMIT = 60
_MESSAGE_LIMIT = 400
_CLOSERS = {"{": "}", "[": "]", "(": ")"}
_REF_HINT = (
    "; a $ref cannot stand here: OpenAPI allows a Reference Object only where the "
    "specification says so (not for an Operation, nor for a description)"
)


def describe_error(error: ValidationError, instance: Any) -> str:
    """One line saying what is wrong with ``instance`` (the value the error is about)."""
    keyword = _keyword(error)
    if keyword in ("anyOf", "oneOf"):
        names = _required_alternatives(error)
        if names:
            quantity = "at least" if keyword == "anyOf" else "exactly"
            return f"must contain {quantity} one of {', '.join(map(repr, names))}"
    if keyword == "uniqueItems" and isinstance(instance, list):
        return _duplicates_message(instance)
    text = abbreviate(str(error.message).split("\n", 1)[0])
    if keyword == "type" and isinstance(instance, dict) and "$ref" in instance:
        text += _REF_HINT
    return text


def _keyword(error: ValidationError) -> str | None:
    if isinstance(error.validator, str):
        return error.validator
    keywords = [part for part in error.schema_path if isinstance(part, str)]
    return keywords[-1] if keywords else None


def _required_alternatives(error: ValidationError) -> list[str]:
    """``anyOf: [{required: [paths]}, {required: [webhooks]}]`` -> ``["paths", "webhooks"]``."""
    alternatives = _schema_at(error.schema, list(error.schema_path))
    names: list[str] = []
    if not isinstance(alternatives, list):
        return []
    for alternative in alternatives:
        required = alternative.get("required") if isinstance(alternative, dict) else None
        if not isinstance(required, list) or len(alternative) != 1:
            return []
        names.extend(str(name) for name in required)
    return names


def _schema_at(schema: Any, path: Sequence[Any]) -> Any:
    for part in path:
        if (isinstance(schema, dict) and part in schema) or (
            isinstance(schema, list) and isinstance(part, int) and part < len(schema)
        ):
            schema = schema[part]
        else:
            return None
    return schema


def _duplicates_message(items: list[Any]) -> str:
    counts = Counter(repr(item) for item in items)
    repeated = [text for text, count in counts.items() if count > 1]
    shown = ", ".join(repeated[:10]) + (", ..." if len(repeated) > 10 else "")
    return f"the items of this list must be unique, but {shown} appear more than once"


def abbreviate(text: str) -> str:
    """Cut every long ``{...}``/``[...]`` literal (and a long leading string) to a prefix."""
    pieces: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        end = _literal_end(text, index) if char in "{[" or (index == 0 and char in "'\"") else None
        if end is None:
            pieces.append(char)
            index += 1
            continue
        literal = text[index:end]
        pieces.append(_cut(literal) if len(literal) > _LITERAL_LIMIT else literal)
        index = end
    result = "".join(pieces)
    return result if len(result) <= _MESSAGE_LIMIT else result[: _MESSAGE_LIMIT - 3] + "..."


def _cut(literal: str) -> str:
    closer = _CLOSERS.get(literal[0], literal[0])
    return literal[:_LITERAL_LIMIT] + "..." + closer


def _literal_end(text: str, start: int) -> int | None:
    """End index of the bracketed or quoted literal starting at ``start``, if it is closed."""
    if text[start] in "'\"":
        return _string_end(text, start)
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char in "'\"":
            end = _string_end(text, index)
            if end is None:
                return None
            index = end
            continue
        if char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def _string_end(text: str, start: int) -> int | None:
    quote = text[start]
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
        elif text[index] == quote:
            return index + 1
        else:
            index += 1
    return None
