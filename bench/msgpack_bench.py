"""MessagePack for the media codec: ormsgpack against msgpack, µs per call (fastest of 5 runs).

    .venv/bin/python bench/msgpack_bench.py

Bodies: the POST scenario's small item, and a 10 KB list of 100 such objects. Encode is what a
response pays, decode what a request body pays (results in docs/media-types.md).
"""

from __future__ import annotations

import timeit

import msgpack
import ormsgpack

SMALL = {"name": "widget", "price": 9.5, "tags": ["a", "b"], "in_stock": True}
LARGE = [dict(SMALL, id=i, description="x" * 40) for i in range(100)]


def _best(call: object, number: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6  # type: ignore[arg-type]


def main() -> None:
    for label, value, number in (("small", SMALL, 200_000), ("10KB", LARGE, 5_000)):
        packed = msgpack.packb(value)
        assert ormsgpack.unpackb(ormsgpack.packb(value)) == msgpack.unpackb(packed) == value
        rows = {
            "ormsgpack encode": _best(lambda: ormsgpack.packb(value), number),
            "msgpack   encode": _best(lambda: msgpack.packb(value), number),
            "ormsgpack decode": _best(lambda: ormsgpack.unpackb(packed), number),
            "msgpack   decode": _best(lambda: msgpack.unpackb(packed), number),
        }
        print(f"{label} ({len(packed)} bytes)")
        for name, micros in rows.items():
            print(f"  {name}  {micros:8.3f} µs")


if __name__ == "__main__":
    main()
