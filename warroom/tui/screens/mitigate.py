"""Log a mitigation action: one of the six kinds from the process, plus a free-text detail."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, RadioButton, RadioSet

from warroom.domain import MITIGATIONS
from warroom.tui.screens.forms import FormScreen, highlight_pressed


@dataclass(frozen=True)
class Mitigation:
    action: str
    detail: str


class MitigateScreen(FormScreen[Mitigation]):
    def __init__(self) -> None:
        super().__init__(classes="form")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Log a mitigation action", classes="dialog-title")
            with RadioSet(id="action"):
                for i, (key, label) in enumerate(MITIGATIONS.items()):
                    yield RadioButton(Text(label), value=i == 0, name=key)
            yield Label("Detail: what exactly, where")
            yield Input(placeholder="e.g. checkout-api back to v1.41", id="detail")
            yield Label(Text("Enter logs it · Esc cancels"), classes="dialog-hint")

    def on_mount(self) -> None:
        highlight_pressed(self.query_one(RadioSet))
        self.query_one(RadioSet).focus()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        detail = self.query_one("#detail", Input).value.strip()
        if not detail:
            self.notify("Describe what was done.", severity="warning", markup=False)
            self.query_one("#detail", Input).focus()
            return
        pressed = self.query_one(RadioSet).pressed_button
        action = (pressed.name if pressed else None) or "other"
        self.dismiss(Mitigation(action, detail))
