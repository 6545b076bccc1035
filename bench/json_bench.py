"""What ``limits.strict_json`` (duplicate keys refused) costs per JSON body, in process.

    .venv/bin/python bench/json_bench.py

Compares orjson alone, CovetPy's decoder with strict_json off (orjson + depth limit) and on
(+ the duplicate-key check: a colon count, then a standard-library re-parse only when the
count cannot rule duplicates out). Prints microseconds per body and writes nothing.
"""

from __future__ import annotations

import platform
import timeit

import orjson

from covet.media import JSONDecoder

BODIES = {
    "flat, 6 fields (the POST scenario)": {
        "title": "Hello", "body": "A post body", "published": True, "tags": ["a", "b"],
        "views": 10, "score": 4.5,
    },
    "flat, a URL and a time (colons in strings)": {
        "name": "x", "homepage": "https://example.com:8443/a", "at": "2024-01-31T12:00:00Z",
    },
    "nested, 3 levels, 20 fields": {
        "user": {"name": "a", "email": "a@b.c", "address": {"street": "s", "city": "c", "zip": "1"}},
        "items": [{"sku": f"s{i}", "qty": i, "price": 1.5} for i in range(4)],
        "note": "n",
    },
    "10 KB list of objects with timestamps": [
        {"id": i, "title": f"post {i}", "created": "2024-01-31T12:00:00Z"} for i in range(150)
    ],
}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def per_call_us(call: object, number: int) -> float:
    best = min(timeit.repeat(call, number=number, repeat=7))  # type: ignore[arg-type]
    return best / number * 1e6


def main() -> None:
    strict, lenient = JSONDecoder(max_depth=64), JSONDecoder(max_depth=64, strict=False)
    print(f"CPU: {cpu_model()}; Python {platform.python_version()}")
    print("| body | bytes | orjson.loads | strict_json: false | strict_json: true | strict adds |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, value in BODIES.items():
        raw = orjson.dumps(value)
        number = 20000 if len(raw) < 1000 else 2000
        base = per_call_us(lambda raw=raw: orjson.loads(raw), number)
        off = per_call_us(lambda raw=raw: lenient.decode(raw), number)
        on = per_call_us(lambda raw=raw: strict.decode(raw), number)
        print(f"| {name} | {len(raw)} | {base:.2f} µs | {off:.2f} µs | {on:.2f} µs | {on - off:+.2f} µs |")


if __name__ == "__main__":
    main()
