"""`warroom alerts ...`: the receiver, and triage of alerts from a shell."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from warroom import alert_actions, alert_views
from warroom.cli.common import common_options, incident_option, open_room, target_incident
from warroom.cli.output import local_time, use_color
from warroom.domain import format_duration
from warroom.room import Room, unix_login
from warroom.safe_text import json_dumps, one_line


@click.group()
def alerts() -> None:
    """Alerts from monitoring: receive them, list them, attach or dismiss them.

    \b
    warroom alerts listen --port 9095
    warroom alerts list
    warroom alerts attach 3
    warroom declare --from-alert 3 --severity SEV2
    """


@alerts.command()
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=9095, show_default=True, type=click.IntRange(0, 65535), help="TCP port."
)
@common_options
@click.pass_context
def listen(ctx: click.Context, bind: str, port: int) -> None:
    """Receive alerts over HTTP until SIGTERM or Ctrl-C.

    Paths: POST /alerts/alertmanager (Alertmanager webhook v4), /alerts/grafana (Grafana
    alerting webhook), /alerts/uptime-kuma (Uptime Kuma webhook), /alerts/generic (see the
    README). GET /healthz answers ok. Beyond loopback a bearer token is required
    (alerts.token in the config, or $WARROOM_ALERTS_TOKEN); when set, it is always checked.
    One log line per request on stderr.
    """
    from warroom.config import config_path
    from warroom.receiver import (
        PATHS,
        line_logger,
        make_listener,
        resolve_token,
        serve_until_signalled,
        token_file_warning,
    )

    room = open_room(ctx)
    token = resolve_token(room.settings)
    log = line_logger(sys.stderr)
    warning = token_file_warning(room.settings, config_path())
    if warning:
        log(warning)
    listener = make_listener(
        room.store.path,
        room.settings,
        bind=bind,
        port=port,
        token=token,
        login=unix_login(),
        log=log,
    )
    auth = "bearer token required" if token else "no token: loopback only"
    log(
        f"listening on {listener.url} ({auth}); database {one_line(str(room.store.path))};"
        f" POST to {PATHS}"
    )
    serve_until_signalled(listener, log)


def _state(alert: alert_views.Alert, now: datetime) -> str:
    span = alert.firing_for(now)
    shown = format_duration(span) if span is not None else "?"
    if alert.status == "firing":
        return f"firing {shown}"
    return f"resolved after {shown}"


@alerts.command("list")
@click.option("--all", "show_all", is_flag=True, help="Every alert: resolved, dismissed, attached.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array.")
@common_options
@click.pass_context
def list_(ctx: click.Context, show_all: bool, as_json: bool) -> None:
    """Firing alerts that belong to no open incident and are not dismissed (--all: every one).

    JSON objects: id, source, fingerprint, name, status, service, summary, starts_at, ends_at,
    url, count, incident (and description, labels, first_seen, last_seen, dismissed_*).
    """
    room = open_room(ctx)
    with room.read() as conn:
        rows = alert_views.list_alerts(conn, include_all=show_all)
    if as_json:
        click.echo(json_dumps([a.to_json() for a in rows]))
        return
    if not rows:
        click.echo("No alerts." if show_all else "No alerts need triage.")
        return
    now = room.now()
    color = use_color()
    for alert in rows:
        state = _state(alert, now)
        if color:
            state = click.style(state, fg="red" if alert.status == "firing" else "green")
        where = ""
        if alert.incident_ref:
            where = f" [{alert.incident_ref}]"
        elif alert.dismissed_at:
            where = f" [dismissed by {one_line(alert.dismissed_by or '?', 20)}:"
            where += f" {one_line(alert.dismiss_reason or '', 60)}]"
        since = local_time(alert.fired_at, now, seconds=False) if alert.fired_at else "?"
        click.echo(
            f"{alert.id:>4}  {one_line(alert.label, 48)}  {state} (since {since}, x{alert.count})"
            f"{where}"
        )
        if alert.summary:
            click.echo(f"      {one_line(alert.summary, 110)}")
        if alert.url:
            click.echo(f"      {one_line(alert.url, 110)}")


def _alert_id(text: str) -> int:
    from warroom.errors import BadInput

    value = text.strip().lstrip("#")
    if not value.isdigit() or int(value) == 0:
        raise BadInput(f"not an alert id: {text!r} (`warroom alerts list` shows them)")
    return int(value)


@alerts.command()
@click.argument("alert_ref", metavar="ID")
@incident_option
@common_options
@click.pass_context
def attach(ctx: click.Context, alert_ref: str, ref: str | None) -> None:
    """Attach alert ID to an incident (default: the active one). Its resolving and firing
    again then go on that incident's timeline."""
    room = open_room(ctx)
    alert_id = _alert_id(alert_ref)
    incident_id = target_incident(room, ref)
    from warroom.domain import format_ref

    if alert_actions.attach(room, alert_id, incident_id):
        click.echo(f"Alert {alert_id} attached to {format_ref(incident_id)}.")
    else:
        click.echo(f"Alert {alert_id} was already attached to {format_ref(incident_id)}.")


@alerts.command()
@click.argument("alert_ref", metavar="ID")
@click.argument("reason", nargs=-1, required=True)
@common_options
@click.pass_context
def dismiss(ctx: click.Context, alert_ref: str, reason: tuple[str, ...]) -> None:
    """Dismiss alert ID with a REASON (kept with who and when). It returns to the list if it
    fires again after resolving."""
    room = open_room(ctx)
    alert_id = _alert_id(alert_ref)
    if alert_actions.dismiss(room, alert_id, " ".join(reason)):
        click.echo(f"Alert {alert_id} dismissed.")
    else:
        click.echo(f"Alert {alert_id} was already dismissed.")


def declare_from_alert(
    room: Room,
    alert_ref: str,
    severity: str,
    title: tuple[str, ...],
    services: tuple[str, ...],
    source: str | None,
) -> int:
    """`declare --from-alert ID`: the alert gives what was not typed."""
    text = " ".join(title) if title else None
    return alert_actions.declare_from_alert(
        room, _alert_id(alert_ref), severity, text, services, source or "monitoring"
    )


def attached_json(room: Room, incident_id: int) -> list[dict[str, object]]:
    """`show --json`'s `alerts`: the alerts attached to the incident."""
    with room.read() as conn:
        return [a.to_json() for a in alert_views.alerts_of_incident(conn, incident_id)]


def attached_lines(room: Room, incident_id: int) -> list[str]:
    """`show`'s Alerts section: one line an attached alert, nothing when there are none."""
    with room.read() as conn:
        attached = alert_views.alerts_of_incident(conn, incident_id)
    if not attached:
        return []
    now = room.now()
    lines = ["", "Alerts:"]
    for alert in attached:
        since = local_time(alert.fired_at, now, seconds=False) if alert.fired_at else "?"
        lines.append(
            f"  #{alert.id} {one_line(alert.label, 48)}  {_state(alert, now)} (since {since})"
        )
    return lines
