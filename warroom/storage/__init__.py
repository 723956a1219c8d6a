"""Storage: the only place that speaks SQL. Never imports textual (a test checks)."""

from warroom.storage.connection import (
    DatabaseLocked,
    Store,
    default_db_path,
    open_store,
    resolve_db_path,
)

__all__ = ["DatabaseLocked", "Store", "default_db_path", "open_store", "resolve_db_path"]
