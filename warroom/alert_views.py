"""Read models of alerts: what `alerts list`, the war room's alert screen, the review pane and
the postmortem show."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.alerts import alert_label
from warroom.domain import format_ref
from warroom.errors import BadInput
from warroom.storage import Connection
from warroom.storage import alerts as qa
from warroom.views import read_time


def _time(value: Any) -> datetime | None:
    # Any process with the file can write any text here; an odd value shows as unknown.
    return read_time(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _labels(value: Any) -> dict[str, str]:
    try:
        parsed = json.loads(value) if isinstance(value, str) else {}
    except ValueError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {str(k): str(v) for k, v in parsed.items()}


@dataclass(frozen=True)
class Alert:
    id: int
    source: str
    fingerprint: str
    name: str
    status: str
    labels: dict[str, str]
    summary: str | None
    description: str | None
    service: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    url: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    count: int
    fired_count: int
    first_fired_at: datetime | None
    incident_id: int | None
    dismissed_at: datetime | None
    dismissed_by: str | None
    dismiss_reason: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Alert:
        def number(value: Any, default: int) -> int:
            return value if isinstance(value, int) and not isinstance(value, bool) else default

        incident = row.get("incident_id")
        return cls(
            id=int(row["id"]),
            source=str(row.get("source") or "?"),
            fingerprint=str(row.get("fingerprint") or ""),
            name=str(row.get("name") or "?"),
            status="resolved" if row.get("status") == "resolved" else "firing",
            labels=_labels(row.get("labels")),
            summary=_text(row.get("summary")),
            description=_text(row.get("description")),
            service=_text(row.get("service")),
            starts_at=_time(row.get("starts_at")),
            ends_at=_time(row.get("ends_at")),
            url=_text(row.get("url")),
            first_seen=_time(row.get("first_seen")),
            last_seen=_time(row.get("last_seen")),
            count=number(row.get("count"), 1),
            fired_count=number(row.get("fired_count"), 1),
            first_fired_at=_time(row.get("first_fired_at")),
            incident_id=incident if isinstance(incident, int) else None,
            dismissed_at=_time(row.get("dismissed_at")),
            dismissed_by=_text(row.get("dismissed_by")),
            dismiss_reason=_text(row.get("dismiss_reason")),
        )

    @property
    def label(self) -> str:
        return alert_label(self.name, self.service)

    @property
    def incident_ref(self) -> str | None:
        return format_ref(self.incident_id) if self.incident_id is not None else None

    @property
    def fired_at(self) -> datetime | None:
        """When the current (or last) firing began: the sender's start, else first seen."""
        return self.starts_at or self.first_seen

    def firing_for(self, now: datetime) -> float | None:
        """Seconds this alert has fired (until it resolved, or until `now`)."""
        start = self.fired_at
        if start is None:
            return None
        end = self.ends_at if self.status == "resolved" and self.ends_at else now
        return max((end - start).total_seconds(), 0.0)

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "id": self.id,
            "source": self.source,
            "fingerprint": self.fingerprint,
            "name": self.name,
            "status": self.status,
            "service": self.service,
            "summary": self.summary,
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "url": self.url,
            "count": self.count,
            "incident": self.incident_ref,
            "description": self.description,
            "labels": self.labels,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "dismissed_at": iso(self.dismissed_at),
            "dismissed_by": self.dismissed_by,
            "dismiss_reason": self.dismiss_reason,
        }


def list_alerts(
    conn: Connection, *, include_all: bool = False, limit: int | None = None
) -> list[Alert]:
    """Alerts that need triage (firing, not dismissed, on no open incident), newest first;
    every alert with include_all."""
    return [Alert.from_row(r) for r in qa.list_alerts(conn, include_all=include_all, limit=limit)]


def firing_count(conn: Connection) -> int:
    """How many alerts need triage: the war room header's "3 alerts firing"."""
    return qa.needs_triage_count(conn)


def get_alert(conn: Connection, alert_id: int) -> Alert:
    row = qa.get_alert(conn, alert_id)
    if row is None:
        raise BadInput(f"no alert {alert_id}; `warroom alerts list --all` shows them")
    return Alert.from_row(row)


def alerts_of_incident(conn: Connection, incident_id: int) -> list[Alert]:
    return [Alert.from_row(r) for r in qa.alerts_of_incident(conn, incident_id)]


def change_mark(conn: Connection) -> tuple[object, ...]:
    """Changes whenever any alert does (arrives, is attached or dismissed): a live view
    compares it to know whether to read again."""
    return qa.change_mark(conn)


def first_alert_at(conn: Connection, incident_id: int) -> datetime | None:
    return _time(qa.first_alert_at(conn, incident_id))
