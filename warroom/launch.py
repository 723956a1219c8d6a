"""The `warroom` entry point. `warroom run -- CMD` starts CMD before the rest of warroom (click,
the storage layer, the config) is imported, and imports it while CMD runs: importing warroom
first would put ~60 ms between pressing Enter and the command starting. Everything else goes
straight to the click CLI.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warroom.actions import Room
    from warroom.runcmd import Captured

# Checked before CMD starts, without importing the domain (~20 ms); a test keeps it equal to
# domain.MITIGATIONS.
MITIGATION_KINDS = ("rollback", "feature-flag", "failover", "reduce-load", "isolate", "other")

_GLOBAL = {"--db": "db_path", "--as": "author"}
_RUN = {
    **_GLOBAL,
    "--mitigation": "mitigation",
    "-m": "mitigation",
    "--at": "at",
    "--incident": "ref",
    "-i": "ref",
}


def parse_run(argv: list[str]) -> tuple[dict[str, str], list[str]] | None:
    """`[--db P] [--as N] run [OPTIONS] [--] CMD ARGS...` -> (options, CMD ARGS), or None for
    anything else (other commands, --help, a mistake): click handles those."""
    options: dict[str, str] = {}
    words = list(argv)

    def take(table: dict[str, str]) -> bool:
        word = words[0]
        name, eq, value = word.partition("=")
        if name not in table:
            return False
        if eq:
            words.pop(0)
        elif len(words) >= 2:
            value = words[1]
            del words[:2]
        else:
            return False
        options[table[name]] = value
        return True

    while words and words[0].startswith("-"):
        if not take(_GLOBAL):
            return None
    if not words or words[0] != "run":
        return None
    words.pop(0)
    while words and words[0].startswith("-"):
        if words[0] == "--":
            words.pop(0)
            break
        if not take(_RUN):
            return None
    if not words:
        return None
    return options, words


def _say(message: str) -> None:
    # What people typed (a program name, a kind) is shown through the one sanitiser.
    from warroom.safe_text import one_line

    sys.stderr.write(f"warroom run: {one_line(message)}\n")
    sys.stderr.flush()


def execute(
    cmd: list[str],
    *,
    mitigation: str | None,
    at: str | None,
    ref: str | None,
    open_room: Callable[[], Room],
    clock: Callable[[], Any] | None = None,
) -> int:
    """Run CMD on this terminal, then record it on the timeline; CMD's exit status.

    A war room that cannot be written (locked, gone, the incident unclear) never stops CMD:
    CMD runs, and warroom says the result was not recorded and why."""
    from warroom import runcmd

    if mitigation is not None and mitigation not in MITIGATION_KINDS:
        _say(f"unknown mitigation {mitigation!r}; choose one of {', '.join(MITIGATION_KINDS)}")
        return 2
    if runcmd.find_program(cmd[0]) is None:
        _say(f"{cmd[0]}: command not found (nothing was run or recorded)")
        return 127
    happened: Any = None
    if at is not None:
        # Rare; worth the import before CMD starts so a typo runs nothing.
        from warroom.domain import parse_at, system_clock
        from warroom.errors import BadInput

        try:
            happened = parse_at(at, (clock or system_clock)())
        except BadInput as exc:
            _say(exc.message)
            return 2

    prepared: dict[str, Any] = {}

    def prepare() -> None:
        # While CMD runs: import warroom, open the file, settle the incident.
        try:
            room = open_room()
            from warroom.views import choose_incident

            with room.read() as conn:
                prepared["incident_id"] = choose_incident(
                    conn, ref, after_recovery=False, env_ref=os.environ.get("WARROOM_INCIDENT")
                )
            prepared["room"] = room
        except BaseException as exc:  # reported once CMD is done, never raised into it
            prepared["error"] = exc

    worker = threading.Thread(target=prepare, name="warroom-run-prepare", daemon=True)
    cwd = os.getcwd()
    result = runcmd.run(cmd, on_started=worker.start)
    worker.join()
    return _record(result, cmd, cwd, prepared, mitigation, happened)


def _record(
    result: Captured,
    cmd: list[str],
    cwd: str,
    prepared: dict[str, Any],
    mitigation: str | None,
    happened: Any,
) -> int:
    import signal
    import socket

    from warroom import actions

    error = prepared.get("error")
    if error is None:
        output, omitted = result.output()
        run = actions.CommandRun(
            argv=tuple(cmd),
            cwd=cwd,
            host=socket.gethostname(),
            exit_code=result.exit_code,
            signal=signal.Signals(result.signal).name if result.signal is not None else None,
            duration_s=result.duration_s,
            output=output,
            output_omitted=omitted,
            tty=result.tty,
        )
        try:
            room, incident_id = prepared["room"], prepared["incident_id"]
            entry = actions.record_command(
                room, incident_id, run, mitigation=mitigation, at=happened
            )
        except BaseException as exc:
            error = exc
        else:
            from warroom.domain import format_ref

            extra = f", {omitted:,} bytes of output not kept" if omitted else ""
            also = " and as a mitigation" if mitigation else ""
            _say(f"recorded on {format_ref(incident_id)} as #{entry}{also}{extra}")
            return result.status
    if isinstance(error, KeyboardInterrupt):
        raise error
    how = (
        f"killed by signal {result.signal}"
        if result.signal is not None
        else f"exit {result.exit_code}"
    )
    _say(
        f"the result was NOT recorded on the timeline: {_describe(error)}"
        f" (the command ran: {how} after {result.duration_s:.1f} s)"
    )
    from warroom.views import AmbiguousIncident

    if isinstance(error, AmbiguousIncident):
        from datetime import UTC, datetime

        from warroom.cli.output import format_incident_row

        for row in error.open_incidents:
            sys.stderr.write("  " + format_incident_row(row, datetime.now(UTC)) + "\n")
    return result.status


def _describe(error: BaseException) -> str:
    from warroom.errors import WarroomError
    from warroom.safe_text import one_line

    if isinstance(error, WarroomError):
        return one_line(error.message)
    if isinstance(error, OSError):
        return one_line(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "))
    return one_line(f"{type(error).__name__}: {error}")


def _open_room_for(options: dict[str, str]) -> Callable[[], Room]:
    def open_room() -> Room:
        from warroom.actions import Actor, Room
        from warroom.config import load_settings
        from warroom.storage import open_store, resolve_db_path

        settings = load_settings()
        actor = Actor.current(options.get("author"))
        store = open_store(resolve_db_path(options.get("db_path")))
        return Room(store=store, actor=actor, settings=settings)

    return open_room


def main() -> None:
    parsed = parse_run(sys.argv[1:])
    if parsed is None:
        from warroom.startup import pause_gc

        pause_gc()  # for the war room's start; commands resume it (warroom/startup.py)
        from warroom.cli import main as cli_main

        cli_main()
        return
    options, cmd = parsed
    status = execute(
        cmd,
        mitigation=options.get("mitigation"),
        at=options.get("at"),
        ref=options.get("ref"),
        open_room=_open_room_for(options),
    )
    sys.exit(status)
