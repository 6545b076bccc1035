"""Read and parse one spec file; every failure becomes a located :class:`SpecError`.

The format is chosen by extension: ``.json`` is JSON (orjson), anything else YAML. A ``.json``
file that is not valid JSON is an error, not retried as YAML: the JSON parser's message and
position are the useful ones, and YAML would accept neither comments nor trailing commas either.
"""

from __future__ import annotations

from typing import Any

import orjson
import yaml

from covet.errors import SpecError
from covet.spec._lines import JsonLines, YamlLines, lines_for
from covet.spec._yaml import parse_yaml, parse_yaml_with_nodes

__all__ = ["line_finder", "parse_file", "parse_file_with_lines", "read_file"]

_BOM = b"\xef\xbb\xbf"


def read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except FileNotFoundError:
        raise SpecError(f"file not found: {path}", file=path) from None
    except IsADirectoryError:
        raise SpecError(f"{path} is a directory, not a spec file", file=path) from None
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}", file=path) from None


def parse_file(path: str, data: bytes, *, referenced_from: str | None = None) -> Any:
    """Parse ``data`` read from ``path``; ``referenced_from`` names the ref that led here."""
    if path.lower().endswith(".json"):
        return _parse_json(path, data, referenced_from)
    return _parse_yaml(path, data, referenced_from)


def parse_file_with_lines(
    path: str, data: bytes, *, referenced_from: str | None = None
) -> tuple[Any, YamlLines | JsonLines | None]:
    """``parse_file``, and the file's line finder when one parse gives both (YAML), else None."""
    if path.lower().endswith(".json"):
        return _parse_json(path, data, referenced_from), None
    parsed: tuple[Any, YamlLines | None] = _parse_yaml(path, data, referenced_from, with_nodes=True)
    return parsed


def _parse_json(path: str, data: bytes, referenced_from: str | None) -> Any:
    try:
        return orjson.loads(data[3:] if data.startswith(_BOM) else data)
    except orjson.JSONDecodeError as exc:
        raise SpecError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            + _via(referenced_from),
            file=path,
            line=exc.lineno,
        ) from None


def _parse_yaml(
    path: str, data: bytes, referenced_from: str | None, *, with_nodes: bool = False
) -> Any:
    try:
        if with_nodes:
            value, nodes = parse_yaml_with_nodes(data)
            return value, None if nodes is None else YamlLines(None, nodes)
        return parse_yaml(data)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise SpecError(
            f"invalid YAML: {_yaml_problem(exc)}{where}" + _via(referenced_from),
            file=path,
            line=mark.line + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:  # e.g. ReaderError: bytes that are not UTF-8/16
        raise SpecError(f"invalid YAML: {exc}" + _via(referenced_from), file=path) from None
    except RecursionError:
        raise SpecError("the document is nested too deeply to load", file=path) from None


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """``did not find expected ',' or ']' (while parsing a flow sequence started on line 7)``."""
    problem = exc.problem or "cannot parse"
    if not exc.context:
        return problem
    started = f" started on line {exc.context_mark.line + 1}" if exc.context_mark else ""
    return f"{problem} ({exc.context}{started})"


def _via(referenced_from: str | None) -> str:
    return f"; referenced from {referenced_from}" if referenced_from else ""


def line_finder(path: str) -> YamlLines | JsonLines | None:
    """A pointer -> line finder for ``path``, or None if the file cannot be read again."""
    try:
        with open(path, "rb") as stream:
            return lines_for(path, stream.read())
    except (OSError, yaml.YAMLError, UnicodeDecodeError, RecursionError):
        return None
