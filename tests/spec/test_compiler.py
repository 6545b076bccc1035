"""Compiling a loaded document into Operation objects (sans-I/O, no handlers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from covet.errors import SpecError, UnsupportedSpecError
from covet.media import FormCodec, JSONCodec, RawCodec
from covet.spec import load_spec
from covet.spec.compiler import Operation, compile_operations

HEAD = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"


def compile_text(tmp_path: Path, text: str) -> list[Operation]:
    path = tmp_path / "api.yaml"
    path.write_text(HEAD + text)
    return compile_operations(load_spec(path))


def by_id(operations: list[Operation]) -> dict[str, Operation]:
    return {op.operation_id or op.label: op for op in operations}


def test_operations_in_spec_order_with_prefix_and_location(tmp_path: Path) -> None:
    path = tmp_path / "api.yaml"
    path.write_text(HEAD + "paths:\n  /a:\n    get: {operationId: a, responses: {'200': {description: ok}}}\n"
                    "    post: {operationId: b, responses: {'201': {description: ok}}}\n")
    ops = compile_operations(load_spec(path), prefix="/v2")
    assert [(op.method, op.path, op.template) for op in ops] == [("GET", "/v2/a", "/a"), ("POST", "/v2/a", "/a")]
    assert ops[0].file == str(path) and ops[0].pointer == "/paths/~1a/get"


def test_operation_parameters_override_path_level_ones(tmp_path: Path) -> None:
    ops = compile_text(tmp_path, """paths:
  /a/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: q, in: query, schema: {type: string}}
    get:
      operationId: a
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {'200': {description: ok}}
""")
    specs = {(s[2], s[1]): s for s in ops[0].parameters.specs}
    assert set(specs) == {("id", "path"), ("q", "query")}
    assert specs[("id", "path")][4] == "integer"


def test_template_parameter_without_declaration_is_located(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        compile_text(tmp_path, "paths:\n  /a/{id}:\n    get: {responses: {'200': {description: ok}}}\n")
    assert "{id}" in str(info.value) and info.value.pointer == "/paths/~1a~1{id}/get"


def test_hash_in_path_key_is_refused_as_unsupported(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedSpecError, match="'#'"):
        compile_text(tmp_path, "paths:\n  /#X-Target=a:\n    post: {responses: {'200': {description: ok}}}\n")


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [(["201", "400"], 201), (["200", "201"], 200), (["202", "204"], 202), (["default"], 200), (["404"], 200)],
)
def test_default_status_is_the_only_2xx(tmp_path: Path, statuses: list[str], expected: int) -> None:
    responses = ", ".join(f"'{s}': {{description: x}}" for s in statuses)
    ops = compile_text(tmp_path, f"paths:\n  /a:\n    get: {{responses: {{{responses}}}}}\n")
    assert ops[0].default_status == expected


def test_body_media_types_are_classified_and_wildcards_tried_last(tmp_path: Path) -> None:
    ops = compile_text(tmp_path, """paths:
  /a:
    post:
      requestBody:
        required: true
        content:
          '*/*': {}
          application/merge-patch+json: {schema: {type: object}}
          application/x-www-form-urlencoded: {schema: {type: object, properties: {a: {type: integer}}}}
          image/*: {}
      responses: {'200': {description: ok}}
""")
    body = ops[0].request_body
    assert body is not None and body.required
    assert body.media[-1].media_type == "*/*" and body.media[-1].raw
    kinds = {m.media_type: type(m.codec) for m in body.media}
    assert kinds == {"application/merge-patch+json": JSONCodec, "application/x-www-form-urlencoded": FormCodec,
                     "image/*": RawCodec, "*/*": RawCodec}
    assert isinstance(body.select("application/merge-patch+json").codec, JSONCodec)  # type: ignore[union-attr]
    assert body.select("image/png").media_type == "image/*"  # type: ignore[union-attr]
    assert body.select("text/plain").media_type == "*/*"  # type: ignore[union-attr]


def test_response_media_types_and_optional_validators(tmp_path: Path) -> None:
    path = tmp_path / "api.yaml"
    path.write_text(HEAD + """paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json: {schema: {type: object, properties: {id: {type: integer}}}}
            text/csv: {}
""")
    plain = compile_operations(load_spec(path))[0].responses["200"]
    assert plain.media_types == ("application/json", "text/csv") and not plain.validators
    checked = compile_operations(load_spec(path), validate_responses=True)[0].responses["200"]
    assert checked.validators["application/json"].errors({"id": "x"})


def test_path_item_refs_across_files(tmp_path: Path) -> None:
    (tmp_path / "paths").mkdir()
    (tmp_path / "paths" / "items_{id}.yaml").write_text(
        "get:\n  operationId: getIt\n  parameters: [{$ref: '../api.yaml#/components/parameters/Id'}]\n"
        "  responses: {'200': {description: ok}}\n"
    )
    ops = compile_text(tmp_path, "paths:\n  /items/{id}:\n    $ref: 'paths/items_{id}.yaml'\n"
                       "components:\n  parameters:\n    Id: {name: id, in: path, required: true, schema: {type: integer}}\n")
    assert ops[0].operation_id == "getIt"
    assert ops[0].file.endswith("items_{id}.yaml")
    values, errors = ops[0].parameters.decode({"id": "7"}, {}, {}, {})
    assert values == {"id": 7} and errors == []
