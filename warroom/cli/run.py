"""`warroom run [--mitigation KIND] -- CMD ARGS...`: run CMD as if bare, then record it.

The installed `warroom` command takes a faster road to the same function (warroom.launch
starts CMD before importing click and the rest); this is the road for `--help`, for
`python -m warroom.cli`-style callers and for tests.
"""

from __future__ import annotations

import click

from warroom.cli.common import common_options, incident_option, open_room
from warroom.domain import MITIGATIONS


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option(
    "--mitigation",
    "-m",
    type=click.Choice(list(MITIGATIONS), case_sensitive=False),
    help="Also log it as this kind of mitigation when CMD succeeds (exit 0), ticking the "
    "checklist; a failed or interrupted attempt is recorded as the command alone.",
)
@click.option(
    "--at",
    metavar="TIME",
    help="When it happened, if before now (13:05, '10m ago', ISO 8601).",
)
@incident_option
@click.argument("cmd", nargs=-1, required=True, type=click.UNPROCESSED)
@common_options
@click.pass_context
def run(
    ctx: click.Context,
    mitigation: str | None,
    at: str | None,
    ref: str | None,
    cmd: tuple[str, ...],
) -> None:
    """Run CMD on this terminal as if run bare (output live, interactive programs work,
    Ctrl-C reaches CMD), then record it on the timeline: command line, folder, host, exit
    status, duration and output (up to 1 MiB). Exits with CMD's status. If the database
    cannot be written, CMD still runs and warroom says the result was not recorded.

    \b
    warroom run -- kubectl rollout undo deploy/checkout
    warroom run --mitigation rollback -- kubectl rollout undo deploy/checkout
    """
    from warroom.launch import execute

    ctx.exit(
        execute(
            list(cmd),
            mitigation=mitigation.lower() if mitigation else None,
            at=at,
            ref=ref,
            open_room=lambda: open_room(ctx),
            clock=ctx.ensure_object(dict).get("clock"),
        )
    )
