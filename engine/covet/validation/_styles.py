"""OpenAPI ``style``/``explode`` serializations -> raw values (str, list of str, dict).

One reader per parameter, chosen at startup from (in, style, explode, shape). Readers return
MISSING when the parameter is absent and raise :class:`StyleError` when the text does not have
the declared shape (``;id=5`` expected, ``5`` sent). Examples (OpenAPI "Style Examples" table,
``color`` = ``blue`` / ``[blue, black, brown]`` / ``{R: 100, G: 200, B: 150}``):

    path   simple  false  blue   blue,black,brown          R,100,G,200,B,150
    path   simple  true   blue   blue,black,brown          R=100,G=200,B=150
    path   label   false  .blue  .blue.black.brown (or ,)  .R.100.G.200.B.150 (or ,)
    path   label   true   .blue  .blue.black.brown         .R=100.G=200.B=150
    path   matrix  false  ;color=blue  ;color=blue,black,brown   ;color=R,100,G,200,B,150
    path   matrix  true   ;color=blue  ;color=blue;color=black;… ;R=100;G=200;B=150
    query  form    true   color=blue   color=blue&color=black&…  R=100&G=200&B=150
    query  form    false  color=blue   color=blue,black,brown    color=R,100,G,200,B,150
    query  spaceDelimited / pipeDelimited (false): blue%20black%20brown, blue|black|brown
    query  deepObject (true): color[R]=100&color[G]=200 (nested: color[a][b]=1)
    header simple: as path simple;  cookie form: color=blue, blue,black,brown, R,100,G,200,…

NOTE: path values are taken as the router hands them over (already percent-decoded), the
query as ``parse_qs`` output and headers as lower-cased names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from covet.errors import SpecError
from covet.types import MISSING

Sources = tuple[
    Mapping[str, str], Mapping[str, list[str]], Mapping[str, str], Mapping[str, str]
]
"""(path params, query, headers, cookies)."""
Reader = Callable[[Sources], Any]

PATH: Final = 0
QUERY: Final = 1
HEADER: Final = 2
COOKIE: Final = 3
SOURCE_INDEX: Final = {"path": PATH, "query": QUERY, "header": HEADER, "cookie": COOKIE}
DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
ALLOWED_STYLES = {
    "path": ("simple", "label", "matrix"),
    "query": ("form", "spaceDelimited", "pipeDelimited", "deepObject"),
    "header": ("simple",),
    "cookie": ("form",),
}
_DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|", "simple": ","}
EMPTY_MESSAGE = "Must not be empty"
MAX_DEPTH: Final = 32
"""Nesting a parameter may have at most (``deepObject`` brackets, JSON ``content``): past it,
code ``maxDepth`` (400). Client text cannot build structures deeper than this."""
_BRACKET = re.compile(r"\[([^\[\]]*)\]")


class StyleError(ValueError):
    """The text does not have the shape the parameter's style declares (or is not allowed)."""

    def __init__(self, message: str, code: str = "style") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def split(text: str, sep: str, strip: bool = False) -> list[str]:
    """``"a,b"`` -> ``["a", "b"]``; the empty string is the empty list."""
    if not text:
        return []
    parts = text.split(sep)
    return [part.strip() for part in parts] if strip else parts


def pairs(tokens: Sequence[str], what: str) -> dict[str, str]:
    """``[k, v, k, v]`` -> ``{k: v}``."""
    if len(tokens) % 2:
        raise StyleError(f"Expected {what} as key,value pairs (an even number of items)")
    return dict(zip(tokens[::2], tokens[1::2], strict=True))


def key_values(tokens: Sequence[str], what: str) -> dict[str, str]:
    """``["k=v", ...]`` -> ``{k: v}``."""
    out = {}
    for token in tokens:
        key, eq, value = token.partition("=")
        if not eq:
            raise StyleError(f"Expected {what} as key=value items")
        out[key] = value
    return out


def _prefixed(text: str, prefix: str, what: str) -> str:
    if not text.startswith(prefix):
        raise StyleError(f"Expected {what} starting with '{prefix}'")
    return text[len(prefix):]


def _matrix_value(text: str, name: str) -> str:
    if text == f";{name}":
        return ""
    return _prefixed(text, f";{name}=", "a matrix-style value")


def _label_split(body: str, explode: bool) -> list[str]:
    if explode or "," not in body:
        return split(body, ".")
    return split(body, ",")


def path_decoder(style: str, explode: bool, shape: str, name: str) -> Callable[[str], Any]:
    """Text of one path parameter -> raw value."""
    if style == "label":
        def body(text: str) -> str:
            return _prefixed(text, ".", "a label-style value")
        if shape == "scalar":
            return body
        if shape == "array":
            return lambda text: _label_split(body(text), explode)
        if explode:
            return lambda text: key_values(split(body(text), "."), "an object")
        return lambda text: pairs(_label_split(body(text), False), "an object")
    if style == "matrix":
        return _matrix_decoder(explode, shape, name)
    return simple_decoder(explode, shape, strip=False)


def simple_decoder(explode: bool, shape: str, strip: bool) -> Callable[[str], Any]:
    if shape == "scalar":
        return str.strip if strip else (lambda text: text)
    if shape == "array":
        return lambda text: split(text, ",", strip)
    if explode:
        return lambda text: key_values(split(text, ",", strip), "an object")
    return lambda text: pairs(split(text, ",", strip), "an object")


def _matrix_decoder(explode: bool, shape: str, name: str) -> Callable[[str], Any]:
    if shape == "scalar":
        return lambda text: _matrix_value(text, name)
    if shape == "array" and not explode:
        return lambda text: split(_matrix_value(text, name), ",")
    if shape == "array":
        return lambda text: [
            _matrix_value(";" + part, name)
            for part in split(_prefixed(text, ";", "a matrix-style value"), ";")
        ]
    if explode:
        return lambda text: key_values(split(_prefixed(text, ";", "';'"), ";"), "an object")
    return lambda text: pairs(split(_matrix_value(text, name), ","), "an object")


def query_decoder(
    style: str,
    explode: bool,
    shape: str,
    name: str,
    *,
    allow_empty: bool,
    properties: Sequence[str],
    claimed: set[str],
) -> Reader:
    """A reader over the whole parsed query for one query parameter."""
    if style == "deepObject":
        return lambda sources: deep_object(sources[QUERY], name)
    if shape == "object" and explode:
        return lambda sources: gather(sources[QUERY], properties, claimed)
    sep = _DELIMITERS[style]
    # NOTE: a delimited array's empty value is its serialization of [] (``role=``), not an
    # empty value: minItems, not allowEmptyValue, decides whether it is acceptable.
    empty_is_value = allow_empty or (shape == "array" and not explode)

    def values(sources: Sources) -> Any:
        found = sources[QUERY].get(name)
        if not found:
            return MISSING
        if not empty_is_value and "" in found:
            raise StyleError(EMPTY_MESSAGE, "allowEmptyValue")
        return found

    if shape == "scalar":
        return lambda sources: _last(values(sources))
    if shape == "array" and explode:
        return values
    if shape == "array":
        return lambda sources: _split_all(values(sources), sep)
    return lambda sources: _object_of(values(sources), sep)


def _last(found: Any) -> Any:
    return found[-1] if found is not MISSING else MISSING


def _split_all(found: Any, sep: str) -> Any:
    if found is MISSING:
        return MISSING
    return [token for value in found for token in split(value, sep)]


def _object_of(found: Any, sep: str) -> Any:
    return MISSING if found is MISSING else pairs(split(found[-1], sep), "an object")


def gather(source: Mapping[str, Any], properties: Sequence[str], claimed: set[str]) -> Any:
    """Exploded form objects: each property is its own key (``R=100&G=200``).

    Without declared properties, every key no other parameter claims is taken.
    """
    names = properties or [key for key in source if key not in claimed]
    found = {name: source[name] for name in names if name in source}
    return found if found else MISSING


def deep_object(query: Mapping[str, list[str]], name: str) -> Any:
    """``filter[name]=x&filter[age]=3&filter[tags]=a&filter[tags]=b`` -> nested dict."""
    prefix = name + "["
    out: dict[str, Any] = {}
    for key, values in query.items():
        if not key.startswith(prefix):
            continue
        rest = key[len(name):]
        # PERF: counted before the regex runs over a key of hundreds of brackets.
        if rest.count("[") > MAX_DEPTH:
            raise StyleError(f"deepObject keys nest at most {MAX_DEPTH} levels", "maxDepth")
        parts = _BRACKET.findall(rest)
        if "".join(f"[{part}]" for part in parts) != rest or not all(parts):
            raise StyleError(f"Malformed deepObject key {key!r}")
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise StyleError(f"Conflicting deepObject keys for {key!r}")
            node = child
        node[parts[-1]] = values
    return out if out else MISSING


def check_style(location: str, style: str, shape: str, file: str, pointer: str) -> None:
    """Reject a style the location (or the schema's shape) cannot use, at startup."""
    if style not in ALLOWED_STYLES[location]:
        allowed = ", ".join(ALLOWED_STYLES[location])
        raise SpecError(
            f"style {style!r} is not allowed in {location}; use one of: {allowed}",
            file=file, pointer=pointer + "/style",
        )
    if style == "deepObject" and shape != "object":
        raise SpecError(
            "style 'deepObject' needs an object schema", file=file, pointer=pointer + "/style"
        )
