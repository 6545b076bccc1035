"""One self-contained OpenAPI document from a spec split over files.

    >>> bundle = bundle_spec(load_spec("specs/openapi.yaml"), prefix="/v1")  # doctest: +SKIP
    >>> bundle["servers"]
    [{'url': '/v1'}]

The rules (docs/docs-ui.md, "Bundling"):

- ``#/...`` references of the root file are kept as written.
- An object of another file is hoisted into ``components`` under the section of its kind
  (``schemas``, ``parameters``, ``responses``...), named after its pointer's last token or,
  for a whole file, the file's stem (``schemas/Pet.yaml`` -> ``Pet``), with ``_2``, ``_3``...
  on a collision. A root component that is only a reference to another file
  (``Pet: {$ref: pet.yaml}``) lends that file its name. Recursive schemas stay recursive.
- A reference into an object that is itself hoisted becomes a pointer inside it
  (``#/components/schemas/Pet/properties/name``).
- Objects with no components section (path items, media types, anything in an unknown place)
  are inlined; one that contains itself cannot be, and is a :class:`SpecError`.
- ``x-*`` extensions and example data are copied untouched, ``$ref``s in them included.
- ``servers`` describes the mount (see :func:`covet.docs.servers.mount_servers`).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from covet.docs._components import (
    Target,
    base_name,
    escape_token,
    fragment,
    fresh_name,
    root_claims,
    taken_names,
)
from covet.docs._structure import (
    ANY,
    DATA_KEYWORDS,
    FIELDS,
    LIST,
    MAP,
    MAP_KINDS,
    ONE,
    SECTION_KINDS,
    SECTIONS,
)
from covet.docs.servers import mount_servers
from covet.errors import SpecError
from covet.spec import SpecDocument
from covet.spec._pointer import child_pointer

__all__ = ["bundle_spec"]


_REFERENCE_OBJECTS = frozenset(SECTIONS) - {"schema"}
_REFERENCE_KEYS = frozenset({"$ref", "summary", "description"})


def bundle_spec(spec: SpecDocument, *, prefix: str = "") -> dict[str, Any]:
    """The whole of ``spec`` as one document with no reference to another file.

    Args:
        spec: a loaded document (:func:`covet.spec.load_spec`).
        prefix: where the api is mounted (``/v1``); sets ``servers``.

    Returns:
        A new document (the spec is not modified); ``x-*`` extensions keep their ``$ref``s.

    Raises:
        SpecError: an object with no components section refers back to itself.

    Example:
        >>> bundle_spec(load_spec("openapi.yaml"), prefix="/v1")["servers"]  # doctest: +SKIP
        [{'url': '/v1'}]
    """
    return _Bundler(spec).bundle(prefix)


class _Bundler:
    def __init__(self, spec: SpecDocument) -> None:
        self.spec = spec
        self.claims = root_claims(spec)
        self.copies: dict[Target, Any] = {}  # hoisted target -> its copy, in discovery order
        self.pending: deque[tuple[Target, str, Any]] = deque()  # (target, kind, node) to copy
        self.patches: list[tuple[dict[str, Any], str, Target]] = []
        self.inlining: list[tuple[str, str]] = []

    def bundle(self, prefix: str) -> dict[str, Any]:
        out = self.walk(self.spec.root, "document", self.spec.path, "")
        while self.pending:
            target, kind, node = self.pending.popleft()
            self.copies[target] = self.walk(node, kind, target[0], target[1])
        homes = self._homes(out)
        for container, key, target in self.patches:
            container[key] = homes[target]
        return _with_servers(out, mount_servers(self.spec.root.get("servers"), prefix))

    # -- walking ----------------------------------------------------------------------------

    def walk(self, node: Any, kind: str, file: str, pointer: str) -> Any:
        if isinstance(node, list):
            return [self.walk(v, kind, file, child_pointer(pointer, i)) for i, v in enumerate(node)]
        if not isinstance(node, dict):
            return node
        if kind in MAP_KINDS and not isinstance(node.get("$ref"), str):
            return self._walk_names(node, kind, file, pointer)
        return self._walk_object(node, kind, file, pointer)

    def _walk_names(self, node: dict[str, Any], kind: str, file: str, pointer: str) -> Any:
        entry = FIELDS[kind][""][1]
        return {
            key: _clone(value)
            if key.startswith("x-")
            else self.walk(value, entry, file, child_pointer(pointer, key))
            for key, value in node.items()
        }

    def _walk_object(self, node: dict[str, Any], kind: str, file: str, pointer: str) -> Any:
        ref = node.get("$ref")
        if isinstance(ref, str) and self._inlines(ref, kind, file, pointer):
            return self._inline(node, kind, file, pointer)
        if isinstance(ref, str) and kind in _REFERENCE_OBJECTS:
            # NOTE: OpenAPI ignores other keys beside a Reference Object's $ref (and 3.1's
            # meta-schema refuses them); CovetPy's compiler ignores them too, so drop them.
            node = {key: value for key, value in node.items() if key in _REFERENCE_KEYS}
        fields = FIELDS.get(kind, {})
        out: dict[str, Any] = {}
        for key, value in node.items():
            here = child_pointer(pointer, key)
            if (
                key.startswith("x-")
                or key in DATA_KEYWORDS
                or (key == "examples" and isinstance(value, list))
            ):
                out[key] = _clone(value)
            elif key == "$ref" and isinstance(value, str):
                out[key] = self._reference(out, value, kind, file, pointer)
            elif key == "discriminator" and kind == "schema" and isinstance(value, dict):
                out[key] = self._discriminator(value, file, here)
            else:
                how, child = fields.get(key, (ONE, ANY))
                out[key] = self._field(value, how, child, file, here)
        return out

    def _field(self, value: Any, how: int, kind: str, file: str, pointer: str) -> Any:
        if how == MAP and isinstance(value, dict):
            return {
                name: self.walk(item, kind, file, child_pointer(pointer, name))
                for name, item in value.items()
            }
        if how == LIST and isinstance(value, dict):
            return self.walk(value, ANY, file, pointer)
        return self.walk(value, kind, file, pointer)

    # -- references -------------------------------------------------------------------------

    def _reference(self, out: dict[str, Any], ref: str, kind: str, file: str, at: str) -> str:
        """The rewritten ``$ref``; hoisted targets are filled in by :meth:`bundle`."""
        node, target_file, target_pointer = self.spec.resolve(ref, file, at=at)
        if target_file == self.spec.path:
            return (
                ref if file == self.spec.path and ref.startswith("#") else fragment(target_pointer)
            )
        section = self._section(kind, target_file, target_pointer)
        self._hoist(out, "$ref", (target_file, target_pointer, section), node)
        return ref

    def _section(self, kind: str, file: str, pointer: str) -> str:
        if kind == "pathItem" and (file, pointer, "pathItems") in self.claims:
            return "pathItems"
        return SECTIONS[kind]

    def _inlines(self, ref: str, kind: str, file: str, at: str) -> bool:
        if kind == "pathItem" or kind not in SECTIONS:
            _, target_file, target_pointer = self.spec.resolve(ref, file, at=at)
            if target_file != self.spec.path:
                return (target_file, target_pointer, "pathItems") not in self.claims
        return False

    def _hoist(self, container: dict[str, Any], key: str, target: Target, node: Any) -> None:
        self.patches.append((container, key, target))
        if target not in self.copies:
            self.copies[target] = None
            self.pending.append((target, SECTION_KINDS[target[2]], node))

    def _inline(self, node: dict[str, Any], kind: str, file: str, pointer: str) -> Any:
        target, target_file, target_pointer = self.spec.resolve(node["$ref"], file, at=pointer)
        key = (target_file, target_pointer)
        if key in self.inlining:
            raise SpecError(
                f"cannot bundle: $ref {node['$ref']!r} leads back to itself through objects "
                f"that have no components section to be hoisted to ({kind}); break the loop "
                "or move the repeated part into components",
                file=file,
                pointer=pointer,
            )
        self.inlining.append(key)
        try:
            copy = self.walk(target, kind, target_file, target_pointer)
        finally:
            self.inlining.pop()
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if not siblings or not isinstance(copy, dict):
            return copy
        return {**copy, **self._walk_object(siblings, kind, file, pointer)}

    def _discriminator(self, value: dict[str, Any], file: str, pointer: str) -> dict[str, Any]:
        out: dict[str, Any] = _clone(value)
        mapping = out.get("mapping")
        if isinstance(mapping, dict):
            for tag, name in mapping.items():
                if isinstance(name, str):
                    self._mapping_value(mapping, tag, name, file, pointer)
        return out

    def _mapping_value(
        self, mapping: dict[str, Any], tag: str, value: str, file: str, at: str
    ) -> None:
        """A mapping value names a root schema (kept) or is a reference (rewritten)."""
        root = self.spec.path
        for ref, base in _mapping_candidates(value, file, root):
            try:
                node, target_file, target_pointer = self.spec.resolve(ref, base, at=at)
            except SpecError:
                continue
            if target_file != root:
                self._hoist(mapping, tag, (target_file, target_pointer, "schemas"), node)
            elif ref == value and not (file == root and value.startswith("#")):
                mapping[tag] = fragment(target_pointer)
            return

    # -- naming -----------------------------------------------------------------------------

    def _homes(self, out: dict[str, Any]) -> dict[Target, str]:
        """Where each hoisted target lives in the bundle; places the copies in ``out``."""
        inside = self._nested_targets()
        homes: dict[Target, str] = {}
        taken = taken_names(self.spec.root)
        for target, copy in self.copies.items():  # discovery order: stable names
            if target in inside:
                continue
            section = target[2]
            name = self.claims.get(target) or fresh_name(base_name(*target[:2]), taken[section])
            taken[section].add(name)
            homes[target] = f"#/components/{section}/{escape_token(name)}"
            out.setdefault("components", {}).setdefault(section, {})[name] = copy
        for target, outer in inside.items():
            homes[target] = homes[outer] + fragment(target[1][len(outer[1]) :])[1:]
        return homes

    def _nested_targets(self) -> dict[Target, Target]:
        """Targets inside another hoisted object of their file -> that object (shallowest)."""
        placed: dict[str, list[Target]] = {}
        inside: dict[Target, Target] = {}
        for target in sorted(self.copies, key=lambda t: t[1].count("/")):
            outer = next(
                (o for o in placed.get(target[0], ()) if target[1].startswith(o[1] + "/")), None
            )
            if outer is not None and target not in self.claims:
                inside[target] = outer
            else:
                placed.setdefault(target[0], []).append(target)
        return inside


def _mapping_candidates(value: str, file: str, root: str) -> list[tuple[str, str]]:
    """As the schema compiler reads a discriminator mapping value (validation/_discriminator)."""
    if "#" in value or "/" in value:
        return [(value, file)]
    by_name = "#/components/schemas/" + escape_token(value)
    return [(by_name, file), (by_name, root), (value, file)]


def _with_servers(document: dict[str, Any], servers: list[dict[str, Any]]) -> dict[str, Any]:
    if "servers" in document:
        document["servers"] = servers
        return document
    out: dict[str, Any] = {}
    for key, value in document.items():
        out[key] = value
        if key == "info":
            out["servers"] = servers
    out.setdefault("servers", servers)
    return out


def _clone(value: Any) -> Any:
    """A deep copy of loaded (JSON-shaped) data: the bundle shares nothing with the spec."""
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone(item) for item in value]
    return value
