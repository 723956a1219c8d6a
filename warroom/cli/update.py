"""`warroom update`: render a customer update, copy it, record it as published."""

from __future__ import annotations

import click

from warroom import actions
from warroom.cli.common import common_options, open_room, target_incident
from warroom.cli.output import due_line
from warroom.domain import require_text
from warroom.errors import BadInput
from warroom.safe_text import clean, one_line


@click.command()
@click.argument("ref", required=False)
@click.option("--incident", "-i", "incident_ref", metavar="REF", help="Same as REF.")
@click.option("--template", "-t", metavar="NAME", help="Template (default: the current status).")
@click.option("--list", "list_only", is_flag=True, help="List the available templates.")
@click.option("--edit", is_flag=True, help="Edit the rendered text in $EDITOR first.")
@click.option(
    "--text-file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Use this text (- for stdin) instead of rendering a template.",
)
@click.option("--copy", is_flag=True, help="Copy it to the clipboard (and the copy file).")
@click.option("--publish", is_flag=True, help="Record it as published; restarts the countdown.")
@common_options
@click.pass_context
def update(
    ctx: click.Context,
    ref: str | None,
    incident_ref: str | None,
    template: str | None,
    list_only: bool,
    edit: bool,
    text_file: str | None,
    copy: bool,
    publish: bool,
) -> None:
    """Print the customer update for an incident, rendered from its template.

    \b
    warroom update                      # the template for the current status
    warroom update -t stakeholder       # the internal stakeholder update
    warroom update --copy --publish     # copy it, then record it as published
    warroom update --list
    """
    from warroom.updates import available_templates, render_for

    if template is not None and not template.strip():
        raise BadInput("--template needs a name; `warroom update --list` shows them")
    room = open_room(ctx)
    if list_only:
        for available in available_templates(room):
            click.echo(available)
        return
    if ref and incident_ref:
        raise BadInput("give the incident either as REF or as --incident, not both")
    incident_id = target_incident(room, ref or incident_ref, after_recovery=True)
    if text_file is not None:
        if template is not None:
            raise BadInput("--text-file and --template exclude each other")
        with click.open_file(text_file, encoding="utf-8") as fh:
            text = fh.read()
        name: str | None = None
    else:
        name, text = render_for(room, incident_id, template)
    if edit:
        edited = click.edit(text, extension=".txt", require_save=False)
        text = edited if edited is not None else text
    text = require_text(text, "the update text").rstrip() + "\n"
    click.echo(clean(text, multiline=True), nl=False)
    if copy:
        from warroom.clipboard import copy_text, terminal_osc52
        from warroom.safe_files import access_of

        copied = copy_text(text, osc52=terminal_osc52(), access=access_of(room.store.path))
        click.echo(one_line(copied.describe()), err=True)
    if publish:
        actions.publish_update(room, incident_id, text, template=name)
        incident = room.incident(incident_id)
        click.echo(
            f"Published as the customer update of {incident.ref}; "
            + due_line(incident, room.now(), color=False),
            err=True,
        )
