"""Follow-up actions of the incident: the list (open first, overdue loud), add one, mark one
done or open again. The list follows the app's snapshots, so other writers show up too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from warroom.domain import parse_due
from warroom.errors import BadInput
from warroom.safe_text import person, screen_line, steady
from warroom.tui.messages import FollowupAddRequested, FollowupToggleRequested
from warroom.tui.screens.forms import FieldInput, FormScreen
from warroom.views import Followup, Incident

WRITES = frozenset({"add", "toggle_done"})


def followup_prompt(item: Followup, today: date, due_w: int = 14) -> Text:
    mark = "✔" if item.done else "☐"
    owner = screen_line(item.owner, 14) if item.owner else "no owner"
    text = Text(f"{mark} #{item.id:<3} {owner:<14} ", style="dim" if item.done else "")
    due = f"due {screen_line(item.due, 10)}" if item.due else "no due date"
    if item.overdue(today):
        text.append(f"{due} OVERDUE", "bold red")
        text.append(" " * (due_w - len(due) - 8))
    else:
        text.append(f"{due:<{due_w}}")
    text.append("  ")
    text.append(screen_line(item.text))
    if item.done:
        done_by = steady(person(item.done_by or "?", item.done_by_login, 14))
        text.append(f"  (done by {done_by})", "italic")
    return text


def ordered(items: tuple[Followup, ...] | list[Followup]) -> list[Followup]:
    """Open ones first, each group oldest first (the store's order)."""
    return [f for f in items if not f.done] + [f for f in items if f.done]


class FollowupsScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("a", "add", "Add"),
        Binding("space", "toggle_done", "Done/reopen"),
    ]

    def __init__(
        self,
        incident: Incident,
        items: tuple[Followup, ...],
        today: date,
        *,
        people: tuple[str, ...] = (),
        clock: Callable[[], datetime],
        readonly: bool,
    ) -> None:
        super().__init__(classes="picker")
        self.incident = incident
        self.items: list[Followup] = []
        self.today = today
        self.people = people
        self.clock = clock
        self.readonly = readonly
        self._initial = items

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text(f"Follow-up actions · {self.incident.ref}"), classes="dialog-title")
            yield OptionList(id="followups")
            hint = (
                "Read-only: watching, not writing · Esc closes"
                if self.readonly
                else "a adds · Enter or space marks done / reopens · Esc closes"
            )
            yield Label(Text(hint), classes="dialog-hint")

    def on_mount(self) -> None:
        self.show(self._initial, self.today)
        self.query_one(OptionList).focus()

    def show(self, items: tuple[Followup, ...] | list[Followup], today: date) -> None:
        """Replace the list, keeping the highlight on the same follow-up."""
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        current = self.items[highlighted].id if highlighted is not None and self.items else None
        self.items, self.today = ordered(items), today
        options.clear_options()
        if not self.items:
            empty = "No follow-up actions yet." + ("" if self.readonly else " Press a to add one.")
            options.add_option(Option(Text(empty, style="italic"), disabled=True))
            return
        # The due column widens for the OVERDUE mark only when one is overdue.
        due_w = 22 if any(f.overdue(today) for f in self.items) else 14
        options.add_options(
            Option(followup_prompt(f, today, due_w), id=str(f.id)) for f in self.items
        )
        ids = [f.id for f in self.items]
        options.highlighted = ids.index(current) if current in ids else 0

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.readonly and action in WRITES)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_add(self) -> None:
        if self.readonly:
            return
        self.app.push_screen(AddFollowupScreen(self.incident, self.people, self.clock), self._add)

    def _add(self, form: FollowupForm | None) -> None:
        if form is not None:
            self.post_message(
                FollowupAddRequested(None, self.incident.id, form.text, form.owner, form.due)
            )

    def action_toggle_done(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if self.readonly or highlighted is None or not self.items:
            return
        item = self.items[highlighted]
        self.post_message(FollowupToggleRequested(None, item.id, undo=item.done))

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_toggle_done()


@dataclass(frozen=True)
class FollowupForm:
    text: str
    owner: str | None
    due: str | None  # as typed; validated already, the action parses it again


class AddFollowupScreen(FormScreen[FollowupForm]):
    """Text, an optional owner (completed from people seen) and an optional due date, checked
    here with the parser the action uses, so a bad date is an inline error and writes nothing."""

    SAVE = "adds"

    def __init__(
        self, incident: Incident, people: tuple[str, ...], clock: Callable[[], datetime]
    ) -> None:
        super().__init__()
        self.incident = incident
        self.people = list(people)
        self.clock = clock

    def title_text(self) -> Text:
        return Text(f"Add a follow-up action to {self.incident.ref}")

    def fields(self) -> ComposeResult:
        yield Label("What needs doing")
        yield FieldInput(placeholder="e.g. alert on tokeniser timeouts", id="text")
        yield Label("Owner (optional; the names seen here complete as you type, Right accepts)")
        yield FieldInput(
            placeholder="who will do it",
            id="owner",
            suggester=SuggestFromList(self.people, case_sensitive=False) if self.people else None,
        )
        yield Label("Due (optional): YYYY-MM-DD, or +7d / +2w from today")
        yield FieldInput(placeholder="e.g. +2w", id="due")

    def save(self) -> FollowupForm | None:
        text = self.query_one("#text", Input).value.strip()
        owner = self.query_one("#owner", Input).value.strip() or None
        due = self.query_one("#due", Input).value.strip() or None
        if not text:
            self.error("Say what needs doing.", "text")
            return None
        if due is not None:
            try:
                parse_due(due, self.clock())
            except BadInput as exc:
                self.error(exc.message, "due")
                return None
        return FollowupForm(text, owner, due)
