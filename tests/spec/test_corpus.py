"""Every document of the shared corpus: valid ones load, the rest fail with a located error.

The corpus is read from ``$COVET_SPECS_CORPUS`` or ``../shared/specs-corpus`` (never copied into
the repository). Each document loads under a time budget; load times are printed at the end of
the run. The compile step (routes) will be added here by its owner.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from covet.errors import CovetError, SpecError, UnsupportedSpecError
from covet.spec import SpecDocument, load_spec

from .corpus import CORPUS_TIMINGS, manifest_documents, require_corpus

BUDGET_S = 60.0


@dataclass(frozen=True)
class Refused:
    """A document the loader rejects on purpose, or because it is invalid."""

    error: type[SpecError]
    file: str  # relative to the corpus
    pointer: str
    line: int | None
    message: str  # a part of the message


# Documents that do not load, and exactly how they fail. Every other manifest document is valid
# per openapi-spec-validator and must load.
REFUSED: dict[str, Refused] = {
    "oai-openapi-specification/examples/v2.0/yaml/petstore-separate/spec/swagger.yaml": Refused(
        UnsupportedSpecError,
        "oai-openapi-specification/examples/v2.0/yaml/petstore-separate/spec/swagger.yaml",
        "/swagger",
        1,
        "Swagger 2.0 is not supported; convert it to OpenAPI 3",
    ),
    "connexion/tests/fixtures/simple/openapi.yaml": Refused(
        SpecError,
        "connexion/tests/fixtures/simple/openapi.yaml",
        "/paths/~1add_operation_on_http_methods_only/get",
        1213,
        "Path parameter 'name' for 'get' operation in '/add_operation_on_http_methods_only' "
        "was not resolved (and 7 more errors",
    ),
    "connexion/tests/fixtures/bad_specs/openapi.yaml": Refused(
        SpecError,
        "connexion/tests/fixtures/bad_specs/openapi.yaml",
        "/paths/~1welcome/get/parameters/0/schema/default",
        14,
        "'somestring' is not of type 'integer'",
    ),
    "digitalocean-openapi/specification/DigitalOcean-public.v2.yaml": Refused(
        SpecError,
        "digitalocean-openapi/specification/DigitalOcean-public.v2.yaml",
        "/tags/0/description",
        24,
        'is not of type "string"; a $ref cannot stand here',
    ),
    "apis-guru/APIs/openfigi.com/1.4.0/openapi.yaml": Refused(
        SpecError,
        "apis-guru/APIs/openfigi.com/1.4.0/openapi.yaml",
        "/components/schemas/MappingJob/properties/stateCode/enum",
        241,
        "must be unique, but 'AC', 'HI', 'ME'",
    ),
    "oai-schema-test-fixtures/tests/schema/fail/no_containers.yaml": Refused(
        SpecError,
        "oai-schema-test-fixtures/tests/schema/fail/no_containers.yaml",
        "",
        1,
        "must contain at least one of 'paths', 'components', 'webhooks'",
    ),
    "oai-schema-test-fixtures/tests/schema/fail/servers.yaml": Refused(
        SpecError,
        "oai-schema-test-fixtures/tests/schema/fail/servers.yaml",
        "/servers",
        9,
        'is not of type "array"',
    ),
    "oai-schema-test-fixtures/tests/schema/fail/invalid_schema_types.yaml": Refused(
        SpecError,
        "oai-schema-test-fixtures/tests/schema/fail/invalid_schema_types.yaml",
        "/components/schemas/invalid_null",
        10,
        'null is not of types "boolean", "object" (and 5 more errors',
    ),
}


def load_within_budget(path: Path) -> tuple[SpecDocument | BaseException, float]:
    """Load in a daemon thread so that a hang fails the test instead of the run."""
    outcome: list[SpecDocument | BaseException] = []

    def run() -> None:
        try:
            outcome.append(load_spec(path))
        except BaseException as exc:  # noqa: BLE001 - reported by the test, whatever it is
            outcome.append(exc)

    started = time.perf_counter()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(BUDGET_S)
    elapsed = time.perf_counter() - started
    if worker.is_alive():
        pytest.fail(f"{path} did not load within {BUDGET_S:.0f} s")
    return outcome[0], elapsed


def test_corpus_is_present() -> None:
    require_corpus()


def test_refusals_cover_exactly_the_documents_that_do_not_load() -> None:
    require_corpus()
    not_served = {
        doc["root"]
        for doc in manifest_documents()
        if doc["openapi_spec_validator"]["verdict"] != "valid"
        or doc["openapi_version"].startswith("Swagger")
    }
    assert not_served == set(REFUSED)


@pytest.mark.parametrize("entry", manifest_documents(), ids=lambda entry: str(entry["root"]))
def test_corpus_document(entry: dict[str, Any], request: pytest.FixtureRequest) -> None:
    corpus = require_corpus()
    outcome, elapsed = load_within_budget(corpus / entry["root"])
    request.config.stash.setdefault(CORPUS_TIMINGS, []).append(
        (entry["root"], elapsed, _verdict(outcome))
    )
    if isinstance(outcome, BaseException) and not isinstance(outcome, CovetError):
        raise outcome  # a crash: anything but a CovetError fails with its own traceback
    expected = REFUSED.get(entry["root"])
    if expected is None:
        assert isinstance(outcome, SpecDocument), f"should load: {outcome}"
        assert outcome.version == entry["openapi_version"]
    else:
        _assert_refused(outcome, expected, corpus)


def _assert_refused(outcome: object, expected: Refused, corpus: Path) -> None:
    assert isinstance(outcome, SpecError), f"should be refused, loaded: {outcome}"
    assert type(outcome) is expected.error, outcome
    assert outcome.file == str(corpus / expected.file)
    assert outcome.pointer == expected.pointer
    assert outcome.line == expected.line
    assert expected.message in outcome.message
    assert len(outcome.message) < 400


def _verdict(outcome: object) -> str:
    if isinstance(outcome, SpecDocument):
        return f"loaded ({outcome.version} as {outcome.dialect}, {len(outcome.files)} files)"
    return f"refused: {type(outcome).__name__}"


# --- YAML traps and base URIs on the real files -----------------------------------------------


def load_corpus(root: str, **options: Any) -> SpecDocument:
    return load_spec(require_corpus() / root, **options)


def test_museum_sexagesimal_example_stays_a_string() -> None:
    doc = load_corpus("redocly-museum/openapi.yaml", validate=False)
    hours = doc.root["components"]["schemas"]["MuseumDailyHours"]["properties"]
    assert hours["timeClose"]["example"] == "18:00"
    assert hours["timeOpen"]["example"] == "09:00"


def test_digitalocean_off_enum_value_stays_a_string() -> None:
    doc = load_corpus(
        "digitalocean-openapi/specification/DigitalOcean-public.v2.yaml", validate=False
    )
    droplet = next(path for path in doc.files if path.endswith("droplets/models/droplet.yml"))
    assert doc.files[droplet]["properties"]["status"]["enum"] == [
        "new", "active", "off", "archive"
    ]  # fmt: skip


def test_digitalocean_loads_only_the_files_outside_extensions() -> None:
    doc = load_corpus(
        "digitalocean-openapi/specification/DigitalOcean-public.v2.yaml", validate=False
    )
    assert 1400 < len(doc.files) < 2850  # 2,850 are reachable when x-codeSamples are followed
    assert not any("/examples/" in path and path.endswith((".yml", ".yaml")) for path in doc.files)


def test_unquoted_timestamp_example_stays_a_string() -> None:
    doc = load_corpus("connexion/examples/splitspecs/spec/openapi.yaml")
    components = str(Path(doc.path).with_name("components.yaml"))
    pet = doc.files[components]["components"]["schemas"]["Pet"]
    assert pet["properties"]["registered"]["example"] == "2019-01-16T23:52:54Z"


def test_splitspecs_local_ref_resolves_against_components_yaml() -> None:
    doc = load_corpus("connexion/examples/splitspecs/spec/openapi.yaml")
    components = str(Path(doc.path).with_name("components.yaml"))
    pets = doc.files[components]["components"]["schemas"]["Pets"]
    node, file, pointer = doc.deref(pets["items"], components, "/components/schemas/Pets/items")
    assert (file, pointer) == (components, "/components/schemas/Pet")
    assert node["required"] == ["name"]


def test_train_travel_markdown_ref_in_an_extension_is_not_read() -> None:
    doc = load_corpus("bump-train-travel-api/openapi.yaml")
    assert list(doc.files) == [doc.path]


def test_redocly_starter_loads_brace_file_names_and_skips_dangling_x_refs() -> None:
    doc = load_corpus("redocly-openapi-starter/openapi/openapi.yaml")
    assert any(path.endswith("orders_{orderId}.yaml") for path in doc.files)
    assert not any(path.endswith((".cs", ".php")) for path in doc.files)
