"""The timeline's hash chain: each entry's `hash` is SHA-256 over the previous entry's hash and
the entry's canonical content, so editing, deleting or inserting an entry anywhere but at the
end changes every hash after it, and a head (entry id and hash) copied elsewhere (an export,
a backup, a replica, a published update) pins the whole history up to it.

The canonical content is a JSON array of the stored values, in a fixed order:
`[id, incident_id, ts, author, login, kind, text, data]`, where `data` is the stored JSON text
itself (not re-parsed), so any change to the bytes the file holds changes the hash. It is
serialised with `ensure_ascii=True` and no spaces: one byte string for one row, whatever the
kind or data fields. The previous hash is a fixed 64 hex digits (GENESIS for the first entry),
so the concatenation cannot be read two ways.

This module holds the pure rules (canonical form, hash, checking a sequence of rows) and the few
statements that read the chain; the insert paths in `queries.py` call `link()`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.errors import WarroomError

GENESIS = "0" * 64
# The append-only triggers, as the schema creates them. verify compares the file's definitions
# with these (whitespace aside), so a trigger dropped, or replaced by a weaker one, is caught.
TRIGGERS: dict[str, str] = {
    "timeline_no_update": "CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline "
    "BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END",
    "timeline_no_delete": "CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline "
    "BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END",
}
COLUMNS = "id, incident_id, ts, author, login, kind, text, data, hash"
_encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode


@dataclass(frozen=True)
class Head:
    """The newest entry of the chain: its id and hash (id 0 and GENESIS for an empty one)."""

    id: int
    hash: str

    def __str__(self) -> str:
        return f"#{self.id} sha256:{self.hash}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "hash": self.hash}


EMPTY = Head(0, GENESIS)


def canonical(
    entry_id: Any,
    incident_id: Any,
    ts: Any,
    author: Any,
    login: Any,
    kind: Any,
    text: Any,
    data: Any,
) -> bytes:
    """The bytes an entry's hash covers. Raises TypeError for a value that is not one
    SQLite's timeline could hold as warroom writes it (a BLOB planted with sqlite3, say)."""
    return _encode([entry_id, incident_id, ts, author, login, kind, text, data]).encode("ascii")


def entry_hash(previous: str, content: bytes) -> str:
    return hashlib.sha256(previous.encode("ascii") + content).hexdigest()


# --- reading the chain ----------------------------------------------------------------------


def head(conn: sqlite3.Connection) -> Head:
    """The newest entry's id and hash. Inside a write transaction (BEGIN IMMEDIATE) it cannot
    move until the commit, so concurrent writers never fork the chain."""
    row = conn.execute("SELECT id, hash FROM timeline ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return EMPTY
    return Head(int(row[0]), row[1] if isinstance(row[1], str) else "")


def next_id(conn: sqlite3.Connection) -> int:
    """The id the next entry gets. As AUTOINCREMENT would: past every id ever used, so an
    entry deleted from the end (with the triggers dropped) leaves a gap verify reports."""
    row = conn.execute(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'timeline'), 0),"
        " coalesce((SELECT max(id) FROM timeline), 0))"
    ).fetchone()
    return int(row[0]) + 1


def require_write_transaction(conn: sqlite3.Connection) -> None:
    # Outside a transaction another writer could append between reading the head and the
    # insert, and the chain would fork. Store.write() begins IMMEDIATE: the lock is held.
    if not conn.in_transaction:
        raise AssertionError("timeline inserts belong inside Store.write()")


def link(
    conn: sqlite3.Connection,
    *,
    incident_id: int,
    ts: str,
    author: str,
    login: str | None,
    kind: str,
    text: str,
    data: str | None,
) -> tuple[int, str]:
    """(id, hash) for a new entry with these values, chained to the current head. Call inside
    the write transaction that inserts it."""
    require_write_transaction(conn)
    previous = head(conn)
    entry_id = max(next_id(conn), previous.id + 1)
    content = canonical(entry_id, incident_id, ts, author, login, kind, text, data)
    return entry_id, entry_hash(previous.hash or GENESIS, content)


def sequence_high(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'timeline'").fetchone()
    return int(row[0]) if row is not None and isinstance(row[0], int) else 0


def trigger_sql(conn: sqlite3.Connection) -> dict[str, str]:
    return {
        str(name): str(sql)
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'timeline'"
        )
    }


def iter_rows(conn: sqlite3.Connection) -> Iterable[tuple[Any, ...]]:
    """Every entry, oldest first, as tuples in COLUMNS order (fast: no dicts for 100k rows)."""
    return conn.execute(f"SELECT {COLUMNS} FROM timeline ORDER BY id")


def hash_at(conn: sqlite3.Connection, entry_id: int) -> str | None:
    row = conn.execute("SELECT hash FROM timeline WHERE id = ?", (entry_id,)).fetchone()
    return row[0] if row is not None and isinstance(row[0], str) else None


# --- checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """The result of recomputing the chain: `problem` is None when every entry matches."""

    entries: int
    head: Head
    problem: str | None = None
    entry_id: int | None = None  # the first entry that does not match, when one is to blame

    @property
    def ok(self) -> bool:
        return self.problem is None


def _normal(sql: str) -> str:
    return " ".join(sql.replace(";", " ; ").split()).rstrip(" ;").lower()


def check_triggers(found: dict[str, str]) -> str | None:
    for name, sql in TRIGGERS.items():
        if name not in found:
            return f"the trigger {name} is missing: the timeline could be rewritten in place"
        if _normal(found[name]) != _normal(sql):
            return f"the trigger {name} was changed: it no longer refuses every change"
    return None


def check_rows(rows: Iterable[tuple[Any, ...]], *, sequence: int = 0) -> Report:
    """Recompute the chain over rows in COLUMNS order, oldest first. `sequence` is the highest
    id the file ever handed out (sqlite_sequence): beyond the last row, entries were deleted."""
    previous = GENESIS
    last_id = 0
    count = 0
    sha256 = hashlib.sha256
    dumps = _encode
    for row in rows:
        entry_id = row[0]
        stored = row[8]
        if not isinstance(entry_id, int):
            return Report(count, Head(last_id, previous), "an entry has no integer id", None)
        if entry_id != last_id + 1:
            missing = (
                f"#{last_id + 1}" if entry_id == last_id + 2 else f"#{last_id + 1}-#{entry_id - 1}"
            )
            after = f"follows #{last_id}" if count else "is the first"
            return Report(
                count,
                Head(last_id, previous),
                f"entry #{entry_id} {after}: {missing} deleted outside warroom",
                entry_id,
            )
        if stored is None:
            return Report(
                count,
                Head(last_id, previous),
                f"entry #{entry_id} has no hash: inserted outside warroom",
                entry_id,
            )
        try:
            content = dumps(list(row[:8])).encode("ascii")
        except (TypeError, ValueError):
            return Report(
                count,
                Head(last_id, previous),
                f"entry #{entry_id} holds a value warroom never writes: edited outside warroom",
                entry_id,
            )
        expected = sha256(previous.encode("ascii") + content).hexdigest()
        if stored != expected:
            return Report(
                count,
                Head(last_id, previous),
                f"entry #{entry_id} does not match its hash: it was edited outside warroom,"
                " or an entry was inserted before it",
                entry_id,
            )
        previous = expected
        last_id = entry_id
        count += 1
    if sequence > last_id:
        gone = f"#{sequence}" if sequence == last_id + 1 else f"#{last_id + 1}-#{sequence}"
        return Report(
            count,
            Head(last_id, previous),
            f"the last entries were deleted: the file had reached #{sequence} ({gone} missing)",
            last_id + 1,
        )
    return Report(count, Head(last_id, previous) if count else EMPTY)


def verify(conn: sqlite3.Connection) -> Report:
    """Recompute the whole chain from one snapshot, and check the append-only triggers."""
    rows = iter_rows(conn)
    report = check_rows(rows, sequence=sequence_high(conn))
    if not report.ok:
        return report
    problem = check_triggers(trigger_sql(conn))
    if problem is not None:
        return Report(report.entries, report.head, problem)
    return report


def verify_file(path: Path) -> Report | None:
    """The chain of another warroom file (a backup, a restored replica), recomputed from one
    read-only snapshot; None when the file has no chain (not warroom's, or from before it).
    Never the database this process has open: a second descriptor of it, closed, would drop
    this process's SQLite locks."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error as exc:
        raise WarroomError(f"cannot open {path}: {exc}") from None
    try:
        conn.execute("BEGIN")
        names = {r[0] for r in conn.execute("SELECT name FROM pragma_table_info('timeline')")}
        if "hash" not in names:
            return None
        return verify(conn)
    except sqlite3.DatabaseError as exc:
        raise WarroomError(f"cannot read {path}: {exc}") from None
    finally:
        conn.close()
