"""Schema and migrations. `PRAGMA user_version` records the schema version.

Each migration runs inside one BEGIN IMMEDIATE transaction together with the version bump, so
a file is either upgraded whole or not at all, and two processes opening an old file at once
upgrade it once.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from warroom.errors import DatabaseLocked, WarroomError
from warroom.storage import chain
from warroom.storage.sqlite_errors import classify, is_busy

TYPE_CHECKING = False  # not typing's: importing typing costs ~3 ms on `warroom run`'s path
if TYPE_CHECKING:
    from typing import Protocol

    import sqlite_utils

# PRAGMA application_id marks a file as ours, so a stranger's SQLite file is never migrated.
APPLICATION_ID = 0x57415252  # "WARR"


if TYPE_CHECKING:
    # A type only (a Protocol needs typing at run time, ~3 ms on `warroom run`'s path).
    class Store(Protocol):
        """What a migration needs of an open file; `warroom.storage.connection.Store` is one.
        Named here rather than imported: connection.py opens a file and then migrates it with
        this module, so this module must not import connection.py."""

        conn: sqlite3.Connection
        path: Path
        readonly: bool

        @property
        def utils(self) -> sqlite_utils.Database: ...

        def write(self) -> AbstractContextManager[sqlite3.Connection]: ...


V1 = """
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('SEV1', 'SEV2', 'SEV3', 'SEV4')),
    status TEXT NOT NULL
        CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    declared_at TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    resolved_at TEXT,
    impact TEXT,
    affected TEXT,
    workaround TEXT,
    detection_source TEXT
);
CREATE TABLE services (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    name TEXT NOT NULL,
    PRIMARY KEY (incident_id, name)
);
CREATE TABLE roles (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'fix_lead', 'comms')),
    name TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (incident_id, role)
);
CREATE TABLE checklist (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    position INTEGER NOT NULL,
    step TEXT NOT NULL,
    text TEXT NOT NULL,
    auto TEXT,
    done_at TEXT,
    done_by TEXT,
    UNIQUE (incident_id, position)
);
CREATE TABLE timeline (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    ts TEXT NOT NULL,
    author TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    data TEXT
);
CREATE INDEX timeline_incident ON timeline (incident_id, id);
CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline
BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline
BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
CREATE TABLE updates (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    published_at TEXT NOT NULL,
    author TEXT NOT NULL,
    template TEXT,
    status TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX updates_incident ON updates (incident_id, published_at);
CREATE TABLE followups (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    text TEXT NOT NULL,
    owner TEXT,
    due TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    done_at TEXT,
    done_by TEXT
);
"""


def _v1(store: Store) -> None:
    _run_script(store, V1)


def _v2(store: Store) -> None:
    # Who really wrote an entry (the Unix login) besides the display name, and when the
    # customer impact began, which is often before anyone declared the incident.
    db = store.utils
    db.table("timeline").add_column("login", str)
    db.table("incidents").add_column("impact_started_at", str)


V3 = """
CREATE INDEX timeline_incident_kind ON timeline (incident_id, kind, id);
CREATE TABLE participants (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    name TEXT NOT NULL,
    last_entry_id INTEGER NOT NULL,
    PRIMARY KEY (incident_id, name)
) WITHOUT ROWID;
INSERT INTO participants (incident_id, name, last_entry_id)
    SELECT incident_id, author, max(id) FROM timeline GROUP BY incident_id, author;
CREATE TRIGGER timeline_participant AFTER INSERT ON timeline
BEGIN
    INSERT INTO participants (incident_id, name, last_entry_id)
    VALUES (new.incident_id, new.author, new.id)
    ON CONFLICT (incident_id, name) DO UPDATE SET last_entry_id = excluded.last_entry_id;
END;
"""


def _v3(store: Store) -> None:
    # Long incidents with chatty automation reach 100k entries: the war room asks for the
    # entries of one kind (mitigations, updates) and for the people seen on every refresh,
    # so both must not scan the whole timeline. The trigger keeps participants current.
    _run_script(store, V3)


V4 = """
CREATE INDEX timeline_incident_author ON timeline (incident_id, author, id);
"""


def _v4(store: Store) -> None:
    # The TUI's author filter pages one author's entries newest first: without this index an
    # author with few entries meant walking the whole incident (about 34 ms at 100k entries).
    _run_script(store, V4)


HANDOVERS = """
CREATE TABLE handovers (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'fix_lead', 'comms')),
    from_name TEXT NOT NULL,
    to_name TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_by_login TEXT,
    brief TEXT NOT NULL,
    acked_at TEXT,
    acked_by TEXT,
    acked_by_login TEXT,
    ended_at TEXT,
    ended_how TEXT
);
CREATE INDEX handovers_open ON handovers (incident_id, role) WHERE ended_at IS NULL;
CREATE TABLE seen (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    login TEXT NOT NULL,
    last_entry_id INTEGER NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, login)
) WITHOUT ROWID;
"""


def _handovers(store: Store) -> None:
    # A handover is pending until the new holder acknowledges it, and the outgoing holder keeps
    # the role meanwhile: that state needs a row, not a scan of the timeline. `seen` is the
    # per-login marker of what `warroom brief --since-last` last showed.
    if "handovers" not in _tables(store):
        _run_script(store, HANDOVERS)


def _tables(store: Store) -> set[str]:
    return {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _chain(store: Store) -> None:
    # The hash chain (storage/chain.py): a `hash` column, and the entries already in the file
    # chained in id order, so an older file can be verified from here on like a new one. The
    # append-only trigger refuses the UPDATE that fills the column: it is dropped and created
    # again from its own definition inside this transaction, so no other process ever sees the
    # timeline without it (and a file that had lost it is not silently mended: verify says so).
    conn = store.conn
    conn.execute("ALTER TABLE timeline ADD COLUMN hash TEXT")
    found = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'timeline_no_update'"
    ).fetchone()
    if found is not None:
        conn.execute("DROP TRIGGER timeline_no_update")
    previous = chain.GENESIS
    hashes: list[tuple[str, int]] = []
    for row in conn.execute(
        "SELECT id, incident_id, ts, author, login, kind, text, data FROM timeline ORDER BY id"
    ):
        previous = chain.entry_hash(previous, chain.canonical(*row))
        hashes.append((previous, row[0]))
    conn.executemany("UPDATE timeline SET hash = ? WHERE id = ?", hashes)
    if found is not None:
        conn.execute(found[0])


# Every "by" column gets the Unix login beside the display name (`--as` is a claim; the login
# is who ran the command). Added only where missing, so the order migrations merge in does
# not matter; rows from before keep NULL (who they were is not known).
LOGIN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("incidents", "declared_by_login"),
    ("roles", "assigned_by_login"),
    ("checklist", "done_by_login"),
    ("updates", "author_login"),
    ("followups", "created_by_login"),
    ("followups", "done_by_login"),
)


def _logins(store: Store) -> None:
    for table, column in LOGIN_COLUMNS:
        present = {row[1] for row in store.conn.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            # Names come from the fixed tuple above, never from input.
            store.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")


ALERTS = """
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
    labels TEXT NOT NULL DEFAULT '{}',
    summary TEXT,
    description TEXT,
    service TEXT,
    starts_at TEXT,
    ends_at TEXT,
    url TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 1,
    fired_count INTEGER NOT NULL DEFAULT 1,
    first_fired_at TEXT,
    incident_id INTEGER REFERENCES incidents(id),
    attached_at TEXT,
    attached_by TEXT,
    attached_login TEXT,
    dismissed_at TEXT,
    dismissed_by TEXT,
    dismissed_login TEXT,
    dismiss_reason TEXT,
    UNIQUE (source, fingerprint)
);
CREATE INDEX alerts_triage ON alerts (status, incident_id, dismissed_at);
CREATE INDEX alerts_incident ON alerts (incident_id, id);
CREATE INDEX alerts_last_seen ON alerts (last_seen);
CREATE TABLE alert_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    ts TEXT NOT NULL,
    author TEXT NOT NULL,
    login TEXT NOT NULL,
    action TEXT NOT NULL,
    incident_id INTEGER REFERENCES incidents(id),
    reason TEXT
);
CREATE INDEX alert_log_alert ON alert_log (alert_id, id);
CREATE TRIGGER alert_log_no_update BEFORE UPDATE ON alert_log
BEGIN SELECT RAISE(ABORT, 'the alert log is append-only'); END;
CREATE TRIGGER alert_log_no_delete BEFORE DELETE ON alert_log
BEGIN SELECT RAISE(ABORT, 'the alert log is append-only'); END;
"""


def _alerts(store: Store) -> None:
    # Alerts from monitoring (`warroom alerts listen`), one row per (source, fingerprint) so a
    # repeated notification updates its row; the triage index serves the war room's
    # "N alerts firing" on every refresh. Dismissals and attachments are kept in an
    # append-only log because a dismissed alert belongs to no incident's timeline.
    if store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alerts'").fetchone():
        return
    _run_script(store, ALERTS)


COMMS = """
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    update_id INTEGER NOT NULL REFERENCES updates(id),
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    destination TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivering', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    next_attempt_at TEXT,
    claimed_until TEXT,
    last_attempt_at TEXT,
    delivered_at TEXT,
    exit_status INTEGER,
    error TEXT,
    UNIQUE (update_id, destination)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
"""


def _comms(store: Store) -> None:
    # The promise an update made is stored with it, so the countdown counts to exactly the
    # time customers read; deliveries record what reached each publish destination.
    columns = {r[1] for r in store.conn.execute("PRAGMA table_info(updates)")}
    if "next_update_due" not in columns:
        store.conn.execute("ALTER TABLE updates ADD COLUMN next_update_due TEXT")
    exists = store.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'"
    ).fetchone()
    if not exists:
        _run_script(store, COMMS)


def _run_script(store: Store, script: str) -> None:
    # executescript() would COMMIT our transaction first; run the statements one by one.
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            if statement.strip():
                store.conn.execute(statement)
            statement = ""
    if statement.strip():
        raise AssertionError(f"incomplete statement in schema: {statement!r}")


MIGRATIONS: list[Callable[[Store], None]] = [
    _v1,
    _v2,
    _v3,
    _v4,
    _chain,
    _logins,
    _alerts,
    _comms,
    _handovers,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _read_header(store: Store) -> tuple[int, int, int]:
    conn = store.conn
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
    return app_id, version, tables


def check_compatible(store: Store) -> None:
    """Refuse a SQLite file that is not ours, or is from a newer warroom. Reads only."""
    app_id, version, tables = _read_header(store)
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables > 0):
        raise WarroomError(
            f"{store.path} is a SQLite database but not a warroom one; refusing to touch it"
        )
    if version > SCHEMA_VERSION:
        raise WarroomError(
            f"{store.path} was written by a newer warroom (schema {version}; this one knows "
            f"up to {SCHEMA_VERSION}); upgrade warroom to open it"
        )
    if store.readonly and version < SCHEMA_VERSION:
        raise WarroomError(
            f"{store.path} has schema {version} and needs an upgrade; open it once read-write"
        )


def ensure_current(store: Store, target: int = SCHEMA_VERSION) -> None:
    if int(store.conn.execute("PRAGMA user_version").fetchone()[0]) >= target:
        return
    if str(store.conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        set_wal(store)
    with store.write() as conn:
        # Re-read inside the lock: another process may have migrated meanwhile.
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        for number in range(version + 1, target + 1):
            MIGRATIONS[number - 1](store)
        if version < target:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {target}")


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
