"""Which query keys an operation's parameters read: what strict query validation accepts.

A key is declared when a query parameter reads it as the decoders do (covet.validation._styles):

- its ``name`` (form, spaceDelimited, pipeDelimited, JSON ``content``);
- ``name[...]`` for a ``deepObject`` parameter;
- each declared property of an exploded form object (``R=100&G=200``); an exploded form
  object without declared properties reads every key no other parameter claims, so the
  operation's query is open and nothing is undeclared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from covet.validation._param import Param

__all__ = ["QueryKeys", "query_keys"]


@dataclass(frozen=True, slots=True)
class QueryKeys:
    """The query keys one operation declares."""

    names: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    """``name[`` of each ``deepObject`` parameter."""
    open: bool = False
    """Every key is read (an exploded form object without declared properties)."""

    def with_names(self, names: Iterable[str]) -> QueryKeys:
        """These keys declared too (API keys a security scheme reads from the query)."""
        return QueryKeys(self.names | frozenset(names), self.prefixes, self.open)

    def unknown(self, query: Mapping[str, object]) -> list[str]:
        """The keys of ``query`` no parameter reads, in the order sent."""
        if self.open:
            return []
        names, prefixes = self.names, self.prefixes
        return [
            key for key in query
            if key not in names and not (prefixes and key.startswith(prefixes))
        ]


def query_keys(params: Sequence[Param]) -> QueryKeys:
    names: set[str] = set()
    prefixes: list[str] = []
    for param in params:
        if param.location != "query":
            continue
        if param.style == "deepObject":
            prefixes.append(param.name + "[")
        elif param.media_type is None and param.coercer.kind == "object" and param.explode:
            if not param.coercer.props:
                return QueryKeys(open=True)
            names.update(param.coercer.props)
        else:
            names.add(param.name)
    return QueryKeys(frozenset(names), tuple(prefixes))
