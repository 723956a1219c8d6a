"""The update panel: pick a template, see it rendered with the live facts, edit, copy, publish.

Rendering, reading and copying run in this screen's own workers, so they end with it.
Publishing is a request to the war room (a message of data) carrying the draft it came from;
the war room writes it, or hands back a question (someone else published since the draft was
rendered or moments ago; the text lacks the time publishing now promises), which the panel
asks before sending the request again. The panel closes once the update is committed. An
untouched draft follows the clock; Esc on an edited draft asks before dropping it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Label, Select, Static, TextArea

from warroom import clipboard
from warroom.domain import PublishClash
from warroom.safe_files import access_of
from warroom.safe_text import clean, screen_line
from warroom.tui.messages import PublishQuestionAsked, PublishRequested
from warroom.tui.screens.base import WorkScreen
from warroom.tui.screens.confirm import YES, confirm
from warroom.tui.screens.forms import ConfirmDiscard
from warroom.tui.screens.pickers import ChoiceScreen
from warroom.tui.session import Session
from warroom.tui.widgets.deliveries import deliveries_text
from warroom.tui.widgets.update_pane import published_text
from warroom.updates import Draft, render_draft
from warroom.views import Delivery, Incident, Update

# Each panel its own id: a publish committed after its panel was closed must not close the
# next one the user opened meanwhile (and lose what was typed there).
_PANELS = itertools.count(1)
READ_ONLY_PUBLISH = (
    "Read-only (warroom watch): publishing is for a writable war room, or from a shell: "
    "`warroom update --publish`."
)
FOLLOW_SECONDS = 5.0


def _clock(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%H:%M %Z") if moment else "none"


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


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
        self.draft: Draft | None = None
        self.loaded_text: str | None = None  # what the editor was given, to tell an edit
        self.publishing = False

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
                yield Static(Text("Deliveries"), classes="pane-title")
                yield Static(deliveries_text([]), id="deliveries")
        yield Static(Text(""), id="panel-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        if self.template:
            self.render_template(self.template)
        self.load_published()
        # An untouched draft follows the clock, so the promise it shows is the one
        # publishing it would make.
        self.set_interval(FOLLOW_SECONDS, self.follow_the_clock, name="follow-clock")

    # --- rendering --------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    @property
    def edited(self) -> bool:
        return self.loaded_text is not None and self.text != self.loaded_text

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
        incident_id = self.incident.id
        self.run_in_thread(
            "render",
            lambda: self.session.call(lambda room: render_draft(room, incident_id, name)),
            self.show_draft,
        )

    def show_draft(self, draft: Draft) -> None:
        if draft.template != self.template:
            return  # a newer choice is already being rendered
        status = self.query_one("#panel-status", Static)
        if draft.error is not None:
            status.update(Text(clean(draft.error)))
            status.add_class("-error")
            return
        status.remove_class("-error")
        promise = (
            f"it promises the next update by {_clock(draft.promise)}; " if draft.promise else ""
        )
        if self.readonly:
            hint = f"Template {draft.template}: read-only here; edit freely, then ctrl+o copies."
        else:
            hint = (
                f"Template {draft.template}: {promise}edit freely, ctrl+o copies, ctrl+s publishes."
            )
        status.update(Text(hint))
        self.draft = draft
        self.loaded_text = clean(draft.text or "", multiline=True)
        self.query_one(TextArea).load_text(self.loaded_text)

    def follow_the_clock(self) -> None:
        draft = self.draft
        if draft is None or self.edited or self.publishing or not self.template:
            return
        if _minute(self.session.room.now()) != _minute(draft.rendered_at):
            self.render_template(self.template)

    def load_published(self) -> None:
        incident_id = self.incident.id

        def read() -> tuple[list[Update], list[Delivery]]:
            from warroom.views import deliveries, updates

            def both(room: Any) -> tuple[list[Update], list[Delivery]]:
                with room.read() as conn:
                    return updates(conn, incident_id), deliveries(conn, incident_id=incident_id)

            return self.session.call(both)

        self.run_in_thread("published", read, self.show_published)

    def show_published(self, found: tuple[list[Update], list[Delivery]]) -> None:
        published, sent = found
        self.query_one("#published", Static).update(published_text(published))
        self.query_one("#deliveries", Static).update(deliveries_text(sent))

    # --- actions ----------------------------------------------------------------------------

    def action_rerender(self) -> None:
        template = self.template
        if not template:
            return
        if self.edited:

            def answered(discard: bool | None) -> None:
                if discard:
                    self.render_template(template)

            self.app.push_screen(ConfirmDiscard("your edits and render again"), answered)
            return
        self.render_template(template)

    def action_copy(self) -> None:
        if not self.text.strip():
            self.notify("Nothing to copy.", severity="warning", markup=False)
            return
        self.copy(self.text)

    def copy(self, text: str) -> None:
        app = self.app

        def osc52(payload: str) -> None:
            app.call_from_thread(app.copy_to_clipboard, payload)

        def work() -> clipboard.CopyResult:
            # A WarroomError (no way to copy) becomes the failure notice.
            return clipboard.copy_text(
                text,
                osc52=osc52,
                system_copy=self.session.system_copy,
                access=access_of(self.session.path),  # the database's, like exports
            )

        self.run_in_thread("copy", work, self.copied, group="copy")

    def copied(self, result: clipboard.CopyResult) -> None:
        self.notify(result.describe())
        # The status line spans the screen: the file's path shows whole there, where a toast
        # would break it mid-word.
        status = self.query_one("#panel-status", Static)
        status.remove_class("-error")
        status.update(Text(f"Copy saved to {clean(str(result.path))}"))

    def action_publish(self) -> None:
        if self.readonly:
            self.notify(READ_ONLY_PUBLISH, severity="warning")
            return
        if self.publishing:
            return
        if not self.text.strip():
            self.notify("The update is empty.", severity="warning", markup=False)
            return
        if self.draft is None:
            self.notify("The draft is still rendering.", severity="warning", markup=False)
            return
        self.publish(self.text)

    def publish(self, text: str, *, force: bool = False, promise_checked: bool = False) -> None:
        self.publishing = True
        self.post_message(
            PublishRequested(
                self.id,
                self.incident.id,
                text,
                self.template,
                draft=self.draft,
                force=force,
                promise_checked=promise_checked,
            )
        )
        # Let a failed write (a locked file) be retried; a success closes the panel.
        self.set_timer(1.0, self._publish_settled, name="publish-settled")

    def _publish_settled(self) -> None:
        self.publishing = False

    @on(PublishQuestionAsked)
    def question_asked(self, message: PublishQuestionAsked) -> None:
        self.publishing = False
        question = message.question
        request, outcome = question.request, question.outcome
        if outcome.promise_problem is not None:
            self.ask_promise(request, outcome.promise_problem, outcome.promise)
        elif outcome.clash is not None:
            self.ask_clash(request, outcome.clash)

    def ask_promise(
        self, request: PublishRequested, problem: str, promise: datetime | None
    ) -> None:
        from warroom.updates import replace_promise

        draft = request.draft
        fixed = replace_promise(request.text, draft.promise if draft else None, promise)

        def answer(choice: str | None) -> None:
            if choice == "fix" and fixed is not None:
                was_edited = self.edited
                self.query_one(TextArea).load_text(fixed)
                if not was_edited:
                    self.loaded_text = fixed
                self.publish(fixed, force=request.force)
            elif choice == "as-is":
                self.publish(request.text, force=request.force, promise_checked=True)

        options: list[tuple[str, Text | str]] = []
        if fixed is not None:
            options.append(("fix", Text(f"Change the time to {_clock(promise)} and publish")))
        options += [("as-is", Text("Publish the text as it is")), ("back", Text("Keep editing"))]
        self.app.push_screen(
            ChoiceScreen(
                screen_line(f"Before publishing: {problem}.", 300),
                options,
                current=str(options[0][0]),
                hint="Enter or the number chooses · Esc keeps editing",
            ),
            answer,
        )

    def ask_clash(self, request: PublishRequested, clash: PublishClash) -> None:
        when = clash.published_at.astimezone().strftime("%H:%M:%S")
        self.ask(
            f"{clash.sentence(when)}. Publish yours as well?",
            "Publish mine as well",
            "Do not publish",
            lambda: self.publish(request.text, force=True, promise_checked=request.promise_checked),
        )

    def ask(self, question: str, yes: str, no: str, then: Callable[[], Any]) -> None:
        def answer(choice: str | None) -> None:
            if choice == YES:
                then()

        self.app.push_screen(confirm(question, yes, no), answer)

    def action_close(self) -> None:
        # The forms' grammar: Esc asks first when it would throw away an edit.
        if self.edited and self.text.strip():

            def answered(discard: bool | None) -> None:
                if discard:
                    self.dismiss(None)

            self.app.push_screen(ConfirmDiscard("the edited update"), answered)
            return
        self.dismiss(None)
