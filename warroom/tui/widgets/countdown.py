"""The countdown to the next customer update, from `Incident.next_update_due` and the
injected clock: normal, warning in the last 5 minutes, red and counting up when overdue."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from warroom.domain import update_countdown
from warroom.views import Incident


def clock_text(seconds: float) -> str:
    seconds = int(abs(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def countdown_state(incident: Incident, now: datetime) -> tuple[str, str]:
    """(state, text); state is one of none, normal, warning, overdue."""
    due = incident.next_update_due
    if due is None:
        if incident.status == "resolved":
            return "none", "Resolved: no customer updates owed"
        return "none", f"No customer updates required at {incident.severity}"
    which = "Next update" if incident.last_update_at else "First update"
    countdown = update_countdown(due, now)
    at = due.astimezone().strftime("%H:%M")
    if countdown.state == "overdue":
        return "overdue", f"{which} OVERDUE by {clock_text(countdown.seconds)} (was due {at})"
    return countdown.state, f"{which} due in {clock_text(countdown.seconds)} (at {at})"


class CountdownPane(Static):
    STATES = ("none", "normal", "warning", "overdue")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.border_title = "Customer update"
        self.state = "none"
        self.shown_text: str | None = None  # what is shown; None before the first show()

    def show(self, incident: Incident | None, now: datetime) -> None:
        if incident is None:
            self.state, text = "none", ""
        else:
            self.state, text = countdown_state(incident, now)
        for state in self.STATES:
            self.set_class(state == self.state, f"-{state}")
        if text == self.shown_text:
            return  # ticks every second: repaint only when the shown text changes
        old, self.shown_text = self.shown_text, text
        # Words of the same lengths wrap the same way, so the pane keeps its height and
        # needs no layout of the whole screen (the usual tick: only digits change).
        self.update(Text(text), layout=old is None or _word_lengths(old) != _word_lengths(text))


def _word_lengths(text: str) -> list[int]:
    return [len(word) for word in text.split(" ")]
