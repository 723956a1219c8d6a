"""What every command shares: `--db` and `--as`, opening the room, the incident to act on."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import click

from warroom.config import load_settings
from warroom.domain import system_clock
from warroom.room import Actor, Room
from warroom.safe_text import one_line
from warroom.storage import open_store, resolve_db_path
from warroom.storage.connection import check_integrity, close_for_good, open_for_reading
from warroom.views import choose_incident

F = TypeVar("F", bound=Callable[..., Any])


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    # Stored on the shared obj so `warroom --db X note` and `warroom note --db X` both work.
    if value is not None and param.name == "db_path" and not str(value).strip():
        # An empty --db (an unset variable in a script) must not fall back to the default file.
        raise click.BadParameter("needs a file path", ctx=ctx, param=param)
    if value is not None:
        ctx.ensure_object(dict)[param.name] = value
    return value


def common_options(f: F) -> F:
    f = click.option(
        "--db",
        "db_path",
        metavar="PATH",
        expose_value=False,
        callback=_remember,
        help="Incident database (default: $WARROOM_DB, else the user data folder).",
    )(f)
    f = click.option(
        "--as",
        "author",
        metavar="NAME",
        expose_value=False,
        callback=_remember,
        help="Your name on the timeline (default: $WARROOM_USER, else your login).",
    )(f)
    return f


def _ref(text: str) -> int | str:
    from warroom.basics import parse_ref
    from warroom.errors import BadInput

    try:
        return parse_ref(text)
    except BadInput:
        return text  # refused with its own message once the incident is looked up


def incident_ref(f: F) -> F:
    """The incident as a REF argument (`warroom tail INC-3`) or as `-i REF`, as the commands
    that write take it (`warroom note -i 3`): a responder used to one typed the other and got
    "No such option". Both at once must agree."""

    @functools.wraps(f)
    def merged(*args: Any, ref: str | None, incident_ref: str | None, **kwargs: Any) -> Any:
        if ref is not None and incident_ref is not None and _ref(ref) != _ref(incident_ref):
            from warroom.errors import BadInput

            raise BadInput(f"REF {ref!r} and --incident {incident_ref!r} name two incidents")
        return f(*args, ref=ref if ref is not None else incident_ref, **kwargs)

    merged = click.option("--incident", "-i", "incident_ref", metavar="REF", help="Same as REF.")(
        merged
    )
    return click.argument("ref", required=False)(merged)  # type: ignore[return-value]


incident_option = click.option(
    "--incident",
    "-i",
    "ref",
    metavar="REF",
    help="Incident to act on (INC-12 or 12; default: $WARROOM_INCIDENT, else the one open"
    " incident).",
)


def open_room(
    ctx: click.Context, *, readonly: bool = False, reading: bool = False, check_later: bool = False
) -> Room:
    """The store, settings, author and clock for this invocation; closed when it ends.
    `reading`: a command that only reads, which still reads a file on a full disk or in a
    read-only folder (see open_for_reading). Tests inject a clock with
    `CliRunner().invoke(cli, args, obj={"clock": ...})`."""
    obj = ctx.ensure_object(dict)
    room = obj.get("room")
    if isinstance(room, Room):
        return room
    settings = load_settings()
    actor = Actor.current(obj.get("author"))
    path = resolve_db_path(obj.get("db_path"))
    if reading and not readonly:
        store, warning = open_for_reading(path)
        if warning:
            click.echo(f"warroom: {one_line(warning)}", err=True)
    else:
        store = open_store(path, readonly=readonly)
        if not readonly and not store.created and check_later:
            # The war room checks before its first write (tui/session.py), after drawing.
            store.check_pending = True
        elif not readonly and not store.created:
            try:
                check_integrity(store)  # before any command writes to it
            except BaseException:
                store.close()
                raise
    ctx.call_on_close(partial(close_for_good, store))
    room = Room(store=store, actor=actor, settings=settings, clock=obj.get("clock", system_clock))
    obj["room"] = room
    return room


def target_incident(room: Room, ref: str | None, *, after_recovery: bool = False) -> int:
    """`-i REF`, else `$WARROOM_INCIDENT`, else the one open incident; several open and none
    named is refused (exit 2) with the list of open incidents."""
    if room.store.created:
        # This command made the file (and removes it again as it fails): the team's file is
        # not there. "No open incident; declare one" sent a responder whose file had been
        # deleted or moved off to start a fresh one (drill).
        from warroom.errors import WarroomError

        raise WarroomError(
            f"no warroom database at {room.store.path}; check --db or $WARROOM_DB (deleted"
            ' or moved?). To start one: warroom declare "TITLE" --severity SEV2'
        )
    with room.read() as conn:
        return choose_incident(
            conn,
            ref,
            after_recovery=after_recovery,
            env_ref=os.environ.get("WARROOM_INCIDENT"),
        )
