"""Pickers for many hands: an entry of the timeline to open whole (and correct), and whether
a held role is handed over or assigned at once."""

from __future__ import annotations

from rich.text import Text

from warroom.domain import ROLES
from warroom.room import Room
from warroom.safe_text import one_line
from warroom.tui.entry_text import timeline_text
from warroom.tui.screens.pickers import ChoiceScreen
from warroom.views import Entry, tail

RECENT = 200


def brief_text(room: Room, incident_id: int) -> str:
    """The brief, as `warroom brief` prints it (read in a worker)."""
    from warroom.brief import build_brief, render_brief

    with room.read() as conn:
        return render_brief(build_brief(conn, incident_id, room.settings, room.now()))


def recent_entries(room: Room, incident_id: int) -> list[Entry]:
    """The newest entries, newest first (read in a worker)."""
    with room.read() as conn:
        entries = tail(conn, incident_id, RECENT)
    entries.reverse()
    return entries


def entry_picker(entries: list[Entry]) -> ChoiceScreen:
    options = [
        (
            str(e.id),
            Text(f"#{e.id} {e.ts.astimezone():%H:%M:%S} {one_line(e.author, 14)} {e.kind}: ")
            + Text(one_line(timeline_text(e), 90)),
        )
        for e in entries
    ]
    return ChoiceScreen(
        "Open an entry whole (newest first); c in it corrects it",
        options,
        hint="Enter opens · Esc cancels",
    )


def handover_choice(role: str, holder: str, name: str) -> ChoiceScreen:
    label = ROLES[role].lower()
    return ChoiceScreen(
        f"{one_line(holder, 30)} holds {label}",
        [
            (
                "handover",
                Text(
                    f"Hand over to {one_line(name, 30)}: {one_line(holder, 30)} keeps it until"
                    f" {one_line(name, 30)} acknowledges (K in their war room, or warroom ack);"
                    " a brief is written for them"
                ),
            ),
            ("assign", Text(f"Assign to {one_line(name, 30)} now")),
        ],
        current="handover",
    )
