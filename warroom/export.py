"""Exports of one incident: a Markdown postmortem draft, one JSON document, the timeline as CSV.

Every export reads one snapshot of the store, so it is consistent while others keep writing.
The timeline is streamed (`queries.iter_timeline`): an incident with 100,000 entries exports
in about a second. Jinja2 is imported only for the Markdown draft, through warroom.templating.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from warroom import markdown_text as md
from warroom.alert_views import Alert, alerts_of_incident, first_alert_at
from warroom.domain import CORRECTED_MARK, ROLES, SOURCES, Settings, format_ref, service_labels
from warroom.errors import BadInput
from warroom.metrics import METRIC_KINDS, Metrics, compute_metrics, format_span
from warroom.room import Room
from warroom.safe_text import json_dumps, person
from warroom.storage import Connection
from warroom.storage import queries as q
from warroom.storage.chain import Head
from warroom.views import (
    UNREADABLE,
    Entry,
    Followup,
    Incident,
    Update,
    corrections,
    entries_of_kinds,
    entry_corrects,
    entry_happened_at,
    followups,
    load_incident,
    read_data,
    read_text,
    read_time,
    updates,
)

FORMATS: tuple[str, ...] = ("markdown", "json", "csv")
_FORMAT_ALIASES = {"markdown": "markdown", "md": "markdown", "json": "json", "csv": "csv"}
POSTMORTEM_TEMPLATE = "postmortem.md.j2"
CSV_HEADER: tuple[str, ...] = ("id", "ts", "local_time", "author", "login", "kind", "text")
JSON_FORMAT = "warroom-incident-export"
JSON_VERSION = 1


def parse_format(text: str) -> str:
    value = _FORMAT_ALIASES.get(text.strip().lower())
    if value is None:
        raise BadInput(f"unknown export format {text!r}; choose one of {', '.join(FORMATS)}")
    return value


def write_export(room: Room, incident_id: int, fmt: str, out: TextIO, *, raw: bool = False) -> None:
    """Write incident `incident_id` to `out` in format `fmt` (one of FORMATS). `raw` keeps
    formula-looking CSV cells exactly as typed."""
    fmt = parse_format(fmt)
    if fmt == "markdown":
        # Read first, render after: a slow team template never runs inside a transaction.
        with room.read() as conn:
            context = markdown_context(conn, incident_id, room.settings, room.now())
        out.write(render_markdown_context(context, room.settings))
        out.write("\n")
        return
    with room.read() as conn:
        if fmt == "csv":
            write_csv(conn, incident_id, out, raw=raw)
        else:
            write_json(conn, incident_id, room.settings, room.now(), out)


# --- shared facts -----------------------------------------------------------------------------


class _Facts:
    """What every export needs besides the full timeline, read from one snapshot."""

    def __init__(
        self, conn: Connection, incident_id: int, settings: Settings, now: datetime
    ) -> None:
        self.incident: Incident = load_incident(conn, incident_id, settings)
        self.key_entries: list[Entry] = entries_of_kinds(conn, incident_id, (*METRIC_KINDS, "role"))
        self.updates: list[Update] = updates(conn, incident_id)
        self.followups: list[Followup] = followups(conn, incident_id, include_done=True)
        self.alerts: list[Alert] = alerts_of_incident(conn, incident_id)
        self.metrics: Metrics = compute_metrics(
            self.incident,
            self.key_entries,
            self.updates,
            settings,
            now,
            first_alert_at(conn, incident_id),
        )
        self.now = now
        # The record's chain head in the same snapshot: `warroom verify --against` an export
        # checks that the database still holds the history the export was made from.
        self.head = q.chain_head(conn)

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.key_entries if e.kind == kind]


# --- CSV --------------------------------------------------------------------------------------


def _local_stamp(moment: datetime) -> str:
    # time.localtime + plain formatting: datetime.astimezone + strftime dominated a CSV export
    # of 100k entries.
    t = time.localtime(moment.timestamp())
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {t.tm_zone}"
    )


def write_csv(conn: Connection, incident_id: int, out: TextIO, *, raw: bool = False) -> None:
    """The timeline, one row an entry, with a header. A field holding commas, quotes or
    newlines is quoted as RFC 4180 says, so csv readers get it back unchanged. Cells that
    start like a formula get a leading `'` unless `raw`."""
    if q.get_incident(conn, incident_id) is None:
        raise BadInput(f"no incident {format_ref(incident_id)}")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    cell = _exact if raw else neutralise_formula
    writer.writerows(
        (
            row["id"],
            cell(read_text(row["ts"])),
            _csv_local(row["ts"]),
            cell(read_text(row["author"])),
            cell(read_text(row["login"])),
            cell(read_text(row["kind"])),
            cell(read_text(row["text"])),
        )
        for row in q.iter_timeline(conn, incident_id)
    )


def _csv_local(value: object) -> str:
    moment = read_time(value)
    return _local_stamp(moment) if moment is not None else UNREADABLE


# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """A cell a spreadsheet would run as a formula gets OWASP's leading `'`, so it shows as
    the text it is; everything else is exact."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _exact(text: str) -> str:
    return text


# --- JSON -------------------------------------------------------------------------------------


def _update_json(update: Update) -> dict[str, Any]:
    return {
        "id": update.id,
        "published_at": update.published_at.isoformat(),
        "next_update_due": update.next_update_due.isoformat() if update.next_update_due else None,
        "author": update.author,
        "template": update.template,
        "status": update.status,
        "text": update.text,
    }


def _entry_json(row: dict[str, Any], ref: str) -> dict[str, Any]:
    # The stored values exactly, except what cannot be read, which is flagged.
    data, bad_data = read_data(row["data"])
    entry = {
        "id": row["id"],
        "incident": ref,
        "ts": read_text(row["ts"]),
        "author": read_text(row["author"]),
        "login": row["login"] if row["login"] is None else read_text(row["login"]),
        "kind": read_text(row["kind"]),
        "text": read_text(row["text"]),
        "data": data,
    }
    problem = Entry.from_row(row).problem or bad_data
    if problem:
        entry["unreadable"] = problem
    return entry


def export_head(facts: _Facts) -> dict[str, Any]:
    """Everything but the timeline."""
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "exported_at": facts.now.isoformat(),
        "incident": facts.incident.to_json(),
        "updates": [_update_json(u) for u in facts.updates],
        "followups": [f.to_json() for f in facts.followups],
        "metrics": facts.metrics.to_json(),
        "chain_head": facts.head.to_json(),
        "alerts": [a.to_json() for a in facts.alerts],
    }


def write_json(
    conn: Connection, incident_id: int, settings: Settings, now: datetime, out: TextIO
) -> None:
    """One JSON document: {format, version, exported_at, incident (facts, roles, checklist),
    updates, followups, metrics, timeline}. The timeline goes last, one entry a line, written
    as it is read. Control characters are escaped (safe_text.json_dumps)."""
    facts = _Facts(conn, incident_id, settings, now)
    head = json_dumps(export_head(facts))
    out.write(head[:-1])  # reopen the object to stream the timeline into it
    out.write(', "timeline": [')
    ref = facts.incident.ref
    first = True
    for row in q.iter_timeline(conn, incident_id):
        out.write("\n" if first else ",\n")
        out.write(json_dumps(_entry_json(row, ref)))
        first = False
    out.write("\n]}\n")


# --- Markdown ---------------------------------------------------------------------------------


def _when(moment: datetime | None) -> str:
    """Local date and time for the facts sections."""
    if moment is None:
        return "—"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def _who(name: str, login: str | None) -> str:
    return person(name, login, terminal=False)


def _event_line(entry: Entry) -> str:
    who = md.inline(_who(entry.author, entry.login))
    return f"{_when(entry.ts)} — {md.inline(entry.text)} ({who})"


def _in_happened_order(
    conn: Connection, incident_id: int
) -> Iterator[tuple[Entry, datetime | None]]:
    """The timeline streamed in the order things happened: an entry logged with `--at` is
    moved back to its time (they are few; everything else streams in logged order)."""
    moved: list[tuple[datetime, int, Entry]] = []
    for row in q.timeline_with_at(conn, incident_id):
        entry = Entry.from_row(row)
        at = entry_happened_at(entry)
        if at is not None:
            moved.append((at, entry.id, entry))
    moved.sort(key=lambda item: (item[0], item[1]))
    moved_ids = {item[1] for item in moved}
    pending = 0
    for row in q.iter_timeline(conn, incident_id):
        if row["id"] in moved_ids:
            continue
        entry = Entry.from_row(row)
        while pending < len(moved) and moved[pending][0] <= entry.ts:
            yield moved[pending][2], moved[pending][0]
            pending += 1
        yield entry, None
    for at, _, moved_entry in moved[pending:]:
        yield moved_entry, at


def _timeline_lines(conn: Connection, incident_id: int) -> Iterator[str]:
    """The whole timeline as Markdown list items in local time, grouped by local day, in the
    order things happened. A corrected entry shows its corrected text, marked, with the
    original beside it. Built in Python, not in the template: per-entry template work is what
    makes 100k slow."""
    day: date | None = None
    corrected = corrections(conn, incident_id)
    # Few people and kinds write many entries: escape each name once.
    names: dict[str, str] = {}
    for entry, happened in _in_happened_order(conn, incident_id):
        logged = entry.ts.astimezone()
        local = happened.astimezone() if happened is not None else logged
        if local.date() != day:
            day = local.date()
            yield f"\n**{local:%A %Y-%m-%d} ({local:%Z})**\n"
        clock = f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
        author, kind = _who(entry.author, entry.login), entry.kind
        if author not in names:
            names[author] = md.single_line(author)
        if kind not in names:
            names[kind] = md.single_line(kind)
        text = md.inline(entry.text)
        if happened is not None:
            text = f"(logged {logged:%H:%M:%S}) {text}"
        fix = corrected.get(entry.id)
        if fix is not None:
            text = (
                f"{CORRECTED_MARK} {md.inline(fix.text)} (corrected by"
                f" {md.single_line(_who(fix.author, fix.login))}; originally:"
                f" {md.inline(entry.text)})"
            )
            if happened is not None:  # it kept its "(logged ...)" only when not corrected
                text = f"(logged {logged:%H:%M:%S}) {text}"
        if entry_corrects(entry) is not None:
            text = f"{CORRECTED_MARK} correction of an earlier entry: {text}"
        yield f"- {clock} · {names[author]} · {names[kind]} — {text}"


def _alert_md(alert: Alert, now: datetime) -> dict[str, Any]:
    fired_for = alert.firing_for(now)
    return {
        "label": md.inline(alert.label),
        "source": md.inline(alert.source),
        "summary": md.inline(alert.summary) if alert.summary else None,
        "fired": _when(alert.fired_at),
        "first_fired": _when(alert.first_fired_at) if alert.fired_count > 1 else None,
        "resolved": _when(alert.ends_at) if alert.status == "resolved" else None,
        "duration": format_span(timedelta(seconds=fired_for)) if fired_for is not None else "—",
        "times_fired": alert.fired_count,
        "url": md.inline(alert.url) if alert.url else None,
    }


def markdown_context(
    conn: Connection, incident_id: int, settings: Settings, now: datetime
) -> dict[str, Any]:
    """What the postmortem template gets. Strings under `md` and the prepared lists are
    already Markdown-safe; `incident` holds the raw facts for team templates that want them
    (they must escape those themselves)."""
    facts = _Facts(conn, incident_id, settings, now)
    incident, metrics = facts.incident, facts.metrics
    rule = settings.rule(incident.severity)
    source = incident.detection_source
    handovers = [_event_line(e) for e in facts.of_kind("role")]
    today = now.astimezone().date()
    return {
        "incident": incident.to_json(),
        "generated_at": _when(now),
        "md": {
            "ref": incident.ref,
            "title": md.single_line(incident.title),
            "severity": incident.severity,
            "severity_definition": md.inline(rule.definition),
            "status": incident.status,
            "declared_at": _when(incident.declared_at),
            "declared_by": md.inline(_who(incident.declared_by, incident.declared_by_login)),
            "impact_started_at": _when(incident.impact_started_at)
            if incident.impact_started_at
            else None,
            "resolved_at": _when(incident.resolved_at) if incident.resolved_at else None,
            "duration": format_span(metrics.total_duration),
            "ongoing": metrics.ongoing,
            "impact": md.inline(incident.impact) if incident.impact else None,
            "affected": md.inline(incident.affected) if incident.affected else None,
            "workaround": md.inline(incident.workaround) if incident.workaround else None,
            "services": ", ".join(
                md.inline(s) for s in service_labels(incident.services, settings.components)
            )
            or None,
            "comms_gaps": [md.inline(gap) for gap in incident.comms_gaps],
            "detection": md.inline(SOURCES.get(source, source)) if source else None,
        },
        "roles": [
            {
                "label": label,
                "name": md.inline(incident.roles[key]) if incident.roles[key] else None,
            }
            for key, label in ROLES.items()
        ],
        "handovers": handovers,
        "mitigations": [_event_line(e) for e in facts.of_kind("mitigation")],
        "changes": [_event_line(e) for e in facts.key_entries if e.kind in ("severity", "status")],
        "updates": [
            {
                "when": _when(u.published_at),
                "author": md.inline(_who(u.author, u.author_login)),
                "status": md.inline(u.status),
                "template": md.inline(u.template) if u.template else None,
                "quote": md.quote(u.text),
            }
            for u in facts.updates
        ],
        "metrics": [
            {"label": md.cell(label), "value": md.cell(value)} for label, value in metrics.rows()
        ],
        "alerts": [_alert_md(a, now) for a in facts.alerts],
        "timeline": "\n".join(_timeline_lines(conn, incident_id)).strip("\n"),
        "timeline_count": q.timeline_count(conn, incident_id),
        # Read with the rest, in the same snapshot: the footer names the head this draft saw.
        "chain_head": q.chain_head(conn),
        "followups": [
            {
                "id": f.id,
                "text": md.cell(f.text),
                "owner": md.cell(f.owner, empty="**no owner**"),
                "due": md.cell(f.due, empty="—"),
                "status": "done" if f.done else ("**overdue**" if f.overdue(today) else "open"),
            }
            for f in facts.followups
        ],
    }


def render_markdown(conn: Connection, incident_id: int, settings: Settings, now: datetime) -> str:
    """The postmortem draft, from `templates/postmortem.md.j2` (a team folder can override it)."""
    return render_markdown_context(markdown_context(conn, incident_id, settings, now), settings)


def render_markdown_context(context: dict[str, Any], settings: Settings) -> str:
    from warroom.templating import render_file
    from warroom.updates import template_dirs

    # The prepared timeline is already in the context: the output may be that much longer.
    draft = render_file(
        POSTMORTEM_TEMPLATE,
        context,
        template_dirs(settings),
        extra_output=2 * len(context["timeline"]),
    )
    # Added here, not in the template, so a team's own template carries it too.
    return draft.rstrip("\n") + "\n\n" + record_footer(context["chain_head"]) + "\n"


def record_footer(head: Head) -> str:
    """The last lines of every Markdown export. User text in the draft is escaped (backticks
    get a backslash), so no note can forge the code span `verify --against` reads."""
    return (
        "---\n\n"
        f"_Record: chain head `{head}` (the database's newest timeline entry and its hash"
        " when this draft was made). `warroom verify --against` this file checks that the"
        " database still holds that history._"
    )
