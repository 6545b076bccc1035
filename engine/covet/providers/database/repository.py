"""A typed convenience over plain SQLAlchemy 2 ORM for the usual CRUD of one model.

It takes the session, it never hides it: anything it does not do, do with the session::

    class PostRepository(BaseRepository[Post]):
        model = Post

        async def by_author(self, author_id: int) -> list[Post]:
            return list(await self.session.scalars(select(Post).where(Post.author_id == author_id)))

    async def list_posts(db: AsyncSession, after: int | None = None) -> list[dict]:
        posts = await PostRepository(db).list(order_by="id", after=after, limit=20)
        ...

    async def search_posts(db: AsyncSession, q: str, offset: int = 0) -> dict:
        page = await PostRepository(db).page(Post.title.ilike(f"%{q}%"), offset=offset, limit=20)
        return {"posts": [...], "total": page.total}
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper
from sqlalchemy.sql.elements import ClauseElement, UnaryExpression

from covet.errors import UsageError

__all__ = ["BaseRepository", "Page"]

ModelT = TypeVar("ModelT")
ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    """One offset page of rows and how many rows match in all (what ``BaseRepository.page``
    returns).

    Attributes:
        items: the rows of this page, in order.
        total: how many rows match the filters, over every page.
        offset: how many matching rows come before this page.
        limit: the page size asked for (``items`` is shorter on the last page).

    .. versionadded:: 0.1
    """

    items: builtins.list[ItemT]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        """The ``offset`` of the next page, ``None`` when this is the last one."""
        following = self.offset + self.limit
        return following if following < self.total else None


class BaseRepository(Generic[ModelT]):
    """create / get_by_id / list / update / delete for one mapped class.

    Args:
        session: the request's session (``db``); the repository flushes, it never commits.
        model: the mapped class, unless the subclass sets ``model``.

    Example:
        >>> posts = BaseRepository(db, Post)
        >>> post = await posts.create(title="Hello", author_id=1)
        >>> page = await posts.list(filters={"author_id": 1}, order_by="-id", limit=10)
        >>> next_page = await posts.list(order_by="-id", after=page[-1].id, limit=10)
        >>> recent = await posts.page(Post.created_at >= since, order_by="-id", limit=20)
        >>> recent.total, len(recent.items)
        (57, 20)
    """

    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession, model: type[ModelT] | None = None) -> None:
        self.session = session
        chosen = model if model is not None else getattr(type(self), "model", None)
        if chosen is None:
            raise UsageError(
                f"{type(self).__name__} needs a model: set `model = MyModel` on the class or "
                "pass it, BaseRepository(session, MyModel)"
            )
        self._model: type[ModelT] = chosen
        self._mapper: Mapper[Any] = inspect(chosen)

    async def create(self, **values: Any) -> ModelT:
        """Add a new row and flush, so generated keys and defaults are set."""
        instance = self._model(**values)
        self.session.add(instance)
        await self.session.flush()
        return instance

    async def get_by_id(self, ident: Any) -> ModelT | None:
        """The row with this primary key (a tuple for a composite key), or ``None``."""
        return await self.session.get(self._model, ident)

    async def list(
        self,
        *where: ColumnElement[bool],
        filters: Mapping[str, Any] | None = None,
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        after: Any = None,
    ) -> builtins.list[ModelT]:
        """Rows matching every ``where`` condition and ``filters``, in order.

        Args:
            where: SQLAlchemy conditions on the model, all of which must hold
                (``Post.created_at >= since``, ``Post.title.ilike("%asgi%")``,
                ``Post.status.in_(["draft", "published"])``, ``or_(...)``).
            filters: column name -> value, all of which must hold (``None`` means IS NULL).
            order_by: a column name, ``-name`` for descending, or several of them.
            limit: at most this many rows.
            offset: skip this many rows first.
            after: keyset pagination: rows strictly after this value of the single, unique
                ``order_by`` column (pass the last row's value to get the next page).

        Raises:
            UsageError: an unknown column, a ``where`` that is not a SQL expression, or
                ``after`` without one unique ``order_by`` column.

        .. versionchanged:: 0.1
            Positional ``where`` conditions.
        """
        statement = self._filtered(select(self._model), where, filters or {})
        orders = [order_by] if isinstance(order_by, str) else builtins.list(order_by or ())
        if after is not None:
            statement = statement.where(self._after(orders, after))
        statement = statement.order_by(*(self._order(name) for name in orders))
        if limit is not None:
            statement = statement.limit(limit)
        if offset is not None:
            statement = statement.offset(offset)
        return builtins.list((await self.session.scalars(statement)).all())

    async def count(
        self, *where: ColumnElement[bool], filters: Mapping[str, Any] | None = None
    ) -> int:
        """How many rows match every ``where`` condition and ``filters`` (as :meth:`list`).

        .. versionadded:: 0.1
        """
        statement = self._filtered(
            select(func.count()).select_from(self._model), where, filters or {}
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def page(
        self,
        *where: ColumnElement[bool],
        filters: Mapping[str, Any] | None = None,
        order_by: str | Sequence[str] | None = None,
        offset: int = 0,
        limit: int,
    ) -> Page[ModelT]:
        """One offset page of the matching rows with the total that match (two queries).

        Args:
            where: SQLAlchemy conditions, as for :meth:`list`.
            filters: column name -> value, as for :meth:`list`.
            order_by: as for :meth:`list`; give one, ending in a unique column (the primary
                key), or pages may overlap: SQL promises no order otherwise.
            offset: matching rows to skip (0 or more).
            limit: rows per page (1 or more).

        Raises:
            UsageError: a negative ``offset``, a ``limit`` below 1, or what :meth:`list` raises.

        .. versionadded:: 0.1
        """
        if offset < 0 or limit < 1:
            raise UsageError(f"page(offset={offset}, limit={limit}): offset >= 0 and limit >= 1")
        items = await self.list(
            *where, filters=filters, order_by=order_by, limit=limit, offset=offset
        )
        if offset == 0 and len(items) < limit:
            total = len(items)  # the whole result fits on this first page: no count needed
        else:
            total = await self.count(*where, filters=filters)
        return Page(items=items, total=total, offset=offset, limit=limit)

    async def update(self, ident: Any, **values: Any) -> ModelT | None:
        """Set ``values`` on the row with this primary key and flush; ``None`` if none."""
        instance = await self.get_by_id(ident)
        if instance is None:
            return None
        for name, value in values.items():
            if name not in self._mapper.attrs:
                known = ", ".join(sorted(self._mapper.attrs.keys()))
                raise UsageError(f"{self._model.__name__} has no attribute {name!r}; known: {known}")
            setattr(instance, name, value)
        await self.session.flush()
        return instance

    async def delete(self, ident: Any) -> bool:
        """Delete the row with this primary key and flush; whether there was one."""
        instance = await self.get_by_id(ident)
        if instance is None:
            return False
        await self.session.delete(instance)
        await self.session.flush()
        return True

    def _filtered(
        self,
        statement: Select[Any],
        where: tuple[ColumnElement[bool], ...],
        filters: Mapping[str, Any],
    ) -> Select[Any]:
        for condition in where:
            if not isinstance(condition, ClauseElement):
                raise UsageError(
                    f"a where condition must be a SQL expression such as "
                    f"{self._model.__name__}.id > 3, not {type(condition).__name__} "
                    f"{condition!r} (was a Python value compared instead of a column?)"
                )
            statement = statement.where(condition)
        for name, value in filters.items():
            column = self._column(name)
            statement = statement.where(column.is_(None) if value is None else column == value)
        return statement

    def _order(self, name: str) -> UnaryExpression[Any]:
        descending = name.startswith("-")
        column = self._column(name.lstrip("-"))
        order: UnaryExpression[Any] = column.desc() if descending else column.asc()
        return order

    def _after(self, orders: builtins.list[str], value: Any) -> ColumnElement[bool]:
        if len(orders) != 1:
            raise UsageError("after= needs exactly one order_by column, unique and not null")
        name = orders[0].lstrip("-")
        column = self._column(name)
        if not (column.primary_key or column.unique):
            raise UsageError(
                f"after= pages on {name!r}, which is not unique; order by the primary key or a "
                "unique column"
            )
        condition: ColumnElement[bool] = (
            column < value if orders[0].startswith("-") else column > value
        )
        return condition

    def _column(self, name: str) -> Any:
        column = self._mapper.columns.get(name)
        if column is None:
            known = ", ".join(sorted(self._mapper.columns.keys()))
            raise UsageError(f"{self._model.__name__} has no column {name!r}; columns: {known}")
        return column
