"""How spec names become Python identifiers (handler parameters, operationIds)."""

from __future__ import annotations

import keyword
import re

_CAMEL_1 = re.compile(r"(.)([A-Z][a-z]+)")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")
_NON_IDENT = re.compile(r"[^0-9a-zA-Z_]+")


def python_name(name: str) -> str:
    """``userId`` -> ``user_id``, ``X-Request-ID`` -> ``x_request_id``, ``$.xgafv`` -> ``xgafv``.

    Digits first get a leading underscore; keywords get a trailing one (``class`` -> ``class_``).
    """
    snake = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", name))
    snake = _NON_IDENT.sub("_", snake).strip("_").lower()
    snake = re.sub(r"_+", "_", snake)
    if not snake:
        return "_"
    if snake[0].isdigit():
        snake = "_" + snake
    if keyword.iskeyword(snake):
        snake += "_"
    return snake
