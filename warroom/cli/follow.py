"""Following an incident from a shell: `warroom tail [-f]` and the read-only `warroom watch`.

`tail -f` prints the last entries, then every entry any process commits, until Ctrl-C. It
sleeps in `ChangeWatcher.wait()` (inotify hint + PRAGMA data_version), so an idle follower
costs next to nothing and a new line shows within milliseconds of the writer's commit.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from warroom import views
from warroom.cli.common import common_options, incident_ref, open_room, target_incident
from warroom.cli.output import (
    AUTHOR_WIDTH,
    author_width,
    due_line,
    format_entry,
    severity_label,
    use_color,
)
from warroom.domain import is_overdue, update_countdown
from warroom.errors import BadInput, DatabaseLocked, WarroomError
from warroom.room import Room
from warroom.safe_text import json_dumps, one_line
from warroom.storage import Store
from warroom.storage.connection import (
    close_for_good,
    open_for_reading,
    release_moved,
    sidecar_ids,
)
from warroom.views import Entry, Incident

# Entries after which the header (severity, status, owner, next update due) may have changed.
HEADER_KINDS = frozenset(
    {"declared", "severity", "status", "role", "update", "handover", "handover_ack"}
)
# How often an idle follower re-checks on its own: the file still being there, an update
# falling overdue. ChangeWatcher wakes it at once for commits.
IDLE_TICK = 1.0
PAGE = 500


def _emit(line: str) -> None:
    # Flush every line: a follower reading our pipe must see it now, not at 4 KiB.
    click.echo(line)
    sys.stdout.flush()


def _warn(message: str) -> None:
    click.echo(f"warroom: {message}", err=True)


def header_json(incident: Incident, now: datetime) -> dict[str, Any]:
    due = incident.next_update_due
    return {
        "type": "header",
        "incident": incident.ref,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "owner": incident.roles.get("owner"),
        "next_update_due": due.isoformat() if due else None,
        "overdue": update_countdown(due, now).state == "overdue",
    }


def format_header(incident: Incident, now: datetime, *, color: bool) -> str:
    owner_name = incident.roles.get("owner")
    if owner_name:
        owner = f"owner {one_line(owner_name, 24)}"
    else:
        owner = click.style("NO OWNER", fg="red", bold=True) if color else "NO OWNER"
    ref = click.style(incident.ref, bold=True, reverse=True) if color else incident.ref
    parts = [
        f"== {ref}",
        severity_label(incident.severity, color),
        incident.status,
        owner,
        due_line(incident, now, color),
        f"| {one_line(incident.title, 60)}",
    ]
    return "  ".join(parts)


def _header_key(incident: Incident) -> tuple[Any, ...]:
    return (
        incident.severity,
        incident.status,
        incident.roles.get("owner"),
        incident.next_update_due,
        incident.title,
    )


class Follower:
    """Prints entries and header lines for one incident (or all) as they are committed."""

    def __init__(
        self,
        room: Room,
        incident_id: int | None,
        *,
        as_json: bool,
        full: bool = False,
        originals: bool = False,
    ) -> None:
        self.room = room
        self.full = full
        self.originals = originals
        # Corrected entry id -> its latest correction, for entries printed from a snapshot.
        self.corrections: dict[int, Entry] = {}
        self.incident_id = incident_id  # None: every incident
        self.as_json = as_json
        self.color = use_color() and not as_json
        # The author column fits every label printed so far (`maya (login root)` is wider
        # than a name): the kind, id and text columns stay aligned. Only ever grows.
        self.author_cells = AUTHOR_WIDTH
        self.last_id = 0  # read up to here (entries of other incidents count too)
        self.printed_id = 0  # the newest entry printed
        # Following one incident: the last id checked for other incidents being declared.
        self.elsewhere_id = 0
        self.shown: dict[int, tuple[Any, ...]] = {}  # incident id -> header last printed
        self.incidents: dict[int, Incident] = {}
        self.overdue_told: set[tuple[int, datetime]] = set()
        path = room.store.path
        self.path = path
        self.identity = _identity(path)
        # Our -wal/-shm beside the path: removed if the file is replaced (see new_file).
        self.sidecars = sidecar_ids(path)
        self.opened: list[Store] = []  # stores opened here (on a replaced file), closed here

    # --- output ---

    def format(self, entry: Entry, now: datetime) -> str:
        if self.as_json:
            return json_dumps(entry.to_json())
        return format_entry(
            entry,
            now,
            color=self.color,
            show_ref=self.incident_id is None,
            full=self.full,
            correction=self.corrections.get(entry.id),
            original=self.originals,
            author_cells=self.author_cells,
        )

    def load_corrections(self, entries: list[Entry]) -> None:
        # Inside a caller's read this joins its snapshot.
        with self.room.read() as conn:
            for incident_id in {e.incident_id for e in entries}:
                self.corrections.update(views.corrections(conn, incident_id))

    def fit(self, entries: list[Entry]) -> None:
        if not self.as_json:
            self.author_cells = author_width(entries, self.author_cells)

    def entry(self, entry: Entry) -> None:
        self.fit([entry])
        _emit(self.format(entry, self.room.now()))
        self.printed_id = max(self.printed_id, entry.id)

    def dump(self, entries: list[Entry]) -> None:
        """Print a finished list in large writes: `tail -n 100000` must not flush per line."""
        now = self.room.now()
        self.fit(entries)
        for start in range(0, len(entries), PAGE):
            chunk = entries[start : start + PAGE]
            sys.stdout.write("".join(self.format(e, now) + "\n" for e in chunk))
        sys.stdout.flush()

    def header(self, incident: Incident, *, force: bool = False) -> None:
        key = _header_key(incident)
        self.incidents[incident.id] = incident
        if not force and self.shown.get(incident.id) == key:
            return
        self.shown[incident.id] = key
        now = self.room.now()
        due = incident.next_update_due
        if due is not None and is_overdue(due, now):
            self.overdue_told.add((incident.id, due))  # this line already says OVERDUE
        if self.as_json:
            _emit(json_dumps(header_json(incident, now)))
        else:
            _emit(format_header(incident, now, color=self.color))

    # --- reading ---

    def start(self, count: int) -> None:
        """The header(s) and the last `count` entries, all from one snapshot."""
        with self.room.read() as conn:
            if self.incident_id is None:
                ids = [row["id"] for row in views.list_incidents(conn, include_resolved=False)]
                ids.reverse()  # oldest first, like the entries
            else:
                ids = [self.incident_id]
            heads = [views.load_incident(conn, i, self.room.settings) for i in ids]
            entries = views.tail(conn, self.incident_id, count)
            self.load_corrections(entries)
            self.last_id = views.last_entry_id(conn)
            self.elsewhere_id = self.last_id
        for incident in heads:
            self.header(incident)
        if self.incident_id is None and not heads and not self.as_json:
            _emit("== no open incident; waiting for new entries")
        self.fit(entries)
        for entry in entries:
            self.entry(entry)

    def catch_up(self) -> None:
        """Print everything committed since the last call, header changes in place."""
        while True:
            with self.room.read() as conn:
                batch = views.entries_after(conn, self.incident_id, self.last_id, PAGE)
                # Header state as of this snapshot, for incidents whose header may have moved.
                last_change: dict[int, int] = {}
                for index, entry in enumerate(batch):
                    if entry.kind in HEADER_KINDS:
                        last_change[entry.incident_id] = index
                heads = {i: views.load_incident(conn, i, self.room.settings) for i in last_change}
            for index, entry in enumerate(batch):
                self.entry(entry)
                self.last_id = entry.id
                if last_change.get(entry.incident_id) == index:
                    self.header(heads[entry.incident_id])
            if len(batch) < PAGE:
                break
        self.tell_elsewhere()

    def tell_elsewhere(self) -> None:
        """Following one incident, a line when another is declared: a responder watching the
        first must learn that notes without -i now need one."""
        if self.incident_id is None:
            return
        with self.room.read() as conn:
            news = views.declared_elsewhere(conn, self.incident_id, self.elsewhere_id)
            # Same snapshot: nothing committed after `news` was read is skipped.
            self.elsewhere_id = views.last_entry_id(conn)
        for entry in news:
            ref = f"INC-{entry.incident_id}"
            if self.as_json:
                _emit(
                    json_dumps(
                        {
                            "type": "other_incident",
                            "incident": ref,
                            "ts": entry.ts.isoformat(),
                            "author": entry.author,
                            "text": entry.text,
                        }
                    )
                )
                continue
            line = (
                f"== another incident: {ref} declared by {one_line(entry.author, 24)}:"
                f" {one_line(entry.text, 80)} (follow it: warroom tail {ref} -f)"
            )
            _emit(click.style(line, bold=True) if self.color else line)

    def tell_overdue(self) -> None:
        """Repeat the header once when a customer update falls overdue: no entry marks that."""
        now = self.room.now()
        for incident in list(self.incidents.values()):
            due = incident.next_update_due
            if due is None or not is_overdue(due, now) or (incident.id, due) in self.overdue_told:
                continue
            self.overdue_told.add((incident.id, due))
            self.header(incident, force=True)

    def replaced(self) -> bool:
        """Whether the path names another file than the one followed (a restored backup moved
        into place), as `tail -F` asks. A deleted file gets no more commits, so following it
        would wait forever: an error."""
        try:
            identity = _identity(self.path)
        except FileNotFoundError:
            raise WarroomError(f"{self.path} has been deleted; stopped following") from None
        except PermissionError:
            raise WarroomError(f"{self.path}: permission denied; stopped following") from None
        return identity != self.identity

    def let_go(self) -> None:
        """Close the replaced file, and remove the -wal/-shm we left beside the path before
        anyone replays them into the new file (storage's release_moved)."""
        release_moved(self.room.store, self.sidecars)

    def recent_chain(self) -> dict[int, str]:
        """The hashes of the newest entries read from the file followed until now (read from
        it before it is let go): where a restored file parts from it, see new_file."""
        try:
            with self.room.read() as conn:
                return views.recent_chain(conn, self.last_id)
        except WarroomError:
            return {}

    def new_file(self, before: dict[int, str]) -> None:
        """Follow the file now at the path from here on: say so, and what of the timeline
        followed so far it lacks; then its headers, and its entries after those printed.
        `before`: recent_chain() of the file it replaced. Raises WarroomError (DatabaseLocked:
        try again)."""
        store, warning = open_for_reading(self.path)
        try:
            self._take(store, warning, before)
        except BaseException:
            store.close()
            raise

    def _take(self, store: Store, warning: str | None, before: dict[int, str]) -> None:
        if warning:
            _warn(one_line(warning))
        room = Room(store, self.room.actor, self.room.settings, self.room.clock)
        with room.read() as conn:
            last = views.last_entry_id(conn)
            after = views.chain_hashes(conn, min(before), max(before)) if before else {}
            if self.incident_id is None:
                ids = [row["id"] for row in views.list_incidents(conn, include_resolved=False)]
                ids.reverse()
            else:
                ids = [self.incident_id]
            try:
                heads = [views.load_incident(conn, i, self.room.settings) for i in ids]
            except BadInput:
                raise WarroomError(
                    f"{self.path} has been replaced by a file without INC-{self.incident_id};"
                    " stopped following"
                ) from None
        # The identity of the file opened, and its -wal/-shm only if the path still names it
        # (replaced again meanwhile, the next look follows that one, removing nothing).
        identity = store.identity or (0, 0)
        sidecars = {} if store.moved() else sidecar_ids(self.path)
        self.opened.append(store)
        self.room, self.identity, self.sidecars = room, identity, sidecars
        # Where the two timelines part, by the hash chain: a note written to the restored
        # file before we opened it takes an id the old file had used, and by ids alone it
        # was taken for the old entry and never printed (drill).
        shared = views.shared_history(before, after)
        if shared is None:
            shared = min(self.last_id, last)
        printed = self.printed_id
        lost = shared < printed
        if self.as_json:
            _emit(
                json_dumps(
                    {
                        "type": "file_replaced",
                        "path": str(self.path),
                        "last_id": last,
                        "shared_id": shared,
                    }
                )
            )
        else:
            line = (
                f"== {one_line(str(self.path))} has been replaced by another file"
                " (a restored backup?)"
            )
            if lost:
                line += (
                    f"; it holds the timeline only up to entry #{shared}, so the entries"
                    f" printed above after it (to #{printed}) are not in it"
                )
            _emit(line + "; following it")
        self.last_id = min(self.last_id, shared)
        self.printed_id = min(printed, shared)
        self.elsewhere_id = min(self.elsewhere_id, shared)
        self.corrections.clear()
        self.incidents.clear()
        for incident in heads:
            self.header(incident, force=True)

    def _open_new_file(self, before: dict[int, str]) -> None:
        told = False
        while True:
            try:
                self.new_file(before)
                return
            except DatabaseLocked:
                if not told:
                    _warn(f"{self.path} is locked by another process; still trying")
                    told = True
            time.sleep(IDLE_TICK)  # no commit to wait for: nothing is followed yet

    def run(self, count: int) -> None:
        from warroom.live import ChangeWatcher

        # The watcher first: its baseline predates the snapshot, so no commit falls between.
        watcher = ChangeWatcher(self.path, poll_interval=IDLE_TICK)
        try:
            self.start(count)
            pending = False  # a read failed (locked); retry on the next tick even if idle
            locked_told = False
            while True:
                changed = watcher.wait(IDLE_TICK)
                try:
                    replaced = self.replaced()
                except WarroomError:
                    # Deleted: let its -wal/-shm go before stopping, as for a replaced file
                    # (an ordinary close leaves them beside the path once it has moved).
                    watcher.close()
                    self.let_go()
                    raise
                if replaced:
                    # The watcher's connection closed first, so that ours decides what
                    # becomes of the old file's -wal (release_moved). The new file is opened
                    # and read before a watcher is put on it: catch_up then reads whatever
                    # was committed in between.
                    watcher.close()
                    before = self.recent_chain()
                    self.let_go()
                    self._open_new_file(before)
                    try:
                        watcher = ChangeWatcher(self.path, poll_interval=IDLE_TICK)
                    except FileNotFoundError:  # gone again since
                        raise WarroomError(
                            f"{self.path} has been deleted; stopped following"
                        ) from None
                    changed = True
                if changed or pending:
                    try:
                        self.catch_up()
                    except DatabaseLocked:
                        pending = True
                        if not locked_told:
                            _warn(f"{self.path} is locked by another process; still trying")
                            locked_told = True
                        continue
                    if locked_told:
                        _warn(f"{self.path} is readable again")
                    pending = locked_told = False
                self.tell_overdue()
        finally:
            watcher.close()
            for store in self.opened:
                close_for_good(store)  # replaced again, say, and then ctrl+c


def _identity(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return (st.st_dev, st.st_ino)


@click.command()
@incident_ref
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=0, max=10**9),
    default=20,
    show_default=True,
    help="How many of the last entries.",
)
@click.option("--follow", "-f", is_flag=True, help="Keep printing new entries until Ctrl-C.")
@click.option("--all", "every", is_flag=True, help="Every incident (lines show the reference).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.option("--full", is_flag=True, help="Long notes and command output whole, not folded.")
@click.option(
    "--originals", is_flag=True, help="Corrected entries as first written (marked as corrected)."
)
@common_options
@click.pass_context
def tail(
    ctx: click.Context,
    ref: str | None,
    count: int,
    follow: bool,
    every: bool,
    as_json: bool,
    full: bool,
    originals: bool,
) -> None:
    """Print the last entries of an incident's timeline; with -f, follow it live.

    \b
    warroom tail -f            # the active incident, until Ctrl-C
    warroom tail -f --all      # every incident
    warroom tail INC-3 --json  # one JSON object a line
    """
    if every and ref is not None:
        raise BadInput("give an incident REF or --all, not both")
    room = open_room(ctx, reading=True)
    incident_id = None if every else target_incident(room, ref, after_recovery=True)
    follower = Follower(room, incident_id, as_json=as_json, full=full, originals=originals)
    if not follow:
        with room.read() as conn:
            entries = views.tail(conn, incident_id, count)
            follower.load_corrections(entries)
        follower.dump(entries)
        return
    # Ctrl-C must stop a follower even where it was started with SIGINT ignored (a shell
    # script's background job, some CI runners).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        follower.run(count)
    except KeyboardInterrupt:
        # Ctrl-C is how a follower stops: quietly, status 0.
        return


@click.command()
@incident_ref
@common_options
@click.pass_context
def watch(ctx: click.Context, ref: str | None) -> None:
    """Open the war room read-only: the live screen, nothing that writes.

    The database is opened read-only; add a note from another shell with `warroom note`.
    """
    from warroom.tui.run import run_tui

    room = open_room(ctx, readonly=True)
    incident_id = None if ref is None else target_incident(room, ref, after_recovery=True)
    ctx.exit(run_tui(room, incident_id, readonly=True))
