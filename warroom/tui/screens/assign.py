"""Assign or hand over a role, with quick picks of people already seen on the incident."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, RadioSet

from warroom.domain import ROLES
from warroom.safe_text import screen_line
from warroom.tui.screens.forms import (
    Choice,
    ChoiceSet,
    FieldInput,
    FormScreen,
    chosen,
    highlight_pressed,
)
from warroom.views import Incident


@dataclass(frozen=True)
class Assignment:
    role: str
    name: str
    # Who held the role when the form was opened: saving after someone else changed it asks.
    holder: str | None = None


class AssignScreen(FormScreen[Assignment]):
    SAVE = "assigns"

    def __init__(
        self,
        incident: Incident,
        people: list[str] | tuple[str, ...],
        role: str | None = None,
    ) -> None:
        super().__init__()
        self.incident = incident
        self.people = list(people)
        # No role is chosen for the user unless the form was opened on one (a role clicked
        # in the roles pane): a guessed default let ctrl+s from the name give someone a role
        # nobody chose.
        self.role = role if role in ROLES else None

    def title_text(self) -> Text:
        return Text(f"Assign a role on {self.incident.ref}")

    def fields(self) -> ComposeResult:
        yield Label("Name")
        # The quick picks complete the name as it is typed (Right accepts), so the name is
        # the first field and typing a new one needs no detour.
        yield FieldInput(
            placeholder="who takes it",
            id="name",
            suggester=SuggestFromList(self.people, case_sensitive=False) if self.people else None,
        )
        if self.people:
            shown = ", ".join(screen_line(p, 20) for p in self.people[:8])
            more = f" and {len(self.people) - 8} more" if len(self.people) > 8 else ""
            yield Label(Text(f"Seen here: {shown}{more} (type the start, Right completes)"))
        yield Label("Role (arrows choose)")
        with ChoiceSet(id="role"):
            for role, label in ROLES.items():
                holder = self.incident.roles.get(role)
                shown = f"{label}: {screen_line(holder, 20) if holder else 'unassigned'}"
                yield Choice(Text(shown), value=role == self.role, name=role)

    def on_mount(self) -> None:
        super().on_mount()
        highlight_pressed(self.query_one(RadioSet))

    def save(self) -> Assignment | None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.error("Type a name.", "name")
            return None
        role = chosen(self.query_one(RadioSet))
        if role is None:
            self.error("Choose the role: owner, fix lead or comms.", "role")
            return None
        return Assignment(role, name, self.incident.roles.get(role))
