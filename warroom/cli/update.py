"""`warroom update`: render a customer update, copy it, record it as published."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from warroom import actions
from warroom.cli.common import common_options, incident_ref, open_room, target_incident
from warroom.cli.output import due_line
from warroom.domain import require_text
from warroom.errors import BadInput, WarroomError
from warroom.safe_text import clean, one_line
from warroom.views import Incident


@click.command()
@incident_ref
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
@click.option(
    "--force",
    is_flag=True,
    help="Publish even though someone published moments ago, or the text lacks the promise.",
)
@common_options
@click.pass_context
def update(
    ctx: click.Context,
    ref: str | None,
    template: str | None,
    list_only: bool,
    edit: bool,
    text_file: str | None,
    copy: bool,
    publish: bool,
    force: bool,
) -> None:
    """Print the customer update for an incident, rendered from its template.

    The update promises the next one at the severity's cadence from the moment it is
    published (to the minute); the countdown then counts to exactly that time.

    \b
    warroom update                      # the template for the current status
    warroom update -t stakeholder       # the internal stakeholder update
    warroom update --copy --publish     # copy it, then record it as published
    warroom update --list
    """
    from warroom.updates import available_templates, promise_problem, render_for

    if template is not None and not template.strip():
        raise BadInput("--template needs a name; `warroom update --list` shows them")
    room = open_room(ctx)
    if list_only:
        for available in available_templates(room):
            click.echo(available)
        return
    incident_id = target_incident(room, ref, after_recovery=True)
    # The newest update this draft is written with: one published after it is a clash.
    seen_update_id = room.incident(incident_id).last_update_id
    if text_file is not None:
        if template is not None:
            raise BadInput("--text-file and --template exclude each other")
        with click.open_file(text_file, encoding="utf-8") as fh:
            text = fh.read()
        name: str | None = None
    else:
        name, text = render_for(room, incident_id, template)
    rendered = text
    if edit:
        edited = click.edit(text, extension=".txt", require_save=False)
        text = edited if edited is not None else text
    text = require_text(text, "the update text").rstrip() + "\n"
    published: actions.Published | None = None
    if publish:
        # Untouched template text is rendered again should the promised minute move on
        # between rendering and publishing; hand-written text must say the promise itself.
        untouched = text_file is None and text.rstrip() == rendered.rstrip()
        for _ in range(3):
            incident = room.incident(incident_id)
            promise = _promise(room, incident)
            if not untouched and not force:
                problem = promise_problem(text, promise)
                if problem and not _confirm(f"Warning: {problem}. Publish anyway?"):
                    raise WarroomError(f"not published: {problem} (--force publishes anyway)")
            try:
                published = actions.publish_update(
                    room,
                    incident_id,
                    text,
                    template=name,
                    seen_update_id=seen_update_id,
                    expect_promise=promise if untouched else actions.ANY_PROMISE,
                    force=force,
                )
                break
            except actions.PromiseMovedError:
                name, text = render_for(room, incident_id, template)
                text = text.rstrip() + "\n"
            except actions.PublishClashError as exc:
                raise WarroomError(
                    f"not published: {exc.message}; read it with `warroom show`, and publish"
                    " anyway with --force"
                ) from None
        else:  # pragma: no cover - the minute cannot move on three times in a row
            raise WarroomError("not published: the clock kept moving; try again")
    click.echo(clean(text, multiline=True), nl=False)
    if copy:
        from warroom.clipboard import copy_text, terminal_osc52
        from warroom.safe_files import access_of

        copied = copy_text(text, osc52=terminal_osc52(), access=access_of(room.store.path))
        click.echo(one_line(copied.describe()), err=True)
    if published is not None:
        incident = room.incident(incident_id)
        click.echo(
            f"Published as the customer update of {incident.ref}; "
            + due_line(incident, room.now(), color=False),
            err=True,
        )
        if published.deliveries:
            from warroom.delivery import start_worker

            names = ", ".join(d.name for d in room.settings.destinations)
            try:
                started = start_worker(room.store.path, room.actor.name)
            except OSError as exc:
                # The update and its pending deliveries are recorded: nothing is lost.
                raise WarroomError(
                    f"published, but the delivery to {names} could not start ({exc.strerror});"
                    " `warroom deliveries retry` delivers it"
                ) from None
            how = "in the background" if started else "by the delivery already running"
            click.echo(
                f"Delivering to {names} {how}; `warroom deliveries` shows how it went.",
                err=True,
            )


def _promise(room: actions.Room, incident: Incident) -> datetime | None:
    from warroom.updates import promise_if_published

    return promise_if_published(room, incident, room.now())


def _confirm(question: str) -> bool:
    """Ask on a terminal; elsewhere (scripts, CI) the answer is no."""
    try:
        interactive = sys.stdin.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdin
        interactive = False
    if not interactive:
        return False
    return click.confirm(question, default=False, err=True)
