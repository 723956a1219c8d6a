"""The catch-up brief: what a new role holder or a late joiner needs, in a fixed order.

`build_brief` reads one snapshot into a `Brief`; `render_brief` turns it into plain text. The
text depends only on the data and `now` (times in UTC, durations from `now`), so the same
incident gives the same brief on every host and in every zone: it is stored as is with a
handover. The text is raw (people's text unsanitised); faces show it through safe_text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from warroom.domain import (
    CORRECTED_MARK,
    ROLES,
    STEP_LABELS,
    Settings,
    fold_lines,
    format_duration,
    is_overdue,
)
from warroom.storage import Connection
from warroom.storage import queries as q
from warroom.views import (
    ChecklistItem,
    Entry,
    Followup,
    Incident,
    PendingHandover,
    corrections,
    followups,
    load_incident,
    pending_handovers,
)

LAST_ENTRIES = 10
LATEST_NOTES = 5
TRIED = 10
LINE_LIMIT = 160


@dataclass(frozen=True)
class Brief:
    incident: Incident
    tried: tuple[Entry, ...]  # mitigations and captured commands, oldest first
    notes: tuple[Entry, ...]
    last: tuple[Entry, ...]
    open_items: tuple[ChecklistItem, ...]
    open_followups: tuple[Followup, ...]
    handovers: tuple[PendingHandover, ...]
    corrected: dict[int, Entry]
    now: datetime


def build_brief(conn: Connection, incident_id: int, settings: Settings, now: datetime) -> Brief:
    incident = load_incident(conn, incident_id, settings)
    tried = [
        Entry.from_row(r)
        for r in q.latest_of_kinds(conn, incident_id, ("mitigation", "command"), TRIED)
    ]
    # A mitigation made by `warroom run --mitigation` repeats its command entry: show it once.
    tried = [e for e in tried if not (e.kind == "mitigation" and _data(e, "command_entry"))]
    notes = [
        Entry.from_row(r) for r in q.latest_of_kinds(conn, incident_id, ("note",), LATEST_NOTES)
    ]
    last = [Entry.from_row(r) for r in q.timeline_tail(conn, incident_id, LAST_ENTRIES)]
    return Brief(
        incident=incident,
        tried=tuple(tried),
        notes=tuple(notes),
        last=tuple(last),
        open_items=tuple(i for i in incident.checklist if not i.done),
        open_followups=tuple(followups(conn, incident_id)),
        handovers=tuple(pending_handovers(conn, incident_id)),
        corrected=corrections(conn, incident_id),
        now=now,
    )


def _data(entry: Entry, key: str) -> object:
    return entry.data.get(key) if isinstance(entry.data, dict) else None


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%H:%M} UTC"


def _ago(moment: datetime, now: datetime) -> str:
    return f"{format_duration((now - moment).total_seconds())} ago"


def _line(text: str, limit: int = LINE_LIMIT) -> str:
    """One line of a brief: the first line of the text, cut, with how much more there is."""
    (first,), more = fold_lines(text, 1)
    if len(first) > limit:
        first = first[: limit - 1] + "\u2026"
    return first + (f" (+{more:,} more line{'' if more == 1 else 's'})" if more else "")


def _entry_text(entry: Entry, brief: Brief) -> str:
    fix = brief.corrected.get(entry.id)
    if fix is not None:
        return f"{CORRECTED_MARK} " + _line(fix.text)
    return _line(entry.text)


def render_brief(brief: Brief) -> str:
    inc, now = brief.incident, brief.now
    out: list[str] = []
    out.append(f"Brief for {inc.ref}: {_line(inc.title)}")
    out.append(f"as of {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    out.append("")
    out.append(f"Status:    {inc.status}")
    out.append(f"Severity:  {inc.severity}")
    out.append(f"Declared:  {_utc(inc.declared_at)} ({_ago(inc.declared_at, now)})")
    if inc.last_update_at is not None:
        out.append(
            f"Last customer update: {_utc(inc.last_update_at)} ({_ago(inc.last_update_at, now)})"
        )
    else:
        out.append("Last customer update: none yet")
    due = inc.next_update_due
    if due is None:
        out.append("Next update due: none required")
    elif is_overdue(due, now):
        out.append(f"Next update due: OVERDUE since {_utc(due)} ({_ago(due, now)})")
    else:
        left = format_duration((due - now).total_seconds())
        out.append(f"Next update due: {_utc(due)} (in {left})")
    out.append("")
    out.append("Impact now")
    out.append(f"  impact:     {_line(inc.impact) if inc.impact else '(not recorded)'}")
    out.append(f"  affected:   {_line(inc.affected) if inc.affected else '(not recorded)'}")
    out.append(f"  workaround: {_line(inc.workaround) if inc.workaround else '(none recorded)'}")
    if inc.services:
        out.append(f"  services:   {', '.join(inc.services)}")
    out.append("")
    out.append("Roles")
    for key, label in ROLES.items():
        holder = inc.roles.get(key)
        line = f"  {label + ':':<22}{holder or '(unassigned)'}"
        for h in brief.handovers:
            if h.role == key:
                line += f"  (handing over to {h.to_name}, not yet acknowledged)"
        out.append(line)
    out.append("")
    out.append("What was tried")
    if not brief.tried:
        out.append("  (nothing logged yet)")
    for entry in brief.tried:
        out.append(f"  {_utc(entry.ts)}  {entry.author}: {_entry_text(entry, brief)}")
    out.append("")
    out.append("Latest notes")
    if not brief.notes:
        out.append("  (none)")
    for entry in brief.notes:
        out.append(f"  {_utc(entry.ts)}  {entry.author}: {_entry_text(entry, brief)}")
    out.append("")
    out.append("Open checklist items")
    if not brief.open_items:
        out.append("  (all done)")
    for item in brief.open_items:
        step = STEP_LABELS.get(item.step, item.step).split(". ", 1)[-1].lower()
        out.append(f"  {item.number}. {item.text} ({step})")
    out.append("")
    out.append("Open follow-ups")
    if not brief.open_followups:
        out.append("  (none)")
    for f in brief.open_followups:
        extra = ", ".join(x for x in (f.owner or "", f"due {f.due}" if f.due else "") if x)
        out.append(f"  #{f.id} {_line(f.text)}" + (f" ({extra})" if extra else ""))
    out.append("")
    out.append(f"Last {len(brief.last)} entries")
    for entry in brief.last:
        out.append(
            f"  {_utc(entry.ts)}  #{entry.id} {entry.kind:<10} {entry.author}:"
            f" {_entry_text(entry, brief)}"
        )
    return "\n".join(out)
