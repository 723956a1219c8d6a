"""The update panel: pick a template, see it rendered with the live facts, edit, copy, publish.

Rendering and copying run in this screen's own workers, so they end with it. Publishing is
a request to the war room (a message of data); the panel closes once it is committed, if it
is still open.
"""

from __future__ import annotations

import itertools

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Label, Select, Static, TextArea

from warroom import clipboard
from warroom.safe_files import access_of
from warroom.safe_text import clean, screen_line
from warroom.tui.data import load_updates, render_current
from warroom.tui.messages import PublishRequested
from warroom.tui.screens.base import WorkScreen
from warroom.tui.screens.forms import ConfirmDiscard
from warroom.tui.session import Session
from warroom.tui.widgets.update_pane import published_text
from warroom.views import Incident, Update

# Each panel its own id: a publish committed after its panel was closed must not close the
# next one the user opened meanwhile (and lose what was typed there).
_PANELS = itertools.count(1)
READ_ONLY_PUBLISH = (
    "Read-only (warroom watch): publishing is for a writable war room, or from a shell: "
    "`warroom update --publish`."
)


class UpdatePanelScreen(WorkScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back", id="update.back"),
        Binding("ctrl+o", "copy", "Copy", priority=True, id="update.copy"),
        Binding("ctrl+s", "publish", "Publish", priority=True, id="update.publish"),
        Binding("ctrl+r", "rerender", "Re-render", priority=True, id="update.rerender"),
    ]

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal")]

    def __init__(
        self, session: Session, incident: Incident, templates: list[str], template: str | None
    ) -> None:
        super().__init__(id=f"update-panel-{next(_PANELS)}")
        self.session = session
        self.readonly = session.readonly
        self.incident = incident
        self.templates = templates
        fallback = templates[0] if templates else None
        self.template: str | None = template if template in templates else fallback
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.readonly and action == "publish")  # hidden, so not offered

    def on_key(self, event: events.Key) -> None:
        if self.readonly and event.key == "ctrl+s":
            event.stop()
            self.notify(READ_ONLY_PUBLISH, severity="warning")

    def render_template(self, name: str) -> None:
        incident = self.incident
        self.run_in_thread(
            "render",
            lambda: self.session.call(lambda room: render_current(room, incident, name)),
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
        if self.readonly:
            hint = f"Template {name}: read-only here; edit freely, then ctrl+o copies."
        else:
            hint = f"Template {name}: edit freely, then ctrl+o copies, ctrl+s publishes."
        status.update(Text(hint))
        self._rendered = clean(text or "", multiline=True)
        self.query_one(TextArea).load_text(self._rendered)

    def load_published(self) -> None:
        incident_id = self.incident.id
        self.run_in_thread(
            "published",
            lambda: self.session.call(lambda room: load_updates(room, incident_id)),
            self.show_published,
        )

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

    def copy(self, text: str) -> None:
        app = self.app

        def osc52(payload: str) -> None:
            app.call_from_thread(app.copy_to_clipboard, payload)

        def work() -> str:
            # A WarroomError (no way to copy) becomes the failure notice.
            return clipboard.copy_text(
                text,
                osc52=osc52,
                system_copy=self.session.system_copy,
                access=access_of(self.session.path),  # the database's, like exports
            ).describe()

        self.run_in_thread("copy", work, self.notify, group="copy")

    def action_publish(self) -> None:
        if self.readonly:
            self.notify(READ_ONLY_PUBLISH, severity="warning")
            return
        text = self.text
        if not text.strip():
            self.notify("The update is empty.", severity="warning", markup=False)
            return
        self.post_message(PublishRequested(self.id, self.incident.id, text, self.template))

    def action_close(self) -> None:
        # The forms' grammar: Esc asks first when it would throw away an edit.
        if self.text.strip() and self.text != self._rendered:

            def answered(discard: bool | None) -> None:
                if discard:
                    self.dismiss(None)

            self.app.push_screen(ConfirmDiscard("the edited update"), answered)
            return
        self.dismiss(None)
