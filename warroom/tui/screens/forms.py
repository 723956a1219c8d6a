"""Shared pieces of the modal forms: the severity choice with its definitions beside it."""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import RadioButton, RadioSet, Static

from warroom.domain import SEVERITIES, SeverityRule
from warroom.safe_text import one_line

ResultT = TypeVar("ResultT")


def definitions_text(rules: dict[str, SeverityRule], chosen: str | None) -> Text:
    lines = []
    for name in SEVERITIES:
        rule = rules[name]
        cadence = (
            f"update every {rule.cadence_minutes} min, first within {rule.first_update_minutes}"
            if rule.cadence_minutes
            else "no customer updates"
        )
        style = "bold reverse" if name == chosen else ""
        lines.append(
            Text.assemble((f" {name} ", style), f" {one_line(rule.definition)} ({cadence})")
        )
    return Text("\n").join(lines)


def highlight_pressed(radio_set: RadioSet) -> None:
    """Start the keyboard highlight on the pressed button, so arrow keys move from the
    current value instead of from the top. RadioSet has no public API for this."""
    buttons = list(radio_set.query(RadioButton))
    pressed = radio_set.pressed_button
    if pressed is not None and hasattr(radio_set, "_selected"):
        radio_set._selected = buttons.index(pressed)


class SeverityChoice(Horizontal):
    """A radio set of SEV1..SEV4 with every definition shown beside it."""

    def __init__(self, rules: dict[str, SeverityRule], value: str, *, id: str) -> None:
        super().__init__(id=id, classes="severity-choice")
        self.rules = rules
        self.value = value

    def compose(self) -> ComposeResult:
        with RadioSet():
            for name in SEVERITIES:
                yield RadioButton(name, value=name == self.value, name=name)
        yield Static(definitions_text(self.rules, self.value), classes="definitions")

    def on_mount(self) -> None:
        highlight_pressed(self.query_one(RadioSet))

    @on(RadioSet.Changed)
    def changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.value = event.pressed.name or self.value
        self.query_one(".definitions", Static).update(definitions_text(self.rules, self.value))


class FormScreen(ModalScreen[ResultT | None], Generic[ResultT]):
    """A modal form: ctrl+s or Enter in the last field saves, Escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        raise NotImplementedError
