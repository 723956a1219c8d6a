"""The `warroom` entry point. `warroom run -- CMD` starts CMD before the rest of warroom (click,
the storage layer, the config) is imported, and imports it while CMD runs: importing warroom
first would put ~60 ms between pressing Enter and the command starting. Everything else goes
straight to the click CLI.

Where `run`'s time went (issue 11; -X importtime, perf_counter marks, strace -T): before CMD,
importing typing and threading (~3 ms); while CMD runs (so in full when CMD ends at once),
loading the config (platformdirs, tomllib: 5-10 ms), which recording never reads; after CMD,
importing socket and the sanitiser (~5 ms), then the interpreter's teardown of the ~150
modules loaded (15-20 ms, more than the write itself).
So before CMD only light standard modules are imported; everything the record needs is loaded
and opened while CMD runs; after CMD come the insert, the commit, closing the file, and
os._exit. What is left after CMD is mostly fsync: the commit's, plus the -wal's creation and
the checkpoint when the last connection closes (kept: the file alone then holds the record).

With a CMD that ends at once, the imports of the record path were most of the rest (~35 ms:
the domain, the views, typing, dataclasses and inspect). The rules recording needs live in
light modules the heavy ones re-export (warroom.basics, warroom.incident_choice,
warroom.commands), so there is still one definition of each; tests/test_run.py checks that
the record path imports none of the heavy ones.
"""

from __future__ import annotations

import os
import sys

# Not `from typing import TYPE_CHECKING`: importing typing costs ~2 ms before CMD starts.
# mypy treats any constant of this name the same way.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from warroom.room import Room
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
        # While CMD runs: import what the record needs, open the file (schema checked),
        # settle the incident, so that after CMD only the insert and the commit are left.
        try:
            room = open_room()
            from importlib import import_module

            from warroom.incident_choice import choose_incident

            for used_after_cmd in ("warroom.commands", "warroom.safe_text"):  # _record, _say
                import_module(used_after_cmd)

            with room.read() as conn:
                prepared["incident_id"] = choose_incident(
                    conn, ref, after_recovery=False, env_ref=os.environ.get("WARROOM_INCIDENT")
                )
            # socket.gethostname() is uname's nodename on Linux; os has it without importing
            # socket (~3 ms).
            prepared["host"] = os.uname().nodename
            prepared["room"] = room
        except BaseException as exc:  # reported once CMD is done, never raised into it
            prepared["error"] = exc

    workers: list[Any] = []

    def start_preparing() -> None:
        # threading is imported here, once CMD runs, not before it starts.
        import threading

        worker = threading.Thread(target=prepare, name="warroom-run-prepare", daemon=True)
        worker.start()
        workers.append(worker)

    cwd = os.getcwd()
    result = runcmd.run(cmd, on_started=start_preparing)
    for worker in workers:
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

    from warroom import commands

    if result.open_line:
        # The command's output (or ^C's echo) left the cursor mid-line: ours starts a new one.
        sys.stderr.write("\n")
    error = prepared.get("error")
    if error is None:
        output, omitted = result.output()
        run = commands.CommandRun(
            argv=tuple(cmd),
            cwd=cwd,
            host=prepared["host"],
            exit_code=result.exit_code,
            signal=signal.Signals(result.signal).name if result.signal is not None else None,
            duration_s=result.duration_s,
            output=output,
            output_omitted=omitted,
            tty=result.tty,
        )
        try:
            room, incident_id = prepared["room"], prepared["incident_id"]
            entry = commands.record_command(
                room, incident_id, run, mitigation=mitigation, at=happened
            )
        except BaseException as exc:
            error = exc
        else:
            from warroom.basics import format_ref

            extra = f", {omitted:,} bytes of output not kept" if omitted else ""
            also = ""
            if mitigation is not None:
                also = (
                    " and as a mitigation"
                    if run.succeeded
                    else f" (the {mitigation} attempt did not succeed: not logged as a mitigation)"
                )
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
    from warroom.incident_choice import AmbiguousIncident

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


def _open_room_for(options: dict[str, str], opened: list[Room]) -> Callable[[], Room]:
    def open_room() -> Room:
        from warroom.room import Actor, Room
        from warroom.storage import open_store, resolve_db_path

        # No config: recording a command reads none of it (the checklist it ticks was made
        # at declare), and loading it (platformdirs, tomllib) took 5-10 ms.
        actor = Actor.current(options.get("author"))
        store = open_store(resolve_db_path(options.get("db_path")))
        room = Room(store=store, actor=actor)
        opened.append(room)
        return room

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
    opened: list[Room] = []
    status = execute(
        cmd,
        mitigation=options.get("mitigation"),
        at=options.get("at"),
        ref=options.get("ref"),
        open_room=_open_room_for(options, opened),
    )
    # The record is committed (synchronous=FULL: on disk) before "recorded" is printed, and
    # the worker is joined. Close the file as every command does (the last connection
    # checkpoints and removes the -wal, so no stale -wal is left beside the path), flush, and
    # skip the interpreter's teardown of every module loaded: it took longer than the write.
    for room in opened:
        room.store.close()
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        # The reader went away (`| head`): nothing of ours is left unsaid there.
        with contextlib.suppress(OSError):
            stream.flush()
    os._exit(status)
