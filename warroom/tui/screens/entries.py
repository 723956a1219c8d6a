"""Pickers for many hands: an entry of the timeline to open whole (and correct), and whether
a held role is handed over or assigned at once."""

from __future__ import annotations

from rich.text import Text

from warroom.domain import ROLES, short_kind
from warroom.room import Room
from warroom.safe_text import one_line
from warroom.tui.entry_text import timeline_text
from warroom.tui.screens.pickers import ChoiceScreen
from warroom.views import Entry, corrections, entry_corrects, tail

RECENT = 200


def brief_text(room: Room, incident_id: int) -> str:
    """The brief, as `warroom brief` prints it (read in a worker)."""
    from warroom.brief import build_brief, render_brief

    with room.read() as conn:
        return render_brief(build_brief(conn, incident_id, room.settings, room.now()))


def recent_entries(room: Room, incident_id: int) -> tuple[list[Entry], dict[int, Entry]]:
    """The newest entries, newest first, and each corrected one's latest correction (read in a
    worker)."""
    with room.read() as conn:
        entries = tail(conn, incident_id, RECENT)
        latest = corrections(conn, incident_id)
    entries.reverse()
    return entries, latest


def correction_state(entry: Entry, latest: dict[int, Entry]) -> tuple[str, str]:
    """(what to say of it, the text `c` starts from), for an entry opened from the list:
    a corrected original says so, and so does a correction superseded since (a correction
    of a correction corrects the same original: actions.correct); `c` starts from the latest
    correction either way (starting from an older text undid the corrections after it)."""
    fix = latest.get(entry.id)
    if fix is not None:
        return f"(original; corrected in #{fix.id})", fix.text
    root = entry_corrects(entry)
    newest = latest.get(root) if root is not None else None
    if newest is not None and newest.id != entry.id:
        return f"(superseded by #{newest.id})", newest.text
    return "", entry.text


def entry_picker(entries: list[Entry], latest: dict[int, Entry]) -> ChoiceScreen:
    """The list opens originals (what c corrects): a corrected one says so, as `tail
    --original` does, since its text is no longer what the timeline shows."""

    def marked(e: Entry) -> str:
        since = correction_state(e, latest)[0]
        return f"{since} " if since else ""

    options = [
        (
            str(e.id),
            Text(
                f"#{e.id} {e.ts.astimezone():%H:%M:%S} {one_line(e.author, 14)}"
                f" {one_line(short_kind(e.kind), 14)}: "
            )
            + Text(one_line(marked(e) + timeline_text(e), 90)),
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
