"""The war room screen, and the controller of everything it does.

It shows the panes (header, countdown, roles, checklist, facts, timeline, update, note input;
once resolved, the review instead of the countdown and update), answers its keys, and owns
its workers, so they end with it:

* reads and writes run in thread workers through the `Session` (one connection, one lock);
* a writing action is read back at once on the same connection and its entry drawn from its
  own result, then the rest of the screen is refreshed explicitly;
* the live-refresh worker owns a second connection, blocks in `ChangeWatcher.wait()` and
  posts one `Refreshed` per burst of other writers' commits; it also follows the file by
  identity and says when it has been deleted or replaced (`FileMovedAway`).

Screens above this one post write requests (messages of data); the app hands them here.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import Worker, get_current_worker

from warroom import actions
from warroom.domain import ASKS_FOR_UPDATE, format_ref
from warroom.errors import BadInput, WarroomError
from warroom.room import Room
from warroom.safe_text import clean, screen_line
from warroom.startup import resume_gc
from warroom.storage import FileMoved, open_store
from warroom.tui.alert_data import alerts_mark
from warroom.tui.alert_handlers import alert_work
from warroom.tui.commands import MAIN_COMMANDS, PRIORITY, WRITE_ACTIONS, WRITE_KEYS
from warroom.tui.data import (
    Snapshot,
    TimelineFilter,
    TimelineKey,
    load_chain,
    load_filter_choices,
    load_incidents,
    load_new_entries,
    load_older,
    load_snapshot,
    load_timeline,
    newest_entry_id,
)
from warroom.tui.entry_text import full_text
from warroom.tui.messages import (
    ActionDone,
    AlertTriageRequested,
    DatabaseProblem,
    FileMovedAway,
    FollowupAddRequested,
    FollowupToggleRequested,
    OlderLoaded,
    PublishQuestion,
    PublishQuestionAsked,
    PublishRequested,
    Refreshed,
    RoleQuestion,
    WriteRequest,
)
from warroom.tui.screens.base import WorkScreen, failure_text, pointer_busy
from warroom.tui.session import Session
from warroom.tui.situation import Situation, load_situation, toast, waiting_for
from warroom.tui.widgets.brief import BriefPane
from warroom.tui.widgets.checklist import ChecklistPane
from warroom.tui.widgets.comms_gaps import CommsGapsBanner
from warroom.tui.widgets.countdown import CountdownPane
from warroom.tui.widgets.facts import FactsPane
from warroom.tui.widgets.footer import KeysFooter
from warroom.tui.widgets.header import HeaderBar
from warroom.tui.widgets.note_input import NoteInput, one_line_paste
from warroom.tui.widgets.review import ReviewPane
from warroom.tui.widgets.roles import RolesPane
from warroom.tui.widgets.situation import SituationBar
from warroom.tui.widgets.timeline import TimelineView
from warroom.tui.widgets.update_pane import UpdatePane
from warroom.views import Entry, Incident, entry_corrects, shared_history

if TYPE_CHECKING:
    from warroom.live import ChangeWatcher
    from warroom.tui.screens.assign import Assignment
    from warroom.tui.screens.declare import DeclareForm
    from warroom.tui.screens.mitigate import Mitigation
    from warroom.tui.screens.pickers import ChoiceScreen
    from warroom.tui.screens.triage import TriageForm

# The forms, pickers and the update panel are imported by the action that opens them, not
# here: the first screen needs none of them, and importing them (with the Select, RadioSet,
# OptionList and TextArea widgets behind them) cost about 30 ms of the first paint.


def _typing_in(widget: Widget | None) -> bool:
    """Is a text field focused? TextArea's module is loaded only once a screen uses one."""
    if isinstance(widget, Input):
        return True
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and isinstance(widget, text_area.TextArea)


def _shows(key: TimelineKey | None) -> Callable[[Entry], bool] | None:
    """Which entries read with this timeline are its rows: a filtered one reads the
    corrections it hides too, to show what they correct corrected."""
    return key.filter.accepts if key is not None and key.filter else None


W = TypeVar("W", bound=Widget)
# How often the live worker looks at the file's identity when no commit wakes it: a deleted
# or replaced file gets no commits, and our old -wal must go before anyone opens the new one.
WATCH_TIMEOUT = 0.5
DELIVERY_RETRY_SECONDS = 30.0
GC_PAUSE_LIMIT = 2.0  # seconds
CHECK_AFTER = 0.2  # seconds after mounting: the damaged-file check (tui/session.py)
# A note's Enter holds the screen's frames until the note can be drawn with the focus move,
# for at most this long (a locked or slow file then shows the cleared field without it).
NOTE_HOLD = 0.035  # seconds
DONE_NOTICE_SECONDS = 2.5  # "Note 3 added to INC-1" and the like


@dataclass(frozen=True)
class _NotWritten:
    text: str
    moved: bool = False  # refused because the file moved away


class WarRoomScreen(WorkScreen[None]):
    # Narrow terminals stack the panes and hide the facts and the update preview (both have
    # their own screens); wide ones give the update preview a column of its own. Below
    # -roomy the footer needs two rows to show every key.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal"), (140, "-roomy"), (170, "-wide")]

    BINDINGS = [
        Binding("escape", "leave_note", "Leave the note", show=False),
        *(
            Binding(
                c.key,
                c.action,
                c.title,
                show=c.in_footer,
                id=f"warroom.{c.action}",
                priority=c.action in PRIORITY,
            )
            for c in MAIN_COMMANDS
        ),
    ]

    # Textual's Screen repaints itself whole on every focus change; the widgets that gain or
    # lose focus restyle and repaint themselves anyway. The whole-screen repaint was most of
    # the time `n` (the note input focused) and Enter (back to the timeline) took.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(
        self,
        session: Session,
        incident_id: int | None = None,
        *,
        live: bool = True,
        first: Snapshot | None = None,
    ):
        super().__init__(id="warroom")
        self._first = first  # read before the app started: the first frame shows it
        self.session = session
        self.readonly = session.readonly
        self.live = live
        self.incident_id = incident_id
        self.timeline_filter = TimelineFilter()
        self.latest: Snapshot | None = None
        self.problem = ""
        self.moved: str | None = None  # "deleted" / "replaced" once the file moved away
        self._reopening = False
        self._last_failure = ""  # why the last write was not saved, for an editor opened on it
        # Notes not saved, waiting for the note field to be left, with why they were not.
        self._unsaved: list[tuple[str, str]] = []
        self.incident: Incident | None = None
        self.timeline_key: TimelineKey | None = None
        self._timeline_title = ""
        self._panes: dict[type[Widget], Widget] = {}
        self._version = -1
        self._own_version = 0  # the newest timeline id our own actions have read back
        self._watcher: ChangeWatcher | None = None
        self._stopping = threading.Event()
        self._offered_declare = False
        self._frozen = False
        self._previewed = False  # has a read rendered the customer update yet?
        self._filter_picker: ChoiceScreen | None = None  # composed on first use, kept
        self._shown_before = 0  # at r: the newest entry shown from the file left behind
        # Many hands (tui/situation.py): other incidents, handovers, others' changes.
        self.situation: Situation | None = None
        self._aware_incident: int | None = None
        self._aware_after: int | None = None
        self._unseen: tuple[int, datetime | None] = (0, None)
        # What the next read asks for: (incident, entries after this id, filter).
        self._cursor: tuple[int | None, int, TimelineFilter] = (incident_id, 0, TimelineFilter())
        if first is not None and first.incident is not None:
            # Known from the start: a key typed as the war room starts (n, then a note) can
            # arrive before on_mount draws this snapshot, and must act on the incident, not
            # say "No incident yet" and run the note's letters as commands.
            self.latest = first
            self.incident = first.incident

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header", readonly=self.readonly)
        yield SituationBar(id="situation")
        with Horizontal(id="body"):
            with Vertical(id="side"):
                with Vertical(id="side-top"):
                    yield CountdownPane(id="countdown")
                    yield RolesPane(id="roles")
                    yield BriefPane(id="brief")
                yield ChecklistPane(id="checklist")
                yield FactsPane(id="facts")
            with Vertical(id="main"):
                timeline = TimelineView(id="timeline")
                timeline.border_title = "Timeline"
                timeline.empty_text = "Loading…"
                yield timeline
                yield UpdatePane(id="update")
                yield ReviewPane(id="review")
        yield CommsGapsBanner(id="comms-gaps")
        yield Static(Text(""), id="problem")
        if not self.readonly:
            yield NoteInput(placeholder="n: add a note to the timeline, Enter saves", id="note")
        yield KeysFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.focused is None:  # n typed as the app started has the note field focused
            self.query_one(TimelineView).focus()
        if self.readonly:
            # No write key anywhere, pane titles included.
            self._pane(BriefPane).border_title = "Roles · triage"
            self._pane(FactsPane).border_title = "Triage"
            self._pane(ChecklistPane).border_title = "Checklist"
        # The screen's own timer: it stops when the screen goes, so it never fires into a
        # half torn-down app.
        self.set_interval(1, self.tick, name="tick")
        # The collector resumes with the first state shown (_freeze), or after this if no
        # read succeeds, so that a war room waiting for its file never runs without it.
        self.set_timer(GC_PAUSE_LIMIT, resume_gc, name="resume-gc")
        if not self.readonly:
            # Failed deliveries are retried by any running warroom: this one too.
            self.set_interval(DELIVERY_RETRY_SECONDS, self.retry_deliveries, name="deliveries")
        if self.live:
            # After the first frame: its thread (a second connection, inotify) would only
            # compete with drawing it. The read after that frame catches up on anything
            # committed since the first read.
            self.call_after_refresh(self._start_live_once_drawn)
        # The damaged-file check a command makes before writing, also just after the first
        # frame has gone out (a damaged file is said at once; a write runs it in any case).
        # Not at once: reading the whole file, it delayed the frame's own output.
        self.set_timer(CHECK_AFTER, self._check_file, name="integrity")
        first, self._first = self._first, None
        if first is not None and first.incident is not None:
            # Applied before the first layout, so the first frame is the incident, not empty
            # panes saying "Loading…"; the read after that frame brings the update preview.
            self._show_snapshot(first)
            self._previewed = True
            self.call_after_refresh(self.refresh_now)
        else:
            self.refresh_now()

    def on_unmount(self) -> None:
        self._stop_watching()
        if self._frozen:
            gc.unfreeze()  # another app may start in this process (tests): let it all go

    def on_resize(self, event: events.Resize) -> None:
        # Below 70x22 the checklist gives its room to the timeline (c shows it).
        self.set_class(event.size.width < 70 or event.size.height < 22, "-tiny")
        # Below 80 columns the footer's 16 keys take three rows: in two, the last of each
        # row were cut ("a Assig" at 60 columns). Below 22 rows the timeline cannot spare
        # one: two rows then show the first twelve keys whole, and ? lists them all.
        self.set_class(event.size.width < 80, "-slim")
        self.set_class(event.size.height < 22, "-short")

    @property
    def timeline(self) -> TimelineView:
        return self._pane(TimelineView)

    def _pane(self, kind: type[W]) -> W:
        # Looked up once: a refresh touches every pane, and a query walks the whole DOM.
        pane = self._panes.get(kind)
        if pane is None:
            pane = self._panes[kind] = self.query_one(kind)
        return pane  # type: ignore[return-value]

    def _freeze(self) -> None:
        """Once the first state is on screen: move every object alive now (modules, styles,
        widgets) out of the garbage collector's sight. A full collection otherwise walks all
        of them, a pause of tens of milliseconds in the middle of a live refresh. The
        collector is paused from the start until here (warroom/startup.py)."""
        if not self._frozen and self.is_attached:
            self._frozen = True
            gc.freeze()
        resume_gc()

    def apply(self, snapshot: Snapshot, now: datetime, wanted: TimelineKey | None) -> None:
        """Show a snapshot. Its entries are used only if they belong to the wanted timeline."""
        self.incident = snapshot.incident
        resolved = snapshot.incident is not None and snapshot.incident.status == "resolved"
        self.set_class(resolved, "-resolved")
        if resolved:
            today = now.astimezone().date()
            self._pane(ReviewPane).show(snapshot.metrics, snapshot.followups, today)
        # Each pane repaints only if what it shows changed: usually only the timeline does.
        self._pane(HeaderBar).show(snapshot.incident, now)
        self._pane(CommsGapsBanner).show(snapshot.incident)
        self._pane(HeaderBar).show_alerts(snapshot.alerts_firing)
        self._pane(CountdownPane).show(snapshot.incident, now)
        self._pane(RolesPane).show(snapshot.incident)
        self._pane(BriefPane).show(snapshot.incident)
        self._pane(ChecklistPane).show(snapshot.incident)
        self._pane(FactsPane).show(snapshot.incident)
        self._pane(UpdatePane).show(
            snapshot.template, snapshot.rendered, snapshot.render_error, snapshot.updates
        )
        timeline = self.timeline
        timeline.set_today(now.astimezone().date())
        if snapshot.incident is None:
            timeline.empty_text = "No incident yet. Press d to declare one."
            timeline.reset([], more_before=False)
            self.timeline_key = None
            return
        if wanted is None or snapshot.key != wanted:
            return
        if snapshot.reset:
            timeline.empty_text = (
                "No entries match the filter." if wanted is not None and wanted.filter else ""
            )
            timeline.reset(
                snapshot.entries,
                more_before=snapshot.more_before,
                shows=_shows(wanted),
                read_to=snapshot.version,
            )
            self.timeline_key = snapshot.key
        elif self.timeline_key == snapshot.key:
            timeline.append(snapshot.entries, read_to=snapshot.version)
        self._show_title(wanted)

    def _show_title(self, wanted: TimelineKey | None) -> None:
        timeline = self.timeline
        shown = wanted.filter.describe() if wanted and wanted.filter else ""
        title = f"Timeline ({screen_line(shown, 40)}; f: filter)" if shown else "Timeline"
        if self._timeline_title != title:
            # A Text, never a str: the filter may name an author, and a str title is parsed
            # as markup (`[/]` would crash the app). Setting it repaints, even to the same
            # value, so compare with what was set last.
            self._timeline_title = title
            timeline.border_title = Text(title)

    def tick(self) -> None:
        """Once a second: the countdown and elapsed time, from the injected clock."""
        if not self.is_attached or not self._panes.get(TimelineView):
            return  # not composed yet, or already taken apart
        now = self.session.room.clock()
        self.timeline.set_today(now.astimezone().date())
        if self.incident is not None:
            self._pane(HeaderBar).tick(self.incident, now)
        self._pane(CountdownPane).show(self.incident, now)

    def show_problem(self, text: str) -> None:
        problem = self.query_one("#problem", Static)
        problem.update(Text(clean(text)))
        problem.display = bool(text)

    # --- which keys are offered ----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.readonly:
            return False  # hidden everywhere: footer, palette, help
        if action in PRIORITY and _typing_in(self.focused):
            return False  # a priority key: "n" typed into a text field is just a letter
        if action == "reopen":
            return self.moved is not None
        return True

    def on_key(self, event: events.Key) -> None:
        # Hidden write keys do nothing; say why instead of doing nothing silently.
        if self.readonly and event.key in WRITE_KEYS and not _typing_in(self.focused):
            event.stop()
            self.notify(
                "Read-only (warroom watch): this view never writes. Add a note from a shell "
                "with `warroom note TEXT`, or open the war room with `warroom`.",
                severity="warning",
            )

    # --- reading ------------------------------------------------------------------------

    def _wanted(self) -> TimelineKey | None:
        if self.incident_id is None:
            return None
        return TimelineKey(self.incident_id, self.timeline_filter)

    def _update_cursor(self) -> None:
        shown = self.timeline_key == self._wanted() and self._wanted() is not None
        after = self.timeline.last_id if shown else 0
        self._cursor = (self.incident_id, after, self.timeline_filter)

    def _load(self, room: Room) -> Snapshot:
        incident_id, after, flt = self._cursor
        # The first read skips the customer-update preview (Jinja2's import and a render):
        # the screen shows first, and the read right after it brings the preview.
        return load_snapshot(
            room, incident_id, after_id=after, timeline_filter=flt, preview=self._previewed
        )

    def refresh_now(self) -> None:
        self.run_in_thread("refresh", lambda: self.session.call(self._load), self.show_snapshot)

    def _tell_editors(self, text: str) -> None:
        """Say to an open note editor how its reopen (ctrl+r) went."""
        editors = sys.modules.get("warroom.tui.screens.note_editor")  # loaded once opened
        for screen in self.app.screen_stack:
            if editors is not None and isinstance(screen, editors.NoteEditor):
                screen.say(text)

    def worker_failed(self, worker: Worker[Any], text: str) -> None:
        if worker.name == "reopen":
            self._reopening = False
            self._tell_editors(f"Not reopened: {text}")
        if worker.name in ("refresh", "older", "integrity"):
            self.show_database_problem(text)
        else:
            self.notify(text, severity="error")

    def _incident(self) -> Incident | None:
        if self.latest is None:
            # Not read yet, or the file could not be read: "no incident" would be a guess
            # that invites declaring a second one.
            if self.problem:
                self.notify(f"Not now: {self.problem}", severity="error")
            else:
                self.notify("Still reading the file: try again in a moment.", severity="warning")
            return None
        incident = self.latest.incident
        if incident is None:
            self.notify("No incident yet: press d to declare one.", severity="warning")
        return incident

    def _read(self, name: str, fn: Callable[[Room], Any], then: Callable[[Any], object]) -> None:
        self.run_in_thread(name, lambda: self.session.call(fn), then)

    @on(Refreshed)
    def refreshed(self, message: Refreshed) -> None:
        self.show_snapshot(message.snapshot)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self._show_snapshot(snapshot)
        if not self._previewed and snapshot.incident is not None and self.is_mounted:
            self._previewed = True
            self.call_after_refresh(self.refresh_now)  # after the first frame, not during it
        elif self._filter_picker is None and snapshot.incident is not None and self.is_mounted:
            self.call_after_refresh(self._prepare_filter)  # once the screen is complete

    def _show_snapshot(self, snapshot: Snapshot) -> None:
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
        self.apply(snapshot, self.session.room.clock(), self._wanted())
        self._update_cursor()
        self.look_around()
        if not self._frozen:
            self.call_after_refresh(self._freeze)
        alerts = sys.modules.get("warroom.tui.screens.alerts")  # loaded once one was opened
        for screen in self.app.screen_stack:
            if alerts is not None and isinstance(screen, alerts.AlertsScreen):
                screen.show(snapshot.alerts, incident)
        if incident is not None:
            # Only if its module was loaded can a follow-ups screen be open.
            followups = sys.modules.get("warroom.tui.screens.followups")
            for screen in self.app.screen_stack:
                if (
                    followups is not None
                    and isinstance(screen, followups.FollowupsScreen)
                    and screen.incident.id == incident.id
                ):
                    screen.show(snapshot.followups, self.session.today())
        if incident is None and not self.readonly and not self._offered_declare:
            self._offered_declare = True
            if snapshot.alerts_firing:
                self.action_alerts()  # no incident yet, but monitoring says something is up
            else:
                self.action_declare(first=True)

    @on(DatabaseProblem)
    def database_problem(self, message: DatabaseProblem) -> None:
        self.show_database_problem(message.text)

    def show_database_problem(self, text: str) -> None:
        if self.moved is not None and text:
            return  # the moved-file banner says more, and stays
        if text and text != self.problem:
            self.notify(text, severity="error")
        self.problem = text
        self.show_problem(text)

    @on(TimelineView.NeedOlder)
    def need_older(self, event: TimelineView.NeedOlder) -> None:
        key = self.timeline_key
        if key is None:
            return
        before = event.before_id
        self._read(
            "older", lambda room: OlderLoaded(key, *load_older(room, key, before)), self._older
        )

    def _older(self, loaded: OlderLoaded) -> None:
        if loaded.key == self.timeline_key:
            self.timeline.prepend(loaded.entries, more_before=loaded.more_before)

    @on(TimelineView.NeedNewest)
    def need_newest(self) -> None:
        # Read the newest page again: with no timeline shown, the next read is a reset.
        self.timeline_key = None
        self._update_cursor()
        self.refresh_now()

    # --- the live worker ----------------------------------------------------------------

    def _check_file(self) -> None:
        if not self.readonly and self.is_attached:
            self.run_in_thread("integrity", self.session.check_integrity)

    def _start_live_once_drawn(self) -> None:
        if self.is_attached and not self._stopping.is_set():
            self._start_live()

    def _start_live(self) -> None:
        self._stop_watching()  # a worker still on the old file (after a reopen) ends first
        self._stopping = threading.Event()
        self.run_worker(
            self._watch, thread=True, name="live-refresh", group="live", exit_on_error=False
        )

    def _stop_watching(self) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.close()

    def _watch(self) -> None:
        """The live-refresh loop, on its own connection (SQLite connections are per thread)."""
        worker = get_current_worker()
        stopping = self._stopping
        session_room = self.session.room
        path = session_room.store.path
        gone = session_room.store.moved()
        if gone is not None:
            # Moved before the loop began: opening the path would read the new file through
            # the old one's -wal and -shm, which this process still holds.
            self.post_message(FileMovedAway(gone))
            return
        try:
            store = open_store(path, readonly=True)
        except WarroomError as exc:
            self.post_message(DatabaseProblem(f"Live refresh is off: {exc.message}"))
            return
        from warroom.live import ChangeWatcher  # ctypes and inotify: not for the first frame

        try:
            self._watcher = watcher = ChangeWatcher(path)
        except (OSError, WarroomError) as exc:
            store.close()
            self.post_message(DatabaseProblem(f"Live refresh is off: {exc}"))
            return
        # Followed from the identity the room's own connection opened, not ours.
        store.identity = session_room.store.identity
        room = Room(store, session_room.actor, session_room.settings, session_room.clock)
        problem = ""
        moved: str | None = None
        try:
            while not (worker.is_cancelled or stopping.is_set()):
                try:
                    changed = watcher.wait(timeout=WATCH_TIMEOUT)
                except WarroomError as exc:
                    # The file is unreadable for now: say so and keep watching.
                    problem = failure_text(exc)
                    self.post_message(DatabaseProblem(problem))
                    stopping.wait(WATCH_TIMEOUT)  # no busy loop while it lasts
                    continue
                if worker.is_cancelled or stopping.is_set():
                    break
                moved = store.moved()
                if moved is not None:
                    break
                if not (changed or problem):
                    continue
                if not problem and self._only_ours(room):
                    continue
                try:
                    snapshot = self._load(room)
                except WarroomError as exc:
                    problem = failure_text(exc)
                    self.post_message(DatabaseProblem(problem))
                    continue
                if problem:
                    problem = ""
                    self.post_message(DatabaseProblem(""))
                self.post_message(Refreshed(snapshot))
        finally:
            # Closed before the room's own connection is let go (retire), so that one is the
            # last: only it decides whether SQLite may delete the -wal beside the path.
            watcher.close()
            store.close()
        if moved is not None:
            self.post_message(FileMovedAway(moved))

    def _only_ours(self, room: Room) -> bool:
        """True if the newest commit is one of our own actions, already read back and
        refreshed explicitly. Every write adds a timeline entry, so another writer's commit
        shows as a newer id; alerts arriving add none, so their mark is compared too."""
        try:
            if newest_entry_id(room) > self._own_version:
                return False
            latest = self.latest
            with room.read() as conn:
                return latest is not None and alerts_mark(conn) == latest.alerts_mark
        except WarroomError:
            return False  # the full read below reports it

    # --- the file moved away, and coming back to it -------------------------------------

    @on(FileMovedAway)
    def file_moved_away(self, message: FileMovedAway) -> None:
        # From a live worker of a file reopened since: the one open now may be fine.
        how = self.session.moved()
        if how is not None:
            self.file_moved(how)

    def file_moved(self, how: str) -> None:
        if self.moved == how:
            return
        self.moved = how
        path = self.session.path
        if how == "deleted":
            text = (
                f"{path} has been deleted or moved away: nothing can be saved, every change "
                "is refused. r reopens once a file is back at the path."
            )
        else:
            text = (
                f"{path} has been replaced by another file (a restored backup?): nothing "
                "can be saved here, every change is refused. r opens the file now at the path."
            )
        self.problem = text
        self.show_problem(text)
        # Short: the banner says it all, and a toast as long as the banner crowded out the
        # next ones ("Not saved") on a small screen (60x20, under load: CI).
        self.notify(
            f"The file has been {how}: nothing is saved until r reopens it.", severity="error"
        )
        self.refresh_bindings()
        self.run_in_thread("retire", lambda: self.session.retire(how))

    def action_reopen(self) -> None:
        if self.moved is None or self._reopening:
            return  # nothing to reopen, or a reopen under way (ctrl+r pressed twice)
        self._reopening = True
        incident_id = self.incident_id
        flt = self.timeline_filter
        previewed = self._previewed
        self._shown_before = self.timeline.newest_row_id  # the newest one on the screen

        def work() -> tuple[int | None, Snapshot | None, int | None]:
            self.session.reopen()
            before = self.session.left_behind
            shared = None
            if before:
                try:
                    after = self.session.call(
                        lambda room: load_chain(room, min(before), max(before))
                    )
                except WarroomError:
                    after = {}
                shared = shared_history(before, after)

            def read(room: Room, wanted: int | None) -> Snapshot:
                return load_snapshot(
                    room, wanted, after_id=0, timeline_filter=flt, preview=previewed
                )

            wanted = incident_id
            try:
                if incident_id is not None:
                    try:
                        self.session.call(lambda room: room.incident(incident_id))
                    except BadInput:
                        wanted = None  # not in this file: show its active incident instead
                # Read in the same worker: the screen never holds "reopened, not read yet",
                # when keys would answer "still reading" (a note typed right after r was
                # dropped).
                return wanted, self.session.call(lambda room: read(room, wanted)), shared
            except WarroomError:
                # Reopened, but not read (locked, say): the screen still leaves the moved
                # file behind, and its own refresh says what is wrong.
                return wanted, None, shared

        self.run_in_thread("reopen", work, self._reopened)

    def _reopened(self, reopened: tuple[int | None, Snapshot | None, int | None]) -> None:
        wanted, snapshot, shared = reopened
        self._reopening = False
        self._tell_editors(f"Reopened {self.session.path}: ctrl+s adds it there now.")
        self.moved = None
        self.problem = ""
        self.show_problem("")
        if snapshot is not None and snapshot.incident is not None:
            wanted = snapshot.incident.id
        self.incident_id = wanted
        self.latest = None
        self._version = -1
        self._own_version = 0
        self.timeline_key = None
        self._cursor = (self.incident_id, 0, self.timeline_filter)
        self.refresh_bindings()
        # The footer only dims a key that goes away; r must go, not linger dimmed.
        self.query_one(KeysFooter).refresh(recompose=True)
        shown = self._shown_before
        # Where the files part, by the hash chain (a note written to the restored file at
        # once takes an id the old one had used), else by the newest id.
        if shared is None and snapshot is not None:
            shared = snapshot.version
        if snapshot is not None and shared is not None and 0 <= shared < shown:
            # As tail -f says it: what was on the screen that the restored file lacks.
            # Short: a long toast that outlived the next ones hid them on a small screen.
            self.notify(
                f"Reopened. The restored file lacks #{shared + 1} to #{shown}, shown before.",
                severity="warning",
            )
        else:
            self.notify(f"Reopened {self.session.path}")
        if snapshot is not None:
            self.show_snapshot(snapshot)
        if snapshot is None or snapshot.key != self._wanted():
            self.refresh_now()  # not read, or read for a filter changed since
        if self.live:
            self._start_live()

    def retry_deliveries(self) -> None:
        """Start a detached delivery worker when a failed delivery is due again: the hooks
        run in that process, never on this screen's connection or event loop."""
        from warroom.delivery import retry_in_background

        if self.moved is None:
            self.run_in_thread(
                "deliveries",
                lambda: self.session.call(retry_in_background),
                group="deliveries",
            )

    # --- writing ------------------------------------------------------------------------

    def write(
        self,
        work: Callable[[Room], ActionDone],
        *,
        name: str = "action",
        failed: Callable[[], None] | None = None,
        settled: Callable[[], None] | None = None,
        keeps: str | None = None,
    ) -> None:
        """Run a writing action in a worker. Every action adds a timeline entry: it is read
        back at once on the same connection (with anything newer than the shown timeline) and
        shown with the result, then the rest of the screen is refreshed explicitly: the
        watcher's data_version does change for our commits, but the user should not wait.
        `failed` runs on the event loop if nothing was written; `settled` last, either way.
        `keeps`: the text at stake (a note): if it fails once the war room has gone, the
        session holds it for the terminal (Session.unsaved)."""
        if self.readonly:
            self.notify("Read-only: this view never writes.", severity="warning")
            if settled is not None:
                settled()
            return
        if self.moved is not None:
            self.notify(
                f"Not saved: {self.session.path} has been {self.moved}. Press r to reopen"
                " (ctrl+r in the note editor).",
                severity="error",
            )
            if failed is not None:
                failed()
            if settled is not None:
                settled()
            return
        cursor = self._cursor

        def run() -> ActionDone | _NotWritten:
            try:
                done = self.session.write(work)
            except FileMoved as exc:
                # Worded as the refusal before the write is: "Not saved", then why.
                return self._not_written(
                    _NotWritten(f"Not saved: {exc.message}", moved=True), keeps
                )
            except Exception as exc:  # a bug as well as a state of the file: said, text kept
                return self._not_written(_NotWritten(failure_text(exc)), keeps)
            # If reading back fails, the refresh after it shows the entry or the problem.
            try:
                version, entries = self.session.call(
                    lambda room: load_new_entries(room, cursor[0], cursor[1], cursor[2])
                )
            except WarroomError:
                return done
            self._own_version = max(self._own_version, version)
            shown = None
            if entries is not None and cursor[0] is not None:
                shown = (TimelineKey(cursor[0], cursor[2]), cursor[1], entries)
            return replace(done, version=version, entries=shown)

        def then(result: ActionDone | _NotWritten) -> None:
            try:
                if isinstance(result, ActionDone):
                    self.action_done(result)
                    return
                self.notify(result.text, severity="error")
                self._last_failure = result.text
                if result.moved:
                    self.file_moved(self.session.moved() or "replaced")
                if failed is not None:
                    failed()
            finally:
                if settled is not None:
                    settled()

        self.run_in_thread(name, run, then, group="actions", now=True)

    def _not_written(self, result: _NotWritten, keeps: str | None) -> _NotWritten:
        # From the writer thread. Held until the screen takes it back (then): if the war
        # room has gone meanwhile (Enter, then ctrl+q on a locked file), the terminal shows it.
        if keeps is not None:
            self.session.not_saved(keeps, result.text)
        return result

    def action_done(self, done: ActionDone) -> None:
        drawn = False
        if done.entries is not None:
            key, after, entries = done.entries
            timeline = self.timeline
            # Only onto the timeline they were read for, and with no gap before them.
            if key == self.timeline_key == self._wanted() and timeline.last_id >= after:
                drawn = timeline.append(entries, read_to=done.version) > 0
                self._update_cursor()
        if done.ask is not None:
            self.ask(done.ask)
            return
        # The notice after the frame with the entry: mounting a toast lays out the screen.
        # Short-lived: the change is on the screen already, and a notice each of eight quick
        # notes stacked up over the timeline and the header for seconds (drill).
        self.call_after_refresh(partial(self.notify, done.notice, timeout=DONE_NOTICE_SECONDS))
        if done.offer_update is not None:
            self.action_update_panel(done.offer_update)
        if done.switch_to is not None:
            self._switch(done.switch_to)
        if done.close is not None and self.app.screen.id == done.close:
            self.app.screen.dismiss(None)
        if drawn and done.offer_update is None and done.switch_to is None:
            # The rest of the screen after the frame that shows the entry: a refresh landing
            # first put every pane's changes into that frame, drawn a frame later.
            self.call_after_refresh(self.refresh_now)
        else:
            self.refresh_now()

    def handle_request(self, request: WriteRequest) -> None:
        """A write asked for by a screen above this one (the app hands it here)."""
        close = request.screen_id
        if isinstance(request, PublishRequested):
            from warroom.tui.publishing import publish_work

            self.write(partial(publish_work, request), name="publish")
        elif isinstance(request, FollowupAddRequested):
            add = request

            def add_followup(room: Room) -> ActionDone:
                number = actions.add_followup(
                    room, add.incident_id, add.text, owner=add.owner, due=add.due
                )
                return ActionDone(
                    f"Follow-up #{number} added to {format_ref(add.incident_id)}", close=close
                )

            self.write(add_followup)
        elif isinstance(request, AlertTriageRequested):
            self.write(alert_work(request))
        elif isinstance(request, FollowupToggleRequested):
            item_id, undo = request.followup_id, request.undo
            self.write(
                lambda room: ActionDone(
                    f"Follow-up #{item_id} is {'open again' if undo else 'done'}"
                    if actions.complete_followup(room, item_id, undo=undo)
                    else f"Follow-up #{item_id} had already changed",
                    close=close,
                )
            )
        else:
            self.notify(
                f"internal error: no handler for {type(request).__name__}", severity="error"
            )

    # --- the keys -----------------------------------------------------------------------

    def action_leave_note(self) -> None:
        self.set_focus(self.timeline)
        self._open_unsaved()

    def _open_unsaved(self) -> None:
        """A note that failed while the next one was being typed: in the editor, now that
        the field has been left (opened at once, it took the keys typed for the field)."""
        if self._unsaved:
            text, why = self._unsaved.pop(0)
            self.call_after_refresh(self.open_note_editor, text, why)

    def action_note(self) -> None:
        if self._incident():
            self.focus_note()

    def focus_note(self) -> None:
        # set_focus, not Input.focus(): that one waits its turn behind key presses already
        # queued, so a note typed quickly after n went to the key bindings instead.
        if not self.readonly:
            self.set_focus(self.query_one("#note", Input))

    @on(Input.Submitted, "#note")
    def note_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.set_focus(self.timeline)
            if isinstance(event.input, NoteInput):
                event.input.hand_over()
            return
        note_input = event.input
        # One frame for the cleared field, the focus move and the note, not a frame for the
        # focus move and the note in the next one: each costs 10-15 ms to draw.
        release = self._hold_frames(NOTE_HOLD)
        note_input.clear()
        # The write before the focus change: it starts at once on the writer thread.
        self.add_note(text, note_input, settled=release)
        self.set_focus(self.timeline)  # so the single-letter keys work again, at once
        if isinstance(note_input, NoteInput):
            note_input.hand_over()  # keys typed after Enter, now, before any newer key
        self._open_unsaved()

    def _hold_frames(self, limit: float) -> Callable[[], None]:
        """Hold the app's frames (keys and messages go on) until the returned callable is
        called or `limit` seconds have passed, whichever is first."""
        batch = self.app.batch_update()
        batch.__enter__()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                batch.__exit__(None, None, None)
                # The screen draws again only once it next looks for work: ask it now (on a
                # slow write the focus move waited for the next tick, up to a second).
                if self.app.screen_stack:
                    self.app.screen.check_idle()

        # On the app: a timer of this screen would not fire once the screen has gone.
        self.app.set_timer(limit, release, name="hold-frames")
        return release

    def add_note(
        self,
        text: str,
        note_input: Input | None = None,
        *,
        failed: Callable[[], None] | None = None,
        settled: Callable[[], None] | None = None,
    ) -> None:
        incident_id = self.incident_id
        if incident_id is None:
            if settled is not None:
                settled()
            return

        def keep_text() -> None:
            # Not saved: give the text back, so nothing typed is lost. The field may hold the
            # next note by now (a slow file): then the unsaved one opens in the editor.
            if note_input is None:
                return
            if not note_input.value:
                note_input.value = text
                self.session.handled(text)  # back in the field
            elif note_input.value != text and note_input.has_focus:
                self._unsaved.append((text, self._not_saved_here()))  # why: as of now
                self.notify(
                    "The note not saved opens in the editor once you press Enter or Esc here.",
                    severity="warning",
                )
            elif note_input.value != text:
                self._reopen_editor(text)

        typed_at = self.session.room.now()  # saved late (a lock), it happened at Enter
        self.write(
            lambda room: ActionDone(
                f"Note {actions.note(room, incident_id, text, typed_at=typed_at)} added to"
                f" {format_ref(incident_id)}"
            ),
            failed=failed or keep_text,
            settled=settled,
            keeps=text,
        )

    # --- pastes: one note holding all of it (see tui/paste_driver.py for bursts) ---

    @on(NoteInput.Pasted)
    def note_pasted(self, event: NoteInput.Pasted) -> None:
        typed = event.typed.strip()
        self.open_note_editor(f"{typed}\n{event.pasted}" if typed else event.pasted)

    def on_paste(self, event: events.Paste) -> None:
        # A paste while the timeline (or anything but a text field) has focus: the keys
        # must not run as commands, and the text is most likely a log for the timeline.
        event.stop()
        if self.readonly or not event.text.strip():
            return
        line = one_line_paste(event.text)
        if line is None:
            self.open_note_editor(event.text)
        else:
            self.focus_note()
            self.query_one("#note", Input).insert_text_at_cursor(line)

    def _reopen_editor(self, text: str) -> None:
        # The closing editor may still be leaving the stack: screens that can be open twice
        # for a moment carry no fixed id (DuplicateIds otherwise, seen in CI under load).
        self.call_after_refresh(self.open_note_editor, text, self._not_saved_here())

    def _not_saved_here(self) -> str:
        """Why an editor opens again on its text."""
        if self.moved is None:
            return f"{self._last_failure} ctrl+s tries again." if self._last_failure else ""
        return (
            f"Not saved: {self.session.path} has been {self.moved}. ctrl+r opens the file now "
            "at the path; then ctrl+s adds it."
        )

    def open_note_editor(self, text: str, problem: str = "") -> None:
        from warroom.tui.screens.note_editor import NoteEditor

        self.session.handled(text)  # if it was one not saved: back in an editor

        def added(result: str | None) -> None:
            self.set_focus(self.timeline)
            self._open_unsaved()  # the next one not saved, if any
            if result is not None:
                # Not saved (locked, moved...): the editor opens again on the same text.
                self.add_note(result, failed=partial(self._reopen_editor, result))

        self.app.push_screen(NoteEditor(text, problem=problem), added)

    # --- many hands: what others did, handovers, the brief, entries opened whole --------

    def look_around(self) -> None:
        """After each refresh: other open incidents, pending handovers, others' changes."""
        incident_id = self.incident_id
        if incident_id is None:
            return
        after = self._aware_after if self._aware_incident == incident_id else None
        self._read(
            "situation",
            lambda room: load_situation(room, incident_id, after),
            self._show_situation,
        )

    def _show_situation(self, situation: Situation) -> None:
        if situation.incident_id != self.incident_id:
            return
        fresh = situation.incident_id != self._aware_incident
        shown_up_to = None if fresh else (self._aware_after or 0)
        self._aware_incident = situation.incident_id
        self._aware_after = max(situation.newest, shown_up_to or 0)
        if fresh:
            self._unseen = (situation.unseen, situation.seen_at)
        else:
            # The "new since you last looked" line stays until the brief is read.
            situation = replace(situation, unseen=self._unseen[0], seen_at=self._unseen[1])
        self.situation = situation
        self._pane(RolesPane).show_handovers({h.role: h.to_name for h in situation.pending})
        # A taller bar moves the timeline's end; the timeline follows on any resize.
        self.query_one(SituationBar).show(situation, self.session.room.actor)
        if fresh and not self.readonly and self.moved is None:
            # This login has now looked at the incident (brief --since-last counts from here).
            self.run_in_thread("seen", partial(self._mark_seen, situation))
        for entry in situation.news:
            if shown_up_to is not None and entry.id > shown_up_to:
                self.notify(toast(entry))  # a toast: it never takes the focus

    def _mark_seen(self, situation: Situation) -> None:
        """In a worker. Bookkeeping only: a marker that cannot be saved (the file locked,
        moved away meanwhile) must not alarm anyone or stand in the way of real writes."""
        incident_id, newest = situation.incident_id, situation.newest
        if self.session.moved() is not None:
            return
        try:
            self.session.write(lambda room: actions.mark_seen(room, incident_id, newest))
        except WarroomError:
            return  # the next look tries again; nothing anyone wrote is at stake

    def action_ack(self) -> None:
        incident_id = self.incident_id
        me = self.session.room.actor
        if incident_id is None or not (self.situation and waiting_for(self.situation, me)):
            self.notify("No handover is waiting for you on this incident.", severity="warning")
            return
        self.write(
            lambda room: ActionDone(
                "You now hold " + ", ".join(actions.acknowledge_handover(room, incident_id))
            )
        )

    def action_brief(self) -> None:
        incident_id = self.incident_id
        if incident_id is not None:
            from warroom.tui.screens.entries import brief_text
            from warroom.tui.screens.text_view import TextView

            self._read(
                "brief",
                lambda room: brief_text(room, incident_id),
                lambda text: self.app.push_screen(TextView("Brief", text)),
            )
            if self.situation is not None and self._unseen[0]:
                self._unseen = (0, None)  # caught up: the marker line goes
                self.situation = replace(self.situation, unseen=0, seen_at=None)
                self.query_one(SituationBar).show(self.situation, self.session.room.actor)

    def action_entries(self) -> None:
        incident_id = self.incident_id
        if incident_id is not None:
            from warroom.tui.screens.entries import recent_entries

            self._read("entries", lambda room: recent_entries(room, incident_id), self._pick)

    def _pick(self, loaded: tuple[list[Entry], dict[int, Entry]]) -> None:
        from warroom.tui.screens.entries import entry_picker

        entries, latest = loaded
        self.app.push_screen(
            entry_picker(entries, latest), partial(self._open_entry, entries, latest)
        )

    def _open_entry(
        self, entries: list[Entry], latest: dict[int, Entry], choice: str | None
    ) -> None:
        entry = next((e for e in entries if str(e.id) == choice), None)
        if entry is None:
            return
        from warroom.tui.screens.entries import correction_state
        from warroom.tui.screens.text_view import TextView

        # The original opens whole, saying if it was corrected or superseded since.
        said, base = correction_state(entry, latest)
        since = f" {said}" if said else ""
        self.app.push_screen(
            TextView(
                f"#{entry.id} {entry.kind} by {entry.author}{since}",
                full_text(entry),
                can_correct=not self.readonly,
            ),
            lambda result: self._correct(entry, base) if result == "correct" else None,
        )

    def _recorrect(self, entry: Entry, base: str, draft: str) -> None:
        # After the closing editor has left the screen stack (its id is taken until then).
        self.call_after_refresh(self._correct, entry, base, draft, self._not_saved_here())

    def _correct(
        self, entry: Entry, base: str, draft: str | None = None, problem: str = ""
    ) -> None:
        """Correct `entry`, starting from `base` (its text as it stands now)."""
        from warroom.tui.screens.note_editor import NoteEditor

        # A correction of a correction corrects the original (actions.correct): named so.
        target = entry_corrects(entry) or entry.id

        def corrected(text: str | None) -> None:
            if text is not None and text.strip() != base.strip():
                self.write(
                    lambda room: ActionDone(
                        f"Correction #{actions.correct(room, entry.id, text)} of #{target}"
                        " added; the original stays as it was"
                    ),
                    # Not saved: the editor opens again on what was typed.
                    failed=partial(self._recorrect, entry, base, text),
                )

        text = base if draft is None else draft
        self.app.push_screen(
            NoteEditor(
                text,
                title=f"Correct #{target}",
                what="this correction",
                problem=problem,
                stored=draft is None,  # the entry as stored, not a draft that failed to save
            ),
            corrected,
        )

    def action_severity(self) -> None:
        if incident := self._incident():
            from warroom.tui.screens.pickers import severity_picker

            self.app.push_screen(
                severity_picker(self.session.room.settings.severities, incident.severity),
                partial(self._set_severity, incident.id),
            )

    def _set_severity(self, incident_id: int, value: str | None) -> None:
        if value is None:
            return
        self.write(
            lambda room: ActionDone(
                f"Severity is now {value}"
                if actions.set_severity(room, incident_id, value)
                else f"Severity was already {value}"
            )
        )

    def action_status(self) -> None:
        if incident := self._incident():
            from warroom.tui.screens.pickers import status_picker

            self.app.push_screen(
                status_picker(incident.status),
                partial(self._set_status, incident.id),
            )

    def _set_status(self, incident_id: int, value: str | None) -> None:
        if value is None:
            return

        def work(room: Room) -> ActionDone:
            if not actions.set_status(room, incident_id, value):
                return ActionDone(f"Status was already {value}")
            if value in ASKS_FOR_UPDATE:
                # The lifecycle asks for its update: the panel opens on that template.
                return ActionDone(f"Status is now {value}: tell customers", offer_update=value)
            return ActionDone(f"Status is now {value}")

        self.write(work)

    def action_assign(self, role: str | None = None) -> None:
        if incident := self._incident():
            from warroom.tui.screens.assign import AssignScreen

            people = self.latest.people if self.latest else ()
            self.app.push_screen(AssignScreen(incident, people, role), self._assign)

    @on(RolesPane.RoleClicked)
    def _role_clicked(self, message: RolesPane.RoleClicked) -> None:
        if self.check_action("assign", (message.role,)):
            self.action_assign(message.role)

    def _assign(self, result: Assignment | None) -> None:
        incident_id = self.incident_id
        if result is None or incident_id is None:
            return
        holder = result.holder  # who held it when the form opened
        if holder and holder.casefold() != result.name.casefold():
            from warroom.tui.screens.entries import handover_choice

            # A held role: hand it over (the holder keeps it until acknowledged), or assign.
            self.app.push_screen(
                handover_choice(result.role, holder, result.name),
                partial(self._assign_or_hand_over, incident_id, result),
            )
            return
        self._assign_now(incident_id, result)

    def _assign_or_hand_over(self, incident_id: int, result: Assignment, how: str | None) -> None:
        if how == "handover":
            self.write(
                lambda room: ActionDone(
                    f"Handing over to {result.name}"
                    f" (#{actions.handover(room, incident_id, result.role, result.name)});"
                    " the role moves when they acknowledge"
                )
            )
        elif how == "assign":
            self._assign_now(incident_id, result)

    def _assign_now(self, incident_id: int, result: Assignment) -> None:
        role = result.role.replace("_", " ")

        def work(room: Room) -> ActionDone:
            try:
                changed = actions.assign(
                    room, incident_id, result.role, result.name, expected_holder=result.holder
                )
            except actions.RoleChangedError as exc:
                question = RoleQuestion(
                    incident_id, result.role, result.name, exc.message, exc.current
                )
                return ActionDone("", ask=question)
            if changed:
                return ActionDone(f"{result.name} holds {role}")
            return ActionDone(f"{result.name} already holds {role}")

        self.write(work)

    def ask(self, question: PublishQuestion | RoleQuestion) -> None:
        """Put a question a write stopped for to the user (nothing was written)."""
        if isinstance(question, PublishQuestion):
            # The panel that asked is on top: it asks, then sends its request again.
            if self.app.screen.id == question.request.screen_id:
                self.app.screen.post_message(PublishQuestionAsked(question))
            return
        from warroom.tui.screens.assign import Assignment
        from warroom.tui.screens.confirm import YES, confirm

        role = question

        def answer(choice: str | None) -> None:
            if choice == YES and self.incident_id == role.incident_id:
                self._assign_now(role.incident_id, Assignment(role.role, role.name, role.current))

        self.app.push_screen(
            confirm(f"{role.message}. Give it to {role.name} anyway?", "Yes, assign", "No"),
            answer,
        )

    def action_check(self) -> None:
        if incident := self._incident():
            from warroom.tui.screens.pickers import checklist_picker

            self.app.push_screen(
                checklist_picker(incident),
                partial(self._check, incident),
            )

    def _check(self, incident: Incident, choice: str | None) -> None:
        if choice is None:
            return
        number = int(choice)
        item = next(i for i in incident.checklist if i.number == number)
        self.write(
            lambda room: ActionDone(
                f"{'Unticked' if item.done else 'Ticked'} item {number}"
                if actions.check(room, incident.id, number, undo=item.done)
                else f"Item {number} had already changed"
            )
        )

    def action_triage(self) -> None:
        if incident := self._incident():
            from warroom.tui.screens.triage import TriageScreen

            self.app.push_screen(
                TriageScreen(incident, self.session.room.settings.severities),
                lambda form: self._triage(incident.id, form),
            )

    def _triage(self, incident_id: int, form: TriageForm | None) -> None:
        if not form:
            return

        def work(room: Room) -> ActionDone:
            changed = False
            if form.changed or form.services:
                changed = actions.triage(
                    room,
                    incident_id,
                    impact=form.changed.get("impact"),
                    affected=form.changed.get("affected"),
                    workaround=form.changed.get("workaround"),
                    services=form.services,
                )
            if form.severity:
                changed = actions.set_severity(room, incident_id, form.severity) or changed
            return ActionDone("Triage recorded" if changed else "Nothing changed")

        self.write(work)

    def action_mitigate(self) -> None:
        if incident := self._incident():
            from warroom.tui.screens.mitigate import MitigateScreen

            self.app.push_screen(MitigateScreen(), lambda m: self._mitigate(incident.id, m))

    def _mitigate(self, incident_id: int, result: Mitigation | None) -> None:
        if result is not None:
            self.write(
                lambda room: ActionDone(
                    "Mitigation logged as entry "
                    f"{actions.mitigate(room, incident_id, result.detail, result.action)}"
                )
            )

    def action_update_panel(self, template: str | None = None) -> None:
        if incident := self._incident():
            from warroom.tui.screens.update_panel import UpdatePanelScreen
            from warroom.updates import available_templates

            self._read(
                "templates",
                available_templates,
                lambda names: self.app.push_screen(
                    UpdatePanelScreen(self.session, incident, names, template or incident.status)
                ),
            )

    def action_followups(self) -> None:
        if incident := self._incident():
            from warroom.tui.screens.followups import FollowupsScreen

            latest = self.latest
            self.app.push_screen(
                FollowupsScreen(
                    incident,
                    latest.followups if latest else (),
                    self.session.today(),
                    people=latest.people if latest else (),
                    clock=self.session.room.clock,
                    readonly=self.readonly,
                )
            )

    def action_export(self) -> None:
        if incident := self._incident():
            from warroom.tui.postmortem import write_postmortem

            def work(room: Room) -> Path:
                try:
                    folder = Path.cwd()
                except OSError as exc:  # the current folder was deleted
                    raise WarroomError(f"no current folder to write to: {exc}") from None
                return write_postmortem(room, incident.id, folder)

            self._read(
                "export", work, lambda path: self.notify(f"Postmortem draft written to {path}")
            )

    def action_filter(self) -> None:
        incident_id = self.incident_id
        if incident_id is None:
            return
        latest = self.latest
        if latest is not None and latest.incident is not None and latest.incident.id == incident_id:
            # The authors and kinds come with every read: f does not wait on the file.
            self._open_filter((latest.authors, latest.kinds))
        else:  # just switched, not read yet
            self._read(
                "authors", lambda room: load_filter_choices(room, incident_id), self._open_filter
            )

    def _new_filter_picker(self, authors: Sequence[str], kinds: Sequence[str]) -> ChoiceScreen:
        from warroom.tui.screens.filter import filter_picker

        picker = self._filter_picker = filter_picker(authors, kinds, self.timeline_filter)
        self.app.install_screen(picker, f"filter-{id(self)}")
        return picker

    def _prepare_filter(self) -> None:
        """Compose and lay out the filter picker while nobody waits: pushed and popped at
        once, before any frame is drawn, so Textual builds it without showing it. The
        first f then costs what every later one does (about 20 ms, not 50)."""
        latest = self.latest
        if self._filter_picker is not None or self.app.screen is not self or latest is None:
            return
        if pointer_busy(self.app):
            self.set_timer(0.5, self._prepare_filter)
            return
        self.app.push_screen(self._new_filter_picker(latest.authors, latest.kinds))
        self.app.pop_screen()

    def _open_filter(self, choices: tuple[Sequence[str], Sequence[str]]) -> None:
        from warroom.tui.screens.filter import current_choice, filter_options, filter_picker

        # The picker is composed once and shown again with its options brought up to date:
        # composing, styling and laying out a new screen was most of the time f took.
        authors, kinds = choices
        current = self.timeline_filter
        picker = self._filter_picker
        if picker is None:
            picker = self._new_filter_picker(authors, kinds)
        elif picker in self.app.screen_stack:
            # Still leaving the stack after the last choice: one of its own this once.
            picker = filter_picker(authors, kinds, current)
        else:
            picker.offer(filter_options(authors, kinds, current), current_choice(current))
        self.app.push_screen(picker, self.set_filter)

    def set_filter(self, choice: str | None) -> None:
        if choice is not None:
            from warroom.tui.screens.filter import parse_choice

            self.timeline_filter = parse_choice(choice)
            key = self._wanted()
            if key is None:
                return
            # Only the timeline's newest page: nothing else changed, and the whole refresh
            # (every pane's data, the customer update rendered) drew a frame later. A read
            # in flight for the old filter is ignored when it lands (its key is not wanted).
            # One frame for the war room back from under the picker and its filtered
            # timeline, not one for each: held until the timeline is read, at most 35 ms.
            release = self._hold_frames(NOTE_HOLD)

            def show(loaded: tuple[TimelineKey, list[Entry], bool, int]) -> None:
                try:
                    self._show_timeline(*loaded)
                finally:
                    release()

            self._read("filter", lambda room: (key, *load_timeline(room, key)), show)

    def _show_timeline(
        self, key: TimelineKey, entries: list[Entry], more_before: bool, version: int
    ) -> None:
        if key != self._wanted():
            return  # filtered again, or switched, since
        timeline = self.timeline
        timeline.empty_text = "No entries match the filter." if key.filter else ""
        timeline.reset(entries, more_before=more_before, shows=_shows(key), read_to=version)
        self.timeline_key = key
        self._show_title(key)
        self._update_cursor()

    def action_switch(self) -> None:
        from warroom.tui.screens.pickers import incident_picker

        self._read(
            "incidents",
            load_incidents,
            lambda rows: self.app.push_screen(
                incident_picker(rows, self.incident_id),
                self._switch_to_choice,
            ),
        )

    def _switch_to_choice(self, choice: str | None) -> None:
        if choice is not None:
            self._switch(int(choice))

    def _switch(self, incident_id: int) -> None:
        self.incident_id = incident_id
        self.timeline_filter = TimelineFilter()
        self._update_cursor()
        self.refresh_now()

    def action_alerts(self) -> None:
        from warroom.tui.screens.alerts import AlertsScreen

        latest = self.latest
        self.app.push_screen(
            AlertsScreen(
                latest.alerts if latest else (),
                latest.incident if latest else None,
                self.session.room.settings.severities,
                self.session.room.clock,
                readonly=self.readonly,
            )
        )

    def action_declare(self, first: bool = False) -> None:
        from warroom.tui.screens.declare import DeclareScreen

        self.app.push_screen(
            DeclareScreen(self.session.room.settings.severities, first=first), self._declare
        )

    def _declare(self, form: DeclareForm | None) -> None:
        if form is None:
            return

        def work(room: Room) -> ActionDone:
            new_id = actions.declare(room, form.title, form.severity, form.services, form.source)
            return ActionDone(f"Declared {format_ref(new_id)}", switch_to=new_id)

        self.write(work)
