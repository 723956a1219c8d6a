"""Customer updates: the facts a template sees, and rendering one for an incident.

Jinja2 is imported only when something is rendered (through warroom.templating).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.actions import Published
from warroom.domain import PublishClash, Settings, promised_next_update, service_labels
from warroom.errors import WarroomError
from warroom.room import Room
from warroom.storage import Connection
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


def mitigations_of(conn: Connection, incident_id: int) -> list[str]:
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


# --- publishing a draft (the war room's update panel) ------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A rendered update as the editor got it: what it promised and the newest update it saw."""

    template: str | None
    text: str | None
    error: str | None
    promise: datetime | None
    seen_update_id: int
    rendered_at: datetime


def render_draft(room: Room, incident_id: int, template: str | None) -> Draft:
    """Render `template` for the incident as it is now (a broken template: `error`)."""
    from warroom.views import load_incident

    now = room.now()
    with room.read() as conn:
        incident = load_incident(conn, incident_id, room.settings)
        mitigations = mitigations_of(conn, incident_id)
    name = template or incident.status
    promise = promise_if_published(room, incident, now)
    try:
        name, text = render_context(room, context_with(room, incident, mitigations, now), name)
    except WarroomError as exc:
        return Draft(name, None, exc.message, promise, incident.last_update_id, now)
    return Draft(name, text, None, promise, incident.last_update_id, now)


@dataclass(frozen=True)
class PublishOutcome:
    """What trying to publish came to: published, or a question to ask first."""

    published: Published | None = None
    clash: PublishClash | None = None
    promise_problem: str | None = None
    promise: datetime | None = None  # what publishing now promises


def try_publish(
    room: Room,
    incident_id: int,
    text: str,
    draft: Draft,
    *,
    force: bool = False,
    promise_checked: bool = False,
) -> PublishOutcome:
    """Publish `text` (the draft as edited) unless a question must be asked first: the text
    lacks the time publishing now promises (unless `promise_checked`), or someone published
    since the draft was rendered or moments ago (unless `force`)."""
    from warroom import actions

    for _ in range(3):
        promise = promise_if_published(room, room.incident(incident_id), room.now())
        problem = promise_problem(text, promise)
        if problem and not promise_checked:
            return PublishOutcome(promise_problem=problem, promise=promise)
        try:
            published = actions.publish_update(
                room,
                incident_id,
                text,
                draft.template,
                seen_update_id=draft.seen_update_id,
                # The text says this time: store exactly it, or say it moved.
                expect_promise=promise if problem is None else actions.ANY_PROMISE,
                force=force,
            )
        except actions.PromiseMovedError:
            continue  # the minute turned between reading and writing: check again
        except actions.PublishClashError as exc:
            return PublishOutcome(clash=exc.clash, promise=promise)
        return PublishOutcome(published=published, promise=published.next_update_due)
    raise WarroomError("not published: the clock kept moving; try again")


def replace_promise(text: str, old: datetime | None, new: datetime | None) -> str | None:
    """`text` with the draft's promised HH:MM changed to the new one, or None when the old
    time is not in it."""
    if old is None or new is None:
        return None
    before, after = old.astimezone().strftime("%H:%M"), new.astimezone().strftime("%H:%M")
    if before not in text:
        return None
    return text.replace(before, after, 1)
