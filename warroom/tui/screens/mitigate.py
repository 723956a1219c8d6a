"""Log a mitigation action: one of the six kinds from the process, plus a free-text detail."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Label, RadioSet

from warroom.domain import MITIGATIONS
from warroom.tui.screens.forms import (
    Choice,
    ChoiceSet,
    FieldInput,
    FormScreen,
    chosen,
    highlight_pressed,
)


@dataclass(frozen=True)
class Mitigation:
    action: str
    detail: str


class MitigateScreen(FormScreen[Mitigation]):
    TITLE = "Log a mitigation action"
    SAVE = "logs it"

    def fields(self) -> ComposeResult:
        yield Label("Detail: what exactly, where")
        yield FieldInput(placeholder="e.g. checkout-api back to v1.41", id="detail")
        yield Label("Action (arrows choose)")
        with ChoiceSet(id="action"):
            # "Other" until someone chooses: a detail saved at once must not be recorded as
            # a rollback nobody did.
            for key, label in MITIGATIONS.items():
                yield Choice(Text(label), value=key == "other", name=key)

    def on_mount(self) -> None:
        super().on_mount()
        highlight_pressed(self.query_one(RadioSet))

    def save(self) -> Mitigation | None:
        detail = self.query_one("#detail", Input).value.strip()
        if not detail:
            self.error("Describe what was done.", "detail")
            return None
        return Mitigation(chosen(self.query_one(RadioSet)) or "other", detail)
