"""Errors a user can act on. The CLI prints their message on one line, never a traceback."""

from __future__ import annotations


class WarroomError(Exception):
    """A failure at run time (exit status 1): locked database, foreign file, unwritable path."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(WarroomError):
    """Something the user typed is wrong (exit status 2): blank text, unknown reference, ..."""

    exit_code = 2


# --- the database failed ----------------------------------------------------------------------
# Raised only by warroom.storage, which reads SQLite's result code (never the message's words)
# in one place, warroom/storage/sqlite_errors.py. Faces catch these (or WarroomError) and need
# no `import sqlite3`. The names are stable: other code and tests catch them by name.


class DatabaseError(WarroomError):
    """SQLite failed on the incident file. `code` is SQLite's result code name, such as
    'SQLITE_BUSY' or 'SQLITE_IOERR_WRITE' (None when the error carried no code)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class DatabaseLocked(DatabaseError):
    """Another process held the lock past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED).
    Trying again later may work."""


class DatabaseReadOnly(DatabaseError):
    """The file cannot be written: opened read-only, no write permission, a read-only mount
    (SQLITE_READONLY)."""


class DatabaseMoved(DatabaseReadOnly):
    """The file was deleted, moved or replaced while open (SQLITE_READONLY_DBMOVED): SQLite
    refuses to write to it, and nothing was written."""


class FileMoved(DatabaseMoved):
    """The path no longer names the file this connection has open (deleted, or replaced by
    another file such as a restored backup): writing would go into a file nobody reads. The
    Store checks the file's identity (device, inode) itself, around every write, because in
    WAL mode SQLite does not notice."""


class DiskFull(DatabaseError):
    """The disk (or quota) is full (SQLITE_FULL); nothing of the failed write was kept."""


class DatabaseIOError(DatabaseError):
    """The operating system failed a read or write (SQLITE_IOERR): a failing disk, a vanished
    network mount."""


class DatabaseCorrupt(DatabaseError):
    """The file is damaged (SQLITE_CORRUPT); restore it from a backup."""


class NotADatabase(DatabaseError):
    """The file is not a SQLite database at all (SQLITE_NOTADB)."""


class CannotOpenDatabase(DatabaseError):
    """The file cannot be opened (SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_AUTH): a missing folder,
    no permission."""
