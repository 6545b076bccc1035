"""BaseRepository on every backend: CRUD, filters, ordering, offset and keyset pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from covet.errors import UsageError
from covet.providers.database import BaseRepository, DatabaseProvider, Page
from tests.providers.backends import Backend, models, opened


@asynccontextmanager
async def session_on(backend: Backend) -> AsyncIterator[tuple[AsyncSession, type[Any], type[Any]]]:
    """A request's session on fresh ``Author`` and ``Item`` tables; rolled back at the end."""
    base, author, item = models()
    async with opened(backend.config(), base) as provider:
        scope = provider.begin("db")
        try:
            yield await scope.enter(), author, item
        finally:
            await scope.exit(ok=False)


async def seed(repository: BaseRepository[Any], count: int) -> None:
    for index in range(count):
        await repository.create(slug=f"s{index:02d}", name=f"item {index}", score=index % 3)


async def test_create_flushes_and_returns_the_row_with_its_key(any_backend: Backend) -> None:
    async with session_on(any_backend) as (session, _, item):
        items = BaseRepository(session, item)
        created = await items.create(slug="a", name="first")
        key = created.id
        assert isinstance(key, int)
        assert await items.get_by_id(key) is created
        assert await items.get_by_id(key + 1000) is None


async def test_list_filters_by_equality_and_null(any_backend: Backend) -> None:
    async with session_on(any_backend) as (session, author, item):
        writer = await BaseRepository(session, author).create(name="ann")
        items = BaseRepository(session, item)
        await items.create(slug="a", name="mine", author_id=writer.id)
        await items.create(slug="b", name="orphan")
        mine = await items.list(filters={"author_id": writer.id})
        orphans = await items.list(filters={"author_id": None})
        assert [i.slug for i in mine] == ["a"]
        assert [i.slug for i in orphans] == ["b"]


async def test_list_orders_limits_and_offsets(any_backend: Backend) -> None:
    async with session_on(any_backend) as (session, _, item):
        items = BaseRepository(session, item)
        await seed(items, 6)
        page = await items.list(order_by=["score", "-slug"], limit=3, offset=1)
        assert [(i.score, i.slug) for i in page] == [(0, "s00"), (1, "s04"), (1, "s01")]


@pytest.mark.parametrize("order", ["slug", "-slug"])
async def test_keyset_pages_walk_every_row_once_in_order(any_backend: Backend, order: str) -> None:
    async with session_on(any_backend) as (session, _, item):
        items = BaseRepository(session, item)
        await seed(items, 10)
        walked: list[str] = []
        after = None
        while page := await items.list(order_by=order, after=after, limit=3):
            walked += [i.slug for i in page]
            after = page[-1].slug
        expected = sorted(walked, reverse=order.startswith("-"))
        assert walked == expected and len(walked) == 10


async def test_list_and_count_take_any_sql_condition_beside_filters(any_backend: Backend) -> None:
    async with session_on(any_backend) as (session, _, item):
        items = BaseRepository(session, item)
        await seed(items, 9)  # scores 0, 1, 2, 0, 1, 2, ...
        high = await items.list(item.score >= 1, item.slug.like("s0%"), order_by="slug")
        assert [i.slug for i in high] == ["s01", "s02", "s04", "s05", "s07", "s08"]
        either = or_(item.slug == "s00", item.name.in_(["item 8", "nobody"]))
        assert [i.slug for i in await items.list(either, order_by="-slug")] == ["s08", "s00"]
        assert await items.count() == 9
        assert await items.count(item.score >= 1) == 6
        assert await items.count(item.score >= 1, filters={"score": 2}) == 3
        assert await items.count(filters={"author_id": None}) == 9
        assert await items.count(item.score > 5) == 0


async def test_a_python_value_as_condition_is_refused_with_the_fix(any_backend: Backend) -> None:
    async with session_on(any_backend) as (session, _, item):
        items = BaseRepository(session, item)
        with pytest.raises(UsageError, match="must be a SQL expression .* not bool True"):
            slug = "s01"
            await items.list(slug == "s01")  # type: ignore[arg-type]
        with pytest.raises(UsageError, match="not str"):
            await items.count("score > 1")  # type: ignore[arg-type]


async def test_offset_pages_carry_the_total_and_walk_every_row_once(
    any_backend: Backend,
) -> None:
    async with session_on(any_backend) as (session, _, item):
        items = BaseRepository(session, item)
        await seed(items, 11)
        walked: list[str] = []
        offset: int | None = 0
        while offset is not None:
            page = await items.page(item.score < 2, order_by="-slug", offset=offset, limit=3)
            assert isinstance(page, Page) and page.total == 8 and page.limit == 3
            assert page.offset == offset
            walked += [i.slug for i in page.items]
            offset = page.next_offset
        assert walked == ["s10", "s09", "s07", "s06", "s04", "s03", "s01", "s00"]
        beyond = await items.page(order_by="id", offset=50, limit=5)
        assert (beyond.items, beyond.total, beyond.next_offset) == ([], 11, None)
        whole = await items.page(filters={"score": 2}, order_by="id", limit=10)
        assert [i.slug for i in whole.items] == ["s02", "s05", "s08"] and whole.total == 3


async def test_page_bounds_are_checked(any_backend: Backend) -> None:
    async with session_on(any_backend) as (session, _, item):
        items = BaseRepository(session, item)
        with pytest.raises(UsageError, match="offset >= 0 and limit >= 1"):
            await items.page(limit=0)
        with pytest.raises(UsageError, match=r"offset=-1"):
            await items.page(offset=-1, limit=5)


async def test_keyset_needs_one_unique_order_column(any_backend: Backend) -> None:
    async with session_on(any_backend) as (session, _, item):
        items = BaseRepository(session, item)
        with pytest.raises(UsageError, match="not unique"):
            await items.list(order_by="name", after="x")
        with pytest.raises(UsageError, match="exactly one"):
            await items.list(order_by=["slug", "id"], after="x")


async def test_unknown_column_names_the_known_ones(any_backend: Backend) -> None:
    async with session_on(any_backend) as (session, _, item):
        items = BaseRepository(session, item)
        with pytest.raises(UsageError, match="no column 'colour'; columns: author_id, id"):
            await items.list(filters={"colour": "red"})
        with pytest.raises(UsageError, match="no column 'colour'"):
            await items.list(order_by="-colour")


async def test_update_sets_values_and_delete_removes(any_backend: Backend) -> None:
    async with session_on(any_backend) as (session, _, item):
        items = BaseRepository(session, item)
        created = await items.create(slug="a", name="before")
        updated = await items.update(created.id, name="after", score=5)
        assert updated is not None and (updated.name, updated.score) == ("after", 5)
        assert await items.update(created.id + 1000, name="x") is None
        with pytest.raises(UsageError, match="no attribute 'colour'"):
            await items.update(created.id, colour="red")
        assert await items.delete(created.id) is True
        assert await items.delete(created.id) is False
        assert await items.list() == []


async def test_repository_flushes_but_the_scope_decides_commit(any_backend: Backend) -> None:
    base, _, item = models()
    async with opened(any_backend.config(), base) as provider:
        await in_request(provider, ok=False, work=lambda s: BaseRepository(s, item).create(
            slug="gone", name="rolled back"))
        await in_request(provider, ok=True, work=lambda s: BaseRepository(s, item).create(
            slug="kept", name="committed"))
        slugs = await in_request(provider, ok=True, work=lambda s: BaseRepository(s, item).list())
        assert [i.slug for i in slugs] == ["kept"]


async def in_request(provider: DatabaseProvider, *, ok: bool, work: Any) -> Any:
    scope = provider.begin("db")
    try:
        return await work(await scope.enter())
    finally:
        await scope.exit(ok)


def test_subclass_names_its_model_once() -> None:
    _, _, item = models()

    class ItemRepository(BaseRepository[Any]):
        model = item

    class Unbound(BaseRepository[Any]):
        pass

    assert ItemRepository(AsyncSession()).session is not None
    with pytest.raises(UsageError, match="needs a model"):
        Unbound(AsyncSession())
