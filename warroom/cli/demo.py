"""`warroom demo`: a realistic incident in a scratch database, opened in the war room."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from warroom.config import load_settings
from warroom.domain import system_clock
from warroom.errors import WarroomError
from warroom.room import Actor, Room
from warroom.safe_text import one_line


def demo_db_path() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("warroom")) / "demo.db"


@click.command()
@click.option("--db", "db_path", metavar="PATH", help="Scratch file (default: the user cache).")
@click.option("--no-tui", is_flag=True, help="Only create the demo database and print its path.")
@click.pass_context
def demo(ctx: click.Context, db_path: str | None, no_tui: bool) -> None:
    """Open a demo SEV2 incident mid-response in a scratch database (recreated each time)."""
    from warroom.demo import seed_demo
    from warroom.storage import open_store

    path = Path(db_path).expanduser() if db_path else demo_db_path()
    if db_path and path.exists():
        # The default demo file is ours to recreate; a file the user named may be real.
        raise WarroomError(f"{one_line(str(path))} exists; give the demo a new file name")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = open_store(path)
    ctx.call_on_close(store.close)
    clock = ctx.ensure_object(dict).get("clock", system_clock)
    room = Room(store, Actor.current("demo"), load_settings(), clock)
    incident_id = seed_demo(room)
    click.echo(f"Demo incident INC-{incident_id} in {one_line(str(path))}", err=not no_tui)
    if no_tui:
        click.echo(one_line(str(path)))
        return
    from warroom.tui.run import run_tui

    sys.exit(run_tui(Room(store, Actor.current(None), room.settings, clock), incident_id))
