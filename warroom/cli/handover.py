"""Handing a role over with acknowledgement, and the catch-up brief: `warroom handover`,
`warroom ack`, `warroom brief`."""

from __future__ import annotations

import click

from warroom import actions, views
from warroom.actions import Room
from warroom.cli.common import (
    common_options,
    incident_option,
    incident_ref,
    open_room,
    target_incident,
)
from warroom.cli.output import author_width, format_entry, local_time, use_color
from warroom.domain import ROLES, format_ref
from warroom.safe_text import clean, one_line

ROLE_CHOICE = click.Choice(["owner", "fix-lead", "comms"], case_sensitive=False)


@click.command()
@click.argument("role", type=ROLE_CHOICE)
@click.argument("name", nargs=-1, required=True)
@incident_option
@common_options
@click.pass_context
def handover(ctx: click.Context, role: str, name: tuple[str, ...], ref: str | None) -> None:
    """Hand ROLE (owner, fix-lead, comms) over to NAME: writes a brief for them and marks the
    role "handing over". The current holder keeps it until NAME runs `warroom ack`.

    \b
    warroom handover owner omar
    """
    room = open_room(ctx)
    person = " ".join(name)
    incident_id = target_incident(room, ref)
    actions.handover(room, incident_id, role, person)
    key = role.replace("-", "_")
    holder = room.incident(incident_id).roles.get(key)
    click.echo(
        f"Handing {ROLES[key].lower()} of {format_ref(incident_id)} over to {one_line(person)};"
        f" {one_line(holder or '?')} keeps it until {one_line(person)} runs: warroom ack"
    )


def _ack_incident(room: Room, ref: str | None) -> int:
    """With no REF: the one open incident with a handover waiting for me, else as usual."""
    import os

    if ref is None and not os.environ.get("WARROOM_INCIDENT"):
        with room.read() as conn:
            mine = {
                h.incident_id
                for row in views.list_incidents(conn, include_resolved=False)
                for h in views.pending_handovers(conn, row["id"])
                if h.to_name.casefold() == room.actor.name.casefold()
            }
        if len(mine) == 1:
            return mine.pop()
    return target_incident(room, ref)


@click.command()
@click.argument("role", type=ROLE_CHOICE, required=False)
@incident_option
@common_options
@click.pass_context
def ack(ctx: click.Context, role: str | None, ref: str | None) -> None:
    """Take over the role(s) being handed to you (or only ROLE), after reading the brief.

    \b
    warroom ack
    warroom ack owner --as omar
    """
    room = open_room(ctx)
    incident_id = _ack_incident(room, ref)
    taken = actions.acknowledge_handover(room, incident_id, role)
    labels = ", ".join(ROLES[r].lower() for r in taken)
    click.echo(f"{one_line(room.actor.name)} now holds {labels} of {format_ref(incident_id)}.")


@click.command()
@incident_ref
@click.option(
    "--since-last",
    is_flag=True,
    help="First what changed since you (your login) last looked, then the brief.",
)
@common_options
@click.pass_context
def brief(ctx: click.Context, ref: str | None, since_last: bool) -> None:
    """Catch up on an incident: status, severity, impact, what was tried, latest notes, roles,
    open items and follow-ups, the next update, the last 10 entries.

    \b
    warroom brief
    warroom brief --since-last
    """
    from warroom.brief import build_brief, render_brief

    room = open_room(ctx)
    incident_id = target_incident(room, ref, after_recovery=True)
    now = room.now()
    color = use_color()
    with room.read() as conn:
        text = render_brief(build_brief(conn, incident_id, room.settings, now))
        newest = views.last_entry_of(conn, incident_id)
        seen = views.last_seen(conn, incident_id, room.actor.login)
        changed = views.entries_after(conn, incident_id, seen[0]) if since_last and seen else []
        pending = views.pending_handovers(conn, incident_id)
    if since_last:
        if seen is None:
            click.echo("You (login " + one_line(room.actor.login) + ") have not looked before.")
        elif not changed:
            click.echo(f"Nothing new since you last looked ({local_time(seen[1], now)}).")
        else:
            click.echo(
                f"Since you last looked ({local_time(seen[1], now)}): {len(changed)} new"
                f" {'entry' if len(changed) == 1 else 'entries'}"
            )
            cells = author_width(changed)
            for entry in changed:
                click.echo("  " + format_entry(entry, now, color=color, author_cells=cells))
        click.echo("")
    for h in pending:
        if h.to_name.casefold() == room.actor.name.casefold():
            click.echo(
                f">> {ROLES[h.role]} is being handed to you by {one_line(h.from_name)}:"
                " read this, then run: warroom ack"
            )
    click.echo(clean(text, multiline=True))
    if not room.store.readonly:
        actions.mark_seen(room, incident_id, newest)
