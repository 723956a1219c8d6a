"""What else a responder must know while looking at one incident: other open incidents,
handovers waiting (one waiting for *you* most of all), and what others just changed (shown as
a brief notification: severity, status, roles, handovers, published updates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.domain import ROLES
from warroom.room import Actor, Room
from warroom.views import (
    Entry,
    PendingHandover,
    count_after,
    entries_of_kinds_after,
    last_entry_id,
    last_seen,
    list_incidents,
    pending_handovers,
)

AWARE_KINDS = ("severity", "status", "role", "update", "handover", "handover_ack")


@dataclass(frozen=True)
class Situation:
    incident_id: int
    others_open: tuple[dict[str, Any], ...]
    pending: tuple[PendingHandover, ...]
    news: tuple[Entry, ...]  # changes by others since `after_id`
    newest: int
    # On the first look only: entries since this login last looked (brief, war room), and when.
    unseen: int = 0
    seen_at: datetime | None = None


def load_situation(room: Room, incident_id: int, after_id: int | None) -> Situation:
    """`after_id` None: the first look, which reports no news (nothing just happened)."""
    with room.read() as conn:
        newest = last_entry_id(conn)
        others = tuple(
            r for r in list_incidents(conn, include_resolved=False) if r["id"] != incident_id
        )
        pending = tuple(pending_handovers(conn, incident_id))
        news: tuple[Entry, ...] = ()
        unseen, seen_at = 0, None
        if after_id is not None:
            fresh = entries_of_kinds_after(conn, incident_id, AWARE_KINDS, after_id)
            news = tuple(e for e in fresh if not is_mine(e, room.actor))
        else:
            seen = last_seen(conn, incident_id, room.actor.login)
            if seen is not None:
                # What others wrote: one's own notes (from any shell) are not news.
                unseen = count_after(conn, incident_id, seen[0], not_by=room.actor.login)
                seen_at = seen[1]
    return Situation(incident_id, others, pending, news, newest, unseen, seen_at)


def is_mine(entry: Entry, me: Actor) -> bool:
    return entry.author == me.name and (entry.login is None or entry.login == me.login)


def toast(entry: Entry) -> str:
    """The notification for someone else's change: who, and the entry's own words."""
    return f"{entry.author}: {entry.text}"


def waiting_for(situation: Situation, me: Actor) -> list[PendingHandover]:
    return [h for h in situation.pending if h.to_name.casefold() == me.name.casefold()]


def bar_lines(situation: Situation, me: Actor) -> list[tuple[str, str]]:
    """(style class, plain text) lines for the situation bar; empty when nothing to say."""
    lines: list[tuple[str, str]] = []
    for h in waiting_for(situation, me):
        lines.append(
            (
                "-yours",
                f"{h.from_name} is handing you {ROLES[h.role].lower()}: press K to take it"
                " over (b: read the brief first)",
            )
        )
    for h in situation.pending:
        if h.to_name.casefold() != me.name.casefold():
            lines.append(
                (
                    "-handover",
                    f"Handing over: {ROLES[h.role].lower()} {h.from_name} \u2192 {h.to_name}"
                    f" (waiting for {h.to_name} to acknowledge)",
                )
            )
    if situation.unseen and situation.seen_at is not None:
        plural = "entry" if situation.unseen == 1 else "entries"
        lines.append(
            (
                "-seen",
                f"{situation.unseen:,} new {plural} since you last looked"
                f" ({situation.seen_at.astimezone():%H:%M}); b: the brief",
            )
        )
    others = situation.others_open
    if others:
        names = ", ".join(f"{r['ref']} {r['severity']} {r['title']}" for r in others[:3])
        more = f" and {len(others) - 3} more" if len(others) > 3 else ""
        plural = "s" if len(others) != 1 else ""
        lines.append(
            ("-others", f"+{len(others)} other open incident{plural} (i: switch): {names}{more}")
        )
    return lines
