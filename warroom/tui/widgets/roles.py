"""Who holds which role; an unassigned role stands out."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from warroom.domain import ROLES
from warroom.safe_text import person, screen_line, steady
from warroom.views import Incident

SHORT_ROLES = {"owner": "Owner", "fix_lead": "Fix lead", "comms": "Comms"}
# Roles the process says to fill at once when nobody holds them (no owner: nobody drives; no
# comms owner: customers go untold), shown as the war room shows what to act on now.
GAPS = {"owner": " NO OWNER ", "comms": " UNASSIGNED "}


class RolesPane(Static):
    COMPONENT_CLASSES = {"roles--unassigned", "roles--label", "roles--none"}

    @dataclass
    class RoleClicked(Message):
        """A role's line was clicked: assign that role."""

        role: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.border_title = "Roles"
        self.incident: Incident | None = None
        self.handing_over: dict[str, str] = {}  # role -> who it is being handed to

    def show(self, incident: Incident | None) -> None:
        shown = self.incident
        self.incident = incident
        # Most refreshes bring a new note and the same roles: re-render only on a change.
        if (
            shown is None
            or incident is None
            or shown.roles != incident.roles
            or shown.assigned_by != incident.assigned_by
        ):
            self.refresh(layout=True)

    def show_handovers(self, handing_over: dict[str, str]) -> None:
        """Roles being handed over (tui/situation.py): shown as "→ NAME (handing over)"."""
        if handing_over != self.handing_over:
            self.handing_over = dict(handing_over)
            self.refresh(layout=True)

    def render(self) -> Text:
        return Text("\n").join(self._lines())

    def _lines(self) -> list[Text]:
        """One line a role, in ROLES order (a long one wraps when drawn)."""
        if self.incident is None:
            return []
        label_style = self.get_component_rich_style("roles--label")
        missing = self.get_component_rich_style("roles--unassigned")
        none = self.get_component_rich_style("roles--none")
        lines = []
        for role in ROLES:
            text = Text()
            text.append(f"{SHORT_ROLES[role]:<9}", label_style)
            name = self.incident.roles.get(role)
            if name:
                text.append(screen_line(name, 40))
                by, login = self.incident.assigned_by.get(role, (name, None))
                if login and login != by:
                    # Assigned under a name that is not the login: show who really did it.
                    text.append(f"  by {steady(person(by, login, 16))}", label_style)
                to = self.handing_over.get(role)
                if to:
                    text.append(f" \u2192 {screen_line(to, 20)} (handing over)", missing)
            elif role in GAPS:  # act now: red, as in the header; in capitals for monochrome
                text.append(GAPS[role], none)
            else:
                text.append("unassigned", missing)
            lines.append(text)
        return lines

    def on_click(self, event: events.Click) -> None:
        # A click on a role opens the assign form on that role (the form's only preset).
        offset = event.get_content_offset(self)
        if offset is None:
            return
        width = max(self.content_region.width, 1)
        top = 0
        for role, line in zip(ROLES, self._lines(), strict=False):
            rows = len(line.wrap(self.app.console, width))
            if top <= offset.y < top + rows:
                self.post_message(self.RoleClicked(role))
                return
            top += rows
