"""The update panel: pick a template, see it rendered with the live facts, edit, copy, publish.

Rendering, copying and publishing run in this screen's own thread workers (cancelled with it),
on the app's connection under its lock. Before publishing it asks when the text lacks the time
publishing now promises, or someone else published since the draft was rendered or moments
ago; Esc on an edited draft asks before dropping it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Select, Static, TextArea

from warroom import clipboard
from warroom.actions import Room
from warroom.domain import PublishClash
from warroom.errors import WarroomError
from warroom.safe_text import clean, one_line
from warroom.tui.screens.confirm import YES, confirm
from warroom.tui.widgets.deliveries import deliveries_text
from warroom.tui.widgets.update_pane import published_text
from warroom.updates import Draft, PublishOutcome
from warroom.views import Delivery, Incident, Update

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp

T = TypeVar("T")


def _clock(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%H:%M %Z") if moment else "none"


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
        self.template: str | None = (
            template if template in templates else (templates[0] if templates else None)
        )
        self.draft: Draft | None = None
        self.loaded_text: str | None = None  # what the editor got, to tell an edit
        self.publishing = False

    def compose(self) -> ComposeResult:
        title = Text(f"Customer update · {self.incident.ref} · {self.incident.status} · ")
        title.append(one_line(self.incident.title, 60))
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
        self.set_interval(5, self.follow_the_clock)

    # --- database work, owned by this screen --------------------------------------------------

    def in_worker(
        self, fn: Callable[[Room], T], then: Callable[[T], Any], *, group: str = "panel"
    ) -> None:
        """Run `fn` on the app's connection in this screen's worker; `then` gets the result on
        the event loop. Failures become a notice, never a crash."""

        def work() -> None:
            try:
                result = self.app.db_call(fn)
            except WarroomError as exc:  # storage turns SQLite errors into these
                self.app.call_from_thread(self.failed, exc.message)
                return
            self.app.call_from_thread(then, result)

        self.run_worker(work, thread=True, group=group, exit_on_error=False)

    def failed(self, message: str) -> None:
        self.publishing = False
        self.app.say(message, "error")

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

    def render_template(self, name: str) -> None:
        from warroom.updates import render_draft

        incident_id = self.incident.id
        self.in_worker(lambda room: render_draft(room, incident_id, name), self.show_draft)

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
        status.update(
            Text(
                f"Template {draft.template}: {promise}edit freely, ctrl+o copies, ctrl+s publishes."
            )
        )
        self.draft = draft
        self.loaded_text = clean(draft.text or "", multiline=True)
        self.query_one(TextArea).load_text(self.loaded_text)

    def follow_the_clock(self) -> None:
        draft = self.draft
        if draft is None or self.edited or self.publishing or not self.template:
            return
        if self.app.room.now().replace(second=0, microsecond=0) != draft.rendered_at.replace(
            second=0, microsecond=0
        ):
            self.render_template(self.template)

    def load_published(self) -> None:
        incident_id = self.incident.id

        def read(room: Room) -> tuple[list[Update], list[Delivery]]:
            from warroom.views import deliveries, updates

            with room.read() as conn:
                return updates(conn, incident_id), deliveries(conn, incident_id=incident_id)

        self.in_worker(read, self.show_published, group="panel-published")

    def show_published(self, found: tuple[list[Update], list[Delivery]]) -> None:
        published, sent = found
        self.query_one("#published", Static).update(published_text(published))
        self.query_one("#deliveries", Static).update(deliveries_text(sent))

    # --- actions ----------------------------------------------------------------------------

    def action_rerender(self) -> None:
        if not self.template:
            return
        if self.edited:
            self.ask(
                "Render the template again and lose your edits?",
                "Render again, dropping my edits",
                "Keep my edits",
                lambda: self.render_template(self.template or ""),
            )
            return
        self.render_template(self.template)

    def action_copy(self) -> None:
        if not self.text.strip():
            self.notify("Nothing to copy.", severity="warning", markup=False)
            return
        self.copy(self.text)

    def copy(self, text: str) -> None:
        def osc52(payload: str) -> None:
            self.app.call_from_thread(self.app.copy_to_clipboard, payload)

        def work() -> None:
            try:
                result = clipboard.copy_text(text, osc52=osc52, system_copy=self.app.system_copy)
            except WarroomError as exc:
                self.app.call_from_thread(self.app.say, exc.message, "error")
                return
            self.app.call_from_thread(self.copied, result)

        self.run_worker(work, thread=True, group="copy", exit_on_error=False)

    def copied(self, result: clipboard.CopyResult) -> None:
        self.app.say(result.describe())
        # The status line spans the screen: the file's path shows whole there, where a toast
        # would break it mid-word.
        status = self.query_one("#panel-status", Static)
        status.remove_class("-error")
        status.update(Text(f"Copy saved to {clean(str(result.path))}"))

    def action_publish(self) -> None:
        if self.app.readonly or self.publishing:
            return
        if not self.text.strip():
            self.notify("The update is empty.", severity="warning", markup=False)
            return
        if self.draft is None:
            self.notify("The draft is still rendering.", severity="warning", markup=False)
            return
        self.publish(self.text)

    def publish(self, text: str, *, force: bool = False, promise_checked: bool = False) -> None:
        from warroom.updates import try_publish

        draft = self.draft
        assert draft is not None
        incident_id = self.incident.id
        self.publishing = True
        self.in_worker(
            lambda room: try_publish(
                room, incident_id, text, draft, force=force, promise_checked=promise_checked
            ),
            lambda outcome: self.after_publish(text, outcome, force, promise_checked),
        )

    def after_publish(
        self, text: str, outcome: PublishOutcome, force: bool, promise_checked: bool
    ) -> None:
        self.publishing = False
        if outcome.promise_problem is not None:
            self.ask_promise(text, outcome, force)
            return
        if outcome.clash is not None:
            self.ask_clash(text, outcome.clash, promise_checked)
            return
        published = outcome.published
        assert published is not None
        due = (
            f"customers were promised the next one by {_clock(published.next_update_due)}"
            if published.next_update_due
            else "no next update promised"
        )
        notice = f"Customer update published; {due}"
        if published.deliveries:
            from warroom.delivery import start_worker

            try:
                proc = start_worker(self.app.room.store.path, self.app.room.actor.name)
            except OSError as exc:
                self.app.say(f"Delivery could not start ({exc.strerror}); retrying later", "error")
            else:
                import threading

                threading.Thread(target=proc.wait, daemon=True).start()  # reap it
                names = ", ".join(d.name for d in self.app.room.settings.destinations)
                notice += f"; delivering to {names}"
        self.app.say(notice)
        self.app.refresh_now()
        self.dismiss(None)

    def ask_promise(self, text: str, outcome: PublishOutcome, force: bool) -> None:
        from warroom.updates import replace_promise

        draft = self.draft
        fixed = replace_promise(text, draft.promise if draft else None, outcome.promise)

        def answer(choice: str | None) -> None:
            if choice == "fix" and fixed is not None:
                self.query_one(TextArea).load_text(fixed)
                self.loaded_text = fixed if not self.edited else self.loaded_text
                self.publish(fixed, force=force)
            elif choice == "as-is":
                self.publish(text, force=force, promise_checked=True)

        options: list[tuple[str, Text]] = []
        if fixed is not None:
            options.append(
                ("fix", Text(f"Change the time to {_clock(outcome.promise)} and publish"))
            )
        options += [("as-is", Text("Publish the text as it is")), ("back", Text("Keep editing"))]
        from warroom.tui.screens.pickers import ChoiceScreen

        self.app.push_screen(
            ChoiceScreen(
                one_line(f"Before publishing: {outcome.promise_problem}.", 300),
                options,
                current=options[0][0],
                hint="Enter or the number chooses · Esc keeps editing",
            ),
            answer,
        )

    def ask_clash(self, text: str, clash: PublishClash, promise_checked: bool) -> None:
        when = clash.published_at.astimezone(UTC).astimezone().strftime("%H:%M:%S")
        since = "since you opened this draft" if clash.reason == "since" else "moments ago"
        self.ask(
            f'{clash.author} published an update {since}, at {when}: "{clash.headline}".'
            " Publish yours as well?",
            "Publish mine as well",
            "Do not publish",
            lambda: self.publish(text, force=True, promise_checked=promise_checked),
        )

    def ask(self, question: str, yes: str, no: str, then: Callable[[], Any]) -> None:
        self.app.push_screen(confirm(question, yes, no), lambda c: then() if c == YES else None)

    def action_close(self) -> None:
        if self.edited:
            self.ask(
                "Drop your edits to this update?",
                "Drop them and go back",
                "Keep editing",
                lambda: self.dismiss(None),
            )
            return
        self.dismiss(None)
