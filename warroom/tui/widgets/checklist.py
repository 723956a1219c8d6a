"""The checklist grouped by step, with who ticked each item and when."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from warroom.domain import STEP_LABELS
from warroom.safe_text import person, screen_line, steady
from warroom.views import Incident


class ChecklistPane(Static):
    COMPONENT_CLASSES = {"checklist--step", "checklist--done", "checklist--open", "checklist--who"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.border_title = "Checklist (c: tick)"
        self.incident: Incident | None = None

    def show(self, incident: Incident | None) -> None:
        shown = self.incident
        self.incident = incident
        # Most refreshes bring a new note and the same checklist: re-render only on a change.
        if shown is not None and incident is not None and shown.checklist == incident.checklist:
            return
        if incident is not None:
            done = sum(item.done for item in incident.checklist)
            self.border_subtitle = f"{done}/{len(incident.checklist)}"
        self.refresh(layout=True)

    def render(self) -> Text:
        text = Text()
        if self.incident is None:
            return text
        # Step headings only where there is room for them.
        compact = self.app.size.width < 100
        step_style = self.get_component_rich_style("checklist--step")
        who_style = self.get_component_rich_style("checklist--who")
        step = None
        lines: list[Text] = []
        for item in self.incident.checklist:
            if item.step != step and not compact:
                step = item.step
                label = STEP_LABELS.get(item.step, item.step).split(". ", 1)[-1]
                lines.append(Text(screen_line(label), step_style))
            mark = "✔" if item.done else "☐"
            style = self.get_component_rich_style(
                "checklist--done" if item.done else "checklist--open"
            )
            line = Text.assemble(
                (f" {item.number} {mark} ", style), (screen_line(item.text), style)
            )
            if item.done and item.done_at and not compact:
                who = steady(person(item.done_by or "?", item.done_by_login, 12))
                line.append(f"  {who} {item.done_at.astimezone():%H:%M}", who_style)
            lines.append(line)
        return Text("\n").join(lines)
