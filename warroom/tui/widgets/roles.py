"""Who holds which role; an unassigned role stands out."""

from __future__ import annotations

from rich.text import Text
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
        text = Text()
        if self.incident is None:
            return text
        label_style = self.get_component_rich_style("roles--label")
        missing = self.get_component_rich_style("roles--unassigned")
        none = self.get_component_rich_style("roles--none")
        for i, role in enumerate(ROLES):
            if i:
                text.append("\n")
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
        return text
