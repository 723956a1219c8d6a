"""Once the incident is resolved: the response metrics and the open follow-up actions, in place
of the countdown and the update preview, which no longer matter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.padding import Padding
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from warroom.safe_text import screen_line
from warroom.views import Followup

MIN_LABEL_W = 24  # below this a label column is more wrap than words


class MetricsTable:
    """The metric rows as a two-column grid that fits the width it is given."""

    def __init__(self, rows: Sequence[tuple[str, str]], label: Style, value: Style) -> None:
        self.rows = rows
        self.label = label
        self.value = value

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Beside each other where both fit on one line, the labels keep their "(from → to)"
        # explanation if there is room for it; else the long labels wrap, and where even
        # that leaves a label too little room (a value squeezed into six cells, one word a
        # line, was what it did), each value goes under its label, indented.
        values = max((cell_len(value) for _, value in self.rows), default=0)
        for short in (False, True):
            rows = [(_short(label) if short else label, value) for label, value in self.rows]
            labels = max((cell_len(label) for label, _ in rows), default=0)
            if labels + 1 + values <= options.max_width:
                table = Table.grid(padding=(0, 1))
                table.add_column(style=self.label, no_wrap=True)
                table.add_column(style=self.value, no_wrap=True)
                for label, value in rows:
                    table.add_row(Text(label), Text(value))
                yield table
                return
        if options.max_width - 1 - values >= MIN_LABEL_W:
            # The values whole on their line; a long label wraps under itself.
            table = Table.grid(padding=(0, 1))
            table.add_column(style=self.label, ratio=1)
            table.add_column(style=self.value, no_wrap=True)
            for label, value in self.rows:
                table.add_row(Text(_short(label)), Text(value))
            yield table
            return
        stacked = Table.grid(padding=(0, 0, 0, 2))
        stacked.add_column(overflow="fold")
        for label, value in self.rows:
            stacked.add_row(Text(_short(label), self.label))
            stacked.add_row(Padding(Text(value, self.value), (0, 0, 0, 2)))
        yield stacked


def _short(label: str) -> str:
    return label.split(" (")[0]


def followups_table(items: Sequence[Followup], today: date, overdue_style: Style) -> Table:
    """Open follow-ups, one a row: number, owner, due date (loud when overdue), text; a long
    text wraps in its own column."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1, overflow="fold")
    for item in items:
        due = Text(f"due {screen_line(item.due, 10)}" if item.due else "")
        if item.overdue(today):
            due.append(" OVERDUE")
            due.stylize(overdue_style)
        owner = screen_line(item.owner, 14) if item.owner else "no owner"
        table.add_row(Text(f"#{item.id}"), Text(owner), due, Text(screen_line(item.text)))
    return table


class ReviewPane(VerticalScroll):
    COMPONENT_CLASSES = {"review--label", "review--value", "review--heading", "review--overdue"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Review"
        self.border_subtitle = "o: follow-ups · x: export postmortem"
        self.metrics: tuple[tuple[str, str], ...] = ()
        self.followups: tuple[Followup, ...] = ()
        self.today: date | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(""), id="review-metrics")
        yield Static(Text(""), id="review-followups")

    def show(
        self, metrics: tuple[tuple[str, str], ...], followups: tuple[Followup, ...], today: date
    ) -> None:
        if (metrics, followups, today) == (self.metrics, self.followups, self.today):
            return
        self.metrics, self.followups, self.today = metrics, followups, today
        self._redraw()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self._redraw()  # the theme changed: the styles come from it

    def _redraw(self) -> None:
        today = self.today
        if today is None:
            return  # nothing shown yet
        label = self.get_component_rich_style("review--label")
        value = self.get_component_rich_style("review--value")
        self.query_one("#review-metrics", Static).update(MetricsTable(self.metrics, label, value))
        self.query_one("#review-followups", Static).update(self.followups_view(today))
        still_open = sum(1 for f in self.followups if not f.done)
        self.border_title = f"Review · {still_open} open follow-up{'s' if still_open != 1 else ''}"

    def followups_view(self, today: date) -> Group:
        heading = self.get_component_rich_style("review--heading")
        overdue = self.get_component_rich_style("review--overdue")
        still_open = [f for f in self.followups if not f.done]
        if not self.followups:
            return Group(Text("No follow-up actions yet: o adds one.", heading))
        done = len(self.followups) - len(still_open)
        title = f"Open follow-ups: {len(still_open)}" + (f" ({done} done)" if done else "")
        return Group(Text(title, heading), followups_table(still_open, today, overdue))
