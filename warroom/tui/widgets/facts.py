"""Triage facts: impact, who is affected, workaround, services, how it was detected."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from warroom.domain import SOURCES
from warroom.safe_text import screen_text
from warroom.tui.widgets.roles import label_grid
from warroom.views import Incident

LABEL_W = 11  # "Workaround" and a space


def _facts(incident: Incident) -> tuple[object, ...]:
    """What render() shows."""
    return (
        incident.impact,
        incident.affected,
        incident.workaround,
        incident.services,
        incident.detection_source,
    )


class FactsPane(Static):
    COMPONENT_CLASSES = {"facts--label", "facts--missing"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.border_title = "Triage (t: edit)"
        self.incident: Incident | None = None

    def show(self, incident: Incident | None) -> None:
        shown = self.incident
        self.incident = incident
        # Most refreshes bring a new note and the same facts: re-render only on a change.
        if shown is None or incident is None or _facts(shown) != _facts(incident):
            self.refresh(layout=True)

    def render(self) -> Table | Text:
        incident = self.incident
        if incident is None:
            return Text()
        label = self.get_component_rich_style("facts--label")
        missing = self.get_component_rich_style("facts--missing")
        source = incident.detection_source
        rows = [
            ("Impact", incident.impact),
            ("Affected", incident.affected),
            ("Workaround", incident.workaround),
            ("Services", ", ".join(incident.services) or None),
            ("Detected", SOURCES.get(source, source) if source else None),
        ]
        # Two columns: a long fact wraps under itself, not under the labels.
        table = label_grid(LABEL_W, label)
        for name, value in rows:
            table.add_row(name, screen_text(value) if value else Text("not recorded", missing))
        return table
