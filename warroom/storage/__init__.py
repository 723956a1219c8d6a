"""Storage: the only place that speaks SQL. Never imports textual (a test checks)."""

from warroom.storage.connection import (
    DatabaseLocked,
    FileMoved,
    Store,
    default_db_path,
    file_identity,
    open_store,
    resolve_db_path,
)

__all__ = [
    "DatabaseLocked",
    "FileMoved",
    "Store",
    "default_db_path",
    "file_identity",
    "open_store",
    "resolve_db_path",
]
