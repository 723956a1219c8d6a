"""`warroom export`: a postmortem draft (Markdown), one JSON document, or the timeline as CSV."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TextIO

import click

from warroom.cli.common import common_options, incident_ref, open_room, target_incident
from warroom.errors import BadInput
from warroom.safe_text import clean, one_line


@click.command()
@incident_ref
@click.option(
    "--format",
    "-f",
    "fmt",
    default="markdown",
    show_default=True,
    metavar="markdown|json|csv",
    help="markdown: a postmortem draft; json: everything, one document; csv: the timeline.",
)
@click.option("--output", "-o", metavar="FILE", help="Write to FILE instead of the terminal.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option(
    "--raw",
    is_flag=True,
    help="CSV: keep cells starting with = + - @ exactly (by default they get a leading ').",
)
@common_options
@click.pass_context
def export(
    ctx: click.Context, ref: str | None, fmt: str, output: str | None, force: bool, raw: bool
) -> None:
    """Export an incident (default: the active one, else the most recent).

    \b
    warroom export INC-3 -o INC-3-postmortem.md
    warroom export --format json -o INC-3.json
    warroom export --format csv > timeline.csv
    """
    from warroom.export import parse_format, write_export

    fmt = parse_format(fmt)  # bad input fails before anything is opened or written
    if output is not None and not output.strip():
        raise BadInput("--output needs a file name (or - for the terminal)")
    room = open_room(ctx, reading=True)
    incident_id = target_incident(room, ref, after_recovery=True)
    if output is None or output == "-":
        stdout = sys.stdout
        if _is_terminal(stdout):
            # Exports keep text exact, control characters included (a team's postmortem
            # template may print raw facts too); a terminal must not get those raw, so there
            # the export goes through the sanitiser like everything else. Pipes and files
            # get the exact text.
            buffer = io.StringIO()
            write_export(room, incident_id, fmt, buffer, raw=raw)
            stdout.write(clean(buffer.getvalue(), multiline=True))
        else:
            write_export(room, incident_id, fmt, stdout, raw=raw)
        stdout.flush()
        return
    from warroom.safe_files import access_of, refuse_database_files, write_file

    path = Path(output).expanduser()
    refuse_database_files(path, room.store.path)

    def write(out: TextIO) -> None:
        write_export(room, incident_id, fmt, out, raw=raw)

    # The export holds what the database does: it gets the database's access, not the umask.
    path = write_file(path, write, access=access_of(room.store.path), overwrite=force)
    click.echo(f"Wrote {one_line(str(path))}.", err=True)


def _is_terminal(stream: TextIO) -> bool:
    return stream.isatty()
