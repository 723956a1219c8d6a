"""Customer updates: the facts a template sees, and rendering one for an incident.

Jinja2 is imported only when something is rendered (through warroom.templating).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.actions import Room
from warroom.domain import Settings, promised_next_update, service_labels
from warroom.views import Incident, entries_of_kinds


def template_dirs(settings: Settings) -> list[Path]:
    """Team folders: `WARROOM_TEMPLATES` first, then the config's `templates`; the shipped
    templates come after all of them."""
    from warroom.templating import template_dirs_from_env

    return [*template_dirs_from_env(), *settings.template_dirs]


def update_context(
    incident: Incident,
    *,
    mitigations: list[str],
    now: datetime,
    company: str | None,
    definition: str,
    promise: datetime | None = None,
    components: list[str] | None = None,
    public: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The variables every update template gets. User text goes in as data, never as code.

    `next_update_due` is the promise this update makes if published at `now`
    (domain.promised_next_update), not the current countdown: that is what the published
    text must say. `incident.components` are the public names of its services."""
    return {
        "incident": {
            "ref": incident.ref,
            "title": incident.title,
            "severity": incident.severity,
            "severity_definition": definition,
            "status": incident.status,
            "services": list(incident.services),
            "components": list(incident.services) if components is None else components,
            "service_labels": service_labels(incident.services, public or {}),
            "impact": incident.impact,
            "affected": incident.affected,
            "workaround": incident.workaround,
            "detection_source": incident.detection_source,
            "declared_at": incident.declared_at,
            "resolved_at": incident.resolved_at,
            "roles": dict(incident.roles),
            "mitigations": mitigations,
        },
        "next_update_due": promise,
        "now": now,
        "company": company,
    }


def context_for(room: Room, incident_id: int) -> dict[str, Any]:
    with room.read() as conn:
        from warroom.views import load_incident

        incident = load_incident(conn, incident_id, room.settings)
        mitigations = mitigations_of(conn, incident_id)
    return context_with(room, incident, mitigations, room.now())


def mitigations_of(conn: sqlite3.Connection, incident_id: int) -> list[str]:
    return [e.text for e in entries_of_kinds(conn, incident_id, ("mitigation",))]


def context_with(
    room: Room, incident: Incident, mitigations: Sequence[str], now: datetime
) -> dict[str, Any]:
    """The context of `incident` as already read (context_for reads it)."""
    return update_context(
        incident,
        mitigations=list(mitigations),
        now=now,
        company=room.settings.company,
        definition=room.settings.rule(incident.severity).definition,
        promise=promise_if_published(room, incident, now),
        components=room.settings.public_names(incident.services),
        public=room.settings.components,
    )


def promise_if_published(room: Room, incident: Incident, now: datetime) -> datetime | None:
    """The next-update time an update published at `now` promises."""
    return promised_next_update(
        rule=room.settings.rule(incident.severity), status=incident.status, published_at=now
    )


def promise_text(promise: datetime) -> str:
    """How the shipped templates write a promise (the `localtime` filter): HH:MM and zone."""
    from warroom.templating import localtime

    return localtime(promise)


def promise_problem(text: str, promise: datetime | None) -> str | None:
    """Why `text` (edited by hand) may not say what publishing it would promise, or None."""
    if promise is None:
        return None
    clock = promise.astimezone().strftime("%H:%M")
    if clock in text:
        return None
    return (
        f"the text does not mention {promise_text(promise)}, the next-update time publishing"
        " it now promises (and the countdown will count to)"
    )


def render_for(room: Room, incident_id: int, template: str | None = None) -> tuple[str, str]:
    """Render `template` (default: the one named after the incident's status).
    Returns (template name, text)."""
    return render_context(room, context_for(room, incident_id), template)


def render_context(
    room: Room, context: dict[str, Any], template: str | None = None
) -> tuple[str, str]:
    from warroom.templating import render_update

    name = template or context["incident"]["status"]
    return name, render_update(name, context, template_dirs(room.settings))


def available_templates(room: Room) -> list[str]:
    from warroom.templating import list_update_templates

    return list_update_templates(template_dirs(room.settings))
