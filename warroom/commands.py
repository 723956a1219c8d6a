"""Recording a command (`warroom run`) as one action, and the write transaction every action
uses, kept apart from warroom.actions so that `warroom run` records without importing the
other actions, the views and the domain (~15 ms; issue 11). warroom.actions re-exports them:
there is one definition of the insert, the chain, the entry's text and data.

Only light modules may be imported here; a test in tests/test_run.py checks it.
"""

from __future__ import annotations

from contextlib import contextmanager

from warroom.basics import (
    AUTO_EVENTS,
    MAX_NOTE_BYTES,
    MITIGATIONS,
    command_succeeded,
    command_summary,
    format_ref,
    to_iso,
)
from warroom.errors import BadInput
from warroom.storage import queries as q

TYPE_CHECKING = False  # not typing's: importing typing costs ~3 ms on `warroom run`'s path
if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime
    from typing import Any

    from warroom.room import Room
    from warroom.storage import Connection


class Tx:
    """A write in progress: one timestamp for everything the action records."""

    def __init__(self, room: Room, conn: Connection) -> None:
        self.room = room
        self.conn = conn
        self.ts = to_iso(room.now())

    def log(
        self, incident_id: int, kind: str, text: str, data: dict[str, Any] | None = None
    ) -> int:
        return q.append_timeline(
            self.conn,
            incident_id=incident_id,
            ts=self.ts,
            author=self.room.actor.name,
            login=self.room.actor.login,
            kind=kind,
            text=text,
            data=data,
        )

    def incident_row(self, incident_id: int) -> q.Row:
        row = q.get_incident(self.conn, incident_id)
        if row is None:
            raise BadInput(f"no incident {format_ref(incident_id)}")
        return row

    def auto_tick(self, incident_id: int, event: str) -> None:
        """Tick the checklist items that this event completes, each with its own entry."""
        for item in q.open_auto_items(self.conn, incident_id, event):
            q.set_checked(
                self.conn, item["id"], self.ts, self.room.actor.name, self.room.actor.login
            )
            self.log(
                incident_id,
                "checklist",
                f"Checklist: ticked {item['text']!r} (auto: {AUTO_EVENTS[event]})",
                {"item": item["position"], "done": True, "auto": event},
            )


@contextmanager
def write(room: Room) -> Iterator[Tx]:
    with room.store.write() as conn:
        yield Tx(room, conn)


def at_data(room: Room, at: datetime | None) -> dict[str, str]:
    """`--at`: when it happened, if earlier than now, kept in the entry's data beside ts."""
    if at is None:
        return {}
    if at.tzinfo is None:
        raise ValueError("naive datetime for --at; pass an aware one")
    if at > room.now():
        raise BadInput("--at is in the future; it records when something happened")
    return {"at": to_iso(at)}


class CommandRun:
    """A command run through `warroom run`, as captured. (Not a @dataclass: importing
    dataclasses cost `warroom run` ~3-8 ms.)"""

    __slots__ = (
        "argv",
        "cwd",
        "duration_s",
        "exit_code",
        "host",
        "output",
        "output_omitted",
        "signal",
        "tty",
    )

    def __init__(
        self,
        *,
        argv: tuple[str, ...],
        cwd: str,
        host: str,
        exit_code: int | None,
        signal: str | None,  # e.g. "SIGINT" when a signal ended it
        duration_s: float,
        output: str,
        output_omitted: int = 0,  # bytes of output between the kept head and tail
        tty: bool = False,
    ) -> None:
        self.argv = argv
        self.cwd = cwd
        self.host = host
        self.exit_code = exit_code
        self.signal = signal
        self.duration_s = duration_s
        self.output = output
        self.output_omitted = output_omitted
        self.tty = tty

    @property
    def succeeded(self) -> bool:
        return command_succeeded(self.exit_code, self.signal)


def record_command(
    room: Room,
    incident_id: int,
    run: CommandRun,
    *,
    mitigation: str | None = None,
    at: datetime | None = None,
) -> int:
    """One `command` entry for a captured command. With `mitigation` (a MITIGATIONS kind) and
    a command that succeeded, also a mitigation entry pointing at it, which ticks the
    checklist. A failed or interrupted attempt is the command entry alone, its text and
    `data.mitigation` saying what was attempted: it is never logged as a mitigation."""
    if not run.argv:
        raise BadInput("no command given")
    if mitigation is not None and mitigation not in MITIGATIONS:
        raise BadInput(f"unknown mitigation {mitigation!r}; choose one of {', '.join(MITIGATIONS)}")
    output = run.output
    if len(output.encode("utf-8", errors="replace")) > MAX_NOTE_BYTES:
        raise ValueError("captured output over MAX_NOTE_BYTES; runcmd keeps less than that")
    data: dict[str, Any] = {
        "argv": list(run.argv),
        "cwd": run.cwd,
        "host": run.host,
        "duration_s": round(run.duration_s, 3),
        "output": output,
        "tty": run.tty,
        **at_data(room, at),
    }
    if run.signal is not None:
        data["signal"] = run.signal
    else:
        data["exit_code"] = run.exit_code
    if run.output_omitted:
        data["output_omitted_bytes"] = run.output_omitted
    if mitigation is not None:
        data["mitigation"] = mitigation
    text = command_summary(
        run.argv, run.exit_code, run.signal, run.duration_s, attempted=mitigation
    )
    with write(room) as tx:
        tx.incident_row(incident_id)
        entry = tx.log(incident_id, "command", text, data)
        if mitigation is not None and run.succeeded:
            label = MITIGATIONS[mitigation] if mitigation != "other" else "Mitigation"
            tx.log(
                incident_id,
                "mitigation",
                f"{label}: {text}",
                {"action": mitigation, "command_entry": entry, **at_data(room, at)},
            )
            tx.auto_tick(incident_id, "mitigation")
        return entry
