"""On a narrow screen (below 100 columns): the roles and the triage facts in one pane, where
the countdown (now in the header), the roles and the facts panes do not fit. Long facts wrap
under their value column instead of being cut, so they can be read without opening a form."""

from __future__ import annotations

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events
from textual.widgets import Static

from warroom.safe_text import screen_line, screen_text
from warroom.tui.widgets.facts import LABEL_W
from warroom.tui.widgets.roles import GAPS, SHORT_ROLES, RolesPane, label_grid, role_at
from warroom.views import Incident


def _shown(incident: Incident) -> tuple[object, ...]:
    return (
        incident.roles,
        incident.impact,
        incident.affected,
        incident.workaround,
        incident.services,
    )


class BriefPane(Static):
    COMPONENT_CLASSES = {"brief--label", "brief--missing", "brief--none"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.border_title = "Roles · triage (a, t)"
        self.incident: Incident | None = None

    def show(self, incident: Incident | None) -> None:
        shown = self.incident
        self.incident = incident
        if shown is None or incident is None or _shown(shown) != _shown(incident):
            self.refresh(layout=True)

    def render(self) -> Table | Text:
        incident = self.incident
        if incident is None:
            return Text()
        label = self.get_component_rich_style("brief--label")
        missing = self.get_component_rich_style("brief--missing")
        none = self.get_component_rich_style("brief--none")
        # Two columns: a long value wraps under itself, not under the labels.
        table = label_grid(LABEL_W, label)
        for role, title in SHORT_ROLES.items():
            table.add_row(title, self._role_value(incident, role, missing, none))
        facts = [
            ("Impact", incident.impact),
            ("Affected", incident.affected),
            ("Workaround", incident.workaround),
            ("Services", ", ".join(incident.services) or None),
        ]
        for name, fact in facts:
            table.add_row(name, screen_text(fact) if fact else Text("not recorded", missing))
        return table

    @staticmethod
    def _role_value(incident: Incident, role: str, missing: Style, none: Style) -> Text:
        name = incident.roles.get(role)
        if name:
            return Text(screen_line(name, 40))
        if role in GAPS:
            return Text.assemble((GAPS[role], none))  # the badge, not the column
        return Text("unassigned", missing)

    def on_click(self, event: events.Click) -> None:
        # As in the wider roles pane: a click on a role opens the assign form on it.
        offset = event.get_content_offset(self)
        incident = self.incident
        if offset is None or incident is None:
            return
        values = [self._role_value(incident, r, Style(), Style()) for r in SHORT_ROLES]
        width = self.content_region.width
        role = role_at(values, self.app.console, width, offset.y, label_w=LABEL_W)
        if role is not None:
            self.post_message(RolesPane.RoleClicked(role))
