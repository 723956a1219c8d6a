"""`warroom deliveries` (where published updates went) and `warroom statuspage build`."""

from __future__ import annotations

from pathlib import Path

import click

from warroom.cli.common import common_options, open_room, target_incident
from warroom.cli.output import format_delivery
from warroom.safe_text import json_dumps, one_line
from warroom.views import deliveries as list_deliveries


@click.group(invoke_without_command=True)
@click.option("--incident", "-i", "ref", metavar="REF", help="Only this incident's deliveries.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@common_options
@click.pass_context
def deliveries(ctx: click.Context, ref: str | None, as_json: bool) -> None:
    """Deliveries of published updates to the [[publish]] destinations.

    \b
    warroom deliveries                  # every delivery, oldest first
    warroom deliveries -i INC-3 --json
    warroom deliveries retry            # try failed ones again now
    """
    if ctx.invoked_subcommand is not None:
        return
    room = open_room(ctx)
    incident_id = target_incident(room, ref, after_recovery=True) if ref else None
    with room.read() as conn:
        found = list_deliveries(conn, incident_id=incident_id)
    if as_json:
        for d in found:
            click.echo(json_dumps(d.to_json()))
        return
    if not found:
        click.echo("No deliveries yet (none configured, or nothing published since).")
    now = room.now()
    for d in found:
        click.echo(f"INC-{d.incident_id}  {format_delivery(d, now)}")


@deliveries.command()
@common_options
@click.pass_context
def retry(ctx: click.Context) -> None:
    """Try every failed delivery again now (those that stopped retrying too); exit 1 when
    any still fails."""
    from warroom.delivery import deliver_due

    room = open_room(ctx)
    attempted = deliver_due(room, include_gave_up=True)
    if not attempted:
        click.echo("Nothing to retry.")
        return
    now = room.now()
    for d in attempted:
        click.echo(f"INC-{d.incident_id}  {format_delivery(d, now)}")
    if any(d.state != "delivered" for d in attempted):
        ctx.exit(1)


@deliveries.command(hidden=True)
@click.option("--lock-fd", type=int, hidden=True, help="The worker lock, taken by the publisher.")
@common_options
@click.pass_context
def run(ctx: click.Context, lock_fd: int | None) -> None:
    """Deliver what is due and keep retrying failures with backoff (started by publishing);
    nothing to do when another worker runs for this database."""
    import signal
    import sys
    from types import FrameType

    from warroom.delivery import run_worker, stop_hooks

    def stop(signum: int, frame: FrameType | None) -> None:
        # The hooks run in sessions of their own: take them along. What they were
        # delivering stays claimed until its lease runs out, then any warroom retries it.
        stop_hooks()
        sys.exit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    run_worker(open_room(ctx), lock_fd)


@click.group()
def statuspage() -> None:
    """warroom's own static status page."""


@statuspage.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", metavar="TEXT", help="The page's name (default: from the config).")
@click.option("--url", metavar="URL", help="Where the page is served, for the feed's links.")
@common_options
@click.pass_context
def build(ctx: click.Context, directory: Path, title: str | None, url: str | None) -> None:
    """Write index.html, status.json and feed.atom to DIRECTORY, each replaced atomically.

    Only published update text and public component names ([components]) appear.

    \b
    warroom statuspage build /srv/www/status --url https://status.example.com/
    """
    from warroom import statuspage as page

    room = open_room(ctx)
    with room.read() as conn:
        written = page.build(conn, room.settings, directory, room.now(), title=title, url=url)
    for path in written:
        click.echo(one_line(str(path)))
