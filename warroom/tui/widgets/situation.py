"""One or two lines under the header: a handover waiting for you (loud), other handovers,
other open incidents. Hidden when there is nothing to say."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from warroom.actions import Actor
from warroom.safe_text import one_line
from warroom.tui.situation import Situation, bar_lines

STYLES = {
    "-yours": "bold reverse yellow",
    "-handover": "yellow",
    "-seen": "italic",
    "-others": "bold",
}


class SituationBar(Static):
    DEFAULT_CSS = """
    SituationBar { height: auto; padding: 0 1; display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text(""), id=id)
        self._shown: list[tuple[str, str]] = []

    def show(self, situation: Situation, me: Actor) -> bool:
        """True if the bar's height may have changed (the screen lays out again)."""
        lines = bar_lines(situation, me)
        if lines == self._shown:
            return False
        resized = len(lines) != len(self._shown)
        self._shown = lines
        width = max(20, (self.app.size.width if self.is_attached else 120) - 2)
        text = Text("\n").join(Text(one_line(line, width), STYLES[cls]) for cls, line in lines)
        self.update(text)
        self.display = bool(lines)
        return resized

    @property
    def lines(self) -> list[str]:
        return [line for _, line in self._shown]
