"""`warroom followup add|done|list`: follow-up actions, which stay listed across incidents
until someone marks them done."""

from __future__ import annotations

import re
from datetime import date

import click

from warroom import actions, views
from warroom.cli.common import common_options, incident_option, open_room, target_incident
from warroom.cli.output import use_color
from warroom.domain import format_ref, require_text
from warroom.errors import BadInput
from warroom.safe_text import json_dumps, one_line

_ID = re.compile(r"^\s*#?(\d{1,12})\s*$")


def parse_followup_id(text: str) -> int:
    """`3` or `#3`, as `followup list` prints it."""
    match = _ID.match(text)
    if not match or int(match.group(1)) == 0:
        raise BadInput(f"not a follow-up number: {text!r} (e.g. 3 or #3; see `followup list`)")
    return int(match.group(1))


def format_followup(item: views.Followup, *, today: date, color: bool) -> str:
    mark = "[x]" if item.done else "[ ]"
    due = f"due {one_line(item.due)}" if item.due else "no due date"
    if item.overdue(today):
        due += " OVERDUE"
        if color:
            due = click.style(due, fg="red", bold=True)
    owner = one_line(item.owner, 16) if item.owner else "NO OWNER"
    return f"#{item.id:<4} {mark} {item.ref:<8} {owner:<16} {due:<16}  {one_line(item.text)}"


@click.group()
@common_options
def followup() -> None:
    """Follow-up actions after an incident: add, mark done, list.

    \b
    warroom followup add "Alert on tokeniser timeouts" --owner jonas --due +7d
    warroom followup list
    warroom followup done 3
    """


@followup.command("add")
@click.argument("text", nargs=-1, required=True)
@incident_option
@click.option("--owner", metavar="NAME", help="Who will do it.")
@click.option("--due", metavar="DATE", help="Due date: YYYY-MM-DD, or +7d / +2w from today.")
@common_options
@click.pass_context
def add(
    ctx: click.Context, text: tuple[str, ...], ref: str | None, owner: str | None, due: str | None
) -> None:
    """Add a follow-up action (ticks 'document follow-up actions').

    Without --incident it goes to the active incident, else the most recent one.
    """
    room = open_room(ctx)
    body = require_text(" ".join(text), "the follow-up text")
    incident_id = target_incident(room, ref, after_recovery=True)
    followup_id = actions.add_followup(room, incident_id, body, owner=owner, due=due)
    click.echo(f"Follow-up #{followup_id} added to {format_ref(incident_id)}.")


@followup.command("done")
@click.argument("number", metavar="ID")
@click.option("--undo", is_flag=True, help="Reopen it instead.")
@common_options
@click.pass_context
def done(ctx: click.Context, number: str, undo: bool) -> None:
    """Mark follow-up ID (as `followup list` numbers it) done, or open again with --undo."""
    followup_id = parse_followup_id(number)
    room = open_room(ctx)
    state = "open" if undo else "done"
    if actions.complete_followup(room, followup_id, undo=undo):
        click.echo(f"Follow-up #{followup_id} is {state}.")
    else:
        click.echo(f"Follow-up #{followup_id} was already {state}; nothing changed.")


@followup.command("list")
@click.option(
    "--incident", "-i", "ref", metavar="REF", help="Only this incident's (default: every incident)."
)
@click.option("--all", "include_all", is_flag=True, help="Include follow-ups already done.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array.")
@common_options
@click.pass_context
def list_(ctx: click.Context, ref: str | None, include_all: bool, as_json: bool) -> None:
    """Open follow-ups of every incident (of one with --incident; done ones too with --all)."""
    room = open_room(ctx, reading=True)
    with room.read() as conn:
        incident_id = views.resolve_incident(conn, ref, after_recovery=True) if ref else None
        items = views.followups(conn, incident_id, include_done=include_all)
    if as_json:
        click.echo(json_dumps([item.to_json() for item in items]))
        return
    if not items:
        click.echo("No follow-ups." if include_all else "No open follow-ups.")
        return
    today = room.now().astimezone().date()
    color = use_color()
    for item in items:
        click.echo(format_followup(item, today=today, color=color))
