"""Small modal pickers: one list, Enter (or the item's number) chooses, Escape cancels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from warroom.domain import SEVERITIES, STATUS_HELP, STATUSES, SeverityRule
from warroom.safe_text import screen_line
from warroom.views import Incident


class ChoiceScreen(ModalScreen[str | None]):
    """Dismisses with the chosen option's id, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        options: Sequence[tuple[str, Text | str]],
        *,
        current: str | None = None,
        hint: str = "Enter or the number chooses · Esc cancels",
    ) -> None:
        super().__init__(classes="picker")
        self.title_text = title
        self.options = list(options)
        self.current = current
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            yield OptionList(*self._prompts(), id="choices")
            yield Label(Text(self.hint), classes="dialog-hint")

    def _prompts(self) -> list[Option]:
        prompts = []
        for i, (value, label) in enumerate(self.options, 1):
            prompt = Text(f"{i} " if i < 10 else "  ")
            prompt.append_text(label if isinstance(label, Text) else Text(label))
            prompts.append(Option(prompt, id=value))
        return prompts

    def offer(self, options: Sequence[tuple[str, Text | str]], current: str | None) -> None:
        """Offer these options the next time this screen is shown (a picker kept installed
        and shown again): the list is rebuilt only if the options changed."""
        options = list(options)
        if options != self.options:
            self.options = options
            if self.is_mounted:
                choices = self.query_one(OptionList)
                choices.clear_options()
                choices.add_options(self._prompts())
        self.current = current

    def on_mount(self) -> None:
        self._start_on_current()

    def on_screen_resume(self) -> None:
        # On every showing, not only the first: a kept picker starts on the current choice.
        self._start_on_current()

    def _start_on_current(self) -> None:
        # A picker built ahead (pushed and popped at once) can be resumed before its list is
        # composed: then its mount does this.
        for options in self.query(OptionList):
            ids = [value for value, _ in self.options]
            if self.current in ids:
                options.highlighted = ids.index(self.current)
            options.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_key(self, event: Key) -> None:
        if event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.options):
                event.stop()
                self.dismiss(self.options[index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


def severity_label(rule: SeverityRule, current: str | None = None) -> Text:
    cadence = (
        f"updates every {rule.cadence_minutes} min"
        if rule.cadence_minutes
        else "no customer updates required"
    )
    text = Text.assemble((rule.name, "bold"), f"  {screen_line(rule.definition)} ({cadence})")
    if rule.name == current:
        text.append("  ← current", "italic")
    return text


def severity_picker(rules: dict[str, SeverityRule], current: str) -> ChoiceScreen:
    return ChoiceScreen(
        "Severity",
        [(name, severity_label(rules[name], current)) for name in SEVERITIES],
        current=current,
    )


def status_picker(current: str) -> ChoiceScreen:
    options = []
    for status in STATUSES:
        label = Text.assemble((f"{status:<14}", "bold"), STATUS_HELP[status])
        if status == current:
            label.append("  ← current", "italic")
        options.append((status, label))
    return ChoiceScreen("Status", options, current=current)


def checklist_picker(incident: Incident) -> ChoiceScreen:
    """Choosing a ticked item unticks it."""
    options = []
    first_open = None
    for item in incident.checklist:
        mark = "✔" if item.done else "☐"
        label = Text(f"{mark} {screen_line(item.text, 60)}")
        if item.done:
            label.append(f"  ticked by {screen_line(item.done_by or '?', 16)}", "dim")
        elif first_open is None:
            first_open = str(item.number)
        options.append((str(item.number), label))
    return ChoiceScreen(
        "Tick a checklist item (a ticked one is unticked)", options, current=first_open
    )


def incident_picker(incidents: list[dict[str, Any]], current: int | None) -> ChoiceScreen:
    options = [
        (
            str(row["id"]),
            Text.assemble(
                (f"{row['ref']:<8}", "bold"),
                f"{row['severity']}  {row['status']:<13} ",
                screen_line(row["title"], 60),
            ),
        )
        for row in incidents
    ]
    return ChoiceScreen(
        "Switch incident",
        options,
        current=str(current) if current is not None else None,
        hint="Enter chooses · Esc cancels",
    )
