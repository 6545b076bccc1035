"""asyncmy vs aiomysql through SQLAlchemy's async engine, on the same MariaDB server.

    .venv/bin/python bench/mysql_driver_bench.py [--url mysql://root@127.0.0.1:3306/test]
                                                 [--rounds 5] [--connects 100] [--queries 1000]

Three measurements per driver, each repeated ``--rounds`` times with the drivers interleaved
(so drift on the machine hits both alike); the table shows the median round:

- connect: open a new connection (NullPool, so every ``engine.connect()`` is a real handshake),
  run ``SELECT 1``, close it;
- select 1: ``SELECT 1`` on an already pooled connection;
- 100 rows (core): ``SELECT`` of a 100-row, 5-column table, all rows fetched as Row objects;
- 100 rows (ORM): the same through ``AsyncSession.scalars`` into mapped objects.

It creates and drops its own table (``covet_bench_<random>``) in the database of ``--url``.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import DateTime, Integer, MetaData, String, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool

DRIVERS = ("asyncmy", "aiomysql")
TABLE = f"covet_bench_{uuid.uuid4().hex[:8]}"


class Base(DeclarativeBase):
    metadata = MetaData()


class Row(Base):
    __tablename__ = TABLE
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(128))
    score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


def driver_url(url: str, driver: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}+{driver}://{rest}"


async def timed(count: int, step: Callable[[], Awaitable[object]]) -> float:
    """Microseconds per call of ``step`` over ``count`` calls."""
    start = time.perf_counter()
    for _ in range(count):
        await step()
    return (time.perf_counter() - start) / count * 1e6


async def measure_connect(url: str, count: int) -> float:
    engine = create_async_engine(url, poolclass=NullPool)

    async def step() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        return await timed(count, step)
    finally:
        await engine.dispose()


async def measure_queries(engine: AsyncEngine, count: int) -> dict[str, float]:
    maker = async_sessionmaker(engine, expire_on_commit=False)
    stmt_core = select(Row.__table__)
    stmt_orm = select(Row)
    async with engine.connect() as conn:

        async def select_one() -> None:
            (await conn.execute(text("SELECT 1"))).scalar_one()

        async def rows_core() -> None:
            rows = (await conn.execute(stmt_core)).all()
            if len(rows) != 100:
                raise RuntimeError(f"expected 100 rows, got {len(rows)}")

        one = await timed(count, select_one)
        core = await timed(count // 2, rows_core)
    async with maker() as session:

        async def rows_orm() -> None:
            objs = (await session.scalars(stmt_orm)).all()
            session.expunge_all()
            if len(objs) != 100:
                raise RuntimeError(f"expected 100 objects, got {len(objs)}")

        orm = await timed(count // 2, rows_orm)
    return {"select 1": one, "100 rows (core)": core, "100 rows (ORM)": orm}


async def create_table(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(
            insert(Row.__table__),
            [
                {
                    "id": i,
                    "name": f"user {i}",
                    "email": f"user{i}@example.com",
                    "score": i * 7,
                    "created_at": datetime(2024, 1, 1, 12, i % 60),
                }
                for i in range(1, 101)
            ],
        )
    await engine.dispose()


async def drop_table(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
    await engine.dispose()


async def run(url: str, rounds: int, connects: int, queries: int) -> dict[str, dict[str, float]]:
    urls = {driver: driver_url(url, driver) for driver in DRIVERS}
    await create_table(urls[DRIVERS[0]])
    samples: dict[str, dict[str, list[float]]] = {d: {} for d in DRIVERS}
    engines = {d: create_async_engine(u, pool_size=1) for d, u in urls.items()}
    try:
        for driver, engine in engines.items():  # warm-up: imports, first connection, caches
            await measure_queries(engine, 20)
        for _ in range(rounds):
            for driver in DRIVERS:
                results = {"connect": await measure_connect(urls[driver], connects)}
                results.update(await measure_queries(engines[driver], queries))
                for name, value in results.items():
                    samples[driver].setdefault(name, []).append(value)
    finally:
        for engine in engines.values():
            await engine.dispose()
        await drop_table(urls[DRIVERS[0]])
    return {d: {k: statistics.median(v) for k, v in s.items()} for d, s in samples.items()}


def report(medians: dict[str, dict[str, float]]) -> str:
    names = list(next(iter(medians.values())))
    lines = [
        (
            f"Python {platform.python_version()}, {platform.machine()}; "
            "median of rounds, microseconds per operation (lower is better)"
        ),
        "",
        "| operation | " + " | ".join(DRIVERS) + " | asyncmy / aiomysql |",
        "| --- | " + " | ".join("---:" for _ in DRIVERS) + " | ---: |",
    ]
    for name in names:
        values = [medians[d][name] for d in DRIVERS]
        ratio = values[0] / values[1]
        lines.append(f"| {name} | " + " | ".join(f"{v:,.0f}" for v in values) + f" | {ratio:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="mysql://root@127.0.0.1:3306/test")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connects", type=int, default=100)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args(argv)
    medians = asyncio.run(run(args.url, args.rounds, args.connects, args.queries))
    print(report(medians))
    return 0


if __name__ == "__main__":
    sys.exit(main())
