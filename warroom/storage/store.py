"""An open incident file: one connection and its transactions.

Its own module so that schema.py (which migrates a Store) and connection.py (which opens one
and then migrates it) both import it without importing each other.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.errors import DatabaseLocked, DatabaseReadOnly
from warroom.storage.sqlite_errors import classify, is_busy

if TYPE_CHECKING:
    import sqlite_utils

# PRAGMA application_id marks a file as ours, so a stranger's SQLite file is never migrated.
APPLICATION_ID = 0x57415252  # "WARR"

# What views and queries take: an open connection, inside `Store.read()` or `Store.write()`.
Connection = sqlite3.Connection


class Store:
    """One connection to the incident file. Not shared between threads.

    Every sqlite3 error met inside `read()` and `write()` leaves as a warroom.errors
    DatabaseError subclass, classified by its result code."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, readonly: bool) -> None:
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self._utils: sqlite_utils.Database | None = None

    @property
    def utils(self) -> sqlite_utils.Database:
        if self._utils is None:
            import sqlite_utils

            self._utils = sqlite_utils.Database(self.conn, execute_plugins=False)
        return self._utils

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction. BEGIN IMMEDIATE takes the write lock up front, so a transaction
        that reads before it writes waits its turn (busy timeout) instead of failing at once."""
        if self.readonly:
            raise DatabaseReadOnly(f"{self.path} is open read-only; this view cannot change it")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise classify(exc, self.path) from exc
        try:
            yield self.conn
        except sqlite3.Error as exc:
            self._abandon()
            raise classify(exc, self.path) from exc
        except BaseException:
            self._abandon()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._abandon()
            raise classify(exc, self.path) from exc

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Several reads from one snapshot, so a view never mixes two commits."""
        if self.conn.in_transaction:
            try:
                yield self.conn
            except sqlite3.Error as exc:
                raise classify(exc, self.path) from exc
            return
        try:
            self.conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise classify(exc, self.path) from exc
        try:
            yield self.conn
        except sqlite3.Error as exc:
            self._abandon()
            raise classify(exc, self.path) from exc
        except BaseException:
            self._abandon()
            raise
        try:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._abandon()
            raise classify(exc, self.path) from exc

    def _abandon(self) -> None:
        """Roll back after a failure. SQLite rolls back by itself after some errors (a full
        disk, an I/O error); a ROLLBACK that then fails would only hide the first error."""
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def set_wal(store: Store, attempts: int = 50) -> None:
    """Switch to WAL so readers never block the writer. Several processes creating the file at
    once can find it busy for a moment; the switch is persistent, so retry briefly."""
    for _ in range(attempts):
        try:
            mode = store.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.Error as exc:
            if not is_busy(exc):
                raise classify(exc, store.path) from exc
            time.sleep(0.02)
            continue
        if str(mode).lower() == "wal":
            return
        time.sleep(0.02)
    raise DatabaseLocked(f"{store.path}: could not switch to WAL mode; another process holds it")
