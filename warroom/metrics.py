"""Response metrics of one incident, computed from its record.

`compute_metrics` is pure: it reads an `Incident`, its timeline entries, its customer updates
and the settings, and takes `now` for an incident still open. No SQL, no clock.
`load_metrics` fetches those through the read models, for the CLI, exports and the TUI.

Every "time to" is measured from the declaration, except time to declare (impact start ->
declaration). Total duration runs from the impact start when one was recorded
(`triage --started`), else from the declaration, to the resolution (or `now` while open).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warroom.alert_views import first_alert_at
from warroom.domain import SEVERITIES, Settings, format_duration, is_overdue, next_update_due
from warroom.storage import Connection
from warroom.views import Entry, Incident, Update, entries_of_kinds, load_incident, updates

# The timeline kinds the metrics read; exports of huge timelines fetch only these.
METRIC_KINDS: tuple[str, ...] = ("declared", "triage", "severity", "status", "mitigation", "update")


@dataclass(frozen=True)
class LateUpdate:
    """A customer update published after the time the cadence had promised it."""

    update_id: int | None
    published_at: datetime
    due_at: datetime

    @property
    def late_by(self) -> timedelta:
        return self.published_at - self.due_at


@dataclass(frozen=True)
class Metrics:
    declared_at: datetime
    impact_started_at: datetime | None
    impact_confirmed_at: datetime | None
    first_update_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    # The end of the measured span: the resolution, or `now` while the incident is open.
    end: datetime
    ongoing: bool
    time_at_severity: dict[str, timedelta]
    updates_published: int
    late_updates: tuple[LateUpdate, ...]
    # When an update fell due that was never published before the resolution (or `now`).
    update_missed_due: datetime | None
    # domain.comms_gaps: "customers were not told it was resolved", ...
    comms_gaps: tuple[str, ...] = ()
    # When the earliest alert attached to the incident began firing.
    first_alert_at: datetime | None = None

    @property
    def start(self) -> datetime:
        return self.impact_started_at or self.declared_at

    def _since_declared(self, moment: datetime | None) -> timedelta | None:
        return moment - self.declared_at if moment is not None else None

    @property
    def time_to_declare(self) -> timedelta | None:
        if self.impact_started_at is None:
            return None
        return self.declared_at - self.impact_started_at

    @property
    def time_from_first_alert(self) -> timedelta | None:
        """First alert -> declaration; negative when monitoring fired only after it."""
        if self.first_alert_at is None:
            return None
        return self.declared_at - self.first_alert_at

    @property
    def time_to_confirm_impact(self) -> timedelta | None:
        return self._since_declared(self.impact_confirmed_at)

    @property
    def time_to_first_update(self) -> timedelta | None:
        return self._since_declared(self.first_update_at)

    @property
    def time_to_mitigate(self) -> timedelta | None:
        return self._since_declared(self.mitigated_at)

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self._since_declared(self.resolved_at)

    @property
    def total_duration(self) -> timedelta:
        return self.end - self.start

    @property
    def updates_late(self) -> int:
        return len(self.late_updates)

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        def secs(span: timedelta | None) -> float | None:
            return span.total_seconds() if span is not None else None

        return {
            "declared_at": iso(self.declared_at),
            "impact_started_at": iso(self.impact_started_at),
            "impact_confirmed_at": iso(self.impact_confirmed_at),
            "first_update_at": iso(self.first_update_at),
            "mitigated_at": iso(self.mitigated_at),
            "resolved_at": iso(self.resolved_at),
            "end": iso(self.end),
            "ongoing": self.ongoing,
            "time_to_declare_seconds": secs(self.time_to_declare),
            "first_alert_at": iso(self.first_alert_at),
            "time_from_first_alert_seconds": secs(self.time_from_first_alert),
            "time_to_confirm_impact_seconds": secs(self.time_to_confirm_impact),
            "time_to_first_update_seconds": secs(self.time_to_first_update),
            "time_to_mitigate_seconds": secs(self.time_to_mitigate),
            "time_to_resolve_seconds": secs(self.time_to_resolve),
            "total_duration_seconds": secs(self.total_duration),
            "time_at_severity_seconds": {
                name: span.total_seconds() for name, span in self.time_at_severity.items()
            },
            "updates_published": self.updates_published,
            "updates_late": self.updates_late,
            "late_updates": [
                {
                    "update_id": late.update_id,
                    "published_at": iso(late.published_at),
                    "due_at": iso(late.due_at),
                    "late_by_seconds": late.late_by.total_seconds(),
                }
                for late in self.late_updates
            ],
            "update_missed_due": iso(self.update_missed_due),
            "comms_gaps": list(self.comms_gaps),
        }

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs for people: the TUI's metrics panel and the postmortem table.
        Values hold no user text."""
        start = "impact start" if self.impact_started_at else "declared"
        end = "now, still open" if self.ongoing else "resolved"
        rows = [
            (
                "Time to declare (impact start → declared)",
                format_span(self.time_to_declare, missing="impact start not recorded"),
            ),
            (
                "Time from first alert to declaration (alert fired → declared)",
                format_span(self.time_from_first_alert, missing="no alert attached"),
            ),
            (
                "Time to confirm impact (declared → impact recorded)",
                format_span(self.time_to_confirm_impact),
            ),
            (
                "Time to first customer update (declared → published)",
                format_span(self.time_to_first_update),
            ),
            ("Time to mitigate (declared → first mitigation)", format_span(self.time_to_mitigate)),
            ("Time to resolve (declared → resolved)", format_span(self.time_to_resolve)),
            (f"Total duration ({start} → {end})", format_span(self.total_duration)),
        ]
        rows += [
            (f"Time at {name}", format_span(span)) for name, span in self.time_at_severity.items()
        ]
        rows.append(("Customer updates published", str(self.updates_published)))
        late = str(self.updates_late)
        if self.late_updates:
            late += (
                " (" + ", ".join(f"{format_span(u.late_by)} late" for u in self.late_updates) + ")"
            )
        rows.append(("Updates later than the cadence promised", late))
        if self.update_missed_due is not None:
            when = "by now" if self.ongoing else "before resolution"
            missed_by = self.end - self.update_missed_due
            rows.append(
                ("Update owed and not published " + when, f"{format_span(missed_by)} overdue")
            )
        # The gap is the label (people read labels); the value is short enough for the grid.
        rows += [(gap[0].upper() + gap[1:], "WARNING") for gap in self.comms_gaps]
        return rows


def format_span(span: timedelta | None, missing: str = "not recorded") -> str:
    """A duration for people ("1h05m"), or a dash saying why there is none."""
    if span is None:
        return f"— ({missing})"
    if span < timedelta(0):
        return "-" + format_duration(span.total_seconds())
    return format_duration(span.total_seconds())


def _initial_severity(incident: Incident, entries: Sequence[Entry]) -> str:
    for entry in entries:
        data = entry.data or {}
        if entry.kind == "declared" and data.get("severity") in SEVERITIES:
            return str(data["severity"])
        if entry.kind == "severity" and data.get("from") in SEVERITIES:
            return str(data["from"])
    return incident.severity


def compute_metrics(
    incident: Incident,
    entries: Iterable[Entry],
    published: Sequence[Update],
    settings: Settings,
    now: datetime,
    first_alert_at: datetime | None = None,
) -> Metrics:
    """The metrics of `incident`. `entries` is its timeline (any kinds, any order; only
    METRIC_KINDS are read), `published` its customer updates; `now` ends an open incident."""
    relevant = sorted((e for e in entries if e.kind in METRIC_KINDS), key=lambda e: e.id)
    published_at = {u.id: u.published_at for u in published}
    declared_at = incident.declared_at

    severity = _initial_severity(incident, relevant)
    status = "investigating"
    held: dict[str, timedelta] = {}
    # Time counts at a severity only while the incident is not resolved (a reopened incident
    # counts again from the reopening).
    active_since: datetime | None = declared_at
    last_update: datetime | None = None
    last_promise: datetime | None = None
    promises = {u.id: u.next_update_due for u in published}
    late: list[LateUpdate] = []
    confirmed = mitigated = last_resolved = missed_at_resolution = None

    def due_now() -> datetime | None:
        return next_update_due(
            rule=settings.rule(severity),
            status=status,
            declared_at=declared_at,
            last_update_at=last_update,
            promised=last_promise,
        )

    def close_span(at: datetime) -> None:
        if active_since is not None:
            held[severity] = held.get(severity, timedelta(0)) + max(at - active_since, timedelta(0))

    for entry in relevant:
        data = entry.data or {}
        if entry.kind == "triage" and confirmed is None and "impact" in data:
            confirmed = entry.ts
        elif entry.kind == "mitigation" and mitigated is None:
            mitigated = entry.ts
        elif entry.kind == "severity" and data.get("to") in SEVERITIES:
            close_span(entry.ts)
            if active_since is not None:
                active_since = entry.ts
            severity = str(data["to"])
        elif entry.kind == "status" and isinstance(data.get("to"), str):
            new_status = str(data["to"])
            if new_status == "resolved" and status != "resolved":
                due = due_now()
                late_then = due is not None and is_overdue(due, entry.ts)
                missed_at_resolution = due if late_then else None
                close_span(entry.ts)
                active_since = None
                last_resolved = entry.ts
            elif new_status != "resolved" and status == "resolved":
                active_since = entry.ts
            status = new_status
        elif entry.kind == "update":
            update_id = data.get("update_id")
            at = published_at.get(update_id, entry.ts) if isinstance(update_id, int) else entry.ts
            due = due_now()
            if due is not None and is_overdue(due, at):
                late.append(LateUpdate(update_id if isinstance(update_id, int) else None, at, due))
            last_update = at
            last_promise = promises.get(update_id) if isinstance(update_id, int) else None

    ongoing = incident.status != "resolved"
    if ongoing:
        end = now
        resolved_at = None
        due = due_now()
        missed = due if due is not None and is_overdue(due, now) else None
    else:
        resolved_at = last_resolved or incident.resolved_at or now
        end = resolved_at
        missed = missed_at_resolution
    if active_since is not None:
        close_span(end)

    first_update = min((u.published_at for u in published), default=None)
    return Metrics(
        declared_at=declared_at,
        impact_started_at=incident.impact_started_at,
        impact_confirmed_at=confirmed,
        first_update_at=first_update,
        mitigated_at=mitigated,
        resolved_at=resolved_at,
        end=end,
        ongoing=ongoing,
        time_at_severity={name: held[name] for name in SEVERITIES if name in held},
        updates_published=len(published),
        late_updates=tuple(late),
        update_missed_due=missed,
        comms_gaps=tuple(incident.comms_gaps),
        first_alert_at=first_alert_at,
    )


def load_metrics(conn: Connection, incident_id: int, settings: Settings, now: datetime) -> Metrics:
    """Metrics of one incident from an open read snapshot (`with room.read() as conn`)."""
    incident = load_incident(conn, incident_id, settings)
    return compute_metrics(
        incident,
        entries_of_kinds(conn, incident_id, METRIC_KINDS),
        updates(conn, incident_id),
        settings,
        now,
        first_alert_at(conn, incident_id),
    )
