"""Actions on alerts: store what a sender reported, attach, dismiss, declare from an alert.

Each is one transaction, like every action. `ingest` takes all the alerts of one request, so a
request is stored whole or not at all; it reads and writes only the rows it names and holds
the write lock for a few milliseconds at most.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from warroom.actions import declare_in
from warroom.alert_views import Alert
from warroom.alerts import AlertIn, alert_label, default_title, resolved_text
from warroom.commands import Tx as _Tx
from warroom.commands import write as _write
from warroom.domain import (
    format_duration,
    format_ref,
    from_iso,
    parse_severity,
    parse_source,
    require_text,
    to_iso,
)
from warroom.errors import BadInput
from warroom.room import Room
from warroom.storage import alerts as qa
from warroom.storage import queries as q
from warroom.views import read_time


@dataclass(frozen=True)
class IngestResult:
    received: int = 0
    new: int = 0
    updated: int = 0
    fired: int = 0  # began firing: new firing alerts and ones firing again after resolving
    resolved: int = 0
    entries: int = 0  # timeline entries written on incidents the alerts are attached to

    def describe(self) -> str:
        parts = [f"{self.received} alert{'s' if self.received != 1 else ''}"]
        details = [
            f"{n} {word}"
            for n, word in (
                (self.new, "new"),
                (self.updated, "updated"),
                (self.fired, "fired"),
                (self.resolved, "resolved"),
                (self.entries, "timeline"),
            )
            if n
        ]
        if details:
            parts.append(f"({', '.join(details)})")
        return " ".join(parts)


def _iso(moment: datetime | None) -> str | None:
    return to_iso(moment) if moment is not None else None


def _stored_time(value: Any) -> datetime | None:
    # views.read_time: also refuses a time with no offset, which could not be compared.
    return read_time(value)


def _utc(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%H:%M} UTC" if moment else "an unknown time"


def ingest(room: Room, alerts: Sequence[AlertIn]) -> IngestResult:
    """Store the alerts of one request in one transaction."""
    counts = dict.fromkeys(("new", "updated", "fired", "resolved", "entries"), 0)
    # Encoded before the write lock is taken: the transaction only runs SQL.
    labels = [json.dumps(a.labels, ensure_ascii=False, sort_keys=True) for a in alerts]
    with _write(room) as tx:
        # The rows these alerts already have, in a few queries instead of one an alert: a
        # large notification (thousands of alerts) holds other writers for less time.
        known = qa.get_by_keys(tx.conn, [(a.source, a.fingerprint) for a in alerts])
        for alert, encoded in zip(alerts, labels, strict=True):
            key = (alert.source, alert.fingerprint)
            # Taken once: the same alert twice in one call reads its row as just written.
            row = known.pop(key) if key in known else qa.get_by_key(tx.conn, *key)
            for outcome in _ingest_one(tx, alert, row, encoded):
                counts[outcome] += 1
    return IngestResult(received=len(alerts), **counts)


def _ingest_one(tx: _Tx, alert: AlertIn, row: dict[str, Any] | None, labels: str) -> list[str]:
    now = from_iso(tx.ts)
    if row is None:
        firing = alert.status == "firing"
        starts = alert.starts_at or (now if firing else None)
        qa.insert_alert(
            tx.conn,
            {
                "source": alert.source,
                "fingerprint": alert.fingerprint,
                "name": alert.name,
                "status": alert.status,
                "labels": labels,
                "summary": alert.summary,
                "description": alert.description,
                "service": alert.service,
                "starts_at": _iso(starts),
                "ends_at": None if firing else _iso(alert.ends_at or now),
                "url": alert.url,
                "first_seen": tx.ts,
                "last_seen": tx.ts,
                "count": 1,
                "fired_count": 1 if firing else 0,
                "first_fired_at": _iso(starts),
            },
        )
        return ["new", "fired"] if firing else ["new"]

    alert_id = int(row["id"])
    stored_start = _stored_time(row["starts_at"])
    described = {
        "name": alert.name,
        "labels": labels,
        "summary": alert.summary or row["summary"],
        "description": alert.description or row["description"],
        "service": alert.service or row["service"],
        "url": alert.url or row["url"],
        "last_seen": tx.ts,
    }
    stale = {"last_seen": tx.ts}
    outcome = ["updated"]
    if alert.status == "firing" and row["status"] == "resolved":
        if (
            alert.starts_at is not None
            and stored_start is not None
            and alert.starts_at <= stored_start
        ):
            # A late copy of a notification from before the resolution, not a new firing.
            qa.update_alert(tx.conn, alert_id, stale, seen=True)
            return outcome
        starts = alert.starts_at or now
        qa.update_alert(
            tx.conn,
            alert_id,
            {
                **described,
                "status": "firing",
                "starts_at": to_iso(starts),
                "ends_at": None,
                "fired_count": int(row["fired_count"] or 0) + 1,
                "first_fired_at": row["first_fired_at"] or to_iso(starts),
                # A new firing is a new question: a dismissal was about the last one.
                "dismissed_at": None,
                "dismissed_by": None,
                "dismissed_login": None,
                "dismiss_reason": None,
            },
            seen=True,
        )
        outcome.append("fired")
        if row["incident_id"] is not None:
            label = alert_label(alert.name, described["service"])
            text = f"Alert firing again: {label}"
            if described["summary"]:
                text += f": {described['summary']}"
            tx.log(
                row["incident_id"],
                "alert",
                text,
                {"alert_id": alert_id, "event": "firing", "starts_at": to_iso(starts)},
            )
            outcome.append("entries")
    elif alert.status == "resolved" and row["status"] == "firing":
        ends = alert.ends_at or now
        if stored_start is not None and ends < stored_start:
            # The end of an earlier firing, arriving after this one began.
            qa.update_alert(tx.conn, alert_id, stale, seen=True)
            return outcome
        qa.update_alert(
            tx.conn,
            alert_id,
            {**described, "status": "resolved", "ends_at": to_iso(ends)},
            seen=True,
        )
        outcome.append("resolved")
        if row["incident_id"] is not None:
            fired_for = (ends - stored_start).total_seconds() if stored_start else None
            tx.log(
                row["incident_id"],
                "alert",
                resolved_text(alert.name, described["service"], fired_for),
                {
                    "alert_id": alert_id,
                    "event": "resolved",
                    "starts_at": row["starts_at"],
                    "ends_at": to_iso(ends),
                },
            )
            outcome.append("entries")
    else:
        # The same state again: a repeat notification. Keep the first start time we had.
        extra: dict[str, Any] = {}
        if stored_start is None and alert.starts_at is not None:
            extra["starts_at"] = to_iso(alert.starts_at)
            extra["first_fired_at"] = row["first_fired_at"] or to_iso(alert.starts_at)
        qa.update_alert(tx.conn, alert_id, {**described, **extra}, seen=True)
    return outcome


def _alert_row(tx: _Tx, alert_id: int) -> dict[str, Any]:
    row = qa.get_alert(tx.conn, alert_id)
    if row is None:
        raise BadInput(f"no alert {alert_id}; `warroom alerts list --all` shows them")
    return row


def _attach_in(tx: _Tx, row: dict[str, Any], incident_id: int) -> bool:
    alert = Alert.from_row(row)
    if alert.incident_id == incident_id:
        return False
    name = tx.room.actor.name
    qa.update_alert(
        tx.conn,
        alert.id,
        {
            "incident_id": incident_id,
            "attached_at": tx.ts,
            "attached_by": name,
            "attached_login": tx.room.actor.login,
            "dismissed_at": None,
            "dismissed_by": None,
            "dismissed_login": None,
            "dismiss_reason": None,
        },
        seen=False,
    )
    now = from_iso(tx.ts)
    if alert.status == "firing":
        state = f"firing since {_utc(alert.fired_at)}"
    else:
        fired_for = alert.firing_for(now)
        state = "resolved" + (f" after {format_duration(fired_for)}" if fired_for else "")
    text = f"Alert attached: {alert.label}, {state}"
    if alert.summary:
        text += f": {alert.summary}"
    data = {
        "alert_id": alert.id,
        "event": "attached",
        "source": alert.source,
        "name": alert.name,
        "service": alert.service,
        "status": alert.status,
        "starts_at": row["starts_at"],
        "ends_at": row["ends_at"],
        "url": alert.url,
    }
    tx.log(incident_id, "alert", text, data)
    if alert.incident_id is not None and q.get_incident(tx.conn, alert.incident_id) is not None:
        tx.log(
            alert.incident_id,
            "alert",
            f"Alert moved to {format_ref(incident_id)}: {alert.label}",
            {"alert_id": alert.id, "event": "moved", "to": incident_id},
        )
    qa.append_log(
        tx.conn,
        alert_id=alert.id,
        ts=tx.ts,
        author=name,
        login=tx.room.actor.login,
        action="attached",
        incident_id=incident_id,
        reason=None,
    )
    return True


def attach(room: Room, alert_id: int, incident_id: int) -> bool:
    """Attach an alert to an incident: its firing and resolving go on that incident's timeline
    from now on. Returns False when it already is attached there (nothing written)."""
    with _write(room) as tx:
        row = _alert_row(tx, alert_id)
        tx.incident_row(incident_id)
        return _attach_in(tx, row, incident_id)


def dismiss(room: Room, alert_id: int, reason: str) -> bool:
    """Take an alert out of triage, saying why (kept in the alert log with who and when).
    Returns False when it was already dismissed. It comes back if it fires again later."""
    reason = require_text(reason, "the reason")
    with _write(room) as tx:
        row = _alert_row(tx, alert_id)
        if row["dismissed_at"] is not None:
            return False
        incident_id = row["incident_id"]
        if incident_id is not None:
            incident = q.get_incident(tx.conn, incident_id)
            if incident is not None and incident["status"] != "resolved":
                raise BadInput(
                    f"alert {alert_id} is attached to {format_ref(incident_id)}, which is open;"
                    " it is part of that incident, not noise"
                )
        qa.update_alert(
            tx.conn,
            alert_id,
            {
                "dismissed_at": tx.ts,
                "dismissed_by": room.actor.name,
                "dismissed_login": room.actor.login,
                "dismiss_reason": reason,
            },
            seen=False,
        )
        qa.append_log(
            tx.conn,
            alert_id=alert_id,
            ts=tx.ts,
            author=room.actor.name,
            login=room.actor.login,
            action="dismissed",
            incident_id=None,
            reason=reason,
        )
    return True


def declare_from_alert(
    room: Room,
    alert_id: int,
    severity: str,
    title: str | None = None,
    services: Sequence[str] = (),
    source: str = "monitoring",
) -> int:
    """Declare an incident from an alert in one transaction: the title (unless given), the
    service, source "monitoring" and the impact start come from the alert, which is attached.
    `services` are added to the alert's own."""
    severity = parse_severity(severity)
    source = parse_source(source)
    if title is not None:
        title = require_text(title, "the incident title")
    extra = [require_text(s, "a service name") for s in services]
    with _write(room) as tx:
        row = _alert_row(tx, alert_id)
        alert = Alert.from_row(row)
        if alert.incident_id is not None:
            current = q.get_incident(tx.conn, alert.incident_id)
            if current is not None and current["status"] != "resolved":
                # Two responders declaring from one alert at once: one incident, not two.
                ref = format_ref(alert.incident_id)
                raise BadInput(
                    f"alert {alert_id} is already on {ref}, which is open; work on {ref}"
                    f" (`warroom show {ref}`), or move the alert with `warroom alerts attach"
                    f" {alert_id} -i REF`"
                )
        names = [alert.service] if alert.service else []
        names += [s for s in extra if s not in names]
        incident_id = declare_in(
            tx,
            title or default_title(alert.name, alert.summary),
            severity,
            names,
            source,
            {"alert_id": alert.id},
        )
        started = alert.fired_at
        if started is not None and started <= from_iso(tx.ts):
            q.update_incident(tx.conn, incident_id, impact_started_at=to_iso(started))
            tx.log(
                incident_id,
                "triage",
                f"Impact started: {started.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
                f" (when alert {alert.label} began firing)",
                {"impact_started_at": to_iso(started), "services_added": [], "alert_id": alert.id},
            )
        _attach_in(tx, row, incident_id)
        return incident_id
