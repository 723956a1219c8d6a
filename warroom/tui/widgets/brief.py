"""On a narrow screen (below 100 columns): the roles and the triage facts in one pane, where
the countdown (now in the header), the roles and the facts panes do not fit. Long facts wrap
under their value column instead of being cut, so they can be read without opening a form."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from warroom.safe_text import screen_line, screen_text
from warroom.tui.widgets.roles import GAPS, SHORT_ROLES
from warroom.views import Incident

LABEL_W = 11


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
        table = Table.grid(expand=True)
        table.add_column(width=LABEL_W, no_wrap=True, style=label)
        table.add_column(ratio=1, overflow="fold")
        for role, title in SHORT_ROLES.items():
            name = incident.roles.get(role)
            if name:
                value = Text(screen_line(name, 40))
            elif role in GAPS:
                value = Text.assemble((GAPS[role], none))  # the badge, not the column
            else:
                value = Text("unassigned", missing)
            table.add_row(title, value)
        facts = [
            ("Impact", incident.impact),
            ("Affected", incident.affected),
            ("Workaround", incident.workaround),
            ("Services", ", ".join(incident.services) or None),
        ]
        for name, fact in facts:
            table.add_row(name, screen_text(fact) if fact else Text("not recorded", missing))
        return table
