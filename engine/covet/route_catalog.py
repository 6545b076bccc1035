"""The compiled route table, written to a database table for inventories and audits.

    covet routes --sync-db [--database default] [--table covet_routes]

One row per route (method, template, operationId, handler, security, spec file and pointer,
when it was written); each sync replaces the table's rows in one transaction, so the table is
always one whole, consistent route table. The router itself never reads it: routes are served
from memory. See docs/cli/routes.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, delete, insert

__all__ = ["CatalogRow", "catalog_rows", "catalog_table", "sync_catalog"]


@dataclass(frozen=True, slots=True)
class CatalogRow:
    method: str
    path: str
    operation_id: str | None
    handler: str
    security: str
    """JSON: the alternatives, each a list of ``[scheme, [scopes...]]``; ``[]`` when public."""
    spec_file: str | None
    pointer: str | None


def catalog_table(name: str = "covet_routes") -> Table:
    """The table rows are written to (created when missing)."""
    return Table(
        name, MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("method", String(16), nullable=False),
        Column("path", String(1024), nullable=False),
        Column("operation_id", String(255)),
        Column("handler", String(512), nullable=False),
        Column("security", Text, nullable=False),
        Column("spec_file", String(1024)),
        Column("pointer", String(1024)),
        Column("synced_at", DateTime(timezone=True), nullable=False),
    )


def catalog_rows(app: Any) -> list[CatalogRow]:
    """One row per route of ``app``'s compiled snapshot, in route-table order."""
    operations = {(op.method, op.path): op for op in app.api.operations}
    rows = []
    for route in app.api.routes:
        operation = operations.get((route.method, route.path))
        security = [] if operation is None else [
            [[scheme, list(scopes)] for scheme, scopes in alternative]
            for alternative in operation.security
        ]
        rows.append(CatalogRow(
            route.method, route.path, route.operation_id, route.handler,
            orjson.dumps(security).decode(),
            None if operation is None else operation.file,
            None if operation is None else operation.pointer,
        ))
    return rows


async def sync_catalog(engine: Any, rows: Sequence[CatalogRow], table: str = "covet_routes") -> int:
    """Replace ``table``'s rows with ``rows`` in one transaction; how many were written."""
    catalog = catalog_table(table)
    now = dt.datetime.now(dt.UTC)
    async with engine.begin() as connection:
        await connection.run_sync(catalog.metadata.create_all)
        await connection.execute(delete(catalog))
        if rows:
            await connection.execute(insert(catalog), [
                {"method": r.method, "path": r.path, "operation_id": r.operation_id,
                 "handler": r.handler, "security": r.security, "spec_file": r.spec_file,
                 "pointer": r.pointer, "synced_at": now}
                for r in rows
            ])
    return len(rows)
