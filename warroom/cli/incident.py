"""Commands for the response itself: declare, triage, note, assign, status, show ...
(`tail` and `watch` live in follow.py)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from warroom import actions, views
from warroom.cli.common import (
    common_options,
    incident_option,
    incident_ref,
    open_room,
    target_incident,
)
from warroom.cli.output import (
    format_delivery,
    format_incident_row,
    format_show,
    local_time,
    use_color,
)
from warroom.domain import (
    ASKS_FOR_UPDATE,
    DEFAULT_SEVERITIES,
    MAX_NOTE_BYTES,
    MITIGATIONS,
    ROLES,
    SOURCES,
    STATUSES,
    format_ref,
    parse_at,
    parse_severity,
    parse_started,
    require_body,
    require_text,
)
from warroom.errors import BadInput
from warroom.safe_text import json_dumps, one_line
from warroom.views import deliveries

SEVERITY_HELP = "; ".join(f"{name}: {rule.definition}" for name, rule in DEFAULT_SEVERITIES.items())
ROLE_CHOICE = click.Choice(["owner", "fix-lead", "comms"], case_sensitive=False)


class SeverityType(click.ParamType):
    """SEV1..SEV4, any case, or the bare number."""

    name = "severity"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "SEV1|SEV2|SEV3|SEV4"

    def convert(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return parse_severity(value)
        except BadInput as exc:
            # Not fail(): click names the parameter by its metavar, the choices said twice.
            raise click.UsageError(exc.message, ctx) from None


SEVERITY = SeverityType()


def _join(words: tuple[str, ...]) -> str:
    return " ".join(words)


@click.command()
@click.argument("title", nargs=-1)
@click.option(
    "--from-alert",
    "from_alert",
    metavar="ID",
    help="Declare from alert ID (`warroom alerts list`): title, service, source and impact"
    " start come from it, and it is attached.",
)
@click.option(
    "--severity",
    "-s",
    required=True,
    type=SEVERITY,
    help=f"How bad it is. {SEVERITY_HELP}",
)
@click.option("--service", "services", multiple=True, metavar="NAME", help="Affected service.")
@click.option(
    "--source",
    type=click.Choice(list(SOURCES), case_sensitive=False),
    help="How it was detected.",
)
@common_options
@click.pass_context
def declare(
    ctx: click.Context,
    title: tuple[str, ...],
    severity: str,
    services: tuple[str, ...],
    source: str | None,
    from_alert: str | None = None,
) -> None:
    """Declare an incident. Prints its reference alone on the last line.

    \b
    warroom declare "Checkout returns 500s" --severity SEV2 --service checkout
    warroom declare --from-alert 3 --severity SEV2
    """
    room = open_room(ctx)
    if from_alert is not None:
        from warroom.cli.alerts import declare_from_alert

        incident_id = declare_from_alert(room, from_alert, severity, title, services, source)
    elif not title:
        raise click.UsageError("give a TITLE (or --from-alert ID)")
    else:
        incident_id = actions.declare(room, _join(title), severity, services, source)
    incident = room.incident(incident_id)
    rule = room.settings.rule(incident.severity)
    click.echo(f"Declared {incident.ref} ({incident.severity}: {one_line(rule.definition)})")
    if incident.next_update_due:
        due = local_time(incident.next_update_due, room.now(), seconds=False)
        click.echo(f"First customer update due by {due}.")
    click.echo(incident.ref)


@click.command()
@incident_option
@click.option("--impact", help="What customers see failing.")
@click.option("--affected", help="How many users are affected, e.g. 'about 30% of EU users'.")
@click.option("--workaround", help="A workaround customers can use, if any.")
@click.option("--service", "services", multiple=True, metavar="NAME", help="Add a service.")
@click.option(
    "--source", type=click.Choice(list(SOURCES), case_sensitive=False), help="How it was detected."
)
@click.option(
    "--started",
    metavar="TIME",
    help="When customer impact began, if before the declaration: 13:05 (local), '45m ago',"
    " -2h, or ISO 8601 such as 2026-11-26T13:05+01:00.",
)
@common_options
@click.pass_context
def triage(
    ctx: click.Context,
    ref: str | None,
    impact: str | None,
    affected: str | None,
    workaround: str | None,
    services: tuple[str, ...],
    source: str | None,
    started: str | None,
) -> None:
    """Record triage facts: impact, users affected, workaround, services, impact start."""
    room = open_room(ctx)
    started_at = parse_started(started, room.now()) if started is not None else None
    # The impact start is often settled while writing the postmortem, after resolution; the
    # other facts belong to a response under way.
    only_started = started is not None and not (
        impact or affected or workaround or services or source
    )
    incident_id = target_incident(room, ref, after_recovery=only_started)
    changed = actions.triage(
        room,
        incident_id,
        impact=impact,
        affected=affected,
        workaround=workaround,
        services=services,
        source=source,
        started=started_at,
    )
    ref_text = format_ref(incident_id)
    click.echo(f"Triage recorded on {ref_text}." if changed else f"Nothing changed on {ref_text}.")


AT_HELP = (
    "When it happened, if before now: 13:05 (local), '10m ago', -2h, or ISO 8601;"
    " stored beside the time it was logged."
)


def at_option(f: Any) -> Any:
    return click.option("--at", "at", metavar="TIME", help=AT_HELP)(f)


def parse_at_option(room: actions.Room, at: str | None) -> datetime | None:
    return parse_at(at, room.now()) if at is not None else None


def read_body(source: str, what: str) -> str:
    """A note from stdin (`-`) or a file, whole: read at most one byte past the limit, so a
    huge input is refused without being held in memory."""
    if source == "-":
        stream = sys.stdin.buffer
        raw = stream.read(MAX_NOTE_BYTES + 1)
        name = "stdin"
    else:
        path = Path(source)
        if path.is_dir():
            raise BadInput(f"{source} is a folder, not a file")
        with path.open("rb") as fh:
            raw = fh.read(MAX_NOTE_BYTES + 1)
        name = source
    if len(raw) > MAX_NOTE_BYTES:
        raise BadInput(
            f"{what} from {name} is over the limit of {MAX_NOTE_BYTES:,} bytes; nothing was"
            " written (keep it in a file and note where it is)"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{what} from {name} is not valid UTF-8 text; nothing was written") from None


@click.command()
@click.argument("text", nargs=-1)
@click.option(
    "--file",
    "file_path",
    metavar="PATH",
    help="Take the note from this file, whole (a log excerpt, a config diff).",
)
@at_option
@incident_option
@common_options
@click.pass_context
def note(
    ctx: click.Context,
    text: tuple[str, ...],
    file_path: str | None,
    at: str | None,
    ref: str | None,
) -> None:
    """Add a note to the timeline. `-` reads it from stdin, --file from a file; a long one
    is kept whole, line breaks and all (up to 2 MiB).

    \b
    warroom note "error rate back under 1% after rollback"
    kubectl logs deploy/checkout --since=10m | warroom note -
    warroom note --file /tmp/slow-queries.txt
    warroom note --at 13:05 "first alert fired"
    """
    if file_path is not None and text:
        raise BadInput("give the note as TEXT, - or --file PATH, not several")
    if file_path is None and not text:
        raise BadInput("the note is empty: give TEXT, - (stdin) or --file PATH")
    # Read before the database is opened: closing a descriptor of the database file (were
    # PATH that file) would drop this process's SQLite locks.
    if file_path is not None:
        body = read_body(file_path, "the note")
    elif text == ("-",):
        body = read_body("-", "the note")
    else:
        body = _join(text)
    require_body(body, "the note")
    room = open_room(ctx)
    happened = parse_at_option(room, at)
    incident_id = target_incident(room, ref)
    entry = actions.note(room, incident_id, body, at=happened)
    lines = body.strip("\n").count("\n") + 1
    size = f", {lines:,} lines" if lines > 1 else ""
    click.echo(f"Noted on {format_ref(incident_id)} (#{entry}{size}).")


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option(
    "--action",
    "-a",
    type=click.Choice(list(MITIGATIONS), case_sensitive=False),
    help="Kind of mitigation.",
)
@at_option
@incident_option
@common_options
@click.pass_context
def mitigate(
    ctx: click.Context,
    text: tuple[str, ...],
    action: str | None,
    at: str | None,
    ref: str | None,
) -> None:
    """Log a mitigation action (rollback, feature flag, failover, reduce load, isolate).

    \b
    warroom mitigate --action rollback "checkout-api back to v1.41"
    """
    room = open_room(ctx)
    happened = parse_at_option(room, at)
    body = _join(text)
    require_text(body, "the mitigation detail")
    incident_id = target_incident(room, ref)
    entry = actions.mitigate(room, incident_id, body, action, at=happened)
    click.echo(f"Mitigation logged on {format_ref(incident_id)} (#{entry}).")


@click.command()
@click.argument("entry_id", metavar="ENTRY_ID")
@click.argument("text", nargs=-1, required=True)
@at_option
@common_options
@click.pass_context
def correct(ctx: click.Context, entry_id: str, text: tuple[str, ...], at: str | None) -> None:
    """Correct timeline entry ENTRY_ID (the #number `tail` shows): a `correction` entry is
    appended and shown in the original's place; the original stays stored as it was.

    \b
    warroom correct 13 "errors began 2 min after deploy of v1.43 (not v1.42)"
    """
    number = entry_id.strip().lstrip("#")
    if not number.isdigit() or int(number) == 0:
        raise BadInput(f"not an entry number: {entry_id!r} (expected e.g. 13 or #13)")
    room = open_room(ctx)
    happened = parse_at_option(room, at)
    body = _join(text)
    require_body(body, "the corrected text")
    new_id = actions.correct(room, int(number), body, at=happened)
    with room.read() as conn:
        entry = views.get_entry(conn, new_id)
    ref = format_ref(entry.incident_id) if entry else "?"
    click.echo(f"Corrected #{int(number)} on {ref} (#{new_id}).")


@click.command()
@click.argument("role", type=ROLE_CHOICE)
@click.argument("name", nargs=-1, required=True)
@incident_option
@common_options
@click.pass_context
def assign(ctx: click.Context, role: str, name: tuple[str, ...], ref: str | None) -> None:
    """Assign ROLE (owner, fix-lead, comms) to NAME; a new holder is a handover.

    \b
    warroom assign owner alice
    """
    room = open_room(ctx)
    person = _join(name)
    require_text(person, "the person's name")
    incident_id = target_incident(room, ref)
    if actions.assign(room, incident_id, role, person):
        click.echo(f"{one_line(person)} is now {role} of {format_ref(incident_id)}.")
    else:
        click.echo(
            f"{one_line(person)} is already {role} of {format_ref(incident_id)}; nothing changed."
        )


@click.command()
@click.argument("level", type=SEVERITY)
@incident_option
@common_options
@click.pass_context
def severity(ctx: click.Context, level: str, ref: str | None) -> None:
    """Change the severity (SEV1 to SEV4)."""
    room = open_room(ctx)
    incident_id = target_incident(room, ref)
    if actions.set_severity(room, incident_id, level):
        click.echo(
            f"Severity of {format_ref(incident_id)} is now {level}:"
            f" {one_line(room.settings.rule(level).definition)}"
        )
    else:
        click.echo(f"Severity of {format_ref(incident_id)} is already {level}; nothing changed.")


@click.command()
@click.argument("value", metavar="STATUS", type=click.Choice(STATUSES, case_sensitive=False))
@incident_option
@common_options
@click.pass_context
def status(ctx: click.Context, value: str, ref: str | None) -> None:
    """Change the status: investigating, identified, monitoring, resolved.

    Setting a resolved incident to another status reopens it.
    """
    room = open_room(ctx)
    value = value.lower()
    # A resolved incident is not "active", so reopening needs the most recent one.
    incident_id = target_incident(room, ref, after_recovery=True)
    if actions.set_status(room, incident_id, value):
        click.echo(f"Status of {format_ref(incident_id)} is now {value}.")
        incident = room.incident(incident_id)
        if incident.status in ASKS_FOR_UPDATE:
            # The lifecycle asks for its update: the one command that tells customers.
            click.echo(
                f"Tell customers: warroom update -i {incident.ref} -t {incident.status} --publish"
            )
    else:
        click.echo(f"Status of {format_ref(incident_id)} is already {value}; nothing changed.")


@click.command()
@click.argument("number", type=int)
@click.option("--undo", is_flag=True, help="Untick the item instead.")
@incident_option
@common_options
@click.pass_context
def check(ctx: click.Context, number: int, undo: bool, ref: str | None) -> None:
    """Tick checklist item NUMBER (as `warroom show` numbers it)."""
    room = open_room(ctx)
    incident_id = target_incident(room, ref)
    verb = "unticked" if undo else "ticked"
    if actions.check(room, incident_id, number, undo=undo):
        click.echo(f"Item {number} {verb} on {format_ref(incident_id)}.")
    else:
        click.echo(
            f"Item {number} was already {verb} on {format_ref(incident_id)}; nothing changed."
        )


@click.command("list")
@click.option("--all", "include_all", is_flag=True, help="Include resolved incidents.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array.")
@common_options
@click.pass_context
def list_(ctx: click.Context, include_all: bool, as_json: bool) -> None:
    """List open incidents (all with --all), newest first."""
    room = open_room(ctx, reading=True)
    with room.read() as conn:
        rows = views.list_incidents(conn, include_resolved=include_all)
    if as_json:
        click.echo(json_dumps(rows))
        return
    if not rows:
        click.echo("No open incidents." if not include_all else "No incidents yet.")
        return
    now = room.now()
    for row in rows:
        click.echo(format_incident_row(row, now))


@click.command()
@incident_ref
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@common_options
@click.pass_context
def show(ctx: click.Context, ref: str | None, as_json: bool) -> None:
    """Show an incident: facts, roles, checklist (numbered), next update due."""
    from warroom.cli.alerts import attached_json, attached_lines

    room = open_room(ctx, reading=True)
    incident = room.incident(target_incident(room, ref, after_recovery=True))
    with room.read() as conn:
        pending = views.pending_handovers(conn, incident.id)
    if as_json:
        with room.read() as conn:
            sent = deliveries(conn, incident_id=incident.id)
        click.echo(
            json_dumps(
                {
                    **incident.to_json(),
                    "alerts": attached_json(room, incident.id),
                    "handovers": [h.to_json() for h in pending],
                    "deliveries": [d.to_json() for d in sent],
                }
            )
        )
        return
    definition = room.settings.rule(incident.severity).definition
    click.echo(format_show(incident, room.now(), color=use_color(), definition=definition))
    for h in pending:
        click.echo(
            f"  HANDING OVER: {ROLES[h.role]} {one_line(h.from_name)} -> {one_line(h.to_name)}"
            f" since {local_time(h.requested_at, room.now(), seconds=False)};"
            f" {one_line(h.to_name)} takes it with: warroom ack"
        )
    for line in attached_lines(room, incident.id):
        click.echo(line)
    with room.read() as conn:
        sent = deliveries(conn, incident_id=incident.id)
    if sent:
        click.echo("Deliveries")
        for d in sent[-10:]:
            click.echo(f"  {format_delivery(d, room.now())}")


@click.command()
@click.option("--example", is_flag=True, help="Print a commented example config file.")
def config(example: bool) -> None:
    """Show where the config file is read from (or print an example)."""
    from warroom.config import EXAMPLE, config_path, load_settings

    if example:
        click.echo(EXAMPLE, nl=False)
        return
    path = config_path()
    load_settings(path)  # a malformed file is reported here, as everywhere
    state = "present" if path.exists() else "absent; defaults in use"
    click.echo(f"{path} ({state})")
