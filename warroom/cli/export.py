"""`warroom export`: a postmortem draft (Markdown), one JSON document, or the timeline as CSV."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import click

from warroom.cli.common import common_options, open_room, target_incident
from warroom.errors import WarroomError
from warroom.safe_text import clean, one_line


@click.command()
@click.argument("ref", required=False)
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
@common_options
@click.pass_context
def export(ctx: click.Context, ref: str | None, fmt: str, output: str | None, force: bool) -> None:
    """Export an incident (default: the active one, else the most recent).

    \b
    warroom export INC-3 -o INC-3-postmortem.md
    warroom export --format json -o INC-3.json
    warroom export --format csv > timeline.csv
    """
    from warroom.export import parse_format, write_export

    fmt = parse_format(fmt)  # bad input fails before anything is opened or written
    room = open_room(ctx)
    incident_id = target_incident(room, ref, after_recovery=True)
    if output is None or output == "-":
        stdout = sys.stdout
        if _is_terminal(stdout):
            # Exports keep text exact, control characters included (a team's postmortem
            # template may print raw facts too); a terminal must not get those raw, so there
            # the export goes through the sanitiser like everything else. Pipes and files
            # get the exact text.
            buffer = io.StringIO()
            write_export(room, incident_id, fmt, buffer)
            stdout.write(clean(buffer.getvalue(), multiline=True))
        else:
            write_export(room, incident_id, fmt, stdout)
        stdout.flush()
        return
    path = Path(output).expanduser()

    def write(out: TextIO) -> None:
        write_export(room, incident_id, fmt, out)

    (_replace if force else _create)(path, write)
    click.echo(f"Wrote {one_line(str(path))}.", err=True)


def _is_terminal(stream: TextIO) -> bool:
    return stream.isatty()


def _create(path: Path, write: Callable[[TextIO], None]) -> None:
    """Write a new file; an existing one is never touched. Exclusive creation also settles a
    race with another process creating the same file."""
    try:
        handle = open(path, "x", encoding="utf-8", newline="")  # noqa: SIM115
    except FileExistsError:
        raise WarroomError(
            f"{path} already exists; choose another file or add --force to overwrite it"
        ) from None
    try:
        with handle:
            write(handle)
    except BaseException:
        # Nothing half-written is left behind under the name the user gave.
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def _replace(path: Path, write: Callable[[TextIO], None]) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`: a failed export
    leaves the old file as it was."""
    if path.is_dir():
        raise WarroomError(f"{path} is a folder; give a file name")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        if path.exists():
            shutil.copymode(path, tmp)  # keep the permissions the old file had
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
