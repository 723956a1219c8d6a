"""Every SQL statement warroom runs outside the schema. Functions take a sqlite3 connection
(a Store's, inside `Store.write()` for writes) and return plain dicts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from warroom.storage import chain

TYPE_CHECKING = False  # not typing's: importing typing costs ~3 ms on `warroom run`'s path
if TYPE_CHECKING:
    from typing import Any

    Row = dict[str, Any]


def _all(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return [dict(r) for r in cur.execute(sql, params)]


def _one(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> Row | None:
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    row = cur.execute(sql, params).fetchone()
    return dict(row) if row is not None else None


def _scalar(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    row = conn.execute(sql, params).fetchone()
    return row[0] if row is not None else None


# --- incidents --------------------------------------------------------------------------------


def insert_incident(
    conn: sqlite3.Connection,
    *,
    title: str,
    severity: str,
    status: str,
    declared_at: str,
    declared_by: str,
    detection_source: str | None,
    declared_by_login: str | None = None,
) -> int:
    cur = conn.execute(
        "INSERT INTO incidents (title, severity, status, declared_at, declared_by,"
        " declared_by_login, detection_source) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (title, severity, status, declared_at, declared_by, declared_by_login, detection_source),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


INCIDENT_FIELDS = frozenset(
    {
        "title",
        "severity",
        "status",
        "resolved_at",
        "impact",
        "affected",
        "workaround",
        "detection_source",
        "impact_started_at",
    }
)


def update_incident(conn: sqlite3.Connection, incident_id: int, **fields: Any) -> None:
    unknown = set(fields) - INCIDENT_FIELDS
    if unknown:
        raise ValueError(f"not incident fields: {sorted(unknown)}")
    if not fields:
        return
    # Column names come from the fixed set above, never from user input.
    assignments = ", ".join(f"{name} = ?" for name in fields)
    conn.execute(
        f"UPDATE incidents SET {assignments} WHERE id = ?", (*fields.values(), incident_id)
    )


def get_incident(conn: sqlite3.Connection, incident_id: int) -> Row | None:
    return _one(conn, "SELECT * FROM incidents WHERE id = ?", (incident_id,))


def latest_open_incident_id(conn: sqlite3.Connection) -> int | None:
    found = _scalar(
        conn,
        "SELECT id FROM incidents WHERE status != 'resolved' ORDER BY declared_at DESC, id DESC"
        " LIMIT 1",
    )
    return None if found is None else int(found)


def open_incident_count(conn: sqlite3.Connection) -> int:
    return int(_scalar(conn, "SELECT count(*) FROM incidents WHERE status != 'resolved'"))


def latest_incident_id(conn: sqlite3.Connection) -> int | None:
    found = _scalar(conn, "SELECT id FROM incidents ORDER BY declared_at DESC, id DESC LIMIT 1")
    return None if found is None else int(found)


def list_incidents(conn: sqlite3.Connection, *, include_resolved: bool) -> list[Row]:
    where = "" if include_resolved else "WHERE i.status != 'resolved'"
    return _all(
        conn,
        "SELECT i.*, (SELECT name FROM roles r WHERE r.incident_id = i.id AND r.role = 'owner')"
        f" AS owner FROM incidents i {where} ORDER BY i.declared_at DESC, i.id DESC",
    )


# --- services ---------------------------------------------------------------------------------


def add_services(conn: sqlite3.Connection, incident_id: int, names: Iterable[str]) -> list[str]:
    """Adds the names not already listed; returns those that were new."""
    added = []
    for name in names:
        cur = conn.execute(
            "INSERT OR IGNORE INTO services (incident_id, name) VALUES (?, ?)", (incident_id, name)
        )
        if cur.rowcount:
            added.append(name)
    return added


def get_services(conn: sqlite3.Connection, incident_id: int) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM services WHERE incident_id = ? ORDER BY rowid", (incident_id,)
        )
    ]


# --- roles ------------------------------------------------------------------------------------


def set_role(
    conn: sqlite3.Connection,
    incident_id: int,
    role: str,
    name: str,
    at: str,
    by: str,
    by_login: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO roles (incident_id, role, name, assigned_at, assigned_by, assigned_by_login)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id, role) DO UPDATE SET"
        " name = excluded.name, assigned_at = excluded.assigned_at,"
        " assigned_by = excluded.assigned_by, assigned_by_login = excluded.assigned_by_login",
        (incident_id, role, name, at, by, by_login),
    )


def get_roles(conn: sqlite3.Connection, incident_id: int) -> list[Row]:
    return _all(conn, "SELECT * FROM roles WHERE incident_id = ?", (incident_id,))


def people_seen(conn: sqlite3.Connection, incident_id: int) -> list[str]:
    """Names that appear on this incident, most recent first: quick picks for assignment."""
    rows = conn.execute(
        "SELECT name FROM (SELECT name, last_entry_id AS k FROM participants"
        " WHERE incident_id = ? UNION ALL SELECT name, 0 FROM roles WHERE incident_id = ?)"
        " GROUP BY name ORDER BY max(k) DESC, name",
        (incident_id, incident_id),
    )
    return [r[0] for r in rows]


# --- checklist --------------------------------------------------------------------------------


def insert_checklist(
    conn: sqlite3.Connection, incident_id: int, items: Iterable[tuple[str, str, str | None]]
) -> None:
    conn.executemany(
        "INSERT INTO checklist (incident_id, position, step, text, auto) VALUES (?, ?, ?, ?, ?)",
        [(incident_id, i, step, text, auto) for i, (step, text, auto) in enumerate(items, 1)],
    )


def get_checklist(conn: sqlite3.Connection, incident_id: int) -> list[Row]:
    return _all(
        conn, "SELECT * FROM checklist WHERE incident_id = ? ORDER BY position", (incident_id,)
    )


def set_checked(
    conn: sqlite3.Connection,
    item_id: int,
    done_at: str | None,
    done_by: str | None,
    done_by_login: str | None = None,
) -> None:
    conn.execute(
        "UPDATE checklist SET done_at = ?, done_by = ?, done_by_login = ? WHERE id = ?",
        (done_at, done_by, done_by_login, item_id),
    )


def open_auto_items(conn: sqlite3.Connection, incident_id: int, event: str) -> list[Row]:
    return _all(
        conn,
        "SELECT * FROM checklist WHERE incident_id = ? AND auto = ? AND done_at IS NULL"
        " ORDER BY position",
        (incident_id, event),
    )


# --- timeline ---------------------------------------------------------------------------------


def append_timeline(
    conn: sqlite3.Connection,
    *,
    incident_id: int,
    ts: str,
    author: str,
    login: str,
    kind: str,
    text: str,
    data: dict[str, Any] | None = None,
) -> int:
    stored = json.dumps(data, ensure_ascii=False) if data else None
    # The hash chain (storage/chain.py): computed here, in the caller's write transaction,
    # which holds the write lock (BEGIN IMMEDIATE), so the head cannot move before the insert.
    entry_id, digest = chain.link(
        conn,
        incident_id=incident_id,
        ts=ts,
        author=author,
        login=login,
        kind=kind,
        text=text,
        data=stored,
    )
    conn.execute(
        "INSERT INTO timeline (id, incident_id, ts, author, login, kind, text, data, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (entry_id, incident_id, ts, author, login, kind, text, stored, digest),
    )
    return entry_id


def chain_head(conn: sqlite3.Connection) -> chain.Head:
    """The timeline's newest entry id and hash: what exports, backups and updates record."""
    return chain.head(conn)


def get_entry(conn: sqlite3.Connection, entry_id: int) -> Row | None:
    return _one(conn, "SELECT * FROM timeline WHERE id = ?", (entry_id,))


def corrections_of(conn: sqlite3.Connection, incident_id: int) -> list[Row]:
    """An incident's correction entries, oldest first (few; by the kind index)."""
    return _all(
        conn,
        "SELECT * FROM timeline WHERE incident_id = ? AND kind = 'correction' ORDER BY id",
        (incident_id,),
    )


def timeline_after(
    conn: sqlite3.Connection,
    incident_id: int | None,
    after_id: int = 0,
    limit: int | None = None,
) -> list[Row]:
    """Entries with id > after_id, oldest first; incident_id None means every incident."""
    sql = "SELECT * FROM timeline WHERE id > ?"
    params: list[Any] = [after_id]
    if incident_id is not None:
        sql += " AND incident_id = ?"
        params.append(incident_id)
    sql += " ORDER BY id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return _all(conn, sql, params)


def declared_elsewhere(conn: sqlite3.Connection, incident_id: int, after_id: int) -> list[Row]:
    """'declared' entries of other incidents with id > after_id: a follower of one incident
    is told when another starts. Reads only rows after `after_id` (rowid range)."""
    return _all(
        conn,
        "SELECT * FROM timeline WHERE id > ? AND kind = 'declared' AND incident_id != ?"
        " ORDER BY id",
        (after_id, incident_id),
    )


def timeline_tail(conn: sqlite3.Connection, incident_id: int | None, n: int) -> list[Row]:
    """The last n entries, oldest first."""
    if incident_id is None:
        rows = _all(conn, "SELECT * FROM timeline ORDER BY id DESC LIMIT ?", (n,))
    else:
        rows = _all(
            conn,
            "SELECT * FROM timeline WHERE incident_id = ? ORDER BY id DESC LIMIT ?",
            (incident_id, n),
        )
    rows.reverse()
    return rows


def iter_timeline(conn: sqlite3.Connection, incident_id: int) -> Iterator[Row]:
    """The whole timeline of an incident, oldest first, streamed (exports of 100k entries)."""
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    for row in cur.execute(
        "SELECT * FROM timeline WHERE incident_id = ? ORDER BY id", (incident_id,)
    ):
        yield dict(row)


def timeline_with_at(conn: sqlite3.Connection, incident_id: int) -> list[Row]:
    """Entries whose data has `at` (when it happened, logged later), oldest logged first.
    CASE guards json_extract from data that is not valid JSON."""
    return _all(
        conn,
        "SELECT * FROM timeline WHERE incident_id = ? AND data IS NOT NULL AND"
        " CASE WHEN json_valid(data) THEN json_type(data, '$.at') = 'text' ELSE 0 END"
        " ORDER BY id",
        (incident_id,),
    )


def timeline_count(conn: sqlite3.Connection, incident_id: int) -> int:
    return int(_scalar(conn, "SELECT count(*) FROM timeline WHERE incident_id = ?", (incident_id,)))


def max_timeline_id(conn: sqlite3.Connection) -> int:
    return int(_scalar(conn, "SELECT coalesce(max(id), 0) FROM timeline"))


def chain_hashes(conn: sqlite3.Connection, low: int, high: int) -> dict[int, str]:
    """Entry id -> its hash-chain hash, for the ids from `low` to `high` (by the primary key)."""
    rows = conn.execute(
        "SELECT id, hash FROM timeline WHERE id BETWEEN ? AND ?", (low, high)
    ).fetchall()
    return {int(r[0]): r[1] for r in rows if isinstance(r[1], str)}


# --- customer updates -------------------------------------------------------------------------


def insert_update(
    conn: sqlite3.Connection,
    *,
    incident_id: int,
    published_at: str,
    author: str,
    template: str | None,
    status: str,
    text: str,
    author_login: str | None = None,
    next_update_due: str | None = None,
) -> int:
    cur = conn.execute(
        "INSERT INTO updates (incident_id, published_at, author, author_login, template,"
        " status, text, next_update_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (incident_id, published_at, author, author_login, template, status, text, next_update_due),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def get_updates(conn: sqlite3.Connection, incident_id: int) -> list[Row]:
    return _all(
        conn,
        "SELECT * FROM updates WHERE incident_id = ? ORDER BY published_at, id",
        (incident_id,),
    )


def last_update_at(conn: sqlite3.Connection, incident_id: int) -> str | None:
    found = _scalar(
        conn, "SELECT max(published_at) FROM updates WHERE incident_id = ?", (incident_id,)
    )
    return None if found is None else str(found)


def latest_update(conn: sqlite3.Connection, incident_id: int) -> Row | None:
    """The newest published update (what the countdown counts from and to)."""
    return _one(
        conn,
        "SELECT * FROM updates WHERE incident_id = ? ORDER BY published_at DESC, id DESC LIMIT 1",
        (incident_id,),
    )


def get_update(conn: sqlite3.Connection, update_id: int) -> Row | None:
    return _one(conn, "SELECT * FROM updates WHERE id = ?", (update_id,))


def published_updates(conn: sqlite3.Connection) -> list[Row]:
    """Every published update of every incident, newest first (the status page)."""
    return _all(conn, "SELECT * FROM updates ORDER BY published_at DESC, id DESC")


# --- deliveries to publish destinations -------------------------------------------------------


def insert_delivery(
    conn: sqlite3.Connection, *, update_id: int, incident_id: int, destination: str, at: str
) -> int:
    cur = conn.execute(
        "INSERT INTO deliveries (update_id, incident_id, destination, state, created_at,"
        " next_attempt_at) VALUES (?, ?, ?, 'pending', ?, ?)",
        (update_id, incident_id, destination, at, at),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def get_delivery(conn: sqlite3.Connection, delivery_id: int) -> Row | None:
    return _one(conn, "SELECT * FROM deliveries WHERE id = ?", (delivery_id,))


def due_delivery_ids(conn: sqlite3.Connection, now: str, *, include_gave_up: bool) -> list[int]:
    """Deliveries to attempt now: pending or failed ones whose next attempt has come, and
    claims whose holder died (their lease ran out). With include_gave_up, failed ones that
    stopped retrying too (`warroom deliveries retry`)."""
    sql = (
        "SELECT id FROM deliveries WHERE (state IN ('pending', 'failed')"
        " AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?)"
        " OR (state = 'delivering' AND claimed_until < ?)"
    )
    if include_gave_up:
        sql += " OR state = 'failed'"
    return [r[0] for r in conn.execute(sql + " ORDER BY id", (now, now))]


def next_retry_at(conn: sqlite3.Connection) -> str | None:
    value = _scalar(
        conn,
        "SELECT min(next_attempt_at) FROM deliveries WHERE state IN ('pending', 'failed')",
    )
    return str(value) if value is not None else None


def claim_delivery(conn: sqlite3.Connection, delivery_id: int, now: str, until: str) -> bool:
    """Take a delivery for one attempt, unless another process holds a live claim on it or
    it is already delivered. Inside a write transaction."""
    cur = conn.execute(
        "UPDATE deliveries SET state = 'delivering', claimed_until = ?, last_attempt_at = ?,"
        " attempts = attempts + 1 WHERE id = ? AND (state IN ('pending', 'failed')"
        " OR (state = 'delivering' AND claimed_until < ?))",
        (until, now, delivery_id, now),
    )
    return cur.rowcount == 1


def finish_delivery(
    conn: sqlite3.Connection,
    delivery_id: int,
    *,
    state: str,
    at: str,
    exit_status: int | None,
    error: str | None,
    next_attempt_at: str | None,
) -> None:
    conn.execute(
        "UPDATE deliveries SET state = ?, claimed_until = NULL, exit_status = ?, error = ?,"
        " next_attempt_at = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? END"
        " WHERE id = ?",
        (state, exit_status, error, next_attempt_at, state, at, delivery_id),
    )


def list_deliveries(
    conn: sqlite3.Connection, *, incident_id: int | None = None, update_id: int | None = None
) -> list[Row]:
    sql = "SELECT * FROM deliveries WHERE 1"
    params: list[Any] = []
    if incident_id is not None:
        sql += " AND incident_id = ?"
        params.append(incident_id)
    if update_id is not None:
        sql += " AND update_id = ?"
        params.append(update_id)
    return _all(conn, sql + " ORDER BY id", params)


# --- follow-up actions ------------------------------------------------------------------------


def insert_followup(
    conn: sqlite3.Connection,
    *,
    incident_id: int,
    text: str,
    owner: str | None,
    due: str | None,
    created_at: str,
    created_by: str,
    created_by_login: str | None = None,
) -> int:
    cur = conn.execute(
        "INSERT INTO followups (incident_id, text, owner, due, created_at, created_by,"
        " created_by_login) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (incident_id, text, owner, due, created_at, created_by, created_by_login),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def get_followup(conn: sqlite3.Connection, followup_id: int) -> Row | None:
    return _one(conn, "SELECT * FROM followups WHERE id = ?", (followup_id,))


def list_followups(
    conn: sqlite3.Connection, *, incident_id: int | None, include_done: bool
) -> list[Row]:
    sql = "SELECT * FROM followups WHERE 1"
    params: list[Any] = []
    if incident_id is not None:
        sql += " AND incident_id = ?"
        params.append(incident_id)
    if not include_done:
        sql += " AND done_at IS NULL"
    return _all(conn, sql + " ORDER BY id", params)


def set_followup_done(
    conn: sqlite3.Connection,
    followup_id: int,
    done_at: str | None,
    done_by: str | None,
    done_by_login: str | None = None,
) -> None:
    conn.execute(
        "UPDATE followups SET done_at = ?, done_by = ?, done_by_login = ? WHERE id = ?",
        (done_at, done_by, done_by_login, followup_id),
    )


# --- bulk import (benchmarks, imports of automation output) -----------------------------------


def append_timeline_many(
    conn: sqlite3.Connection, rows: Iterable[tuple[int, str, str, str, str, str]]
) -> None:
    """Rows of (incident_id, ts, author, login, kind, text), inside the caller's write
    transaction, each chained to the one before it."""
    chain.require_write_transaction(conn)
    previous = chain.head(conn)
    entry_id = max(chain.next_id(conn), previous.id + 1)
    digest = previous.hash or chain.GENESIS
    chained: list[tuple[Any, ...]] = []
    for incident_id, ts, author, login, kind, text in rows:
        content = chain.canonical(entry_id, incident_id, ts, author, login, kind, text, None)
        digest = chain.entry_hash(digest, content)
        chained.append((entry_id, incident_id, ts, author, login, kind, text, digest))
        entry_id += 1
    conn.executemany(
        "INSERT INTO timeline (id, incident_id, ts, author, login, kind, text, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        chained,
    )


# --- after recovery: follow-ups across incidents, metrics, exports ---------------------------


def timeline_of_kinds(
    conn: sqlite3.Connection, incident_id: int, kinds: Sequence[str]
) -> list[Row]:
    """Entries of the given kinds, oldest first: what metrics need without reading every note."""
    marks = ", ".join("?" for _ in kinds)
    return _all(
        conn,
        f"SELECT * FROM timeline WHERE incident_id = ? AND kind IN ({marks}) ORDER BY id",
        (incident_id, *kinds),
    )


# --- tui timeline ---------------------------------------------------------------------------


def timeline_page(
    conn: sqlite3.Connection,
    incident_id: int,
    *,
    before_id: int | None,
    limit: int,
    kind: str | None = None,
    author: str | None = None,
) -> list[Row]:
    """Up to `limit` entries older than `before_id` (newest when None), oldest first,
    optionally only one kind or one author: the TUI loads the timeline a page at a time."""
    sql = "SELECT * FROM timeline WHERE incident_id = ?"
    params: list[Any] = [incident_id]
    if before_id is not None:
        sql += " AND id < ?"
        params.append(before_id)
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    if author is not None:
        sql += " AND author = ?"
        params.append(author)
    rows = _all(conn, sql + " ORDER BY id DESC LIMIT ?", [*params, limit])
    rows.reverse()
    return rows


def timeline_kinds(conn: sqlite3.Connection, incident_id: int, kinds: Sequence[str]) -> list[str]:
    """Which of `kinds` this incident's timeline has, in their order, for the kind filter:
    one index probe each (DISTINCT would walk every entry of the incident)."""
    return [
        kind
        for kind in kinds
        if conn.execute(
            "SELECT 1 FROM timeline WHERE incident_id = ? AND kind = ? LIMIT 1",
            (incident_id, kind),
        ).fetchone()
    ]


def timeline_authors(conn: sqlite3.Connection, incident_id: int) -> list[str]:
    """Everyone who wrote on this incident's timeline, for the author filter. From the
    participants table (one row per author, kept by a trigger): DISTINCT over the timeline
    read every entry, 80 ms at 100,000 entries before the filter picker could open."""
    rows = conn.execute(
        "SELECT name FROM participants WHERE incident_id = ? ORDER BY name", (incident_id,)
    )
    return [r[0] for r in rows]


# --- responders: backup -----------------------------------------------------------------------


def quick_check(conn: sqlite3.Connection) -> str:
    """'ok', or SQLite's first complaint about the file's structure."""
    return str(_scalar(conn, "PRAGMA quick_check"))


def table_counts(conn: sqlite3.Connection) -> tuple[int, int]:
    """(incidents, timeline entries)."""
    return (
        int(_scalar(conn, "SELECT count(*) FROM incidents")),
        int(_scalar(conn, "SELECT count(*) FROM timeline")),
    )


# --- handovers and the per-login "last seen" marker -------------------------------------------


def insert_handover(
    conn: sqlite3.Connection,
    *,
    incident_id: int,
    role: str,
    from_name: str,
    to_name: str,
    requested_at: str,
    requested_by: str,
    requested_by_login: str | None,
    brief: str,
) -> int:
    cur = conn.execute(
        "INSERT INTO handovers (incident_id, role, from_name, to_name, requested_at,"
        " requested_by, requested_by_login, brief) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            incident_id,
            role,
            from_name,
            to_name,
            requested_at,
            requested_by,
            requested_by_login,
            brief,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def open_handovers(conn: sqlite3.Connection, incident_id: int) -> list[Row]:
    """Handovers not yet acknowledged (nor replaced, nor cancelled), oldest first."""
    return _all(
        conn,
        "SELECT * FROM handovers WHERE incident_id = ? AND ended_at IS NULL ORDER BY id",
        (incident_id,),
    )


def end_handover(
    conn: sqlite3.Connection,
    handover_id: int,
    at: str,
    how: str,
    by: str | None = None,
    by_login: str | None = None,
) -> None:
    """how: 'acknowledged' (then `by` and `by_login` say who), 'replaced' or 'cancelled'."""
    acked = how == "acknowledged"
    conn.execute(
        "UPDATE handovers SET ended_at = ?, ended_how = ?, acked_at = ?, acked_by = ?,"
        " acked_by_login = ? WHERE id = ?",
        (
            at,
            how,
            at if acked else None,
            by if acked else None,
            by_login if acked else None,
            handover_id,
        ),
    )


def get_seen(conn: sqlite3.Connection, incident_id: int, login: str) -> Row | None:
    return _one(
        conn, "SELECT * FROM seen WHERE incident_id = ? AND login = ?", (incident_id, login)
    )


def set_seen(
    conn: sqlite3.Connection, incident_id: int, login: str, last_entry_id: int, at: str
) -> None:
    conn.execute(
        "INSERT INTO seen (incident_id, login, last_entry_id, seen_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (incident_id, login) DO UPDATE SET"
        " last_entry_id = max(last_entry_id, excluded.last_entry_id), seen_at = excluded.seen_at",
        (incident_id, login, last_entry_id, at),
    )


def last_entry_of(conn: sqlite3.Connection, incident_id: int) -> int:
    return int(
        _scalar(
            conn,
            "SELECT coalesce(max(id), 0) FROM timeline WHERE incident_id = ?",
            (incident_id,),
        )
    )


def latest_of_kinds(
    conn: sqlite3.Connection, incident_id: int, kinds: Sequence[str], limit: int
) -> list[Row]:
    """The newest `limit` entries of the given kinds, oldest first (by the kind index)."""
    marks = ", ".join("?" for _ in kinds)
    rows = _all(
        conn,
        f"SELECT * FROM timeline WHERE incident_id = ? AND kind IN ({marks})"
        " ORDER BY id DESC LIMIT ?",
        (incident_id, *kinds, limit),
    )
    rows.reverse()
    return rows


def kinds_after(
    conn: sqlite3.Connection, incident_id: int, kinds: Sequence[str], after_id: int
) -> list[Row]:
    """Entries of the given kinds with id > after_id, oldest first (by the kind index)."""
    marks = ", ".join("?" for _ in kinds)
    return _all(
        conn,
        f"SELECT * FROM timeline WHERE incident_id = ? AND kind IN ({marks}) AND id > ?"
        " ORDER BY id",
        (incident_id, *kinds, after_id),
    )


def count_after(
    conn: sqlite3.Connection, incident_id: int, after_id: int, *, not_by: str | None = None
) -> int:
    """Entries after `after_id`; with `not_by`, those not written under that Unix login."""
    return int(
        _scalar(
            conn,
            "SELECT count(*) FROM timeline WHERE incident_id = ? AND id > ?"
            " AND (? IS NULL OR login IS NULL OR login != ?)",
            (incident_id, after_id, not_by, not_by),
        )
    )
