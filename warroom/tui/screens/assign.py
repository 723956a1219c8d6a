"""Assign or hand over a role, with quick picks of people already seen on the incident."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, RadioButton, RadioSet
from textual.widgets.option_list import Option

from warroom.domain import ROLES
from warroom.safe_text import one_line
from warroom.tui.screens.forms import FormScreen, highlight_pressed
from warroom.views import Incident


@dataclass(frozen=True)
class Assignment:
    role: str
    name: str
    # Who held the role when the form was opened: saving after someone else changed it asks.
    holder: str | None = None


class AssignScreen(FormScreen[Assignment]):
    def __init__(self, incident: Incident, people: list[str] | tuple[str, ...]) -> None:
        super().__init__(classes="form")
        self.incident = incident
        self.people = list(people)
        # Default to the first role nobody holds: that is usually the one to fill.
        self.role = next((r for r in ROLES if not incident.roles.get(r)), "owner")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(f"Assign a role on {self.incident.ref}"), classes="dialog-title")
            with RadioSet(id="role"):
                for role, label in ROLES.items():
                    holder = self.incident.roles.get(role)
                    shown = f"{label}: {one_line(holder, 20) if holder else 'unassigned'}"
                    yield RadioButton(Text(shown), value=role == self.role, name=role)
            yield Label("Name")
            yield Input(placeholder="who takes it", id="name")
            if self.people:
                yield Label("Quick picks (people seen on this incident)")
                yield OptionList(
                    *(Option(Text(one_line(p, 40)), id=str(i)) for i, p in enumerate(self.people)),
                    id="people",
                )
            yield Label(Text("Enter assigns · Tab moves · Esc cancels"), classes="dialog-hint")

    def on_mount(self) -> None:
        highlight_pressed(self.query_one(RadioSet))
        target = "#people" if self.people else "#name"
        self.query_one(target).focus()

    @on(RadioSet.Changed)
    def role_changed(self, event: RadioSet.Changed) -> None:
        self.role = event.pressed.name or self.role

    @on(OptionList.OptionSelected, "#people")
    def picked(self, event: OptionList.OptionSelected) -> None:
        name = self.people[int(event.option.id or 0)]
        self.dismiss(Assignment(self.role, name, self.incident.roles.get(self.role)))

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.notify("Type a name or pick one.", severity="warning", markup=False)
            return
        self.dismiss(Assignment(self.role, name, self.incident.roles.get(self.role)))
