"""Terminal output for the CLI: local times, colours on a TTY, every user text sanitised."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

import click

from warroom.domain import (
    ROLES,
    SOURCES,
    STEP_LABELS,
    corrected_prefix,
    corrects_prefix,
    fold_lines,
    format_duration,
    more_lines,
    short_kind,
    update_countdown,
)
from warroom.safe_text import clean, one_line, person
from warroom.views import Delivery, Entry, Incident, describe_delivery

SEVERITY_COLOURS = {"SEV1": "red", "SEV2": "yellow", "SEV3": "cyan", "SEV4": "white"}
KIND_COLOURS = {
    "declared": "red",
    "note": "white",
    "triage": "magenta",
    "severity": "yellow",
    "status": "cyan",
    "role": "blue",
    "checklist": "green",
    "mitigation": "bright_yellow",
    "update": "bright_green",
    "followup": "bright_blue",
    "delivery": "bright_red",
    "alert": "bright_red",
    "command": "bright_cyan",
    "correction": "bright_magenta",
    "handover": "bright_blue",
    "handover_ack": "bright_blue",
}


def use_color() -> bool:
    """Colours only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def local_time(moment: datetime, now: datetime, *, seconds: bool = True) -> str:
    """Local wall-clock time, with the date when it is not today."""
    # time.localtime and plain formatting: `tail -n 100000` formats every entry's time, and
    # datetime.astimezone + strftime cost twice as much.
    t = time.localtime(moment.timestamp())
    text = (
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
        if seconds
        else (f"{t.tm_hour:02d}:{t.tm_min:02d}")
    )
    if (t.tm_year, t.tm_yday) != _local_day(now.timestamp()):
        text = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} {text}"
    return text


@lru_cache(maxsize=4)
def _local_day(epoch: float) -> tuple[int, int]:
    t = time.localtime(epoch)
    return t.tm_year, t.tm_yday


def relative(moment: datetime, now: datetime) -> str:
    delta = (moment - now).total_seconds()
    if abs(delta) < 1:
        return "now"
    return f"in {format_duration(delta)}" if delta > 0 else f"{format_duration(delta)} ago"


def severity_label(severity: str, color: bool) -> str:
    return (
        click.style(severity, fg=SEVERITY_COLOURS.get(severity), bold=True) if color else severity
    )


def author_label(entry: Entry) -> str:
    """The display name, plus the Unix login where it differs: `--as` is a claim, the login
    is who actually wrote the entry."""
    return _author_label(entry.author, entry.login)


@lru_cache(maxsize=512)
def _author_label(author: str, login: str | None) -> str:
    # A timeline has few distinct authors and many entries: sanitise each pair once.
    return person(author, login, 16)


AUTHOR_WIDTH = 16  # cells: a name alone; `name (login x)` widens the column to fit


@lru_cache(maxsize=512)
def _cells(text: str) -> int:
    from rich.cells import cell_len  # rich ships with textual; keep import cost off the CLI

    return cell_len(text)


def author_width(entries: Iterable[Entry], at_least: int = AUTHOR_WIDTH) -> int:
    """The author column's width in cells for these entries: wide enough for each label
    (a login beside a name included), so the columns after it stay aligned."""
    return max([at_least, *(_cells(author_label(e)) for e in entries)])


def entry_body(
    entry: Entry,
    now: datetime,
    *,
    full: bool = False,
    correction: Entry | None = None,
    original: bool = False,
) -> str:
    """An entry's text as the CLI shows it: sanitised; a long text folded unless `full`;
    a correction marked; `--at` shown beside the logged time; `correction` (the latest one
    of this entry) shown in its place unless `original`."""
    text = entry.text
    prefix = ""
    if entry.data:
        from warroom.views import entry_corrects, entry_happened_at

        at = entry_happened_at(entry)
        if at is not None:
            prefix = f"(happened {local_time(at, now)}) "
        target = entry_corrects(entry)
        if target is not None:
            prefix += corrects_prefix(target)
    if correction is not None and not original:
        text = correction.text
        from warroom.views import entry_happened_at

        at = entry_happened_at(correction)
        if at is not None:  # `correct --at`: when it happened is corrected too
            prefix = f"(happened {local_time(at, now)}) "
        prefix += corrected_prefix(correction.id)
    elif correction is not None:
        prefix += f"(original; corrected in #{correction.id}) "
    attached = {"command": "output", "handover": "brief"}.get(entry.kind)
    if attached and isinstance(entry.data, dict):
        extra_text = entry.data.get(attached)
        if isinstance(extra_text, str) and extra_text:
            text = f"{text}\n{extra_text}"
    if "\n" not in text:
        return prefix + one_line(text)
    if full:
        body = clean(text.rstrip("\n"), multiline=True).replace("\n", "\n    ")
        return prefix + body
    head, more = fold_lines(text)
    extra = f"\n    {more_lines(more)} (tail --full)" if more else ""
    return prefix + "\n    ".join(clean(line) for line in head) + extra


def format_entry(
    entry: Entry,
    now: datetime,
    *,
    color: bool,
    show_ref: bool = False,
    full: bool = False,
    correction: Entry | None = None,
    original: bool = False,
    author_cells: int = AUTHOR_WIDTH,
) -> str:
    """One timeline line. `author_cells`: the author column's width (author_width() of the
    entries shown together); padded by terminal cells, so CJK and emoji names align too."""
    when = local_time(entry.ts, now)
    label = author_label(entry)
    author = label + " " * (author_cells - _cells(label))
    # Named as the war room names it, and at most 8 cells, so the columns after it stay in
    # line (handover_ack pushed them out); read from the file: sanitised like any text.
    kind = one_line(short_kind(entry.kind), 10).ljust(10)
    if color:
        kind = click.style(kind, fg=KIND_COLOURS.get(entry.kind, "white"))
        when = click.style(when, dim=True)
    ref = f"INC-{entry.incident_id}  " if show_ref else ""
    if entry.data is None and correction is None and "\n" not in entry.text:
        body = one_line(entry.text)  # the common case, cheaply (tail -n 100000)
    else:
        body = entry_body(entry, now, full=full, correction=correction, original=original)
    # Ids padded to five cells: #9 and #10 start their text in the same column.
    return f"{when}  {ref}{author}  {kind}  {f'#{entry.id}':<5}  {body}"


def due_line(incident: Incident, now: datetime, color: bool) -> str:
    due = incident.next_update_due
    if due is None:
        if incident.status == "resolved":
            return "no further update due (resolved)"
        return f"no customer update required at {incident.severity}"
    when = local_time(due, now, seconds=False)
    countdown = update_countdown(due, now)
    what = "first customer update" if incident.last_update_at is None else "next customer update"
    if countdown.state == "overdue":
        text = f"{what} OVERDUE since {when} ({format_duration(countdown.seconds)})"
        return click.style(text, fg="red", bold=True) if color else text
    text = f"{what} due {when} ({relative(due, now)})"
    if color and countdown.state == "warning":
        return click.style(text, fg="yellow", bold=True)
    return text


def format_delivery(d: Delivery, now: datetime) -> str:
    when = local_time(d.last_attempt_at or d.created_at, now, seconds=False)
    return (
        f"#{d.id}  {when}  update {d.update_id} -> {one_line(d.destination, 24)}: "
        f"{one_line(describe_delivery(d))}"
    )


def format_show(incident: Incident, now: datetime, *, color: bool, definition: str) -> str:
    lines = []
    title = one_line(incident.title)
    head = f"{incident.ref}  {severity_label(incident.severity, color)}  {incident.status}  {title}"
    lines.append(click.style(head, bold=True) if color else head)
    lines.append(f"  severity    {incident.severity}: {one_line(definition)}")
    for problem in incident.problems:
        lines.append(f"  warning     {one_line(problem)}")
    declared = local_time(incident.declared_at, now, seconds=False)
    lines.append(
        f"  declared    {declared} by {person(incident.declared_by, incident.declared_by_login)}"
        f" ({relative(incident.declared_at, now)})"
    )
    if incident.impact_started_at:
        lines.append(f"  started     {local_time(incident.impact_started_at, now, seconds=False)}")
    if incident.resolved_at:
        lines.append(f"  resolved    {local_time(incident.resolved_at, now, seconds=False)}")
    for key, label in ROLES.items():
        name = incident.roles.get(key)
        shown = one_line(name) if name else "(unassigned)"
        if color and not name:
            shown = click.style(shown, fg="red" if key == "owner" else "yellow")
        assigner = incident.assigned_by.get(key)
        if name and assigner:
            shown += f"  (assigned by {person(*assigner)})"
        lines.append(f"  {label + ':':<22}{shown}")
    facts = [
        ("impact", incident.impact),
        ("affected", incident.affected),
        ("workaround", incident.workaround),
        ("services", ", ".join(incident.services) or None),
        ("detected", SOURCES.get(incident.detection_source or "", incident.detection_source)),
    ]
    for label, value in facts:
        lines.append(f"  {label:<12}{one_line(value) if value else '—'}")
    lines.append(f"  {due_line(incident, now, color)}")
    for gap in incident.comms_gaps:
        warning = f"  WARNING: {gap}"
        lines.append(click.style(warning, fg="red", bold=True) if color else warning)
    lines.append("Checklist")
    step = None
    for item in incident.checklist:
        if item.step != step:
            step = item.step
            lines.append(f"  {one_line(STEP_LABELS.get(step, step))}")
        mark = "[x]" if item.done else "[ ]"
        if color:
            mark = click.style(mark, fg="green" if item.done else "yellow")
        done = ""
        if item.done and item.done_at:
            when = local_time(item.done_at, now, seconds=False)
            done = f"  ({person(item.done_by or '?', item.done_by_login)} {when})"
        lines.append(f"    {item.number:>2}. {mark} {clean(item.text)}{done}")
    return "\n".join(lines)


def format_incident_row(row: dict[str, Any], now: datetime) -> str:
    """One incident of `warroom list` (and of the refusal that lists the open ones)."""
    from warroom.views import read_time

    owner = one_line(row["owner"]) if row["owner"] else "NO OWNER"
    declared = read_time(row["declared_at"])  # read from the file: may be unreadable
    when = local_time(declared, now, seconds=False) if declared else "unreadable time"
    return (
        f"{row['ref']:<8} {row['severity']}  {row['status']:<13} {when:>16}  "
        f"{owner:<14} {one_line(row['title'], 60)}"
    )
