"""The war room app: key bindings, the command palette, workers and the messages they post.

Threads: every SQLite call runs off the event loop. Key-press actions run in thread workers on
the room's own connection, one at a time (`_db_lock`). The live-refresh worker owns a second
connection, blocks in `ChangeWatcher.wait()` and posts one `Refreshed` per burst of commits.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, TextArea
from textual.worker import get_current_worker

from warroom.errors import WarroomError
from warroom.live import ChangeWatcher
from warroom.room import Room
from warroom.safe_text import clean
from warroom.storage import open_store
from warroom.tui.commands import ALL_COMMANDS, MAIN_ACTIONS, WRITE_ACTIONS, WarroomCommands
from warroom.tui.data import (
    Snapshot,
    TimelineFilter,
    TimelineKey,
    load_new_entries,
    load_older,
    load_snapshot,
    newest_entry_id,
)
from warroom.tui.handlers import ActionsMixin
from warroom.tui.messages import ActionDone, ActionFailed, DatabaseProblem, OlderLoaded, Refreshed
from warroom.tui.screens.followups import FollowupsScreen
from warroom.tui.screens.main import WarRoomScreen

T = TypeVar("T")
WATCH_TIMEOUT = 2.0
DELIVERY_RETRY_SECONDS = 30.0  # seconds between checks that the file is still there
# Checked when a key arrives, before it is passed on. An ordinary binding is looked at only
# once the key has bubbled up from the focused widget, and by then the keys typed after it are
# queued for that widget too: "n" then a quickly typed note went to the timeline's bindings.
PRIORITY = frozenset({"quit", "note"})


def _problem_text(exc: BaseException) -> str:
    if isinstance(exc, WarroomError):
        return exc.message
    return f"database error: {exc}"


class WarroomApp(ActionsMixin, App[int]):
    TITLE = "warroom"
    CSS_PATH = "warroom.tcss"
    COMMANDS = App.COMMANDS | {WarroomCommands}
    BINDINGS = [
        Binding(c.key, c.action, c.title, id=f"warroom.{c.action}", priority=c.action in PRIORITY)
        for c in ALL_COMMANDS
    ]

    def __init__(
        self,
        room: Room,
        incident_id: int | None = None,
        *,
        readonly: bool = False,
        system_copy: Callable[[str], None] | None = None,
        live: bool = True,
    ) -> None:
        super().__init__()
        self.room = room
        self.incident_id = incident_id
        self.readonly = readonly
        self.system_copy = system_copy  # tests replace the system clipboard
        self.live = live
        self.timeline_filter = TimelineFilter()
        self.latest: Snapshot | None = None
        self.problem = ""
        self.notices: list[str] = []  # every notification shown, newest last
        self._version = -1
        self._own_version = 0  # the newest timeline id our own actions have read back
        self._db_lock = threading.Lock()
        self._watcher: ChangeWatcher | None = None
        self._stopping = threading.Event()
        self._offered_declare = False
        self._frozen = False
        # What the live worker reads next: (incident, entries after this id, filter).
        self._cursor: tuple[int | None, int, TimelineFilter] = (incident_id, 0, TimelineFilter())

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def main(self) -> WarRoomScreen:
        return self.get_screen("warroom")  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.install_screen(WarRoomScreen(self.readonly), "warroom")
        self.push_screen("warroom")
        self.set_interval(1, self.tick)
        if not self.readonly:
            # Failed deliveries are retried by any running warroom: this one included.
            self.set_interval(DELIVERY_RETRY_SECONDS, self.retry_deliveries)
        self.refresh_now()
        if self.live:
            self.run_worker(self._watch, thread=True, name="live-refresh", group="live")

    def on_unmount(self) -> None:
        self._stop_watching()
        if self._frozen:
            gc.unfreeze()  # another app may start in this process (tests): let it all go

    def _freeze(self) -> None:
        """Once the first state is on screen: move every object alive now (modules, styles,
        widgets) out of the garbage collector's sight. A full collection otherwise walks all
        of them, a pause of tens of milliseconds in the middle of a live refresh."""
        if not self._frozen and self.is_running:
            self._frozen = True
            gc.freeze()

    def _stop_watching(self) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.close()

    async def action_quit(self) -> None:
        self._stop_watching()
        self.exit(0)

    def tick(self) -> None:
        """Once a second: the countdown and elapsed time, from the injected clock."""
        if self.main.is_mounted:
            self.main.tick(self.room.clock())

    def retry_deliveries(self) -> None:
        from warroom.delivery import retry_in_background

        def work() -> None:
            try:
                self.db_call(retry_in_background)
            except (WarroomError, OSError):
                return  # the next round tries again; the deliveries stay recorded

        self.run_worker(work, thread=True, group="deliveries", name="deliveries")

    # --- database work off the event loop ----------------------------------------------------

    def db_call(self, fn: Callable[[Room], T]) -> T:
        """Run `fn` on the room's connection; call from a worker thread only."""
        with self._db_lock:
            return fn(self.room)

    def db_then(self, fn: Callable[[Room], T], then: Callable[[T], Any]) -> None:
        """Read in a worker thread, then hand the result to `then` on the event loop."""

        def work() -> None:
            try:
                result = self.db_call(fn)
            except WarroomError as exc:
                self.post_message(ActionFailed(_problem_text(exc)))
                return
            self.call_from_thread(then, result)

        self.run_worker(work, thread=True, group="reads")

    def _wanted(self) -> TimelineKey | None:
        if self.incident_id is None:
            return None
        return TimelineKey(self.incident_id, self.timeline_filter)

    def _update_cursor(self) -> None:
        shown = self.main.timeline_key == self._wanted() and self._wanted() is not None
        after = self.main.timeline.last_id if shown else 0
        self._cursor = (self.incident_id, after, self.timeline_filter)

    def _load(self, room: Room) -> Snapshot:
        incident_id, after, flt = self._cursor
        return load_snapshot(room, incident_id, after_id=after, timeline_filter=flt)

    def refresh_now(self) -> None:
        def work() -> None:
            try:
                snapshot = self.db_call(self._load)
            except WarroomError as exc:
                self.post_message(DatabaseProblem(_problem_text(exc)))
                return
            self.post_message(Refreshed(snapshot))

        self.run_worker(work, thread=True, group="reads", name="refresh")

    def _watch(self) -> None:
        """The live-refresh loop, on its own connection (sqlite3 connections are per thread)."""
        worker = get_current_worker()
        path = self.room.store.path
        try:
            store = open_store(path, readonly=True)
        except WarroomError as exc:
            self.post_message(DatabaseProblem(f"Live refresh is off: {exc.message}"))
            return
        try:
            self._watcher = watcher = ChangeWatcher(path)
        except (OSError, WarroomError) as exc:
            store.close()
            self.post_message(DatabaseProblem(f"Live refresh is off: {exc}"))
            return
        room = Room(store, self.room.actor, self.room.settings, self.room.clock)
        problem = ""
        try:
            while not (worker.is_cancelled or self._stopping.is_set()):
                try:
                    changed = watcher.wait(timeout=WATCH_TIMEOUT)
                except WarroomError as exc:
                    # The file is unreadable for now: say so and keep watching.
                    problem = _problem_text(exc)
                    self.post_message(DatabaseProblem(problem))
                    self._stopping.wait(WATCH_TIMEOUT)  # no busy loop while it lasts
                    continue
                if worker.is_cancelled or self._stopping.is_set():
                    break
                if not path.exists():
                    problem = f"The database file {path} has gone (deleted or moved)."
                    self.post_message(DatabaseProblem(problem + " Showing the last state read."))
                    continue
                if not (changed or problem):
                    continue
                if not problem and self._only_ours(room):
                    continue
                try:
                    snapshot = self._load(room)
                except WarroomError as exc:
                    problem = _problem_text(exc)
                    self.post_message(DatabaseProblem(problem))
                    continue
                if problem:
                    problem = ""
                    self.post_message(DatabaseProblem(""))
                self.post_message(Refreshed(snapshot))
        finally:
            watcher.close()
            store.close()

    def _only_ours(self, room: Room) -> bool:
        """True if the newest commit is one of our own actions, already read back and
        refreshed explicitly. Every write adds a timeline entry, so another writer's commit
        shows as a newer id."""
        try:
            return newest_entry_id(room) <= self._own_version
        except WarroomError:
            return False  # the full read below reports it

    def write(
        self, work: Callable[[Room], ActionDone], *, then: Callable[[], Any] | None = None
    ) -> None:
        """Run a writing action in a worker. Every action adds a timeline entry: it is read
        back at once on the same connection (with anything newer than the shown timeline) and
        shown with the result, then the rest of the screen is refreshed explicitly: the
        watcher's data_version does change for our commits, but the user should not wait."""
        if self.readonly:
            return

        def run() -> None:
            with self._db_lock:
                try:
                    done = work(self.room)
                except WarroomError as exc:
                    self.post_message(ActionFailed(_problem_text(exc)))
                    return
                done.then = then
                # If reading back fails, the refresh below shows the entry or the problem.
                with contextlib.suppress(WarroomError):
                    self._read_new_entries(done)
                self._own_version = max(self._own_version, done.version)
                self.post_message(done)
            self.call_from_thread(self.refresh_now)

        self.run_worker(run, thread=True, group="actions", name="action")

    def _read_new_entries(self, done: ActionDone) -> None:
        incident_id, after, flt = self._cursor
        done.version, entries = load_new_entries(self.room, incident_id, after, flt)
        if entries is not None and incident_id is not None:
            done.entries = (TimelineKey(incident_id, flt), after, entries)

    def load_older(self, key: TimelineKey, before_id: int) -> None:
        def work() -> None:
            try:
                entries, more = self.db_call(lambda room: load_older(room, key, before_id))
            except WarroomError as exc:
                self.post_message(DatabaseProblem(_problem_text(exc)))
                return
            self.post_message(OlderLoaded(key, entries, more))

        self.run_worker(work, thread=True, group="reads", name="older")

    # --- messages from workers ---------------------------------------------------------------

    def on_refreshed(self, message: Refreshed) -> None:
        snapshot = message.snapshot
        incident = snapshot.incident
        if incident is not None:
            if self.incident_id is None:
                self.incident_id = incident.id  # adopt the active incident
            elif incident.id != self.incident_id:
                return  # read for an incident we have switched away from
            if snapshot.version < self._version and self.latest and self.latest.incident:
                return  # an older read that arrived late
        self._version = max(self._version, snapshot.version)
        self.latest = snapshot
        self.main.apply(snapshot, self.room.clock(), self._wanted())
        self._update_cursor()
        if not self._frozen:
            self.call_after_refresh(self._freeze)
        if incident is not None:
            for screen in self.screen_stack:
                if isinstance(screen, FollowupsScreen) and screen.incident.id == incident.id:
                    screen.show(snapshot.followups, self.today())
        if incident is None and not self.readonly and not self._offered_declare:
            self._offered_declare = True
            self.action_declare(first=True)

    def on_action_done(self, message: ActionDone) -> None:
        if message.entries is not None:
            key, after, entries = message.entries
            timeline = self.main.timeline
            # Only onto the timeline they were read for, and with no gap before them.
            if key == self.main.timeline_key == self._wanted() and timeline.last_id >= after:
                timeline.append(entries)
                self._update_cursor()
        # The notice after the frame with the entry: mounting a toast lays out the screen.
        self.call_after_refresh(self.say, message.notice)
        if message.switch_to is not None:
            self._switch(message.switch_to)
        if message.then is not None:
            message.then()

    def on_action_failed(self, message: ActionFailed) -> None:
        self.say(message.notice, "error")

    def on_database_problem(self, message: DatabaseProblem) -> None:
        if message.text and message.text != self.problem:
            self.say(message.text, "error")
        self.problem = message.text
        self.main.show_problem(message.text)

    def on_older_loaded(self, message: OlderLoaded) -> None:
        if message.key == self.main.timeline_key:
            self.main.timeline.prepend(message.entries, more_before=message.more_before)

    def say(self, text: str, severity: str = "information") -> None:
        """A notification of plain text: never parsed as markup, control characters shown."""
        shown = clean(text)
        self.notices.append(shown)
        self.notify(shown, severity=severity, markup=False)  # type: ignore[arg-type]

    # --- which actions are offered -----------------------------------------------------------

    def allows(self, action: str, screen: Screen[Any] | None = None) -> bool:
        if self.readonly and action in WRITE_ACTIONS:
            return False
        screen = screen or self.screen
        if action == "note" and isinstance(screen.focused, Input | TextArea):
            return False  # a priority key: "n" typed into a text field is just a letter
        return action not in MAIN_ACTIONS or isinstance(screen, WarRoomScreen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.allows(action)

    def run_command(self, action: str) -> None:
        """From the command palette, once it has closed."""
        if self.allows(action):
            self.call_later(self.run_action, action)
