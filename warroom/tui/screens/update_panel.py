"""The update panel: pick a template, see it rendered with the live facts, edit, copy, publish.

Rendering, copying and publishing run in worker threads; the app owns the database calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Select, Static, TextArea

from warroom import clipboard
from warroom.errors import WarroomError
from warroom.safe_text import clean, screen_line
from warroom.tui.data import load_updates, render_current
from warroom.tui.screens.forms import ConfirmDiscard
from warroom.tui.widgets.update_pane import published_text
from warroom.views import Incident, Update

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp


class UpdatePanelScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back", id="update.back"),
        Binding("ctrl+o", "copy", "Copy", priority=True, id="update.copy"),
        Binding("ctrl+s", "publish", "Publish", priority=True, id="update.publish"),
        Binding("ctrl+r", "rerender", "Re-render", priority=True, id="update.rerender"),
    ]

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal")]

    app: WarroomApp

    def __init__(self, incident: Incident, templates: list[str], template: str | None) -> None:
        super().__init__()
        self.incident = incident
        self.templates = templates
        self.template = template if template in templates else (templates or [None])[0]
        self._rendered = ""  # the text as last rendered: an edit differs from it

    def compose(self) -> ComposeResult:
        title = Text(f"Customer update · {self.incident.ref} · {self.incident.status} · ")
        title.append(screen_line(self.incident.title, 60))
        yield Label(title, id="panel-title")
        with Horizontal(id="panel-body"):
            with Vertical(id="panel-editor"):
                yield Select(
                    [(name, name) for name in self.templates],
                    value=self.template if self.template else Select.BLANK,
                    allow_blank=not self.templates,
                    id="template",
                )
                yield TextArea(id="text", soft_wrap=True, show_line_numbers=False)
            with VerticalScroll(id="panel-published"):
                yield Static(Text("Published"), classes="pane-title")
                yield Static(published_text([]), id="published")
        yield Static(Text(""), id="panel-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        if self.template:
            self.render_template(self.template)
        self.load_published()

    # --- rendering --------------------------------------------------------------------------

    @on(Select.Changed, "#template")
    def template_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.template:
            self.template = event.value
            self.render_template(event.value)

    def render_template(self, name: str) -> None:
        # db_then turns a locked or vanished database into a notice instead of a crash.
        self.app.db_then(
            lambda room: render_current(room, self.incident, name),
            lambda result: self.show_render(name, result[1], result[2]),
        )

    def show_render(self, name: str, text: str | None, error: str | None) -> None:
        if name != self.template:
            return  # a newer choice is already being rendered
        status = self.query_one("#panel-status", Static)
        if error is not None:
            status.update(Text(clean(error)))
            status.add_class("-error")
            return
        status.remove_class("-error")
        status.update(Text(f"Template {name}: edit freely, then ctrl+o copies, ctrl+s publishes."))
        self._rendered = clean(text or "", multiline=True)
        self.query_one(TextArea).load_text(self._rendered)

    def load_published(self) -> None:
        self.app.db_then(lambda room: load_updates(room, self.incident.id), self.show_published)

    def show_published(self, published: list[Update]) -> None:
        self.query_one("#published", Static).update(published_text(published))

    # --- actions ----------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def action_rerender(self) -> None:
        if self.template:
            self.render_template(self.template)

    def action_copy(self) -> None:
        if not self.text.strip():
            self.notify("Nothing to copy.", severity="warning", markup=False)
            return
        self.copy(self.text)

    @work(thread=True, group="copy")
    def copy(self, text: str) -> None:
        def osc52(payload: str) -> None:
            self.app.call_from_thread(self.app.copy_to_clipboard, payload)

        try:
            result = clipboard.copy_text(text, osc52=osc52, system_copy=self.app.system_copy)
        except WarroomError as exc:
            self.app.call_from_thread(self.app.say, exc.message, "error")
            return
        self.app.call_from_thread(self.app.say, result.describe())

    def action_publish(self) -> None:
        if self.app.readonly:
            return
        text = self.text
        if not text.strip():
            self.notify("The update is empty.", severity="warning", markup=False)
            return
        self.app.publish(self.incident.id, text, self.template, then=self.dismiss)

    def action_close(self) -> None:
        # The forms' grammar: Esc asks first when it would throw away an edit.
        if self.text.strip() and self.text != self._rendered:

            def answered(discard: bool | None) -> None:
                if discard:
                    self.dismiss(None)

            self.app.push_screen(ConfirmDiscard("the edited update"), answered)
            return
        self.dismiss(None)
