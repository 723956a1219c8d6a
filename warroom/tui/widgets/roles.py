"""Who holds which role; an unassigned role stands out."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from warroom.domain import ROLES
from warroom.safe_text import person, screen_line, steady
from warroom.views import Incident

SHORT_ROLES = {"owner": "Owner", "fix_lead": "Fix lead", "comms": "Comms"}
LABEL_W = 9  # "Fix lead" and a space
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

    def render(self) -> Table | Text:
        values = self._values()
        if not values:
            return Text()
        # Two columns: a long line (a name, who assigned it) wraps under its value, not
        # under the labels.
        table = label_grid(LABEL_W, self.get_component_rich_style("roles--label"))
        for role, value in zip(ROLES, values, strict=True):
            table.add_row(SHORT_ROLES[role], value)
        return table

    def _values(self) -> list[Text]:
        """What each role shows, in ROLES order."""
        if self.incident is None:
            return []
        label_style = self.get_component_rich_style("roles--label")
        missing = self.get_component_rich_style("roles--unassigned")
        none = self.get_component_rich_style("roles--none")
        values = []
        for role in ROLES:
            text = Text()
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
            values.append(text)
        return values

    def on_click(self, event: events.Click) -> None:
        # A click on a role opens the assign form on that role (the form's only preset).
        offset = event.get_content_offset(self)
        if offset is None:
            return
        role = role_at(self._values(), self.app.console, self.content_region.width, offset.y)
        if role is not None:
            self.post_message(self.RoleClicked(role))


def label_grid(label_w: int, label_style: Style) -> Table:
    """The panes' two columns, labels and values: a long value wraps under itself, never
    under the labels (the roles, the triage facts, the narrow brief)."""
    table = Table.grid(expand=True)
    table.add_column(width=label_w, no_wrap=True, style=label_style)
    table.add_column(ratio=1, overflow="fold")
    return table


def role_at(
    values: list[Text], console: Console, width: int, y: int, label_w: int = LABEL_W
) -> str | None:
    """The role whose row `y` is, in a pane that shows `values` (in ROLES order) in the value
    column of a label-and-value grid `width` cells wide, its labels `label_w` wide (the roles
    pane, the narrow brief)."""
    top = 0
    for role, value in zip(ROLES, values, strict=False):
        rows = len(value.wrap(console, max(width - label_w, 1), overflow="fold"))
        if top <= y < top + rows:
            return role
        top += rows
    return None
