"""The database provider: SQLAlchemy 2 async engines, a session per request, repositories.

See docs/database.md. The public names:

- :class:`DatabaseProvider`: the :class:`~covet.providers.Provider` the app opens and injects
  (``db`` for the ``default`` database, other databases under their own names);
- :class:`DatabaseManager`: the engines and session factories, for use outside requests;
- :class:`DatabaseScope`: one request's session (what ``DatabaseProvider.begin`` returns);
- :class:`BaseRepository`: typed CRUD over one mapped class, on a session you pass, and the
  :class:`Page` its ``page()`` returns (rows plus the total);
- :class:`UTCDateTime`: a timezone-aware UTC column type, the same on every backend;
- :class:`DatabaseUnavailableError`: the ``ProviderError`` (503) of a database that cannot serve.
"""

from __future__ import annotations

from covet.providers.database._errors import DatabaseUnavailableError
from covet.providers.database._scope import DatabaseScope
from covet.providers.database.columns import UTCDateTime, utc_now
from covet.providers.database.manager import DatabaseManager
from covet.providers.database.provider import DatabaseProvider
from covet.providers.database.repository import BaseRepository, Page

__all__ = [
    "BaseRepository",
    "DatabaseManager",
    "DatabaseProvider",
    "DatabaseScope",
    "DatabaseUnavailableError",
    "Page",
    "UTCDateTime",
    "utc_now",
]
