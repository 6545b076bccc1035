"""Every loadable corpus document bundles into one file that compiles to the same routes.

The split specs are also checked in depth (validation, compiled schemas) in test_bundle.py; this
sweep is about robustness on real documents. DigitalOcean's spec is invalid OpenAPI (so the
loader refuses it when validating) but loads without validation: with its 1,508 files and
9,000 references it is the largest bundling case, so it is swept too.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest

from covet.docs import bundle_spec
from covet.docs.encoding import encode_json
from covet.errors import SpecError
from covet.spec import SpecDocument, load_spec
from covet.spec._refs import iter_refs
from covet.spec.compiler import compile_operations
from tests.spec.corpus import manifest_documents, require_corpus
from tests.spec.test_corpus import REFUSED

DIGITALOCEAN = "digitalocean-openapi/specification/DigitalOcean-public.v2.yaml"
LOADABLE = [
    doc for doc in manifest_documents() if doc["root"] not in REFUSED or doc["root"] == DIGITALOCEAN
]


def routes(spec: SpecDocument) -> list[tuple[str, str, str | None]] | type[SpecError]:
    """The compiled (method, path, operationId) list, or the kind of error compiling raised."""
    try:
        return [(op.method, op.path, op.operation_id) for op in compile_operations(spec)]
    except SpecError as exc:
        return type(exc)


@pytest.mark.parametrize("entry", LOADABLE, ids=[doc["root"] for doc in LOADABLE])
def test_corpus_document_bundles_to_one_file_with_the_same_routes(entry: dict[str, Any]) -> None:
    spec = load_spec(require_corpus() / entry["root"], validate=False)
    bundled = bundle_spec(spec, prefix="/v1")
    assert [ref for ref, _ in iter_refs(bundled) if not ref.startswith("#")] == []
    assert bundled["servers"][0]["url"] == "/v1"
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bundle.json")
        with open(path, "wb") as handle:
            handle.write(encode_json(bundled))
        reloaded = load_spec(path, validate=False)
    assert len(reloaded.files) == 1
    assert routes(reloaded) == routes(spec)
