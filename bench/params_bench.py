"""Per-request cost of decoding + validating parameters (engine/covet/validation/parameters.py).

The DESIGN.md §4 case: path int + path uuid + query int with min/max + header string, valid.
Compares the two schema-check strategies of covet.validation._checks (one jsonschema-rs call
per checked parameter vs one combined call), with and without the "coercion already
guarantees it" skip, and shows the invalid-request cost.

    .venv/bin/python bench/params_bench.py

Results on the shared 2-core box this was written on (load ~2 from other jobs; `int("42")`
costs 0.14 µs there): the DESIGN.md case decodes + validates in 2.0-2.2 µs when valid, against
1.3-1.4 µs for a hand-inlined Python floor of the same work on the same box (the remaining gap
is one closure call per parameter); an invalid request costs ~9-10 µs, most of it in
jsonschema-rs' own iter_errors. Skipping checks that coercion already guarantees saves ~0.2 µs.
Per-parameter checks fused into the decode steps win up to ~5 checked parameters; from ~6 on
one combined call wins (6: 3.3 vs 3.5 µs, 10: 4.5 vs 5.0, 16: 6.1 vs 7.5), hence
covet.validation._checks.COMBINE_FROM = 6.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from typing import Any

from covet.validation import ParameterSpec, SchemaCompiler, build_parameters
from covet.validation._checks import build_check
from covet.validation._coerce import SchemaReader
from covet.validation._param import prepare
from covet.validation._steps import make_step
from covet.validation.parameters import ParametersValidator

FILE = "/bench/api.yaml"
UUID = "550e8400-e29b-41d4-a716-446655440000"


class _Spec:
    """The smallest SpecDocument: one file, internal refs only."""

    path, dialect = FILE, "3.1"

    def __init__(self) -> None:
        self.root: dict[str, Any] = {"openapi": "3.1.0", "paths": {}}
        self.files = {FILE: self.root}

    def resolve(self, ref: str, base: str) -> tuple[Any, str, str]:
        node: Any = self.root
        pointer = ref.partition("#")[2]
        for part in pointer.split("/")[1:]:
            node = node[part]
        return node, FILE, pointer


def _params(extra_checked: int = 0) -> list[ParameterSpec]:
    objs: list[dict[str, Any]] = [
        {"name": "userId", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "postId", "in": "path", "required": True,
         "schema": {"type": "string", "format": "uuid"}},
        {"name": "limit", "in": "query",
         "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
        {"name": "X-Request-ID", "in": "header", "schema": {"type": "string"}},
    ]
    objs += [
        {"name": f"q{i}", "in": "query", "schema": {"type": "string", "maxLength": 20}}
        for i in range(extra_checked)
    ]
    return [ParameterSpec(obj, FILE, f"/p/{i}") for i, obj in enumerate(objs)]


def _variant(combined: bool | None, skip_guaranteed: bool, extra: int = 0) -> ParametersValidator:
    """build_parameters() with the check strategy forced."""
    compiler = SchemaCompiler(_Spec())
    if combined is None:
        return build_parameters(_params(extra), compiler)
    reader = SchemaReader(compiler.spec)
    prepared = [prepare(spec, reader) for spec in _params(extra)]
    plan = build_check(prepared, compiler, combined=combined, skip_guaranteed=skip_guaranteed)
    claimed = {p.name for p in prepared if p.location == "query"}
    steps = tuple(make_step(p, claimed, plan) for p in prepared)
    specs = tuple((p.python_name, p.location, p.name, p.required, p.json_type) for p in prepared)
    return ParametersValidator(specs, steps, plan.combined)


def _per_call(fn: Callable[[], object], number: int = 50_000) -> float:
    best = min(timeit.repeat(fn, number=number, repeat=25))
    return best / number * 1e6


def main() -> None:
    path = {"userId": "42", "postId": UUID}
    headers = {"x-request-id": "abc"}
    query, bad_query = {"limit": ["10"]}, {"limit": ["1000"]}
    variants = {
        "default (build_parameters)": _variant(None, True),
        "per-parameter checks, skip guaranteed": _variant(False, True),
        "combined check, skip guaranteed": _variant(True, True),
        "per-parameter checks, check all 4": _variant(False, False),
        "combined check, check all 4": _variant(True, False),
    }
    for label, validator in variants.items():
        if validator.decode(path, query, headers, {})[1]:
            raise SystemExit(f"{label}: unexpected errors")
    valid = _interleaved(list(variants.values()), path, query, headers)
    invalid = _interleaved(list(variants.values()), path, bad_query, headers, number=2_000)
    print(f"{'variant (interleaved, best of 15)':46} {'valid µs':>9} {'invalid µs':>11}")
    for label, ok, bad in zip(variants, valid, invalid, strict=True):
        print(f"{label:46} {ok:9.2f} {bad:11.2f}")
    print("\ncrossover: checked parameters -> valid µs")
    for extra in (1, 4, 8, 14):
        extra_query = {**query, **{f"q{i}": ["text"] for i in range(extra)}}
        pair = [_variant(False, True, extra), _variant(True, True, extra)]
        per, combined = _interleaved(pair, path, extra_query, headers)
        print(f"{2 + extra:3} checked: per-parameter {per:6.2f}   combined {combined:6.2f}")
    print(f"\n{'baseline: empty Python call':46} {_per_call(lambda: None):9.2f}")


def _interleaved(
    validators: list[ParametersValidator],
    path: dict[str, str],
    query: dict[str, list[str]],
    headers: dict[str, str],
    number: int = 20_000,
) -> list[float]:
    """Best-of-15 µs per decode, the variants measured in alternation so that noise from
    other jobs on the machine hits them alike."""
    best = [float("inf")] * len(validators)
    for _ in range(15):
        for i, validator in enumerate(validators):
            def run(v: ParametersValidator = validator) -> object:
                return v.decode(path, query, headers, {})

            seconds = timeit.timeit(run, number=number)
            best[i] = min(best[i], seconds / number * 1e6)
    return best


if __name__ == "__main__":
    main()
