"""SQLite failures reach users as warroom errors chosen by SQLite's result code, never by the
words of the message. Each case provokes the real failure where SQLite can be made to produce
it here; the mapping itself is also checked against errors whose words say something else."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Cli
from warroom import actions
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
    WarroomError,
)
from warroom.room import Room
from warroom.storage import Store, open_store
from warroom.storage.sqlite_errors import classify, is_busy


def counts(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM timeline").fetchone()[0])
    finally:
        conn.close()


def test_held_write_lock_is_database_locked(room: Room, db_path: Path) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    room.store.conn.execute("PRAGMA busy_timeout = 50")
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseLocked, match="locked by another process") as caught:
            actions.note(room, incident, "blocked")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert caught.value.code == "SQLITE_BUSY"


def test_a_trigger_saying_locked_is_not_a_lock(store: Store) -> None:
    # The old check matched the words "locked" and "read-only" in the message.
    with store.write() as conn:
        conn.execute("CREATE TEMP TABLE t (x)")
        conn.execute(
            "CREATE TEMP TRIGGER t_no BEFORE INSERT ON t"
            " BEGIN SELECT RAISE(ABORT, 'row locked: read-only, busy'); END"
        )
    with pytest.raises(DatabaseError) as caught, store.write() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
    assert type(caught.value) is DatabaseError
    assert caught.value.code == "SQLITE_CONSTRAINT_TRIGGER"
    assert "row locked: read-only, busy" in caught.value.message


def test_write_through_a_read_only_connection_is_read_only(db_path: Path) -> None:
    open_store(db_path).close()
    conn = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    store = Store(conn, db_path, readonly=False)
    try:
        with pytest.raises(DatabaseReadOnly, match="read-only for you"), store.write() as c:
            c.execute(
                "INSERT INTO incidents (title, severity, status, declared_at, declared_by)"
                " VALUES ('t', 'SEV1', 'investigating', 'x', 'y')"
            )
    finally:
        store.close()


def test_full_database_is_disk_full(room: Room) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    # max_page_count makes SQLite report SQLITE_FULL exactly as a full disk does.
    pages = room.store.conn.execute("PRAGMA page_count").fetchone()[0]
    room.store.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(DiskFull, match="full; nothing was written") as caught:
        actions.note(room, incident, "x" * 200_000)
    assert caught.value.code == "SQLITE_FULL"
    with room.read() as conn:
        texts = [r[0] for r in conn.execute("SELECT text FROM timeline")]
    assert not any(t.startswith("xxx") for t in texts)


def test_damaged_file_is_corrupt_with_one_line_cli_error(run: Cli, db_path: Path) -> None:
    run.ok("declare", "Checkout down", "--severity", "SEV2")
    for n in range(50):
        run.ok("note", f"note {n} " + "y" * 500)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[page : 4 * page] = b"\xa5" * (3 * page)  # the header survives; the pages do not
    db_path.write_bytes(bytes(data))
    result = run("tail", "-n", "100")
    assert result.exit_code == 1
    assert "is damaged" in result.stderr and "restore it from a backup" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_corrupt_read_raises_database_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    store = open_store(path)
    with store.write() as conn:
        conn.execute("CREATE TABLE big (x)")
        conn.executemany("INSERT INTO big VALUES (?)", [("z" * 1000,) for _ in range(50)])
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    data[-8 * 4096 :] = b"\x5a" * (8 * 4096)
    path.write_bytes(bytes(data))
    store = open_store(path)
    try:
        with pytest.raises(DatabaseCorrupt, match="damaged"), store.read() as conn:
            conn.execute("SELECT count(*), max(length(x)) FROM big").fetchall()
    finally:
        store.close()


def test_text_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(NotADatabase, match="not a SQLite database"):
        open_store(path)
    assert path.read_text().startswith("these are my notes")


def test_cannot_open_is_classified(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "x.db"
    with pytest.raises(sqlite3.Error) as raw:
        sqlite3.connect(f"{missing.as_uri()}?mode=rw", uri=True)
    error = classify(raw.value, missing)
    assert isinstance(error, CannotOpenDatabase)
    assert str(missing) in error.message


def _coded(message: str, code: int, name: str) -> sqlite3.Error:
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    exc.sqlite_errorname = name  # type: ignore[attr-defined]
    return exc


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        (sqlite3.SQLITE_IOERR_WRITE, "SQLITE_IOERR_WRITE", DatabaseIOError),
        (sqlite3.SQLITE_IOERR_FSYNC, "SQLITE_IOERR_FSYNC", DatabaseIOError),
        (sqlite3.SQLITE_CORRUPT, "SQLITE_CORRUPT", DatabaseCorrupt),
        (sqlite3.SQLITE_FULL, "SQLITE_FULL", DiskFull),
        (sqlite3.SQLITE_LOCKED, "SQLITE_LOCKED", DatabaseLocked),
        (sqlite3.SQLITE_PERM, "SQLITE_PERM", CannotOpenDatabase),
        # A rollback-journal file deleted or replaced while open: SQLite refuses the write
        # (in WAL mode it does not notice; tui-arch follows the file by identity for that).
        (sqlite3.SQLITE_READONLY_DBMOVED, "SQLITE_READONLY_DBMOVED", DatabaseMoved),
        (sqlite3.SQLITE_READONLY, "SQLITE_READONLY", DatabaseReadOnly),
        (sqlite3.SQLITE_NOTADB, "SQLITE_NOTADB", NotADatabase),
    ],
)
def test_code_decides_not_words(code: int, name: str, expected: type[DatabaseError]) -> None:
    # Words that would mislead a matcher: each message names another failure.
    misleading = "database is locked (read-only, malformed, not a database, busy)"
    error = classify(_coded(misleading, code, name), Path("/srv/w.db"))
    assert type(error) is expected
    assert error.code == name
    assert "\n" not in error.message


def test_is_busy_by_code_only() -> None:
    assert is_busy(_coded("anything", sqlite3.SQLITE_BUSY_SNAPSHOT, "SQLITE_BUSY_SNAPSHOT"))
    assert not is_busy(_coded("database is locked", sqlite3.SQLITE_IOERR, "SQLITE_IOERR"))
    assert not is_busy(sqlite3.ProgrammingError("Cannot operate on a closed database."))


def test_every_database_error_is_a_warroom_error() -> None:
    for cls in (DatabaseLocked, DatabaseMoved, DiskFull, DatabaseCorrupt, NotADatabase):
        assert issubclass(cls, WarroomError) and cls.exit_code == 1
