"""Every corpus document that loads also compiles: routes into one trie, validators built.

Two valid documents are refused on purpose when routes are compiled, each with a located error;
every other one must compile with exactly the operations the corpus manifest counts.
"""

from __future__ import annotations

from typing import Any

import pytest

from covet.errors import RouteConflictError, SpecError, UnsupportedSpecError
from covet.routing import Router
from covet.spec import load_spec
from covet.spec.compiler import compile_operations

from .corpus import manifest_documents, require_corpus
from .test_corpus import REFUSED

# Valid OpenAPI, but not servable as written: (error, part of the message, pointer prefix).
REFUSED_AT_COMPILE: dict[str, tuple[type[SpecError], tuple[str, ...], str]] = {
    # Two path keys that are the same route ('/groups/{name}.json' and '/groups/{id}.json');
    # OpenAPI says such templates MUST NOT exist, and no validator notices.
    "discourse-api-docs/openapi.json": (
        RouteConflictError, ("/groups/{name}.json", "/groups/{id}.json"), "/paths/~1groups~1{",
    ),
    # AWS-converted keys like '/#X-Amz-Target=...' are all the route 'POST /', told apart by a
    # header; a '#' cannot be part of a URL path.
    "apis-guru/APIs/amazonaws.com/ec2-instance-connect/2018-04-02/openapi.yaml": (
        UnsupportedSpecError, ("'#'",), "/paths/~1#X-Amz-Target",
    ),
}

COMPILABLE = [doc for doc in manifest_documents() if doc["root"] not in REFUSED]


@pytest.mark.parametrize("entry", COMPILABLE, ids=[doc["root"] for doc in COMPILABLE])
def test_corpus_document_compiles(entry: dict[str, Any]) -> None:
    corpus = require_corpus()
    spec = load_spec(corpus / entry["root"], validate=False)
    router = Router()
    refusal = REFUSED_AT_COMPILE.get(entry["root"])
    if refusal is not None:
        error, needles, pointer = refusal
        with pytest.raises(error) as info:
            for operation in compile_operations(spec):
                router.add(operation.path, operation.method, operation,
                           file=operation.file, pointer=operation.pointer)
        assert info.value.file is not None and info.value.pointer is not None
        assert info.value.pointer.startswith(pointer)
        for needle in needles:
            assert needle in str(info.value)
        return
    operations = compile_operations(spec)
    for operation in operations:
        router.add(operation.path, operation.method, operation, file=operation.file, pointer=operation.pointer)
    assert len(operations) == entry["operations"]
    for operation in operations:
        slot, params = _match_template(router, operation.path)
        assert slot.handlers[operation.method] is operation
        assert set(params) == {s[2] for s in operation.parameters.specs if s[1] == "path"}


def _match_template(router: Router, template: str) -> tuple[Any, dict[str, str]]:
    """Match a concrete path built from the template (every parameter replaced by a value)."""
    import re

    path = re.sub(r"\{[^}]+\}", "v1", template)
    found = router.match(path)
    assert found is not None, template
    return found
