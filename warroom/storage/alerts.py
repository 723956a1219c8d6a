"""SQL for the alerts table and its append-only triage log. Functions take a sqlite3
connection (inside `Store.write()` for writes) and return plain dicts."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

Row = dict[str, Any]

# Firing, not dismissed, and attached to no open incident: what someone still has to look at.
# An alert attached to an incident that was resolved is back in triage when it fires again.
_NEEDS_TRIAGE = (
    "a.status = 'firing' AND a.dismissed_at IS NULL AND (a.incident_id IS NULL"
    " OR (SELECT status FROM incidents i WHERE i.id = a.incident_id) = 'resolved')"
)


def _all(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return [dict(r) for r in cur.execute(sql, params)]


def get_by_key(conn: sqlite3.Connection, source: str, fingerprint: str) -> Row | None:
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    row = cur.execute(
        "SELECT * FROM alerts WHERE source = ? AND fingerprint = ?", (source, fingerprint)
    ).fetchone()
    return dict(row) if row is not None else None


def get_by_keys(
    conn: sqlite3.Connection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Row]:
    """The rows of the given (source, fingerprint) keys that exist, by key. One query per
    source and 500 fingerprints, each a lookup in the (source, fingerprint) index."""
    by_source: dict[str, list[str]] = {}
    for source, fingerprint in dict.fromkeys(keys):
        by_source.setdefault(source, []).append(fingerprint)
    found: dict[tuple[str, str], Row] = {}
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    for source, fingerprints in by_source.items():
        for start in range(0, len(fingerprints), 500):
            chunk = fingerprints[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for row in cur.execute(
                f"SELECT * FROM alerts WHERE source = ? AND fingerprint IN ({marks})",
                (source, *chunk),
            ):
                found[(row["source"], row["fingerprint"])] = dict(row)
    return found


def get_alert(conn: sqlite3.Connection, alert_id: int) -> Row | None:
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    row = cur.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    return dict(row) if row is not None else None


def insert_alert(conn: sqlite3.Connection, fields: Row) -> int:
    names = ", ".join(fields)  # column names come from the action, never from a payload
    marks = ", ".join("?" for _ in fields)
    cur = conn.execute(f"INSERT INTO alerts ({names}) VALUES ({marks})", tuple(fields.values()))
    assert cur.lastrowid is not None
    return cur.lastrowid


ALERT_FIELDS = frozenset(
    {
        "name",
        "status",
        "labels",
        "summary",
        "description",
        "service",
        "starts_at",
        "ends_at",
        "url",
        "last_seen",
        "fired_count",
        "first_fired_at",
        "incident_id",
        "attached_at",
        "attached_by",
        "attached_login",
        "dismissed_at",
        "dismissed_by",
        "dismissed_login",
        "dismiss_reason",
    }
)


def update_alert(conn: sqlite3.Connection, alert_id: int, fields: Row, *, seen: bool) -> None:
    """Set `fields` on the alert; `seen` counts one more notification received."""
    unknown = set(fields) - ALERT_FIELDS
    if unknown:
        raise ValueError(f"not alert fields: {sorted(unknown)}")
    assignments = [f"{name} = ?" for name in fields]
    if seen:
        assignments.append("count = count + 1")
    if not assignments:
        return
    conn.execute(
        f"UPDATE alerts SET {', '.join(assignments)} WHERE id = ?", (*fields.values(), alert_id)
    )


def list_alerts(
    conn: sqlite3.Connection, *, include_all: bool, limit: int | None = None
) -> list[Row]:
    """Alerts that need triage, newest first; with include_all every alert."""
    where = "" if include_all else f"WHERE {_NEEDS_TRIAGE}"
    sql = f"SELECT a.* FROM alerts a {where} ORDER BY a.last_seen DESC, a.id DESC"
    if limit is not None:
        return _all(conn, sql + " LIMIT ?", (limit,))
    return _all(conn, sql)


def count_alerts(conn: sqlite3.Connection) -> int:
    """Every alert stored (the receiver's health check: the file answers a read)."""
    return int(conn.execute("SELECT count(*) FROM alerts").fetchone()[0])


def needs_triage_count(conn: sqlite3.Connection) -> int:
    row = conn.execute(f"SELECT count(*) FROM alerts a WHERE {_NEEDS_TRIAGE}").fetchone()
    return int(row[0])


def alerts_of_incident(conn: sqlite3.Connection, incident_id: int) -> list[Row]:
    return _all(conn, "SELECT * FROM alerts WHERE incident_id = ? ORDER BY id", (incident_id,))


def first_alert_at(conn: sqlite3.Connection, incident_id: int) -> str | None:
    row = conn.execute(
        "SELECT min(coalesce(first_fired_at, first_seen)) FROM alerts WHERE incident_id = ?",
        (incident_id,),
    ).fetchone()
    return row[0] if row is not None else None


def append_log(
    conn: sqlite3.Connection,
    *,
    alert_id: int,
    ts: str,
    author: str,
    login: str,
    action: str,
    incident_id: int | None,
    reason: str | None,
) -> None:
    conn.execute(
        "INSERT INTO alert_log (alert_id, ts, author, login, action, incident_id, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (alert_id, ts, author, login, action, incident_id, reason),
    )


def alert_log(conn: sqlite3.Connection, alert_id: int) -> list[Row]:
    return _all(conn, "SELECT * FROM alert_log WHERE alert_id = ? ORDER BY id", (alert_id,))


def change_mark(conn: sqlite3.Connection) -> tuple[object, ...]:
    """Changes whenever any alert does: a notification arrives (last_seen) or one is attached
    or dismissed (the log). Both read from indexes or the rowid: cheap on every refresh."""
    seen = conn.execute("SELECT max(last_seen), count(*) FROM alerts").fetchone()
    logged = conn.execute("SELECT coalesce(max(id), 0) FROM alert_log").fetchone()
    return (seen[0], seen[1], logged[0])
