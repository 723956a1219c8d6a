"""The change watcher's own connection to the incident file (warroom/live.py): read-only in
spirit, autocommit, asked only for `PRAGMA data_version`, whose value changes when any other
connection commits."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from warroom.storage.sqlite_errors import classify, is_busy


def open_watch_connection(path: Path) -> sqlite3.Connection:
    """A connection that never writes and never leaves a read transaction open. Never
    creates the database: a missing file raises (classified)."""
    uri = path.as_uri()
    try:
        conn = sqlite3.connect(
            f"{uri}?mode=ro",
            uri=True,
            timeout=5,
            check_same_thread=False,
            isolation_level=None,  # autocommit: never leave a read transaction open
        )
    except sqlite3.OperationalError:
        pass
    else:
        try:
            conn.execute("PRAGMA data_version").fetchall()
            return conn
        except sqlite3.OperationalError:
            conn.close()
    # A read-only connection to a WAL database needs the -shm file to exist or a folder
    # it may create it in. A read-write connection can create it; query_only makes sure
    # it still never writes data.
    try:
        conn = sqlite3.connect(
            f"{uri}?mode=rw",  # rw, not rwc: never create the database
            uri=True,
            timeout=5,
            check_same_thread=False,
            isolation_level=None,
        )
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error as exc:
        raise classify(exc, path) from exc
    return conn


def data_version(conn: sqlite3.Connection, path: Path) -> int | None:
    """The connection's data_version, or None when the file is busy (ask again later)."""
    try:
        # fetchall() runs the statement to completion, which ends its read transaction.
        return int(conn.execute("PRAGMA data_version").fetchall()[0][0])
    except sqlite3.Error as exc:
        if is_busy(exc):
            return None
        raise classify(exc, path) from exc
