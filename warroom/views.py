"""Read models: what the faces (CLI, TUI, templates, exports) show of an incident."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from warroom.domain import (
    ROLES,
    Settings,
    followup_overdue,
    format_ref,
    from_iso,
    next_update_due,
    parse_ref,
)
from warroom.errors import BadInput, WarroomError
from warroom.storage import queries as q


@dataclass(frozen=True)
class ChecklistItem:
    number: int
    step: str
    text: str
    auto: str | None
    done_at: datetime | None
    done_by: str | None

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class Entry:
    id: int
    incident_id: int
    ts: datetime
    author: str
    login: str | None
    kind: str
    text: str
    data: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Entry:
        return cls(
            id=row["id"],
            incident_id=row["incident_id"],
            ts=from_iso(row["ts"]),
            author=row["author"],
            login=row.get("login"),
            kind=row["kind"],
            text=row["text"],
            data=json.loads(row["data"]) if row.get("data") else None,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident": format_ref(self.incident_id),
            "ts": self.ts.isoformat(),
            "author": self.author,
            "login": self.login,
            "kind": self.kind,
            "text": self.text,
            "data": self.data,
        }


def _parse_data(raw: str | None) -> dict[str, Any] | None:
    # Values read from the file are untrusted: data that is not a JSON object is ignored.
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def data_int(raw: str | None, key: str) -> int | None:
    value = (_parse_data(raw) or {}).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def entry_happened_at(entry: Entry) -> datetime | None:
    """`--at`: when it happened, if it was logged later; None when not given or unreadable."""
    value = (entry.data or {}).get("at") if isinstance(entry.data, dict) else None
    if not isinstance(value, str):
        return None
    try:
        moment = from_iso(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def entry_corrects(entry: Entry) -> int | None:
    """The id a correction entry corrects, or None."""
    if entry.kind != "correction" or not isinstance(entry.data, dict):
        return None
    value = entry.data.get("corrects")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def corrections(conn: sqlite3.Connection, incident_id: int) -> dict[int, Entry]:
    """Corrected entry id -> its latest correction."""
    latest: dict[int, Entry] = {}
    for row in q.corrections_of(conn, incident_id):
        entry = Entry.from_row(row)
        target = entry_corrects(entry)
        if target is not None:
            latest[target] = entry
    return latest


def get_entry(conn: sqlite3.Connection, entry_id: int) -> Entry | None:
    row = q.get_entry(conn, entry_id)
    return Entry.from_row(row) if row is not None else None


@dataclass(frozen=True)
class Update:
    id: int
    published_at: datetime
    author: str
    template: str | None
    status: str
    text: str


@dataclass(frozen=True)
class Incident:
    id: int
    title: str
    severity: str
    status: str
    declared_at: datetime
    declared_by: str
    resolved_at: datetime | None
    impact: str | None
    affected: str | None
    workaround: str | None
    detection_source: str | None
    impact_started_at: datetime | None
    services: tuple[str, ...]
    roles: dict[str, str | None]
    checklist: tuple[ChecklistItem, ...]
    last_update_at: datetime | None
    next_update_due: datetime | None

    @property
    def ref(self) -> str:
        return format_ref(self.id)

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "ref": self.ref,
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "declared_at": iso(self.declared_at),
            "declared_by": self.declared_by,
            "resolved_at": iso(self.resolved_at),
            "impact_started_at": iso(self.impact_started_at),
            "impact": self.impact,
            "affected": self.affected,
            "workaround": self.workaround,
            "detection_source": self.detection_source,
            "services": list(self.services),
            "roles": dict(self.roles),
            "checklist": [
                {
                    "number": item.number,
                    "step": item.step,
                    "text": item.text,
                    "done": item.done,
                    "done_at": iso(item.done_at),
                    "done_by": item.done_by,
                }
                for item in self.checklist
            ],
            "last_update_at": iso(self.last_update_at),
            "next_update_due": iso(self.next_update_due),
        }


def _maybe_time(text: str | None) -> datetime | None:
    return from_iso(text) if text else None


def load_incident(conn: sqlite3.Connection, incident_id: int, settings: Settings) -> Incident:
    row = q.get_incident(conn, incident_id)
    if row is None:
        raise BadInput(f"no incident {format_ref(incident_id)}")
    roles: dict[str, str | None] = dict.fromkeys(ROLES)
    for role in q.get_roles(conn, incident_id):
        roles[role["role"]] = role["name"]
    checklist = tuple(
        ChecklistItem(
            number=item["position"],
            step=item["step"],
            text=item["text"],
            auto=item["auto"],
            done_at=_maybe_time(item["done_at"]),
            done_by=item["done_by"],
        )
        for item in q.get_checklist(conn, incident_id)
    )
    declared_at = from_iso(row["declared_at"])
    last_update = _maybe_time(q.last_update_at(conn, incident_id))
    return Incident(
        id=row["id"],
        title=row["title"],
        severity=row["severity"],
        status=row["status"],
        declared_at=declared_at,
        declared_by=row["declared_by"],
        resolved_at=_maybe_time(row["resolved_at"]),
        impact=row["impact"],
        affected=row["affected"],
        workaround=row["workaround"],
        detection_source=row["detection_source"],
        impact_started_at=_maybe_time(row.get("impact_started_at")),
        services=tuple(q.get_services(conn, incident_id)),
        roles=roles,
        checklist=checklist,
        last_update_at=last_update,
        next_update_due=next_update_due(
            rule=settings.rule(row["severity"]),
            status=row["status"],
            declared_at=declared_at,
            last_update_at=last_update,
        ),
    )


def resolve_incident(conn: sqlite3.Connection, ref: str | None, *, after_recovery: bool) -> int:
    """The incident a command acts on.

    With no REF: the active incident (most recently declared and not resolved). Commands that
    make sense after recovery fall back to the most recent incident of all.
    """
    if ref is not None:
        incident_id = parse_ref(ref)
        if q.get_incident(conn, incident_id) is None:
            raise BadInput(f"no incident {format_ref(incident_id)}; `warroom list --all` shows all")
        return incident_id
    found = q.latest_open_incident_id(conn)
    if found is None and after_recovery:
        found = q.latest_incident_id(conn)
    if found is None:
        if after_recovery:
            raise WarroomError(
                'no incidents yet; declare one with: warroom declare "TITLE" --severity SEV2'
            )
        raise WarroomError(
            'no open incident; declare one with: warroom declare "TITLE" --severity SEV2'
            " (or name one with --incident REF)"
        )
    return found


class AmbiguousIncident(BadInput):
    """More than one incident is open and the command was not told which: guessing would put a
    note or a status change on the wrong incident, silently."""

    def __init__(self, message: str, open_incidents: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.open_incidents = open_incidents


def choose_incident(
    conn: sqlite3.Connection,
    ref: str | None,
    *,
    after_recovery: bool,
    env_ref: str | None = None,
) -> int:
    """The incident a shell command acts on: `-i REF`, else `$WARROOM_INCIDENT`, else the one
    open incident. With several open and neither given it refuses (AmbiguousIncident) rather
    than pick the newest."""
    if ref is not None:
        return resolve_incident(conn, ref, after_recovery=after_recovery)
    if env_ref is not None and env_ref.strip():
        try:
            return resolve_incident(conn, env_ref, after_recovery=after_recovery)
        except BadInput as exc:
            raise BadInput(f"WARROOM_INCIDENT={env_ref!r}: {exc.message}") from None
    open_rows = list_incidents(conn, include_resolved=False)
    if len(open_rows) > 1:
        raise AmbiguousIncident(
            f"{len(open_rows)} incidents are open; say which one with -i REF (show, tail,"
            " update, export: REF), or for this shell: export WARROOM_INCIDENT=REF",
            open_rows,
        )
    return resolve_incident(conn, None, after_recovery=after_recovery)


def open_incident_count(conn: sqlite3.Connection) -> int:
    return q.open_incident_count(conn)


def list_incidents(conn: sqlite3.Connection, *, include_resolved: bool) -> list[dict[str, Any]]:
    return [
        {
            "ref": format_ref(row["id"]),
            "id": row["id"],
            "title": row["title"],
            "severity": row["severity"],
            "status": row["status"],
            "declared_at": row["declared_at"],
            "owner": row["owner"],
        }
        for row in q.list_incidents(conn, include_resolved=include_resolved)
    ]


def tail(conn: sqlite3.Connection, incident_id: int | None, n: int) -> list[Entry]:
    return [Entry.from_row(r) for r in q.timeline_tail(conn, incident_id, n)]


def entries_after(
    conn: sqlite3.Connection, incident_id: int | None, after_id: int, limit: int | None = None
) -> list[Entry]:
    return [Entry.from_row(r) for r in q.timeline_after(conn, incident_id, after_id, limit)]


def declared_elsewhere(conn: sqlite3.Connection, incident_id: int, after_id: int) -> list[Entry]:
    return [Entry.from_row(r) for r in q.declared_elsewhere(conn, incident_id, after_id)]


def updates(conn: sqlite3.Connection, incident_id: int) -> list[Update]:
    return [
        Update(
            id=r["id"],
            published_at=from_iso(r["published_at"]),
            author=r["author"],
            template=r["template"],
            status=r["status"],
            text=r["text"],
        )
        for r in q.get_updates(conn, incident_id)
    ]


def people_seen(conn: sqlite3.Connection, incident_id: int) -> list[str]:
    return q.people_seen(conn, incident_id)


def entries_of_kinds(
    conn: sqlite3.Connection, incident_id: int, kinds: Sequence[str]
) -> list[Entry]:
    return [Entry.from_row(r) for r in q.timeline_of_kinds(conn, incident_id, kinds)]


# --- follow-up actions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Followup:
    id: int
    incident_id: int
    text: str
    owner: str | None
    due: str | None  # YYYY-MM-DD as validated by domain.parse_due
    created_at: datetime
    created_by: str
    done_at: datetime | None
    done_by: str | None

    @property
    def ref(self) -> str:
        return format_ref(self.incident_id)

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def due_date(self) -> date | None:
        # Rows written before due dates were validated may hold other text; it is kept as is.
        try:
            return date.fromisoformat(self.due) if self.due else None
        except ValueError:
            return None

    def overdue(self, today: date) -> bool:
        return followup_overdue(self.due_date, today, done=self.done)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident": self.ref,
            "text": self.text,
            "owner": self.owner,
            "due": self.due,
            "done": self.done,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "done_by": self.done_by,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Followup:
        return cls(
            id=row["id"],
            incident_id=row["incident_id"],
            text=row["text"],
            owner=row["owner"],
            due=row["due"],
            created_at=from_iso(row["created_at"]),
            created_by=row["created_by"],
            done_at=_maybe_time(row["done_at"]),
            done_by=row["done_by"],
        )


def followups(
    conn: sqlite3.Connection, incident_id: int | None = None, *, include_done: bool = False
) -> list[Followup]:
    """Follow-up actions, oldest first: open ones of every incident (incident_id None), or of
    one incident; done ones too with include_done."""
    rows = q.list_followups(conn, incident_id=incident_id, include_done=include_done)
    return [Followup.from_row(r) for r in rows]


def last_entry_id(conn: sqlite3.Connection) -> int:
    """The newest timeline id of any incident (0 when empty): where a follower starts."""
    return q.max_timeline_id(conn)


# --- handovers and what a login has seen ------------------------------------------------------


@dataclass(frozen=True)
class PendingHandover:
    """A role being handed over: `from_name` keeps it until `to_name` acknowledges."""

    id: int
    incident_id: int
    role: str
    from_name: str
    to_name: str
    requested_at: datetime
    requested_by: str
    brief: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "from": self.from_name,
            "to": self.to_name,
            "requested_at": self.requested_at.isoformat(),
            "requested_by": self.requested_by,
        }


def pending_handovers(conn: sqlite3.Connection, incident_id: int) -> list[PendingHandover]:
    return [
        PendingHandover(
            id=r["id"],
            incident_id=r["incident_id"],
            role=r["role"],
            from_name=r["from_name"],
            to_name=r["to_name"],
            requested_at=from_iso(r["requested_at"]),
            requested_by=r["requested_by"],
            brief=r["brief"],
        )
        for r in q.open_handovers(conn, incident_id)
    ]


def last_seen(
    conn: sqlite3.Connection, incident_id: int, login: str
) -> tuple[int, datetime] | None:
    """The newest entry id this login was shown, and when; None if it never looked."""
    row = q.get_seen(conn, incident_id, login)
    if row is None:
        return None
    return int(row["last_entry_id"]), from_iso(row["seen_at"])


def last_entry_of(conn: sqlite3.Connection, incident_id: int) -> int:
    return q.last_entry_of(conn, incident_id)


def entries_of_kinds_after(
    conn: sqlite3.Connection, incident_id: int, kinds: Sequence[str], after_id: int
) -> list[Entry]:
    return [Entry.from_row(r) for r in q.kinds_after(conn, incident_id, kinds, after_id)]


def count_after(conn: sqlite3.Connection, incident_id: int, after_id: int) -> int:
    return q.count_after(conn, incident_id, after_id)
