"""SQLite errors by result code, in one place.

sqlite3 exceptions carry SQLite's result code (`sqlite_errorcode`, `sqlite_errorname`, Python
3.11+). The words of the message differ between SQLite versions and say nothing reliable
("database is locked" is both SQLITE_BUSY and SQLITE_LOCKED; a path may contain "locked"), so
the code decides. Everything in storage turns sqlite3 errors into the warroom.errors classes
here, and nothing outside storage needs to look at a sqlite3 exception.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from warroom.errors import (
    CannotOpenDatabase,
    DatabaseCorrupt,
    DatabaseError,
    DatabaseIOError,
    DatabaseLocked,
    DatabaseMoved,
    DatabaseReadOnly,
    DiskFull,
    NotADatabase,
)

# The primary result code is the low byte of the extended one.
_PRIMARY_MASK = 0xFF


def result_code(exc: BaseException) -> int | None:
    """SQLite's extended result code of `exc`, or None (not from SQLite, or raised by the
    sqlite3 module itself, such as a closed connection)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def primary_code(exc: BaseException) -> int | None:
    code = result_code(exc)
    return None if code is None else code & _PRIMARY_MASK


def is_busy(exc: BaseException) -> bool:
    """Another connection holds a lock: waiting and trying again may work."""
    return primary_code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _name(exc: sqlite3.Error) -> str | None:
    name = getattr(exc, "sqlite_errorname", None)
    return name if isinstance(name, str) else None


def classify(exc: sqlite3.Error, path: Path) -> DatabaseError:
    """The warroom error for `exc` met on the database at `path`, with a one-line message
    that says what happened and what to do: where the cause can be found on the system (a
    full disk, a read-only folder or file), the message names it (storage/causes.py)."""
    from warroom.storage.causes import explain

    error = _classify(exc, path)
    cause = explain(exc, path)
    if cause is not None and not isinstance(error, (DatabaseLocked, DatabaseMoved)):
        return type(error)(cause, error.code)
    return error


def _classify(exc: sqlite3.Error, path: Path) -> DatabaseError:
    code = result_code(exc)
    primary = None if code is None else code & _PRIMARY_MASK
    name = _name(exc)
    detail = str(exc).replace("\n", " ")
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return DatabaseLocked(
            f"{path} is locked by another process past the timeout; try again in a moment", name
        )
    if code == sqlite3.SQLITE_READONLY_DBMOVED:
        return DatabaseMoved(
            f"{path} was deleted, moved or replaced while open; nothing was written"
            " (open it again at its path)",
            name,
        )
    if primary == sqlite3.SQLITE_READONLY:
        return DatabaseReadOnly(
            f"{path} is read-only for you ({detail}); nothing was written", name
        )
    if primary == sqlite3.SQLITE_FULL:
        return DiskFull(
            f"the disk holding {path} is full; nothing was written (free some space)", name
        )
    if primary == sqlite3.SQLITE_IOERR:
        return DatabaseIOError(f"the system failed to read or write {path} ({name})", name)
    if primary == sqlite3.SQLITE_CORRUPT:
        return DatabaseCorrupt(f"{path} is damaged ({detail}); restore it from a backup", name)
    if primary == sqlite3.SQLITE_NOTADB:
        return NotADatabase(f"{path} is not a SQLite database; refusing to touch it", name)
    if primary in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
        return CannotOpenDatabase(f"cannot open {path} ({detail})", name)
    return DatabaseError(f"database error in {path}: {detail}", name)
