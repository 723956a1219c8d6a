"""Storage: the only place that speaks SQL, and the only one that imports sqlite3 (an
import-linter contract). Never imports textual (a test checks). `Connection` is the type the
layers above pass around: they name it from here."""

from sqlite3 import Connection

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
    "Connection",
    "DatabaseLocked",
    "FileMoved",
    "Store",
    "default_db_path",
    "file_identity",
    "open_store",
    "resolve_db_path",
]
