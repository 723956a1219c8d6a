"""Storage: the only place that speaks SQL. Never imports textual (a test checks)."""

from warroom.storage.connection import (
    DatabaseLocked,
    Store,
    default_db_path,
    open_store,
    resolve_db_path,
)
from warroom.storage.store import Connection

__all__ = [
    "Connection",
    "DatabaseLocked",
    "Store",
    "default_db_path",
    "open_store",
    "resolve_db_path",
]
