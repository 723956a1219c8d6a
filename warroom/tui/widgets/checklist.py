"""The checklist grouped by step, with who ticked each item and when."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
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

    def render(self) -> Group | Text:
        if self.incident is None:
            return Text()
        # Step headings only where there is room for them.
        compact = self.app.size.width < 100
        step_style = self.get_component_rich_style("checklist--step")
        who_style = self.get_component_rich_style("checklist--who")
        number_w = len(str(max((i.number for i in self.incident.checklist), default=1)))
        parts: list[Text | Hanging] = []
        step = None
        for item in self.incident.checklist:
            if item.step != step and not compact:
                step = item.step
                label = STEP_LABELS.get(item.step, item.step).split(". ", 1)[-1]
                parts.append(Text(screen_line(label), step_style))
            mark = "✔" if item.done else "☐"
            style = self.get_component_rich_style(
                "checklist--done" if item.done else "checklist--open"
            )
            by = None
            if item.done and item.done_at and not compact:
                who = steady(person(item.done_by or "?", item.done_by_login, 12))
                by = Text(f"{who} {item.done_at.astimezone():%H:%M}", who_style)
            parts.append(
                Hanging(
                    Text(f" {item.number:>{number_w}} {mark} ", style),
                    Text(screen_line(item.text), style),
                    by,
                )
            )
        return Group(*parts)


class Hanging:
    """One checklist line: the number and mark, then the text, wrapped under the text (a
    hanging indent), and who ticked it and when, kept whole: after the text where it fits
    on the same line, else on a line of its own."""

    def __init__(self, prefix: Text, body: Text, by: Text | None) -> None:
        self.prefix, self.body, self.by = prefix, body, by

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        by = cell_len(self.by.plain) + 2 if self.by is not None else 0
        width = self.prefix.cell_len + self.body.cell_len + by
        return Measurement(min(width, self.prefix.cell_len + 1), width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        indent = self.prefix.cell_len
        room = max(options.max_width - indent, 1)
        body = self.body.copy()
        by = self.by
        if by is not None and body.cell_len + 2 + by.cell_len <= room:
            body.append("  ")
            body.append_text(by)
            by = None
        lines = list(body.wrap(console, room))
        if by is not None:
            lines.extend(by.wrap(console, room))
        for i, line in enumerate(lines):
            yield Text.assemble(self.prefix if i == 0 else " " * indent, line, end="\n")
