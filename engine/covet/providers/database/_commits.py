"""Which tables a session's committed transactions wrote, told to listeners after the commit.

Used by the response cache (``caching.tables``): a commit that wrote ``posts`` invalidates
the tags bound to ``posts``. Sessions record the tables their flushes (ORM inserts, updates,
deletes) and ORM-enabled DML statements (``session.execute(update(Post)...)``) touch; raw SQL
(``text(...)``) is not seen. A rollback forgets what was recorded since the last commit.

The request's session (``db``) awaits the listeners after its commit, before the response is
sent, so a client that reads right after a write never sees what the write changed as stale.
A session opened elsewhere (``manager.sessionmaker(...)``, a background job) tells them in a
task of its own, right after it commits.

Only a manager with a listener uses :class:`TrackingSession`; any other app's sessions are
plain ``Session`` objects and pay nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

__all__ = ["CommitListener", "TrackingSession", "committed_tables", "notify_later"]

logger = logging.getLogger("covet.providers.database")

CommitListener = Callable[[frozenset[str]], Awaitable[None]]

_WRITTEN = "covet.written"
_COMMITTED = "covet.committed"
SCOPED = "covet.scoped"
NOTIFY = "covet.notify"
_TASKS: set[asyncio.Task[None]] = set()


class TrackingSession(Session):
    """A ``Session`` that records the tables its transaction writes (see the module doc)."""


def _tables_of(session: Session) -> set[str]:
    found: set[str] = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(inspect(instance).mapper, "local_table", None)
        name = getattr(table, "name", None)
        if name:
            found.add(str(name))
    return found


@event.listens_for(TrackingSession, "after_flush")
def _after_flush(session: Session, context: UOWTransaction) -> None:
    tables = _tables_of(session)
    if tables:
        session.info.setdefault(_WRITTEN, set()).update(tables)


@event.listens_for(TrackingSession, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None)
        if name:
            state.session.info.setdefault(_WRITTEN, set()).add(str(name))


@event.listens_for(TrackingSession, "after_commit")
def _after_commit(session: Session) -> None:
    written = session.info.pop(_WRITTEN, None)
    if not written:
        return
    if session.info.get(SCOPED):
        session.info.setdefault(_COMMITTED, set()).update(written)
        return
    notify = session.info.get(NOTIFY)
    if notify is not None:
        notify_later(notify, frozenset(written))


@event.listens_for(TrackingSession, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


def committed_tables(info: dict[str, Any]) -> frozenset[str]:
    """The tables the scope's session committed writes to (and forget them)."""
    tables = info.pop(_COMMITTED, None)
    return frozenset(tables) if tables else frozenset()


def notify_later(notify: CommitListener, tables: frozenset[str]) -> None:
    """Run ``notify(tables)`` in a task (from a session outside a request)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # pragma: no cover - a sync Session used outside any loop
        logger.error("tables %s were committed outside an event loop: not told", sorted(tables))
        return
    task = loop.create_task(_logged(notify, tables))
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


async def _logged(notify: CommitListener, tables: frozenset[str]) -> None:
    try:
        await notify(tables)
    except Exception:
        logger.exception("telling the commit of tables %s failed", sorted(tables))
