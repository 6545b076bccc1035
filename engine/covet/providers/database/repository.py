"""A typed convenience over plain SQLAlchemy 2 ORM for the usual CRUD of one model.

It takes the session, it never hides it: anything it does not do, do with the session::

    class PostRepository(BaseRepository[Post]):
        model = Post

        async def by_author(self, author_id: int) -> list[Post]:
            return list(await self.session.scalars(select(Post).where(Post.author_id == author_id)))

    async def list_posts(db: AsyncSession, after: int | None = None) -> list[dict]:
        posts = await PostRepository(db).list(order_by="id", after=after, limit=20)
        ...
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper
from sqlalchemy.sql.elements import UnaryExpression

from covet.errors import UsageError

__all__ = ["BaseRepository"]

ModelT = TypeVar("ModelT")


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
        *,
        filters: Mapping[str, Any] | None = None,
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        after: Any = None,
    ) -> builtins.list[ModelT]:
        """Rows matching ``filters`` (column == value; ``None`` means IS NULL), in order.

        Args:
            filters: column name -> value, all of which must hold.
            order_by: a column name, ``-name`` for descending, or several of them.
            limit: at most this many rows.
            offset: skip this many rows first.
            after: keyset pagination: rows strictly after this value of the single, unique
                ``order_by`` column (pass the last row's value to get the next page).

        Raises:
            UsageError: an unknown column, or ``after`` without one unique ``order_by`` column.
        """
        statement = self._filtered(select(self._model), filters or {})
        orders = [order_by] if isinstance(order_by, str) else builtins.list(order_by or ())
        if after is not None:
            statement = statement.where(self._after(orders, after))
        statement = statement.order_by(*(self._order(name) for name in orders))
        if limit is not None:
            statement = statement.limit(limit)
        if offset is not None:
            statement = statement.offset(offset)
        return builtins.list((await self.session.scalars(statement)).all())

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

    def _filtered(self, statement: Select[Any], filters: Mapping[str, Any]) -> Select[Any]:
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
