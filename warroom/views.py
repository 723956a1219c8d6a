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
    comms_gaps,
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
        }


@dataclass(frozen=True)
class Update:
    id: int
    published_at: datetime
    author: str
    template: str | None
    status: str
    text: str
    # The next-update time this update promised customers (None: it promised none).
    next_update_due: datetime | None = None

    @property
    def headline(self) -> str:
        return self.text.splitlines()[0] if self.text else ""


def update_from_row(row: dict[str, Any]) -> Update:
    return Update(
        id=row["id"],
        published_at=from_iso(row["published_at"]),
        author=row["author"],
        template=row["template"],
        status=row["status"],
        text=row["text"],
        next_update_due=_maybe_time(row.get("next_update_due")),
    )


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
    # Facts the comms rule needs: the newest update's id (0: none), whether a resolved update
    # went out after the (latest) resolution.
    last_update_id: int = 0
    resolved_update_published: bool = False

    @property
    def ref(self) -> str:
        return format_ref(self.id)

    @property
    def comms_gaps(self) -> list[str]:
        """What customers were not told, said loudly wherever the incident is shown."""
        return comms_gaps(
            status=self.status,
            resolved_update_published=self.resolved_update_published,
            comms_owner=self.roles.get("comms"),
        )

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
            "comms_gaps": self.comms_gaps,
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
    latest = q.latest_update(conn, incident_id)
    last_update = _maybe_time(latest["published_at"]) if latest else None
    promised = _maybe_time(latest.get("next_update_due")) if latest else None
    resolved_at = _maybe_time(row["resolved_at"])
    return Incident(
        id=row["id"],
        title=row["title"],
        severity=row["severity"],
        status=row["status"],
        declared_at=declared_at,
        declared_by=row["declared_by"],
        resolved_at=resolved_at,
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
            promised=promised,
        ),
        last_update_id=latest["id"] if latest else 0,
        resolved_update_published=(
            resolved_at is not None
            and any(
                u["status"] == "resolved" and from_iso(u["published_at"]) >= resolved_at
                for u in q.get_updates(conn, incident_id)
            )
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


def updates(conn: sqlite3.Connection, incident_id: int) -> list[Update]:
    return [update_from_row(r) for r in q.get_updates(conn, incident_id)]


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


# --- deliveries to publish destinations -------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    id: int
    update_id: int
    incident_id: int
    destination: str
    state: str  # pending | delivering | delivered | failed
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    exit_status: int | None
    error: str | None

    @property
    def gave_up(self) -> bool:
        return self.state == "failed" and self.next_attempt_at is None

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "id": self.id,
            "incident": format_ref(self.incident_id),
            "update_id": self.update_id,
            "destination": self.destination,
            "state": self.state,
            "attempts": self.attempts,
            "created_at": iso(self.created_at),
            "last_attempt_at": iso(self.last_attempt_at),
            "next_attempt_at": iso(self.next_attempt_at),
            "delivered_at": iso(self.delivered_at),
            "exit_status": self.exit_status,
            "error": self.error,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Delivery:
        return cls(
            id=row["id"],
            update_id=row["update_id"],
            incident_id=row["incident_id"],
            destination=row["destination"],
            state=row["state"],
            attempts=row["attempts"],
            created_at=from_iso(row["created_at"]),
            next_attempt_at=_maybe_time(row["next_attempt_at"]),
            last_attempt_at=_maybe_time(row["last_attempt_at"]),
            delivered_at=_maybe_time(row["delivered_at"]),
            exit_status=row["exit_status"],
            error=row["error"],
        )


def deliveries(
    conn: sqlite3.Connection, incident_id: int | None = None, update_id: int | None = None
) -> list[Delivery]:
    """Deliveries oldest first: of every incident, one incident, or one update."""
    rows = q.list_deliveries(conn, incident_id=incident_id, update_id=update_id)
    return [Delivery.from_row(r) for r in rows]


def describe_delivery(d: Delivery) -> str:
    """One line for people (the CLI's `show`, the update panel); no user text but the error,
    which callers sanitise."""
    if d.state == "delivered":
        return f"delivered after {d.attempts} attempt{'s' if d.attempts != 1 else ''}"
    if d.state == "pending":
        return "pending"
    if d.state == "delivering":
        return f"delivering (attempt {d.attempts})"
    status = f"exit {d.exit_status}" if d.exit_status is not None else "did not finish"
    why = f": {d.error}" if d.error else ""
    tail = "gave up; `warroom deliveries retry`" if d.gave_up else "will retry"
    return f"FAILED ({status}{why}; attempt {d.attempts}, {tail})"
