"""On a narrow screen (below 100 columns): the roles and the triage facts in one pane, where
the countdown (now in the header), the roles and the facts panes do not fit. Long facts wrap
under their value column instead of being cut, so they can be read without opening a form."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text
from textual import events
from textual.css.scalar import Unit
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

    def render(self) -> FittedGrid | Text:
        incident = self.incident
        if incident is None:
            return Text()
        label = self.get_component_rich_style("brief--label")
        missing = self.get_component_rich_style("brief--missing")
        none = self.get_component_rich_style("brief--none")
        rows = [
            (title, self._role_value(incident, role, missing, none))
            for role, title in SHORT_ROLES.items()
        ]
        facts = [
            ("Impact", incident.impact),
            ("Affected", incident.affected),
            ("Workaround", incident.workaround),
            ("Services", ", ".join(incident.services) or None),
        ]
        rows += [
            (name, screen_text(fact) if fact else Text("not recorded", missing))
            for name, fact in facts
        ]
        return FittedGrid(rows, label, self._lines())

    def _lines(self) -> int | None:
        """The lines the pane's content may take: its max-height less the border."""
        limit = self.styles.max_height
        if limit is None or limit.unit != Unit.CELLS:
            return None
        return max(int(limit.value) - self.styles.gutter.height, 1)

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


class FittedGrid:
    """Labels and values in two columns (label_grid), cut to `lines` lines: every row gets
    one, and the lines left go to the rows that need more, top first (Impact, what customers
    see, before Services); a value cut short ends in "…". At 80x24 a long workaround took the
    pane's last lines and Services was cut off without a sign (drill); now every label shows,
    and the whole text is a `t` (or `b`) away."""

    def __init__(self, rows: list[tuple[str, Text]], label: Style, lines: int | None) -> None:
        self.rows = rows
        self.label = label
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - LABEL_W, 1)
        wrapped = [value.wrap(console, width, overflow="fold") for _, value in self.rows]
        keep = [len(lines) for lines in wrapped]
        if self.lines is not None and sum(keep) > self.lines:
            # One line each, then one more to each row that needs it, top first, in turns:
            # a long impact and a long workaround both show their start.
            keep = [1] * len(wrapped)
            spare = self.lines - len(wrapped)
            while spare > 0 and any(k < len(w) for k, w in zip(keep, wrapped, strict=True)):
                for index, lines in enumerate(wrapped):
                    if spare > 0 and keep[index] < len(lines):
                        keep[index] += 1
                        spare -= 1
        table = label_grid(LABEL_W, self.label)
        for (name, value), lines, kept in zip(self.rows, wrapped, keep, strict=True):
            if kept < len(lines):
                last = lines[kept - 1].copy()
                last.truncate(width - 1)
                last.rstrip()
                last.append("\u2026")
                value = Text("\n").join([*lines[: kept - 1], last])
            table.add_row(name, value)
        yield table
