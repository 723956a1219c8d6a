"""Alert facts for the war room's snapshot: the triage list and count, a mark that changes with
any alert, and the review pane's rows for the alerts attached to a resolved incident."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from warroom.alert_views import Alert, change_mark, firing_count, list_alerts
from warroom.domain import format_duration
from warroom.safe_text import one_line
from warroom.storage.connection import Connection

# The list screen shows this many; the header counts them all.
ALERTS_SHOWN = 200


def load_triage(conn: Connection) -> dict[str, Any]:
    """Snapshot fields: alerts, alerts_firing, alerts_mark."""
    return {
        "alerts": tuple(list_alerts(conn, limit=ALERTS_SHOWN)),
        "alerts_firing": firing_count(conn),
        "alerts_mark": change_mark(conn),
    }


def alerts_mark(conn: Connection) -> tuple[object, ...]:
    return change_mark(conn)


def _clock(moment: datetime | None) -> str:
    return f"{moment.astimezone():%H:%M}" if moment else "?"


def review_rows(alerts: Sequence[Alert], now: datetime) -> tuple[tuple[str, str], ...]:
    """One (label, value) row an attached alert: when it fired and resolved."""
    rows = []
    for alert in alerts:
        label = f"Alert: {one_line(alert.name, 40)}"
        if alert.service:
            label += f", {one_line(alert.service, 24)}"
        span = alert.firing_for(now)
        took = format_duration(span) if span is not None else "?"
        if alert.status == "resolved":
            value = f"{_clock(alert.fired_at)} → {_clock(alert.ends_at)} resolved ({took})"
        else:
            value = f"{_clock(alert.fired_at)} → still firing ({took})"
        if alert.fired_count > 1:
            value += f", fired {alert.fired_count}x"
        rows.append((label, value))
    return tuple(rows)
