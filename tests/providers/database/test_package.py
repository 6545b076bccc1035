"""covet.providers.database exports a reviewed list of names."""

from __future__ import annotations

from covet.providers import database


def test_exported_names_are_exactly_the_reviewed_list() -> None:
    assert set(database.__all__) == {
        "BaseRepository",
        "DatabaseManager",
        "DatabaseProvider",
        "DatabaseScope",
        "DatabaseUnavailableError",
        "Page",
        "UTCDateTime",
        "utc_now",
    }
    for name in database.__all__:
        assert hasattr(database, name), name
