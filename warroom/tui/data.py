"""What the war room shows, read from the store in a worker thread (never on the event loop).

A `Snapshot` is everything the main screen needs after one change, read in one go, so a burst
of commits by other processes becomes one refresh. The functions here take a `Room` whose store
belongs to the calling thread: sqlite3 connections are not shared between threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from warroom.alert_views import Alert, alerts_of_incident
from warroom.domain import KINDS, short_kind
from warroom.errors import WarroomError
from warroom.metrics import load_metrics
from warroom.room import Room
from warroom.storage import queries as q
from warroom.storage.connection import Connection
from warroom.tui.alert_data import load_triage, review_rows
from warroom.updates import mitigations_of
from warroom.views import (
    Entry,
    Followup,
    Incident,
    Update,
    chain_hashes,
    entry_corrects,
    followups,
    list_incidents,
    load_incident,
    people_seen,
    resolve_incident,
    updates,
)

# Entries loaded at once; older ones are paged in when the user scrolls to the top.
PAGE = 500


@dataclass(frozen=True)
class TimelineFilter:
    kind: str | None = None
    author: str | None = None

    def __bool__(self) -> bool:
        return self.kind is not None or self.author is not None

    def accepts(self, entry: Entry) -> bool:
        """Shown as a row of the filtered timeline."""
        return (self.kind is None or entry.kind == self.kind) and (
            self.author is None or entry.author == self.author
        )

    def keeps(self, entry: Entry) -> bool:
        """Read with the filtered timeline: what it shows, and every correction (few), so
        that a row whose correction the filter hides still shows it corrected."""
        return self.accepts(entry) or entry.kind == "correction"

    def describe(self) -> str:
        parts = []
        if self.kind:
            parts.append(f"kind {short_kind(self.kind)}")  # as the picker names it
        if self.author:
            parts.append(f"author {self.author}")
        return ", ".join(parts)


@dataclass(frozen=True)
class TimelineKey:
    """Which timeline a batch of entries belongs to; a batch for another key is stale."""

    incident_id: int
    filter: TimelineFilter = field(default_factory=TimelineFilter)


@dataclass(frozen=True)
class Snapshot:
    incident: Incident | None
    # The newest timeline id in the file. Every write adds an entry, so it orders snapshots
    # read by different connections: an older one arriving late is ignored.
    version: int
    key: TimelineKey | None
    entries: tuple[Entry, ...] = ()
    reset: bool = False  # entries replace the timeline instead of extending it
    more_before: bool = False  # older entries exist (after a reset)
    people: tuple[str, ...] = ()
    # Everyone who wrote on the timeline, by name: the filter picker's authors, at hand
    # when f is pressed instead of read then.
    authors: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # the kinds of entry the timeline has, for the same picker
    updates: tuple[Update, ...] = ()
    template: str | None = None
    rendered: str | None = None
    render_error: str | None = None
    followups: tuple[Followup, ...] = ()  # this incident's, done ones too
    # (label, value) rows of the response metrics; only once resolved, when they are final.
    metrics: tuple[tuple[str, str], ...] = ()
    # Alerts that need triage (newest first, at most ALERTS_SHOWN) and how many there are.
    alerts: tuple[Alert, ...] = ()
    alerts_firing: int = 0
    # Changes when any alert does (one arrives, is attached or dismissed): alert commits by
    # other processes need not add a timeline entry, so `version` alone would miss them.
    alerts_mark: tuple[object, ...] = ()


def _page(
    conn: Connection, key: TimelineKey, before_id: int | None, limit: int = PAGE
) -> tuple[list[Entry], bool]:
    rows = q.timeline_page(
        conn,
        key.incident_id,
        before_id=before_id,
        limit=limit + 1,
        kind=key.filter.kind,
        author=key.filter.author,
    )
    more = len(rows) > limit
    entries = [Entry.from_row(r) for r in rows[-limit:]]
    if key.filter and entries:
        # The corrections of this page's entries, which the filter leaves out: the timeline
        # shows them in place of what they correct (it shows only what the filter accepts).
        ids = {e.id for e in entries}
        hidden = [
            fix
            for fix in map(Entry.from_row, q.corrections_of(conn, key.incident_id))
            if entry_corrects(fix) in ids and not key.filter.accepts(fix)
        ]
        entries = sorted(entries + hidden, key=lambda e: e.id)
    return entries, more


def load_snapshot(
    room: Room,
    incident_id: int | None,
    *,
    after_id: int,
    timeline_filter: TimelineFilter,
    preview: bool = True,
) -> Snapshot:
    """Read the incident (the active one when `incident_id` is None), and the timeline entries
    after `after_id` (0: the last page). Raises WarroomError. With `preview` False the
    customer update is not rendered (`rendered` is None): the first screen shows without
    waiting for Jinja2."""
    with room.read() as conn:
        version = q.max_timeline_id(conn)
        triage = load_triage(conn)
        if incident_id is None:
            try:
                incident_id = resolve_incident(conn, None, after_recovery=True)
            except WarroomError:
                return Snapshot(incident=None, version=version, key=None, **triage)
        incident = load_incident(conn, incident_id, room.settings)
        key = TimelineKey(incident_id, timeline_filter)
        reset = after_id == 0
        more = False
        if not reset:
            rows = q.timeline_after(conn, incident_id, after_id, PAGE + 1)
            if len(rows) > PAGE:
                reset = True  # too far behind to catch up entry by entry
            else:
                entries = [e for e in map(Entry.from_row, rows) if timeline_filter.keeps(e)]
        if reset:
            entries, more = _page(conn, key, None)
        people = tuple(people_seen(conn, incident_id))
        authors = tuple(q.timeline_authors(conn, incident_id))
        kinds = tuple(q.timeline_kinds(conn, incident_id, KINDS))
        published = tuple(updates(conn, incident_id))
        follow_ups = tuple(followups(conn, incident_id, include_done=True))
        metrics: tuple[tuple[str, str], ...] = ()
        if incident.status == "resolved":
            metrics = tuple(load_metrics(conn, incident_id, room.settings, room.now()).rows())
            metrics += review_rows(alerts_of_incident(conn, incident_id), room.now())
        mitigations = tuple(mitigations_of(conn, incident_id))
    if preview:
        template, rendered, error = _PREVIEW.render(room, incident, mitigations)
    else:
        template, rendered, error = incident.status, None, None
    return Snapshot(
        incident=incident,
        version=version,
        key=key,
        entries=tuple(entries),
        reset=reset,
        more_before=more,
        people=people,
        authors=authors,
        kinds=kinds,
        updates=published,
        template=template,
        rendered=rendered,
        render_error=error,
        followups=follow_ups,
        metrics=metrics,
        **triage,
    )


class _Preview:
    """The last customer-update preview, rendered again only when what it shows may have
    changed: the incident, its mitigations, or the minute of the clock (templates may show
    `now`; a team template edited on disk shows within a minute). A plain note changes none
    of these, and rendering is most of the cost of reading a snapshot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the live worker and the read workers share it
        self._last: tuple[tuple[object, ...], tuple[str, str | None, str | None]] | None = None

    def render(
        self, room: Room, incident: Incident, mitigations: tuple[str, ...]
    ) -> tuple[str, str | None, str | None]:
        from warroom.updates import context_with, render_context, template_dirs

        now = room.now()
        key = (
            incident,
            mitigations,
            now.replace(second=0, microsecond=0),
            room.settings,
            tuple(template_dirs(room.settings)),
        )
        with self._lock:
            if self._last is not None and self._last[0] == key:
                return self._last[1]
        try:
            name, text = render_context(room, context_with(room, incident, mitigations, now))
        except WarroomError as exc:
            result: tuple[str, str | None, str | None] = (incident.status, None, exc.message)
        else:
            result = (name, text, None)
        with self._lock:
            self._last = (key, result)
        return result


_PREVIEW = _Preview()


def first_snapshot(room: Room, incident_id: int | None) -> Snapshot | None:
    """The war room's first read, done before the app starts so that its first frame already
    shows the incident (read in a worker, it reached the screen only after a frame of empty
    panes: a second layout of every pane). None when there is no incident to show (the
    screen offers to declare one) or the read failed (the screen's own read reports why)."""
    if incident_id is None:
        return None
    try:
        return load_snapshot(
            room, incident_id, after_id=0, timeline_filter=TimelineFilter(), preview=False
        )
    except WarroomError:
        return None


def load_timeline(room: Room, key: TimelineKey) -> tuple[list[Entry], bool, int]:
    """The newest page of one timeline, whether older entries exist, and the newest id in the
    file as they were read: all that a new filter changes, so nothing else is read (nor the
    customer update rendered)."""
    with room.read() as conn:
        version = q.max_timeline_id(conn)
        entries, more = _page(conn, key, None)
    return entries, more, version


def load_older(room: Room, key: TimelineKey, before_id: int) -> tuple[list[Entry], bool]:
    with room.read() as conn:
        return _page(conn, key, before_id)


def load_new_entries(
    room: Room, incident_id: int | None, after_id: int, timeline_filter: TimelineFilter
) -> tuple[int, tuple[Entry, ...] | None]:
    """(newest timeline id, the entries after `after_id` that pass the filter), read straight
    after a commit of our own; None when no timeline is shown or it is too far behind (the
    refresh resets it then)."""
    with room.read() as conn:
        version = q.max_timeline_id(conn)
        if incident_id is None or after_id == 0:
            return version, None
        rows = q.timeline_after(conn, incident_id, after_id, PAGE + 1)
    if len(rows) > PAGE:
        return version, None
    return version, tuple(e for e in map(Entry.from_row, rows) if timeline_filter.keeps(e))


def load_chain(room: Room, low: int, high: int) -> dict[int, str]:
    """The hash chain's hashes of the entries `low` to `high` (views.shared_history)."""
    with room.read() as conn:
        return chain_hashes(conn, low, high)


def newest_entry_id(room: Room) -> int:
    with room.read() as conn:
        return q.max_timeline_id(conn)


def load_incidents(room: Room) -> list[dict[str, Any]]:
    with room.read() as conn:
        return list_incidents(conn, include_resolved=True)


def load_filter_choices(room: Room, incident_id: int) -> tuple[list[str], list[str]]:
    """(authors, kinds of entry) of one incident's timeline: what the filter offers."""
    with room.read() as conn:
        return q.timeline_authors(conn, incident_id), q.timeline_kinds(conn, incident_id, KINDS)
