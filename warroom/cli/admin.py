"""Looking after the incident file: `warroom init [--shared PATH --group G]`, `warroom backup`."""

from __future__ import annotations

from pathlib import Path

import click

from warroom.cli.common import common_options, open_room
from warroom.errors import BadInput
from warroom.safe_text import one_line
from warroom.storage import open_store, resolve_db_path
from warroom.storage.connection import check_integrity


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


@click.command()
@click.option(
    "--shared",
    "shared_path",
    metavar="PATH",
    help="Create PATH for a team: readable and writable by every member of --group.",
)
@click.option("--group", metavar="GROUP", help="The Unix group of the responders (with --shared).")
@common_options
@click.pass_context
def init(ctx: click.Context, shared_path: str | None, group: str | None) -> None:
    """Create the incident database, or with --shared a team's shared one.

    \b
    warroom init --shared /srv/warroom/incidents.db --group oncall
    export WARROOM_DB=/srv/warroom/incidents.db    # each responder, e.g. in ~/.profile
    """
    from warroom.storage import sharing

    if (shared_path is None) != (group is None):
        raise BadInput("--shared PATH and --group GROUP go together")
    if shared_path is None or group is None:
        path = resolve_db_path(ctx.ensure_object(dict).get("db_path"))
        store = open_store(path)
        try:
            check_integrity(store)  # "ready" only when SQLite finds the file whole
        finally:
            store.close()
        click.echo(f"Database ready: {one_line(str(path))}")
        return
    if not shared_path.strip():
        raise BadInput("--shared needs a file path")
    team = sharing.find_group(group)
    sharing.require_member(team)
    setup = sharing.prepare_shared(Path(shared_path), team)
    store = open_store(setup.path, file_mode=sharing.FILE_MODE)
    try:
        check_integrity(store)
        # Checked while open, so that -wal and -shm exist and are checked too.
        files = sharing.finish_shared(setup.path, team)
    finally:
        store.close()
    name = one_line(team.gr_name)
    where = one_line(str(setup.path))
    verb = "Created" if setup.created_file else "Shared"
    click.echo(f"{verb} {where} for group {name}; others have no access.")
    folder = "created" if setup.created_folder else "already set up"
    mode = sharing.folder_mode(setup.path.parent)
    click.echo(
        f"  folder {one_line(str(setup.path.parent))}: mode {mode:04o}, group {name} ({folder})"
    )
    for line in files:
        click.echo(f"  {one_line(line)}")
    for warning in setup.warnings:
        click.echo(f"  warning: {one_line(warning)}")
    click.echo(f"Each responder in {name} uses it with:")
    click.echo(f"  export WARROOM_DB={where}")


@click.command()
@click.argument("dest", metavar="DEST")
@click.option("--force", is_flag=True, help="Overwrite DEST if it exists.")
@common_options
@click.pass_context
def backup(ctx: click.Context, dest: str, force: bool) -> None:
    """Write a consistent copy of the database to DEST (mode 0600), while others keep writing.

    \b
    warroom backup ~/warroom-$(date +%F).db
    """
    from warroom.storage.backup import backup_to

    if not dest.strip():
        raise BadInput("DEST needs a file path")
    room = open_room(ctx, readonly=True)
    result = backup_to(room.store, Path(dest), force=force)
    click.echo(
        f"Backed up {_count(result.incidents, 'incident')} and"
        f" {_count(result.entries, 'timeline entry', 'timeline entries')}"
        f" to {one_line(str(result.path))} ({_size(result.size)})."
    )
    click.echo(f"Chain head {result.head}: keep it; `warroom verify --against` checks it later.")
