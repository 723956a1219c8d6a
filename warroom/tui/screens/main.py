"""The war room: header, countdown, roles, checklist, facts, timeline, update, note input;
once resolved, the review (metrics and follow-ups) instead of the countdown and update."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static

from warroom.safe_text import clean, one_line
from warroom.tui.data import Snapshot, TimelineKey
from warroom.tui.widgets.checklist import ChecklistPane
from warroom.tui.widgets.comms_gaps import CommsGapsBanner
from warroom.tui.widgets.countdown import CountdownPane
from warroom.tui.widgets.facts import FactsPane
from warroom.tui.widgets.footer import KeysFooter
from warroom.tui.widgets.header import HeaderBar
from warroom.tui.widgets.review import ReviewPane
from warroom.tui.widgets.roles import RolesPane
from warroom.tui.widgets.timeline import TimelineView
from warroom.tui.widgets.update_pane import UpdatePane
from warroom.views import Incident

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp

W = TypeVar("W", bound=Widget)


class WarRoomScreen(Screen[None]):
    # Narrow terminals stack the panes and hide the facts and the update preview (both have
    # their own screens); wide ones give the update preview a column of its own. Below
    # -roomy the footer needs two rows to show every key.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal"), (140, "-roomy"), (170, "-wide")]

    BINDINGS = [Binding("escape", "leave_note", "Leave the note", show=False)]

    app: WarroomApp

    def __init__(self, readonly: bool) -> None:
        super().__init__(id="warroom")
        self._timeline_title = ""
        self.readonly = readonly
        self.incident: Incident | None = None
        self.timeline_key: TimelineKey | None = None
        self._panes: dict[type[Widget], Widget] = {}

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Horizontal(id="body"):
            with Vertical(id="side"):
                with Vertical(id="side-top"):
                    yield CountdownPane(id="countdown")
                    yield RolesPane(id="roles")
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
            yield Input(placeholder="n: add a note to the timeline, Enter saves", id="note")
        yield KeysFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(TimelineView).focus()

    @property
    def timeline(self) -> TimelineView:
        return self._pane(TimelineView)

    def _pane(self, kind: type[W]) -> W:
        # Looked up once: a refresh touches every pane, and a query walks the whole DOM.
        pane = self._panes.get(kind)
        if pane is None:
            pane = self._panes[kind] = self.query_one(kind)
        return pane  # type: ignore[return-value]

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
        self._pane(CountdownPane).show(snapshot.incident, now)
        self._pane(RolesPane).show(snapshot.incident)
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
            timeline.empty_text = "No entries match the filter." if wanted.filter else ""
            timeline.reset(snapshot.entries, more_before=snapshot.more_before)
            self.timeline_key = snapshot.key
        elif self.timeline_key == snapshot.key:
            timeline.append(snapshot.entries)
        shown = wanted.filter.describe() if wanted and wanted.filter else ""
        title = f"Timeline ({one_line(shown, 40)}; f: filter)" if shown else "Timeline"
        if self._timeline_title != title:
            # A Text, never a str: the filter may name an author, and a str title is parsed
            # as markup (`[/]` would crash the app). Setting it repaints, even to the same
            # value, so compare with what was set last.
            self._timeline_title = title
            timeline.border_title = Text(title)

    def tick(self, now: datetime) -> None:
        if not self.is_mounted or not self.query(TimelineView):
            return  # the app is shutting down and the panes are already gone
        self.timeline.set_today(now.astimezone().date())
        if self.incident is not None:
            self._pane(HeaderBar).tick(self.incident, now)
        self._pane(CountdownPane).show(self.incident, now)

    def show_problem(self, text: str) -> None:
        problem = self.query_one("#problem", Static)
        problem.update(Text(clean(text)))
        problem.display = bool(text)

    def action_leave_note(self) -> None:
        self.set_focus(self.timeline)

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
            return
        event.input.clear()
        self.set_focus(self.timeline)  # so the single-letter keys work again, at once
        self.app.add_note(text)

    @on(TimelineView.NeedOlder)
    def need_older(self, event: TimelineView.NeedOlder) -> None:
        if self.timeline_key is not None:
            self.app.load_older(self.timeline_key, event.before_id)
